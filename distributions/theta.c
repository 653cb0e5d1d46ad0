/* bayesmat — theta-vector access for every family (include/bayesmat/theta.h).
 *
 * bm_F_set_theta(d, theta) unpacks docs/contract.md's theta (vec / vech blocks with
 * bm_vec_unpack / bm_vech_unpack, nu and delta last) into scratch and calls
 * bm_F_set with the parameters in _set's order. Everything is validated by
 * bm_F_set, so the statuses and the "unchanged on failure" guarantee are
 * bm_F_set's own; here only NULL and the length of theta are checked.
 * Scratch lives on the stack up to BM_STACK_DOUBLES doubles (src/work.h).
 * Only public family API is used (this file must not know the structs).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stddef.h>
#include <gsl/gsl_math.h>
#include "bayesmat/status.h"
#include "bayesmat/vech.h"
#include "bayesmat/linalg.h"
#include "bayesmat/theta.h"
#include "work.h"
#include "family_internal.h"
#include "../src/error.h"

/* Common entry checks: NULL d/theta -> BM_EINVAL, length -> BM_EBADLEN. */
#define check_theta(d, theta, nparams) check_theta_fn(__func__, d, theta, nparams)
static int check_theta_fn(const char *fn, const void *d, const gsl_vector *theta, size_t nparams)
{
  if (d == NULL || theta == NULL) return bm_error_set(BM_EINVAL, fn, "%s is NULL", d == NULL ? "d" : "theta");
  if (nparams == 0 || theta->size != nparams)
    return bm_error_set(BM_EBADLEN, fn, "theta has length %zu, expected %zu", theta->size, nparams);
  return BM_SUCCESS;
}

/* S (p x p, on buf) <- the symmetric matrix whose vech is theta[off .. off+q). */
static gsl_matrix_view unpack_sym(const gsl_vector *theta, size_t off, size_t p, double *buf)
{
  gsl_matrix_view S = gsl_matrix_view_array(buf, p, p);
  gsl_vector_const_view v = gsl_vector_const_subvector(theta, off, bm_vech_len(p));
  bm_vech_unpack(&v.vector, &S.matrix);
  return S;
}

/* ---- vector families ------------------------------------------------------ */

/* mu and Sigma of a vector family's theta = (mu, vech Sigma, ...), Sigma
 * unpacked into scratch (release t->w after use, also on failure). */
typedef struct {
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  _gsl_vector_const_view mu; /* (the assignable type behind gsl_vector_const_view) */
  gsl_matrix_view Sigma;
} vector_theta;

static int vector_theta_unpack(const char *fn, const void *d, const gsl_vector *theta, size_t nparams, size_t p,
                               vector_theta *t)
{
  t->w = (bm_work){NULL, 0};
  int status = check_theta_fn(fn, d, theta, nparams);
  if (status) return status;
  double *buf = bm_work_get(&t->w, t->stack, BM_STACK_DOUBLES, p * p);
  if (buf == NULL) return bm_error_set(BM_ENOMEM, fn, "out of memory");
  t->mu = gsl_vector_const_subvector(theta, 0, p);
  t->Sigma = unpack_sym(theta, p, p, buf);
  return BM_SUCCESS;
}

int bm_mvn_set_theta(bm_mvn *d, const gsl_vector *theta)
{
  vector_theta t;
  int status = vector_theta_unpack(__func__, d, theta, bm_mvn_nparams(d), bm_mvn_dim(d), &t);
  if (!status) status = BM_WRAP(bm_mvn_set(d, &t.mu.vector, &t.Sigma.matrix));
  bm_work_release(&t.w);
  return status;
}

int bm_mvn_get_theta(const bm_mvn *d, gsl_vector *theta)
{
  if (theta == NULL) return BM_FAIL(BM_EINVAL, "theta is NULL");
  int status = BM_SUCCESS;
  double stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  if (d == NULL) {
    status = BM_FAIL(BM_EINVAL, "d is NULL");
    goto done;
  }
  if (theta->size != bm_mvn_nparams(d)) {
    status = BM_FAIL(BM_EBADLEN, "theta has length %zu, expected %zu", theta->size, bm_mvn_nparams(d));
    goto done;
  }
  size_t p = bm_mvn_dim(d);
  double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p);
  if (buf == NULL) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  gsl_vector_view mu = gsl_vector_subvector(theta, 0, p);
  gsl_matrix_view Sigma = gsl_matrix_view_array(buf, p, p);
  gsl_vector_view vs = gsl_vector_subvector(theta, p, bm_vech_len(p));
  status = BM_WRAP(bm_mvn_mean(d, &mu.vector)); /* BM_EINVAL when d was never set */
  if (!status) status = BM_WRAP(bm_mvn_cov(d, &Sigma.matrix));
  if (!status) status = BM_WRAP(bm_vech(&Sigma.matrix, &vs.vector));
done:
  bm_work_release(&w);
  if (status) gsl_vector_set_all(theta, NAN);
  return status;
}

int bm_mvt_set_theta(bm_mvt *d, const gsl_vector *theta)
{
  vector_theta t;
  int status = vector_theta_unpack(__func__, d, theta, bm_mvt_nparams(d), bm_mvt_dim(d), &t);
  if (!status) status = BM_WRAP(bm_mvt_set(d, gsl_vector_get(theta, theta->size - 1), &t.mu.vector, &t.Sigma.matrix));
  bm_work_release(&t.w);
  return status;
}

/* ---- SPD families: theta = (vech S, scalars...) ---------------------------- */

/* theta = (vech S, scalars...) of a p x p SPD-variate family: S unpacked into
 * scratch and handed to _set with the scalars first, as _set takes them. */
#define SPD_FAMILY_SET_THETA(FAMILY_SET, d, p, theta, ...)                                    \
  do {                                                                                        \
    double stack[BM_STACK_DOUBLES];                                                           \
    bm_work w;                                                                                \
    double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, (p) * (p));                        \
    if (buf == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");                              \
    gsl_matrix_view S = unpack_sym(theta, 0, (p), buf);                                       \
    status = FAMILY_SET(d, __VA_ARGS__, &S.matrix);                                           \
    bm_work_release(&w);                                                                      \
  } while (0)

/* theta = (vech P, nu) of the Wishart-type family F */
#define WISHART_TYPE_SET_THETA(F)                                                             \
  int bm_##F##_set_theta(bm_##F *d, const gsl_vector *theta)                                  \
  {                                                                                           \
    int status = check_theta(d, theta, bm_##F##_nparams(d));                                  \
    if (status) return status;                                                                \
    double nu = gsl_vector_get(theta, theta->size - 1);                                       \
    SPD_FAMILY_SET_THETA(bm_##F##_set, d, bm_##F##_dim(d), theta, nu);                        \
    return BM_WRAP(status);                                                                   \
  }
WISHART_TYPE_SET_THETA(wishart)
WISHART_TYPE_SET_THETA(invwishart)

int bm_matf_set_theta(bm_matf *d, const gsl_vector *theta)
{
  int status = check_theta(d, theta, bm_matf_nparams(d));
  if (status) return status;
  double nu = gsl_vector_get(theta, theta->size - 2), delta = gsl_vector_get(theta, theta->size - 1);
  SPD_FAMILY_SET_THETA(bm_matf_set, d, bm_matf_dim(d), theta, nu, delta);
  return BM_WRAP(status);
}

/* ---- matrix-mean families: theta = (vec M, vech A, vech B [, nu]) ---------- */

/* Callback offering (M, A, B) to the family's _set (nu fixed inside). */
typedef int (*mm_set_fn)(void *d, double nu, const gsl_matrix *M, const gsl_matrix *A, const gsl_matrix *B);

static int matnorm_set_cb(void *d, double nu, const gsl_matrix *M, const gsl_matrix *A, const gsl_matrix *B)
{
  (void)nu;
  return bm_matnorm_set(d, M, A, B);
}

static int matt_set_cb(void *d, double nu, const gsl_matrix *M, const gsl_matrix *A, const gsl_matrix *B)
{
  return bm_matt_set(d, nu, M, A, B);
}

/* theta = (vec M, vech A, vech B[, nu]) for an n x p variate. */
#define mm_set_theta(...) mm_set_theta_fn(__func__, __VA_ARGS__)
static int mm_set_theta_fn(const char *fn, void *d, mm_set_fn set, size_t n, size_t p, size_t nparams,
                           const gsl_vector *theta, size_t nscalars)
{
  int status = check_theta_fn(fn, d, theta, nparams);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, n * p + n * n + p * p); /* M, A, B side by side */
  if (buf == NULL) return bm_error_set(BM_ENOMEM, fn, "out of memory");
  double nu = nscalars ? gsl_vector_get(theta, theta->size - 1) : 0.0;
  gsl_matrix_view M = gsl_matrix_view_array(buf, n, p);
  gsl_vector_const_view vM = gsl_vector_const_subvector(theta, 0, n * p);
  bm_vec_unpack(&vM.vector, &M.matrix);
  gsl_matrix_view A = unpack_sym(theta, n * p, n, buf + n * p);
  gsl_matrix_view B = unpack_sym(theta, n * p + bm_vech_len(n), p, buf + n * p + n * n);
  status = set(d, nu, &M.matrix, &A.matrix, &B.matrix);
  bm_work_release(&w);
  return bm_error_wrap(status, fn);
}

int bm_matnorm_set_theta(bm_matnorm *d, const gsl_vector *theta)
{
  size_t n, p;
  bm_matnorm_dims(d, &n, &p);
  return mm_set_theta(d, matnorm_set_cb, n, p, bm_matnorm_nparams(d), theta, 0);
}

int bm_matt_set_theta(bm_matt *d, const gsl_vector *theta)
{
  size_t n, p;
  bm_matt_dims(d, &n, &p);
  return mm_set_theta(d, matt_set_cb, n, p, bm_matt_nparams(d), theta, 1);
}

/* ---- writing theta (the families' _get_theta, family_internal.h) ---------- */

int bm_theta_get_begin_fn(const char *fn, int is_set, size_t nparams, gsl_vector *theta)
{
  if (theta == NULL) return bm_error_set(BM_EINVAL, fn, "theta is NULL");
  int status = !is_set ? bm_error_set(BM_EINVAL, fn, "d is NULL or has not been set")
               : theta->size != nparams
                   ? bm_error_set(BM_EBADLEN, fn, "theta has length %zu, expected %zu", theta->size, nparams)
                   : BM_SUCCESS;
  if (status) gsl_vector_set_all(theta, NAN);
  return status;
}

void bm_theta_put_vec(gsl_vector *theta, size_t off, const gsl_matrix *A)
{
  gsl_vector_view v = gsl_vector_subvector(theta, off, A->size1 * A->size2);
  bm_vec(A, &v.vector);
}

void bm_theta_put_sym(gsl_vector *theta, size_t off, const gsl_matrix *S)
{
  gsl_vector_view v = gsl_vector_subvector(theta, off, bm_vech_len(S->size1));
  bm_vech(S, &v.vector);
}

int bm_theta_put_chol_fn(const char *fn, gsl_vector *theta, size_t off, const gsl_matrix *L)
{
  size_t p = L->size1;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p);
  if (buf == NULL) {
    gsl_vector_set_all(theta, NAN);
    return bm_error_set(BM_ENOMEM, fn, "out of memory");
  }
  gsl_matrix_view S = gsl_matrix_view_array(buf, p, p);
  bm_chol_product(L, &S.matrix); /* S = L L^T, the scale as _set was given it up to rounding */
  bm_theta_put_sym(theta, off, &S.matrix);
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_theta_put_mean_scales_fn(const char *fn, gsl_vector *theta, const gsl_matrix *M, const gsl_matrix *L_row,
                                const gsl_matrix *L_col)
{
  size_t np = M->size1 * M->size2;
  bm_theta_put_vec(theta, 0, M);
  int status = bm_theta_put_chol_fn(fn, theta, np, L_row);
  return status ? status : bm_theta_put_chol_fn(fn, theta, np + bm_vech_len(L_row->size1), L_col);
}
