/* Distributed evaluation over MPI (include/bayesmat/mpi.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "bayesmat/status.h"
#include "bayesmat/mpi.h"

int bm_mpi_allreduce_sum(MPI_Comm comm, double *buf, size_t n)
{
  if (n == 0) return BM_SUCCESS;
  if (buf == NULL || n > (size_t)INT32_MAX) return BM_EINVAL;
  return MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, comm) == MPI_SUCCESS ? BM_SUCCESS : BM_EINVAL;
}

/* Doubles reduced per MPI_Allreduce (64 KiB, on the stack): a gradient of
 * up to BM_MPI_CHUNK - 2 entries (a p x p symmetric block up to p ~ 127) goes in
 * one reduction; larger ones in ceil(n / BM_MPI_CHUNK) reductions of 64 KiB,
 * where bandwidth dominates anyway. No allocation, so no rank can drop out of
 * the collective for lack of memory. */
#define BM_MPI_CHUNK 8192

int bm_mpi_loglik_grad(MPI_Comm comm, bm_mpi_local_fn local, void *params, size_t grad_len, double *ll,
                       double *grad)
{
  if (ll) *ll = NAN;
  if (local == NULL || ll == NULL || (grad == NULL && grad_len > 0)) return BM_EINVAL;
  int status = local(params, ll, grad_len ? grad : NULL);
  double buf[BM_MPI_CHUNK];
  /* first chunk: [ll, number of failed ranks, grad[0..)] then grad in chunks */
  size_t done = 0, total = grad_len + 2;
  int mpi_ok = 1;
  while (done < total && mpi_ok) {
    size_t k = total - done < BM_MPI_CHUNK ? total - done : BM_MPI_CHUNK;
    for (size_t i = 0; i < k; i++) {
      size_t j = done + i;
      buf[i] = j == 0 ? *ll : j == 1 ? (double)(status != BM_SUCCESS) : grad[j - 2];
    }
    mpi_ok = bm_mpi_allreduce_sum(comm, buf, k) == BM_SUCCESS;
    for (size_t i = 0; i < k && mpi_ok; i++) {
      size_t j = done + i;
      if (j == 0)
        *ll = buf[i];
      else if (j == 1)
        status = buf[i] > 0 ? (status ? status : -1) : BM_SUCCESS;
      else
        grad[j - 2] = buf[i];
    }
    done += k;
  }
  if (!mpi_ok) status = BM_EINVAL;
  if (mpi_ok && status != BM_SUCCESS) {
    /* some rank failed: agree on the code (a second reduction only then) */
    int worst = status > 0 ? status : 0;
    if (MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS) worst = BM_EINVAL;
    status = worst > 0 ? worst : BM_EINVAL;
  }
  if (status != BM_SUCCESS) {
    *ll = NAN;
    for (size_t i = 0; i < grad_len; i++) grad[i] = NAN;
  }
  return status;
}

static uint64_t mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

gsl_rng *bm_mpi_rng_alloc(MPI_Comm comm, unsigned long seed)
{
  int rank;
  if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS) return NULL;
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
  /* mt19937 uses 32 bits of its seed: mix (seed, rank) into them */
  uint64_t s = mix64((uint64_t)seed * 0x9E3779B97F4A7C15ULL + mix64((uint64_t)rank + 1));
  unsigned long s32 = (unsigned long)(s & 0xFFFFFFFFUL);
  gsl_rng_set(r, s32 ? s32 : 1UL);
  return r;
}

void bm_mpi_partition(MPI_Comm comm, size_t n, size_t *first, size_t *count)
{
  int rank, size;
  *first = *count = 0;
  if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS) return;
  size_t r = (size_t)rank, s = (size_t)size, base = n / s, extra = n % s;
  *count = base + (r < extra);
  *first = r * base + (r < extra ? r : extra);
}
