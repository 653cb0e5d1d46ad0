/* bayesmat verify: the machinery the family components share — random SPD
 * parameters, θ packing, derivative checks of a family's score and Hessians
 * (in θ and in the variate) against the finite-difference engine of
 * include/bayesmat/fd.h, and Monte Carlo checks of the Fisher information
 * (E[s s^T] and E[-H] with standard errors, reported as a max |z|).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

void verify_random_spd(gsl_rng *r, double scale, gsl_matrix *S)
{
  size_t p = S->size1;
  gsl_matrix *A = gsl_matrix_alloc(p, p);
  bm_rng_std_normal_matrix(r, A);
  gsl_blas_dsyrk(CblasLower, CblasNoTrans, scale / (double)p, A, 0.0, S); /* scale A A^T / p */
  for (size_t i = 0; i < p; i++) {
    *gsl_matrix_ptr(S, i, i) += 0.5 * scale;
    for (size_t j = 0; j < i; j++) gsl_matrix_set(S, j, i, gsl_matrix_get(S, i, j));
  }
  gsl_matrix_free(A);
}

double verify_worst(double w, double a, double ref)
{
  double e = fabs(a - ref) / fmax(1.0, fabs(ref));
  return isnan(w) || isnan(e) ? NAN : fmax(w, e);
}

double verify_same_density(gsl_rng *r, const bm_dist *a, const bm_dist *b, size_t n, double w)
{
  size_t rows, cols;
  bm_dist_shape(b, &rows, &cols);
  gsl_matrix *x = gsl_matrix_alloc(rows, cols);
  for (size_t k = 0; k < n; k++) {
    double la = NAN, lb = NAN;
    if (bm_dist_sample(b, r, x) == BM_SUCCESS) {
      bm_dist_logpdf(a, x, &la);
      bm_dist_logpdf(b, x, &lb);
    }
    w = verify_worst(w, la, lb);
  }
  gsl_matrix_free(x);
  return w;
}

double verify_max_rel(const gsl_matrix *A, const gsl_matrix *B)
{
  double num = 0, den = 0;
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) {
      double b = gsl_matrix_get(B, i, j), dev = fabs(gsl_matrix_get(A, i, j) - b);
      if (isnan(dev)) return NAN; /* fmax would drop it */
      num = fmax(num, dev);
      den = fmax(den, fabs(b));
    }
  return num / fmax(den, 1e-300);
}

void verify_theta_get(const gsl_vector *theta, size_t *at, gsl_matrix *A, int vech)
{
  size_t len = vech ? bm_vech_len(A->size1) : A->size1 * A->size2;
  gsl_vector_const_view b = gsl_vector_const_subvector(theta, *at, len);
  if (vech)
    bm_vech_unpack(&b.vector, A);
  else
    bm_vec_unpack(&b.vector, A);
  *at += len;
}

void verify_theta_put(gsl_vector *theta, size_t *at, const gsl_matrix *A, int vech)
{
  size_t len = vech ? bm_vech_len(A->size1) : A->size1 * A->size2;
  gsl_vector_view b = gsl_vector_subvector(theta, *at, len);
  if (vech)
    bm_vech(A, &b.vector);
  else
    bm_vec(A, &b.vector);
  *at += len;
}

double verify_grad_check(bm_fn_scalar f, bm_fn_vector g, void *params, const gsl_vector *x,
                         const bm_check_options *opt)
{
  bm_check_result res;
  return bm_check_gradient(f, g, params, x, opt, &res) ? NAN : res.worst_rel_err;
}

double verify_hess_check(bm_fn_scalar f, bm_fn_vector g, bm_fn_matrix h, void *params, const gsl_vector *x,
                         const bm_check_options *opt)
{
  bm_check_result res;
  return bm_check_hessian(f, g, h, params, x, opt, &res) ? NAN : res.worst_rel_err;
}

/* ---- the family's operations, through its descriptor ---- */

/* The variate as the descriptor takes it: a vector family's gsl_vector as a
 * 1 x p matrix over the same memory (NULL for a strided vector, which no
 * caller passes). */
static gsl_matrix *as_variate(const verify_family *f, const void *x, gsl_matrix *buf)
{
  if (f->cols) return (gsl_matrix *)x;
  const gsl_vector *v = x;
  if (v->stride != 1) return NULL;
  *buf = (gsl_matrix){1, v->size, v->size, v->data, NULL, 0};
  return buf;
}
static size_t fam_nparams(const verify_family *f) { return bm_dist_nparams(&(bm_dist){f->type, f->d}); }
/* One of the descriptor's operations at the variate x; out is the operation's
 * output (double * for the log-density, gsl_vector * for the score, gsl_matrix *
 * for a Hessian). */
typedef enum { FAM_LOGPDF, FAM_SCORE, FAM_HESS, FAM_HESS_X } fam_op;
static int fam_eval(const verify_family *f, const void *x, fam_op op, void *out)
{
  gsl_matrix b, *X = as_variate(f, x, &b);
  const bm_dist D = {f->type, f->d};
  if (!X) return BM_EINVAL;
  switch (op) {
  case FAM_LOGPDF: return bm_dist_logpdf(&D, X, out);
  case FAM_SCORE: return bm_dist_score(&D, X, out);
  case FAM_HESS: return bm_dist_hess(&D, X, out);
  default: return bm_dist_hess_x(&D, X, out);
  }
}
static int fam_sample(const verify_family *f, gsl_rng *r, void *x)
{
  gsl_matrix b, *X = as_variate(f, x, &b);
  return X ? bm_dist_sample(&(bm_dist){f->type, f->d}, r, X) : BM_EINVAL;
}
static int fam_fisher(const verify_family *f, gsl_matrix *I) { return bm_dist_fisher(&(bm_dist){f->type, f->d}, I); }

/* ---- derivatives in θ at a fixed variate ---- */

typedef struct {
  verify_family *f;
  const void *x;
} theta_point;

/* θ -> f->d by the family's own packing, then the operation at the fixed variate */
static int theta_eval(const gsl_vector *t, theta_point *a, fam_op op, void *out)
{
  return a->f->set(a->f, t) ? 1 : fam_eval(a->f, a->x, op, out);
}
static int theta_logpdf(const gsl_vector *t, void *a, double *lp) { return theta_eval(t, a, FAM_LOGPDF, lp); }
static int theta_score(const gsl_vector *t, void *a, gsl_vector *s) { return theta_eval(t, a, FAM_SCORE, s); }
static int theta_hess(const gsl_vector *t, void *a, gsl_matrix *H) { return theta_eval(t, a, FAM_HESS, H); }

double verify_score_fd(verify_family *f, const void *x, const gsl_vector *theta, const bm_check_options *opt)
{
  theta_point a = {f, x};
  double w = verify_grad_check(theta_logpdf, theta_score, &a, theta, opt);
  return f->set(f, theta) ? NAN : w;
}

double verify_hess_fd(verify_family *f, const void *x, const gsl_vector *theta, const bm_check_options *opt)
{
  theta_point a = {f, x};
  double w = verify_hess_check(theta_logpdf, theta_score, theta_hess, &a, theta, opt);
  return f->set(f, theta) ? NAN : w;
}

/* ---- derivatives in the variate's coordinates (x, vec X or vech X) ---- */

static void *variate_alloc(const verify_family *f)
{
  return f->cols ? (void *)gsl_matrix_alloc(f->rows, f->cols) : (void *)gsl_vector_alloc(f->rows);
}
static void variate_free(const verify_family *f, void *x)
{
  if (f->cols)
    gsl_matrix_free(x);
  else
    gsl_vector_free(x);
}
static size_t variate_ncoords(const verify_family *f)
{
  return !f->cols ? f->rows : f->vech_x ? bm_vech_len(f->rows) : f->rows * f->cols;
}
/* coordinates -> variate */
static void variate_unpack(const verify_family *f, const gsl_vector *xc, void *x)
{
  if (!f->cols)
    gsl_vector_memcpy(x, xc);
  else if (f->vech_x)
    bm_vech_unpack(xc, x);
  else
    bm_vec_unpack(xc, x);
}
/* variate -> coordinates; for a gradient, vech_from_sym_grad (both X_ij and X_ji move) */
static void variate_pack(const verify_family *f, const void *x, int gradient, gsl_vector *xc)
{
  if (!f->cols)
    gsl_vector_memcpy(xc, x);
  else if (!f->vech_x)
    bm_vec(x, xc);
  else if (gradient)
    bm_vech_from_sym_grad(x, xc);
  else
    bm_vech(x, xc);
}

typedef struct {
  const verify_family *f;
  void *X, *G; /* scratch variates */
} x_point;

static int x_logpdf(const gsl_vector *xc, void *vp, double *lp)
{
  x_point *a = vp;
  variate_unpack(a->f, xc, a->X);
  return fam_eval(a->f, a->X, FAM_LOGPDF, lp);
}
static int x_grad(const gsl_vector *xc, void *vp, gsl_vector *g)
{
  x_point *a = vp;
  variate_unpack(a->f, xc, a->X);
  int st = a->f->grad_x(a->f, a->X, a->G);
  if (!st) variate_pack(a->f, a->G, 1, g);
  return st;
}
static int x_hess(const gsl_vector *xc, void *vp, gsl_matrix *H)
{
  x_point *a = vp;
  variate_unpack(a->f, xc, a->X);
  return fam_eval(a->f, a->X, FAM_HESS_X, H);
}

static double x_check(const verify_family *f, const void *x, int hessian, const bm_check_options *opt)
{
  x_point a = {f, variate_alloc(f), variate_alloc(f)};
  gsl_vector *xc = gsl_vector_alloc(variate_ncoords(f));
  variate_pack(f, x, 0, xc);
  double w = hessian ? verify_hess_check(x_logpdf, x_grad, x_hess, &a, xc, opt)
                     : verify_grad_check(x_logpdf, x_grad, &a, xc, opt);
  gsl_vector_free(xc);
  variate_free(f, a.X);
  variate_free(f, a.G);
  return w;
}

double verify_grad_x_fd(const verify_family *f, const void *x, const bm_check_options *opt)
{
  return x_check(f, x, 0, opt);
}

double verify_hess_x_fd(const verify_family *f, const void *x, const bm_check_options *opt)
{
  return x_check(f, x, 1, opt);
}

void verify_fd_point(verify_family *f, const void *x, const gsl_vector *theta, const bm_check_options *opt,
                     double e[VERIFY_FD_NE])
{
  e[0] = fmax(e[0], verify_score_fd(f, x, theta, opt));
  e[1] = fmax(e[1], verify_hess_fd(f, x, theta, opt));
  if (!f->grad_x) return;
  e[2] = fmax(e[2], verify_grad_x_fd(f, x, opt));
  e[3] = fmax(e[3], verify_hess_x_fd(f, x, opt));
}

/* ---- Monte Carlo ---- */

int verify_moments_init(verify_moments *m, size_t rows, size_t cols)
{
  m->sum = gsl_matrix_calloc(rows, cols);
  m->sum2 = gsl_matrix_calloc(rows, cols);
  m->count = 0;
  return !m->sum || !m->sum2;
}

void verify_moments_free(verify_moments *m)
{
  if (m->sum) gsl_matrix_free(m->sum);
  if (m->sum2) gsl_matrix_free(m->sum2);
  m->sum = m->sum2 = NULL;
}

void verify_moments_add(verify_moments *m, double a, const gsl_matrix *A)
{
  for (size_t i = 0; i < m->sum->size1; i++)
    for (size_t j = 0; j < m->sum->size2; j++) {
      double v = a * gsl_matrix_get(A, i, j);
      *gsl_matrix_ptr(m->sum, i, j) += v;
      *gsl_matrix_ptr(m->sum2, i, j) += v * v;
    }
  m->count++;
}

void verify_moments_add_outer(verify_moments *m, const gsl_vector *s)
{
  for (size_t i = 0; i < m->sum->size1; i++)
    for (size_t j = 0; j < m->sum->size2; j++) {
      double v = gsl_vector_get(s, i) * gsl_vector_get(s, j);
      *gsl_matrix_ptr(m->sum, i, j) += v;
      *gsl_matrix_ptr(m->sum2, i, j) += v * v;
    }
  m->count++;
}

double verify_moments_maxz(const verify_moments *m, const gsl_matrix *E)
{
  if (m->count == 0) return NAN;
  double N = (double)m->count, zmax = 0;
  for (size_t i = 0; i < E->size1; i++)
    for (size_t j = 0; j < E->size2; j++) {
      double e = gsl_matrix_get(E, i, j), mean = gsl_matrix_get(m->sum, i, j) / N;
      double se = sqrt(fmax(gsl_matrix_get(m->sum2, i, j) / N - mean * mean, 0.0) / N), dev = fabs(mean - e);
      if (!(dev <= 1e-10 * (1.0 + fabs(e)))) zmax = fmax(zmax, se > 0 ? dev / se : INFINITY);
      if (isnan(dev)) return NAN;
    }
  return zmax;
}

double verify_moments_rel_frobenius(const verify_moments *m, const gsl_matrix *E)
{
  if (m->count == 0) return NAN;
  double num = 0, den = 0;
  for (size_t i = 0; i < E->size1; i++)
    for (size_t j = 0; j < E->size2; j++) {
      double e = gsl_matrix_get(E, i, j), diff = gsl_matrix_get(m->sum, i, j) / (double)m->count - e;
      num += diff * diff;
      den += e * e;
    }
  return sqrt(num / den);
}

double verify_fisher_mc(verify_ctx *c, const char *component, const verify_family *f, size_t draws,
                        double *hess_frob)
{
  size_t n = fam_nparams(f);
  gsl_matrix *I = gsl_matrix_alloc(n, n), *H = gsl_matrix_alloc(n, n);
  gsl_vector *s = gsl_vector_alloc(n);
  void *x = variate_alloc(f);
  verify_moments ss, mh; /* E[s s^T], E[-H] */
  verify_moments_init(&ss, n, n);
  verify_moments_init(&mh, n, n);
  int failed = fam_fisher(f, I) != 0;
  for (size_t k = 0; k < draws && !failed; k++) {
    if (k % 4096 == 0) verify_progress(c, component, k, draws);
    /* a failure is a draw outside the (double precision) support, or a defect */
    failed = fam_sample(f, c->rng, x) || fam_eval(f, x, FAM_SCORE, s) || fam_eval(f, x, FAM_HESS, H);
    if (failed) break;
    verify_moments_add_outer(&ss, s);
    verify_moments_add(&mh, -1.0, H);
  }
  verify_progress(c, component, draws, draws);
  double zs = verify_moments_maxz(&ss, I), zh = verify_moments_maxz(&mh, I);
  double z = failed || isnan(zs) || isnan(zh) ? NAN : fmax(zs, zh);
  if (hess_frob) *hess_frob = failed ? NAN : verify_moments_rel_frobenius(&mh, I);
  verify_moments_free(&ss);
  verify_moments_free(&mh);
  variate_free(f, x);
  gsl_vector_free(s);
  gsl_matrix_free(I);
  gsl_matrix_free(H);
  return z;
}

double verify_kron_null_vector(const verify_family *f, size_t at, const gsl_matrix *A, const gsl_matrix *B)
{
  size_t n = fam_nparams(f);
  gsl_matrix *I = gsl_matrix_alloc(n, n);
  gsl_vector *v = gsl_vector_calloc(n), *Iv = gsl_vector_alloc(n);
  gsl_vector_view vB = gsl_vector_subvector(v, at + bm_vech_len(A->size1), bm_vech_len(B->size1));
  verify_theta_put(v, &at, A, 1);
  verify_theta_put(v, &at, B, 1);
  gsl_vector_scale(&vB.vector, -1.0);
  int st = fam_fisher(f, I);
  gsl_blas_dgemv(CblasNoTrans, 1.0, I, v, 0.0, Iv);
  double frob = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) frob += gsl_matrix_get(I, i, j) * gsl_matrix_get(I, i, j);
  double e = st ? NAN : gsl_blas_dnrm2(Iv) / (sqrt(frob) * gsl_blas_dnrm2(v));
  gsl_matrix_free(I);
  gsl_vector_free(v);
  gsl_vector_free(Iv);
  return e;
}

void verify_location_scale_theta(gsl_rng *r, size_t p, gsl_vector *t)
{
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  gsl_vector_view mu = gsl_vector_subvector(t, 0, p);
  size_t at = p;
  bm_rng_std_normal_vector(r, &mu.vector);
  verify_random_spd(r, exp(gsl_ran_flat(r, -1.0, 1.0)), S);
  verify_theta_put(t, &at, S, 1);
  gsl_matrix_free(S);
}

void verify_location_scale_fisher(verify_ctx *c, const char *component, verify_family *f, const double *extra,
                                  size_t nextra, size_t draws)
{
  size_t q = f->rows + bm_vech_len(f->rows);
  gsl_vector *t = gsl_vector_alloc(q + nextra);
  verify_location_scale_theta(c->rng, f->rows, t);
  for (size_t i = 0; i < nextra; i++) gsl_vector_set(t, q + i, extra[i]);
  double z = f->set(f, t) ? NAN : verify_fisher_mc(c, component, f, draws, NULL);
  verify_row(c, component, "Fisher vs Monte Carlo (max |z| / 5)", z / 5.0, 1.0);
  gsl_vector_free(t);
}

double verify_loglik_batch(verify_ctx *c, const verify_family *f, size_t n)
{
  gsl_matrix *X = gsl_matrix_alloc(n, f->rows);
  bm_rng_std_normal_matrix(c->rng, X);
  double ll = NAN, sum = 0;
  bm_dist_loglik(&(bm_dist){f->type, f->d}, X, &ll, NULL);
  for (size_t i = 0; i < n; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(X, i);
    double lp = NAN;
    fam_eval(f, &xi.vector, FAM_LOGPDF, &lp);
    sum += lp;
  }
  gsl_matrix_free(X);
  return fabs(ll - sum) / fabs(sum);
}

int verify_kron_set(verify_family *f, const gsl_vector *theta, verify_kron_setter set)
{
  size_t n = f->rows, p = f->cols, at = 0;
  gsl_matrix *M = gsl_matrix_alloc(n, p), *S = gsl_matrix_alloc(n, n), *O = gsl_matrix_alloc(p, p);
  verify_theta_get(theta, &at, M, 0);
  verify_theta_get(theta, &at, S, 1);
  verify_theta_get(theta, &at, O, 1);
  int st = set(f->d, M, S, O, at < theta->size ? gsl_vector_get(theta, at) : NAN);
  gsl_matrix_free(M);
  gsl_matrix_free(S);
  gsl_matrix_free(O);
  return st;
}

void verify_matrix_point(verify_ctx *c, const char *component, verify_family *f, const gsl_vector *t,
                         const gsl_matrix *X, const gsl_matrix *S, const gsl_matrix *O, double e[VERIFY_MATRIX_NE])
{
  e[0] = fmax(e[0], verify_score_fd(f, X, t, NULL));
  e[1] = fmax(e[1], verify_hess_fd(f, X, t, NULL));
  e[2] = fmax(e[2], verify_hess_x_fd(f, X, NULL));
  /* every entry of E[s s^T] and E[-H] against the closed form as a z-score (a
   * relative Frobenius error let a whole missing block through) */
  double z = verify_fisher_mc(c, component, f, c->quick ? 3000 : 30000, NULL);
  e[3] = isnan(z) || isnan(e[3]) ? NAN : fmax(e[3], z);
  e[4] = fmax(e[4], verify_kron_null_vector(f, X->size1 * X->size2, S, O));
}

void verify_matrix_rows(verify_ctx *c, const char *component, const double e[VERIFY_MATRIX_NE],
                        const char *null_vector)
{
  verify_row(c, component, "score vs finite differences", e[0], 1e-6);
  verify_row(c, component, "theta-Hessian vs finite differences", e[1], 1e-6);
  verify_row(c, component, "vec-X Hessian vs finite differences", e[2], 1e-6);
  verify_row(c, component, "Fisher vs Monte Carlo (max |z| / 5)", e[3] / 5.0, 1.0);
  verify_row(c, component, null_vector, e[4], 1e-12);
}

/* ---- the Wishart-type families ---- */

typedef struct {
  verify_family f; /* first member: the callbacks below get &wt->f back */
  const verify_wishart_ops *w;
} wishart_type;

/* θ = (vech S, nu) */
static int wishart_type_set(verify_family *f, const gsl_vector *theta)
{
  const wishart_type *wt = (const wishart_type *)f;
  size_t at = 0;
  gsl_matrix *S = gsl_matrix_alloc(f->rows, f->rows);
  verify_theta_get(theta, &at, S, 1);
  int st = wt->w->set(f->d, gsl_vector_get(theta, at), S);
  gsl_matrix_free(S);
  return st;
}
static int wishart_type_grad_x(const verify_family *f, const void *X, void *G)
{
  return ((const wishart_type *)f)->w->grad(f->d, X, G, NULL, NULL);
}

void verify_wishart_type_derivatives(verify_ctx *c, const char *component, const bm_family_type *T,
                                     const verify_wishart_ops *w, int inverse)
{
  gsl_rng *r = c->rng;
  double e[VERIFY_FD_NE] = {0};
  size_t npts = c->quick ? 2 : 5;
  for (size_t p = 1; p <= 3; p++)
    for (size_t k = 0; k < npts; k++) {
      wishart_type wt = {{T, w->alloc(p), p, p, 1, wishart_type_set, wishart_type_grad_x}, w};
      gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p);
      gsl_vector *th = gsl_vector_alloc(bm_vech_len(p) + 1);
      double nu = (double)p - 1.0 + 0.5 + gsl_ran_exponential(r, 3.0), u = 0.5 + gsl_rng_uniform(r);
      /* The Wishart Hessian in X is -(nu-p-1)/2 T(X^-1, X^-1): at nu ~ p+1 it is ~0 and
       * a relative comparison with finite differences only measures their noise. */
      if (!inverse && fabs(nu - (double)p - 1.0) < 0.5) nu += 1.0;
      verify_random_spd(r, inverse ? nu * u : u, S); /* so that X = O(1) is typical for both */
      verify_random_spd(r, inverse ? 1.0 : nu, X);
      size_t at = 0;
      verify_theta_put(th, &at, S, 1);
      gsl_vector_set(th, at, nu);
      verify_fd_point(&wt.f, X, th, NULL, e);
      gsl_vector_free(th);
      gsl_matrix_free(S);
      gsl_matrix_free(X);
      w->free(wt.f.d);
    }
  verify_row(c, component, "score = FD of logpdf", e[0], 1e-6);
  verify_row(c, component, "hess = FD of score", e[1], 1e-6);
  verify_row(c, component, "grad X = FD of logpdf (vech X)", e[2], 1e-6);
  verify_row(c, component, "hess_x = FD of grad X", e[3], 1e-6);

  /* Fisher vs Monte Carlo at p = 2: E[s s^T] and E[-H], max |z| / 6 */
  size_t p = 2;
  wishart_type wt = {{T, w->alloc(p), p, p, 1, wishart_type_set, wishart_type_grad_x}, w};
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  verify_random_spd(r, 1.0, S);
  w->set(wt.f.d, 2.5 + 4.0 * gsl_rng_uniform(r), S);
  double z = verify_fisher_mc(c, component, &wt.f, c->quick ? 4000 : 40000, NULL);
  verify_row(c, component, "Fisher vs Monte Carlo (max|z|/6)", z / 6.0, 1.0);
  w->free(wt.f.d);
  gsl_matrix_free(S);
}

void verify_wishart_type_p1(verify_ctx *c, const char *component, const bm_family_type *T,
                            const verify_wishart_ops *w, int inverse)
{
  gsl_rng *r = c->rng;
  void *d1 = w->alloc(1);
  bm_dist D = {T, d1};
  gsl_matrix *s1 = gsl_matrix_alloc(1, 1), *x1 = gsl_matrix_alloc(1, 1);
  double worst = 0;
  for (int k = 0; k < 10; k++) {
    double nu = 0.1 + gsl_ran_exponential(r, 5.0), sc = 0.1 + gsl_ran_exponential(r, 2.0);
    double g = gsl_ran_gamma(r, 0.5 * nu + 1.0, inverse ? 2 / sc : 2 * sc), x = inverse ? 1.0 / g : g, lp;
    gsl_matrix_set(s1, 0, 0, sc);
    gsl_matrix_set(x1, 0, 0, x);
    if (w->set(d1, nu, s1) || bm_dist_logpdf(&D, x1, &lp)) lp = NAN;
    double ref = inverse ? log(gsl_ran_gamma_pdf(1.0 / x, 0.5 * nu, 2 / sc)) - 2 * log(x)
                         : log(gsl_ran_gamma_pdf(x, 0.5 * nu, 2 * sc));
    worst = verify_worst(worst, lp, ref);
  }
  verify_row(c, component, inverse ? "p=1 logpdf = GSL inverse gamma" : "p=1 logpdf = GSL gamma", worst, 1e-12);
  w->free(d1);
  gsl_matrix_free(s1);
  gsl_matrix_free(x1);
}

void verify_wishart_type_identities(verify_ctx *c, const char *component, const bm_family_type *T,
                                    const verify_wishart_ops *w)
{
  gsl_rng *r = c->rng;
  enum { p = 4, m = 5 };
  void *d = w->alloc(p);
  bm_dist D = {T, d};
  gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Xs[m];
  gsl_matrix *G = gsl_matrix_alloc(p, p), *Gs = gsl_matrix_calloc(p, p);
  verify_random_spd(r, 1.0, S);
  double nu = 4.5 + gsl_ran_exponential(r, 3.0), sum = 0, sum_nu = 0, e1 = 0;
  bm_chol_factor(S, L, NULL);
  w->set_chol(d, nu, L);
  for (size_t k = 0; k < m; k++) {
    double a = NAN, dn = NAN;
    Xs[k] = gsl_matrix_alloc(p, p);
    bm_dist_sample(&D, r, Xs[k]);
    bm_dist_logpdf(&D, Xs[k], &a);
    sum += a;
    w->grad(d, Xs[k], NULL, G, &dn);
    gsl_matrix_add(Gs, G);
    sum_nu += dn;
  }
  for (size_t k = 0; k < m; k++) {
    double a = NAN, b = NAN;
    w->set_chol(d, nu, L);
    bm_dist_logpdf(&D, Xs[k], &a);
    w->set(d, nu, S);
    bm_dist_logpdf(&D, Xs[k], &b);
    e1 = verify_worst(e1, b, a);
  }
  verify_row(c, component, "set_chol = set", e1, 1e-13);
  double ll = NAN, dnu = NAN;
  w->loglik(d, (const gsl_matrix *const *)Xs, m, &ll);
  verify_row(c, component, "loglik = sum of logpdf", fabs(ll - sum) / fmax(1, fabs(sum)), 1e-13);
  w->loglik_grad(d, (const gsl_matrix *const *)Xs, m, &ll, G, &dnu);
  double eg = fabs(dnu - sum_nu) / fmax(1, fabs(sum_nu));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++)
      eg = fmax(eg, fabs(gsl_matrix_get(G, i, j) - gsl_matrix_get(Gs, i, j)) / fmax(1, fabs(gsl_matrix_get(Gs, i, j))));
  verify_row(c, component, "loglik_grad = sum of grads", eg, 1e-11);
  for (size_t k = 0; k < m; k++) gsl_matrix_free(Xs[k]);
  gsl_matrix_free(S);
  gsl_matrix_free(L);
  gsl_matrix_free(G);
  gsl_matrix_free(Gs);
  w->free(d);
}
