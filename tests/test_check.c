/* Tests of the verification tools (include/bayesmat/check.h) on models whose answers
 * are known in closed form:
 *   normal-normal: x_i ~ N(mu, 1), mu ~ N(0, tau^2); posterior N(m, v) with
 *     v = 1/(1/tau^2 + n), m = v sum x; evidence log N_n(x | 0, I + tau^2 1 1^T)
 *     = -n/2 log 2pi - 1/2 log(1 + n tau^2) - (|x|^2 - tau^2 (sum x)^2 / (1 + n tau^2)) / 2
 *     (matrix determinant lemma and Sherman-Morrison).
 *   univariate normal N(mu, s2), theta = (mu, s2): I = diag(1/s2, 1/(2 s2^2)).
 * Each check must pass on the right answer and fail on a wrong one.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "conjugate_testutil.h"
#include "fisher_mc_callbacks.h"
#include <gsl/gsl_randist.h>

#define NOBS 5

typedef struct {
  double x[NOBS];
  size_t n;
  double tau2;
  double v_scale;  /* claimed posterior variance = v_scale * v (1: right) */
  double m_shift;  /* claimed posterior mean shift */
  int fail_at;     /* callback returns BM_EDOM when > 0 and counter reaches it */
  int counter;
  double mu_true;  /* SBC */
} nn_ctx;

static void post_params(const nn_ctx *c, double *m, double *v)
{
  double s = 0.0;
  for (size_t i = 0; i < c->n; i++) s += c->x[i];
  *v = 1.0 / (1.0 / c->tau2 + (double)c->n);
  *m = *v * s;
}

static double log_norm(double x, double m, double v) { return -0.5 * log(2.0 * M_PI * v) - 0.5 * (x - m) * (x - m) / v; }

static int nn_prior(const gsl_vector *th, void *p, double *f)
{
  nn_ctx *c = p;
  *f = log_norm(gsl_vector_get(th, 0), 0.0, c->tau2);
  return BM_SUCCESS;
}

static int nn_lik(const gsl_vector *th, void *p, double *f)
{
  nn_ctx *c = p;
  double s = 0.0;
  for (size_t i = 0; i < c->n; i++) s += log_norm(c->x[i], gsl_vector_get(th, 0), 1.0);
  *f = s;
  return BM_SUCCESS;
}

static int nn_post(const gsl_vector *th, void *p, double *f)
{
  nn_ctx *c = p;
  if (c->fail_at > 0 && ++c->counter >= c->fail_at) return BM_EDOM;
  double m, v;
  post_params(c, &m, &v);
  *f = log_norm(gsl_vector_get(th, 0), m + c->m_shift, v * c->v_scale);
  return BM_SUCCESS;
}

static int nn_post_nan(const gsl_vector *th, void *p, double *f)
{
  (void)th;
  (void)p;
  *f = NAN;
  return BM_SUCCESS;
}

/* comparison points / proposal: N(m, 4 v) */
static int nn_sample(gsl_rng *r, void *p, gsl_vector *th)
{
  nn_ctx *c = p;
  double m, v;
  post_params(c, &m, &v);
  gsl_vector_set(th, 0, m + gsl_ran_gaussian(r, 2.0 * sqrt(v)));
  return BM_SUCCESS;
}

static int nn_prop_logpdf(const gsl_vector *th, void *p, double *f)
{
  nn_ctx *c = p;
  double m, v;
  post_params(c, &m, &v);
  *f = log_norm(gsl_vector_get(th, 0), m, 4.0 * v);
  return BM_SUCCESS;
}

static double nn_log_evidence(const nn_ctx *c)
{
  double s = 0.0, ss = 0.0, n = (double)c->n;
  for (size_t i = 0; i < c->n; i++) {
    s += c->x[i];
    ss += c->x[i] * c->x[i];
  }
  return -0.5 * n * log(2.0 * M_PI) - 0.5 * log1p(n * c->tau2) - 0.5 * (ss - c->tau2 * s * s / (1.0 + n * c->tau2));
}

static nn_ctx make_ctx(void)
{
  nn_ctx c;
  memset(&c, 0, sizeof c);
  double x[NOBS] = {0.3, -1.2, 2.1, 0.8, 1.5};
  memcpy(c.x, x, sizeof x);
  c.n = NOBS;
  c.tau2 = 2.0;
  c.v_scale = 1.0;
  return c;
}

static void proportionality_passes_right_fails_wrong(void **state)
{
  (void)state;
  nn_ctx c = make_ctx();
  bm_check_model m = {1, nn_prior, nn_lik, nn_post, nn_sample, nn_sample, nn_prop_logpdf, &c};
  gsl_rng *r = tu_rng(1);
  bm_proportional_result res;
  assert_int_equal(bm_check_proportional(&m, r, 100, 1e-10, &res), BM_SUCCESS);
  assert_true(res.passed);
  assert_true(res.worst_rel < 1e-12);
  assert_int_equal(res.n_pairs, 100);
  tu_assert_rel(res.log_const, nn_log_evidence(&c), 1e-12);
  /* a 1% error in the variance, or a mean shift, is caught; a constant offset would not be */
  c.v_scale = 1.01;
  assert_int_equal(bm_check_proportional(&m, r, 100, 1e-10, &res), BM_SUCCESS);
  assert_false(res.passed);
  c.v_scale = 1.0;
  c.m_shift = 0.05;
  assert_int_equal(bm_check_proportional(&m, r, 100, 1e-10, &res), BM_SUCCESS);
  assert_false(res.passed);
  gsl_rng_free(r);
}

static void evidence_checks(void **state)
{
  (void)state;
  nn_ctx c = make_ctx();
  bm_check_model m = {1, nn_prior, nn_lik, nn_post, nn_sample, nn_sample, nn_prop_logpdf, &c};
  gsl_rng *r = tu_rng(2);
  const double lz = nn_log_evidence(&c);
  bm_evidence_result ev;
  assert_int_equal(bm_check_evidence_is(&m, r, 20000, lz, 4.0, &ev), BM_SUCCESS);
  assert_true(ev.passed);
  assert_true(ev.se > 0.0 && ev.se < 0.02);
  assert_true(ev.ess > 1000.0 && ev.ess <= 20000.0);
  assert_int_equal(bm_check_evidence_is(&m, r, 20000, lz + 0.1, 4.0, &ev), BM_SUCCESS);
  assert_false(ev.passed);
  double worst;
  assert_int_equal(bm_check_evidence_identity(&m, r, 50, lz, &worst), BM_SUCCESS);
  assert_true(worst < 1e-13);
  assert_int_equal(bm_check_evidence_identity(&m, r, 50, lz + 1e-6, &worst), BM_SUCCESS);
  assert_true(worst > 1e-6 / (2.0 + fabs(lz)));
  c.v_scale = 1.01;
  assert_int_equal(bm_check_evidence_identity(&m, r, 50, lz, &worst), BM_SUCCESS);
  assert_true(worst > 1e-4);
  gsl_rng_free(r);
}

/* SBC with 5 observations per replication: theta* ~ N(0, tau^2), x ~ N(theta*, 1). */
static int sbc_prior(gsl_rng *r, void *p, gsl_vector *th)
{
  nn_ctx *c = p;
  gsl_vector_set(th, 0, gsl_ran_gaussian(r, sqrt(c->tau2)));
  return BM_SUCCESS;
}

static int sbc_cond(gsl_rng *r, const gsl_vector *th, void *p)
{
  nn_ctx *c = p;
  for (size_t i = 0; i < c->n; i++) c->x[i] = gsl_vector_get(th, 0) + gsl_ran_gaussian(r, 1.0);
  return BM_SUCCESS;
}

static int sbc_post(gsl_rng *r, void *p, gsl_vector *th)
{
  nn_ctx *c = p;
  double m, v;
  post_params(c, &m, &v);
  gsl_vector_set(th, 0, m + c->m_shift + gsl_ran_gaussian(r, sqrt(v * c->v_scale)));
  return BM_SUCCESS;
}

static int sbc_stat(const gsl_vector *th, void *p, gsl_vector *f)
{
  (void)p;
  gsl_vector_set(f, 0, gsl_vector_get(th, 0));
  gsl_vector_set(f, 1, gsl_vector_get(th, 0) * gsl_vector_get(th, 0));
  return BM_SUCCESS;
}

static void sbc_uniform_when_right(void **state)
{
  (void)state;
  nn_ctx c = make_ctx();
  bm_sbc_problem prob = {1, 2, sbc_prior, sbc_cond, sbc_post, sbc_stat, &c};
  gsl_rng *r = tu_rng(3);
  const size_t nsim = 1000, L = 19;
  gsl_matrix *ranks = gsl_matrix_alloc(nsim, 2);
  gsl_vector *pv = gsl_vector_alloc(2);
  bm_sbc_result res;
  assert_int_equal(bm_check_sbc(&prob, r, nsim, L, 10, ranks, pv, &res), BM_SUCCESS);
  assert_true(res.p_bonferroni > 0.001);
  assert_true(res.p_min == fmin(gsl_vector_get(pv, 0), gsl_vector_get(pv, 1)));
  /* mean rank ~ L/2 = 9.5 with sd sqrt(((L+1)^2 - 1)/12 / nsim) ~ 0.18 */
  double mr = 0.0;
  for (size_t i = 0; i < nsim; i++) mr += gsl_matrix_get(ranks, i, 0) / (double)nsim;
  assert_true(fabs(mr - 9.5) < 4.0 * sqrt((20.0 * 20.0 - 1.0) / 12.0 / (double)nsim));
  /* over-dispersed posterior (variance x2), under-dispersed (x0.5), biased mean: all caught */
  double scales[3] = {2.0, 0.5, 1.0}, shifts[3] = {0.0, 0.0, 0.3};
  for (int t = 0; t < 3; t++) {
    c.v_scale = scales[t];
    c.m_shift = shifts[t];
    assert_int_equal(bm_check_sbc(&prob, r, nsim, L, 10, NULL, NULL, &res), BM_SUCCESS);
    assert_true(res.p_bonferroni < 1e-4);
  }
  /* nbins not dividing L + 1 uses exact expected counts: still calibrated */
  c.v_scale = 1.0;
  c.m_shift = 0.0;
  assert_int_equal(bm_check_sbc(&prob, r, nsim, L, 7, NULL, pv, &res), BM_SUCCESS);
  assert_true(res.p_bonferroni > 0.001);
  gsl_matrix_free(ranks);
  gsl_vector_free(pv);
  gsl_rng_free(r);
}

/* Monte Carlo Fisher check on N(mu, s2), theta = (mu, s2). */
typedef struct {
  double mu, s2, x;
} un_ctx;

static int un_draw(gsl_rng *r, void *p)
{
  un_ctx *c = p;
  c->x = c->mu + gsl_ran_gaussian(r, sqrt(c->s2));
  return BM_SUCCESS;
}

static int un_score(void *p, gsl_vector *s)
{
  un_ctx *c = p;
  double d = c->x - c->mu;
  gsl_vector_set(s, 0, d / c->s2);
  gsl_vector_set(s, 1, -0.5 / c->s2 + 0.5 * d * d / (c->s2 * c->s2));
  return BM_SUCCESS;
}

static int un_hess(void *p, gsl_matrix *H)
{
  un_ctx *c = p;
  double d = c->x - c->mu, s2 = c->s2;
  gsl_matrix_set(H, 0, 0, -1.0 / s2);
  gsl_matrix_set(H, 0, 1, -d / (s2 * s2));
  gsl_matrix_set(H, 1, 0, -d / (s2 * s2));
  gsl_matrix_set(H, 1, 1, 0.5 / (s2 * s2) - d * d / (s2 * s2 * s2));
  return BM_SUCCESS;
}

static void fisher_mc_passes_right_fails_wrong(void **state)
{
  (void)state;
  un_ctx c = {0.7, 2.5, 0.0};
  bm_fisher_mc_problem prob = {2, un_draw, un_score, un_hess, &c};
  gsl_matrix *I = gsl_matrix_calloc(2, 2), *mo = gsl_matrix_alloc(2, 2), *mh = gsl_matrix_alloc(2, 2);
  gsl_matrix_set(I, 0, 0, 1.0 / c.s2);
  gsl_matrix_set(I, 1, 1, 0.5 / (c.s2 * c.s2));
  gsl_rng *r = tu_rng(4);
  bm_fisher_mc_result res;
  assert_int_equal(bm_check_fisher_mc(&prob, I, r, 100000, 4.0, mo, mh, &res), BM_SUCCESS);
  assert_true(res.passed);
  assert_true(res.max_z_outer < 4.0 && res.max_z_hess < 4.0);
  assert_int_equal(res.draws, 100000);
  tu_assert_rel(gsl_matrix_get(mh, 0, 0), 1.0 / c.s2, 1e-14); /* -H_00 is constant */
  /* the classic slip 1/s2^2 instead of 1/(2 s2^2) */
  gsl_matrix_set(I, 1, 1, 1.0 / (c.s2 * c.s2));
  assert_int_equal(bm_check_fisher_mc(&prob, I, r, 100000, 4.0, NULL, NULL, &res), BM_SUCCESS);
  assert_false(res.passed);
  assert_true(res.worst_i == 1 && res.worst_j == 1);
  /* a wrong constant entry (zero variance) is flagged with z = inf */
  gsl_matrix_set(I, 1, 1, 0.5 / (c.s2 * c.s2));
  gsl_matrix_set(I, 0, 0, 1.01 / c.s2);
  prob.hess = un_hess;
  assert_int_equal(bm_check_fisher_mc(&prob, I, r, 1000, 4.0, NULL, NULL, &res), BM_SUCCESS);
  assert_true(isinf(res.max_z_hess));
  /* without a Hessian only the outer product is checked */
  gsl_matrix_set(I, 0, 0, 1.0 / c.s2);
  prob.hess = NULL;
  assert_int_equal(bm_check_fisher_mc(&prob, I, r, 20000, 4.0, NULL, mh, &res), BM_SUCCESS);
  assert_true(res.passed && res.max_z_hess == 0.0 && isnan(gsl_matrix_get(mh, 0, 0)));
  free_matrices(I, mo, mh);
  gsl_rng_free(r);
}

/* "Any family": the mvt family's own sampler, score and Hessian against bm_mvt_fisher. */
FISHER_MC_CALLBACKS(mvt)

static void fisher_mc_on_a_family(void **state)
{
  (void)state;
  const size_t p = 2;
  mvt_mc c = {bm_mvt_alloc(p), gsl_vector_alloc(p)};
  gsl_vector *mu = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  gsl_vector_set(mu, 0, 0.5);
  gsl_vector_set(mu, 1, -1.0);
  gsl_matrix_set(S, 0, 0, 2.0);
  gsl_matrix_set(S, 1, 1, 0.7);
  gsl_matrix_set(S, 0, 1, 0.4);
  gsl_matrix_set(S, 1, 0, 0.4);
  assert_int_equal(bm_mvt_set(c.d, 7.0, mu, S), BM_SUCCESS);
  const size_t dim = bm_mvt_nparams(c.d);
  gsl_matrix *F = gsl_matrix_alloc(dim, dim);
  assert_int_equal(bm_mvt_fisher(c.d, F), BM_SUCCESS);
  bm_fisher_mc_problem prob = {dim, mvt_mc_draw, mvt_mc_score, mvt_mc_hess, &c};
  gsl_rng *r = tu_rng(6);
  bm_fisher_mc_result res;
  assert_int_equal(bm_check_fisher_mc(&prob, F, r, 100000, 4.0, NULL, NULL, &res), BM_SUCCESS);
  assert_true(res.passed);
  /* a 5% error in the nu-nu entry is detected */
  gsl_matrix_set(F, dim - 1, dim - 1, 1.05 * gsl_matrix_get(F, dim - 1, dim - 1));
  assert_int_equal(bm_check_fisher_mc(&prob, F, r, 100000, 4.0, NULL, NULL, &res), BM_SUCCESS);
  assert_false(res.passed);
  gsl_rng_free(r);
  gsl_matrix_free(F);
  gsl_matrix_free(S);
  gsl_vector_free(mu);
  gsl_vector_free(c.x);
  bm_mvt_free(c.d);
}

static int un_score_fail(void *p, gsl_vector *s)
{
  (void)p;
  (void)s;
  return BM_EDOM;
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  nn_ctx c = make_ctx();
  gsl_rng *r = tu_rng(5);
  bm_check_model m = {1, nn_prior, nn_lik, nn_post, nn_sample, nn_sample, nn_prop_logpdf, &c};
  bm_proportional_result pr;
  bm_evidence_result ev;
  double worst;
  assert_int_equal(bm_check_proportional(NULL, r, 10, 1e-9, &pr), BM_EINVAL);
  assert_true(isnan(pr.worst_abs));
  assert_int_equal(bm_check_proportional(&m, NULL, 10, 1e-9, &pr), BM_EINVAL);
  assert_int_equal(bm_check_proportional(&m, r, 0, 1e-9, &pr), BM_EINVAL);
  assert_int_equal(bm_check_proportional(&m, r, 10, 1e-9, NULL), BM_EINVAL);
  bm_check_model m0 = m;
  m0.dim = 0;
  assert_int_equal(bm_check_proportional(&m0, r, 10, 1e-9, &pr), BM_EINVAL);
  m0 = m;
  m0.log_post = NULL;
  assert_int_equal(bm_check_proportional(&m0, r, 10, 1e-9, &pr), BM_EINVAL);
  assert_int_equal(bm_check_evidence_identity(&m0, r, 10, 0.0, &worst), BM_EINVAL);
  assert_true(isnan(worst));
  m0 = m;
  m0.proposal_logpdf = NULL;
  assert_int_equal(bm_check_evidence_is(&m0, r, 100, 0.0, 4.0, &ev), BM_EINVAL);
  assert_true(isnan(ev.log_evidence));
  assert_int_equal(bm_check_evidence_is(&m, r, 1, 0.0, 4.0, &ev), BM_EINVAL);
  assert_int_equal(bm_check_evidence_is(&m, r, 100, NAN, 4.0, &ev), BM_ENONFINITE);
  assert_int_equal(bm_check_evidence_identity(&m, r, 10, INFINITY, &worst), BM_ENONFINITE);
  /* a failing callback's status is returned; a non-finite value is BM_ENONFINITE */
  c.fail_at = 3;
  assert_int_equal(bm_check_proportional(&m, r, 10, 1e-9, &pr), BM_EDOM);
  assert_true(isnan(pr.worst_abs));
  c.fail_at = 0;
  m0 = m;
  m0.log_post = nn_post_nan;
  assert_int_equal(bm_check_proportional(&m0, r, 10, 1e-9, &pr), BM_ENONFINITE);

  bm_sbc_problem prob = {1, 2, sbc_prior, sbc_cond, sbc_post, sbc_stat, &c};
  bm_sbc_result sr;
  gsl_matrix *ranks = gsl_matrix_alloc(10, 3);
  gsl_vector *pv = gsl_vector_alloc(3);
  assert_int_equal(bm_check_sbc(NULL, r, 10, 9, 5, NULL, NULL, &sr), BM_EINVAL);
  assert_true(isnan(sr.p_min));
  assert_int_equal(bm_check_sbc(&prob, r, 0, 9, 5, NULL, NULL, &sr), BM_EINVAL);
  assert_int_equal(bm_check_sbc(&prob, r, 10, 0, 1, NULL, NULL, &sr), BM_EINVAL);
  assert_int_equal(bm_check_sbc(&prob, r, 10, 9, 1, NULL, NULL, &sr), BM_EINVAL);
  assert_int_equal(bm_check_sbc(&prob, r, 10, 9, 11, NULL, NULL, &sr), BM_EINVAL);
  assert_int_equal(bm_check_sbc(&prob, r, 10, 9, 5, ranks, NULL, &sr), BM_EBADLEN);
  assert_int_equal(bm_check_sbc(&prob, r, 10, 9, 5, NULL, pv, &sr), BM_EBADLEN);
  bm_sbc_problem p2 = prob;
  p2.stat = NULL; /* nstat (2) != dim (1) */
  assert_int_equal(bm_check_sbc(&p2, r, 10, 9, 5, NULL, NULL, &sr), BM_EINVAL);
  p2 = prob;
  p2.sample_posterior = NULL;
  assert_int_equal(bm_check_sbc(&p2, r, 10, 9, 5, NULL, NULL, &sr), BM_EINVAL);

  un_ctx u = {0.0, 1.0, 0.0};
  bm_fisher_mc_problem fp = {2, un_draw, un_score, un_hess, &u};
  gsl_matrix *I = gsl_matrix_calloc(2, 2), *I3 = gsl_matrix_calloc(3, 3);
  bm_fisher_mc_result fr;
  assert_int_equal(bm_check_fisher_mc(NULL, I, r, 10, 4.0, NULL, NULL, &fr), BM_EINVAL);
  assert_true(isnan(fr.max_z_outer));
  assert_int_equal(bm_check_fisher_mc(&fp, NULL, r, 10, 4.0, NULL, NULL, &fr), BM_EINVAL);
  assert_int_equal(bm_check_fisher_mc(&fp, I, r, 1, 4.0, NULL, NULL, &fr), BM_EINVAL);
  assert_int_equal(bm_check_fisher_mc(&fp, I3, r, 10, 4.0, NULL, NULL, &fr), BM_EBADLEN);
  assert_int_equal(bm_check_fisher_mc(&fp, I, r, 10, 4.0, I3, NULL, &fr), BM_EBADLEN);
  gsl_matrix_set(I, 0, 1, NAN);
  assert_int_equal(bm_check_fisher_mc(&fp, I, r, 10, 4.0, NULL, NULL, &fr), BM_ENONFINITE);
  gsl_matrix_set(I, 0, 1, 0.0);
  fp.score = un_score_fail;
  assert_int_equal(bm_check_fisher_mc(&fp, I, r, 10, 4.0, NULL, NULL, &fr), BM_EDOM);
  free_matrices(I, I3, ranks);
  gsl_vector_free(pv);
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(proportionality_passes_right_fails_wrong),
      cmocka_unit_test(evidence_checks),
      cmocka_unit_test(sbc_uniform_when_right),
      cmocka_unit_test(fisher_mc_passes_right_fails_wrong),
      cmocka_unit_test(fisher_mc_on_a_family),
      cmocka_unit_test(bad_inputs_return_status),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
