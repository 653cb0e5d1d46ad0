/* bayesmat — Jeffreys priors from Fisher information (docs/contract.md).
 *
 * log pi = 1/2 log det B, B = I[idx, idx]. With D = diag(B) and the
 * equilibrated R = D^-1/2 B D^-1/2 (unit diagonal), log det B = sum log D_jj
 * + log det R, and log det R = sum_j log d_j over the pivots d_j of an
 * unpivoted Cholesky (LDL^T) of R. The pivots are scale-free, which makes
 * the singularity threshold BM_JEFFREYS_RTOL meaningful whatever units the
 * parameters have. Reparameterization: docs/jeffreys.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <lapacke.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/validate.h"
#include "bayesmat/jeffreys.h"
#include "bayesmat/family.h"
#include "bayesmat/mvn.h"
#include "bayesmat/mvt.h"
#include "bayesmat/wishart.h"
#include "bayesmat/matnorm.h"
#include "bayesmat/matt.h"
#include "bayesmat/invwishart.h"
#include "bayesmat/matf.h"
#include "work.h"
#include "internal.h"
#include "../src/error.h"


int bm_jeffreys_from_fisher(const gsl_matrix *Fi, const size_t *idx, size_t k, double *log_prior)
{
  if (!log_prior) return BM_FAIL(BM_EINVAL, "log_prior is NULL");
  *log_prior = NAN;
  if (!Fi) return BM_FAIL(BM_EINVAL, "Fi is NULL");
  size_t n = Fi->size1;
  if (Fi->size2 != n || n == 0) return BM_FAIL(BM_EBADLEN, "Fi is %zu x %zu, expected square and non-empty", Fi->size1, Fi->size2);
  if (idx) {
    if (k == 0) return BM_FAIL(BM_EINVAL, "k = 0 with idx given: no parameter selected");
    if (k > n) return BM_FAIL(BM_EBADLEN, "k = %zu exceeds the %zu parameters of Fi", k, n);
    for (size_t a = 0; a < k; a++) {
      if (idx[a] >= n) return BM_FAIL(BM_EINVAL, "idx[%zu] = %zu is out of range (Fi has %zu parameters, counted from 0)", a, idx[a], n);
      for (size_t b = 0; b < a; b++)
        if (idx[a] == idx[b]) return BM_FAIL(BM_EINVAL, "idx[%zu] = %zu repeats idx[%zu]: each parameter at most once", a, idx[a], b);
    }
  } else {
    if (k != 0 && k != n) return BM_FAIL(BM_EBADLEN, "k = %zu with idx NULL: expected 0 or %zu", k, n);
    k = n;
  }
  int status = bm_validate_symmetric(Fi, n);
  if (status) return status;

  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *R = bm_work_get(&w, stack, BM_STACK_DOUBLES, k * k + k);
  if (!R) return BM_FAIL(BM_ENOMEM, "out of memory");
  double *dsq = R + k * k;
  double logdet = 0.0;
  /* equilibrate: R_ab = B_ab / sqrt(B_aa B_bb) (lower triangle) */
  for (size_t a = 0; a < k && !status; a++) {
    size_t ia = idx ? idx[a] : a;
    double d = MGET(Fi, ia, ia);
    if (d < 0) status = BM_FAIL(BM_ENOTSPD, "Fi(%zu,%zu) = %g is negative: Fi is not positive semi-definite", ia, ia, d);
    else if (d == 0) status = BM_FAIL(BM_ESING, "Fi(%zu,%zu) = 0: Fi is singular (a non-identifiable parameter)", ia, ia);
    else {
      dsq[a] = sqrt(d);
      logdet += log(d);
    }
  }
  for (size_t a = 0; a < k && !status; a++)
    for (size_t b = 0; b <= a; b++) {
      size_t ia = idx ? idx[a] : a, ib = idx ? idx[b] : b;
      /* lower triangle of I (validated symmetric) */
      double v = ia >= ib ? MGET(Fi, ia, ib) : MGET(Fi, ib, ia);
      R[a * k + b] = v / (dsq[a] * dsq[b]);
    }
  /* unpivoted LDL^T of R (right-looking), pivots d_j */
  for (size_t j = 0; j < k && !status; j++) {
    double d = R[j * k + j];
    if (!(d > BM_JEFFREYS_RTOL)) {
      status = BM_FAIL(d < -BM_JEFFREYS_NEG_TOL ? BM_ENOTSPD : BM_ESING, "Fi%s is %s (pivot %zu of %zu)", idx ? "'s selected block" : "", d < -BM_JEFFREYS_NEG_TOL ? "indefinite" : "singular to working precision", j + 1, k);
      break;
    }
    logdet += log(d);
    for (size_t a = j + 1; a < k; a++) {
      double la = R[a * k + j] / d;
      for (size_t b = j + 1; b <= a; b++) R[a * k + b] -= la * R[b * k + j];
    }
  }
  bm_work_release(&w);
  if (status) return status;
  *log_prior = 0.5 * logdet;
  return BM_SUCCESS;
}

int bm_jeffreys_from_callback(bm_fisher_fn fisher, void *params, const gsl_vector *theta, const size_t *idx,
                              size_t k, double *log_prior)
{
  if (!log_prior) return BM_FAIL(BM_EINVAL, "log_prior is NULL");
  *log_prior = NAN;
  if (!fisher || !theta) return BM_FAIL(BM_EINVAL, "%s is NULL", fisher == NULL ? "fisher" : "theta");
  int status = bm_validate_vector(theta, theta->size);
  if (status) return status;
  size_t n = theta->size;
  if (n == 0) return BM_FAIL(BM_EBADLEN, "theta is empty");
  gsl_matrix *Fi = bm_matrix_alloc(n, n);
  if (!Fi) return BM_FAIL(BM_ENOMEM, "out of memory");
  if (fisher(theta, params, Fi))
    status = BM_FAIL(BM_EDOM, "the callback fisher failed at theta");
  else
    status = BM_WRAP(bm_jeffreys_from_fisher(Fi, idx, k, log_prior));
  bm_matrix_free(Fi);
  return status;
}

int bm_log_abs_det(const gsl_matrix *A, double *logdet)
{
  if (!logdet) return BM_FAIL(BM_EINVAL, "logdet is NULL");
  *logdet = NAN;
  if (!A) return BM_FAIL(BM_EINVAL, "A is NULL");
  size_t n = A->size1;
  if (A->size2 != n || n == 0) return BM_FAIL(BM_EBADLEN, "A is %zu x %zu, expected square and non-empty", A->size1, A->size2);
  int status = bm_validate_matrix(A, n, n);
  if (status) return status;
  double *B = malloc(n * n * sizeof(double));
  lapack_int *piv = malloc(n * sizeof(lapack_int));
  if (!B || !piv) {
    free(B);
    free(piv);
    return BM_FAIL(BM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) B[i * n + j] = MGET(A, i, j);
  lapack_int info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)n, B, (lapack_int)n, piv);
  if (info > 0) status = BM_FAIL(BM_ESING, "A is singular (zero pivot %d)", (int)info);
  else if (info < 0) status = BM_FAIL(BM_EINVAL, "LAPACK rejected argument %d", (int)-info);
  else {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += log(fabs(B[i * n + i]));
    *logdet = s;
  }
  free(B);
  free(piv);
  return status;
}

int bm_jeffreys_reparam(const gsl_matrix *I_theta, const gsl_matrix *J, double *log_prior_eta)
{
  if (!log_prior_eta) return BM_FAIL(BM_EINVAL, "log_prior_eta is NULL");
  *log_prior_eta = NAN;
  if (!I_theta || !J) return BM_FAIL(BM_EINVAL, "%s is NULL", I_theta == NULL ? "I_theta" : "J");
  if (J->size1 != I_theta->size1 || J->size2 != J->size1) return BM_FAIL(BM_EBADLEN, "J is %zu x %zu, expected %zu x %zu", J->size1, J->size2, (size_t)(I_theta->size1), (size_t)(J->size1));
  double lp, lj;
  int status = bm_jeffreys_from_fisher(I_theta, NULL, 0, &lp);
  if (status) return status;
  status = bm_log_abs_det(J, &lj);
  if (status) return status;
  *log_prior_eta = lp + lj;
  return BM_SUCCESS;
}

/* ---- Jeffreys priors of a family: Fisher matrix, then its block's 1/2 log det ----
 * bm_dist_jeffreys (bayesmat/family.h) lives here rather than beside the other
 * bm_dist_* in distributions/family.c because it needs bm_jeffreys_from_fisher
 * above, and distributions/ must not depend on inference/. Each typed
 * bm_F_jeffreys views its object as a bm_dist of its family's descriptor. */

int bm_dist_jeffreys(const bm_dist *d, const size_t *idx, size_t k, double *lp)
{
  if (lp == NULL) return BM_FAIL(BM_EINVAL, "lp is NULL");
  *lp = NAN;
  size_t n = bm_dist_nparams(d);
  if (n == 0) return BM_FAIL(BM_EINVAL, "d is NULL or has not been set");
  if (d->type->fisher == NULL) return BM_FAIL(BM_ENOTSUP, "the family of d has no Fisher information");
  gsl_matrix *F = bm_matrix_alloc(n, n);
  if (F == NULL) return BM_FAIL(BM_ENOMEM, "out of memory for the %zu x %zu Fisher matrix", n, n);
  int status = bm_dist_fisher(d, F);
  if (status == BM_SUCCESS) status = bm_jeffreys_from_fisher(F, idx, k, lp);
  bm_matrix_free(F);
  return BM_WRAP(status);
}

/* bm_F_jeffreys for the typed object d of the family with descriptor T. */
#define typed_jeffreys(...) typed_jeffreys_fn(__func__, __VA_ARGS__) /* fn: the public bm_F_jeffreys */
static int typed_jeffreys_fn(const char *fn, const bm_family_type *T, const void *d, const size_t *idx, size_t k,
                             double *lp)
{
  bm_dist view = {T, (void *)d}; /* read-only use: Fisher only */
  if (d == NULL) {
    if (lp) *lp = NAN;
    return bm_error_set(BM_EINVAL, fn, "d is NULL");
  }
  return bm_error_wrap(bm_dist_jeffreys(&view, idx, k, lp), fn);
}

/* The seven typed entry points: the descriptor path on the family's object. */
#define TYPED_JEFFREYS(F)                                                                       \
  int bm_##F##_jeffreys(const bm_##F *d, const size_t *idx, size_t k, double *log_prior)       \
  {                                                                                             \
    return typed_jeffreys(&bm_family_##F, d, idx, k, log_prior);                               \
  }

TYPED_JEFFREYS(mvn)
TYPED_JEFFREYS(mvt)
TYPED_JEFFREYS(wishart)
TYPED_JEFFREYS(invwishart)
TYPED_JEFFREYS(matnorm)
TYPED_JEFFREYS(matt)
TYPED_JEFFREYS(matf)
