/* bayesmat — status codes (docs/conventions.md).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_STATUS_H
#define BAYESMAT_STATUS_H

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Every bayesmat function that can fail returns one of these. */
enum {
  BM_SUCCESS = 0,    /**< success */
  BM_EINVAL = 1,     /**< NULL or otherwise invalid argument */
  BM_EBADLEN = 2,    /**< dimension mismatch */
  BM_ENOTSYM = 3,    /**< a matrix that must be symmetric is not (see BM_SYM_RTOL) */
  BM_ENOTSPD = 4,    /**< a matrix that must be positive definite is not */
  BM_EDOM = 5,       /**< scalar parameter or variate outside its domain */
  BM_ENONFINITE = 6, /**< NaN or Inf in an input */
  BM_ENOMEM = 7,     /**< out of memory */
  BM_ENOCONV = 8,    /**< an iteration did not converge */
  BM_ESING = 9,      /**< a result is singular (e.g. non-identifiable Fisher) */
  BM_ENOTSUP = 10    /**< the family has no such operation (a NULL op of bayesmat/family.h) */
};

/** Number of status codes (one past the largest). */
#define BM_NSTATUS 11

/**
 * Name and short description of a status code, e.g. "BM_EDOM: argument outside
 * its domain". Never NULL: an unknown code gives "unknown bayesmat status".
 * The returned string is static; thread-safe.
 */
const char *bm_strerror(int status);

BM_END_DECLS
#endif
