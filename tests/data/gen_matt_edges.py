#!/usr/bin/python3
"""Reference values for the matrix-t regression cases in tests/test_matt.c
(matt_edges): the far tail where Z Z^T, Z or X - M is beyond double range,
and sweep points where the Gram matrix I + Z Z^T was ill-conditioned.

Run with /usr/bin/python3 (mpmath only):
    /usr/bin/python3 tests/data/gen_matt_edges.py > tests/data/matt_edges_ref.txt

Inputs: tests/data/matt_edges_cases.txt (exact doubles in C99 hex). Every
value is the textbook density evaluated in mpmath: log|I + Sigma^-1 R
Omega^-1 R^T| as the determinant of the small side I + Sigma^-1 R Omega^-1 R^T
or I + Omega^-1 R^T Sigma^-1 R, with plain mpmath inverses and determinants
(no whitening, no factorization), at 700 digits and checked against 900
digits (the determinants there span up to 1e-700 relative); the nu-score by
mpmath's numerical differentiation of that log-density.
Output: "key value" per line: logf_<name>, dnu_<name>.
"""
import os
import mpmath as mp


def lmvgamma(p, a):
    return p * (p - 1) / mp.mpf(4) * mp.log(mp.pi) + sum(mp.loggamma(a - mp.mpf(j) / 2) for j in range(p))


def logf(n, p, nu, M, U, V, X):
    R = X - M
    k = nu + n + p - 1
    if n <= p:
        ld = mp.log(mp.det(mp.eye(n) + U**-1 * R * V**-1 * R.T))
    else:
        ld = mp.log(mp.det(mp.eye(p) + V**-1 * R.T * U**-1 * R))
    return (lmvgamma(p, k / 2) - lmvgamma(p, (nu + p - 1) / 2) - n * p / mp.mpf(2) * mp.log(mp.pi)
            - n / mp.mpf(2) * mp.log(mp.det(V)) - p / mp.mpf(2) * mp.log(mp.det(U)) - k / 2 * ld)


def case(t):
    n, p = int(t[1]), int(t[2])
    v = [mp.mpf(float.fromhex(x)) for x in t[3:]]
    nu, o = v[0], 1
    mats = []
    for r, c in ((n, p), (n, n), (p, p), (n, p)):
        A = mp.matrix(r, c)
        for i in range(r):
            for j in range(c):
                A[i, j] = v[o]
                o += 1
        mats.append(A)
    assert o == len(v)
    return n, p, nu, mats


here = os.path.dirname(os.path.abspath(__file__))
for line in open(os.path.join(here, "matt_edges_cases.txt")):
    if line.startswith("#") or not line.strip():
        continue
    t = line.split()
    n, p, nu, (M, U, V, X) = case(t)
    mp.mp.dps = 900
    hi = logf(n, p, nu, M, U, V, X)
    mp.mp.dps = 700
    lf = logf(n, p, nu, M, U, V, X)
    assert abs(lf - hi) < mp.mpf(10)**-60 * (1 + abs(hi))
    dnu = mp.diff(lambda s: logf(n, p, s, M, U, V, X), nu)
    print("logf_%s %s" % (t[0], mp.nstr(lf, 25, min_fixed=-1, max_fixed=-1)))
    print("dnu_%s %s" % (t[0], mp.nstr(dnu, 25, min_fixed=-1, max_fixed=-1)))
