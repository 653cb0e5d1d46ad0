/* Internal helpers shared by the Wishart and inverse-Wishart families
 * (distributions/wishart_common.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include "bayesmat/alloc.h"
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/specfun.h"
#include "bayesmat/random.h"
#include "work.h"
#include "small_linalg.h"
#include "wishart_common.h"
#define BM_FN fn /* the checks below report as the public caller */
#include "../src/error.h"

/* (BM_SL_SCALAR: the vectorized sweep of a 5 x 5 matrix took twice as long) */
BM_SL_SCALAR int bm_wt_check_symmetric_fn(const char *fn, const char *name, const gsl_matrix *A, size_t p)
{
  if (!A || A->size1 != p || A->size2 != p) return bm_check_shape(fn, name, A, p, p);
  int differ = 0;
  double z = 0.0;
  for (size_t i = 0; i < p; i++) {
    const double *row = A->data + i * A->tda;
    for (size_t j = 0; j <= i; j++) {
      double a = row[j];
      differ |= a != A->data[j * A->tda + i];
      z += a - a; /* NaN iff some entry is NaN or +-Inf */
    }
  }
  if (!differ && z == 0.0) return BM_SUCCESS;
  return bm_check_symmetric(fn, name, A, p);
}

int bm_wt_sample_fn(const char *fn, const void *d, int ok, size_t p, double nu, gsl_rng *r, gsl_matrix *X,
                    bm_wt_draw_fn draw, const char *what)
{
  int status = bm_wt_check_out_fn(fn, "X", ok, p, X);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *A = bm_work_get(&w, stack, BM_STACK_DOUBLES, 2 * p * p);
  if (A) {
    gsl_matrix_view Av = gsl_matrix_view_array(A, p, p);
    status = bm_error_wrap(bm_rng_bartlett(r, nu, &Av.matrix), fn);
  } else {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
  }
  if (!status) {
    draw(d, A, A + p * p, X);
    if (!bm_wt_finite(X)) status = BM_FAIL(BM_EDOM, "the draw is beyond double range (%s)", what);
  }
  if (status) bm_nan_matrix(X);
  bm_work_release(&w);
  return status;
}

int bm_wt_check_batch_fn(const char *fn, const gsl_matrix *const *X, size_t m, size_t p)
{
  for (size_t k = 0; k < m; k++) {
    char name[32];
    snprintf(name, sizeof name, "X[%zu]", k);
    int status = X[k] ? bm_wt_check_symmetric_fn(fn, name, X[k], p) : BM_FAIL(BM_EINVAL, "%s is NULL", name);
    if (status) return status;
  }
  return BM_SUCCESS;
}

int bm_wt_factor_variate_fn(const char *fn, const char *name, const gsl_matrix *X, double *buf, size_t p,
                            gsl_matrix_view *W)
{
  *W = gsl_matrix_view_array(buf, p, p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) buf[i * p + j] = MGET(X, i, j);
  size_t k = 0;
  if (bm_chol_factor(&W->matrix, &W->matrix, &k)) return bm_wt_not_pd_fn(fn, name, k, p);
  return BM_SUCCESS;
}

int bm_wt_not_pd_fn(const char *fn, const char *name, size_t k, size_t p)
{
  return BM_FAIL(BM_EDOM, "%s is not positive definite (leading minor %zu of %zu): outside the support", name, k, p);
}

void bm_wt_copy_lower(const gsl_matrix *L, double *dst, size_t ld)
{
  size_t p = L->size1;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) dst[i * ld + j] = j <= i ? MGET(L, i, j) : 0.0;
}

double bm_wt_lower_sumsq(const double *A, size_t p, size_t lda)
{
  double s = 0.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) s += A[i * lda + j] * A[i * lda + j];
  return isnan(s) ? INFINITY : s;
}

/* The first checks of both _set forms: the matrix (named name) p x p, nu finite. */
static int check_shape_nu(const char *fn, const char *name, size_t p, double nu, const gsl_matrix *A)
{
  int status = bm_check_shape(fn, name, A, p, p);
  if (!status && !isfinite(nu)) status = BM_FAIL(BM_ENONFINITE, "nu = %g is not finite", nu);
  return status;
}

int bm_wt_stage_scale_fn(const char *fn, const char *name, size_t p, double nu, const gsl_matrix *P, gsl_matrix *stage)
{
  int status = check_shape_nu(fn, name, p, nu, P);
  if (!status) status = bm_wt_check_symmetric_fn(fn, name, P, p);
  if (!status) status = bm_check_chol(fn, name, P, stage); /* the message names P and the minor */
  return status ? status : bm_check_greater(fn, "nu", nu, (double)p - 1.0, "p - 1");
}

int bm_wt_stage_chol_fn(const char *fn, const char *name, size_t p, double nu, const gsl_matrix *L, gsl_matrix *stage)
{
  int status = check_shape_nu(fn, name, p, nu, L);
  if (!status) status = bm_check_chol_factor(fn, name, L, p);
  if (!status) status = bm_check_greater(fn, "nu", nu, (double)p - 1.0, "p - 1");
  if (!status) bm_wt_copy_lower(L, stage->data, stage->tda);
  return status;
}

int bm_wt_check_grad_args_fn(const char *fn, const char *dP_name, size_t p, const gsl_matrix *X, const gsl_matrix *d_X,
                             const gsl_matrix *d_P)
{
  int status;
  if ((status = bm_validate_shape(X, p, p))) return status;
  if (d_X && (status = bm_validate_shape(d_X, p, p))) return status;
  if (d_P && (status = bm_check_shape(fn, dP_name, d_P, p, p))) return status;
  return bm_wt_check_symmetric_fn(fn, "X", X, p);
}

int bm_wt_score_fn(const char *fn, const void *d, int is_set, size_t p, const gsl_matrix *X, gsl_vector *s,
                   bm_wt_param_grad_fn grad)
{
  size_t q = bm_vech_len(p);
  int status = !is_set || !X || !s
                   ? BM_FAIL(BM_EINVAL, "%s", !is_set ? "d is NULL or has not been set" : !X ? "X is NULL" : "s is NULL")
                   : bm_validate_length(s, q + 1);
  gsl_matrix *G = status ? NULL : bm_matrix_alloc(p, p);
  if (!status && !G) status = BM_FAIL(BM_ENOMEM, "out of memory");
  double d_nu;
  if (!status) status = grad(d, X, G, &d_nu);
  if (!status) {
    gsl_vector_view sP = gsl_vector_subvector(s, 0, q);
    bm_vech_from_sym_grad(G, &sP.vector);
    gsl_vector_set(s, q, d_nu);
  } else {
    bm_nan_vector(s);
  }
  bm_matrix_free(G);
  return status;
}

void bm_wt_theta_blocks(const gsl_matrix *B, double a, double b, double c, double nu, gsl_matrix *H)
{
  size_t p = B->size1, q = bm_vech_len(p);
  gsl_matrix_view HPP = gsl_matrix_submatrix(H, 0, 0, q, q);
  bm_vech_kron(a, B, B, 0.0, &HPP.matrix);
  gsl_vector_view col = gsl_matrix_subcolumn(H, q, 0, q);
  bm_vech_from_sym_grad(B, &col.vector);
  gsl_vector_scale(&col.vector, b);
  for (size_t k = 0; k < q; k++) gsl_matrix_set(H, q, k, gsl_matrix_get(H, k, q));
  /* c = +-1/4: psi'_p(nu/2)/4 from nu (psi'(nu/2) overflows at p = 1, nu < 3e-154, where its quarter need not) */
  gsl_matrix_set(H, q, q, 4.0 * c * bm_mvtrigamma_half(p, nu));
}

int bm_wt_check_x_and_out_fn(const char *fn, int is_set, size_t p, const gsl_matrix *X, const gsl_matrix *H, size_t n)
{
  if (!is_set || !X || !H)
    return BM_FAIL(BM_EINVAL, "%s", !is_set ? "d is NULL or has not been set" : !X ? "X is NULL" : "H is NULL");
  int status = bm_validate_shape(X, p, p);
  if (!status) status = bm_validate_shape(H, n, n);
  if (!status) status = bm_wt_check_symmetric_fn(fn, "X", X, p);
  return status;
}

int bm_wt_fisher_fn(const char *fn, int is_set, size_t p, const gsl_matrix *L, double nu, double b, gsl_matrix *I)
{
  if (!is_set || !I) {
    bm_nan_matrix(I);
    return BM_FAIL(BM_EINVAL, "%s", !is_set ? "d is NULL or has not been set" : "F is NULL");
  }
  size_t q = bm_vech_len(p);
  int status = bm_check_shape(fn, "F", I, q + 1, q + 1); /* the header names the output F */
  if (status) {
    bm_nan_matrix(I);
    return status;
  }
  gsl_matrix *B = bm_matrix_alloc(p, p);
  if (!B) {
    bm_nan_matrix(I);
    return BM_FAIL(BM_ENOMEM, "out of memory");
  }
  bm_chol_inverse(L, B);
  bm_wt_theta_blocks(B, 0.5 * nu, b, 0.25, nu, I);
  bm_matrix_free(B);
  if (!bm_wt_finite(I)) { /* nu B (x) B beyond double range (scale near DBL_MIN) */
    bm_nan_matrix(I);
    return BM_FAIL(BM_EDOM, "an entry of the Fisher matrix is beyond double range (the scale is near DBL_MIN)");
  }
  return BM_SUCCESS;
}

int bm_wt_check_out_fn(const char *fn, const char *name, int ok, size_t p, gsl_matrix *M)
{
  if (!ok || !M) {
    bm_nan_matrix(M);
    return BM_FAIL(BM_EINVAL, "%s%s", !ok ? "d is NULL or has not been set, or r is NULL" : name, !ok ? "" : " is NULL");
  }
  int status = bm_validate_shape(M, p, p);
  if (status) bm_nan_matrix(M);
  return status;
}

int bm_wt_check_batch_args_fn(const char *fn, const char *dP_name, int is_set, size_t p, const gsl_matrix *const *X,
                              size_t m, const gsl_vector *each, const gsl_matrix *d_P)
{
  if (!is_set || (m > 0 && !X)) return BM_FAIL(BM_EINVAL, "%s", !is_set ? "d is NULL or has not been set" : "X is NULL");
  int status;
  if (each && (status = bm_validate_length(each, m))) return status;
  if (d_P && (status = bm_check_shape(fn, dP_name, d_P, p, p))) return status;
  return BM_SUCCESS;
}

double bm_wt_half_sumsq(const double *A, size_t p, size_t lda, int strict)
{
  double s = 0.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j + (size_t)strict <= i; j++) s += A[i * lda + j] * A[i * lda + j];
  if (isfinite(s)) return 0.5 * s;
  if (isnan(s)) return INFINITY;
  /* the sum of squares overflowed, half of it may not: scale by the largest entry */
  double m = 0.0, t = 0.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j + (size_t)strict <= i; j++) m = fmax(m, fabs(A[i * lda + j]));
  if (!isfinite(m)) return INFINITY;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j + (size_t)strict <= i; j++) {
      double v = A[i * lda + j] / m;
      t += v * v;
    }
  return 0.5 * t * m * m;
}

double bm_wt_dev_diag(const double *M, size_t p, size_t lda, double c)
{
  double s = 0.0;
  for (size_t i = 0; i < p; i++) {
    double v = M[i * lda + i], m = v * v / c;
    /* v^2 beyond DBL_MAX with v^2/c (c >= 1 here) still finite: the scaled product */
    if (isinf(m)) m = fabs(v) * (fabs(v) / c);
    if (isinf(m)) return -INFINITY; /* log m - m + 1 below -DBL_MAX (log(inf) - inf would be NaN) */
    if (fabs(m - 1.0) <= 0.25)
      s += bm_log1pmx(m - 1.0); /* the rounding of m costs |m - 1| eps, not eps */
    else
      s += 2.0 * log(fabs(v)) - log(c) - m + 1.0;
  }
  return s;
}

int bm_wt_large_nu(size_t p, double nu)
{
  return 0.5 * (nu - (double)p + 1.0) >= 10.0;
}

double bm_wt_lognorm_large(size_t p, double nu)
{
  double pd = (double)p;
  double s = 0.25 * pd * (pd + 1.0) * log(0.5 * nu) - 0.25 * pd * (pd - 1.0) * (1.0 + BM_WT_LOG_PI) -
             0.5 * pd * BM_WT_LOG_2PI;
  for (size_t j = 0; j < p; j++) {
    double jd = (double)j;
    s -= 0.5 * (nu - jd - 1.0) * log1p(-jd / nu) + bm_lgamma_stirling_tail(0.5 * (nu - jd));
  }
  return s;
}

int bm_wt_finite(const gsl_matrix *A)
{
  double z = 0.0;
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) z += MGET(A, i, j) * 0.0;
  return z == 0.0;
}

void bm_wt_solve_lower_tri(const double *L, size_t ldl, double *B, size_t ldb, size_t p)
{
  if (p <= BM_SL_MAX) {
    bm_sl_trsm_left(CblasNoTrans, p, p, L, ldl, B, ldb);
    return;
  }
  size_t nb = p <= BM_KN_MAX ? 16 : 64; /* fewer, larger calls where they go to CBLAS */
  for (size_t j0 = 0; j0 < p; j0 += nb) {
    size_t w = p - j0 < nb ? p - j0 : nb;
    bm_sl_trsm_left(CblasNoTrans, p - j0, w, L + j0 * ldl + j0, ldl, B + j0 * ldb + j0, ldb);
  }
}
