/* Agreement and chunked reduction over ranks (mpi/reduce.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include "bayesmat/status.h"
#include "bayesmat/mpi.h"
#include "reduce.h"

#define CHUNK 8192

static _Thread_local bm_mpi_verdict last = {BM_SUCCESS, -1};

void bm_mpi_note(int status, int rank)
{
  last.status = status;
  last.rank = status ? rank : -1;
}

int bm_mpi_last_failure(int *rank)
{
  if (rank) *rank = last.rank;
  return last.status;
}

int bm_mpi_agree(MPI_Comm comm, int local_status, const bm_mpi_sig *sig, size_t nsig)
{
  int rank, size;
  if (nsig > BM_MPI_MAXSIG || MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS) {
    bm_mpi_note(BM_EINVAL, -1);
    return BM_EINVAL;
  }
  /* [failure key, sig..., -sig...] reduced by MAX. The key puts the rank
   * above the status, (size - rank) so that the LOWEST failing rank wins;
   * the two signature halves give every entry's maximum and minimum. A
   * failing rank's signature does not count (its arguments may be unreadable). */
  long long buf[1 + 2 * BM_MPI_MAXSIG];
  buf[0] = local_status ? ((long long)(size - rank) << 32) | (long long)(uint32_t)local_status : 0;
  for (size_t i = 0; i < nsig; i++) {
    buf[1 + i] = local_status ? LLONG_MIN : sig[i].v;
    buf[1 + nsig + i] = local_status ? LLONG_MIN : (sig[i].v == LLONG_MIN ? LLONG_MAX : -sig[i].v);
  }
  if (MPI_Allreduce(MPI_IN_PLACE, buf, (int)(1 + 2 * nsig), MPI_LONG_LONG, MPI_MAX, comm) != MPI_SUCCESS) {
    bm_mpi_note(BM_EINVAL, -1);
    return BM_EINVAL;
  }
  if (buf[0] != 0) {
    int st = (int)(uint32_t)(buf[0] & 0xFFFFFFFFLL);
    bm_mpi_note(st, size - (int)(buf[0] >> 32));
    return st;
  }
  size_t bad = nsig;
  for (size_t i = 0; i < nsig && bad == nsig; i++)
    if (buf[1 + i] != (buf[1 + nsig + i] == LLONG_MAX ? LLONG_MIN : -buf[1 + nsig + i])) bad = i;
  if (bad == nsig) {
    bm_mpi_note(BM_SUCCESS, -1);
    return BM_SUCCESS;
  }
  /* the rare path: name the lowest rank whose signature differs from rank 0's */
  long long ref[BM_MPI_MAXSIG];
  for (size_t i = 0; i < nsig; i++) ref[i] = sig[i].v;
  int who = -1;
  if (MPI_Bcast(ref, (int)nsig, MPI_LONG_LONG, 0, comm) == MPI_SUCCESS) {
    int differs = 0;
    for (size_t i = 0; i < nsig; i++) differs |= ref[i] != sig[i].v;
    int key = differs ? size - rank : 0;
    if (MPI_Allreduce(MPI_IN_PLACE, &key, 1, MPI_INT, MPI_MAX, comm) == MPI_SUCCESS && key > 0) who = size - key;
  }
  bm_mpi_note(sig[bad].mismatch, who);
  return sig[bad].mismatch;
}

static size_t seg_len(const bm_mpi_seg *s) { return s->rows * s->cols; }

/* 1 when this rank holds the output in the expected shape */
static int seg_ok(const bm_mpi_seg *s)
{
  if (seg_len(s) == 0) return 0;
  if (s->x) return 1;
  if (s->v) return s->rows * s->cols == s->v->size;
  if (s->A) return s->A->size1 == s->rows && s->A->size2 == s->cols;
  return 0;
}

static double *seg_at(bm_mpi_seg *s, size_t k)
{
  if (s->x) return s->x + k;
  if (s->v) return s->v->data + k * s->v->stride;
  return s->A->data + (k / s->cols) * s->A->tda + k % s->cols;
}

int bm_mpi_reduce_segments(MPI_Comm comm, int local_status, const bm_mpi_sig *sig, size_t nsig, bm_mpi_seg *seg,
                           size_t nseg)
{
  /* the segment lengths decide the message: part of the signature */
  bm_mpi_sig all[BM_MPI_MAXSIG];
  size_t na = 0, total = 0;
  for (size_t i = 0; i < nsig && na < BM_MPI_MAXSIG; i++) all[na++] = sig[i];
  for (size_t i = 0; i < nseg; i++) {
    if (!local_status && seg_len(&seg[i]) && !seg_ok(&seg[i])) local_status = BM_EBADLEN;
    total += seg_len(&seg[i]);
  }
  if (na < BM_MPI_MAXSIG) all[na++] = (bm_mpi_sig){(long long)total, BM_EBADLEN};
  int status = bm_mpi_agree(comm, local_status, all, na);
  if (status == BM_SUCCESS) {
    double buf[CHUNK];
    size_t done = 0, seg_i = 0, seg_k = 0;
    while (done < total) {
      size_t k = total - done < CHUNK ? total - done : CHUNK;
      size_t si = seg_i, sk = seg_k;
      for (size_t i = 0; i < k; i++) {
        while (sk >= seg_len(&seg[si])) {
          si++;
          sk = 0;
        }
        buf[i] = *seg_at(&seg[si], sk++);
      }
      if (MPI_Allreduce(MPI_IN_PLACE, buf, (int)k, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS) {
        status = BM_EINVAL;
        bm_mpi_note(status, -1);
        break;
      }
      for (size_t i = 0; i < k; i++) {
        while (seg_k >= seg_len(&seg[seg_i])) {
          seg_i++;
          seg_k = 0;
        }
        *seg_at(&seg[seg_i], seg_k++) = buf[i];
      }
      done += k;
    }
  }
  if (status != BM_SUCCESS)
    for (size_t i = 0; i < nseg; i++) {
      if (!seg_ok(&seg[i])) continue;
      for (size_t j = 0; j < seg_len(&seg[i]); j++) *seg_at(&seg[i], j) = NAN;
    }
  return status;
}
