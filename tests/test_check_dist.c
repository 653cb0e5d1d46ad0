/* bm_check_dist and the diagnosis of wrong gradients and Fisher blocks.
 *  - the seven built-in families pass with default options at three seeded
 *    parameter points each (every row that applies; the Monte Carlo rows are
 *    judged as |z| <= 5);
 *  - injected mistakes are caught and named: a transposed matrix gradient
 *    (matnorm's M block, and a user's f(X) = tr(A X B)), doubled
 *    off-diagonals (mvn's Sigma block, and log det with the 2G - diag G
 *    form), an unsymmetrized gradient of tr(A S), sign / 1/2 / 2, and a
 *    Fisher block 5 % too large, named by block with its factor;
 *  - a family with only a log-density: every other row is skipped, not failed;
 *  - the report prints as a table and as JSON.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_blas.h>
#include "testutil.h"
#include "cleanup_util.h"

/* theta at random for a family: vec blocks N(0, 1), vech blocks SPD with
 * condition number 5, nu and delta well inside the region where every
 * moment the Monte Carlo rows use exists. */
static gsl_vector *random_theta(const bm_family_type *T, size_t rows, size_t cols, gsl_rng *r)
{
  bm_dist *d = bm_dist_alloc(T, rows, cols);
  size_t m = bm_dist_nparams(d);
  bm_dist_free(d);
  gsl_vector *t = gsl_vector_alloc(m);
  size_t off = 0;
  for (size_t k = 0; k < T->nblocks; k++) {
    const bm_theta_block *b = &T->blocks[k];
    size_t len = bm_theta_block_len(b, rows, cols);
    if (b->kind == BM_BLOCK_VECH) {
      size_t q = b->rows == BM_DIM_ROWS ? rows : cols;
      gsl_matrix *S = gsl_matrix_alloc(q, q);
      tu_random_spd(r, 5.0, 1.0, S);
      gsl_vector_view v = gsl_vector_subvector(t, off, len);
      bm_vech(S, &v.vector);
      gsl_matrix_free(S);
    } else if (b->kind == BM_BLOCK_VEC) {
      for (size_t i = 0; i < len; i++) gsl_vector_set(t, off + i, gsl_ran_gaussian(r, 1.0));
    } else {
      int spd = T->variate == BM_VARIATE_SPD;
      double v = !strcmp(b->name, "delta") ? (double)cols + 6.0 : (spd ? (double)cols + 4.0 : 8.0);
      gsl_vector_set(t, off, v + gsl_rng_uniform(r));
    }
    off += len;
  }
  assert_int_equal(off, m);
  return t;
}

static bm_dist *make(const bm_family_type *T, size_t rows, size_t cols, gsl_rng *r)
{
  bm_dist *d = bm_dist_alloc(T, rows, cols);
  assert_non_null(d);
  gsl_vector *t = random_theta(T, rows, cols, r);
  assert_int_equal(bm_dist_set_theta(d, t), BM_SUCCESS);
  gsl_vector_free(t);
  return d;
}

/* A distribution of type T (a variant of base) at the theta of a random base
 * distribution: *good (that base distribution, for its sampler) and *theta
 * are the caller's to free. */
static bm_dist *at_base_theta(const bm_family_type *T, const bm_family_type *base, size_t rows, size_t cols, gsl_rng *r,
                              bm_dist **good, gsl_vector **theta)
{
  *good = make(base, rows, cols, r);
  *theta = gsl_vector_alloc(bm_dist_nparams(*good));
  bm_dist_get_theta(*good, *theta);
  bm_dist *d = bm_dist_alloc(T, rows, cols);
  assert_int_equal(bm_dist_set_theta(d, *theta), BM_SUCCESS);
  return d;
}

static void shape_of(const bm_family_type *T, size_t *rows, size_t *cols)
{
  *cols = 2;
  *rows = T->variate == BM_VARIATE_VECTOR ? 1 : (T->variate == BM_VARIATE_SPD ? 2 : 3);
}

static void seven_families_pass(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(20261206);
  bm_check_report *rep = bm_check_report_alloc();
  assert_non_null(rep);
  for (const bm_family_type *const *T = bm_family_list(); *T; T++) {
    size_t rows, cols;
    shape_of(*T, &rows, &cols);
    for (int pt = 0; pt < 3; pt++) {
      bm_dist *d = make(*T, rows, cols, r);
      assert_int_equal(bm_check_dist(d, r, NULL, rep), BM_SUCCESS);
      if (!rep->passed) bm_check_report_print(rep, stdout, BM_REPORT_TABLE);
      assert_true(rep->passed);
      assert_string_equal(rep->family, (*T)->name);
      /* every built-in family has every operation: nothing may be skipped */
      for (size_t k = 0; k < rep->nrows; k++) assert_int_not_equal(rep->rows[k].status, BM_ROW_SKIP);
      assert_int_equal(rep->nrows, 8);
      bm_dist_free(d);
    }
  }
  bm_check_report_free(rep);
  gsl_rng_free(r);
}

/* ---- injected mistakes in a family's score and Fisher ------------------------ */

static bm_family_type bad; /* a copy of a built-in descriptor with one operation replaced */
static int bad_kind;

static int bad_score(const void *st, const gsl_matrix *x, gsl_vector *s)
{
  int rc = bad_kind < 10 ? bm_family_mvn.score(st, x, s) : bm_family_matnorm.score(st, x, s);
  if (rc) return rc;
  if (bad_kind == 1) { /* mvn p = 3: vech Sigma off-diagonals doubled */
    for (size_t k = 0; k < 6; k++) {
      size_t i, j;
      bm_vech_pair(3, k, &i, &j);
      if (i != j) gsl_vector_set(s, 3 + k, 2.0 * gsl_vector_get(s, 3 + k));
    }
  } else if (bad_kind == 2) { /* mvn: the Sigma block's sign */
    for (size_t k = 0; k < 6; k++) gsl_vector_set(s, 3 + k, -gsl_vector_get(s, 3 + k));
  } else if (bad_kind == 3) { /* mvn: the mu block halved */
    for (size_t k = 0; k < 3; k++) gsl_vector_set(s, k, 0.5 * gsl_vector_get(s, k));
  } else if (bad_kind == 10) { /* matnorm 3 x 2: the M block transposed (vec of dM^T) */
    double g[6];
    for (size_t k = 0; k < 6; k++) g[k] = gsl_vector_get(s, k);
    for (size_t i = 0; i < 3; i++)
      for (size_t j = 0; j < 2; j++) gsl_vector_set(s, j + i * 2, g[i + j * 3]);
  }
  return BM_SUCCESS;
}

static int bad_fisher(const void *st, gsl_matrix *F)
{
  int rc = bm_family_mvn.fisher(st, F);
  if (rc) return rc;
  for (size_t i = 3; i < 9; i++)
    for (size_t j = 3; j < 9; j++) gsl_matrix_set(F, i, j, 1.05 * gsl_matrix_get(F, i, j));
  return BM_SUCCESS;
}

static const bm_check_row *row_named(const bm_check_report *rep, const char *name)
{
  for (size_t k = 0; k < rep->nrows; k++)
    if (!strcmp(rep->rows[k].name, name)) return &rep->rows[k];
  fail_msg("no row %s", name);
  return NULL;
}

static void run_bad(int kind, const bm_family_type *base, size_t rows, size_t cols, bm_check_report *rep,
                    int fisher)
{
  gsl_rng *r = tu_rng(7 + (unsigned long)kind);
  bad = *base;
  bad.name = "bad";
  bad_kind = kind;
  if (fisher) bad.fisher = bad_fisher;
  else bad.score = bad_score;
  bm_dist *good;
  gsl_vector *t;
  bm_dist *d = at_base_theta(&bad, base, rows, cols, r, &good, &t);
  bm_check_dist_options o = {.draws = fisher ? 200000 : 2000};
  assert_int_equal(bm_check_dist(d, r, &o, rep), BM_SUCCESS);
  bm_check_report_print(rep, stdout, BM_REPORT_TABLE);
  assert_false(rep->passed);
  gsl_vector_free(t);
  bm_dist_free(d);
  bm_dist_free(good);
  gsl_rng_free(r);
}

static void injected_score_mistakes_named(void **state)
{
  (void)state;
  /* injected mistake, family and shape, the mistake named, the block named */
  static const struct {
    int which;
    const bm_family_type *T;
    size_t rows, cols;
    int mistake;
    const char *block;
  } cases[] = {{1, &bm_family_mvn, 1, 3, BM_GRAD_OFFDIAG_DOUBLED, "block Sigma"},
               {2, &bm_family_mvn, 1, 3, BM_GRAD_SIGN, "block Sigma"},
               {3, &bm_family_mvn, 1, 3, BM_GRAD_HALF, "block mu"},
               {10, &bm_family_matnorm, 3, 2, BM_GRAD_TRANSPOSED, "block M"}};
  bm_check_report *rep = bm_check_report_alloc();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run_bad(cases[i].which, cases[i].T, cases[i].rows, cases[i].cols, rep, 0);
    const bm_check_row *row = row_named(rep, "score vs FD of log f");
    assert_int_equal(row->status, BM_ROW_FAIL);
    assert_int_equal(row->mistake, cases[i].mistake);
    assert_non_null(strstr(row->detail, cases[i].block));
    /* a wrong sign: E[score] = 0 is not guaranteed to break, but the Taylor slope must drop to ~1 */
    if (cases[i].mistake == BM_GRAD_SIGN)
      assert_int_equal(row_named(rep, "Taylor remainder slope")->status, BM_ROW_FAIL);
  }
  bm_check_report_free(rep);
}

static void fisher_block_named(void **state)
{
  (void)state;
  bm_check_report *rep = bm_check_report_alloc();
  run_bad(0, &bm_family_mvn, 1, 3, rep, 1);
  const bm_check_row *row = row_named(rep, "E[-H] vs fisher");
  assert_int_equal(row->status, BM_ROW_FAIL);
  assert_string_equal(rep->fisher_block, "Sigma");
  assert_true(fabs(rep->fisher_factor - 1.05) < 0.02);
  /* the score itself is right */
  assert_int_equal(row_named(rep, "score vs FD of log f")->status, BM_ROW_PASS);
  bm_check_report_free(rep);
}

/* ---- bm_check_matrix_gradient on a user's functions ------------------------ */

typedef struct {
  gsl_matrix *A, *B;
} ab;

/* f(X) = tr(A X B), X 3 x 3, gradient A^T B^T */
static int f_trAXB(const gsl_matrix *X, void *p, double *f)
{
  ab *c = p;
  gsl_matrix *T = gsl_matrix_alloc(3, 3), *U = gsl_matrix_alloc(3, 3);
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, c->A, X, 0.0, T);
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, T, c->B, 0.0, U);
  *f = 0.0;
  for (size_t i = 0; i < 3; i++) *f += gsl_matrix_get(U, i, i);
  gsl_matrix_free(T);
  gsl_matrix_free(U);
  return 0;
}

/* f(S) = log det S, symmetric gradient S^-1 */
static int f_logdet(const gsl_matrix *S, void *p, double *f)
{
  (void)p;
  gsl_matrix *L = gsl_matrix_alloc(S->size1, S->size1);
  int st = bm_chol_factor(S, L, NULL);
  *f = st == BM_SUCCESS ? bm_chol_logdet(L) : NAN;
  gsl_matrix_free(L);
  return st;
}

/* f(S) = tr(A S) on symmetric S: the symmetric gradient is (A + A^T)/2 */
static int f_trAS(const gsl_matrix *S, void *p, double *f)
{
  ab *c = p;
  *f = 0.0;
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 3; j++) *f += gsl_matrix_get(c->A, i, j) * gsl_matrix_get(S, j, i);
  return 0;
}

static void matrix_gradient_diagnosis(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3);
  ab c = {gsl_matrix_alloc(3, 3), gsl_matrix_alloc(3, 3)};
  tu_random_matrix(r, 1.0, c.A);
  tu_random_matrix(r, 1.0, c.B);
  gsl_matrix *X = gsl_matrix_alloc(3, 3), *G = gsl_matrix_alloc(3, 3);
  tu_random_matrix(r, 1.0, X);
  bm_grad_diagnosis dg;

  /* right: A^T B^T */
  gsl_blas_dgemm(CblasTrans, CblasTrans, 1.0, c.A, c.B, 0.0, G);
  assert_int_equal(bm_check_matrix_gradient(f_trAXB, &c, X, 0, G, NULL, &dg), BM_SUCCESS);
  assert_int_equal(dg.mistake, BM_GRAD_OK);
  /* numerator layout: B A */
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, c.B, c.A, 0.0, G);
  assert_int_equal(bm_check_matrix_gradient(f_trAXB, &c, X, 0, G, NULL, &dg), BM_SUCCESS);
  printf("tr(AXB), claimed B A: %s: %s\n", bm_grad_mistake_name(dg.mistake), dg.message);
  assert_int_equal(dg.mistake, BM_GRAD_TRANSPOSED);
  assert_true(dg.rel_err_matched < 1e-6);

  /* log det S: S^-1 right; 2 S^-1 - diag(S^-1) doubled off-diagonals; -S^-1 sign; S^-1/2 half */
  gsl_matrix *S = gsl_matrix_alloc(3, 3), *L = gsl_matrix_alloc(3, 3);
  tu_random_spd(r, 10.0, 1.0, S);
  bm_chol_factor(S, L, NULL);
  bm_chol_inverse(L, G);
  assert_int_equal(bm_check_matrix_gradient(f_logdet, NULL, S, 1, G, NULL, &dg), BM_SUCCESS);
  assert_int_equal(dg.mistake, BM_GRAD_OK);
  gsl_matrix *W = gsl_matrix_alloc(3, 3);
  gsl_matrix_memcpy(W, G);
  gsl_matrix_scale(W, 2.0);
  for (size_t i = 0; i < 3; i++) gsl_matrix_set(W, i, i, gsl_matrix_get(G, i, i));
  bm_check_matrix_gradient(f_logdet, NULL, S, 1, W, NULL, &dg);
  printf("log det S, claimed 2 S^-1 - diag(S^-1): %s: %s\n", bm_grad_mistake_name(dg.mistake), dg.message);
  assert_int_equal(dg.mistake, BM_GRAD_OFFDIAG_DOUBLED);
  gsl_matrix_memcpy(W, G);
  gsl_matrix_scale(W, -1.0);
  bm_check_matrix_gradient(f_logdet, NULL, S, 1, W, NULL, &dg);
  assert_int_equal(dg.mistake, BM_GRAD_SIGN);
  gsl_matrix_memcpy(W, G);
  gsl_matrix_scale(W, 2.0);
  bm_check_matrix_gradient(f_logdet, NULL, S, 1, W, NULL, &dg);
  assert_int_equal(dg.mistake, BM_GRAD_DOUBLE);

  /* tr(A S): A^T (entry by entry, not symmetrized) */
  gsl_matrix_transpose_memcpy(W, c.A);
  assert_int_equal(bm_check_matrix_gradient(f_trAS, &c, S, 1, W, NULL, &dg), BM_SUCCESS);
  printf("tr(A S), claimed A^T: %s: %s\n", bm_grad_mistake_name(dg.mistake), dg.message);
  assert_int_equal(dg.mistake, BM_GRAD_NOT_SYMMETRIZED);
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 3; j++)
      gsl_matrix_set(W, i, j, 0.5 * (gsl_matrix_get(c.A, i, j) + gsl_matrix_get(c.A, j, i)));
  bm_check_matrix_gradient(f_trAS, &c, S, 1, W, NULL, &dg);
  assert_int_equal(dg.mistake, BM_GRAD_OK);
  /* a wrong gradient that is none of them */
  gsl_matrix_set(W, 0, 1, gsl_matrix_get(W, 0, 1) + 1.0);
  gsl_matrix_set(W, 1, 0, gsl_matrix_get(W, 1, 0) + 1.0);
  bm_check_matrix_gradient(f_trAS, &c, S, 1, W, NULL, &dg);
  assert_int_equal(dg.mistake, BM_GRAD_UNKNOWN);

  /* bad input */
  gsl_matrix *R23 = gsl_matrix_alloc(2, 3);
  assert_int_equal(bm_check_matrix_gradient(f_trAS, &c, S, 1, R23, NULL, &dg), BM_EBADLEN);
  assert_int_equal(bm_check_matrix_gradient(NULL, &c, S, 1, W, NULL, &dg), BM_EINVAL);
  gsl_matrix_set(X, 0, 1, 5.0);
  assert_int_equal(bm_check_matrix_gradient(f_trAS, &c, X, 1, W, NULL, &dg), BM_ENOTSYM);
  assert_string_equal(bm_grad_mistake_name(BM_GRAD_OFFDIAG_HALVED), "offdiag-halved");

  free_matrices(R23, W, S, L, X, G, c.A, c.B);
  gsl_rng_free(r);
}

/* ---- a family with a log-density only; printing ---------------------------- */

static void skipped_rows_and_printing(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(11);
  bm_family_type lonely = {0};
  lonely.name = "lonely";
  lonely.variate = BM_VARIATE_VECTOR;
  lonely.alloc = bm_family_mvn.alloc;
  lonely.free = bm_family_mvn.free;
  lonely.shape = bm_family_mvn.shape;
  lonely.nparams = bm_family_mvn.nparams;
  lonely.set_theta = bm_family_mvn.set_theta;
  lonely.logpdf = bm_family_mvn.logpdf;
  bm_dist *good;
  gsl_vector *t;
  bm_dist *d = at_base_theta(&lonely, &bm_family_mvn, 1, 2, r, &good, &t);
  assert_int_equal(t->size, 5);
  bm_check_report *rep = bm_check_report_alloc();
  assert_int_equal(bm_check_dist(d, r, NULL, rep), BM_SUCCESS);
  assert_true(rep->passed);
  assert_int_equal(rep->nrows, 8);
  for (size_t k = 0; k < rep->nrows; k++) {
    assert_int_equal(rep->rows[k].status, BM_ROW_SKIP);
    assert_true(isnan(rep->rows[k].value));
    assert_non_null(strstr(rep->rows[k].detail, "skipped"));
  }

  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(bm_check_report_print(rep, f, BM_REPORT_JSON), BM_SUCCESS);
  fclose(f);
  assert_non_null(strstr(buf, "\"family\": \"lonely\""));
  assert_non_null(strstr(buf, "\"status\": \"skip\""));
  assert_non_null(strstr(buf, "\"value\": null"));
  free(buf);
  f = open_memstream(&buf, &len);
  assert_int_equal(bm_check_report_print(rep, f, BM_REPORT_TABLE), BM_SUCCESS);
  fclose(f);
  assert_non_null(strstr(buf, "PASSED: 0 of 8 checks failed"));
  free(buf);
  assert_int_equal(bm_check_report_print(NULL, stdout, BM_REPORT_TABLE), BM_EINVAL);
  assert_int_equal(bm_check_report_print(rep, stdout, (bm_report_format)7), BM_EINVAL);

  /* bad input */
  assert_int_equal(bm_check_dist(NULL, r, NULL, rep), BM_EINVAL);
  assert_int_equal(bm_check_dist(d, NULL, NULL, rep), BM_EINVAL);
  assert_int_equal(bm_check_dist(d, r, NULL, NULL), BM_EINVAL);
  gsl_vector *t3 = gsl_vector_alloc(3);
  bm_check_dist_options o = {.theta = t3};
  assert_int_equal(bm_check_dist(d, r, &o, rep), BM_EBADLEN);
  gsl_vector_free(t3);
  bm_dist *unset = bm_dist_alloc(&bm_family_mvn, 1, 2);
  assert_int_equal(bm_check_dist(unset, r, NULL, rep), BM_EINVAL);
  bm_dist_free(unset);

  bm_check_report_free(rep);
  gsl_vector_free(t);
  bm_dist_free(d);
  bm_dist_free(good);
  gsl_rng_free(r);
}

/* no get_theta, no sampler: theta and the points come from the options */
static void theta_and_points_from_options(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(12);
  bm_family_type T = bm_family_wishart;
  T.name = "wishart-bare";
  T.get_theta = NULL;
  T.sample = NULL;
  bm_dist *good;
  gsl_vector *t;
  bm_dist *d = at_base_theta(&T, &bm_family_wishart, 2, 2, r, &good, &t);
  assert_int_equal(t->size, 4);
  bm_check_report *rep = bm_check_report_alloc();
  /* without them the derivative rows are skipped */
  assert_int_equal(bm_check_dist(d, r, NULL, rep), BM_SUCCESS);
  assert_int_equal(row_named(rep, "score vs FD of log f")->status, BM_ROW_SKIP);
  assert_int_equal(row_named(rep, "E[-H] vs fisher")->status, BM_ROW_SKIP);
  gsl_matrix *X[2] = {gsl_matrix_alloc(2, 2), gsl_matrix_alloc(2, 2)};
  for (int k = 0; k < 2; k++) bm_dist_sample(good, r, X[k]);
  bm_check_dist_options o = {.theta = t, .at = (const gsl_matrix *const *)X, .nat = 2};
  assert_int_equal(bm_check_dist(d, r, &o, rep), BM_SUCCESS);
  assert_true(rep->passed);
  assert_int_equal(row_named(rep, "score vs FD of log f")->status, BM_ROW_PASS);
  assert_int_equal(row_named(rep, "hess vs FD of score")->status, BM_ROW_PASS);
  assert_int_equal(row_named(rep, "hess_x vs FD of log f")->status, BM_ROW_PASS);
  assert_int_equal(row_named(rep, "E[score] = 0")->status, BM_ROW_SKIP);
  /* a point of the wrong shape */
  gsl_matrix *Y = gsl_matrix_alloc(3, 3);
  const gsl_matrix *bad_at[1] = {Y};
  o.at = bad_at;
  o.nat = 1;
  assert_int_equal(bm_check_dist(d, r, &o, rep), BM_EBADLEN);
  free_matrices(Y, X[0], X[1]);
  bm_check_report_free(rep);
  gsl_vector_free(t);
  bm_dist_free(d);
  bm_dist_free(good);
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(seven_families_pass),
      cmocka_unit_test(injected_score_mistakes_named),
      cmocka_unit_test(fisher_block_named),
      cmocka_unit_test(matrix_gradient_diagnosis),
      cmocka_unit_test(skipped_rows_and_printing),
      cmocka_unit_test(theta_and_points_from_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
