/* libFuzzer harness: the mvn family (body in fuzz_vecvar.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define FAM mvn
#include "fuzz_vecvar.h"
