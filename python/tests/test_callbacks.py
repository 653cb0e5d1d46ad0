import numpy as np
import pytest
from scipy import stats

import bayesmat as bm


def test_laplace_gaussian_is_exact():
    r = np.random.default_rng(0)
    A = r.standard_normal((3, 3))
    S = A @ A.T + 3 * np.eye(3)
    Si, mu = np.linalg.inv(S), r.standard_normal(3)
    c = 1.7

    def logf(x):
        d = x - mu
        return c - 0.5 * d @ Si @ d

    res = bm.laplace(logf, lambda x: -Si @ (x - mu), np.zeros(3), hess=lambda x: -Si)
    assert np.allclose(res.mode, mu, rtol=1e-9)
    assert np.allclose(res.cov, S, rtol=1e-9)
    exact = c + 1.5 * np.log(2 * np.pi) + 0.5 * np.linalg.slogdet(S)[1]
    assert abs(res.log_evidence - exact) < 1e-10 * abs(exact)
    assert res.iterations >= 1
    # without a Hessian: finite differences of the gradient
    res2 = bm.laplace(logf, lambda x: -Si @ (x - mu), np.zeros(3))
    assert abs(res2.log_evidence - exact) < 1e-7 * abs(exact)


def test_laplace_gamma_posterior_vs_quadrature():
    # log f(t) = a t - b e^t (a Gamma in log scale): integral Gamma(a)/b^a
    from scipy.special import gammaln
    a, b = 30.0, 4.0
    res = bm.laplace(lambda t: a * t[0] - b * np.exp(t[0]), lambda t: np.array([a - b * np.exp(t[0])]), [0.0])
    assert abs(res.mode[0] - np.log(a / b)) < 1e-10
    assert abs(res.log_evidence - (gammaln(a) - a * np.log(b))) < 0.01


class Boom(Exception):
    pass


def test_callback_exception_propagates_unchanged():
    calls = []

    def logf(x):
        calls.append(1)
        if len(calls) > 1:
            raise Boom("from the callback")
        return -x @ x

    with pytest.raises(Boom, match="from the callback") as e:
        bm.laplace(logf, lambda x: -2 * x, np.ones(2) * 5)
    assert type(e.value) is Boom
    with pytest.raises(KeyError):
        bm.check_gradient(lambda x: {}["k"], np.ones(2), np.ones(2))


def test_laplace_errors_carry_messages():
    # a minimum, not a maximum
    with pytest.raises(bm.Error) as e:
        bm.laplace(lambda x: x @ x, lambda x: 2 * x, np.zeros(2), hess=lambda x: 2 * np.eye(2), max_iter=5)
    assert str(e.value).startswith("laplace: ")
    with pytest.raises(bm.NonFinite):
        bm.laplace(lambda x: -x @ x, lambda x: -2 * x, [np.nan])


def test_check_gradient_vector_and_matrix():
    r = np.random.default_rng(1)
    # d/dW ||t - W^T phi||^2 = -2 phi (t - W^T phi)^T
    W, phi, t = r.standard_normal((4, 2)), r.standard_normal(4), r.standard_normal(2)
    f = lambda W: np.sum((t - W.T @ phi) ** 2)  # noqa: E731
    good = -2 * np.outer(phi, t - W.T @ phi)
    res = bm.check_gradient(f, W, good)
    assert res.passed and res.worst_rel_err < 1e-7 and "vec X" in str(res)
    bad = bm.check_gradient(f, W, good.T.reshape(4, 2))
    assert not bad.passed and "layout" in bad.diagnosis
    assert not bm.check_gradient(f, W, -good).passed
    # vector
    assert bm.check_gradient(lambda x: np.sin(x).sum(), np.arange(3.0), np.cos(np.arange(3.0))).passed


def test_check_gradient_symmetric_and_mistakes():
    r = np.random.default_rng(2)
    A = r.standard_normal((3, 3))
    S = A @ A.T + 3 * np.eye(3)
    B = r.standard_normal((3, 3))  # not symmetric
    f = lambda S: np.trace(np.linalg.solve(S, B))  # noqa: E731  tr(S^-1 B)
    Si = np.linalg.inv(S)
    G = -(Si @ B @ Si).T  # d tr(S^-1 B)/dS without the symmetry constraint
    assert bm.check_gradient(f, S, G).passed  # its symmetric part is what counts
    Gs = (G + G.T) / 2
    assert bm.check_gradient(f, S, Gs).passed
    doubled = 2 * Gs - np.diag(np.diag(Gs))
    res = bm.check_gradient(f, S, doubled)
    assert not res.passed and "doubled off-diagonals" in res.diagnosis, str(res)
    res = bm.check_gradient(f, S, -G)
    assert not res.passed and res.diagnosis


def test_check_hessian_against_family_hess_x():
    r = np.random.default_rng(3)
    mu = r.standard_normal(3)
    A = r.standard_normal((3, 3))
    S = A @ A.T + np.eye(3)
    d = bm.mvn(mu, S)
    x = r.standard_normal(3)
    assert bm.check_hessian(d.logpdf, x, d.hess_x(x)).passed
    assert bm.check_hessian(d.logpdf, x, d.hess_x(x), grad=lambda x: -np.linalg.solve(S, x - mu)).passed
    assert not bm.check_hessian(d.logpdf, x, 2 * d.hess_x(x)).passed
    # a symmetric-matrix variate: Wishart's hess_x is in vech X
    w = bm.wishart(6.0, S)
    X = w.rvs(random_state=1)
    assert bm.check_hessian(w.logpdf, X, w.hess_x(X)).passed


def test_check_dist():
    if getattr(bm._lib.lib, "bm_check_dist", None) is None:
        with pytest.raises(bm.NotSupported):
            bm.check(bm.mvn([0.0], [[1.0]]))
        return
    r = np.random.default_rng(4)
    S = np.array([[2.0, 0.5], [0.5, 1.0]])
    for d in (bm.mvn(r.standard_normal(2), S), bm.mvt(6.0, np.zeros(2), S), bm.wishart(4.0, S),
              bm.invwishart(5.0, S), bm.matnorm(np.zeros((2, 2)), S, np.eye(2)),
              bm.matt(6.0, np.zeros((2, 2)), S, np.eye(2)), bm.matf(5.0, 6.0, S)):
        rep = bm.check(d, draws=4000, random_state=1)
        assert rep.passed, str(rep)
        assert rep.family == d._family and len(rep.rows) >= 5 and "PASS" in str(rep)
    # a threshold nothing meets: the Monte Carlo rows fail and the report says so
    rep = bm.check(bm.mvn([0.0, 0.0], S), draws=2000, z_tol=1e-9, random_state=2)
    assert not rep.passed and rep.nfailed >= 1 and "FAIL" in str(rep)


def test_laplace_stopping_record():
    calls = {"f": 0, "h": 0}

    def logf(x):
        calls["f"] += 1
        return -0.5 * x @ x

    def hess(x):
        calls["h"] += 1
        return -np.eye(2)

    res = bm.laplace(logf, lambda x: -x, np.array([3.0, -1.0]), hess=hess)
    if res.reason is None:
        pytest.skip("the loaded library keeps no run record")
    assert res.n_logf == calls["f"] and res.n_hess == calls["h"]
    assert res.grad_norm < 1e-12 and isinstance(res.reason, str) and res.reason
    with pytest.raises(bm.NoConvergence) as e:
        bm.laplace(lambda x: -np.cosh(x[0]) * 1e3, lambda x: np.array([-np.sinh(x[0]) * 1e3]), [30.0], max_iter=1)
    assert e.value.result.iterations == 1 and e.value.result.reason in str(e.value)
