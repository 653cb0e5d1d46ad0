/* bayesmat-bench: mvn workloads (filled in when the families land).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "bench.h"

void bench_mvn(bench_ctx *c) { (void)c; }
