/* Tests of the batched whitening kernel of distributions/mid_p.c
 * (BM_MP_MIN <= p <= BM_MP_MAX) against the general path recomputed here
 * with LAPACK/CBLAS (dpotrf, one dtrsm of the centred rows): the same
 * Mahalanobis forms, so the two agree to rounding. Tolerance 1e-14 relative
 * to the scale of the summed terms (as tests/test_small_p.c). Dimensions:
 * the range edges (6 and 129 on either side, through the other paths, as a
 * check of the reference), every p from 16 to 33, and 48, 64, 65, 100, 128;
 * row counts around the kernel's steps (4 and 8 rows) and the scaffolding's
 * blocks of 64. Each vector path (two lanes, AVX2 where the processor has
 * it) gives the same bits for a row, wherever the row falls.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <lapacke.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"

/* distributions/mid_p.h (a private header of the layer above the core) */
int bm_mp_delta_block_path(int path, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                           size_t r0, size_t rows, double *delta);
int bm_mp_whiten_rows_path(int path, const gsl_vector *mu, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                           size_t r1, double *Z);
#define MP_MIN 7
#define MP_MAX 128

#define RTOL 1e-14
#define LOG_2PI 1.83787706640934548356065947281123527

static void assert_close_scaled(double a, double b, double scale, const char *what, size_t p, size_t k)
{
  if (!tu_close_to(a, b, RTOL * scale, RTOL)) {
    print_error("p = %zu, row %zu, %s: %.17g vs reference %.17g (diff %.3e, scale %.3e)\n", p, k, what, a, b,
                fabs(a - b), scale);
    fail();
  }
}

typedef struct {
  size_t p, n;
  gsl_vector *mu;
  gsl_matrix *S, *X, *L; /* L: LAPACK's factor, strict upper 0 */
  double *ref;           /* the rows' forms through dtrsm */
  double lognorm;
} problem;

/* Sigma with condition number 100, rows around mu; the reference forms */
static problem *problem_alloc(gsl_rng *r, size_t p, size_t n)
{
  problem *b = calloc(1, sizeof *b);
  b->p = p;
  b->n = n;
  b->mu = gsl_vector_alloc(p);
  b->S = gsl_matrix_alloc(p, p);
  b->X = gsl_matrix_alloc(n, p);
  b->L = gsl_matrix_calloc(p, p);
  b->ref = malloc(n * sizeof(double));
  tu_random_spd(r, 100.0, 2.0, b->S);
  for (size_t j = 0; j < p; j++) gsl_vector_set(b->mu, j, gsl_ran_gaussian(r, 2.0));
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(b->X, k, j, gsl_vector_get(b->mu, j) + gsl_ran_gaussian(r, 3.0));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) gsl_matrix_set(b->L, i, j, gsl_matrix_get(b->S, i, j));
  assert_int_equal(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, b->L->data, (int)p), 0);
  double *Z = malloc(n * p * sizeof(double)), logdet = 0.0;
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < p; j++) Z[k * p + j] = gsl_matrix_get(b->X, k, j) - gsl_vector_get(b->mu, j);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)p, 1.0, b->L->data,
              (int)p, Z, (int)p);
  for (size_t k = 0; k < n; k++) {
    double d = 0.0;
    for (size_t j = 0; j < p; j++) d += Z[k * p + j] * Z[k * p + j];
    b->ref[k] = d;
  }
  for (size_t i = 0; i < p; i++) logdet += 2.0 * log(gsl_matrix_get(b->L, i, i));
  b->lognorm = -0.5 * (double)p * LOG_2PI - 0.5 * logdet;
  free(Z);
  return b;
}

static void problem_free(problem *b)
{
  gsl_vector_free(b->mu);
  free_matrices(b->S, b->X, b->L);
  free(b->ref);
  free(b);
}

/* mvn and mvt batches (each row and the sum) against the reference forms
 * and, for mvt, its single-point path */
static void check_batches(gsl_rng *r, size_t p, size_t n)
{
  problem *b = problem_alloc(r, p, n);
  gsl_vector *each = gsl_vector_alloc(n);
  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvt *t = bm_mvt_alloc(p);
  assert_int_equal(bm_mvn_set(d, b->mu, b->S), BM_SUCCESS);
  assert_int_equal(bm_mvt_set(t, 4.5, b->mu, b->S), BM_SUCCESS);
  double ll, total = 0.0, scale = 0.0;
  assert_int_equal(bm_mvn_loglik(d, b->X, &ll, each), BM_SUCCESS);
  for (size_t k = 0; k < n; k++) {
    double lk = b->lognorm - 0.5 * b->ref[k], sk = fabs(b->lognorm) + 0.5 * b->ref[k];
    total += lk;
    scale += sk;
    assert_close_scaled(gsl_vector_get(each, k), lk, sk, "mvn loglik each", p, k);
  }
  assert_close_scaled(ll, total, scale, "mvn loglik", p, n);
  double ll2;
  assert_int_equal(bm_mvn_loglik(d, b->X, &ll2, NULL), BM_SUCCESS); /* without each: the same bits */
  assert_true(ll2 == ll);

  double llt, sum_t = 0.0, scale_t = 0.0;
  assert_int_equal(bm_mvt_loglik(t, b->X, &llt, each), BM_SUCCESS);
  double logdet = -2.0 * b->lognorm - (double)p * LOG_2PI, nu = 4.5;
  double lnt = lgamma(0.5 * (nu + (double)p)) - lgamma(0.5 * nu) - 0.5 * (double)p * log(nu * 3.14159265358979323846264338327950288) - 0.5 * logdet;
  for (size_t k = 0; k < n; k++) {
    /* log f = lognorm - (nu + p)/2 log1p(delta / nu) */
    double q = 0.5 * (nu + (double)p) * log1p(b->ref[k] / nu), lk = lnt - q;
    assert_close_scaled(gsl_vector_get(each, k), lk, fabs(lnt) + q, "mvt loglik each", p, k);
    gsl_vector_const_view xk = gsl_matrix_const_row(b->X, k);
    double lp;
    assert_int_equal(bm_mvt_logpdf(t, &xk.vector, &lp), BM_SUCCESS);
    assert_close_scaled(gsl_vector_get(each, k), lp, fabs(lnt) + q, "mvt loglik each vs logpdf", p, k);
    sum_t += lk;
    scale_t += fabs(lnt) + q;
  }
  assert_close_scaled(llt, sum_t, scale_t, "mvt loglik", p, n);
  bm_mvn_free(d);
  bm_mvt_free(t);
  gsl_vector_free(each);
  problem_free(b);
}

static void test_batches(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3101);
  static const size_t ps[] = {6, 7, 8, 12, 48, 64, 65, 100, 128, 129};
  static const size_t ns[] = {1, 3, 9, 200};
  for (size_t p = 16; p <= 33; p++) {
    check_batches(r, p, 1);
    check_batches(r, p, 7);  /* a padded step only */
    check_batches(r, p, 13); /* a step and a padded one */
    check_batches(r, p, 130); /* two blocks of 64 and a partial one */
  }
  for (size_t a = 0; a < sizeof ps / sizeof ps[0]; a++)
    for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++) check_batches(r, ps[a], ns[b]);
  gsl_rng_free(r);
}

static void prepare(const problem *b, double *mu, double *inv)
{
  for (size_t j = 0; j < b->p; j++) {
    mu[j] = gsl_vector_get(b->mu, j);
    inv[j] = 1.0 / gsl_matrix_get(b->L, j, j);
  }
}

/* Every path: the reference to 1e-14 of each form (a sum of squares, so its
 * own scale) times sqrt(p) for the longer sums; the paths' bits equal to each
 * other, and a row's bits the same whether it is in a whole step or in the
 * padded last one (rows one at a time, and from an odd offset). */
static void test_paths(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3102);
  static const size_t ps[] = {MP_MIN, 16, 17, 20, 23, 24, 31, 32, 33, 64, 100, MP_MAX};
  for (size_t a = 0; a < sizeof ps / sizeof ps[0]; a++) {
    size_t p = ps[a], n = 77;
    problem *b = problem_alloc(r, p, n);
    double mu[MP_MAX], inv[MP_MAX], d0[77], d1[77], d2[77], dk;
    prepare(b, mu, inv);
    assert_int_equal(bm_mp_delta_block_path(0, mu, inv, b->L, b->X, 0, n, d0), BM_SUCCESS);
    assert_int_equal(bm_mp_delta_block_path(1, mu, inv, b->L, b->X, 0, n, d1), BM_SUCCESS);
    assert_int_equal(bm_mp_delta_block_path(1, mu, inv, b->L, b->X, 3, n - 3, d2 + 3), BM_SUCCESS);
    /* the whitened rows themselves (the gradients' pass): against dtrsm to
     * 1e-14 of the row's norm, the two paths to the bit, delta their squares */
    double *Z0 = malloc(n * p * sizeof(double)), *Z1 = malloc(n * p * sizeof(double)),
           *Zr = malloc(n * p * sizeof(double));
    for (size_t k = 0; k < n; k++)
      for (size_t j = 0; j < p; j++) Zr[k * p + j] = gsl_matrix_get(b->X, k, j) - mu[j];
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)p, 1.0, b->L->data,
                (int)p, Zr, (int)p);
    assert_int_equal(bm_mp_whiten_rows_path(0, b->mu, b->L, b->X, 0, n, Z0), BM_SUCCESS);
    assert_int_equal(bm_mp_whiten_rows_path(1, b->mu, b->L, b->X, 0, n, Z1), BM_SUCCESS);
    assert_memory_equal(Z0, Z1, n * p * sizeof(double));
    for (size_t k = 0; k < n; k++) {
      double s = 0.0;
      for (size_t j = 0; j < p; j++) {
        assert_close_scaled(Z1[k * p + j], Zr[k * p + j], sqrt((double)p * b->ref[k]), "whitened row", p, k);
        s += Z1[k * p + j] * Z1[k * p + j];
      }
      assert_true(s == d1[k]); /* the same squares summed in the same order */
    }
    free(Z0);
    free(Z1);
    free(Zr);
    for (size_t k = 0; k < n; k++) {
      assert_close_scaled(d0[k], b->ref[k], sqrt((double)p) * b->ref[k], "delta", p, k);
      assert_true(d0[k] == d1[k]);
      if (k >= 3) assert_true(d2[k] == d1[k]);
      for (int path = 0; path < 2; path++) {
        assert_int_equal(bm_mp_delta_block_path(path, mu, inv, b->L, b->X, k, 1, &dk), BM_SUCCESS);
        assert_true(dk == d1[k]);
      }
    }
    problem_free(b);
  }
  gsl_rng_free(r);
}

/* A non-finite entry anywhere (first row, last column, the padded last
 * step, a later block of the scaffolding): BM_ENONFINITE on every path, and
 * through the families each NaN and ll NaN. */
static void test_nonfinite(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3103);
  static const size_t ps[] = {MP_MIN, 17, 20, 32, 33, MP_MAX};
  const double bad[] = {NAN, INFINITY, -INFINITY};
  for (size_t a = 0; a < sizeof ps / sizeof ps[0]; a++) {
    size_t p = ps[a], n = 150;
    problem *b = problem_alloc(r, p, n);
    double mu[MP_MAX], inv[MP_MAX], delta[150];
    prepare(b, mu, inv);
    bm_mvn *d = bm_mvn_alloc(p);
    bm_mvt *t = bm_mvt_alloc(p);
    assert_int_equal(bm_mvn_set(d, b->mu, b->S), BM_SUCCESS);
    assert_int_equal(bm_mvt_set(t, 3.0, b->mu, b->S), BM_SUCCESS);
    gsl_vector *each = gsl_vector_alloc(n);
    const size_t where[][2] = {{0, 0}, {5, p - 1}, {148, p / 2}, {149, p - 1}, {70, 3}};
    for (size_t w = 0; w < sizeof where / sizeof where[0]; w++)
      for (size_t v = 0; v < 3; v++) {
        size_t i = where[w][0], j = where[w][1];
        double keep = gsl_matrix_get(b->X, i, j);
        gsl_matrix_set(b->X, i, j, bad[v]);
        double *Z = malloc(n * p * sizeof(double));
        for (int path = 0; path < 2; path++) {
          assert_int_equal(bm_mp_delta_block_path(path, mu, inv, b->L, b->X, 0, n, delta), BM_ENONFINITE);
          assert_int_equal(bm_mp_whiten_rows_path(path, b->mu, b->L, b->X, 0, n, Z), BM_ENONFINITE);
        }
        free(Z);
        gsl_vector *g = gsl_vector_alloc(p);
        double dnu = 0.0;
        assert_int_equal(bm_mvt_loglik_grad(t, b->X, NULL, g, NULL, &dnu), BM_ENONFINITE); /* the gradients' pass */
        assert_true(isnan(dnu) && tu_all_nan_v(g));
        gsl_vector_free(g);
        double ll = 0.0;
        assert_int_equal(bm_mvn_loglik(d, b->X, &ll, each), BM_ENONFINITE);
        assert_true(isnan(ll) && tu_all_nan_v(each));
        ll = 0.0;
        assert_int_equal(bm_mvt_loglik(t, b->X, &ll, each), BM_ENONFINITE);
        assert_true(isnan(ll) && tu_all_nan_v(each));
        gsl_matrix_set(b->X, i, j, keep);
      }
    double ll;
    assert_int_equal(bm_mvn_loglik(d, b->X, &ll, each), BM_SUCCESS); /* restored: the rows are fine again */
    assert_true(isfinite(ll));
    bm_mvn_free(d);
    bm_mvt_free(t);
    gsl_vector_free(each);
    problem_free(b);
  }
  gsl_rng_free(r);
}

/* Range edges, Sigma near 1e-300: finite rows whose forms overflow give
 * +inf forms, never NaN, on every path, both where only the sum of squares
 * overflows (rows near 1e10: z ~ 1e160) and where the solve itself does
 * (rows near 1e160: inf - inf); the families then take the scaled
 * single-point route, so each row and the batch equal the single-point
 * values: mvt for both kinds of rows; mvn for one row whose form is 2.5e308
 * (beyond DBL_MAX, half of it not) among ordinary rows. Sigma near 1e300
 * with rows near 1e-10: tiny forms, exact to rounding. */
static void check_family_rows(bm_mvn *d, bm_mvt *t, const gsl_matrix *X, gsl_vector *each, size_t p)
{
  for (int fam = d ? 0 : 1; fam < (t ? 2 : 1); fam++) {
    double ll, sum = 0.0, scale = 0.0;
    assert_int_equal(fam ? bm_mvt_loglik(t, X, &ll, each) : bm_mvn_loglik(d, X, &ll, each), BM_SUCCESS);
    for (size_t k = 0; k < X->size1; k++) {
      gsl_vector_const_view xk = gsl_matrix_const_row(X, k);
      double lp;
      assert_int_equal(fam ? bm_mvt_logpdf(t, &xk.vector, &lp) : bm_mvn_logpdf(d, &xk.vector, &lp), BM_SUCCESS);
      assert_true(isfinite(lp));
      assert_close_scaled(gsl_vector_get(each, k), lp, fabs(lp), fam ? "mvt each, range edge" : "mvn each, range edge",
                          p, k);
      sum += lp;
      scale += fabs(lp);
    }
    assert_true(isfinite(ll));
    assert_close_scaled(ll, sum, scale, fam ? "mvt loglik, range edge" : "mvn loglik, range edge", p, X->size1);
  }
}

static void test_range_edges(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3104);
  for (size_t p = 17; p <= 33; p += 16) {
    size_t n = 11;
    for (int big = 0; big < 2; big++) {
      double sc = big ? 1e-300 : 1e300;
      gsl_vector *mu = gsl_vector_calloc(p), *each = gsl_vector_alloc(n);
      gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(n, p), *L = gsl_matrix_calloc(p, p);
      tu_random_spd(r, 10.0, 1.0, S);
      gsl_matrix_scale(S, sc);
      for (size_t k = 0; k < n; k++) /* big: rows 0..5 overflow the squares, 6..10 the solve */
        for (size_t j = 0; j < p; j++)
          gsl_matrix_set(X, k, j, (big ? (k < 6 ? 1e10 : 1e160) : 1e-10) * gsl_ran_gaussian(r, 1.0));
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j <= i; j++) gsl_matrix_set(L, i, j, gsl_matrix_get(S, i, j));
      assert_int_equal(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, L->data, (int)p), 0);
      double m[64] = {0.0}, inv[64], delta[11];
      for (size_t j = 0; j < p; j++) inv[j] = 1.0 / gsl_matrix_get(L, j, j);
      for (int path = 0; path < 2; path++) {
        assert_int_equal(bm_mp_delta_block_path(path, m, inv, L, X, 0, n, delta), BM_SUCCESS);
        for (size_t k = 0; k < n; k++) assert_true(big ? delta[k] == INFINITY : isfinite(delta[k]) && delta[k] > 0.0);
      }
      bm_mvn *d = bm_mvn_alloc(p);
      bm_mvt *t = bm_mvt_alloc(p);
      assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
      assert_int_equal(bm_mvt_set(t, 5.0, mu, S), BM_SUCCESS);
      check_family_rows(big ? NULL : d, t, X, each, p);
      if (big) { /* mvn: row 0 = L w with |w|^2 = 2.5e308, the others near sqrt(Sigma) */
        double w = sqrt(1.25e308 / (double)p) * sqrt(2.0);
        for (size_t i = 0; i < p; i++) {
          double x = 0.0;
          for (size_t j = 0; j <= i; j++) x += gsl_matrix_get(L, i, j) * w;
          gsl_matrix_set(X, 0, i, x);
        }
        for (size_t k = 1; k < n; k++)
          for (size_t j = 0; j < p; j++) gsl_matrix_set(X, k, j, 1e-150 * gsl_ran_gaussian(r, 1.0));
        assert_int_equal(bm_mp_delta_block_path(1, m, inv, L, X, 0, n, delta), BM_SUCCESS);
        assert_true(delta[0] == INFINITY && isfinite(delta[1]));
        check_family_rows(d, t, X, each, p);
      }
      bm_mvn_free(d);
      bm_mvt_free(t);
      gsl_vector_free(mu);
      gsl_vector_free(each);
      free_matrices(S, X, L);
    }
  }
  gsl_rng_free(r);
}

/* The batched gradients, whose whitening pass is the kernel's from
 * BM_MP_MIN: mvt's (dmu, dSigma, dnu) against the sum of the single-point
 * gradients, and mvn's through the whitened rows (a factor whose diagonal
 * spans more than 100, so not the scatter route) against the same sums. */
static void test_gradients(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3106);
  static const size_t ps[] = {MP_MIN, 20, 33, 100};
  for (size_t a = 0; a < sizeof ps / sizeof ps[0]; a++) {
    size_t p = ps[a], n = 45;
    problem *b = problem_alloc(r, p, n);
    for (int fam = 0; fam < 2; fam++) {
      if (!fam) /* mvn: spread the scale so that L's diagonal spans > 100 */
        for (size_t i = 0; i < p; i++) {
          for (size_t j = 0; j < p; j++)
            gsl_matrix_set(b->S, i, j, gsl_matrix_get(b->S, i, j) * pow(1e3, (double)(i + j) / (double)(p - 1)));
          for (size_t k = 0; k < n; k++)
            gsl_matrix_set(b->X, k, i, gsl_vector_get(b->mu, i) +
                                           (gsl_matrix_get(b->X, k, i) - gsl_vector_get(b->mu, i)) *
                                               pow(1e3, (double)i / (double)(p - 1)));
        }
      bm_mvn *d = bm_mvn_alloc(p);
      bm_mvt *t = bm_mvt_alloc(p);
      assert_int_equal(bm_mvn_set(d, b->mu, b->S), BM_SUCCESS);
      assert_int_equal(bm_mvt_set(t, 4.5, b->mu, b->S), BM_SUCCESS);
      gsl_vector *g = gsl_vector_alloc(p), *gi = gsl_vector_alloc(p), *gs = gsl_vector_calloc(p);
      gsl_matrix *G = gsl_matrix_alloc(p, p), *Gi = gsl_matrix_alloc(p, p), *Gs = gsl_matrix_calloc(p, p);
      double ll, dnu = 0.0, dnus = 0.0, lls = 0.0, scale = 0.0, gscale = 0.0;
      if (fam)
        assert_int_equal(bm_mvt_loglik_grad(t, b->X, &ll, g, G, &dnu), BM_SUCCESS);
      else
        assert_int_equal(bm_mvn_loglik_grad(d, b->X, &ll, g, G), BM_SUCCESS);
      for (size_t k = 0; k < n; k++) {
        gsl_vector_const_view xk = gsl_matrix_const_row(b->X, k);
        double lp, dn = 0.0;
        assert_int_equal(fam ? bm_mvt_logpdf(t, &xk.vector, &lp) : bm_mvn_logpdf(d, &xk.vector, &lp), BM_SUCCESS);
        assert_int_equal(fam ? bm_mvt_grad(t, &xk.vector, NULL, gi, Gi, &dn) : bm_mvn_grad(d, &xk.vector, NULL, gi, Gi),
                         BM_SUCCESS);
        lls += lp;
        scale += fabs(lp) + 1.0;
        dnus += dn;
        gsl_vector_add(gs, gi);
        gsl_matrix_add(Gs, Gi);
        for (size_t i = 0; i < p * p; i++) gscale = fmax(gscale, fabs(Gi->data[i]));
        for (size_t i = 0; i < p; i++) gscale = fmax(gscale, fabs(gi->data[i]));
      }
      /* sums of n terms: each entry to 1e-14 of n (p + cond) times the largest term */
      double gs_tol = (double)n * ((double)p + 100.0) * gscale;
      assert_close_scaled(ll, lls, scale, fam ? "mvt loglik_grad value" : "mvn loglik_grad value", p, n);
      if (fam) assert_close_scaled(dnu, dnus, (double)n * (fabs(dnus) + 1.0), "mvt dnu", p, n);
      for (size_t i = 0; i < p; i++) {
        assert_close_scaled(gsl_vector_get(g, i), gsl_vector_get(gs, i), gs_tol, "dmu", p, i);
        for (size_t j = 0; j < p; j++)
          assert_close_scaled(gsl_matrix_get(G, i, j), gsl_matrix_get(Gs, i, j), gs_tol, "dSigma", p, i);
      }
      bm_mvn_free(d);
      bm_mvt_free(t);
      free_vectors(g, gi, gs);
      free_matrices(G, Gi, Gs);
    }
    problem_free(b);
  }
  gsl_rng_free(r);
}

/* Row groups (an OpenMP build, src/omp_policy.h): the same bits for every
 * thread count (BAYESMAT_NUM_THREADS = 1, 2, 3), and the reference to
 * 1e-14 with the group sums; in a build without OpenMP the setting is
 * ignored and the identity holds trivially. */
static void test_thread_counts(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3105);
  static const size_t ps[] = {20, 33};
  for (size_t a = 0; a < 2; a++) {
    size_t p = ps[a], n = 3001;
    check_batches(r, p, n); /* one setting (1 thread), reference checked */
    problem *b = problem_alloc(r, p, n);
    bm_mvn *d = bm_mvn_alloc(p);
    bm_mvt *t = bm_mvt_alloc(p);
    assert_int_equal(bm_mvn_set(d, b->mu, b->S), BM_SUCCESS);
    assert_int_equal(bm_mvt_set(t, 4.5, b->mu, b->S), BM_SUCCESS);
    gsl_vector *e1 = gsl_vector_alloc(n), *e2 = gsl_vector_alloc(n), *f1 = gsl_vector_alloc(n),
               *f2 = gsl_vector_alloc(n);
    double l1, l2, m1, m2;
    const char *saved = getenv("BAYESMAT_NUM_THREADS");
    char *keep = saved ? strdup(saved) : NULL;
    setenv("BAYESMAT_NUM_THREADS", "1", 1);
    assert_int_equal(bm_mvn_loglik(d, b->X, &l1, e1), BM_SUCCESS);
    assert_int_equal(bm_mvt_loglik(t, b->X, &m1, f1), BM_SUCCESS);
    for (const char *k = "23"; *k; k++) {
      char v[2] = {*k, 0};
      setenv("BAYESMAT_NUM_THREADS", v, 1);
      assert_int_equal(bm_mvn_loglik(d, b->X, &l2, e2), BM_SUCCESS);
      assert_int_equal(bm_mvt_loglik(t, b->X, &m2, f2), BM_SUCCESS);
      assert_true(l1 == l2 && m1 == m2);
      assert_memory_equal(e1->data, e2->data, n * sizeof(double));
      assert_memory_equal(f1->data, f2->data, n * sizeof(double));
    }
    if (keep) {
      setenv("BAYESMAT_NUM_THREADS", keep, 1);
      free(keep);
    } else
      unsetenv("BAYESMAT_NUM_THREADS");
    bm_mvn_free(d);
    bm_mvt_free(t);
    free_vectors(e1, e2, f1, f2);
    problem_free(b);
  }
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batches),
      cmocka_unit_test(test_paths),
      cmocka_unit_test(test_nonfinite),
      cmocka_unit_test(test_range_edges),
      cmocka_unit_test(test_gradients),
      cmocka_unit_test(test_thread_counts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
