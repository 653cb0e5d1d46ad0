/* bayesmat — argument validation shared by every module (the "check" layer).
 *
 * Every public function validates its arguments through these before any GSL
 * call, so that no input reaches GSL's (aborting) error handler. Checks run in
 * a fixed order and return the first failure:
 *   NULL -> BM_EINVAL, shape -> BM_EBADLEN, NaN/Inf -> BM_ENONFINITE,
 *   asymmetry -> BM_ENOTSYM, not positive definite -> BM_ENOTSPD.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_VALIDATE_H
#define BAYESMAT_VALIDATE_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/**
 * Relative tolerance of the symmetry check: A passes when for all i > j
 *   |A_ij - A_ji| <= BM_SYM_RTOL * max(|A_ij|, |A_ji|, sqrt(|A_ii A_jj|)).
 * The sqrt(|A_ii A_jj|) term bounds |A_ij| for a PSD matrix, so roundoff in a
 * computed covariance (e.g. X^T X accumulated in another order) passes while a
 * genuinely asymmetric matrix fails. Functions read only the lower triangle
 * of a symmetric input once it has passed.
 */
#define BM_SYM_RTOL 1e-8

/**
 * Vector of length n with finite entries.
 * @return BM_SUCCESS; BM_EINVAL (v NULL); BM_EBADLEN (size != n); BM_ENONFINITE.
 */
int bm_validate_vector(const gsl_vector *v, size_t n);

/**
 * Matrix of shape rows x cols with finite entries (any tda).
 * @return BM_SUCCESS; BM_EINVAL (A NULL); BM_EBADLEN; BM_ENONFINITE.
 */
int bm_validate_matrix(const gsl_matrix *A, size_t rows, size_t cols);

/**
 * Matrix of shape rows x cols, only NULL and shape checked (outputs).
 * @return BM_SUCCESS; BM_EINVAL (A NULL); BM_EBADLEN.
 */
int bm_validate_shape(const gsl_matrix *A, size_t rows, size_t cols);

/**
 * Vector of length n, only NULL and length checked (outputs).
 * @return BM_SUCCESS; BM_EINVAL (v NULL); BM_EBADLEN.
 */
int bm_validate_length(const gsl_vector *v, size_t n);

/**
 * Symmetric p x p matrix with finite entries (tolerance BM_SYM_RTOL).
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSYM.
 */
int bm_validate_symmetric(const gsl_matrix *A, size_t p);

/**
 * Symmetric positive definite p x p matrix; on success its lower Cholesky
 * factor is written to L (p x p, may alias A; strict upper triangle zeroed).
 * @param pivot  out, may be NULL: on BM_ENOTSPD the 1-based index of the
 *               leading minor that is not positive definite; 0 otherwise.
 * @return BM_SUCCESS; BM_EINVAL (A or L NULL); BM_EBADLEN; BM_ENONFINITE;
 *         BM_ENOTSYM; BM_ENOTSPD (L is then filled with NaN).
 */
int bm_validate_spd(const gsl_matrix *A, size_t p, gsl_matrix *L, size_t *pivot);

/**
 * A lower-triangular Cholesky factor given by a caller: p x p, finite lower
 * triangle, strictly positive diagonal. The strict upper triangle is ignored.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSPD
 *         (a diagonal entry <= 0).
 */
int bm_validate_chol_factor(const gsl_matrix *L, size_t p);

/**
 * Scalar parameter x > lower (strictly). An infinite or NaN x is
 * BM_ENONFINITE (docs/contract.md: an infinite nu is BM_ENONFINITE).
 * @return BM_SUCCESS; BM_ENONFINITE; BM_EDOM (x <= lower).
 */
int bm_validate_greater(double x, double lower);

BM_END_DECLS
#endif
