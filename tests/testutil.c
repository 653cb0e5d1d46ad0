/* Shared test helpers. SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_eigen.h>
#include <string.h>
#include "testutil.h"

gsl_rng *tu_rng(unsigned long seed)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  return r;
}

void tu_random_spd(gsl_rng *r, double cond, double scale, gsl_matrix *S)
{
  size_t p = S->size1;
  gsl_matrix *A = gsl_matrix_alloc(p, p);
  gsl_vector *tau = gsl_vector_alloc(p);
  gsl_matrix *Q = gsl_matrix_alloc(p, p), *R = gsl_matrix_alloc(p, p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(A, i, j, gsl_ran_gaussian(r, 1.0));
  gsl_linalg_QR_decomp(A, tau);
  gsl_linalg_QR_unpack(A, tau, Q, R);
  double lam[4096];
  double *ev = p <= 4096 ? lam : malloc(p * sizeof(double));
  for (size_t k = 0; k < p; k++)
    ev[k] = scale * (p == 1 ? 1.0 : exp(log(cond) * (double)k / (double)(p - 1)));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0;
      for (size_t k = 0; k < p; k++) s += gsl_matrix_get(Q, i, k) * ev[k] * gsl_matrix_get(Q, j, k);
      gsl_matrix_set(S, i, j, s);
      gsl_matrix_set(S, j, i, s);
    }
  if (ev != lam) free(ev);
  free_matrices(A, Q, R);
  gsl_vector_free(tau);
}

gsl_matrix *tu_identity(size_t p)
{
  gsl_matrix *A = gsl_matrix_alloc(p, p);
  gsl_matrix_set_identity(A);
  return A;
}

void tu_random_spd_vech(gsl_rng *r, double cond, double scale, size_t q, gsl_vector *v)
{
  gsl_matrix *A = gsl_matrix_alloc(q, q);
  tu_random_spd(r, cond, scale, A);
  bm_vech(A, v);
  gsl_matrix_free(A);
}

int tu_close_to(double a, double b, double tol, double rtol)
{
  if (!isfinite(tol)) tol = rtol * fmax(fabs(a), fabs(b));
  return (isfinite(a) && isfinite(b)) ? fabs(a - b) <= tol : a == b;
}

void tu_assert_rel_impl(double a, double b, double rtol, const char *what, const char *file, int line)
{
  double d = fabs(a - b), s = fmax(fabs(b), 1e-300);
  if (!(d <= rtol * s)) {
    print_error("%s:%d: %s = %.17g, expected %.17g (rel err %.3e > %.1e)\n", file, line, what, a, b, d / s, rtol);
    fail();
  }
}

void tu_assert_matrix_close(const gsl_matrix *A, const gsl_matrix *B, double rtol, double atol)
{
  assert_int_equal(A->size1, B->size1);
  assert_int_equal(A->size2, B->size2);
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) {
      double a = gsl_matrix_get(A, i, j), b = gsl_matrix_get(B, i, j);
      if (!(fabs(a - b) <= atol + rtol * fabs(b))) {
        print_error("entry (%zu,%zu): %.17g vs expected %.17g\n", i, j, a, b);
        fail();
      }
    }
}

void tu_assert_vector_close(const gsl_vector *a, const gsl_vector *b, double rtol, double atol)
{
  assert_int_equal(a->size, b->size);
  for (size_t i = 0; i < a->size; i++) {
    double x = gsl_vector_get(a, i), y = gsl_vector_get(b, i);
    if (!(fabs(x - y) <= atol + rtol * fabs(y))) {
      print_error("entry %zu: %.17g vs expected %.17g\n", i, x, y);
      fail();
    }
  }
}

const char *tu_data_path(const char *name, char *buf, size_t len)
{
  const char *dir = getenv("BAYESMAT_TEST_DATA");
  snprintf(buf, len, "%s/%s", dir ? dir : "tests/data", name);
  return buf;
}

tu_mc *tu_mc_alloc(size_t n)
{
  tu_mc *m = calloc(1, sizeof *m);
  m->n = n;
  m->mean = gsl_matrix_calloc(n, n);
  m->m2 = gsl_matrix_calloc(n, n);
  return m;
}

void tu_mc_free(tu_mc *m)
{
  if (!m) return;
  gsl_matrix_free(m->mean);
  gsl_matrix_free(m->m2);
  free(m);
}

static void welford(tu_mc *m, size_t i, size_t j, double x)
{
  double *mu = gsl_matrix_ptr(m->mean, i, j), *s = gsl_matrix_ptr(m->m2, i, j);
  double d = x - *mu;
  *mu += d / (double)m->draws;
  *s += d * (x - *mu);
}

void tu_mc_add_outer(tu_mc *m, const gsl_vector *s)
{
  m->draws++;
  for (size_t i = 0; i < m->n; i++)
    for (size_t j = 0; j < m->n; j++) welford(m, i, j, gsl_vector_get(s, i) * gsl_vector_get(s, j));
}

void tu_mc_add(tu_mc *m, const gsl_matrix *M)
{
  m->draws++;
  for (size_t i = 0; i < m->n; i++)
    for (size_t j = 0; j < m->n; j++) welford(m, i, j, gsl_matrix_get(M, i, j));
}

double tu_mc_max_z(const tu_mc *m, const gsl_matrix *expected, double atol, size_t *wi, size_t *wj)
{
  double worst = 0;
  for (size_t i = 0; i < m->n; i++)
    for (size_t j = 0; j < m->n; j++) {
      double mu = gsl_matrix_get(m->mean, i, j), e = gsl_matrix_get(expected, i, j);
      double se = sqrt(gsl_matrix_get(m->m2, i, j) / ((double)m->draws - 1.0) / (double)m->draws);
      double d = fabs(mu - e), z;
      if (d <= atol)
        z = 0;
      else
        z = se > 0 ? d / se : INFINITY;
      if (!(z <= worst)) {
        worst = z;
        if (wi) *wi = i;
        if (wj) *wj = j;
      }
    }
  return worst;
}

double tu_mat_rel(const gsl_matrix *A, const gsl_matrix *B)
{
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) {
      num = fmax(num, fabs(gsl_matrix_get(A, i, j) - gsl_matrix_get(B, i, j)));
      den = fmax(den, fabs(gsl_matrix_get(B, i, j)));
    }
  return num / fmax(den, 1e-300);
}

double tu_vec_rel(const gsl_vector *a, const gsl_vector *b)
{
  gsl_matrix_const_view A = gsl_matrix_const_view_vector(a, a->size, 1), B = gsl_matrix_const_view_vector(b, b->size, 1);
  return tu_mat_rel(&A.matrix, &B.matrix);
}

void tu_kron(const gsl_matrix *A, const gsl_matrix *B, gsl_matrix *K)
{
  size_t mb = B->size1, nb = B->size2;
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++)
      for (size_t k = 0; k < mb; k++)
        for (size_t l = 0; l < nb; l++)
          gsl_matrix_set(K, i * mb + k, j * nb + l, gsl_matrix_get(A, i, j) * gsl_matrix_get(B, k, l));
}

static int is_nan(double x) { return isnan(x); }
static int is_finite(double x) { return isfinite(x); }
static int every_v(const gsl_vector *v, int (*ok)(double))
{
  for (size_t i = 0; i < v->size; i++)
    if (!ok(gsl_vector_get(v, i))) return 0;
  return 1;
}
static int every_m(const gsl_matrix *A, int (*ok)(double))
{
  for (size_t i = 0; i < A->size1; i++) {
    gsl_vector_const_view row = gsl_matrix_const_row(A, i);
    if (!every_v(&row.vector, ok)) return 0;
  }
  return 1;
}
int tu_all_nan_v(const gsl_vector *v) { return every_v(v, is_nan); }
int tu_all_nan_m(const gsl_matrix *A) { return every_m(A, is_nan); }
int tu_all_finite_v(const gsl_vector *v) { return every_v(v, is_finite); }
int tu_all_finite_m(const gsl_matrix *A) { return every_m(A, is_finite); }

/* ---- finite-difference targets over a family (testutil.h) ---- */

int tu_fd_theta_logpdf(const gsl_vector *theta, void *params, double *f)
{
  tu_fd *c = params;
  int st = bm_dist_set_theta(c->d, theta);
  return st ? st : bm_dist_logpdf(c->d, c->x, f);
}

int tu_fd_theta_score(const gsl_vector *theta, void *params, gsl_vector *g)
{
  tu_fd *c = params;
  int st = bm_dist_set_theta(c->d, theta);
  return st ? st : bm_dist_score(c->d, c->x, g);
}

int tu_fd_theta_hess(const gsl_vector *theta, void *params, gsl_matrix *H)
{
  tu_fd *c = params;
  int st = bm_dist_set_theta(c->d, theta);
  return st ? st : bm_dist_hess(c->d, c->x, H);
}

/* c->x <- the variate with coordinates v: the row (vector variate), vec or vech. */
static void fd_unpack_x(const tu_fd *c, const gsl_vector *v)
{
  switch (c->d->type->variate) {
  case BM_VARIATE_VECTOR: gsl_matrix_set_row(c->x, 0, v); break;
  case BM_VARIATE_MATRIX: bm_vec_unpack(v, c->x); break;
  case BM_VARIATE_SPD: bm_vech_unpack(v, c->x); break;
  }
}

int tu_fd_x_logpdf(const gsl_vector *v, void *params, double *f)
{
  tu_fd *c = params;
  fd_unpack_x(c, v);
  return bm_dist_logpdf(c->d, c->x, f);
}

int tu_fd_x_grad(const gsl_vector *v, void *params, gsl_vector *g)
{
  tu_fd *c = params;
  fd_unpack_x(c, v);
  int st = c->grad_x(c->d->state, c->x, c->G);
  if (st) return st;
  switch (c->d->type->variate) {
  case BM_VARIATE_VECTOR: gsl_matrix_get_row(g, c->G, 0); break;
  case BM_VARIATE_MATRIX: bm_vec(c->G, g); break;
  case BM_VARIATE_SPD: bm_vech_from_sym_grad(c->G, g); break;
  }
  return BM_SUCCESS;
}

int tu_fd_x_hess(const gsl_vector *v, void *params, gsl_matrix *H)
{
  tu_fd *c = params;
  fd_unpack_x(c, v);
  return bm_dist_hess_x(c->d, c->x, H);
}

double tu_fd_check_all(tu_fd *c, const gsl_vector *theta, const bm_check_options *opts)
{
  const char *name = c->d->type->name;
  size_t rows = c->x->size1, cols = c->x->size2, n;
  switch (c->d->type->variate) {
  case BM_VARIATE_SPD: n = bm_vech_len(rows); break;
  default: n = rows * cols; break;
  }
  gsl_vector *xv = gsl_vector_alloc(n);
  switch (c->d->type->variate) {
  case BM_VARIATE_VECTOR: gsl_matrix_get_row(xv, c->x, 0); break;
  case BM_VARIATE_MATRIX: bm_vec(c->x, xv); break;
  case BM_VARIATE_SPD: bm_vech(c->x, xv); break;
  }
  bm_check_result res;
  double worst = 0;
  assert_int_equal(bm_check_gradient(tu_fd_theta_logpdf, tu_fd_theta_score, c, theta, opts, &res), BM_SUCCESS);
  if (!res.passed) fail_msg("%s score: rel err %.3g at %zu", name, res.worst_rel_err, res.worst_index);
  worst = fmax(worst, res.worst_rel_err);
  assert_int_equal(bm_check_hessian(tu_fd_theta_logpdf, tu_fd_theta_score, tu_fd_theta_hess, c, theta, opts, &res),
                   BM_SUCCESS);
  if (!res.passed) fail_msg("%s hess: rel err %.3g at %zu", name, res.worst_rel_err, res.worst_index);
  worst = fmax(worst, res.worst_rel_err);
  assert_int_equal(bm_dist_set_theta(c->d, theta), BM_SUCCESS);
  if (c->grad_x) {
    assert_int_equal(bm_check_gradient(tu_fd_x_logpdf, tu_fd_x_grad, c, xv, opts, &res), BM_SUCCESS);
    if (!res.passed) fail_msg("%s grad X: rel err %.3g at %zu", name, res.worst_rel_err, res.worst_index);
    worst = fmax(worst, res.worst_rel_err);
  }
  assert_int_equal(bm_check_hessian(tu_fd_x_logpdf, c->grad_x ? tu_fd_x_grad : NULL, tu_fd_x_hess, c, xv, opts, &res),
                   BM_SUCCESS);
  if (!res.passed) fail_msg("%s hess X: rel err %.3g at %zu", name, res.worst_rel_err, res.worst_index);
  worst = fmax(worst, res.worst_rel_err);
  fd_unpack_x(c, xv); /* x as it was */
  gsl_vector_free(xv);
  return worst;
}

void tu_read_vector(FILE *f, gsl_vector *v)
{
  for (size_t i = 0; i < v->size; i++) assert_int_equal(fscanf(f, "%lf", gsl_vector_ptr(v, i)), 1);
}

void tu_read_matrix(FILE *f, gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) assert_int_equal(fscanf(f, "%lf", gsl_matrix_ptr(A, i, j)), 1);
}

void tu_random_matrix(gsl_rng *r, double s, gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) gsl_matrix_set(A, i, j, s * (2.0 * gsl_rng_uniform(r) - 1.0));
}

double tu_cond_number(const gsl_matrix *S)
{
  size_t k = S->size1;
  gsl_matrix *A = gsl_matrix_alloc(k, k);
  gsl_vector *ev = gsl_vector_alloc(k);
  gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(k);
  gsl_matrix_memcpy(A, S);
  gsl_eigen_symm(A, ev, w);
  double cond = gsl_vector_max(ev) / gsl_vector_min(ev);
  gsl_eigen_symm_free(w);
  gsl_vector_free(ev);
  gsl_matrix_free(A);
  return cond;
}

void tu_normal_score_hess(double r, double v, gsl_vector *s, gsl_matrix *H)
{
  gsl_vector_set(s, 0, r / v);
  gsl_vector_set(s, 1, -0.5 / v + 0.5 * r * r / (v * v));
  if (H) {
    gsl_matrix_set(H, 0, 0, -1 / v);
    gsl_matrix_set(H, 0, 1, -r / (v * v));
    gsl_matrix_set(H, 1, 0, -r / (v * v));
    gsl_matrix_set(H, 1, 1, 0.5 / (v * v) - r * r / (v * v * v));
  }
}

void tu_normal_fisher(double v, gsl_matrix *F)
{
  gsl_matrix_set_zero(F);
  gsl_matrix_set(F, 0, 0, 1 / v);
  gsl_matrix_set(F, 1, 1, 0.5 / (v * v));
}

int tu_normal_model_fisher(size_t i, const gsl_vector *theta, void *params, gsl_matrix *F)
{
  (void)i;
  (void)params;
  tu_normal_fisher(gsl_vector_get(theta, 1), F);
  return 0;
}

int tu_linreg_theta(size_t i, const gsl_vector *eta, void *params, gsl_vector *th, gsl_matrix *J)
{
  tu_linreg *m = params;
  double mu = 0;
  gsl_matrix_set_zero(J);
  for (size_t j = 0; j < m->k; j++) {
    mu += gsl_matrix_get(m->X, i, j) * gsl_vector_get(eta, j);
    gsl_matrix_set(J, 0, j, gsl_matrix_get(m->X, i, j));
  }
  double e = gsl_vector_get(eta, m->k), s2 = m->log_s2 ? exp(e) : e;
  if (s2 <= 0) return 1;
  gsl_vector_set(th, 0, mu);
  gsl_vector_set(th, 1, s2);
  gsl_matrix_set(J, 1, m->k, m->log_s2 ? s2 : 1.0);
  return 0;
}

/* the curvature of s2 = exp(eta_k) (none when eta_k is s2 itself) */
int tu_linreg_curv(size_t i, const gsl_vector *eta, const gsl_vector *w, void *params, gsl_matrix *C)
{
  (void)i;
  tu_linreg *m = params;
  if (m->log_s2) *gsl_matrix_ptr(C, m->k, m->k) += gsl_vector_get(w, 1) * exp(gsl_vector_get(eta, m->k));
  return 0;
}

FILE *tu_open_data(const char *name)
{
  char path[4096];
  FILE *f = fopen(tu_data_path(name, path, sizeof path), "r");
  if (f == NULL) fail_msg("cannot open %s", path);
  return f;
}

int tu_next_record(FILE *f, const char *tag)
{
  char word[64];
  while (fscanf(f, "%63s", word) == 1) {
    if (strcmp(word, tag) == 0) return 1;
    int ch;
    while ((ch = fgetc(f)) != '\n' && ch != EOF) {}
  }
  return 0;
}

int tu_next_data_line(FILE *f, char *line, size_t len)
{
  while (fgets(line, (int)len, f))
    if (line[0] != '#') return 1;
  return 0;
}
