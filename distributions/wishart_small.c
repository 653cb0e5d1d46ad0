/* The small-p value kernel of the Wishart and inverse-Wishart densities
 * (wishart_common.h, bm_wt_small_whiten).
 *
 * One pass with the variate's factor held in registers: copy X's lower
 * triangle, factor it (bm_sl_chol_local, the general path's own kernel),
 * log|X| as bm_chol_logdet forms it, then only the lower triangle of the
 * triangular solve. The general path solves against the whole p x p block
 * (its strict upper triangle zeros) through three calls and two copies;
 * the operations here are the ones of its lower triangle in the same order
 * (the skipped ones subtract exact zeros), so the results are the same
 * numbers. At p = 5 this is a fifth of the general path's time.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include "small_linalg.h"
#include "wishart_common.h"

BM_SL_INLINE size_t whiten_p(const double *X, size_t ldx, const double *LP, size_t ldp, int inverse, double *M,
                             double *LX, double *logdet_X, double *ss, size_t p)
{
  double l[BM_SL_MAX][BM_SL_MAX];
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) l[i][j] = X[i * ldx + j];
  size_t k = bm_sl_chol_local(l, p);
  if (k) return k;
  /* log|X| exactly as bm_chol_logdet: one log of the product when it is normal */
  double prod = 1.0;
  for (size_t i = 0; i < p; i++) prod *= l[i][i];
  if (prod >= DBL_MIN && prod <= DBL_MAX) {
    *logdet_X = 2.0 * log(prod);
  } else {
    double s = 0.0;
    for (size_t i = 0; i < p; i++) s += log(l[i][i]);
    *logdet_X = 2.0 * s;
  }
  if (LX)
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) LX[i * p + j] = j <= i ? l[i][j] : 0.0;
  /* M = T^-1 B by rows (bm_sl_solve_lower's order): Wishart T = L_S, B = L_X;
   * inverse Wishart T = L_X, B = L_Psi */
  double m[BM_SL_MAX][BM_SL_MAX];
  for (size_t i = 0; i < p; i++) {
    double tii = inverse ? l[i][i] : LP[i * ldp + i], d = 1.0 / tii;
    for (size_t j = 0; j <= i; j++) {
      double s = inverse ? LP[i * ldp + j] : l[i][j];
      for (size_t c = j; c < i; c++) s -= (inverse ? l[i][c] : LP[i * ldp + c]) * m[c][j];
      m[i][j] = isfinite(d) ? s * d : s / tii; /* a subnormal pivot: its reciprocal overflows */
    }
  }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) M[i * p + j] = j <= i ? m[i][j] : 0.0;
  /* the sums of squares in bm_wt_half_sumsq's order, from registers */
  double full = 0.0, strict = 0.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      full += m[i][j] * m[i][j];
      if (j < i) strict += m[i][j] * m[i][j];
    }
  ss[0] = full;
  ss[1] = strict;
  return 0;
}

BM_SL_SCALAR static size_t whiten_wishart(const double *X, size_t ldx, const double *LP, size_t ldp, double *M,
                                          double *LX, double *logdet_X, double *ss, size_t p)
{
  BM_SL_UNROLLED(whiten_p, p, X, ldx, LP, ldp, 0, M, LX, logdet_X, ss)
}

BM_SL_SCALAR static size_t whiten_inverse(const double *X, size_t ldx, const double *LP, size_t ldp, double *M,
                                          double *LX, double *logdet_X, double *ss, size_t p)
{
  BM_SL_UNROLLED(whiten_p, p, X, ldx, LP, ldp, 1, M, LX, logdet_X, ss)
}

size_t bm_wt_small_whiten(const gsl_matrix *X, const gsl_matrix *L_P, int inverse, double *M, double *LX,
                          double *logdet_X, double *sumsq)
{
  size_t p = X->size1;
  double ss[2];
  size_t k = inverse ? whiten_inverse(X->data, X->tda, L_P->data, L_P->tda, M, LX, logdet_X, ss, p)
                     : whiten_wishart(X->data, X->tda, L_P->data, L_P->tda, M, LX, logdet_X, ss, p);
  if (sumsq) {
    sumsq[0] = ss[0];
    sumsq[1] = ss[1];
  }
  return k;
}
