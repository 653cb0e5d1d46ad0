/* bayesmat — Bayesian linear regression (docs/contract.md).
 *
 *   y_i = x_i^T beta + eps_i,  eps_i ~ N(0, sigma^2 / w_i)  (w_i = 1 unless weighted),  beta in R^k.
 * Priors:
 *   NIG          beta | sigma^2 ~ N(m0, sigma^2 V0), sigma^2 ~ InvGamma(a0, b0) (density prop. x^(-a0-1) e^(-b0/x))
 *   known noise  beta ~ N(m0, S0), sigma^2 = 1/lambda known (PRML §3.3)
 *   improper     p(beta, sigma^2) prop. 1/sigma^2 (MLaPP §7.6.1)
 * Posteriors (with G = X^T W X, c = X^T W y):
 *   NIG:      V_n^-1 = V0^-1 + G, m_n = V_n (V0^-1 m0 + c), a_n = a0 + n/2,
 *             b_n = b0 + (y^T W y + m0^T V0^-1 m0 - m_n^T V_n^-1 m_n)/2
 *   known:    S_N^-1 = S0^-1 + lambda G, m_N = S_N (S0^-1 m0 + lambda c)
 *   improper: beta | y ~ t_k(n-k, beta_hat, s^2 G^-1), s^2 = RSS/(n-k), sigma^2 | y ~ InvGamma((n-k)/2, RSS/2)
 * Everything is computed from triangular factors of the stacked least-squares
 * problem [prior pseudo-rows; sqrt(W)[X y]] (QR, rows ordered by decreasing size
 * so that huge weights, noise precisions or diffuse priors cost no accuracy),
 * never from normal equations; see docs/conjugate.md.
 * Rank: a proper prior (NIG, known noise) makes the posterior proper for any data
 * (n < k, collinear or badly scaled columns included): no rank decision is taken.
 * The improper prior needs n > k, RSS > 0 and a design of full column rank, decided
 * scale-invariantly: the columns of the design's triangular factor are scaled to
 * unit norm and its 1-norm condition number must stay below 1/(1e3 k eps)
 * (~4.5e12/k); changing a covariate's units changes nothing. Observation weights
 * do enter that condition number (sqrt(W) X is what is factorized): with weights
 * spanning ~1e24 or more a full-rank X can count as numerically rank-deficient
 * under the improper prior (BM_EDOM), never under a proper one.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_BLR_H
#define BAYESMAT_BLR_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

typedef struct bm_blr bm_blr;

/**
 * Mergeable sufficient statistics of (possibly weighted) regression data:
 * n, sum_i log w_i and the (k+1) x (k+1) upper-triangular R with
 * R^T R = [X y]^T W [X y]. Two statistics merge exactly (R's are stacked and
 * re-triangularised).
 */
typedef struct bm_blr_stats bm_blr_stats;

/** A model for k >= 1 coefficients, no prior yet. NULL on k == 0 or no memory. */
bm_blr *bm_blr_alloc(size_t k);
/** Free (NULL is fine). */
void bm_blr_free(bm_blr *m);

/**
 * Set the Normal-Inverse-Gamma prior and discard any data seen.
 * @param m0 length k, finite; @param V0 k x k SPD; @param a0 > 0 (shape); @param b0 > 0 (scale)
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN; BM_ENONFINITE; BM_ENOTSYM; BM_ENOTSPD;
 *         BM_EDOM (a0 <= 0 or b0 <= 0); BM_ENOMEM. On failure the model is unchanged.
 */
int bm_blr_set_prior_nig(bm_blr *m, const gsl_vector *m0, const gsl_matrix *V0, double a0, double b0);

/**
 * Set the known-noise Gaussian prior beta ~ N(m0, S0), noise precision lambda, and discard data.
 * @param m0 length k; @param S0 k x k SPD; @param noise_precision lambda > 0, finite
 * @return as bm_blr_set_prior_nig (BM_EDOM for lambda <= 0).
 */
int bm_blr_set_prior_known_noise(bm_blr *m, const gsl_vector *m0, const gsl_matrix *S0, double noise_precision);

/**
 * Set the improper prior p(beta, sigma^2) prop. 1/sigma^2 and discard data. The
 * posterior is proper once n > k and X has full column rank.
 * @return BM_SUCCESS; BM_EINVAL (m NULL).
 */
int bm_blr_set_prior_improper(bm_blr *m);

/**
 * Condition on n more observations (rows of X, entries of y), unit weights.
 * Two updates equal one update on the stacked data (up to rounding). n = 0
 * (X->size1 == 0, y->size == 0) is a no-op.
 * @param X n x k finite; @param y length n finite
 * @return BM_SUCCESS; BM_EINVAL (NULL, or no prior set); BM_EBADLEN; BM_ENONFINITE;
 *         BM_ENOMEM; BM_EDOM (the posterior is not representable in double: statistics
 *         overflowing (entries ~1e308), a posterior mean beyond DBL_MAX, or log Gamma(a_n)
 *         overflowing). On failure the model is unchanged. Allocates O(n k).
 */
int bm_blr_update(bm_blr *m, const gsl_matrix *X, const gsl_vector *y);

/**
 * As bm_blr_update with observation weights w_i > 0 (noise variance sigma^2 / w_i).
 * @param w length n, finite, each > 0 (NULL: all 1)
 * @return as bm_blr_update; BM_EDOM (some w_i <= 0).
 */
int bm_blr_update_weighted(bm_blr *m, const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w);

/** Empty statistics for k coefficients (n = 0). NULL on k == 0 or no memory. */
bm_blr_stats *bm_blr_stats_alloc(size_t k);
/** Free (NULL is fine). */
void bm_blr_stats_free(bm_blr_stats *s);
/**
 * s <- statistics of one chunk (X, y, w); previous content discarded. The rows
 * are factorized in blocks (O(k^2 + 8192) scratch whatever n).
 * @param w may be NULL (unit weights)
 * @return as bm_blr_update_weighted; on failure s is unchanged.
 */
int bm_blr_stats_compute(bm_blr_stats *s, const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w);
/**
 * dst <- statistics of the union of both data sets.
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN (different k); BM_ENOMEM.
 */
int bm_blr_stats_merge(bm_blr_stats *dst, const bm_blr_stats *src);
/** Number of observations summarised. @return BM_SUCCESS; BM_EINVAL. */
int bm_blr_stats_count(const bm_blr_stats *s, size_t *n);
/**
 * Condition the model on the data summarised by s (same as updating with the data).
 * @return BM_SUCCESS; BM_EINVAL (NULL or no prior); BM_EBADLEN; BM_ENOMEM; BM_EDOM (as bm_blr_update).
 */
int bm_blr_update_stats(bm_blr *m, const bm_blr_stats *s);

/**
 * Posterior NIG parameters: NIG prior: (m_n, V_n, a_n, b_n) above; improper prior:
 * (beta_hat, G^-1, (n-k)/2, RSS/2) (the same form). V_n is formed explicitly as the output.
 * Any output may be NULL.
 * @param m_n length k; @param V_n k x k
 * @return BM_SUCCESS; BM_EINVAL (NULL m, no prior, or the known-noise prior);
 *         BM_EBADLEN; BM_EDOM (improper prior with n <= k, RSS = 0 or numerically rank-deficient X
 *         (see the top of this file); or V_n requested and an entry of it beyond DBL_MAX).
 *         Outputs NaN on failure.
 */
int bm_blr_posterior_nig(const bm_blr *m, gsl_vector *m_n, gsl_matrix *V_n, double *a_n, double *b_n);

/**
 * Gaussian posterior N(m_N, S_N) of beta under the known-noise prior. Any output may be NULL.
 * @return BM_SUCCESS; BM_EINVAL (NULL, no prior, or another prior); BM_EBADLEN;
 *         BM_EDOM (S_N requested and an entry of it beyond DBL_MAX). NaN on failure.
 */
int bm_blr_posterior_gaussian(const bm_blr *m, gsl_vector *m_N, gsl_matrix *S_N);

/**
 * Marginal posterior of beta as t_k(df, loc, scale) in mvt's terms: NIG: (2 a_n, m_n, (b_n/a_n) V_n);
 * improper: (n - k, beta_hat, s^2 G^-1). Any output may be NULL.
 * @return BM_SUCCESS; BM_EINVAL (NULL, no prior, known-noise prior); BM_EBADLEN;
 *         BM_EDOM (improper, n <= k, RSS = 0 or rank-deficient; or an entry of scale beyond DBL_MAX).
 *         NaN on failure.
 */
int bm_blr_posterior_beta_t(const bm_blr *m, double *df, gsl_vector *loc, gsl_matrix *scale);

/**
 * Log posterior density: NIG / improper: log N(beta | m_n, sigma2 V_n) + log InvGamma(sigma2 | a_n, b_n);
 * known noise: log N(beta | m_N, S_N) (sigma2 is ignored and may be anything).
 * @param beta length k finite; @param sigma2 > 0 finite (NIG / improper; any positive double)
 * On success *lp is finite, or -INFINITY when the true value is below -DBL_MAX (beta or sigma2
 * so far out that the quadratic form overflows).
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_EDOM (sigma2 <= 0: *lp = -INFINITY;
 *         improper posterior (see bm_blr_posterior_nig): *lp = NAN).
 */
int bm_blr_log_posterior(const bm_blr *m, const gsl_vector *beta, double sigma2, double *lp);

/**
 * Posterior predictive of y_new = x_new^T beta + eps (unit weight) as t_1(df, loc, scale2)
 * in mvt's terms: NIG: (2 a_n, x^T m_n, (b_n/a_n)(1 + x^T V_n x)); improper: (n-k, x^T beta_hat,
 * s^2 (1 + x^T G^-1 x)); known noise: Gaussian, df = INFINITY, scale2 = 1/lambda + x^T S_N x.
 * @param x_new length k, finite
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_EDOM (improper posterior, or
 *         x_new^T m_n or the scale overflowing: not representable). Outputs NaN on failure.
 */
int bm_blr_predictive(const bm_blr *m, const gsl_vector *x_new, double *df, double *loc, double *scale2);

/**
 * log p(y | X) of all data so far (marginal over beta and sigma^2 for NIG, over beta for known noise).
 * NIG: -n/2 log 2pi + 1/2 sum log w + 1/2 log|V_n|/|V0| + a0 log b0 - a_n log b_n + lgamma(a_n) - lgamma(a0).
 * known: log N(y | X m0, lambda^-1 W^-1 + X S0 X^T).
 * @return BM_SUCCESS; BM_EINVAL (NULL, no prior); BM_EDOM (improper prior: no evidence); NaN on failure.
 */
int bm_blr_log_evidence(const bm_blr *m, double *lml);

/* ---- packed statistics (e.g. to send over MPI; bm_mpi_blr_update_stats) ----
 * Layout: a 6-double header [magic, format version, kind, k, 1, total length],
 * then (n, sum log w, the upper triangle of R row by row). */
/** Number of coefficients k of a model (0 for NULL). */
size_t bm_blr_dim(const bm_blr *m);
/** Dimension k (0 for NULL). */
size_t bm_blr_stats_dim(const bm_blr_stats *s);
/** Doubles in the packed form: 6 + 2 + (k+1)(k+2)/2 (0 for NULL). */
size_t bm_blr_stats_packed_len(const bm_blr_stats *s);
/** Pack s into buf (bm_blr_stats_packed_len doubles). @return BM_SUCCESS; BM_EINVAL (NULL). */
int bm_blr_stats_pack(const bm_blr_stats *s, double *buf);
/**
 * s <- a packed summary from bm_blr_stats_pack of a k-coefficient summary;
 * every field is validated, since the buffer may come from elsewhere.
 * @param len  doubles available in buf (nothing beyond buf[len - 1] is read)
 * @return BM_SUCCESS; BM_EINVAL (NULL; not a packed summary of this kind or
 *         format version; n negative, not an integer or above 2^53;
 *         nonzero content when n = 0; |sum log w| > 745.2 n, which no positive
 *         finite weights reach; a negative diagonal of R); BM_EBADLEN (len shorter or longer than the
 *         packed form, or a summary of another shape); BM_ENONFINITE.
 *         s unchanged on failure. Allocates nothing.
 */
int bm_blr_stats_unpack(bm_blr_stats *s, const double *buf, size_t len);

BM_END_DECLS
#endif
