import numpy as np
import pytest
from scipy import stats

import bayesmat as bm


def spd(rng, p, cond=10.0):
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    return (Q * np.exp(rng.uniform(0, np.log(cond), p))) @ Q.T


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


SEEDS = range(5)


@pytest.mark.parametrize("seed", SEEDS)
def test_mvn_vs_scipy(seed):
    r = np.random.default_rng(seed)
    p = int(r.integers(1, 7))
    mu, S = r.standard_normal(p), spd(r, p)
    X = r.standard_normal((7, 3, p))
    assert rel(bm.mvn(mu, S).logpdf(X), stats.multivariate_normal(mu, S).logpdf(X)) < 1e-12
    assert isinstance(bm.mvn(mu, S).logpdf(X[0, 0]), float)


@pytest.mark.parametrize("seed", SEEDS)
def test_mvt_vs_scipy(seed):
    r = np.random.default_rng(seed)
    p = int(r.integers(1, 7))
    mu, S, df = r.standard_normal(p), spd(r, p), r.uniform(0.5, 20)
    X = r.standard_normal((11, p))
    assert rel(bm.mvt(df, mu, S).logpdf(X), stats.multivariate_t(mu, S, df=df).logpdf(X)) < 1e-12


@pytest.mark.parametrize("seed", SEEDS)
def test_wishart_invwishart_vs_scipy(seed):
    r = np.random.default_rng(seed)
    p = int(r.integers(1, 6))
    S, df = spd(r, p), p - 1 + r.uniform(0.5, 10)
    X = np.stack([spd(r, p) for _ in range(6)])
    assert rel(bm.wishart(df, S).logpdf(X), stats.wishart(df, S).logpdf(X.transpose(1, 2, 0))) < 1e-12
    assert rel(bm.invwishart(df, S).logpdf(X), stats.invwishart(df, S).logpdf(X.transpose(1, 2, 0))) < 1e-12


@pytest.mark.parametrize("seed", SEEDS)
def test_matnorm_vs_scipy(seed):
    r = np.random.default_rng(seed)
    n, p = int(r.integers(1, 5)), int(r.integers(1, 5))
    M, U, V = r.standard_normal((n, p)), spd(r, n), spd(r, p)
    X = r.standard_normal((2, 3, n, p))
    assert rel(bm.matnorm(M, U, V).logpdf(X), stats.matrix_normal(M, U, V).logpdf(X)) < 1e-12


def test_outside_support_is_minus_inf():
    w = bm.wishart(4.0, np.eye(2))
    X = np.stack([np.eye(2), -np.eye(2), 2 * np.eye(2)])
    lp = w.logpdf(X)
    assert lp[1] == -np.inf and np.isfinite(lp[[0, 2]]).all()
    assert lp[0] == w.logpdf(X[0])


def make_all(r):
    p, n = 3, 2
    return [bm.mvn(r.standard_normal(p), spd(r, p)),
            bm.mvt(r.uniform(3, 9), r.standard_normal(p), spd(r, p)),
            bm.wishart(p + r.uniform(1, 5), spd(r, p)),
            bm.invwishart(p + r.uniform(2, 5), spd(r, p)),
            bm.matnorm(r.standard_normal((n, p)), spd(r, n), spd(r, p)),
            bm.matt(r.uniform(3, 9), r.standard_normal((n, p)), spd(r, n), spd(r, p)),
            bm.matf(p + r.uniform(1, 5), p + r.uniform(3, 6), spd(r, p))]


@pytest.mark.parametrize("k", range(7))
def test_score_hess_vs_numerical(k):
    r = np.random.default_rng(100 + k)
    d = make_all(r)[k]
    x = d.rvs(random_state=r)
    t = d.theta
    cls = type(d)

    def lp(th):
        return cls.from_theta(th, d.shape).logpdf(x)

    def sc(th):
        return cls.from_theta(th, d.shape).score(x)

    g = np.empty_like(t)
    H = np.empty((t.size, t.size))
    for i in range(t.size):
        h = 1e-5 * max(1.0, abs(t[i]))
        e = np.zeros_like(t)
        e[i] = h
        g[i] = (lp(t + e) - lp(t - e)) / (2 * h)
        H[:, i] = (sc(t + e) - sc(t - e)) / (2 * h)
    s = d.score(x)
    assert np.allclose(s, g, rtol=1e-6, atol=1e-6 * np.max(np.abs(g)))
    assert np.allclose(d.hess(x), H, rtol=1e-5, atol=1e-5 * np.max(np.abs(H)))
    # grad: the same numbers by name; symmetric blocks halve the off-diagonal vech entries
    G = d.grad(x)
    back = np.concatenate([np.atleast_1d(G[name]).T.reshape(-1) if np.ndim(G[name]) == 2 and
                           name not in ("cov", "shape", "scale", "U", "V", "Sigma", "Omega", "Psi")
                           else np.atleast_1d(G[name]) if np.ndim(G[name]) < 2
                           else bm.vech(2 * G[name] - np.diag(np.diag(G[name])))
                           for name, _ in d.blocks])
    assert np.allclose(back, s, rtol=1e-14, atol=0)


@pytest.mark.parametrize("k", [0, 2, 4])
def test_hess_x_vs_numerical(k):
    r = np.random.default_rng(200 + k)
    d = make_all(r)[k]
    x = d.rvs(random_state=r)
    Hx = d.hess_x(x)
    # compare a quadratic form against second differences of logpdf along a direction
    v = r.standard_normal(x.shape)
    if k == 2:
        v = v + v.T
        q = bm.vech(v)
    elif k == 4:
        q = v.T.reshape(-1)
    else:
        q = v
    h = 1e-4
    num = (d.logpdf(x + h * v) - 2 * d.logpdf(x) + d.logpdf(x - h * v)) / h**2
    assert abs(q @ Hx @ q - num) < 1e-5 * max(1, abs(num))


@pytest.mark.parametrize("k", range(7))
def test_fisher_vs_monte_carlo(k):
    r = np.random.default_rng(300 + k)
    d = make_all(r)[k]
    F = d.fisher()
    N = 4000
    X = d.rvs(N, random_state=r)
    S = np.array([d.score(x) for x in X])
    outer = S[:, :, None] * S[:, None, :]
    est, se = outer.mean(0), outer.std(0) / np.sqrt(N)
    z = (est - F) / np.maximum(se, 1e-12)
    # the score has mean zero too
    zs = S.mean(0) / (S.std(0) / np.sqrt(N))
    assert np.max(np.abs(z)) < 5.5, np.max(np.abs(z))
    assert np.max(np.abs(zs)) < 5.5


def test_mean_theta_roundtrip_jeffreys():
    r = np.random.default_rng(7)
    for d in make_all(r):
        t = d.theta
        d2 = type(d).from_theta(t, d.shape)
        assert np.allclose(d2.theta, t, rtol=1e-13)
        m = d.mean()
        X = d.rvs(20000, random_state=1)
        assert np.allclose(X.mean(0), m, atol=6 * X.std(0).max() / np.sqrt(20000) + 1e-12) or \
            type(d).__name__ in ("matf", "invwishart", "mvt", "matt")  # heavy tails: only check it exists
        F = d.fisher()
        if type(d).__name__ in ("matnorm", "matt"):  # (cU, V/c) is the same law: F is singular
            with pytest.raises(bm.Singular):
                d.jeffreys()
            continue
        assert abs(d.jeffreys() - 0.5 * np.linalg.slogdet(F)[1]) < 1e-9 * max(1, abs(d.jeffreys()))
        name, sl = d.blocks[0]
        Fb = F[sl, sl]
        assert abs(d.jeffreys(name) - 0.5 * np.linalg.slogdet(Fb)[1]) < 1e-9 * max(1, abs(d.jeffreys(name)))


def test_mvn_grad_closed_form():
    # d/dSigma of log N(x; mu, Sigma) = 1/2 (S^-1 r r^T S^-1 - S^-1) as a symmetric gradient
    r = np.random.default_rng(11)
    mu, S, x = r.standard_normal(3), spd(r, 3), r.standard_normal(3)
    Si = np.linalg.inv(S)
    z = Si @ (x - mu)
    G = bm.mvn(mu, S).grad(x)
    assert np.allclose(G["mean"], z, rtol=1e-12)
    assert np.allclose(G["cov"], 0.5 * (np.outer(z, z) - Si), rtol=1e-10)


def test_errors():
    with pytest.raises(bm.NotPositiveDefinite) as e:
        bm.mvn([0, 0], [[1, 2], [2, 1]])
    assert "positive definite" in str(e.value) and e.value.status == 4
    if getattr(bm._lib.lib, "bm_last_error", None) is not None:  # the C library's own message
        assert "Sigma" in str(e.value), str(e.value)
    with pytest.raises(bm.NotSymmetric, match="cov"):
        bm.mvn([0, 0], [[1, 0.5], [0, 1]])
    with pytest.raises(bm.BadLength, match="cov"):
        bm.mvn([0, 0], np.eye(3))
    with pytest.raises(bm.DomainError) as e:
        bm.wishart(0.5, np.eye(3))
    assert e.value.status == 5 and str(e.value)
    with pytest.raises(bm.DtypeError, match="mean"):
        bm.mvn(["a", "b"], np.eye(2))
    d = bm.mvn([0, 0], np.eye(2))
    with pytest.raises(bm.BadLength, match="x"):
        d.logpdf(np.zeros(3))
    with pytest.raises(bm.NonFinite):
        d.logpdf([np.nan, 0])
    with pytest.raises(bm.DomainError):
        bm.mvt(1.0, [0, 0], np.eye(2)).mean()
    with pytest.raises(bm.InvalidArgument, match="nope"):
        d.jeffreys("nope")
    assert issubclass(bm.NotPositiveDefinite, bm.Error) and issubclass(bm.BadLength, ValueError)


def test_fast_path_equals_batched_and_threads():
    from concurrent.futures import ThreadPoolExecutor
    r = np.random.default_rng(12)
    for d in make_all(r):
        X = d.rvs(64, random_state=r)
        batched = d.logpdf(X)
        one = np.array([d.logpdf(x) for x in X])
        # the batched C path may order its sums differently from one logpdf
        assert np.allclose(one, batched, rtol=1e-13, atol=0)
        with ThreadPoolExecutor(4) as ex:
            got = np.array(list(ex.map(d.logpdf, X)))
        assert np.array_equal(got, one)
