/* bayesmat — the matrix normal family MN_{n,p}(M, U, V) (docs/contract.md).
 *
 *   log f(X) = -np/2 log 2pi - p/2 log|U| - n/2 log|V|
 *              - 1/2 tr(V^-1 (X-M)^T U^-1 (X-M))
 *   X, M n x p; U n x n SPD (row scale); V p x p SPD (column scale).
 *   theta = (vec M, vech U, vech V), length np + n(n+1)/2 + p(p+1)/2.
 *
 * Identifiability: MN(M, cU, V/c) = MN(M, U, V) for every c > 0, so the
 * Fisher information is singular along (0, vech U, -vech V); bm_matnorm_fisher
 * returns that singular matrix as it is (see docs/matnorm.md).
 *
 * Common contract of every function below: statuses follow docs/conventions.md (NULL ->
 * BM_EINVAL, shape -> BM_EBADLEN, NaN/Inf -> BM_ENONFINITE, asymmetric ->
 * BM_ENOTSYM, not SPD -> BM_ENOTSPD); an object never successfully set is
 * BM_EINVAL. On failure, scalar outputs are NaN and every non-NULL matrix or vector
 * output is filled with NaN. After bm_matnorm_set the object is
 * read-only and may be shared between threads.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MATNORM_H
#define BAYESMAT_MATNORM_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_rng.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Opaque matrix-normal object. */
typedef struct bm_matnorm bm_matnorm;

/**
 * Allocate an (unset) MN_{n,p} object.
 * @return the object, or NULL when n == 0, p == 0 or out of memory. Allocates.
 */
bm_matnorm *bm_matnorm_alloc(size_t n, size_t p);

/** Free an object; NULL is fine. */
void bm_matnorm_free(bm_matnorm *d);

/**
 * Set the parameters: validates, factorizes U = L_U L_U^T, V = L_V L_V^T and
 * caches the log-normalizing constant. Inputs are copied.
 * @param M  n x p, finite
 * @param U  n x n SPD (symmetry tolerance BM_SYM_RTOL; lower triangle used)
 * @param V  p x p SPD
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSYM;
 *         BM_ENOTSPD. On failure the previous parameters are kept.
 *         Allocates nothing.
 */
int bm_matnorm_set(bm_matnorm *d, const gsl_matrix *M, const gsl_matrix *U, const gsl_matrix *V);

/**
 * Dimensions of the variate: *n rows, *p columns (as given to _alloc).
 * @param d  an allocated object (set or not); NULL gives 0 x 0
 * @param n, p  out, either may be NULL
 */
void bm_matnorm_dims(const bm_matnorm *d, size_t *n, size_t *p);

/** Length of theta, np + n(n+1)/2 + p(p+1)/2; 0 for NULL. */
size_t bm_matnorm_nparams(const bm_matnorm *d);

/**
 * Log-density at X, through Z = L_U^-1 (X-M) L_V^-T: log f = c - |Z|_F^2/2.
 * @param X   n x p
 * @param lp  out: log f(X) (NaN on failure)
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOMEM.
 *         Allocates nothing when np <= 4096.
 */
int bm_matnorm_logpdf(const bm_matnorm *d, const gsl_matrix *X, double *lp);

/**
 * Shaped gradient of log f (R = X - M, W = U^-1 R V^-1):
 *   d/dX = -W;  d/dM = W;  G_U = (U^-1 R V^-1 R^T U^-1 - p U^-1)/2;
 *   G_V = (V^-1 R^T U^-1 R V^-1 - n V^-1)/2  (symmetric gradients, docs/conventions.md).
 * @param d_X, d_M  out n x p, or NULL;  d_U out n x n or NULL;  d_V out p x p or NULL
 * @return as bm_matnorm_logpdf, plus BM_EDOM (an output beyond double range,
 *         e.g. X far in the tail; outputs NaN; _score and _hess likewise).
 *         Allocates O(n^2 + p^2 + np) scratch.
 */
int bm_matnorm_grad(const bm_matnorm *d, const gsl_matrix *X, gsl_matrix *d_X, gsl_matrix *d_M, gsl_matrix *d_U,
                    gsl_matrix *d_V);

/**
 * Score d log f / d theta = (vec d_M, D_n^T vec G_U, D_p^T vec G_V).
 * @param s  out, length bm_matnorm_nparams(d)
 * @return as bm_matnorm_grad.
 */
int bm_matnorm_score(const bm_matnorm *d, const gsl_matrix *X, gsl_vector *s);

/**
 * Hessian d^2 log f / d theta d theta^T at X (formulas in docs/matnorm.md).
 * @param H  out, nparams x nparams (symmetric)
 * @return as bm_matnorm_grad. Allocates.
 */
int bm_matnorm_hess(const bm_matnorm *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Hessian of log f w.r.t. vec X: -(V^-1 (x) U^-1), which does not depend on X
 * (X is still validated).
 * @param H  out, np x np
 * @return as bm_matnorm_grad. Allocates O(n^2 + p^2).
 */
int bm_matnorm_hess_x(const bm_matnorm *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Fisher information of one observation (closed form, docs/fisher.md):
 *   I_MM = V^-1 (x) U^-1, I_UU = p/2 T(U^-1,U^-1), I_VV = n/2 T(V^-1,V^-1),
 *   I_UV = 1/2 t(U^-1) t(V^-1)^T, I_M(U,V) = 0. Singular along
 *   (0, vech U, -vech V); returned as it is.
 * @param F  out, nparams x nparams
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM. Allocates O(n^2 + p^2).
 */
int bm_matnorm_fisher(const bm_matnorm *d, gsl_matrix *F);

/**
 * One draw X = M + L_U Z L_V^T, Z n x p standard normal.
 * @param r  the caller's generator;  X out n x p
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN. Allocates nothing.
 */
int bm_matnorm_sample(const bm_matnorm *d, gsl_rng *r, gsl_matrix *X);

/**
 * Mean E[X] = M.
 * @param mean  out n x p
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN.
 */
int bm_matnorm_mean(const bm_matnorm *d, gsl_matrix *mean);

/**
 * Batched log-likelihood sum_i log f(X_i) over m observations, with one
 * dtrsm per side over the whole batch.
 * @param X     array of m pointers to n x p matrices (m >= 1)
 * @param ll    out: the sum
 * @param each  out, may be NULL: length m, the individual log-densities
 * @return BM_SUCCESS; BM_EINVAL (NULL, m == 0); BM_EBADLEN; BM_ENONFINITE;
 *         BM_ENOMEM. Allocates O(m n p).
 */
int bm_matnorm_loglik(const bm_matnorm *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each);

/**
 * Batched log-likelihood and the gradients of the SUM w.r.t. M, U, V (shaped,
 * symmetric gradients for U, V). Any of d_M, d_U, d_V may be NULL.
 * @return as bm_matnorm_loglik, plus BM_EDOM (a gradient beyond double range; NaN).
 */
int bm_matnorm_loglik_grad(const bm_matnorm *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_matrix *d_M,
                           gsl_matrix *d_U, gsl_matrix *d_V);

/* ======================================================================
 * Sufficient statistics (implemented in distributions/matnorm_stats.c)
 *
 * With U and V both free, the log-likelihood of X_1..X_m needs
 * (m, Xbar, S = sum_i vec(X_i - Xbar) vec(X_i - Xbar)^T), S an (np) x (np)
 * scatter in vec order (index j n + i holds entry (i, j)): no smaller summary
 * serves every (U, V). Summaries merge by Chan, Golub & LeVeque's parallel
 * formula (as bm_mvn_stats), in any order, equal to one pass up to rounding:
 *   sum_i log f(X_i) = m log_norm - 1/2 [m tr(V^-1 R^T U^-1 R) + tr((V^-1 (x) U^-1) S)],  R = Xbar - M.
 * Sizes: n p <= 2048 (the object holds two (np)^2 blocks, <= 64 MiB). add/compute stream the observations in blocks:
 * scratch of at most max(16384, np) doubles whatever m. A stats object is mutable (not shared while written).
 * ====================================================================== */
typedef struct bm_matnorm_stats bm_matnorm_stats;

/** Empty summary of n x p observations. NULL on n == 0, p == 0, n p > 2048 or no memory. Allocates O((np)^2). */
bm_matnorm_stats *bm_matnorm_stats_alloc(size_t n, size_t p);
/** Free (NULL is fine). */
void bm_matnorm_stats_free(bm_matnorm_stats *s);
/** The observation shape n x p. @return BM_SUCCESS; BM_EINVAL (NULL). */
int bm_matnorm_stats_dims(const bm_matnorm_stats *s, size_t *n, size_t *p);
/** s <- the empty summary. @return BM_SUCCESS; BM_EINVAL (NULL). */
int bm_matnorm_stats_reset(bm_matnorm_stats *s);
/**
 * s <- s merged with the summary of X[0..m) (m = 0 is a no-op): the mean with a
 * correction pass, then the centred observations streamed in blocks into a dsyrk.
 * @param X  m pointers to finite n x p matrices
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN; BM_ENONFINITE; BM_EDOM (the
 *         scatter, or the merged one, beyond double range); BM_ENOMEM.
 *         s unchanged on failure. Scratch of at most max(16384, np) doubles
 *         (32 KiB on the stack when it fits), whatever m.
 */
int bm_matnorm_stats_add(bm_matnorm_stats *s, const gsl_matrix *const *X, size_t m);
/** s <- the summary of X[0..m) (unchanged on failure). Statuses as _add. */
int bm_matnorm_stats_compute(bm_matnorm_stats *s, const gsl_matrix *const *X, size_t m);
/** a <- a merged with b (a == b allowed). @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM (the merged
 *  scatter beyond double range; a unchanged). Allocates nothing. */
int bm_matnorm_stats_merge(bm_matnorm_stats *a, const bm_matnorm_stats *b);
/**
 * Read the summary; any output may be NULL.
 * @param m        out: number of observations
 * @param mean     out, n x p: Xbar
 * @param scatter  out, (np) x (np), vec order
 * @return BM_SUCCESS; BM_EINVAL (s NULL); BM_EBADLEN.
 */
int bm_matnorm_stats_get(const bm_matnorm_stats *s, double *m, gsl_matrix *mean, gsl_matrix *scatter);
/** Doubles in the packed form: 6 + 1 + N + N(N+1)/2 with N = n p (0 for NULL). */
size_t bm_matnorm_stats_packed_len(const bm_matnorm_stats *s);
/**
 * Pack into buf (bm_matnorm_stats_packed_len doubles), e.g. to send over MPI:
 * a 6-double header [magic, format version, kind, n, p, total length], then
 * (m, vec Xbar, lower triangle of S column by column).
 * @return BM_SUCCESS; BM_EINVAL (NULL).
 */
int bm_matnorm_stats_pack(const bm_matnorm_stats *s, double *buf);
/**
 * s <- a packed summary from bm_matnorm_stats_pack of an n x p summary (a
 * p x n one is refused: BM_EBADLEN); every field is validated. The
 * semidefiniteness check is a Cholesky factorization of the (np) x (np)
 * scatter, O((np)^3 / 3) flops (1.5 s at np = 2048 on a loaded 2-core machine).
 * @param len  doubles available in buf (nothing beyond buf[len - 1] is read)
 * @return BM_SUCCESS; BM_EINVAL (NULL; not a packed summary of this kind or
 *         format version; m negative, not an integer or above 2^53; nonzero
 *         entries when m = 0; a nonzero scatter when m = 1); BM_EBADLEN (len shorter or longer than the
 *         packed form, or a summary of another shape); BM_ENONFINITE; BM_ENOTSPD (the scatter is not positive
 *         semidefinite up to rounding).
 *         s unchanged on failure. Allocates nothing.
 */
int bm_matnorm_stats_unpack(bm_matnorm_stats *s, const double *buf, size_t len);
/**
 * Log-likelihood of the summarized observations (= bm_matnorm_loglik up to rounding; 0 when m = 0).
 * @return BM_SUCCESS; BM_EINVAL (NULL, d not set); BM_EBADLEN; BM_ENOMEM. *ll NaN on failure.
 *         Cost O((np)^2 (n + p)), independent of m.
 */
int bm_matnorm_stats_loglik(const bm_matnorm *d, const bm_matnorm_stats *s, double *ll);
/**
 * Log-likelihood and gradients of the sum w.r.t. M, U, V (symmetric), as bm_matnorm_loglik_grad.
 * Any of ll, d_M, d_U, d_V may be NULL. Statuses as bm_matnorm_stats_loglik; outputs NaN on failure.
 */
int bm_matnorm_stats_loglik_grad(const bm_matnorm *d, const bm_matnorm_stats *s, double *ll, gsl_matrix *d_M,
                                 gsl_matrix *d_U, gsl_matrix *d_V);

/* ---- the uniform surface: theta, shape, Jeffreys (also through bayesmat/family.h) ---- */

/**
 * Set MN_{n,p}(M, U, V) from theta = (vec M, vech U, vech V), length
 * np + n(n+1)/2 + p(p+1)/2 for the object's n and p. Scratch: np + n^2 + p^2
 * doubles, on the stack up to 4096.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSPD (U or V);
 *         BM_ENOMEM. On failure d keeps its previous state.
 */
int bm_matnorm_set_theta(bm_matnorm *d, const gsl_vector *theta);

/** theta = (vec M, vech U, vech V) of a set object, as bm_mvn_get_theta; U and V are
 *  rebuilt from their Cholesky factors (round-off only); BM_ENOMEM also for n or p > 64. */
int bm_matnorm_get_theta(const bm_matnorm *d, gsl_vector *theta);

/** Shape of the variate, n x p (the generic handle's convention, bayesmat/family.h);
 *  rows and cols may be NULL; 0 x 0 for NULL d. */
void bm_matnorm_shape(const bm_matnorm *d, size_t *rows, size_t *cols);

/** bm_matnorm_logpdf and bm_matnorm_grad in one call, as bm_mvn_logpdf_grad (lp and each output may be NULL). */
int bm_matnorm_logpdf_grad(const bm_matnorm *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X, gsl_matrix *d_M,
                           gsl_matrix *d_U, gsl_matrix *d_V);

/** As bm_wishart_jeffreys, for matnorm (theta = (vec M, vech U, vech V)).
 *  The full theta is not identified ((cU, V/c) give one law): BM_ESING for the
 *  full vector; use a block (e.g. M and U, or M alone). */
int bm_matnorm_jeffreys(const bm_matnorm *d, const size_t *idx, size_t k, double *log_prior);

BM_END_DECLS
#endif
