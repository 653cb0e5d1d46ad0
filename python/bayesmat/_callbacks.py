"""Laplace approximation and derivative checks with Python callbacks.

Python functions are wrapped in ctypes trampolines.  An exception raised in a
callback is caught in the trampoline, which returns BM_ENOMEM (the status
that makes the C routines stop at once rather than treat the point as outside
the domain); the binding then re-raises the original exception unchanged."""
import ctypes
from dataclasses import dataclass, field

import numpy as np

from . import _errors
from ._family import unvech, vech
from ._lib import _fn, as_array, message
from ._lib import check as _status
from ._lib import gsl_matrix_p, gsl_vector_p, lib, vec, view_matrix, view_vector

_I, _Z, _D, _P = ctypes.c_int, ctypes.c_size_t, ctypes.c_double, ctypes.c_void_p
_ABORT = 7  # BM_ENOMEM: passed through by the C routines, which stop

FN_SCALAR = ctypes.CFUNCTYPE(_I, gsl_vector_p, _P, ctypes.POINTER(_D))
FN_VECTOR = ctypes.CFUNCTYPE(_I, gsl_vector_p, _P, gsl_vector_p)
FN_MATRIX = ctypes.CFUNCTYPE(_I, gsl_vector_p, _P, gsl_matrix_p)


class _Trampolines:
    """C callbacks over Python functions of a point x (numpy, shaped by ``unflat``)."""

    def __init__(self, unflat):
        self.unflat = unflat
        self.exc = None
        self.c_scalar = FN_SCALAR(self._scalar)
        self.c_vector = FN_VECTOR(self._vector)
        self.c_matrix = FN_MATRIX(self._matrix)
        self.f = self.g = self.h = None

    def _x(self, x):
        return self.unflat(view_vector(x).copy())

    def _guard(self, body):
        if self.exc is not None:
            return _ABORT
        try:
            return body()
        except BaseException as e:  # noqa: B036 — re-raised unchanged after the C call
            self.exc = e
            return _ABORT

    def _scalar(self, x, params, out):
        def body():
            v = float(self.f(self._x(x)))
            out[0] = v
            return 0 if np.isfinite(v) else 5
        return self._guard(body)

    def _vector(self, x, params, g):
        def body():
            gv = view_vector(g)
            a = np.asarray(self.g(self._x(x)), dtype=float)
            a = self.gflat(a)
            if a.shape != gv.shape:
                raise _errors.BadLength(f"grad: returned {a.size} values, expected {gv.shape[0]}")
            gv[:] = a
            return 0
        return self._guard(body)

    def _matrix(self, x, params, H):
        def body():
            Hv = view_matrix(H)
            a = np.asarray(self.h(self._x(x)), dtype=float)
            if a.shape != Hv.shape:
                raise _errors.BadLength(f"hess: returned shape {a.shape}, expected {Hv.shape}")
            Hv[:] = a
            return 0
        return self._guard(body)

    def reraise(self):
        if self.exc is not None:
            e, self.exc = self.exc, None
            raise e


# ------------------------------------------------------------------ Laplace
class _laplace_problem(ctypes.Structure):
    _fields_ = [("dim", _Z), ("logf", FN_SCALAR), ("grad", FN_VECTOR), ("hess", FN_MATRIX), ("params", _P)]


class _laplace_result(ctypes.Structure):
    # bm_laplace_result; the library allocates it, so fields appended later are
    # simply not read.  The run record after iterations exists in libraries that
    # have bm_laplace_reason_name; older ones stop at iterations.
    _fields_ = [("mode", gsl_vector_p), ("cov", gsl_matrix_p), ("log_f_mode", _D), ("log_evidence", _D),
                ("iterations", _Z), ("reason", _I), ("grad_norm", _D), ("lambda2", _D), ("n_logf", _Z),
                ("n_grad", _Z), ("n_hess", _Z)]


_reason_name = _fn("bm_laplace_reason_name", ctypes.c_char_p, _I)


class _laplace_options(ctypes.Structure):
    _fields_ = [("max_iter", _Z), ("grad_tol", _D), ("step_tol", _D), ("f_tol", _D), ("max_backtrack", _Z),
                ("fd_h0", _D), ("fd_levels", _Z)]


_res_alloc = _fn("bm_laplace_result_alloc", ctypes.POINTER(_laplace_result), _Z)
_res_free = _fn("bm_laplace_result_free", None, ctypes.POINTER(_laplace_result))
_opts_default = _fn("bm_laplace_options_default", None, _P)
_laplace = _fn("bm_laplace", _I, ctypes.POINTER(_laplace_problem), gsl_vector_p, _P, ctypes.POINTER(_laplace_result))


@dataclass
class LaplaceResult:
    """mode (shaped like x0), cov ((-H)^-1 over the flattened x), log f at the mode,
    the Laplace log evidence, and the stopping record: Newton steps taken, why it
    stopped (reason, bm_laplace_reason_name's text), the sup-norm gradient and
    the Newton decrement g^T (-H)^-1 g at the returned point, and the callback counts.
    The record after ``iterations`` is None with a library that does not keep it."""
    mode: np.ndarray
    cov: np.ndarray
    log_f_mode: float
    log_evidence: float
    iterations: int
    reason: str = None
    grad_norm: float = None
    lambda2: float = None
    n_logf: int = None
    n_grad: int = None
    n_hess: int = None


def _record(r):
    out = LaplaceResult(view_vector(r.mode).copy(), view_matrix(r.cov).copy(), r.log_f_mode, r.log_evidence,
                        int(r.iterations))
    if _reason_name is not None:
        name = _reason_name(r.reason)
        out.reason = name.decode() if name else str(r.reason)
        out.grad_norm, out.lambda2 = r.grad_norm, r.lambda2
        out.n_logf, out.n_grad, out.n_hess = int(r.n_logf), int(r.n_grad), int(r.n_hess)
    return out


def laplace(logf, grad, x0, hess=None, **options):
    """Laplace approximation of the integral of exp(logf).

    logf(x) -> float, grad(x) -> array shaped like x, hess(x) -> (d, d) over x
    flattened in C order (optional: finite differences of grad otherwise).
    x0 may be any shape; d = x0.size.  options: max_iter, grad_tol, step_tol,
    f_tol, max_backtrack (docs/laplace.md).  Raises bayesmat.Error subclasses on
    failure (NoConvergence, NotPositiveDefinite, DomainError...), or the
    exception a callback raised."""
    x0 = as_array(x0, "x0")
    shape, d = x0.shape, x0.size
    if d == 0:
        raise _errors.BadLength("x0: empty")
    t = _Trampolines(lambda v: v.reshape(shape))
    t.f, t.g, t.h = logf, grad, hess
    t.gflat = lambda a: a.reshape(-1) if a.size == d else a
    prob = _laplace_problem(d, t.c_scalar, t.c_vector, t.c_matrix if hess is not None else FN_MATRIX(), None)
    # room for options appended to the C struct later: the defaults fill it all
    buf = ctypes.create_string_buffer(1024)
    _opts_default(buf)
    opts = _laplace_options.from_buffer(buf)
    for k, v in options.items():
        if k not in ("max_iter", "grad_tol", "step_tol", "f_tol", "max_backtrack"):
            raise _errors.InvalidArgument(f"{k}: not an option of laplace")
        setattr(opts, k, v)
    res = _res_alloc(d)
    if not res:
        raise MemoryError("bm_laplace_result_alloc")
    try:
        x = np.ascontiguousarray(x0.reshape(-1))
        st = _laplace(ctypes.byref(prob), ctypes.byref(vec(x)), buf, res)
        t.reraise()
        out = _record(res.contents)
        out.mode = out.mode.reshape(shape)
        if st != 0:
            why = f", stopped: {out.reason}" if out.reason else ""
            e = _errors.from_status(st, f"laplace: {message(st)} (after {out.iterations} Newton steps{why})")
            e.result = out  # what the failed run kept (docs/laplace.md)
            raise e
        return out
    finally:
        _res_free(res)


# ------------------------------------------------------------------ checks
class _check_options(ctypes.Structure):
    _fields_ = [("fd_h0", _D), ("fd_levels", _Z), ("n_directions", _Z), ("seed", ctypes.c_ulong),
                ("project", _P), ("tol", _D)]


class _check_result(ctypes.Structure):
    _fields_ = [("worst_rel_err", _D), ("worst_index", _Z), ("worst_is_direction", _I), ("analytic", _D),
                ("numeric", _D), ("numeric_err", _D), ("n_compared", _Z), ("passed", _I)]


_check_gradient = _fn("bm_check_gradient", _I, FN_SCALAR, FN_VECTOR, _P, gsl_vector_p,
                      ctypes.POINTER(_check_options), ctypes.POINTER(_check_result))
_check_hessian = _fn("bm_check_hessian", _I, FN_SCALAR, FN_VECTOR, FN_MATRIX, _P, gsl_vector_p,
                     ctypes.POINTER(_check_options), ctypes.POINTER(_check_result))
_fd_gradient = _fn("bm_fd_gradient", _I, FN_SCALAR, _P, gsl_vector_p, _P, gsl_vector_p, gsl_vector_p)


@dataclass
class CheckResult:
    """What a derivative check found; prints as a table."""
    passed: bool
    worst_rel_err: float
    where: object
    analytic: float
    numeric: float
    numeric_err: float
    n_compared: int
    layout: str
    diagnosis: str = ""
    numeric_gradient: np.ndarray = field(default=None, repr=False)

    def __bool__(self):
        return self.passed

    def __str__(self):
        rows = [("passed", self.passed), ("worst relative error", f"{self.worst_rel_err:.3e}"),
                ("where", self.where), ("claimed there", f"{self.analytic:.10g}"),
                ("finite differences", f"{self.numeric:.10g} ± {self.numeric_err:.1e}"),
                ("comparisons", self.n_compared), ("layout", self.layout)]
        if self.diagnosis:
            rows.append(("diagnosis", self.diagnosis))
        w = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{w}}  {v}" for k, v in rows)


class _Param:
    """x <-> the flat coordinates the C checker differentiates in: the vector itself;
    vec X (columns stacked) for a general matrix; vech X for a symmetric one."""

    def __init__(self, X, symmetric):
        self.shape = X.shape
        if X.ndim == 1:
            self.kind, self.x = "vector", X.copy()
        elif X.ndim == 2:
            if symmetric is None:
                symmetric = X.shape[0] == X.shape[1] and np.array_equal(X, X.T)
            if symmetric:
                self.kind, self.x = "vech", vech(X)
            else:
                self.kind, self.x = "vec", X.T.reshape(-1).copy()
        else:
            raise _errors.BadLength(f"X: expected a vector or a matrix, got shape {X.shape}")

    def unflat(self, v):
        if self.kind == "vector":
            return v
        if self.kind == "vec":
            return v.reshape(self.shape[1], self.shape[0]).T.copy()
        return unvech(v, self.shape[0])

    def grad_flat(self, G):
        """A claimed gradient shaped like X to the coordinates: for vech, the
        derivative along a vech coordinate moves X_ij and X_ji together, so the
        entry is G_ij + G_ji off the diagonal."""
        G = np.asarray(G, dtype=float)
        if G.shape != self.shape:
            raise _errors.BadLength(f"claimed: expected shape {self.shape}, got {G.shape}")
        if self.kind == "vector":
            return G
        if self.kind == "vec":
            return G.T.reshape(-1)
        return vech(G + G.T - np.diag(np.diag(G)))

    def grad_shaped(self, s):
        """Coordinates' gradient back to X's shape (the symmetric gradient for vech)."""
        if self.kind != "vech":
            return self.unflat(s)
        G = unvech(s, self.shape[0]) * 0.5
        G[np.diag_indices(self.shape[0])] *= 2
        return G

    def where(self, i):
        if self.kind == "vector":
            return (i,)
        if self.kind == "vec":
            return (i % self.shape[0], i // self.shape[0])
        iu = np.triu_indices(self.shape[0])
        return (int(iu[1][i]), int(iu[0][i]))

    @property
    def layout(self):
        return {"vector": "x", "vec": "vec X (columns stacked)",
                "vech": "vech X (symmetric X; gradient G with df = tr(G dX))"}[self.kind]


def _opts(tol, n_directions, seed):
    return _check_options(0.0, 0, n_directions, seed, None, tol or 0.0)


def _numeric_gradient(t, x):
    g, err = np.empty_like(x), np.empty_like(x)
    _status(_fd_gradient(t.c_scalar, None, ctypes.byref(vec(x)), None, ctypes.byref(vec(g)), ctypes.byref(vec(err))),
          "finite differences")
    t.reraise()
    return g


def _diagnose(P, claimed, N):
    """Name the usual mistake when the claimed gradient is a simple transform of the numeric one.
    Over symmetric matrices only a claim's symmetric part matters, so candidates are
    compared by their symmetric parts."""
    C = np.asarray(claimed, dtype=float)
    scale = max(np.max(np.abs(N)), 1e-300)
    sym = P.kind == "vech"

    def close(A):
        if A.shape != N.shape:
            return False
        if sym:
            A = (A + A.T) / 2
        return np.max(np.abs(A - N)) <= 1e-5 * scale

    cands = []
    if C.ndim == 2:
        n, p = C.shape
        if sym:
            off = ~np.eye(n, dtype=bool)
            half, dbl = C.copy(), C.copy()
            half[off] /= 2
            dbl[off] *= 2
            cands.append(("doubled off-diagonals: the claim is the vech derivative unpacked; "
                          "the gradient on symmetric matrices has half those off-diagonal entries", half))
            cands.append(("halved off-diagonals: a one-triangle claim (only X_ij or X_ji moved); "
                          "a symmetric perturbation moves both", dbl))
        else:
            cands.append(("transposed: the claim is the gradient's transpose", C.T))
            cands.append(("layout: the claim was filled row by row where columns were meant (or vice versa)",
                          C.reshape(-1).reshape((p, n)).T))
            cands.append(("layout: the claim was filled column by column where rows were meant",
                          C.T.reshape(-1).reshape(n, p)))
    cands += [("the sign is flipped", -C), ("off by a factor of 2", C / 2), ("off by a factor of 1/2", 2 * C)]
    for msg, A in cands:
        if close(A):
            return msg
    return ""


def check_gradient(f, X, claimed, symmetric=None, tol=None, n_directions=0, seed=0):
    """Check a claimed gradient of the scalar function f at X by the library's
    finite-difference engine.

    f: a Python function of a vector or a matrix shaped like X.  claimed: the
    gradient at X shaped like X, or a function returning it.  For a symmetric
    matrix X (auto-detected; ``symmetric`` overrides) f is differentiated over
    symmetric matrices and the claim G is read as df = tr(G dX) (so any G whose
    symmetric part is right passes).  Returns a CheckResult; when the check
    fails the diagnosis names a usual mistake (transposition, layout, doubled
    off-diagonals, missing symmetrization, sign, factor 2) when one explains it."""
    X = as_array(X, "X")
    P = _Param(X, symmetric)
    gfun = claimed if callable(claimed) else (lambda _x, c=claimed: c)
    C0 = np.asarray(gfun(X), dtype=float)
    t = _Trampolines(P.unflat)
    t.f = f
    t.g = gfun
    t.gflat = P.grad_flat
    res = _check_result()
    x = P.x
    st = _check_gradient(t.c_scalar, t.c_vector, None, ctypes.byref(vec(x)),
                         ctypes.byref(_opts(tol, n_directions, seed)), ctypes.byref(res))
    t.reraise()
    _status(st, "check_gradient")
    m = x.size
    where = (P.where(res.worst_index) if not res.worst_is_direction else f"random direction {res.worst_index - m}")
    out = CheckResult(bool(res.passed), res.worst_rel_err, where, res.analytic, res.numeric, res.numeric_err,
                      int(res.n_compared), P.layout)
    if not out.passed:
        N = P.grad_shaped(_numeric_gradient(t, x))
        out.numeric_gradient = N
        out.diagnosis = _diagnose(P, C0, N) or "no usual mistake explains it (see numeric_gradient)"
    return out


def check_hessian(f, X, claimed, grad=None, symmetric=None, tol=None, n_directions=0, seed=0):
    """Check a claimed Hessian of f at X: claimed (or a function returning it) is
    m x m over X's coordinates — x itself, vec X (columns stacked) for a general
    matrix, vech X for a symmetric one (the second derivatives along vech
    coordinates, as the library's hess_x).  With ``grad`` (shaped like X) the
    finite differences are of grad, else second differences of f."""
    X = as_array(X, "X")
    P = _Param(X, symmetric)
    hfun = claimed if callable(claimed) else (lambda _x, c=claimed: c)
    t = _Trampolines(P.unflat)
    t.f, t.g, t.h = f, grad, hfun
    t.gflat = P.grad_flat
    res = _check_result()
    x = P.x
    st = _check_hessian(t.c_scalar, t.c_vector if grad is not None else FN_VECTOR(), t.c_matrix, None,
                        ctypes.byref(vec(x)), ctypes.byref(_opts(tol, n_directions, seed)), ctypes.byref(res))
    t.reraise()
    _status(st, "check_hessian")
    m = x.size
    if res.worst_is_direction:
        where = f"random direction {res.worst_index - m * m}"
    else:
        where = (int(res.worst_index // m), int(res.worst_index % m))
    return CheckResult(bool(res.passed), res.worst_rel_err, where, res.analytic, res.numeric, res.numeric_err,
                       int(res.n_compared), P.layout.replace("; gradient G with df = tr(G dX)", ""))


class _check_row(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 40), ("measure", ctypes.c_char * 8), ("value", _D), ("threshold", _D),
                ("status", _I), ("mistake", _I), ("detail", ctypes.c_char * 256)]


class _check_report(ctypes.Structure):
    _fields_ = [("family", ctypes.c_char * 32), ("nrows", _Z), ("rows", _check_row * 16), ("nfailed", _Z),
                ("passed", _I), ("ntrace", _Z), ("trace_draws", _Z * 40), ("trace_outer", _D * 40),
                ("trace_hess", _D * 40), ("fisher_block", ctypes.c_char * 64), ("fisher_factor", _D)]


class _check_dist_options(ctypes.Structure):
    _fields_ = [("draws", _Z), ("points", _Z), ("tol", _D), ("tol_hess_x", _D), ("z_tol", _D), ("slope_tol", _D),
                ("at", _P), ("nat", _Z), ("theta", _P), ("progress", _P), ("progress_ctx", _P)]


_report_alloc = _fn("bm_check_report_alloc", ctypes.POINTER(_check_report))
_report_free = _fn("bm_check_report_free", None, ctypes.POINTER(_check_report))
_check_dist = _fn("bm_check_dist", _I, _P, _P, ctypes.POINTER(_check_dist_options), ctypes.POINTER(_check_report))


@dataclass
class CheckRow:
    name: str
    measure: str
    value: float
    threshold: float
    status: str
    detail: str


@dataclass
class CheckReport:
    """The report of ``check(dist)``: one row per property checked; prints as a table."""
    family: str
    passed: bool
    rows: list
    nfailed: int
    fisher_block: str
    fisher_factor: float
    trace: list  # (draws, rel. error of mean(s s^T), rel. error of mean(-H)) against fisher

    def __bool__(self):
        return self.passed

    def __str__(self):
        w = max([len(r.name) for r in self.rows] + [4])
        lines = [f"{self.family}: {'PASS' if self.passed else 'FAIL'}"]
        lines.append(f"{'check':<{w}}  {'measure':<7}  {'value':>10}  {'threshold':>9}  result  detail")
        for r in self.rows:
            lines.append(f"{r.name:<{w}}  {r.measure:<7}  {r.value:>10.3g}  {r.threshold:>9.3g}  {r.status:<6}  "
                         f"{r.detail}")
        if not self.passed and self.fisher_block:
            lines.append(f"Fisher: block {self.fisher_block} off by a factor {self.fisher_factor:.4g}")
        return "\n".join(lines)


def check(dist, draws=0, points=0, tol=0.0, z_tol=0.0, random_state=None):
    """The library's one-call check of a distribution (bm_check_dist): score, hess and
    hess_x against finite differences, a Taylor-remainder slope, E[score] = 0 and the
    Fisher information against Monte Carlo, the mean against draws.  0 means the
    library's defaults (20000 draws, 3 points, tol 1e-6, |z| <= 5).  Returns a CheckReport."""
    if _check_dist is None:
        raise _errors.NotSupported("check: the loaded libbayesmat has no bm_check_dist")
    from ._lib import Rng
    rng = Rng(random_state)
    opts = _check_dist_options(draws, points, tol, 0.0, z_tol, 0.0, None, 0, None, None, None)
    rep = _report_alloc()
    if not rep:
        raise MemoryError("bm_check_report_alloc")
    try:
        _status(_check_dist(dist._ptr, rng.ptr, ctypes.byref(opts), rep), "check")
        r = rep.contents
        names = {0: "pass", 1: "FAIL", 2: "skip"}
        rows = [CheckRow(x.name.decode(), x.measure.decode(), x.value, x.threshold, names.get(x.status, "?"),
                         x.detail.decode("utf-8", "replace")) for x in r.rows[:r.nrows]]
        trace = [(int(r.trace_draws[k]), r.trace_outer[k], r.trace_hess[k]) for k in range(r.ntrace)]
        return CheckReport(r.family.decode(), bool(r.passed), rows, int(r.nfailed), r.fisher_block.decode(),
                           r.fisher_factor, trace)
    finally:
        _report_free(rep)
