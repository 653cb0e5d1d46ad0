/* bayesmat — Normal-Inverse-Wishart model (docs/contract.md) and its Normal-Wishart view.
 *
 *   x_i | mu, Sigma ~ N_p(mu, Sigma),  mu | Sigma ~ N_p(mu0, Sigma/kappa0),  Sigma ~ IW_p(nu0, Psi0).
 * Posterior after n observations with mean xbar and scatter S = sum (x_i - xbar)(x_i - xbar)^T:
 *   kappa_n = kappa0 + n, nu_n = nu0 + n, mu_n = (kappa0 mu0 + n xbar)/kappa_n,
 *   Psi_n = Psi0 + S + kappa0 n/kappa_n (xbar - mu0)(xbar - mu0)^T.
 * Evidence: log p(X) = -np/2 log pi + log Gamma_p(nu_n/2) - log Gamma_p(nu0/2)
 *            + nu0/2 log|Psi0| - nu_n/2 log|Psi_n| + p/2 log(kappa0/kappa_n).
 * Predictive: x* ~ t_p(nu_n - p + 1, mu_n, Psi_n (kappa_n + 1)/(kappa_n (nu_n - p + 1))).
 * Normal-Wishart view: Lambda = Sigma^-1 ~ W_p(nu0, W0) with W0 = Psi0^-1 and
 * mu | Lambda ~ N(mu0, (kappa0 Lambda)^-1): the same model, hence the same evidence —
 * the closed form of the integral of p(X|mu,Lambda) p(mu|Lambda) p(Lambda) dmu dLambda.
 * Numerics: Psi0, S and Psi_n are held as triangular factors; S's factor comes from a
 * QR of the centred data and chunks merge by stacking factors (Chan et al.'s pairwise
 * update written for factors). Derivations: docs/conjugate.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_NIW_H
#define BAYESMAT_NIW_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/mvt.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

typedef struct bm_niw bm_niw;

/** Mergeable sufficient statistics of N_p data: n, mean, upper factor R of the scatter (R^T R = S). */
typedef struct bm_niw_stats bm_niw_stats;

/** A model of dimension p >= 1, no prior yet. NULL on p == 0 or no memory. */
bm_niw *bm_niw_alloc(size_t p);
/** Free (NULL is fine). */
void bm_niw_free(bm_niw *m);

/**
 * Set the NIW prior and discard any data seen.
 * @param mu0 length p finite; @param kappa0 > 0; @param nu0 > p - 1; @param Psi0 p x p SPD
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN; BM_ENONFINITE (incl. infinite kappa0/nu0);
 *         BM_ENOTSYM; BM_ENOTSPD; BM_EDOM (kappa0 <= 0, nu0 <= p-1); BM_ENOMEM.
 *         On failure the model is unchanged.
 */
int bm_niw_set_prior(bm_niw *m, const gsl_vector *mu0, double kappa0, double nu0, const gsl_matrix *Psi0);

/**
 * Set the equivalent Normal-Wishart prior Lambda ~ W_p(nu0, W0), mu | Lambda ~ N(mu0, (kappa0 Lambda)^-1)
 * (= NIW with Psi0 = W0^-1; the factor of Psi0 comes from a QR of L_W0^-1, no inverse of W0 is formed).
 * @return as bm_niw_set_prior (W0 must be SPD).
 */
int bm_niw_set_prior_nw(bm_niw *m, const gsl_vector *mu0, double kappa0, double nu0, const gsl_matrix *W0);

/**
 * Condition on the rows of X (n x p). Accumulates: two updates equal one update on the
 * stacked rows up to rounding. n = 0 (X->size1 == 0) is a no-op. mu_n is formed as
 * mu0 + (n/kappa_n)(xbar - mu0), so a huge kappa0 (kappa0 mu0 beyond DBL_MAX) is fine.
 * @return BM_SUCCESS; BM_EINVAL (NULL, no prior); BM_EBADLEN; BM_ENONFINITE; BM_ENOMEM;
 *         BM_EDOM (the posterior is not representable: the scatter or Psi_n's factor
 *         overflows, e.g. |xbar - mu0| ~ 1e308, or log Gamma_p(nu_n/2) does).
 *         On failure the model is unchanged. Allocates O(n p).
 */
int bm_niw_update(bm_niw *m, const gsl_matrix *X);

/** Empty statistics (n = 0) of dimension p. NULL on p == 0 or no memory. */
bm_niw_stats *bm_niw_stats_alloc(size_t p);
/** Free (NULL is fine). */
void bm_niw_stats_free(bm_niw_stats *s);
/** s <- statistics of the rows of X (two-pass mean, QR of the centred rows streamed in blocks:
 *  O(p^2 + 8192) scratch whatever n). @return as bm_niw_update. */
int bm_niw_stats_compute(bm_niw_stats *s, const gsl_matrix *X);
/** dst <- statistics of both data sets. @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM. */
int bm_niw_stats_merge(bm_niw_stats *dst, const bm_niw_stats *src);
/**
 * Read the statistics: n, mean (length p, NaN when n = 0), scatter S (p x p). Outputs may be NULL.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN.
 */
int bm_niw_stats_get(const bm_niw_stats *s, size_t *n, gsl_vector *mean, gsl_matrix *scatter);
/** Condition on the data summarised by s. @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM. */
int bm_niw_update_stats(bm_niw *m, const bm_niw_stats *s);

/**
 * Posterior NIW parameters. Any output may be NULL.
 * @param mu_n length p; @param Psi_n p x p (formed from its factor)
 * @return BM_SUCCESS; BM_EINVAL (NULL m, no prior); BM_EBADLEN; BM_EDOM (the formed Psi_n,
 *         or W_n in the _nw view, has an entry beyond DBL_MAX though its factor is finite).
 *         NaN outputs on failure.
 */
int bm_niw_posterior(const bm_niw *m, gsl_vector *mu_n, double *kappa_n, double *nu_n, gsl_matrix *Psi_n);

/**
 * Posterior in the Normal-Wishart view: (mu_n, kappa_n, nu_n, W_n = Psi_n^-1). Any output may be NULL.
 * @return as bm_niw_posterior.
 */
int bm_niw_posterior_nw(const bm_niw *m, gsl_vector *mu_n, double *kappa_n, double *nu_n, gsl_matrix *W_n);

/**
 * Log posterior density at (mu, Sigma): log N_p(mu | mu_n, Sigma/kappa_n) + log IW_p(Sigma | nu_n, Psi_n).
 * With no data this is the log prior density.
 * @param mu length p finite; @param Sigma p x p symmetric
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSYM; BM_EDOM (Sigma not
 *         positive definite: *lp = -INFINITY). *lp = NAN on other failures. Allocates O(p^2).
 */
int bm_niw_log_posterior(const bm_niw *m, const gsl_vector *mu, const gsl_matrix *Sigma, double *lp);

/**
 * Log posterior density in the precision parameterization at (mu, Lambda):
 * log N_p(mu | mu_n, (kappa_n Lambda)^-1) + log W_p(Lambda | nu_n, W_n)
 * (= bm_niw_log_posterior at Sigma = Lambda^-1 plus the Jacobian (p+1) log|Sigma|).
 * @return as bm_niw_log_posterior.
 */
int bm_niw_log_posterior_nw(const bm_niw *m, const gsl_vector *mu, const gsl_matrix *Lambda, double *lp);

/**
 * One draw (mu, Sigma) from the posterior: Sigma = B B^T with B = L_n A^{-T} (A the Bartlett
 * factor of W_p(nu_n, I), L_n the factor of Psi_n), mu = mu_n + B z / sqrt(kappa_n).
 * When nu_n is close to p - 1 the inverse-Wishart has very heavy tails: the last Bartlett
 * chi-square has nu_n - p + 1 degrees of freedom and falls below 1e-300 with high
 * probability (at nu_n - p + 1 = 1e-3 most draws), and such a draw of Sigma is beyond
 * DBL_MAX. That draw is reported as BM_EDOM (the random numbers are consumed all the same).
 * @param mu out length p; @param Sigma out p x p (either may be NULL, not both)
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM; BM_EDOM (the draw overflows double).
 *         NaN outputs on failure.
 */
int bm_niw_sample_posterior(const bm_niw *m, gsl_rng *r, gsl_vector *mu, gsl_matrix *Sigma);

/**
 * Parameters of the posterior predictive t_p(df, loc, scale) (mvt's terms):
 * df = nu_n - p + 1, loc = mu_n, scale = Psi_n (kappa_n + 1)/(kappa_n df). Any output may be NULL.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM (scale has an entry beyond DBL_MAX,
 *         e.g. df tiny). NaN outputs on failure.
 */
int bm_niw_predictive_params(const bm_niw *m, double *df, gsl_vector *loc, gsl_matrix *scale);

/**
 * The posterior predictive as an mvt object: bm_mvt_set(pred, nu_n - p + 1, mu_n,
 * Psi_n (kappa_n + 1)/(kappa_n (nu_n - p + 1))) (see bm_niw_predictive_params).
 * @param pred from bm_mvt_alloc(p); set on success, unchanged on failure
 * @return BM_SUCCESS; BM_EINVAL (NULL, no prior); BM_EBADLEN (pred not of dimension p); BM_ENOMEM;
 *         BM_EDOM (not representable as an mvt object: a scale entry beyond DBL_MAX, a formed
 *         scale that is numerically not positive definite (Psi_n's condition beyond ~1/eps),
 *         or df so small that mvt refuses it). Allocates O(p^2) scratch.
 */
int bm_niw_predictive(const bm_niw *m, bm_mvt *pred);

/**
 * log p(all data so far) (formula above); 0 with no data.
 * @return BM_SUCCESS; BM_EINVAL (NULL, no prior). *lml = NAN on failure.
 */
int bm_niw_log_evidence(const bm_niw *m, double *lml);

/* ---- packed statistics (e.g. to send over MPI; bm_mpi_niw_update_stats) ----
 * Layout: a 6-double header [magic, format version, kind, p, 1, total length],
 * then (n, mean (zeros when n = 0), the upper triangle of R row by row). */
/** Dimension p of a model (0 for NULL). */
size_t bm_niw_dim(const bm_niw *m);
/** Dimension p (0 for NULL). */
size_t bm_niw_stats_dim(const bm_niw_stats *s);
/** Doubles in the packed form: 6 + 1 + p + p(p+1)/2 (0 for NULL). */
size_t bm_niw_stats_packed_len(const bm_niw_stats *s);
/** Pack s into buf (bm_niw_stats_packed_len doubles). @return BM_SUCCESS; BM_EINVAL (NULL). */
int bm_niw_stats_pack(const bm_niw_stats *s, double *buf);
/**
 * s <- a packed summary from bm_niw_stats_pack of a p-dimensional summary;
 * every field is validated, since the buffer may come from elsewhere.
 * @param len  doubles available in buf (nothing beyond buf[len - 1] is read)
 * @return BM_SUCCESS; BM_EINVAL (NULL; not a packed summary of this kind or
 *         format version; n negative, not an integer or above 2^53;
 *         nonzero content when n = 0; a nonzero factor when n = 1; a negative
 *         diagonal of R); BM_EBADLEN (len shorter or longer than the
 *         packed form, or a summary of another shape); BM_ENONFINITE.
 *         s unchanged on failure. Allocates nothing.
 */
int bm_niw_stats_unpack(bm_niw_stats *s, const double *buf, size_t len);

BM_END_DECLS
#endif
