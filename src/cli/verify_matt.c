/* bayesmat verify: the matrix-variate t family (issue #5).
 * Rows: shaped gradient (X, M, Sigma, Omega, nu), score, theta-Hessian and
 * vec-X Hessian against extrapolated finite differences at random points;
 * the closed-form Fisher information against a short Monte Carlo of -H from
 * the family's own sampler; its null vector (0, vech Sigma, -vech Omega, 0);
 * the reduction T_{1,p}(nu, m, s, Omega) = t_p(nu, m, s Omega / nu) against
 * the multivariate t formula; and the nu -> infinity limit MN(M, U, V).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_blas.h>
#include "bayesmat.h"
#include "verify.h"

typedef struct {
  size_t n, p;
  const gsl_matrix *X; /* fixed X for the theta wrappers */
  const bm_matt *d;    /* fixed object for the X wrappers */
} ctx;

static void random_spd(gsl_rng *r, gsl_matrix *S)
{
  size_t k = S->size1;
  gsl_matrix *B = gsl_matrix_alloc(k, k);
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) gsl_matrix_set(B, i, j, gsl_ran_gaussian(r, 1.0));
  gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0 / (double)k, B, B, 0.0, S);
  for (size_t i = 0; i < k; i++) S->data[i * S->tda + i] += 0.5;
  gsl_matrix_free(B);
}

/* theta = (vec M, vech Sigma, vech Omega, nu) -> object (NULL if invalid) */
static bm_matt *from_theta(size_t n, size_t p, const gsl_vector *t)
{
  size_t np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p);
  gsl_matrix *M = gsl_matrix_alloc(n, p), *S = gsl_matrix_alloc(n, n), *O = gsl_matrix_alloc(p, p);
  gsl_vector_const_view a = gsl_vector_const_subvector(t, 0, np), b = gsl_vector_const_subvector(t, np, qn),
                        e = gsl_vector_const_subvector(t, np + qn, qp);
  bm_vec_unpack(&a.vector, M);
  bm_vech_unpack(&b.vector, S);
  bm_vech_unpack(&e.vector, O);
  bm_matt *d = bm_matt_alloc(n, p);
  if (bm_matt_set(d, gsl_vector_get(t, np + qn + qp), M, S, O)) {
    bm_matt_free(d);
    d = NULL;
  }
  gsl_matrix_free(M);
  gsl_matrix_free(S);
  gsl_matrix_free(O);
  return d;
}

static int f_th(const gsl_vector *t, void *par, double *f)
{
  const ctx *c = par;
  bm_matt *d = from_theta(c->n, c->p, t);
  int s = d ? bm_matt_logpdf(d, c->X, f) : 1;
  bm_matt_free(d);
  return s;
}
static int g_th(const gsl_vector *t, void *par, gsl_vector *g)
{
  const ctx *c = par;
  bm_matt *d = from_theta(c->n, c->p, t);
  int s = d ? bm_matt_score(d, c->X, g) : 1;
  bm_matt_free(d);
  return s;
}
static int h_th(const gsl_vector *t, void *par, gsl_matrix *H)
{
  const ctx *c = par;
  bm_matt *d = from_theta(c->n, c->p, t);
  int s = d ? bm_matt_hess(d, c->X, H) : 1;
  bm_matt_free(d);
  return s;
}
static int f_x(const gsl_vector *x, void *par, double *f)
{
  const ctx *c = par;
  gsl_matrix *X = gsl_matrix_alloc(c->n, c->p);
  bm_vec_unpack(x, X);
  int s = bm_matt_logpdf(c->d, X, f);
  gsl_matrix_free(X);
  return s;
}
static int g_x(const gsl_vector *x, void *par, gsl_vector *g)
{
  const ctx *c = par;
  gsl_matrix *X = gsl_matrix_alloc(c->n, c->p), *G = gsl_matrix_alloc(c->n, c->p);
  bm_vec_unpack(x, X);
  int s = bm_matt_grad(c->d, X, G, NULL, NULL, NULL, NULL);
  if (!s) bm_vec(G, g);
  gsl_matrix_free(X);
  gsl_matrix_free(G);
  return s;
}
static int h_x(const gsl_vector *x, void *par, gsl_matrix *H)
{
  const ctx *c = par;
  gsl_matrix *X = gsl_matrix_alloc(c->n, c->p);
  bm_vec_unpack(x, X);
  int s = bm_matt_hess_x(c->d, X, H);
  gsl_matrix_free(X);
  return s;
}

void verify_matt(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  size_t shapes[][2] = {{1, 2}, {2, 3}, {3, 2}, {2, 2}};
  size_t npts = c->quick ? 2 : 4;
  double e_score = 0, e_hess = 0, e_hx = 0, e_fisher = 0, e_null = 0, e_red = 0, e_lim = 0;
  for (size_t s = 0; s < npts; s++) {
    size_t n = shapes[s][0], p = shapes[s][1], np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p);
    size_t k = np + qn + qp + 1;
    gsl_matrix *M = gsl_matrix_alloc(n, p), *S = gsl_matrix_alloc(n, n), *O = gsl_matrix_alloc(p, p),
               *X = gsl_matrix_alloc(n, p);
    for (size_t i = 0; i < np; i++) M->data[i] = gsl_ran_gaussian(r, 1.0);
    random_spd(r, S);
    random_spd(r, O);
    double nu = 0.5 + gsl_ran_exponential(r, 5.0);
    bm_matt *d = bm_matt_alloc(n, p);
    bm_matt_set(d, nu, M, S, O);
    bm_matt_sample(d, r, X);
    gsl_vector *t = gsl_vector_alloc(k), *x = gsl_vector_alloc(np);
    gsl_vector_view a = gsl_vector_subvector(t, 0, np), b = gsl_vector_subvector(t, np, qn),
                    e = gsl_vector_subvector(t, np + qn, qp);
    bm_vec(M, &a.vector);
    bm_vech(S, &b.vector);
    bm_vech(O, &e.vector);
    gsl_vector_set(t, k - 1, nu);
    bm_vec(X, x);
    ctx cx = {n, p, X, d};
    bm_check_result cr;
    cr.worst_rel_err = NAN;
    bm_check_gradient(f_th, g_th, &cx, t, NULL, &cr);
    e_score = fmax(e_score, cr.worst_rel_err);
    cr.worst_rel_err = NAN;
    bm_check_hessian(f_th, g_th, h_th, &cx, t, NULL, &cr);
    e_hess = fmax(e_hess, cr.worst_rel_err);
    cr.worst_rel_err = NAN;
    bm_check_hessian(f_x, g_x, h_x, &cx, x, NULL, &cr);
    e_hx = fmax(e_hx, cr.worst_rel_err);
    /* Fisher: closed form vs Monte Carlo mean of -H (relative Frobenius error) and its null vector */
    gsl_matrix *I = gsl_matrix_alloc(k, k), *H = gsl_matrix_alloc(k, k), *A = gsl_matrix_calloc(k, k);
    bm_matt_fisher(d, I);
    size_t draws = c->quick ? 3000 : 30000;
    for (size_t i = 0; i < draws; i++) {
      bm_matt_sample(d, r, X);
      bm_matt_hess(d, X, H);
      gsl_matrix_sub(A, H);
    }
    gsl_matrix_scale(A, 1.0 / (double)draws);
    double num = 0, den = 0;
    for (size_t i = 0; i < k * k; i++) {
      double diff = A->data[i] - I->data[i];
      num += diff * diff;
      den += I->data[i] * I->data[i];
    }
    e_fisher = fmax(e_fisher, sqrt(num / den));
    gsl_vector *v = gsl_vector_calloc(k), *Iv = gsl_vector_alloc(k);
    gsl_vector_view vs = gsl_vector_subvector(v, np, qn), vo = gsl_vector_subvector(v, np + qn, qp);
    bm_vech(S, &vs.vector);
    bm_vech(O, &vo.vector);
    gsl_vector_scale(&vo.vector, -1.0);
    gsl_blas_dgemv(CblasNoTrans, 1.0, I, v, 0.0, Iv);
    e_null = fmax(e_null, gsl_blas_dnrm2(Iv) / (sqrt(den) * gsl_blas_dnrm2(v)));
    /* nu -> infinity: T(nu, M, nu U, V) vs MN(M, U, V) at nu = 1e8 */
    {
      gsl_matrix *nuS = gsl_matrix_alloc(n, n);
      gsl_matrix_memcpy(nuS, S);
      gsl_matrix_scale(nuS, 1e8);
      bm_matt *tl = bm_matt_alloc(n, p);
      bm_matnorm *mn = bm_matnorm_alloc(n, p);
      bm_matt_set(tl, 1e8, M, nuS, O);
      bm_matnorm_set(mn, M, S, O);
      bm_matnorm_sample(mn, r, X);
      double l1 = NAN, l2 = NAN;
      bm_matt_logpdf(tl, X, &l1);
      bm_matnorm_logpdf(mn, X, &l2);
      e_lim = fmax(e_lim, fabs(l1 - l2) / fmax(1.0, fabs(l2)));
      if (isnan(l1) || isnan(l2)) e_lim = NAN;
      bm_matt_free(tl);
      bm_matnorm_free(mn);
      gsl_matrix_free(nuS);
    }
    gsl_vector_free(v);
    gsl_vector_free(Iv);
    gsl_matrix_free(I);
    gsl_matrix_free(H);
    gsl_matrix_free(A);
    gsl_vector_free(t);
    gsl_vector_free(x);
    bm_matt_free(d);
    gsl_matrix_free(M);
    gsl_matrix_free(S);
    gsl_matrix_free(O);
    gsl_matrix_free(X);
    verify_progress(c, "matt", s + 1, npts);
  }
  /* T_{1,p}(nu, m, s, Omega) = t_p(nu, m, s Omega / nu), t_p by SPEC's formula */
  for (size_t p = 1; p <= 4; p++) {
    gsl_matrix *m = gsl_matrix_alloc(1, p), *s1 = gsl_matrix_alloc(1, 1), *O = gsl_matrix_alloc(p, p),
               *X = gsl_matrix_alloc(1, p), *L = gsl_matrix_alloc(p, p);
    double nu = 0.3 + gsl_ran_exponential(r, 4.0), sc = 0.2 + gsl_rng_uniform(r);
    for (size_t j = 0; j < p; j++) {
      gsl_matrix_set(m, 0, j, gsl_ran_gaussian(r, 1.0));
      gsl_matrix_set(X, 0, j, gsl_ran_gaussian(r, 3.0));
    }
    gsl_matrix_set(s1, 0, 0, sc);
    random_spd(r, O);
    bm_matt *d = bm_matt_alloc(1, p);
    bm_matt_set(d, nu, m, s1, O);
    double lp = NAN;
    bm_matt_logpdf(d, X, &lp);
    gsl_matrix_memcpy(L, O);
    gsl_matrix_scale(L, sc / nu); /* shape of the multivariate t */
    bm_chol_factor(L, L, NULL);
    gsl_vector *dv = gsl_vector_alloc(p);
    for (size_t j = 0; j < p; j++) gsl_vector_set(dv, j, gsl_matrix_get(X, 0, j) - gsl_matrix_get(m, 0, j));
    double delta = bm_chol_quadform(L, dv, NULL), dp = (double)p;
    double ref = bm_lgamma(0.5 * (nu + dp)) - bm_lgamma(0.5 * nu) - 0.5 * dp * log(nu * M_PI) -
                 0.5 * bm_chol_logdet(L) - 0.5 * (nu + dp) * log1p(delta / nu);
    e_red = fmax(e_red, fabs(lp - ref) / fmax(1.0, fabs(ref)));
    if (isnan(lp)) e_red = NAN;
    bm_matt_free(d);
    gsl_vector_free(dv);
    gsl_matrix_free(m);
    gsl_matrix_free(s1);
    gsl_matrix_free(O);
    gsl_matrix_free(X);
    gsl_matrix_free(L);
  }
  verify_row(c, "matt", "score vs finite differences", e_score, 1e-6);
  verify_row(c, "matt", "theta-Hessian vs finite differences", e_hess, 1e-6);
  verify_row(c, "matt", "vec-X Hessian vs finite differences", e_hx, 1e-6);
  verify_row(c, "matt", "Fisher vs Monte Carlo mean of -H (rel. Frobenius)", e_fisher, c->quick ? 0.25 : 0.1);
  verify_row(c, "matt", "Fisher null vector (0, vech Sigma, -vech Omega, 0)", e_null, 1e-12);
  verify_row(c, "matt", "T_{1,p} = t_p(nu, m, s Omega/nu)", e_red, 1e-12);
  verify_row(c, "matt", "nu = 1e8 limit vs matrix normal", e_lim, 1e-6);
}
