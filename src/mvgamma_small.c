/* log Gamma_p and psi_p from one or two special-function calls
 * (src/mvgamma_small.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include "bayesmat/specfun.h"
#include "mvgamma_small.h"

#define LN2 0.693147180559945309417232121458176568
#define LOG_PI 1.14472988584940017414342735135305871

static int in_range(size_t p, double a)
{
  return p >= 1 && p <= BM_MVG_SMALL_MAX && a > 0.5 * ((double)p - 1.0) && a < BM_MVG_SMALL_AMAX;
}

double bm_lmvgamma_small(size_t p, double a)
{
  if (!in_range(p, a)) return bm_lmvgamma(p, a);
  size_t P = p / 2;
  double pd = (double)p, Pd = (double)P;
  double s = 0.25 * pd * (pd - 1.0) * LOG_PI;
  if (p % 2) s += bm_lgamma(a - 0.5 * (pd - 1.0)); /* the unpaired smallest argument */
  if (P == 0) return s;
  double b = 2.0 * a - 2.0 * Pd + 1.0;
  /* sum over pairs of (1 - 2z) log 2 + log(pi)/2, 2z = b + 2m, m < P */
  double logs = 0.0;
  for (size_t u = 0; u + 1 < P; u++) { /* log(b+t) for t = 2u, 2u+1 enters P-1-u of the lgamma(b+2m) */
    double t = 2.0 * (double)u;
    logs += (Pd - 1.0 - (double)u) * log((b + t) * (b + t + 1.0));
  }
  double lin = Pd * (1.0 - b) - Pd * (Pd - 1.0); /* sum_m (1 - b - 2m) */
  return s + (Pd * bm_lgamma(b) + logs) + (lin * LN2 + 0.5 * Pd * LOG_PI);
}

double bm_lmvgamma_small_half(size_t p, double nu)
{
  if (nu < 4.0 * DBL_MIN) return bm_lmvgamma_half(p, nu); /* p = 1: nu/2 may round */
  return bm_lmvgamma_small(p, 0.5 * nu);
}

double bm_mvdigamma_small(size_t p, double a)
{
  if (!in_range(p, a)) return bm_mvdigamma(p, a);
  size_t P = p / 2;
  double pd = (double)p, Pd = (double)P;
  double s = p % 2 ? bm_digamma(a - 0.5 * (pd - 1.0)) : 0.0;
  if (P == 0) return s;
  double b = 2.0 * a - 2.0 * Pd + 1.0;
  double inv = 0.0;
  for (size_t u = 0; u + 1 < P; u++) {
    double t = 2.0 * (double)u;
    inv += (Pd - 1.0 - (double)u) * (1.0 / (b + t) + 1.0 / (b + t + 1.0));
  }
  /* sum over pairs of 2 psi(b + 2m) - 2 log 2 */
  return s + (2.0 * (Pd * bm_digamma(b) + inv) - 2.0 * Pd * LN2);
}

double bm_mvdigamma_small_halved(size_t p, double nu)
{
  if (nu < 4.0 * DBL_MIN) return bm_mvdigamma_half(p, nu); /* p = 1: nu/2 may round */
  return 0.5 * bm_mvdigamma_small(p, 0.5 * nu);
}
