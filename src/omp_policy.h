/* Internal: the OpenMP policy of the batched log-likelihoods
 * (docs/scaling.md, "Threads inside a node").
 *
 * Groups. A batch of n rows is cut into G contiguous row groups, G a function
 * of (n, p) only (never of the thread count): each group is whitened, summed
 * and rank-k-updated on its own (in sub-blocks of BM_BATCH_BLOCK rows in a
 * private buffer when G > 1), and the G partial results are added in group
 * order by one thread. The result is therefore bit-identical for every thread
 * count (1, 2, ... threads run the same G groups). Without OpenMP G = 1: the
 * plain one-block code. With OpenMP and n >= 2 BM_BATCH_MIN_ROWS, results
 * differ from a build without OpenMP by rounding only (sums re-associated).
 *
 * Threads. Default 1 (a library must not take the machine behind its caller's
 * back). The environment variable BAYESMAT_NUM_THREADS, read at each batched
 * call (no library state): a positive integer k uses k threads; 0 uses
 * OpenMP's own setting (OMP_NUM_THREADS, or omp_set_num_threads() by the
 * caller); unset, empty or invalid: 1. Inside an active parallel region: 1
 * (no nesting).
 *
 * BLAS. Each group calls OpenBLAS (dtrsm, dsyrk) on its block from inside the
 * parallel region. To avoid oversubscription (threads x BLAS threads), a
 * caller using more than one bayesmat thread runs OpenBLAS single-threaded
 * (OPENBLAS_NUM_THREADS=1 or openblas_set_num_threads(1)): that global
 * setting belongs to the caller, and bayesmat never changes it.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_OMP_POLICY_H
#define BAYESMAT_OMP_POLICY_H

#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* at most this many row groups per batch */
#define BM_BATCH_GROUPS_MAX 16
/* at least this many rows per group */
#define BM_BATCH_MIN_ROWS 256
/* with G > 1 groups, each group whitens its rows in sub-blocks of this many
 * rows in a private buffer (no n x p buffer: no page faults, cache-sized) */
#define BM_BATCH_BLOCK 256
/* per-group scratch cap (doubles, all groups together): 32 MiB */
#define BM_BATCH_SLOT_BUDGET ((size_t)1 << 22)

/* Number of row groups for n rows when each group needs slot_doubles of
 * private scratch (0: none). Depends on (n, slot_doubles) only. */
static inline size_t bm_batch_groups(size_t n, size_t slot_doubles)
{
#ifdef _OPENMP
  size_t g = n / BM_BATCH_MIN_ROWS;
  if (g > BM_BATCH_GROUPS_MAX) g = BM_BATCH_GROUPS_MAX;
  if (slot_doubles > 0 && g > BM_BATCH_SLOT_BUDGET / slot_doubles) g = BM_BATCH_SLOT_BUDGET / slot_doubles;
  return g < 1 ? 1 : g;
#else
  (void)n;
  (void)slot_doubles;
  return 1;
#endif
}

/* Rows per whitening block: BM_BATCH_BLOCK with several groups; with one
 * group, all rows up to BM_SERIAL_BLOCK (one dtrsm, the LAPACK floor's shape)
 * and blocks of BM_SERIAL_BLOCK beyond, so that a large batch never
 * allocates (and page-faults in) an n x p buffer: ~20% of a call's time at
 * n = 4e5, p = 20 went to the kernel zero-filling it. */
#define BM_SERIAL_BLOCK 2048
static inline size_t bm_batch_block(size_t n, size_t G)
{
  if (G > 1) return BM_BATCH_BLOCK;
  return n < BM_SERIAL_BLOCK ? n : BM_SERIAL_BLOCK;
}

/* Rows [first, end) of group g out of G over n rows. */
static inline void bm_batch_range(size_t n, size_t G, size_t g, size_t *first, size_t *end)
{
  *first = n / G * g + (g < n % G ? g : n % G);
  *end = *first + n / G + (g < n % G);
}

/* Threads for a batched call (see above). */
static inline int bm_omp_threads(void)
{
#ifdef _OPENMP
  if (omp_in_parallel()) return 1;
  const char *s = getenv("BAYESMAT_NUM_THREADS");
  if (!s || !*s) return 1;
  char *end;
  long k = strtol(s, &end, 10);
  if (*end || k < 0) return 1;
  if (k == 0) return omp_get_max_threads();
  return k > 256 ? 256 : (int)k;
#else
  return 1;
#endif
}

#endif
