/* Status codes and their names (docs/conventions.md), and the per-thread
 * message behind bm_last_error().
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
  case BM_ENOTSUP: return "BM_ENOTSUP: operation not provided by the family";
  default: return "unknown bayesmat status";
  }
}

/* Fixed size: recording a failure must not allocate (it may be reporting
 * BM_ENOMEM). Long messages are truncated. */
#define BM_ERROR_MSG_LEN 256
static _Thread_local char last_error[BM_ERROR_MSG_LEN];
/* the status recorded with the message: a wrap of a different status finds a
 * message that the nested call did not write (a site without one) */
static _Thread_local int last_status;

const char *bm_last_error(void) { return last_error; }

void bm_clear_error(void)
{
  last_error[0] = '\0';
  last_status = BM_SUCCESS;
}

int bm_error_set(int status, const char *fn, const char *fmt, ...)
{
  size_t used = 0;
  last_status = status;
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

int bm_error_wrap(int status, const char *fn)
{
  if (status == BM_SUCCESS || fn == NULL) return status;
  size_t k = strlen(fn) + 2, len = strlen(last_error);
  if (strncmp(last_error, fn, k - 2) == 0 && last_error[k - 2] == ':') return status; /* already names fn */
  if (len == 0 || last_status != status) return bm_error_set(status, fn, "%s", bm_strerror(status));
  if (k >= sizeof last_error) return status;
  if (len + k >= sizeof last_error) len = sizeof last_error - 1 - k; /* truncate the tail */
  memmove(last_error + k, last_error, len);
  last_error[k + len] = '\0';
  memcpy(last_error, fn, k - 2);
  last_error[k - 2] = ':';
  last_error[k - 1] = ' ';
  return status;
}

#include "bayesmat/version.h"
const char *bm_version(void) { return BAYESMAT_VERSION; }
