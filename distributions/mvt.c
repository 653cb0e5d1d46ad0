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
  gsl_matrix *S1, *S2; /* scratch of _set */
};

/* ---- scalar special-function differences (see header comment) ------------ */

/* log(1+u) - u without cancellation for small |u| (u > -1). */
static double log1pmx(double u)
{
  if (fabs(u) > 0.25) return log1p(u) - u;
  /* -u^2/2 + u^3/3 - u^4/4 + ... */
  double term = u * u, sum = 0.0;
  for (int k = 2; k < 200; k++) {
    double t = (k % 2 ? 1.0 : -1.0) * term / (double)k;
    sum += t;
    if (fabs(t) <= 1e-17 * fabs(sum)) break;
    term *= u;
  }
  return sum;
}

/* Stirling correction lgamma(x) - [(x-1/2) log x - x + log(2 pi)/2], x >= 10. */
static double stirling_tail(double x)
{
  double r = 1.0 / (x * x);
  return (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680 - r * (1.0 / 1188 - r * (691.0 / 360360 - r / 156)))))) / x;
}

/* log Gamma(a+h) - log Gamma(a) - h log a */
static double lgamma_ratio(double a, double h)
{
  if (a >= ASYMPTOTIC_A) return (a + h - 0.5) * log1p(h / a) - h + stirling_tail(a + h) - stirling_tail(a);
  return bm_lgamma(a + h) - bm_lgamma(a) - h * log(a);
}

/* digamma(x) - [log x - 1/(2x)], x >= 10 */
static double digamma_tail(double x)
{
  double r = 1.0 / (x * x);
  return -r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132 - r * (691.0 / 32760 - r / 12))))));
}

/* psi(a+h) - psi(a) - h/a */
static double digamma_ratio(double a, double h)
{
  if (a >= ASYMPTOTIC_A)
    return log1pmx(h / a) + h / (2.0 * a * (a + h)) + digamma_tail(a + h) - digamma_tail(a);
  return bm_digamma(a + h) - bm_digamma(a) - h / a;
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
  if (!out) return BM_EINVAL;
  *out = NAN;
  if (p == 0) return BM_EINVAL;
  int status = bm_validate_greater(nu, 0.0);
  if (status) return status;
  *out = 0.25 * fisher_nunu_bracket(0.5 * nu, 0.5 * (double)p);
  return BM_SUCCESS;
}

/* ---- object ------------------------------------------------------------- */

bm_mvt *bm_mvt_alloc(size_t p)
{
  if (p == 0) return NULL;
  bm_mvt *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->p = p;
  d->q = bm_vech_len(p);
  atomic_init(&d->lambda_state, 0);
  d->mu = bm_vector_calloc(p);
  d->Sigma = bm_matrix_calloc(p, p);
  d->L = bm_matrix_calloc(p, p);
  d->Lambda = bm_matrix_calloc(p, p);
  d->S1 = bm_matrix_calloc(p, p);
  d->S2 = bm_matrix_calloc(p, p);
  if (!d->mu || !d->Sigma || !d->L || !d->Lambda || !d->S1 || !d->S2) {
    bm_mvt_free(d);
    return NULL;
  }
  return d;
}

void bm_mvt_free(bm_mvt *d)
{
  if (!d) return;
  bm_vector_free(d->mu);
  bm_matrix_free(d->Sigma);
  bm_matrix_free(d->L);
  bm_matrix_free(d->Lambda);
  bm_matrix_free(d->S1);
  bm_matrix_free(d->S2);
  free(d);
}

int bm_mvt_set(bm_mvt *d, double nu, const gsl_vector *mu, const gsl_matrix *Sigma)
{
  if (!d) return BM_EINVAL;
  int status = bm_validate_vector(mu, d->p);
  if (!status) status = bm_validate_spd(Sigma, d->p, d->S2, NULL);
  if (!status) status = bm_validate_greater(nu, 0.0);
  if (status) return status;
  size_t p = d->p;
  /* nu = 5e-324: nu/2 rounds to 0 and the normalizing constant is not
   * representable; BM_EDOM (nothing changes) rather than NaN log-densities */
  if (!isfinite(lgamma_ratio(0.5 * nu, 0.5 * (double)p)) || !isfinite(digamma_ratio(0.5 * nu, 0.5 * (double)p)))
    return BM_EDOM;
  bm_vc_copy_sym_lower(Sigma, d->S1);
  gsl_vector_memcpy(d->mu, mu);
  bm_vc_swap_matrix(&d->Sigma, &d->S1);
  bm_vc_swap_matrix(&d->L, &d->S2);
  atomic_store_explicit(&d->lambda_state, 0, memory_order_release);
  d->nu = nu;
  d->logdet = bm_chol_logdet(d->L);
  double a = 0.5 * nu, h = 0.5 * (double)p;
  /* lgamma(a+h) - lgamma(a) - h log(nu pi) = lgamma_ratio + h log a - h log(2a) - h log pi */
  d->lognorm = lgamma_ratio(a, h) - h * (BM_VC_LOG_2PI) - 0.5 * d->logdet;
  d->dnu_const = 0.5 * digamma_ratio(a, h);
  d->is_set = 1;
  return BM_SUCCESS;
}

size_t bm_mvt_nparams(const bm_mvt *d) { return d ? d->p + d->q + 1 : 0; }

size_t bm_mvt_dim(const bm_mvt *d) { return d ? d->p : 0; }

/* ---- helpers ---------------------------------------------------------------- */

static int check_obj(const bm_mvt *d) { return d && d->is_set ? BM_SUCCESS : BM_EINVAL; }

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

/* log f from delta */
static double logpdf_delta(const bm_mvt *d, double delta)
{
  return d->lognorm - 0.5 * (d->nu + (double)d->p) * log1p_pos(delta / d->nu);
}

/* d log f / d nu from delta */
static double dnu_delta(const bm_mvt *d, double delta)
{
  double nu = d->nu, s = nu + delta;
  return d->dnu_const - 0.5 * log1pmx(delta / nu) + delta * ((double)d->p - delta) / (2.0 * nu * s);
}

/* ---- single point ------------------------------------------------------------ */

int bm_mvt_logpdf(const bm_mvt *d, const gsl_vector *x, double *lp)
{
  if (!lp) return BM_EINVAL;
  *lp = NAN;
  int status = check_obj(d);
  if (!status) status = bm_validate_vector(x, d->p);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *z = bm_work_get(&w, stack, BM_STACK_DOUBLES, d->p);
  if (!z) return BM_ENOMEM;
  bm_vc_residual(d->mu, x, z);
  double delta = bm_vc_whiten(d->L, z);
  *lp = logpdf_delta(d, delta);
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
  if (!a) return BM_ENOMEM;
  bm_vc_residual(d->mu, x, a);
  double delta = bm_vc_precision_times(d->L, a);
  double w = (d->nu + (double)p) / (d->nu + delta);
  for (size_t i = 0; i < p; i++) {
    if (dx) gsl_vector_set(dx, i, -w * a[i]);
    if (dmu) gsl_vector_set(dmu, i, w * a[i]);
  }
  if (dSigma) bm_vc_sigma_grad(w, a, precision(d), dSigma); /* (w a a^T - Lambda)/2 */
  if (dnu) *dnu = dnu_delta(d, delta);
  bm_work_release(&wk);
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
  if (!G) return BM_ENOMEM;
  gsl_matrix_view Gv = gsl_matrix_view_array(G, p, p);
  gsl_vector_view sm = gsl_vector_subvector(s, 0, p), sS = gsl_vector_subvector(s, p, q);
  double dnu;
  bm_mvt_grad(d, x, NULL, &sm.vector, &Gv.matrix, &dnu);
  bm_vech_from_sym_grad(&Gv.matrix, &sS.vector);
  gsl_vector_set(s, p + q, dnu);
  bm_work_release(&wk);
  return BM_SUCCESS;
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
  if (!a) return BM_ENOMEM;
  double *A = a + p, *taa = A + p * p;
  bm_vc_residual(d->mu, x, a);
  double delta = bm_vc_precision_times(d->L, a);
  double nu = d->nu, k = nu + (double)p, s = nu + delta, w = k / s, ks2 = k / (s * s);
  const gsl_matrix *Lam = precision(d);
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
  double hnn = 0.25 * (bm_trigamma(0.5 * k) - bm_trigamma(0.5 * nu)) + (double)p / (2.0 * nu * nu) +
               delta / (nu * s) - 0.5 * k * delta * (s + nu) / (nu * nu * s * s);
  gsl_matrix_set(H, p + q, p + q, hnn);
  bm_work_release(&wk);
  return BM_SUCCESS;
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
  if (!a) return BM_ENOMEM;
  bm_vc_residual(d->mu, x, a);
  double delta = bm_vc_precision_times(d->L, a);
  double k = d->nu + (double)p, s = d->nu + delta, w = k / s, ks2 = k / (s * s);
  const gsl_matrix *Lam = precision(d);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++)
      gsl_matrix_set(H, i, j, -w * gsl_matrix_get(Lam, i, j) + 2.0 * ks2 * a[i] * a[j]);
  bm_work_release(&wk);
  return BM_SUCCESS;
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
  bm_vech_kron(k / (2.0 * (k + 2.0)), Lam, Lam, 0.0, &IS.matrix);
  for (size_t b = 0; b < q; b++) {
    size_t i, j;
    bm_vech_pair(p, b, &i, &j);
    double tb = (i == j ? 1.0 : 2.0) * gsl_matrix_get(Lam, i, j);
    for (size_t c = 0; c < q; c++) {
      size_t u, v;
      bm_vech_pair(p, c, &u, &v);
      double tc = (u == v ? 1.0 : 2.0) * gsl_matrix_get(Lam, u, v);
      *gsl_matrix_ptr(&IS.matrix, b, c) -= tb * tc / (2.0 * (k + 2.0));
    }
    gsl_matrix_set(I, p + b, p + q, -tb / (k * (k + 2.0)));
    gsl_matrix_set(I, p + q, p + b, -tb / (k * (k + 2.0)));
  }
  gsl_matrix_set(I, p + q, p + q, 0.25 * fisher_nunu_bracket(0.5 * nu, 0.5 * (double)p));
  return BM_SUCCESS;
}

int bm_mvt_sample(const bm_mvt *d, gsl_rng *r, gsl_vector *x)
{
  int status = check_obj(d);
  if (!status && !r) status = BM_EINVAL;
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
  return BM_SUCCESS;
}

int bm_mvt_mean(const bm_mvt *d, gsl_vector *mean)
{
  int status = check_obj(d);
  if (!status) status = bm_validate_length(mean, d->p);
  if (!status && !(d->nu > 1.0)) status = BM_EDOM;
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
  if (!status && !(d->nu > 2.0)) status = BM_EDOM;
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

/* small p: the same from the rows' Mahalanobis forms (distributions/small_p.c) */
static void loglik_delta(const void *ctx, const double *delta, size_t rows, size_t first, gsl_vector *each,
                         double *total)
{
  const bm_mvt *d = ctx;
  double half_k = 0.5 * (d->nu + (double)d->p), inv_nu = 1.0 / d->nu, t = *total;
  for (size_t i = 0; i < rows; i++) {
    double li = -half_k * log1p_pos(delta[i] * inv_nu);
    if (each) gsl_vector_set(each, first + i, d->lognorm + li);
    t += li;
  }
  *total = t;
}

int bm_mvt_loglik(const bm_mvt *d, const gsl_matrix *X, double *ll, gsl_vector *each)
{
  if (!ll) return BM_EINVAL;
  *ll = NAN;
  double total = 0.0;
  int status = d && d->p <= BM_SP_MAX
                   ? bm_sp_loglik(check_obj(d), d->mu, d->L, X, each, loglik_delta, d, &total)
                   : bm_vc_loglik(check_obj(d), d ? d->mu : NULL, d ? d->L : NULL, X, each, loglik_block, d, &total);
  if (status) return status;
  *ll = total + (double)X->size1 * d->lognorm;
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
  return BM_SUCCESS;
}
