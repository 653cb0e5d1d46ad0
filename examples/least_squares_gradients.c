/* Question: what are the gradients of the least-squares losses
 *   ‖y − Xβ‖² (w.r.t. β), ridge ‖y − Xβ‖² + λ‖β‖², weighted (y − Xβ)ᵀW(y − Xβ),
 * and ‖Ax − y‖² w.r.t. the matrix A — and which layout are they in?
 *
 * Layout, settled once: bayesmat gives a gradient the shape of its argument
 * (G_ij = ∂f/∂A_ij, "denominator layout"; a column vector for a vector). So
 *   ∂/∂β ‖y − Xβ‖²          = −2Xᵀ(y − Xβ)                  (k-vector)
 *   ∂/∂β ridge               = −2Xᵀ(y − Xβ) + 2λβ
 *   ∂/∂β (y−Xβ)ᵀW(y−Xβ)     = −2XᵀW(y − Xβ)                 (W symmetric)
 *   ∂/∂A ‖Ax − y‖²          = 2(Ax − y)xᵀ                   (same shape as A)
 * Numerator layout would print the transposes (row vectors / Aᵀ-shaped).
 * Each is checked here against bayesmat's Richardson finite differences, and
 * the numerator-layout slip (the transpose, reshaped) is shown to be caught.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"

enum { N = 20, K = 4, M = 3 };

typedef struct {
  gsl_matrix *X, *W, *A;
  gsl_vector *y, *x, *ym;
  double lambda;
  int which; /* 0 OLS, 1 ridge, 2 WLS */
} problem;

/* r = y - X beta, and Wr = W r for WLS (Wr = r for OLS and ridge) */
static void residual(const problem *P, const gsl_vector *beta, gsl_vector *r, gsl_vector *Wr)
{
  gsl_vector_memcpy(r, P->y);
  gsl_blas_dgemv(CblasNoTrans, -1.0, P->X, beta, 1.0, r);
  if (P->which == 2)
    gsl_blas_dgemv(CblasNoTrans, 1.0, P->W, r, 0.0, Wr);
  else
    gsl_vector_memcpy(Wr, r);
}

static int loss(const gsl_vector *beta, void *pp, double *f)
{
  problem *P = pp;
  gsl_vector *r = gsl_vector_alloc(N), *Wr = gsl_vector_alloc(N);
  residual(P, beta, r, Wr);
  gsl_blas_ddot(r, Wr, f); /* rᵀ W r */
  if (P->which == 1) {
    double b2;
    gsl_blas_ddot(beta, beta, &b2);
    *f += P->lambda * b2;
  }
  gsl_vector_free(r);
  gsl_vector_free(Wr);
  return 0;
}

static int loss_grad(const gsl_vector *beta, void *pp, gsl_vector *g)
{
  problem *P = pp;
  gsl_vector *r = gsl_vector_alloc(N), *Wr = gsl_vector_alloc(N);
  residual(P, beta, r, Wr);
  gsl_blas_dgemv(CblasTrans, -2.0, P->X, Wr, 0.0, g); /* -2 Xᵀ W r */
  if (P->which == 1) gsl_blas_daxpy(2.0 * P->lambda, beta, g); /* + 2 lambda beta */
  gsl_vector_free(r);
  gsl_vector_free(Wr);
  return 0;
}

/* r = A x - y with A from its vec */
static void residual_A(const problem *P, const gsl_vector *vecA, gsl_vector *r)
{
  gsl_matrix *A = gsl_matrix_alloc(M, K);
  bm_vec_unpack(vecA, A);
  gsl_vector_memcpy(r, P->ym);
  gsl_blas_dgemv(CblasNoTrans, 1.0, A, P->x, -1.0, r);
  gsl_matrix_free(A);
}

/* ‖Ax − y‖² as a function of vec(A) (bayesmat's vec: columns stacked) */
static int loss_A(const gsl_vector *vecA, void *pp, double *f)
{
  gsl_vector *r = gsl_vector_alloc(M);
  residual_A(pp, vecA, r);
  gsl_blas_ddot(r, r, f);
  gsl_vector_free(r);
  return 0;
}

/* g = vec(2 u v^T): the u->size x v->size matrix stacked by columns */
static void vec_outer2(const gsl_vector *u, const gsl_vector *v, gsl_vector *g)
{
  gsl_matrix *G = gsl_matrix_calloc(u->size, v->size);
  gsl_blas_dger(2.0, u, v, G);
  bm_vec(G, g);
  gsl_matrix_free(G);
}

static int loss_A_grad(const gsl_vector *vecA, void *pp, gsl_vector *g)
{
  const problem *P = pp;
  gsl_vector *r = gsl_vector_alloc(M);
  residual_A(P, vecA, r);
  vec_outer2(r, P->x, g); /* G = 2 (Ax - y) x^T, shaped like A (M x K) */
  gsl_vector_free(r);
  return 0;
}

/* The numerator-layout slip: 2 x (Ax - y)^T is K x M; stacking its columns
 * into a vector of A's length gives a "gradient" that is wrong. */
static int loss_A_grad_wrong(const gsl_vector *vecA, void *pp, gsl_vector *g)
{
  const problem *P = pp;
  gsl_vector *r = gsl_vector_alloc(M);
  residual_A(P, vecA, r);
  vec_outer2(P->x, r, g); /* 2 x (Ax - y)^T: K x M */
  gsl_vector_free(r);
  return 0;
}

int main(void)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  problem P = {gsl_matrix_alloc(N, K), gsl_matrix_calloc(N, N), gsl_matrix_alloc(M, K),
               gsl_vector_alloc(N),    gsl_vector_alloc(K),      gsl_vector_alloc(M), 0.7, 0};
  bm_rng_std_normal_matrix(rng, P.X);
  bm_rng_std_normal_vector(rng, P.y);
  bm_rng_std_normal_vector(rng, P.x);
  bm_rng_std_normal_vector(rng, P.ym);
  bm_rng_std_normal_matrix(rng, P.A);
  for (size_t i = 0; i < N; i++) gsl_matrix_set(P.W, i, i, 0.5 + gsl_rng_uniform(rng)); /* weights r_i */
  gsl_vector *beta = gsl_vector_alloc(K), *vecA = gsl_vector_alloc(M * K);
  bm_rng_std_normal_vector(rng, beta);
  bm_vec(P.A, vecA);

  const char *names[] = {"d/dbeta |y - X beta|^2 = -2 X^T (y - X beta)",
                         "d/dbeta ridge = -2 X^T (y - X beta) + 2 lambda beta",
                         "d/dbeta WLS = -2 X^T W (y - X beta)"};
  int failed = 0;
  bm_check_result res;
  for (int w = 0; w < 3; w++) {
    P.which = w;
    bm_check_gradient(loss, loss_grad, &P, beta, NULL, &res);
    printf("%-55s worst rel err %.2e  %s\n", names[w], res.worst_rel_err, res.passed ? "ok" : "MISMATCH");
    failed |= !res.passed;
  }
  bm_check_gradient(loss_A, loss_A_grad, &P, vecA, NULL, &res);
  printf("%-55s worst rel err %.2e  %s\n", "d/dA |A x - y|^2 = 2 (A x - y) x^T", res.worst_rel_err,
         res.passed ? "ok" : "MISMATCH");
  failed |= !res.passed;

  bm_taylor_result tr;
  bm_check_taylor(loss_A, loss_A_grad, &P, vecA, NULL, NULL, &tr);
  printf("Taylor remainder slope for d/dA: %.2f (2 = right)\n", tr.slope);
  failed |= !tr.passed;

  bm_check_gradient(loss_A, loss_A_grad_wrong, &P, vecA, NULL, &res);
  printf("numerator-layout slip 2 x (Ax - y)^T, vec'd: worst rel err %.2e at coordinate %zu  %s\n",
         res.worst_rel_err, res.worst_index, res.passed ? "NOT CAUGHT" : "caught");
  failed |= res.passed;
  bm_check_taylor(loss_A, loss_A_grad_wrong, &P, vecA, NULL, NULL, &tr);
  printf("Taylor remainder slope for the slip: %.2f (1 = wrong gradient)\n", tr.slope);
  failed |= tr.passed;

  gsl_matrix_free(P.X); gsl_matrix_free(P.W); gsl_matrix_free(P.A);
  gsl_vector_free(P.y); gsl_vector_free(P.x); gsl_vector_free(P.ym);
  gsl_vector_free(beta); gsl_vector_free(vecA);
  gsl_rng_free(rng);
  return failed;
}
