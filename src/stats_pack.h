/* Internal (not installed): the self-describing header shared by every
 * packed sufficient statistic (mvn, wishart, invwishart, matnorm, niw, blr,
 * mniw), and the checks their unpack functions share.
 *
 * A packed summary is a flat array of doubles that may cross a network: it
 * must not be trusted. Layout: a header of BM_PACK_HEADER doubles
 *   [magic, format version, kind, dim1, dim2, total length]
 * then the family's payload. All header fields are small integers, exact in
 * a double. An unpack is given the buffer's length and reads nothing before
 * the header has shown that the buffer is at least that long; a summary of
 * another kind, version or shape (a 3 x 2 matnorm summary offered to a 2 x 3
 * object) is refused, never reinterpreted.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_STATS_PACK_H
#define BAYESMAT_STATS_PACK_H

#include <math.h>
#include <stddef.h>
#include <lapacke.h>
#include "bayesmat/status.h"
#include "error.h"

#define BM_PACK_MAGIC 1651340148.0 /* the bytes "bmst" read as a 32-bit integer */
#define BM_PACK_VERSION 1.0
#define BM_PACK_HEADER 6

enum { BM_PACK_MVN = 1, BM_PACK_WISHART, BM_PACK_INVWISHART, BM_PACK_MATNORM, BM_PACK_NIW, BM_PACK_BLR, BM_PACK_MNIW };

/* Counts travel as doubles: exact up to 2^53. */
#define BM_PACK_MAX_COUNT 9007199254740992.0

static inline void bm_pack_header(double *buf, int kind, size_t d1, size_t d2, size_t len)
{
  buf[0] = BM_PACK_MAGIC;
  buf[1] = BM_PACK_VERSION;
  buf[2] = (double)kind;
  buf[3] = (double)d1;
  buf[4] = (double)d2;
  buf[5] = (double)len;
}

/* The header of buf (len doubles) against what the receiving object expects.
 * BM_EINVAL: NULL buf, not a packed summary, another format version or kind.
 * BM_EBADLEN: buffer shorter or longer than the header says or than the
 * receiver's shape needs, or the shape differs. Reads only buf[0..len). */
/* (fn: the unpacking function named in bm_last_error; the macros pass it) */
#define bm_pack_check_header(...) bm_pack_check_header_fn(__func__, __VA_ARGS__)
static inline int bm_pack_check_header_fn(const char *fn, const double *buf, size_t len, int kind, size_t d1,
                                          size_t d2, size_t expected)
{
  if (buf == NULL) return bm_error_set(BM_EINVAL, fn, "buf is NULL");
  if (len < BM_PACK_HEADER) return bm_error_set(BM_EBADLEN, fn, "len = %zu is shorter than the header", len);
  if (buf[0] != BM_PACK_MAGIC || buf[1] != BM_PACK_VERSION || buf[2] != (double)kind)
    return bm_error_set(BM_EINVAL, fn, "buf is not a packed summary of this kind and format version");
  if (buf[3] != (double)d1 || buf[4] != (double)d2)
    return bm_error_set(BM_EBADLEN, fn, "buf holds a %g x %g summary, the object is %zu x %zu", buf[3], buf[4], d1, d2);
  if (buf[5] != (double)expected || len != expected)
    return bm_error_set(BM_EBADLEN, fn, "len = %zu and the header's length %g, expected %zu", len, buf[5], expected);
  return BM_SUCCESS;
}

/* BM_ENONFINITE when any payload entry is NaN or infinite. */
#define bm_pack_check_finite(x, n) bm_pack_check_finite_fn(__func__, x, n)
static inline int bm_pack_check_finite_fn(const char *fn, const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return bm_error_set(BM_ENONFINITE, fn, "buf's payload entry %zu = %g is not finite", i, x[i]);
  return BM_SUCCESS;
}

/* A count: an integer in [0, 2^53]. */
static inline int bm_pack_count_ok(double n) { return n >= 0.0 && n == floor(n) && n <= BM_PACK_MAX_COUNT; }

/* 1 when every entry of x[0..n) is exactly zero. */
static inline int bm_pack_all_zero(const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (x[i] != 0.0) return 0;
  return 1;
}

/* Whether the full symmetric p x p matrix A (leading dimension p) is positive
 * semidefinite up to rounding: after scaling to unit diagonal,
 * C = D^-1/2 A D^-1/2, the Cholesky factorization of C + tol I must succeed,
 * tol = 1e-8 (1 + p). The rounding of a scatter accumulated from finite data is
 * orders of magnitude smaller, while a matrix that is no scatter at all (a
 * "correlation" outside [-1, 1]) fails by O(1). A zero diagonal entry needs a
 * zero row. A is overwritten; d is p doubles of scratch.
 * BM_SUCCESS or BM_ENOTSPD. */
static inline int bm_pack_check_psd_inplace(double *A, size_t p, double *d)
{
  for (size_t i = 0; i < p; i++) {
    d[i] = A[i * p + i];
    if (d[i] < 0.0) return BM_ENOTSPD;
  }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double *a = &A[i * p + j];
      if (d[i] == 0.0 || d[j] == 0.0) {
        if (*a != 0.0) return BM_ENOTSPD;
        *a = i == j ? 1.0 : 0.0;
      } else
        *a = i == j ? 1.0 + 1e-8 * (1.0 + (double)p) : *a / (sqrt(d[i]) * sqrt(d[j]));
    }
  /* symmetric, so the column-major call (no layout copy inside LAPACKE) sees the same matrix */
  lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)p, A, (lapack_int)p);
  return info == 0 ? BM_SUCCESS : BM_ENOTSPD;
}

#endif
