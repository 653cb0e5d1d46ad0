/* The matrix-variate F family F_p(nu, delta, Psi) (docs/contract.md).
 *
 *   log f(X) = log Gamma_p(k/2) - log Gamma_p(nu/2) - log Gamma_p(r/2)
 *              - nu/2 log|Psi| + (nu-p-1)/2 log|X| - k/2 log|I + X Psi^-1|,
 *   k = nu + delta + p - 1, r = delta + p - 1, nu > p - 1, delta > 0.
 * theta = (vech Psi, nu, delta).
 *
 * Numerical choices:
 *  - log|I + X Psi^-1| = log|Psi + X| - log|Psi| (Sylvester), so
 *      log f = c + r/2 log|Psi| + (nu-p-1)/2 log|X| - k/2 log|Psi + X|,
 *    every log-determinant from a Cholesky factor (never det()); forming
 *    Psi + X elementwise and factoring it is backward stable, and no small
 *    difference log|Psi+X| - log|Psi| is ever formed explicitly.
 *  - S = (Psi + X)^-1, X^-1 and C = Psi^-1 are formed (dpotri) only where
 *    they ARE the output: gradients, Hessians, the Fisher information.
 *  - Single-point evaluations take scratch from the stack (src/work.h).
 *  - Sampling: Phi ~ IW_p(delta+p-1, Psi), X | Phi ~ W_p(nu, Phi), both from
 *    Bartlett factors (Smith & Hocking 1972) and triangular products; no
 *    factorization per draw.
 * References: the Fisher information and its derivation through the matrix
 * beta law of (I + Psi^-1/2 X Psi^-1/2)^-1: docs/matf-fisher.md (after
 * Muirhead 1982 ch. 7, Gupta & Nagar 2000 ch. 5); gradients and Hessians:
 * docs/matf.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/alloc.h"
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/specfun.h"
#include "bayesmat/random.h"
#include "bayesmat/matf.h"
#include "work.h"
#include "wishart_common.h"
#include "internal.h"
#include "../src/error.h"

struct bm_matf {
  size_t p, q;          /* dimension, q = p(p+1)/2 */
  int is_set;
  double nu, delta;     /* parameters as given */
  double k, r;          /* k = nu + delta + p - 1, r = delta + p - 1 */
  double logdet_Psi;    /* log|Psi| from L */
  double log_norm;      /* log Gamma_p(k/2) - log Gamma_p(nu/2) - log Gamma_p(r/2) */
  gsl_matrix *Psi;      /* copy of Psi (full symmetric) */
  gsl_matrix *L;        /* Psi = L L^T, lower */
  gsl_matrix *C;        /* Psi^-1 (full) */
  gsl_matrix *Psi_new, *L_new, *C_new; /* _set's scratch, swapped in on success */
};

/* ---------------------------------------------------------------- helpers */

/* A view of n doubles at buf as a p x p matrix. */
static gsl_matrix_view square_view(double *buf, size_t p) { return gsl_matrix_view_array(buf, p, p); }

/*
 * The per-point factors: L_X with X = L_X L_X^T and L_S with Psi + X = L_S L_S^T,
 * and their log-determinants. X is validated here (symmetric, finite, p x p);
 * a non-SPD X is BM_EDOM (outside the support).
 */
#define factor_point(d, X, ...) factor_point_fn(__func__, "X", d, X, __VA_ARGS__)
static int factor_point_fn(const char *fn, const char *name, const bm_matf *d, const gsl_matrix *X, gsl_matrix *L_X,
                           gsl_matrix *L_S, double *logdet_X, double *logdet_S)
{
  size_t p = d->p, k = 0;
  int status = bm_check_symmetric(fn, name, X, p);
  if (status) return status;
  if (bm_chol_factor(X, L_X, &k) != BM_SUCCESS)
    return bm_error_set(BM_EDOM, fn, "%s is not positive definite (leading minor %zu of %zu): outside the support",
                        name, k, p);
  /* lower triangle of Psi + X */
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++)
      L_S->data[i * L_S->tda + j] = d->Psi->data[i * d->Psi->tda + j] + X->data[i * X->tda + j];
  if (bm_chol_factor(L_S, L_S, NULL) != BM_SUCCESS)
    return bm_error_set(BM_EDOM, fn, "Psi + %s is not positive definite in double precision", name);
  *logdet_X = bm_chol_logdet(L_X);
  *logdet_S = bm_chol_logdet(L_S);
  return BM_SUCCESS;
}

/* Sums over j = 0..p-1 of f((r - j)/2), r = delta + p - 1, with each argument
 * formed as (delta + (p-1-j))/2 from delta itself: forming r first rounds a
 * delta below eps (p-1) away (r = p - 1 exactly: Gamma_p(r/2) infinite) and
 * costs relative accuracy eps (p-1)/delta in the j = p-1 term for any small
 * delta. That term, f(delta/2), comes from delta through the p = 1 functions
 * of bayesmat/specfun.h (delta/2 rounds for a subnormal delta, at every p).
 * lmvgamma_r = log Gamma_p(r/2). */
static double lmvgamma_r(size_t p, double delta)
{
  double s = 0.25 * (double)p * ((double)p - 1.0) * 1.14472988584940017414 /* log pi */;
  for (size_t i = 1; i < p; i++) s += bm_lgamma(0.5 * (delta + (double)i));
  return s + bm_lmvgamma_half(1, delta);
}
/* sum_i f(delta + i, eta), i < p: [psi_p(k/2) - psi_p(r/2)]/2 (eta = nu, f =
 * bm_mvdigamma_half_diff at p = 1) and its trigamma twin, the delta + i formed
 * as above (the i = 0 term is delta itself) */
static double sum_at_r_diff(size_t p, double delta, double eta, double (*f)(size_t, double, double))
{
  double s = 0.0;
  for (size_t i = p; i-- > 0;) s += f(1, i ? delta + (double)i : delta, eta);
  return s;
}

/* log f from the log-determinants (formula in the header comment). */
static double logpdf_from_logdets(const bm_matf *d, double logdet_X, double logdet_S)
{
  double p = (double)d->p;
  return d->log_norm + 0.5 * d->r * d->logdet_Psi + 0.5 * (d->nu - p - 1.0) * logdet_X - 0.5 * d->k * logdet_S;
}

/* The large-(nu, delta) form of log f (both (nu-p+1)/2 and delta/2 >= 10),
 * where the textbook sum cancels like (nu + delta) eps. With T = L_S^-1 X
 * L_S^-T = M1 M1^T (M1 = L_S^-1 L_X) and I - T = M2 M2^T (M2 = L_S^-1 L_Psi),
 * t = nu/k, and Stirling's series for the three log Gamma_p:
 *   log f = A + nu/2 dev(M1, t) + r/2 dev(M2, 1 - t) - k/2 (off(M1) + off(M2)) - (p+1)/2 log|X|,
 * dev(M, c) = sum_i [log m_i - m_i + 1], m_i = M_ii^2/c, off(M) = sum_{i>j} M_ij^2,
 *   A = -p(p+1)/4 log(2k/(nu r)) - p(p-1)/4 (1 + log pi) - p/2 log(2 pi)
 *       + sum_j [(K_j - 1/2) log1p(-j/k) - (N_j - 1/2) log1p(-j/nu) - (R_j - 1/2) log1p(-j/r)
 *                + st(K_j) - st(N_j) - st(R_j)],  K_j, N_j, R_j = (k - j)/2, (nu - j)/2, (r - j)/2
 * (the linear terms of nu/2 log|T| and r/2 log|I - T| cancel exactly because
 * nu/t = r/(1 - t) = k); the dev terms vanish to first order at the mode, so
 * rounding enters as sqrt(nu + delta) eps instead. */
static int large_form(const bm_matf *d)
{
  return bm_wt_large_nu(d->p, d->nu) && 0.5 * d->delta >= 10.0;
}

static double logpdf_large(const bm_matf *d, const gsl_matrix *L_X, const gsl_matrix *L_S, double logdet_X,
                           double *M)
{
  size_t p = d->p;
  double pd = (double)p, nu = d->nu, r = d->r, k = d->k;
  double A = -0.25 * pd * (pd + 1.0) * (log1p(r / nu) + log(2.0 / r)) - 0.25 * pd * (pd - 1.0) * (1.0 + BM_WT_LOG_PI) -
             0.5 * pd * BM_WT_LOG_2PI;
  for (size_t j = 0; j < p; j++) {
    double jd = (double)j, K = 0.5 * (k - jd), N = 0.5 * (nu - jd), R = 0.5 * (d->delta + (double)(p - 1 - j));
    A += (K - 0.5) * log1p(-jd / k) - (N - 0.5) * log1p(-jd / nu) - (R - 0.5) * log1p(-jd / r) +
         bm_lgamma_stirling_tail(K) - bm_lgamma_stirling_tail(N) - bm_lgamma_stirling_tail(R);
  }
  double v = A - 0.5 * (pd + 1.0) * logdet_X;
  const gsl_matrix *F[2] = {L_X, d->L};
  double c[2] = {nu / k, r / k}, w[2] = {0.5 * nu, 0.5 * r};
  for (int f = 0; f < 2; f++) { /* M <- L_S^-1 F */
    bm_wt_copy_lower(F[f], M, p);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, L_S->data,
                (int)L_S->tda, M, (int)p);
    v += w[f] * bm_wt_dev_diag(M, p, p, c[f]) - k * bm_wt_half_sumsq(M, p, p, 1);
  }
  return v;
}

/* log f at a point from its factors (factor_point); M: p x p scratch */
static double logpdf_point(const bm_matf *d, const gsl_matrix *L_X, const gsl_matrix *L_S, double logdet_X,
                           double logdet_S, double *M)
{
  return large_form(d) ? logpdf_large(d, L_X, L_S, logdet_X, M) : logpdf_from_logdets(d, logdet_X, logdet_S);
}

/* The sums over m observations of d log f / d nu and d log f / d delta, given
 * the sums of their log-determinants (m = 1: one point; the multiplication by
 * 1.0 is exact, so a point and a batch of one agree to the bit). */
static double dnu_from_logdets(const bm_matf *d, double m, double sum_ldX, double sum_ldS)
{
  /* [psi_p(k/2) - psi_p(nu/2)]/2 as one difference, k/2 - j/2 = (nu - j)/2 + r/2: the
   * plain difference cancels where r << nu (d_nu = -0.52 instead of 2.5e7 at
   * nu = 2e-154, delta = 1e-300, p = 1) */
  return m * bm_mvdigamma_half_diff(d->p, d->nu, d->r) + 0.5 * (sum_ldX - sum_ldS);
}
static double ddelta_from_logdets(const bm_matf *d, double m, double sum_ldS)
{
  return m * (sum_at_r_diff(d->p, d->delta, d->nu, bm_mvdigamma_half_diff) + 0.5 * d->logdet_Psi) - 0.5 * sum_ldS;
}

/* d_Psi <- sum over m observations of r/2 C - k/2 S_i, given Ssum = sum_i S_i. */
static void dpsi_from_sum(const bm_matf *d, double m, const gsl_matrix *Ssum, gsl_matrix *d_Psi)
{
  for (size_t i = 0; i < d->p; i++)
    for (size_t j = 0; j < d->p; j++)
      gsl_matrix_set(d_Psi, i, j, 0.5 * m * d->r * gsl_matrix_get(d->C, i, j) - 0.5 * d->k * gsl_matrix_get(Ssum, i, j));
}

/* Scratch of n doubles for one call: the caller's stack array (BM_STACK_DOUBLES)
 * when it fits, else the heap; BM_ENOMEM, reported for fn, when neither. */
static int scratch_fn(const char *fn, bm_work *w, double *stack, size_t n, double **buf)
{
  *buf = bm_work_get(w, stack, BM_STACK_DOUBLES, n);
  return *buf ? BM_SUCCESS : bm_error_set(BM_ENOMEM, fn, "out of memory");
}
#define scratch(...) scratch_fn(__func__, __VA_ARGS__)

static int check_object_fn(const char *fn, const bm_matf *d)
{
  return d == NULL || !d->is_set ? bm_error_set(BM_EINVAL, fn, d ? "d has not been set" : "d is NULL") : BM_SUCCESS;
}
#define check_object(d) check_object_fn(__func__, d)

/* ------------------------------------------------------------ alloc / set */

/* the object's p x p matrices, as bm_square_matrices_calloc / bm_matrices_free take them */
#define MATF_MATRICES(d) 6, (gsl_matrix **const[]){&(d)->Psi, &(d)->L, &(d)->C, &(d)->Psi_new, &(d)->L_new, &(d)->C_new}

bm_matf *bm_matf_alloc(size_t p)
{
  bm_matf *d = p ? calloc(1, sizeof *d) : NULL;
  if (d && bm_square_matrices_calloc(MATF_MATRICES(d), p)) {
    free(d);
    return NULL;
  }
  if (d) {
    d->p = p;
    d->q = bm_vech_len(p);
  }
  return d;
}

void bm_matf_free(bm_matf *d)
{
  if (!d) return;
  bm_matrices_free(MATF_MATRICES(d));
  free(d);
}

int bm_matf_set(bm_matf *d, double nu, double delta, const gsl_matrix *Psi)
{
  if (d == NULL || Psi == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", d == NULL ? "d" : "Psi");
  size_t p = d->p;
  int status = bm_validate_matrix(Psi, p, p);
  if (status) return status;
  if (!isfinite(nu) || !isfinite(delta)) return BM_FAIL(BM_ENONFINITE, "%s = %g is not finite", !isfinite(nu) ? "nu" : "delta", !isfinite(nu) ? nu : delta);
  status = bm_validate_spd(Psi, p, d->L_new, NULL);
  if (status) return status;
  status = bm_check_greater(__func__, "nu", nu, (double)p - 1.0, "p - 1");
  if (!status) status = bm_validate_greater(delta, 0.0);
  if (status) return status;
  /* The normalizing constant must be representable: nu/2 can round onto the
   * bound of Gamma_p (nu = 5e-324 at p = 1) and nu + delta can overflow.
   * Such parameters are BM_EDOM rather than a NaN log-density later. */
  double r_new = delta + ((double)p - 1.0), k_new = nu + r_new;
  double log_norm = bm_lmvgamma_half(p, k_new) - bm_lmvgamma_half(p, nu) - lmvgamma_r(p, delta);
  if (!isfinite(log_norm)) return BM_FAIL(BM_EDOM, "nu = %g, delta = %g: the normalizing constant is beyond double range", nu, delta);
  status = bm_chol_inverse(d->L_new, d->C_new);
  if (status) return BM_FAIL(BM_ENOTSPD, "Psi's factor has a zero pivot"); /* dpotri found an exactly zero pivot: cannot happen after dpotrf */
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double v = gsl_matrix_get(Psi, i, j);
      gsl_matrix_set(d->Psi_new, i, j, v);
      gsl_matrix_set(d->Psi_new, j, i, v);
    }
  /* commit */
  gsl_matrix *t;
  t = d->Psi; d->Psi = d->Psi_new; d->Psi_new = t;
  t = d->L; d->L = d->L_new; d->L_new = t;
  t = d->C; d->C = d->C_new; d->C_new = t;
  d->nu = nu;
  d->delta = delta;
  d->r = r_new; /* delta + (p - 1), not (delta + p) - 1: that loses a delta below 1e-16 entirely (r = 0, log f = NaN) */
  d->k = k_new;
  d->logdet_Psi = bm_chol_logdet(d->L);
  d->log_norm = log_norm;
  d->is_set = 1;
  return BM_SUCCESS;
}

size_t bm_matf_dim(const bm_matf *d) { return d ? d->p : 0; }

size_t bm_matf_nparams(const bm_matf *d) { return d ? d->q + 2 : 0; }

/* ---------------------------------------------------------------- logpdf */

int bm_matf_logpdf(const bm_matf *d, const gsl_matrix *X, double *lp)
{
  if (lp) *lp = NAN;
  if (lp == NULL || X == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", lp == NULL ? "lp" : "X");
  int status = check_object(d);
  if (status) return status;
  size_t p = d->p;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, 3 * p * p);
  if (!buf) return BM_FAIL(BM_ENOMEM, "out of memory");
  gsl_matrix_view L_X = square_view(buf, p), L_S = square_view(buf + p * p, p);
  double ld_X, ld_S;
  status = factor_point(d, X, &L_X.matrix, &L_S.matrix, &ld_X, &ld_S);
  if (status == BM_SUCCESS)
    *lp = logpdf_point(d, &L_X.matrix, &L_S.matrix, ld_X, ld_S, buf + 2 * p * p);
  else if (status == BM_EDOM)
    *lp = -INFINITY;
  bm_work_release(&w);
  return status;
}

/* ---------------------------------------------------------- gradient core */

/*
 * Everything the derivative functions need at one point: log-determinants,
 * X^-1 (when want_Xinv) and S = (Psi+X)^-1, both full symmetric, written
 * into Xinv and S (p x p views into caller scratch).
 */
#define point_inverses(...) point_inverses_fn(__func__, __VA_ARGS__)
static int point_inverses_fn(const char *fn, const bm_matf *d, const gsl_matrix *X, int want_Xinv, gsl_matrix *Xinv,
                             gsl_matrix *S, double *ld_X, double *ld_S)
{
  int status = factor_point_fn(fn, "X", d, X, Xinv, S, ld_X, ld_S);
  if (status) return status;
  if (want_Xinv && bm_chol_inverse(Xinv, Xinv) != BM_SUCCESS)
    return bm_error_set(BM_EDOM, fn, "X^-1 is beyond double range");
  if (bm_chol_inverse(S, S) != BM_SUCCESS) return bm_error_set(BM_EDOM, fn, "(Psi + X)^-1 is beyond double range");
  return BM_SUCCESS;
}

/* A point's derivative ingredients (point_inverses) in scratch taken for the call. */
typedef struct {
  bm_work w;
  gsl_matrix_view Xi, S;
  double ld_X, ld_S;
} point_state;

/* Two p x p blocks of scratch for X^-1 and S (stack first), then point_inverses at X into them. */
static int point_begin_fn(const char *fn, const bm_matf *d, const gsl_matrix *X, int want_Xinv, double *stack,
                          point_state *pt)
{
  size_t p = d->p;
  double *buf;
  int status = scratch_fn(fn, &pt->w, stack, 2 * p * p, &buf);
  if (status) return status;
  pt->Xi = square_view(buf, p);
  pt->S = square_view(buf + p * p, p);
  return point_inverses_fn(fn, d, X, want_Xinv, &pt->Xi.matrix, &pt->S.matrix, &pt->ld_X, &pt->ld_S);
}
#define point_begin(...) point_begin_fn(__func__, __VA_ARGS__)

int bm_matf_grad(const bm_matf *d, const gsl_matrix *X, gsl_matrix *d_X, gsl_matrix *d_Psi, double *d_nu,
                 double *d_delta)
{
  double stack[BM_STACK_DOUBLES];
  point_state pt = {.w = {NULL, 0}};
  int status = X == NULL ? BM_FAIL(BM_EINVAL, "X is NULL") : check_object(d);
  if (!status && d_X) status = bm_validate_shape(d_X, d->p, d->p);
  if (!status && d_Psi) status = bm_validate_shape(d_Psi, d->p, d->p);
  if (!status) status = point_begin(d, X, d_X != NULL, stack, &pt);
  if (status) goto done;
  double a = 0.5 * (d->nu - (double)d->p - 1.0), hk = 0.5 * d->k;
  if (d_X) /* (nu-p-1)/2 X^-1 - k/2 S */
    for (size_t i = 0; i < d->p; i++)
      for (size_t j = 0; j < d->p; j++)
        gsl_matrix_set(d_X, i, j, a * gsl_matrix_get(&pt.Xi.matrix, i, j) - hk * gsl_matrix_get(&pt.S.matrix, i, j));
  if (d_Psi) dpsi_from_sum(d, 1.0, &pt.S.matrix, d_Psi); /* r/2 C - k/2 S */
  if (d_nu) *d_nu = dnu_from_logdets(d, 1.0, pt.ld_X, pt.ld_S);
  if (d_delta) *d_delta = ddelta_from_logdets(d, 1.0, pt.ld_S);
  if ((d_X && !bm_wt_finite(d_X)) || (d_Psi && !bm_wt_finite(d_Psi)) || (d_nu && !isfinite(*d_nu)) ||
      (d_delta && !isfinite(*d_delta))) /* d_nu ~ 1/nu, d_delta ~ 1/delta: beyond range for subnormal nu, delta */
    status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
done:
  bm_work_release(&pt.w);
  if (status) {
    bm_nan_matrix(d_X);
    bm_nan_matrix(d_Psi);
    if (d_nu) *d_nu = NAN;
    if (d_delta) *d_delta = NAN;
  }
  return status;
}

int bm_matf_score(const bm_matf *d, const gsl_matrix *X, gsl_vector *s)
{
  double stack[BM_STACK_DOUBLES], *buf, dnu, ddelta;
  bm_work w = {NULL, 0};
  int status = s == NULL || X == NULL ? BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : "X") : check_object(d);
  if (!status) status = bm_validate_length(s, d->q + 2);
  if (!status) status = scratch(&w, stack, d->p * d->p, &buf);
  if (status) goto done;
  gsl_matrix_view G = square_view(buf, d->p);
  status = bm_matf_grad(d, X, NULL, &G.matrix, &dnu, &ddelta);
  if (status) goto done;
  gsl_vector_view sv = gsl_vector_subvector(s, 0, d->q);
  bm_vech_from_sym_grad(&G.matrix, &sv.vector); /* D_p^T vec(G) */
  gsl_vector_set(s, d->q, dnu);
  gsl_vector_set(s, d->q + 1, ddelta);
done:
  bm_work_release(&w);
  if (status) bm_nan_vector(s);
  return status;
}

/* ---------------------------------------------------------------- Hessians */

/* The (nu, delta) block of the theta-Hessian, which does not depend on X. */
static void scalar_hessian(const bm_matf *d, double *h_nn, double *h_nd, double *h_dd)
{
  /* psi'_p(k/2) - psi'_p(nu/2) and psi'_p(k/2) - psi'_p(r/2) term by term,
   * (k - j)/2 = (nu - j)/2 + r/2 = (r - j)/2 + nu/2, each difference without
   * cancellation (bm_mvtrigamma_half_diff): the plain differences lose log10(nu/r)
   * or log10(r/nu) digits; the quarters from nu and delta themselves */
  size_t p = d->p;
  *h_nn = -bm_mvtrigamma_half_diff(p, d->nu, d->r);
  *h_nd = bm_mvtrigamma_half(p, d->k); /* psi'_p(k/2)/4 */
  *h_dd = -sum_at_r_diff(p, d->delta, d->nu, bm_mvtrigamma_half_diff);
}

/* The (nu, delta) block of a theta-matrix H (q = dim vech Psi): sign times the Hessian's. */
static void put_scalar_block(const bm_matf *d, double sign, gsl_matrix *H, size_t q)
{
  double hnn, hnd, hdd;
  scalar_hessian(d, &hnn, &hnd, &hdd);
  gsl_matrix_set(H, q, q, sign * hnn);
  gsl_matrix_set(H, q, q + 1, sign * hnd);
  gsl_matrix_set(H, q + 1, q, sign * hnd);
  gsl_matrix_set(H, q + 1, q + 1, sign * hdd);
}

/* Entry a of the (vech Psi, nu) and (vech Psi, delta) columns of a theta-matrix, and their mirror rows. */
static void put_cross(gsl_matrix *H, size_t a, size_t q, double h_nu, double h_delta)
{
  gsl_matrix_set(H, a, q, h_nu);
  gsl_matrix_set(H, q, a, h_nu);
  gsl_matrix_set(H, a, q + 1, h_delta);
  gsl_matrix_set(H, q + 1, a, h_delta);
}

/* The start shared by hess (H (q+2)-square) and hess_x (H q-square, extra = 0):
 * the checks, then point_begin. */
static int hess_begin(const char *fn, const bm_matf *d, const gsl_matrix *X, gsl_matrix *H, size_t extra,
                      int want_Xinv, double *stack, point_state *pt)
{
  if (H == NULL || X == NULL) return bm_error_set(BM_EINVAL, fn, "%s is NULL", H == NULL ? "H" : "X");
  int status = check_object_fn(fn, d);
  if (!status) status = bm_check_shape(fn, "H", H, d->q + extra, d->q + extra);
  return status ? status : point_begin_fn(fn, d, X, want_Xinv, stack, pt);
}

/* The end shared by hess and hess_x: a result beyond double range is BM_EDOM; NaN on failure. */
static int hess_end(const char *fn, point_state *pt, int status, gsl_matrix *H)
{
  bm_work_release(&pt->w);
  if (!status && !bm_wt_finite(H)) status = bm_error_set(BM_EDOM, fn, "an entry of the result is beyond double range");
  if (status) bm_nan_matrix(H);
  return status;
}

int bm_matf_hess(const bm_matf *d, const gsl_matrix *X, gsl_matrix *H)
{
  double stack[BM_STACK_DOUBLES];
  point_state pt = {.w = {NULL, 0}};
  int status = hess_begin(__func__, d, X, H, 2, 0, stack, &pt);
  if (status) return hess_end(__func__, &pt, status, H);
  size_t q = d->q;
  /* H_PsiPsi = -r/2 T(C,C) + k/2 T(S,S) */
  gsl_matrix_view HPP = gsl_matrix_submatrix(H, 0, 0, q, q);
  bm_vech_kron(-0.5 * d->r, d->C, d->C, 0.0, &HPP.matrix);
  bm_vech_kron(0.5 * d->k, &pt.S.matrix, &pt.S.matrix, 1.0, &HPP.matrix);
  /* H_Psi,nu = -t(S)/2; H_Psi,delta = (t(C) - t(S))/2, t(P) = D_p^T vec P */
  gsl_vector_view cnu = gsl_matrix_subcolumn(H, q, 0, q), cde = gsl_matrix_subcolumn(H, q + 1, 0, q);
  bm_vech_from_sym_grad(&pt.S.matrix, &cnu.vector);
  bm_vech_from_sym_grad(d->C, &cde.vector);
  for (size_t a = 0; a < q; a++) {
    double ts = gsl_vector_get(&cnu.vector, a), tc = gsl_vector_get(&cde.vector, a);
    put_cross(H, a, q, -0.5 * ts, 0.5 * (tc - ts));
  }
  put_scalar_block(d, 1.0, H, q);
  return hess_end(__func__, &pt, status, H);
}

int bm_matf_hess_x(const bm_matf *d, const gsl_matrix *X, gsl_matrix *H)
{
  double stack[BM_STACK_DOUBLES];
  point_state pt = {.w = {NULL, 0}};
  int status = hess_begin(__func__, d, X, H, 0, 1, stack, &pt);
  if (!status) { /* H = -(nu-p-1)/2 T(X^-1, X^-1) + k/2 T(S, S) */
    bm_vech_kron(-0.5 * (d->nu - (double)d->p - 1.0), &pt.Xi.matrix, &pt.Xi.matrix, 0.0, H);
    bm_vech_kron(0.5 * d->k, &pt.S.matrix, &pt.S.matrix, 1.0, H);
  }
  return hess_end(__func__, &pt, status, H);
}

/* ------------------------------------------------------------------ Fisher */

int bm_matf_fisher(const bm_matf *d, gsl_matrix *I)
{
  int status = BM_SUCCESS;
  if (I == NULL) status = BM_FAIL(BM_EINVAL, "I is NULL");
  if (!status) status = check_object(d);
  if (!status) status = bm_validate_shape(I, d->q + 2, d->q + 2);
  if (status) {
    bm_nan_matrix(I);
    return status;
  }
  size_t p = d->p, q = d->q;
  double nu = d->nu, k = d->k, r = d->r;
  gsl_matrix_view IPP = gsl_matrix_submatrix(I, 0, 0, q, q);
  /* t(C) into the nu column (then scaled) */
  gsl_vector_view cnu = gsl_matrix_subcolumn(I, q, 0, q);
  bm_vech_from_sym_grad(d->C, &cnu.vector);
  if (p == 1) {
    /* k T(C,C) - t t^T = (k - 1) c^2: the factor k - 1 cancels (and k < 1 is allowed) */
    double c = gsl_matrix_get(d->C, 0, 0);
    gsl_matrix_set(I, 0, 0, nu * (r / (2.0 * (k + 2.0))) * c * c); /* nu r overflows at nu = delta = 1e300 */
  } else {
    /* I_PsiPsi = nu r / (2(k+2)(k-1)) [k T(C,C) - t(C) t(C)^T] (k > 2p - 2 >= 2 here) */
    double g = nu * (r / (k + 2.0)) / (2.0 * (k - 1.0));
    bm_vech_kron(g * k, d->C, d->C, 0.0, &IPP.matrix);
    for (size_t a = 0; a < q; a++)
      for (size_t b = 0; b < q; b++)
        gsl_matrix_set(I, a, b,
                       gsl_matrix_get(I, a, b) - g * gsl_vector_get(&cnu.vector, a) * gsl_vector_get(&cnu.vector, b));
  }
  /* I_Psi,nu = r/(2k) t(C); I_Psi,delta = -nu/(2k) t(C) */
  for (size_t a = 0; a < q; a++) {
    double t = gsl_vector_get(&cnu.vector, a);
    put_cross(I, a, q, r / (2.0 * k) * t, -nu / (2.0 * k) * t);
  }
  /* the (nu, delta) block is minus that of the Hessian, which is constant in X */
  put_scalar_block(d, -1.0, I, q);
  if (!bm_wt_finite(I)) { /* nu r C (x) C beyond double range (Psi near DBL_MIN) */
    bm_nan_matrix(I);
    return BM_FAIL(BM_EDOM, "an entry of the Fisher matrix is beyond double range (Psi near DBL_MIN)");
  }
  return BM_SUCCESS;
}

/* ------------------------------------------------------------------ sample */

/*
 * M <- A^-T B for the Bartlett factor A of W_p(delta+p-1, I) and B of
 * W_p(nu, I): with Phi = (L A^-T)(L A^-T)^T ~ IW_p(delta+p-1, L L^T)
 * (because (A A^T)^-1 ~ IW_p(delta+p-1, I)), the product L A^-T B is a
 * square root of a W_p(nu, Phi) draw. One dtrsm (A^T is upper triangular).
 */
static int draw_whitened_root(const bm_matf *d, gsl_rng *r, gsl_matrix *A, gsl_matrix *M)
{
  int status = bm_rng_bartlett(r, d->r, A); /* inverse Wishart: (A A^T)^-1 ~ IW_p(delta+p-1, I) */
  if (!status) status = bm_rng_bartlett(r, d->nu, M); /* B, lower */
  if (status) return status;
  int p = (int)d->p;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, p, p, 1.0, A->data, (int)A->tda,
              M->data, (int)M->tda); /* M <- A^-T B */
  return BM_SUCCESS;
}

int bm_matf_sample(const bm_matf *d, gsl_rng *r, gsl_matrix *X)
{
  double stack[BM_STACK_DOUBLES], *buf;
  bm_work w = {NULL, 0};
  int status = r == NULL || X == NULL ? BM_FAIL(BM_EINVAL, "%s is NULL", r == NULL ? "r" : "X") : check_object(d);
  if (!status) status = bm_validate_shape(X, d->p, d->p);
  if (!status) status = scratch(&w, stack, 2 * d->p * d->p, &buf);
  if (status) goto done;
  size_t p = d->p;
  gsl_matrix_view A = square_view(buf, p), M = square_view(buf + p * p, p);
  status = draw_whitened_root(d, r, &A.matrix, &M.matrix);
  if (status) goto done;
  bm_chol_lower_multiply_matrix(d->L, &M.matrix); /* T = L A^-T B */
  /* X = T T^T (lower by dsyrk, then mirrored) */
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)p, (int)p, 1.0, M.matrix.data, (int)M.matrix.tda, 0.0,
              X->data, (int)X->tda);
  bm_sym_from_lower(X);
  if (!bm_wt_finite(X)) status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range"); /* a draw beyond double range (delta tiny: Phi huge) */
done:
  bm_work_release(&w);
  if (status) bm_nan_matrix(X);
  return status;
}

/* -------------------------------------------------------------------- mean */

int bm_matf_mean(const bm_matf *d, gsl_matrix *M)
{
  int status = BM_SUCCESS;
  if (M == NULL) status = BM_FAIL(BM_EINVAL, "M is NULL");
  if (!status) status = check_object(d);
  if (!status) status = bm_validate_shape(M, d->p, d->p);
  if (!status && !(d->delta > 2.0)) status = BM_FAIL(BM_EDOM, "the mean exists only for delta > 2: delta = %g", d->delta);
  if (status) {
    bm_nan_matrix(M);
    return status;
  }
  double c = d->nu / (d->delta - 2.0); /* E[X] = nu Psi / (delta - 2) */
  for (size_t i = 0; i < d->p; i++)
    for (size_t j = 0; j < d->p; j++) gsl_matrix_set(M, i, j, c * gsl_matrix_get(d->Psi, i, j));
  return BM_SUCCESS;
}

/* -------------------------------------------------------- batched loglik */

/* The checks shared by loglik and loglik_grad: X[0..m) non-NULL (m > 0), d set. */
static int check_batch(const char *fn, const bm_matf *d, const gsl_matrix *const *X, size_t m)
{
  if (X == NULL || m == 0) return bm_error_set(BM_EINVAL, fn, X ? "m = 0: no observations" : "X is NULL");
  int status = check_object_fn(fn, d);
  for (size_t i = 0; !status && i < m; i++)
    if (X[i] == NULL) status = bm_error_set(BM_EINVAL, fn, "X[%zu] is NULL", i);
  return status;
}

/* factor_point on X[i], naming it by its index */
static int factor_obs(const char *fn, const bm_matf *d, const gsl_matrix *const *X, size_t i, gsl_matrix *L_X,
                      gsl_matrix *L_S, double *ld_X, double *ld_S)
{
  char name[32];
  snprintf(name, sizeof name, "X[%zu]", i);
  return factor_point_fn(fn, name, d, X[i], L_X, L_S, ld_X, ld_S);
}

int bm_matf_loglik(const bm_matf *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each)
{
  double stack[BM_STACK_DOUBLES], *buf;
  bm_work w = {NULL, 0};
  if (ll) *ll = NAN;
  int status = ll == NULL ? BM_FAIL(BM_EINVAL, "ll is NULL") : check_batch(__func__, d, X, m);
  if (!status && each) status = bm_validate_length(each, m);
  if (!status) status = scratch(&w, stack, 3 * d->p * d->p, &buf);
  if (status) goto done;
  size_t p = d->p;
  gsl_matrix_view L_X = square_view(buf, p), L_S = square_view(buf + p * p, p);
  /* validate every observation before answering (BM_EDOM only if nothing worse) */
  double sum = 0.0;
  int outside = 0;
  for (size_t i = 0; i < m; i++) {
    double ld_X, ld_S, lp;
    int st = factor_obs(__func__, d, X, i, &L_X.matrix, &L_S.matrix, &ld_X, &ld_S);
    if (st == BM_EDOM) {
      outside = 1;
      lp = -INFINITY;
    } else if (st) {
      status = st;
      goto done;
    } else {
      lp = logpdf_point(d, &L_X.matrix, &L_S.matrix, ld_X, ld_S, buf + 2 * p * p);
    }
    sum += lp;
    if (each) gsl_vector_set(each, i, lp);
  }
  *ll = outside ? -INFINITY : sum;
  status = outside ? BM_EDOM : BM_SUCCESS;
done:
  bm_work_release(&w);
  if (status && status != BM_EDOM) {
    if (ll) *ll = NAN;
    bm_nan_vector(each);
  }
  return status;
}

int bm_matf_loglik_grad(const bm_matf *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_matrix *d_Psi,
                        double *d_nu, double *d_delta)
{
  double stack[BM_STACK_DOUBLES], *buf;
  bm_work w = {NULL, 0};
  int beyond = 0; /* d_Psi beyond double range: BM_EDOM with ll NaN (not -inf: no X is outside the support) */
  int status = check_batch(__func__, d, X, m);
  if (!status && d_Psi) status = bm_validate_shape(d_Psi, d->p, d->p);
  if (!status) status = scratch(&w, stack, 4 * d->p * d->p, &buf);
  if (status) goto done;
  size_t p = d->p;
  gsl_matrix_view Xi = square_view(buf, p), S = square_view(buf + p * p, p), Ssum = square_view(buf + 2 * p * p, p);
  gsl_matrix_set_zero(&Ssum.matrix);
  double sum_lp = 0.0, sum_ldX = 0.0, sum_ldS = 0.0;
  for (size_t i = 0; i < m; i++) {
    double ld_X, ld_S;
    status = factor_obs(__func__, d, X, i, &Xi.matrix, &S.matrix, &ld_X, &ld_S);
    if (status) goto done;
    sum_lp += logpdf_point(d, &Xi.matrix, &S.matrix, ld_X, ld_S, buf + 3 * p * p);
    if (d_Psi && bm_chol_inverse(&S.matrix, &S.matrix) != BM_SUCCESS) { /* as point_inverses */
      status = BM_FAIL(BM_EDOM, "(Psi + X[%zu])^-1 is beyond double range", i);
      goto done;
    }
    sum_ldX += ld_X;
    sum_ldS += ld_S;
    if (d_Psi) gsl_matrix_add(&Ssum.matrix, &S.matrix);
  }
  double dm = (double)m;
  if (ll) *ll = sum_lp;
  if (d_Psi) dpsi_from_sum(d, dm, &Ssum.matrix, d_Psi); /* sum_i [r/2 C - k/2 S_i] */
  if (d_nu) *d_nu = dnu_from_logdets(d, dm, sum_ldX, sum_ldS);
  if (d_delta) *d_delta = ddelta_from_logdets(d, dm, sum_ldS);
  if (d_Psi && !bm_wt_finite(d_Psi)) { /* beyond double range: a failed call leaves every output NaN */
    status = BM_FAIL(BM_EDOM, "d_Psi is beyond double range");
    beyond = 1;
  } else if ((d_nu && !isfinite(*d_nu)) || (d_delta && !isfinite(*d_delta))) { /* ~ m/nu, m/delta */
    status = BM_FAIL(BM_EDOM, "%s is beyond double range", d_nu && !isfinite(*d_nu) ? "d_nu" : "d_delta");
    beyond = 1;
  }
done:
  bm_work_release(&w);
  if (status) {
    if (ll) *ll = status == BM_EDOM && !beyond ? -INFINITY : NAN;
    bm_nan_matrix(d_Psi);
    if (d_nu) *d_nu = NAN;
    if (d_delta) *d_delta = NAN;
  }
  return status;
}

/* ------------------------------------------------ the literature's form */

/* The checks shared by the two converters, in their documented order: p, the
 * outputs (NaN first), both inputs finite, then a > p - 1 and b > b_lower. */
static int convert_check(const char *fn, size_t p, double *o1, const char *o1_name, double *o2, const char *o2_name,
                         double a, const char *a_name, double b, const char *b_name, double b_lower,
                         const char *b_lower_name)
{
  if (o1) *o1 = NAN;
  if (o2) *o2 = NAN;
  if (p == 0) return bm_error_set(BM_EINVAL, fn, "p = 0");
  if (o1 == NULL || o2 == NULL) return bm_error_set(BM_EINVAL, fn, "%s is NULL", o1 == NULL ? o1_name : o2_name);
  if (!isfinite(a) || !isfinite(b)) /* both finite before either bound */
    return bm_error_set(BM_ENONFINITE, fn, "%s = %g is not finite", isfinite(a) ? b_name : a_name, isfinite(a) ? b : a);
  int status = bm_check_greater(fn, a_name, a, (double)p - 1.0, "p - 1");
  return status ? status : bm_check_greater(fn, b_name, b, b_lower, b_lower_name);
}

int bm_matf_from_literature(size_t p, double n, double nu_prime, double *nu, double *delta)
{
  int status = convert_check(__func__, p, nu, "nu", delta, "delta", n, "n", nu_prime, "nu_prime", (double)p - 1.0, "p - 1");
  if (status) return status;
  *nu = n;
  *delta = nu_prime - (double)p + 1.0; /* (n + nu')/2 = (nu + delta + p - 1)/2 = k/2 */
  return BM_SUCCESS;
}

int bm_matf_to_literature(size_t p, double nu, double delta, double *n, double *nu_prime)
{
  int status = convert_check(__func__, p, n, "n", nu_prime, "nu_prime", nu, "nu", delta, "delta", 0.0, NULL);
  if (status) return status;
  *n = nu;
  *nu_prime = delta + (double)p - 1.0;
  return BM_SUCCESS;
}

int bm_matf_literature_jacobian(size_t p, gsl_matrix *J)
{
  if (J == NULL || p == 0) return BM_FAIL(BM_EINVAL, "%s", J == NULL ? "J is NULL" : "p = 0");
  size_t n = bm_vech_len(p) + 2;
  if (J->size1 != n || J->size2 != n) return BM_FAIL(BM_EBADLEN, "J is %zu x %zu, expected %zu x %zu", J->size1, J->size2, (size_t)(n), (size_t)(n));
  /* theta = (vech Sigma, n, nu' - p + 1): d theta / d theta_lit = I */
  gsl_matrix_set_identity(J);
  return BM_SUCCESS;
}

int bm_matf_fisher_literature(const bm_matf *d, gsl_matrix *I_lit)
{
  int status = bm_matf_fisher(d, I_lit);
  if (status) return status;
  size_t n = d->q + 2;
  gsl_matrix *J = bm_matrix_alloc(n, n), *T = bm_matrix_alloc(n, n);
  if (!J || !T) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  bm_matf_literature_jacobian(d->p, J);
  /* I_lit <- J^T I J */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, J->data, (int)J->tda,
              I_lit->data, (int)I_lit->tda, 0.0, T->data, (int)T->tda);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, T->data, (int)T->tda, J->data,
              (int)J->tda, 0.0, I_lit->data, (int)I_lit->tda);
done:
  if (J) bm_matrix_free(J);
  if (T) bm_matrix_free(T);
  if (status) bm_nan_matrix(I_lit);
  return status;
}

/* ---- the uniform surface and the family descriptor (bayesmat/family.h) ---- */
#include "family_internal.h"

void bm_matf_shape(const bm_matf *d, size_t *rows, size_t *cols)
{
  if (rows) *rows = bm_matf_dim(d);
  if (cols) *cols = bm_matf_dim(d);
}

int bm_matf_get_theta(const bm_matf *d, gsl_vector *theta)
{
  int status = bm_theta_get_begin(d && d->is_set, bm_matf_nparams(d), theta);
  if (status) return status;
  bm_theta_put_sym(theta, 0, d->Psi);
  gsl_vector_set(theta, theta->size - 2, d->nu);
  gsl_vector_set(theta, theta->size - 1, d->delta);
  return BM_SUCCESS;
}

int bm_matf_logpdf_grad(const bm_matf *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X, gsl_matrix *d_Psi,
                        double *d_nu, double *d_delta)
{
  BM_FAMILY_LOGPDF_GRAD(matf, X, lp, d_X, d_Psi, d_nu, d_delta);
}

static void *matf_op_alloc(size_t rows, size_t cols) { return rows == cols ? bm_matf_alloc(rows) : NULL; }
BM_FAMILY_MATRIX_OPS(matf)

static const bm_theta_block matf_blocks[] = {BM_THETA_VECH("Psi", BM_DIM_ROWS), BM_THETA_SCALAR("nu"),
                                             BM_THETA_SCALAR("delta")};
const bm_family_type bm_family_matf = {.name = "matf", .description = "matrix F F_p(nu, delta, Psi)",
                                       .variate = BM_VARIATE_SPD, .blocks = matf_blocks, .nblocks = 3,
                                       BM_FAMILY_OPS_INIT(matf)};
