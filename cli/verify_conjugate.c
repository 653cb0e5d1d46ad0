/* bayesmat verify: the conjugate models (niw, blr, mniw) and the checkers.
 * Every closed-form evidence is compared with the chain rule of its one-step
 * predictives (log p(x_1..n) = sum_i log p(x_i | x_<i)), a different formula;
 * chunked updates with one update; posteriors with prior x likelihood
 * (bm_check_proportional); and the NIW posterior sampler with SBC.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_blas.h>
#include "bayesmat.h"
#include "verify.h"

static double rel(double a, double b) { return fabs(a - b) / fmax(1.0, fabs(b)); }

static double log_mvt(const gsl_vector *x, double df, const gsl_vector *loc, const gsl_matrix *scale)
{
  const size_t p = x->size;
  gsl_matrix *L = gsl_matrix_alloc(p, p);
  gsl_vector *d = gsl_vector_alloc(p);
  double r = NAN;
  if (bm_chol_factor(scale, L, NULL) == BM_SUCCESS) {
    gsl_vector_memcpy(d, x);
    gsl_vector_sub(d, loc);
    double q = bm_chol_quadform(L, d, NULL);
    r = lgamma(0.5 * (df + p)) - lgamma(0.5 * df) - 0.5 * p * log(df * M_PI) - 0.5 * bm_chol_logdet(L) -
        0.5 * (df + p) * log1p(q / df);
  }
  gsl_matrix_free(L);
  gsl_vector_free(d);
  return r;
}

static void random_matrix(gsl_rng *r, gsl_matrix *A, double s)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) gsl_matrix_set(A, i, j, s * gsl_ran_gaussian(r, 1.0));
}

/* ---- NIW ---------------------------------------------------------------------- */

/* θ = (mu, vech Sigma) */
static void theta_unpack(const gsl_vector *th, gsl_vector *mu, gsl_matrix *S)
{
  size_t at = mu->size;
  gsl_vector_const_view m = gsl_vector_const_subvector(th, 0, mu->size);
  gsl_vector_memcpy(mu, &m.vector);
  verify_theta_get(th, &at, S, 1);
}

/* a draw (mu, Sigma) of the NIW d, also as θ */
static int niw_draw(const bm_niw *d, gsl_rng *r, gsl_vector *mu, gsl_matrix *S, gsl_vector *th)
{
  int st = bm_niw_sample_posterior(d, r, mu, S);
  size_t at = mu->size;
  gsl_vector_view m = gsl_vector_subvector(th, 0, mu->size);
  gsl_vector_memcpy(&m.vector, mu);
  verify_theta_put(th, &at, S, 1);
  return st;
}

/* the model of bm_check_proportional: the NIW prior and posterior, and the
 * Gaussian likelihood of X through the mvn family */
typedef struct {
  const gsl_matrix *X;
  bm_niw *prior, *post;
  bm_mvn *lik;
  gsl_vector *mu;
  gsl_matrix *S;
} niw_cb;

static int niw_density(const bm_niw *d, const gsl_vector *th, niw_cb *x, double *f)
{
  theta_unpack(th, x->mu, x->S);
  return bm_niw_log_posterior(d, x->mu, x->S, f);
}
static int niw_lprior(const gsl_vector *th, void *vp, double *f) { return niw_density(((niw_cb *)vp)->prior, th, vp, f); }
static int niw_lpost(const gsl_vector *th, void *vp, double *f) { return niw_density(((niw_cb *)vp)->post, th, vp, f); }

static int niw_llik(const gsl_vector *th, void *vp, double *f)
{
  niw_cb *x = vp;
  theta_unpack(th, x->mu, x->S);
  int st = bm_mvn_set(x->lik, x->mu, x->S);
  return st ? st : bm_mvn_loglik(x->lik, x->X, f, NULL);
}

static int niw_sample(gsl_rng *r, void *vp, gsl_vector *th)
{
  niw_cb *x = vp;
  return niw_draw(x->post, r, x->mu, x->S, th);
}

static void verify_niw(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  const size_t p = 3, n = 8;
  gsl_matrix *X = gsl_matrix_alloc(n, p), *Psi0 = gsl_matrix_alloc(p, p), *P = gsl_matrix_alloc(p, p);
  gsl_vector *mu0 = gsl_vector_alloc(p), *loc = gsl_vector_alloc(p);
  random_matrix(r, X, 1.5);
  verify_random_spd(r, 1.0, Psi0);
  for (size_t j = 0; j < p; j++) gsl_vector_set(mu0, j, gsl_ran_gaussian(r, 1.0));
  const double k0 = 0.5 + gsl_rng_uniform(r), nu0 = (double)p - 1.0 + 0.5 + 3.0 * gsl_rng_uniform(r);
  bm_niw *one = bm_niw_alloc(p), *seq = bm_niw_alloc(p), *prior = bm_niw_alloc(p);
  bm_niw_set_prior(one, mu0, k0, nu0, Psi0);
  bm_niw_set_prior(seq, mu0, k0, nu0, Psi0);
  bm_niw_set_prior(prior, mu0, k0, nu0, Psi0);
  bm_niw_update(one, X);
  double chain = 0.0, df, lml = NAN, lml_seq = NAN;
  for (size_t i = 0; i < n; i++) {
    gsl_matrix_const_view xi = gsl_matrix_const_submatrix(X, i, 0, 1, p);
    gsl_vector_const_view xr = gsl_matrix_const_row(X, i);
    bm_niw_predictive_params(seq, &df, loc, P);
    chain += log_mvt(&xr.vector, df, loc, P);
    bm_niw_update(seq, &xi.matrix);
  }
  bm_niw_log_evidence(one, &lml);
  bm_niw_log_evidence(seq, &lml_seq);
  verify_row(c, "niw", "evidence = chain of t predictives", rel(lml, chain), 1e-10);
  verify_row(c, "niw", "one-row updates = one update", rel(lml_seq, lml), 1e-11);
  {
    /* the same chain with the predictive as an mvt object */
    bm_niw *s2 = bm_niw_alloc(p);
    bm_mvt *pred = bm_mvt_alloc(p);
    double ch = 0.0, lp = NAN;
    bm_niw_set_prior(s2, mu0, k0, nu0, Psi0);
    for (size_t i = 0; i < n; i++) {
      gsl_matrix_const_view xi = gsl_matrix_const_submatrix(X, i, 0, 1, p);
      gsl_vector_const_view xr = gsl_matrix_const_row(X, i);
      if (bm_niw_predictive(s2, pred) != BM_SUCCESS || bm_mvt_logpdf(pred, &xr.vector, &lp) != BM_SUCCESS) lp = NAN;
      ch += lp;
      bm_niw_update(s2, &xi.matrix);
    }
    verify_row(c, "niw", "evidence = chain of mvt predictive objects", rel(ch, lml), 1e-10);
    bm_mvt_free(pred);
    bm_niw_free(s2);
  }

  niw_cb cb = {X, prior, one, bm_mvn_alloc(p), gsl_vector_alloc(p), gsl_matrix_alloc(p, p)};
  bm_check_model model = {p + p * (p + 1) / 2, niw_lprior, niw_llik, niw_lpost, niw_sample, NULL, NULL, &cb};
  bm_proportional_result pr;
  int st = bm_check_proportional(&model, r, c->quick ? 50 : 300, 1e-9, &pr);
  verify_row(c, "niw", "posterior prop. to prior x likelihood", st == BM_SUCCESS ? pr.worst_rel : NAN, 1e-9);
  double worst;
  st = bm_check_evidence_identity(&model, r, c->quick ? 50 : 300, lml, &worst);
  verify_row(c, "niw", "log p(X) = prior + lik - post", st == BM_SUCCESS ? worst : NAN, 1e-11);

  /* NW density = NIW density at Sigma = Lambda^-1 with the Jacobian |Sigma|^(p+1) */
  double a = NAN, b = NAN;
  verify_random_spd(r, 1.0, P);
  gsl_matrix *Li = gsl_matrix_alloc(p, p), *Sinv = gsl_matrix_alloc(p, p);
  bm_chol_factor(P, Li, NULL);
  bm_chol_inverse(Li, Sinv);
  bm_niw_log_posterior_nw(one, mu0, P, &a);
  bm_niw_log_posterior(one, mu0, Sinv, &b);
  verify_row(c, "niw", "NW density = NIW density x Jacobian", rel(a, b - (double)(p + 1) * bm_chol_logdet(Li)), 1e-11);
  gsl_matrix_free(Li);
  gsl_matrix_free(Sinv);

  bm_mvn_free(cb.lik);
  gsl_vector_free(cb.mu);
  gsl_matrix_free(cb.S);
  bm_niw_free(one);
  bm_niw_free(seq);
  bm_niw_free(prior);
  gsl_matrix_free(X);
  gsl_matrix_free(Psi0);
  gsl_matrix_free(P);
  gsl_vector_free(mu0);
  gsl_vector_free(loc);
}

/* ---- SBC on NIW (p = 2, 8 observations) ------------------------------------------ */

typedef struct {
  bm_niw *prior, *post;
  bm_mvn *data; /* the data's law given θ */
  gsl_vector *mu, *mu0;
  gsl_matrix *S, *Psi0, *D;
  double k0, nu0;
} sbc_cb;

static int sbc_prior_draw(gsl_rng *r, void *vp, gsl_vector *th)
{
  sbc_cb *x = vp;
  return niw_draw(x->prior, r, x->mu, x->S, th);
}

static int sbc_condition(gsl_rng *r, const gsl_vector *th, void *vp)
{
  sbc_cb *x = vp;
  theta_unpack(th, x->mu, x->S);
  int st = bm_mvn_set(x->data, x->mu, x->S);
  for (size_t i = 0; i < x->D->size1 && st == BM_SUCCESS; i++) {
    gsl_vector_view row = gsl_matrix_row(x->D, i);
    st = bm_mvn_sample(x->data, r, &row.vector);
  }
  if (st == BM_SUCCESS) st = bm_niw_set_prior(x->post, x->mu0, x->k0, x->nu0, x->Psi0);
  return st == BM_SUCCESS ? bm_niw_update(x->post, x->D) : st;
}

static int sbc_post_draw(gsl_rng *r, void *vp, gsl_vector *th)
{
  sbc_cb *x = vp;
  return niw_draw(x->post, r, x->mu, x->S, th);
}

static void verify_sbc(verify_ctx *c)
{
  sbc_cb x;
  x.prior = bm_niw_alloc(2);
  x.post = bm_niw_alloc(2);
  x.mu = gsl_vector_alloc(2);
  x.mu0 = gsl_vector_calloc(2);
  x.S = gsl_matrix_alloc(2, 2);
  x.data = bm_mvn_alloc(2);
  x.Psi0 = gsl_matrix_alloc(2, 2);
  x.D = gsl_matrix_alloc(8, 2);
  gsl_matrix_set_identity(x.Psi0);
  x.k0 = 1.0;
  x.nu0 = 4.0;
  bm_niw_set_prior(x.prior, x.mu0, x.k0, x.nu0, x.Psi0);
  bm_sbc_problem prob = {5, 5, sbc_prior_draw, sbc_condition, sbc_post_draw, NULL, &x};
  bm_sbc_result res;
  int st = bm_check_sbc(&prob, c->rng, c->quick ? 200 : 1000, 19, 10, NULL, NULL, &res);
  /* row passes while the Bonferroni p-value > 1e-6 */
  verify_row(c, "niw", "SBC of the posterior sampler (1e-6/p)", st == BM_SUCCESS ? 1e-6 / res.p_bonferroni : NAN, 1.0);
  bm_niw_free(x.prior);
  bm_niw_free(x.post);
  gsl_vector_free(x.mu);
  gsl_vector_free(x.mu0);
  gsl_matrix_free(x.S);
  bm_mvn_free(x.data);
  gsl_matrix_free(x.Psi0);
  gsl_matrix_free(x.D);
}

/* ---- BLR ----------------------------------------------------------------------- */

static void verify_blr(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  const size_t k = 3, n = 10;
  gsl_matrix *X = gsl_matrix_alloc(n, k), *V0 = gsl_matrix_alloc(k, k);
  gsl_vector *y = gsl_vector_alloc(n), *w = gsl_vector_alloc(n), *m0 = gsl_vector_alloc(k);
  random_matrix(r, X, 1.0);
  verify_random_spd(r, 1.0, V0);
  for (size_t i = 0; i < n; i++) {
    gsl_vector_set(y, i, gsl_ran_gaussian(r, 2.0));
    gsl_vector_set(w, i, 0.5 + gsl_rng_uniform(r));
  }
  for (size_t j = 0; j < k; j++) gsl_vector_set(m0, j, gsl_ran_gaussian(r, 1.0));
  const double a0 = 1.0 + gsl_rng_uniform(r), b0 = 0.5 + gsl_rng_uniform(r), lam = 0.5 + gsl_rng_uniform(r);
  for (int kind = 0; kind < 2; kind++) {
    bm_blr *one = bm_blr_alloc(k), *seq = bm_blr_alloc(k);
    if (kind == 0) {
      bm_blr_set_prior_nig(one, m0, V0, a0, b0);
      bm_blr_set_prior_nig(seq, m0, V0, a0, b0);
    } else {
      bm_blr_set_prior_known_noise(one, m0, V0, lam);
      bm_blr_set_prior_known_noise(seq, m0, V0, lam);
    }
    bm_blr_update_weighted(one, X, y, w);
    double chain = 0.0, lml = NAN, lml_seq = NAN;
    for (size_t i = 0; i < n; i++) {
      gsl_vector_const_view xi = gsl_matrix_const_row(X, i);
      gsl_matrix_const_view Xi = gsl_matrix_const_submatrix(X, i, 0, 1, k);
      gsl_vector_const_view yi = gsl_vector_const_subvector(y, i, 1);
      gsl_vector_const_view wi = gsl_vector_const_subvector(w, i, 1);
      double df, loc, s2, wt = gsl_vector_get(w, i), yv = gsl_vector_get(y, i);
      bm_blr_predictive(seq, &xi.vector, &df, &loc, &s2);
      /* the predictive is for unit weight: a weight w scales the noise part only */
      if (kind == 0) {
        /* s2 = (b/a)(1 + x^T V x); the beta marginal's scale (b/a) V gives (b/a) x^T V x, and
         * the predictive of an observation with weight w is t(df, loc, (b/a)/w + (b/a) x^T V x) */
        double xvx, df2;
        gsl_vector *locv = gsl_vector_alloc(k);
        gsl_matrix *sc = gsl_matrix_alloc(k, k);
        bm_blr_posterior_beta_t(seq, &df2, locv, sc); /* (b/a) V */
        gsl_vector *tmp = gsl_vector_alloc(k);
        gsl_blas_dsymv(CblasLower, 1.0, sc, &xi.vector, 0.0, tmp);
        gsl_blas_ddot(&xi.vector, tmp, &xvx); /* (b/a) x^T V x */
        double ba_ratio = s2 - xvx;           /* (b/a) */
        double scale = ba_ratio / wt + xvx;
        chain += lgamma(0.5 * (df + 1)) - lgamma(0.5 * df) - 0.5 * log(df * M_PI * scale) -
                 0.5 * (df + 1) * log1p((yv - loc) * (yv - loc) / (df * scale));
        gsl_vector_free(locv);
        gsl_matrix_free(sc);
        gsl_vector_free(tmp);
      } else {
        double var = s2 - 1.0 / lam + 1.0 / (lam * wt);
        chain += -0.5 * log(2.0 * M_PI * var) - 0.5 * (yv - loc) * (yv - loc) / var;
      }
      bm_blr_update_weighted(seq, &Xi.matrix, &yi.vector, &wi.vector);
    }
    bm_blr_log_evidence(one, &lml);
    bm_blr_log_evidence(seq, &lml_seq);
    verify_row(c, "blr", kind == 0 ? "NIG evidence = chain of t predictives" : "known-noise evidence = chain of predictives",
               rel(lml, chain), 1e-10);
    verify_row(c, "blr", kind == 0 ? "NIG one-row updates = one update" : "known-noise one-row updates = one update",
               rel(lml_seq, lml), 1e-11);
    bm_blr_free(one);
    bm_blr_free(seq);
  }
  gsl_matrix_free(X);
  gsl_matrix_free(V0);
  gsl_vector_free(y);
  gsl_vector_free(w);
  gsl_vector_free(m0);
}

/* ---- MNIW ----------------------------------------------------------------------- */

static void verify_mniw(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  const size_t k = 2, d = 3, n = 9;
  gsl_matrix *X = gsl_matrix_alloc(n, k), *Y = gsl_matrix_alloc(n, d), *B0 = gsl_matrix_alloc(k, d);
  gsl_matrix *V0 = gsl_matrix_alloc(k, k), *Psi0 = gsl_matrix_alloc(d, d);
  gsl_matrix *M = gsl_matrix_alloc(1, d), *S = gsl_matrix_alloc(1, 1), *Om = gsl_matrix_alloc(d, d);
  random_matrix(r, X, 1.0);
  random_matrix(r, Y, 1.5);
  random_matrix(r, B0, 0.5);
  verify_random_spd(r, 1.0, V0);
  verify_random_spd(r, 1.0, Psi0);
  const double nu0 = (double)d - 1.0 + 0.5 + 3.0 * gsl_rng_uniform(r);
  bm_mniw *one = bm_mniw_alloc(k, d), *seq = bm_mniw_alloc(k, d);
  bm_mniw_set_prior(one, B0, V0, nu0, Psi0);
  bm_mniw_set_prior(seq, B0, V0, nu0, Psi0);
  bm_mniw_update(one, X, Y);
  double chain = 0.0, nu, lml = NAN, lml_seq = NAN;
  for (size_t i = 0; i < n; i++) {
    gsl_matrix_const_view xi = gsl_matrix_const_submatrix(X, i, 0, 1, k);
    gsl_matrix_const_view yi = gsl_matrix_const_submatrix(Y, i, 0, 1, d);
    bm_mniw_predictive_params(seq, &xi.matrix, &nu, M, S, Om);
    gsl_matrix_scale(Om, gsl_matrix_get(S, 0, 0) / nu); /* T_{1,d}(nu, m, s, Om) = t_d(nu, m, s Om / nu) */
    gsl_vector_const_view mr = gsl_matrix_const_row(M, 0), yr = gsl_matrix_const_row(&yi.matrix, 0);
    chain += log_mvt(&yr.vector, nu, &mr.vector, Om);
    bm_mniw_update(seq, &xi.matrix, &yi.matrix);
  }
  bm_mniw_log_evidence(one, &lml);
  bm_mniw_log_evidence(seq, &lml_seq);
  verify_row(c, "mniw", "evidence = chain of one-row predictives", rel(lml, chain), 1e-10);
  verify_row(c, "mniw", "one-row updates = one update", rel(lml_seq, lml), 1e-11);
  {
    /* joint matt predictive of 3 new rows = product of one-row predictives with updates */
    const size_t q = 3;
    gsl_matrix *Xn = gsl_matrix_alloc(q, k), *Yn = gsl_matrix_alloc(q, d);
    random_matrix(r, Xn, 1.0);
    random_matrix(r, Yn, 1.5);
    bm_matt *joint = bm_matt_alloc(q, d), *row = bm_matt_alloc(1, d);
    double lj = NAN, ch = 0.0, l1 = NAN;
    if (bm_mniw_predictive(one, Xn, joint) != BM_SUCCESS || bm_matt_logpdf(joint, Yn, &lj) != BM_SUCCESS) lj = NAN;
    for (size_t i = 0; i < q; i++) {
      gsl_matrix_const_view xi = gsl_matrix_const_submatrix(Xn, i, 0, 1, k);
      gsl_matrix_const_view yi = gsl_matrix_const_submatrix(Yn, i, 0, 1, d);
      if (bm_mniw_predictive(one, &xi.matrix, row) != BM_SUCCESS || bm_matt_logpdf(row, &yi.matrix, &l1) != BM_SUCCESS)
        l1 = NAN;
      ch += l1;
      bm_mniw_update(one, &xi.matrix, &yi.matrix);
    }
    verify_row(c, "mniw", "joint matt predictive = chain of one-row", rel(lj, ch), 1e-10);
    bm_matt_free(joint);
    bm_matt_free(row);
    gsl_matrix_free(Xn);
    gsl_matrix_free(Yn);
  }
  bm_mniw_free(one);
  bm_mniw_free(seq);
  gsl_matrix *all[] = {X, Y, B0, V0, Psi0, M, S, Om};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) gsl_matrix_free(all[i]);
}

void verify_conjugate(verify_ctx *c)
{
  verify_niw(c);
  verify_blr(c);
  verify_mniw(c);
  verify_sbc(c);
}
