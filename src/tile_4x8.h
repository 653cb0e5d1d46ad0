/* bayesmat — the 4 x 8 AVX2+FMA register tile shared by the own rank-k
 * kernel (src/syrk_t.c) and the symmetric sandwich kernel (src/sygst.c).
 * Private to src/.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BM_TILE_4X8_H
#define BM_TILE_4X8_H

#if defined(__x86_64__) && defined(__GNUC__)
#include <stddef.h>
#include <immintrin.h>
#define BM_TILE_4X8_AVX2 1

/* acc[2r], acc[2r+1] (row r's eight columns) += sum_l a[l as + r] b[8 l .. 8 l + 7],
 * l < k: one rank-k update of a 4 x 8 block from packed panels (four entries
 * of a column of A at stride as, eight of a row of B contiguous). Inlined
 * into the callers' AVX2 tiles, so the accumulators stay in registers. */
__attribute__((always_inline, target("avx2,fma"))) static inline void bm_tile_4x8_update(size_t k, const double *a,
                                                                                          size_t as, const double *b,
                                                                                          __m256d acc[8])
{
  __m256d c00 = acc[0], c01 = acc[1], c10 = acc[2], c11 = acc[3], c20 = acc[4], c21 = acc[5], c30 = acc[6],
          c31 = acc[7];
  for (size_t l = 0; l < k; l++, a += as, b += 8) {
    __m256d b0 = _mm256_loadu_pd(b), b1 = _mm256_loadu_pd(b + 4);
    __m256d a0 = _mm256_broadcast_sd(a), a1 = _mm256_broadcast_sd(a + 1);
    c00 = _mm256_fmadd_pd(a0, b0, c00);
    c01 = _mm256_fmadd_pd(a0, b1, c01);
    c10 = _mm256_fmadd_pd(a1, b0, c10);
    c11 = _mm256_fmadd_pd(a1, b1, c11);
    __m256d a2 = _mm256_broadcast_sd(a + 2), a3 = _mm256_broadcast_sd(a + 3);
    c20 = _mm256_fmadd_pd(a2, b0, c20);
    c21 = _mm256_fmadd_pd(a2, b1, c21);
    c30 = _mm256_fmadd_pd(a3, b0, c30);
    c31 = _mm256_fmadd_pd(a3, b1, c31);
  }
  acc[0] = c00, acc[1] = c01, acc[2] = c10, acc[3] = c11, acc[4] = c20, acc[5] = c21, acc[6] = c30, acc[7] = c31;
}
#endif

#endif
