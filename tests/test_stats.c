/* Tests of the mergeable sufficient statistics: bm_mvn_stats,
 * bm_wishart_stats, bm_invwishart_stats, bm_matnorm_stats.
 * Expected values come from: a one-pass summary of all the data (chunked
 * summaries merged in several orders must agree to 1e-12 relative); a
 * direct long-double two-pass computation of mean and scatter in this file;
 * and the families' own batched bm_F_loglik / bm_F_loglik_grad on the raw
 * data (the stats-based log-likelihood and gradients must agree to 1e-11
 * relative to the largest entry).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

/* chunk boundaries: 0 = c[0] < c[1] < ... < c[k] = n, uneven sizes including 1 */
static size_t make_chunks(size_t n, size_t *c)
{
  size_t k = 0, pos = 0, sizes[] = {1, 7, 2, 31, 1, 13, 64, 3};
  c[k++] = 0;
  for (size_t i = 0; pos < n; i++) {
    size_t s = sizes[i % 8];
    pos = pos + s < n ? pos + s : n;
    c[k++] = pos;
  }
  return k - 1;
}

/* ---------- mvn ---------- */

/* A gradient beyond double range from a finite summary: Sigma = c I (p = 2),
 * rows (a, 0) and (-a, 0) about mu = 0, so xbar = 0, S = diag(2 a^2, 0) and in
 * closed form d_Sigma = diag(a^2/c^2 - 1/c, -1/c), d_mu = 0. At c = 1e-250,
 * a = 1e-50 the first entry is 1e400, beyond double range: BM_EDOM, every
 * output NaN, as the batched bm_mvn_loglik_grad on the rows says, while the
 * value (-1e150) is in range; at c = 1e-150 it is 1e200 - 1e150, returned. */
/* A scatter beyond double range: 259 rows at M = 1.895e234 and 9 at 0
 * (p = 1) have xbar = 259/268 M and S = (259 (9/268)^2 + 9 (259/268)^2) M^2 =
 * 8.70 M^2 = 3.1e469. The correction pass formed inf - inf there and the
 * zeroing of "constant" coordinates stored S = 0 with success (log-likelihood
 * -2.3e198 for the true -6.8e199); the summary is now refused (BM_EDOM, s
 * unchanged), as is a merge whose scatter overflows. Rows near DBL_MAX whose
 * plain sum overflows still have a finite mean: (DBL_MAX/2, DBL_MAX/2,
 * DBL_MAX/2) has mean DBL_MAX/2 and scatter 0. */
static void mvn_stats_scatter_beyond_range_is_edom(void **state)
{
  (void)state;
  const double M = 1.8950423964145528e+234;
  gsl_matrix *X = gsl_matrix_alloc(268, 1), *S = gsl_matrix_alloc(1, 1);
  gsl_vector *mean = gsl_vector_alloc(1);
  for (size_t i = 0; i < 268; i++) gsl_matrix_set(X, i, 0, i < 9 ? 0.0 : M);
  bm_mvn_stats *s = bm_mvn_stats_alloc(1), *h = bm_mvn_stats_alloc(1);
  assert_int_equal(bm_mvn_stats_compute(s, X), BM_EDOM);
  double n = -1;
  assert_int_equal(bm_mvn_stats_get(s, &n, mean, S), BM_SUCCESS);
  assert_true(n == 0.0 && gsl_vector_get(mean, 0) == 0.0 && gsl_matrix_get(S, 0, 0) == 0.0);
  /* each half alone is representable (one of them constant), their merge is not */
  gsl_matrix_view A = gsl_matrix_submatrix(X, 0, 0, 9, 1), B = gsl_matrix_submatrix(X, 9, 0, 259, 1);
  assert_int_equal(bm_mvn_stats_compute(s, &A.matrix), BM_SUCCESS);
  assert_int_equal(bm_mvn_stats_compute(h, &B.matrix), BM_SUCCESS);
  assert_int_equal(bm_mvn_stats_merge(s, h), BM_EDOM);
  assert_int_equal(bm_mvn_stats_get(s, &n, mean, S), BM_SUCCESS);
  assert_true(n == 9.0 && gsl_vector_get(mean, 0) == 0.0 && gsl_matrix_get(S, 0, 0) == 0.0);
  assert_int_equal(bm_mvn_stats_add(s, &B.matrix), BM_EDOM);
  gsl_matrix_view T = gsl_matrix_submatrix(X, 0, 0, 3, 1);
  for (size_t i = 0; i < 3; i++) gsl_matrix_set(X, i, 0, DBL_MAX / 2);
  assert_int_equal(bm_mvn_stats_compute(s, &T.matrix), BM_SUCCESS);
  assert_int_equal(bm_mvn_stats_get(s, &n, mean, S), BM_SUCCESS);
  assert_true(n == 3.0 && gsl_vector_get(mean, 0) == DBL_MAX / 2 && gsl_matrix_get(S, 0, 0) == 0.0);
  /* constant rows beyond 1e170: a mean off by one rounding leaves deviations
   * (~1e184 at 1e200) whose squares overflow; the scatter is still 0 */
  for (size_t k = 2; k < 9; k++) {
    gsl_matrix_view Tk = gsl_matrix_submatrix(X, 0, 0, k, 1);
    double x = 1.2345678901234567e200 * (double)k;
    for (size_t i = 0; i < k; i++) gsl_matrix_set(X, i, 0, x);
    assert_int_equal(bm_mvn_stats_compute(s, &Tk.matrix), BM_SUCCESS);
    assert_int_equal(bm_mvn_stats_get(s, &n, mean, S), BM_SUCCESS);
    assert_true(gsl_vector_get(mean, 0) == x && gsl_matrix_get(S, 0, 0) == 0.0);
  }
  bm_mvn_stats_free(s);
  bm_mvn_stats_free(h);
  gsl_matrix_free(X);
  gsl_matrix_free(S);
  gsl_vector_free(mean);
}

static void mvn_stats_grad_beyond_range_is_edom(void **state)
{
  (void)state;
  const double cs[] = {1e-250, 1e-150}, a = 1e-50;
  for (int k = 0; k < 2; k++) {
    double c = cs[k];
    bm_mvn *d = bm_mvn_alloc(2);
    bm_mvn_stats *s = bm_mvn_stats_alloc(2);
    gsl_vector *mu = gsl_vector_calloc(2), *g = gsl_vector_alloc(2), *gb = gsl_vector_alloc(2);
    gsl_matrix *Sig = gsl_matrix_calloc(2, 2), *G = gsl_matrix_alloc(2, 2), *Gb = gsl_matrix_alloc(2, 2);
    gsl_matrix *X = gsl_matrix_calloc(2, 2);
    gsl_matrix_set(Sig, 0, 0, c);
    gsl_matrix_set(Sig, 1, 1, c);
    gsl_matrix_set(X, 0, 0, a);
    gsl_matrix_set(X, 1, 0, -a);
    assert_int_equal(bm_mvn_set(d, mu, Sig), BM_SUCCESS);
    assert_int_equal(bm_mvn_stats_compute(s, X), BM_SUCCESS);
    double ll = 0, llb = 0;
    int st = bm_mvn_stats_loglik_grad(d, s, &ll, g, G), stb = bm_mvn_loglik_grad(d, X, &llb, gb, Gb);
    assert_int_equal(st, stb);
    if (k == 0) {
      assert_int_equal(st, BM_EDOM);
      assert_true(isnan(ll) && isnan(gsl_vector_get(g, 0)) && isnan(gsl_vector_get(g, 1)) && tu_all_nan_m(G));
      /* the value alone is in range: the log-likelihood still succeeds */
      assert_int_equal(bm_mvn_stats_loglik(d, s, &ll), BM_SUCCESS);
      assert_true(isfinite(ll));
    } else {
      assert_int_equal(st, BM_SUCCESS);
      assert_true(rel(gsl_matrix_get(G, 0, 0), a * a / (c * c) - 1 / c) < 1e-14);
      assert_true(rel(gsl_matrix_get(G, 1, 1), -1 / c) < 1e-14);
      assert_true(gsl_matrix_get(G, 0, 1) == 0.0 && gsl_vector_get(g, 0) == 0.0);
    }
    bm_mvn_free(d);
    bm_mvn_stats_free(s);
    gsl_vector_free(mu);
    gsl_vector_free(g);
    gsl_vector_free(gb);
    gsl_matrix_free(Sig);
    gsl_matrix_free(G);
    gsl_matrix_free(Gb);
    gsl_matrix_free(X);
  }
}

static void mvn_data(gsl_rng *r, size_t n, size_t p, double offset, gsl_matrix *X)
{
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++)
      gsl_matrix_set(X, i, j, offset + (double)j + (1.0 + 0.3 * (double)j) * gsl_ran_gaussian(r, 1.0));
  (void)n;
}

static void mvn_chunked_merge_equals_one_pass(size_t p, size_t n, double offset)
{
  gsl_rng *r = tu_rng(11 + p);
  gsl_matrix *X = gsl_matrix_alloc(n, p);
  mvn_data(r, n, p, offset, X);
  bm_mvn_stats *all = bm_mvn_stats_alloc(p);
  assert_int_equal(bm_mvn_stats_compute(all, X), BM_SUCCESS);
  gsl_vector *m1 = gsl_vector_alloc(p), *m2 = gsl_vector_alloc(p);
  gsl_matrix *S1 = gsl_matrix_alloc(p, p), *S2 = gsl_matrix_alloc(p, p);
  double n1, n2;
  bm_mvn_stats_get(all, &n1, m1, S1);
  assert_true(n1 == (double)n);
  /* independent: long-double two-pass mean and scatter */
  {
    gsl_vector *mr = gsl_vector_alloc(p);
    gsl_matrix *Sr = gsl_matrix_alloc(p, p);
    for (size_t j = 0; j < p; j++) {
      long double s = 0;
      for (size_t i = 0; i < n; i++) s += gsl_matrix_get(X, i, j);
      gsl_vector_set(mr, j, (double)(s / (long double)n));
    }
    for (size_t a = 0; a < p; a++)
      for (size_t b = 0; b < p; b++) {
        long double s = 0;
        for (size_t i = 0; i < n; i++)
          s += ((long double)gsl_matrix_get(X, i, a) - gsl_vector_get(mr, a)) *
               ((long double)gsl_matrix_get(X, i, b) - gsl_vector_get(mr, b));
        gsl_matrix_set(Sr, a, b, (double)s);
      }
    assert_true(tu_vec_rel(m1, mr) <= 1e-13);
    assert_true(tu_mat_rel(S1, Sr) <= 1e-12);
    gsl_vector_free(mr);
    gsl_matrix_free(Sr);
  }
  size_t c[512], k = make_chunks(n, c);
  bm_mvn_stats **part = malloc(k * sizeof *part);
  for (size_t t = 0; t < k; t++) {
    part[t] = bm_mvn_stats_alloc(p);
    gsl_matrix_view V = gsl_matrix_submatrix(X, c[t], 0, c[t + 1] - c[t], p);
    assert_int_equal(bm_mvn_stats_compute(part[t], &V.matrix), BM_SUCCESS);
  }
  bm_mvn_stats *acc = bm_mvn_stats_alloc(p);
  for (int order = 0; order < 4; order++) {
    bm_mvn_stats_reset(acc);
    if (order == 0) /* in order */
      for (size_t t = 0; t < k; t++) bm_mvn_stats_merge(acc, part[t]);
    else if (order == 1) /* reversed */
      for (size_t t = k; t-- > 0;) bm_mvn_stats_merge(acc, part[t]);
    else if (order == 2) { /* random permutation */
      size_t *perm = malloc(k * sizeof *perm);
      for (size_t t = 0; t < k; t++) perm[t] = t;
      gsl_ran_shuffle(r, perm, k, sizeof *perm);
      for (size_t t = 0; t < k; t++) bm_mvn_stats_merge(acc, part[perm[t]]);
      free(perm);
    } else { /* tree: merge pairs of partials into fresh objects, then fold */
      bm_mvn_stats *l = bm_mvn_stats_alloc(p), *rr = bm_mvn_stats_alloc(p);
      for (size_t t = 0; t < k; t++) bm_mvn_stats_merge(t % 2 ? rr : l, part[t]);
      bm_mvn_stats_merge(rr, l);
      bm_mvn_stats_merge(acc, rr);
      bm_mvn_stats_free(l);
      bm_mvn_stats_free(rr);
    }
    bm_mvn_stats_get(acc, &n2, m2, S2);
    assert_true(n2 == n1);
    assert_true(tu_vec_rel(m2, m1) <= 1e-12);
    assert_true(tu_mat_rel(S2, S1) <= 1e-12);
  }
  /* streaming add = compute; self-merge doubles n and the scatter */
  bm_mvn_stats_reset(acc);
  for (size_t t = 0; t < k; t++) {
    gsl_matrix_view V = gsl_matrix_submatrix(X, c[t], 0, c[t + 1] - c[t], p);
    assert_int_equal(bm_mvn_stats_add(acc, &V.matrix), BM_SUCCESS);
  }
  bm_mvn_stats_get(acc, &n2, m2, S2);
  assert_true(n2 == n1 && tu_vec_rel(m2, m1) <= 1e-12 && tu_mat_rel(S2, S1) <= 1e-12);
  assert_int_equal(bm_mvn_stats_merge(acc, acc), BM_SUCCESS);
  bm_mvn_stats_get(acc, &n2, m2, S2);
  gsl_matrix_scale(S2, 0.5);
  assert_true(n2 == 2 * n1 && tu_vec_rel(m2, m1) <= 1e-12 && tu_mat_rel(S2, S1) <= 1e-12);
  /* pack / unpack round trip is exact */
  size_t len = bm_mvn_stats_packed_len(all);
  assert_int_equal(len, 6 + 1 + p + p * (p + 1) / 2);
  double *buf = malloc(len * sizeof *buf);
  bm_mvn_stats_pack(all, buf);
  assert_int_equal(bm_mvn_stats_unpack(acc, buf, len), BM_SUCCESS);
  bm_mvn_stats_get(acc, &n2, m2, S2);
  assert_true(n2 == n1 && tu_vec_rel(m2, m1) == 0.0 && tu_mat_rel(S2, S1) == 0.0);
  free(buf);
  for (size_t t = 0; t < k; t++) bm_mvn_stats_free(part[t]);
  free(part);
  bm_mvn_stats_free(acc);
  bm_mvn_stats_free(all);
  gsl_vector_free(m1);
  gsl_vector_free(m2);
  free_matrices(S1, S2, X);
  gsl_rng_free(r);
}

static void mvn_merge_any_order_equals_one_pass(void **state)
{
  (void)state;
  mvn_chunked_merge_equals_one_pass(1, 50, 0.0);
  mvn_chunked_merge_equals_one_pass(4, 301, 0.0);
  mvn_chunked_merge_equals_one_pass(4, 301, 1e4); /* large offset: raw sums would lose digits */
  mvn_chunked_merge_equals_one_pass(70, 200, 0.0); /* heap scratch path */
}

/* Data on a large offset (1e8, unit spread): the mean of one compute call must
 * be the correctly rounded mean up to 1 ulp, and the scatter match to 1e-12,
 * against a long double reference (64-bit significand: the mean with its own
 * correction pass, the scatter two-pass about it). n = 20000 rows of p = 3 run
 * over several row blocks of the streamed computation. Without the
 * correction pass the mean was off by 13-29 ulps here (more at larger n). */
static void mvn_mean_at_large_offset_is_correctly_rounded(void **state)
{
  (void)state;
  const size_t n = 20000, p = 3;
  gsl_rng *r = tu_rng(808);
  gsl_matrix *X = gsl_matrix_alloc(n, p), *S = gsl_matrix_alloc(p, p);
  gsl_vector *m = gsl_vector_alloc(p);
  mvn_data(r, n, p, 1e8, X);
  bm_mvn_stats *s = bm_mvn_stats_alloc(p);
  assert_int_equal(bm_mvn_stats_compute(s, X), BM_SUCCESS);
  double cnt;
  assert_int_equal(bm_mvn_stats_get(s, &cnt, m, S), BM_SUCCESS);
  assert_true(cnt == (double)n);
  long double mref[3], Sref[3][3];
  for (size_t j = 0; j < p; j++) {
    long double sum = 0.0L, corr = 0.0L;
    for (size_t i = 0; i < n; i++) sum += gsl_matrix_get(X, i, j);
    long double m0 = sum / (long double)n;
    for (size_t i = 0; i < n; i++) corr += (long double)gsl_matrix_get(X, i, j) - m0;
    mref[j] = m0 + corr / (long double)n;
  }
  for (size_t a = 0; a < p; a++)
    for (size_t b = 0; b < p; b++) {
      long double acc = 0.0L;
      for (size_t i = 0; i < n; i++)
        acc += ((long double)gsl_matrix_get(X, i, a) - mref[a]) * ((long double)gsl_matrix_get(X, i, b) - mref[b]);
      Sref[a][b] = acc;
    }
  for (size_t j = 0; j < p; j++) {
    double ref = (double)mref[j], ulp = nextafter(ref, INFINITY) - ref;
    assert_true(fabs(gsl_vector_get(m, j) - ref) <= ulp);
    for (size_t b = 0; b < p; b++)
      assert_true(fabsl((long double)gsl_matrix_get(S, j, b) - Sref[j][b]) <= 1e-12L * sqrtl(Sref[j][j] * Sref[b][b]));
  }
  bm_mvn_stats_free(s);
  gsl_matrix_free(X);
  gsl_matrix_free(S);
  gsl_vector_free(m);
  gsl_rng_free(r);
}

static void mvn_loglik_from_stats_matches_data(void **state)
{
  (void)state;
  size_t ps[] = {1, 3, 8, 70};
  for (size_t t = 0; t < 4; t++) {
    size_t p = ps[t], n = 157;
    gsl_rng *r = tu_rng(100 + p);
    gsl_matrix *X = gsl_matrix_alloc(n, p), *Sigma = gsl_matrix_alloc(p, p);
    mvn_data(r, n, p, 0.5, X);
    tu_random_spd(r, 30.0, 2.0, Sigma);
    gsl_vector *mu = gsl_vector_alloc(p);
    for (size_t j = 0; j < p; j++) gsl_vector_set(mu, j, 0.3 * (double)j);
    bm_mvn *d = bm_mvn_alloc(p);
    assert_int_equal(bm_mvn_set(d, mu, Sigma), BM_SUCCESS);
    bm_mvn_stats *s = bm_mvn_stats_alloc(p);
    assert_int_equal(bm_mvn_stats_compute(s, X), BM_SUCCESS);
    double ll_data, ll_stats, ll_data2, ll_stats2;
    gsl_vector *g1 = gsl_vector_alloc(p), *g2 = gsl_vector_alloc(p);
    gsl_matrix *G1 = gsl_matrix_alloc(p, p), *G2 = gsl_matrix_alloc(p, p);
    assert_int_equal(bm_mvn_loglik(d, X, &ll_data, NULL), BM_SUCCESS);
    assert_int_equal(bm_mvn_stats_loglik(d, s, &ll_stats), BM_SUCCESS);
    assert_true(rel(ll_stats, ll_data) <= 1e-12);
    assert_int_equal(bm_mvn_loglik_grad(d, X, &ll_data2, g1, G1), BM_SUCCESS);
    assert_int_equal(bm_mvn_stats_loglik_grad(d, s, &ll_stats2, g2, G2), BM_SUCCESS);
    assert_true(rel(ll_stats2, ll_data2) <= 1e-12);
    assert_true(tu_vec_rel(g2, g1) <= 1e-11);
    assert_true(tu_mat_rel(G2, G1) <= 1e-11);
    /* NULL outputs skip work; the rest is unchanged */
    assert_int_equal(bm_mvn_stats_loglik_grad(d, s, NULL, NULL, G2), BM_SUCCESS);
    assert_true(tu_mat_rel(G2, G1) <= 1e-11);
    /* empty summary: 0 and zero gradients */
    bm_mvn_stats_reset(s);
    assert_int_equal(bm_mvn_stats_loglik_grad(d, s, &ll_stats, g2, G2), BM_SUCCESS);
    assert_true(ll_stats == 0.0 && gsl_vector_isnull(g2) && gsl_matrix_isnull(G2));
    bm_mvn_stats_free(s);
    bm_mvn_free(d);
    free_vectors(mu, g1, g2);
    free_matrices(G1, G2, X, Sigma);
    gsl_rng_free(r);
  }
}

static void mvn_stats_bad_inputs_return_status(void **state)
{
  (void)state;
  size_t p = 3;
  assert_null(bm_mvn_stats_alloc(0));
  bm_mvn_stats_free(NULL);
  bm_mvn_stats *s = bm_mvn_stats_alloc(p), *s4 = bm_mvn_stats_alloc(4);
  gsl_matrix *X = gsl_matrix_calloc(5, p), *X4 = gsl_matrix_calloc(5, 4), *Sig = gsl_matrix_alloc(p, p);
  gsl_vector *mu = gsl_vector_calloc(p), *g = gsl_vector_alloc(p), *g4 = gsl_vector_alloc(4);
  gsl_matrix *G = gsl_matrix_alloc(p, p), *G4 = gsl_matrix_alloc(4, 4);
  gsl_matrix_set_identity(Sig);
  for (size_t i = 0; i < 5; i++) gsl_matrix_set(X, i, 0, (double)i);
  assert_int_equal(bm_mvn_stats_compute(NULL, X), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_compute(s, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_compute(s, X4), BM_EBADLEN);
  assert_int_equal(bm_mvn_stats_compute(s, X), BM_SUCCESS);
  gsl_matrix_set(X, 2, 1, NAN);
  assert_int_equal(bm_mvn_stats_add(s, X), BM_ENONFINITE);
  gsl_matrix_set(X, 2, 1, INFINITY);
  assert_int_equal(bm_mvn_stats_compute(s, X), BM_ENONFINITE);
  double n;
  bm_mvn_stats_get(s, &n, NULL, NULL);
  assert_true(n == 5.0); /* unchanged by the failures */
  assert_int_equal(bm_mvn_stats_merge(s, s4), BM_EBADLEN);
  assert_int_equal(bm_mvn_stats_merge(NULL, s), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_merge(s, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_get(NULL, &n, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_get(s, NULL, g4, NULL), BM_EBADLEN);
  assert_int_equal(bm_mvn_stats_get(s, NULL, NULL, G4), BM_EBADLEN);
  assert_int_equal(bm_mvn_stats_reset(NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_packed_len(NULL), 0);
  assert_int_equal(bm_mvn_stats_dim(s), p);
  /* unpack validation: header [magic, version, kind, p, 1, length], then (n, mean, vech scatter) */
  enum { PL = 6 + 1 + 3 + 6 };
  assert_int_equal(bm_mvn_stats_packed_len(s), PL);
  double buf[PL], keep[PL];
  assert_int_equal(bm_mvn_stats_pack(s, buf), BM_SUCCESS);
  const double body[10] = {5, 0, 0, 0, 1, 0, 0, 1, 0, 1};
  memcpy(buf + 6, body, sizeof body);
  memcpy(keep, buf, sizeof buf);
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_SUCCESS);
  buf[6] = 2.5;
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_EINVAL);
  buf[6] = -1;
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_EINVAL);
  buf[6] = 5;
  buf[10] = -1; /* scatter (0,0) */
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_ENOTSPD);
  buf[10] = NAN;
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_ENONFINITE);
  buf[10] = 1;
  buf[11] = 2; /* scatter (1,0) = 2 with unit diagonal: not positive semidefinite */
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_ENOTSPD);
  buf[11] = 0.999999; /* |correlation| < 1: a valid (nearly singular) scatter */
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_SUCCESS);
  buf[11] = 0;
  buf[6] = 1; /* one row with a nonzero scatter */
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_EINVAL);
  buf[6] = 0; /* n = 0 with nonzero content */
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_EINVAL);
  buf[6] = 9007199254740994.0; /* beyond 2^53: not an exact count */
  assert_int_equal(bm_mvn_stats_unpack(s, buf, PL), BM_EINVAL);
  buf[6] = 5;
  /* truncated or over-long: refused without reading past len (ASan checks the
   * short copy); another kind, version or dimension: refused */
  double *shortb = malloc((PL - 1) * sizeof *shortb);
  memcpy(shortb, keep, (PL - 1) * sizeof *shortb);
  assert_int_equal(bm_mvn_stats_unpack(s, shortb, PL - 1), BM_EBADLEN);
  assert_int_equal(bm_mvn_stats_unpack(s, shortb, 3), BM_EBADLEN);
  free(shortb);
  assert_int_equal(bm_mvn_stats_unpack(s, keep, PL + 0), BM_SUCCESS);
  keep[2] = 2.0; /* the Wishart kind */
  assert_int_equal(bm_mvn_stats_unpack(s, keep, PL), BM_EINVAL);
  keep[2] = buf[2];
  keep[1] = 99.0; /* a future format version */
  assert_int_equal(bm_mvn_stats_unpack(s, keep, PL), BM_EINVAL);
  keep[1] = buf[1];
  {
    bm_mvn_stats *s4p = bm_mvn_stats_alloc(4);
    size_t l4 = bm_mvn_stats_packed_len(s4p);
    double *b4 = malloc(l4 * sizeof *b4);
    assert_int_equal(bm_mvn_stats_pack(s4p, b4), BM_SUCCESS);
    assert_int_equal(bm_mvn_stats_unpack(s, b4, l4), BM_EBADLEN); /* packed at p = 4, offered to p = 3 */
    free(b4);
    bm_mvn_stats_free(s4p);
  }
  assert_int_equal(bm_mvn_stats_unpack(s, NULL, PL), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_pack(s, NULL), BM_EINVAL);
  bm_mvn_stats_get(s, &n, NULL, NULL);
  assert_true(n == 5.0);
  /* loglik: unset object, NULL, dimension mismatch, wrong output shapes */
  bm_mvn *d = bm_mvn_alloc(p), *d4 = bm_mvn_alloc(4);
  double ll = 0;
  assert_int_equal(bm_mvn_stats_loglik(d, s, &ll), BM_EINVAL);
  assert_true(isnan(ll));
  bm_mvn_set(d, mu, Sig);
  gsl_vector *mu4 = gsl_vector_calloc(4);
  gsl_matrix_set_identity(G4);
  bm_mvn_set(d4, mu4, G4);
  assert_int_equal(bm_mvn_stats_loglik(NULL, s, &ll), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_loglik(d, NULL, &ll), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_loglik(d, s, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_stats_loglik(d4, s, &ll), BM_EBADLEN);
  assert_true(isnan(ll));
  assert_int_equal(bm_mvn_stats_loglik_grad(d, s, &ll, g4, G), BM_EBADLEN);
  assert_true(isnan(ll) && tu_all_nan_m(G));
  assert_int_equal(bm_mvn_stats_loglik_grad(d, s, &ll, g, G4), BM_EBADLEN);
  assert_true(isnan(gsl_vector_get(g, 0)) && tu_all_nan_m(G4));
  assert_int_equal(bm_mvn_stats_loglik_grad(d, s, &ll, g, G), BM_SUCCESS);
  assert_true(isfinite(ll));
  bm_mvn_free(d);
  bm_mvn_free(d4);
  bm_mvn_stats_free(s);
  bm_mvn_stats_free(s4);
  free_matrices(X, X4, Sig, G, G4);
  free_vectors(mu, mu4, g, g4);
}

/* ---------- wishart and invwishart ---------- */

#define SPD_FAMILY_TESTS(F, SAMPLE_PARAM)                                                                       \
  static void F##_stats_match(void **state)                                                                    \
  {                                                                                                            \
    (void)state;                                                                                               \
    size_t ps[] = {1, 3, 6};                                                                                   \
    for (size_t t = 0; t < 3; t++) {                                                                           \
      size_t p = ps[t], m = 83;                                                                                \
      gsl_rng *r = tu_rng(200 + p);                                                                            \
      gsl_matrix *S = gsl_matrix_alloc(p, p);                                                                  \
      tu_random_spd(r, 20.0, 1.5, S);                                                                          \
      bm_##F *d = bm_##F##_alloc(p);                                                                           \
      assert_int_equal(bm_##F##_set(d, (double)p + 3.5, S), BM_SUCCESS);                                        \
      gsl_matrix **X = malloc(m * sizeof *X);                                                                  \
      for (size_t k = 0; k < m; k++) {                                                                         \
        X[k] = gsl_matrix_alloc(p, p);                                                                         \
        assert_int_equal(bm_##F##_sample(d, r, X[k]), BM_SUCCESS);                                              \
      }                                                                                                        \
      /* a second object at other parameters evaluates the data */                                            \
      tu_random_spd(r, 10.0, 1.0, S);                                                                          \
      assert_int_equal(bm_##F##_set(d, (double)p + 1.25, S), BM_SUCCESS);                                       \
      bm_##F##_stats *all = bm_##F##_stats_alloc(p), *acc = bm_##F##_stats_alloc(p),                           \
                      *part = bm_##F##_stats_alloc(p);                                                          \
      assert_int_equal(bm_##F##_stats_compute(all, (const gsl_matrix *const *)X, m), BM_SUCCESS);             \
      size_t c[512], k = make_chunks(m, c);                                                                    \
      for (int rev = 0; rev < 2; rev++) {                                                                      \
        bm_##F##_stats_reset(acc);                                                                             \
        for (size_t u = 0; u < k; u++) {                                                                       \
          size_t v = rev ? k - 1 - u : u;                                                                      \
          assert_int_equal(                                                                                    \
              bm_##F##_stats_compute(part, (const gsl_matrix *const *)X + c[v], c[v + 1] - c[v]), BM_SUCCESS); \
          bm_##F##_stats_merge(acc, part);                                                                     \
        }                                                                                                      \
        double m1, m2, l1, l2;                                                                                 \
        gsl_matrix *A1 = gsl_matrix_alloc(p, p), *A2 = gsl_matrix_alloc(p, p);                                 \
        bm_##F##_stats_get(all, &m1, A1, &l1);                                                                 \
        bm_##F##_stats_get(acc, &m2, A2, &l2);                                                                 \
        assert_true(m1 == (double)m && m2 == m1);                                                              \
        assert_true(rel(l2, l1) <= 1e-12 && tu_mat_rel(A2, A1) <= 1e-12);                                         \
        gsl_matrix_free(A1);                                                                                   \
        gsl_matrix_free(A2);                                                                                   \
      }                                                                                                        \
      double ll1, ll2, dn1, dn2;                                                                               \
      gsl_matrix *G1 = gsl_matrix_alloc(p, p), *G2 = gsl_matrix_alloc(p, p);                                   \
      assert_int_equal(bm_##F##_loglik_grad(d, (const gsl_matrix *const *)X, m, &ll1, G1, &dn1), BM_SUCCESS);  \
      assert_int_equal(bm_##F##_stats_loglik_grad(d, acc, &ll2, G2, &dn2), BM_SUCCESS);                        \
      assert_true(rel(ll2, ll1) <= 1e-12);                                                                     \
      assert_true(rel(dn2, dn1) <= 1e-11);                                                                     \
      assert_true(tu_mat_rel(G2, G1) <= 1e-11);                                                                   \
      assert_int_equal(bm_##F##_stats_loglik(d, acc, &ll2), BM_SUCCESS);                                       \
      assert_true(rel(ll2, ll1) <= 1e-12);                                                                     \
      /* pack / unpack */                                                                                      \
      double *buf = malloc(bm_##F##_stats_packed_len(acc) * sizeof *buf);                                      \
      bm_##F##_stats_pack(acc, buf);                                                                           \
      assert_int_equal(bm_##F##_stats_unpack(part, buf, bm_##F##_stats_packed_len(part)), BM_SUCCESS);                                          \
      assert_int_equal(bm_##F##_stats_loglik(d, part, &ll1), BM_SUCCESS);                                      \
      assert_true(ll1 == ll2);                                                                                 \
      buf[6] = 1.5;                                                                                            \
      assert_int_equal(bm_##F##_stats_unpack(part, buf, bm_##F##_stats_packed_len(part)), BM_EINVAL);                                           \
      buf[6] = (double)m;                                                                                      \
      buf[8] = 0.0; /* A(0,0) */                                                                               \
      assert_int_equal(bm_##F##_stats_unpack(part, buf, bm_##F##_stats_packed_len(part)), BM_ENOTSPD);                                           \
      buf[8] = INFINITY;                                                                                       \
      assert_int_equal(bm_##F##_stats_unpack(part, buf, bm_##F##_stats_packed_len(part)), BM_ENONFINITE);     \
      {                                                                                                        \
        /* impossible summaries: sum log|X_i| that no finite SPD matrices reach; a non-PSD A */               \
        size_t L = bm_##F##_stats_packed_len(part);                                                            \
        double *ok = malloc(L * sizeof *ok);                                                                   \
        bm_##F##_stats_pack(acc, ok);                                                                          \
        memcpy(buf, ok, L * sizeof *buf);                                                                      \
        buf[7] = 1e308;                                                                                        \
        assert_int_equal(bm_##F##_stats_unpack(part, buf, L), BM_EINVAL);                                      \
        buf[7] = ok[7];                                                                                        \
        if (p > 1) { /* A(1,0) beyond sqrt(A00 A11): a "correlation" of 2 */                                   \
          buf[9] = 2.0 * sqrt(buf[8] * buf[8 + p]);                                                            \
          assert_int_equal(bm_##F##_stats_unpack(part, buf, L), BM_ENOTSPD);                                   \
          buf[9] = ok[9];                                                                                      \
        }                                                                                                      \
        assert_int_equal(bm_##F##_stats_unpack(part, buf, L), BM_SUCCESS);                                     \
        free(ok);                                                                                              \
      }                                                                                                        \
      free(buf);                                                                                               \
      /* empty summary */                                                                                      \
      bm_##F##_stats_reset(part);                                                                              \
      assert_int_equal(bm_##F##_stats_loglik_grad(d, part, &ll1, G1, &dn1), BM_SUCCESS);                       \
      assert_true(ll1 == 0.0 && dn1 == 0.0 && gsl_matrix_isnull(G1));                                          \
      /* bad inputs: the summary is left unchanged */                                                          \
      double mm;                                                                                               \
      gsl_matrix *Y = gsl_matrix_alloc(p, p), *Z = gsl_matrix_alloc(p + 1, p + 1);                             \
      gsl_matrix_memcpy(Y, X[0]);                                                                              \
      const gsl_matrix *bad[2] = {X[1], Y};                                                                    \
      gsl_matrix_set(Y, 0, 0, -1.0); /* not PD (p = 1: negative) */                                            \
      if (p > 1) gsl_matrix_set(Y, 0, 0, 0.0);                                                                 \
      assert_int_equal(bm_##F##_stats_add(acc, bad, 2), BM_EDOM);                                              \
      gsl_matrix_memcpy(Y, X[0]);                                                                              \
      gsl_matrix_set(Y, p - 1, 0, NAN);                                                                        \
      assert_int_equal(bm_##F##_stats_add(acc, bad, 2), BM_ENONFINITE);                                        \
      if (p > 1) {                                                                                             \
        gsl_matrix_memcpy(Y, X[0]);                                                                            \
        gsl_matrix_set(Y, 1, 0, gsl_matrix_get(Y, 1, 0) + 1.0);                                                \
        assert_int_equal(bm_##F##_stats_add(acc, bad, 2), BM_ENOTSYM);                                         \
      }                                                                                                        \
      const gsl_matrix *wrong[1] = {Z}, *nul[1] = {NULL};                                                      \
      assert_int_equal(bm_##F##_stats_add(acc, wrong, 1), BM_EBADLEN);                                         \
      assert_int_equal(bm_##F##_stats_add(acc, nul, 1), BM_EINVAL);                                            \
      assert_int_equal(bm_##F##_stats_add(acc, NULL, 1), BM_EINVAL);                                           \
      assert_int_equal(bm_##F##_stats_add(NULL, bad, 1), BM_EINVAL);                                           \
      bm_##F##_stats_get(acc, &mm, NULL, NULL);                                                                \
      assert_true(mm == (double)m);                                                                            \
      bm_##F *d2 = bm_##F##_alloc(p + 1), *d3 = bm_##F##_alloc(p);                                             \
      bm_##F##_stats *s2 = bm_##F##_stats_alloc(p + 1);                                                        \
      assert_int_equal(bm_##F##_stats_merge(acc, s2), BM_EBADLEN);                                             \
      assert_int_equal(bm_##F##_stats_loglik(d3, acc, &ll1), BM_EINVAL); /* never set */                      \
      assert_true(isnan(ll1));                                                                                 \
      gsl_matrix_set_identity(Z);                                                                              \
      bm_##F##_set(d2, (double)p + 3.0, Z);                                                                     \
      assert_int_equal(bm_##F##_stats_loglik_grad(d2, acc, &ll1, NULL, &dn1), BM_EBADLEN);                     \
      assert_true(isnan(ll1) && isnan(dn1));                                                                   \
      assert_int_equal(bm_##F##_stats_loglik_grad(d, acc, &ll1, Z, &dn1), BM_EBADLEN);                         \
      assert_true(isnan(ll1) && tu_all_nan_m(Z));                                                                   \
      assert_int_equal(bm_##F##_stats_loglik(d, acc, NULL), BM_EINVAL);                                        \
      bm_##F##_free(d2);                                                                                       \
      bm_##F##_free(d3);                                                                                       \
      bm_##F##_stats_free(s2);                                                                                 \
      gsl_matrix_free(Y);                                                                                      \
      gsl_matrix_free(Z);                                                                                      \
      for (size_t u = 0; u < m; u++) gsl_matrix_free(X[u]);                                                    \
      free(X);                                                                                                 \
      gsl_matrix_free(G1);                                                                                     \
      gsl_matrix_free(G2);                                                                                     \
      gsl_matrix_free(S);                                                                                      \
      bm_##F##_stats_free(all);                                                                                \
      bm_##F##_stats_free(acc);                                                                                \
      bm_##F##_stats_free(part);                                                                               \
      bm_##F##_free(d);                                                                                        \
      gsl_rng_free(r);                                                                                         \
    }                                                                                                          \
    assert_null(bm_##F##_stats_alloc(0));                                                                      \
    bm_##F##_stats_free(NULL);                                                                                 \
  }

SPD_FAMILY_TESTS(wishart, S)
SPD_FAMILY_TESTS(invwishart, Psi)

/* ---------- matnorm ---------- */

/* Inverse Wishart summaries at the edge of double range.
 * (1) Psi = 1e200 [[2,1],[1,2]], X = 1e-250 [[2,1],[1,2]]: A = X^-1 ~ 1e250 is
 * finite, tr(Psi A) = 4/3 1e450 is not, so log f is below -DBL_MAX: the
 * summary's log-likelihood must be -inf, as the batch on X says (the product
 * L^T A L overflowed to inf - inf and gave NaN with success).
 * (2) X = 1e-310 (p = 1): X^-1 = 1e310 has no double, so the summary
 * refuses it (BM_EDOM, s unchanged) instead of storing +inf. */
static void invwishart_stats_beyond_range(void **state)
{
  (void)state;
  bm_invwishart *d = bm_invwishart_alloc(2);
  bm_invwishart_stats *s = bm_invwishart_stats_alloc(2);
  gsl_matrix *Psi = gsl_matrix_alloc(2, 2), *X = gsl_matrix_alloc(2, 2);
  const double v[4] = {2, 1, 1, 2};
  for (int i = 0; i < 4; i++) {
    Psi->data[i] = 1e200 * v[i];
    X->data[i] = 1e-250 * v[i];
  }
  assert_int_equal(bm_invwishart_set(d, 5.0, Psi), BM_SUCCESS);
  const gsl_matrix *Xs[1] = {X};
  double ll = 0, llb = 0;
  assert_int_equal(bm_invwishart_loglik(d, Xs, 1, &llb, NULL), BM_SUCCESS);
  assert_true(llb == -INFINITY);
  assert_int_equal(bm_invwishart_stats_compute(s, Xs, 1), BM_SUCCESS);
  assert_int_equal(bm_invwishart_stats_loglik(d, s, &ll), BM_SUCCESS);
  assert_true(ll == -INFINITY);
  bm_invwishart_free(d);
  bm_invwishart_stats_free(s);
  gsl_matrix_free(Psi);
  gsl_matrix_free(X);

  bm_invwishart_stats *s1 = bm_invwishart_stats_alloc(1);
  gsl_matrix *X1 = gsl_matrix_alloc(1, 1), *A = gsl_matrix_alloc(1, 1);
  gsl_matrix_set(X1, 0, 0, 1e-310);
  const gsl_matrix *X1s[1] = {X1};
  assert_int_equal(bm_invwishart_stats_add(s1, X1s, 1), BM_EDOM);
  double m = -1, l = -1;
  assert_int_equal(bm_invwishart_stats_get(s1, &m, A, &l), BM_SUCCESS);
  assert_true(m == 0.0 && l == 0.0 && gsl_matrix_get(A, 0, 0) == 0.0);
  /* a representable inverse is summarized, and a merge whose sum overflows is refused */
  gsl_matrix_set(X1, 0, 0, 1e-308 / 1.7);
  assert_int_equal(bm_invwishart_stats_add(s1, X1s, 1), BM_SUCCESS);
  assert_int_equal(bm_invwishart_stats_merge(s1, s1), BM_EDOM);
  assert_int_equal(bm_invwishart_stats_get(s1, &m, A, &l), BM_SUCCESS);
  assert_true(m == 1.0 && isfinite(gsl_matrix_get(A, 0, 0)));
  bm_invwishart_stats_free(s1);
  gsl_matrix_free(X1);
  gsl_matrix_free(A);
}

/* A trace just beyond DBL_MAX whose half is not: the summaries' log-likelihoods
 * summed tr/2 as 0.5 * tr and gave -inf with success where log f ~ -1e308.
 * Each against the batch on the same data (its half sums are scaled):
 *   mvn (p = 2, Sigma = I): rows +-(a, a), a^2 = 0.5e308: tr S = 2e308;
 *   Wishart (S = I): X = 1e308 I_2, tr(S^-1 X) = 2e308;
 *   inverse Wishart (Psi = I): X = 1e-308 I_2, tr(Psi X^-1) = 2e308. */
static void stats_half_trace_near_dbl_max(void **state)
{
  (void)state;
  double ll = 0, llb = 0;
  gsl_matrix *I2 = gsl_matrix_alloc(2, 2), *X = gsl_matrix_alloc(2, 2), *R = gsl_matrix_alloc(2, 2);
  gsl_vector *mu = gsl_vector_calloc(2);
  gsl_matrix_set_identity(I2);
  double a = sqrt(0.5e308);
  for (size_t j = 0; j < 2; j++) {
    gsl_matrix_set(R, 0, j, a);
    gsl_matrix_set(R, 1, j, -a);
  }
  bm_mvn *dn = bm_mvn_alloc(2);
  bm_mvn_stats *sn = bm_mvn_stats_alloc(2);
  assert_int_equal(bm_mvn_set(dn, mu, I2), BM_SUCCESS);
  assert_int_equal(bm_mvn_stats_compute(sn, R), BM_SUCCESS);
  assert_int_equal(bm_mvn_stats_loglik(dn, sn, &ll), BM_SUCCESS);
  assert_int_equal(bm_mvn_loglik(dn, R, &llb, NULL), BM_SUCCESS);
  assert_true(isfinite(llb) && rel(ll, llb) < 1e-14);

  const gsl_matrix *Xs[1] = {X};
  bm_wishart *dw = bm_wishart_alloc(2);
  bm_wishart_stats *sw = bm_wishart_stats_alloc(2);
  gsl_matrix_set_identity(X);
  gsl_matrix_scale(X, 1e308);
  assert_int_equal(bm_wishart_set(dw, 4.0, I2), BM_SUCCESS);
  assert_int_equal(bm_wishart_stats_compute(sw, Xs, 1), BM_SUCCESS);
  assert_int_equal(bm_wishart_stats_loglik(dw, sw, &ll), BM_SUCCESS);
  assert_int_equal(bm_wishart_loglik(dw, Xs, 1, &llb, NULL), BM_SUCCESS);
  assert_true(isfinite(llb) && rel(ll, llb) < 1e-14);

  bm_invwishart *di = bm_invwishart_alloc(2);
  bm_invwishart_stats *si = bm_invwishart_stats_alloc(2);
  gsl_matrix_set_identity(X);
  gsl_matrix_scale(X, 1e-308);
  assert_int_equal(bm_invwishart_set(di, 4.0, I2), BM_SUCCESS);
  assert_int_equal(bm_invwishart_stats_compute(si, Xs, 1), BM_SUCCESS);
  assert_int_equal(bm_invwishart_stats_loglik(di, si, &ll), BM_SUCCESS);
  assert_int_equal(bm_invwishart_loglik(di, Xs, 1, &llb, NULL), BM_SUCCESS);
  assert_true(isfinite(llb) && rel(ll, llb) < 1e-14);

  bm_mvn_free(dn);
  bm_mvn_stats_free(sn);
  bm_wishart_free(dw);
  bm_wishart_stats_free(sw);
  bm_invwishart_free(di);
  bm_invwishart_stats_free(si);
  gsl_matrix_free(I2);
  gsl_matrix_free(X);
  gsl_matrix_free(R);
  gsl_vector_free(mu);
}

static void matnorm_stats_match(void **state)
{
  (void)state;
  size_t dims[][2] = {{1, 1}, {3, 2}, {2, 4}};
  for (size_t t = 0; t < 3; t++) {
    size_t n = dims[t][0], p = dims[t][1], m = 97;
    gsl_rng *r = tu_rng(300 + t);
    gsl_matrix *M = gsl_matrix_alloc(n, p), *U = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(p, p);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) gsl_matrix_set(M, i, j, gsl_ran_gaussian(r, 2.0));
    tu_random_spd(r, 10.0, 1.0, U);
    tu_random_spd(r, 10.0, 2.0, V);
    bm_matnorm *d = bm_matnorm_alloc(n, p);
    assert_int_equal(bm_matnorm_set(d, M, U, V), BM_SUCCESS);
    gsl_matrix **X = malloc(m * sizeof *X);
    for (size_t k = 0; k < m; k++) {
      X[k] = gsl_matrix_alloc(n, p);
      bm_matnorm_sample(d, r, X[k]);
    }
    gsl_matrix_add_constant(M, 0.7);
    tu_random_spd(r, 5.0, 1.0, U);
    assert_int_equal(bm_matnorm_set(d, M, U, V), BM_SUCCESS);
    const gsl_matrix *const *Xc = (const gsl_matrix *const *)X;
    bm_matnorm_stats *all = bm_matnorm_stats_alloc(n, p), *acc = bm_matnorm_stats_alloc(n, p),
                     *part = bm_matnorm_stats_alloc(n, p);
    assert_int_equal(bm_matnorm_stats_compute(all, Xc, m), BM_SUCCESS);
    size_t c[512], k = make_chunks(m, c), N = n * p;
    gsl_matrix *mean1 = gsl_matrix_alloc(n, p), *mean2 = gsl_matrix_alloc(n, p);
    gsl_matrix *S1 = gsl_matrix_alloc(N, N), *S2 = gsl_matrix_alloc(N, N);
    double m1, m2;
    bm_matnorm_stats_get(all, &m1, mean1, S1);
    for (int rev = 0; rev < 2; rev++) {
      bm_matnorm_stats_reset(acc);
      for (size_t u = 0; u < k; u++) {
        size_t v = rev ? k - 1 - u : u;
        assert_int_equal(bm_matnorm_stats_compute(part, Xc + c[v], c[v + 1] - c[v]), BM_SUCCESS);
        bm_matnorm_stats_merge(acc, part);
      }
      bm_matnorm_stats_get(acc, &m2, mean2, S2);
      assert_true(m2 == m1 && m1 == (double)m);
      assert_true(tu_mat_rel(mean2, mean1) <= 1e-12 && tu_mat_rel(S2, S1) <= 1e-12);
    }
    double ll1, ll2;
    gsl_matrix *dM1 = gsl_matrix_alloc(n, p), *dM2 = gsl_matrix_alloc(n, p);
    gsl_matrix *dU1 = gsl_matrix_alloc(n, n), *dU2 = gsl_matrix_alloc(n, n);
    gsl_matrix *dV1 = gsl_matrix_alloc(p, p), *dV2 = gsl_matrix_alloc(p, p);
    assert_int_equal(bm_matnorm_loglik_grad(d, Xc, m, &ll1, dM1, dU1, dV1), BM_SUCCESS);
    assert_int_equal(bm_matnorm_stats_loglik_grad(d, acc, &ll2, dM2, dU2, dV2), BM_SUCCESS);
    assert_true(rel(ll2, ll1) <= 1e-12);
    assert_true(tu_mat_rel(dM2, dM1) <= 1e-11 && tu_mat_rel(dU2, dU1) <= 1e-11 && tu_mat_rel(dV2, dV1) <= 1e-11);
    assert_int_equal(bm_matnorm_stats_loglik(d, all, &ll2), BM_SUCCESS);
    assert_true(rel(ll2, ll1) <= 1e-12);
    /* pack / unpack, validation */
    double *buf = malloc(bm_matnorm_stats_packed_len(acc) * sizeof *buf);
    bm_matnorm_stats_pack(acc, buf);
    size_t blen = bm_matnorm_stats_packed_len(acc);
    assert_int_equal(bm_matnorm_stats_unpack(part, buf, blen), BM_SUCCESS);
    assert_int_equal(bm_matnorm_stats_loglik(d, part, &ll1), BM_SUCCESS);
    bm_matnorm_stats_loglik(d, acc, &ll2);
    assert_true(ll1 == ll2);
    buf[6] = -2;
    assert_int_equal(bm_matnorm_stats_unpack(part, buf, blen), BM_EINVAL);
    buf[6] = NAN;
    assert_int_equal(bm_matnorm_stats_unpack(part, buf, blen), BM_ENONFINITE);
    {
      /* the transposed shape (p x n) packs to the same length and is refused */
      bm_matnorm_stats *tr = bm_matnorm_stats_alloc(p, n);
      assert_int_equal(bm_matnorm_stats_packed_len(tr), blen);
      bm_matnorm_stats_pack(tr, buf);
      assert_int_equal(bm_matnorm_stats_unpack(part, buf, blen), n == p ? BM_SUCCESS : BM_EBADLEN);
      bm_matnorm_stats_free(tr);
    }
    free(buf);
    /* bad inputs */
    gsl_matrix *W = gsl_matrix_alloc(n + 1, p);
    const gsl_matrix *wrong[1] = {W}, *nul[1] = {NULL};
    assert_int_equal(bm_matnorm_stats_add(acc, wrong, 1), BM_EBADLEN);
    assert_int_equal(bm_matnorm_stats_add(acc, nul, 1), BM_EINVAL);
    gsl_matrix_set(X[3], 0, 0, NAN);
    assert_int_equal(bm_matnorm_stats_add(acc, Xc, m), BM_ENONFINITE);
    bm_matnorm_stats_get(acc, &m2, NULL, NULL);
    assert_true(m2 == (double)m);
    assert_int_equal(bm_matnorm_stats_get(acc, NULL, W, NULL), BM_EBADLEN);
    bm_matnorm_stats *other = bm_matnorm_stats_alloc(n + 1, p);
    assert_int_equal(bm_matnorm_stats_merge(acc, other), BM_EBADLEN);
    assert_int_equal(bm_matnorm_stats_loglik_grad(d, other, &ll1, dM1, NULL, NULL), BM_EBADLEN);
    assert_true(isnan(ll1) && tu_all_nan_m(dM1));
    assert_int_equal(bm_matnorm_stats_loglik_grad(d, acc, &ll1, W, NULL, NULL), BM_EBADLEN);
    assert_null(bm_matnorm_stats_alloc(0, 2));
    assert_null(bm_matnorm_stats_alloc(2, 0));
    assert_null(bm_matnorm_stats_alloc(64, 33)); /* n p = 2112 > 2048 */
    bm_matnorm_stats *big = bm_matnorm_stats_alloc(64, 32); /* n p = 2048: the largest allowed */
    assert_non_null(big);
    bm_matnorm_stats_free(big);
    bm_matnorm_stats_free(other);
    gsl_matrix_free(W);
    /* empty */
    bm_matnorm_stats_reset(part);
    assert_int_equal(bm_matnorm_stats_loglik_grad(d, part, &ll1, dM1, dU1, dV1), BM_SUCCESS);
    assert_true(ll1 == 0.0 && gsl_matrix_isnull(dM1) && gsl_matrix_isnull(dU1) && gsl_matrix_isnull(dV1));
    for (size_t u = 0; u < m; u++) gsl_matrix_free(X[u]);
    free(X);
    gsl_matrix *mats[] = {M, U, V, mean1, mean2, S1, S2, dM1, dM2, dU1, dU2, dV1, dV2};
    for (size_t u = 0; u < sizeof mats / sizeof *mats; u++) gsl_matrix_free(mats[u]);
    bm_matnorm_stats_free(all);
    bm_matnorm_stats_free(acc);
    bm_matnorm_stats_free(part);
    bm_matnorm_free(d);
    gsl_rng_free(r);
  }
}

/* ---------- wishart and invwishart: every stats entry point by name ---------- */

/* The summary of p x p SPD observations, checked entry point by entry point against
 * independent computations: A = sum_i X_i (wishart) or sum_i X_i^-1 (invwishart, inverses
 * by GSL's own Cholesky, not bayesmat's) and l = sum_i log|X_i| (GSL Cholesky) to 1e-12;
 * stats loglik vs the family's batched bm_F_loglik on the data to 1e-12; chunks added one
 * by one, and chunk summaries merged, equal one pass (1e-12); reset then add is compute,
 * bit for bit; pack -> unpack -> pack is bit-identical and the copy's loglik_grad equals
 * the original's exactly; dim and packed_len as allocated. The test body is written once
 * and given each family's functions by name (INV: the summary sums inverses). */
#define SPD_STATS_BY_NAME(TEST, FAM, INV, fam_alloc, fam_set, fam_sample, fam_loglik, fam_free, alloc, free_, dim,   \
                          reset, add, compute, merge, get, packed_len, pack, unpack, loglik, loglik_grad)            \
  static void TEST(void **state)                                                                               \
  {                                                                                                            \
    (void)state;                                                                                               \
    size_t ps[] = {1, 2, 5};                                                                                   \
    for (size_t t = 0; t < 3; t++) {                                                                           \
      size_t p = ps[t], m = 41, q = p * (p + 1) / 2;                                                           \
      gsl_rng *r = tu_rng(700 + p + 10 * INV);                                                                 \
      gsl_matrix *S = gsl_matrix_alloc(p, p), *W = gsl_matrix_alloc(p, p);                                     \
      gsl_matrix *A0 = gsl_matrix_calloc(p, p), *A1 = gsl_matrix_alloc(p, p), *A2 = gsl_matrix_alloc(p, p);   \
      tu_random_spd(r, 10.0, 1.0, S);                                                                          \
      FAM *d = fam_alloc(p);                                                                                   \
      assert_int_equal(fam_set(d, (double)p + 2.5, S), BM_SUCCESS);                                            \
      gsl_matrix **X = malloc(m * sizeof *X);                                                                  \
      double l0 = 0.0;                                                                                         \
      for (size_t k = 0; k < m; k++) {                                                                         \
        X[k] = gsl_matrix_alloc(p, p);                                                                         \
        assert_int_equal(fam_sample(d, r, X[k]), BM_SUCCESS);                                                  \
        gsl_matrix_memcpy(W, X[k]);                                                                            \
        assert_int_equal(gsl_linalg_cholesky_decomp1(W), GSL_SUCCESS);                                         \
        for (size_t i = 0; i < p; i++) l0 += 2.0 * log(gsl_matrix_get(W, i, i));                               \
        if (INV) assert_int_equal(gsl_linalg_cholesky_invert(W), GSL_SUCCESS);                                 \
        gsl_matrix_add(A0, INV ? W : X[k]);                                                                    \
      }                                                                                                        \
      const gsl_matrix *const *Xc = (const gsl_matrix *const *)X;                                              \
      FAM##_stats *one = alloc(p), *acc = alloc(p), *part = alloc(p), *cp = alloc(p);                          \
      assert_int_equal(dim(one), p);                                                                           \
      assert_int_equal(dim(NULL), 0);                                                                          \
      assert_int_equal(packed_len(one), 8 + q);                                                                \
      assert_int_equal(packed_len(NULL), 0);                                                                   \
      assert_int_equal(compute(one, Xc, m), BM_SUCCESS);                                                       \
      double m1, l1, m2, l2;                                                                                   \
      assert_int_equal(get(one, &m1, A1, &l1), BM_SUCCESS);                                                    \
      assert_true(m1 == (double)m);                                                                            \
      assert_true(rel(l1, l0) <= 1e-12 && tu_mat_rel(A1, A0) <= 1e-12);                                           \
      double ll_data, ll_stats;                                                                                \
      assert_int_equal(fam_loglik(d, Xc, m, &ll_data, NULL), BM_SUCCESS);                                      \
      assert_int_equal(loglik(d, one, &ll_stats), BM_SUCCESS);                                                 \
      assert_true(rel(ll_stats, ll_data) <= 1e-12);                                                            \
      /* chunks added one by one, and chunk summaries merged, equal one pass */                               \
      size_t c[64], k = make_chunks(m, c);                                                                     \
      assert_int_equal(reset(acc), BM_SUCCESS);                                                                \
      for (size_t u = 0; u < k; u++) assert_int_equal(add(acc, Xc + c[u], c[u + 1] - c[u]), BM_SUCCESS);       \
      assert_int_equal(get(acc, &m2, A2, &l2), BM_SUCCESS);                                                    \
      assert_true(m2 == m1 && rel(l2, l1) <= 1e-12 && tu_mat_rel(A2, A1) <= 1e-12);                               \
      assert_int_equal(reset(acc), BM_SUCCESS);                                                                \
      for (size_t u = k; u-- > 0;) {                                                                           \
        assert_int_equal(compute(part, Xc + c[u], c[u + 1] - c[u]), BM_SUCCESS);                               \
        assert_int_equal(merge(acc, part), BM_SUCCESS);                                                        \
      }                                                                                                        \
      assert_int_equal(get(acc, &m2, A2, &l2), BM_SUCCESS);                                                    \
      assert_true(m2 == m1 && rel(l2, l1) <= 1e-12 && tu_mat_rel(A2, A1) <= 1e-12);                               \
      assert_int_equal(loglik(d, acc, &ll_stats), BM_SUCCESS);                                                 \
      assert_true(rel(ll_stats, ll_data) <= 1e-12);                                                            \
      /* reset then add is compute, bit for bit */                                                             \
      double *b1 = malloc((8 + q) * sizeof *b1), *b2 = malloc((8 + q) * sizeof *b2);                           \
      assert_int_equal(reset(acc), BM_SUCCESS);                                                                \
      assert_int_equal(get(acc, &m2, A2, &l2), BM_SUCCESS);                                                    \
      assert_true(m2 == 0.0 && l2 == 0.0 && gsl_matrix_isnull(A2));                                            \
      assert_int_equal(add(acc, Xc, m), BM_SUCCESS);                                                           \
      assert_int_equal(pack(one, b1), BM_SUCCESS);                                                             \
      assert_int_equal(pack(acc, b2), BM_SUCCESS);                                                             \
      assert_memory_equal(b1, b2, (8 + q) * sizeof *b1);                                                       \
      assert_true(b1[6] == (double)m && b1[7] == l1 && b1[8] == gsl_matrix_get(A1, 0, 0));                     \
      /* pack -> unpack -> pack round trip; the copy evaluates identically */                                  \
      assert_int_equal(unpack(cp, b1, 8 + q), BM_SUCCESS);                                                            \
      assert_int_equal(pack(cp, b2), BM_SUCCESS);                                                              \
      assert_memory_equal(b1, b2, (8 + q) * sizeof *b1);                                                       \
      double ll1, ll2, dn1, dn2;                                                                               \
      assert_int_equal(loglik_grad(d, one, &ll1, A1, &dn1), BM_SUCCESS);                                       \
      assert_int_equal(loglik_grad(d, cp, &ll2, A2, &dn2), BM_SUCCESS);                                        \
      assert_true(ll1 == ll2 && dn1 == dn2);                                                                   \
      tu_assert_matrix_close(A2, A1, 0.0, 0.0);                                                                \
      /* failures leave the summary unchanged; statuses */                                                     \
      b1[6] = -1.0;                                                                                            \
      assert_int_equal(unpack(cp, b1, 8 + q), BM_EINVAL);                                                             \
      b1[6] = (double)m;                                                                                       \
      b1[7] = NAN;                                                                                             \
      assert_int_equal(unpack(cp, b1, 8 + q), BM_ENONFINITE);                                                         \
      assert_int_equal(unpack(NULL, b2, 8 + q), BM_EINVAL);                                                           \
      assert_int_equal(unpack(cp, NULL, 8 + q), BM_EINVAL);                                                           \
      assert_int_equal(pack(NULL, b1), BM_EINVAL);                                                             \
      assert_int_equal(pack(cp, NULL), BM_EINVAL);                                                             \
      assert_int_equal(pack(cp, b1), BM_SUCCESS);                                                              \
      assert_memory_equal(b1, b2, (8 + q) * sizeof *b1);                                                       \
      assert_int_equal(merge(NULL, cp), BM_EINVAL);                                                            \
      assert_int_equal(merge(cp, NULL), BM_EINVAL);                                                            \
      assert_int_equal(reset(NULL), BM_EINVAL);                                                                \
      assert_int_equal(get(NULL, &m2, NULL, NULL), BM_EINVAL);                                                 \
      assert_int_equal(get(cp, NULL, S, NULL), BM_SUCCESS);                                                    \
      tu_assert_matrix_close(S, A0, 1e-12, 0.0);                                                               \
      gsl_matrix *Z = gsl_matrix_alloc(p + 1, p);                                                              \
      assert_int_equal(get(cp, NULL, Z, NULL), BM_EBADLEN);                                                    \
      gsl_matrix_free(Z);                                                                                      \
      assert_int_equal(merge(cp, cp), BM_SUCCESS); /* self-merge doubles */                                    \
      assert_int_equal(get(cp, &m2, NULL, &l2), BM_SUCCESS);                                                   \
      assert_true(m2 == 2.0 * m1 && l2 == 2.0 * l1);                                                           \
      assert_int_equal(loglik(d, cp, NULL), BM_EINVAL);                                                        \
      free(b1);                                                                                                \
      free(b2);                                                                                                \
      for (size_t u = 0; u < m; u++) gsl_matrix_free(X[u]);                                                    \
      free(X);                                                                                                 \
      free_(one);                                                                                              \
      free_(acc);                                                                                              \
      free_(part);                                                                                             \
      free_(cp);                                                                                               \
      fam_free(d);                                                                                             \
      gsl_matrix_free(S);                                                                                      \
      gsl_matrix_free(W);                                                                                      \
      gsl_matrix_free(A0);                                                                                     \
      gsl_matrix_free(A1);                                                                                     \
      gsl_matrix_free(A2);                                                                                     \
      gsl_rng_free(r);                                                                                         \
    }                                                                                                          \
  }

SPD_STATS_BY_NAME(wishart_stats_by_name, bm_wishart, 0, bm_wishart_alloc, bm_wishart_set, bm_wishart_sample,
                  bm_wishart_loglik, bm_wishart_free, bm_wishart_stats_alloc, bm_wishart_stats_free,
                  bm_wishart_stats_dim, bm_wishart_stats_reset, bm_wishart_stats_add, bm_wishart_stats_compute,
                  bm_wishart_stats_merge, bm_wishart_stats_get, bm_wishart_stats_packed_len, bm_wishart_stats_pack,
                  bm_wishart_stats_unpack, bm_wishart_stats_loglik, bm_wishart_stats_loglik_grad)
SPD_STATS_BY_NAME(invwishart_stats_by_name, bm_invwishart, 1, bm_invwishart_alloc, bm_invwishart_set,
                  bm_invwishart_sample, bm_invwishart_loglik, bm_invwishart_free, bm_invwishart_stats_alloc,
                  bm_invwishart_stats_free, bm_invwishart_stats_dim, bm_invwishart_stats_reset,
                  bm_invwishart_stats_add, bm_invwishart_stats_compute, bm_invwishart_stats_merge,
                  bm_invwishart_stats_get, bm_invwishart_stats_packed_len, bm_invwishart_stats_pack,
                  bm_invwishart_stats_unpack, bm_invwishart_stats_loglik, bm_invwishart_stats_loglik_grad)

/* bm_matnorm_stats_dims: the (n, p) given to bm_matnorm_stats_alloc, also after data;
 * BM_EINVAL for NULL; a get into matrices of those shapes succeeds. */
static void matnorm_stats_dims_are_allocated_shape(void **state)
{
  (void)state;
  size_t shapes[][2] = {{1, 1}, {3, 2}, {2, 5}};
  for (size_t t = 0; t < 3; t++) {
    size_t n0 = shapes[t][0], p0 = shapes[t][1], n = 0, p = 0;
    bm_matnorm_stats *s = bm_matnorm_stats_alloc(n0, p0);
    assert_int_equal(bm_matnorm_stats_dims(s, &n, &p), BM_SUCCESS);
    assert_true(n == n0 && p == p0);
    gsl_matrix *X = gsl_matrix_alloc(n0, p0);
    gsl_matrix_set_all(X, 1.5);
    const gsl_matrix *Xs[1] = {X};
    assert_int_equal(bm_matnorm_stats_add(s, Xs, 1), BM_SUCCESS);
    n = p = 0;
    assert_int_equal(bm_matnorm_stats_dims(s, &n, &p), BM_SUCCESS);
    assert_true(n == n0 && p == p0);
    gsl_matrix *mean = gsl_matrix_alloc(n, p), *scatter = gsl_matrix_alloc(n * p, n * p);
    double m;
    assert_int_equal(bm_matnorm_stats_get(s, &m, mean, scatter), BM_SUCCESS);
    assert_true(m == 1.0);
    tu_assert_matrix_close(mean, X, 0.0, 0.0);
    free_matrices(mean, scatter, X);
    bm_matnorm_stats_free(s);
  }
  size_t n = 7, p = 7;
  assert_int_equal(bm_matnorm_stats_dims(NULL, &n, &p), BM_EINVAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(mvn_merge_any_order_equals_one_pass),
    cmocka_unit_test(mvn_loglik_from_stats_matches_data),
    cmocka_unit_test(mvn_mean_at_large_offset_is_correctly_rounded),
    cmocka_unit_test(mvn_stats_bad_inputs_return_status),
    cmocka_unit_test(mvn_stats_grad_beyond_range_is_edom),
    cmocka_unit_test(mvn_stats_scatter_beyond_range_is_edom),
    cmocka_unit_test(wishart_stats_match),
    cmocka_unit_test(invwishart_stats_match),
    cmocka_unit_test(invwishart_stats_beyond_range),
    cmocka_unit_test(stats_half_trace_near_dbl_max),
    cmocka_unit_test(matnorm_stats_match),
      cmocka_unit_test(wishart_stats_by_name),
      cmocka_unit_test(invwishart_stats_by_name),
      cmocka_unit_test(matnorm_stats_dims_are_allocated_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
