/* bayesmat — the (count, mean, scatter) summary shared by the mvn and matnorm
 * sufficient statistics; see scatter_stats.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* The public wrappers name themselves (BM_WRAP): the messages here carry no prefix. */
#define BM_FN NULL
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/status.h"
#include "scatter_stats.h"
#include "stats_pack.h"
#include "work.h"
#include "../src/error.h"

int bm_scatter_stats_init(bm_scatter_stats *s, size_t N)
{
  memset(s, 0, sizeof *s);
  s->N = N;
  s->mean = calloc(2 * N + 2 * N * N, sizeof(double));
  if (!s->mean) return BM_FAIL(BM_ENOMEM, "out of memory for dimension %zu", N);
  s->S = s->mean + N;
  s->mean_b = s->S + N * N;
  s->S_b = s->mean_b + N;
  return BM_SUCCESS;
}

void bm_scatter_stats_release(bm_scatter_stats *s) { free(s->mean); }

int bm_scatter_stats_reset(bm_scatter_stats *s)
{
  if (!s) return BM_FAIL(BM_EINVAL, "s is NULL");
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

/* 1 if chan_merge of the same arguments stays within double range (the same
 * operations, nothing written): a summary beyond it is refused, never stored
 * as inf or NaN */
static int chan_merge_ok(size_t N, double n, const double *mean, const double *S, double nb, const double *mean_b,
                         const double *S_b)
{
  if (nb == 0.0 || n == 0.0) return 1; /* the result is one of the two, already finite */
  double nt = n + nb, w = nb / nt, c = n * nb / nt, z = 0.0;
  for (size_t i = 0; i < N; i++) {
    double di = mean_b[i] - mean[i];
    z += (mean[i] + di * w) * 0.0;
    for (size_t j = 0; j <= i; j++) z += (S[i * N + j] + S_b[i * N + j] + di * (mean_b[j] - mean[j]) * c) * 0.0;
  }
  return z == 0.0;
}

/* doubles of stack for the correction sums */
#define BM_SCATTER_DSUM 512

int bm_scatter_stats_add_rows(bm_scatter_stats *s, bm_scatter_row_fn *row, const void *ctx, size_t n, int replace)
{
  size_t N = s->N, B = BM_SCATTER_BLOCK / N;
  if (B == 0) B = 1;
  if (B > n) B = n;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *C = bm_work_get(&w, stack, BM_STACK_DOUBLES, B * N);
  if (!C) return BM_FAIL(BM_ENOMEM, "out of memory for a block of %zu rows", B);
  double *m = s->mean_b, nd = (double)n;
  /* pass 1: the mean */
  for (size_t j = 0; j < N; j++) m[j] = 0.0;
  for (size_t i = 0; i < n; i++) {
    row(ctx, i, C);
    for (size_t j = 0; j < N; j++) m[j] += C[j];
  }
  double zm = 0.0;
  for (size_t j = 0; j < N; j++) {
    m[j] /= nd;
    zm += m[j] * 0.0;
  }
  if (zm != 0.0) { /* the sum overflowed (rows near DBL_MAX); the mean of finite rows is finite: sum x_i / n */
    for (size_t j = 0; j < N; j++) m[j] = 0.0;
    for (size_t i = 0; i < n; i++) {
      row(ctx, i, C);
      for (size_t j = 0; j < N; j++) m[j] += C[j] / nd;
    }
  }
  /* pass 2: the centred rows c_i = x_i - m, a block at a time, into one
   * dsyrk-accumulated scatter about m; their sum (x_i - m is exact or nearly
   * so) is the correction delta = sum c_i / n that restores what the first
   * sum rounded away on a large offset. Then mean = m + delta and the scatter
   * about it is S_m - n delta delta^T (delta is at rounding level, so this
   * subtracts nothing that matters, but it keeps the pair consistent). */
  double dsum[BM_SCATTER_DSUM];
  double *delta = N <= BM_SCATTER_DSUM ? dsum : NULL;
  bm_work wd = {NULL, 0};
  if (!delta) delta = bm_work_get(&wd, dsum, BM_SCATTER_DSUM, N);
  if (!delta) {
    bm_work_release(&w);
    return BM_FAIL(BM_ENOMEM, "out of memory for dimension %zu", N);
  }
  for (int pass = 0;; pass++) {
    for (size_t j = 0; j < N; j++) delta[j] = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += B) {
      size_t nb = n - i0 < B ? n - i0 : B;
      for (size_t i = 0; i < nb; i++) {
        double *c = C + i * N;
        row(ctx, i0 + i, c);
        for (size_t j = 0; j < N; j++) {
          c[j] -= m[j];
          delta[j] += c[j];
        }
      }
      cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)N, (int)nb, 1.0, C, (int)N, i0 == 0 ? 0.0 : 1.0,
                  s->S_b, (int)N);
    }
    for (size_t j = 0; j < N; j++) delta[j] /= nd;
    double zs = 0.0;
    for (size_t a = 0; a < N; a++)
      for (size_t b = 0; b <= a; b++) {
        s->S_b[a * N + b] -= nd * delta[a] * delta[b];
        zs += s->S_b[a * N + b] * 0.0;
      }
    if (zs == 0.0) break;
    /* the scatter about m left double's range (inf, or NaN from inf - inf,
     * which the zeroing below would take for a constant coordinate). Rows
     * beyond ~1e170 whose mean m is off by a rounding have deviations that
     * square beyond DBL_MAX: once more about the corrected mean m + delta;
     * if that overflows too, the scatter itself is beyond double range. */
    if (pass == 1) {
      bm_work_release(&wd);
      bm_work_release(&w);
      return BM_FAIL(BM_EDOM, "the scatter of the rows is beyond double range");
    }
    for (size_t j = 0; j < N; j++) m[j] += delta[j];
  }
  /* a coordinate whose deviations are all at the rounding level can come out
   * with a (tiny) negative variance: it is constant, so its row and column are 0 */
  for (size_t a = 0; a < N; a++)
    if (!(s->S_b[a * N + a] > 0.0)) {
      for (size_t b = 0; b <= a; b++) s->S_b[a * N + b] = 0.0;
      for (size_t b = a + 1; b < N; b++) s->S_b[b * N + a] = 0.0;
    }
  for (size_t j = 0; j < N; j++) m[j] += delta[j];
  bm_work_release(&wd);
  bm_work_release(&w);
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < i; j++) s->S_b[j * N + i] = s->S_b[i * N + j];
  if (!chan_merge_ok(N, replace ? 0.0 : s->count, s->mean, s->S, nd, s->mean_b, s->S_b))
    return BM_FAIL(BM_EDOM, "the merged scatter is beyond double range");
  if (replace) s->count = 0.0;
  chan_merge(N, &s->count, s->mean, s->S, nd, s->mean_b, s->S_b);
  return BM_SUCCESS;
}

int bm_scatter_stats_merge(bm_scatter_stats *a, const bm_scatter_stats *b)
{
  if (!a || !b) return BM_FAIL(BM_EINVAL, "%s is NULL", a ? "b" : "a");
  if (a->N != b->N) return BM_FAIL(BM_EBADLEN, "a has dimension %zu, b has %zu", a->N, b->N);
  size_t N = a->N;
  if (!chan_merge_ok(N, a->count, a->mean, a->S, b->count, b->mean, b->S))
    return BM_FAIL(BM_EDOM, "the merged scatter is beyond double range");
  if (a == b) { /* merging with itself: copy first (the formula reads b while writing a) */
    memcpy(a->mean_b, b->mean, N * sizeof(double));
    memcpy(a->S_b, b->S, N * N * sizeof(double));
    chan_merge(N, &a->count, a->mean, a->S, a->count, a->mean_b, a->S_b);
    return BM_SUCCESS;
  }
  chan_merge(N, &a->count, a->mean, a->S, b->count, b->mean, b->S);
  return BM_SUCCESS;
}

size_t bm_scatter_stats_packed_len(const bm_scatter_stats *s)
{
  return s ? BM_PACK_HEADER + 1 + s->N + s->N * (s->N + 1) / 2 : 0;
}

int bm_scatter_stats_pack(const bm_scatter_stats *s, double *buf, int kind, size_t d1, size_t d2)
{
  if (!s || !buf) return BM_FAIL(BM_EINVAL, "%s is NULL", s ? "buf" : "s");
  size_t N = s->N, k = BM_PACK_HEADER;
  bm_pack_header(buf, kind, d1, d2, bm_scatter_stats_packed_len(s));
  buf[k++] = s->count;
  for (size_t i = 0; i < N; i++) buf[k++] = s->mean[i];
  for (size_t j = 0; j < N; j++)
    for (size_t i = j; i < N; i++) buf[k++] = s->S[i * N + j];
  return BM_SUCCESS;
}

int bm_scatter_stats_unpack(bm_scatter_stats *s, const double *buf, size_t len, int kind, size_t d1, size_t d2)
{
  if (!s || !buf) return BM_FAIL(BM_EINVAL, "%s is NULL", s ? "buf" : "s");
  size_t N = s->N, want = bm_scatter_stats_packed_len(s);
  int st = bm_pack_check_header(buf, len, kind, d1, d2, want);
  if (st) return st;
  const double *x = buf + BM_PACK_HEADER, *tri = x + 1 + N;
  size_t ntri = N * (N + 1) / 2;
  if ((st = bm_pack_check_finite(x, want - BM_PACK_HEADER))) return st;
  double n = x[0];
  if (!bm_pack_count_ok(n)) return BM_FAIL(BM_EINVAL, "buf's count %g is not an integer in [0, 2^53]", n);
  if (n == 0.0 && !bm_pack_all_zero(x + 1, N + ntri)) return BM_FAIL(BM_EINVAL, "buf's count is 0 but its mean or scatter is not");
  if (n == 1.0 && !bm_pack_all_zero(tri, ntri)) /* one row has no scatter */
    return BM_FAIL(BM_EINVAL, "buf's count is 1 but its scatter is not 0");
  /* positive semidefinite: the full matrix in the object's mean_b/S_b block scratch */
  double *W = s->S_b;
  for (size_t j = 0, k = 0; j < N; j++)
    for (size_t i = j; i < N; i++, k++) W[i * N + j] = W[j * N + i] = tri[k];
  if ((st = bm_pack_check_psd_inplace(W, N, s->mean_b))) return st;
  s->count = n;
  memcpy(s->mean, x + 1, N * sizeof(double));
  for (size_t j = 0, k = 0; j < N; j++)
    for (size_t i = j; i < N; i++, k++) s->S[i * N + j] = s->S[j * N + i] = tri[k];
  return BM_SUCCESS;
}
