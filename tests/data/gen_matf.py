#!/usr/bin/python3
"""Reference log-densities of the matrix-variate F family F_p(nu, delta, Psi).

Run with /usr/bin/python3 (mpmath only):  /usr/bin/python3 tests/data/gen_matf.py > tests/data/matf_ref.txt

log f = log G_p(k/2) - log G_p(nu/2) - log G_p(r/2) - nu/2 log|Psi|
        + (nu-p-1)/2 log|X| - k/2 log|I + X Psi^-1|,   k = nu+delta+p-1, r = delta+p-1,
evaluated at 50 significant digits directly from this definition (determinants
of the 50-digit matrices, log|I + X Psi^-1| formed as written, NOT through the
library's log|Psi + X| - log|Psi| route). Inputs are printed with 17 significant
digits and re-read from those strings, so the doubles the C test parses are
exactly the numbers evaluated here.

Output, one case per line:
  p nu delta Psi(p*p, row-major) X(p*p, row-major) logf scale
where scale = sum of |each term of log f| (the size of the numbers that
cancel) plus the first-order effect on log f of Cholesky backward errors
|E_ij| <= eps sqrt(A_ii A_jj) in Psi, X and Psi + X (the conditioning of the
problem in double precision); the test's tolerance is relative to it.
"""
import random
import mpmath as mp
from refgen import rot

mp.mp.dps = 50


def lmvgamma(p, a):
    return mp.mpf(p * (p - 1)) / 4 * mp.log(mp.pi) + mp.fsum(mp.loggamma(a - mp.mpf(j) / 2) for j in range(p))


def logf(p, nu, delta, Psi, X):
    nu, delta = mp.mpf(nu), mp.mpf(delta)
    k = nu + delta + p - 1
    r = delta + p - 1
    P = mp.matrix(Psi)
    Xm = mp.matrix(X)
    terms = [lmvgamma(p, k / 2), -lmvgamma(p, nu / 2), -lmvgamma(p, r / 2),
             -nu / 2 * mp.log(mp.det(P)), (nu - p - 1) / 2 * mp.log(mp.det(Xm)),
             -k / 2 * mp.log(mp.det(mp.eye(p) + Xm * mp.inverse(P)))]
    # first-order effect of a Cholesky backward error |E_ij| <= c eps sqrt(A_ii A_jj)
    # in Psi, X and Psi + X (gradients r/2 Psi^-1, (nu-p-1)/2 X^-1, k/2 (Psi+X)^-1)
    sens = mp.mpf(0)
    for A, coef in ((P, r / 2), (Xm, (nu - p - 1) / 2), (P + Xm, k / 2)):
        Ai = mp.inverse(A)
        sens += mp.fsum(abs(coef * Ai[i, j]) * mp.sqrt(A[i, i] * A[j, j]) for i in range(p) for j in range(p))
    return mp.fsum(terms), mp.fsum(abs(t) for t in terms) + sens


def fmt(x):
    return "%.17g" % x


def spd(p, rng, cond, scale):
    Q = rot(p, rng)
    ev = [scale * (cond ** (i / (p - 1)) if p > 1 else 1.0) for i in range(p)]
    S = [[0.0] * p for _ in range(p)]
    for i in range(p):
        for j in range(i + 1):
            s = sum(Q[m][i] * ev[m] * Q[m][j] for m in range(p))
            S[i][j] = S[j][i] = float(fmt(s))
    return S


def case(p, nu, delta, Psi, X):
    nu, delta = float(fmt(nu)), float(fmt(delta))
    Psi = [[float(fmt(v)) for v in row] for row in Psi]
    X = [[float(fmt(v)) for v in row] for row in X]
    val, scale = logf(p, fmt(nu), fmt(delta), [[fmt(v) for v in row] for row in Psi],
                      [[fmt(v) for v in row] for row in X])
    flat = [fmt(v) for row in Psi for v in row] + [fmt(v) for row in X for v in row]
    print(p, fmt(nu), fmt(delta), " ".join(flat), mp.nstr(val, 25), mp.nstr(scale, 6))


def main():
    rng = random.Random(20261129)
    print("# matf reference log-densities: p nu delta Psi X logf scale (gen_matf.py, mpmath 50 digits)")
    # p = 1: ordinary, nu and delta near their bounds and large, far tails
    for nu, delta, psi, x in [(3.0, 5.0, 2.0, 1.5), (0.01, 4.0, 1.0, 0.3), (2.5, 1e-3, 1.0, 7.0),
                              (1e6, 3.0, 0.5, 2.0), (4.0, 1e5, 3.0, 1e-4), (1e6, 1e6, 1.0, 1.0),
                              (5.0, 7.0, 1.0, 1e12), (5.0, 7.0, 1.0, 1e-12), (0.5, 0.5, 1e-8, 1e8)]:
        case(1, nu, delta, [[psi]], [[x]])
    # p = 2..4: moderate, ill-conditioned Psi, extreme nu/delta, tails
    for p in (2, 3, 4):
        b = p - 1
        settings = [(b + 2.5, 4.0, 1.0, 1.0, 1.0, 1.0), (b + 1e-3, 3.0, 10.0, 1.0, 5.0, 1.0),
                    (b + 4.0, 1e-3, 1e8, 1.0, 10.0, 1.0), (1e6, 5.0, 100.0, 2.0, 10.0, 1.0),
                    (b + 3.0, 1e5, 1.0, 1.0, 10.0, 1e-5), (b + 3.0, 6.0, 1e3, 1.0, 10.0, 1e8),
                    (b + 3.0, 6.0, 1e3, 1.0, 10.0, 1e-8), (2e4, 3e4, 1e6, 0.1, 1e3, 1.0)]
        for nu, delta, cond_psi, s_psi, cond_x, s_x in settings:
            Psi = spd(p, rng, cond_psi, s_psi)
            X = spd(p, rng, cond_x, s_x)
            case(p, nu, delta, Psi, X)


if __name__ == "__main__":
    main()
