/* Blocked Cholesky-factor kernels on the calling thread (src/kernels.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* the diagonal-block loops are written to vectorize across rows; GCC does so
 * only at -O3 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3")
#endif
#include <math.h>
#include <lapacke.h>
#include "kernels.h"
#include "small_linalg.h"

#define NB BM_KN_NB
/* up to this order a solve is one dtrsm split only along the other
 * dimension: fewer, larger calls than the 32-blocks (each OpenBLAS call
 * costs ~1 us of setup at these sizes) */
#define KN_DIRECT 64
/* rows per transposed chunk in the diagonal-block solve */
#define RC 64

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

void bm_kn_gemm(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, size_t m, size_t n, size_t k, double alpha,
                const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
  if (m == 0 || n == 0) return;
  if (k == 0) { /* C <- beta C: no multiply-add, never threaded */
    cblas_dgemm(CblasRowMajor, ta, tb, (int)m, (int)n, 0, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
    return;
  }
  size_t kc = min_sz(k, 128), nc = min_sz(n, 64), mc = min_sz(m, BM_KN_GEMM_MNK / (nc * kc));
  for (size_t l0 = 0; l0 < k; l0 += kc) {
    size_t kl = min_sz(kc, k - l0);
    double bet = l0 == 0 ? beta : 1.0;
    for (size_t j0 = 0; j0 < n; j0 += nc) {
      size_t nj = min_sz(nc, n - j0);
      const double *Bp = tb == CblasNoTrans ? B + l0 * ldb + j0 : B + j0 * ldb + l0;
      for (size_t i0 = 0; i0 < m; i0 += mc) {
        size_t mi = min_sz(mc, m - i0);
        const double *Ap = ta == CblasNoTrans ? A + i0 * lda + l0 : A + l0 * lda + i0;
        cblas_dgemm(CblasRowMajor, ta, tb, (int)mi, (int)nj, (int)kl, alpha, Ap, (int)lda, Bp, (int)ldb, bet,
                    C + i0 * ldc + j0, (int)ldc);
      }
    }
  }
}

/* X (rows x b, ldx) <- X D^{-T}, D (b x b, b <= NB) lower triangular: each
 * row x becomes D^{-1} x. Chunks of RC rows are transposed so that the
 * substitution runs along rows, the inner loop an axpy over RC contiguous
 * entries (vectorized), not a dot product per row. */
static void solve_rlt_diag(size_t rows, size_t b, const double *D, size_t ldd, double *X, size_t ldx)
{
  double T[NB * RC], inv[NB];
  int divide = 0;
  for (size_t j = 0; j < b; j++) {
    inv[j] = 1.0 / D[j * ldd + j];
    if (!isfinite(inv[j])) divide = 1; /* a subnormal pivot: the quotients may not overflow */
  }
  for (size_t r0 = 0; r0 < rows; r0 += RC) {
    size_t rc = min_sz(RC, rows - r0);
    for (size_t r = 0; r < rc; r++)
      for (size_t j = 0; j < b; j++) T[j * RC + r] = X[(r0 + r) * ldx + j];
    for (size_t j = 0; j < b; j++) {
      double *tj = T + j * RC;
      const double *dj = D + j * ldd;
      for (size_t i = 0; i < j; i++) {
        double l = dj[i];
        const double *ti = T + i * RC;
        for (size_t r = 0; r < rc; r++) tj[r] -= l * ti[r];
      }
      if (!divide)
        for (size_t r = 0; r < rc; r++) tj[r] *= inv[j];
      else
        for (size_t r = 0; r < rc; r++) tj[r] /= dj[j];
    }
    for (size_t r = 0; r < rc; r++)
      for (size_t j = 0; j < b; j++) X[(r0 + r) * ldx + j] = T[j * RC + r];
  }
}

/* 1 when every diagonal entry of the b x b triangle D has a finite
 * reciprocal (OpenBLAS's dtrsm multiplies by them: a subnormal pivot would
 * give inf where the quotients are finite) */
static int pivots_ok(const double *D, size_t ldd, size_t b)
{
  for (size_t j = 0; j < b; j++)
    if (!isfinite(1.0 / D[j * ldd + j])) return 0;
  return 1;
}

/* X (rows x b, ldx) <- X D^{-T} by dtrsm in calls of fewer than
 * BM_KN_TRSM_MN entries (single-threaded), or the own loops above when a
 * pivot's reciprocal overflows. */
static void right_lt_block(size_t rows, size_t b, const double *D, size_t ldd, double *X, size_t ldx)
{
  if (!pivots_ok(D, ldd, b)) {
    solve_rlt_diag(rows, b, D, ldd, X, ldx);
    return;
  }
  size_t rc = (BM_KN_TRSM_MN - 1) / b;
  for (size_t r0 = 0; r0 < rows; r0 += rc)
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)min_sz(rc, rows - r0), (int)b,
                1.0, D, (int)ldd, X + r0 * ldx, (int)ldx);
}

/* Below BM_KN_POTRF_MAX, LAPACK's dpotrf (single-threaded there). Above,
 * recursively in two: A11 (p1 < BM_KN_POTRF_MAX rows) by dpotrf, the rows
 * below it by split dtrsm, A22 - L21 L21^T by dsyrk (single-threaded below
 * BM_KN_SYRK_MAX, else split), then A22's factor. */
size_t bm_kn_chol(double *A, size_t lda, size_t p)
{
  if (p < BM_KN_POTRF_MAX) {
    int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, A, (int)lda);
    if (info > 0) return (size_t)info;
    /* OpenBLAS's potrf lets a NaN through (NaN <= 0 is false) */
    for (size_t i = 0; i < p; i++)
      if (!(A[i * lda + i] > 0.0) || !isfinite(A[i * lda + i])) return i + 1;
    return 0;
  }
  size_t p1 = min_sz(p / 2, BM_KN_POTRF_MAX - 1), p2 = p - p1;
  size_t info = bm_kn_chol(A, lda, p1);
  if (info) return info;
  double *A21 = A + p1 * lda, *A22 = A21 + p1;
  right_lt_block(p2, p1, A, lda, A21, lda);
  bm_kn_syrk(CblasNoTrans, p2, p1, -1.0, A21, lda, 1.0, A22, lda);
  info = bm_kn_chol(A22, lda, p2);
  return info ? p1 + info : 0;
}

/* B (b x m, ldb) <- D^{-1} B or D^{-T} B by dtrsm in calls of fewer than
 * BM_KN_TRSM_MN entries, or the own division loops when a pivot's
 * reciprocal overflows */
static void left_block(enum CBLAS_TRANSPOSE trans, size_t b, size_t m, const double *D, size_t ldd, double *B,
                       size_t ldb)
{
  if (!pivots_ok(D, ldd, b)) {
    if (trans == CblasNoTrans)
      bm_sl_solve_lower(D, ldd, b, B, ldb, m);
    else
      bm_sl_solve_lower_trans(D, ldd, b, B, ldb, m);
    return;
  }
  size_t mc = (BM_KN_TRSM_MN - 1) / b;
  for (size_t c0 = 0; c0 < m; c0 += mc)
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, trans, CblasNonUnit, (int)b, (int)min_sz(mc, m - c0), 1.0, D,
                (int)ldd, B + c0, (int)ldb);
}

void bm_kn_trsm_left(enum CBLAS_TRANSPOSE trans, size_t p, size_t m, const double *L, size_t ldl, double *B,
                     size_t ldb)
{
  if (p == 0 || m == 0) return;
  if (p <= KN_DIRECT) {
    left_block(trans, p, m, L, ldl, B, ldb);
    return;
  }
  if (trans == CblasNoTrans) {
    for (size_t i0 = 0; i0 < p; i0 += NB) {
      size_t b = min_sz(NB, p - i0);
      if (i0) bm_kn_gemm(CblasNoTrans, CblasNoTrans, b, m, i0, -1.0, L + i0 * ldl, ldl, B, ldb, 1.0, B + i0 * ldb, ldb);
      left_block(CblasNoTrans, b, m, L + i0 * ldl + i0, ldl, B + i0 * ldb, ldb);
    }
    return;
  }
  for (size_t i0 = (p - 1) / NB * NB;; i0 -= NB) {
    size_t b = min_sz(NB, p - i0), i1 = i0 + b;
    if (i1 < p)
      bm_kn_gemm(CblasTrans, CblasNoTrans, b, m, p - i1, -1.0, L + i1 * ldl + i0, ldl, B + i1 * ldb, ldb, 1.0,
                 B + i0 * ldb, ldb);
    left_block(CblasTrans, b, m, L + i0 * ldl + i0, ldl, B + i0 * ldb, ldb);
    if (i0 == 0) break;
  }
}

void bm_kn_trsm_right_lt(size_t n, size_t p, const double *L, size_t ldl, double *X, size_t ldx)
{
  if (n == 0) return;
  if (p <= KN_DIRECT && pivots_ok(L, ldl, p)) { /* (the own loops' fallback takes p <= NB) */
    right_lt_block(n, p, L, ldl, X, ldx);
    return;
  }
  for (size_t j0 = 0; j0 < p; j0 += NB) {
    size_t b = min_sz(NB, p - j0);
    if (j0) bm_kn_gemm(CblasNoTrans, CblasTrans, n, b, j0, -1.0, X, ldx, L + j0 * ldl, ldl, 1.0, X + j0, ldx);
    right_lt_block(n, b, L + j0 * ldl + j0, ldl, X + j0, ldx);
  }
}

/* X (rows x b, ldx) <- X D^{-1} (each row x^T <- x^T D^{-1}) by split dtrsm,
 * or plain division loops when a pivot's reciprocal overflows */
static void right_ln_block(size_t rows, size_t b, const double *D, size_t ldd, double *X, size_t ldx)
{
  if (!pivots_ok(D, ldd, b)) { /* z D = x: z_j = (x_j - sum_{i > j} z_i d_ij) / d_jj, j descending */
    for (size_t r = 0; r < rows; r++) {
      double *x = X + r * ldx;
      for (size_t j = b; j-- > 0;) {
        double s = x[j];
        for (size_t i = j + 1; i < b; i++) s -= x[i] * D[i * ldd + j];
        x[j] = s / D[j * ldd + j];
      }
    }
    return;
  }
  size_t rc = (BM_KN_TRSM_MN - 1) / b;
  for (size_t r0 = 0; r0 < rows; r0 += rc)
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)min_sz(rc, rows - r0),
                (int)b, 1.0, D, (int)ldd, X + r0 * ldx, (int)ldx);
}

void bm_kn_trsm_right_ln(size_t n, size_t p, const double *L, size_t ldl, double *X, size_t ldx)
{
  if (n == 0 || p == 0) return;
  if (p <= KN_DIRECT) {
    right_ln_block(n, p, L, ldl, X, ldx);
    return;
  }
  for (size_t j0 = (p - 1) / NB * NB;; j0 -= NB) {
    size_t b = min_sz(NB, p - j0), j1 = j0 + b;
    if (j1 < p)
      bm_kn_gemm(CblasNoTrans, CblasNoTrans, n, b, p - j1, -1.0, X + j1, ldx, L + j1 * ldl + j0, ldl, 1.0, X + j0,
                 ldx);
    right_ln_block(n, b, L + j0 * ldl + j0, ldl, X + j0, ldx);
    if (j0 == 0) break;
  }
}

void bm_kn_syrk(enum CBLAS_TRANSPOSE trans, size_t p, size_t k, double alpha, const double *A, size_t lda,
                double beta, double *C, size_t ldc)
{
  int nt = trans == CblasNoTrans;
  enum CBLAS_TRANSPOSE tb = nt ? CblasTrans : CblasNoTrans;
  size_t kc = k < 1 ? 1 : k; /* dsyrk's lda must be >= 1 even with k = 0 */
  for (size_t i0 = 0; i0 < p; i0 += BM_KN_SYRK_MAX - 1) {
    size_t b = min_sz(BM_KN_SYRK_MAX - 1, p - i0);
    const double *Ai = nt ? A + i0 * lda : A + i0;
    if (i0) bm_kn_gemm(trans, tb, b, i0, k, alpha, Ai, lda, A, lda, beta, C + i0 * ldc, ldc);
    cblas_dsyrk(CblasRowMajor, CblasLower, trans, (int)b, (int)k, alpha, Ai, (int)(nt && lda < kc ? kc : lda), beta,
                C + i0 * ldc + i0, (int)ldc);
  }
}
