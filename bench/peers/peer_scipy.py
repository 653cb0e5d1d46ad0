#!/usr/bin/python3
# bench/peers: scipy as its users call it.
#   mvn_loglik:     scipy.stats.multivariate_normal.logpdf(X, mu, Sigma).sum()
#                   (scipy factors Sigma itself, by a symmetric eigen-
#                   decomposition, inside the call);
#   wishart_logpdf: scipy.stats.wishart.logpdf(X, nu, S).
# scipy has no gradients: the _grad workloads are "unsupported".
# Command line, data layout and timing method: peer_common.h (the timing
# loop below is the same method: ~2 ms batches, median over REPS batches).
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import statistics
import sys
import time

import numpy as np
from scipy import stats


def load(path, mvn):
    v = np.fromfile(path, dtype="<f8")
    p = int(v[0])
    if mvn:
        n = int(v[1])
        mu = v[2:2 + p]
        sigma = v[2 + p:2 + p + p * p].reshape(p, p)
        x = v[2 + p + p * p:2 + p + p * p + n * p].reshape(n, p)
        return p, mu, sigma, x
    nu = v[1]
    s = v[2:2 + p * p].reshape(p, p)
    x = v[2 + p * p:2 + 2 * p * p].reshape(p, p)
    return p, nu, s, x


# PEER_CLOCK=cpu: the process's CPU time, as in peer_common.h
CLOCK = time.process_time if os.environ.get("PEER_CLOCK") == "cpu" else time.perf_counter


def median_time(fn, reps):
    fn()
    t0 = CLOCK()
    fn()
    t1 = CLOCK() - t0
    inner = max(1, int(2e-3 / t1)) if t1 > 0 else 1000
    samples = []
    for _ in range(reps):
        b0 = CLOCK()
        for _ in range(inner):
            fn()
        samples.append((CLOCK() - b0) / inner)
    return statistics.median(samples)


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("value", "time"):
        sys.exit("usage: peer_scipy.py value|time WORKLOAD P FILE [REPS]")
    mode, workload, p, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if workload.endswith("_grad"):
        print("unsupported")
        sys.exit(3)
    mvn = workload.startswith("mvn")
    data = load(path, mvn)
    if data[0] != p:
        sys.exit("peer_scipy: the data file is for another p")
    if mvn:
        _, mu, sigma, x = data
        fn = lambda: stats.multivariate_normal.logpdf(x, mu, sigma).sum()
    else:
        _, nu, s, x = data
        fn = lambda: float(stats.wishart.logpdf(x, nu, s))
    value = float(fn())
    if mode == "time":
        print("%.17g %.6e" % (value, median_time(fn, int(sys.argv[5]))))
    else:
        print("%.17g" % value)


if __name__ == "__main__":
    main()
