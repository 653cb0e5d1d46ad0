/* libFuzzer harness: the conjugate models (niw, blr, mniw) on hostile priors
 * and data: every setter, update (plain, weighted, through mergeable
 * statistics), posterior, log posterior, posterior sampling, predictive and
 * evidence; packed statistics made hostile (payload, header, a length one
 * short) before they are unpacked and used for the update. Beyond
 * crashes/sanitizers/GSL's aborting handler, statuses must
 * be known codes and successful log posteriors / evidences / predictive
 * log-densities must not be NaN.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz_check.h"

static void check_lp(int s, double lp)
{
  fz_status(s);
  if (s == BM_SUCCESS) FZ_REQUIRE(!isnan(lp));
}

static void fuzz_niw(fz_in *in)
{
  size_t p = fz_dim(in, 6), n = fz_dim(in, 12);
  bm_niw *m = bm_niw_alloc(p);
  bm_niw_stats *s1 = bm_niw_stats_alloc(p), *s2 = bm_niw_stats_alloc(p);
  bm_mvt *t = bm_mvt_alloc(p);
  fz_mat mPsi, mX, mX2, mS, mP;
  gsl_vector *mu = bm_vector_alloc(p), *v = bm_vector_alloc(p);
  fz_vector(in, mu);
  gsl_matrix *Psi = fz_mat_new(in, &mPsi, p, p), *X = fz_mat_new(in, &mX, n, fz_maybe_wrong(in, p));
  gsl_matrix *X2 = fz_mat_new(in, &mX2, fz_dim(in, 5), p), *S = fz_mat_new(in, &mS, p, p), *P = fz_mat_new(in, &mP, p, p);
  double kappa = fz_param(in, 0.0), nu = fz_param(in, (double)p - 1.0), a, b, lp;
  fz_status(fz_byte(in) & 1 ? bm_niw_set_prior(m, mu, kappa, nu, Psi) : bm_niw_set_prior_nw(m, mu, kappa, nu, Psi));
  fz_status(bm_niw_update(m, X));
  fz_status(bm_niw_stats_compute(s1, X2));
  fz_status(bm_niw_stats_compute(s2, X));
  fz_status(bm_niw_stats_merge(s1, s2));
  FZ_REPACK(niw, s1, s1, in);
  size_t cnt;
  fz_status(bm_niw_stats_get(s1, &cnt, v, P));
  fz_status(bm_niw_update_stats(m, s1));
  fz_status(bm_niw_posterior(m, v, &a, &b, P));
  fz_status(bm_niw_posterior_nw(m, v, &a, &b, P));
  check_lp(bm_niw_log_posterior(m, mu, S, &lp), lp);
  check_lp(bm_niw_log_posterior_nw(m, mu, S, &lp), lp);
  fz_status(bm_niw_sample_posterior(m, fz_rng(in), v, P));
  fz_status(bm_niw_predictive_params(m, &a, v, P));
  if (bm_niw_predictive(m, t) == BM_SUCCESS) check_lp(bm_mvt_logpdf(t, mu, &lp), lp);
  check_lp(bm_niw_log_evidence(m, &lp), lp);
  bm_niw_free(m); bm_niw_stats_free(s1); bm_niw_stats_free(s2); bm_mvt_free(t);
  fz_mat_free(&mPsi); fz_mat_free(&mX); fz_mat_free(&mX2); fz_mat_free(&mS); fz_mat_free(&mP);
  bm_vector_free(mu); bm_vector_free(v);
}

static void fuzz_blr(fz_in *in)
{
  size_t k = fz_dim(in, 6), n = fz_dim(in, 12);
  bm_blr *m = bm_blr_alloc(k);
  bm_blr_stats *s1 = bm_blr_stats_alloc(k), *s2 = bm_blr_stats_alloc(k);
  fz_mat mV, mX, mP;
  gsl_vector *m0 = bm_vector_alloc(k), *v = bm_vector_alloc(k), *y = bm_vector_alloc(fz_maybe_wrong(in, n));
  gsl_vector *w = bm_vector_alloc(n);
  fz_vector(in, m0);
  fz_vector(in, y);
  fz_vector(in, w);
  gsl_matrix *V = fz_mat_new(in, &mV, k, k), *X = fz_mat_new(in, &mX, n, k), *P = fz_mat_new(in, &mP, k, k);
  double a, b, c, lp;
  switch (fz_byte(in) % 3) {
  case 0: fz_status(bm_blr_set_prior_nig(m, m0, V, fz_param(in, 0.0), fz_param(in, 0.0))); break;
  case 1: fz_status(bm_blr_set_prior_known_noise(m, m0, V, fz_param(in, 0.0))); break;
  default: fz_status(bm_blr_set_prior_improper(m));
  }
  fz_status(fz_byte(in) & 1 ? bm_blr_update(m, X, y) : bm_blr_update_weighted(m, X, y, w));
  fz_status(bm_blr_stats_compute(s1, X, y, fz_byte(in) & 1 ? w : NULL));
  fz_status(bm_blr_stats_compute(s2, X, y, NULL));
  fz_status(bm_blr_stats_merge(s1, s2));
  FZ_REPACK(blr, s1, s1, in);
  size_t cnt;
  fz_status(bm_blr_stats_count(s1, &cnt));
  fz_status(bm_blr_update_stats(m, s1));
  fz_status(bm_blr_posterior_nig(m, v, P, &a, &b));
  fz_status(bm_blr_posterior_gaussian(m, v, P));
  fz_status(bm_blr_posterior_beta_t(m, &a, v, P));
  check_lp(bm_blr_log_posterior(m, m0, fz_double(in), &lp), lp);
  int st = bm_blr_predictive(m, m0, &a, &b, &c);
  fz_status(st);
  if (st == BM_SUCCESS) FZ_REQUIRE(!isnan(a) && !isnan(b) && !isnan(c));
  check_lp(bm_blr_log_evidence(m, &lp), lp);
  bm_blr_free(m); bm_blr_stats_free(s1); bm_blr_stats_free(s2);
  fz_mat_free(&mV); fz_mat_free(&mX); fz_mat_free(&mP);
  bm_vector_free(m0); bm_vector_free(v); bm_vector_free(y); bm_vector_free(w);
}

static void fuzz_mniw(fz_in *in)
{
  size_t k = fz_dim(in, 5), dd = fz_dim(in, 5), n = fz_dim(in, 12), nn = fz_dim(in, 3);
  bm_mniw *m = bm_mniw_alloc(k, dd);
  bm_mniw_stats *s1 = bm_mniw_stats_alloc(k, dd), *s2 = bm_mniw_stats_alloc(k, dd);
  bm_matt *t = bm_matt_alloc(nn, dd);
  fz_mat mB, mV, mPsi, mX, mY, mBn, mVn, mPn, mXn, mM, mS, mO;
  gsl_matrix *B0 = fz_mat_new(in, &mB, k, dd), *V0 = fz_mat_new(in, &mV, k, k), *Psi = fz_mat_new(in, &mPsi, dd, dd);
  gsl_matrix *X = fz_mat_new(in, &mX, n, fz_maybe_wrong(in, k)), *Y = fz_mat_new(in, &mY, n, dd);
  gsl_matrix *Bn = fz_mat_new(in, &mBn, k, dd), *Vn = fz_mat_new(in, &mVn, k, k), *Pn = fz_mat_new(in, &mPn, dd, dd);
  gsl_matrix *Xn = fz_mat_new(in, &mXn, nn, k), *M = fz_mat_new(in, &mM, nn, dd), *S = fz_mat_new(in, &mS, nn, nn);
  gsl_matrix *O = fz_mat_new(in, &mO, dd, dd);
  double a, lp;
  fz_status(bm_mniw_set_prior(m, B0, V0, fz_param(in, (double)dd - 1.0), Psi));
  fz_status(bm_mniw_update(m, X, Y));
  fz_status(bm_mniw_stats_compute(s1, X, Y));
  fz_status(bm_mniw_stats_compute(s2, X, Y));
  fz_status(bm_mniw_stats_merge(s1, s2));
  FZ_REPACK(mniw, s1, s1, in);
  fz_status(bm_mniw_update_stats(m, s1));
  fz_status(bm_mniw_posterior(m, Bn, Vn, &a, Pn));
  check_lp(bm_mniw_log_posterior(m, B0, Psi, &lp), lp);
  fz_status(bm_mniw_sample_posterior(m, fz_rng(in), Bn, Pn));
  fz_status(bm_mniw_predictive_params(m, Xn, &a, M, S, O));
  if (bm_mniw_predictive(m, Xn, t) == BM_SUCCESS) check_lp(bm_matt_logpdf(t, M, &lp), lp);
  check_lp(bm_mniw_log_evidence(m, &lp), lp);
  bm_mniw_free(m); bm_mniw_stats_free(s1); bm_mniw_stats_free(s2); bm_matt_free(t);
  fz_mat *all[] = {&mB, &mV, &mPsi, &mX, &mY, &mBn, &mVn, &mPn, &mXn, &mM, &mS, &mO};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) fz_mat_free(all[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_in in = {data, size, 0};
  switch (fz_byte(&in) % 3) {
  case 0: fuzz_niw(&in); break;
  case 1: fuzz_blr(&in); break;
  default: fuzz_mniw(&in);
  }
  return 0;
}
