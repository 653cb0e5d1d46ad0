/* Argument validation shared by every module (see include/bayesmat/validate.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"

int bm_validate_length(const gsl_vector *v, size_t n)
{
  if (v == NULL) return BM_EINVAL;
  if (v->size != n) return BM_EBADLEN;
  return BM_SUCCESS;
}

int bm_validate_vector(const gsl_vector *v, size_t n)
{
  int status = bm_validate_length(v, n);
  if (status) return status;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v->data[i * v->stride])) return BM_ENONFINITE;
  return BM_SUCCESS;
}

int bm_validate_shape(const gsl_matrix *A, size_t rows, size_t cols)
{
  if (A == NULL) return BM_EINVAL;
  if (A->size1 != rows || A->size2 != cols) return BM_EBADLEN;
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

int bm_validate_matrix(const gsl_matrix *A, size_t rows, size_t cols)
{
  int status = bm_validate_shape(A, rows, cols);
  if (status) return status;
  if (all_finite(A->data, rows, cols, A->tda)) return BM_SUCCESS;
  for (size_t i = 0; i < rows; i++) {
    const double *row = A->data + i * A->tda;
    for (size_t j = 0; j < cols; j++)
      if (!isfinite(row[j])) return BM_ENONFINITE;
  }
  return BM_SUCCESS;
}

int bm_validate_symmetric(const gsl_matrix *A, size_t p)
{
  int status = bm_validate_shape(A, p, p);
  if (status) return status;
  /* the common case, finite and exactly symmetric, without the scales */
  int differ = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) differ |= A->data[i * A->tda + j] != A->data[j * A->tda + i];
  if (!differ && all_finite(A->data, p, p, A->tda)) return BM_SUCCESS;
  /* one pass: finiteness of both triangles and the symmetry test, with the
   * sqrt(|A_ii A_jj|) scale computed only when the cheap bound fails */
  for (size_t i = 0; i < p; i++) {
    const double *row = A->data + i * A->tda;
    if (!isfinite(row[i])) return BM_ENONFINITE;
    for (size_t j = 0; j < i; j++) {
      double a = row[j], b = A->data[j * A->tda + i];
      if (!isfinite(a) || !isfinite(b)) return BM_ENONFINITE;
      double d = fabs(a - b);
      if (d <= BM_SYM_RTOL * fmax(fabs(a), fabs(b))) continue;
      if (d > BM_SYM_RTOL * sqrt(fabs(row[i] * A->data[j * A->tda + j]))) status = BM_ENOTSYM;
    }
  }
  return status; /* non-finite anywhere wins over asymmetry, as documented */
}

int bm_validate_spd(const gsl_matrix *A, size_t p, gsl_matrix *L, size_t *pivot)
{
  if (pivot) *pivot = 0;
  if (L == NULL) return BM_EINVAL;
  int status = bm_validate_symmetric(A, p);
  if (status) return status;
  if (L->size1 != p || L->size2 != p) return BM_EBADLEN;
  return bm_chol_factor(A, L, pivot);
}

int bm_validate_chol_factor(const gsl_matrix *L, size_t p)
{
  int status = bm_validate_shape(L, p, p);
  if (status) return status;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++)
      if (!isfinite(L->data[i * L->tda + j])) return BM_ENONFINITE;
  for (size_t i = 0; i < p; i++)
    if (!(L->data[i * L->tda + i] > 0.0)) return BM_ENOTSPD;
  return BM_SUCCESS;
}

int bm_validate_greater(double x, double lower)
{
  if (!isfinite(x)) return BM_ENONFINITE;
  if (!(x > lower)) return BM_EDOM;
  return BM_SUCCESS;
}
