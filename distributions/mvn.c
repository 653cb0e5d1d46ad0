/* bayesmat — multivariate normal N_p(mu, Sigma) (include/bayesmat/mvn.h).
 *
 *   log f(x) = -p/2 log 2pi - 1/2 log|Sigma| - 1/2 (x-mu)^T Sigma^{-1} (x-mu)
 *   theta = (mu, vech Sigma).
 * Fisher information: docs/fisher.md (mvn), derivations in docs/mvn.md.
 * Numerics: Sigma = L L^T (LAPACK dpotrf); log|Sigma| = 2 sum log L_ii; the
 * quadratic form is |L^{-1} r|^2 (one triangular solve, never an inverse);
 * Lambda = Sigma^{-1} (dpotri) is computed on first use by a function that
 * needs it as an output (gradient w.r.t. Sigma, Hessians, Fisher, KL
 * gradient) and cached in the object behind a C11 atomic once-flag, so that
 * _set + batched log-likelihood costs only the factorization (the dpotri
 * would add ~25% at p = 400) and concurrent readers stay safe. Batches: one dtrsm
 * of the centered n x p block, one dsyrk for the gradient. The cache, the
 * solves and the batch row groups are shared with mvt.c in vector_common.c.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/alloc.h"
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/random.h"
#include "bayesmat/mvn.h"
#include "work.h"
#include "vector_common.h"
#include "small_p.h"
#include "mid_p.h"
#include "mvn_impl.h"
#include "../src/error.h"

/* the object's p x p matrices, as bm_square_matrices_calloc / bm_matrices_free take them */
#define MVN_MATRICES(d) 6, (gsl_matrix **const[]){&(d)->Sigma, &(d)->L, &(d)->Lambda, &(d)->S1, &(d)->S2, &(d)->S3}

bm_mvn *bm_mvn_alloc(size_t p)
{
  if (p == 0) return NULL;
  bm_mvn *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->p = p;
  d->q = bm_vech_len(p);
  atomic_init(&d->lambda_state, 0);
  d->mu = bm_vector_calloc(p);
  if (!d->mu || bm_square_matrices_calloc(MVN_MATRICES(d), p)) {
    bm_mvn_free(d);
    return NULL;
  }
  return d;
}

void bm_mvn_free(bm_mvn *d)
{
  if (!d) return;
  bm_vector_free(d->mu);
  bm_matrices_free(MVN_MATRICES(d));
  free(d);
}

/* Commit: mu, and Sigma / L (/ Lambda when known, else NULL) held in the
 * scratch matrices named. */
static void commit(bm_mvn *d, const gsl_vector *mu, gsl_matrix **Sigma, gsl_matrix **L, gsl_matrix **Lambda)
{
  gsl_vector_memcpy(d->mu, mu);
  bm_vc_swap_matrix(&d->Sigma, Sigma);
  bm_vc_swap_matrix(&d->L, L);
  if (Lambda) bm_vc_swap_matrix(&d->Lambda, Lambda);
  atomic_store_explicit(&d->lambda_state, Lambda ? 2 : 0, memory_order_release);
  d->logdet = bm_chol_logdet(d->L);
  d->lognorm = -0.5 * (double)d->p * BM_VC_LOG_2PI - 0.5 * d->logdet;
  bm_sp_coef_set(&d->sp, d->mu, d->L);
  d->is_set = 1;
}

int bm_mvn_set(bm_mvn *d, const gsl_vector *mu, const gsl_matrix *Sigma)
{
  if (!d) return BM_FAIL(BM_EINVAL, "d is NULL");
  int status = bm_validate_vector(mu, d->p);
  if (!status) status = bm_validate_spd(Sigma, d->p, d->S2, NULL);
  if (status) return status;
  bm_vc_copy_sym_lower(Sigma, d->S1);
  commit(d, mu, &d->S1, &d->S2, NULL);
  return BM_SUCCESS;
}

int bm_mvn_set_precision(bm_mvn *d, const gsl_vector *mu, const gsl_matrix *Lambda)
{
  if (!d) return BM_FAIL(BM_EINVAL, "d is NULL");
  int status = bm_validate_vector(mu, d->p);
  if (!status) status = bm_validate_spd(Lambda, d->p, d->S2, NULL);
  if (status) return status;
  /* Sigma = Lambda^{-1} from Lambda's factor, then Sigma's own factor */
  if (bm_chol_inverse(d->S2, d->S1) || bm_chol_factor(d->S1, d->S2, NULL))
    return BM_FAIL(BM_ENOTSPD, "Lambda^-1 is not positive definite in double precision (Lambda near singular)");
  bm_vc_copy_sym_lower(Lambda, d->S3);
  commit(d, mu, &d->S1, &d->S2, &d->S3);
  return BM_SUCCESS;
}

int bm_mvn_set_chol(bm_mvn *d, const gsl_vector *mu, const gsl_matrix *L)
{
  if (!d) return BM_FAIL(BM_EINVAL, "d is NULL");
  int status = bm_validate_vector(mu, d->p);
  if (!status) status = bm_validate_chol_factor(L, d->p);
  if (status) return status;
  size_t p = d->p;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(d->S2, i, j, j <= i ? gsl_matrix_get(L, i, j) : 0.0);
  bm_chol_product(d->S2, d->S1);
  commit(d, mu, &d->S1, &d->S2, NULL);
  return BM_SUCCESS;
}

size_t bm_mvn_nparams(const bm_mvn *d) { return d ? d->p + d->q : 0; }

size_t bm_mvn_dim(const bm_mvn *d) { return d ? d->p : 0; }

/* ---- small helpers ------------------------------------------------------ */

static int check_obj_fn(const char *fn, const bm_mvn *d)
{
  return d && d->is_set ? BM_SUCCESS : bm_error_set(BM_EINVAL, fn, d ? "d has not been set" : "d is NULL");
}
#define check_obj(d) check_obj_fn(__func__, d)

/* The checks of a point evaluation with an n x n matrix output: d set, x a
 * finite p-vector, out (named as the header names it) n x n, NaN-filled on
 * failure; n is read only once d passed. */
#define check_point_out(d, x, out, n) check_point_out_fn(__func__, d, x, #out, out, n)
static int check_point_out_fn(const char *fn, const bm_mvn *d, const gsl_vector *x, const char *oname, gsl_matrix *out,
                              size_t n_if_set)
{
  int status = check_obj_fn(fn, d);
  if (!status) status = bm_check_vector(fn, "x", x, d->p);
  if (!status) status = bm_check_shape(fn, oname, out, n_if_set, n_if_set);
  if (status) bm_nan_matrix(out);
  return status;
}

/* Lambda = Sigma^{-1}, computed once per _set by the first caller that needs
 * it (vector_common.c). The object was allocated non-const, so casting the
 * const away is defined. */
static const gsl_matrix *precision(const bm_mvn *dc)
{
  bm_mvn *d = (bm_mvn *)dc;
  return bm_vc_precision(&d->lambda_state, d->L, d->Lambda);
}

/* ---- single-point evaluation --------------------------------------------- */

/* The checks and the general (and scaled) path of bm_mvn_logpdf; apart so
 * that the common small call carries no stack buffer and no checks beyond
 * the few it needs. */
static int logpdf_general(const bm_mvn *d, const gsl_vector *x, double *lp)
{
  const char *fn = "bm_mvn_logpdf";
  if (!lp) return bm_error_set(BM_EINVAL, fn, "lp is NULL");
  *lp = NAN;
  int status = check_obj_fn(fn, d);
  if (!status) status = bm_check_vector(fn, "x", x, d->p);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *z = bm_work_get(&w, stack, BM_STACK_DOUBLES, d->p);
  if (!z) return bm_error_set(BM_ENOMEM, fn, "out of memory");
  bm_vc_residual(d->mu, x, z);
  double delta = bm_vc_whiten(d->L, z);
  /* finite x, mu, L: a NaN can only come from overflow (inf - inf in the solve); the true form is > DBL_MAX */
  if (isnan(delta)) delta = INFINITY;
  /* delta can overflow where delta/2 does not: then the scaled half sum */
  *lp = isfinite(delta) ? d->lognorm - 0.5 * delta : d->lognorm - bm_vc_half_sumsq(z, d->p);
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_mvn_logpdf(const bm_mvn *d, const gsl_vector *x, double *lp)
{
  /* small p: the coefficients of _set; a finite form means every entry of x
   * was finite (a non-finite one leaves the form non-finite), so the checks
   * that remain are the shapes; anything else goes the general way */
  if (lp && d && d->is_set && d->sp.ok && x && x->size == d->p && x->data) {
    double delta = bm_sp_mahalanobis_coef(&d->sp, x);
    if (delta <= DBL_MAX) {
      *lp = d->lognorm - 0.5 * delta;
      return BM_SUCCESS;
    }
  }
  return logpdf_general(d, x, lp);
}

/* G <- (a a^T - Lambda)/2 */
static void sigma_grad(const bm_mvn *d, const double *a, gsl_matrix *G) { bm_vc_sigma_grad(1.0, a, precision(d), G); }

/* a <- Lambda (x - mu) when the direct solves overflowed: entries of x - mu
 * near DBL_MAX overflow inside the substitution (r_3 - l_32 z_2 with both
 * terms near -DBL_MAX) or in the residual itself, while a = Lambda r can be
 * far inside the range. The map is linear: the same solves on 2^-k (x - mu),
 * then 2^k; k leaves the largest entry of x or mu near 2^512, room on both
 * sides. Entries of a beyond double range stay infinite (true overflow). */
static void precision_times_scaled(const bm_mvn *d, const gsl_vector *x, double *a)
{
  size_t p = d->p;
  double m = 0.0;
  for (size_t i = 0; i < p; i++) m = fmax(m, fmax(fabs(gsl_vector_get(x, i)), fabs(gsl_vector_get(d->mu, i))));
  int k = ilogb(m) - 512;
  if (k <= 0) return; /* |r| < 2^513 and an overflowing solve: |a| |r| >= |z|^2, a is beyond range */
  for (size_t i = 0; i < p; i++) a[i] = ldexp(gsl_vector_get(x, i), -k) - ldexp(gsl_vector_get(d->mu, i), -k);
  bm_vc_precision_times(d->L, a);
  for (size_t i = 0; i < p; i++) a[i] = ldexp(a[i], k);
}

int bm_mvn_grad(const bm_mvn *d, const gsl_vector *x, gsl_vector *dx, gsl_vector *dmu, gsl_matrix *dSigma)
{
  int status = bm_vc_check_grad(check_obj(d), d ? d->p : 0, x, dx, dmu, dSigma);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *a = bm_work_get(&w, stack, BM_STACK_DOUBLES, d->p);
  if (!a) return BM_FAIL(BM_ENOMEM, "out of memory");
  bm_vc_residual(d->mu, x, a);
  bm_vc_precision_times(d->L, a);
  double fin = 0.0;
  for (size_t i = 0; i < d->p; i++) fin += a[i] * 0.0;
  if (fin != 0.0) precision_times_scaled(d, x, a);
  for (size_t i = 0; i < d->p; i++) {
    if (dx) gsl_vector_set(dx, i, -a[i]);
    if (dmu) gsl_vector_set(dmu, i, a[i]);
  }
  if (dSigma) sigma_grad(d, a, dSigma);
  bm_work_release(&w);
  return bm_vc_finite_or_edom(dx, dmu, dSigma);
}

int bm_mvn_grad_precision(const bm_mvn *d, const gsl_vector *x, gsl_matrix *dLambda)
{
  int status = check_point_out(d, x, dLambda, d ? d->p : 0);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *r = bm_work_get(&w, stack, BM_STACK_DOUBLES, d->p);
  if (!r) return BM_FAIL(BM_ENOMEM, "out of memory");
  bm_vc_residual(d->mu, x, r);
  /* log f = ... + 1/2 log|Lambda| - 1/2 r^T Lambda r  =>  G = (Sigma - r r^T)/2 */
  for (size_t i = 0; i < d->p; i++)
    for (size_t j = 0; j <= i; j++) {
      double g = 0.5 * (gsl_matrix_get(d->Sigma, i, j) - r[i] * r[j]);
      gsl_matrix_set(dLambda, i, j, g);
      gsl_matrix_set(dLambda, j, i, g);
    }
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_mvn_grad_chol(const bm_mvn *d, const gsl_vector *x, gsl_matrix *dL)
{
  int status = check_point_out(d, x, dL, d ? d->p : 0);
  if (status) return status;
  size_t p = d->p;
  bm_work w;
  double *a = bm_work_get(&w, NULL, 0, p * p + p);
  if (!a) return BM_FAIL(BM_ENOMEM, "out of memory");
  double *G = a + p;
  bm_vc_residual(d->mu, x, a);
  bm_vc_precision_times(d->L, a);
  gsl_matrix_view Gv = gsl_matrix_view_array(G, p, p);
  sigma_grad(d, a, &Gv.matrix);
  /* d f = tr(G dSigma), dSigma = dL L^T + L dL^T  =>  d f = tr(2 L^T G dL): grad = 2 G L, lower part */
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double s = 0.0;
      if (j <= i)
        for (size_t k = j; k < p; k++) s += G[i * p + k] * gsl_matrix_get(d->L, k, j);
      gsl_matrix_set(dL, i, j, 2.0 * s);
    }
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_mvn_grad_sigma_to_precision(const bm_mvn *d, const gsl_matrix *G_Sigma, gsl_matrix *G_Lambda)
{
  int status = check_obj(d);
  if (!status && G_Sigma == G_Lambda) status = BM_FAIL(BM_EINVAL, "G_Sigma and G_Lambda alias");
  if (!status) status = bm_validate_matrix(G_Sigma, d->p, d->p);
  if (!status) status = bm_validate_shape(G_Lambda, d->p, d->p);
  if (status) {
    if (G_Lambda != G_Sigma) bm_nan_matrix(G_Lambda);
    return status;
  }
  size_t p = d->p;
  bm_work w;
  double *T = bm_work_get(&w, NULL, 0, p * p);
  if (!T) return BM_FAIL(BM_ENOMEM, "out of memory");
  /* T = Sigma G_Sigma;  G_Lambda = -T Sigma */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)p, (int)p, 1.0, d->Sigma->data,
              (int)d->Sigma->tda, G_Sigma->data, (int)G_Sigma->tda, 0.0, T, (int)p);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)p, (int)p, -1.0, T, (int)p, d->Sigma->data,
              (int)d->Sigma->tda, 0.0, G_Lambda->data, (int)G_Lambda->tda);
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_mvn_score(const bm_mvn *d, const gsl_vector *x, gsl_vector *s)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_vector(x, d->p);
  if (!status) status = bm_validate_length(s, d->p + d->q);
  if (status) {
    bm_nan_vector(s);
    return status;
  }
  size_t p = d->p;
  bm_work w;
  double *a = bm_work_get(&w, NULL, 0, p * p + p);
  if (!a) return BM_FAIL(BM_ENOMEM, "out of memory");
  bm_vc_residual(d->mu, x, a);
  bm_vc_precision_times(d->L, a);
  for (size_t i = 0; i < p; i++) gsl_vector_set(s, i, a[i]);
  gsl_matrix_view G = gsl_matrix_view_array(a + p, p, p);
  sigma_grad(d, a, &G.matrix);
  gsl_vector_view sS = gsl_vector_subvector(s, p, d->q);
  bm_vech_from_sym_grad(&G.matrix, &sS.vector);
  bm_work_release(&w);
  return bm_vc_finite_or_edom(s, NULL, NULL);
}

int bm_mvn_hess(const bm_mvn *d, const gsl_vector *x, gsl_matrix *H)
{
  int status = check_point_out(d, x, H, d ? d->p + d->q : 0);
  if (status) return status;
  size_t p = d->p, q = d->q;
  bm_work w;
  double *a = bm_work_get(&w, NULL, 0, p * p + p);
  if (!a) return BM_FAIL(BM_ENOMEM, "out of memory");
  bm_vc_residual(d->mu, x, a);
  bm_vc_precision_times(d->L, a);
  const gsl_matrix *Lam = precision(d);
  /* mu-mu: -Lambda */
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(H, i, j, -gsl_matrix_get(Lam, i, j));
  /* mu-Sigma: d a / d theta_b = -Lambda E_b a */
  for (size_t b = 0; b < q; b++) {
    size_t k, l;
    bm_vech_pair(p, b, &k, &l);
    for (size_t i = 0; i < p; i++) {
      double v = gsl_matrix_get(Lam, i, k) * a[l];
      if (k != l) v += gsl_matrix_get(Lam, i, l) * a[k];
      gsl_matrix_set(H, i, p + b, -v);
      gsl_matrix_set(H, p + b, i, -v);
    }
  }
  /* Sigma-Sigma: T(Lambda, Lambda)/2 - T(a a^T, Lambda) */
  gsl_matrix_view HS = gsl_matrix_submatrix(H, p, p, q, q);
  bm_vc_hess_sigma_block(1.0, a, a + p, Lam, &HS.matrix);
  bm_work_release(&w);
  return bm_vc_finite_or_edom(NULL, NULL, H);
}

int bm_mvn_hess_x(const bm_mvn *d, const gsl_vector *x, gsl_matrix *H)
{
  int status = check_point_out(d, x, H, d ? d->p : 0);
  if (status) return status;
  gsl_matrix_memcpy(H, precision(d));
  gsl_matrix_scale(H, -1.0);
  return bm_vc_finite_or_edom(NULL, NULL, H);
}

int bm_mvn_fisher(const bm_mvn *d, gsl_matrix *I)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_shape(I, d->p + d->q, d->p + d->q);
  if (status) {
    bm_nan_matrix(I);
    return status;
  }
  size_t p = d->p, q = d->q;
  gsl_matrix_set_zero(I);
  gsl_matrix_view Im = gsl_matrix_submatrix(I, 0, 0, p, p);
  const gsl_matrix *Lam = precision(d);
  gsl_matrix_memcpy(&Im.matrix, Lam);
  gsl_matrix_view IS = gsl_matrix_submatrix(I, p, p, q, q);
  bm_vech_kron(0.5, Lam, Lam, 0.0, &IS.matrix);
  return BM_SUCCESS;
}

int bm_mvn_sample(const bm_mvn *d, gsl_rng *r, gsl_vector *x)
{
  int status = check_obj(d);
  if (!status && !r) status = BM_FAIL(BM_EINVAL, "r is NULL");
  if (!status) status = bm_validate_length(x, d->p);
  if (status) {
    bm_nan_vector(x);
    return status;
  }
  bm_rng_std_normal_vector(r, x);
  bm_chol_lower_multiply(d->L, x);
  gsl_vector_add(x, d->mu);
  return BM_SUCCESS;
}

int bm_mvn_mean(const bm_mvn *d, gsl_vector *mean)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_length(mean, d->p);
  if (status) {
    bm_nan_vector(mean);
    return status;
  }
  gsl_vector_memcpy(mean, d->mu);
  return BM_SUCCESS;
}

int bm_mvn_cov(const bm_mvn *d, gsl_matrix *cov)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_shape(cov, d->p, d->p);
  if (status) {
    bm_nan_matrix(cov);
    return status;
  }
  gsl_matrix_memcpy(cov, d->Sigma);
  return BM_SUCCESS;
}

/* ---- batches -------------------------------------------------------------- */

/* log f of whitened rows: lognorm - |z|^2/2 */
static void loglik_block(const void *ctx, const double *Z, size_t rows, size_t first, gsl_vector *each,
                         double *total)
{
  const bm_mvn *d = ctx;
  size_t p = d->p;
  double t = *total;
  for (size_t i = 0; i < rows; i++) {
    const double *z = Z + i * p;
    double delta = 0.0;
    for (size_t j = 0; j < p; j++) delta += z[j] * z[j];
    if (isnan(delta)) delta = INFINITY; /* overflow in the whitening (finite inputs) */
    double li = d->lognorm - 0.5 * delta;
    if (each) gsl_vector_set(each, first + i, li);
    t += li;
  }
  *total = t;
}

/* small p: the same from the rows' Mahalanobis forms and their sum
 * (distributions/small_p.c) */
static void loglik_delta(const void *ctx, const double *delta, double delta_sum, size_t rows, size_t first,
                         gsl_vector *each, double *total)
{
  const bm_mvn *d = ctx;
  if (each)
    for (size_t i = 0; i < rows; i++) gsl_vector_set(each, first + i, d->lognorm - 0.5 * delta[i]);
  *total += (double)rows * d->lognorm - 0.5 * delta_sum;
}

/* d set, p <= BM_SP_MAX, pivots with finite reciprocals: the small-p path */
static int small_path(const bm_mvn *d)
{
  return d && d->p <= BM_SP_MAX && d->is_set && bm_sp_pivots_ok(d->L);
}

/* the value alone takes the small-p scaffolding up to BM_MP_MAX (the
 * kernel of distributions/mid_p.h from BM_MP_MIN); the gradient beyond
 * BM_SP_MAX keeps the scatter route, whose trace is the value */
static int value_path(const bm_mvn *d)
{
  return d && d->p <= BM_MP_MAX && d->is_set && bm_sp_pivots_ok(d->L);
}

/* The batched value for the public caller fn (named in its messages); the
 * one computation of both bm_mvn_loglik and, at small p, bm_mvn_loglik_grad,
 * so that the two return the same bits. */
static int loglik_value(const char *fn, const bm_mvn *d, const gsl_matrix *X, double *ll, gsl_vector *each)
{
  double total = 0.0;
  int status = value_path(d) ? bm_sp_loglik_fn(fn, check_obj_fn(fn, d), d->mu, d->L, X, each, loglik_delta, d, &total)
                             : bm_vc_loglik_fn(fn, check_obj_fn(fn, d), d ? d->mu : NULL, d ? d->L : NULL, X, each,
                                               loglik_block, d, &total);
  if (status) return status;
  *ll = total;
  if (*ll == -INFINITY) { /* some row's delta overflowed: row by row through the scaled single point */
    double t = 0.0;
    for (size_t i = 0; i < X->size1; i++) {
      gsl_vector_const_view row = gsl_matrix_const_row(X, i);
      double li;
      bm_mvn_logpdf(d, &row.vector, &li);
      if (each) gsl_vector_set(each, i, li);
      t += li;
    }
    *ll = t;
  }
  return BM_SUCCESS;
}

int bm_mvn_loglik(const bm_mvn *d, const gsl_matrix *X, double *ll, gsl_vector *each)
{
  if (!ll) return BM_FAIL(BM_EINVAL, "ll is NULL");
  *ll = NAN;
  return loglik_value(__func__, d, X, ll, each);
}

/* acc[0] += sum |z_i|^2, s += sum z_i; Z stays (Z^T Z enters the Sigma gradient) */
static void grad_block(const void *ctx, double *Z, size_t rows, double *s, double acc[2])
{
  size_t p = ((const bm_mvn *)ctx)->p;
  double sumsq = acc[0];
  for (size_t i = 0; i < rows; i++) {
    const double *z = Z + i * p;
    for (size_t j = 0; j < p; j++) {
      sumsq += z[j] * z[j];
      s[j] += z[j];
    }
  }
  acc[0] = sumsq;
}

/* The scatter route of bm_vc_scatter_grad rounds like the whitened rows
 * times cond(L): used when the factor's diagonal spans at most a factor
 * BM_MVN_SCATTER_DIAG_RATIO (cond(Sigma) is at least its square; the
 * whitening route, whose errors grow with cond(L) only, serves the rest).
 * At small p the value comes from the value-only call's own computation
 * (the MPI layer's tests hold the two equal), the gradients alone from the
 * scatter: a quarter of the whitening route's time at p = 5. */
#define BM_MVN_SCATTER_DIAG_RATIO 100.0
static int scatter_ok(const gsl_matrix *L)
{
  size_t p = L->size1;
  double lo = INFINITY, hi = 0.0;
  for (size_t i = 0; i < p; i++) {
    double l = L->data[i * L->tda + i];
    lo = fmin(lo, l);
    hi = fmax(hi, l);
  }
  return hi <= BM_MVN_SCATTER_DIAG_RATIO * lo;
}

/* The batch's Gram Z^T Z (or the scatter) beyond double range while the
 * gradient is not: a row of size 1e308 against Sigma = 1e300 I has
 * |z|^2 = 2e316 but a = Lambda r = 1.5e8. The sum of the single-point
 * gradients, which scale each row before squaring it; a failure only when
 * one of them, or their sum, is itself beyond double range. */
static int rowwise_grad(const bm_mvn *d, const gsl_matrix *X, gsl_vector *dmu, gsl_matrix *dSigma)
{
  size_t p = d->p;
  gsl_vector *gm = dmu ? bm_vector_alloc(p) : NULL;
  gsl_matrix *gS = dSigma ? bm_matrix_alloc(p, p) : NULL;
  int status = (dmu && !gm) || (dSigma && !gS) ? BM_FAIL(BM_ENOMEM, "out of memory") : BM_SUCCESS;
  if (dmu) gsl_vector_set_zero(dmu);
  if (dSigma) gsl_matrix_set_zero(dSigma);
  for (size_t i = 0; !status && i < X->size1; i++) {
    gsl_vector_const_view row = gsl_matrix_const_row(X, i);
    status = bm_mvn_grad(d, &row.vector, NULL, gm, gS);
    if (!status && dmu) gsl_vector_add(dmu, gm);
    if (!status && dSigma) gsl_matrix_add(dSigma, gS);
  }
  if (gm) bm_vector_free(gm);
  if (gS) bm_matrix_free(gS);
  if (!status) status = bm_vc_finite_or_edom(dmu, NULL, dSigma);
  if (status) {
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
  }
  return status;
}

int bm_mvn_loglik_grad(const bm_mvn *d, const gsl_matrix *X, double *ll, gsl_vector *dmu, gsl_matrix *dSigma)
{
  if (ll) *ll = NAN;
  /* dmu = sum_i Lambda r_i = L^{-T} sum_i z_i;
   * dSigma = sum_i (a_i a_i^T - Lambda)/2 = L^{-T} (Z^T Z - n I) L^{-1} / 2 */
  double acc[2];
  int status = BM_VC_RETRY;
  if (small_path(d)) {
    size_t p = d->p;
    double v = NAN;
    status = bm_vc_check_batch_fn(__func__, BM_SUCCESS, p, X);
    if (!status && dmu) status = bm_validate_length(dmu, p);
    if (!status && dSigma) status = bm_validate_shape(dSigma, p, p);
    if (!status) status = loglik_value(__func__, d, X, &v, NULL);
    if (!status && dSigma && scatter_ok(d->L))
      status = bm_vc_scatter_grad(BM_SUCCESS, d->L, d->mu, X, dmu, dSigma, acc);
    else if (!status)
      status = BM_VC_RETRY;
    if (status == BM_VC_RETRY)
      status = dmu || dSigma ? bm_vc_loglik_grad(BM_SUCCESS, d->L, d->mu, X, dmu, dSigma, grad_block, d, acc) : BM_SUCCESS;
    if (status) {
      bm_nan_vector(dmu);
      bm_nan_matrix(dSigma);
      return status;
    }
    if (ll) *ll = v;
    status = bm_vc_all_finite(dmu, NULL, dSigma) ? BM_SUCCESS : rowwise_grad(d, X, dmu, dSigma);
    if (status && ll) *ll = NAN;
    return status;
  }
  if (dSigma && d && d->is_set && scatter_ok(d->L)) { /* the scatter route: n p^2 + 2 p^3 instead of 2 n p^2 + 2 p^3 */
    status = bm_vc_scatter_grad(check_obj(d), d->L, d->mu, X, dmu, dSigma, acc);
    if (status != BM_VC_RETRY && status) return status;
  }
  if (status == BM_VC_RETRY)
    status = bm_vc_loglik_grad(check_obj(d), d ? d->L : NULL, d ? d->mu : NULL, X, dmu, dSigma, grad_block, d, acc);
  if (status) return status;
  double sumsq = acc[0];
  if (isnan(sumsq)) sumsq = INFINITY; /* overflow in the whitening (finite inputs) */
  if (ll) *ll = (double)X->size1 * d->lognorm - 0.5 * sumsq;
  status = bm_vc_all_finite(dmu, NULL, dSigma) ? BM_SUCCESS : rowwise_grad(d, X, dmu, dSigma);
  if (status && ll) *ll = NAN; /* a failed call leaves every output NaN */
  return status;
}

/* ---- information-theoretic quantities ------------------------------------ */

int bm_mvn_entropy(const bm_mvn *d, double *h)
{
  if (!h) return BM_FAIL(BM_EINVAL, "h is NULL");
  *h = NAN;
  int status = check_obj(d);
  if (status) return status;
  *h = 0.5 * (double)d->p * (1.0 + BM_VC_LOG_2PI) + 0.5 * d->logdet;
  return BM_SUCCESS;
}

int bm_mvn_kl_grad(const bm_mvn *d0, const bm_mvn *d1, double *kl, gsl_vector *dmu0, gsl_matrix *dSigma0,
                   gsl_vector *dmu1, gsl_matrix *dSigma1)
{
  if (kl) *kl = NAN;
  int status = check_obj(d0);
  if (!status) status = check_obj(d1);
  if (!status && d0->p != d1->p) status = BM_FAIL(BM_EBADLEN, "d0 has dimension %zu, d1 %zu", d0->p, d1->p);
  size_t p = status ? 0 : d0->p;
  if (!status && dmu0) status = bm_validate_length(dmu0, p);
  if (!status && dmu1) status = bm_validate_length(dmu1, p);
  if (!status && dSigma0) status = bm_validate_shape(dSigma0, p, p);
  if (!status && dSigma1) status = bm_validate_shape(dSigma1, p, p);
  if (!status && dSigma0 && dSigma0 == dSigma1) status = BM_FAIL(BM_EINVAL, "dSigma0 and dSigma1 alias");
  bm_work w = {NULL, 0};
  double *M = NULL;
  if (!status) {
    M = bm_work_get(&w, NULL, 0, 2 * p * p + p);
    if (!M) status = BM_FAIL(BM_ENOMEM, "out of memory");
  }
  if (status) {
    bm_nan_vector(dmu0);
    bm_nan_vector(dmu1);
    bm_nan_matrix(dSigma0);
    bm_nan_matrix(dSigma1);
    return status;
  }
  double *T = M + p * p, *m = T + p * p;
  /* m = mu1 - mu0 */
  for (size_t i = 0; i < p; i++) m[i] = gsl_vector_get(d1->mu, i) - gsl_vector_get(d0->mu, i);
  if (kl) {
    /* tr(Lambda1 Sigma0) = ||L1^{-1} L0||_F^2 */
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) M[i * p + j] = j <= i ? gsl_matrix_get(d0->L, i, j) : 0.0;
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0,
                d1->L->data, (int)d1->L->tda, M, (int)p);
    double tr = 0.0;
    for (size_t k = 0; k < p * p; k++) tr += M[k] * M[k];
    for (size_t i = 0; i < p; i++) T[i] = m[i];
    bm_vc_forward_solve(d1->L, T);
    double quad = 0.0;
    for (size_t i = 0; i < p; i++) quad += T[i] * T[i];
    *kl = 0.5 * (tr + quad - (double)p + d1->logdet - d0->logdet);
  }
  /* a = Lambda1 m */
  double *a = T;
  for (size_t i = 0; i < p; i++) a[i] = m[i];
  bm_vc_precision_times(d1->L, a);
  for (size_t i = 0; i < p; i++) {
    if (dmu0) gsl_vector_set(dmu0, i, -a[i]);
    if (dmu1) gsl_vector_set(dmu1, i, a[i]);
  }
  if (dSigma0)
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        gsl_matrix_set(dSigma0, i, j, 0.5 * (gsl_matrix_get(precision(d1), i, j) - gsl_matrix_get(precision(d0), i, j)));
  if (dSigma1) {
    /* (Lambda1 - Lambda1 Sigma0 Lambda1 - a a^T)/2 */
    const gsl_matrix *L1 = precision(d1);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)p, (int)p, 1.0, L1->data, (int)L1->tda,
                d0->Sigma->data, (int)d0->Sigma->tda, 0.0, M, (int)p);
    double *out = dSigma1->data;
    int tda = (int)dSigma1->tda;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)p, (int)p, -0.5, M, (int)p, L1->data,
                (int)L1->tda, 0.0, out, tda);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) out[i * (size_t)tda + j] += 0.5 * (gsl_matrix_get(L1, i, j) - a[i] * a[j]);
    bm_vc_symmetrize(out, p, (size_t)tda);
  }
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_mvn_kl(const bm_mvn *d0, const bm_mvn *d1, double *kl)
{
  if (!kl) return BM_FAIL(BM_EINVAL, "kl is NULL");
  return BM_WRAP(bm_mvn_kl_grad(d0, d1, kl, NULL, NULL, NULL, NULL));
}

/* ---- the uniform surface and the family descriptor (bayesmat/family.h) ---- */
#include "family_internal.h"

void bm_mvn_shape(const bm_mvn *d, size_t *rows, size_t *cols)
{
  if (rows) *rows = d ? 1 : 0;
  if (cols) *cols = d ? d->p : 0;
}

int bm_mvn_logpdf_grad(const bm_mvn *d, const gsl_vector *x, double *lp, gsl_vector *d_x, gsl_vector *d_mu,
                       gsl_matrix *d_Sigma)
{
  BM_FAMILY_LOGPDF_GRAD(mvn, x, lp, d_x, d_mu, d_Sigma);
}

static void *mvn_op_alloc(size_t rows, size_t cols) { return rows == 1 ? bm_mvn_alloc(cols) : NULL; }
BM_FAMILY_VECTOR_OPS(mvn)

static const bm_theta_block mvn_blocks[] = {BM_THETA_VEC("mu", BM_DIM_ONE, BM_DIM_COLS),
                                            BM_THETA_VECH("Sigma", BM_DIM_COLS)};
const bm_family_type bm_family_mvn = {.name = "mvn", .description = "multivariate normal N_p(mu, Sigma)",
                                      .variate = BM_VARIATE_VECTOR, .blocks = mvn_blocks, .nblocks = 2,
                                      BM_FAMILY_OPS_INIT(mvn)};
