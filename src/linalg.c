/* Linear algebra on Cholesky factors through LAPACKE and CBLAS.
 *
 * Storage trick used throughout: a row-major p x p buffer with leading
 * dimension tda is, read column-major, the transpose of the matrix. For a
 * symmetric A, LAPACK's column-major 'U' routines on that buffer therefore
 * work on our row-major lower triangle, with no copy and no allocation
 * (LAPACKE's own row-major path transposes into a malloc'ed buffer).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <float.h>
#include <lapacke.h>
#include <gsl/gsl_cblas.h> /* declarations only: the symbols come from OpenBLAS */
#include "bayesmat/status.h"
#include "bayesmat/linalg.h"
#include "work.h"
#include "small_linalg.h"
#include "kernels.h"
#include "error.h"

/* A non-NULL square matrix argument, named in fn's message. */
#define square(A) square_fn(__func__, #A, A)
static int square_fn(const char *fn, const char *name, const gsl_matrix *A)
{
  if (A == NULL) return bm_error_set(BM_EINVAL, fn, "%s is NULL", name);
  if (A->size1 != A->size2) return bm_error_set(BM_EBADLEN, fn, "%s is %zu x %zu, expected square", name, A->size1, A->size2);
  return BM_SUCCESS;
}

/* Two square matrices of one size p, A first in the checks. */
#define same_square(A, B) same_square_fn(__func__, #A, A, #B, B)
static int same_square_fn(const char *fn, const char *aname, const gsl_matrix *A, const char *bname, const gsl_matrix *B)
{
  int status = square_fn(fn, aname, A);
  if (!status) status = square_fn(fn, bname, B);
  if (!status && B->size1 != A->size1)
    return bm_error_set(BM_EBADLEN, fn, "%s is %zu x %zu, expected %zu x %zu as %s", bname, B->size1, B->size1,
                        A->size1, A->size1, aname);
  return status;
}

/* The factor L (p x p) and a vector operand x of length p. */
#define check_vector_operand(L, x) check_vector_operand_fn(__func__, L, #x, x)
static int check_vector_operand_fn(const char *fn, const gsl_matrix *L, const char *name, const gsl_vector *x)
{
  int status = square_fn(fn, "L", L);
  if (status) return status;
  if (x == NULL) return bm_error_set(BM_EINVAL, fn, "%s is NULL", name);
  if (x->size != L->size1) return bm_error_set(BM_EBADLEN, fn, "%s has %zu entries, expected p = %zu", name, x->size, L->size1);
  return BM_SUCCESS;
}

/* The factor L (p x p) and a matrix operand B with p rows (by_rows) or p
 * columns. */
#define check_matrix_operand(L, B, by_rows) check_matrix_operand_fn(__func__, L, #B, B, by_rows)
static int check_matrix_operand_fn(const char *fn, const gsl_matrix *L, const char *name, const gsl_matrix *B, int by_rows)
{
  int status = square_fn(fn, "L", L);
  if (status) return status;
  if (B == NULL) return bm_error_set(BM_EINVAL, fn, "%s is NULL", name);
  size_t dim = by_rows ? B->size1 : B->size2;
  if (dim != L->size1)
    return bm_error_set(BM_EBADLEN, fn, "%s has %zu %s, expected p = %zu", name, dim, by_rows ? "rows" : "columns", L->size1);
  return BM_SUCCESS;
}

void bm_sym_from_lower(gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < i; j++)
      A->data[j * A->tda + i] = A->data[i * A->tda + j];
}

BM_SL_SCALAR int bm_chol_factor(const gsl_matrix *A, gsl_matrix *L, size_t *pivot)
{
  if (pivot) *pivot = 0;
  int status = same_square(A, L);
  if (status) return status;
  size_t p = A->size1;
  if (p == 0) return BM_SUCCESS;
  /* small p: copy and zero in one scalar sweep (BM_SL_SCALAR: a memset call
   * per row cost as much as a 5 x 5 factorization); larger p: per-row
   * memcpy/memset, which the scalar sweep's branch per entry made 3x slower
   * (matnorm's _set at 100 x 20: 8 % of it) */
  if (p <= BM_SL_MAX) {
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        L->data[i * L->tda + j] = j <= i ? A->data[i * A->tda + j] : 0.0;
  } else {
    for (size_t i = 0; i < p; i++) {
      double *l = L->data + i * L->tda;
      if (L != A) memcpy(l, A->data + i * A->tda, (i + 1) * sizeof(double));
      memset(l + i + 1, 0, (p - i - 1) * sizeof(double));
    }
  }
  /* small p: own loops (no call overhead); moderate p: blocked kernels on
   * the calling thread (OpenBLAS's threaded dpotrf is slower there) */
  lapack_int info = p <= BM_SL_MAX   ? (lapack_int)bm_sl_chol(L->data, L->tda, p)
                    : p <= BM_KN_MAX ? (lapack_int)bm_kn_chol(L->data, L->tda, p)
                                     : LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)p, L->data, (lapack_int)L->tda);
  /* OpenBLAS's potrf lets a NaN through (NaN <= 0 is false): check the
   * diagonal of the result too. */
  for (size_t i = 0; info == 0 && i < p; i++) {
    double lii = L->data[i * L->tda + i];
    if (!(lii > 0.0) || !isfinite(lii)) info = (lapack_int)i + 1;
  }
  if (info != 0) {
    if (pivot) *pivot = info > 0 ? (size_t)info : 0;
    gsl_matrix_set_all(L, NAN);
    return BM_FAIL(BM_ENOTSPD, "A is not positive definite (leading minor %zu of %zu)", (size_t)(info > 0 ? info : 0), p);
  }
  return BM_SUCCESS;
}

double bm_chol_logdet(const gsl_matrix *L)
{
  if (L->size1 <= BM_SL_MAX) { /* one log of the product when it is a normal number (p logs cost more than the rest at p = 5) */
    double prod = 1.0;
    for (size_t i = 0; i < L->size1; i++) prod *= L->data[i * L->tda + i];
    if (prod >= DBL_MIN && prod <= DBL_MAX) return 2.0 * log(prod);
  }
  double s = 0.0;
  for (size_t i = 0; i < L->size1; i++) s += log(L->data[i * L->tda + i]);
  return 2.0 * s;
}

int bm_chol_whiten_vector(const gsl_matrix *L, gsl_vector *x)
{
  int status = check_vector_operand(L, x);
  if (status) return status;
  if (x->size == 0) return BM_SUCCESS;
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)L->size1, L->data, (int)L->tda,
              x->data, (int)x->stride);
  return BM_SUCCESS;
}

int bm_chol_solve_vector(const gsl_matrix *L, gsl_vector *b)
{
  int status = check_vector_operand(L, b);
  if (status) return status;
  bm_chol_whiten_vector(L, b);
  if (b->size == 0) return BM_SUCCESS;
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)L->size1, L->data, (int)L->tda,
              b->data, (int)b->stride);
  return BM_SUCCESS;
}

/* B <- L^-1 B, L^-T B, B L^-1, ... (solve: dtrsm) or L B, ... (dtrmm): one
 * BLAS-3 step with the lower factor L on `side`, transposed or not. */
static void triangular(const gsl_matrix *L, gsl_matrix *B, enum CBLAS_SIDE side, enum CBLAS_TRANSPOSE trans, int solve)
{
  if (B->size1 == 0 || B->size2 == 0) return;
  size_t p = L->size1;
  if (solve && p <= BM_KN_MAX) { /* own loops / single-thread kernels (small_linalg.h, kernels.h) */
    if (side == CblasLeft)
      bm_sl_trsm_left(trans, p, B->size2, L->data, L->tda, B->data, B->tda);
    else if (trans == CblasTrans)
      bm_sl_whiten_rows(B->size1, p, L->data, L->tda, B->data, B->tda);
    else
      bm_kn_trsm_right_ln(B->size1, p, L->data, L->tda, B->data, B->tda);
    return;
  }
  (solve ? cblas_dtrsm : cblas_dtrmm)(CblasRowMajor, side, CblasLower, trans, CblasNonUnit, (int)B->size1,
                                      (int)B->size2, 1.0, L->data, (int)L->tda, B->data, (int)B->tda);
}

int bm_chol_solve_matrix(const gsl_matrix *L, gsl_matrix *B)
{
  int status = check_matrix_operand(L, B, 1);
  if (status) return status;
  triangular(L, B, CblasLeft, CblasNoTrans, 1); /* L^-T L^-1 B */
  triangular(L, B, CblasLeft, CblasTrans, 1);
  return BM_SUCCESS;
}

int bm_chol_whiten_rows(const gsl_matrix *L, gsl_matrix *X)
{
  int status = check_matrix_operand(L, X, 0);
  if (!status) triangular(L, X, CblasRight, CblasTrans, 1); /* X L^-T */
  return status;
}

int bm_chol_sandwich(const gsl_matrix *L, gsl_matrix *B)
{
  int status = same_square(L, B);
  if (status) return status;
  triangular(L, B, CblasLeft, CblasNoTrans, 1); /* L^-1 B L^-T */
  triangular(L, B, CblasRight, CblasTrans, 1);
  return BM_SUCCESS;
}

int bm_chol_lower_multiply(const gsl_matrix *L, gsl_vector *x)
{
  int status = check_vector_operand(L, x);
  if (status) return status;
  /* Own loop, not dtrmv: OpenBLAS's dtrmv rounds the last bit differently
   * when x is not 16-byte aligned, and a sampler's draws must not depend on
   * where its output sits. Bottom row first, so each x_j read is still the
   * input; each row's sum in ascending j (this file is not built with
   * reassociating flags, so the order is the one written). */
  const size_t n = x->size, ld = L->tda, st = x->stride;
  double *v = x->data;
  for (size_t i = n; i-- > 0;) {
    const double *row = L->data + i * ld;
    double s = 0.0;
    for (size_t j = 0; j <= i; j++) s += row[j] * v[j * st];
    v[i * st] = s;
  }
  return BM_SUCCESS;
}

int bm_chol_lower_multiply_matrix(const gsl_matrix *L, gsl_matrix *B)
{
  int status = check_matrix_operand(L, B, 1);
  if (!status) triangular(L, B, CblasLeft, CblasNoTrans, 0); /* L B */
  return status;
}

double bm_chol_quadform(const gsl_matrix *L, const gsl_vector *x, double *work)
{
  if (L == NULL || x == NULL || L->size1 != L->size2 || x->size != L->size1) return NAN;
  size_t p = x->size;
  if (p == 0) return 0.0;
  double stack[BM_STACK_DOUBLES / 4];
  bm_work w = {0};
  double *z = work ? work : bm_work_get(&w, stack, sizeof stack / sizeof stack[0], p);
  if (z == NULL) return NAN;
  for (size_t i = 0; i < p; i++) z[i] = x->data[i * x->stride];
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, L->data, (int)L->tda, z, 1);
  double q = 0.0;
  for (size_t i = 0; i < p; i++) q += z[i] * z[i];
  bm_work_release(&w);
  return q;
}

int bm_chol_inverse(const gsl_matrix *L, gsl_matrix *Ainv)
{
  int status = same_square(L, Ainv);
  if (status) return status;
  size_t p = L->size1;
  if (p == 0) return BM_SUCCESS;
  /* OpenBLAS's dtrtri does not report a zero pivot: check the factor here. */
  for (size_t i = 0; i < p; i++)
    if (!(L->data[i * L->tda + i] > 0.0) || !isfinite(L->data[i * L->tda + i])) {
      gsl_matrix_set_all(Ainv, NAN);
      return BM_FAIL(BM_ESING, "L(%zu,%zu) = %g: L is not a Cholesky factor (its diagonal must be positive)", i, i, L->data[i * L->tda + i]);
    }
  if (p <= BM_SL_INV_MAX) {
    bm_sl_chol_inverse(L->data, L->tda, Ainv->data, Ainv->tda, p);
    return BM_SUCCESS;
  }
  if (Ainv != L)
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j <= i; j++)
        Ainv->data[i * Ainv->tda + j] = L->data[i * L->tda + j];
  lapack_int info = LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (lapack_int)p, Ainv->data, (lapack_int)Ainv->tda);
  if (info != 0) {
    gsl_matrix_set_all(Ainv, NAN);
    return BM_FAIL(BM_ESING, "L is singular (LAPACK dpotri info %d)", (int)info);
  }
  bm_sym_from_lower(Ainv);
  return BM_SUCCESS;
}

int bm_chol_product(const gsl_matrix *L, gsl_matrix *A)
{
  int status = same_square(L, A);
  if (status) return status;
  if (A == L) return BM_FAIL(BM_EINVAL, "A aliases L (the product needs L intact)");
  size_t p = L->size1;
  if (p == 0) return BM_SUCCESS;
  /* A <- lower(L), then A <- A L^T (dtrmm): the product of two triangles. */
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) A->data[i * A->tda + j] = j <= i ? L->data[i * L->tda + j] : 0.0;
  cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)p, (int)p, 1.0, L->data,
              (int)L->tda, A->data, (int)A->tda);
  bm_sym_from_lower(A);
  return BM_SUCCESS;
}
