/* Distributed log-likelihood + gradient (include/bayesmat/mpi.h).
 *
 * bm_mpi_dist_loglik_grad works on any family through its descriptor
 * (bayesmat/family.h): the local value is the descriptor's batched loglik,
 * the local gradient the sum of its score over the rows, in theta order.
 * The seven typed entry points keep their own gradient layouts (full
 * matrices such as dSigma, not theta's vech) and the families' batched
 * bm_F_loglik_grad, which is faster than a score per row; they only validate
 * and evaluate, and share the rest with the generic path (finish()).
 *
 * Every path: each rank validates its arguments and evaluates its own rows
 * straight into the caller's outputs; then one small agreement (status of
 * the lowest failing rank; identical dimensions and choice of outputs on
 * every rank) and, only when every rank succeeded, one chunked
 * MPI_Allreduce of (ll, gradients) in place.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include "bayesmat.h"
#include "bayesmat/mpi.h"
#include "reduce.h"

static bm_mpi_seg seg_scalar(double *x) { return (bm_mpi_seg){x, NULL, NULL, x ? 1 : 0, x ? 1 : 0}; }
static bm_mpi_seg seg_vector(gsl_vector *v) { return (bm_mpi_seg){NULL, v, NULL, v ? v->size : 0, v ? 1 : 0}; }
static bm_mpi_seg seg_matrix(gsl_matrix *A) { return (bm_mpi_seg){NULL, NULL, A, A ? A->size1 : 0, A ? A->size2 : 0}; }

/* A rank holding no rows contributes zeros. */
static void zero_seg(const bm_mpi_seg *s)
{
  if (s->x) *s->x = 0.0;
  if (s->v) gsl_vector_set_zero(s->v);
  if (s->A) gsl_matrix_set_zero(s->A);
}

/* The common tail: zeros from a rank without rows, the agreement, the sum.
 * seg[0] is the local log-likelihood; *ll is NaN on failure. fn: the entry
 * point, which the shared message names. */
#define finish(...) finish_fn(__func__, __VA_ARGS__)
static int finish_fn(const char *fn, MPI_Comm comm, int st, int empty, const bm_mpi_sig *sig, size_t nsig,
                     bm_mpi_seg *seg, size_t nseg, double *ll)
{
  if (!st && empty)
    for (size_t i = 0; i < nseg; i++) zero_seg(&seg[i]);
  st = bm_mpi_reduce_segments_fn(fn, comm, st, sig, nsig, seg, nseg);
  if (ll) *ll = st ? NAN : *seg[0].x;
  return st;
}

/* The local argument checks, each recording "fn: what failed" (fn: the entry
 * point; name: the argument as its header documents it): a required pointer;
 * an optional output, absent or of the documented shape; the data's width. */
static int missing(const char *fn, const char *name, const void *p)
{
  return p ? BM_SUCCESS : bm_mpi_fail(BM_EINVAL, fn, "%s is NULL", name);
}
static int bad_v(const char *fn, const char *name, const gsl_vector *v, size_t n)
{
  if (!v || v->size == n) return BM_SUCCESS;
  return bm_mpi_fail(BM_EBADLEN, fn, "%s has length %zu, expected %zu", name, v->size, n);
}
static int bad_m(const char *fn, const char *name, const gsl_matrix *A, size_t r, size_t c)
{
  if (!A || (A->size1 == r && A->size2 == c)) return BM_SUCCESS;
  return bm_mpi_fail(BM_EBADLEN, fn, "%s is %zu x %zu, expected %zu x %zu", name, A->size1, A->size2, r, c);
}
static int bad_cols(const char *fn, const gsl_matrix *X_local, size_t c)
{
  if (!X_local || X_local->size2 == c) return BM_SUCCESS;
  return bm_mpi_fail(BM_EBADLEN, fn, "X_local has %zu columns, expected %zu", X_local->size2, c);
}

/* signature entries: a dimension (differs: BM_EBADLEN), an output's presence (differs: BM_EINVAL) */
static bm_mpi_sig dim(size_t n) { return (bm_mpi_sig){(long long)n, BM_EBADLEN}; }
static bm_mpi_sig has(const void *p) { return (bm_mpi_sig){p != NULL, BM_EINVAL}; }

/* p from the parameter count p (p + 1) / 2 + 1 of the SPD-valued families */
static size_t spd_dim(size_t nparams)
{
  size_t p = 0;
  while ((p + 1) * (p + 2) / 2 + 1 <= nparams) p++;
  return p;
}

/* Vector (length p): d, ll, the gradients dmu (p) and dSigma (p x p), X_local's width */
static int vector_local(const char *fn, const void *d, const double *ll, size_t p, const gsl_vector *dmu,
                        const gsl_matrix *dSigma, const gsl_matrix *X_local)
{
  bm_clear_error(); /* a failure later without a message must not pass on an older one */
  int st = missing(fn, "d", d);
  if (!st) st = missing(fn, "ll", ll);
  if (!st) st = bad_v(fn, "dmu", dmu, p);
  if (!st) st = bad_m(fn, "dSigma", dSigma, p, p);
  return st ? st : bad_cols(fn, X_local, p);
}

int bm_mpi_mvn_loglik_grad(MPI_Comm comm, const bm_mvn *d, const gsl_matrix *X_local, double *ll, gsl_vector *dmu,
                           gsl_matrix *dSigma)
{
  double l = NAN;
  size_t p = d ? bm_mvn_dim(d) : 0;
  int st = vector_local(__func__, d, ll, p, dmu, dSigma, X_local);
  if (!st && X_local) st = bm_mvn_loglik_grad(d, X_local, &l, dmu, dSigma);
  bm_mpi_sig sig[3] = {dim(p), has(dmu), has(dSigma)};
  bm_mpi_seg s[3] = {seg_scalar(&l), seg_vector(dmu), seg_matrix(dSigma)};
  return finish(comm, st, !X_local, sig, 3, s, 3, ll);
}

int bm_mpi_mvt_loglik_grad(MPI_Comm comm, const bm_mvt *d, const gsl_matrix *X_local, double *ll, gsl_vector *dmu,
                           gsl_matrix *dSigma, double *dnu)
{
  double l = NAN;
  size_t p = d ? bm_mvt_dim(d) : 0;
  int st = vector_local(__func__, d, ll, p, dmu, dSigma, X_local);
  if (!st && X_local) st = bm_mvt_loglik_grad(d, X_local, &l, dmu, dSigma, dnu);
  bm_mpi_sig sig[4] = {dim(p), has(dmu), has(dSigma), has(dnu)};
  bm_mpi_seg s[4] = {seg_scalar(&l), seg_vector(dmu), seg_matrix(dSigma), seg_scalar(dnu)};
  return finish(comm, st, !X_local, sig, 4, s, 4, ll);
}

/* Wishart-type: d, ll, X_local and the p x p gradient G (named Gname);
 * checked here for the ranks holding no variates too */
#define spd_local(d, ll, p, X_local, m, G) spd_local_fn(__func__, d, ll, p, X_local, m, G, #G)
static int spd_local_fn(const char *fn, const void *d, const double *ll, size_t p, const gsl_matrix *const *X_local,
                        size_t m, const gsl_matrix *G, const char *Gname)
{
  bm_clear_error(); /* a failure later without a message must not pass on an older one */
  int st = missing(fn, "d", d);
  if (!st) st = missing(fn, "ll", ll);
  if (!st && m > 0) st = missing(fn, "X_local", X_local);
  return st ? st : bad_m(fn, Gname, G, p, p);
}

/* Wishart (inverse 0) and inverse Wishart (inverse 1) take the same
 * arguments and reduce alike; fn, Gname: the public caller and its
 * gradient's name, for the messages. */
static int spd_loglik_grad(const char *fn, const char *Gname, int inverse, MPI_Comm comm, const void *d,
                           const gsl_matrix *const *X_local, size_t m, double *ll, gsl_matrix *G, double *d_nu)
{
  double l = NAN;
  size_t p = d ? spd_dim(inverse ? bm_invwishart_nparams(d) : bm_wishart_nparams(d)) : 0;
  int st = spd_local_fn(fn, d, ll, p, X_local, m, G, Gname);
  if (!st && m > 0)
    st = inverse ? bm_invwishart_loglik_grad(d, X_local, m, &l, G, d_nu) : bm_wishart_loglik_grad(d, X_local, m, &l, G, d_nu);
  bm_mpi_sig sig[3] = {dim(p), has(G), has(d_nu)};
  bm_mpi_seg s[3] = {seg_scalar(&l), seg_matrix(G), seg_scalar(d_nu)};
  return finish(comm, st, m == 0, sig, 3, s, 3, ll);
}

int bm_mpi_wishart_loglik_grad(MPI_Comm comm, const bm_wishart *d, const gsl_matrix *const *X_local, size_t m,
                               double *ll, gsl_matrix *d_S, double *d_nu)
{
  return spd_loglik_grad(__func__, "d_S", 0, comm, d, X_local, m, ll, d_S, d_nu);
}

int bm_mpi_invwishart_loglik_grad(MPI_Comm comm, const bm_invwishart *d, const gsl_matrix *const *X_local,
                                  size_t m, double *ll, gsl_matrix *d_Psi, double *d_nu)
{
  return spd_loglik_grad(__func__, "d_Psi", 1, comm, d, X_local, m, ll, d_Psi, d_nu);
}

/* Matrix-variate (n x p): d, ll, X_local, the n x p gradient dM and the
 * n x n and p x p gradients dA and dB (named as at the call) */
#define matrix_local(d, ll, X_local, m, n, p, dM, dA, dB) \
  matrix_local_fn(__func__, d, ll, X_local, m, n, p, dM, dA, #dA, dB, #dB)
static int matrix_local_fn(const char *fn, const void *d, const double *ll, const gsl_matrix *const *X_local, size_t m,
                           size_t n, size_t p, const gsl_matrix *dM, const gsl_matrix *dA, const char *nA,
                           const gsl_matrix *dB, const char *nB)
{
  bm_clear_error(); /* a failure later without a message must not pass on an older one */
  int st = missing(fn, "d", d);
  if (!st) st = missing(fn, "ll", ll);
  if (!st && m > 0) st = missing(fn, "X_local", X_local);
  if (!st) st = bad_m(fn, "dM", dM, n, p);
  if (!st) st = bad_m(fn, nA, dA, n, n);
  return st ? st : bad_m(fn, nB, dB, p, p);
}

int bm_mpi_matnorm_loglik_grad(MPI_Comm comm, const bm_matnorm *d, const gsl_matrix *const *X_local, size_t m,
                               double *ll, gsl_matrix *dM, gsl_matrix *dU, gsl_matrix *dV)
{
  double l = NAN;
  size_t n = 0, p = 0;
  if (d) bm_matnorm_dims(d, &n, &p);
  int st = matrix_local(d, ll, X_local, m, n, p, dM, dU, dV);
  if (!st && m > 0) st = bm_matnorm_loglik_grad(d, X_local, m, &l, dM, dU, dV);
  bm_mpi_sig sig[5] = {dim(n), dim(p), has(dM), has(dU), has(dV)};
  bm_mpi_seg s[4] = {seg_scalar(&l), seg_matrix(dM), seg_matrix(dU), seg_matrix(dV)};
  return finish(comm, st, m == 0, sig, 5, s, 4, ll);
}

int bm_mpi_matt_loglik_grad(MPI_Comm comm, const bm_matt *d, const gsl_matrix *const *X_local, size_t m, double *ll,
                            gsl_matrix *dM, gsl_matrix *dSigma, gsl_matrix *dOmega, double *dnu)
{
  double l = NAN;
  size_t n = 0, p = 0;
  if (d) bm_matt_dims(d, &n, &p);
  int st = matrix_local(d, ll, X_local, m, n, p, dM, dSigma, dOmega);
  if (!st && m > 0) st = bm_matt_loglik_grad(d, X_local, m, &l, dM, dSigma, dOmega, dnu);
  bm_mpi_sig sig[6] = {dim(n), dim(p), has(dM), has(dSigma), has(dOmega), has(dnu)};
  bm_mpi_seg s[5] = {seg_scalar(&l), seg_matrix(dM), seg_matrix(dSigma), seg_matrix(dOmega), seg_scalar(dnu)};
  return finish(comm, st, m == 0, sig, 6, s, 5, ll);
}

int bm_mpi_matf_loglik_grad(MPI_Comm comm, const bm_matf *d, const gsl_matrix *const *X_local, size_t m, double *ll,
                            gsl_matrix *d_Psi, double *d_nu, double *d_delta)
{
  double l = NAN;
  size_t p = d ? bm_matf_dim(d) : 0;
  int st = spd_local(d, ll, p, X_local, m, d_Psi);
  if (!st && m > 0) st = bm_matf_loglik_grad(d, X_local, m, &l, d_Psi, d_nu, d_delta);
  bm_mpi_sig sig[4] = {dim(p), has(d_Psi), has(d_nu), has(d_delta)};
  bm_mpi_seg s[4] = {seg_scalar(&l), seg_matrix(d_Psi), seg_scalar(d_nu), seg_scalar(d_delta)};
  return finish(comm, st, m == 0, sig, 4, s, 4, ll);
}

/* The family's identity as a 64-bit value every rank computes alike (its
 * name: descriptor addresses need not agree between processes). */
static long long family_key(const bm_family_type *T)
{
  unsigned long long h = 1469598103934665603ULL;
  for (const char *c = T && T->name ? T->name : ""; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ULL;
  return (long long)(h >> 1);
}

/* Sum of the scores of the rows of X (row i = vec of the i-th variate). */
static int score_sum(const bm_dist *d, size_t rows, size_t cols, const gsl_matrix *X, gsl_vector *grad)
{
  gsl_matrix *x = bm_matrix_alloc(rows, cols);
  gsl_vector *s = bm_vector_alloc(grad->size);
  int st = x && s ? BM_SUCCESS : bm_mpi_fail(BM_ENOMEM, "bm_mpi_dist_loglik_grad", "out of memory");
  if (!st) gsl_vector_set_zero(grad);
  for (size_t i = 0; !st && i < X->size1; i++) {
    for (size_t c = 0; c < cols; c++)
      for (size_t r = 0; r < rows; r++) gsl_matrix_set(x, r, c, gsl_matrix_get(X, i, c * rows + r));
    st = bm_dist_score(d, x, s);
    if (!st) gsl_vector_add(grad, s);
  }
  bm_matrix_free(x);
  bm_vector_free(s);
  return st;
}

int bm_mpi_dist_loglik_grad(MPI_Comm comm, const bm_dist *d, const gsl_matrix *X_local, double *ll, gsl_vector *grad)
{
  double l = NAN;
  size_t rows = 0, cols = 0, k = 0;
  int ok = d && d->type && d->state && d->type->shape && d->type->nparams;
  if (ok) {
    bm_dist_shape(d, &rows, &cols);
    k = bm_dist_nparams(d);
  }
  bm_clear_error();
  int st = ok ? missing(__func__, "ll", ll)
              : bm_mpi_fail(BM_EINVAL, __func__, "d is %s", d ? "not an allocated distribution" : "NULL");
  if (!st) st = bad_v(__func__, "grad", grad, k);
  if (!st) st = bad_cols(__func__, X_local, rows * cols);
  if (!st && X_local) {
    st = bm_dist_loglik(d, X_local, &l, NULL);
    if (!st && grad) st = score_sum(d, rows, cols, X_local, grad);
  }
  bm_mpi_sig sig[5] = {{family_key(ok ? d->type : NULL), BM_EINVAL}, dim(rows), dim(cols), dim(k), has(grad)};
  bm_mpi_seg s[2] = {seg_scalar(&l), seg_vector(grad)};
  return finish(comm, st, !X_local, sig, 5, s, 2, ll);
}
