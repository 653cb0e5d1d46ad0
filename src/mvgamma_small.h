/* Internal (not installed): log Gamma_p(a) and psi_p(a) for small p with
 * fewer special-function calls than the term-by-term sums of
 * bayesmat/specfun.h (which call lgamma / digamma p times; at p = 5 those
 * calls are a third of a Wishart log-density).
 *
 * The arguments a - j/2 pair up as (z, z + 1/2), z = a - i - 1/2, and
 * Legendre's duplication formula turns each pair into one function of
 * 2z = 2a - 2i - 1:
 *   lgamma(z) + lgamma(z + 1/2) = (1 - 2z) log 2 + log(pi)/2 + lgamma(2z),
 *   psi(z) + psi(z + 1/2)       = 2 psi(2z) - 2 log 2;
 * the arguments 2z form a sequence of step 2, so that from its smallest
 * member b = 2a - 2P + 1 (P = floor(p/2) pairs)
 *   lgamma(b + 2m) = lgamma(b) + sum_{t < 2m} log(b + t),
 *   psi(b + 2m)    = psi(b) + sum_{t < 2m} 1/(b + t).
 * One lgamma (digamma) for even p, two for odd p (the unpaired a - (p-1)/2),
 * and P - 1 logarithms of two-factor products. Rounding: each term enters
 * with at most p of its own rounding errors, as in the term-by-term sum, so
 * the two agree to a few ulps of the sum of |terms| (tests/test_small_p.c
 * checks 1e-14 against both and against mpmath).
 * Valid for p <= BM_MVG_SMALL_MAX and (p-1)/2 < a < BM_MVG_SMALL_AMAX; the
 * callers use the term-by-term functions outside that range. */
#ifndef BAYESMAT_MVGAMMA_SMALL_H
#define BAYESMAT_MVGAMMA_SMALL_H

#include <stddef.h>

#define BM_MVG_SMALL_MAX 16
/* below this the products (b + t)(b + t + 1) stay far inside double range */
#define BM_MVG_SMALL_AMAX 1e150

/* log Gamma_p(a); outside the range above: bm_lmvgamma(p, a). */
double bm_lmvgamma_small(size_t p, double a);

/* log Gamma_p(nu/2) from nu itself, as bm_lmvgamma_half (bayesmat/specfun.h)
 * but through the paired sum above where nu/2 is exact. */
double bm_lmvgamma_small_half(size_t p, double nu);

/* psi_p(a) = sum_{j<p} psi(a - j/2); outside the range: bm_mvdigamma(p, a). */
double bm_mvdigamma_small(size_t p, double a);

/* psi_p(nu/2) / 2 from nu itself (the d_nu term of the Wishart types), as
 * bm_mvdigamma_half but through the paired sum where nu/2 is exact. */
double bm_mvdigamma_small_halved(size_t p, double nu);

#endif
