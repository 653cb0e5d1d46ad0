/* Question: what is the gradient of a Gaussian log-likelihood
 *   l(Σ) = Σ_i log N(x_i; μ, Σ) = −np/2 log 2π − n/2 log|Σ| − ½ tr(Σ⁻¹S),  S = Σ_i r_i r_iᵀ, r_i = x_i − μ,
 * w.r.t. the covariance Σ and w.r.t. the precision Λ = Σ⁻¹, and why do the
 * "symmetric" and "unconstrained" forms quoted in textbooks differ on the diagonal?
 *
 * Answer. Treating all p² entries of Σ as free, the ("unconstrained") gradient
 * is G = ½(Σ⁻¹SΣ⁻¹ − nΣ⁻¹), and w.r.t. Λ it is G_Λ = ½(nΣ − S) = −Σ G Σ. Both are
 * symmetric already, and they are what bayesmat returns (bm_mvn_grad,
 * bm_mvn_loglik_grad, bm_mvn_grad_precision): the symmetric gradient with
 * l(Σ + tE) = l(Σ) + t·tr(GE) + O(t²) for symmetric E. The "symmetric" formula
 * 2G − diag(G) of older texts is the same derivative in other coordinates: the
 * p(p+1)/2 free entries of vech Σ, where moving coordinate (i, j), i ≠ j, moves
 * Σ_ij AND Σ_ji, so it collects G_ij + G_ji = 2G_ij, while a diagonal coordinate
 * moves only Σ_ii and collects G_ii once — hence "the factor 2 everywhere except
 * on the diagonal". Both are right in their own coordinates (bayesmat converts
 * with bm_vech_from_sym_grad); mixing them — using 2G − diag(G) as a matrix
 * gradient in tr(G E), or G as a vech gradient — is wrong by a factor 2 off the
 * diagonal. Each claim is checked against finite differences in one call,
 * bm_check_matrix_gradient, which also names the two mix-ups when handed them
 * (off-diagonals doubled / halved). Finally the gradient vanishes at the MLE Σ̂ = S/n.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>
#include "bayesmat.h"

enum { P = 3, N = 25, Q = P * (P + 1) / 2 };

typedef struct {
  gsl_matrix *X; /* N x P data */
  gsl_vector *mu;
  bm_mvn *d;
} problem;

/* l as a function of a symmetric Σ */
static int ll_sigma(const gsl_matrix *S, void *pp, double *f)
{
  problem *P_ = pp;
  int st = bm_mvn_set(P_->d, P_->mu, S);
  return st ? st : bm_mvn_loglik(P_->d, P_->X, f, NULL);
}

/* l as a function of a symmetric precision Λ */
static int ll_prec(const gsl_matrix *L, void *pp, double *f)
{
  problem *P_ = pp;
  int st = bm_mvn_set_precision(P_->d, P_->mu, L);
  return st ? st : bm_mvn_loglik(P_->d, P_->X, f, NULL);
}

/* l as a function of all p² entries of a (not necessarily symmetric) Σ, by the
 * textbook formula −n/2 log|det Σ| − ½ Σ_i r_iᵀ Σ⁻¹ r_i − np/2 log 2π (LU). */
static int ll_full_sigma(const gsl_matrix *S0, void *pp, double *f)
{
  problem *P_ = pp;
  gsl_matrix *S = gsl_matrix_alloc(P, P);
  gsl_permutation *perm = gsl_permutation_alloc(P);
  gsl_vector *r = gsl_vector_alloc(P), *s = gsl_vector_alloc(P);
  int sign, st = 0;
  gsl_matrix_memcpy(S, S0);
  gsl_linalg_LU_decomp(S, perm, &sign);
  double logdet = gsl_linalg_LU_lndet(S);
  for (size_t k = 0; k < P; k++)
    if (gsl_matrix_get(S, k, k) == 0.0) st = 1;
  if (!st && gsl_linalg_LU_sgndet(S, sign) <= 0) st = 1;
  double quad = 0;
  for (size_t i = 0; i < N && !st; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(P_->X, i);
    gsl_vector_memcpy(r, &xi.vector);
    gsl_vector_sub(r, P_->mu);
    gsl_linalg_LU_solve(S, perm, r, s);
    double q;
    gsl_blas_ddot(r, s, &q);
    quad += q;
  }
  *f = -0.5 * N * logdet - 0.5 * quad - 0.5 * N * P * log(2 * M_PI);
  gsl_matrix_free(S);
  gsl_permutation_free(perm);
  gsl_vector_free(r);
  gsl_vector_free(s);
  return st;
}

static void print_matrix(const char *name, const gsl_matrix *A)
{
  printf("%s =\n", name);
  for (size_t i = 0; i < A->size1; i++) {
    for (size_t j = 0; j < A->size2; j++) printf(" %10.4f", gsl_matrix_get(A, i, j));
    printf("\n");
  }
}

/* one claim through bm_check_matrix_gradient; expect: the mistake it must be named as */
static int check(const char *what, bm_fn_matrix_scalar f, problem *pr, const gsl_matrix *at, int sym,
                 const gsl_matrix *claim, bm_grad_mistake expect)
{
  bm_grad_diagnosis dg;
  int st = bm_check_matrix_gradient(f, pr, at, sym, claim, NULL, &dg);
  if (st) {
    printf("%-58s check could not run: %s\n", what, bm_strerror(st));
    return 1;
  }
  printf("%-58s %-16s %s\n    %s\n", what, bm_grad_mistake_name(dg.mistake), dg.mistake == expect ? "ok" : "UNEXPECTED",
         dg.message);
  return dg.mistake != expect;
}

int main(void)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  problem pr = {gsl_matrix_alloc(N, P), gsl_vector_alloc(P), bm_mvn_alloc(P)};
  /* data from N(0, A Aᵀ + I); evaluate at a Σ that is not the MLE */
  gsl_matrix *A = gsl_matrix_alloc(P, P), *Sigma = gsl_matrix_alloc(P, P), *G = gsl_matrix_alloc(P, P),
             *GL = gsl_matrix_alloc(P, P), *GL2 = gsl_matrix_alloc(P, P), *Lam = gsl_matrix_alloc(P, P),
             *W = gsl_matrix_alloc(P, P);
  bm_rng_std_normal_matrix(rng, A);
  gsl_matrix_set_identity(Sigma);
  gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, A, A, 1.0, Sigma);
  gsl_vector_set_zero(pr.mu);
  bm_mvn_set(pr.d, pr.mu, Sigma);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_view xi = gsl_matrix_row(pr.X, i);
    bm_mvn_sample(pr.d, rng, &xi.vector);
  }
  for (size_t i = 0; i < P; i++) gsl_matrix_set(Sigma, i, i, gsl_matrix_get(Sigma, i, i) * 1.3);

  int failed = 0;
  bm_mvn_set(pr.d, pr.mu, Sigma);
  bm_mvn_loglik_grad(pr.d, pr.X, NULL, NULL, G);
  print_matrix("G = dl/dSigma (bayesmat's symmetric gradient, = the unconstrained one)", G);

  failed |= check("symmetric Sigma: gradient = G", ll_sigma, &pr, Sigma, 1, G, BM_GRAD_OK);
  failed |= check("all p^2 entries free (LU formula): gradient = G", ll_full_sigma, &pr, Sigma, 0, G, BM_GRAD_OK);
  /* the mix-ups: 2G - diag(G) used as a matrix gradient; vech(G) used as the
   * vech-coordinate gradient, which read back as a matrix is G with the
   * off-diagonals halved relative to what vech coordinates need */
  gsl_matrix_memcpy(W, G);
  gsl_matrix_scale(W, 2.0);
  for (size_t i = 0; i < P; i++) gsl_matrix_set(W, i, i, gsl_matrix_get(G, i, i));
  failed |= check("mix-up: 2G - diag(G) as the matrix gradient", ll_sigma, &pr, Sigma, 1, W,
                  BM_GRAD_OFFDIAG_DOUBLED);
  gsl_matrix_memcpy(W, G);
  for (size_t i = 0; i < P; i++)
    for (size_t j = 0; j < P; j++)
      if (i != j) gsl_matrix_set(W, i, j, 0.5 * gsl_matrix_get(G, i, j));
  failed |= check("mix-up: off-diagonals of G halved", ll_sigma, &pr, Sigma, 1, W, BM_GRAD_OFFDIAG_HALVED);

  /* precision */
  gsl_matrix_memcpy(Lam, Sigma);
  gsl_linalg_cholesky_decomp1(Lam);
  gsl_linalg_cholesky_invert(Lam);
  bm_mvn_set(pr.d, pr.mu, Sigma);
  gsl_matrix_set_zero(GL);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(pr.X, i);
    bm_mvn_grad_precision(pr.d, &xi.vector, GL2);
    gsl_matrix_add(GL, GL2);
  }
  print_matrix("G_Lambda = dl/dLambda = (n Sigma - S)/2", GL);
  failed |= check("precision: gradient = G_Lambda", ll_prec, &pr, Lam, 1, GL, BM_GRAD_OK);
  bm_mvn_set(pr.d, pr.mu, Sigma);
  bm_mvn_grad_sigma_to_precision(pr.d, G, GL2);
  gsl_matrix_sub(GL2, GL);
  double diff = fmax(fabs(gsl_matrix_max(GL2)), fabs(gsl_matrix_min(GL2)));
  printf("%-58s max |diff| %.2e  %s\n", "G_Lambda = -Sigma G Sigma (bm_mvn_grad_sigma_to_precision)", diff,
         diff < 1e-9 * N ? "ok" : "MISMATCH");
  failed |= !(diff < 1e-9 * N);

  /* at the MLE (mu = mean, Sigma = S/n) the gradient vanishes */
  gsl_vector_set_zero(pr.mu);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(pr.X, i);
    gsl_blas_daxpy(1.0 / N, &xi.vector, pr.mu);
  }
  gsl_matrix_set_zero(Sigma);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_view xi = gsl_matrix_row(pr.X, i);
    gsl_vector_sub(&xi.vector, pr.mu);
    gsl_blas_dger(1.0 / N, &xi.vector, &xi.vector, Sigma);
    gsl_vector_add(&xi.vector, pr.mu);
  }
  bm_mvn_set(pr.d, pr.mu, Sigma);
  bm_mvn_loglik_grad(pr.d, pr.X, NULL, NULL, G);
  double gmax = fmax(fabs(gsl_matrix_max(G)), fabs(gsl_matrix_min(G)));
  printf("%-58s max |G| %.2e  %s\n", "at the MLE Sigma = S/n the gradient vanishes", gmax,
         gmax < 1e-10 ? "ok" : "MISMATCH");
  failed |= !(gmax < 1e-10);

  gsl_matrix_free(A); gsl_matrix_free(Sigma); gsl_matrix_free(G); gsl_matrix_free(GL);
  gsl_matrix_free(GL2); gsl_matrix_free(Lam); gsl_matrix_free(W); gsl_matrix_free(pr.X);
  gsl_vector_free(pr.mu);
  bm_mvn_free(pr.d);
  gsl_rng_free(rng);
  return failed;
}
