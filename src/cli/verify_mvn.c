/* bayesmat verify: the mvn family. Derivatives against the finite-difference
 * engine at seeded random parameters, the Fisher matrix against a short Monte
 * Carlo run (reported as max |z| / 5, so a row passes at |z| < 5 whatever the
 * seed), and identities (batched = sum of singles, G_Lambda = -Sigma G_Sigma Sigma).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

/* SPD: A A^T / p + I/2 with A standard normal, random scale */
static void random_spd(gsl_rng *r, gsl_matrix *S)
{
  size_t p = S->size1;
  double scale = exp(gsl_ran_flat(r, -1.0, 1.0));
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

typedef struct {
  size_t p;
  bm_mvn *d, *d1;
  gsl_vector *x, *mu;
  int mode; /* 0 theta, 1 vech Lambda, 2 lower L, 3 KL */
} ctx;

static int set_from(ctx *c, const gsl_vector *t)
{
  size_t p = c->p, q = bm_vech_len(p);
  gsl_matrix *M = gsl_matrix_alloc(p, p);
  int st;
  if (c->mode == 0 || c->mode == 3) {
    gsl_vector_const_view m = gsl_vector_const_subvector(t, 0, p), v = gsl_vector_const_subvector(t, p, q);
    bm_vech_unpack(&v.vector, M);
    st = bm_mvn_set(c->d, &m.vector, M);
    if (!st && c->mode == 3) {
      gsl_vector_const_view m1 = gsl_vector_const_subvector(t, p + q, p), v1 = gsl_vector_const_subvector(t, 2 * p + q, q);
      bm_vech_unpack(&v1.vector, M);
      st = bm_mvn_set(c->d1, &m1.vector, M);
    }
  } else if (c->mode == 1) {
    bm_vech_unpack(t, M);
    st = bm_mvn_set_precision(c->d, c->mu, M);
  } else {
    gsl_matrix_set_zero(M);
    for (size_t k = 0; k < q; k++) {
      size_t i, j;
      bm_vech_pair(p, k, &i, &j);
      gsl_matrix_set(M, i, j, gsl_vector_get(t, k));
    }
    st = bm_mvn_set_chol(c->d, c->mu, M);
  }
  gsl_matrix_free(M);
  return st;
}

static int f(const gsl_vector *t, void *params, double *val)
{
  ctx *c = params;
  if (set_from(c, t)) return 1;
  return c->mode == 3 ? bm_mvn_kl(c->d, c->d1, val) : bm_mvn_logpdf(c->d, c->x, val);
}

static int g(const gsl_vector *t, void *params, gsl_vector *out)
{
  ctx *c = params;
  size_t p = c->p, q = bm_vech_len(p);
  if (set_from(c, t)) return 1;
  if (c->mode == 0) return bm_mvn_score(c->d, c->x, out);
  gsl_matrix *G = gsl_matrix_alloc(p, p), *G1 = gsl_matrix_alloc(p, p);
  int st;
  if (c->mode == 1) {
    st = bm_mvn_grad_precision(c->d, c->x, G);
    bm_vech_from_sym_grad(G, out);
  } else if (c->mode == 2) {
    st = bm_mvn_grad_chol(c->d, c->x, G);
    for (size_t k = 0; k < q; k++) {
      size_t i, j;
      bm_vech_pair(p, k, &i, &j);
      gsl_vector_set(out, k, gsl_matrix_get(G, i, j));
    }
  } else {
    gsl_vector_view m0 = gsl_vector_subvector(out, 0, p), s0 = gsl_vector_subvector(out, p, q);
    gsl_vector_view m1 = gsl_vector_subvector(out, p + q, p), s1 = gsl_vector_subvector(out, 2 * p + q, q);
    st = bm_mvn_kl_grad(c->d, c->d1, NULL, &m0.vector, G, &m1.vector, G1);
    bm_vech_from_sym_grad(G, &s0.vector);
    bm_vech_from_sym_grad(G1, &s1.vector);
  }
  gsl_matrix_free(G);
  gsl_matrix_free(G1);
  return st;
}

static int h(const gsl_vector *t, void *params, gsl_matrix *H)
{
  ctx *c = params;
  if (set_from(c, t)) return 1;
  return bm_mvn_hess(c->d, c->x, H);
}

void verify_mvn(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  size_t npoints = c->quick ? 2 : 5;
  double w_score = 0, w_hess = 0, w_prec = 0, w_chol = 0, w_kl = 0, w_conv = 0, w_batch = 0;
  bm_check_options opt = {.tol = 1e-6, .seed = gsl_rng_get(r)};
  for (size_t k = 0; k < npoints; k++) {
    size_t p = 1 + k % 4, q = bm_vech_len(p);
    ctx cx = {.p = p, .d = bm_mvn_alloc(p), .d1 = bm_mvn_alloc(p), .x = gsl_vector_alloc(p), .mu = gsl_vector_alloc(p)};
    gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Lam = gsl_matrix_alloc(p, p);
    gsl_vector *t = gsl_vector_alloc(2 * (p + q)), *u = gsl_vector_alloc(q);
    gsl_vector_view th = gsl_vector_subvector(t, 0, p + q);
    for (int side = 0; side < 2; side++) {
      gsl_vector_view m = gsl_vector_subvector(t, (size_t)side * (p + q), p);
      gsl_vector_view v = gsl_vector_subvector(t, (size_t)side * (p + q) + p, q);
      bm_rng_std_normal_vector(r, &m.vector);
      random_spd(r, S);
      bm_vech(S, &v.vector);
    }
    gsl_vector_const_view m0 = gsl_vector_const_subvector(t, 0, p), v0 = gsl_vector_const_subvector(t, p, q);
    gsl_vector_memcpy(cx.mu, &m0.vector);
    bm_vech_unpack(&v0.vector, S);
    bm_rng_std_normal_vector(r, cx.x);
    gsl_vector_scale(cx.x, 1.5);
    gsl_vector_add(cx.x, cx.mu);
    bm_check_result res;
    cx.mode = 0;
    bm_check_gradient(f, g, &cx, &th.vector, &opt, &res);
    w_score = fmax(w_score, res.worst_rel_err);
    bm_check_hessian(f, g, h, &cx, &th.vector, &opt, &res);
    w_hess = fmax(w_hess, res.worst_rel_err);
    bm_chol_factor(S, L, NULL);
    bm_chol_inverse(L, Lam);
    bm_vech(Lam, u);
    cx.mode = 1;
    bm_check_gradient(f, g, &cx, u, &opt, &res);
    w_prec = fmax(w_prec, res.worst_rel_err);
    for (size_t b = 0; b < q; b++) {
      size_t i, j;
      bm_vech_pair(p, b, &i, &j);
      gsl_vector_set(u, b, gsl_matrix_get(L, i, j));
    }
    cx.mode = 2;
    bm_check_gradient(f, g, &cx, u, &opt, &res);
    w_chol = fmax(w_chol, res.worst_rel_err);
    cx.mode = 3;
    bm_check_gradient(f, g, &cx, t, &opt, &res);
    w_kl = fmax(w_kl, res.worst_rel_err);
    /* G_Lambda = -Sigma G_Sigma Sigma against the direct precision gradient */
    bm_mvn_set(cx.d, cx.mu, S);
    gsl_matrix *G = gsl_matrix_alloc(p, p), *G1 = gsl_matrix_alloc(p, p), *G2 = gsl_matrix_alloc(p, p);
    bm_mvn_grad(cx.d, cx.x, NULL, NULL, G);
    bm_mvn_grad_sigma_to_precision(cx.d, G, G1);
    bm_mvn_grad_precision(cx.d, cx.x, G2);
    double num = 0, den = 0;
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) {
        num = fmax(num, fabs(gsl_matrix_get(G1, i, j) - gsl_matrix_get(G2, i, j)));
        den = fmax(den, fabs(gsl_matrix_get(G2, i, j)));
      }
    w_conv = fmax(w_conv, num / den);
    /* batched = sum of singles */
    size_t n = 50;
    gsl_matrix *X = gsl_matrix_alloc(n, p);
    bm_rng_std_normal_matrix(r, X);
    double ll, sum = 0;
    for (size_t i = 0; i < n; i++) {
      gsl_vector_view xi = gsl_matrix_row(X, i);
      double lp;
      bm_mvn_logpdf(cx.d, &xi.vector, &lp);
      sum += lp;
    }
    bm_mvn_loglik(cx.d, X, &ll, NULL);
    w_batch = fmax(w_batch, fabs(ll - sum) / fabs(sum));
    gsl_matrix_free(X);
    gsl_matrix_free(G);
    gsl_matrix_free(G1);
    gsl_matrix_free(G2);
    gsl_matrix_free(S);
    gsl_matrix_free(L);
    gsl_matrix_free(Lam);
    gsl_vector_free(t);
    gsl_vector_free(u);
    gsl_vector_free(cx.x);
    gsl_vector_free(cx.mu);
    bm_mvn_free(cx.d);
    bm_mvn_free(cx.d1);
  }
  verify_row(c, "mvn", "score = FD of logpdf", w_score, 1e-6);
  verify_row(c, "mvn", "hess = FD of score", w_hess, 1e-6);
  verify_row(c, "mvn", "grad precision = FD", w_prec, 1e-6);
  verify_row(c, "mvn", "grad chol = FD", w_chol, 1e-6);
  verify_row(c, "mvn", "KL grad = FD of KL", w_kl, 1e-6);
  verify_row(c, "mvn", "G_Lambda = -Sigma G_Sigma Sigma", w_conv, 1e-10);
  verify_row(c, "mvn", "loglik = sum of logpdf", w_batch, 1e-12);

  /* Fisher vs Monte Carlo of E[s s^T] and E[-H] */
  size_t p = 2, n = p + bm_vech_len(p), draws = c->quick ? 20000 : 200000;
  bm_mvn *d = bm_mvn_alloc(p);
  gsl_vector *mu = gsl_vector_alloc(p), *x = gsl_vector_alloc(p), *s = gsl_vector_alloc(n);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *I = gsl_matrix_alloc(n, n), *H = gsl_matrix_alloc(n, n);
  gsl_matrix *m1 = gsl_matrix_calloc(n, n), *m2 = gsl_matrix_calloc(n, n), *a1 = gsl_matrix_calloc(n, n),
             *a2 = gsl_matrix_calloc(n, n);
  bm_rng_std_normal_vector(r, mu);
  random_spd(r, S);
  bm_mvn_set(d, mu, S);
  bm_mvn_fisher(d, I);
  for (size_t k = 0; k < draws; k++) {
    bm_mvn_sample(d, r, x);
    bm_mvn_score(d, x, s);
    bm_mvn_hess(d, x, H);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) {
        double o = gsl_vector_get(s, i) * gsl_vector_get(s, j), nh = -gsl_matrix_get(H, i, j);
        *gsl_matrix_ptr(m1, i, j) += o;
        *gsl_matrix_ptr(m2, i, j) += o * o;
        *gsl_matrix_ptr(a1, i, j) += nh;
        *gsl_matrix_ptr(a2, i, j) += nh * nh;
      }
    if (k % 10000 == 0) verify_progress(c, "mvn", k, draws);
  }
  verify_progress(c, "mvn", draws, draws);
  double zmax = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double e = gsl_matrix_get(I, i, j), N = (double)draws;
      double mo = gsl_matrix_get(m1, i, j) / N, vo = gsl_matrix_get(m2, i, j) / N - mo * mo;
      double ma = gsl_matrix_get(a1, i, j) / N, va = gsl_matrix_get(a2, i, j) / N - ma * ma;
      double scale = 1e-9 * (1.0 + fabs(e)); /* deterministic entries (e.g. -H_mumu) differ by rounding only */
      if (fabs(mo - e) > scale) zmax = fmax(zmax, fabs(mo - e) / sqrt(fmax(vo, 0) / N));
      if (fabs(ma - e) > scale) zmax = fmax(zmax, fabs(ma - e) / sqrt(fmax(va, 0) / N));
    }
  verify_row(c, "mvn", "Fisher vs Monte Carlo (max |z| / 5)", zmax / 5.0, 1.0);
  bm_mvn_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(x);
  gsl_vector_free(s);
  gsl_matrix_free(S);
  gsl_matrix_free(I);
  gsl_matrix_free(H);
  gsl_matrix_free(m1);
  gsl_matrix_free(m2);
  gsl_matrix_free(a1);
  gsl_matrix_free(a2);
}
