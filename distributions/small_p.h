/* Internal (not installed): the small-dimension paths of the location-scale
 * vector families (mvn.c, mvt.c).
 *
 * At p <= BM_SP_MAX a batched log-likelihood forms each row's Mahalanobis
 * form delta = |L^{-1}(x - mu)|^2 in blocks of BM_SP_ROWS rows, several rows
 * at a time in the lanes of a vector register (the substitution held in
 * registers, no call overhead, nothing allocated), and hands the deltas to
 * the family's block function. Results equal the general path's up to
 * rounding (the reciprocal of each pivot is multiplied instead of divided).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_SMALL_P_H
#define BAYESMAT_SMALL_P_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "vector_common.h"

/* dimensions up to this use the small-p paths */
#define BM_SP_MAX 16
/* rows per block of forms (on the stack: BM_SP_ROWS doubles, for mvt twice;
 * BM_SP_ROWS x BM_SP_MAX more without GCC's vector extensions): a block's
 * setup, its pipeline drain and the latency of mvt's logarithms spread over
 * more rows (512 against 256: 3 % off a p = 5 mvn batch of 1000 rows, 5 %
 * off mvt; 1024 gained little more) */
#define BM_SP_ROWS 512

/* Per block of Mahalanobis forms delta (rows of them, rows first ..
 * first+rows-1 of X; +inf where the form overflowed) and their sum: add the
 * block's log-densities to *total and write each row's into each (when
 * non-NULL). */
typedef void (*bm_sp_delta_block)(const void *ctx, const double *delta, double delta_sum, size_t rows, size_t first,
                                  gsl_vector *each, double *total);

/* bm_vc_loglik for p <= BM_MP_MAX (from BM_MP_MIN the kernel of
 * distributions/mid_p.h) when the family's log-density depends on
 * the whitened row only through delta = |z|^2: the checks (same order), the
 * row groups of src/omp_policy.h, blocks of BM_SP_ROWS deltas formed with
 * every loop over observations; each NaN-filled on failure. */
/* 1 when every pivot of L has a finite reciprocal (the kernels multiply by
 * them); a subnormal pivot sends the caller to the general path. */
int bm_sp_pivots_ok(const gsl_matrix *L);

int bm_sp_loglik_fn(const char *fn, int obj_status, const gsl_vector *mu, const gsl_matrix *L, const gsl_matrix *X,
                    gsl_vector *each, bm_sp_delta_block block, const void *ctx, double *total);
#define bm_sp_loglik(...) bm_sp_loglik_fn(__func__, __VA_ARGS__) /* fn: the public caller, named in bm_last_error */

/* Which kernels run: chosen at each call from the processor (no -march flags
 * at build time), at most the one forced by bm_sp_force_path. */
enum { BM_SP_PATH_AUTO = 0, BM_SP_PATH_GENERIC = 1, BM_SP_PATH_AVX2 = 2, BM_SP_PATH_AVX512 = 3 };
/* the path the kernels take now (the best the processor has, capped by the forced one) */
int bm_sp_path(void);
/* Tests only: cap the kernels at path (BM_SP_PATH_AUTO lifts the cap); a
 * process-wide setting, not for use while other threads evaluate. */
void bm_sp_force_path(int path);

/* out[i] <- log1p(u[i] scale) for u[i] scale >= 0 (NaN: +inf, a form that
 * overflowed), i < n, to ~1 ulp: fl(1 + u) = hi exactly split as hi + lo, log(hi) by
 * exponent and mantissa in [sqrt(1/2), sqrt(2)) with a minimax series in
 * s = f/(2+f), plus lo/hi; in vector registers, no call per element.
 * Returns the sum of out[0 .. n-1]. */
double bm_sp_log1p_block(const double *u, double scale, size_t n, double *out);

/* sum_i log1p(u[i] scale), i < n, for u[i] scale >= 0 (NaN: +inf), without
 * the per-row values: the rows' 1 + u multiplied sixteen at a time in a
 * form that keeps tiny arguments exact ((1 + a)(1 + b) = 1 + (a + b + ab)),
 * then one logarithm per sixteen rows; within a few ulp of the sum of
 * bm_sp_log1p_block's values (a product beyond 2^1000 takes that
 * function's path). */
double bm_sp_log1p_sum(const double *u, double scale, size_t n);

/* A set object's coefficients for the single-point Mahalanobis form,
 * computed once per _set: mu, the pivots' reciprocals and the
 * off-diagonal entries scaled by them (l_ij / l_ii, row-packed). ok = 0
 * (p > BM_SP_MAX, or a coefficient not finite) sends every call to the
 * general path. */
typedef struct {
  size_t p;
  int ok;
  double mu[BM_SP_MAX], inv[BM_SP_MAX], l[BM_SP_MAX * (BM_SP_MAX - 1) / 2];
} bm_sp_coef;

void bm_sp_coef_set(bm_sp_coef *c, const gsl_vector *mu, const gsl_matrix *L);

/* (x - mu)^T (L L^T)^{-1} (x - mu) from c (c->ok, x of length c->p):
 * z_i = r_i / l_ii - sum_j (l_ij / l_ii) z_j, the sum over j < i - 1 off the
 * dependency chain, one (fused, where the processor has it) multiply-add per
 * step on it. Not finite when x holds a non-finite entry or the form
 * overflowed: the caller's general path tells the two apart. */
double bm_sp_mahalanobis_coef(const bm_sp_coef *c, const gsl_vector *x);

#endif
