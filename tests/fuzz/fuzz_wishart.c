/* libFuzzer harness: the wishart family (body in fuzz_nuscale.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define FAM wishart
#include "fuzz_nuscale.h"
