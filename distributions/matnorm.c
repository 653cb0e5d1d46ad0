/* bayesmat — the matrix normal family MN_{n,p}(M, U, V).
 *
 *   log f(X) = -np/2 log 2pi - p/2 log|U| - n/2 log|V| - 1/2 tr(V^-1 R^T U^-1 R),
 *   R = X - M;  theta = (vec M, vech U, vech V).
 *
 * Numerics: U = L_U L_U^T and V = L_V L_V^T once in _set; every evaluation
 * whitens Z = L_U^-1 R L_V^-T with two BLAS-3 triangular solves, so
 * tr(V^-1 R^T U^-1 R) = |Z|_F^2 and log-determinants come from the factors.
 * Gradients as factor sandwiches, G_U = L_U^-T (Z Z^T - p I) L_U^-1 / 2; the
 * inverses U^-1, V^-1 are formed only where they are the output (Hessian,
 * Fisher). No Kronecker product except the vec-X Hessian, which IS one.
 * Second derivatives and Fisher information: docs/matnorm.md. Identified up
 * to (cU, V/c): the Fisher matrix is singular along (0, vech U, -vech V).
 * Scaffolding shared with the other row/column-scale family (state, checks,
 * whitening, theta layout, vec/vech Hessian kernels): matrix_common.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/alloc.h"
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/random.h"
#include "bayesmat/matnorm.h"
#include "work.h"
#include "matrix_common.h"
#include "matnorm_impl.h"
#include "../src/error.h"

/* ---- small helpers ------------------------------------------------------ */

static const bm_mc_scales *scales(const bm_matnorm *d)
{
  return d ? &d->sc : NULL;
}

/* ---- alloc / free / set ------------------------------------------------- */

bm_matnorm *bm_matnorm_alloc(size_t n, size_t p)
{
  if (n == 0 || p == 0) return NULL;
  bm_matnorm *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  if (bm_mc_alloc(&d->sc, n, p)) {
    free(d);
    return NULL;
  }
  return d;
}

void bm_matnorm_free(bm_matnorm *d)
{
  if (d == NULL) return;
  bm_mc_free(&d->sc);
  free(d);
}

int bm_matnorm_set(bm_matnorm *d, const gsl_matrix *M, const gsl_matrix *U, const gsl_matrix *V)
{
  if (d == NULL) return BM_FAIL(BM_EINVAL, "d is NULL");
  int status = bm_mc_validate_factorize(&d->sc, M, U, V); /* into scratch: d unchanged on failure */
  if (status) return status;
  bm_mc_commit(&d->sc, M);
  double n = (double)d->sc.n, p = (double)d->sc.p;
  d->log_norm = -0.5 * n * p * log(2.0 * M_PI) - 0.5 * p * bm_chol_logdet(d->sc.L_row) - 0.5 * n * bm_chol_logdet(d->sc.L_col);
  return BM_SUCCESS;
}

size_t bm_matnorm_nparams(const bm_matnorm *d)
{
  return d ? bm_mc_nparams(&d->sc) : 0;
}

/* ---- evaluation ----------------------------------------------------------- */

int bm_matnorm_logpdf(const bm_matnorm *d, const gsl_matrix *X, double *lp)
{
  if (lp == NULL) return BM_FAIL(BM_EINVAL, "lp is NULL");
  *lp = NAN;
  int status = bm_mc_check_eval(scales(d), X);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *Z = bm_work_get(&w, stack, BM_STACK_DOUBLES, d->sc.n * d->sc.p);
  if (Z == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  bm_mc_whiten(&d->sc, X, Z);
  double ss = 0.0;
  for (size_t i = 0; i < d->sc.n * d->sc.p; i++) ss += Z[i] * Z[i];
  if (isnan(ss)) ss = INFINITY; /* finite inputs: NaN only from overflow (inf - inf) while whitening; the true form is > DBL_MAX */
  *lp = d->log_norm - 0.5 * ss;
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_matnorm_grad(const bm_matnorm *d, const gsl_matrix *X, gsl_matrix *dX, gsl_matrix *dM, gsl_matrix *dU,
                    gsl_matrix *dV)
{
  int status = bm_mc_check_eval(scales(d), X);
  double *buf = NULL;
  if (status) goto done;
  size_t n = d->sc.n, p = d->sc.p;
  if ((status = bm_mc_check_grad_shapes(&d->sc, dX, dM, dU, dV))) goto done;
  buf = malloc(sizeof(double) * (2 * n * p + n * n + p * p));
  if (buf == NULL) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  double *Z = buf, *W = buf + n * p, *BU = W + n * p, *BV = BU + n * n;
  bm_mc_whiten(&d->sc, X, Z);
  if (dX || dM) { /* W = U^-1 R V^-1 = L_U^-T Z L_V^-1 */
    memcpy(W, Z, n * p * sizeof(double));
    bm_mc_trsm_left(d->sc.L_row, 1, W, n, p, p);
    bm_mc_trsm_right(d->sc.L_col, 0, W, n, p, p);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) {
        if (dX) dX->data[i * dX->tda + j] = -W[i * p + j];
        if (dM) dM->data[i * dM->tda + j] = W[i * p + j];
      }
  }
  if (dU) { /* G_U = L_U^-T (Z Z^T - p I) L_U^-1 / 2 */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)p, 1.0, Z, (int)p, Z, (int)p, 0.0, BU,
                (int)n);
    for (size_t i = 0; i < n; i++) BU[i * n + i] -= (double)p;
    bm_mc_half_sandwich_inv(d->sc.L_row, BU, n);
    bm_mc_copy_out(BU, dU);
  }
  if (dV) { /* G_V = L_V^-T (Z^T Z - n I) L_V^-1 / 2 */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)p, (int)n, 1.0, Z, (int)p, Z, (int)p, 0.0, BV,
                (int)p);
    for (size_t i = 0; i < p; i++) BV[i * p + i] -= (double)n;
    bm_mc_half_sandwich_inv(d->sc.L_col, BV, p);
    bm_mc_copy_out(BV, dV);
  }
done:
  free(buf);
  if (!status && !(bm_mc_finite(dX) && bm_mc_finite(dM) && bm_mc_finite(dU) && bm_mc_finite(dV)))
    status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  if (status) bm_mc_nan_fill_grad(dX, dM, dU, dV);
  return status;
}

/* Scratch of n x p, n x n, p x p matrices carved out of one malloc (views
 * never call GSL's error handler for non-zero sizes). */
typedef struct {
  double *mem;
  gsl_matrix_view Mnp, Mnp2, Unn, Unn2, Vpp, Vpp2;
  gsl_vector_view tU, tV;
} scratch;

#define scratch_get(...) scratch_get_fn(__func__, __VA_ARGS__) /* fn: the public caller */
static int scratch_get_fn(const char *fn, scratch *s, size_t n, size_t p)
{
  size_t qn = bm_vech_len(n), qp = bm_vech_len(p);
  s->mem = malloc(sizeof(double) * (2 * n * p + 2 * n * n + 2 * p * p + qn + qp));
  if (s->mem == NULL) return bm_error_set(BM_ENOMEM, fn, "out of memory");
  double *q = s->mem;
  s->Mnp = gsl_matrix_view_array(q, n, p), q += n * p;
  s->Mnp2 = gsl_matrix_view_array(q, n, p), q += n * p;
  s->Unn = gsl_matrix_view_array(q, n, n), q += n * n;
  s->Unn2 = gsl_matrix_view_array(q, n, n), q += n * n;
  s->Vpp = gsl_matrix_view_array(q, p, p), q += p * p;
  s->Vpp2 = gsl_matrix_view_array(q, p, p), q += p * p;
  s->tU = gsl_vector_view_array(q, qn), q += qn;
  s->tV = gsl_vector_view_array(q, qp);
  return BM_SUCCESS;
}

int bm_matnorm_score(const bm_matnorm *d, const gsl_matrix *X, gsl_vector *s)
{
  int status = bm_mc_check_eval(scales(d), X);
  scratch w = {0};
  if (!status) status = bm_validate_length(s, bm_matnorm_nparams(d));
  if (!status) status = scratch_get(&w, d->sc.n, d->sc.p);
  if (!status) status = BM_WRAP(bm_matnorm_grad(d, X, NULL, &w.Mnp.matrix, &w.Unn.matrix, &w.Vpp.matrix));
  if (!status) bm_mc_score_pack(&w.Mnp.matrix, &w.Unn.matrix, &w.Vpp.matrix, s);
  free(w.mem);
  if (status) bm_nan_vector(s);
  return status;
}

int bm_matnorm_hess(const bm_matnorm *d, const gsl_matrix *X, gsl_matrix *H)
{
  int status = bm_mc_check_eval(scales(d), X);
  scratch w = {0};
  size_t k = bm_matnorm_nparams(d);
  if (!status) status = bm_validate_shape(H, k, k);
  if (!status) status = scratch_get(&w, d->sc.n, d->sc.p);
  if (status) goto done;
  size_t n = d->sc.n, p = d->sc.p, np = n * p, qn = bm_vech_len(n);
  gsl_matrix *W = &w.Mnp.matrix, *GU = &w.Unn.matrix, *P = &w.Unn2.matrix, *GV = &w.Vpp.matrix, *Q = &w.Vpp2.matrix;
  status = BM_WRAP(bm_matnorm_grad(d, X, NULL, W, GU, GV)); /* W = P R Q */
  if (status) goto done;
  bm_chol_inverse(d->sc.L_row, P);
  bm_chol_inverse(d->sc.L_col, Q);
  /* K_U = P R Q R^T P = 2 G_U + p P;  K_V = Q R^T P R Q = 2 G_V + n Q (in place) */
  gsl_matrix_scale(GU, 2.0);
  gsl_matrix_scale(GV, 2.0);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) GU->data[i * GU->tda + j] += (double)p * gsl_matrix_get(P, i, j);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) GV->data[i * GV->tda + j] += (double)n * gsl_matrix_get(Q, i, j);
  gsl_matrix_set_zero(H);
  bm_mc_blocks B = bm_mc_theta_blocks(H, n, p); /* A = U, B = V */
  bm_mc_kron_vec(-1.0, P, Q, &B.MM.matrix);
  bm_mc_mixed_vec_vech(-1.0, P, W, &B.MA.matrix); /* -(P F W)_ij */
  bm_mc_mixed_vec_vech(-1.0, W, Q, &B.MB.matrix); /* -(W H Q)_ij */
  /* H_UU = p/2 T(P,P) - (T(P,K_U) + T(K_U,P))/2 */
  bm_vech_kron(0.5 * (double)p, P, P, 0.0, &B.AA.matrix);
  bm_vech_kron(-0.5, P, GU, 1.0, &B.AA.matrix);
  bm_vech_kron(-0.5, GU, P, 1.0, &B.AA.matrix);
  bm_vech_kron(0.5 * (double)n, Q, Q, 0.0, &B.BB.matrix);
  bm_vech_kron(-0.5, Q, GV, 1.0, &B.BB.matrix);
  bm_vech_kron(-0.5, GV, Q, 1.0, &B.BB.matrix);
  bm_mc_cross_vech(-0.5, W, &B.AB.matrix); /* -tr(F W H W^T)/2 */
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < i; j++) {
      if (i >= np && j >= np && ((i < np + qn) == (j < np + qn))) continue; /* diagonal blocks filled */
      H->data[i * H->tda + j] = H->data[j * H->tda + i];
    }
  bm_mc_symmetrize(H->data, k, H->tda);
  if (!bm_mc_finite(H)) status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range"); /* an entry beyond double range (U or V near DBL_MIN) */
done:
  free(w.mem);
  if (status) bm_nan_matrix(H);
  return status;
}

int bm_matnorm_hess_x(const bm_matnorm *d, const gsl_matrix *X, gsl_matrix *H)
{
  int status = bm_mc_check_eval(scales(d), X);
  scratch w = {0};
  if (!status) status = bm_validate_shape(H, d->sc.n * d->sc.p, d->sc.n * d->sc.p);
  if (!status) status = scratch_get(&w, d->sc.n, d->sc.p);
  if (!status) {
    bm_chol_inverse(d->sc.L_row, &w.Unn.matrix);
    bm_chol_inverse(d->sc.L_col, &w.Vpp.matrix);
    bm_mc_kron_vec(-1.0, &w.Unn.matrix, &w.Vpp.matrix, H);
  }
  free(w.mem);
  if (status) bm_nan_matrix(H);
  return status;
}

int bm_matnorm_fisher(const bm_matnorm *d, gsl_matrix *F)
{
  int status = (d == NULL || !d->sc.is_set) ? BM_FAIL(BM_EINVAL, "d is NULL or has not been set") : BM_SUCCESS;
  scratch w = {0};
  size_t k = bm_matnorm_nparams(d);
  if (!status) status = bm_validate_shape(F, k, k);
  if (!status) status = scratch_get(&w, d->sc.n, d->sc.p);
  if (status) goto done;
  size_t n = d->sc.n, p = d->sc.p, np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p);
  gsl_matrix *P = &w.Unn.matrix, *Q = &w.Vpp.matrix;
  bm_chol_inverse(d->sc.L_row, P);
  bm_chol_inverse(d->sc.L_col, Q);
  gsl_matrix_set_zero(F);
  bm_mc_blocks B = bm_mc_theta_blocks(F, n, p);
  bm_mc_kron_vec(1.0, P, Q, &B.MM.matrix);                 /* V^-1 (x) U^-1 */
  bm_vech_kron(0.5 * (double)p, P, P, 0.0, &B.AA.matrix); /* p/2 T(P,P) */
  bm_vech_kron(0.5 * (double)n, Q, Q, 0.0, &B.BB.matrix); /* n/2 T(Q,Q) */
  bm_vech_from_sym_grad(P, &w.tU.vector);                 /* t(P) */
  bm_vech_from_sym_grad(Q, &w.tV.vector);
  for (size_t a = 0; a < qn; a++)
    for (size_t b = 0; b < qp; b++) {
      double v = 0.5 * gsl_vector_get(&w.tU.vector, a) * gsl_vector_get(&w.tV.vector, b);
      gsl_matrix_set(F, np + a, np + qn + b, v);
      gsl_matrix_set(F, np + qn + b, np + a, v);
    }
done:
  free(w.mem);
  if (status) bm_nan_matrix(F);
  return status;
}

int bm_matnorm_sample(const bm_matnorm *d, gsl_rng *r, gsl_matrix *X)
{
  int status = bm_mc_check_sample(scales(d), r, X);
  if (status) return status;
  bm_rng_std_normal_matrix(r, X);
  bm_mc_sample_finish(&d->sc, X); /* X <- L_U Z L_V^T + M */
  return BM_SUCCESS;
}

int bm_matnorm_mean(const bm_matnorm *d, gsl_matrix *mean)
{
  return bm_mc_mean(scales(d), 1, mean);
}

int bm_matnorm_loglik(const bm_matnorm *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each)
{
  if (ll == NULL) {
    bm_nan_vector(each);
    return BM_FAIL(BM_EINVAL, "ll is NULL");
  }
  *ll = NAN;
  double *Z = NULL;
  int status = BM_SUCCESS;
  if (each && (status = bm_validate_length(each, m))) goto done;
  status = bm_mc_batch_whiten(scales(d), X, m, &Z);
  if (status) goto done;
  size_t n = d->sc.n, p = d->sc.p;
  double total = 0.0;
  for (size_t i = 0; i < m; i++) {
    double ss = 0.0;
    for (size_t r = 0; r < n; r++)
      for (size_t j = 0; j < p; j++) {
        double z = Z[r * m * p + i * p + j];
        ss += z * z;
      }
    if (isnan(ss)) ss = INFINITY; /* overflow while whitening (finite inputs) */
    double li = d->log_norm - 0.5 * ss;
    if (each) gsl_vector_set(each, i, li);
    total += li;
  }
  *ll = total;
done:
  free(Z);
  if (status) bm_nan_vector(each);
  return status;
}

int bm_matnorm_loglik_grad(const bm_matnorm *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_matrix *dM,
                           gsl_matrix *dU, gsl_matrix *dV)
{
  double *Z = NULL, *buf = NULL;
  int status = ll == NULL ? BM_FAIL(BM_EINVAL, "ll is NULL") : BM_SUCCESS;
  if (status) goto done;
  *ll = NAN;
  status = (d == NULL || !d->sc.is_set) ? BM_FAIL(BM_EINVAL, "d is NULL or has not been set") : BM_SUCCESS;
  if (status) goto done;
  size_t n = d->sc.n, p = d->sc.p;
  if ((status = bm_mc_check_grad_shapes(&d->sc, NULL, dM, dU, dV))) goto done;
  status = bm_mc_batch_whiten(scales(d), X, m, &Z);
  if (status) goto done;
  buf = malloc(sizeof(double) * (n * p + n * n + p * p));
  if (buf == NULL) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  double *S = buf, *BU = buf + n * p, *BV = BU + n * n, ss = 0.0;
  for (size_t i = 0; i < n * m * p; i++) ss += Z[i] * Z[i];
  if (isnan(ss)) ss = INFINITY; /* overflow while whitening (finite inputs) */
  *ll = (double)m * d->log_norm - 0.5 * ss;
  if (dM) { /* sum_i W_i = L_U^-T (sum_i Z_i) L_V^-1 */
    memset(S, 0, n * p * sizeof(double));
    for (size_t r = 0; r < n; r++)
      for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < p; j++) S[r * p + j] += Z[r * m * p + i * p + j];
    bm_mc_trsm_left(d->sc.L_row, 1, S, n, p, p);
    bm_mc_trsm_right(d->sc.L_col, 0, S, n, p, p);
    bm_mc_copy_out(S, dM);
  }
  if (dU) { /* sum_i Z_i Z_i^T = Z Z^T with Z n x (m p): one rank-mp update */
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)n, (int)(m * p), 1.0, Z, (int)(m * p), 0.0, BU, (int)n);
    for (size_t i = 0; i < n; i++) {
      for (size_t j = 0; j < i; j++) BU[j * n + i] = BU[i * n + j];
      BU[i * n + i] -= (double)(m * p);
    }
    bm_mc_half_sandwich_inv(d->sc.L_row, BU, n);
    bm_mc_copy_out(BU, dU);
  }
  if (dV) { /* sum_i Z_i^T Z_i = Z'^T Z' with Z' the (n m) x p stack */
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)p, (int)(n * m), 1.0, Z, (int)p, 0.0, BV, (int)p);
    for (size_t i = 0; i < p; i++) {
      for (size_t j = 0; j < i; j++) BV[j * p + i] = BV[i * p + j];
      BV[i * p + i] -= (double)(m * n);
    }
    bm_mc_half_sandwich_inv(d->sc.L_col, BV, p);
    bm_mc_copy_out(BV, dV);
  }
done:
  free(Z);
  free(buf);
  if (!status && !(bm_mc_finite(dM) && bm_mc_finite(dU) && bm_mc_finite(dV))) {
    status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
    *ll = NAN; /* a failed call leaves every output NaN */
  }
  if (status) bm_mc_nan_fill_grad(NULL, dM, dU, dV);
  return status;
}

void bm_matnorm_dims(const bm_matnorm *d, size_t *n, size_t *p)
{
  bm_mc_dims(scales(d), n, p);
}

/* ---- the uniform surface and the family descriptor (bayesmat/family.h) ---- */
#include "family_internal.h"

void bm_matnorm_shape(const bm_matnorm *d, size_t *rows, size_t *cols) { bm_mc_dims(scales(d), rows, cols); }

int bm_matnorm_get_theta(const bm_matnorm *d, gsl_vector *theta)
{
  int status = bm_theta_get_begin(d && d->sc.is_set, bm_matnorm_nparams(d), theta);
  if (!status) status = bm_theta_put_mean_scales(theta, d->sc.M, d->sc.L_row, d->sc.L_col); /* scales = L L^T */
  return status;
}

int bm_matnorm_logpdf_grad(const bm_matnorm *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X, gsl_matrix *d_M,
                           gsl_matrix *d_U, gsl_matrix *d_V)
{
  BM_FAMILY_LOGPDF_GRAD(matnorm, X, lp, d_X, d_M, d_U, d_V);
}

static void *matnorm_op_alloc(size_t rows, size_t cols) { return bm_matnorm_alloc(rows, cols); }
BM_FAMILY_MATRIX_OPS(matnorm)

static const bm_theta_block matnorm_blocks[] = {BM_THETA_VEC("M", BM_DIM_ROWS, BM_DIM_COLS),
                                                BM_THETA_VECH("U", BM_DIM_ROWS), BM_THETA_VECH("V", BM_DIM_COLS)};
const bm_family_type bm_family_matnorm = {.name = "matnorm", .description = "matrix normal MN_{n,p}(M, U, V)",
                                          .variate = BM_VARIATE_MATRIX, .blocks = matnorm_blocks, .nblocks = 3,
                                          BM_FAMILY_OPS_INIT(matnorm)};
