/* Finite-difference engine and derivative checkers (include/bayesmat/fd.h).
 *
 * Everything reduces to one routine, `tableau`: the first or second
 * derivative at t = 0 of a vector-valued function of one variable
 * phi(t) = F(x + t u), by central differences at steps h, h/2, h/4, ...
 * extrapolated in a Neville tableau (errors are even powers of h, so column m
 * removes the h^(2m) term: A[k][m] = A[k][m-1] + (A[k][m-1] - A[k-1][m-1]) /
 * (4^m - 1)). Each component keeps the entry with the smallest error
 * estimate, and the sweep stops once the diagonal has started to grow
 * (roundoff taking over), as in Ridders (1982).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/fd.h"
#include "bayesmat/alloc.h"
#include "error.h"

#define DEFAULT_H0 1e-2
#define DEFAULT_LEVELS 10
#define MAX_SHRINK 60
#define DEFAULT_TOL 1e-6
#define DEFAULT_DIRECTIONS 4

/* ---- a line through x: phi(t) = F(x + t u), F scalar or vector ---- */
typedef struct {
  bm_fn_scalar f;
  bm_fn_vector g;
  void *params;
  const gsl_vector *x;
  const double *u;   /* direction, length n (dense) */
  gsl_vector *xt;    /* scratch point */
  gsl_vector *gt;    /* scratch output of g, length m */
  size_t m;          /* 1 for f */
} line;

static int line_eval(line *L, double t, double *out)
{
  size_t n = L->x->size;
  for (size_t i = 0; i < n; i++) L->xt->data[i] = gsl_vector_get(L->x, i) + t * L->u[i];
  if (L->f) {
    if (L->f(L->xt, L->params, out) != 0 || !isfinite(*out)) return BM_EDOM;
    return BM_SUCCESS;
  }
  if (L->g(L->xt, L->params, L->gt) != 0) return BM_EDOM;
  for (size_t i = 0; i < L->m; i++) {
    out[i] = L->gt->data[i];
    if (!isfinite(out[i])) return BM_EDOM;
  }
  return BM_SUCCESS;
}

/* Central difference of the given order at step h into base[m].
 * phi0: phi(0) (order 2 only). */
static int central(line *L, int order, double h, const double *phi0, double *plus, double *minus, double *base)
{
  int status = line_eval(L, h, plus);
  if (!status) status = line_eval(L, -h, minus);
  if (status) return status;
  for (size_t c = 0; c < L->m; c++)
    base[c] = order == 1 ? (plus[c] - minus[c]) / (2.0 * h) : ((plus[c] - phi0[c]) + (minus[c] - phi0[c])) / (h * h);
  return BM_SUCCESS;
}

/* Derivative (order 1 or 2) of phi at 0 into d[m], error estimates into e[m]. */
static int tableau(line *L, int order, double h, size_t levels, double *d, double *e)
{
  size_t m = L->m;
  int status = BM_SUCCESS;
  double *buf = malloc(sizeof(double) * m * (2 * levels + 4));
  if (!buf) return BM_ENOMEM;
  double *prev = buf, *cur = buf + m * levels, *plus = cur + m * levels, *minus = plus + m, *phi0 = minus + m,
         *base = phi0 + m;
  if (order == 2 && (status = line_eval(L, 0.0, phi0))) goto done;
  /* largest admissible step: shrink until both sides are defined */
  size_t tries = 0;
  while ((status = central(L, order, h, phi0, plus, minus, base)) == BM_EDOM && tries++ < MAX_SHRINK) h *= 0.5;
  if (status) goto done;
  if (tries > 0) {
    /* The domain boundary (a singularity, typically) is within about 2h: the
     * Taylor series converges slowly at steps comparable to that distance, so
     * start the tableau well inside it. */
    h *= 1.0 / 16.0;
    if ((status = central(L, order, h, phi0, plus, minus, base))) goto done;
  }
  for (size_t c = 0; c < m; c++) {
    prev[c] = base[c];
    d[c] = base[c];
    e[c] = INFINITY;
  }
  for (size_t k = 1; k < levels; k++) {
    h *= 0.5;
    if (central(L, order, h, phi0, plus, minus, base)) break; /* keep what we have */
    int all_growing = 1;
    for (size_t c = 0; c < m; c++) {
      cur[c] = base[c];
      double fac = 4.0;
      for (size_t j = 1; j <= k; j++, fac *= 4.0) {
        cur[j * m + c] = cur[(j - 1) * m + c] + (cur[(j - 1) * m + c] - prev[(j - 1) * m + c]) / (fac - 1.0);
        double err = fmax(fabs(cur[j * m + c] - cur[(j - 1) * m + c]), fabs(cur[j * m + c] - prev[(j - 1) * m + c]));
        if (err <= e[c]) {
          e[c] = err;
          d[c] = cur[j * m + c];
        }
      }
      if (!(fabs(cur[k * m + c] - prev[(k - 1) * m + c]) >= 2.0 * e[c])) all_growing = 0;
    }
    double *tmp = prev;
    prev = cur;
    cur = tmp;
    if (all_growing) break;
  }
done:
  free(buf);
  return status;
}

static double opt_h0(const bm_fd_options *o) { return o && o->h0 > 0 ? o->h0 : DEFAULT_H0; }
static size_t opt_levels(const bm_fd_options *o) { return o && o->levels >= 2 ? o->levels : DEFAULT_LEVELS; }

static double coord_scale(const gsl_vector *x, size_t i) { return fmax(fabs(gsl_vector_get(x, i)), 1.0); }

static int line_init(line *L, bm_fn_scalar f, bm_fn_vector g, void *params, const gsl_vector *x, size_t m)
{
  memset(L, 0, sizeof *L);
  L->f = f;
  L->g = g;
  L->params = params;
  L->x = x;
  L->m = f ? 1 : m;
  L->xt = bm_vector_alloc(x->size);
  if (!L->xt) return BM_ENOMEM;
  if (g) {
    L->gt = bm_vector_alloc(m);
    if (!L->gt) return BM_ENOMEM;
  }
  return BM_SUCCESS;
}

static void line_free(line *L)
{
  bm_vector_free(L->xt);
  bm_vector_free(L->gt);
}

/* The engine (line_init, line_eval, tableau) records no message: its
 * caller, the public function fn, says what failed, naming its function
 * argument fname. */
static int engine_fail(const char *fn, const char *fname, int status)
{
  if (status == BM_ENOMEM) return bm_error_set(status, fn, "out of memory");
  if (status == BM_EDOM)
    return bm_error_set(status, fn, "%s fails (a non-zero return or a non-finite value) at x or at every step tried",
                        fname);
  return status;
}

/* The checks shared by the entry points: the function argument f (named
 * fname) and the output out (named oname) non-NULL, x a finite vector. */
static int check_args(const char *fn, const char *fname, int have_f, const char *oname, const void *out,
                      const gsl_vector *x)
{
  if (!have_f || !out) return bm_error_set(BM_EINVAL, fn, "%s is NULL", !have_f ? fname : oname);
  return bm_check_vector(fn, "x", x, x ? x->size : 0);
}

/* A matrix output A (named aname) and its optional error estimate err, both
 * rows x cols. */
static int check_out(const char *fn, const char *aname, const gsl_matrix *A, const gsl_matrix *err, size_t rows,
                     size_t cols)
{
  int status = bm_check_shape(fn, aname, A, rows, cols);
  if (!status && err) status = bm_check_shape(fn, "err", err, rows, cols);
  return status;
}

/* End of a matrix-valued entry point: on failure, the message and the
 * documented NaN outputs. */
static int finish_matrix(const char *fn, const char *fname, int status, gsl_matrix *A, gsl_matrix *err)
{
  if (!status) return status;
  gsl_matrix_set_all(A, NAN);
  if (err) gsl_matrix_set_all(err, NAN);
  return engine_fail(fn, fname, status);
}

/* bm_fd_jacobian for the public fn, whose function argument is gname and
 * output Jname. */
static int jacobian(const char *fn, const char *gname, const char *Jname, bm_fn_vector g, void *params, size_t m,
                    const gsl_vector *x, const bm_fd_options *opts, gsl_matrix *J, gsl_matrix *err)
{
  int status = check_args(fn, gname, g != NULL, Jname, J, x);
  if (!status) status = check_out(fn, Jname, J, err, m, x->size);
  if (status) return status;
  size_t n = x->size;
  line L;
  double *u = calloc(n + 2 * m + 1, sizeof(double));
  if (!u) return bm_error_set(BM_ENOMEM, fn, "out of memory");
  double *d = u + n, *e = d + m;
  if ((status = line_init(&L, NULL, g, params, x, m))) goto done;
  L.u = u;
  for (size_t j = 0; j < n && !status; j++) {
    double s = coord_scale(x, j);
    u[j] = 1.0;
    status = tableau(&L, 1, opt_h0(opts) * s, opt_levels(opts), d, e);
    u[j] = 0.0;
    for (size_t i = 0; i < m && !status; i++) {
      gsl_matrix_set(J, i, j, d[i]);
      if (err) gsl_matrix_set(err, i, j, e[i]);
    }
  }
done:
  line_free(&L);
  free(u);
  return finish_matrix(fn, gname, status, J, err);
}

int bm_fd_jacobian(bm_fn_vector g, void *params, size_t m, const gsl_vector *x, const bm_fd_options *opts,
                   gsl_matrix *J, gsl_matrix *err)
{
  return jacobian(__func__, "g", "J", g, params, m, x, opts, J, err);
}

int bm_fd_gradient(bm_fn_scalar f, void *params, const gsl_vector *x, const bm_fd_options *opts, gsl_vector *grad,
                   gsl_vector *err)
{
  int status = check_args(__func__, "f", f != NULL, "grad", grad, x);
  if (!status) status = bm_validate_length(grad, x->size);
  if (!status && err) status = bm_validate_length(err, x->size);
  if (status) return status;
  size_t n = x->size;
  line L;
  double *u = calloc(n + 1, sizeof(double));
  if (!u) return BM_FAIL(BM_ENOMEM, "out of memory");
  if ((status = line_init(&L, f, NULL, params, x, 1))) goto done;
  L.u = u;
  for (size_t j = 0; j < n && !status; j++) {
    double d, e;
    u[j] = 1.0;
    status = tableau(&L, 1, opt_h0(opts) * coord_scale(x, j), opt_levels(opts), &d, &e);
    u[j] = 0.0;
    gsl_vector_set(grad, j, d);
    if (err) gsl_vector_set(err, j, e);
  }
done:
  line_free(&L);
  free(u);
  if (status) {
    gsl_vector_set_all(grad, NAN);
    if (err) gsl_vector_set_all(err, NAN);
  }
  return engine_fail(__func__, "f", status);
}

int bm_fd_hessian(bm_fn_scalar f, void *params, const gsl_vector *x, const bm_fd_options *opts, gsl_matrix *H,
                  gsl_matrix *err)
{
  int status = check_args(__func__, "f", f != NULL, "H", H, x);
  if (!status) status = check_out(__func__, "H", H, err, x->size, x->size);
  if (status) return status;
  size_t n = x->size;
  line L;
  double *u = calloc(3 * n + 1, sizeof(double));
  if (!u) return BM_FAIL(BM_ENOMEM, "out of memory");
  double *diag = u + n, *diag_err = diag + n;
  if ((status = line_init(&L, f, NULL, params, x, 1))) goto done;
  L.u = u;
  /* In scaled coordinates y_i = x_i / s_i the step starts at h0 for all. */
  for (size_t i = 0; i < n && !status; i++) {
    u[i] = coord_scale(x, i);
    status = tableau(&L, 2, opt_h0(opts), opt_levels(opts), &diag[i], &diag_err[i]);
    u[i] = 0.0;
  }
  for (size_t i = 0; i < n && !status; i++) {
    double si = coord_scale(x, i);
    gsl_matrix_set(H, i, i, diag[i] / (si * si));
    if (err) gsl_matrix_set(err, i, i, diag_err[i] / (si * si));
    for (size_t j = 0; j < i && !status; j++) {
      double sj = coord_scale(x, j), d, e;
      u[i] = si;
      u[j] = sj;
      status = tableau(&L, 2, opt_h0(opts), opt_levels(opts), &d, &e);
      u[i] = u[j] = 0.0;
      /* phi'' = s_i^2 H_ii + 2 s_i s_j H_ij + s_j^2 H_jj, with diag[] = s^2 H */
      double hij = (d - diag[i] - diag[j]) / (2.0 * si * sj);
      double eij = (e + diag_err[i] + diag_err[j]) / (2.0 * si * sj);
      gsl_matrix_set(H, i, j, hij);
      gsl_matrix_set(H, j, i, hij);
      if (err) {
        gsl_matrix_set(err, i, j, eij);
        gsl_matrix_set(err, j, i, eij);
      }
    }
  }
done:
  line_free(&L);
  free(u);
  return finish_matrix(__func__, "f", status, H, err);
}

int bm_fd_hessian_from_gradient(bm_fn_vector grad, void *params, const gsl_vector *x, const bm_fd_options *opts,
                                gsl_matrix *H, gsl_matrix *err)
{
  if (!grad || !H || !x) return BM_FAIL(BM_EINVAL, "%s is NULL", grad == NULL ? "grad" : H == NULL ? "H" : "x");
  int status = jacobian(__func__, "grad", "H", grad, params, x->size, x, opts, H, err);
  if (status) return status;
  size_t n = x->size;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++) {
      double a = 0.5 * (gsl_matrix_get(H, i, j) + gsl_matrix_get(H, j, i));
      gsl_matrix_set(H, i, j, a);
      gsl_matrix_set(H, j, i, a);
      if (err) {
        double e = fmax(gsl_matrix_get(err, i, j), gsl_matrix_get(err, j, i));
        gsl_matrix_set(err, i, j, e);
        gsl_matrix_set(err, j, i, e);
      }
    }
  return BM_SUCCESS;
}

/* ---- checkers ---- */

/* splitmix64 + Box-Muller: a private, seedable source of directions that needs
 * no gsl_rng from the caller and touches no global state. */
static double uniform01(unsigned long long *s)
{
  unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static void random_direction(unsigned long long *s, double *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    double u1 = uniform01(s), u2 = uniform01(s);
    v[i] = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
  }
}

static const bm_check_options *check_defaults(const bm_check_options *o, bm_check_options *buf)
{
  memset(buf, 0, sizeof *buf);
  if (o) *buf = *o;
  if (buf->n_directions == 0) buf->n_directions = DEFAULT_DIRECTIONS;
  if (!(buf->tol > 0)) buf->tol = DEFAULT_TOL;
  return buf;
}

static double rel_err(double a, double d, double floor)
{
  double scale = fmax(fmax(fabs(a), fabs(d)), floor);
  if (scale == 0.0) return a == d ? 0.0 : INFINITY;
  return fabs(a - d) / scale;
}

static void record(bm_check_result *res, double r, size_t index, int is_dir, double a, double d, double e)
{
  res->n_compared++;
  if (r > res->worst_rel_err || (isnan(r) && !isnan(res->worst_rel_err))) {
    res->worst_rel_err = r;
    res->worst_index = index;
    res->worst_is_direction = is_dir;
    res->analytic = a;
    res->numeric = d;
    res->numeric_err = e;
  }
}

static void project_direction(const bm_check_options *o, double *v, size_t n, void *params)
{
  if (!o->project) return;
  gsl_vector_view vv = gsl_vector_view_array(v, n);
  o->project(&vv.vector, params);
}

int bm_check_gradient(bm_fn_scalar f, bm_fn_vector grad, void *params, const gsl_vector *x,
                      const bm_check_options *opts, bm_check_result *res)
{
  int status = check_args(__func__, grad ? "f" : "grad", f && grad, "res", res, x);
  if (status) return status;
  bm_check_options ob;
  const bm_check_options *o = check_defaults(opts, &ob);
  size_t n = x->size;
  memset(res, 0, sizeof *res);
  gsl_vector *g = bm_vector_alloc(n), *d = bm_vector_alloc(n), *e = bm_vector_alloc(n);
  double *v = malloc(sizeof(double) * (n + 1));
  line L = {0};
  if (!g || !d || !e || !v) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  if (grad(x, params, g) != 0) {
    status = BM_FAIL(BM_EDOM, "grad fails (a non-zero return) at x");
    goto done;
  }
  if ((status = BM_WRAP(bm_fd_gradient(f, params, x, &o->fd, d, e)))) goto done;
  double dmax = 0.0;
  for (size_t i = 0; i < n; i++) dmax = fmax(dmax, fabs(d->data[i]));
  for (size_t i = 0; i < n; i++)
    record(res, rel_err(g->data[i], d->data[i], 1e-3 * dmax), i, 0, g->data[i], d->data[i], e->data[i]);
  if ((status = engine_fail(__func__, "f", line_init(&L, f, NULL, params, x, 1)))) goto done;
  L.u = v;
  unsigned long long seed = o->seed;
  for (size_t k = 0; k < o->n_directions && n > 0; k++) {
    random_direction(&seed, v, n);
    project_direction(o, v, n, params);
    double a = 0.0, scale = 0.0, vmax = 0.0, dd, ee;
    for (size_t i = 0; i < n; i++) {
      a += g->data[i] * v[i];
      scale += fabs(g->data[i] * v[i]);
      vmax = fmax(vmax, fabs(v[i]));
    }
    if (vmax == 0.0) continue;
    if ((status = engine_fail(__func__, "f", tableau(&L, 1, opt_h0(&o->fd) / vmax, opt_levels(&o->fd), &dd, &ee))))
      goto done;
    record(res, rel_err(a, dd, scale), n + k, 1, a, dd, ee);
  }
  res->passed = res->worst_rel_err <= o->tol;
done:
  line_free(&L);
  bm_vector_free(g);
  bm_vector_free(d);
  bm_vector_free(e);
  free(v);
  return status;
}

int bm_check_hessian(bm_fn_scalar f, bm_fn_vector grad, bm_fn_matrix hess, void *params, const gsl_vector *x,
                     const bm_check_options *opts, bm_check_result *res)
{
  if (!f && !grad) return BM_FAIL(BM_EINVAL, "f and grad are both NULL (one is needed)");
  int status = check_args(__func__, "hess", hess != NULL, "res", res, x);
  if (status) return status;
  bm_check_options ob;
  const bm_check_options *o = check_defaults(opts, &ob);
  size_t n = x->size;
  memset(res, 0, sizeof *res);
  gsl_matrix *H = bm_matrix_alloc(n, n), *D = bm_matrix_alloc(n, n), *E = bm_matrix_alloc(n, n);
  double *v = malloc(sizeof(double) * (3 * n + 1));
  line L = {0};
  if (!H || !D || !E || !v) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  if (n == 0) goto done;
  if (hess(x, params, H) != 0) {
    status = BM_FAIL(BM_EDOM, "hess fails (a non-zero return) at x");
    goto done;
  }
  status = BM_WRAP(grad ? jacobian(__func__, "grad", "H", grad, params, n, x, &o->fd, D, E)
                        : bm_fd_hessian(f, params, x, &o->fd, D, E));
  if (status) goto done;
  double dmax = 0.0;
  for (size_t i = 0; i < n * n; i++) dmax = fmax(dmax, fabs(D->data[i]));
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double a = gsl_matrix_get(H, i, j), dd = gsl_matrix_get(D, i, j);
      record(res, rel_err(a, dd, 1e-3 * dmax), i * n + j, 0, a, dd, gsl_matrix_get(E, i, j));
    }
  if (grad) {
    double *hv = v + n, *dd = hv + n, *ee;
    if ((status = engine_fail(__func__, "grad", line_init(&L, NULL, grad, params, x, n)))) goto done;
    ee = malloc(sizeof(double) * n);
    if (!ee) {
      status = BM_FAIL(BM_ENOMEM, "out of memory");
      goto done;
    }
    L.u = v;
    unsigned long long seed = o->seed;
    for (size_t k = 0; k < o->n_directions && !status; k++) {
      random_direction(&seed, v, n);
      project_direction(o, v, n, params);
      double vmax = 0.0, hvmax = 0.0;
      for (size_t i = 0; i < n; i++) vmax = fmax(vmax, fabs(v[i]));
      if (vmax == 0.0) continue;
      for (size_t i = 0; i < n; i++) {
        hv[i] = 0.0;
        for (size_t j = 0; j < n; j++) hv[i] += gsl_matrix_get(H, i, j) * v[j];
      }
      if ((status = engine_fail(__func__, "grad", tableau(&L, 1, opt_h0(&o->fd) / vmax, opt_levels(&o->fd), dd, ee))))
        break;
      for (size_t i = 0; i < n; i++) hvmax = fmax(hvmax, fabs(dd[i]));
      for (size_t i = 0; i < n; i++) record(res, rel_err(hv[i], dd[i], 1e-3 * hvmax), n * n + k, 1, hv[i], dd[i], ee[i]);
    }
    free(ee);
    if (status) goto done;
  }
done:
  res->passed = status == BM_SUCCESS && res->worst_rel_err <= o->tol;
  line_free(&L);
  bm_matrix_free(H);
  bm_matrix_free(D);
  bm_matrix_free(E);
  free(v);
  return status;
}

int bm_check_taylor(bm_fn_scalar f, bm_fn_vector grad, void *params, const gsl_vector *x, const gsl_vector *v,
                    const bm_check_options *opts, bm_taylor_result *res)
{
  int status = check_args(__func__, grad ? "f" : "grad", f && grad, "res", res, x);
  if (status) return status;
  size_t n = x->size;
  if (v && (status = bm_validate_vector(v, n))) return status;
  memset(res, 0, sizeof *res);
  res->slope = NAN;
  enum { NSTEPS = 20, NFIT = 6 };
  gsl_vector *g = bm_vector_alloc(n);
  double *dir = malloc(sizeof(double) * (n + 1));
  line L = {0};
  if (!g || !dir) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  double f0 = NAN;
  int f_ok = f(x, params, &f0) == 0 && isfinite(f0);
  if (!f_ok || grad(x, params, g) != 0) {
    status = BM_FAIL(BM_EDOM, "%s fails at x", f_ok ? "grad" : "f");
    goto done;
  }
  unsigned long long seed = opts ? opts->seed : 0;
  if (v)
    for (size_t i = 0; i < n; i++) dir[i] = gsl_vector_get(v, i);
  else {
    random_direction(&seed, dir, n);
    if (opts) project_direction(opts, dir, n, params);
  }
  double gv = 0.0, vmax = 0.0;
  for (size_t i = 0; i < n; i++) {
    gv += g->data[i] * dir[i];
    vmax = fmax(vmax, fabs(dir[i]));
  }
  if (vmax == 0.0) {
    status = BM_FAIL(BM_EINVAL, "the direction v is zero");
    goto done;
  }
  if ((status = line_init(&L, f, NULL, params, x, 1))) goto done;
  L.u = dir;
  double h = 0.1 / vmax, fh;
  size_t tries = 0;
  while (line_eval(&L, h, &fh) && tries++ < MAX_SHRINK) h *= 0.5;
  if (tries > MAX_SHRINK) {
    status = BM_FAIL(BM_EDOM, "f fails along v at every step tried (down to 2^-%d of the first)", MAX_SHRINK);
    goto done;
  }
  double lh[NSTEPS], lr[NSTEPS];
  size_t used = 0;
  for (int k = 0; k < NSTEPS; k++, h *= 0.5) {
    if (line_eval(&L, h, &fh)) continue;
    double r = fabs((fh - f0) - h * gv);
    double noise = 1e3 * DBL_EPSILON * (fabs(f0) + fabs(h * gv));
    if (r > noise) {
      lh[used] = log(h);
      lr[used] = log(r);
      used++;
    }
  }
  if (used < 2) {
    res->at_roundoff = 1;
    res->passed = 1;
    goto done;
  }
  /* least squares slope over the smallest steps above roundoff */
  size_t first = used > NFIT ? used - NFIT : 0, m = used - first;
  double mh = 0, mr = 0, shh = 0, shr = 0;
  for (size_t i = first; i < used; i++) {
    mh += lh[i];
    mr += lr[i];
  }
  mh /= (double)m;
  mr /= (double)m;
  for (size_t i = first; i < used; i++) {
    shh += (lh[i] - mh) * (lh[i] - mh);
    shr += (lh[i] - mh) * (lr[i] - mr);
  }
  res->slope = shr / shh;
  res->n_used = m;
  res->passed = res->slope >= 1.8;
done:
  line_free(&L);
  bm_vector_free(g);
  free(dir);
  return status;
}
