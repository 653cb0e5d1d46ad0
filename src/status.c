/* Status codes and their names (docs/conventions.md).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "bayesmat/status.h"

const char *bm_strerror(int status)
{
  switch (status) {
  case BM_SUCCESS: return "BM_SUCCESS: success";
  case BM_EINVAL: return "BM_EINVAL: NULL or otherwise invalid argument";
  case BM_EBADLEN: return "BM_EBADLEN: dimension mismatch";
  case BM_ENOTSYM: return "BM_ENOTSYM: matrix is not symmetric";
  case BM_ENOTSPD: return "BM_ENOTSPD: matrix is not positive definite";
  case BM_EDOM: return "BM_EDOM: argument outside its domain";
  case BM_ENONFINITE: return "BM_ENONFINITE: NaN or Inf in an input";
  case BM_ENOMEM: return "BM_ENOMEM: out of memory";
  case BM_ENOCONV: return "BM_ENOCONV: iteration did not converge";
  case BM_ESING: return "BM_ESING: result is singular";
  case BM_ENOTSUP: return "BM_ENOTSUP: operation not provided by the family";
  default: return "unknown bayesmat status";
  }
}

#include "bayesmat/version.h"
const char *bm_version(void) { return BAYESMAT_VERSION; }
