/* bayesmat — family observation models for bm_model (include/bayesmat/model_family.h).
 *
 * y_i ~ F(theta_i(eta)): the adapters below give bm_model (inference/model_fisher.c)
 *   fisher(i, theta_i)        = bm_dist_fisher after bm_dist_set_theta(theta_i)   (closed form, docs/fisher.md)
 *   score_hess(i, theta_i)    = bm_dist_score / bm_dist_hess at y_i after bm_dist_set_theta(theta_i)
 * through the family's descriptor (bayesmat/family.h): a built-in kind's
 * typed object is viewed as a bm_dist of its descriptor, and BM_FAMILY_DIST
 * takes any bm_dist, a user's family included.
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
#include "bayesmat/family.h"
#include "bayesmat/model_family.h"
#include "../src/error.h"

/* ---- the family through its descriptor ------------------------------------------ */

/* The descriptor of a built-in kind (bm_family_list's order is the enum's),
 * NULL for BM_FAMILY_DIST or an unknown kind. */
static const bm_family_type *kind_type(bm_family_kind kind)
{
  if (kind < BM_FAMILY_MVN || kind > BM_FAMILY_MATF) return NULL;
  return bm_family_list()[kind - BM_FAMILY_MVN];
}

/* fm->dist as a bm_dist: the caller's own for BM_FAMILY_DIST, else a view of
 * the typed object (type NULL for an unknown kind or a NULL dist). */
static bm_dist as_dist(bm_family_kind kind, const void *dist)
{
  bm_dist d = {NULL, NULL};
  if (dist == NULL) return d;
  if (kind == BM_FAMILY_DIST) return *(const bm_dist *)dist;
  d.type = kind_type(kind);
  d.state = d.type ? (void *)dist : NULL;
  return d;
}

size_t bm_family_nparams(bm_family_kind kind, const void *dist)
{
  bm_dist d = as_dist(kind, dist);
  return d.type ? bm_dist_nparams(&d) : 0;
}

int bm_family_set_theta(bm_family_kind kind, void *dist, const gsl_vector *theta)
{
  bm_dist d = as_dist(kind, dist);
  return d.type ? BM_WRAP(bm_dist_set_theta(&d, theta)) : BM_FAIL(BM_EINVAL, "kind = %d is not a family, or dist is NULL", (int)kind);
}

static int is_vector_family(const bm_dist *d) { return d->type->variate == BM_VARIATE_VECTOR; }

/* fm->y_mats as what it is (the header types it const void * for callers' sake) */
#define Y_MATS(fm) ((const gsl_matrix *const *)(fm)->y_mats)

/* y_i as the family's variate: row i of y_rows as a 1 x p matrix, or y_mats[i]. */
typedef struct {
  gsl_matrix row; /* a copy of a 1 x p view's struct (data still in y_rows) */
  const gsl_matrix *x;
} observation;

static void get_obs(const bm_family_model *fm, const bm_dist *d, size_t i, observation *o)
{
  memset(o, 0, sizeof *o);
  if (i >= fm->n_obs) return;
  if (is_vector_family(d)) {
    if (fm->y_rows == NULL) return;
    gsl_matrix_const_view v = gsl_matrix_const_submatrix(fm->y_rows, i, 0, 1, fm->y_rows->size2);
    o->row = v.matrix;
    o->x = &o->row;
  } else if (fm->y_mats != NULL) {
    o->x = Y_MATS(fm)[i];
  }
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
  bm_dist d = as_dist(fm->kind, fm->dist);
  int status = bm_dist_set_theta(&d, theta_i);
  return status ? status : bm_dist_fisher(&d, I_F);
}

static int adapter_score_hess(size_t i, const gsl_vector *theta_i, void *params, gsl_vector *s, gsl_matrix *H)
{
  bm_family_model *fm = params;
  bm_dist d = as_dist(fm->kind, fm->dist);
  observation o;
  get_obs(fm, &d, i, &o);
  if (o.x == NULL) return BM_EINVAL; /* no observations given */
  int status = bm_dist_set_theta(&d, theta_i);
  if (!status && s) status = bm_dist_score(&d, o.x, s);
  if (!status && H) status = bm_dist_hess(&d, o.x, H);
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
  bm_dist d = as_dist(fm->kind, fm->dist);
  size_t m = d.type ? bm_dist_nparams(&d) : 0;
  if (m == 0 || fm->n_obs == 0 || fm->dim_eta == 0)
    return BM_FAIL(BM_EINVAL, "%s", m == 0 ? "fm->kind or fm->dist is not a set family object" : fm->n_obs == 0 ? "fm->n_obs is 0" : "fm->dim_eta is 0");
  size_t rows, cols;
  bm_dist_shape(&d, &rows, &cols);
  if (is_vector_family(&d)) {
    if (fm->y_mats != NULL) return BM_FAIL(BM_EINVAL, "fm->y_mats is given for a vector family (use fm->y_rows)");
    if (fm->y_rows != NULL && (fm->y_rows->size1 != fm->n_obs || fm->y_rows->size2 != cols))
      return BM_FAIL(BM_EBADLEN, "fm->y_rows is %zu x %zu, expected fm->n_obs x p = %zu x %zu", fm->y_rows->size1, fm->y_rows->size2, fm->n_obs, cols);
    return BM_SUCCESS;
  }
  if (fm->y_rows != NULL) return BM_FAIL(BM_EINVAL, "fm->y_rows is given for a matrix family (use fm->y_mats)");
  if (fm->y_mats == NULL) return BM_SUCCESS;
  for (size_t i = 0; i < fm->n_obs; i++) {
    const gsl_matrix *Y = Y_MATS(fm)[i];
    if (Y == NULL) return BM_FAIL(BM_EINVAL, "fm->y_mats[%zu] is NULL", i);
    if (Y->size1 != rows || Y->size2 != cols)
      return BM_FAIL(BM_EBADLEN, "fm->y_mats[%zu] is %zu x %zu, expected %zu x %zu", i, Y->size1, Y->size2, rows, cols);
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
  bm_dist dist = as_dist(fm->kind, fm->dist);
  if (is_vector_family(&dist) ? fm->y_rows == NULL : fm->y_mats == NULL)
    return BM_FAIL(BM_EINVAL, "no observations: %s is NULL", is_vector_family(&dist) ? "fm->y_rows" : "fm->y_mats");
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
      status = BM_FAIL(BM_EDOM, "fm->theta failed at observation %zu", i);
      goto done;
    }
    observation o;
    get_obs(fm, &dist, i, &o);
    double lp;
    status = bm_dist_set_theta(&dist, theta_i);
    if (!status) status = bm_dist_logpdf(&dist, o.x, &lp);
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
