/* Internal (not installed): the whitening kernel of the batched mvn / mvt
 * log-likelihood for BM_SP_MAX < p <= BM_MP_MAX (distributions/small_p.h
 * holds the smaller sizes and the row-group scaffolding that calls this).
 *
 * Why: at these sizes the n x p whitening by split dtrsm costs 1.5x the
 * LAPACK floor (dpotrf + one dtrsm), OpenBLAS's threaded dtrsm is not
 * allowed (docs/conventions.md, "Threading policy"), and the work per row,
 * p(p-1)/2 multiply-subtracts, is small enough to run in vector lanes over
 * observations: two vectors of rows per step (8 rows with AVX2, 4 without),
 * the rows of L in chunks of four whose eight accumulators stay in
 * registers, each whitened coordinate stored once to a small stack buffer
 * and reloaded by the later chunks. Each lane does the arithmetic of the
 * p <= BM_SP_MAX kernels in the same order (no FMA), so every path gives
 * the same bits for a row, wherever the row falls in a block.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MID_P_H
#define BAYESMAT_MID_P_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

/* dimensions up to this use the kernel (the measured crossover with the
 * general path: bench/README.md) */
#define BM_MP_MAX 32

/* delta[k] <- |L^{-1}(x_k - mu)|^2 for the rows r0 .. r0+rows-1 of X (p =
 * L->size1 columns, BM_SP_MAX < p <= BM_MP_MAX; rows <= 64): mu (p,
 * contiguous), inv[i] = 1 / L_ii (finite). NaN from an overflowed solve of
 * finite inputs becomes +inf. @return BM_SUCCESS, or BM_ENONFINITE when a
 * row holds a non-finite value (delta then partly written). */
int bm_mp_delta_block(const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                      size_t rows, double *delta);

/* The same through one path (tests): 0 portable (two-lane vectors), 1 AVX2
 * (only where the processor has it; else the portable path). */
int bm_mp_delta_block_path(int path, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                           size_t r0, size_t rows, double *delta);

#endif
