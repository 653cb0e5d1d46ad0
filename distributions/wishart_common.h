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
#include "internal.h"

/* bm_validate_symmetric with a fast path: an exactly symmetric matrix with
 * finite entries (the common case) passes after one sweep of the lower
 * triangle with no sqrt and no early exit; anything else goes through
 * bm_validate_symmetric for its tolerance and its status order.
 * BM_EINVAL (NULL), BM_EBADLEN (not p x p), BM_ENONFINITE, BM_ENOTSYM. */
int bm_wt_check_symmetric_fn(const char *fn, const char *name, const gsl_matrix *A, size_t p);
/* (the _fn helpers take their public caller's name and the argument's name for
 * bm_last_error; the macros pass them) */
#define bm_wt_check_symmetric(A, p) bm_wt_check_symmetric_fn(__func__, #A, A, p)

/* Copy the lower triangle of X into the p x p buffer buf (leading dim p) and
 * factorize in place: *W views buf = L_X (strict upper 0). BM_EDOM when X is
 * not PD. */
int bm_wt_factor_variate_fn(const char *fn, const char *name, const gsl_matrix *X, double *buf, size_t p,
                            gsl_matrix_view *W);
#define bm_wt_factor_variate(X, buf, p, W) bm_wt_factor_variate_fn(__func__, #X, X, buf, p, W)

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
#define bm_wt_stage_scale(p, nu, P, stage) bm_wt_stage_scale_fn(__func__, #P, p, nu, P, stage)

/* The same for _set_chol (L a lower Cholesky factor): on success stage holds
 * L's lower triangle, strict upper 0. L non-NULL. */
int bm_wt_stage_chol_fn(const char *fn, const char *name, size_t p, double nu, const gsl_matrix *L, gsl_matrix *stage);
#define bm_wt_stage_chol(p, nu, L, stage) bm_wt_stage_chol_fn(__func__, #L, p, nu, L, stage)

/* The checks of _logpdf_grad after the NULL checks: X, d_X, d_P p x p
 * (d_X, d_P may be NULL), then X symmetric. */
int bm_wt_check_grad_args_fn(const char *fn, const char *dP_name, size_t p, const gsl_matrix *X, const gsl_matrix *d_X,
                             const gsl_matrix *d_P);
#define bm_wt_check_grad_args(p, X, d_X, d_P) bm_wt_check_grad_args_fn(__func__, #d_P, p, X, d_X, d_P)

/* Gradient of log f w.r.t. (P, nu) only, as the family's _logpdf_grad
 * computes it (d is the family object). */
typedef int (*bm_wt_param_grad_fn)(const void *d, const gsl_matrix *X, gsl_matrix *G, double *d_nu);

/* _score: s (length q + 1) <- (vech-score D_p^T vec G, d_nu) from grad;
 * is_set 0 for a NULL or never-set object. NaN-filled s on failure.
 * Allocates one p x p matrix. */
int bm_wt_score_fn(const char *fn, const void *d, int is_set, size_t p, const gsl_matrix *X, gsl_vector *s, bm_wt_param_grad_fn grad);
#define bm_wt_score(...) bm_wt_score_fn(__func__, __VA_ARGS__)

/* The (vech P, nu) blocks shared by _hess and _fisher:
 *   H_PP = a T(B,B) (caller adds more), H_Pnu = b t(B), H_nunu = c psi'_p(nu/2). */
void bm_wt_theta_blocks(const gsl_matrix *B, double a, double b, double c, double nu, gsl_matrix *H);

/* Checks shared by _hess/_hess_x: object set, X p x p symmetric, H n x n. */
int bm_wt_check_x_and_out_fn(const char *fn, int is_set, size_t p, const gsl_matrix *X, const gsl_matrix *H, size_t n);
#define bm_wt_check_x_and_out(...) bm_wt_check_x_and_out_fn(__func__, __VA_ARGS__)

/* _fisher: I ((q+1) x (q+1)) <- theta_blocks(P^-1, nu/2, b, 1/4) from the
 * factor L of P; NaN-filled on failure. Allocates one p x p matrix. */
int bm_wt_fisher_fn(const char *fn, int is_set, size_t p, const gsl_matrix *L, double nu, double b, gsl_matrix *I);
#define bm_wt_fisher(...) bm_wt_fisher_fn(__func__, __VA_ARGS__)

/* Checks of an output-only call (_mean, _sample): ok (object set and every
 * other input non-NULL) and M p x p; NaN-fills M on failure. */
int bm_wt_check_out_fn(const char *fn, const char *name, int ok, size_t p, gsl_matrix *M);
#define bm_wt_check_out(ok, p, M) bm_wt_check_out_fn(__func__, #M, ok, p, M)

/* Checks of the batched log-likelihood: object set, X non-NULL when m > 0,
 * each (may be NULL) of length m, d_P (may be NULL) p x p. */
int bm_wt_check_batch_args_fn(const char *fn, const char *dP_name, int is_set, size_t p, const gsl_matrix *const *X,
                              size_t m, const gsl_vector *each, const gsl_matrix *d_P);
#define bm_wt_check_batch_args(is_set, p, X, m, each, d_P) \
  bm_wt_check_batch_args_fn(__func__, #d_P, is_set, p, X, m, each, d_P)

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

#endif
