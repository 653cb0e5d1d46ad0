import json

import numpy as np
import pytest

import bayesmat as bm


@pytest.fixture
def niw_data():
    r = np.random.default_rng(4)
    X = r.standard_normal((20, 2)) @ np.array([[1.0, 0.3], [0.0, 0.8]]) + [1.0, -1.0]
    return bm.NIW(np.zeros(2), 1.0, 5.0, np.eye(2)), X


def test_niw_own_posterior_passes(niw_data):
    m, X = niw_data
    ev0 = m.log_evidence()
    rep = bm.check_posterior(m, X, random_state=1)
    assert rep.passed and bool(rep) and rep.failed == [] and not rep.claimed, str(rep)
    assert [r.name for r in rep.rows] == ["proportional", "evidence_is", "evidence_identity", "sbc"]
    assert all(r.status == "pass" for r in rep.rows)
    assert rep.dim == 2 + 3 and rep["sbc"].value >= rep["sbc"].threshold
    # the evidence tested is the closed form of the model after X; the model itself is untouched
    assert rep.log_evidence == pytest.approx(bm.NIW(np.zeros(2), 1.0, 5.0, np.eye(2)).update(X).log_evidence(),
                                             rel=1e-12)
    assert m.log_evidence() == ev0
    assert len(rep.sbc_counts) == 10 and rep.sbc_counts.sum() == pytest.approx(rep.sbc_expected.sum())
    assert "PASS" in str(rep) and "evidence_identity" in str(rep)


def test_niw_claim_with_wrong_scale_fails_and_names_the_row(niw_data):
    m, X = niw_data
    post = bm.NIW(np.zeros(2), 1.0, 5.0, np.eye(2)).update(X).posterior
    rep = bm.check_posterior(m, X, claimed=post, random_state=1)  # the right claim, as a dict
    assert rep.passed and rep.claimed and rep["parameters"].value == 0 and rep["sbc"].status == "-", str(rep)
    bad = dict(post, Psi=1.1 * post["Psi"])
    rep = bm.check_posterior(m, X, claimed=bad, random_state=1)
    assert not rep.passed and rep.nfailed == 3
    assert rep.failed == ["parameters", "proportional", "evidence_identity"], str(rep)
    assert rep["parameters"].value == pytest.approx(0.1, rel=1e-9) and "Psi_n[0][0]" in rep["parameters"].note
    assert rep["evidence_is"].status == "pass"  # the closed form itself is right
    assert "3 failed: parameters proportional evidence_identity" in str(rep) and "FAIL" in str(rep)
    # a claimed model object works alike
    claim = bm.NIW(post["mu"], post["kappa"], post["nu"], 1.1 * post["Psi"])
    assert bm.check_posterior(m, X, claimed=claim, random_state=1).failed == rep.failed


def test_wrong_claimed_evidence_fails(niw_data):
    m, X = niw_data
    right = bm.NIW(np.zeros(2), 1.0, 5.0, np.eye(2)).update(X).log_evidence()
    rep = bm.check_posterior(m, X, claimed_log_evidence=right + 1.0, sbc=False, random_state=2)
    assert set(rep.failed) == {"evidence_is", "evidence_identity"}, str(rep)
    assert rep.log_evidence == right + 1.0 and rep["sbc"].status == "-"
    assert rep["evidence_is"].value > 50  # |z|: se of the estimate is ~0.01 here


def test_blr_nig_and_known_noise():
    r = np.random.default_rng(5)
    X = np.column_stack([np.ones(30), r.standard_normal(30)])
    y = X @ [0.5, -1.0] + 0.3 * r.standard_normal(30)
    m = bm.BLR.nig(np.zeros(2), 10 * np.eye(2), 2.0, 1.0)
    rep = bm.check_posterior(m, X, y, sbc_sims=100, random_state=3)
    assert rep.passed and rep.dim == 3 and "blr" in rep.model, str(rep)
    post = bm.BLR.nig(np.zeros(2), 10 * np.eye(2), 2.0, 1.0).update(X, y).posterior
    rep = bm.check_posterior(m, X, y, claimed=dict(post, b=2 * post["b"]), random_state=3)
    assert "parameters" in rep.failed and "proportional" in rep.failed and "b_n:" in rep["parameters"].note, str(rep)
    k = bm.BLR.known_noise(np.zeros(2), 4 * np.eye(2), 10.0)
    rep = bm.check_posterior(k, X, y, sbc=False, random_state=3)
    assert rep.passed and rep.dim == 2, str(rep)
    kp = bm.BLR.known_noise(np.zeros(2), 4 * np.eye(2), 10.0).update(X, y).posterior
    rep = bm.check_posterior(k, X, y, claimed=dict(kp, S=2 * kp["S"], noise_precision=10.0), random_state=3)
    assert not rep.passed and "parameters" in rep.failed, str(rep)


def test_mniw_own_and_wrong_claim():
    r = np.random.default_rng(6)
    X = r.standard_normal((25, 2))
    Y = X @ np.array([[1.0, 0.0], [0.5, -1.0]]) + 0.5 * r.standard_normal((25, 2))
    m = bm.MNIW(np.zeros((2, 2)), np.eye(2), 5.0, np.eye(2))
    rep = bm.check_posterior(m, X, Y, sbc_sims=100, random_state=7)
    assert rep.passed and rep.dim == 4 + 3, str(rep)
    post = bm.MNIW(np.zeros((2, 2)), np.eye(2), 5.0, np.eye(2)).update(X, Y).posterior
    rep = bm.check_posterior(m, X, Y, claimed=dict(post, V=0.5 * post["V"]), random_state=7)
    assert not rep.passed and rep["proportional"].status == "FAIL", str(rep)


def test_library_rendering(niw_data):
    m, X = niw_data
    rep = bm.check_posterior(m, X, sbc=False, random_state=1)
    txt = rep.to_text()
    assert "proportional" in txt and "all checks passed" in txt
    obj = json.loads(rep.to_text(json=True))
    assert obj["model"] == "niw" and [r["name"] for r in obj["rows"]] == [r.name for r in rep.rows]
    assert obj["log_evidence"] == pytest.approx(rep.log_evidence, rel=1e-15)


def test_bad_arguments(niw_data):
    m, X = niw_data
    with pytest.raises(bm.InvalidArgument):
        bm.check_posterior(bm.mvn(np.zeros(2), np.eye(2)), X)
    with pytest.raises(bm.InvalidArgument):
        bm.check_posterior(m, X, claimed=bm.BLR.improper(2))
    with pytest.raises(bm.InvalidArgument):
        bm.check_posterior(m, X, claimed={"mu": np.zeros(2)})
    with pytest.raises(bm.BadLength):
        bm.check_posterior(m, X[:, :1])
    with pytest.raises(bm.InvalidArgument):
        bm.check_posterior(bm.BLR.improper(2), X)  # no y
    with pytest.raises(bm.Error):
        bm.check_posterior(m, X, sbc_bins=1000)  # more bins than the library allows
