/* The checks the multivariate normal and multivariate t families share: the
 * same contract (a p-vector variate, parameters (mu, Sigma) and for mvt nu,
 * the same statuses) checked the same way — the reference file's log-density
 * records, finite differences in theta and in x, Monte Carlo Fisher
 * information and moments, the shared bad-input statuses, the dimension
 * accessor. Included by test_mvn.c and test_mvt.c, which first define
 *   VV(name)   the family's function bm_<family>_name
 *   VV_T       its distribution type;  VV_FAMILY its bm_family_type
 *   VV_NAME    its name as a string;   VV_HAS_NU  1 when theta ends with nu
 *   VV_SET(d, nu, mu, S)            _set (nu ignored without it)
 *   VV_GRAD(d, x, dx, dmu, G, dnu)  _grad (dnu likewise)
 *   VV_DIM, VV_HESS_X               its _dim and _hess_x, by name (so a search finds their tests)
 *   VV_FISHER_SEED, VV_FISHER_ATOL, VV_FISHER_CASES  the Fisher Monte Carlo
 *       cases {{p, nu}, ...} and the z-test's exact-zero tolerance
 *   VV_SAMPLER_CASE  {.seed, .p, .nu, .cond, .draws, .wrong_scale}
 * and keep the tests of what is their own; their main lists VV_SHARED_TESTS.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_VECVAR_TESTS_H
#define BAYESMAT_VECVAR_TESTS_H
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"

/* ---- helpers --------------------------------------------------------------- */

static void random_params(gsl_rng *r, double cond, gsl_vector *mu, gsl_matrix *S)
{
  for (size_t i = 0; i < mu->size; i++) gsl_vector_set(mu, i, gsl_ran_gaussian(r, 1.0));
  tu_random_spd(r, cond, exp(gsl_ran_flat(r, -1, 1)), S);
}

/* an object with random_params (nu unused without nu) */
static VV_T *random_dist(gsl_rng *r, size_t p, double nu, double cond)
{
  VV_T *d = VV(alloc)(p);
  gsl_vector *mu = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  random_params(r, cond, mu, S);
  assert_int_equal(VV_SET(d, nu, mu, S), BM_SUCCESS);
  gsl_vector_free(mu);
  gsl_matrix_free(S);
  return d;
}

/* ---- log-density ------------------------------------------------------------- */

/* One "logpdf" record of tests/data/mvn_mvt_ref.txt: fam p nu mu Sigma x, the
 * mpmath value and scipy's. */
typedef struct {
  char fam[32];
  size_t p;
  double nu, ref, ref_scipy;
  gsl_vector *mu, *x;
  gsl_matrix *S;
} vv_record;

/* The next record of f into c (the previous one's storage freed); 0 at the end. */
static int vv_next_record(FILE *f, vv_record *c)
{
  if (c->mu) gsl_vector_free(c->mu);
  if (c->x) gsl_vector_free(c->x);
  if (c->S) gsl_matrix_free(c->S);
  c->mu = c->x = NULL;
  c->S = NULL;
  if (!tu_next_record(f, "logpdf")) return 0;
  assert_int_equal(fscanf(f, "%31s %zu %lf", c->fam, &c->p, &c->nu), 3);
  c->mu = gsl_vector_alloc(c->p);
  c->x = gsl_vector_alloc(c->p);
  c->S = gsl_matrix_alloc(c->p, c->p);
  tu_read_vector(f, c->mu);
  tu_read_matrix(f, c->S);
  tu_read_vector(f, c->x);
  assert_int_equal(fscanf(f, "%lf %lf", &c->ref, &c->ref_scipy), 2);
  return 1;
}

/* log f of the record on d (set from it) against mpmath within tol =
 * (4e-15 + 2e-16 cond) max(1, |ref|) (a backward-stable Cholesky: the
 * quadratic form's error is ~ cond * eps), and against scipy (a
 * double-precision reference) within 1e-6 relative; returns log f. */
static double vv_check_record(const vv_record *c, VV_T *d, double *tol)
{
  double cond = tu_cond_number(c->S), lp;
  *tol = (4e-15 + 2e-16 * cond) * fmax(1.0, fabs(c->ref));
  assert_int_equal(VV_SET(d, c->nu, c->mu, c->S), BM_SUCCESS);
  assert_int_equal(VV(logpdf)(d, c->x, &lp), BM_SUCCESS);
  assert_true(isfinite(lp));
  if (!(fabs(lp - c->ref) <= *tol)) {
    print_error(VV_NAME " p=%zu nu=%g cond=%.1e: %.17g vs mpmath %.17g\n", c->p, c->nu, cond, lp, c->ref);
    fail();
  }
  assert_true(fabs(lp - c->ref_scipy) <= 1e-6 * fmax(1.0, fabs(c->ref)));
  return lp;
}

/* ---- derivatives against finite differences ------------------------------- */

/* the gradient in x (the row of X), for the x-derivative checks through tu_fd */
static int grad_x(const void *d, const gsl_matrix *X, gsl_matrix *G)
{
  gsl_vector_const_view x = gsl_matrix_const_row(X, 0);
  gsl_vector_view g = gsl_matrix_row(G, 0);
  return VV_GRAD((const VV_T *)d, &x.vector, &g.vector, NULL, NULL, NULL);
}

static void check_ok(const bm_check_result *res, const char *what, size_t p, double nu)
{
  if (!res->passed) {
    print_error(VV_NAME " %s p=%zu nu=%g: worst rel err %.3e at %zu (analytic %.10g numeric %.10g)\n", what, p, nu,
                res->worst_rel_err, res->worst_index, res->analytic, res->numeric);
    fail();
  }
}

/* The shaped gradient's outputs at the point of vv_fd_checks. */
typedef struct {
  gsl_vector *dx, *dmu;
  gsl_matrix *G;
  double dnu;
} vv_grad;

/* At theta t and the variate c->x (row 0): the score and Hessian in theta by
 * finite differences; then (c->d set to t) _grad's d mu, d Sigma (and d nu)
 * equal the score's blocks, left in g for the family's own checks; then the
 * gradient and Hessian in x by finite differences (x restored afterwards). */
static void vv_fd_checks(tu_fd *c, const gsl_vector *t, const bm_check_options *opt, double nu, vv_grad *g)
{
  size_t p = c->x->size2, q = bm_vech_len(p), m = t->size;
  gsl_vector_view xrow = gsl_matrix_row(c->x, 0);
  gsl_vector *x = &xrow.vector;
  bm_check_result res;
  assert_int_equal(bm_check_gradient(tu_fd_theta_logpdf, tu_fd_theta_score, c, t, opt, &res), BM_SUCCESS);
  check_ok(&res, "score", p, nu);
  assert_int_equal(bm_check_hessian(tu_fd_theta_logpdf, tu_fd_theta_score, tu_fd_theta_hess, c, t, opt, &res),
                   BM_SUCCESS);
  check_ok(&res, "hess", p, nu);
  /* the shaped gradient agrees with the score */
  assert_int_equal(bm_dist_set_theta(c->d, t), BM_SUCCESS);
  const VV_T *d = c->d->state;
  gsl_vector *s = gsl_vector_alloc(m), *gv = gsl_vector_alloc(q);
  VV(score)(d, x, s);
  assert_int_equal(VV_GRAD(d, x, g->dx, g->dmu, g->G, &g->dnu), BM_SUCCESS);
  bm_vech_from_sym_grad(g->G, gv);
  gsl_vector_view s1 = gsl_vector_subvector(s, 0, p), s2 = gsl_vector_subvector(s, p, q);
  tu_assert_vector_close(g->dmu, &s1.vector, 1e-14, 1e-14);
  tu_assert_vector_close(gv, &s2.vector, 1e-14, 1e-14);
  if (VV_HAS_NU) assert_true(g->dnu == gsl_vector_get(s, p + q));
  /* x */
  gsl_vector *x0 = gsl_vector_alloc(p);
  gsl_vector_memcpy(x0, x);
  assert_int_equal(bm_check_gradient(tu_fd_x_logpdf, tu_fd_x_grad, c, x0, opt, &res), BM_SUCCESS);
  check_ok(&res, "grad x", p, nu);
  assert_int_equal(bm_check_hessian(tu_fd_x_logpdf, tu_fd_x_grad, tu_fd_x_hess, c, x0, opt, &res), BM_SUCCESS);
  check_ok(&res, "hess x", p, nu);
  gsl_vector_memcpy(x, x0);
  free_vectors(x0, s, gv);
}

static vv_grad vv_grad_alloc(size_t p)
{
  vv_grad g = {gsl_vector_alloc(p), gsl_vector_alloc(p), gsl_matrix_alloc(p, p), NAN};
  return g;
}

static void vv_grad_free(vv_grad *g)
{
  gsl_vector_free(g->dx);
  gsl_vector_free(g->dmu);
  gsl_matrix_free(g->G);
}

/* ---- Fisher information and the sampler ------------------------------------- */

/* E[s s^T] and E[-H] over 1e5 draws of the family's sampler against _fisher
 * (max |z| < 4; entries within atol of zero count as exact), an object of
 * random_dist(r, p, nu, 10) */
static void vv_fisher_mc(gsl_rng *r, size_t p, double nu, double atol)
{
  const size_t draws = 100000;
  VV_T *d = random_dist(r, p, nu, 10.0);
  size_t n = VV(nparams)(d);
  gsl_matrix *I = gsl_matrix_alloc(n, n), *H = gsl_matrix_alloc(n, n);
  gsl_vector *x = gsl_vector_alloc(p), *s = gsl_vector_alloc(n);
  assert_int_equal(VV(fisher)(d, I), BM_SUCCESS);
  tu_mc *outer = tu_mc_alloc(n), *negh = tu_mc_alloc(n);
  for (size_t k = 0; k < draws; k++) {
    assert_int_equal(VV(sample)(d, r, x), BM_SUCCESS);
    VV(score)(d, x, s);
    VV(hess)(d, x, H);
    gsl_matrix_scale(H, -1.0);
    tu_mc_add_outer(outer, s);
    tu_mc_add(negh, H);
  }
  double z1 = tu_mc_max_z(outer, I, atol, NULL, NULL);
  double z2 = tu_mc_max_z(negh, I, atol, NULL, NULL);
  print_message(VV_NAME " p=%zu nu=%g: max |z| E[s s^T] %.2f, E[-H] %.2f\n", p, nu, z1, z2);
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
  VV(free)(d);
}

/* The sampler's mean and covariance against _mean and _cov (z-scores over
 * draws); the covariance scaled by wrong_scale is detected as wrong. */
static void vv_sampler_moments(unsigned long seed, size_t p, double nu, double cond, size_t draws, double wrong_scale)
{
  gsl_rng *r = tu_rng(seed);
  VV_T *d = random_dist(r, p, nu, cond);
  gsl_vector *x = gsl_vector_alloc(p), *mu = gsl_vector_alloc(p);
  gsl_matrix *C = gsl_matrix_alloc(p, p), *M = gsl_matrix_alloc(p, p);
  assert_int_equal(VV(mean)(d, mu), BM_SUCCESS);
  assert_int_equal(VV(cov)(d, C), BM_SUCCESS);
  tu_mc *cov = tu_mc_alloc(p);
  gsl_vector *m = gsl_vector_calloc(p);
  for (size_t k = 0; k < draws; k++) {
    VV(sample)(d, r, x);
    gsl_vector_sub(x, mu);
    gsl_vector_add(m, x);
    tu_mc_add_outer(cov, x);
  }
  for (size_t i = 0; i < p; i++) {
    double z = gsl_vector_get(m, i) / (double)draws / sqrt(gsl_matrix_get(C, i, i) / (double)draws);
    assert_true(fabs(z) < 4.0);
  }
  assert_true(tu_mc_max_z(cov, C, 0, NULL, NULL) < 4.0);
  gsl_matrix_memcpy(M, C);
  gsl_matrix_scale(M, wrong_scale);
  assert_true(tu_mc_max_z(cov, M, 0, NULL, NULL) > 4.0);
  tu_mc_free(cov);
  free_vectors(x, mu, m);
  free_matrices(C, M);
  VV(free)(d);
  gsl_rng_free(r);
}

/* ---- bad inputs -------------------------------------------------------------- */

/* The shared evaluation statuses on a set p = 3 object d: NULLs, wrong
 * lengths, a NaN at x[nan_at] (NaN outputs), batches of the wrong width. */
static void vv_bad_evaluations(const VV_T *d, size_t nan_at)
{
  size_t p = 3, n = VV(nparams)(d);
  gsl_vector *x = gsl_vector_calloc(p), *x2 = gsl_vector_calloc(2), *s = gsl_vector_alloc(n), *v = gsl_vector_alloc(p);
  gsl_matrix *B = gsl_matrix_alloc(p, p), *H = gsl_matrix_alloc(n, n), *X = gsl_matrix_calloc(5, p),
             *X2 = gsl_matrix_calloc(5, 2);
  gsl_rng *r = tu_rng(1);
  double lp = 0, dnu = 0;
  assert_int_equal(VV(logpdf)(NULL, x, &lp), BM_EINVAL);
  assert_int_equal(VV(logpdf)(d, x, NULL), BM_EINVAL);
  assert_int_equal(VV(logpdf)(d, NULL, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(VV(logpdf)(d, x2, &lp), BM_EBADLEN);
  gsl_vector_set(x, nan_at, NAN);
  assert_int_equal(VV(logpdf)(d, x, &lp), BM_ENONFINITE);
  assert_true(isnan(lp));
  assert_int_equal(VV_GRAD(d, x, v, NULL, NULL, &dnu), BM_ENONFINITE);
  assert_true(tu_all_nan_v(v) && (!VV_HAS_NU || isnan(dnu)));
  assert_int_equal(VV(score)(d, x, s), BM_ENONFINITE);
  assert_true(tu_all_nan_v(s));
  assert_int_equal(VV(hess)(d, x, H), BM_ENONFINITE);
  assert_true(tu_all_nan_m(H));
  assert_int_equal(VV_HESS_X(d, x, B), BM_ENONFINITE);
  assert_true(tu_all_nan_m(B));
  gsl_vector_set(x, nan_at, 0.0);
  assert_int_equal(VV(score)(d, x, v), BM_EBADLEN);
  assert_int_equal(VV(score)(d, x, NULL), BM_EINVAL);
  assert_int_equal(VV(hess)(d, x, B), BM_EBADLEN);
  assert_int_equal(VV_HESS_X(d, x, H), BM_EBADLEN);
  assert_int_equal(VV(fisher)(d, B), BM_EBADLEN);
  assert_int_equal(VV_GRAD(d, x, s, NULL, NULL, NULL), BM_EBADLEN);
  assert_int_equal(VV(sample)(d, NULL, x), BM_EINVAL);
  assert_int_equal(VV(sample)(d, r, x2), BM_EBADLEN);
  assert_int_equal(VV(loglik)(d, X2, &lp, NULL), BM_EBADLEN);
  assert_true(isnan(lp));
  assert_int_equal(VV(loglik)(d, NULL, &lp, NULL), BM_EINVAL);
  assert_int_equal(VV(loglik)(d, X, NULL, NULL), BM_EINVAL);
  assert_int_equal(VV(loglik)(d, X, &lp, v), BM_EBADLEN);
  gsl_rng_free(r);
  gsl_vector *vs[] = {x, x2, s, v};
  for (size_t i = 0; i < 4; i++) gsl_vector_free(vs[i]);
  gsl_matrix *ms[] = {B, H, X, X2};
  for (size_t i = 0; i < 4; i++) gsl_matrix_free(ms[i]);
}

/* ---- the shared test cases ------------------------------------------------------ */

typedef struct {
  size_t p;
  double nu;
} vv_fisher_case;

typedef struct {
  unsigned long seed;
  size_t p;
  double nu, cond;
  size_t draws;
  double wrong_scale;
} vv_sampler_case;

static void fisher_matches_monte_carlo(void **state)
{
  (void)state;
  static const vv_fisher_case cases[] = VV_FISHER_CASES;
  gsl_rng *r = tu_rng(VV_FISHER_SEED);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) vv_fisher_mc(r, cases[c].p, cases[c].nu, VV_FISHER_ATOL);
  gsl_rng_free(r);
}

static void sampler_moments(void **state)
{
  (void)state;
  static const vv_sampler_case c = VV_SAMPLER_CASE;
  vv_sampler_moments(c.seed, c.p, c.nu, c.cond, c.draws, c.wrong_scale);
}

/* the family's own bad-input checks (defined after the include; they run
 * vv_bad_evaluations on a set object) */
static void vv_family_bad_inputs(void);

static void bad_inputs_return_status(void **state)
{
  (void)state;
  /* GSL's default (aborting) error handler stays installed throughout */
  assert_null(VV(alloc)(0));
  VV(free)(NULL);
  assert_int_equal(VV(nparams)(NULL), 0);
  vv_family_bad_inputs();
}

/* ---- dimension ---------------------------------------------------------------- */

/* _dim: the p given to _alloc, before and after _set and after a failed _set;
 * a mean vector of that length is accepted and holds mu; 0 for NULL. */
static void dim_is_allocated_dimension(void **state)
{
  (void)state;
  size_t ps[] = {1, 2, 5};
  for (size_t t = 0; t < 3; t++) {
    size_t p = ps[t];
    VV_T *d = VV(alloc)(p);
    assert_int_equal(VV_DIM(d), p);
    gsl_vector *mu = gsl_vector_alloc(p), *mu2 = gsl_vector_calloc(p + 1);
    gsl_matrix *S = gsl_matrix_alloc(p, p);
    for (size_t i = 0; i < p; i++) gsl_vector_set(mu, i, 0.5 * (double)i - 1.0);
    gsl_matrix_set_identity(S);
    assert_int_equal(VV_SET(d, 4.5, mu, S), BM_SUCCESS);
    assert_int_equal(VV_DIM(d), p);
    assert_int_equal(VV(nparams)(d), p + p * (p + 1) / 2 + VV_HAS_NU);
    assert_int_equal(VV_SET(d, 4.5, mu2, S), BM_EBADLEN);
    assert_int_equal(VV_DIM(d), p);
    gsl_vector *v = gsl_vector_alloc(VV_DIM(d));
    assert_int_equal(VV(mean)(d, v), BM_SUCCESS);
    tu_assert_vector_close(v, mu, 0.0, 0.0);
    free_vectors(v, mu, mu2);
    gsl_matrix_free(S);
    VV(free)(d);
  }
  assert_int_equal(VV_DIM(NULL), 0);
}

#define VV_SHARED_TESTS                                                                                       \
  cmocka_unit_test(fisher_matches_monte_carlo), cmocka_unit_test(sampler_moments),                           \
      cmocka_unit_test(bad_inputs_return_status), cmocka_unit_test(dim_is_allocated_dimension)

#endif
