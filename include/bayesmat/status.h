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

/**
 * What the calling thread's last failing bayesmat call found wrong: the
 * function, the argument by its documented name, and the fact that failed,
 * e.g. "bm_wishart_set: nu = 0.5 must exceed p - 1 = 2" or
 * "bm_matt_set: Omega is not positive definite (leading minor 3 of 4)".
 *
 * Read it right after a call returned a status other than BM_SUCCESS: like
 * errno, a later successful call does NOT clear it (the message then
 * describes an older failure), and a failure inside a library function that
 * the function recovers from may replace it while the call still succeeds.
 * "" before any failure on this thread, or after bm_clear_error(). (The MPI
 * collectives of <bayesmat/mpi.h> are the exception: they empty it when they
 * start.)
 *
 * Never NULL. The string lives in thread-local storage owned by the library:
 * valid until this thread's next bayesmat call; copy it to keep it. Recording
 * it never allocates and never changes a status or an output.
 */
const char *bm_last_error(void);

/** Empty the calling thread's message (bm_last_error() then returns ""). */
void bm_clear_error(void);

/**
 * Record msg verbatim as the calling thread's message, for a layer built on
 * the library that reports a failure of its own (the MPI layer gives every
 * rank the failing rank's message this way).
 * @param status the status the message goes with (returned unchanged)
 * @param msg    the text, copied and truncated to the message buffer (255
 *               characters); NULL records "".
 * @return status. Never fails, never allocates.
 */
int bm_set_error(int status, const char *msg);

BM_END_DECLS
#endif
