/* Tests of the blocked single-thread kernels (src/kernels.c) and of the
 * paths that use them (bm_chol_factor, bm_chol_inverse, the vector families'
 * sandwich) against LAPACK/CBLAS on the same input: the same quantities
 * computed by OpenBLAS, so the two must agree to rounding. Tolerance: 1e-14
 * relative to the largest reference entry for well-conditioned inputs
 * (condition number 10); the order of the sums differs (blocked against
 * OpenBLAS's own blocking), so equality is to rounding, not bitwise.
 * Dimensions around the block sizes and OpenBLAS's threading bounds (32,
 * 33, 64, 65), the bench's p = 20 and 100, the bound 128, and 129 / 150
 * beyond (the LAPACK path).
 * Range edges: entries near DBL_MAX / DBL_MIN scales, a subnormal pivot in
 * a solve, NaN, a non-positive-definite leading minor.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include <gsl/gsl_cblas.h>
#include "testutil.h"
#include "kernels.h"
#include "small_linalg.h"

/* distributions/vector_common.h (a private header of the layer above the
 * core; the tests see only the core's private headers) */
int bm_vc_sandwich(const gsl_matrix *L, double *G, size_t tda, int trans, double *work);
size_t bm_vc_sandwich_work(size_t p);

#define RTOL 1e-14

static const size_t dims[] = {1, 2, 17, 20, 32, 33, 64, 65, 100, 128};
#define NDIMS (sizeof dims / sizeof dims[0])

static double max_abs(const double *A, size_t rows, size_t cols, size_t ld)
{
  double m = 0.0;
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++) m = fmax(m, fabs(A[i * ld + j]));
  return m;
}

/* max |A - B| <= RTOL * scale over the (lower: j <= i) entries */
static void assert_close(const double *A, const double *B, size_t rows, size_t cols, size_t ld, int lower,
                         double scale, const char *what, size_t p)
{
  double worst = 0.0;
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < (lower ? i + 1 : cols); j++) {
      double d = fabs(A[i * ld + j] - B[i * ld + j]);
      if (!(d <= worst)) worst = d; /* NaN too */
    }
  if (!(worst <= RTOL * scale)) {
    print_error("p = %zu, %s: max diff %.3e, scale %.3e\n", p, what, worst, scale);
    fail();
  }
}

static double *spd(gsl_rng *r, size_t p, double scale)
{
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  tu_random_spd(r, 10.0, 1.0, S);
  double *A = malloc(p * p * sizeof(double));
  for (size_t i = 0; i < p * p; i++) A[i] = scale * S->data[i];
  gsl_matrix_free(S);
  return A;
}

static double *lapack_chol(const double *A, size_t p)
{
  double *L = malloc(p * p * sizeof(double));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) L[i * p + j] = j <= i ? A[i * p + j] : 0.0;
  assert_int_equal(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, L, (int)p), 0);
  return L;
}

static double *random_block(gsl_rng *r, size_t rows, size_t cols, double scale)
{
  double *B = malloc((rows * cols + 1) * sizeof(double));
  for (size_t i = 0; i < rows * cols; i++) B[i] = scale * (2.0 * gsl_rng_uniform(r) - 1.0);
  return B;
}

static void chol_one(gsl_rng *r, size_t p, double scale)
{
  double *A = spd(r, p, scale), *L = lapack_chol(A, p), *K = malloc(p * p * sizeof(double));
  memcpy(K, A, p * p * sizeof(double));
  for (size_t i = 0; i < p; i++)
    for (size_t j = i + 1; j < p; j++) K[i * p + j] = -7.0; /* must stay untouched */
  assert_int_equal(bm_kn_chol(K, p, p), 0);
  assert_close(K, L, p, p, p, 1, max_abs(L, p, p, p), "bm_kn_chol", p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = i + 1; j < p; j++) assert_true(K[i * p + j] == -7.0);
  /* through the public entry point, and the inverse */
  gsl_matrix_view Av = gsl_matrix_view_array(A, p, p);
  gsl_matrix *F = gsl_matrix_alloc(p, p), *Inv = gsl_matrix_alloc(p, p);
  assert_int_equal(bm_chol_factor(&Av.matrix, F, NULL), BM_SUCCESS);
  assert_close(F->data, L, p, p, p, 1, max_abs(L, p, p, p), "bm_chol_factor", p);
  assert_int_equal(bm_chol_inverse(F, Inv), BM_SUCCESS);
  double *R = malloc(p * p * sizeof(double));
  memcpy(R, L, p * p * sizeof(double));
  assert_int_equal(LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (int)p, R, (int)p), 0);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) R[j * p + i] = R[i * p + j];
  assert_close(Inv->data, R, p, p, p, 0, max_abs(R, p, p, p), "bm_chol_inverse", p);
  gsl_matrix_free(F);
  gsl_matrix_free(Inv);
  free(R);
  free(A);
  free(L);
  free(K);
}

static void test_chol(void **state)
{
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 11);
  for (size_t k = 0; k < NDIMS; k++) chol_one(r, dims[k], 1.0);
  /* range edges: the factor scales with sqrt(scale) */
  chol_one(r, 40, 1e300);
  chol_one(r, 40, 1e-300);
  chol_one(r, 129, 1.0);
  gsl_rng_free(r);
}

/* a leading minor that is not positive definite, and a NaN, fail at the
 * same pivot as LAPACK (NaN: the pivot of its row at the latest) */
static void test_chol_fail(void **state)
{
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 12);
  size_t p = 100;
  for (size_t bad = 0; bad < p; bad += 17) {
    double *A = spd(r, p, 1.0);
    A[bad * p + bad] = -1.0;
    double *K = malloc(p * p * sizeof(double));
    memcpy(K, A, p * p * sizeof(double));
    int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, A, (int)p);
    assert_int_equal(bm_kn_chol(K, p, p), (size_t)info);
    assert_int_equal((size_t)info, bad + 1);
    free(A);
    A = spd(r, p, 1.0);
    memcpy(K, A, p * p * sizeof(double));
    K[(bad + 3) * p + bad] = NAN;
    size_t k = bm_kn_chol(K, p, p);
    assert_true(k >= 1 && k <= bad + 4);
    free(A);
    free(K);
  }
  gsl_rng_free(r);
}

/* plain substitutions dividing by each pivot: the reference where OpenBLAS
 * (which multiplies by the pivots' reciprocals) overflows on a subnormal one */
static void ref_left(int trans, size_t p, size_t m, const double *L, double *B)
{
  for (size_t u = 0; u < p; u++) {
    size_t i = trans ? p - 1 - u : u;
    for (size_t c = 0; c < m; c++) {
      double s = B[i * m + c];
      if (!trans)
        for (size_t k = 0; k < i; k++) s -= L[i * p + k] * B[k * m + c];
      else
        for (size_t k = i + 1; k < p; k++) s -= L[k * p + i] * B[k * m + c];
      B[i * m + c] = s / L[i * p + i];
    }
  }
}

static void ref_rows(size_t n, size_t p, const double *L, double *X)
{
  for (size_t r = 0; r < n; r++)
    for (size_t i = 0; i < p; i++) {
      double s = X[r * p + i];
      for (size_t k = 0; k < i; k++) s -= L[i * p + k] * X[r * p + k];
      X[r * p + i] = s / L[i * p + i];
    }
}

static int own_ref;

static void trsm_one(gsl_rng *r, size_t p, size_t m, const double *L, double bscale)
{
  double *B = random_block(r, p, m, bscale), *R = malloc((p * m + 1) * sizeof(double));
  for (int t = 0; t < 2; t++) {
    enum CBLAS_TRANSPOSE tr = t ? CblasTrans : CblasNoTrans;
    memcpy(R, B, p * m * sizeof(double));
    if (own_ref)
      ref_left(t, p, m, L, R);
    else
      cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, tr, CblasNonUnit, (int)p, (int)m, 1.0, L, (int)p, R, (int)m);
    double *K = malloc((p * m + 1) * sizeof(double));
    memcpy(K, B, p * m * sizeof(double));
    bm_kn_trsm_left(tr, p, m, L, p, K, m);
    assert_close(K, R, p, m, m, 0, max_abs(R, p, m, m), t ? "trsm_left T" : "trsm_left N", p);
    free(K);
  }
  /* rows: X (m x p) L^{-T} */
  double *X = random_block(r, m, p, bscale), *Y = malloc((p * m + 1) * sizeof(double));
  memcpy(Y, X, p * m * sizeof(double));
  if (own_ref)
    ref_rows(m, p, L, Y);
  else
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)m, (int)p, 1.0, L, (int)p, Y,
                (int)p);
  bm_kn_trsm_right_lt(m, p, L, p, X, p);
  assert_close(X, Y, m, p, p, 0, max_abs(Y, m, p, p), "trsm_right_lt", p);
  /* rows: X L^{-1} */
  double *X2 = random_block(r, m, p, bscale), *Y2 = malloc((p * m + 1) * sizeof(double));
  memcpy(Y2, X2, p * m * sizeof(double));
  if (own_ref) /* z L = x: z_j = (x_j - sum_{i > j} z_i l_ij) / l_jj */
    for (size_t u = 0; u < m; u++)
      for (size_t j = p; j-- > 0;) {
        double s = Y2[u * p + j];
        for (size_t i = j + 1; i < p; i++) s -= Y2[u * p + i] * L[i * p + j];
        Y2[u * p + j] = s / L[j * p + j];
      }
  else
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)m, (int)p, 1.0, L, (int)p,
                Y2, (int)p);
  bm_kn_trsm_right_ln(m, p, L, p, X2, p);
  assert_close(X2, Y2, m, p, p, 0, max_abs(Y2, m, p, p), "trsm_right_ln", p);
  free(X2);
  free(Y2);
  free(B);
  free(R);
  free(X);
  free(Y);
}

static void test_trsm(void **state)
{
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 13);
  static const size_t ms[] = {1, 7, 65, 200};
  for (size_t k = 0; k < NDIMS; k++) {
    size_t p = dims[k];
    double *A = spd(r, p, 1.0), *L = lapack_chol(A, p);
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) trsm_one(r, p, ms[i], L, 1.0);
    free(A);
    free(L);
  }
  /* range edges: huge and tiny right-hand sides; a factor with a subnormal
   * pivot (its reciprocal overflows: the kernels divide) */
  size_t p = 70;
  double *A = spd(r, p, 1.0), *L = lapack_chol(A, p);
  trsm_one(r, p, 33, L, 1e300);
  trsm_one(r, p, 33, L, 1e-300);
  for (size_t j = 0; j < p; j++) L[40 * p + j] *= 1e-308 / L[40 * p + 40] * (j == 40 ? 0.5 : 1e-10);
  own_ref = 1;
  trsm_one(r, p, 33, L, 1e-300);
  own_ref = 0;
  free(A);
  free(L);
  gsl_rng_free(r);
}

/* bm_sl_solve_lower_tri: L^{-1} B for a lower-triangular B (and L^{-1}
 * itself from B = I) against the full solve of OpenBLAS's dtrsm (the plain
 * substitution of ref_left where a pivot is subnormal); B's strict upper
 * triangle must stay untouched. */
static void tri_one(gsl_rng *r, size_t p, const double *L, int identity)
{
  double *B = random_block(r, p, p, 1.0), *R = malloc(p * p * sizeof(double));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      if (identity && j <= i) B[i * p + j] = i == j ? 1.0 : 0.0;
      R[i * p + j] = j <= i ? B[i * p + j] : 0.0;
      if (j > i) B[i * p + j] = -7.0;
    }
  if (own_ref)
    ref_left(0, p, p, L, R);
  else
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, L, (int)p, R,
                (int)p);
  bm_sl_solve_lower_tri(L, p, B, p, p);
  assert_close(B, R, p, p, p, 1, max_abs(R, p, p, p), identity ? "solve_lower_tri I" : "solve_lower_tri", p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = i + 1; j < p; j++) assert_true(B[i * p + j] == -7.0);
  free(B);
  free(R);
}

/* bm_sl_lower_gram2 against the two products by CBLAS (dtrmm of T^T on T) */
static void gram2_one(gsl_rng *r, size_t p)
{
  double *T = random_block(r, p, p, 1.0), *U = random_block(r, p, p, 1.0), *R = malloc(p * p * sizeof(double)),
         *S = malloc(p * p * sizeof(double));
  for (size_t i = 0; i < p; i++)
    for (size_t j = i + 1; j < p; j++) T[i * p + j] = U[i * p + j] = -7.0; /* not read */
  for (size_t i = 0; i < p * p; i++) {
    R[i] = (i % p) <= (i / p) ? T[i] : 0.0;
    S[i] = (i % p) <= (i / p) ? U[i] : 0.0;
  }
  double *RR = malloc(p * p * sizeof(double)), *SS = malloc(p * p * sizeof(double));
  memcpy(RR, R, p * p * sizeof(double));
  memcpy(SS, S, p * p * sizeof(double));
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)p, (int)p, 2.5, R, (int)p, RR,
              (int)p); /* 2.5 T^T T */
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)p, (int)p, -1.5, S, (int)p, SS,
              (int)p); /* -1.5 U^T U */
  for (size_t i = 0; i < p * p; i++) RR[i] += SS[i];
  bm_sl_lower_gram2(T, 2.5, U, -1.5, p, p);
  assert_close(T, RR, p, p, p, 1, max_abs(RR, p, p, p), "lower_gram2", p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = i + 1; j < p; j++) assert_true(T[i * p + j] == -7.0);
  free(T);
  free(U);
  free(R);
  free(S);
  free(RR);
  free(SS);
}

/* and the fused Gram product of two triangles */
static void test_solve_lower_tri(void **state)
{
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 15);
  for (size_t k = 0; k < NDIMS; k++) {
    size_t p = dims[k];
    double *A = spd(r, p, 1.0), *L = lapack_chol(A, p);
    tri_one(r, p, L, 0);
    tri_one(r, p, L, 1);
    gram2_one(r, p);
    free(A);
    free(L);
  }
  size_t p = 70; /* a subnormal pivot: the kernel divides (as the reference) */
  double *A = spd(r, p, 1.0), *L = lapack_chol(A, p);
  for (size_t j = 0; j < p; j++) L[40 * p + j] *= 1e-308 / L[40 * p + 40] * (j == 40 ? 0.5 : 1e-10);
  own_ref = 1;
  tri_one(r, p, L, 0);
  own_ref = 0;
  free(A);
  free(L);
  gsl_rng_free(r);
}

static void test_syrk_gemm(void **state)
{
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 14);
  static const size_t ks[] = {0, 1, 33, 300};
  for (size_t d = 0; d < NDIMS; d++) {
    size_t p = dims[d];
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
      size_t k = ks[i];
      double *A = random_block(r, p, k, 1.0);
      for (int t = 0; t < 2; t++)
        for (int b = 0; b < 2; b++) {
          double beta = b ? 0.5 : 0.0;
          double *C = random_block(r, p, p, 1.0), *R = malloc(p * p * sizeof(double));
          if (!b) C[p * p - 1] = NAN; /* beta == 0: old values ignored */
          memcpy(R, C, p * p * sizeof(double));
          enum CBLAS_TRANSPOSE tr = t ? CblasTrans : CblasNoTrans;
          size_t lda = t ? p : k;
          if (k) /* A is p x k (k x p transposed): the same buffer read both ways */
            cblas_dsyrk(CblasRowMajor, CblasLower, tr, (int)p, (int)k, 1.5, A, (int)(lda ? lda : 1), beta, R, (int)p);
          else
            for (size_t u = 0; u < p; u++)
              for (size_t v = 0; v <= u; v++) R[u * p + v] = b ? beta * R[u * p + v] : 0.0;
          bm_kn_syrk(tr, p, k, 1.5, A, lda ? lda : 1, beta, C, p);
          assert_close(C, R, p, p, p, 1, max_abs(R, p, p, p) + 1e-300, "bm_kn_syrk", p);
          for (size_t u = 0; u < p; u++) /* strict upper untouched */
            for (size_t v = u + 1; v < p; v++) assert_true(C[u * p + v] == R[u * p + v] || isnan(R[u * p + v]));
          free(C);
          free(R);
        }
      free(A);
    }
  }
  /* the split dgemm, every transposition, shapes beyond the bound */
  size_t m = 150, n = 130, k = 140;
  double *A = random_block(r, m, k, 1.0), *B = random_block(r, k, n, 1.0);
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++) {
      double *C = random_block(r, m, n, 1.0), *R = malloc(m * n * sizeof(double));
      memcpy(R, C, m * n * sizeof(double));
      enum CBLAS_TRANSPOSE a = ta ? CblasTrans : CblasNoTrans, b = tb ? CblasTrans : CblasNoTrans;
      size_t lda = ta ? m : k, ldb = tb ? k : n;
      cblas_dgemm(CblasRowMajor, a, b, (int)m, (int)n, (int)k, -0.5, A, (int)lda, B, (int)ldb, 2.0, R, (int)n);
      bm_kn_gemm(a, b, m, n, k, -0.5, A, lda, B, ldb, 2.0, C, n);
      assert_close(C, R, m, n, n, 0, max_abs(R, m, n, n), "bm_kn_gemm", m);
      free(C);
      free(R);
    }
  free(A);
  free(B);
  gsl_rng_free(r);
}

/* L^{-1} G L^{-T} and L^{-T} G L^{-1}, below and beyond the kernels' bound
 * (dsygst), against two dtrsm */
static void test_sandwich(void **state)
{
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 15);
  static const size_t ps[] = {3, 20, 100, 129, 150};
  for (size_t d = 0; d < sizeof ps / sizeof ps[0]; d++) {
    size_t p = ps[d];
    double *A = spd(r, p, 1.0), *Lr = lapack_chol(A, p), *G0 = spd(r, p, 3.0);
    gsl_matrix_view Lv = gsl_matrix_view_array(Lr, p, p);
    double *work = malloc(bm_vc_sandwich_work(p) * sizeof(double)), *G = malloc(p * p * sizeof(double)),
           *R = malloc(p * p * sizeof(double));
    for (int t = 0; t < 2; t++) {
      memcpy(G, G0, p * p * sizeof(double));
      memcpy(R, G0, p * p * sizeof(double));
      enum CBLAS_TRANSPOSE tr = t ? CblasTrans : CblasNoTrans, other = t ? CblasNoTrans : CblasTrans;
      cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, tr, CblasNonUnit, (int)p, (int)p, 1.0, Lr, (int)p, R, (int)p);
      cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, other, CblasNonUnit, (int)p, (int)p, 1.0, Lr, (int)p, R,
                  (int)p);
      assert_int_equal(bm_vc_sandwich(&Lv.matrix, G, p, t, work), BM_SUCCESS);
      double scale = max_abs(R, p, p, p);
      assert_close(G, R, p, p, p, 0, 4.0 * scale, t ? "sandwich T" : "sandwich N", p);
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < i; j++) assert_true(G[i * p + j] == G[j * p + i]);
    }
    free(A);
    free(Lr);
    free(G0);
    free(work);
    free(G);
    free(R);
  }
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chol),       cmocka_unit_test(test_chol_fail), cmocka_unit_test(test_trsm), cmocka_unit_test(test_solve_lower_tri),
      cmocka_unit_test(test_syrk_gemm), cmocka_unit_test(test_sandwich),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
