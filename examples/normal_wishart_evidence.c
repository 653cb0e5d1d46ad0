/* Question: the "unsolvable integral" — what is the marginal likelihood of
 * Gaussian data under a Normal–Wishart prior,
 *   p(X) = ∫∫ Π_i N(x_i | μ, Λ⁻¹) N(μ | μ0, (κ0Λ)⁻¹) W_p(Λ | ν0, W0) dμ dΛ ?
 * It has a closed form: with κn = κ0 + n, νn = ν0 + n, Wn⁻¹ = W0⁻¹ + S + κ0 n/κn (x̄ − μ0)(x̄ − μ0)ᵀ
 * (S the scatter about x̄),
 *   log p(X) = −np/2 log π + log Γ_p(νn/2) − log Γ_p(ν0/2) + νn/2 log|Wn| − ν0/2 log|W0| + p/2 log(κ0/κn)
 * (bm_niw_set_prior_nw + bm_niw_update + bm_niw_log_evidence). One call, bm_check_niw, checks it
 * against the integral itself: an importance-sampling estimate (the proposal is the posterior
 * widened), Candidate's identity log p(X) = log p(θ) + log p(X|θ) − log p(θ|X) at random θ,
 * proportionality of the posterior to prior × likelihood, and simulation-based calibration.
 * A classic slip — the evidence with |Wn|^{νn/2} replaced by |Wn⁻¹|^{νn/2} — is shown to be caught.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include "bayesmat.h"

enum { P = 2, N = 12 };

int main(void)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_vector *mu0 = gsl_vector_calloc(P), *m = gsl_vector_alloc(P);
  gsl_matrix *W0 = gsl_matrix_alloc(P, P), *S = gsl_matrix_alloc(P, P), *Wn = gsl_matrix_alloc(P, P);
  gsl_matrix *X = gsl_matrix_alloc(N, P);
  bm_niw *prior = bm_niw_alloc(P), *post = bm_niw_alloc(P);
  bm_mvn *mvn = bm_mvn_alloc(P);
  gsl_matrix_set_identity(W0);
  gsl_matrix_scale(W0, 0.5);
  gsl_matrix_set(W0, 0, 1, 0.1);
  gsl_matrix_set(W0, 1, 0, 0.1);

  /* data: N draws from N((1, -1), [[1, .5], [.5, 2]]) */
  gsl_vector_set(m, 0, 1.0);
  gsl_vector_set(m, 1, -1.0);
  gsl_matrix_set(S, 0, 0, 1.0); gsl_matrix_set(S, 1, 1, 2.0);
  gsl_matrix_set(S, 0, 1, 0.5); gsl_matrix_set(S, 1, 0, 0.5);
  bm_mvn_set(mvn, m, S);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_view xi = gsl_matrix_row(X, i);
    bm_mvn_sample(mvn, rng, &xi.vector);
  }

  double lml, kappa_n, nu_n;
  int st = bm_niw_set_prior_nw(prior, mu0, 0.5, 4.0, W0);
  if (!st) st = bm_niw_set_prior_nw(post, mu0, 0.5, 4.0, W0);
  if (!st) st = bm_niw_update(post, X);
  if (!st) st = bm_niw_log_evidence(post, &lml);
  if (!st) st = bm_niw_posterior_nw(post, NULL, &kappa_n, &nu_n, Wn);
  if (st) {
    printf("setup failed: %s\n", bm_strerror(st));
    return 1;
  }
  printf("closed form: log p(X) = %.6f   (n = %d, p = %d, kappa_n = %g, nu_n = %g)\n\n", lml, N, P, kappa_n, nu_n);

  /* the closed form against the integral: 2e5 importance draws */
  bm_check_conjugate_options opts = {.is_draws = 200000};
  bm_check_conjugate_report rep;
  st = bm_check_niw(prior, X, NULL, rng, &opts, &rep);
  if (!st) bm_check_conjugate_print(stdout, &rep, 0);
  int failed = st || !rep.passed;

  /* the slip: |W_n^{-1}|^{nu_n/2} for |W_n|^{nu_n/2}, i.e. the log|W_n| term with the wrong sign */
  bm_chol_factor(Wn, S, NULL);
  opts.has_claimed_log_evidence = 1;
  opts.claimed_log_evidence = lml - nu_n * bm_chol_logdet(S);
  opts.skip_sbc = 1;
  st = bm_check_niw(prior, X, NULL, rng, &opts, &rep);
  printf("\nthe slip |Wn^-1|^(nu_n/2): claimed log p(X) = %.4f\n", opts.claimed_log_evidence);
  if (!st) bm_check_conjugate_print(stdout, &rep, 0);
  int caught = !st && bm_check_conjugate_find(&rep, "evidence_is")->pass == 0 &&
               bm_check_conjugate_find(&rep, "evidence_identity")->pass == 0;
  printf("%s\n", caught ? "caught" : "NOT CAUGHT");
  failed |= !caught;

  gsl_vector_free(mu0); gsl_vector_free(m);
  gsl_matrix_free(W0); gsl_matrix_free(S); gsl_matrix_free(Wn); gsl_matrix_free(X);
  bm_niw_free(prior); bm_niw_free(post); bm_mvn_free(mvn);
  gsl_rng_free(rng);
  return failed;
}
