#!/usr/bin/python3
"""Reference values for tests/test_mvn.c and tests/test_mvt.c.

Run:  /usr/bin/python3 tests/data/gen_mvn_mvt.py > tests/data/mvn_mvt_ref.txt
Every reference is computed with mpmath at 50+ significant digits from the
exact binary64 inputs printed on the same line (repr round-trips), so the C
test reads the very same numbers. scipy.stats (multivariate_normal,
multivariate_t) values are printed beside them as a second, independent
(double precision) reference.

Line formats (whitespace separated):
  logpdf FAMILY p nu mu[p] Sigma[p*p, row-major] x[p] ref_mpmath ref_scipy
         (FAMILY mvn or mvt; nu = 0 for mvn)
  inunu p nu ref            (mvt Fisher I_nu,nu, 60 digits)
  kl p mu0[p] S0[p*p] mu1[p] S1[p*p] ref_kl ref_entropy0
"""
import sys
import numpy as np
import mpmath as mp
from scipy import stats

mp.mp.dps = 60
rng = np.random.default_rng(20261129)


def rand_spd(p, cond, scale=1.0):
    A = rng.standard_normal((p, p))
    Q, _ = np.linalg.qr(A)
    ev = scale * np.exp(np.log(cond) * np.arange(p) / max(p - 1, 1))
    S = (Q * ev) @ Q.T
    return (S + S.T) / 2


def mpmat(S):
    p = S.shape[0]
    return mp.matrix([[mp.mpf(float(S[i, j])) for j in range(p)] for i in range(p)])


def quad(S, r):
    M = mpmat(S)
    v = mp.matrix([mp.mpf(float(t)) for t in r])
    sol = mp.lu_solve(M, v)
    return sum(v[i] * sol[i] for i in range(len(r))), mp.log(mp.det(M))


def mvn_ref(mu, S, x):
    p = len(mu)
    r = [mp.mpf(float(x[i])) - mp.mpf(float(mu[i])) for i in range(p)]
    d, ld = quad(S, r)
    return -mp.mpf(p) / 2 * mp.log(2 * mp.pi) - ld / 2 - d / 2


def mvt_ref(nu, mu, S, x):
    p = len(mu)
    nu = mp.mpf(float(nu))
    r = [mp.mpf(float(x[i])) - mp.mpf(float(mu[i])) for i in range(p)]
    d, ld = quad(S, r)
    return (mp.loggamma((nu + p) / 2) - mp.loggamma(nu / 2) - mp.mpf(p) / 2 * mp.log(nu * mp.pi)
            - ld / 2 - (nu + p) / 2 * mp.log1p(d / nu))


def fmt(v):
    return " ".join(repr(float(t)) for t in np.ravel(v))


def emit_logpdf(fam, nu, mu, S, x):
    if fam == "mvn":
        ref = mvn_ref(mu, S, x)
        sc = stats.multivariate_normal(mean=mu, cov=S, allow_singular=False).logpdf(x)
    else:
        ref = mvt_ref(nu, mu, S, x)
        sc = stats.multivariate_t(loc=mu, shape=S, df=nu).logpdf(x)
    p = len(mu)
    print(f"logpdf {fam} {p} {float(nu)!r} {fmt(mu)} {fmt(S)} {fmt(x)} {mp.nstr(ref, 20)} {float(sc)!r}")


def case(p, cond, scale, xscale):
    mu = rng.standard_normal(p)
    S = rand_spd(p, cond, scale)
    L = np.linalg.cholesky(S)
    x = mu + xscale * (L @ rng.standard_normal(p))
    return mu, S, x


def tail_case(p, target_delta):
    mu = rng.standard_normal(p)
    S = rand_spd(p, 10.0)
    L = np.linalg.cholesky(S)
    z = rng.standard_normal(p)
    z *= np.sqrt(target_delta) / np.linalg.norm(z)
    return mu, S, mu + L @ z


# --- mvn: p = 1..10, conditions 1..1e8, far tails ---
for p in range(1, 11):
    for cond in (1.0, 1e3, 1e8):
        if p == 1 and cond != 1.0:
            continue
        emit_logpdf("mvn", 0, *case(p, cond, float(np.exp(rng.uniform(-3, 3))), 1.5))
for p in (1, 3, 8):
    emit_logpdf("mvn", 0, *tail_case(p, 2e4))   # log-density near -1e4

# --- mvt: p = 1..10, nu from near 0 to 1e8 ---
for p in range(1, 11):
    for nu in (1e-3, 0.7, 3.0, 25.0, 1e4, 1e8):
        emit_logpdf("mvt", nu, *case(p, 10.0 ** rng.uniform(0, 3), 1.0, 1.0))
for p in (2, 6):
    emit_logpdf("mvt", 5.0, *case(p, 1e8, 1.0, 1.0))       # ill-conditioned scale
for p in (1, 4):
    emit_logpdf("mvt", 1e8, *tail_case(p, 2e4))          # t ~ normal, log-density near -1e4
    emit_logpdf("mvt", 1e3, *tail_case(p, 5e11))         # heavy tail, log-density near -1e4
# nu = 1e8: the same (mu, Sigma, x) under mvn, for the mvt -> mvn limit
for p in (1, 3, 7):
    mu, S, x = case(p, 100.0, 1.0, 1.0)
    emit_logpdf("mvt", 1e8, mu, S, x)
    emit_logpdf("mvn", 0, mu, S, x)


# --- mvt Fisher I_nu,nu (docs/fisher.md) at many nu, including 1e4 and 1e8 ---
def inunu(p, nu):
    nu = mp.mpf(float(nu))
    k = nu + p
    return (mp.psi(1, nu / 2) - mp.psi(1, k / 2)) / 4 - p * (nu + p + 4) / (2 * nu * k * (k + 2))


mp.mp.dps = 80
for p in (1, 2, 3, 5, 10, 30):
    for nu in (0.05, 0.5, 1.0, 3.0, 7.5, 12.0, 15.9, 16.0, 16.1, 19.0, 21.0, 40.0, 100.0, 1e3, 1e4, 1e5, 1e8, 1e12):
        print(f"inunu {p} {float(nu)!r} {mp.nstr(inunu(p, nu), 25)}")
mp.mp.dps = 60

# --- mvn KL divergence and entropy ---
for p in (1, 2, 4, 7):
    mu0, S0, _ = case(p, 50.0, 1.0, 1.0)
    mu1, S1, _ = case(p, 50.0, 2.0, 1.0)
    M0, M1 = mpmat(S0), mpmat(S1)
    m = mp.matrix([mp.mpf(float(mu1[i])) - mp.mpf(float(mu0[i])) for i in range(p)])
    M1inv = M1 ** -1
    tr = sum((M1inv * M0)[i, i] for i in range(p))
    q = (m.T * M1inv * m)[0]
    kl = (tr + q - p + mp.log(mp.det(M1)) - mp.log(mp.det(M0))) / 2
    ent = mp.mpf(p) / 2 * (1 + mp.log(2 * mp.pi)) + mp.log(mp.det(M0)) / 2
    print(f"kl {p} {fmt(mu0)} {fmt(S0)} {fmt(mu1)} {fmt(S1)} {mp.nstr(kl, 20)} {mp.nstr(ent, 20)}")
