"""The seven families, one class each, generic over the C family descriptor.

Parameters go into the C object as the descriptor's theta (bm_dist_set_theta):
general matrices as vec (columns stacked), symmetric ones as vech (the columns
of the lower triangle), scalars last.  ``theta``, ``score``, ``hess`` and
``fisher`` use that layout.  ``grad`` unpacks the score by the descriptor's
named blocks into arrays shaped like the parameters: for a symmetric block
it returns the symmetric matrix G with d log f = tr(G dS) = sum_ij G_ij dS_ij
over symmetric perturbations dS (so G_ii is the vech score entry and
G_ij = G_ji is half of it); see docs/python.md.
"""
import ctypes
import math
import threading

import numpy as np

from . import _errors
from ._lib import (Rng, as_array, check, dist_alloc, dist_fisher, dist_free, dist_get_theta, dist_hess,
                   dist_hess_x, dist_jeffreys, dist_logpdf, dist_loglik, dist_mean, dist_nparams, dist_sample_n,
                   dist_score, dist_set_theta, family_find, lib, mat, vec)

_raw_logpdf = lib["bm_dist_logpdf"]  # a separate function object without argtypes: the fast path passes prepared refs
_raw_logpdf.restype = ctypes.c_int

VECTOR, MATRIX, SPD = 1, 2, 3
SCALAR, VEC, VECH = 1, 2, 3
_DIM_ONE, _DIM_ROWS, _DIM_COLS = 1, 2, 3
_SYM_RTOL = 1e-8


def vech(S):
    """vech of a symmetric matrix: the columns of its lower triangle, stacked."""
    S = np.asarray(S, dtype=float)
    return S[np.triu_indices(S.shape[0])]  # upper by rows == lower by columns


def unvech(v, p):
    S = np.empty((p, p))
    iu = np.triu_indices(p)
    S[iu] = v
    S.T[iu] = v
    return S


class Dist:
    """Base of the family classes.  Subclasses set ``_family`` and ``_names``
    (constructor argument name -> descriptor block name)."""

    _family = None
    _names = {}

    # -------------------------------------------------------------- set-up
    def _setup(self, rows, cols, values):
        T = family_find(self._family.encode())
        if not T:
            raise _errors.NotSupported(f"{self._family}: not a family of the loaded library")
        self._T = T
        self.shape = (rows, cols)
        self._kind = T.contents.variate
        self._blocks = []
        off = 0
        for i in range(T.contents.nblocks):
            b = T.contents.blocks[i]
            r = 1 if b.rows == _DIM_ONE else rows if b.rows == _DIM_ROWS else cols
            c = 1 if b.cols == _DIM_ONE else rows if b.cols == _DIM_ROWS else cols
            n = 1 if b.kind == SCALAR else r * c if b.kind == VEC else r * (r + 1) // 2
            self._blocks.append((b.name.decode(), b.kind, r, c, off, n))
            off += n
        self._xshape = (cols,) if self._kind == VECTOR else (rows, cols)
        self._tls = threading.local()
        self._ptr = dist_alloc(T, rows, cols)
        self._vp = ctypes.c_void_p(self._ptr)
        if not self._ptr:
            raise _errors.InvalidArgument(f"{self._family}: cannot allocate a {rows} x {cols} variate")
        m = dist_nparams(self._ptr)
        if m != off:
            raise _errors.Error(f"{self._family}: descriptor blocks add up to {off}, nparams is {m}")
        self._m = m
        if values is not None:
            self._set_theta(self._pack(values))

    def __del__(self):
        if getattr(self, "_ptr", None):
            dist_free(self._ptr)
            self._ptr = None

    def _pyname(self, block):
        for k, v in self._names.items():
            if v == block:
                return k
        return block

    def _pack(self, values):
        theta = np.empty(self._m)
        for name, kind, r, c, off, n in self._blocks:
            py = self._pyname(name)
            a = as_array(values[name], py)
            if kind == SCALAR:
                if a.size != 1:
                    raise _errors.BadLength(f"{py}: expected a scalar, got shape {a.shape}")
                theta[off] = a.reshape(())
            elif kind == VEC:
                want = (c,) if self._kind == VECTOR else (r, c)
                if a.shape != want:
                    raise _errors.BadLength(f"{py}: expected shape {want}, got {a.shape}")
                theta[off:off + n] = a.T.reshape(-1) if a.ndim == 2 else a
            else:
                if a.shape != (r, r):
                    raise _errors.BadLength(f"{py}: expected shape {(r, r)}, got {a.shape}")
                if not np.all(np.isfinite(a)):
                    raise _errors.NonFinite(f"{py}: contains NaN or Inf")
                scale = np.max(np.abs(a)) if a.size else 0.0
                if np.max(np.abs(a - a.T), initial=0.0) > _SYM_RTOL * scale:
                    raise _errors.NotSymmetric(f"{py}: not symmetric")
                theta[off:off + n] = vech(a)
        return theta

    def _set_theta(self, theta):
        theta = as_array(theta, "theta", 1)
        if theta.shape[0] != self._m:
            raise _errors.BadLength(f"theta: expected length {self._m}, got {theta.shape[0]}")
        check(dist_set_theta(self._ptr, ctypes.byref(vec(theta))), f"{self._family}: parameters")

    # -------------------------------------------------------------- theta
    @property
    def theta(self):
        """The parameter vector in the descriptor's order (vec, vech, scalars last)."""
        t = np.empty(self._m)
        check(dist_get_theta(self._ptr, ctypes.byref(vec(t))), f"{self._family}.theta")
        return t

    @property
    def blocks(self):
        """[(name, slice of theta)] of the descriptor's named blocks, keyed by the constructor's names."""
        return [(self._pyname(b[0]), slice(b[4], b[4] + b[5])) for b in self._blocks]

    @classmethod
    def from_theta(cls, theta, shape=None):
        """A new distribution from its theta; ``shape`` (rows, cols) of the
        variate is needed for matnorm and matt, inferred otherwise."""
        theta = as_array(theta, "theta", 1)
        if shape is None:
            shape = cls._shape_from_theta(theta.shape[0])
        self = cls.__new__(cls)
        self._setup(shape[0], shape[1], None)
        self._set_theta(theta)
        return self

    @classmethod
    def _shape_from_theta(cls, m):
        raise _errors.InvalidArgument(f"{cls.__name__}.from_theta: give shape=(rows, cols)")

    def unpack(self, v):
        """A theta-layout vector (e.g. a score) as {name: array shaped like the parameter};
        symmetric blocks as the symmetric gradient (off-diagonal vech entries halved)."""
        v = np.asarray(v, dtype=float)
        out = {}
        for name, kind, r, c, off, n in self._blocks:
            py = self._pyname(name)
            s = v[off:off + n]
            if kind == SCALAR:
                out[py] = float(s[0])
            elif kind == VEC:
                out[py] = s.copy() if self._kind == VECTOR else s.reshape(c, r).T.copy()
            else:
                G = unvech(s, r) * 0.5
                G[np.diag_indices(r)] *= 2.0
                out[py] = G
        return out

    def params(self):
        """The parameters as {constructor name: value}, read back from the C object."""
        t = self.theta
        out = {}
        for name, kind, r, c, off, n in self._blocks:
            s = t[off:off + n]
            py = self._pyname(name)
            out[py] = (float(s[0]) if kind == SCALAR else s.copy() if kind == VEC and self._kind == VECTOR
                       else s.reshape(c, r).T.copy() if kind == VEC else unvech(s, r))
        return out

    # -------------------------------------------------------------- variates
    def _one(self, x, name="x"):
        a = as_array(x, name)
        rows, cols = self.shape
        if self._kind == VECTOR:
            if a.shape != (cols,):
                raise _errors.BadLength(f"{name}: expected shape {(cols,)}, got {a.shape}")
            return a.reshape(1, cols)
        if a.shape != (rows, cols):
            raise _errors.BadLength(f"{name}: expected shape {(rows, cols)}, got {a.shape}")
        return a

    def _scratch(self):
        # per-thread copy buffer for one variate, so that concurrent Python threads
        # (ctypes releases the GIL) never share it
        rows, cols = self.shape
        buf = np.empty((rows, cols))
        lp = ctypes.c_double()
        s = (buf.reshape(self._xshape), ctypes.byref(mat(buf)), ctypes.byref(lp), lp, buf)
        self._tls.s = s
        return s

    def logpdf(self, x):
        """log f(x), vectorized over leading axes: x of shape (..., p) for mvn/mvt,
        (..., rows, cols) otherwise.  -inf outside the support."""
        if type(x) is np.ndarray and x.shape == self._xshape and x.dtype == np.float64:
            # one variate: the fast path (a copy into a fixed buffer, one C call)
            try:
                s = self._tls.s
            except AttributeError:
                s = self._scratch()
            s[0][...] = x
            if _raw_logpdf(self._vp, s[1], s[2]) == 0:
                return s[3].value
        a = as_array(x, "x")
        rows, cols = self.shape
        k = 1 if self._kind == VECTOR else 2
        tail = (cols,) if k == 1 else (rows, cols)
        if a.shape[a.ndim - k:] != tail or a.ndim < k:
            raise _errors.BadLength(f"x: expected shape (..., {', '.join(map(str, tail))}), got {a.shape}")
        lead = a.shape[:a.ndim - k]
        N = math.prod(lead)
        if self._kind == MATRIX:
            X = np.ascontiguousarray(a.reshape(N, rows, cols).transpose(0, 2, 1)).reshape(N, rows * cols)
        else:  # a vector, or a symmetric matrix whose row-major order is its vec
            X = a.reshape(N, rows * cols)
        each = np.empty(N)
        ll = ctypes.c_double()
        if N:
            st = dist_loglik(self._ptr, ctypes.byref(mat(X)), ctypes.byref(ll), ctypes.byref(vec(each)))
            if st == 5:  # some observation outside the support: -inf for those, the others exactly
                flat = a.reshape((N,) + tail)
                for i in range(N):
                    xi = flat[i].reshape(1, cols) if k == 1 else flat[i]
                    s = dist_logpdf(self._ptr, ctypes.byref(mat(xi)), ctypes.byref(ll))
                    if s not in (0, 5):
                        check(s, f"{self._family}.logpdf")
                    each[i] = ll.value if s == 0 else -np.inf
            else:
                check(st, f"{self._family}.logpdf")
        return each.reshape(lead) if lead else float(each[0])

    def pdf(self, x):
        return np.exp(self.logpdf(x))

    def loglik(self, X):
        """Sum of logpdf over the leading axes of X."""
        return float(np.sum(self.logpdf(X)))

    def score(self, x):
        """d log f / d theta at one x (theta layout)."""
        xm = self._one(x)
        s = np.empty(self._m)
        check(dist_score(self._ptr, ctypes.byref(mat(xm)), ctypes.byref(vec(s))), f"{self._family}.score")
        return s

    def grad(self, x):
        """The score by parameter name, each shaped like its parameter (see ``unpack``)."""
        return self.unpack(self.score(x))

    def hess(self, x):
        """d^2 log f / d theta d theta^T at one x (m x m, theta layout)."""
        xm = self._one(x)
        H = np.empty((self._m, self._m))
        check(dist_hess(self._ptr, ctypes.byref(mat(xm)), ctypes.byref(mat(H))), f"{self._family}.hess")
        return H

    def hess_x(self, x):
        """Hessian of log f in the variate: p x p (vector); np x np in vec X (general
        matrix); q x q in vech X, q = p(p+1)/2 (symmetric matrix)."""
        xm = self._one(x)
        rows, cols = self.shape
        q = cols if self._kind == VECTOR else rows * cols if self._kind == MATRIX else rows * (rows + 1) // 2
        H = np.empty((q, q))
        check(dist_hess_x(self._ptr, ctypes.byref(mat(xm)), ctypes.byref(mat(H))), f"{self._family}.hess_x")
        return H

    def fisher(self):
        """Fisher information of one observation, E[-hess] (m x m, theta layout)."""
        F = np.empty((self._m, self._m))
        check(dist_fisher(self._ptr, ctypes.byref(mat(F))), f"{self._family}.fisher")
        return F

    def jeffreys(self, block=None):
        """Jeffreys log prior 1/2 log det of the Fisher matrix, or of its sub-block on the
        named parameter(s) ``block`` (a name or a list of names) or theta indices (ints)."""
        if block is None:
            idx = None
            k = 0
        else:
            names = [block] if isinstance(block, (str, int, np.integer)) else list(block)
            ids = []
            slices = dict(self.blocks)
            for b in names:
                if isinstance(b, str):
                    if b not in slices:
                        raise _errors.InvalidArgument(f"block: {b!r} is not a parameter of {self._family} "
                                                      f"({', '.join(slices)})")
                    sl = slices[b]
                    ids.extend(range(sl.start, sl.stop))
                else:
                    ids.append(int(b))
            k = len(ids)
            idx = (ctypes.c_size_t * k)(*ids)
        lp = ctypes.c_double()
        check(dist_jeffreys(self._ptr, idx, k, ctypes.byref(lp)), f"{self._family}.jeffreys")
        return lp.value

    def mean(self):
        rows, cols = self.shape
        M = np.empty((rows, cols))
        check(dist_mean(self._ptr, ctypes.byref(mat(M))), f"{self._family}.mean")
        return M[0] if self._kind == VECTOR else M

    def rvs(self, size=None, random_state=None):
        """Draws; shape size + the variate's shape (scipy's convention: size=None gives one draw)."""
        rng = Rng(random_state)
        rows, cols = self.shape
        lead = () if size is None else (size,) if np.ndim(size) == 0 else tuple(size)
        N = math.prod(lead)
        # one C call for all N draws (bm_dist_sample_n): row i is the vec (columns stacked) of draw i
        X = np.empty((N, rows * cols))
        check(dist_sample_n(self._ptr, rng.ptr, ctypes.byref(mat(X))), f"{self._family}.rvs")
        out = np.ascontiguousarray(X.reshape(N, cols, rows).transpose(0, 2, 1))
        return out.reshape(lead + ((cols,) if self._kind == VECTOR else (rows, cols)))

    def __repr__(self):
        return f"bayesmat.{type(self).__name__}(shape={self.shape}, nparams={self._m})"


class mvn(Dist):
    """Multivariate normal N_p(mean, cov)."""
    _family = "mvn"
    _names = {"mean": "mu", "cov": "Sigma"}

    def __init__(self, mean, cov):
        m = as_array(mean, "mean", 1)
        self._setup(1, m.shape[0], {"mu": m, "Sigma": cov})

    @classmethod
    def _shape_from_theta(cls, m):
        p = int(round((-3 + math.sqrt(9 + 8 * m)) / 2))
        return (1, p)


class mvt(Dist):
    """Multivariate t with df degrees of freedom, location loc and scale matrix shape (scipy's names)."""
    _family = "mvt"
    _names = {"loc": "mu", "shape": "Sigma", "df": "nu"}

    def __init__(self, df, loc, shape):
        m = as_array(loc, "loc", 1)
        self._setup(1, m.shape[0], {"mu": m, "Sigma": shape, "nu": df})

    @classmethod
    def _shape_from_theta(cls, m):
        return mvn._shape_from_theta(m - 1)


def _spd_dim(m):
    return int(round((-1 + math.sqrt(1 + 8 * m)) / 2))


class _ScaleDf(Dist):
    """The Wishart-type families: a p x p scale and degrees of freedom df (theta: vech scale, nu)."""

    def __init__(self, df, scale):
        S = as_array(scale, "scale", 2)
        self._setup(S.shape[0], S.shape[0], {self._names["scale"]: S, "nu": df})

    @classmethod
    def _shape_from_theta(cls, m):
        p = _spd_dim(m - 1)
        return (p, p)


class wishart(_ScaleDf):
    """Wishart W_p(df, scale), mean df * scale."""
    _family = "wishart"
    _names = {"scale": "S", "df": "nu"}


class invwishart(_ScaleDf):
    """Inverse Wishart IW_p(df, scale), mean scale / (df - p - 1)."""
    _family = "invwishart"
    _names = {"scale": "Psi", "df": "nu"}


class matnorm(Dist):
    """Matrix normal MN_{n,p}(M, U, V): U the n x n row covariance, V the p x p column covariance
    (scipy's matrix_normal(mean, rowcov, colcov))."""
    _family = "matnorm"
    _names = {"M": "M", "U": "U", "V": "V"}

    def __init__(self, M, U, V):
        Ma = as_array(M, "M", 2)
        self._setup(Ma.shape[0], Ma.shape[1], {"M": Ma, "U": U, "V": V})


class matt(Dist):
    """Matrix t T_{n,p}(df, M, Sigma, Omega): Sigma n x n (rows), Omega p x p (columns)."""
    _family = "matt"
    _names = {"M": "M", "Sigma": "Sigma", "Omega": "Omega", "df": "nu"}

    def __init__(self, df, M, Sigma, Omega):
        Ma = as_array(M, "M", 2)
        self._setup(Ma.shape[0], Ma.shape[1], {"M": Ma, "Sigma": Sigma, "Omega": Omega, "nu": df})


class matf(Dist):
    """Matrix F F_p(nu, delta, Psi) (docs/matf.md)."""
    _family = "matf"
    _names = {"Psi": "Psi", "nu": "nu", "delta": "delta"}

    def __init__(self, nu, delta, Psi):
        P = as_array(Psi, "Psi", 2)
        self._setup(P.shape[0], P.shape[0], {"Psi": P, "nu": nu, "delta": delta})

    @classmethod
    def _shape_from_theta(cls, m):
        p = _spd_dim(m - 2)
        return (p, p)
