/* Distributed sufficient statistics (include/bayesmat/mpi.h): after one small
 * agreement (every rank valid, same kind and shape), every rank's packed
 * summary is gathered on every rank (MPI_Allgather) and merged in rank order,
 * so every rank holds the same bits. Each gathered buffer is unpacked with
 * its length and validated field by field, so a summary of another shape
 * is refused, never merged.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "bayesmat.h"
#include "bayesmat/alloc.h"
#include "bayesmat/mpi.h"
#include "reduce.h"

typedef struct {
  size_t (*len)(const void *s);
  int (*pack)(const void *s, double *buf);
  int (*unpack)(void *s, const double *buf, size_t len);
  int (*merge)(void *a, const void *b);
  void *(*alloc)(size_t d1, size_t d2);
  void (*free)(void *s);
} stats_ops;

/* A stats object's shape and the scratch allmerge needs: acc and tmp are
 * objects of the same shape (NULL when their allocation failed). */
typedef struct {
  const stats_ops *ops;
  void *s, *acc, *tmp;
  size_t d1, d2;
} stats_job;

/* Fold the gathered summaries (rank order) into j->acc, on every rank the
 * same operations on the same bits. */
static int merge_all(const stats_job *j, const double *all, size_t len, int size)
{
  int st = j->ops->unpack(j->acc, all, len);
  for (int r = 1; r < size && !st; r++) {
    st = j->ops->unpack(j->tmp, all + (size_t)r * len, len);
    if (!st) st = j->ops->merge(j->acc, j->tmp);
  }
  return st;
}

/* j->s <- merge over ranks of every rank's j->s, then (update != NULL) the
 * model update with the merged summary. Collectives: the agreement, the
 * MPI_Allgather, and a final agreement on the local merge/update status.
 * fn: the entry point the messages name. */
static int allmerge(const char *fn, MPI_Comm comm, const stats_job *j, int local_status, const bm_mpi_sig *extra,
                    size_t nextra, int (*update)(void *model, const void *s), void *model)
{
  int size, rank, st = local_status;
  if (MPI_Comm_size(comm, &size) != MPI_SUCCESS || MPI_Comm_rank(comm, &rank) != MPI_SUCCESS)
    return bm_mpi_fail(BM_EINVAL, fn, "comm is not a valid communicator");
  size_t len = j->s ? j->ops->len(j->s) : 0;
  double *all = NULL;
  if (st) {
  } else if (!j->s)
    st = bm_mpi_fail(BM_EINVAL, fn, "s is NULL");
  else if (len > (size_t)INT_MAX)
    st = bm_mpi_fail(BM_EBADLEN, fn, "s packs into %zu doubles, more than one MPI message holds", len);
  else if (!j->acc || !j->tmp || !(all = malloc((size_t)size * len * sizeof(double))))
    st = bm_mpi_fail(BM_ENOMEM, fn, "out of memory (%d ranks x %zu doubles)", size, len);
  bm_mpi_sig sig[BM_MPI_MAXSIG];
  size_t ns = 0;
  sig[ns++] = (bm_mpi_sig){(long long)j->d1, BM_EBADLEN};
  sig[ns++] = (bm_mpi_sig){(long long)j->d2, BM_EBADLEN};
  sig[ns++] = (bm_mpi_sig){(long long)len, BM_EBADLEN};
  for (size_t i = 0; i < nextra && ns < BM_MPI_MAXSIG; i++) sig[ns++] = extra[i];
  st = bm_mpi_agree_fn(fn, comm, st, sig, ns);
  if (st) {
    free(all);
    return st;
  }
  j->ops->pack(j->s, all + (size_t)rank * len);
  if (MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, (int)len, MPI_DOUBLE, comm) != MPI_SUCCESS) {
    free(all);
    bm_mpi_note(BM_EINVAL, -1);
    return bm_mpi_fail(BM_EINVAL, fn, "MPI_Allgather of the summaries failed");
  }
  st = merge_all(j, all, len, size);
  if (!st && update) st = update(model, j->acc);
  /* the same bits on every rank make the same verdict, except where memory
   * ran out: agree before anyone returns or keeps the result */
  st = bm_mpi_agree_fn(fn, comm, st, NULL, 0);
  if (!st) { /* s <- acc, through the gathered buffer (it has room for len doubles) */
    j->ops->pack(j->acc, all);
    st = j->ops->unpack(j->s, all, len);
  }
  free(all);
  return st;
}

/* allmerge with its scratch: two summaries of s's shape (d1 x d2). */
static int run_job(const char *fn, MPI_Comm comm, const stats_ops *ops, void *s, size_t d1, size_t d2,
                   int local_status, const bm_mpi_sig *extra, size_t nextra, int (*update)(void *model, const void *s),
                   void *model)
{
  stats_job j = {ops, s, s ? ops->alloc(d1, d2) : NULL, s ? ops->alloc(d1, d2) : NULL, d1, d2};
  int st = allmerge(fn, comm, &j, local_status, extra, nextra, update, model);
  ops->free(j.acc);
  ops->free(j.tmp);
  return st;
}

/* ARGS: the allocator's arguments from the shape (d1, d2): one dimension or two */
#define ONE_DIM d1
#define TWO_DIMS d1, d2
#define OPS(F, ARGS)                                                                                    \
  static size_t F##_len(const void *s) { return bm_##F##_stats_packed_len(s); }                       \
  static int F##_pack(const void *s, double *b) { return bm_##F##_stats_pack(s, b); }                  \
  static int F##_unpack(void *s, const double *b, size_t n) { return bm_##F##_stats_unpack(s, b, n); } \
  static int F##_merge(void *a, const void *b) { return bm_##F##_stats_merge(a, b); }                  \
  static void *F##_alloc(size_t d1, size_t d2)                                                         \
  {                                                                                                    \
    (void)d1;                                                                                          \
    (void)d2;                                                                                          \
    return bm_##F##_stats_alloc(ARGS);                                                                 \
  }                                                                                                    \
  static void F##_free(void *s) { bm_##F##_stats_free(s); }                                            \
  static const stats_ops F##_ops = {F##_len, F##_pack, F##_unpack, F##_merge, F##_alloc, F##_free};

OPS(mvn, ONE_DIM)
OPS(wishart, ONE_DIM)
OPS(invwishart, ONE_DIM)
OPS(matnorm, TWO_DIMS)
OPS(niw, ONE_DIM)
OPS(blr, ONE_DIM)
OPS(mniw, TWO_DIMS)

int bm_mpi_mvn_stats_allmerge(MPI_Comm comm, bm_mvn_stats *s)
{
  bm_clear_error(); /* a failure without a message of its own must not pass on an older one */
  return run_job(__func__, comm, &mvn_ops, s, bm_mvn_stats_dim(s), 1, BM_SUCCESS, NULL, 0, NULL, NULL);
}

int bm_mpi_wishart_stats_allmerge(MPI_Comm comm, bm_wishart_stats *s)
{
  bm_clear_error(); /* a failure without a message of its own must not pass on an older one */
  return run_job(__func__, comm, &wishart_ops, s, bm_wishart_stats_dim(s), 1, BM_SUCCESS, NULL, 0, NULL, NULL);
}

int bm_mpi_invwishart_stats_allmerge(MPI_Comm comm, bm_invwishart_stats *s)
{
  bm_clear_error(); /* a failure without a message of its own must not pass on an older one */
  return run_job(__func__, comm, &invwishart_ops, s, bm_invwishart_stats_dim(s), 1, BM_SUCCESS, NULL, 0, NULL, NULL);
}

int bm_mpi_matnorm_stats_allmerge(MPI_Comm comm, bm_matnorm_stats *s)
{
  size_t n = 0, p = 0;
  bm_clear_error();
  bm_matnorm_stats_dims(s, &n, &p);
  return run_job(__func__, comm, &matnorm_ops, s, n, p, BM_SUCCESS, NULL, 0, NULL, NULL);
}

/* ---- conjugate models: merge every rank's statistics, then update ----
 * Before anything moves, every rank checks its model: present, prior set,
 * of the summary's dimensions; and the ranks compare a fingerprint of their
 * models (a 64-bit FNV-1a hash of the bits of the current posterior's
 * parameters and log evidence, functions of the prior and the data so far),
 * so models that differ between ranks are refused rather than updated into
 * different posteriors. */

typedef struct {
  uint64_t h;
} fnv;

static void fnv_bytes(fnv *f, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) f->h = (f->h ^ b[i]) * 0x100000001B3ULL;
}
static void fnv_int(fnv *f, int x) { fnv_bytes(f, &x, sizeof x); }
static void fnv_double(fnv *f, double x) { fnv_bytes(f, &x, sizeof x); }
static void fnv_matrix(fnv *f, const gsl_matrix *A)
{
  if (A)
    for (size_t i = 0; i < A->size1; i++) fnv_bytes(f, A->data + i * A->tda, A->size2 * sizeof(double));
}
static void fnv_vector(fnv *f, const gsl_vector *v)
{
  if (v)
    for (size_t i = 0; i < v->size; i++) fnv_double(f, v->data[i * v->stride]);
}

/* local status of a model for a summary of dims (k, d) against the model's
 * (mk, md); fn: the entry point the message names. Clears the message of the
 * probe (the model's log evidence) that found ev_status. */
static int model_status(const char *fn, const void *m, const void *s, size_t mk, size_t md, size_t k, size_t d,
                        int ev_status)
{
  bm_clear_error();
  if (!m) return bm_mpi_fail(BM_EINVAL, fn, "m is NULL");
  if (!s) return bm_mpi_fail(BM_EINVAL, fn, "s is NULL");
  if (ev_status == BM_EINVAL) return bm_mpi_fail(BM_EINVAL, fn, "m has no prior set");
  if (mk != k || md != d)
    return bm_mpi_fail(BM_EBADLEN, fn, "s is of dimensions %zu x %zu, the model %zu x %zu", k, d, mk, md);
  return BM_SUCCESS;
}

#define NOMEM(fn) bm_mpi_fail(BM_ENOMEM, fn, "out of memory")

static bm_mpi_sig fingerprint(const fnv *f) { return (bm_mpi_sig){(long long)(f->h >> 1), BM_EINVAL}; }

#define FNV_INIT {0xCBF29CE484222325ULL}

/* A posterior of two scalars, a length-p vector and a p x p matrix (niw,
 * blr): post fills them from m and returns its status; the fingerprint is
 * that status, the evidence's, the evidence, then the posterior. */
typedef int vm_posterior(const void *m, gsl_vector *v, gsl_matrix *A, double *a, double *b);
static int vm_fingerprint(const void *m, size_t p, int evs, double ev, fnv *f, vm_posterior *post)
{
  double a = NAN, b = NAN;
  gsl_vector *v = bm_vector_alloc(p);
  gsl_matrix *A = bm_matrix_alloc(p, p);
  int st = v && A ? BM_SUCCESS : BM_ENOMEM;
  if (!st) {
    fnv_int(f, post(m, v, A, &a, &b));
    fnv_int(f, evs);
    fnv_double(f, ev);
    fnv_double(f, a);
    fnv_double(f, b);
    fnv_vector(f, v);
    fnv_matrix(f, A);
  }
  bm_vector_free(v);
  bm_matrix_free(A);
  return st;
}

/* A conjugate model as the update sees it: the model's and the summary's
 * dimensions, its log evidence (the probe that also says whether a prior is
 * set), its fingerprint (the bits of its current posterior into f; BM_ENOMEM
 * or success) and its update with a merged summary. */
typedef struct {
  const stats_ops *ops;
  void (*dims)(const void *m, const void *s, size_t *mk, size_t *md, size_t *k, size_t *d);
  int (*evidence)(const void *m, double *ev);
  int (*fingerprint)(const void *m, size_t k, size_t d, int evs, double ev, fnv *f);
  int (*update)(void *m, const void *s);
  vm_posterior *post; /* with fingerprint NULL: a vector-and-matrix posterior (vm_fingerprint) */
} model_ops;

static int update_stats(const char *fn, MPI_Comm comm, const model_ops *M, void *m, void *s)
{
  size_t k = 0, d = 0, mk = 0, md = 0;
  M->dims(m, s, &mk, &md, &k, &d);
  double ev = NAN;
  int evs = M->evidence(m, &ev);
  int st = model_status(fn, m, s, mk, md, k, d, evs);
  fnv f = FNV_INIT;
  if (!st && (M->fingerprint ? M->fingerprint(m, k, d, evs, ev, &f) : vm_fingerprint(m, k, evs, ev, &f, M->post)))
    st = NOMEM(fn);
  bm_mpi_sig fp = fingerprint(&f);
  return run_job(fn, comm, M->ops, s, k, d, st, &fp, 1, M->update, m);
}

static void niw_dims(const void *m, const void *s, size_t *mk, size_t *md, size_t *k, size_t *d)
{
  *mk = bm_niw_dim(m);
  *k = bm_niw_stats_dim(s);
  *md = *d = 1;
}
static int niw_evidence(const void *m, double *ev) { return bm_niw_log_evidence(m, ev); }
static int niw_post(const void *m, gsl_vector *mu, gsl_matrix *Psi, double *kappa, double *nu)
{
  return bm_niw_posterior(m, mu, kappa, nu, Psi);
}
static int niw_update(void *m, const void *s) { return bm_niw_update_stats(m, s); }
static const model_ops niw_model = {&niw_ops, niw_dims, niw_evidence, NULL, niw_update, niw_post};

static void blr_dims(const void *m, const void *s, size_t *mk, size_t *md, size_t *k, size_t *d)
{
  *mk = bm_blr_dim(m);
  *k = bm_blr_stats_dim(s);
  *md = *d = 1;
}
static int blr_evidence(const void *m, double *ev) { return bm_blr_log_evidence(m, ev); }
/* whichever posterior form the prior has (NIG, Gaussian; none yet for an improper prior) */
static int blr_post(const void *m, gsl_vector *mn, gsl_matrix *Vn, double *a, double *b)
{
  int ps = bm_blr_posterior_nig(m, mn, Vn, a, b);
  return ps ? 100 + bm_blr_posterior_gaussian(m, mn, Vn) : ps;
}
static int blr_update(void *m, const void *s) { return bm_blr_update_stats(m, s); }
static const model_ops blr_model = {&blr_ops, blr_dims, blr_evidence, NULL, blr_update, blr_post};

static void mniw_dims(const void *m, const void *s, size_t *mk, size_t *md, size_t *k, size_t *d)
{
  bm_mniw_dims(m, mk, md);
  bm_mniw_stats_dims(s, k, d);
}
static int mniw_evidence(const void *m, double *ev) { return bm_mniw_log_evidence(m, ev); }
static int mniw_fingerprint(const void *m, size_t k, size_t d, int evs, double ev, fnv *f)
{
  (void)evs;
  double nu = NAN;
  gsl_matrix *B = bm_matrix_alloc(k, d), *V = bm_matrix_alloc(k, k), *Psi = bm_matrix_alloc(d, d);
  int st = B && V && Psi ? BM_SUCCESS : BM_ENOMEM;
  if (!st) {
    fnv_int(f, bm_mniw_posterior(m, B, V, &nu, Psi));
    fnv_double(f, ev);
    fnv_double(f, nu);
    fnv_matrix(f, B);
    fnv_matrix(f, V);
    fnv_matrix(f, Psi);
  }
  bm_matrix_free(B);
  bm_matrix_free(V);
  bm_matrix_free(Psi);
  return st;
}
static int mniw_update(void *m, const void *s) { return bm_mniw_update_stats(m, s); }
static const model_ops mniw_model = {&mniw_ops, mniw_dims, mniw_evidence, mniw_fingerprint, mniw_update, NULL};

int bm_mpi_niw_update_stats(MPI_Comm comm, bm_niw *m, bm_niw_stats *s)
{
  return update_stats(__func__, comm, &niw_model, m, s);
}

int bm_mpi_blr_update_stats(MPI_Comm comm, bm_blr *m, bm_blr_stats *s)
{
  return update_stats(__func__, comm, &blr_model, m, s);
}

int bm_mpi_mniw_update_stats(MPI_Comm comm, bm_mniw *m, bm_mniw_stats *s)
{
  return update_stats(__func__, comm, &mniw_model, m, s);
}
