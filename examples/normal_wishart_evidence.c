/* Question: the "unsolvable integral" — what is the marginal likelihood of
 * Gaussian data under a Normal–Wishart prior,
 *   p(X) = ∫∫ Π_i N(x_i | μ, Λ⁻¹) N(μ | μ0, (κ0Λ)⁻¹) W_p(Λ | ν0, W0) dμ dΛ ?
 * It has a closed form: with κn = κ0 + n, νn = ν0 + n, Wn⁻¹ = W0⁻¹ + S + κ0 n/κn (x̄ − μ0)(x̄ − μ0)ᵀ
 * (S the scatter about x̄),
 *   log p(X) = −np/2 log π + log Γ_p(νn/2) − log Γ_p(ν0/2) + νn/2 log|Wn| − ν0/2 log|W0| + p/2 log(κ0/κn)
 * (bm_niw_set_prior_nw + bm_niw_update + bm_niw_log_evidence). We check it two ways
 * with bayesmat's checkers: an importance-sampling estimate of the integral
 * (bm_check_evidence_is; the proposal is the posterior widened — fewer Wishart
 * degrees of freedom and a smaller κ), and Candidate's identity
 * log p(X) = log p(θ) + log p(X|θ) − log p(θ|X) at random θ (bm_check_evidence_identity).
 * A classic slip — the evidence with |Wn|^{νn/2} replaced by |Wn⁻¹|^{νn/2} — is shown to be caught.
 * θ = (μ, vech Λ) throughout; the prior and the proposal are densities in the same coordinates.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include "bayesmat.h"

enum { P = 2, Q = P * (P + 1) / 2, DIM = P + Q, N = 12 };

typedef struct {
  gsl_vector *mu0;
  double kappa0, nu0;
  gsl_matrix *W0, *X;
  bm_niw *model;                         /* prior + data */
  bm_wishart *wprior, *wprop;             /* W(nu0, W0); proposal W(nu_q, W_n nu_n / nu_q) */
  gsl_vector *mu_n;
  double kappa_q;
  bm_mvn *mvn;
  gsl_matrix *Lam, *tmp;
} problem;

/* Lambda <- unpack(theta's vech part); the mean is the view gsl_vector_const_subvector(theta, 0, P) */
static void split(const gsl_vector *theta, problem *P_)
{
  gsl_vector_const_view v = gsl_vector_const_subvector(theta, P, Q);
  bm_vech_unpack(&v.vector, P_->Lam);
}

/* log N(mu | m, (kappa Lambda)^-1) */
static int log_normal_prec(problem *P_, const gsl_vector *mu, const gsl_vector *m, double kappa, double *f)
{
  gsl_matrix_memcpy(P_->tmp, P_->Lam);
  gsl_matrix_scale(P_->tmp, kappa);
  int st = bm_mvn_set_precision(P_->mvn, m, P_->tmp);
  return st ? st : bm_mvn_logpdf(P_->mvn, mu, f);
}

static int log_prior(const gsl_vector *theta, void *pp, double *f)
{
  problem *P_ = pp;
  gsl_vector_const_view mu = gsl_vector_const_subvector(theta, 0, P);
  double a, b;
  split(theta, P_);
  int st = bm_wishart_logpdf(P_->wprior, P_->Lam, &a);
  if (st) return st;
  st = log_normal_prec(P_, &mu.vector, P_->mu0, P_->kappa0, &b);
  *f = a + b;
  return st;
}

static int log_lik(const gsl_vector *theta, void *pp, double *f)
{
  problem *P_ = pp;
  gsl_vector_const_view mu = gsl_vector_const_subvector(theta, 0, P);
  split(theta, P_);
  int st = bm_mvn_set_precision(P_->mvn, &mu.vector, P_->Lam);
  return st ? st : bm_mvn_loglik(P_->mvn, P_->X, f, NULL);
}

static int log_post(const gsl_vector *theta, void *pp, double *f)
{
  problem *P_ = pp;
  gsl_vector_const_view mu = gsl_vector_const_subvector(theta, 0, P);
  split(theta, P_);
  return bm_niw_log_posterior_nw(P_->model, &mu.vector, P_->Lam, f);
}

static int prop_sample(gsl_rng *r, void *pp, gsl_vector *theta)
{
  problem *P_ = pp;
  gsl_vector_view mu = gsl_vector_subvector(theta, 0, P), v = gsl_vector_subvector(theta, P, Q);
  int st = bm_wishart_sample(P_->wprop, r, P_->Lam);
  if (st) return st;
  gsl_matrix_memcpy(P_->tmp, P_->Lam);
  gsl_matrix_scale(P_->tmp, P_->kappa_q);
  st = bm_mvn_set_precision(P_->mvn, P_->mu_n, P_->tmp);
  if (!st) st = bm_mvn_sample(P_->mvn, r, &mu.vector);
  if (!st) st = bm_vech(P_->Lam, &v.vector);
  return st;
}

static int prop_logpdf(const gsl_vector *theta, void *pp, double *f)
{
  problem *P_ = pp;
  gsl_vector_const_view mu = gsl_vector_const_subvector(theta, 0, P);
  double a, b;
  split(theta, P_);
  int st = bm_wishart_logpdf(P_->wprop, P_->Lam, &a);
  if (st) return st;
  st = log_normal_prec(P_, &mu.vector, P_->mu_n, P_->kappa_q, &b);
  *f = a + b;
  return st;
}

int main(void)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  problem pr = {0};
  pr.mu0 = gsl_vector_calloc(P);
  pr.kappa0 = 0.5;
  pr.nu0 = 4.0;
  pr.W0 = gsl_matrix_alloc(P, P);
  gsl_matrix_set_identity(pr.W0);
  gsl_matrix_scale(pr.W0, 0.5);
  gsl_matrix_set(pr.W0, 0, 1, 0.1);
  gsl_matrix_set(pr.W0, 1, 0, 0.1);
  pr.X = gsl_matrix_alloc(N, P);
  pr.model = bm_niw_alloc(P);
  pr.wprior = bm_wishart_alloc(P);
  pr.wprop = bm_wishart_alloc(P);
  pr.mu_n = gsl_vector_alloc(P);
  pr.mvn = bm_mvn_alloc(P);
  pr.Lam = gsl_matrix_alloc(P, P);
  pr.tmp = gsl_matrix_alloc(P, P);

  /* data: N draws from N((1, -1), [[1, .5], [.5, 2]]) */
  gsl_vector *m = gsl_vector_alloc(P);
  gsl_matrix *S = gsl_matrix_alloc(P, P), *Wn = gsl_matrix_alloc(P, P);
  gsl_vector_set(m, 0, 1.0);
  gsl_vector_set(m, 1, -1.0);
  gsl_matrix_set(S, 0, 0, 1.0); gsl_matrix_set(S, 1, 1, 2.0);
  gsl_matrix_set(S, 0, 1, 0.5); gsl_matrix_set(S, 1, 0, 0.5);
  bm_mvn_set(pr.mvn, m, S);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_view xi = gsl_matrix_row(pr.X, i);
    bm_mvn_sample(pr.mvn, rng, &xi.vector);
  }

  int st = bm_niw_set_prior_nw(pr.model, pr.mu0, pr.kappa0, pr.nu0, pr.W0);
  if (!st) st = bm_niw_update(pr.model, pr.X);
  double lml, kappa_n, nu_n;
  if (!st) st = bm_niw_log_evidence(pr.model, &lml);
  if (!st) st = bm_niw_posterior_nw(pr.model, pr.mu_n, &kappa_n, &nu_n, Wn);
  if (!st) st = bm_wishart_set(pr.wprior, pr.nu0, pr.W0);
  /* proposal: same mean of Lambda, nu_q = nu_n/2 (> p - 1) degrees of freedom, kappa halved */
  double nu_q = fmax(nu_n / 2, P + 1.0);
  gsl_matrix_memcpy(S, Wn);
  gsl_matrix_scale(S, nu_n / nu_q);
  if (!st) st = bm_wishart_set(pr.wprop, nu_q, S);
  pr.kappa_q = kappa_n / 2;
  if (st) {
    printf("setup failed: %s\n", bm_strerror(st));
    return 1;
  }
  printf("closed form: log p(X) = %.6f   (n = %d, p = %d, kappa_n = %g, nu_n = %g)\n", lml, N, P, kappa_n, nu_n);

  bm_check_model cm = {DIM, log_prior, log_lik, log_post, prop_sample, prop_sample, prop_logpdf, &pr};
  bm_evidence_result er;
  int failed = 0;
  st = bm_check_evidence_is(&cm, rng, 200000, lml, 4.0, &er);
  printf("importance sampling (2e5 draws): %.6f +- %.6f, z = %+.2f, ESS = %.0f  %s\n", er.log_evidence, er.se, er.z,
         er.ess, !st && er.passed ? "ok" : "MISMATCH");
  failed |= st || !er.passed;

  double worst;
  st = bm_check_evidence_identity(&cm, rng, 200, lml, &worst);
  printf("Candidate's identity at 200 random theta: worst rel. deviation %.2e  %s\n", worst,
         !st && worst < 1e-10 ? "ok" : "MISMATCH");
  failed |= st || !(worst < 1e-10);

  /* the slip: |W_n^{-1}|^{nu_n/2} for |W_n|^{nu_n/2}, i.e. the log|W_n| term with the wrong sign */
  double ldWn = 0;
  bm_chol_factor(Wn, S, NULL);
  ldWn = bm_chol_logdet(S);
  double wrong = lml - nu_n * ldWn;
  st = bm_check_evidence_is(&cm, rng, 200000, wrong, 4.0, &er);
  printf("the slip |Wn^-1|^(nu_n/2): claimed %.4f, z = %+.1f  %s\n", wrong, er.z,
         !st && !er.passed ? "caught" : "NOT CAUGHT");
  failed |= st || er.passed;

  gsl_vector_free(pr.mu0); gsl_vector_free(pr.mu_n); gsl_vector_free(m);
  gsl_matrix_free(pr.W0); gsl_matrix_free(pr.X); gsl_matrix_free(pr.Lam); gsl_matrix_free(pr.tmp);
  gsl_matrix_free(S); gsl_matrix_free(Wn);
  bm_niw_free(pr.model); bm_wishart_free(pr.wprior); bm_wishart_free(pr.wprop); bm_mvn_free(pr.mvn);
  gsl_rng_free(rng);
  return failed;
}
