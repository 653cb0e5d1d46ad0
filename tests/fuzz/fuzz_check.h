/* Invariants every family harness asserts (docs/conventions.md), beyond "no crash, no
 * sanitizer report, no GSL error-handler call":
 *  - every status is a known code (0 .. BM_NSTATUS-1);
 *  - success never comes with a NaN log-density;
 *  - a failed evaluation leaves NaN in its outputs (a log-density may be -inf
 *    only with BM_EDOM), never a plausible-looking number;
 *  - a failed _set leaves the object's previous parameters in force.
 * A violated invariant traps, which libFuzzer reports as a crash.
 * Also: operands that are views (tda > size2) so row strides are exercised.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_FUZZ_CHECK_H
#define BAYESMAT_FUZZ_CHECK_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_input.h"

#define FZ_REQUIRE(cond)                                                                                             \
  do {                                                                                                               \
    if (!(cond)) __builtin_trap();                                                                                   \
  } while (0)

static inline void fz_status(int s) { FZ_REQUIRE(s >= 0 && s < BM_NSTATUS); }

/* The log-density contract: status known; success => not NaN; failure =>
 * NaN, or -inf with BM_EDOM. */
static inline void fz_lp(int s, double lp)
{
  fz_status(s);
  if (s == BM_SUCCESS)
    FZ_REQUIRE(!isnan(lp));
  else
    FZ_REQUIRE(isnan(lp) || (s == BM_EDOM && lp == -INFINITY));
}

static inline int fz_all_nan_m(const gsl_matrix *A)
{
  if (!A) return 1;
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++)
      if (!isnan(A->data[i * A->tda + j])) return 0;
  return 1;
}
static inline int fz_all_nan_v(const gsl_vector *v)
{
  if (!v) return 1;
  for (size_t i = 0; i < v->size; i++)
    if (!isnan(v->data[i * v->stride])) return 0;
  return 1;
}
/* A failed call must leave NaN in every (correctly shaped) output it was given. */
static inline void fz_out_m(int s, const gsl_matrix *A)
{
  fz_status(s);
  if (s != BM_SUCCESS) FZ_REQUIRE(fz_all_nan_m(A));
}
static inline void fz_out_v(int s, const gsl_vector *v)
{
  fz_status(s);
  if (s != BM_SUCCESS) FZ_REQUIRE(fz_all_nan_v(v));
}
static inline void fz_out_d(int s, const double *x)
{
  fz_status(s);
  if (s != BM_SUCCESS && x) FZ_REQUIRE(isnan(*x) || (s == BM_EDOM && *x == -INFINITY));
}

/* An r x c operand: sometimes a fresh matrix, sometimes a view into a wider
 * one (tda > c). Free with fz_matrix_free. */
typedef struct {
  gsl_matrix *owner;
  gsl_matrix_view view;
} fz_mat;

static inline gsl_matrix *fz_mat_new(fz_in *in, fz_mat *m, size_t r, size_t c)
{
  size_t pad = fz_byte(in) % 3;
  m->owner = bm_matrix_alloc(r, c + pad);
  if (!m->owner) abort();
  for (size_t i = 0; i < r * (c + pad); i++) m->owner->data[i] = NAN; /* padding must never be read */
  m->view = gsl_matrix_submatrix(m->owner, 0, 0, r, c);
  fz_matrix(in, &m->view.matrix);
  return &m->view.matrix;
}
static inline void fz_mat_free(fz_mat *m) { bm_matrix_free(m->owner); }

/* Occasionally a wrong size (to hit BM_EBADLEN) or nothing at all (NULL). */
static inline size_t fz_maybe_wrong(fz_in *in, size_t n)
{
  uint8_t b = fz_byte(in);
  if (b == 255) return n + 1;
  if (b == 254 && n > 1) return n - 1;
  return n;
}
/* A (probably) non-degenerate RNG for samplers. */
static inline gsl_rng *fz_rng(fz_in *in)
{
  static gsl_rng *r; /* the harness is single threaded */
  if (!r) r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, fz_byte(in) + 256ul * fz_byte(in));
  return r;
}

#endif
