/* `bayesmat verify` rows for the mergeable sufficient statistics:
 * chunked summaries merged out of order equal one pass, and the
 * log-likelihood and gradients from a summary equal the batched ones on the
 * data, at parameters drawn from c->rng.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

/* m draws of the family (T, d) as rows x cols matrices; free with free_draws */
static gsl_matrix **draws(const bm_family_type *T, void *d, gsl_rng *r, size_t m, size_t rows, size_t cols)
{
  gsl_matrix **X = malloc(m * sizeof *X);
  for (size_t k = 0; k < m; k++) {
    X[k] = gsl_matrix_alloc(rows, cols);
    bm_dist_sample(&(bm_dist){T, d}, r, X[k]);
  }
  return X;
}
static void free_draws(gsl_matrix **X, size_t m)
{
  for (size_t k = 0; k < m; k++) gsl_matrix_free(X[k]);
  free(X);
}

static void verify_mvn_stats(verify_ctx *c)
{
  size_t p = 4, n = c->quick ? 300 : 3000;
  gsl_rng *r = c->rng;
  gsl_matrix *X = gsl_matrix_alloc(n, p), *Sigma = gsl_matrix_alloc(p, p), *S1 = gsl_matrix_alloc(p, p),
             *S2 = gsl_matrix_alloc(p, p), *G1 = gsl_matrix_alloc(p, p), *G2 = gsl_matrix_alloc(p, p);
  gsl_vector *mu = gsl_vector_alloc(p), *m1 = gsl_vector_alloc(p), *m2 = gsl_vector_alloc(p),
             *g1 = gsl_vector_alloc(p), *g2 = gsl_vector_alloc(p);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, 100.0 + gsl_ran_gaussian(r, 1.0 + (double)j));
  for (size_t j = 0; j < p; j++) gsl_vector_set(mu, j, 100.0 + gsl_ran_gaussian(r, 1.0));
  verify_random_spd(r, 1.0, Sigma);
  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvn_stats *all = bm_mvn_stats_alloc(p), *acc = bm_mvn_stats_alloc(p), *part = bm_mvn_stats_alloc(p);
  bm_mvn_set(d, mu, Sigma);
  bm_mvn_stats_compute(all, X);
  /* chunks of 97 rows merged last-to-first */
  for (size_t end = n; end > 0;) {
    size_t start = end > 97 ? end - 97 : 0;
    gsl_matrix_view V = gsl_matrix_submatrix(X, start, 0, end - start, p);
    bm_mvn_stats_compute(part, &V.matrix);
    bm_mvn_stats_merge(acc, part);
    end = start;
  }
  double n1, n2, ll1, ll2;
  bm_mvn_stats_get(all, &n1, m1, S1);
  bm_mvn_stats_get(acc, &n2, m2, S2);
  gsl_matrix_const_view M1 = gsl_matrix_const_view_vector(m1, p, 1), M2 = gsl_matrix_const_view_vector(m2, p, 1);
  double e = n1 == n2 ? fmax(verify_max_rel(&M2.matrix, &M1.matrix), verify_max_rel(S2, S1)) : NAN;
  verify_row(c, "stats", "mvn: merged chunks (reversed) = one pass", e, 1e-12);
  bm_mvn_loglik_grad(d, X, &ll1, g1, G1);
  int st = bm_mvn_stats_loglik_grad(d, acc, &ll2, g2, G2);
  gsl_matrix_const_view V1 = gsl_matrix_const_view_vector(g1, p, 1), V2 = gsl_matrix_const_view_vector(g2, p, 1);
  e = st ? NAN : fmax(rel(ll2, ll1), fmax(verify_max_rel(&V2.matrix, &V1.matrix), verify_max_rel(G2, G1)));
  verify_row(c, "stats", "mvn: loglik+grad from stats = batched", e, 1e-10);
  bm_mvn_free(d);
  bm_mvn_stats_free(all);
  bm_mvn_stats_free(acc);
  bm_mvn_stats_free(part);
  gsl_matrix_free(X);
  gsl_matrix_free(Sigma);
  gsl_matrix_free(S1);
  gsl_matrix_free(S2);
  gsl_matrix_free(G1);
  gsl_matrix_free(G2);
  gsl_vector_free(mu);
  gsl_vector_free(m1);
  gsl_vector_free(m2);
  gsl_vector_free(g1);
  gsl_vector_free(g2);
}

static void verify_spd_stats(verify_ctx *c)
{
  size_t p = 3, m = c->quick ? 40 : 400;
  gsl_rng *r = c->rng;
  gsl_matrix *S = gsl_matrix_alloc(p, p), *G1 = gsl_matrix_alloc(p, p), *G2 = gsl_matrix_alloc(p, p);
  bm_wishart *w = bm_wishart_alloc(p);
  bm_invwishart *iw = bm_invwishart_alloc(p);
  verify_random_spd(r, 1.0, S);
  bm_wishart_set(w, (double)p + 2.0 + 3.0 * gsl_rng_uniform(r), S);
  gsl_matrix **X = draws(&bm_family_wishart, w, r, m, p, p);
  const gsl_matrix *const *Xc = (const gsl_matrix *const *)X;
  verify_random_spd(r, 1.0, S);
  bm_wishart_set(w, (double)p + 1.0 + 3.0 * gsl_rng_uniform(r), S);
  bm_invwishart_set(iw, (double)p + 1.0 + 3.0 * gsl_rng_uniform(r), S);
  bm_wishart_stats *ws = bm_wishart_stats_alloc(p), *wp = bm_wishart_stats_alloc(p);
  bm_invwishart_stats *is = bm_invwishart_stats_alloc(p), *ip = bm_invwishart_stats_alloc(p);
  for (size_t k = 0; k < m; k += 7) {
    size_t len = m - k < 7 ? m - k : 7;
    bm_wishart_stats_compute(wp, Xc + k, len);
    bm_wishart_stats_merge(ws, wp);
    bm_invwishart_stats_compute(ip, Xc + k, len);
    bm_invwishart_stats_merge(is, ip);
  }
  double ll1, ll2, dn1, dn2;
  bm_wishart_loglik_grad(w, Xc, m, &ll1, G1, &dn1);
  int st = bm_wishart_stats_loglik_grad(w, ws, &ll2, G2, &dn2);
  double e = st ? NAN : fmax(fmax(rel(ll2, ll1), rel(dn2, dn1)), verify_max_rel(G2, G1));
  verify_row(c, "stats", "wishart: loglik+grad from merged stats", e, 1e-10);
  bm_invwishart_loglik_grad(iw, Xc, m, &ll1, G1, &dn1);
  st = bm_invwishart_stats_loglik_grad(iw, is, &ll2, G2, &dn2);
  e = st ? NAN : fmax(fmax(rel(ll2, ll1), rel(dn2, dn1)), verify_max_rel(G2, G1));
  verify_row(c, "stats", "invwishart: loglik+grad from merged stats", e, 1e-10);
  free_draws(X, m);
  bm_wishart_stats_free(ws);
  bm_wishart_stats_free(wp);
  bm_invwishart_stats_free(is);
  bm_invwishart_stats_free(ip);
  bm_wishart_free(w);
  bm_invwishart_free(iw);
  gsl_matrix_free(S);
  gsl_matrix_free(G1);
  gsl_matrix_free(G2);
}

static void verify_matnorm_stats(verify_ctx *c)
{
  size_t n = 3, p = 2, m = c->quick ? 50 : 500;
  gsl_rng *r = c->rng;
  gsl_matrix *M = gsl_matrix_calloc(n, p), *U = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(p, p);
  gsl_matrix *dM1 = gsl_matrix_alloc(n, p), *dM2 = gsl_matrix_alloc(n, p), *dU1 = gsl_matrix_alloc(n, n),
             *dU2 = gsl_matrix_alloc(n, n), *dV1 = gsl_matrix_alloc(p, p), *dV2 = gsl_matrix_alloc(p, p);
  verify_random_spd(r, 1.0, U);
  verify_random_spd(r, 1.0, V);
  bm_matnorm *d = bm_matnorm_alloc(n, p);
  bm_matnorm_set(d, M, U, V);
  gsl_matrix **X = draws(&bm_family_matnorm, d, r, m, n, p);
  const gsl_matrix *const *Xc = (const gsl_matrix *const *)X;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(M, i, j, gsl_ran_gaussian(r, 0.5));
  verify_random_spd(r, 1.0, U);
  bm_matnorm_set(d, M, U, V);
  bm_matnorm_stats *s = bm_matnorm_stats_alloc(n, p), *part = bm_matnorm_stats_alloc(n, p);
  for (size_t k = 0; k < m; k += 11) {
    bm_matnorm_stats_compute(part, Xc + k, m - k < 11 ? m - k : 11);
    bm_matnorm_stats_merge(s, part);
  }
  double ll1, ll2;
  bm_matnorm_loglik_grad(d, Xc, m, &ll1, dM1, dU1, dV1);
  int st = bm_matnorm_stats_loglik_grad(d, s, &ll2, dM2, dU2, dV2);
  double e = st ? NAN : fmax(fmax(rel(ll2, ll1), verify_max_rel(dM2, dM1)), fmax(verify_max_rel(dU2, dU1), verify_max_rel(dV2, dV1)));
  verify_row(c, "stats", "matnorm: loglik+grad from merged stats", e, 1e-10);
  free_draws(X, m);
  bm_matnorm_stats_free(s);
  bm_matnorm_stats_free(part);
  bm_matnorm_free(d);
  gsl_matrix *mats[] = {M, U, V, dM1, dM2, dU1, dU2, dV1, dV2};
  for (size_t k = 0; k < 9; k++) gsl_matrix_free(mats[k]);
}

void verify_stats(verify_ctx *c)
{
  verify_mvn_stats(c);
  verify_spd_stats(c);
  verify_matnorm_stats(c);
}
