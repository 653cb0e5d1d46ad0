/* Accuracy at the edges, against references computed
 * independently: tests/data/edges_ref.txt from tests/data/gen_edges.py
 * (mpmath at 40 digits, straight from docs/contract.md's definitions, on exactly the
 * doubles read here). Cases: scale matrices with condition number 1e12 (also
 * scaled by 1e-6), variates with condition 1e12, p = 200, nu (and matf's
 * delta) = 1e8, nu one ulp above its bound p - 1 and 1e-10 above it, matf's
 * delta at 1e-20 and 1e-300, variates with eigenvalues 1e-150 and 1e150,
 * log-densities around -1e6.
 *
 * The contract (docs/reliability.md): for every case the log-density is
 * finite (the reference always is) and
 *     |log f - reference| <= 8 (p + 1) eps scale,
 * where scale (computed by the generator) is the sum of the magnitudes of the
 * terms of log f plus the first-order effect of a Cholesky backward error
 * |E_ij| <= eps sqrt(A_ii A_jj) in every factorized matrix: the conditioning
 * of the problem in double precision. The batched log-likelihood of the one
 * variate must obey the same bound. The largest error/(eps scale) per case is
 * printed (recorded in docs/reliability.md).
 *
 * Adding a family: one adapter below and its cases in gen_edges.py.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include "testutil.h"

/* ------------------------------------------------------------- adapters */
/* Evaluate log f and the batched log-likelihood of the one variate; A[] are
 * the case's matrices in the order of _set (scale(s), then the variate; vectors are
 * p x 1). Returns the status of _set, then of _logpdf, then of _loglik. */
typedef int (*adapter)(size_t p, double nu, double delta, gsl_matrix *const *A, double *lp, double *ll);

static int ad_matf(size_t p, double nu, double delta, gsl_matrix *const *A, double *lp, double *ll)
{
  bm_matf *d = bm_matf_alloc(p);
  const gsl_matrix *b[1] = {A[1]};
  int s = bm_matf_set(d, nu, delta, A[0]);
  if (!s) s = bm_matf_logpdf(d, A[1], lp);
  if (!s) s = bm_matf_loglik(d, b, 1, ll, NULL);
  bm_matf_free(d);
  return s;
}
static int ad_wishart(size_t p, double nu, double delta, gsl_matrix *const *A, double *lp, double *ll)
{
  (void)delta;
  bm_wishart *d = bm_wishart_alloc(p);
  const gsl_matrix *b[1] = {A[1]};
  int s = bm_wishart_set(d, nu, A[0]);
  if (!s) s = bm_wishart_logpdf(d, A[1], lp);
  if (!s) s = bm_wishart_loglik(d, b, 1, ll, NULL);
  bm_wishart_free(d);
  return s;
}
static int ad_invwishart(size_t p, double nu, double delta, gsl_matrix *const *A, double *lp, double *ll)
{
  (void)delta;
  bm_invwishart *d = bm_invwishart_alloc(p);
  const gsl_matrix *b[1] = {A[1]};
  int s = bm_invwishart_set(d, nu, A[0]);
  if (!s) s = bm_invwishart_logpdf(d, A[1], lp);
  if (!s) s = bm_invwishart_loglik(d, b, 1, ll, NULL);
  bm_invwishart_free(d);
  return s;
}
static int ad_mvn(size_t p, double nu, double delta, gsl_matrix *const *A, double *lp, double *ll)
{
  (void)nu;
  (void)delta;
  bm_mvn *d = bm_mvn_alloc(p);
  gsl_vector *mu = gsl_vector_calloc(p);
  gsl_vector_view x = gsl_matrix_column(A[1], 0);
  gsl_matrix_const_view row = gsl_matrix_const_view_array(A[1]->data, 1, p); /* p x 1, tda 1: contiguous */
  int s = bm_mvn_set(d, mu, A[0]);
  if (!s) s = bm_mvn_logpdf(d, &x.vector, lp);
  if (!s) s = bm_mvn_loglik(d, &row.matrix, ll, NULL);
  bm_mvn_free(d);
  gsl_vector_free(mu);
  return s;
}
static int ad_mvt(size_t p, double nu, double delta, gsl_matrix *const *A, double *lp, double *ll)
{
  (void)delta;
  bm_mvt *d = bm_mvt_alloc(p);
  gsl_vector *mu = gsl_vector_calloc(p);
  gsl_vector_view x = gsl_matrix_column(A[1], 0);
  gsl_matrix_const_view row = gsl_matrix_const_view_array(A[1]->data, 1, p);
  int s = bm_mvt_set(d, nu, mu, A[0]);
  if (!s) s = bm_mvt_logpdf(d, &x.vector, lp);
  if (!s) s = bm_mvt_loglik(d, &row.matrix, ll, NULL);
  bm_mvt_free(d);
  gsl_vector_free(mu);
  return s;
}
static int ad_matnorm(size_t p, double nu, double delta, gsl_matrix *const *A, double *lp, double *ll)
{
  (void)nu;
  (void)delta;
  size_t n = A[2]->size1;
  bm_matnorm *d = bm_matnorm_alloc(n, p);
  gsl_matrix *M = gsl_matrix_calloc(n, p);
  const gsl_matrix *b[1] = {A[2]};
  int s = bm_matnorm_set(d, M, A[0], A[1]);
  if (!s) s = bm_matnorm_logpdf(d, A[2], lp);
  if (!s) s = bm_matnorm_loglik(d, b, 1, ll, NULL);
  bm_matnorm_free(d);
  gsl_matrix_free(M);
  return s;
}
static int ad_matt(size_t p, double nu, double delta, gsl_matrix *const *A, double *lp, double *ll)
{
  (void)delta;
  size_t n = A[2]->size1;
  bm_matt *d = bm_matt_alloc(n, p);
  gsl_matrix *M = gsl_matrix_calloc(n, p);
  const gsl_matrix *b[1] = {A[2]};
  int s = bm_matt_set(d, nu, M, A[0], A[1]);
  if (!s) s = bm_matt_logpdf(d, A[2], lp);
  if (!s) s = bm_matt_loglik(d, b, 1, ll, NULL);
  bm_matt_free(d);
  gsl_matrix_free(M);
  return s;
}

static const struct {
  const char *name;
  adapter fn;
  int nspec; /* matrices on the line */
} adapters[] = {
  {"matf", ad_matf, 2},       {"wishart", ad_wishart, 2}, {"invwishart", ad_invwishart, 2}, {"mvn", ad_mvn, 2},
  {"mvt", ad_mvt, 2},         {"matnorm", ad_matnorm, 3}, {"matt", ad_matt, 3},
};
#define NADAPT (sizeof adapters / sizeof adapters[0])

/* --------------------------------------------------------------- parsing */
static char *next_tok(char **save)
{
  char *t = strtok_r(NULL, " \t\n", save);
  assert_non_null(t);
  return t;
}

/* One matrix spec (gen_edges.py): "dense" (p x p), "mat r c", "vec" (p x 1),
 * "band a m c s" (p x p), "vband m o" (p x 1), "mband r m o" (r x p). */
static gsl_matrix *read_spec(char **save, size_t p)
{
  char *kind = next_tok(save);
  gsl_matrix *A = NULL;
  if (strcmp(kind, "dense") == 0 || strcmp(kind, "mat") == 0 || strcmp(kind, "vec") == 0) {
    size_t r = p, c = p;
    if (kind[0] == 'm') {
      r = (size_t)strtoul(next_tok(save), NULL, 10);
      c = (size_t)strtoul(next_tok(save), NULL, 10);
    } else if (kind[0] == 'v') {
      c = 1;
    }
    A = gsl_matrix_alloc(r, c);
    for (size_t i = 0; i < r; i++)
      for (size_t j = 0; j < c; j++) gsl_matrix_set(A, i, j, strtod(next_tok(save), NULL));
  } else if (strcmp(kind, "band") == 0) {
    double a = strtod(next_tok(save), NULL), m = strtod(next_tok(save), NULL), c = strtod(next_tok(save), NULL);
    size_t s = (size_t)strtoul(next_tok(save), NULL, 10);
    A = gsl_matrix_calloc(p, p);
    for (size_t i = 0; i < p; i++) {
      gsl_matrix_set(A, i, i, a + (double)(i % (size_t)m));
      if (i + s < p) {
        gsl_matrix_set(A, i, i + s, c);
        gsl_matrix_set(A, i + s, i, c);
      }
    }
  } else if (strcmp(kind, "vband") == 0) {
    size_t m = (size_t)strtoul(next_tok(save), NULL, 10);
    double o = strtod(next_tok(save), NULL);
    A = gsl_matrix_alloc(p, 1);
    for (size_t i = 0; i < p; i++) gsl_matrix_set(A, i, 0, (double)(i % m) - o);
  } else if (strcmp(kind, "mband") == 0) {
    size_t r = (size_t)strtoul(next_tok(save), NULL, 10), m = (size_t)strtoul(next_tok(save), NULL, 10);
    double o = strtod(next_tok(save), NULL);
    A = gsl_matrix_alloc(r, p);
    for (size_t i = 0; i < r; i++)
      for (size_t j = 0; j < p; j++) gsl_matrix_set(A, i, j, (double)((i + 2 * j) % m) - o);
  } else {
    fail_msg("unknown matrix spec %s", kind);
  }
  return A;
}

static void edges_match_reference_within_conditioning_bound(void **state)
{
  (void)state;
  char path[1024];
  FILE *f = fopen(tu_data_path("edges_ref.txt", path, sizeof path), "r");
  assert_non_null(f);
  size_t cap = 1 << 22;
  char *line = malloc(cap);
  int cases = 0, per_family[NADAPT] = {0};
  double worst = 0.0;
  while (fgets(line, (int)cap, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char *save = NULL;
    char *fam = strtok_r(line, " \t\n", &save), *name = next_tok(&save);
    size_t p = (size_t)strtoul(next_tok(&save), NULL, 10);
    double nu = strtod(next_tok(&save), NULL), delta = strtod(next_tok(&save), NULL);
    size_t k = 0;
    while (k < NADAPT && strcmp(adapters[k].name, fam) != 0) k++;
    if (k == NADAPT) fail_msg("unknown family %s in edges_ref.txt", fam);
    gsl_matrix *A[3] = {NULL, NULL, NULL};
    for (int a = 0; a < adapters[k].nspec; a++) A[a] = read_spec(&save, p);
    double ref = strtod(next_tok(&save), NULL), scale = strtod(next_tok(&save), NULL);
    double lp = NAN, ll = NAN;
    int s = adapters[k].fn(p, nu, delta, A, &lp, &ll);
    double err = fabs(lp - ref), err_ll = fabs(ll - ref), eps = GSL_DBL_EPSILON;
    double tol = 8.0 * (double)(p + 1) * eps * scale;
    print_message("%-10s %-16s p=%-3zu nu=%-10.4g lp=%-24.17g ref=%-24.17g err/(eps scale)=%.3g\n", fam, name, p, nu,
                  lp, ref, err / (eps * scale));
    if (s != BM_SUCCESS) fail_msg("%s %s p=%zu: status %s", fam, name, p, bm_strerror(s));
    if (!isfinite(lp) || !isfinite(ll))
      fail_msg("%s %s p=%zu: log f = %g, loglik = %g (reference %g)", fam, name, p, lp, ll, ref);
    if (!(err <= tol) || !(err_ll <= tol))
      fail_msg("%s %s p=%zu: |log f - ref| = %.3g, |loglik - ref| = %.3g > bound %.3g", fam, name, p, err, err_ll, tol);
    if (err / (eps * scale) > worst) worst = err / (eps * scale);
    cases++;
    per_family[k]++;
    for (int a = 0; a < 3; a++)
      if (A[a]) gsl_matrix_free(A[a]);
  }
  fclose(f);
  free(line);
  print_message("%d edge cases; worst error %.3g eps scale\n", cases, worst);
  for (size_t k = 0; k < NADAPT; k++)
    if (per_family[k] < 10) fail_msg("family %s has only %d edge cases", adapters[k].name, per_family[k]);
}

/* Regression tests for bugs the fuzzers found (each once gave NaN with BM_SUCCESS). */
static void fuzz_regressions(void **state)
{
  (void)state;
  double lp;
  gsl_matrix *A = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1);
  /* matf, p = 1, delta = 1e-20: r = delta + p - 1 was formed as (delta + 1) - 1 = 0 */
  bm_matf *mf = bm_matf_alloc(1);
  gsl_matrix_set(A, 0, 0, 4.9375);
  gsl_matrix_set(X, 0, 0, 2.0);
  assert_int_equal(bm_matf_set(mf, 11.75, 1e-20, A), BM_SUCCESS);
  assert_int_equal(bm_matf_logpdf(mf, X, &lp), BM_SUCCESS);
  /* p = 1: log f = lgB terms; as delta -> 0, log f ~ log(delta/2) + O(1) */
  assert_true(isfinite(lp) && lp < -40.0 && lp > -60.0);
  /* matf nu = 5e-324: nu/2 rounds to 0, the normalizing constant is not representable */
  assert_int_equal(bm_matf_set(mf, 4.9406564584124654e-324, 0.0625, A), BM_EDOM);
  assert_int_equal(bm_matf_logpdf(mf, X, &lp), BM_SUCCESS); /* previous parameters kept */
  assert_true(isfinite(lp));
  bm_matf_free(mf);
  /* wishart / invwishart nu = DBL_MAX: log Gamma_p(nu/2) overflows */
  bm_wishart *w = bm_wishart_alloc(1);
  assert_int_equal(bm_wishart_set(w, 1.7976931348623157e308, A), BM_EDOM);
  bm_wishart_free(w);
  bm_invwishart *iw = bm_invwishart_alloc(1);
  assert_int_equal(bm_invwishart_set(iw, 1.7976931348623157e308, A), BM_EDOM);
  bm_invwishart_free(iw);
  gsl_matrix_free(A);
  gsl_matrix_free(X);
  /* invwishart from a Cholesky factor with entries 1e305: tr(Psi X^-1)
   * overflows inside the triangular solve (inf - inf); log f is -inf, not NaN */
  size_t p = 3;
  gsl_matrix *L = gsl_matrix_calloc(p, p), *Y = gsl_matrix_alloc(p, p);
  gsl_matrix_set(L, 0, 0, 1e-2);
  gsl_matrix_set(L, 1, 1, 1.0);
  gsl_matrix_set(L, 2, 2, 1.0);
  gsl_matrix_set(L, 1, 0, 3e305);
  gsl_matrix_set(L, 2, 0, -3e305);
  gsl_matrix_set(L, 2, 1, 2e305);
  gsl_matrix_set_identity(Y);
  gsl_matrix_scale(Y, 1e-12);
  gsl_matrix_set(Y, 0, 1, 1e-13);
  gsl_matrix_set(Y, 1, 0, 1e-13);
  iw = bm_invwishart_alloc(p);
  assert_int_equal(bm_invwishart_set_chol(iw, 5.0, L), BM_SUCCESS);
  int s = bm_invwishart_logpdf(iw, Y, &lp);
  assert_int_equal(s, BM_SUCCESS);
  assert_true(lp == -INFINITY);
  bm_invwishart_free(iw);
  w = bm_wishart_alloc(p);
  assert_int_equal(bm_wishart_set_chol(w, 5.0, L), BM_SUCCESS);
  gsl_matrix_set_identity(Y);
  gsl_matrix_scale(Y, 1e300);
  s = bm_wishart_logpdf(w, Y, &lp);
  assert_true(s == BM_SUCCESS && !isnan(lp));
  bm_wishart_free(w);
  gsl_matrix_free(L);
  gsl_matrix_free(Y);

  /* mvn / mvt / matnorm: x - mu overflows to (inf, inf), the whitening then
   * meets inf - 0.5 inf: log f is -inf (the true value is below -1e600), not NaN */
  gsl_vector *mu = gsl_vector_alloc(2), *x = gsl_vector_alloc(2);
  gsl_matrix *S = gsl_matrix_alloc(2, 2), *Xb = gsl_matrix_alloc(1, 2);
  gsl_matrix_set_identity(S);
  gsl_matrix_set(S, 0, 1, 0.5);
  gsl_matrix_set(S, 1, 0, 0.5);
  gsl_vector_set(mu, 0, -1e308);
  gsl_vector_set(mu, 1, -1e308);
  gsl_vector_set(x, 0, 1e308);
  gsl_vector_set(x, 1, 1e308);
  gsl_matrix_set(Xb, 0, 0, 1e308);
  gsl_matrix_set(Xb, 0, 1, 1e308);
  bm_mvn *n = bm_mvn_alloc(2);
  assert_int_equal(bm_mvn_set(n, mu, S), BM_SUCCESS);
  assert_int_equal(bm_mvn_logpdf(n, x, &lp), BM_SUCCESS);
  assert_true(lp == -INFINITY);
  assert_int_equal(bm_mvn_loglik(n, Xb, &lp, NULL), BM_SUCCESS);
  assert_true(lp == -INFINITY);
  bm_mvn_free(n);
  bm_mvt *t = bm_mvt_alloc(2);
  assert_int_equal(bm_mvt_set(t, 3.0, mu, S), BM_SUCCESS);
  assert_int_equal(bm_mvt_logpdf(t, x, &lp), BM_SUCCESS);
  assert_true(lp == -INFINITY);
  assert_int_equal(bm_mvt_loglik(t, Xb, &lp, NULL), BM_SUCCESS);
  assert_true(lp == -INFINITY);
  /* mvt nu = 5e-324: nu/2 underflows; BM_EDOM and the previous parameters stay */
  assert_int_equal(bm_mvt_set(t, 4.9406564584124654e-324, mu, S), BM_EDOM);
  gsl_vector_set_zero(x);
  assert_int_equal(bm_mvt_logpdf(t, mu, &lp), BM_SUCCESS);
  assert_true(isfinite(lp));
  bm_mvt_free(t);
  gsl_matrix *U = gsl_matrix_alloc(1, 1), *M = gsl_matrix_alloc(1, 2);
  gsl_matrix_set(U, 0, 0, 1.0);
  gsl_matrix_set(M, 0, 0, -1e308);
  gsl_matrix_set(M, 0, 1, -1e308);
  bm_matnorm *mn = bm_matnorm_alloc(1, 2);
  assert_int_equal(bm_matnorm_set(mn, M, U, S), BM_SUCCESS);
  assert_int_equal(bm_matnorm_logpdf(mn, Xb, &lp), BM_SUCCESS);
  assert_true(lp == -INFINITY);
  bm_matnorm_free(mn);
  /* matt: nu = 5e-324 (nu/2 underflows): BM_EDOM, previous state kept; nu = 1e-300 at
   * X = M was NaN ((nu + p - 1) - j rounded nu away) */
  bm_matt *mt = bm_matt_alloc(1, 2);
  gsl_matrix_set_zero(M);
  assert_int_equal(bm_matt_set(mt, 1e-300, M, U, S), BM_SUCCESS);
  gsl_matrix_set_zero(Xb);
  assert_int_equal(bm_matt_logpdf(mt, Xb, &lp), BM_SUCCESS);
  assert_true(isfinite(lp));
  assert_int_equal(bm_matt_set(mt, 4.9406564584124654e-324, M, U, S), BM_EDOM);
  double lp2;
  assert_int_equal(bm_matt_logpdf(mt, Xb, &lp2), BM_SUCCESS);
  assert_true(lp2 == lp);
  bm_matt_free(mt);
  gsl_vector_free(mu); gsl_vector_free(x); gsl_matrix_free(S); gsl_matrix_free(Xb); gsl_matrix_free(U);
  gsl_matrix_free(M);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(edges_match_reference_within_conditioning_bound),
    cmocka_unit_test(fuzz_regressions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
