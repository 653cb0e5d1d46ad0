#!/usr/bin/python3
"""Reference modes and Laplace evidences for tests/test_laplace_stress.c.

Output tests/data/laplace_stress_ref.txt, one fit problem per line:
    <family> <n> <q> <seed> <scaled> <sep> <fd> <log evidence> <mode_1..q> <sd_1..q>
family: logit, probit, poisson (GLMs with a Gaussian prior) or iw (an SPD
covariance with an inverse-Wishart prior and N(0, Sigma) data, in
log-Cholesky coordinates; there q = p(p+1)/2 and scaled/sep are 0). fd = 1:
the C test also fits with the finite-difference Hessian. sd = sqrt of the
diagonal of (-H)^-1 at the mode (used for the far start and the tolerance).

The data are not stored: both sides generate them from the same counter-based
splitmix64 stream with operations that round identically in C and here (sums
of uniforms, products, sqrt; exp only in the Poisson draws, where both call
the C library's exp). The fits are independent of bayesmat: Newton's method
with the analytic Hessian, the gradient and log f accumulated in long double,
run until the step stops shrinking (rounding), and for the covariance models
a Hessian by complex-step differentiation of the analytic gradient.

Run: /usr/bin/python3 tests/data/gen_laplace_stress.py   (about a minute)
"""
import math
import os
import numpy as np
from scipy.special import log_ndtr, gammaln
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from refgen import newton_ascent

M64 = (1 << 64) - 1
GOLD = np.uint64(0x9E3779B97F4A7C15)


def uniforms(seed, k0, count):
    """u_k, k = k0 .. k0+count-1, of stream seed: splitmix64 at state (seed << 32) + (k+1) GOLD."""
    k = np.arange(k0, k0 + count, dtype=np.uint64)
    z = np.uint64((seed << 32) & M64) + (k + np.uint64(1)) * GOLD
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def zdraws(seed, k0, count):
    """z_k = (u_4k + u_4k+1 + u_4k+2 + u_4k+3 - 2) sqrt 3: mean 0, variance 1."""
    u = uniforms(seed, 4 * k0, 4 * count).reshape(count, 4)
    return (((u[:, 0] + u[:, 1]) + u[:, 2]) + u[:, 3] - 2.0) * math.sqrt(3.0)


def col_scale(j, scaled):
    return 1.0 if (j == 0 or not scaled) else [1e-2, 1e-1, 1.0, 1e1, 1e2][j % 5]


def glm_data(fam, n, q, seed, scaled, sep):
    s = np.array([col_scale(j, scaled) for j in range(q)])
    X = zdraws(seed, 0, n * q).reshape(n, q) * s
    X[:, 0] = 1.0
    B = 0.5 if fam == "poisson" else 1.0
    c = np.array([B / s[j] / math.sqrt(q) for j in range(q)])
    b = zdraws(seed, n * q, q) * c
    b[0] = 1.0 if fam == "poisson" else 0.5
    eta = np.zeros(n)
    for j in range(q):
        eta = eta + X[:, j] * b[j]
    if fam == "poisson":
        u = uniforms(seed, 4 * (n * q + q), 4 * n)[0::4]
        y = np.zeros(n)
        for i in range(n):
            mu = math.exp(eta[i])
            p = math.exp(-mu)
            cdf, k = p, 0
            while u[i] > cdf and k < 1000:
                k += 1
                p *= mu / k
                cdf += p
            y[i] = k
    else:
        ns = (1.8 if fam == "logit" else 1.0) * (0.05 if sep else 1.0)
        e = zdraws(seed, n * q + q, n) * ns
        y = np.where(eta + e > 0, 1.0, 0.0)
    v = np.array([(5.0 / s[j]) * (5.0 / s[j]) for j in range(q)])  # prior variances
    return X, y, v


def glm_terms(fam, eta, y):
    """log-likelihood terms (long double), d/d eta and d2/d eta2 (double)."""
    if fam == "logit":
        el = eta.astype(np.longdouble)
        ll = y * el - np.where(el > 0, el + np.log1p(np.exp(-el)), np.log1p(np.exp(el)))
        a = np.exp(-np.abs(eta))
        sig = np.where(eta >= 0, 1.0 / (1.0 + a), a / (1.0 + a))
        return ll, y - sig, -a / (1.0 + a) ** 2
    if fam == "probit":
        sgn = 2.0 * y - 1.0
        t = sgn * eta
        lp = log_ndtr(t)
        r = np.exp(-0.5 * t * t - 0.5 * math.log(2 * math.pi) - lp)  # phi/Phi
        return lp.astype(np.longdouble), sgn * r, -r * (t + r)
    el = eta.astype(np.longdouble)
    mu = np.exp(eta)
    return y * el - np.exp(el) - gammaln(y + 1.0), y - mu, -mu


def glm_fit(fam, X, y, v):
    n, q = X.shape
    Xl = X.astype(np.longdouble)
    cst = -0.5 * np.sum(np.log(2 * math.pi * v))

    def f_of(b):
        ll, _, _ = glm_terms(fam, (Xl @ b).astype(np.float64), y)
        # eta in long double, terms from its double rounding: the reference
        # log f has the rounding of the C code's double eta
        return np.sum(ll) - np.sum(b * b / (2 * v)) + cst

    def fgH(b):
        eta = (Xl @ b).astype(np.float64)
        ll, d1, d2 = glm_terms(fam, eta, y)
        f = np.sum(ll) - np.sum(b * b / (2 * v)) + cst
        g = Xl.T @ d1.astype(np.longdouble) - b / v
        H = -(X.T @ (X * (-d2)[:, None])) - np.diag(1.0 / v)
        return f, g, H

    def direction(b):  # log f is concave here: -H needs no shift
        _, g, H = fgH(b)
        step = cho_solve(cho_factor(-H), g.astype(np.float64))
        return step, float(np.dot(g.astype(np.float64), step)), False

    b = newton_ascent(np.zeros(q, dtype=np.longdouble), direction, f_of)
    f, g, H = fgH(b)
    cf = cho_factor(-H)
    lam2 = float(np.dot(g.astype(np.float64), cho_solve(cf, g.astype(np.float64))))
    assert lam2 < 1e-24, (fam, n, q, lam2)
    logdet = 2 * np.sum(np.log(np.diag(cf[0])))
    cov = cho_solve(cf, np.eye(q))
    return float(f) + 0.5 * q * math.log(2 * math.pi) - 0.5 * logdet, b.astype(np.float64), np.sqrt(np.diag(cov))


# ---- covariance models: IW(nu0, I) prior x N(0, Sigma) data, theta = log-Cholesky vech
def iw_data(p, n, seed):
    q = p * (p + 1) // 2
    zl = zdraws(seed, 0, q)
    Lt = np.zeros((p, p))
    k = 0
    for j in range(p):
        for i in range(j, p):
            Lt[i, j] = math.exp(0.3 * zl[k]) if i == j else 0.5 * zl[k]
            k += 1
    Z = zdraws(seed, q, n * p).reshape(n, p)
    Xs = Z @ Lt.T
    B = np.eye(p) + Xs.T @ Xs
    return B, p + 3.0


def iw_unpack(theta, p):
    L = np.zeros((p, p), dtype=theta.dtype)
    k = 0
    for j in range(p):
        for i in range(j, p):
            L[i, j] = np.exp(theta[k]) if i == j else theta[k]
            k += 1
    return L


def iw_fit(p, n, B, nu0):
    q = p * (p + 1) // 2
    a = 0.5 * (nu0 + p + 1 + n)
    diag_idx = [j * p - j * (j - 1) // 2 for j in range(p)]
    c = np.array([(p - i + 1) - 2 * a for i in range(p)])  # (p - i + 2) - 2a, i 1-based
    C = np.linalg.cholesky(B)

    def f_of(th):
        L = iw_unpack(th, p)
        W = solve_triangular(L, C, lower=True)
        return p * math.log(2) + float(np.dot(c, th[diag_idx])) - 0.5 * float(np.sum(W * W))

    def grad(th):
        L = iw_unpack(th, p)
        Li = np.linalg.inv(L)
        Si = Li.T @ Li
        GL = Si @ B @ Si @ L
        g = np.zeros(q, dtype=th.dtype)
        k = 0
        for j in range(p):
            for i in range(j, p):
                g[k] = c[i] + L[i, i] * GL[i, i] if i == j else GL[i, j]
                k += 1
        return g

    def hess(th):
        h = 1e-30
        H = np.zeros((q, q))
        for k in range(q):
            e = th.astype(np.complex128)
            e[k] += 1j * h
            H[:, k] = np.imag(grad(e)) / h
        return 0.5 * (H + H.T)

    def direction(th):
        g = grad(th)
        H = hess(th)
        tau = 0.0
        while True:  # away from the mode -H may be indefinite: shift it
            try:
                cf = cho_factor(-H + tau * np.eye(q))
                break
            except np.linalg.LinAlgError:
                tau = max(1e-3, 10 * tau)
        step = cho_solve(cf, g)
        return step, float(np.dot(g, step)), tau > 0

    th = newton_ascent(np.zeros(q), direction, f_of)
    H = hess(th)
    cf = cho_factor(-H)
    g = grad(th)
    lam2 = float(np.dot(g, cho_solve(cf, g)))
    assert lam2 < 1e-24, (p, n, lam2)
    logdet = 2 * np.sum(np.log(np.diag(cf[0])))
    cov = cho_solve(cf, np.eye(q))
    return f_of(th) + 0.5 * q * math.log(2 * math.pi) - 0.5 * logdet, th, np.sqrt(np.diag(cov))


def cases():
    seed = 1
    # (n, q, fd): n from 20 to 1e5, q from 2 to 50; the FD-Hessian fits where
    # their O(q) gradient calls per Hessian stay cheap
    grid = [(20, 2, 1), (20, 5, 1), (50, 20, 1), (100, 50, 1), (200, 5, 1), (200, 20, 1), (1000, 50, 0), (2000, 10, 1),
            (100000, 5, 0)]
    for fam in ["logit", "probit", "poisson"]:
        for (n, q, fd) in grid:
            for scaled in [0, 1]:
                yield (fam, n, q, seed, scaled, 0, fd)
                seed += 1
        if fam != "poisson":  # near-separable binary data
            for (n, q) in [(20, 2), (50, 5), (200, 10), (1000, 20)]:
                for scaled in [0, 1]:
                    yield (fam, n, q, seed, scaled, 1, 1)
                    seed += 1
    for p in [2, 5, 10]:
        for n in [20, 500]:
            yield ("iw", n, p * (p + 1) // 2, seed, 0, 0, 1)
            seed += 1


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "laplace_stress_ref.txt")
    lines = ["# family n q seed scaled sep fd log_evidence mode[q] sd[q]  (tests/data/gen_laplace_stress.py)"]
    for (fam, n, q, seed, scaled, sep, fd) in cases():
        if fam == "iw":
            p = int(round((math.sqrt(8 * q + 1) - 1) / 2))
            B, nu0 = iw_data(p, n, seed)
            lz, m, sd = iw_fit(p, n, B, nu0)
        else:
            X, y, v = glm_data(fam, n, q, seed, scaled, sep)
            lz, m, sd = glm_fit(fam, X, y, v)
        vals = " ".join(repr(float(x)) for x in list(m) + list(sd))
        lines.append(f"{fam} {n} {q} {seed} {scaled} {sep} {fd} {lz!r} {vals}")
        print(lines[-1][:100])
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
