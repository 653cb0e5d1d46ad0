/* Question: "my backpropagation gradients don't match finite differences" —
 * how do I check the gradients of a two-layer network?
 *
 * Network: H = tanh(X W1 + 1 b1ᵀ), Z = H W2 + 1 b2ᵀ, loss = −Σ_i log softmax(Z_i)_{c_i}
 * (rows of X are the n observations, c_i their classes). Backpropagation:
 *   dZ = softmax(Z) − onehot(c)            (n × k)
 *   dW2 = Hᵀ dZ,  db2 = column sums of dZ
 *   dH = dZ W2ᵀ,  dA = dH ⊙ (1 − H ⊙ H)
 *   dW1 = Xᵀ dA,  db1 = column sums of dA
 * Each gradient has its parameter's shape (bayesmat's convention). The
 * parameters are flattened as θ = (vec W1, b1, vec W2, b2) and the whole
 * gradient is checked by bm_check_gradient, which also names the coordinate
 * of the worst disagreement — shown here on two classic bugs: the bias
 * gradient taken as a mean instead of a sum, and the tanh derivative dropped.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"

enum { N = 12, D = 4, HID = 5, K = 3 };
enum { NW1 = D * HID, NB1 = HID, NW2 = HID * K, NB2 = K, NTHETA = NW1 + NB1 + NW2 + NB2 };

typedef struct {
  gsl_matrix *X;
  int c[N];
  int bug; /* 0 none, 1 bias mean, 2 no tanh' */
} net;

/* forward pass: fills H (n x hid) and P = softmax(Z) (n x k); returns the loss */
static double forward(const net *nt, const double *th, gsl_matrix *H, gsl_matrix *P)
{
  gsl_matrix_const_view W1 = gsl_matrix_const_view_array(th, D, HID);
  gsl_matrix_const_view W2 = gsl_matrix_const_view_array(th + NW1 + NB1, HID, K);
  const double *b1 = th + NW1, *b2 = th + NW1 + NB1 + NW2;
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, nt->X, &W1.matrix, 0.0, H);
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < HID; j++) gsl_matrix_set(H, i, j, tanh(gsl_matrix_get(H, i, j) + b1[j]));
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, H, &W2.matrix, 0.0, P);
  double loss = 0;
  for (size_t i = 0; i < N; i++) {
    double mx = -INFINITY, s = 0;
    for (size_t j = 0; j < K; j++) {
      *gsl_matrix_ptr(P, i, j) += b2[j];
      mx = fmax(mx, gsl_matrix_get(P, i, j));
    }
    for (size_t j = 0; j < K; j++) s += exp(gsl_matrix_get(P, i, j) - mx);
    loss -= gsl_matrix_get(P, i, (size_t)nt->c[i]) - mx - log(s); /* log-sum-exp, stable */
    for (size_t j = 0; j < K; j++) gsl_matrix_set(P, i, j, exp(gsl_matrix_get(P, i, j) - mx) / s);
  }
  return loss;
}

/* Flattening: W1 and W2 are stored row-major inside theta (any fixed order
 * works for a check, as long as loss and gradient agree on it). */
static int loss(const gsl_vector *theta, void *pp, double *f)
{
  gsl_matrix *H = gsl_matrix_alloc(N, HID), *P = gsl_matrix_alloc(N, K);
  *f = forward(pp, theta->data, H, P);
  gsl_matrix_free(H);
  gsl_matrix_free(P);
  return 0;
}

static int backprop(const gsl_vector *theta, void *pp, gsl_vector *g)
{
  const net *nt = pp;
  const double *th = theta->data;
  gsl_matrix *H = gsl_matrix_alloc(N, HID), *dZ = gsl_matrix_alloc(N, K), *dA = gsl_matrix_alloc(N, HID);
  forward(nt, th, H, dZ);
  for (size_t i = 0; i < N; i++) *gsl_matrix_ptr(dZ, i, (size_t)nt->c[i]) -= 1.0; /* softmax - onehot */
  gsl_matrix_view dW1 = gsl_matrix_view_array(g->data, D, HID);
  gsl_matrix_view dW2 = gsl_matrix_view_array(g->data + NW1 + NB1, HID, K);
  gsl_matrix_const_view W2 = gsl_matrix_const_view_array(th + NW1 + NB1, HID, K);
  double *db1 = g->data + NW1, *db2 = g->data + NW1 + NB1 + NW2;
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, H, dZ, 0.0, &dW2.matrix);
  gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, dZ, &W2.matrix, 0.0, dA);
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < HID; j++) {
      double h = gsl_matrix_get(H, i, j);
      if (nt->bug != 2) *gsl_matrix_ptr(dA, i, j) *= 1.0 - h * h;
    }
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, nt->X, dA, 0.0, &dW1.matrix);
  double scale = nt->bug == 1 ? 1.0 / N : 1.0;
  for (size_t j = 0; j < K; j++) {
    db2[j] = 0;
    for (size_t i = 0; i < N; i++) db2[j] += scale * gsl_matrix_get(dZ, i, j);
  }
  for (size_t j = 0; j < HID; j++) {
    db1[j] = 0;
    for (size_t i = 0; i < N; i++) db1[j] += gsl_matrix_get(dA, i, j);
  }
  gsl_matrix_free(H);
  gsl_matrix_free(dZ);
  gsl_matrix_free(dA);
  return 0;
}

static const char *where(size_t k)
{
  return k < NW1 ? "W1" : k < NW1 + NB1 ? "b1" : k < NW1 + NB1 + NW2 ? "W2" : k < NTHETA ? "b2" : "a random direction";
}

int main(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  net nt = {gsl_matrix_alloc(N, D), {0}, 0};
  bm_rng_std_normal_matrix(r, nt.X);
  for (size_t i = 0; i < N; i++) nt.c[i] = (int)gsl_rng_uniform_int(r, K);
  gsl_vector *theta = gsl_vector_alloc(NTHETA);
  bm_rng_std_normal_vector(r, theta);
  gsl_vector_scale(theta, 0.5);
  const char *labels[] = {"correct backprop", "bug: bias gradient as a mean", "bug: tanh' dropped"};
  int failed = 0;
  for (int bug = 0; bug < 3; bug++) {
    nt.bug = bug;
    bm_check_result res;
    bm_check_gradient(loss, backprop, &nt, theta, NULL, &res);
    printf("%-30s worst rel err %.2e at %s (coordinate %zu): %s\n", labels[bug], res.worst_rel_err,
           where(res.worst_index), res.worst_index, res.passed ? "matches" : "MISMATCH");
    failed |= bug == 0 ? !res.passed : res.passed;
  }
  gsl_matrix_free(nt.X);
  gsl_vector_free(theta);
  gsl_rng_free(r);
  return failed;
}
