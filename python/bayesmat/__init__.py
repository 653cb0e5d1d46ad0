"""bayesmat: matrix-variate distributions with gradients, Hessians and Fisher
information, conjugate models, Laplace and derivative checks — a ctypes
binding of the bayesmat C library (libbayesmat.so).

The library is found through $BAYESMAT_LIB, then pkg-config, then the system
loader.  Arrays are numpy float64; see docs/python.md.
"""
from ._errors import (BadLength, DomainError, DtypeError, Error, InvalidArgument, NoConvergence, NoMemory,
                      NonFinite, NotPositiveDefinite, NotSupported, NotSymmetric, Singular)
from ._lib import lib_source
from ._family import Dist, invwishart, matf, matnorm, matt, mvn, mvt, vech, unvech, wishart

__version__ = "0.1.0"
from ._conjugate import BLR, BLRStats, MNIW, MNIWStats, NIW, NIWStats
from ._callbacks import CheckReport, CheckResult, LaplaceResult, check, check_gradient, check_hessian, laplace
