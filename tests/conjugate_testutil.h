/* Test helpers shared by test_blr.c, test_niw.c, test_mniw.c, test_check.c:
 * a reader of tests/data/conjugate_ref.txt (records `name count v1 ... vcount`,
 * written by tests/data/gen_conjugate.py), comparisons with it, a reference
 * t log-density and small matrix builders.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CONJUGATE_TESTUTIL_H
#define BAYESMAT_CONJUGATE_TESTUTIL_H

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_blas.h>
#include "testutil.h"
#include "cleanup_util.h"

/* Values of record `name` in tests/data/<file> (malloc'ed, caller frees); fails the test if absent. */
static inline double *cref_in(const char *file, const char *name, size_t expect)
{
  FILE *f = tu_open_data(file);
  char key[128];
  double *out = NULL;
  while (fscanf(f, "%127s", key) == 1) {
    if (key[0] == '#') {
      int ch;
      while ((ch = fgetc(f)) != '\n' && ch != EOF) {}
      continue;
    }
    size_t n;
    assert_int_equal(fscanf(f, "%zu", &n), 1);
    int match = strcmp(key, name) == 0;
    if (match) {
      if (expect) assert_int_equal(n, expect);
      out = malloc((n ? n : 1) * sizeof(double));
    }
    for (size_t i = 0; i < n; i++) {
      double v;
      assert_int_equal(fscanf(f, "%lf", &v), 1);
      if (match) out[i] = v;
    }
    if (match) break;
  }
  fclose(f);
  if (out == NULL) fail_msg("reference record %s missing", name);
  return out;
}

/* Values of record `name` in conjugate_ref.txt. */
static inline double *cref(const char *name, size_t expect) { return cref_in("conjugate_ref.txt", name, expect); }

/* ... in conjugate_edges_ref.txt (tests/data/gen_conjugate_edges.py). */
static inline double *eref(const char *name, size_t expect)
{
  return cref_in("conjugate_edges_ref.txt", name, expect);
}

static inline double eref1(const char *name)
{
  double *v = eref(name, 1), x = v[0];
  free(v);
  return x;
}

static inline double cref1(const char *name)
{
  double *v = cref(name, 1), x = v[0];
  free(v);
  return x;
}

static inline gsl_matrix *cref_matrix(const char *name, size_t r, size_t c)
{
  double *v = cref(name, r * c);
  gsl_matrix *A = gsl_matrix_alloc(r, c);
  for (size_t i = 0; i < r; i++)
    for (size_t j = 0; j < c; j++) gsl_matrix_set(A, i, j, v[i * c + j]);
  free(v);
  return A;
}

static inline gsl_vector *cref_vector(const char *name, size_t n)
{
  double *v = cref(name, n);
  gsl_vector *x = gsl_vector_alloc(n);
  for (size_t i = 0; i < n; i++) gsl_vector_set(x, i, v[i]);
  free(v);
  return x;
}

/* Fail unless A matches record `name` to rtol, entries near zero to rtol
 * times the record's largest magnitude. */
static inline void cref_assert_matrix(const gsl_matrix *A, const char *name, double rtol)
{
  gsl_matrix *R = cref_matrix(name, A->size1, A->size2);
  double mx = 0.0;
  for (size_t i = 0; i < R->size1 * R->size2; i++) mx = fmax(mx, fabs(R->data[i]));
  tu_assert_matrix_close(A, R, rtol, rtol * mx);
  gsl_matrix_free(R);
}

/* log t_p(x | df, loc, scale) in mvt's terms (docs/contract.md), computed
 * here from a Cholesky factor: the independent reference for the
 * predictives of the conjugate models. */
static inline double cj_log_mvt(const gsl_vector *x, double df, const gsl_vector *loc, const gsl_matrix *scale)
{
  const size_t p = x->size;
  gsl_matrix *L = gsl_matrix_alloc(p, p);
  gsl_vector *d = gsl_vector_alloc(p);
  bm_chol_factor(scale, L, NULL);
  gsl_vector_memcpy(d, x);
  gsl_vector_sub(d, loc);
  double q = bm_chol_quadform(L, d, NULL);
  double r = lgamma(0.5 * (df + p)) - lgamma(0.5 * df) - 0.5 * p * log(df * M_PI) - 0.5 * bm_chol_logdet(L) -
             0.5 * (df + p) * log1p(q / df);
  gsl_matrix_free(L);
  gsl_vector_free(d);
  return r;
}

/* A gsl_matrix header with zero rows (n = 0 data), no storage. */
static inline gsl_matrix empty_rows(size_t cols)
{
  gsl_matrix E;
  memset(&E, 0, sizeof E);
  E.size1 = 0;
  E.size2 = cols;
  E.tda = cols;
  return E;
}

static inline gsl_vector empty_vector(void)
{
  gsl_vector e;
  memset(&e, 0, sizeof e);
  e.stride = 1;
  return e;
}

#endif
