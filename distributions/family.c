/* bayesmat — the family registry and the generic handle (include/bayesmat/family.h).
 *
 * bm_dist_* check what the handle itself knows (NULL arguments, an absent
 * operation, the columns of a loglik batch) and otherwise call the family's
 * operation, which validates exactly as the typed API does: for the built-in
 * families the results are the typed calls' results, bit for bit.
 * bm_dist_jeffreys is not here but in inference/jeffreys.c: it needs
 * bm_jeffreys_from_fisher, an inference function, and distributions/ must not
 * depend on inference/.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/vech.h"
#include "bayesmat/family.h"
#include "internal.h"
#include "family_internal.h"
#include "work.h"
#include "../src/error.h"

/* The registry: adding a family is one line here (and its descriptor). */
static const bm_family_type *const families[] = {
  &bm_family_mvn,  &bm_family_mvt,  &bm_family_wishart, &bm_family_invwishart,
  &bm_family_matnorm, &bm_family_matt, &bm_family_matf, NULL,
};

const bm_family_type *const *bm_family_list(void) { return families; }

const bm_family_type *bm_family_find(const char *name)
{
  if (name == NULL) return NULL;
  for (const bm_family_type *const *T = families; *T; T++)
    if (strcmp((*T)->name, name) == 0) return *T;
  return NULL;
}

const char *bm_family_name(const bm_family_type *T) { return T ? T->name : NULL; }

static size_t block_dim(bm_block_dim dim, size_t rows, size_t cols)
{
  return dim == BM_DIM_ROWS ? rows : dim == BM_DIM_COLS ? cols : 1;
}

size_t bm_theta_block_len(const bm_theta_block *b, size_t rows, size_t cols)
{
  if (b == NULL) return 0;
  size_t r = block_dim(b->rows, rows, cols), c = block_dim(b->cols, rows, cols);
  switch (b->kind) {
  case BM_BLOCK_SCALAR: return 1;
  case BM_BLOCK_VEC: return r * c;
  case BM_BLOCK_VECH: return bm_vech_len(r);
  }
  return 0;
}

/* ---- the handle ------------------------------------------------------------ */

bm_dist *bm_dist_alloc(const bm_family_type *T, size_t rows, size_t cols)
{
  if (T == NULL || T->alloc == NULL || T->free == NULL) return NULL;
  void *state = T->alloc(rows, cols); /* NULL for a shape the family cannot have */
  bm_dist *d = state ? malloc(sizeof *d) : NULL;
  if (d) {
    d->type = T;
    d->state = state;
  } else if (state) {
    T->free(state);
  }
  return d;
}

void bm_dist_free(bm_dist *d)
{
  if (d == NULL) return;
  if (d->type && d->type->free) d->type->free(d->state);
  free(d);
}

const bm_family_type *bm_dist_type(const bm_dist *d) { return d ? d->type : NULL; }

/* d usable: a type and a state. */
static int ok(const bm_dist *d) { return d != NULL && d->type != NULL && d->state != NULL; }

size_t bm_dist_nparams(const bm_dist *d) { return ok(d) && d->type->nparams ? d->type->nparams(d->state) : 0; }

void bm_dist_shape(const bm_dist *d, size_t *rows, size_t *cols)
{
  size_t r = 0, c = 0;
  if (ok(d) && d->type->shape) d->type->shape(d->state, &r, &c);
  if (rows) *rows = r;
  if (cols) *cols = c;
}

/* The status of a call to an operation that may be absent, NaN-filling its output. */
#define absent(d, present) absent_fn(__func__, d, present) /* fn: the public bm_dist_* */
static int absent_fn(const char *fn, const bm_dist *d, int present)
{
  if (!ok(d)) return bm_error_set(BM_EINVAL, fn, "d is NULL or not a distribution (no type or state)");
  return present ? BM_SUCCESS : bm_error_set(BM_ENOTSUP, fn, "the family of d does not provide this operation");
}

/* The body of a bm_dist_* operation: the status (the output `out` NaN-filled
 * by `fill`) when d is unusable or has no `op`, else the family's op on the
 * arguments that follow, its message prefixed with the bm_dist_* name. */
#define DISPATCH(op, fill, out, ...)                                                                            \
  do {                                                                                                          \
    int status_ = absent(d, ok(d) && d->type->op != NULL);                                                      \
    if (status_) {                                                                                              \
      fill(out);                                                                                                \
      return status_;                                                                                           \
    }                                                                                                           \
    return BM_WRAP(d->type->op(d->state, __VA_ARGS__));                                                         \
  } while (0)

static void nan_double(double *x)
{
  if (x) *x = NAN;
}

static void nothing(const void *x) { (void)x; }

int bm_dist_set_theta(bm_dist *d, const gsl_vector *theta) { DISPATCH(set_theta, nothing, theta, theta); }

int bm_dist_get_theta(const bm_dist *d, gsl_vector *theta) { DISPATCH(get_theta, bm_nan_vector, theta, theta); }

/* The operations on one variate x (rows x cols), each with one output. */
#define VARIATE_OP(op, out_t, fill) \
  int bm_dist_##op(const bm_dist *d, const gsl_matrix *x, out_t out) { DISPATCH(op, fill, out, x, out); }
VARIATE_OP(logpdf, double *, nan_double)
VARIATE_OP(score, gsl_vector *, bm_nan_vector)
VARIATE_OP(hess, gsl_matrix *, bm_nan_matrix)
VARIATE_OP(hess_x, gsl_matrix *, bm_nan_matrix)

int bm_dist_fisher(const bm_dist *d, gsl_matrix *F) { DISPATCH(fisher, bm_nan_matrix, F, F); }

int bm_dist_sample(const bm_dist *d, gsl_rng *r, gsl_matrix *x) { DISPATCH(sample, bm_nan_matrix, x, r, x); }

int bm_dist_mean(const bm_dist *d, gsl_matrix *mean) { DISPATCH(mean, bm_nan_matrix, mean, mean); }

int bm_dist_sample_n(const bm_dist *d, gsl_rng *r, gsl_matrix *X)
{
  int status = absent(d, ok(d) && d->type->sample != NULL);
  if (!status && (r == NULL || X == NULL || d->type->shape == NULL))
    status = BM_FAIL(BM_EINVAL, "%s", r == NULL ? "r is NULL" : X == NULL ? "X is NULL" : "the family of d has no shape");
  size_t rows = 0, cols = 0;
  if (!status) {
    d->type->shape(d->state, &rows, &cols);
    if (X->size2 != rows * cols)
      status = BM_FAIL(BM_EBADLEN, "X has %zu columns (expected rows x cols = %zu)", X->size2, rows * cols);
  }
  if (status || X->size1 == 0) {
    bm_nan_matrix(X);
    return status;
  }
  /* Each draw goes into one scratch variate, taken once for the batch, and
   * is copied out as vec: a matrix family's draw is row-major, a row of X
   * holds its columns stacked. */
  _Alignas(64) double stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, rows * cols); /* malloc: 16-byte aligned */
  if (buf == NULL) {
    bm_nan_matrix(X);
    return BM_FAIL(BM_ENOMEM, "out of memory");
  }
  gsl_matrix x = {rows, cols, cols, buf, NULL, 0}; /* by hand: a 0 dimension must not reach GSL's handler */
  for (size_t i = 0; i < X->size1 && !status; i++) {
    status = d->type->sample(d->state, r, &x);
    double *row = X->data + i * X->tda;
    if (!status)
      for (size_t c = 0; c < cols; c++)
        for (size_t k = 0; k < rows; k++) row[c * rows + k] = buf[k * cols + c];
  }
  bm_work_release(&w);
  if (status) bm_nan_matrix(X);
  return BM_WRAP(status);
}

/* Copy row i of X (a variate's vec, columns stacked) into A (rows x cols). */
static void unvec_row(const gsl_matrix *X, size_t i, gsl_matrix *A)
{
  for (size_t c = 0; c < A->size2; c++)
    for (size_t r = 0; r < A->size1; r++) gsl_matrix_set(A, r, c, gsl_matrix_get(X, i, c * A->size1 + r));
}

/* The loglik of a family without a loglik op: logpdf row by row. */
static int loglik_by_rows(const bm_dist *d, size_t rows, size_t cols, const gsl_matrix *X, double *ll,
                          gsl_vector *each)
{
  gsl_matrix *A = bm_matrix_alloc(rows, cols);
  if (A == NULL) return bm_error_set(BM_ENOMEM, NULL, "out of memory"); /* the caller prefixes its name */
  int status = BM_SUCCESS;
  double sum = 0.0;
  for (size_t i = 0; i < X->size1 && !status; i++) {
    double lp;
    unvec_row(X, i, A);
    status = d->type->logpdf(d->state, A, &lp);
    if (status == BM_EDOM) *ll = -INFINITY;
    if (!status) {
      sum += lp;
      if (each) gsl_vector_set(each, i, lp);
    }
  }
  bm_matrix_free(A);
  if (!status) *ll = sum;
  return status;
}

int bm_dist_loglik(const bm_dist *d, const gsl_matrix *X, double *ll, gsl_vector *each)
{
  if (ll) *ll = NAN;
  if (!ok(d) || ll == NULL || X == NULL || d->type->logpdf == NULL || d->type->shape == NULL) {
    bm_nan_vector(each);
    return BM_FAIL(BM_EINVAL, "%s", !ok(d) ? "d is NULL or not a distribution" : ll == NULL ? "ll is NULL" : X == NULL ? "X is NULL" : "the family of d has no logpdf or shape");
  }
  if (d->type->loglik) return BM_WRAP(d->type->loglik(d->state, X, ll, each));
  size_t rows, cols;
  d->type->shape(d->state, &rows, &cols);
  if (X->size2 != rows * cols || (each && each->size != X->size1)) {
    bm_nan_vector(each);
    return BM_FAIL(BM_EBADLEN, "X has %zu columns (expected rows x cols = %zu) or each the wrong length", X->size2, rows * cols);
  }
  int status = loglik_by_rows(d, rows, cols, X, ll, each);
  if (status) bm_nan_vector(each);
  return BM_WRAP(status);
}

/* ---- for the built-in matrix-variate families (family_internal.h) ----------- */

int bm_family_loglik_mats(const void *state, size_t rows, size_t cols, const gsl_matrix *X, double *ll,
                          gsl_vector *each, bm_family_loglik_mats_fn loglik)
{
  if (ll) *ll = NAN;
  /* messages without a prefix: bm_dist_loglik, the public caller, adds its name */
  if (X == NULL || ll == NULL) {
    bm_nan_vector(each);
    return bm_error_set(BM_EINVAL, NULL, "%s is NULL", X == NULL ? "X" : "ll");
  }
  if (X->size2 != rows * cols) {
    bm_nan_vector(each);
    return bm_error_set(BM_EBADLEN, NULL, "X has %zu columns, expected rows x cols = %zu", X->size2, rows * cols);
  }
  size_t m = X->size1;
  /* the m variates side by side in one block, and m views into it */
  double *mem = malloc(sizeof(double) * (m * rows * cols + 1));
  gsl_matrix_view *views = malloc(sizeof *views * (m + 1));
  const gsl_matrix **ptrs = malloc(sizeof *ptrs * (m + 1));
  int status = BM_SUCCESS;
  if (mem == NULL || views == NULL || ptrs == NULL) {
    bm_nan_vector(each);
    status = bm_error_set(BM_ENOMEM, NULL, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < m; i++) {
    views[i] = gsl_matrix_view_array(mem + i * rows * cols, rows, cols);
    unvec_row(X, i, &views[i].matrix);
    ptrs[i] = &views[i].matrix;
  }
  status = loglik(state, ptrs, m, ll, each);
done:
  free(mem);
  free(views);
  free(ptrs);
  return status;
}
