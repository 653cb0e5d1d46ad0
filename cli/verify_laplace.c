/* bayesmat verify: laplace, transforms, Jeffreys priors, model Fisher information.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include "bayesmat.h"
#include "verify.h"

/* theta -> vech Sigma through the transform map of one log-Cholesky block */
static int vech_sigma(const gsl_vector *th, void *block, gsl_vector *v)
{
  return bm_transform_map_inverse(block, 1, th, v, NULL);
}

/* The target in Sigma, in vech coordinates: the inverse Wishart log-density
 * IW_p(nu, Psi), -(nu+p+1)/2 log|Sigma| - tr(Psi Sigma^-1)/2 + const, with the
 * library's derivatives in Sigma (the invwishart component checks them). */
typedef struct {
  size_t p;
  bm_invwishart *d;
} iwk;
static int iwk_eval(const gsl_vector *x, const iwk *k, double *f, gsl_vector *g, gsl_matrix *H)
{
  gsl_matrix *S = gsl_matrix_alloc(k->p, k->p), *G = gsl_matrix_alloc(k->p, k->p);
  bm_vech_unpack(x, S);
  int st = f ? bm_invwishart_logpdf(k->d, S, f) : 0;
  if (!st && g) st = bm_invwishart_grad(k->d, S, G, NULL, NULL);
  if (!st && g) bm_vech_from_sym_grad(G, g);
  if (!st && H) st = bm_invwishart_hess_x(k->d, S, H);
  gsl_matrix_free(S);
  gsl_matrix_free(G);
  return st;
}
static int iwk_f(const gsl_vector *x, void *p, double *f) { return iwk_eval(x, p, f, NULL, NULL); }
static int iwk_g(const gsl_vector *x, void *p, gsl_vector *g) { return iwk_eval(x, p, NULL, g, NULL); }
static int iwk_h(const gsl_vector *x, void *p, gsl_matrix *H) { return iwk_eval(x, p, NULL, NULL, H); }

static void verify_transforms(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  double wj = 0, wd = 0, wg = 0, wh = 0;
  for (size_t p = 1; p <= (c->quick ? 3u : 5u); p++) {
    size_t q = bm_vech_len(p);
    gsl_vector *th = gsl_vector_alloc(q);
    gsl_matrix *J = gsl_matrix_alloc(q, q), *Jfd = gsl_matrix_alloc(q, q), *S = gsl_matrix_alloc(p, p);
    gsl_permutation *perm = gsl_permutation_alloc(q);
    verify_random_spd(r, 1.0, S);
    bm_transform_logchol_forward(S, th);
    bm_transform_block block = {BM_TRANSFORM_LOGCHOL, p};
    bm_fd_jacobian(vech_sigma, &block, q, th, NULL, Jfd, NULL);
    bm_transform_logchol_jacobian(th, J);
    for (size_t a = 0; a < q; a++)
      for (size_t b = 0; b < q; b++)
        wj = fmax(wj, fabs(gsl_matrix_get(J, a, b) - gsl_matrix_get(Jfd, a, b)) / fmax(1.0, fabs(gsl_matrix_get(Jfd, a, b))));
    double lj;
    int sgn;
    bm_transform_logchol_log_jacobian(th, &lj, NULL);
    gsl_linalg_LU_decomp(Jfd, perm, &sgn);
    double ref = gsl_linalg_LU_lndet(Jfd);
    wd = verify_worst(wd, lj, ref);
    iwk k = {p, bm_invwishart_alloc(p)};
    verify_random_spd(r, 1.0, S);
    bm_invwishart_set(k.d, (double)p + 6.0, S);
    /* the target in log-Cholesky coordinates (plus log|J|): its gradient and
     * Hessian come through the library's chain rule */
    bm_transformed_target tt = {&block, 1, iwk_f, iwk_g, iwk_h, &k};
    bm_laplace_problem pr;
    bm_transform_laplace_problem(&tt, &pr);
    wg = fmax(wg, verify_grad_check(pr.logf, pr.grad, pr.params, th, NULL));
    wh = fmax(wh, verify_hess_check(pr.logf, pr.grad, pr.hess, pr.params, th, NULL));
    bm_invwishart_free(k.d);
    gsl_vector_free(th);
    gsl_matrix_free(J);
    gsl_matrix_free(Jfd);
    gsl_matrix_free(S);
    gsl_permutation_free(perm);
  }
  verify_row(c, "laplace", "log-Cholesky Jacobian vs FD", wj, 1e-7);
  verify_row(c, "laplace", "log-Cholesky log|J| vs LU of FD Jacobian", wd, 1e-7);
  verify_row(c, "laplace", "log-Cholesky chain-rule gradient vs FD", wg, 1e-6);
  verify_row(c, "laplace", "log-Cholesky chain-rule Hessian vs FD", wh, 1e-6);
}

/* Gaussian target: log f = log N(b; m, P^-1) + c; Laplace must be exact: evidence = c */
typedef struct {
  bm_mvn *d;
  double c;
} gtarget;
static int gt_f(const gsl_vector *b, void *params, double *f)
{
  const gtarget *t = params;
  int st = bm_mvn_logpdf(t->d, b, f);
  *f += t->c;
  return st;
}
static int gt_g(const gsl_vector *b, void *params, gsl_vector *g)
{
  return bm_mvn_grad(((const gtarget *)params)->d, b, g, NULL, NULL);
}

static void verify_laplace_exact(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  size_t k = 4;
  gtarget t = {bm_mvn_alloc(k), gsl_ran_gaussian(r, 3.0)};
  gsl_matrix *P = gsl_matrix_alloc(k, k), *L = gsl_matrix_alloc(k, k), *C = gsl_matrix_alloc(k, k);
  gsl_vector *m = gsl_vector_alloc(k);
  verify_random_spd(r, 1.0, P);
  bm_rng_std_normal_vector(r, m);
  bm_mvn_set_precision(t.d, m, P);
  bm_chol_factor(P, L, NULL);
  bm_chol_inverse(L, C);
  bm_laplace_problem prob = {k, gt_f, gt_g, NULL, &t};
  bm_laplace_result *res = bm_laplace_result_alloc(k);
  gsl_vector *th0 = gsl_vector_calloc(k);
  int st = bm_laplace(&prob, th0, NULL, res);
  double e1 = st ? NAN : fabs(res->log_evidence - t.c) / fmax(1.0, fabs(t.c)), e2 = 0;
  for (size_t i = 0; i < k && !st; i++)
    for (size_t j = 0; j < k; j++)
      e2 = fmax(e2, fabs(gsl_matrix_get(res->cov, i, j) - gsl_matrix_get(C, i, j)) / fmax(1.0, fabs(gsl_matrix_get(C, i, j))));
  verify_row(c, "laplace", "Gaussian target: evidence exact (FD Hessian)", e1, 1e-9);
  verify_row(c, "laplace", "Gaussian target: covariance exact (FD Hessian)", st ? NAN : e2, 1e-8);

  /* p = 1: IW_1(2 alpha, 2 beta) is the inverse gamma(alpha, beta) density; its
   * Laplace log-evidence in log-Cholesky coordinates (exactly 0) is off by
   * Stirling's error in the normalizer Gamma(alpha) / beta^alpha */
  double worst = 0;
  for (int rep = 0; rep < 3; rep++) {
    double alpha = 2.0 + gsl_ran_exponential(r, 10.0), beta = 0.5 + gsl_ran_exponential(r, 2.0);
    double psi = 2.0 * beta;
    gsl_matrix_view Psi = gsl_matrix_view_array(&psi, 1, 1);
    iwk kk = {1, bm_invwishart_alloc(1)};
    bm_invwishart_set(kk.d, 2.0 * alpha, &Psi.matrix);
    bm_transform_block blocks[1] = {{BM_TRANSFORM_LOGCHOL, 1}};
    bm_transformed_target tt = {blocks, 1, iwk_f, iwk_g, iwk_h, &kk};
    bm_laplace_problem pr;
    bm_transform_laplace_problem(&tt, &pr);
    bm_laplace_result *r1 = bm_laplace_result_alloc(1);
    gsl_vector *u0 = gsl_vector_calloc(1);
    st = bm_laplace(&pr, u0, NULL, r1);
    double exact = gsl_sf_lngamma(alpha) - alpha * log(beta);
    double stirling = 0.5 * log(2 * M_PI) + (alpha - 0.5) * log(alpha) - alpha - alpha * log(beta);
    worst = fmax(worst, st ? NAN : fabs(r1->log_evidence - (stirling - exact)));
    bm_laplace_result_free(r1);
    gsl_vector_free(u0);
    bm_invwishart_free(kk.d);
  }
  verify_row(c, "laplace", "IW_1 evidence error = Stirling's (log-Cholesky)", worst, 1e-9);
  bm_laplace_result_free(res);
  gsl_vector_free(th0);
  bm_mvn_free(t.d);
  gsl_matrix_free(P);
  gsl_vector_free(m);
  gsl_matrix_free(L);
  gsl_matrix_free(C);
}

static void verify_jeffreys(verify_ctx *c)
{
  /* N_p: 1/2 log det I = -(p+2)/2 log|Sigma| - p/2 log 2 */
  double worst = 0;
  for (size_t p = 1; p <= 4; p++) {
    size_t q = bm_vech_len(p), n = p + q;
    gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *A = gsl_matrix_alloc(p, p),
               *I = gsl_matrix_calloc(n, n);
    verify_random_spd(c->rng, 1.0, S);
    bm_chol_factor(S, L, NULL);
    bm_chol_inverse(L, A);
    gsl_matrix_view Imu = gsl_matrix_submatrix(I, 0, 0, p, p), IS = gsl_matrix_submatrix(I, p, p, q, q);
    gsl_matrix_memcpy(&Imu.matrix, A);
    bm_vech_kron(0.5, A, A, 0.0, &IS.matrix);
    double lp, ref = -0.5 * (double)(p + 2) * bm_chol_logdet(L) - 0.5 * (double)p * M_LN2;
    int st = bm_jeffreys_from_fisher(I, NULL, 0, &lp);
    worst = fmax(worst, st ? NAN : fabs(lp - ref) / fmax(1.0, fabs(ref)));
    gsl_matrix_free(S);
    gsl_matrix_free(L);
    gsl_matrix_free(A);
    gsl_matrix_free(I);
  }
  verify_row(c, "laplace", "Jeffreys N_p(mu,Sigma) = |Sigma|^-(p+2)/2 exactly", worst, 1e-11);
}

/* Matern-5/2 GP on 6 points, eta = (log ell, log sf2, log tau2) */
static void gp_sigma(const double *t, size_t n, const double *eta, gsl_matrix *S, gsl_matrix **dS)
{
  double ell = exp(eta[0]), sf2 = exp(eta[1]), tau2 = exp(eta[2]);
  for (size_t a = 0; a < n; a++)
    for (size_t b = 0; b < n; b++) {
      double u = sqrt(5.0) * fabs(t[a] - t[b]) / ell, e = exp(-u), kk = sf2 * (1 + u + u * u / 3) * e;
      gsl_matrix_set(S, a, b, kk + (a == b ? tau2 : 0));
      gsl_matrix_set(dS[0], a, b, sf2 * (u * u / 3) * (1 + u) * e);
      gsl_matrix_set(dS[1], a, b, kk);
      gsl_matrix_set(dS[2], a, b, a == b ? tau2 : 0);
    }
}

static void verify_model_fisher(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  size_t n = 6;
  double t[6], eta[3] = {log(0.5 + gsl_rng_uniform(r)), log(0.5 + gsl_rng_uniform(r)), log(0.1 + 0.2 * gsl_rng_uniform(r))};
  for (size_t a = 0; a < n; a++) t[a] = 0.4 * (double)a + 0.1 * gsl_rng_uniform(r);
  gsl_matrix *S = gsl_matrix_alloc(n, n), *L = gsl_matrix_alloc(n, n), *I = gsl_matrix_alloc(3, 3);
  gsl_matrix *dS[3] = {gsl_matrix_alloc(n, n), gsl_matrix_alloc(n, n), gsl_matrix_alloc(n, n)};
  gsl_vector *mu = gsl_vector_calloc(n), *y = gsl_vector_alloc(n), *s = gsl_vector_alloc(3);
  gp_sigma(t, n, eta, S, dS);
  bm_gaussian_model_fisher(S, NULL, (const gsl_matrix *const *)dS, 3, I);
  bm_chol_factor(S, L, NULL);
  size_t draws = c->quick ? 4000 : 40000;
  verify_moments ss;
  verify_moments_init(&ss, 3, 3);
  for (size_t d = 0; d < draws; d++) {
    bm_rng_std_normal_vector(r, y);
    bm_chol_lower_multiply(L, y);
    bm_gaussian_model_score(S, mu, NULL, (const gsl_matrix *const *)dS, 3, y, s, NULL);
    verify_moments_add_outer(&ss, s);
  }
  double zmax = verify_moments_maxz(&ss, I);
  verify_moments_free(&ss);
  verify_row(c, "laplace", "GP Matern-5/2 Fisher vs MC score cov (|z|/5)", zmax / 5.0, 1.0);
  gsl_matrix_free(S);
  gsl_matrix_free(L);
  gsl_matrix_free(I);
  for (int j = 0; j < 3; j++) gsl_matrix_free(dS[j]);
  gsl_vector_free(mu);
  gsl_vector_free(y);
  gsl_vector_free(s);
}

void verify_laplace(verify_ctx *c)
{
  verify_transforms(c);
  verify_laplace_exact(c);
  verify_jeffreys(c);
  verify_model_fisher(c);
}
