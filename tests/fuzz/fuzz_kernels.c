/* libFuzzer harness, differential: the small- and mid-p kernels of the
 * batched mvn / mvt log-likelihood (every forced kernel path), the
 * single-point mvn / mvt log-density, and the Wishart / inverse Wishart
 * log-density, gradient in X and d/dnu at p <= 17, against a reference the
 * harness computes itself in long double (its own Cholesky, substitution and
 * log-gamma / digamma). The bytes choose p, n, nu, a generating factor (well
 * conditioned, graded, near singular, rank one plus a tiny pivot, or hostile
 * raw values), a power-of-two scale over 2^-1000 .. 2^1000, and the rows
 * (ordinary, far tails, NaN / inf / huge / subnormal entries, a strided tda
 * whose padding is NaN).
 *
 * What aborts (a finding):
 *   - BM_SUCCESS although the input held a NaN or an infinity;
 *   - a finite well-scaled SPD input (kappa < 1e8, entries within
 *     [1e-290, 1e290]) that a setter rejects;
 *   - statuses that differ between kernel paths;
 *   - a successful value off the reference by more than the tolerance;
 *   - BM_EDOM from a Wishart-type gradient whose reference entries are all
 *     below DBL_MAX / 1e6 (the d_X terms' sizes bound from the reference,
 *     and d_nu's).
 * Tolerance. kappa = ||Sigma||_F ||L^-1||_F^2 (>= the 2-norm condition
 * number; from the reference factor), eps' = eps + p 2^-1074 / min Sigma_ii
 * (underflow in the products of a subnormal-scaled Sigma). Backward
 * stability of Cholesky and substitution (|E| <= c p eps |L||L^T|) gives a
 * relative error in Sigma^-1 and log|Sigma| of at most ~p^2 eps' kappa;
 * we allow r = 64 p^2 eps' kappa, and compare only where r < 1e-3:
 *   log-density  |d| <= r (1 + p + delta-term) + 64 eps (sum of |terms|)
 * where delta-term is delta/2 (mvn) or (nu+p)/2 delta/(nu+delta) (mvt, the
 * derivative of the log1p term times delta). Between kernel paths (same
 * factor L) only the substitution differs: r' = 64 p eps' kappa_L,
 * kappa_L = ||L||_F ||L^-1||_F. Where the reference falls below -DBL_MAX
 * the answer must be -inf; a finite answer there, or -inf where the
 * reference is finite (beyond the tolerance), is a finding. nu beyond
 * 1e6 is compared between paths only (long double lgamma loses
 * the difference of two terms of size nu log nu).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz_input.h"
#include "fuzz_ldref.h"

/* distributions/small_p.h (not on this target's include path) */
void bm_sp_force_path(int path);

#define PMAX 32
#define NMAX 64
static const double EPS = DBL_EPSILON;

#define FAIL(...)                                                                                                      \
  do {                                                                                                                 \
    fprintf(stderr, "fuzz_kernels: " __VA_ARGS__);                                                                     \
    fputc('\n', stderr);                                                                                               \
    abort();                                                                                                           \
  } while (0)

/* ---- long double reference (fuzz_ldref.h) ---- */

/* one factored SPD matrix of the reference: its factor, inverse factor,
 * log-determinant, condition bounds */
typedef struct {
  int ok;
  ld L[PMAX * PMAX], Li[PMAX * PMAX], logdet;
  double kappa, kappa_L, epsx;
} ref_spd;

static void ref_factor(size_t p, const ld *A, ref_spd *R)
{
  R->ok = ld_chol(p, A, R->L);
  R->kappa = R->kappa_L = INFINITY;
  if (!R->ok) return;
  ld_inv_lower(p, R->L, R->Li);
  R->logdet = 0;
  ld mind = INFINITY;
  for (size_t i = 0; i < p; i++) {
    R->logdet += 2 * logl(R->L[i * p + i]);
    if (A[i * p + i] < mind) mind = A[i * p + i];
  }
  ld li2 = ld_frob2(p, R->Li);
  R->kappa = (double)(sqrtl(ld_frob2(p, A)) * li2);
  R->kappa_L = (double)(sqrtl(ld_frob2(p, R->L) * li2));
  R->epsx = EPS + (double)((ld)p * 0x1p-1074L / mind);
  if (!isfinite(R->kappa)) R->kappa = INFINITY;
  if (!isfinite(R->kappa_L)) R->kappa_L = INFINITY;
}

/* ---- decoding ---- */

/* a lower generating factor G (ld, p x p) in one of several shapes */
static void gen_factor(fz_in *in, size_t p, ld *G)
{
  uint8_t mode = fz_byte(in) % 6;
  for (size_t i = 0; i < p * p; i++) G[i] = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      uint8_t b = fz_byte(in);
      ld v = ((int)(b % 64) - 32) / 16.0L;
      if (i == j) v = 1 + (b % 64) / 8.0L;
      switch (mode) {
      case 1: /* graded: pivots over many decades */
        if (i == j) v = powl(10.0L, -(ld)(b % 17));
        break;
      case 2: /* near singular: the last pivot tiny */
        if (i == j && i == p - 1) v = powl(10.0L, -(ld)(b % 200));
        break;
      case 3: /* rank one plus tiny pivots */
        v = i == j ? powl(10.0L, -(ld)(b % 40)) : 1.0L;
        if (j == 0) v = 1;
        break;
      case 4: /* hostile raw values */
        in->pos--;
        v = fz_double(in);
        if (i == j) v = fabsl(v);
        break;
      default:
        break;
      }
      G[i * p + j] = v;
    }
}

/* S (double) <- round(s^2 G G^T); A (ld) <- the rounded S */
static void make_spd(size_t p, const ld *G, ld s, gsl_matrix *S, ld *A)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      ld t = 0;
      for (size_t k = 0; k <= j; k++) t += (s * G[i * p + k]) * (s * G[j * p + k]);
      double v = (double)t;
      gsl_matrix_set(S, i, j, v);
      gsl_matrix_set(S, j, i, v);
    }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) A[i * p + j] = gsl_matrix_get(S, i, j);
}

/* a scale 2^e * (1 + m/256), e over +-1000 in coarse or fine steps */
static ld gen_scale(fz_in *in)
{
  uint8_t b = fz_byte(in), m = fz_byte(in);
  int e = b & 1 ? ((int)b - 128) * 8 : ((int)(b % 32) - 16);
  return ldexpl(1.0L + m / 256.0L, e);
}

static int all_finite(const gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++)
      if (!isfinite(gsl_matrix_get(A, i, j))) return 0;
  return 1;
}

/* a finite, well-scaled SPD matrix a setter must accept */
static int must_accept(const gsl_matrix *S, const ref_spd *R)
{
  if (!R->ok || !(R->kappa < 1e8) || !all_finite(S)) return 0;
  for (size_t i = 0; i < S->size1; i++)
    for (size_t j = 0; j < S->size2; j++) {
      double a = fabs(gsl_matrix_get(S, i, j));
      if (a > 1e290 || (a != 0 && a < 1e-290)) return 0;
    }
  return 1;
}

/* comparisons made, printed at exit under FUZZ_KERNELS_STATS=1 (to see
 * that the corpus reaches them) */
static unsigned long n_cmp, n_cmp_inf;
static double max_ratio; /* largest |diff| / tol seen */
static void print_stats(void)
{
  fprintf(stderr, "fuzz_kernels: %lu comparisons, %lu at -inf, largest |diff|/tol %.3g\n", n_cmp, n_cmp_inf, max_ratio);
}

/* compare a double answer with a long double reference */
static void check_value(const char *what, size_t i, double got, ld ref, double tol)
{
  n_cmp++;
  /* -inf (+inf: d_nu at a tiny nu) is right where the reference is within tol of rounding to it */
  if ((got == -INFINITY && ref <= -(ld)DBL_MAX + (ld)tol) || (ref == -INFINITY && got <= -DBL_MAX + tol) ||
      (got == INFINITY && ref >= (ld)DBL_MAX - (ld)tol)) {
    n_cmp_inf++;
    return;
  }
  if (tol > 0 && fabsl((ld)got - ref) / tol > max_ratio) max_ratio = (double)(fabsl((ld)got - ref) / tol);
  if (isnan(got) || fabsl((ld)got - ref) > tol)
    FAIL("%s[%zu]: got %.17g, reference %.17Lg, |diff| %.3Lg > tol %.3g", what, i, got, ref, fabsl((ld)got - ref), tol);
}

/* ---- mvn / mvt ---- */

static const int paths[] = {0, 1, 2, 3}; /* auto, generic, avx2, avx512 */
#define NPATH 4

static void vector_case(fz_in *in, size_t p, int fam)
{
  size_t n = 1 + fz_byte(in) % NMAX;
  ld G[PMAX * PMAX], A[PMAX * PMAX], s = gen_scale(in);
  double nu = 0;
  if (fam == 2) {
    uint8_t b = fz_byte(in);
    nu = b < 200 ? ldexp(1.0 + fz_byte(in) / 64.0, (int)(b % 40) - 10) : fz_param(in, 0.0);
  }
  gen_factor(in, p, G);
  gsl_matrix *S = bm_matrix_alloc(p, p);
  gsl_vector *mu = bm_vector_alloc(p);
  make_spd(p, G, s, S, A);
  /* Sigma: as generated, or with one hostile entry (both triangles) */
  if (fz_byte(in) % 8 == 0) {
    size_t i = fz_byte(in) % p, j = fz_byte(in) % p;
    double v = fz_double(in);
    gsl_matrix_set(S, i, j, v);
    gsl_matrix_set(S, j, i, v);
    A[i * p + j] = A[j * p + i] = v;
  }
  uint8_t mum = fz_byte(in) % 4;
  for (size_t i = 0; i < p; i++) gsl_vector_set(mu, i, mum == 0 ? 0.0 : mum == 1 ? (double)(s * (fz_byte(in) % 32) / 8) : fz_double(in));
  ref_spd *R = malloc(sizeof *R);
  if (!R) abort();
  ref_factor(p, A, R);

  bm_mvn *dn = NULL;
  bm_mvt *dt = NULL;
  int st;
  int by_chol = fam == 1 && R->ok;
  gsl_matrix *Lc = NULL;
  if (fam == 2) {
    dt = bm_mvt_alloc(p);
    st = bm_mvt_set(dt, nu, mu, S);
  } else {
    dn = bm_mvn_alloc(p);
    if (by_chol) { /* the reference factor rounded: Sigma becomes exactly Lc Lc^T (to long double) */
      Lc = bm_matrix_alloc(p, p);
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) gsl_matrix_set(Lc, i, j, j <= i ? (double)R->L[i * p + j] : 0.0);
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
          ld t = 0;
          for (size_t k = 0; k <= (i < j ? i : j); k++) t += (ld)gsl_matrix_get(Lc, i, k) * gsl_matrix_get(Lc, j, k);
          A[i * p + j] = t;
        }
      ref_factor(p, A, R);
      st = bm_mvn_set_chol(dn, mu, Lc);
    } else {
      st = bm_mvn_set(dn, mu, S);
    }
  }
  int mu_ok = 1;
  for (size_t i = 0; i < p; i++) mu_ok &= isfinite(gsl_vector_get(mu, i)) && fabs(gsl_vector_get(mu, i)) < 1e290;
  for (size_t i = 0; i < p; i++)
    if (st == BM_SUCCESS && !isfinite(gsl_vector_get(mu, i))) FAIL("set accepted a non-finite mu");
  if (st == BM_SUCCESS && !by_chol && !all_finite(S)) FAIL("set accepted a non-finite Sigma");
  if (st != BM_SUCCESS && !by_chol && mu_ok && !(fam == 2 && !(nu >= 1e-300 && nu < 1e300)) && must_accept(S, R))
    FAIL("set rejected a well-conditioned SPD Sigma (status %d, kappa %.3g)", st, R->kappa);
  if (st != BM_SUCCESS || !R->ok) goto done;

  /* rows: mu + s G z (ordinary), scaled tails, or hostile entries; strided */
  {
    size_t tda = p + fz_byte(in) % 3;
    gsl_matrix *Xa = bm_matrix_alloc(n, tda);
    for (size_t i = 0; i < n * tda; i++) Xa->data[i] = NAN;
    gsl_matrix_view Xv = gsl_matrix_submatrix(Xa, 0, 0, n, p);
    gsl_matrix *X = &Xv.matrix;
    uint8_t rmode = fz_byte(in) % 4;
    ld tail = rmode == 1 ? ldexpl(1.0L, (int)(fz_byte(in) % 64) * 16) : 1.0L;
    int finite = 1;
    for (size_t r = 0; r < n; r++) {
      ld z[PMAX];
      for (size_t j = 0; j < p; j++) z[j] = ((int)(fz_byte(in) % 64) - 32) / 8.0L * tail;
      for (size_t i = 0; i < p; i++) {
        ld t = gsl_vector_get(mu, i);
        for (size_t k = 0; k <= i; k++) t += s * G[i * p + k] * z[k];
        double v = (double)t;
        if (rmode == 2 && fz_byte(in) % 8 == 0) v = fz_double(in);
        if (rmode == 3) v = fz_double(in);
        gsl_matrix_set(X, r, i, v);
        finite &= isfinite(v);
      }
    }
    /* reference per row */
    ld ref[NMAX], rsum = 0, lgk = 0, lgh = 0;
    double tol[NMAX], ctol[NMAX], tsum = 0, ctsum = 0;
    double r_ref = 64.0 * (double)(p * p) * R->epsx * R->kappa, r_cross = 64.0 * (double)p * R->epsx * R->kappa_L;
    int cmp_ref = r_ref < 1e-3 && (fam != 2 || (nu <= 1e6 && nu >= DBL_MIN)), cmp_cross = r_cross < 1e-3;
    if (fam == 2) {
      lgk = lgammal(((ld)nu + p) / 2);
      lgh = lgammal((ld)nu / 2);
    }
    for (size_t r = 0; r < n && finite; r++) {
      ld zz[PMAX], delta = 0;
      for (size_t i = 0; i < p; i++) zz[i] = (ld)gsl_matrix_get(X, r, i) - gsl_vector_get(mu, i);
      ld_fwd(p, R->L, zz);
      for (size_t i = 0; i < p; i++) delta += zz[i] * zz[i];
      ld dterm, terms;
      if (fam == 2) {
        ld hk = ((ld)nu + p) / 2;
        ref[r] = lgk - lgh - (ld)p / 2 * logl((ld)nu * LD_PI) - R->logdet / 2 -
                 hk * log1pl(delta / nu);
        dterm = hk * delta / ((ld)nu + delta);
        terms = fabsl(lgk) + fabsl(lgh) + fabsl((ld)p / 2 * logl((ld)nu * 3.14159L)) + fabsl(R->logdet / 2) +
                fabsl(hk * log1pl(delta / nu));
      } else {
        ref[r] = -(ld)p / 2 * logl(2 * LD_PI) - R->logdet / 2 - delta / 2;
        dterm = delta / 2;
        terms = (ld)p + fabsl(R->logdet / 2) + delta / 2;
      }
      tol[r] = (double)((ld)r_ref * (1 + p + dterm) + 64 * EPS * terms);
      ctol[r] = (double)((ld)r_cross * (1 + 2 * dterm) + 64 * EPS * terms);
      rsum += ref[r];
      tsum += tol[r];
      ctsum += ctol[r];
    }
    tsum += 64 * EPS * (double)n * (double)fabsl(rsum / (ld)n);
    ctsum += 64 * EPS * (double)n * (double)fabsl(rsum / (ld)n);

    gsl_vector *each = bm_vector_alloc(n);
    double ll0 = 0, each0[NMAX];
    int st0 = 0;
    for (int k = 0; k < NPATH; k++) {
      bm_sp_force_path(paths[k]);
      double ll = 0, ll2 = 0;
      int s1 = fam == 2 ? bm_mvt_loglik(dt, X, &ll, each) : bm_mvn_loglik(dn, X, &ll, each);
      int s2 = fam == 2 ? bm_mvt_loglik(dt, X, &ll2, NULL) : bm_mvn_loglik(dn, X, &ll2, NULL);
      if (s1 != s2) FAIL("path %d: status with each %d, without %d", paths[k], s1, s2);
      if (k == 0) st0 = s1;
      else if (s1 != st0) FAIL("path %d: status %d, auto path %d", paths[k], s1, st0);
      if (!finite) {
        if (s1 == BM_SUCCESS) FAIL("path %d: BM_SUCCESS (ll %.17g) with a non-finite row", paths[k], ll);
        if (!isnan(ll)) FAIL("path %d: ll %.17g on failure", paths[k], ll);
        continue;
      }
      if (s1 != BM_SUCCESS) FAIL("path %d: status %d on finite rows (set object)", paths[k], s1);
      if (ll != ll2 && !(fabs(ll - ll2) <= ctsum)) FAIL("path %d: ll %.17g with each, %.17g without", paths[k], ll, ll2);
      for (size_t r = 0; r < n; r++) {
        double e = gsl_vector_get(each, r);
        if (cmp_ref) check_value("each vs reference", r, e, ref[r], tol[r]);
        if (k == 0) each0[r] = e;
        else if (cmp_cross && e != each0[r]) check_value("each vs auto path", r, e, each0[r], 2 * ctol[r]);
      }
      if (cmp_ref) check_value("ll vs reference", 0, ll, rsum, tsum);
      if (k == 0) ll0 = ll;
      else if (cmp_cross && ll != ll0) check_value("ll vs auto path", paths[k], ll, ll0, 2 * ctsum);
    }
    bm_sp_force_path(0);
    /* the single point, row by row */
    for (size_t r = 0; r < n; r++) {
      gsl_vector_view row = gsl_matrix_row(X, r);
      double lp = 0;
      int s1 = fam == 2 ? bm_mvt_logpdf(dt, &row.vector, &lp) : bm_mvn_logpdf(dn, &row.vector, &lp);
      int rf = 1;
      for (size_t i = 0; i < p; i++) rf &= isfinite(gsl_matrix_get(X, r, i));
      if (!rf) {
        if (s1 == BM_SUCCESS) FAIL("logpdf: BM_SUCCESS (%.17g) at a non-finite row %zu", lp, r);
        continue;
      }
      if (s1 != BM_SUCCESS) FAIL("logpdf: status %d at finite row %zu", s1, r);
      if (finite && cmp_ref) check_value("logpdf vs reference", r, lp, ref[r], tol[r]);
      if (finite && cmp_cross && lp != each0[r]) check_value("logpdf vs batched each", r, lp, each0[r], 2 * ctol[r]);
    }
    bm_vector_free(each);
    bm_matrix_free(Xa);
  }
done:
  bm_mvn_free(dn);
  bm_mvt_free(dt);
  bm_matrix_free(Lc);
  bm_matrix_free(S);
  bm_vector_free(mu);
  free(R);
}

/* ---- Wishart / inverse Wishart ---- */

static void matrix_case(fz_in *in, size_t p, int inverse)
{
  ld G[PMAX * PMAX], A[PMAX * PMAX], B[PMAX * PMAX];
  uint8_t b = fz_byte(in);
  double nu = b < 200 ? (double)p - 1 + ldexp(1.0 + fz_byte(in) / 64.0, (int)(b % 40) - 20) : fz_param(in, (double)p);
  gsl_matrix *S = bm_matrix_alloc(p, p), *X = bm_matrix_alloc(p, p), *dX = bm_matrix_alloc(p, p);
  gen_factor(in, p, G);
  make_spd(p, G, gen_scale(in), S, A);
  gen_factor(in, p, G);
  make_spd(p, G, gen_scale(in), X, B);
  if (fz_byte(in) % 8 == 0) { /* a hostile entry in X (both triangles) */
    size_t i = fz_byte(in) % p, j = fz_byte(in) % p;
    double v = fz_double(in);
    gsl_matrix_set(X, i, j, v);
    gsl_matrix_set(X, j, i, v);
    B[i * p + j] = B[j * p + i] = v;
  }
  ref_spd *RS = malloc(sizeof *RS), *RX = malloc(sizeof *RX);
  if (!RS || !RX) abort();
  ref_factor(p, A, RS);
  ref_factor(p, B, RX);
  bm_wishart *dw = NULL;
  bm_invwishart *di = NULL;
  int st;
  if (inverse) {
    di = bm_invwishart_alloc(p);
    st = bm_invwishart_set(di, nu, S);
  } else {
    dw = bm_wishart_alloc(p);
    st = bm_wishart_set(dw, nu, S);
  }
  if (st != BM_SUCCESS && nu > p - 1 && nu < 1e290 && must_accept(S, RS))
    FAIL("set rejected a well-conditioned SPD scale (status %d, kappa %.3g, nu %.17g)", st, RS->kappa, nu);
  if (st != BM_SUCCESS || !RS->ok) goto done;
  {
    double lp = 0, lp2 = 0, dnu = 0;
    int s1 = inverse ? bm_invwishart_logpdf(di, X, &lp) : bm_wishart_logpdf(dw, X, &lp);
    int s2 = inverse ? bm_invwishart_logpdf_grad(di, X, &lp2, dX, NULL, &dnu)
                     : bm_wishart_logpdf_grad(dw, X, &lp2, dX, NULL, &dnu);
    int fin = all_finite(X);
    if (!fin) {
      if (s1 == BM_SUCCESS || s2 == BM_SUCCESS) FAIL("BM_SUCCESS with a non-finite X (%d %d)", s1, s2);
      goto done;
    }
    if (s1 == BM_SUCCESS && RX->ok && s2 != BM_SUCCESS && s2 != BM_EDOM)
      FAIL("logpdf_grad status %d where logpdf succeeded", s2);
    if (s1 != BM_SUCCESS || !RX->ok) goto done; /* not PD in long double: nothing to compare */
    /* on BM_EDOM every output is NaN: only BM_SUCCESS compared */
    if (s2 == BM_SUCCESS && lp2 != lp && !(fabs(lp2 - lp) <= 1e-12 * (1 + fabs(lp))))
      FAIL("logpdf %.17g, logpdf_grad %.17g (status %d, nu %.17g, X %.17g, S %.17g)", lp, lp2, s2, nu, gsl_matrix_get(X, 0, 0), gsl_matrix_get(S, 0, 0));
    double rr = 64.0 * (double)(p * p) * (RS->epsx * RS->kappa + RX->epsx * RX->kappa);
    /* a subnormal nu is compared too: log Gamma(nu/2) is formed from nu, not from the rounded nu/2 */
    if (!(rr < 1e-3) || !(nu <= 1e6)) goto done;
    /* reference */
    ld T[PMAX * PMAX], Xi[PMAX * PMAX], Si[PMAX * PMAX];
    /* trace: Wishart ||L_S^-1 L_X||_F^2, inverse ||L_X^-1 L_Psi||_F^2 */
    const ld *Linv = inverse ? RX->Li : RS->Li, *Lo = inverse ? RS->L : RX->L;
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) {
        ld t = 0;
        for (size_t k = j; k <= i; k++) t += Linv[i * p + k] * Lo[k * p + j];
        T[i * p + j] = t;
      }
    ld tr = ld_frob2(p, T), a = (ld)nu / 2, lmg = (ld)p * (p - 1) / 4 * logl(LD_PI),
       psi = 0, lgs = 0;
    for (size_t j = 1; j <= p; j++) {
      ld g = lgammal(a + (1 - (ld)j) / 2);
      lmg += g;
      lgs += fabsl(g);
      psi += ld_digamma(a + (1 - (ld)j) / 2);
    }
    ld ln2 = logl(2.0L), ref, rdnu, terms;
    if (inverse) {
      ref = a * RS->logdet - ((ld)nu + p + 1) / 2 * RX->logdet - tr / 2 - a * p * ln2 - lmg;
      rdnu = RS->logdet / 2 - (ld)p / 2 * ln2 - RX->logdet / 2 - psi / 2;
      terms = fabsl(a * RS->logdet) + fabsl(((ld)nu + p + 1) / 2 * RX->logdet) + tr / 2 + a * p * ln2 + lgs + fabsl(lmg);
    } else {
      ref = ((ld)nu - p - 1) / 2 * RX->logdet - tr / 2 - a * p * ln2 - a * RS->logdet - lmg;
      rdnu = RX->logdet / 2 - (ld)p / 2 * ln2 - RS->logdet / 2 - psi / 2;
      terms = fabsl(((ld)nu - p - 1) / 2 * RX->logdet) + tr / 2 + a * p * ln2 + fabsl(a * RS->logdet) + lgs + fabsl(lmg);
    }
    double tol = (double)((ld)rr * (1 + (ld)nu + p + tr) + 64 * EPS * terms);
    check_value(inverse ? "invwishart logpdf" : "wishart logpdf", p, lp, ref, tol);
    ld psis = 0;
    for (size_t j = 1; j <= p; j++) psis += fabsl(ld_digamma(a + (1 - (ld)j) / 2));
    if (s2 == BM_SUCCESS)
      check_value("d_nu", p, dnu, rdnu, (double)((ld)rr * (1 + p) + 64 * EPS * (fabsl(RS->logdet) + fabsl(RX->logdet) + p + psis)));
    /* d_X: Wishart (nu-p-1)/2 X^-1 - S^-1/2; inverse -(nu+p+1)/2 X^-1 + X^-1 Psi X^-1/2 */
    ld_inverse(p, RX->Li, Xi);
    ld_inverse(p, RS->Li, Si);
    ld mx = 0, ms = 0, mq = 0, Q[PMAX * PMAX];
    if (inverse) { /* X^-1 Psi X^-1 = (L_X^-T T)(L_X^-T T)^T, T = L_X^-1 L_Psi */
      ld U[PMAX * PMAX];
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
          ld t = 0;
          for (size_t k = i; k < p; k++) t += RX->Li[k * p + i] * T[k * p + j];
          U[i * p + j] = t;
        }
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
          ld t = 0;
          for (size_t k = 0; k < p; k++) t += U[i * p + k] * U[j * p + k];
          Q[i * p + j] = t;
        }
    }
    for (size_t i = 0; i < p * p; i++) {
      if (fabsl(Xi[i]) > mx) mx = fabsl(Xi[i]);
      if (fabsl(Si[i]) > ms) ms = fabsl(Si[i]);
      if (inverse && fabsl(Q[i]) > mq) mq = fabsl(Q[i]);
    }
    ld c1 = inverse ? -((ld)nu + p + 1) / 2 : ((ld)nu - p - 1) / 2;
    ld scale = fabsl(c1) * mx + (inverse ? mq : ms) / 2;
    if (s2 == BM_EDOM && scale < (ld)DBL_MAX / 1e6 && fabsl(rdnu) < (ld)DBL_MAX / 1e6) {
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
          fprintf(stderr, "X[%zu][%zu] = %.17g, S[%zu][%zu] = %.17g\n", i, j, gsl_matrix_get(X, i, j), i, j, gsl_matrix_get(S, i, j));
      fprintf(stderr, "nu = %.17g\n", nu);
    }
    if (s2 == BM_EDOM && scale < (ld)DBL_MAX / 1e6 && fabsl(rdnu) < (ld)DBL_MAX / 1e6) FAIL("logpdf_grad: BM_EDOM, but |d_X| <= %.3Lg", scale);
    if (s2 == BM_SUCCESS && scale < (ld)DBL_MAX / 1e6)
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
          ld g = c1 * Xi[i * p + j] + (inverse ? Q[i * p + j] / 2 : -Si[i * p + j] / 2);
          double gt = (double)((ld)rr * 4 * scale + 64 * EPS * scale);
          check_value("d_X", i * p + j, gsl_matrix_get(dX, i, j), g, gt);
        }
  }
done:
  bm_wishart_free(dw);
  bm_invwishart_free(di);
  bm_matrix_free(S);
  bm_matrix_free(X);
  bm_matrix_free(dX);
  free(RS);
  free(RX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int once;
  if (!once) {
    once = 1;
    const char *e = getenv("FUZZ_KERNELS_STATS");
    if (e && *e == '1') atexit(print_stats);
  }
  fz_in in = {data, size, 0};
  uint8_t b = fz_byte(&in), f = fz_byte(&in) % 5;
  /* mostly p <= 17 (the small-p kernels and their first general size), some up to 32 (the mid-p kernel) */
  size_t p = b & 0x80 ? 1 + b % PMAX : 1 + b % 17;
  if (f <= 2) vector_case(&in, p, f); /* 0 mvn by Sigma, 1 mvn by Cholesky factor, 2 mvt */
  else matrix_case(&in, p, f == 4);
  return 0;
}
