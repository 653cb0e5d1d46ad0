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

/** log(1 + u) - u for u > -1, to full relative accuracy also for small |u|
 *  (a series for |u| <= 1/4); -INFINITY at u = -1, NaN below or for NaN. */
double bm_log1pmx(double u);

/** The Stirling remainder lgamma(x) - [(x - 1/2) log x - x + log(2 pi)/2]
 *  for x >= 10 (relative error < 4e-15, absolute < 3e-17: measured against
 *  mpmath over x in [10, 200], tests/test_surface.c); NaN for x < 10 or NaN. With it,
 *  differences of log Gamma at large arguments are formed without cancellation. */
double bm_lgamma_stirling_tail(double x);

/** psi'(x) - psi'(x + h) for x > 0, h >= 0 (h = +inf: psi'(x)), to ~1e-15
 *  relative accuracy at every x (asymptotic series term by term from x >= 20;
 *  the plain difference, which loses ~ log10(x / h) digits at large x, is
 *  never formed there); NaN outside the domain. */
double bm_trigamma_diff(double x, double h);

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

BM_END_DECLS
#endif
