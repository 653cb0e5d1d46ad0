/* One libFuzzer harness body for the vector-variate families: mvn N_p(mu,
 * Sigma), set through all three setters (covariance, precision, Cholesky
 * factor), with entropy, KL and its sufficient statistics; and mvt t_p(nu,
 * mu, Sigma) with I_nunu. Define FAM (and HAS_NU for mvt) before including.
 * Every public function is called on hostile inputs; fuzz_check.h's output
 * contract is asserted; a failed _set must keep the previous parameters.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz_family.h"

#ifdef HAS_NU
#define NU_N 1
#define NU_OUT(x) , (x)
/* the nu argument is read from the bytes where it is given */
#define SET(in, d, nu, mu, S) bm_mvt_set((d), (nu), (mu), (S))
#else
#define NU_N 0
#define NU_OUT(x)
/* a byte chooses the setter; nu is not evaluated */
#define SET(in, d, nu, mu, S) set_any((in), (d), (mu), (S))
static int set_any(fz_in *in, bm_mvn *d, const gsl_vector *mu, const gsl_matrix *S)
{
  switch (fz_byte(in) % 3) {
  case 0: return bm_mvn_set(d, mu, S);
  case 1: return bm_mvn_set_precision(d, mu, S);
  default: return bm_mvn_set_chol(d, mu, S);
  }
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_in in = {data, size, 0};
  size_t p = fz_dim(&in, 12), q = p * (p + 1) / 2, np = p + q + NU_N;
  fz_obj *d = F(alloc)(p);
  if (!d) abort();
#ifdef HAS_NU
  double nu = fz_param(&in, 0.0);
#else
  bm_mvn *d1 = bm_mvn_alloc(p); /* a second object for KL */
  if (!d1) abort();
  fz_mat mG2;
#endif
  fz_mat mS, mG, mH, mHx, mXb;
  gsl_vector *mu = bm_vector_alloc(fz_maybe_wrong(&in, p)), *x = bm_vector_alloc(fz_maybe_wrong(&in, p));
  gsl_vector *x2 = bm_vector_alloc(p), *g1 = bm_vector_alloc(p), *g2 = bm_vector_alloc(p), *s = bm_vector_alloc(np);
  gsl_vector *each = bm_vector_alloc(4);
  fz_vector(&in, mu);
  fz_vector(&in, x);
  fz_vector(&in, x2);
  gsl_matrix *S = fz_mat_new(&in, &mS, p, p), *G = fz_mat_new(&in, &mG, p, p);
#ifndef HAS_NU
  gsl_matrix *G2 = fz_mat_new(&in, &mG2, p, p);
#endif
  gsl_matrix *H = fz_mat_new(&in, &mH, np, np), *Hx = fz_mat_new(&in, &mHx, p, p);
  size_t n = 1 + fz_byte(&in) % 4;
  gsl_matrix *Xb = fz_mat_new(&in, &mXb, n, fz_maybe_wrong(&in, p));
  double lp = 0, a = 0;
  (void)a;

  int st = F(logpdf)(d, x2, &lp);
  FZ_REQUIRE(st == BM_EINVAL && isnan(lp));
  FZ_SET_TWICE(set, SET(&in, d, nu, mu, S), F(logpdf), d, x2,
               fz_mat mS2; gsl_matrix *S2 = fz_mat_new(&in, &mS2, p, fz_maybe_wrong(&in, p)),
               SET(&in, d, fz_param(&in, 0.0), x2, S2), fz_mat_free(&mS2));
#ifndef HAS_NU
  fz_status(set_any(&in, d1, x2, G2)); /* often unset */
#endif

  st = F(logpdf)(d, x, &lp);
  fz_lp(st, lp);
  int okx = x->size == p;
  st = F(grad)(d, x, okx ? g1 : NULL, g2, G NU_OUT(&a));
  fz_out_v(st, okx ? g1 : NULL); fz_out_v(st, g2); fz_out_m(st, G);
#ifdef HAS_NU
  fz_out_d(st, &a);
#else
  st = bm_mvn_grad_precision(d, x, G);
  fz_out_m(st, G);
  st = bm_mvn_grad_chol(d, x, G);
  fz_out_m(st, G);
  st = bm_mvn_grad_sigma_to_precision(d, Hx, G);
  fz_out_m(st, G);
#endif
  st = F(score)(d, x, s);
  fz_out_v(st, s);
  st = F(hess)(d, x, H);
  fz_out_m(st, H);
  st = F(hess_x)(d, x, Hx);
  fz_out_m(st, Hx);
  st = F(fisher)(d, H);
  fz_out_m(st, H);
#ifdef HAS_NU
  fz_status(bm_mvt_fisher_nunu(p, fz_double(&in), &a));
#endif
  st = F(cov)(d, G);
  fz_out_m(st, G);
  FZ_MEAN_AND_DRAW(F(mean), F(sample), F(logpdf), d, &in, g1, fz_out_v, lp);
  gsl_vector *ea = fz_byte(&in) & 1 ? NULL : each;
  if (ea && ea->size != n) ea = NULL;
  st = F(loglik)(d, Xb, &lp, ea);
  fz_lp(st, lp);
  st = F(loglik_grad)(d, Xb, &lp, g2, G NU_OUT(&a));
  fz_lp(st, lp);
  fz_out_v(st, g2); fz_out_m(st, G);
#ifdef HAS_NU
  fz_out_d(st, &a);
#else
  double h = 0;
  st = bm_mvn_entropy(d, &h);
  fz_out_d(st, &h);
  st = bm_mvn_kl(d, d1, &h);
  fz_out_d(st, &h);
  st = bm_mvn_kl_grad(d, d1, &h, g1, G, g2, G2);
  fz_out_d(st, &h); fz_out_v(st, g1); fz_out_m(st, G); fz_out_v(st, g2); fz_out_m(st, G2);

  /* sufficient statistics: compute, add, merge, a hostile repack, log-likelihood from them */
  FZ_STATS(mvn, d, (p), (Xb), (g1, G), (g2, G), fz_out_v(st_, g2); fz_out_m(st_, G), &in, lp);
  bm_mvn_free(d1);
  fz_mat_free(&mG2);
#endif

  F(free)(d);
  fz_mat_free(&mS); fz_mat_free(&mG); fz_mat_free(&mH); fz_mat_free(&mHx); fz_mat_free(&mXb);
  bm_vector_free(mu); bm_vector_free(x); bm_vector_free(x2); bm_vector_free(g1); bm_vector_free(g2);
  bm_vector_free(s); bm_vector_free(each);
  return 0;
}
