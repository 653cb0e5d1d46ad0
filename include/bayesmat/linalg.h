/* bayesmat — linear algebra on Cholesky factors (LAPACKE + CBLAS).
 *
 * Conventions: a "factor" L is a p x p gsl_matrix whose lower triangle holds
 * the Cholesky factor of an SPD A = L L^T; functions that produce factors zero
 * the strict upper triangle, functions that consume them never read it. No
 * function here forms an explicit inverse unless its name says "inverse".
 * Every function validates NULL and shapes (BM_EINVAL, BM_EBADLEN) but not
 * finiteness of a factor (see bm_validate_chol_factor). None allocates.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_LINALG_H
#define BAYESMAT_LINALG_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/**
 * Lower Cholesky factor L of the p x p SPD matrix A (lower triangle read).
 * @param A      p x p, symmetric (only its lower triangle is read)
 * @param L      out p x p; may alias A. Strict upper triangle set to 0.
 * @param pivot  out, may be NULL: 1-based order of the first leading minor
 *               that is not positive definite on failure, 0 on success.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN (A, L not square of one size);
 *         BM_ENOTSPD (L filled with NaN).
 */
int bm_chol_factor(const gsl_matrix *A, gsl_matrix *L, size_t *pivot);

/** log|A| = 2 sum_i log L_ii of A = L L^T. L must be a valid factor (not checked). */
double bm_chol_logdet(const gsl_matrix *L);

/** b <- A^{-1} b (two triangular solves). b has length p.
 *  @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN (L not square, b not length p). */
int bm_chol_solve_vector(const gsl_matrix *L, gsl_vector *b);

/** B <- A^{-1} B, B p x m (two BLAS-3 triangular solves).
 *  @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN (B not p rows). */
int bm_chol_solve_matrix(const gsl_matrix *L, gsl_matrix *B);

/** x <- L^{-1} x ("whitening": |L^{-1}x|^2 = x^T A^{-1} x).
 *  @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN. */
int bm_chol_whiten_vector(const gsl_matrix *L, gsl_vector *x);

/** Each row of X (n x p): x_i <- L^{-1} x_i, i.e. X <- X L^{-T} (one dtrsm).
 *  @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN (X not p columns). */
int bm_chol_whiten_rows(const gsl_matrix *L, gsl_matrix *X);

/** B <- L^{-1} B L^{-T}, B p x p (two dtrsm). Keeps symmetry of B.
 *  @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN. */
int bm_chol_sandwich(const gsl_matrix *L, gsl_matrix *B);

/** x <- L x, e.g. to colour a standard normal draw. Each x_i is summed in
 *  ascending column order, so the bits do not depend on x's alignment or
 *  stride (a sampler's draws are reproducible wherever its output sits).
 *  @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN. */
int bm_chol_lower_multiply(const gsl_matrix *L, gsl_vector *x);

/** B <- L B, B p x m (dtrmm).
 *  @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN. */
int bm_chol_lower_multiply_matrix(const gsl_matrix *L, gsl_matrix *B);

/**
 * x^T A^{-1} x through one triangular solve.
 * @param work  scratch of length >= p (overwritten with L^{-1}x), or NULL to
 *              use internal scratch (stack for p <= 1024, else malloc)
 * @return the quadratic form; NaN on NULL L/x, length mismatch or no memory.
 */
double bm_chol_quadform(const gsl_matrix *L, const gsl_vector *x, double *work);

/**
 * A^{-1} from the factor (LAPACK dpotri), full symmetric result. Use only
 * where the inverse itself is the output (gradients, Fisher information).
 * @param Ainv out p x p; may alias L.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ESING (a diagonal entry of L
 *         not positive and finite; Ainv is then NaN).
 */
int bm_chol_inverse(const gsl_matrix *L, gsl_matrix *Ainv);

/** A = L L^T (full symmetric).
 *  @return BM_SUCCESS; BM_EINVAL (NULL, or A aliasing L); BM_EBADLEN. */
int bm_chol_product(const gsl_matrix *L, gsl_matrix *A);

/** Copy the lower triangle of A onto its upper triangle. */
void bm_sym_from_lower(gsl_matrix *A);

BM_END_DECLS
#endif
