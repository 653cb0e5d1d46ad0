/* Tests of inference/transform.c: log, logit and log-Cholesky transforms.
 * References: round trips; log-Jacobians against the log|det| (GSL LU) of
 * the finite-difference Jacobian of the inverse map (bm_fd_jacobian);
 * analytic Jacobians and chain rules against the FD engine
 * (bm_check_gradient / bm_check_hessian) applied to the composed function.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"
#include "conjugate_testutil.h"
#include "iw_target.h"

/* log|det A| by GSL's LU (independent of the library) */
static double lu_logabsdet(const gsl_matrix *A)
{
  size_t n = A->size1;
  gsl_matrix *B = gsl_matrix_alloc(n, n);
  gsl_permutation *perm = gsl_permutation_alloc(n);
  int sgn;
  gsl_matrix_memcpy(B, A);
  gsl_linalg_LU_decomp(B, perm, &sgn);
  double l = gsl_linalg_LU_lndet(B);
  gsl_matrix_free(B);
  gsl_permutation_free(perm);
  return l;
}

/* ---- theta -> vech Sigma ---- */
static int vech_sigma_of_theta(const gsl_vector *theta, void *params, gsl_vector *v)
{
  size_t p = *(size_t *)params;
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  int st = bm_transform_logchol_inverse(theta, S, NULL);
  if (!st) bm_vech(S, v);
  gsl_matrix_free(S);
  return st;
}

static void random_theta(gsl_rng *r, size_t p, gsl_vector *theta)
{
  for (size_t k = 0; k < theta->size; k++) gsl_vector_set(theta, k, 0.6 * (gsl_rng_uniform(r) - 0.5) * 2.0);
  (void)p;
}

static void logchol_round_trip(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(11);
  for (size_t p = 1; p <= 6; p++) {
    size_t q = bm_vech_len(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *S2 = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p);
    gsl_vector *th = gsl_vector_alloc(q), *th2 = gsl_vector_alloc(q);
    tu_random_spd(r, 1e3, 2.0, S);
    assert_int_equal(bm_transform_logchol_forward(S, th), BM_SUCCESS);
    assert_int_equal(bm_transform_logchol_inverse(th, S2, L), BM_SUCCESS);
    tu_assert_matrix_close(S2, S, 1e-12, 1e-12 * gsl_matrix_max(S));
    /* L is the Cholesky factor: diag = exp(theta_ii) */
    for (size_t i = 0; i < p; i++)
      tu_assert_rel(gsl_matrix_get(L, i, i), exp(gsl_vector_get(th, bm_vech_index(p, i, i))), 1e-15);
    random_theta(r, p, th);
    bm_transform_logchol_inverse(th, S, NULL);
    assert_int_equal(bm_transform_logchol_forward(S, th2), BM_SUCCESS);
    tu_assert_vector_close(th2, th, 1e-10, 1e-12);
    free_matrices(S, S2, L);
    gsl_vector_free(th);
    gsl_vector_free(th2);
  }
  gsl_rng_free(r);
}

static void logchol_jacobian_matches_fd(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(12);
  for (size_t p = 1; p <= 5; p++) {
    size_t q = bm_vech_len(p);
    gsl_vector *th = gsl_vector_alloc(q);
    gsl_matrix *J = gsl_matrix_alloc(q, q), *Jfd = gsl_matrix_alloc(q, q);
    for (int rep = 0; rep < 3; rep++) {
      random_theta(r, p, th);
      assert_int_equal(bm_fd_jacobian(vech_sigma_of_theta, &p, q, th, NULL, Jfd, NULL), BM_SUCCESS);
      assert_int_equal(bm_transform_logchol_jacobian(th, J), BM_SUCCESS);
      tu_assert_matrix_close(J, Jfd, 1e-8, 1e-9);
      double lj;
      assert_int_equal(bm_transform_logchol_log_jacobian(th, &lj, NULL), BM_SUCCESS);
      double ref = lu_logabsdet(Jfd);
      assert_true(fabs(lj - ref) <= 1e-8 * fmax(1.0, fabs(ref)));
      /* the formula of docs/transforms.md written out with 1-based i */
      double s = (double)p * log(2.0);
      for (size_t i = 1; i <= p; i++) s += (double)(p - i + 2) * gsl_vector_get(th, bm_vech_index(p, i - 1, i - 1));
      tu_assert_rel(lj, s, 1e-14);
    }
    gsl_vector_free(th);
    gsl_matrix_free(J);
    gsl_matrix_free(Jfd);
  }
  gsl_rng_free(r);
}

/* f(Sigma) = -a log|Sigma| - 1/2 tr(B Sigma^-1) + tr(C Sigma), C symmetric.
 * Symmetric gradient G = -a S^-1 + 1/2 S^-1 B S^-1 + C; vech Hessian
 * a T(S^-1, S^-1) - 1/2 [T(P, S^-1) + T(S^-1, P)], P = S^-1 B S^-1. */
typedef struct {
  size_t p;
  double a;
  gsl_matrix *B, *C;
} ftest;

/* the inverse-Wishart-type part through iw_eval (iw_target.h), plus tr(C Sigma)
 * (its gradient C, no curvature) */
static int f_nat(const gsl_matrix *S, const ftest *t, double *f, gsl_vector *g, gsl_matrix *H)
{
  size_t p = t->p, q = bm_vech_len(p);
  iw_target m = {p, t->a, 0.0, t->B};
  gsl_vector *v = gsl_vector_alloc(q), *gc = g ? gsl_vector_alloc(q) : NULL;
  bm_vech(S, v);
  int st = iw_eval(v, &m, f, g, H);
  if (!st) {
    double trCS = 0;
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) trCS += gsl_matrix_get(t->C, i, j) * gsl_matrix_get(S, j, i);
    if (f) *f += trCS;
    if (g) {
      bm_vech_from_sym_grad(t->C, gc);
      gsl_vector_add(g, gc);
    }
  }
  free_vectors(v, gc);
  return st;
}

/* the natural function through theta = logchol(S): f, and the chain rule
 * for the gradient g and Hessian H in theta (each output may be NULL) */
static int at_theta(const gsl_vector *th, const ftest *t, double *f, gsl_vector *g, gsl_matrix *H)
{
  size_t q = th->size;
  gsl_matrix *S = gsl_matrix_alloc(t->p, t->p), *Hv = H ? gsl_matrix_alloc(q, q) : NULL;
  gsl_vector *gv = g || H ? gsl_vector_alloc(q) : NULL;
  int st = bm_transform_logchol_inverse(th, S, NULL);
  if (!st) st = f_nat(S, t, f, gv, Hv);
  if (!st && gv) st = bm_transform_logchol_chain(th, gv, Hv, g, H);
  gsl_matrix_free(S);
  if (Hv) gsl_matrix_free(Hv);
  if (gv) gsl_vector_free(gv);
  return st;
}
static int F_theta(const gsl_vector *th, void *params, double *f) { return at_theta(th, params, f, NULL, NULL); }
static int G_theta(const gsl_vector *th, void *params, gsl_vector *g) { return at_theta(th, params, NULL, g, NULL); }
static int H_theta(const gsl_vector *th, void *params, gsl_matrix *H) { return at_theta(th, params, NULL, NULL, H); }
/* the natural function in vech coordinates (to validate the test's own H) */
static int at_vech(const gsl_vector *v, const ftest *t, double *f, gsl_vector *g, gsl_matrix *H)
{
  gsl_matrix *S = gsl_matrix_alloc(t->p, t->p);
  bm_vech_unpack(v, S);
  int st = f_nat(S, t, f, g, H);
  gsl_matrix_free(S);
  return st;
}
static int F_vech(const gsl_vector *v, void *params, double *f) { return at_vech(v, params, f, NULL, NULL); }
static int G_vech(const gsl_vector *v, void *params, gsl_vector *g) { return at_vech(v, params, NULL, g, NULL); }
static int H_vech(const gsl_vector *v, void *params, gsl_matrix *H) { return at_vech(v, params, NULL, NULL, H); }

static void logchol_chain_rule_matches_fd(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(13);
  for (size_t p = 1; p <= 4; p++) {
    size_t q = bm_vech_len(p);
    ftest t = {p, 1.7, gsl_matrix_alloc(p, p), gsl_matrix_alloc(p, p)};
    tu_random_spd(r, 10.0, 1.0, t.B);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j <= i; j++) {
        double c = gsl_ran_gaussian(r, 0.3);
        gsl_matrix_set(t.C, i, j, c);
        gsl_matrix_set(t.C, j, i, c);
      }
    gsl_vector *th = gsl_vector_alloc(q), *v = gsl_vector_alloc(q);
    bm_check_result res;
    for (int rep = 0; rep < 3; rep++) {
      random_theta(r, p, th);
      /* the test's own natural derivatives first */
      gsl_matrix *S = gsl_matrix_alloc(p, p);
      bm_transform_logchol_inverse(th, S, NULL);
      bm_vech(S, v);
      gsl_matrix_free(S);
      assert_int_equal(bm_check_hessian(F_vech, G_vech, H_vech, &t, v, NULL, &res), BM_SUCCESS);
      assert_true(res.passed);
      /* the chain rule */
      assert_int_equal(bm_check_gradient(F_theta, G_theta, &t, th, NULL, &res), BM_SUCCESS);
      assert_true(res.passed);
      assert_int_equal(bm_check_hessian(F_theta, G_theta, H_theta, &t, th, NULL, &res), BM_SUCCESS);
      if (!res.passed) print_message("p=%zu worst %g\n", p, res.worst_rel_err);
      assert_true(res.passed);
    }
    gsl_matrix_free(t.B);
    gsl_matrix_free(t.C);
    gsl_vector_free(th);
    gsl_vector_free(v);
  }
  gsl_rng_free(r);
}

/* ---- scalars ---- */
static int x_of_u_log(const gsl_vector *u, void *params, gsl_vector *x)
{
  (void)params;
  return bm_transform_log_inverse(gsl_vector_get(u, 0), gsl_vector_ptr(x, 0), NULL);
}
static int x_of_u_logit(const gsl_vector *u, void *params, gsl_vector *x)
{
  (void)params;
  return bm_transform_logit_inverse(gsl_vector_get(u, 0), gsl_vector_ptr(x, 0), NULL);
}
/* h(x) = sin(3x) + x^2: h' = 3 cos 3x + 2x, h'' = -9 sin 3x + 2 */
static double hf(double x) { return sin(3 * x) + x * x; }
static double hg(double x) { return 3 * cos(3 * x) + 2 * x; }
static double hh(double x) { return -9 * sin(3 * x) + 2; }
static int F_log(const gsl_vector *u, void *p, double *f)
{
  (void)p;
  *f = hf(exp(gsl_vector_get(u, 0)));
  return 0;
}
static int G_log(const gsl_vector *u, void *p, gsl_vector *g)
{
  (void)p;
  double uu = gsl_vector_get(u, 0), x = exp(uu);
  return bm_transform_log_chain(uu, hg(x), 0, gsl_vector_ptr(g, 0), NULL);
}
static int H_log(const gsl_vector *u, void *p, gsl_matrix *H)
{
  (void)p;
  double uu = gsl_vector_get(u, 0), x = exp(uu), g;
  return bm_transform_log_chain(uu, hg(x), hh(x), &g, gsl_matrix_ptr(H, 0, 0));
}
static int F_logit(const gsl_vector *u, void *p, double *f)
{
  (void)p;
  *f = hf(1 / (1 + exp(-gsl_vector_get(u, 0))));
  return 0;
}
static int G_logit(const gsl_vector *u, void *p, gsl_vector *g)
{
  (void)p;
  double uu = gsl_vector_get(u, 0), x = 1 / (1 + exp(-uu));
  return bm_transform_logit_chain(uu, hg(x), 0, gsl_vector_ptr(g, 0), NULL);
}
static int H_logit(const gsl_vector *u, void *p, gsl_matrix *H)
{
  (void)p;
  double uu = gsl_vector_get(u, 0), x = 1 / (1 + exp(-uu)), g;
  return bm_transform_logit_chain(uu, hg(x), hh(x), &g, gsl_matrix_ptr(H, 0, 0));
}

/* the scalar transforms, each with its own round-trip tolerance */
typedef struct {
  const char *name;
  int (*inverse)(double u, double *x, double *logjac);
  int (*forward)(double x, double *u);
  bm_fn_vector x_of_u;
  bm_fn_scalar F;
  bm_fn_vector G;
  bm_fn_matrix H;
  double round_trip_rtol;
} scalar_transform;

static void scalar_transforms(void **state)
{
  (void)state;
  const scalar_transform ts[] = {{"log", bm_transform_log_inverse, bm_transform_log_forward, x_of_u_log, F_log, G_log,
                                  H_log, 1e-15},
                                 {"logit", bm_transform_logit_inverse, bm_transform_logit_forward, x_of_u_logit,
                                  F_logit, G_logit, H_logit, 1e-14}};
  double us[] = {-3.0, -0.4, 0.0, 0.7, 2.5};
  gsl_vector *u = gsl_vector_alloc(1);
  gsl_matrix *J = gsl_matrix_alloc(1, 1);
  bm_check_result res;
  for (size_t k = 0; k < 5; k++)
    for (size_t m = 0; m < 2; m++) {
      const scalar_transform *T = &ts[m];
      double x, lj, back;
      gsl_vector_set(u, 0, us[k]);
      assert_int_equal(T->inverse(us[k], &x, &lj), BM_SUCCESS);
      assert_int_equal(T->forward(x, &back), BM_SUCCESS);
      if (!(fabs(back - us[k]) <= T->round_trip_rtol * fmax(1, fabs(us[k]))))
        fail_msg("%s: round trip of u = %g gives %.17g", T->name, us[k], back);
      bm_fd_jacobian(T->x_of_u, NULL, 1, u, NULL, J, NULL);
      assert_true(fabs(lj - log(fabs(gsl_matrix_get(J, 0, 0)))) < 1e-9);
      assert_int_equal(bm_check_gradient(T->F, T->G, NULL, u, NULL, &res), BM_SUCCESS);
      assert_true(res.passed);
      assert_int_equal(bm_check_hessian(T->F, T->G, T->H, NULL, u, NULL, &res), BM_SUCCESS);
      assert_true(res.passed);
    }
  /* logit log-Jacobian stays finite and accurate far out: log x + log(1-x) ~ -|u| */
  double x, lj;
  assert_int_equal(bm_transform_logit_inverse(30.0, &x, &lj), BM_SUCCESS);
  tu_assert_rel(lj, -30.0 - 2 * log1p(exp(-30.0)), 1e-15);
  gsl_vector_free(u);
  gsl_matrix_free(J);
}

/* ---- maps ---- */
static const bm_transform_block BLOCKS[] = {
    {BM_TRANSFORM_IDENTITY, 2}, {BM_TRANSFORM_LOGCHOL, 3}, {BM_TRANSFORM_LOG, 1}, {BM_TRANSFORM_LOGIT, 2}};
#define NBLOCKS 4
#define DMAP (2 + 6 + 1 + 2)

static int map_x_of_u(const gsl_vector *u, void *params, gsl_vector *x)
{
  (void)params;
  return bm_transform_map_inverse(BLOCKS, NBLOCKS, u, x, NULL);
}
static int map_logjac(const gsl_vector *u, void *params, double *f)
{
  (void)params;
  gsl_vector *x = gsl_vector_alloc(u->size);
  int st = bm_transform_map_inverse(BLOCKS, NBLOCKS, u, x, f);
  gsl_vector_free(x);
  return st;
}
static int map_logjac_grad(const gsl_vector *u, void *params, gsl_vector *g)
{
  (void)params;
  gsl_vector_set_zero(g);
  return bm_transform_map_log_jacobian_add(BLOCKS, NBLOCKS, u, g, NULL);
}
static int map_logjac_hess(const gsl_vector *u, void *params, gsl_matrix *H)
{
  (void)params;
  gsl_vector *g = gsl_vector_calloc(u->size);
  gsl_matrix_set_zero(H);
  int st = bm_transform_map_log_jacobian_add(BLOCKS, NBLOCKS, u, g, H);
  gsl_vector_free(g);
  return st;
}
/* natural f(x) = sum_k w_k sin(x_k) + (sum_k x_k)^2 / 2: g_k = w_k cos x_k + s, H = -diag(w sin x) + 1 1^T */
static const double W[DMAP] = {0.3, -0.2, 0.5, 0.1, -0.4, 0.7, 0.2, -0.6, 0.9, -0.3, 0.4};
static int nat_f(const gsl_vector *x, double *f, gsl_vector *g, gsl_matrix *H)
{
  double s = 0, v = 0;
  for (size_t k = 0; k < DMAP; k++) {
    s += gsl_vector_get(x, k);
    v += W[k] * sin(gsl_vector_get(x, k));
  }
  if (f) *f = v + 0.5 * s * s;
  for (size_t k = 0; k < DMAP; k++) {
    if (g) gsl_vector_set(g, k, W[k] * cos(gsl_vector_get(x, k)) + s);
    if (H)
      for (size_t l = 0; l < DMAP; l++) gsl_matrix_set(H, k, l, (k == l ? -W[k] * sin(gsl_vector_get(x, k)) : 0) + 1);
  }
  return 0;
}
static int map_F(const gsl_vector *u, void *params, double *f)
{
  (void)params;
  gsl_vector *x = gsl_vector_alloc(DMAP);
  int st = bm_transform_map_inverse(BLOCKS, NBLOCKS, u, x, NULL);
  if (!st) nat_f(x, f, NULL, NULL);
  gsl_vector_free(x);
  return st;
}
static int map_G(const gsl_vector *u, void *params, gsl_vector *g)
{
  (void)params;
  gsl_vector *x = gsl_vector_alloc(DMAP), *gx = gsl_vector_alloc(DMAP);
  int st = bm_transform_map_inverse(BLOCKS, NBLOCKS, u, x, NULL);
  if (!st) nat_f(x, NULL, gx, NULL);
  if (!st) st = bm_transform_map_chain(BLOCKS, NBLOCKS, u, gx, NULL, g, NULL);
  gsl_vector_free(x);
  gsl_vector_free(gx);
  return st;
}
static int map_H(const gsl_vector *u, void *params, gsl_matrix *H)
{
  (void)params;
  gsl_vector *x = gsl_vector_alloc(DMAP), *gx = gsl_vector_alloc(DMAP), *gu = gsl_vector_alloc(DMAP);
  gsl_matrix *Hx = gsl_matrix_alloc(DMAP, DMAP);
  int st = bm_transform_map_inverse(BLOCKS, NBLOCKS, u, x, NULL);
  if (!st) nat_f(x, NULL, gx, Hx);
  if (!st) st = bm_transform_map_chain(BLOCKS, NBLOCKS, u, gx, Hx, gu, H);
  free_vectors(x, gx, gu);
  gsl_matrix_free(Hx);
  return st;
}

static void map_round_trip_jacobian_chain(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(14);
  assert_int_equal(bm_transform_map_dim(BLOCKS, NBLOCKS), DMAP);
  gsl_vector *u = gsl_vector_alloc(DMAP), *x = gsl_vector_alloc(DMAP), *u2 = gsl_vector_alloc(DMAP);
  gsl_matrix *J = gsl_matrix_alloc(DMAP, DMAP);
  bm_check_result res;
  for (int rep = 0; rep < 4; rep++) {
    for (size_t k = 0; k < DMAP; k++) gsl_vector_set(u, k, gsl_ran_gaussian(r, 0.5));
    double lj;
    assert_int_equal(bm_transform_map_inverse(BLOCKS, NBLOCKS, u, x, &lj), BM_SUCCESS);
    assert_int_equal(bm_transform_map_forward(BLOCKS, NBLOCKS, x, u2), BM_SUCCESS);
    tu_assert_vector_close(u2, u, 1e-10, 1e-12);
    assert_int_equal(bm_fd_jacobian(map_x_of_u, NULL, DMAP, u, NULL, J, NULL), BM_SUCCESS);
    assert_true(fabs(lj - lu_logabsdet(J)) < 1e-8 * fmax(1, fabs(lj)));
    assert_int_equal(bm_check_hessian(map_logjac, map_logjac_grad, map_logjac_hess, NULL, u, NULL, &res), BM_SUCCESS);
    assert_true(res.passed);
    assert_int_equal(bm_check_gradient(map_F, map_G, NULL, u, NULL, &res), BM_SUCCESS);
    assert_true(res.passed);
    assert_int_equal(bm_check_hessian(map_F, map_G, map_H, NULL, u, NULL, &res), BM_SUCCESS);
    assert_true(res.passed);
  }
  free_vectors(u, x, u2);
  gsl_matrix_free(J);
  gsl_rng_free(r);
}

static int all_nan_v(const gsl_vector *v)
{
  for (size_t i = 0; i < v->size; i++)
    if (!isnan(gsl_vector_get(v, i))) return 0;
  return 1;
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  double u, x, lj;
  assert_int_equal(bm_transform_log_forward(1.0, NULL), BM_EINVAL);
  assert_int_equal(bm_transform_log_forward(0.0, &u), BM_EDOM);
  assert_true(isnan(u));
  assert_int_equal(bm_transform_log_forward(-1.0, &u), BM_EDOM);
  assert_int_equal(bm_transform_log_forward(NAN, &u), BM_ENONFINITE);
  assert_int_equal(bm_transform_log_forward(INFINITY, &u), BM_ENONFINITE);
  assert_int_equal(bm_transform_log_inverse(INFINITY, &x, &lj), BM_ENONFINITE);
  assert_true(isnan(x) && isnan(lj));
  assert_int_equal(bm_transform_log_inverse(1000.0, &x, &lj), BM_EDOM);
  assert_int_equal(bm_transform_log_inverse(0.0, NULL, &lj), BM_EINVAL);
  assert_int_equal(bm_transform_logit_forward(1.0, &u), BM_EDOM);
  assert_int_equal(bm_transform_logit_forward(0.0, &u), BM_EDOM);
  assert_int_equal(bm_transform_logit_forward(NAN, &u), BM_ENONFINITE);
  assert_int_equal(bm_transform_logit_inverse(NAN, &x, NULL), BM_ENONFINITE);
  assert_int_equal(bm_transform_logit_inverse(800.0, &x, NULL), BM_EDOM);
  assert_int_equal(bm_transform_log_chain(0.0, 1.0, 1.0, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_transform_log_chain(0.0, NAN, 1.0, &u, NULL), BM_ENONFINITE);
  assert_int_equal(bm_transform_logit_chain(0.0, 1.0, NAN, &u, &x), BM_ENONFINITE);
  assert_true(isnan(u) && isnan(x));

  assert_int_equal(bm_transform_logchol_dim(0), 0);
  assert_int_equal(bm_transform_logchol_dim(6), 3);
  assert_int_equal(bm_transform_logchol_dim(7), 0);
  gsl_matrix *S = gsl_matrix_alloc(3, 3), *S2 = gsl_matrix_alloc(2, 2), *J = gsl_matrix_alloc(6, 6);
  gsl_vector *th = gsl_vector_alloc(6), *th5 = gsl_vector_alloc(5), *g = gsl_vector_alloc(6);
  gsl_matrix_set_identity(S);
  assert_int_equal(bm_transform_logchol_forward(NULL, th), BM_EINVAL);
  assert_int_equal(bm_transform_logchol_forward(S, NULL), BM_EINVAL);
  assert_int_equal(bm_transform_logchol_forward(S, th5), BM_EBADLEN);
  gsl_matrix_set(S, 1, 0, NAN);
  assert_int_equal(bm_transform_logchol_forward(S, th), BM_ENONFINITE);
  assert_true(all_nan_v(th));
  gsl_matrix_set(S, 1, 0, 0.5);
  assert_int_equal(bm_transform_logchol_forward(S, th), BM_ENOTSYM);
  gsl_matrix_set(S, 0, 1, 0.5);
  gsl_matrix_set(S, 2, 2, -1.0);
  assert_int_equal(bm_transform_logchol_forward(S, th), BM_ENOTSPD);
  assert_true(all_nan_v(th));
  gsl_vector_set_zero(th);
  assert_int_equal(bm_transform_logchol_inverse(th, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_transform_logchol_inverse(th5, S, NULL), BM_EBADLEN);
  assert_int_equal(bm_transform_logchol_inverse(th, S2, NULL), BM_EBADLEN);
  gsl_vector_set(th, 0, 1000.0);
  assert_int_equal(bm_transform_logchol_inverse(th, S, NULL), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(S, 0, 0)));
  gsl_vector_set(th, 0, NAN);
  assert_int_equal(bm_transform_logchol_inverse(th, S, NULL), BM_ENONFINITE);
  assert_int_equal(bm_transform_logchol_log_jacobian(th, &lj, g), BM_ENONFINITE);
  assert_true(isnan(lj) && all_nan_v(g));
  assert_int_equal(bm_transform_logchol_log_jacobian(th5, &lj, NULL), BM_EBADLEN);
  assert_int_equal(bm_transform_logchol_log_jacobian(th, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_transform_logchol_jacobian(th, J), BM_ENONFINITE);
  assert_true(isnan(gsl_matrix_get(J, 3, 2)));
  gsl_vector_set_zero(th);
  assert_int_equal(bm_transform_logchol_jacobian(th, S), BM_EBADLEN);
  assert_int_equal(bm_transform_logchol_chain(th, NULL, NULL, g, NULL), BM_EINVAL);
  assert_int_equal(bm_transform_logchol_chain(th, th5, NULL, g, NULL), BM_EBADLEN);
  assert_int_equal(bm_transform_logchol_chain(th, g, NULL, g, J), BM_EINVAL); /* H_theta without H_vech */
  gsl_vector_set(g, 2, INFINITY);
  assert_int_equal(bm_transform_logchol_chain(th, g, NULL, th, NULL), BM_ENONFINITE);
  assert_true(all_nan_v(th));

  /* maps */
  bm_transform_block bad[] = {{BM_TRANSFORM_LOG, 0}};
  bm_transform_block badkind[] = {{(bm_transform_kind)42, 2}};
  assert_int_equal(bm_transform_map_dim(NULL, 1), 0);
  assert_int_equal(bm_transform_map_dim(bad, 1), 0);
  assert_int_equal(bm_transform_map_dim(badkind, 1), 0);
  gsl_vector *x11 = gsl_vector_alloc(DMAP), *u11 = gsl_vector_alloc(DMAP);
  gsl_vector_set_all(x11, 0.5);
  assert_int_equal(bm_transform_map_forward(bad, 1, x11, u11), BM_EINVAL);
  assert_int_equal(bm_transform_map_forward(BLOCKS, NBLOCKS, x11, th), BM_EBADLEN);
  /* x11's SPD block has Sigma_11 = -1: ENOTSPD */
  gsl_vector_set(x11, 2, -1.0);
  assert_int_equal(bm_transform_map_forward(BLOCKS, NBLOCKS, x11, u11), BM_ENOTSPD);
  assert_true(all_nan_v(u11));
  gsl_vector_set_zero(u11);
  gsl_vector_set(u11, 9, NAN);
  assert_int_equal(bm_transform_map_inverse(BLOCKS, NBLOCKS, u11, x11, &lj), BM_ENONFINITE);
  assert_true(isnan(lj) && all_nan_v(x11));
  bm_laplace_problem prob;
  bm_transformed_target t = {BLOCKS, NBLOCKS, NULL, NULL, NULL, NULL};
  assert_int_equal(bm_transform_laplace_problem(&t, &prob), BM_EINVAL);
  assert_int_equal(bm_transform_laplace_problem(NULL, &prob), BM_EINVAL);
  free_matrices(S, S2, J);
  free_vectors(th, th5, g, x11, u11);
}

/* ---- logit derivatives from u (tests/data/gen_conjugate_edges.py) ----
 * dx/du = x(1-x) and 1 - 2x against mpmath at 80 digits, from u = -700 to 700.
 * Formed from the rounded x they were 4e-6 off at u = 25, 58 % at u = 36.5 and
 * BM_EDOM beyond u ~ 36.7, where x rounds to 1 but both are representable. */
static void logit_derivatives_match_mpmath(void **state)
{
  (void)state;
  const size_t nu = 13;
  double *us = eref("logit_u", nu), *ss = eref("logit_s", nu), *cs = eref("logit_c", nu);
  const bm_transform_block blk = {BM_TRANSFORM_LOGIT, 1};
  gsl_vector *u = gsl_vector_alloc(1), *g = gsl_vector_alloc(1);
  gsl_matrix *H = gsl_matrix_alloc(1, 1);
  double worst = 0.0;
  for (size_t i = 0; i < nu; i++) {
    double gu, hu;
    assert_int_equal(bm_transform_logit_chain(us[i], 1.0, 0.0, &gu, &hu), BM_SUCCESS);
    tu_assert_rel(gu, ss[i], 4e-16);
    if (cs[i] != 0.0) tu_assert_rel(hu, ss[i] * cs[i], 1e-15);
    else assert_true(hu == 0.0);
    assert_int_equal(bm_transform_logit_chain(us[i], 0.0, 1.0, &gu, &hu), BM_SUCCESS);
    tu_assert_rel(hu, ss[i] * ss[i], 1e-15);
    worst = fmax(worst, fabs(gu - 0.0));
    gsl_vector_set(u, 0, us[i]);
    gsl_vector_set(g, 0, 0.0);
    gsl_matrix_set(H, 0, 0, 0.0);
    assert_int_equal(bm_transform_map_log_jacobian_add(&blk, 1, u, g, H), BM_SUCCESS);
    if (cs[i] != 0.0) tu_assert_rel(gsl_vector_get(g, 0), cs[i], 1e-15);
    else assert_true(gsl_vector_get(g, 0) == 0.0);
    tu_assert_rel(gsl_matrix_get(H, 0, 0), -2.0 * ss[i], 4e-16);
  }
  assert_true(worst == 0.0);
  /* beyond |u| ~ 708 dx/du leaves the normal range: BM_EDOM, NaN outputs */
  double gu, hu;
  assert_int_equal(bm_transform_logit_chain(710.0, 1.0, 1.0, &gu, &hu), BM_EDOM);
  assert_true(isnan(gu) && isnan(hu));
  free(us);
  free(ss);
  free(cs);
  gsl_vector_free(u);
  gsl_vector_free(g);
  gsl_matrix_free(H);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(logchol_round_trip),          cmocka_unit_test(logchol_jacobian_matches_fd),
      cmocka_unit_test(logchol_chain_rule_matches_fd), cmocka_unit_test(scalar_transforms),
      cmocka_unit_test(map_round_trip_jacobian_chain), cmocka_unit_test(bad_inputs_return_status),
      cmocka_unit_test(logit_derivatives_match_mpmath),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
