/* bm_dist_sample_n (bayesmat/family.h), driven by the descriptors of
 * bm_family_list(): parameters are built from each family's theta blocks
 * (random vec blocks, random SPD vech blocks, degrees of freedom large enough
 * for every family), so a new built-in family is covered without an edit.
 *
 * References: n successive bm_dist_sample calls on a generator with the same
 * seed (the batch must equal them bit for bit, row i the vec of draw i
 * unpacked here by index arithmetic, and leave the generator in the same
 * state); bm_dist_logpdf of each single draw against bm_dist_loglik of the
 * batch (the documented layout is the one loglik reads). Also: n = 0, NULL
 * and unusable arguments, a family without a sampler, a user family whose
 * sampler fails at a known draw and mvt at tiny nu, whose draws overflow.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include "testutil.h"

/* A set distribution of family T for a rows x cols variate; parameters from
 * the descriptor's blocks. */
static bm_dist *make(const bm_family_type *T, size_t rows, size_t cols, gsl_rng *r)
{
  bm_dist *d = bm_dist_alloc(T, rows, cols);
  if (d == NULL) fail_msg("%s: cannot allocate %zu x %zu", T->name, rows, cols);
  gsl_vector *theta = gsl_vector_alloc(bm_dist_nparams(d));
  size_t off = 0;
  for (size_t b = 0; b < T->nblocks; b++) {
    const bm_theta_block *B = &T->blocks[b];
    size_t len = bm_theta_block_len(B, rows, cols);
    gsl_vector_view v = gsl_vector_subvector(theta, off, len);
    if (B->kind == BM_BLOCK_VECH) {
      size_t q = B->rows == BM_DIM_ROWS ? rows : B->rows == BM_DIM_COLS ? cols : 1;
      tu_random_spd_vech(r, 10.0, 1.0, q, &v.vector);
    } else if (B->kind == BM_BLOCK_VEC) {
      for (size_t i = 0; i < len; i++) gsl_vector_set(&v.vector, i, 4.0 * gsl_rng_uniform(r) - 2.0);
    } else { /* nu, delta: > rows + cols - 1 suits every family's bound */
      gsl_vector_set(&v.vector, 0, (double)(rows + cols) + 2.5);
    }
    off += len;
  }
  assert_int_equal(off, theta->size);
  assert_int_equal(bm_dist_set_theta(d, theta), BM_SUCCESS);
  gsl_vector_free(theta);
  return d;
}

/* The shapes tried per variate kind: square and not, one row, one column
 * (a one-row or one-column variate is written straight into X's row). */
static const size_t vector_shapes[][2] = {{1, 4}, {1, 1}};
static const size_t spd_shapes[][2] = {{3, 3}, {1, 1}};
static const size_t matrix_shapes[][2] = {{3, 2}, {2, 3}, {4, 1}, {1, 3}};

static int bits_equal(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* X (n x rows*cols, a view inside a larger sentinel-filled block) against n
 * single draws from the same seed; then loglik of X against single logpdfs. */
static void check_batch(const bm_family_type *T, size_t rows, size_t cols, size_t n, unsigned long seed)
{
  gsl_rng *rp = tu_rng(seed);
  bm_dist *d = make(T, rows, cols, rp);
  size_t m = rows * cols;
  gsl_matrix *big = gsl_matrix_alloc(n + 1, m + 3), *x = gsl_matrix_alloc(rows, cols);
  gsl_matrix_set_all(big, 7.0);
  gsl_matrix_view X = gsl_matrix_submatrix(big, 1, 1, n, m); /* tda > size2 */
  gsl_vector *each = gsl_vector_alloc(n);
  gsl_rng *r1 = tu_rng(seed + 1), *r2 = tu_rng(seed + 1);
  assert_int_equal(bm_dist_sample_n(d, r1, &X.matrix), BM_SUCCESS);
  double ll;
  assert_int_equal(bm_dist_loglik(d, &X.matrix, &ll, each), BM_SUCCESS);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(bm_dist_sample(d, r2, x), BM_SUCCESS);
    for (size_t k = 0; k < rows; k++)
      for (size_t j = 0; j < cols; j++)
        if (!bits_equal(gsl_matrix_get(&X.matrix, i, j * rows + k), gsl_matrix_get(x, k, j)))
          fail_msg("%s %zu x %zu, n = %zu: draw %zu entry (%zu, %zu): %.17g batched, %.17g single", T->name, rows,
                   cols, n, i, k, j, gsl_matrix_get(&X.matrix, i, j * rows + k), gsl_matrix_get(x, k, j));
    double lp;
    assert_int_equal(bm_dist_logpdf(d, x, &lp), BM_SUCCESS);
    tu_assert_rel(gsl_vector_get(each, i), lp, 1e-11);
  }
  /* the same stream consumed: the next number agrees */
  assert_int_equal(gsl_rng_get(r1), gsl_rng_get(r2));
  /* nothing written outside the view */
  for (size_t i = 0; i < big->size1; i++)
    for (size_t j = 0; j < big->size2; j++)
      if (i == 0 || j == 0 || j > m) assert_true(gsl_matrix_get(big, i, j) == 7.0);
  gsl_rng_free(r1);
  gsl_rng_free(r2);
  gsl_rng_free(rp);
  gsl_vector_free(each);
  free_matrices(big, x);
  bm_dist_free(d);
}

static void batch_equals_single_draws(void **state)
{
  (void)state;
  const bm_family_type *const *L = bm_family_list();
  size_t nfam = 0;
  for (; L[nfam]; nfam++) {
    const bm_family_type *T = L[nfam];
    const size_t(*shapes)[2] = T->variate == BM_VARIATE_VECTOR ? vector_shapes
                               : T->variate == BM_VARIATE_SPD  ? spd_shapes
                                                               : matrix_shapes;
    size_t ns = T->variate == BM_VARIATE_MATRIX ? 4 : 2;
    for (size_t s = 0; s < ns; s++) {
      check_batch(T, shapes[s][0], shapes[s][1], 1, 10 * nfam + s);
      check_batch(T, shapes[s][0], shapes[s][1], 9, 10 * nfam + s + 100);
    }
  }
  assert_int_equal(nfam, 7);
}

/* n = 0: success, the generator untouched. */
static void zero_draws(void **state)
{
  (void)state;
  for (const bm_family_type *const *T = bm_family_list(); *T; T++) {
    size_t rows = (*T)->variate == BM_VARIATE_VECTOR ? 1 : 3, cols = 3;
    gsl_rng *rp = tu_rng(1), *r = tu_rng(2), *ref = tu_rng(2);
    bm_dist *d = make(*T, rows, cols, rp);
    double dummy = 7.0;
    gsl_matrix X0 = {0, rows * cols, rows * cols, &dummy, NULL, 0};
    assert_int_equal(bm_dist_sample_n(d, r, &X0), BM_SUCCESS);
    assert_true(dummy == 7.0);
    assert_int_equal(gsl_rng_get(r), gsl_rng_get(ref));
    /* a zero-row X still has to have the variate's column count */
    gsl_matrix Xbad = {0, rows * cols + 1, rows * cols + 1, &dummy, NULL, 0};
    assert_int_equal(bm_dist_sample_n(d, r, &Xbad), BM_EBADLEN);
    gsl_rng_free(rp);
    gsl_rng_free(r);
    gsl_rng_free(ref);
    bm_dist_free(d);
  }
}

static void bad_arguments(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3);
  bm_dist *d = make(&bm_family_wishart, 3, 3, r);
  gsl_matrix *X = gsl_matrix_alloc(4, 9), *Xw = gsl_matrix_alloc(4, 8);
  assert_int_equal(bm_dist_sample_n(NULL, r, X), BM_EINVAL);
  assert_true(tu_all_nan_m(X));
  bm_dist nostate = {&bm_family_wishart, NULL};
  gsl_matrix_set_zero(X);
  assert_int_equal(bm_dist_sample_n(&nostate, r, X), BM_EINVAL);
  assert_true(tu_all_nan_m(X));
  gsl_matrix_set_zero(X);
  assert_int_equal(bm_dist_sample_n(d, NULL, X), BM_EINVAL);
  assert_true(tu_all_nan_m(X));
  assert_non_null(strstr(bm_last_error(), "bm_dist_sample_n"));
  assert_int_equal(bm_dist_sample_n(d, r, NULL), BM_EINVAL);
  assert_int_equal(bm_dist_sample_n(d, r, Xw), BM_EBADLEN);
  assert_true(tu_all_nan_m(Xw));
  /* never set: the family's own check, on the first draw */
  bm_dist *unset = bm_dist_alloc(&bm_family_wishart, 3, 3);
  gsl_matrix_set_zero(X);
  assert_int_equal(bm_dist_sample_n(unset, r, X), BM_EINVAL);
  assert_true(tu_all_nan_m(X));
  assert_non_null(strstr(bm_last_error(), "bm_dist_sample_n"));
  bm_dist_free(unset);
  gsl_rng_free(r);
  free_matrices(X, Xw);
  bm_dist_free(d);
}

/* ---- a user family on a 1 x 2 variate: U(0,1) pairs; fails at draw fail_at --------- */
typedef struct {
  int set;
} pairs;
static size_t fail_at; /* the draw (0-based) that fails; set by the test */
static size_t calls;
static void *pairs_alloc(size_t rows, size_t cols) { return rows == 1 && cols == 2 ? calloc(1, sizeof(pairs)) : NULL; }
static void pairs_free(void *s) { free(s); }
static void pairs_shape(const void *s, size_t *rows, size_t *cols)
{
  (void)s;
  *rows = 1;
  *cols = 2;
}
static size_t pairs_nparams(const void *s) { return s ? 1 : 0; }
static int pairs_set_theta(void *s, const gsl_vector *theta)
{
  (void)theta;
  ((pairs *)s)->set = 1;
  return BM_SUCCESS;
}
static int pairs_logpdf(const void *s, const gsl_matrix *x, double *lp)
{
  (void)s;
  (void)x;
  *lp = 0.0;
  return BM_SUCCESS;
}
static int pairs_sample(const void *s, gsl_rng *r, gsl_matrix *x)
{
  (void)s;
  gsl_matrix_set(x, 0, 0, gsl_rng_uniform(r));
  gsl_matrix_set(x, 0, 1, gsl_rng_uniform(r));
  return calls++ == fail_at ? BM_EDOM : BM_SUCCESS;
}
static const bm_family_type pairs_family = {
  .name = "pairs", .variate = BM_VARIATE_VECTOR, .alloc = pairs_alloc, .free = pairs_free, .shape = pairs_shape,
  .nparams = pairs_nparams, .set_theta = pairs_set_theta, .logpdf = pairs_logpdf, .sample = pairs_sample,
};
static const bm_family_type nosampler_family = {
  .name = "nosampler", .variate = BM_VARIATE_VECTOR, .alloc = pairs_alloc, .free = pairs_free,
  .shape = pairs_shape, .nparams = pairs_nparams, .set_theta = pairs_set_theta, .logpdf = pairs_logpdf,
};

static void failing_user_sampler(void **state)
{
  (void)state;
  bm_dist *d = bm_dist_alloc(&pairs_family, 1, 2);
  gsl_vector *theta = gsl_vector_calloc(1);
  assert_int_equal(bm_dist_set_theta(d, theta), BM_SUCCESS);
  gsl_matrix *X = gsl_matrix_alloc(6, 2);
  gsl_rng *r = tu_rng(5), *ref = tu_rng(5);
  /* all six draws succeed: two uniforms each, in order */
  fail_at = 100;
  calls = 0;
  assert_int_equal(bm_dist_sample_n(d, r, X), BM_SUCCESS);
  for (size_t i = 0; i < 6; i++)
    for (size_t j = 0; j < 2; j++) assert_true(gsl_matrix_get(X, i, j) == gsl_rng_uniform(ref));
  /* the third draw fails: the status, all of X NaN, no draw after it, r past it */
  fail_at = 2;
  calls = 0;
  assert_int_equal(bm_dist_sample_n(d, r, X), BM_EDOM);
  assert_true(tu_all_nan_m(X));
  assert_int_equal(calls, 3);
  for (int k = 0; k < 6; k++) gsl_rng_uniform(ref);
  assert_int_equal(gsl_rng_get(r), gsl_rng_get(ref));
  /* no sampler at all */
  bm_dist *ns = bm_dist_alloc(&nosampler_family, 1, 2);
  gsl_matrix_set_zero(X);
  assert_int_equal(bm_dist_sample_n(ns, r, X), BM_ENOTSUP);
  assert_true(tu_all_nan_m(X));
  bm_dist_free(ns);
  gsl_rng_free(r);
  gsl_rng_free(ref);
  gsl_matrix_free(X);
  gsl_vector_free(theta);
  bm_dist_free(d);
}

/* mvt at nu = 1e-3: the chi-square draw underflows for most uniforms and the
 * draw overflows (BM_EDOM). The batch fails where the single draws fail. */
static void overflowing_mvt_draw(void **state)
{
  (void)state;
  size_t p = 2, n = 50;
  bm_dist *d = bm_dist_alloc(&bm_family_mvt, 1, p);
  gsl_vector *theta = gsl_vector_alloc(p + 3 + 1);
  gsl_vector_set_all(theta, 0.0);
  gsl_vector_set(theta, 2, 1.0); /* Sigma = I: vech (1, 0, 1) */
  gsl_vector_set(theta, 4, 1.0);
  gsl_vector_set(theta, 5, 1e-3);
  assert_int_equal(bm_dist_set_theta(d, theta), BM_SUCCESS);
  gsl_matrix *X = gsl_matrix_alloc(n, p), *x = gsl_matrix_alloc(1, p);
  gsl_rng *r1 = tu_rng(9), *r2 = tu_rng(9);
  int st = bm_dist_sample_n(d, r1, X);
  assert_int_equal(st, BM_EDOM);
  assert_true(tu_all_nan_m(X));
  size_t i = 0;
  while (i < n && bm_dist_sample(d, r2, x) == BM_SUCCESS) i++;
  assert_true(i < n); /* a single draw failed too, at the same place: */
  assert_int_equal(gsl_rng_get(r1), gsl_rng_get(r2));
  gsl_rng_free(r1);
  gsl_rng_free(r2);
  free_matrices(X, x);
  gsl_vector_free(theta);
  bm_dist_free(d);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(batch_equals_single_draws), cmocka_unit_test(zero_draws),
      cmocka_unit_test(bad_arguments),             cmocka_unit_test(failing_user_sampler),
      cmocka_unit_test(overflowing_mvt_draw),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
