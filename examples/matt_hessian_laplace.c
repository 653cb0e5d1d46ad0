/* Question: what is the Hessian of the matrix-t log-density w.r.t. the
 * variate X, and how is it used in a Laplace approximation of a latent matrix?
 *
 * For X ~ T_{n,p}(ν, M, Σ, Ω), with R = X − M, T = (Σ + RΩ⁻¹Rᵀ)⁻¹, Q = Ω⁻¹,
 * k = ν+n+p−1, the gradient is −k T R Q and the Hessian w.r.t. vec X has entry
 * (i + jn, a + bn) = k [Y_aj Y_ib − T_ia (Q − K)_bj], Y = T R Q, K = Q RᵀT R Q
 * (bm_matt_hess_x). It is not negative definite everywhere: the matrix t is not
 * log-concave. Here it is checked against finite differences of bayesmat's
 * gradient at a random X, and then used for a latent matrix: X has a heavy-tailed
 * matrix-t prior, we observe Y = X + E with E_ij ~ N(0, s²), and the posterior
 *   log p(X | Y) = log T(X) − ‖Y − X‖²_F/(2s²) + const
 * has Hessian hess_x − I/s². bm_laplace finds the mode and approximates the
 * evidence p(Y); we check that it agrees with the run that builds the Hessian
 * from gradient differences, and compare the Laplace evidence with an
 * importance-sampling estimate (bm_check_evidence_is, multivariate-t proposal
 * from the Laplace fit).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"

enum { N = 3, P = 2, D = N * P };

typedef struct {
  bm_matt *prior;
  gsl_matrix *Y; /* observations; NULL: the prior alone (for the Hessian check) */
  double s;
  bm_mvt *q; /* the importance-sampling proposal */
} problem;

static int log_prior_fn(const gsl_vector *v, void *pp, double *f)
{
  problem *pr = pp;
  gsl_matrix *X = gsl_matrix_alloc(N, P);
  bm_vec_unpack(v, X);
  int st = bm_matt_logpdf(pr->prior, X, f);
  gsl_matrix_free(X);
  return st;
}

/* log p(Y | X) = -‖Y − X‖²_F/(2s²) − D/2 log(2πs²); 0 without observations */
static int log_lik_fn(const gsl_vector *v, void *pp, double *f)
{
  problem *pr = pp;
  double ss = 0;
  for (size_t i = 0; pr->Y && i < N; i++)
    for (size_t j = 0; j < P; j++) ss += gsl_pow_2(gsl_matrix_get(pr->Y, i, j) - gsl_vector_get(v, i + j * N));
  *f = pr->Y ? -ss / (2 * pr->s * pr->s) - 0.5 * D * log(2 * M_PI * pr->s * pr->s) : 0.0;
  return BM_SUCCESS;
}

static int logf_fn(const gsl_vector *v, void *pp, double *f)
{
  double lp, ll;
  int st = log_prior_fn(v, pp, &lp);
  if (!st) st = log_lik_fn(v, pp, &ll);
  *f = lp + ll;
  return st;
}

static int q_draw(gsl_rng *r, void *pp, gsl_vector *v) { return bm_mvt_sample(((problem *)pp)->q, r, v); }
static int q_logpdf(const gsl_vector *v, void *pp, double *f) { return bm_mvt_logpdf(((problem *)pp)->q, v, f); }

static int grad_fn(const gsl_vector *v, void *pp, gsl_vector *g)
{
  problem *pr = pp;
  gsl_matrix *X = gsl_matrix_alloc(N, P), *dX = gsl_matrix_alloc(N, P);
  bm_vec_unpack(v, X);
  int st = bm_matt_grad(pr->prior, X, dX, NULL, NULL, NULL, NULL);
  if (!st && pr->Y) {
    gsl_matrix_sub(X, pr->Y); /* X - Y */
    gsl_matrix_scale(X, -1.0 / (pr->s * pr->s));
    gsl_matrix_add(dX, X);
  }
  if (!st) st = bm_vec(dX, g);
  gsl_matrix_free(X);
  gsl_matrix_free(dX);
  return st;
}

static int hess_fn(const gsl_vector *v, void *pp, gsl_matrix *H)
{
  problem *pr = pp;
  gsl_matrix *X = gsl_matrix_alloc(N, P);
  bm_vec_unpack(v, X);
  int st = bm_matt_hess_x(pr->prior, X, H);
  if (!st && pr->Y)
    for (size_t k = 0; k < D; k++) gsl_matrix_set(H, k, k, gsl_matrix_get(H, k, k) - 1.0 / (pr->s * pr->s));
  gsl_matrix_free(X);
  return st;
}

int main(void)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  const double nu = 4.0;
  gsl_matrix *M = gsl_matrix_calloc(N, P), *Sigma = gsl_matrix_alloc(N, N), *Omega = gsl_matrix_alloc(P, P),
             *X = gsl_matrix_alloc(N, P), *Y = gsl_matrix_alloc(N, P), *A = gsl_matrix_alloc(N, N);
  /* Sigma = nu (I + 0.3 A A^T / N): entries of X are t-like with scale ~1 */
  bm_rng_std_normal_matrix(rng, A);
  gsl_matrix_set_identity(Sigma);
  gsl_blas_dgemm(CblasNoTrans, CblasTrans, 0.3 / N, A, A, 1.0, Sigma);
  gsl_matrix_scale(Sigma, nu);
  gsl_matrix_set(Omega, 0, 0, 1.0); gsl_matrix_set(Omega, 1, 1, 0.6);
  gsl_matrix_set(Omega, 0, 1, 0.3); gsl_matrix_set(Omega, 1, 0, 0.3);
  problem pr = {bm_matt_alloc(N, P), NULL, 1.0, NULL};
  int failed = 0;
  if (bm_matt_set(pr.prior, nu, M, Sigma, Omega)) return 1;

  /* 1. the Hessian w.r.t. vec X vs finite differences of the gradient, at a random X */
  gsl_vector *v = gsl_vector_alloc(D);
  gsl_matrix *H = gsl_matrix_alloc(D, D);
  bm_matt_sample(pr.prior, rng, X);
  bm_vec(X, v);
  bm_check_result res;
  int st = bm_check_hessian(logf_fn, grad_fn, hess_fn, &pr, v, NULL, &res);
  printf("%-58s worst rel err %.2e  %s\n", "bm_matt_hess_x vs finite differences of the gradient", res.worst_rel_err,
         !st && res.passed ? "ok" : "MISMATCH");
  failed |= st || !res.passed;
  /* and a point far in the tails, where it is not negative definite */
  gsl_matrix_set_all(X, 0.0);
  gsl_matrix_set(X, 0, 0, 8.0);
  bm_vec(X, v);
  hess_fn(v, &pr, H);
  double h00 = gsl_matrix_get(H, 0, 0);
  st = bm_check_hessian(logf_fn, grad_fn, hess_fn, &pr, v, NULL, &res);
  printf("%-58s H_11 = %+.4f, worst rel err %.2e  %s\n", "in the tail (X_11 = 8): not log-concave there", h00,
         res.worst_rel_err, !st && res.passed && h00 > 0 ? "ok" : "MISMATCH");
  failed |= st || !res.passed || !(h00 > 0);

  /* 2. Laplace approximation of the latent matrix given Y = X_true + noise,
   *    for a noisy (s = 0.5) and a precise (s = 0.1) measurement */
  const double svals[2] = {0.5, 0.1};
  double lap_err[2] = {NAN, NAN};
  bm_laplace_result *lr = bm_laplace_result_alloc(D), *lr_fd = bm_laplace_result_alloc(D);
  gsl_matrix *Xhat = gsl_matrix_alloc(N, P);
  pr.q = bm_mvt_alloc(D);
  const size_t ns = 100000;
  bm_matt_sample(pr.prior, rng, X);
  gsl_matrix_set_all(H, 0.0);
  for (int c = 0; c < 2; c++) {
    pr.s = svals[c];
    gsl_matrix_memcpy(Y, X);
    for (size_t i = 0; i < N; i++)
      for (size_t j = 0; j < P; j++) gsl_matrix_set(Y, i, j, gsl_matrix_get(Y, i, j) + pr.s * gsl_ran_gaussian(rng, 1));
    pr.Y = Y;
    bm_laplace_problem lp = {D, logf_fn, grad_fn, hess_fn, &pr};
    bm_vec(Y, v); /* start at the data */
    st = bm_laplace(&lp, v, NULL, lr);
    lp.hess = NULL; /* the same with the Hessian from gradient differences */
    st |= bm_laplace(&lp, v, NULL, lr_fd);
    if (st) {
      printf("bm_laplace failed: %s\n", bm_strerror(st));
      return 1;
    }
    bm_vec_unpack(lr->mode, Xhat);
    printf("noise s = %.1f: posterior mode of X (%zu Newton steps):\n", pr.s, lr->iterations);
    for (size_t i = 0; i < N; i++)
      printf("  %8.4f %8.4f      (Y: %8.4f %8.4f)\n", gsl_matrix_get(Xhat, i, 0), gsl_matrix_get(Xhat, i, 1),
             gsl_matrix_get(Y, i, 0), gsl_matrix_get(Y, i, 1));
    double dmode = 0;
    for (size_t k = 0; k < D; k++)
      dmode = fmax(dmode, fabs(gsl_vector_get(lr->mode, k) - gsl_vector_get(lr_fd->mode, k)));
    double dev = fabs(lr->log_evidence - lr_fd->log_evidence);
    printf("  %-56s %.2e, %.2e  %s\n", "analytic vs FD Hessian: |mode diff|, |log evidence diff|", dmode, dev,
           dmode < 1e-7 && dev < 1e-6 ? "ok" : "MISMATCH");
    failed |= !(dmode < 1e-7 && dev < 1e-6);

    /* importance sampling of log p(Y) with a t_5 proposal centred at the mode */
    bm_mvt_set(pr.q, 5.0, lr->mode, lr->cov);
    bm_check_model is = {D, log_prior_fn, log_lik_fn, NULL, NULL, q_draw, q_logpdf, &pr};
    bm_evidence_result er;
    st = bm_check_evidence_is(&is, rng, ns, lr->log_evidence, 4.0, &er);
    double lz_is = st ? NAN : er.log_evidence, se = st ? NAN : er.se;
    lap_err[c] = lr->log_evidence - lz_is;
    printf("  log p(Y): Laplace %.4f   importance sampling %.4f +- %.4f   Laplace error %+.4f\n", lr->log_evidence,
           lz_is, se, lap_err[c]);
    failed |= !(se < 0.01);
  }
  /* the Laplace error is the model's, not roundoff: it must shrink as the data
   * become informative (the posterior becomes Gaussian) */
  int ok = fabs(lap_err[1]) < 0.5 * fabs(lap_err[0]) && fabs(lap_err[1]) < 0.05;
  printf("%-58s %s\n", "Laplace error shrinks with precise data (< 0.05 nats)", ok ? "ok" : "MISMATCH");
  failed |= !ok;

  bm_mvt_free(pr.q);
  bm_laplace_result_free(lr); bm_laplace_result_free(lr_fd);
  bm_matt_free(pr.prior);
  gsl_matrix_free(M); gsl_matrix_free(Sigma); gsl_matrix_free(Omega); gsl_matrix_free(X);
  gsl_matrix_free(Y); gsl_matrix_free(A); gsl_matrix_free(H); gsl_matrix_free(Xhat);
  gsl_vector_free(v);
  gsl_rng_free(rng);
  return failed;
}
