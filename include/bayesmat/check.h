/* bayesmat — verification of Bayesian derivations (docs/contract.md "Verification").
 *
 * Family-free Monte Carlo tools driven by caller callbacks:
 *   bm_check_proportional     a claimed log posterior is log prior + log lik + const
 *   bm_check_evidence_is      importance-sampling log p(X) with its standard error
 *   bm_check_evidence_identity  log p(X) = log prior + log lik - log post at random theta
 *   bm_check_sbc              simulation-based calibration (Talts et al. 2018)
 *   bm_check_fisher_mc        E[s s^T] and E[-H] against a claimed Fisher matrix, as z-scores
 * Examples and the statistics behind each: docs/check.md.
 * None of them prints; all are deterministic given the caller's gsl_rng.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CHECK_H
#define BAYESMAT_CHECK_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/fd.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Draw a parameter vector theta (length dim) into `theta`; return a BM_* status. */
typedef int (*bm_sampler_fn)(gsl_rng *r, void *params, gsl_vector *theta);

/**
 * A Bayesian model written as callbacks on a parameter vector theta of length dim.
 * Any callback may fail (non-zero status); a check then stops and returns that status.
 * Which callbacks each check needs is listed at the check.
 */
typedef struct {
  size_t dim;               /**< length of theta */
  bm_fn_scalar log_prior;   /**< log p(theta) (normalised for the evidence checks) */
  bm_fn_scalar log_lik;     /**< log p(X | theta) of the fixed data X (normalised) */
  bm_fn_scalar log_post;    /**< the claimed log p(theta | X) */
  bm_sampler_fn sample;     /**< points theta at which to compare (e.g. the prior, or a widened posterior) */
  bm_sampler_fn proposal_sample;  /**< importance proposal q: draw */
  bm_fn_scalar proposal_logpdf;   /**< importance proposal q: normalised log density */
  void *params;             /**< passed to every callback */
} bm_check_model;

/** What bm_check_proportional found. */
typedef struct {
  double worst_abs;   /**< max |[post(a) - post(b)] - [joint(a) - joint(b)]|, joint = prior + lik */
  double worst_rel;   /**< the same divided by (1 + |joint(a) - joint(b)|) */
  double log_const;   /**< mean of joint - post over the points: log p(X) when the claim is right */
  size_t n_pairs;     /**< pairs compared */
  int passed;         /**< worst_rel <= tol */
} bm_proportional_result;

/**
 * Proportionality check: draws 2*npairs points from model->sample and compares,
 * for each pair (a, b), post(a) - post(b) with joint(a) - joint(b), where
 * joint = log_prior + log_lik. A right posterior gives differences at rounding
 * level; a wrong one (any error not constant in theta) gives O(1) differences.
 * Needs log_prior, log_lik, log_post, sample.
 * @param tol   pass threshold on worst_rel (e.g. 1e-8)
 * @param res   out
 * @return BM_SUCCESS (read res->passed); BM_EINVAL (NULL model/callback/r/res,
 *         dim == 0, npairs == 0); a callback's status; BM_ENONFINITE (a callback
 *         returned a non-finite value); BM_ENOMEM. Allocates one vector of dim.
 */
int bm_check_proportional(const bm_check_model *model, gsl_rng *r, size_t npairs, double tol,
                          bm_proportional_result *res);

/** What bm_check_evidence_is found. */
typedef struct {
  double log_evidence;  /**< log of the importance-sampling estimate (1/N) sum w_i */
  double se;            /**< its standard error (delta method: sd(w) / (sqrt(N) mean(w))) */
  double z;             /**< (log_evidence - claimed) / se */
  double ess;           /**< effective sample size (sum w)^2 / sum w^2 */
  int passed;           /**< |z| <= z_tol */
} bm_evidence_result;

/**
 * Importance-sampling estimate of p(X) = E_q[p(X|theta) p(theta) / q(theta)] with
 * N draws from the proposal, on the log scale (log-sum-exp), its standard error,
 * and the z-score against a claimed closed form. A good proposal is the claimed
 * posterior widened (heavier tails than the posterior, e.g. a t or an inflated
 * Gaussian), so that the weights have finite variance.
 * Needs log_prior, log_lik, proposal_sample, proposal_logpdf.
 * @param claimed  the closed-form log p(X) under test
 * @param z_tol    pass threshold on |z| (e.g. 4)
 * @return BM_SUCCESS (read res->passed); BM_EINVAL (NULL, N < 2);
 *         a callback's status; BM_ENONFINITE; BM_ENOMEM.
 */
int bm_check_evidence_is(const bm_check_model *model, gsl_rng *r, size_t N, double claimed, double z_tol,
                         bm_evidence_result *res);

/**
 * Candidate's identity ("basic marginal likelihood identity", Chib 1995):
 * log p(X) = log p(theta) + log p(X|theta) - log p(theta|X) for EVERY theta.
 * Evaluates the right side at npts draws from model->sample and reports
 * worst = max |rhs - claimed| / (1 + |claimed|).
 * Needs log_prior, log_lik, log_post, sample.
 * @return BM_SUCCESS; BM_EINVAL; a callback's status; BM_ENONFINITE; BM_ENOMEM.
 */
int bm_check_evidence_identity(const bm_check_model *model, gsl_rng *r, size_t npts, double claimed,
                               double *worst);

/**
 * Simulation-based calibration problem (Talts, Betancourt, Simpson, Vehtari &
 * Gelman 2018). One replication: theta* ~ prior; data ~ p(.|theta*) and
 * condition the posterior on it (simulate_and_condition, which keeps the data /
 * the updated posterior in params); L draws theta_l ~ claimed posterior; for each
 * scalar statistic f_j the rank #{l : f_j(theta_l) < f_j(theta*)} in {0..L}.
 * With a correct posterior the ranks are uniform on {0..L}.
 */
typedef struct {
  size_t dim;    /**< length of theta */
  size_t nstat;  /**< number of scalar statistics ranked */
  bm_sampler_fn sample_prior;                                        /**< theta* ~ p(theta) */
  int (*simulate_and_condition)(gsl_rng *r, const gsl_vector *theta, void *params); /**< data ~ p(.|theta), then condition */
  bm_sampler_fn sample_posterior;                                    /**< theta ~ claimed p(theta|data) */
  /** statistics f(theta), length nstat; NULL means f = theta (nstat must equal dim) */
  int (*stat)(const gsl_vector *theta, void *params, gsl_vector *f);
  void *params;
} bm_sbc_problem;

/** What bm_check_sbc found. */
typedef struct {
  double p_min;        /**< the smallest per-statistic chi^2 p-value */
  double p_bonferroni; /**< min(1, nstat * p_min): the p-value of the whole check */
  size_t worst_stat;   /**< which statistic gave p_min */
} bm_sbc_result;

/**
 * Run nsim SBC replications with L posterior draws each, bin each statistic's
 * ranks into nbins bins (rank r -> bin floor(r nbins / (L+1)), expected counts
 * from the exact number of rank values per bin) and compute Pearson's chi^2
 * uniformity p-value with nbins - 1 degrees of freedom.
 * @param ranks    out, may be NULL: nsim x nstat, the ranks (as doubles)
 * @param pvalues  out, may be NULL: length nstat, per-statistic p-values
 * @return BM_SUCCESS; BM_EINVAL (NULL problem/callbacks/r/res, nsim == 0, L == 0,
 *         nbins < 2 or nbins > L + 1, stat NULL with nstat != dim);
 *         BM_EBADLEN (ranks/pvalues shape); a callback's status; BM_ENONFINITE
 *         (a statistic not finite); BM_ENOMEM. Allocates O(nsim nstat).
 */
int bm_check_sbc(const bm_sbc_problem *prob, gsl_rng *r, size_t nsim, size_t L, size_t nbins,
                 gsl_matrix *ranks, gsl_vector *pvalues, bm_sbc_result *res);

/**
 * Monte Carlo Fisher problem for any family: draw() draws one observation x
 * from the model at the parameter under test and keeps it in params; score()
 * and neg_hess() evaluate d log f / d theta and -d^2 log f / d theta d theta^T
 * at the last draw.
 */
typedef struct {
  size_t dim;                                       /**< length of theta */
  int (*draw)(gsl_rng *r, void *params);            /**< x ~ f(.|theta) */
  int (*score)(void *params, gsl_vector *s);        /**< at the last draw */
  int (*hess)(void *params, gsl_matrix *H);         /**< Hessian (NOT negated) at the last draw; may be NULL */
  void *params;
} bm_fisher_mc_problem;

/** What bm_check_fisher_mc found. */
typedef struct {
  double max_z_outer;   /**< max over entries |mean(s s^T) - I| / se */
  double max_z_hess;    /**< max over entries |mean(-H) - I| / se (0 when hess is NULL) */
  size_t worst_i, worst_j; /**< entry of the larger of the two */
  size_t draws;
  int passed;           /**< both maxima <= z_tol */
} bm_fisher_mc_result;

/**
 * Compare a claimed Fisher information `fisher` (dim x dim) with the Monte Carlo means
 * of s s^T and -H over N draws, entry by entry as z = (mean - I) / se (se from
 * the sample variance of the entry). An entry with se == 0 passes only when the
 * difference is within 1e-10 (1 + |I|) (z = 0), else z = +inf.
 * @param mean_outer  out, may be NULL: dim x dim, the mean of s s^T
 * @param mean_neg_hess out, may be NULL: dim x dim, the mean of -H
 * @return BM_SUCCESS (read res->passed); BM_EINVAL (NULL, N < 2);
 *         BM_EBADLEN (fisher or outputs not dim x dim); BM_ENONFINITE (fisher non-finite,
 *         or a non-finite score); a callback's status; BM_ENOMEM.
 */
int bm_check_fisher_mc(const bm_fisher_mc_problem *prob, const gsl_matrix *fisher, gsl_rng *r, size_t N,
                       double z_tol, gsl_matrix *mean_outer, gsl_matrix *mean_neg_hess,
                       bm_fisher_mc_result *res);

BM_END_DECLS
#endif
