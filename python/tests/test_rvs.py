"""rvs draws all its variates in one C call (bm_dist_sample_n).  The reference
is the per-draw loop rvs used before: one bm_dist_sample per draw on the same
generator, each into its own (aligned) buffer; the batch must equal it bit for
bit, and keep scipy's output shapes."""
import ctypes

import numpy as np
import pytest

import bayesmat as bm
from bayesmat._lib import Rng, check, dist_sample, mat


def spd(r, p):
    A = r.standard_normal((p, p))
    return A @ A.T + p * np.eye(p)


def make(r, p):
    # p odd: a row of a (N, p) array is then not always 16-byte aligned, where
    # a draw into it once rounded differently (mvn, mvt: BLAS dtrmv)
    n = 2
    return [bm.mvn(r.standard_normal(p), spd(r, p)),
            bm.mvt(4.5, r.standard_normal(p), spd(r, p)),
            bm.wishart(p + 1.5, spd(r, p)),
            bm.invwishart(p + 2.5, spd(r, p)),
            bm.matnorm(r.standard_normal((n, p)), spd(r, n), spd(r, p)),
            bm.matt(3.5, r.standard_normal((n, p)), spd(r, n), spd(r, p)),
            bm.matf(p + 1.0, 3.5, spd(r, p))]


def per_draw(d, N, seed):
    rng = Rng(seed)
    rows, cols = d.shape
    out = []
    for _ in range(N):
        x = np.empty((rows, cols))
        check(dist_sample(d._ptr, rng.ptr, ctypes.byref(mat(x))), "bm_dist_sample")
        out.append(x[0] if rows == 1 and type(d).__name__ in ("mvn", "mvt") else x)
    return np.array(out)


@pytest.mark.parametrize("k", range(7))
def test_batch_equals_per_draw_loop(k):
    for p in (5, 4):
        d = make(np.random.default_rng(40 + k), p)[k]
        X = d.rvs(60, random_state=12)
        ref = per_draw(d, 60, 12)
        assert X.shape == ref.shape and X.dtype == np.float64 and X.flags.c_contiguous
        assert X.tobytes() == ref.tobytes()  # bit for bit, signed zeros included
        # a single draw is the batch's first, whatever the size's shape
        one = d.rvs(random_state=12)
        assert one.tobytes() == X[0].tobytes()
        assert d.rvs((3, 4), random_state=12).reshape(X[:12].shape).tobytes() == X[:12].tobytes()


def test_shapes():
    r = np.random.default_rng(1)
    p = 3
    cases = [(bm.mvn(np.zeros(p), np.eye(p)), (p,)), (bm.wishart(p + 1.0, np.eye(p)), (p, p)),
             (bm.matnorm(np.zeros((2, p)), np.eye(2), np.eye(p)), (2, p))]
    for d, xs in cases:
        assert d.rvs(random_state=r).shape == xs
        assert d.rvs(1, random_state=r).shape == (1,) + xs
        assert d.rvs(7, random_state=r).shape == (7,) + xs
        assert d.rvs((2, 3), random_state=r).shape == (2, 3) + xs
        assert d.rvs(0, random_state=r).shape == (0,) + xs
        assert d.rvs((4, 0), random_state=r).shape == (4, 0) + xs


def test_failing_draw_raises():
    # df = 1e-3: the chi-square variate underflows and a draw overflows (BM_EDOM)
    d = bm.mvt(1e-3, np.zeros(2), np.eye(2))
    with pytest.raises(bm.DomainError, match="rvs"):
        d.rvs(200, random_state=3)
