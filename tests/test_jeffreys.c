/* Tests of inference/jeffreys.c.
 * Fisher blocks are built here from docs/fisher.md's formulas with
 * bm_vech_kron (mvn: I_mumu = A, I_SS = 1/2 T(A, A); wishart: I_SS = nu/2 T(B, B),
 * I_Snu = 1/2 t(B), I_nunu = 1/4 psi'_p(nu/2)). Expected values are the known
 * closed forms, using det T(A, A) = 2^{p(p-1)/2} |A|^{p+1} (Magnus & Neudecker):
 *   N_p joint:  1/2 log det I = -(p+2)/2 log|Sigma| - p/2 log 2
 *   Sigma only: -(p+1)/2 log|Sigma| - p/2 log 2;   mu only: -1/2 log|Sigma|
 *   Wishart S only: -(p+1)/2 log|S| + q/2 log(nu/2) + p(p-1)/4 log 2.
 * Invariance is checked with Jacobians from the FD engine (bm_fd_jacobian),
 * not the library's analytic ones.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_blas.h>
#include "testutil.h"

static double logdet_spd(const gsl_matrix *S)
{
  gsl_matrix *L = gsl_matrix_alloc(S->size1, S->size1);
  bm_chol_factor(S, L, NULL);
  double l = bm_chol_logdet(L);
  gsl_matrix_free(L);
  return l;
}

/* Fisher of N_p(mu, Sigma) in theta = (mu, vech Sigma) */
static void mvn_fisher(const gsl_matrix *Sigma, gsl_matrix *I)
{
  size_t p = Sigma->size1, q = bm_vech_len(p);
  gsl_matrix *L = gsl_matrix_alloc(p, p), *A = gsl_matrix_alloc(p, p);
  bm_chol_factor(Sigma, L, NULL);
  bm_chol_inverse(L, A);
  gsl_matrix_set_zero(I);
  gsl_matrix_view Imu = gsl_matrix_submatrix(I, 0, 0, p, p);
  gsl_matrix_memcpy(&Imu.matrix, A);
  gsl_matrix_view IS = gsl_matrix_submatrix(I, p, p, q, q);
  bm_vech_kron(0.5, A, A, 0.0, &IS.matrix);
  gsl_matrix_free(L);
  gsl_matrix_free(A);
}

/* Fisher of W_p(nu, S) in theta = (vech S, nu) */
static void wishart_fisher(const gsl_matrix *S, double nu, gsl_matrix *I)
{
  size_t p = S->size1, q = bm_vech_len(p);
  gsl_matrix *L = gsl_matrix_alloc(p, p), *B = gsl_matrix_alloc(p, p);
  gsl_vector *t = gsl_vector_alloc(q);
  bm_chol_factor(S, L, NULL);
  bm_chol_inverse(L, B);
  gsl_matrix_view ISS = gsl_matrix_submatrix(I, 0, 0, q, q);
  bm_vech_kron(0.5 * nu, B, B, 0.0, &ISS.matrix);
  bm_vech_from_sym_grad(B, t);
  for (size_t a = 0; a < q; a++) {
    gsl_matrix_set(I, a, q, 0.5 * gsl_vector_get(t, a));
    gsl_matrix_set(I, q, a, 0.5 * gsl_vector_get(t, a));
  }
  gsl_matrix_set(I, q, q, 0.25 * bm_mvtrigamma(p, 0.5 * nu));
  gsl_matrix_free(L);
  gsl_matrix_free(B);
  gsl_vector_free(t);
}

static void mvn_jeffreys_closed_forms(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(21);
  for (size_t p = 1; p <= 5; p++) {
    size_t q = bm_vech_len(p), n = p + q;
    gsl_matrix *S1 = gsl_matrix_alloc(p, p), *S2 = gsl_matrix_alloc(p, p), *I1 = gsl_matrix_alloc(n, n),
               *I2 = gsl_matrix_alloc(n, n);
    tu_random_spd(r, 100.0, 3.0, S1);
    tu_random_spd(r, 10.0, 0.2, S2);
    mvn_fisher(S1, I1);
    mvn_fisher(S2, I2);
    double l1 = logdet_spd(S1), l2 = logdet_spd(S2), j1, j2;
    size_t idx_S[64], idx_mu[8];
    for (size_t a = 0; a < q; a++) idx_S[a] = p + q - 1 - a; /* reversed order: det unchanged */
    for (size_t a = 0; a < p; a++) idx_mu[a] = a;
    /* joint */
    assert_int_equal(bm_jeffreys_from_fisher(I1, NULL, 0, &j1), BM_SUCCESS);
    assert_int_equal(bm_jeffreys_from_fisher(I2, NULL, n, &j2), BM_SUCCESS);
    tu_assert_rel(j1, -0.5 * (double)(p + 2) * l1 - 0.5 * (double)p * log(2.0), 1e-11);
    tu_assert_rel(j1 - j2, -0.5 * (double)(p + 2) * (l1 - l2), 1e-11);
    /* Sigma alone */
    assert_int_equal(bm_jeffreys_from_fisher(I1, idx_S, q, &j1), BM_SUCCESS);
    assert_int_equal(bm_jeffreys_from_fisher(I2, idx_S, q, &j2), BM_SUCCESS);
    tu_assert_rel(j1, -0.5 * (double)(p + 1) * l1 - 0.5 * (double)p * log(2.0), 1e-11);
    tu_assert_rel(j1 - j2, -0.5 * (double)(p + 1) * (l1 - l2), 1e-11);
    /* mu alone: -1/2 log|Sigma|, constant in mu */
    assert_int_equal(bm_jeffreys_from_fisher(I1, idx_mu, p, &j1), BM_SUCCESS);
    tu_assert_rel(j1, -0.5 * l1, 1e-11);
    free_matrices(S1, S2, I1, I2);
  }
  gsl_rng_free(r);
}

/* check(r, p, q, nu) for p = 1 .. 4, q = p (p + 1) / 2, nu = p + nu_above; r = tu_rng(seed) */
static void each_p(unsigned long seed, double nu_above, void (*check)(gsl_rng *r, size_t p, size_t q, double nu))
{
  gsl_rng *r = tu_rng(seed);
  for (size_t p = 1; p <= 4; p++) check(r, p, bm_vech_len(p), (double)p + nu_above);
  gsl_rng_free(r);
}

/* log of the scale block's Jeffreys density of W_p(nu, S) at log|S| = logdet:
 * -(p + 1)/2 log|S| + q/2 log(nu/2) + p (p - 1)/4 log 2 */
static double scale_jeffreys_ref(size_t p, size_t q, double nu, double logdet)
{
  return -0.5 * (double)(p + 1) * logdet + 0.5 * (double)q * log(0.5 * nu) + 0.25 * (double)(p * (p - 1)) * log(2.0);
}

static void check_wishart_scale(gsl_rng *r, size_t p, size_t q, double nu)
{
  gsl_matrix *S1 = gsl_matrix_alloc(p, p), *S2 = gsl_matrix_alloc(p, p), *I1 = gsl_matrix_alloc(q + 1, q + 1),
             *I2 = gsl_matrix_alloc(q + 1, q + 1);
  tu_random_spd(r, 50.0, 1.0, S1);
  tu_random_spd(r, 50.0, 5.0, S2);
  wishart_fisher(S1, nu, I1);
  wishart_fisher(S2, nu, I2);
  size_t idx[64];
  for (size_t a = 0; a < q; a++) idx[a] = a;
  double j1, j2;
  assert_int_equal(bm_jeffreys_from_fisher(I1, idx, q, &j1), BM_SUCCESS);
  assert_int_equal(bm_jeffreys_from_fisher(I2, idx, q, &j2), BM_SUCCESS);
  double l1 = logdet_spd(S1), l2 = logdet_spd(S2);
  tu_assert_rel(j1, scale_jeffreys_ref(p, q, nu, l1), 1e-11);
  tu_assert_rel(j1 - j2, -0.5 * (double)(p + 1) * (l1 - l2), 1e-10);
  /* nu alone: 1/2 log(psi'_p(nu/2)/4) */
  size_t inu = q;
  assert_int_equal(bm_jeffreys_from_fisher(I1, &inu, 1, &j1), BM_SUCCESS);
  tu_assert_rel(j1, 0.5 * log(0.25 * bm_mvtrigamma(p, 0.5 * nu)), 1e-13);
  free_matrices(S1, S2, I1, I2);
}

static void wishart_scale_jeffreys(void **state)
{
  (void)state;
  each_p(22, 2.5, check_wishart_scale);
}

/* (mu, log-Cholesky theta) -> (mu, vech Sigma) for the FD Jacobian */
static int mvn_natural_of_unconstrained(const gsl_vector *u, void *params, gsl_vector *x)
{
  size_t p = *(size_t *)params, q = bm_vech_len(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  for (size_t i = 0; i < p; i++) gsl_vector_set(x, i, gsl_vector_get(u, i));
  gsl_vector_const_view th = gsl_vector_const_subvector(u, p, q);
  int st = bm_transform_logchol_inverse(&th.vector, S, NULL);
  gsl_vector_view xs = gsl_vector_subvector(x, p, q);
  if (!st) bm_vech(S, &xs.vector);
  gsl_matrix_free(S);
  return st;
}
/* (vech S, log nu) -> (vech S, nu) */
static int wishart_natural_of_lognu(const gsl_vector *u, void *params, gsl_vector *x)
{
  (void)params;
  gsl_vector_memcpy(x, u);
  size_t q = u->size - 1;
  gsl_vector_set(x, q, exp(gsl_vector_get(u, q)));
  return 0;
}

static void jeffreys_reparameterization_invariance(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(23);
  for (size_t p = 1; p <= 4; p++) {
    size_t q = bm_vech_len(p), n = p + q;
    gsl_matrix *S = gsl_matrix_alloc(p, p), *I = gsl_matrix_alloc(n, n), *J = gsl_matrix_alloc(n, n),
               *IJ = gsl_matrix_alloc(n, n), *Iu = gsl_matrix_alloc(n, n);
    gsl_vector *u = gsl_vector_alloc(n);
    tu_random_spd(r, 20.0, 1.5, S);
    mvn_fisher(S, I);
    for (size_t i = 0; i < p; i++) gsl_vector_set(u, i, gsl_ran_gaussian(r, 1.0));
    gsl_vector_view th = gsl_vector_subvector(u, p, q);
    assert_int_equal(bm_transform_logchol_forward(S, &th.vector), BM_SUCCESS);
    assert_int_equal(bm_fd_jacobian(mvn_natural_of_unconstrained, &p, n, u, NULL, J, NULL), BM_SUCCESS);
    /* Fisher in unconstrained coordinates J^T I J, its Jeffreys prior directly */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, I, J, 0.0, IJ);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, J, IJ, 0.0, Iu);
    bm_sym_from_lower(Iu);
    double direct, via, pi_sigma, lj;
    assert_int_equal(bm_jeffreys_from_fisher(Iu, NULL, 0, &direct), BM_SUCCESS);
    assert_int_equal(bm_jeffreys_reparam(I, J, &via), BM_SUCCESS);
    assert_true(fabs(direct - via) < 1e-8 * fmax(1, fabs(direct)));
    /* pi_theta = pi_Sigma + the log-Jacobian of docs/transforms.md */
    assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &pi_sigma), BM_SUCCESS);
    assert_int_equal(bm_transform_logchol_log_jacobian(&th.vector, &lj, NULL), BM_SUCCESS);
    assert_true(fabs(direct - (pi_sigma + lj)) < 1e-8 * fmax(1, fabs(direct)));

    /* nu <-> log nu on the full Wishart Fisher */
    size_t m = q + 1;
    double nu = (double)p + 0.7;
    gsl_matrix *IW = gsl_matrix_alloc(m, m), *JW = gsl_matrix_alloc(m, m), *T = gsl_matrix_alloc(m, m),
               *IWu = gsl_matrix_alloc(m, m);
    gsl_vector *uw = gsl_vector_alloc(m);
    wishart_fisher(S, nu, IW);
    gsl_vector_view sv = gsl_vector_subvector(uw, 0, q);
    bm_vech(S, &sv.vector);
    gsl_vector_set(uw, q, log(nu));
    bm_fd_jacobian(wishart_natural_of_lognu, NULL, m, uw, NULL, JW, NULL);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, IW, JW, 0.0, T);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, JW, T, 0.0, IWu);
    bm_sym_from_lower(IWu);
    double jw, jwu;
    assert_int_equal(bm_jeffreys_from_fisher(IW, NULL, 0, &jw), BM_SUCCESS);
    assert_int_equal(bm_jeffreys_from_fisher(IWu, NULL, 0, &jwu), BM_SUCCESS);
    assert_true(fabs(jwu - (jw + log(nu))) < 1e-8 * fmax(1, fabs(jwu)));
    free_matrices(IW, JW, T, IWu);
    gsl_vector_free(uw);
    free_matrices(S, I, J, IJ, Iu);
    gsl_vector_free(u);
  }
  gsl_rng_free(r);
}

/* Fisher callback: theta = (mu, vech Sigma) of N_p */
static int mvn_fisher_cb(const gsl_vector *theta, void *params, gsl_matrix *I)
{
  size_t p = *(size_t *)params, q = bm_vech_len(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p);
  gsl_vector_const_view v = gsl_vector_const_subvector(theta, p, q);
  bm_vech_unpack(&v.vector, S);
  int st = bm_chol_factor(S, L, NULL);
  if (!st) mvn_fisher(S, I);
  gsl_matrix_free(S);
  gsl_matrix_free(L);
  return st;
}

static void jeffreys_from_callback_matches(void **state)
{
  (void)state;
  size_t p = 3, q = 6, n = 9;
  gsl_rng *r = tu_rng(24);
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  gsl_vector *theta = gsl_vector_calloc(n);
  tu_random_spd(r, 10, 1, S);
  gsl_vector_view v = gsl_vector_subvector(theta, p, q);
  bm_vech(S, &v.vector);
  double lp;
  size_t idx[6] = {3, 4, 5, 6, 7, 8};
  assert_int_equal(bm_jeffreys_from_callback(mvn_fisher_cb, &p, theta, idx, q, &lp), BM_SUCCESS);
  tu_assert_rel(lp, -2.0 * logdet_spd(S) - 1.5 * log(2.0), 1e-11);
  /* failing callback: Sigma not SPD */
  gsl_vector_set(theta, 3, -1.0);
  assert_int_equal(bm_jeffreys_from_callback(mvn_fisher_cb, &p, theta, NULL, 0, &lp), BM_EDOM);
  assert_true(isnan(lp));
  gsl_vector_set(theta, 0, NAN);
  assert_int_equal(bm_jeffreys_from_callback(mvn_fisher_cb, &p, theta, NULL, 0, &lp), BM_ENONFINITE);
  assert_int_equal(bm_jeffreys_from_callback(NULL, &p, theta, NULL, 0, &lp), BM_EINVAL);
  gsl_matrix_free(S);
  gsl_vector_free(theta);
  gsl_rng_free(r);
}

static void singular_and_scaled_fisher(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(25);
  size_t n = 5;
  gsl_matrix *A = gsl_matrix_alloc(n, n - 1), *I = gsl_matrix_alloc(n, n);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n - 1; j++) gsl_matrix_set(A, i, j, gsl_ran_gaussian(r, 1));
  gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, A, A, 0.0, I);
  bm_sym_from_lower(I);
  double lp = 0;
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &lp), BM_ESING); /* rank n-1 */
  assert_true(isnan(lp));
  size_t idx[3] = {0, 2, 4};
  assert_int_equal(bm_jeffreys_from_fisher(I, idx, 3, &lp), BM_SUCCESS); /* a 3-block of rank 4 is regular */
  /* the matnorm pattern: singular along (0, vech U, -vech V) */
  {
    size_t nn = 2, pp = 2, qu = 3, qv = 3, m = nn * pp + qu + qv;
    gsl_matrix *U = gsl_matrix_alloc(nn, nn), *V = gsl_matrix_alloc(pp, pp), *Ui = gsl_matrix_alloc(nn, nn),
               *Vi = gsl_matrix_alloc(pp, pp), *F = gsl_matrix_calloc(m, m), *L = gsl_matrix_alloc(2, 2);
    gsl_vector *tu = gsl_vector_alloc(qu), *tv = gsl_vector_alloc(qv);
    tu_random_spd(r, 5, 1, U);
    tu_random_spd(r, 5, 1, V);
    bm_chol_factor(U, L, NULL);
    bm_chol_inverse(L, Ui);
    bm_chol_factor(V, L, NULL);
    bm_chol_inverse(L, Vi);
    gsl_matrix_view FM = gsl_matrix_submatrix(F, 0, 0, nn * pp, nn * pp);
    tu_kron(Vi, Ui, &FM.matrix); /* the M block V^-1 (x) U^-1 */
    gsl_matrix_view FU = gsl_matrix_submatrix(F, 4, 4, qu, qu), FV = gsl_matrix_submatrix(F, 7, 7, qv, qv);
    bm_vech_kron(pp / 2.0, Ui, Ui, 0.0, &FU.matrix);
    bm_vech_kron(nn / 2.0, Vi, Vi, 0.0, &FV.matrix);
    bm_vech_from_sym_grad(Ui, tu);
    bm_vech_from_sym_grad(Vi, tv);
    for (size_t a = 0; a < qu; a++)
      for (size_t b = 0; b < qv; b++) {
        double v = 0.5 * gsl_vector_get(tu, a) * gsl_vector_get(tv, b);
        gsl_matrix_set(F, 4 + a, 7 + b, v);
        gsl_matrix_set(F, 7 + b, 4 + a, v);
      }
    assert_int_equal(bm_jeffreys_from_fisher(F, NULL, 0, &lp), BM_ESING);
    size_t iu[7] = {0, 1, 2, 3, 4, 5, 6};
    assert_int_equal(bm_jeffreys_from_fisher(F, iu, 7, &lp), BM_SUCCESS);
    free_matrices(U, V, Ui, Vi, F, L);
    gsl_vector_free(tu);
    gsl_vector_free(tv);
  }
  /* indefinite: ENOTSPD */
  gsl_matrix_set_identity(I);
  gsl_matrix_set(I, 1, 0, 2.0);
  gsl_matrix_set(I, 0, 1, 2.0);
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &lp), BM_ENOTSPD);
  gsl_matrix_set_identity(I);
  gsl_matrix_set(I, 2, 2, -1.0);
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &lp), BM_ENOTSPD);
  gsl_matrix_set(I, 2, 2, 0.0);
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &lp), BM_ESING);
  /* scale-free: wildly different units, exact value */
  gsl_matrix_set_identity(I);
  double sc[5] = {1e-150, 1e-20, 1.0, 1e20, 1e150}, ref = 0;
  for (size_t i = 0; i < n; i++) {
    gsl_matrix_set(I, i, i, sc[i]);
    ref += 0.5 * log(sc[i]);
  }
  gsl_matrix_set(I, 1, 3, 0.5);
  gsl_matrix_set(I, 3, 1, 0.5); /* correlation 0.5 between 1 and 3 */
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &lp), BM_SUCCESS);
  assert_true(fabs(lp - (ref + 0.5 * log(0.75))) < 1e-12);
  gsl_matrix_free(A);
  gsl_matrix_free(I);
  gsl_rng_free(r);
}

/* The families' own closed-form Fisher matrices (wishart, invwishart, merged
 * into main) through bm_jeffreys_from_fisher: the scale alone is
 * proportional to |S|^{-(p+1)/2}, |Psi|^{-(p+1)/2}, with the exact constant
 * above; wishart's full matrix equals the one built here from docs/fisher.md. */
static void check_family_fisher_scale(gsl_rng *r, size_t p, size_t q, double nu)
{
  bm_wishart *w = bm_wishart_alloc(p);
  bm_invwishart *iw = bm_invwishart_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *F = gsl_matrix_alloc(q + 1, q + 1), *E = gsl_matrix_alloc(q + 1, q + 1);
  size_t idx[16];
  for (size_t a = 0; a < q; a++) idx[a] = a;
  for (int rep = 0; rep < 2; rep++) {
    tu_random_spd(r, 30.0, rep ? 4.0 : 0.3, S);
    double ld = logdet_spd(S), lp;
    double ref = scale_jeffreys_ref(p, q, nu, ld);
    assert_int_equal(bm_wishart_set(w, nu, S), BM_SUCCESS);
    assert_int_equal(bm_wishart_fisher(w, F), BM_SUCCESS);
    wishart_fisher(S, nu, E);
    tu_assert_matrix_close(F, E, 1e-10, 1e-12 * gsl_matrix_max(E));
    assert_int_equal(bm_jeffreys_from_fisher(F, idx, q, &lp), BM_SUCCESS);
    tu_assert_rel(lp, ref, 1e-10);
    /* inverse Wishart: I_PsiPsi = nu/2 T(C, C), same form in Psi */
    assert_int_equal(bm_invwishart_set(iw, nu, S), BM_SUCCESS);
    assert_int_equal(bm_invwishart_fisher(iw, F), BM_SUCCESS);
    assert_int_equal(bm_jeffreys_from_fisher(F, idx, q, &lp), BM_SUCCESS);
    tu_assert_rel(lp, ref, 1e-10);
  }
  bm_wishart_free(w);
  bm_invwishart_free(iw);
  free_matrices(S, F, E);
}

static void family_fisher_scale_jeffreys(void **state)
{
  (void)state;
  each_p(26, 1.5, check_family_fisher_scale);
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  gsl_matrix *I = gsl_matrix_alloc(3, 3), *R = gsl_matrix_alloc(3, 2);
  gsl_matrix_set_identity(I);
  double lp;
  size_t idx[3] = {0, 1, 1}, big[1] = {3};
  assert_int_equal(bm_jeffreys_from_fisher(NULL, NULL, 0, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, NULL), BM_EINVAL);
  assert_int_equal(bm_jeffreys_from_fisher(R, NULL, 0, &lp), BM_EBADLEN);
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 2, &lp), BM_EBADLEN);
  assert_int_equal(bm_jeffreys_from_fisher(I, idx, 3, &lp), BM_EINVAL); /* repeated */
  assert_int_equal(bm_jeffreys_from_fisher(I, big, 1, &lp), BM_EINVAL);
  assert_int_equal(bm_jeffreys_from_fisher(I, idx, 0, &lp), BM_EINVAL);
  assert_int_equal(bm_jeffreys_from_fisher(I, idx, 4, &lp), BM_EBADLEN);
  gsl_matrix_set(I, 1, 0, 0.3);
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &lp), BM_ENOTSYM);
  gsl_matrix_set(I, 0, 1, 0.3);
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &lp), BM_SUCCESS);
  tu_assert_rel(lp, 0.5 * log(1 - 0.09), 1e-14);
  gsl_matrix_set(I, 2, 2, INFINITY);
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &lp), BM_ENONFINITE);
  assert_true(isnan(lp));
  /* log|det| and reparam */
  assert_int_equal(bm_log_abs_det(NULL, &lp), BM_EINVAL);
  assert_int_equal(bm_log_abs_det(R, &lp), BM_EBADLEN);
  assert_int_equal(bm_log_abs_det(I, &lp), BM_ENONFINITE);
  gsl_matrix_set_zero(I);
  gsl_matrix_set(I, 0, 0, 2.0);
  gsl_matrix_set(I, 1, 2, -3.0);
  assert_int_equal(bm_log_abs_det(I, &lp), BM_ESING); /* row 2 is zero */
  gsl_matrix_set(I, 2, 1, 1.0); /* det = 2 * (0*0 - (-3)(1)) = 6 */
  assert_int_equal(bm_log_abs_det(I, &lp), BM_SUCCESS);
  tu_assert_rel(lp, log(6.0), 1e-15);
  gsl_matrix *F = gsl_matrix_alloc(3, 3);
  gsl_matrix_set_identity(F);
  assert_int_equal(bm_jeffreys_reparam(F, R, &lp), BM_EBADLEN);
  assert_int_equal(bm_jeffreys_reparam(F, NULL, &lp), BM_EINVAL);
  assert_int_equal(bm_jeffreys_reparam(F, I, &lp), BM_SUCCESS);
  tu_assert_rel(lp, log(6.0), 1e-15);
  free_matrices(F, I, R);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(mvn_jeffreys_closed_forms),      cmocka_unit_test(wishart_scale_jeffreys),
      cmocka_unit_test(jeffreys_reparameterization_invariance), cmocka_unit_test(jeffreys_from_callback_matches),
      cmocka_unit_test(singular_and_scaled_fisher),     cmocka_unit_test(family_fisher_scale_jeffreys),     cmocka_unit_test(bad_inputs_return_status),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
