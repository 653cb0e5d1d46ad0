/* libFuzzer harness: the matnorm family (body in fuzz_matrixvar.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define FAM matnorm
#include "fuzz_matrixvar.h"
