"""Conjugate models: Normal-Inverse-Wishart (and its Normal-Wishart view),
Bayesian linear regression under three priors, Matrix-Normal-Inverse-Wishart
regression.  Data may come in chunks: ``update`` accepts raw data or a
statistics object from ``stats``, and statistics ``merge`` exactly."""
import ctypes

import numpy as np

from . import _errors
from ._family import matt, mvn, mvt
from ._lib import _fn, as_array, check, gsl_matrix_p, gsl_vector_p, mat, vec

_I, _Z, _D, _P = ctypes.c_int, ctypes.c_size_t, ctypes.c_double, ctypes.c_void_p
_DP = ctypes.POINTER(ctypes.c_double)
_ZP = ctypes.POINTER(ctypes.c_size_t)
byref = ctypes.byref


class _Handle:
    _free = None

    def __del__(self):
        if getattr(self, "_ptr", None):
            type(self)._free(self._ptr)
            self._ptr = None


def _alloc(f, *args):
    p = f(*args)
    if not p:
        raise _errors.InvalidArgument(f"{f.__name__}: cannot allocate for dimensions {args}")
    return p


def _vec_arg(x, name, n):
    a = as_array(x, name, 1)
    if a.shape[0] != n:
        raise _errors.BadLength(f"{name}: expected length {n}, got {a.shape[0]}")
    return a


def _mat_arg(x, name, shape):
    a = as_array(x, name, 2)
    if shape is not None and a.shape != shape:
        raise _errors.BadLength(f"{name}: expected shape {shape}, got {a.shape}")
    return a


# ------------------------------------------------------------------ NIW / NW
class _niw:
    alloc = _fn("bm_niw_alloc", _P, _Z)
    free = _fn("bm_niw_free", None, _P)
    set_prior = _fn("bm_niw_set_prior", _I, _P, gsl_vector_p, _D, _D, gsl_matrix_p)
    set_prior_nw = _fn("bm_niw_set_prior_nw", _I, _P, gsl_vector_p, _D, _D, gsl_matrix_p)
    update = _fn("bm_niw_update", _I, _P, gsl_matrix_p)
    stats_alloc = _fn("bm_niw_stats_alloc", _P, _Z)
    stats_free = _fn("bm_niw_stats_free", None, _P)
    stats_compute = _fn("bm_niw_stats_compute", _I, _P, gsl_matrix_p)
    stats_merge = _fn("bm_niw_stats_merge", _I, _P, _P)
    stats_get = _fn("bm_niw_stats_get", _I, _P, _ZP, gsl_vector_p, gsl_matrix_p)
    update_stats = _fn("bm_niw_update_stats", _I, _P, _P)
    posterior = _fn("bm_niw_posterior", _I, _P, gsl_vector_p, _DP, _DP, gsl_matrix_p)
    posterior_nw = _fn("bm_niw_posterior_nw", _I, _P, gsl_vector_p, _DP, _DP, gsl_matrix_p)
    predictive_params = _fn("bm_niw_predictive_params", _I, _P, _DP, gsl_vector_p, gsl_matrix_p)
    log_evidence = _fn("bm_niw_log_evidence", _I, _P, _DP)


class NIWStats(_Handle):
    """Mergeable sufficient statistics of p-variate data (n, mean, scatter)."""
    _free = _niw.stats_free

    def __init__(self, p, X=None):
        self.p = p
        self._ptr = _alloc(_niw.stats_alloc, p)
        if X is not None:
            X = _mat_arg(X, "X", None)
            if X.shape[1] != p:
                raise _errors.BadLength(f"X: expected {p} columns, got {X.shape[1]}")
            check(_niw.stats_compute(self._ptr, byref(mat(X))), "NIWStats")

    def merge(self, other):
        """Add other's data to these statistics (exact); returns self."""
        check(_niw.stats_merge(self._ptr, other._ptr), "NIWStats.merge")
        return self

    def get(self):
        """(n, mean, scatter)."""
        n = ctypes.c_size_t()
        m, S = np.empty(self.p), np.empty((self.p, self.p))
        check(_niw.stats_get(self._ptr, byref(n), byref(vec(m)), byref(mat(S))), "NIWStats.get")
        return n.value, m, S


class NIW(_Handle):
    """x_i ~ N_p(mu, Sigma), mu | Sigma ~ N_p(mu0, Sigma/kappa0), Sigma ~ IW_p(nu0, Psi0)."""
    _free = _niw.free

    def __init__(self, mu0, kappa0, nu0, Psi0, _nw=False):
        mu0 = as_array(mu0, "mu0", 1)
        self.p = p = mu0.shape[0]
        P = _mat_arg(Psi0, "W0" if _nw else "Psi0", (p, p))
        self._ptr = _alloc(_niw.alloc, p)
        f = _niw.set_prior_nw if _nw else _niw.set_prior
        check(f(self._ptr, byref(vec(mu0)), kappa0, nu0, byref(mat(P))), "NIW prior")

    @classmethod
    def NW(cls, mu0, kappa0, nu0, W0):
        """The Normal-Wishart view: Lambda = Sigma^-1 ~ W_p(nu0, W0), mu | Lambda ~ N(mu0, (kappa0 Lambda)^-1)."""
        return cls(mu0, kappa0, nu0, W0, _nw=True)

    def stats(self, X):
        return NIWStats(self.p, X)

    def update(self, X):
        """Condition on data: an N x p array or an NIWStats; returns self."""
        if isinstance(X, NIWStats):
            check(_niw.update_stats(self._ptr, X._ptr), "NIW.update")
        else:
            X = _mat_arg(X, "X", None)
            if X.shape[1] != self.p:
                raise _errors.BadLength(f"X: expected {self.p} columns, got {X.shape[1]}")
            check(_niw.update(self._ptr, byref(mat(X))), "NIW.update")
        return self

    def _post(self, f):
        p = self.p
        mu, P = np.empty(p), np.empty((p, p))
        k, nu = ctypes.c_double(), ctypes.c_double()
        check(f(self._ptr, byref(vec(mu)), byref(k), byref(nu), byref(mat(P))), "NIW.posterior")
        return mu, k.value, nu.value, P

    @property
    def posterior(self):
        """{'mu', 'kappa', 'nu', 'Psi'} of the NIW posterior."""
        mu, k, nu, P = self._post(_niw.posterior)
        return {"mu": mu, "kappa": k, "nu": nu, "Psi": P}

    @property
    def posterior_nw(self):
        """{'mu', 'kappa', 'nu', 'W'} of the Normal-Wishart posterior."""
        mu, k, nu, W = self._post(_niw.posterior_nw)
        return {"mu": mu, "kappa": k, "nu": nu, "W": W}

    def predictive(self):
        """The posterior predictive of a new observation, a bayesmat.mvt."""
        p = self.p
        df, loc, S = ctypes.c_double(), np.empty(p), np.empty((p, p))
        check(_niw.predictive_params(self._ptr, byref(df), byref(vec(loc)), byref(mat(S))), "NIW.predictive")
        return mvt(df.value, loc, 0.5 * (S + S.T))

    def log_evidence(self):
        """log p(X) of all data seen."""
        v = ctypes.c_double()
        check(_niw.log_evidence(self._ptr, byref(v)), "NIW.log_evidence")
        return v.value


# ------------------------------------------------------------------ BLR
class _blr:
    alloc = _fn("bm_blr_alloc", _P, _Z)
    free = _fn("bm_blr_free", None, _P)
    nig = _fn("bm_blr_set_prior_nig", _I, _P, gsl_vector_p, gsl_matrix_p, _D, _D)
    known = _fn("bm_blr_set_prior_known_noise", _I, _P, gsl_vector_p, gsl_matrix_p, _D)
    improper = _fn("bm_blr_set_prior_improper", _I, _P)
    update = _fn("bm_blr_update", _I, _P, gsl_matrix_p, gsl_vector_p)
    update_w = _fn("bm_blr_update_weighted", _I, _P, gsl_matrix_p, gsl_vector_p, gsl_vector_p)
    stats_alloc = _fn("bm_blr_stats_alloc", _P, _Z)
    stats_free = _fn("bm_blr_stats_free", None, _P)
    stats_compute = _fn("bm_blr_stats_compute", _I, _P, gsl_matrix_p, gsl_vector_p, gsl_vector_p)
    stats_merge = _fn("bm_blr_stats_merge", _I, _P, _P)
    stats_count = _fn("bm_blr_stats_count", _I, _P, _ZP)
    update_stats = _fn("bm_blr_update_stats", _I, _P, _P)
    post_nig = _fn("bm_blr_posterior_nig", _I, _P, gsl_vector_p, gsl_matrix_p, _DP, _DP)
    post_gauss = _fn("bm_blr_posterior_gaussian", _I, _P, gsl_vector_p, gsl_matrix_p)
    post_t = _fn("bm_blr_posterior_beta_t", _I, _P, _DP, gsl_vector_p, gsl_matrix_p)
    predictive = _fn("bm_blr_predictive", _I, _P, gsl_vector_p, _DP, _DP, _DP)
    log_evidence = _fn("bm_blr_log_evidence", _I, _P, _DP)


class BLRStats(_Handle):
    """Mergeable statistics of (weighted) regression data."""
    _free = _blr.stats_free

    def __init__(self, k, X, y, w=None):
        self.k = k
        self._ptr = _alloc(_blr.stats_alloc, k)
        X, y, w, wv = _regression_args(k, X, y, w)
        check(_blr.stats_compute(self._ptr, byref(mat(X)), byref(vec(y)), wv), "BLRStats")

    def merge(self, other):
        check(_blr.stats_merge(self._ptr, other._ptr), "BLRStats.merge")
        return self

    @property
    def n(self):
        n = ctypes.c_size_t()
        check(_blr.stats_count(self._ptr, byref(n)), "BLRStats.n")
        return n.value


def _regression_args(k, X, y, w):
    X = _mat_arg(X, "X", None)
    if X.shape[1] != k:
        raise _errors.BadLength(f"X: expected {k} columns, got {X.shape[1]}")
    y = _vec_arg(y, "y", X.shape[0])
    if w is None:
        return X, y, None, None
    w = _vec_arg(w, "w", X.shape[0])
    return X, y, w, byref(vec(w))  # w returned too: the view must not outlive it


class BLR(_Handle):
    """y_i = x_i^T beta + eps_i, eps_i ~ N(0, sigma^2 / w_i).  Build with BLR.nig,
    BLR.known_noise or BLR.improper."""
    _free = _blr.free

    def __init__(self, k):
        self.k = k
        self._ptr = _alloc(_blr.alloc, k)

    @classmethod
    def nig(cls, m0, V0, a0, b0):
        """beta | sigma^2 ~ N(m0, sigma^2 V0), sigma^2 ~ InvGamma(a0, b0)."""
        m0 = as_array(m0, "m0", 1)
        self = cls(m0.shape[0])
        V0 = _mat_arg(V0, "V0", (self.k, self.k))
        check(_blr.nig(self._ptr, byref(vec(m0)), byref(mat(V0)), a0, b0), "BLR.nig")
        self.prior = "nig"
        return self

    @classmethod
    def known_noise(cls, m0, S0, noise_precision):
        """beta ~ N(m0, S0), sigma^2 = 1/noise_precision known."""
        m0 = as_array(m0, "m0", 1)
        self = cls(m0.shape[0])
        S0 = _mat_arg(S0, "S0", (self.k, self.k))
        check(_blr.known(self._ptr, byref(vec(m0)), byref(mat(S0)), noise_precision), "BLR.known_noise")
        self.prior = "known_noise"
        return self

    @classmethod
    def improper(cls, k):
        """p(beta, sigma^2) proportional to 1/sigma^2."""
        self = cls(k)
        check(_blr.improper(self._ptr), "BLR.improper")
        self.prior = "improper"
        return self

    def stats(self, X, y, w=None):
        return BLRStats(self.k, X, y, w)

    def update(self, X, y=None, w=None):
        """Condition on (X, y[, w]) or on a BLRStats; returns self."""
        if isinstance(X, BLRStats):
            check(_blr.update_stats(self._ptr, X._ptr), "BLR.update")
            return self
        if y is None:
            raise _errors.InvalidArgument("y: required with a design matrix X")
        X, y, w, wv = _regression_args(self.k, X, y, w)
        if wv is None:
            check(_blr.update(self._ptr, byref(mat(X)), byref(vec(y))), "BLR.update")
        else:
            check(_blr.update_w(self._ptr, byref(mat(X)), byref(vec(y)), wv), "BLR.update")
        return self

    @property
    def posterior(self):
        """known noise: {'m', 'S'} of N(m, S); NIG and improper: {'m', 'V', 'a', 'b'}."""
        k = self.k
        m, V = np.empty(k), np.empty((k, k))
        if self.prior == "known_noise":
            check(_blr.post_gauss(self._ptr, byref(vec(m)), byref(mat(V))), "BLR.posterior")
            return {"m": m, "S": V}
        a, b = ctypes.c_double(), ctypes.c_double()
        check(_blr.post_nig(self._ptr, byref(vec(m)), byref(mat(V)), byref(a), byref(b)), "BLR.posterior")
        return {"m": m, "V": V, "a": a.value, "b": b.value}

    def posterior_beta(self):
        """The marginal posterior of beta as a family object (mvn under known noise, else mvt)."""
        if self.prior == "known_noise":
            p = self.posterior
            return mvn(p["m"], 0.5 * (p["S"] + p["S"].T))
        k = self.k
        df, loc, S = ctypes.c_double(), np.empty(k), np.empty((k, k))
        check(_blr.post_t(self._ptr, byref(df), byref(vec(loc)), byref(mat(S))), "BLR.posterior_beta")
        return mvt(df.value, loc, 0.5 * (S + S.T))

    def predictive(self, x_new):
        """The predictive of y at x_new as a 1-dimensional family object (mvn under known noise, else mvt)."""
        x = _vec_arg(x_new, "x_new", self.k)
        df, loc, s2 = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        check(_blr.predictive(self._ptr, byref(vec(x)), byref(df), byref(loc), byref(s2)), "BLR.predictive")
        if np.isinf(df.value):
            return mvn([loc.value], [[s2.value]])
        return mvt(df.value, [loc.value], [[s2.value]])

    def log_evidence(self):
        v = ctypes.c_double()
        check(_blr.log_evidence(self._ptr, byref(v)), "BLR.log_evidence")
        return v.value


# ------------------------------------------------------------------ MNIW
class _mniw:
    alloc = _fn("bm_mniw_alloc", _P, _Z, _Z)
    free = _fn("bm_mniw_free", None, _P)
    set_prior = _fn("bm_mniw_set_prior", _I, _P, gsl_matrix_p, gsl_matrix_p, _D, gsl_matrix_p)
    update = _fn("bm_mniw_update", _I, _P, gsl_matrix_p, gsl_matrix_p)
    stats_alloc = _fn("bm_mniw_stats_alloc", _P, _Z, _Z)
    stats_free = _fn("bm_mniw_stats_free", None, _P)
    stats_compute = _fn("bm_mniw_stats_compute", _I, _P, gsl_matrix_p, gsl_matrix_p)
    stats_merge = _fn("bm_mniw_stats_merge", _I, _P, _P)
    update_stats = _fn("bm_mniw_update_stats", _I, _P, _P)
    posterior = _fn("bm_mniw_posterior", _I, _P, gsl_matrix_p, gsl_matrix_p, _DP, gsl_matrix_p)
    predictive_params = _fn("bm_mniw_predictive_params", _I, _P, gsl_matrix_p, _DP, gsl_matrix_p,
                            gsl_matrix_p, gsl_matrix_p)
    log_evidence = _fn("bm_mniw_log_evidence", _I, _P, _DP)


class MNIWStats(_Handle):
    _free = _mniw.stats_free

    def __init__(self, k, d, X, Y):
        self.k, self.d = k, d
        self._ptr = _alloc(_mniw.stats_alloc, k, d)
        X, Y = _mniw_args(k, d, X, Y)
        check(_mniw.stats_compute(self._ptr, byref(mat(X)), byref(mat(Y))), "MNIWStats")

    def merge(self, other):
        check(_mniw.stats_merge(self._ptr, other._ptr), "MNIWStats.merge")
        return self


def _mniw_args(k, d, X, Y):
    X = _mat_arg(X, "X", None)
    if X.shape[1] != k:
        raise _errors.BadLength(f"X: expected {k} columns, got {X.shape[1]}")
    Y = _mat_arg(Y, "Y", (X.shape[0], d))
    return X, Y


class MNIW(_Handle):
    """Y = X B + E, rows of E ~ N_d(0, Sigma), B | Sigma ~ MN_{k,d}(B0, V0, Sigma), Sigma ~ IW_d(nu0, Psi0)."""
    _free = _mniw.free

    def __init__(self, B0, V0, nu0, Psi0):
        B0 = _mat_arg(B0, "B0", None)
        self.k, self.d = k, d = B0.shape
        V0 = _mat_arg(V0, "V0", (k, k))
        Psi0 = _mat_arg(Psi0, "Psi0", (d, d))
        self._ptr = _alloc(_mniw.alloc, k, d)
        check(_mniw.set_prior(self._ptr, byref(mat(B0)), byref(mat(V0)), nu0, byref(mat(Psi0))), "MNIW prior")

    def stats(self, X, Y):
        return MNIWStats(self.k, self.d, X, Y)

    def update(self, X, Y=None):
        if isinstance(X, MNIWStats):
            check(_mniw.update_stats(self._ptr, X._ptr), "MNIW.update")
            return self
        if Y is None:
            raise _errors.InvalidArgument("Y: required with a design matrix X")
        X, Y = _mniw_args(self.k, self.d, X, Y)
        check(_mniw.update(self._ptr, byref(mat(X)), byref(mat(Y))), "MNIW.update")
        return self

    @property
    def posterior(self):
        """{'B', 'V', 'nu', 'Psi'} of the MNIW posterior."""
        k, d = self.k, self.d
        B, V, P, nu = np.empty((k, d)), np.empty((k, k)), np.empty((d, d)), ctypes.c_double()
        check(_mniw.posterior(self._ptr, byref(mat(B)), byref(mat(V)), byref(nu), byref(mat(P))), "MNIW.posterior")
        return {"B": B, "V": V, "nu": nu.value, "Psi": P}

    def predictive(self, X_new):
        """The predictive of the rows Y_new at the rows X_new (m x k): a bayesmat.matt."""
        X = _mat_arg(X_new, "X_new", None)
        if X.shape[1] != self.k:
            raise _errors.BadLength(f"X_new: expected {self.k} columns, got {X.shape[1]}")
        m, d = X.shape[0], self.d
        nu, M, S, O = ctypes.c_double(), np.empty((m, d)), np.empty((m, m)), np.empty((d, d))
        check(_mniw.predictive_params(self._ptr, byref(mat(X)), byref(nu), byref(mat(M)), byref(mat(S)),
                                      byref(mat(O))), "MNIW.predictive")
        return matt(nu.value, M, 0.5 * (S + S.T), 0.5 * (O + O.T))

    def log_evidence(self):
        v = ctypes.c_double()
        check(_mniw.log_evidence(self._ptr, byref(v)), "MNIW.log_evidence")
        return v.value
