/* Small-dimension paths of the vector families (distributions/small_p.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* the kernels' loops over observations are written to be vectorized; GCC
 * vectorizes them fully only at -O3 (its -O2 cost model keeps them scalar) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3")
#endif
#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "omp_policy.h"
#include "small_p.h"
#include "mid_p.h"
#define BM_FN fn /* the checks of bm_sp_loglik_fn report as its public caller */
#include "../src/error.h"

#if defined(__GNUC__)
#define BM_SP_INLINE static inline __attribute__((always_inline))
#else
#define BM_SP_INLINE static inline
#endif
#if !defined(__GNUC__)
/* One block of rows <= BM_SP_ROWS into the column-major T (p x R,
 * T[j R + k] = x_kj - mu_j), forward-substituted with the loop over the
 * observations k innermost. Returns BM_ENONFINITE (before any solve) when
 * a row holds a non-finite value. Lanes beyond rows are zero. Used by the
 * delta_block of compilers without vector extensions. */
BM_SP_INLINE int solve_block_p(size_t p, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                               size_t r0, size_t rows, double *T)
{
  size_t tda = L->tda, xt = X->tda;
  const double *l = L->data;
  /* x * 0 is 0 for finite x, NaN otherwise: eight independent sums (no
   * long chain of dependent additions) */
  double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  for (size_t k = 0; k < rows; k++) {
    const double *x = X->data + (r0 + k) * xt;
    for (size_t j = 0; j < p; j++) {
      acc[j & 7] += x[j] * 0.0;
      T[j * BM_SP_ROWS + k] = x[j] - mu[j];
    }
  }
  if ((acc[0] + acc[1] + acc[2] + acc[3]) + (acc[4] + acc[5] + acc[6] + acc[7]) != 0.0) return BM_ENONFINITE;
  for (size_t j = 0; j < p; j++) /* full-width loops below: no stale lanes */
    for (size_t k = rows; k < BM_SP_ROWS; k++) T[j * BM_SP_ROWS + k] = 0.0;
  for (size_t i = 0; i < p; i++) {
    double *restrict ti = T + i * BM_SP_ROWS;
    const double *row = l + i * tda;
    for (size_t j = 0; j < i; j++) {
      const double *restrict tj = T + j * BM_SP_ROWS;
      double lij = row[j];
      for (size_t k = 0; k < BM_SP_ROWS; k++) ti[k] -= lij * tj[k];
    }
    double s = inv[i];
    for (size_t k = 0; k < BM_SP_ROWS; k++) ti[k] *= s;
  }
  return BM_SUCCESS;
}

static int solve_block(const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                       size_t rows, double *T)
{
  switch (L->size1) {
#define BM_SP_CASE(P) \
  case P: return solve_block_p(P, mu, inv, L, X, r0, rows, T);
    BM_SP_CASE(1) BM_SP_CASE(2) BM_SP_CASE(3) BM_SP_CASE(4) BM_SP_CASE(5) BM_SP_CASE(6) BM_SP_CASE(7) BM_SP_CASE(8)
#undef BM_SP_CASE
  default: return solve_block_p(L->size1, mu, inv, L, X, r0, rows, T);
  }
}
#endif

static atomic_int sp_forced;

void bm_sp_force_path(int path) { atomic_store_explicit(&sp_forced, path, memory_order_relaxed); }

int bm_sp_path(void)
{
  int best = BM_SP_PATH_GENERIC;
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    best = BM_SP_PATH_AVX2;
    if (__builtin_cpu_supports("avx512f")) best = BM_SP_PATH_AVX512;
  }
#endif
  int forced = atomic_load_explicit(&sp_forced, memory_order_relaxed);
  return forced > 0 && forced < best ? forced : best;
}

/* the sum of delta[0 .. rows-1]: four partial sums, no chain of dependent additions */
static double sum_block(const double *delta, size_t rows)
{
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  size_t k = 0;
  for (; k + 4 <= rows; k += 4)
    for (size_t v = 0; v < 4; v++) s[v] += delta[k + v];
  for (; k < rows; k++) s[0] += delta[k];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

/* delta[k] <- |L^{-1}(x_k - mu)|^2 for the rows r0 .. r0+rows-1 of X, two
 * rows at a time in the two lanes of a vector register, the whole
 * substitution held in registers (no store of the whitened rows). NaN
 * (from an overflowed solve of finite inputs) becomes +inf. Returns
 * BM_ENONFINITE when a row holds a non-finite value. */
#if defined(__GNUC__)
typedef double bm_v2d __attribute__((vector_size(16)));
BM_SP_INLINE int delta_block_p(size_t p, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                               size_t r0, size_t rows, double *delta)
{
  size_t tda = L->tda, xt = X->tda;
  const double *l = L->data;
  /* L's lower triangle, mu and the reciprocals broadcast once per block */
  bm_v2d lb[BM_SP_MAX * (BM_SP_MAX - 1) / 2], mub[BM_SP_MAX], invb[BM_SP_MAX];
  for (size_t i = 0, c = 0; i < p; i++) {
    mub[i] = (bm_v2d){mu[i], mu[i]};
    invb[i] = (bm_v2d){inv[i], inv[i]};
    for (size_t j = 0; j < i; j++, c++) lb[c] = (bm_v2d){l[i * tda + j], l[i * tda + j]};
  }
  /* x * 0 (NaN for a non-finite x) is added into the row's own chain, so
   * a non-finite row ends as delta = NaN with no loop-carried check; rows
   * whose delta is NaN are looked at again below */
  size_t k = 0;
  for (; k + 2 <= rows; k += 2) {
    const double *xa = X->data + (r0 + k) * xt, *xb = xa + xt;
    bm_v2d z[BM_SP_MAX], d = {0.0, 0.0};
    for (size_t i = 0, c = 0; i < p; i++) {
      bm_v2d xi = {xa[i], xb[i]};
      bm_v2d t = (xi - mub[i]) + xi * 0.0;
      for (size_t j = 0; j < i; j++, c++) t -= lb[c] * z[j];
      t *= invb[i];
      z[i] = t;
      d += t * t;
    }
    delta[k] = d[0];
    delta[k + 1] = d[1];
  }
  for (; k < rows; k++) {
    const double *xa = X->data + (r0 + k) * xt;
    double z[BM_SP_MAX], d = 0.0;
    for (size_t i = 0; i < p; i++) {
      double t = (xa[i] - mu[i]) + xa[i] * 0.0;
      for (size_t j = 0; j < i; j++) t -= l[i * tda + j] * z[j];
      t *= inv[i];
      z[i] = t;
      d += t * t;
    }
    delta[k] = d;
  }
  for (k = 0; k < rows; k++)
    if (isnan(delta[k])) {
      const double *x = X->data + (r0 + k) * xt;
      for (size_t j = 0; j < p; j++)
        if (!isfinite(x[j])) return BM_ENONFINITE;
      delta[k] = INFINITY; /* finite row: an overflowed solve (inf - inf) */
    }
  return BM_SUCCESS;
}

/* A row whose form is not finite (inf or NaN): BM_ENONFINITE when the row
 * holds a non-finite entry, else the form overflowed (inf - inf in the
 * solve, or squares beyond DBL_MAX) and becomes +inf. With finite
 * coefficients a non-finite entry always leaves the form non-finite (an
 * infinite residual reaches its own square), so the rows need no check of
 * their own on the way. */
static int fix_nonfinite(size_t p, const gsl_matrix *X, size_t r0, size_t rows, double *delta)
{
  size_t xt = X->tda;
  for (size_t k = 0; k < rows; k++)
    if (!(delta[k] <= DBL_MAX)) {
      const double *x = X->data + (r0 + k) * xt;
      for (size_t j = 0; j < p; j++)
        if (!isfinite(x[j])) return BM_ENONFINITE;
      delta[k] = INFINITY;
    }
  return BM_SUCCESS;
}

#if defined(__x86_64__)
#include <immintrin.h>
/* Four rows per step in one 256-bit register (AVX2 + FMA): t = (x_i - mu_i)
 * / l_ii - sum_j (l_ij / l_ii) z_j by fused multiply-adds, the rows'
 * non-finite entries found afterwards from their forms (fix_nonfinite). */
__attribute__((target("avx2,fma"), always_inline)) static inline size_t
delta_fma4_p(size_t p, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
             size_t rows, double *delta, int *any, double *sum)
{
  size_t tda = L->tda, xt = X->tda, k = 0;
  const double *l = L->data;
  __m256d lb[BM_SP_MAX * (BM_SP_MAX - 1) / 2], mub[BM_SP_MAX], invb[BM_SP_MAX];
  for (size_t i = 0, c = 0; i < p; i++) {
    mub[i] = _mm256_set1_pd(mu[i]);
    invb[i] = _mm256_set1_pd(inv[i]);
    for (size_t j = 0; j < i; j++, c++) lb[c] = _mm256_set1_pd(l[i * tda + j] * inv[i]);
  }
  __m256d big = _mm256_set1_pd(DBL_MAX), bad = _mm256_setzero_pd(), acc = _mm256_setzero_pd();
  for (; k + 4 <= rows; k += 4) {
    const double *xa = X->data + (r0 + k) * xt, *xb = xa + xt, *xc = xb + xt, *xd = xc + xt;
    __m256d z[BM_SP_MAX], d = _mm256_setzero_pd();
    for (size_t i = 0, c = 0; i < p; i++) {
      __m256d xi = _mm256_set_pd(xd[i], xc[i], xb[i], xa[i]);
      __m256d t = _mm256_mul_pd(_mm256_sub_pd(xi, mub[i]), invb[i]);
      for (size_t j = 0; j < i; j++, c++) t = _mm256_fnmadd_pd(lb[c], z[j], t);
      z[i] = t;
      d = _mm256_fmadd_pd(t, t, d);
    }
    _mm256_storeu_pd(delta + k, d);
    acc = _mm256_add_pd(acc, d);
    bad = _mm256_or_pd(bad, _mm256_cmp_pd(d, big, _CMP_NLE_UQ));
  }
  *any |= _mm256_movemask_pd(bad);
  __m128d h = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
  *sum += _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
  return k;
}

/* The AVX-512 kernels below differ only in how the eight rows' columns are
 * put together; the rest is here. fma8_coef broadcasts the factor's
 * coefficients once per block; fma8_rows substitutes eight rows from their
 * columns xi[0 .. p-1] (t = (x_i - mu_i) / l_ii - sum_j (l_ij / l_ii) z_j by
 * fused multiply-adds), stores the forms at delta, adds them into *acc and
 * marks in *bad the lanes whose form is not finite (fix_nonfinite looks at
 * those rows again). Inlined with p constant, xi and z stay in registers. */
typedef struct {
  __m512d lb[BM_SP_MAX * (BM_SP_MAX - 1) / 2], mub[BM_SP_MAX], invb[BM_SP_MAX];
} fma8_coef_t;

__attribute__((target("avx512f,avx2,fma"), always_inline)) static inline void
fma8_coef(size_t p, const double *mu, const double *inv, const gsl_matrix *L, fma8_coef_t *cf)
{
  size_t tda = L->tda;
  const double *l = L->data;
  for (size_t i = 0, c = 0; i < p; i++) {
    cf->mub[i] = _mm512_set1_pd(mu[i]);
    cf->invb[i] = _mm512_set1_pd(inv[i]);
    for (size_t j = 0; j < i; j++, c++) cf->lb[c] = _mm512_set1_pd(l[i * tda + j] * inv[i]);
  }
}

__attribute__((target("avx512f,avx2,fma"), always_inline)) static inline void
fma8_rows(size_t p, const fma8_coef_t *cf, const __m512d *xi, double *delta, __m512d *acc, __mmask8 *bad)
{
  __m512d z[BM_SP_MAX], d = _mm512_setzero_pd();
  for (size_t i = 0, c = 0; i < p; i++) {
    __m512d t = _mm512_mul_pd(_mm512_sub_pd(xi[i], cf->mub[i]), cf->invb[i]);
    for (size_t j = 0; j < i; j++, c++) t = _mm512_fnmadd_pd(cf->lb[c], z[j], t);
    z[i] = t;
    d = _mm512_fmadd_pd(t, t, d);
  }
  _mm512_storeu_pd(delta, d);
  *acc = _mm512_add_pd(*acc, d);
  *bad |= _mm512_cmp_pd_mask(d, _mm512_set1_pd(DBL_MAX), _CMP_NLE_UQ);
}

/* Eight rows per step in one 512-bit register (AVX-512F), the columns
 * gathered from the eight rows by one instruction each. */
__attribute__((target("avx512f,avx2,fma"), always_inline)) static inline size_t
delta_fma8_p(size_t p, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
             size_t rows, double *delta, int *any, double *sum)
{
  size_t xt = X->tda, k = 0;
  if (xt > (size_t)INT32_MAX / 8) return 0; /* 32-bit gather offsets */
  fma8_coef_t cf;
  fma8_coef(p, mu, inv, L, &cf);
  int s = (int)xt;
  __m256i off = _mm256_setr_epi32(0, s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s);
  __m512d acc = _mm512_setzero_pd();
  __mmask8 bad = 0;
  for (; k + 8 <= rows; k += 8) {
    const double *xa = X->data + (r0 + k) * xt;
    __m512d xi[BM_SP_MAX];
    for (size_t i = 0; i < p; i++) xi[i] = _mm512_i32gather_pd(off, xa + i, 8);
    fma8_rows(p, &cf, xi, delta + k, &acc, &bad);
  }
  *any |= bad;
  *sum += _mm512_reduce_add_pd(acc);
  return k;
}

/* The same for rows stored one after another (X->tda == p <= 8): the eight
 * rows are p full-width loads, and column j (entries j + p k) is put
 * together from them by two-register permutes, one per pair of loaded
 * registers, merged by masks; cheaper than a gather per column. */
__attribute__((target("avx512f,avx2,fma"), always_inline)) static inline size_t
delta_perm8_p(size_t p, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
              size_t rows, double *delta, int *any, double *sum)
{
  size_t k = 0, npair = (p + 1) / 2;
  fma8_coef_t cf;
  fma8_coef(p, mu, inv, L, &cf);
  __m512i idx[8][4];
  __mmask8 msk[8][4];
  for (size_t j = 0; j < p; j++)
    for (size_t a = 0; a < npair; a++) {
      long long ix[8];
      unsigned m = 0;
      for (size_t r = 0; r < 8; r++) {
        size_t e = j + p * r;
        ix[r] = e / 16 == a ? (long long)(e - 16 * a) : 0;
        if (e / 16 == a) m |= 1u << r;
      }
      idx[j][a] = _mm512_loadu_si512(ix);
      msk[j][a] = (__mmask8)m;
    }
  __m512d acc = _mm512_setzero_pd();
  __mmask8 bad = 0;
  for (; k + 8 <= rows; k += 8) {
    const double *xa = X->data + (r0 + k) * p;
    __m512d R[8], xi[8];
    for (size_t r = 0; r < p; r++) R[r] = _mm512_loadu_pd(xa + 8 * r);
    for (size_t i = 0; i < p; i++) {
      xi[i] = _mm512_permutex2var_pd(R[0], idx[i][0], R[p > 1 ? 1 : 0]);
      for (size_t a = 1; a < npair; a++)
        if (msk[i][a])
          xi[i] = _mm512_mask_blend_pd(msk[i][a], xi[i],
                                       _mm512_permutex2var_pd(R[2 * a], idx[i][a], R[2 * a + 1 < p ? 2 * a + 1 : 2 * a]));
    }
    fma8_rows(p, &cf, xi, delta + k, &acc, &bad);
  }
  *any |= bad;
  *sum += _mm512_reduce_add_pd(acc);
  return k;
}

#define BM_SP_SWITCH(CALL)                                                                                            \
  switch (L->size1) {                                                                                                 \
  case 1: CALL(1); break;                                                                                              \
  case 2: CALL(2); break;                                                                                              \
  case 3: CALL(3); break;                                                                                              \
  case 4: CALL(4); break;                                                                                              \
  case 5: CALL(5); break;                                                                                              \
  case 6: CALL(6); break;                                                                                              \
  case 7: CALL(7); break;                                                                                              \
  case 8: CALL(8); break;                                                                                              \
  default: CALL(L->size1); break;                                                                                      \
  }

__attribute__((target("avx2,fma"))) static size_t delta_fma4(const double *mu, const double *inv, const gsl_matrix *L,
                                                             const gsl_matrix *X, size_t r0, size_t rows, double *delta, int *any, double *sum)
{
  size_t k = 0;
#define BM_SP_CALL(P) k = delta_fma4_p(P, mu, inv, L, X, r0, rows, delta, any, sum)
  BM_SP_SWITCH(BM_SP_CALL)
#undef BM_SP_CALL
  return k;
}

__attribute__((target("avx512f,avx2,fma"))) static size_t delta_fma8(const double *mu, const double *inv,
                                                                     const gsl_matrix *L, const gsl_matrix *X,
                                                                     size_t r0, size_t rows, double *delta, int *any, double *sum)
{
  size_t k = 0;
#define BM_SP_CALL(P) k = delta_fma8_p(P, mu, inv, L, X, r0, rows, delta, any, sum)
#define BM_SP_CALL_PERM(P) k = delta_perm8_p(P, mu, inv, L, X, r0, rows, delta, any, sum)
  if (X->tda == L->size1 && L->size1 <= 8) {
    switch (L->size1) {
    case 1: BM_SP_CALL_PERM(1); break;
    case 2: BM_SP_CALL_PERM(2); break;
    case 3: BM_SP_CALL_PERM(3); break;
    case 4: BM_SP_CALL_PERM(4); break;
    case 5: BM_SP_CALL_PERM(5); break;
    case 6: BM_SP_CALL_PERM(6); break;
    case 7: BM_SP_CALL_PERM(7); break;
    default: BM_SP_CALL_PERM(8); break;
    }
    return k;
  }
#undef BM_SP_CALL_PERM
  BM_SP_SWITCH(BM_SP_CALL)
#undef BM_SP_CALL
  return k;
}
#endif


/* ... and *sum <- their sum (formed in the vector registers on the way) */
static int delta_block(const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                       size_t rows, double *delta, double *sum)
{
  size_t k = 0;
  *sum = 0.0;
#if defined(__x86_64__)
  int path = bm_sp_path(), any = 0;
  if (path >= BM_SP_PATH_AVX512) k = delta_fma8(mu, inv, L, X, r0, rows, delta, &any, sum);
  if (path >= BM_SP_PATH_AVX2) k += delta_fma4(mu, inv, L, X, r0 + k, rows - k, delta + k, &any, sum);
  if (any) {
    int status = fix_nonfinite(L->size1, X, r0, k, delta);
    if (status) return status;
    *sum = sum_block(delta, k);
  }
  if (k == rows) return BM_SUCCESS;
#endif
  int status;
  switch (L->size1) { /* the rows left (all of them without the vector paths) */
#define BM_SP_CASE(P) \
  case P: status = delta_block_p(P, mu, inv, L, X, r0 + k, rows - k, delta + k); break;
    BM_SP_CASE(1) BM_SP_CASE(2) BM_SP_CASE(3) BM_SP_CASE(4) BM_SP_CASE(5) BM_SP_CASE(6) BM_SP_CASE(7) BM_SP_CASE(8)
#undef BM_SP_CASE
  default: status = delta_block_p(L->size1, mu, inv, L, X, r0 + k, rows - k, delta + k); break;
  }
  *sum += sum_block(delta + k, rows - k);
  return status;
}
#else
/* without vector extensions: solve_block's column layout, then the sums */
static int delta_block(const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X, size_t r0,
                       size_t rows, double *delta, double *sum)
{
  size_t p = L->size1;
  double T[BM_SP_MAX * BM_SP_ROWS];
  int status = solve_block(mu, inv, L, X, r0, rows, T);
  if (status) return status;
  for (size_t k = 0; k < BM_SP_ROWS; k++) delta[k] = 0.0;
  for (size_t j = 0; j < p; j++) {
    const double *tj = T + j * BM_SP_ROWS;
    for (size_t k = 0; k < BM_SP_ROWS; k++) delta[k] += tj[k] * tj[k];
  }
  double s = 0.0;
  for (size_t k = 0; k < rows; k++) {
    if (isnan(delta[k])) delta[k] = INFINITY;
    s += delta[k];
  }
  *sum = s;
  return BM_SUCCESS;
}
#endif

int bm_sp_pivots_ok(const gsl_matrix *L)
{
  for (size_t j = 0; j < L->size1; j++)
    if (!isfinite(1.0 / L->data[j * L->tda + j])) return 0;
  return 1;
}

/* mu contiguous and the pivots' reciprocals */
static void prepare(const gsl_vector *mu_v, const gsl_matrix *L, double *mu, double *inv)
{
  size_t p = L->size1;
  for (size_t j = 0; j < p; j++) {
    mu[j] = mu_v->data[j * mu_v->stride];
    inv[j] = 1.0 / L->data[j * L->tda + j];
  }
}

int bm_sp_loglik_fn(const char *fn, int obj_status, const gsl_vector *mu_v, const gsl_matrix *L, const gsl_matrix *X,
                    gsl_vector *each, bm_sp_delta_block block, const void *ctx, double *total_out)
{
  int status = bm_vc_check_batch(obj_status, obj_status ? 0 : L->size1, X);
  if (!status && each) status = bm_validate_length(each, X->size1);
  if (status) {
    bm_nan_vector(each);
    return status;
  }
  size_t n = X->size1, G = bm_batch_groups(n, 0);
  _Alignas(64) double mu[BM_MP_MAX], inv[BM_MP_MAX];
  prepare(mu_v, L, mu, inv);
  double part[BM_BATCH_GROUPS_MAX];
  int bad[BM_BATCH_GROUPS_MAX];
  /* the mid-p kernel from BM_MP_MIN, except up to 8 with rows stored one
   * after another where AVX-512 runs the permute kernel above (measured
   * 12 % faster at p = 7 and 8; with gathers, slower from p = 12) */
  size_t p = L->size1;
  int own = p < BM_MP_MIN;
#if defined(__x86_64__) && defined(__GNUC__)
  own |= p <= 8 && X->tda == p && bm_sp_path() >= BM_SP_PATH_AVX512;
#endif
#ifdef _OPENMP
  int nt = bm_omp_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && G > 1)
#endif
  for (size_t g = 0; g < G; g++) {
    size_t r0, r1;
    bm_batch_range(n, G, g, &r0, &r1);
    /* 64-byte aligned: the AVX-512 kernels store eight deltas at a time, and a
     * store split over two cache lines (a 16-byte aligned stack) made a p = 5
     * batch up to 1.5x slower in some processes and not in others */
    _Alignas(64) double delta[BM_SP_ROWS];
    double total = 0.0, dsum;
    bad[g] = BM_SUCCESS;
    for (size_t b0 = r0; b0 < r1 && !bad[g]; b0 += BM_SP_ROWS) {
      size_t rows = r1 - b0 < BM_SP_ROWS ? r1 - b0 : BM_SP_ROWS;
      if (!own) {
        bad[g] = bm_mp_delta_block(mu, inv, L, X, b0, rows, delta);
        dsum = bad[g] ? 0.0 : sum_block(delta, rows);
      } else
        bad[g] = delta_block(mu, inv, L, X, b0, rows, delta, &dsum);
      if (!bad[g]) block(ctx, delta, dsum, rows, b0, each, &total);
    }
    part[g] = total;
  }
  double total = 0.0;
  for (size_t g = 0; g < G; g++) {
    if (bad[g]) status = bad[g];
    total += part[g];
  }
  if (status) {
    bm_nan_vector(each);
    return BM_FAIL(status, "X has a NaN or Inf entry"); /* the kernels' one failure, recorded off the threads */
  }
  *total_out = total;
  return BM_SUCCESS;
}

/* ---- single point ---------------------------------------------------------- */

void bm_sp_coef_set(bm_sp_coef *c, const gsl_vector *mu, const gsl_matrix *L)
{
  size_t p = L->size1, tda = L->tda;
  c->p = p;
  c->ok = 0;
  if (p > BM_SP_MAX) return;
  int ok = 1;
  for (size_t i = 0, m = 0; i < p; i++) {
    c->mu[i] = mu->data[i * mu->stride];
    c->inv[i] = 1.0 / L->data[i * tda + i];
    ok &= isfinite(c->inv[i]);
    for (size_t j = 0; j < i; j++, m++) {
      c->l[m] = L->data[i * tda + j] * c->inv[i];
      ok &= isfinite(c->l[m]);
    }
  }
  c->ok = ok;
}

/* The substitution of bm_sp_mahalanobis_coef for p (a constant up to 8 after
 * inlining, so that the loops unroll); FNMA(a, b, t) is t - a b */
#define BM_SP_MAHAL_BODY(FNMA)                                                  \
  size_t stride = x->stride;                                                    \
  const double *xv = x->data, *l = c->l;                                        \
  double z[BM_SP_MAX], delta = 0.0;                                             \
  for (size_t i = 0; i < p; i++) {                                              \
    double t = (xv[i * stride] - c->mu[i]) * c->inv[i];                         \
    for (size_t j = 0; j < i; j++) t = FNMA(l[j], z[j], t);                     \
    l += i;                                                                     \
    z[i] = t;                                                                   \
    delta += t * t;                                                             \
  }                                                                             \
  return delta;

#define BM_SP_MAHAL_SWITCH(F)                                                   \
  switch (c->p) {                                                               \
  case 1: return F(1, c, x);                                                    \
  case 2: return F(2, c, x);                                                    \
  case 3: return F(3, c, x);                                                    \
  case 4: return F(4, c, x);                                                    \
  case 5: return F(5, c, x);                                                    \
  case 6: return F(6, c, x);                                                    \
  case 7: return F(7, c, x);                                                    \
  case 8: return F(8, c, x);                                                    \
  default: return F(c->p, c, x);                                                \
  }

#define BM_SP_FNMA_PLAIN(a, b, t) ((t) - (a) * (b))
BM_SP_INLINE double mahal_plain_p(size_t p, const bm_sp_coef *c, const gsl_vector *x)
{
  BM_SP_MAHAL_BODY(BM_SP_FNMA_PLAIN)
}
static double mahal_plain(const bm_sp_coef *c, const gsl_vector *x) { BM_SP_MAHAL_SWITCH(mahal_plain_p) }

#if defined(__x86_64__) && defined(__GNUC__)
#define BM_SP_FNMA_FUSED(a, b, t) __builtin_fma(-(a), (b), (t))
__attribute__((target("avx2,fma"), always_inline)) static inline double mahal_fma_p(size_t p, const bm_sp_coef *c,
                                                                                   const gsl_vector *x)
{
  BM_SP_MAHAL_BODY(BM_SP_FNMA_FUSED)
}
__attribute__((target("avx2,fma"))) static double mahal_fma(const bm_sp_coef *c, const gsl_vector *x)
{
  BM_SP_MAHAL_SWITCH(mahal_fma_p)
}
#endif

double bm_sp_mahalanobis_coef(const bm_sp_coef *c, const gsl_vector *x)
{
#if defined(__x86_64__) && defined(__GNUC__)
  if (bm_sp_path() >= BM_SP_PATH_AVX2) return mahal_fma(c, x);
#endif
  return mahal_plain(c, x);
}

/* ---- log1p over a block --------------------------------------------------- */

/* log1p(u), u in [0, 2^1000) (other lanes give a value that the caller
 * replaces): hi = fl(1 + u) and lo = u - (hi - 1), exact below 2^53, so
 * log1p(u) = log(hi) + log1p(lo/hi) = log(hi) + lo/hi to within eps^2;
 * hi = 2^k m with m in [sqrt(1/2), sqrt(2)) by integer operations on its
 * bits (the offset moves the mantissa's cut from 1 to sqrt(1/2)), and
 * log(m) = f - f^2/2 + s (f^2/2 + R(s^2)), f = m - 1, s = f/(2 + f): the
 * minimax polynomial R and the split of ln 2 are those of fdlibm's log
 * (error below 1 ulp). Branch-free, so that the loops below vectorize. */
BM_SP_INLINE double log1p_lane(double u)
{
  static const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                      Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                      Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                      Lg7 = 1.479819860511658591e-01, ln2_hi = 6.93147180369123816490e-01,
                      ln2_lo = 1.90821492927058770002e-10;
  double hi = 1.0 + u; /* NaN, inf, huge: a meaningless lane, replaced by the caller */
  double lo = u - (hi - 1.0);
  uint64_t ix, kb, mb;
  memcpy(&ix, &hi, sizeof ix);
  ix += UINT64_C(0x3ff0000000000000) - UINT64_C(0x3fe6a09e00000000);
  kb = (ix >> 52) | UINT64_C(0x4330000000000000); /* 2^52 + biased k, exactly */
  mb = (ix & UINT64_C(0x000fffffffffffff)) + UINT64_C(0x3fe6a09e00000000);
  double dk, m;
  memcpy(&dk, &kb, sizeof dk);
  memcpy(&m, &mb, sizeof m);
  dk -= 0x1p52 + 1023.0;
  /* one division for both quotients: q = 1/(hi (2 + f)), s = f hi q,
   * lo/hi = lo (2 + f) q (a few ulp each: s's error reaches the result
   * scaled by s^2 < 0.03, lo/hi is below eps/2 of it) */
  double f = m - 1.0, f2 = 2.0 + f, q = 1.0 / (hi * f2);
  double hfsq = 0.5 * f * f, s = (f * hi) * q, z = s * s, w = z * z;
  double t1 = w * (Lg2 + w * (Lg4 + w * Lg6)), t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  double R = t2 + t1, c = (lo * f2) * q;
  return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + (dk * ln2_lo + c))) - f);
}

/* Returns 1 when a lane is out of log1p_lane's range: the flag from the
 * bits (sign bit of b | (b + K) set iff b is negative or b >= the bits of
 * 2^1000), integer operations that vectorize with plain SSE2 where a
 * floating comparison would not. */
#define BM_SP_LOG1P_LOOP                                                                       \
  uint64_t any = 0;                                                                            \
  for (size_t i = 0; i < n; i++) {                                                             \
    double v = u[i] * scale;                                                                   \
    uint64_t b;                                                                                \
    memcpy(&b, &v, sizeof b);                                                                  \
    out[i] = log1p_lane(v);                                                                    \
    any |= b | (b + (UINT64_C(0x7fffffffffffffff) - UINT64_C(0x7e70000000000000)));           \
  }                                                                                            \
  return (int)(any >> 63);

static int log1p_plain(const double *restrict u, double scale, size_t n, double *restrict out) { BM_SP_LOG1P_LOOP }
#if defined(__x86_64__) && defined(__GNUC__)
/* the same operations (no contraction: -std=c11), four or eight lanes */
__attribute__((target("avx2,fma"))) static int log1p_avx2(const double *restrict u, double scale, size_t n,
                                                           double *restrict out)
{
  BM_SP_LOG1P_LOOP
}
/* AVX-512: log1p_lane's steps by intrinsics, fused multiply-adds in the
 * polynomial, and the one division replaced by the 14-bit reciprocal and
 * two Newton steps (2^-14 -> 2^-28 -> rounding level: a few ulp in q, which
 * reaches the result as in log1p_lane's note); vdivpd would take half the
 * time of the whole logarithm. */
__attribute__((target("avx512f,avx2,fma"), always_inline)) static inline __m512d log1p_v8(__m512d v)
{
  const __m512d one = _mm512_set1_pd(1.0);
  __m512d hi = _mm512_add_pd(one, v);
  __m512d lo = _mm512_sub_pd(v, _mm512_sub_pd(hi, one));
  __m512i ix = _mm512_add_epi64(_mm512_castpd_si512(hi),
                                _mm512_set1_epi64((long long)(UINT64_C(0x3ff0000000000000) - UINT64_C(0x3fe6a09e00000000))));
  __m512d dk = _mm512_sub_pd(
      _mm512_castsi512_pd(_mm512_or_si512(_mm512_srli_epi64(ix, 52), _mm512_set1_epi64(0x4330000000000000LL))),
      _mm512_set1_pd(0x1p52 + 1023.0));
  __m512d m = _mm512_castsi512_pd(_mm512_add_epi64(_mm512_and_si512(ix, _mm512_set1_epi64(0x000fffffffffffffLL)),
                                                   _mm512_set1_epi64(0x3fe6a09e00000000LL)));
  __m512d f = _mm512_sub_pd(m, one), f2 = _mm512_add_pd(_mm512_set1_pd(2.0), f);
  __m512d den = _mm512_mul_pd(hi, f2), q = _mm512_rcp14_pd(den);
  q = _mm512_fmadd_pd(q, _mm512_fnmadd_pd(den, q, one), q);
  q = _mm512_fmadd_pd(q, _mm512_fnmadd_pd(den, q, one), q);
  __m512d s = _mm512_mul_pd(_mm512_mul_pd(f, hi), q), z = _mm512_mul_pd(s, s), w = _mm512_mul_pd(z, z);
  __m512d hfsq = _mm512_mul_pd(_mm512_mul_pd(_mm512_set1_pd(0.5), f), f);
  __m512d t1 = _mm512_mul_pd(
      w, _mm512_fmadd_pd(w, _mm512_fmadd_pd(w, _mm512_set1_pd(1.531383769920937332e-01), _mm512_set1_pd(2.222219843214978396e-01)),
                         _mm512_set1_pd(3.999999999940941908e-01)));
  __m512d t2 = _mm512_mul_pd(
      z, _mm512_fmadd_pd(
             w,
             _mm512_fmadd_pd(w, _mm512_fmadd_pd(w, _mm512_set1_pd(1.479819860511658591e-01), _mm512_set1_pd(1.818357216161805012e-01)),
                             _mm512_set1_pd(2.857142874366239149e-01)),
             _mm512_set1_pd(6.666666666666735130e-01)));
  __m512d R = _mm512_add_pd(t2, t1), c = _mm512_mul_pd(_mm512_mul_pd(lo, f2), q);
  __m512d tail = _mm512_fmadd_pd(dk, _mm512_set1_pd(1.90821492927058770002e-10), c);
  __m512d inner = _mm512_sub_pd(_mm512_sub_pd(hfsq, _mm512_fmadd_pd(s, _mm512_add_pd(hfsq, R), tail)), f);
  return _mm512_sub_pd(_mm512_mul_pd(dk, _mm512_set1_pd(6.93147180369123816490e-01)), inner);
}

/* ... and the lanes' sum into *sum on the way */
__attribute__((target("avx512f,avx2,fma"))) static int log1p_avx512(const double *restrict u, double scale, size_t n,
                                                                    double *restrict out, double *sum)
{
  __m512d sc = _mm512_set1_pd(scale), lim = _mm512_set1_pd(0x1p1000), zero = _mm512_setzero_pd(), acc = zero;
  __mmask8 bad = 0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) { /* two independent chains per step */
    __m512d v0 = _mm512_mul_pd(_mm512_loadu_pd(u + i), sc), v1 = _mm512_mul_pd(_mm512_loadu_pd(u + i + 8), sc);
    bad |= _mm512_cmp_pd_mask(v0, lim, _CMP_NLT_UQ) | _mm512_cmp_pd_mask(v0, zero, _CMP_LT_OQ) |
           _mm512_cmp_pd_mask(v1, lim, _CMP_NLT_UQ) | _mm512_cmp_pd_mask(v1, zero, _CMP_LT_OQ);
    __m512d l0 = log1p_v8(v0), l1 = log1p_v8(v1);
    acc = _mm512_add_pd(acc, _mm512_add_pd(l0, l1));
    _mm512_storeu_pd(out + i, l0);
    _mm512_storeu_pd(out + i + 8, l1);
  }
  for (; i < n; i += 8) {
    __mmask8 k = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1u);
    __m512d v = _mm512_mul_pd(_mm512_maskz_loadu_pd(k, u + i), sc);
    bad |= k & (_mm512_cmp_pd_mask(v, lim, _CMP_NLT_UQ) | _mm512_cmp_pd_mask(v, zero, _CMP_LT_OQ));
    __m512d l = log1p_v8(v);
    acc = _mm512_mask_add_pd(acc, k, acc, l);
    _mm512_mask_storeu_pd(out + i, k, l);
  }
  *sum = _mm512_reduce_add_pd(acc);
  return bad != 0;
}
#endif

double bm_sp_log1p_block(const double *u, double scale, size_t n, double *out)
{
  double sum = 0.0;
  int any;
#if defined(__x86_64__) && defined(__GNUC__)
  int path = bm_sp_path();
  if (path >= BM_SP_PATH_AVX512) {
    any = log1p_avx512(u, scale, n, out, &sum);
    if (!any) return sum;
  } else if (path >= BM_SP_PATH_AVX2) any = log1p_avx2(u, scale, n, out);
  else
#endif
    any = log1p_plain(u, scale, n, out);
  for (size_t i = 0; any && i < n; i++) {
    double v = u[i] * scale;
    if (!(v < 0x1p1000)) out[i] = isnan(v) ? INFINITY : log1p(v);
  }
  double s[4] = {0.0, 0.0, 0.0, 0.0}; /* four partial sums: no chain of dependent additions */
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (size_t v = 0; v < 4; v++) s[v] += out[i + v];
  for (; i < n; i++) s[0] += out[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

/* ---- sum of log1p over a block ---------------------------------------------- */

/* sum_i log1p(v_i) = log prod (1 + v_i), and (1 + a)(1 + b) = 1 + (a + b + ab):
 * for a, b >= 0 every term is non-negative, so the combined argument keeps
 * its parts' relative accuracy (1 + v is never formed and rounded, which
 * would lose a tiny v). Sixteen rows combine into one argument by a tree of
 * four levels, one logarithm per sixteen rows: the logarithm, not the
 * substitution, was most of an mvt batch at p = 5. Error: where the
 * arguments are small, each level adds ~2 ulp to the combined argument's
 * relative error, and log1p's condition number v/((1 + v) log1p(v)) is
 * below 1; where the products dominate, the factors' relative errors add up
 * (16 ulp at most) but reach the logarithm as an absolute error, against a
 * sum of sixteen logarithms. Measured within 2 ulp of the sum of libm's
 * log1p. A combined argument beyond log1p_lane's range (a product past
 * 2^1000, a NaN) sends the whole block to the per-row logarithms. */
BM_SP_INLINE double log1p_comb(double a, double b) { return (a + b) + a * b; }
#ifndef BM_SP_SUM_V
#define BM_SP_SUM_V 16 /* vectors of eight rows per logarithm (a power of 2) */
#endif

/* acc[l] += log1p of the sixteen rows u[l + 8 j] (j < 16) combined; the
 * flag as in BM_SP_LOG1P_LOOP */
#define BM_SP_LOG1P_SUM_LOOP                                                                          \
  double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};                                           \
  uint64_t any = 0;                                                                                   \
  for (size_t i = 0; i < n; i += 8 * BM_SP_SUM_V) {                                                   \
    _Alignas(64) double pad[8 * BM_SP_SUM_V];                                                         \
    const double *c = u + i;                                                                          \
    if (n - i < 8 * BM_SP_SUM_V) { /* the tail: zeros (log1p(0) = 0, and combine with 0 exactly) */   \
      memset(pad, 0, sizeof pad);                                                                     \
      memcpy(pad, c, (n - i) * sizeof(double));                                                       \
      c = pad;                                                                                        \
    }                                                                                                 \
    for (size_t l = 0; l < 8; l++) {                                                                  \
      double v[BM_SP_SUM_V];                                                                          \
      for (size_t j = 0; j < BM_SP_SUM_V; j++) v[j] = c[l + 8 * j] * scale;                           \
      for (size_t w = BM_SP_SUM_V; w > 1; w /= 2)                                                     \
        for (size_t j = 0; j < w / 2; j++) v[j] = log1p_comb(v[2 * j], v[2 * j + 1]);                 \
      uint64_t bits;                                                                                  \
      memcpy(&bits, &v[0], sizeof bits);                                                              \
      acc[l] += log1p_lane(v[0]);                                                                     \
      any |= bits | (bits + (UINT64_C(0x7fffffffffffffff) - UINT64_C(0x7e70000000000000)));          \
    }                                                                                                 \
  }                                                                                                   \
  *sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));            \
  return (int)(any >> 63);

static int log1p_sum_plain(const double *u, double scale, size_t n, double *sum) { BM_SP_LOG1P_SUM_LOOP }
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static int log1p_sum_avx2(const double *u, double scale, size_t n, double *sum)
{
  BM_SP_LOG1P_SUM_LOOP
}
/* (a + b) + a b as one fused multiply-add */
__attribute__((target("avx512f,avx2,fma"), always_inline)) static inline __m512d comb_v8(__m512d a, __m512d b)
{
  return _mm512_fmadd_pd(a, b, _mm512_add_pd(a, b));
}
__attribute__((target("avx512f,avx2,fma"))) static int log1p_sum_avx512(const double *u, double scale, size_t n,
                                                                        double *sum)
{
  enum { V = BM_SP_SUM_V };
  __m512d sc = _mm512_set1_pd(scale), lim = _mm512_set1_pd(0x1p1000), zero = _mm512_setzero_pd(), acc = zero;
  __mmask8 bad = 0;
  for (size_t i = 0; i < n; i += 8 * V) {
    __m512d v[V];
    if (n - i >= 8 * V)
      for (size_t j = 0; j < V; j++) v[j] = _mm512_mul_pd(_mm512_loadu_pd(u + i + 8 * j), sc);
    else /* the tail: zero lanes (masked loads read nothing beyond n) */
      for (size_t j = 0; j < V; j++) {
        size_t left = n - i > 8 * j ? n - i - 8 * j : 0;
        __mmask8 k = left >= 8 ? 0xff : (__mmask8)((1u << left) - 1u);
        v[j] = _mm512_mul_pd(_mm512_maskz_loadu_pd(k, u + i + 8 * j), sc);
      }
    for (size_t w = V; w > 1; w /= 2)
      for (size_t j = 0; j < w / 2; j++) v[j] = comb_v8(v[2 * j], v[2 * j + 1]);
    bad |= _mm512_cmp_pd_mask(v[0], lim, _CMP_NLT_UQ) | _mm512_cmp_pd_mask(v[0], zero, _CMP_LT_OQ);
    acc = _mm512_add_pd(acc, log1p_v8(v[0]));
  }
  *sum = _mm512_reduce_add_pd(acc);
  return bad != 0;
}
#endif

double bm_sp_log1p_sum(const double *u, double scale, size_t n)
{
  double sum = 0.0;
  int any;
#if defined(__x86_64__) && defined(__GNUC__)
  int path = bm_sp_path();
  if (path >= BM_SP_PATH_AVX512) any = log1p_sum_avx512(u, scale, n, &sum);
  else if (path >= BM_SP_PATH_AVX2) any = log1p_sum_avx2(u, scale, n, &sum);
  else
#endif
    any = log1p_sum_plain(u, scale, n, &sum);
  if (!any) return sum;
  _Alignas(64) double out[64];
  sum = 0.0;
  for (size_t i = 0; i < n; i += 64) sum += bm_sp_log1p_block(u + i, scale, n - i < 64 ? n - i : 64, out);
  return sum;
}
