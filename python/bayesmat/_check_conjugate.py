"""A conjugate model's posterior and evidence checked in one call: the library's
bm_check_niw / bm_check_blr / bm_check_mniw (docs/check.md, "Conjugate models
in one call")."""
import ctypes
import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

from . import _errors
from ._conjugate import BLR, MNIW, NIW, _mat_arg, _mniw_args, _regression_args
from ._lib import Rng, _fn, gsl_matrix_p, gsl_vector_p, mat, vec
from ._lib import check as _status

_I, _Z, _D, _P = ctypes.c_int, ctypes.c_size_t, ctypes.c_double, ctypes.c_void_p
_MAXBINS, _MAXROWS = 64, 8


class _options(ctypes.Structure):
    _fields_ = [("npairs", _Z), ("is_draws", _Z), ("identity_points", _Z), ("sbc_sims", _Z), ("sbc_draws", _Z),
                ("sbc_bins", _Z), ("tol", _D), ("z_tol", _D), ("p_min", _D), ("skip_sbc", _I),
                ("has_claimed_log_evidence", _I), ("claimed_log_evidence", _D), ("progress", _P),
                ("progress_ctx", _P)]


class _row(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 32), ("value", _D), ("threshold", _D), ("pass_", _I),
                ("note", ctypes.c_char * 224)]


class _report(ctypes.Structure):
    _fields_ = [("model", ctypes.c_char * 48), ("claimed", _I), ("nrows", _Z), ("rows", _row * _MAXROWS),
                ("nfailed", _Z), ("passed", _I), ("log_evidence", _D), ("dim", _Z), ("sbc_bins", _Z),
                ("sbc_counts", _D * _MAXBINS), ("sbc_expected", _D * _MAXBINS)]


_RP = ctypes.POINTER(_report)
# The report is allocated here with room to spare, so fields the library may
# append later land in the slack instead of past the end.
_REPORT_BYTES = ctypes.sizeof(_report) + 4096
_gm, _gv = gsl_matrix_p, gsl_vector_p
_check_niw = _fn("bm_check_niw", _I, _P, _gm, _P, _P, _P, _RP)
_check_blr = _fn("bm_check_blr", _I, _P, _gm, _gv, _P, _P, _P, _RP)
_check_mniw = _fn("bm_check_mniw", _I, _P, _gm, _gm, _P, _P, _P, _RP)
_print = _fn("bm_check_conjugate_print", _I, _P, _RP, _I)
_libc = ctypes.CDLL(None)
_fopen = _libc.fopen
_fopen.restype, _fopen.argtypes = _P, [ctypes.c_char_p, ctypes.c_char_p]
_fclose = _libc.fclose
_fclose.restype, _fclose.argtypes = _I, [_P]


@dataclass
class ConjugateRow:
    """One check: the statistic, its threshold, status "pass", "FAIL" or "-" (not run) and the note."""
    name: str
    value: float
    threshold: float
    status: str
    note: str


@dataclass
class ConjugateReport:
    """The report of ``check_posterior``: one row per check; prints as a table."""
    model: str
    claimed: bool
    passed: bool
    rows: list
    nfailed: int
    log_evidence: float
    dim: int
    sbc_counts: np.ndarray = field(repr=False)
    sbc_expected: np.ndarray = field(repr=False)
    _raw: bytes = field(default=b"", repr=False)

    def __bool__(self):
        return self.passed

    def __getitem__(self, name):
        """The row called name ("proportional", ...); KeyError when there is none."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    @property
    def failed(self):
        """Names of the rows that failed."""
        return [r.name for r in self.rows if r.status == "FAIL"]

    def __str__(self):
        w = max([len(r.name) for r in self.rows] + [5])
        what = "a claimed posterior" if self.claimed else "the model's own posterior"
        lines = [f"{self.model}, {what}, theta of length {self.dim}: {'PASS' if self.passed else 'FAIL'}"]
        lines.append(f"{'check':<{w}}  {'value':>10}  {'threshold':>9}  result  note")
        for r in self.rows:
            lines.append(f"{r.name:<{w}}  {r.value:>10.3g}  {r.threshold:>9.3g}  {r.status:<6}  {r.note}")
        if self.failed:
            lines.append(f"{len(self.failed)} failed: {' '.join(self.failed)}")
        return "\n".join(lines)

    def to_text(self, json=False):
        """The library's own rendering (bm_check_conjugate_print): its table, or one JSON object."""
        buf = ctypes.create_string_buffer(self._raw, _REPORT_BYTES)
        fd, path = tempfile.mkstemp(suffix=".txt")
        os.close(fd)
        try:
            f = _fopen(path.encode(), b"w")
            if not f:
                raise OSError(f"fopen {path}")
            try:
                st = _print(f, ctypes.cast(buf, _RP), 1 if json else 0)
            finally:
                _fclose(f)
            _status(st, "ConjugateReport.to_text")
            with open(path, encoding="utf-8", errors="replace") as fh:
                return fh.read()
        finally:
            os.unlink(path)


def _claim(model, claimed):
    """A claimed posterior as a model object of model's kind: a model, or a dict of
    the posterior's parameters (the keys of model.posterior)."""
    if claimed is None or isinstance(claimed, (NIW, BLR, MNIW)):
        if claimed is not None and type(claimed) is not type(model):
            raise _errors.InvalidArgument(f"claimed: a {type(claimed).__name__} for a {type(model).__name__} model")
        return claimed
    if not isinstance(claimed, dict):
        raise _errors.InvalidArgument("claimed: a model object or a dict of posterior parameters")
    try:
        if isinstance(model, NIW):
            return NIW(claimed["mu"], claimed["kappa"], claimed["nu"], claimed["Psi"])
        if isinstance(model, MNIW):
            return MNIW(claimed["B"], claimed["V"], claimed["nu"], claimed["Psi"])
        if model.prior == "known_noise":
            return BLR.known_noise(claimed["m"], claimed["S"], claimed["noise_precision"])
        return BLR.nig(claimed["m"], claimed["V"], claimed["a"], claimed["b"])
    except KeyError as e:
        raise _errors.InvalidArgument(f"claimed: missing the parameter {e.args[0]!r}") from None


def check_posterior(model, X, y=None, claimed=None, claimed_log_evidence=None, draws=0, pairs=0,
                    identity_points=0, sbc=True, sbc_sims=0, sbc_draws=0, sbc_bins=0, tol=0.0, z_tol=0.0,
                    p_min=0.0, random_state=None):
    """Check a conjugate model's posterior and evidence given new data, in one call.

    model: an NIW, BLR or MNIW with its prior set; its current state (data
    already seen included) is the prior of the new data, and it is not changed.
    X: the data (NIW: n x p rows), or the design (BLR: n x k with y of length n;
    MNIW: n x k with y = Y, n x d).  claimed: None checks the model's own
    posterior; else the posterior derived by hand, as a model of the same kind
    whose prior is that posterior, or a dict with the keys of ``model.posterior``
    (BLR known noise: 'm', 'S' and 'noise_precision').  claimed_log_evidence:
    a log p(data) derived by hand, tested instead of the closed form.
    draws: importance-sampling draws; pairs: proportionality pairs;
    sbc=False skips simulation-based calibration (the slowest check; it never
    runs on a claim).  A count or tolerance of 0 means the library's default
    (200 pairs, 20000 draws, 400 x 49 SBC, tol 1e-8, |z| <= 4, p >= 1e-3).
    Returns a ConjugateReport; a failing check is a row with status "FAIL"
    (report.failed names them), not an exception."""
    if _check_niw is None:
        raise _errors.NotSupported("check_posterior: the loaded libbayesmat has no bm_check_niw")
    if not isinstance(model, (NIW, BLR, MNIW)):
        raise _errors.InvalidArgument(f"model: an NIW, BLR or MNIW, got {type(model).__name__}")
    claim = _claim(model, claimed)
    cptr = claim._ptr if claim is not None else None
    obuf = ctypes.create_string_buffer(1024)  # zeros: the defaults, also of fields appended later
    o = _options.from_buffer(obuf)
    o.npairs, o.is_draws, o.identity_points = pairs, draws, identity_points
    o.sbc_sims, o.sbc_draws, o.sbc_bins = sbc_sims, sbc_draws, sbc_bins
    o.tol, o.z_tol, o.p_min, o.skip_sbc = tol, z_tol, p_min, 0 if sbc else 1
    if claimed_log_evidence is not None:
        o.has_claimed_log_evidence, o.claimed_log_evidence = 1, float(claimed_log_evidence)
    rng = Rng(random_state)
    rbuf = ctypes.create_string_buffer(_REPORT_BYTES)
    rep = ctypes.cast(rbuf, _RP)
    if isinstance(model, NIW):
        X = _mat_arg(X, "X", None)
        if X.shape[1] != model.p:
            raise _errors.BadLength(f"X: expected {model.p} columns, got {X.shape[1]}")
        st = _check_niw(model._ptr, ctypes.byref(mat(X)), cptr, rng.ptr, obuf, rep)
    elif isinstance(model, BLR):
        if y is None:
            raise _errors.InvalidArgument("y: required with a design matrix X")
        X, y, _, _ = _regression_args(model.k, X, y, None)
        st = _check_blr(model._ptr, ctypes.byref(mat(X)), ctypes.byref(vec(y)), cptr, rng.ptr, obuf, rep)
    else:
        if y is None:
            raise _errors.InvalidArgument("Y: required with a design matrix X")
        X, Y = _mniw_args(model.k, model.d, X, y)
        st = _check_mniw(model._ptr, ctypes.byref(mat(X)), ctypes.byref(mat(Y)), cptr, rng.ptr, obuf, rep)
    _status(st, "check_posterior")
    r = rep.contents
    names = {1: "pass", 0: "FAIL", -1: "-"}
    rows = [ConjugateRow(x.name.decode(), x.value, x.threshold, names.get(x.pass_, "?"),
                         x.note.decode("utf-8", "replace")) for x in r.rows[:r.nrows]]
    nb = int(r.sbc_bins)
    return ConjugateReport(r.model.decode(), bool(r.claimed), bool(r.passed), rows, int(r.nfailed), r.log_evidence,
                           int(r.dim), np.array(r.sbc_counts[:nb]), np.array(r.sbc_expected[:nb]), rbuf.raw)

