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
#include <stdio.h>
#include "bayesmat/fd.h"
#include "bayesmat/family.h"

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

/* ======================================================================
 * One-call check of a family (any bm_dist, built-in or a user's own) and
 * diagnosis of the usual matrix-gradient and Fisher-matrix mistakes.
 * Implemented in inference/check_dist.c; walkthrough with real output in
 * docs/check.md.
 * ====================================================================== */

/** What a failing matrix gradient was found to be, against the
 *  finite-difference gradient R of the expected convention. */
typedef enum {
  BM_GRAD_OK = 0,             /**< matches R */
  BM_GRAD_TRANSPOSED,         /**< claimed = R^T: numerator layout where denominator layout (the shape of X) is expected */
  BM_GRAD_OFFDIAG_DOUBLED,    /**< claimed off-diagonals = 2 x R's */
  BM_GRAD_OFFDIAG_HALVED,     /**< claimed off-diagonals = R's / 2 */
  BM_GRAD_NOT_SYMMETRIZED,    /**< claimed not symmetric, but (C + C^T)/2 = R (symmetric X only) */
  BM_GRAD_SIGN,               /**< claimed = -R */
  BM_GRAD_HALF,               /**< claimed = R / 2 */
  BM_GRAD_DOUBLE,             /**< claimed = 2 R */
  BM_GRAD_UNKNOWN             /**< wrong, and none of the above */
} bm_grad_mistake;

/** Short name of a mistake ("transposed", "offdiag-doubled", ...); "?" for an unknown value. */
const char *bm_grad_mistake_name(bm_grad_mistake m);

/** What bm_check_matrix_gradient (or a shaped block of bm_check_dist) found. */
typedef struct {
  bm_grad_mistake mistake; /**< the named mistake (BM_GRAD_OK when it matches) */
  double rel_err;          /**< max |C - R| / max |R| of the claim as given */
  double rel_err_matched;  /**< the same after undoing the named mistake (rel_err when OK or UNKNOWN) */
  char message[256];       /**< one sentence for a human */
} bm_grad_diagnosis;

/** Scalar function of a matrix X (rows x cols); 0 on success, non-zero where undefined. */
typedef int (*bm_fn_matrix_scalar)(const gsl_matrix *X, void *params, double *f);

/**
 * Check a claimed gradient of a scalar function of a matrix and, when it is
 * wrong, name the mistake: each hypothesis (transposed, off-diagonals doubled
 * or halved, not symmetrized, sign, factor 1/2 or 2) is applied to the
 * finite-difference gradient R and compared with the claim; the one that
 * matches within the tolerance is reported.
 * Conventions: for a general X, R_ij = d f / d X_ij (the shape of X). For a
 * symmetric X (symmetric != 0; f is then evaluated only at symmetric
 * matrices), R is the symmetric gradient of docs/conventions.md:
 * f(X + tE) = f(X) + t tr(R E) + O(t^2) for every symmetric E.
 * @param f,params  the function
 * @param X         the point, rows x cols (square and symmetric when symmetric != 0)
 * @param claimed   the gradient under test, same shape as X
 * @param opts      NULL for defaults; fd options and tol (default 1e-6) are used
 * @param diag      out
 * @return BM_SUCCESS (the check ran: diag->mistake == BM_GRAD_OK means it
 *         passed); BM_EINVAL (NULL f, X, claimed or diag); BM_EBADLEN (claimed's
 *         shape, or symmetric with a non-square X); BM_ENOTSYM (symmetric X not
 *         symmetric); BM_ENONFINITE; BM_EDOM (f fails at X); BM_ENOMEM.
 */
int bm_check_matrix_gradient(bm_fn_matrix_scalar f, void *params, const gsl_matrix *X, int symmetric,
                             const gsl_matrix *claimed, const bm_check_options *opts, bm_grad_diagnosis *diag);

/** Options of bm_check_dist; NULL or a zeroed struct means all defaults. */
typedef struct {
  size_t draws;        /**< Monte Carlo draws for E[score], Fisher and the mean; 0: default 20000 */
  size_t points;       /**< variates (drawn from d) at which derivatives are checked; 0: default 3 */
  double tol;          /**< pass threshold on the worst relative error of score and Hessian; 0: default 1e-6 */
  double tol_hess_x;   /**< the same for hess_x (second differences of log f); 0: default 1e-5 */
  double z_tol;        /**< pass threshold on the largest |z| of a Monte Carlo row; 0: default 5 */
  double slope_tol;    /**< the Taylor-remainder slope must be at least this; 0: default 1.8 */
  /** optional: the variates at which to check derivatives (npoints of them,
   *  each of d's shape) instead of draws; needed for a family without a sampler */
  const gsl_matrix *const *at;
  size_t nat;          /**< number of entries of at */
  /** optional: theta of d (length nparams) for a family without get_theta */
  const gsl_vector *theta;
  /** optional: called now and then during the Monte Carlo rows with the draws done and due */
  void (*progress)(size_t done, size_t total, void *ctx);
  void *progress_ctx;  /**< passed to progress */
} bm_check_dist_options;

/** Outcome of one row of a report. */
typedef enum { BM_ROW_PASS = 0, BM_ROW_FAIL, BM_ROW_SKIP } bm_row_status;

/** One row of a report. */
typedef struct {
  char name[40];        /**< what is checked, e.g. "score vs FD of log f" */
  char measure[8];      /**< "rel" (relative error), "|z|" (Monte Carlo), "slope" (Taylor) */
  double value;         /**< the worst error / |z| / the smallest slope; NaN when skipped */
  double threshold;     /**< pass when value <= threshold (>= for "slope") */
  bm_row_status status; /**< pass, fail or skipped */
  bm_grad_mistake mistake; /**< gradient rows: the named mistake of the worst block (else BM_GRAD_OK) */
  char detail[256];     /**< why skipped, the diagnosis of a failure, or the worst place */
} bm_check_row;

/** Most rows a report holds. */
#define BM_CHECK_MAX_ROWS 16
/** Most checkpoints of the Monte Carlo Fisher convergence trace. */
#define BM_CHECK_MAX_TRACE 40

/** The result of bm_check_dist. */
typedef struct {
  char family[32];      /**< the family's name */
  size_t nrows;         /**< rows filled */
  bm_check_row rows[BM_CHECK_MAX_ROWS];
  size_t nfailed;       /**< rows that failed */
  int passed;           /**< no row failed (skipped rows do not fail) */
  /** Monte Carlo Fisher convergence: after trace_draws[k] draws, the relative
   *  Frobenius error of mean(s s^T) and of mean(-H) against fisher */
  size_t ntrace;
  size_t trace_draws[BM_CHECK_MAX_TRACE];
  double trace_outer[BM_CHECK_MAX_TRACE];
  double trace_hess[BM_CHECK_MAX_TRACE];
  /** Fisher diagnosis: the theta blocks (by the descriptor's names) off the
   *  most, and the factor claimed / Monte Carlo of that block pair */
  char fisher_block[64];
  double fisher_factor;
} bm_check_report;

/** A new empty report; NULL when out of memory. */
bm_check_report *bm_check_report_alloc(void);
/** Free a report (NULL is a no-op). */
void bm_check_report_free(bm_check_report *report);

/** Output format of bm_check_report_print. */
typedef enum { BM_REPORT_TABLE = 0, BM_REPORT_JSON } bm_report_format;

/**
 * Print a report as an aligned table (one line per row, then the verdict) or
 * as one JSON object.
 * @return BM_SUCCESS; BM_EINVAL (NULL report or stream, unknown format).
 */
int bm_check_report_print(const bm_check_report *report, FILE *out, bm_report_format format);

/**
 * Check a family at d's parameters in one call. Rows, each skipped (and
 * reported as such) when the family lacks the operation it needs:
 *   score vs finite differences of log f in theta (at each point; a failing
 *     matrix block is diagnosed as bm_check_matrix_gradient does),
 *   hess vs finite differences of the score,
 *   Taylor-remainder slope of log f along a random theta direction,
 *   hess_x vs second differences of log f in the variate,
 *   E[score] = 0, E[s s^T] = fisher, E[-H] = fisher (bm_check_fisher_mc;
 *     a failure names the theta block pair off the most and its factor),
 *   the sample mean against the mean op, as z-scores.
 * The theta-derivative rows need get_theta (or opts->theta); the points come
 * from the sampler (or opts->at). A draw the sampler refuses as numerically
 * singular (BM_EDOM) is drawn again, up to 16 times.
 * @param d       a set distribution (not modified)
 * @param rng     the caller's generator (the only source of randomness)
 * @param opts    NULL for defaults
 * @param report  out (cleared first)
 * @return BM_SUCCESS (the check ran: read report->passed); BM_EINVAL (NULL d,
 *         rng or report, d never set, a bad option); BM_EBADLEN (opts->theta
 *         or opts->at of the wrong size); BM_ENOMEM. A failure of the family's
 *         own operation fails its row (with the status in the detail), not the call.
 */
int bm_check_dist(const bm_dist *d, gsl_rng *rng, const bm_check_dist_options *opts, bm_check_report *report);

BM_END_DECLS
#endif
