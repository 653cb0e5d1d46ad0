/* bayesmat — Matrix-Normal-Inverse-Wishart multivariate regression (docs/contract.md).
 *
 *   Y (n x d) = X (n x k) B + E, rows of E ~ N_d(0, Sigma),
 *   B | Sigma ~ MN_{k,d}(B0, V0, Sigma), Sigma ~ IW_d(nu0, Psi0).
 * Posterior:  V_n^-1 = V0^-1 + X^T X,  B_n = V_n (V0^-1 B0 + X^T Y),  nu_n = nu0 + n,
 *             Psi_n = Psi0 + Y^T Y + B0^T V0^-1 B0 - B_n^T V_n^-1 B_n.
 * Evidence:   log p(Y|X) = -nd/2 log pi + log Gamma_d(nu_n/2) - log Gamma_d(nu0/2)
 *             + nu0/2 log|Psi0| - nu_n/2 log|Psi_n| + d/2 (log|V_n| - log|V0|).
 * Predictive for new rows X* (m x k), in matt's parameterization (docs/contract.md):
 *             Y* ~ T_{m,d}(nu_n - d + 1, X* B_n, I_m + X* V_n X*^T, Psi_n)
 *   (Y* | Sigma ~ MN(X* B_n, I + X* V_n X*^T, Sigma) mixed over Sigma ~ IW_d(nu_n, Psi_n);
 *    for m = 1 this is t_d(nu_n - d + 1, x* B_n, (1 + x* V_n x*^T) Psi_n / (nu_n - d + 1))).
 * Numerics: QR of the stacked least-squares problem [L_V0^-1, L_V0^-1 B0; R_data]; see
 * docs/conjugate.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MNIW_H
#define BAYESMAT_MNIW_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/matt.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

typedef struct bm_mniw bm_mniw;

/** Mergeable sufficient statistics: n and the upper factor R of [X Y]^T [X Y] ((k+d) x (k+d)). */
typedef struct bm_mniw_stats bm_mniw_stats;

/** A model with k regressors and d responses (both >= 1), no prior. NULL on a zero dim or no memory. */
bm_mniw *bm_mniw_alloc(size_t k, size_t d);
/** Free (NULL is fine). */
void bm_mniw_free(bm_mniw *m);

/**
 * Set the prior and discard any data.
 * @param B0 k x d finite; @param V0 k x k SPD; @param nu0 > d - 1; @param Psi0 d x d SPD
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSYM; BM_ENOTSPD;
 *         BM_EDOM (nu0 <= d - 1); BM_ENOMEM. On failure the model is unchanged.
 */
int bm_mniw_set_prior(bm_mniw *m, const gsl_matrix *B0, const gsl_matrix *V0, double nu0, const gsl_matrix *Psi0);

/**
 * Condition on n rows (X n x k, Y n x d). Accumulates; n = 0 is a no-op.
 * @return BM_SUCCESS; BM_EINVAL (NULL, no prior); BM_EBADLEN; BM_ENONFINITE; BM_ENOMEM.
 *         On failure the model is unchanged. Allocates O(n (k + d)).
 */
int bm_mniw_update(bm_mniw *m, const gsl_matrix *X, const gsl_matrix *Y);

/** Empty statistics. NULL on a zero dim or no memory. */
bm_mniw_stats *bm_mniw_stats_alloc(size_t k, size_t d);
/** Free (NULL is fine). */
void bm_mniw_stats_free(bm_mniw_stats *s);
/** s <- statistics of (X, Y), the rows factorized in blocks (O((k+d)^2 + 8192) scratch whatever n).
 *  @return as bm_mniw_update; s unchanged on failure. */
int bm_mniw_stats_compute(bm_mniw_stats *s, const gsl_matrix *X, const gsl_matrix *Y);
/** dst <- statistics of both data sets. @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM. */
int bm_mniw_stats_merge(bm_mniw_stats *dst, const bm_mniw_stats *src);
/** Condition on the data summarised by s. @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM. */
int bm_mniw_update_stats(bm_mniw *m, const bm_mniw_stats *s);

/**
 * Posterior parameters (any output may be NULL). V_n and Psi_n are formed from factors.
 * @param B_n k x d; @param V_n k x k; @param Psi_n d x d
 * @return BM_SUCCESS; BM_EINVAL (NULL, no prior); BM_EBADLEN; BM_EDOM (the formed V_n or Psi_n
 *         has an entry beyond DBL_MAX though its factor is finite). NaN outputs on failure.
 */
int bm_mniw_posterior(const bm_mniw *m, gsl_matrix *B_n, gsl_matrix *V_n, double *nu_n, gsl_matrix *Psi_n);

/**
 * log MN_{k,d}(B | B_n, V_n, Sigma) + log IW_d(Sigma | nu_n, Psi_n) (the log prior with no data).
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSYM; BM_EDOM (Sigma not
 *         positive definite: *lp = -INFINITY). Allocates O(k d + d^2).
 */
int bm_mniw_log_posterior(const bm_mniw *m, const gsl_matrix *B, const gsl_matrix *Sigma, double *lp);

/**
 * One posterior draw: Sigma ~ IW_d(nu_n, Psi_n), B = B_n + R_n^{-1} Z C^T (Z k x d standard normal,
 * C C^T = Sigma, R_n^T R_n = V_n^-1). Either output may be NULL (not both).
 * With nu_n close to d - 1 the last Bartlett chi-square (nu_n - d + 1 degrees of freedom)
 * is often below 1e-300 and the draw beyond DBL_MAX: BM_EDOM for that draw.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOMEM; BM_EDOM (the draw overflows double).
 *         NaN outputs on failure.
 */
int bm_mniw_sample_posterior(const bm_mniw *m, gsl_rng *r, gsl_matrix *B, gsl_matrix *Sigma);

/**
 * Parameters of the predictive T_{m,d}(nu, M, Sigma, Omega) for the rows X_new (m x k):
 * nu = nu_n - d + 1, M = X_new B_n (m x d), Sigma = I_m + X_new V_n X_new^T (m x m), Omega = Psi_n (d x d).
 * Outputs other than nu may be NULL.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE (X_new); BM_EDOM (M, Sigma or Omega
 *         has an entry beyond DBL_MAX). NaN outputs on failure.
 */
int bm_mniw_predictive_params(const bm_mniw *m, const gsl_matrix *X_new, double *nu, gsl_matrix *M,
                              gsl_matrix *Sigma, gsl_matrix *Omega);

/**
 * The posterior predictive of the rows X_new (m x k) as a matt object:
 * bm_matt_set(pred, nu_n - d + 1, X_new B_n, I_m + X_new V_n X_new^T, Psi_n)
 * (see bm_mniw_predictive_params).
 * @param pred from bm_matt_alloc(m, d); set on success, unchanged on failure
 * @return BM_SUCCESS; BM_EINVAL (NULL, no prior); BM_EBADLEN (X_new not m x k, pred not m x d);
 *         BM_ENONFINITE (X_new); BM_ENOMEM; BM_EDOM (not representable as a matt object: a
 *         parameter entry beyond DBL_MAX, a formed scale that is numerically not positive
 *         definite (condition beyond ~1/eps), or nu so small that matt refuses it).
 *         Allocates O(m^2 + m d + d^2) scratch.
 */
int bm_mniw_predictive(const bm_mniw *m, const gsl_matrix *X_new, bm_matt *pred);

/**
 * log p(Y | X) of all data so far (formula above); 0 with no data.
 * @return BM_SUCCESS; BM_EINVAL. *lml = NAN on failure.
 */
int bm_mniw_log_evidence(const bm_mniw *m, double *lml);

/* ---- packed statistics (e.g. to send over MPI; bm_mpi_mniw_update_stats) ----
 * Layout: a 6-double header [magic, format version, kind, k, d, total length],
 * then (n, the upper triangle of R row by row). */
/** Dimensions (k, d) of a model. @return BM_SUCCESS; BM_EINVAL (NULL). */
int bm_mniw_dims(const bm_mniw *m, size_t *k, size_t *d);
/** Dimensions (k, d). @return BM_SUCCESS; BM_EINVAL (NULL). */
int bm_mniw_stats_dims(const bm_mniw_stats *s, size_t *k, size_t *d);
/** Doubles in the packed form: 6 + 1 + (k+d)(k+d+1)/2 (0 for NULL). */
size_t bm_mniw_stats_packed_len(const bm_mniw_stats *s);
/** Pack s into buf (bm_mniw_stats_packed_len doubles). @return BM_SUCCESS; BM_EINVAL (NULL). */
int bm_mniw_stats_pack(const bm_mniw_stats *s, double *buf);
/**
 * s <- a packed summary from bm_mniw_stats_pack of a (k, d) summary (a (d, k)
 * one is refused: BM_EBADLEN); every field is validated.
 * @param len  doubles available in buf (nothing beyond buf[len - 1] is read)
 * @return BM_SUCCESS; BM_EINVAL (NULL; not a packed summary of this kind or
 *         format version; n negative, not an integer or above 2^53;
 *         nonzero content when n = 0; a negative diagonal of R); BM_EBADLEN (len shorter or longer than the
 *         packed form, or a summary of another shape); BM_ENONFINITE.
 *         s unchanged on failure. Allocates nothing.
 */
int bm_mniw_stats_unpack(bm_mniw_stats *s, const double *buf, size_t len);

BM_END_DECLS
#endif
