/* Small-dimension paths of the vector families (distributions/small_p.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* the kernels' loops over observations are written to be vectorized; GCC
 * vectorizes them fully only at -O3 (its -O2 cost model keeps them scalar) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3")
#endif
#include <math.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "omp_policy.h"
#include "small_p.h"
#include "mid_p.h"
#define BM_FN fn /* the checks of bm_sp_loglik_fn report as its public caller */
#include "../src/error.h"

#if defined(__GNUC__)
#define BM_SP_INLINE static inline __attribute__((always_inline))
#else
#define BM_SP_INLINE static inline
#endif
#if !defined(__GNUC__)
/* One block of rows <= BM_SP_ROWS into the column-major T (p x R,
 * T[j R + k] = x_kj - mu_j), forward-substituted with the loop over the
 * observations k innermost. Returns BM_ENONFINITE (before any solve) when
 * a row holds a non-finite value. Lanes beyond rows are zero. Used by the
 * delta_block of compilers without vector extensions. */
BM_SP_INLINE int solve_block_p(size_t p, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                               size_t r0, size_t rows, double *T)
{
  size_t tda = L->tda, xt = X->tda;
  const double *l = L->data;
  /* x * 0 is 0 for finite x, NaN otherwise: eight independent sums (no
   * long chain of dependent additions) */
  double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  for (size_t k = 0; k < rows; k++) {
    const double *x = X->data + (r0 + k) * xt;
    for (size_t j = 0; j < p; j++) {
      acc[j & 7] += x[j] * 0.0;
      T[j * BM_SP_ROWS + k] = x[j] - mu[j];
    }
  }
  if ((acc[0] + acc[1] + acc[2] + acc[3]) + (acc[4] + acc[5] + acc[6] + acc[7]) != 0.0) return BM_ENONFINITE;
  for (size_t j = 0; j < p; j++) /* full-width loops below: no stale lanes */
    for (size_t k = rows; k < BM_SP_ROWS; k++) T[j * BM_SP_ROWS + k] = 0.0;
  for (size_t i = 0; i < p; i++) {
    double *restrict ti = T + i * BM_SP_ROWS;
    const double *row = l + i * tda;
    for (size_t j = 0; j < i; j++) {
      const double *restrict tj = T + j * BM_SP_ROWS;
      double lij = row[j];
      for (size_t k = 0; k < BM_SP_ROWS; k++) ti[k] -= lij * tj[k];
    }
    double s = inv[i];
    for (size_t k = 0; k < BM_SP_ROWS; k++) ti[k] *= s;
  }
  return BM_SUCCESS;
}

static int solve_block(const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                       size_t rows, double *T)
{
  switch (L->size1) {
#define BM_SP_CASE(P) \
  case P: return solve_block_p(P, mu, inv, L, X, r0, rows, T);
    BM_SP_CASE(1) BM_SP_CASE(2) BM_SP_CASE(3) BM_SP_CASE(4) BM_SP_CASE(5) BM_SP_CASE(6) BM_SP_CASE(7) BM_SP_CASE(8)
#undef BM_SP_CASE
  default: return solve_block_p(L->size1, mu, inv, L, X, r0, rows, T);
  }
}
#endif

/* delta[k] <- |L^{-1}(x_k - mu)|^2 for the rows r0 .. r0+rows-1 of X, two
 * rows at a time in the two lanes of a vector register, the whole
 * substitution held in registers (no store of the whitened rows). NaN
 * (from an overflowed solve of finite inputs) becomes +inf. Returns
 * BM_ENONFINITE when a row holds a non-finite value. */
#if defined(__GNUC__)
typedef double bm_v2d __attribute__((vector_size(16)));
BM_SP_INLINE int delta_block_p(size_t p, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                               size_t r0, size_t rows, double *delta)
{
  size_t tda = L->tda, xt = X->tda;
  const double *l = L->data;
  /* L's lower triangle, mu and the reciprocals broadcast once per block */
  bm_v2d lb[BM_SP_MAX * (BM_SP_MAX - 1) / 2], mub[BM_SP_MAX], invb[BM_SP_MAX];
  for (size_t i = 0, c = 0; i < p; i++) {
    mub[i] = (bm_v2d){mu[i], mu[i]};
    invb[i] = (bm_v2d){inv[i], inv[i]};
    for (size_t j = 0; j < i; j++, c++) lb[c] = (bm_v2d){l[i * tda + j], l[i * tda + j]};
  }
  /* x * 0 (NaN for a non-finite x) is added into the row's own chain, so
   * a non-finite row ends as delta = NaN with no loop-carried check; rows
   * whose delta is NaN are looked at again below */
  size_t k = 0;
  for (; k + 2 <= rows; k += 2) {
    const double *xa = X->data + (r0 + k) * xt, *xb = xa + xt;
    bm_v2d z[BM_SP_MAX], d = {0.0, 0.0};
    for (size_t i = 0, c = 0; i < p; i++) {
      bm_v2d xi = {xa[i], xb[i]};
      bm_v2d t = (xi - mub[i]) + xi * 0.0;
      for (size_t j = 0; j < i; j++, c++) t -= lb[c] * z[j];
      t *= invb[i];
      z[i] = t;
      d += t * t;
    }
    delta[k] = d[0];
    delta[k + 1] = d[1];
  }
  for (; k < rows; k++) {
    const double *xa = X->data + (r0 + k) * xt;
    double z[BM_SP_MAX], d = 0.0;
    for (size_t i = 0; i < p; i++) {
      double t = (xa[i] - mu[i]) + xa[i] * 0.0;
      for (size_t j = 0; j < i; j++) t -= l[i * tda + j] * z[j];
      t *= inv[i];
      z[i] = t;
      d += t * t;
    }
    delta[k] = d;
  }
  for (k = 0; k < rows; k++)
    if (isnan(delta[k])) {
      const double *x = X->data + (r0 + k) * xt;
      for (size_t j = 0; j < p; j++)
        if (!isfinite(x[j])) return BM_ENONFINITE;
      delta[k] = INFINITY; /* finite row: an overflowed solve (inf - inf) */
    }
  return BM_SUCCESS;
}

#if defined(__x86_64__) || defined(__i386__)
/* Four rows per step in one 256-bit register where the processor has AVX2
 * (checked at each call: no library state). Compiled without FMA, so the
 * rounding is that of the two-lane code. */
typedef double bm_v4d __attribute__((vector_size(32)));
__attribute__((target("avx2"), always_inline)) static inline int delta_block_avx2_p(size_t p, const double *mu, const double *inv,
                                                              const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                                                              size_t rows, double *delta)
{
  size_t tda = L->tda, xt = X->tda, k = 0;
  const double *l = L->data;
  bm_v4d lb[BM_SP_MAX * (BM_SP_MAX - 1) / 2], mub[BM_SP_MAX], invb[BM_SP_MAX];
  for (size_t i = 0, c = 0; i < p; i++) {
    mub[i] = (bm_v4d){mu[i], mu[i], mu[i], mu[i]};
    invb[i] = (bm_v4d){inv[i], inv[i], inv[i], inv[i]};
    for (size_t j = 0; j < i; j++, c++) {
      double v = l[i * tda + j];
      lb[c] = (bm_v4d){v, v, v, v};
    }
  }
  for (; k + 4 <= rows; k += 4) {
    const double *xa = X->data + (r0 + k) * xt, *xb = xa + xt, *xc = xb + xt, *xd = xc + xt;
    bm_v4d z[BM_SP_MAX], d = {0.0, 0.0, 0.0, 0.0};
    for (size_t i = 0, c = 0; i < p; i++) {
      bm_v4d xi = {xa[i], xb[i], xc[i], xd[i]};
      bm_v4d t = (xi - mub[i]) + xi * 0.0;
      for (size_t j = 0; j < i; j++, c++) t -= lb[c] * z[j];
      t *= invb[i];
      z[i] = t;
      d += t * t;
    }
    for (size_t u = 0; u < 4; u++) delta[k + u] = d[u];
  }
  for (size_t m = 0; m < k; m++)
    if (isnan(delta[m])) {
      const double *x = X->data + (r0 + m) * xt;
      for (size_t j = 0; j < p; j++)
        if (!isfinite(x[j])) return BM_ENONFINITE;
      delta[m] = INFINITY;
    }
  return k < rows ? delta_block_p(p, mu, inv, L, X, r0 + k, rows - k, delta + k) : BM_SUCCESS;
}

__attribute__((target("avx2"))) static int delta_block_avx2(const double *mu, const double *inv, const gsl_matrix *L,
                                                            const gsl_matrix *X, size_t r0, size_t rows,
                                                            double *delta)
{
  switch (L->size1) {
#define BM_SP_CASE(P) \
  case P: return delta_block_avx2_p(P, mu, inv, L, X, r0, rows, delta);
    BM_SP_CASE(1) BM_SP_CASE(2) BM_SP_CASE(3) BM_SP_CASE(4) BM_SP_CASE(5) BM_SP_CASE(6) BM_SP_CASE(7) BM_SP_CASE(8)
#undef BM_SP_CASE
  default: return delta_block_avx2_p(L->size1, mu, inv, L, X, r0, rows, delta);
  }
}
#endif

static int delta_block(const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                       size_t rows, double *delta)
{
#if defined(__x86_64__) || defined(__i386__)
  if (__builtin_cpu_supports("avx2")) return delta_block_avx2(mu, inv, L, X, r0, rows, delta);
#endif
  switch (L->size1) {
#define BM_SP_CASE(P) \
  case P: return delta_block_p(P, mu, inv, L, X, r0, rows, delta);
    BM_SP_CASE(1) BM_SP_CASE(2) BM_SP_CASE(3) BM_SP_CASE(4) BM_SP_CASE(5) BM_SP_CASE(6) BM_SP_CASE(7) BM_SP_CASE(8)
#undef BM_SP_CASE
  default: return delta_block_p(L->size1, mu, inv, L, X, r0, rows, delta);
  }
}
#else
/* without vector extensions: solve_block's column layout, then the sums */
static int delta_block(const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                       size_t rows, double *delta)
{
  size_t p = L->size1;
  double T[BM_SP_MAX * BM_SP_ROWS];
  int status = solve_block(mu, inv, L, X, r0, rows, T);
  if (status) return status;
  for (size_t k = 0; k < BM_SP_ROWS; k++) delta[k] = 0.0;
  for (size_t j = 0; j < p; j++) {
    const double *tj = T + j * BM_SP_ROWS;
    for (size_t k = 0; k < BM_SP_ROWS; k++) delta[k] += tj[k] * tj[k];
  }
  for (size_t k = 0; k < rows; k++)
    if (isnan(delta[k])) delta[k] = INFINITY;
  return BM_SUCCESS;
}
#endif

int bm_sp_pivots_ok(const gsl_matrix *L)
{
  for (size_t j = 0; j < L->size1; j++)
    if (!isfinite(1.0 / L->data[j * L->tda + j])) return 0;
  return 1;
}

/* mu contiguous and the pivots' reciprocals */
static void prepare(const gsl_vector *mu_v, const gsl_matrix *L, double *mu, double *inv)
{
  size_t p = L->size1;
  for (size_t j = 0; j < p; j++) {
    mu[j] = mu_v->data[j * mu_v->stride];
    inv[j] = 1.0 / L->data[j * L->tda + j];
  }
}

int bm_sp_loglik_fn(const char *fn, int obj_status, const gsl_vector *mu_v, const gsl_matrix *L, const gsl_matrix *X,
                    gsl_vector *each, bm_sp_delta_block block, const void *ctx, double *total_out)
{
  int status = bm_vc_check_batch(obj_status, obj_status ? 0 : L->size1, X);
  if (!status && each) status = bm_validate_length(each, X->size1);
  if (status) {
    bm_nan_vector(each);
    return status;
  }
  size_t n = X->size1, G = bm_batch_groups(n, 0);
  double mu[BM_MP_MAX], inv[BM_MP_MAX];
  prepare(mu_v, L, mu, inv);
  double part[BM_BATCH_GROUPS_MAX];
  int bad[BM_BATCH_GROUPS_MAX];
#ifdef _OPENMP
  int nt = bm_omp_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && G > 1)
#endif
  for (size_t g = 0; g < G; g++) {
    size_t r0, r1;
    bm_batch_range(n, G, g, &r0, &r1);
    double total = 0.0, delta[BM_SP_ROWS];
    bad[g] = BM_SUCCESS;
    for (size_t b0 = r0; b0 < r1 && !bad[g]; b0 += BM_SP_ROWS) {
      size_t rows = r1 - b0 < BM_SP_ROWS ? r1 - b0 : BM_SP_ROWS;
      bad[g] = L->size1 >= BM_MP_MIN ? bm_mp_delta_block(mu, inv, L, X, b0, rows, delta)
                                     : delta_block(mu, inv, L, X, b0, rows, delta);
      if (!bad[g]) block(ctx, delta, rows, b0, each, &total);
    }
    part[g] = total;
  }
  double total = 0.0;
  for (size_t g = 0; g < G; g++) {
    if (bad[g]) status = bad[g];
    total += part[g];
  }
  if (status) {
    bm_nan_vector(each);
    return BM_FAIL(status, "X has a NaN or Inf entry"); /* the kernels' one failure, recorded off the threads */
  }
  *total_out = total;
  return BM_SUCCESS;
}
