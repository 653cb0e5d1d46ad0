/* Internal (not installed): the mergeable (count, mean, scatter) summary of
 * N-vectors shared by the mvn and matnorm sufficient statistics,
 * used by distributions/mvn_stats.c (rows x_i, N = p) and
 * distributions/matnorm_stats.c (vec X_i, N = n p).
 *
 * Summary: (count, xbar, S = sum (x_i - xbar)(x_i - xbar)^T). The rows of one
 * call are summarized by a corrected two-pass algorithm streamed in blocks of
 * a fixed number of rows (so the scratch does not grow with the number of
 * rows): the mean, a correction pass adding mean(x_i - xbar) (which recovers
 * the digits the first sum loses when the data sit on a large offset), then
 * the centred blocks accumulated by dsyrk. The call's summary is merged into
 * the running one by Chan, Golub & LeVeque (1979):
 *   xbar = xbar_a + delta nb/n, S = S_a + S_b + delta delta^T na nb/n.
 * Packed layout: the header of src/stats_pack.h, then (count, xbar, lower
 * triangle of S column by column).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_SCATTER_STATS_H
#define BAYESMAT_SCATTER_STATS_H

#include <stddef.h>

typedef struct {
  size_t N;
  double count;
  double *mean;   /* N */
  double *S;      /* N x N, full symmetric, leading dim N */
  double *mean_b; /* N: the block being added */
  double *S_b;
} bm_scatter_stats;

/* Empty summary of N-vectors (N > 0 checked by the caller); BM_ENOMEM when out of memory. */
int bm_scatter_stats_init(bm_scatter_stats *s, size_t N);
void bm_scatter_stats_release(bm_scatter_stats *s);
/* BM_EINVAL for NULL */
int bm_scatter_stats_reset(bm_scatter_stats *s);
/* Writes row i (N doubles) of the data being added. */
typedef void bm_scatter_row_fn(const void *ctx, size_t i, double *row);
/* The n > 0 rows given by row(ctx, i, .) (already validated finite) summarized
 * and merged into s (replace: s first emptied). Scratch: a block of at most
 * max(BM_SCATTER_BLOCK, N) doubles, whatever n. s is written only at the end.
 * BM_SUCCESS; BM_ENOMEM (s unchanged). */
int bm_scatter_stats_add_rows(bm_scatter_stats *s, bm_scatter_row_fn *row, const void *ctx, size_t n, int replace);
/* doubles of row block scratch per call (128 KiB) */
#define BM_SCATTER_BLOCK 16384
/* a <- a merged with b (a == b fine). BM_EINVAL (NULL); BM_EBADLEN (N differs). */
int bm_scatter_stats_merge(bm_scatter_stats *a, const bm_scatter_stats *b);
/* BM_PACK_HEADER + 1 + N + N(N+1)/2 (0 for NULL) */
size_t bm_scatter_stats_packed_len(const bm_scatter_stats *s);
/* header (kind, d1, d2: the family's shape, d1 d2 = N) then the payload. BM_EINVAL (NULL) */
int bm_scatter_stats_pack(const bm_scatter_stats *s, double *buf, int kind, size_t d1, size_t d2);
/* s <- buf[0..len). BM_EINVAL (NULL; not a packed summary of this kind/version;
 * count negative, not an integer, above 2^53, 0 with nonzero content, or 1 with
 * a nonzero scatter); BM_EBADLEN (len or shape differ); BM_ENONFINITE;
 * BM_ENOTSPD (the scatter is not positive semidefinite). s unchanged on
 * failure (its block scratch is used for the check). */
int bm_scatter_stats_unpack(bm_scatter_stats *s, const double *buf, size_t len, int kind, size_t d1, size_t d2);

#endif
