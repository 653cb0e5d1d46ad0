#!/usr/bin/python3
"""Reference log-densities for tests/test_matnorm.c and tests/test_matt.c.

Run:  /usr/bin/python3 tests/data/gen_matrix.py > tests/data/matrix_ref.txt

Every input is a double printed with repr() (17 significant digits), read back
exactly by the C tests. Values:
  * "matnorm" lines: log MN_{n,p}(X | M, U, V) by mpmath at 50 digits (docs/contract.md
    formula, determinants and inverses in 50-digit arithmetic), and
    scipy.stats.matrix_normal(mean=M, rowcov=U, colcov=V).logpdf(X).
  * "matt" lines: log T_{n,p}(X | nu, M, Sigma, Omega) by mpmath at 50 digits
    (docs/contract.md formula, mpmath's loggamma).
  * "mvt1p"/"mvtn1" lines: scipy.stats.multivariate_t values of the reductions
    T_{1,p}(nu, m, s, Omega) = t_p(nu, m, s Omega/nu) and
    T_{n,1}(nu, m, Sigma, w) = t_n(nu, m, w Sigma/nu) (plus the mpmath value of
    the matrix-t formula, so both sides of the identity are in the file).
Line format (whitespace separated):
  matnorm n p  M(n*p, row-major) U(n*n) V(p*p) X(n*p)  lp_mpmath lp_scipy
  matt    n p nu  M Sigma Omega X  lp_mpmath
  mvt1p / mvtn1  n p nu  M Sigma Omega X  lp_mpmath lp_scipy_mvt
  fisher_nunu n p nu  I_nunu (matrix-t Fisher information of nu, mpmath)
"""
import numpy as np
import mpmath as mp
from scipy import stats

mp.mp.dps = 50
rng = np.random.default_rng(20261129)


def spd(k, cond, scale=1.0):
    q, r = np.linalg.qr(rng.standard_normal((k, k)))
    q = q * np.sign(np.diag(r))
    ev = np.exp(rng.uniform(0, np.log(cond), k)) if cond > 1 else np.ones(k)
    if cond > 1 and k > 1:
        ev[0], ev[-1] = 1.0, cond
    S = (q * ev) @ q.T * scale
    S = 0.5 * (S + S.T)
    return S


def mpm(A):
    A = np.atleast_2d(A)
    return mp.matrix([[mp.mpf(float(x)) for x in row] for row in A])


def mp_logdet(A):
    return mp.log(mp.det(A))


def lmvgamma(p, a):
    return p * (p - 1) / mp.mpf(4) * mp.log(mp.pi) + mp.fsum(mp.loggamma(a + mp.mpf(1 - j) / 2) for j in range(1, p + 1))


def mn_ref(M, U, V, X):
    n, p = M.shape
    R = mpm(X) - mpm(M)
    Ui, Vi = mp.inverse(mpm(U)), mp.inverse(mpm(V))
    tr = sum((Vi * R.T * Ui * R)[i, i] for i in range(p))
    return -mp.mpf(n * p) / 2 * mp.log(2 * mp.pi) - mp.mpf(p) / 2 * mp_logdet(mpm(U)) - mp.mpf(n) / 2 * mp_logdet(mpm(V)) - tr / 2


def mt_ref(nu, M, S, O, X):
    n, p = M.shape
    nu = mp.mpf(float(nu))
    R = mpm(X) - mpm(M)
    B = mp.eye(n) + mp.inverse(mpm(S)) * R * mp.inverse(mpm(O)) * R.T
    k = nu + n + p - 1
    return (lmvgamma(p, k / 2) - lmvgamma(p, (nu + p - 1) / 2) - mp.mpf(n * p) / 2 * mp.log(mp.pi)
            - mp.mpf(n) / 2 * mp_logdet(mpm(O)) - mp.mpf(p) / 2 * mp_logdet(mpm(S)) - k / 2 * mp_logdet(B))


def flat(A):
    return " ".join(repr(float(x)) for x in np.asarray(A, dtype=float).ravel())


def fmt(x):
    return mp.nstr(x, 20, min_fixed=-1, max_fixed=0) if isinstance(x, mp.mpf) else repr(float(x))


lines = []
# matrix normal: (n, p, cond U, cond V, residual scale)
for (n, p, cu, cv, rs) in [(1, 1, 1, 1, 1.0), (2, 3, 10, 5, 1.0), (3, 2, 1e3, 1e2, 0.5), (4, 4, 1e8, 1e6, 1.0),
                           (3, 5, 20, 1e4, 100.0), (5, 3, 3, 3, 1e3), (2, 2, 1e10, 1, 1e-3)]:
    M = rng.standard_normal((n, p))
    U, V = spd(n, cu, rng.uniform(0.2, 5)), spd(p, cv, rng.uniform(0.2, 5))
    X = M + rs * rng.standard_normal((n, p))
    ref = mn_ref(M, U, V, X)
    try:  # scipy's _PSD refuses very ill-conditioned scales: "nan" (the test skips it)
        sp = stats.matrix_normal(mean=M, rowcov=U, colcov=V).logpdf(X)
    except np.linalg.LinAlgError:
        sp = float("nan")
    lines.append(f"matnorm {n} {p} {flat(M)} {flat(U)} {flat(V)} {flat(X)} {fmt(ref)} {fmt(sp)}")

# matrix t: (n, p, nu, cond Sigma, cond Omega, residual scale)
for (n, p, nu, cs, co, rs) in [(1, 1, 3.0, 1, 1, 1.0), (2, 3, 5.0, 10, 5, 1.0), (3, 2, 0.05, 1e3, 10, 1.0),
                               (4, 4, 1e6, 1e8, 1e2, 1.0), (3, 5, 2.5, 20, 1e6, 1e3), (5, 3, 0.5, 3, 3, 1e4),
                               (2, 2, 1e-3, 1e9, 1, 1e-2), (6, 2, 40.0, 50, 2, 3.0)]:
    M = rng.standard_normal((n, p))
    S, O = spd(n, cs, rng.uniform(0.2, 5)), spd(p, co, rng.uniform(0.2, 5))
    X = M + rs * rng.standard_normal((n, p))
    lines.append(f"matt {n} {p} {nu!r} {flat(M)} {flat(S)} {flat(O)} {flat(X)} {fmt(mt_ref(nu, M, S, O, X))}")

# reductions to the multivariate t (scipy's multivariate_t(loc, shape, df))
for (p, nu, co, rs) in [(3, 4.0, 10, 1.0), (4, 0.7, 1e3, 5.0), (2, 50.0, 2, 0.3)]:
    m = rng.standard_normal((1, p))
    s = rng.uniform(0.3, 3.0)
    O = spd(p, co, rng.uniform(0.2, 5))
    X = m + rs * rng.standard_normal((1, p))
    sp = stats.multivariate_t(loc=m[0], shape=s * O / nu, df=nu).logpdf(X[0])
    lines.append(f"mvt1p 1 {p} {nu!r} {flat(m)} {flat([[s]])} {flat(O)} {flat(X)} {fmt(mt_ref(nu, m, [[s]], O, X))} {fmt(sp)}")
for (n, nu, cs, rs) in [(3, 4.0, 10, 1.0), (5, 1.5, 1e4, 2.0), (2, 30.0, 3, 0.2)]:
    m = rng.standard_normal((n, 1))
    w = rng.uniform(0.3, 3.0)
    S = spd(n, cs, rng.uniform(0.2, 5))
    X = m + rs * rng.standard_normal((n, 1))
    sp = stats.multivariate_t(loc=m[:, 0], shape=w * S / nu, df=nu).logpdf(X[:, 0])
    lines.append(f"mvtn1 {n} 1 {nu!r} {flat(m)} {flat(S)} {flat([[w]])} {flat(X)} {fmt(mt_ref(nu, m, S, [[w]], X))} {fmt(sp)}")

# I_nunu of the matrix t, 1/4 [psi'_p(q_p/2) - psi'_p(k/2)], at 50 digits (mpmath psi(1, x))
for (n, p, nu) in [(2, 3, 0.5), (3, 2, 30.0), (1, 4, 1e6), (4, 4, 1e8), (2, 1, 1e-3)]:
    nuq = mp.mpf(nu)
    k, qp = nuq + n + p - 1, nuq + p - 1
    v = mp.fsum(mp.psi(1, qp / 2 - mp.mpf(j) / 2) - mp.psi(1, k / 2 - mp.mpf(j) / 2) for j in range(p)) / 4
    lines.append(f"fisher_nunu {n} {p} {nu!r} {fmt(v)}")

print("# generated by tests/data/gen_matrix.py (mpmath 50 digits, scipy %s); see its docstring" % __import__("scipy").__version__)
print("\n".join(lines))
