/* Question: I derived a conjugate posterior by hand — how do I know it is
 * right? Take the Normal–Wishart model x_i ~ N_p(μ, Λ⁻¹), μ | Λ ~ N(μ0, (κ0Λ)⁻¹),
 * Λ ~ W_p(ν0, W0), whose posterior is Λ ~ W_p(νn, Wn), μ | Λ ~ N(μn, (κnΛ)⁻¹) with
 *   Wn⁻¹ = W0⁻¹ + S + κ0 n/κn (x̄ − μ0)(x̄ − μ0)ᵀ,
 * and a classic typo: W0 where W0⁻¹ belongs ("W instead of W⁻¹"). Two checks tell
 * them apart: (1) the proportionality check — log posterior − log prior − log
 * likelihood must not depend on θ = (μ, vech Λ) (bm_check_proportional), and
 * (2) simulation-based calibration — draw θ* from the prior, data from θ*, and
 * rank θ* among draws from the claimed posterior; the ranks are uniform exactly
 * when the posterior is right (bm_check_sbc, Talts et al. 2018). SBC also checks
 * the posterior predictive: x_new drawn with the data is one more "parameter",
 * so its rank among draws from the claimed predictive t_p(νn − p + 1, μn,
 * Wn⁻¹(κn + 1)/(κn(νn − p + 1))) is uniform — and not with the typo Wn for Wn⁻¹ in the scale.
 * The right posterior (bayesmat's bm_niw_*) passes both; both typos are caught.
 * Rank histograms are written to sbc_ranks.csv (docs/plots/sbc_ranks.gp).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include "bayesmat.h"
#include "example_csv.h"

enum { P = 2, Q = P * (P + 1) / 2, DIM = P + Q, N = 8, NSIM = 1000, L = 99, NBINS = 20 };

typedef struct {
  gsl_vector *mu0;
  double kappa0, nu0;
  gsl_matrix *W0, *W0inv, *X;
  bm_niw *model;
  int wrong;                  /* 1: the "W0 for W0^-1" posterior / the "Wn for Wn^-1" predictive */
  bm_wishart *wish;
  bm_mvn *mvn;
  bm_mvt *pred;
  gsl_vector *mu_true, *v;
  gsl_matrix *Lam, *Sig, *tmp, *Lam_true;
} problem;

static int invert_spd(const gsl_matrix *A, gsl_matrix *Ainv, gsl_matrix *work)
{
  int st = bm_chol_factor(A, work, NULL);
  return st ? st : bm_chol_inverse(work, Ainv);
}

/* the claimed posterior's (mu_n, kappa_n, nu_n, W_n): right from bayesmat, wrong by hand with the typo */
static int posterior_params(problem *pr, gsl_vector *mu_n, double *kappa_n, double *nu_n, gsl_matrix *W_n)
{
  int st = bm_niw_posterior_nw(pr->model, mu_n, kappa_n, nu_n, W_n);
  if (st || !pr->wrong) return st;
  /* W_n^-1 = W0 + S + kappa0 n / kappa_n (xbar - mu0)(xbar - mu0)^T   (typo: W0, not W0^-1) */
  gsl_vector *xbar = gsl_vector_calloc(P);
  gsl_matrix *A = gsl_matrix_alloc(P, P);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(pr->X, i);
    gsl_blas_daxpy(1.0 / N, &xi.vector, xbar);
  }
  gsl_matrix_memcpy(A, pr->W0);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(pr->X, i);
    gsl_vector_memcpy(pr->v, &xi.vector);
    gsl_vector_sub(pr->v, xbar);
    gsl_blas_dger(1.0, pr->v, pr->v, A);
  }
  gsl_vector_memcpy(pr->v, xbar);
  gsl_vector_sub(pr->v, pr->mu0);
  gsl_blas_dger(pr->kappa0 * N / *kappa_n, pr->v, pr->v, A);
  st = invert_spd(A, W_n, pr->tmp);
  gsl_vector_free(xbar);
  gsl_matrix_free(A);
  return st;
}

/* ---------- the model on theta = (mu, vech Lambda) ---------- */
static int log_normal_prec(problem *pr, const gsl_vector *mu, const gsl_vector *m, double kappa, const gsl_matrix *Lam,
                           double *f)
{
  gsl_matrix_memcpy(pr->tmp, Lam);
  gsl_matrix_scale(pr->tmp, kappa);
  int st = bm_mvn_set_precision(pr->mvn, m, pr->tmp);
  return st ? st : bm_mvn_logpdf(pr->mvn, mu, f);
}

static int log_prior(const gsl_vector *th, void *pp, double *f)
{
  problem *pr = pp;
  gsl_vector_const_view mu = gsl_vector_const_subvector(th, 0, P), vl = gsl_vector_const_subvector(th, P, Q);
  double a, b;
  bm_vech_unpack(&vl.vector, pr->Lam);
  int st = bm_wishart_set(pr->wish, pr->nu0, pr->W0);
  if (!st) st = bm_wishart_logpdf(pr->wish, pr->Lam, &a);
  if (!st) st = log_normal_prec(pr, &mu.vector, pr->mu0, pr->kappa0, pr->Lam, &b);
  *f = a + b;
  return st;
}

static int log_lik(const gsl_vector *th, void *pp, double *f)
{
  problem *pr = pp;
  gsl_vector_const_view mu = gsl_vector_const_subvector(th, 0, P), vl = gsl_vector_const_subvector(th, P, Q);
  bm_vech_unpack(&vl.vector, pr->Lam);
  int st = bm_mvn_set_precision(pr->mvn, &mu.vector, pr->Lam);
  return st ? st : bm_mvn_loglik(pr->mvn, pr->X, f, NULL);
}

static int log_post(const gsl_vector *th, void *pp, double *f)
{
  problem *pr = pp;
  gsl_vector_const_view mu = gsl_vector_const_subvector(th, 0, P), vl = gsl_vector_const_subvector(th, P, Q);
  bm_vech_unpack(&vl.vector, pr->Lam);
  if (!pr->wrong) return bm_niw_log_posterior_nw(pr->model, &mu.vector, pr->Lam, f);
  gsl_vector *mu_n = gsl_vector_alloc(P);
  gsl_matrix *W_n = gsl_matrix_alloc(P, P);
  double kappa_n, nu_n, a, b;
  int st = posterior_params(pr, mu_n, &kappa_n, &nu_n, W_n);
  bm_vech_unpack(&vl.vector, pr->Lam);
  if (!st) st = bm_wishart_set(pr->wish, nu_n, W_n);
  if (!st) st = bm_wishart_logpdf(pr->wish, pr->Lam, &a);
  if (!st) st = log_normal_prec(pr, &mu.vector, mu_n, kappa_n, pr->Lam, &b);
  *f = a + b;
  gsl_vector_free(mu_n);
  gsl_matrix_free(W_n);
  return st;
}

static int sample_prior(gsl_rng *r, void *pp, gsl_vector *th)
{
  problem *pr = pp;
  gsl_vector_view mu = gsl_vector_subvector(th, 0, P), vl = gsl_vector_subvector(th, P, Q);
  int st = bm_wishart_set(pr->wish, pr->nu0, pr->W0);
  if (!st) st = bm_wishart_sample(pr->wish, r, pr->Lam);
  gsl_matrix_memcpy(pr->tmp, pr->Lam);
  gsl_matrix_scale(pr->tmp, pr->kappa0);
  if (!st) st = bm_mvn_set_precision(pr->mvn, pr->mu0, pr->tmp);
  if (!st) st = bm_mvn_sample(pr->mvn, r, &mu.vector);
  if (!st) st = bm_vech(pr->Lam, &vl.vector);
  return st;
}

/* data X ~ N(mu*, Lambda*^-1), then condition the model on it */
static int simulate_data(gsl_rng *r, const gsl_vector *mu, const gsl_matrix *Lam, problem *pr)
{
  int st = bm_mvn_set_precision(pr->mvn, mu, Lam);
  for (size_t i = 0; i < N && !st; i++) {
    gsl_vector_view xi = gsl_matrix_row(pr->X, i);
    st = bm_mvn_sample(pr->mvn, r, &xi.vector);
  }
  if (!st) st = bm_niw_set_prior_nw(pr->model, pr->mu0, pr->kappa0, pr->nu0, pr->W0);
  if (!st) st = bm_niw_update(pr->model, pr->X);
  return st;
}

static int simulate_and_condition(gsl_rng *r, const gsl_vector *th, void *pp)
{
  problem *pr = pp;
  gsl_vector_const_view mu = gsl_vector_const_subvector(th, 0, P), vl = gsl_vector_const_subvector(th, P, Q);
  gsl_matrix *Lam = gsl_matrix_alloc(P, P);
  bm_vech_unpack(&vl.vector, Lam);
  int st = simulate_data(r, &mu.vector, Lam, pr);
  gsl_matrix_free(Lam);
  return st;
}

static int sample_posterior(gsl_rng *r, void *pp, gsl_vector *th)
{
  problem *pr = pp;
  gsl_vector_view mu = gsl_vector_subvector(th, 0, P), vl = gsl_vector_subvector(th, P, Q);
  int st;
  if (!pr->wrong) { /* bayesmat's own posterior sampler, (mu, Sigma) -> (mu, Sigma^-1) */
    st = bm_niw_sample_posterior(pr->model, r, &mu.vector, pr->Sig);
    if (!st) st = invert_spd(pr->Sig, pr->Lam, pr->tmp);
  } else {
    gsl_vector *mu_n = gsl_vector_alloc(P);
    gsl_matrix *W_n = gsl_matrix_alloc(P, P);
    double kappa_n, nu_n;
    st = posterior_params(pr, mu_n, &kappa_n, &nu_n, W_n);
    if (!st) st = bm_wishart_set(pr->wish, nu_n, W_n);
    if (!st) st = bm_wishart_sample(pr->wish, r, pr->Lam);
    gsl_matrix_memcpy(pr->tmp, pr->Lam);
    gsl_matrix_scale(pr->tmp, kappa_n);
    if (!st) st = bm_mvn_set_precision(pr->mvn, mu_n, pr->tmp);
    if (!st) st = bm_mvn_sample(pr->mvn, r, &mu.vector);
    gsl_vector_free(mu_n);
    gsl_matrix_free(W_n);
  }
  if (!st) st = bm_vech(pr->Lam, &vl.vector);
  return st;
}

/* ---------- the predictive as an SBC problem: "theta" = x_new ---------- */
static int pred_sample_prior(gsl_rng *r, void *pp, gsl_vector *xnew)
{
  problem *pr = pp;
  gsl_vector *th = gsl_vector_alloc(DIM);
  int st = sample_prior(r, pp, th);
  gsl_vector_const_view mu = gsl_vector_const_subvector(th, 0, P), vl = gsl_vector_const_subvector(th, P, Q);
  gsl_vector_memcpy(pr->mu_true, &mu.vector);
  bm_vech_unpack(&vl.vector, pr->Lam_true);
  if (!st) st = bm_mvn_set_precision(pr->mvn, pr->mu_true, pr->Lam_true);
  if (!st) st = bm_mvn_sample(pr->mvn, r, xnew); /* x_new ~ N(mu*, Lambda*^-1), like the data */
  gsl_vector_free(th);
  return st;
}

static int pred_condition(gsl_rng *r, const gsl_vector *xnew, void *pp)
{
  problem *pr = pp;
  (void)xnew;
  int st = simulate_data(r, pr->mu_true, pr->Lam_true, pr);
  if (st) return st;
  if (!pr->wrong) return bm_niw_predictive(pr->model, pr->pred);
  /* the typo: scale W_n (kappa_n + 1)/(kappa_n df) instead of W_n^-1 (...) */
  double kappa_n, nu_n;
  gsl_matrix *W_n = gsl_matrix_alloc(P, P);
  st = bm_niw_posterior_nw(pr->model, pr->v, &kappa_n, &nu_n, W_n);
  double df = nu_n - P + 1;
  gsl_matrix_scale(W_n, (kappa_n + 1) / (kappa_n * df));
  if (!st) st = bm_mvt_set(pr->pred, df, pr->v, W_n);
  gsl_matrix_free(W_n);
  return st;
}

static int pred_sample(gsl_rng *r, void *pp, gsl_vector *x)
{
  problem *pr = pp;
  return bm_mvt_sample(pr->pred, r, x);
}

static void histogram(const gsl_matrix *ranks, size_t col, double *counts)
{
  for (size_t b = 0; b < NBINS; b++) counts[b] = 0;
  for (size_t i = 0; i < ranks->size1; i++) counts[(size_t)gsl_matrix_get(ranks, i, col) * NBINS / (L + 1)] += 1;
}

int main(int argc, char **argv)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  problem pr = {0};
  pr.mu0 = gsl_vector_calloc(P);
  pr.kappa0 = 1.0;
  pr.nu0 = 5.0;
  pr.W0 = gsl_matrix_alloc(P, P);
  pr.W0inv = gsl_matrix_alloc(P, P);
  gsl_matrix_set(pr.W0, 0, 0, 0.5); gsl_matrix_set(pr.W0, 1, 1, 0.3);
  gsl_matrix_set(pr.W0, 0, 1, 0.1); gsl_matrix_set(pr.W0, 1, 0, 0.1);
  pr.X = gsl_matrix_alloc(N, P);
  pr.model = bm_niw_alloc(P);
  pr.wish = bm_wishart_alloc(P);
  pr.mvn = bm_mvn_alloc(P);
  pr.pred = bm_mvt_alloc(P);
  pr.mu_true = gsl_vector_alloc(P);
  pr.v = gsl_vector_alloc(P);
  pr.Lam = gsl_matrix_alloc(P, P);
  pr.Sig = gsl_matrix_alloc(P, P);
  pr.tmp = gsl_matrix_alloc(P, P);
  pr.Lam_true = gsl_matrix_alloc(P, P);
  int failed = 0;

  /* (1) proportionality on one data set */
  gsl_vector *th = gsl_vector_alloc(DIM);
  sample_prior(rng, &pr, th);
  simulate_and_condition(rng, th, &pr);
  bm_check_model cm = {DIM, log_prior, log_lik, log_post, sample_prior, NULL, NULL, &pr};
  const char *name[2] = {"right posterior (bm_niw_*)", "typo: W0 for W0^-1"};
  for (int w = 0; w < 2; w++) {
    bm_proportional_result pres;
    pr.wrong = w;
    int st = bm_check_proportional(&cm, rng, 100, 1e-8, &pres);
    int ok = !st && (w ? !pres.passed : pres.passed);
    printf("proportionality, %-28s worst %.1e  %s\n", name[w], pres.worst_rel,
           ok ? (w ? "caught" : "ok") : (w ? "NOT CAUGHT" : "MISMATCH"));
    failed |= !ok;
  }

  /* (2) SBC of the posterior and (3) of the predictive, right and wrong */
  gsl_matrix *ranks[4];
  bm_sbc_problem sp = {DIM, DIM, sample_prior, simulate_and_condition, sample_posterior, NULL, &pr};
  bm_sbc_problem pp = {P, P, pred_sample_prior, pred_condition, pred_sample, NULL, &pr};
  const char *sname[4] = {"posterior, right", "posterior, typo W0 for W0^-1", "predictive, right",
                          "predictive, typo Wn for Wn^-1"};
  for (int c = 0; c < 4; c++) {
    bm_sbc_result sr;
    pr.wrong = c % 2;
    ranks[c] = gsl_matrix_alloc(NSIM, c < 2 ? DIM : P);
    int st = bm_check_sbc(c < 2 ? &sp : &pp, rng, NSIM, L, NBINS, ranks[c], NULL, &sr);
    int ok = !st && (pr.wrong ? sr.p_bonferroni < 1e-6 : sr.p_bonferroni > 1e-3);
    printf("SBC (%d sims, %d draws), %-30s p = %.2e (worst statistic %zu)  %s\n", NSIM, L, sname[c], sr.p_bonferroni,
           sr.worst_stat, ok ? (pr.wrong ? "caught" : "ok") : (pr.wrong ? "NOT CAUGHT" : "MISMATCH"));
    failed |= !ok;
  }

  FILE *csv = example_csv_open(argc, argv, "sbc_ranks.csv");
  if (csv) {
    double h[4][NBINS];
    histogram(ranks[0], P, h[0]); /* Lambda_11 */
    histogram(ranks[1], P, h[1]);
    histogram(ranks[2], 0, h[2]); /* x_new,1 */
    histogram(ranks[3], 0, h[3]);
    fprintf(csv, "# SBC rank histograms, %d simulations, %d posterior draws, %d bins (expected %g per bin)\n", NSIM, L,
            NBINS, (double)NSIM / NBINS);
    fprintf(csv, "bin,post_Lambda11_right,post_Lambda11_wrong,pred_x1_right,pred_x1_wrong\n");
    for (int b = 0; b < NBINS; b++) fprintf(csv, "%d,%g,%g,%g,%g\n", b, h[0][b], h[1][b], h[2][b], h[3][b]);
    fclose(csv);
  }

  for (int c = 0; c < 4; c++) gsl_matrix_free(ranks[c]);
  gsl_vector_free(th); gsl_vector_free(pr.mu0); gsl_vector_free(pr.mu_true); gsl_vector_free(pr.v);
  gsl_matrix_free(pr.W0); gsl_matrix_free(pr.W0inv); gsl_matrix_free(pr.X); gsl_matrix_free(pr.Lam);
  gsl_matrix_free(pr.Sig); gsl_matrix_free(pr.tmp); gsl_matrix_free(pr.Lam_true);
  bm_niw_free(pr.model); bm_wishart_free(pr.wish); bm_mvn_free(pr.mvn); bm_mvt_free(pr.pred);
  gsl_rng_free(rng);
  return failed;
}
