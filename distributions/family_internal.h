/* Internal (not installed): what a built-in family's descriptor is made of.
 *
 * The descriptor's operations take an untyped state and a matrix-shaped
 * variate; the typed API takes bm_F * and, for mvn/mvt, a gsl_vector. The
 * macros below write the thin adapters between the two once, so that each
 * family file ends with one macro call and its descriptor (see the end of
 * distributions/wishart.c). An adapter only converts types (and views row 0
 * of a 1 x p variate): results are bit-identical to the typed calls.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_FAMILY_INTERNAL_H
#define BAYESMAT_FAMILY_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "bayesmat/family.h"

/* A typed batched log-likelihood over an array of m matrices. */
typedef int (*bm_family_loglik_mats_fn)(const void *state, const gsl_matrix *const *X, size_t m, double *ll,
                                        gsl_vector *each);

/* loglik op of a matrix-variate family: unvec each row of X (N x rows*cols)
 * into a rows x cols matrix and hand the N matrices to the typed loglik. */
int bm_family_loglik_mats(const void *state, size_t rows, size_t cols, const gsl_matrix *X, double *ll,
                          gsl_vector *each, bm_family_loglik_mats_fn loglik);

/* Writing theta in a family's _get_theta (distributions/theta.c):
 * begin checks theta (BM_EINVAL for NULL or an unset object, BM_EBADLEN for
 * a length other than nparams; theta NaN-filled on failure); put_vec writes
 * vec A, put_sym vech S, put_chol vech(L L^T) at offset off (BM_ENOMEM only
 * for p > 64, theta then NaN-filled). */
int bm_theta_get_begin_fn(const char *fn, int is_set, size_t nparams, gsl_vector *theta);
/* (fn: the public _get_theta, named in bm_last_error; the macro passes it) */
#define bm_theta_get_begin(is_set, nparams, theta) bm_theta_get_begin_fn(__func__, is_set, nparams, theta)
void bm_theta_put_vec(gsl_vector *theta, size_t off, const gsl_matrix *A);
void bm_theta_put_sym(gsl_vector *theta, size_t off, const gsl_matrix *S);
int bm_theta_put_chol_fn(const char *fn, gsl_vector *theta, size_t off, const gsl_matrix *L);
#define bm_theta_put_chol(theta, off, L) bm_theta_put_chol_fn(__func__, theta, off, L)
/* (vec M, vech(L_row L_row^T), vech(L_col L_col^T)) at the start of theta (matnorm, matt). */
int bm_theta_put_mean_scales_fn(const char *fn, gsl_vector *theta, const gsl_matrix *M, const gsl_matrix *L_row,
                                const gsl_matrix *L_col);
#define bm_theta_put_mean_scales(theta, M, L_row, L_col) bm_theta_put_mean_scales_fn(__func__, theta, M, L_row, L_col)

/* Body of bm_F_logpdf_grad(d, x, lp, gradient outputs...): the log-density
 * and bm_F_grad's outputs; *lp is NaN when only the gradient fails. */
#define BM_FAMILY_LOGPDF_GRAD(F, x, lp, ...)                                                          \
  do {                                                                                                \
    double v_ = NAN;                                                                                  \
    int status_ = bm_##F##_logpdf(d, x, &v_), grad_status_ = bm_##F##_grad(d, x, __VA_ARGS__);        \
    if (lp) *lp = status_ || !grad_status_ ? v_ : NAN;                                                \
    return status_ ? status_ : grad_status_;                                                          \
  } while (0)

/* Operations common to every built-in family F (typed bm_F_* exist for all). */
#define BM_FAMILY_COMMON_OPS(F)                                                                       \
  static void F##_op_free(void *s) { bm_##F##_free(s); }                                           \
  static void F##_op_shape(const void *s, size_t *rows, size_t *cols) { bm_##F##_shape(s, rows, cols); } \
  static size_t F##_op_nparams(const void *s) { return bm_##F##_nparams(s); }                      \
  static int F##_op_set_theta(void *s, const gsl_vector *t) { return bm_##F##_set_theta(s, t); }   \
  static int F##_op_get_theta(const void *s, gsl_vector *t) { return bm_##F##_get_theta(s, t); }   \
  static int F##_op_fisher(const void *s, gsl_matrix *F_) { return bm_##F##_fisher(s, F_); }

/* Variate operations of a family whose variate is a gsl_matrix. */
#define BM_FAMILY_MATRIX_OPS(F)                                                                       \
  BM_FAMILY_COMMON_OPS(F)                                                                             \
  static int F##_op_logpdf(const void *s, const gsl_matrix *x, double *lp) { return bm_##F##_logpdf(s, x, lp); } \
  static int F##_op_score(const void *s, const gsl_matrix *x, gsl_vector *g) { return bm_##F##_score(s, x, g); } \
  static int F##_op_hess(const void *s, const gsl_matrix *x, gsl_matrix *H) { return bm_##F##_hess(s, x, H); }   \
  static int F##_op_hess_x(const void *s, const gsl_matrix *x, gsl_matrix *H) { return bm_##F##_hess_x(s, x, H); } \
  static int F##_op_sample(const void *s, gsl_rng *r, gsl_matrix *x) { return bm_##F##_sample(s, r, x); }      \
  static int F##_op_mean(const void *s, gsl_matrix *m) { return bm_##F##_mean(s, m); }                         \
  static int F##_op_loglik_mats(const void *s, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *e) \
  {                                                                                                   \
    return bm_##F##_loglik(s, X, m, ll, e);                                                           \
  }                                                                                                   \
  static int F##_op_loglik(const void *s, const gsl_matrix *X, double *ll, gsl_vector *e)           \
  {                                                                                                   \
    size_t rows, cols;                                                                                \
    bm_##F##_shape(s, &rows, &cols);                                                                  \
    return bm_family_loglik_mats(s, rows, cols, X, ll, e, F##_op_loglik_mats);                        \
  }

/* A 1 x p variate x as the typed API's gsl_vector v (row 0); on a NULL x or
 * more than one row run `onfail` (NaN-fill the output) and return the status
 * with a message that the calling bm_dist_* prefixes with its name. */
#define BM_FAMILY_ROW_VIEW(view_t, row_fn, x, v, onfail)                                              \
  if ((x) == NULL || (x)->size1 != 1) {                                                               \
    onfail;                                                                                           \
    return (x) == NULL ? bm_error_set(BM_EINVAL, NULL, "%s is NULL", #x)                              \
                       : bm_error_set(BM_EBADLEN, NULL, "%s is %zu x %zu, expected 1 x p", #x, (x)->size1, (x)->size2); \
  }                                                                                                   \
  view_t v = row_fn((x), 0)

/* One adapter of a vector family: out is the output (NaN-filled by `fill`
 * when the variate's shape is wrong), call the typed function. */
#define BM_FAMILY_VECTOR_OP(F, op, out_t, fill)                                                  \
  static int F##_op_##op(const void *s, const gsl_matrix *x, out_t out)                             \
  {                                                                                                   \
    BM_FAMILY_ROW_VIEW(gsl_vector_const_view, gsl_matrix_const_row, x, v, if (out) fill(out, NAN));  \
    return bm_##F##_##op(s, &v.vector, out);                                                          \
  }

/* Variate operations of a vector family (the variate is row 0 of a 1 x p matrix). */
#define BM_FAMILY_VECTOR_OPS(F)                                                                       \
  BM_FAMILY_COMMON_OPS(F)                                                                             \
  static int F##_op_logpdf(const void *s, const gsl_matrix *x, double *lp)                          \
  {                                                                                                   \
    BM_FAMILY_ROW_VIEW(gsl_vector_const_view, gsl_matrix_const_row, x, v, if (lp) *lp = NAN);         \
    return bm_##F##_logpdf(s, &v.vector, lp);                                                         \
  }                                                                                                   \
  BM_FAMILY_VECTOR_OP(F, score, gsl_vector *, gsl_vector_set_all)                                     \
  BM_FAMILY_VECTOR_OP(F, hess, gsl_matrix *, gsl_matrix_set_all)                                      \
  BM_FAMILY_VECTOR_OP(F, hess_x, gsl_matrix *, gsl_matrix_set_all)                                    \
  static int F##_op_sample(const void *s, gsl_rng *r, gsl_matrix *x)                                \
  {                                                                                                   \
    BM_FAMILY_ROW_VIEW(gsl_vector_view, gsl_matrix_row, x, v, if (x) gsl_matrix_set_all(x, NAN));          \
    return bm_##F##_sample(s, r, &v.vector);                                                          \
  }                                                                                                   \
  static int F##_op_mean(const void *s, gsl_matrix *mean)                                           \
  {                                                                                                   \
    BM_FAMILY_ROW_VIEW(gsl_vector_view, gsl_matrix_row, mean, v, if (mean) gsl_matrix_set_all(mean, NAN)); \
    return bm_##F##_mean(s, &v.vector);                                                               \
  }                                                                                                   \
  static int F##_op_loglik(const void *s, const gsl_matrix *X, double *ll, gsl_vector *e)           \
  {                                                                                                   \
    return bm_##F##_loglik(s, X, ll, e);                                                              \
  }

/* The operation fields of a built-in descriptor, in bm_family_type's order. */
#define BM_FAMILY_OPS_INIT(F)                                                                         \
  .alloc = F##_op_alloc, .free = F##_op_free, .shape = F##_op_shape, .nparams = F##_op_nparams,    \
  .set_theta = F##_op_set_theta, .get_theta = F##_op_get_theta, .logpdf = F##_op_logpdf,            \
  .score = F##_op_score, .hess = F##_op_hess, .hess_x = F##_op_hess_x, .fisher = F##_op_fisher,     \
  .sample = F##_op_sample, .mean = F##_op_mean, .loglik = F##_op_loglik

#endif
