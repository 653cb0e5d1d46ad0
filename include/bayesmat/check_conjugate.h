/* bayesmat — a conjugate model's posterior and evidence verified in one call.
 *
 *   bm_check_niw   Normal-Inverse-Wishart (and its Normal-Wishart view)
 *   bm_check_blr   Bayesian linear regression (NIG, known-noise and improper priors)
 *   bm_check_mniw  Matrix-Normal-Inverse-Wishart regression
 * Each packs the model's parameters into a vector theta internally and runs the
 * checkers of bayesmat/check.h on it: proportionality of the posterior to
 * prior x likelihood, an importance-sampling estimate of the evidence against
 * the closed form, the evidence identity, and simulation-based calibration of
 * the model's own posterior. Given a claimed posterior (parameters derived by
 * hand, set as the prior of a second model object) the same checks run on THAT
 * claim, and the report says which of them fails. The report is an array of
 * rows {name, value, threshold, pass, note}, printable as a table or as JSON.
 * Statistics and packing: docs/check.md, "Conjugate models in one call".
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CHECK_CONJUGATE_H
#define BAYESMAT_CHECK_CONJUGATE_H

#include <stddef.h>
#include <stdio.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/niw.h"
#include "bayesmat/blr.h"
#include "bayesmat/mniw.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Largest number of SBC bins (bm_check_conjugate_options.sbc_bins). */
#define BM_CHECK_SBC_MAXBINS 64
/** Most rows a report holds. */
#define BM_CHECK_CONJUGATE_MAXROWS 8

/**
 * Options. A zero-initialised struct (or NULL) means the defaults given with
 * each field; a zero count or tolerance likewise means its default.
 */
typedef struct {
  size_t npairs;          /**< proportionality: pairs of points (200) */
  size_t is_draws;        /**< importance-sampling draws (20000) */
  size_t identity_points; /**< points of the evidence identity (100) */
  size_t sbc_sims;        /**< SBC replications (400) */
  size_t sbc_draws;       /**< SBC posterior draws per replication, L (49) */
  size_t sbc_bins;        /**< SBC rank bins, 2..BM_CHECK_SBC_MAXBINS and <= L + 1 (10) */
  double tol;             /**< relative tolerance of proportionality and of the identity (1e-8) */
  double z_tol;           /**< |z| threshold of the importance-sampling evidence (4) */
  double p_min;           /**< SBC passes when its Bonferroni p-value is >= p_min (1e-3) */
  int skip_sbc;           /**< nonzero: no SBC (it is the slowest check) */
  int has_claimed_log_evidence; /**< nonzero: test claimed_log_evidence instead of the model's closed form */
  double claimed_log_evidence;  /**< a log p(data) derived by hand */
  /** Called before each check (may be NULL): stage name, checks done so far, checks in all. */
  void (*progress)(const char *stage, size_t done, size_t total, void *ctx);
  void *progress_ctx;     /**< passed to progress */
} bm_check_conjugate_options;

/** One line of a report. pass: 1 passed, 0 failed, -1 not run (the note says why). */
typedef struct {
  char name[32];      /**< "parameters", "proportional", "evidence_is", "evidence_identity", "sbc" */
  double value;       /**< the statistic: worst relative error, |z| or a p-value */
  double threshold;   /**< errors and |z| pass when <= threshold; the SBC p-value when >= threshold */
  int pass;           /**< 1 passed, 0 failed, -1 not run */
  char note[224];     /**< what was compared, and for a failure where it was worst */
} bm_check_conjugate_row;

/** What a conjugate check found. */
typedef struct {
  char model[48];     /**< e.g. "niw", "blr (NIG prior)" */
  int claimed;        /**< 1 when a claimed posterior was checked, 0 for the model's own */
  size_t nrows;       /**< rows filled */
  bm_check_conjugate_row rows[BM_CHECK_CONJUGATE_MAXROWS];
  size_t nfailed;     /**< rows with pass == 0 */
  int passed;         /**< 1 when no row failed */
  double log_evidence;          /**< the value tested (the model's closed form, or the claim); NaN if none */
  size_t dim;                   /**< length of the packed theta */
  size_t sbc_bins;              /**< bins of the SBC histogram (0 when SBC did not run) */
  double sbc_counts[BM_CHECK_SBC_MAXBINS];   /**< ranks per bin, pooled over the statistics */
  double sbc_expected[BM_CHECK_SBC_MAXBINS]; /**< the count each bin expects under uniform ranks */
} bm_check_conjugate_report;

/**
 * Check the NIW posterior of `prior` given the rows of X, or a claimed posterior.
 * theta = (mu, vech Sigma), length p + p(p+1)/2; the likelihood is prod_i N_p(x_i | mu, Sigma).
 * @param prior    a model with a prior set; its current state (including any data it has
 *                 already seen) is the prior of X. Not modified.
 * @param X        n x p, n >= 1, finite
 * @param claimed  NULL to check the model's own posterior; else a model whose prior is set
 *                 to the claimed posterior (mu_n, kappa_n, nu_n, Psi_n) and which has seen
 *                 no data. SBC does not run on a claim (it holds for this X only).
 * @param r        random numbers (all checks are deterministic given r's state)
 * @param opts     NULL for the defaults
 * @param rep      out
 * @return BM_SUCCESS (read rep->passed); BM_EINVAL (NULL prior/X/r/rep, no prior set, bad
 *         options); BM_EBADLEN (X or claimed of another dimension); BM_ENONFINITE; BM_EDOM
 *         (a posterior not representable); BM_ENOMEM; a checker's status.
 */
int bm_check_niw(const bm_niw *prior, const gsl_matrix *X, const bm_niw *claimed, gsl_rng *r,
                 const bm_check_conjugate_options *opts, bm_check_conjugate_report *rep);

/**
 * Check the BLR posterior of `prior` given (X, y) (unit weights), or a claimed posterior.
 * theta = (beta, sigma^2), length k + 1 (NIG and improper priors), or beta, length k
 * (known noise). Under the improper prior there is no evidence (those rows are not run)
 * and SBC draws theta* at a fixed point (beta_hat, s^2) instead of from the prior: the
 * flat prior's posterior has exact frequentist coverage, so the ranks are uniform there too.
 * @param prior    a model with a prior set (its current state is the prior of the data);
 *                 an improper prior must not have seen data yet. Not modified.
 * @param X        n x k, n >= 1 (n > k under the improper prior); @param y length n
 * @param claimed  NULL, or a model whose prior is the claimed posterior: an NIG prior
 *                 (m_n, V_n, a_n, b_n) for the NIG and improper priors, a known-noise prior
 *                 (m_N, S_N, lambda) for known noise; no data seen.
 * @return as bm_check_niw; BM_EINVAL also for a claimed model of the other kind.
 */
int bm_check_blr(const bm_blr *prior, const gsl_matrix *X, const gsl_vector *y, const bm_blr *claimed,
                 gsl_rng *r, const bm_check_conjugate_options *opts, bm_check_conjugate_report *rep);

/**
 * Check the MNIW posterior of `prior` given (X, Y), or a claimed posterior.
 * theta = (vec B, vech Sigma) (vec stacks columns), length k d + d(d+1)/2.
 * @param X n x k; @param Y n x d; @param claimed NULL, or a model whose prior is the claimed
 *        posterior (B_n, V_n, nu_n, Psi_n), no data seen.
 * @return as bm_check_niw.
 */
int bm_check_mniw(const bm_mniw *prior, const gsl_matrix *X, const gsl_matrix *Y, const bm_mniw *claimed,
                  gsl_rng *r, const bm_check_conjugate_options *opts, bm_check_conjugate_report *rep);

/** The row called `name` ("proportional", ...), or NULL (no such row, NULL arguments). */
const bm_check_conjugate_row *bm_check_conjugate_find(const bm_check_conjugate_report *rep, const char *name);

/**
 * Print a report: a table (json == 0) or one JSON object with the rows as an array.
 * @return BM_SUCCESS; BM_EINVAL (NULL f or rep). Write errors on f are not reported.
 */
int bm_check_conjugate_print(FILE *f, const bm_check_conjugate_report *rep, int json);

BM_END_DECLS
#endif
