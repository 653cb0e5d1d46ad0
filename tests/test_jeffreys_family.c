/* Per-family Jeffreys priors (docs/contract.md, bm_F_jeffreys). Checked against the
 * invariance laws of the scale blocks — for W_p(nu, S), IW_p(nu, Psi) and
 * F_p(nu, delta, Psi) the scale-alone Jeffreys prior is proportional to
 * |scale|^{-(p+1)/2} (the Fisher block at scale A is the congruence of the
 * one at I by A^{-1/2} (x) A^{-1/2}) — as differences of log priors between
 * random scales, and against nu-alone values 1/2 log(psi'_p(nu/2)/4) (W, IW).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "testutil.h"

typedef struct {
  const char *name;
  void *(*make)(size_t p);
  int (*set)(void *d, double nu, const gsl_matrix *S);
  void (*destroy)(void *d);
  int (*jeffreys)(const void *d, const size_t *idx, size_t k, double *lp);
  size_t (*nparams)(const void *d);
} fam;

static void *w_make(size_t p) { return bm_wishart_alloc(p); }
static int w_set(void *d, double nu, const gsl_matrix *S) { return bm_wishart_set(d, nu, S); }
static void w_free(void *d) { bm_wishart_free(d); }
static int w_j(const void *d, const size_t *i, size_t k, double *lp) { return bm_wishart_jeffreys(d, i, k, lp); }
static size_t w_n(const void *d) { return bm_wishart_nparams(d); }
static void *iw_make(size_t p) { return bm_invwishart_alloc(p); }
static int iw_set(void *d, double nu, const gsl_matrix *S) { return bm_invwishart_set(d, nu, S); }
static void iw_free(void *d) { bm_invwishart_free(d); }
static int iw_j(const void *d, const size_t *i, size_t k, double *lp) { return bm_invwishart_jeffreys(d, i, k, lp); }
static size_t iw_n(const void *d) { return bm_invwishart_nparams(d); }
static void *f_make(size_t p) { return bm_matf_alloc(p); }
static int f_set(void *d, double nu, const gsl_matrix *S) { return bm_matf_set(d, nu, 3.5, S); }
static void f_free(void *d) { bm_matf_free(d); }
static int f_j(const void *d, const size_t *i, size_t k, double *lp) { return bm_matf_jeffreys(d, i, k, lp); }
static size_t f_n(const void *d) { return bm_matf_nparams(d); }

static const fam fams[] = {
  {"wishart", w_make, w_set, w_free, w_j, w_n},
  {"invwishart", iw_make, iw_set, iw_free, iw_j, iw_n},
  {"matf", f_make, f_set, f_free, f_j, f_n},
};

static void scale_block_scales_as_det_power(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(17);
  for (size_t f = 0; f < 3; f++)
    for (size_t p = 1; p <= 4; p++) {
      size_t q = bm_vech_len(p), idx[16];
      for (size_t i = 0; i < q; i++) idx[i] = i;
      gsl_matrix *S1 = gsl_matrix_alloc(p, p), *S2 = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p);
      tu_random_spd(r, 50, 1.0, S1);
      tu_random_spd(r, 1e3, 7.0, S2);
      void *d = fams[f].make(p);
      double nu = (double)p + 2.5, j1, j2;
      assert_int_equal(fams[f].set(d, nu, S1), BM_SUCCESS);
      assert_int_equal(fams[f].jeffreys(d, idx, q, &j1), BM_SUCCESS);
      assert_int_equal(fams[f].set(d, nu, S2), BM_SUCCESS);
      assert_int_equal(fams[f].jeffreys(d, idx, q, &j2), BM_SUCCESS);
      bm_chol_factor(S1, L, NULL);
      double ld1 = bm_chol_logdet(L);
      bm_chol_factor(S2, L, NULL);
      double ld2 = bm_chol_logdet(L);
      double expect = -0.5 * (double)(p + 1) * (ld1 - ld2);
      if (!(fabs((j1 - j2) - expect) <= 1e-10 * (1 + fabs(expect)))) {
        print_error("%s p=%zu: log prior difference %.15g, |S|^{-(p+1)/2} law gives %.15g\n", fams[f].name, p,
                    j1 - j2, expect);
        fail();
      }
      fams[f].destroy(d);
      free_matrices(S1, S2, L);
    }
  gsl_rng_free(r);
}

/* W and IW: I_nu,nu = psi'_p(nu/2)/4 (docs/fisher.md), a 1 x 1 block */
static void nu_alone_is_half_log_trigamma(void **state)
{
  (void)state;
  for (size_t f = 0; f < 2; f++)
    for (size_t p = 1; p <= 5; p++) {
      gsl_matrix *S = gsl_matrix_alloc(p, p);
      gsl_matrix_set_identity(S);
      void *d = fams[f].make(p);
      double nu = (double)p - 1.0 + 0.3, lp;
      assert_int_equal(fams[f].set(d, nu, S), BM_SUCCESS);
      size_t idx = bm_vech_len(p);
      assert_int_equal(fams[f].jeffreys(d, &idx, 1, &lp), BM_SUCCESS);
      tu_assert_rel(lp, 0.5 * log(0.25 * bm_mvtrigamma(p, 0.5 * nu)), 1e-13);
      /* all of theta: idx NULL, k 0, equals idx = 0..n-1 */
      size_t all[32], n = fams[f].nparams(d);
      for (size_t i = 0; i < n; i++) all[i] = i;
      double a, b;
      assert_int_equal(fams[f].jeffreys(d, NULL, 0, &a), BM_SUCCESS);
      assert_int_equal(fams[f].jeffreys(d, all, n, &b), BM_SUCCESS);
      tu_assert_rel(a, b, 1e-14);
      fams[f].destroy(d);
      gsl_matrix_free(S);
    }
}

/* N_p(mu, Sigma): joint prior ∝ |Sigma|^{-(p+2)/2}, Sigma alone ∝
 * |Sigma|^{-(p+1)/2}, mu alone ∝ |Sigma|^{-1/2} (constant in mu); t_p: mu alone
 * ∝ |Sigma|^{-1/2} (I_mumu = k/(k+2) Sigma^{-1}). Checked as differences
 * between two random Sigma and two random mu. */
static void mvn_mvt_power_laws(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(23);
  for (size_t p = 1; p <= 4; p++) {
    size_t q = bm_vech_len(p), mu_idx[4], sig_idx[16];
    for (size_t i = 0; i < p; i++) mu_idx[i] = i;
    for (size_t i = 0; i < q; i++) sig_idx[i] = p + i;
    gsl_matrix *S[2] = {gsl_matrix_alloc(p, p), gsl_matrix_alloc(p, p)}, *L = gsl_matrix_alloc(p, p);
    gsl_vector *mu[2] = {gsl_vector_alloc(p), gsl_vector_alloc(p)};
    double ld[2], joint[2], sig[2], mean[2], tmean[2];
    bm_mvn *d = bm_mvn_alloc(p);
    bm_mvt *t = bm_mvt_alloc(p);
    for (int k = 0; k < 2; k++) {
      tu_random_spd(r, 100, k ? 0.01 : 3.0, S[k]);
      bm_rng_std_normal_vector(r, mu[k]);
      bm_chol_factor(S[k], L, NULL);
      ld[k] = bm_chol_logdet(L);
      assert_int_equal(bm_mvn_set(d, mu[k], S[k]), BM_SUCCESS);
      assert_int_equal(bm_mvn_jeffreys(d, NULL, 0, &joint[k]), BM_SUCCESS);
      assert_int_equal(bm_mvn_jeffreys(d, sig_idx, q, &sig[k]), BM_SUCCESS);
      assert_int_equal(bm_mvn_jeffreys(d, mu_idx, p, &mean[k]), BM_SUCCESS);
      assert_int_equal(bm_mvt_set(t, 5.0, mu[k], S[k]), BM_SUCCESS);
      assert_int_equal(bm_mvt_jeffreys(t, mu_idx, p, &tmean[k]), BM_SUCCESS);
    }
    double dl = ld[0] - ld[1];
    tu_assert_rel(joint[0] - joint[1], -0.5 * (double)(p + 2) * dl, 1e-10);
    tu_assert_rel(sig[0] - sig[1], -0.5 * (double)(p + 1) * dl, 1e-10);
    tu_assert_rel(mean[0] - mean[1], -0.5 * dl, 1e-10);
    tu_assert_rel(tmean[0] - tmean[1], -0.5 * dl, 1e-10);
    /* mu alone, exact: 1/2 log det Sigma^{-1} */
    tu_assert_rel(mean[1], -0.5 * ld[1], 1e-12);
    bm_mvn_free(d);
    bm_mvt_free(t);
    for (int k = 0; k < 2; k++) {
      gsl_matrix_free(S[k]);
      gsl_vector_free(mu[k]);
    }
    gsl_matrix_free(L);
  }
  gsl_rng_free(r);
}

/* matnorm / matt: full theta singular (BM_ESING, docs/contract.md); the M block alone
 * is 1/2 log det(V^-1 (x) U^-1) = -(p log|U| + n log|V|)/2 (+ a nu-constant for
 * matt), so its difference between two (U, V) pairs follows that law. */
static void matrix_families(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(29);
  size_t n = 2, p = 3, idx[6] = {0, 1, 2, 3, 4, 5};
  gsl_matrix *M = gsl_matrix_calloc(n, p), *U[2], *V[2], *L = gsl_matrix_alloc(3, 3);
  bm_matnorm *mn = bm_matnorm_alloc(n, p);
  bm_matt *mt = bm_matt_alloc(n, p);
  double a[2], b[2], ld[2], lp;
  for (int k = 0; k < 2; k++) {
    U[k] = gsl_matrix_alloc(n, n);
    V[k] = gsl_matrix_alloc(p, p);
    tu_random_spd(r, 30, k ? 0.2 : 4.0, U[k]);
    tu_random_spd(r, 30, k ? 3.0 : 0.5, V[k]);
    gsl_matrix_view Lu = gsl_matrix_submatrix(L, 0, 0, n, n);
    bm_chol_factor(U[k], &Lu.matrix, NULL);
    ld[k] = (double)p * bm_chol_logdet(&Lu.matrix);
    bm_chol_factor(V[k], L, NULL);
    ld[k] += (double)n * bm_chol_logdet(L);
    assert_int_equal(bm_matnorm_set(mn, M, U[k], V[k]), BM_SUCCESS);
    assert_int_equal(bm_matnorm_jeffreys(mn, NULL, 0, &lp), BM_ESING);
    assert_int_equal(bm_matnorm_jeffreys(mn, idx, n * p, &a[k]), BM_SUCCESS);
    assert_int_equal(bm_matt_set(mt, 3.0, M, U[k], V[k]), BM_SUCCESS);
    assert_int_equal(bm_matt_jeffreys(mt, NULL, 0, &lp), BM_ESING);
    assert_int_equal(bm_matt_jeffreys(mt, idx, n * p, &b[k]), BM_SUCCESS);
  }
  tu_assert_rel(a[1], -0.5 * ld[1], 1e-12);
  tu_assert_rel(a[0] - a[1], -0.5 * (ld[0] - ld[1]), 1e-10);
  tu_assert_rel(b[0] - b[1], -0.5 * (ld[0] - ld[1]), 1e-10);
  for (int k = 0; k < 2; k++) {
    gsl_matrix_free(U[k]);
    gsl_matrix_free(V[k]);
  }
  gsl_matrix_free(M);
  gsl_matrix_free(L);
  bm_matnorm_free(mn);
  bm_matt_free(mt);
  gsl_rng_free(r);
}

static void bad_inputs(void **state)
{
  (void)state;
  double lp = 0;
  size_t idx[2] = {0, 99};
  for (size_t f = 0; f < 3; f++) {
    void *d = fams[f].make(2);
    assert_int_equal(fams[f].jeffreys(d, NULL, 0, &lp), BM_EINVAL); /* never set */
    assert_true(isnan(lp));
    gsl_matrix *S = gsl_matrix_alloc(2, 2);
    gsl_matrix_set_identity(S);
    assert_int_equal(fams[f].set(d, 4.0, S), BM_SUCCESS);
    assert_int_equal(fams[f].jeffreys(d, NULL, 0, NULL), BM_EINVAL);
    assert_int_equal(fams[f].jeffreys(NULL, NULL, 0, &lp), BM_EINVAL);
    assert_int_not_equal(fams[f].jeffreys(d, idx, 2, &lp), BM_SUCCESS); /* index out of range */
    assert_true(isnan(lp));
    idx[1] = 0; /* a repeated index is refused, not taken as a singular block */
    assert_int_equal(fams[f].jeffreys(d, idx, 2, &lp), BM_EINVAL);
    idx[1] = 99;
    fams[f].destroy(d);
    gsl_matrix_free(S);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(scale_block_scales_as_det_power),
    cmocka_unit_test(nu_alone_is_half_log_trigamma),
    cmocka_unit_test(mvn_mvt_power_laws),
    cmocka_unit_test(matrix_families),
    cmocka_unit_test(bad_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
