/* Whitening kernel of the batched vector families for BM_SP_MAX < p <=
 * BM_MP_MAX (distributions/mid_p.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* the chunk loops are unrolled into registers only at -O3 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3")
#endif
#include <math.h>
#include <string.h>
#include "bayesmat/status.h"
#include "mid_p.h"

#if defined(__GNUC__)
#define MP_ALWAYS_INLINE __attribute__((always_inline))
/* portable: two lanes (SSE2 on x86-64, NEON / scalar pairs elsewhere) */
typedef double bm_mp_v2d __attribute__((vector_size(16)));
#define MP_V bm_mp_v2d
#define MP_W 2
#define MP_ATTR
#define MP_FN(name) name##_v2
#define MP_GATHER(x, xt, i) ((MP_V){(x)[i], (x)[(xt) + (i)]})
#define MP_STORE(dst, v) memcpy((dst), &(v), sizeof(MP_V))
#include "mid_p_kernel.h"
#undef MP_V
#undef MP_W
#undef MP_ATTR
#undef MP_FN
#undef MP_GATHER
#if defined(__x86_64__) || defined(__i386__)
#define BM_MP_AVX2 1
/* four lanes where the processor has AVX2 (checked at each call: no
 * library state); compiled without FMA, so the lanes round as above */
typedef double bm_mp_v4d __attribute__((vector_size(32)));
#define MP_V bm_mp_v4d
#define MP_W 4
#define MP_ATTR __attribute__((target("avx2")))
#define MP_FN(name) name##_v4
#define MP_GATHER(x, xt, i) ((MP_V){(x)[i], (x)[(xt) + (i)], (x)[2 * (xt) + (i)], (x)[3 * (xt) + (i)]})
#include "mid_p_kernel.h"
#undef MP_V
#undef MP_W
#undef MP_ATTR
#undef MP_FN
#undef MP_GATHER
#endif
#else
/* without vector extensions: one row per "lane", two rows per step */
#define MP_ALWAYS_INLINE
#define MP_V double
#define MP_W 1
#define MP_ATTR
#define MP_FN(name) name##_v2
#define MP_GATHER(x, xt, i) ((x)[i])
#define MP_STORE(dst, v) (*(dst) = (v))
#include "mid_p_kernel.h"
#endif

/* NaN deltas: BM_ENONFINITE for a row with a non-finite entry, else (an
 * overflowed solve of finite inputs, inf - inf) +inf */
static int nan_rows(const gsl_matrix *X, size_t r0, size_t rows, double *delta)
{
  size_t p = X->size2;
  for (size_t k = 0; k < rows; k++)
    if (isnan(delta[k])) {
      const double *x = X->data + (r0 + k) * X->tda;
      for (size_t j = 0; j < p; j++)
        if (!isfinite(x[j])) return BM_ENONFINITE;
      delta[k] = INFINITY;
    }
  return BM_SUCCESS;
}

/* the kernel through one path (see bm_mp_delta_block_path), Z optional */
static int block_path(int path, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                      size_t r0, size_t rows, double *delta, double *Z, size_t ldz)
{
  size_t p = L->size1;
  const double *x = X->data + r0 * X->tda;
#ifdef BM_MP_AVX2
  if (path == 1 && __builtin_cpu_supports("avx2"))
    block_v4(p, mu, inv, L->data, L->tda, x, X->tda, rows, delta, Z, ldz);
  else
#endif
    block_v2(p, mu, inv, L->data, L->tda, x, X->tda, rows, delta, Z, ldz);
  (void)path;
  return nan_rows(X, r0, rows, delta);
}

int bm_mp_delta_block_path(int path, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                           size_t r0, size_t rows, double *delta)
{
  return block_path(path, mu, inv, L, X, r0, rows, delta, NULL, 0);
}

int bm_mp_whiten_rows_path(int path, const gsl_vector *mu_v, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                           size_t r1, double *Z)
{
  size_t p = L->size1;
  _Alignas(64) double mu[BM_MP_MAX], inv[BM_MP_MAX], delta[64];
  for (size_t j = 0; j < p; j++) {
    mu[j] = mu_v->data[j * mu_v->stride];
    inv[j] = 1.0 / L->data[j * L->tda + j];
  }
  for (size_t b0 = r0; b0 < r1; b0 += 64) {
    size_t rows = r1 - b0 < 64 ? r1 - b0 : 64;
    int status = block_path(path, mu, inv, L, X, b0, rows, delta, Z + (b0 - r0) * p, p);
    if (status) return status;
  }
  return BM_SUCCESS;
}

int bm_mp_delta_block(const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                      size_t rows, double *delta)
{
  return block_path(1, mu, inv, L, X, r0, rows, delta, NULL, 0);
}
