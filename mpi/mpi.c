/* Distributed evaluation over MPI (include/bayesmat/mpi.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "bayesmat/status.h"
#include "bayesmat/mpi.h"
#include "reduce.h"

/* Doubles reduced per MPI_Allreduce (64 KiB, on the stack): no allocation,
 * so no rank can drop out of the collective for lack of memory. */
#define BM_MPI_CHUNK 8192

int bm_mpi_allreduce_sum(MPI_Comm comm, double *buf, size_t n)
{
  bm_mpi_sig sig = {(long long)n, BM_EBADLEN};
  int st = bm_mpi_agree(comm, buf == NULL && n > 0 ? BM_EINVAL : BM_SUCCESS, &sig, 1);
  for (size_t done = 0; st == BM_SUCCESS && done < n;) {
    size_t k = n - done < BM_MPI_CHUNK ? n - done : BM_MPI_CHUNK;
    if (MPI_Allreduce(MPI_IN_PLACE, buf + done, (int)k, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS) {
      st = BM_EINVAL;
      bm_mpi_note(st, -1);
    }
    done += k;
  }
  return st;
}

int bm_mpi_loglik_grad(MPI_Comm comm, bm_mpi_local_fn local, void *params, size_t grad_len, double *ll,
                       double *grad)
{
  double l = NAN;
  int st = BM_SUCCESS;
  if (local == NULL || ll == NULL || (grad == NULL && grad_len > 0)) st = BM_EINVAL;
  else
    st = local(params, &l, grad_len ? grad : NULL);
  bm_mpi_sig sig = {(long long)grad_len, BM_EBADLEN};
  bm_mpi_seg seg[2] = {{&l, NULL, NULL, 1, 1}, {grad, NULL, NULL, grad ? grad_len : 0, grad ? 1 : 0}};
  st = bm_mpi_reduce_segments(comm, st, &sig, 1, seg, 2);
  if (ll) *ll = st ? NAN : l;
  return st;
}

static uint64_t mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

gsl_rng *bm_mpi_rng_alloc(MPI_Comm comm, unsigned long seed)
{
  int rank, size;
  if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS) return NULL;
  /* Built by hand rather than by gsl_rng_alloc, whose allocation failure goes
   * to GSL's (aborting) error handler; gsl_rng_free releases it as usual. */
  const gsl_rng_type *T = gsl_rng_mt19937;
  gsl_rng *r = malloc(sizeof *r);
  if (!r) return NULL;
  r->type = T;
  r->state = calloc(1, T->size);
  if (!r->state) {
    free(r);
    return NULL;
  }
  /* mt19937 uses 32 bits of its seed: mix (seed, rank, size) into them. The
   * communicator size is part of the mix so that runs at different rank
   * counts draw independent streams (rank 0 of 2 and rank 0 of 4 differ). */
  uint64_t s = mix64((uint64_t)seed * 0x9E3779B97F4A7C15ULL + mix64((uint64_t)rank + 1) +
                     mix64(((uint64_t)size << 32) ^ 0xD1B54A32D192ED03ULL));
  unsigned long s32 = (unsigned long)(s & 0xFFFFFFFFUL);
  gsl_rng_set(r, s32 ? s32 : 1UL);
  return r;
}

void bm_mpi_partition(MPI_Comm comm, size_t n, size_t *first, size_t *count)
{
  int rank, size;
  size_t f = 0, c = 0;
  if (MPI_Comm_rank(comm, &rank) == MPI_SUCCESS && MPI_Comm_size(comm, &size) == MPI_SUCCESS) {
    size_t r = (size_t)rank, sz = (size_t)size, base = n / sz, extra = n % sz;
    c = base + (r < extra);
    f = r * base + (r < extra ? r : extra);
  }
  if (first) *first = f;
  if (count) *count = c;
}
