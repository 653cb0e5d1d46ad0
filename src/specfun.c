/* Multivariate gamma, digamma, trigamma (see include/bayesmat/specfun.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _DEFAULT_SOURCE /* lgamma_r: glibc's lgamma writes the global signgam */
#include <float.h>
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

/* ---- the same at a = nu/2, from nu ------------------------------------ */

#define LN2 0.693147180559945309417232121458176568
/* Below this nu/2 may round (a subnormal result); only p = 1 reaches it. */
#define HALF_INEXACT (4.0 * DBL_MIN)

#undef BM_FN
#define BM_FN fn
#define check_nu(p, nu) check_nu_fn(__func__, p, nu)
static int check_nu_fn(const char *fn, size_t p, double nu)
{
  if (p == 0) return BM_FAIL(BM_EINVAL, "p = 0");
  if (!isfinite(nu)) return BM_FAIL(BM_ENONFINITE, "nu = %g is not finite", nu);
  if (!(nu > (double)p - 1.0)) return BM_FAIL(BM_EDOM, "nu = %.17g must exceed p - 1 = %zu", nu, p - 1);
  return BM_SUCCESS;
}
static int check_range_fn(const char *fn, double v, double nu)
{
  return isfinite(v) ? BM_SUCCESS : BM_FAIL(BM_EDOM, "nu = %g: the value is beyond double range", nu);
}
#undef BM_FN
#define BM_FN __func__

/* At p = 1 and nu < 4 DBL_MIN: lgamma(nu/2) = -log(nu) + log 2 - gamma nu/2 + O(nu^2),
 * the terms after log 2 far below an ulp of the ~700 in front. */
double bm_lmvgamma_half(size_t p, double nu)
{
  if (check_nu(p, nu)) return NAN;
  if (nu < HALF_INEXACT) return LN2 - log(nu);
  return bm_lmvgamma(p, 0.5 * nu);
}

/* psi(x) = psi(x + 1) - 1/x: psi(nu/2)/2 = psi(nu/2 + 1)/2 - 1/nu, where
 * nu/2 + 1 needs no exact nu/2 and -1/nu overflows only with the value. */
double bm_mvdigamma_half(size_t p, double nu)
{
  if (check_nu(p, nu)) return NAN;
  if (nu < HALF_INEXACT) return 0.5 * bm_digamma(1.0 + 0.5 * nu) - 1.0 / nu;
  return 0.5 * bm_mvdigamma(p, 0.5 * nu);
}

/* psi'(x) = psi'(x + 1) + 1/x^2: psi'(nu/2)/4 = psi'(nu/2 + 1)/4 + 1/nu^2, the
 * square as (1/nu)/nu (nu^2 underflows below 1.5e-154 where 1/nu^2 is still
 * finite down to 7.5e-155). Also above the inexact range: below nu = 3e-154
 * psi'(nu/2) ~ 4/nu^2 itself overflows where its quarter does not. */
double bm_mvtrigamma_half(size_t p, double nu)
{
  if (check_nu(p, nu)) return NAN;
  if (nu < 1.0) return 0.25 * bm_trigamma(1.0 + 0.5 * nu) + (1.0 / nu) / nu;
  return 0.25 * bm_mvtrigamma(p, 0.5 * nu);
}

#define CHECKED_HALF(name, fn, ranged)                                  \
  int name(size_t p, double nu, double *out)                            \
  {                                                                     \
    if (out == NULL) return BM_FAIL(BM_EINVAL, "out is NULL");          \
    int status = check_nu(p, nu);                                       \
    *out = status ? NAN : fn(p, nu);                                    \
    if (!status && (ranged)) status = check_range_fn(__func__, *out, nu); \
    if (status) *out = NAN;                                             \
    return status;                                                      \
  }
CHECKED_HALF(bm_lmvgamma_half_e, bm_lmvgamma_half, 0)
CHECKED_HALF(bm_mvdigamma_half_e, bm_mvdigamma_half, 1)
CHECKED_HALF(bm_mvtrigamma_half_e, bm_mvtrigamma_half, 1)

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
 * ~ h/x^2 when each trigamma is ~ 1/x. Below 20 by psi'(y) - psi'(y+1) = 1/y^2
 * up to 20, each 1/y^2 - 1/(y+h)^2 = (a - b)(a + b), a - b = (h/(y+h))/y
 * (a = 1/y, b = 1/(y+h)): the plain difference psi'(x) - psi'(x+h) lost
 * log10(x/h) digits also there (1e-6 relative at x = 0.85, h = 5e-11). */
static double trigamma_diff_asym(double x, double h)
{
  static const double c[] = {1.0, 0.5, 1.0 / 6.0, 0.0, -1.0 / 30.0, 0.0, 1.0 / 42.0, 0.0, -1.0 / 30.0, 0.0, 5.0 / 66.0};
  double l = log1p(h / x), v = 0.0;
  for (int m = 11; m >= 1; m--)
    if (c[m - 1] != 0.0) v += c[m - 1] * (-pow(x, -(double)m) * expm1(-(double)m * l));
  return v;
}

double bm_trigamma_diff(double x, double h)
{
  if (!(x > 0.0) || !(h >= 0.0)) return NAN;
  if (isinf(h)) return bm_trigamma(x);
  if (h == 0.0) return 0.0; /* also where 1/x overflows: no 0 * inf */
  double s = 0.0;
  for (; x < 20.0; x += 1.0) {
    double a = 1.0 / x, b = 1.0 / (x + h);
    s += ((h / (x + h)) / x) * (a + b);
  }
  return s + trigamma_diff_asym(x, h);
}

/* psi(x) ~ log x - 1/(2x) - sum_k B_2k/(2k) x^-2k from x >= 20, so that
 *   psi(x+h) - psi(x) = log1p(h/x) + h/(2x(x+h)) + sum_k B_2k/(2k) [x^-2k - (x+h)^-2k],
 * each bracket -x^-m expm1(-m log1p(h/x)); below 20 by psi(y+1) - psi(y) = 1/y:
 * 1/y - 1/(y+h) = (h/(y+h))/y, no cancellation anywhere. */
double bm_digamma_diff(double x, double h)
{
  if (!(x > 0.0) || !(h >= 0.0) || isinf(x)) return NAN;
  if (isinf(h)) return INFINITY;
  if (h == 0.0) return 0.0;
  double s = 0.0;
  for (; x < 20.0; x += 1.0) s += (h / (x + h)) / x;
  static const double c[] = {1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12};
  double l = log1p(h / x), v = 0.0;
  for (int k = 7; k >= 1; k--) v += c[k - 1] * (-pow(x, -2.0 * k) * expm1(-2.0 * k * l));
  return s + (l + 0.5 * ((h / (x + h)) / x) + v);
}

/* [psi(x/2 + eta/2) - psi(x/2)]/2 from x, eta: below x = 1 the first step of
 * the recurrence in x itself, 1/x - 1/(x + eta) = (eta/(x + eta))/x, since
 * x/2 rounds for a subnormal x (and 2/x can overflow where 1/x does not) */
static double digamma_half_diff1(double x, double eta)
{
  if (eta == 0.0) return 0.0;
  if (x < 1.0) return (eta / (x + eta)) / x + 0.5 * bm_digamma_diff(0.5 * x + 1.0, 0.5 * eta);
  return 0.5 * bm_digamma_diff(0.5 * x, 0.5 * eta);
}

/* [psi'(x/2) - psi'(x/2 + eta/2)]/4 from x, eta, likewise: 1/x^2 - 1/(x + eta)^2 first */
static double trigamma_half_diff1(double x, double eta)
{
  if (eta == 0.0) return 0.0; /* 1/x may overflow: no 0 * inf */
  if (x < 1.0) {
    double a = 1.0 / x, b = 1.0 / (x + eta);
    return ((eta / (x + eta)) / x) * (a + b) + 0.25 * bm_trigamma_diff(0.5 * x + 1.0, 0.5 * eta);
  }
  return 0.25 * bm_trigamma_diff(0.5 * x, 0.5 * eta);
}

static int check_eta(double eta) { return eta >= 0.0 && isfinite(eta); }

/* lgamma(x/2 + eta/2) - lgamma(x/2) from x, eta: from x/2 >= 10 by Stirling's
 * series, (a - 1/2) log1p(h/a) + h log(a + h) - h + st(a + h) - st(a), without
 * the cancellation of two large log Gammas (at a = 5e15, h = 0.5 the plain
 * difference is off by up to an ulp of lgamma(a) = 1.8e17, i.e. 32); below,
 * the plain difference (its terms
 * are then below ~13 + |lgamma(a + h)|), lgamma(x/2) from x itself */
static double lgamma_half_diff1(double x, double eta)
{
  double a = 0.5 * x, h = 0.5 * eta;
  if (eta == 0.0) return 0.0;
  if (x < HALF_INEXACT) { /* x/2 may round: both terms from x and x + eta */
    double y = x + eta;
    return y < HALF_INEXACT ? -log1p(eta / x) : bm_lgamma(0.5 * y) - bm_lmvgamma_half(1, x);
  }
  if (a >= 10.0)
    return (a - 0.5) * log1p(h / a) + h * log(a + h) - h + (bm_lgamma_stirling_tail(a + h) - bm_lgamma_stirling_tail(a));
  return bm_lgamma(a + h) - bm_lgamma(a);
}

double bm_lmvgamma_half_diff(size_t p, double nu, double eta)
{
  if (check_nu(p, nu)) return NAN;
  if (!check_eta(eta)) return NAN;
  double s = 0.0;
  for (size_t j = p; j-- > 0;) s += lgamma_half_diff1(j ? nu - (double)j : nu, eta);
  return s;
}

double bm_mvdigamma_half_diff(size_t p, double nu, double eta)
{
  if (check_nu(p, nu)) return NAN;
  if (!check_eta(eta)) return NAN;
  double s = 0.0;
  for (size_t j = p; j-- > 0;) s += digamma_half_diff1(j ? nu - (double)j : nu, eta);
  return s;
}

double bm_mvtrigamma_half_diff(size_t p, double nu, double eta)
{
  if (check_nu(p, nu)) return NAN;
  if (!check_eta(eta)) return NAN;
  double s = 0.0;
  for (size_t j = p; j-- > 0;) s += trigamma_half_diff1(j ? nu - (double)j : nu, eta);
  return s;
}
