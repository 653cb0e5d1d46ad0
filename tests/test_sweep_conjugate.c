/* Property sweep over the conjugate models (NIW / Normal-Wishart, BLR with
 * the NIG, known-noise and improper priors and observation weights, MNIW)
 * and the transforms (log, logit, log-Cholesky), with inputs drawn
 * log-uniformly across wide ranges: scales 1e-150 .. 1e150, degrees of
 * freedom p - 1 + 1e-9 .. p - 1 + 1e12, offsets up to 1e8, condition
 * numbers up to 1e12, observation weights spanning up to 1e26, noise
 * precisions up to 1e30.
 *
 * The property: every output is either finite and within a stated
 * accuracy of an independent check, or comes with a documented non-success
 * status (and NaN outputs). A success carrying NaN or inf is always a
 * failure. The checks, each computed another way than the library does:
 *   - long-double references (NIW posterior from the textbook formulas, the
 *     logistic and its derivatives, log-Jacobians),
 *   - every posterior mean and covariance (BLR, MNIW) against the stacked
 *     least-squares problem solved again in long double (Givens rotations),
 *     within the first-order effect of relative rounding of every input row
 *     plus the long-double solution's own change under a 4 eps perturbation,
 *   - the evidence chain rule log p(y_1..n) = sum log p(y_t | y_<t) through
 *     the one-step predictive objects, and stacked = sequential updates,
 *   - the BLR log posterior against log likelihood + log prior (differences
 *     of two points: the normalizing constants cancel),
 *   - Sigma reconstructed from its log-Cholesky vector, and the log-Jacobian
 *     against the log of the Jacobian matrix's diagonal.
 * Each class's worst error / tolerance ratio is printed; docs/reliability.md
 * records the tolerances and what the sweep found.
 *
 * Identities are checked at 3e-10 of the size of their terms (first-order
 * input-rounding sensitivities included), and skipped ("ill-cond") where the
 * posterior mean itself is sensitive beyond 1e-9 relative.
 *
 * Fixed seed in CI (scale 5: ~1e5 points, ~7 s in Release; excluded from
 * valgrind, see tests/valgrind.sh). BAYESMAT_SWEEP_SEED and
 * BAYESMAT_SWEEP_SCALE (a points multiplier) run other or larger slices.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_psi.h>
#include "conjugate_testutil.h"

typedef long double ld;
#define EPS DBL_EPSILON

static gsl_rng *RNG;

/* ---- bookkeeping -------------------------------------------------------- */

typedef struct {
  const char *name;
  long points, checks, ok, status[BM_NSTATUS], wrong;
  double worst; /* max error / tolerance over the accuracy checks */
  long ill;     /* points whose posterior mean is sensitive beyond 1e-9 relative: identities not checked */
} klass;

static void c_ill(klass *c) { c->ill++; }

static char CUR[256]; /* the current point, printed with each failure */

static klass NIW_ = {.name = "NIW / Normal-Wishart"}, BLR_NIG = {.name = "BLR NIG"}, BLR_KN = {.name = "BLR known noise"},
             BLR_IMP = {.name = "BLR improper"}, MNIW_ = {.name = "MNIW"}, TR_LOG = {.name = "transform log"}, TR_LOGIT = {.name = "transform logit"},
             TR_LC = {.name = "transform log-Cholesky"};

static void wrong(klass *c, const char *fmt, ...)
{
  c->wrong++;
  if (c->wrong > 8) return;
  va_list ap;
  va_start(ap, fmt);
  printf("  WRONG [%s] ", c->name);
  vprintf(fmt, ap);
  printf("\n      at %s (class point %ld)\n", CUR, c->points);
  va_end(ap);
}

/* a status from a call with valid arguments: success, or one of the documented codes */
static int tally(klass *c, int st, const char *what, int allowed_mask)
{
  c->checks++;
  if (st >= 0 && st < BM_NSTATUS) c->status[st]++;
  if (st == BM_SUCCESS) {
    c->ok++;
    return 1;
  }
  if (st < 0 || st >= BM_NSTATUS || !(allowed_mask & (1 << st))) wrong(c, "%s: undocumented status %d", what, st);
  return 0;
}

static void check_err(klass *c, double err, double tol, const char *what)
{
  c->checks++;
  double r = err / tol;
  if (!(r <= 1.0)) {
    wrong(c, "%s: error %.3e > tolerance %.3e", what, err, tol);
    return;
  }
  if (r > c->worst) c->worst = r;
}

static int all_finite(const double *v, size_t n, size_t stride)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i * stride])) return 0;
  return 1;
}
static int mat_finite(const gsl_matrix *A) { return A == NULL || all_finite(A->data, A->size1 * A->size2, 1); }
static int vec_finite(const gsl_vector *v) { return v == NULL || all_finite(v->data, v->size, v->stride); }
static int mat_nan(const gsl_matrix *A) { return A == NULL || isnan(A->data[0]); }
static int vec_nan(const gsl_vector *v) { return v == NULL || isnan(v->data[0]); }

#define M_(i) (1 << (i))
#define DOC_EDOM M_(BM_EDOM)

/* ---- random inputs ------------------------------------------------------ */

static double unif(double a, double b) { return a + (b - a) * gsl_rng_uniform(RNG); }
static double lu(double a, double b) { return pow(10.0, unif(a, b)); }
static double gauss(void) { return gsl_ran_gaussian_ziggurat(RNG, 1.0); }
static int coin(double p) { return gsl_rng_uniform(RNG) < p; }

/* A = scale * Q diag(e) Q^T, e log-uniform in [1/cond, 1] (Q a product of
 * p Householder reflections of Gaussian vectors), exactly symmetric. */
static void rand_spd(size_t p, double cond, double scale, gsl_matrix *A)
{
  ld Q[8][8], e[8];
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) Q[i][j] = i == j;
  for (size_t h = 0; h < p; h++) {
    ld v[8], vv = 0;
    for (size_t i = 0; i < p; i++) {
      v[i] = gauss();
      vv += v[i] * v[i];
    }
    for (size_t j = 0; j < p; j++) {
      ld s = 0;
      for (size_t i = 0; i < p; i++) s += v[i] * Q[i][j];
      for (size_t i = 0; i < p; i++) Q[i][j] -= 2 * v[i] * s / vv;
    }
  }
  for (size_t i = 0; i < p; i++) e[i] = powl(cond, i == 0 ? 0.0L : i == 1 ? -1.0L : -(ld)unif(0, 1));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      ld s = 0;
      for (size_t l = 0; l < p; l++) s += Q[i][l] * e[l] * Q[j][l];
      gsl_matrix_set(A, i, j, (double)(scale * s));
      gsl_matrix_set(A, j, i, (double)(scale * s));
    }
}

/* long-double Cholesky (lower) of a p x p SPD matrix; 0 if it breaks down */
static int ld_chol(size_t p, const gsl_matrix *A, ld L[8][8])
{
  for (size_t j = 0; j < p; j++) {
    ld s = gsl_matrix_get(A, j, j);
    for (size_t l = 0; l < j; l++) s -= L[j][l] * L[j][l];
    if (!(s > 0)) return 0;
    L[j][j] = sqrtl(s);
    for (size_t i = j + 1; i < p; i++) {
      ld t = gsl_matrix_get(A, i, j);
      for (size_t l = 0; l < j; l++) t -= L[i][l] * L[j][l];
      L[i][j] = t / L[j][j];
    }
    for (size_t i = 0; i < j; i++) L[i][j] = 0;
  }
  return 1;
}

/* Linv = L^{-1} (lower), long double */
static void ld_tri_inv(size_t p, ld L[8][8], ld Li[8][8])
{
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < p; i++) {
      if (i < j) {
        Li[i][j] = 0;
        continue;
      }
      ld s = i == j;
      for (size_t l = j; l < i; l++) s -= L[i][l] * Li[l][j];
      Li[i][j] = s / L[i][i];
    }
}

static ld ld_logdet_chol(size_t p, ld L[8][8])
{
  ld s = 0;
  for (size_t i = 0; i < p; i++) s += 2 * logl(L[i][i]);
  return s;
}

/* From A = L L^T and Li = L^-1: |A^-1| (entrywise; A^-1 = Li^T Li) and |L| |L|^T,
 * the bound of a Cholesky backward error of A per unit eps */
static void ld_inv_abs_and_bound(size_t p, ld L[8][8], ld Li[8][8], ld Ainv[8][8], ld B[8][8])
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      ld ai = 0, t = 0;
      for (size_t l = 0; l < p; l++) {
        ai += Li[l][i] * Li[l][j];
        t += fabsl(L[i][l] * L[j][l]);
      }
      Ainv[i][j] = fabsl(ai);
      B[i][j] = t;
    }
}

/* sum_ij |A^-1|_ij (|L| |L|^T)_ji: the first-order change of log|A| under the
 * Cholesky backward error of A (|dA| <= eps |L| |L|^T), per unit eps — about p cond(A)
 * when A is ill-conditioned */
static ld ld_logdet_sens(size_t p, const gsl_matrix *A)
{
  ld L[8][8], Li[8][8], Ai[8][8], B[8][8];
  if (!ld_chol(p, A, L)) return INFINITY;
  ld_tri_inv(p, L, Li);
  ld_inv_abs_and_bound(p, L, Li, Ai, B);
  ld s = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) s += Ai[i][j] * B[i][j];
  return s;
}

/* log t_p(x | df, loc, Scale) in long double; mag += the size of its terms and of the
 * effect of the errors dloc (absolute, per component) and of x's rounding on the
 * quadratic form, scaled for a 1e-10 relative check */
static ld ld_logmvt(size_t p, double df, ld ddf, const gsl_vector *loc, const gsl_matrix *Sc, const double *x,
                    size_t xs, const ld *dloc, ld *mag)
{
  ld L[8][8], u[8], w[8];
  if (!ld_chol(p, Sc, L)) return NAN;
  for (size_t i = 0; i < p; i++) {
    ld v = (ld)x[i * xs] - gsl_vector_get(loc, i);
    for (size_t j = 0; j < i; j++) v -= L[i][j] * u[j];
    u[i] = v / L[i][i];
  }
  ld q = 0;
  for (size_t i = 0; i < p; i++) q += u[i] * u[i];
  for (size_t i = p; i-- > 0;) { /* w = L^-T u: dq = 2 w^T d(x - loc) */
    ld v = u[i];
    for (size_t j = i + 1; j < p; j++) v -= L[j][i] * w[j];
    w[i] = v / L[i][i];
  }
  ld dq = 0;
  for (size_t i = 0; i < p; i++) dq += 2 * fabsl(w[i]) * (fabsl((ld)x[i * xs]) * EPS + dloc[i]);
  ld a = lgammal(0.5L * (df + p)), b = lgammal(0.5L * df), c = 0.5L * p * logl(df * M_PI), d = 0.5L * ld_logdet_chol(p, L),
     e = 0.5L * (df + p) * log1pl(q / df);
  /* the scale's rounding: log|Scale| and q = w^T Scale w */
  ld qs = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      ld t = 0;
      for (size_t l = 0; l < p; l++) t += fabsl(L[i][l] * L[j][l]);
      qs += fabsl(w[i]) * t * fabsl(w[j]);
    }
  /* df = nu_n - p + 1 carries the rounding ddf of nu_n (relative ddf / df: large near the boundary) */
  ld dlt = 0.5L * fabsl(gsl_sf_psi(0.5 * (df + p)) - gsl_sf_psi(0.5 * df)) + 0.5L * p / df + 0.5L * log1pl(q / df) +
           0.5L * (df + p) * q / (df * (df + q));
  *mag += 1e10L * ddf * dlt;
  *mag += fabsl(a) + fabsl(b) + fabsl(c) + fabsl(d) + fabsl(e) + 1e10L * 0.5L * (df + p) / (df + q) * dq +
          1e10L * 64 * (p + 2) * EPS * (0.5L * ld_logdet_sens(p, Sc) + 0.5L * (df + p) / (df + q) * qs);
  return a - b - c - d - e;
}

/* ---- NIW ------------------------------------------------------------------ */

enum { MAXN = 10 };

static void niw_point(void)
{
  klass *c = &NIW_;
  c->points++;
  const size_t p = 1 + gsl_rng_uniform_int(RNG, 4), n = gsl_rng_uniform_int(RNG, 8);
  const double s = lu(-150, 150), off = coin(0.5) ? (coin(0.5) ? 1 : -1) * lu(-3, 8) * s : 0.0;
  const double kappa0 = coin(0.15) ? lu(-300, 300) : lu(-8, 8), nu0 = (double)p - 1.0 + lu(-9, 12);
  snprintf(CUR, sizeof CUR, "p %zu n %zu scale %.3g offset %.3g kappa0 %.3g nu0 - p + 1 %.3g", p, n, s, off, kappa0,
           nu0 - (double)p + 1.0);
  gsl_vector *mu0 = gsl_vector_alloc(p), *mun = gsl_vector_alloc(p), *mu2 = gsl_vector_alloc(p);
  gsl_matrix *Psi0 = gsl_matrix_alloc(p, p), *Psin = gsl_matrix_alloc(p, p), *Psi2 = gsl_matrix_alloc(p, p);
  gsl_matrix *C = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(n ? n : 1, p), *S = gsl_matrix_alloc(p, p);
  /* Psi0's smallest eigenvalue kept above 1e-290: the long-double chain rule forms the
   * predictive scale as a double matrix, which would lose digits to subnormals */
  const double cpsi = lu(0, 12);
  rand_spd(p, cpsi, fmax(s * s * lu(-2, 2), 1e-290 * cpsi), Psi0);
  rand_spd(p, lu(0, 12), s * s, C);
  ld LC[8][8];
  ld_chol(p, C, LC);
  for (size_t j = 0; j < p; j++) gsl_vector_set(mu0, j, off + s * gauss());
  for (size_t t = 0; t < n; t++) {
    double z[8];
    for (size_t j = 0; j < p; j++) z[j] = gauss();
    for (size_t i = 0; i < p; i++) {
      ld v = 0;
      for (size_t j = 0; j <= i; j++) v += LC[i][j] * z[j];
      gsl_matrix_set(X, t, i, off + (double)v + s * 0.5 * gauss());
    }
  }
  bm_niw *m = bm_niw_alloc(p), *m2 = bm_niw_alloc(p);
  bm_mvt *pred = bm_mvt_alloc(p);
  gsl_vector *x = gsl_vector_alloc(p);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, gsl_rng_get(RNG));
  if (!tally(c, bm_niw_set_prior(m, mu0, kappa0, nu0, Psi0), "set_prior", DOC_EDOM)) goto done;
  bm_niw_set_prior(m2, mu0, kappa0, nu0, Psi0);
  if (n > 0) {
    gsl_matrix_view Xv = gsl_matrix_submatrix(X, 0, 0, n, p);
    if (!tally(c, bm_niw_update(m, &Xv.matrix), "update", DOC_EDOM)) goto done;
  }
  double kn, nun;
  int st = bm_niw_posterior(m, mun, &kn, &nun, Psin);
  if (!tally(c, st, "posterior", DOC_EDOM)) {
    if (!vec_nan(mun) || !mat_nan(Psin)) wrong(c, "posterior failed without NaN outputs");
    goto done;
  }
  if (!vec_finite(mun) || !mat_finite(Psin) || !isfinite(kn) || !isfinite(nun)) {
    wrong(c, "posterior: non-finite output with BM_SUCCESS");
    goto done;
  }
  /* long-double reference from the textbook formulas */
  {
    ld xb[8] = {0}, Sl[8][8] = {{0}}, d[8], kl = (ld)kappa0 + n, w = n ? (ld)kappa0 / kl * n : 0;
    for (size_t j = 0; j < p; j++) {
      for (size_t t = 0; t < n; t++) xb[j] += gsl_matrix_get(X, t, j);
      xb[j] = n ? xb[j] / n : 0;
      d[j] = n ? xb[j] - gsl_vector_get(mu0, j) : 0;
    }
    for (size_t t = 0; t < n; t++)
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
          Sl[i][j] += (gsl_matrix_get(X, t, i) - xb[i]) * (gsl_matrix_get(X, t, j) - xb[j]);
    ld Pr[8][8];
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) Pr[i][j] = gsl_matrix_get(Psi0, i, j) + Sl[i][j] + w * d[i] * d[j];
    for (size_t j = 0; j < p; j++) {
      ld ref = gsl_vector_get(mu0, j) + (n ? n / kl * d[j] : 0);
      double tol = 16 * EPS * (fabs(gsl_vector_get(mu0, j)) + fabsl(xb[j]) + sqrtl(Pr[j][j] / (kl + 1))) + 1e-300;
      check_err(c, fabsl(gsl_vector_get(mun, j) - ref), tol, "mu_n");
    }
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) {
        ld mag = sqrtl(Pr[i][i] * Pr[j][j]) + w * (fabsl(xb[i] * d[j]) + fabsl(d[i] * xb[j]));
        check_err(c, fabsl(gsl_matrix_get(Psin, i, j) - Pr[i][j]), (double)(64 * (p + n + 2) * EPS * mag) + 1e-300,
                  "Psi_n");
      }
    check_err(c, fabs(kn - (double)kl), 2 * EPS * (double)kl, "kappa_n");
  }
  /* evidence: chain rule through the predictive objects = sequential updates */
  double lml;
  if (!tally(c, bm_niw_log_evidence(m, &lml), "log_evidence", 0)) goto done;
  if (!isfinite(lml)) {
    wrong(c, "log_evidence %g with BM_SUCCESS", lml);
    goto done;
  }
  {
    double chain = 0.0;
    ld mag = 0.0;
    int ok = 1;
    for (size_t t = 0; t < n && ok; t++) {
      st = bm_niw_predictive(m2, pred);
      if (!tally(c, st, "predictive", DOC_EDOM)) {
        ok = 0;
        break;
      }
      gsl_matrix_const_view row = gsl_matrix_const_submatrix(X, t, 0, 1, p);
      for (size_t j = 0; j < p; j++) gsl_vector_set(x, j, gsl_matrix_get(&row.matrix, 0, j));
      double l, dfp;
      if (!tally(c, bm_mvt_logpdf(pred, x, &l), "predictive logpdf", 0) || !isfinite(l)) {
        if (!isfinite(l)) wrong(c, "predictive logpdf %g", l);
        ok = 0;
        break;
      }
      /* the chain itself in long double from the predictive's parameters */
      if (!tally(c, bm_niw_predictive_params(m2, &dfp, mu2, S), "predictive_params", DOC_EDOM)) {
        ok = 0;
        break;
      }
      ld dloc[8];
      for (size_t j = 0; j < p; j++) {
        ld mx = fabs(gsl_vector_get(mu0, j));
        for (size_t q = 0; q < t; q++) mx = fmaxl(mx, fabs(gsl_matrix_get(X, q, j)));
        dloc[j] = 64 * (t + p) * EPS * mx;
      }
      l = (double)ld_logmvt(p, dfp, 4 * EPS * (nu0 + t + p), mu2, S, x->data, x->stride, dloc, &mag);
      if (!isfinite(l)) { /* no long-double reference (its Cholesky of the formed scale failed) */
        ok = 0;
        break;
      }
      chain += l;
      double dft, kt;
      bm_niw_posterior(m2, NULL, &kt, &dft, Psi2);
      ld L2[8][8];
      mag += fabs(l) + (ld_chol(p, Psi2, L2) ? 0.5 * dft * fabsl(ld_logdet_chol(p, L2)) : 0.0) +
             fabs(bm_lmvgamma(p, 0.5 * dft)) + p * fabs(log(dft)) + p * fabs(log(kt));
      if (!tally(c, bm_niw_update(m2, &row.matrix), "sequential update", DOC_EDOM)) ok = 0;
    }
    if (ok && n > 0) {
      ld L0[8][8], Ln[8][8];
      if (ld_chol(p, Psi0, L0) && ld_chol(p, Psin, Ln))
        mag += fabs(lml) + 0.5 * nu0 * fabsl(ld_logdet_chol(p, L0)) + 0.5 * nun * fabsl(ld_logdet_chol(p, Ln)) +
               fabs(bm_lmvgamma(p, 0.5 * nun)) + fabs(bm_lmvgamma(p, 0.5 * nu0)) + n * p * 1.2;
      /* nu/2 log|Psi| with Psi rounded: nu times its condition */
      mag += 1e10L * 64 * (p + n + 2) * EPS * 0.5L * (nu0 * ld_logdet_sens(p, Psi0) + nun * ld_logdet_sens(p, Psin));
      check_err(c, fabs(lml - chain), 3e-10 * mag + 1e-300, "evidence chain rule");
      /* stacked = sequential */
      double lml2;
      bm_niw_log_evidence(m2, &lml2);
      check_err(c, fabs(lml - lml2), 3e-10 * mag + 1e-300, "stacked vs sequential evidence");
      bm_niw_posterior(m2, mu2, NULL, NULL, Psi2);
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
          check_err(c, fabs(gsl_matrix_get(Psi2, i, j) - gsl_matrix_get(Psin, i, j)),
                    128 * (p + n + 2) * EPS *
                            (sqrt(gsl_matrix_get(Psin, i, i)) * sqrt(gsl_matrix_get(Psin, j, j)) +
                             kappa0 / kn * n * (fabs(gsl_vector_get(mun, i)) + fabs(gsl_vector_get(mu0, i))) *
                                 (fabs(gsl_vector_get(mun, j)) + fabs(gsl_vector_get(mu0, j))) +
                             /* each merge rounds the running mean: eps |xbar| against the spread */
                             n * (fabs(gsl_vector_get(mun, i)) * sqrt(gsl_matrix_get(Psin, j, j)) +
                                  fabs(gsl_vector_get(mun, j)) * sqrt(gsl_matrix_get(Psin, i, i)))) +
                        1e-300,
                    "stacked vs sequential Psi_n");
    }
  }
  /* the rest: success only with finite outputs, else documented with NaN */
  {
    double df;
    st = bm_niw_predictive_params(m, &df, mu2, Psi2);
    if (tally(c, st, "predictive_params", DOC_EDOM)) {
      if (!isfinite(df) || !vec_finite(mu2) || !mat_finite(Psi2)) wrong(c, "predictive_params non-finite");
    } else if (!mat_nan(Psi2)) {
      wrong(c, "predictive_params failed without NaN");
    }
    st = bm_niw_posterior_nw(m, mu2, NULL, NULL, Psi2);
    if (tally(c, st, "posterior_nw", DOC_EDOM) && !mat_finite(Psi2)) wrong(c, "posterior_nw W_n non-finite");
    for (int t = 0; t < 3; t++) {
      st = bm_niw_sample_posterior(m, r, mu2, S);
      if (tally(c, st, "sample_posterior", DOC_EDOM)) {
        if (!vec_finite(mu2) || !mat_finite(S)) wrong(c, "sample_posterior non-finite with BM_SUCCESS");
        double lp;
        /* a draw can be numerically singular (BM_EDOM, -inf) */
        st = bm_niw_log_posterior(m, mu2, S, &lp);
        if (tally(c, st, "log_posterior at a draw", DOC_EDOM | M_(BM_ENOTSYM)) && !isfinite(lp) && lp != -INFINITY)
          wrong(c, "log_posterior %g", lp);
      } else if (!vec_nan(mu2) || !mat_nan(S)) {
        wrong(c, "sample_posterior failed without NaN");
      }
    }
  }
done:
  bm_niw_free(m);
  bm_niw_free(m2);
  bm_mvt_free(pred);
  gsl_rng_free(r);
  free_vectors(mu0, mun, mu2, x);
  free_matrices(Psi0, Psin, Psi2, C, X, S);
}

/* ---- BLR ------------------------------------------------------------------ */

enum { K_NIG, K_KNOWN, K_IMPROPER };

/* rows of the stacked least-squares problem, long double: prior rows P0 = L0^{-1}
 * (b = P0 m0), data rows s sqrt(w_i) [x_i y_i] (s = sqrt(lambda) for known noise) */
typedef struct {
  size_t k, nr;
  ld a[16][8], b[16];
  /* prior: m0 and |Lambda0| |L0| |L0|^T |Lambda0| (Lambda0 = V0^-1 = L0^-T L0^-1), the size of
   * the change of Lambda0 under a backward error of the Cholesky factorization of V0 */
  int has_prior;
  ld m0[8], pmag[8][8];
} ls_rows;

static void prior_rows(size_t k, const gsl_matrix *V0, const double *m0, size_t stride, ls_rows *R)
{
  ld L[8][8], Li[8][8], Lam[8][8], T[8][8];
  ld_chol(k, V0, L);
  ld_tri_inv(k, L, Li);
  for (size_t i = 0; i < k; i++, R->nr++) {
    R->b[R->nr] = 0;
    for (size_t j = 0; j < k; j++) {
      R->a[R->nr][j] = Li[i][j];
      R->b[R->nr] += Li[i][j] * m0[j * stride];
    }
  }
  ld_inv_abs_and_bound(k, L, Li, Lam, T);
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      ld s = 0;
      for (size_t l = 0; l < k; l++)
        for (size_t q = 0; q < k; q++) s += Lam[i][l] * T[l][q] * Lam[q][j];
      R->pmag[i][j] = s;
    }
  R->has_prior = 1;
  for (size_t j = 0; j < k; j++) R->m0[j] = m0[j * stride];
}

static void blr_rows(size_t k, size_t n, int kind, const gsl_vector *m0, const gsl_matrix *V0, double lambda,
                     const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w, ls_rows *R)
{
  R->k = k;
  R->nr = 0;
  R->has_prior = 0;
  if (kind != K_IMPROPER) prior_rows(k, V0, m0->data, m0->stride, R);
  ld sl = kind == K_KNOWN ? sqrtl(lambda) : 1;
  for (size_t t = 0; t < n; t++, R->nr++) {
    ld sw = sl * (w ? sqrtl(gsl_vector_get(w, t)) : 1);
    for (size_t j = 0; j < k; j++) R->a[R->nr][j] = sw * gsl_matrix_get(X, t, j);
    R->b[R->nr] = sw * gsl_vector_get(y, t);
  }
}

/* The stacked problem solved again in long double by the same row-wise
 * stable method (Givens rotations, 64-bit mantissa): R m = z. The double
 * results must agree within the componentwise perturbation bound of the
 * triangular system, |dm| <= g |R^-1| (|R| |m| + |z|), g = 64 (rows + k) eps;
 * the covariance V = R^-1 R^-T within 2 g |R^-1| |R| |R^-1| |R^-1|^T. */
typedef struct {
  size_t k;
  ld R[8][8], Ri[8][8], z[8], m[8], rho2;
  int ok;
} ld_ls;

static void ld_solve(const ls_rows *A, ld_ls *S)
{
  const size_t k = A->k, c = k + 1;
  ld T[9][9] = {{0}};
  for (size_t i = 0; i < A->nr; i++) {
    ld r[9];
    for (size_t j = 0; j < k; j++) r[j] = A->a[i][j];
    r[k] = A->b[i];
    for (size_t j = 0; j < c; j++) {
      if (r[j] == 0) continue;
      ld h = hypotl(T[j][j], r[j]), cs = T[j][j] / h, sn = r[j] / h;
      T[j][j] = h;
      for (size_t l = j + 1; l < c; l++) {
        ld x = T[j][l], y = r[l];
        T[j][l] = cs * x + sn * y;
        r[l] = cs * y - sn * x;
      }
    }
  }
  S->k = k;
  S->ok = 1;
  for (size_t i = 0; i < k; i++) {
    if (!(T[i][i] > 0)) S->ok = 0;
    S->z[i] = T[i][k];
    S->rho2 = T[k][k] * T[k][k];
    for (size_t j = 0; j < k; j++) S->R[i][j] = T[i][j];
  }
  if (!S->ok) return;
  for (size_t i = k; i-- > 0;) {
    ld v = S->z[i];
    for (size_t j = i + 1; j < k; j++) v -= S->R[i][j] * S->m[j];
    S->m[i] = v / S->R[i][i];
  }
  for (size_t j = 0; j < k; j++) /* Ri = R^-1, upper */
    for (size_t i = k; i-- > 0;) {
      if (i > j) {
        S->Ri[i][j] = 0;
        continue;
      }
      ld v = i == j;
      for (size_t l = i + 1; l <= j; l++) v -= S->R[i][l] * S->Ri[l][j];
      S->Ri[i][j] = v / S->R[i][i];
    }
}

/* the rows with every entry changed by a random relative 64 eps: the long-double
 * solutions of both give an empirical sensitivity (a nearly collinear design under
 * a weak prior can exceed the first-order componentwise bound) */
static void perturb_rows(const ls_rows *A, ls_rows *B)
{
  *B = *A;
  for (size_t i = 0; i < A->nr; i++) {
    for (size_t j = 0; j < A->k; j++) B->a[i][j] *= 1 + 4 * EPS * unif(-1, 1);
    B->b[i] *= 1 + 4 * EPS * unif(-1, 1);
  }
}

/* returns the largest bound / |m_j|: the relative sensitivity of the mean (inf when unknown) */
static double check_mean(klass *c, const ls_rows *A, const gsl_vector *m, const char *what)
{
  ld_ls S, P;
  ls_rows B;
  ld_solve(A, &S);
  if (!S.ok) return INFINITY;
  perturb_rows(A, &B);
  ld_solve(&B, &P);
  double sens = 0.0;
  const size_t k = A->k;
  const ld g = 64.0L * (A->nr + k) * EPS;
  for (size_t j = 0; j < k; j++) {
    ld mag = 0;
    for (size_t l = j; l < k; l++) {
      ld t = fabsl(S.z[l]);
      for (size_t q = l; q < k; q++) t += fabsl(S.R[l][q] * S.m[q]);
      mag += fabsl(S.Ri[j][l]) * t;
    }
    /* componentwise relative rounding of the rows themselves (a nearly collinear
     * design under a weak prior is this sensitive): 2 |V| |A|^T (|A| |m| + |b|) */
    for (size_t l = 0; l < k; l++) {
      ld v = 0, t = 0;
      for (size_t q = 0; q < k; q++) v += S.Ri[j][q] * S.Ri[l][q];
      for (size_t i = 0; i < A->nr; i++) {
        ld f = fabsl(A->b[i]);
        for (size_t q = 0; q < k; q++) f += fabsl(A->a[i][q] * S.m[q]);
        t += fabsl(A->a[i][l]) * f;
      }
      mag += 2 * fabsl(v) * t;
    }
    if (A->has_prior) /* |V| pmag |m - m0|, V = R^-1 R^-T */
      for (size_t l = 0; l < k; l++) {
        ld v = 0, t = 0;
        for (size_t q = 0; q < k; q++) v += S.Ri[j][q] * S.Ri[l][q];
        for (size_t q = 0; q < k; q++) t += A->pmag[l][q] * fabsl(S.m[q] - A->m0[q]);
        mag += fabsl(v) * t;
      }
    ld emp = P.ok ? 4 * fabsl(P.m[j] - S.m[j]) : 0;
    check_err(c, (double)fabsl(gsl_vector_get(m, j) - S.m[j]), (double)(g * mag + emp) + 1e-300, what);
    sens = fmax(sens, (double)((g * mag + emp) / (fabsl(S.m[j]) + (A->has_prior ? fabsl(A->m0[j]) : 0) + 1e-300)));
  }
  return sens;
}

static void check_cov(klass *c, const ls_rows *A, const gsl_matrix *V, double scale, const char *what)
{
  ld_ls S, P;
  ls_rows B;
  ld_solve(A, &S);
  if (!S.ok) return;
  perturb_rows(A, &B);
  ld_solve(&B, &P);
  const size_t k = A->k;
  const ld g = 64.0L * (A->nr + k) * EPS;
  ld W[8][8]; /* |R^-1| |R| |R^-1| */
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      ld s = 0;
      for (size_t l = 0; l < k; l++)
        for (size_t q = 0; q < k; q++) s += fabsl(S.Ri[i][l] * S.R[l][q] * S.Ri[q][j]);
      W[i][j] = s;
    }
  ld Vl[8][8];
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      Vl[i][j] = 0;
      for (size_t l = 0; l < k; l++) Vl[i][j] += S.Ri[i][l] * S.Ri[j][l];
    }
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      ld v = Vl[i][j], mag = 0;
      for (size_t l = 0; l < k; l++) mag += W[i][l] * fabsl(S.Ri[j][l]) + fabsl(S.Ri[i][l]) * W[j][l];
      for (size_t l = 0; l < k; l++) /* 2 |V| |A|^T |A| |V| */
        for (size_t q = 0; q < k; q++) {
          ld g = 0;
          for (size_t r = 0; r < A->nr; r++) g += fabsl(A->a[r][l] * A->a[r][q]);
          mag += 2 * fabsl(Vl[i][l]) * g * fabsl(Vl[q][j]);
        }
      if (A->has_prior) /* |V| pmag |V| */
        for (size_t l = 0; l < k; l++)
          for (size_t q = 0; q < k; q++) mag += fabsl(Vl[i][l]) * A->pmag[l][q] * fabsl(Vl[q][j]);
      ld emp = 0;
      if (P.ok) {
        ld pv = 0;
        for (size_t l = 0; l < k; l++) pv += P.Ri[i][l] * P.Ri[j][l];
        emp = 4 * fabsl(pv - v);
      }
      check_err(c, (double)fabsl(gsl_matrix_get(V, i, j) - scale * v), (double)(scale * (g * mag + emp)) + 1e-300, what);
    }
}

/* first-order effect of the Cholesky backward error of V0 on (beta - m0)^T V0^-1 (beta - m0) */
static ld prior_q(const ls_rows *R, const double *beta, size_t stride)
{
  if (!R->has_prior) return 0;
  ld s = 0;
  for (size_t i = 0; i < R->k; i++)
    for (size_t j = 0; j < R->k; j++)
      s += fabsl(beta[i * stride] - R->m0[i]) * R->pmag[i][j] * fabsl(beta[j * stride] - R->m0[j]);
  return s;
}

/* log t_1(y | df, loc, s2) (df = inf: Gaussian), long double */
static ld ld_logt(double df, double loc, double s2, ld y, ld locrel, ld *mag)
{
  ld z2 = (y - loc) * (y - loc) / s2;
  /* the data and loc carry relative errors (eps, locrel): y - loc may cancel */
  *mag += 1e10L * fabsl(y - loc) * (fabsl(y) * EPS + fabsl((ld)loc) * locrel) / s2 * (isinf(df) ? 1 : (df + 1) / (df + z2));
  if (isinf(df)) {
    *mag += 0.5L * fabsl(logl(2 * M_PI * (ld)s2)) + 0.5L * z2;
    return -0.5L * logl(2 * M_PI * (ld)s2) - 0.5L * z2;
  }
  ld a = lgammal(0.5L * (df + 1)), b = lgammal(0.5L * df), cc = 0.5L * logl(df * M_PI * (ld)s2),
     d = 0.5L * (df + 1) * log1pl(z2 / df);
  *mag += fabsl(a) + fabsl(b) + fabsl(cc) + fabsl(d);
  return a - b - cc - d;
}

static void blr_point(void)
{
  const int kind = (int)gsl_rng_uniform_int(RNG, 3);
  klass *c = kind == K_NIG ? &BLR_NIG : kind == K_KNOWN ? &BLR_KN : &BLR_IMP;
  c->points++;
  const size_t k = 1 + gsl_rng_uniform_int(RNG, 4), n = gsl_rng_uniform_int(RNG, MAXN);
  const double sy = lu(-80, 80), noise = lu(-6, 0);
  double u[8] = {0};
  for (size_t j = 0; j < k; j++) u[j] = coin(0.7) ? lu(-60, 60) : 1.0;
  const int collinear = k >= 2 && coin(0.15);
  gsl_matrix *X = gsl_matrix_alloc(n ? n : 1, k), *V0 = gsl_matrix_alloc(k, k), *Vn = gsl_matrix_alloc(k, k);
  gsl_vector *y = gsl_vector_alloc(n ? n : 1), *w = gsl_vector_alloc(n ? n : 1), *m0 = gsl_vector_alloc(k);
  gsl_vector *mn = gsl_vector_alloc(k), *mn2 = gsl_vector_alloc(k), *xs = gsl_vector_alloc(k), *b2 = gsl_vector_alloc(k);
  const int weighted = coin(0.5);
  const double wr = coin(0.2) ? 26.0 : unif(0, 13);
  snprintf(CUR, sizeof CUR, "kind %d k %zu n %zu sy %.3g units %.3g..%.3g collinear %d weights %s 1e%.1f", kind, k, n,
           sy, u[0], u[k - 1], collinear, weighted ? "span" : "none", wr);
  double beta[8];
  for (size_t j = 0; j < k; j++) beta[j] = sy / u[j] * gauss();
  for (size_t t = 0; t < n; t++) {
    double yt = 0;
    for (size_t j = 0; j < k; j++) {
      double v = collinear && j == k - 1 ? 3.0 * gsl_matrix_get(X, t, 0) : u[j] * gauss();
      gsl_matrix_set(X, t, j, v);
      yt += v * beta[j];
    }
    gsl_vector_set(y, t, yt + sy * noise * gauss());
    gsl_vector_set(w, t, weighted ? lu(-wr / 2, wr / 2) : 1.0);
  }
  /* prior covariance in the units of beta (known noise) or beta / sigma (NIG) */
  rand_spd(k, lu(0, 12), 1.0, V0);
  const double vs = lu(-6, 6) * (kind == K_KNOWN ? sy * sy : 1.0);
  for (size_t i = 0; i < k; i++) {
    gsl_vector_set(m0, i, sy / u[i] * gauss());
    for (size_t j = 0; j < k; j++) gsl_matrix_set(V0, i, j, gsl_matrix_get(V0, i, j) * vs / (u[i] * u[j]));
  }
  const double a0 = lu(-2, 3), b0 = sy * sy * lu(-3, 3), lambda = lu(-6, 30) / (sy * sy);
  gsl_matrix_view Xv = gsl_matrix_submatrix(X, 0, 0, n ? n : 1, k);
  gsl_vector_view yv = gsl_vector_subvector(y, 0, n ? n : 1), wv = gsl_vector_subvector(w, 0, n ? n : 1);
  gsl_matrix E = empty_rows(k);
  gsl_vector Ev = empty_vector();
  const gsl_matrix *Xd = n ? &Xv.matrix : &E;
  const gsl_vector *yd = n ? &yv.vector : &Ev, *wd = n ? &wv.vector : &Ev;
  bm_blr *m = bm_blr_alloc(k), *m2 = bm_blr_alloc(k);
  int st;
  if (kind == K_NIG) st = bm_blr_set_prior_nig(m, m0, V0, a0, b0);
  else if (kind == K_KNOWN) st = bm_blr_set_prior_known_noise(m, m0, V0, lambda);
  else st = bm_blr_set_prior_improper(m);
  if (!tally(c, st, "set_prior", DOC_EDOM)) goto done;
  if (kind == K_NIG) bm_blr_set_prior_nig(m2, m0, V0, a0, b0);
  else if (kind == K_KNOWN) bm_blr_set_prior_known_noise(m2, m0, V0, lambda);
  else bm_blr_set_prior_improper(m2);
  if (!tally(c, bm_blr_update_weighted(m, Xd, yd, wd), "update", DOC_EDOM)) goto done;
  double a, b, sens = INFINITY;
  if (kind == K_KNOWN) {
    st = bm_blr_posterior_gaussian(m, mn, Vn);
    a = b = 1.0;
  } else {
    st = bm_blr_posterior_nig(m, mn, Vn, &a, &b);
  }
  if (!tally(c, st, "posterior", DOC_EDOM)) {
    if (!vec_nan(mn)) wrong(c, "posterior failed without NaN");
    /* the improper prior must refuse exactly the cases it documents */
    if (kind != K_IMPROPER) wrong(c, "proper prior refused: status %d (k %zu n %zu)", st, k, n);
    goto done;
  }
  if (!vec_finite(mn) || !mat_finite(Vn) || !isfinite(a) || !isfinite(b)) {
    wrong(c, "posterior non-finite with BM_SUCCESS");
    goto done;
  }
  if (kind == K_IMPROPER && (n <= k || collinear)) wrong(c, "improper posterior with n %zu k %zu collinear %d", n, k, collinear);
  {
    ls_rows R;
    blr_rows(k, n, kind, m0, V0, lambda, Xd, yd, wd, &R);
    sens = check_mean(c, &R, mn, "posterior mean");
    if (!(sens <= 1e-9)) c_ill(c);
    check_cov(c, &R, Vn, 1.0, "posterior covariance");
    if (kind != K_KNOWN) {
      /* b_n - b0 = half the residual sum of squares, rho^2 of the long-double solve,
       * to within the rounding of the rows (relative eps, at most |f_i| (|a_i| |m| + |b_i|)) */
      ld_ls S;
      ld_solve(&R, &S);
      ld mag = 0;
      for (size_t q = 0; q < R.nr; q++) {
        ld g = fabsl(R.b[q]);
        for (size_t l = 0; l < k; l++) g += fabsl(R.a[q][l] * gsl_vector_get(mn, l));
        mag += g * g;
      }
      ld bref = (kind == K_NIG ? b0 : 0) + S.rho2 / 2;
      mag += prior_q(&R, mn->data, mn->stride); /* the prior quadratic form's sensitivity to V0 */
      if (S.ok)
        check_err(c, (double)fabsl(b - bref), (double)(64 * (R.nr + k) * EPS * ((kind == K_NIG ? b0 : 0) + mag)) + 1e-300,
                  "b_n");
    }
  }
  /* predictive, beta marginal, log posterior: finite with success */
  for (size_t j = 0; j < k; j++) gsl_vector_set(xs, j, u[j] * gauss());
  {
    double df, loc, s2;
    st = bm_blr_predictive(m, xs, &df, &loc, &s2);
    if (tally(c, st, "predictive", DOC_EDOM) && (!isfinite(loc) || !isfinite(s2) || isnan(df)))
      wrong(c, "predictive non-finite");
    if (kind != K_KNOWN) {
      st = bm_blr_posterior_beta_t(m, &df, mn2, Vn);
      if (tally(c, st, "beta_t", DOC_EDOM) && (!vec_finite(mn2) || !mat_finite(Vn))) wrong(c, "beta_t non-finite");
    }
    const double s2a = kind == K_KNOWN ? 1.0 : b / (a + 1.0), s2b = 2.0 * s2a;
    for (size_t j = 0; j < k; j++) gsl_vector_set(b2, j, gsl_vector_get(mn, j) * (1.0 + 1e-3 * gauss()));
    double lpa, lpb;
    if (!tally(c, bm_blr_log_posterior(m, mn, s2a, &lpa), "log_posterior", DOC_EDOM) ||
        !tally(c, bm_blr_log_posterior(m, b2, s2b, &lpb), "log_posterior", DOC_EDOM))
      goto evidence;
    if (!isfinite(lpa) || (!isfinite(lpb) && lpb != -INFINITY)) {
      wrong(c, "log_posterior %g %g", lpa, lpb);
      goto evidence;
    }
    if (kind != K_IMPROPER && isfinite(lpb) && sens <= 1e-9) {
      /* lp(b2, s2b) - lp(mn, s2a) = [log lik + log prior] difference (long double) */
      ls_rows R;
      blr_rows(k, n, kind, m0, V0, 1.0, Xd, yd, wd, &R);
      ld dq[2], mag = fabs(lpa) + fabs(lpb);
      const gsl_vector *bb[2] = {mn, b2};
      const double ss[2] = {s2a, s2b};
      for (int t = 0; t < 2; t++) {
        ld q = 0;
        for (size_t i = 0; i < R.nr; i++) {
          ld f = -R.b[i];
          for (size_t l = 0; l < k; l++) f += R.a[i][l] * gsl_vector_get(bb[t], l);
          /* known noise: data rows weighted by lambda, prior rows not */
          ld wt = kind == K_KNOWN && i >= k ? lambda : 1;
          q += wt * f * f;
        }
        if (kind == K_KNOWN) {
          dq[t] = -0.5L * q;
        } else {
          ld s = ss[t];
          dq[t] = -0.5L * q / s - 0.5L * (n + k) * logl(s) - (a0 + 1) * logl(s) - b0 / s;
        }
        mag += fabsl(0.5L * q / (kind == K_KNOWN ? 1 : ss[t])) + (n + k + a0 + 1) * fabsl(logl(ss[t])) + b0 / ss[t];
        /* V0's rounding, amplified by its condition (1e-12 / eps-relative of the quadratic forms) */
        mag += 0.002L * prior_q(&R, bb[t]->data, bb[t]->stride) / (kind == K_KNOWN ? 1 : ss[t]);
      }
      check_err(c, (double)fabsl((ld)(lpb - lpa) - (dq[1] - dq[0])), (double)(3e-10L * mag), "log posterior ratio");
    }
  evidence:;
  }
  if (kind == K_IMPROPER) {
    double lml;
    if (bm_blr_log_evidence(m, &lml) != BM_EDOM || !isnan(lml)) wrong(c, "improper evidence not BM_EDOM/NaN");
    goto done;
  }
  /* evidence: chain rule through the one-step predictives (weighted row (x, y, w)
   * is the unit-weight row sqrt(w) (x, y) with Jacobian sqrt(w)) */
  {
    double lml;
    if (!tally(c, bm_blr_log_evidence(m, &lml), "log_evidence", 0) || !isfinite(lml)) {
      if (!isfinite(lml)) wrong(c, "log_evidence %g", lml);
      goto done;
    }
    ld chain = 0, mag = fabs(lml) + fabs(a0 * log(b0)) + fabs(bm_lgamma(a0));
    {
      ls_rows R0;
      blr_rows(k, 0, kind, m0, V0, lambda, Xd, yd, wd, &R0);
      mag += 0.002L * (n + k) * prior_q(&R0, mn->data, mn->stride) * (kind == K_NIG ? (a0 + 0.5 * n) / b : 1.0);
    }
    int ok = 1;
    for (size_t t = 0; t < n && ok; t++) {
      double df, loc, s2, wt = gsl_vector_get(w, t), sw = sqrt(wt);
      for (size_t j = 0; j < k; j++) gsl_vector_set(xs, j, sw * gsl_matrix_get(X, t, j));
      st = bm_blr_predictive(m2, xs, &df, &loc, &s2);
      if (!tally(c, st, "sequential predictive", DOC_EDOM)) {
        ok = 0;
        break;
      }
      chain += ld_logt(df, loc, s2, (ld)sw * gsl_vector_get(y, t), fmax(sens, 64 * (n + k) * EPS), &mag) + 0.5L * logl(wt);
      mag += 0.5 * fabs(log(wt));
      gsl_matrix_const_view row = gsl_matrix_const_submatrix(X, t, 0, 1, k);
      gsl_vector_const_view yr = gsl_vector_const_subvector(y, t, 1), wr1 = gsl_vector_const_subvector(w, t, 1);
      if (!tally(c, bm_blr_update_weighted(m2, &row.matrix, &yr.vector, &wr1.vector), "sequential update", DOC_EDOM))
        ok = 0;
    }
    if (ok && sens <= 1e-9) {
      double lml2;
      bm_blr_log_evidence(m2, &lml2);
      mag += fabs(lml2);
      check_err(c, (double)fabsl((ld)lml - chain), (double)(3e-10L * mag), "evidence chain rule");
      check_err(c, fabs(lml - lml2), (double)(3e-10L * mag), "stacked vs sequential evidence");
      if (kind == K_KNOWN) st = bm_blr_posterior_gaussian(m2, mn2, NULL);
      else st = bm_blr_posterior_nig(m2, mn2, NULL, NULL, NULL);
      if (tally(c, st, "sequential posterior", DOC_EDOM)) {
        ls_rows R;
        blr_rows(k, n, kind, m0, V0, lambda, Xd, yd, wd, &R);
        check_mean(c, &R, mn2, "posterior mean, sequential updates");
      }
    }
  }
done:
  bm_blr_free(m);
  bm_blr_free(m2);
  free_matrices(X, V0, Vn);
  free_vectors(y, w, m0, mn, mn2, xs, b2);
}

/* ---- MNIW ----------------------------------------------------------------- */

static void mniw_point(void)
{
  klass *c = &MNIW_;
  c->points++;
  const size_t k = 1 + gsl_rng_uniform_int(RNG, 3), d = 1 + gsl_rng_uniform_int(RNG, 3),
               n = gsl_rng_uniform_int(RNG, 8);
  const double sy = lu(-80, 80), nu0 = (double)d - 1.0 + lu(-9, 12);
  double u[8] = {0};
  for (size_t j = 0; j < k; j++) u[j] = coin(0.7) ? lu(-60, 60) : 1.0;
  snprintf(CUR, sizeof CUR, "k %zu d %zu n %zu sy %.3g units %.3g..%.3g nu0 - d + 1 %.3g", k, d, n, sy, u[0], u[k - 1],
           nu0 - (double)d + 1.0);
  gsl_matrix *B0 = gsl_matrix_alloc(k, d), *V0 = gsl_matrix_alloc(k, k), *Psi0 = gsl_matrix_alloc(d, d);
  gsl_matrix *X = gsl_matrix_alloc(n ? n : 1, k), *Y = gsl_matrix_alloc(n ? n : 1, d), *Bn = gsl_matrix_alloc(k, d);
  gsl_matrix *Vn = gsl_matrix_alloc(k, k), *Psin = gsl_matrix_alloc(d, d), *B2 = gsl_matrix_alloc(k, d);
  gsl_matrix *S2 = gsl_matrix_alloc(d, d), *Xs = gsl_matrix_alloc(1, k), *Ms = gsl_matrix_alloc(1, d),
             *Ss = gsl_matrix_alloc(1, 1), *Ys = gsl_matrix_alloc(1, d);
  rand_spd(k, lu(0, 12), 1.0, V0);
  const double vs = lu(-6, 6);
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) gsl_matrix_set(V0, i, j, gsl_matrix_get(V0, i, j) * vs / (u[i] * u[j]));
  const double cpsi = lu(0, 12);
  rand_spd(d, cpsi, fmax(sy * sy * lu(-2, 2), 1e-290 * cpsi), Psi0);
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < d; j++) gsl_matrix_set(B0, i, j, sy / u[i] * gauss());
  for (size_t t = 0; t < n; t++) {
    for (size_t j = 0; j < k; j++) gsl_matrix_set(X, t, j, u[j] * gauss());
    for (size_t l = 0; l < d; l++) {
      double v = sy * lu(-6, 0) * gauss();
      for (size_t j = 0; j < k; j++) v += gsl_matrix_get(X, t, j) * gsl_matrix_get(B0, j, l) * (1 + 0.1 * gauss());
      gsl_matrix_set(Y, t, l, v);
    }
  }
  bm_mniw *m = bm_mniw_alloc(k, d), *m2 = bm_mniw_alloc(k, d), *m3 = bm_mniw_alloc(k, d);
  bm_mniw_stats *s = bm_mniw_stats_alloc(k, d);
  bm_matt *pred = bm_matt_alloc(1, d);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, gsl_rng_get(RNG));
  gsl_matrix_view Xv = gsl_matrix_submatrix(X, 0, 0, n ? n : 1, k), Yv = gsl_matrix_submatrix(Y, 0, 0, n ? n : 1, d);
  if (!tally(c, bm_mniw_set_prior(m, B0, V0, nu0, Psi0), "set_prior", DOC_EDOM)) goto done;
  bm_mniw_set_prior(m2, B0, V0, nu0, Psi0);
  bm_mniw_set_prior(m3, B0, V0, nu0, Psi0);
  if (n > 0) {
    if (!tally(c, bm_mniw_update(m, &Xv.matrix, &Yv.matrix), "update", DOC_EDOM)) goto done;
    /* from statistics: the same posterior */
    if (tally(c, bm_mniw_stats_compute(s, &Xv.matrix, &Yv.matrix), "stats_compute", 0) &&
        tally(c, bm_mniw_update_stats(m3, s), "update_stats", DOC_EDOM)) {
      bm_mniw_posterior(m3, B2, NULL, NULL, NULL);
      bm_mniw_posterior(m, Bn, NULL, NULL, NULL);
      for (size_t i = 0; i < k * d; i++) /* the same arithmetic: bitwise equal */
        if (B2->data[i] != Bn->data[i]) wrong(c, "update and update_stats differ: %g %g", B2->data[i], Bn->data[i]);
    }
  }
  double nun;
  int st = bm_mniw_posterior(m, Bn, Vn, &nun, Psin);
  if (!tally(c, st, "posterior", DOC_EDOM)) {
    if (!mat_nan(Vn)) wrong(c, "posterior failed without NaN");
    goto done;
  }
  if (!mat_finite(Bn) || !mat_finite(Vn) || !mat_finite(Psin) || !isfinite(nun)) {
    wrong(c, "posterior non-finite with BM_SUCCESS");
    goto done;
  }
  /* each column of B_n solves its stacked least-squares problem */
  {
    for (size_t l = 0; l < d; l++) {
      ls_rows R = {0};
      R.k = k;
      R.nr = 0;
      prior_rows(k, V0, B0->data + l, B0->tda, &R);
      for (size_t t = 0; t < n; t++, R.nr++) {
        for (size_t j = 0; j < k; j++) R.a[R.nr][j] = gsl_matrix_get(X, t, j);
        R.b[R.nr] = gsl_matrix_get(Y, t, l);
      }
      gsl_vector_view col = gsl_matrix_column(Bn, l);
      check_mean(c, &R, &col.vector, "B_n column");
      if (l == 0) check_cov(c, &R, Vn, 1.0, "V_n");
    }
  }
  /* evidence: chain of one-row predictive matrix-t objects; stacked = sequential */
  {
    double lml;
    if (!tally(c, bm_mniw_log_evidence(m, &lml), "log_evidence", 0) || !isfinite(lml)) {
      if (!isfinite(lml)) wrong(c, "log_evidence %g", lml);
      goto done;
    }
    double chain = 0;
    ld mag = fabs(lml);
    int ok = 1;
    for (size_t t = 0; t < n && ok; t++) {
      gsl_matrix_const_view xr = gsl_matrix_const_submatrix(X, t, 0, 1, k), yr = gsl_matrix_const_submatrix(Y, t, 0, 1, d);
      if (!tally(c, bm_mniw_predictive(m2, &xr.matrix, pred), "predictive", DOC_EDOM)) {
        ok = 0;
        break;
      }
      double l, nut;
      if (!tally(c, bm_matt_logpdf(pred, &yr.matrix, &l), "predictive logpdf", 0) || !isfinite(l)) {
        ok = 0;
        break;
      }
      /* the chain in long double: one row is t_d(nu, x B_n, (1 + x V_n x^T) Psi_n / nu) */
      double nup;
      if (!tally(c, bm_mniw_predictive_params(m2, &xr.matrix, &nup, Ms, Ss, S2), "predictive_params", DOC_EDOM)) {
        ok = 0;
        break;
      }
      {
        gsl_vector *lv = gsl_vector_alloc(d);
        ld dloc[8];
        for (size_t j = 0; j < d; j++) {
          gsl_vector_set(lv, j, gsl_matrix_get(Ms, 0, j));
          dloc[j] = 64 * (t + k + 1) * EPS * fabs(gsl_matrix_get(Ms, 0, j));
        }
        gsl_matrix_scale(S2, gsl_matrix_get(Ss, 0, 0) / nup);
        l = (double)ld_logmvt(d, nup, 4 * EPS * (nu0 + t + d), lv, S2, yr.matrix.data, 1, dloc, &mag);
        gsl_vector_free(lv);
        if (!isfinite(l)) {
          ok = 0;
          break;
        }
      }
      chain += l;
      bm_mniw_posterior(m2, NULL, NULL, &nut, S2);
      ld L2[8][8];
      mag += fabs(l) + (ld_chol(d, S2, L2) ? 0.5 * nut * fabsl(ld_logdet_chol(d, L2)) : 0.0) +
             fabs(bm_lmvgamma(d, 0.5 * nut)) + d * fabs(log(nut));
      if (!tally(c, bm_mniw_update(m2, &xr.matrix, &yr.matrix), "sequential update", DOC_EDOM)) ok = 0;
    }
    if (ok && n > 0) {
      ld L0[8][8], Ln[8][8];
      if (ld_chol(d, Psi0, L0) && ld_chol(d, Psin, Ln))
        mag += 0.5 * nu0 * fabsl(ld_logdet_chol(d, L0)) + 0.5 * nun * fabsl(ld_logdet_chol(d, Ln)) +
               fabs(bm_lmvgamma(d, 0.5 * nun)) + fabs(bm_lmvgamma(d, 0.5 * nu0));
      mag += 1e10L * 64 * (d + n + 2) * EPS * 0.5L * (nu0 * ld_logdet_sens(d, Psi0) + nun * ld_logdet_sens(d, Psin));
      check_err(c, fabs(lml - chain), 3e-10 * mag, "evidence chain rule");
      double lml2;
      bm_mniw_log_evidence(m2, &lml2);
      check_err(c, fabs(lml - lml2), 3e-10 * mag, "stacked vs sequential evidence");
    }
  }
  {
    double lp, nu;
    for (size_t i = 0; i < d * d; i++) S2->data[i] = Psin->data[i] / (nun + (double)d + 1.0);
    st = bm_mniw_log_posterior(m, Bn, S2, &lp);
    if (tally(c, st, "log_posterior", DOC_EDOM | M_(BM_ENOTSYM)) && !isfinite(lp)) wrong(c, "log_posterior %g", lp);
    for (int t = 0; t < 3; t++) {
      st = bm_mniw_sample_posterior(m, r, B2, S2);
      if (tally(c, st, "sample_posterior", DOC_EDOM)) {
        if (!mat_finite(B2) || !mat_finite(S2)) wrong(c, "sample_posterior non-finite with BM_SUCCESS");
      } else if (!mat_nan(B2) || !mat_nan(S2)) {
        wrong(c, "sample_posterior failed without NaN");
      }
    }
    for (size_t j = 0; j < k; j++) gsl_matrix_set(Xs, 0, j, u[j] * gauss());
    st = bm_mniw_predictive_params(m, Xs, &nu, Ms, Ss, S2);
    if (tally(c, st, "predictive_params", DOC_EDOM) && (!mat_finite(Ms) || !mat_finite(Ss) || !mat_finite(S2)))
      wrong(c, "predictive_params non-finite");
    st = bm_mniw_predictive(m, Xs, pred);
    if (tally(c, st, "predictive", DOC_EDOM)) {
      for (size_t j = 0; j < d; j++) gsl_matrix_set(Ys, 0, j, gsl_matrix_get(Ms, 0, j));
      double l;
      if (tally(c, bm_matt_logpdf(pred, Ys, &l), "predictive logpdf at its mean", 0) && !isfinite(l))
        wrong(c, "predictive logpdf %g", l);
    }
  }
done:
  bm_mniw_free(m);
  bm_mniw_free(m2);
  bm_mniw_free(m3);
  bm_mniw_stats_free(s);
  bm_matt_free(pred);
  gsl_rng_free(r);
  free_matrices(B0, V0, Psi0, X, Y, Bn, Vn, Psin, B2, S2, Xs, Ms, Ss, Ys);
}

/* ---- transforms ----------------------------------------------------------- */

static void log_point(void)
{
  klass *c = &TR_LOG;
  c->points++;
  const double x = lu(-300, 300), g = gauss(), h = gauss();
  snprintf(CUR, sizeof CUR, "x %.17g", x);
  double u, x2, lj, gu, hu;
  if (!tally(c, bm_transform_log_forward(x, &u), "forward", 0)) return;
  check_err(c, fabsl((ld)u - logl(x)), EPS * fabs(u) + 1e-300, "log x");
  if (tally(c, bm_transform_log_inverse(u, &x2, &lj), "inverse", 0)) {
    check_err(c, fabs(x2 - x), 2 * EPS * (1 + fabs(u)) * x, "exp(log x)");
    check_err(c, fabs(lj - u), 1e-300, "log|J| = u");
  }
  const double uu = unif(-800, 800);
  int st = bm_transform_log_chain(uu, g, h, &gu, &hu);
  if (tally(c, st, "chain", DOC_EDOM)) {
    ld e = expl(uu);
    check_err(c, fabsl(gu - e * g), 4 * EPS * fabsl(e * g) + 1e-300, "g_u = x g_x");
    check_err(c, fabsl(hu - (e * e * h + e * g)), 8 * EPS * (e * e * fabs(h) + e * fabs(g)) + 1e-300, "h_u");
  } else if (fabsl(uu) < 700 && expl(2 * uu) * fabs(h) + expl(uu) * fabs(g) < 0.5L * DBL_MAX) {
    wrong(c, "log chain refused u = %g", uu);
  }
  st = bm_transform_log_inverse(uu, &x2, &lj);
  if (tally(c, st, "inverse wide", DOC_EDOM) && (!isfinite(x2) || !(x2 > 0))) wrong(c, "exp(%g) = %g", uu, x2);
}

static void logit_point(void)
{
  klass *c = &TR_LOGIT;
  c->points++;
  const double u = (coin(0.5) ? 1 : -1) * lu(-9, 3), g = gauss(), h = gauss();
  snprintf(CUR, sizeof CUR, "u %.17g", u);
  const ld t = expl(-fabsl(u)), sref = t / ((1 + t) * (1 + t)), cref = -tanhl(0.5L * u);
  const ld xref = u >= 0 ? 1 / (1 + t) : t / (1 + t);
  double x, lj, gu, hu, u2;
  int st = bm_transform_logit_inverse(u, &x, &lj);
  if (tally(c, st, "inverse", DOC_EDOM)) {
    if (!(x > 0 && x < 1)) wrong(c, "logistic(%g) = %g", u, x);
    check_err(c, fabsl(x - xref), 2 * EPS * xref + DBL_TRUE_MIN, "logistic");
    ld ljref = -log1pl(expl(-u)) - log1pl(expl(u));
    check_err(c, fabsl(lj - ljref), 4 * EPS * fabsl(ljref) + 1e-300, "log|J|");
    if (tally(c, bm_transform_logit_forward(x, &u2), "forward", 0))
      /* x carries a rounding of eps (or one subnormal ulp) relative to min(x, 1 - x) */
      check_err(c, fabs(u2 - u),
                2 * EPS * (1 + fabs(u)) + (double)((EPS * xref + DBL_TRUE_MIN) / (xref * (1 - xref))),
                "logit(logistic u)");
  } else if (xref > 1e-300 && 1 - xref > EPS) {
    wrong(c, "logit inverse refused u = %g", u);
  }
  st = bm_transform_logit_chain(u, g, h, &gu, &hu);
  if (tally(c, st, "chain", DOC_EDOM)) {
    check_err(c, fabsl(gu - sref * g), 4 * EPS * fabsl(sref * g) + 1e-300, "g_u = x(1-x) g_x");
    check_err(c, fabsl(hu - (sref * sref * h + sref * cref * g)),
              8 * EPS * (sref * sref * fabs(h) + sref * fabsl(cref * g)) + 1e-300, "h_u");
  } else if (sref > 1e-300) {
    wrong(c, "logit chain refused u = %g", u);
  }
  const bm_transform_block blk = {BM_TRANSFORM_LOGIT, 1};
  gsl_vector *uv = gsl_vector_alloc(1), *gv = gsl_vector_calloc(1);
  gsl_matrix *H = gsl_matrix_calloc(1, 1);
  gsl_vector_set(uv, 0, u);
  if (tally(c, bm_transform_map_log_jacobian_add(&blk, 1, uv, gv, H), "log_jacobian_add", 0)) {
    check_err(c, fabsl(gsl_vector_get(gv, 0) - cref), 4 * EPS * fabsl(cref) + 1e-300, "d log|J| / du = 1 - 2x");
    check_err(c, fabsl(gsl_matrix_get(H, 0, 0) + 2 * sref), 8 * EPS * sref + 1e-300, "d2 log|J| / du2 = -2x(1-x)");
  }
  gsl_vector_free(uv);
  gsl_vector_free(gv);
  gsl_matrix_free(H);
}

static void logchol_point(void)
{
  klass *c = &TR_LC;
  c->points++;
  const size_t p = 1 + gsl_rng_uniform_int(RNG, 5), q = p * (p + 1) / 2;
  gsl_matrix *S = gsl_matrix_alloc(p, p), *S2 = gsl_matrix_alloc(p, p), *J = gsl_matrix_alloc(q, q);
  gsl_vector *th = gsl_vector_alloc(q), *gr = gsl_vector_alloc(q), *gv = gsl_vector_alloc(q), *gt = gsl_vector_alloc(q);
  rand_spd(p, lu(0, 12), lu(-150, 150), S);
  snprintf(CUR, sizeof CUR, "p %zu Sigma_00 %.3g", p, gsl_matrix_get(S, 0, 0));
  double lj;
  if (!tally(c, bm_transform_logchol_forward(S, th), "forward", M_(BM_ENOTSPD))) goto done;
  if (!vec_finite(th)) wrong(c, "forward non-finite");
  /* Cholesky's backward error, plus exp(log L_ii): relative eps |theta_ii| */
  double tolrt = 8 * (p + 1) * EPS;
  for (size_t i = 0; i < p; i++) tolrt += 4 * EPS * fabs(gsl_vector_get(th, bm_vech_index(p, i, i)));
  if (tally(c, bm_transform_logchol_inverse(th, S2, NULL), "inverse", DOC_EDOM)) {
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        check_err(c, fabs(gsl_matrix_get(S2, i, j) - gsl_matrix_get(S, i, j)),
                  tolrt * sqrt(gsl_matrix_get(S, i, i)) * sqrt(gsl_matrix_get(S, j, j)), "Sigma round trip");
  }
  if (tally(c, bm_transform_logchol_log_jacobian(th, &lj, gr), "log_jacobian", 0) &&
      tally(c, bm_transform_logchol_jacobian(th, J), "jacobian", DOC_EDOM)) {
    /* J is lower triangular: log|det J| = sum log|J_aa| */
    ld sl = 0, mag = 0;
    for (size_t a = 0; a < q; a++) {
      sl += logl(fabsl(gsl_matrix_get(J, a, a)));
      mag += fabsl(logl(fabsl(gsl_matrix_get(J, a, a))));
    }
    check_err(c, fabsl(lj - sl), 8 * q * EPS * (mag + 1), "log|J| = sum log|J_aa|");
    /* g_theta = J^T g_vech */
    for (size_t a = 0; a < q; a++) gsl_vector_set(gv, a, gauss());
    if (tally(c, bm_transform_logchol_chain(th, gv, NULL, gt, NULL), "chain", DOC_EDOM)) {
      for (size_t a = 0; a < q; a++) {
        ld s = 0, mag2 = 0;
        for (size_t b = 0; b < q; b++) {
          s += gsl_matrix_get(J, b, a) * gsl_vector_get(gv, b);
          mag2 += fabsl(gsl_matrix_get(J, b, a) * gsl_vector_get(gv, b));
        }
        check_err(c, fabsl(gsl_vector_get(gt, a) - s), 8 * (q + 1) * EPS * mag2 + 1e-300, "g_theta = J^T g");
      }
    }
  }
done:
  free_matrices(S, S2, J);
  free_vectors(th, gr, gv, gt);
}

/* ---- driver --------------------------------------------------------------- */

static void report(const klass *c)
{
  printf("  %-24s points %6ld  checks %7ld  success %7ld  worst err/tol %.3f  wrong %ld  ill-cond %ld  statuses:",
         c->name, c->points, c->checks, c->ok, c->worst, c->wrong, c->ill);
  for (int s = 1; s < BM_NSTATUS; s++)
    if (c->status[s]) printf(" %s x%ld", s == BM_EDOM ? "EDOM" : s == BM_ENONFINITE ? "ENONFINITE" : s == BM_ENOTSPD ? "ENOTSPD" : s == BM_ENOTSYM ? "ENOTSYM" : "other", c->status[s]);
  printf("\n");
}

static void sweep(void **state)
{
  (void)state;
  const char *se = getenv("BAYESMAT_SWEEP_SEED"), *sc = getenv("BAYESMAT_SWEEP_SCALE");
  unsigned long seed = se ? strtoul(se, NULL, 10) : 20261206UL;
  double scale = sc ? atof(sc) : 5.0;
  RNG = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(RNG, seed);
  const long base = (long)(1000 * scale);
  for (long i = 0; i < 2 * base; i++) niw_point();
  for (long i = 0; i < 6 * base; i++) blr_point();
  for (long i = 0; i < 2 * base; i++) mniw_point();
  for (long i = 0; i < 4 * base; i++) {
    log_point();
    logit_point();
  }
  for (long i = 0; i < 2 * base; i++) logchol_point();
  printf("sweep seed %lu scale %g\n", seed, scale);
  const klass *all[] = {&NIW_, &BLR_NIG, &BLR_KN, &BLR_IMP, &MNIW_, &TR_LOG, &TR_LOGIT, &TR_LC};
  long wrongs = 0;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    report(all[i]);
    wrongs += all[i]->wrong;
  }
  gsl_rng_free(RNG);
  assert_int_equal(wrongs, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(sweep)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
