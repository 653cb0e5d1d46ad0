/* Stress suite of bm_laplace with its DEFAULT options against an independent
 * reference (tests/data/gen_laplace_stress.py: Newton in numpy with long
 * double sums, run until its step stops shrinking; complex-step Hessians for
 * the covariance models). Problems: logistic, probit and Poisson-log GLMs
 * with Gaussian priors, n = 20 .. 1e5, q = 2 .. 50, column scales 1e-2 .. 1e2,
 * near-separable binary data; SPD covariances with an inverse-Wishart prior
 * and N(0, Sigma) data through the log-Cholesky transform, p = 2, 5, 10.
 * Every problem is fitted from theta = 0 and from a start 10 posterior
 * standard deviations off in every coordinate, with the analytic Hessian and
 * (where cheap) the finite-difference one. Every fit must succeed and match
 * the reference mode to 1e-8 (|diff| <= 1e-8 (|mode| + sd) per coordinate)
 * and the log evidence to 1e-8 relative. The data are regenerated here from
 * the splitmix64 stream the script uses (see there). Also: the stop-reason
 * names and the record of a fresh, a rejected and an FD-Hessian run; and 160
 * logistic regressions written as a new user would, each of which must
 * converge (stationarity by the decrement) within 40 callback calls.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_math.h>
#include "testutil.h"
#include "cleanup_util.h"
#include "iw_target.h"

#define MAXQ 64

static double unif(uint64_t seed, uint64_t k)
{
  uint64_t z = (seed << 32) + (k + 1) * UINT64_C(0x9E3779B97F4A7C15);
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1p-53;
}

static double zdraw(uint64_t seed, uint64_t k)
{
  double s = unif(seed, 4 * k) + unif(seed, 4 * k + 1);
  s += unif(seed, 4 * k + 2);
  s += unif(seed, 4 * k + 3);
  return (s - 2.0) * sqrt(3.0);
}

/* ------------------------------------------------------------------ */
/* GLMs: log f(b) = sum_i l(y_i, x_i^T b) + sum_j log N(b_j; 0, v_j)     */
enum { LOGIT, PROBIT, POISSON, IW };

typedef struct {
  int fam;
  size_t n, q;
  double *X, *y, v[MAXQ];
} glm;

static double col_scale(size_t j, int scaled)
{
  static const double s[5] = {1e-2, 1e-1, 1.0, 1e1, 1e2};
  return (j == 0 || !scaled) ? 1.0 : s[j % 5];
}

static int glm_make(glm *m, int fam, size_t n, size_t q, uint64_t seed, int scaled, int sep)
{
  m->fam = fam;
  m->n = n;
  m->q = q;
  m->X = malloc(n * q * sizeof *m->X);
  m->y = malloc(n * sizeof *m->y);
  if (!m->X || !m->y) return -1;
  double s[MAXQ], b[MAXQ];
  for (size_t j = 0; j < q; j++) {
    s[j] = col_scale(j, scaled);
    double B = fam == POISSON ? 0.5 : 1.0;
    b[j] = zdraw(seed, n * q + j) * (B / s[j] / sqrt((double)q));
    m->v[j] = (5.0 / s[j]) * (5.0 / s[j]);
  }
  b[0] = fam == POISSON ? 1.0 : 0.5;
  double ns = (fam == LOGIT ? 1.8 : 1.0) * (sep ? 0.05 : 1.0);
  for (size_t i = 0; i < n; i++) {
    double eta = 0.0;
    for (size_t j = 0; j < q; j++) {
      double x = j == 0 ? 1.0 : zdraw(seed, i * q + j) * s[j];
      m->X[i * q + j] = x;
      eta += x * b[j];
    }
    if (fam == POISSON) {
      double u = unif(seed, 4 * (n * q + q) + 4 * i), mu = exp(eta), p = exp(-mu), cdf = p;
      int k = 0;
      while (u > cdf && k < 1000) {
        k++;
        p *= mu / k;
        cdf += p;
      }
      m->y[i] = k;
    } else {
      m->y[i] = eta + zdraw(seed, n * q + q + i) * ns > 0 ? 1.0 : 0.0;
    }
  }
  return 0;
}

static double log1pexp(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }

/* l, dl/deta, d2l/deta2 of one observation */
static void glm_terms(int fam, double y, double eta, double *l, double *d1, double *d2)
{
  if (fam == LOGIT) {
    double a = exp(-fabs(eta)), sig = eta >= 0 ? 1 / (1 + a) : a / (1 + a);
    *l = y * eta - log1pexp(eta);
    *d1 = y - sig;
    *d2 = -a / ((1 + a) * (1 + a));
  } else if (fam == PROBIT) {
    double sg = 2 * y - 1, t = sg * eta;
    gsl_sf_result lr, hr;
    if (t < 0) {
      gsl_sf_log_erfc_e(-t / M_SQRT2, &lr);
      *l = lr.val - M_LN2;
    } else {
      *l = log1p(-0.5 * erfc(t / M_SQRT2));
    }
    gsl_sf_hazard_e(-t, &hr); /* phi(t) / Phi(t) */
    *d1 = sg * hr.val;
    *d2 = -hr.val * (t + hr.val);
  } else {
    double mu = exp(eta);
    *l = y * eta - mu - lgamma(y + 1);
    *d1 = y - mu;
    *d2 = -mu;
  }
}

static int glm_eval(const gsl_vector *b, const glm *m, double *f, gsl_vector *g, gsl_matrix *H)
{
  size_t q = m->q;
  double bb[MAXQ], acc = 0;
  for (size_t j = 0; j < q; j++) bb[j] = gsl_vector_get(b, j);
  if (g)
    for (size_t j = 0; j < q; j++) gsl_vector_set(g, j, -bb[j] / m->v[j]);
  if (H) {
    gsl_matrix_set_zero(H);
    for (size_t j = 0; j < q; j++) gsl_matrix_set(H, j, j, -1 / m->v[j]);
  }
  for (size_t i = 0; i < m->n; i++) {
    const double *x = m->X + i * q;
    double eta = 0, l, d1, d2;
    for (size_t j = 0; j < q; j++) eta += x[j] * bb[j];
    glm_terms(m->fam, m->y[i], eta, &l, &d1, &d2);
    acc += l;
    if (g)
      for (size_t j = 0; j < q; j++) g->data[j * g->stride] += d1 * x[j];
    if (H)
      for (size_t j = 0; j < q; j++)
        for (size_t k = 0; k <= j; k++) H->data[j * H->tda + k] += d2 * x[j] * x[k];
  }
  if (H)
    for (size_t j = 0; j < q; j++)
      for (size_t k = 0; k < j; k++) gsl_matrix_set(H, k, j, gsl_matrix_get(H, j, k));
  if (f) {
    for (size_t j = 0; j < q; j++) acc -= 0.5 * log(2 * M_PI * m->v[j]) + bb[j] * bb[j] / (2 * m->v[j]);
    *f = acc;
  }
  return 0;
}
static int glm_f(const gsl_vector *b, void *p, double *f) { return glm_eval(b, p, f, NULL, NULL); }
static int glm_g(const gsl_vector *b, void *p, gsl_vector *g) { return glm_eval(b, p, NULL, g, NULL); }
static int glm_h(const gsl_vector *b, void *p, gsl_matrix *H) { return glm_eval(b, p, NULL, NULL, H); }

/* ------------------------------------------------------------------ */
/* covariance: the IW(p + 3, I) posterior of n rows drawn from the stream */
static void iw_make(iw_target *m, size_t p, size_t n, uint64_t seed)
{
  size_t q = p * (p + 1) / 2, k = 0;
  double Lt[10][10] = {{0}}, z[10], x[10];
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++, k++) {
      double zz = zdraw(seed, k);
      Lt[i][j] = i == j ? exp(0.3 * zz) : 0.5 * zz;
    }
  m->p = p;
  m->a = 0.5 * ((double)p + 3.0 + (double)p + 1 + (double)n);
  m->B = gsl_matrix_alloc(p, p);
  gsl_matrix_set_identity(m->B);
  for (size_t r = 0; r < n; r++) {
    for (size_t c = 0; c < p; c++) z[c] = zdraw(seed, q + r * p + c);
    for (size_t i = 0; i < p; i++) {
      x[i] = 0;
      for (size_t c = 0; c <= i; c++) x[i] += Lt[i][c] * z[c];
    }
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) gsl_matrix_set(m->B, i, j, gsl_matrix_get(m->B, i, j) + x[i] * x[j]);
  }
}

/* ------------------------------------------------------------------ */
typedef struct {
  size_t fits, failures;
  double worst_mode, worst_lz; /* over the successful fits */
  size_t *calls[2]; /* callback calls per fit: analytic Hessian, FD Hessian */
  size_t ncalls[2], cap[2];
} tally;

static int cmp_size(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

/* one fit with default options; counts it and reports a mismatch */
static void fit_one(tally *t, int fd, const bm_laplace_problem *prob, const gsl_vector *theta0, double ref_lz,
                    const double *ref_m, const double *ref_sd, const char *what)
{
  size_t q = prob->dim;
  bm_laplace_result *r = bm_laplace_result_alloc(q);
  assert_non_null(r);
  int st = bm_laplace(prob, theta0, NULL, r);
  size_t calls = r->n_logf + r->n_grad + r->n_hess;
  double worst = 0;
  if (st == BM_SUCCESS)
    for (size_t j = 0; j < q; j++)
      worst = fmax(worst, fabs(gsl_vector_get(r->mode, j) - ref_m[j]) / (fabs(ref_m[j]) + ref_sd[j]));
  double lz_err = fabs(r->log_evidence - ref_lz) / fmax(1.0, fabs(ref_lz));
  int ok = st == BM_SUCCESS && worst <= 1e-8 && lz_err <= 1e-8 &&
           (r->reason == BM_LAPLACE_DECREMENT || r->reason == BM_LAPLACE_STEP || r->reason == BM_LAPLACE_GRADIENT) &&
           r->lambda2 >= 0 && r->n_logf > 0 && r->n_grad > 0;
  t->fits++;
  if (st == BM_SUCCESS) {
    t->worst_mode = fmax(t->worst_mode, worst);
    t->worst_lz = fmax(t->worst_lz, lz_err);
  }
  if (!ok) {
    t->failures++;
    print_message("FAIL %s: status %s, reason '%s', mode err %.2e, log evidence err %.2e, %zu iterations, "
                  "lambda2 %.2e, |g| %.2e\n",
                  what, bm_strerror(st), bm_laplace_reason_name(r->reason), worst, lz_err, r->iterations,
                  r->lambda2, r->grad_norm);
  }
  if (t->ncalls[fd] == t->cap[fd]) {
    t->cap[fd] = t->cap[fd] ? 2 * t->cap[fd] : 256;
    t->calls[fd] = realloc(t->calls[fd], t->cap[fd] * sizeof *t->calls[fd]);
    assert_non_null(t->calls[fd]);
  }
  t->calls[fd][t->ncalls[fd]++] = calls;
  bm_laplace_result_free(r);
}

static void laplace_stress_default_options(void **state)
{
  (void)state;
  char path[4096];
  FILE *fp = fopen(tu_data_path("laplace_stress_ref.txt", path, sizeof path), "r");
  assert_non_null(fp);
  char line[1 << 16];
  tally t = {0, 0, 0, 0, {NULL, NULL}, {0, 0}, {0, 0}};
  size_t problems = 0;
  clock_t c0 = clock();
  while (fgets(line, sizeof line, fp)) {
    if (line[0] == '#') continue;
    char fam[16];
    size_t n, q;
    unsigned long long seed;
    int scaled, sep, fd, off;
    double lz, m[MAXQ] = {0}, sd[MAXQ] = {0};
    char *s = line;
    assert_int_equal(sscanf(s, "%15s %zu %zu %llu %d %d %d %lf%n", fam, &n, &q, &seed, &scaled, &sep, &fd, &lz, &off), 8);
    assert_true(q <= MAXQ);
    s += off;
    for (size_t j = 0; j < 2 * q; j++) {
      double *dst = j < q ? &m[j] : &sd[j - q];
      assert_int_equal(sscanf(s, "%lf%n", dst, &off), 1);
      s += off;
    }
    problems++;
    int kind = !strcmp(fam, "logit") ? LOGIT : !strcmp(fam, "probit") ? PROBIT : !strcmp(fam, "poisson") ? POISSON : IW;
    glm gm = {0};
    iw_target iw = {0};
    bm_transform_block blocks[1];
    bm_transformed_target tt;
    bm_laplace_problem prob;
    if (kind == IW) {
      size_t p = 1;
      while (p * (p + 1) / 2 < q) p++;
      iw_make(&iw, p, n, seed);
      blocks[0] = (bm_transform_block){BM_TRANSFORM_LOGCHOL, p};
      tt = (bm_transformed_target){blocks, 1, iw_f, iw_g, iw_h, &iw};
      assert_int_equal(bm_transform_laplace_problem(&tt, &prob), BM_SUCCESS);
    } else {
      assert_int_equal(glm_make(&gm, kind, n, q, seed, scaled, sep), 0);
      prob = (bm_laplace_problem){q, glm_f, glm_g, glm_h, &gm};
    }
    assert_int_equal(prob.dim, q);
    gsl_vector *t0 = gsl_vector_calloc(q), *tf = gsl_vector_alloc(q);
    for (size_t j = 0; j < q; j++) gsl_vector_set(tf, j, m[j] + (j % 2 ? -10.0 : 10.0) * sd[j]);
    for (int h = 0; h <= fd; h++) {
      if (h) { /* finite-difference Hessian */
        if (kind == IW) {
          tt.hess = NULL;
          bm_transform_laplace_problem(&tt, &prob);
        } else {
          prob.hess = NULL;
        }
      }
      char what[160];
      snprintf(what, sizeof what, "%s n=%zu q=%zu seed=%llu scaled=%d sep=%d %s Hessian, start 0", fam, n, q, seed,
               scaled, sep, h ? "FD" : "analytic");
      fit_one(&t, h, &prob, t0, lz, m, sd, what);
      snprintf(what, sizeof what, "%s n=%zu q=%zu seed=%llu scaled=%d sep=%d %s Hessian, start 10 sd off", fam, n,
               q, seed, scaled, sep, h ? "FD" : "analytic");
      fit_one(&t, h, &prob, tf, lz, m, sd, what);
    }
    gsl_vector_free(t0);
    gsl_vector_free(tf);
    free(gm.X);
    free(gm.y);
    if (iw.B) gsl_matrix_free(iw.B);
  }
  fclose(fp);
  print_message("laplace stress: %zu problems, %zu fits, %zu failures (%.1f s CPU); worst mode error %.1e, worst "
                "log evidence error %.1e\n",
                problems, t.fits, t.failures, (double)(clock() - c0) / CLOCKS_PER_SEC, t.worst_mode, t.worst_lz);
  size_t nall = t.ncalls[0] + t.ncalls[1], *all = malloc(nall * sizeof *all);
  assert_non_null(all);
  memcpy(all, t.calls[0], t.ncalls[0] * sizeof *all);
  memcpy(all + t.ncalls[0], t.calls[1], t.ncalls[1] * sizeof *all);
  qsort(all, nall, sizeof *all, cmp_size);
  print_message("  all: callback calls per fit median %zu, max %zu\n", all[nall / 2], all[nall - 1]);
  free(all);
  for (int h = 0; h < 2; h++) {
    qsort(t.calls[h], t.ncalls[h], sizeof *t.calls[h], cmp_size);
    print_message("  %s Hessian: %zu fits, callback calls per fit median %zu, max %zu\n", h ? "FD" : "analytic",
                  t.ncalls[h], t.calls[h][t.ncalls[h] / 2], t.calls[h][t.ncalls[h] - 1]);
  }
  assert_true(problems >= 60);
  assert_int_equal(t.failures, 0);
  free(t.calls[0]);
  free(t.calls[1]);
}

/* Logistic regressions as a new user writes them: N(0, I) prior, q = 3..8,
 * an intercept and N(0, 1) covariates, coefficients N(0, 1), 40 data sets for
 * each n, start 0, default options. The former f-only stopping rule failed
 * 22 of these 160 (BM_ENOCONV after 200 steps). Each fit must converge
 * to a point where the decrement is at rounding, within 40 callback calls. */
static void laplace_new_user_logistic(void **state)
{
  (void)state;
  gsl_rng *rng = tu_rng(2024);
  const size_t ns[4] = {20, 100, 400, 1000};
  size_t worst_calls = 0, fails = 0;
  for (int c = 0; c < 4; c++)
    for (int d = 0; d < 40; d++) {
      size_t q = 3 + (size_t)d % 6, n = ns[c];
      glm gm = {LOGIT, n, q, malloc(n * q * sizeof(double)), malloc(n * sizeof(double)), {0}};
      assert_true(gm.X && gm.y);
      double bt[8];
      for (size_t j = 0; j < q; j++) {
        bt[j] = gsl_ran_gaussian(rng, 1.0);
        gm.v[j] = 1.0;
      }
      for (size_t i = 0; i < n; i++) {
        double eta = 0;
        for (size_t j = 0; j < q; j++) {
          double x = j == 0 ? 1.0 : gsl_ran_gaussian(rng, 1.0);
          gm.X[i * q + j] = x;
          eta += x * bt[j];
        }
        gm.y[i] = gsl_rng_uniform(rng) < 1 / (1 + exp(-eta)) ? 1.0 : 0.0;
      }
      bm_laplace_problem prob = {q, glm_f, glm_g, glm_h, &gm};
      bm_laplace_result *r = bm_laplace_result_alloc(q);
      gsl_vector *t0 = gsl_vector_calloc(q);
      int st = bm_laplace(&prob, t0, NULL, r);
      size_t calls = r->n_logf + r->n_grad + r->n_hess;
      /* at the mode the decrement is far below the rounding of f (|f| < 1e3 here) */
      if (st != BM_SUCCESS || !(r->lambda2 <= 1e-20) || calls > 40) {
        fails++;
        print_message("FAIL new-user logistic n=%zu q=%zu #%d: %s (%s), lambda2 %.2e, %zu calls\n", n, q, d,
                      bm_strerror(st), bm_laplace_reason_name(r->reason), r->lambda2, calls);
      }
      worst_calls = calls > worst_calls ? calls : worst_calls;
      gsl_vector_free(t0);
      bm_laplace_result_free(r);
      free(gm.X);
      free(gm.y);
    }
  print_message("new-user logistic: 160 fits, %zu failures, at most %zu callback calls\n", fails, worst_calls);
  assert_int_equal(fails, 0);
  gsl_rng_free(rng);
}

/* every reason has its own phrase; values outside the enum are named too */
static void laplace_reason_names(void **state)
{
  (void)state;
  for (int a = BM_LAPLACE_NOT_RUN; a <= BM_LAPLACE_NO_MEMORY; a++) {
    const char *na = bm_laplace_reason_name((bm_laplace_reason)a);
    assert_non_null(na);
    assert_true(strlen(na) > 5 && strcmp(na, "unknown reason") != 0);
    for (int b = BM_LAPLACE_NOT_RUN; b < a; b++) assert_string_not_equal(na, bm_laplace_reason_name((bm_laplace_reason)b));
  }
  assert_string_equal(bm_laplace_reason_name((bm_laplace_reason)99), "unknown reason");
  /* a fresh result and a rejected call carry the empty record */
  bm_laplace_result *r = bm_laplace_result_alloc(2);
  assert_int_equal(r->reason, BM_LAPLACE_NOT_RUN);
  assert_true(isnan(r->grad_norm) && isnan(r->lambda2));
  assert_int_equal(r->n_logf + r->n_grad + r->n_hess, 0);
  glm gm = {0};
  assert_int_equal(glm_make(&gm, LOGIT, 30, 2, 7, 0, 0), 0);
  bm_laplace_problem prob = {2, glm_f, glm_g, NULL, &gm};
  gsl_vector *t0 = gsl_vector_calloc(2);
  /* FD Hessian: no hess calls, the Hessian's gradient calls counted */
  assert_int_equal(bm_laplace(&prob, t0, NULL, r), BM_SUCCESS);
  assert_int_equal(r->n_hess, 0);
  assert_true(r->n_grad > 10 * r->iterations && r->n_logf >= r->iterations + 1);
  prob.dim = 0;
  assert_int_equal(bm_laplace(&prob, t0, NULL, r), BM_EINVAL);
  assert_int_equal(r->reason, BM_LAPLACE_NOT_RUN);
  assert_int_equal(r->n_logf + r->n_grad + r->n_hess, 0);
  gsl_vector_free(t0);
  free(gm.X);
  free(gm.y);
  bm_laplace_result_free(r);
}

int main(void)
{
  gsl_set_error_handler_off(); /* the probit terms' hazard function underflows harmlessly in the tails */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(laplace_reason_names),
      cmocka_unit_test(laplace_new_user_logistic),
      cmocka_unit_test(laplace_stress_default_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

