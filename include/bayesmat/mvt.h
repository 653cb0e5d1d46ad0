/* bayesmat — the multivariate t family t_p(nu, mu, Sigma) (docs/contract.md).
 *
 *   log f(x) = log Gamma((nu+p)/2) - log Gamma(nu/2) - p/2 log(nu pi) - 1/2 log|Sigma|
 *              - (nu+p)/2 log(1 + delta/nu),   delta = (x-mu)^T Sigma^{-1} (x-mu)
 *   theta = (mu, vech Sigma, nu)  (nu LAST although _set takes it first).
 * Sigma is the scale ("shape" in scipy.stats.multivariate_t), not the
 * covariance. Notation below: r = x - mu, Lambda = Sigma^{-1}, a = Lambda r,
 * k = nu + p, s = nu + delta, w = k/s, q = p(p+1)/2. Derivations: docs/mvt.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MVT_H
#define BAYESMAT_MVT_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Opaque multivariate t object of a fixed dimension p. */
typedef struct bm_mvt bm_mvt;

/** Allocate an unset t_p object. @return NULL when p == 0 or out of memory. */
bm_mvt *bm_mvt_alloc(size_t p);

/** Free; NULL is a no-op. */
void bm_mvt_free(bm_mvt *d);

/**
 * Set (nu, mu, Sigma); validates, factorizes Sigma = L L^T, caches L
 * and the normalizing constant (computed without the
 * log Gamma cancellation at large nu). Keeps the previous state on failure.
 * @param nu     degrees of freedom, 0 < nu < inf
 * @param mu     length p, finite;  Sigma  p x p SPD scale matrix
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN; BM_ENONFINITE (also an
 *         infinite or NaN nu); BM_ENOTSYM; BM_ENOTSPD; BM_EDOM (nu <= 0, or nu so small that d log f / d nu ~ 1/nu, cached here,
 *         is beyond double range: below ~1e-308 for p != 2; at p = 2 the 1/nu terms cancel
 *         exactly and every nu > 0 is accepted).
 */
int bm_mvt_set(bm_mvt *d, double nu, const gsl_vector *mu, const gsl_matrix *Sigma);

/** Length of theta: p + p(p+1)/2 + 1 (0 for NULL). */
size_t bm_mvt_nparams(const bm_mvt *d);

/** The dimension p (0 for NULL). */
size_t bm_mvt_dim(const bm_mvt *d);

/**
 * Log-density at x (accurate in the far tails: log1p of delta/nu; where
 * delta = |L^{-1}(x - mu)|^2 or delta/nu would overflow, x - mu is scaled by a
 * power of two and log(delta/nu) formed from the scaled delta, so the value
 * is finite wherever it is representable).
 * @param lp out; NaN on failure; -INFINITY only when log f < -DBL_MAX.
 * @return BM_SUCCESS; BM_EINVAL (NULL / unset); BM_EBADLEN; BM_ENONFINITE.
 *         Allocates nothing for p <= 4096.
 */
int bm_mvt_logpdf(const bm_mvt *d, const gsl_vector *x, double *lp);

/**
 * Shaped gradient of log f; any output may be NULL:
 *   d_x = -w a, d_mu = w a, d_Sigma = (w a a^T - Lambda)/2,
 *   d_nu = [psi(k/2) - psi(nu/2) - p/nu]/2 - [log(1+delta/nu) - delta/nu]/2 + delta(p - delta)/(2 nu s)
 *       = [psi(k/2) - psi(nu/2)]/2 - log(1+delta/nu)/2 + (delta - p)/(2 s),
 * the first form for delta <= nu (its bracketed differences without
 * cancellation at large nu), the second beyond (the first cancels like
 * (delta/nu) eps in the tail). In the far tail (delta near DBL_MAX or beyond)
 * every output is formed from x - mu scaled by a power of two.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_EDOM (an
 *         output beyond double range, e.g. Sigma with eigenvalues near
 *         DBL_MIN). Non-NULL outputs are NaN on failure. Allocates nothing
 *         for p <= 4096.
 */
int bm_mvt_grad(const bm_mvt *d, const gsl_vector *x, gsl_vector *d_x, gsl_vector *d_mu, gsl_matrix *d_Sigma,
                double *d_nu);

/** Score d log f / d theta, length p + q + 1 (NaN on failure). @return as bm_mvt_grad. Allocates p^2 doubles.
 *  (Lambda = Sigma^{-1}, needed by d_Sigma, _score, _hess, _hess_x and _fisher,
 *  is formed by the first such call after _set and cached, thread-safely.) */
int bm_mvt_score(const bm_mvt *d, const gsl_vector *x, gsl_vector *s);

/**
 * Hessian of log f w.r.t. theta, (p+q+1)^2 (docs/mvt.md):
 *   H_mumu = -w Lambda + (2k/s^2) a a^T
 *   H_mu,Sigma[:, b] = -w Lambda E_b a + (k/s^2) a (a^T E_b a)
 *   H_SigmaSigma = T(Lambda, Lambda)/2 - w T(a a^T, Lambda) + (k/(2 s^2)) t(a a^T) t(a a^T)^T
 *   H_mu,nu = (delta - p)/s^2 a;  H_Sigma,nu = (delta - p)/(2 s^2) t(a a^T)
 *   H_nunu = [psi'(k/2) - psi'(nu/2)]/4 + p/(2 nu^2) + delta/(nu s) - k delta (s + nu)/(2 nu^2 s^2)
 *          = -F/4 + N/(2 nu s^2 k (k+2)),  u = delta - p,
 *            N = (u^2 - 2p) k^2 + u((2 - p) u - 4p) k - 4 p u^2,
 * F = 4 I_nunu as in bm_mvt_fisher: the first form cancels completely at
 * large nu (terms ~ p/nu^2, value ~ p/nu^3), the second is what is
 * evaluated (in the ratios u/s, 1/s). Once delta or |Lambda (x - mu)|
 * exceeds 2^400 every block is formed in scaled ratios, so that nothing
 * overflows where H is representable.
 * @return as bm_mvt_grad (BM_EDOM: an entry beyond double range). Allocates O(p^2).
 */
int bm_mvt_hess(const bm_mvt *d, const gsl_vector *x, gsl_matrix *H);

/** Hessian w.r.t. x: -w Lambda + (2k/s^2) a a^T (p x p), scaled in the far tail as bm_mvt_hess.
 *  @return as bm_mvt_grad. */
int bm_mvt_hess_x(const bm_mvt *d, const gsl_vector *x, gsl_matrix *H);

/**
 * Fisher information of one observation in closed form (docs/fisher.md):
 *   I_mumu = k/(k+2) Lambda;  I_SigmaSigma = k/(2(k+2)) T(Lambda,Lambda) - t(Lambda)t(Lambda)^T/(2(k+2));
 *   I_Sigma,nu = -t(Lambda)/(k(k+2));
 *   I_nunu = [psi'(nu/2) - psi'(k/2)]/4 - p(nu+p+4)/(2 nu k (k+2)), evaluated
 *   as one cancellation-free asymptotic expression for nu >= 16 and by an
 *   upward recurrence into it below (relative accuracy <= 6e-15 at every nu,
 *   including 1e4 and 1e8 where the plain difference cancels).
 *   For nu > ~9e307, where 2(k+2) overflows, k/(2(k+2)) is formed as (k/(k+2))/2.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM (an entry beyond double
 *         range: Lambda near DBL_MAX). I NaN on failure.
 */
int bm_mvt_fisher(const bm_mvt *d, gsl_matrix *Info);

/**
 * The Fisher entry I_nunu alone, for any p >= 1 and 0 < nu < inf (see bm_mvt_fisher).
 * @return BM_SUCCESS; BM_EINVAL (out NULL, p = 0); BM_ENONFINITE; BM_EDOM (nu <= 0,
 *         or I_nunu ~ 1/nu^2 beyond double range: nu below ~1e-154; *out NaN).
 */
int bm_mvt_fisher_nunu(size_t p, double nu, double *out);

/**
 * One draw x = mu + L z / sqrt(g/nu), z ~ N(0, I_p), g ~ chi^2_nu.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM (the draw is beyond
 *         double range: at small nu, g underflows with positive probability;
 *         x NaN).
 */
int bm_mvt_sample(const bm_mvt *d, gsl_rng *r, gsl_vector *x);

/** Mean mu; BM_EDOM (NaN-filled) when nu <= 1. @return also BM_EINVAL; BM_EBADLEN. */
int bm_mvt_mean(const bm_mvt *d, gsl_vector *mean);

/** Covariance nu/(nu-2) Sigma; BM_EDOM (NaN-filled) when nu <= 2. */
int bm_mvt_cov(const bm_mvt *d, gsl_matrix *cov);

/**
 * Batched log-likelihood over the rows of X (n x p): one dtrsm of the block.
 * @param each  may be NULL; length n
 * Rows whose delta overflows are evaluated as bm_mvt_logpdf does (scaled);
 * *ll = -INFINITY only when the sum is below -DBL_MAX.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOMEM.
 *         Allocates n p doubles.
 */
int bm_mvt_loglik(const bm_mvt *d, const gsl_matrix *X, double *ll, gsl_vector *each);

/**
 * Batched log-likelihood and gradient of the sum w.r.t. (mu, Sigma, nu):
 *   d_mu = L^{-T} sum_i w_i z_i,  d_Sigma = L^{-T}(Z^T W Z - n I)L^{-1}/2,
 *   d_nu = sum_i dnu_i  (Z = R L^{-T}, W = diag(w_i); one dtrsm, one dsyrk).
 * Any output may be NULL. When a row's delta overflows, the sum is taken over
 * bm_mvt_grad of each row (scaled in the far tail).
 * @return as bm_mvt_loglik, plus BM_EDOM (a sum beyond double range; d_mu,
 *         d_Sigma, d_nu NaN).
 */
int bm_mvt_loglik_grad(const bm_mvt *d, const gsl_matrix *X, double *ll, gsl_vector *d_mu, gsl_matrix *d_Sigma,
                       double *d_nu);

/* ======================================================================
 * Sufficient statistics: none of finite dimension. The mvt
 * log-likelihood couples every observation to the parameters through a
 * non-linear function of its own (log(1 + delta/nu), log|I + ...|), so no
 * summary of fixed size determines it for all parameters. The mergeable
 * object is instead the partial sum at FIXED parameters: (sum log f, its
 * gradient) over a chunk of observations, from bm_mvt_loglik_grad (d_mu, d_Sigma, d_nu).
 * Partial sums of chunks add (in any order, equal up to rounding); over MPI,
 * bm_mpi_mvt_loglik_grad (include/bayesmat/mpi.h) reduces them in one
 * MPI_Allreduce through bm_mpi_loglik_grad. Each new parameter value needs a
 * new pass over the data.
 * Threads: built with -DBAYESMAT_OPENMP=ON, bm_mvt_loglik and
 * bm_mvt_loglik_grad split their rows into fixed row groups run on
 * BAYESMAT_NUM_THREADS threads (default 1; 0 = OpenMP's own setting); the
 * result is bit-identical for every thread count. Callers using > 1 thread
 * run OpenBLAS single-threaded (OPENBLAS_NUM_THREADS=1). docs/scaling.md.
 * ====================================================================== */

/* ---- the uniform surface: theta, shape, Jeffreys (also through bayesmat/family.h) ---- */

/**
 * Set t_p(nu, mu, Sigma) from theta = (mu, vech Sigma, nu).
 * @return as bm_mvn_set_theta; BM_ENONFINITE also for nu = +-Inf;
 *         BM_EDOM (nu <= 0). On failure d keeps its previous state.
 */
int bm_mvt_set_theta(bm_mvt *d, const gsl_vector *theta);

/** theta = (mu, vech Sigma, nu) of a set object, as bm_mvn_get_theta. */
int bm_mvt_get_theta(const bm_mvt *d, gsl_vector *theta);

/** Shape of the variate, 1 x p (the generic handle's convention, bayesmat/family.h);
 *  rows and cols may be NULL; 0 x 0 for NULL d. */
void bm_mvt_shape(const bm_mvt *d, size_t *rows, size_t *cols);

/** bm_mvt_logpdf and bm_mvt_grad in one call, as bm_mvn_logpdf_grad (lp and each output may be NULL). */
int bm_mvt_logpdf_grad(const bm_mvt *d, const gsl_vector *x, double *lp, gsl_vector *d_x, gsl_vector *d_mu,
                       gsl_matrix *d_Sigma, double *d_nu);

/** As bm_wishart_jeffreys, for mvt (theta = (mu, vech Sigma, nu)). */
int bm_mvt_jeffreys(const bm_mvt *d, const size_t *idx, size_t k, double *log_prior);

BM_END_DECLS
#endif
