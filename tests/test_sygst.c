/* Tests of the symmetric sandwich kernel bm_kn_sygst (src/sygst.c), of
 * bm_vc_sandwich on each of its paths, and of the fused centring scatter
 * bm_kn_syrk_t_centred (src/syrk_t.c), each on every dispatch path this CPU
 * has (the plain C tiles on every CPU, AVX2+FMA where present):
 * - bm_kn_sygst against LAPACK's dsygst (itype 1) for p = 1 .. 40 and the
 *   edges of later 16-column blocks to 128, 257 and 513 (beyond the
 *   bound: declined), with
 *   a well-conditioned factor and one whose diagonal spans 1e-3 .. 1; the
 *   bound is 4e-13 of the largest |entry| of the result (well conditioned),
 *   1e-13 times the diagonal ratio (1e3) otherwise: the two algorithms
 *   round differently (measured: ~1e-15 of the largest entry);
 * - bm_vc_sandwich, L^{-1} G L^{-T} and L^{-T} G L^{-1}, against two dtrsm
 *   on the generic, portable and AVX2 paths; the result exactly symmetric;
 * - a subnormal pivot: the kernel declines (G untouched), NaN / inf reach
 *   the result;
 * - bm_kn_syrk_t_centred against centring + dsyrk, its column sums equal to
 *   the sequential sums bit for bit, a non-finite entry reported;
 * - the mvn gradient on every combination of forced paths against
 *   (Sigma^{-1} S Sigma^{-1} - n Sigma^{-1}) / 2 formed by LAPACK/BLAS.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <lapacke.h>
#include "testutil.h"
#include "kernels.h"
#include "bayesmat/mvn.h"

/* distributions/vector_common.h (a private header of the layer above the core) */
int bm_vc_sandwich(const gsl_matrix *L, double *G, size_t tda, int trans, double *work);
size_t bm_vc_sandwich_work(size_t p);

#define RTOL 1e-13

static int sg_paths[3], n_sg;

static void set_paths(void)
{
  n_sg = 0;
  sg_paths[n_sg++] = BM_KN_SG_PORTABLE;
  bm_kn_sygst_force_path(BM_KN_SG_AUTO);
  if (bm_kn_sygst_path() == BM_KN_SG_AVX2) sg_paths[n_sg++] = BM_KN_SG_AVX2;
}

/* L (p x p, ld p, zero above): diagonal from lo to 1, off-diagonal small */
static double *factor(gsl_rng *r, size_t p, double lo)
{
  double *L = calloc(p * p, sizeof(double));
  for (size_t i = 0; i < p; i++) {
    for (size_t j = 0; j < i; j++) L[i * p + j] = 0.3 * (2.0 * gsl_rng_uniform(r) - 1.0) / sqrt((double)p);
    L[i * p + i] = p > 1 ? lo + (1.0 - lo) * (double)((i * 7) % p) / (double)(p - 1) : 1.0;
  }
  return L;
}

/* G (p x p, ld ldg, symmetric, both triangles) with entries in [-1, 1] */
static double *sym(gsl_rng *r, size_t p, size_t ldg)
{
  double *G = malloc(p * ldg * sizeof(double));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < ldg; j++) G[i * ldg + j] = 99.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) G[i * ldg + j] = G[j * ldg + i] = 2.0 * gsl_rng_uniform(r) - 1.0;
  return G;
}

static double max_abs_lower(const double *A, size_t p, size_t ld)
{
  double m = 0.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) m = fmax(m, fabs(A[i * ld + j]));
  return m;
}

static void check_lower(const double *A, const double *R, size_t p, size_t ld, double tol, const char *what, int path)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double d = fabs(A[i * ld + j] - R[i * ld + j]);
      if (!(d <= tol)) {
        print_error("%s path %d p %zu: (%zu, %zu) %.17g vs %.17g (tol %.3g)\n", what, path, p, i, j, A[i * ld + j],
                    R[i * ld + j], tol);
        fail();
      }
    }
}

static void test_sygst_vs_lapack(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(21);
  set_paths();
  /* every p to 40 (the block edges 16 and 32, every tile edge), then the
   * edges of later blocks, beyond 128, and beyond the bound (declined) */
  static const size_t more[] = {47, 48, 49, 63, 64, 65, 79, 97, 111, 112, 113, 127, 128, 257, 513};
  for (size_t ib = 0; ib < 40 + sizeof more / sizeof more[0]; ib++)
    for (int cond = 0; cond < 2; cond++) {
      size_t p = ib < 40 ? ib + 1 : more[ib - 40];
      if (cond && p % 7 != 3 && p != 128) continue; /* the ill-conditioned factor at some p */
      double lo = cond ? 1e-3 : 0.5, ratio = 1.0 / lo;
      size_t ldg = p + 3;
      double *L = factor(r, p, lo), *G0 = sym(r, p, ldg), *R = malloc(p * ldg * sizeof(double)),
             *G = malloc(p * ldg * sizeof(double)), *work = malloc((bm_kn_sygst_work(p) + 1) * sizeof(double));
      memcpy(R, G0, p * ldg * sizeof(double));
      /* the row-major lower triangles are LAPACK's column-major upper ones */
      assert_int_equal(LAPACKE_dsygst_work(LAPACK_COL_MAJOR, 1, 'U', (int)p, R, (int)ldg, L, (int)p), 0);
      double tol = RTOL * max_abs_lower(R, p, ldg) * (cond ? ratio : 4.0);
      for (int ip = 0; ip < n_sg; ip++) {
        memcpy(G, G0, p * ldg * sizeof(double));
        bm_kn_sygst_force_path(sg_paths[ip]);
        int rc = bm_kn_sygst(p, L, p, G, ldg, work);
        bm_kn_sygst_force_path(BM_KN_SG_AUTO);
        if (p > BM_KN_SCATTER_MAX) { /* declined, G untouched */
          assert_int_equal(rc, 1);
          assert_memory_equal(G, G0, p * ldg * sizeof(double));
          continue;
        }
        assert_int_equal(rc, 0);
        check_lower(G, R, p, ldg, tol, cond ? "sygst (cond)" : "sygst", sg_paths[ip]);
        for (size_t i = 0; i < p; i++) /* the padding beyond column p never written */
          for (size_t j = p; j < ldg; j++) assert_true(G[i * ldg + j] == 99.0);
      }
      free(L), free(G0), free(R), free(G), free(work);
    }
  gsl_rng_free(r);
}

/* bm_vc_sandwich on every path (generic = two solves) against two dtrsm */
static void test_sandwich_paths(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(22);
  set_paths();
  int paths[4] = {BM_KN_SG_GENERIC}, np = 1;
  for (int i = 0; i < n_sg; i++) paths[np++] = sg_paths[i];
  static const size_t ps[] = {5, 16, 17, 18, 31, 33, 47, 64, 65, 97, 100, 113, 127, 128, 129};
  for (size_t d = 0; d < sizeof ps / sizeof ps[0]; d++)
    for (int t = 0; t < 2; t++) {
      size_t p = ps[d], ldg = p + 1;
      double *L = factor(r, p, 0.3), *G0 = sym(r, p, ldg), *R = malloc(p * ldg * sizeof(double)),
             *G = malloc(p * ldg * sizeof(double)), *work = malloc(bm_vc_sandwich_work(p) * sizeof(double));
      gsl_matrix_view Lv = gsl_matrix_view_array(L, p, p);
      memcpy(R, G0, p * ldg * sizeof(double));
      enum CBLAS_TRANSPOSE tr = t ? CblasTrans : CblasNoTrans, other = t ? CblasNoTrans : CblasTrans;
      cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, tr, CblasNonUnit, (int)p, (int)p, 1.0, L, (int)p, R, (int)ldg);
      cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, other, CblasNonUnit, (int)p, (int)p, 1.0, L, (int)p, R,
                  (int)ldg);
      double tol = RTOL * max_abs_lower(R, p, ldg) * 11.0; /* diagonal ratio 1/0.3 squared */
      for (int ip = 0; ip < np; ip++) {
        memcpy(G, G0, p * ldg * sizeof(double));
        bm_kn_sygst_force_path(paths[ip]);
        assert_int_equal(bm_vc_sandwich(&Lv.matrix, G, ldg, t, work), BM_SUCCESS);
        bm_kn_sygst_force_path(BM_KN_SG_AUTO);
        check_lower(G, R, p, ldg, tol, t ? "sandwich T" : "sandwich N", paths[ip]);
        for (size_t i = 0; i < p; i++)
          for (size_t j = 0; j < i; j++) assert_true(G[i * ldg + j] == G[j * ldg + i]);
      }
      free(L), free(G0), free(R), free(G), free(work);
    }
  gsl_rng_free(r);
}

/* a subnormal pivot: the kernel declines and leaves G as it was (the caller
 * solves by division); NaN and inf in G reach the result */
static void test_sygst_edges(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(23);
  set_paths();
  size_t p = 40;
  double *L = factor(r, p, 0.5), *G0 = sym(r, p, p), *G = malloc(p * p * sizeof(double)),
         *work = malloc(bm_kn_sygst_work(p) * sizeof(double));
  for (int ip = 0; ip < n_sg; ip++) {
    bm_kn_sygst_force_path(sg_paths[ip]);
    L[20 * p + 20] = 1e-310;
    memcpy(G, G0, p * p * sizeof(double));
    assert_int_equal(bm_kn_sygst(p, L, p, G, p, work), 1);
    assert_memory_equal(G, G0, p * p * sizeof(double));
    /* bm_vc_sandwich then takes the solves: the same bits as the forced generic path */
    gsl_matrix_view Lv = gsl_matrix_view_array(L, p, p);
    double *G2 = malloc(p * p * sizeof(double)), *w2 = malloc(bm_vc_sandwich_work(p) * sizeof(double));
    for (int t = 0; t < 2; t++) {
      memcpy(G, G0, p * p * sizeof(double));
      memcpy(G2, G0, p * p * sizeof(double));
      assert_int_equal(bm_vc_sandwich(&Lv.matrix, G, p, t, w2), BM_SUCCESS);
      bm_kn_sygst_force_path(BM_KN_SG_GENERIC);
      assert_int_equal(bm_vc_sandwich(&Lv.matrix, G2, p, t, w2), BM_SUCCESS);
      bm_kn_sygst_force_path(sg_paths[ip]);
      assert_memory_equal(G, G2, p * p * sizeof(double));
    }
    free(G2), free(w2);
    L[20 * p + 20] = 0.75;
    for (int kind = 0; kind < 2; kind++) {
      memcpy(G, G0, p * p * sizeof(double));
      G[30 * p + 3] = G[3 * p + 30] = kind ? INFINITY : NAN;
      assert_int_equal(bm_kn_sygst(p, L, p, G, p, work), 0);
      int bad = 0;
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j <= i; j++) bad += !isfinite(G[i * p + j]);
      assert_true(bad > 0);
      /* the entries of the leading 3 x 3 block do not depend on the bad entry */
      for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j <= i; j++) assert_true(isfinite(G[i * p + j]));
    }
    bm_kn_sygst_force_path(BM_KN_SG_AUTO);
  }
  free(L), free(G0), free(G), free(work);
  gsl_rng_free(r);
}

/* the fused centring scatter against centring + dsyrk */
static void test_syrk_centred(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(24);
  static const size_t ks[] = {0, 1, 7, 61, 300};
  static const size_t ps[] = {1,  2,  3,  5,  7,  8,  9,  11, 12,  13,  15,  16,  17,
                              19, 20, 24, 31, 33, 47, 64, 65, 100, 127, 128, 129, 200, 513};
  for (size_t ip = 0; ip < sizeof ps / sizeof ps[0]; ip++)
    for (size_t ik = 0; ik < 5; ik++) {
      size_t p = ps[ip], k = ks[ik], ldx = p + 2, ms = 2;
      if (p > 64 && k == 300) continue;
      double *X = malloc((k * ldx + 1) * sizeof(double)), *mu = malloc(p * ms * sizeof(double));
      double *D = malloc((k * p + 1) * sizeof(double)), *C = malloc(p * p * sizeof(double)),
             *R = malloc(p * p * sizeof(double)), *s = malloc(p * sizeof(double)), *rs = malloc(p * sizeof(double));
      for (size_t i = 0; i < k * ldx + 1; i++) X[i] = 3.0 + 2.0 * gsl_rng_uniform(r);
      for (size_t j = 0; j < p * ms; j++) mu[j] = 3.5 + gsl_rng_uniform(r);
      for (size_t j = 0; j < p; j++) s[j] = rs[j] = 0.25 * (double)j;
      for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < p; j++) {
          D[i * p + j] = X[i * ldx + j] - mu[j * ms];
          rs[j] += D[i * p + j];
        }
      for (int beta = 0; beta < 2; beta++) {
        for (size_t i = 0; i < p * p; i++) C[i] = R[i] = beta ? 0.5 : NAN;
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)p, (int)k, 1.0, D, (int)p, beta, R, (int)p);
        for (size_t j = 0; j < p; j++) s[j] = 0.25 * (double)j;
        int rc = bm_kn_syrk_t_centred(p, k, X, ldx, mu, ms, beta, C, p, s);
        if (!bm_kn_syrk_t_centred_ok(p)) {
          assert_int_equal(rc, -1);
          continue;
        }
        assert_int_equal(rc, 0);
        check_lower(C, R, p, p, 1e-14 * (4.0 * (double)k + 1.0), "syrk_centred", beta);
        for (size_t j = 0; j < p; j++) assert_true(s[j] == rs[j]); /* the same sums in the same order */
      }
      /* one non-finite entry is reported */
      if (k > 1 && bm_kn_syrk_t_centred_ok(p)) {
        X[(k / 2) * ldx + p - 1] = k % 2 ? INFINITY : NAN;
        assert_int_equal(bm_kn_syrk_t_centred(p, k, X, ldx, mu, ms, 0.0, C, p, s), 1);
      }
      free(X), free(mu), free(D), free(C), free(R), free(s), free(rs);
    }
  /* the generic rank-k path forced: the fused kernel declines */
  bm_kn_syrk_force_path(BM_KN_SYRK_GENERIC);
  assert_false(bm_kn_syrk_t_centred_ok(64));
  bm_kn_syrk_force_path(BM_KN_SYRK_AUTO);
  gsl_rng_free(r);
}

/* the mvn gradient through every combination of forced paths against
 * (Lambda S Lambda - n Lambda) / 2 and Lambda sum_i r_i by LAPACK/BLAS */
static void test_mvn_grad_paths(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(25);
  set_paths();
  int sgp[4] = {BM_KN_SG_GENERIC}, nsg = 1;
  for (int i = 0; i < n_sg; i++) sgp[nsg++] = sg_paths[i];
  int syp[2] = {BM_KN_SYRK_GENERIC}, nsy = 1;
  bm_kn_syrk_force_path(BM_KN_SYRK_AUTO);
  if (bm_kn_syrk_path() >= BM_KN_SYRK_AVX2) syp[nsy++] = BM_KN_SYRK_AVX2;
  static const size_t ps[] = {17, 29, 64, 100, 137};
  for (size_t d = 0; d < sizeof ps / sizeof ps[0]; d++) {
    size_t p = ps[d], n = 150;
    gsl_matrix *Sig = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(n, p), *dS = gsl_matrix_alloc(p, p);
    gsl_vector *mu = gsl_vector_alloc(p), *dmu = gsl_vector_alloc(p);
    double *L = factor(r, p, 0.4), *Lam = malloc(p * p * sizeof(double)), *S = calloc(p * p, sizeof(double)),
           *T = malloc(p * p * sizeof(double)), *Rg = malloc(p * p * sizeof(double)), *sr = calloc(p, sizeof(double)),
           *rm = malloc(p * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)p, (int)p, (int)p, 1.0, L, (int)p, L, (int)p, 0.0,
                Sig->data, (int)p);
    for (size_t j = 0; j < p; j++) gsl_vector_set(mu, j, gsl_rng_uniform(r) - 0.5);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, 2.0 * gsl_rng_uniform(r) - 1.0);
    /* the reference from Sigma's factor by LAPACK */
    memcpy(Lam, Sig->data, p * p * sizeof(double));
    assert_int_equal(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, Lam, (int)p), 0);
    assert_int_equal(LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (int)p, Lam, (int)p), 0);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < i; j++) Lam[j * p + i] = Lam[i * p + j];
    for (size_t i = 0; i < n; i++) {
      for (size_t j = 0; j < p; j++) {
        rm[j] = gsl_matrix_get(X, i, j) - gsl_vector_get(mu, j);
        sr[j] += rm[j];
      }
      cblas_dger(CblasRowMajor, (int)p, (int)p, 1.0, rm, 1, rm, 1, S, (int)p);
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)p, (int)p, 1.0, Lam, (int)p, S, (int)p, 0.0, T,
                (int)p);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)p, (int)p, 0.5, T, (int)p, Lam, (int)p, 0.0, Rg,
                (int)p);
    double scale = 0.0;
    for (size_t i = 0; i < p * p; i++) {
      scale = fmax(scale, fabs(Rg[i]) + 0.5 * (double)n * fabs(Lam[i]));
      Rg[i] -= 0.5 * (double)n * Lam[i];
    }
    cblas_dsymv(CblasRowMajor, CblasLower, (int)p, 1.0, Lam, (int)p, sr, 1, 0.0, rm, 1);
    bm_mvn *dist = bm_mvn_alloc(p);
    assert_int_equal(bm_mvn_set(dist, mu, Sig), BM_SUCCESS);
    for (int a = 0; a < nsy; a++)
      for (int b = 0; b < nsg; b++) {
        double ll = NAN;
        bm_kn_syrk_force_path(syp[a]);
        bm_kn_sygst_force_path(sgp[b]);
        int rc = bm_mvn_loglik_grad(dist, X, &ll, dmu, dS);
        bm_kn_syrk_force_path(BM_KN_SYRK_AUTO);
        bm_kn_sygst_force_path(BM_KN_SG_AUTO);
        assert_int_equal(rc, BM_SUCCESS);
        assert_true(isfinite(ll));
        check_lower(dS->data, Rg, p, p, 1e-12 * scale, "mvn dSigma", 10 * syp[a] + sgp[b]);
        for (size_t i = 0; i < p; i++)
          for (size_t j = 0; j < i; j++) assert_true(gsl_matrix_get(dS, i, j) == gsl_matrix_get(dS, j, i));
        double mscale = 0.0;
        for (size_t j = 0; j < p; j++) mscale = fmax(mscale, fabs(rm[j]));
        for (size_t j = 0; j < p; j++) assert_true(fabs(gsl_vector_get(dmu, j) - rm[j]) <= 1e-11 * mscale);
      }
    bm_mvn_free(dist);
    gsl_matrix_free(Sig), gsl_matrix_free(X), gsl_matrix_free(dS);
    gsl_vector_free(mu), gsl_vector_free(dmu);
    free(L), free(Lam), free(S), free(T), free(Rg), free(sr), free(rm);
  }
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sygst_vs_lapack), cmocka_unit_test(test_sandwich_paths),
      cmocka_unit_test(test_sygst_edges),     cmocka_unit_test(test_syrk_centred),
      cmocka_unit_test(test_mvn_grad_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
