/* libFuzzer harness: the invwishart family (body in fuzz_nuscale.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define FAM invwishart
#include "fuzz_nuscale.h"
