/* Argument validation shared by every module (see include/bayesmat/validate.h).
 * Each check has a named form (bm_check_*, src/error.h) that also records, on
 * failure, which argument of which function failed and why; the public
 * bm_validate_* are those with their own name and parameter names.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#define BM_ERROR_NO_SHADOW
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "error.h"

int bm_check_nonnull(const char *fn, const char *name, const void *ptr)
{
  if (ptr == NULL) return bm_error_set(BM_EINVAL, fn, "%s is NULL", name);
  return BM_SUCCESS;
}

int bm_check_length(const char *fn, const char *name, const gsl_vector *v, size_t n)
{
  if (v == NULL) return bm_error_set(BM_EINVAL, fn, "%s is NULL", name);
  if (v->size != n) return bm_error_set(BM_EBADLEN, fn, "%s has length %zu, expected %zu", name, v->size, n);
  return BM_SUCCESS;
}

int bm_check_vector(const char *fn, const char *name, const gsl_vector *v, size_t n)
{
  int status = bm_check_length(fn, name, v, n);
  if (status) return status;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v->data[i * v->stride]))
      return bm_error_set(BM_ENONFINITE, fn, "%s[%zu] = %g is not finite", name, i, v->data[i * v->stride]);
  return BM_SUCCESS;
}

int bm_check_shape(const char *fn, const char *name, const gsl_matrix *A, size_t rows, size_t cols)
{
  if (A == NULL) return bm_error_set(BM_EINVAL, fn, "%s is NULL", name);
  if (A->size1 != rows || A->size2 != cols)
    return bm_error_set(BM_EBADLEN, fn, "%s is %zu x %zu, expected %zu x %zu", name, A->size1, A->size2, rows, cols);
  return BM_SUCCESS;
}

/* 1 when every entry of the rows x cols block (leading dim tda) is finite:
 * x * 0 is 0 for finite x and NaN otherwise, summed in four independent
 * lanes with no early exit, so the loop vectorizes and runs at memory speed */
static int all_finite(const double *a, size_t rows, size_t cols, size_t tda)
{
  double acc[4] = {0.0, 0.0, 0.0, 0.0};
  for (size_t i = 0; i < rows; i++) {
    const double *row = a + i * tda;
    size_t j = 0;
    for (; j + 4 <= cols; j += 4)
      for (size_t u = 0; u < 4; u++) acc[u] += row[j + u] * 0.0;
    for (; j < cols; j++) acc[0] += row[j] * 0.0;
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]) == 0.0;
}

static int nonfinite_entry(const char *fn, const char *name, size_t i, size_t j, double v)
{
  return bm_error_set(BM_ENONFINITE, fn, "%s(%zu,%zu) = %g is not finite (indices from 0)", name, i, j, v);
}

int bm_check_matrix(const char *fn, const char *name, const gsl_matrix *A, size_t rows, size_t cols)
{
  int status = bm_check_shape(fn, name, A, rows, cols);
  if (status) return status;
  if (all_finite(A->data, rows, cols, A->tda)) return BM_SUCCESS;
  for (size_t i = 0; i < rows; i++) {
    const double *row = A->data + i * A->tda;
    for (size_t j = 0; j < cols; j++)
      if (!isfinite(row[j])) return nonfinite_entry(fn, name, i, j, row[j]);
  }
  return BM_SUCCESS;
}

int bm_check_symmetric(const char *fn, const char *name, const gsl_matrix *A, size_t p)
{
  int status = bm_check_shape(fn, name, A, p, p);
  if (status) return status;
  /* the common case, finite and exactly symmetric, without the scales */
  int differ = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) differ |= A->data[i * A->tda + j] != A->data[j * A->tda + i];
  if (!differ && all_finite(A->data, p, p, A->tda)) return BM_SUCCESS;
  size_t ai = 0, aj = 0;
  /* one pass: finiteness of both triangles and the symmetry test, with the
   * sqrt(|A_ii A_jj|) scale computed only when the cheap bound fails */
  for (size_t i = 0; i < p; i++) {
    const double *row = A->data + i * A->tda;
    if (!isfinite(row[i])) return nonfinite_entry(fn, name, i, i, row[i]);
    for (size_t j = 0; j < i; j++) {
      double a = row[j], b = A->data[j * A->tda + i];
      if (!isfinite(a)) return nonfinite_entry(fn, name, i, j, a);
      if (!isfinite(b)) return nonfinite_entry(fn, name, j, i, b);
      double d = fabs(a - b);
      if (d <= BM_SYM_RTOL * fmax(fabs(a), fabs(b))) continue;
      if (d > BM_SYM_RTOL * sqrt(fabs(row[i] * A->data[j * A->tda + j])) && !status) {
        status = BM_ENOTSYM;
        ai = i, aj = j;
      }
    }
  }
  /* non-finite anywhere wins over asymmetry, as documented */
  if (status)
    return bm_error_set(status, fn, "%s is not symmetric: entry (%zu,%zu) = %.17g but (%zu,%zu) = %.17g", name, ai,
                        aj, A->data[ai * A->tda + aj], aj, ai, A->data[aj * A->tda + ai]);
  return BM_SUCCESS;
}

int bm_check_chol(const char *fn, const char *name, const gsl_matrix *A, gsl_matrix *L)
{
  size_t pivot = 0;
  int status = bm_chol_factor(A, L, &pivot);
  if (status == BM_ENOTSPD)
    return bm_error_set(status, fn, "%s is not positive definite (leading minor %zu of %zu)", name, pivot,
                        A->size1);
  if (status) return bm_error_set(status, fn, "%s: %s", name, bm_strerror(status));
  return BM_SUCCESS;
}

int bm_check_spd(const char *fn, const char *name, const gsl_matrix *A, size_t p, gsl_matrix *L, size_t *pivot)
{
  if (pivot) *pivot = 0;
  if (L == NULL) return bm_error_set(BM_EINVAL, fn, "the factor output for %s is NULL", name);
  int status = bm_check_symmetric(fn, name, A, p);
  if (status) return status;
  if (L->size1 != p || L->size2 != p)
    return bm_error_set(BM_EBADLEN, fn, "the factor output for %s is %zu x %zu, expected %zu x %zu", name, L->size1,
                        L->size2, p, p);
  size_t k = 0;
  status = bm_chol_factor(A, L, &k);
  if (pivot) *pivot = k;
  if (status == BM_ENOTSPD)
    return bm_error_set(status, fn, "%s is not positive definite (leading minor %zu of %zu)", name, k, p);
  return status;
}

int bm_check_chol_factor(const char *fn, const char *name, const gsl_matrix *L, size_t p)
{
  int status = bm_check_shape(fn, name, L, p, p);
  if (status) return status;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++)
      if (!isfinite(L->data[i * L->tda + j])) return nonfinite_entry(fn, name, i, j, L->data[i * L->tda + j]);
  for (size_t i = 0; i < p; i++)
    if (!(L->data[i * L->tda + i] > 0.0))
      return bm_error_set(BM_ENOTSPD, fn, "%s is not a Cholesky factor: diagonal entry %zu = %g is not positive", name,
                          i, L->data[i * L->tda + i]);
  return BM_SUCCESS;
}

int bm_check_greater(const char *fn, const char *name, double x, double lower, const char *bound)
{
  if (!isfinite(x)) return bm_error_set(BM_ENONFINITE, fn, "%s = %g is not finite", name, x);
  if (!(x > lower)) {
    if (bound) return bm_error_set(BM_EDOM, fn, "%s = %.17g must exceed %s = %.17g", name, x, bound, lower);
    return bm_error_set(BM_EDOM, fn, "%s = %.17g must exceed %.17g", name, x, lower);
  }
  return BM_SUCCESS;
}

/* ---- the public checks: their own name and parameter names ---- */

int bm_validate_length(const gsl_vector *v, size_t n) { return bm_check_length(__func__, "v", v, n); }

int bm_validate_vector(const gsl_vector *v, size_t n) { return bm_check_vector(__func__, "v", v, n); }

int bm_validate_shape(const gsl_matrix *A, size_t rows, size_t cols)
{
  return bm_check_shape(__func__, "A", A, rows, cols);
}

int bm_validate_matrix(const gsl_matrix *A, size_t rows, size_t cols)
{
  return bm_check_matrix(__func__, "A", A, rows, cols);
}

int bm_validate_symmetric(const gsl_matrix *A, size_t p) { return bm_check_symmetric(__func__, "A", A, p); }

int bm_validate_spd(const gsl_matrix *A, size_t p, gsl_matrix *L, size_t *pivot)
{
  return bm_check_spd(__func__, "A", A, p, L, pivot);
}

int bm_validate_chol_factor(const gsl_matrix *L, size_t p) { return bm_check_chol_factor(__func__, "L", L, p); }

int bm_validate_greater(double x, double lower) { return bm_check_greater(__func__, "x", x, lower, NULL); }
