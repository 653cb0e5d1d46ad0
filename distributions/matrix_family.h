/* Internal (not installed): the parts of the public entry points that the two
 * row/column-scale families (matnorm.c, matt.c) have in common beyond the
 * numerical pieces of matrix_common.h: object allocation, argument checks,
 * the scratch of the second-order functions. Each helper takes its public
 * caller's name (fn) for bm_last_error, so the messages are those of the
 * caller. Object structs must have their bm_mc_scales as the first member.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MATRIX_FAMILY_H
#define BAYESMAT_MATRIX_FAMILY_H

#include <math.h>
#include <stdlib.h>
#include "bayesmat/status.h"
#include "bayesmat/vech.h"
#include "bayesmat/linalg.h"
#include "matrix_common.h"
#include "family_internal.h"
#include "../src/error.h"

/* calloc an object of `size` bytes that starts with a bm_mc_scales and allocate
 * the scales' matrices for n x p; NULL when n or p is 0 or memory is short. */
static inline void *bm_mc_object_alloc(const char *fn, size_t size, size_t n, size_t p)
{
  if (n == 0 || p == 0) return NULL;
  bm_mc_scales *s = calloc(1, size);
  if (s && bm_mc_alloc_fn(fn, s, n, p)) {
    free(s);
    return NULL;
  }
  return s;
}

/* Free an object from bm_mc_object_alloc (NULL is fine). */
static inline void bm_mc_object_free(void *d)
{
  if (d == NULL) return;
  bm_mc_free(d);
  free(d);
}

/* BM_EINVAL unless s is set, then the shape of a k x k output A named A_name. */
static inline int bm_mc_check_square_out(const char *fn, const bm_mc_scales *s, const char *A_name,
                                         const gsl_matrix *A, size_t k)
{
  if (s == NULL || !s->is_set) return bm_error_set(BM_EINVAL, fn, "d is NULL or has not been set");
  return bm_check_shape(fn, A_name, A, k, k);
}

/* P <- row scale^-1, Q <- column scale^-1 (full symmetric), from the factors. */
static inline void bm_mc_scale_inverses(const bm_mc_scales *s, gsl_matrix *P, gsl_matrix *Q)
{
  bm_chol_inverse(s->L_row, P);
  bm_chol_inverse(s->L_col, Q);
}

/* The start of a batched loglik: ll non-NULL (then NaN), each (if given) of
 * length m, then the batch whitened into *Z (bm_mc_batch_whiten). */
static inline int bm_mc_loglik_begin(const char *fn, const bm_mc_scales *s, const gsl_matrix *const *X, size_t m,
                                     double *ll, const gsl_vector *each, double **Z)
{
  if (ll == NULL) return bm_error_set(BM_EINVAL, fn, "ll is NULL");
  *ll = NAN;
  int status = each ? bm_check_length(fn, "each", each, m) : BM_SUCCESS;
  return status ? status : bm_mc_batch_whiten_fn(fn, s, X, m, Z);
}

/* The start of a batched loglik_grad: ll non-NULL (then NaN), s set, the
 * shapes of the gradient outputs, then the batch whitened into *Z. */
static inline int bm_mc_loglik_grad_begin(const char *fn, const bm_mc_scales *s, const gsl_matrix *const *X,
                                          size_t m, double *ll, const gsl_matrix *dM, const gsl_matrix *dA,
                                          const gsl_matrix *dB, double **Z)
{
  if (ll == NULL) return bm_error_set(BM_EINVAL, fn, "ll is NULL");
  *ll = NAN;
  if (s == NULL || !s->is_set) return bm_error_set(BM_EINVAL, fn, "d is NULL or has not been set");
  int status = bm_mc_check_grad_shapes_fn(fn, s, NULL, dM, dA, dB);
  return status ? status : bm_mc_batch_whiten_fn(fn, s, X, m, Z);
}

/* One malloc (*mem, freed by bm_mc_scratch_end) carved into the k matrix
 * views mv[i] of dims[i][0] x dims[i][1], then the vector views tn and tp of
 * lengths n(n+1)/2 and p(p+1)/2 for s's n x p (views of non-zero size never
 * call GSL's error handler). With P and Q (two of the n x n and p x p views)
 * not NULL, they receive the scale inverses. BM_ENOMEM reported for fn. */
static inline int bm_mc_scratch_carve(const char *fn, double **mem, size_t k, gsl_matrix_view *const *mv,
                                      const size_t (*dims)[2], gsl_vector_view *tn, gsl_vector_view *tp,
                                      const bm_mc_scales *s, gsl_matrix_view *P, gsl_matrix_view *Q)
{
  size_t qn = bm_vech_len(s->n), qp = bm_vech_len(s->p), len = qn + qp;
  for (size_t i = 0; i < k; i++) len += dims[i][0] * dims[i][1];
  double *q = *mem = malloc(sizeof(double) * len);
  if (q == NULL) return bm_error_set(BM_ENOMEM, fn, "out of memory");
  for (size_t i = 0; i < k; i++) {
    *mv[i] = gsl_matrix_view_array(q, dims[i][0], dims[i][1]);
    q += dims[i][0] * dims[i][1];
  }
  *tn = gsl_vector_view_array(q, qn);
  *tp = gsl_vector_view_array(q + qn, qp);
  if (P && Q) bm_mc_scale_inverses(s, &P->matrix, &Q->matrix);
  return BM_SUCCESS;
}

/* The end of a call with carved scratch: free it, NaN-fill the output A on failure. */
static inline int bm_mc_scratch_end(double *mem, int status, gsl_matrix *A)
{
  free(mem);
  if (status) bm_nan_matrix(A);
  return status;
}

/* The checks of a Hessian at X: s set, X n x p, then H k x k. */
static inline int bm_mc_check_hess(const char *fn, const bm_mc_scales *s, const gsl_matrix *X, const gsl_matrix *H,
                                   size_t k)
{
  int status = bm_mc_check_eval_fn(fn, s, X);
  return status ? status : bm_check_shape(fn, "H", H, k, k);
}

/* theta = (vec M, vech row scale, vech column scale, ...) of a set object: the
 * checks of a k-vector theta and its first n p + q_n + q_p entries. */
static inline int bm_mc_get_theta(const char *fn, const bm_mc_scales *s, size_t k, gsl_vector *theta)
{
  int status = bm_theta_get_begin_fn(fn, s && s->is_set, k, theta);
  return status ? status : bm_theta_put_mean_scales_fn(fn, theta, s->M, s->L_row, s->L_col); /* scales = L L^T */
}

#endif
