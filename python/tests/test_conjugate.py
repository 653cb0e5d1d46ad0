import numpy as np
import pytest
from scipy import stats
from scipy.special import multigammaln

import bayesmat as bm


def spd(r, p):
    A = r.standard_normal((p, p))
    return A @ A.T + p * np.eye(p)


def niw_evidence(X, mu0, k0, nu0, Psi0):
    n, p = X.shape
    xb = X.mean(0)
    S = (X - xb).T @ (X - xb)
    kn, nun = k0 + n, nu0 + n
    Psin = Psi0 + S + k0 * n / kn * np.outer(xb - mu0, xb - mu0)
    return (-n * p / 2 * np.log(np.pi) + multigammaln(nun / 2, p) - multigammaln(nu0 / 2, p)
            + nu0 / 2 * np.linalg.slogdet(Psi0)[1] - nun / 2 * np.linalg.slogdet(Psin)[1] + p / 2 * np.log(k0 / kn))


def test_niw_posterior_evidence_predictive_chunks():
    r = np.random.default_rng(1)
    p, n = 3, 40
    mu0, k0, nu0, Psi0 = r.standard_normal(p), 0.7, p + 2.5, spd(r, p)
    X = r.standard_normal((n, p)) * 2 + 1
    m = bm.NIW(mu0, k0, nu0, Psi0).update(X)
    assert abs(m.log_evidence() - niw_evidence(X, mu0, k0, nu0, Psi0)) < 1e-10 * n
    post = m.posterior
    assert post["kappa"] == k0 + n and post["nu"] == nu0 + n
    assert np.allclose(post["mu"], (k0 * mu0 + X.sum(0)) / (k0 + n), rtol=1e-13)
    # chain rule: log p(X) = sum_i log p(x_i | x_<i) through the predictive (an mvt object)
    seq = bm.NIW(mu0, k0, nu0, Psi0)
    total = 0.0
    for x in X:
        pred = seq.predictive()
        assert isinstance(pred, bm.mvt)
        total += pred.logpdf(x)
        seq.update(x[None, :])
    assert abs(total - m.log_evidence()) < 1e-9 * abs(total)
    # chunks through mergeable statistics: the same posterior
    s = m.stats(X[:15]).merge(m.stats(X[15:]))
    assert s.get()[0] == n
    m2 = bm.NIW(mu0, k0, nu0, Psi0).update(s)
    assert abs(m2.log_evidence() - m.log_evidence()) < 1e-11 * abs(m.log_evidence())
    # the Normal-Wishart view is the same model
    nw = bm.NIW.NW(mu0, k0, nu0, np.linalg.inv(Psi0)).update(X)
    assert abs(nw.log_evidence() - m.log_evidence()) < 1e-10 * abs(m.log_evidence())
    assert np.allclose(nw.posterior_nw["W"], np.linalg.inv(post["Psi"]), rtol=1e-10)


def test_blr_three_priors():
    r = np.random.default_rng(2)
    n, k = 30, 3
    X = r.standard_normal((n, k))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * r.standard_normal(n)
    # known noise: evidence is a Gaussian density of y
    m0, S0, lam = np.zeros(k), 2.0 * np.eye(k), 10.0
    kn = bm.BLR.known_noise(m0, S0, lam).update(X, y)
    ref = stats.multivariate_normal(X @ m0, np.eye(n) / lam + X @ S0 @ X.T).logpdf(y)
    assert abs(kn.log_evidence() - ref) < 1e-10 * abs(ref)
    assert isinstance(kn.predictive(X[0]), bm.mvn)
    # NIG: evidence by the chain rule through the predictive
    nig = bm.BLR.nig(m0, np.eye(k), 2.0, 1.0)
    seq = bm.BLR.nig(m0, np.eye(k), 2.0, 1.0)
    total = 0.0
    for i in range(n):
        total += seq.predictive(X[i]).logpdf([y[i]])
        seq.update(X[i:i + 1], y[i:i + 1])
    nig.update(nig.stats(X[:10], y[:10]).merge(nig.stats(X[10:], y[10:])))
    assert abs(nig.log_evidence() - total) < 1e-9 * abs(total)
    # improper: the posterior mean is least squares; no evidence
    imp = bm.BLR.improper(k).update(X, y)
    assert np.allclose(imp.posterior["m"], np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)
    assert imp.posterior_beta().params()["df"] == n - k
    with pytest.raises(bm.DomainError):
        imp.log_evidence()


def test_mniw_chain_rule_and_predictive():
    r = np.random.default_rng(3)
    n, k, d = 12, 2, 2
    X, Y = r.standard_normal((n, k)), r.standard_normal((n, d))
    args = (np.zeros((k, d)), np.eye(k), d + 2.0, np.eye(d))
    m = bm.MNIW(*args).update(m_stats := bm.MNIW(*args).stats(X[:5], Y[:5]))
    m.update(X[5:], Y[5:])
    seq = bm.MNIW(*args)
    total = 0.0
    for i in range(n):
        pred = seq.predictive(X[i:i + 1])
        assert isinstance(pred, bm.matt)
        total += pred.logpdf(Y[i:i + 1])
        seq.update(X[i:i + 1], Y[i:i + 1])
    assert abs(m.log_evidence() - total) < 1e-9 * abs(total)
    assert m.posterior["nu"] == d + 2.0 + n
    with pytest.raises(bm.BadLength, match="Y"):
        m.update(X, Y[:, :1])
    del m_stats


def test_blr_weights_equal_repeated_rows():
    # weight 2 on a row is the same likelihood as the row twice (evidence differs by the
    # weights' normalizing term only through sum log w; the posterior is identical)
    r = np.random.default_rng(5)
    X, y = r.standard_normal((8, 2)), r.standard_normal(8)
    w = [2, 1, 1, 1, 1, 1, 1, 1]  # a list of ints: converted, and must stay alive during the call
    a = bm.BLR.nig(np.zeros(2), np.eye(2), 2.0, 1.0).update(X, y, w)
    b = bm.BLR.nig(np.zeros(2), np.eye(2), 2.0, 1.0).update(np.vstack([X, X[:1]]), np.append(y, y[0]))
    pa, pb = a.posterior, b.posterior
    assert np.allclose(pa["m"], pb["m"], rtol=1e-12) and np.allclose(pa["V"], pb["V"], rtol=1e-12)
    assert abs(pa["b"] - pb["b"]) < 1e-12 * pb["b"]
