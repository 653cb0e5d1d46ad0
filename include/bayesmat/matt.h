/* bayesmat — the matrix-variate t family T_{n,p}(nu, M, Sigma, Omega)
 * (Dickey 1967; Gupta & Nagar 2000 ch. 4; docs/contract.md). It is the
 * posterior predictive of matrix-normal–inverse-Wishart regression, NOT a
 * multivariate t on vec X with a Kronecker scale.
 *
 *   log f(X) = log Gamma_p((nu+n+p-1)/2) - log Gamma_p((nu+p-1)/2) - np/2 log pi
 *              - n/2 log|Omega| - p/2 log|Sigma|
 *              - (nu+n+p-1)/2 log|I_n + Sigma^-1 (X-M) Omega^-1 (X-M)^T|
 *   X, M n x p; Sigma n x n SPD; Omega p x p SPD; nu > 0.
 *   theta = (vec M, vech Sigma, vech Omega, nu) (nu LAST although _set takes
 *   it first), length np + n(n+1)/2 + p(p+1)/2 + 1.
 * Reductions: T_{1,p}(nu, m, s, Omega) = t_p(nu, m, s Omega/nu),
 * T_{n,1}(nu, m, Sigma, w) = t_n(nu, m, w Sigma/nu); T(nu, M, nu U, V) ->
 * MN(M, U, V) as nu -> infinity. Stochastic representation (used by the
 * sampler): S ~ IW_n(nu+n-1, Sigma), X | S ~ MN_{n,p}(M, S, Omega).
 *
 * Identifiability: T(nu, M, c Sigma, Omega/c) = T(nu, M, Sigma, Omega), so the
 * Fisher information is singular along (0, vech Sigma, -vech Omega, 0);
 * bm_matt_fisher returns it as it is (derivation: docs/matt-fisher.md).
 *
 * Common contract: statuses per docs/conventions.md (NULL -> BM_EINVAL, shape ->
 * BM_EBADLEN, NaN/Inf (also an infinite nu) -> BM_ENONFINITE, asymmetric ->
 * BM_ENOTSYM, not SPD -> BM_ENOTSPD, nu <= 0 -> BM_EDOM); an object never
 * successfully set is BM_EINVAL. On failure scalar outputs are NaN and every
 * non-NULL matrix/vector output is filled with NaN. After bm_matt_set the
 * object is read-only and may be shared between threads.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MATT_H
#define BAYESMAT_MATT_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_rng.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Opaque matrix-t object. */
typedef struct bm_matt bm_matt;

/**
 * Allocate an (unset) T_{n,p} object.
 * @return the object, or NULL when n == 0, p == 0 or out of memory. Allocates.
 */
bm_matt *bm_matt_alloc(size_t n, size_t p);

/** Free an object; NULL is fine. */
void bm_matt_free(bm_matt *d);

/**
 * Set the parameters (in the order nu, M, Sigma, Omega): validates, factorizes
 * Sigma = L_S L_S^T, Omega = L_O L_O^T and caches the log-normalizing
 * constant (the Gamma_p ratio evaluated stably for large nu). Inputs copied.
 * @param nu     degrees of freedom, finite, > 0
 * @param M      n x p, finite
 * @param Sigma  n x n SPD (row scale);  Omega p x p SPD (column scale)
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_EDOM (nu <= 0, or
 *         nu below ~1e-308, where the cached d log f / d nu ~ 1/nu is beyond double
 *         range); BM_ENOTSYM; BM_ENOTSPD. On failure the previous parameters are kept.
 */
int bm_matt_set(bm_matt *d, double nu, const gsl_matrix *M, const gsl_matrix *Sigma, const gsl_matrix *Omega);

/**
 * Dimensions of the variate: *n rows, *p columns (as given to _alloc).
 * @param d  an allocated object (set or not); NULL gives 0 x 0
 * @param n, p  out, either may be NULL
 */
void bm_matt_dims(const bm_matt *d, size_t *n, size_t *p);

/** Length of theta, np + n(n+1)/2 + p(p+1)/2 + 1; 0 for NULL. */
size_t bm_matt_nparams(const bm_matt *d);

/**
 * Log-density at X. With Z = L_S^-1 (X-M) L_O^-T, the determinant is
 * |I_n + Z Z^T| = |I_p + Z^T Z|, factorized on the smaller side W (s =
 * min(n,p) rows): from the Gram matrix I + W W^T (one dsyrk + dpotrf) when
 * every row of W has squared norm <= 1023, where that matrix is well
 * conditioned; otherwise from a Householder QR of the stacked [I; W^T]
 * (dtpqrt), so that cond(W) is not squared. Far out (Z Z^T, Z or X - M
 * beyond double range) the residual is scaled by powers of two, so log f is
 * finite wherever it is representable. No Kronecker product, no np x np matrix.
 * @param X   n x p
 * @param lp  out: log f(X) (NaN on failure; -INFINITY only below -DBL_MAX, or
 *            if even the scaled residual L_S^-1 (X-M) 2^-e is beyond double
 *            range: scales with eigenvalues near the underflow threshold
 *            and X - M near DBL_MAX)
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOMEM.
 *         Allocates nothing when 2np + min(n,p)^2 + 16 min(n,p) <= 4096.
 */
int bm_matt_logpdf(const bm_matt *d, const gsl_matrix *X, double *lp);

/**
 * Shaped gradient of log f. With R = X - M, T = (Sigma + R Omega^-1 R^T)^-1,
 * k = nu+n+p-1, q_n = nu+n-1, q_p = nu+p-1:
 *   d/dX = -k T R Omega^-1;  d/dM = k T R Omega^-1;
 *   G_Sigma = q_n/2 Sigma^-1 - k/2 T;
 *   G_Omega = q_p/2 Omega^-1 - k/2 (Omega + R^T Sigma^-1 R)^-1;
 *   d/dnu = psi_p(k/2)/2 - psi_p(q_p/2)/2 - log|I_n + Sigma^-1 R Omega^-1 R^T|/2.
 * Computed as factor sandwiches, e.g. G_Sigma = L_S^-T (q_n I - k (I+ZZ^T)^-1) L_S^-1 / 2.
 * @param d_X, d_M  out n x p or NULL; d_Sigma out n x n or NULL; d_Omega out p x p
 *                or NULL; d_nu out or NULL
 * @return as bm_matt_logpdf, plus BM_EDOM when an output is beyond double
 *         range (or the scaled residual is, as for bm_matt_logpdf's -INFINITY).
 *         Far out every piece is formed from the scaled residual: finite
 *         wherever the gradient is representable. Allocates O(n^2 + p^2 + np).
 */
int bm_matt_grad(const bm_matt *d, const gsl_matrix *X, gsl_matrix *d_X, gsl_matrix *d_M, gsl_matrix *d_Sigma,
                 gsl_matrix *d_Omega, double *d_nu);

/**
 * Score (vec d_M, D_n^T vec G_Sigma, D_p^T vec G_Omega, d/dnu).
 * @param s  out, length bm_matt_nparams(d)
 * @return as bm_matt_grad.
 */
int bm_matt_score(const bm_matt *d, const gsl_matrix *X, gsl_vector *s);

/**
 * Hessian d^2 log f / d theta d theta^T (formulas: docs/matt.md).
 * @param H  out, nparams x nparams (symmetric)
 * @return as bm_matt_grad (BM_EDOM also for an entry beyond double range). Allocates.
 */
int bm_matt_hess(const bm_matt *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Hessian of log f w.r.t. vec X (for Laplace approximations of latent
 * matrices): entry (i + j n, a + b n) = k [Y_aj Y_ib - T_ia (Q - K)_bj] with
 * Y = T R Q, Q = Omega^-1, K = Q R^T T R Q. Not negative definite in general
 * (the density is not log-concave).
 * @param H  out, np x np
 * @return as bm_matt_grad (BM_EDOM also for an entry beyond double range).
 *         Allocates O(n^2 + p^2 + np).
 */
int bm_matt_hess_x(const bm_matt *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Fisher information of one observation in closed form (docs/fisher.md,
 * derivation docs/matt-fisher.md), P = Sigma^-1, Q = Omega^-1,
 * Delta = 2(k+2)(k-1):
 *   I_MM = k q_n q_p/((k+2)(k-1)) Q (x) P;
 *   I_SS = p q_n/Delta [k T(P,P) - t(P)t(P)^T];  I_OO = n q_p/Delta [k T(Q,Q) - t(Q)t(Q)^T];
 *   I_SO = q_n q_p/Delta t(P)t(Q)^T;  I_Snu = -p/(2k) t(P);  I_Onu = -n/(2k) t(Q);
 *   I_nunu = [psi'_p(q_p/2) - psi'_p(k/2)]/4 (a trigamma difference taken term by
 *   term from the asymptotic series for large nu: full accuracy at nu = 1e8);
 *   M blocks with the rest are 0.
 * Exists for every nu > 0; singular along (0, vech Sigma, -vech Omega, 0).
 * @param F  out, nparams x nparams
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM; BM_EDOM (an entry beyond
 *         double range: I_nunu ~ 1/nu^2 for nu below ~1e-154, or scales near
 *         DBL_MIN; F NaN). Allocates O(n^2 + p^2).
 */
int bm_matt_fisher(const bm_matt *d, gsl_matrix *F);

/**
 * One draw: A the Bartlett factor of W_n(nu+n-1, I) (bm_rng_bartlett), Z n x p
 * standard normal, X = M + L_S A^-T Z L_O^T, i.e. X | S ~ MN(M, S, Omega)
 * with S = L_S A^-T A^-1 L_S^T ~ IW_n(nu+n-1, Sigma).
 * @param r  the caller's generator;  X out n x p
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM; BM_EDOM (the draw is
 *         beyond double range, possible at small nu; X NaN). Allocates nothing
 *         when n^2 <= 4096.
 */
int bm_matt_sample(const bm_matt *d, gsl_rng *r, gsl_matrix *X);

/**
 * Mean E[X] = M, which exists for nu > 1.
 * @param mean  out n x p
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM (nu <= 1; mean = NaN).
 */
int bm_matt_mean(const bm_matt *d, gsl_matrix *mean);

/**
 * Batched log-likelihood sum_i log f(X_i) over m observations: the whole
 * batch is whitened with one dtrsm per side, then one small factor each (as
 * bm_matt_logpdf; an observation whose whitening overflowed is whitened again,
 * scaled).
 * @param X     array of m pointers to n x p matrices (m >= 1)
 * @param ll    out: the sum;  each: out, may be NULL, length m
 * @return BM_SUCCESS; BM_EINVAL (NULL, m == 0); BM_EBADLEN; BM_ENONFINITE;
 *         BM_ENOMEM. Allocates O(m n p).
 */
int bm_matt_loglik(const bm_matt *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each);

/**
 * Batched log-likelihood and the gradients of the SUM w.r.t. M, Sigma, Omega
 * (symmetric gradients) and nu; any gradient output may be NULL.
 * @return as bm_matt_loglik, plus BM_EDOM as bm_matt_grad.
 */
int bm_matt_loglik_grad(const bm_matt *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_matrix *d_M,
                        gsl_matrix *d_Sigma, gsl_matrix *d_Omega, double *d_nu);

/* ======================================================================
 * Sufficient statistics: none of finite dimension. The matt
 * log-likelihood couples every observation to the parameters through a
 * non-linear function of its own (log(1 + delta/nu), log|I + ...|), so no
 * summary of fixed size determines it for all parameters. The mergeable
 * object is instead the partial sum at FIXED parameters: (sum log f, its
 * gradient) over a chunk of observations, from bm_matt_loglik_grad (d_M, d_Sigma, d_Omega, d_nu).
 * Partial sums of chunks add (in any order, equal up to rounding); over MPI,
 * bm_mpi_matt_loglik_grad (include/bayesmat/mpi.h) reduces them in one
 * MPI_Allreduce through bm_mpi_loglik_grad. Each new parameter value needs a
 * new pass over the data.
 * ====================================================================== */

/* ---- the uniform surface: theta, shape, Jeffreys (also through bayesmat/family.h) ---- */

/**
 * Set T_{n,p}(nu, M, Sigma, Omega) from theta = (vec M, vech Sigma, vech Omega, nu).
 * @return as bm_matnorm_set_theta; BM_EDOM (nu <= 0).
 */
int bm_matt_set_theta(bm_matt *d, const gsl_vector *theta);

/** theta = (vec M, vech Sigma, vech Omega, nu) of a set object, as bm_mvn_get_theta; Sigma and Omega are
 *  rebuilt from their Cholesky factors (round-off only); BM_ENOMEM also for n or p > 64. */
int bm_matt_get_theta(const bm_matt *d, gsl_vector *theta);

/** Shape of the variate, n x p (the generic handle's convention, bayesmat/family.h);
 *  rows and cols may be NULL; 0 x 0 for NULL d. */
void bm_matt_shape(const bm_matt *d, size_t *rows, size_t *cols);

/** bm_matt_logpdf and bm_matt_grad in one call, as bm_mvn_logpdf_grad (lp and each output may be NULL). */
int bm_matt_logpdf_grad(const bm_matt *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X, gsl_matrix *d_M,
                        gsl_matrix *d_Sigma, gsl_matrix *d_Omega, double *d_nu);

/** As bm_wishart_jeffreys, for matt (theta = (vec M, vech Sigma, vech Omega, nu));
 *  BM_ESING for the full theta, as for matnorm. */
int bm_matt_jeffreys(const bm_matt *d, const size_t *idx, size_t k, double *log_prior);

BM_END_DECLS
#endif
