#!/usr/bin/python3
"""Reference values for the family regression cases at the edges in
tests/test_edges.c (fuzz/stress findings: the mvt nu-score and tail, the
inverse-Wishart near DBL_MIN, the large-degrees-of-freedom log-densities and
trigamma differences).

Run with /usr/bin/python3 (mpmath only):
    /usr/bin/python3 tests/data/gen_edges_families.py > tests/data/edges_families_ref.txt

Every value comes from the textbook definition evaluated in mpmath at 80
digits (derivatives in nu by mpmath's numerical differentiation of the
log-density itself, not from the formulas the library uses), on exactly the
doubles the C test passes (all inputs below are exact binary doubles or
decimal literals read by both sides with correct rounding).
Output: one "key value" per line.
"""
import mpmath as mp

mp.mp.dps = 80
D = lambda s: mp.mpf(float(s))  # the double the C side reads from the same literal


def mvt_logf(p, nu, Sigma, r):
    """log f of t_p(nu, 0, Sigma) at residual r (mp matrices)"""
    delta = (r.T * Sigma**-1 * r)[0]
    k = nu + p
    return (mp.loggamma(k / 2) - mp.loggamma(nu / 2) - p / mp.mpf(2) * mp.log(nu * mp.pi)
            - mp.log(mp.det(Sigma)) / 2 - k / 2 * mp.log1p(delta / nu))


def lmvgamma(p, a):
    return p * (p - 1) / mp.mpf(4) * mp.log(mp.pi) + sum(mp.loggamma(a - mp.mpf(j) / 2) for j in range(p))


def mvtrigamma(p, a):
    return sum(mp.psi(1, a - mp.mpf(j) / 2) for j in range(p))


out = []


def emit(key, v):
    out.append("%s %s" % (key, mp.nstr(v, 30, min_fixed=-1, max_fixed=-1)))


# 1. mvt d log f / d nu, p = 1, nu = 0.5, Sigma = 1, mu = 0
one = mp.matrix([[1]])
for xs in ["1e4", "1e6", "1e8", "1e10", "1e100", "1e154", "1e200"]:
    x = D(xs)
    f = lambda n: mvt_logf(1, n, one, mp.matrix([[x]]))
    emit("mvt_dnu_p1_x%s" % xs, mp.diff(f, mp.mpf(0.5)))
# p = 3, nu = 0.05: a typical draw's scale (nu small: heavy tails)
S3 = mp.matrix([[2, D("0.3"), D("0.1")], [D("0.3"), 1, D("0.2")], [D("0.1"), D("0.2"), 3]])
r3 = mp.matrix([D("1e15"), D("-3e14"), D("2e15")])
emit("mvt_dnu_p3", mp.diff(lambda n: mvt_logf(3, n, S3, r3), D("0.05")))
emit("mvt_dnu_p3_nu3", mp.diff(lambda n: mvt_logf(3, n, S3, mp.matrix([D("2.5"), D("-1"), D("0.5")])), D("3")))

# 2. mvt far tail: log f, and the nu-nu Hessian entry
for xs in ["1e100", "1e154", "1e200", "1e300"]:
    x = D(xs)
    emit("mvt_logf_p1_x%s" % xs, mvt_logf(1, mp.mpf(0.5), one, mp.matrix([[x]])))
x = D("1e100")
emit("mvt_hnn_p1_x1e100", mp.diff(lambda n: mvt_logf(1, n, one, mp.matrix([[x]])), mp.mpf(0.5), 2))
x = D("1e200")
emit("mvt_hnn_p1_x1e200", mp.diff(lambda n: mvt_logf(1, n, one, mp.matrix([[x]])), mp.mpf(0.5), 2))
# d/dx and d/dSigma at x = 1e200 (differentiate in log-coordinates: step relative to the point)
emit("mvt_dx_p1_x1e200", x * 0 + mp.diff(lambda t: mvt_logf(1, mp.mpf(0.5), one, mp.matrix([[x * mp.exp(t)]])), 0) / x)
emit("mvt_dS_p1_x1e200", mp.diff(lambda t: mvt_logf(1, mp.mpf(0.5), mp.matrix([[mp.exp(t)]]), mp.matrix([[x]])), 0))
# the fuzz case: mu = (-1e308, -1e308), x = (1e308, 1e308), nu = 3, Sigma = [1 .5; .5 1]
S2 = mp.matrix([[1, D("0.5")], [D("0.5"), 1]])
r2 = mp.matrix([D("1e308") - D("-1e308"), D("1e308") - D("-1e308")])
emit("mvt_logf_fuzz", mvt_logf(2, mp.mpf(3), S2, r2))
# score in nu at x = 1e100, p = 2, nu = 1e6 (large nu, far tail)
emit("mvt_dnu_p2_nu1e6", mp.diff(lambda n: mvt_logf(2, n, S2, mp.matrix([D("1e100"), D("-2e100")])), D("1e6")))

# 5. inverse Wishart, p = 1, nu = 3, Psi = 1, X = 4.65e-309 (subnormal): log f finite
def iw_logf(p, nu, Psi, X):
    return (nu / 2 * mp.log(mp.det(Psi)) - nu * p / mp.mpf(2) * mp.log(2) - lmvgamma(p, nu / 2)
            - (nu + p + 1) / 2 * mp.log(mp.det(X)) - sum((Psi * X**-1)[i, i] for i in range(p)) / 2)


emit("iw_logf_p1_x4.65e-309", iw_logf(1, mp.mpf(3), one, mp.matrix([[D("4.65e-309")]])))
# diagonal X, Psi = I: tr(Psi X^-1) = sum 1/X_ii (mpmath's LU refuses a 1e-308 pivot)
x0 = D("1e-308")
emit("iw_logf_p2_x1e-308", 4 / mp.mpf(2) * 0 - 4 * 2 / mp.mpf(2) * mp.log(2) - lmvgamma(2, mp.mpf(2))
     - (4 + 2 + 1) / mp.mpf(2) * mp.log(x0) - (1 / x0 + 1) / 2)
# X = 1e-150: the gradient is representable (~1e300)
X = D("1e-150")
emit("iw_dX_p1_x1e-150", -(3 + 1 + mp.mpf(1)) / 2 / X + 1 / (2 * X * X))


# 6. large degrees of freedom
def w_logf(p, nu, S, X):
    return ((nu - p - 1) / 2 * mp.log(mp.det(X)) - sum((S**-1 * X)[i, i] for i in range(p)) / 2
            - nu * p / mp.mpf(2) * mp.log(2) - nu / 2 * mp.log(mp.det(S)) - lmvgamma(p, nu / 2))


def matf_logf(p, nu, de, Psi, X):
    r = de + p - 1
    k = nu + r
    return (lmvgamma(p, k / 2) - lmvgamma(p, nu / 2) - lmvgamma(p, r / 2) + r / 2 * mp.log(mp.det(Psi))
            + (nu - p - 1) / 2 * mp.log(mp.det(X)) - k / 2 * mp.log(mp.det(Psi + X)))


emit("w_logf_p1_nu1e4", w_logf(1, mp.mpf(10000), one, mp.matrix([[D("10000")]])))
emit("w_logf_p1_nu1e4_x9800", w_logf(1, mp.mpf(10000), one, mp.matrix([[D("9800")]])))
emit("iw_logf_p1_nu1e4", iw_logf(1, mp.mpf(10000), one, mp.matrix([[D("1e-4")]])))
emit("w_logf_p3_nu1e12", w_logf(3, mp.mpf(10)**12, S3, S3 * mp.mpf(10)**12))
emit("matf_logf_p1_nu1e4", matf_logf(1, mp.mpf(10000), mp.mpf(10000), one, one))
emit("matf_logf_p1_nu1e4_x1.02", matf_logf(1, mp.mpf(10000), mp.mpf(10000), one, mp.matrix([[D("1.02")]])))
for p in (1, 2):
    nu, de = mp.mpf(10)**8, D("3.5")
    k = nu + de + p - 1
    emit("matf_Inn_p%d_nu1e8" % p, (mvtrigamma(p, nu / 2) - mvtrigamma(p, k / 2)) / 4)
    nu, de = D("4.5"), mp.mpf(10)**8
    r = de + p - 1
    k = nu + r
    emit("matf_Idd_p%d_delta1e8" % p, (sum(mp.psi(1, (r - j) / 2) for j in range(p)) - mvtrigamma(p, k / 2)) / 4)
# mvt Fisher Sigma-Sigma at nu = 1e308, p = 1, Sigma = 2: k/(2(k+2)) lambda^2 - lambda^2/(2(k+2))
nu = D("1e308")
k = nu + 1
emit("mvt_fisher_SS_nu1e308", k / (2 * (k + 2)) * mp.mpf(0.25) - mp.mpf(0.25) / (2 * (k + 2)))

# sweep findings: mvt nu-score where 2(nu + delta) overflows (nu = 1e6, delta = 1e308),
# mvn log f where delta overflows but delta/2 does not (x = 1.5e154, Sigma = 1)
emit("mvt_dnu_p1_nu1e6_x1e154", mp.diff(lambda n: mvt_logf(1, n, one, mp.matrix([[D("1e154")]])), mp.mpf(10)**6))
x = D("1.5e154")
emit("mvn_logf_p1_x1.5e154", -mp.log(2 * mp.pi) / 2 - x * x / 2)

# mvt d^2 log f / d nu^2 in the body: the textbook sum cancels like nu eps
I2 = mp.eye(2)
hnn_cases = [("mvt_hnn_p1_nu0.5_x3", 1, D("0.5"), one, [D("3")]),
             ("mvt_hnn_p3_nu1e8", 3, mp.mpf(10)**8, S3, [D("1"), D("-2"), D("0.5")]),
             ("mvt_hnn_p2_nu1e12", 2, mp.mpf(10)**12, I2, [D("1.5"), D("-0.7")]),
             ("mvt_hnn_p2_nu1e4_x2e3", 2, mp.mpf(10)**4, I2, [D("1e3"), D("2e3")]),
             ("mvt_hnn_p1_nu1e-3", 1, D("1e-3"), one, [D("0.1")])]
for key, pp, nu0, Sg, xs in hnn_cases:
    emit(key, mp.diff(lambda n: mvt_logf(pp, n, Sg, mp.matrix(xs)), nu0, 2))

print("# generated by tests/data/gen_edges_families.py (mpmath, 80 digits); key value")
print("\n".join(out))
