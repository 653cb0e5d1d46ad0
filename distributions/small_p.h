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
/* rows per whitening block (on the stack: BM_SP_ROWS x BM_SP_MAX doubles, twice) */
#define BM_SP_ROWS 64

/* Per block of Mahalanobis forms delta (rows of them, rows first ..
 * first+rows-1 of X; +inf where the form overflowed): add the block's
 * log-densities to *total and write each row's into each (when non-NULL). */
typedef void (*bm_sp_delta_block)(const void *ctx, const double *delta, size_t rows, size_t first, gsl_vector *each,
                                  double *total);

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

/* (x - mu)^T (L L^T)^{-1} (x - mu) for p <= BM_SP_MAX: the pivots' reciprocals
 * are computed first (independent divisions that pipeline), and
 * z_i = r_i / l_ii - sum_j (l_ij / l_ii) z_j: the scaled coefficients do not
 * depend on z, so each step adds one multiply-subtract to the dependency
 * chain. Inlined once per p up to 8 so that the loops unroll. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline double bm_sp_mahalanobis_p(size_t p, const gsl_vector *mu, const gsl_vector *x, const gsl_matrix *L)
{
  size_t tda = L->tda;
  const double *l = L->data;
  double z[BM_SP_MAX], inv[BM_SP_MAX];
  for (size_t i = 0; i < p; i++) inv[i] = 1.0 / l[i * tda + i];
  for (size_t i = 0; i < p; i++) z[i] = x->data[i * x->stride] - mu->data[i * mu->stride];
  double delta = 0.0;
  for (size_t i = 0; i < p; i++) {
    const double *row = l + i * tda;
    double s = z[i] * inv[i];
    for (size_t j = 0; j < i; j++) s -= (row[j] * inv[i]) * z[j];
    z[i] = s;
    delta += s * s;
  }
  return delta;
}

static inline double bm_sp_mahalanobis(const gsl_vector *mu, const gsl_vector *x, const gsl_matrix *L)
{
  switch (L->size1) {
  case 1: return bm_sp_mahalanobis_p(1, mu, x, L);
  case 2: return bm_sp_mahalanobis_p(2, mu, x, L);
  case 3: return bm_sp_mahalanobis_p(3, mu, x, L);
  case 4: return bm_sp_mahalanobis_p(4, mu, x, L);
  case 5: return bm_sp_mahalanobis_p(5, mu, x, L);
  case 6: return bm_sp_mahalanobis_p(6, mu, x, L);
  case 7: return bm_sp_mahalanobis_p(7, mu, x, L);
  case 8: return bm_sp_mahalanobis_p(8, mu, x, L);
  default: return bm_sp_mahalanobis_p(L->size1, mu, x, L);
  }
}

#endif
