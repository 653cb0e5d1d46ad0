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


/* θ = (mu, vech Sigma) */
static int set_theta(verify_family *f, const gsl_vector *theta)
{
  size_t p = f->rows, at = p;
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  gsl_vector_const_view mu = gsl_vector_const_subvector(theta, 0, p);
  verify_theta_get(theta, &at, S, 1);
  int st = bm_mvn_set(f->d, &mu.vector, S);
  gsl_matrix_free(S);
  return st;
}

/* The other parameterizations, each checked against FD of its own function of t:
 * t = vech Lambda (precision), t = the lower triangle of L (Cholesky factor),
 * t = (θ, θ1) for KL(N(θ) || N(θ1)). */
typedef struct {
  size_t p;
  bm_mvn *d, *d1;
  gsl_vector *x, *mu;
  enum { PRECISION, CHOL, KL } mode;
} ctx;

static int set_from(ctx *c, const gsl_vector *t)
{
  size_t p = c->p, q = bm_vech_len(p);
  gsl_matrix *M = gsl_matrix_alloc(p, p);
  int st;
  if (c->mode == KL) {
    verify_family f = {&bm_family_mvn, c->d, p, 0, 0, set_theta, NULL}, f1 = {&bm_family_mvn, c->d1, p, 0, 0, set_theta, NULL};
    gsl_vector_const_view t0 = gsl_vector_const_subvector(t, 0, p + q), t1 = gsl_vector_const_subvector(t, p + q, p + q);
    st = set_theta(&f, &t0.vector) || set_theta(&f1, &t1.vector);
  } else {
    bm_vech_unpack(t, M); /* set_chol reads only the lower triangle */
    st = c->mode == PRECISION ? bm_mvn_set_precision(c->d, c->mu, M) : bm_mvn_set_chol(c->d, c->mu, M);
  }
  gsl_matrix_free(M);
  return st;
}

static int f(const gsl_vector *t, void *params, double *val)
{
  ctx *c = params;
  if (set_from(c, t)) return 1;
  return c->mode == KL ? bm_mvn_kl(c->d, c->d1, val) : bm_mvn_logpdf(c->d, c->x, val);
}

static int g(const gsl_vector *t, void *params, gsl_vector *out)
{
  ctx *c = params;
  size_t p = c->p, q = bm_vech_len(p);
  if (set_from(c, t)) return 1;
  gsl_matrix *G = gsl_matrix_alloc(p, p), *G1 = gsl_matrix_alloc(p, p);
  int st;
  if (c->mode == PRECISION) {
    st = bm_mvn_grad_precision(c->d, c->x, G);
    bm_vech_from_sym_grad(G, out);
  } else if (c->mode == CHOL) {
    st = bm_mvn_grad_chol(c->d, c->x, G);
    bm_vech(G, out); /* the lower triangle, in vech order */
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

void verify_mvn(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  size_t npoints = c->quick ? 2 : 5;
  double e[VERIFY_FD_NE] = {0}, w_prec = 0, w_chol = 0, w_kl = 0, w_conv = 0, w_batch = 0;
  bm_check_options opt = {.tol = 1e-6, .seed = gsl_rng_get(r)};
  for (size_t k = 0; k < npoints; k++) {
    size_t p = 1 + k % 4, q = bm_vech_len(p);
    ctx cx = {.p = p, .d = bm_mvn_alloc(p), .d1 = bm_mvn_alloc(p), .x = gsl_vector_alloc(p), .mu = gsl_vector_alloc(p)};
    verify_family fam = {&bm_family_mvn, cx.d, p, 0, 0, set_theta, NULL};
    gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Lam = gsl_matrix_alloc(p, p);
    gsl_vector *t = gsl_vector_alloc(2 * (p + q)), *u = gsl_vector_alloc(q);
    gsl_vector_view th = gsl_vector_subvector(t, 0, p + q);
    gsl_vector_view th1 = gsl_vector_subvector(t, p + q, p + q); /* t = (θ, θ1) */
    verify_location_scale_theta(r, p, &th.vector);
    verify_location_scale_theta(r, p, &th1.vector);
    gsl_vector_const_view m0 = gsl_vector_const_subvector(t, 0, p), v0 = gsl_vector_const_subvector(t, p, q);
    gsl_vector_memcpy(cx.mu, &m0.vector);
    bm_vech_unpack(&v0.vector, S);
    bm_rng_std_normal_vector(r, cx.x);
    gsl_vector_scale(cx.x, 1.5);
    gsl_vector_add(cx.x, cx.mu);
    verify_fd_point(&fam, cx.x, &th.vector, &opt, e);
    bm_chol_factor(S, L, NULL);
    bm_chol_inverse(L, Lam);
    bm_vech(Lam, u);
    cx.mode = PRECISION;
    w_prec = fmax(w_prec, verify_grad_check(f, g, &cx, u, &opt));
    bm_vech(L, u); /* t = the lower triangle of L */
    cx.mode = CHOL;
    w_chol = fmax(w_chol, verify_grad_check(f, g, &cx, u, &opt));
    cx.mode = KL;
    w_kl = fmax(w_kl, verify_grad_check(f, g, &cx, t, &opt));
    /* G_Lambda = -Sigma G_Sigma Sigma against the direct precision gradient */
    bm_mvn_set(cx.d, cx.mu, S);
    gsl_matrix *G = gsl_matrix_alloc(p, p), *G1 = gsl_matrix_alloc(p, p), *G2 = gsl_matrix_alloc(p, p);
    bm_mvn_grad(cx.d, cx.x, NULL, NULL, G);
    bm_mvn_grad_sigma_to_precision(cx.d, G, G1);
    bm_mvn_grad_precision(cx.d, cx.x, G2);
    w_conv = fmax(w_conv, verify_max_rel(G1, G2));
    /* batched = sum of singles */
    w_batch = fmax(w_batch, verify_loglik_batch(c, &fam, 50));
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
  verify_row(c, "mvn", "score = FD of logpdf", e[0], 1e-6);
  verify_row(c, "mvn", "hess = FD of score", e[1], 1e-6);
  verify_row(c, "mvn", "grad precision = FD", w_prec, 1e-6);
  verify_row(c, "mvn", "grad chol = FD", w_chol, 1e-6);
  verify_row(c, "mvn", "KL grad = FD of KL", w_kl, 1e-6);
  verify_row(c, "mvn", "G_Lambda = -Sigma G_Sigma Sigma", w_conv, 1e-10);
  verify_row(c, "mvn", "loglik = sum of logpdf", w_batch, 1e-12);

  /* Fisher vs Monte Carlo of E[s s^T] and E[-H]; s s^T is heavy-tailed: fewer draws skew max|z| */
  verify_family f = {&bm_family_mvn, bm_mvn_alloc(2), 2, 0, 0, set_theta, NULL};
  verify_location_scale_fisher(c, "mvn", &f, NULL, 0, c->quick ? 100000 : 400000);
  bm_mvn_free(f.d);
}
