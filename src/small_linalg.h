/* Internal (not installed): plain-loop Cholesky kernels for small and
 * moderate p, used by src/linalg.c below BM_SL_MAX and by the families'
 * small-dimension paths (distributions/small_p.h).
 *
 * Why: at p <= BM_SL_MAX the cost of a LAPACK/BLAS call is its overhead
 * (argument checks, dispatch, and with OpenBLAS's default threads a wake-up
 * of the second thread), not its arithmetic. These loops allocate nothing,
 * touch no global state and never start threads.
 * Storage: row-major, lower triangle, explicit leading dimensions; L's
 * strict upper triangle is never read.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_SMALL_LINALG_H
#define BAYESMAT_SMALL_LINALG_H

#include <stddef.h>

/* Factorizations, solves and products of at most this order use the loops
 * below (call overhead dominates LAPACK/BLAS there). */
#define BM_SL_MAX 16
/* Inverses from a factor use the loops up to this order: OpenBLAS's dpotri
 * starts threads at every size, and on two cores that costs 3-10x at
 * p = 20-70 (bench/README.md). */
#define BM_SL_INV_MAX 128

/* In place: the lower triangle of A (p x p, leading dim lda) <- its Cholesky
 * factor L (A = L L^T); the strict upper triangle is not touched.
 * @return 0, or k + 1 when the k-th pivot is not positive and finite (A's
 * lower triangle is then left as it was). */
size_t bm_sl_chol(double *A, size_t lda, size_t p);

/* At these sizes GCC's vectorizer and its memcpy idiom cost more than they
 * save: vectorized partial sums reload scalars just stored (a store
 * forwarding stall per load) and short row copies become rep movsq (tens of
 * cycles to start each). BM_SL_INLINE bodies are inlined into a switch over
 * p = 1..8 (BM_SL_UNROLLED) so that their loops unroll with p a constant;
 * the same operations in the same order for every p, so results do not
 * depend on the route. (A p = 5 factorization: 2.4x faster than the
 * vectorized loop over A.) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#define BM_SL_SCALAR __attribute__((optimize("no-tree-vectorize", "no-tree-loop-distribute-patterns")))
#else
#define BM_SL_SCALAR
#endif
#if defined(__GNUC__)
#define BM_SL_INLINE __attribute__((always_inline)) BM_SL_SCALAR static inline
#else
#define BM_SL_INLINE static inline
#endif
/* return f(args..., p) with p a compile-time constant up to 8 */
#define BM_SL_UNROLLED(f, p, ...)       \
  switch (p) {                          \
  case 1: return f(__VA_ARGS__, 1);     \
  case 2: return f(__VA_ARGS__, 2);     \
  case 3: return f(__VA_ARGS__, 3);     \
  case 4: return f(__VA_ARGS__, 4);     \
  case 5: return f(__VA_ARGS__, 5);     \
  case 6: return f(__VA_ARGS__, 6);     \
  case 7: return f(__VA_ARGS__, 7);     \
  case 8: return f(__VA_ARGS__, 8);     \
  default: return f(__VA_ARGS__, p);    \
  }
/* the same for a void f, p <= 8 only: return 1 when done; other p fall
 * through to what follows */
#define BM_SL_UNROLLED_VOID(f, p, ...)          \
  switch (p) {                                  \
  case 1: f(__VA_ARGS__, 1); return 1;          \
  case 2: f(__VA_ARGS__, 2); return 1;          \
  case 3: f(__VA_ARGS__, 3); return 1;          \
  case 4: f(__VA_ARGS__, 4); return 1;          \
  case 5: f(__VA_ARGS__, 5); return 1;          \
  case 6: f(__VA_ARGS__, 6); return 1;          \
  case 7: f(__VA_ARGS__, 7); return 1;          \
  case 8: f(__VA_ARGS__, 8); return 1;          \
  default: break;                               \
  }

#include <float.h>
#include <math.h>
/* bm_sl_chol on a local array a (lower triangle, p <= BM_SL_MAX): a <- L.
 * @return 0 or k + 1 as bm_sl_chol (a then partly overwritten).
 * Root-free first (u_ij = l_ij sqrt(s_j) with the pivots s_j and their
 * reciprocals r_j, as in L D L^T): the chain from one pivot to the next is a
 * division, a product and a subtraction, where l_ij = u_ij / sqrt(s_j) puts
 * a square root and two products on it (a p = 5 factor's latency 89 -> 68
 * ns); the square roots and the scaling come after, off the chain. A pivot
 * whose reciprocal overflows (subnormal) finishes the factor the classical
 * way from there, as does one beyond 1/DBL_MIN (its reciprocal subnormal). */
BM_SL_INLINE size_t bm_sl_chol_local(double (*a)[BM_SL_MAX], size_t p)
{
  double r[BM_SL_MAX];
  size_t i = 0;
  for (; i < p; i++) {
    for (size_t j = 0; j < i; j++) {
      double s = a[i][j];
      for (size_t k = 0; k < j; k++) s -= (a[i][k] * r[k]) * a[j][k];
      a[i][j] = s;
    }
    double s = a[i][i];
    for (size_t k = 0; k < i; k++) s -= (a[i][k] * r[k]) * a[i][k];
    /* NaN fails here too (NaN > 0 is false) */
    if (!(s > 0.0) || !isfinite(s)) return i + 1;
    a[i][i] = s;
    r[i] = 1.0 / s;
    if (!(r[i] >= DBL_MIN && r[i] <= DBL_MAX)) break; /* s subnormal or beyond 1/DBL_MIN: r not a normal number */
  }
  size_t done = i < p ? i + 1 : p; /* rows in root-free form */
  /* the reciprocals of the diagonal of L, formed once: a product per entry */
  double inv[BM_SL_MAX];
  for (size_t j = 0; j < done; j++) {
    double d = sqrt(a[j][j]);
    /* a pivot whose reciprocal is not normal (overflows, or is subnormal
     * with fewer digits): 1/sqrt(s) is */
    inv[j] = r[j] >= DBL_MIN && r[j] <= DBL_MAX ? d * r[j] : 1.0 / d;
    a[j][j] = d;
    for (size_t k = j + 1; k < done; k++) a[k][j] *= inv[j];
  }
  for (i = done; i < p; i++) { /* after a subnormal pivot: classical rows */
    for (size_t j = 0; j < i; j++) {
      double s = a[i][j];
      for (size_t k = 0; k < j; k++) s -= a[i][k] * a[j][k];
      a[i][j] = s * inv[j];
    }
    double s = a[i][i];
    for (size_t k = 0; k < i; k++) s -= a[i][k] * a[i][k];
    if (!(s > 0.0) || !isfinite(s)) return i + 1;
    double d = sqrt(s), rr = 1.0 / s;
    a[i][i] = d;
    inv[i] = rr >= DBL_MIN && rr <= DBL_MAX ? d * rr : 1.0 / d;
  }
  return 0;
}

/* Ainv (p x p, full symmetric, leading dim lda) <- (L L^T)^{-1} from the
 * factor L (ldl), p <= BM_SL_INV_MAX. L's diagonal must be positive. Ainv
 * may be L (in place): row i of L is read before row i of Ainv is written. */
void bm_sl_chol_inverse(const double *L, size_t ldl, double *Ainv, size_t lda, size_t p);

/* In place: the lower triangle of T (p x p, ldt, lower triangular, strict
 * upper triangle not read) <- that of T^T T (as LAPACK's dlauum on the
 * transposed storage), p <= BM_SL_INV_MAX. */
void bm_sl_lower_gram(double *T, size_t ldt, size_t p);

/* In place: the lower triangle of T <- that of a T^T T + b U^T U, T and U
 * lower triangular (p x p, leading dim ld, strict upper triangles not read),
 * p <= BM_SL_INV_MAX: two bm_sl_lower_gram products combined in one pass. */
void bm_sl_lower_gram2(double *T, double a, const double *U, double b, size_t ld, size_t p);

/* In place: B (p x p, ldb, lower triangular, strict upper triangle neither
 * read nor written) <- L^{-1} B, lower triangular too (L ldl, lower), p <=
 * BM_SL_INV_MAX. With B = I this is L^{-1}. A third of the work of a full
 * p x p solve. */
void bm_sl_solve_lower_tri(const double *L, size_t ldl, double *B, size_t ldb, size_t p);

/* B (p x m, leading dim ldb) <- L^{-1} B (forward substitution by rows). */
void bm_sl_solve_lower(const double *L, size_t ldl, size_t p, double *B, size_t ldb, size_t m);

/* B (p x m, leading dim ldb) <- L^{-T} B (back substitution by rows). */
void bm_sl_solve_lower_trans(const double *L, size_t ldl, size_t p, double *B, size_t ldb, size_t m);

/* C (p x p, lower triangle, leading dim ldc) <- alpha A A^T + beta C, with A
 * p x k (lda). Only C's lower triangle is written. */
void bm_sl_syrk_lower(size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                      size_t ldc);


/* Dispatchers with cblas's meaning for one shape each: own loops up to
 * BM_SL_MAX, the blocked single-thread kernels of kernels.h up to
 * BM_KN_MAX, CBLAS beyond. */
#include <gsl/gsl_cblas.h>
#include "kernels.h"

/* B (p x m, ldb) <- L^{-1} B (trans == CblasNoTrans) or L^{-T} B (CblasTrans). */
static inline void bm_sl_trsm_left(enum CBLAS_TRANSPOSE trans, size_t p, size_t m, const double *L, size_t ldl, double *B,
                                   size_t ldb)
{
  if (p <= BM_SL_MAX && trans == CblasNoTrans)
    bm_sl_solve_lower(L, ldl, p, B, ldb, m);
  else if (p <= BM_SL_MAX)
    bm_sl_solve_lower_trans(L, ldl, p, B, ldb, m);
  else if (p <= BM_KN_MAX)
    bm_kn_trsm_left(trans, p, m, L, ldl, B, ldb);
  else
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, trans, CblasNonUnit, (int)p, (int)m, 1.0, L, (int)ldl, B,
                (int)ldb);
}

/* Lower triangle of C (p x p, ldc) <- alpha A A^T + beta C, A p x k (lda). */
static inline void bm_sl_syrk(size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                              size_t ldc)
{
  if (p <= BM_SL_MAX)
    bm_sl_syrk_lower(p, k, alpha, A, lda, beta, C, ldc);
  else if (p <= BM_KN_MAX)
    bm_kn_syrk_n(p, k, alpha, A, lda, beta, C, ldc);
  else
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)p, (int)k, alpha, A, (int)lda, beta, C, (int)ldc);
}

/* Lower triangle of C (p x p, ldc) <- alpha A^T A + beta C, A k x p (lda):
 * the own kernels up to BM_KN_MAX (OpenBLAS's dsyrk threads at every size
 * with a long k, and runs generic SSE3 code here), CBLAS beyond. */
static inline void bm_sl_syrk_t(size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                                size_t ldc)
{
  if (p <= BM_KN_MAX)
    bm_kn_syrk_t(p, k, alpha, A, lda, beta, C, ldc);
  else
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)p, (int)k, alpha, A, (int)lda, beta, C, (int)ldc);
}

/* X (n x p, ldx) <- X L^{-T} (each row x <- L^{-1} x): the blocked kernel up
 * to BM_KN_MAX while the solve is small (n p^2 < BM_KN_WHITEN_WORK
 * multiply-adds, e.g. n = 1000 rows at p = 64), CBLAS's dtrsm beyond: a
 * large block of rows splits well over OpenBLAS's threads (mvn at p = 400,
 * n = 1000: 1.4x faster with two), a p x p solve does not. */
#define BM_KN_WHITEN_WORK ((size_t)1 << 22)
static inline void bm_sl_whiten_rows(size_t n, size_t p, const double *L, size_t ldl, double *X, size_t ldx)
{
  if (p <= BM_KN_MAX && n * p * p < BM_KN_WHITEN_WORK)
    bm_kn_trsm_right_lt(n, p, L, ldl, X, ldx);
  else
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)p, 1.0, L, (int)ldl, X,
                (int)ldx);
}

#endif
