/* The bookkeeping the conjugate models share (conjugate_common.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include "bayesmat/status.h"
#include "conjugate_common.h"
#include "stats_pack.h"

int cj_recompute_status(const char *fn, int st)
{
  if (st == BM_EDOM)
    return bm_error_set(st, fn, "the posterior is not representable in double precision (statistics that overflow, "
                                "or hyperparameters beyond the range of the normalizing constants)");
  if (st == BM_ENOMEM) return bm_error_set(st, fn, "out of memory");
  return st ? bm_error_wrap(st, fn) : st;
}

int cj_predictive_status(const char *fn, int st)
{
  if (st == BM_ENOTSPD || st == BM_ENOTSYM || st == BM_ENONFINITE)
    return bm_error_set(BM_EDOM, fn, "the result is not representable in double precision");
  return st;
}

/* rows x cols entries at x, rows tda apart: a matrix, or a vector as a column */
static int all_finite(const double *x, size_t rows, size_t cols, size_t tda)
{
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++)
      if (!isfinite(x[i * tda + j])) return 0;
  return 1;
}

int cj_all_finite(const gsl_matrix *A) { return A == NULL || all_finite(A->data, A->size1, A->size2, A->tda); }

int cj_all_finite_vector(const gsl_vector *v) { return v == NULL || all_finite(v->data, v->size, 1, v->stride); }

int cj_shape_or_null(const gsl_matrix *A, size_t r, size_t c)
{
  return A == NULL || (A->size1 == r && A->size2 == c);
}

void cj_upper_from_lower(const gsl_matrix *L, gsl_matrix *R)
{
  const size_t q = L->size1;
  for (size_t i = 0; i < q; i++)
    for (size_t j = 0; j < q; j++) gsl_matrix_set(R, i, j, j >= i ? gsl_matrix_get(L, j, i) : 0.0);
}

size_t cj_pack_upper(const gsl_matrix *R, double *buf)
{
  size_t k = 0;
  for (size_t i = 0; i < R->size1; i++)
    for (size_t j = i; j < R->size1; j++) buf[k++] = gsl_matrix_get(R, i, j);
  return k;
}

#undef BM_FN
#define BM_FN fn /* the unpacking public function, through the macros */
int cj_unpack_check_fn(const char *fn, const double *buf, size_t len, int kind, size_t d1, size_t d2, size_t want,
                       double *n)
{
  int st = bm_pack_check_header(buf, len, kind, d1, d2, want);
  if (st != BM_SUCCESS) return st;
  const double *x = buf + BM_PACK_HEADER;
  if ((st = bm_pack_check_finite(x, want - BM_PACK_HEADER)) != BM_SUCCESS) return st;
  *n = x[0];
  if (!bm_pack_count_ok(*n)) return BM_FAIL(BM_EINVAL, "buf: the count n = %g is not an integer in 0 .. 2^53", *n);
  if (*n == 0.0 && !bm_pack_all_zero(x + 1, want - BM_PACK_HEADER - 1))
    return BM_FAIL(BM_EINVAL, "buf: n = 0 with non-zero statistics");
  return BM_SUCCESS;
}

int cj_unpack_upper_fn(const char *fn, const double *tri, gsl_matrix *R)
{
  const size_t q = R->size1;
  for (size_t i = 0, k = 0; i < q; k += q - i, i++)
    if (tri[k] < 0.0) return BM_FAIL(BM_EINVAL, "buf: a diagonal entry of a factor is negative");
  size_t k = 0;
  for (size_t i = 0; i < q; i++)
    for (size_t j = 0; j < q; j++) gsl_matrix_set(R, i, j, j >= i ? tri[k++] : 0.0);
  return BM_SUCCESS;
}
