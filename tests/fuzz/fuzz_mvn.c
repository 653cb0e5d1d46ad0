/* libFuzzer harness: the mvn family N_p(mu, Sigma) on hostile inputs, through
 * all three setters (covariance, precision, Cholesky factor), every
 * evaluation, the batched paths, entropy and KL. fuzz_check.h's output
 * contract is asserted; a failed _set must keep the previous parameters.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz_check.h"

static int set_any(fz_in *in, bm_mvn *d, const gsl_vector *mu, const gsl_matrix *S)
{
  switch (fz_byte(in) % 3) {
  case 0: return bm_mvn_set(d, mu, S);
  case 1: return bm_mvn_set_precision(d, mu, S);
  default: return bm_mvn_set_chol(d, mu, S);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_in in = {data, size, 0};
  size_t p = fz_dim(&in, 12), q = p * (p + 1) / 2, np = p + q;
  bm_mvn *d = bm_mvn_alloc(p), *d1 = bm_mvn_alloc(p);
  if (!d || !d1) abort();
  fz_mat mS, mG, mG2, mH, mHx, mXb;
  gsl_vector *mu = bm_vector_alloc(fz_maybe_wrong(&in, p)), *x = bm_vector_alloc(fz_maybe_wrong(&in, p));
  gsl_vector *x2 = bm_vector_alloc(p), *g1 = bm_vector_alloc(p), *g2 = bm_vector_alloc(p), *s = bm_vector_alloc(np);
  gsl_vector *each = bm_vector_alloc(4);
  fz_vector(&in, mu);
  fz_vector(&in, x);
  fz_vector(&in, x2);
  gsl_matrix *S = fz_mat_new(&in, &mS, p, p), *G = fz_mat_new(&in, &mG, p, p), *G2 = fz_mat_new(&in, &mG2, p, p);
  gsl_matrix *H = fz_mat_new(&in, &mH, np, np), *Hx = fz_mat_new(&in, &mHx, p, p);
  size_t n = 1 + fz_byte(&in) % 4;
  gsl_matrix *Xb = fz_mat_new(&in, &mXb, n, fz_maybe_wrong(&in, p));
  double lp = 0, h = 0;

  int st = bm_mvn_logpdf(d, x2, &lp);
  FZ_REQUIRE(st == BM_EINVAL && isnan(lp));
  int set = set_any(&in, d, mu, S);
  fz_status(set);
  if (set == BM_SUCCESS) {
    double a, b;
    int s0 = bm_mvn_logpdf(d, x2, &a);
    fz_lp(s0, a);
    fz_mat mS2;
    gsl_matrix *S2 = fz_mat_new(&in, &mS2, p, fz_maybe_wrong(&in, p));
    int set2 = set_any(&in, d, x2, S2);
    fz_status(set2);
    if (set2 != BM_SUCCESS) {
      int s1 = bm_mvn_logpdf(d, x2, &b);
      FZ_REQUIRE(s1 == s0 && (memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b))));
    }
    fz_mat_free(&mS2);
  }
  fz_status(set_any(&in, d1, x2, G2)); /* a second object for KL (often unset) */

  st = bm_mvn_logpdf(d, x, &lp);
  fz_lp(st, lp);
  int okx = x->size == p;
  st = bm_mvn_grad(d, x, okx ? g1 : NULL, g2, G);
  fz_out_v(st, okx ? g1 : NULL); fz_out_v(st, g2); fz_out_m(st, G);
  st = bm_mvn_grad_precision(d, x, G);
  fz_out_m(st, G);
  st = bm_mvn_grad_chol(d, x, G);
  fz_out_m(st, G);
  st = bm_mvn_grad_sigma_to_precision(d, Hx, G);
  fz_out_m(st, G);
  st = bm_mvn_score(d, x, s);
  fz_out_v(st, s);
  st = bm_mvn_hess(d, x, H);
  fz_out_m(st, H);
  st = bm_mvn_hess_x(d, x, Hx);
  fz_out_m(st, Hx);
  st = bm_mvn_fisher(d, H);
  fz_out_m(st, H);
  st = bm_mvn_mean(d, g1);
  fz_out_v(st, g1);
  st = bm_mvn_cov(d, G);
  fz_out_m(st, G);
  st = bm_mvn_sample(d, fz_rng(&in), g1);
  fz_out_v(st, g1);
  if (st == BM_SUCCESS) {
    st = bm_mvn_logpdf(d, g1, &lp);
    fz_lp(st, lp);
  }
  gsl_vector *ea = fz_byte(&in) & 1 ? NULL : each;
  if (ea && ea->size != n) ea = NULL;
  st = bm_mvn_loglik(d, Xb, &lp, ea);
  fz_lp(st, lp);
  st = bm_mvn_loglik_grad(d, Xb, &lp, g2, G);
  fz_lp(st, lp);
  fz_out_v(st, g2); fz_out_m(st, G);
  st = bm_mvn_entropy(d, &h);
  fz_out_d(st, &h);
  st = bm_mvn_kl(d, d1, &h);
  fz_out_d(st, &h);
  st = bm_mvn_kl_grad(d, d1, &h, g1, G, g2, G2);
  fz_out_d(st, &h); fz_out_v(st, g1); fz_out_m(st, G); fz_out_v(st, g2); fz_out_m(st, G2);

  /* sufficient statistics: compute, add, merge, pack, unpack a hostile buffer, log-likelihood from them */
  {
    bm_mvn_stats *s1 = bm_mvn_stats_alloc(p), *s2 = bm_mvn_stats_alloc(p);
    if (!s1 || !s2) abort();
    fz_status(bm_mvn_stats_compute(s1, Xb));
    fz_status(bm_mvn_stats_add(s2, Xb));
    fz_status(bm_mvn_stats_merge(s1, s2));
    size_t len = bm_mvn_stats_packed_len(s1);
    double *buf = malloc((len ? len : 1) * sizeof(double));
    if (!buf) abort();
    fz_status(bm_mvn_stats_pack(s1, buf));
    /* hostile payload (bit 0), hostile header too (bit 1), a length one short (bit 2):
     * unpack must refuse or accept without reading past the length it is given */
    unsigned mode = fz_byte(&in);
    if (mode & 3)
      for (size_t i = (mode & 2) ? 0 : 6; i < len; i++) buf[i] = fz_double(&in);
    fz_status(bm_mvn_stats_unpack(s2, buf, len - ((mode >> 2) & 1)));
    double cnt;
    fz_status(bm_mvn_stats_get(s2, &cnt, g1, G));
    st = bm_mvn_stats_loglik(d, s2, &lp);
    fz_lp(st, lp);
    st = bm_mvn_stats_loglik_grad(d, s2, &lp, g2, G);
    fz_lp(st, lp);
    fz_out_v(st, g2); fz_out_m(st, G);
    fz_status(bm_mvn_stats_reset(s1));
    free(buf);
    bm_mvn_stats_free(s1); bm_mvn_stats_free(s2);
  }

  bm_mvn_free(d); bm_mvn_free(d1);
  fz_mat_free(&mS); fz_mat_free(&mG); fz_mat_free(&mG2); fz_mat_free(&mH); fz_mat_free(&mHx); fz_mat_free(&mXb);
  bm_vector_free(mu); bm_vector_free(x); bm_vector_free(x2); bm_vector_free(g1); bm_vector_free(g2);
  bm_vector_free(s); bm_vector_free(each);
  return 0;
}
