/* Question: what is the posterior predictive distribution of Bayesian linear
 * regression — (a) with known noise precision β and a Gaussian prior
 * w ~ N(0, α⁻¹I) (PRML §3.3): t* | x*, data ~ N(m_Nᵀφ(x*), 1/β + φ(x*)ᵀS_Nφ(x*)),
 * S_N⁻¹ = αI + βΦᵀΦ, m_N = βS_NΦᵀt (PRML eqs. 3.53–3.54, 3.58–3.59); and (b) with
 * the improper prior p(β, σ²) ∝ 1/σ² (MLaPP §7.6.1):
 * y* | x*, data ~ t_{n−k}(x*ᵀβ̂, s²(1 + x*ᵀ(XᵀX)⁻¹x*)), s² = RSS/(n − k)?
 * Checks: (a) the posterior is prior × likelihood up to a constant
 * (bm_check_proportional), the evidence matches importance sampling
 * (bm_check_evidence_is), and the predictive mean and variance match Monte
 * Carlo draws w ~ posterior, t* = φᵀw + noise; (b) the posterior is proportional
 * to (1/σ²) × likelihood, the improper prior has no evidence (BM_EDOM), and the
 * 90% predictive interval has exact frequentist coverage over 4000 simulated
 * data sets — the property that makes this Student t the classical prediction interval.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"

enum { NA = 25, KA = 10, NB = 10, KB = 2 };

/* ---------- (a) PRML §3.3: 9 Gaussian basis functions + bias ---------- */
static void phi(double x, gsl_vector *f)
{
  gsl_vector_set(f, 0, 1.0);
  for (size_t j = 1; j < KA; j++) gsl_vector_set(f, j, exp(-gsl_pow_2(x - (j - 1) / 8.0) / (2 * 0.1 * 0.1)));
}

typedef struct {
  const gsl_matrix *X;
  const gsl_vector *y;
  size_t n, k;
  double beta; /* (a): noise precision */
  bm_mvn *prior, *prop;
  bm_blr *model;
  int improper;
  double s2;
  const gsl_vector *bhat;
} problem;

static int lik(const gsl_vector *theta, void *pp, double *f)
{
  problem *P = pp;
  gsl_vector_const_view w = gsl_vector_const_subvector(theta, 0, P->k);
  double prec = P->improper ? 1.0 / gsl_vector_get(theta, P->k) : P->beta, s = 0;
  if (!(prec > 0)) return BM_EDOM;
  for (size_t i = 0; i < P->n; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(P->X, i);
    double mu;
    gsl_blas_ddot(&xi.vector, &w.vector, &mu);
    s += -0.5 * prec * gsl_pow_2(gsl_vector_get(P->y, i) - mu);
  }
  *f = s + 0.5 * P->n * log(prec / (2 * M_PI));
  return 0;
}

static int prior(const gsl_vector *theta, void *pp, double *f)
{
  problem *P = pp;
  if (P->improper) { /* p(beta, sigma^2) prop. 1/sigma^2 */
    double s2 = gsl_vector_get(theta, P->k);
    if (!(s2 > 0)) return BM_EDOM;
    *f = -log(s2);
    return 0;
  }
  return bm_mvn_logpdf(P->prior, theta, f);
}

static int post(const gsl_vector *theta, void *pp, double *f)
{
  problem *P = pp;
  gsl_vector_const_view w = gsl_vector_const_subvector(theta, 0, P->k);
  return bm_blr_log_posterior(P->model, &w.vector, P->improper ? gsl_vector_get(theta, P->k) : 1.0, f);
}

static int sample_points(gsl_rng *r, void *pp, gsl_vector *theta)
{
  problem *P = pp;
  if (!P->improper) return bm_mvn_sample(P->prop, r, theta);
  for (size_t j = 0; j < P->k; j++) gsl_vector_set(theta, j, gsl_vector_get(P->bhat, j) + gsl_ran_gaussian(r, 1.0));
  gsl_vector_set(theta, P->k, P->s2 * exp(gsl_ran_gaussian(r, 0.5)));
  return 0;
}

static int prop_logpdf(const gsl_vector *theta, void *pp, double *f)
{
  problem *P = pp;
  return bm_mvn_logpdf(P->prop, theta, f);
}

int main(void)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  int failed = 0;

  /* ----- (a) ----- */
  const double alpha = 2.0, beta = 25.0;
  gsl_matrix *Phi = gsl_matrix_alloc(NA, KA), *S0 = gsl_matrix_alloc(KA, KA), *SN = gsl_matrix_alloc(KA, KA);
  gsl_vector *t = gsl_vector_alloc(NA), *m0 = gsl_vector_calloc(KA), *mN = gsl_vector_alloc(KA),
             *f = gsl_vector_alloc(KA), *w = gsl_vector_alloc(KA);
  for (size_t i = 0; i < NA; i++) {
    double x = gsl_rng_uniform(rng);
    gsl_vector_view row = gsl_matrix_row(Phi, i);
    phi(x, &row.vector);
    gsl_vector_set(t, i, sin(2 * M_PI * x) + gsl_ran_gaussian(rng, 1 / sqrt(beta)));
  }
  gsl_matrix_set_identity(S0);
  gsl_matrix_scale(S0, 1 / alpha);
  bm_blr *ma = bm_blr_alloc(KA);
  int st = bm_blr_set_prior_known_noise(ma, m0, S0, beta);
  if (!st) st = bm_blr_update(ma, Phi, t);
  if (!st) st = bm_blr_posterior_gaussian(ma, mN, SN);
  if (st) {
    printf("(a) setup: %s\n", bm_strerror(st));
    return 1;
  }
  problem pa = {Phi, t, NA, KA, beta, bm_mvn_alloc(KA), bm_mvn_alloc(KA), ma, 0, 0, NULL};
  bm_mvn_set(pa.prior, m0, S0);
  gsl_matrix_scale(SN, 2.0); /* proposal / comparison points: the posterior, twice as wide */
  bm_mvn_set(pa.prop, mN, SN);
  gsl_matrix_scale(SN, 0.5);

  printf("(a) PRML 3.3, n = %d, alpha = %g, beta = %g: predictive mean and sd\n", NA, alpha, beta);
  double zmax = 0;
  bm_mvn *postw = bm_mvn_alloc(KA);
  bm_mvn_set(postw, mN, SN);
  for (int c = 0; c <= 4; c++) {
    double x = c / 4.0, df, loc, s2;
    phi(x, f);
    bm_blr_predictive(ma, f, &df, &loc, &s2);
    /* Monte Carlo: w ~ N(m_N, S_N), t = phi^T w + N(0, 1/beta) */
    const size_t nmc = 40000;
    double a1 = 0, a2 = 0;
    for (size_t i = 0; i < nmc; i++) {
      double y;
      bm_mvn_sample(postw, rng, w);
      gsl_blas_ddot(f, w, &y);
      y += gsl_ran_gaussian(rng, 1 / sqrt(beta));
      a1 += y;
      a2 += y * y;
    }
    double mean = a1 / nmc, var = a2 / nmc - mean * mean;
    double zm = (mean - loc) / sqrt(s2 / nmc), zv = (var - s2) / (s2 * sqrt(2.0 / nmc));
    zmax = fmax(zmax, fmax(fabs(zm), fabs(zv)));
    printf("    x = %.2f: %+.4f +- %.4f (sin 2 pi x = %+.4f; df = %g)   Monte Carlo %+.4f +- %.4f\n", x, loc,
           sqrt(s2), sin(2 * M_PI * x), df, mean, sqrt(var));
  }
  printf("%-60s max |z| %.2f  %s\n", "    predictive mean/variance vs Monte Carlo", zmax, zmax < 4 ? "ok" : "MISMATCH");
  failed |= !(zmax < 4);

  bm_check_model cma = {KA, prior, lik, post, sample_points, sample_points, prop_logpdf, &pa};
  bm_proportional_result pres;
  st = bm_check_proportional(&cma, rng, 200, 1e-9, &pres);
  printf("%-60s worst %.1e  %s\n", "    posterior proportional to prior x likelihood", pres.worst_rel,
         !st && pres.passed ? "ok" : "MISMATCH");
  failed |= st || !pres.passed;
  double lml;
  bm_blr_log_evidence(ma, &lml);
  bm_evidence_result er;
  st = bm_check_evidence_is(&cma, rng, 100000, lml, 4.0, &er);
  printf("    log evidence %.5f, importance sampling %.5f +- %.5f (z = %+.2f)  %s\n", lml, er.log_evidence, er.se,
         er.z, !st && er.passed ? "ok" : "MISMATCH");
  failed |= st || !er.passed;

  /* ----- (b) improper prior: one data set in detail, then coverage ----- */
  gsl_matrix *X = gsl_matrix_alloc(NB, KB);
  gsl_vector *y = gsl_vector_alloc(NB), *xn = gsl_vector_alloc(KB), *bhat = gsl_vector_alloc(KB);
  const double b0 = 1.0, b1 = 2.0, sigma = 0.7;
  bm_blr *mb = bm_blr_alloc(KB);
  gsl_vector_set(xn, 0, 1.0);
  gsl_vector_set(xn, 1, 1.5); /* extrapolation: x* = 1.5, data in [0, 1] */
  size_t covered = 0;
  const size_t nrep = 4000;
  const double level = 0.90;
  for (size_t rep = 0; rep < nrep; rep++) {
    for (size_t i = 0; i < NB; i++) {
      double x = (double)i / (NB - 1);
      gsl_matrix_set(X, i, 0, 1.0);
      gsl_matrix_set(X, i, 1, x);
      gsl_vector_set(y, i, b0 + b1 * x + gsl_ran_gaussian(rng, sigma));
    }
    st = bm_blr_set_prior_improper(mb);
    if (!st) st = bm_blr_update(mb, X, y);
    double df, loc, s2;
    if (!st) st = bm_blr_predictive(mb, xn, &df, &loc, &s2);
    if (st) {
      printf("(b): %s\n", bm_strerror(st));
      return 1;
    }
    double half = gsl_cdf_tdist_Pinv(0.5 + level / 2, df) * sqrt(s2);
    double ynew = b0 + b1 * 1.5 + gsl_ran_gaussian(rng, sigma);
    covered += fabs(ynew - loc) <= half;
    if (rep == 0) {
      double a_n, b_n;
      bm_blr_posterior_nig(mb, bhat, NULL, &a_n, &b_n);
      printf("(b) improper prior, n = %d: beta_hat = (%.4f, %.4f), s^2 = %.4f; y* | x* = 1.5 ~ t_%g(%.4f, %.4f^2)\n",
             NB, gsl_vector_get(bhat, 0), gsl_vector_get(bhat, 1), b_n / a_n, df, loc, sqrt(s2));
      problem pb = {X, y, NB, KB, 0, NULL, NULL, mb, 1, b_n / a_n, bhat};
      bm_check_model cmb = {KB + 1, prior, lik, post, sample_points, NULL, NULL, &pb};
      st = bm_check_proportional(&cmb, rng, 200, 1e-9, &pres);
      printf("%-60s worst %.1e  %s\n", "    posterior proportional to (1/sigma^2) x likelihood", pres.worst_rel,
             !st && pres.passed ? "ok" : "MISMATCH");
      failed |= st || !pres.passed;
      st = bm_blr_log_evidence(mb, &lml);
      printf("%-60s %s  %s\n", "    evidence under the improper prior", bm_strerror(st), st == BM_EDOM ? "ok" : "MISMATCH");
      failed |= st != BM_EDOM;
    }
  }
  double cov = (double)covered / nrep, se = sqrt(level * (1 - level) / nrep);
  printf("%-60s %.4f (target %.2f +- %.4f)  %s\n", "    coverage of the 90% predictive interval, 4000 data sets", cov,
         level, se, fabs(cov - level) < 4 * se ? "ok" : "MISMATCH");
  failed |= !(fabs(cov - level) < 4 * se);

  bm_mvn_free(pa.prior); bm_mvn_free(pa.prop); bm_mvn_free(postw);
  bm_blr_free(ma); bm_blr_free(mb);
  gsl_matrix_free(Phi); gsl_matrix_free(S0); gsl_matrix_free(SN); gsl_matrix_free(X);
  gsl_vector_free(t); gsl_vector_free(m0); gsl_vector_free(mN); gsl_vector_free(f); gsl_vector_free(w);
  gsl_vector_free(y); gsl_vector_free(xn); gsl_vector_free(bhat);
  gsl_rng_free(rng);
  return failed;
}
