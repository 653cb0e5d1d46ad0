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
 * Adding a family: its _set and descriptor in `adapters` below and its cases
 * in gen_edges.py.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include "testutil.h"

/* ------------------------------------------------------------- adapters */
/* A case's parameters: A[] are its matrices in the order of _set (scale(s),
 * then the variate; vectors are p x 1); mu0 / M0 the zero mean. */
typedef struct {
  double nu, delta;
  gsl_matrix *const *A;
  const gsl_vector *mu0;
  const gsl_matrix *M0;
} edge_params;

/* Each family's own _set (by name: the path under test) on an object of its descriptor. */
static int set_matf(void *d, const edge_params *c) { return bm_matf_set(d, c->nu, c->delta, c->A[0]); }
static int set_wishart(void *d, const edge_params *c) { return bm_wishart_set(d, c->nu, c->A[0]); }
static int set_invwishart(void *d, const edge_params *c) { return bm_invwishart_set(d, c->nu, c->A[0]); }
static int set_mvn(void *d, const edge_params *c) { return bm_mvn_set(d, c->mu0, c->A[0]); }
static int set_mvt(void *d, const edge_params *c) { return bm_mvt_set(d, c->nu, c->mu0, c->A[0]); }
static int set_matnorm(void *d, const edge_params *c) { return bm_matnorm_set(d, c->M0, c->A[0], c->A[1]); }
static int set_matt(void *d, const edge_params *c) { return bm_matt_set(d, c->nu, c->M0, c->A[0], c->A[1]); }

static const struct {
  const bm_family_type *T;
  int (*set)(void *d, const edge_params *c);
  int nspec; /* matrices on the line */
} adapters[] = {
  {&bm_family_matf, set_matf, 2},       {&bm_family_wishart, set_wishart, 2},
  {&bm_family_invwishart, set_invwishart, 2}, {&bm_family_mvn, set_mvn, 2},
  {&bm_family_mvt, set_mvt, 2},         {&bm_family_matnorm, set_matnorm, 3},
  {&bm_family_matt, set_matt, 3},
};
#define NADAPT (sizeof adapters / sizeof adapters[0])

/* log f of the variate X = A[nspec - 1] (a vector variate as 1 x p) and the
 * batched log-likelihood of it alone (one row: vec X), both through the
 * family's descriptor after its own _set. Returns the status of _set, then
 * of _logpdf, then of _loglik. */
static int evaluate(size_t k, size_t p, double nu, double delta, gsl_matrix *const *A, double *lp, double *ll)
{
  const bm_family_type *T = adapters[k].T;
  const gsl_matrix *X = A[adapters[k].nspec - 1];
  int vector = T->variate == BM_VARIATE_VECTOR;
  size_t rows = vector ? 1 : X->size1;
  gsl_matrix_const_view x = gsl_matrix_const_view_array(X->data, rows, p); /* p x 1, tda 1: contiguous */
  gsl_matrix *M0 = gsl_matrix_calloc(rows, p), *row = gsl_matrix_alloc(1, rows * p);
  gsl_vector *mu0 = gsl_vector_calloc(p);
  gsl_vector_view vrow = gsl_matrix_row(row, 0);
  bm_vec(&x.matrix, &vrow.vector);
  edge_params c = {nu, delta, A, mu0, M0};
  void *d = T->alloc(rows, p);
  int s = adapters[k].set(d, &c);
  if (!s) s = T->logpdf(d, &x.matrix, lp);
  if (!s) s = T->loglik(d, row, ll, NULL);
  T->free(d);
  gsl_matrix_free(M0);
  gsl_matrix_free(row);
  gsl_vector_free(mu0);
  return s;
}

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

/* ---------------------------------------- family regressions (key value refs) */
/* tests/data/edges_families_ref.txt from tests/data/gen_edges_families.py */
static double ref(const char *key)
{
  char path[1024], k[128];
  FILE *f = fopen(tu_data_path("edges_families_ref.txt", path, sizeof path), "r");
  assert_non_null(f);
  char line[512];
  double v = NAN;
  while (fgets(line, sizeof line, f)) {
    double x;
    if (line[0] != '#' && sscanf(line, "%127s %lf", k, &x) == 2 && strcmp(k, key) == 0) v = x;
  }
  fclose(f);
  if (isnan(v)) fail_msg("no reference %s", key);
  return v;
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
    while (k < NADAPT && strcmp(adapters[k].T->name, fam) != 0) k++;
    if (k == NADAPT) fail_msg("unknown family %s in edges_ref.txt", fam);
    gsl_matrix *A[3] = {NULL, NULL, NULL};
    for (int a = 0; a < adapters[k].nspec; a++) A[a] = read_spec(&save, p);
    double ref = strtod(next_tok(&save), NULL), scale = strtod(next_tok(&save), NULL);
    double lp = NAN, ll = NAN;
    int s = evaluate(k, p, nu, delta, A, &lp, &ll);
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
    if (per_family[k] < 10) fail_msg("family %s has only %d edge cases", adapters[k].T->name, per_family[k]);
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
  /* matf nu = 5e-324: nu/2 rounds to 0 (the constant was BM_EDOM); log Gamma(nu/2)
   * from nu itself gives log f; reference: mpmath, 50 digits */
  assert_int_equal(bm_matf_set(mf, 4.9406564584124654e-324, 0.0625, A), BM_SUCCESS);
  assert_int_equal(bm_matf_logpdf(mf, X, &lp), BM_SUCCESS);
  tu_assert_rel(lp, -745.83699385590256895, 1e-14);
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
  /* mvt: there the value is finite, -(k/2) log(delta/nu) ~ -3549 (mpmath), and
   * the tail evaluation is scaled so as to return it */
  bm_mvt *t = bm_mvt_alloc(2);
  assert_int_equal(bm_mvt_set(t, 3.0, mu, S), BM_SUCCESS);
  assert_int_equal(bm_mvt_logpdf(t, x, &lp), BM_SUCCESS);
  assert_true(fabs(lp - ref("mvt_logf_fuzz")) <= 1e-14 * fabs(ref("mvt_logf_fuzz")));
  assert_int_equal(bm_mvt_loglik(t, Xb, &lp, NULL), BM_SUCCESS);
  assert_true(fabs(lp - ref("mvt_logf_fuzz")) <= 1e-14 * fabs(ref("mvt_logf_fuzz")));
  /* mvt nu = 5e-324: nu/2 underflows; at p = 2 log Gamma(nu/2 + 1) - log Gamma(nu/2)
   * - log nu = -log 2 is formed without it, so the set succeeds (it was BM_EDOM):
   * at x = mu, log f = -log(2 pi) - log|S|/2 (mpmath) */
  assert_int_equal(bm_mvt_set(t, 4.9406564584124654e-324, mu, S), BM_SUCCESS);
  assert_int_equal(bm_mvt_logpdf(t, mu, &lp), BM_SUCCESS);
  tu_assert_rel(lp, -1.694036030183455, 1e-15);
  /* at p = 1 the cached d log f / d nu ~ 1/(2 nu) is beyond range: BM_EDOM, previous parameters stay */
  bm_mvt *t1 = bm_mvt_alloc(1);
  gsl_vector_const_view mu1 = gsl_vector_const_subvector(mu, 0, 1);
  gsl_matrix_const_view S1 = gsl_matrix_const_submatrix(S, 0, 0, 1, 1);
  assert_int_equal(bm_mvt_set(t1, 3.0, &mu1.vector, &S1.matrix), BM_SUCCESS);
  assert_int_equal(bm_mvt_set(t1, 4.9406564584124654e-324, &mu1.vector, &S1.matrix), BM_EDOM);
  assert_int_equal(bm_mvt_logpdf(t1, &mu1.vector, &lp), BM_SUCCESS);
  assert_true(isfinite(lp));
  bm_mvt_free(t1);
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

/* relative error against ref(key), printed (docs/reliability.md), asserted <= tol */
static void check_rel(const char *key, double got, double tol)
{
  double r = ref(key), e = fabs(got - r) / fabs(r);
  printf("%-28s got % .17g ref % .17g rel.err %.2e\n", key, got, r, e);
  assert_true(isfinite(got));
  assert_true(e <= tol);
}

static bm_mvt *mvt_scalar(double nu, double sigma)
{
  bm_mvt *d = bm_mvt_alloc(1);
  gsl_vector *mu = gsl_vector_calloc(1);
  gsl_matrix *S = gsl_matrix_alloc(1, 1);
  gsl_matrix_set(S, 0, 0, sigma);
  assert_int_equal(bm_mvt_set(d, nu, mu, S), BM_SUCCESS);
  gsl_vector_free(mu);
  gsl_matrix_free(S);
  return d;
}

/* The mvt nu-score in the tail (it cancelled like (delta/nu) eps: 8e-2 relative
 * at x = 1e8, 0 at 1e10, -inf at 1e100, NaN at 1e154) and the far tail beyond
 * delta = DBL_MAX (log f was -inf, H_nunu NaN). */
static void mvt_score_and_far_tail(void **state)
{
  (void)state;
  bm_mvt *d = mvt_scalar(0.5, 1.0);
  gsl_vector *x = gsl_vector_alloc(1), *g = gsl_vector_alloc(1), *gm = gsl_vector_alloc(1);
  gsl_matrix *G = gsl_matrix_alloc(1, 1), *H = gsl_matrix_alloc(3, 3), *Xb = gsl_matrix_alloc(1, 1);
  const char *xs[] = {"1e4", "1e6", "1e8", "1e10", "1e100", "1e154", "1e200"};
  for (int i = 0; i < 7; i++) {
    char key[64];
    double dnu, ll;
    gsl_vector_set(x, 0, strtod(xs[i], NULL));
    snprintf(key, sizeof key, "mvt_dnu_p1_x%s", xs[i]);
    assert_int_equal(bm_mvt_grad(d, x, NULL, NULL, NULL, &dnu), BM_SUCCESS);
    check_rel(key, dnu, 1e-14);
    gsl_matrix_set(Xb, 0, 0, gsl_vector_get(x, 0)); /* the batch agrees */
    assert_int_equal(bm_mvt_loglik_grad(d, Xb, &ll, NULL, NULL, &dnu), BM_SUCCESS);
    check_rel(key, dnu, 1e-14);
  }
  const char *ts[] = {"1e100", "1e154", "1e200", "1e300"};
  for (int i = 0; i < 4; i++) {
    char key[64];
    double lp;
    gsl_vector_set(x, 0, strtod(ts[i], NULL));
    snprintf(key, sizeof key, "mvt_logf_p1_x%s", ts[i]);
    assert_int_equal(bm_mvt_logpdf(d, x, &lp), BM_SUCCESS);
    check_rel(key, lp, 1e-15);
    gsl_matrix_set(Xb, 0, 0, gsl_vector_get(x, 0));
    assert_int_equal(bm_mvt_loglik(d, Xb, &lp, NULL), BM_SUCCESS);
    check_rel(key, lp, 1e-15);
  }
  gsl_vector_set(x, 0, 1e100);
  assert_int_equal(bm_mvt_hess(d, x, H), BM_SUCCESS);
  check_rel("mvt_hnn_p1_x1e100", gsl_matrix_get(H, 2, 2), 1e-13);
  gsl_vector_set(x, 0, 1e200);
  assert_int_equal(bm_mvt_hess(d, x, H), BM_SUCCESS);
  check_rel("mvt_hnn_p1_x1e200", gsl_matrix_get(H, 2, 2), 1e-13);
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 3; j++) assert_true(isfinite(gsl_matrix_get(H, i, j)));
  double dnu;
  assert_int_equal(bm_mvt_grad(d, x, g, gm, G, &dnu), BM_SUCCESS);
  check_rel("mvt_dx_p1_x1e200", gsl_vector_get(g, 0), 1e-15);
  check_rel("mvt_dx_p1_x1e200", -gsl_vector_get(gm, 0), 1e-15);
  check_rel("mvt_dS_p1_x1e200", gsl_matrix_get(G, 0, 0), 1e-15);
  bm_mvt_free(d);

  /* p = 3, nu = 0.05 at a draw-sized point, and nu = 3 in the body */
  bm_mvt *t = bm_mvt_alloc(3);
  gsl_vector *mu = gsl_vector_calloc(3), *x3 = gsl_vector_alloc(3);
  gsl_matrix *S = gsl_matrix_alloc(3, 3);
  const double s3[9] = {2, 0.3, 0.1, 0.3, 1, 0.2, 0.1, 0.2, 3};
  for (size_t i = 0; i < 9; i++) S->data[i] = s3[i];
  const struct {
    double nu, x[3];
    const char *key;
  } dnu_cases[] = {{0.05, {1e15, -3e14, 2e15}, "mvt_dnu_p3"}, {3.0, {2.5, -1.0, 0.5}, "mvt_dnu_p3_nu3"}};
  for (size_t c = 0; c < 2; c++) {
    for (size_t i = 0; i < 3; i++) gsl_vector_set(x3, i, dnu_cases[c].x[i]);
    assert_int_equal(bm_mvt_set(t, dnu_cases[c].nu, mu, S), BM_SUCCESS);
    assert_int_equal(bm_mvt_grad(t, x3, NULL, NULL, NULL, &dnu), BM_SUCCESS);
    check_rel(dnu_cases[c].key, dnu, 1e-14);
  }
  bm_mvt_free(t);
  /* p = 2, nu = 1e6 at x = (1e100, -2e100) */
  bm_mvt *t2 = bm_mvt_alloc(2);
  gsl_vector *mu2 = gsl_vector_calloc(2), *x2 = gsl_vector_alloc(2);
  gsl_matrix *S2 = gsl_matrix_alloc(2, 2);
  gsl_matrix_set_identity(S2);
  gsl_matrix_set(S2, 0, 1, 0.5);
  gsl_matrix_set(S2, 1, 0, 0.5);
  gsl_vector_set(x2, 0, 1e100);
  gsl_vector_set(x2, 1, -2e100);
  assert_int_equal(bm_mvt_set(t2, 1e6, mu2, S2), BM_SUCCESS);
  assert_int_equal(bm_mvt_grad(t2, x2, NULL, NULL, NULL, &dnu), BM_SUCCESS);
  check_rel("mvt_dnu_p2_nu1e6", dnu, 1e-14);
  bm_mvt_free(t2);
  /* H_nunu in the body: the textbook sum cancelled like nu eps (relative 1e-4 at nu = 1e12) */
  {
    struct {
      const char *key;
      size_t p;
      double nu, x[3];
      int s3;
    } hc[5] = {{"mvt_hnn_p1_nu0.5_x3", 1, 0.5, {3}, 0},
               {"mvt_hnn_p3_nu1e8", 3, 1e8, {1, -2, 0.5}, 1},
               {"mvt_hnn_p2_nu1e12", 2, 1e12, {1.5, -0.7}, 0},
               {"mvt_hnn_p2_nu1e4_x2e3", 2, 1e4, {1e3, 2e3}, 0},
               {"mvt_hnn_p1_nu1e-3", 1, 1e-3, {0.1}, 0}};
    for (int c = 0; c < 5; c++) {
      size_t pp = hc[c].p, nq = pp + pp * (pp + 1) / 2 + 1;
      bm_mvt *th = bm_mvt_alloc(pp);
      gsl_vector *m0 = gsl_vector_calloc(pp), *xv = gsl_vector_alloc(pp);
      gsl_matrix *Sg = gsl_matrix_alloc(pp, pp), *Hh = gsl_matrix_alloc(nq, nq);
      if (hc[c].s3) memcpy(Sg->data, s3, sizeof s3);
      else gsl_matrix_set_identity(Sg);
      for (size_t i = 0; i < pp; i++) gsl_vector_set(xv, i, hc[c].x[i]);
      assert_int_equal(bm_mvt_set(th, hc[c].nu, m0, Sg), BM_SUCCESS);
      assert_int_equal(bm_mvt_hess(th, xv, Hh), BM_SUCCESS);
      check_rel(hc[c].key, gsl_matrix_get(Hh, nq - 1, nq - 1), 1e-13);
      bm_mvt_free(th);
      gsl_vector_free(m0); gsl_vector_free(xv); gsl_matrix_free(Sg); gsl_matrix_free(Hh);
    }
  }
  /* Fisher at nu = 1e308: 2(k + 2) overflowed and the Sigma-Sigma block was 0 */
  d = mvt_scalar(1e308, 2.0);
  assert_int_equal(bm_mvt_fisher(d, H), BM_SUCCESS);
  check_rel("mvt_fisher_SS_nu1e308", gsl_matrix_get(H, 1, 1), 1e-15);
  bm_mvt_free(d);
  gsl_vector_free(x); gsl_vector_free(g); gsl_vector_free(gm); gsl_matrix_free(G); gsl_matrix_free(H);
  gsl_matrix_free(Xb); gsl_vector_free(mu); gsl_vector_free(x3); gsl_matrix_free(S); gsl_vector_free(mu2);
  gsl_vector_free(x2); gsl_matrix_free(S2);
}

/* Inverse Wishart with an eigenvalue of X near DBL_MIN: log f finite (it was
 * -inf: the trace overflowed though half of it does not), and the gradient,
 * beyond double range, BM_EDOM with NaN (it was NaN with success). */
static void invwishart_near_dbl_min(void **state)
{
  (void)state;
  bm_invwishart *d = bm_invwishart_alloc(1);
  gsl_matrix *P = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1), *G = gsl_matrix_alloc(1, 1),
             *GP = gsl_matrix_alloc(1, 1);
  gsl_matrix_set(P, 0, 0, 1.0);
  assert_int_equal(bm_invwishart_set(d, 3.0, P), BM_SUCCESS);
  gsl_matrix_set(X, 0, 0, 4.65e-309);
  double lp, dnu;
  assert_int_equal(bm_invwishart_logpdf(d, X, &lp), BM_SUCCESS);
  check_rel("iw_logf_p1_x4.65e-309", lp, 1e-15);
  assert_int_equal(bm_invwishart_logpdf_grad(d, X, &lp, G, GP, &dnu), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(G, 0, 0)) && isnan(gsl_matrix_get(GP, 0, 0)));
  gsl_matrix_set(X, 0, 0, 1e-150); /* d_X ~ 5e299: representable, success */
  assert_int_equal(bm_invwishart_logpdf_grad(d, X, &lp, G, NULL, &dnu), BM_SUCCESS);
  check_rel("iw_dX_p1_x1e-150", gsl_matrix_get(G, 0, 0), 1e-15);
  bm_invwishart_free(d);
  d = bm_invwishart_alloc(2);
  gsl_matrix *P2 = gsl_matrix_alloc(2, 2), *X2 = gsl_matrix_alloc(2, 2), *G2 = gsl_matrix_alloc(2, 2);
  gsl_matrix_set_identity(P2);
  gsl_matrix_set_identity(X2);
  gsl_matrix_set(X2, 0, 0, 1e-308);
  assert_int_equal(bm_invwishart_set(d, 4.0, P2), BM_SUCCESS);
  assert_int_equal(bm_invwishart_logpdf(d, X2, &lp), BM_SUCCESS);
  check_rel("iw_logf_p2_x1e-308", lp, 1e-15);
  assert_int_equal(bm_invwishart_grad(d, X2, G2, NULL, NULL), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(G2, 1, 1)));
  bm_invwishart_free(d);
  gsl_matrix_free(P); gsl_matrix_free(X); gsl_matrix_free(G); gsl_matrix_free(GP);
  gsl_matrix_free(P2); gsl_matrix_free(X2); gsl_matrix_free(G2);
}

/* log f of the 1 x 1 family d (descriptor T) at the two x[i] and the batched
 * log-likelihood of each alone, both within 2e-14 absolute of the reference key[i] */
static void check_p1_pair(const bm_family_type *T, const void *d, const double x[2], const char *const key[2])
{
  gsl_matrix *X = gsl_matrix_alloc(1, 1);
  double lp, ll;
  for (int i = 0; i < 2; i++) {
    gsl_matrix_set(X, 0, 0, x[i]);
    assert_int_equal(T->logpdf(d, X, &lp), BM_SUCCESS);
    assert_int_equal(T->loglik(d, X, &ll, NULL), BM_SUCCESS);
    printf("%-28s abs.err %.2e (batch %.2e)\n", key[i], fabs(lp - ref(key[i])), fabs(ll - ref(key[i])));
    assert_true(fabs(lp - ref(key[i])) <= 2e-14 && fabs(ll - ref(key[i])) <= 2e-14);
  }
  gsl_matrix_free(X);
}

/* Large degrees of freedom: the log-densities cancelled like nu eps (W p = 1,
 * nu = 1e4: 1.3e-12; matrix F nu = delta = 1e4: 7.3e-12), matrix-F I_nunu and
 * I_deltadelta subtracted trigammas (5e-9 relative at 1e8). Asserted: absolute
 * 2e-14 for the log-densities (sqrt(nu) eps is 2.2e-14 at 1e4), relative 1e-14. */
static void large_degrees_of_freedom(void **state)
{
  (void)state;
  gsl_matrix *one = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1), *I = gsl_matrix_alloc(3, 3);
  gsl_matrix_set(one, 0, 0, 1.0);
  double lp;
  bm_wishart *w = bm_wishart_alloc(1);
  assert_int_equal(bm_wishart_set(w, 1e4, one), BM_SUCCESS);
  const double wx[2] = {1e4, 9800};
  const char *const wk[2] = {"w_logf_p1_nu1e4", "w_logf_p1_nu1e4_x9800"};
  check_p1_pair(&bm_family_wishart, w, wx, wk);
  bm_wishart_free(w);
  bm_invwishart *iw = bm_invwishart_alloc(1);
  assert_int_equal(bm_invwishart_set(iw, 1e4, one), BM_SUCCESS);
  gsl_matrix_set(X, 0, 0, 1e-4);
  assert_int_equal(bm_invwishart_logpdf(iw, X, &lp), BM_SUCCESS);
  printf("%-28s abs.err %.2e\n", "iw_logf_p1_nu1e4", fabs(lp - ref("iw_logf_p1_nu1e4")));
  assert_true(fabs(lp - ref("iw_logf_p1_nu1e4")) <= 2e-14);
  bm_invwishart_free(iw);
  /* p = 3 at nu = 1e12, X = nu S (the mode region): the textbook sum loses ~1e-4 */
  gsl_matrix *S3 = gsl_matrix_alloc(3, 3), *X3 = gsl_matrix_alloc(3, 3);
  const double s3[9] = {2, 0.3, 0.1, 0.3, 1, 0.2, 0.1, 0.2, 3};
  for (size_t i = 0; i < 9; i++) {
    S3->data[i] = s3[i];
    X3->data[i] = s3[i] * 1e12;
  }
  w = bm_wishart_alloc(3);
  assert_int_equal(bm_wishart_set(w, 1e12, S3), BM_SUCCESS);
  assert_int_equal(bm_wishart_logpdf(w, X3, &lp), BM_SUCCESS);
  printf("%-28s abs.err %.2e\n", "w_logf_p3_nu1e12", fabs(lp - ref("w_logf_p3_nu1e12")));
  assert_true(fabs(lp - ref("w_logf_p3_nu1e12")) <= 1e-9); /* sqrt(nu) eps p^2 ~ 2e-9 bound; 1e-4 before */
  bm_wishart_free(w);
  bm_matf *f = bm_matf_alloc(1);
  assert_int_equal(bm_matf_set(f, 1e4, 1e4, one), BM_SUCCESS);
  const double fx[2] = {1.0, 1.02};
  const char *const fk[2] = {"matf_logf_p1_nu1e4", "matf_logf_p1_nu1e4_x1.02"};
  check_p1_pair(&bm_family_matf, f, fx, fk);
  bm_matf_free(f);
  for (size_t p = 1; p <= 2; p++) {
    gsl_matrix *Psi = gsl_matrix_alloc(p, p), *Ip = gsl_matrix_alloc(p * (p + 1) / 2 + 2, p * (p + 1) / 2 + 2);
    gsl_matrix_set_identity(Psi);
    size_t q = p * (p + 1) / 2;
    char key[64];
    f = bm_matf_alloc(p);
    assert_int_equal(bm_matf_set(f, 1e8, 3.5, Psi), BM_SUCCESS);
    assert_int_equal(bm_matf_fisher(f, Ip), BM_SUCCESS);
    snprintf(key, sizeof key, "matf_Inn_p%zu_nu1e8", p);
    check_rel(key, gsl_matrix_get(Ip, q, q), 1e-14);
    assert_int_equal(bm_matf_set(f, 4.5, 1e8, Psi), BM_SUCCESS);
    assert_int_equal(bm_matf_fisher(f, Ip), BM_SUCCESS);
    snprintf(key, sizeof key, "matf_Idd_p%zu_delta1e8", p);
    check_rel(key, gsl_matrix_get(Ip, q + 1, q + 1), 1e-14);
    bm_matf_free(f);
    gsl_matrix_free(Psi);
    gsl_matrix_free(Ip);
  }
  gsl_matrix_free(one); gsl_matrix_free(X); gsl_matrix_free(I); gsl_matrix_free(S3); gsl_matrix_free(X3);
}

/* Sweep findings (tests/test_sweep_families.c): values the library returned
 * wrong, or infinite, with BM_SUCCESS. */
static void sweep_regressions(void **state)
{
  (void)state;
  double lp, dnu, ll;
  /* mvt nu-score with delta/nu finite but 2(nu + delta) beyond DBL_MAX (the batch was off by 1/2) */
  bm_mvt *t = mvt_scalar(1e6, 1.0);
  gsl_vector *x = gsl_vector_alloc(1);
  gsl_matrix *Xb = gsl_matrix_alloc(1, 1);
  gsl_vector_set(x, 0, 1e154);
  gsl_matrix_set(Xb, 0, 0, 1e154);
  assert_int_equal(bm_mvt_grad(t, x, NULL, NULL, NULL, &dnu), BM_SUCCESS);
  check_rel("mvt_dnu_p1_nu1e6_x1e154", dnu, 1e-14);
  assert_int_equal(bm_mvt_loglik_grad(t, Xb, &ll, NULL, NULL, &dnu), BM_SUCCESS);
  check_rel("mvt_dnu_p1_nu1e6_x1e154", dnu, 1e-14);
  bm_mvt_free(t);
  /* mvn: delta = 2.25e308 overflows, delta/2 does not (log f was -inf) */
  bm_mvn *n = bm_mvn_alloc(1);
  gsl_vector *mu = gsl_vector_calloc(1);
  gsl_matrix *S = gsl_matrix_alloc(1, 1), *G = gsl_matrix_alloc(1, 1), *H = gsl_matrix_alloc(3, 3);
  gsl_matrix_set(S, 0, 0, 1.0);
  assert_int_equal(bm_mvn_set(n, mu, S), BM_SUCCESS);
  gsl_vector_set(x, 0, 1.5e154);
  gsl_matrix_set(Xb, 0, 0, 1.5e154);
  assert_int_equal(bm_mvn_logpdf(n, x, &lp), BM_SUCCESS);
  check_rel("mvn_logf_p1_x1.5e154", lp, 1e-15);
  assert_int_equal(bm_mvn_loglik(n, Xb, &ll, NULL), BM_SUCCESS);
  check_rel("mvn_logf_p1_x1.5e154", ll, 1e-15);
  /* outputs beyond double range: BM_EDOM and NaN, where they were +-inf/NaN with success */
  gsl_matrix_set(S, 0, 0, 1e-300);
  assert_int_equal(bm_mvn_set(n, mu, S), BM_SUCCESS);
  gsl_vector_set(x, 0, 1e10); /* a = x / Sigma = 1e310 */
  assert_int_equal(bm_mvn_grad(n, x, NULL, NULL, G), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(G, 0, 0)));
  gsl_matrix *Hm = gsl_matrix_alloc(2, 2);
  assert_int_equal(bm_mvn_hess(n, x, Hm), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(Hm, 0, 0)));
  bm_mvn_free(n);
  bm_matnorm *mn = bm_matnorm_alloc(1, 1);
  gsl_matrix *one = gsl_matrix_alloc(1, 1), *M0 = gsl_matrix_calloc(1, 1);
  gsl_matrix_set(one, 0, 0, 1.0);
  assert_int_equal(bm_matnorm_set(mn, M0, S, one), BM_SUCCESS);
  gsl_matrix_set(Xb, 0, 0, 1e10);
  assert_int_equal(bm_matnorm_grad(mn, Xb, NULL, NULL, G, NULL), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(G, 0, 0)));
  bm_matnorm_free(mn);
  bm_mvt *t2 = mvt_scalar(3.0, 1e-200); /* Lambda^2 = 1e400 in the Sigma-Sigma block */
  assert_int_equal(bm_mvt_fisher(t2, H), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(H, 1, 1)));
  bm_mvt_free(t2);
  gsl_matrix *X1 = gsl_matrix_alloc(1, 1), *H1 = gsl_matrix_alloc(1, 1), *F2 = gsl_matrix_alloc(2, 2),
             *F3 = gsl_matrix_alloc(3, 3);
  gsl_matrix_set(X1, 0, 0, 1e-200); /* X^-2 = 1e400 */
  bm_wishart *w = bm_wishart_alloc(1);
  assert_int_equal(bm_wishart_set(w, 5.0, one), BM_SUCCESS);
  assert_int_equal(bm_wishart_hess_x(w, X1, H1), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(H1, 0, 0)));
  gsl_matrix_set(S, 0, 0, 1e-200);
  assert_int_equal(bm_wishart_set(w, 5.0, S), BM_SUCCESS);
  assert_int_equal(bm_wishart_fisher(w, F2), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(F2, 0, 0)));
  bm_wishart_free(w);
  bm_invwishart *iw = bm_invwishart_alloc(1);
  assert_int_equal(bm_invwishart_set(iw, 5.0, one), BM_SUCCESS);
  assert_int_equal(bm_invwishart_hess_x(iw, X1, H1), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(H1, 0, 0)));
  bm_invwishart_free(iw);
  bm_matf *f = bm_matf_alloc(1);
  assert_int_equal(bm_matf_set(f, 5.0, 3.0, one), BM_SUCCESS);
  assert_int_equal(bm_matf_hess_x(f, X1, H1), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(H1, 0, 0)));
  assert_int_equal(bm_matf_set(f, 5.0, 3.0, S), BM_SUCCESS);
  assert_int_equal(bm_matf_fisher(f, F3), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(F3, 0, 0)));
  bm_matf_free(f);
  /* samplers whose draws can exceed DBL_MAX: each draw finite with success, or
   * BM_EDOM with NaN; over 200 draws at these parameters both occur */
  gsl_rng *r = tu_rng(7);
  int edom[4] = {0}, ok[4] = {0};
  bm_invwishart *iws = bm_invwishart_alloc(1);
  bm_matf *fs = bm_matf_alloc(1);
  bm_mvt *ts = mvt_scalar(0.01, 1.0);
  bm_matt *mts = bm_matt_alloc(1, 1);
  assert_int_equal(bm_invwishart_set(iws, 1e-3, one), BM_SUCCESS);
  assert_int_equal(bm_matf_set(fs, 5.0, 1e-3, one), BM_SUCCESS);
  assert_int_equal(bm_matt_set(mts, 0.01, M0, one, one), BM_SUCCESS);
  for (int i = 0; i < 200; i++) {
    int st[4];
    double v[4];
    st[0] = bm_invwishart_sample(iws, r, X1);
    v[0] = gsl_matrix_get(X1, 0, 0);
    st[1] = bm_matf_sample(fs, r, X1);
    v[1] = gsl_matrix_get(X1, 0, 0);
    st[2] = bm_mvt_sample(ts, r, x);
    v[2] = gsl_vector_get(x, 0);
    st[3] = bm_matt_sample(mts, r, X1);
    v[3] = gsl_matrix_get(X1, 0, 0);
    for (int k = 0; k < 4; k++) {
      assert_true((st[k] == BM_SUCCESS && isfinite(v[k])) || (st[k] == BM_EDOM && isnan(v[k])));
      edom[k] += st[k] == BM_EDOM;
      ok[k] += st[k] == BM_SUCCESS;
    }
  }
  printf("draws beyond DBL_MAX (BM_EDOM) of 200: invwishart %d, matf %d, mvt %d, matt %d\n", edom[0], edom[1], edom[2],
         edom[3]);
  for (int k = 0; k < 4; k++) assert_true(edom[k] > 0 && ok[k] > 0);
  bm_invwishart_free(iws);
  bm_matf_free(fs);
  bm_mvt_free(ts);
  bm_matt_free(mts);
  gsl_rng_free(r);
  gsl_vector_free(x); gsl_vector_free(mu); gsl_matrix_free(Xb); gsl_matrix_free(S); gsl_matrix_free(G);
  gsl_matrix_free(H); gsl_matrix_free(Hm); gsl_matrix_free(one); gsl_matrix_free(M0); gsl_matrix_free(X1);
  gsl_matrix_free(H1); gsl_matrix_free(F2); gsl_matrix_free(F3);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(edges_match_reference_within_conditioning_bound),
    cmocka_unit_test(fuzz_regressions),
    cmocka_unit_test(mvt_score_and_far_tail),
    cmocka_unit_test(invwishart_near_dbl_min),
    cmocka_unit_test(large_degrees_of_freedom),
    cmocka_unit_test(sweep_regressions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
