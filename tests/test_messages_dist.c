/* bm_last_error() beyond the families' _set: failures inside the core
 * (vec/vech, Cholesky helpers, finite differences), inside the families'
 * evaluation, batch, Hessian, Fisher and stats paths, and through the generic
 * handle. Each message must START with the public function the caller called
 * (never an internal helper such as loglik_impl or bm_sp_loglik) and name the
 * argument as the header documents it, an observation of a batch by its index
 * (X[1], not X[k]).
 *
 * Each case clears the message first, so a site that records nothing fails
 * on the empty string; a case that reaches another check fails on the status.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "message_testutil.h"


/* ---- core: vec/vech, Cholesky helpers ---- */

static void core_shapes(void **state)
{
  (void)state;
  gsl_matrix *R = gsl_matrix_calloc(2, 3), *S = tm_eye(3, 1.0), *T = gsl_matrix_calloc(5, 5), *L = tm_eye(3, 2.0);
  gsl_vector *v6 = gsl_vector_calloc(6), *v5 = gsl_vector_calloc(5), *v9 = gsl_vector_calloc(9),
             *v8 = gsl_vector_calloc(8), *v4 = gsl_vector_calloc(4);
  EXPECT(bm_vech(R, v6), BM_EBADLEN, "bm_vech", "S");
  EXPECT(bm_vech(S, v5), BM_EBADLEN, "bm_vech", "v");
  EXPECT(bm_vech_unpack(v5, S), BM_EBADLEN, "bm_vech_unpack", "v");
  EXPECT(bm_vec(R, v5), BM_EBADLEN, "bm_vec", "v");
  EXPECT(bm_dup_apply(v6, v8), BM_EBADLEN, "bm_dup_apply", "w");
  EXPECT(bm_elim_apply(v9, v5), BM_EBADLEN, "bm_elim_apply", "v");
  EXPECT(bm_commutation_apply(2, 3, v6, v6), BM_EINVAL, "bm_commutation_apply", "v");
  EXPECT(bm_commutation_apply(2, 3, v6, v5), BM_EBADLEN, "bm_commutation_apply", "w");
  EXPECT(bm_vech_from_sym_grad(S, v4), BM_EBADLEN, "bm_vech_from_sym_grad", "g");
  EXPECT(bm_vech_kron(1.0, S, S, 0.0, T), BM_EBADLEN, "bm_vech_kron", "T");
  /* the solve checks its own arguments: the message names it, not the whitening it calls */
  EXPECT(bm_chol_solve_vector(NULL, v4), BM_EINVAL, "bm_chol_solve_vector", "L");
  EXPECT(bm_chol_solve_vector(L, v4), BM_EBADLEN, "bm_chol_solve_vector", "b");
  EXPECT(bm_chol_solve_matrix(R, S), BM_EBADLEN, "bm_chol_solve_matrix", "L");
  EXPECT(bm_chol_whiten_rows(L, T), BM_EBADLEN, "bm_chol_whiten_rows", "X");
  EXPECT(bm_chol_product(L, L), BM_EINVAL, "bm_chol_product", "A");
  EXPECT(bm_chol_factor(R, L, NULL), BM_EBADLEN, "bm_chol_factor", "A");
  gsl_matrix_free(R), gsl_matrix_free(S), gsl_matrix_free(T), gsl_matrix_free(L);
  gsl_vector_free(v6), gsl_vector_free(v5), gsl_vector_free(v9), gsl_vector_free(v8), gsl_vector_free(v4);
}

/* ---- core: finite differences and checkers ---- */

static int f_never(const gsl_vector *x, void *p, double *f)
{
  (void)x, (void)p;
  *f = NAN;
  return 1;
}

static int f_square(const gsl_vector *x, void *p, double *f)
{
  (void)p;
  *f = gsl_vector_get(x, 0) * gsl_vector_get(x, 0);
  return 0;
}

static int g_never(const gsl_vector *x, void *p, gsl_vector *g)
{
  (void)x, (void)p;
  gsl_vector_set_all(g, NAN);
  return 1;
}

static int g_square(const gsl_vector *x, void *p, gsl_vector *g)
{
  (void)p;
  gsl_vector_set(g, 0, 2.0 * gsl_vector_get(x, 0));
  return 0;
}

static int h_never(const gsl_vector *x, void *p, gsl_matrix *H)
{
  (void)x, (void)p, (void)H;
  return 1;
}

static void fd_messages(void **state)
{
  (void)state;
  gsl_vector *x = gsl_vector_alloc(1), *g = gsl_vector_alloc(1), *g2 = gsl_vector_alloc(2), *zero = gsl_vector_calloc(1);
  gsl_matrix *H = gsl_matrix_alloc(1, 1), *H2 = gsl_matrix_alloc(2, 2);
  gsl_vector_set(x, 0, 0.5);
  bm_check_result res;
  bm_taylor_result tres;
  EXPECT(bm_fd_gradient(f_never, NULL, x, NULL, g, NULL), BM_EDOM, "bm_fd_gradient", "f");
  assert_true(isnan(gsl_vector_get(g, 0))); /* NaN on failure, as documented */
  EXPECT(bm_fd_gradient(f_square, NULL, x, NULL, g2, NULL), BM_EBADLEN, "bm_fd_gradient", "grad");
  EXPECT(bm_fd_gradient(f_square, NULL, x, NULL, g, g2), BM_EBADLEN, "bm_fd_gradient", "err");
  EXPECT(bm_fd_jacobian(g_square, NULL, 1, x, NULL, H2, NULL), BM_EBADLEN, "bm_fd_jacobian", "J");
  EXPECT(bm_fd_jacobian(g_never, NULL, 1, x, NULL, H, NULL), BM_EDOM, "bm_fd_jacobian", "g");
  EXPECT(bm_fd_hessian(f_never, NULL, x, NULL, H, NULL), BM_EDOM, "bm_fd_hessian", "f");
  EXPECT(bm_fd_hessian(f_square, NULL, x, NULL, H, H2), BM_EBADLEN, "bm_fd_hessian", "err");
  /* the Jacobian inside reports as the function called, with its argument names */
  EXPECT(bm_fd_hessian_from_gradient(g_never, NULL, x, NULL, H, NULL), BM_EDOM, "bm_fd_hessian_from_gradient", "grad");
  EXPECT(bm_fd_hessian_from_gradient(g_square, NULL, x, NULL, H2, NULL), BM_EBADLEN, "bm_fd_hessian_from_gradient",
         "H");
  EXPECT(bm_check_gradient(f_square, g_never, NULL, x, NULL, &res), BM_EDOM, "bm_check_gradient", "grad");
  EXPECT(bm_check_gradient(f_square, NULL, NULL, x, NULL, &res), BM_EINVAL, "bm_check_gradient", "grad");
  EXPECT(bm_check_hessian(f_square, g_square, h_never, NULL, x, NULL, &res), BM_EDOM, "bm_check_hessian", "hess");
  EXPECT(bm_check_hessian(NULL, NULL, h_never, NULL, x, NULL, &res), BM_EINVAL, "bm_check_hessian", "grad");
  EXPECT(bm_check_taylor(f_square, g_square, NULL, x, zero, NULL, &tres), BM_EINVAL, "bm_check_taylor", "v");
  EXPECT(bm_check_taylor(f_never, g_square, NULL, x, NULL, NULL, &tres), BM_EDOM, "bm_check_taylor", "f");
  gsl_vector_free(x), gsl_vector_free(g), gsl_vector_free(g2), gsl_vector_free(zero);
  gsl_matrix_free(H), gsl_matrix_free(H2);
}

/* ---- the Wishart-type families: batches by index, Hessians, Fisher ---- */

static void wishart_type(void **state)
{
  (void)state;
  size_t p = 3;
  gsl_matrix *S = tm_eye(p, 1.0), *bad = tm_eye(p, 1.0), *asym = tm_eye(p, 1.0), *W = gsl_matrix_calloc(2, 2);
  gsl_matrix *H = gsl_matrix_alloc(7, 7), *Hx = gsl_matrix_alloc(6, 6), *F = gsl_matrix_alloc(6, 6);
  gsl_matrix_set(bad, 2, 2, -1.0);
  gsl_matrix_set(asym, 0, 1, 0.5);
  const gsl_matrix *X_bad[3] = {S, bad, S}, *X_asym[3] = {S, asym, S}, *X_null[3] = {S, S, NULL};
  double ll, dnu;
  bm_wishart *w = bm_wishart_alloc(p);
  bm_invwishart *iw = bm_invwishart_alloc(p);
  assert_int_equal(bm_wishart_set(w, 5.0, S), BM_SUCCESS);
  assert_int_equal(bm_invwishart_set(iw, 5.0, S), BM_SUCCESS);

  EXPECT(bm_wishart_loglik(w, X_bad, 3, &ll, NULL), BM_EDOM, "bm_wishart_loglik", "X[1]");
  assert_true(ll == -INFINITY);
  EXPECT(bm_wishart_loglik(w, X_asym, 3, &ll, NULL), BM_ENOTSYM, "bm_wishart_loglik", "X[1]");
  EXPECT(bm_wishart_loglik(w, X_null, 3, &ll, NULL), BM_EINVAL, "bm_wishart_loglik", "X[2]");
  EXPECT(bm_wishart_loglik_grad(w, X_bad, 3, &ll, NULL, &dnu), BM_EDOM, "bm_wishart_loglik_grad", "X[1]");
  EXPECT(bm_wishart_loglik_grad(w, X_bad, 3, &ll, W, &dnu), BM_EBADLEN, "bm_wishart_loglik_grad", "d_S");
  EXPECT(bm_invwishart_loglik(iw, X_bad, 3, &ll, NULL), BM_EDOM, "bm_invwishart_loglik", "X[1]");
  EXPECT(bm_invwishart_loglik(iw, X_null, 3, &ll, NULL), BM_EINVAL, "bm_invwishart_loglik", "X[2]");
  EXPECT(bm_invwishart_loglik_grad(iw, X_asym, 3, &ll, NULL, &dnu), BM_ENOTSYM, "bm_invwishart_loglik_grad", "X[1]");
  EXPECT(bm_invwishart_loglik_grad(iw, X_asym, 3, &ll, W, &dnu), BM_EBADLEN, "bm_invwishart_loglik_grad", "d_Psi");

  EXPECT(bm_wishart_hess(w, bad, H), BM_EDOM, "bm_wishart_hess", "X");
  EXPECT(bm_wishart_hess_x(w, bad, Hx), BM_EDOM, "bm_wishart_hess_x", "X");
  EXPECT(bm_invwishart_hess(iw, bad, H), BM_EDOM, "bm_invwishart_hess", "X");
  EXPECT(bm_invwishart_hess_x(iw, bad, Hx), BM_EDOM, "bm_invwishart_hess_x", "X");
  EXPECT(bm_wishart_fisher(w, F), BM_EBADLEN, "bm_wishart_fisher", "F"); /* the header names the output F */
  EXPECT(bm_invwishart_fisher(iw, NULL), BM_EINVAL, "bm_invwishart_fisher", "F");
  /* the surface written once for both families names each family's own function and scale */
  EXPECT(bm_invwishart_set_chol(iw, 5.0, NULL), BM_EINVAL, "bm_invwishart_set_chol", "L_Psi");
  EXPECT(bm_wishart_set(w, 1.5, S), BM_EDOM, "bm_wishart_set", "nu");
  EXPECT(bm_invwishart_set(iw, 5.0, bad), BM_ENOTSPD, "bm_invwishart_set", "Psi");
  EXPECT(bm_wishart_score(w, bad, NULL), BM_EINVAL, "bm_wishart_score", "s");

  bm_wishart *unset = bm_wishart_alloc(p);
  gsl_vector *theta = gsl_vector_alloc(7);
  EXPECT(bm_wishart_get_theta(unset, theta), BM_EINVAL, "bm_wishart_get_theta", "d");
  EXPECT(bm_wishart_loglik(unset, X_bad, 3, &ll, NULL), BM_EINVAL, "bm_wishart_loglik", "d");
  bm_wishart_free(unset);
  gsl_vector_free(theta);

  bm_wishart_stats *ws = bm_wishart_stats_alloc(p);
  EXPECT(bm_wishart_stats_add(ws, X_bad, 3), BM_EDOM, "bm_wishart_stats_add", "X[1]");
  EXPECT(bm_wishart_stats_compute(ws, X_asym, 3), BM_ENOTSYM, "bm_wishart_stats_compute", "X[1]");
  EXPECT(bm_wishart_stats_add(ws, X_null, 3), BM_EINVAL, "bm_wishart_stats_add", "X[2]");
  EXPECT(bm_wishart_stats_loglik(w, ws, NULL), BM_EINVAL, "bm_wishart_stats_loglik", "ll");
  bm_wishart_stats_free(ws);
  bm_invwishart_stats *is = bm_invwishart_stats_alloc(p);
  EXPECT(bm_invwishart_stats_get(is, NULL, W, NULL), BM_EBADLEN, "bm_invwishart_stats_get", "A");
  bm_invwishart_stats_free(is);

  bm_wishart_free(w);
  bm_invwishart_free(iw);
  gsl_matrix_free(S), gsl_matrix_free(bad), gsl_matrix_free(asym), gsl_matrix_free(W);
  gsl_matrix_free(H), gsl_matrix_free(Hx), gsl_matrix_free(F);
}

/* ---- the matrix F: per-point helpers, batches, the literature's form ---- */

static void matf_messages(void **state)
{
  (void)state;
  size_t p = 2;
  gsl_matrix *Psi = tm_eye(p, 1.0), *bad = tm_eye(p, 1.0), *H = gsl_matrix_alloc(5, 5), *J = gsl_matrix_alloc(4, 4);
  gsl_matrix_set(bad, 1, 1, -2.0);
  const gsl_matrix *X_bad[2] = {Psi, bad}, *X_null[2] = {NULL, Psi};
  double ll = 0.0, a, b;
  bm_matf *d = bm_matf_alloc(p);
  assert_int_equal(bm_matf_set(d, 3.0, 2.0, Psi), BM_SUCCESS);
  EXPECT(bm_matf_logpdf(d, bad, &ll), BM_EDOM, "bm_matf_logpdf", "X");
  EXPECT(bm_matf_hess(d, bad, H), BM_EDOM, "bm_matf_hess", "X");
  EXPECT(bm_matf_loglik(d, X_bad, 2, &ll, NULL), BM_EDOM, "bm_matf_loglik", "X[1]");
  EXPECT(bm_matf_loglik(d, X_null, 2, &ll, NULL), BM_EINVAL, "bm_matf_loglik", "X[0]");
  EXPECT(bm_matf_loglik(d, X_bad, 0, &ll, NULL), BM_EINVAL, "bm_matf_loglik", "m");
  EXPECT(bm_matf_loglik_grad(d, X_bad, 2, &ll, NULL, NULL, NULL), BM_EDOM, "bm_matf_loglik_grad", "X[1]");
  EXPECT(bm_matf_from_literature(p, 0.5, 3.0, &a, &b), BM_EDOM, "bm_matf_from_literature", "n");
  EXPECT(bm_matf_from_literature(p, 0.5, NAN, &a, &b), BM_ENONFINITE, "bm_matf_from_literature", "nu_prime");
  EXPECT(bm_matf_to_literature(p, 3.0, 0.0, &a, &b), BM_EDOM, "bm_matf_to_literature", "delta");
  EXPECT(bm_matf_to_literature(p, 3.0, 1.0, NULL, &b), BM_EINVAL, "bm_matf_to_literature", "n");
  EXPECT(bm_matf_literature_jacobian(0, J), BM_EINVAL, "bm_matf_literature_jacobian", "p");
  bm_matf_free(d);
  gsl_matrix_free(Psi), gsl_matrix_free(bad), gsl_matrix_free(H), gsl_matrix_free(J);
}

/* ---- vector families: the batched paths (small p and general), KL ---- */

static void vector_messages(void **state)
{
  (void)state;
  double ll, v;
  for (size_t p = 2; p <= 20; p += 18) { /* p = 2: the small-p kernels; p = 20: the general path */
    gsl_vector *mu = gsl_vector_calloc(p);
    gsl_matrix *S = tm_eye(p, 1.0), *X = gsl_matrix_calloc(3, p), *Xw = gsl_matrix_calloc(3, p + 1);
    gsl_matrix_set(X, 1, p - 1, NAN);
    bm_mvn *n = bm_mvn_alloc(p);
    bm_mvt *t = bm_mvt_alloc(p);
    assert_int_equal(bm_mvn_set(n, mu, S), BM_SUCCESS);
    assert_int_equal(bm_mvt_set(t, 4.0, mu, S), BM_SUCCESS);
    EXPECT(bm_mvn_loglik(n, X, &ll, NULL), BM_ENONFINITE, "bm_mvn_loglik", "X");
    EXPECT(bm_mvt_loglik(t, X, &ll, NULL), BM_ENONFINITE, "bm_mvt_loglik", "X");
    /* a failed check keeps its own message (it was once overwritten by "out of memory") */
    EXPECT(bm_mvn_loglik(n, NULL, &ll, NULL), BM_EINVAL, "bm_mvn_loglik", "X");
    EXPECT(bm_mvt_loglik(t, Xw, &ll, NULL), BM_EBADLEN, "bm_mvt_loglik", "X");
    EXPECT(bm_mvt_loglik_grad(t, X, &ll, NULL, NULL, &v), BM_ENONFINITE, "bm_mvt_loglik_grad", "X");
    bm_mvn_free(n), bm_mvt_free(t);
    gsl_vector_free(mu), gsl_matrix_free(S), gsl_matrix_free(X), gsl_matrix_free(Xw);
  }
  EXPECT(bm_mvt_fisher_nunu(0, 3.0, &v), BM_EINVAL, "bm_mvt_fisher_nunu", "p");
  EXPECT(bm_mvt_fisher_nunu(2, -1.0, &v), BM_EDOM, "bm_mvt_fisher_nunu", "nu");
  gsl_vector *m2 = gsl_vector_calloc(2), *m3 = gsl_vector_calloc(3), *th = gsl_vector_alloc(4);
  gsl_matrix *S2 = tm_eye(2, 1.0), *S3 = tm_eye(3, 1.0);
  bm_mvn *a = bm_mvn_alloc(2), *b = bm_mvn_alloc(3);
  assert_int_equal(bm_mvn_set(a, m2, S2), BM_SUCCESS);
  assert_int_equal(bm_mvn_set(b, m3, S3), BM_SUCCESS);
  EXPECT(bm_mvn_kl(a, b, &v), BM_EBADLEN, "bm_mvn_kl", "d1");
  EXPECT(bm_mvn_kl_grad(a, b, &v, NULL, NULL, NULL, NULL), BM_EBADLEN, "bm_mvn_kl_grad", "d1");
  EXPECT(bm_mvn_set_theta(a, th), BM_EBADLEN, "bm_mvn_set_theta", "theta");
  bm_mvn_stats *st = bm_mvn_stats_alloc(2);
  EXPECT(bm_mvn_stats_get(st, NULL, m3, NULL), BM_EBADLEN, "bm_mvn_stats_get", "mean");
  bm_mvn_stats_free(st);
  bm_mvn_free(a), bm_mvn_free(b);
  gsl_vector_free(m2), gsl_vector_free(m3), gsl_vector_free(th), gsl_matrix_free(S2), gsl_matrix_free(S3);
}

/* ---- matrix-normal stats, through the generic handle ---- */

static void matrix_and_generic(void **state)
{
  (void)state;
  gsl_matrix *M = gsl_matrix_calloc(2, 3), *Mw = gsl_matrix_calloc(3, 2);
  const gsl_matrix *X[2] = {M, Mw};
  bm_matnorm_stats *s23 = bm_matnorm_stats_alloc(2, 3), *s32 = bm_matnorm_stats_alloc(3, 2);
  EXPECT(bm_matnorm_stats_add(s23, X, 2), BM_EBADLEN, "bm_matnorm_stats_add", "X[1]");
  EXPECT(bm_matnorm_stats_merge(s23, s32), BM_EBADLEN, "bm_matnorm_stats_merge", "b");
  EXPECT(bm_matnorm_stats_get(s23, NULL, Mw, NULL), BM_EBADLEN, "bm_matnorm_stats_get", "mean");
  bm_matnorm_stats_free(s23), bm_matnorm_stats_free(s32);

  /* the generic handle puts its own name in front of the family's message */
  bm_dist *d = bm_dist_alloc(bm_family_find("mvn"), 1, 3);
  gsl_vector *theta = gsl_vector_calloc(9);
  gsl_matrix *x2 = gsl_matrix_calloc(2, 3), *x1 = gsl_matrix_calloc(1, 3), *XX = gsl_matrix_calloc(4, 2);
  double lp, ll;
  assert_non_null(d);
  gsl_vector_set(theta, 3, 1.0), gsl_vector_set(theta, 6, 1.0), gsl_vector_set(theta, 8, 1.0); /* Sigma = I */
  assert_int_equal(bm_dist_set_theta(d, theta), BM_SUCCESS);
  EXPECT(bm_dist_logpdf(d, x2, &lp), BM_EBADLEN, "bm_dist_logpdf", "x");
  EXPECT(bm_dist_mean(d, x2), BM_EBADLEN, "bm_dist_mean", "mean");
  EXPECT(bm_dist_loglik(d, XX, &ll, NULL), BM_EBADLEN, "bm_dist_loglik", "X");
  gsl_matrix_set(x1, 0, 1, NAN);
  EXPECT(bm_dist_logpdf(d, x1, &lp), BM_ENONFINITE, "bm_dist_logpdf", "x[1]");
  bm_dist_free(d);
  bm_dist *w = bm_dist_alloc(bm_family_find("wishart"), 2, 2);
  assert_non_null(w);
  gsl_matrix *Xw2 = gsl_matrix_calloc(1, 4); /* vec of the zero matrix: not positive definite */
  gsl_vector *tw = gsl_vector_alloc(4);
  gsl_vector_set(tw, 0, 1.0), gsl_vector_set(tw, 1, 0.0), gsl_vector_set(tw, 2, 1.0), gsl_vector_set(tw, 3, 4.0);
  assert_int_equal(bm_dist_set_theta(w, tw), BM_SUCCESS);
  EXPECT(bm_dist_loglik(w, Xw2, &ll, NULL), BM_EDOM, "bm_dist_loglik", "X[0]");
  EXPECT(bm_dist_set_theta(w, theta), BM_EBADLEN, "bm_dist_set_theta", "theta");
  bm_dist_free(w);
  gsl_vector_free(theta), gsl_vector_free(tw);
  gsl_matrix_free(M), gsl_matrix_free(Mw), gsl_matrix_free(x2), gsl_matrix_free(x1), gsl_matrix_free(XX),
      gsl_matrix_free(Xw2);
}

int main(int argc, char **argv)
{
  (void)argc, (void)argv;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(core_shapes),     cmocka_unit_test(fd_messages),     cmocka_unit_test(wishart_type),
      cmocka_unit_test(matf_messages),   cmocka_unit_test(vector_messages), cmocka_unit_test(matrix_and_generic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
