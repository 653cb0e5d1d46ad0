/* libFuzzer harness: the mvt family t_p(nu, mu, Sigma) on hostile inputs
 * (every public function; fuzz_check.h's output contract; a failed _set
 * keeps the previous parameters).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_in in = {data, size, 0};
  size_t p = fz_dim(&in, 12), q = p * (p + 1) / 2, np = p + q + 1;
  bm_mvt *d = bm_mvt_alloc(p);
  if (!d) abort();
  fz_mat mS, mG, mH, mHx, mXb;
  double nu = fz_param(&in, 0.0);
  gsl_vector *mu = bm_vector_alloc(fz_maybe_wrong(&in, p)), *x = bm_vector_alloc(fz_maybe_wrong(&in, p));
  gsl_vector *x2 = bm_vector_alloc(p), *g1 = bm_vector_alloc(p), *g2 = bm_vector_alloc(p), *s = bm_vector_alloc(np);
  gsl_vector *each = bm_vector_alloc(4);
  fz_vector(&in, mu);
  fz_vector(&in, x);
  fz_vector(&in, x2);
  gsl_matrix *S = fz_mat_new(&in, &mS, p, p), *G = fz_mat_new(&in, &mG, p, p);
  gsl_matrix *H = fz_mat_new(&in, &mH, np, np), *Hx = fz_mat_new(&in, &mHx, p, p);
  size_t n = 1 + fz_byte(&in) % 4;
  gsl_matrix *Xb = fz_mat_new(&in, &mXb, n, fz_maybe_wrong(&in, p));
  double lp = 0, a = 0;

  int st = bm_mvt_logpdf(d, x2, &lp);
  FZ_REQUIRE(st == BM_EINVAL && isnan(lp));
  int set = bm_mvt_set(d, nu, mu, S);
  fz_status(set);
  if (set == BM_SUCCESS) {
    double l0, l1;
    int s0 = bm_mvt_logpdf(d, x2, &l0);
    fz_lp(s0, l0);
    fz_mat mS2;
    gsl_matrix *S2 = fz_mat_new(&in, &mS2, p, fz_maybe_wrong(&in, p));
    int set2 = bm_mvt_set(d, fz_param(&in, 0.0), x2, S2);
    fz_status(set2);
    if (set2 != BM_SUCCESS) {
      int s1 = bm_mvt_logpdf(d, x2, &l1);
      FZ_REQUIRE(s1 == s0 && (memcmp(&l0, &l1, sizeof l0) == 0 || (isnan(l0) && isnan(l1))));
    }
    fz_mat_free(&mS2);
  }
  st = bm_mvt_logpdf(d, x, &lp);
  fz_lp(st, lp);
  int okx = x->size == p;
  st = bm_mvt_grad(d, x, okx ? g1 : NULL, g2, G, &a);
  fz_out_v(st, okx ? g1 : NULL); fz_out_v(st, g2); fz_out_m(st, G); fz_out_d(st, &a);
  st = bm_mvt_score(d, x, s);
  fz_out_v(st, s);
  st = bm_mvt_hess(d, x, H);
  fz_out_m(st, H);
  st = bm_mvt_hess_x(d, x, Hx);
  fz_out_m(st, Hx);
  st = bm_mvt_fisher(d, H);
  fz_out_m(st, H);
  fz_status(bm_mvt_fisher_nunu(p, fz_double(&in), &a));
  st = bm_mvt_mean(d, g1);
  fz_out_v(st, g1);
  st = bm_mvt_cov(d, G);
  fz_out_m(st, G);
  st = bm_mvt_sample(d, fz_rng(&in), g1);
  fz_out_v(st, g1);
  if (st == BM_SUCCESS) {
    st = bm_mvt_logpdf(d, g1, &lp);
    fz_lp(st, lp);
  }
  gsl_vector *ea = fz_byte(&in) & 1 ? NULL : each;
  if (ea && ea->size != n) ea = NULL;
  st = bm_mvt_loglik(d, Xb, &lp, ea);
  fz_lp(st, lp);
  st = bm_mvt_loglik_grad(d, Xb, &lp, g2, G, &a);
  fz_lp(st, lp);
  fz_out_v(st, g2); fz_out_m(st, G); fz_out_d(st, &a);

  bm_mvt_free(d);
  fz_mat_free(&mS); fz_mat_free(&mG); fz_mat_free(&mH); fz_mat_free(&mHx); fz_mat_free(&mXb);
  bm_vector_free(mu); bm_vector_free(x); bm_vector_free(x2); bm_vector_free(g1); bm_vector_free(g2);
  bm_vector_free(s); bm_vector_free(each);
  return 0;
}
