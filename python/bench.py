"""Benchmark (not a test): bayesmat.mvn.logpdf vs scipy's frozen
multivariate_normal.logpdf on n = 1000 observations at p = 5 and p = 100, the
per-call overhead of one small logpdf, and rvs of 100000 draws (mvn p = 5,
Wishart p = 5, matrix normal 5 x 5) against scipy's.  Usage:
    BAYESMAT_LIB=build/libbayesmat.so /usr/bin/python3 python/bench.py
Prints the best of several repeats (a loaded machine inflates the others)."""
import os
import sys
import timeit

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bayesmat as bm  # noqa: E402


def best(f, number, repeat=7):
    return min(timeit.repeat(f, number=number, repeat=repeat)) / number


def main():
    r = np.random.default_rng(0)
    print(f"library: {bm.lib_source}")
    print(f"{'case':<28}{'bayesmat':>14}{'scipy':>14}{'speed-up':>10}")
    for p in (5, 100):
        A = r.standard_normal((p, p))
        S = A @ A.T + p * np.eye(p)
        mu = r.standard_normal(p)
        X = r.standard_normal((1000, p))
        d, s = bm.mvn(mu, S), stats.multivariate_normal(mu, S)
        assert np.allclose(d.logpdf(X), s.logpdf(X), rtol=1e-12)
        n = 200 if p == 5 else 20
        tb, ts = best(lambda: d.logpdf(X), n), best(lambda: s.logpdf(X), n)
        print(f"{f'logpdf n=1000 p={p}':<28}{tb * 1e6:>11.1f} us{ts * 1e6:>11.1f} us{ts / tb:>9.1f}x")
    d, s = bm.mvn(np.zeros(2), np.eye(2)), stats.multivariate_normal(np.zeros(2), np.eye(2))
    x = np.array([0.3, -0.2])
    tb, ts = best(lambda: d.logpdf(x), 20000), best(lambda: s.logpdf(x), 20000)
    print(f"{'one logpdf p=2 (overhead)':<28}{tb * 1e6:>11.2f} us{ts * 1e6:>11.2f} us{ts / tb:>9.1f}x")
    p, N = 5, 100000
    A = r.standard_normal((p, p))
    S = A @ A.T + p * np.eye(p)
    mu, M = r.standard_normal(p), r.standard_normal((p, p))
    for name, d, s in (("mvn p=5", bm.mvn(mu, S), stats.multivariate_normal(mu, S)),
                       ("wishart p=5", bm.wishart(p + 2.5, S), stats.wishart(p + 2.5, S)),
                       ("matnorm 5x5", bm.matnorm(M, S, S), stats.matrix_normal(M, S, S))):
        tb = best(lambda: d.rvs(N, random_state=1), 1, 5)
        ts = best(lambda: s.rvs(N, random_state=1), 1, 5)
        print(f"{f'rvs {N} {name}':<28}{tb * 1e3:>11.1f} ms{ts * 1e3:>11.1f} ms{ts / tb:>9.1f}x")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
