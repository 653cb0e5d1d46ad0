/* One libFuzzer harness body for the (nu, SPD scale) families with an SPD
 * variate: wishart W_p(nu, S) and invwishart IW_p(nu, Psi). Include after
 * defining FAM (the family's name). Every public function is called on
 * hostile inputs, including the Cholesky setter, and fuzz_check.h's output
 * contract is asserted; a failed _set must keep the previous parameters.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz_family.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_in in = {data, size, 0};
  size_t p = fz_dim(&in, 12), q = p * (p + 1) / 2;
  fz_obj *d = F(alloc)(p);
  if (!d) abort();
  fz_mat mS, mX, mX2, mG1, mG2, mH, mI, mM;
  double nu = fz_param(&in, (double)p - 1.0);
  gsl_matrix *S = fz_mat_new(&in, &mS, p, p);
  size_t px = fz_maybe_wrong(&in, p);
  gsl_matrix *X = fz_mat_new(&in, &mX, px, px), *X2 = fz_mat_new(&in, &mX2, p, p);
  gsl_matrix *G1 = fz_mat_new(&in, &mG1, p, p), *G2 = fz_mat_new(&in, &mG2, p, p);
  size_t nh = fz_maybe_wrong(&in, q + 1);
  gsl_matrix *H = fz_mat_new(&in, &mH, nh, nh), *I = fz_mat_new(&in, &mI, q + 1, q + 1);
  gsl_matrix *M = fz_mat_new(&in, &mM, p, p);
  gsl_vector *s = bm_vector_alloc(fz_maybe_wrong(&in, q + 1)), *each = bm_vector_alloc(3);
  double lp = 0, a = 0;

  int st = F(logpdf)(d, X2, &lp);
  FZ_REQUIRE(st == BM_EINVAL && isnan(lp));

  FZ_SET_TWICE(set, (fz_byte(&in) & 1) ? F(set)(d, nu, S) : F(set_chol)(d, nu, S), F(logpdf), d, X2,
               fz_mat mS2; double nu2 = fz_param(&in, (double)p - 1.0);
               gsl_matrix *S2 = fz_mat_new(&in, &mS2, fz_maybe_wrong(&in, p), p),
               (fz_byte(&in) & 1) ? F(set)(d, nu2, S2) : F(set_chol)(d, nu2, S2), fz_mat_free(&mS2));

  st = F(logpdf)(d, X, &lp);
  fz_lp(st, lp);
  {
    uint8_t mask = fz_byte(&in);
    gsl_matrix *gx = mask & 1 ? G1 : NULL, *gp = mask & 2 ? G2 : NULL;
    double *pa = mask & 4 ? &a : NULL, *plp = mask & 8 ? &lp : NULL;
    st = F(grad)(d, X, gx, gp, pa);
    fz_out_m(st, gx); fz_out_m(st, gp); fz_out_d(st, pa);
    st = F(logpdf_grad)(d, X, plp, gx, gp, pa);
    if (plp) fz_lp(st, lp);
    fz_out_m(st, gx); fz_out_m(st, gp); fz_out_d(st, pa);
  }
  st = F(score)(d, X, s);
  fz_out_v(st, s->size == q + 1 ? s : NULL);
  st = F(hess)(d, X, H);
  fz_out_m(st, nh == q + 1 ? H : NULL);
  if (q <= 40) {
    fz_mat mHx;
    gsl_matrix *Hx = fz_mat_new(&in, &mHx, q, q);
    st = F(hess_x)(d, X, Hx);
    fz_out_m(st, Hx);
    fz_mat_free(&mHx);
  }
  st = F(fisher)(d, I);
  fz_out_m(st, I);
  FZ_MEAN_AND_DRAW(F(mean), F(sample), F(logpdf), d, &in, M, fz_out_m, lp);

  const gsl_matrix *batch[3] = {X2, X, M};
  size_t m = fz_byte(&in) % 4; /* m = 0 is allowed by some families: any status, no crash */
  double ll = 0;
  st = F(loglik)(d, batch, m, &ll, fz_byte(&in) & 1 ? NULL : each);
  fz_lp(st, ll);
  st = F(loglik_grad)(d, batch, m, &ll, G2, &a);
  fz_lp(st, ll);
  fz_out_m(st, G2);

  F(free)(d);
  fz_mat_free(&mS); fz_mat_free(&mX); fz_mat_free(&mX2); fz_mat_free(&mG1); fz_mat_free(&mG2);
  fz_mat_free(&mH); fz_mat_free(&mI); fz_mat_free(&mM);
  bm_vector_free(s); bm_vector_free(each);
  return 0;
}
