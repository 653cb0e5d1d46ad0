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
 * diagonal. Each claim is checked against finite differences below; the two
 * mix-ups are shown to be caught. Finally the gradient vanishes at the MLE Σ̂ = S/n.
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

/* l as a function of vech Σ (a symmetric Σ) */
static int ll_vech_sigma(const gsl_vector *v, void *pp, double *f)
{
  problem *P_ = pp;
  gsl_matrix *S = gsl_matrix_alloc(P, P);
  bm_vech_unpack(v, S);
  int st = bm_mvn_set(P_->d, P_->mu, S);
  if (!st) st = bm_mvn_loglik(P_->d, P_->X, f, NULL);
  gsl_matrix_free(S);
  return st;
}

/* bayesmat's symmetric gradient G, converted to vech coordinates: D_pᵀ vec G */
static int grad_vech_sigma(const gsl_vector *v, void *pp, gsl_vector *g)
{
  problem *P_ = pp;
  gsl_matrix *S = gsl_matrix_alloc(P, P), *G = gsl_matrix_alloc(P, P);
  bm_vech_unpack(v, S);
  int st = bm_mvn_set(P_->d, P_->mu, S);
  if (!st) st = bm_mvn_loglik_grad(P_->d, P_->X, NULL, NULL, G);
  if (!st) st = bm_vech_from_sym_grad(G, g);
  gsl_matrix_free(S);
  gsl_matrix_free(G);
  return st;
}

/* the mix-up: G's lower triangle read as if it were the vech gradient */
static int grad_vech_sigma_wrong(const gsl_vector *v, void *pp, gsl_vector *g)
{
  problem *P_ = pp;
  gsl_matrix *S = gsl_matrix_alloc(P, P), *G = gsl_matrix_alloc(P, P);
  bm_vech_unpack(v, S);
  int st = bm_mvn_set(P_->d, P_->mu, S);
  if (!st) st = bm_mvn_loglik_grad(P_->d, P_->X, NULL, NULL, G);
  if (!st) st = bm_vech(G, g);
  gsl_matrix_free(S);
  gsl_matrix_free(G);
  return st;
}

/* l as a function of all p² entries of a (not necessarily symmetric) Σ, by the
 * textbook formula −n/2 log|det Σ| − ½ Σ_i r_iᵀ Σ⁻¹ r_i − np/2 log 2π (LU). */
static int ll_full_sigma(const gsl_vector *v, void *pp, double *f)
{
  problem *P_ = pp;
  gsl_matrix *S = gsl_matrix_alloc(P, P);
  gsl_permutation *perm = gsl_permutation_alloc(P);
  gsl_vector *r = gsl_vector_alloc(P), *s = gsl_vector_alloc(P);
  int sign, st = 0;
  bm_vec_unpack(v, S);
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

/* claim: the p²-coordinate gradient is bayesmat's G itself (vec'd) ... */
static int grad_full_sigma(const gsl_vector *v, void *pp, gsl_vector *g)
{
  problem *P_ = pp;
  gsl_matrix *S = gsl_matrix_alloc(P, P), *G = gsl_matrix_alloc(P, P);
  bm_vec_unpack(v, S);
  int st = bm_mvn_set(P_->d, P_->mu, S);
  if (!st) st = bm_mvn_loglik_grad(P_->d, P_->X, NULL, NULL, G);
  if (!st) st = bm_vec(G, g);
  gsl_matrix_free(S);
  gsl_matrix_free(G);
  return st;
}

/* ... and the mix-up: the "symmetric" 2G − diag(G) used as a matrix gradient */
static int grad_full_sigma_wrong(const gsl_vector *v, void *pp, gsl_vector *g)
{
  problem *P_ = pp;
  gsl_matrix *S = gsl_matrix_alloc(P, P), *G = gsl_matrix_alloc(P, P);
  bm_vec_unpack(v, S);
  int st = bm_mvn_set(P_->d, P_->mu, S);
  if (!st) st = bm_mvn_loglik_grad(P_->d, P_->X, NULL, NULL, G);
  for (size_t i = 0; i < P; i++)
    for (size_t j = 0; j < P; j++)
      if (i != j) gsl_matrix_set(G, i, j, 2 * gsl_matrix_get(G, i, j));
  if (!st) st = bm_vec(G, g);
  gsl_matrix_free(S);
  gsl_matrix_free(G);
  return st;
}

/* l as a function of vech Λ, and its gradient Σ_i bm_mvn_grad_precision */
static int ll_vech_prec(const gsl_vector *v, void *pp, double *f)
{
  problem *P_ = pp;
  gsl_matrix *L = gsl_matrix_alloc(P, P);
  bm_vech_unpack(v, L);
  int st = bm_mvn_set_precision(P_->d, P_->mu, L);
  if (!st) st = bm_mvn_loglik(P_->d, P_->X, f, NULL);
  gsl_matrix_free(L);
  return st;
}

static int grad_vech_prec(const gsl_vector *v, void *pp, gsl_vector *g)
{
  problem *P_ = pp;
  gsl_matrix *L = gsl_matrix_alloc(P, P), *G = gsl_matrix_calloc(P, P), *Gi = gsl_matrix_alloc(P, P);
  bm_vech_unpack(v, L);
  int st = bm_mvn_set_precision(P_->d, P_->mu, L);
  for (size_t i = 0; i < N && !st; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(P_->X, i);
    st = bm_mvn_grad_precision(P_->d, &xi.vector, Gi);
    gsl_matrix_add(G, Gi);
  }
  if (!st) st = bm_vech_from_sym_grad(G, g);
  gsl_matrix_free(L);
  gsl_matrix_free(G);
  gsl_matrix_free(Gi);
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

static int report(const char *what, int st, const bm_check_result *res, int expect_pass)
{
  if (st) {
    printf("%-62s check could not run: %s\n", what, bm_strerror(st));
    return 1;
  }
  printf("%-62s worst rel err %.2e  %s\n", what, res->worst_rel_err,
         res->passed == expect_pass ? (expect_pass ? "ok" : "caught (as it should be)")
                                    : (expect_pass ? "MISMATCH" : "NOT CAUGHT"));
  return res->passed != expect_pass;
}

int main(void)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  problem pr = {gsl_matrix_alloc(N, P), gsl_vector_alloc(P), bm_mvn_alloc(P)};
  /* data from N(0, A Aᵀ + I); evaluate at a Σ that is not the MLE */
  gsl_matrix *A = gsl_matrix_alloc(P, P), *Sigma = gsl_matrix_alloc(P, P), *G = gsl_matrix_alloc(P, P),
             *GL = gsl_matrix_alloc(P, P), *GL2 = gsl_matrix_alloc(P, P), *Lam = gsl_matrix_alloc(P, P);
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

  int failed = 0, st;
  gsl_vector *vq = gsl_vector_alloc(Q), *vf = gsl_vector_alloc(P * P), *g = gsl_vector_alloc(Q);
  bm_vech(Sigma, vq);
  bm_vec(Sigma, vf);
  bm_check_result res;
  bm_check_options opts = {{0, 0}, 4, 1, NULL, 1e-6};

  bm_mvn_set(pr.d, pr.mu, Sigma);
  bm_mvn_loglik_grad(pr.d, pr.X, NULL, NULL, G);
  print_matrix("G = dl/dSigma (bayesmat's symmetric gradient, = the unconstrained one)", G);
  bm_vech_from_sym_grad(G, g);
  printf("vech-coordinate gradient D^T vec G (off-diagonals doubled):");
  for (size_t k = 0; k < Q; k++) printf(" %.4f", gsl_vector_get(g, k));
  printf("\n");

  st = bm_check_gradient(ll_full_sigma, grad_full_sigma, &pr, vf, &opts, &res);
  failed |= report("all p^2 entries free: gradient = G", st, &res, 1);
  st = bm_check_gradient(ll_vech_sigma, grad_vech_sigma, &pr, vq, &opts, &res);
  failed |= report("vech coordinates: gradient = D^T vec G = vech(2G - diag G)", st, &res, 1);
  st = bm_check_gradient(ll_full_sigma, grad_full_sigma_wrong, &pr, vf, &opts, &res);
  failed |= report("mix-up: 2G - diag(G) used as the p^2-entry gradient", st, &res, 0);
  st = bm_check_gradient(ll_vech_sigma, grad_vech_sigma_wrong, &pr, vq, &opts, &res);
  failed |= report("mix-up: vech(G) used as the vech-coordinate gradient", st, &res, 0);

  /* precision */
  gsl_matrix_memcpy(Lam, Sigma);
  gsl_linalg_cholesky_decomp1(Lam);
  gsl_linalg_cholesky_invert(Lam);
  bm_mvn_set(pr.d, pr.mu, Sigma); /* the checks above moved the object's Sigma */
  gsl_matrix_set_zero(GL);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(pr.X, i);
    bm_mvn_grad_precision(pr.d, &xi.vector, GL2);
    gsl_matrix_add(GL, GL2);
  }
  print_matrix("G_Lambda = dl/dLambda = (n Sigma - S)/2", GL);
  bm_vech(Lam, vq);
  st = bm_check_gradient(ll_vech_prec, grad_vech_prec, &pr, vq, &opts, &res);
  failed |= report("precision, vech coordinates: D^T vec G_Lambda", st, &res, 1);
  bm_mvn_set(pr.d, pr.mu, Sigma);
  bm_mvn_grad_sigma_to_precision(pr.d, G, GL2);
  gsl_matrix_sub(GL2, GL);
  double diff = fmax(fabs(gsl_matrix_max(GL2)), fabs(gsl_matrix_min(GL2)));
  printf("%-62s max |diff| %.2e  %s\n", "G_Lambda = -Sigma G Sigma (bm_mvn_grad_sigma_to_precision)", diff,
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
  printf("%-62s max |G| %.2e  %s\n", "at the MLE Sigma = S/n the gradient vanishes", gmax,
         gmax < 1e-10 ? "ok" : "MISMATCH");
  failed |= !(gmax < 1e-10);

  gsl_matrix_free(A); gsl_matrix_free(Sigma); gsl_matrix_free(G); gsl_matrix_free(GL);
  gsl_matrix_free(GL2); gsl_matrix_free(Lam); gsl_matrix_free(pr.X);
  gsl_vector_free(pr.mu); gsl_vector_free(vq); gsl_vector_free(vf); gsl_vector_free(g);
  bm_mvn_free(pr.d);
  gsl_rng_free(rng);
  return failed;
}
