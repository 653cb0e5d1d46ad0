/* Tests of bm_kn_syrk_t and bm_kn_syrk_n (src/syrk_t.c), the lower triangle
 * of C <- alpha A^T A + beta C (A k x p) or alpha A A^T + beta C (A p x k),
 * on every path (the AVX2+FMA kernel where the CPU has it, and the generic
 * split-OpenBLAS route forced), against CBLAS's dsyrk on the same input.
 * Tolerance: 1e-14 relative to |alpha| sum_k |a_ki a_kj| + |beta c_ij| per
 * entry (the sums' order differs, so equality is to rounding). p = 1 .. 130
 * covers every edge of the 4 x 8 tiles and 8-column panels and the bound
 * BM_KN_MAX (129, 130 beyond); k = 0, 1, 7 at every p, 300 and 1000 at
 * some: an empty update, one row, several packed chunks; a tight and a wider lda;
 * beta 0 (old C ignored, even NaN) and 1; the strict upper triangle must keep
 * its sentinel; NaN and inf in A must reach C.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "testutil.h"
#include "kernels.h"
#include "small_linalg.h"

#define RTOL 1e-14
#define SENTINEL 12345.0

static int paths[2];
static int npaths;

static void set_paths(void)
{
  npaths = 0;
  paths[npaths++] = BM_KN_SYRK_GENERIC;
  bm_kn_syrk_force_path(BM_KN_SYRK_AUTO);
  if (bm_kn_syrk_path() >= BM_KN_SYRK_AVX2) paths[npaths++] = BM_KN_SYRK_AVX2;
}

/* element (q, i) of op(A) = A (k x p, lda) or, nt, A^T (A p x k, lda) */
#define OPA(q, i) (nt ? A[(i) * lda + (q)] : A[(q) * lda + (i)])

/* one case: op(A) k x p (lda), C p x p (ldc = p + 3), against cblas_dsyrk */
static void check_case(gsl_rng *r, int nt, size_t p, size_t k, size_t lda, double alpha, double beta, int path)
{
  size_t ldc = p + 3;
  size_t rows = nt ? p : k; /* A's rows */
  double *A = malloc((rows * lda + 1) * sizeof(double));
  double *C0 = malloc(p * ldc * sizeof(double)), *C = malloc(p * ldc * sizeof(double));
  double *B = malloc(p * ldc * sizeof(double)); /* the bound |alpha| |A|^T |A| + |beta| |C0| */
  for (size_t i = 0; i < rows * lda + 1; i++) A[i] = 2.0 * gsl_rng_uniform(r) - 1.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < ldc; j++)
      C0[i * ldc + j] = j <= i ? 2.0 * gsl_rng_uniform(r) - 1.0 : SENTINEL;
  if (beta == 0.0)
    for (size_t i = 0; i < p; i++) C0[i * ldc + i / 2] = NAN; /* must be ignored */
  memcpy(C, C0, p * ldc * sizeof(double));
  double *R = malloc(p * ldc * sizeof(double));
  memcpy(R, C0, p * ldc * sizeof(double));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0.0;
      for (size_t q = 0; q < k; q++) s += fabs(OPA(q, i) * OPA(q, j));
      B[i * ldc + j] = fabs(alpha) * s + (beta == 0.0 ? 0.0 : fabs(beta * C0[i * ldc + j]));
    }
  cblas_dsyrk(CblasRowMajor, CblasLower, nt ? CblasNoTrans : CblasTrans, (int)p, (int)k, alpha, A, (int)lda, beta,
              R, (int)ldc);
  bm_kn_syrk_force_path(path);
  if (nt)
    bm_kn_syrk_n(p, k, alpha, A, lda, beta, C, ldc);
  else
    bm_kn_syrk_t(p, k, alpha, A, lda, beta, C, ldc);
  bm_kn_syrk_force_path(BM_KN_SYRK_AUTO);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < ldc; j++) {
      double c = C[i * ldc + j];
      if (j > i) {
        if (!(c == SENTINEL)) {
          print_error("path %d p %zu k %zu: upper (%zu, %zu) written: %g\n", path, p, k, i, j, c);
          fail();
        }
        continue;
      }
      double d = fabs(c - R[i * ldc + j]);
      if (!(d <= RTOL * B[i * ldc + j] + 1e-300)) {
        print_error("nt %d path %d p %zu k %zu lda %zu beta %g: (%zu, %zu) %.17g vs %.17g (bound %.3g)\n", nt, path, p, k,
                    lda, beta, i, j, c, R[i * ldc + j], B[i * ldc + j]);
        fail();
      }
    }
  free(A), free(C0), free(C), free(B), free(R);
}

static void test_against_cblas(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(7);
  set_paths();
  static const size_t ks[] = {0, 1, 7, 300, 1000};
  for (int ip = 0; ip < npaths; ip++)
    for (size_t p = 1; p <= 130; p++)
      for (size_t ik = 0; ik < 5; ik++) {
        size_t k = ks[ik];
        /* the long k (several packed chunks: a chunk holds at most 4096 / p rows)
         * only at a few p: its reference is slow under valgrind */
        if (k == 300 && !(p % 16 == 5 || p == 64 || p == 100 || p >= 127)) continue;
        if (k == 1000 && !(p == 5 || p == 8)) continue;
        for (int nt = 0; nt < 2; nt++) {
          size_t ld = nt ? k : p; /* the tight leading dimension, then a wider one */
          check_case(r, nt, p, k, ld < 1 ? 1 : ld, 1.0, 0.0, paths[ip]);
          check_case(r, nt, p, k, ld + 5, 0.5, 1.0, paths[ip]);
        }
      }
  gsl_rng_free(r);
}

/* a NaN or an inf in A reaches exactly the entries of its row and column of A^T A */
static void test_nonfinite(void **state)
{
  (void)state;
  set_paths();
  static const size_t ps[] = {3, 9, 20, 100, 128};
  for (int ip = 0; ip < npaths; ip++)
    for (size_t ipp = 0; ipp < 5; ipp++)
      for (int kind = 0; kind < 4; kind++) {
        int nt = kind / 2; /* A p x k for bm_kn_syrk_n */
        size_t p = ps[ipp], k = 50, col = p / 2, row = 31, lda = (nt ? k : p) + 1;
        double *A = malloc((nt ? p : k) * lda * sizeof(double)), *C = malloc(p * p * sizeof(double));
        for (size_t i = 0; i < (nt ? p : k) * lda; i++) A[i] = 1.0;
        A[nt ? col * lda + row : row * lda + col] = kind % 2 ? INFINITY : NAN;
        for (size_t i = 0; i < p * p; i++) C[i] = 0.0;
        bm_kn_syrk_force_path(paths[ip]);
        if (nt)
          bm_kn_syrk_n(p, k, 1.0, A, lda, 1.0, C, p);
        else
          bm_kn_syrk_t(p, k, 1.0, A, lda, 1.0, C, p);
        bm_kn_syrk_force_path(BM_KN_SYRK_AUTO);
        for (size_t i = 0; i < p; i++)
          for (size_t j = 0; j <= i; j++) {
            double c = C[i * p + j];
            if (i == col || j == col) {
              if (kind % 2 ? !(c == INFINITY) : !isnan(c)) {
                print_error("nt %d path %d p %zu: (%zu, %zu) = %g, not %s\n", nt, paths[ip], p, i, j, c,
                            kind % 2 ? "inf" : "NaN");
                fail();
              }
            } else
              assert_true(c == (double)k);
          }
        free(A), free(C);
      }
}

/* the forced generic path is the split OpenBLAS route, so bm_kn_syrk_path reports the cap */
static void test_force(void **state)
{
  (void)state;
  bm_kn_syrk_force_path(BM_KN_SYRK_GENERIC);
  assert_int_equal(bm_kn_syrk_path(), BM_KN_SYRK_GENERIC);
  bm_kn_syrk_force_path(BM_KN_SYRK_AUTO);
  assert_true(bm_kn_syrk_path() >= BM_KN_SYRK_GENERIC);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_against_cblas),
    cmocka_unit_test(test_nonfinite),
    cmocka_unit_test(test_force),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
