/* bayesmat — the summary shared by the Wishart and inverse-Wishart sufficient
 * statistics; see wishart_type_stats.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* The public wrappers name themselves (BM_WRAP): the messages here carry no prefix. */
#define BM_FN NULL
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "wishart_type_stats.h"
#include "wishart_common.h"
#include "stats_pack.h"
#include "work.h"
#include "../src/error.h"

int bm_spd_stats_init(bm_spd_stats *s, size_t p)
{
  memset(s, 0, sizeof *s);
  if (p == 0 || p > ((size_t)1 << 26)) return BM_FAIL(BM_EINVAL, "p = %zu is outside [1, 2^26]", p);
  s->p = p;
  s->A = calloc(3 * p * p, sizeof(double));
  if (!s->A) return BM_FAIL(BM_ENOMEM, "out of memory for p = %zu", p);
  s->A_b = s->A + p * p;
  s->work = s->A_b + p * p;
  return BM_SUCCESS;
}

void bm_spd_stats_release(bm_spd_stats *s) { free(s->A); }

int bm_spd_stats_reset(bm_spd_stats *s)
{
  if (!s) return BM_FAIL(BM_EINVAL, "s is NULL");
  s->m = 0.0;
  s->sum_logdet = 0.0;
  memset(s->A, 0, s->p * s->p * sizeof(double));
  return BM_SUCCESS;
}

/* s written only once the whole block has been validated and summarized */
int bm_spd_stats_add(bm_spd_stats *s, const gsl_matrix *const *X, size_t m, int replace, int invert)
{
  if (!s || (m > 0 && !X)) return BM_FAIL(BM_EINVAL, "%s is NULL", s ? "X" : "s");
  size_t p = s->p;
  int status = bm_wt_check_batch(X, m, p); /* X[k] named by its index */
  if (status) return status;
  double logdet = 0.0;
  memset(s->A_b, 0, p * p * sizeof(double));
  gsl_matrix_view W = gsl_matrix_view_array(s->work, p, p);
  for (size_t k = 0; k < m; k++) {
    if (bm_chol_factor(X[k], &W.matrix, NULL)) return BM_FAIL(BM_EDOM, "X[%zu] is not positive definite", k);
    logdet += bm_chol_logdet(&W.matrix);
    if (invert) bm_chol_inverse(&W.matrix, &W.matrix); /* X_k^-1, full symmetric */
    const gsl_matrix *T = invert ? &W.matrix : X[k];
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j <= i; j++) s->A_b[i * p + j] += gsl_matrix_get(T, i, j);
  }
  /* an observation whose inverse (or a sum) is beyond double range has no
   * summary: refused, s unchanged (an inf or NaN sum gave NaN log-likelihoods
   * with success) */
  double z = 0.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) z += ((replace ? 0.0 : s->A[i * p + j]) + s->A_b[i * p + j]) * 0.0;
  if (z != 0.0)
    return BM_FAIL(BM_EDOM, "the summed %s of X is beyond double range", invert ? "inverses" : "matrices");
  if (replace) bm_spd_stats_reset(s);
  s->m += (double)m;
  s->sum_logdet += logdet;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double v = s->A[i * p + j] + s->A_b[i * p + j];
      s->A[i * p + j] = v;
      s->A[j * p + i] = v;
    }
  return BM_SUCCESS;
}

int bm_spd_stats_merge(bm_spd_stats *a, const bm_spd_stats *b)
{
  if (!a || !b) return BM_FAIL(BM_EINVAL, "%s is NULL", a ? "b" : "a");
  if (a->p != b->p) return BM_FAIL(BM_EBADLEN, "a is %zu x %zu, b is %zu x %zu", a->p, a->p, b->p, b->p);
  size_t p = a->p;
  double z = 0.0;
  for (size_t i = 0; i < p * p; i++) z += (a->A[i] + b->A[i]) * 0.0;
  if (z != 0.0) return BM_FAIL(BM_EDOM, "the merged sum is beyond double range (a unchanged)");
  a->m += b->m; /* a == b works: each entry is read before it is written */
  a->sum_logdet += b->sum_logdet;
  for (size_t i = 0; i < p * p; i++) a->A[i] += b->A[i];
  return BM_SUCCESS;
}

int bm_spd_stats_get(const bm_spd_stats *s, double *m, gsl_matrix *A, double *sum_logdet)
{
  if (!s) return BM_FAIL(BM_EINVAL, "s is NULL");
  size_t p = s->p;
  if (A && (A->size1 != p || A->size2 != p)) return BM_FAIL(BM_EBADLEN, "A is %zu x %zu, expected %zu x %zu", A->size1, A->size2, p, p);
  if (m) *m = s->m;
  if (sum_logdet) *sum_logdet = s->sum_logdet;
  if (A)
    for (size_t i = 0; i < p; i++) memcpy(A->data + i * A->tda, s->A + i * p, p * sizeof(double));
  return BM_SUCCESS;
}

size_t bm_spd_stats_packed_len(const bm_spd_stats *s) { return s ? BM_PACK_HEADER + 2 + s->p * (s->p + 1) / 2 : 0; }

int bm_spd_stats_pack(const bm_spd_stats *s, double *buf, int kind)
{
  if (!s || !buf) return BM_FAIL(BM_EINVAL, "%s is NULL", s ? "buf" : "s");
  size_t p = s->p, k = BM_PACK_HEADER;
  bm_pack_header(buf, kind, p, 1, bm_spd_stats_packed_len(s));
  buf[k++] = s->m;
  buf[k++] = s->sum_logdet;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++) buf[k++] = s->A[i * p + j];
  return BM_SUCCESS;
}

int bm_spd_stats_unpack(bm_spd_stats *s, const double *buf, size_t len, int kind)
{
  if (!s || !buf) return BM_FAIL(BM_EINVAL, "%s is NULL", s ? "buf" : "s");
  size_t p = s->p, want = bm_spd_stats_packed_len(s), ntri = p * (p + 1) / 2;
  int st = bm_pack_check_header(buf, len, kind, p, 1, want);
  if (st) return st;
  const double *x = buf + BM_PACK_HEADER, *tri = x + 2;
  if ((st = bm_pack_check_finite(x, want - BM_PACK_HEADER))) return st;
  double m = x[0], l = x[1];
  if (!bm_pack_count_ok(m)) return BM_FAIL(BM_EINVAL, "buf's count %g is not an integer in [0, 2^53]", m);
  if (m == 0.0 && !bm_pack_all_zero(x + 1, 1 + ntri)) return BM_FAIL(BM_EINVAL, "buf's count is 0 but its sums are not");
  /* log|X| of an SPD matrix with finite entries: each Cholesky pivot is a
   * positive double (log >= -745) and each eigenvalue at most p DBL_MAX */
  if (fabs(l) > m * (double)p * (1490.0 + log((double)p)))
    return BM_FAIL(BM_EINVAL, "buf's sum of log-determinants %g is impossible for %g SPD matrices", l, m);
  if (m > 0.0) { /* a sum of m SPD matrices: positive (semi)definite */
    double *W = s->A_b;
    for (size_t j = 0, k = 0; j < p; j++)
      for (size_t i = j; i < p; i++, k++) W[i * p + j] = W[j * p + i] = tri[k];
    for (size_t j = 0; j < p; j++)
      if (!(W[j * p + j] > 0.0)) return BM_FAIL(BM_ENOTSPD, "buf's sum has diagonal entry %zu = %g, not positive", j, W[j * p + j]);
    if ((st = bm_pack_check_psd_inplace(W, p, s->work))) return st;
  }
  s->m = m;
  s->sum_logdet = l;
  for (size_t j = 0, k = 0; j < p; j++)
    for (size_t i = j; i < p; i++, k++) s->A[i * p + j] = s->A[j * p + i] = tri[k];
  return BM_SUCCESS;
}

int bm_spd_stats_loglik_grad(const bm_spd_stats *s, const bm_spd_view *v, double *ll, gsl_matrix *G, double *d_nu,
                             bm_spd_stats_eval_fn *eval)
{
  if (ll) *ll = NAN;
  if (d_nu) *d_nu = NAN;
  int status = BM_SUCCESS;
  if (!s || !v) status = BM_FAIL(BM_EINVAL, "%s", s ? "d is NULL or has not been set" : "s is NULL");
  size_t p = status ? 0 : s->p;
  if (!status && v->L->size1 != p) status = BM_FAIL(BM_EBADLEN, "s is %zu x %zu, d is %zu x %zu", p, p, v->L->size1, v->L->size1);
  if (!status && G) status = bm_validate_shape(G, p, p);
  double stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  double *B = NULL;
  if (!status) {
    B = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p);
    if (!B) status = BM_FAIL(BM_ENOMEM, "out of memory for p = %zu", p);
  }
  if (status) {
    if (G) gsl_matrix_set_all(G, NAN);
    return status;
  }
  if (s->m == 0.0) {
    if (ll) *ll = 0.0;
    if (d_nu) *d_nu = 0.0;
    if (G) gsl_matrix_set_zero(G);
  } else {
    eval(s, v, B, ll, G, d_nu);
    /* as the direct batch: a gradient beyond double range (S near DBL_MIN, or
     * d_nu ~ m/nu at a subnormal nu) fails with every output NaN */
    int bad_G = G && !bm_wt_finite(G);
    if (bad_G || (d_nu && !isfinite(*d_nu))) {
      if (ll) *ll = NAN;
      if (d_nu) *d_nu = NAN;
      if (G) gsl_matrix_set_all(G, NAN);
      status = BM_FAIL(BM_EDOM, "%s is beyond double range", bad_G ? "the scale's gradient" : "d_nu");
    }
  }
  bm_work_release(&w);
  return status;
}
