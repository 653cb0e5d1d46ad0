/* libFuzzer harness: the matf family F_p(nu, delta, Psi) on hostile inputs.
 * The bytes choose p (1..12), nu, delta, Psi (SPD, symmetric-indefinite,
 * asymmetric, garbage, scaled by 1e-30..1e30), the variates, wrong shapes,
 * NULL outputs and strided views; every public function is called. Beyond
 * crashes/sanitizers/GSL's aborting handler, fuzz_check.h's output contract
 * is asserted, and a failed _set must leave the previous parameters in force.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_in in = {data, size, 0};
  size_t p = fz_dim(&in, 12), q = p * (p + 1) / 2;
  bm_matf *d = bm_matf_alloc(p);
  if (!d) abort();
  fz_mat mPsi, mX, mX2, mG1, mG2, mH, mI, mM;
  double nu = fz_param(&in, (double)p - 1.0), delta = fz_param(&in, 0.0);
  gsl_matrix *Psi = fz_mat_new(&in, &mPsi, p, p);
  size_t px = fz_maybe_wrong(&in, p);
  gsl_matrix *X = fz_mat_new(&in, &mX, px, px), *X2 = fz_mat_new(&in, &mX2, p, p);
  gsl_matrix *G1 = fz_mat_new(&in, &mG1, p, fz_maybe_wrong(&in, p)), *G2 = fz_mat_new(&in, &mG2, p, p);
  size_t nh = fz_maybe_wrong(&in, q + 2);
  gsl_matrix *H = fz_mat_new(&in, &mH, nh, nh), *I = fz_mat_new(&in, &mI, q + 2, q + 2);
  gsl_matrix *M = fz_mat_new(&in, &mM, p, p);
  gsl_vector *s = bm_vector_alloc(fz_maybe_wrong(&in, q + 2)), *each = bm_vector_alloc(3);
  double lp = 0, a = 0, b = 0;

  /* evaluating an unset object is BM_EINVAL */
  int st = bm_matf_logpdf(d, X2, &lp);
  FZ_REQUIRE(st == BM_EINVAL && isnan(lp));

  /* a second, hostile _set: on failure the first parameters stay */
  FZ_SET_TWICE(set, bm_matf_set(d, nu, delta, Psi), bm_matf_logpdf, d, X2,
               fz_mat mPsi2; double nu2 = fz_param(&in, (double)p - 1.0); double delta2 = fz_param(&in, 0.0);
               gsl_matrix *Psi2 = fz_mat_new(&in, &mPsi2, fz_maybe_wrong(&in, p), p),
               bm_matf_set(d, nu2, delta2, Psi2), fz_mat_free(&mPsi2));

  st = bm_matf_logpdf(d, X, &lp);
  fz_lp(st, lp);
  if (set == BM_SUCCESS && px == p) {
    uint8_t mask = fz_byte(&in);
    gsl_matrix *gx = mask & 1 ? G1 : NULL, *gp = mask & 2 ? G2 : NULL;
    double *pa = mask & 4 ? &a : NULL, *pb = mask & 8 ? &b : NULL;
    st = bm_matf_grad(d, X, gx, gp, pa, pb);
    fz_out_m(st, G1->size2 == p ? gx : NULL); fz_out_m(st, gp); fz_out_d(st, pa); fz_out_d(st, pb);
  } else {
    st = bm_matf_grad(d, X, G1, G2, &a, &b);
    fz_status(st);
  }
  st = bm_matf_score(d, X, s);
  fz_out_v(st, s->size == q + 2 ? s : NULL);
  st = bm_matf_hess(d, X, H);
  fz_out_m(st, nh == q + 2 ? H : NULL);
  if (q <= 40) {
    fz_mat mHx;
    gsl_matrix *Hx = fz_mat_new(&in, &mHx, q, q);
    st = bm_matf_hess_x(d, X, Hx);
    fz_out_m(st, Hx);
    fz_mat_free(&mHx);
  }
  st = bm_matf_fisher(d, I);
  fz_out_m(st, I);
  st = bm_matf_fisher_literature(d, I);
  fz_out_m(st, I);
  /* a draw is in the support or numerically singular (EDOM) */
  FZ_MEAN_AND_DRAW(bm_matf_mean, bm_matf_sample, bm_matf_logpdf, d, &in, M, fz_out_m, lp);

  /* batches: up to 3 observations mixing X, X2 and a draw */
  const gsl_matrix *batch[3] = {X2, X, M};
  size_t m = 1 + fz_byte(&in) % 3;
  double ll = 0;
  st = bm_matf_loglik(d, batch, m, &ll, fz_byte(&in) & 1 ? NULL : each);
  fz_lp(st, ll);
  st = bm_matf_loglik_grad(d, batch, m, &ll, G2, &a, &b);
  fz_lp(st, ll);
  fz_out_m(st, G2);

  /* literature conversions on raw scalars */
  double n1, n2;
  fz_status(bm_matf_from_literature(p, fz_double(&in), fz_double(&in), &n1, &n2));
  fz_status(bm_matf_to_literature(p, fz_double(&in), fz_double(&in), &n1, &n2));
  fz_status(bm_matf_literature_jacobian(p, H));

  bm_matf_free(d);
  fz_mat_free(&mPsi); fz_mat_free(&mX); fz_mat_free(&mX2); fz_mat_free(&mG1); fz_mat_free(&mG2);
  fz_mat_free(&mH); fz_mat_free(&mI); fz_mat_free(&mM);
  bm_vector_free(s); bm_vector_free(each);
  return 0;
}
