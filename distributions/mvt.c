/* bayesmat — multivariate t t_p(nu, mu, Sigma) (include/bayesmat/mvt.h).
 *
 *   log f(x) = log Gamma(k/2) - log Gamma(nu/2) - p/2 log(nu pi) - 1/2 log|Sigma|
 *              - k/2 log(1 + delta/nu),  k = nu + p,  delta = (x-mu)^T Sigma^{-1} (x-mu)
 *   theta = (mu, vech Sigma, nu).
 * Fisher information: docs/fisher.md (Lange, Little & Taylor 1989 plus
 * the nu blocks); derivations of the gradient, Hessian and of the stable
 * large-nu forms in docs/mvt.md.
 * Numerics: Sigma = L L^T; log|Sigma| from L; delta = |L^{-1} r|^2;
 * Lambda = Sigma^{-1} computed on first use and cached behind a C11 atomic
 * once-flag (distributions/vector_common.c, shared with mvn.c: _set +
 * batched log-likelihood pays no dpotri);
 * log1p(delta/nu) (far tails stay finite and accurate); the normalizing
 * constant and the nu-score (for nu/2 >= 10) and I_nunu (for nu/2 >= 8, and
 * by an upward recurrence into that range below) are evaluated from
 * asymptotic series of the *differences* lgamma(a+h) - lgamma(a) - h log a,
 * psi(a+h) - psi(a) - h/a and psi'(a) - psi'(a+h) - (rational term), with
 * a = nu/2, h = p/2, because the textbook forms cancel catastrophically
 * (at nu = 1e8 the constant loses ~7 digits, I_nunu all of them).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "bayesmat/alloc.h"
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/specfun.h"
#include "bayesmat/random.h"
#include "bayesmat/mvt.h"
#include "work.h"
#include "vector_common.h"
#include "small_p.h"
#include "mid_p.h"
#include "../src/error.h"

/* a = nu/2 from which the asymptotic difference formulas are used */
#define ASYMPTOTIC_A 10.0
#define ASYMPTOTIC_A_TRIGAMMA 8.0

struct bm_mvt {
  size_t p, q;
  int is_set;
  double nu;
  gsl_vector *mu;
  gsl_matrix *Sigma, *L, *Lambda; /* Lambda valid once lambda_state == 2 */
  atomic_int lambda_state;         /* 0: not computed, 1: being computed, 2: valid */
  double logdet;
  double lognorm; /* log Gamma(k/2) - log Gamma(nu/2) - p/2 log(nu pi) - 1/2 log|Sigma| */
  double dnu_const; /* [psi(k/2) - psi(nu/2) - p/nu]/2 */
  double lg_ratio, dg_ratio; /* lgamma_ratio and half_digamma_ratio at (nu, p/2), reused by a _set with the same nu */
  gsl_matrix *S1, *S2; /* scratch of _set */
};

/* ---- scalar special-function differences (see header comment) ------------ */

/* Stirling correction lgamma(x) - [(x-1/2) log x - x + log(2 pi)/2], x >= 10. */
static double stirling_tail(double x)
{
  double r = 1.0 / (x * x);
  return (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680 - r * (1.0 / 1188 - r * (691.0 / 360360 - r / 156)))))) / x;
}

/* log Gamma(a+h) - log Gamma(a) - h log a, a = nu/2, formed from nu: below
 * a = 1 through Gamma(a) = Gamma(a+1)/a, i.e. lgamma(a+h) - lgamma(a+1) +
 * (1-h) log a with log a = log nu - log 2 (nu/2 rounds for a subnormal nu, and
 * at p = 2 the two log a cancel exactly). */
static double lgamma_ratio(double nu, double h)
{
  double a = 0.5 * nu;
  if (a >= ASYMPTOTIC_A) return (a + h - 0.5) * log1p(h / a) - h + stirling_tail(a + h) - stirling_tail(a);
  if (a < 1.0) return bm_lgamma(a + h) - bm_lgamma(a + 1.0) + (1.0 - h) * (log(nu) - M_LN2);
  return bm_lgamma(a + h) - bm_lgamma(a) - h * log(a);
}

/* digamma(x) - [log x - 1/(2x)], x >= 10 */
static double digamma_tail(double x)
{
  double r = 1.0 / (x * x);
  return -r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132 - r * (691.0 / 32760 - r / 12))))));
}

/* [psi(a+h) - psi(a) - h/a]/2, a = nu/2, from nu: below a = 1 through
 * psi(a) = psi(a+1) - 1/a, the 1/a terms as (1-h)/nu (zero at p = 2; 2/nu
 * overflows for nu < 1.2e-308 where the half need not) */
static double half_digamma_ratio(double nu, double h)
{
  double a = 0.5 * nu;
  if (a >= ASYMPTOTIC_A)
    return 0.5 * (bm_log1pmx(h / a) + h / (2.0 * a * (a + h)) + digamma_tail(a + h) - digamma_tail(a));
  if (a < 1.0) return 0.5 * (bm_digamma(a + h) - bm_digamma(a + 1.0)) + (1.0 - h) / nu;
  return 0.5 * (bm_digamma(a + h) - bm_digamma(a)) - h / nu;
}

/* x^{-m} - (x+h)^{-m}, relative accuracy, x > 0, h >= 0 */
static double inv_power_diff(double x, double h, int m)
{
  return -expm1(-(double)m * log1p(h / x)) * pow(x, -(double)m);
}

/* psi'(a) - psi'(a+h) - h(a+h+2)/(a(a+h)(a+h+1)) = 4 I_nunu (a = nu/2, h = p/2).
 * With b = a+h and psi'(x) = 1/x + 1/(2x^2) + sum_k B_2k x^{-2k-1}: the terms
 * 1/x and 1/(2x^2) combine with the rational part exactly into
 * E = h(bh + a + b)/(2 a^2 b^2 (b+1)) (no cancellation); the rest is a sum
 * of x^{-m} - (x+h)^{-m} with m odd >= 3 (m <= 29), each computed to full
 * relative accuracy. Leading behaviour h(h+3)/(2a^4). */
/* the rational term h(x+h+2)/(x(x+h)(x+h+1)) of 4 I_nunu */
static double nunu_rational(double x, double h)
{
  double b = x + h;
  return h * (b + 2.0) / (x * b * (b + 1.0));
}

static double fisher_nunu_bracket(double a, double h)
{
  double b = a + h;
  if (a < ASYMPTOTIC_A_TRIGAMMA) {
    /* psi'(x) - psi'(x+1) = 1/x^2, so F(x) = F(x+1) + g(x) with
     * g(x) = [x^-2 - (x+h)^-2] - R(x) + R(x+1): shift up to the asymptotic
     * range (the cancellation inside each g is mild: <= ~20 eps here) */
    double sum = 0.0, x = a;
    while (x < ASYMPTOTIC_A_TRIGAMMA) {
      sum += inv_power_diff(x, h, 2) - nunu_rational(x, h) + nunu_rational(x + 1.0, h);
      x += 1.0;
    }
    return sum + fisher_nunu_bracket(x, h);
  }
  /* Bernoulli numbers B_2 .. B_28: at a >= 8 the truncation is < 2e-15 of the result */
  static const double B[14] = {1.0 / 6,          -1.0 / 30,          1.0 / 42,           -1.0 / 30,
                               5.0 / 66,         -691.0 / 2730,      7.0 / 6,            -3617.0 / 510,
                               43867.0 / 798,    -174611.0 / 330,    854513.0 / 138,     -236364091.0 / 2730,
                               8553103.0 / 6,    -23749461029.0 / 870};
  /* E written to avoid overflow for huge a */
  double E = 0.5 * h * ((b * h + a + b) / (a * b)) / (a * b) / (b + 1.0);
  double tail = 0.0;
  for (int k = 13; k >= 0; k--) tail += B[k] * inv_power_diff(a, h, 2 * k + 3);
  return E + tail;
}

int bm_mvt_fisher_nunu(size_t p, double nu, double *out)
{
  if (!out) return BM_FAIL(BM_EINVAL, "out is NULL");
  *out = NAN;
  if (p == 0) return BM_FAIL(BM_EINVAL, "p = 0");
  int status = bm_validate_greater(nu, 0.0);
  if (status) return status;
  double v = 0.25 * fisher_nunu_bracket(0.5 * nu, 0.5 * (double)p);
  /* ~ 1/nu^2 for small nu (p/(2 nu^2) ... ): beyond range below nu ~ 1e-154 */
  if (!isfinite(v)) return BM_FAIL(BM_EDOM, "nu = %g: I_nunu is beyond double range", nu);
  *out = v;
  return BM_SUCCESS;
}

/* ---- object ------------------------------------------------------------- */

/* the object's p x p matrices, as bm_square_matrices_calloc / bm_matrices_free take them */
#define MVT_MATRICES(d) 5, (gsl_matrix **const[]){&(d)->Sigma, &(d)->L, &(d)->Lambda, &(d)->S1, &(d)->S2}

bm_mvt *bm_mvt_alloc(size_t p)
{
  if (p == 0) return NULL;
  bm_mvt *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->p = p;
  d->q = bm_vech_len(p);
  atomic_init(&d->lambda_state, 0);
  d->mu = bm_vector_calloc(p);
  if (!d->mu || bm_square_matrices_calloc(MVT_MATRICES(d), p)) {
    bm_mvt_free(d);
    return NULL;
  }
  return d;
}

void bm_mvt_free(bm_mvt *d)
{
  if (!d) return;
  bm_vector_free(d->mu);
  bm_matrices_free(MVT_MATRICES(d));
  free(d);
}

int bm_mvt_set(bm_mvt *d, double nu, const gsl_vector *mu, const gsl_matrix *Sigma)
{
  if (!d) return BM_FAIL(BM_EINVAL, "d is NULL");
  int status = bm_validate_vector(mu, d->p);
  if (!status) status = bm_validate_spd(Sigma, d->p, d->S2, NULL);
  if (!status) status = bm_validate_greater(nu, 0.0);
  if (status) return status;
  size_t p = d->p;
  /* nu below ~1e-308 (p != 2): d log f / d nu ~ 1/nu, cached below, is beyond
   * double range; BM_EDOM (nothing changes) rather than inf or NaN later */
  /* nu's constants (two lgamma, two digamma: a third of a p = 5 _set) are
   * kept while nu stays, as in a sampler that moves mu and Sigma at fixed nu */
  double h = 0.5 * (double)p, lg, dg;
  if (d->is_set && nu == d->nu) {
    lg = d->lg_ratio;
    dg = d->dg_ratio;
  } else {
    lg = lgamma_ratio(nu, h);
    dg = half_digamma_ratio(nu, h);
  }
  if (!isfinite(lg) || !isfinite(dg))
    return BM_FAIL(BM_EDOM, "nu = %g: the normalizing constant is beyond double range", nu);
  bm_vc_copy_sym_lower(Sigma, d->S1);
  gsl_vector_memcpy(d->mu, mu);
  bm_vc_swap_matrix(&d->Sigma, &d->S1);
  bm_vc_swap_matrix(&d->L, &d->S2);
  atomic_store_explicit(&d->lambda_state, 0, memory_order_release);
  d->nu = nu;
  d->logdet = bm_chol_logdet(d->L);
  /* lgamma(k/2) - lgamma(nu/2) - h log(nu pi) = lgamma_ratio + h log(nu/2) - h log nu - h log pi */
  d->lognorm = lg - h * (BM_VC_LOG_2PI) - 0.5 * d->logdet;
  d->dnu_const = dg;
  d->lg_ratio = lg;
  d->dg_ratio = dg;
  d->is_set = 1;
  return BM_SUCCESS;
}

size_t bm_mvt_nparams(const bm_mvt *d) { return d ? d->p + d->q + 1 : 0; }

size_t bm_mvt_dim(const bm_mvt *d) { return d ? d->p : 0; }

/* ---- helpers ---------------------------------------------------------------- */

static int check_obj_fn(const char *fn, const bm_mvt *d)
{
  return d && d->is_set ? BM_SUCCESS : bm_error_set(BM_EINVAL, fn, d ? "d has not been set" : "d is NULL");
}
#define check_obj(d) check_obj_fn(__func__, d)

/* Lambda = Sigma^{-1}, computed once per _set by the first caller that needs
 * it (vector_common.c; the object was allocated non-const). */
static const gsl_matrix *precision(const bm_mvt *dc)
{
  bm_mvt *d = (bm_mvt *)dc;
  return bm_vc_precision(&d->lambda_state, d->L, d->Lambda);
}

/* log(1 + u), u >= 0, to ~1 ulp: with hi = fl(1 + u) and its exact rounding
 * error lo = u - (hi - 1), log(1 + u) = log(hi) + log1p(lo/hi) = log(hi) + lo/hi
 * (|lo/hi| <= eps/2). glibc's log is ~1.5x faster than its log1p, which is
 * the whole difference between the mvt and mvn batches at small p. */
static inline double log1p_pos(double u)
{
  if (isnan(u)) return INFINITY; /* delta from finite inputs is NaN only after overflow (inf - inf in the solve) */
  double hi = 1.0 + u;
  if (!(hi < 1e300)) return log1p(u); /* huge or infinite delta */
  double lo = u - (hi - 1.0);
  return log(hi) + lo / hi;
}


/* [psi(k/2) - psi(nu/2)]/2 */
static double half_digamma_diff(const bm_mvt *d)
{
  double a = 0.5 * d->nu, h = 0.5 * (double)d->p;
  if (a >= ASYMPTOTIC_A) return d->dnu_const + 0.5 * (h / a);
  if (a < 1.0) return 0.5 * (bm_digamma(a + h) - bm_digamma(a + 1.0)) + 1.0 / d->nu; /* as half_digamma_ratio */
  return 0.5 * (bm_digamma(a + h) - bm_digamma(a));
}

/* log(1 + delta/nu) for delta = ds 4^e (e > 0: delta itself may overflow) */
static double log1p_scaled(double nu, double ds, int e)
{
  if (e == 0 && ds / nu < 1e300) return log1p_pos(ds / nu);
  double l = log(ds) + (2.0 * (double)e) * M_LN2 - log(nu); /* log(delta/nu) */
  return l + log1p(exp(-l));
}

/* d log f / d nu at delta = ds 4^e. Two equal forms:
 *   [psi(k/2) - psi(nu/2) - p/nu]/2 - [log1p(t) - t]/2 + delta(p - delta)/(2 nu s),  t = delta/nu,
 *   [psi(k/2) - psi(nu/2)]/2 - log1p(t)/2 + (delta - p)/(2 s),                       s = nu + delta.
 * The first cancels like t eps once t >> 1 (its last two terms are each
 * ~ t/2), the second like eps/t for t << 1 (and for large nu); each is used
 * where it does not cancel. */
static double dnu_scaled(const bm_mvt *d, double ds, int e)
{
  double nu = d->nu, pd = (double)d->p;
  if (e == 0 && ds <= nu) {
    /* t (p - delta)/(2 s): 2 nu s underflows below nu ~ 1e-154 (0/0 at delta = 0,
     * inf for a tiny delta where the term is ~ delta p / (2 nu^2), representable) */
    double s = nu + ds, t = ds / nu;
    return d->dnu_const - 0.5 * bm_log1pmx(t) + (ds == 0.0 ? 0.0 : t * ((pd - ds) / (2.0 * s)));
  }
  double nus = ldexp(nu, -2 * e), ps = ldexp(pd, -2 * e); /* nu 4^-e, p 4^-e */
  return half_digamma_diff(d) - 0.5 * log1p_scaled(nu, ds, e) + 0.5 * ((ds - ps) / (nus + ds)); /* 2 s can overflow */
}

/* d log f / d nu from delta */
static double dnu_delta(const bm_mvt *d, double delta)
{
  return dnu_scaled(d, delta, 0);
}

/* a <- Lambda r 2^-e (want_a) or L^{-1} r 2^-e, r = x - mu; returns delta 4^-e.
 * e = 0 (the plain evaluation) unless it overflowed, or, with want_a, delta
 * or some |a_i| exceeds 2^400 (products of up to four such factors in the
 * Hessian must neither overflow nor underflow); then r is scaled by a power
 * of two (exact) so that L^{-1} r 2^-e is of order one. */
/* The far-tail fallback in long double (exponent range 2^+-16382 on x86-64
 * and aarch64): x - mu and the factor may together span more than double's
 * 2^2098, where no power-of-two scaling of the residual keeps both the large
 * and the small whitened entries representable. Returns 0 when it cannot
 * help (p above its stack buffer, or delta still 0 or not finite). */
#define MVT_WIDE_MAX 64
static int whiten_wide(const bm_mvt *d, const gsl_vector *x, double *a, int want_a, double *ds, int *e)
{
  size_t p = d->p;
  /* long double as wide as double (some ABIs; also valgrind's emulation of
   * x87): nothing to gain, and the scaled double path below is exact enough */
  volatile long double big = (long double)DBL_MAX;
  big = big * big;
  if (p > MVT_WIDE_MAX || !(big < (long double)INFINITY) || ilogbl(big) < 2000) return 0;
  long double z[MVT_WIDE_MAX], delta = 0.0L;
  const gsl_matrix *L = d->L;
  for (size_t i = 0; i < p; i++) {
    long double t = (long double)gsl_vector_get(x, i) - (long double)gsl_vector_get(d->mu, i);
    for (size_t j = 0; j < i; j++) t -= (long double)gsl_matrix_get(L, i, j) * z[j];
    z[i] = t / (long double)gsl_matrix_get(L, i, i);
    delta += z[i] * z[i];
  }
  if (!(delta > 0.0L) || !isfinite(delta)) return 0;
  int ex = ilogbl(delta) / 2; /* delta = ds 4^ex with ds in [1, 4) */
  if (want_a) /* a = L^-T z = Lambda r, returned as Lambda r 2^-ex */
    for (size_t i = p; i-- > 0;) {
      long double t = z[i];
      for (size_t j = i + 1; j < p; j++) t -= (long double)gsl_matrix_get(L, j, i) * z[j];
      z[i] = t / (long double)gsl_matrix_get(L, i, i);
      a[i] = (double)ldexpl(z[i], -ex);
    }
  *ds = (double)ldexpl(delta, -2 * ex);
  *e = ex;
  /* a result that is not a clean scaled pair (an emulated long double, as
   * under valgrind, can lose the range midway): leave it to the double path */
  int ok = *ds >= 0.5 && *ds <= 8.0;
  for (size_t i = 0; ok && want_a && i < p; i++) ok = isfinite(a[i]);
  return ok;
}

static double whiten_scaled(const bm_mvt *d, const gsl_vector *x, double *a, int want_a, int *e)
{
  size_t p = d->p;
  bm_vc_residual(d->mu, x, a);
  double delta = want_a ? bm_vc_precision_times(d->L, a) : bm_vc_whiten(d->L, a);
  *e = 0;
  int ok = want_a ? delta <= 0x1p400 : isfinite(delta);
  for (size_t i = 0; ok && want_a && i < p; i++) ok = fabs(a[i]) <= 0x1p400;
  if (ok) return delta;
  double wide;
  if (whiten_wide(d, x, a, want_a, &wide, e)) return wide;
  double m = 0.0, lmin = INFINITY;
  for (size_t i = 0; i < p; i++) {
    m = fmax(m, fmax(fabs(gsl_vector_get(x, i)), fabs(gsl_vector_get(d->mu, i))));
    lmin = fmin(lmin, gsl_matrix_get(d->L, i, i));
  }
  int ex = ilogb(m) + 1 - ilogb(lmin);
  for (size_t i = 0; i < p; i++)
    a[i] = ldexp(gsl_vector_get(x, i), -ex) - ldexp(gsl_vector_get(d->mu, i), -ex);
  *e = ex;
  double ds = want_a ? bm_vc_precision_times(d->L, a) : bm_vc_whiten(d->L, a);
  /* still inf - inf inside the substitution (a factor spanning ~2^2000 in
   * scale): the form is beyond double range even scaled, log f = -inf as for
   * the mvn; the gradient paths see the non-finite a and answer BM_EDOM */
  return isnan(ds) ? INFINITY : ds;
}

static int all_finite(const double *v, size_t n, size_t stride)
{
  double z = 0.0;
  for (size_t i = 0; i < n; i++) z += v[i * stride] * 0.0;
  return z == 0.0;
}

static int matrix_finite(const gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++)
    if (!all_finite(A->data + i * A->tda, A->size2, 1)) return 0;
  return 1;
}

/* ---- single point ------------------------------------------------------------ */

int bm_mvt_logpdf(const bm_mvt *d, const gsl_vector *x, double *lp)
{
  if (!lp) return BM_FAIL(BM_EINVAL, "lp is NULL");
  *lp = NAN;
  int status = check_obj(d);
  if (!status) status = bm_validate_vector(x, d->p);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *z = bm_work_get(&w, stack, BM_STACK_DOUBLES, d->p);
  if (!z) return BM_FAIL(BM_ENOMEM, "out of memory");
  int e;
  double delta = whiten_scaled(d, x, z, 0, &e);
  *lp = d->lognorm - 0.5 * (d->nu + (double)d->p) * log1p_scaled(d->nu, delta, e);
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_mvt_grad(const bm_mvt *d, const gsl_vector *x, gsl_vector *dx, gsl_vector *dmu, gsl_matrix *dSigma,
                double *dnu)
{
  if (dnu) *dnu = NAN;
  int status = bm_vc_check_grad(check_obj(d), d ? d->p : 0, x, dx, dmu, dSigma);
  if (status) return status;
  size_t p = d->p;
  double stack[BM_STACK_DOUBLES];
  bm_work wk;
  double *a = bm_work_get(&wk, stack, BM_STACK_DOUBLES, p);
  if (!a) return BM_FAIL(BM_ENOMEM, "out of memory");
  int e;
  double delta = whiten_scaled(d, x, a, 1, &e);
  double k = d->nu + (double)p, w;
  if (e == 0) {
    w = k / (d->nu + delta);
    for (size_t i = 0; i < p; i++) {
      if (dx) gsl_vector_set(dx, i, -w * a[i]);
      if (dmu) gsl_vector_set(dmu, i, w * a[i]);
    }
  } else { /* a = Lambda r 2^-e, delta = r^T Lambda r 4^-e: w a = ldexp(k a / (nu 4^-e + delta), -e) */
    w = k / (ldexp(d->nu, -2 * e) + delta); /* w 4^e: w a a^T = w a_s a_s^T */
    for (size_t i = 0; i < p; i++) {
      if (dx) gsl_vector_set(dx, i, -ldexp(w * a[i], -e));
      if (dmu) gsl_vector_set(dmu, i, ldexp(w * a[i], -e));
    }
  }
  if (dSigma) bm_vc_sigma_grad(w, a, precision(d), dSigma); /* (w a a^T - Lambda)/2 */
  if (dnu) *dnu = dnu_scaled(d, delta, e);
  bm_work_release(&wk);
  /* a value beyond double range (Sigma near DBL_MIN or DBL_MAX): say so */
  if ((dx && !all_finite(dx->data, p, dx->stride)) || (dmu && !all_finite(dmu->data, p, dmu->stride)) ||
      (dSigma && !matrix_finite(dSigma)) || (dnu && !isfinite(*dnu))) {
    bm_nan_vector(dx);
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
    if (dnu) *dnu = NAN;
    return BM_FAIL(BM_EDOM, "a gradient entry is beyond double range (Sigma near DBL_MIN or DBL_MAX)");
  }
  return BM_SUCCESS;
}

int bm_mvt_score(const bm_mvt *d, const gsl_vector *x, gsl_vector *s)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_vector(x, d->p);
  if (!status) status = bm_validate_length(s, d->p + d->q + 1);
  if (status) {
    bm_nan_vector(s);
    return status;
  }
  size_t p = d->p, q = d->q;
  bm_work wk;
  double *G = bm_work_get(&wk, NULL, 0, p * p);
  if (!G) return BM_FAIL(BM_ENOMEM, "out of memory");
  gsl_matrix_view Gv = gsl_matrix_view_array(G, p, p);
  gsl_vector_view sm = gsl_vector_subvector(s, 0, p), sS = gsl_vector_subvector(s, p, q);
  double dnu;
  status = BM_WRAP(bm_mvt_grad(d, x, NULL, &sm.vector, &Gv.matrix, &dnu));
  bm_vech_from_sym_grad(&Gv.matrix, &sS.vector);
  gsl_vector_set(s, p + q, dnu);
  bm_work_release(&wk);
  if (status) bm_nan_vector(s);
  return status;
}

/* BM_SUCCESS if every entry of H is finite, else H NaN-filled and BM_EDOM
 * (a value beyond double range, e.g. Sigma with eigenvalues near DBL_MIN) */
#define finite_or_edom(H) finite_or_edom_fn(__func__, H) /* fn: the public caller */
static int finite_or_edom_fn(const char *fn, gsl_matrix *H)
{
  if (matrix_finite(H)) return BM_SUCCESS;
  bm_nan_matrix(H);
  return bm_error_set(BM_EDOM, fn, "an entry of the result is beyond double range (Sigma near DBL_MIN or DBL_MAX)");
}

/* The mu-mu block -w Lambda + (2k/s^2) a a^T from a = Lambda r 2^-e and
 * delta = r^T Lambda r 4^-e (whiten_scaled, e != 0): with s_s = nu 4^-e + delta,
 * it is 4^-e (k/s_s) (-Lambda + 2 a a^T / s_s). */
static void hess_mumu_scaled(const bm_mvt *d, const double *a, double delta, int e, const gsl_matrix *Lam,
                             gsl_matrix *H)
{
  size_t p = d->p;
  double ss = ldexp(d->nu, -2 * e) + delta, ws = (d->nu + (double)p) / ss;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++)
      gsl_matrix_set(H, i, j, ldexp(ws * (-gsl_matrix_get(Lam, i, j) + 2.0 * a[i] * a[j] / ss), -2 * e));
}

/* d^2 log f / d nu^2 at delta = ds 4^e. The textbook sum
 *   [psi'(k/2) - psi'(nu/2)]/4 + p/(2 nu^2) + delta/(nu s) - k delta (s + nu)/(2 nu^2 s^2)
 * cancels like nu eps at large nu (its terms are ~ p/nu^2, the value ~ p/nu^3).
 * With psi'(nu/2) - psi'(k/2) = F + 2p(k+4)/(nu k (k+2)) (F = fisher_nunu_bracket,
 * without cancellation) and u = delta - p, it is
 *   -F/4 + N / (2 nu s^2 k (k+2)),  N = (u^2 - 2p) k^2 + u ((2 - p) u - 4p) k - 4 p u^2,
 * evaluated with the ratios a = u/s and b = 1/s so that nothing overflows:
 *   N / (s^2 k (k+2)) = a^2 k/(k+2) - 2p b^2 k/(k+2) + a ((2-p) a - 4p b)/(k+2) - 4p a^2/(k (k+2)). */
static double hess_nunu(const bm_mvt *d, double ds, int e)
{
  double nu = d->nu, pd = (double)d->p, k = nu + pd;
  double ss = ldexp(nu, -2 * e) + ds;            /* s 4^-e */
  double a = (ds - ldexp(pd, -2 * e)) / ss;      /* (delta - p)/s */
  double b = ldexp(1.0 / ss, -2 * e);            /* 1/s (may underflow: its terms are then negligible) */
  double kk = k / (k + 2.0), k2 = 1.0 / (k + 2.0);
  double t = a * a * kk - 2.0 * pd * (b * b) * kk + a * ((2.0 - pd) * a - 4.0 * pd * b) * k2 -
             4.0 * pd * a * a * (k2 / k);
  return -0.25 * fisher_nunu_bracket(0.5 * nu, 0.5 * pd) + t / (2.0 * nu);
}

/* The whole theta-Hessian in the far tail (e != 0, see hess_mumu_scaled):
 * every block written with the scale-free ratios w 4^e = k/s_s and
 * delta/s = delta_s/s_s, so that nothing overflows where H is representable
 * (H_nunu: hess_nunu). */
static void hess_scaled(const bm_mvt *d, const double *a, double *A, double *taa, double delta, int e,
                        const gsl_matrix *Lam, gsl_matrix *H)
{
  size_t p = d->p, q = d->q;
  double nu = d->nu, ss = ldexp(nu, -2 * e) + delta, ws = (nu + (double)p) / ss, wss = ws / ss;
  for (size_t b = 0; b < q; b++) {
    size_t i, j;
    bm_vech_pair(p, b, &i, &j);
    taa[b] = (i == j ? 1.0 : 2.0) * a[i] * a[j];
  }
  gsl_matrix_view Hmm = gsl_matrix_submatrix(H, 0, 0, p, p);
  hess_mumu_scaled(d, a, delta, e, Lam, &Hmm.matrix);
  for (size_t b = 0; b < q; b++) {
    size_t kk, l;
    bm_vech_pair(p, b, &kk, &l);
    for (size_t i = 0; i < p; i++) {
      double v = gsl_matrix_get(Lam, i, kk) * a[l];
      if (kk != l) v += gsl_matrix_get(Lam, i, l) * a[kk];
      double h = ldexp(-ws * v + wss * a[i] * taa[b], -e);
      gsl_matrix_set(H, i, p + b, h);
      gsl_matrix_set(H, p + b, i, h);
    }
  }
  gsl_matrix_view HS = gsl_matrix_submatrix(H, p, p, q, q);
  bm_vc_hess_sigma_block(ws, a, A, Lam, &HS.matrix);
  for (size_t b = 0; b < q; b++)
    for (size_t c = 0; c < q; c++) *gsl_matrix_ptr(&HS.matrix, b, c) += 0.5 * wss * taa[b] * taa[c];
  double dws = (delta - ldexp((double)p, -2 * e)) / (ss * ss); /* (delta - p)/s^2 4^e */
  for (size_t i = 0; i < p; i++) {
    gsl_matrix_set(H, i, p + q, ldexp(dws * a[i], -e));
    gsl_matrix_set(H, p + q, i, ldexp(dws * a[i], -e));
  }
  for (size_t b = 0; b < q; b++) {
    gsl_matrix_set(H, p + b, p + q, 0.5 * dws * taa[b]);
    gsl_matrix_set(H, p + q, p + b, 0.5 * dws * taa[b]);
  }
  gsl_matrix_set(H, p + q, p + q, hess_nunu(d, delta, e));
}

int bm_mvt_hess(const bm_mvt *d, const gsl_vector *x, gsl_matrix *H)
{
  int status = check_obj(d);
  size_t n = d ? d->p + d->q + 1 : 0;
  if (!status) status = bm_validate_vector(x, d->p);
  if (!status) status = bm_validate_shape(H, n, n);
  if (status) {
    bm_nan_matrix(H);
    return status;
  }
  size_t p = d->p, q = d->q;
  bm_work wk;
  double *a = bm_work_get(&wk, NULL, 0, p * p + p + q);
  if (!a) return BM_FAIL(BM_ENOMEM, "out of memory");
  double *A = a + p, *taa = A + p * p;
  int e;
  double delta = whiten_scaled(d, x, a, 1, &e);
  const gsl_matrix *Lam = precision(d);
  if (e != 0) {
    hess_scaled(d, a, A, taa, delta, e, Lam, H);
    bm_work_release(&wk);
    return finite_or_edom(H);
  }
  double nu = d->nu, k = nu + (double)p, s = nu + delta, w = k / s, ks2 = k / (s * s);
  /* t(a a^T): vech coordinate b = (i, j) holds a^T E_b a */
  for (size_t b = 0; b < q; b++) {
    size_t i, j;
    bm_vech_pair(p, b, &i, &j);
    taa[b] = (i == j ? 1.0 : 2.0) * a[i] * a[j];
  }
  /* mu-mu */
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(H, i, j, -w * gsl_matrix_get(Lam, i, j) + 2.0 * ks2 * a[i] * a[j]);
  /* mu-Sigma: -w Lambda E_b a + (k/s^2) a (a^T E_b a) */
  for (size_t b = 0; b < q; b++) {
    size_t kk, l;
    bm_vech_pair(p, b, &kk, &l);
    for (size_t i = 0; i < p; i++) {
      double v = gsl_matrix_get(Lam, i, kk) * a[l];
      if (kk != l) v += gsl_matrix_get(Lam, i, l) * a[kk];
      double h = -w * v + ks2 * a[i] * taa[b];
      gsl_matrix_set(H, i, p + b, h);
      gsl_matrix_set(H, p + b, i, h);
    }
  }
  /* Sigma-Sigma: T(Lambda, Lambda)/2 - w T(a a^T, Lambda) + (k/s^2) t(a a^T) t(a a^T)^T / 2 */
  gsl_matrix_view HS = gsl_matrix_submatrix(H, p, p, q, q);
  bm_vc_hess_sigma_block(w, a, A, Lam, &HS.matrix);
  for (size_t b = 0; b < q; b++)
    for (size_t c = 0; c < q; c++) *gsl_matrix_ptr(&HS.matrix, b, c) += 0.5 * ks2 * taa[b] * taa[c];
  /* nu blocks */
  double dw = (delta - (double)p) / (s * s); /* d w / d nu */
  for (size_t i = 0; i < p; i++) {
    gsl_matrix_set(H, i, p + q, dw * a[i]);
    gsl_matrix_set(H, p + q, i, dw * a[i]);
  }
  for (size_t b = 0; b < q; b++) {
    gsl_matrix_set(H, p + b, p + q, 0.5 * dw * taa[b]);
    gsl_matrix_set(H, p + q, p + b, 0.5 * dw * taa[b]);
  }
  gsl_matrix_set(H, p + q, p + q, hess_nunu(d, delta, 0));
  bm_work_release(&wk);
  return finite_or_edom(H);
}

int bm_mvt_hess_x(const bm_mvt *d, const gsl_vector *x, gsl_matrix *H)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_vector(x, d->p);
  if (!status) status = bm_validate_shape(H, d->p, d->p);
  if (status) {
    bm_nan_matrix(H);
    return status;
  }
  size_t p = d->p;
  double stack[BM_STACK_DOUBLES];
  bm_work wk;
  double *a = bm_work_get(&wk, stack, BM_STACK_DOUBLES, p);
  if (!a) return BM_FAIL(BM_ENOMEM, "out of memory");
  int e;
  double delta = whiten_scaled(d, x, a, 1, &e);
  const gsl_matrix *Lam = precision(d);
  if (e != 0) {
    hess_mumu_scaled(d, a, delta, e, Lam, H);
  } else {
    double k = d->nu + (double)p, s = d->nu + delta, w = k / s, ks2 = k / (s * s);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        gsl_matrix_set(H, i, j, -w * gsl_matrix_get(Lam, i, j) + 2.0 * ks2 * a[i] * a[j]);
  }
  bm_work_release(&wk);
  return finite_or_edom(H);
}

int bm_mvt_fisher(const bm_mvt *d, gsl_matrix *I)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_shape(I, d->p + d->q + 1, d->p + d->q + 1);
  if (status) {
    bm_nan_matrix(I);
    return status;
  }
  size_t p = d->p, q = d->q;
  double nu = d->nu, k = nu + (double)p;
  const gsl_matrix *Lam = precision(d);
  gsl_matrix_set_zero(I);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(I, i, j, k / (k + 2.0) * gsl_matrix_get(Lam, i, j));
  gsl_matrix_view IS = gsl_matrix_submatrix(I, p, p, q, q);
  /* 2(k + 2) overflows for nu > ~9e307; k/(k + 2) does not */
  double two_k2 = 2.0 * (k + 2.0);
  bm_vech_kron(isfinite(two_k2) ? k / two_k2 : 0.5 * (k / (k + 2.0)), Lam, Lam, 0.0, &IS.matrix);
  for (size_t b = 0; b < q; b++) {
    size_t i, j;
    bm_vech_pair(p, b, &i, &j);
    double tb = (i == j ? 1.0 : 2.0) * gsl_matrix_get(Lam, i, j);
    for (size_t c = 0; c < q; c++) {
      size_t u, v;
      bm_vech_pair(p, c, &u, &v);
      double tc = (u == v ? 1.0 : 2.0) * gsl_matrix_get(Lam, u, v);
      *gsl_matrix_ptr(&IS.matrix, b, c) -= isfinite(two_k2) ? tb * tc / two_k2 : 0.5 * (tb / (k + 2.0)) * tc;
    }
    double kk2 = k * (k + 2.0), isn = isfinite(kk2) ? -tb / kk2 : -(tb / k) / (k + 2.0);
    gsl_matrix_set(I, p + b, p + q, isn);
    gsl_matrix_set(I, p + q, p + b, isn);
  }
  gsl_matrix_set(I, p + q, p + q, 0.25 * fisher_nunu_bracket(0.5 * nu, 0.5 * (double)p));
  return finite_or_edom(I);
}

int bm_mvt_sample(const bm_mvt *d, gsl_rng *r, gsl_vector *x)
{
  int status = check_obj(d);
  if (!status && !r) status = BM_FAIL(BM_EINVAL, "r is NULL");
  if (!status) status = bm_validate_length(x, d->p);
  if (status) {
    bm_nan_vector(x);
    return status;
  }
  /* chi^2_nu = 2 Gamma(nu/2, 1) */
  double g = 2.0 * gsl_ran_gamma(r, 0.5 * d->nu, 1.0);
  double scale = sqrt(d->nu / g);
  bm_rng_std_normal_vector(r, x);
  bm_chol_lower_multiply(d->L, x);
  gsl_vector_scale(x, scale);
  gsl_vector_add(x, d->mu);
  /* small nu: g can underflow (g ~ U^(2/nu)) and the draw exceed DBL_MAX */
  if (!all_finite(x->data, d->p, x->stride)) {
    bm_nan_vector(x);
    return BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  }
  return BM_SUCCESS;
}

int bm_mvt_mean(const bm_mvt *d, gsl_vector *mean)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_length(mean, d->p);
  if (!status && !(d->nu > 1.0)) status = BM_FAIL(BM_EDOM, "the mean exists only for nu > 1: nu = %g", d->nu);
  if (status) {
    bm_nan_vector(mean);
    return status;
  }
  gsl_vector_memcpy(mean, d->mu);
  return BM_SUCCESS;
}

int bm_mvt_cov(const bm_mvt *d, gsl_matrix *cov)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_shape(cov, d->p, d->p);
  if (!status && !(d->nu > 2.0)) status = BM_FAIL(BM_EDOM, "the covariance exists only for nu > 2: nu = %g", d->nu);
  if (status) {
    bm_nan_matrix(cov);
    return status;
  }
  gsl_matrix_memcpy(cov, d->Sigma);
  gsl_matrix_scale(cov, d->nu / (d->nu - 2.0));
  return BM_SUCCESS;
}

/* ---- batches ------------------------------------------------------------------ */

/* the density's x-dependent part -k/2 log1p(delta/nu) of whitened rows;
 * each row's log f adds lognorm */
static void loglik_block(const void *ctx, const double *Z, size_t rows, size_t first, gsl_vector *each,
                         double *total)
{
  const bm_mvt *d = ctx;
  size_t p = d->p;
  double half_k = 0.5 * (d->nu + (double)p), inv_nu = 1.0 / d->nu, t = *total;
  for (size_t i = 0; i < rows; i++) {
    const double *z = Z + i * p;
    double delta = 0.0;
    for (size_t j = 0; j < p; j++) delta += z[j] * z[j];
    double li = -half_k * log1p_pos(delta * inv_nu);
    if (each) gsl_vector_set(each, first + i, d->lognorm + li);
    t += li;
  }
  *total = t;
}

/* small p: the same from the rows' Mahalanobis forms (distributions/small_p.c),
 * the logarithms and their sum a block at a time in vector registers (a call
 * of libm's log per row would cost as much as the whole rest of the batch) */
static void loglik_delta(const void *ctx, const double *delta, double delta_sum, size_t rows, size_t first,
                         gsl_vector *each, double *total)
{
  (void)delta_sum;
  const bm_mvt *d = ctx;
  double half_k = 0.5 * (d->nu + (double)d->p), inv_nu = 1.0 / d->nu;
  if (!each) { /* the sum alone: one logarithm per sixteen rows */
    *total -= half_k * bm_sp_log1p_sum(delta, inv_nu, rows);
    return;
  }
  _Alignas(64) double lg[BM_SP_ROWS]; /* the log block stores whole vectors */
  double sum = bm_sp_log1p_block(delta, inv_nu, rows, lg);
  for (size_t i = 0; i < rows; i++) gsl_vector_set(each, first + i, d->lognorm - half_k * lg[i]);
  *total -= half_k * sum;
}

/* Row by row through bm_mvt_logpdf (whose tail evaluation is scaled): the
 * fallback of the batch when a row's delta overflowed. -inf only when the
 * sum is below -DBL_MAX. */
static double loglik_rows(const bm_mvt *d, const gsl_matrix *X, gsl_vector *each)
{
  double t = 0.0;
  for (size_t i = 0; i < X->size1; i++) {
    gsl_vector_const_view row = gsl_matrix_const_row(X, i);
    double li;
    bm_mvt_logpdf(d, &row.vector, &li);
    if (each) gsl_vector_set(each, i, li);
    t += li;
  }
  return t;
}

int bm_mvt_loglik(const bm_mvt *d, const gsl_matrix *X, double *ll, gsl_vector *each)
{
  if (!ll) return BM_FAIL(BM_EINVAL, "ll is NULL");
  *ll = NAN;
  double total = 0.0;
  int status = d && d->p <= BM_MP_MAX && d->is_set && bm_sp_pivots_ok(d->L)
                   ? bm_sp_loglik(check_obj(d), d->mu, d->L, X, each, loglik_delta, d, &total)
                   : bm_vc_loglik(check_obj(d), d ? d->mu : NULL, d ? d->L : NULL, X, each, loglik_block, d, &total);
  if (status) return status;
  *ll = total + (double)X->size1 * d->lognorm;
  if (!isfinite(*ll)) *ll = loglik_rows(d, X, each); /* some delta overflowed: the scaled single-point path */
  return BM_SUCCESS;
}

struct grad_ctx {
  const bm_mvt *d;
  int want_dnu;
};

/* acc[0] += -k/2 log1p(delta_i/nu), acc[1] += d log f_i / d nu, s += w_i z_i
 * with w_i = k/(nu + delta_i); rows of Z <- sqrt(w_i) z_i for the rank-n update */
static void grad_block(const void *ctx, double *Z, size_t rows, double *sw, double acc[2])
{
  const struct grad_ctx *c = ctx;
  const bm_mvt *d = c->d;
  size_t p = d->p;
  double k = d->nu + (double)p, total = acc[0], tnu = acc[1];
  for (size_t i = 0; i < rows; i++) {
    double *z = Z + i * p;
    double delta = 0.0;
    for (size_t j = 0; j < p; j++) delta += z[j] * z[j];
    total += -0.5 * k * log1p_pos(delta / d->nu);
    if (c->want_dnu) tnu += dnu_delta(d, delta);
    double w = k / (d->nu + delta), rw = sqrt(w);
    for (size_t j = 0; j < p; j++) {
      sw[j] += w * z[j];
      z[j] *= rw; /* rows of W^{1/2} Z for the rank-n update */
    }
  }
  acc[0] = total;
  acc[1] = tnu;
}

/* The batch as the sum of the single-point gradients (whose tail evaluation
 * is scaled). BM_EDOM (outputs NaN) if a sum is still not finite; ll may be
 * -inf (below -DBL_MAX). */
static int loglik_grad_rows(const bm_mvt *d, const gsl_matrix *X, double *ll, gsl_vector *dmu, gsl_matrix *dSigma,
                            double *dnu)
{
  size_t p = d->p;
  bm_work wk;
  double *buf = bm_work_get(&wk, NULL, 0, p + p * p);
  if (!buf) {
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
    if (ll) *ll = NAN;
    if (dnu) *dnu = NAN;
    return bm_error_set(BM_ENOMEM, NULL, "out of memory"); /* the caller prefixes its name */
  }
  gsl_vector_view gm = gsl_vector_view_array(buf, p);
  gsl_matrix_view gS = gsl_matrix_view_array(buf + p, p, p);
  if (dmu) gsl_vector_set_zero(dmu);
  if (dSigma) gsl_matrix_set_zero(dSigma);
  double tl = 0.0, tn = 0.0;
  int status = BM_SUCCESS;
  for (size_t i = 0; i < X->size1 && !status; i++) {
    gsl_vector_const_view row = gsl_matrix_const_row(X, i);
    double li, gn;
    bm_mvt_logpdf(d, &row.vector, &li);
    status = bm_mvt_grad(d, &row.vector, NULL, dmu ? &gm.vector : NULL, dSigma ? &gS.matrix : NULL, dnu ? &gn : NULL);
    tl += li;
    if (dnu) tn += gn;
    if (dmu) gsl_vector_add(dmu, &gm.vector);
    if (dSigma) gsl_matrix_add(dSigma, &gS.matrix);
  }
  bm_work_release(&wk);
  if (!status && (!isfinite(tn) || (dmu && !all_finite(dmu->data, p, dmu->stride)) ||
                  (dSigma && !matrix_finite(dSigma))))
    status = bm_error_set(BM_EDOM, NULL, "a sum of the gradients is beyond double range");
  if (ll) *ll = status ? NAN : tl; /* a failed call leaves every output NaN */
  if (dnu) *dnu = status ? NAN : tn;
  if (status) {
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
  }
  return status;
}

int bm_mvt_loglik_grad(const bm_mvt *d, const gsl_matrix *X, double *ll, gsl_vector *dmu, gsl_matrix *dSigma,
                       double *dnu)
{
  if (ll) *ll = NAN;
  if (dnu) *dnu = NAN;
  /* dmu = L^{-T} sum_i w_i z_i; dSigma = L^{-T} ((W^{1/2} Z)^T (W^{1/2} Z) - n I) L^{-1} / 2 */
  struct grad_ctx c = {d, dnu != NULL};
  double acc[2];
  int status =
      bm_vc_loglik_grad(check_obj(d), d ? d->L : NULL, d ? d->mu : NULL, X, dmu, dSigma, grad_block, &c, acc);
  if (status) return status;
  if (ll) *ll = acc[0] + (double)X->size1 * d->lognorm;
  if (dnu) *dnu = acc[1];
  if (!isfinite(acc[0]) || !isfinite(acc[1]) || (dmu && !all_finite(dmu->data, d->p, dmu->stride)) ||
      (dSigma && !matrix_finite(dSigma)))
    return BM_WRAP(loglik_grad_rows(d, X, ll, dmu, dSigma, dnu)); /* some delta overflowed */
  return BM_SUCCESS;
}

/* ---- the uniform surface and the family descriptor (bayesmat/family.h) ---- */
#include "family_internal.h"

void bm_mvt_shape(const bm_mvt *d, size_t *rows, size_t *cols)
{
  if (rows) *rows = d ? 1 : 0;
  if (cols) *cols = d ? d->p : 0;
}

int bm_mvt_get_theta(const bm_mvt *d, gsl_vector *theta)
{
  int status = bm_theta_get_begin(d && d->is_set, bm_mvt_nparams(d), theta);
  if (status) return status;
  gsl_vector_view mu = gsl_vector_subvector(theta, 0, d->p);
  gsl_vector_memcpy(&mu.vector, d->mu);
  bm_theta_put_sym(theta, d->p, d->Sigma);
  gsl_vector_set(theta, theta->size - 1, d->nu);
  return BM_SUCCESS;
}

int bm_mvt_logpdf_grad(const bm_mvt *d, const gsl_vector *x, double *lp, gsl_vector *d_x, gsl_vector *d_mu,
                       gsl_matrix *d_Sigma, double *d_nu)
{
  BM_FAMILY_LOGPDF_GRAD(mvt, x, lp, d_x, d_mu, d_Sigma, d_nu);
}

static void *mvt_op_alloc(size_t rows, size_t cols) { return rows == 1 ? bm_mvt_alloc(cols) : NULL; }
BM_FAMILY_VECTOR_OPS(mvt)

static const bm_theta_block mvt_blocks[] = {BM_THETA_VEC("mu", BM_DIM_ONE, BM_DIM_COLS),
                                            BM_THETA_VECH("Sigma", BM_DIM_COLS), BM_THETA_SCALAR("nu")};
const bm_family_type bm_family_mvt = {.name = "mvt", .description = "multivariate t t_p(nu, mu, Sigma)",
                                      .variate = BM_VARIATE_VECTOR, .blocks = mvt_blocks, .nblocks = 3,
                                      BM_FAMILY_OPS_INIT(mvt)};
