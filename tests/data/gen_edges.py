#!/usr/bin/python3
"""Reference log-densities at the edges of the parameter and variate spaces,
for tests/test_edges.c.

Run with /usr/bin/python3 (mpmath only):
    /usr/bin/python3 tests/data/gen_edges.py > tests/data/edges_ref.txt

Every log-density is evaluated from its docs/contract.md definition in mpmath (40+
significant digits) on EXACTLY the doubles the C test uses: matrices are
either printed with 17 significant digits (and re-read from those strings
here), or defined by an integer formula both sides evaluate exactly
("band a m c s": A_ii = a + (i mod m), A_{i,i+s} = A_{i+s,i} = c, else 0;
"vband m o": the p-vector x_i = (i mod m) - o; "mband r m o": the r x p matrix
X_ij = ((i + 2 j) mod m) - o).

Besides the value, each case carries `scale`, the size of the problem's
conditioning in double precision:
    scale = sum |each term of log f|
          + sum over each factorized matrix A of sum_ij |G_ij| sqrt(A_ii A_jj),
G = d log f / dA: the first-order effect of a Cholesky backward error
|E_ij| <= eps sqrt(A_ii A_jj). The contract tested (docs/reliability.md) is
    |log f - reference| <= 8 (p + 1) eps scale.

Output: one case per line:
  family name p nu delta spec... logf scale
with two specs (scale matrix, variate) for most families and three (U or
Sigma, V or Omega, X) for matnorm and matt; mvn and mvt have mu = 0 and
matnorm and matt M = 0. A spec is "dense v11 ... vpp" (p x p row-major),
"mat r c v..." (r x c), "vec v1 ... vp", or one of the integer formulas above.
"""
import math
import random
import sys
import mpmath as mp
import numpy as np
from refgen import rot

mp.mp.dps = 40
EPS = 2.0 ** -52


def fmt(x):
    return "%.17g" % x


def lmvgamma(p, a):
    return mp.mpf(p * (p - 1)) / 4 * mp.log(mp.pi) + mp.fsum(mp.loggamma(a - mp.mpf(j) / 2) for j in range(p))


# ---------------------------------------------------------------- matrices
def band(p, a, m, c, s):
    A = [[0.0] * p for _ in range(p)]
    for i in range(p):
        A[i][i] = float(a + i % m)
        if i + s < p:
            A[i][i + s] = A[i + s][i] = float(c)
    return A


def spec(A, kind=None, p=None):
    if kind:
        return kind[0] + " " + " ".join(str(v) for v in kind[1:])
    if not isinstance(A[0], list):  # a vector
        return "vec " + " ".join(fmt(v) for v in A)
    if len(A) != len(A[0]) or (p is not None and len(A) != p):
        return "mat %d %d " % (len(A), len(A[0])) + " ".join(fmt(v) for row in A for v in row)
    return "dense " + " ".join(fmt(v) for row in A for v in row)


def exact(A):
    """Round-trip through the printed strings: the doubles the C test reads."""
    return [[float(fmt(v)) for v in row] for row in A]


def spd_cond(p, cond, scale, rng):
    """Q diag(lambda) Q^T, lambda log-spaced in [1, cond], symmetrised exactly."""
    Q = rot(p, rng)
    lam = [scale * cond ** (i / (p - 1)) for i in range(p)]
    A = [[sum(Q[k][i] * lam[k] * Q[k][j] for k in range(p)) for j in range(p)] for i in range(p)]
    for i in range(p):
        for j in range(i):
            A[j][i] = A[i][j]
    return exact(A)


def scaled_corr(d, rng):
    """D^1/2 C D^1/2 with C a well-conditioned correlation: eigenvalues ~ d."""
    p = len(d)
    C = [[1.0 if i == j else 0.3 * rng.uniform(-1, 1) / p for j in range(p)] for i in range(p)]
    for i in range(p):
        for j in range(i):
            C[j][i] = C[i][j]
    A = [[math.sqrt(d[i]) * math.sqrt(d[j]) * C[i][j] for j in range(p)] for i in range(p)]
    for i in range(p):
        for j in range(i):
            A[j][i] = A[i][j]
    return exact(A)


# ---------------------------------------------------------- mp linear algebra
def chol(A):
    """Lower Cholesky factor of an mp matrix (zero entries skipped: banded inputs are cheap)."""
    p = A.rows
    L = mp.matrix(p, p)
    nz = [[] for _ in range(p)]  # nonzero columns of each row of L
    for j in range(p):
        s = A[j, j] - mp.fsum(L[j, k] ** 2 for k in nz[j])
        L[j, j] = mp.sqrt(s)
        nz[j].append(j)
        for i in range(j + 1, p):
            common = [k for k in nz[i] if L[j, k] != 0] if nz[i] else []
            t = A[i, j] - mp.fsum(L[i, k] * L[j, k] for k in common)
            if t != 0:
                L[i, j] = t / L[j, j]
                nz[i].append(j)
    return L


def logdet(L):
    return 2 * mp.fsum(mp.log(L[i, i]) for i in range(L.rows))


def trace_inv(LA, LB):
    """tr(A^-1 B) = ||LA^-1 LB||_F^2 for A = LA LA^T, B = LB LB^T (forward substitution)."""
    p = LA.rows
    total = mp.mpf(0)
    rows_nz = [[k for k in range(i) if LA[i, k] != 0] for i in range(p)]
    for j in range(p):
        w = {}
        for i in range(j, p):
            t = LB[i, j] - mp.fsum(LA[i, k] * w[k] for k in rows_nz[i] if k in w)
            if t != 0:
                w[i] = t / LA[i, i]
        total += mp.fsum(v * v for v in w.values())
    return total


def mpm(A):
    return mp.matrix([[mp.mpf(v) for v in row] for row in A])


def sens(G, A):
    """sum_ij |G_ij| sqrt(A_ii A_jj) in floating point (a tolerance scale needs no more)."""
    d = np.sqrt(np.diag(A))
    return float(np.sum(np.abs(G) * np.outer(d, d)))


# ------------------------------------------------------------------ families
def matf(p, nu, delta, Psi, X):
    nuf, deltaf = nu, delta
    nu, delta = mp.mpf(nu), mp.mpf(delta)
    k, r = nu + delta + p - 1, delta + p - 1
    P, Xm = mpm(Psi), mpm(X)
    LP, LX, LS = chol(P), chol(Xm), chol(P + Xm)
    with mp.workdps(700):  # r/2 - j/2 = (delta + p-1-j)/2 exactly, even for delta = 1e-300
        lg_r = +(mp.mpf(p * (p - 1)) / 4 * mp.log(mp.pi)
                 + mp.fsum(mp.loggamma((mp.mpf(deltaf) + (p - 1 - j)) / 2) for j in range(p)))
    terms = [lmvgamma(p, k / 2), -lmvgamma(p, nu / 2), -lg_r, -nu / 2 * logdet(LP),
             (nu - p - 1) / 2 * logdet(LX), -k / 2 * (logdet(LS) - logdet(LP))]
    Pn, Xn = np.array(Psi), np.array(X)
    kf, rf = float(k), float(r)
    sc = float(mp.fsum(abs(t) for t in terms))
    sc += sens(rf / 2 * np.linalg.inv(Pn), Pn) + sens((nuf - p - 1) / 2 * np.linalg.inv(Xn), Xn)
    sc += sens(kf / 2 * np.linalg.inv(Pn + Xn), Pn + Xn)
    return mp.fsum(terms), sc


def wishart(p, nu, _delta, S, X):
    nuf = nu
    nu = mp.mpf(nu)
    LS, LX = chol(mpm(S)), chol(mpm(X))
    tr = trace_inv(LS, LX)
    terms = [(nu - p - 1) / 2 * logdet(LX), -tr / 2, -nu * p / 2 * mp.log(2), -nu / 2 * logdet(LS),
             -lmvgamma(p, nu / 2)]
    Sn, Xn = np.array(S), np.array(X)
    Si = np.linalg.inv(Sn)
    GS = -nuf / 2 * Si + Si @ Xn @ Si / 2
    GX = (nuf - p - 1) / 2 * np.linalg.inv(Xn) - Si / 2
    return mp.fsum(terms), float(mp.fsum(abs(t) for t in terms)) + sens(GS, Sn) + sens(GX, Xn)


def invwishart(p, nu, _delta, Psi, X):
    nuf = nu
    nu = mp.mpf(nu)
    LP, LX = chol(mpm(Psi)), chol(mpm(X))
    tr = trace_inv(LX, LP)
    terms = [nu / 2 * logdet(LP), -nu * p / 2 * mp.log(2), -lmvgamma(p, nu / 2), -(nu + p + 1) / 2 * logdet(LX),
             -tr / 2]
    Pn, Xn = np.array(Psi), np.array(X)
    Xi = np.linalg.inv(Xn)
    GP = nuf / 2 * np.linalg.inv(Pn) - Xi / 2
    GX = -(nuf + p + 1) / 2 * Xi + Xi @ Pn @ Xi / 2
    return mp.fsum(terms), float(mp.fsum(abs(t) for t in terms)) + sens(GP, Pn) + sens(GX, Xn)


def mvn(p, _nu, _delta, S, x):
    Sm, xm = mpm(S), mp.matrix([mp.mpf(v) for v in x])
    LS = chol(Sm)
    z = fsolve(LS, xm)
    quad = mp.fsum(v * v for v in z)
    terms = [-mp.mpf(p) / 2 * mp.log(2 * mp.pi), -logdet(LS) / 2, -quad / 2]
    Sn, xn = np.array(S), np.array(x)
    Si = np.linalg.inv(Sn)
    a = Si @ xn
    return mp.fsum(terms), float(mp.fsum(abs(t) for t in terms)) + sens((np.outer(a, a) - Si) / 2, Sn)


def mvt(p, nu, _delta, S, x):
    nuf = nu
    nu = mp.mpf(nu)
    Sm, xm = mpm(S), mp.matrix([mp.mpf(v) for v in x])
    LS = chol(Sm)
    z = fsolve(LS, xm)
    quad = mp.fsum(v * v for v in z)
    terms = [mp.loggamma((nu + p) / 2), -mp.loggamma(nu / 2), -mp.mpf(p) / 2 * mp.log(nu * mp.pi), -logdet(LS) / 2,
             -(nu + p) / 2 * mp.log1p(quad / nu)]
    Sn, xn = np.array(S), np.array(x)
    Si = np.linalg.inv(Sn)
    a = Si @ xn
    G = -Si / 2 + (nuf + p) / 2 * np.outer(a, a) / (nuf + float(quad))
    return mp.fsum(terms), float(mp.fsum(abs(t) for t in terms)) + sens(G, Sn)


def fsolve(L, b):
    """L^-1 b (L lower, b an mp column vector)."""
    p = L.rows
    z = []
    for i in range(p):
        t = b[i] - mp.fsum(L[i, k] * z[k] for k in range(i) if L[i, k] != 0)
        z.append(t / L[i, i])
    return z


def whiten_cols(LV, R):
    """R L_V^-T: each row r of R becomes (L_V^-1 r^T)^T."""
    return [fsolve(LV, mp.matrix(list(R[i]))) for i in range(len(R))]


def matnorm(p, _nu, _delta, U, V, X):
    n = len(X)
    LU, LV = chol(mpm(U)), chol(mpm(V))
    W = whiten_cols(LV, [[mp.mpf(v) for v in row] for row in X])  # rows of X L_V^-T
    tr = mp.mpf(0)
    for j in range(p):  # columns of L_U^-1 W
        col = fsolve(LU, mp.matrix([W[i][j] for i in range(n)]))
        tr += mp.fsum(v * v for v in col)
    terms = [-mp.mpf(n * p) / 2 * mp.log(2 * mp.pi), -mp.mpf(p) / 2 * logdet(LU), -mp.mpf(n) / 2 * logdet(LV), -tr / 2]
    Un, Vn, Xn = np.array(U), np.array(V), np.array(X)
    Ui, Vi = np.linalg.inv(Un), np.linalg.inv(Vn)
    GU = (Ui @ Xn @ Vi @ Xn.T @ Ui - p * Ui) / 2
    GV = (Vi @ Xn.T @ Ui @ Xn @ Vi - n * Vi) / 2
    return mp.fsum(terms), float(mp.fsum(abs(t) for t in terms)) + sens(GU, Un) + sens(GV, Vn)


def matt(p, nu, _delta, Sig, Om, X):
    n = len(X)
    nuf = nu
    nu = mp.mpf(nu)
    k = nu + n + p - 1
    LS, LO = chol(mpm(Sig)), chol(mpm(Om))
    W = whiten_cols(LO, [[mp.mpf(v) for v in row] for row in X])  # X L_O^-T: X Omega^-1 X^T = W W^T
    A = mpm(Sig) + mp.matrix([[mp.fsum(W[i][c] * W[j][c] for c in range(p)) for j in range(n)] for i in range(n)])
    LA = chol(A)
    with mp.workdps(700):  # (nu + p-1-j)/2 exactly, for nu down to 1e-300
        lg = mp.fsum(mp.loggamma((mp.mpf(nuf) + n + (p - 1 - j)) / 2) - mp.loggamma((mp.mpf(nuf) + (p - 1 - j)) / 2)
                     for j in range(p))
        lg = +lg
    terms = [lg, -mp.mpf(n * p) / 2 * mp.log(mp.pi), -mp.mpf(n) / 2 * logdet(LO), -mp.mpf(p) / 2 * logdet(LS),
             -k / 2 * (logdet(LA) - logdet(LS))]
    Sn, On, Xn = np.array(Sig), np.array(Om), np.array(X)
    Oi = np.linalg.inv(On)
    An = Sn + Xn @ Oi @ Xn.T
    Ai, Si = np.linalg.inv(An), np.linalg.inv(Sn)
    kf = float(k)
    GS = (kf - p) / 2 * Si - kf / 2 * Ai
    GO = -n / 2 * Oi + kf / 2 * Oi @ Xn.T @ Ai @ Xn @ Oi
    # matt factorizes I_n + Z Z^T (Z = L_S^-1 R L_O^-T), not Sigma + R Omega^-1 R^T:
    # a backward error eps in its unit diagonal costs ~ k/2 n eps (the rounding of
    # 1 + (Z Z^T)_ii), which dominates when Z is small and k large (nu = 1e8).
    LSn = np.linalg.cholesky(Sn)
    Z = np.linalg.solve(LSn, Xn) @ np.linalg.inv(np.linalg.cholesky(On)).T
    B = np.eye(n) + Z @ Z.T
    return mp.fsum(terms), (float(mp.fsum(abs(t) for t in terms)) + sens(GS, Sn) + sens(GO, On)
                            + sens(kf / 2 * np.linalg.inv(B), B))


FAMILIES = {"matf": matf, "wishart": wishart, "invwishart": invwishart, "mvn": mvn, "mvt": mvt, "matnorm": matnorm,
            "matt": matt}


def emit(family, name, p, nu, delta, *mats, kinds=None):
    kinds = kinds or [None] * len(mats)
    v, sc = FAMILIES[family](p, nu, delta, *mats)
    print(family, name, p, fmt(nu), fmt(delta), " ".join(spec(m, kd, p) for m, kd in zip(mats, kinds)), mp.nstr(v, 20),
          "%.6g" % sc)
    sys.stdout.flush()


def main():
    rng = random.Random(20261129)
    print("# generated by tests/data/gen_edges.py (mpmath, %d digits); see that file for the format" % mp.mp.dps)
    nextup = lambda x: math.nextafter(x, math.inf)
    for fam in ("matf", "wishart", "invwishart"):
        delta = 3.5 if fam == "matf" else 0.0
        # condition number 1e12 in the scale matrix
        for p in (2, 4, 6):
            A = spd_cond(p, 1e12, 1.0, rng)
            X = spd_cond(p, 10.0, 1.0, rng)
            emit(fam, "cond1e12", p, p + 2.5, delta, A, X)
            emit(fam, "cond1e12_scaled", p, p + 2.5, delta, spd_cond(p, 1e12, 1e-6, rng), spd_cond(p, 10.0, 1e-3, rng))
        # a variate with condition number 1e12
        p = 4
        emit(fam, "xcond1e12", p, p + 1.5, delta, spd_cond(p, 10.0, 1.0, rng), spd_cond(p, 1e12, 1e-4, rng))
        # p = 200 (integer band matrices)
        p = 200
        ak, xk = (4, 3, 1, 1), (3, 5, 1, 2)
        emit(fam, "p200", p, 250.5, 30.25 if fam == "matf" else 0.0, band(p, *ak), band(p, *xk),
             kinds=[("band",) + ak, ("band",) + xk])
        # nu = 1e8 (and delta = 1e8 for matf)
        p = 3
        A, X = spd_cond(p, 100.0, 1.0, rng), spd_cond(p, 100.0, 1.0, rng)
        if fam == "wishart":
            X = [[v * 1e8 for v in row] for row in X]  # where the density lives for nu = 1e8
        if fam == "invwishart":
            X = [[v * 1e-8 for v in row] for row in X]
        emit(fam, "nu1e8", p, 1e8, delta, A, exact(X))
        if fam == "matf":
            emit(fam, "delta1e8", p, 4.5, 1e8, A, [[v * 1e-8 for v in row] for row in A])
            emit(fam, "nu_delta1e8", p, 1e8, 1e8, A, spd_cond(p, 100.0, 1.0, rng))
        # nu just above its bound p - 1
        for p in (1, 3, 6):
            A, X = spd_cond(p, 50.0, 1.0, rng) if p > 1 else [[2.0]], spd_cond(p, 50.0, 0.5, rng) if p > 1 else [[0.25]]
            if p > 1:  # at p = 1 the next double above 0 is 5e-324, where nu/2 underflows: BM_EDOM (test_edges.c)
                emit(fam, "nu_nextup", p, nextup(p - 1.0), delta, A, X)
            else:
                emit(fam, "nu_1e-300", p, 1e-300, delta, A, X)
            emit(fam, "nu_bound_1e-10", p, p - 1.0 + 1e-10, delta, A, X)
        if fam == "matf":
            for p in (1, 3):
                A, X = spd_cond(p, 50.0, 1.0, rng) if p > 1 else [[2.0]], spd_cond(p, 50.0, 0.5, rng) if p > 1 else [[0.25]]
                emit(fam, "delta_1e-300", p, p + 0.5, 1e-300, A, X)
                emit(fam, "delta_1e-20", p, p + 0.5, 1e-20, A, X)
        # variates with eigenvalues 1e-150 and 1e150
        p = 3
        A = spd_cond(p, 10.0, 1.0, rng)
        for name, d in (("eig_1e-150", [1e-150, 2e-150, 1.0]), ("eig_1e150", [1e150, 1.0, 3.0]),
                        ("eig_both", [1e-150, 1.0, 1e150])):
            emit(fam, name, p, p + 2.5, delta, A, scaled_corr(d, rng))
        # log-densities around -1e6
        p = 4
        A = spd_cond(p, 10.0, 1.0, rng)
        if fam == "wishart":
            emit(fam, "lp_-1e6", p, 6.5, delta, A, exact([[v * 5e5 for v in row] for row in A]))
        elif fam == "invwishart":
            emit(fam, "lp_-1e6", p, 6.5, delta, A, exact([[v * 2e-6 for v in row] for row in A]))
        else:
            emit(fam, "lp_-1e6", p, 4e5, 3.5, A, exact([[v * 1e-5 for v in row] for row in A]))
            emit(fam, "lp_-1e6_tail", p, 4.5, 5e5, A, exact([[v * 1e3 for v in row] for row in A]))

    vector_and_matrix_cases(rng)


def rvec(p, rng, scale=1.0):
    return [float(fmt(scale * rng.uniform(-1, 1))) for _ in range(p)]


def rmat(r, c, rng, scale=1.0):
    return [[float(fmt(scale * rng.uniform(-1, 1))) for _ in range(c)] for _ in range(r)]


def vband(p, m, o):
    return [float(i % m - o) for i in range(p)]


def mband(r, p, m, o):
    return [[float((i + 2 * j) % m - o) for j in range(p)] for i in range(r)]


def vector_and_matrix_cases(rng):
    for fam in ("mvn", "mvt"):
        nu = 4.5
        for p in (2, 4, 6):
            emit(fam, "cond1e12", p, nu, 0.0, spd_cond(p, 1e12, 1.0, rng), rvec(p, rng, 3.0))
            emit(fam, "cond1e12_scaled", p, nu, 0.0, spd_cond(p, 1e12, 1e-6, rng), rvec(p, rng, 1e-3))
        p = 200
        ak = (4, 3, 1, 1)
        emit(fam, "p200", p, 250.5, 0.0, band(p, *ak), vband(p, 7, 3), kinds=[("band",) + ak, ("vband", 7, 3)])
        p = 3
        S = spd_cond(p, 100.0, 1.0, rng)
        if fam == "mvt":
            emit(fam, "nu1e8", p, 1e8, 0.0, S, rvec(p, rng, 2.0))
            emit(fam, "nu_1e-300", p, 1e-300, 0.0, S, rvec(p, rng, 1e-100))
            emit(fam, "nu_1e-10", p, 1e-10, 0.0, S, rvec(p, rng, 2.0))
            emit(fam, "nu_1e-300_far", p, 1e-300, 0.0, S, rvec(p, rng, 2.0))
        emit(fam, "x_1e150", p, nu, 0.0, S, rvec(p, rng, 1e150))
        emit(fam, "Sigma_1e-150", p, nu, 0.0, spd_cond(p, 10.0, 1e-150, rng), rvec(p, rng, 1e-75))
        emit(fam, "Sigma_1e150", p, nu, 0.0, spd_cond(p, 10.0, 1e150, rng), rvec(p, rng, 1e70))
        if fam == "mvn":
            emit(fam, "lp_-1e6", p, nu, 0.0, S, rvec(p, rng, 3e3))
        else:
            emit(fam, "lp_-1e6", p, 2e5, 0.0, S, rvec(p, rng, 5e3))
    for fam in ("matnorm", "matt"):
        nu = 3.5
        n = 3
        for p in (2, 4, 6):
            emit(fam, "cond1e12", p, nu, 0.0, spd_cond(n, 1e12, 1.0, rng), spd_cond(p, 1e12, 1.0, rng), rmat(n, p, rng, 3.0))
            emit(fam, "cond1e12_scaled", p, nu, 0.0, spd_cond(n, 1e12, 1e-6, rng), spd_cond(p, 1e6, 1e-3, rng),
                 rmat(n, p, rng, 1e-3))
        p = 200
        ak = (4, 3, 1, 1)
        U = spd_cond(n, 10.0, 1.0, rng)
        emit(fam, "p200", p, 250.5 if fam == "matt" else nu, 0.0, U, band(p, *ak), mband(n, p, 5, 2),
             kinds=[None, ("band",) + ak, ("mband", n, 5, 2)])
        p = 3
        U, V = spd_cond(n, 50.0, 1.0, rng), spd_cond(p, 50.0, 1.0, rng)
        if fam == "matt":
            emit(fam, "nu1e8", p, 1e8, 0.0, U, V, rmat(n, p, rng, 1e-4))
            emit(fam, "nu_1e-300", p, 1e-300, 0.0, U, V, rmat(n, p, rng, 1.0))
            emit(fam, "nu_1e-10", p, 1e-10, 0.0, U, V, rmat(n, p, rng, 1.0))
        emit(fam, "X_1e150", p, nu, 0.0, U, V, rmat(n, p, rng, 1e150))
        emit(fam, "scales_1e-150", p, nu, 0.0, spd_cond(n, 10.0, 1e-75, rng), spd_cond(p, 10.0, 1e-75, rng),
             rmat(n, p, rng, 1e-75))
        if fam == "matnorm":
            emit(fam, "lp_-1e6", p, nu, 0.0, U, V, rmat(n, p, rng, 1e3))
        else:
            emit(fam, "lp_-1e6", p, 2e5, 0.0, U, V, rmat(n, p, rng, 5e3))


if __name__ == "__main__":
    main()
