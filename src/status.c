/* Status codes and their names (SPEC §1), and the per-thread message behind
 * bm_last_error().
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "bayesmat/status.h"
#include "error.h"

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
  default: return "unknown bayesmat status";
  }
}

/* Fixed size: recording a failure must not allocate (it may be reporting
 * BM_ENOMEM). Long messages are truncated. */
#define BM_ERROR_MSG_LEN 256
static _Thread_local char last_error[BM_ERROR_MSG_LEN];

const char *bm_last_error(void) { return last_error; }

void bm_clear_error(void) { last_error[0] = '\0'; }

int bm_error_set(int status, const char *fn, const char *fmt, ...)
{
  size_t used = 0;
  if (fn) {
    int k = snprintf(last_error, sizeof last_error, "%s: ", fn);
    used = k < 0 ? 0 : (size_t)k < sizeof last_error ? (size_t)k : sizeof last_error - 1;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error + used, sizeof last_error - used, fmt, ap);
  va_end(ap);
  return status;
}

#include "bayesmat/version.h"
const char *bm_version(void) { return BAYESMAT_VERSION; }
