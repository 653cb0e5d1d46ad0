/* Internal (not installed): the pieces distributions/wishart.c and
 * distributions/invwishart.c share. Both families have theta = (vech P, nu)
 * with P an SPD p x p parameter held by its lower Cholesky factor; the helpers
 * below are what does not depend on which density is evaluated (argument
 * checks with the docs/conventions.md status order, NaN fillers, the variate Cholesky
 * factor, score assembly, the theta-block builder of _hess/_fisher).
 * Names carry the internal prefix bm_wt_.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_WISHART_COMMON_H
#define BAYESMAT_WISHART_COMMON_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include "internal.h"
#include "kernels.h" /* BM_KN_MAX */

/* bm_validate_symmetric with a fast path: an exactly symmetric matrix with
 * finite entries (the common case) passes after one sweep of the lower
 * triangle with no sqrt and no early exit; anything else goes through
 * bm_validate_symmetric for its tolerance and its status order.
 * BM_EINVAL (NULL), BM_EBADLEN (not p x p), BM_ENONFINITE, BM_ENOTSYM. */
int bm_wt_check_symmetric_fn(const char *fn, const char *name, const gsl_matrix *A, size_t p);
/* (the _fn helpers take their public caller's name and the argument's name for
 * bm_last_error; the macros pass them: BM_FN of src/error.h, the enclosing
 * function unless a helper redefines it to its caller's name) */
#define bm_wt_check_symmetric(A, p) bm_wt_check_symmetric_fn(BM_FN, #A, A, p)

/* Copy the lower triangle of X into the p x p buffer buf (leading dim p) and
 * factorize in place: *W views buf = L_X (strict upper 0). BM_EDOM when X is
 * not PD. */
int bm_wt_factor_variate_fn(const char *fn, const char *name, const gsl_matrix *X, double *buf, size_t p,
                            gsl_matrix_view *W);
#define bm_wt_factor_variate(X, buf, p, W) bm_wt_factor_variate_fn(BM_FN, #X, X, buf, p, W)

/* The BM_EDOM failure of a variate X (named name) that is not positive
 * definite at leading minor k of p (the message of bm_wt_factor_variate). */
int bm_wt_not_pd_fn(const char *fn, const char *name, size_t k, size_t p);
#define bm_wt_not_pd(X, k, p) bm_wt_not_pd_fn(BM_FN, #X, k, p)

/* The small-p value kernel (p = X->size1 <= BM_SL_MAX; X symmetric, checked
 * by the caller; L_P the parameter's factor, p x p): factor X, *logdet_X
 * <- log|X|, and M (p x p, contiguous; strict upper triangle set to 0) <-
 * L_P^-1 L_X (inverse = 0, Wishart) or L_X^-1 L_P (inverse = 1); LX (p x p
 * contiguous, may be NULL) <- L_X, strict upper 0; sumsq (may be NULL) <-
 * the plain sums of squares of M's lower triangle with and without the
 * diagonal, summed as bm_wt_half_sumsq sums them (not scaled: a caller uses
 * them only when finite). The same numbers as bm_wt_factor_variate,
 * bm_chol_logdet and bm_sl_trsm_left, from one call and nothing allocated.
 * @return 0, or k + 1 when X's k-th leading pivot is not positive (X not
 * PD; outputs then unspecified). */
size_t bm_wt_small_whiten(const gsl_matrix *X, const gsl_matrix *L_P, int inverse, double *M, double *LX,
                          double *logdet_X, double *sumsq);

/* B (p x p, leading dim ldb, lower triangular with its strict upper
 * triangle 0) <- L^-1 B, L lower (ldl): the product of two lower triangular
 * matrices is lower triangular, so block column J of B (columns j0 ..) is
 * solved on rows j0 .. p-1 only: p^3/6 multiply-adds instead of a full
 * solve's p^3/2. The strict upper triangle stays 0. */
void bm_wt_solve_lower_tri(const double *L, size_t ldl, double *B, size_t ldb, size_t p);

/* ---- the two-sided product of the gradients beyond BM_KN_MAX ----
 * Both gradients need A^-1 Y A^-1 with A = L L^T and Y = L_1 L_1^T, where
 * the value has already formed the lower triangular M = L^-1 L_1 (Wishart:
 * A = S, Y = X; inverse Wishart: A = X, Y = Psi). With T = L^-1 (formed
 * anyway for the inverse A^-1 = T^T T, an output),
 *   A^-1 Y A^-1 - c A^-1 = T^T (M M^T - c I) T:
 * M M^T is a product of two triangles (p^3/6 multiply-adds) and the
 * symmetric sandwich T^T C T is LAPACK's dsygst (p^3/2), together 2p^3/3
 * where a solve N = L^-T M and N N^T cost p^3. Below BM_WT_SANDWICH_MIN the
 * families keep the solve and the rank-p product: up to BM_KN_MAX their
 * pieces run on the calling thread (dsygst's calls would start OpenBLAS's
 * threads there), and up to ~160 they take less time, single-threaded, than
 * dsygst and the recursive M M^T (which run slower per multiply-add): 290
 * vs 340 us at p = 129, equal at 160, 1.01 vs 0.97 ms at 200, 2.17 vs 1.98
 * ms at 256, 8.2 vs 6.5 ms at 400 (bench/README.md). */
#define BM_WT_SANDWICH_MIN ((size_t)192)

/* T (p x p, contiguous) <- L^-1 (L p x p lower with a positive diagonal),
 * strict upper triangle 0 (LAPACK's dtrtri). */
void bm_wt_tri_inverse(const gsl_matrix *L, double *T);

/* A (p x p, leading dim lda, full symmetric) <- T^T T, T (p x p
 * contiguous) lower triangular (LAPACK's dlauum): (L L^T)^-1 from T = L^-1. */
void bm_wt_gram_from_tri(const double *T, size_t p, double *A, size_t lda);

/* G (p x p, leading dim ldg, full symmetric) <- alpha T^T (M M^T - c I) T,
 * with T and M (p x p contiguous) lower triangular, strict upper triangles 0. */
void bm_wt_sandwich_mmt(const double *T, const double *M, size_t p, double alpha, double c, double *G, size_t ldg);

/* dst (p x p, leading dim ld) <- the lower triangle of L, strict upper 0. */
void bm_wt_copy_lower(const gsl_matrix *L, double *dst, size_t ld);

/* Sum of squares of the lower triangle of a p x p block (leading dim lda);
 * +INFINITY where the sum is NaN: from finite operands a NaN can only come
 * from an overflowed triangular solve (inf - inf), the true sum of squares
 * is then beyond DBL_MAX. */
double bm_wt_lower_sumsq(const double *A, size_t p, size_t lda);

/* The checks of _set (P the scale matrix, p x p) in the status order of docs/conventions.md, then P's
 * factor into stage: BM_EBADLEN, BM_ENONFINITE (nu), BM_ENOTSYM / BM_ENONFINITE
 * (P), BM_ENOTSPD, BM_EDOM (nu <= p - 1). P non-NULL. */
int bm_wt_stage_scale_fn(const char *fn, const char *name, size_t p, double nu, const gsl_matrix *P, gsl_matrix *stage);
#define bm_wt_stage_scale(p, nu, P, stage) bm_wt_stage_scale_fn(BM_FN, #P, p, nu, P, stage)

/* The same for _set_chol (L a lower Cholesky factor): on success stage holds
 * L's lower triangle, strict upper 0. L non-NULL. */
int bm_wt_stage_chol_fn(const char *fn, const char *name, size_t p, double nu, const gsl_matrix *L, gsl_matrix *stage);
#define bm_wt_stage_chol(p, nu, L, stage) bm_wt_stage_chol_fn(BM_FN, #L, p, nu, L, stage)

/* The checks of _logpdf_grad after the NULL checks: X, d_X, d_P p x p
 * (d_X, d_P may be NULL), then X symmetric. */
int bm_wt_check_grad_args_fn(const char *fn, const char *dP_name, size_t p, const gsl_matrix *X, const gsl_matrix *d_X,
                             const gsl_matrix *d_P);
#define bm_wt_check_grad_args(p, X, d_X, d_P) bm_wt_check_grad_args_fn(BM_FN, #d_P, p, X, d_X, d_P)

/* Gradient of log f w.r.t. (P, nu) only, as the family's _logpdf_grad
 * computes it (d is the family object). */
typedef int (*bm_wt_param_grad_fn)(const void *d, const gsl_matrix *X, gsl_matrix *G, double *d_nu);

/* _score: s (length q + 1) <- (vech-score D_p^T vec G, d_nu) from grad;
 * is_set 0 for a NULL or never-set object. NaN-filled s on failure.
 * Allocates one p x p matrix. */
int bm_wt_score_fn(const char *fn, const void *d, int is_set, size_t p, const gsl_matrix *X, gsl_vector *s, bm_wt_param_grad_fn grad);
#define bm_wt_score(...) bm_wt_score_fn(BM_FN, __VA_ARGS__)

/* The (vech P, nu) blocks shared by _hess and _fisher:
 *   H_PP = a T(B,B) (caller adds more), H_Pnu = b t(B), H_nunu = c psi'_p(nu/2). */
void bm_wt_theta_blocks(const gsl_matrix *B, double a, double b, double c, double nu, gsl_matrix *H);

/* Checks shared by _hess/_hess_x: object set, X p x p symmetric, H n x n. */
int bm_wt_check_x_and_out_fn(const char *fn, int is_set, size_t p, const gsl_matrix *X, const gsl_matrix *H, size_t n);
#define bm_wt_check_x_and_out(...) bm_wt_check_x_and_out_fn(BM_FN, __VA_ARGS__)

/* _fisher: I ((q+1) x (q+1)) <- theta_blocks(P^-1, nu/2, b, 1/4) from the
 * factor L of P; NaN-filled on failure. Allocates one p x p matrix. */
int bm_wt_fisher_fn(const char *fn, int is_set, size_t p, const gsl_matrix *L, double nu, double b, gsl_matrix *I);
#define bm_wt_fisher(...) bm_wt_fisher_fn(BM_FN, __VA_ARGS__)

/* Checks of an output-only call (_mean, _sample): ok (object set and every
 * other input non-NULL) and M p x p; NaN-fills M on failure. */
int bm_wt_check_out_fn(const char *fn, const char *name, int ok, size_t p, gsl_matrix *M);
#define bm_wt_check_out(ok, p, M) bm_wt_check_out_fn(BM_FN, #M, ok, p, M)

/* Checks of the batched log-likelihood: object set, X non-NULL when m > 0,
 * each (may be NULL) of length m, d_P (may be NULL) p x p. */
int bm_wt_check_batch_args_fn(const char *fn, const char *dP_name, int is_set, size_t p, const gsl_matrix *const *X,
                              size_t m, const gsl_vector *each, const gsl_matrix *d_P);
#define bm_wt_check_batch_args(is_set, p, X, m, each, d_P) \
  bm_wt_check_batch_args_fn(BM_FN, #d_P, is_set, p, X, m, each, d_P)

/* _sample of a Wishart-type family: checks (ok: object set and r non-NULL;
 * X p x p), A <- a Bartlett factor for nu (p x p lower, contiguous), then
 * draw(d, A, T, X) forms the full symmetric X (T: p x p contiguous scratch).
 * X NaN on failure; BM_EDOM (what names the cause) when X is not finite. */
typedef void (*bm_wt_draw_fn)(const void *d, double *A, double *T, gsl_matrix *X);
int bm_wt_sample_fn(const char *fn, const void *d, int ok, size_t p, double nu, gsl_rng *r, gsl_matrix *X,
                    bm_wt_draw_fn draw, const char *what);
#define bm_wt_sample(...) bm_wt_sample_fn(BM_FN, __VA_ARGS__)

/* The matrices of a batched call: X[0..m) each non-NULL, p x p and
 * symmetric, a failure naming X[k] with its index k. */
int bm_wt_check_batch_fn(const char *fn, const gsl_matrix *const *X, size_t m, size_t p);
#define bm_wt_check_batch(X, m, p) bm_wt_check_batch_fn(BM_FN, X, m, p)

/* 1 if every entry of A is finite: outputs that are not are reported as
 * BM_EDOM (a value beyond double range), never returned with success. */
int bm_wt_finite(const gsl_matrix *A);

/* ---- log-densities at large nu, without the cancellation of the textbook form ----
 * At nu >> 1 the terms (nu/2) log|X|, tr(S^-1 X)/2 and log Gamma_p(nu/2) are
 * each ~ nu log nu and cancel to O(p^2 log nu): the plain sum loses
 * log10(nu) digits. Written with M = L_S^-1 L_X (lower triangular, M M^T ~
 * S^-1 X) and Stirling's series for log Gamma_p, the Wishart log-density is
 *   lognorm_large(p, nu) + nu/2 dev_diag(M, nu) - half_sumsq(M, strict) - (p+1)/2 log|X|
 * (the inverse Wishart: the same with M = L_X^-1 L_Psi), where the nu-sized
 * parts vanish to first order at the mode, so rounding enters only as
 * sqrt(nu) eps. Derivation: docs/reliability.md. */
#define BM_WT_LOG_PI 1.14472988584940017414342735135305871
#define BM_WT_LOG_2PI 1.83787706640934548356065947281123527

/* 1/2 the sum of squares of the lower triangle of A (p x p, leading dimension
 * lda; strict: below the diagonal only), scaled when the plain sum overflows;
 * +inf only when half of it is beyond DBL_MAX (or an entry is not finite). */
double bm_wt_half_sumsq(const double *A, size_t p, size_t lda, int strict);

/* sum_i [log m_i - m_i + 1], m_i = M_ii^2 / c (M lower triangular, c > 0),
 * each term without cancellation near m_i = 1. */
double bm_wt_dev_diag(const double *M, size_t p, size_t lda, double c);

/* 1 if the large-nu forms apply, (nu - p + 1)/2 >= 10 (Stirling's series). */
int bm_wt_large_nu(size_t p, double nu);

/* p(p+1)/4 log(nu/2) - p(p-1)/4 (1 + log pi) - p/2 log(2 pi)
 *   - sum_{j<p} [(nu-j-1)/2 log1p(-j/nu) + stirling_tail((nu-j)/2)]:
 * the nu-dependent constant of the large-nu form (bm_wt_large_nu). */
double bm_wt_lognorm_large(size_t p, double nu);

/* ---- what the Wishart and inverse-Wishart files share to the letter ----
 * BM_WT_SURFACE(F, P) defines, for the family bm_F with scale matrix P (its
 * struct holding p, is_set, nu, L_P, stage, logdet_P, log_norm):
 * _alloc, _free, _set, _set_chol, _nparams, _grad, _score, _loglik,
 * _loglik_grad, _dim, _shape, _get_theta and the descriptor's adapters. The
 * family file defines before it: F_log_norm(p, nu, log|P|), the constant of
 * log f; _logpdf_grad; and loglik_impl(d, X, m, ll, each, d_P, d_nu), the
 * batched body. Every function keeps its own name in bm_last_error. */
#define BM_WT_SURFACE(F, P)                                                                           \
  bm_##F *bm_##F##_alloc(size_t p)                                                                    \
  {                                                                                                   \
    if (p == 0) return NULL;                                                                          \
    bm_##F *d = calloc(1, sizeof *d);                                                                 \
    if (!d) return NULL;                                                                              \
    d->p = p;                                                                                         \
    d->L_##P = bm_matrix_alloc(p, p);                                                                 \
    d->stage = bm_matrix_alloc(p, p);                                                                 \
    if (!d->L_##P || !d->stage) {                                                                     \
      bm_##F##_free(d);                                                                               \
      return NULL;                                                                                    \
    }                                                                                                 \
    return d;                                                                                         \
  }                                                                                                   \
  void bm_##F##_free(bm_##F *d)                                                                       \
  {                                                                                                   \
    if (!d) return;                                                                                   \
    if (d->L_##P) bm_matrix_free(d->L_##P);                                                           \
    if (d->stage) bm_matrix_free(d->stage);                                                           \
    free(d);                                                                                          \
  }                                                                                                   \
  /* Commit nu and the factor now in d->stage; BM_EDOM (and nothing changes)                          \
   * when the normalizing constant is not representable (e.g. nu = DBL_MAX:                           \
   * log Gamma_p(nu/2) overflows), so that no set object yields NaN densities. */                     \
  static int F##_commit(const char *fn, bm_##F *d, double nu)                                         \
  {                                                                                                   \
    double logdet = bm_chol_logdet(d->stage), log_norm = F##_log_norm(d->p, nu, logdet);              \
    if (!isfinite(log_norm))                                                                          \
      return bm_error_set(BM_EDOM, fn, "nu = %g: the normalizing constant is beyond double range", nu); \
    gsl_matrix *t = d->L_##P;                                                                         \
    d->L_##P = d->stage;                                                                              \
    d->stage = t;                                                                                     \
    d->nu = nu;                                                                                       \
    d->logdet_##P = logdet;                                                                           \
    d->log_norm = log_norm;                                                                           \
    d->is_set = 1;                                                                                    \
    return BM_SUCCESS;                                                                                \
  }                                                                                                   \
  int bm_##F##_set(bm_##F *d, double nu, const gsl_matrix *P)                                         \
  {                                                                                                   \
    if (!d || !P) return BM_FAIL(BM_EINVAL, "%s is NULL", d == NULL ? "d" : #P);                      \
    int status = bm_wt_stage_scale(d->p, nu, P, d->stage);                                            \
    return status ? status : F##_commit(__func__, d, nu);                                             \
  }                                                                                                   \
  int bm_##F##_set_chol(bm_##F *d, double nu, const gsl_matrix *L_##P)                                \
  {                                                                                                   \
    if (!d || !L_##P) return BM_FAIL(BM_EINVAL, "%s is NULL", d == NULL ? "d" : "L_" #P);             \
    int status = bm_wt_stage_chol(d->p, nu, L_##P, d->stage);                                         \
    return status ? status : F##_commit(__func__, d, nu);                                             \
  }                                                                                                   \
  size_t bm_##F##_nparams(const bm_##F *d) { return d ? bm_vech_len(d->p) + 1 : 0; }                  \
  int bm_##F##_grad(const bm_##F *d, const gsl_matrix *X, gsl_matrix *d_X, gsl_matrix *d_##P,         \
                    double *d_nu)                                                                     \
  {                                                                                                   \
    return bm_##F##_logpdf_grad(d, X, NULL, d_X, d_##P, d_nu);                                        \
  }                                                                                                   \
  /* (P, nu) part of the gradient, for bm_wt_score */                                                 \
  static int F##_param_grad(const void *d, const gsl_matrix *X, gsl_matrix *G, double *d_nu)          \
  {                                                                                                   \
    return bm_##F##_logpdf_grad(d, X, NULL, NULL, G, d_nu);                                           \
  }                                                                                                   \
  int bm_##F##_score(const bm_##F *d, const gsl_matrix *X, gsl_vector *s)                             \
  {                                                                                                   \
    return bm_wt_score(d, d && d->is_set, d ? d->p : 0, X, s, F##_param_grad);                        \
  }                                                                                                   \
  int bm_##F##_loglik(const bm_##F *d, const gsl_matrix *const *X, size_t m, double *ll,              \
                      gsl_vector *each)                                                               \
  {                                                                                                   \
    if (!ll) {                                                                                        \
      bm_nan_vector(each);                                                                            \
      return BM_FAIL(BM_EINVAL, "ll is NULL");                                                        \
    }                                                                                                 \
    return loglik_impl(d, X, m, ll, each, NULL, NULL);                                                \
  }                                                                                                   \
  int bm_##F##_loglik_grad(const bm_##F *d, const gsl_matrix *const *X, size_t m, double *ll,         \
                           gsl_matrix *d_##P, double *d_nu)                                           \
  {                                                                                                   \
    return loglik_impl(d, X, m, ll, NULL, d_##P, d_nu);                                               \
  }                                                                                                   \
  size_t bm_##F##_dim(const bm_##F *d) { return d ? d->p : 0; }                                       \
  void bm_##F##_shape(const bm_##F *d, size_t *rows, size_t *cols)                                    \
  {                                                                                                   \
    if (rows) *rows = bm_##F##_dim(d);                                                                \
    if (cols) *cols = bm_##F##_dim(d);                                                                \
  }                                                                                                   \
  int bm_##F##_get_theta(const bm_##F *d, gsl_vector *theta)                                          \
  {                                                                                                   \
    int status = bm_theta_get_begin(d && d->is_set, bm_##F##_nparams(d), theta);                      \
    if (!status) status = bm_theta_put_chol(theta, 0, d->L_##P); /* P = L_P L_P^T */                  \
    if (!status) gsl_vector_set(theta, theta->size - 1, d->nu);                                       \
    return status;                                                                                    \
  }                                                                                                   \
  static void *F##_op_alloc(size_t rows, size_t cols) { return rows == cols ? bm_##F##_alloc(rows) : NULL; } \
  BM_FAMILY_MATRIX_OPS(F)

/* The state of a Wishart-type family: p, nu, the factor of the scale P and
 * the constants of log f that depend only on them. */
#define BM_WT_STRUCT(F, P)                                                                            \
  struct bm_##F {                                                                                     \
    size_t p;                                                                                         \
    int is_set;                                                                                       \
    double nu;                                                                                        \
    gsl_matrix *L_##P;  /* lower Cholesky factor of P, strict upper triangle 0 */                     \
    gsl_matrix *stage;  /* _set factorizes here, then swaps with L_P */                               \
    double logdet_##P;  /* log|P| */                                                                  \
    double log_norm;    /* the constant of log f: F##_log_norm(p, nu, log|P|) */                      \
  }

#endif
