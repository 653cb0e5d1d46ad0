/* Bayesian linear regression: NIG, known-noise (PRML §3.3) and improper
 * (MLaPP §7.6.1) priors, optional observation weights.
 *
 * Numerics: the data enter only through the upper-triangular R_d of the QR
 * decomposition of sqrt(W)[X y] ((k+1) x (k+1), mergeable by stacking). The
 * posterior is the QR of the stacked least-squares problem
 *     [ P0        P0 m0 ]        P0 = L0^{-1}, V0 = L0 L0^T (prior pseudo-rows;
 *     [ s R_d           ]        s = sqrt(lambda) for known noise, else 1)
 * whose triangle [[R_n, z],[0, rho]] gives the posterior precision R_n^T R_n,
 * the mean R_n^{-1} z and the residual rho^2 = 2 (b_n - b0) (NIG) — the normal
 * equations are never formed. Derivations: docs/conjugate.md.
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
#include "bayesmat/blr.h"
#include "conjugate_internal.h"
#include "conjugate_common.h"
#include "stats_pack.h"
#include "qr_stream.h"
#include "../src/error.h"

enum { PRIOR_NONE = 0, PRIOR_NIG, PRIOR_KNOWN, PRIOR_IMPROPER };

struct bm_blr_stats {
  size_t k;
  size_t n;
  double sum_log_w;
  gsl_matrix *R; /* (k+1) x (k+1) upper: R^T R = [X y]^T W [X y] */
};

struct bm_blr {
  size_t k;
  int prior;
  gsl_matrix *prior_rows;  /* k x (k+1): [L0^{-1}, L0^{-1} m0] */
  double a0, b0, lambda;
  double half_logdet_V0;   /* sum log diag L0 = log|V0| / 2 (or S0) */
  bm_blr_stats *data;
  /* posterior cache, recomputed by every update */
  gsl_matrix *Rpost;       /* (k+1) x (k+1) */
  gsl_vector *mean;        /* length k */
  int proper;
  double a_n, b_n;
};

bm_blr_stats *bm_blr_stats_alloc(size_t k)
{
  if (k == 0) return NULL;
  bm_blr_stats *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->k = k;
  s->R = bm_matrix_calloc(k + 1, k + 1);
  if (s->R == NULL) {
    free(s);
    return NULL;
  }
  return s;
}

void bm_blr_stats_free(bm_blr_stats *s)
{
  if (s == NULL) return;
  bm_matrix_free(s->R);
  free(s);
}

static void stats_copy(bm_blr_stats *dst, const bm_blr_stats *src)
{
  dst->n = src->n;
  dst->sum_log_w = src->sum_log_w;
  gsl_matrix_memcpy(dst->R, src->R);
}

/* Validate a data chunk: X n x k, y length n, w length n positive (or NULL). */
#define validate_chunk(k, X, y, w) validate_chunk_fn(__func__, k, X, y, w)
#undef BM_FN
#define BM_FN fn
static int validate_chunk_fn(const char *fn, size_t k, const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w)
{
  if (X == NULL || y == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", X == NULL ? "X" : "y");
  const size_t n = X->size1;
  if (X->size2 != k || y->size != n || (w != NULL && w->size != n))
    return BM_FAIL(BM_EBADLEN, "X is %zu x %zu, y has length %zu%s: expected n x %zu and n", n, X->size2, y->size,
                   w != NULL ? " and so must w" : "", k);
  if (n == 0) return BM_SUCCESS;
  int st = bm_validate_matrix(X, n, k);
  if (st == BM_SUCCESS) st = bm_validate_vector(y, n);
  if (st == BM_SUCCESS && w != NULL) st = bm_validate_vector(w, n);
  if (st != BM_SUCCESS) return st;
  if (w != NULL)
    for (size_t i = 0; i < n; i++)
      if (!(gsl_vector_get(w, i) > 0.0)) return BM_FAIL(BM_EDOM, "w[%zu] = %g must be positive", i, gsl_vector_get(w, i));
  return BM_SUCCESS;
}
#undef BM_FN
#define BM_FN __func__

typedef struct {
  const gsl_matrix *X;
  const gsl_vector *y, *w;
} blr_rows;

/* row i of sqrt(W) [X y] */
static void blr_row(const void *ctx, size_t i, double *row)
{
  const blr_rows *c = ctx;
  const size_t k = c->X->size2;
  double sw = c->w != NULL ? sqrt(gsl_vector_get(c->w, i)) : 1.0;
  for (size_t j = 0; j < k; j++) row[j] = sw * gsl_matrix_get(c->X, i, j);
  row[k] = sw * gsl_vector_get(c->y, i);
}

int bm_blr_stats_compute(bm_blr_stats *s, const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w)
{
  if (s == NULL) return BM_FAIL(BM_EINVAL, "s is NULL");
  int st = validate_chunk(s->k, X, y, w);
  if (st != BM_SUCCESS) return st;
  const size_t n = X->size1, k = s->k, c = k + 1;
  if (n == 0) {
    s->n = 0;
    s->sum_log_w = 0.0;
    gsl_matrix_set_zero(s->R);
    return BM_SUCCESS;
  }
  double slw = 0.0;
  if (w != NULL)
    for (size_t i = 0; i < n; i++) slw += log(gsl_vector_get(w, i));
  /* the rows are factorized in blocks (qr_stream.h), never all held at once;
   * s->R is written only on success */
  blr_rows ctx = {X, y, w};
  st = cj_qr_rows(n, c, blr_row, &ctx, s->R);
  if (st == BM_ENOMEM) return BM_FAIL(BM_ENOMEM, "out of memory");
  if (st == BM_SUCCESS) {
    s->n = n;
    s->sum_log_w = slw;
  }
  return st;
}

int bm_blr_stats_merge(bm_blr_stats *dst, const bm_blr_stats *src)
{
  if (dst == NULL || src == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", dst == NULL ? "dst" : "src");
  if (dst->k != src->k) return BM_FAIL(BM_EBADLEN, "dst has k = %zu, src k = %zu", dst->k, src->k);
  const gsl_matrix *blocks[2] = {dst->R, src->R};
  const double scale[2] = {1.0, 1.0};
  int st = cj_qr_stack(blocks, scale, 2, dst->k + 1, dst->R);
  if (st != BM_SUCCESS) return st;
  dst->n += src->n;
  dst->sum_log_w += src->sum_log_w;
  return BM_SUCCESS;
}

int bm_blr_stats_count(const bm_blr_stats *s, size_t *n)
{
  if (s == NULL || n == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : "n");
  *n = s->n;
  return BM_SUCCESS;
}

bm_blr *bm_blr_alloc(size_t k)
{
  if (k == 0) return NULL;
  bm_blr *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->k = k;
  m->prior_rows = bm_matrix_calloc(k, k + 1);
  m->data = bm_blr_stats_alloc(k);
  m->Rpost = bm_matrix_calloc(k + 1, k + 1);
  m->mean = bm_vector_calloc(k);
  if (m->prior_rows == NULL || m->data == NULL || m->Rpost == NULL || m->mean == NULL) {
    bm_blr_free(m);
    return NULL;
  }
  return m;
}

void bm_blr_free(bm_blr *m)
{
  if (m == NULL) return;
  if (m->prior_rows) bm_matrix_free(m->prior_rows);
  bm_blr_stats_free(m->data);
  if (m->Rpost) bm_matrix_free(m->Rpost);
  if (m->mean) bm_vector_free(m->mean);
  free(m);
}

/* Posterior cache from the prior and data stats d. Fails (BM_ENOMEM; BM_EDOM
 * for a posterior beyond double range; BM_ENONFINITE for non-finite
 * statistics) before anything in m is modified. */
static int recompute(bm_blr *m, const bm_blr_stats *d)
{
  const size_t k = m->k;
  const gsl_matrix *blocks[2] = {m->prior == PRIOR_IMPROPER ? NULL : m->prior_rows, d->R};
  const double scale[2] = {1.0, m->prior == PRIOR_KNOWN ? sqrt(m->lambda) : 1.0};
  gsl_matrix *R = bm_matrix_alloc(k + 1, k + 1);
  if (R == NULL) return BM_ENOMEM;
  int st = cj_qr_stack(blocks, scale, 2, k + 1, R);
  /* Finite data whose statistics overflow (entries ~1e308) give an inf/NaN
   * factor or b_n = b0 + rho^2/2 = inf: the posterior is not representable. */
  if (st == BM_SUCCESS) {
    if (!cj_all_finite(R)) st = BM_EDOM;
    double rr = gsl_matrix_get(R, k, k);
    if (m->prior != PRIOR_KNOWN && !isfinite((m->prior == PRIOR_NIG ? m->b0 : 0.0) + 0.5 * rr * rr)) st = BM_EDOM;
    /* a0 = DBL_MAX: log Gamma(a_n) and a_n log b_n overflow (inf - inf in every log density) */
    double an = m->prior == PRIOR_NIG ? m->a0 + 0.5 * (double)d->n : 0.5 * ((double)d->n - (double)k);
    double bn = (m->prior == PRIOR_NIG ? m->b0 : 0.0) + 0.5 * rr * rr;
    if (m->prior == PRIOR_NIG && (!isfinite(bm_lgamma(an)) || !isfinite(an * log(bn)) || !isfinite(m->a0 * log(m->b0))))
      st = BM_EDOM;
  }
  /* The posterior mean R_n^{-1} z, in scratch. A proper (Gaussian) prior
   * makes R_n nonsingular whatever the data, so no rank decision is taken
   * there: only a mean that is not representable (a zero pivot from
   * underflow, or an overflowing solve) refuses the update. The improper
   * prior needs full column rank of the design, decided scale-invariantly. */
  gsl_matrix *work = st == BM_SUCCESS ? bm_matrix_alloc(k, k) : NULL;
  double *mv = st == BM_SUCCESS ? malloc(2 * k * sizeof(double)) : NULL; /* mean, then rank-test scratch */
  if (st == BM_SUCCESS && (work == NULL || mv == NULL)) st = BM_ENOMEM;
  int proper = 0;
  if (st == BM_SUCCESS) {
    gsl_matrix_const_view Rn = gsl_matrix_const_submatrix(R, 0, 0, k, k);
    if (m->prior == PRIOR_IMPROPER)
      proper = d->n > k && gsl_matrix_get(R, k, k) > 0.0 && cj_upper_full_rank(&Rn.matrix, work, mv + k);
    else
      proper = 1;
    for (size_t i = 0; i < k; i++) {
      mv[i] = gsl_matrix_get(R, i, k);
      if (!(gsl_matrix_get(R, i, i) != 0.0)) proper = 0;
    }
    if (proper) {
      cblas_dtrsv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)k, R->data, (int)R->tda, mv, 1);
      for (size_t i = 0; i < k; i++)
        if (!isfinite(mv[i])) proper = 0;
    }
    if (!proper && m->prior != PRIOR_IMPROPER) st = BM_EDOM;
  }
  if (work != NULL) bm_matrix_free(work);
  if (st != BM_SUCCESS) {
    free(mv);
    bm_matrix_free(R);
    return st;
  }
  gsl_matrix_memcpy(m->Rpost, R);
  bm_matrix_free(R);
  for (size_t i = 0; i < k; i++) gsl_vector_set(m->mean, i, proper ? mv[i] : NAN);
  free(mv);
  double rho = gsl_matrix_get(m->Rpost, k, k);
  m->proper = proper;
  if (m->prior == PRIOR_NIG) {
    m->a_n = m->a0 + 0.5 * (double)d->n;
    m->b_n = m->b0 + 0.5 * rho * rho;
  } else if (m->prior == PRIOR_IMPROPER) {
    m->a_n = 0.5 * ((double)d->n - (double)k);
    m->b_n = 0.5 * rho * rho;
  } else {
    m->a_n = m->b_n = NAN;
  }
  return BM_SUCCESS;
}

/* recompute, with what failed for bm_last_error (BM_FN: the public caller) */
#define recompute(m, d) cj_recompute_status(BM_FN, (recompute)(m, d))

/* Validate (m0, V0) and build the prior rows [L0^-1, L0^-1 m0] into rows. */
#undef BM_FN
#define BM_FN fn /* the public _set_prior reporting, through set_gaussian_prior */
static int gaussian_prior_rows(const char *fn, const char *V0_name, size_t k, const gsl_vector *m0,
                               const gsl_matrix *V0, gsl_matrix *rows, double *half_logdet)
{
  int st = bm_validate_vector(m0, k);
  if (st != BM_SUCCESS) return st;
  gsl_matrix *L = bm_matrix_alloc(k, k);
  if (L == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  st = bm_check_spd(fn, V0_name, V0, k, L, NULL);
  if (st == BM_SUCCESS) {
    *half_logdet = 0.5 * bm_chol_logdet(L);
    gsl_matrix_view P = gsl_matrix_submatrix(rows, 0, 0, k, k);
    cj_lower_inverse(L, &P.matrix);
    gsl_vector_view last = gsl_matrix_column(rows, k);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)k, 1.0, P.matrix.data, (int)P.matrix.tda, m0->data,
                (int)m0->stride, 0.0, last.vector.data, (int)last.vector.stride);
  }
  bm_matrix_free(L);
  return st;
}

#define set_gaussian_prior(m, kind, m0, V0, a0, b0, lambda) \
  set_gaussian_prior_fn(__func__, #V0, m, kind, m0, V0, a0, b0, lambda)
static int set_gaussian_prior_fn(const char *fn, const char *V0_name, bm_blr *m, int kind, const gsl_vector *m0,
                                 const gsl_matrix *V0, double a0, double b0, double lambda)
{
  if (m == NULL || m0 == NULL || V0 == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", m == NULL ? "m" : m0 == NULL ? "m0" : V0_name);
  const size_t k = m->k;
  gsl_matrix *rows = bm_matrix_alloc(k, k + 1);
  if (rows == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  double hld = 0.0;
  int st = gaussian_prior_rows(fn, V0_name, k, m0, V0, rows, &hld);
  if (st == BM_SUCCESS && kind == PRIOR_NIG) {
    st = bm_validate_greater(a0, 0.0);
    if (st == BM_SUCCESS) st = bm_validate_greater(b0, 0.0);
  }
  if (st == BM_SUCCESS && kind == PRIOR_KNOWN) st = bm_check_greater(fn, "noise_precision", lambda, 0.0, NULL);
  bm_blr_stats *empty = st == BM_SUCCESS ? bm_blr_stats_alloc(k) : NULL;
  gsl_matrix *rows_old = st == BM_SUCCESS ? bm_matrix_alloc(k, k + 1) : NULL;
  if (st == BM_SUCCESS && (empty == NULL || rows_old == NULL)) st = BM_FAIL(BM_ENOMEM, "out of memory (k = %zu)", k);
  if (st == BM_SUCCESS) {
    /* commit (the previous state is kept on any failure above, and restored if
     * recompute runs out of memory) */
    bm_blr saved = *m;
    gsl_matrix_memcpy(rows_old, m->prior_rows);
    gsl_matrix_memcpy(m->prior_rows, rows);
    m->prior = kind;
    m->a0 = a0;
    m->b0 = b0;
    m->lambda = lambda;
    m->half_logdet_V0 = hld;
    st = recompute(m, empty);
    if (st == BM_SUCCESS) {
      stats_copy(m->data, empty);
    } else {
      gsl_matrix_memcpy(m->prior_rows, rows_old);
      m->prior = saved.prior;
      m->a0 = saved.a0;
      m->b0 = saved.b0;
      m->lambda = saved.lambda;
      m->half_logdet_V0 = saved.half_logdet_V0;
    }
  }
  bm_blr_stats_free(empty);
  if (rows_old != NULL) bm_matrix_free(rows_old);
  bm_matrix_free(rows);
  return st;
}
#undef BM_FN
#define BM_FN __func__

int bm_blr_set_prior_nig(bm_blr *m, const gsl_vector *m0, const gsl_matrix *V0, double a0, double b0)
{
  return set_gaussian_prior(m, PRIOR_NIG, m0, V0, a0, b0, NAN);
}

int bm_blr_set_prior_known_noise(bm_blr *m, const gsl_vector *m0, const gsl_matrix *S0, double noise_precision)
{
  return set_gaussian_prior(m, PRIOR_KNOWN, m0, S0, NAN, NAN, noise_precision);
}

int bm_blr_set_prior_improper(bm_blr *m)
{
  if (m == NULL) return BM_FAIL(BM_EINVAL, "m is NULL");
  bm_blr_stats *empty = bm_blr_stats_alloc(m->k);
  if (empty == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  int old = m->prior;
  m->prior = PRIOR_IMPROPER;
  int st = recompute(m, empty);
  if (st == BM_SUCCESS) stats_copy(m->data, empty);
  else m->prior = old;
  bm_blr_stats_free(empty);
  return st;
}

int bm_blr_update_stats(bm_blr *m, const bm_blr_stats *s)
{
  if (m == NULL || s == NULL || m->prior == PRIOR_NONE) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : s == NULL ? "s is NULL" : "m has no prior set");
  if (s->k != m->k) return BM_FAIL(BM_EBADLEN, "s has k = %zu, m k = %zu", s->k, m->k);
  if (s->n == 0) return BM_SUCCESS;
  bm_blr_stats *merged = bm_blr_stats_alloc(m->k);
  if (merged == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  stats_copy(merged, m->data);
  int st = bm_blr_stats_merge(merged, s);
  if (st == BM_SUCCESS) st = recompute(m, merged);
  if (st == BM_SUCCESS) stats_copy(m->data, merged);
  bm_blr_stats_free(merged);
  return st;
}

int bm_blr_update_weighted(bm_blr *m, const gsl_matrix *X, const gsl_vector *y, const gsl_vector *w)
{
  if (m == NULL || X == NULL || y == NULL || m->prior == PRIOR_NONE) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : X == NULL ? "X is NULL" : y == NULL ? "y is NULL" : "m has no prior set");
  bm_blr_stats *s = bm_blr_stats_alloc(m->k);
  if (s == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  int st = bm_blr_stats_compute(s, X, y, w);
  if (st == BM_SUCCESS) st = bm_blr_update_stats(m, s);
  bm_blr_stats_free(s);
  return BM_WRAP(st);
}

int bm_blr_update(bm_blr *m, const gsl_matrix *X, const gsl_vector *y)
{
  return BM_WRAP(bm_blr_update_weighted(m, X, y, NULL));
}

/* --- posterior quantities ------------------------------------------------ */

static void fill_nan_vm(gsl_vector *v, gsl_matrix *A)
{
  bm_nan_vector(v);
  bm_nan_matrix(A);
}

/* (R_n^T R_n)^{-1} * scale into A (k x k); fn, Aname: the public caller and
 * its output's name, for bm_last_error. */
#define posterior_cov(m, scale, A) posterior_cov_fn(__func__, #A, m, scale, A)
static int posterior_cov_fn(const char *fn, const char *Aname, const bm_blr *m, double scale, gsl_matrix *A)
{
  gsl_matrix_const_view Rn = gsl_matrix_const_submatrix(m->Rpost, 0, 0, m->k, m->k);
  int st = cj_inverse_from_upper(&Rn.matrix, A);
  if (st == BM_SUCCESS) gsl_matrix_scale(A, scale);
  /* R_n is finite and nonsingular, its inverse product need not be representable */
  for (size_t i = 0; i < m->k && st == BM_SUCCESS; i++)
    for (size_t j = 0; j < m->k; j++)
      if (!isfinite(gsl_matrix_get(A, i, j)))
        st = bm_error_set(BM_EDOM, fn, "%s(%zu,%zu) overflows double range (a nearly singular posterior)", Aname, i, j);
  if (st != BM_SUCCESS) gsl_matrix_set_all(A, NAN);
  return st == BM_ENOMEM ? bm_error_set(st, fn, "out of memory (k = %zu)", m->k) : st;
}

/* What the posterior accessors check first, in order: m, the shapes of the
 * outputs v (length k) and A (k x k) — both set to NaN once they fit — and a
 * proper posterior of the form asked for (nig: NIG or improper prior; else
 * known noise). fn, vname, Aname: the public function and the outputs'
 * names, for bm_last_error. */
#define posterior_begin(m, v, A, nig) posterior_begin_fn(__func__, #v, #A, m, v, A, nig)
#undef BM_FN
#define BM_FN fn
static int posterior_begin_fn(const char *fn, const char *vname, const char *Aname, const bm_blr *m, gsl_vector *v,
                              gsl_matrix *A, int nig)
{
  if (m == NULL) {
    fill_nan_vm(v, A);
    return BM_FAIL(BM_EINVAL, "m is NULL");
  }
  const size_t k = m->k;
  if (v != NULL && v->size != k) return BM_FAIL(BM_EBADLEN, "%s has length %zu, expected k = %zu", vname, v->size, k);
  if (A != NULL && (A->size1 != k || A->size2 != k))
    return BM_FAIL(BM_EBADLEN, "%s is %zu x %zu, expected k x k = %zu x %zu", Aname, A->size1, A->size2, k, k);
  fill_nan_vm(v, A);
  if (nig && m->prior != PRIOR_NIG && m->prior != PRIOR_IMPROPER)
    return BM_FAIL(BM_EINVAL, "m has %s: this needs an NIG or improper prior",
                   m->prior == PRIOR_KNOWN ? "a known-noise prior (use bm_blr_posterior_gaussian)" : "no prior set");
  if (!nig && m->prior != PRIOR_KNOWN)
    return BM_FAIL(BM_EINVAL, "the prior of m is not known-noise: its posterior is not Gaussian (use bm_blr_posterior_nig)");
  if (!m->proper) /* known noise: not reached, recompute refuses a non-representable Gaussian posterior */
    return BM_FAIL(BM_EDOM, "%s", nig ? "the posterior of m is improper (too few observations for its prior)" : "the posterior of m is improper");
  return BM_SUCCESS;
}
#undef BM_FN
#define BM_FN __func__

int bm_blr_posterior_nig(const bm_blr *m, gsl_vector *m_n, gsl_matrix *V_n, double *a_n, double *b_n)
{
  if (a_n != NULL) *a_n = NAN;
  if (b_n != NULL) *b_n = NAN;
  int st = posterior_begin(m, m_n, V_n, 1);
  if (st != BM_SUCCESS) return st;
  if (V_n != NULL && (st = posterior_cov(m, 1.0, V_n)) != BM_SUCCESS) return st;
  if (m_n != NULL) gsl_vector_memcpy(m_n, m->mean);
  if (a_n != NULL) *a_n = m->a_n;
  if (b_n != NULL) *b_n = m->b_n;
  return BM_SUCCESS;
}

int bm_blr_posterior_gaussian(const bm_blr *m, gsl_vector *m_N, gsl_matrix *S_N)
{
  int st = posterior_begin(m, m_N, S_N, 0);
  if (st != BM_SUCCESS) return st;
  if (S_N != NULL && (st = posterior_cov(m, 1.0, S_N)) != BM_SUCCESS) return st;
  if (m_N != NULL) gsl_vector_memcpy(m_N, m->mean);
  return BM_SUCCESS;
}

int bm_blr_posterior_beta_t(const bm_blr *m, double *df, gsl_vector *loc, gsl_matrix *scale)
{
  if (df != NULL) *df = NAN;
  int st = posterior_begin(m, loc, scale, 1);
  if (st != BM_SUCCESS) return st;
  if (scale != NULL && (st = posterior_cov(m, m->b_n / m->a_n, scale)) != BM_SUCCESS) return st;
  if (loc != NULL) gsl_vector_memcpy(loc, m->mean);
  if (df != NULL) *df = 2.0 * m->a_n;
  return BM_SUCCESS;
}

int bm_blr_log_posterior(const bm_blr *m, const gsl_vector *beta, double sigma2, double *lp)
{
  if (lp != NULL) *lp = NAN;
  if (m == NULL || beta == NULL || lp == NULL || m->prior == PRIOR_NONE) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : beta == NULL ? "beta is NULL" : lp == NULL ? "lp is NULL" : "m has no prior set");
  const size_t k = m->k;
  int st = bm_validate_vector(beta, k);
  if (st != BM_SUCCESS) return st;
  if (!m->proper) return BM_FAIL(BM_EDOM, "the posterior of m is improper (too few observations for its prior)");
  const int known = m->prior == PRIOR_KNOWN;
  if (!known) {
    if (!isfinite(sigma2)) return BM_FAIL(BM_ENONFINITE, "sigma2 = %g is not finite", sigma2);
    if (!(sigma2 > 0.0)) {
      *lp = -INFINITY;
      return BM_FAIL(BM_EDOM, "sigma2 = %g must be positive (log posterior -inf)", sigma2);
    }
  }
  double stack[64];
  double *u = k <= 64 ? stack : malloc(k * sizeof(double));
  if (u == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  for (size_t i = 0; i < k; i++) u[i] = gsl_vector_get(beta, i) - gsl_vector_get(m->mean, i);
  cblas_dtrmv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)k, m->Rpost->data, (int)m->Rpost->tda, u,
              1);
  double q = 0.0; /* half the quadratic form: representable as long as the log density is */
  for (size_t i = 0; i < k; i++) q += (M_SQRT1_2 * u[i]) * (M_SQRT1_2 * u[i]);
  if (isnan(q)) q = INFINITY; /* finite operands: NaN only from overflow (beta - mean, or inf * 0 in the product) */
  if (u != stack) free(u);
  gsl_matrix_const_view Rn = gsl_matrix_const_submatrix(m->Rpost, 0, 0, k, k);
  double hld = cj_half_logdet_upper(&Rn.matrix); /* = -log|cov|/2 (unit sigma2) */
  if (known) {
    *lp = -0.5 * (double)k * log(2.0 * M_PI) + hld - q;
  } else {
    double a = m->a_n, b = m->b_n, t = b / sigma2;
    /* the inverse-gamma term a log b - lgamma(a) - (a+1) log sigma2 - b/sigma2: with
     * t = b/sigma2 and Stirling's series it is a log1pmx(t/a - 1) + log(a)/2 -
     * log(2 pi)/2 - st(a) - log sigma2, which does not cancel like a log a (the
     * textbook sum: 2.4e-5 relative at the mode at a = 1e12) */
    double ig = a >= 10.0 && isfinite(t) && t / a > 0.0 /* t underflowed: the plain sum, nothing cancels */
                    ? a * bm_log1pmx(t / a - 1.0) + 0.5 * log(a) - 0.5 * log(2.0 * M_PI) - bm_lgamma_stirling_tail(a) -
                          log(sigma2)
                    : a * log(b) - bm_lgamma(a) - (a + 1.0) * log(sigma2) - t;
    /* log(2 pi) + log(sigma2): 2 pi sigma2 overflows for sigma2 >= 2.9e307 */
    *lp = -0.5 * (double)k * (log(2.0 * M_PI) + log(sigma2)) + hld - q / sigma2 + ig;
  }
  return BM_SUCCESS;
}

int bm_blr_predictive(const bm_blr *m, const gsl_vector *x_new, double *df, double *loc, double *scale2)
{
  if (df != NULL) *df = NAN;
  if (loc != NULL) *loc = NAN;
  if (scale2 != NULL) *scale2 = NAN;
  if (m == NULL || x_new == NULL || df == NULL || loc == NULL || scale2 == NULL || m->prior == PRIOR_NONE)
    return BM_FAIL(BM_EINVAL, "%s", !m ? "m is NULL" : !x_new ? "x_new is NULL" : !df ? "df is NULL" : !loc ? "loc is NULL" : !scale2 ? "scale2 is NULL" : "m has no prior set");
  const size_t k = m->k;
  int st = bm_validate_vector(x_new, k);
  if (st != BM_SUCCESS) return st;
  if (!m->proper) return BM_FAIL(BM_EDOM, "the posterior of m is improper (too few observations for its prior)");
  double stack[64];
  double *u = k <= 64 ? stack : malloc(k * sizeof(double));
  if (u == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  double mu = 0.0;
  for (size_t i = 0; i < k; i++) {
    u[i] = gsl_vector_get(x_new, i);
    mu += u[i] * gsl_vector_get(m->mean, i);
  }
  /* u = R_n^{-T} x: x^T (R_n^T R_n)^{-1} x = |u|^2 */
  cblas_dtrsv(CblasRowMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)k, m->Rpost->data, (int)m->Rpost->tda, u, 1);
  double q = 0.0;
  for (size_t i = 0; i < k; i++) q += u[i] * u[i];
  if (u != stack) free(u);
  /* x^T m_n or x^T V_n x overflowing (a NaN from inf - inf included): the
   * predictive is not representable; outputs stay NaN. */
  if (!isfinite(mu) || !isfinite(q)) return BM_FAIL(BM_EDOM, "x_new is too large: x_new's predictive mean or variance overflows");
  const double s2 = m->prior == PRIOR_KNOWN ? 1.0 / m->lambda + q : (m->b_n / m->a_n) * (1.0 + q);
  if (!isfinite(s2)) return BM_FAIL(BM_EDOM, "x_new is too large: the predictive variance overflows");
  *loc = mu;
  *df = m->prior == PRIOR_KNOWN ? INFINITY : 2.0 * m->a_n;
  *scale2 = s2;
  return BM_SUCCESS;
}

int bm_blr_log_evidence(const bm_blr *m, double *lml)
{
  if (lml != NULL) *lml = NAN;
  if (m == NULL || lml == NULL || m->prior == PRIOR_NONE) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : lml == NULL ? "lml is NULL" : "m has no prior set");
  if (m->prior == PRIOR_IMPROPER) return BM_FAIL(BM_EDOM, "the evidence does not exist under the improper prior of m (set a proper prior)");
  const size_t k = m->k;
  const double n = (double)m->data->n;
  gsl_matrix_const_view Rn = gsl_matrix_const_submatrix(m->Rpost, 0, 0, k, k);
  double half_logdet_post_cov = -cj_half_logdet_upper(&Rn.matrix);
  double base = -0.5 * n * log(2.0 * M_PI) + 0.5 * m->data->sum_log_w + half_logdet_post_cov - m->half_logdet_V0;
  if (m->prior == PRIOR_NIG) {
    /* a0 log b0 - a_n log b_n = -(a0 + n/2) log1p(rho^2/(2 b0)) - n/2 log b0, and
     * lgamma(a_n) - lgamma(a0) as one difference in (a0, n/2): the textbook sum
     * cancels like a0 eps (1e-7 relative at a0 = 1e8), and from a0 = 2^53 a0 + n/2
     * rounds to a0 (the evidence came out 0) */
    double rho = gsl_matrix_get(m->Rpost, k, k), u = 0.5 * rho * rho / m->b0;
    double ab = isfinite(u) ? -(m->a0 + 0.5 * n) * log1p(u) - 0.5 * n * log(m->b0)
                            : m->a0 * log(m->b0) - m->a_n * log(m->b_n); /* b0 tiny: nothing cancels */
    *lml = base + ab + bm_lmvgamma_half_diff(1, 2.0 * m->a0, n);
  } else {
    double rho = gsl_matrix_get(m->Rpost, k, k);
    *lml = base + 0.5 * n * log(m->lambda) - 0.5 * rho * rho;
  }
  return BM_SUCCESS;
}

/* ---- packed form of the statistics (for MPI) ------------------ */
size_t bm_blr_stats_dim(const bm_blr_stats *s) { return s ? s->k : 0; }

size_t bm_blr_dim(const bm_blr *m) { return m ? m->k : 0; }

size_t bm_blr_stats_packed_len(const bm_blr_stats *s)
{
  return s ? BM_PACK_HEADER + 2 + (s->k + 1) * (s->k + 2) / 2 : 0;
}

int bm_blr_stats_pack(const bm_blr_stats *s, double *buf)
{
  if (s == NULL || buf == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : "buf");
  size_t k = BM_PACK_HEADER;
  bm_pack_header(buf, BM_PACK_BLR, s->k, 1, bm_blr_stats_packed_len(s));
  buf[k++] = (double)s->n;
  buf[k++] = s->sum_log_w;
  cj_pack_upper(s->R, buf + k);
  return BM_SUCCESS;
}

int bm_blr_stats_unpack(bm_blr_stats *s, const double *buf, size_t len)
{
  if (s == NULL || buf == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : "buf");
  double n;
  int st = cj_unpack_check(buf, len, BM_PACK_BLR, s->k, 1, bm_blr_stats_packed_len(s), &n);
  if (st != BM_SUCCESS) return st;
  const double *x = buf + BM_PACK_HEADER, slw = x[1];
  /* each weight is a positive finite double: |log w| < 745 */
  if (fabs(slw) > 745.2 * n) return BM_FAIL(BM_EINVAL, "buf: the sum of log weights is out of range for n");
  if ((st = cj_unpack_upper(x + 2, s->R)) != BM_SUCCESS) return st;
  s->n = (size_t)n;
  s->sum_log_w = slw;
  return BM_SUCCESS;
}
