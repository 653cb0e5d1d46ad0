/* bayesmat verify: the matrix-variate F family (distributions/matf.c).
 * Rows: score, theta-Hessian, X-gradient and vech-X Hessian against the
 * finite-difference engine at seeded random parameters; the closed-form Fisher
 * information against Monte Carlo E[s s^T] and E[-H] (reported as max|z|/5);
 * E[X] = nu Psi/(delta-2) from samples; p = 1 against GSL's F density.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

typedef struct {
  bm_matf *d; /* scratch (theta wrappers) or fixed (X wrappers) */
  size_t p;
  const gsl_matrix *X;
  gsl_matrix *W, *G;
} vctx;

static int set_theta(const gsl_vector *th, vctx *c)
{
  size_t q = bm_vech_len(c->p);
  gsl_vector_const_view v = gsl_vector_const_subvector(th, 0, q);
  bm_vech_unpack(&v.vector, c->W);
  return bm_matf_set(c->d, gsl_vector_get(th, q), gsl_vector_get(th, q + 1), c->W);
}
static int vf_theta(const gsl_vector *th, void *pp, double *f)
{
  vctx *c = pp;
  return set_theta(th, c) ? 1 : bm_matf_logpdf(c->d, c->X, f);
}
static int vg_theta(const gsl_vector *th, void *pp, gsl_vector *g)
{
  vctx *c = pp;
  return set_theta(th, c) ? 1 : bm_matf_score(c->d, c->X, g);
}
static int vh_theta(const gsl_vector *th, void *pp, gsl_matrix *H)
{
  vctx *c = pp;
  return set_theta(th, c) ? 1 : bm_matf_hess(c->d, c->X, H);
}
static int vf_x(const gsl_vector *x, void *pp, double *f)
{
  vctx *c = pp;
  bm_vech_unpack(x, c->W);
  return bm_matf_logpdf(c->d, c->W, f);
}
static int vg_x(const gsl_vector *x, void *pp, gsl_vector *g)
{
  vctx *c = pp;
  bm_vech_unpack(x, c->W);
  int st = bm_matf_grad(c->d, c->W, c->G, NULL, NULL, NULL);
  if (!st) bm_vech_from_sym_grad(c->G, g);
  return st;
}
static int vh_x(const gsl_vector *x, void *pp, gsl_matrix *H)
{
  vctx *c = pp;
  bm_vech_unpack(x, c->W);
  return bm_matf_hess_x(c->d, c->W, H);
}

/* Random SPD p x p: A A^T / p + I scaled, A standard normal. */
static void random_spd(gsl_rng *r, double scale, gsl_matrix *S)
{
  size_t p = S->size1;
  gsl_matrix *A = gsl_matrix_alloc(p, p);
  bm_rng_std_normal_matrix(r, A);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0;
      for (size_t k = 0; k < p; k++) s += gsl_matrix_get(A, i, k) * gsl_matrix_get(A, j, k);
      s = scale * (s / (double)p + (i == j ? 0.5 : 0.0));
      gsl_matrix_set(S, i, j, s);
      gsl_matrix_set(S, j, i, s);
    }
  gsl_matrix_free(A);
}

/* max |z| of the Monte Carlo E[s s^T] and E[-H] against the closed form. */
static double fisher_mc_z(bm_matf *d, gsl_rng *r, size_t p, size_t N, verify_ctx *c)
{
  size_t n = bm_vech_len(p) + 2;
  gsl_matrix *I = gsl_matrix_alloc(n, n), *H = gsl_matrix_alloc(n, n), *X = gsl_matrix_alloc(p, p);
  gsl_matrix *ms = gsl_matrix_calloc(n, n), *ms2 = gsl_matrix_calloc(n, n);
  gsl_matrix *mh = gsl_matrix_calloc(n, n), *mh2 = gsl_matrix_calloc(n, n);
  gsl_vector *s = gsl_vector_alloc(n);
  double worst = 0;
  size_t used = 0;
  bm_matf_fisher(d, I);
  for (size_t k = 0; k < N; k++) {
    if (k % 4096 == 0) verify_progress(c, "matf", k, N);
    bm_matf_sample(d, r, X);
    if (bm_matf_score(d, X, s) || bm_matf_hess(d, X, H)) {
      worst = NAN; /* a draw outside the (double precision) support */
      goto done;
    }
    used++;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) {
        double a = gsl_vector_get(s, i) * gsl_vector_get(s, j), b = -gsl_matrix_get(H, i, j);
        *gsl_matrix_ptr(ms, i, j) += a;
        *gsl_matrix_ptr(ms2, i, j) += a * a;
        *gsl_matrix_ptr(mh, i, j) += b;
        *gsl_matrix_ptr(mh2, i, j) += b * b;
      }
  }
  verify_progress(c, "matf", N, N);
  double dn = (double)used;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double e = gsl_matrix_get(I, i, j), tol = 1e-9 * fabs(e); /* constant entries: summation roundoff */
      const gsl_matrix *m1[2] = {ms, mh}, *m2[2] = {ms2, mh2};
      for (int t = 0; t < 2; t++) {
        double mu = gsl_matrix_get(m1[t], i, j) / dn;
        double var = fmax(gsl_matrix_get(m2[t], i, j) / dn - mu * mu, 0.0);
        double se = sqrt(var / dn), dev = fabs(mu - e);
        double z = dev <= tol ? 0.0 : se > 0 ? dev / se : INFINITY;
        worst = fmax(worst, z);
      }
    }
done:
  gsl_matrix_free(I);
  gsl_matrix_free(H);
  gsl_matrix_free(X);
  gsl_matrix_free(ms);
  gsl_matrix_free(ms2);
  gsl_matrix_free(mh);
  gsl_matrix_free(mh2);
  gsl_vector_free(s);
  return worst;
}

void verify_matf(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  double w_s = 0, w_h = 0, w_gx = 0, w_hx = 0;
  size_t npoints = c->quick ? 1 : 3;
  for (size_t p = 1; p <= 3; p++)
    for (size_t rep = 0; rep < npoints; rep++) {
      size_t q = bm_vech_len(p);
      double nu = (double)p - 1.0 + 0.5 + 6.0 * gsl_rng_uniform(r), delta = 0.5 + 6.0 * gsl_rng_uniform(r);
      gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *W = gsl_matrix_alloc(p, p);
      gsl_matrix *G = gsl_matrix_alloc(p, p);
      random_spd(r, 0.5 + 2.0 * gsl_rng_uniform(r), Psi);
      random_spd(r, 0.5 + 2.0 * gsl_rng_uniform(r), X);
      bm_matf *d = bm_matf_alloc(p), *scratch = bm_matf_alloc(p);
      bm_matf_set(d, nu, delta, Psi);
      gsl_vector *th = gsl_vector_alloc(q + 2), *vx = gsl_vector_alloc(q);
      gsl_vector_view tv = gsl_vector_subvector(th, 0, q);
      bm_vech(Psi, &tv.vector);
      gsl_vector_set(th, q, nu);
      gsl_vector_set(th, q + 1, delta);
      bm_vech(X, vx);
      vctx ct = {scratch, p, X, W, G}, cx = {d, p, NULL, W, G};
      bm_check_result res;
      w_s = fmax(w_s, bm_check_gradient(vf_theta, vg_theta, &ct, th, NULL, &res) ? NAN : res.worst_rel_err);
      w_h = fmax(w_h, bm_check_hessian(vf_theta, vg_theta, vh_theta, &ct, th, NULL, &res) ? NAN : res.worst_rel_err);
      w_gx = fmax(w_gx, bm_check_gradient(vf_x, vg_x, &cx, vx, NULL, &res) ? NAN : res.worst_rel_err);
      w_hx = fmax(w_hx, bm_check_hessian(vf_x, vg_x, vh_x, &cx, vx, NULL, &res) ? NAN : res.worst_rel_err);
      gsl_vector_free(th);
      gsl_vector_free(vx);
      gsl_matrix_free(Psi);
      gsl_matrix_free(X);
      gsl_matrix_free(W);
      gsl_matrix_free(G);
      bm_matf_free(d);
      bm_matf_free(scratch);
    }
  verify_row(c, "matf", "score vs FD (p=1..3)", w_s, 1e-6);
  verify_row(c, "matf", "theta-Hessian vs FD of score", w_h, 1e-6);
  verify_row(c, "matf", "gradient wrt X vs FD", w_gx, 1e-6);
  verify_row(c, "matf", "Hessian wrt vech X vs FD", w_hx, 1e-6);

  /* Fisher vs Monte Carlo, moderate parameters (heavy tails make small-sample SEs unreliable) */
  {
    size_t p = c->quick ? 2 : 3, N = c->quick ? 20000 : 200000;
    double nu = (double)p + 1.0 + 4.0 * gsl_rng_uniform(r), delta = 3.0 + 5.0 * gsl_rng_uniform(r);
    gsl_matrix *Psi = gsl_matrix_alloc(p, p);
    random_spd(r, 1.0, Psi);
    bm_matf *d = bm_matf_alloc(p);
    bm_matf_set(d, nu, delta, Psi);
    double z = fisher_mc_z(d, r, p, N, c);
    verify_row(c, "matf", "Fisher vs MC E[ss^T], E[-H] (max|z|/5)", z / 5.0, 1.0);
    gsl_matrix_free(Psi);
    bm_matf_free(d);
  }

  /* E[X] = nu Psi/(delta - 2) from samples (max|z|/5) */
  {
    size_t p = 2, N = c->quick ? 20000 : 100000;
    double nu = 3.0 + 3.0 * gsl_rng_uniform(r), delta = 9.0 + 4.0 * gsl_rng_uniform(r);
    gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *M = gsl_matrix_alloc(p, p);
    random_spd(r, 1.0, Psi);
    bm_matf *d = bm_matf_alloc(p);
    bm_matf_set(d, nu, delta, Psi);
    bm_matf_mean(d, M);
    double s1[4] = {0}, s2[4] = {0};
    for (size_t k = 0; k < N; k++) {
      bm_matf_sample(d, r, X);
      for (size_t i = 0; i < 4; i++) {
        s1[i] += X->data[i];
        s2[i] += X->data[i] * X->data[i];
      }
    }
    double worst = 0;
    for (size_t i = 0; i < 4; i++) {
      double mu = s1[i] / (double)N, se = sqrt((s2[i] / (double)N - mu * mu) / (double)N);
      worst = fmax(worst, fabs(mu - M->data[i]) / se);
    }
    verify_row(c, "matf", "sample mean vs nu Psi/(delta-2) (max|z|/5)", worst / 5.0, 1.0);
    gsl_matrix_free(Psi);
    gsl_matrix_free(X);
    gsl_matrix_free(M);
    bm_matf_free(d);
  }

  /* p = 1: F_1(nu, delta, psi) is psi nu/delta times Snedecor's F(nu, delta) */
  {
    double worst = 0;
    bm_matf *d = bm_matf_alloc(1);
    for (int rep = 0; rep < 5; rep++) {
      double nu = 0.3 + 8.0 * gsl_rng_uniform(r), delta = 0.3 + 8.0 * gsl_rng_uniform(r);
      double psi = 0.2 + 3.0 * gsl_rng_uniform(r), x = exp(4.0 * (gsl_rng_uniform(r) - 0.5));
      gsl_matrix_view P = gsl_matrix_view_array(&psi, 1, 1), X = gsl_matrix_view_array(&x, 1, 1);
      bm_matf_set(d, nu, delta, &P.matrix);
      double lp, a = delta / (nu * psi);
      bm_matf_logpdf(d, &X.matrix, &lp);
      double ref = gsl_ran_fdist_pdf(x * a, nu, delta) * a;
      worst = fmax(worst, fabs(exp(lp) - ref) / ref);
    }
    verify_row(c, "matf", "p=1 density vs GSL F density", worst, 1e-10);
    bm_matf_free(d);
  }
}
