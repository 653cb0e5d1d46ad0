/* Blocked Cholesky-factor kernels on the calling thread (src/kernels.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* the diagonal-block loops are written to vectorize across rows; GCC does so
 * only at -O3 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3")
#endif
#include <math.h>
#include "kernels.h"
#include "small_linalg.h"

#define NB BM_KN_NB
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

/* Unblocked Cholesky of a diagonal block (b <= NB), as bm_sl_chol; inv gets
 * the pivots' reciprocals (always finite: a positive pivot is at least the
 * square root of the smallest subnormal). */
static size_t chol_unblocked(double *A, size_t lda, size_t b, double *inv)
{
  for (size_t i = 0; i < b; i++) {
    double *ri = A + i * lda;
    for (size_t j = 0; j < i; j++) {
      const double *rj = A + j * lda;
      double s = ri[j];
      for (size_t k = 0; k < j; k++) s -= ri[k] * rj[k];
      ri[j] = s * inv[j];
    }
    double s = ri[i];
    for (size_t k = 0; k < i; k++) s -= ri[k] * ri[k];
    if (!(s > 0.0) || !isfinite(s)) return i + 1; /* NaN fails here too */
    double d = sqrt(s), r = 1.0 / s;
    ri[i] = d;
    inv[i] = isfinite(r) ? d * r : 1.0 / d;
  }
  return 0;
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

/* Left-looking by block columns: each block column is updated by one
 * (split) dgemm with the factor's columns to its left, then its diagonal
 * block factored and the rows below it solved. */
size_t bm_kn_chol(double *A, size_t lda, size_t p)
{
  double T[NB * NB], inv[NB];
  for (size_t k0 = 0; k0 < p; k0 += NB) {
    size_t b = min_sz(NB, p - k0), below = p - k0 - b;
    double *Akk = A + k0 * lda + k0;
    if (k0 > 0) {
      /* the diagonal block through scratch: its strict upper triangle is A's */
      bm_kn_gemm(CblasNoTrans, CblasTrans, b, b, k0, 1.0, A + k0 * lda, lda, A + k0 * lda, lda, 0.0, T, b);
      for (size_t i = 0; i < b; i++)
        for (size_t j = 0; j <= i; j++) Akk[i * lda + j] -= T[i * b + j];
      if (below)
        bm_kn_gemm(CblasNoTrans, CblasTrans, below, b, k0, -1.0, A + (k0 + b) * lda, lda, A + k0 * lda, lda, 1.0,
                   Akk + b * lda, lda);
    }
    size_t info = chol_unblocked(Akk, lda, b, inv);
    if (info) return k0 + info;
    if (below) solve_rlt_diag(below, b, Akk, lda, Akk + b * lda, lda);
  }
  return 0;
}

void bm_kn_trsm_left(enum CBLAS_TRANSPOSE trans, size_t p, size_t m, const double *L, size_t ldl, double *B,
                     size_t ldb)
{
  if (p == 0 || m == 0) return;
  if (trans == CblasNoTrans) {
    for (size_t i0 = 0; i0 < p; i0 += NB) {
      size_t b = min_sz(NB, p - i0);
      if (i0) bm_kn_gemm(CblasNoTrans, CblasNoTrans, b, m, i0, -1.0, L + i0 * ldl, ldl, B, ldb, 1.0, B + i0 * ldb, ldb);
      bm_sl_solve_lower(L + i0 * ldl + i0, ldl, b, B + i0 * ldb, ldb, m);
    }
    return;
  }
  for (size_t i0 = (p - 1) / NB * NB;; i0 -= NB) {
    size_t b = min_sz(NB, p - i0), i1 = i0 + b;
    if (i1 < p)
      bm_kn_gemm(CblasTrans, CblasNoTrans, b, m, p - i1, -1.0, L + i1 * ldl + i0, ldl, B + i1 * ldb, ldb, 1.0,
                 B + i0 * ldb, ldb);
    bm_sl_solve_lower_trans(L + i0 * ldl + i0, ldl, b, B + i0 * ldb, ldb, m);
    if (i0 == 0) break;
  }
}

void bm_kn_trsm_right_lt(size_t n, size_t p, const double *L, size_t ldl, double *X, size_t ldx)
{
  if (n == 0) return;
  for (size_t j0 = 0; j0 < p; j0 += NB) {
    size_t b = min_sz(NB, p - j0);
    if (j0) bm_kn_gemm(CblasNoTrans, CblasTrans, n, b, j0, -1.0, X, ldx, L + j0 * ldl, ldl, 1.0, X + j0, ldx);
    solve_rlt_diag(n, b, L + j0 * ldl + j0, ldl, X + j0, ldx);
  }
}

void bm_kn_syrk(enum CBLAS_TRANSPOSE trans, size_t p, size_t k, double alpha, const double *A, size_t lda,
                double beta, double *C, size_t ldc)
{
  double T[NB * NB];
  int nt = trans == CblasNoTrans;
  enum CBLAS_TRANSPOSE tb = nt ? CblasTrans : CblasNoTrans;
  for (size_t i0 = 0; i0 < p; i0 += NB) {
    size_t b = min_sz(NB, p - i0);
    const double *Ai = nt ? A + i0 * lda : A + i0;
    if (i0) bm_kn_gemm(trans, tb, b, i0, k, alpha, Ai, lda, A, lda, beta, C + i0 * ldc, ldc);
    /* the diagonal block through scratch: only its lower triangle is C's */
    bm_kn_gemm(trans, tb, b, b, k, 1.0, Ai, lda, Ai, lda, 0.0, T, b);
    for (size_t i = 0; i < b; i++) {
      double *c = C + (i0 + i) * ldc + i0;
      for (size_t j = 0; j <= i; j++) c[j] = beta == 0.0 ? alpha * T[i * b + j] : alpha * T[i * b + j] + beta * c[j];
    }
  }
}
