/* libFuzzer harness: the matt family (body in fuzz_matrixvar.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define FAM matt
#define HAS_NU
#include "fuzz_matrixvar.h"
