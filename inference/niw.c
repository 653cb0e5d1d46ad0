/* Normal-Inverse-Wishart model and its Normal-Wishart view (formulas in
 * include/bayesmat/niw.h; Murphy 2007 "Conjugate Bayesian analysis of the
 * Gaussian distribution" §9, Gelman et al. BDA3 §3.6).
 *
 * Numerics: Psi0, the scatter S and Psi_n live as upper-triangular factors
 * R (R^T R = matrix). Psi_n's factor is the QR of the stacked rows
 *   [ R_Psi0 ; R_S ; sqrt(kappa0 n / kappa_n) (xbar - mu0)^T ],
 * so Psi_n is never formed by adding matrices and its log-determinant comes
 * from the factor. Chunk statistics merge as
 *   R_S <- QR[R_S1 ; R_S2 ; sqrt(n1 n2 / n) (xbar1 - xbar2)^T].
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/specfun.h"
#include "bayesmat/random.h"
#include "bayesmat/niw.h"
#include "bayesmat/mvt.h"
#include "conjugate_internal.h"
#include "conjugate_common.h"
#include "stats_pack.h"
#include "qr_stream.h"
#include "../src/error.h"

struct bm_niw_stats {
  size_t p, n;
  gsl_vector *mean; /* p */
  gsl_matrix *R;    /* p x p upper, R^T R = scatter */
};

struct bm_niw {
  size_t p;
  int has_prior;
  gsl_vector *mu0;
  double kappa0, nu0, logdet_Psi0;
  gsl_matrix *R0;   /* upper factor of Psi0 */
  bm_niw_stats *data;
  /* posterior cache */
  gsl_vector *mu_n;
  double kappa_n, nu_n;
  gsl_matrix *L_n;  /* lower factor of Psi_n */
  double ld_ratio;  /* log|Psi_n| - log|Psi0| from the data's own rows (cj_logdet_ratio) */
};

bm_niw_stats *bm_niw_stats_alloc(size_t p)
{
  if (p == 0) return NULL;
  bm_niw_stats *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->p = p;
  s->mean = bm_vector_calloc(p);
  s->R = bm_matrix_calloc(p, p);
  if (s->mean == NULL || s->R == NULL) {
    bm_niw_stats_free(s);
    return NULL;
  }
  return s;
}

void bm_niw_stats_free(bm_niw_stats *s)
{
  if (s == NULL) return;
  if (s->mean) bm_vector_free(s->mean);
  if (s->R) bm_matrix_free(s->R);
  free(s);
}

static void stats_copy(bm_niw_stats *d, const bm_niw_stats *s)
{
  d->n = s->n;
  gsl_vector_memcpy(d->mean, s->mean);
  gsl_matrix_memcpy(d->R, s->R);
}

typedef struct {
  const gsl_matrix *X;
  const gsl_vector *mean;
} niw_rows;

/* row i of the centred data */
static void niw_row(const void *ctx, size_t i, double *row)
{
  const niw_rows *c = ctx;
  for (size_t j = 0; j < c->X->size2; j++) row[j] = gsl_matrix_get(c->X, i, j) - gsl_vector_get(c->mean, j);
}

int bm_niw_stats_compute(bm_niw_stats *s, const gsl_matrix *X)
{
  if (s == NULL || X == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : "X");
  const size_t p = s->p, n = X->size1;
  if (X->size2 != p) return BM_FAIL(BM_EBADLEN, "X has %zu columns, expected %zu", X->size2, (size_t)(p));
  if (n == 0) {
    s->n = 0;
    gsl_vector_set_zero(s->mean);
    gsl_matrix_set_zero(s->R);
    return BM_SUCCESS;
  }
  int st = bm_validate_matrix(X, n, p);
  if (st != BM_SUCCESS) return st;
  gsl_vector *mean = bm_vector_calloc(p);
  if (mean == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  /* two-pass: mean, plus a correction pass for the mean; the centred rows are
   * then factorized in blocks (qr_stream.h), never all held at once */
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) mean->data[j * mean->stride] += gsl_matrix_get(X, i, j);
  gsl_vector_scale(mean, 1.0 / (double)n);
  for (size_t j = 0; j < p; j++) {
    double mj = gsl_vector_get(mean, j), corr = 0.0;
    for (size_t i = 0; i < n; i++) corr += gsl_matrix_get(X, i, j) - mj;
    gsl_vector_set(mean, j, mj + corr / (double)n);
  }
  niw_rows ctx = {X, mean};
  st = cj_qr_rows(n, p, niw_row, &ctx, s->R); /* s->R is written only on success */
  if (st == BM_ENOMEM) st = BM_FAIL(BM_ENOMEM, "out of memory");
  if (st == BM_SUCCESS) {
    s->n = n;
    gsl_vector_memcpy(s->mean, mean);
  }
  bm_vector_free(mean);
  return st;
}

int bm_niw_stats_merge(bm_niw_stats *dst, const bm_niw_stats *src)
{
  if (dst == NULL || src == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", dst == NULL ? "dst" : "src");
  if (dst->p != src->p) return BM_FAIL(BM_EBADLEN, "dst has p = %zu, src p = %zu", dst->p, src->p);
  const size_t p = dst->p;
  if (src->n == 0) return BM_SUCCESS;
  if (dst->n == 0) {
    stats_copy(dst, src);
    return BM_SUCCESS;
  }
  const double n1 = (double)dst->n, n2 = (double)src->n, n = n1 + n2;
  gsl_matrix *diff = bm_matrix_alloc(1, p);
  if (diff == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  for (size_t j = 0; j < p; j++) gsl_matrix_set(diff, 0, j, gsl_vector_get(dst->mean, j) - gsl_vector_get(src->mean, j));
  const gsl_matrix *blocks[3] = {dst->R, src->R, diff};
  const double scale[3] = {1.0, 1.0, sqrt(n1 * n2 / n)};
  int st = cj_qr_stack(blocks, scale, 3, p, dst->R);
  bm_matrix_free(diff);
  if (st != BM_SUCCESS) return st;
  for (size_t j = 0; j < p; j++)
    gsl_vector_set(dst->mean, j, gsl_vector_get(dst->mean, j) + n2 / n * (gsl_vector_get(src->mean, j) - gsl_vector_get(dst->mean, j)));
  dst->n += src->n;
  return BM_SUCCESS;
}

int bm_niw_stats_get(const bm_niw_stats *s, size_t *n, gsl_vector *mean, gsl_matrix *scatter)
{
  if (s == NULL) return BM_FAIL(BM_EINVAL, "s is NULL");
  if (mean != NULL && mean->size != s->p) return BM_FAIL(BM_EBADLEN, "mean has length %zu, expected p = %zu", mean->size, s->p);
  if (scatter != NULL && (scatter->size1 != s->p || scatter->size2 != s->p)) return BM_FAIL(BM_EBADLEN, "scatter is %zu x %zu, expected p x p = %zu x %zu", scatter->size1, scatter->size2, s->p, s->p);
  if (n != NULL) *n = s->n;
  if (mean != NULL) {
    if (s->n == 0) gsl_vector_set_all(mean, NAN);
    else gsl_vector_memcpy(mean, s->mean);
  }
  if (scatter != NULL) /* S = R^T R */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)s->p, (int)s->p, (int)s->p, 1.0, s->R->data,
                (int)s->R->tda, s->R->data, (int)s->R->tda, 0.0, scatter->data, (int)scatter->tda);
  return BM_SUCCESS;
}

bm_niw *bm_niw_alloc(size_t p)
{
  if (p == 0) return NULL;
  bm_niw *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->p = p;
  m->mu0 = bm_vector_calloc(p);
  m->R0 = bm_matrix_calloc(p, p);
  m->data = bm_niw_stats_alloc(p);
  m->mu_n = bm_vector_calloc(p);
  m->L_n = bm_matrix_calloc(p, p);
  if (!m->mu0 || !m->R0 || !m->data || !m->mu_n || !m->L_n) {
    bm_niw_free(m);
    return NULL;
  }
  return m;
}

void bm_niw_free(bm_niw *m)
{
  if (m == NULL) return;
  if (m->mu0) bm_vector_free(m->mu0);
  if (m->R0) bm_matrix_free(m->R0);
  bm_niw_stats_free(m->data);
  if (m->mu_n) bm_vector_free(m->mu_n);
  if (m->L_n) bm_matrix_free(m->L_n);
  free(m);
}

/* Posterior cache from prior + statistics d; fails (ENOMEM; EDOM when the
 * posterior is not representable; ENONFINITE for non-finite statistics)
 * before touching m. */
static int recompute(bm_niw *m, const bm_niw_stats *d)
{
  const size_t p = m->p;
  const double n = (double)d->n, kn = m->kappa0 + n;
  gsl_matrix *diff = bm_matrix_alloc(1, p);
  gsl_matrix *R = bm_matrix_alloc(p, p);
  int st = BM_SUCCESS;
  if (diff == NULL || R == NULL) {
    st = BM_ENOMEM;
    goto done;
  }
  for (size_t j = 0; j < p; j++)
    gsl_matrix_set(diff, 0, j, d->n ? gsl_vector_get(d->mean, j) - gsl_vector_get(m->mu0, j) : 0.0);
  const gsl_matrix *blocks[3] = {m->R0, d->n ? d->R : NULL, d->n ? diff : NULL};
  const double scale[3] = {1.0, 1.0, sqrt(n * (m->kappa0 / kn))}; /* kappa0 n overflows for kappa0 ~ DBL_MAX */
  st = cj_qr_stack(blocks, scale, 3, p, R);
  if (st != BM_SUCCESS) goto done;
  double ld_ratio = cj_logdet_ratio(m->R0, blocks + 1, scale + 1, 2, p, &st); /* before diff is reused */
  if (st != BM_SUCCESS) goto done;
  if (!isfinite(ld_ratio)) ld_ratio = 2.0 * cj_half_logdet_upper(R) - m->logdet_Psi0; /* Psi0 tiny: no cancellation */
  /* The posterior must be representable before it is committed: finite data
   * whose scatter overflows, or nu0 = DBL_MAX (log Gamma_p overflows), would
   * otherwise leave NaN in every posterior quantity. BM_EDOM, m unchanged. */
  for (size_t j = 0; j < p; j++) {
    /* mu_n = mu0 + (n / kappa_n)(xbar - mu0): no kappa0 mu0 product to overflow
     * (kappa0 = 1e300, mu0 = 1e10), and exact when xbar = mu0; when xbar - mu0
     * itself overflows, the convex combination with weights <= 1. */
    double mj = gsl_vector_get(m->mu0, j);
    if (d->n) {
      const double xb = gsl_vector_get(d->mean, j), dj = xb - mj;
      mj = isfinite(dj) ? mj + (n / kn) * dj : (m->kappa0 / kn) * mj + (n / kn) * xb;
    }
    gsl_matrix_set(diff, 0, j, mj); /* diff is free again: it holds mu_n now */
    if (!isfinite(mj) || !(gsl_matrix_get(R, j, j) != 0.0)) st = BM_EDOM;
    for (size_t i = 0; i <= j; i++)
      if (!isfinite(gsl_matrix_get(R, i, j))) st = BM_EDOM;
  }
  /* log Gamma_p(nu_n/2) from nu_n itself: finite for every nu0 > p - 1 below
   * ~1e305 (a subnormal nu0 at p = 1 included; nothing here needs psi_p) */
  if (!isfinite(2.0 * cj_half_logdet_upper(R)) || !isfinite(bm_lmvgamma_half(p, m->nu0 + n)) || !isfinite(ld_ratio))
    st = BM_EDOM;
  if (st != BM_SUCCESS) goto done;
  cj_lower_from_upper(R, m->L_n);
  m->kappa_n = kn;
  m->nu_n = m->nu0 + n;
  m->ld_ratio = ld_ratio;
  for (size_t j = 0; j < p; j++) gsl_vector_set(m->mu_n, j, gsl_matrix_get(diff, 0, j));
done:
  if (diff) bm_matrix_free(diff);
  if (R) bm_matrix_free(R);
  return st;
}

/* recompute, with what failed for bm_last_error (BM_FN: the public caller) */
#define recompute(m, d) cj_recompute_status(BM_FN, (recompute)(m, d))

/* Commit a validated prior (R0 upper factor of Psi0). */
#define commit_prior(...) commit_prior_fn(BM_FN, __VA_ARGS__) /* fn: the public _set_prior */
static int commit_prior_fn(const char *fn, bm_niw *m, const gsl_vector *mu0, double kappa0, double nu0,
                           const gsl_matrix *R0)
{
  bm_niw_stats *empty = bm_niw_stats_alloc(m->p);
  if (empty == NULL) return bm_error_set(BM_ENOMEM, fn, "out of memory");
  bm_niw saved = *m;
  gsl_vector *mu0_old = bm_vector_alloc(m->p);
  gsl_matrix *R0_old = bm_matrix_alloc(m->p, m->p);
  int st = BM_SUCCESS;
  if (mu0_old == NULL || R0_old == NULL) {
    st = bm_error_set(BM_ENOMEM, fn, "out of memory (p = %zu)", m->p);
    goto done;
  }
  gsl_vector_memcpy(mu0_old, m->mu0);
  gsl_matrix_memcpy(R0_old, m->R0);
  gsl_vector_memcpy(m->mu0, mu0);
  gsl_matrix_memcpy(m->R0, R0);
  m->kappa0 = kappa0;
  m->nu0 = nu0;
  m->logdet_Psi0 = 2.0 * cj_half_logdet_upper(R0);
  st = cj_recompute_status(fn, (recompute)(m, empty));
  if (st == BM_SUCCESS) {
    stats_copy(m->data, empty);
    m->has_prior = 1;
  } else {
    gsl_vector_memcpy(m->mu0, mu0_old);
    gsl_matrix_memcpy(m->R0, R0_old);
    m->kappa0 = saved.kappa0;
    m->nu0 = saved.nu0;
    m->logdet_Psi0 = saved.logdet_Psi0;
  }
done:
  bm_niw_stats_free(empty);
  if (mu0_old) bm_vector_free(mu0_old);
  if (R0_old) bm_matrix_free(R0_old);
  return st;
}

/* fn: the public _set_prior reporting; S is Psi0 or, with precision, W0 */
#define set_prior_impl(m, mu0, kappa0, nu0, S, precision) \
  set_prior_impl_fn(__func__, precision ? "W0" : "Psi0", m, mu0, kappa0, nu0, S, precision)
#undef BM_FN
#define BM_FN fn
static int set_prior_impl_fn(const char *fn, const char *S_name, bm_niw *m, const gsl_vector *mu0, double kappa0,
                             double nu0, const gsl_matrix *S, int precision)
{
  if (m == NULL || mu0 == NULL || S == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", m == NULL ? "m" : mu0 == NULL ? "mu0" : S_name);
  const size_t p = m->p;
  int st = bm_validate_vector(mu0, p);
  if (st != BM_SUCCESS) return st;
  gsl_matrix *L = bm_matrix_alloc(p, p), *R0 = bm_matrix_alloc(p, p), *T = bm_matrix_alloc(p, p);
  if (L == NULL || R0 == NULL || T == NULL) {
    st = BM_FAIL(BM_ENOMEM, "out of memory (p = %zu)", p);
    goto done;
  }
  st = bm_check_spd(fn, S_name, S, p, L, NULL);
  if (st == BM_SUCCESS) st = bm_validate_greater(kappa0, 0.0);
  if (st == BM_SUCCESS) st = bm_check_greater(fn, "nu0", nu0, (double)p - 1.0, "p - 1");
  if (st != BM_SUCCESS) goto done;
  if (precision) {
    /* Psi0 = W0^-1 = L^-T L^-1 = (L^-1)^T (L^-1): QR of the rows of L^-1 */
    cj_lower_inverse(L, T);
    const gsl_matrix *blocks[1] = {T};
    const double scale[1] = {1.0};
    st = cj_qr_stack(blocks, scale, 1, p, R0);
  } else {
    cj_upper_from_lower(L, R0);
  }
  if (st == BM_SUCCESS) st = commit_prior(m, mu0, kappa0, nu0, R0);
done:
  if (L) bm_matrix_free(L);
  if (R0) bm_matrix_free(R0);
  if (T) bm_matrix_free(T);
  return st;
}
#undef BM_FN
#define BM_FN __func__

int bm_niw_set_prior(bm_niw *m, const gsl_vector *mu0, double kappa0, double nu0, const gsl_matrix *Psi0)
{
  return set_prior_impl(m, mu0, kappa0, nu0, Psi0, 0);
}

int bm_niw_set_prior_nw(bm_niw *m, const gsl_vector *mu0, double kappa0, double nu0, const gsl_matrix *W0)
{
  return set_prior_impl(m, mu0, kappa0, nu0, W0, 1);
}

int bm_niw_update_stats(bm_niw *m, const bm_niw_stats *s)
{
  if (m == NULL || s == NULL || !m->has_prior) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : s == NULL ? "s is NULL" : "m has no prior set");
  if (s->p != m->p) return BM_FAIL(BM_EBADLEN, "s has p = %zu, m p = %zu", s->p, m->p);
  if (s->n == 0) return BM_SUCCESS;
  bm_niw_stats *merged = bm_niw_stats_alloc(m->p);
  if (merged == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  stats_copy(merged, m->data);
  int st = bm_niw_stats_merge(merged, s);
  if (st == BM_SUCCESS) st = recompute(m, merged);
  if (st == BM_SUCCESS) stats_copy(m->data, merged);
  bm_niw_stats_free(merged);
  return st;
}

int bm_niw_update(bm_niw *m, const gsl_matrix *X)
{
  if (m == NULL || X == NULL || !m->has_prior) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : X == NULL ? "X is NULL" : "m has no prior set");
  bm_niw_stats *s = bm_niw_stats_alloc(m->p);
  if (s == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  int st = bm_niw_stats_compute(s, X);
  if (st == BM_SUCCESS) st = bm_niw_update_stats(m, s);
  bm_niw_stats_free(s);
  return BM_WRAP(st);
}

/* --- posterior ------------------------------------------------------------- */

/* (fn, vname, Aname: the public function and the outputs' names, for bm_last_error) */
#define out_shapes(p, v, A) out_shapes_fn(BM_FN, #v, #A, p, v, A)
static int out_shapes_fn(const char *fn, const char *vname, const char *Aname, size_t p, const gsl_vector *v,
                         const gsl_matrix *A)
{
  if (v != NULL && v->size != p) return bm_error_set(BM_EBADLEN, fn, "%s has length %zu, expected p = %zu", vname, v->size, p);
  if (A != NULL && (A->size1 != p || A->size2 != p))
    return bm_error_set(BM_EBADLEN, fn, "%s is %zu x %zu, expected p x p = %zu x %zu", Aname, A->size1, A->size2, p, p);
  return BM_SUCCESS;
}

static void nan_out(gsl_vector *v, double *a, double *b, gsl_matrix *A)
{
  bm_nan_vector(v);
  if (a != NULL) *a = NAN;
  if (b != NULL) *b = NAN;
  bm_nan_matrix(A);
}

/* What the posterior accessors check first: m, then the shapes of the
 * outputs v (length p) and A (p x p); every output (the scalars a and b at
 * once) NaN as soon as it may be written; a prior set. fn, vname, Aname: the
 * public function and the outputs' names, for bm_last_error. */
static int accessor_begin(const char *fn, const char *vname, const char *Aname, const bm_niw *m, gsl_vector *v,
                          double *a, double *b, gsl_matrix *A)
{
  nan_out(NULL, a, b, NULL);
  if (m == NULL) {
    nan_out(v, NULL, NULL, A);
    return bm_error_set(BM_EINVAL, fn, "m is NULL");
  }
  int st = out_shapes_fn(fn, vname, Aname, m->p, v, A);
  if (st != BM_SUCCESS) return st;
  nan_out(v, NULL, NULL, A);
  return m->has_prior ? BM_SUCCESS : bm_error_set(BM_EINVAL, fn, "m has no prior set");
}

#define posterior_impl(m, mu_n, kappa_n, nu_n, S, precision) \
  posterior_impl_fn(__func__, #S, m, mu_n, kappa_n, nu_n, S, precision)
static int posterior_impl_fn(const char *fn, const char *S_name, const bm_niw *m, gsl_vector *mu_n, double *kappa_n,
                             double *nu_n, gsl_matrix *S, int precision)
{
  int st = accessor_begin(fn, "mu_n", S_name, m, mu_n, kappa_n, nu_n, S);
  if (st != BM_SUCCESS) return st;
  if (S != NULL) {
    st = precision ? bm_chol_inverse(m->L_n, S) : bm_chol_product(m->L_n, S);
    /* the factor is finite, the formed matrix need not be (entries of L_n ~1e160) */
    for (size_t i = 0; i < m->p * m->p && st == BM_SUCCESS; i++)
      if (!isfinite(S->data[(i / m->p) * S->tda + i % m->p]))
        st = bm_error_set(BM_EDOM, fn, "%s(%zu,%zu) overflows double range", S_name, i / m->p, i % m->p);
    if (st != BM_SUCCESS) {
      gsl_matrix_set_all(S, NAN);
      return bm_error_wrap(st, fn);
    }
  }
  if (mu_n != NULL) gsl_vector_memcpy(mu_n, m->mu_n);
  if (kappa_n != NULL) *kappa_n = m->kappa_n;
  if (nu_n != NULL) *nu_n = m->nu_n;
  return BM_SUCCESS;
}

int bm_niw_posterior(const bm_niw *m, gsl_vector *mu_n, double *kappa_n, double *nu_n, gsl_matrix *Psi_n)
{
  return posterior_impl(m, mu_n, kappa_n, nu_n, Psi_n, 0);
}

int bm_niw_posterior_nw(const bm_niw *m, gsl_vector *mu_n, double *kappa_n, double *nu_n, gsl_matrix *W_n)
{
  return posterior_impl(m, mu_n, kappa_n, nu_n, W_n, 1);
}

#define log_posterior_impl(m, mu, S, lp, precision) log_posterior_impl_fn(__func__, #S, m, mu, S, lp, precision)
#undef BM_FN
#define BM_FN fn /* the public caller, through the macro above */
static int log_posterior_impl_fn(const char *fn, const char *S_name, const bm_niw *m, const gsl_vector *mu,
                                 const gsl_matrix *S, double *lp, int precision)
{
  if (lp != NULL) *lp = NAN;
  if (m == NULL || mu == NULL || S == NULL || lp == NULL || !m->has_prior)
    return BM_FAIL(BM_EINVAL, "%s", !m ? "m is NULL" : !mu ? "mu is NULL" : !S ? "the matrix argument is NULL" : !lp ? "lp is NULL" : "m has no prior set");
  const size_t p = m->p;
  int st = bm_validate_vector(mu, p);
  if (st != BM_SUCCESS) return st;
  if (S->size1 != p || S->size2 != p) return BM_FAIL(BM_EBADLEN, "%s is %zu x %zu, expected %zu x %zu", S_name, S->size1, S->size2, p, p);
  gsl_matrix *L = bm_matrix_alloc(p, p), *W = bm_matrix_alloc(p, p);
  gsl_vector *d = bm_vector_alloc(p);
  if (L == NULL || W == NULL || d == NULL) {
    st = BM_FAIL(BM_ENOMEM, "out of memory (p = %zu)", p);
    goto done;
  }
  st = bm_check_spd(fn, S_name, S, p, L, NULL);
  if (st == BM_ENOTSPD) {
    *lp = -INFINITY;
    st = BM_FAIL(BM_EDOM, "%s is not positive definite: outside the support (log posterior -inf)", S_name);
  }
  if (st != BM_SUCCESS) goto done;
  for (size_t j = 0; j < p; j++) gsl_vector_set(d, j, gsl_vector_get(mu, j) - gsl_vector_get(m->mu_n, j));
  const double dp = (double)p, nu = m->nu_n;
  const double logdet = bm_chol_logdet(L);
  double q, out;
  if (!precision) {
    /* Sigma = L L^T: (mu - mu_n)^T Sigma^-1 (mu - mu_n) = |L^-1 d|^2 */
    q = bm_chol_quadform(L, d, NULL);
    if (isnan(q)) q = INFINITY; /* finite operands: NaN only from overflow (inf - inf) in the solve */
    out = -0.5 * dp * log(2.0 * M_PI) + 0.5 * dp * log(m->kappa_n) - 0.5 * logdet - 0.5 * m->kappa_n * q;
    out += cj_iw_logpdf(m->L_n, nu, L, W);
  } else {
    /* Lambda = L L^T: d^T Lambda d = |L^T d|^2; tr(Psi_n Lambda) = |L_n^T L|_F^2 */
    cblas_dtrmv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)p, L->data, (int)L->tda, d->data,
                (int)d->stride);
    q = 0.0;
    for (size_t j = 0; j < p; j++) q += gsl_vector_get(d, j) * gsl_vector_get(d, j);
    gsl_matrix_memcpy(W, L);
    cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)p, (int)p, 1.0, m->L_n->data,
                (int)m->L_n->tda, W->data, (int)W->tda);
    double tr = 0.0;
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) tr += gsl_matrix_get(W, i, j) * gsl_matrix_get(W, i, j);
    if (isnan(q)) q = INFINITY; /* overflow in the products (finite operands) */
    if (isnan(tr)) tr = INFINITY;
    out = -0.5 * dp * log(2.0 * M_PI) + 0.5 * dp * log(m->kappa_n) + 0.5 * logdet - 0.5 * m->kappa_n * q;
    if (bm_wt_large_nu(p, nu) && isfinite(tr)) {
      /* the Wishart family's large-nu form (distributions/wishart_common.h; the
       * textbook sum cancels like nu log nu) from a triangular M with M M^T =
       * W^T W up to rotation: W = L_n^T L = Q R, M = R^T (same trace and |M| = |W|) */
      gsl_matrix *Rq = bm_matrix_alloc(p, p);
      const gsl_matrix *wb[1] = {W};
      const double one[1] = {1.0};
      st = Rq ? cj_qr_stack(wb, one, 1, p, Rq) : BM_ENOMEM;
      if (st == BM_SUCCESS) {
        for (size_t i = 0; i < p; i++)
          for (size_t j = 0; j < p; j++) gsl_matrix_set(W, i, j, j <= i ? gsl_matrix_get(Rq, j, i) : 0.0);
        out += bm_wt_lognorm_large(p, nu) + 0.5 * nu * bm_wt_dev_diag(W->data, p, W->tda, nu) -
               bm_wt_half_sumsq(W->data, p, W->tda, 1) - 0.5 * (dp + 1.0) * logdet;
      }
      bm_matrix_free(Rq);
      if (st != BM_SUCCESS) {
        st = BM_FAIL(BM_ENOMEM, "out of memory (p = %zu)", p);
        goto done;
      }
    } else {
      out += 0.5 * (nu - dp - 1.0) * logdet - 0.5 * tr - 0.5 * nu * dp * M_LN2 + 0.5 * nu * bm_chol_logdet(m->L_n) -
             bm_lmvgamma_half(p, nu);
    }
  }
  *lp = out;
done:
  if (L) bm_matrix_free(L);
  if (W) bm_matrix_free(W);
  if (d) bm_vector_free(d);
  return st;
}
#undef BM_FN
#define BM_FN __func__

int bm_niw_log_posterior(const bm_niw *m, const gsl_vector *mu, const gsl_matrix *Sigma, double *lp)
{
  return log_posterior_impl(m, mu, Sigma, lp, 0);
}

int bm_niw_log_posterior_nw(const bm_niw *m, const gsl_vector *mu, const gsl_matrix *Lambda, double *lp)
{
  return log_posterior_impl(m, mu, Lambda, lp, 1);
}

int bm_niw_sample_posterior(const bm_niw *m, gsl_rng *r, gsl_vector *mu, gsl_matrix *Sigma)
{
  if (m == NULL || r == NULL || (mu == NULL && Sigma == NULL) || !m->has_prior) {
    if (m != NULL && out_shapes(m->p, mu, Sigma) == BM_SUCCESS) nan_out(mu, NULL, NULL, Sigma);
    return BM_FAIL(BM_EINVAL, "%s", !m ? "m is NULL" : !r ? "r is NULL" : (!mu && !Sigma) ? "mu and Sigma are both NULL" : "m has no prior set");
  }
  const size_t p = m->p;
  int st = out_shapes(p, mu, Sigma);
  if (st != BM_SUCCESS) return st;
  gsl_matrix *A = bm_matrix_alloc(p, p), *B = bm_matrix_alloc(p, p);
  gsl_vector *z = bm_vector_alloc(p);
  if (A == NULL || B == NULL || z == NULL) {
    st = BM_FAIL(BM_ENOMEM, "out of memory");
    nan_out(mu, NULL, NULL, Sigma);
    goto done;
  }
  st = cj_iw_draw(r, m->nu_n, m->L_n, A, B, Sigma); /* B = L_n A^{-T} */
  if (st != BM_SUCCESS) {
    nan_out(mu, NULL, NULL, Sigma);
    goto done;
  }
  if (Sigma != NULL) bm_sym_from_lower(Sigma);
  bm_rng_std_normal_vector(r, z);
  if (mu != NULL) {
    gsl_vector_memcpy(mu, m->mu_n);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)p, (int)p, 1.0 / sqrt(m->kappa_n), B->data, (int)B->tda, z->data,
                (int)z->stride, 1.0, mu->data, (int)mu->stride);
  }
  /* With nu_n close to p - 1 the last Bartlett chi-square has nu_n - p + 1
   * degrees of freedom and is often below 1e-300: the draw of Sigma is
   * genuinely beyond DBL_MAX. Say so rather than return inf with success. */
  for (size_t i = 0; i < p && st == BM_SUCCESS; i++) {
    if (mu != NULL && !isfinite(gsl_vector_get(mu, i))) st = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
    for (size_t j = 0; j < p && Sigma != NULL; j++)
      if (!isfinite(gsl_matrix_get(Sigma, i, j))) st = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
    for (size_t j = 0; j <= i; j++)
      if (!isfinite(gsl_matrix_get(B, i, j))) st = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  }
  if (st != BM_SUCCESS) nan_out(mu, NULL, NULL, Sigma);
done:
  if (A) bm_matrix_free(A);
  if (B) bm_matrix_free(B);
  if (z) bm_vector_free(z);
  return st;
}

int bm_niw_predictive_params(const bm_niw *m, double *df, gsl_vector *loc, gsl_matrix *scale)
{
  int st = accessor_begin(__func__, "loc", "scale", m, loc, df, NULL, scale);
  if (st != BM_SUCCESS) return st;
  const double nu = m->nu_n - (double)m->p + 1.0;
  if (scale != NULL) {
    st = bm_chol_product(m->L_n, scale);
    if (st != BM_SUCCESS) return st;
    gsl_matrix_scale(scale, ((m->kappa_n + 1.0) / m->kappa_n) / nu); /* kappa_n nu may overflow */
    if (!cj_all_finite(scale)) {
      nan_out(NULL, NULL, NULL, scale);
      return BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
    }
  }
  if (loc != NULL) gsl_vector_memcpy(loc, m->mu_n);
  if (df != NULL) *df = nu;
  return BM_SUCCESS;
}

int bm_niw_predictive(const bm_niw *m, bm_mvt *pred)
{
  if (m == NULL || pred == NULL || !m->has_prior) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : pred == NULL ? "pred is NULL" : "m has no prior set");
  if (bm_mvt_dim(pred) != m->p) return BM_FAIL(BM_EBADLEN, "pred has dimension %zu, m p = %zu", bm_mvt_dim(pred), m->p);
  gsl_vector *loc = bm_vector_alloc(m->p);
  gsl_matrix *scale = bm_matrix_alloc(m->p, m->p);
  double df;
  int st = loc != NULL && scale != NULL ? bm_niw_predictive_params(m, &df, loc, scale) : BM_ENOMEM;
  /* finite parameters and nu_n > p - 1: a refusal by mvt means not representable */
  if (st == BM_SUCCESS) st = cj_predictive_status(__func__, bm_mvt_set(pred, df, loc, scale));
  bm_vector_free(loc);
  bm_matrix_free(scale);
  return st;
}

int bm_niw_log_evidence(const bm_niw *m, double *lml)
{
  if (lml != NULL) *lml = NAN;
  if (m == NULL || lml == NULL || !m->has_prior) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : lml == NULL ? "lml is NULL" : "m has no prior set");
  const size_t p = m->p;
  const double dp = (double)p, n = (double)m->data->n;
  /* nu0/2 log|Psi0| - nu_n/2 log|Psi_n| = -(nu0 + n)/2 log|Psi_n|/|Psi0| - n/2 log|Psi0|,
   * and log Gamma_p(nu_n/2) - log Gamma_p(nu0/2) as one difference in (nu0, n):
   * the textbook sum cancels like nu0 eps (3e-8 relative at nu0 = 1e8, and
   * from nu0 = 2^53 nu0 + n rounds to nu0: 1.4 off at nu0 = 1e16) */
  *lml = -0.5 * n * dp * log(M_PI) + bm_lmvgamma_half_diff(p, m->nu0, n) - 0.5 * (m->nu0 + n) * m->ld_ratio -
         0.5 * n * m->logdet_Psi0 - 0.5 * dp * log1p(n / m->kappa0);
  return BM_SUCCESS;
}

/* ---- packed form of the statistics (for MPI) ------------------ */
size_t bm_niw_stats_dim(const bm_niw_stats *s) { return s ? s->p : 0; }

size_t bm_niw_dim(const bm_niw *m) { return m ? m->p : 0; }

size_t bm_niw_stats_packed_len(const bm_niw_stats *s)
{
  return s ? BM_PACK_HEADER + 1 + s->p + s->p * (s->p + 1) / 2 : 0;
}

int bm_niw_stats_pack(const bm_niw_stats *s, double *buf)
{
  if (s == NULL || buf == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : "buf");
  size_t p = s->p, k = BM_PACK_HEADER;
  bm_pack_header(buf, BM_PACK_NIW, p, 1, bm_niw_stats_packed_len(s));
  buf[k++] = (double)s->n;
  for (size_t j = 0; j < p; j++) buf[k++] = s->n ? gsl_vector_get(s->mean, j) : 0.0;
  cj_pack_upper(s->R, buf + k);
  return BM_SUCCESS;
}

int bm_niw_stats_unpack(bm_niw_stats *s, const double *buf, size_t len)
{
  if (s == NULL || buf == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : "buf");
  size_t p = s->p, want = bm_niw_stats_packed_len(s), ntri = p * (p + 1) / 2;
  double n;
  int st = cj_unpack_check(buf, len, BM_PACK_NIW, p, 1, want, &n);
  if (st != BM_SUCCESS) return st;
  const double *x = buf + BM_PACK_HEADER, *tri = x + 1 + p;
  if (n == 1.0 && !bm_pack_all_zero(tri, ntri)) return BM_FAIL(BM_EINVAL, "buf: n = 1 with a non-zero scatter"); /* one row has no scatter */
  if ((st = cj_unpack_upper(tri, s->R)) != BM_SUCCESS) return st;
  s->n = (size_t)n;
  for (size_t j = 0; j < p; j++) gsl_vector_set(s->mean, j, x[1 + j]);
  return BM_SUCCESS;
}
