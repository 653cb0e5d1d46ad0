/* bayesmat — multivariate gamma, digamma and trigamma.
 *
 *   log Gamma_p(a) = p(p-1)/4 log(pi) + sum_{j=1..p} log Gamma(a + (1-j)/2)
 *   psi_p(a)  = d/da log Gamma_p(a)  = sum_{j=1..p} psi(a + (1-j)/2)
 *   psi'_p(a) = d/da psi_p(a)        = sum_{j=1..p} psi'(a + (1-j)/2)
 * Domain a > (p-1)/2. Implemented without GSL's special functions (whose
 * overflow/underflow paths call GSL's aborting error handler): lgamma_r from
 * libm, digamma and trigamma by recurrence to x >= 12 and the asymptotic
 * series (absolute error < 1e-16 there). Thread-safe.
 * (GSL 2.7's gsl_ran_wishart_log_pdf has a wrong multivariate-gamma term; it
 * is neither used nor a reference.)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_SPECFUN_H
#define BAYESMAT_SPECFUN_H

#include <stddef.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** log Gamma(x) for x > 0; NaN for x <= 0 or NaN. Thread-safe. */
double bm_lgamma(double x);
/** Digamma psi(x) for x > 0; NaN for x <= 0 or NaN. */
double bm_digamma(double x);
/** Trigamma psi'(x) for x > 0; NaN for x <= 0 or NaN. */
double bm_trigamma(double x);

/** log Gamma_p(a); NaN for p = 0, a not finite, or a <= (p-1)/2 (bm_lmvgamma_e says which). */
double bm_lmvgamma(size_t p, double a);
/** psi_p(a); NaN outside the domain. */
double bm_mvdigamma(size_t p, double a);
/** psi'_p(a); NaN outside the domain. */
double bm_mvtrigamma(size_t p, double a);

/* The same three functions at a = nu/2, formed from nu itself. nu/2 rounds
 * when nu is subnormal (possible only at p = 1, where nu > 0 is the domain):
 * log Gamma(nu/2) through -log(nu/2) would then be off by up to 1e-7 (nu =
 * 3e-317), and psi(nu/2) ~ -2/nu overflows where the half -1/nu that a
 * derivative in nu needs is finite. Use these wherever a degrees-of-freedom
 * parameter nu enters as Gamma_p(nu/2). Domain: p >= 1, nu finite, nu > p - 1. */

/** log Gamma_p(nu/2); NaN outside the domain (bm_lmvgamma_half_e says which). */
double bm_lmvgamma_half(size_t p, double nu);
/** psi_p(nu/2)/2 = d/dnu log Gamma_p(nu/2); NaN outside the domain; -INFINITY
 *  where the value is below -DBL_MAX (p = 1, nu < ~5.6e-309: about -1/nu). */
double bm_mvdigamma_half(size_t p, double nu);
/** psi'_p(nu/2)/4 = d^2/dnu^2 log Gamma_p(nu/2); NaN outside the domain;
 *  +INFINITY where the value exceeds DBL_MAX (p = 1, nu < ~7.5e-155: about 1/nu^2). */
double bm_mvtrigamma_half(size_t p, double nu);

/** log(1 + u) - u for u > -1, to full relative accuracy also for small |u|
 *  (a series for |u| <= 1/4); -INFINITY at u = -1, NaN below or for NaN. */
double bm_log1pmx(double u);

/** The Stirling remainder lgamma(x) - [(x - 1/2) log x - x + log(2 pi)/2]
 *  for x >= 10 (relative error < 4e-15, absolute < 3e-17: measured against
 *  mpmath over x in [10, 200], tests/test_surface.c); NaN for x < 10 or NaN. With it,
 *  differences of log Gamma at large arguments are formed without cancellation. */
double bm_lgamma_stirling_tail(double x);

/** psi'(x) - psi'(x + h) for x > 0, h >= 0 (h = +inf: psi'(x)), to ~1e-15
 *  relative accuracy at every x and h (asymptotic series term by term from
 *  x >= 20, the recurrence psi'(y) = psi'(y+1) + 1/y^2 below, each
 *  1/y^2 - 1/(y+h)^2 formed without cancellation: the plain difference loses
 *  ~ log10(x / h) digits); +INFINITY where the value exceeds DBL_MAX; NaN
 *  outside the domain. */
double bm_trigamma_diff(double x, double h);

/** psi(x + h) - psi(x) for finite x > 0, h >= 0 (h = +inf: +INFINITY), to
 *  ~1e-15 relative accuracy at every x and h, as bm_trigamma_diff; NaN
 *  outside the domain. */
double bm_digamma_diff(double x, double h);

/** log Gamma_p((nu + eta)/2) - log Gamma_p(nu/2) for nu as bm_lmvgamma_half
 *  (finite, > p - 1) and finite eta >= 0, term by term: from (nu - j)/2 >= 10
 *  by Stirling's series without forming the two large log Gammas (their
 *  plain difference is off by eps |log Gamma_p(nu/2)|, ~40 absolute at nu =
 *  1e16), below as a plain difference (absolute error a few ulps of its
 *  terms), the log Gamma of a subnormal nu/2 from nu; +INFINITY where the
 *  value exceeds DBL_MAX; NaN outside the domain. */
double bm_lmvgamma_half_diff(size_t p, double nu, double eta);

/** [psi_p((nu + eta)/2) - psi_p(nu/2)]/2 = d/dnu [log Gamma_p((nu+eta)/2) -
 *  log Gamma_p(nu/2)] at fixed eta, for nu as bm_lmvgamma_half (finite, >
 *  p - 1) and finite eta >= 0, term by term without cancellation (the plain
 *  difference of two bm_mvdigamma_half loses everything when eta is below
 *  eps nu: 2e-154 + 1e-300 rounds to 2e-154) and from nu itself (nu/2 rounds
 *  for a subnormal nu). +INFINITY where the value exceeds DBL_MAX (nu below
 *  ~5.6e-309 and eta not tiny); NaN outside the domain. */
double bm_mvdigamma_half_diff(size_t p, double nu, double eta);

/** [psi'_p(nu/2) - psi'_p((nu + eta)/2)]/4 (>= 0), arguments, accuracy and
 *  overflow as bm_mvdigamma_half_diff (+INFINITY for nu below ~1e-154). */
double bm_mvtrigamma_half_diff(size_t p, double nu, double eta);

/**
 * Checked log Gamma_p(a): *out <- the value.
 * @param p    dimension, >= 1
 * @param a    argument, finite, > (p-1)/2
 * @param out  out; NaN on failure
 * @return BM_SUCCESS; BM_EINVAL (out NULL or p = 0); BM_ENONFINITE (a NaN or
 *         +-Inf); BM_EDOM (a <= (p-1)/2).
 */
int bm_lmvgamma_e(size_t p, double a, double *out);
/** Checked psi_p(a); arguments and statuses as bm_lmvgamma_e. */
int bm_mvdigamma_e(size_t p, double a, double *out);
/** Checked psi'_p(a); arguments and statuses as bm_lmvgamma_e. */
int bm_mvtrigamma_e(size_t p, double a, double *out);

/**
 * Checked log Gamma_p(nu/2) from nu: *out <- the value.
 * @param p    dimension, >= 1
 * @param nu   finite, > p - 1 (any nu > 0 at p = 1, subnormal included)
 * @param out  out; NaN on failure
 * @return BM_SUCCESS; BM_EINVAL (out NULL or p = 0); BM_ENONFINITE (nu NaN or
 *         +-Inf); BM_EDOM (nu <= p - 1).
 */
int bm_lmvgamma_half_e(size_t p, double nu, double *out);
/** Checked psi_p(nu/2)/2; arguments and statuses as bm_lmvgamma_half_e, plus
 *  BM_EDOM when the value is beyond double range (p = 1, nu < ~5.6e-309). */
int bm_mvdigamma_half_e(size_t p, double nu, double *out);
/** Checked psi'_p(nu/2)/4; arguments and statuses as bm_lmvgamma_half_e, plus
 *  BM_EDOM when the value is beyond double range (p = 1, nu < ~7.5e-155). */
int bm_mvtrigamma_half_e(size_t p, double nu, double *out);

BM_END_DECLS
#endif
