/* bayesmat — internals shared by mvn.c and mvt.c (see vector_common.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <float.h>
#include <stddef.h>
#include <string.h>
#include <stdatomic.h>
#include <gsl/gsl_cblas.h>
#include <lapacke.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "work.h"
#include "omp_policy.h"
#include "small_linalg.h"
#include "vector_common.h"
#include "small_p.h"
#include "mid_p.h"
#define BM_FN fn /* the checks below report as the public caller */
#include "../src/error.h"

int bm_vc_check_batch_fn(const char *fn, int obj_status, size_t p, const gsl_matrix *X)
{
  if (obj_status) return obj_status;
  if (!X) return BM_FAIL(BM_EINVAL, "X is NULL");
  if (X->size1 == 0 || X->size2 != p)
    return BM_FAIL(BM_EBADLEN, "X is %zu x %zu, expected n x %zu with n > 0", X->size1, X->size2, p);
  return BM_SUCCESS;
}

int bm_vc_check_grad_fn(const char *fn, int obj_status, size_t p, const gsl_vector *x, gsl_vector *dx,
                        gsl_vector *dmu, gsl_matrix *dSigma)
{
  int status = obj_status;
  if (!status) status = bm_validate_vector(x, p);
  if (!status && dx) status = bm_validate_length(dx, p);
  if (!status && dmu) status = bm_validate_length(dmu, p);
  if (!status && dSigma) status = bm_validate_shape(dSigma, p, p);
  if (status) {
    bm_nan_vector(dx);
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
  }
  return status;
}

void bm_vc_copy_sym_lower(const gsl_matrix *A, gsl_matrix *B)
{
  size_t p = A->size1;
  for (size_t i = 0; i < p; i++) memcpy(B->data + i * B->tda, A->data + i * A->tda, (i + 1) * sizeof(double));
  bm_sym_from_lower(B);
}

/* The object is logically read-only (the cache is not observable); the
 * families allocate it non-const, so their casting the const away is defined. */
const gsl_matrix *bm_vc_precision(atomic_int *state, const gsl_matrix *L, gsl_matrix *Lambda)
{
  if (atomic_load_explicit(state, memory_order_acquire) == 2) return Lambda;
  int expected = 0;
  if (atomic_compare_exchange_strong_explicit(state, &expected, 1, memory_order_acq_rel, memory_order_acquire)) {
    bm_chol_inverse(L, Lambda); /* cannot fail: L has a positive diagonal */
    atomic_store_explicit(state, 2, memory_order_release);
    return Lambda;
  }
  while (atomic_load_explicit(state, memory_order_acquire) != 2) {
  }
  return Lambda;
}

void bm_vc_sigma_grad(double w, const double *a, const gsl_matrix *Lambda, gsl_matrix *G)
{
  size_t p = Lambda->size1;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double g = 0.5 * (w * a[i] * a[j] - gsl_matrix_get(Lambda, i, j));
      gsl_matrix_set(G, i, j, g);
      gsl_matrix_set(G, j, i, g);
    }
}

void bm_vc_hess_sigma_block(double w, const double *a, double *A, const gsl_matrix *Lambda, gsl_matrix *H_SS)
{
  size_t p = Lambda->size1;
  gsl_matrix_view Av = gsl_matrix_view_array(A, p, p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) A[i * p + j] = a[i] * a[j];
  bm_vech_kron(0.5, Lambda, Lambda, 0.0, H_SS);
  bm_vech_kron(-w, &Av.matrix, Lambda, 1.0, H_SS);
}

void bm_vc_symmetrize(double *G, size_t p, size_t tda)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) {
      double g = 0.5 * (G[i * tda + j] + G[j * tda + i]);
      G[i * tda + j] = g;
      G[j * tda + i] = g;
    }
}

static void transpose_in_place(double *G, size_t p, size_t tda)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) {
      double t = G[i * tda + j];
      G[i * tda + j] = G[j * tda + i];
      G[j * tda + i] = t;
    }
}

static void reverse_diagonal(double *G, size_t p, size_t tda)
{
  for (size_t i = 0; i < p / 2; i++) {
    double t = G[i * tda + i];
    G[i * tda + i] = G[(p - 1 - i) * tda + (p - 1 - i)];
    G[(p - 1 - i) * tda + (p - 1 - i)] = t;
  }
}

/* Lower triangle of G <- that of J G J (J the exchange matrix), G symmetric
 * with both triangles stored: entry (i, j) of J G J is G[p-1-i][p-1-j],
 * which lies in the upper triangle (read there while the lower is written;
 * the diagonal is reversed in place). The upper triangle keeps G. */
static void reverse_into_lower(double *G, size_t p, size_t tda)
{
  reverse_diagonal(G, p, tda);
  for (size_t i = 1; i < p; i++) {
    const double *u = G + (p - 1 - i) * tda + (p - 1); /* G[p-1-i][p-1-j] at u[-j] */
    double *g = G + i * tda;
    for (size_t j = 0; j < i; j++) g[j] = u[-(ptrdiff_t)j];
  }
}

/* G (both triangles) <- J W J, W symmetric in G's lower triangle: the upper
 * triangle from the reversed lower one, the diagonal reversed in place, then
 * the lower triangle copied from the upper */
static void reverse_from_lower(double *G, size_t p, size_t tda)
{
  for (size_t i = 0; i + 1 < p; i++) {
    const double *w = G + (p - 1 - i) * tda + (p - 1); /* W[p-1-i][p-1-j] at w[-j], j > i */
    double *g = G + i * tda;
    for (size_t j = i + 1; j < p; j++) g[j] = w[-(ptrdiff_t)j];
  }
  reverse_diagonal(G, p, tda);
  for (size_t i = 1; i < p; i++)
    for (size_t j = 0; j < i; j++) G[i * tda + j] = G[j * tda + i];
}

size_t bm_vc_sandwich_work(size_t p)
{
  return p * p + (p > BM_SL_MAX && p <= BM_KN_SCATTER_MAX ? bm_kn_sygst_work(p) : 0);
}

/* the factor M = J L^T J (J the exchange matrix; lower triangular) into F */
static void reversed_factor(const gsl_matrix *L, double *F)
{
  size_t p = L->size1;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) F[i * p + j] = L->data[(p - 1 - j) * L->tda + (p - 1 - i)];
}

/* G (lower) <- L^{-1} G L^{-T} through the symmetric kernel (own) or
 * dsygst; for trans, L^{-T} G L^{-1} = J M^{-1} (J G J) M^{-T} J with J the
 * exchange matrix and M = J L^T J lower triangular (work: M). Returns 0,
 * 1 when the kernel declined (G as it was), or dsygst's info. */
static int sygst(const gsl_matrix *L, double *G, size_t tda, int trans, double *work, int own)
{
  size_t p = L->size1;
  const double *F = L->data;
  size_t ldf = L->tda;
  if (trans) {
    reversed_factor(L, work);
    F = work;
    ldf = p;
    reverse_into_lower(G, p, tda);
  }
  int info = own ? bm_kn_sygst(p, F, ldf, G, tda, work + p * p)
                 : (int)LAPACKE_dsygst_work(LAPACK_COL_MAJOR, 1, 'U', (lapack_int)p, G, (lapack_int)tda, F,
                                            (lapack_int)ldf);
  if (trans && info == 1 && own) { /* declined: the diagonal back, the lower from the untouched upper */
    reverse_diagonal(G, p, tda);
    for (size_t i = 1; i < p; i++)
      for (size_t j = 0; j < i; j++) G[i * tda + j] = G[j * tda + i];
    return info;
  }
  if (info) return info;
  if (trans)
    reverse_from_lower(G, p, tda);
  else
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < i; j++) G[j * tda + i] = G[i * tda + j];
  return 0;
}

int bm_vc_sandwich(const gsl_matrix *L, double *G, size_t tda, int trans, double *work)
{
  size_t p = L->size1;
  /* the own blocked kernel (as dsygst, single thread); it declines a subnormal pivot */
  if (p > BM_SL_MAX && p <= BM_KN_SCATTER_MAX && bm_kn_sygst_path() >= BM_KN_SG_PORTABLE &&
      !sygst(L, G, tda, trans, work, 1))
    return BM_SUCCESS;
  if (p > BM_KN_MAX) /* LAPACK's dsygst: p^3 flops using the symmetry, half of two dtrsm */
    return sygst(L, G, tda, trans, work, 0) ? BM_ESING : BM_SUCCESS;
  /* two triangular solves on the calling thread (the kernels of src/kernels.h) */
  enum CBLAS_TRANSPOSE t = trans ? CblasTrans : CblasNoTrans;
  bm_sl_trsm_left(t, p, p, L->data, L->tda, G, tda);
  transpose_in_place(G, p, tda);
  bm_sl_trsm_left(t, p, p, L->data, L->tda, G, tda);
  bm_vc_symmetrize(G, p, tda);
  return BM_SUCCESS;
}

/* Z (r1 - r0 rows, leading dim p) <- rows [r0, r1) of (X - 1 mu^T) L^{-T},
 * with the finiteness check of X fused into the centering pass (BM_ENONFINITE
 * before any output is written). */
static int whiten_rows(const gsl_vector *mu_v, const gsl_matrix *L, const gsl_matrix *X, size_t r0, size_t r1,
                       double *Z)
{
  size_t p = L->size1;
  if (p >= BM_MP_MIN && p <= BM_MP_MAX && bm_sp_pivots_ok(L)) /* 0.45x the split solves' time (mid_p.h) */
    return bm_mp_whiten_rows(mu_v, L, X, r0, r1, Z);
  const double *mu = mu_v->data;
  size_t ms = mu_v->stride;
  double acc = 0.0;
  for (size_t i = r0; i < r1; i++) {
    const double *x = X->data + i * X->tda;
    double *z = Z + (i - r0) * p;
    for (size_t j = 0; j < p; j++) {
      acc += x[j] * 0.0;
      z[j] = x[j] - mu[j * ms];
    }
  }
  if (acc != 0.0) return BM_ENONFINITE;
  bm_sl_whiten_rows(r1 - r0, p, L->data, L->tda, Z, p);
  return BM_SUCCESS;
}

/* Lower triangle of out (p x p, ld) <- the sum of the G groups' p x p slots
 * (lower triangles, slot doubles apart), in group order. */
static void add_group_slots(const double *C_all, size_t G, size_t slot, size_t p, double *out, size_t ld)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double c = 0.0;
      for (size_t g = 0; g < G; g++) c += C_all[g * slot + i * p + j];
      out[i * ld + j] = c;
    }
}

int bm_vc_loglik_rows(const gsl_vector *mu, const gsl_matrix *L, const gsl_matrix *X, gsl_vector *each,
                      bm_vc_loglik_block block, const void *ctx, double *total_out)
{
  size_t n = X->size1, p = L->size1, G = bm_batch_groups(n, 0), bs = bm_batch_block(n, G);
  bm_work w;
  double *Z = bm_work_get(&w, NULL, 0, G * bs * p); /* one bs x p block per group */
  if (!Z) return BM_ENOMEM;
  double part[BM_BATCH_GROUPS_MAX];
  int bad[BM_BATCH_GROUPS_MAX];
#ifdef _OPENMP
  int nt = bm_omp_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && G > 1)
#endif
  for (size_t g = 0; g < G; g++) {
    size_t r0, r1;
    bm_batch_range(n, G, g, &r0, &r1);
    double total = 0.0, *Zg = Z + g * bs * p;
    bad[g] = BM_SUCCESS;
    for (size_t b0 = r0; b0 < r1 && !bad[g]; b0 += bs) {
      size_t b1 = b0 + bs < r1 ? b0 + bs : r1;
      bad[g] = whiten_rows(mu, L, X, b0, b1, Zg);
      if (!bad[g]) block(ctx, Zg, b1 - b0, b0, each, &total);
    }
    part[g] = total;
  }
  int status = BM_SUCCESS;
  double total = 0.0;
  for (size_t g = 0; g < G; g++) {
    if (bad[g]) status = bad[g];
    total += part[g];
  }
  bm_work_release(&w);
  if (!status) *total_out = total;
  return status;
}

int bm_vc_loglik_grad_rows(const gsl_matrix *L, const gsl_vector *mu, const gsl_matrix *X, gsl_vector *dmu,
                           gsl_matrix *dSigma, bm_vc_grad_block block, const void *ctx, double acc[2])
{
  size_t n = X->size1, p = L->size1;
  /* per group: p sums of (weighted) z, then (G > 1 and dSigma) a p x p Z^T Z slot */
  size_t G = bm_batch_groups(n, dSigma ? p * p + p : p), bs = bm_batch_block(n, G);
  /* a per-group Z^T Z slot whenever rows arrive in more than one block */
  size_t slot = (G > 1 || bs < n) && dSigma ? p * p : 0;
  size_t sw = bm_vc_sandwich_work(p), zlen = G * bs * p > sw ? G * bs * p : sw; /* Z doubles as the sandwich's scratch */
  bm_work w;
  double *Z = bm_work_get(&w, NULL, 0, zlen + G * (p + slot));
  if (!Z) {
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
    return BM_ENOMEM;
  }
  double *s_all = Z + zlen, *C_all = s_all + G * p;
  double part[BM_BATCH_GROUPS_MAX][2];
  int bad[BM_BATCH_GROUPS_MAX];
#ifdef _OPENMP
  int nt = bm_omp_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && G > 1)
#endif
  for (size_t g = 0; g < G; g++) {
    size_t r0, r1;
    bm_batch_range(n, G, g, &r0, &r1);
    double *s = s_all + g * p, *Zg = Z + g * bs * p, *a = part[g];
    a[0] = a[1] = 0.0;
    for (size_t j = 0; j < p; j++) s[j] = 0.0;
    bad[g] = BM_SUCCESS;
    for (size_t b0 = r0; b0 < r1 && !bad[g]; b0 += bs) {
      size_t b1 = b0 + bs < r1 ? b0 + bs : r1;
      bad[g] = whiten_rows(mu, L, X, b0, b1, Zg);
      if (bad[g]) break;
      block(ctx, Zg, b1 - b0, s, a);
      if (slot) /* this group's Z^T Z / 2 (lower triangle), block by block */
        bm_sl_syrk_t(p, b1 - b0, 0.5, Zg, p, b0 == r0 ? 0.0 : 1.0, C_all + g * slot, p);
    }
  }
  int status = BM_SUCCESS;
  acc[0] = acc[1] = 0.0;
  for (size_t g = 0; g < G; g++) {
    if (bad[g]) status = bad[g];
    acc[0] += part[g][0];
    acc[1] += part[g][1];
  }
  if (status) {
    bm_work_release(&w);
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
    return status;
  }
  double *s = s_all; /* sum of the group sums, in group order */
  for (size_t g = 1; g < G; g++)
    for (size_t j = 0; j < p; j++) s[j] += s_all[g * p + j];
  if (dmu) {
    /* sum_i Lambda r_i (weighted) = L^{-T} sum_i z_i */
    bm_vc_back_solve(L, s);
    for (size_t j = 0; j < p; j++) gsl_vector_set(dmu, j, s[j]);
  }
  if (dSigma) {
    /* L^{-T} (Z^T Z - n I) L^{-1} / 2 */
    double *Gm = dSigma->data;
    int tda = (int)dSigma->tda;
    if (!slot)
      bm_sl_syrk_t(p, n, 0.5, Z, p, 0.0, Gm, (size_t)tda);
    else
      add_group_slots(C_all, G, slot, p, Gm, (size_t)tda);
    for (size_t i = 0; i < p; i++) Gm[i * (size_t)tda + i] -= 0.5 * (double)n;
    bm_sym_from_lower(dSigma);
    bm_vc_sandwich(L, Gm, (size_t)tda, 1, Z);
  }
  bm_work_release(&w);
  return BM_SUCCESS;
}

/* The row kernels record no message (they may run on OpenMP threads, and
 * the message is per thread): their public caller fn says what failed. */
static int rows_failed(const char *fn, int status)
{
  if (status == BM_ENONFINITE) return BM_FAIL(status, "X has a NaN or Inf entry");
  if (status == BM_ENOMEM) return BM_FAIL(status, "out of memory");
  return status;
}

/* S (lower, tds) <- sum_i r_i r_i^T and sum (p) <- sum_i r_i, r_i = x_i - mu,
 * in the row groups of src/omp_policy.h (per-group slots added in group
 * order), blocks of BM_BATCH_BLOCK centred rows (a private buffer: memory
 * O(p^2 + block)). */
static int scatter_rows(const gsl_vector *mu_v, const gsl_matrix *X, double *S, size_t tds, double *sum)
{
  size_t n = X->size1, p = X->size2, G = bm_batch_groups(n, p * p + p), bs = n < BM_BATCH_BLOCK ? n : BM_BATCH_BLOCK;
  size_t slot = G > 1 ? p * p : 0;
  /* the rank-k kernel centres the rows while it packs them: no centred copy */
  int fused = bm_kn_syrk_t_centred_ok(p);
  bm_work w;
  double *D = bm_work_get(&w, NULL, 0, G * ((fused ? 0 : bs * p) + p + slot));
  if (!D) return BM_ENOMEM;
  double *s_all = D + (fused ? 0 : G * bs * p), *C_all = s_all + G * p;
  const double *mu = mu_v->data;
  size_t ms = mu_v->stride;
  int bad[BM_BATCH_GROUPS_MAX];
#ifdef _OPENMP
  int nt = bm_omp_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && G > 1)
#endif
  for (size_t g = 0; g < G; g++) {
    size_t r0, r1;
    bm_batch_range(n, G, g, &r0, &r1);
    double *sg = s_all + g * p, *Cg = slot ? C_all + g * slot : S;
    size_t ldc = slot ? p : tds;
    for (size_t j = 0; j < p; j++) sg[j] = 0.0;
    bad[g] = BM_SUCCESS;
    if (fused) {
      if (bm_kn_syrk_t_centred(p, r1 - r0, X->data + r0 * X->tda, X->tda, mu, ms, 0.0, Cg, ldc, sg))
        bad[g] = BM_ENONFINITE;
      continue;
    }
    double *Dg = D + g * bs * p;
    for (size_t b0 = r0; b0 < r1; b0 += bs) {
      size_t b1 = b0 + bs < r1 ? b0 + bs : r1;
      double acc = 0.0;
      for (size_t i = b0; i < b1; i++) {
        const double *x = X->data + i * X->tda;
        double *r = Dg + (i - b0) * p;
        for (size_t j = 0; j < p; j++) {
          acc += x[j] * 0.0; /* NaN unless every entry is finite */
          r[j] = x[j] - mu[j * ms];
          sg[j] += r[j];
        }
      }
      if (acc != 0.0) {
        bad[g] = BM_ENONFINITE;
        break;
      }
      bm_sl_syrk_t(p, b1 - b0, 1.0, Dg, p, b0 == r0 ? 0.0 : 1.0, Cg, ldc);
    }
  }
  int status = BM_SUCCESS;
  for (size_t g = 0; g < G; g++)
    if (bad[g]) status = bad[g];
  if (!status) {
    for (size_t j = 0; j < p; j++) {
      double t = 0.0;
      for (size_t g = 0; g < G; g++) t += s_all[g * p + j];
      sum[j] = t;
    }
    if (slot) add_group_slots(C_all, G, slot, p, S, tds);
  }
  bm_work_release(&w);
  return status;
}

int bm_vc_scatter_grad_fn(const char *fn, int obj_status, const gsl_matrix *L, const gsl_vector *mu,
                          const gsl_matrix *X, gsl_vector *dmu, gsl_matrix *dSigma, double *sumsq)
{
  size_t p = obj_status ? 0 : L->size1;
  int status = bm_vc_check_batch(obj_status, p, X);
  if (!status && dmu) status = bm_validate_length(dmu, p);
  if (!status) status = bm_validate_shape(dSigma, p, p);
  if (status) {
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
    return status;
  }
  size_t n = X->size1, tda = dSigma->tda;
  double *G = dSigma->data;
  bm_work w;
  double *s = bm_work_get(&w, NULL, 0, p + bm_vc_sandwich_work(p)), *scratch = s + p;
  status = s ? scatter_rows(mu, X, G, tda, s) : BM_ENOMEM;
  if (status) {
    bm_work_release(&w);
    rows_failed(fn, status);
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
    return status;
  }
  /* S's diagonal among the subnormals (or just above): S has lost relative
   * precision that the whitened rows keep */
  for (size_t i = 0; i < p; i++)
    if (G[i * tda + i] > 0.0 && G[i * tda + i] < DBL_MIN / DBL_EPSILON) {
      bm_work_release(&w);
      return BM_VC_RETRY;
    }
  /* W = L^{-1} S L^{-T}: tr W = sum_i |z_i|^2; dSigma = L^{-T} (W - n I) L^{-1} / 2 */
  bm_sym_from_lower(dSigma);
  int bad = bm_vc_sandwich(L, G, tda, 0, scratch);
  double tr = 0.0;
  for (size_t i = 0; i < p; i++) {
    tr += G[i * tda + i];
    G[i * tda + i] -= (double)n;
  }
  if (!bad) bad = bm_vc_sandwich(L, G, tda, 1, scratch);
  double fin = tr * 0.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      G[i * tda + j] *= 0.5;
      fin += G[i * tda + j] * 0.0;
    }
  if (dmu) {
    bm_vc_forward_solve(L, s);
    bm_vc_back_solve(L, s);
    for (size_t j = 0; j < p; j++) {
      fin += s[j] * 0.0;
      gsl_vector_set(dmu, j, s[j]);
    }
  }
  bm_work_release(&w);
  *sumsq = tr;
  /* a range limit (S or the sandwich beyond double's range): the caller
   * redoes the call through the whitened rows, which scale first */
  return bad || fin != 0.0 ? BM_VC_RETRY : BM_SUCCESS;
}

int bm_vc_loglik_fn(const char *fn, int obj_status, const gsl_vector *mu, const gsl_matrix *L, const gsl_matrix *X,
                    gsl_vector *each, bm_vc_loglik_block block, const void *ctx, double *total)
{
  int status = bm_vc_check_batch(obj_status, obj_status ? 0 : L->size1, X);
  if (!status && each) status = bm_validate_length(each, X->size1);
  if (!status) status = rows_failed(fn, bm_vc_loglik_rows(mu, L, X, each, block, ctx, total));
  if (status) bm_nan_vector(each);
  return status;
}

int bm_vc_loglik_grad_fn(const char *fn, int obj_status, const gsl_matrix *L, const gsl_vector *mu,
                         const gsl_matrix *X, gsl_vector *dmu, gsl_matrix *dSigma, bm_vc_grad_block block,
                         const void *ctx, double acc[2])
{
  size_t p = obj_status ? 0 : L->size1;
  int status = bm_vc_check_batch(obj_status, p, X);
  if (!status && dmu) status = bm_validate_length(dmu, p);
  if (!status && dSigma) status = bm_validate_shape(dSigma, p, p);
  if (status) {
    bm_nan_vector(dmu);
    bm_nan_matrix(dSigma);
    return status;
  }
  return rows_failed(fn, bm_vc_loglik_grad_rows(L, mu, X, dmu, dSigma, block, ctx, acc));
}
