/* Agreement and chunked reduction over ranks (mpi/reduce.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "bayesmat/status.h"
#include "bayesmat/mpi.h"
#include "reduce.h"

#define CHUNK 8192

static _Thread_local bm_mpi_verdict last = {BM_SUCCESS, -1};

int bm_mpi_fail(int status, const char *fn, const char *fmt, ...)
{
  char msg[BM_MPI_MSG_LEN];
  int k = snprintf(msg, sizeof msg, "%s: ", fn);
  size_t used = k < 0 ? 0 : (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + used, sizeof msg - used, fmt, ap);
  va_end(ap);
  return bm_set_error(status, msg);
}

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

/* The last message this machinery gave the thread, with its status: a failing
 * rank whose bm_last_error() is still exactly that text recorded no message
 * of its own since. With the same status it is the failure of a nested
 * collective (passed on as it is); otherwise it is an older failure's, and
 * the status's meaning is shared instead. */
static _Thread_local char last_shared[BM_MPI_MSG_LEN];
static _Thread_local int last_shared_status;

/* "rank R: fn: text" (fn left out when text already starts with "fn:") */
static void compose(char *msg, int rank, const char *fn, const char *text)
{
  size_t k = strlen(fn);
  int named = strncmp(text, fn, k) == 0 && text[k] == ':';
  if (rank >= 0)
    snprintf(msg, BM_MPI_MSG_LEN, "rank %d: %s%s%s", rank, named ? "" : fn, named ? "" : ": ", text);
  else
    snprintf(msg, BM_MPI_MSG_LEN, "%s%s%s", named ? "" : fn, named ? "" : ": ", text);
}

static void share(int status, const char *msg)
{
  snprintf(last_shared, sizeof last_shared, "%s", msg);
  last_shared_status = status;
  bm_set_error(status, msg);
}

static void set_rank_message(int status, int rank, const char *fn, const char *text)
{
  char msg[BM_MPI_MSG_LEN];
  compose(msg, rank, fn, text);
  share(status, msg);
}

/* every rank gets the failing rank's message (a collective on the failure path) */
static void share_message(MPI_Comm comm, const char *fn, int status, int who, int me)
{
  char msg[BM_MPI_MSG_LEN]; /* composed on the failing rank, set verbatim everywhere */
  if (me == who) {
    const char *own = bm_last_error();
    int mine = own[0] != '\0' && strcmp(own, last_shared) != 0;
    if (!mine && own[0] != '\0' && status == last_shared_status)
      snprintf(msg, sizeof msg, "%s", own); /* a nested collective's: already shared and prefixed */
    else
      compose(msg, who, fn, mine ? own : bm_strerror(status));
  }
  if (MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, who, comm) != MPI_SUCCESS) {
    char text[BM_MPI_MSG_LEN];
    snprintf(text, sizeof text, "%s (the failing rank's message was lost: MPI_Bcast failed)", bm_strerror(status));
    compose(msg, who, fn, text);
  }
  msg[sizeof msg - 1] = '\0';
  share(status, msg);
}

int bm_mpi_agree_fn(const char *fn, MPI_Comm comm, int local_status, const bm_mpi_sig *sig, size_t nsig)
{
  int rank, size;
  if (nsig > BM_MPI_MAXSIG || MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS) {
    set_rank_message(BM_EINVAL, -1, fn, "comm is not a valid communicator");
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
    set_rank_message(BM_EINVAL, -1, fn, "the agreement MPI_Allreduce failed");
    bm_mpi_note(BM_EINVAL, -1);
    return BM_EINVAL;
  }
  if (buf[0] != 0) {
    int st = (int)(uint32_t)(buf[0] & 0xFFFFFFFFLL), who = size - (int)(buf[0] >> 32);
    share_message(comm, fn, st, who, rank);
    bm_mpi_note(st, who);
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
  char text[BM_MPI_MSG_LEN];
  const char *what = sig[bad].mismatch == BM_EBADLEN
                         ? "a dimension or shape"
                         : "an argument (an output given or not, a count, a seed or a model)";
  if (ref[bad] > -1000000000LL && ref[bad] < 1000000000LL) /* a size or count, not a hash */
    snprintf(text, sizeof text, "%s differs from rank 0's (%lld on rank 0)", what, ref[bad]);
  else
    snprintf(text, sizeof text, "%s differs from rank 0's", what);
  if (who < 0) snprintf(text, sizeof text, "the ranks' arguments differ (%s)", bm_strerror(sig[bad].mismatch));
  set_rank_message(sig[bad].mismatch, who, fn, text);
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

int bm_mpi_reduce_segments_fn(const char *fn, MPI_Comm comm, int local_status, const bm_mpi_sig *sig, size_t nsig,
                              bm_mpi_seg *seg, size_t nseg)
{
  /* the segment lengths decide the message: part of the signature */
  bm_mpi_sig all[BM_MPI_MAXSIG];
  size_t na = 0, total = 0;
  for (size_t i = 0; i < nsig && na < BM_MPI_MAXSIG; i++) all[na++] = sig[i];
  for (size_t i = 0; i < nseg; i++) {
    if (!local_status && seg_len(&seg[i]) && !seg_ok(&seg[i])) {
      char text[BM_MPI_MSG_LEN];
      snprintf(text, sizeof text, "%s: output %zu of the call is not %zu x %zu", fn, i, seg[i].rows, seg[i].cols);
      local_status = bm_set_error(BM_EBADLEN, text);
    }
    total += seg_len(&seg[i]);
  }
  if (na < BM_MPI_MAXSIG) all[na++] = (bm_mpi_sig){(long long)total, BM_EBADLEN};
  int status = bm_mpi_agree_fn(fn, comm, local_status, all, na);
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
        set_rank_message(status, -1, fn, "MPI_Allreduce of the sums failed");
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
