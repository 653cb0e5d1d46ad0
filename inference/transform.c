/* bayesmat — unconstrained transforms: log, logit, log-Cholesky (docs/transforms.md).
 *
 * log-Cholesky: Sigma = L L^T, theta = vech(Lt) with Lt_ii = log L_ii and
 * Lt_ij = L_ij (i > j). With dL_a = c_a e_i e_j^T (c_a = L_ii on the diagonal,
 * 1 below it), dSigma_a = dL_a L^T + L dL_a^T, so for the symmetric gradient
 * G of f(Sigma): df/dtheta_a = tr(G dSigma_a) = 2 c_a (G L)_ij. The second
 * derivatives d2Sigma/dtheta_a dtheta_b = dL_a dL_b^T + dL_b dL_a^T
 * (+ [a = b diagonal] (e_i e_i^T L_ii L^T + L e_i e_i^T L_ii)) give the
 * curvature term of the Hessian chain rule. Derivations: docs/transforms.md.
 * The log-Jacobian p log 2 + sum_i (p - i + 2) theta_ii: J is triangular in
 * vech order with diagonal 2 L_jj^2 (diagonal coordinates) and L_jj (below).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <float.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_blas.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/transform.h"
#include "work.h"
#include "internal.h"
#include "../src/error.h"


/* ---------------- log ---------------- */

int bm_transform_log_forward(double x, double *u)
{
  if (!u) return BM_FAIL(BM_EINVAL, "u is NULL");
  *u = NAN;
  if (!isfinite(x)) return BM_FAIL(BM_ENONFINITE, "x = %g is not finite", x);
  if (x <= 0) return BM_FAIL(BM_EDOM, "x = %g must be positive", (double)(x));
  *u = log(x);
  return BM_SUCCESS;
}

int bm_transform_log_inverse(double u, double *x, double *logjac)
{
  if (!x) return BM_FAIL(BM_EINVAL, "x is NULL");
  *x = NAN;
  if (logjac) *logjac = NAN;
  if (!isfinite(u)) return BM_FAIL(BM_ENONFINITE, "u = %g is not finite", u);
  double e = exp(u);
  if (!isfinite(e) || e == 0.0) return BM_FAIL(BM_EDOM, "u = %g: exp(u) is not a positive double", u);
  *x = e;
  if (logjac) *logjac = u;
  return BM_SUCCESS;
}

int bm_transform_log_chain(double u, double g_x, double h_x, double *g_u, double *h_u)
{
  if (!g_u) return BM_FAIL(BM_EINVAL, "g_u is NULL");
  *g_u = NAN;
  if (h_u) *h_u = NAN;
  if (!isfinite(u) || !isfinite(g_x) || (h_u && !isfinite(h_x))) return BM_FAIL(BM_ENONFINITE, "%s is not finite", !isfinite(u) ? "u" : !isfinite(g_x) ? "g_x" : "h_x");
  double x = exp(u);
  if (!isfinite(x) || x == 0.0) return BM_FAIL(BM_EDOM, "u = %g: x = exp(u) is %s", u, x == 0.0 ? "0" : "not finite");
  /* dx/du = d2x/du2 = x; x (x h_x + g_x): x^2 alone overflows for u > ~354 */
  double g = x * g_x, h = h_u ? x * (x * h_x + g_x) : 0.0;
  if (!isfinite(g) || !isfinite(h)) return BM_FAIL(BM_EDOM, "u = %g: the derivative in u is beyond double range", u); /* the derivative itself is beyond DBL_MAX */
  *g_u = g;
  if (h_u) *h_u = h;
  return BM_SUCCESS;
}

/* ---------------- logit ---------------- */

int bm_transform_logit_forward(double x, double *u)
{
  if (!u) return BM_FAIL(BM_EINVAL, "u is NULL");
  *u = NAN;
  if (!isfinite(x)) return BM_FAIL(BM_ENONFINITE, "x = %g is not finite", x);
  if (x <= 0 || x >= 1) return BM_FAIL(BM_EDOM, "x = %g must lie in (0, 1)", x);
  *u = log(x) - log1p(-x);
  return BM_SUCCESS;
}

/* log(1 + e^t) without overflow */
static double softplus(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }

static double logistic(double u) { return u >= 0 ? 1.0 / (1.0 + exp(-u)) : exp(u) / (1.0 + exp(u)); }

int bm_transform_logit_inverse(double u, double *x, double *logjac)
{
  if (!x) return BM_FAIL(BM_EINVAL, "x is NULL");
  *x = NAN;
  if (logjac) *logjac = NAN;
  if (!isfinite(u)) return BM_FAIL(BM_ENONFINITE, "u = %g is not finite", u);
  double v = logistic(u);
  if (v <= 0 || v >= 1) return BM_FAIL(BM_EDOM, "v = %g must lie in (0, 1)", v);
  *x = v;
  if (logjac) *logjac = -softplus(-u) - softplus(u); /* log x + log(1-x) */
  return BM_SUCCESS;
}

/* s = x(1 - x) = dx/du and 1 - 2x = -tanh(u/2), both from u: forming them
 * from the rounded x loses everything once x rounds near 1 (relative error
 * ~eps e^u: 4e-6 at u = 25, order one at u = 36.5). With t = e^-|u| <= 1,
 * s = t / (1 + t)^2 holds to a few ulps for every u. */
static double logistic_slope(double u)
{
  double t = exp(-fabs(u));
  return t / ((1.0 + t) * (1.0 + t));
}

int bm_transform_logit_chain(double u, double g_x, double h_x, double *g_u, double *h_u)
{
  if (!g_u) return BM_FAIL(BM_EINVAL, "g_u is NULL");
  *g_u = NAN;
  if (h_u) *h_u = NAN;
  if (!isfinite(u) || !isfinite(g_x) || (h_u && !isfinite(h_x))) return BM_FAIL(BM_ENONFINITE, "%s is not finite", !isfinite(u) ? "u" : !isfinite(g_x) ? "g_x" : "h_x");
  double s = logistic_slope(u);                             /* dx/du */
  if (s < DBL_MIN) return BM_FAIL(BM_EDOM, "u = %g: dx/du underflows", u);                          /* |u| > ~708: dx/du below the normal range */
  double c = -tanh(0.5 * u);                                /* 1 - 2x */
  *g_u = s * g_x;
  if (h_u) *h_u = s * s * h_x + s * c * g_x;                /* d2x/du2 = s(1-2x) */
  return BM_SUCCESS;
}

/* ---------------- log-Cholesky ---------------- */

size_t bm_transform_logchol_dim(size_t q)
{
  if (q == 0) return 0;
  size_t p = (size_t)((sqrt(8.0 * (double)q + 1.0) - 1.0) / 2.0 + 0.5);
  return p * (p + 1) / 2 == q ? p : 0;
}

int bm_transform_logchol_forward(const gsl_matrix *Sigma, gsl_vector *theta)
{
  if (!Sigma || !theta) return BM_FAIL(BM_EINVAL, "%s is NULL", Sigma == NULL ? "Sigma" : "theta");
  size_t p = Sigma->size1;
  if (Sigma->size2 != p || theta->size != bm_vech_len(p)) return BM_FAIL(BM_EBADLEN, "Sigma is %zu x %zu and theta of length %zu, expected p x p and p(p+1)/2", Sigma->size1, Sigma->size2, theta->size);
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p);
  if (!buf) {
    bm_nan_vector(theta);
    return BM_FAIL(BM_ENOMEM, "out of memory");
  }
  gsl_matrix_view Lv = gsl_matrix_view_array(buf, p, p);
  int status = bm_validate_spd(Sigma, p, &Lv.matrix, NULL);
  if (status) {
    bm_nan_vector(theta);
    bm_work_release(&w);
    return status;
  }
  size_t k = 0;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++, k++) {
      double l = MGET(&Lv.matrix, i, j);
      VGET(theta, k) = i == j ? log(l) : l;
    }
  bm_work_release(&w);
  return BM_SUCCESS;
}

/* L from theta (lower, strict upper zeroed); checks finiteness/overflow.
 * fn: the public caller, through the macro. */
#undef BM_FN
#define BM_FN fn
#define logchol_factor(theta, p, L) logchol_factor_fn(__func__, theta, p, L)
static int logchol_factor_fn(const char *fn, const gsl_vector *theta, size_t p, gsl_matrix *L)
{
  size_t k = 0;
  for (size_t j = 0; j < p; j++) {
    for (size_t i = 0; i < j; i++) MGET(L, i, j) = 0.0;
    for (size_t i = j; i < p; i++, k++) {
      double t = VGET(theta, k);
      if (!isfinite(t)) return BM_FAIL(BM_ENONFINITE, "theta[%zu] = %g is not finite", k, t);
      if (i == j) {
        double e = exp(t);
        if (!isfinite(e) || e == 0.0)
          return BM_FAIL(BM_EDOM, "theta[%zu] = %g: L(%zu,%zu) = exp(theta[%zu]) is not a positive double", k, t, i,
                         i, k);
        MGET(L, i, j) = e;
      } else {
        MGET(L, i, j) = t;
      }
    }
  }
  return BM_SUCCESS;
}

#define check_theta(theta, p) check_theta_fn(__func__, theta, p)
static int check_theta_fn(const char *fn, const gsl_vector *theta, size_t *p)
{
  if (!theta) return BM_FAIL(BM_EINVAL, "theta is NULL");
  *p = bm_transform_logchol_dim(theta->size);
  if (*p == 0) return BM_FAIL(BM_EBADLEN, "theta has length %zu, not p(p+1)/2 for any p > 0", theta->size);
  for (size_t k = 0; k < theta->size; k++)
    if (!isfinite(VGET(theta, k))) return BM_FAIL(BM_ENONFINITE, "theta[%zu] = %g is not finite", k, VGET(theta, k));
  return BM_SUCCESS;
}
#undef BM_FN
#define BM_FN __func__

int bm_transform_logchol_inverse(const gsl_vector *theta, gsl_matrix *Sigma, gsl_matrix *L)
{
  if (!theta || (!Sigma && !L)) return BM_FAIL(BM_EINVAL, "%s", !theta ? "theta is NULL" : "Sigma and L are both NULL");
  size_t p = bm_transform_logchol_dim(theta->size);
  if (p == 0 || (Sigma && (Sigma->size1 != p || Sigma->size2 != p)) || (L && (L->size1 != p || L->size2 != p)))
    return BM_FAIL(BM_EBADLEN, "%s", p == 0 ? "theta's length is not p(p+1)/2 for any p > 0" : (Sigma && (Sigma->size1 != p || Sigma->size2 != p)) ? "Sigma is not p x p for the p of theta" : "L is not p x p for the p of theta");
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  gsl_matrix *Lm = L;
  gsl_matrix_view Lv;
  w.on_heap = 0;
  w.ptr = NULL;
  if (!Lm) {
    double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p);
    if (!buf) {
      bm_nan_matrix(Sigma);
      return BM_FAIL(BM_ENOMEM, "out of memory");
    }
    Lv = gsl_matrix_view_array(buf, p, p);
    Lm = &Lv.matrix;
  }
  int status = logchol_factor(theta, p, Lm);
  if (status) {
    bm_nan_matrix(Sigma);
    bm_nan_matrix(L);
    bm_work_release(&w);
    return status;
  }
  if (Sigma) bm_chol_product(Lm, Sigma);
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_transform_logchol_log_jacobian(const gsl_vector *theta, double *logjac, gsl_vector *grad)
{
  if (!logjac) return BM_FAIL(BM_EINVAL, "logjac is NULL");
  *logjac = NAN;
  size_t p;
  int status = check_theta(theta, &p);
  if (!status && grad && grad->size != theta->size) status = BM_FAIL(BM_EBADLEN, "grad has length %zu, theta %zu", grad->size, theta->size);
  if (status) {
    if (grad && theta && grad->size == theta->size) bm_nan_vector(grad);
    return status;
  }
  double s = (double)p * M_LN2;
  if (grad) gsl_vector_set_zero(grad);
  for (size_t i = 0; i < p; i++) {
    size_t k = bm_vech_index(p, i, i);
    double c = (double)(p - i + 1); /* (p - i' + 2) with 1-based i' = i + 1 */
    s += c * VGET(theta, k);
    if (grad) VGET(grad, k) = c;
  }
  *logjac = s;
  return BM_SUCCESS;
}

int bm_transform_logchol_jacobian(const gsl_vector *theta, gsl_matrix *J)
{
  if (!J) return BM_FAIL(BM_EINVAL, "J is NULL");
  size_t p;
  int status = check_theta(theta, &p);
  size_t q = theta ? theta->size : 0;
  if (!status && (J->size1 != q || J->size2 != q)) status = BM_FAIL(BM_EBADLEN, "J is %zu x %zu, expected %zu x %zu", J->size1, J->size2, (size_t)(q), (size_t)(q));
  double stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  double *buf = NULL;
  if (!status) {
    buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p);
    if (!buf) status = BM_FAIL(BM_ENOMEM, "out of memory");
  }
  gsl_matrix_view Lv;
  if (!status) {
    Lv = gsl_matrix_view_array(buf, p, p);
    status = logchol_factor(theta, p, &Lv.matrix);
  }
  if (status) {
    if (J->size1 == q && J->size2 == q) bm_nan_matrix(J);
    bm_work_release(&w);
    return status;
  }
  const gsl_matrix *L = &Lv.matrix;
  gsl_matrix_set_zero(J);
  /* column a <-> L entry (i, j), i >= j: dSigma_rs = c (delta_ri L_sj + delta_si L_rj) */
  size_t a = 0;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++, a++) {
      double c = i == j ? MGET(L, i, i) : 1.0;
      /* row r = i: Sigma_{i s} for s with s <= j... only L_sj != 0 for s >= j */
      for (size_t s = j; s < p; s++) {
        /* entry (i, s) of dSigma gets c L_sj; entry (s, i) too (same vech slot) */
        double v = c * MGET(L, s, j);
        size_t b = bm_vech_index(p, i, s);
        MGET(J, b, a) += (s == i) ? 2.0 * v : v;
      }
    }
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_transform_logchol_chain(const gsl_vector *theta, const gsl_vector *g_vech, const gsl_matrix *H_vech,
                               gsl_vector *g_theta, gsl_matrix *H_theta)
{
  size_t p = 0, q = theta ? theta->size : 0;
  int status = BM_SUCCESS;
  if (!theta || !g_vech || (H_theta && !H_vech)) status = BM_FAIL(BM_EINVAL, "%s", !theta ? "theta is NULL" : !g_vech ? "g_vech is NULL" : "H_vech is NULL where H_theta is wanted");
  if (!status) status = check_theta(theta, &p);
  if (!status && g_vech->size != q) status = BM_FAIL(BM_EBADLEN, "g_vech has %zu entries, expected %zu", g_vech->size, (size_t)(q));
  if (!status && g_theta && g_theta->size != q) status = BM_FAIL(BM_EBADLEN, "g_theta has length %zu, expected %zu", g_theta->size, q);
  if (!status && H_theta && (H_theta->size1 != q || H_theta->size2 != q)) status = BM_FAIL(BM_EBADLEN, "H_theta is %zu x %zu, expected %zu x %zu", H_theta->size1, H_theta->size2, q, q);
  if (!status && H_vech && (H_vech->size1 != q || H_vech->size2 != q)) status = BM_FAIL(BM_EBADLEN, "H_vech is %zu x %zu, expected %zu x %zu", H_vech->size1, H_vech->size2, q, q);
  if (!status)
    for (size_t k = 0; k < q; k++)
      if (!isfinite(VGET(g_vech, k))) status = BM_FAIL(BM_ENONFINITE, "g_vech[%zu] = %g is not finite", k, VGET(g_vech, k));
  if (!status && H_theta)
    for (size_t i = 0; i < q; i++)
      for (size_t j = 0; j < q; j++)
        if (!isfinite(MGET(H_vech, i, j))) status = BM_FAIL(BM_ENONFINITE, "H_vech(%zu,%zu) = %g is not finite", i, j, MGET(H_vech, i, j));
  /* scratch: L, G, GL (3 p^2) and J, JtH (2 q^2) when the Hessian is requested */
  size_t need = 3 * p * p + (H_theta ? 2 * q * q : 0);
  double stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  double *buf = NULL;
  if (!status) {
    buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, need);
    if (!buf) status = BM_FAIL(BM_ENOMEM, "out of memory");
  }
  gsl_matrix_view Lv, Gv, GLv;
  if (!status) {
    Lv = gsl_matrix_view_array(buf, p, p);
    Gv = gsl_matrix_view_array(buf + p * p, p, p);
    GLv = gsl_matrix_view_array(buf + 2 * p * p, p, p);
    status = logchol_factor(theta, p, &Lv.matrix);
  }
  if (status) {
    if (g_theta && g_theta->size == q) bm_nan_vector(g_theta);
    if (H_theta && H_theta->size1 == q && H_theta->size2 == q) bm_nan_matrix(H_theta);
    bm_work_release(&w);
    return status;
  }
  gsl_matrix *L = &Lv.matrix, *G = &Gv.matrix, *GL = &GLv.matrix;
  bm_sym_grad_from_vech(g_vech, G);
  /* GL = G L (L lower triangular) */
  for (size_t r = 0; r < p; r++)
    for (size_t c = 0; c < p; c++) {
      double s = 0;
      for (size_t m = c; m < p; m++) s += MGET(G, r, m) * MGET(L, m, c);
      MGET(GL, r, c) = s;
    }
  if (g_theta) {
    size_t a = 0;
    for (size_t j = 0; j < p; j++)
      for (size_t i = j; i < p; i++, a++) {
        double c = i == j ? MGET(L, i, i) : 1.0;
        VGET(g_theta, a) = 2.0 * c * MGET(GL, i, j);
      }
  }
  if (H_theta) {
    gsl_matrix_view Jv = gsl_matrix_view_array(buf + 3 * p * p, q, q);
    gsl_matrix_view Tv = gsl_matrix_view_array(buf + 3 * p * p + q * q, q, q);
    bm_transform_logchol_jacobian(theta, &Jv.matrix);
    /* H_theta = J^T H_vech J */
    gsl_matrix_const_view Hv = gsl_matrix_const_submatrix(H_vech, 0, 0, q, q);
    for (size_t a = 0; a < q; a++)
      for (size_t b = 0; b < q; b++) {
        double s = 0;
        for (size_t m = 0; m < q; m++) s += MGET(&Jv.matrix, m, a) * MGET(&Hv.matrix, m, b);
        MGET(&Tv.matrix, a, b) = s;
      }
    for (size_t a = 0; a < q; a++)
      for (size_t b = 0; b < q; b++) {
        double s = 0;
        for (size_t m = 0; m < q; m++) s += MGET(&Tv.matrix, a, m) * MGET(&Jv.matrix, m, b);
        MGET(H_theta, a, b) = s;
      }
    /* curvature: C_ab = 2 c_a c_b [j_a = j_b] G_{i_a i_b} + [a = b diag] 2 (G L)_ii L_ii */
    size_t a = 0;
    for (size_t ja = 0; ja < p; ja++)
      for (size_t ia = ja; ia < p; ia++, a++) {
        double ca = ia == ja ? MGET(L, ia, ia) : 1.0;
        for (size_t ib = ja; ib < p; ib++) {
          size_t b = bm_vech_index(p, ib, ja);
          double cb = ib == ja ? MGET(L, ib, ib) : 1.0;
          MGET(H_theta, a, b) += 2.0 * ca * cb * MGET(G, ia, ib);
        }
        if (ia == ja) MGET(H_theta, a, a) += 2.0 * MGET(GL, ia, ia) * MGET(L, ia, ia);
      }
  }
  bm_work_release(&w);
  return BM_SUCCESS;
}

/* ---------------- maps ---------------- */

static size_t block_len(const bm_transform_block *b)
{
  if (b->n == 0) return 0;
  switch (b->kind) {
  case BM_TRANSFORM_IDENTITY:
  case BM_TRANSFORM_LOG:
  case BM_TRANSFORM_LOGIT: return b->n;
  case BM_TRANSFORM_LOGCHOL: return bm_vech_len(b->n);
  default: return 0;
  }
}

size_t bm_transform_map_dim(const bm_transform_block *blocks, size_t nblocks)
{
  if (!blocks || nblocks == 0) return 0;
  size_t d = 0;
  for (size_t b = 0; b < nblocks; b++) {
    size_t l = block_len(&blocks[b]);
    if (l == 0) return 0;
    d += l;
  }
  return d;
}

/* The checks every map function starts with: each (name, vector) pair of the
 * NULL-terminated list given, the blocks describing d > 0 coordinates, and
 * every vector of length d. fn: the public caller, named by the message. */
#define map_vectors(blocks, nblocks, d, ...) map_vectors_fn(__func__, blocks, nblocks, d, __VA_ARGS__, (const char *)NULL)
static int map_vectors_fn(const char *fn, const bm_transform_block *blocks, size_t nblocks, size_t *d, ...)
{
  va_list ap;
  const char *name;
  *d = bm_transform_map_dim(blocks, nblocks);
  int st = BM_SUCCESS;
  va_start(ap, d);
  while (!st && (name = va_arg(ap, const char *)) != NULL) {
    const gsl_vector *v = va_arg(ap, const gsl_vector *);
    if (v == NULL) st = bm_error_set(BM_EINVAL, fn, "%s is NULL", name);
  }
  va_end(ap);
  if (!st && *d == 0)
    st = bm_error_set(BM_EINVAL, fn, "blocks describe no coordinates (nblocks = %zu, or a block of size 0)", nblocks);
  va_start(ap, d);
  while (!st && (name = va_arg(ap, const char *)) != NULL) {
    const gsl_vector *v = va_arg(ap, const gsl_vector *);
    if (v->size != *d) st = bm_error_set(BM_EBADLEN, fn, "%s has length %zu, the blocks describe %zu", name, v->size, *d);
  }
  va_end(ap);
  return st;
}

/* An identity block: to[off, off + l) <- from's entries, each finite (the
 * message names the public caller and the vector as spelled at the call). */
#define copy_finite(from, to, off, l) copy_finite_fn(__func__, #from, from, to, off, l)
static int copy_finite_fn(const char *fn, const char *name, const gsl_vector *from, gsl_vector *to, size_t off,
                          size_t l)
{
  for (size_t k = off; k < off + l; k++) {
    double v = VGET(from, k);
    if (!isfinite(v)) return bm_error_set(BM_ENONFINITE, fn, "%s[%zu] = %g is not finite", name, k, v);
    VGET(to, k) = v;
  }
  return BM_SUCCESS;
}

/* A log-Cholesky block of the maps: out[off, off + l) (l = p (p + 1) / 2)
 * from in's entries, forward (vech(S) -> theta) or, with inverse, back
 * (theta -> vech(S), *logjac the block's log-Jacobian). fn: the public
 * caller, named by the message. */
#undef BM_FN
#define BM_FN fn
static int logchol_block(const char *fn, int inverse, const gsl_vector *in, gsl_vector *out, size_t off, size_t p,
                         double *logjac)
{
  const size_t l = bm_vech_len(p);
  gsl_matrix *S = bm_matrix_alloc(p, p);
  if (!S) return BM_FAIL(BM_ENOMEM, "out of memory");
  gsl_vector_const_view iv = gsl_vector_const_subvector(in, off, l);
  gsl_vector_view ov = gsl_vector_subvector(out, off, l);
  int status = BM_SUCCESS;
  if (!inverse) {
    for (size_t k = 0; k < l && !status; k++)
      if (!isfinite(gsl_vector_get(&iv.vector, k))) status = BM_FAIL(BM_ENONFINITE, "x[%zu] = %g is not finite", off + k, gsl_vector_get(&iv.vector, k));
    if (!status) {
      bm_vech_unpack(&iv.vector, S);
      status = bm_transform_logchol_forward(S, &ov.vector);
    }
  } else {
    status = bm_transform_logchol_inverse(&iv.vector, S, NULL);
    if (!status) {
      bm_vech(S, &ov.vector);
      status = bm_transform_logchol_log_jacobian(&iv.vector, logjac, NULL);
    }
  }
  bm_matrix_free(S);
  return status;
}
#undef BM_FN
#define BM_FN __func__

/* map_forward (inverse 0) and map_inverse (inverse 1, *lj the summed
 * log-Jacobian): the blocks in order, each mapping its coordinates of in to
 * those of out; out all NaN on failure. fn: the public caller. */
static int map_apply(const char *fn, int inverse, const bm_transform_block *blocks, size_t nblocks,
                     const gsl_vector *in, gsl_vector *out, double *lj)
{
  const char *in_name = inverse ? "u" : "x";
  size_t d;
  int status = map_vectors_fn(fn, blocks, nblocks, &d, in_name, in, inverse ? "x" : "u", out, (const char *)NULL);
  if (status) {
    if (status == BM_EINVAL) bm_nan_vector(out);
    return status;
  }
  *lj = 0.0;
  size_t off = 0;
  for (size_t b = 0; b < nblocks && !status; b++) {
    size_t l = block_len(&blocks[b]);
    double t = 0.0;
    switch (blocks[b].kind) {
    case BM_TRANSFORM_IDENTITY:
      status = copy_finite_fn(fn, in_name, in, out, off, l);
      break;
    case BM_TRANSFORM_LOG:
    case BM_TRANSFORM_LOGIT: {
      const int logit = blocks[b].kind == BM_TRANSFORM_LOGIT;
      for (size_t k = off; k < off + l && !status; k++) {
        if (!inverse)
          status = logit ? bm_transform_logit_forward(VGET(in, k), &VGET(out, k))
                         : bm_transform_log_forward(VGET(in, k), &VGET(out, k));
        else
          status = logit ? bm_transform_logit_inverse(VGET(in, k), &VGET(out, k), &t)
                         : bm_transform_log_inverse(VGET(in, k), &VGET(out, k), &t);
        *lj += t;
      }
      break;
    }
    case BM_TRANSFORM_LOGCHOL:
      status = logchol_block(fn, inverse, in, out, off, blocks[b].n, &t);
      *lj += t;
      break;
    }
    off += l;
  }
  if (status) bm_nan_vector(out);
  return status;
}

int bm_transform_map_forward(const bm_transform_block *blocks, size_t nblocks, const gsl_vector *x, gsl_vector *u)
{
  double lj;
  return map_apply(__func__, 0, blocks, nblocks, x, u, &lj);
}

int bm_transform_map_inverse(const bm_transform_block *blocks, size_t nblocks, const gsl_vector *u, gsl_vector *x,
                             double *logjac)
{
  if (logjac) *logjac = NAN;
  double lj;
  int status = map_apply(__func__, 1, blocks, nblocks, u, x, &lj);
  if (!status && logjac) *logjac = lj;
  return status;
}

int bm_transform_map_chain(const bm_transform_block *blocks, size_t nblocks, const gsl_vector *u,
                           const gsl_vector *g_x, const gsl_matrix *H_x, gsl_vector *g_u, gsl_matrix *H_u)
{
  if (H_u && !H_x) return BM_FAIL(BM_EINVAL, "H_x is NULL where H_u is wanted");
  size_t d;
  int status = map_vectors(blocks, nblocks, &d, "u", u, "g_x", g_x, "g_u", g_u);
  if (status) {
    if (status == BM_EINVAL && g_u) bm_nan_vector(g_u);
    return status;
  }
  if (H_u && ((status = bm_validate_shape(H_u, d, d)) || (status = bm_validate_shape(H_x, d, d)))) return status;
  for (size_t k = 0; k < d && !status; k++)
    if (!isfinite(VGET(u, k)) || !isfinite(VGET(g_x, k)))
      status = BM_FAIL(BM_ENONFINITE, "%s[%zu] = %g is not finite", isfinite(VGET(u, k)) ? "g_x" : "u", k,
                       isfinite(VGET(u, k)) ? VGET(g_x, k) : VGET(u, k));
  if (H_u && !status) status = bm_validate_matrix(H_x, d, d); /* its entries finite */
  /* Block Jacobian Jfull (d x d, block diagonal) and curvature term */
  gsl_matrix *Jf = NULL, *T = NULL;
  if (!status && H_u) {
    Jf = bm_matrix_calloc(d, d);
    T = bm_matrix_alloc(d, d);
    if (!Jf || !T) status = BM_FAIL(BM_ENOMEM, "out of memory");
  }
  size_t off = 0;
  for (size_t b = 0; b < nblocks && !status; b++) {
    size_t l = block_len(&blocks[b]);
    switch (blocks[b].kind) {
    case BM_TRANSFORM_IDENTITY:
      for (size_t k = 0; k < l; k++) {
        VGET(g_u, off + k) = VGET(g_x, off + k);
        if (Jf) MGET(Jf, off + k, off + k) = 1.0;
      }
      break;
    case BM_TRANSFORM_LOG:
    case BM_TRANSFORM_LOGIT:
      for (size_t k = 0; k < l && !status; k++) {
        double uk = VGET(u, off + k), gk = VGET(g_x, off + k), dx, dummy;
        if (blocks[b].kind == BM_TRANSFORM_LOG) {
          status = bm_transform_log_chain(uk, gk, 0.0, &VGET(g_u, off + k), NULL);
          if (!status) bm_transform_log_chain(uk, 1.0, 0.0, &dx, NULL);
        } else {
          status = bm_transform_logit_chain(uk, gk, 0.0, &VGET(g_u, off + k), NULL);
          if (!status) bm_transform_logit_chain(uk, 1.0, 0.0, &dx, NULL);
        }
        (void)dummy;
        if (Jf && !status) MGET(Jf, off + k, off + k) = dx;
      }
      break;
    case BM_TRANSFORM_LOGCHOL: {
      gsl_vector_const_view uv = gsl_vector_const_subvector(u, off, l);
      gsl_vector_const_view gv = gsl_vector_const_subvector(g_x, off, l);
      gsl_vector_view gu = gsl_vector_subvector(g_u, off, l);
      status = bm_transform_logchol_chain(&uv.vector, &gv.vector, NULL, &gu.vector, NULL);
      if (!status && Jf) {
        gsl_matrix_view Jb = gsl_matrix_submatrix(Jf, off, off, l, l);
        status = bm_transform_logchol_jacobian(&uv.vector, &Jb.matrix);
      }
      break;
    }
    }
    off += l;
  }
  if (!status && H_u) {
    /* H_u = Jf^T H_x Jf + curvature (block diagonal) */
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, Jf, H_x, 0.0, T);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, T, Jf, 0.0, H_u);
    off = 0;
    for (size_t b = 0; b < nblocks && !status; b++) {
      size_t l = block_len(&blocks[b]);
      switch (blocks[b].kind) {
      case BM_TRANSFORM_IDENTITY: break;
      case BM_TRANSFORM_LOG:
      case BM_TRANSFORM_LOGIT:
        for (size_t k = 0; k < l; k++) {
          double uk = VGET(u, off + k), gk = VGET(g_x, off + k), gg, hh;
          /* curvature only: h_u with h_x = 0 */
          if (blocks[b].kind == BM_TRANSFORM_LOG)
            bm_transform_log_chain(uk, gk, 0.0, &gg, &hh);
          else
            bm_transform_logit_chain(uk, gk, 0.0, &gg, &hh);
          MGET(H_u, off + k, off + k) += hh;
        }
        break;
      case BM_TRANSFORM_LOGCHOL: {
        /* curvature = logchol_chain Hessian with H_vech = 0 */
        gsl_vector_const_view uv = gsl_vector_const_subvector(u, off, l);
        gsl_vector_const_view gv = gsl_vector_const_subvector(g_x, off, l);
        gsl_matrix *Z = bm_matrix_calloc(l, l), *C = bm_matrix_alloc(l, l);
        if (!Z || !C) status = BM_FAIL(BM_ENOMEM, "out of memory");
        if (!status) status = bm_transform_logchol_chain(&uv.vector, &gv.vector, Z, NULL, C);
        if (!status)
          for (size_t i = 0; i < l; i++)
            for (size_t j = 0; j < l; j++) MGET(H_u, off + i, off + j) += MGET(C, i, j);
        bm_matrix_free(Z);
        bm_matrix_free(C);
        break;
      }
      }
      off += l;
    }
  }
  bm_matrix_free(Jf);
  bm_matrix_free(T);
  if (status) {
    bm_nan_vector(g_u);
    if (H_u && H_u->size1 == d && H_u->size2 == d) bm_nan_matrix(H_u);
  }
  return status;
}

int bm_transform_map_log_jacobian_add(const bm_transform_block *blocks, size_t nblocks, const gsl_vector *u,
                                      gsl_vector *g, gsl_matrix *H)
{
  size_t d;
  int st = map_vectors(blocks, nblocks, &d, "u", u, "g", g);
  if (!st && H) st = bm_validate_shape(H, d, d);
  if (st) return st;
  for (size_t k = 0; k < d; k++)
    if (!isfinite(VGET(u, k))) return BM_FAIL(BM_ENONFINITE, "u[%zu] = %g is not finite", k, VGET(u, k));
  size_t off = 0;
  for (size_t b = 0; b < nblocks; b++) {
    size_t l = block_len(&blocks[b]);
    switch (blocks[b].kind) {
    case BM_TRANSFORM_IDENTITY: break;
    case BM_TRANSFORM_LOG:
      for (size_t k = 0; k < l; k++) VGET(g, off + k) += 1.0;
      break;
    case BM_TRANSFORM_LOGIT:
      for (size_t k = 0; k < l; k++) {
        double uk = VGET(u, off + k);
        VGET(g, off + k) += -tanh(0.5 * uk);                   /* 1 - 2x */
        if (H) MGET(H, off + k, off + k) += -2.0 * logistic_slope(uk); /* -2x(1-x), from u */
      }
      break;
    case BM_TRANSFORM_LOGCHOL: {
      size_t p = blocks[b].n;
      for (size_t i = 0; i < p; i++) VGET(g, off + bm_vech_index(p, i, i)) += (double)(p - i + 1);
      break;
    }
    }
    off += l;
  }
  return BM_SUCCESS;
}

/* ---------------- the Laplace problem in unconstrained coordinates ---------------- */

static int tt_logf(const gsl_vector *u, void *params, double *f)
{
  const bm_transformed_target *t = params;
  gsl_vector *x = bm_vector_alloc(u->size);
  if (!x) return BM_ENOMEM;
  double lj, v;
  int status = bm_transform_map_inverse(t->blocks, t->nblocks, u, x, &lj);
  if (!status) status = t->logf(x, t->params, &v) ? BM_EDOM : BM_SUCCESS;
  bm_vector_free(x);
  if (status) return status;
  *f = v + lj;
  return isfinite(*f) ? BM_SUCCESS : BM_EDOM;
}

static int tt_grad_hess(const gsl_vector *u, const bm_transformed_target *t, gsl_vector *g, gsl_matrix *H)
{
  size_t d = u->size;
  int status = BM_SUCCESS;
  gsl_vector *x = bm_vector_alloc(d), *gx = bm_vector_alloc(d);
  gsl_matrix *Hx = H ? bm_matrix_alloc(d, d) : NULL;
  gsl_vector *gtmp = H ? bm_vector_alloc(d) : NULL;
  if (!x || !gx || (H && (!Hx || !gtmp))) status = BM_ENOMEM;
  if (!status) status = bm_transform_map_inverse(t->blocks, t->nblocks, u, x, NULL);
  if (!status && t->grad(x, t->params, gx)) status = BM_EDOM;
  if (!status && H && t->hess(x, t->params, Hx)) status = BM_EDOM;
  if (!status) {
    if (H) {
      bm_sym_from_lower(Hx);
      status = bm_transform_map_chain(t->blocks, t->nblocks, u, gx, Hx, gtmp, H);
      if (!status && g) gsl_vector_memcpy(g, gtmp);
      gsl_vector *gg = g ? g : gtmp;
      if (!status) status = bm_transform_map_log_jacobian_add(t->blocks, t->nblocks, u, gg, H);
    } else {
      status = bm_transform_map_chain(t->blocks, t->nblocks, u, gx, NULL, g, NULL);
      if (!status) status = bm_transform_map_log_jacobian_add(t->blocks, t->nblocks, u, g, NULL);
    }
  }
  bm_vector_free(x);
  bm_vector_free(gx);
  bm_vector_free(gtmp);
  bm_matrix_free(Hx);
  return status;
}

static int tt_grad(const gsl_vector *u, void *params, gsl_vector *g) { return tt_grad_hess(u, params, g, NULL); }
static int tt_hess(const gsl_vector *u, void *params, gsl_matrix *H) { return tt_grad_hess(u, params, NULL, H); }

int bm_transform_laplace_problem(const bm_transformed_target *t, bm_laplace_problem *prob)
{
  if (!t || !prob || !t->logf || !t->grad) return BM_FAIL(BM_EINVAL, "%s is NULL", t == NULL ? "t" : prob == NULL ? "prob" : t->logf == NULL ? "t->logf" : "t->grad");
  size_t d = bm_transform_map_dim(t->blocks, t->nblocks);
  if (d == 0) return BM_FAIL(BM_EINVAL, "t->blocks describe no coordinates (t->nblocks = %zu, or a block of size 0)", t->nblocks);
  prob->dim = d;
  prob->logf = tt_logf;
  prob->grad = tt_grad;
  prob->hess = t->hess ? tt_hess : NULL;
  prob->params = (void *)t;
  return BM_SUCCESS;
}
