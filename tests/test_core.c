/* Tests of the shared core: status, validation, Cholesky algebra, vech
 * operators, special functions, Bartlett factor, finite-difference engine.
 * GSL's default (aborting) error handler stays installed throughout: any bad
 * input that reached GSL would abort this executable.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

/* ---------- status ---------- */

static void strerror_names_every_status(void **state)
{
  (void)state;
  const char *names[] = {"BM_SUCCESS", "BM_EINVAL", "BM_EBADLEN", "BM_ENOTSYM", "BM_ENOTSPD",
                         "BM_EDOM",    "BM_ENONFINITE", "BM_ENOMEM", "BM_ENOCONV", "BM_ESING", "BM_ENOTSUP"};
  int codes[] = {BM_SUCCESS, BM_EINVAL, BM_EBADLEN, BM_ENOTSYM, BM_ENOTSPD,
                 BM_EDOM,    BM_ENONFINITE, BM_ENOMEM, BM_ENOCONV, BM_ESING, BM_ENOTSUP};
  assert_int_equal(BM_SUCCESS, 0);
  for (int i = 0; i < BM_NSTATUS; i++) {
    const char *s = bm_strerror(codes[i]);
    assert_non_null(strstr(s, names[i]));
    for (int j = 0; j < i; j++) assert_int_not_equal(codes[i], codes[j]);
  }
  assert_non_null(strstr(bm_strerror(-1), "unknown"));
  assert_non_null(strstr(bm_strerror(BM_NSTATUS), "unknown"));
  assert_string_equal(bm_version(), BAYESMAT_VERSION);
}

/* ---------- special functions ---------- */

/* Reference values: tests/data/core_ref.txt from gen_core.py (mpmath, 50 digits). */
static void specfun_matches_mpmath(void **state)
{
  (void)state;
  char name[32], astr[64];
  FILE *f = tu_open_data("core_ref.txt");
  char line[512];
  size_t n = 0;
  while (tu_next_data_line(f, line, sizeof line)) {
    unsigned p;
    double ref;
    assert_int_equal(sscanf(line, "%31s %u %63s %lf", name, &p, astr, &ref), 4);
    double a = strtod(astr, NULL), got, tol = 1e-13;
    if (!strcmp(name, "lgamma")) got = bm_lgamma(a);
    else if (!strcmp(name, "digamma")) got = bm_digamma(a);
    else if (!strcmp(name, "trigamma")) got = bm_trigamma(a);
    else if (!strcmp(name, "lmvgamma")) got = bm_lmvgamma(p, a);
    else if (!strcmp(name, "mvdigamma")) got = bm_mvdigamma(p, a);
    else got = bm_mvtrigamma(p, a);
    /* log Gamma near its zeros at 1 and 2 has a relative condition number
     * of |x psi(x) / lgamma(x)|: judge those against the absolute scale. */
    double scale = fmax(fabs(ref), !strcmp(name, "lmvgamma") || !strcmp(name, "lgamma") ? 1.0 : 0.0);
    if (!(fabs(got - ref) <= tol * scale)) {
      print_error("%s(p=%u, a=%s) = %.17g, mpmath %.17g\n", name, p, astr, got, ref);
      fail();
    }
    n++;
  }
  fclose(f);
  assert_true(n > 200);
}

static void lmvgamma_is_sum_of_lgamma(void **state)
{
  (void)state;
  for (size_t p = 1; p <= 12; p++)
    for (double a = 0.5 * (double)(p - 1) + 0.01; a < 40; a += 1.37) {
      double s = 0.25 * (double)p * (double)(p - 1) * log(M_PI);
      for (size_t j = 1; j <= p; j++) s += lgamma(a + (1.0 - (double)j) / 2.0);
      tu_assert_rel(bm_lmvgamma(p, a), s, 1e-14 * fmax(1.0, 1.0 / fabs(s)) + 1e-14);
    }
}

static int f_lmvgamma(const gsl_vector *x, void *pp, double *f)
{
  *f = bm_lmvgamma(*(size_t *)pp, gsl_vector_get(x, 0));
  return isfinite(*f) ? 0 : 1;
}
static int f_mvdigamma(const gsl_vector *x, void *pp, double *f)
{
  *f = bm_mvdigamma(*(size_t *)pp, gsl_vector_get(x, 0));
  return isfinite(*f) ? 0 : 1;
}

static void mvdigamma_trigamma_are_derivatives(void **state)
{
  (void)state;
  for (size_t p = 1; p <= 6; p++) {
    const double offs[] = {0.05, 0.7, 3.0, 25.0};
    for (int k = 0; k < 4; k++) {
      double a = 0.5 * (double)(p - 1) + offs[k], d;
      gsl_vector_view x = gsl_vector_view_array(&a, 1), dv = gsl_vector_view_array(&d, 1);
      assert_int_equal(bm_fd_gradient(f_lmvgamma, &p, &x.vector, NULL, &dv.vector, NULL), BM_SUCCESS);
      tu_assert_rel(bm_mvdigamma(p, a), d, 1e-9);
      assert_int_equal(bm_fd_gradient(f_mvdigamma, &p, &x.vector, NULL, &dv.vector, NULL), BM_SUCCESS);
      tu_assert_rel(bm_mvtrigamma(p, a), d, 1e-8);
    }
  }
}

static void specfun_domain(void **state)
{
  (void)state;
  double v = 0;
  assert_int_equal(bm_lmvgamma_e(3, 1.0, &v), BM_EDOM); /* needs a > 1 */
  assert_true(isnan(v));
  assert_int_equal(bm_lmvgamma_e(3, 1.0 + 1e-12, &v), BM_SUCCESS);
  assert_true(isfinite(v));
  assert_int_equal(bm_mvdigamma_e(2, NAN, &v), BM_ENONFINITE);
  assert_int_equal(bm_mvtrigamma_e(2, INFINITY, &v), BM_ENONFINITE);
  assert_int_equal(bm_mvtrigamma_e(0, 3.0, &v), BM_EINVAL);
  assert_int_equal(bm_lmvgamma_e(2, 3.0, NULL), BM_EINVAL);
  assert_true(isnan(bm_lmvgamma(4, 1.5)));
  assert_true(isnan(bm_lgamma(0.0)) && isnan(bm_digamma(-1.0)) && isnan(bm_trigamma(NAN)));
  /* huge arguments: no overflow to NaN, no GSL error handler */
  assert_true(isfinite(bm_lmvgamma(5, 1e300)));
  assert_true(bm_trigamma(1e300) > 0 && bm_trigamma(1e300) < 1e-299);
}

/* ---------- validation ---------- */

static void validate_order_and_codes(void **state)
{
  (void)state;
  gsl_matrix *A = gsl_matrix_alloc(3, 3), *L = gsl_matrix_alloc(3, 3);
  gsl_matrix_set_identity(A);
  gsl_vector *v = gsl_vector_calloc(3);
  assert_int_equal(bm_validate_vector(NULL, 3), BM_EINVAL);
  assert_int_equal(bm_validate_vector(v, 4), BM_EBADLEN);
  assert_int_equal(bm_validate_vector(v, 3), BM_SUCCESS);
  gsl_vector_set(v, 1, NAN);
  assert_int_equal(bm_validate_vector(v, 3), BM_ENONFINITE);
  assert_int_equal(bm_validate_vector(v, 2), BM_EBADLEN); /* shape before finiteness */
  assert_int_equal(bm_validate_matrix(NULL, 3, 3), BM_EINVAL);
  assert_int_equal(bm_validate_matrix(A, 3, 2), BM_EBADLEN);
  assert_int_equal(bm_validate_symmetric(A, 3), BM_SUCCESS);
  gsl_matrix_set(A, 0, 2, 1e-3);
  assert_int_equal(bm_validate_symmetric(A, 3), BM_ENOTSYM);
  gsl_matrix_set(A, 2, 0, 1e-3 * (1 + 1e-12)); /* roundoff-level asymmetry passes */
  assert_int_equal(bm_validate_symmetric(A, 3), BM_SUCCESS);
  gsl_matrix_set(A, 2, 0, 1e-3 * (1 + 1e-4)); /* 1e-7 > BM_SYM_RTOL * sqrt(A00 A22) */
  assert_int_equal(bm_validate_symmetric(A, 3), BM_ENOTSYM);
  gsl_matrix_set(A, 2, 0, INFINITY);
  assert_int_equal(bm_validate_symmetric(A, 3), BM_ENONFINITE);
  /* indefinite: the failing leading minor is reported */
  gsl_matrix_set_identity(A);
  gsl_matrix_set(A, 1, 2, 2.0);
  gsl_matrix_set(A, 2, 1, 2.0);
  size_t piv = 99;
  assert_int_equal(bm_validate_spd(A, 3, L, &piv), BM_ENOTSPD);
  assert_int_equal(piv, 3);
  assert_true(isnan(gsl_matrix_get(L, 0, 0)));
  assert_int_equal(bm_validate_spd(A, 3, NULL, &piv), BM_EINVAL);
  assert_int_equal(bm_validate_greater(1.0, 1.0), BM_EDOM);
  assert_int_equal(bm_validate_greater(INFINITY, 1.0), BM_ENONFINITE);
  assert_int_equal(bm_validate_greater(NAN, 1.0), BM_ENONFINITE);
  assert_int_equal(bm_validate_greater(1.0 + 1e-15, 1.0), BM_SUCCESS);
  gsl_matrix_set_identity(L);
  assert_int_equal(bm_validate_chol_factor(L, 3), BM_SUCCESS);
  gsl_matrix_set(L, 0, 2, NAN); /* upper triangle is ignored */
  assert_int_equal(bm_validate_chol_factor(L, 3), BM_SUCCESS);
  gsl_matrix_set(L, 1, 1, 0.0);
  assert_int_equal(bm_validate_chol_factor(L, 3), BM_ENOTSPD);
  gsl_matrix_free(A);
  gsl_matrix_free(L);
  gsl_vector_free(v);
}

/* ---------- Cholesky algebra (against GSL's LU, computed independently) ---------- */

static void chol_matches_lu(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(11);
  for (size_t p = 1; p <= 9; p += 2) {
    /* a view with tda > size2, to check strided storage works */
    gsl_matrix *big = gsl_matrix_alloc(p, p + 3), *bigL = gsl_matrix_alloc(p, p + 2);
    gsl_matrix_view Sv = gsl_matrix_submatrix(big, 0, 1, p, p), Lv = gsl_matrix_submatrix(bigL, 0, 2, p, p);
    gsl_matrix *S = &Sv.matrix, *L = &Lv.matrix;
    tu_random_spd(r, 1e4, 2.0, S);
    assert_int_equal(bm_chol_factor(S, L, NULL), BM_SUCCESS);
    for (size_t i = 0; i < p; i++)
      for (size_t j = i + 1; j < p; j++) assert_true(gsl_matrix_get(L, i, j) == 0.0);
    gsl_matrix *LU = gsl_matrix_alloc(p, p), *inv = gsl_matrix_alloc(p, p), *ours = gsl_matrix_alloc(p, p);
    gsl_permutation *perm = gsl_permutation_alloc(p);
    int sg;
    gsl_matrix_memcpy(LU, S);
    gsl_linalg_LU_decomp(LU, perm, &sg);
    tu_assert_rel(bm_chol_logdet(L), gsl_linalg_LU_lndet(LU), 1e-12);
    gsl_linalg_LU_invert(LU, perm, inv);
    assert_int_equal(bm_chol_inverse(L, ours), BM_SUCCESS);
    tu_assert_matrix_close(ours, inv, 1e-9, 1e-9 * gsl_matrix_max(inv)); /* inv is SPD: max > 0 */
    /* solves */
    gsl_vector *b = gsl_vector_alloc(p), *x = gsl_vector_alloc(p), *y = gsl_vector_alloc(p);
    bm_rng_std_normal_vector(r, b);
    gsl_vector_memcpy(x, b);
    assert_int_equal(bm_chol_solve_vector(L, x), BM_SUCCESS);
    gsl_blas_dgemv(CblasNoTrans, 1.0, inv, b, 0.0, y);
    tu_assert_vector_close(x, y, 1e-9, 1e-9 * gsl_blas_dnrm2(y));
    /* quadform: b^T S^-1 b = b . x */
    double q = bm_chol_quadform(L, b, NULL), q2 = 0;
    gsl_blas_ddot(b, y, &q2);
    tu_assert_rel(q, q2, 1e-9);
    /* matrix solve, whitening of rows, sandwich */
    gsl_matrix *B = gsl_matrix_alloc(p, 4), *X = gsl_matrix_alloc(p, 4), *Y = gsl_matrix_alloc(p, 4);
    bm_rng_std_normal_matrix(r, B);
    gsl_matrix_memcpy(X, B);
    assert_int_equal(bm_chol_solve_matrix(L, X), BM_SUCCESS);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, inv, B, 0.0, Y);
    tu_assert_matrix_close(X, Y, 1e-8, 1e-8 * fmax(gsl_matrix_max(Y), -gsl_matrix_min(Y)));
    gsl_matrix *R = gsl_matrix_alloc(4, p);
    gsl_matrix_transpose_memcpy(R, B);
    assert_int_equal(bm_chol_whiten_rows(L, R), BM_SUCCESS);
    for (size_t i = 0; i < 4; i++) { /* |row|^2 = b_i^T S^-1 b_i */
      gsl_vector_view ri = gsl_matrix_row(R, i);
      gsl_vector_const_view bi = gsl_matrix_const_column(B, i);
      tu_assert_rel(gsl_blas_dnrm2(&ri.vector) * gsl_blas_dnrm2(&ri.vector), bm_chol_quadform(L, &bi.vector, y->data),
                    1e-12);
    }
    gsl_matrix *P = gsl_matrix_alloc(p, p), *C = gsl_matrix_alloc(p, p);
    tu_random_spd(r, 10.0, 1.0, P);
    gsl_matrix_memcpy(C, P);
    assert_int_equal(bm_chol_sandwich(L, C), BM_SUCCESS);
    /* tr(L^-1 P L^-T) = tr(S^-1 P) */
    double t1 = 0, t2 = 0;
    for (size_t i = 0; i < p; i++) {
      t1 += gsl_matrix_get(C, i, i);
      for (size_t k = 0; k < p; k++) t2 += gsl_matrix_get(inv, i, k) * gsl_matrix_get(P, k, i);
    }
    tu_assert_rel(t1, t2, 1e-9);
    /* product and multiply round trip */
    assert_int_equal(bm_chol_product(L, C), BM_SUCCESS);
    tu_assert_matrix_close(C, S, 1e-12, 1e-12 * gsl_matrix_max(S));
    assert_int_equal(bm_chol_product(L, L), BM_EINVAL);
    gsl_vector_memcpy(x, b);
    bm_chol_whiten_vector(L, x);
    bm_chol_lower_multiply(L, x);
    tu_assert_vector_close(x, b, 1e-10, 1e-10);
    gsl_matrix_memcpy(X, B);
    bm_chol_lower_multiply_matrix(L, X);
    gsl_matrix_memcpy(Y, X);
    gsl_blas_dtrsm(CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, 1.0, L, Y);
    tu_assert_matrix_close(Y, B, 1e-10, 1e-10);
    gsl_matrix_free(big); gsl_matrix_free(bigL); gsl_matrix_free(LU); gsl_matrix_free(inv); gsl_matrix_free(ours);
    gsl_permutation_free(perm); gsl_vector_free(b); gsl_vector_free(x); gsl_vector_free(y);
    gsl_matrix_free(B); gsl_matrix_free(X); gsl_matrix_free(Y); gsl_matrix_free(R); gsl_matrix_free(P);
    gsl_matrix_free(C);
  }
  gsl_rng_free(r);
}

/* x <- L x: against a long-double product, and the same bits wherever x sits
 * (every 8-byte offset, strides 1 and 3), so a sampler's draws do not depend
 * on its output's alignment */
static void lower_multiply_is_placement_independent(void **state)
{
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  for (size_t p = 1; p <= 19; p += 3) {
    gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p);
    tu_random_spd(r, 10.0, 1.0, S);
    assert_int_equal(bm_chol_factor(S, L, NULL), BM_SUCCESS);
    double z[19], ref[19], mag[19], first[19];
    for (size_t i = 0; i < p; i++) z[i] = gsl_ran_gaussian(r, 1.0);
    for (size_t i = 0; i < p; i++) {
      long double s = 0.0L, m = 0.0L;
      for (size_t j = 0; j <= i; j++) {
        s += (long double)gsl_matrix_get(L, i, j) * z[j];
        m += fabsl((long double)gsl_matrix_get(L, i, j) * z[j]);
      }
      ref[i] = (double)s;
      mag[i] = (double)m;
    }
    double buf[8 + 3 * 19];
    for (size_t stride = 1; stride <= 3; stride += 2)
      for (size_t off = 0; off < 8; off++) {
        for (size_t k = 0; k < sizeof buf / sizeof buf[0]; k++) buf[k] = -1.0;
        gsl_vector v = {p, stride, buf + off, NULL, 0};
        for (size_t i = 0; i < p; i++) gsl_vector_set(&v, i, z[i]);
        assert_int_equal(bm_chol_lower_multiply(L, &v), BM_SUCCESS);
        for (size_t i = 0; i < p; i++) {
          double got = gsl_vector_get(&v, i);
          assert_true(fabs(got - ref[i]) <= 2.0 * (double)(i + 1) * DBL_EPSILON * mag[i]); /* a sum's bound */
          if (stride == 1 && off == 0) first[i] = got;
          else assert_memory_equal(&got, &first[i], sizeof got);
        }
        /* nothing written between or beyond the strided entries */
        for (size_t k = 0; k < off; k++) assert_true(buf[k] == -1.0);
        for (size_t k = off + (p - 1) * stride + 1; k < sizeof buf / sizeof buf[0]; k++) assert_true(buf[k] == -1.0);
      }
    gsl_matrix_free(S);
    gsl_matrix_free(L);
  }
  gsl_rng_free(r);
}

static void chol_bad_inputs(void **state)
{
  (void)state;
  gsl_matrix *A = gsl_matrix_alloc(3, 3), *B = gsl_matrix_alloc(2, 3), *L = gsl_matrix_alloc(3, 3);
  gsl_vector *v = gsl_vector_alloc(2);
  gsl_matrix_set_identity(A);
  assert_int_equal(bm_chol_factor(NULL, L, NULL), BM_EINVAL);
  assert_int_equal(bm_chol_factor(A, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_chol_factor(B, L, NULL), BM_EBADLEN);
  assert_int_equal(bm_chol_factor(A, A, NULL), BM_SUCCESS); /* in place */
  assert_int_equal(bm_chol_solve_vector(A, v), BM_EBADLEN);
  assert_int_equal(bm_chol_solve_vector(NULL, v), BM_EINVAL);
  assert_int_equal(bm_chol_solve_matrix(A, B), BM_EBADLEN);
  assert_int_equal(bm_chol_whiten_vector(A, NULL), BM_EINVAL);
  assert_int_equal(bm_chol_whiten_rows(A, L), BM_SUCCESS);
  gsl_matrix *C = gsl_matrix_alloc(3, 2);
  assert_int_equal(bm_chol_whiten_rows(A, C), BM_EBADLEN);
  assert_int_equal(bm_chol_sandwich(A, B), BM_EBADLEN);
  assert_int_equal(bm_chol_lower_multiply(A, v), BM_EBADLEN);
  assert_int_equal(bm_chol_lower_multiply_matrix(A, B), BM_EBADLEN);
  assert_int_equal(bm_chol_inverse(A, B), BM_EBADLEN);
  assert_true(isnan(bm_chol_quadform(A, v, NULL)));
  /* a singular "factor" makes dpotri fail: BM_ESING and NaN, no abort */
  gsl_matrix_set_identity(L);
  gsl_matrix_set(L, 1, 1, 0.0);
  assert_int_equal(bm_chol_inverse(L, A), BM_ESING);
  assert_true(isnan(gsl_matrix_get(A, 0, 0)));
  /* NaN into the factorization is reported as not SPD, not propagated */
  gsl_matrix_set_identity(A);
  gsl_matrix_set(A, 0, 0, NAN);
  assert_int_equal(bm_chol_factor(A, L, NULL), BM_ENOTSPD);
  gsl_matrix_free(A); gsl_matrix_free(B); gsl_matrix_free(C); gsl_matrix_free(L); gsl_vector_free(v);
}

/* ---------- vech and friends (against dense matrices built here) ---------- */

static gsl_matrix *dense_duplication(size_t p)
{
  gsl_matrix *D = gsl_matrix_calloc(p * p, bm_vech_len(p));
  size_t k = 0;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++, k++) {
      gsl_matrix_set(D, j * p + i, k, 1.0);
      gsl_matrix_set(D, i * p + j, k, 1.0);
    }
  return D;
}

static void vech_operators_match_dense(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(5);
  for (size_t p = 1; p <= 6; p++) {
    size_t q = bm_vech_len(p);
    assert_int_equal(q, p * (p + 1) / 2);
    for (size_t k = 0; k < q; k++) {
      size_t i, j;
      bm_vech_pair(p, k, &i, &j);
      assert_true(i >= j && i < p);
      assert_int_equal(bm_vech_index(p, i, j), k);
      assert_int_equal(bm_vech_index(p, j, i), k);
    }
    gsl_matrix *S = gsl_matrix_alloc(p, p), *S2 = gsl_matrix_alloc(p, p), *D = dense_duplication(p);
    gsl_vector *v = gsl_vector_alloc(q), *w = gsl_vector_alloc(p * p), *u = gsl_vector_alloc(p * p),
               *v2 = gsl_vector_alloc(q);
    tu_random_spd(r, 10, 1, S);
    bm_vech(S, v);
    /* vech order: (S11, S21, ..., Sp1, S22, ...) */
    assert_true(gsl_vector_get(v, 0) == gsl_matrix_get(S, 0, 0));
    if (p > 1) assert_true(gsl_vector_get(v, 1) == gsl_matrix_get(S, 1, 0));
    if (p > 1) assert_true(gsl_vector_get(v, p) == gsl_matrix_get(S, 1, 1));
    bm_dup_apply(v, w);
    gsl_blas_dgemv(CblasNoTrans, 1.0, D, v, 0.0, u);
    tu_assert_vector_close(w, u, 0, 0);
    bm_vec(S, u);
    tu_assert_vector_close(w, u, 0, 0); /* vec(S) = D_p vech(S) */
    bm_vech_unpack(v, S2);
    tu_assert_matrix_close(S2, S, 0, 0);
    /* D^T on a non-symmetric vector */
    for (size_t i = 0; i < p * p; i++) gsl_vector_set(w, i, gsl_ran_gaussian(r, 1));
    bm_dup_transpose_apply(w, v);
    gsl_blas_dgemv(CblasTrans, 1.0, D, w, 0.0, v2);
    tu_assert_vector_close(v, v2, 1e-15, 1e-15);
    /* elimination: vech of the lower triangle */
    bm_elim_apply(w, v);
    for (size_t k = 0; k < q; k++) {
      size_t i, j;
      bm_vech_pair(p, k, &i, &j);
      assert_true(gsl_vector_get(v, k) == gsl_vector_get(w, j * p + i));
    }
    /* T(P,Q) = D^T (P (x) Q) D, with the Kronecker product built densely */
    gsl_matrix *P = gsl_matrix_alloc(p, p), *Q = gsl_matrix_alloc(p, p), *K = gsl_matrix_alloc(p * p, p * p),
               *KD = gsl_matrix_alloc(p * p, q), *T = gsl_matrix_alloc(q, q), *T2 = gsl_matrix_alloc(q, q);
    bm_rng_std_normal_matrix(r, P);
    bm_rng_std_normal_matrix(r, Q);
    tu_kron(P, Q, K);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, K, D, 0.0, KD);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, D, KD, 0.0, T2);
    gsl_matrix_set_all(T, 1.0);
    bm_vech_kron(2.0, P, Q, 0.0, T);
    gsl_matrix_scale(T2, 2.0);
    tu_assert_matrix_close(T, T2, 1e-13, 1e-13);
    bm_vech_kron(1.0, P, Q, -2.0, T); /* T <- T(P,Q) - 2 T = -T(P,Q)... = -3 T2/2 + ... */
    gsl_matrix_scale(T2, -1.5);
    tu_assert_matrix_close(T, T2, 1e-13, 1e-13);
    gsl_matrix_free(P); gsl_matrix_free(Q); gsl_matrix_free(K); gsl_matrix_free(KD); gsl_matrix_free(T);
    gsl_matrix_free(T2); gsl_matrix_free(S); gsl_matrix_free(S2); gsl_matrix_free(D);
    gsl_vector_free(v); gsl_vector_free(w); gsl_vector_free(u); gsl_vector_free(v2);
  }
  /* commutation: K vec(A) = vec(A^T) */
  gsl_matrix *A = gsl_matrix_alloc(3, 5), *At = gsl_matrix_alloc(5, 3);
  gsl_vector *a = gsl_vector_alloc(15), *b = gsl_vector_alloc(15), *c = gsl_vector_alloc(15);
  bm_rng_std_normal_matrix(r, A);
  gsl_matrix_transpose_memcpy(At, A);
  bm_vec(A, a);
  assert_int_equal(bm_commutation_apply(3, 5, a, b), BM_SUCCESS);
  bm_vec(At, c);
  tu_assert_vector_close(b, c, 0, 0);
  assert_int_equal(bm_commutation_apply(3, 5, a, a), BM_EINVAL);
  bm_vec_unpack(c, At);
  gsl_matrix_transpose_memcpy(A, At);
  bm_vec(A, b);
  tu_assert_vector_close(a, b, 0, 0);
  gsl_matrix_free(A); gsl_matrix_free(At); gsl_vector_free(a); gsl_vector_free(b); gsl_vector_free(c);
  gsl_rng_free(r);
}

/* f(S) = log|S| - tr(C S) on vech coordinates: symmetric gradient S^-1 - sym(C)
 * (docs/conventions.md); its vech gradient is D^T vec(G). */
typedef struct {
  size_t p;
  gsl_matrix *C, *S, *L;
} logdet_fn;

static int f_logdet(const gsl_vector *x, void *pp, double *f)
{
  logdet_fn *q = pp;
  bm_vech_unpack(x, q->S);
  if (bm_chol_factor(q->S, q->L, NULL)) return 1;
  double t = 0;
  for (size_t i = 0; i < q->p; i++)
    for (size_t k = 0; k < q->p; k++) t += gsl_matrix_get(q->C, i, k) * gsl_matrix_get(q->S, k, i);
  *f = bm_chol_logdet(q->L) - t;
  return 0;
}

static void sym_gradient_conversion(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(9);
  size_t p = 4, q = bm_vech_len(p);
  logdet_fn F = {p, gsl_matrix_alloc(p, p), gsl_matrix_alloc(p, p), gsl_matrix_alloc(p, p)};
  gsl_matrix *S = gsl_matrix_alloc(p, p), *G = gsl_matrix_alloc(p, p), *G2 = gsl_matrix_alloc(p, p);
  gsl_vector *x = gsl_vector_alloc(q), *g = gsl_vector_alloc(q), *fd = gsl_vector_alloc(q);
  tu_random_spd(r, 5, 1, S);
  bm_rng_std_normal_matrix(r, F.C); /* not symmetric on purpose */
  bm_chol_factor(S, F.L, NULL);
  bm_chol_inverse(F.L, G);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++)
      gsl_matrix_set(G, i, j, gsl_matrix_get(G, i, j) - 0.5 * (gsl_matrix_get(F.C, i, j) + gsl_matrix_get(F.C, j, i)));
  bm_vech(S, x);
  assert_int_equal(bm_vech_from_sym_grad(G, g), BM_SUCCESS);
  assert_int_equal(bm_fd_gradient(f_logdet, &F, x, NULL, fd, NULL), BM_SUCCESS);
  tu_assert_vector_close(g, fd, 1e-9, 1e-10);
  assert_int_equal(bm_sym_grad_from_vech(g, G2), BM_SUCCESS);
  tu_assert_matrix_close(G2, G, 1e-15, 1e-15);
  gsl_matrix_free(F.C); gsl_matrix_free(F.S); gsl_matrix_free(F.L); gsl_matrix_free(S); gsl_matrix_free(G);
  gsl_matrix_free(G2); gsl_vector_free(x); gsl_vector_free(g); gsl_vector_free(fd);
  gsl_rng_free(r);
}

static void vech_bad_inputs(void **state)
{
  (void)state;
  gsl_matrix *S = gsl_matrix_alloc(3, 3), *R = gsl_matrix_alloc(3, 2);
  gsl_vector *v5 = gsl_vector_alloc(5), *v6 = gsl_vector_alloc(6), *w8 = gsl_vector_alloc(8);
  assert_int_equal(bm_vech(NULL, v6), BM_EINVAL);
  assert_int_equal(bm_vech(S, v5), BM_EBADLEN);
  assert_int_equal(bm_vech(R, v6), BM_EBADLEN);
  assert_int_equal(bm_vech_unpack(v5, S), BM_EBADLEN);
  assert_int_equal(bm_vec(R, v5), BM_EBADLEN);
  assert_int_equal(bm_vec_unpack(v5, R), BM_EBADLEN);
  assert_int_equal(bm_dup_apply(v6, w8), BM_EBADLEN);
  assert_int_equal(bm_dup_transpose_apply(w8, v6), BM_EBADLEN);
  assert_int_equal(bm_elim_apply(w8, v6), BM_EBADLEN);
  assert_int_equal(bm_commutation_apply(2, 3, v5, v6), BM_EBADLEN);
  assert_int_equal(bm_vech_from_sym_grad(S, v5), BM_EBADLEN);
  assert_int_equal(bm_sym_grad_from_vech(v6, R), BM_EBADLEN);
  assert_int_equal(bm_vech_kron(1, S, R, 0, S), BM_EBADLEN);
  assert_int_equal(bm_vech_kron(1, S, S, 0, NULL), BM_EINVAL);
  gsl_matrix_free(S); gsl_matrix_free(R); gsl_vector_free(v5); gsl_vector_free(v6); gsl_vector_free(w8);
}

/* ---------- Bartlett factor ---------- */

static void bartlett_moments(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3);
  size_t p = 3;
  const double nus[] = {2.3 /* non-integer in (p-1, p) */, 7.0};
  gsl_matrix *A = gsl_matrix_alloc(p, p), *W = gsl_matrix_alloc(p, p), *E = gsl_matrix_alloc(p, p);
  for (int t = 0; t < 2; t++) {
    double nu = nus[t];
    tu_mc *mc = tu_mc_alloc(p);
    for (int k = 0; k < 40000; k++) {
      assert_int_equal(bm_rng_bartlett(r, nu, A), BM_SUCCESS);
      gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, A, A, 0.0, W);
      tu_mc_add(mc, W);
    }
    /* E[A A^T] = nu I for W_p(nu, I) */
    gsl_matrix_set_identity(E);
    gsl_matrix_scale(E, nu);
    assert_true(tu_mc_max_z(mc, E, 0, NULL, NULL) < 4.0);
    tu_mc_free(mc);
  }
  assert_int_equal(bm_rng_bartlett(r, 2.0, A), BM_EDOM);
  assert_int_equal(bm_rng_bartlett(r, INFINITY, A), BM_ENONFINITE);
  assert_int_equal(bm_rng_bartlett(NULL, 5.0, A), BM_EINVAL);
  gsl_matrix *R = gsl_matrix_alloc(2, 3);
  assert_int_equal(bm_rng_bartlett(r, 5.0, R), BM_EBADLEN);
  gsl_matrix_free(R); gsl_matrix_free(A); gsl_matrix_free(W); gsl_matrix_free(E);
  gsl_rng_free(r);
}

/* ---------- finite-difference engine ---------- */

/* f(x) = exp(a.x) / (1 + |x|^2) + x0^3 x1: derivatives in closed form */
static const double fa[4] = {0.3, -0.7, 0.2, 1.1};
/* a.x and |x|^2 */
static void smooth_sums(const double *x, size_t n, double *ax, double *s)
{
  *ax = 0;
  *s = 0;
  for (size_t i = 0; i < n; i++) {
    *ax += fa[i] * x[i];
    *s += x[i] * x[i];
  }
}
static double smooth_val(const double *x, size_t n)
{
  double ax, s;
  smooth_sums(x, n, &ax, &s);
  return exp(ax) / (1 + s) + x[0] * x[0] * x[0] * x[1];
}
static int f_smooth(const gsl_vector *x, void *pp, double *f)
{
  (void)pp;
  *f = smooth_val(x->data, x->size);
  return 0;
}
static int g_smooth(const gsl_vector *x, void *pp, gsl_vector *g)
{
  size_t n = x->size;
  double ax, s;
  smooth_sums(x->data, n, &ax, &s);
  double e = exp(ax);
  for (size_t i = 0; i < n; i++) g->data[i] = e * fa[i] / (1 + s) - e * 2 * x->data[i] / ((1 + s) * (1 + s));
  g->data[0] += 3 * x->data[0] * x->data[0] * x->data[1];
  g->data[1] += x->data[0] * x->data[0] * x->data[0];
  if (pp) g->data[*(int *)pp] *= 1.0 + 1e-4; /* deliberately wrong entry */
  return 0;
}
static int h_smooth(const gsl_vector *x, void *pp, gsl_matrix *H)
{
  size_t n = x->size;
  double ax, s;
  smooth_sums(x->data, n, &ax, &s);
  double e = exp(ax), u = 1 + s;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double xi = x->data[i], xj = x->data[j];
      double h = e * (fa[i] * fa[j] / u - 2 * (fa[i] * xj + fa[j] * xi) / (u * u) + 8 * xi * xj / (u * u * u) -
                      (i == j ? 2.0 / (u * u) : 0.0));
      gsl_matrix_set(H, i, j, h);
    }
  *gsl_matrix_ptr(H, 0, 0) += 6 * x->data[0] * x->data[1];
  *gsl_matrix_ptr(H, 0, 1) += 3 * x->data[0] * x->data[0];
  *gsl_matrix_ptr(H, 1, 0) += 3 * x->data[0] * x->data[0];
  if (pp) *gsl_matrix_ptr(H, 2, 3) += 1e-3;
  return 0;
}

static void fd_engine_is_accurate(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(21);
  gsl_vector *x = gsl_vector_alloc(4), *g = gsl_vector_alloc(4), *d = gsl_vector_alloc(4), *e = gsl_vector_alloc(4);
  gsl_matrix *H = gsl_matrix_alloc(4, 4), *D = gsl_matrix_alloc(4, 4), *E = gsl_matrix_alloc(4, 4);
  for (int trial = 0; trial < 10; trial++) {
    for (size_t i = 0; i < 4; i++) gsl_vector_set(x, i, gsl_ran_gaussian(r, trial < 5 ? 1.0 : 30.0));
    g_smooth(x, NULL, g);
    assert_int_equal(bm_fd_gradient(f_smooth, NULL, x, NULL, d, e), BM_SUCCESS);
    double gmax = fmax(gsl_vector_max(g), -gsl_vector_min(g));
    for (size_t i = 0; i < 4; i++) {
      double err = fabs(gsl_vector_get(d, i) - gsl_vector_get(g, i));
      assert_true(err <= 1e-10 * gmax);
      /* the error estimate is honest within a factor of 100 */
      assert_true(err <= 100 * gsl_vector_get(e, i) + 1e-14 * gmax);
    }
    h_smooth(x, NULL, H);
    double hmax = fmax(gsl_matrix_max(H), -gsl_matrix_min(H));
    assert_int_equal(bm_fd_hessian_from_gradient(g_smooth, NULL, x, NULL, D, E), BM_SUCCESS);
    tu_assert_matrix_close(D, H, 0, 1e-10 * hmax);
    assert_int_equal(bm_fd_hessian(f_smooth, NULL, x, NULL, D, NULL), BM_SUCCESS);
    tu_assert_matrix_close(D, H, 0, 1e-7 * hmax);
  }
  gsl_vector_free(x); gsl_vector_free(g); gsl_vector_free(d); gsl_vector_free(e);
  gsl_matrix_free(H); gsl_matrix_free(D); gsl_matrix_free(E);
  gsl_rng_free(r);
}

/* log(x) + log(1 - y): defined only on (0, inf) x (-inf, 1); evaluated next to
 * the boundary, the engine must shrink its step instead of failing. */
static int f_boundary(const gsl_vector *x, void *pp, double *f)
{
  (void)pp;
  double a = gsl_vector_get(x, 0), b = gsl_vector_get(x, 1);
  if (!(a > 0) || !(b < 1)) return 1;
  *f = log(a) + log1p(-b);
  return 0;
}

static void fd_engine_respects_domain(void **state)
{
  (void)state;
  double xs[2] = {1e-4, 1 - 1e-5}, ds[2];
  gsl_vector_view x = gsl_vector_view_array(xs, 2), d = gsl_vector_view_array(ds, 2);
  assert_int_equal(bm_fd_gradient(f_boundary, NULL, &x.vector, NULL, &d.vector, NULL), BM_SUCCESS);
  tu_assert_rel(ds[0], 1e4, 1e-9);
  tu_assert_rel(ds[1], -1e5, 1e-9);
  xs[0] = -1; /* undefined at x itself: BM_EDOM and NaN */
  assert_int_equal(bm_fd_gradient(f_boundary, NULL, &x.vector, NULL, &d.vector, NULL), BM_EDOM);
  assert_true(isnan(ds[0]) && isnan(ds[1]));
  xs[0] = NAN;
  assert_int_equal(bm_fd_gradient(f_boundary, NULL, &x.vector, NULL, &d.vector, NULL), BM_ENONFINITE);
  assert_int_equal(bm_fd_gradient(NULL, NULL, &x.vector, NULL, &d.vector, NULL), BM_EINVAL);
  gsl_vector_view d1 = gsl_vector_view_array(ds, 1);
  xs[0] = 1;
  assert_int_equal(bm_fd_gradient(f_boundary, NULL, &x.vector, NULL, &d1.vector, NULL), BM_EBADLEN);
}

static void checkers_pass_right_and_catch_wrong(void **state)
{
  (void)state;
  double xs[4] = {0.3, -1.2, 0.8, 0.5};
  gsl_vector_view x = gsl_vector_view_array(xs, 4);
  bm_check_result res;
  assert_int_equal(bm_check_gradient(f_smooth, g_smooth, NULL, &x.vector, NULL, &res), BM_SUCCESS);
  assert_true(res.passed);
  assert_true(res.worst_rel_err < 1e-9);
  assert_true(res.n_compared == 4 + 4);
  int wrong = 2;
  assert_int_equal(bm_check_gradient(f_smooth, g_smooth, &wrong, &x.vector, NULL, &res), BM_SUCCESS);
  assert_false(res.passed);
  assert_int_equal(res.worst_index, 2);
  assert_false(res.worst_is_direction);
  tu_assert_rel(res.worst_rel_err, 1e-4, 0.01);
  assert_int_equal(bm_check_hessian(f_smooth, g_smooth, h_smooth, NULL, &x.vector, NULL, &res), BM_SUCCESS);
  assert_true(res.passed);
  assert_int_equal(bm_check_hessian(f_smooth, NULL, h_smooth, NULL, &x.vector, NULL, &res), BM_SUCCESS);
  assert_true(res.worst_rel_err < 1e-6);
  assert_int_equal(bm_check_hessian(f_smooth, g_smooth, h_smooth, &wrong, &x.vector, NULL, &res), BM_SUCCESS);
  assert_false(res.passed);
  assert_int_equal(res.worst_index, 2 * 4 + 3);
  /* Taylor remainder: slope 2 when right, 1 when wrong, independent of steps */
  bm_taylor_result tr;
  assert_int_equal(bm_check_taylor(f_smooth, g_smooth, NULL, &x.vector, NULL, NULL, &tr), BM_SUCCESS);
  assert_true(tr.passed);
  assert_true(fabs(tr.slope - 2.0) < 0.1);
  assert_int_equal(bm_check_taylor(f_smooth, g_smooth, &wrong, &x.vector, NULL, NULL, &tr), BM_SUCCESS);
  assert_false(tr.passed);
  assert_true(fabs(tr.slope - 1.0) < 0.2);
  assert_int_equal(bm_check_taylor(f_smooth, NULL, NULL, &x.vector, NULL, NULL, &tr), BM_EINVAL);
}

/* ---------- allocation and output-shape validation ---------- */

/* bm_matrix_calloc: the shape asked for, every entry 0 (also in memory that a filled
 * matrix of the same size just released), an ordinary owning gsl_matrix that
 * gsl_matrix_free releases (the sanitizer build checks the release); zero sizes give a
 * freeable empty matrix; an overflowing size is NULL, not an abort. */
static void matrix_calloc_is_zeroed_and_gsl_freeable(void **state)
{
  (void)state;
  size_t shapes[][2] = {{1, 1}, {3, 5}, {64, 33}};
  for (size_t t = 0; t < 3; t++) {
    size_t n1 = shapes[t][0], n2 = shapes[t][1];
    gsl_matrix *F = bm_matrix_alloc(n1, n2);
    assert_non_null(F);
    gsl_matrix_set_all(F, 7.0);
    gsl_matrix_free(F);
    gsl_matrix *A = bm_matrix_calloc(n1, n2);
    assert_non_null(A);
    assert_true(A->size1 == n1 && A->size2 == n2 && A->tda >= n2 && A->owner == 1);
    assert_true(A->block != NULL && A->block->size >= n1 * n2 && A->data == A->block->data);
    for (size_t i = 0; i < n1; i++)
      for (size_t j = 0; j < n2; j++) assert_true(gsl_matrix_get(A, i, j) == 0.0);
    assert_true(gsl_matrix_isnull(A));
    gsl_matrix_set(A, n1 - 1, n2 - 1, 2.5); /* writable to the last entry */
    assert_true(gsl_matrix_max(A) == 2.5);
    gsl_matrix_free(A);
  }
  gsl_matrix *E = bm_matrix_calloc(0, 4), *E2 = bm_matrix_calloc(4, 0);
  assert_non_null(E);
  assert_non_null(E2);
  assert_true(E->size1 == 0 && E->size2 == 4 && E2->size1 == 4 && E2->size2 == 0);
  gsl_matrix_free(E);
  bm_matrix_free(E2);
  assert_null(bm_matrix_calloc(SIZE_MAX / 2, 3));
}

/* bm_validate_length / bm_validate_shape check only NULL and size (they vet outputs):
 * NaN, Inf and asymmetric contents pass. */
static void validate_length_and_shape(void **state)
{
  (void)state;
  gsl_vector *v = gsl_vector_alloc(3);
  gsl_matrix *A = gsl_matrix_alloc(2, 3);
  gsl_vector_set_all(v, NAN);
  gsl_matrix_set_all(A, INFINITY);
  gsl_matrix_set(A, 0, 1, NAN);
  assert_int_equal(bm_validate_length(NULL, 3), BM_EINVAL);
  assert_int_equal(bm_validate_length(NULL, 0), BM_EINVAL);
  assert_int_equal(bm_validate_length(v, 3), BM_SUCCESS);
  assert_int_equal(bm_validate_length(v, 2), BM_EBADLEN);
  assert_int_equal(bm_validate_length(v, 4), BM_EBADLEN);
  assert_int_equal(bm_validate_vector(v, 3), BM_ENONFINITE); /* the content check lives elsewhere */
  assert_int_equal(bm_validate_shape(NULL, 2, 3), BM_EINVAL);
  assert_int_equal(bm_validate_shape(A, 2, 3), BM_SUCCESS);
  assert_int_equal(bm_validate_shape(A, 3, 2), BM_EBADLEN);
  assert_int_equal(bm_validate_shape(A, 2, 2), BM_EBADLEN);
  assert_int_equal(bm_validate_shape(A, 1, 3), BM_EBADLEN);
  assert_int_equal(bm_validate_matrix(A, 2, 3), BM_ENONFINITE);
  gsl_matrix_const_view sub = gsl_matrix_const_submatrix(A, 0, 1, 2, 2); /* tda != size2 */
  assert_int_equal(bm_validate_shape(&sub.matrix, 2, 2), BM_SUCCESS);
  gsl_vector_free(v);
  gsl_matrix_free(A);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(strerror_names_every_status),
    cmocka_unit_test(specfun_matches_mpmath),
    cmocka_unit_test(lmvgamma_is_sum_of_lgamma),
    cmocka_unit_test(mvdigamma_trigamma_are_derivatives),
    cmocka_unit_test(specfun_domain),
    cmocka_unit_test(validate_order_and_codes),
    cmocka_unit_test(chol_matches_lu),
    cmocka_unit_test(chol_bad_inputs),
    cmocka_unit_test(lower_multiply_is_placement_independent),
    cmocka_unit_test(vech_operators_match_dense),
    cmocka_unit_test(sym_gradient_conversion),
    cmocka_unit_test(vech_bad_inputs),
    cmocka_unit_test(bartlett_moments),
    cmocka_unit_test(fd_engine_is_accurate),
    cmocka_unit_test(fd_engine_respects_domain),
    cmocka_unit_test(checkers_pass_right_and_catch_wrong),
      cmocka_unit_test(matrix_calloc_is_zeroed_and_gsl_freeable),
      cmocka_unit_test(validate_length_and_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
