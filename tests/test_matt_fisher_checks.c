/* The two checks of matt's Fisher information that docs/matt-fisher.md
 * describes, beyond the Monte Carlo agreement of tests/test_matt.c:
 *  - n = 1: T_{1,p}(nu, m, s, Omega) = t_p(nu, m, s Omega / nu), so matt's
 *    information is mvt's carried through the map
 *      (m, s, vech Omega, nu) -> (mu = m, vech Sigma = s vech Omega / nu, nu)
 *    as J^T I_mvt J (J its Jacobian, worked out by hand below; bm_mvt_fisher
 *    is an independent closed form);
 *  - a negative control: the Monte Carlo z-test that accepts the closed form
 *    rejects it with its Sigma-Omega block 5 % off.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include "testutil.h"
#include "cleanup_util.h"

static void n1_equals_mvt(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(71);
  for (size_t p = 1; p <= 4; p++)
    for (int rep = 0; rep < 3; rep++) {
      double nu = 0.4 + 8.0 * gsl_rng_uniform(r), s = 0.3 + 2.0 * gsl_rng_uniform(r);
      size_t qp = bm_vech_len(p), kt = p + 1 + qp + 1, kv = p + qp + 1;
      gsl_matrix *m = gsl_matrix_alloc(1, p), *S1 = gsl_matrix_alloc(1, 1), *O = gsl_matrix_alloc(p, p);
      gsl_matrix *Sig = gsl_matrix_alloc(p, p);
      for (size_t j = 0; j < p; j++) gsl_matrix_set(m, 0, j, gsl_rng_uniform(r) - 0.5);
      gsl_matrix_set(S1, 0, 0, s);
      tu_random_spd(r, 30.0, 1.0, O);
      gsl_matrix_memcpy(Sig, O);
      gsl_matrix_scale(Sig, s / nu);
      bm_matt *t = bm_matt_alloc(1, p);
      bm_mvt *v = bm_mvt_alloc(p);
      gsl_vector_view mu = gsl_matrix_row(m, 0);
      assert_int_equal(bm_matt_set(t, nu, m, S1, O), BM_SUCCESS);
      assert_int_equal(bm_mvt_set(v, nu, &mu.vector, Sig), BM_SUCCESS);
      gsl_matrix *It = gsl_matrix_alloc(kt, kt), *Iv = gsl_matrix_alloc(kv, kv), *J = gsl_matrix_calloc(kv, kt),
                 *IJ = gsl_matrix_alloc(kt, kt);
      assert_int_equal(bm_matt_fisher(t, It), BM_SUCCESS);
      assert_int_equal(bm_mvt_fisher(v, Iv), BM_SUCCESS);
      /* rows: (mu, vech Sigma, nu); columns: (m, s, vech Omega, nu) */
      gsl_vector *vO = gsl_vector_alloc(qp);
      bm_vech(O, vO);
      for (size_t j = 0; j < p; j++) gsl_matrix_set(J, j, j, 1.0);
      for (size_t a = 0; a < qp; a++) {
        gsl_matrix_set(J, p + a, p, gsl_vector_get(vO, a) / nu);         /* d Sigma / d s */
        gsl_matrix_set(J, p + a, p + 1 + a, s / nu);                     /* d Sigma / d Omega */
        gsl_matrix_set(J, p + a, kt - 1, -s * gsl_vector_get(vO, a) / (nu * nu)); /* d Sigma / d nu */
      }
      gsl_matrix_set(J, kv - 1, kt - 1, 1.0);
      assert_int_equal(bm_fisher_reparam(Iv, J, IJ), BM_SUCCESS);
      double scale = 0.0;
      for (size_t i = 0; i < kt; i++) scale = fmax(scale, fabs(gsl_matrix_get(It, i, i)));
      tu_assert_matrix_close(It, IJ, 1e-9, 1e-12 * scale);
      bm_matt_free(t);
      bm_mvt_free(v);
      gsl_vector_free(vO);
      free_matrices(m, S1, O, Sig, It, Iv, J, IJ);
    }
  gsl_rng_free(r);
}

/* max |z| of E[s s^T] and E[-H] from `draws` draws against the closed form I
 * and against I with its Sigma-Omega block scaled by 1.05 */
static void perturbation_detected(void **state)
{
  (void)state;
  const size_t n = 2, p = 2, draws = 40000;
  gsl_rng *r = tu_rng(31);
  gsl_matrix *M = gsl_matrix_alloc(n, p), *S = gsl_matrix_alloc(n, n), *O = gsl_matrix_alloc(p, p),
             *X = gsl_matrix_alloc(n, p);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(M, i, j, gsl_rng_uniform(r) - 0.5);
  tu_random_spd(r, 5.0, 1.0, S);
  tu_random_spd(r, 5.0, 1.0, O);
  bm_matt *d = bm_matt_alloc(n, p);
  assert_int_equal(bm_matt_set(d, 5.0, M, S, O), BM_SUCCESS);
  size_t k = bm_matt_nparams(d), a = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p);
  gsl_matrix *I = gsl_matrix_alloc(k, k), *Ip = gsl_matrix_alloc(k, k), *H = gsl_matrix_alloc(k, k);
  gsl_vector *s = gsl_vector_alloc(k);
  assert_int_equal(bm_matt_fisher(d, I), BM_SUCCESS);
  gsl_matrix_memcpy(Ip, I);
  for (size_t i = 0; i < qn; i++)
    for (size_t j = 0; j < qp; j++) {
      gsl_matrix_set(Ip, a + i, a + qn + j, 1.05 * gsl_matrix_get(I, a + i, a + qn + j));
      gsl_matrix_set(Ip, a + qn + j, a + i, 1.05 * gsl_matrix_get(I, a + qn + j, a + i));
    }
  tu_mc *ss = tu_mc_alloc(k), *hh = tu_mc_alloc(k);
  for (size_t t = 0; t < draws; t++) {
    assert_int_equal(bm_matt_sample(d, r, X), BM_SUCCESS);
    assert_int_equal(bm_matt_score(d, X, s), BM_SUCCESS);
    assert_int_equal(bm_matt_hess(d, X, H), BM_SUCCESS);
    gsl_matrix_scale(H, -1.0);
    tu_mc_add_outer(ss, s);
    tu_mc_add(hh, H);
  }
  double z = fmax(tu_mc_max_z(ss, I, 1e-12, NULL, NULL), tu_mc_max_z(hh, I, 1e-12, NULL, NULL));
  double zp = fmax(tu_mc_max_z(ss, Ip, 1e-12, NULL, NULL), tu_mc_max_z(hh, Ip, 1e-12, NULL, NULL));
  print_message("matt Fisher MC (%zu draws): max|z| %.2f for the closed form, %.2f with I_SigmaOmega 5%% off\n", draws,
                z, zp);
  assert_true(z < 4.0);
  assert_true(zp > 6.0);
  tu_mc_free(ss);
  tu_mc_free(hh);
  bm_matt_free(d);
  gsl_vector_free(s);
  free_matrices(M, S, O, X, I, Ip, H);
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(n1_equals_mvt),
      cmocka_unit_test(perturbation_detected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
