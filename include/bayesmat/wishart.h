/* bayesmat — the Wishart family W_p(nu, S) (docs/contract.md).
 *
 *   log f(X) = (nu-p-1)/2 log|X| - tr(S^-1 X)/2 - nu p/2 log 2 - nu/2 log|S| - log Gamma_p(nu/2)
 *
 * X and S are p x p symmetric positive definite, nu > p - 1 (real).
 * theta = (vech S, nu): length p(p+1)/2 + 1, nu LAST (docs/conventions.md).
 * Symmetric-matrix gradients are the symmetric gradients G of docs/conventions.md
 * (f(S + tE) = f(S) + t tr(G E) + O(t^2) for symmetric E).
 * Symmetric inputs are checked with BM_SYM_RTOL and then only their lower
 * triangle is read. Outputs on failure: *lp = NAN (-INFINITY for a non-SPD X,
 * status BM_EDOM), matrices/vectors filled with NaN, scalars NAN.
 * A set object is read-only: any number of threads may evaluate it at once.
 * Derivations: docs/wishart.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_WISHART_H
#define BAYESMAT_WISHART_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

typedef struct bm_wishart bm_wishart;

/**
 * Allocate an (unset) W_p object. Allocates O(p^2).
 * @return the object; NULL when p == 0 or out of memory.
 */
bm_wishart *bm_wishart_alloc(size_t p);

/** Free d (NULL is fine). */
void bm_wishart_free(bm_wishart *d);

/**
 * Set nu and the scale S: validates, factorizes S = L_S L_S^T, caches
 * log|S| and the log-normalizing constant. Allocates nothing.
 * @param nu  degrees of freedom, real, nu > p - 1
 * @param S   p x p SPD scale (copied; not retained)
 * @return BM_SUCCESS; BM_EINVAL (d or S NULL); BM_EBADLEN (S not p x p);
 *         BM_ENONFINITE (NaN/Inf in S or nu); BM_ENOTSYM; BM_ENOTSPD (S);
 *         BM_EDOM (nu <= p - 1, or a normalizing constant beyond double range, e.g. nu = DBL_MAX). On failure d keeps its previous state.
 */
int bm_wishart_set(bm_wishart *d, double nu, const gsl_matrix *S);

/**
 * Set nu and the scale through its lower Cholesky factor, S = L_S L_S^T
 * (only the lower triangle of L_S is read). Allocates nothing.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE;
 *         BM_ENOTSPD (a diagonal entry of L_S <= 0); BM_EDOM (nu <= p - 1, or a normalizing constant beyond double range, e.g. nu = DBL_MAX).
 *         On failure d keeps its previous state.
 */
int bm_wishart_set_chol(bm_wishart *d, double nu, const gsl_matrix *L_S);

/** Length of theta, p(p+1)/2 + 1 (0 for NULL d). */
size_t bm_wishart_nparams(const bm_wishart *d);

/**
 * Log-density at X, from the Cholesky factors of X and S:
 * log|X| = 2 sum log (L_X)_ii, tr(S^-1 X) = ||L_S^-1 L_X||_F^2 (one dtrsm).
 * @param X   p x p symmetric
 * At (nu - p + 1)/2 >= 10 the terms of size nu log nu are combined without
 * cancellation (Stirling's series; error ~ sqrt(nu) eps instead of nu eps).
 * @param lp  out: the log-density; -INFINITY when X is not positive definite
 *            or log f < -DBL_MAX (half the trace is formed so that it does
 *            not overflow where log f is representable)
 * @return BM_SUCCESS; BM_EINVAL (NULL, or d never set); BM_EBADLEN;
 *         BM_ENONFINITE; BM_ENOTSYM; BM_EDOM (X not positive definite).
 *         Allocates nothing for p <= 64.
 */
int bm_wishart_logpdf(const bm_wishart *d, const gsl_matrix *X, double *lp);

/**
 * Log-density and its shaped gradients in one pass (any output may be NULL,
 * and its work is skipped):
 *   d_X  = (nu-p-1)/2 X^-1 - S^-1/2                    (p x p, symmetric)
 *   d_S  = -nu/2 S^-1 + S^-1 X S^-1 / 2                 (p x p, symmetric)
 *   d_nu = log|X|/2 - p/2 log 2 - log|S|/2 - psi_p(nu/2)/2
 * @return as bm_wishart_logpdf, plus BM_EDOM when d_X, d_S or d_nu is beyond double
 *         range (X with an eigenvalue near DBL_MIN: X^-1 overflows; every output,
 *         lp and d_nu too, NaN), BM_EBADLEN for a d_X/d_S not p x p and
 *         BM_ENOMEM. Allocates O(p^2) scratch for p > 36.
 */
int bm_wishart_logpdf_grad(const bm_wishart *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X,
                           gsl_matrix *d_S, double *d_nu);

/**
 * Shaped gradient of log f w.r.t. X, S and nu (see bm_wishart_logpdf_grad;
 * any output may be NULL).
 * @return as bm_wishart_logpdf_grad.
 */
int bm_wishart_grad(const bm_wishart *d, const gsl_matrix *X, gsl_matrix *d_X, gsl_matrix *d_S, double *d_nu);

/**
 * Score: d log f / d theta = (D_p^T vec(d_S), d_nu).
 * @param s  out, length p(p+1)/2 + 1
 * @return as bm_wishart_logpdf (BM_EBADLEN for a wrong length; BM_EDOM also for a score
 *         beyond double range), BM_ENOMEM.
 */
int bm_wishart_score(const bm_wishart *d, const gsl_matrix *X, gsl_vector *s);

/**
 * Hessian of log f w.r.t. theta = (vech S, nu), B = S^-1:
 *   H_SS  = nu/2 T(B,B) - [T(B X B, B) + T(B, B X B)]/2
 *   H_Snu = -t(B)/2,   H_nunu = -psi'_p(nu/2)/4
 * with T(P,Q) = D_p^T (P (x) Q) D_p and t(B) = D_p^T vec(B).
 * @param H  out, (q+1) x (q+1), q = p(p+1)/2
 * @return as bm_wishart_score; BM_EDOM also for an entry beyond double range. Allocates O(p^2).
 */
int bm_wishart_hess(const bm_wishart *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Hessian of log f w.r.t. vech X (a coordinate moves X_ij and X_ji together):
 *   H = -(nu-p-1)/2 T(X^-1, X^-1).
 * @param H  out, q x q
 * @return as bm_wishart_score; BM_EDOM also for an entry beyond double range.
 */
int bm_wishart_hess_x(const bm_wishart *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Fisher information of one observation, closed form (docs/fisher.md):
 *   I_SS = nu/2 T(B,B),  I_Snu = t(B)/2,  I_nunu = psi'_p(nu/2)/4.
 * @param F  out, (q+1) x (q+1): the Fisher matrix (named F, not I, so that <complex.h>'s I macro cannot clash)
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM; BM_EDOM (an entry beyond
 *         double range, the scale near DBL_MIN).
 */
int bm_wishart_fisher(const bm_wishart *d, gsl_matrix *F);

/**
 * One draw X ~ W_p(nu, S) by the Bartlett decomposition (Smith & Hocking
 * 1972) for every real nu > p - 1: X = (L_S A)(L_S A)^T, A = bm_rng_bartlett.
 * @param X  out, p x p (full symmetric)
 * @return BM_SUCCESS; BM_EINVAL (NULL, d never set); BM_EBADLEN; BM_ENOMEM;
 *         BM_EDOM (the draw is beyond double range; X NaN).
 *         Allocates nothing for p <= 64.
 */
int bm_wishart_sample(const bm_wishart *d, gsl_rng *r, gsl_matrix *X);

/**
 * Mean E[X] = nu S.
 * @param M  out, p x p
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN.
 */
int bm_wishart_mean(const bm_wishart *d, gsl_matrix *M);

/**
 * Log-likelihood of m matrices: ll = sum_i log f(X_i); each (may be NULL,
 * length m) receives the terms. All factors L_{X_i} are placed side by side
 * in one p x (m p) block and whitened by ONE dtrsm with L_S.
 * @param X  array of m pointers to p x p symmetric matrices (NULL allowed when m == 0)
 * @return as bm_wishart_logpdf (first failing X_i); on BM_EDOM *ll = -INFINITY.
 *         On failure each is filled with NaN. Allocates O(m p^2).
 */
int bm_wishart_loglik(const bm_wishart *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each);

/**
 * Log-likelihood of m matrices and the gradient of the sum (outputs may be NULL):
 *   d_S  = -m nu/2 S^-1 + S^-1 (sum X_i) S^-1 / 2
 *   d_nu = sum log|X_i|/2 - m p/2 log 2 - m/2 log|S| - m/2 psi_p(nu/2)
 * (two block dtrsm and one dsyrk of rank m p).
 * @return as bm_wishart_loglik; d_S not p x p is BM_EBADLEN; BM_EDOM also when
 *         d_S or d_nu is beyond double range (d_nu ~ m/nu at p = 1, nu < 1e-308; ll, d_S, d_nu NaN).
 */
int bm_wishart_loglik_grad(const bm_wishart *d, const gsl_matrix *const *X, size_t m, double *ll,
                           gsl_matrix *d_S, double *d_nu);

/* ======================================================================
 * Sufficient statistics (implemented in distributions/wishart_stats.c)
 *
 * The mergeable summary of m observations X_1..X_m: (m, A = sum_i X_i,
 * l = sum_i log|X_i|). It is additive, so summaries of chunks (threads, MPI
 * ranks, files) merge in any order, equal to one pass up to rounding.
 *   sum_i log f(X_i) = m log_norm + (nu-p-1)/2 l - tr(S^-1 A)/2,
 *     log_norm = -nu p/2 log 2 - nu/2 log|S| - log Gamma_p(nu/2).
 * A stats object is mutable (not for sharing between threads while written).
 * ====================================================================== */
typedef struct bm_wishart_stats bm_wishart_stats;

/** Empty summary (m = 0) of p x p observations. NULL on p == 0 or no memory. Allocates O(p^2). */
bm_wishart_stats *bm_wishart_stats_alloc(size_t p);
/** Free (NULL is fine). */
void bm_wishart_stats_free(bm_wishart_stats *s);
/** Dimension p (0 for NULL). */
size_t bm_wishart_stats_dim(const bm_wishart_stats *s);
/** s <- the empty summary. @return BM_SUCCESS; BM_EINVAL (NULL). */
int bm_wishart_stats_reset(bm_wishart_stats *s);
/**
 * s <- s merged with the summary of X[0..m) (m = 0 is a no-op).
 * @param X  m pointers to p x p symmetric positive definite matrices
 * @return BM_SUCCESS; BM_EINVAL (NULL s, X or X[k]); BM_EBADLEN; BM_ENONFINITE;
 *         BM_ENOTSYM; BM_EDOM (some X[k] not positive definite, or the sum beyond
 *         double range). s unchanged on failure. Allocates nothing.
 */
int bm_wishart_stats_add(bm_wishart_stats *s, const gsl_matrix *const *X, size_t m);
/** s <- the summary of X[0..m) (reset, then add; unchanged on failure). Statuses as _add. */
int bm_wishart_stats_compute(bm_wishart_stats *s, const gsl_matrix *const *X, size_t m);
/** a <- a merged with b (a == b allowed). @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM (the merged sum
 *  beyond double range; a unchanged). Allocates nothing. */
int bm_wishart_stats_merge(bm_wishart_stats *a, const bm_wishart_stats *b);
/**
 * Read the summary; any output may be NULL.
 * @param m           out: number of observations
 * @param A           out, p x p: sum_i X_i
 * @param sum_logdet  out: sum_i log|X_i|
 * @return BM_SUCCESS; BM_EINVAL (s NULL); BM_EBADLEN.
 */
int bm_wishart_stats_get(const bm_wishart_stats *s, double *m, gsl_matrix *A, double *sum_logdet);
/** Doubles in the packed form: 6 + 2 + p(p+1)/2 (0 for NULL). */
size_t bm_wishart_stats_packed_len(const bm_wishart_stats *s);
/**
 * Pack into buf (bm_wishart_stats_packed_len doubles), e.g. to send over MPI: a
 * 6-double header [magic, format version, kind, p, 1, total length], then
 * (m, sum log|X_i|, lower triangle of A column by column).
 * @return BM_SUCCESS; BM_EINVAL (NULL).
 */
int bm_wishart_stats_pack(const bm_wishart_stats *s, double *buf);
/**
 * s <- a packed summary from bm_wishart_stats_pack of a p x p summary; every
 * field is validated, since the buffer may come from elsewhere.
 * @param len  doubles available in buf (nothing beyond buf[len - 1] is read)
 * @return BM_SUCCESS; BM_EINVAL (NULL; not a packed summary of this kind or
 *         format version; m negative, not an integer or above 2^53; nonzero
 *         entries when m = 0; |sum log|X_i|| beyond m p (1490 + log p), which no
 *         finite SPD observations reach); BM_EBADLEN (len shorter or longer than the
 *         packed form, or a summary of another shape); BM_ENONFINITE; BM_ENOTSPD (A not positive definite up to
 *         rounding when m > 0).
 *         s unchanged on failure. Allocates nothing.
 */
int bm_wishart_stats_unpack(bm_wishart_stats *s, const double *buf, size_t len);
/**
 * Log-likelihood of the summarized observations (= bm_wishart_loglik up to rounding; 0 when m = 0).
 * @return BM_SUCCESS; BM_EINVAL (NULL, d not set); BM_EBADLEN; BM_ENOMEM (p > 64 only). *ll NaN on failure.
 */
int bm_wishart_stats_loglik(const bm_wishart *d, const bm_wishart_stats *s, double *ll);
/**
 * Log-likelihood and gradients of the sum, as bm_wishart_loglik_grad:
 *   d_S = S^-1 A S^-1/2 - m nu/2 S^-1;  d_nu = l/2 - m p/2 log 2 - m/2 log|S| - m/2 psi_p(nu/2).
 * ll, d_S, d_nu may each be NULL. Statuses as bm_wishart_stats_loglik, plus BM_EDOM when d_S or d_nu is
 * beyond double range (S near DBL_MIN; d_nu ~ m/nu at p = 1, nu < 1e-308); outputs NaN on failure.
 */
int bm_wishart_stats_loglik_grad(const bm_wishart *d, const bm_wishart_stats *s, double *ll, gsl_matrix *d_S, double *d_nu);

/* ---- the uniform surface: theta, shape, Jeffreys (also through bayesmat/family.h) ---- */

/**
 * Set W_p(nu, S) from theta = (vech S, nu).
 * @return as bm_mvn_set_theta; BM_ENOTSPD (S); BM_EDOM (nu <= p - 1).
 */
int bm_wishart_set_theta(bm_wishart *d, const gsl_vector *theta);

/**
 * theta = (vech S, nu) of a set object (the family's theta order, docs/theta.md);
 * S is rebuilt from its Cholesky factor, S = L_S L_S^T (round-off only).
 * @param theta  out, length bm_wishart_nparams(d); NaN on failure
 * @return BM_SUCCESS; BM_EINVAL (NULL, or d never set); BM_EBADLEN; BM_ENOMEM (p > 64 only).
 */
int bm_wishart_get_theta(const bm_wishart *d, gsl_vector *theta);

/** Shape of the variate, p x p (the generic handle's convention, bayesmat/family.h);
 *  rows and cols may be NULL; 0 x 0 for NULL d. */
void bm_wishart_shape(const bm_wishart *d, size_t *rows, size_t *cols);

/** The dimension p (0 for NULL d). */
size_t bm_wishart_dim(const bm_wishart *d);

/**
 * Jeffreys prior of a family at its current parameters (docs/contract.md):
 *   log pi = 1/2 log det of bm_F_fisher's matrix, or of its sub-block on the
 *   k indices idx (0-based positions in the family's theta, docs/contract.md; all of theta when idx
 *   is NULL and k is 0), with no other constant. Which parameterization each
 *   value refers to (vech coordinates, nu last): docs/jeffreys.md.
 * @param d          a set object of the family
 * @param idx, k     the block; idx may be NULL (then k must be 0 or nparams)
 * @param log_prior  out; NaN on failure
 * @return BM_SUCCESS; BM_EINVAL (NULL d or log_prior, d unset, bad idx);
 *         BM_ESING (the block is singular, e.g. matnorm/matt's full theta);
 *         BM_ENOTSPD (numerically indefinite, see bm_jeffreys_from_fisher:
 *         e.g. nu near its bound or nu ~ 1e12, where the determinant of the
 *         Fisher matrix cancels); BM_EDOM (the Fisher matrix is beyond double
 *         range); BM_ENOMEM. Allocates the Fisher matrix.
 */
int bm_wishart_jeffreys(const bm_wishart *d, const size_t *idx, size_t k, double *log_prior);

BM_END_DECLS
#endif
