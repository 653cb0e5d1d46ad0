/* bayesmat — the inverse-Wishart family IW_p(nu, Psi) (docs/contract.md).
 *
 *   log f(X) = nu/2 log|Psi| - nu p/2 log 2 - log Gamma_p(nu/2) - (nu+p+1)/2 log|X| - tr(Psi X^-1)/2
 *
 * X and Psi are p x p symmetric positive definite, nu > p - 1 (real);
 * X ~ IW_p(nu, Psi) iff X^-1 ~ W_p(nu, Psi^-1) (agrees with scipy.stats.invwishart).
 * theta = (vech Psi, nu): length p(p+1)/2 + 1, nu LAST (docs/conventions.md).
 * Symmetric-matrix gradients are the symmetric gradients G of docs/conventions.md.
 * Symmetric inputs are checked with BM_SYM_RTOL and then only their lower
 * triangle is read. Outputs on failure: *lp = NAN (-INFINITY for a non-SPD X,
 * status BM_EDOM), matrices/vectors filled with NaN, scalars NAN.
 * A set object is read-only: any number of threads may evaluate it at once.
 * Derivations: docs/invwishart.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_INVWISHART_H
#define BAYESMAT_INVWISHART_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

typedef struct bm_invwishart bm_invwishart;

/**
 * Allocate an (unset) IW_p object. Allocates O(p^2).
 * @return the object; NULL when p == 0 or out of memory.
 */
bm_invwishart *bm_invwishart_alloc(size_t p);

/** Free d (NULL is fine). */
void bm_invwishart_free(bm_invwishart *d);

/**
 * Set nu and the scale Psi: validates, factorizes Psi = L L^T, caches
 * log|Psi| and the log-normalizing constant. Allocates nothing.
 * @param nu   degrees of freedom, real, nu > p - 1
 * @param Psi  p x p SPD scale (copied; not retained)
 * @return BM_SUCCESS; BM_EINVAL (d or Psi NULL); BM_EBADLEN (Psi not p x p);
 *         BM_ENONFINITE (NaN/Inf in Psi or nu); BM_ENOTSYM; BM_ENOTSPD;
 *         BM_EDOM (nu <= p - 1, or a normalizing constant beyond double range, e.g. nu = DBL_MAX). On failure d keeps its previous state.
 */
int bm_invwishart_set(bm_invwishart *d, double nu, const gsl_matrix *Psi);

/**
 * Set nu and the scale through its lower Cholesky factor, Psi = L_Psi L_Psi^T
 * (only the lower triangle of L_Psi is read). Allocates nothing.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE;
 *         BM_ENOTSPD (a diagonal entry of L_Psi <= 0); BM_EDOM (nu <= p - 1, or a normalizing constant beyond double range, e.g. nu = DBL_MAX).
 *         On failure d keeps its previous state.
 */
int bm_invwishart_set_chol(bm_invwishart *d, double nu, const gsl_matrix *L_Psi);

/** Length of theta, p(p+1)/2 + 1 (0 for NULL d). */
size_t bm_invwishart_nparams(const bm_invwishart *d);

/**
 * Log-density at X from the Cholesky factors of X and Psi:
 * log|X| = 2 sum log (L_X)_ii, tr(Psi X^-1) = ||L_X^-1 L_Psi||_F^2 (one dtrsm).
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
int bm_invwishart_logpdf(const bm_invwishart *d, const gsl_matrix *X, double *lp);

/**
 * Log-density and its shaped gradients in one pass (any output may be NULL,
 * and its work is skipped):
 *   d_X   = -(nu+p+1)/2 X^-1 + X^-1 Psi X^-1 / 2        (p x p, symmetric)
 *   d_Psi = nu/2 Psi^-1 - X^-1 / 2                      (p x p, symmetric)
 *   d_nu  = log|Psi|/2 - p/2 log 2 - psi_p(nu/2)/2 - log|X|/2
 * @return as bm_invwishart_logpdf, plus BM_EDOM when d_X, d_Psi or d_nu is beyond double
 *         range (X with an eigenvalue near DBL_MIN: X^-1 overflows; every output,
 *         lp and d_nu too, NaN), BM_EBADLEN for a d_X/d_Psi not p x p
 *         and BM_ENOMEM. Allocates O(p^2) scratch for p > 36.
 */
int bm_invwishart_logpdf_grad(const bm_invwishart *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X,
                              gsl_matrix *d_Psi, double *d_nu);

/**
 * Shaped gradient of log f w.r.t. X, Psi and nu (see
 * bm_invwishart_logpdf_grad; any output may be NULL).
 * @return as bm_invwishart_logpdf_grad.
 */
int bm_invwishart_grad(const bm_invwishart *d, const gsl_matrix *X, gsl_matrix *d_X, gsl_matrix *d_Psi,
                       double *d_nu);

/**
 * Score: d log f / d theta = (D_p^T vec(d_Psi), d_nu).
 * @param s  out, length p(p+1)/2 + 1
 * @return as bm_invwishart_logpdf (BM_EBADLEN for a wrong length; BM_EDOM also for a score
 *         beyond double range), BM_ENOMEM.
 */
int bm_invwishart_score(const bm_invwishart *d, const gsl_matrix *X, gsl_vector *s);

/**
 * Hessian of log f w.r.t. theta = (vech Psi, nu), C = Psi^-1 (independent of X;
 * X is still validated):
 *   H_PsiPsi = -nu/2 T(C,C),  H_Psinu = t(C)/2,  H_nunu = -psi'_p(nu/2)/4.
 * @param H  out, (q+1) x (q+1), q = p(p+1)/2
 * @return as bm_invwishart_score; BM_EDOM also for an entry beyond double range. Allocates O(p^2).
 */
int bm_invwishart_hess(const bm_invwishart *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Hessian of log f w.r.t. vech X (a coordinate moves X_ij and X_ji together),
 * with Y = X^-1 and Z = X^-1 Psi X^-1:
 *   H = (nu+p+1)/2 T(Y, Y) - [T(Y, Z) + T(Z, Y)]/2.
 * @param H  out, q x q
 * @return as bm_invwishart_score; BM_EDOM also for an entry beyond double range.
 */
int bm_invwishart_hess_x(const bm_invwishart *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Fisher information of one observation, closed form (docs/fisher.md):
 *   I_PsiPsi = nu/2 T(C,C),  I_Psinu = -t(C)/2,  I_nunu = psi'_p(nu/2)/4.
 * @param F  out, (q+1) x (q+1): the Fisher matrix (named F, not I, so that <complex.h>'s I macro cannot clash)
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM; BM_EDOM (an entry beyond
 *         double range, the scale near DBL_MIN).
 */
int bm_invwishart_fisher(const bm_invwishart *d, gsl_matrix *F);

/**
 * One draw X ~ IW_p(nu, Psi) for every real nu > p - 1, through the Bartlett
 * factor A of W_p(nu, I) without inverting any matrix: X^-1 ~ W_p(nu, Psi^-1)
 * = (L^-T A)(L^-T A)^T, hence X = T T^T with T = L A^-T, one triangular solve
 * (dtrsm) of the well-conditioned random A against L = L_Psi.
 * @param X  out, p x p (full symmetric)
 * @return BM_SUCCESS; BM_EINVAL (NULL, d never set); BM_EBADLEN; BM_ENOMEM;
 *         BM_EDOM (the draw is beyond double range; X NaN).
 *         Allocates nothing for p <= 45.
 */
int bm_invwishart_sample(const bm_invwishart *d, gsl_rng *r, gsl_matrix *X);

/**
 * Mean E[X] = Psi / (nu - p - 1), which exists for nu > p + 1.
 * @param M  out, p x p
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM (nu <= p + 1; M NaN).
 */
int bm_invwishart_mean(const bm_invwishart *d, gsl_matrix *M);

/**
 * Log-likelihood of m matrices: ll = sum_i log f(X_i); each (may be NULL,
 * length m) receives the terms.
 * @param X  array of m pointers to p x p symmetric matrices (NULL allowed when m == 0)
 * @return as bm_invwishart_logpdf (first failing X_i); on BM_EDOM *ll = -INFINITY.
 *         On failure each is filled with NaN. Allocates O(p^2).
 */
int bm_invwishart_loglik(const bm_invwishart *d, const gsl_matrix *const *X, size_t m, double *ll,
                         gsl_vector *each);

/**
 * Log-likelihood of m matrices and the gradient of the sum (outputs may be NULL):
 *   d_Psi = m nu/2 Psi^-1 - (sum_i X_i^-1)/2
 *   d_nu  = m/2 log|Psi| - m p/2 log 2 - m/2 psi_p(nu/2) - sum log|X_i|/2
 * @return as bm_invwishart_loglik; d_Psi not p x p is BM_EBADLEN; BM_EDOM also
 *         when d_Psi or d_nu is beyond double range (d_nu ~ m/nu at p = 1, nu < 1e-308; ll, d_Psi, d_nu NaN).
 */
int bm_invwishart_loglik_grad(const bm_invwishart *d, const gsl_matrix *const *X, size_t m, double *ll,
                              gsl_matrix *d_Psi, double *d_nu);

/* ======================================================================
 * Sufficient statistics (implemented in distributions/invwishart_stats.c)
 *
 * The mergeable summary of m observations X_1..X_m: (m, A = sum_i X_i^-1,
 * l = sum_i log|X_i|). It is additive, so summaries of chunks (threads, MPI
 * ranks, files) merge in any order, equal to one pass up to rounding.
 *   sum_i log f(X_i) = m log_norm - (nu+p+1)/2 l - tr(Psi A)/2,
 *     log_norm = nu/2 log|Psi| - nu p/2 log 2 - log Gamma_p(nu/2).
 * A stats object is mutable (not for sharing between threads while written).
 *
 * The functions are those of the Wishart summary (bayesmat/wishart.h) with
 * A = sum_i X_i^-1 in place of sum_i X_i; what they share is said once here:
 *   - s, a, b: summaries of p x p observations; a NULL one is BM_EINVAL (0
 *     for _dim and _packed_len; _free accepts NULL).
 *   - X: m pointers to p x p symmetric positive definite matrices (m = 0 adds
 *     nothing). _add: BM_EINVAL (NULL X or X[k]), BM_EBADLEN (X[k] not p x p),
 *     BM_ENONFINITE, BM_ENOTSYM, BM_EDOM (X[k] not positive definite, or X[k]^-1
 *     or the sum beyond double range).
 *     _compute is reset then add, with _add's statuses.
 *   - Every failing call leaves s (a) unchanged, outputs NaN; none but _alloc
 *     (O(p^2)) and the log-likelihoods at p > 64 allocate.
 *   - _merge: a <- a merged with b (a == b allowed); BM_EBADLEN for another p;
 *     BM_EDOM when the merged sum is beyond double range (a unchanged).
 *   - _get: m (number of observations), A (out, p x p: sum_i X_i^-1) and
 *     sum_logdet (sum_i log|X_i|), each may be NULL; BM_EBADLEN for A not p x p.
 *   - _packed_len: 6 + 2 + p(p+1)/2 doubles; _pack writes them to buf (a
 *     6-double header [magic, format version, kind, p, 1, total length], then
 *     m, sum log|X_i| and the lower triangle of A column by column; BM_EINVAL
 *     for NULL); _unpack validates every field of buf (len doubles, nothing
 *     beyond buf[len - 1] read): BM_EINVAL (NULL; not a packed summary of this
 *     kind or format version; m negative, not an integer or above 2^53; nonzero
 *     entries when m = 0; |sum log|X_i|| beyond m p (1490 + log p)), BM_EBADLEN
 *     (len other than the packed form, or another shape), BM_ENONFINITE,
 *     BM_ENOTSPD (A not positive definite up to rounding when m > 0).
 *   - _loglik: *ll = bm_invwishart_loglik of the summarized observations up to
 *     rounding (0 when m = 0); _loglik_grad adds, like bm_invwishart_loglik_grad,
 *       d_Psi = m nu/2 Psi^-1 - A/2;  d_nu = m/2 log|Psi| - m p/2 log 2 - m/2 psi_p(nu/2) - l/2
 *     (ll, d_Psi (p x p), d_nu each may be NULL); both BM_EINVAL (NULL, d not
 *     set), BM_EBADLEN (another p, d_Psi not p x p), BM_ENOMEM (p > 64 only);
 *     _loglik_grad also BM_EDOM when d_Psi or d_nu is beyond double range
 *     (d_nu ~ m/nu at p = 1, nu < 1e-308), every output NaN.
 * ====================================================================== */
typedef struct bm_invwishart_stats bm_invwishart_stats;

/** Empty summary (m = 0); NULL on p == 0 or no memory. */
bm_invwishart_stats *bm_invwishart_stats_alloc(size_t p);
void bm_invwishart_stats_free(bm_invwishart_stats *s);
size_t bm_invwishart_stats_dim(const bm_invwishart_stats *s);
/** s <- the empty summary. @return BM_SUCCESS; BM_EINVAL. */
int bm_invwishart_stats_reset(bm_invwishart_stats *s);
int bm_invwishart_stats_add(bm_invwishart_stats *s, const gsl_matrix *const *X, size_t m);
int bm_invwishart_stats_compute(bm_invwishart_stats *s, const gsl_matrix *const *X, size_t m);
/** @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM. */
int bm_invwishart_stats_merge(bm_invwishart_stats *a, const bm_invwishart_stats *b);
/** @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN. */
int bm_invwishart_stats_get(const bm_invwishart_stats *s, double *m, gsl_matrix *A, double *sum_logdet);
size_t bm_invwishart_stats_packed_len(const bm_invwishart_stats *s);
/** @return BM_SUCCESS; BM_EINVAL. */
int bm_invwishart_stats_pack(const bm_invwishart_stats *s, double *buf);
int bm_invwishart_stats_unpack(bm_invwishart_stats *s, const double *buf, size_t len);
int bm_invwishart_stats_loglik(const bm_invwishart *d, const bm_invwishart_stats *s, double *ll);
int bm_invwishart_stats_loglik_grad(const bm_invwishart *d, const bm_invwishart_stats *s, double *ll, gsl_matrix *d_Psi,
                                    double *d_nu);

/* ---- the uniform surface: theta, shape, Jeffreys (also through bayesmat/family.h) ---- */

/**
 * Set IW_p(nu, Psi) from theta = (vech Psi, nu).
 * @return as bm_mvn_set_theta; BM_ENOTSPD (Psi); BM_EDOM (nu <= p - 1).
 */
int bm_invwishart_set_theta(bm_invwishart *d, const gsl_vector *theta);

/**
 * theta = (vech Psi, nu) of a set object (the family's theta order, docs/theta.md);
 * Psi is rebuilt from its Cholesky factor (round-off only).
 * @param theta  out, length bm_invwishart_nparams(d); NaN on failure
 * @return BM_SUCCESS; BM_EINVAL (NULL, or d never set); BM_EBADLEN; BM_ENOMEM (p > 64 only).
 */
int bm_invwishart_get_theta(const bm_invwishart *d, gsl_vector *theta);

/** Shape of the variate, p x p (the generic handle's convention, bayesmat/family.h);
 *  rows and cols may be NULL; 0 x 0 for NULL d. */
void bm_invwishart_shape(const bm_invwishart *d, size_t *rows, size_t *cols);

/** The dimension p (0 for NULL d). */
size_t bm_invwishart_dim(const bm_invwishart *d);

/** As bm_wishart_jeffreys, for invwishart (theta = (vech Psi, nu)). */
int bm_invwishart_jeffreys(const bm_invwishart *d, const size_t *idx, size_t k, double *log_prior);

BM_END_DECLS
#endif
