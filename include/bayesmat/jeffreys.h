/* bayesmat — Jeffreys priors (docs/contract.md).
 *
 * log pi(theta) = 1/2 log det I(theta), or of the sub-block of I on the
 * indices idx, with no other constant. The per-family wrappers
 * bm_F_jeffreys(d, idx, k, &lp) call bm_jeffreys_from_fisher on bm_F_fisher.
 *
 * Singularity: the determinant is computed through a Cholesky factorization
 * of the equilibrated block R = D^-1/2 I D^-1/2 (D = diag I), so the test is
 * scale-free. The block is declared singular (BM_ESING) when a diagonal
 * entry of I is 0, or when a pivot of R's factorization (a Schur complement
 * d_j in (0, 1]) satisfies d_j <= BM_JEFFREYS_RTOL; it is declared not
 * positive semidefinite (BM_ENOTSPD) when a diagonal entry is negative or a
 * pivot is below -BM_JEFFREYS_NEG_TOL (roundoff in a singular Fisher matrix
 * gives pivots of size ~1e-16 of either sign, which are BM_ESING).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_JEFFREYS_H
#define BAYESMAT_JEFFREYS_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/mvn.h"
#include "bayesmat/mvt.h"
#include "bayesmat/wishart.h"
#include "bayesmat/matnorm.h"
#include "bayesmat/matt.h"
#include "bayesmat/invwishart.h"
#include "bayesmat/matf.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Relative pivot threshold below which a Fisher block is singular (1/condition of the correlation form). */
#define BM_JEFFREYS_RTOL 1e-12
/** A pivot below -BM_JEFFREYS_NEG_TOL means the matrix is indefinite, not merely singular. */
#define BM_JEFFREYS_NEG_TOL 1e-8

/**
 * Jeffreys log-prior from a Fisher matrix: 1/2 log det I[idx, idx].
 * @param I    n x n symmetric Fisher information (lower triangle read after
 *             the symmetry check, tolerance BM_SYM_RTOL)
 * @param idx  k distinct 0-based indices < n (any order: the determinant does
 *             not depend on it), or NULL for all of I (then k must be 0 or n)
 * @param k    number of indices
 * @param log_prior  out
 * @return BM_SUCCESS; BM_EINVAL (NULL I/log_prior, k = 0 with idx, an index
 *         >= n or repeated); BM_EBADLEN (I not square, k > n, or idx NULL with
 *         k not in {0, n}); BM_ENONFINITE; BM_ENOTSYM; BM_ENOTSPD (indefinite,
 *         see above); BM_ESING (singular block); BM_ENOMEM (k > 64 only).
 *         *log_prior = NaN on failure.
 */
int bm_jeffreys_from_fisher(const gsl_matrix *Fi, const size_t *idx, size_t k, double *log_prior);

/** A caller's Fisher information I(theta) (n x n); 0 on success. */
typedef int (*bm_fisher_fn)(const gsl_vector *theta, void *params, gsl_matrix *Fi);

/**
 * Jeffreys log-prior of a model given by its Fisher callback:
 * 1/2 log det I(theta)[idx, idx] with I from fisher(theta).
 * @param theta  length n >= 1, finite; I is n x n
 * @return as bm_jeffreys_from_fisher, plus BM_EINVAL (NULL fisher/theta),
 *         BM_ENONFINITE (theta), BM_EDOM (the callback fails). Allocates n x n.
 */
int bm_jeffreys_from_callback(bm_fisher_fn fisher, void *params, const gsl_vector *theta, const size_t *idx,
                              size_t k, double *log_prior);

/**
 * log|det A| of a square matrix by LU with partial pivoting (LAPACK dgetrf).
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN (not square); BM_ENONFINITE;
 *         BM_ESING (exactly singular: a zero pivot); BM_ENOMEM. NaN on failure.
 */
int bm_log_abs_det(const gsl_matrix *A, double *logdet);

/**
 * Jeffreys prior under a reparameterization theta = theta(eta):
 *   log pi_eta(eta) = log pi_theta(theta(eta)) + log|det d theta/d eta|
 *                   = 1/2 log det I_theta + log|det J|  (= 1/2 log det J^T I_theta J).
 * @param I_theta  n x n Fisher information in theta at theta(eta)
 * @param J        n x n Jacobian d theta / d eta (full parameter vector)
 * @return as bm_jeffreys_from_fisher and bm_log_abs_det (BM_ESING when J is singular).
 */
int bm_jeffreys_reparam(const gsl_matrix *I_theta, const gsl_matrix *J, double *log_prior_eta);

BM_END_DECLS
#endif
