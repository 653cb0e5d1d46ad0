/* Tests of the mvn family (distributions/mvn.c).
 * Where the expected numbers come from:
 *  - log-densities, KL and entropy: tests/data/mvn_mvt_ref.txt, made by
 *    tests/data/gen_mvn_mvt.py (mpmath at 60 digits from the exact binary64
 *    inputs; scipy.stats.multivariate_normal beside it);
 *  - gradients, score, Hessians: the finite-difference engine (fd.h);
 *  - Fisher information: Monte Carlo with standard errors from the sampler;
 *  - batched log-likelihood: sums of single evaluations.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L /* pthreads (ThreadSanitizer does not intercept C11 thrd_create) */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"

#define VV(name) bm_mvn_##name
#define VV_T bm_mvn
#define VV_FAMILY bm_family_mvn
#define VV_DIM bm_mvn_dim
#define VV_HESS_X bm_mvn_hess_x
#define VV_NAME "mvn"
#define VV_HAS_NU 0
#define VV_SET(d, nu, mu, S) ((void)(nu), bm_mvn_set((d), (mu), (S)))
#define VV_GRAD(d, x, dx, dmu, G, dnu) ((void)(dnu), bm_mvn_grad((d), (x), (dx), (dmu), (G)))
#define VV_FISHER_SEED 13
#define VV_FISHER_ATOL 1e-12
#define VV_FISHER_CASES {{1, NAN}, {2, NAN}, {3, NAN}}
#define VV_SAMPLER_CASE {.seed = 14, .p = 4, .nu = NAN, .cond = 100.0, .draws = 100000, .wrong_scale = 1.02}
#include "vecvar_tests.h"

/* ---- log-density ------------------------------------------------------------- */

static void logpdf_matches_reference(void **state)
{
  (void)state;
  FILE *f = tu_open_data("mvn_mvt_ref.txt");
  vv_record c = {0};
  size_t ncase = 0;
  while (vv_next_record(f, &c)) {
    if (strcmp(c.fam, "mvn") != 0) continue;
    size_t p = c.p;
    bm_mvn *d = bm_mvn_alloc(p);
    double tol, cond = tu_cond_number(c.S);
    vv_check_record(&c, d, &tol);
    /* the same density from the precision matrix and from the factor */
    gsl_matrix *L = gsl_matrix_alloc(p, p), *Lam = gsl_matrix_alloc(p, p);
    bm_chol_factor(c.S, L, NULL);
    bm_chol_inverse(L, Lam);
    double lp2, lp3;
    assert_int_equal(bm_mvn_set_precision(d, c.mu, Lam), BM_SUCCESS);
    assert_int_equal(bm_mvn_logpdf(d, c.x, &lp2), BM_SUCCESS);
    assert_true(fabs(lp2 - c.ref) <= 10 * tol + 1e-16 * cond * cond * fmax(1.0, fabs(c.ref)));
    assert_int_equal(bm_mvn_set_chol(d, c.mu, L), BM_SUCCESS);
    assert_int_equal(bm_mvn_logpdf(d, c.x, &lp3), BM_SUCCESS);
    assert_true(fabs(lp3 - c.ref) <= tol);
    bm_mvn_free(d);
    gsl_matrix_free(L);
    gsl_matrix_free(Lam);
    ncase++;
  }
  fclose(f);
  assert_true(ncase >= 30);
}

static void kl_and_entropy_match_reference(void **state)
{
  (void)state;
  FILE *f = tu_open_data("mvn_mvt_ref.txt");
  size_t ncase = 0;
  while (tu_next_record(f, "kl")) {
    size_t p;
    assert_int_equal(fscanf(f, "%zu", &p), 1);
    gsl_vector *mu0 = gsl_vector_alloc(p), *mu1 = gsl_vector_alloc(p);
    gsl_matrix *S0 = gsl_matrix_alloc(p, p), *S1 = gsl_matrix_alloc(p, p);
    tu_read_vector(f, mu0);
    tu_read_matrix(f, S0);
    tu_read_vector(f, mu1);
    tu_read_matrix(f, S1);
    double kl_ref, h_ref, kl, h, kl00;
    assert_int_equal(fscanf(f, "%lf %lf", &kl_ref, &h_ref), 2);
    bm_mvn *d0 = bm_mvn_alloc(p), *d1 = bm_mvn_alloc(p);
    assert_int_equal(bm_mvn_set(d0, mu0, S0), BM_SUCCESS);
    assert_int_equal(bm_mvn_set(d1, mu1, S1), BM_SUCCESS);
    assert_int_equal(bm_mvn_kl(d0, d1, &kl), BM_SUCCESS);
    tu_assert_rel(kl, kl_ref, 1e-12);
    assert_int_equal(bm_mvn_entropy(d0, &h), BM_SUCCESS);
    tu_assert_rel(h, h_ref, 1e-13);
    assert_int_equal(bm_mvn_kl(d0, d0, &kl00), BM_SUCCESS);
    assert_true(fabs(kl00) < 1e-13 * (double)p);
    bm_mvn_free(d0);
    bm_mvn_free(d1);
    gsl_vector_free(mu0);
    gsl_vector_free(mu1);
    gsl_matrix_free(S0);
    gsl_matrix_free(S1);
    ncase++;
  }
  fclose(f);
  assert_int_equal(ncase, 4);
}

/* ---- derivatives against finite differences ------------------------------- */

/* The precision and Cholesky parameterizations, which the family's theta
 * (mu, vech Sigma) does not cover; theta and x go through tu_fd. */
typedef struct {
  size_t p;
  bm_mvn *d;        /* scratch object the wrappers set */
  gsl_vector *x, *mu;
  int mode;         /* 1: vech Lambda; 2: lower L (vech order) */
} fd_ctx;

/* unpack the parameter by mode and set ctx->d; nonzero if not admissible */
static int set_from(fd_ctx *c, const gsl_vector *t)
{
  size_t p = c->p, q = bm_vech_len(p);
  gsl_matrix *M = gsl_matrix_alloc(p, p);
  int st;
  if (c->mode == 1) {
    bm_vech_unpack(t, M);
    st = bm_mvn_set_precision(c->d, c->mu, M);
  } else {
    gsl_matrix_set_zero(M);
    for (size_t k = 0; k < q; k++) {
      size_t i, j;
      bm_vech_pair(p, k, &i, &j);
      gsl_matrix_set(M, i, j, gsl_vector_get(t, k));
    }
    st = bm_mvn_set_chol(c->d, c->mu, M);
  }
  gsl_matrix_free(M);
  return st;
}

static int f_logpdf(const gsl_vector *t, void *params, double *f)
{
  fd_ctx *c = params;
  if (set_from(c, t)) return 1;
  return bm_mvn_logpdf(c->d, c->x, f);
}

static int g_logpdf(const gsl_vector *t, void *params, gsl_vector *g)
{
  fd_ctx *c = params;
  size_t p = c->p, q = bm_vech_len(p);
  if (set_from(c, t)) return 1;
  gsl_matrix *G = gsl_matrix_alloc(p, p);
  int st = 0;
  if (c->mode == 1) {
    st = bm_mvn_grad_precision(c->d, c->x, G);
    bm_vech_from_sym_grad(G, g);
  } else {
    st = bm_mvn_grad_chol(c->d, c->x, G);
    for (size_t k = 0; k < q; k++) {
      size_t i, j;
      bm_vech_pair(p, k, &i, &j);
      gsl_vector_set(g, k, gsl_matrix_get(G, i, j));
    }
  }
  gsl_matrix_free(G);
  return st;
}

static void grad_score_hess_match_fd(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(11);
  bm_check_options opt = {.tol = 1e-6, .seed = 3};
  for (size_t p = 1; p <= 4; p++)
    for (int rep = 0; rep < 3; rep++) {
      size_t q = bm_vech_len(p);
      gsl_matrix *X = gsl_matrix_alloc(1, p), *GX = gsl_matrix_alloc(1, p), *S = gsl_matrix_alloc(p, p);
      gsl_vector_view xrow = gsl_matrix_row(X, 0);
      fd_ctx c = {.p = p, .d = bm_mvn_alloc(p), .x = &xrow.vector, .mu = gsl_vector_alloc(p)};
      tu_fd cf = {bm_dist_alloc(&bm_family_mvn, 1, p), X, GX, grad_x};
      random_params(r, 30.0, c.mu, S);
      for (size_t i = 0; i < p; i++) gsl_vector_set(c.x, i, gsl_vector_get(c.mu, i) + gsl_ran_gaussian(r, 1.5));
      bm_check_result res;
      /* theta = (mu, vech Sigma): score, Hessian, the shaped gradient; x */
      gsl_vector *t = gsl_vector_alloc(p + q);
      gsl_vector_view tm = gsl_vector_subvector(t, 0, p), ts = gsl_vector_subvector(t, p, q);
      gsl_vector_memcpy(&tm.vector, c.mu);
      bm_vech(S, &ts.vector);
      vv_grad g = vv_grad_alloc(p);
      vv_fd_checks(&cf, t, &opt, NAN, &g);
      gsl_vector_scale(g.dx, -1.0);
      tu_assert_vector_close(g.dx, g.dmu, 0, 0);
      /* G_Lambda = -Sigma G_Sigma Sigma agrees with the direct precision gradient */
      assert_int_equal(bm_mvn_set(c.d, c.mu, S), BM_SUCCESS);
      gsl_matrix *GL = gsl_matrix_alloc(p, p), *GL2 = gsl_matrix_alloc(p, p);
      assert_int_equal(bm_mvn_grad_sigma_to_precision(c.d, g.G, GL), BM_SUCCESS);
      assert_int_equal(bm_mvn_grad_precision(c.d, c.x, GL2), BM_SUCCESS);
      tu_assert_matrix_close(GL, GL2, 1e-9, 1e-11);
      /* precision parameterization */
      gsl_matrix *Lam = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p);
      gsl_vector *u = gsl_vector_alloc(q);
      bm_chol_factor(S, L, NULL);
      bm_chol_inverse(L, Lam);
      bm_vech(Lam, u);
      c.mode = 1;
      assert_int_equal(bm_check_gradient(f_logpdf, g_logpdf, &c, u, &opt, &res), BM_SUCCESS);
      check_ok(&res, "grad precision", p, NAN);
      /* Cholesky parameterization */
      for (size_t k = 0; k < q; k++) {
        size_t i, j;
        bm_vech_pair(p, k, &i, &j);
        gsl_vector_set(u, k, gsl_matrix_get(L, i, j));
      }
      c.mode = 2;
      assert_int_equal(bm_check_gradient(f_logpdf, g_logpdf, &c, u, &opt, &res), BM_SUCCESS);
      check_ok(&res, "grad chol", p, NAN);
      gsl_vector_free(u);
      gsl_matrix_free(Lam);
      gsl_matrix_free(L);
      vv_grad_free(&g);
      gsl_matrix_free(GL);
      gsl_matrix_free(GL2);
      gsl_vector_free(t);
      bm_mvn_free(c.d);
      bm_dist_free(cf.d);
      gsl_vector_free(c.mu);
      free_matrices(S, X, GX);
    }
  gsl_rng_free(r);
}

/* KL(N0 || N1) over theta = (mu0, vech S0, mu1, vech S1) */
typedef struct {
  size_t p;
  bm_mvn *d0, *d1;
} kl_ctx;

static int kl_set(kl_ctx *c, const gsl_vector *t)
{
  size_t p = c->p, q = bm_vech_len(p);
  gsl_matrix *M = gsl_matrix_alloc(p, p);
  gsl_vector_const_view m0 = gsl_vector_const_subvector(t, 0, p), s0 = gsl_vector_const_subvector(t, p, q);
  gsl_vector_const_view m1 = gsl_vector_const_subvector(t, p + q, p),
                        s1 = gsl_vector_const_subvector(t, 2 * p + q, q);
  bm_vech_unpack(&s0.vector, M);
  int st = bm_mvn_set(c->d0, &m0.vector, M);
  bm_vech_unpack(&s1.vector, M);
  if (!st) st = bm_mvn_set(c->d1, &m1.vector, M);
  gsl_matrix_free(M);
  return st;
}
static int f_kl(const gsl_vector *t, void *params, double *f)
{
  kl_ctx *c = params;
  if (kl_set(c, t)) return 1;
  return bm_mvn_kl(c->d0, c->d1, f);
}
static int g_kl(const gsl_vector *t, void *params, gsl_vector *g)
{
  kl_ctx *c = params;
  size_t p = c->p, q = bm_vech_len(p);
  if (kl_set(c, t)) return 1;
  gsl_vector_view m0 = gsl_vector_subvector(g, 0, p), s0 = gsl_vector_subvector(g, p, q);
  gsl_vector_view m1 = gsl_vector_subvector(g, p + q, p), s1 = gsl_vector_subvector(g, 2 * p + q, q);
  gsl_matrix *G0 = gsl_matrix_alloc(p, p), *G1 = gsl_matrix_alloc(p, p);
  double kl;
  int st = bm_mvn_kl_grad(c->d0, c->d1, &kl, &m0.vector, G0, &m1.vector, G1);
  bm_vech_from_sym_grad(G0, &s0.vector);
  bm_vech_from_sym_grad(G1, &s1.vector);
  gsl_matrix_free(G0);
  gsl_matrix_free(G1);
  return st;
}

static void kl_grad_matches_fd(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(12);
  bm_check_options opt = {.tol = 1e-6, .seed = 5};
  for (size_t p = 1; p <= 4; p++) {
    size_t q = bm_vech_len(p);
    kl_ctx c = {p, bm_mvn_alloc(p), bm_mvn_alloc(p)};
    gsl_vector *t = gsl_vector_alloc(2 * (p + q));
    gsl_matrix *S = gsl_matrix_alloc(p, p);
    for (int k = 0; k < 2; k++) {
      gsl_vector_view m = gsl_vector_subvector(t, (size_t)k * (p + q), p);
      gsl_vector_view s = gsl_vector_subvector(t, (size_t)k * (p + q) + p, q);
      random_params(r, 20.0, &m.vector, S);
      bm_vech(S, &s.vector);
    }
    bm_check_result res;
    assert_int_equal(bm_check_gradient(f_kl, g_kl, &c, t, &opt, &res), BM_SUCCESS);
    check_ok(&res, "kl grad", p, NAN);
    bm_mvn_free(c.d0);
    bm_mvn_free(c.d1);
    gsl_vector_free(t);
    gsl_matrix_free(S);
  }
  gsl_rng_free(r);
}

/* ---- concurrent readers ------------------------------------------------------- */

typedef struct {
  const bm_mvn *d;
  const gsl_vector *x;
  gsl_vector *s;
  gsl_matrix *I;
  int status;
} reader_arg;

static void *reader(void *arg)
{
  reader_arg *a = arg;
  a->status = bm_mvn_score(a->d, a->x, a->s);
  if (!a->status) a->status = bm_mvn_fisher(a->d, a->I);
  return NULL;
}

/* Lambda is formed lazily on first use: readers racing on a freshly set
 * object must all see the same, correct values. */
static void concurrent_readers_agree(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(16);
  size_t p = 12, n = p + bm_vech_len(p), nthreads = 4;
  bm_mvn *d = bm_mvn_alloc(p), *ref = bm_mvn_alloc(p);
  gsl_vector *mu = gsl_vector_alloc(p), *x = gsl_vector_alloc(p), *sref = gsl_vector_alloc(n);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *Iref = gsl_matrix_alloc(n, n);
  reader_arg args[4];
  pthread_t th[4];
  for (size_t t = 0; t < nthreads; t++) {
    args[t].s = gsl_vector_alloc(n);
    args[t].I = gsl_matrix_alloc(n, n);
  }
  for (int rep = 0; rep < 30; rep++) {
    random_params(r, 10.0, mu, S);
    bm_rng_std_normal_vector(r, x);
    assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
    assert_int_equal(bm_mvn_set(ref, mu, S), BM_SUCCESS);
    for (size_t t = 0; t < nthreads; t++) {
      args[t].d = d;
      args[t].x = x;
      assert_int_equal(pthread_create(&th[t], NULL, reader, &args[t]), 0);
    }
    for (size_t t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
    bm_mvn_score(ref, x, sref);
    bm_mvn_fisher(ref, Iref);
    for (size_t t = 0; t < nthreads; t++) {
      assert_int_equal(args[t].status, BM_SUCCESS);
      tu_assert_vector_close(args[t].s, sref, 0, 0);
      tu_assert_matrix_close(args[t].I, Iref, 0, 0);
    }
  }
  for (size_t t = 0; t < nthreads; t++) {
    gsl_vector_free(args[t].s);
    gsl_matrix_free(args[t].I);
  }
  bm_mvn_free(d);
  bm_mvn_free(ref);
  free_vectors(mu, x, sref);
  gsl_matrix_free(S);
  gsl_matrix_free(Iref);
  gsl_rng_free(r);
}

/* ---- bad inputs -------------------------------------------------------------- */

static void vv_family_bad_inputs(void)
{
  size_t p = 3, q = 6;
  bm_mvn *d = bm_mvn_alloc(p), *d2 = bm_mvn_alloc(2);
  gsl_vector *mu = gsl_vector_calloc(p), *x = gsl_vector_calloc(p), *x2 = gsl_vector_calloc(2);
  gsl_vector *s = gsl_vector_alloc(p + q), *v = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *B = gsl_matrix_alloc(p, p), *H = gsl_matrix_alloc(p + q, p + q);
  gsl_matrix *S2 = gsl_matrix_alloc(2, 2), *X = gsl_matrix_calloc(5, p);
  gsl_rng *r = tu_rng(1);
  double lp = 0;
  gsl_matrix_set_identity(S);
  gsl_matrix_set_identity(S2);

  /* unset object */
  assert_int_equal(bm_mvn_logpdf(d, x, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvn_score(d, x, s), BM_EINVAL);
  assert_true(tu_all_nan_v(s));
  assert_int_equal(bm_mvn_fisher(d, H), BM_EINVAL);
  assert_true(tu_all_nan_m(H));
  assert_int_equal(bm_mvn_sample(d, r, x), BM_EINVAL);
  assert_true(tu_all_nan_v(x));
  gsl_vector_set_zero(x);
  assert_int_equal(bm_mvn_entropy(d, &lp), BM_EINVAL);

  /* _set failures */
  assert_int_equal(bm_mvn_set(NULL, mu, S), BM_EINVAL);
  assert_int_equal(bm_mvn_set(d, NULL, S), BM_EINVAL);
  assert_int_equal(bm_mvn_set(d, mu, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_set(d, x2, S), BM_EBADLEN);
  assert_int_equal(bm_mvn_set(d, mu, S2), BM_EBADLEN);
  gsl_vector_set(mu, 1, NAN);
  assert_int_equal(bm_mvn_set(d, mu, S), BM_ENONFINITE);
  gsl_vector_set(mu, 1, INFINITY);
  assert_int_equal(bm_mvn_set(d, mu, S), BM_ENONFINITE);
  gsl_vector_set(mu, 1, 0.5);
  gsl_matrix_memcpy(B, S);
  gsl_matrix_set(B, 2, 0, NAN);
  assert_int_equal(bm_mvn_set(d, mu, B), BM_ENONFINITE);
  gsl_matrix_set(B, 2, 0, 0.3); /* asymmetric */
  assert_int_equal(bm_mvn_set(d, mu, B), BM_ENOTSYM);
  gsl_matrix_set(B, 0, 2, 0.3);
  gsl_matrix_set(B, 1, 1, -1.0); /* indefinite */
  assert_int_equal(bm_mvn_set(d, mu, B), BM_ENOTSPD);
  assert_int_equal(bm_mvn_set_precision(d, mu, B), BM_ENOTSPD);
  gsl_matrix_set(B, 1, 1, 0.0);
  assert_int_equal(bm_mvn_set_chol(d, mu, B), BM_ENOTSPD);
  gsl_matrix_set(B, 2, 1, INFINITY);
  assert_int_equal(bm_mvn_set_chol(d, mu, B), BM_ENONFINITE);
  assert_int_equal(bm_mvn_set_chol(d, mu, S2), BM_EBADLEN);
  assert_int_equal(bm_mvn_set_precision(d, mu, NULL), BM_EINVAL);
  /* still unset after failures */
  assert_int_equal(bm_mvn_logpdf(d, x, &lp), BM_EINVAL);

  /* a good set, then failures keep it */
  assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
  double lp0;
  assert_int_equal(bm_mvn_logpdf(d, x, &lp0), BM_SUCCESS);
  assert_int_equal(bm_mvn_set(d, mu, B), BM_ENONFINITE);
  gsl_matrix_set(B, 2, 1, 0.0);
  gsl_matrix_set(B, 1, 1, -2.0);
  assert_int_equal(bm_mvn_set(d, mu, B), BM_ENOTSPD);
  assert_int_equal(bm_mvn_set_precision(d, mu, B), BM_ENOTSPD);
  assert_int_equal(bm_mvn_logpdf(d, x, &lp), BM_SUCCESS);
  assert_true(lp == lp0);

  /* evaluation with bad variates / outputs: the shared statuses, then mvn's own */
  vv_bad_evaluations(d, 0);
  gsl_vector_set(x, 0, NAN);
  assert_int_equal(bm_mvn_grad_precision(d, x, B), BM_ENONFINITE);
  assert_int_equal(bm_mvn_grad_chol(d, x, B), BM_ENONFINITE);
  gsl_vector_set(x, 0, INFINITY);
  assert_int_equal(bm_mvn_logpdf(d, x, &lp), BM_ENONFINITE);
  gsl_vector_set(x, 0, 0.0);
  assert_int_equal(bm_mvn_score(d, x, v), BM_EBADLEN);
  assert_true(tu_all_nan_v(v));
  assert_int_equal(bm_mvn_fisher(d, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_grad(d, x, NULL, NULL, H), BM_EBADLEN);
  assert_int_equal(bm_mvn_mean(d, x2), BM_EBADLEN);
  assert_int_equal(bm_mvn_cov(d, S2), BM_EBADLEN);
  assert_int_equal(bm_mvn_grad_sigma_to_precision(d, S, S), BM_EINVAL);
  assert_int_equal(bm_mvn_grad_sigma_to_precision(d, S2, B), BM_EBADLEN);
  /* batches */
  gsl_matrix_set(X, 4, 2, NAN);
  assert_int_equal(bm_mvn_loglik(d, X, &lp, NULL), BM_ENONFINITE);
  assert_int_equal(bm_mvn_loglik_grad(d, X, &lp, v, B), BM_ENONFINITE);
  assert_true(isnan(lp) && tu_all_nan_v(v) && tu_all_nan_m(B));
  gsl_matrix_set(X, 4, 2, 0.0);
  assert_int_equal(bm_mvn_loglik_grad(d, X, &lp, x2, NULL), BM_EBADLEN);
  /* KL */
  gsl_vector_set_zero(x2);
  gsl_matrix_set_identity(S2);
  assert_int_equal(bm_mvn_set(d2, x2, S2), BM_SUCCESS);
  assert_int_equal(bm_mvn_kl(d, d2, &lp), BM_EBADLEN);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvn_kl(d, NULL, &lp), BM_EINVAL);
  assert_int_equal(bm_mvn_kl(d, d, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_kl_grad(d, d, &lp, x2, NULL, NULL, NULL), BM_EBADLEN);

  gsl_rng_free(r);
  bm_mvn_free(d);
  bm_mvn_free(d2);
  free_vectors(mu, x, x2, s, v);
  free_matrices(S, B, H, S2, X);
}

/* ---- batched gradient at the edge of double range ------------------------------ */

/* Rows of size 1e308 against Sigma = 1e300 I: the Gram sum |z_i|^2 = 2e316
 * is beyond double range but the gradient (a_i = Lambda x_i = 1e8) is not.
 * Expected values in closed form (Sigma diagonal); p = 2 takes the small-p
 * route, p = 20 the scatter/whitened route. A gradient truly beyond range
 * (Sigma = 1e-300 I, x = 1e10: a = 1e310) stays BM_EDOM. */
static void loglik_grad_huge_rows_in_range(void **state)
{
  (void)state;
  const size_t ps[] = {2, 20};
  for (size_t c = 0; c < 2; c++) {
    size_t p = ps[c];
    bm_mvn *d = bm_mvn_alloc(p);
    gsl_vector *mu = gsl_vector_calloc(p), *dmu = gsl_vector_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *G = gsl_matrix_alloc(p, p), *X = gsl_matrix_calloc(2, p);
    gsl_matrix_set_identity(S);
    gsl_matrix_scale(S, 1e300);
    assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
    gsl_matrix_set(X, 0, 0, 1.5e308);
    gsl_matrix_set(X, 1, 1, -1e308);
    double ll = 0.0;
    assert_int_equal(bm_mvn_loglik_grad(d, X, &ll, dmu, G), BM_SUCCESS);
    assert_true(ll == -INFINITY); /* log f = -1.1e316 rounds to -inf */
    for (size_t i = 0; i < p; i++) {
      double em = i == 0 ? 1.5e8 : i == 1 ? -1e8 : 0.0;
      assert_true(fabs(gsl_vector_get(dmu, i) - em) <= 1e-14 * 1.5e8);
      for (size_t j = 0; j < p; j++) {
        double e = i != j ? 0.0 : i == 0 ? 0.5 * 2.25e16 : i == 1 ? 0.5e16 : -1e-300;
        double g = gsl_matrix_get(G, i, j);
        assert_true(i > 1 && i == j ? fabs(g - e) <= 1e-14 * 1e-300 : fabs(g - e) <= 1e-14 * 2.25e16);
      }
    }
    /* beyond range: every output NaN */
    gsl_matrix_set_identity(S);
    gsl_matrix_scale(S, 1e-300);
    assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
    gsl_matrix_set_zero(X);
    gsl_matrix_set(X, 0, 0, 1e10);
    assert_int_equal(bm_mvn_loglik_grad(d, X, &ll, dmu, G), BM_EDOM);
    assert_true(isnan(ll) && tu_all_nan_v(dmu) && tu_all_nan_m(G));
    bm_mvn_free(d);
    free_vectors(mu, dmu);
    free_matrices(S, G, X);
  }
}

/* Entries of x - mu at -DBL_MAX overflow inside the forward substitution
 * (r_3 - l_32 z_2, l_32 z_2 = -1.18 DBL_MAX) although a = Lambda r = 1e24 and
 * d_Sigma = 5e47 are in range (found by fuzz_grads). Expected values: mpmath
 * at 60 digits from the same binary inputs. */
static void grad_row_near_dbl_max(void **state)
{
  (void)state;
  static const double Sv[9] = {4.452904987668708e+284,  7.5142771666909448e+284, 7.5142771666909448e+284,
                               7.5142771666909448e+284, 1.7133247706459677e+285, 2.0194619885481914e+285,
                               7.5142771666909448e+284, 2.0194619885481914e+285, 2.9813590425250647e+285};
  static const double ea[3] = {1.0032687793859686e+24, -8.720819491116072e+23, 2.775523020680703e+23};
  static const double eG[9] = {5.032741218453056e+47,   -4.3746629630486925e+47, 1.3922977965579927e+47,
                               -4.3746629630486925e+47, 3.802634629831499e+47,   -1.2102417628396816e+47,
                               1.3922977965579927e+47,  -1.2102417628396816e+47, 3.8517640191642666e+46};
  bm_mvn *d = bm_mvn_alloc(3);
  gsl_vector *mu = gsl_vector_alloc(3), *x = gsl_vector_alloc(3), *dmu = gsl_vector_alloc(3);
  gsl_matrix *G = gsl_matrix_alloc(3, 3), *X = gsl_matrix_alloc(2, 3), *GB = gsl_matrix_alloc(3, 3);
  gsl_matrix_const_view S = gsl_matrix_const_view_array(Sv, 3, 3);
  gsl_vector_set_all(mu, 5.6875);
  assert_int_equal(bm_mvn_set(d, mu, &S.matrix), BM_SUCCESS);
  gsl_vector_set(x, 0, 1.625);
  gsl_vector_set(x, 1, -DBL_MAX);
  gsl_vector_set(x, 2, -DBL_MAX);
  double lp = 0.0;
  assert_int_equal(bm_mvn_logpdf_grad(d, x, &lp, NULL, dmu, G), BM_SUCCESS);
  assert_true(lp == -INFINITY); /* log f = -1.6e332 */
  for (size_t i = 0; i < 3; i++) {
    assert_true(fabs(gsl_vector_get(dmu, i) - ea[i]) <= 1e-12 * 1.1e24);
    for (size_t j = 0; j < 3; j++) assert_true(fabs(gsl_matrix_get(G, i, j) - eG[3 * i + j]) <= 1e-12 * 5.1e47);
  }
  /* the batch of two such rows: twice the single point */
  gsl_matrix_set_row(X, 0, x);
  gsl_matrix_set_row(X, 1, x);
  assert_int_equal(bm_mvn_loglik_grad(d, X, &lp, dmu, GB), BM_SUCCESS);
  for (size_t i = 0; i < 3; i++) {
    assert_true(fabs(gsl_vector_get(dmu, i) - 2.0 * ea[i]) <= 2e-12 * 1.1e24);
    for (size_t j = 0; j < 3; j++) assert_true(fabs(gsl_matrix_get(GB, i, j) - 2.0 * eG[3 * i + j]) <= 2e-12 * 5.1e47);
  }
  bm_mvn_free(d);
  free_vectors(mu, x, dmu);
  free_matrices(G, X, GB);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      VV_SHARED_TESTS,
      cmocka_unit_test(logpdf_matches_reference),    cmocka_unit_test(kl_and_entropy_match_reference),
      cmocka_unit_test(grad_score_hess_match_fd),    cmocka_unit_test(kl_grad_matches_fd),
      cmocka_unit_test(concurrent_readers_agree),    cmocka_unit_test(loglik_grad_huge_rows_in_range),
      cmocka_unit_test(grad_row_near_dbl_max),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
