/* Test helpers shared by test_blr.c, test_niw.c, test_mniw.c, test_check.c:
 * a reader of tests/data/conjugate_ref.txt (records `name count v1 ... vcount`,
 * written by tests/data/gen_conjugate.py) and small matrix builders.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CONJUGATE_TESTUTIL_H
#define BAYESMAT_CONJUGATE_TESTUTIL_H

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_blas.h>
#include "testutil.h"

/* Values of record `name` in tests/data/<file> (malloc'ed, caller frees); fails the test if absent. */
static inline double *cref_in(const char *file, const char *name, size_t expect)
{
  char path[1024];
  FILE *f = fopen(tu_data_path(file, path, sizeof path), "r");
  assert_non_null(f);
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
