/* An ordinary C11 user of the installed headers, built with
 * -Wall -Wextra -Werror -std=c11 (tests/consumer/run.sh): one call into every
 * family of public functions, with plain arrays of gsl_matrix pointers where
 * the API takes arrays of matrices, and no casts. Exits non-zero if any call
 * that must succeed does not.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <bayesmat.h>

static int failures;

static void check(const char *what, int status)
{
  if (status != BM_SUCCESS) {
    printf("FAIL %s: %s (%s)\n", what, bm_strerror(status), bm_last_error());
    failures++;
  }
}

static gsl_matrix *spd(size_t p, double diag)
{
  gsl_matrix *A = gsl_matrix_calloc(p, p);
  for (size_t i = 0; i < p; i++) gsl_matrix_set(A, i, i, diag + (double)i);
  if (p > 1) gsl_matrix_set(A, 1, 0, 0.25), gsl_matrix_set(A, 0, 1, 0.25);
  return A;
}

/* theta_i = eta for every observation: the model's parameter is the family's */
static int id_theta(size_t i, const gsl_vector *eta, void *params, gsl_vector *theta_i, gsl_matrix *J_i)
{
  (void)i, (void)params;
  gsl_vector_memcpy(theta_i, eta);
  gsl_matrix_set_identity(J_i);
  return 0;
}

static int quad_f(const gsl_vector *x, void *params, double *f)
{
  (void)params;
  *f = -0.5 * gsl_vector_get(x, 0) * gsl_vector_get(x, 0);
  return 0;
}

static int quad_g(const gsl_vector *x, void *params, gsl_vector *g)
{
  (void)params;
  gsl_vector_set(g, 0, -gsl_vector_get(x, 0));
  return 0;
}

int main(void)
{
  const size_t p = 2;
  double lp, ll;
  gsl_vector *x = gsl_vector_calloc(p), *mu = gsl_vector_calloc(p);
  gsl_matrix *S = spd(p, 2.0), *X = spd(p, 1.0), *M = gsl_matrix_calloc(p, p);
  gsl_matrix *obs[2] = {X, S}; /* a plain array, as a user writes it */
  const gsl_matrix *cobs[2] = {X, S};

  /* the seven families: set, log-density, Fisher information, batch */
  bm_mvn *mvn = bm_mvn_alloc(p);
  check("mvn_set", bm_mvn_set(mvn, mu, S));
  check("mvn_logpdf", bm_mvn_logpdf(mvn, x, &lp));
  gsl_matrix *Imvn = gsl_matrix_alloc(bm_mvn_nparams(mvn), bm_mvn_nparams(mvn));
  check("mvn_fisher", bm_mvn_fisher(mvn, Imvn));
  check("mvn_loglik", bm_mvn_loglik(mvn, S, &ll, NULL));
  bm_mvt *mvt = bm_mvt_alloc(p);
  check("mvt_set", bm_mvt_set(mvt, 4.0, mu, S));
  check("mvt_logpdf", bm_mvt_logpdf(mvt, x, &lp));
  bm_wishart *w = bm_wishart_alloc(p);
  check("wishart_set", bm_wishart_set(w, 5.0, S));
  check("wishart_logpdf", bm_wishart_logpdf(w, X, &lp));
  check("wishart_loglik", bm_wishart_loglik(w, cobs, 2, &ll, NULL));
  bm_invwishart *iw = bm_invwishart_alloc(p);
  check("invwishart_set", bm_invwishart_set(iw, 5.0, S));
  check("invwishart_logpdf", bm_invwishart_logpdf(iw, X, &lp));
  bm_matnorm *mn = bm_matnorm_alloc(p, p);
  check("matnorm_set", bm_matnorm_set(mn, M, S, X));
  check("matnorm_logpdf", bm_matnorm_logpdf(mn, X, &lp));
  bm_matt *mt = bm_matt_alloc(p, p);
  check("matt_set", bm_matt_set(mt, 3.0, M, S, X));
  check("matt_logpdf", bm_matt_logpdf(mt, X, &lp));
  bm_matf *mf = bm_matf_alloc(p);
  check("matf_set", bm_matf_set(mf, 5.0, 3.0, S));
  check("matf_logpdf", bm_matf_logpdf(mf, X, &lp));

  /* theta accessors, Jeffreys */
  gsl_vector *th = gsl_vector_alloc(bm_wishart_nparams(w));
  gsl_vector_view thS = gsl_vector_subvector(th, 0, bm_vech_len(p));
  check("vech", bm_vech(S, &thS.vector));
  gsl_vector_set(th, bm_vech_len(p), 5.0);
  check("wishart_set_theta", bm_wishart_set_theta(w, th));
  gsl_vector *thmvn = gsl_vector_alloc(bm_mvn_nparams(mvn));
  check("mvn_get_theta", bm_mvn_get_theta(mvn, thmvn));
  check("wishart_jeffreys", bm_wishart_jeffreys(w, NULL, 0, &lp));
  check("jeffreys_from_fisher", bm_jeffreys_from_fisher(Imvn, NULL, 0, &lp));

  /* conjugate models */
  bm_niw *niw = bm_niw_alloc(p);
  check("niw_set_prior", bm_niw_set_prior(niw, mu, 1.0, 4.0, S));
  check("niw_update", bm_niw_update(niw, S));
  check("niw_log_evidence", bm_niw_log_evidence(niw, &ll));
  bm_blr *blr = bm_blr_alloc(p);
  check("blr_set_prior_nig", bm_blr_set_prior_nig(blr, mu, S, 2.0, 2.0));
  check("blr_update", bm_blr_update(blr, S, x));
  bm_mniw *mniw = bm_mniw_alloc(p, p);
  check("mniw_set_prior", bm_mniw_set_prior(mniw, M, S, 4.0, X));
  check("mniw_log_evidence", bm_mniw_log_evidence(mniw, &ll));

  /* model Fisher information: dSigma a plain array, no cast */
  gsl_matrix *dS[2] = {S, X}, *Fi = gsl_matrix_alloc(2, 2);
  check("gaussian_model_fisher", bm_gaussian_model_fisher(S, NULL, dS, 2, Fi));
  gsl_vector *s2 = gsl_vector_alloc(2);
  check("gaussian_model_score", bm_gaussian_model_score(S, mu, NULL, dS, 2, x, s2, &lp));

  /* a family model: the observations a plain array, no cast */
  bm_family_model fm;
  memset(&fm, 0, sizeof fm);
  fm.kind = BM_FAMILY_WISHART;
  fm.dist = w;
  fm.n_obs = 2;
  fm.y_mats = obs;
  fm.dim_eta = bm_wishart_nparams(w);
  fm.theta = id_theta;
  bm_model model;
  check("family_model_init", bm_family_model_init(&model, &fm));
  gsl_matrix *Fm = gsl_matrix_alloc(fm.dim_eta, fm.dim_eta);
  check("model_fisher", bm_model_fisher(&model, th, Fm));
  fm.y_mats = cobs; /* and an array of const pointers, also without a cast */

  /* transforms, Laplace, special functions, finite differences */
  double u;
  check("transform_log_forward", bm_transform_log_forward(2.0, &u));
  gsl_vector *lc = gsl_vector_alloc(bm_vech_len(p));
  check("transform_logchol_forward", bm_transform_logchol_forward(S, lc));
  bm_laplace_problem prob = {1, quad_f, quad_g, NULL, NULL};
  gsl_vector *t0 = gsl_vector_calloc(1);
  bm_laplace_result res = {.mode = gsl_vector_alloc(1), .cov = gsl_matrix_alloc(1, 1)};
  check("laplace", bm_laplace(&prob, t0, NULL, &res));
  check("lmvgamma_e", bm_lmvgamma_e(p, 3.0, &lp));
  gsl_vector *g1 = gsl_vector_alloc(1);
  check("fd_gradient", bm_fd_gradient(quad_f, NULL, t0, NULL, g1, NULL));

  /* a failure says which argument and why */
  if (bm_wishart_set(w, 0.5, S) != BM_EDOM || strstr(bm_last_error(), "nu") == NULL) {
    printf("FAIL bm_last_error: \"%s\"\n", bm_last_error());
    failures++;
  }

  bm_mvn_free(mvn), bm_mvt_free(mvt), bm_wishart_free(w), bm_invwishart_free(iw);
  bm_matnorm_free(mn), bm_matt_free(mt), bm_matf_free(mf);
  bm_niw_free(niw), bm_blr_free(blr), bm_mniw_free(mniw);
  gsl_matrix *mats[] = {S, X, M, Imvn, Fi, Fm, res.cov};
  for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++) gsl_matrix_free(mats[i]);
  gsl_vector *vecs[] = {x, mu, th, thmvn, s2, lc, t0, res.mode, g1};
  for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) gsl_vector_free(vecs[i]);
  printf("every family: %s\n", failures ? "FAILED" : "OK");
  return failures != 0;
}
