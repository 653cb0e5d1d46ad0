/* bayesmat — pieces shared by the matrix normal and matrix t families
 * (distributions/matnorm.c, distributions/matt.c); see matrix_common.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "bayesmat/alloc.h"
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/vech.h"
#include "matrix_common.h"
#include <stdio.h>
#define BM_FN fn /* the checks below report as the public caller */
#include "../src/error.h"

/* the scales' matrices, in bm_matrices_calloc's order */
#define SCALES_MATRICES(s) 5, (gsl_matrix **const[]){&(s)->M, &(s)->L_row, &(s)->L_col, &(s)->L_row_new, &(s)->L_col_new}

int bm_mc_alloc_fn(const char *fn, bm_mc_scales *s, size_t n, size_t p)
{
  s->n = n;
  s->p = p;
  const size_t dims[][2] = {{n, p}, {n, n}, {p, p}, {n, n}, {p, p}};
  if (bm_matrices_calloc(SCALES_MATRICES(s), dims)) return BM_FAIL(BM_ENOMEM, "out of memory for n = %zu, p = %zu", n, p);
  return BM_SUCCESS;
}

void bm_mc_free(bm_mc_scales *s)
{
  bm_matrices_free(SCALES_MATRICES(s));
}

int bm_mc_validate_factorize_fn(const char *fn, const char *A_name, const char *B_name, bm_mc_scales *s,
                                const gsl_matrix *M, const gsl_matrix *A, const gsl_matrix *B)
{
  int status = bm_validate_matrix(M, s->n, s->p);
  if (!status) status = bm_check_spd(fn, A_name, A, s->n, s->L_row_new, NULL);
  if (!status) status = bm_check_spd(fn, B_name, B, s->p, s->L_col_new, NULL);
  return status;
}

void bm_mc_commit(bm_mc_scales *s, const gsl_matrix *M)
{
  gsl_matrix_memcpy(s->M, M);
  gsl_matrix *t = s->L_row;
  s->L_row = s->L_row_new;
  s->L_row_new = t;
  t = s->L_col;
  s->L_col = s->L_col_new;
  s->L_col_new = t;
  s->is_set = 1;
}

size_t bm_mc_nparams(const bm_mc_scales *s)
{
  return s->n * s->p + bm_vech_len(s->n) + bm_vech_len(s->p);
}

void bm_mc_dims(const bm_mc_scales *s, size_t *n, size_t *p)
{
  if (n) *n = s ? s->n : 0;
  if (p) *p = s ? s->p : 0;
}

int bm_mc_check_eval_fn(const char *fn, const bm_mc_scales *s, const gsl_matrix *X)
{
  if (s == NULL || !s->is_set) return BM_FAIL(BM_EINVAL, "d is NULL or has not been set");
  return bm_validate_matrix(X, s->n, s->p);
}

int bm_mc_check_grad_shapes_fn(const char *fn, const bm_mc_scales *s, const gsl_matrix *dX, const gsl_matrix *dM, const gsl_matrix *dA,
                            const gsl_matrix *dB)
{
  int status = BM_SUCCESS;
  size_t n = s->n, p = s->p;
  if (dX && (status = bm_validate_shape(dX, n, p))) return status;
  if (dM && (status = bm_validate_shape(dM, n, p))) return status;
  if (dA && (status = bm_validate_shape(dA, n, n))) return status;
  if (dB && (status = bm_validate_shape(dB, p, p))) return status;
  return status;
}

void bm_mc_residual(const bm_mc_scales *s, const gsl_matrix *X, double *Z, size_t ld)
{
  for (size_t i = 0; i < s->n; i++)
    for (size_t j = 0; j < s->p; j++) Z[i * ld + j] = X->data[i * X->tda + j] - s->M->data[i * s->M->tda + j];
}

void bm_mc_whiten(const bm_mc_scales *s, const gsl_matrix *X, double *Z)
{
  bm_mc_residual(s, X, Z, s->p);
  bm_mc_trsm_left(s->L_row, 0, Z, s->n, s->p, s->p);
  bm_mc_trsm_right(s->L_col, 1, Z, s->n, s->p, s->p);
}

int bm_mc_batch_whiten_fn(const char *fn, const bm_mc_scales *s, const gsl_matrix *const *X, size_t m, double **Zout)
{
  *Zout = NULL;
  if (s == NULL || !s->is_set) return BM_FAIL(BM_EINVAL, "d is NULL or has not been set");
  if (X == NULL || m == 0) return BM_FAIL(BM_EINVAL, X ? "m = 0: no observations" : "X is NULL");
  for (size_t i = 0; i < m; i++) {
    char name[32];
    snprintf(name, sizeof name, "X[%zu]", i);
    int status = bm_check_matrix(fn, name, X[i], s->n, s->p);
    if (status) return status;
  }
  size_t n = s->n, p = s->p;
  double *Z = malloc(sizeof(double) * n * m * p);
  if (Z == NULL) return BM_FAIL(BM_ENOMEM, "out of memory for %zu observations", m);
  for (size_t i = 0; i < m; i++) bm_mc_residual(s, X[i], Z + i * p, m * p);
  bm_mc_trsm_left(s->L_row, 0, Z, n, m * p, m * p); /* one dtrsm over the whole batch */
  bm_mc_trsm_right(s->L_col, 1, Z, n * m, p, p);    /* and one on the other side */
  *Zout = Z;
  return BM_SUCCESS;
}

int bm_mc_mean_fn(const char *fn, const bm_mc_scales *s, int exists, gsl_matrix *mean)
{
  int status = (s == NULL || !s->is_set) ? BM_FAIL(BM_EINVAL, "d is NULL or has not been set") : BM_SUCCESS;
  if (!status) status = bm_validate_shape(mean, s->n, s->p);
  if (!status && !exists) status = BM_FAIL(BM_EDOM, "the mean does not exist for these parameters");
  if (status) {
    bm_nan_matrix(mean);
    return status;
  }
  gsl_matrix_memcpy(mean, s->M);
  return BM_SUCCESS;
}

int bm_mc_check_sample_fn(const char *fn, const bm_mc_scales *s, const gsl_rng *r, gsl_matrix *X)
{
  int status = (s == NULL || !s->is_set) ? BM_FAIL(BM_EINVAL, "d is NULL or has not been set") : BM_SUCCESS;
  if (!status && r == NULL) status = BM_FAIL(BM_EINVAL, "r is NULL");
  if (!status) status = bm_validate_shape(X, s->n, s->p);
  if (status) bm_nan_matrix(X);
  return status;
}

void bm_mc_sample_finish(const bm_mc_scales *s, gsl_matrix *X)
{
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)s->n, (int)s->p, 1.0,
              s->L_row->data, (int)s->L_row->tda, X->data, (int)X->tda);
  cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)s->n, (int)s->p, 1.0,
              s->L_col->data, (int)s->L_col->tda, X->data, (int)X->tda);
  gsl_matrix_add(X, s->M);
}

void bm_mc_symmetrize(double *S, size_t k, size_t ld)
{
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < i; j++) {
      double a = 0.5 * (S[i * ld + j] + S[j * ld + i]);
      S[i * ld + j] = S[j * ld + i] = a;
    }
}

void bm_mc_half_sandwich_inv(const gsl_matrix *L, double *B, size_t k)
{
  bm_mc_trsm_left(L, 1, B, k, k, k);
  bm_mc_trsm_right(L, 0, B, k, k, k);
  for (size_t i = 0; i < k * k; i++) B[i] *= 0.5;
  bm_mc_symmetrize(B, k, k);
}

void bm_mc_copy_out(const double *B, gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++) memcpy(A->data + i * A->tda, B + i * A->size2, A->size2 * sizeof(double));
}

void bm_mc_score_pack(const gsl_matrix *dM, const gsl_matrix *GA, const gsl_matrix *GB, gsl_vector *s)
{
  size_t n = dM->size1, p = dM->size2, qn = bm_vech_len(n), qp = bm_vech_len(p);
  gsl_vector_view sM = gsl_vector_subvector(s, 0, n * p);
  gsl_vector_view sA = gsl_vector_subvector(s, n * p, qn);
  gsl_vector_view sB = gsl_vector_subvector(s, n * p + qn, qp);
  bm_vec(dM, &sM.vector);
  bm_vech_from_sym_grad(GA, &sA.vector);
  bm_vech_from_sym_grad(GB, &sB.vector);
}

bm_mc_blocks bm_mc_theta_blocks(gsl_matrix *H, size_t n, size_t p)
{
  size_t np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p);
  bm_mc_blocks b;
  b.MM = gsl_matrix_submatrix(H, 0, 0, np, np);
  b.MA = gsl_matrix_submatrix(H, 0, np, np, qn);
  b.MB = gsl_matrix_submatrix(H, 0, np + qn, np, qp);
  b.AA = gsl_matrix_submatrix(H, np, np, qn, qn);
  b.AB = gsl_matrix_submatrix(H, np, np + qn, qn, qp);
  b.BB = gsl_matrix_submatrix(H, np + qn, np + qn, qp, qp);
  return b;
}

void bm_mc_kron_vec(double alpha, const gsl_matrix *P, const gsl_matrix *Q, gsl_matrix *H)
{
  size_t n = P->size1, p = Q->size1;
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < n; i++)
      for (size_t b = 0; b < p; b++)
        for (size_t a = 0; a < n; a++)
          H->data[(j * n + i) * H->tda + b * n + a] = alpha * gsl_matrix_get(P, i, a) * gsl_matrix_get(Q, j, b);
}

void bm_mc_mixed_vec_vech(double alpha, const gsl_matrix *A, const gsl_matrix *B, gsl_matrix *out)
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

void bm_mc_cross_vech(double alpha, const gsl_matrix *W, gsl_matrix *out)
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
