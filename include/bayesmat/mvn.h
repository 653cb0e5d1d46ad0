/* bayesmat — the multivariate normal family N_p(mu, Sigma) (docs/contract.md).
 *
 *   log f(x) = -p/2 log 2pi - 1/2 log|Sigma| - 1/2 (x-mu)^T Sigma^{-1} (x-mu)
 *   theta = (mu, vech Sigma), length p + p(p+1)/2.
 * Symmetric-matrix gradients are the symmetric G of docs/conventions.md. Notation below:
 * r = x - mu, Lambda = Sigma^{-1}, a = Lambda r, q = p(p+1)/2.
 * Derivations: docs/mvn.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MVN_H
#define BAYESMAT_MVN_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Opaque multivariate normal object of a fixed dimension p. */
typedef struct bm_mvn bm_mvn;

/**
 * Allocate an (unset) N_p object. Allocates O(p^2) doubles.
 * @return the object; NULL when p == 0 or out of memory.
 */
bm_mvn *bm_mvn_alloc(size_t p);

/** Free an object; NULL is a no-op. */
void bm_mvn_free(bm_mvn *d);

/**
 * Set (mu, Sigma): validates, factorizes Sigma = L L^T, caches L and
 * log|Sigma| (Lambda = Sigma^{-1} is formed on first use, see bm_mvn_hess_x).
 * The object keeps its previous state on failure.
 * @param mu     length p, finite (copied)
 * @param Sigma  p x p symmetric positive definite (copied; BM_SYM_RTOL)
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN; BM_ENONFINITE; BM_ENOTSYM;
 *         BM_ENOTSPD. Allocates nothing.
 */
int bm_mvn_set(bm_mvn *d, const gsl_vector *mu, const gsl_matrix *Sigma);

/**
 * Set from the precision matrix: Sigma = Lambda^{-1} (computed from the
 * Cholesky factor of Lambda, then refactorized). Same contract as bm_mvn_set.
 * @param Lambda  p x p symmetric positive definite
 */
int bm_mvn_set_precision(bm_mvn *d, const gsl_vector *mu, const gsl_matrix *Lambda);

/**
 * Set from a lower Cholesky factor: Sigma = L L^T. Only the lower triangle of
 * L is read (the strict upper triangle is ignored).
 * @param L  p x p, finite lower triangle, strictly positive diagonal
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSPD
 *         (a diagonal entry <= 0). Allocates nothing.
 */
int bm_mvn_set_chol(bm_mvn *d, const gsl_vector *mu, const gsl_matrix *L);

/** Length of theta: p + p(p+1)/2 (0 for NULL). */
size_t bm_mvn_nparams(const bm_mvn *d);

/** The dimension p (0 for NULL). */
size_t bm_mvn_dim(const bm_mvn *d);

/**
 * Log-density at x.
 * @param x   length p, finite
 * @param lp  out: log f(x); NaN on failure; -INFINITY only when log f < -DBL_MAX
 *            (delta/2 is formed scaled where delta itself overflows)
 * @return BM_SUCCESS; BM_EINVAL (NULL, or d never set); BM_EBADLEN;
 *         BM_ENONFINITE. Allocates nothing for p <= 4096.
 */
int bm_mvn_logpdf(const bm_mvn *d, const gsl_vector *x, double *lp);

/**
 * Shaped gradient of log f: d_x = -a, d_mu = a, d_Sigma = (a a^T - Lambda)/2.
 * Any output may be NULL (its work is skipped).
 * @param d_x, d_mu  out, length p;  d_Sigma  out, p x p symmetric gradient
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE (x); BM_EDOM (an
 *         output beyond double range: x far in the tail, Sigma near DBL_MIN).
 *         On failure the non-NULL outputs are filled with NaN. Allocates
 *         nothing for p <= 4096. (_score, _hess, _hess_x: BM_EDOM likewise.)
 */
int bm_mvn_grad(const bm_mvn *d, const gsl_vector *x, gsl_vector *d_x, gsl_vector *d_mu, gsl_matrix *d_Sigma);

/**
 * Gradient of log f w.r.t. the precision Lambda = Sigma^{-1} (symmetric G):
 *   G_Lambda = (Sigma - r r^T)/2.
 * @param d_Lambda  out p x p.  @return as bm_mvn_grad.
 */
int bm_mvn_grad_precision(const bm_mvn *d, const gsl_vector *x, gsl_matrix *d_Lambda);

/**
 * Gradient of log f w.r.t. the lower Cholesky factor L of Sigma = L L^T
 * (entries L_ij, i >= j, independent): G_L = lower(2 G_Sigma L) with
 * G_Sigma = (a a^T - Lambda)/2; the strict upper triangle of d_L is set to 0.
 * @param d_L  out p x p.  @return as bm_mvn_grad. Allocates p^2 + p doubles.
 */
int bm_mvn_grad_chol(const bm_mvn *d, const gsl_vector *x, gsl_matrix *d_L);

/**
 * Convert a symmetric gradient w.r.t. Sigma into the gradient w.r.t.
 * Lambda = Sigma^{-1} at the object's Sigma:  G_Lambda = -Sigma G_Sigma Sigma.
 * (The inverse map is G_Sigma = -Lambda G_Lambda Lambda.)
 * @param G_Sigma   p x p, finite (any matrix; symmetric in practice)
 * @param G_Lambda  out p x p; must not alias G_Sigma
 * @return BM_SUCCESS; BM_EINVAL (NULL, alias, unset d); BM_EBADLEN;
 *         BM_ENONFINITE (G_Lambda filled with NaN on failure). Allocates O(p^2).
 */
int bm_mvn_grad_sigma_to_precision(const bm_mvn *d, const gsl_matrix *G_Sigma, gsl_matrix *G_Lambda);

/**
 * Score d log f / d theta = (a, D_p^T vec((a a^T - Lambda)/2)).
 * @param s  out, length p + q.  @return as bm_mvn_grad. Allocates p^2 + p doubles.
 */
int bm_mvn_score(const bm_mvn *d, const gsl_vector *x, gsl_vector *s);

/**
 * Hessian of log f w.r.t. theta, (p+q) x (p+q):
 *   H_mumu = -Lambda;  H_mu,Sigma[:, b] = -Lambda E_b a;
 *   H_SigmaSigma = T(Lambda, Lambda)/2 - T(a a^T, Lambda)  (T of docs/fisher.md).
 * @return as bm_mvn_grad. Allocates O(p^2) doubles.
 */
int bm_mvn_hess(const bm_mvn *d, const gsl_vector *x, gsl_matrix *H);

/**
 * Hessian of log f w.r.t. x: -Lambda (p x p; does not depend on x, which is
 * still validated). @return as bm_mvn_grad.
 *
 * Note: Lambda = Sigma^{-1} is formed (dpotri, O(p^3)) by the first call after
 * _set that needs it (d_Sigma of bm_mvn_grad, bm_mvn_grad_chol, _score, _hess,
 * _hess_x, _fisher, bm_mvn_kl_grad with a Sigma gradient) and cached; this is
 * thread-safe (C11 atomic once-flag). _logpdf and the batched functions never
 * need it.
 */
int bm_mvn_hess_x(const bm_mvn *d, const gsl_vector *x, gsl_matrix *H);

/**
 * Fisher information of one observation, closed form:
 *   I = blockdiag(Lambda, T(Lambda, Lambda)/2), (p+q) x (p+q).
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN (I filled with NaN on failure).
 */
int bm_mvn_fisher(const bm_mvn *d, gsl_matrix *Info);

/**
 * One draw x = mu + L z, z ~ N(0, I_p).
 * @param x  out, length p.  @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN.
 */
int bm_mvn_sample(const bm_mvn *d, gsl_rng *r, gsl_vector *x);

/** Mean mu into `mean` (length p). @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN. */
int bm_mvn_mean(const bm_mvn *d, gsl_vector *mean);

/** Covariance Sigma into `cov` (p x p). @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN. */
int bm_mvn_cov(const bm_mvn *d, gsl_matrix *cov);

/**
 * Batched log-likelihood over the rows of X (n x p, any tda):
 *   ll = sum_i log f(x_i).  One dtrsm of the centered n x p block by L.
 * @param ll    out: the sum (NaN on failure)
 * @param each  out, may be NULL: length n, log f(x_i)
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN (X not n x p with n >= 1, each
 *         not length n); BM_ENONFINITE; BM_ENOMEM. Allocates n p doubles.
 */
int bm_mvn_loglik(const bm_mvn *d, const gsl_matrix *X, double *ll, gsl_vector *each);

/**
 * Batched log-likelihood and the gradient of the sum w.r.t. (mu, Sigma):
 *   d_mu = Lambda sum_i r_i,  d_Sigma = L^{-T}(Z^T Z - n I)L^{-1}/2, Z = R L^{-T}
 * (one dtrsm, one dsyrk, two p x p triangular solves). ll, d_mu, d_Sigma may
 * each be NULL. Rows whose squared whitened norms overflow while the gradient
 * does not (a row near DBL_MAX against a huge Sigma) are summed as single-point
 * gradients, which scale each row first. @return as bm_mvn_loglik, plus
 * BM_EDOM (d_mu or d_Sigma itself beyond double range) (non-NULL outputs NaN
 * on failure).
 */
int bm_mvn_loglik_grad(const bm_mvn *d, const gsl_matrix *X, double *ll, gsl_vector *d_mu, gsl_matrix *d_Sigma);

/**
 * Differential entropy H = p/2 (1 + log 2pi) + 1/2 log|Sigma|.
 * @return BM_SUCCESS; BM_EINVAL (NULL or unset; *h = NaN).
 */
int bm_mvn_entropy(const bm_mvn *d, double *h);

/**
 * KL(N0 || N1) = 1/2 [tr(Lambda1 Sigma0) + m^T Lambda1 m - p + log|Sigma1| - log|Sigma0|],
 * m = mu1 - mu0; tr(Lambda1 Sigma0) = ||L1^{-1} L0||_F^2.
 * @param d0, d1  set objects of the same p
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN (different p); BM_ENOMEM.
 *         *kl = NaN on failure. Allocates O(p^2).
 */
int bm_mvn_kl(const bm_mvn *d0, const bm_mvn *d1, double *kl);

/**
 * KL(N0 || N1) and its gradients (symmetric G for the covariances):
 *   d_mu0 = -Lambda1 m,  d_mu1 = Lambda1 m,  d_Sigma0 = (Lambda1 - Lambda0)/2,
 *   d_Sigma1 = (Lambda1 - Lambda1 (Sigma0 + m m^T) Lambda1)/2.
 * kl and every gradient output may be NULL. @return as bm_mvn_kl.
 */
int bm_mvn_kl_grad(const bm_mvn *d0, const bm_mvn *d1, double *kl, gsl_vector *d_mu0, gsl_matrix *d_Sigma0,
                   gsl_vector *d_mu1, gsl_matrix *d_Sigma1);

/* ======================================================================
 * Sufficient statistics (implemented in distributions/mvn_stats.c)
 *
 * The mergeable summary of rows x_1..x_n: (n, mean xbar, scatter
 * S = sum_i (x_i - xbar)(x_i - xbar)^T). Two summaries merge by Chan,
 * Golub & LeVeque's parallel formula (never raw sums of x x^T, which lose
 * digits to cancellation):
 *   n = na + nb,  delta = xbar_b - xbar_a,  xbar = xbar_a + delta nb/n,
 *   S = S_a + S_b + delta delta^T na nb / n.
 * Merging is associative and commutative up to rounding, so chunks may be
 * summarized anywhere (threads, MPI ranks, files) and merged in any order.
 * The log-likelihood and its gradient follow from the summary alone:
 *   sum_i log f(x_i) = n lognorm - 1/2 [tr(Sigma^-1 S) + n r^T Sigma^-1 r],  r = xbar - mu.
 * A stats object is mutable (not for sharing between threads while written).
 * Threads: built with -DBAYESMAT_OPENMP=ON, bm_mvn_loglik and
 * bm_mvn_loglik_grad split their rows into fixed row groups run on
 * BAYESMAT_NUM_THREADS threads (default 1; 0 = OpenMP's own setting); the
 * result is bit-identical for every thread count. Callers using > 1 thread
 * run OpenBLAS single-threaded (OPENBLAS_NUM_THREADS=1). docs/scaling.md.
 * ====================================================================== */
typedef struct bm_mvn_stats bm_mvn_stats;

/** Empty summary (n = 0) of p-vectors. NULL on p == 0 or no memory. Allocates O(p^2). */
bm_mvn_stats *bm_mvn_stats_alloc(size_t p);
/** Free (NULL is fine). */
void bm_mvn_stats_free(bm_mvn_stats *s);
/** Dimension p (0 for NULL). */
size_t bm_mvn_stats_dim(const bm_mvn_stats *s);
/** s <- the empty summary. @return BM_SUCCESS; BM_EINVAL (NULL). */
int bm_mvn_stats_reset(bm_mvn_stats *s);
/**
 * s <- s merged with the summary of the rows of X (streaming update; two-pass
 * mean and centred scatter of the block, then the merge formula).
 * @param X n x p, rows are observations, finite
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN (X not n x p, n >= 1);
 *         BM_ENONFINITE; BM_EDOM (the scatter, or the merged one, beyond double
 *         range: rows spread over ~1e154 and more); BM_ENOMEM (s unchanged on any failure).
 *         The rows are streamed in blocks: scratch of at most max(16384, p)
 *         doubles (32 KiB on the stack when it fits), whatever n. The mean
 *         takes a correction pass, so data on a large offset keep their digits.
 */
int bm_mvn_stats_add(bm_mvn_stats *s, const gsl_matrix *X);
/** s <- the summary of the rows of X (reset, then add). Statuses as bm_mvn_stats_add. */
int bm_mvn_stats_compute(bm_mvn_stats *s, const gsl_matrix *X);
/**
 * a <- a merged with b (Chan et al.). b is unchanged; a == b is allowed (doubles the data).
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN (dimensions differ); BM_EDOM (the merged
 *         scatter beyond double range; a unchanged). Allocates nothing.
 */
int bm_mvn_stats_merge(bm_mvn_stats *a, const bm_mvn_stats *b);
/**
 * Read the summary. Any output may be NULL. An empty summary has mean and scatter 0.
 * @param n        out: number of rows
 * @param mean     out, length p
 * @param scatter  out, p x p symmetric: sum_i (x_i - xbar)(x_i - xbar)^T
 * @return BM_SUCCESS; BM_EINVAL (s NULL); BM_EBADLEN.
 */
int bm_mvn_stats_get(const bm_mvn_stats *s, double *n, gsl_vector *mean, gsl_matrix *scatter);
/** Doubles in the packed form: 6 + 1 + p + p(p+1)/2 (0 for NULL). */
size_t bm_mvn_stats_packed_len(const bm_mvn_stats *s);
/**
 * Pack into buf (bm_mvn_stats_packed_len doubles), e.g. to send over MPI: a
 * 6-double header [magic, format version, kind, p, 1, total length], then
 * (n, mean, lower triangle of the scatter column by column).
 * @return BM_SUCCESS; BM_EINVAL (NULL).
 */
int bm_mvn_stats_pack(const bm_mvn_stats *s, double *buf);
/**
 * s <- a packed summary from bm_mvn_stats_pack of a p-dimensional summary.
 * Every field is validated, since the buffer may come from elsewhere; the
 * semidefiniteness check is a Cholesky factorization, O(p^3 / 3) flops.
 * @param len  doubles available in buf (nothing beyond buf[len - 1] is read)
 * @return BM_SUCCESS; BM_EINVAL (NULL; not a packed summary of this kind or
 *         format version; n negative, not an integer or above 2^53; mean or
 *         scatter not 0 when n = 0; scatter not 0 when n = 1); BM_EBADLEN (len shorter or longer than the
 *         packed form, or a summary of another shape); BM_ENONFINITE; BM_ENOTSPD (the scatter is not positive
 *         semidefinite up to rounding).
 *         s unchanged on failure. Allocates nothing.
 */
int bm_mvn_stats_unpack(bm_mvn_stats *s, const double *buf, size_t len);
/**
 * Log-likelihood of the summarized rows under d: equals bm_mvn_loglik on the
 * rows up to rounding. n = 0 gives 0.
 * @return BM_SUCCESS; BM_EINVAL (NULL, d not set); BM_EBADLEN (dimensions);
 *         BM_ENOMEM (*ll NaN on failure). Allocates O(p^2) beyond the stack for p > 63.
 */
int bm_mvn_stats_loglik(const bm_mvn *d, const bm_mvn_stats *s, double *ll);
/**
 * Log-likelihood and the gradients of the sum w.r.t. mu and Sigma (symmetric), as
 * bm_mvn_loglik_grad on the rows:
 *   d_mu = n Sigma^-1 r,   d_Sigma = 1/2 Sigma^-1 (S + n r r^T) Sigma^-1 - n/2 Sigma^-1.
 * ll, d_mu, d_Sigma may each be NULL. Statuses as bm_mvn_stats_loglik, plus BM_EDOM when d_mu or
 * d_Sigma is beyond double range (rows or Sigma near DBL_MAX / DBL_MIN); outputs NaN on failure.
 */
int bm_mvn_stats_loglik_grad(const bm_mvn *d, const bm_mvn_stats *s, double *ll, gsl_vector *d_mu,
                             gsl_matrix *d_Sigma);

/* ---- the uniform surface: theta, shape, Jeffreys (also through bayesmat/family.h) ---- */

/**
 * Set N_p(mu, Sigma) from theta = (mu, vech Sigma), length p + p(p+1)/2
 * (any stride). Allocates nothing for p <= 64 (p^2 doubles of scratch).
 * @return BM_SUCCESS; BM_EINVAL (d or theta NULL); BM_EBADLEN (length of theta
 *         not bm_mvn_nparams(d)); BM_ENONFINITE; BM_ENOTSPD (Sigma);
 *         BM_ENOMEM (p > 64 only). On failure d keeps its previous state.
 */
int bm_mvn_set_theta(bm_mvn *d, const gsl_vector *theta);

/**
 * theta = (mu, vech Sigma) of a set N_p object (from bm_mvn_mean and bm_mvn_cov).
 * @param theta  out, length bm_mvn_nparams(d)
 * @return BM_SUCCESS; BM_EINVAL (NULL, or d never set); BM_EBADLEN;
 *         BM_ENOMEM (p > 64 only). theta NaN on failure.
 */
int bm_mvn_get_theta(const bm_mvn *d, gsl_vector *theta);

/** Shape of the variate, 1 x p (the generic handle's convention, bayesmat/family.h);
 *  rows and cols may be NULL; 0 x 0 for NULL d. */
void bm_mvn_shape(const bm_mvn *d, size_t *rows, size_t *cols);

/**
 * log f and its shaped gradient in one call: *lp as bm_mvn_logpdf, the
 * gradient outputs as bm_mvn_grad (each of lp and the outputs may be NULL).
 * @return the first failing status of bm_mvn_logpdf and bm_mvn_grad; *lp is
 *         NaN when only the gradient fails (e.g. a wrong output shape).
 */
int bm_mvn_logpdf_grad(const bm_mvn *d, const gsl_vector *x, double *lp, gsl_vector *d_x, gsl_vector *d_mu,
                       gsl_matrix *d_Sigma);

/** As bm_wishart_jeffreys, for mvn (theta = (mu, vech Sigma)). */
int bm_mvn_jeffreys(const bm_mvn *d, const size_t *idx, size_t k, double *log_prior);

BM_END_DECLS
#endif
