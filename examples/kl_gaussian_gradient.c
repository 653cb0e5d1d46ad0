/* Question: what is the KL divergence between two Gaussians whose means and
 * covariances are functions of parameters, and what is its gradient w.r.t.
 * those parameters? Here (a variational-inference set-up)
 *   q = N(μ0, Σ0),  Σ0 = L Lᵀ with L from an unconstrained log-Cholesky vector θ
 *                   (L_ii = e^{θ_ii}, docs/transforms.md),
 *   p = N(a·t, K(ℓ)),  a linear trend in t_i = i, K_ij = exp(−(t_i − t_j)²/(2ℓ²)) + 0.1 δ_ij,
 * and φ = (μ0, θ, a, log ℓ).
 *   KL(q‖p) = ½[tr(K⁻¹Σ0) + mᵀK⁻¹m − p + log|K| − log|Σ0|],  m = a t − μ0.
 * The chain rule runs through bayesmat's shaped gradients (bm_mvn_kl_grad):
 *   ∂KL/∂μ0 = −K⁻¹m,   ∂KL/∂θ = Jᵀ D_pᵀ vec(G0), G0 = ½(K⁻¹ − Σ0⁻¹)  (bm_transform_logchol_chain),
 *   ∂KL/∂a = (∂KL/∂μ1)ᵀ t = (K⁻¹m)ᵀ t,
 *   ∂KL/∂log ℓ = tr(G1 ∂K/∂log ℓ), G1 = ½(K⁻¹ − K⁻¹(Σ0 + mmᵀ)K⁻¹), ∂K_ij/∂log ℓ = k_ij (t_i − t_j)²/ℓ²
 * (tr(G E) is how a symmetric gradient G pairs with a symmetric direction E).
 * The gradient is checked by finite differences and the Taylor-remainder test;
 * the KL value itself against a Monte Carlo estimate E_q[log q − log p].
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"

enum { P = 4, Q = P * (P + 1) / 2, DIM = P + Q + 2 };

typedef struct {
  bm_mvn *q, *p;
} problem;

/* build q and p from phi; dK (may be NULL) gets dK/dlog ell */
static int build(const gsl_vector *phi, problem *pr, gsl_matrix *dK)
{
  gsl_vector_const_view mu0 = gsl_vector_const_subvector(phi, 0, P);
  gsl_vector_const_view th = gsl_vector_const_subvector(phi, P, Q);
  double a = gsl_vector_get(phi, P + Q), ell = exp(gsl_vector_get(phi, P + Q + 1));
  gsl_matrix *L = gsl_matrix_alloc(P, P), *K = gsl_matrix_alloc(P, P);
  gsl_vector *m1 = gsl_vector_alloc(P);
  int st = bm_transform_logchol_inverse(&th.vector, NULL, L);
  if (!st) st = bm_mvn_set_chol(pr->q, &mu0.vector, L);
  for (size_t i = 0; i < P; i++) {
    gsl_vector_set(m1, i, a * (double)i);
    for (size_t j = 0; j < P; j++) {
      double dt = (double)i - (double)j, k = exp(-dt * dt / (2 * ell * ell));
      gsl_matrix_set(K, i, j, k + (i == j ? 0.1 : 0.0));
      if (dK) gsl_matrix_set(dK, i, j, k * dt * dt / (ell * ell));
    }
  }
  if (!st) st = bm_mvn_set(pr->p, m1, K);
  gsl_matrix_free(L);
  gsl_matrix_free(K);
  gsl_vector_free(m1);
  return st;
}

static int kl_fn(const gsl_vector *phi, void *pp, double *f)
{
  problem *pr = pp;
  int st = build(phi, pr, NULL);
  return st ? st : bm_mvn_kl(pr->q, pr->p, f);
}

static int kl_grad(const gsl_vector *phi, void *pp, gsl_vector *g)
{
  problem *pr = pp;
  gsl_matrix *dK = gsl_matrix_alloc(P, P), *G0 = gsl_matrix_alloc(P, P), *G1 = gsl_matrix_alloc(P, P);
  gsl_vector *dmu0 = gsl_vector_alloc(P), *dmu1 = gsl_vector_alloc(P), *gv = gsl_vector_alloc(Q);
  int st = build(phi, pr, dK);
  if (!st) st = bm_mvn_kl_grad(pr->q, pr->p, NULL, dmu0, G0, dmu1, G1);
  if (!st) {
    gsl_vector_const_view th = gsl_vector_const_subvector(phi, P, Q);
    gsl_vector_view gmu = gsl_vector_subvector(g, 0, P), gth = gsl_vector_subvector(g, P, Q);
    gsl_vector_memcpy(&gmu.vector, dmu0);
    bm_vech_from_sym_grad(G0, gv);                                   /* D^T vec G0 */
    st = bm_transform_logchol_chain(&th.vector, gv, NULL, &gth.vector, NULL); /* J^T (.) */
    double ga = 0, gl = 0;
    for (size_t i = 0; i < P; i++) {
      ga += gsl_vector_get(dmu1, i) * (double)i;
      for (size_t j = 0; j < P; j++) gl += gsl_matrix_get(G1, i, j) * gsl_matrix_get(dK, j, i); /* tr(G1 dK) */
    }
    gsl_vector_set(g, P + Q, ga);
    gsl_vector_set(g, P + Q + 1, gl);
  }
  gsl_matrix_free(dK); gsl_matrix_free(G0); gsl_matrix_free(G1);
  gsl_vector_free(dmu0); gsl_vector_free(dmu1); gsl_vector_free(gv);
  return st;
}

int main(void)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  problem pr = {bm_mvn_alloc(P), bm_mvn_alloc(P)};
  gsl_vector *phi = gsl_vector_alloc(DIM), *g = gsl_vector_alloc(DIM), *x = gsl_vector_alloc(P);
  int failed = 0;
  for (size_t k = 0; k < DIM; k++) gsl_vector_set(phi, k, 0.4 * gsl_ran_gaussian(rng, 1.0));
  gsl_vector_set(phi, P + Q + 1, log(1.5)); /* ell = 1.5 */

  double kl;
  kl_fn(phi, &pr, &kl);
  kl_grad(phi, &pr, g);
  printf("KL(q || p) = %.6f\ngradient w.r.t. phi = (mu0, theta, a, log ell):\n ", kl);
  for (size_t k = 0; k < DIM; k++) printf(" %.4f", gsl_vector_get(g, k));
  printf("\n");

  bm_check_result res = {0};
  int st = bm_check_gradient(kl_fn, kl_grad, &pr, phi, NULL, &res);
  failed |= st != BM_SUCCESS;
  printf("%-52s worst rel err %.2e  %s\n", "chain-rule gradient vs finite differences", res.worst_rel_err,
         res.passed ? "ok" : "MISMATCH");
  failed |= !res.passed;
  bm_taylor_result tr = {0};
  st = bm_check_taylor(kl_fn, kl_grad, &pr, phi, NULL, NULL, &tr);
  failed |= st != BM_SUCCESS;
  printf("%-52s slope %.2f  %s\n", "Taylor remainder (2 = right gradient)", tr.slope, tr.passed ? "ok" : "MISMATCH");
  failed |= !tr.passed;

  /* the value: Monte Carlo E_q[log q(x) - log p(x)] with its standard error */
  build(phi, &pr, NULL);
  const size_t n = 200000;
  double s = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) {
    double lq, lp;
    bm_mvn_sample(pr.q, rng, x);
    bm_mvn_logpdf(pr.q, x, &lq);
    bm_mvn_logpdf(pr.p, x, &lp);
    s += lq - lp;
    s2 += (lq - lp) * (lq - lp);
  }
  double mean = s / n, se = sqrt((s2 / n - mean * mean) / n), z = (kl - mean) / se;
  printf("%-52s %.6f +- %.6f (z = %.2f)  %s\n", "Monte Carlo KL, 2e5 draws from q", mean, se, z,
         fabs(z) < 4 ? "ok" : "MISMATCH");
  failed |= !(fabs(z) < 4);

  double kl0;
  bm_mvn_kl(pr.q, pr.q, &kl0);
  printf("%-52s %.2e  %s\n", "KL(q || q)", kl0, fabs(kl0) < 1e-12 ? "ok" : "MISMATCH");
  failed |= !(fabs(kl0) < 1e-12);

  bm_mvn_free(pr.q); bm_mvn_free(pr.p);
  gsl_vector_free(phi); gsl_vector_free(g); gsl_vector_free(x);
  gsl_rng_free(rng);
  return failed;
}
