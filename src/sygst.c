/* Symmetric sandwich W = L^{-1} G L^{-T} on the lower triangle (src/kernels.h,
 * bm_kn_sygst), for p <= BM_KN_SCATTER_MAX, on the calling thread.
 *
 * Why: the mvn/mvt scatter gradient needs two p x p sandwiches. As two
 * triangular solves each (2 p^3 multiply-adds for the pair) they ran in
 * OpenBLAS 0.3.21's generic SSE3 dtrsm/dgemm kernels and were a third of
 * the gradient at p = 100. This is LAPACK's blocked dsygst (itype 1) — half
 * the multiply-adds, p^3/2 per sandwich, by using the symmetry of G and W —
 * with its updates (the rank-2b trailing update, the panel's solve with the
 * trailing factor, the symmetric panel product) run by one packed
 * register-tile kernel: 4 x 8 AVX2+FMA tiles chosen at run time, the same
 * loops in plain C otherwise. Blocks of NB = 16 columns; the diagonal
 * blocks and the panel's solve with the diagonal block are short vector
 * loops. Nothing is allocated: the packed panels live in the caller's work.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include "kernels.h"

#include "tile_4x8.h"
#ifdef BM_TILE_4X8_AVX2
#define SG_HAVE_AVX2 1
#endif

#define NB 16
#define RUP(x, m) (((x) + (m) - 1) / (m) * (m))

static atomic_int sg_forced;

void bm_kn_sygst_force_path(int path) { atomic_store_explicit(&sg_forced, path, memory_order_relaxed); }

int bm_kn_sygst_path(void)
{
  int forced = atomic_load_explicit(&sg_forced, memory_order_relaxed), best = BM_KN_SG_GENERIC;
#ifdef SG_HAVE_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = BM_KN_SG_AVX2;
#endif
  if (forced == BM_KN_SG_PORTABLE) return BM_KN_SG_PORTABLE; /* available everywhere */
  return forced > 0 && forced < best ? forced : best;
}

size_t bm_kn_sygst_work(size_t p)
{
  size_t m = RUP(p, 8);
  /* the factor packed in 4- and 8-row panels, the panel packed likewise, its
   * transpose, the panel product */
  return 2 * m * p + 2 * m * NB + 2 * m * NB;
}

/* Packed operands of C += alpha X Y^T (X mc x k, Y nc x k): X in panels of
 * 4 rows (k x 4, lane = row), Y in panels of 8 rows (k x 8); element (i, l)
 * of a source is src[i * si + l * sl]. pack_* write the lanes l0 .. l0+k-1 of
 * panels whose depth is kt; rows beyond the edge are zero. */
static void pack(double *P, size_t w, size_t kt, size_t l0, const double *src, size_t si, size_t sl, size_t rows,
                 size_t k)
{
  for (size_t i0 = 0; i0 < rows; i0 += w) {
    double *Pi = P + (i0 / w) * w * kt + l0 * w;
    size_t h = rows - i0 < w ? rows - i0 : w;
    const double *s0 = src + i0 * si;
    if (h < w)
      for (size_t l = 0; l < k; l++)
        for (size_t c = h; c < w; c++) Pi[l * w + c] = 0.0;
    if (si == 1 && h == w && w == 8) /* fixed-size copies */
      for (size_t l = 0; l < k; l++) memcpy(Pi + l * 8, s0 + l * sl, 8 * sizeof(double));
    else if (si == 1 && h == w && w == 4)
      for (size_t l = 0; l < k; l++) memcpy(Pi + l * 4, s0 + l * sl, 4 * sizeof(double));
    else
      for (size_t c = 0; c < h; c++) {
        const double *s = s0 + c * si;
        for (size_t l = 0; l < k; l++) Pi[l * w + c] = s[l * sl];
      }
  }
}

/* Tile (i0, j0) of C += alpha (X1 Y1^T + X2 Y2^T) from the packed panels
 * (depths k1, k2; k2 may be 0), entries with i < mc, j < nc and (lower) j <= i. */
typedef void tile_fn(size_t k1, const double *Px1, const double *Py1, size_t k2, const double *Px2,
                     const double *Py2, double alpha, double *C, size_t ldc, size_t i0, size_t j0, size_t mc,
                     size_t nc, int lower);

static void store_tile(double t[4][8], double alpha, double *C, size_t ldc, size_t i0, size_t j0, size_t mc,
                       size_t nc, int lower)
{
  for (size_t r = 0; r < 4 && i0 + r < mc; r++) {
    size_t i = i0 + r, jend = j0 + 8 < nc ? j0 + 8 : nc;
    if (lower && i + 1 < jend) jend = i + 1;
    double *cr = C + i * ldc;
    for (size_t j = j0; j < jend; j++) cr[j] += alpha * t[r][j - j0];
  }
}

static void tile_portable(size_t k1, const double *Px1, const double *Py1, size_t k2, const double *Px2,
                          const double *Py2, double alpha, double *C, size_t ldc, size_t i0, size_t j0, size_t mc,
                          size_t nc, int lower)
{
  double t[4][8] = {{0}};
  for (int h = 0; h < 2; h++) {
    size_t k = h ? k2 : k1;
    const double *Px = h ? Px2 : Px1, *Py = h ? Py2 : Py1;
    for (size_t l = 0; l < k; l++)
      for (int r = 0; r < 4; r++) {
        double a = Px[4 * l + r];
        for (int c = 0; c < 8; c++) t[r][c] += a * Py[8 * l + c];
      }
  }
  store_tile(t, alpha, C, ldc, i0, j0, mc, nc, lower);
}

#ifdef SG_HAVE_AVX2
__attribute__((target("avx2,fma"))) static void tile_avx2(size_t k1, const double *Px1, const double *Py1, size_t k2,
                                                         const double *Px2, const double *Py2, double alpha,
                                                         double *C, size_t ldc, size_t i0, size_t j0, size_t mc,
                                                         size_t nc, int lower)
{
  __m256d acc[8];
  for (int q = 0; q < 8; q++) acc[q] = _mm256_setzero_pd();
  bm_tile_4x8_update(k1, Px1, 4, Py1, acc);
  bm_tile_4x8_update(k2, Px2, 4, Py2, acc);
  __m256d va = _mm256_set1_pd(alpha);
  if (i0 + 4 <= mc && j0 + 8 <= nc && (!lower || j0 + 8 <= i0 + 1)) {
    for (int r = 0; r < 4; r++) {
      double *cr = C + (i0 + r) * ldc + j0;
      _mm256_storeu_pd(cr, _mm256_fmadd_pd(va, acc[2 * r], _mm256_loadu_pd(cr)));
      _mm256_storeu_pd(cr + 4, _mm256_fmadd_pd(va, acc[2 * r + 1], _mm256_loadu_pd(cr + 4)));
    }
    return;
  }
  double t[4][8];
  for (int r = 0; r < 4; r++) _mm256_storeu_pd(t[r], acc[2 * r]), _mm256_storeu_pd(t[r] + 4, acc[2 * r + 1]);
  store_tile(t, alpha, C, ldc, i0, j0, mc, nc, lower);
}
#endif

/* A packed operand: panel of rows i0 .. at P + i0 * s (s = the panels'
 * depth, or the prepacked factor's p), depth k */
typedef struct {
  const double *X, *Y;
  size_t xs, ys, k;
} operand;

/* C (mc x nc, ldc) += alpha (X1 Y1^T + X2 Y2^T) (o2.k may be 0); lower:
 * only C's entries with j <= i */
static void update(tile_fn *tile, size_t mc, size_t nc, operand o1, operand o2, double alpha, double *C, size_t ldc,
                   int lower)
{
  for (size_t i0 = 0; i0 < mc; i0 += 4)
    for (size_t j0 = 0; j0 < nc && (!lower || j0 <= i0 + 3); j0 += 8)
      tile(o1.k, o1.X + i0 * o1.xs, o1.Y + j0 * o1.ys, o2.k, o2.X + i0 * o2.xs, o2.Y + j0 * o2.ys, alpha, C, ldc,
           i0, j0, mc, nc, lower);
}

/* rows (b x nc, lda) <- D^{-1} rows, D b x b lower (ldd, rinv its
 * reciprocal pivots): row i <- (row i - D[i, :i] rows[:i]) rinv[i] */
typedef void solve_fn(size_t b, size_t nc, const double *D, size_t ldd, const double *rinv, double *A, size_t lda);

static void left_solve_portable(size_t b, size_t nc, const double *D, size_t ldd, const double *rinv, double *A,
                                size_t lda)
{
  for (size_t i = 0; i < b; i++) {
    double *ai = A + i * lda;
    for (size_t l = 0; l < i; l++) {
      double c = D[i * ldd + l];
      const double *al = A + l * lda;
      for (size_t j = 0; j < nc; j++) ai[j] -= c * al[j];
    }
    for (size_t j = 0; j < nc; j++) ai[j] *= rinv[i];
  }
}

#ifdef SG_HAVE_AVX2
/* the same with the row's 4 columns in a register over the whole sum (the
 * axpy form reloads and stores ai once per l) */
__attribute__((target("avx2,fma"))) static void left_solve_avx2(size_t b, size_t nc, const double *D, size_t ldd,
                                                               const double *rinv, double *A, size_t lda)
{
  size_t nv = nc / 4 * 4;
  for (size_t i = 0; i < b; i++) {
    double *ai = A + i * lda;
    const double *di = D + i * ldd;
    __m256d r = _mm256_set1_pd(rinv[i]);
    size_t j = 0;
    for (; j + 8 <= nv; j += 8) {
      __m256d acc0 = _mm256_loadu_pd(ai + j), acc1 = _mm256_loadu_pd(ai + j + 4);
      for (size_t l = 0; l < i; l++) {
        __m256d c = _mm256_broadcast_sd(di + l);
        acc0 = _mm256_fnmadd_pd(c, _mm256_loadu_pd(A + l * lda + j), acc0);
        acc1 = _mm256_fnmadd_pd(c, _mm256_loadu_pd(A + l * lda + j + 4), acc1);
      }
      _mm256_storeu_pd(ai + j, _mm256_mul_pd(acc0, r));
      _mm256_storeu_pd(ai + j + 4, _mm256_mul_pd(acc1, r));
    }
    for (; j < nv; j += 4) {
      __m256d acc = _mm256_loadu_pd(ai + j);
      for (size_t l = 0; l < i; l++) acc = _mm256_fnmadd_pd(_mm256_broadcast_sd(di + l), _mm256_loadu_pd(A + l * lda + j), acc);
      _mm256_storeu_pd(ai + j, _mm256_mul_pd(acc, r));
    }
    for (; j < nc; j++) {
      double acc = ai[j];
      for (size_t l = 0; l < i; l++) acc -= di[l] * A[l * lda + j];
      ai[j] = acc * rinv[i];
    }
  }
}
#endif

/* A (b x b, lda, lower triangle; b <= NB) <- L^{-1} A L^{-T} (L b x b, ldl,
 * rinv its reciprocal pivots), lower triangle written; S (NB x NB) gets the
 * same block in full */
static void diag_block(solve_fn *solve, size_t b, const double *L, size_t ldl, const double *rinv, double *A,
                       size_t lda, double S[NB][NB])
{
  double T[NB][NB];
  for (size_t i = 0; i < b; i++)
    for (size_t j = 0; j < b; j++) T[i][j] = j <= i ? A[i * lda + j] : A[j * lda + i];
  solve(b, b, L, ldl, rinv, &T[0][0], NB); /* L^{-1} A */
  for (size_t i = 0; i < b; i++)
    for (size_t j = 0; j < b; j++) S[i][j] = T[j][i];
  solve(b, b, L, ldl, rinv, &S[0][0], NB); /* L^{-1} (L^{-1} A)^T = L^{-1} A L^{-T} */
  for (size_t i = 0; i < b; i++)
    for (size_t j = 0; j <= i; j++) {
      double w = 0.5 * (S[i][j] + S[j][i]);
      S[i][j] = S[j][i] = w;
      A[i * lda + j] = w;
    }
}

int bm_kn_sygst(size_t p, const double *L, size_t ldl, double *G, size_t ldg, double *work)
{
  double rinv[BM_KN_SCATTER_MAX];
  if (p > BM_KN_SCATTER_MAX) return 1;
  for (size_t i = 0; i < p; i++) {
    rinv[i] = 1.0 / L[i * ldl + i];
    if (!isfinite(rinv[i])) return 1; /* a subnormal pivot: the solves would overflow where quotients do not */
  }
  tile_fn *tile = tile_portable;
  solve_fn *solve = left_solve_portable;
#ifdef SG_HAVE_AVX2
  if (bm_kn_sygst_path() == BM_KN_SG_AVX2) {
    tile = tile_avx2;
    solve = left_solve_avx2;
  }
#endif
  size_t pm = RUP(p, 8);
  /* L in 4- and 8-row panels of depth p: any block of rows from a multiple
   * of 4 (8) is an operand in place. The operands read a panel of rows i0 ..
   * only at depths below i0 (strictly lower L), so only those are packed. */
  double *PL4 = work, *PL8 = PL4 + pm * p, *Px = PL8 + pm * p, *Py = Px + pm * NB, *At = Py + pm * NB,
         *T = At + NB * pm;
  for (size_t i0 = 0; i0 < p; i0 += 4)
    pack(PL4 + i0 * p, 4, p, 0, L + i0 * ldl, ldl, 1, p - i0 < 4 ? p - i0 : 4, i0);
  for (size_t i0 = 0; i0 < p; i0 += 8)
    pack(PL8 + i0 * p, 8, p, 0, L + i0 * ldl, ldl, 1, p - i0 < 8 ? p - i0 : 8, i0);
  operand none = {Px, Py, 0, 0, 0};
  double S[NB][NB];
  for (size_t k0 = 0; k0 < p; k0 += NB) {
    size_t b = p - k0 < NB ? p - k0 : NB, r = k0 + b, m = p - r;
    const double *L11 = L + k0 * ldl + k0;
    double *A21 = G + r * ldg + k0, *A22 = G + r * ldg + r;
    diag_block(solve, b, L11, ldl, rinv + k0, G + k0 * ldg + k0, ldg, S);
    if (!m) break;
    /* At (b x m) <- (A21 L11^{-T})^T = L11^{-1} A21^T */
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < b; j++) At[j * m + i] = A21[i * ldg + j];
    solve(b, m, L11, ldl, rinv + k0, At, m);
    /* T = (L21 W11 / 2)^T = W11 L21^T / 2 (b x m, ld m), L21 = rows r.. of the packed factor */
    memset(T, 0, b * m * sizeof(double));
    pack(Px, 4, b, 0, &S[0][0], NB, 1, b, b);
    operand wl = {Px, PL8 + r * p + 8 * k0, b, p, b};
    update(tile, b, m, wl, none, 0.5, T, m, 0);
    for (size_t i = 0; i < b * m; i++) At[i] -= T[i];
    /* A22 -= A21 L21^T + L21 A21^T (lower), A21 packed from its transpose */
    pack(Px, 4, b, 0, At, 1, m, m, b);
    pack(Py, 8, b, 0, At, 1, m, m, b);
    operand al = {Px, PL8 + r * p + 8 * k0, b, p, b}, la = {PL4 + r * p + 4 * k0, Py, p, b, b};
    update(tile, m, m, al, la, -1.0, A22, ldg, 1);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < b; j++) A21[i * ldg + j] = At[j * m + i] - T[j * m + i];
    /* A21 <- L22^{-1} A21, by blocks of NB rows: the rows above by the tile
     * kernel, then the diagonal block's forward substitution */
    const double *L22 = L + r * ldl + r;
    for (size_t i0 = 0; i0 < m; i0 += NB) {
      size_t bi = m - i0 < NB ? m - i0 : NB;
      if (i0) {
        pack(Py, 8, i0, 0, A21, 1, ldg, b, i0);
        operand lx = {PL4 + (r + i0) * p + 4 * r, Py, p, i0, i0};
        update(tile, bi, b, lx, none, -1.0, A21 + i0 * ldg, ldg, 0);
      }
      solve(bi, b, L22 + i0 * ldl + i0, ldl, rinv + r + i0, A21 + i0 * ldg, ldg);
    }
  }
  return 0;
}
