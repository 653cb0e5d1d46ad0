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
#include "../src/work.h"

struct bm_matnorm {
  size_t n, p;
  int is_set;
  gsl_matrix *M;             /* the mean (copy); the scales live in their factors */
  gsl_matrix *L_U, *L_V;     /* lower Cholesky factors */
  gsl_matrix *L_U_new, *L_V_new; /* _set scratch: factorize here, then swap */
  double log_norm;           /* -np/2 log 2pi - p/2 log|U| - n/2 log|V| */
};

/* ---- small helpers ------------------------------------------------------ */

/* B <- L^-1 B (trans = 0) or L^-T B (trans = 1). */
static void trsm_left(const gsl_matrix *L, int trans, double *B, size_t rows, size_t cols, size_t ld)
{
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, trans ? CblasTrans : CblasNoTrans, CblasNonUnit, (int)rows,
              (int)cols, 1.0, L->data, (int)L->tda, B, (int)ld);
}

/* B <- B L^-1 (trans = 0) or B L^-T (trans = 1). */
static void trsm_right(const gsl_matrix *L, int trans, double *B, size_t rows, size_t cols, size_t ld)
{
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, trans ? CblasTrans : CblasNoTrans, CblasNonUnit, (int)rows,
              (int)cols, 1.0, L->data, (int)L->tda, B, (int)ld);
}

static void nan_fill(gsl_matrix *A)
{
  if (A) gsl_matrix_set_all(A, NAN);
}

static void nan_fill_vector(gsl_vector *v)
{
  if (v) gsl_vector_set_all(v, NAN);
}

/* S <- (S + S^T)/2 for a k x k buffer with leading dimension ld. */
static void symmetrize(double *S, size_t k, size_t ld)
{
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < i; j++) {
      double a = 0.5 * (S[i * ld + j] + S[j * ld + i]);
      S[i * ld + j] = S[j * ld + i] = a;
    }
}

/* G <- L^-T (B) L^-1 / 2 in place, B k x k symmetric (full), result symmetric. */
static void half_sandwich_inv(const gsl_matrix *L, double *B, size_t k)
{
  trsm_left(L, 1, B, k, k, k);
  trsm_right(L, 0, B, k, k, k);
  for (size_t i = 0; i < k * k; i++) B[i] *= 0.5;
  symmetrize(B, k, k);
}

/* Copy a k1 x k2 contiguous buffer into a gsl_matrix (any tda). */
static void copy_out(const double *B, gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++) memcpy(A->data + i * A->tda, B + i * A->size2, A->size2 * sizeof(double));
}

/* Z <- X - M into a contiguous n x p buffer. */
static void residual(const bm_matnorm *d, const gsl_matrix *X, double *Z)
{
  for (size_t i = 0; i < d->n; i++)
    for (size_t j = 0; j < d->p; j++) Z[i * d->p + j] = X->data[i * X->tda + j] - d->M->data[i * d->M->tda + j];
}

/* Z <- L_U^-1 (X - M) L_V^-T, the standardized residual. */
static void whiten(const bm_matnorm *d, const gsl_matrix *X, double *Z)
{
  residual(d, X, Z);
  trsm_left(d->L_U, 0, Z, d->n, d->p, d->p);
  trsm_right(d->L_V, 1, Z, d->n, d->p, d->p);
}

/* Common checks of an evaluation at X. */
static int check_eval(const bm_matnorm *d, const gsl_matrix *X)
{
  if (d == NULL || !d->is_set) return BM_EINVAL;
  return bm_validate_matrix(X, d->n, d->p);
}

/* out(i + j n, a) += alpha * (A E_a B)_ij over the vech basis E_a of m x m
 * symmetric matrices; A is n x m, B is m x p; out is (n p) x (m(m+1)/2). */
static void mixed_vec_vech(double alpha, const gsl_matrix *A, const gsl_matrix *B, gsl_matrix *out)
{
  size_t n = A->size1, m = A->size2, p = B->size2;
  for (size_t b = 0; b < m; b++)
    for (size_t a = b; a < m; a++) {
      size_t col = bm_vech_index(m, a, b);
      for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < n; i++) {
          double v = gsl_matrix_get(A, i, a) * gsl_matrix_get(B, b, j);
          if (a != b) v += gsl_matrix_get(A, i, b) * gsl_matrix_get(B, a, j);
          out->data[(j * n + i) * out->tda + col] += alpha * v;
        }
    }
}

/* out(a, b) += alpha * tr(E_a W E_b W^T), E_a over vech_n, E_b over vech_p, W n x p. */
static void cross_vech(double alpha, const gsl_matrix *W, gsl_matrix *out)
{
  size_t n = W->size1, p = W->size2;
  for (size_t j = 0; j < n; j++)
    for (size_t i = j; i < n; i++) {
      size_t ra = bm_vech_index(n, i, j);
      for (size_t l = 0; l < p; l++)
        for (size_t k = l; k < p; k++) {
          size_t cb = bm_vech_index(p, k, l);
          /* E_a = sum over pairs (r,s) of e_r e_s^T; tr(e_r e_s^T W e_u e_v^T W^T) = W_su W_rv */
          size_t rs[2][2] = {{i, j}, {j, i}}, uv[2][2] = {{k, l}, {l, k}};
          size_t na = i == j ? 1 : 2, nb = k == l ? 1 : 2;
          double v = 0.0;
          for (size_t x = 0; x < na; x++)
            for (size_t y = 0; y < nb; y++)
              v += gsl_matrix_get(W, rs[x][1], uv[y][0]) * gsl_matrix_get(W, rs[x][0], uv[y][1]);
          out->data[ra * out->tda + cb] += alpha * v;
        }
    }
}

/* ---- alloc / free / set ------------------------------------------------- */

bm_matnorm *bm_matnorm_alloc(size_t n, size_t p)
{
  if (n == 0 || p == 0) return NULL;
  bm_matnorm *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->n = n;
  d->p = p;
  d->M = bm_matrix_calloc(n, p);
  d->L_U = bm_matrix_calloc(n, n);
  d->L_V = bm_matrix_calloc(p, p);
  d->L_U_new = bm_matrix_calloc(n, n);
  d->L_V_new = bm_matrix_calloc(p, p);
  if (!d->M || !d->L_U || !d->L_V || !d->L_U_new || !d->L_V_new) {
    bm_matnorm_free(d);
    return NULL;
  }
  return d;
}

void bm_matnorm_free(bm_matnorm *d)
{
  if (d == NULL) return;
  gsl_matrix *all[] = {d->M, d->L_U, d->L_V, d->L_U_new, d->L_V_new};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (all[i]) bm_matrix_free(all[i]);
  free(d);
}

int bm_matnorm_set(bm_matnorm *d, const gsl_matrix *M, const gsl_matrix *U, const gsl_matrix *V)
{
  if (d == NULL) return BM_EINVAL;
  int status = bm_validate_matrix(M, d->n, d->p);
  if (!status) status = bm_validate_spd(U, d->n, d->L_U_new, NULL);
  if (!status) status = bm_validate_spd(V, d->p, d->L_V_new, NULL);
  if (status) return status;
  gsl_matrix_memcpy(d->M, M);
  gsl_matrix *t = d->L_U;
  d->L_U = d->L_U_new;
  d->L_U_new = t;
  t = d->L_V;
  d->L_V = d->L_V_new;
  d->L_V_new = t;
  double n = (double)d->n, p = (double)d->p;
  d->log_norm = -0.5 * n * p * log(2.0 * M_PI) - 0.5 * p * bm_chol_logdet(d->L_U) - 0.5 * n * bm_chol_logdet(d->L_V);
  d->is_set = 1;
  return BM_SUCCESS;
}

size_t bm_matnorm_nparams(const bm_matnorm *d)
{
  if (d == NULL) return 0;
  return d->n * d->p + bm_vech_len(d->n) + bm_vech_len(d->p);
}

/* ---- evaluation ----------------------------------------------------------- */

int bm_matnorm_logpdf(const bm_matnorm *d, const gsl_matrix *X, double *lp)
{
  if (lp == NULL) return BM_EINVAL;
  *lp = NAN;
  int status = check_eval(d, X);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *Z = bm_work_get(&w, stack, BM_STACK_DOUBLES, d->n * d->p);
  if (Z == NULL) return BM_ENOMEM;
  whiten(d, X, Z);
  double ss = 0.0;
  for (size_t i = 0; i < d->n * d->p; i++) ss += Z[i] * Z[i];
  if (isnan(ss)) ss = INFINITY; /* finite inputs: NaN only from overflow (inf - inf) while whitening; the true form is > DBL_MAX */
  *lp = d->log_norm - 0.5 * ss;
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_matnorm_grad(const bm_matnorm *d, const gsl_matrix *X, gsl_matrix *dX, gsl_matrix *dM, gsl_matrix *dU,
                    gsl_matrix *dV)
{
  int status = check_eval(d, X);
  double *buf = NULL;
  if (status) goto done;
  size_t n = d->n, p = d->p;
  if (dX && (status = bm_validate_shape(dX, n, p))) goto done;
  if (dM && (status = bm_validate_shape(dM, n, p))) goto done;
  if (dU && (status = bm_validate_shape(dU, n, n))) goto done;
  if (dV && (status = bm_validate_shape(dV, p, p))) goto done;
  buf = malloc(sizeof(double) * (2 * n * p + n * n + p * p));
  if (buf == NULL) {
    status = BM_ENOMEM;
    goto done;
  }
  double *Z = buf, *W = buf + n * p, *BU = W + n * p, *BV = BU + n * n;
  whiten(d, X, Z);
  if (dX || dM) { /* W = U^-1 R V^-1 = L_U^-T Z L_V^-1 */
    memcpy(W, Z, n * p * sizeof(double));
    trsm_left(d->L_U, 1, W, n, p, p);
    trsm_right(d->L_V, 0, W, n, p, p);
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
    half_sandwich_inv(d->L_U, BU, n);
    copy_out(BU, dU);
  }
  if (dV) { /* G_V = L_V^-T (Z^T Z - n I) L_V^-1 / 2 */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)p, (int)n, 1.0, Z, (int)p, Z, (int)p, 0.0, BV,
                (int)p);
    for (size_t i = 0; i < p; i++) BV[i * p + i] -= (double)n;
    half_sandwich_inv(d->L_V, BV, p);
    copy_out(BV, dV);
  }
done:
  free(buf);
  if (status) {
    nan_fill(dX);
    nan_fill(dM);
    nan_fill(dU);
    nan_fill(dV);
  }
  return status;
}

/* Scratch of n x p, n x n, p x p matrices carved out of one malloc (views
 * never call GSL's error handler for non-zero sizes). */
typedef struct {
  double *mem;
  gsl_matrix_view Mnp, Mnp2, Unn, Unn2, Vpp, Vpp2;
  gsl_vector_view tU, tV;
} scratch;

static int scratch_get(scratch *s, size_t n, size_t p)
{
  size_t qn = bm_vech_len(n), qp = bm_vech_len(p);
  s->mem = malloc(sizeof(double) * (2 * n * p + 2 * n * n + 2 * p * p + qn + qp));
  if (s->mem == NULL) return BM_ENOMEM;
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
  int status = check_eval(d, X);
  scratch w = {0};
  if (!status) status = bm_validate_length(s, bm_matnorm_nparams(d));
  if (!status) status = scratch_get(&w, d->n, d->p);
  if (!status) status = bm_matnorm_grad(d, X, NULL, &w.Mnp.matrix, &w.Unn.matrix, &w.Vpp.matrix);
  if (!status) {
    size_t n = d->n, p = d->p, qn = bm_vech_len(n), qp = bm_vech_len(p);
    gsl_vector_view sM = gsl_vector_subvector(s, 0, n * p);
    gsl_vector_view sU = gsl_vector_subvector(s, n * p, qn);
    gsl_vector_view sV = gsl_vector_subvector(s, n * p + qn, qp);
    bm_vec(&w.Mnp.matrix, &sM.vector);
    bm_vech_from_sym_grad(&w.Unn.matrix, &sU.vector);
    bm_vech_from_sym_grad(&w.Vpp.matrix, &sV.vector);
  }
  free(w.mem);
  if (status) nan_fill_vector(s);
  return status;
}

/* H_MM = -(Q (x) P) in vec coordinates: entry (i + j n, a + b n) = alpha P_ia Q_jb. */
static void kron_vec(double alpha, const gsl_matrix *P, const gsl_matrix *Q, gsl_matrix *H)
{
  size_t n = P->size1, p = Q->size1;
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < n; i++)
      for (size_t b = 0; b < p; b++)
        for (size_t a = 0; a < n; a++)
          H->data[(j * n + i) * H->tda + b * n + a] = alpha * gsl_matrix_get(P, i, a) * gsl_matrix_get(Q, j, b);
}

int bm_matnorm_hess(const bm_matnorm *d, const gsl_matrix *X, gsl_matrix *H)
{
  int status = check_eval(d, X);
  scratch w = {0};
  size_t k = bm_matnorm_nparams(d);
  if (!status) status = bm_validate_shape(H, k, k);
  if (!status) status = scratch_get(&w, d->n, d->p);
  if (status) goto done;
  size_t n = d->n, p = d->p, np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p);
  gsl_matrix *W = &w.Mnp.matrix, *GU = &w.Unn.matrix, *P = &w.Unn2.matrix, *GV = &w.Vpp.matrix, *Q = &w.Vpp2.matrix;
  status = bm_matnorm_grad(d, X, NULL, W, GU, GV); /* W = P R Q */
  if (status) goto done;
  bm_chol_inverse(d->L_U, P);
  bm_chol_inverse(d->L_V, Q);
  /* K_U = P R Q R^T P = 2 G_U + p P;  K_V = Q R^T P R Q = 2 G_V + n Q (in place) */
  gsl_matrix_scale(GU, 2.0);
  gsl_matrix_scale(GV, 2.0);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) GU->data[i * GU->tda + j] += (double)p * gsl_matrix_get(P, i, j);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) GV->data[i * GV->tda + j] += (double)n * gsl_matrix_get(Q, i, j);
  gsl_matrix_set_zero(H);
  gsl_matrix_view HMM = gsl_matrix_submatrix(H, 0, 0, np, np);
  gsl_matrix_view HMU = gsl_matrix_submatrix(H, 0, np, np, qn);
  gsl_matrix_view HMV = gsl_matrix_submatrix(H, 0, np + qn, np, qp);
  gsl_matrix_view HUU = gsl_matrix_submatrix(H, np, np, qn, qn);
  gsl_matrix_view HUV = gsl_matrix_submatrix(H, np, np + qn, qn, qp);
  gsl_matrix_view HVV = gsl_matrix_submatrix(H, np + qn, np + qn, qp, qp);
  kron_vec(-1.0, P, Q, &HMM.matrix);
  mixed_vec_vech(-1.0, P, W, &HMU.matrix); /* -(P F W)_ij */
  mixed_vec_vech(-1.0, W, Q, &HMV.matrix); /* -(W H Q)_ij */
  /* H_UU = p/2 T(P,P) - (T(P,K_U) + T(K_U,P))/2 */
  bm_vech_kron(0.5 * (double)p, P, P, 0.0, &HUU.matrix);
  bm_vech_kron(-0.5, P, GU, 1.0, &HUU.matrix);
  bm_vech_kron(-0.5, GU, P, 1.0, &HUU.matrix);
  bm_vech_kron(0.5 * (double)n, Q, Q, 0.0, &HVV.matrix);
  bm_vech_kron(-0.5, Q, GV, 1.0, &HVV.matrix);
  bm_vech_kron(-0.5, GV, Q, 1.0, &HVV.matrix);
  cross_vech(-0.5, W, &HUV.matrix); /* -tr(F W H W^T)/2 */
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < i; j++) {
      if (i >= np && j >= np && ((i < np + qn) == (j < np + qn))) continue; /* diagonal blocks filled */
      H->data[i * H->tda + j] = H->data[j * H->tda + i];
    }
  symmetrize(H->data, k, H->tda);
done:
  free(w.mem);
  if (status) nan_fill(H);
  return status;
}

int bm_matnorm_hess_x(const bm_matnorm *d, const gsl_matrix *X, gsl_matrix *H)
{
  int status = check_eval(d, X);
  scratch w = {0};
  if (!status) status = bm_validate_shape(H, d->n * d->p, d->n * d->p);
  if (!status) status = scratch_get(&w, d->n, d->p);
  if (!status) {
    bm_chol_inverse(d->L_U, &w.Unn.matrix);
    bm_chol_inverse(d->L_V, &w.Vpp.matrix);
    kron_vec(-1.0, &w.Unn.matrix, &w.Vpp.matrix, H);
  }
  free(w.mem);
  if (status) nan_fill(H);
  return status;
}

int bm_matnorm_fisher(const bm_matnorm *d, gsl_matrix *F)
{
  int status = (d == NULL || !d->is_set) ? BM_EINVAL : BM_SUCCESS;
  scratch w = {0};
  size_t k = bm_matnorm_nparams(d);
  if (!status) status = bm_validate_shape(F, k, k);
  if (!status) status = scratch_get(&w, d->n, d->p);
  if (status) goto done;
  size_t n = d->n, p = d->p, np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p);
  gsl_matrix *P = &w.Unn.matrix, *Q = &w.Vpp.matrix;
  bm_chol_inverse(d->L_U, P);
  bm_chol_inverse(d->L_V, Q);
  gsl_matrix_set_zero(F);
  gsl_matrix_view IMM = gsl_matrix_submatrix(F, 0, 0, np, np);
  gsl_matrix_view IUU = gsl_matrix_submatrix(F, np, np, qn, qn);
  gsl_matrix_view IVV = gsl_matrix_submatrix(F, np + qn, np + qn, qp, qp);
  kron_vec(1.0, P, Q, &IMM.matrix);                       /* V^-1 (x) U^-1 */
  bm_vech_kron(0.5 * (double)p, P, P, 0.0, &IUU.matrix); /* p/2 T(P,P) */
  bm_vech_kron(0.5 * (double)n, Q, Q, 0.0, &IVV.matrix); /* n/2 T(Q,Q) */
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
  if (status) nan_fill(F);
  return status;
}

int bm_matnorm_sample(const bm_matnorm *d, gsl_rng *r, gsl_matrix *X)
{
  int status = (d == NULL || !d->is_set || r == NULL) ? BM_EINVAL : BM_SUCCESS;
  if (!status) status = bm_validate_shape(X, d->n, d->p);
  if (status) {
    nan_fill(X);
    return status;
  }
  bm_rng_std_normal_matrix(r, X);
  /* X <- L_U Z L_V^T + M */
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)d->n, (int)d->p, 1.0,
              d->L_U->data, (int)d->L_U->tda, X->data, (int)X->tda);
  cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)d->n, (int)d->p, 1.0,
              d->L_V->data, (int)d->L_V->tda, X->data, (int)X->tda);
  gsl_matrix_add(X, d->M);
  return BM_SUCCESS;
}

int bm_matnorm_mean(const bm_matnorm *d, gsl_matrix *mean)
{
  int status = (d == NULL || !d->is_set) ? BM_EINVAL : BM_SUCCESS;
  if (!status) status = bm_validate_shape(mean, d->n, d->p);
  if (status) {
    nan_fill(mean);
    return status;
  }
  gsl_matrix_memcpy(mean, d->M);
  return BM_SUCCESS;
}

/* Validate a batch and whiten it into Z (n x (m p), row r = [Z_1[r,:] ... Z_m[r,:]];
 * read as (n m) x p with ld p it is the vertical stack of rows). */
static int batch_whiten(const bm_matnorm *d, const gsl_matrix *const *X, size_t m, double **Zout)
{
  *Zout = NULL;
  if (d == NULL || !d->is_set || X == NULL || m == 0) return BM_EINVAL;
  for (size_t i = 0; i < m; i++) {
    int status = bm_validate_matrix(X[i], d->n, d->p);
    if (status) return status;
  }
  size_t n = d->n, p = d->p;
  double *Z = malloc(sizeof(double) * n * m * p);
  if (Z == NULL) return BM_ENOMEM;
  for (size_t i = 0; i < m; i++)
    for (size_t r = 0; r < n; r++)
      for (size_t j = 0; j < p; j++)
        Z[r * m * p + i * p + j] = X[i]->data[r * X[i]->tda + j] - d->M->data[r * d->M->tda + j];
  trsm_left(d->L_U, 0, Z, n, m * p, m * p);  /* one dtrsm over the whole batch */
  trsm_right(d->L_V, 1, Z, n * m, p, p);     /* and one on the other side */
  *Zout = Z;
  return BM_SUCCESS;
}

int bm_matnorm_loglik(const bm_matnorm *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each)
{
  if (ll == NULL) {
    nan_fill_vector(each);
    return BM_EINVAL;
  }
  *ll = NAN;
  double *Z = NULL;
  int status = BM_SUCCESS;
  if (each && (status = bm_validate_length(each, m))) goto done;
  status = batch_whiten(d, X, m, &Z);
  if (status) goto done;
  size_t n = d->n, p = d->p;
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
  if (status) nan_fill_vector(each);
  return status;
}

int bm_matnorm_loglik_grad(const bm_matnorm *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_matrix *dM,
                           gsl_matrix *dU, gsl_matrix *dV)
{
  double *Z = NULL, *buf = NULL;
  int status = ll == NULL ? BM_EINVAL : BM_SUCCESS;
  if (status) goto done;
  *ll = NAN;
  status = (d == NULL || !d->is_set) ? BM_EINVAL : BM_SUCCESS;
  if (status) goto done;
  size_t n = d->n, p = d->p;
  if (dM && (status = bm_validate_shape(dM, n, p))) goto done;
  if (dU && (status = bm_validate_shape(dU, n, n))) goto done;
  if (dV && (status = bm_validate_shape(dV, p, p))) goto done;
  status = batch_whiten(d, X, m, &Z);
  if (status) goto done;
  buf = malloc(sizeof(double) * (n * p + n * n + p * p));
  if (buf == NULL) {
    status = BM_ENOMEM;
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
    trsm_left(d->L_U, 1, S, n, p, p);
    trsm_right(d->L_V, 0, S, n, p, p);
    copy_out(S, dM);
  }
  if (dU) { /* sum_i Z_i Z_i^T = Z Z^T with Z n x (m p): one rank-mp update */
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)n, (int)(m * p), 1.0, Z, (int)(m * p), 0.0, BU, (int)n);
    for (size_t i = 0; i < n; i++) {
      for (size_t j = 0; j < i; j++) BU[j * n + i] = BU[i * n + j];
      BU[i * n + i] -= (double)(m * p);
    }
    half_sandwich_inv(d->L_U, BU, n);
    copy_out(BU, dU);
  }
  if (dV) { /* sum_i Z_i^T Z_i = Z'^T Z' with Z' the (n m) x p stack */
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)p, (int)(n * m), 1.0, Z, (int)p, 0.0, BV, (int)p);
    for (size_t i = 0; i < p; i++) {
      for (size_t j = 0; j < i; j++) BV[j * p + i] = BV[i * p + j];
      BV[i * p + i] -= (double)(m * n);
    }
    half_sandwich_inv(d->L_V, BV, p);
    copy_out(BV, dV);
  }
done:
  free(Z);
  free(buf);
  if (status) {
    nan_fill(dM);
    nan_fill(dU);
    nan_fill(dV);
  }
  return status;
}

/* ---- issue #11 accessor (distributions/stats_internal.h) ----------------- */
#include "stats_internal.h"
int bm_matnorm_internal_view(const bm_matnorm *d, const gsl_matrix **M, const gsl_matrix **L_U,
                             const gsl_matrix **L_V, double *log_norm)
{
  if (!d || !d->is_set) return BM_EINVAL;
  *M = d->M;
  *L_U = d->L_U;
  *L_V = d->L_V;
  *log_norm = d->log_norm;
  return BM_SUCCESS;
}

void bm_matnorm_dims(const bm_matnorm *d, size_t *n, size_t *p)
{
  if (n) *n = d ? d->n : 0;
  if (p) *p = d ? d->p : 0;
}
