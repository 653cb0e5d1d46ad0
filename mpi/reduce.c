/* Chunked reduction of caller outputs over ranks (mpi/reduce.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdint.h>
#include "bayesmat/status.h"
#include "reduce.h"

#define CHUNK 8192

static int seg_ok(const bm_mpi_seg *s)
{
  if (s->x) return 1;
  if (s->v) return s->rows * s->cols == s->v->size;
  if (s->A) return s->A->size1 == s->rows && s->A->size2 == s->cols;
  return 0;
}

static double *seg_at(bm_mpi_seg *s, size_t k)
{
  if (s->x) return s->x;
  if (s->v) return s->v->data + k * s->v->stride;
  return s->A->data + (k / s->cols) * s->A->tda + k % s->cols;
}

int bm_mpi_reduce_segments(MPI_Comm comm, int local_status, bm_mpi_seg *seg, size_t nseg)
{
  double buf[CHUNK];
  size_t total = 1, seg_i = 0, seg_k = 0;
  for (size_t i = 0; i < nseg; i++) total += seg[i].rows * seg[i].cols;
  /* stream: element 0 is the failure flag, then the segments in order */
  size_t done = 0;
  int mpi_ok = 1;
  while (done < total && mpi_ok) {
    size_t k = total - done < CHUNK ? total - done : CHUNK;
    size_t si = seg_i, sk = seg_k;
    for (size_t i = 0; i < k; i++) {
      if (done + i == 0) {
        buf[i] = local_status != BM_SUCCESS;
        continue;
      }
      while (sk >= seg[si].rows * seg[si].cols) {
        si++;
        sk = 0;
      }
      buf[i] = seg_ok(&seg[si]) ? *seg_at(&seg[si], sk) : 0.0;
      sk++;
    }
    mpi_ok = MPI_Allreduce(MPI_IN_PLACE, buf, (int)k, MPI_DOUBLE, MPI_SUM, comm) == MPI_SUCCESS;
    for (size_t i = 0; i < k && mpi_ok; i++) {
      if (done + i == 0) {
        if (buf[0] > 0 && local_status == BM_SUCCESS) local_status = -1;
        continue;
      }
      while (seg_k >= seg[seg_i].rows * seg[seg_i].cols) {
        seg_i++;
        seg_k = 0;
      }
      if (seg_ok(&seg[seg_i])) *seg_at(&seg[seg_i], seg_k) = buf[i];
      seg_k++;
    }
    done += k;
  }
  int status = mpi_ok ? local_status : BM_EINVAL;
  if (mpi_ok && status != BM_SUCCESS) {
    int worst = status > 0 ? status : 0;
    if (MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS) worst = BM_EINVAL;
    status = worst > 0 ? worst : BM_EINVAL;
  }
  if (status != BM_SUCCESS)
    for (size_t i = 0; i < nseg; i++) {
      if (!seg_ok(&seg[i])) continue;
      for (size_t j = 0; j < seg[i].rows * seg[i].cols; j++) *seg_at(&seg[i], j) = NAN;
    }
  return status;
}
