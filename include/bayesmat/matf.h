/* bayesmat — the matrix-variate F family F_p(nu, delta, Psi) (docs/contract.md).
 *
 *   log f(X) = log Gamma_p(k/2) - log Gamma_p(nu/2) - log Gamma_p(r/2)
 *              - nu/2 log|Psi| + (nu-p-1)/2 log|X| - k/2 log|I_p + X Psi^-1|,
 *   k = nu + delta + p - 1,  r = delta + p - 1,
 * for X symmetric positive definite p x p; nu > p - 1, delta > 0, Psi SPD.
 * theta = (vech Psi, nu, delta) (nu and delta LAST, although _set takes them
 * first). Representation: if Phi ~ IW_p(delta+p-1, Psi) and X | Phi ~ W_p(nu, Phi)
 * then X ~ F_p(nu, delta, Psi); E[X] = nu Psi / (delta - 2) for delta > 2.
 * The closed-form Fisher information is derived in docs/matf-fisher.md.
 *
 * Objects are read-only after bm_matf_set: any number of threads may evaluate
 * the same object at once. Every function validates its arguments first and
 * never aborts, prints or trips GSL's error handler.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MATF_H
#define BAYESMAT_MATF_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Opaque matrix-variate F distribution object of a fixed dimension p. */
typedef struct bm_matf bm_matf;

/**
 * Allocate an (unset) F_p object; call bm_matf_set before evaluating.
 * @param p  dimension (p >= 1)
 * @return the object, or NULL when p == 0 or on allocation failure.
 */
bm_matf *bm_matf_alloc(size_t p);

/** Free an object from bm_matf_alloc; NULL is a no-op. */
void bm_matf_free(bm_matf *d);

/**
 * Set the parameters: validates, factorizes Psi = L L^T, caches Psi^-1,
 * log|Psi| and the normalizing constant.
 * @param d      from bm_matf_alloc(p)
 * @param nu     nu > p - 1 (finite)
 * @param delta  delta > 0 (finite)
 * @param Psi    p x p symmetric positive definite (copied; the caller keeps ownership)
 * @return BM_SUCCESS; BM_EINVAL (d or Psi NULL); BM_EBADLEN (Psi not p x p);
 *         BM_ENONFINITE (NaN/Inf in nu, delta or Psi); BM_ENOTSYM; BM_ENOTSPD;
 *         BM_EDOM (nu <= p - 1 or delta <= 0, or parameters whose normalizing
 *         constant is not representable: nu + delta overflowing, or log Gamma_p
 *         of them beyond double range near 1e306; a subnormal nu or delta is fine,
 *         log Gamma of its half being formed from it). On failure the object keeps its
 *         previous parameters (or stays unset). Allocates nothing.
 */
int bm_matf_set(bm_matf *d, double nu, double delta, const gsl_matrix *Psi);

/** Dimension p of the object; 0 for NULL. */
size_t bm_matf_dim(const bm_matf *d);

/** Length of theta = (vech Psi, nu, delta): p(p+1)/2 + 2; 0 for NULL. */
size_t bm_matf_nparams(const bm_matf *d);

/**
 * Log-density at X, from Cholesky factors:
 *   log f = c + r/2 log|Psi| + (nu-p-1)/2 log|X| - k/2 log|Psi + X|,
 * using log|I + X Psi^-1| = log|Psi + X| - log|Psi|.
 * @param d   a set object (read-only)
 * @param X   p x p symmetric (tolerance BM_SYM_RTOL; only its lower triangle is used)
 * @param lp  out: log f(X); -INFINITY when X is not positive definite; NaN on other failures
 * @return BM_SUCCESS; BM_EINVAL (NULL argument, or d never set); BM_EBADLEN;
 *         BM_ENONFINITE; BM_ENOTSYM; BM_EDOM (X not positive definite).
 *         Allocates nothing for p <= 45 (stack scratch), else 2 p^2 doubles.
 */
int bm_matf_logpdf(const bm_matf *d, const gsl_matrix *X, double *lp);

/**
 * Shaped gradient of log f at X (symmetric gradients in the sense of docs/conventions.md):
 *   d_X     = (nu-p-1)/2 X^-1 - k/2 (Psi+X)^-1          (p x p)
 *   d_Psi   = r/2 Psi^-1 - k/2 (Psi+X)^-1                (p x p)
 *   d_nu    = [psi_p(k/2) - psi_p(nu/2) + log|X| - log|Psi+X|] / 2
 *   d_delta = [psi_p(k/2) - psi_p(r/2) + log|Psi| - log|Psi+X|] / 2
 * Any output may be NULL (its work is skipped).
 * @return BM_SUCCESS; BM_EINVAL (d or X NULL, d unset); BM_EBADLEN (X or an
 *         output not p x p); BM_ENONFINITE; BM_ENOTSYM; BM_EDOM (X not SPD, or
 *         d_X/d_Psi/d_nu/d_delta beyond double range, e.g. d_nu ~ 1/nu at p = 1,
 *         nu < 1e-308, d_delta ~ 1/delta for delta < 1e-308: outputs NaN).
 *         On failure every non-NULL output is NaN. Allocates nothing for p <= 45.
 */
int bm_matf_grad(const bm_matf *d, const gsl_matrix *X, gsl_matrix *d_X, gsl_matrix *d_Psi, double *d_nu,
                 double *d_delta);

/**
 * Score d log f / d theta at X, theta = (vech Psi, nu, delta): the vech block
 * is D_p^T vec(d_Psi) (off-diagonal entries doubled).
 * @param s  out, length p(p+1)/2 + 2
 * @return as bm_matf_grad (BM_EINVAL for s NULL, BM_EBADLEN for its length);
 *         s is NaN on failure.
 */
int bm_matf_score(const bm_matf *d, const gsl_matrix *X, gsl_vector *s);

/**
 * Hessian d^2 log f / d theta d theta^T at X (q = p(p+1)/2, C = Psi^-1,
 * S = (Psi+X)^-1, T(P,Q) = D_p^T (P (x) Q) D_p, t(P) = D_p^T vec P):
 *   H_PsiPsi = -r/2 T(C,C) + k/2 T(S,S);  H_Psi,nu = -t(S)/2;  H_Psi,delta = (t(C) - t(S))/2;
 *   H_nu,nu = [psi'_p(k/2) - psi'_p(nu/2)]/4;  H_nu,delta = psi'_p(k/2)/4;
 *   H_delta,delta = [psi'_p(k/2) - psi'_p(r/2)]/4.
 * @param H  out, (q+2) x (q+2)
 * @return as bm_matf_score (BM_EDOM also for an entry beyond double range); H
 *         is NaN on failure. Allocates nothing for p <= 45.
 */
int bm_matf_hess(const bm_matf *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Hessian of log f w.r.t. vech X (a vech coordinate moves X_ij and X_ji together):
 *   H = -(nu-p-1)/2 T(X^-1, X^-1) + k/2 T(S, S),  S = (Psi+X)^-1.
 * @param H  out, q x q, q = p(p+1)/2
 * @return as bm_matf_score (BM_EDOM also for an entry beyond double range); H
 *         is NaN on failure. Allocates nothing for p <= 45.
 */
int bm_matf_hess_x(const bm_matf *d, const gsl_matrix *X, gsl_matrix *H);

/**
 * Closed-form Fisher information of one observation, I(theta) = E[-H]
 * (derivation: docs/matf-fisher.md), k = nu+delta+p-1, r = delta+p-1, C = Psi^-1:
 *   I_PsiPsi = nu r / (2(k+2)(k-1)) [k T(C,C) - t(C) t(C)^T]   (p = 1: nu delta / (2(k+2) psi^2))
 *   I_Psi,nu = r/(2k) t(C);  I_Psi,delta = -nu/(2k) t(C)
 *   I_nu,nu = [psi'_p(nu/2) - psi'_p(k/2)]/4;  I_nu,delta = -psi'_p(k/2)/4;
 *   I_delta,delta = [psi'_p(r/2) - psi'_p(k/2)]/4.
 * @param F  out, (q+2) x (q+2), symmetric (named F, not I: <complex.h> defines I)
 * @return BM_SUCCESS; BM_EINVAL (NULL, d unset); BM_EBADLEN; BM_EDOM (an entry
 *         beyond double range, Psi near DBL_MIN). F is NaN on
 *         failure. Allocates nothing.
 */
int bm_matf_fisher(const bm_matf *d, gsl_matrix *F);

/**
 * One draw X ~ F_p(nu, delta, Psi) through Phi ~ IW_p(delta+p-1, Psi),
 * X | Phi ~ W_p(nu, Phi), both from Bartlett factors (Smith & Hocking 1972):
 * with A, B independent Bartlett factors of W_p(delta+p-1, I), W_p(nu, I),
 * Phi = (L A^-T)(L A^-T)^T and X = (L A^-T B)(L A^-T B)^T.
 * @param r  a GSL generator (advanced)
 * @param X  out, p x p, symmetric (full matrix written)
 * @return BM_SUCCESS; BM_EINVAL (NULL, d unset); BM_EBADLEN; BM_EDOM (the draw
 *         is beyond double range, e.g. delta tiny). X is NaN on
 *         failure. Allocates nothing for p <= 45.
 * Note: for nu close to p - 1 a draw can be numerically singular (a chi^2
 * with < 1 degree of freedom underflows relative to the other eigenvalues);
 * _logpdf then answers BM_EDOM for it, as for any X outside the support.
 */
int bm_matf_sample(const bm_matf *d, gsl_rng *r, gsl_matrix *X);

/**
 * Mean E[X] = nu Psi / (delta - 2).
 * @param M  out, p x p
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM (delta <= 2: the mean
 *         does not exist; M is then NaN).
 */
int bm_matf_mean(const bm_matf *d, gsl_matrix *M);

/**
 * Batched log-likelihood of m observations: ll = sum_i log f(X[i]).
 * @param X     array of m pointers to p x p symmetric matrices (m >= 1)
 * @param ll    out: the sum
 * @param each  out, may be NULL: length m, the individual log-densities
 * @return BM_SUCCESS; BM_EINVAL (NULL d, X, X[i] or ll; m = 0; d unset);
 *         BM_EBADLEN; BM_ENONFINITE; BM_ENOTSYM; BM_EDOM (some X[i] not SPD:
 *         *ll = -INFINITY and each[i] = -INFINITY for that i, the others filled).
 *         On other failures *ll and each are NaN. Allocates nothing for p <= 45.
 */
int bm_matf_loglik(const bm_matf *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each);

/**
 * Batched log-likelihood and its gradient w.r.t. the parameters (sums over
 * the m observations of the shaped gradients of bm_matf_grad).
 * @param ll       out, may be NULL: the log-likelihood
 * @param d_Psi    out, may be NULL: p x p symmetric gradient
 * @param d_nu, d_delta  out, may be NULL
 * @return as bm_matf_loglik, plus BM_EDOM when d_Psi, d_nu or d_delta is
 *         beyond double range (d_nu ~ m/nu at p = 1, nu < 1e-308; d_delta ~
 *         m/delta, delta < 1e-308; then *ll is NaN too). Every non-NULL output
 *         is NaN on failure, but *ll = -INFINITY when some X[i] is outside the
 *         support. Allocates nothing for p <= 36.
 */
int bm_matf_loglik_grad(const bm_matf *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_matrix *d_Psi,
                        double *d_nu, double *d_delta);

/**
 * The literature's form f(X | Sigma, n, nu') proportional to
 *   |X|^{(n-p-1)/2} |I + Sigma^-1 X|^{-(n+nu')/2}
 * is F_p(nu = n, delta = nu' - p + 1, Psi = Sigma) (docs/contract.md). This converts
 * (n, nu') to (nu, delta); Sigma = Psi needs no conversion.
 * @param p        dimension (>= 1)
 * @param n        n > p - 1
 * @param nu_prime nu' > p - 1
 * @param nu, delta  out
 * @return BM_SUCCESS; BM_EINVAL (p = 0, NULL out); BM_ENONFINITE; BM_EDOM
 *         (n <= p - 1 or nu' <= p - 1). Outputs NaN on failure.
 */
int bm_matf_from_literature(size_t p, double n, double nu_prime, double *nu, double *delta);

/** Inverse of bm_matf_from_literature: n = nu, nu' = delta + p - 1.
 *  @return BM_SUCCESS; BM_EINVAL; BM_ENONFINITE; BM_EDOM (nu <= p-1 or delta <= 0). */
int bm_matf_to_literature(size_t p, double nu, double delta, double *n, double *nu_prime);

/**
 * Jacobian J = d theta / d theta_lit of theta = (vech Psi, nu, delta) w.r.t.
 * theta_lit = (vech Sigma, n, nu'). The map is a translation (delta = nu' - p + 1),
 * so J is the identity of size p(p+1)/2 + 2; provided so that callers moving
 * Fisher matrices between the forms, I_lit = J^T I J, need not re-derive it.
 * @param J  out, (q+2) x (q+2)
 * @return BM_SUCCESS; BM_EINVAL (J NULL, p = 0); BM_EBADLEN.
 */
int bm_matf_literature_jacobian(size_t p, gsl_matrix *J);

/**
 * Fisher information in the literature's coordinates theta_lit = (vech Sigma, n, nu'):
 *   I_lit = J^T I(theta) J with J from bm_matf_literature_jacobian.
 * @param I_lit  out, (q+2) x (q+2)
 * @return as bm_matf_fisher. Allocates O(q^2).
 */
int bm_matf_fisher_literature(const bm_matf *d, gsl_matrix *I_lit);

/* ======================================================================
 * Sufficient statistics: none of finite dimension. The matf
 * log-likelihood couples every observation to the parameters through a
 * non-linear function of its own (log(1 + delta/nu), log|I + ...|), so no
 * summary of fixed size determines it for all parameters. The mergeable
 * object is instead the partial sum at FIXED parameters: (sum log f, its
 * gradient) over a chunk of observations, from bm_matf_loglik_grad (dPsi, dnu, ddelta).
 * Partial sums of chunks add (in any order, equal up to rounding); over MPI,
 * bm_mpi_matf_loglik_grad (include/bayesmat/mpi.h) reduces them in one
 * MPI_Allreduce through bm_mpi_loglik_grad. Each new parameter value needs a
 * new pass over the data.
 * ====================================================================== */

/* ---- the uniform surface: theta, shape, Jeffreys (also through bayesmat/family.h) ---- */

/**
 * Set F_p(nu, delta, Psi) from theta = (vech Psi, nu, delta).
 * @return as bm_mvn_set_theta; BM_ENOTSPD (Psi); BM_EDOM (nu <= p - 1 or delta <= 0).
 */
int bm_matf_set_theta(bm_matf *d, const gsl_vector *theta);

/** theta = (vech Psi, nu, delta) of a set object, as bm_mvn_get_theta. */
int bm_matf_get_theta(const bm_matf *d, gsl_vector *theta);

/** Shape of the variate, p x p (the generic handle's convention, bayesmat/family.h);
 *  rows and cols may be NULL; 0 x 0 for NULL d. */
void bm_matf_shape(const bm_matf *d, size_t *rows, size_t *cols);

/** bm_matf_logpdf and bm_matf_grad in one call, as bm_mvn_logpdf_grad (lp and each output may be NULL). */
int bm_matf_logpdf_grad(const bm_matf *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X, gsl_matrix *d_Psi,
                        double *d_nu, double *d_delta);

/** As bm_wishart_jeffreys, for matf (theta = (vech Psi, nu, delta)). */
int bm_matf_jeffreys(const bm_matf *d, const size_t *idx, size_t k, double *log_prior);

BM_END_DECLS
#endif
