"""Exceptions: one class per status of the C library (bayesmat/status.h)."""


class Error(Exception):
    """A bayesmat failure; ``status`` is the C library's status code (None for checks done in Python)."""
    status = None


# (class name, status, the standard exception it also is, what the status means): one class
# per row, built below, so a status added to the C library is one line here.
_STATUSES = (
    ("InvalidArgument", 1, ValueError, "NULL or otherwise invalid argument."),
    ("BadLength", 2, ValueError,
     "Dimension mismatch (also raised by the Python layer for a wrong shape, naming the argument)."),
    ("NotSymmetric", 3, ValueError, "A matrix that must be symmetric is not."),
    ("NotPositiveDefinite", 4, ValueError, "A matrix that must be positive definite is not."),
    ("DomainError", 5, ValueError, "An argument outside its domain."),
    ("NonFinite", 6, ValueError, "NaN or Inf in an input."),
    ("NoMemory", 7, MemoryError, "Out of memory."),
    ("NoConvergence", 8, ArithmeticError, "An iteration did not converge."),
    ("Singular", 9, ArithmeticError, "A result is singular."),
    ("NotSupported", 10, NotImplementedError, "An operation the family does not provide."),
)

_BY_STATUS = {}
for _name, _status, _base, _doc in _STATUSES:
    _BY_STATUS[_status] = globals()[_name] = type(_name, (Error, _base),
                                                  {"status": _status, "__doc__": _doc, "__module__": __name__})
del _name, _status, _base, _doc


class DtypeError(Error, TypeError):
    """An argument that is not an array of real numbers (raised in Python, naming the argument)."""


def from_status(status, msg):
    cls = _BY_STATUS.get(status, Error)
    e = cls(msg)
    e.status = status
    return e
