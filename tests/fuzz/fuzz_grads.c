/* libFuzzer harness, differential: the batched GRADIENTS of the fast
 * kernels against a long double reference the harness computes itself
 * (fuzz_ldref.h), at the dimensions where the routes change:
 *   - bm_mvn_loglik_grad (the scatter route with its retry through the
 *     whitened rows, the small-p value, the by-factor set) and
 *     bm_mvt_loglik_grad (whitened rows: small p, the mid-p kernel
 *     7 <= p <= 128, the general path from 129), each under the forced
 *     portable and the automatic small-p / rank-k update kernels, with
 *     bm_mvn_stats_loglik_grad on the same rows, and the batched value
 *     (each row) at the same p;
 *   - bm_wishart_loglik_grad / bm_invwishart_loglik_grad with m = 1..4
 *     matrices, their _stats_loglik_grad, and the single-point
 *     _logpdf_grad's d_S / d_Psi up to p = 200 (the sandwich from 192).
 * p: mostly <= 17, else 17..40, 120..135 or 188..200; the bytes choose the
 * shape of each generating factor (well conditioned, graded, near singular,
 * rank one plus tiny pivots, hostile raw values), power-of-two scales over
 * 2^-1000 .. 2^1000, the rows, nu; once the input is exhausted a xorshift
 * generator seeded from the input continues, so large p still get varied
 * entries.
 *
 * A finding (abort):
 *   - BM_SUCCESS with a non-finite input, or an output NaN / inf with it;
 *   - a successful value off the reference beyond the tolerance;
 *   - an error status on finite inputs where every reference output (and,
 *     for the vector gradients, the whitened rows' Gram) is below
 *     DBL_MAX / 1e6.
 * Tolerance (as fuzz_kernels.c): r = 64 p^2 eps' kappa with kappa =
 * ||A||_F ||L^-1||_F^2 (>= the 2-norm condition number of A = L L^T) and
 * eps' = eps + p 2^-1074 / min A_ii; compared only where r < 1e-3. A
 * gradient entry may be off by 4 r (plus 64 eps) times the normwise size of
 * its formula's terms: d_Sigma ||L^-1||_F^2 (sum_i w_i |z_i|^2 + n) / 2,
 * d_mu ||L^-1||_F sum_i w_i |z_i|, Wishart d_S ||S^-1||_F (||S^-1||_F
 * ||sum X_i||_F + m nu) / 2, inverse Wishart d_Psi (m nu ||Psi^-1||_F +
 * sum_i ||X_i^-1||_F) / 2. nu beyond 1e6 is not compared (long double
 * log-gamma loses the difference of terms of size nu log nu).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_input.h"
#include "fuzz_ldref.h"

/* distributions/small_p.h, mid_p.h, src/kernels.h (not on this target's include path) */
void bm_sp_force_path(int path);
void bm_kn_syrk_force_path(int path);
int bm_mp_delta_block_path(int path, const double *mu, const double *inv, const gsl_matrix *L, const gsl_matrix *X,
                           size_t r0, size_t rows, double *delta);
#define BM_MP_MIN_ 7 /* BM_MP_MIN, BM_MP_MAX of mid_p.h */
#define BM_MP_MAX_ 128

static const double EPS = DBL_EPSILON;
#define HUGE_OK (DBL_MAX / 1e6) /* below this every output must be computed */

#define FAIL(...)                                                                                                      \
  do {                                                                                                                 \
    fprintf(stderr, "fuzz_grads: " __VA_ARGS__);                                                                       \
    fputc('\n', stderr);                                                                                               \
    abort();                                                                                                           \
  } while (0)

/* ---- bytes: the fuzzer's first, then a generator seeded from them ---- */

typedef struct {
  fz_in in;
  uint64_t s;
} src_t;

static uint8_t sb(src_t *r)
{
  if (r->in.pos < r->in.n) return r->in.d[r->in.pos++];
  r->s ^= r->s << 13;
  r->s ^= r->s >> 7;
  r->s ^= r->s << 17;
  return (uint8_t)(r->s >> 24);
}

/* a hostile double from the fuzzer's bytes, an ordinary one after them */
static double sdouble(src_t *r)
{
  if (r->in.pos < r->in.n) return fz_double(&r->in);
  return ((int)(sb(r) % 64) - 32) / 8.0;
}

static void *xmalloc(size_t n)
{
  void *v = malloc(n ? n : 1);
  if (!v) abort();
  return v;
}

/* ---- the reference of one SPD matrix ---- */

typedef struct {
  size_t p;
  int ok;
  ld *A, *L, *Li, logdet, li2; /* li2 = ||L^-1||_F^2 >= ||A^-1||_2 (long double: beyond DBL_MAX for a tiny A) */
  double kappa, epsx;
} ref_t;

static void ref_init(ref_t *R, size_t p)
{
  R->p = p;
  R->A = xmalloc(3 * p * p * sizeof(ld));
  R->L = R->A + p * p;
  R->Li = R->L + p * p;
}

static void ref_free(ref_t *R) { free(R->A); }

/* R->A already filled */
LD_NOCOV static void ref_factor(ref_t *R)
{
  size_t p = R->p;
  R->ok = ld_chol(p, R->A, R->L);
  R->kappa = INFINITY;
  if (!R->ok) return;
  ld_inv_lower(p, R->L, R->Li);
  R->logdet = 0;
  ld mind = INFINITY;
  for (size_t i = 0; i < p; i++) {
    R->logdet += 2 * logl(R->L[i * p + i]);
    if (R->A[i * p + i] < mind) mind = R->A[i * p + i];
  }
  ld li2 = ld_frob2(p, R->Li);
  R->li2 = li2;
  R->kappa = (double)(sqrtl(ld_frob2(p, R->A)) * li2);
  R->epsx = EPS + (double)((ld)p * 0x1p-1074L / mind);
  if (!isfinite(R->kappa)) R->kappa = INFINITY;
}

/* ---- decoding ---- */

static size_t gen_p(src_t *r, int big)
{
  /* the long double reference costs O(p^3): the large sizes are rare */
  uint8_t b = sb(r);
  switch (b % 32) {
  case 0: case 1: case 2: case 3: return 17 + sb(r) % 24;
  case 4: case 5: return 120 + sb(r) % 16;
  case 6: return big ? 188 + sb(r) % 13 : 120 + sb(r) % 16;
  default: return 1 + b % 17;
  }
}

/* a lower generating factor G (p x p) in one of several shapes */
LD_NOCOV static void gen_factor(src_t *r, size_t p, ld *G)
{
  uint8_t mode = sb(r) % 6;
  /* random triangles grow ill conditioned with p: damp the off-diagonal */
  ld damp = mode == 0 && p > 16 ? 4 / sqrtl((ld)p) : 1;
  for (size_t i = 0; i < p * p; i++) G[i] = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      int from_input = r->in.pos < r->in.n;
      uint8_t b = sb(r);
      ld v = ((int)(b % 64) - 32) / 16.0L * damp;
      if (i == j) v = 1 + (b % 64) / 8.0L;
      switch (mode) {
      case 1: /* graded */
        if (i == j) v = powl(10.0L, -(ld)(b % 17));
        break;
      case 2: /* near singular */
        if (i == j && i == p - 1) v = powl(10.0L, -(ld)(b % 200));
        break;
      case 3: /* rank one plus tiny pivots */
        v = i == j ? powl(10.0L, -(ld)(b % 40)) : 1.0L;
        if (j == 0) v = 1;
        break;
      case 4: /* hostile raw values */
        if (from_input) r->in.pos--; /* b is the value's first byte */
        v = sdouble(r);
        if (i == j) v = fabsl(v);
        break;
      default:
        break;
      }
      G[i * p + j] = v;
    }
}

static ld gen_scale(src_t *r)
{
  uint8_t b = sb(r), m = sb(r);
  int e = b & 1 ? ((int)b - 128) * 8 : ((int)(b % 32) - 16);
  return ldexpl(1.0L + m / 256.0L, e);
}

/* M (double) <- round(s^2 G G^T), R->A <- the rounded M, then factored */
LD_NOCOV static void make_spd(size_t p, const ld *G, ld s, gsl_matrix *M, ref_t *R)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      ld t = 0;
      for (size_t k = 0; k <= j; k++) t += (s * G[i * p + k]) * (s * G[j * p + k]);
      double v = (double)t;
      gsl_matrix_set(M, i, j, v);
      gsl_matrix_set(M, j, i, v);
    }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) R->A[i * p + j] = gsl_matrix_get(M, i, j);
  ref_factor(R);
}

/* one hostile entry (both triangles) in one of eight cases */
static void maybe_hostile(src_t *r, gsl_matrix *M, ref_t *R)
{
  if (sb(r) % 8) return;
  size_t p = M->size1, i = sb(r) % p, j = sb(r) % p;
  double v = sdouble(r);
  gsl_matrix_set(M, i, j, v);
  gsl_matrix_set(M, j, i, v);
  R->A[i * p + j] = R->A[j * p + i] = v;
  ref_factor(R);
}

static int all_finite(const gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++)
      if (!isfinite(gsl_matrix_get(A, i, j))) return 0;
  return 1;
}

/* ---- comparisons ---- */

static int verbose; /* FUZZ_GRADS_STATS=2: a failing case's inputs */
static unsigned long n_cmp, n_mp_bits;
static double max_ratio;
static const char *max_what = "";
static double warn_ratio = 1; /* FUZZ_GRADS_RATIO=r (< 1): stop at |diff| > r tol, to find the cases near the tolerance */
static void print_stats(void)
{
  fprintf(stderr, "fuzz_grads: %lu comparisons, largest |diff|/tol %.3g (%s); mid-p paths differing in the last bits: %lu rows\n",
          n_cmp, max_ratio, max_what, n_mp_bits);
}

LD_NOCOV static void check_value(const char *what, size_t i, double got, ld ref, double tol)
{
  n_cmp++;
  if ((got == -INFINITY && ref <= -(ld)DBL_MAX + (ld)tol) || (got == INFINITY && ref >= (ld)DBL_MAX - (ld)tol))
    return;
  if (tol > 0 && fabsl((ld)got - ref) / tol > max_ratio) {
    max_ratio = (double)(fabsl((ld)got - ref) / tol);
    max_what = what;
  }
  if (isnan(got) || !(fabsl((ld)got - ref) <= tol * warn_ratio))
    FAIL("%s[%zu]: got %.17g, reference %.17Lg, |diff| %.3Lg > tol %.3g", what, i, got, ref, fabsl((ld)got - ref), tol);
}

LD_NOCOV static void check_matrix(const char *what, const gsl_matrix *got, const ld *ref, double tol)
{
  size_t p = got->size1;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) check_value(what, i * p + j, gsl_matrix_get(got, i, j), ref[i * p + j], tol);
}

static void require_nan_m(const char *what, const gsl_matrix *M)
{
  for (size_t i = 0; M && i < M->size1; i++)
    for (size_t j = 0; j < M->size2; j++)
      if (!isnan(gsl_matrix_get(M, i, j))) FAIL("%s: not NaN on failure", what);
}

/* ---- mvn / mvt batched gradients ---- */

LD_NOCOV static void vector_case(src_t *r, int fam)
{
  size_t p = gen_p(r, 0);
  uint8_t nb = sb(r);
  size_t n = 1 + nb % 48;
  if (p <= 16 && nb >= 247) { /* block edges: 256 (BM_BATCH_BLOCK), 512 (BM_SP_ROWS), 2048 (BM_SERIAL_BLOCK) */
    static const size_t edge[3] = {246, 502, 2038};
    n = edge[nb % 3] + sb(r) % 20;
  }
  ld s = gen_scale(r);
  double nu = 0;
  if (fam == 2) {
    uint8_t b = sb(r);
    nu = b < 200 ? ldexp(1.0 + sb(r) / 64.0, (int)(b % 40) - 10) : fz_param(&r->in, 0.0);
  }
  int by_chol = fam == 1;
  ld *G = xmalloc(p * p * sizeof(ld));
  ref_t R;
  ref_init(&R, p);
  gen_factor(r, p, G);
  gsl_matrix *S = bm_matrix_alloc(p, p), *Lc = NULL;
  gsl_vector *mu = bm_vector_alloc(p);
  make_spd(p, G, s, S, &R);
  if (!by_chol) maybe_hostile(r, S, &R);
  uint8_t mum = sb(r) % 4;
  for (size_t i = 0; i < p; i++)
    gsl_vector_set(mu, i, mum == 0 ? 0.0 : mum == 1 ? (double)(s * (sb(r) % 32) / 8) : sdouble(r));
  bm_mvn *dn = NULL;
  bm_mvt *dt = NULL;
  gsl_matrix *Xa = NULL, *dS = NULL, *dS2 = NULL;
  gsl_vector *dmu = NULL, *dmu2 = NULL, *each = NULL;
  ld *ref = NULL;
  bm_mvn_stats *st_s = NULL;
  int st;
  if (fam == 2) {
    dt = bm_mvt_alloc(p);
    st = bm_mvt_set(dt, nu, mu, S);
  } else if (by_chol) {
    if (!R.ok) goto done;
    dn = bm_mvn_alloc(p);
    Lc = bm_matrix_alloc(p, p);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) gsl_matrix_set(Lc, i, j, j <= i ? (double)R.L[i * p + j] : 0.0);
    for (size_t i = 0; i < p; i++) /* Sigma is now exactly Lc Lc^T */
      for (size_t j = 0; j < p; j++) {
        ld t = 0;
        for (size_t k = 0; k <= (i < j ? i : j); k++) t += (ld)gsl_matrix_get(Lc, i, k) * gsl_matrix_get(Lc, j, k);
        R.A[i * p + j] = t;
      }
    ref_factor(&R);
    st = bm_mvn_set_chol(dn, mu, Lc);
  } else {
    dn = bm_mvn_alloc(p);
    st = bm_mvn_set(dn, mu, S);
  }
  if (st != BM_SUCCESS || !R.ok) goto done;

  {
    size_t tda = p + sb(r) % 3;
    Xa = bm_matrix_alloc(n, tda);
    for (size_t i = 0; i < n * tda; i++) Xa->data[i] = NAN;
    gsl_matrix_view Xv = gsl_matrix_submatrix(Xa, 0, 0, n, p);
    gsl_matrix *X = &Xv.matrix;
    uint8_t rmode = sb(r) % 4;
    ld tail = rmode == 1 ? ldexpl(1.0L, (int)(sb(r) % 64) * 16) : 1.0L;
    int finite = 1;
    ld *z = xmalloc(2 * p * sizeof(ld)), *a = z + p;
    for (size_t k = 0; k < n; k++) {
      for (size_t j = 0; j < p; j++) z[j] = ((int)(sb(r) % 64) - 32) / 8.0L * tail;
      for (size_t i = 0; i < p; i++) {
        ld t = gsl_vector_get(mu, i);
        for (size_t j = 0; j <= i; j++) t += s * G[i * p + j] * z[j];
        double v = (double)t;
        if (rmode == 2 && sb(r) % 16 == 0) v = sdouble(r);
        if (rmode == 3 && sb(r) % 2 == 0) v = sdouble(r);
        gsl_matrix_set(X, k, i, v);
        finite &= isfinite(v);
      }
    }
    /* reference: z_i = L^-1 r_i, w_i, a_i = L^-T z_i; d_mu = sum w a, d_Sigma = sum w a a^T / 2 - n Lambda / 2 */
    ref = xmalloc((p * p + p + 4 * n) * sizeof(ld));
    ld *rdS = ref, *rdmu = rdS + p * p, *each_ref = rdmu + p, *each_tol = each_ref + n, *delta_ref = each_tol + n,
       *r2 = delta_ref + n;
    for (size_t i = 0; i < p * p + p; i++) ref[i] = 0;
    ld dat = 0, datr = 0, xsum = 0;
    ld rll = 0, rdnu = 0, gram = 0, wz = 0, terms_ll = 0, terms_nu = 0, dterm = 0, hk = ((ld)nu + p) / 2;
    ld lgk = 0, lgh = 0, psk = 0, psh = 0;
    if (fam == 2) {
      lgk = lgammal(hk);
      lgh = lgammal((ld)nu / 2);
      psk = ld_digamma(hk);
      psh = ld_digamma((ld)nu / 2);
    }
    for (size_t k = 0; k < n && finite; k++) {
      ld delta = 0;
      for (size_t i = 0; i < p; i++) z[i] = (ld)gsl_matrix_get(X, k, i) - gsl_vector_get(mu, i);
      r2[k] = 0;
      for (size_t i = 0; i < p; i++) r2[k] += z[i] * z[i];
      ld_fwd(p, R.L, z);
      for (size_t i = 0; i < p; i++) delta += z[i] * z[i];
      delta_ref[k] = delta;
      ld w = fam == 2 ? 2 * hk / ((ld)nu + delta) : 1, li, tk, dk;
      if (fam == 2) {
        li = lgk - lgh - (ld)p / 2 * logl((ld)nu * LD_PI) - R.logdet / 2 - hk * log1pl(delta / nu);
        tk = fabsl(lgk) + fabsl(lgh) + fabsl((ld)p / 2 * logl((ld)nu * LD_PI)) + fabsl(R.logdet / 2) +
             hk * log1pl(delta / nu);
        dk = hk * delta / ((ld)nu + delta);
        rdnu += psk / 2 - psh / 2 - (ld)p / (2 * nu) - log1pl(delta / nu) / 2 + hk * delta / ((ld)nu * ((ld)nu + delta));
        terms_nu += fabsl(psk / 2) + fabsl(psh / 2) + (ld)p / (2 * nu) + log1pl(delta / nu) / 2 +
                    hk * delta / ((ld)nu * ((ld)nu + delta));
      } else {
        li = -(ld)p / 2 * logl(2 * LD_PI) - R.logdet / 2 - delta / 2;
        tk = (ld)p + fabsl(R.logdet / 2) + delta / 2;
        dk = delta / 2;
      }
      terms_ll += tk;
      dterm += dk;
      each_ref[k] = li;
      each_tol[k] = (ld)64.0 * (double)(p * p) * R.epsx * R.kappa * (1 + p + dk) + 64 * EPS * tk;
      { /* the summary's rounding at the data's magnitude: |x_k| + |mu| against |z_k| and |r_k| */
        ld xs = 0, mus = 0, rs = 0;
        for (size_t i = 0; i < p; i++) {
          ld x = (ld)gsl_matrix_get(X, k, i), u = (ld)gsl_vector_get(mu, i);
          xs += x * x;
          mus += u * u;
          rs += (x - u) * (x - u);
        }
        xs = sqrtl(xs) + sqrtl(mus);
        dat += sqrtl(delta) * xs;
        datr += sqrtl(rs) * xs;
        xsum += xs;
      }
      rll += li;
      gram += w * delta;
      wz += w * sqrtl(delta);
      for (size_t i = 0; i < p; i++) a[i] = z[i];
      ld_bwd(p, R.L, a);
      for (size_t i = 0; i < p; i++) {
        rdmu[i] += w * a[i];
        for (size_t j = 0; j < p; j++) rdS[i * p + j] += w * a[i] * a[j] / 2;
      }
    }
    free(z);
    {
      ld *Lam = xmalloc(p * p * sizeof(ld));
      ld_inverse(p, R.Li, Lam);
      for (size_t i = 0; i < p * p; i++) rdS[i] -= (ld)n * Lam[i] / 2;
      free(Lam);
    }
    double rr = 64.0 * (double)(p * p) * R.epsx * R.kappa;
    int cmp = rr < 1e-3 && (fam != 2 || (nu <= 1e6 && nu >= DBL_MIN));
    ld sS = R.li2 * (gram + n) / 2, smu = sqrtl(R.li2) * wz;
    double tolS = (double)((ld)(4 * rr + 64 * EPS) * sS), tolmu = (double)((ld)(4 * rr + 64 * EPS) * smu);
    double tol_ll = (double)((ld)rr * (1 + p + dterm) + 64 * EPS * terms_ll);
    double tol_nu = (double)((ld)rr * 4 * n * (1 + 2 * hk / nu) + 64 * EPS * terms_nu);
    /* every output in range (the Gram of the whitened rows may overflow: mvn
     * then sums the single-point gradients, which scale the row) */
    int in_range = sS < HUGE_OK && smu < HUGE_OK && fabsl(rdnu) < HUGE_OK;

    dS = bm_matrix_alloc(p, p);
    dmu = bm_vector_alloc(p);
    each = bm_vector_alloc(n);
    for (int path = 0; path < 3; path++) { /* the automatic kernels, the portable ones, AVX2 (where the CPU has it) */
      bm_sp_force_path(path);
      bm_kn_syrk_force_path(path);
      double ll = NAN, dnu = NAN, lv = NAN;
      int s1 = fam == 2 ? bm_mvt_loglik_grad(dt, X, &ll, dmu, dS, &dnu) : bm_mvn_loglik_grad(dn, X, &ll, dmu, dS);
      int s2 = fam == 2 ? bm_mvt_loglik(dt, X, &lv, each) : bm_mvn_loglik(dn, X, &lv, each);
      if (!finite) {
        if (s1 == BM_SUCCESS || s2 == BM_SUCCESS) FAIL("BM_SUCCESS (%d %d) with a non-finite row", s1, s2);
        if (!isnan(ll)) FAIL("ll %.17g on failure", ll);
        require_nan_m("d_Sigma", dS);
        continue;
      }
      if (s2 != BM_SUCCESS) FAIL("loglik status %d on finite rows", s2);
      if (s1 != BM_SUCCESS) {
        if (s1 != BM_EDOM) FAIL("loglik_grad status %d on finite rows", s1);
        if (in_range && cmp && verbose) {
          fprintf(stderr, "p %zu n %zu fam %d nu %.17g path %d\n", p, n, fam, nu, path);
          for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j <= i; j++) fprintf(stderr, "S[%zu][%zu] %.17g\n", i, j, gsl_matrix_get(S, i, j));
          for (size_t k = 0; k < n; k++)
            for (size_t i = 0; i < p; i++) fprintf(stderr, "X[%zu][%zu] %.17g mu %.17g\n", k, i, gsl_matrix_get(X, k, i), gsl_vector_get(mu, i));
        }
        if (in_range && cmp)
          FAIL("loglik_grad: BM_EDOM with every output in range (|d_Sigma| <= %.3Lg, |d_mu| <= %.3Lg, Gram %.3Lg, p %zu, n %zu): %s",
               sS, smu, gram, p, n, bm_last_error());
        if (!isnan(ll)) FAIL("ll %.17g with BM_EDOM", ll);
        require_nan_m("d_Sigma", dS);
        continue;
      }
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
          if (!isfinite(gsl_matrix_get(dS, i, j))) FAIL("BM_SUCCESS with d_Sigma[%zu][%zu] not finite", i, j);
      if (!cmp) continue;
      check_value("ll of loglik_grad", 0, ll, rll, tol_ll);
      check_value("ll of loglik", 0, lv, rll, tol_ll);
      for (size_t k = 0; k < n; k++) check_value("each", k, gsl_vector_get(each, k), each_ref[k], (double)each_tol[k]);
      check_matrix("d_Sigma", dS, rdS, tolS);
      for (size_t i = 0; i < p; i++) check_value("d_mu", i, gsl_vector_get(dmu, i), rdmu[i], tolmu);
      if (fam == 2) check_value("d_nu", 0, dnu, rdnu, tol_nu);
    }
    bm_sp_force_path(0);
    bm_kn_syrk_force_path(0);
    /* the mid-p kernel's two paths directly (the public calls take the best the
     * CPU has), on the factor the object holds exactly (set by Cholesky factor) */
    if (fam == 1 && finite && cmp && p >= BM_MP_MIN_ && p <= BM_MP_MAX_) {
      double *inv = xmalloc(3 * (p + n) * sizeof(double)), *d0 = inv + p, *d1 = d0 + n, *muc = d1 + n;
      int inv_ok = 1;
      for (size_t i = 0; i < p; i++) {
        inv[i] = 1.0 / gsl_matrix_get(Lc, i, i);
        inv_ok &= isfinite(inv[i]);
        muc[i] = gsl_vector_get(mu, i);
      }
      size_t r0 = n > 1 ? sb(r) % 2 : 0; /* a block that starts past row 0 */
      if (inv_ok) {
        int a0 = bm_mp_delta_block_path(0, muc, inv, Lc, X, r0, n - r0, d0);
        int a1 = bm_mp_delta_block_path(1, muc, inv, Lc, X, r0, n - r0, d1);
        if (a0 || a1) FAIL("mid-p delta block: status %d / %d on finite rows", a0, a1);
        for (size_t k = r0; k < n; k++) {
          double t = (double)((ld)(4 * rr + 64 * EPS) * (delta_ref[k] + R.li2 * r2[k]));
          check_value("mid-p delta, portable", k, d0[k - r0], delta_ref[k], t);
          check_value("mid-p delta, AVX2", k, d1[k - r0], delta_ref[k], t);
          if (memcmp(&d0[k - r0], &d1[k - r0], sizeof(double))) n_mp_bits++;
        }
      }
      free(inv);
    }
    /* the summary route of mvn on the same rows */
    if (fam != 2 && finite) {
      st_s = bm_mvn_stats_alloc(p);
      dS2 = bm_matrix_alloc(p, p);
      dmu2 = bm_vector_alloc(p);
      double ll = NAN;
      /* two halves merged (Chan et al.) when n > 1 */
      int s0;
      if (n > 1 && sb(r) % 2) {
        bm_mvn_stats *h = bm_mvn_stats_alloc(p);
        gsl_matrix_view X1 = gsl_matrix_submatrix(X, 0, 0, n / 2, p), X2 = gsl_matrix_submatrix(X, n / 2, 0, n - n / 2, p);
        s0 = bm_mvn_stats_compute(st_s, &X1.matrix);
        if (!s0) s0 = bm_mvn_stats_compute(h, &X2.matrix);
        if (!s0) s0 = bm_mvn_stats_merge(st_s, h);
        bm_mvn_stats_free(h);
      } else {
        s0 = bm_mvn_stats_compute(st_s, X);
      }
      int s1 = s0 ? s0 : bm_mvn_stats_loglik_grad(dn, st_s, &ll, dmu2, dS2);
      /* the summary holds the mean as a double: its rounding, eps |x|, enters as a
       * perturbation of the data (backward stable in X, not in X - mu) */
      ld li2 = R.li2, e = 64 * (ld)p * EPS;
      double stol_ll = tol_ll + (double)(e * sqrtl(li2) * dat), stol_mu = tolmu + (double)(e * li2 * xsum),
             stolS = tolS + (double)(e * li2 * li2 * datr);
      if (s0 == BM_SUCCESS && s1 == BM_SUCCESS) {
        if (!all_finite(dS2)) {
          if (verbose) {
            fprintf(stderr, "p %zu n %zu fam %d scale %.17Lg kappa %.3g ll %.17g\n", p, n, fam, s, R.kappa, ll);
            for (size_t i = 0; i < p; i++)
              for (size_t j = 0; j < p; j++)
                fprintf(stderr, "S[%zu][%zu] %.17g dS2 %.17g ref %.17Lg\n", i, j, gsl_matrix_get(S, i, j),
                        gsl_matrix_get(dS2, i, j), rdS[i * p + j]);
            for (size_t k = 0; k < n; k++)
              for (size_t i = 0; i < p; i++) fprintf(stderr, "X[%zu][%zu] %.17g mu %.17g\n", k, i, gsl_matrix_get(X, k, i), gsl_vector_get(mu, i));
          }
          FAIL("stats: BM_SUCCESS with d_Sigma not finite");
        }
        if (cmp) {
          if (verbose) {
            fprintf(stderr, "p %zu n %zu fam %d scale %.17Lg kappa %.3g stats ll %.17g\n", p, n, fam, s, R.kappa, ll);
            for (size_t i = 0; i < p; i++)
              for (size_t j = 0; j <= i; j++) fprintf(stderr, "S[%zu][%zu] %.17g\n", i, j, gsl_matrix_get(S, i, j));
            for (size_t k = 0; k < n; k++)
              for (size_t i = 0; i < p; i++) fprintf(stderr, "X[%zu][%zu] %.17g mu %.17g\n", k, i, gsl_matrix_get(X, k, i), gsl_vector_get(mu, i));
          }
          check_value("stats ll", 0, ll, rll, stol_ll);
          check_matrix("stats d_Sigma", dS2, rdS, stolS);
          for (size_t i = 0; i < p; i++) check_value("stats d_mu", i, gsl_vector_get(dmu2, i), rdmu[i], stol_mu);
        }
      } else if (s1 != BM_EDOM || (in_range && cmp && s0 == BM_SUCCESS)) {
        /* a summary of finite rows beyond double range (the scatter) is BM_EDOM's domain */
        ld scat = 0;
        for (size_t k = 0; k < n; k++)
          for (size_t i = 0; i < p; i++) {
            ld v = (ld)gsl_matrix_get(X, k, i), u = (ld)gsl_vector_get(mu, i);
            scat += v * v + u * u;
          }
        if (scat < HUGE_OK) FAIL("stats: status %d / %d on finite rows, outputs in range", s0, s1);
      }
    }
  }
done:
  bm_mvn_stats_free(st_s);
  bm_mvn_free(dn);
  bm_mvt_free(dt);
  bm_matrix_free(Lc);
  bm_matrix_free(S);
  bm_matrix_free(Xa);
  bm_matrix_free(dS);
  bm_matrix_free(dS2);
  bm_vector_free(dmu);
  bm_vector_free(dmu2);
  bm_vector_free(each);
  bm_vector_free(mu);
  free(ref);
  free(G);
  ref_free(&R);
}

/* ---- Wishart / inverse Wishart: batches, summaries, the single point's d_S ---- */

#define MMAX 4

LD_NOCOV static void matrix_case(src_t *r, int inverse)
{
  size_t p = gen_p(r, 1);
  uint8_t b = sb(r);
  size_t m = 1 + b % MMAX;
  int single = (b >> 2) % 4 == 0; /* the single point's logpdf_grad (p up to 200) */
  if (single) m = 1;
  else if (p > 140) p = 1 + p % 17; /* the batches stay at p <= 135 */
  uint8_t nb = sb(r);
  double nu = nb < 200 ? (double)p - 1 + ldexp(1.0 + sb(r) / 64.0, (int)(nb % 40) - 20) : fz_param(&r->in, (double)p);
  ld *G = xmalloc(p * p * sizeof(ld));
  ref_t RS, RX[MMAX];
  ref_init(&RS, p);
  for (size_t k = 0; k < m; k++) ref_init(&RX[k], p);
  gsl_matrix *S = bm_matrix_alloc(p, p), *X[MMAX] = {0}, *dS = bm_matrix_alloc(p, p), *dS2 = bm_matrix_alloc(p, p);
  gen_factor(r, p, G);
  make_spd(p, G, gen_scale(r), S, &RS);
  int fin = 1;
  for (size_t k = 0; k < m; k++) {
    X[k] = bm_matrix_alloc(p, p);
    if (k == 0 || sb(r) % 2) gen_factor(r, p, G); /* else a new scale of the same shape */
    make_spd(p, G, gen_scale(r), X[k], &RX[k]);
    maybe_hostile(r, X[k], &RX[k]);
    fin &= all_finite(X[k]);
  }
  bm_wishart *dw = NULL;
  bm_invwishart *di = NULL;
  bm_wishart_stats *ws = NULL;
  bm_invwishart_stats *is = NULL;
  ld *Q = NULL;
  int st;
  if (inverse) {
    di = bm_invwishart_alloc(p);
    st = bm_invwishart_set(di, nu, S);
  } else {
    dw = bm_wishart_alloc(p);
    st = bm_wishart_set(dw, nu, S);
  }
  if (st != BM_SUCCESS || !RS.ok) goto done;
  {
    const gsl_matrix *const *Xc = (const gsl_matrix *const *)X;
    double ll = NAN, ll2 = NAN, dnu = NAN;
    gsl_vector *each = bm_vector_alloc(m);
    int s1, s2;
    if (single) {
      s1 = inverse ? bm_invwishart_logpdf(di, X[0], &ll) : bm_wishart_logpdf(dw, X[0], &ll);
      s2 = inverse ? bm_invwishart_logpdf_grad(di, X[0], &ll2, NULL, dS, &dnu)
                   : bm_wishart_logpdf_grad(dw, X[0], &ll2, NULL, dS, &dnu);
      gsl_vector_set(each, 0, ll);
    } else {
      s1 = inverse ? bm_invwishart_loglik(di, Xc, m, &ll, each) : bm_wishart_loglik(dw, Xc, m, &ll, each);
      s2 = inverse ? bm_invwishart_loglik_grad(di, Xc, m, &ll2, dS, &dnu)
                   : bm_wishart_loglik_grad(dw, Xc, m, &ll2, dS, &dnu);
    }
    if (!fin) {
      if (s1 == BM_SUCCESS || s2 == BM_SUCCESS) FAIL("BM_SUCCESS (%d %d) with a non-finite X", s1, s2);
      bm_vector_free(each);
      goto done;
    }
    int all_pd = 1;
    for (size_t k = 0; k < m; k++) all_pd &= RX[k].ok;
    if (s1 != BM_SUCCESS || !all_pd) { /* not PD (to the library or in long double): nothing to compare */
      if (s1 == BM_SUCCESS && s2 == BM_SUCCESS) { /* still: every output finite */
        if (!all_finite(dS) || !isfinite(dnu)) FAIL("BM_SUCCESS with a non-finite gradient");
      }
      bm_vector_free(each);
      goto done;
    }
    if (s2 != BM_SUCCESS && s2 != BM_EDOM) FAIL("loglik_grad status %d where loglik succeeded", s2);
    /* reference */
    ld a = (ld)nu / 2, ln2 = logl(2.0L), lmg = (ld)p * (p - 1) / 4 * logl(LD_PI), psi = 0, lgs = 0, psis = 0;
    for (size_t j = 1; j <= p; j++) {
      ld g = lgammal(a + (1 - (ld)j) / 2), dg = ld_digamma(a + (1 - (ld)j) / 2);
      lmg += g;
      lgs += fabsl(g);
      psi += dg;
      psis += fabsl(dg);
    }
    Q = xmalloc(3 * p * p * sizeof(ld));
    ld *T = Q + p * p, *Pi = T + p * p; /* Pi: the inverse of the parameter */
    ld_inverse(p, RS.Li, Pi);
    ld rll = 0, rdnu = 0, tll = 0, tnu = 0, sumx = 0, xn = 0;
    double eachref_tol[MMAX];
    ld eachref[MMAX];
    double rrS = 64.0 * (double)(p * p) * RS.epsx * RS.kappa, rrX = 0, epsX = 0;
    for (size_t k = 0; k < m; k++) {
      double rk = 64.0 * (double)(p * p) * RX[k].epsx * RX[k].kappa;
      if (rk > rrX) rrX = rk;
      if (RX[k].epsx > epsX) epsX = RX[k].epsx;
    }
    double rr = rrS + rrX;
    for (size_t i = 0; i < p * p; i++) Q[i] = 0;
    for (size_t k = 0; k < m; k++) {
      /* trace: Wishart ||L_S^-1 L_X||_F^2, inverse ||L_X^-1 L_Psi||_F^2 */
      const ld *Linv = inverse ? RX[k].Li : RS.Li, *Lo = inverse ? RS.L : RX[k].L;
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
          ld t = 0;
          for (size_t c = j; c <= i; c++) t += Linv[i * p + c] * Lo[c * p + j];
          T[i * p + j] = t;
        }
      ld tr = ld_frob2(p, T), lk, terms;
      if (inverse) {
        lk = a * RS.logdet - ((ld)nu + p + 1) / 2 * RX[k].logdet - tr / 2 - a * p * ln2 - lmg;
        terms = fabsl(a * RS.logdet) + fabsl(((ld)nu + p + 1) / 2 * RX[k].logdet) + tr / 2 + a * p * ln2 + lgs + fabsl(lmg);
        rdnu += RS.logdet / 2 - (ld)p / 2 * ln2 - RX[k].logdet / 2 - psi / 2;
        /* Q += X_k^-1 */
        ld *Xi = T;
        ld_inverse(p, RX[k].Li, Xi);
        ld xf = 0;
        for (size_t i = 0; i < p * p; i++) {
          Q[i] += Xi[i];
          xf += Xi[i] * Xi[i];
        }
        xn += sqrtl(xf);
      } else {
        lk = ((ld)nu - p - 1) / 2 * RX[k].logdet - tr / 2 - a * p * ln2 - a * RS.logdet - lmg;
        terms = fabsl(((ld)nu - p - 1) / 2 * RX[k].logdet) + tr / 2 + a * p * ln2 + fabsl(a * RS.logdet) + lgs + fabsl(lmg);
        rdnu += RX[k].logdet / 2 - (ld)p / 2 * ln2 - RS.logdet / 2 - psi / 2;
        for (size_t i = 0; i < p * p; i++) Q[i] += RX[k].A[i]; /* sum X_k */
      }
      tnu += fabsl(RS.logdet) + fabsl(RX[k].logdet) + p + psis;
      eachref[k] = lk;
      eachref_tol[k] = (double)((ld)rr * (1 + (ld)nu + p + tr) + 64 * EPS * terms);
      rll += lk;
      tll += eachref_tol[k];
    }
    for (size_t i = 0; i < p * p; i++) sumx += Q[i] * Q[i];
    sumx = sqrtl(sumx);
    /* d_S (Wishart): S^-1 (sum X) S^-1 / 2 - m nu/2 S^-1; d_Psi: m nu/2 Psi^-1 - sum X^-1 / 2 */
    ld *rdS = T;
    ld pin = sqrtl(ld_frob2(p, Pi)), scale;
    if (inverse) {
      for (size_t i = 0; i < p * p; i++) rdS[i] = (ld)m * nu / 2 * Pi[i] - Q[i] / 2;
      scale = ((ld)m * nu * pin + xn) / 2;
    } else {
      ld *U = xmalloc(p * p * sizeof(ld));
      ld_matmul(p, Pi, Q, U); /* S^-1 (sum X) */
      ld_matmul(p, U, Pi, rdS);
      for (size_t i = 0; i < p * p; i++) rdS[i] = rdS[i] / 2 - (ld)m * nu / 2 * Pi[i];
      free(U);
      scale = pin * (pin * sumx + (ld)m * nu) / 2;
    }
    /* d_S rounds with S (and the variates normwise); d_Psi with Psi and each X */
    double rd = inverse ? rr : rrS + 64.0 * (double)(p * p) * epsX;
    double tolS = (double)((ld)(4 * rd + 64 * EPS) * scale);
    double tol_nu = (double)((ld)rr * (1 + p) * m + 64 * EPS * tnu);
    int cmp = rr < 1e-3 && nu <= 1e6;
    int in_range = scale < HUGE_OK && fabsl(rdnu) < HUGE_OK;
    if (verbose) {
      fprintf(stderr, "p %zu m %zu nu %.17g inverse %d single %d\n", p, m, nu, inverse, single);
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j <= i; j++) {
          fprintf(stderr, "S[%zu][%zu] %.17g", i, j, gsl_matrix_get(S, i, j));
          for (size_t k = 0; k < m; k++) fprintf(stderr, " X%zu %.17g", k, gsl_matrix_get(X[k], i, j));
          fputc('\n', stderr);
        }
    }
    if (cmp) {
      check_value("ll", 0, ll, rll, tll);
      for (size_t k = 0; k < m; k++) check_value("each", k, gsl_vector_get(each, k), eachref[k], eachref_tol[k]);
    }
    if (s2 == BM_EDOM) {
      if (in_range && cmp) FAIL("loglik_grad: BM_EDOM, but |d_S| <= %.3Lg, |d_nu| = %.3Lg (p %zu, m %zu)", scale, fabsl(rdnu), p, m);
      if (!isnan(ll2) || !isnan(dnu)) FAIL("ll %.17g, d_nu %.17g with BM_EDOM", ll2, dnu);
      require_nan_m("d_S", dS);
    } else {
      if (!all_finite(dS) || !isfinite(dnu)) FAIL("BM_SUCCESS with a non-finite gradient");
      if (cmp) {
        check_value("ll of loglik_grad", 0, ll2, rll, tll);
        check_value("d_nu", 0, dnu, rdnu, tol_nu);
        if (scale < HUGE_OK) check_matrix(inverse ? "d_Psi" : "d_S", dS, rdS, tolS);
      }
    }
    /* the summary route on the same matrices */
    if (!single) {
      double sl = NAN, sdnu = NAN;
      int t0, t1;
      if (inverse) {
        is = bm_invwishart_stats_alloc(p);
        t0 = bm_invwishart_stats_compute(is, Xc, m / 2); /* in two parts: m = 1 adds to an empty summary */
        if (!t0) t0 = bm_invwishart_stats_add(is, Xc + m / 2, m - m / 2);
        t1 = t0 ? t0 : bm_invwishart_stats_loglik_grad(di, is, &sl, dS2, &sdnu);
      } else {
        ws = bm_wishart_stats_alloc(p);
        t0 = bm_wishart_stats_compute(ws, Xc, m / 2);
        if (!t0) t0 = bm_wishart_stats_add(ws, Xc + m / 2, m - m / 2);
        t1 = t0 ? t0 : bm_wishart_stats_loglik_grad(dw, ws, &sl, dS2, &sdnu);
      }
      if (t0 == BM_SUCCESS && t1 == BM_SUCCESS) {
        if (!all_finite(dS2) || !isfinite(sdnu)) FAIL("stats: BM_SUCCESS with a non-finite gradient");
        if (cmp) {
          check_value("stats ll", 0, sl, rll, tll);
          check_value("stats d_nu", 0, sdnu, rdnu, tol_nu);
          if (scale < HUGE_OK) check_matrix(inverse ? "stats d_Psi" : "stats d_S", dS2, rdS, tolS);
        }
      } else if (cmp && in_range && (t0 != BM_SUCCESS || t1 != BM_EDOM || sumx < HUGE_OK)) {
        ld kx = 0;
        for (size_t k = 0; k < m; k++) kx = RX[k].kappa > kx ? RX[k].kappa : kx;
        /* a variate the batch accepted may be rejected by the summary's own factorization only near singular */
        if (t0 != BM_EDOM || kx < 1e8) FAIL("stats: status %d / %d where the batch succeeded (outputs in range)", t0, t1);
      }
    }
    bm_vector_free(each);
  }
done:
  bm_wishart_stats_free(ws);
  bm_invwishart_stats_free(is);
  bm_wishart_free(dw);
  bm_invwishart_free(di);
  bm_matrix_free(S);
  bm_matrix_free(dS);
  bm_matrix_free(dS2);
  for (size_t k = 0; k < m; k++) {
    bm_matrix_free(X[k]);
    ref_free(&RX[k]);
  }
  ref_free(&RS);
  free(Q);
  free(G);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int once;
  if (!once) {
    once = 1;
    const char *e = getenv("FUZZ_GRADS_STATS");
    if (e && (*e == '1' || *e == '2')) atexit(print_stats);
    verbose = e && *e == '2';
    const char *rr = getenv("FUZZ_GRADS_RATIO");
    if (rr) warn_ratio = atof(rr);
  }
  src_t r = {{data, size, 0}, 0x9e3779b97f4a7c15ULL};
  for (size_t i = 0; i < size; i++) r.s = (r.s ^ data[i]) * 0x100000001b3ULL;
  if (!r.s) r.s = 1;
  uint8_t f = sb(&r) % 5;
  if (f <= 2) vector_case(&r, f); /* 0 mvn by Sigma, 1 mvn by Cholesky factor, 2 mvt */
  else matrix_case(&r, f == 4);
  return 0;
}
