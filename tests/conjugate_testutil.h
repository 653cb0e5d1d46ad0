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

/* ---- packed summaries (the same six-double header for NIW, BLR, MNIW) ---- */

/* A model's _stats_pack / _stats_unpack behind void *, named in full so that a
 * search for either finds its test: CJ_PACKER(niw, bm_niw_stats_pack,
 * bm_niw_stats_unpack) defines niw_packer. */
typedef struct {
  int (*pack)(const void *s, double *buf);
  int (*unpack)(void *s, const double *buf, size_t len);
} cj_packer;

#define CJ_PACKER(model, PACK, UNPACK)                                      \
  static int model##_pack_v(const void *s, double *b)                       \
  {                                                                         \
    return PACK(s, b);                                                      \
  }                                                                         \
  static int model##_unpack_v(void *s, const double *b, size_t n)           \
  {                                                                         \
    return UNPACK(s, b, n);                                                 \
  }                                                                         \
  static const cj_packer model##_packer = {model##_pack_v, model##_unpack_v};

/* s packs into buf (len doubles) with n observations at buf[6]; unpacked into
 * u, it packs to the identical bytes (buf2) */
static inline void cj_pack_round_trip(const cj_packer *k, const void *s, void *u, double *buf, double *buf2, size_t len,
                                      size_t n)
{
  assert_int_equal(k->pack(s, buf), BM_SUCCESS);
  assert_true(buf[6] == (double)n);
  assert_int_equal(k->unpack(u, buf, len), BM_SUCCESS);
  assert_int_equal(k->pack(u, buf2), BM_SUCCESS);
  assert_memory_equal(buf, buf2, len * sizeof *buf);
}

/* The refusals every packed summary shares, with buf (len doubles, a good
 * packing, copied to keep first) and u: a count n of bad_n[0], [1], [2]
 * (negative, fractional, zero with content) is BM_EINVAL; `nonfinite` at
 * buf[at] BM_ENONFINITE; NULL arguments BM_EINVAL; a truncated or over-long
 * buffer BM_EBADLEN, and each of the six header entries off by one (magic,
 * version, kind: BM_EINVAL; dims, length: BM_EBADLEN), never reading past
 * len. buf is left as it was. */
static inline void cj_pack_refusals(const cj_packer *k, void *u, double *buf, double *keep, size_t len,
                                    const double bad_n[3], size_t at, double nonfinite)
{
  memcpy(keep, buf, len * sizeof *buf);
  for (int i = 0; i < 3; i++) {
    buf[6] = bad_n[i];
    assert_int_equal(k->unpack(u, buf, len), BM_EINVAL);
  }
  buf[6] = keep[6];
  buf[at] = nonfinite;
  assert_int_equal(k->unpack(u, buf, len), BM_ENONFINITE);
  buf[at] = keep[at];
  assert_int_equal(k->unpack(NULL, keep, len), BM_EINVAL);
  assert_int_equal(k->unpack(u, NULL, len), BM_EINVAL);
  assert_int_equal(k->pack(NULL, buf), BM_EINVAL);
  assert_int_equal(k->pack(u, NULL), BM_EINVAL);
  double *shortb = malloc((len - 1) * sizeof *shortb), *longb = malloc((len + 1) * sizeof *longb);
  memcpy(shortb, keep, (len - 1) * sizeof *shortb);
  memcpy(longb, keep, len * sizeof *longb);
  longb[len] = 0.0;
  assert_int_equal(k->unpack(u, shortb, len - 1), BM_EBADLEN);
  assert_int_equal(k->unpack(u, shortb, 5), BM_EBADLEN);
  assert_int_equal(k->unpack(u, longb, len + 1), BM_EBADLEN);
  const double was[6] = {keep[0], keep[1], keep[2], keep[3], keep[4], keep[5]};
  const int want[6] = {BM_EINVAL, BM_EINVAL, BM_EINVAL, BM_EBADLEN, BM_EBADLEN, BM_EBADLEN};
  for (int h = 0; h < 6; h++) {
    keep[h] = was[h] + 1.0;
    assert_int_equal(k->unpack(u, keep, len), want[h]);
    keep[h] = was[h];
  }
  free(shortb);
  free(longb);
}

/* A packing of `other` (another shape; olen doubles) offered to u: BM_EBADLEN. */
static inline void cj_pack_refuses_shape(const cj_packer *k, void *u, const void *other, size_t olen)
{
  double *bb = calloc(olen, sizeof *bb);
  assert_int_equal(k->pack(other, bb), BM_SUCCESS);
  assert_int_equal(k->unpack(u, bb, olen), BM_EBADLEN);
  free(bb);
}

/* After the refusals u still packs to keep (compared in buf2). */
static inline void cj_pack_unchanged(const cj_packer *k, const void *u, const double *keep, double *buf2, size_t len)
{
  assert_int_equal(k->pack(u, buf2), BM_SUCCESS);
  assert_memory_equal(keep, buf2, len * sizeof *buf2);
}

/* An empty summary packs to zeros past the header and unpacks into s. */
static inline void cj_pack_empty(const cj_packer *k, const void *empty, void *s, double *buf, size_t len)
{
  assert_int_equal(k->pack(empty, buf), BM_SUCCESS);
  for (size_t i = 6; i < len; i++) assert_true(buf[i] == 0.0);
  assert_int_equal(k->unpack(s, buf, len), BM_SUCCESS);
}

#endif
