/* bayesmat — the matrix-variate t family T_{n,p}(nu, M, Sigma, Omega)
 * (Dickey 1967; Gupta & Nagar 2000, ch. 4).
 *
 *   log f(X) = log Gamma_p(k/2) - log Gamma_p(q_p/2) - np/2 log pi
 *              - n/2 log|Omega| - p/2 log|Sigma| - k/2 log|I_n + Sigma^-1 R Omega^-1 R^T|,
 *   R = X - M, k = nu+n+p-1, q_n = nu+n-1, q_p = nu+p-1;
 *   theta = (vec M, vech Sigma, vech Omega, nu).
 *
 * Numerics. Sigma = L_S L_S^T, Omega = L_O L_O^T once in _set. An evaluation
 * whitens Z = L_S^-1 R L_O^-T (two dtrsm) and factorizes I_n + Z Z^T or
 * I_p + Z^T Z (equal determinants) on the smaller side: from the Gram matrix
 * where it is well conditioned, else by Householder QR of [I; Z^T] (or
 * [I; Z]), with powers of two far out (small_factor, whiten_scaled); never a
 * Kronecker product or an np x np matrix. Gradients use
 * (I_n + Z Z^T)^-1 = I_n - Z (I_p + Z^T Z)^-1 Z^T (and its mirror) and the
 * factor sandwiches G_Sigma = L_S^-T (q_n I - k (I + Z Z^T)^-1) L_S^-1 / 2,
 * G_Omega = L_O^-T (q_p I - k (I + Z^T Z)^-1) L_O^-1 / 2. The log Gamma_p
 * ratio is a sum of lgamma(a + n/2) - lgamma(a) taken from Stirling's series
 * for large a, so nu = 1e8 keeps full accuracy.
 * Second derivatives: docs/matt.md. Fisher information (closed form incl. nu):
 * docs/fisher.md, derivation docs/matt-fisher.md. Identified up to
 * (c Sigma, Omega/c): the Fisher matrix is singular along
 * (0, vech Sigma, -vech Omega, 0). Sampler: S ~ IW_n(nu+n-1, Sigma) through
 * the Bartlett decomposition (Smith & Hocking 1972), X | S ~ MN(M, S, Omega).
 * Scaffolding shared with the other row/column-scale family (state, checks,
 * whitening, theta layout, vec/vech Hessian kernels): matrix_common.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/alloc.h"
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/specfun.h"
#include "bayesmat/random.h"
#include "bayesmat/matt.h"
#include "work.h"
#include "matrix_common.h"
#include "matrix_family.h"
#include "small_linalg.h"
#include "../src/error.h"

struct bm_matt {
  bm_mc_scales sc;  /* n, p, M and the factors L_S (sc.L_row), L_O (sc.L_col): matrix_common.h */
  double nu;
  double log_norm; /* log Gamma_p(k/2) - log Gamma_p(q_p/2) - np/2 log pi - n/2 log|Omega| - p/2 log|Sigma| */
  double dnu_const; /* (psi_p(k/2) - psi_p(q_p/2)) / 2 */
};

/* ---- small helpers ------------------------------------------------------ */

static const bm_mc_scales *scales(const bm_matt *d)
{
  return d ? &d->sc : NULL;
}

/* s(x) in lgamma(x) = (x-1/2) log x - x + log(2 pi)/2 + s(x), x >= 20 (error < 1e-17). */
static double stirling_tail(double x)
{
  double y = 1.0 / x, y2 = y * y;
  return y * (1.0 / 12.0 - y2 * (1.0 / 360.0 - y2 * (1.0 / 1260.0 - y2 * (1.0 / 1680.0 - y2 / 1188.0))));
}

/* lgamma(a + h) - lgamma(a), a > 0, h >= 0, without cancellation for large a. */
static double lgamma_diff(double a, double h)
{
  if (a < 20.0) return bm_lgamma(a + h) - bm_lgamma(a);
  double b = a + h;
  double v = (a - 0.5) * log1p(h / a) + h * log(b) - h + (stirling_tail(b) - stirling_tail(a));
  return v;
}

/* psi(x + h) - psi(x), x > 0, h >= 0, by the same device for x >= 20:
 * psi(x) = log x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6) + 1/(240x^8) - 1/(132x^10).
 * With r = x/(x+h) and u = 1 - r = h/(x+h),
 *   (x+h)^-m - x^-m = -x^-m (1 - r^m) = -x^-m u (1 + r + ... + r^(m-1)),
 * a sum of positive terms (no cancellation, no pow or expm1 per term: this
 * runs p times in every _set). Checked against mpmath: 2e-16 relative for
 * x = 20..1e200, h = 0.5..1e6. */
static double digamma_diff(double x, double h)
{
  if (x < 20.0) return bm_digamma(x + h) - bm_digamma(x);
  static const double c[] = {-0.5, -1.0 / 12.0, 0.0, 1.0 / 120.0, 0.0, -1.0 / 252.0, 0.0, 1.0 / 240.0, 0.0, -1.0 / 132.0};
  double b = x + h, u = h / b, r = x / b, y = 1.0 / x, ym = 1.0, s = 0.0, rm = 1.0, t[10];
  for (int m = 1; m <= 10; m++) { /* t[m-1] = x^-m u (1 + r + ... + r^(m-1)) */
    ym *= y;
    s += rm;
    rm *= r;
    t[m - 1] = ym * u * s;
  }
  double v = 0.0;
  for (int m = 10; m >= 1; m--)
    if (c[m - 1] != 0.0) v -= c[m - 1] * t[m - 1];
  return log1p(h / x) + v;
}

/* 1/4 [psi'_p(q_p/2) - psi'_p(k/2)] = the Fisher information of nu (and minus d^2 log f / d nu^2). */
static double info_nunu(size_t n, size_t p, double nu)
{
  /* arguments (nu + i)/2, i = p-1-j, the i = 0 term from nu itself (nu/2 rounds
   * for a subnormal nu; psi'(nu/2) overflows below 3e-154, its quarter at 7.5e-155) */
  double s = 0.0;
  for (size_t i = p; i-- > 0;) s += bm_mvtrigamma_half_diff(1, i ? nu + (double)i : nu, (double)n);
  return s;
}

/* Lower Cholesky factor in place of a k x k contiguous SPD buffer (upper = 0). */
static int chol_in_place(double *G, size_t k)
{
  /* row-major lower == column-major upper (see src/linalg.c); up to
   * BM_KN_MAX on the calling thread (src/kernels.h) */
  lapack_int info = k <= BM_KN_MAX ? (lapack_int)bm_kn_chol(G, k, k)
                                   : LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)k, G, (lapack_int)k);
  for (size_t i = 0; i < k; i++)
    for (size_t j = i + 1; j < k; j++) G[i * k + j] = 0.0;
  return info == 0 ? BM_SUCCESS : BM_EDOM;
}

static double logdet_factor(const double *L, size_t k)
{
  double s = 0.0;
  for (size_t i = 0; i < k; i++) s += log(L[i * k + i]);
  return 2.0 * s;
}

/* Every diagonal entry of the Gram matrix I + W W^T at most GRAM_MAX: as
 * I + W W^T >= I, its scaled condition number is then at most GRAM_MAX s, so
 * forming it (which squares cond(W)) costs at most log2(GRAM_MAX s) bits and
 * the cheap path is taken; beyond, the orthogonal one. Draws from the law
 * (|w_j|^2 ~ m/(nu - 2)) are on the cheap side unless nu is small. */
#define GRAM_MAX 1024.0
#define QR_NB 8 /* Householder block size of the orthogonal path (dtpqrt) */

/* dst <- src 2^e (exact unless it underflows), len doubles */
static void copy_scaled(double *dst, const double *src, size_t len, int e)
{
  if (e == 0)
    memcpy(dst, src, len * sizeof(double));
  else
    for (size_t i = 0; i < len; i++) dst[i] = ldexp(src[i], e);
}

/* 1 if every one of len doubles is finite (v 0 = 0 unless v is Inf or NaN).
 * Eight independent sums: one sum is a chain of dependent additions, at
 * 50 x 50 the gradient's checks took ~10 us on it. */
static int buf_finite(const double *v, size_t len)
{
  double z[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  size_t i = 0;
  for (; i + 8 <= len; i += 8)
    for (size_t j = 0; j < 8; j++) z[j] += v[i + j] * 0.0;
  for (; i < len; i++) z[0] += v[i] * 0.0;
  return ((z[0] + z[1]) + (z[2] + z[3])) + ((z[4] + z[5]) + (z[6] + z[7])) == 0.0;
}

/* Z <- 2^-e L_S^-1 (X - M) L_O^-T, n x p contiguous and finite. e = 0 (the
 * plain whitening) unless that overflowed (X - M or a triangular solve beyond
 * double range: X far out, or tiny scales); then X and M are scaled by a power
 * of two before the subtraction, and the partial result once more between the
 * two solves, e collecting the exponents (exact but for entries so small they
 * underflow, which are negligible beside the largest). BM_EDOM if even so an
 * entry is beyond double range. */
#define whiten_scaled(...) whiten_scaled_fn(__func__, __VA_ARGS__) /* fn: the public caller */
static int whiten_scaled_fn(const char *fn, const bm_matt *d, const gsl_matrix *X, double *Z, int *e)
{
  size_t n = d->sc.n, p = d->sc.p;
  const gsl_matrix *M = d->sc.M;
  bm_mc_whiten(&d->sc, X, Z);
  *e = 0;
  if (buf_finite(Z, n * p)) return BM_SUCCESS;
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) m = fmax(m, fmax(fabs(gsl_matrix_get(X, i, j)), fabs(gsl_matrix_get(M, i, j))));
  int a = ilogb(m) + 1, b = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) Z[i * p + j] = ldexp(gsl_matrix_get(X, i, j), -a) - ldexp(gsl_matrix_get(M, i, j), -a);
  bm_mc_trsm_left(d->sc.L_row, 0, Z, n, p, p);
  if (!buf_finite(Z, n * p)) return bm_error_set(BM_EDOM, fn, "X - M whitened is beyond double range even scaled");
  double w = 0.0;
  for (size_t i = 0; i < n * p; i++) w = fmax(w, fabs(Z[i]));
  if (w > 1.0) {
    b = ilogb(w) + 1;
    copy_scaled(Z, Z, n * p, -b);
  }
  bm_mc_trsm_right(d->sc.L_col, 1, Z, n, p, p);
  if (!buf_finite(Z, n * p)) return bm_error_set(BM_EDOM, fn, "X - M whitened is beyond double range even scaled");
  *e = a + b;
  return BM_SUCCESS;
}

/* The gradient kernels (grad_single, accumulate) record their message with no
 * function name; the public caller fn puts its own in front. */
static int kernel_failed(const char *fn, int status) { return bm_error_wrap(status, fn); }
#define FACTOR_FAILED "the factor of I + Z Z^T (Z the whitened X - M) is not finite"

static size_t small_factor_work(size_t n, size_t p)
{
  size_t s = n <= p ? n : p;
  return n * p + 2 * (s < QR_NB ? s : QR_NB) * s;
}

/* The factor of the small side without the Gram matrix where that matters.
 * W = Z (s = n <= p) or Z^T (s = p < n), Z n x p contiguous (left intact) the
 * whitened residual times 2^-ez. Returns a lower L (s x s contiguous) and an
 * exponent e with
 *   L L^T = 4^-e (I_s + W_t W_t^T),   W_t = 2^ez W the true residual,
 * and *logdet = log|I_s + W_t W_t^T|.
 * Cheap path (ez = 0, s = 1 or the Gram diagonal <= GRAM_MAX): e = 0, one dsyrk
 * and one dpotrf. Otherwise L^T is the R factor of the stacked (m + s) x s
 * matrix [2^-e I_s; 2^-c W^T], c = e - ez (Householder, dtpqrt, which exploits
 * the triangular top): nothing is squared, so cond(W) enters once, not twice;
 * and c normalizes W when it is huge (or ez != 0) so that nothing overflows,
 * log|I + W_t W_t^T| = sum_j 2 log(2^e L_jj) with 2^e L_jj >= 1.
 * work: small_factor_work(n, p) doubles. BM_EDOM if the factor is unusable
 * (not finite: not expected from a finite Z). */
static int small_factor(size_t n, size_t p, const double *Z, int ez, double *L, double *work, int *e,
                        double *logdet)
{
  size_t s = n <= p ? n : p, m = n <= p ? p : n;
  *e = 0;
  if (ez == 0) {
    if (n <= p)
      bm_sl_syrk(n, p, 1.0, Z, p, 0.0, L, s);
    else
      bm_sl_syrk_t(p, n, 1.0, Z, p, 0.0, L, s);
    int gram = 1;
    for (size_t i = 0; i < s; i++) {
      L[i * s + i] += 1.0;
      gram &= s == 1 ? isfinite(L[0]) : L[i * s + i] <= GRAM_MAX; /* 1 x 1: nothing to lose but range */
    }
    if (gram) {
      if (chol_in_place(L, s)) return BM_EDOM;
      *logdet = logdet_factor(L, s);
      return BM_SUCCESS;
    }
  }
  double amax = 0.0;
  for (size_t i = 0; i < n * p; i++) amax = fmax(amax, fabs(Z[i]));
  int c = (ez != 0 || amax > 0x1p500) && amax > 0.0 ? ilogb(amax) + 1 : 0;
  *e = ez + c;
  size_t nb = s < QR_NB ? s : QR_NB;
  double *B = work, *T = B + n * p, *w = T + nb * s;
  if (n <= p) /* B (column-major m x s) = W^T 2^-c: Z as it lies */
    copy_scaled(B, Z, n * p, -c);
  else
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) B[j * n + i] = ldexp(Z[i * p + j], -c);
  memset(L, 0, s * s * sizeof(double));
  for (size_t i = 0; i < s; i++) L[i * s + i] = ldexp(1.0, -*e);
  lapack_int info = LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)s, 0, (lapack_int)nb, L,
                                        (lapack_int)s, B, (lapack_int)m, T, (lapack_int)nb, w);
  if (info != 0 || !buf_finite(L, s * s)) return BM_EDOM;
  /* column-major upper R read row-major is R^T (lower; the rest stayed 0); the
   * sign of each column is Householder's choice: make the diagonal positive */
  double ld = 0.0;
  for (size_t j = 0; j < s; j++) {
    if (L[j * s + j] < 0.0)
      for (size_t i = j; i < s; i++) L[i * s + j] = -L[i * s + j];
    int x;
    double f = frexp(L[j * s + j], &x); /* log(2^e L_jj) = log f + (x + e) log 2, no overflow */
    ld += 2.0 * fmax(log(f) + (double)(x + *e) * M_LN2, 0.0);
  }
  *logdet = ld;
  return BM_SUCCESS;
}

/* B += (I + W_t W_t^T)^-1 = (2^e L)^-T (2^e L)^-1 from small_factor's L
 * (s x s); work s^2. L^-1 2^-e by a triangular solve (L^-1 alone may overflow). */
static void add_small_inverse(const double *L, size_t s, int e, double *work, double *B)
{
  memset(work, 0, s * s * sizeof(double));
  for (size_t i = 0; i < s; i++) work[i * s + i] = ldexp(1.0, -e);
  if (s <= BM_SL_INV_MAX) { /* on the triangles, calling thread (dlauum starts threads at any size) */
    bm_sl_solve_lower_tri(L, s, work, s, s);
    bm_sl_lower_gram(work, s, s);
  } else {
    gsl_matrix_const_view Lv = gsl_matrix_const_view_array(L, s, s);
    bm_mc_trsm_left(&Lv.matrix, 0, work, s, s, s);
    LAPACKE_dlauum_work(LAPACK_COL_MAJOR, 'U', (lapack_int)s, work, (lapack_int)s); /* row-major lower: W^T W */
  }
  for (size_t i = 0; i < s; i++)
    for (size_t j = 0; j <= i; j++) {
      B[i * s + j] += work[i * s + j];
      if (j < i) B[j * s + i] += work[i * s + j];
    }
}

static size_t accumulate_work(size_t n, size_t p)
{
  size_t s = n <= p ? n : p;
  return 2 * s * s + small_factor_work(n, p);
}

/* Accumulated per-observation pieces of the gradient:
 *   Y0 += (I + Z Z^T)^-1 Z,  Bn += (I_n + Z Z^T)^-1,  Bp += (I_p + Z^T Z)^-1,
 *   *logdet += log|I + Z Z^T|,  Z = 2^ez Zs.  Any accumulator may be NULL.
 * Zs is n x p contiguous and is left intact; work holds accumulate_work(n, p)
 * doubles. With L_G = 2^e L (small_factor), A = L_G^-1 W_t = L^-1 2^-e W_t has
 * norm <= 1 and every piece is formed from it without overflow:
 * (I + W W^T)^-1 W = L^-T (2^-e A), (I + W^T W)^-1 = I - A^T A. */
static int accumulate(size_t n, size_t p, const double *Z, int ez, double *work, double *Y0, double *Bn, double *Bp,
                      double *logdet)
{
  size_t s = n <= p ? n : p;
  double *G = work, *W = G + s * s, *Y = W + s * s, ld;
  int e, status = small_factor(n, p, Z, ez, G, Y, &e, &ld);
  if (status) return bm_error_set(status, NULL, FACTOR_FAILED);
  *logdet += ld;
  gsl_matrix_view Gv = gsl_matrix_view_array(G, s, s);
  if (n <= p) {
    if (Y0 || Bp) { /* Y = A = L_G^-1 Z */
      copy_scaled(Y, Z, n * p, ez - e);
      bm_mc_trsm_left(&Gv.matrix, 0, Y, n, p, p);
    }
    if (Bp) { /* (I_p + Z^T Z)^-1 = I_p - A^T A */
      if (p <= BM_KN_MAX) /* in calls below OpenBLAS's threading size (docs/conventions.md) */
        bm_kn_gemm(CblasTrans, CblasNoTrans, p, p, n, -1.0, Y, p, Y, p, 1.0, Bp, p);
      else
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)p, (int)n, -1.0, Y, (int)p, Y, (int)p, 1.0,
                    Bp, (int)p);
      for (size_t i = 0; i < p; i++) Bp[i * p + i] += 1.0;
    }
    if (Y0) { /* Y = (I + Z Z^T)^-1 Z = L_G^-T A */
      if (e) copy_scaled(Y, Y, n * p, -e);
      bm_mc_trsm_left(&Gv.matrix, 1, Y, n, p, p);
    }
    if (Bn) add_small_inverse(G, s, e, W, Bn);
  } else {
    if (Y0 || Bn) { /* Y = A^T = Z L_G^-T */
      copy_scaled(Y, Z, n * p, ez - e);
      bm_mc_trsm_right(&Gv.matrix, 1, Y, n, p, p);
    }
    if (Bn) { /* (I_n + Z Z^T)^-1 = I_n - A^T A */
      if (n <= BM_KN_MAX)
        bm_kn_gemm(CblasNoTrans, CblasTrans, n, n, p, -1.0, Y, p, Y, p, 1.0, Bn, n);
      else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)p, -1.0, Y, (int)p, Y, (int)p, 1.0,
                    Bn, (int)n);
      for (size_t i = 0; i < n; i++) Bn[i * n + i] += 1.0;
    }
    if (Y0) { /* Y = Z (I + Z^T Z)^-1 = A^T L_G^-1 */
      if (e) copy_scaled(Y, Y, n * p, -e);
      bm_mc_trsm_right(&Gv.matrix, 0, Y, n, p, p);
    }
    if (Bp) add_small_inverse(G, s, e, W, Bp);
  }
  if (Y0)
    for (size_t i = 0; i < n * p; i++) Y0[i] += Y[i];
  return BM_SUCCESS;
}

/* Gradients of sum over m observations from the accumulated pieces (which are
 * overwritten). */
static void finish_grad(const bm_matt *d, size_t m, double *Y0, double *Bn, double *Bp, double logdet,
                        gsl_matrix *dX, gsl_matrix *dM, gsl_matrix *dS, gsl_matrix *dO, double *dnu)
{
  size_t n = d->sc.n, p = d->sc.p;
  double k = d->nu + (double)(n + p - 1), qn = d->nu + (double)(n - 1), qp = d->nu + (double)(p - 1);
  if (dX || dM) { /* k T R Q = k L_S^-T Y0 L_O^-1 */
    bm_mc_trsm_left(d->sc.L_row, 1, Y0, n, p, p);
    bm_mc_trsm_right(d->sc.L_col, 0, Y0, n, p, p);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) {
        if (dX) dX->data[i * dX->tda + j] = -k * Y0[i * p + j];
        if (dM) dM->data[i * dM->tda + j] = k * Y0[i * p + j];
      }
  }
  if (dS) {
    for (size_t i = 0; i < n * n; i++) Bn[i] *= -k;
    for (size_t i = 0; i < n; i++) Bn[i * n + i] += (double)m * qn;
    bm_mc_half_sandwich_inv(d->sc.L_row, Bn, n);
    bm_mc_copy_out(Bn, dS);
  }
  if (dO) {
    for (size_t i = 0; i < p * p; i++) Bp[i] *= -k;
    for (size_t i = 0; i < p; i++) Bp[i * p + i] += (double)m * qp;
    bm_mc_half_sandwich_inv(d->sc.L_col, Bp, p);
    bm_mc_copy_out(Bp, dO);
  }
  if (dnu) *dnu = (double)m * d->dnu_const - 0.5 * logdet;
}

/* Gradient of ONE observation from its whitened residual, on the smaller side.
 * Orientation: n1 <= n2, Z1 (n1 x n2) = L1^-1 R1 L2^-T where (R1, L1, L2) is
 * (R, L_S, L_O) when n <= p and (R^T, L_O, L_S) otherwise (X^T ~ T_{p,n}(nu,
 * M^T, Omega, Sigma)). With L_G L_G^T = I + Z1 Z1^T, A = L_G^-1 Z1,
 * Ahat = A L2^-1, L1inv = L1^-1 and E = L_G^-1 L1inv (lower triangular):
 *   d/dM1 = k L1^-T (I + Z1 Z1^T)^-1 Z1 L2^-1 = k E^T Ahat          (one dtrmm)
 *   G_1   = (q1 L1^-T L1^-1 - k E^T E) / 2                          (two dlauum)
 *   G_2   = (k Ahat^T Ahat - n1 L2^-T L2^-1) / 2                   (dsyrk, dpotri)
 * since (I_n2 + Z1^T Z1)^-1 = I - A^T A and q2 - k = -n1. Outputs (any NULL):
 * dM1 n1 x n2, G1 n1 x n1, G2 n2 x n2, contiguous. Z1 is given as Z1s with
 * Z1 = 2^ez Z1s. work: 2 n1 n2 + 3 n1^2. BM_EDOM if the small factor failed. */
static int grad_one(size_t n1, size_t n2, const double *Z1, int ez, const gsl_matrix *L1, const gsl_matrix *L2,
                    double k, double q1, double *work, double *dM1, double *G1, double *G2, double *logdet)
{
  double *G = work, *A = G + n1 * n1, *E = A + n1 * n2, *Li = E + n1 * n1;
  int e; /* L_G = 2^e G: G from small_factor (its work: A, E, Li, contiguous, not yet in use) */
  if (small_factor(n1, n2, Z1, ez, G, A, &e, logdet)) return bm_error_set(BM_EDOM, NULL, FACTOR_FAILED);
  gsl_matrix_view Gv = gsl_matrix_view_array(G, n1, n1);
  if (dM1 || G2) { /* Ahat = L_G^-1 Z1 L2^-1 = G^-1 (2^(ez-e) Z1s) L2^-1 */
    copy_scaled(A, Z1, n1 * n2, ez - e);
    bm_mc_trsm_left(&Gv.matrix, 0, A, n1, n2, n2);
    bm_mc_trsm_right(L2, 0, A, n1, n2, n2);
  }
  if (dM1 || G1) { /* L1inv and E = L_G^-1 L1inv, both lower triangular */
    if (n1 <= BM_SL_INV_MAX) { /* row by row on the triangles (p^3/6 multiply-adds each), on the calling thread */
      memset(Li, 0, n1 * n1 * sizeof(double)); /* the upper triangles stay 0 */
      for (size_t i = 0; i < n1; i++) Li[i * n1 + i] = 1.0;
      bm_sl_solve_lower_tri(L1->data, L1->tda, Li, n1, n1);
      copy_scaled(E, Li, n1 * n1, -e); /* L_G^-1 = G^-1 2^-e */
      bm_sl_solve_lower_tri(G, n1, E, n1, n1);
    } else { /* dtrtri (row-major lower = column-major upper) and a blocked solve: threads pay here */
      for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n1; j++) Li[i * n1 + j] = j <= i ? L1->data[i * L1->tda + j] : 0.0;
      LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', (lapack_int)n1, Li, (lapack_int)n1);
      copy_scaled(E, Li, n1 * n1, -e);
      /* E is lower triangular: columns c0.. are zero above row c0 and stay so,
       * so each block of columns needs only G's trailing triangle */
      for (size_t c0 = 0; c0 < n1; c0 += BM_KN_NB) {
        size_t m = n1 - c0, c = m < BM_KN_NB ? m : BM_KN_NB;
        gsl_matrix_view Gs = gsl_matrix_submatrix(&Gv.matrix, c0, c0, m, m);
        bm_mc_trsm_left(&Gs.matrix, 0, E + c0 * n1 + c0, m, c, n1);
      }
    }
  }
  if (G2) { /* (k Ahat^T Ahat - n1 Q2)/2 */
    gsl_matrix_view Qv = gsl_matrix_view_array(G2, n2, n2);
    bm_chol_inverse(L2, &Qv.matrix);
    bm_sl_syrk_t(n2, n1, 0.5 * k, A, n2, -0.5 * (double)n1, G2, n2);
    bm_sym_from_lower(&Qv.matrix);
  }
  if (dM1) { /* k E^T Ahat */
    memcpy(dM1, A, n1 * n2 * sizeof(double));
    /* dtrmm threads from n1 c >= BM_KN_TRSM_MN: up to BM_KN_MAX in column
     * chunks below that (half the work of a dgemm on the triangle) */
    size_t cc = n1 <= BM_KN_MAX ? (BM_KN_TRSM_MN - 1) / n1 : n2;
    for (size_t c0 = 0; c0 < n2; c0 += cc)
      cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)n1,
                  (int)(n2 - c0 < cc ? n2 - c0 : cc), k, E, (int)n1, dM1 + c0, (int)n2);
  }
  if (G1) { /* (q1 Li^T Li - k E^T E)/2; dlauum (column-major 'U') on our row-major lower gives L^T L */
    if (n1 <= BM_SL_INV_MAX) { /* dlauum threads at every size: own loop, both products in one pass */
      bm_sl_lower_gram2(Li, 0.5 * q1, E, -0.5 * k, n1, n1);
      for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j <= i; j++) G1[i * n1 + j] = G1[j * n1 + i] = Li[i * n1 + j];
    } else {
      LAPACKE_dlauum_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n1, Li, (lapack_int)n1);
      LAPACKE_dlauum_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n1, E, (lapack_int)n1);
      for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j <= i; j++) {
          double v = 0.5 * (q1 * Li[i * n1 + j] - k * E[i * n1 + j]);
          G1[i * n1 + j] = G1[j * n1 + i] = v;
        }
    }
  }
  return BM_SUCCESS;
}

/* Single-observation gradient from the whitened residual 2^ez Z (Z n x p
 * contiguous). BM_EDOM if an output is beyond double range. */
static int grad_single(const bm_matt *d, const double *Z, int ez, double *work, gsl_matrix *dX, gsl_matrix *dM,
                       gsl_matrix *dS, gsl_matrix *dO, double *dnu, double *logdet)
{
  size_t n = d->sc.n, p = d->sc.p;
  double k = d->nu + (double)(n + p) - 1.0;
  /* work: Zt (np), dM1 (np), G1 (n^2), G2 (p^2), grad_one's 2np + 3 min^2 */
  double *Zt = work, *D = Zt + n * p, *GS = D + n * p, *GO = GS + n * n, *w = GO + p * p;
  int want_m = dX || dM, status;
  if (n <= p) {
    status = grad_one(n, p, Z, ez, d->sc.L_row, d->sc.L_col, k, d->nu + (double)n - 1.0, w, want_m ? D : NULL, dS ? GS : NULL,
                      dO ? GO : NULL, logdet);
  } else {
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) Zt[j * n + i] = Z[i * p + j];
    status = grad_one(p, n, Zt, ez, d->sc.L_col, d->sc.L_row, k, d->nu + (double)p - 1.0, w, want_m ? Zt : NULL, dO ? GO : NULL,
                      dS ? GS : NULL, logdet);
    if (!status && want_m) /* back from the transposed orientation */
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) D[i * p + j] = Zt[j * n + i];
  }
  if (status) return status;
  if ((want_m && !buf_finite(D, n * p)) || (dS && !buf_finite(GS, n * n)) || (dO && !buf_finite(GO, p * p)))
    return bm_error_set(BM_EDOM, NULL, "an entry of the gradient is beyond double range");
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) {
      if (dX) dX->data[i * dX->tda + j] = -D[i * p + j];
      if (dM) dM->data[i * dM->tda + j] = D[i * p + j];
    }
  if (dS) bm_mc_copy_out(GS, dS);
  if (dO) bm_mc_copy_out(GO, dO);
  if (dnu) *dnu = d->dnu_const - 0.5 * *logdet;
  return BM_SUCCESS;
}

static size_t grad_single_work(size_t n, size_t p)
{
  size_t s = n <= p ? n : p;
  return 4 * n * p + n * n + p * p + 3 * s * s;
}

/* ---- alloc / free / set ------------------------------------------------- */

bm_matt *bm_matt_alloc(size_t n, size_t p)
{
  return bm_mc_object_alloc(__func__, sizeof(bm_matt), n, p);
}

void bm_matt_free(bm_matt *d)
{
  bm_mc_object_free(d);
}

int bm_matt_set(bm_matt *d, double nu, const gsl_matrix *M, const gsl_matrix *Sigma, const gsl_matrix *Omega)
{
  if (d == NULL) return BM_FAIL(BM_EINVAL, "d is NULL");
  int status = bm_validate_greater(nu, 0.0);
  if (!status) status = bm_mc_validate_factorize(&d->sc, M, Sigma, Omega); /* into scratch */
  if (status) return status;
  /* a_j = (q_p - j)/2, q_p = nu + p - 1, formed as (nu + (p-1-j))/2: forming q_p
   * first rounds a small nu away (a_{p-1} = 0: lgamma(0), NaN log-densities). */
  double n = (double)d->sc.n, p = (double)d->sc.p;
  double lg = 0.0; /* log Gamma_p(k/2) - log Gamma_p(q_p/2) = sum_j lgamma(a_j + n/2) - lgamma(a_j) */
  double hdg = 0.0; /* [psi_p(k/2) - psi_p(q_p/2)]/2, term by term */
  for (size_t j = 0; j + 1 < d->sc.p; j++) {
    double a = 0.5 * (nu + (double)(d->sc.p - 1 - j));
    lg += lgamma_diff(a, 0.5 * n);
    hdg += 0.5 * digamma_diff(a, 0.5 * n);
  }
  /* a_{p-1} = nu/2: below nu = 1 its Gamma and psi from nu (nu/2 rounds for a
   * subnormal nu; psi(nu/2) ~ -2/nu overflows where the half need not) */
  if (nu < 1.0) {
    lg += bm_lgamma(0.5 * nu + 0.5 * n) - bm_lmvgamma_half(1, nu);
    hdg += 0.5 * bm_digamma(0.5 * nu + 0.5 * n) - bm_mvdigamma_half(1, nu);
  } else {
    lg += lgamma_diff(0.5 * nu, 0.5 * n);
    hdg += 0.5 * digamma_diff(0.5 * nu, 0.5 * n);
  }
  double log_norm = lg - 0.5 * n * p * log(M_PI) - 0.5 * n * bm_chol_logdet(d->sc.L_col_new) - 0.5 * p * bm_chol_logdet(d->sc.L_row_new);
  /* nu/2 below the smallest double (nu = 5e-324) or similar: not representable */
  if (!isfinite(log_norm) || !isfinite(hdg)) return BM_FAIL(BM_EDOM, "nu = %g: the normalizing constant is beyond double range", nu);
  bm_mc_commit(&d->sc, M);
  d->nu = nu;
  d->log_norm = log_norm;
  d->dnu_const = hdg;
  return BM_SUCCESS;
}

size_t bm_matt_nparams(const bm_matt *d)
{
  return d ? bm_mc_nparams(&d->sc) + 1 : 0; /* (vec M, vech Sigma, vech Omega, nu) */
}

/* ---- evaluation ----------------------------------------------------------- */

int bm_matt_logpdf(const bm_matt *d, const gsl_matrix *X, double *lp)
{
  if (lp == NULL) return BM_FAIL(BM_EINVAL, "lp is NULL");
  *lp = NAN;
  int status = bm_mc_check_eval(scales(d), X);
  if (status) return status;
  size_t n = d->sc.n, p = d->sc.p, s = n <= p ? n : p;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *Z = bm_work_get(&w, stack, BM_STACK_DOUBLES, n * p + s * s + small_factor_work(n, p));
  if (Z == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  double *G = Z + n * p, k = d->nu + (double)(n + p) - 1.0, logdet;
  int ez, e;
  if (whiten_scaled(d, X, Z, &ez) || small_factor(n, p, Z, ez, G, G + s * s, &e, &logdet))
    *lp = -INFINITY; /* even the scaled residual beyond double range (matt.h) */
  else
    *lp = d->log_norm - 0.5 * k * logdet; /* -INFINITY only below -DBL_MAX */
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_matt_grad(const bm_matt *d, const gsl_matrix *X, gsl_matrix *dX, gsl_matrix *dM, gsl_matrix *dS,
                 gsl_matrix *dO, double *dnu)
{
  int status = bm_mc_check_eval(scales(d), X);
  double *buf = NULL, stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  if (dnu) *dnu = NAN;
  if (status) goto done;
  size_t n = d->sc.n, p = d->sc.p;
  if ((status = bm_mc_check_grad_shapes(&d->sc, dX, dM, dS, dO))) goto done;
  buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, n * p + grad_single_work(n, p)); /* stack when small */
  if (buf == NULL) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  double *Z = buf, logdet = 0.0;
  int ez;
  status = whiten_scaled(d, X, Z, &ez);
  if (!status) status = kernel_failed(__func__, grad_single(d, Z, ez, buf + n * p, dX, dM, dS, dO, dnu, &logdet));
done:
  bm_work_release(&w);
  if (status) {
    bm_mc_nan_fill_grad(dX, dM, dS, dO);
    if (dnu) *dnu = NAN;
  }
  return status;
}

typedef struct {
  double *mem;
  gsl_matrix_view Y, QK, T, P, GS, Q, K, GO;
  gsl_vector_view tP, tQ;
} scratch;

#define scratch_get(...) scratch_get_fn(__func__, __VA_ARGS__) /* fn: the public caller */
static int scratch_get_fn(const char *fn, scratch *w, const bm_mc_scales *s, int inverses) /* P, Q with inverses */
{
  size_t n = s->n, p = s->p;
  gsl_matrix_view *const v[] = {&w->Y, &w->QK, &w->T, &w->P, &w->GS, &w->Q, &w->K, &w->GO};
  const size_t dims[][2] = {{n, p}, {p, p}, {n, n}, {n, n}, {n, n}, {p, p}, {p, p}, {p, p}};
  return bm_mc_scratch_carve(fn, &w->mem, 8, v, dims, &w->tP, &w->tQ, s, inverses ? &w->P : NULL, &w->Q);
}

int bm_matt_score(const bm_matt *d, const gsl_matrix *X, gsl_vector *s)
{
  int status = bm_mc_check_eval(scales(d), X);
  scratch w = {0};
  if (!status) status = bm_validate_length(s, bm_matt_nparams(d));
  if (!status) status = scratch_get(&w, &d->sc, 0);
  double dnu = NAN;
  if (!status) status = BM_WRAP(bm_matt_grad(d, X, NULL, &w.Y.matrix, &w.GS.matrix, &w.GO.matrix, &dnu));
  if (!status) {
    bm_mc_score_pack(&w.Y.matrix, &w.GS.matrix, &w.GO.matrix, s);
    gsl_vector_set(s, s->size - 1, dnu);
  }
  free(w.mem);
  if (status) bm_nan_vector(s);
  return status;
}

/* The checks of hess (H k x k) and hess_x (k = n p), scratch with P and Q,
 * then the matrices every second derivative is built from:
 *   P = Sigma^-1, Q = Omega^-1, T = (Sigma + R Q R^T)^-1, K = Q R^T T R Q,
 *   Y = T R Q, QK = Q - K;  recovered from the gradient:
 *   T = (q_n P - 2 G_Sigma)/k, K = (2 G_Omega + n Q)/k, Y = dM/k. */
static int second_order_pieces(const char *fn, const bm_matt *d, const gsl_matrix *X, const gsl_matrix *H,
                               size_t dim, scratch *w, double *dnu)
{
  int status = bm_mc_check_hess(fn, scales(d), X, H, dim);
  if (!status) status = scratch_get_fn(fn, w, &d->sc, 1);
  if (!status) status = bm_error_wrap(bm_matt_grad(d, X, NULL, &w->Y.matrix, &w->GS.matrix, &w->GO.matrix, dnu), fn);
  if (status) return status;
  size_t n = d->sc.n, p = d->sc.p;
  double k = d->nu + (double)(n + p - 1), qn = d->nu + (double)(n - 1); /* nu + (n - 1): (nu + n) - 1 loses a small nu */
  gsl_matrix_scale(&w->Y.matrix, 1.0 / k);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      gsl_matrix_set(&w->T.matrix, i, j,
                     (qn * gsl_matrix_get(&w->P.matrix, i, j) - 2.0 * gsl_matrix_get(&w->GS.matrix, i, j)) / k);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double K = (2.0 * gsl_matrix_get(&w->GO.matrix, i, j) + (double)n * gsl_matrix_get(&w->Q.matrix, i, j)) / k;
      gsl_matrix_set(&w->K.matrix, i, j, K);
      gsl_matrix_set(&w->QK.matrix, i, j, gsl_matrix_get(&w->Q.matrix, i, j) - K);
    }
  return BM_SUCCESS;
}

/* H_XX(i + j n, a + b n) = k [Y_aj Y_ib - T_ia (Q - K)_bj]. */
static void hess_vec_block(double k, const scratch *w, gsl_matrix *H)
{
  const gsl_matrix *Y = &w->Y.matrix, *T = &w->T.matrix, *QK = &w->QK.matrix;
  size_t n = Y->size1, p = Y->size2;
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < n; i++)
      for (size_t b = 0; b < p; b++)
        for (size_t a = 0; a < n; a++)
          H->data[(j * n + i) * H->tda + b * n + a] =
              k * (gsl_matrix_get(Y, a, j) * gsl_matrix_get(Y, i, b) -
                   gsl_matrix_get(T, i, a) * gsl_matrix_get(QK, b, j));
}

int bm_matt_hess(const bm_matt *d, const gsl_matrix *X, gsl_matrix *H)
{
  scratch w = {0};
  size_t dim = bm_matt_nparams(d);
  double dnu;
  int status = second_order_pieces(__func__, d, X, H, dim, &w, &dnu);
  if (status) return bm_mc_scratch_end(w.mem, status, H);
  size_t n = d->sc.n, p = d->sc.p, np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p), iS = np, iO = np + qn,
         inu = np + qn + qp;
  double k = d->nu + (double)(n + p - 1), q_n = d->nu + (double)(n - 1);
  gsl_matrix *P = &w.P.matrix, *Q = &w.Q.matrix, *T = &w.T.matrix, *K = &w.K.matrix, *Y = &w.Y.matrix;
  gsl_matrix_set_zero(H);
  bm_mc_blocks B = bm_mc_theta_blocks(H, n, p); /* A = Sigma, B = Omega */
  hess_vec_block(k, &w, &B.MM.matrix);            /* same as w.r.t. X (two sign flips) */
  bm_mc_mixed_vec_vech(-k, T, Y, &B.MA.matrix);         /* -k (T F Y)_ij */
  bm_mc_mixed_vec_vech(-k, Y, &w.QK.matrix, &B.MB.matrix); /* -k (Y H (Q - K))_ij */
  for (size_t j = 0; j < p; j++)                 /* d^2/dM dnu = Y */
    for (size_t i = 0; i < n; i++) gsl_matrix_set(H, j * n + i, inu, gsl_matrix_get(Y, i, j));
  bm_vech_kron(0.5 * k, T, T, 0.0, &B.AA.matrix); /* k/2 T(T,T) - q_n/2 T(P,P) */
  bm_vech_kron(-0.5 * q_n, P, P, 1.0, &B.AA.matrix);
  bm_mc_cross_vech(-0.5 * k, Y, &B.AB.matrix);          /* -k/2 tr(F Y H Y^T) */
  bm_vech_kron(0.5 * k, K, K, 0.0, &B.BB.matrix); /* k/2 T(K,K) - k/2 (T(K,Q) + T(Q,K)) + n/2 T(Q,Q) */
  bm_vech_kron(-0.5 * k, K, Q, 1.0, &B.BB.matrix);
  bm_vech_kron(-0.5 * k, Q, K, 1.0, &B.BB.matrix);
  bm_vech_kron(0.5 * (double)n, Q, Q, 1.0, &B.BB.matrix);
  /* d^2/dSigma dnu = t((P - T)/2);  d^2/dOmega dnu = t(K/2) */
  gsl_matrix_memcpy(&w.GS.matrix, P);
  gsl_matrix_sub(&w.GS.matrix, T);
  gsl_matrix_scale(&w.GS.matrix, 0.5);
  bm_vech_from_sym_grad(&w.GS.matrix, &w.tP.vector);
  gsl_matrix_memcpy(&w.GO.matrix, K);
  gsl_matrix_scale(&w.GO.matrix, 0.5);
  bm_vech_from_sym_grad(&w.GO.matrix, &w.tQ.vector);
  for (size_t a = 0; a < qn; a++) gsl_matrix_set(H, iS + a, inu, gsl_vector_get(&w.tP.vector, a));
  for (size_t a = 0; a < qp; a++) gsl_matrix_set(H, iO + a, inu, gsl_vector_get(&w.tQ.vector, a));
  gsl_matrix_set(H, inu, inu, -info_nunu(n, p, d->nu));
  /* lower off-diagonal blocks from the upper ones; diagonal blocks symmetrized */
  size_t start[4] = {0, iS, iO, inu}, len[4] = {np, qn, qp, 1};
  for (size_t bi = 0; bi < 4; bi++)
    for (size_t bj = bi + 1; bj < 4; bj++)
      for (size_t i = 0; i < len[bi]; i++)
        for (size_t j = 0; j < len[bj]; j++)
          gsl_matrix_set(H, start[bj] + j, start[bi] + i, gsl_matrix_get(H, start[bi] + i, start[bj] + j));
  bm_mc_symmetrize(H->data, dim, H->tda);
  if (!bm_mc_finite(H)) status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  return bm_mc_scratch_end(w.mem, status, H);
}

int bm_matt_hess_x(const bm_matt *d, const gsl_matrix *X, gsl_matrix *H)
{
  scratch w = {0};
  double dnu;
  int status = second_order_pieces(__func__, d, X, H, d ? d->sc.n * d->sc.p : 0, &w, &dnu);
  if (!status) {
    hess_vec_block(d->nu + (double)(d->sc.n + d->sc.p) - 1.0, &w, H);
    bm_mc_symmetrize(H->data, d->sc.n * d->sc.p, H->tda);
  }
  return bm_mc_scratch_end(w.mem, status, H);
}

int bm_matt_fisher(const bm_matt *d, gsl_matrix *F)
{
  scratch w = {0};
  int status = bm_mc_check_square_out(__func__, scales(d), "F", F, bm_matt_nparams(d));
  if (!status) status = scratch_get(&w, &d->sc, 1);
  if (status) return bm_mc_scratch_end(w.mem, status, F);
  size_t n = d->sc.n, p = d->sc.p, np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p), iS = np, iO = np + qn,
         inu = np + qn + qp;
  /* k - 1 = nu + (n + p - 2) and q_n, q_p formed from nu (at n = p = 1, k = nu + 1 rounds
   * to 1 for a small nu and k - 1 was 0: Delta = 0, infinite entries), and the
   * coefficients as ratios (k q_n q_p overflowed at nu = 1e300) */
  double k = d->nu + (double)(n + p - 1), km1 = d->nu + (double)(n + p - 2), q_n = d->nu + (double)(n - 1),
         q_p = d->nu + (double)(p - 1), k2 = 2.0 * (k + 2.0);
  gsl_matrix *P = &w.P.matrix, *Q = &w.Q.matrix;
  gsl_vector *tP = &w.tP.vector, *tQ = &w.tQ.vector;
  bm_vech_from_sym_grad(P, tP); /* t(P) = D^T vec P */
  bm_vech_from_sym_grad(Q, tQ);
  gsl_matrix_set_zero(F);
  bm_mc_blocks B = bm_mc_theta_blocks(F, n, p);
  bm_mc_kron_vec(k / (k + 2.0) * q_n * (q_p / km1), P, Q, &B.MM.matrix);
  double cS = (double)p * (q_n / km1) / k2, cO = (double)n * (q_p / km1) / k2, cSO = q_n * (q_p / km1) / k2;
  bm_vech_kron(cS * k, P, P, 0.0, &B.AA.matrix);
  bm_vech_kron(cO * k, Q, Q, 0.0, &B.BB.matrix);
  for (size_t a = 0; a < qn; a++)
    for (size_t b = 0; b < qn; b++)
      F->data[(iS + a) * F->tda + iS + b] -= cS * gsl_vector_get(tP, a) * gsl_vector_get(tP, b);
  for (size_t a = 0; a < qp; a++)
    for (size_t b = 0; b < qp; b++)
      F->data[(iO + a) * F->tda + iO + b] -= cO * gsl_vector_get(tQ, a) * gsl_vector_get(tQ, b);
  /* a 1 x 1 side: k T - t t^T = (k - 1) P^2 there, and k - 1 cancels with Delta's
   * (the difference lost everything for a small nu: 0 for p q_n P^2/(2(k+2))) */
  if (n == 1) F->data[iS * F->tda + iS] = (double)p * q_n / k2 * gsl_matrix_get(P, 0, 0) * gsl_matrix_get(P, 0, 0);
  if (p == 1) F->data[iO * F->tda + iO] = (double)n * q_p / k2 * gsl_matrix_get(Q, 0, 0) * gsl_matrix_get(Q, 0, 0);
  for (size_t a = 0; a < qn; a++)
    for (size_t b = 0; b < qp; b++) {
      double v = cSO * gsl_vector_get(tP, a) * gsl_vector_get(tQ, b);
      gsl_matrix_set(F, iS + a, iO + b, v);
      gsl_matrix_set(F, iO + b, iS + a, v);
    }
  for (size_t a = 0; a < qn; a++) {
    double v = -(double)p / (2.0 * k) * gsl_vector_get(tP, a);
    gsl_matrix_set(F, iS + a, inu, v);
    gsl_matrix_set(F, inu, iS + a, v);
  }
  for (size_t a = 0; a < qp; a++) {
    double v = -(double)n / (2.0 * k) * gsl_vector_get(tQ, a);
    gsl_matrix_set(F, iO + a, inu, v);
    gsl_matrix_set(F, inu, iO + a, v);
  }
  gsl_matrix_set(F, inu, inu, info_nunu(n, p, d->nu));
  /* I_nunu ~ 1/nu^2 beyond range below nu ~ 1e-154; scales near DBL_MIN */
  if (!bm_mc_finite(F)) status = BM_FAIL(BM_EDOM, "an entry of the Fisher matrix is beyond double range");
  return bm_mc_scratch_end(w.mem, status, F);
}

int bm_matt_sample(const bm_matt *d, gsl_rng *r, gsl_matrix *X)
{
  int status = bm_mc_check_sample(scales(d), r, X);
  if (status) return status;
  size_t n = d->sc.n, p = d->sc.p;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *A = bm_work_get(&w, stack, BM_STACK_DOUBLES, n * n);
  if (A == NULL) {
    bm_nan_matrix(X);
    return BM_FAIL(BM_ENOMEM, "out of memory");
  }
  gsl_matrix_view Av = gsl_matrix_view_array(A, n, n);
  bm_rng_bartlett(r, d->nu + (double)n - 1.0, &Av.matrix); /* nu + n - 1 > n - 1 */
  bm_rng_std_normal_matrix(r, X);
  /* X <- L_S A^-T Z L_O^T + M */
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)p, 1.0, A, (int)n,
              X->data, (int)X->tda);
  bm_mc_sample_finish(&d->sc, X);
  bm_work_release(&w);
  if (!bm_mc_finite(X)) { /* small nu: the draw can exceed DBL_MAX */
    bm_nan_matrix(X);
    return BM_FAIL(BM_EDOM, "the draw is beyond double range (nu = %g is small)", d->nu);
  }
  return BM_SUCCESS;
}

int bm_matt_mean(const bm_matt *d, gsl_matrix *mean)
{
  return bm_mc_mean(scales(d), d && d->nu > 1.0, mean); /* E X = M for nu > 1 */
}

/* Copy observation i of a whitened batch into a contiguous n x p buffer. */
static void batch_get(const double *Z, size_t n, size_t p, size_t m, size_t i, double *Zi)
{
  for (size_t r = 0; r < n; r++) memcpy(Zi + r * p, Z + r * m * p + i * p, p * sizeof(double));
}

int bm_matt_loglik(const bm_matt *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each)
{
  double *Z = NULL, *buf = NULL;
  int status = BM_SUCCESS;
  if (ll == NULL) {
    status = BM_FAIL(BM_EINVAL, "ll is NULL");
    goto done;
  }
  *ll = NAN;
  if (each && (status = bm_validate_length(each, m))) goto done;
  status = bm_mc_batch_whiten(scales(d), X, m, &Z);
  if (status) goto done;
  size_t n = d->sc.n, p = d->sc.p, s = n <= p ? n : p;
  buf = malloc(sizeof(double) * (n * p + s * s + small_factor_work(n, p)));
  if (buf == NULL) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  double k = d->nu + (double)(n + p) - 1.0, total = 0.0, *G = buf + n * p, logdet;
  for (size_t i = 0; i < m; i++) {
    int ez = 0, e;
    batch_get(Z, n, p, m, i, buf);
    int far = !buf_finite(buf, n * p) && whiten_scaled(d, X[i], buf, &ez); /* overflowed: once more, scaled */
    double li = far || small_factor(n, p, buf, ez, G, G + s * s, &e, &logdet) ? -INFINITY
                                                                            : d->log_norm - 0.5 * k * logdet;
    if (each) gsl_vector_set(each, i, li);
    total += li;
  }
  *ll = total;
done:
  free(Z);
  free(buf);
  if (status) bm_nan_vector(each);
  return status;
}

int bm_matt_loglik_grad(const bm_matt *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_matrix *dM,
                        gsl_matrix *dS, gsl_matrix *dO, double *dnu)
{
  double *Z = NULL, *buf = NULL;
  int status = ll == NULL ? BM_FAIL(BM_EINVAL, "ll is NULL") : BM_SUCCESS;
  if (dnu) *dnu = NAN;
  if (status) goto done;
  *ll = NAN;
  status = (d == NULL || !d->sc.is_set) ? BM_FAIL(BM_EINVAL, "d is NULL or has not been set") : BM_SUCCESS;
  if (status) goto done;
  size_t n = d->sc.n, p = d->sc.p;
  if ((status = bm_mc_check_grad_shapes(&d->sc, NULL, dM, dS, dO))) goto done;
  status = bm_mc_batch_whiten(scales(d), X, m, &Z);
  if (status) goto done;
  double k = d->nu + (double)(n + p) - 1.0, logdet = 0.0;
  if (m == 1) { /* one observation (Z is then n x p contiguous): the single-point path */
    int ez = 0;
    buf = malloc(sizeof(double) * grad_single_work(n, p));
    status = buf ? BM_SUCCESS : BM_FAIL(BM_ENOMEM, "out of memory");
    if (!status && !buf_finite(Z, n * p)) status = whiten_scaled(d, X[0], Z, &ez);
    if (!status) status = kernel_failed(__func__, grad_single(d, Z, ez, buf, NULL, dM, dS, dO, dnu, &logdet));
    if (!status) *ll = d->log_norm - 0.5 * k * logdet;
    goto done;
  }
  buf = calloc(2 * n * p + n * n + p * p + accumulate_work(n, p), sizeof(double));
  if (buf == NULL) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  double *Zi = buf, *Y0 = Zi + n * p, *Bn = Y0 + n * p, *Bp = Bn + n * n, *work = Bp + p * p;
  for (size_t i = 0; i < m; i++) {
    int ez = 0;
    batch_get(Z, n, p, m, i, Zi);
    if (!buf_finite(Zi, n * p) && (status = whiten_scaled(d, X[i], Zi, &ez))) goto done;
    if ((status = kernel_failed(__func__, accumulate(n, p, Zi, ez, work, dM ? Y0 : NULL, dS ? Bn : NULL, dO ? Bp : NULL, &logdet)))) goto done;
  }
  *ll = (double)m * d->log_norm - 0.5 * k * logdet;
  finish_grad(d, m, Y0, Bn, Bp, logdet, NULL, dM, dS, dO, dnu);
  if (!bm_mc_finite(dM) || !bm_mc_finite(dS) || !bm_mc_finite(dO))
    status = BM_FAIL(BM_EDOM, "an entry of the gradient is beyond double range");
done:
  free(Z);
  free(buf);
  if (status) {
    if (ll) *ll = NAN;
    bm_mc_nan_fill_grad(NULL, dM, dS, dO);
    if (dnu) *dnu = NAN;
  }
  return status;
}

void bm_matt_dims(const bm_matt *d, size_t *n, size_t *p)
{
  bm_mc_dims(scales(d), n, p);
}

/* ---- the uniform surface and the family descriptor (bayesmat/family.h) ---- */
#include "family_internal.h"

void bm_matt_shape(const bm_matt *d, size_t *rows, size_t *cols) { bm_mc_dims(scales(d), rows, cols); }

int bm_matt_get_theta(const bm_matt *d, gsl_vector *theta)
{
  int status = bm_mc_get_theta(__func__, scales(d), bm_matt_nparams(d), theta);
  if (!status) gsl_vector_set(theta, theta->size - 1, d->nu);
  return status;
}

int bm_matt_logpdf_grad(const bm_matt *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X, gsl_matrix *d_M,
                        gsl_matrix *d_Sigma, gsl_matrix *d_Omega, double *d_nu)
{
  BM_FAMILY_LOGPDF_GRAD(matt, X, lp, d_X, d_M, d_Sigma, d_Omega, d_nu);
}

static void *matt_op_alloc(size_t rows, size_t cols) { return bm_matt_alloc(rows, cols); }
BM_FAMILY_MATRIX_OPS(matt)

static const bm_theta_block matt_blocks[] = {BM_THETA_VEC("M", BM_DIM_ROWS, BM_DIM_COLS),
                                             BM_THETA_VECH("Sigma", BM_DIM_ROWS), BM_THETA_VECH("Omega", BM_DIM_COLS),
                                             BM_THETA_SCALAR("nu")};
const bm_family_type bm_family_matt = {.name = "matt", .description = "matrix t T_{n,p}(nu, M, Sigma, Omega)",
                                       .variate = BM_VARIATE_MATRIX, .blocks = matt_blocks, .nblocks = 4,
                                       BM_FAMILY_OPS_INIT(matt)};
