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
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_eigen.h>
#include "testutil.h"

/* ---- helpers --------------------------------------------------------------- */

static void random_params(gsl_rng *r, double cond, gsl_vector *mu, gsl_matrix *S)
{
  for (size_t i = 0; i < mu->size; i++) gsl_vector_set(mu, i, gsl_ran_gaussian(r, 1.0));
  tu_random_spd(r, cond, exp(gsl_ran_flat(r, -1, 1)), S);
}

static bm_mvn *random_mvn(gsl_rng *r, size_t p, double cond)
{
  bm_mvn *d = bm_mvn_alloc(p);
  gsl_vector *mu = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  random_params(r, cond, mu, S);
  assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
  gsl_vector_free(mu);
  gsl_matrix_free(S);
  return d;
}

/* ---- log-density ------------------------------------------------------------- */

static void logpdf_matches_reference(void **state)
{
  (void)state;
  FILE *f = tu_open_data("mvn_mvt_ref.txt");
  char fam[32];
  size_t ncase = 0;
  while (tu_next_record(f, "logpdf")) {
    size_t p;
    double nu;
    assert_int_equal(fscanf(f, "%31s %zu %lf", fam, &p, &nu), 3);
    gsl_vector *mu = gsl_vector_alloc(p), *x = gsl_vector_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Lam = gsl_matrix_alloc(p, p);
    tu_read_vector(f, mu);
    tu_read_matrix(f, S);
    tu_read_vector(f, x);
    double ref, ref_scipy;
    assert_int_equal(fscanf(f, "%lf %lf", &ref, &ref_scipy), 2);
    if (strcmp(fam, "mvn") == 0) {
      double cond = tu_cond_number(S);
      /* backward-stable Cholesky: error of the quadratic form ~ cond * eps */
      double tol = (4e-15 + 2e-16 * cond) * fmax(1.0, fabs(ref));
      bm_mvn *d = bm_mvn_alloc(p);
      double lp;
      assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
      assert_int_equal(bm_mvn_logpdf(d, x, &lp), BM_SUCCESS);
      assert_true(isfinite(lp));
      if (!(fabs(lp - ref) <= tol)) {
        print_error("mvn p=%zu cond=%.1e: %.17g vs mpmath %.17g\n", p, cond, lp, ref);
        fail();
      }
      assert_true(fabs(lp - ref_scipy) <= 1e-6 * fmax(1.0, fabs(ref)));
      /* the same density from the precision matrix and from the factor */
      bm_chol_factor(S, L, NULL);
      bm_chol_inverse(L, Lam);
      double lp2, lp3;
      assert_int_equal(bm_mvn_set_precision(d, mu, Lam), BM_SUCCESS);
      assert_int_equal(bm_mvn_logpdf(d, x, &lp2), BM_SUCCESS);
      assert_true(fabs(lp2 - ref) <= 10 * tol + 1e-16 * cond * cond * fmax(1.0, fabs(ref)));
      assert_int_equal(bm_mvn_set_chol(d, mu, L), BM_SUCCESS);
      assert_int_equal(bm_mvn_logpdf(d, x, &lp3), BM_SUCCESS);
      assert_true(fabs(lp3 - ref) <= tol);
      bm_mvn_free(d);
      ncase++;
    }
    gsl_vector_free(mu);
    gsl_vector_free(x);
    gsl_matrix_free(S);
    gsl_matrix_free(L);
    gsl_matrix_free(Lam);
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

/* the gradient in x (the row of X), for the x-derivative checks through tu_fd */
static int grad_x(const void *d, const gsl_matrix *X, gsl_matrix *G)
{
  gsl_vector_const_view x = gsl_matrix_const_row(X, 0);
  gsl_vector_view g = gsl_matrix_row(G, 0);
  return bm_mvn_grad(d, &x.vector, &g.vector, NULL, NULL);
}

static void check_ok(const bm_check_result *res, const char *what, size_t p)
{
  if (!res->passed) {
    print_error("%s p=%zu: worst rel err %.3e (analytic %.10g numeric %.10g)\n", what, p, res->worst_rel_err,
                res->analytic, res->numeric);
    fail();
  }
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
      /* theta = (mu, vech Sigma): score and Hessian */
      gsl_vector *t = gsl_vector_alloc(p + q);
      gsl_vector_view tm = gsl_vector_subvector(t, 0, p), ts = gsl_vector_subvector(t, p, q);
      gsl_vector_memcpy(&tm.vector, c.mu);
      bm_vech(S, &ts.vector);
      assert_int_equal(bm_check_gradient(tu_fd_theta_logpdf, tu_fd_theta_score, &cf, t, &opt, &res), BM_SUCCESS);
      check_ok(&res, "score", p);
      assert_int_equal(bm_check_hessian(tu_fd_theta_logpdf, tu_fd_theta_score, tu_fd_theta_hess, &cf, t, &opt, &res),
                       BM_SUCCESS);
      check_ok(&res, "hess", p);
      /* shaped gradient agrees with the score */
      assert_int_equal(bm_mvn_set(c.d, c.mu, S), BM_SUCCESS);
      gsl_vector *s = gsl_vector_alloc(p + q), *dmu = gsl_vector_alloc(p), *dx = gsl_vector_alloc(p),
                 *gv = gsl_vector_alloc(q);
      gsl_matrix *G = gsl_matrix_alloc(p, p), *GL = gsl_matrix_alloc(p, p), *GL2 = gsl_matrix_alloc(p, p);
      bm_mvn_score(c.d, c.x, s);
      assert_int_equal(bm_mvn_grad(c.d, c.x, dx, dmu, G), BM_SUCCESS);
      bm_vech_from_sym_grad(G, gv);
      gsl_vector_view s1 = gsl_vector_subvector(s, 0, p), s2 = gsl_vector_subvector(s, p, q);
      tu_assert_vector_close(dmu, &s1.vector, 1e-14, 1e-14);
      tu_assert_vector_close(gv, &s2.vector, 1e-14, 1e-14);
      gsl_vector_scale(dx, -1.0);
      tu_assert_vector_close(dx, dmu, 0, 0);
      /* G_Lambda = -Sigma G_Sigma Sigma agrees with the direct precision gradient */
      assert_int_equal(bm_mvn_grad_sigma_to_precision(c.d, G, GL), BM_SUCCESS);
      assert_int_equal(bm_mvn_grad_precision(c.d, c.x, GL2), BM_SUCCESS);
      tu_assert_matrix_close(GL, GL2, 1e-9, 1e-11);
      /* x: gradient and Hessian (X as it was afterwards) */
      assert_int_equal(bm_dist_set_theta(cf.d, t), BM_SUCCESS);
      gsl_vector *x0 = gsl_vector_alloc(p);
      gsl_vector_memcpy(x0, c.x);
      assert_int_equal(bm_check_gradient(tu_fd_x_logpdf, tu_fd_x_grad, &cf, x0, &opt, &res), BM_SUCCESS);
      check_ok(&res, "grad x", p);
      assert_int_equal(bm_check_hessian(tu_fd_x_logpdf, tu_fd_x_grad, tu_fd_x_hess, &cf, x0, &opt, &res), BM_SUCCESS);
      check_ok(&res, "hess x", p);
      gsl_vector_memcpy(c.x, x0);
      gsl_vector_free(x0);
      /* precision parameterization */
      gsl_matrix *Lam = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p);
      gsl_vector *u = gsl_vector_alloc(q);
      bm_chol_factor(S, L, NULL);
      bm_chol_inverse(L, Lam);
      bm_vech(Lam, u);
      c.mode = 1;
      assert_int_equal(bm_check_gradient(f_logpdf, g_logpdf, &c, u, &opt, &res), BM_SUCCESS);
      check_ok(&res, "grad precision", p);
      /* Cholesky parameterization */
      for (size_t k = 0; k < q; k++) {
        size_t i, j;
        bm_vech_pair(p, k, &i, &j);
        gsl_vector_set(u, k, gsl_matrix_get(L, i, j));
      }
      c.mode = 2;
      assert_int_equal(bm_check_gradient(f_logpdf, g_logpdf, &c, u, &opt, &res), BM_SUCCESS);
      check_ok(&res, "grad chol", p);
      gsl_vector_free(u);
      gsl_matrix_free(Lam);
      gsl_matrix_free(L);
      gsl_vector_free(s);
      gsl_vector_free(dmu);
      gsl_vector_free(dx);
      gsl_vector_free(gv);
      gsl_matrix_free(G);
      gsl_matrix_free(GL);
      gsl_matrix_free(GL2);
      gsl_vector_free(t);
      bm_mvn_free(c.d);
      bm_dist_free(cf.d);
      gsl_vector_free(c.mu);
      gsl_matrix_free(S);
      gsl_matrix_free(X);
      gsl_matrix_free(GX);
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
    check_ok(&res, "kl grad", p);
    bm_mvn_free(c.d0);
    bm_mvn_free(c.d1);
    gsl_vector_free(t);
    gsl_matrix_free(S);
  }
  gsl_rng_free(r);
}

/* ---- Fisher information and the sampler ------------------------------------- */

static void fisher_matches_monte_carlo(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(13);
  const size_t draws = 100000;
  for (size_t p = 1; p <= 3; p++) {
    size_t n = p + bm_vech_len(p);
    bm_mvn *d = random_mvn(r, p, 10.0);
    gsl_matrix *I = gsl_matrix_alloc(n, n), *H = gsl_matrix_alloc(n, n);
    gsl_vector *x = gsl_vector_alloc(n), *s = gsl_vector_alloc(n);
    gsl_vector_view xv = gsl_vector_subvector(x, 0, p);
    assert_int_equal(bm_mvn_fisher(d, I), BM_SUCCESS);
    tu_mc *outer = tu_mc_alloc(n), *negh = tu_mc_alloc(n);
    for (size_t k = 0; k < draws; k++) {
      assert_int_equal(bm_mvn_sample(d, r, &xv.vector), BM_SUCCESS);
      bm_mvn_score(d, &xv.vector, s);
      bm_mvn_hess(d, &xv.vector, H);
      gsl_matrix_scale(H, -1.0);
      tu_mc_add_outer(outer, s);
      tu_mc_add(negh, H);
    }
    size_t wi = 0, wj = 0;
    double z1 = tu_mc_max_z(outer, I, 1e-12, &wi, &wj);
    double z2 = tu_mc_max_z(negh, I, 1e-12, &wi, &wj);
    print_message("mvn p=%zu: max |z| E[s s^T] %.2f, E[-H] %.2f\n", p, z1, z2);
    assert_true(z1 < 4.0);
    assert_true(z2 < 4.0);
    /* the information is not trivially zero, so the test can fail */
    assert_true(gsl_matrix_get(I, n - 1, n - 1) > 0.0);
    tu_mc_free(outer);
    tu_mc_free(negh);
    gsl_matrix_free(I);
    gsl_matrix_free(H);
    gsl_vector_free(x);
    gsl_vector_free(s);
    bm_mvn_free(d);
  }
  gsl_rng_free(r);
}

static void sampler_moments(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(14);
  size_t p = 4, draws = 100000;
  bm_mvn *d = random_mvn(r, p, 100.0);
  gsl_vector *x = gsl_vector_alloc(p), *mu = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *M = gsl_matrix_alloc(p, p);
  bm_mvn_mean(d, mu);
  bm_mvn_cov(d, S);
  tu_mc *cov = tu_mc_alloc(p);
  gsl_vector *m = gsl_vector_calloc(p);
  for (size_t k = 0; k < draws; k++) {
    bm_mvn_sample(d, r, x);
    gsl_vector_sub(x, mu);
    gsl_vector_add(m, x);
    tu_mc_add_outer(cov, x);
  }
  for (size_t i = 0; i < p; i++) {
    double z = gsl_vector_get(m, i) / (double)draws / sqrt(gsl_matrix_get(S, i, i) / (double)draws);
    assert_true(fabs(z) < 4.0);
  }
  assert_true(tu_mc_max_z(cov, S, 0, NULL, NULL) < 4.0);
  /* a wrong covariance is detected */
  gsl_matrix_memcpy(M, S);
  gsl_matrix_scale(M, 1.02);
  assert_true(tu_mc_max_z(cov, M, 0, NULL, NULL) > 4.0);
  tu_mc_free(cov);
  gsl_vector_free(x);
  gsl_vector_free(mu);
  gsl_vector_free(m);
  gsl_matrix_free(S);
  gsl_matrix_free(M);
  bm_mvn_free(d);
  gsl_rng_free(r);
}

/* ---- batches ---------------------------------------------------------------- */

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
  gsl_vector_free(mu);
  gsl_vector_free(x);
  gsl_vector_free(sref);
  gsl_matrix_free(S);
  gsl_matrix_free(Iref);
  gsl_rng_free(r);
}

/* ---- bad inputs -------------------------------------------------------------- */

static void bad_inputs_return_status(void **state)
{
  (void)state;
  /* GSL's default (aborting) error handler stays installed throughout */
  size_t p = 3, q = 6;
  assert_null(bm_mvn_alloc(0));
  bm_mvn_free(NULL);
  assert_int_equal(bm_mvn_nparams(NULL), 0);
  bm_mvn *d = bm_mvn_alloc(p), *d2 = bm_mvn_alloc(2);
  gsl_vector *mu = gsl_vector_calloc(p), *x = gsl_vector_calloc(p), *x2 = gsl_vector_calloc(2);
  gsl_vector *s = gsl_vector_alloc(p + q), *v = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *B = gsl_matrix_alloc(p, p), *H = gsl_matrix_alloc(p + q, p + q);
  gsl_matrix *S2 = gsl_matrix_alloc(2, 2), *X = gsl_matrix_calloc(5, p), *X2 = gsl_matrix_calloc(5, 2);
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

  /* evaluation with bad variates / outputs */
  assert_int_equal(bm_mvn_logpdf(NULL, x, &lp), BM_EINVAL);
  assert_int_equal(bm_mvn_logpdf(d, x, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_logpdf(d, NULL, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvn_logpdf(d, x2, &lp), BM_EBADLEN);
  gsl_vector_set(x, 0, NAN);
  assert_int_equal(bm_mvn_logpdf(d, x, &lp), BM_ENONFINITE);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvn_grad(d, x, v, NULL, NULL), BM_ENONFINITE);
  assert_true(tu_all_nan_v(v));
  assert_int_equal(bm_mvn_score(d, x, s), BM_ENONFINITE);
  assert_true(tu_all_nan_v(s));
  assert_int_equal(bm_mvn_hess(d, x, H), BM_ENONFINITE);
  assert_true(tu_all_nan_m(H));
  assert_int_equal(bm_mvn_hess_x(d, x, B), BM_ENONFINITE);
  assert_true(tu_all_nan_m(B));
  assert_int_equal(bm_mvn_grad_precision(d, x, B), BM_ENONFINITE);
  assert_int_equal(bm_mvn_grad_chol(d, x, B), BM_ENONFINITE);
  gsl_vector_set(x, 0, INFINITY);
  assert_int_equal(bm_mvn_logpdf(d, x, &lp), BM_ENONFINITE);
  gsl_vector_set(x, 0, 0.0);
  assert_int_equal(bm_mvn_score(d, x, v), BM_EBADLEN);
  assert_true(tu_all_nan_v(v));
  assert_int_equal(bm_mvn_score(d, x, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_hess(d, x, B), BM_EBADLEN);
  assert_int_equal(bm_mvn_hess_x(d, x, H), BM_EBADLEN);
  assert_int_equal(bm_mvn_fisher(d, B), BM_EBADLEN);
  assert_int_equal(bm_mvn_fisher(d, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_grad(d, x, s, NULL, NULL), BM_EBADLEN);
  assert_int_equal(bm_mvn_grad(d, x, NULL, NULL, H), BM_EBADLEN);
  assert_int_equal(bm_mvn_sample(d, NULL, x), BM_EINVAL);
  assert_int_equal(bm_mvn_sample(d, r, x2), BM_EBADLEN);
  assert_int_equal(bm_mvn_mean(d, x2), BM_EBADLEN);
  assert_int_equal(bm_mvn_cov(d, S2), BM_EBADLEN);
  assert_int_equal(bm_mvn_grad_sigma_to_precision(d, S, S), BM_EINVAL);
  assert_int_equal(bm_mvn_grad_sigma_to_precision(d, S2, B), BM_EBADLEN);
  /* batches */
  assert_int_equal(bm_mvn_loglik(d, X2, &lp, NULL), BM_EBADLEN);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvn_loglik(d, NULL, &lp, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_loglik(d, X, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_mvn_loglik(d, X, &lp, v), BM_EBADLEN);
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
  gsl_vector_free(mu);
  gsl_vector_free(x);
  gsl_vector_free(x2);
  gsl_vector_free(s);
  gsl_vector_free(v);
  gsl_matrix_free(S);
  gsl_matrix_free(B);
  gsl_matrix_free(H);
  gsl_matrix_free(S2);
  gsl_matrix_free(X);
  gsl_matrix_free(X2);
}

/* bm_mvn_dim: the p given to bm_mvn_alloc, before and after _set and after a failed _set;
 * a mean vector of that length is accepted and holds mu; 0 for NULL. */
static void dim_is_allocated_dimension(void **state)
{
  (void)state;
  size_t ps[] = {1, 2, 5};
  for (size_t t = 0; t < 3; t++) {
    size_t p = ps[t];
    bm_mvn *d = bm_mvn_alloc(p);
    assert_int_equal(bm_mvn_dim(d), p);
    gsl_vector *mu = gsl_vector_alloc(p), *mu2 = gsl_vector_calloc(p + 1);
    gsl_matrix *S = gsl_matrix_alloc(p, p);
    for (size_t i = 0; i < p; i++) gsl_vector_set(mu, i, 0.5 * (double)i - 1.0);
    gsl_matrix_set_identity(S);
    assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
    assert_int_equal(bm_mvn_dim(d), p);
    assert_int_equal(bm_mvn_nparams(d), p + p * (p + 1) / 2);
    assert_int_equal(bm_mvn_set(d, mu2, S), BM_EBADLEN);
    assert_int_equal(bm_mvn_dim(d), p);
    gsl_vector *v = gsl_vector_alloc(bm_mvn_dim(d));
    assert_int_equal(bm_mvn_mean(d, v), BM_SUCCESS);
    tu_assert_vector_close(v, mu, 0.0, 0.0);
    gsl_vector_free(v);
    gsl_vector_free(mu);
    gsl_vector_free(mu2);
    gsl_matrix_free(S);
    bm_mvn_free(d);
  }
  assert_int_equal(bm_mvn_dim(NULL), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(logpdf_matches_reference),    cmocka_unit_test(kl_and_entropy_match_reference),
      cmocka_unit_test(grad_score_hess_match_fd),    cmocka_unit_test(kl_grad_matches_fd),
      cmocka_unit_test(fisher_matches_monte_carlo),  cmocka_unit_test(sampler_moments),  cmocka_unit_test(bad_inputs_return_status),
      cmocka_unit_test(dim_is_allocated_dimension),
      cmocka_unit_test(concurrent_readers_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
