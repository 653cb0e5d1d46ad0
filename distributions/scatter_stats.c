/* bayesmat — the (count, mean, scatter) summary shared by the mvn and matnorm
 * sufficient statistics; see scatter_stats.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/status.h"
#include "scatter_stats.h"
#include "../src/error.h"

int bm_scatter_stats_init(bm_scatter_stats *s, size_t N)
{
  memset(s, 0, sizeof *s);
  s->N = N;
  s->mean = calloc(2 * N + 2 * N * N, sizeof(double));
  if (!s->mean) return BM_ENOMEM;
  s->S = s->mean + N;
  s->mean_b = s->S + N * N;
  s->S_b = s->mean_b + N;
  return BM_SUCCESS;
}

void bm_scatter_stats_release(bm_scatter_stats *s) { free(s->mean); }

int bm_scatter_stats_reset(bm_scatter_stats *s)
{
  if (!s) return BM_EINVAL;
  s->count = 0.0;
  memset(s->mean, 0, (s->N + s->N * s->N) * sizeof(double));
  return BM_SUCCESS;
}

/* (n, mean, S) <- merged with (nb, mean_b, S_b) */
static void chan_merge(size_t N, double *n, double *mean, double *S, double nb, const double *mean_b,
                       const double *S_b)
{
  if (nb == 0.0) return;
  if (*n == 0.0) {
    *n = nb;
    memmove(mean, mean_b, N * sizeof(double));
    memmove(S, S_b, N * N * sizeof(double));
    return;
  }
  double na = *n, nt = na + nb, w = nb / nt, c = na * nb / nt;
  /* delta_i delta_j c added to the scatter before the mean moves */
  for (size_t i = 0; i < N; i++) {
    double di = mean_b[i] - mean[i];
    for (size_t j = 0; j <= i; j++) {
      double dj = mean_b[j] - mean[j];
      double v = S[i * N + j] + S_b[i * N + j] + di * dj * c;
      S[i * N + j] = v;
      S[j * N + i] = v;
    }
  }
  for (size_t i = 0; i < N; i++) mean[i] += (mean_b[i] - mean[i]) * w;
  *n = nt;
}

void bm_scatter_stats_commit(bm_scatter_stats *s, const double *C, size_t nb, int replace)
{
  size_t N = s->N;
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)N, (int)nb, 1.0, C, (int)N, 0.0, s->S_b, (int)N);
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < i; j++) s->S_b[j * N + i] = s->S_b[i * N + j];
  if (replace) s->count = 0.0;
  chan_merge(N, &s->count, s->mean, s->S, (double)nb, s->mean_b, s->S_b);
}

int bm_scatter_stats_merge(bm_scatter_stats *a, const bm_scatter_stats *b)
{
  if (!a || !b) return BM_EINVAL;
  if (a->N != b->N) return BM_EBADLEN;
  size_t N = a->N;
  if (a == b) { /* merging with itself: copy first (the formula reads b while writing a) */
    memcpy(a->mean_b, b->mean, N * sizeof(double));
    memcpy(a->S_b, b->S, N * N * sizeof(double));
    chan_merge(N, &a->count, a->mean, a->S, a->count, a->mean_b, a->S_b);
    return BM_SUCCESS;
  }
  chan_merge(N, &a->count, a->mean, a->S, b->count, b->mean, b->S);
  return BM_SUCCESS;
}

size_t bm_scatter_stats_packed_len(const bm_scatter_stats *s) { return s ? 1 + s->N + s->N * (s->N + 1) / 2 : 0; }

int bm_scatter_stats_pack(const bm_scatter_stats *s, double *buf)
{
  if (!s || !buf) return BM_EINVAL;
  size_t N = s->N, k = 0;
  buf[k++] = s->count;
  for (size_t i = 0; i < N; i++) buf[k++] = s->mean[i];
  for (size_t j = 0; j < N; j++)
    for (size_t i = j; i < N; i++) buf[k++] = s->S[i * N + j];
  return BM_SUCCESS;
}

int bm_scatter_stats_unpack(bm_scatter_stats *s, const double *buf)
{
  if (!s || !buf) return BM_EINVAL;
  size_t N = s->N, len = bm_scatter_stats_packed_len(s);
  for (size_t k = 0; k < len; k++)
    if (!isfinite(buf[k])) return BM_ENONFINITE;
  double n = buf[0];
  if (n < 0.0 || n != floor(n)) return BM_EINVAL;
  for (size_t k = 1; k < len; k++)
    if (n == 0.0 && buf[k] != 0.0) return BM_EINVAL;
  for (size_t j = 0, k = 1 + N; j < N; j++) {
    if (buf[k] < 0.0) return BM_EINVAL; /* diagonal entry (j, j) */
    k += N - j;
  }
  size_t k = 0;
  s->count = buf[k++];
  for (size_t i = 0; i < N; i++) s->mean[i] = buf[k++];
  for (size_t j = 0; j < N; j++)
    for (size_t i = j; i < N; i++) {
      s->S[i * N + j] = buf[k];
      s->S[j * N + i] = buf[k++];
    }
  return BM_SUCCESS;
}
