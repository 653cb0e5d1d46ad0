/* libFuzzer harness: the mvt family (body in fuzz_vecvar.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define FAM mvt
#define HAS_NU
#include "fuzz_vecvar.h"
