/* Rank-k update of a lower triangle, C <- alpha A^T A + beta C (A k x p,
 * row-major), for p <= BM_KN_MAX: a register-blocked AVX2+FMA kernel chosen
 * at run time, the split OpenBLAS route (bm_kn_syrk) otherwise.
 *
 * Why: OpenBLAS 0.3.21 as installed runs generic SSE3 kernels on AVX2/AVX-512
 * machines; its dsyrk is the larger part of the mvn/mvt gradient (the scatter
 * of the centred rows). Here k is taken in chunks of KC(p) rows, each packed
 * (zero-padded to a multiple of 8 columns) into column panels 8 wide, so that
 * a 4 x 8 tile of C streams two contiguous panels from L1; the chunk's panel
 * is a fixed stack array (PANEL doubles). Tiles above the diagonal are not
 * computed; tiles crossing it, or the edge at p, store only their lower,
 * in-range entries. Sums run in k order within a chunk, chunks add in order,
 * so the result differs from OpenBLAS's only by rounding.
 * bm_kn_syrk_t_centred is the same kernel, up to BM_KN_SCATTER_MAX, on
 * rows x_i - mu formed while packing: the mvn/mvt scatter used to write the centred rows into a
 * buffer first (a tenth of the gradient at p = 100, and a fresh 200 KB
 * allocation per call whose pages faulted in every time).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdatomic.h>
#include <string.h>
#include "kernels.h"

#include "tile_4x8.h"
#ifdef BM_TILE_4X8_AVX2
#define SYRK_HAVE_AVX2 1
#endif

/* doubles of the stack panel: KC rows of p rounded up to 8 columns */
#define PANEL 4096

static atomic_int syrk_forced;

void bm_kn_syrk_force_path(int path) { atomic_store_explicit(&syrk_forced, path, memory_order_relaxed); }

int bm_kn_syrk_path(void)
{
  int best = BM_KN_SYRK_GENERIC;
#ifdef SYRK_HAVE_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = BM_KN_SYRK_AVX2;
#endif
  int forced = atomic_load_explicit(&syrk_forced, memory_order_relaxed);
  return forced > 0 && forced < best ? forced : best;
}

#ifdef SYRK_HAVE_AVX2
/* P (kc x pp, as pp/8 panels of kc x 8) <- rows k0 .. k0+kc-1 of A, zero beyond p */
static void pack(const double *A, size_t lda, size_t p, size_t pp, size_t kc, double *P)
{
  for (size_t j0 = 0; j0 < pp; j0 += 8) {
    double *Pj = P + j0 * kc;
    size_t w = p - j0 < 8 ? p - j0 : 8;
    if (w == 8) /* a fixed-size copy: the variable-length loop below cost a quarter of the kernel's time */
      for (size_t r = 0; r < kc; r++) memcpy(Pj + r * 8, A + r * lda + j0, 8 * sizeof(double));
    else
      for (size_t r = 0; r < kc; r++) { /* fixed trip count: no memcpy/memset calls per row */
        const double *a = A + r * lda + j0;
        double *d = Pj + r * 8;
        for (size_t c = 0; c < 8; c++) d[c] = c < w ? a[c] : 0.0;
      }
  }
}

/* the same panels from the columns 0 .. kc-1 of A (p x k, lda): A^T's rows */
static void pack_n(const double *A, size_t lda, size_t p, size_t pp, size_t kc, double *P)
{
  for (size_t j0 = 0; j0 < pp; j0 += 8) {
    double *Pj = P + j0 * kc;
    size_t w = p - j0 < 8 ? p - j0 : 8;
    for (size_t c = 0; c < 8; c++) {
      const double *a = A + (j0 + c) * lda;
      if (c < w)
        for (size_t r = 0; r < kc; r++) Pj[r * 8 + c] = a[r];
      else
        for (size_t r = 0; r < kc; r++) Pj[r * 8 + c] = 0.0;
    }
  }
}

/* one 4 x 8 tile: rows i0 .. i0+3 (Pi points at column i0 of its panel),
 * columns j0 .. j0+7 (panel Pj); C tile <- alpha sum + beta C, beta == 0
 * ignoring C; only entries with j <= i, i < p, j < p are stored. */
__attribute__((target("avx2,fma"))) static void tile(size_t kc, const double *Pi, const double *Pj, double alpha,
                                                     double beta, double *C, size_t ldc, size_t i0, size_t j0,
                                                     size_t p)
{
  __m256d acc[8];
  for (int q = 0; q < 8; q++) acc[q] = _mm256_setzero_pd();
  bm_tile_4x8_update(kc, Pi, 8, Pj, acc);
  __m256d va = _mm256_set1_pd(alpha);
  if (j0 + 8 <= i0 + 1 && i0 + 4 <= p) { /* whole tile below the diagonal and inside */
    double *c = C + i0 * ldc + j0;
    if (beta == 0.0)
      for (int r = 0; r < 4; r++) {
        _mm256_storeu_pd(c + r * ldc, _mm256_mul_pd(va, acc[2 * r]));
        _mm256_storeu_pd(c + r * ldc + 4, _mm256_mul_pd(va, acc[2 * r + 1]));
      }
    else {
      __m256d vb = _mm256_set1_pd(beta);
      for (int r = 0; r < 4; r++) {
        double *cr = c + r * ldc;
        _mm256_storeu_pd(cr, _mm256_fmadd_pd(va, acc[2 * r], _mm256_mul_pd(vb, _mm256_loadu_pd(cr))));
        _mm256_storeu_pd(cr + 4, _mm256_fmadd_pd(va, acc[2 * r + 1], _mm256_mul_pd(vb, _mm256_loadu_pd(cr + 4))));
      }
    }
    return;
  }
  double t[4][8];
  for (int r = 0; r < 4; r++) _mm256_storeu_pd(t[r], acc[2 * r]), _mm256_storeu_pd(t[r] + 4, acc[2 * r + 1]);
  for (size_t r = 0; r < 4 && i0 + r < p; r++) {
    size_t i = i0 + r, jend = i + 1 < j0 + 8 ? i + 1 : j0 + 8;
    double *cr = C + i * ldc;
    for (size_t j = j0; j < jend; j++)
      cr[j] = beta == 0.0 ? alpha * t[r][j - j0] : alpha * t[r][j - j0] + beta * cr[j];
  }
}

/* C <- alpha P^T P + b C (lower) over one packed chunk of kc rows */
static void tiles(const double *P, size_t p, size_t kc, double alpha, double b, double *C, size_t ldc)
{
  for (size_t i0 = 0; i0 < p; i0 += 4) {
    const double *Pi = P + (i0 / 8 * 8) * kc + i0 % 8;
    for (size_t j0 = 0; j0 <= i0 + 3 && j0 < p; j0 += 8) tile(kc, Pi, P + j0 * kc, alpha, b, C, ldc, i0, j0, p);
  }
}

/* C <- beta C (beta == 0: zero) on the lower triangle */
static void scale_lower(size_t p, double beta, double *C, size_t ldc)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) C[i * ldc + j] = beta == 0.0 ? 0.0 : beta * C[i * ldc + j];
}

/* nt: A p x k (C <- alpha A A^T + beta C), else A k x p (alpha A^T A) */
static void syrk_avx2(int nt, size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                      size_t ldc)
{
  _Alignas(32) double P[PANEL];
  size_t pp = (p + 7) / 8 * 8, kcmax = PANEL / pp;
  if (k == 0) {
    scale_lower(p, beta, C, ldc);
    return;
  }
  for (size_t k0 = 0; k0 < k; k0 += kcmax) {
    size_t kc = k - k0 < kcmax ? k - k0 : kcmax;
    if (nt)
      pack_n(A + k0, lda, p, pp, kc, P);
    else
      pack(A + k0 * lda, lda, p, pp, kc, P);
    tiles(P, p, kc, alpha, k0 == 0 ? beta : 1.0, C, ldc);
  }
}

/* P <- the panels of rows 0 .. kc-1 of X minus mu (mc: mu zero-padded to
 * pp); sum[j] += each column's entries in row order (the loop it replaces
 * adds them so too); *fin += x * 0 (NaN unless every x is finite) */
__attribute__((target("avx2,fma"))) static void pack_centred(const double *X, size_t ldx, size_t p, size_t pp,
                                                            size_t kc, const double *mc, double *P, double *sum,
                                                            __m256d *fin)
{
  __m256d z = _mm256_setzero_pd(), f0 = *fin, f1 = z;
  for (size_t j0 = 0; j0 < pp; j0 += 8) {
    double *Pj = P + j0 * kc;
    size_t w = p - j0 < 8 ? p - j0 : 8;
    __m256d m0 = _mm256_load_pd(mc + j0), m1 = _mm256_load_pd(mc + j0 + 4);
    __m256d s0 = _mm256_loadu_pd(sum + j0), s1 = _mm256_loadu_pd(sum + j0 + 4);
    if (w == 8)
      for (size_t r = 0; r < kc; r++) {
        const double *x = X + r * ldx + j0;
        __m256d x0 = _mm256_loadu_pd(x), x1 = _mm256_loadu_pd(x + 4);
        __m256d d0 = _mm256_sub_pd(x0, m0), d1 = _mm256_sub_pd(x1, m1);
        f0 = _mm256_fmadd_pd(x0, z, f0);
        f1 = _mm256_fmadd_pd(x1, z, f1);
        s0 = _mm256_add_pd(s0, d0);
        s1 = _mm256_add_pd(s1, d1);
        _mm256_store_pd(Pj + r * 8, d0);
        _mm256_store_pd(Pj + r * 8 + 4, d1);
      }
    else { /* the edge panel: masked loads (lanes beyond p read nothing, stay zero) */
      __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3), vw = _mm256_set1_epi64x((long long)w);
      __m256i k0 = _mm256_cmpgt_epi64(vw, lane), k1 = _mm256_cmpgt_epi64(vw, _mm256_add_epi64(lane, _mm256_set1_epi64x(4)));
      for (size_t r = 0; r < kc; r++) {
        const double *x = X + r * ldx + j0;
        __m256d x0 = _mm256_maskload_pd(x, k0), x1 = _mm256_maskload_pd(x + 4, k1);
        __m256d d0 = _mm256_sub_pd(x0, m0), d1 = _mm256_sub_pd(x1, m1);
        f0 = _mm256_fmadd_pd(x0, z, f0);
        f1 = _mm256_fmadd_pd(x1, z, f1);
        s0 = _mm256_add_pd(s0, d0);
        s1 = _mm256_add_pd(s1, d1);
        _mm256_store_pd(Pj + r * 8, d0);
        _mm256_store_pd(Pj + r * 8 + 4, d1);
      }
    }
    _mm256_storeu_pd(sum + j0, s0);
    _mm256_storeu_pd(sum + j0 + 4, s1);
  }
  *fin = _mm256_add_pd(f0, f1);
}

__attribute__((target("avx2,fma"))) static int syrk_centred_avx2(size_t p, size_t k, const double *X, size_t ldx,
                                                                const double *mu, size_t ms, double beta, double *C,
                                                                size_t ldc, double *sum)
{
  _Alignas(32) double P[PANEL];
  _Alignas(32) double mc[BM_KN_SCATTER_MAX + 8], sp[BM_KN_SCATTER_MAX + 8];
  size_t pp = (p + 7) / 8 * 8, kcmax = PANEL / pp;
  for (size_t j = 0; j < pp; j++) {
    mc[j] = j < p ? mu[j * ms] : 0.0;
    sp[j] = j < p ? sum[j] : 0.0;
  }
  if (k == 0) {
    scale_lower(p, beta, C, ldc);
    return 0;
  }
  __m256d fin = _mm256_setzero_pd();
  for (size_t k0 = 0; k0 < k; k0 += kcmax) {
    size_t kc = k - k0 < kcmax ? k - k0 : kcmax;
    pack_centred(X + k0 * ldx, ldx, p, pp, kc, mc, P, sp, &fin);
    tiles(P, p, kc, 1.0, k0 == 0 ? beta : 1.0, C, ldc);
  }
  memcpy(sum, sp, p * sizeof(double));
  _Alignas(32) double f[4];
  _mm256_store_pd(f, fin);
  return f[0] + f[1] + f[2] + f[3] != 0.0;
}
#endif

int bm_kn_syrk_t_centred_ok(size_t p)
{
#ifdef SYRK_HAVE_AVX2
  return p >= BM_KN_SYRK_T_MIN && p <= BM_KN_SCATTER_MAX && bm_kn_syrk_path() >= BM_KN_SYRK_AVX2;
#else
  (void)p;
  return 0;
#endif
}

int bm_kn_syrk_t_centred(size_t p, size_t k, const double *X, size_t ldx, const double *mu, size_t ms, double beta,
                         double *C, size_t ldc, double *sum)
{
#ifdef SYRK_HAVE_AVX2
  if (bm_kn_syrk_t_centred_ok(p)) return syrk_centred_avx2(p, k, X, ldx, mu, ms, beta, C, ldc, sum);
#endif
  (void)p, (void)k, (void)X, (void)ldx, (void)mu, (void)ms, (void)beta, (void)C, (void)ldc, (void)sum;
  return -1;
}

#ifdef SYRK_HAVE_AVX2
/* the kernel serves p (below pmin only when forced, so that the
 * tests reach every tile edge) */
static int use_kernel(size_t p, size_t pmin)
{
  return p <= BM_KN_MAX && bm_kn_syrk_path() >= BM_KN_SYRK_AVX2 &&
         (p >= pmin || atomic_load_explicit(&syrk_forced, memory_order_relaxed) == BM_KN_SYRK_AVX2);
}
#endif

void bm_kn_syrk_t(size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                  size_t ldc)
{
#ifdef SYRK_HAVE_AVX2
  if (use_kernel(p, BM_KN_SYRK_T_MIN)) {
    syrk_avx2(0, p, k, alpha, A, lda, beta, C, ldc);
    return;
  }
#endif
  bm_kn_syrk(CblasTrans, p, k, alpha, A, lda, beta, C, ldc);
}

void bm_kn_syrk_n(size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                  size_t ldc)
{
#ifdef SYRK_HAVE_AVX2
  if (use_kernel(p, BM_KN_SYRK_N_MIN)) {
    syrk_avx2(1, p, k, alpha, A, lda, beta, C, ldc);
    return;
  }
#endif
  bm_kn_syrk(CblasNoTrans, p, k, alpha, A, lda, beta, C, ldc);
}
