/* bayesmat-bench: matrix workloads (filled in when the families land).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "bench.h"

void bench_matrix(bench_ctx *c) { (void)c; }
