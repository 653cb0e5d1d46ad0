/* Internal (not installed): the whitening kernel of the batched mvn / mvt
 * log-likelihood for BM_MP_MIN <= p <= BM_MP_MAX (distributions/small_p.h
 * holds the smaller sizes and the row-group scaffolding that calls this).
 *
 * Why: beyond BM_SP_MAX the n x p whitening by split dtrsm cost 1.5x the
 * LAPACK floor (dpotrf + one dtrsm) at p = 20, OpenBLAS's threaded dtrsm
 * is not wanted (docs/conventions.md, "Threading policy"), the work per row,
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
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

/* Dimensions BM_MP_MIN <= p <= BM_MP_MAX use the kernel. Measured (one
 * thread, n = 1000, bench/README.md): below BM_MP_MIN the fully unrolled
 * kernels of small_p.c are faster; up to BM_MP_MAX (the bound of the
 * library's own single-thread kernels, src/kernels.h) it takes 0.45-0.5x
 * the general path's time and 0.55-0.6x the LAPACK floor's, and it still
 * beats OpenBLAS's threaded dtrsm on two cores where the general path
 * used it (n p^2 >= 2^22). */
#define BM_MP_MIN 7
#define BM_MP_MAX 128

/* delta[k] <- |L^{-1}(x_k - mu)|^2 for the rows r0 .. r0+rows-1 of X (p =
 * L->size1 columns, p <= BM_MP_MAX; any rows): mu (p,
 * contiguous), inv[i] = 1 / L_ii (finite). NaN from an overflowed solve of
 * finite inputs becomes +inf. @return BM_SUCCESS, or BM_ENONFINITE when a
 * row holds a non-finite value (delta then partly written). */
int bm_mp_delta_block(const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                      size_t rows, double *delta);

/* The same through one path (tests): 0 portable (two-lane vectors), 1 AVX2
 * (only where the processor has it; else the portable path). */
int bm_mp_delta_block_path(int path, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                           size_t r0, size_t rows, double *delta);

/* Z (r1 - r0 rows, leading dim p) <- rows [r0, r1) of (X - 1 mu^T) L^{-T},
 * the whitened rows the batched gradients need, by the same kernel (p as
 * above; every pivot of L with a finite reciprocal). @return BM_SUCCESS, or
 * BM_ENONFINITE when a row holds a non-finite value (Z then partly
 * written). Rows whose solve overflows hold inf or NaN, as with dtrsm.
 * path: as bm_mp_delta_block_path. */
int bm_mp_whiten_rows_path(int path, const gsl_vector *mu, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                           size_t r1, double *Z);
#define bm_mp_whiten_rows(...) bm_mp_whiten_rows_path(1, __VA_ARGS__)

#endif
