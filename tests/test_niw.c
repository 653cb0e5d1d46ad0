/* Tests of bm_niw_* (Normal-Inverse-Wishart and its Normal-Wishart view).
 * Reference numbers: tests/data/conjugate_ref.txt from tests/data/gen_conjugate.py
 * (mpmath, 50 digits; the evidence there is the chain rule of one-step Student-t
 * predictives, asserted equal to the Gamma_p closed form). Cases: niw (p = 3),
 * niwoff (p = 2, data at offset 1e6: needs the two-pass / factor scatter), nw (the
 * prior given as Lambda ~ W(nu0, W0)).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "conjugate_testutil.h"
#include <gsl/gsl_randist.h>

typedef struct {
  size_t p, n;
  gsl_matrix *X, *S0, *Sig;
  gsl_vector *mu0, *mus;
  double k0, nu0;
} niw_case;

static void load_case(const char *tag, niw_case *c)
{
  char nm[64];
  snprintf(nm, sizeof nm, "%s_dims", tag);
  double *d = cref(nm, 2);
  c->p = (size_t)d[0];
  c->n = (size_t)d[1];
  free(d);
  snprintf(nm, sizeof nm, "%s_X", tag);
  c->X = cref_matrix(nm, c->n, c->p);
  snprintf(nm, sizeof nm, "%s_S0", tag);
  c->S0 = cref_matrix(nm, c->p, c->p);
  snprintf(nm, sizeof nm, "%s_Sigstar", tag);
  c->Sig = cref_matrix(nm, c->p, c->p);
  snprintf(nm, sizeof nm, "%s_mu0", tag);
  c->mu0 = cref_vector(nm, c->p);
  snprintf(nm, sizeof nm, "%s_mustar", tag);
  c->mus = cref_vector(nm, c->p);
  snprintf(nm, sizeof nm, "%s_k0nu0", tag);
  d = cref(nm, 2);
  c->k0 = d[0];
  c->nu0 = d[1];
  free(d);
}

static void free_case(niw_case *c)
{
  free_matrices(c->X, c->S0, c->Sig);
  gsl_vector_free(c->mu0);
  gsl_vector_free(c->mus);
}

/* A model with the case's NIW prior (mu0, kappa0, nu0, Psi0). */
static bm_niw *case_prior(const niw_case *c)
{
  bm_niw *m = bm_niw_alloc(c->p);
  assert_int_equal(bm_niw_set_prior(m, c->mu0, c->k0, c->nu0, c->S0), BM_SUCCESS);
  return m;
}

static void run_reference(const char *tag, int nw, double rtol)
{
  niw_case c;
  load_case(tag, &c);
  const size_t p = c.p;
  char nm[64];
  bm_niw *m = bm_niw_alloc(p);
  if (nw) assert_int_equal(bm_niw_set_prior_nw(m, c.mu0, c.k0, c.nu0, c.S0), BM_SUCCESS);
  else assert_int_equal(bm_niw_set_prior(m, c.mu0, c.k0, c.nu0, c.S0), BM_SUCCESS);
  assert_int_equal(bm_niw_update(m, c.X), BM_SUCCESS);
  gsl_vector *mu = gsl_vector_alloc(p);
  gsl_matrix *P = gsl_matrix_alloc(p, p);
  double kn, nun, lml, df, lp;
  assert_int_equal(bm_niw_posterior(m, mu, &kn, &nun, P), BM_SUCCESS);
  snprintf(nm, sizeof nm, "%s_mun", tag);
  gsl_vector *r = cref_vector(nm, p);
  /* mu_n at offset 1e6: absolute accuracy relative to the spread of the data */
  tu_assert_vector_close(mu, r, rtol, 0.0);
  gsl_vector_free(r);
  snprintf(nm, sizeof nm, "%s_kn_nun", tag);
  double *kv = cref(nm, 2);
  tu_assert_rel(kn, kv[0], 1e-15);
  tu_assert_rel(nun, kv[1], 1e-15);
  free(kv);
  snprintf(nm, sizeof nm, "%s_Psin", tag);
  cref_assert_matrix(P, nm, rtol);
  assert_int_equal(bm_niw_posterior_nw(m, NULL, NULL, NULL, P), BM_SUCCESS);
  snprintf(nm, sizeof nm, "%s_Wn", tag);
  cref_assert_matrix(P, nm, rtol);
  assert_int_equal(bm_niw_log_evidence(m, &lml), BM_SUCCESS);
  snprintf(nm, sizeof nm, "%s_lml", tag);
  tu_assert_rel(lml, cref1(nm), rtol);
  assert_int_equal(bm_niw_predictive_params(m, &df, mu, P), BM_SUCCESS);
  snprintf(nm, sizeof nm, "%s_pred_df", tag);
  tu_assert_rel(df, cref1(nm), 1e-15);
  snprintf(nm, sizeof nm, "%s_pred_scale", tag);
  cref_assert_matrix(P, nm, rtol);
  assert_int_equal(bm_niw_log_posterior(m, c.mus, c.Sig, &lp), BM_SUCCESS);
  snprintf(nm, sizeof nm, "%s_logpost", tag);
  tu_assert_rel(lp, cref1(nm), rtol);
  assert_int_equal(bm_niw_log_posterior_nw(m, c.mus, c.Sig, &lp), BM_SUCCESS);
  snprintf(nm, sizeof nm, "%s_logpost_nw", tag);
  tu_assert_rel(lp, cref1(nm), rtol);
  gsl_vector_free(mu);
  gsl_matrix_free(P);
  bm_niw_free(m);
  free_case(&c);
}

/* The reference records a test runs (each cmocka test's initial state, up to
 * a NULL tag): record tag, Normal-Wishart form (W0 given), relative tolerance. */
typedef struct {
  const char *tag;
  int nw;
  double rtol;
} ref_case;

static ref_case plain_refs[] = {{"niw", 0, 1e-12}, {"nw", 1, 1e-12}, {NULL, 0, 0}};
/* Data at 1e6 + N(0,1): a one-pass sum of squares would lose ~12 digits of the scatter. */
static ref_case offset_refs[] = {{"niwoff", 0, 1e-9}, {NULL, 0, 0}};
/* Psi0 (or W0) with condition number 1e10. log|Psi0| itself has condition number
 * ~cond(Psi0): any backward-stable factorization moves it by ~eps cond ~ 1e-6, which
 * bounds the evidence's accuracy (measured: 3e-9 relative); the rest is at ~1e-12.
 * W0 given: Psi0 = W0^-1 is itself conditioned by cond(W0) = 1e10 (measured 8e-8). */
static ref_case ill_refs[] = {{"niwill", 0, 1e-8}, {"nwill", 1, 1e-6}, {NULL, 0, 0}};

static void matches_reference(void **state)
{
  for (const ref_case *c = *state; c->tag; c++) run_reference(c->tag, c->nw, c->rtol);
}

/* The precision view is the same model: log p_NW(mu, Lambda) = log p_NIW(mu, Lambda^-1) + (p+1) log|Lambda^-1|. */
static void precision_view_is_a_change_of_variables(void **state)
{
  (void)state;
  niw_case c;
  load_case("niw", &c);
  const size_t p = c.p;
  bm_niw *m = case_prior(&c);
  assert_int_equal(bm_niw_update(m, c.X), BM_SUCCESS);
  gsl_matrix *L = gsl_matrix_alloc(p, p), *Sinv = gsl_matrix_alloc(p, p);
  assert_int_equal(bm_chol_factor(c.Sig, L, NULL), BM_SUCCESS);
  assert_int_equal(bm_chol_inverse(L, Sinv), BM_SUCCESS);
  double a, b;
  assert_int_equal(bm_niw_log_posterior_nw(m, c.mus, c.Sig, &a), BM_SUCCESS);
  assert_int_equal(bm_niw_log_posterior(m, c.mus, Sinv, &b), BM_SUCCESS);
  tu_assert_rel(a, b - (double)(p + 1) * bm_chol_logdet(L), 1e-12); /* log|Lambda^-1| = -log|Lambda| */
  gsl_matrix_free(L);
  gsl_matrix_free(Sinv);
  bm_niw_free(m);
  free_case(&c);
}

static void run_chunked(const char *tag, double rtol)
{
  niw_case c;
  load_case(tag, &c);
  const size_t p = c.p, n = c.n;
  bm_niw *one = bm_niw_alloc(p), *chunk = bm_niw_alloc(p), *merged = bm_niw_alloc(p);
  bm_niw *ms[3] = {one, chunk, merged};
  for (int i = 0; i < 3; i++) assert_int_equal(bm_niw_set_prior(ms[i], c.mu0, c.k0, c.nu0, c.S0), BM_SUCCESS);
  assert_int_equal(bm_niw_update(one, c.X), BM_SUCCESS);
  size_t cuts[5] = {0, 1, 1, 4, n};
  bm_niw_stats *acc = bm_niw_stats_alloc(p), *s = bm_niw_stats_alloc(p);
  for (int j = 3; j >= 0; j--) { /* merge in reverse order */
    size_t r0 = cuts[j], r1 = cuts[j + 1];
    if (r1 > r0) {
      gsl_matrix_const_view Xv = gsl_matrix_const_submatrix(c.X, r0, 0, r1 - r0, p);
      assert_int_equal(bm_niw_stats_compute(s, &Xv.matrix), BM_SUCCESS);
    } else {
      gsl_matrix E = empty_rows(p);
      assert_int_equal(bm_niw_stats_compute(s, &E), BM_SUCCESS);
    }
    assert_int_equal(bm_niw_stats_merge(acc, s), BM_SUCCESS);
  }
  for (int j = 0; j < 4; j++) {
    size_t r0 = cuts[j], r1 = cuts[j + 1];
    gsl_matrix E = empty_rows(p);
    gsl_matrix_const_view Xv = gsl_matrix_const_submatrix(c.X, r0, 0, r1 > r0 ? r1 - r0 : 1, p);
    assert_int_equal(bm_niw_update(chunk, r1 > r0 ? &Xv.matrix : &E), BM_SUCCESS);
  }
  assert_int_equal(bm_niw_update_stats(merged, acc), BM_SUCCESS);
  /* the statistics themselves: n, mean, scatter vs a direct two-pass computation */
  size_t cnt;
  gsl_vector *mean = gsl_vector_alloc(p), *ref_mean = gsl_vector_calloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *ref_S = gsl_matrix_calloc(p, p);
  assert_int_equal(bm_niw_stats_get(acc, &cnt, mean, S), BM_SUCCESS);
  assert_int_equal(cnt, n);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) ref_mean->data[j] += gsl_matrix_get(c.X, i, j) / (double)n;
  for (size_t i = 0; i < n; i++)
    for (size_t a = 0; a < p; a++)
      for (size_t b = 0; b < p; b++)
        ref_S->data[a * p + b] += (gsl_matrix_get(c.X, i, a) - ref_mean->data[a]) * (gsl_matrix_get(c.X, i, b) - ref_mean->data[b]);
  tu_assert_vector_close(mean, ref_mean, 1e-15, 0.0);
  tu_assert_matrix_close(S, ref_S, 1e-9, 1e-9);
  double l[3], df[3];
  gsl_matrix *P[3];
  for (int i = 0; i < 3; i++) {
    P[i] = gsl_matrix_alloc(p, p);
    assert_int_equal(bm_niw_log_evidence(ms[i], &l[i]), BM_SUCCESS);
    assert_int_equal(bm_niw_predictive_params(ms[i], &df[i], NULL, P[i]), BM_SUCCESS);
  }
  for (int i = 1; i < 3; i++) {
    tu_assert_rel(l[i], l[0], rtol);
    assert_true(df[i] == df[0]);
    tu_assert_matrix_close(P[i], P[0], rtol, 0.0);
  }
  free_matrix_list(P, 3);
  gsl_vector_free(mean);
  gsl_vector_free(ref_mean);
  gsl_matrix_free(S);
  gsl_matrix_free(ref_S);
  bm_niw_stats_free(acc);
  bm_niw_stats_free(s);
  bm_niw_free(one);
  bm_niw_free(chunk);
  bm_niw_free(merged);
  free_case(&c);
}

/* Chunks [0,1), [1,1) (empty), [1,4), [4,n), statistics merged in reverse order. At offset
 * 1e6 the chunk means themselves carry rounding of 1e6 * eps ~ 1e-10 absolute, which is the
 * floor of agreement there (relative to data of size 1e6 it is rounding). */
static ref_case chunked_refs[] = {{"niw", 0, 1e-12}, {"niwoff", 0, 1e-9}, {NULL, 0, 0}};

static void chunked_equals_single(void **state)
{
  for (const ref_case *c = *state; c->tag; c++) run_chunked(c->tag, c->rtol);
}

static void no_data_is_prior(void **state)
{
  (void)state;
  niw_case c;
  load_case("niw", &c);
  const size_t p = c.p;
  bm_niw *m = case_prior(&c);
  gsl_matrix E = empty_rows(p);
  assert_int_equal(bm_niw_update(m, &E), BM_SUCCESS);
  gsl_vector *mu = gsl_vector_alloc(p);
  gsl_matrix *P = gsl_matrix_alloc(p, p);
  double kn, nun, lml;
  assert_int_equal(bm_niw_posterior(m, mu, &kn, &nun, P), BM_SUCCESS);
  tu_assert_vector_close(mu, c.mu0, 0.0, 0.0);
  assert_true(kn == c.k0 && nun == c.nu0);
  tu_assert_matrix_close(P, c.S0, 1e-14, 0.0);
  assert_int_equal(bm_niw_log_evidence(m, &lml), BM_SUCCESS);
  assert_true(fabs(lml) < 1e-13);
  gsl_vector_free(mu);
  gsl_matrix_free(P);
  bm_niw_free(m);
  free_case(&c);
}

/* log N_p(x | mu, L L^T), computed here from the Cholesky factor L. */
static double log_mvn(const gsl_vector *x, const gsl_vector *mu, const gsl_matrix *L)
{
  const size_t p = x->size;
  gsl_vector *d = gsl_vector_alloc(p);
  gsl_vector_memcpy(d, x);
  gsl_vector_sub(d, mu);
  double q = bm_chol_quadform(L, d, NULL);
  gsl_vector_free(d);
  return -0.5 * p * log(2.0 * M_PI) - 0.5 * bm_chol_logdet(L) - 0.5 * q;
}

/* The predictive density equals E_posterior[N(x* | mu, Sigma)] (Monte Carlo with its standard error)
 * and the posterior sampler's moments: E[mu] = mu_n, E[Sigma] = Psi_n / (nu_n - p - 1). */
static void predictive_and_sampler_match_monte_carlo(void **state)
{
  (void)state;
  niw_case c;
  load_case("niw", &c);
  const size_t p = c.p, N = 20000;
  bm_niw *m = case_prior(&c);
  assert_int_equal(bm_niw_update(m, c.X), BM_SUCCESS);
  double df;
  gsl_vector *loc = gsl_vector_alloc(p), *mu = gsl_vector_alloc(p), *xs[3];
  gsl_matrix *scale = gsl_matrix_alloc(p, p), *Sigma = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p);
  assert_int_equal(bm_niw_predictive_params(m, &df, loc, scale), BM_SUCCESS);
  for (int t = 0; t < 3; t++) {
    xs[t] = gsl_vector_alloc(p);
    for (size_t j = 0; j < p; j++) gsl_vector_set(xs[t], j, gsl_vector_get(loc, j) + 0.7 * t * (j % 2 ? -1.0 : 1.0));
  }
  gsl_rng *r = tu_rng(3);
  double s1[3] = {0}, s2[3] = {0};
  tu_mc *mc_mu = tu_mc_alloc(p), *mc_S = tu_mc_alloc(p);
  gsl_matrix *mu_diag = gsl_matrix_calloc(p, p);
  for (size_t i = 0; i < N; i++) {
    assert_int_equal(bm_niw_sample_posterior(m, r, mu, Sigma), BM_SUCCESS);
    assert_int_equal(bm_chol_factor(Sigma, L, NULL), BM_SUCCESS);
    for (int t = 0; t < 3; t++) {
      double f = exp(log_mvn(xs[t], mu, L));
      s1[t] += f;
      s2[t] += f * f;
    }
    for (size_t j = 0; j < p; j++) gsl_matrix_set(mu_diag, j, j, gsl_vector_get(mu, j));
    tu_mc_add(mc_mu, mu_diag);
    tu_mc_add(mc_S, Sigma);
  }
  bm_mvt *pred = bm_mvt_alloc(p);
  assert_int_equal(bm_niw_predictive(m, pred), BM_SUCCESS);
  for (int t = 0; t < 3; t++) {
    double mean = s1[t] / N, se = sqrt((s2[t] / N - mean * mean) / N), lf;
    assert_int_equal(bm_mvt_logpdf(pred, xs[t], &lf), BM_SUCCESS);
    assert_true(fabs(mean - exp(lf)) / se < 4.0);
  }
  bm_mvt_free(pred);
  double kn, nun;
  gsl_matrix *Psi = gsl_matrix_alloc(p, p), *mu_n_diag = gsl_matrix_calloc(p, p);
  assert_int_equal(bm_niw_posterior(m, loc, &kn, &nun, Psi), BM_SUCCESS);
  gsl_matrix_scale(Psi, 1.0 / (nun - (double)p - 1.0));
  for (size_t j = 0; j < p; j++) gsl_matrix_set(mu_n_diag, j, j, gsl_vector_get(loc, j));
  size_t wi, wj;
  assert_true(tu_mc_max_z(mc_mu, mu_n_diag, 1e-14, &wi, &wj) < 4.0);
  assert_true(tu_mc_max_z(mc_S, Psi, 0.0, &wi, &wj) < 4.0);
  tu_mc_free(mc_mu);
  tu_mc_free(mc_S);
  for (int t = 0; t < 3; t++) gsl_vector_free(xs[t]);
  free_matrices(mu_diag, mu_n_diag, Psi);
  gsl_rng_free(r);
  gsl_vector_free(loc);
  gsl_vector_free(mu);
  free_matrices(scale, Sigma, L);
  bm_niw_free(m);
  free_case(&c);
}

/* bm_niw_predictive fills an mvt with exactly the predictive parameters (its log-density
 * agrees with the t density written out here), and the chain rule with the object's
 * log-density reproduces the closed-form evidence. */
static void predictive_object(void **state)
{
  (void)state;
  niw_case c;
  load_case("niw", &c);
  const size_t p = c.p;
  bm_niw *m = case_prior(&c), *seq = case_prior(&c);
  assert_int_equal(bm_niw_update(m, c.X), BM_SUCCESS);
  bm_mvt *pred = bm_mvt_alloc(p), *wrong = bm_mvt_alloc(p + 1);
  double df, lp, lml, chain = 0.0;
  gsl_vector *loc = gsl_vector_alloc(p);
  gsl_matrix *scale = gsl_matrix_alloc(p, p);
  assert_int_equal(bm_niw_predictive(m, pred), BM_SUCCESS);
  assert_int_equal(bm_niw_predictive_params(m, &df, loc, scale), BM_SUCCESS);
  assert_int_equal(bm_mvt_logpdf(pred, c.mus, &lp), BM_SUCCESS);
  tu_assert_rel(lp, cj_log_mvt(c.mus, df, loc, scale), 1e-13);
  for (size_t i = 0; i < c.n; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(c.X, i);
    gsl_matrix_const_view Xi = gsl_matrix_const_submatrix(c.X, i, 0, 1, p);
    assert_int_equal(bm_niw_predictive(seq, pred), BM_SUCCESS);
    assert_int_equal(bm_mvt_logpdf(pred, &xi.vector, &lp), BM_SUCCESS);
    chain += lp;
    assert_int_equal(bm_niw_update(seq, &Xi.matrix), BM_SUCCESS);
  }
  assert_int_equal(bm_niw_log_evidence(m, &lml), BM_SUCCESS);
  tu_assert_rel(chain, lml, 1e-12);
  assert_int_equal(bm_niw_predictive(m, wrong), BM_EBADLEN);
  assert_int_equal(bm_niw_predictive(NULL, pred), BM_EINVAL);
  assert_int_equal(bm_niw_predictive(m, NULL), BM_EINVAL);
  bm_niw *unset = bm_niw_alloc(p);
  assert_int_equal(bm_niw_predictive(unset, pred), BM_EINVAL);
  /* pred keeps its last successful state */
  assert_int_equal(bm_mvt_logpdf(pred, c.mus, &lp), BM_SUCCESS);
  assert_true(isfinite(lp));
  bm_niw_free(unset);
  bm_mvt_free(pred);
  bm_mvt_free(wrong);
  gsl_vector_free(loc);
  gsl_matrix_free(scale);
  bm_niw_free(m);
  bm_niw_free(seq);
  free_case(&c);
}

/* ---- checkers: theta = (mu, vech Sigma) -------------------------------------------- */

typedef struct {
  size_t p;
  const gsl_matrix *X;
  bm_niw *prior, *post, *claimed, *proposal;
  gsl_matrix *Sigma, *L;
  gsl_vector *mu;
  /* SBC */
  size_t nsim_data;
  bm_niw *sbc_post, *sbc_wrong;
  int wrong;
  gsl_vector *mu0;
  gsl_matrix *Psi0;
  double k0, nu0;
} niw_ctx;

static void unpack(niw_ctx *x, const gsl_vector *th)
{
  const size_t p = x->p;
  for (size_t j = 0; j < p; j++) gsl_vector_set(x->mu, j, gsl_vector_get(th, j));
  size_t q = p;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++, q++) {
      gsl_matrix_set(x->Sigma, i, j, gsl_vector_get(th, q));
      gsl_matrix_set(x->Sigma, j, i, gsl_vector_get(th, q));
    }
}

static void pack(niw_ctx *x, gsl_vector *th)
{
  const size_t p = x->p;
  for (size_t j = 0; j < p; j++) gsl_vector_set(th, j, gsl_vector_get(x->mu, j));
  size_t q = p;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++, q++) gsl_vector_set(th, q, gsl_matrix_get(x->Sigma, i, j));
}

static int lprior(const gsl_vector *th, void *vp, double *f)
{
  niw_ctx *x = vp;
  unpack(x, th);
  return bm_niw_log_posterior(x->prior, x->mu, x->Sigma, f);
}

static int lpost(const gsl_vector *th, void *vp, double *f)
{
  niw_ctx *x = vp;
  unpack(x, th);
  return bm_niw_log_posterior(x->claimed, x->mu, x->Sigma, f);
}

static int llik(const gsl_vector *th, void *vp, double *f)
{
  niw_ctx *x = vp;
  unpack(x, th);
  int st = bm_chol_factor(x->Sigma, x->L, NULL);
  if (st != BM_SUCCESS) return st;
  double s = 0.0;
  for (size_t i = 0; i < x->X->size1; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(x->X, i);
    s += log_mvn(&xi.vector, x->mu, x->L);
  }
  *f = s;
  return BM_SUCCESS;
}

static int sample_post(gsl_rng *r, void *vp, gsl_vector *th)
{
  niw_ctx *x = vp;
  int st = bm_niw_sample_posterior(x->post, r, x->mu, x->Sigma);
  pack(x, th);
  return st;
}

static int sample_prop(gsl_rng *r, void *vp, gsl_vector *th)
{
  niw_ctx *x = vp;
  int st = bm_niw_sample_posterior(x->proposal, r, x->mu, x->Sigma);
  pack(x, th);
  return st;
}

static int lprop(const gsl_vector *th, void *vp, double *f)
{
  niw_ctx *x = vp;
  unpack(x, th);
  return bm_niw_log_posterior(x->proposal, x->mu, x->Sigma, f);
}

/* A model whose prior is NIW(mu_n, kappa_n, nu_n, Psi_n) or, with typo, Psi_n^-1 = W_n
 * (the classic "W instead of W^-1" slip); kappa and nu scaled for a widened proposal. */
static void posterior_from(bm_niw *dst, const bm_niw *src, size_t p, int typo, double kscale, double nu_new)
{
  double kn, nun;
  gsl_vector *mu = gsl_vector_alloc(p);
  gsl_matrix *P = gsl_matrix_alloc(p, p);
  if (typo) assert_int_equal(bm_niw_posterior_nw(src, mu, &kn, &nun, P), BM_SUCCESS);
  else assert_int_equal(bm_niw_posterior(src, mu, &kn, &nun, P), BM_SUCCESS);
  if (nu_new > 0) {
    gsl_matrix_scale(P, (nu_new - p - 1.0) / (nun - p - 1.0)); /* keep E[Sigma] */
    nun = nu_new;
  }
  assert_int_equal(bm_niw_set_prior(dst, mu, kn * kscale, nun, P), BM_SUCCESS);
  gsl_vector_free(mu);
  gsl_matrix_free(P);
}

static void checkers_pass_right_and_catch_typo(void **state)
{
  (void)state;
  niw_case c;
  load_case("niw", &c);
  const size_t p = c.p, dim = p + p * (p + 1) / 2;
  niw_ctx x;
  memset(&x, 0, sizeof x);
  x.p = p;
  x.X = c.X;
  x.prior = bm_niw_alloc(p);
  x.post = bm_niw_alloc(p);
  x.claimed = bm_niw_alloc(p);
  x.proposal = bm_niw_alloc(p);
  x.Sigma = gsl_matrix_alloc(p, p);
  x.L = gsl_matrix_alloc(p, p);
  x.mu = gsl_vector_alloc(p);
  assert_int_equal(bm_niw_set_prior(x.prior, c.mu0, c.k0, c.nu0, c.S0), BM_SUCCESS);
  assert_int_equal(bm_niw_set_prior(x.post, c.mu0, c.k0, c.nu0, c.S0), BM_SUCCESS);
  assert_int_equal(bm_niw_update(x.post, c.X), BM_SUCCESS);
  posterior_from(x.claimed, x.post, p, 0, 1.0, 0.0);
  posterior_from(x.proposal, x.post, p, 0, 0.5, (double)p + 4.0); /* widened: fewer dof, half kappa */
  double lml;
  assert_int_equal(bm_niw_log_evidence(x.post, &lml), BM_SUCCESS);
  bm_check_model model = {dim, lprior, llik, lpost, sample_post, sample_prop, lprop, &x};
  gsl_rng *r = tu_rng(21);
  bm_proportional_result pr;
  assert_int_equal(bm_check_proportional(&model, r, 300, 1e-9, &pr), BM_SUCCESS);
  assert_true(pr.passed);
  tu_assert_rel(pr.log_const, lml, 1e-10);
  double worst;
  assert_int_equal(bm_check_evidence_identity(&model, r, 300, lml, &worst), BM_SUCCESS);
  assert_true(worst < 1e-11);
  bm_evidence_result ev;
  assert_int_equal(bm_check_evidence_is(&model, r, 20000, lml, 4.0, &ev), BM_SUCCESS);
  assert_true(ev.passed);
  assert_true(ev.se < 0.1);

  /* the typo: Psi_n replaced by W_n = Psi_n^-1 */
  posterior_from(x.claimed, x.post, p, 1, 1.0, 0.0);
  assert_int_equal(bm_check_proportional(&model, r, 300, 1e-9, &pr), BM_SUCCESS);
  assert_false(pr.passed);
  assert_true(pr.worst_abs > 1.0);
  assert_int_equal(bm_check_evidence_identity(&model, r, 300, lml, &worst), BM_SUCCESS);
  assert_true(worst > 1e-3);

  gsl_rng_free(r);
  bm_niw_free(x.prior);
  bm_niw_free(x.post);
  bm_niw_free(x.claimed);
  bm_niw_free(x.proposal);
  gsl_matrix_free(x.Sigma);
  gsl_matrix_free(x.L);
  gsl_vector_free(x.mu);
  free_case(&c);
}

/* SBC: theta* ~ prior, 10 observations, 31 posterior draws (ranks 0..31, 8 bins), 300 replications. */
static int sbc_prior(gsl_rng *r, void *vp, gsl_vector *th)
{
  niw_ctx *x = vp;
  int st = bm_niw_sample_posterior(x->prior, r, x->mu, x->Sigma);
  pack(x, th);
  return st;
}

static int sbc_condition(gsl_rng *r, const gsl_vector *th, void *vp)
{
  niw_ctx *x = vp;
  const size_t p = x->p, n = x->nsim_data;
  unpack(x, th);
  int st = bm_chol_factor(x->Sigma, x->L, NULL);
  if (st != BM_SUCCESS) return st;
  gsl_matrix *D = gsl_matrix_alloc(n, p);
  gsl_vector *z = gsl_vector_alloc(p);
  for (size_t i = 0; i < n; i++) {
    bm_rng_std_normal_vector(r, z);
    bm_chol_lower_multiply(x->L, z);
    gsl_vector_add(z, x->mu);
    gsl_matrix_set_row(D, i, z);
  }
  st = bm_niw_set_prior(x->sbc_post, x->mu0, x->k0, x->nu0, x->Psi0);
  if (st == BM_SUCCESS) st = bm_niw_update(x->sbc_post, D);
  if (st == BM_SUCCESS && x->wrong) posterior_from(x->sbc_wrong, x->sbc_post, p, 1, 1.0, 0.0);
  gsl_matrix_free(D);
  gsl_vector_free(z);
  return st;
}

static int sbc_posterior(gsl_rng *r, void *vp, gsl_vector *th)
{
  niw_ctx *x = vp;
  int st = bm_niw_sample_posterior(x->wrong ? x->sbc_wrong : x->sbc_post, r, x->mu, x->Sigma);
  pack(x, th);
  return st;
}

static void sbc_passes_right_and_catches_typo(void **state)
{
  (void)state;
  const size_t p = 2, dim = p + p * (p + 1) / 2, nsim = 300, L = 31;
  niw_ctx x;
  memset(&x, 0, sizeof x);
  x.p = p;
  x.nsim_data = 10;
  x.prior = bm_niw_alloc(p);
  x.sbc_post = bm_niw_alloc(p);
  x.sbc_wrong = bm_niw_alloc(p);
  x.Sigma = gsl_matrix_alloc(p, p);
  x.L = gsl_matrix_alloc(p, p);
  x.mu = gsl_vector_alloc(p);
  x.mu0 = gsl_vector_alloc(p);
  x.Psi0 = gsl_matrix_alloc(p, p);
  gsl_vector_set(x.mu0, 0, 1.0);
  gsl_vector_set(x.mu0, 1, -0.5);
  gsl_matrix_set_identity(x.Psi0);
  gsl_matrix_set(x.Psi0, 0, 1, 0.3);
  gsl_matrix_set(x.Psi0, 1, 0, 0.3);
  gsl_matrix_scale(x.Psi0, 2.0);
  x.k0 = 1.5;
  x.nu0 = 5.0;
  assert_int_equal(bm_niw_set_prior(x.prior, x.mu0, x.k0, x.nu0, x.Psi0), BM_SUCCESS);
  bm_sbc_problem prob = {dim, dim, sbc_prior, sbc_condition, sbc_posterior, NULL, &x};
  gsl_rng *r = tu_rng(99);
  gsl_matrix *ranks = gsl_matrix_alloc(nsim, dim);
  gsl_vector *pv = gsl_vector_alloc(dim);
  bm_sbc_result res;
  assert_int_equal(bm_check_sbc(&prob, r, nsim, L, 8, ranks, pv, &res), BM_SUCCESS);
  assert_true(res.p_bonferroni > 0.001);
  for (size_t i = 0; i < nsim; i++)
    for (size_t j = 0; j < dim; j++) {
      double v = gsl_matrix_get(ranks, i, j);
      assert_true(v >= 0 && v <= (double)L && v == floor(v));
    }
  x.wrong = 1;
  assert_int_equal(bm_check_sbc(&prob, r, nsim, L, 8, ranks, pv, &res), BM_SUCCESS);
  assert_true(res.p_bonferroni < 1e-6);
  gsl_rng_free(r);
  gsl_matrix_free(ranks);
  gsl_vector_free(pv);
  bm_niw_free(x.prior);
  bm_niw_free(x.sbc_post);
  bm_niw_free(x.sbc_wrong);
  gsl_matrix_free(x.Sigma);
  gsl_matrix_free(x.L);
  gsl_vector_free(x.mu);
  gsl_vector_free(x.mu0);
  gsl_matrix_free(x.Psi0);
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  const size_t p = 2;
  assert_null(bm_niw_alloc(0));
  assert_null(bm_niw_stats_alloc(0));
  bm_niw_free(NULL);
  bm_niw_stats_free(NULL);
  bm_niw *m = bm_niw_alloc(p);
  gsl_vector *mu0 = gsl_vector_calloc(p), *bad = gsl_vector_calloc(p + 1), *mu = gsl_vector_alloc(p);
  gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_calloc(3, p), *B3 = gsl_matrix_calloc(3, 3);
  gsl_matrix_set_identity(Psi);
  double lml, lp, kn, nun, df;
  gsl_rng *r = tu_rng(1);
  /* no prior */
  assert_int_equal(bm_niw_update(m, X), BM_EINVAL);
  assert_int_equal(bm_niw_log_evidence(m, &lml), BM_EINVAL);
  assert_true(isnan(lml));
  assert_int_equal(bm_niw_posterior(m, mu, &kn, &nun, Psi), BM_EINVAL);
  assert_true(isnan(kn) && isnan(gsl_vector_get(mu, 0)) && isnan(gsl_matrix_get(Psi, 0, 0)));
  assert_int_equal(bm_niw_sample_posterior(m, r, mu, NULL), BM_EINVAL);
  gsl_matrix_set_identity(Psi);
  /* set_prior */
  assert_int_equal(bm_niw_set_prior(NULL, mu0, 1, 3, Psi), BM_EINVAL);
  assert_int_equal(bm_niw_set_prior(m, NULL, 1, 3, Psi), BM_EINVAL);
  assert_int_equal(bm_niw_set_prior(m, mu0, 1, 3, NULL), BM_EINVAL);
  assert_int_equal(bm_niw_set_prior(m, bad, 1, 3, Psi), BM_EBADLEN);
  assert_int_equal(bm_niw_set_prior(m, mu0, 1, 3, B3), BM_EBADLEN);
  assert_int_equal(bm_niw_set_prior(m, mu0, 0.0, 3, Psi), BM_EDOM);
  assert_int_equal(bm_niw_set_prior(m, mu0, -1.0, 3, Psi), BM_EDOM);
  assert_int_equal(bm_niw_set_prior(m, mu0, 1, 1.0, Psi), BM_EDOM); /* nu0 <= p - 1 */
  assert_int_equal(bm_niw_set_prior(m, mu0, 1, INFINITY, Psi), BM_ENONFINITE);
  assert_int_equal(bm_niw_set_prior(m, mu0, NAN, 3, Psi), BM_ENONFINITE);
  gsl_matrix_set(Psi, 0, 1, 0.5);
  assert_int_equal(bm_niw_set_prior(m, mu0, 1, 3, Psi), BM_ENOTSYM);
  gsl_matrix_set(Psi, 1, 0, 0.5);
  gsl_matrix_set(Psi, 1, 1, 0.1);
  assert_int_equal(bm_niw_set_prior(m, mu0, 1, 3, Psi), BM_ENOTSPD);
  assert_int_equal(bm_niw_set_prior_nw(m, mu0, 1, 3, Psi), BM_ENOTSPD);
  gsl_matrix_set(Psi, 1, 1, NAN);
  assert_int_equal(bm_niw_set_prior(m, mu0, 1, 3, Psi), BM_ENONFINITE);
  gsl_matrix_set_identity(Psi);
  /* previous prior kept */
  assert_int_equal(bm_niw_set_prior(m, mu0, 2.0, 3.0, Psi), BM_SUCCESS);
  assert_int_equal(bm_niw_set_prior(m, mu0, 5.0, 0.5, Psi), BM_EDOM);
  assert_int_equal(bm_niw_posterior(m, NULL, &kn, &nun, NULL), BM_SUCCESS);
  assert_true(kn == 2.0 && nun == 3.0);
  /* update */
  assert_int_equal(bm_niw_update(NULL, X), BM_EINVAL);
  assert_int_equal(bm_niw_update(m, NULL), BM_EINVAL);
  assert_int_equal(bm_niw_update(m, B3), BM_EBADLEN);
  gsl_matrix_set(X, 1, 1, NAN);
  assert_int_equal(bm_niw_update(m, X), BM_ENONFINITE);
  gsl_matrix_set(X, 1, 1, INFINITY);
  assert_int_equal(bm_niw_update(m, X), BM_ENONFINITE);
  assert_int_equal(bm_niw_log_evidence(m, &lml), BM_SUCCESS);
  assert_true(lml == 0.0 || fabs(lml) < 1e-14);
  /* stats */
  bm_niw_stats *s = bm_niw_stats_alloc(p), *s3 = bm_niw_stats_alloc(3);
  assert_int_equal(bm_niw_stats_compute(NULL, X), BM_EINVAL);
  assert_int_equal(bm_niw_stats_compute(s, B3), BM_EBADLEN);
  assert_int_equal(bm_niw_stats_merge(s, s3), BM_EBADLEN);
  assert_int_equal(bm_niw_stats_merge(NULL, s), BM_EINVAL);
  assert_int_equal(bm_niw_update_stats(m, s3), BM_EBADLEN);
  assert_int_equal(bm_niw_stats_get(s, NULL, bad, NULL), BM_EBADLEN);
  assert_int_equal(bm_niw_stats_get(NULL, NULL, NULL, NULL), BM_EINVAL);
  /* queries */
  assert_int_equal(bm_niw_posterior(m, bad, &kn, &nun, NULL), BM_EBADLEN);
  assert_int_equal(bm_niw_posterior(m, NULL, NULL, NULL, B3), BM_EBADLEN);
  assert_int_equal(bm_niw_predictive_params(m, &df, bad, NULL), BM_EBADLEN);
  assert_true(isnan(df));
  assert_int_equal(bm_niw_predictive_params(NULL, &df, mu, NULL), BM_EINVAL);
  assert_true(isnan(gsl_vector_get(mu, 0)));
  assert_int_equal(bm_niw_log_posterior(m, mu0, B3, &lp), BM_EBADLEN);
  assert_true(isnan(lp));
  assert_int_equal(bm_niw_log_posterior(m, bad, Psi, &lp), BM_EBADLEN);
  assert_int_equal(bm_niw_log_posterior(m, mu0, Psi, NULL), BM_EINVAL);
  gsl_matrix_set(Psi, 0, 1, 0.9);
  assert_int_equal(bm_niw_log_posterior(m, mu0, Psi, &lp), BM_ENOTSYM);
  assert_true(isnan(lp));
  gsl_matrix_set(Psi, 1, 0, 2.0);
  gsl_matrix_set(Psi, 0, 1, 2.0);
  assert_int_equal(bm_niw_log_posterior(m, mu0, Psi, &lp), BM_EDOM); /* indefinite Sigma: outside the support */
  assert_true(isinf(lp) && lp < 0);
  assert_int_equal(bm_niw_log_posterior_nw(m, mu0, Psi, &lp), BM_EDOM);
  assert_true(isinf(lp) && lp < 0);
  gsl_matrix_set(Psi, 0, 0, NAN);
  assert_int_equal(bm_niw_log_posterior(m, mu0, Psi, &lp), BM_ENONFINITE);
  gsl_matrix_set_identity(Psi);
  gsl_vector_set(mu, 0, NAN);
  assert_int_equal(bm_niw_log_posterior(m, mu, Psi, &lp), BM_ENONFINITE);
  assert_int_equal(bm_niw_sample_posterior(m, NULL, mu, Psi), BM_EINVAL);
  assert_int_equal(bm_niw_sample_posterior(m, r, bad, Psi), BM_EBADLEN);
  assert_int_equal(bm_niw_sample_posterior(m, r, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_niw_log_evidence(NULL, &lml), BM_EINVAL);
  assert_int_equal(bm_niw_log_evidence(m, NULL), BM_EINVAL);
  gsl_rng_free(r);
  bm_niw_stats_free(s);
  bm_niw_stats_free(s3);
  free_vectors(mu0, bad, mu);
  free_matrices(Psi, X, B3);
  bm_niw_free(m);
}

/* Packed statistics: the layout of niw.h (n, mean, upper triangle of R), an
 * unpacked copy that packs to the identical bytes and gives the posterior and evidence of
 * the original bit for bit, and of bm_niw_update on the raw data to 1e-12; bad buffers
 * rejected with the summary left unchanged. */
CJ_PACKER(niw, bm_niw_stats_pack, bm_niw_stats_unpack)

static void packed_stats_round_trip(void **state)
{
  (void)state;
  niw_case c;
  load_case("niw", &c);
  const size_t p = c.p, len = 6 + 1 + p + p * (p + 1) / 2;
  bm_niw_stats *s = bm_niw_stats_alloc(p), *u = bm_niw_stats_alloc(p);
  assert_int_equal(bm_niw_stats_dim(s), p);
  assert_int_equal(bm_niw_stats_dim(NULL), 0);
  assert_int_equal(bm_niw_stats_packed_len(s), len);
  assert_int_equal(bm_niw_stats_packed_len(NULL), 0);
  assert_int_equal(bm_niw_stats_compute(s, c.X), BM_SUCCESS);
  double *buf = malloc(len * sizeof *buf), *buf2 = malloc(len * sizeof *buf2), *keep = malloc(len * sizeof *keep);
  cj_pack_round_trip(&niw_packer, s, u, buf, buf2, len, c.n);
  gsl_vector *mean = gsl_vector_alloc(p);
  assert_int_equal(bm_niw_stats_get(s, NULL, mean, NULL), BM_SUCCESS);
  for (size_t j = 0; j < p; j++) assert_true(buf[7 + j] == gsl_vector_get(mean, j));
  bm_niw *one = bm_niw_alloc(p), *a = bm_niw_alloc(p), *b = bm_niw_alloc(p);
  bm_niw *ms[3] = {one, a, b};
  for (int i = 0; i < 3; i++) assert_int_equal(bm_niw_set_prior(ms[i], c.mu0, c.k0, c.nu0, c.S0), BM_SUCCESS);
  assert_int_equal(bm_niw_update(one, c.X), BM_SUCCESS);
  assert_int_equal(bm_niw_update_stats(a, s), BM_SUCCESS);
  assert_int_equal(bm_niw_update_stats(b, u), BM_SUCCESS);
  double l[3];
  gsl_matrix *P[3];
  for (int i = 0; i < 3; i++) {
    P[i] = gsl_matrix_alloc(p, p);
    assert_int_equal(bm_niw_log_evidence(ms[i], &l[i]), BM_SUCCESS);
    assert_int_equal(bm_niw_posterior(ms[i], NULL, NULL, NULL, P[i]), BM_SUCCESS);
  }
  assert_true(l[2] == l[1]);
  tu_assert_matrix_close(P[2], P[1], 0.0, 0.0);
  tu_assert_rel(l[1], l[0], 1e-12);
  tu_assert_matrix_close(P[1], P[0], 1e-12, 0.0);
  /* bad buffers and arguments: statuses, u unchanged */
  cj_pack_refusals(&niw_packer, u, buf, keep, len, (const double[]){-1.0, 2.5, 0.0 /* with a nonzero mean */}, len - 1,
                   NAN);
  buf[6] = 1.0; /* one row with a nonzero scatter factor */
  assert_int_equal(bm_niw_stats_unpack(u, buf, len), BM_EINVAL);
  buf[6] = keep[6];
  buf[7 + p] = -fabs(buf[7 + p]) - 1.0; /* a factor's diagonal is non-negative */
  assert_int_equal(bm_niw_stats_unpack(u, buf, len), BM_EINVAL);
  buf[7 + p] = keep[7 + p];
  bm_niw_stats *big = bm_niw_stats_alloc(p + 1); /* packed at p + 1, offered to p */
  cj_pack_refuses_shape(&niw_packer, u, big, bm_niw_stats_packed_len(big));
  bm_niw_stats_free(big);
  cj_pack_unchanged(&niw_packer, u, keep, buf2, len);
  /* the empty summary packs to zeros and unpacks */
  gsl_matrix E = empty_rows(p);
  assert_int_equal(bm_niw_stats_compute(u, &E), BM_SUCCESS);
  cj_pack_empty(&niw_packer, u, s, buf, len);
  size_t cnt = 1;
  assert_int_equal(bm_niw_stats_get(s, &cnt, NULL, NULL), BM_SUCCESS);
  assert_int_equal(cnt, 0);
  for (int i = 0; i < 3; i++) {
    gsl_matrix_free(P[i]);
    bm_niw_free(ms[i]);
  }
  gsl_vector_free(mean);
  free(buf);
  free(buf2);
  free(keep);
  bm_niw_stats_free(s);
  bm_niw_stats_free(u);
  free_case(&c);
}

/* stats_compute streams its centred rows through blocked QR (fixed scratch):
 * on 20000 rows of p = 4 at offset 1e6 (many blocks) the scatter R^T R equals a
 * long double two-pass scatter to 1e-12 relative, and the mean is within 1 ulp
 * of the long double mean. */
static void stats_compute_streams_many_rows(void **state)
{
  (void)state;
  const size_t n = 20000, p = 4;
  gsl_rng *r = tu_rng(4242);
  gsl_matrix *X = gsl_matrix_alloc(n, p), *S = gsl_matrix_alloc(p, p);
  gsl_vector *m = gsl_vector_alloc(p);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, 1e6 + (double)j + gsl_ran_gaussian(r, 1.0 + (double)j));
  bm_niw_stats *s = bm_niw_stats_alloc(p);
  assert_int_equal(bm_niw_stats_compute(s, X), BM_SUCCESS);
  size_t cnt = 0;
  assert_int_equal(bm_niw_stats_get(s, &cnt, m, S), BM_SUCCESS);
  assert_int_equal(cnt, n);
  long double mr[4], Sr[4][4];
  for (size_t j = 0; j < p; j++) {
    long double a = 0.0L, c = 0.0L;
    for (size_t i = 0; i < n; i++) a += gsl_matrix_get(X, i, j);
    a /= (long double)n;
    for (size_t i = 0; i < n; i++) c += (long double)gsl_matrix_get(X, i, j) - a;
    mr[j] = a + c / (long double)n;
  }
  for (size_t a = 0; a < p; a++)
    for (size_t b = 0; b < p; b++) {
      long double acc = 0.0L;
      for (size_t i = 0; i < n; i++) acc += ((long double)gsl_matrix_get(X, i, a) - mr[a]) * ((long double)gsl_matrix_get(X, i, b) - mr[b]);
      Sr[a][b] = acc;
    }
  for (size_t a = 0; a < p; a++) {
    double ref = (double)mr[a];
    assert_true(fabs(gsl_vector_get(m, a) - ref) <= nextafter(ref, INFINITY) - ref);
    for (size_t b = 0; b < p; b++)
      assert_true(fabsl((long double)gsl_matrix_get(S, a, b) - Sr[a][b]) <= 1e-12L * sqrtl(Sr[a][a] * Sr[b][b]));
  }
  bm_niw_stats_free(s);
  gsl_matrix_free(X);
  gsl_matrix_free(S);
  gsl_vector_free(m);
  gsl_rng_free(r);
}

/* ---- numerical edges (tests/data/gen_conjugate_edges.py) ---- */

/* kappa0 = 1e308, mu0 = (4, -8): kappa0 mu0 and kappa0 n overflow though mu_n, Psi_n and the
 * evidence are representable (the update used to return BM_EDOM). */
static void huge_kappa0_update_matches_mpmath(void **state)
{
  (void)state;
  const size_t p = 2, n = 3;
  double *pr = eref("niwbig_prior", 8), *xv = eref("niwbig_X", n * p);
  gsl_vector_view mu0 = gsl_vector_view_array(pr, p);
  gsl_matrix_view Psi0 = gsl_matrix_view_array(pr + 4, p, p), X = gsl_matrix_view_array(xv, n, p);
  bm_niw *m = bm_niw_alloc(p);
  assert_int_equal(bm_niw_set_prior(m, &mu0.vector, pr[2], pr[3], &Psi0.matrix), BM_SUCCESS);
  assert_int_equal(bm_niw_update(m, &X.matrix), BM_SUCCESS);
  gsl_vector *mun = gsl_vector_alloc(p);
  gsl_matrix *Psin = gsl_matrix_alloc(p, p);
  double kn, nun, lml;
  assert_int_equal(bm_niw_posterior(m, mun, &kn, &nun, Psin), BM_SUCCESS);
  double *ref = eref("niwbig_mun", p);
  for (size_t j = 0; j < p; j++) tu_assert_rel(gsl_vector_get(mun, j), ref[j], 1e-15);
  free(ref);
  ref = eref("niwbig_Psin", p * p);
  for (size_t i = 0; i < p * p; i++) tu_assert_rel(Psin->data[i], ref[i], 1e-13);
  free(ref);
  assert_int_equal(bm_niw_log_evidence(m, &lml), BM_SUCCESS);
  tu_assert_rel(lml, eref1("niwbig_lml"), 1e-13);
  free(pr);
  free(xv);
  gsl_vector_free(mun);
  gsl_matrix_free(Psin);
  bm_niw_free(m);
}

/* nu_n = p - 1 + 1e-3: most draws of Sigma are beyond DBL_MAX (the last
 * Bartlett chi-square has 1e-3 degrees of freedom). Each draw is either all
 * finite with BM_SUCCESS or NaN with BM_EDOM — it used to be +-inf with
 * BM_SUCCESS for 725 of 1000. Far from the boundary nothing overflows. */
static void sampler_near_boundary_reports_overflow(void **state)
{
  (void)state;
  const size_t p = 3;
  gsl_vector *mu0 = gsl_vector_calloc(p), *mu = gsl_vector_alloc(p);
  gsl_matrix *Psi0 = gsl_matrix_alloc(p, p), *S = gsl_matrix_alloc(p, p);
  gsl_matrix_set_identity(Psi0);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 19);
  const double dnu[2] = {1e-3, 2.0};
  for (int c = 0; c < 2; c++) {
    bm_niw *m = bm_niw_alloc(p);
    assert_int_equal(bm_niw_set_prior(m, mu0, 1.0, (double)p - 1.0 + dnu[c], Psi0), BM_SUCCESS);
    int over = 0;
    for (int t = 0; t < 1000; t++) {
      int st = bm_niw_sample_posterior(m, r, mu, S);
      int fin = 1;
      for (size_t i = 0; i < p; i++) {
        fin = fin && isfinite(gsl_vector_get(mu, i));
        for (size_t j = 0; j < p; j++) fin = fin && isfinite(gsl_matrix_get(S, i, j));
      }
      if (st == BM_SUCCESS) {
        assert_true(fin);
      } else {
        assert_int_equal(st, BM_EDOM);
        assert_true(isnan(gsl_vector_get(mu, 0)) && isnan(gsl_matrix_get(S, 0, 0)));
        over++;
      }
    }
    printf("  nu_n - p + 1 = %g: %d of 1000 draws overflow (BM_EDOM)\n", dnu[c], over);
    if (c == 0) assert_true(over > 300);
    else assert_int_equal(over, 0);
    bm_niw_free(m);
  }
  gsl_rng_free(r);
  gsl_vector_free(mu0);
  gsl_vector_free(mu);
  gsl_matrix_free(Psi0);
  gsl_matrix_free(S);
}

/* A predictive whose scale overflows (p = 1, nu0 = 1e-300: df = 1e-300)
 * is BM_EDOM from both predictive functions (the object call used to pass
 * mvt's undocumented BM_ENONFINITE through; the params call gave +inf). */
static void predictive_beyond_range_is_edom(void **state)
{
  (void)state;
  gsl_vector *mu0 = gsl_vector_calloc(1), *loc = gsl_vector_alloc(1);
  gsl_matrix *Psi0 = gsl_matrix_alloc(1, 1), *sc = gsl_matrix_alloc(1, 1);
  gsl_matrix_set(Psi0, 0, 0, 1e10);
  bm_niw *m = bm_niw_alloc(1);
  assert_int_equal(bm_niw_set_prior(m, mu0, 1.0, 1e-300, Psi0), BM_SUCCESS);
  double df;
  assert_int_equal(bm_niw_predictive_params(m, &df, loc, sc), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(sc, 0, 0)));
  bm_mvt *pred = bm_mvt_alloc(1);
  assert_int_equal(bm_niw_predictive(m, pred), BM_EDOM);
  /* a representable one still works: nu0 = 0.5 gives df = 0.5, scale = 2 Psi0 / 0.5 */
  assert_int_equal(bm_niw_set_prior(m, mu0, 1.0, 0.5, Psi0), BM_SUCCESS);
  assert_int_equal(bm_niw_predictive_params(m, &df, loc, sc), BM_SUCCESS);
  tu_assert_rel(gsl_matrix_get(sc, 0, 0), 4e10, 1e-15);
  assert_int_equal(bm_niw_predictive(m, pred), BM_SUCCESS);
  bm_mvt_free(pred);
  bm_niw_free(m);
  gsl_vector_free(mu0);
  gsl_vector_free(loc);
  gsl_matrix_free(Psi0);
  gsl_matrix_free(sc);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      {"posterior_matches_reference", matches_reference, NULL, NULL, plain_refs},
      {"offset_data_matches_reference", matches_reference, NULL, NULL, offset_refs},
      {"ill_conditioned_prior_matches_reference", matches_reference, NULL, NULL, ill_refs},
      cmocka_unit_test(precision_view_is_a_change_of_variables),
      cmocka_unit_test_prestate(chunked_equals_single, chunked_refs),
      cmocka_unit_test(no_data_is_prior),
      cmocka_unit_test(predictive_and_sampler_match_monte_carlo),
      cmocka_unit_test(predictive_object),
      cmocka_unit_test(checkers_pass_right_and_catch_typo),
      cmocka_unit_test(sbc_passes_right_and_catches_typo),
      cmocka_unit_test(bad_inputs_return_status),
      cmocka_unit_test(packed_stats_round_trip),
      cmocka_unit_test(stats_compute_streams_many_rows),
      cmocka_unit_test(huge_kappa0_update_matches_mpmath),
      cmocka_unit_test(sampler_near_boundary_reports_overflow),
      cmocka_unit_test(predictive_beyond_range_is_edom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
