"""Loading libbayesmat and the ctypes mirrors of the GSL structs.

The library is looked for, in order, at $BAYESMAT_LIB, in the libdir that
``pkg-config --variable=libdir bayesmat`` reports, and by the system loader
(``ctypes.util.find_library`` and the plain soname).  Every place tried is
listed in the error when none works.
"""
import ctypes
import ctypes.util
import os
import subprocess

import numpy as np

from . import _errors

c_double_p = ctypes.POINTER(ctypes.c_double)


class gsl_block(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("data", ctypes.c_void_p)]


class gsl_vector(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("stride", ctypes.c_size_t), ("data", ctypes.c_void_p),
                ("block", ctypes.c_void_p), ("owner", ctypes.c_int)]


class gsl_matrix(ctypes.Structure):
    _fields_ = [("size1", ctypes.c_size_t), ("size2", ctypes.c_size_t), ("tda", ctypes.c_size_t),
                ("data", ctypes.c_void_p), ("block", ctypes.c_void_p), ("owner", ctypes.c_int)]


gsl_vector_p = ctypes.POINTER(gsl_vector)
gsl_matrix_p = ctypes.POINTER(gsl_matrix)


def _candidates():
    tried = []
    env = os.environ.get("BAYESMAT_LIB")
    if env:
        tried.append(("BAYESMAT_LIB", env))
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "bayesmat"], capture_output=True,
                             text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            tried.append(("pkg-config", os.path.join(out.stdout.strip(), "libbayesmat.so")))
        else:
            tried.append(("pkg-config", None))
    except (OSError, subprocess.SubprocessError):
        tried.append(("pkg-config", None))
    found = ctypes.util.find_library("bayesmat")
    if found:
        tried.append(("system loader (find_library)", found))
    tried.append(("system loader", "libbayesmat.so"))
    return tried


def _load():
    errors = []
    for how, path in _candidates():
        if path is None:
            errors.append(f"  {how}: no bayesmat.pc found")
            continue
        try:
            return ctypes.CDLL(path), f"{how}: {path}"
        except OSError as e:
            errors.append(f"  {how}: {path}: {e}")
    raise ImportError("bayesmat: cannot load libbayesmat. Tried, in order:\n" + "\n".join(errors) +
                      "\nSet BAYESMAT_LIB to the path of libbayesmat.so (e.g. build/libbayesmat.so).")


lib, lib_source = _load()
"""The loaded library and how it was found (for diagnostics)."""

_I, _Z, _D, _P = ctypes.c_int, ctypes.c_size_t, ctypes.c_double, ctypes.c_void_p
_ZP = ctypes.POINTER(ctypes.c_size_t)


def _fn(name, restype, *argtypes):
    f = getattr(lib, name, None)
    if f is None:
        return None
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


# Status messages: bm_last_error (a thread-local message of the last failing
# call) where the loaded library has it, else the status's generic text.
_strerror = _fn("bm_strerror", ctypes.c_char_p, _I)
_last_error = _fn("bm_last_error", ctypes.c_char_p)


def message(status):
    msg = None
    if _last_error is not None:
        m = _last_error()
        if m:
            msg = m.decode("utf-8", "replace")
    if not msg:
        m = _strerror(status) if _strerror is not None else None
        msg = m.decode("utf-8", "replace") if m else f"status {status}"
    return msg


def check(status, what):
    if status != 0:
        raise _errors.from_status(status, f"{what}: {message(status)}")


# ---------------------------------------------------------------- numpy <-> GSL
def as_array(x, name, ndim=None):
    """x as a float64 C-contiguous array (no copy when it already is one)."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        a = x
    else:
        try:
            a = np.asarray(x)
        except Exception as e:  # ragged lists and the like
            raise _errors.DtypeError(f"{name}: cannot be read as an array of real numbers ({e})") from None
        if a.dtype.kind not in "biuf":
            raise _errors.DtypeError(f"{name}: expected real numbers, got dtype {a.dtype}")
        a = a.astype(np.float64)
    if not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    if ndim is not None and a.ndim != ndim:
        raise _errors.BadLength(f"{name}: expected a {ndim}-d array, got shape {a.shape}")
    return a


def mat(a):
    """A gsl_matrix over the 2-d C-contiguous float64 array a (a view: a must outlive it)."""
    n1, n2 = a.shape
    return gsl_matrix(n1, n2, n2, a.ctypes.data, None, 0)


def vec(a):
    """A gsl_vector over the 1-d C-contiguous float64 array a."""
    return gsl_vector(a.shape[0], 1, a.ctypes.data, None, 0)


def view_vector(v):
    """A numpy view of a gsl_vector * from C (valid only during the call)."""
    v = v.contents
    n = v.size
    if n == 0:
        return np.empty(0)
    buf = (ctypes.c_double * (1 + (n - 1) * v.stride)).from_address(v.data)
    return np.frombuffer(buf, dtype=np.float64)[::v.stride]


def view_matrix(m):
    m = m.contents
    if m.size1 == 0 or m.size2 == 0:
        return np.empty((m.size1, m.size2))
    buf = (ctypes.c_double * ((m.size1 - 1) * m.tda + m.size2)).from_address(m.data)
    a = np.frombuffer(buf, dtype=np.float64)
    return np.lib.stride_tricks.as_strided(a, shape=(m.size1, m.size2), strides=(8 * m.tda, 8))


# ---------------------------------------------------------------- prototypes
class bm_theta_block(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("kind", _I), ("rows", _I), ("cols", _I)]


class bm_family_type(ctypes.Structure):
    # only the leading fields the binding reads; the rest are function pointers
    _fields_ = [("name", ctypes.c_char_p), ("description", ctypes.c_char_p), ("variate", _I),
                ("blocks", ctypes.POINTER(bm_theta_block)), ("nblocks", _Z)]


fam_p = ctypes.POINTER(bm_family_type)
family_find = _fn("bm_family_find", fam_p, ctypes.c_char_p)
dist_alloc = _fn("bm_dist_alloc", _P, fam_p, _Z, _Z)
dist_free = _fn("bm_dist_free", None, _P)
dist_nparams = _fn("bm_dist_nparams", _Z, _P)
dist_set_theta = _fn("bm_dist_set_theta", _I, _P, gsl_vector_p)
dist_get_theta = _fn("bm_dist_get_theta", _I, _P, gsl_vector_p)
dist_logpdf = _fn("bm_dist_logpdf", _I, _P, gsl_matrix_p, c_double_p)
dist_score = _fn("bm_dist_score", _I, _P, gsl_matrix_p, gsl_vector_p)
dist_hess = _fn("bm_dist_hess", _I, _P, gsl_matrix_p, gsl_matrix_p)
dist_hess_x = _fn("bm_dist_hess_x", _I, _P, gsl_matrix_p, gsl_matrix_p)
dist_fisher = _fn("bm_dist_fisher", _I, _P, gsl_matrix_p)
dist_jeffreys = _fn("bm_dist_jeffreys", _I, _P, _ZP, _Z, c_double_p)
dist_sample = _fn("bm_dist_sample", _I, _P, _P, gsl_matrix_p)
dist_sample_n = _fn("bm_dist_sample_n", _I, _P, _P, gsl_matrix_p)
dist_mean = _fn("bm_dist_mean", _I, _P, gsl_matrix_p)
dist_loglik = _fn("bm_dist_loglik", _I, _P, gsl_matrix_p, c_double_p, gsl_vector_p)

# GSL's generator, reached through libbayesmat's own dependency on libgsl.
rng_alloc = _fn("gsl_rng_alloc", _P, _P)
rng_free = _fn("gsl_rng_free", None, _P)
rng_set = _fn("gsl_rng_set", None, _P, ctypes.c_ulong)
_mt = ctypes.c_void_p.in_dll(lib, "gsl_rng_mt19937")


class Rng:
    """A gsl_rng (MT19937) seeded from a numpy random_state (None, int, Generator, RandomState)."""

    def __init__(self, random_state=None):
        if isinstance(random_state, np.random.RandomState):
            seed = int(random_state.randint(0, 2**32 - 1, dtype=np.uint64))
        else:
            seed = int(np.random.default_rng(random_state).integers(0, 2**32 - 1))
        self.ptr = rng_alloc(_mt)
        if not self.ptr:
            raise MemoryError("gsl_rng_alloc")
        rng_set(self.ptr, seed)

    def __del__(self):
        if getattr(self, "ptr", None):
            rng_free(self.ptr)
            self.ptr = None
