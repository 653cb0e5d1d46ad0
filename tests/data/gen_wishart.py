#!/usr/bin/python3
"""Reference log-densities for tests/test_wishart.c and tests/test_invwishart.c.

Run:  /usr/bin/python3 tests/data/gen_wishart.py   (from the repository root)
Writes tests/data/wishart_ref.txt and tests/data/invwishart_ref.txt.

Every matrix is written with 17 significant digits, so the C test reads the
same doubles that were used here. The reference `ref` is computed with mpmath
at 50 digits from those exact doubles (determinants and solves in 50-digit
arithmetic, log Gamma from mpmath), i.e. docs/contract.md's formula:
  W_p(nu,S):   (nu-p-1)/2 log|X| - tr(S^-1 X)/2 - nu p/2 log 2 - nu/2 log|S| - log Gamma_p(nu/2)
  IW_p(nu,Psi): nu/2 log|Psi| - nu p/2 log 2 - log Gamma_p(nu/2) - (nu+p+1)/2 log|X| - tr(Psi X^-1)/2
`scipy` is scipy.stats.wishart / invwishart .logpdf of the same doubles
(docs/contract.md says they agree). The script asserts |scipy - ref| <= 1e3 tol.

`tol` is an absolute tolerance for a double-precision evaluation through
Cholesky factors: 1e-12 T (T = sum of |terms|; rounding in the sum) plus
first-order propagation of a backward-stable Cholesky/triangular solve:
1e-15 p (|c_X| kX + (nu/2 + tr) kS + tr kX), kX, kS the condition numbers.

Line format (whitespace separated):
  p nu tol ref scipy S[0,0] .. S[p-1,p-1] X[0,0] .. X[p-1,p-1]   (row-major)
Cases: p = 1..8; nu just above p-1 (p - 1 + 1e-6), non-integer nu in
(p-1, p) (p - 0.5), p + 3.7, 1e5; scale condition numbers 10 and 1e8; X drawn
from the distribution itself (with nu = p + 2 when nu is just above p - 1),
plus X near singular (eigenvalues down to 1e-12).
"""
import os
import numpy as np
import mpmath as mp
from scipy import stats

mp.mp.dps = 50
HERE = os.path.dirname(os.path.abspath(__file__))


def spd(rng, p, cond, scale):
    A = rng.standard_normal((p, p))
    Q, R = np.linalg.qr(A)
    Q = Q * np.sign(np.diag(R))
    ev = scale * (np.logspace(0, np.log10(cond), p) if p > 1 else np.array([1.0]))
    M = (Q * ev) @ Q.T
    return 0.5 * (M + M.T)


def mpmat(A):
    p = A.shape[0]
    return mp.matrix([[mp.mpf(float(A[i, j])) for j in range(p)] for i in range(p)])


def lmvgamma(p, a):
    a = mp.mpf(a)
    return mp.mpf(p * (p - 1)) / 4 * mp.log(mp.pi) + mp.fsum(mp.loggamma(a + mp.mpf(1 - j) / 2) for j in range(1, p + 1))


def mp_trace(A):
    return mp.fsum(A[i, i] for i in range(A.rows))


def mp_inputs(nu, S, X):
    """p, nu, S and X at 50 digits, log|S|, log|X|"""
    Sm, Xm = mpmat(S), mpmat(X)
    return S.shape[0], mp.mpf(nu), Sm, Xm, mp.log(mp.det(Sm)), mp.log(mp.det(Xm))


def ref_wishart(nu, S, X):
    p, nu_m, Sm, Xm, ldS, ldX = mp_inputs(nu, S, X)
    tr = mp_trace(mp.inverse(Sm) * Xm)
    terms = [(nu_m - p - 1) / 2 * ldX, -tr / 2, -nu_m * p / 2 * mp.log(2), -nu_m / 2 * ldS, -lmvgamma(p, nu_m / 2)]
    return mp.fsum(terms), terms, float(tr)


def ref_invwishart(nu, Psi, X):
    p, nu_m, Pm, Xm, ldP, ldX = mp_inputs(nu, Psi, X)
    tr = mp_trace(mp.inverse(Xm) * Pm)
    terms = [nu_m / 2 * ldP, -nu_m * p / 2 * mp.log(2), -lmvgamma(p, nu_m / 2), -(nu_m + p + 1) / 2 * ldX, -tr / 2]
    return mp.fsum(terms), terms, float(tr)


def tolerance(p, nu, cX, terms, tr, X, S):
    T = float(mp.fsum(abs(t) for t in terms))
    kX, kS = np.linalg.cond(X), np.linalg.cond(S)
    return 1e-12 * T + 1e-15 * p * (abs(cX) * kX + (nu / 2 + tr) * kS + tr * kX)


def fmt(x):
    return repr(float(x))


def cases(family, rng):
    out = []
    for p in range(1, 9):
        for nu in (p - 1 + 1e-6, p - 0.5, p + 3.7, 1e5):
            if p == 1 and nu == p - 0.5:
                nu = 0.5
            for cond in (10.0, 1e8):
                S = spd(rng, p, cond, 0.7)
                nu_draw = p + 2.0 if nu < p else nu
                if family == "wishart":
                    X = stats.wishart(df=nu_draw, scale=S).rvs(random_state=rng)
                else:
                    X = stats.invwishart(df=nu_draw, scale=S).rvs(random_state=rng)
                X = np.atleast_2d(X)
                X = 0.5 * (X + X.T)
                out.append((p, nu, S, X))
        # X near singular
        S = spd(rng, p, 100.0, 1.3)
        X = spd(rng, p, 1e12, 1e-12) if p > 1 else np.array([[1e-12]])
        out.append((p, p + 1.5, S, X))
    return out


def generate(family):
    rng = np.random.default_rng(20261129 if family == "wishart" else 20261130)
    lines = []
    worst = 0.0
    for p, nu, S, X in cases(family, rng):
        if family == "wishart":
            ref, terms, tr = ref_wishart(nu, S, X)
            cX = (nu - p - 1) / 2
            sp = stats.wishart(df=nu, scale=S).logpdf(X if p > 1 else X[0, 0])
        else:
            ref, terms, tr = ref_invwishart(nu, S, X)
            cX = (nu + p + 1) / 2
            sp = stats.invwishart(df=nu, scale=S).logpdf(X if p > 1 else X[0, 0])
        tol = tolerance(p, nu, cX, terms, tr, X, S)
        err = abs(float(sp) - float(ref))
        assert err <= 1e3 * tol, (family, p, nu, float(ref), float(sp), tol)
        worst = max(worst, err / tol)
        vals = [str(p), fmt(nu), fmt(tol), mp.nstr(ref, 20), fmt(sp)]
        vals += [fmt(v) for v in S.ravel()] + [fmt(v) for v in X.ravel()]
        lines.append(" ".join(vals))
    with open(os.path.join(HERE, family + "_ref.txt"), "w") as f:
        f.write("# generated by tests/data/gen_wishart.py: p nu tol ref(mpmath 50 digits) scipy S(row-major) X(row-major)\n")
        f.write("\n".join(lines) + "\n")
    print(family, len(lines), "cases; worst |scipy - ref|/tol =", worst)


if __name__ == "__main__":
    generate("wishart")
    generate("invwishart")
