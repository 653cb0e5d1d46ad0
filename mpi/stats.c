/* Distributed sufficient statistics (include/bayesmat/mpi.h): every rank's
 * packed summary is gathered on every rank (MPI_Allgather) and merged in
 * rank order, so every rank holds the same bits.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <limits.h>
#include <stdlib.h>
#include "bayesmat.h"
#include "bayesmat/mpi.h"

typedef struct {
  size_t (*len)(const void *s);
  int (*pack)(const void *s, double *buf);
  int (*unpack)(void *s, const double *buf);
  int (*merge)(void *a, const void *b);
} stats_ops;

/* s <- merge over ranks (rank order) of every rank's s; tmp a scratch object
 * of the same shape (NULL when its allocation failed). Two collectives: a
 * 3-int MPI_Allreduce agreeing that every rank can take part with the same
 * packed length, then the MPI_Allgather of the packed summaries. */
static int allmerge(MPI_Comm comm, const stats_ops *ops, void *s, void *tmp, int local_status)
{
  int size, rank, st = local_status;
  if (MPI_Comm_size(comm, &size) != MPI_SUCCESS || MPI_Comm_rank(comm, &rank) != MPI_SUCCESS) return BM_EINVAL;
  size_t len = s ? ops->len(s) : 0;
  double *all = NULL;
  if (st) {
  } else if (!s)
    st = BM_EINVAL;
  else if (len > (size_t)INT_MAX / 2) st = BM_EINVAL;
  else if (!tmp) st = BM_ENOMEM;
  else if (!(all = malloc((size_t)size * len * sizeof(double)))) st = BM_ENOMEM;
  int agree[3] = {st, st ? 0 : (int)len, st ? 0 : -(int)len};
  if (MPI_Allreduce(MPI_IN_PLACE, agree, 3, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS) agree[0] = BM_EINVAL;
  if (agree[0] == BM_SUCCESS && agree[1] != -agree[2]) agree[0] = BM_EBADLEN; /* lengths differ */
  if (agree[0] != BM_SUCCESS) {
    free(all);
    return agree[0];
  }
  ops->pack(s, all + (size_t)rank * len);
  if (MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, (int)len, MPI_DOUBLE, comm) != MPI_SUCCESS) {
    free(all);
    return BM_EINVAL;
  }
  /* rank 0's summary, then ranks 1, 2, ... merged in order: the same
   * operations on the same bits on every rank */
  st = ops->unpack(s, all);
  for (int r = 1; r < size && !st; r++) {
    st = ops->unpack(tmp, all + (size_t)r * len);
    if (!st) st = ops->merge(s, tmp);
  }
  free(all);
  return st;
}

#define OPS(F)                                                                                 \
  static size_t F##_len(const void *s) { return bm_##F##_stats_packed_len(s); }              \
  static int F##_pack(const void *s, double *b) { return bm_##F##_stats_pack(s, b); }         \
  static int F##_unpack(void *s, const double *b) { return bm_##F##_stats_unpack(s, b); }     \
  static int F##_merge(void *a, const void *b) { return bm_##F##_stats_merge(a, b); }         \
  static const stats_ops F##_ops = {F##_len, F##_pack, F##_unpack, F##_merge};

OPS(mvn)
OPS(wishart)
OPS(invwishart)
OPS(matnorm)
OPS(niw)
OPS(blr)
OPS(mniw)

int bm_mpi_mvn_stats_allmerge(MPI_Comm comm, bm_mvn_stats *s)
{
  bm_mvn_stats *tmp = s ? bm_mvn_stats_alloc(bm_mvn_stats_dim(s)) : NULL;
  int st = allmerge(comm, &mvn_ops, s, tmp, BM_SUCCESS);
  bm_mvn_stats_free(tmp);
  return st;
}

int bm_mpi_wishart_stats_allmerge(MPI_Comm comm, bm_wishart_stats *s)
{
  bm_wishart_stats *tmp = s ? bm_wishart_stats_alloc(bm_wishart_stats_dim(s)) : NULL;
  int st = allmerge(comm, &wishart_ops, s, tmp, BM_SUCCESS);
  bm_wishart_stats_free(tmp);
  return st;
}

int bm_mpi_invwishart_stats_allmerge(MPI_Comm comm, bm_invwishart_stats *s)
{
  bm_invwishart_stats *tmp = s ? bm_invwishart_stats_alloc(bm_invwishart_stats_dim(s)) : NULL;
  int st = allmerge(comm, &invwishart_ops, s, tmp, BM_SUCCESS);
  bm_invwishart_stats_free(tmp);
  return st;
}

int bm_mpi_matnorm_stats_allmerge(MPI_Comm comm, bm_matnorm_stats *s)
{
  size_t n = 0, p = 0;
  bm_matnorm_stats_dims(s, &n, &p);
  bm_matnorm_stats *tmp = s ? bm_matnorm_stats_alloc(n, p) : NULL;
  int st = allmerge(comm, &matnorm_ops, s, tmp, BM_SUCCESS);
  bm_matnorm_stats_free(tmp);
  return st;
}

/* ---- conjugate models: merge every rank's statistics, then update ---- */

int bm_mpi_niw_update_stats(MPI_Comm comm, bm_niw *m, bm_niw_stats *s)
{
  bm_niw_stats *tmp = s ? bm_niw_stats_alloc(bm_niw_stats_dim(s)) : NULL;
  int st = allmerge(comm, &niw_ops, s, tmp, m ? BM_SUCCESS : BM_EINVAL);
  bm_niw_stats_free(tmp);
  return st ? st : bm_niw_update_stats(m, s);
}

int bm_mpi_blr_update_stats(MPI_Comm comm, bm_blr *m, bm_blr_stats *s)
{
  bm_blr_stats *tmp = s ? bm_blr_stats_alloc(bm_blr_stats_dim(s)) : NULL;
  int st = allmerge(comm, &blr_ops, s, tmp, m ? BM_SUCCESS : BM_EINVAL);
  bm_blr_stats_free(tmp);
  return st ? st : bm_blr_update_stats(m, s);
}

int bm_mpi_mniw_update_stats(MPI_Comm comm, bm_mniw *m, bm_mniw_stats *s)
{
  size_t k = 0, d = 0;
  bm_mniw_stats_dims(s, &k, &d);
  bm_mniw_stats *tmp = s ? bm_mniw_stats_alloc(k, d) : NULL;
  int st = allmerge(comm, &mniw_ops, s, tmp, m ? BM_SUCCESS : BM_EINVAL);
  bm_mniw_stats_free(tmp);
  return st ? st : bm_mniw_update_stats(m, s);
}
