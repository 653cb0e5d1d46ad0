#!/usr/bin/python3
"""Reference values for tests/test_blr.c, test_niw.c, test_mniw.c.

Run:  /usr/bin/python3 tests/data/gen_conjugate.py > tests/data/conjugate_ref.txt

mpmath at 50 digits, from the textbook (normal-equation) formulas — deliberately
NOT the QR/factor route the C code takes. Every marginal likelihood is computed
a second, independent way and the two are asserted equal here:
  * NIG:   y ~ t_n(2 a0, X m0, (b0/a0)(W^-1 + X V0 X^T))  (direct density of y)
  * known: y ~ N_n(X m0, W^-1/lambda + X S0 X^T)           (direct density of y)
  * NIW / NW / MNIW: the chain rule log p(x_1..n) = sum_i log p(x_i | x_<i) with
    the Student-t one-step predictives, against the Gamma_p closed form.
Inputs (data, hyperparameters) are printed as 17-digit doubles and the references
are computed from exactly those doubles.

Format: one record per line: `name count v1 ... v_count` (matrices row-major).
"""
import random
import mpmath as mp

mp.mp.dps = 50
rng = random.Random(20261129)
OUT = []


def emit(name, vals):
    vals = list(vals)
    OUT.append(name + " " + str(len(vals)) + " " + " ".join(mp.nstr(mp.mpf(v), 20, min_fixed=-1, max_fixed=-1) if not isinstance(v, float) else repr(v) for v in vals))


def dbl(x):
    return float(x)


def rnorm():
    return rng.gauss(0.0, 1.0)


def mat_rand(r, c, s=1.0):
    return [[dbl(s * rnorm()) for _ in range(c)] for _ in range(r)]


def spd_rand(p, s=1.0):
    A = mat_rand(p, p)
    M = [[sum(A[i][k] * A[j][k] for k in range(p)) / p * s + (s * 0.5 if i == j else 0.0) for j in range(p)] for i in range(p)]
    # symmetric in doubles exactly
    for i in range(p):
        for j in range(i):
            M[i][j] = M[j][i]
    return [[dbl(v) for v in row] for row in M]


def M(rows):
    return mp.matrix([[mp.mpf(v) for v in row] for row in rows])


def V(v):
    return mp.matrix([mp.mpf(x) for x in v])


def flat(A):
    return [A[i, j] for i in range(A.rows) for j in range(A.cols)]


def vflat(v):
    return [v[i] for i in range(v.rows)]


def logdet(A):
    return mp.log(mp.det(A))


def lmvgamma(p, a):
    return p * (p - 1) / mp.mpf(4) * mp.log(mp.pi) + sum(mp.loggamma(a + mp.mpf(1 - j) / 2) for j in range(1, p + 1))


def log_mvt(x, nu, mu, S):
    p = S.rows
    d = x - mu
    delta = (d.T * mp.inverse(S) * d)[0]
    return (mp.loggamma((nu + p) / 2) - mp.loggamma(nu / 2) - p / mp.mpf(2) * mp.log(nu * mp.pi)
            - logdet(S) / 2 - (nu + p) / 2 * mp.log(1 + delta / nu))


def log_mvn(x, mu, S):
    p = S.rows
    d = x - mu
    return -p / mp.mpf(2) * mp.log(2 * mp.pi) - logdet(S) / 2 - (d.T * mp.inverse(S) * d)[0] / 2


def log_iw(S, nu, Psi):
    p = S.rows
    return (nu / 2 * logdet(Psi) - nu * p / mp.mpf(2) * mp.log(2) - lmvgamma(p, nu / 2)
            - (nu + p + 1) / 2 * logdet(S) - mp.fsum([(Psi * mp.inverse(S))[i, i] for i in range(p)]) / 2)


def log_wishart(L, nu, W):
    p = L.rows
    return ((nu - p - 1) / 2 * logdet(L) - mp.fsum([(mp.inverse(W) * L)[i, i] for i in range(p)]) / 2
            - nu * p / mp.mpf(2) * mp.log(2) - nu / 2 * logdet(W) - lmvgamma(p, nu / 2))


def close(a, b, tol=mp.mpf(10) ** -35):
    assert abs(a - b) <= tol * (1 + abs(b)), (a, b)


# ---------------------------------------------------------------- BLR
def blr_case(tag, k, n, weighted, illcond=False):
    X = mat_rand(n, k)
    if illcond:
        for i in range(n):
            X[i][1] = dbl(X[i][0] + 1e-6 * rnorm())
    beta = [dbl(rnorm()) for _ in range(k)]
    y = [dbl(sum(X[i][j] * beta[j] for j in range(k)) + 0.3 * rnorm()) for i in range(n)]
    w = [dbl(rng.uniform(0.5, 2.0)) if weighted else 1.0 for _ in range(n)]
    m0 = [dbl(0.5 * rnorm()) for _ in range(k)]
    V0 = spd_rand(k, 2.0) if not illcond else [[1e6 if i == j else 0.0 for j in range(k)] for i in range(k)]
    a0, b0, lam = 2.5, 1.7, 4.0
    xs = [dbl(rnorm()) for _ in range(k)]
    bstar = [dbl(b + 0.1 * rnorm()) for b in beta]
    s2star = 0.2
    emit(tag + "_dims", [k, n])
    emit(tag + "_X", sum(X, []))
    emit(tag + "_y", y)
    emit(tag + "_w", w)
    emit(tag + "_m0", m0)
    emit(tag + "_V0", sum(V0, []))
    emit(tag + "_ab_lambda", [a0, b0, lam])
    emit(tag + "_xstar", xs)
    emit(tag + "_beta_star", bstar + [s2star])

    Xm, ym, Wm = M(X), V(y), mp.diag([mp.mpf(v) for v in w])
    V0m, m0m = M(V0), V(m0)
    G = Xm.T * Wm * Xm
    c = Xm.T * Wm * ym
    xsm = V(xs)
    bsm = V(bstar)
    s2 = mp.mpf(s2star)
    # NIG
    V0i = mp.inverse(V0m)
    Vni = V0i + G
    Vn = mp.inverse(Vni)
    mn = Vn * (V0i * m0m + c)
    an = mp.mpf(a0) + n / mp.mpf(2)
    bn = mp.mpf(b0) + ((ym.T * Wm * ym)[0] + (m0m.T * V0i * m0m)[0] - (mn.T * Vni * mn)[0]) / 2
    lml = (-n / mp.mpf(2) * mp.log(2 * mp.pi) + mp.fsum([mp.log(mp.mpf(v)) for v in w]) / 2
           + (logdet(Vn) - logdet(V0m)) / 2 + a0 * mp.log(b0) - an * mp.log(bn) + mp.loggamma(an) - mp.loggamma(a0))
    Sy = (mp.mpf(b0) / a0) * (mp.inverse(Wm) + Xm * V0m * Xm.T)
    lml_direct = log_mvt(ym, 2 * mp.mpf(a0), Xm * m0m, Sy)
    close(lml, lml_direct, mp.mpf(10) ** -25)
    pred_nig = [2 * an, (xsm.T * mn)[0], bn / an * (1 + (xsm.T * Vn * xsm)[0])]
    lpost_nig = log_mvn(bsm, mn, s2 * Vn) + an * mp.log(bn) - mp.loggamma(an) - (an + 1) * mp.log(s2) - bn / s2
    emit(tag + "_nig_mn", vflat(mn))
    emit(tag + "_nig_Vn", flat(Vn))
    emit(tag + "_nig_ab", [an, bn])
    emit(tag + "_nig_lml", [lml_direct])
    emit(tag + "_nig_pred", pred_nig)
    emit(tag + "_nig_logpost", [lpost_nig])
    # known noise (S0 = V0)
    lamm = mp.mpf(lam)
    SNi = V0i + lamm * G
    SN = mp.inverse(SNi)
    mN = SN * (V0i * m0m + lamm * c)
    lml_k = log_mvn(ym, Xm * m0m, mp.inverse(Wm) / lamm + Xm * V0m * Xm.T)
    pred_k = [(xsm.T * mN)[0], 1 / lamm + (xsm.T * SN * xsm)[0]]
    emit(tag + "_known_mN", vflat(mN))
    emit(tag + "_known_SN", flat(SN))
    emit(tag + "_known_lml", [lml_k])
    emit(tag + "_known_pred", pred_k)
    emit(tag + "_known_logpost", [log_mvn(bsm, mN, SN)])
    # improper
    Gi = mp.inverse(G)
    bhat = Gi * c
    r = ym - Xm * bhat
    rss = (r.T * Wm * r)[0]
    s2hat = rss / (n - k)
    pred_i = [mp.mpf(n - k), (xsm.T * bhat)[0], s2hat * (1 + (xsm.T * Gi * xsm)[0])]
    ai, bi = (n - k) / mp.mpf(2), rss / 2
    lpost_i = log_mvn(bsm, bhat, s2 * Gi) + ai * mp.log(bi) - mp.loggamma(ai) - (ai + 1) * mp.log(s2) - bi / s2
    emit(tag + "_imp_bhat", vflat(bhat))
    emit(tag + "_imp_scale", flat(s2hat * Gi))
    emit(tag + "_imp_pred", pred_i)
    emit(tag + "_imp_logpost", [lpost_i])


blr_case("blr", 3, 9, False)
blr_case("blrw", 3, 9, True)
blr_case("blrill", 3, 12, True, illcond=True)


# ---------------------------------------------------------------- NIW
def niw_post(X, mu0, k0, nu0, Psi0):
    n = len(X)
    p = Psi0.rows
    if n == 0:
        return mu0, k0, nu0, Psi0
    xbar = mp.matrix([mp.fsum([X[i][j] for i in range(n)]) / n for j in range(p)])
    S = mp.zeros(p, p)
    for i in range(n):
        d = V(X[i]) - xbar
        S += d * d.T
    kn = k0 + n
    nun = nu0 + n
    mun = (k0 * mu0 + n * xbar) / kn
    dm = xbar - mu0
    Psin = Psi0 + S + (k0 * n / kn) * dm * dm.T
    return mun, kn, nun, Psin


def ill_spd(p, cond):
    """Q diag(cond^(i/(p-1))) Q^T / sqrt(cond) with Q a product of Givens rotations."""
    Q = mp.eye(p)
    for i in range(p - 1):
        t = mp.mpf(0.3 + 0.4 * i)
        G = mp.eye(p)
        G[i, i] = mp.cos(t); G[i + 1, i + 1] = mp.cos(t); G[i, i + 1] = -mp.sin(t); G[i + 1, i] = mp.sin(t)
        Q = Q * G
    D = mp.diag([mp.mpf(cond) ** (mp.mpf(i) / (p - 1)) / mp.sqrt(cond) for i in range(p)])
    A = Q * D * Q.T
    M_ = [[dbl(A[i, j]) for j in range(p)] for i in range(p)]
    for i in range(p):
        for j in range(i):
            M_[i][j] = M_[j][i]
    return M_


def niw_case(tag, p, n, offset=0.0, nw=False, cond=None):
    X = [[dbl(offset + v) for v in row] for row in mat_rand(n, p)]
    mu0 = [dbl(offset + 0.3 * rnorm()) for _ in range(p)]
    k0, nu0 = 0.7, p + 1.5
    S0 = spd_rand(p, 1.5) if cond is None else ill_spd(p, cond)
    mus = [dbl(offset + 0.2 * rnorm()) for _ in range(p)]
    Sig = spd_rand(p, 1.0)
    emit(tag + "_dims", [p, n])
    emit(tag + "_X", sum(X, []))
    emit(tag + "_mu0", mu0)
    emit(tag + "_k0nu0", [k0, nu0])
    emit(tag + "_S0", sum(S0, []))          # Psi0, or W0 for the NW view
    emit(tag + "_mustar", mus)
    emit(tag + "_Sigstar", sum(Sig, []))
    mu0m, S0m = V(mu0), M(S0)
    Psi0 = mp.inverse(S0m) if nw else S0m
    k0m, nu0m = mp.mpf(k0), mp.mpf(nu0)
    mun, kn, nun, Psin = niw_post(X, mu0m, k0m, nu0m, Psi0)
    lml = (-n * p / mp.mpf(2) * mp.log(mp.pi) + lmvgamma(p, nun / 2) - lmvgamma(p, nu0m / 2)
           + nu0m / 2 * logdet(Psi0) - nun / 2 * logdet(Psin) + p / mp.mpf(2) * (mp.log(k0m) - mp.log(kn)))
    chain = mp.mpf(0)
    for i in range(n):
        m_, k_, nu_, P_ = niw_post(X[:i], mu0m, k0m, nu0m, Psi0)
        df = nu_ - p + 1
        chain += log_mvt(V(X[i]), df, m_, P_ * (k_ + 1) / (k_ * df))
    close(lml, chain, mp.mpf(10) ** -30)
    df = nun - p + 1
    emit(tag + "_mun", vflat(mun))
    emit(tag + "_kn_nun", [kn, nun])
    emit(tag + "_Psin", flat(Psin))
    emit(tag + "_Wn", flat(mp.inverse(Psin)))
    emit(tag + "_lml", [chain])
    emit(tag + "_pred_df", [df])
    emit(tag + "_pred_scale", flat(Psin * (kn + 1) / (kn * df)))
    Sm = M(Sig)
    emit(tag + "_logpost", [log_mvn(V(mus), mun, Sm / kn) + log_iw(Sm, nun, Psin)])
    # NW density at Lambda = Sigstar (as a precision matrix)
    Lm = Sm
    emit(tag + "_logpost_nw", [log_mvn(V(mus), mun, mp.inverse(kn * Lm)) + log_wishart(Lm, nun, mp.inverse(Psin))])


niw_case("niw", 3, 6)
niw_case("niwoff", 2, 8, offset=1e6)
niw_case("nw", 3, 5, nw=True)
niw_case("niwill", 3, 4, cond=1e10)    # Psi0 with condition number 1e10
niw_case("nwill", 3, 4, nw=True, cond=1e10)


# ---------------------------------------------------------------- MNIW
def mniw_post(X, Y, B0, V0, nu0, Psi0):
    n = len(X)
    if n == 0:
        return B0, V0, nu0, Psi0
    Xm, Ym = M(X), M(Y)
    V0i = mp.inverse(V0)
    Vni = V0i + Xm.T * Xm
    Vn = mp.inverse(Vni)
    Bn = Vn * (V0i * B0 + Xm.T * Ym)
    Psin = Psi0 + Ym.T * Ym + B0.T * V0i * B0 - Bn.T * Vni * Bn
    return Bn, Vn, nu0 + n, Psin


def mniw_case(tag, k, d, n, m):
    X = mat_rand(n, k)
    Btrue = mat_rand(k, d)
    Y = [[dbl(sum(X[i][l] * Btrue[l][j] for l in range(k)) + 0.5 * rnorm()) for j in range(d)] for i in range(n)]
    B0 = mat_rand(k, d, 0.3)
    V0 = spd_rand(k, 1.5)
    nu0 = d + 2.5
    Psi0 = spd_rand(d, 1.0)
    Xnew = mat_rand(m, k)
    Bs = mat_rand(k, d, 0.5)
    Ss = spd_rand(d, 1.0)
    emit(tag + "_dims", [k, d, n, m])
    emit(tag + "_X", sum(X, []))
    emit(tag + "_Y", sum(Y, []))
    emit(tag + "_B0", sum(B0, []))
    emit(tag + "_V0", sum(V0, []))
    emit(tag + "_nu0", [nu0])
    emit(tag + "_Psi0", sum(Psi0, []))
    emit(tag + "_Xnew", sum(Xnew, []))
    emit(tag + "_Bstar", sum(Bs, []))
    emit(tag + "_Sigstar", sum(Ss, []))
    B0m, V0m, Psi0m, nu0m = M(B0), M(V0), M(Psi0), mp.mpf(nu0)
    Bn, Vn, nun, Psin = mniw_post(X, Y, B0m, V0m, nu0m, Psi0m)
    lml = (-n * d / mp.mpf(2) * mp.log(mp.pi) + lmvgamma(d, nun / 2) - lmvgamma(d, nu0m / 2)
           + nu0m / 2 * logdet(Psi0m) - nun / 2 * logdet(Psin) + d / mp.mpf(2) * (logdet(Vn) - logdet(V0m)))
    chain = mp.mpf(0)
    for i in range(n):
        B_, V_, nu_, P_ = mniw_post(X[:i], Y[:i], B0m, V0m, nu0m, Psi0m)
        xi = M([X[i]])
        df = nu_ - d + 1
        loc = (xi * B_).T
        chain += log_mvt(V(Y[i]), df, loc, P_ * (1 + (xi * V_ * xi.T)[0]) / df)
    close(lml, chain, mp.mpf(10) ** -30)
    emit(tag + "_Bn", flat(Bn))
    emit(tag + "_Vn", flat(Vn))
    emit(tag + "_nun", [nun])
    emit(tag + "_Psin", flat(Psin))
    emit(tag + "_lml", [chain])
    Xn = M(Xnew)
    emit(tag + "_pred_M", flat(Xn * Bn))
    emit(tag + "_pred_Sigma", flat(mp.eye(m) + Xn * Vn * Xn.T))
    emit(tag + "_pred_nu", [nun - d + 1])
    Bsm, Ssm = M(Bs), M(Ss)
    D = Bsm - Bn
    lmn = (-k * d / mp.mpf(2) * mp.log(2 * mp.pi) - d / mp.mpf(2) * logdet(Vn) - k / mp.mpf(2) * logdet(Ssm)
           - mp.fsum([(mp.inverse(Ssm) * D.T * mp.inverse(Vn) * D)[i, i] for i in range(d)]) / 2)
    emit(tag + "_logpost", [lmn + log_iw(Ssm, nun, Psin)])


mniw_case("mniw", 2, 3, 7, 2)

print("# generated by tests/data/gen_conjugate.py (mpmath %s, 50 digits); do not edit" % mp.__version__)
print("\n".join(OUT))
