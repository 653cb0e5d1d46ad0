/* One libFuzzer harness body for the n x p matrix-variate families with row
 * and column scales: matnorm MN(M, U, V) and matt T(nu, M, Sigma, Omega).
 * Define FAM (and HAS_NU for matt) before including. Every public function
 * is called on hostile inputs; fuzz_check.h's output contract is asserted;
 * a failed _set must keep the previous parameters.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz_family.h"

#ifdef HAS_NU
#define NU_ARG(x) (x),
#define NU_OUT(x) , (x)
#define NU_N 1
#else
#define NU_ARG(x)
#define NU_OUT(x)
#define NU_N 0
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_in in = {data, size, 0};
  size_t n = fz_dim(&in, 8), p = fz_dim(&in, 8);
  size_t np = n * p + n * (n + 1) / 2 + p * (p + 1) / 2 + NU_N;
  fz_obj *d = F(alloc)(n, p);
  if (!d) abort();
  FZ_REQUIRE(F(nparams)(d) == np);
  fz_mat mM, mU, mV, mX, mX2, mdX, mdM, mdU, mdV, mH, mHx;
  double nu = fz_param(&in, 0.0);
  (void)nu;
  gsl_matrix *M = fz_mat_new(&in, &mM, n, fz_maybe_wrong(&in, p)), *U = fz_mat_new(&in, &mU, n, n);
  gsl_matrix *V = fz_mat_new(&in, &mV, p, p);
  size_t nx = fz_maybe_wrong(&in, n);
  gsl_matrix *X = fz_mat_new(&in, &mX, nx, p), *X2 = fz_mat_new(&in, &mX2, n, p);
  gsl_matrix *dX = fz_mat_new(&in, &mdX, n, p), *dM = fz_mat_new(&in, &mdM, n, p);
  gsl_matrix *dU = fz_mat_new(&in, &mdU, n, n), *dV = fz_mat_new(&in, &mdV, p, p);
  gsl_matrix *H = fz_mat_new(&in, &mH, np, np);
  gsl_matrix *Hx = n * p <= 40 ? fz_mat_new(&in, &mHx, n * p, n * p) : NULL;
  gsl_vector *s = bm_vector_alloc(np), *each = bm_vector_alloc(3);
  double lp = 0, a = 0;
  (void)a;

  int st = F(logpdf)(d, X2, &lp);
  FZ_REQUIRE(st == BM_EINVAL && isnan(lp));
  FZ_SET_TWICE(set, F(set)(d, NU_ARG(nu) M, U, V), F(logpdf), d, X2,
               fz_mat mU2; gsl_matrix *U2 = fz_mat_new(&in, &mU2, n, fz_maybe_wrong(&in, n)),
               F(set)(d, NU_ARG(fz_param(&in, 0.0)) X2, U2, V), fz_mat_free(&mU2));
  st = F(logpdf)(d, X, &lp);
  fz_lp(st, lp);
  {
    uint8_t mask = fz_byte(&in);
    gsl_matrix *o1 = mask & 1 ? dX : NULL, *o2 = mask & 2 ? dM : NULL, *o3 = mask & 4 ? dU : NULL,
               *o4 = mask & 8 ? dV : NULL;
    st = F(grad)(d, X, o1, o2, o3, o4 NU_OUT(mask & 16 ? &a : NULL));
    fz_out_m(st, o1); fz_out_m(st, o2); fz_out_m(st, o3); fz_out_m(st, o4);
#ifdef HAS_NU
    if (mask & 16) fz_out_d(st, &a);
#endif
  }
  st = F(score)(d, X, s);
  fz_out_v(st, s);
  st = F(hess)(d, X, H);
  fz_out_m(st, H);
  if (Hx) {
    st = F(hess_x)(d, X, Hx);
    fz_out_m(st, Hx);
  }
  st = F(fisher)(d, H);
  fz_out_m(st, H);
  FZ_MEAN_AND_DRAW(F(mean), F(sample), F(logpdf), d, &in, dX, fz_out_m, lp);
  const gsl_matrix *batch[3] = {X2, X, dX};
  size_t m = 1 + fz_byte(&in) % 3;
  st = F(loglik)(d, batch, m, &lp, fz_byte(&in) & 1 ? NULL : each);
  fz_lp(st, lp);
  st = F(loglik_grad)(d, batch, m, &lp, dM, dU, dV NU_OUT(&a));
  fz_lp(st, lp);
  fz_out_m(st, dM); fz_out_m(st, dU); fz_out_m(st, dV);

#ifndef HAS_NU
  /* matnorm's sufficient statistics: compute, add, merge, a hostile repack, log-likelihood from them */
  FZ_STATS(matnorm, d, (n, p), (batch, m), (dX, NULL), (dM, dU, dV),
           fz_out_m(st_, dM); fz_out_m(st_, dU); fz_out_m(st_, dV), &in, lp);
#endif

  F(free)(d);
  fz_mat_free(&mM); fz_mat_free(&mU); fz_mat_free(&mV); fz_mat_free(&mX); fz_mat_free(&mX2); fz_mat_free(&mdX);
  fz_mat_free(&mdM); fz_mat_free(&mdU); fz_mat_free(&mdV); fz_mat_free(&mH);
  if (Hx) fz_mat_free(&mHx);
  bm_vector_free(s); bm_vector_free(each);
  return 0;
}
