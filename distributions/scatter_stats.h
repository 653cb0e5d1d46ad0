/* Internal (not installed): the mergeable (count, mean, scatter) summary of
 * N-vectors shared by the mvn and matnorm sufficient statistics,
 * used by distributions/mvn_stats.c (rows x_i, N = p) and
 * distributions/matnorm_stats.c (vec X_i, N = n p).
 *
 * Summary: (count, xbar, S = sum (x_i - xbar)(x_i - xbar)^T). A block is
 * summarized two-pass by the family (its mean into mean_b, its centred rows
 * into C) and committed by one dsyrk; summaries merge by Chan, Golub &
 * LeVeque (1979): xbar = xbar_a + delta nb/n, S = S_a + S_b + delta delta^T na nb/n.
 * Packed layout: (count, xbar, lower triangle of S column by column).
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
/* The block of nb > 0 vectors whose mean is in s->mean_b and whose centred rows are
 * C (nb x N, row-major): its scatter by one dsyrk, then merged into s (replace: into
 * an empty s). */
void bm_scatter_stats_commit(bm_scatter_stats *s, const double *C, size_t nb, int replace);
/* a <- a merged with b (a == b fine). BM_EINVAL (NULL); BM_EBADLEN (N differs). */
int bm_scatter_stats_merge(bm_scatter_stats *a, const bm_scatter_stats *b);
/* 1 + N + N(N+1)/2 (0 for NULL) */
size_t bm_scatter_stats_packed_len(const bm_scatter_stats *s);
/* BM_EINVAL (NULL) */
int bm_scatter_stats_pack(const bm_scatter_stats *s, double *buf);
/* BM_EINVAL (NULL; count negative, not an integer, or 0 with nonzero content; a
 * negative scatter diagonal); BM_ENONFINITE. s unchanged on failure. */
int bm_scatter_stats_unpack(bm_scatter_stats *s, const double *buf);

#endif
