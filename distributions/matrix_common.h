/* Internal (not installed): the pieces the two matrix-variate families with a
 * row scale and a column scale share, matnorm MN_{n,p}(M, U, V) and matt
 * T_{n,p}(nu, M, Sigma, Omega). Both keep the mean M (n x p) and the lower
 * Cholesky factors of the row scale (n x n: U or Sigma) and of the column
 * scale (p x p: V or Omega), whiten R = X - M as Z = L_row^-1 R L_col^-T, and
 * lay out theta = (vec M, vech row scale, vech column scale[, nu]).
 * Everything here is internal (prefix bm_mc_); it never allocates through GSL.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MATRIX_COMMON_H
#define BAYESMAT_MATRIX_COMMON_H

#include <math.h>
#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_cblas.h>
#include "internal.h"
#include "small_linalg.h"

/* Location and the two scale factors, embedded in each family's struct. */
typedef struct {
  size_t n, p;
  int is_set;
  gsl_matrix *M;                     /* the mean (copy); the scales live in their factors */
  gsl_matrix *L_row, *L_col;         /* lower Cholesky factors of the n x n and p x p scales */
  gsl_matrix *L_row_new, *L_col_new; /* _set scratch: factorize here, then swap */
} bm_mc_scales;

/* B <- L^-1 B (trans = 0) or L^-T B (trans = 1); B rows x cols, leading dimension ld. */
static inline void bm_mc_trsm_left(const gsl_matrix *L, int trans, double *B, size_t rows, size_t cols, size_t ld)
{
  if (rows <= BM_KN_MAX && rows * rows * cols < BM_KN_WHITEN_WORK) { /* on the calling thread (src/small_linalg.h) */
    bm_kn_trsm_left(trans ? CblasTrans : CblasNoTrans, rows, cols, L->data, L->tda, B, ld);
    return;
  }
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, trans ? CblasTrans : CblasNoTrans, CblasNonUnit, (int)rows,
              (int)cols, 1.0, L->data, (int)L->tda, B, (int)ld);
}

/* B <- B L^-1 (trans = 0) or B L^-T (trans = 1). */
static inline void bm_mc_trsm_right(const gsl_matrix *L, int trans, double *B, size_t rows, size_t cols, size_t ld)
{
  if (cols <= BM_KN_MAX && rows * cols * cols < BM_KN_WHITEN_WORK) { /* on the calling thread (src/small_linalg.h) */
    if (trans)
      bm_kn_trsm_right_lt(rows, cols, L->data, L->tda, B, ld);
    else
      bm_kn_trsm_right_ln(rows, cols, L->data, L->tda, B, ld);
    return;
  }
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, trans ? CblasTrans : CblasNoTrans, CblasNonUnit, (int)rows,
              (int)cols, 1.0, L->data, (int)L->tda, B, (int)ld);
}

/* NaN-fill the four shaped gradient outputs (dX, d location, d row scale, d column scale; any NULL). */
static inline void bm_mc_nan_fill_grad(gsl_matrix *dX, gsl_matrix *dM, gsl_matrix *dA, gsl_matrix *dB)
{
  bm_nan_matrix(dX);
  bm_nan_matrix(dM);
  bm_nan_matrix(dA);
  bm_nan_matrix(dB);
}

/* 1 if every entry of A (may be NULL) is finite: an output beyond double
 * range is reported as BM_EDOM, never returned with success. */
static inline int bm_mc_finite(const gsl_matrix *A)
{
  double z = 0.0;
  for (size_t i = 0; A && i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) z += A->data[i * A->tda + j] * 0.0;
  return z == 0.0;
}

/* Allocate the matrices of s for dims n x p (n, p > 0); BM_ENOMEM after freeing what was allocated. */
int bm_mc_alloc_fn(const char *fn, bm_mc_scales *s, size_t n, size_t p);
#define bm_mc_alloc(s, n, p) bm_mc_alloc_fn(__func__, s, n, p)
/* Free the matrices of s (any may be NULL). */
void bm_mc_free(bm_mc_scales *s);
/* Validate M (n x p) then the row scale A (n x n) and the column scale B (p x p), factorizing
 * them into L_row_new / L_col_new; the current state is untouched. Statuses of validate.h. */
int bm_mc_validate_factorize_fn(const char *fn, const char *A_name, const char *B_name, bm_mc_scales *s,
                                const gsl_matrix *M, const gsl_matrix *A, const gsl_matrix *B);
/* (each _fn helper here takes its public caller's name for bm_last_error; the macro passes it) */
#define bm_mc_validate_factorize(s, M, A, B) bm_mc_validate_factorize_fn(__func__, #A, #B, s, M, A, B)
/* Commit a successful bm_mc_validate_factorize: copy M, swap the new factors in, mark set. */
void bm_mc_commit(bm_mc_scales *s, const gsl_matrix *M);
/* n p + q_n + q_p, the length of (vec M, vech A, vech B). */
size_t bm_mc_nparams(const bm_mc_scales *s);
/* *n, *p (either may be NULL) of s, 0 when s is NULL. */
void bm_mc_dims(const bm_mc_scales *s, size_t *n, size_t *p);
/* Checks of an evaluation at X: BM_EINVAL (s NULL or never set), then bm_validate_matrix(X, n, p). */
int bm_mc_check_eval_fn(const char *fn, const bm_mc_scales *s, const gsl_matrix *X);
#define bm_mc_check_eval(s, X) bm_mc_check_eval_fn(__func__, s, X)
/* Shapes of the optional gradient outputs dX, dM (n x p), dA (n x n), dB (p x p), in that order. */
int bm_mc_check_grad_shapes_fn(const char *fn, const bm_mc_scales *s, const gsl_matrix *dX, const gsl_matrix *dM,
                               const gsl_matrix *dA, const gsl_matrix *dB);
#define bm_mc_check_grad_shapes(...) bm_mc_check_grad_shapes_fn(__func__, __VA_ARGS__)
/* Z <- X - M into a buffer with leading dimension ld. */
void bm_mc_residual(const bm_mc_scales *s, const gsl_matrix *X, double *Z, size_t ld);
/* Z <- L_row^-1 (X - M) L_col^-T, n x p contiguous: the standardized residual. */
void bm_mc_whiten(const bm_mc_scales *s, const gsl_matrix *X, double *Z);
/* Validate a batch of m observations and whiten it into a malloc'ed Z (caller frees), n x (m p)
 * with row r = [Z_1[r,:] ... Z_m[r,:]] (read as (n m) x p with ld p: the stack of rows); one
 * dtrsm per side. BM_EINVAL (s unset, X NULL, m = 0), the statuses of bm_validate_matrix, BM_ENOMEM. */
int bm_mc_batch_whiten_fn(const char *fn, const bm_mc_scales *s, const gsl_matrix *const *X, size_t m, double **Zout);
#define bm_mc_batch_whiten(...) bm_mc_batch_whiten_fn(__func__, __VA_ARGS__)
/* Mean: BM_EINVAL (s NULL/unset), BM_EBADLEN, BM_EDOM unless exists; copies M; NaN on failure. */
int bm_mc_mean_fn(const char *fn, const bm_mc_scales *s, int exists, gsl_matrix *mean);
#define bm_mc_mean(...) bm_mc_mean_fn(__func__, __VA_ARGS__)
/* Checks of a sampler call (BM_EINVAL for s unset or r NULL; shape of X); NaN-fills X on failure. */
int bm_mc_check_sample_fn(const char *fn, const bm_mc_scales *s, const gsl_rng *r, gsl_matrix *X);
#define bm_mc_check_sample(...) bm_mc_check_sample_fn(__func__, __VA_ARGS__)
/* X <- L_row X L_col^T + M (X n x p). */
void bm_mc_sample_finish(const bm_mc_scales *s, gsl_matrix *X);

/* S <- (S + S^T)/2 for a k x k buffer with leading dimension ld. */
void bm_mc_symmetrize(double *S, size_t k, size_t ld);
/* B <- L^-T B L^-1 / 2 in place (B k x k, contiguous), symmetrized. */
void bm_mc_half_sandwich_inv(const gsl_matrix *L, double *B, size_t k);
/* Copy a contiguous size1 x size2 buffer into A (any tda). */
void bm_mc_copy_out(const double *B, gsl_matrix *A);
/* s <- (vec dM, D^T vec GA, D^T vec GB) into the first n p + q_n + q_p entries of s. */
void bm_mc_score_pack(const gsl_matrix *dM, const gsl_matrix *GA, const gsl_matrix *GB, gsl_vector *s);

/* The blocks of a (n p + q_n + q_p [+ ...])-square theta matrix: (M, A, B) rows x columns, upper part. */
typedef struct {
  gsl_matrix_view MM, MA, MB, AA, AB, BB;
} bm_mc_blocks;
bm_mc_blocks bm_mc_theta_blocks(gsl_matrix *H, size_t n, size_t p);

/* entry (i + j n, a + b n) = alpha P_ia Q_jb (the matrix Q (x) P in vec coordinates). */
void bm_mc_kron_vec(double alpha, const gsl_matrix *P, const gsl_matrix *Q, gsl_matrix *H);
/* out(i + j n, a) += alpha (A E_a B)_ij over the vech basis E_a of m x m symmetric matrices;
 * A is n x m, B is m x p; out is (n p) x (m(m+1)/2). */
void bm_mc_mixed_vec_vech(double alpha, const gsl_matrix *A, const gsl_matrix *B, gsl_matrix *out);
/* out(a, b) += alpha tr(E_a W E_b W^T), E_a over vech_n, E_b over vech_p, W n x p. */
void bm_mc_cross_vech(double alpha, const gsl_matrix *W, gsl_matrix *out);

#endif
