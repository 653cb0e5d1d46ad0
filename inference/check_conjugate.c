/* The conjugate models verified in one call (bayesmat/check_conjugate.h).
 *
 * Each model gets a context that packs its parameters into theta and supplies
 * the callbacks of bm_check_model / bm_sbc_problem; one driver then runs the
 * checkers of check.c and fills the report. Every density used is the library's
 * own (bm_*_log_posterior of a model object holding the prior, the posterior,
 * the claim or the proposal as its prior), so nothing is re-derived here except
 * the likelihood, which is the point of the check.
 *
 * The importance proposal and the points of the proportionality and identity
 * checks come from the model's own posterior, widened: the inverse-Wishart
 * (or inverse-gamma) degrees of freedom halved towards their lower limit with
 * the scale matched, the conditional Gaussian's covariance doubled. Then
 * prior x likelihood / proposal has finite variance (the proposal's tails are
 * heavier in every direction), and a claimed posterior is compared where the
 * true one has its mass.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/random.h"
#include "bayesmat/mvn.h"
#include "bayesmat/check.h"
#include "bayesmat/check_conjugate.h"
#include "report_json.h"
#include "../src/error.h"

/* ---------- the driver ---------- */

/* The models of one check and the model-specific operations. Every model's
 * context starts with this, so one set of check callbacks serves all three:
 * dens[] are what lp evaluates (prior, claimed posterior, proposal) and
 * draws[] what draw samples from (prior, proposal, the SBC work model). */
enum { CC_PRIOR, CC_CLAIM, CC_PROP };
enum { CC_DRAW_PRIOR, CC_DRAW_PROP, CC_DRAW_WORK };
typedef struct {
  const void *dens[3], *draws[3];
  int (*lp)(const void *model, void *ctx, const gsl_vector *th, double *f);
  int (*draw)(const void *model, gsl_rng *r, void *ctx, gsl_vector *th);
  int (*log_lik)(const gsl_vector *th, void *ctx, double *f);
  int (*simulate)(gsl_rng *r, const gsl_vector *th, void *ctx);
  void (*stat_name)(const void *ctx, size_t i, char *buf, size_t len);
} cc_models;

static int cc_log_prior(const gsl_vector *th, void *pp, double *f)
{
  const cc_models *m = pp;
  return m->lp(m->dens[CC_PRIOR], pp, th, f);
}
static int cc_log_post(const gsl_vector *th, void *pp, double *f)
{
  const cc_models *m = pp;
  return m->lp(m->dens[CC_CLAIM], pp, th, f);
}
static int cc_prop_logpdf(const gsl_vector *th, void *pp, double *f)
{
  const cc_models *m = pp;
  return m->lp(m->dens[CC_PROP], pp, th, f);
}
static int cc_prior_sample(gsl_rng *r, void *pp, gsl_vector *th)
{
  const cc_models *m = pp;
  return m->draw(m->draws[CC_DRAW_PRIOR], r, pp, th);
}
static int cc_prop_sample(gsl_rng *r, void *pp, gsl_vector *th)
{
  const cc_models *m = pp;
  return m->draw(m->draws[CC_DRAW_PROP], r, pp, th);
}
static int cc_work_sample(gsl_rng *r, void *pp, gsl_vector *th)
{
  const cc_models *m = pp;
  return m->draw(m->draws[CC_DRAW_WORK], r, pp, th);
}

typedef struct {
  bm_check_model cm;
  bm_sbc_problem sbc;
  int has_evidence;           /* 0: improper prior */
  double lml;                 /* the model's closed form */
  const char *sbc_skip;       /* non-NULL: SBC not run, and why */
  const char *sbc_how;        /* what SBC drew theta* from */
  void (*stat_name)(const void *ctx, size_t i, char *buf, size_t len);
  const void *ctx;
  int claimed;
  double param_worst;         /* claimed vs model parameters */
  char param_note[160];
} cc_problem;

typedef struct {
  size_t npairs, is_draws, idpts, nsim, L, nbins;
  double tol, z_tol, p_min;
  int skip_sbc, has_claim;
  double claim;
  void (*progress)(const char *, size_t, size_t, void *);
  void *pctx;
} cc_opts;

/* The options' defaults and their checks; fn: the public function checked. */
#undef BM_FN
#define BM_FN fn
static int resolve_opts(const char *fn, const bm_check_conjugate_options *o, cc_opts *r)
{
  static const bm_check_conjugate_options zero = {0};
  if (o == NULL) o = &zero;
  r->npairs = o->npairs ? o->npairs : 200;
  r->is_draws = o->is_draws ? o->is_draws : 20000;
  r->idpts = o->identity_points ? o->identity_points : 100;
  r->nsim = o->sbc_sims ? o->sbc_sims : 400;
  r->L = o->sbc_draws ? o->sbc_draws : 49;
  r->nbins = o->sbc_bins ? o->sbc_bins : 10;
  r->tol = o->tol > 0 ? o->tol : 1e-8;
  r->z_tol = o->z_tol > 0 ? o->z_tol : 4.0;
  r->p_min = o->p_min > 0 ? o->p_min : 1e-3;
  r->skip_sbc = o->skip_sbc;
  r->has_claim = o->has_claimed_log_evidence;
  r->claim = o->claimed_log_evidence;
  r->progress = o->progress;
  r->pctx = o->progress_ctx;
  if (r->is_draws < 2) return BM_FAIL(BM_EINVAL, "opts->is_draws = %zu must be at least 2", r->is_draws);
  if (r->nbins < 2 || r->nbins > BM_CHECK_SBC_MAXBINS || r->nbins > r->L + 1)
    return BM_FAIL(BM_EINVAL, "opts->sbc_bins = %zu must lie in 2..%d and not exceed sbc_draws + 1 = %zu", r->nbins,
                   BM_CHECK_SBC_MAXBINS, r->L + 1);
  if (!(r->tol < 1.0)) return BM_FAIL(BM_EINVAL, "opts->tol = %g must be below 1", r->tol);
  if (!isfinite(r->z_tol)) return BM_FAIL(BM_EINVAL, "opts->z_tol = %g is not finite", r->z_tol);
  if (!(r->p_min < 1.0)) return BM_FAIL(BM_EINVAL, "opts->p_min = %g must be below 1", r->p_min);
  if (r->has_claim && !isfinite(r->claim))
    return BM_FAIL(BM_ENONFINITE, "opts->claimed_log_evidence = %g is not finite", r->claim);
  return BM_SUCCESS;
}

/* The start every check shares: an empty report, the arguments that must be
 * given, the options. y is the response, yname its name (NULL for NIW,
 * which has none). */
static int cc_begin(const char *fn, bm_check_conjugate_report *rep, const char *model, const void *prior,
                    const gsl_matrix *X, const char *yname, const void *y, gsl_rng *r,
                    const bm_check_conjugate_options *opts, cc_opts *o)
{
  if (rep) {
    memset(rep, 0, sizeof *rep);
    snprintf(rep->model, sizeof rep->model, "%s", model);
    rep->log_evidence = NAN;
  }
  if (prior == NULL) return BM_FAIL(BM_EINVAL, "prior is NULL");
  if (X == NULL) return BM_FAIL(BM_EINVAL, "X is NULL");
  if (yname && y == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", yname);
  if (r == NULL) return BM_FAIL(BM_EINVAL, "r is NULL");
  if (rep == NULL) return BM_FAIL(BM_EINVAL, "rep is NULL");
  return resolve_opts(fn, opts, o);
}
#undef BM_FN
#define BM_FN __func__

static bm_check_conjugate_row *add_row(bm_check_conjugate_report *rep, const char *name, double value, double thr, int pass)
{
  bm_check_conjugate_row *w = &rep->rows[rep->nrows++];
  snprintf(w->name, sizeof w->name, "%s", name);
  w->value = value;
  w->threshold = thr;
  w->pass = pass;
  w->note[0] = '\0';
  if (pass == 0) rep->nfailed++;
  return w;
}

static void progress(const cc_opts *o, const char *stage, size_t *done, size_t total)
{
  if (o->progress) o->progress(stage, *done, total, o->pctx);
  (*done)++;
}

/* Pool the SBC ranks of every statistic into the report's histogram. */
static void sbc_histogram(const gsl_matrix *ranks, size_t L, size_t nbins, bm_check_conjugate_report *rep)
{
  rep->sbc_bins = nbins;
  for (size_t b = 0; b < nbins; b++) rep->sbc_counts[b] = rep->sbc_expected[b] = 0.0;
  for (size_t v = 0; v <= L; v++)
    rep->sbc_expected[v * nbins / (L + 1)] += (double)(ranks->size1 * ranks->size2) / (double)(L + 1);
  for (size_t i = 0; i < ranks->size1; i++)
    for (size_t j = 0; j < ranks->size2; j++) {
      double rk = gsl_matrix_get(ranks, i, j);
      rep->sbc_counts[(size_t)rk * nbins / (L + 1)] += 1.0;
    }
}

static int run_checks(const char *fn, const cc_problem *P, gsl_rng *r, const cc_opts *o,
                      bm_check_conjugate_report *rep)
{
  int st = BM_SUCCESS;
  const int sbc_runs = !o->skip_sbc && P->sbc_skip == NULL;
  size_t done = 0, total = 1 + (P->has_evidence ? 2 : 0) + (sbc_runs ? 1 : 0);
  rep->dim = P->cm.dim;
  rep->claimed = P->claimed;
  rep->log_evidence = !P->has_evidence ? NAN : o->has_claim ? o->claim : P->lml;

  if (P->claimed) {
    bm_check_conjugate_row *w = add_row(rep, "parameters", P->param_worst, o->tol, P->param_worst <= o->tol);
    if (P->param_worst == 0.0)
      snprintf(w->note, sizeof w->note, "claimed and the model's posterior parameters agree exactly");
    else
      snprintf(w->note, sizeof w->note, "claimed vs the model's posterior, worst relative difference: %s", P->param_note);
  }

  progress(o, "proportional", &done, total);
  bm_proportional_result pr;
  st = bm_check_proportional(&P->cm, r, o->npairs, o->tol, &pr);
  if (st) return st;
  bm_check_conjugate_row *w = add_row(rep, "proportional", pr.worst_rel, o->tol, pr.passed);
  snprintf(w->note, sizeof w->note,
           "log post(a) - log post(b) vs log prior + log lik differences, %zu pairs (worst abs %.3g)", pr.n_pairs,
           pr.worst_abs);

  if (P->has_evidence) {
    const char *what = o->has_claim ? "claimed" : "closed form";
    progress(o, "evidence_is", &done, total);
    bm_evidence_result er;
    st = bm_check_evidence_is(&P->cm, r, o->is_draws, rep->log_evidence, o->z_tol, &er);
    if (st) return st;
    w = add_row(rep, "evidence_is", fabs(er.z), o->z_tol, er.passed);
    snprintf(w->note, sizeof w->note, "log p(data): importance sampling %.6f +- %.2g (%zu draws, ESS %.0f) vs %s %.6f",
             er.log_evidence, er.se, o->is_draws, er.ess, what, rep->log_evidence);

    progress(o, "evidence_identity", &done, total);
    double worst;
    st = bm_check_evidence_identity(&P->cm, r, o->idpts, rep->log_evidence, &worst);
    if (st) return st;
    w = add_row(rep, "evidence_identity", worst, o->tol, worst <= o->tol);
    snprintf(w->note, sizeof w->note, "log prior + log lik - log post = log p(data) (%s) at %zu points", what,
             o->idpts);
  } else {
    w = add_row(rep, "evidence_is", NAN, o->z_tol, -1);
    snprintf(w->note, sizeof w->note, "not run: an improper prior has no evidence");
    w = add_row(rep, "evidence_identity", NAN, o->tol, -1);
    snprintf(w->note, sizeof w->note, "not run: an improper prior has no evidence");
  }

  if (!sbc_runs) {
    w = add_row(rep, "sbc", NAN, o->p_min, -1);
    snprintf(w->note, sizeof w->note, "not run: %s", o->skip_sbc ? "skipped by the options" : P->sbc_skip);
  } else {
    progress(o, "sbc", &done, total);
    gsl_matrix *ranks = bm_matrix_alloc(o->nsim, P->sbc.nstat);
    if (ranks == NULL) return bm_error_set(BM_ENOMEM, fn, "out of memory (SBC ranks, %zu x %zu)", o->nsim, P->sbc.nstat);
    bm_sbc_result sr;
    st = bm_check_sbc(&P->sbc, r, o->nsim, o->L, o->nbins, ranks, NULL, &sr);
    if (st == BM_SUCCESS) {
      char nm[48];
      P->stat_name(P->ctx, sr.worst_stat, nm, sizeof nm);
      w = add_row(rep, "sbc", sr.p_bonferroni, o->p_min, sr.p_bonferroni >= o->p_min);
      snprintf(w->note, sizeof w->note,
               "rank uniformity (chi^2, %zu bins, Bonferroni over %zu statistics), %zu replications x %zu draws, "
               "theta* %s; worst statistic %s",
               o->nbins, P->sbc.nstat, o->nsim, o->L, P->sbc_how, nm);
      sbc_histogram(ranks, o->L, o->nbins, rep);
    }
    bm_matrix_free(ranks);
    if (st) return st;
  }
  if (o->progress) o->progress("done", total, total, o->pctx);
  rep->passed = rep->nfailed == 0;
  return BM_SUCCESS;
}

/* The rest of the problem from the models; then the checks. */
static int cc_run(const char *fn, cc_problem *P, cc_models *M, size_t dim, int claimed, gsl_rng *r,
                  const cc_opts *o, bm_check_conjugate_report *rep)
{
  P->cm = (bm_check_model){dim, cc_log_prior, M->log_lik, cc_log_post, cc_prop_sample, cc_prop_sample,
                           cc_prop_logpdf, M};
  P->sbc = (bm_sbc_problem){dim, dim, cc_prior_sample, M->simulate, cc_work_sample, NULL, M};
  P->claimed = claimed;
  if (claimed) P->sbc_skip = "a claimed posterior belongs to this data only; SBC checks the model's own update";
  if (P->sbc_how == NULL) P->sbc_how = "from the prior";
  P->stat_name = M->stat_name;
  P->ctx = M;
  return run_checks(fn, P, r, o, rep);
}

/* A check's work vectors and matrices, allocated and freed from one table:
 * each entry a vector (A NULL) of length rows or a rows x cols matrix. */
typedef struct {
  gsl_vector **v;
  gsl_matrix **A;
  size_t rows, cols;
} cc_buf;
#define CC_VEC(p, n) {.v = &(p), .rows = (n)}
#define CC_MAT(p, r, c) {.A = &(p), .rows = (r), .cols = (c)}
#define CC_N(t) (sizeof(t) / sizeof(t[0]))

/* 1 when every buffer was allocated (vectors zeroed) */
static int cc_bufs_alloc(const cc_buf *b, size_t n)
{
  int ok = 1;
  for (size_t i = 0; i < n; i++) {
    if (b[i].A == NULL) ok &= (*b[i].v = bm_vector_calloc(b[i].rows)) != NULL;
    else ok &= (*b[i].A = bm_matrix_alloc(b[i].rows, b[i].cols)) != NULL;
  }
  return ok;
}

static void cc_bufs_free(const cc_buf *b, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (b[i].A == NULL) bm_vector_free(*b[i].v);
    else bm_matrix_free(*b[i].A);
  }
}

/* ---------- claimed vs model parameters ---------- */

typedef struct {
  double worst;
  char *note;
  size_t len;
} pdiff;

static void pdiff_one(pdiff *d, const char *name, size_t i, size_t j, int kind, double c, double m, double scale)
{
  double rel = fabs(c - m) / (scale > 0 ? scale : 1.0);
  if (isnan(rel)) rel = INFINITY;
  if (!(rel > d->worst) && d->note[0]) return;
  d->worst = fmax(d->worst, rel);
  if (kind == 0)
    snprintf(d->note, d->len, "%s: claimed %.10g, model %.10g", name, c, m);
  else if (kind == 1)
    snprintf(d->note, d->len, "%s[%zu]: claimed %.10g, model %.10g", name, i, c, m);
  else
    snprintf(d->note, d->len, "%s[%zu][%zu]: claimed %.10g, model %.10g", name, i, j, c, m);
}

static void pdiff_scalar(pdiff *d, const char *name, double c, double m) { pdiff_one(d, name, 0, 0, 0, c, m, fabs(m)); }

static void pdiff_vector(pdiff *d, const char *name, const gsl_vector *c, const gsl_vector *m)
{
  double s = 0;
  for (size_t i = 0; i < m->size; i++) s = fmax(s, fabs(gsl_vector_get(m, i)));
  for (size_t i = 0; i < m->size; i++) pdiff_one(d, name, i, 0, 1, gsl_vector_get(c, i), gsl_vector_get(m, i), s);
}

static void pdiff_matrix(pdiff *d, const char *name, const gsl_matrix *c, const gsl_matrix *m)
{
  double s = 0;
  for (size_t i = 0; i < m->size1; i++)
    for (size_t j = 0; j < m->size2; j++) s = fmax(s, fabs(gsl_matrix_get(m, i, j)));
  for (size_t i = 0; i < m->size1; i++)
    for (size_t j = 0; j < m->size2; j++)
      pdiff_one(d, name, i, j, 2, gsl_matrix_get(c, i, j), gsl_matrix_get(m, i, j), s);
}

/* The Gaussian likelihood of NIW and MNIW: the rows of X (or of residuals)
 * i.i.d. N(mu, Sigma); log density, and fresh rows. */
static int rows_loglik(bm_mvn *mvn, const gsl_vector *mu, const gsl_matrix *Sigma, const gsl_matrix *X, double *f)
{
  int st = bm_mvn_set(mvn, mu, Sigma);
  return st ? st : bm_mvn_loglik(mvn, X, f, NULL);
}

static int rows_sample(bm_mvn *mvn, const gsl_vector *mu, const gsl_matrix *Sigma, gsl_rng *r, gsl_matrix *X)
{
  int st = bm_mvn_set(mvn, mu, Sigma);
  for (size_t i = 0; i < X->size1 && !st; i++) {
    gsl_vector_view x = gsl_matrix_row(X, i);
    st = bm_mvn_sample(mvn, r, &x.vector);
  }
  return st;
}

static void vech_name(const char *sym, size_t p, size_t i, char *buf, size_t len)
{
  size_t a, b;
  bm_vech_pair(p, i, &a, &b);
  snprintf(buf, len, "%s[%zu][%zu]", sym, a, b);
}

/* ---------- NIW: theta = (mu, vech Sigma) ---------- */

typedef struct {
  cc_models m;
  size_t p, q;
  const gsl_matrix *X;
  bm_niw *prior, *post, *prop, *work;
  gsl_vector *mu0;
  double kappa0, nu0;
  gsl_matrix *Psi0, *Xsim, *Sigma;
  gsl_vector *mu;
  bm_mvn *mvn;
} niw_ctx;

static void niw_split(niw_ctx *c, const gsl_vector *th)
{
  gsl_vector_const_view m = gsl_vector_const_subvector(th, 0, c->p), v = gsl_vector_const_subvector(th, c->p, c->q);
  gsl_vector_memcpy(c->mu, &m.vector);
  bm_vech_unpack(&v.vector, c->Sigma);
}

static int niw_pack(niw_ctx *c, gsl_vector *th)
{
  gsl_vector_view m = gsl_vector_subvector(th, 0, c->p), v = gsl_vector_subvector(th, c->p, c->q);
  gsl_vector_memcpy(&m.vector, c->mu);
  return bm_vech(c->Sigma, &v.vector);
}

static int niw_lp(const void *m, void *pp, const gsl_vector *th, double *f)
{
  niw_ctx *c = pp;
  niw_split(c, th);
  return bm_niw_log_posterior(m, c->mu, c->Sigma, f);
}

static int niw_log_lik(const gsl_vector *th, void *pp, double *f)
{
  niw_ctx *c = pp;
  niw_split(c, th);
  return rows_loglik(c->mvn, c->mu, c->Sigma, c->X, f);
}

static int niw_draw(const void *m, gsl_rng *r, void *pp, gsl_vector *th)
{
  niw_ctx *c = pp;
  int st = bm_niw_sample_posterior(m, r, c->mu, c->Sigma);
  return st ? st : niw_pack(c, th);
}

static int niw_simulate(gsl_rng *r, const gsl_vector *th, void *pp)
{
  niw_ctx *c = pp;
  niw_split(c, th);
  int st = rows_sample(c->mvn, c->mu, c->Sigma, r, c->Xsim);
  if (!st) st = bm_niw_set_prior(c->work, c->mu0, c->kappa0, c->nu0, c->Psi0);
  return st ? st : bm_niw_update(c->work, c->Xsim);
}

static void niw_stat_name(const void *pp, size_t i, char *buf, size_t len)
{
  const niw_ctx *c = pp;
  if (i < c->p)
    snprintf(buf, len, "mu[%zu]", i);
  else
    vech_name("Sigma", c->p, i - c->p, buf, len);
}

/* The four models and the Gaussian of a context (the buffers are the table's). */
static int niw_models_alloc(niw_ctx *c)
{
  bm_niw **m[] = {&c->prior, &c->post, &c->prop, &c->work};
  int ok = (c->mvn = bm_mvn_alloc(c->p)) != NULL;
  for (size_t i = 0; i < CC_N(m); i++) ok &= (*m[i] = bm_niw_alloc(c->p)) != NULL;
  return ok;
}

static void niw_free(niw_ctx *c)
{
  bm_niw *m[] = {c->prior, c->post, c->prop, c->work};
  for (size_t i = 0; i < CC_N(m); i++) bm_niw_free(m[i]);
  bm_mvn_free(c->mvn);
}

/* The claimed and the model's posterior parameters side by side. */
static int niw_param_diff(const niw_ctx *c, cc_problem *P)
{
  const size_t p = c->p;
  gsl_vector *m1, *m2;
  gsl_matrix *S1, *S2;
  const cc_buf b[] = {CC_VEC(m1, p), CC_VEC(m2, p), CC_MAT(S1, p, p), CC_MAT(S2, p, p)};
  double k1, k2, n1, n2;
  int st = cc_bufs_alloc(b, CC_N(b)) ? BM_SUCCESS : bm_error_set(BM_ENOMEM, "bm_check_niw", "out of memory");
  if (!st) st = bm_niw_posterior(c->m.dens[CC_CLAIM], m1, &k1, &n1, S1);
  if (!st) st = bm_niw_posterior(c->post, m2, &k2, &n2, S2);
  if (!st) {
    pdiff d = {0, P->param_note, sizeof P->param_note};
    pdiff_vector(&d, "mu_n", m1, m2);
    pdiff_scalar(&d, "kappa_n", k1, k2);
    pdiff_scalar(&d, "nu_n", n1, n2);
    pdiff_matrix(&d, "Psi_n", S1, S2);
    P->param_worst = d.worst;
  }
  cc_bufs_free(b, CC_N(b));
  return st;
}

int bm_check_niw(const bm_niw *prior, const gsl_matrix *X, const bm_niw *claimed, gsl_rng *r,
                 const bm_check_conjugate_options *opts, bm_check_conjugate_report *rep)
{
  cc_opts o;
  int st = cc_begin(__func__, rep, "niw", prior, X, NULL, NULL, r, opts, &o);
  if (st) return st;
  niw_ctx c = {0};
  double kn, nun, lml = NAN;
  gsl_vector *mun = NULL;
  gsl_matrix *Psin = NULL;
  /* p from the prior: posterior() reports BM_EBADLEN for a wrong guess, so try X's width */
  c.p = X->size2;
  c.q = bm_vech_len(c.p);
  if (c.p == 0 || X->size1 == 0) return BM_FAIL(BM_EBADLEN, "X is %zu x %zu, needs a row and a column", X->size1, X->size2);
  const size_t p = c.p;
  const cc_buf bufs[] = {CC_VEC(c.mu0, p),        CC_VEC(c.mu, p),        CC_VEC(mun, p),
                         CC_MAT(c.Psi0, p, p),    CC_MAT(Psin, p, p),     CC_MAT(c.Sigma, p, p),
                         CC_MAT(c.Xsim, X->size1, p)};
  if (!cc_bufs_alloc(bufs, CC_N(bufs)) || !niw_models_alloc(&c))
    st = BM_FAIL(BM_ENOMEM, "out of memory (p = %zu)", p);
  c.X = X;
  if (!st) st = bm_niw_posterior(prior, c.mu0, &c.kappa0, &c.nu0, c.Psi0);
  if (!st) st = bm_niw_set_prior(c.prior, c.mu0, c.kappa0, c.nu0, c.Psi0);
  if (!st) st = bm_niw_set_prior(c.post, c.mu0, c.kappa0, c.nu0, c.Psi0);
  if (!st) st = bm_niw_update(c.post, X);
  if (!st) st = bm_niw_log_evidence(c.post, &lml);
  if (!st) st = bm_niw_posterior(c.post, mun, &kn, &nun, Psin);
  if (!st) {
    double nuq = 0.5 * (nun + (double)c.p - 1.0);
    gsl_matrix_scale(Psin, nuq / nun);
    st = bm_niw_set_prior(c.prop, mun, 0.5 * kn, nuq, Psin);
  }
  c.m = (cc_models){{c.prior, claimed ? claimed : c.post, c.prop}, {c.prior, c.prop, c.work}, niw_lp, niw_draw,
                    niw_log_lik, niw_simulate, niw_stat_name};
  cc_problem P = {.has_evidence = 1, .lml = lml};
  if (!st && claimed) st = niw_param_diff(&c, &P);
  if (!st) st = cc_run(__func__, &P, &c.m, c.p + c.q, claimed != NULL, r, &o, rep);
  cc_bufs_free(bufs, CC_N(bufs));
  niw_free(&c);
  return BM_WRAP(st);
}

/* ---------- BLR: theta = (beta, sigma^2), or beta under known noise ---------- */

enum { BLR_NIG, BLR_KNOWN, BLR_IMPROPER };

/* A normal-inverse-gamma (or, a == 0, Gaussian) distribution to draw from. */
typedef struct {
  gsl_vector *m;
  gsl_matrix *L; /* factor of V (NIG: beta | sigma2 ~ N(m, sigma2 V)) or of S (Gaussian) */
  double a, b;
} nig_draw;

typedef struct {
  cc_models m;
  int kind;
  size_t k, dim;
  const gsl_matrix *X;
  const gsl_vector *y;
  bm_blr *prior, *post, *prop, *work;
  gsl_vector *m0;
  gsl_matrix *V0;
  double a0, b0, lambda;
  nig_draw dprior, dprop, dwork;
  gsl_vector *beta, *ysim, *fixed; /* fixed: theta* of the improper prior's SBC */
  double sigma2;
} blr_ctx;

/* Kind and parameters of a model's current posterior (its prior if it has seen no data). */
static int blr_state(const bm_blr *m, gsl_vector *mv, gsl_matrix *V, double *a, double *b, double *lambda, int *kind)
{
  int st = bm_blr_posterior_gaussian(m, mv, V);
  if (st == BM_SUCCESS) {
    gsl_vector *z = bm_vector_calloc(mv->size);
    double df, loc, s2;
    if (z == NULL) return bm_error_set(BM_ENOMEM, "bm_check_blr", "out of memory (k = %zu)", mv->size);
    st = bm_blr_predictive(m, z, &df, &loc, &s2); /* at x = 0: scale2 = 1/lambda */
    bm_vector_free(z);
    *lambda = 1.0 / s2;
    *kind = BLR_KNOWN;
    *a = *b = NAN;
    return st;
  }
  if (st == BM_EBADLEN) return st;
  st = bm_blr_posterior_nig(m, mv, V, a, b);
  *kind = BLR_NIG;
  if (st == BM_EDOM) {
    double lml;
    if (bm_blr_log_evidence(m, &lml) == BM_EDOM) { /* no evidence: the improper prior */
      *kind = BLR_IMPROPER;
      st = BM_SUCCESS;
    }
  }
  return st;
}

static int nig_draw_alloc(nig_draw *d, size_t k)
{
  d->m = bm_vector_alloc(k);
  d->L = bm_matrix_alloc(k, k);
  return d->m && d->L ? BM_SUCCESS : BM_ENOMEM;
}
static void nig_draw_free(nig_draw *d)
{
  bm_vector_free(d->m);
  bm_matrix_free(d->L);
}

/* d <- the current posterior of m (a == 0 for a Gaussian). */
static int nig_draw_set(nig_draw *d, const bm_blr *m, int kind)
{
  int st;
  if (kind == BLR_KNOWN) {
    st = bm_blr_posterior_gaussian(m, d->m, d->L);
    d->a = d->b = 0.0;
  } else {
    st = bm_blr_posterior_nig(m, d->m, d->L, &d->a, &d->b);
  }
  return st ? st : bm_chol_factor(d->L, d->L, NULL);
}

/* m <- the prior of the model under check (its kind and parameters) */
static int blr_set_prior(const blr_ctx *c, bm_blr *m)
{
  if (c->kind == BLR_NIG) return bm_blr_set_prior_nig(m, c->m0, c->V0, c->a0, c->b0);
  if (c->kind == BLR_KNOWN) return bm_blr_set_prior_known_noise(m, c->m0, c->V0, c->lambda);
  return bm_blr_set_prior_improper(m);
}

static void blr_pack(const blr_ctx *c, gsl_vector *th)
{
  for (size_t i = 0; i < c->k; i++) gsl_vector_set(th, i, gsl_vector_get(c->beta, i));
  if (c->kind != BLR_KNOWN) gsl_vector_set(th, c->k, c->sigma2);
}

static void blr_split(blr_ctx *c, const gsl_vector *th)
{
  for (size_t i = 0; i < c->k; i++) gsl_vector_set(c->beta, i, gsl_vector_get(th, i));
  c->sigma2 = c->kind == BLR_KNOWN ? 1.0 / c->lambda : gsl_vector_get(th, c->k);
}

/* A draw from d; d NULL: the improper prior's fixed SBC point. */
static int nig_sample(const void *dv, gsl_rng *r, void *pp, gsl_vector *th)
{
  const nig_draw *d = dv;
  blr_ctx *c = pp;
  if (d == NULL) {
    gsl_vector_memcpy(th, c->fixed);
    return BM_SUCCESS;
  }
  double s = 1.0;
  if (d->a > 0) {
    c->sigma2 = d->b / gsl_ran_gamma(r, d->a, 1.0);
    s = sqrt(c->sigma2);
  }
  int st = bm_rng_std_normal_vector(r, c->beta);
  if (!st) st = bm_chol_lower_multiply(d->L, c->beta);
  if (st) return st;
  for (size_t i = 0; i < c->k; i++) gsl_vector_set(c->beta, i, gsl_vector_get(d->m, i) + s * gsl_vector_get(c->beta, i));
  blr_pack(c, th);
  return BM_SUCCESS;
}

/* The model's log density at th; m NULL: the improper prior. The callbacks
 * below serve bm_check_blr only, which their messages name. */
static int blr_lp(const void *m, void *pp, const gsl_vector *th, double *f)
{
  blr_ctx *c = pp;
  blr_split(c, th);
  if (m) return bm_blr_log_posterior(m, c->beta, c->kind == BLR_KNOWN ? 1.0 : c->sigma2, f);
  if (!(c->sigma2 > 0))
    return bm_error_set(BM_EDOM, "bm_check_blr", "the prior at sigma2 = %g: sigma2 must be positive", c->sigma2);
  *f = -log(c->sigma2); /* p(beta, sigma^2) prop. 1/sigma^2 */
  return BM_SUCCESS;
}

static int blr_log_lik(const gsl_vector *th, void *pp, double *f)
{
  blr_ctx *c = pp;
  blr_split(c, th);
  if (!(c->sigma2 > 0))
    return bm_error_set(BM_EDOM, "bm_check_blr", "the likelihood at sigma2 = %g: sigma2 must be positive", c->sigma2);
  double rss = 0.0;
  for (size_t i = 0; i < c->X->size1; i++) {
    gsl_vector_const_view x = gsl_matrix_const_row(c->X, i);
    double e = gsl_vector_get(c->y, i) - cblas_ddot((int)c->k, x.vector.data, (int)x.vector.stride, c->beta->data,
                                                    (int)c->beta->stride);
    rss += e * e;
  }
  *f = -0.5 * (double)c->X->size1 * log(2.0 * M_PI * c->sigma2) - 0.5 * rss / c->sigma2;
  return BM_SUCCESS;
}


static int blr_simulate(gsl_rng *r, const gsl_vector *th, void *pp)
{
  blr_ctx *c = pp;
  blr_split(c, th);
  double s = sqrt(c->sigma2);
  for (size_t i = 0; i < c->X->size1; i++) {
    gsl_vector_const_view x = gsl_matrix_const_row(c->X, i);
    double mean = cblas_ddot((int)c->k, x.vector.data, (int)x.vector.stride, c->beta->data, (int)c->beta->stride);
    gsl_vector_set(c->ysim, i, mean + s * gsl_ran_gaussian_ziggurat(r, 1.0));
  }
  int st = blr_set_prior(c, c->work);
  if (!st) st = bm_blr_update(c->work, c->X, c->ysim);
  return st ? st : nig_draw_set(&c->dwork, c->work, c->kind);
}

static void blr_stat_name(const void *pp, size_t i, char *buf, size_t len)
{
  const blr_ctx *c = pp;
  if (i < c->k)
    snprintf(buf, len, "beta[%zu]", i);
  else
    snprintf(buf, len, "sigma2");
}

static int blr_param_diff(const blr_ctx *c, cc_problem *P)
{
  const size_t k = c->k;
  gsl_vector *m1, *m2;
  gsl_matrix *V1, *V2;
  const cc_buf b[] = {CC_VEC(m1, k), CC_VEC(m2, k), CC_MAT(V1, k, k), CC_MAT(V2, k, k)};
  double a1 = NAN, b1 = NAN, l1 = NAN, a2 = NAN, b2 = NAN, l2 = NAN;
  int kind1 = -1, kind2 = -1;
  int st = cc_bufs_alloc(b, CC_N(b)) ? BM_SUCCESS : bm_error_set(BM_ENOMEM, "bm_check_blr", "out of memory");
  if (!st) st = blr_state(c->m.dens[CC_CLAIM], m1, V1, &a1, &b1, &l1, &kind1);
  if (!st) st = blr_state(c->post, m2, V2, &a2, &b2, &l2, &kind2);
  if (!st && (kind1 == BLR_KNOWN) != (kind2 == BLR_KNOWN))
    st = bm_error_set(BM_EINVAL, "bm_check_blr", "claimed has a %s prior where the model's posterior is %s",
                      kind1 == BLR_KNOWN ? "known-noise" : "NIG", kind2 == BLR_KNOWN ? "known-noise" : "NIG");
  if (!st && kind1 == BLR_IMPROPER)
    st = bm_error_set(BM_EINVAL, "bm_check_blr", "claimed has the improper prior; a posterior is proper");
  if (!st) {
    pdiff d = {0, P->param_note, sizeof P->param_note};
    pdiff_vector(&d, "m_n", m1, m2);
    pdiff_matrix(&d, kind2 == BLR_KNOWN ? "S_N" : "V_n", V1, V2);
    if (kind2 != BLR_KNOWN) {
      pdiff_scalar(&d, "a_n", a1, a2);
      pdiff_scalar(&d, "b_n", b1, b2);
    }
    P->param_worst = d.worst;
  }
  cc_bufs_free(b, CC_N(b));
  return st;
}

static int blr_models_alloc(blr_ctx *c)
{
  bm_blr **m[] = {&c->prior, &c->post, &c->prop, &c->work};
  nig_draw *dr[] = {&c->dprior, &c->dprop, &c->dwork};
  int ok = 1;
  for (size_t i = 0; i < CC_N(m); i++) ok &= (*m[i] = bm_blr_alloc(c->k)) != NULL;
  for (size_t i = 0; i < CC_N(dr); i++) ok &= nig_draw_alloc(dr[i], c->k) == BM_SUCCESS;
  return ok;
}

static void blr_free(blr_ctx *c)
{
  bm_blr *m[] = {c->prior, c->post, c->prop, c->work};
  nig_draw *dr[] = {&c->dprior, &c->dprop, &c->dwork};
  for (size_t i = 0; i < CC_N(m); i++) bm_blr_free(m[i]);
  for (size_t i = 0; i < CC_N(dr); i++) nig_draw_free(dr[i]);
}

int bm_check_blr(const bm_blr *prior, const gsl_matrix *X, const gsl_vector *y, const bm_blr *claimed,
                 gsl_rng *r, const bm_check_conjugate_options *opts, bm_check_conjugate_report *rep)
{
  cc_opts o;
  int st = cc_begin(__func__, rep, "blr", prior, X, "y", y, r, opts, &o);
  if (st) return st;
  if (X->size2 == 0 || X->size1 == 0 || y->size != X->size1)
    return BM_FAIL(BM_EBADLEN, "X is %zu x %zu and y of length %zu: X needs a row and a column, y one entry a row",
                   X->size1, X->size2, y->size);
  blr_ctx c = {0};
  const size_t k = X->size2;
  c.k = k;
  c.X = X;
  c.y = y;
  gsl_vector *mn = NULL;
  gsl_matrix *Vn = NULL;
  const cc_buf bufs[] = {CC_VEC(c.m0, k),   CC_MAT(c.V0, k, k), CC_VEC(c.beta, k), CC_VEC(c.ysim, X->size1),
                         CC_VEC(c.fixed, k + 1), CC_VEC(mn, k), CC_MAT(Vn, k, k)};
  if (!cc_bufs_alloc(bufs, CC_N(bufs)) || !blr_models_alloc(&c))
    st = BM_FAIL(BM_ENOMEM, "out of memory (k = %zu, n = %zu)", k, X->size1);
  if (!st) st = blr_state(prior, c.m0, c.V0, &c.a0, &c.b0, &c.lambda, &c.kind);
  if (!st) st = blr_set_prior(&c, c.prior);
  if (!st) st = blr_set_prior(&c, c.post);
  if (!st) st = bm_blr_update(c.post, X, y);
  double an = 0, bn = 0, lml = NAN;
  if (!st && c.kind == BLR_KNOWN) {
    /* the proposal N(m_N, 2 S_N) */
    st = bm_blr_posterior_gaussian(c.post, mn, Vn);
    gsl_matrix_scale(Vn, 2.0);
    if (!st) st = bm_blr_set_prior_known_noise(c.prop, mn, Vn, c.lambda);
  } else if (!st) {
    /* the proposal: a_q = a_n / 2 with b_q / a_q = b_n / a_n, V doubled */
    st = bm_blr_posterior_nig(c.post, mn, Vn, &an, &bn);
    gsl_matrix_scale(Vn, 2.0);
    if (!st) st = bm_blr_set_prior_nig(c.prop, mn, Vn, 0.5 * an, 0.5 * bn);
    /* the improper prior's SBC point: (beta_hat, s^2 = RSS / (n - k)) */
    for (size_t i = 0; i < k; i++) gsl_vector_set(c.fixed, i, gsl_vector_get(mn, i));
    gsl_vector_set(c.fixed, k, bn / an);
  }
  if (!st) st = nig_draw_set(&c.dprop, c.prop, c.kind);
  if (!st && c.kind != BLR_IMPROPER) st = nig_draw_set(&c.dprior, c.prior, c.kind);
  if (!st && c.kind != BLR_IMPROPER) st = bm_blr_log_evidence(c.post, &lml);
  const int improper = c.kind == BLR_IMPROPER;
  c.m = (cc_models){{improper ? NULL : c.prior, claimed ? claimed : c.post, c.prop},
                    {improper ? NULL : &c.dprior, &c.dprop, &c.dwork}, blr_lp, nig_sample, blr_log_lik, blr_simulate,
                    blr_stat_name};
  cc_problem P = {.has_evidence = !improper, .lml = lml};
  if (improper) P.sbc_how = "fixed at (beta_hat, s^2) (flat prior: exact coverage)";
  if (!st && claimed) st = blr_param_diff(&c, &P);
  if (!st) {
    c.dim = c.kind == BLR_KNOWN ? k : k + 1;
    snprintf(rep->model, sizeof rep->model, "blr (%s prior)",
             c.kind == BLR_NIG ? "NIG" : c.kind == BLR_KNOWN ? "known-noise" : "improper");
    st = cc_run(__func__, &P, &c.m, c.dim, claimed != NULL, r, &o, rep);
  }
  cc_bufs_free(bufs, CC_N(bufs));
  blr_free(&c);
  return BM_WRAP(st);
}

/* ---------- MNIW: theta = (vec B, vech Sigma) ---------- */

typedef struct {
  cc_models m;
  size_t k, d, kd, q;
  const gsl_matrix *X, *Y;
  bm_mniw *prior, *post, *prop, *work;
  gsl_matrix *B0, *V0, *Psi0;
  double nu0;
  gsl_matrix *B, *Sigma, *E, *Ysim;
  gsl_vector *zero;
  bm_mvn *mvn;
} mniw_ctx;

static void mniw_split(mniw_ctx *c, const gsl_vector *th)
{
  gsl_vector_const_view b = gsl_vector_const_subvector(th, 0, c->kd), v = gsl_vector_const_subvector(th, c->kd, c->q);
  bm_vec_unpack(&b.vector, c->B);
  bm_vech_unpack(&v.vector, c->Sigma);
}

static int mniw_pack(mniw_ctx *c, gsl_vector *th)
{
  gsl_vector_view b = gsl_vector_subvector(th, 0, c->kd), v = gsl_vector_subvector(th, c->kd, c->q);
  int st = bm_vec(c->B, &b.vector);
  return st ? st : bm_vech(c->Sigma, &v.vector);
}

static int mniw_lp(const void *m, void *pp, const gsl_vector *th, double *f)
{
  mniw_ctx *c = pp;
  mniw_split(c, th);
  return bm_mniw_log_posterior(m, c->B, c->Sigma, f);
}

/* E <- Y - X B */
static void mniw_resid(mniw_ctx *c, const gsl_matrix *Y)
{
  gsl_matrix_memcpy(c->E, Y);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c->X->size1, (int)c->d, (int)c->k, -1.0, c->X->data,
              (int)c->X->tda, c->B->data, (int)c->B->tda, 1.0, c->E->data, (int)c->E->tda);
}

static int mniw_log_lik(const gsl_vector *th, void *pp, double *f)
{
  mniw_ctx *c = pp;
  mniw_split(c, th);
  mniw_resid(c, c->Y);
  return rows_loglik(c->mvn, c->zero, c->Sigma, c->E, f);
}

static int mniw_draw(const void *m, gsl_rng *r, void *pp, gsl_vector *th)
{
  mniw_ctx *c = pp;
  int st = bm_mniw_sample_posterior(m, r, c->B, c->Sigma);
  return st ? st : mniw_pack(c, th);
}

static int mniw_simulate(gsl_rng *r, const gsl_vector *th, void *pp)
{
  mniw_ctx *c = pp;
  mniw_split(c, th);
  int st = rows_sample(c->mvn, c->zero, c->Sigma, r, c->E);
  if (st) return st;
  /* Y = X B + E */
  gsl_matrix_memcpy(c->Ysim, c->E);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c->X->size1, (int)c->d, (int)c->k, 1.0, c->X->data,
              (int)c->X->tda, c->B->data, (int)c->B->tda, 1.0, c->Ysim->data, (int)c->Ysim->tda);
  st = bm_mniw_set_prior(c->work, c->B0, c->V0, c->nu0, c->Psi0);
  return st ? st : bm_mniw_update(c->work, c->X, c->Ysim);
}

static void mniw_stat_name(const void *pp, size_t i, char *buf, size_t len)
{
  const mniw_ctx *c = pp;
  if (i < c->kd)
    snprintf(buf, len, "B[%zu][%zu]", i % c->k, i / c->k);
  else
    vech_name("Sigma", c->d, i - c->kd, buf, len);
}

static int mniw_param_diff(const mniw_ctx *c, cc_problem *P)
{
  const size_t k = c->k, d = c->d;
  gsl_matrix *B1, *B2, *V1, *V2, *S1, *S2;
  const cc_buf b[] = {CC_MAT(B1, k, d), CC_MAT(B2, k, d), CC_MAT(V1, k, k),
                      CC_MAT(V2, k, k), CC_MAT(S1, d, d), CC_MAT(S2, d, d)};
  double n1, n2;
  int st = cc_bufs_alloc(b, CC_N(b)) ? BM_SUCCESS : bm_error_set(BM_ENOMEM, "bm_check_mniw", "out of memory");
  if (!st) st = bm_mniw_posterior(c->m.dens[CC_CLAIM], B1, V1, &n1, S1);
  if (!st) st = bm_mniw_posterior(c->post, B2, V2, &n2, S2);
  if (!st) {
    pdiff df = {0, P->param_note, sizeof P->param_note};
    pdiff_matrix(&df, "B_n", B1, B2);
    pdiff_matrix(&df, "V_n", V1, V2);
    pdiff_scalar(&df, "nu_n", n1, n2);
    pdiff_matrix(&df, "Psi_n", S1, S2);
    P->param_worst = df.worst;
  }
  cc_bufs_free(b, CC_N(b));
  return st;
}

static int mniw_models_alloc(mniw_ctx *c)
{
  bm_mniw **m[] = {&c->prior, &c->post, &c->prop, &c->work};
  int ok = (c->mvn = bm_mvn_alloc(c->d)) != NULL;
  for (size_t i = 0; i < CC_N(m); i++) ok &= (*m[i] = bm_mniw_alloc(c->k, c->d)) != NULL;
  return ok;
}

static void mniw_free(mniw_ctx *c)
{
  bm_mniw *m[] = {c->prior, c->post, c->prop, c->work};
  for (size_t i = 0; i < CC_N(m); i++) bm_mniw_free(m[i]);
  bm_mvn_free(c->mvn);
}

int bm_check_mniw(const bm_mniw *prior, const gsl_matrix *X, const gsl_matrix *Y, const bm_mniw *claimed,
                  gsl_rng *r, const bm_check_conjugate_options *opts, bm_check_conjugate_report *rep)
{
  cc_opts o;
  int st = cc_begin(__func__, rep, "mniw", prior, X, "Y", Y, r, opts, &o);
  if (st) return st;
  if (X->size1 == 0 || X->size2 == 0 || Y->size2 == 0 || Y->size1 != X->size1)
    return BM_FAIL(BM_EBADLEN, "X is %zu x %zu and Y %zu x %zu: both need a column and the same rows, at least one",
                   X->size1, X->size2, Y->size1, Y->size2);
  mniw_ctx c = {0};
  const size_t k = X->size2, d = Y->size2, n = X->size1;
  c.k = k;
  c.d = d;
  c.kd = k * d;
  c.q = bm_vech_len(d);
  c.X = X;
  c.Y = Y;
  gsl_matrix *Bn = NULL, *Vn = NULL, *Psin = NULL;
  const cc_buf bufs[] = {CC_MAT(c.B0, k, d), CC_MAT(c.V0, k, k), CC_MAT(c.Psi0, d, d), CC_MAT(c.B, k, d),
                         CC_MAT(c.Sigma, d, d), CC_MAT(c.E, n, d), CC_MAT(c.Ysim, n, d), CC_VEC(c.zero, d),
                         CC_MAT(Bn, k, d), CC_MAT(Vn, k, k), CC_MAT(Psin, d, d)};
  if (!cc_bufs_alloc(bufs, CC_N(bufs)) || !mniw_models_alloc(&c))
    st = BM_FAIL(BM_ENOMEM, "out of memory (k = %zu, d = %zu, n = %zu)", k, d, n);
  double nun, lml = NAN;
  if (!st) st = bm_mniw_posterior(prior, c.B0, c.V0, &c.nu0, c.Psi0);
  if (!st) st = bm_mniw_set_prior(c.prior, c.B0, c.V0, c.nu0, c.Psi0);
  if (!st) st = bm_mniw_set_prior(c.post, c.B0, c.V0, c.nu0, c.Psi0);
  if (!st) st = bm_mniw_update(c.post, X, Y);
  if (!st) st = bm_mniw_log_evidence(c.post, &lml);
  if (!st) st = bm_mniw_posterior(c.post, Bn, Vn, &nun, Psin);
  if (!st) {
    double nuq = 0.5 * (nun + (double)d - 1.0);
    gsl_matrix_scale(Psin, nuq / nun);
    gsl_matrix_scale(Vn, 2.0);
    st = bm_mniw_set_prior(c.prop, Bn, Vn, nuq, Psin);
  }
  c.m = (cc_models){{c.prior, claimed ? claimed : c.post, c.prop}, {c.prior, c.prop, c.work}, mniw_lp, mniw_draw,
                    mniw_log_lik, mniw_simulate, mniw_stat_name};
  cc_problem P = {.has_evidence = 1, .lml = lml};
  if (!st && claimed) st = mniw_param_diff(&c, &P);
  if (!st) st = cc_run(__func__, &P, &c.m, c.kd + c.q, claimed != NULL, r, &o, rep);
  cc_bufs_free(bufs, CC_N(bufs));
  mniw_free(&c);
  return BM_WRAP(st);
}

/* ---------- reading and printing ---------- */

const bm_check_conjugate_row *bm_check_conjugate_find(const bm_check_conjugate_report *rep, const char *name)
{
  if (rep == NULL || name == NULL) return NULL;
  for (size_t i = 0; i < rep->nrows && i < BM_CHECK_CONJUGATE_MAXROWS; i++)
    if (!strcmp(rep->rows[i].name, name)) return &rep->rows[i];
  return NULL;
}

static void json_number(FILE *f, double x)
{
  if (isnan(x))
    fprintf(f, "null");
  else if (isinf(x))
    fprintf(f, x > 0 ? "1e999" : "-1e999");
  else
    fprintf(f, "%.17g", x);
}

int bm_check_conjugate_print(FILE *f, const bm_check_conjugate_report *rep, int json)
{
  if (f == NULL) return BM_FAIL(BM_EINVAL, "f is NULL");
  if (rep == NULL) return BM_FAIL(BM_EINVAL, "rep is NULL");
  if (rep->nrows > BM_CHECK_CONJUGATE_MAXROWS)
    return BM_FAIL(BM_EINVAL, "rep->nrows = %zu exceeds %d: not a report", rep->nrows, BM_CHECK_CONJUGATE_MAXROWS);
  if (json) {
    json_member(f, "{\"model\": ", rep->model);
    fprintf(f, ", \"claimed\": %s, \"dim\": %zu, \"log_evidence\": ", rep->claimed ? "true" : "false", rep->dim);
    json_number(f, rep->log_evidence);
    json_verdict(f, rep->passed, rep->nfailed);
    for (size_t i = 0; i < rep->nrows; i++) {
      const bm_check_conjugate_row *w = &rep->rows[i];
      json_member(f, i ? ",\n  {\"name\": " : "\n  {\"name\": ", w->name);
      fprintf(f, ", \"value\": ");
      json_number(f, w->value);
      fprintf(f, ", \"threshold\": ");
      json_number(f, w->threshold);
      fprintf(f, ", \"pass\": %s, \"note\": ", w->pass < 0 ? "null" : w->pass ? "true" : "false");
      json_string(f, w->note);
      fprintf(f, "}");
    }
    fprintf(f, "\n], \"sbc_counts\": [");
    for (size_t b = 0; b < rep->sbc_bins; b++) fprintf(f, "%s%.0f", b ? ", " : "", rep->sbc_counts[b]);
    fprintf(f, "], \"sbc_expected\": [");
    for (size_t b = 0; b < rep->sbc_bins; b++) fprintf(f, "%s%.17g", b ? ", " : "", rep->sbc_expected[b]);
    fprintf(f, "]}\n");
    return BM_SUCCESS;
  }
  fprintf(f, "%s, %s posterior, theta of length %zu\n", rep->model, rep->claimed ? "claimed" : "the model's own",
          rep->dim);
  fprintf(f, "%-18s %11s %11s  %-6s %s\n", "check", "value", "threshold", "result", "note");
  for (size_t i = 0; i < rep->nrows; i++) {
    const bm_check_conjugate_row *w = &rep->rows[i];
    fprintf(f, "%-18s %11.3e %11.3e  %-6s %s\n", w->name, w->value, w->threshold,
            w->pass < 0 ? "-" : w->pass ? "pass" : "FAIL", w->note);
  }
  if (rep->nfailed) {
    fprintf(f, "%zu check%s failed:", rep->nfailed, rep->nfailed > 1 ? "s" : "");
    for (size_t i = 0; i < rep->nrows; i++)
      if (rep->rows[i].pass == 0) fprintf(f, " %s", rep->rows[i].name);
    fprintf(f, "\n");
  } else {
    fprintf(f, "all checks passed\n");
  }
  return BM_SUCCESS;
}
