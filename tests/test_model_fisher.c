/* Tests of inference/model_fisher.c.
 * References: textbook closed forms (linear regression I_beta = X^T X / s2,
 * I_s2 = n / (2 s2^2); logistic regression X^T W X), the FD engine
 * (model score and observed information against finite differences of the
 * log-likelihood written here), Monte Carlo (covariance of the score of a
 * Matern-5/2 Gaussian process, max |z| < 4), and the invariance
 * I_zeta = J^T I_eta J with J from bm_fd_jacobian.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_math.h>
#include "testutil.h"

/* ---------------- linear regression, eta = (beta, s2) ---------------- */
typedef tu_linreg linreg;

static int normal_score_hess(size_t i, const gsl_vector *th, void *params, gsl_vector *s, gsl_matrix *H)
{
  linreg *m = params;
  tu_normal_score_hess(gsl_vector_get(m->y, i) - gsl_vector_get(th, 0), gsl_vector_get(th, 1), s, H);
  return 0;
}
/* log-likelihood for the FD checks */
static int lin_loglik(const gsl_vector *eta, void *params, double *f)
{
  linreg *m = params;
  double e = gsl_vector_get(eta, m->k), s2 = m->log_s2 ? exp(e) : e, s = 0;
  if (s2 <= 0) return 1;
  for (size_t i = 0; i < m->n; i++) {
    double mu = 0;
    for (size_t j = 0; j < m->k; j++) mu += gsl_matrix_get(m->X, i, j) * gsl_vector_get(eta, j);
    double r = gsl_vector_get(m->y, i) - mu;
    s += -0.5 * log(2 * M_PI * s2) - 0.5 * r * r / s2;
  }
  *f = s;
  return 0;
}
static bm_model lin_model(linreg *m)
{
  bm_model mod = {m->n, m->k + 1, 2, tu_linreg_theta, tu_linreg_curv, tu_normal_model_fisher, normal_score_hess, m};
  return mod;
}
static int lin_score(const gsl_vector *eta, void *params, gsl_vector *g)
{
  bm_model mod = lin_model(params);
  return bm_model_score(&mod, eta, g);
}
static int lin_negobs(const gsl_vector *eta, void *params, gsl_matrix *H)
{
  bm_model mod = lin_model(params);
  int st = bm_model_observed_information(&mod, eta, H);
  gsl_matrix_scale(H, -1.0);
  return st;
}

static void make_linreg(gsl_rng *r, linreg *m, size_t n, size_t k)
{
  m->n = n;
  m->k = k;
  m->X = gsl_matrix_alloc(n, k);
  m->y = gsl_vector_alloc(n);
  m->log_s2 = 0;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < k; j++) gsl_matrix_set(m->X, i, j, gsl_ran_gaussian(r, 1));
    gsl_vector_set(m->y, i, gsl_ran_gaussian(r, 1));
  }
}

static void linear_regression_fisher(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(41);
  size_t n = 25, k = 3, d = k + 1;
  linreg m;
  make_linreg(r, &m, n, k);
  double s2 = 0.7;
  gsl_vector *eta = gsl_vector_alloc(d);
  for (size_t j = 0; j < k; j++) gsl_vector_set(eta, j, gsl_ran_gaussian(r, 1));
  gsl_vector_set(eta, k, s2);
  gsl_matrix *I = gsl_matrix_alloc(d, d), *E = gsl_matrix_calloc(d, d), *I2 = gsl_matrix_alloc(d, d);
  gsl_matrix_view Eb = gsl_matrix_submatrix(E, 0, 0, k, k);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / s2, m.X, m.X, 0.0, &Eb.matrix);
  gsl_matrix_set(E, k, k, (double)n / (2 * s2 * s2));
  bm_model mod = lin_model(&m);
  assert_int_equal(bm_model_fisher(&mod, eta, I), BM_SUCCESS);
  tu_assert_matrix_close(I, E, 1e-13, 1e-13);
  /* the Gaussian closed form: mu = X beta, Sigma = s2 I_n */
  gsl_matrix *Sigma = gsl_matrix_alloc(n, n), *dmu = gsl_matrix_calloc(n, d), *Id = gsl_matrix_alloc(n, n);
  gsl_matrix_set_identity(Sigma);
  gsl_matrix_scale(Sigma, s2);
  gsl_matrix_set_identity(Id);
  gsl_matrix_view dmx = gsl_matrix_submatrix(dmu, 0, 0, n, k);
  gsl_matrix_memcpy(&dmx.matrix, m.X);
  const gsl_matrix *dS[4] = {NULL, NULL, NULL, Id};
  assert_int_equal(bm_gaussian_model_fisher(Sigma, dmu, dS, d, I2), BM_SUCCESS);
  tu_assert_matrix_close(I2, E, 1e-13, 1e-13);
  /* Jeffreys of the model: 1/2 [log|X^T X| - (k+2) log s2 + log(n/2)] */
  double lp, ldx;
  gsl_matrix *XtX = gsl_matrix_alloc(k, k), *L = gsl_matrix_alloc(k, k);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, m.X, m.X, 0.0, XtX);
  bm_chol_factor(XtX, L, NULL);
  ldx = bm_chol_logdet(L);
  assert_int_equal(bm_model_jeffreys(&mod, eta, NULL, 0, &lp), BM_SUCCESS);
  tu_assert_rel(lp, 0.5 * (ldx - (double)(k + 2) * log(s2) + log(0.5 * (double)n)), 1e-12);
  /* score and observed information against finite differences, in s2 and in log s2 */
  bm_check_result res;
  for (int lg = 0; lg < 2; lg++) {
    m.log_s2 = lg;
    gsl_vector_set(eta, k, lg ? log(s2) : s2);
    assert_int_equal(bm_check_gradient(lin_loglik, lin_score, &m, eta, NULL, &res), BM_SUCCESS);
    assert_true(res.passed);
    assert_int_equal(bm_check_hessian(lin_loglik, lin_score, lin_negobs, &m, eta, NULL, &res), BM_SUCCESS);
    assert_true(res.passed);
  }
  /* invariance: I in (beta, log s2) = J^T I J with J = diag(1, .., 1, s2) from the FD engine */
  gsl_matrix *J = gsl_matrix_calloc(d, d), *Iz = gsl_matrix_alloc(d, d), *Iz2 = gsl_matrix_alloc(d, d);
  for (size_t j = 0; j < k; j++) gsl_matrix_set(J, j, j, 1.0);
  gsl_matrix_set(J, k, k, s2);
  m.log_s2 = 1;
  gsl_vector_set(eta, k, log(s2));
  bm_model mod2 = lin_model(&m);
  assert_int_equal(bm_model_fisher(&mod2, eta, Iz), BM_SUCCESS);
  assert_int_equal(bm_fisher_reparam(E, J, Iz2), BM_SUCCESS);
  tu_assert_matrix_close(Iz, Iz2, 1e-13, 1e-13);
  tu_assert_rel(gsl_matrix_get(Iz, k, k), 0.5 * (double)n, 1e-14);
  free_matrices(J, Iz, Iz2, XtX, L, Sigma, dmu, Id, I, I2, E);
  gsl_vector_free(eta);
  gsl_matrix_free(m.X);
  gsl_vector_free(m.y);
  gsl_rng_free(r);
}

/* ---------------- logistic regression ---------------- */
typedef struct {
  size_t n, k;
  gsl_matrix *X;
  int *y;
  int mean_param; /* theta_i = p_i (1) or logit p_i (0) */
} logit_model;

static double xb(const logit_model *m, size_t i, const gsl_vector *b)
{
  double e = 0;
  for (size_t j = 0; j < m->k; j++) e += gsl_matrix_get(m->X, i, j) * gsl_vector_get(b, j);
  return e;
}
static int lg_theta(size_t i, const gsl_vector *eta, void *params, gsl_vector *th, gsl_matrix *J)
{
  logit_model *m = params;
  double e = xb(m, i, eta), p = 1 / (1 + exp(-e));
  gsl_vector_set(th, 0, m->mean_param ? p : e);
  for (size_t j = 0; j < m->k; j++)
    gsl_matrix_set(J, 0, j, gsl_matrix_get(m->X, i, j) * (m->mean_param ? p * (1 - p) : 1.0));
  return 0;
}
static int lg_curv(size_t i, const gsl_vector *eta, const gsl_vector *w, void *params, gsl_matrix *C)
{
  logit_model *m = params;
  if (!m->mean_param) return 0;
  double p = 1 / (1 + exp(-xb(m, i, eta))), c = gsl_vector_get(w, 0) * p * (1 - p) * (1 - 2 * p);
  for (size_t a = 0; a < m->k; a++)
    for (size_t b = 0; b < m->k; b++)
      *gsl_matrix_ptr(C, a, b) += c * gsl_matrix_get(m->X, i, a) * gsl_matrix_get(m->X, i, b);
  return 0;
}
static int bern_fisher(size_t i, const gsl_vector *th, void *params, gsl_matrix *F)
{
  (void)i;
  logit_model *m = params;
  double t = gsl_vector_get(th, 0);
  if (m->mean_param) {
    gsl_matrix_set(F, 0, 0, 1 / (t * (1 - t)));
  } else {
    double p = 1 / (1 + exp(-t));
    gsl_matrix_set(F, 0, 0, p * (1 - p));
  }
  return 0;
}
static int bern_score_hess(size_t i, const gsl_vector *th, void *params, gsl_vector *s, gsl_matrix *H)
{
  logit_model *m = params;
  double t = gsl_vector_get(th, 0), y = m->y[i];
  if (m->mean_param) {
    gsl_vector_set(s, 0, y / t - (1 - y) / (1 - t));
    if (H) gsl_matrix_set(H, 0, 0, -y / (t * t) - (1 - y) / ((1 - t) * (1 - t)));
  } else {
    double p = 1 / (1 + exp(-t));
    gsl_vector_set(s, 0, y - p);
    if (H) gsl_matrix_set(H, 0, 0, -p * (1 - p));
  }
  return 0;
}

static void logistic_regression_fisher(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(42);
  size_t n = 60, k = 3;
  logit_model m = {n, k, gsl_matrix_alloc(n, k), malloc(n * sizeof(int)), 0};
  gsl_vector *b = gsl_vector_alloc(k);
  for (size_t j = 0; j < k; j++) gsl_vector_set(b, j, 0.5 * gsl_ran_gaussian(r, 1));
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < k; j++) gsl_matrix_set(m.X, i, j, gsl_ran_gaussian(r, 1));
    m.y[i] = gsl_rng_uniform(r) < 0.4;
  }
  /* X^T W X written out */
  gsl_matrix *E = gsl_matrix_calloc(k, k), *I = gsl_matrix_alloc(k, k), *O = gsl_matrix_alloc(k, k);
  for (size_t i = 0; i < n; i++) {
    double p = 1 / (1 + exp(-xb(&m, i, b))), w = p * (1 - p);
    for (size_t a = 0; a < k; a++)
      for (size_t c = 0; c < k; c++)
        *gsl_matrix_ptr(E, a, c) += w * gsl_matrix_get(m.X, i, a) * gsl_matrix_get(m.X, i, c);
  }
  bm_model mod = {n, k, 1, lg_theta, lg_curv, bern_fisher, bern_score_hess, &m};
  for (int mp = 0; mp < 2; mp++) {
    m.mean_param = mp;
    assert_int_equal(bm_model_fisher(&mod, b, I), BM_SUCCESS);
    tu_assert_matrix_close(I, E, 1e-12, 1e-13);
    /* canonical link: the observed information equals X^T W X whatever y is,
     * in the mean parameterization only with the curvature term */
    assert_int_equal(bm_model_observed_information(&mod, b, O), BM_SUCCESS);
    tu_assert_matrix_close(O, E, 1e-11, 1e-12);
  }
  mod.theta_curvature = NULL;
  assert_int_equal(bm_model_observed_information(&mod, b, O), BM_SUCCESS);
  gsl_matrix_sub(O, E);
  assert_true(gsl_matrix_max(O) - gsl_matrix_min(O) > 1e-3); /* the term matters */
  free(m.y);
  free_matrices(m.X, E, I, O);
  gsl_vector_free(b);
  gsl_rng_free(r);
}

/* ---------------- Gaussian process, Matern 5/2 ---------------- */
/* eta = (log ell, log sf2, log tau2, beta0); mu = beta0 1; Sigma = sf2 k(r/ell) + tau2 I.
 * natural = 0 uses eta, natural = 1 uses zeta = (ell, sf2, tau2, beta0). */
#define GPN 8
typedef struct {
  double t[GPN];
} gp;

static void gp_build(const gp *g, const gsl_vector *par, int natural, gsl_matrix *Sigma, gsl_vector *mu,
                     gsl_matrix *dmu, gsl_matrix **dS)
{
  double v0 = gsl_vector_get(par, 0), v1 = gsl_vector_get(par, 1), v2 = gsl_vector_get(par, 2);
  double ell = natural ? v0 : exp(v0), sf2 = natural ? v1 : exp(v1), tau2 = natural ? v2 : exp(v2);
  double beta0 = gsl_vector_get(par, 3);
  for (size_t a = 0; a < GPN; a++) {
    if (mu) gsl_vector_set(mu, a, beta0);
    if (dmu) {
      for (size_t j = 0; j < 4; j++) gsl_matrix_set(dmu, a, j, j == 3 ? 1.0 : 0.0);
    }
    for (size_t b = 0; b < GPN; b++) {
      double rr = fabs(g->t[a] - g->t[b]), u = sqrt(5.0) * rr / ell, e = exp(-u);
      double kk = sf2 * (1 + u + u * u / 3) * e;
      double dlogell = sf2 * (u * u / 3) * (1 + u) * e; /* d k / d log ell */
      gsl_matrix_set(Sigma, a, b, kk + (a == b ? tau2 : 0));
      if (dS) {
        gsl_matrix_set(dS[0], a, b, natural ? dlogell / ell : dlogell);
        gsl_matrix_set(dS[1], a, b, natural ? kk / sf2 : kk);
        gsl_matrix_set(dS[2], a, b, a == b ? (natural ? 1.0 : tau2) : 0.0);
      }
    }
  }
}

typedef struct {
  gp *g;
  gsl_vector *y;
} gp_data;

static int gp_loglik(const gsl_vector *eta, void *params, double *f)
{
  gp_data *D = params;
  gsl_matrix *S = gsl_matrix_alloc(GPN, GPN), *L = gsl_matrix_alloc(GPN, GPN);
  gsl_vector *mu = gsl_vector_alloc(GPN), *r = gsl_vector_alloc(GPN);
  gp_build(D->g, eta, 0, S, mu, NULL, NULL);
  int st = bm_chol_factor(S, L, NULL);
  if (!st) {
    gsl_vector_memcpy(r, D->y);
    gsl_vector_sub(r, mu);
    *f = -0.5 * GPN * log(2 * M_PI) - 0.5 * bm_chol_logdet(L) - 0.5 * bm_chol_quadform(L, r, NULL);
  }
  gsl_matrix_free(S);
  gsl_matrix_free(L);
  gsl_vector_free(mu);
  gsl_vector_free(r);
  return st;
}
static int gp_score(const gsl_vector *eta, void *params, gsl_vector *s)
{
  gp_data *D = params;
  gsl_matrix *S = gsl_matrix_alloc(GPN, GPN), *dmu = gsl_matrix_alloc(GPN, 4);
  gsl_matrix *dS[4] = {gsl_matrix_alloc(GPN, GPN), gsl_matrix_alloc(GPN, GPN), gsl_matrix_alloc(GPN, GPN), NULL};
  gsl_vector *mu = gsl_vector_alloc(GPN);
  gp_build(D->g, eta, 0, S, mu, dmu, dS);
  int st = bm_gaussian_model_score(S, mu, dmu, (const gsl_matrix *const *)dS, 4, D->y, s, NULL);
  gsl_matrix_free(S);
  gsl_matrix_free(dmu);
  for (int j = 0; j < 3; j++) gsl_matrix_free(dS[j]);
  gsl_vector_free(mu);
  return st;
}

static void gp_matern_fisher_matches_monte_carlo(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(43);
  gp g;
  for (size_t a = 0; a < GPN; a++) g.t[a] = (double)a * 0.4 + 0.1 * gsl_rng_uniform(r);
  gsl_vector *eta = gsl_vector_alloc(4), *mu = gsl_vector_alloc(GPN), *y = gsl_vector_alloc(GPN),
             *s = gsl_vector_alloc(4);
  gsl_vector_set(eta, 0, log(0.9));
  gsl_vector_set(eta, 1, log(1.5));
  gsl_vector_set(eta, 2, log(0.2));
  gsl_vector_set(eta, 3, 0.3);
  gsl_matrix *S = gsl_matrix_alloc(GPN, GPN), *L = gsl_matrix_alloc(GPN, GPN), *dmu = gsl_matrix_alloc(GPN, 4),
             *I = gsl_matrix_alloc(4, 4);
  gsl_matrix *dS[4] = {gsl_matrix_alloc(GPN, GPN), gsl_matrix_alloc(GPN, GPN), gsl_matrix_alloc(GPN, GPN), NULL};
  gp_build(&g, eta, 0, S, mu, dmu, dS);
  assert_int_equal(bm_gaussian_model_fisher(S, dmu, (const gsl_matrix *const *)dS, 4, I), BM_SUCCESS);
  bm_chol_factor(S, L, NULL);
  gp_data D = {&g, y};
  /* the score against finite differences of the log-density, at a draw */
  bm_check_result res;
  bm_rng_std_normal_vector(r, y);
  bm_chol_lower_multiply(L, y);
  gsl_vector_add(y, mu);
  assert_int_equal(bm_check_gradient(gp_loglik, gp_score, &D, eta, NULL, &res), BM_SUCCESS);
  assert_true(res.passed);
  double lp, lp2;
  assert_int_equal(bm_gaussian_model_score(S, mu, dmu, (const gsl_matrix *const *)dS, 4, y, s, &lp), BM_SUCCESS);
  gp_loglik(eta, &D, &lp2);
  tu_assert_rel(lp, lp2, 1e-14);
  /* Monte Carlo: E[s s^T] = I */
  tu_mc *mc = tu_mc_alloc(4);
  size_t draws = 40000;
  for (size_t t = 0; t < draws; t++) {
    bm_rng_std_normal_vector(r, y);
    bm_chol_lower_multiply(L, y);
    gsl_vector_add(y, mu);
    bm_gaussian_model_score(S, mu, dmu, (const gsl_matrix *const *)dS, 4, y, s, NULL);
    tu_mc_add_outer(mc, s);
  }
  size_t wi, wj;
  double z = tu_mc_max_z(mc, I, 0.0, &wi, &wj);
  print_message("GP Matern-5/2 Fisher vs MC (%zu draws): max |z| = %.2f at (%zu,%zu)\n", draws, z, wi, wj);
  assert_true(z < 4.0);
  /* power: a 10% error in the Fisher matrix is detected */
  gsl_matrix *Iwrong = gsl_matrix_alloc(4, 4);
  gsl_matrix_memcpy(Iwrong, I);
  gsl_matrix_scale(Iwrong, 1.1);
  assert_true(tu_mc_max_z(mc, Iwrong, 0.0, &wi, &wj) > 4.0);
  gsl_matrix_free(Iwrong);
  tu_mc_free(mc);

  /* invariance: zeta = (ell, sf2, tau2, beta0) natural; eta = eta(zeta) = (log, log, log, id) */
  gsl_vector *zeta = gsl_vector_alloc(4);
  for (int j = 0; j < 3; j++) gsl_vector_set(zeta, j, exp(gsl_vector_get(eta, j)));
  gsl_vector_set(zeta, 3, gsl_vector_get(eta, 3));
  gsl_matrix *Iz = gsl_matrix_alloc(4, 4), *Iz2 = gsl_matrix_alloc(4, 4), *J = gsl_matrix_calloc(4, 4);
  gp_build(&g, zeta, 1, S, mu, dmu, dS);
  assert_int_equal(bm_gaussian_model_fisher(S, dmu, (const gsl_matrix *const *)dS, 4, Iz), BM_SUCCESS);
  for (int j = 0; j < 3; j++) gsl_matrix_set(J, j, j, 1 / gsl_vector_get(zeta, j));
  gsl_matrix_set(J, 3, 3, 1.0);
  assert_int_equal(bm_fisher_reparam(I, J, Iz2), BM_SUCCESS);
  tu_assert_matrix_close(Iz, Iz2, 1e-11, 1e-13);
  /* and the Jeffreys priors follow: log pi_zeta = log pi_eta + log|det J| */
  double jz, je, jr;
  assert_int_equal(bm_jeffreys_from_fisher(Iz, NULL, 0, &jz), BM_SUCCESS);
  assert_int_equal(bm_jeffreys_from_fisher(I, NULL, 0, &je), BM_SUCCESS);
  assert_int_equal(bm_jeffreys_reparam(I, J, &jr), BM_SUCCESS);
  assert_true(fabs(jz - jr) < 1e-10);
  assert_true(fabs(jz - (je - log(gsl_vector_get(zeta, 0) * gsl_vector_get(zeta, 1) * gsl_vector_get(zeta, 2)))) <
              1e-10);
  gsl_vector_free(zeta);
  free_matrices(Iz, Iz2, J);
  free_vectors(eta, mu, y, s);
  free_matrices(S, L, dmu, I);
  for (int j = 0; j < 3; j++) gsl_matrix_free(dS[j]);
  gsl_rng_free(r);
}

static int fail_theta(size_t i, const gsl_vector *eta, void *params, gsl_vector *th, gsl_matrix *J)
{
  (void)i;
  (void)eta;
  (void)params;
  (void)th;
  (void)J;
  return 1;
}
static int nan_fisher(size_t i, const gsl_vector *th, void *params, gsl_matrix *F)
{
  (void)i;
  (void)th;
  (void)params;
  gsl_matrix_set_all(F, NAN);
  return 0;
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(44);
  linreg m;
  make_linreg(r, &m, 5, 2);
  bm_model mod = lin_model(&m);
  gsl_vector *eta = gsl_vector_alloc(3), *e2 = gsl_vector_alloc(2), *s = gsl_vector_alloc(3);
  gsl_vector_set_all(eta, 0.5);
  gsl_matrix *I = gsl_matrix_alloc(3, 3), *I2 = gsl_matrix_alloc(2, 2);
  assert_int_equal(bm_model_fisher(NULL, eta, I), BM_EINVAL);
  assert_int_equal(bm_model_fisher(&mod, NULL, I), BM_EINVAL);
  assert_int_equal(bm_model_fisher(&mod, eta, NULL), BM_EINVAL);
  assert_int_equal(bm_model_fisher(&mod, e2, I), BM_EBADLEN);
  assert_int_equal(bm_model_fisher(&mod, eta, I2), BM_EBADLEN);
  bm_model b = mod;
  b.fisher = NULL;
  assert_int_equal(bm_model_fisher(&b, eta, I), BM_EINVAL);
  assert_true(tu_all_nan_m(I));
  b = mod;
  b.n_obs = 0;
  assert_int_equal(bm_model_fisher(&b, eta, I), BM_EINVAL);
  b = mod;
  b.score_hess = NULL;
  assert_int_equal(bm_model_observed_information(&b, eta, I), BM_EINVAL);
  assert_int_equal(bm_model_score(&b, eta, s), BM_EINVAL);
  b = mod;
  b.theta = fail_theta;
  assert_int_equal(bm_model_fisher(&b, eta, I), BM_EDOM);
  assert_true(tu_all_nan_m(I));
  b = mod;
  b.fisher = nan_fisher;
  assert_int_equal(bm_model_fisher(&b, eta, I), BM_EDOM);
  gsl_vector_set(eta, 2, -1.0); /* s2 < 0: the callback refuses */
  assert_int_equal(bm_model_fisher(&mod, eta, I), BM_EDOM);
  gsl_vector_set(eta, 2, NAN);
  assert_int_equal(bm_model_fisher(&mod, eta, I), BM_ENONFINITE);
  double lp;
  assert_int_equal(bm_model_jeffreys(&mod, eta, NULL, 0, &lp), BM_ENONFINITE);
  assert_true(isnan(lp));
  assert_int_equal(bm_model_jeffreys(&mod, eta, NULL, 0, NULL), BM_EINVAL);
  /* singular model: two identical columns of X */
  for (size_t i = 0; i < 5; i++) gsl_matrix_set(m.X, i, 1, gsl_matrix_get(m.X, i, 0));
  gsl_vector_set(eta, 2, 1.0);
  assert_int_equal(bm_model_jeffreys(&mod, eta, NULL, 0, &lp), BM_ESING);

  /* Gaussian model */
  gsl_matrix *S = gsl_matrix_alloc(3, 3), *dS0 = gsl_matrix_alloc(3, 3), *dmu = gsl_matrix_alloc(3, 2),
             *bad = gsl_matrix_alloc(2, 2);
  gsl_matrix_set_identity(S);
  gsl_matrix_set_identity(dS0);
  gsl_matrix_set_all(dmu, 1.0);
  const gsl_matrix *dS[2] = {dS0, NULL};
  gsl_vector *mu = gsl_vector_calloc(3), *y = gsl_vector_calloc(3), *s2v = gsl_vector_alloc(2);
  assert_int_equal(bm_gaussian_model_fisher(NULL, dmu, dS, 2, I2), BM_EINVAL);
  assert_int_equal(bm_gaussian_model_fisher(S, dmu, dS, 2, NULL), BM_EINVAL);
  assert_int_equal(bm_gaussian_model_fisher(S, dmu, dS, 0, I2), BM_EINVAL);
  assert_int_equal(bm_gaussian_model_fisher(S, dmu, dS, 2, I), BM_EBADLEN);
  assert_int_equal(bm_gaussian_model_fisher(bad, dmu, dS, 2, I2), BM_EBADLEN);
  assert_int_equal(bm_gaussian_model_fisher(S, bad, dS, 2, I2), BM_EBADLEN);
  gsl_matrix_set(dS0, 0, 1, 0.5);
  assert_int_equal(bm_gaussian_model_fisher(S, dmu, dS, 2, I2), BM_ENOTSYM);
  assert_true(tu_all_nan_m(I2));
  gsl_matrix_set(dS0, 0, 1, 0.0);
  gsl_matrix_set(dmu, 2, 1, INFINITY);
  assert_int_equal(bm_gaussian_model_fisher(S, dmu, dS, 2, I2), BM_ENONFINITE);
  gsl_matrix_set(dmu, 2, 1, 1.0);
  gsl_matrix_set(S, 2, 2, -1.0);
  assert_int_equal(bm_gaussian_model_fisher(S, dmu, dS, 2, I2), BM_ENOTSPD);
  assert_int_equal(bm_gaussian_model_score(S, mu, dmu, dS, 2, y, s2v, &lp), BM_ENOTSPD);
  assert_true(isnan(lp) && isnan(gsl_vector_get(s2v, 0)));
  gsl_matrix_set(S, 2, 2, 1.0);
  assert_int_equal(bm_gaussian_model_fisher(S, dmu, dS, 2, I2), BM_SUCCESS);
  /* I = [[3, 0], [0, 3/2]] for Sigma = I, dmu = ones(3, 2) -> mean part 3 everywhere */
  tu_assert_rel(gsl_matrix_get(I2, 0, 0), 3.0 + 1.5, 1e-15);
  tu_assert_rel(gsl_matrix_get(I2, 1, 1), 3.0, 1e-15);
  tu_assert_rel(gsl_matrix_get(I2, 0, 1), 3.0, 1e-15);
  gsl_vector_set(y, 0, NAN);
  assert_int_equal(bm_gaussian_model_score(S, mu, dmu, dS, 2, y, s2v, &lp), BM_ENONFINITE);
  assert_int_equal(bm_gaussian_model_score(S, mu, dmu, dS, 2, e2, s2v, &lp), BM_EBADLEN);
  assert_int_equal(bm_gaussian_model_score(S, mu, dmu, dS, 2, y, NULL, &lp), BM_EINVAL);
  /* reparam */
  assert_int_equal(bm_fisher_reparam(I2, NULL, I2), BM_EINVAL);
  assert_int_equal(bm_fisher_reparam(I2, S, I2), BM_EBADLEN);
  gsl_matrix_set(bad, 0, 0, NAN);
  assert_int_equal(bm_fisher_reparam(I2, bad, I2), BM_ENONFINITE);
  assert_true(tu_all_nan_m(I2));
  free_matrices(S, dS0, dmu, bad);
  free_vectors(mu, y, s2v, eta, e2, s);
  free_matrices(I, I2, m.X);
  gsl_vector_free(m.y);
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(linear_regression_fisher),
      cmocka_unit_test(logistic_regression_fisher),
      cmocka_unit_test(gp_matern_fisher_matches_monte_carlo),
      cmocka_unit_test(bad_inputs_return_status),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
