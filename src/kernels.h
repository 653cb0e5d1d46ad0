/* Internal (not installed): blocked Cholesky-factor kernels for moderate p
 * that never start OpenBLAS threads (docs/conventions.md, "Threading").
 *
 * Why: OpenBLAS, as installed, runs dpotrf, dpotri, dtrsm, dtrmm and dsyrk
 * on all its threads from small sizes on. For a p x p factorization or solve
 * at p <= ~128 the work is too small to split: on two cores the threaded
 * call took 1.3-3x (up to 10x) its single-thread time. These kernels do the
 * same work on the calling thread at OpenBLAS's single-thread speed, from
 * OpenBLAS calls each below the size at which it starts threads. The bounds
 * (OpenBLAS 0.3.21, measured by the CPU time of its helper threads, and
 * matching its interface code): dgemm threads when m n k > 2^18; dtrsm
 * when m n >= 1024; dsyrk when n >= 100; dpotrf when n >= 64; dpotri at
 * every size. Another BLAS gets the same calls, merely split. They allocate
 * nothing (scratch on the stack, 8 KiB) and touch no global state.
 * Storage: row-major; a factor L is lower triangular, its strict upper
 * triangle never read. Pivots: a pivot whose reciprocal overflows (subnormal)
 * divides instead of multiplying by the reciprocal, as in small_linalg.c.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_KERNELS_H
#define BAYESMAT_KERNELS_H

#include <stddef.h>
#include <gsl/gsl_cblas.h>

/* Factorizations, p x p solves and products of order BM_SL_MAX < p <= BM_KN_MAX
 * use these kernels (src/linalg.c, src/small_linalg.h); beyond, OpenBLAS
 * (threads pay there). */
#define BM_KN_MAX 128
/* block size of the blocked kernels */
#define BM_KN_NB 32
/* OpenBLAS's single-thread bounds (see above): largest m n k of one dgemm,
 * bound on m n of one dtrsm, on n of one dsyrk, on n of one dpotrf */
#define BM_KN_GEMM_MNK ((size_t)1 << 18)
#define BM_KN_TRSM_MN ((size_t)1024)
#define BM_KN_SYRK_MAX ((size_t)100)
#define BM_KN_POTRF_MAX ((size_t)64)

/* In place: the lower triangle of A (p x p, lda) <- its Cholesky factor.
 * The strict upper triangle is not touched.
 * @return 0, or k + 1 when the k-th pivot is not positive and finite. */
size_t bm_kn_chol(double *A, size_t lda, size_t p);

/* B (p x m, ldb) <- L^{-1} B (CblasNoTrans) or L^{-T} B (CblasTrans). */
void bm_kn_trsm_left(enum CBLAS_TRANSPOSE trans, size_t p, size_t m, const double *L, size_t ldl, double *B,
                     size_t ldb);

/* X (n x p, ldx) <- X L^{-T}: each row x becomes L^{-1} x (whitening). */
void bm_kn_trsm_right_lt(size_t n, size_t p, const double *L, size_t ldl, double *X, size_t ldx);

/* X (n x p, ldx) <- X L^{-1}. */
void bm_kn_trsm_right_ln(size_t n, size_t p, const double *L, size_t ldl, double *X, size_t ldx);

/* Lower triangle of C (p x p, ldc) <- alpha op(A) op(A)^T + beta C, where
 * op(A) = A (p x k, lda) for CblasNoTrans, A^T (A k x p) for CblasTrans.
 * Only C's lower triangle is written; beta == 0 ignores C's old values. */
void bm_kn_syrk(enum CBLAS_TRANSPOSE trans, size_t p, size_t k, double alpha, const double *A, size_t lda,
                double beta, double *C, size_t ldc);

/* Lower triangle of C (p x p, ldc) <- alpha A^T A + beta C, A k x p (lda >= p),
 * any k (k = 0: C <- beta C). For BM_KN_SYRK_T_MIN <= p <= BM_KN_MAX on a CPU
 * with AVX2 and FMA, an own register-blocked kernel (src/syrk_t.c: a 32 KiB
 * stack panel, no threads); otherwise bm_kn_syrk (CblasTrans). Only C's lower
 * triangle is written; beta == 0 ignores C's old values. */
void bm_kn_syrk_t(size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                  size_t ldc);
/* Lower triangle of C (p x p, ldc) <- alpha A A^T + beta C, A p x k (lda >= k):
 * bm_kn_syrk_t's kernel on A's transpose (packed from A's columns) for
 * BM_KN_SYRK_N_MIN <= p <= BM_KN_MAX; otherwise bm_kn_syrk (CblasNoTrans). */
void bm_kn_syrk_n(size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                  size_t ldc);
/* The scatter of centred rows, fused: lower triangle of C (p x p, ldc) <-
 * sum_i r_i r_i^T + beta C and sum (p) += sum_i r_i, r_i = x_i - mu, x_i the
 * k rows of X (ldx), mu (p, stride ms): the centring happens while the
 * kernel packs its panels (the rows are read once, no centred copy). Only
 * where bm_kn_syrk_t_centred_ok(p) (the AVX2+FMA kernel serves p); the
 * sums add each column's entries in row order.
 * @return 0; 1 when an entry of X is not finite (C and sum then undefined);
 * -1 (nothing done) where the kernel does not serve p. */
int bm_kn_syrk_t_centred(size_t p, size_t k, const double *X, size_t ldx, const double *mu, size_t ms, double beta,
                         double *C, size_t ldc, double *sum);
int bm_kn_syrk_t_centred_ok(size_t p);
/* smallest p for the own kernel: below, OpenBLAS's single-thread dsyrk is as
 * fast or faster (measured at k = 16, 256, 1000: mixed at p = 7 to 10, the
 * kernel 1.3-2.5x at 12 to 24, 2.2-2.8x at 50 to 100) */
#define BM_KN_SYRK_T_MIN ((size_t)12)
/* the same for bm_kn_syrk_n: OpenBLAS's dsyrk on A A^T is slower (the kernel
 * 2-2.9x at every p from 17, k = 16 to 256; p <= 16 is small_linalg.c's) */
#define BM_KN_SYRK_N_MIN ((size_t)1)
/* paths of bm_kn_syrk_t, in increasing order */
enum { BM_KN_SYRK_AUTO = 0, BM_KN_SYRK_GENERIC = 1, BM_KN_SYRK_AVX2 = 2 };
/* the path bm_kn_syrk_t takes on this CPU (at most the forced one) */
int bm_kn_syrk_path(void);
/* Tests only: cap bm_kn_syrk_t at path (BM_KN_SYRK_AUTO lifts the cap);
 * BM_KN_SYRK_AVX2, where the CPU has it, also takes the kernel for p below
 * BM_KN_SYRK_T_MIN. A process-wide switch, not for concurrent use. */
void bm_kn_syrk_force_path(int path);

/* The scatter route of the mvn gradient (the fused centring rank-k update
 * and the symmetric sandwich below) runs its own single-thread kernels up
 * to this order: at p = 400 they took 5.4 and 3.7 ms where OpenBLAS's dsyrk
 * and dsygst took 10.3 and 8.8 ms on one thread and no less on two; at 768
 * the rank-k kernel's panel (4096 doubles) holds 5 rows and gains little,
 * and the sandwich's packed factor would be 2 p^2 doubles. */
#define BM_KN_SCATTER_MAX 512

/* Lower triangle of G (p x p, ldg; p <= BM_KN_SCATTER_MAX) <- that of L^{-1} G L^{-T}
 * (G symmetric, its lower triangle read; L lower triangular, ldl): LAPACK's
 * dsygst (itype 1) by blocks, p^3/2 multiply-adds, on the calling thread
 * (src/sygst.c). The strict upper triangle of G is left undefined. work:
 * bm_kn_sygst_work(p) doubles. The tile kernel is AVX2+FMA where the CPU
 * has it (bm_kn_sygst_path() == BM_KN_SG_AVX2), plain C otherwise.
 * @return 0; 1 (G untouched) when p > BM_KN_SCATTER_MAX or a pivot's reciprocal is
 * not finite (the caller solves instead). */
int bm_kn_sygst(size_t p, const double *L, size_t ldl, double *G, size_t ldg, double *work);
size_t bm_kn_sygst_work(size_t p);
/* paths of the sandwich (in increasing order): GENERIC = the callers' own
 * route (two triangular solves), PORTABLE = bm_kn_sygst with the plain C
 * tiles, AVX2 = with the AVX2+FMA tiles */
enum { BM_KN_SG_AUTO = 0, BM_KN_SG_GENERIC = 1, BM_KN_SG_PORTABLE = 2, BM_KN_SG_AVX2 = 3 };
/* the path on this CPU: AVX2 where available, else GENERIC (at most the
 * forced one; a forced PORTABLE is taken on every CPU) */
int bm_kn_sygst_path(void);
/* Tests only: force the path (BM_KN_SG_AUTO lifts it). Process-wide, not
 * for concurrent use. */
void bm_kn_sygst_force_path(int path);

/* C (m x n, ldc) <- alpha op(A) op(B) + beta C as dgemm, in calls of at most
 * BM_KN_GEMM_MNK multiply-adds (a split k accumulates in order). */
void bm_kn_gemm(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, size_t m, size_t n, size_t k, double alpha,
                const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc);

#endif
