/* bayesmat — family observation models for bm_model (include/bayesmat/model_family.h).
 *
 * y_i ~ F(theta_i(eta)): the adapters below give bm_model (inference/model_fisher.c)
 *   fisher(i, theta_i)        = bm_F_fisher after bm_F_set_theta(theta_i)   (closed form, docs/fisher.md)
 *   score_hess(i, theta_i)    = bm_F_score / bm_F_hess at y_i after bm_F_set_theta(theta_i)
 * and forward theta / theta_curvature to the user's callbacks with the user's
 * params. The family object fm->dist is scratch, re-set by every call: one
 * bm_family_model per thread.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/validate.h"
#include "bayesmat/vech.h"
#include "bayesmat/theta.h"
#include "bayesmat/model_family.h"
#include "../src/error.h"

/* ---- dispatch on the family kind ------------------------------------------- */

static int is_vector_family(bm_family_kind kind) { return kind == BM_FAMILY_MVN || kind == BM_FAMILY_MVT; }

size_t bm_family_nparams(bm_family_kind kind, const void *dist)
{
  if (dist == NULL) return 0;
  switch (kind) {
  case BM_FAMILY_MVN: return bm_mvn_nparams(dist);
  case BM_FAMILY_MVT: return bm_mvt_nparams(dist);
  case BM_FAMILY_WISHART: return bm_wishart_nparams(dist);
  case BM_FAMILY_INVWISHART: return bm_invwishart_nparams(dist);
  case BM_FAMILY_MATNORM: return bm_matnorm_nparams(dist);
  case BM_FAMILY_MATT: return bm_matt_nparams(dist);
  case BM_FAMILY_MATF: return bm_matf_nparams(dist);
  }
  return 0;
}

int bm_family_set_theta(bm_family_kind kind, void *dist, const gsl_vector *theta)
{
  switch (kind) {
  case BM_FAMILY_MVN: return bm_mvn_set_theta(dist, theta);
  case BM_FAMILY_MVT: return bm_mvt_set_theta(dist, theta);
  case BM_FAMILY_WISHART: return bm_wishart_set_theta(dist, theta);
  case BM_FAMILY_INVWISHART: return bm_invwishart_set_theta(dist, theta);
  case BM_FAMILY_MATNORM: return bm_matnorm_set_theta(dist, theta);
  case BM_FAMILY_MATT: return bm_matt_set_theta(dist, theta);
  case BM_FAMILY_MATF: return bm_matf_set_theta(dist, theta);
  }
  return BM_FAIL(BM_EINVAL, "kind = %d is not a family", (int)kind);
}

static int family_fisher(bm_family_kind kind, const void *dist, gsl_matrix *I)
{
  switch (kind) {
  case BM_FAMILY_MVN: return bm_mvn_fisher(dist, I);
  case BM_FAMILY_MVT: return bm_mvt_fisher(dist, I);
  case BM_FAMILY_WISHART: return bm_wishart_fisher(dist, I);
  case BM_FAMILY_INVWISHART: return bm_invwishart_fisher(dist, I);
  case BM_FAMILY_MATNORM: return bm_matnorm_fisher(dist, I);
  case BM_FAMILY_MATT: return bm_matt_fisher(dist, I);
  case BM_FAMILY_MATF: return bm_matf_fisher(dist, I);
  }
  return BM_EINVAL;
}

/* fm->y_mats as what it is (the header types it const void * for callers' sake) */
#define Y_MATS(fm) ((const gsl_matrix *const *)(fm)->y_mats)

/* y_i as the family's variate: a row of y_rows or y_mats[i] (NULL if absent). */
typedef struct {
  gsl_vector row; /* a copy of a row view's struct (data still in y_rows) */
  const gsl_matrix *mat;
  int ok;
} observation;

static observation get_obs(const bm_family_model *fm, size_t i)
{
  observation o;
  memset(&o, 0, sizeof o);
  if (i >= fm->n_obs) return o;
  if (is_vector_family(fm->kind)) {
    if (fm->y_rows == NULL) return o;
    gsl_vector_const_view v = gsl_matrix_const_row(fm->y_rows, i);
    o.row = v.vector;
  } else {
    if (fm->y_mats == NULL || Y_MATS(fm)[i] == NULL) return o;
    o.mat = Y_MATS(fm)[i];
  }
  o.ok = 1;
  return o;
}

static int family_logpdf(const bm_family_model *fm, const observation *o, double *lp)
{
  const void *d = fm->dist;
  switch (fm->kind) {
  case BM_FAMILY_MVN: return bm_mvn_logpdf(d, &o->row, lp);
  case BM_FAMILY_MVT: return bm_mvt_logpdf(d, &o->row, lp);
  case BM_FAMILY_WISHART: return bm_wishart_logpdf(d, o->mat, lp);
  case BM_FAMILY_INVWISHART: return bm_invwishart_logpdf(d, o->mat, lp);
  case BM_FAMILY_MATNORM: return bm_matnorm_logpdf(d, o->mat, lp);
  case BM_FAMILY_MATT: return bm_matt_logpdf(d, o->mat, lp);
  case BM_FAMILY_MATF: return bm_matf_logpdf(d, o->mat, lp);
  }
  return BM_EINVAL;
}

static int family_score(const bm_family_model *fm, const observation *o, gsl_vector *s)
{
  const void *d = fm->dist;
  switch (fm->kind) {
  case BM_FAMILY_MVN: return bm_mvn_score(d, &o->row, s);
  case BM_FAMILY_MVT: return bm_mvt_score(d, &o->row, s);
  case BM_FAMILY_WISHART: return bm_wishart_score(d, o->mat, s);
  case BM_FAMILY_INVWISHART: return bm_invwishart_score(d, o->mat, s);
  case BM_FAMILY_MATNORM: return bm_matnorm_score(d, o->mat, s);
  case BM_FAMILY_MATT: return bm_matt_score(d, o->mat, s);
  case BM_FAMILY_MATF: return bm_matf_score(d, o->mat, s);
  }
  return BM_EINVAL;
}

static int family_hess(const bm_family_model *fm, const observation *o, gsl_matrix *H)
{
  const void *d = fm->dist;
  switch (fm->kind) {
  case BM_FAMILY_MVN: return bm_mvn_hess(d, &o->row, H);
  case BM_FAMILY_MVT: return bm_mvt_hess(d, &o->row, H);
  case BM_FAMILY_WISHART: return bm_wishart_hess(d, o->mat, H);
  case BM_FAMILY_INVWISHART: return bm_invwishart_hess(d, o->mat, H);
  case BM_FAMILY_MATNORM: return bm_matnorm_hess(d, o->mat, H);
  case BM_FAMILY_MATT: return bm_matt_hess(d, o->mat, H);
  case BM_FAMILY_MATF: return bm_matf_hess(d, o->mat, H);
  }
  return BM_EINVAL;
}

/* ---- the bm_model callbacks (params = the bm_family_model) ------------------- */

static int adapter_theta(size_t i, const gsl_vector *eta, void *params, gsl_vector *theta_i, gsl_matrix *J_i)
{
  bm_family_model *fm = params;
  return fm->theta(i, eta, fm->params, theta_i, J_i);
}

static int adapter_curvature(size_t i, const gsl_vector *eta, const gsl_vector *w, void *params, gsl_matrix *C)
{
  bm_family_model *fm = params;
  return fm->theta_curvature(i, eta, w, fm->params, C);
}

static int adapter_fisher(size_t i, const gsl_vector *theta_i, void *params, gsl_matrix *I_F)
{
  (void)i; /* I_F depends on observation i only through theta_i */
  bm_family_model *fm = params;
  int status = bm_family_set_theta(fm->kind, fm->dist, theta_i);
  return status ? status : family_fisher(fm->kind, fm->dist, I_F);
}

static int adapter_score_hess(size_t i, const gsl_vector *theta_i, void *params, gsl_vector *s, gsl_matrix *H)
{
  bm_family_model *fm = params;
  observation o = get_obs(fm, i);
  if (!o.ok) return BM_EINVAL; /* no observations given */
  int status = bm_family_set_theta(fm->kind, fm->dist, theta_i);
  if (!status && s) status = family_score(fm, &o, s);
  if (!status && H) status = family_hess(fm, &o, H);
  return status;
}

/* ---- public ------------------------------------------------------------------- */

/* Validate fm (see bm_family_model_init). */
#undef BM_FN
#define BM_FN fn /* the public caller, through the macro */
#define check_family_model(fm) check_family_model_fn(__func__, fm)
static int check_family_model_fn(const char *fn, const bm_family_model *fm)
{
  if (fm == NULL || fm->dist == NULL || fm->theta == NULL)
    return BM_FAIL(BM_EINVAL, "%s is NULL", fm == NULL ? "fm" : fm->dist == NULL ? "fm->dist" : "fm->theta");
  size_t m = bm_family_nparams(fm->kind, fm->dist);
  if (m == 0 || fm->n_obs == 0 || fm->dim_eta == 0)
    return BM_FAIL(BM_EINVAL, "%s", m == 0 ? "fm->kind or fm->dist is not a set family object" : fm->n_obs == 0 ? "fm->n_obs is 0" : "fm->dim_eta is 0");
  if (is_vector_family(fm->kind)) {
    if (fm->y_mats != NULL) return BM_FAIL(BM_EINVAL, "fm->y_mats is given for a vector family (use fm->y_rows)");
    if (fm->y_rows != NULL) {
      size_t p = fm->kind == BM_FAMILY_MVN ? bm_mvn_dim(fm->dist) : bm_mvt_dim(fm->dist);
      if (fm->y_rows->size1 != fm->n_obs || fm->y_rows->size2 != p)
        return BM_FAIL(BM_EBADLEN, "fm->y_rows is %zu x %zu, expected fm->n_obs x p = %zu x %zu", fm->y_rows->size1, fm->y_rows->size2, fm->n_obs, p);
    }
    return BM_SUCCESS;
  }
  if (fm->y_rows != NULL) return BM_FAIL(BM_EINVAL, "fm->y_rows is given for a matrix family (use fm->y_mats)");
  if (fm->y_mats == NULL) return BM_SUCCESS;
  size_t p = 0; /* the square variate's p where the family's dimension is public */
  if (fm->kind == BM_FAMILY_MATF) p = bm_matf_dim(fm->dist);
  else if (fm->kind == BM_FAMILY_WISHART || fm->kind == BM_FAMILY_INVWISHART)
    for (p = 1; bm_vech_len(p) + 1 < m; p++) continue;
  for (size_t i = 0; i < fm->n_obs; i++) {
    const gsl_matrix *Y = Y_MATS(fm)[i];
    if (Y == NULL) return BM_FAIL(BM_EINVAL, "fm->y_mats[%zu] is NULL", i);
    if (p && (Y->size1 != p || Y->size2 != p))
      return BM_FAIL(BM_EBADLEN, "fm->y_mats[%zu] is %zu x %zu, expected %zu x %zu", i, Y->size1, Y->size2, p, p);
  }
  return BM_SUCCESS;
}
#undef BM_FN
#define BM_FN __func__

int bm_family_model_init(bm_model *model, bm_family_model *fm)
{
  if (model == NULL) return BM_FAIL(BM_EINVAL, "model is NULL");
  memset(model, 0, sizeof *model);
  int status = check_family_model(fm);
  if (status) return status;
  model->n_obs = fm->n_obs;
  model->dim_eta = fm->dim_eta;
  model->dim_theta = bm_family_nparams(fm->kind, fm->dist);
  model->theta = adapter_theta;
  model->theta_curvature = fm->theta_curvature ? adapter_curvature : NULL;
  model->fisher = adapter_fisher;
  model->score_hess = adapter_score_hess;
  model->params = fm;
  return BM_SUCCESS;
}

int bm_family_model_loglik(bm_family_model *fm, const gsl_vector *eta, double *ll)
{
  if (ll == NULL) return BM_FAIL(BM_EINVAL, "ll is NULL");
  *ll = NAN;
  int status = check_family_model(fm);
  if (status) return status;
  if (is_vector_family(fm->kind) ? fm->y_rows == NULL : fm->y_mats == NULL) return BM_FAIL(BM_EINVAL, "argument check failed: is_vector_family(fm->kind) ? fm->y_rows == NULL : fm->y_mats == NULL");
  status = bm_validate_vector(eta, fm->dim_eta);
  if (status) return status;
  size_t m = bm_family_nparams(fm->kind, fm->dist), d = fm->dim_eta;
  gsl_vector *theta_i = bm_vector_alloc(m);
  gsl_matrix *J_i = bm_matrix_alloc(m, d);
  if (theta_i == NULL || J_i == NULL) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  double sum = 0.0;
  for (size_t i = 0; i < fm->n_obs; i++) {
    if (fm->theta(i, eta, fm->params, theta_i, J_i)) {
      status = BM_FAIL(BM_EDOM, "argument check failed: fm->theta(i, eta, fm->params, theta_i, J_i)");
      goto done;
    }
    observation o = get_obs(fm, i);
    double lp;
    status = bm_family_set_theta(fm->kind, fm->dist, theta_i);
    if (!status) status = family_logpdf(fm, &o, &lp);
    if (status) {
      status = status == BM_ENOMEM ? BM_ENOMEM : BM_EDOM;
      goto done;
    }
    sum += lp;
  }
  *ll = sum;
done:
  bm_vector_free(theta_i);
  bm_matrix_free(J_i);
  return status;
}
