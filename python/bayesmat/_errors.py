"""Exceptions: one class per status of the C library (bayesmat/status.h)."""


class Error(Exception):
    """A bayesmat failure; ``status`` is the C library's status code (None for checks done in Python)."""
    status = None


class InvalidArgument(Error, ValueError):
    status = 1


class BadLength(Error, ValueError):
    """Dimension mismatch (also raised by the Python layer for a wrong shape, naming the argument)."""
    status = 2


class NotSymmetric(Error, ValueError):
    status = 3


class NotPositiveDefinite(Error, ValueError):
    status = 4


class DomainError(Error, ValueError):
    status = 5


class NonFinite(Error, ValueError):
    status = 6


class NoMemory(Error, MemoryError):
    status = 7


class NoConvergence(Error, ArithmeticError):
    status = 8


class Singular(Error, ArithmeticError):
    status = 9


class NotSupported(Error, NotImplementedError):
    status = 10


class DtypeError(Error, TypeError):
    """An argument that is not an array of real numbers (raised in Python, naming the argument)."""


_BY_STATUS = {c.status: c for c in (InvalidArgument, BadLength, NotSymmetric, NotPositiveDefinite, DomainError,
                                    NonFinite, NoMemory, NoConvergence, Singular, NotSupported)}


def from_status(status, msg):
    cls = _BY_STATUS.get(status, Error)
    e = cls(msg)
    e.status = status
    return e
