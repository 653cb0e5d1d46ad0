/* Plain-loop Cholesky kernels for small p (src/small_linalg.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* the loops are written to be vectorized; GCC vectorizes them fully only at
 * -O3 (its -O2 cost model keeps them scalar) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3")
#endif
#include <math.h>
#include "small_linalg.h"

/* The inverse from a factor beyond BM_SL_MAX and the two triangle kernels of
 * matt's gradient come in two builds of one body: the plain one and, where
 * the processor has AVX2 (checked at each call: no library state), one
 * compiled for it. Without FMA and with the same operations per entry in
 * the same order (the vectors run across j), both round identically; the
 * wider lanes do twice the work per instruction. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define BM_SL_AVX2 1
#define BM_SL_BODY __attribute__((always_inline)) static inline
#else
#define BM_SL_BODY static inline
#endif

/* The factorization on a local copy of the lower triangle (bm_sl_chol_local):
 * with p a constant the loops unroll and the copy lives in registers, where
 * the loop over A itself stores every entry and loads it back (A's rows may
 * alias as far as the compiler knows). */
BM_SL_INLINE size_t chol_local(double *A, size_t lda, size_t p)
{
  double a[BM_SL_MAX][BM_SL_MAX];
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) a[i][j] = A[i * lda + j];
  size_t k = bm_sl_chol_local(a, p);
  if (k) return k;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) A[i * lda + j] = a[i][j];
  return 0;
}

BM_SL_SCALAR size_t bm_sl_chol(double *A, size_t lda, size_t p)
{
  BM_SL_UNROLLED(chol_local, p, A, lda)
}

/* p <= BM_SL_MAX: T = L^{-1} column by column into a local buffer, then
 * Ainv = T^T T entry by entry, (i, j) = sum_{k >= max(i, j)} T_ki T_kj;
 * short dot products, no loop set-up per row; L read once into registers
 * (BM_SL_INLINE, unrolled per p <= 8) */
BM_SL_INLINE void chol_inverse_local(const double *L, size_t ldl, double *Ainv, size_t lda, size_t p)
{
  double l[BM_SL_MAX][BM_SL_MAX], T[BM_SL_MAX][BM_SL_MAX];
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) l[i][j] = L[i * ldl + j];
  for (size_t j = 0; j < p; j++) T[j][j] = 1.0 / l[j][j];
  for (size_t j = 0; j < p; j++)
    for (size_t i = j + 1; i < p; i++) {
      double s = 0.0;
      for (size_t k = j; k < i; k++) s -= l[i][k] * T[k][j];
      T[i][j] = s * T[i][i];
    }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0.0;
      for (size_t k = i; k < p; k++) s += T[k][i] * T[k][j];
      Ainv[i * lda + j] = s;
      Ainv[j * lda + i] = s;
    }
}

BM_SL_SCALAR static int chol_inverse_small(const double *L, size_t ldl, double *Ainv, size_t lda, size_t p)
{
  BM_SL_UNROLLED_VOID(chol_inverse_local, p, L, ldl, Ainv, lda)
  chol_inverse_local(L, ldl, Ainv, lda, p);
  return 1;
}

BM_SL_BODY void lower_gram_body(double *T, size_t ldt, size_t p);

BM_SL_BODY void chol_inverse_body(const double *L, size_t ldl, double *A, size_t lda, size_t p)
{
  if (p <= BM_SL_MAX) {
    chol_inverse_small(L, ldl, A, lda, p);
    return;
  }
  /* In A, in place: U = L^{-1} row by row (row i from the rows above it),
   * then A = U^T U row by row in ascending order (row i of the product
   * needs only rows >= i of U, so it may overwrite row i). Every inner loop
   * is an axpy over contiguous entries. */
  double t[BM_SL_INV_MAX];
  for (size_t i = 0; i < p; i++) {
    const double *li = L + i * ldl;
    double inv = 1.0 / li[i];
    for (size_t j = 0; j < i; j++) t[j] = 0.0;
    size_t k = 0;
    /* four rows per pass over t, each entry still summed in ascending k
     * (row k contributes to entries j <= k only) */
    for (; k + 4 <= i; k += 4) {
      const double *u0 = A + k * lda, *u1 = u0 + lda, *u2 = u1 + lda, *u3 = u2 + lda;
      double l0 = li[k], l1 = li[k + 1], l2 = li[k + 2], l3 = li[k + 3];
      for (size_t j = 0; j <= k; j++) t[j] = (((t[j] + l0 * u0[j]) + l1 * u1[j]) + l2 * u2[j]) + l3 * u3[j];
      t[k + 1] = ((t[k + 1] + l1 * u1[k + 1]) + l2 * u2[k + 1]) + l3 * u3[k + 1];
      t[k + 2] = (t[k + 2] + l2 * u2[k + 2]) + l3 * u3[k + 2];
      t[k + 3] += l3 * u3[k + 3];
    }
    for (; k < i; k++) {
      double lik = li[k];
      const double *uk = A + k * lda;
      for (size_t j = 0; j <= k; j++) t[j] += lik * uk[j];
    }
    double *ui = A + i * lda;
    for (size_t j = 0; j < i; j++) ui[j] = -t[j] * inv;
    ui[i] = inv;
  }
  lower_gram_body(A, lda, p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) A[j * lda + i] = A[i * lda + j];
}

BM_SL_BODY void solve_lower_tri_body(const double *L, size_t ldl, double *B, size_t ldb, size_t p)
{
  /* Row i of L^{-1} B is (B_i - sum_{k<i} L_ik X_k) / L_ii over columns
   * j <= i only (X_k is zero right of column k), from the rows above it,
   * already overwritten: p^3/6 multiply-adds, a third of a full solve's.
   * The same four-rows-per-pass axpy as bm_sl_chol_inverse, each entry
   * summed in ascending k. */
  double t[BM_SL_INV_MAX];
  for (size_t i = 0; i < p; i++) {
    const double *li = L + i * ldl;
    double *xi = B + i * ldb;
    for (size_t j = 0; j <= i; j++) t[j] = xi[j];
    size_t k = 0;
    for (; k + 4 <= i; k += 4) {
      const double *u0 = B + k * ldb, *u1 = u0 + ldb, *u2 = u1 + ldb, *u3 = u2 + ldb;
      double l0 = li[k], l1 = li[k + 1], l2 = li[k + 2], l3 = li[k + 3];
      for (size_t j = 0; j <= k; j++) t[j] = (((t[j] - l0 * u0[j]) - l1 * u1[j]) - l2 * u2[j]) - l3 * u3[j];
      t[k + 1] = ((t[k + 1] - l1 * u1[k + 1]) - l2 * u2[k + 1]) - l3 * u3[k + 1];
      t[k + 2] = (t[k + 2] - l2 * u2[k + 2]) - l3 * u3[k + 2];
      t[k + 3] -= l3 * u3[k + 3];
    }
    for (; k < i; k++) {
      double lik = li[k];
      const double *uk = B + k * ldb;
      for (size_t j = 0; j <= k; j++) t[j] -= lik * uk[j];
    }
    double d = 1.0 / li[i];
    if (isfinite(d))
      for (size_t j = 0; j <= i; j++) xi[j] = t[j] * d;
    else /* a subnormal pivot: its reciprocal overflows, the quotients may not */
      for (size_t j = 0; j <= i; j++) xi[j] = t[j] / li[i];
  }
}

#ifdef BM_SL_AVX2
__attribute__((target("avx2"))) static void chol_inverse_avx2(const double *L, size_t ldl, double *A, size_t lda,
                                                              size_t p)
{
  chol_inverse_body(L, ldl, A, lda, p);
}
#endif

void bm_sl_chol_inverse(const double *L, size_t ldl, double *A, size_t lda, size_t p)
{
#ifdef BM_SL_AVX2
  if (p > BM_SL_MAX && __builtin_cpu_supports("avx2")) {
    chol_inverse_avx2(L, ldl, A, lda, p);
    return;
  }
#endif
  chol_inverse_body(L, ldl, A, lda, p);
}

void bm_sl_lower_gram(double *T, size_t ldt, size_t p) { lower_gram_body(T, ldt, p); }

BM_SL_BODY void lower_gram_body(double *T, size_t ldt, size_t p)
{
  double t[BM_SL_INV_MAX];
  for (size_t i = 0; i < p; i++) {
    for (size_t j = 0; j <= i; j++) t[j] = 0.0;
    size_t k = i;
    /* four rows per pass over t (a quarter of the loads and stores of t),
     * each entry still summed in ascending k */
    for (; k + 4 <= p; k += 4) {
      const double *t0 = T + k * ldt, *t1 = t0 + ldt, *t2 = t1 + ldt, *t3 = t2 + ldt;
      double a0 = t0[i], a1 = t1[i], a2 = t2[i], a3 = t3[i];
      for (size_t j = 0; j <= i; j++) t[j] = (((t[j] + a0 * t0[j]) + a1 * t1[j]) + a2 * t2[j]) + a3 * t3[j];
    }
    for (; k < p; k++) {
      const double *tk = T + k * ldt;
      double tki = tk[i];
      for (size_t j = 0; j <= i; j++) t[j] += tki * tk[j];
    }
    for (size_t j = 0; j <= i; j++) T[i * ldt + j] = t[j];
  }
}

BM_SL_BODY void lower_gram2_body(double *T, double a, const double *U, double b, size_t ld, size_t p)
{
  /* bm_sl_lower_gram's loop over both factors at once: each pass over t
   * takes two rows of each (t loaded and stored half as often as by two
   * separate products) */
  double t[BM_SL_INV_MAX];
  for (size_t i = 0; i < p; i++) {
    for (size_t j = 0; j <= i; j++) t[j] = 0.0;
    size_t k = i;
    for (; k + 2 <= p; k += 2) {
      const double *t0 = T + k * ld, *t1 = t0 + ld, *u0 = U + k * ld, *u1 = u0 + ld;
      double a0 = a * t0[i], a1 = a * t1[i], b0 = b * u0[i], b1 = b * u1[i];
      for (size_t j = 0; j <= i; j++) t[j] = (((t[j] + a0 * t0[j]) + b0 * u0[j]) + a1 * t1[j]) + b1 * u1[j];
    }
    for (; k < p; k++) {
      const double *tk = T + k * ld, *uk = U + k * ld;
      double ak = a * tk[i], bk = b * uk[i];
      for (size_t j = 0; j <= i; j++) t[j] = (t[j] + ak * tk[j]) + bk * uk[j];
    }
    for (size_t j = 0; j <= i; j++) T[i * ld + j] = t[j];
  }
}

#ifdef BM_SL_AVX2
__attribute__((target("avx2"))) static void solve_lower_tri_avx2(const double *L, size_t ldl, double *B, size_t ldb,
                                                                 size_t p)
{
  solve_lower_tri_body(L, ldl, B, ldb, p);
}

__attribute__((target("avx2"))) static void lower_gram2_avx2(double *T, double a, const double *U, double b,
                                                             size_t ld, size_t p)
{
  lower_gram2_body(T, a, U, b, ld, p);
}
#endif

void bm_sl_solve_lower_tri(const double *L, size_t ldl, double *B, size_t ldb, size_t p)
{
#ifdef BM_SL_AVX2
  if (__builtin_cpu_supports("avx2")) {
    solve_lower_tri_avx2(L, ldl, B, ldb, p);
    return;
  }
#endif
  solve_lower_tri_body(L, ldl, B, ldb, p);
}

void bm_sl_lower_gram2(double *T, double a, const double *U, double b, size_t ld, size_t p)
{
#ifdef BM_SL_AVX2
  if (__builtin_cpu_supports("avx2")) {
    lower_gram2_avx2(T, a, U, b, ld, p);
    return;
  }
#endif
  lower_gram2_body(T, a, U, b, ld, p);
}

void bm_sl_solve_lower(const double *L, size_t ldl, size_t p, double *B, size_t ldb, size_t m)
{
  for (size_t i = 0; i < p; i++) {
    const double *ri = L + i * ldl;
    double *bi = B + i * ldb;
    for (size_t k = 0; k < i; k++) {
      double l = ri[k];
      const double *bk = B + k * ldb;
      for (size_t c = 0; c < m; c++) bi[c] -= l * bk[c];
    }
    double d = 1.0 / ri[i];
    if (isfinite(d))
      for (size_t c = 0; c < m; c++) bi[c] *= d;
    else /* a subnormal pivot: its reciprocal overflows, the quotients may not */
      for (size_t c = 0; c < m; c++) bi[c] /= ri[i];
  }
}

/* bm_sl_solve_lower_trans with m = p, on local copies (BM_SL_INLINE):
 * the same operations in the same order */
BM_SL_INLINE void solve_trans_square(const double *L, size_t ldl, double *B, size_t ldb, size_t p)
{
  double l[BM_SL_MAX][BM_SL_MAX], b[BM_SL_MAX][BM_SL_MAX];
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      if (j <= i) l[i][j] = L[i * ldl + j];
      b[i][j] = B[i * ldb + j];
    }
  for (size_t i = p; i-- > 0;) {
    for (size_t k = i + 1; k < p; k++) {
      double lk = l[k][i];
      for (size_t c = 0; c < p; c++) b[i][c] -= lk * b[k][c];
    }
    double d = 1.0 / l[i][i];
    if (isfinite(d))
      for (size_t c = 0; c < p; c++) b[i][c] *= d;
    else /* a subnormal pivot: its reciprocal overflows, the quotients may not */
      for (size_t c = 0; c < p; c++) b[i][c] /= l[i][i];
  }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) B[i * ldb + j] = b[i][j];
}

/* 1 when done (m = p <= 8) */
BM_SL_SCALAR static int solve_trans_square_p(const double *L, size_t ldl, double *B, size_t ldb, size_t p)
{
  BM_SL_UNROLLED_VOID(solve_trans_square, p, L, ldl, B, ldb)
  return 0;
}

void bm_sl_solve_lower_trans(const double *L, size_t ldl, size_t p, double *B, size_t ldb, size_t m)
{
  if (m == p && p <= 8 && solve_trans_square_p(L, ldl, B, ldb, p)) return;
  for (size_t i = p; i-- > 0;) {
    double *bi = B + i * ldb;
    for (size_t k = i + 1; k < p; k++) {
      double l = L[k * ldl + i];
      const double *bk = B + k * ldb;
      for (size_t c = 0; c < m; c++) bi[c] -= l * bk[c];
    }
    double d = 1.0 / L[i * ldl + i];
    if (isfinite(d))
      for (size_t c = 0; c < m; c++) bi[c] *= d;
    else /* a subnormal pivot: its reciprocal overflows, the quotients may not */
      for (size_t c = 0; c < m; c++) bi[c] /= L[i * ldl + i];
  }
}

/* bm_sl_syrk_lower with k = p, unrolled (BM_SL_INLINE): the same
 * operations in the same order */
BM_SL_INLINE void syrk_square(double alpha, const double *A, size_t lda, double beta, double *C, size_t ldc, size_t p)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0.0;
      for (size_t c = 0; c < p; c++) s += A[i * lda + c] * A[j * lda + c];
      C[i * ldc + j] = beta == 0.0 ? alpha * s : alpha * s + beta * C[i * ldc + j];
    }
}

/* 1 when done (k = p <= 8) */
BM_SL_SCALAR static int syrk_square_p(double alpha, const double *A, size_t lda, double beta, double *C, size_t ldc,
                                      size_t p)
{
  BM_SL_UNROLLED_VOID(syrk_square, p, alpha, A, lda, beta, C, ldc)
  return 0;
}

void bm_sl_syrk_lower(size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                      size_t ldc)
{
  if (k == p && p <= 8 && syrk_square_p(alpha, A, lda, beta, C, ldc, p)) return;
  for (size_t i = 0; i < p; i++) {
    const double *ai = A + i * lda;
    for (size_t j = 0; j <= i; j++) {
      const double *aj = A + j * lda;
      double s = 0.0;
      for (size_t c = 0; c < k; c++) s += ai[c] * aj[c];
      C[i * ldc + j] = beta == 0.0 ? alpha * s : alpha * s + beta * C[i * ldc + j];
    }
  }
}
