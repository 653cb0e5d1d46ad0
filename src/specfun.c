/* Multivariate gamma, digamma, trigamma (see include/bayesmat/specfun.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _DEFAULT_SOURCE /* lgamma_r: glibc's lgamma writes the global signgam */
#include <math.h>
#include "bayesmat/status.h"
#include "bayesmat/specfun.h"
#include "error.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define LOG_PI 1.14472988584940017414342735135305871164729481291531

double bm_lgamma(double x)
{
  if (!(x > 0.0)) return NAN;
  int sign;
  return lgamma_r(x, &sign);
}

/* Asymptotic series are used from x >= 12: the first omitted term of each is
 * below 1e-17 relative there. */
#define ASYMPTOTIC_FROM 12.0

double bm_digamma(double x)
{
  if (!(x > 0.0)) return NAN;
  if (isinf(x)) return x;
  double shift = 0.0;
  while (x < ASYMPTOTIC_FROM) {
    shift -= 1.0 / x;
    x += 1.0;
  }
  double r = 1.0 / (x * x);
  /* psi(x) ~ log x - 1/(2x) - sum B_2k / (2k x^2k) */
  double series = r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132 - r * (691.0 / 32760 - r / 12))))));
  return shift + (log(x) - 0.5 / x - series);
}

double bm_trigamma(double x)
{
  if (!(x > 0.0)) return NAN;
  if (isinf(x)) return 0.0;
  double shift = 0.0;
  while (x < ASYMPTOTIC_FROM) {
    shift += 1.0 / (x * x);
    x += 1.0;
  }
  double r = 1.0 / (x * x);
  /* psi'(x) ~ 1/x + 1/(2x^2) + sum B_2k / x^(2k+1) */
  double series = r * (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66 - r * (691.0 / 2730 - r * 7.0 / 6))))));
  return shift + (1.0 + 0.5 / x + series) / x;
}

#undef BM_FN
#define BM_FN fn /* the public caller, through the macro */
#define check(p, a) check_fn(__func__, p, a)
static int check_fn(const char *fn, size_t p, double a)
{
  if (p == 0) return BM_FAIL(BM_EINVAL, "p = 0");
  if (!isfinite(a)) return BM_FAIL(BM_ENONFINITE, "a = %g is not finite", a);
  if (!(a > 0.5 * ((double)p - 1.0))) return BM_FAIL(BM_EDOM, "a = %.17g must exceed (p - 1)/2 = %.17g", a, 0.5 * ((double)p - 1.0));
  return BM_SUCCESS;
}
#undef BM_FN
#define BM_FN __func__

double bm_lmvgamma(size_t p, double a)
{
  if (check(p, a)) return NAN;
  double s = 0.25 * (double)p * ((double)p - 1.0) * LOG_PI;
  for (size_t j = 0; j < p; j++) s += bm_lgamma(a - 0.5 * (double)j);
  return s;
}

double bm_mvdigamma(size_t p, double a)
{
  if (check(p, a)) return NAN;
  double s = 0.0;
  for (size_t j = 0; j < p; j++) s += bm_digamma(a - 0.5 * (double)j);
  return s;
}

double bm_mvtrigamma(size_t p, double a)
{
  if (check(p, a)) return NAN;
  double s = 0.0;
  for (size_t j = 0; j < p; j++) s += bm_trigamma(a - 0.5 * (double)j);
  return s;
}

#define CHECKED(name, fn)                              \
  int name(size_t p, double a, double *out)            \
  {                                                    \
    if (out == NULL) return BM_FAIL(BM_EINVAL, "out is NULL");                 \
    int status = check(p, a);                          \
    *out = status ? NAN : fn(p, a);                    \
    return status;                                     \
  }
CHECKED(bm_lmvgamma_e, bm_lmvgamma)
CHECKED(bm_mvdigamma_e, bm_mvdigamma)
CHECKED(bm_mvtrigamma_e, bm_mvtrigamma)

/* ---- differences without cancellation --------------------------------- */

double bm_log1pmx(double u)
{
  if (!(u > -1.0)) return u == -1.0 ? -INFINITY : NAN;
  if (fabs(u) > 0.25) return log1p(u) - u;
  /* -u^2/2 + u^3/3 - ...: at |u| <= 1/4 the terms fall by 4x, 27 of them reach 1e-17 */
  double term = u * u, sum = 0.0;
  for (int k = 2; k < 200; k++) {
    double t = (k % 2 ? 1.0 : -1.0) * term / (double)k;
    sum += t;
    if (fabs(t) <= 1e-17 * fabs(sum)) break;
    term *= u;
  }
  return sum;
}

double bm_lgamma_stirling_tail(double x)
{
  if (!(x >= 10.0)) return NAN;
  double r = 1.0 / (x * x);
  return (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680 - r * (1.0 / 1188 - r * (691.0 / 360360 - r / 156)))))) / x;
}

/* From x >= 20 term by term from psi'(x) = 1/x + 1/(2x^2) + sum_j B_2j x^-(2j+1)
 * (truncation < 1e-19 relative there), with x^-m - (x+h)^-m =
 * -x^-m expm1(-m log1p(h/x)) to full relative accuracy: the difference is
 * ~ h/x^2 when each trigamma is ~ 1/x. Below 20, the plain difference
 * (at most ~40 eps relative there). */
double bm_trigamma_diff(double x, double h)
{
  if (!(x > 0.0) || !(h >= 0.0)) return NAN;
  if (isinf(h)) return bm_trigamma(x);
  if (x < 20.0) return bm_trigamma(x) - bm_trigamma(x + h);
  static const double c[] = {1.0, 0.5, 1.0 / 6.0, 0.0, -1.0 / 30.0, 0.0, 1.0 / 42.0, 0.0, -1.0 / 30.0, 0.0, 5.0 / 66.0};
  double l = log1p(h / x), v = 0.0;
  for (int m = 11; m >= 1; m--)
    if (c[m - 1] != 0.0) v += c[m - 1] * (-pow(x, -(double)m) * expm1(-(double)m * l));
  return v;
}
