/* Turning fuzzer bytes into bayesmat inputs: dimensions up to 12, doubles
 * from a palette of hostile values (NaN, ±Inf, denormals, huge, tiny, zero,
 * negative) or raw bit patterns, and matrices that are SPD, asymmetric,
 * indefinite or garbage. Header-only; used by every harness.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_FUZZ_INPUT_H
#define BAYESMAT_FUZZ_INPUT_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "bayesmat.h"

typedef struct {
  const uint8_t *d;
  size_t n, pos;
} fz_in;

static inline uint8_t fz_byte(fz_in *in) { return in->pos < in->n ? in->d[in->pos++] : 0; }

/* 1..max */
static inline size_t fz_dim(fz_in *in, size_t max) { return 1 + (size_t)fz_byte(in) % max; }

static inline double fz_double(fz_in *in)
{
  static const double palette[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-300, 4.9e-324, 2.2e-308, 1e300, -1e300,
                                   1e150, 1e-150, DBL_MAX, -DBL_MAX, DBL_EPSILON, 3.0, 10.0, 1e8, -1e-8};
  uint8_t k = fz_byte(in);
  if (k < 64) return (double)((int)k - 32) / 8.0; /* ordinary small values */
  if (k < 64 + 20) return palette[k - 64];
  if (k == 200) return NAN;
  if (k == 201) return INFINITY;
  if (k == 202) return -INFINITY;
  if (k > 240) { /* raw bits */
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = (u << 8) | fz_byte(in);
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
  }
  return (double)k / 16.0 - 6.0;
}

/* A positive scalar parameter around `base` (may still be hostile). */
static inline double fz_param(fz_in *in, double base)
{
  uint8_t k = fz_byte(in);
  if (k < 128) return base + (double)k / 8.0;
  if (k < 160) return base + pow(10.0, (double)(k - 128) / 4.0 - 4.0);
  return fz_double(in);
}

/* Fill A (r x c) in one of several modes. For square A, mode 0 gives a
 * well-formed SPD matrix. */
static inline void fz_matrix(fz_in *in, gsl_matrix *A)
{
  size_t r = A->size1, c = A->size2;
  uint8_t mode = fz_byte(in) % 6;
  for (size_t i = 0; i < r; i++)
    for (size_t j = 0; j < c; j++) gsl_matrix_set(A, i, j, fz_double(in));
  if (r == c && (mode == 0 || mode == 1 || mode == 2)) {
    /* symmetric: mode 0 SPD (B B^T + I), 1 symmetric as given, 2 scaled SPD */
    for (size_t i = 0; i < r; i++)
      for (size_t j = 0; j < i; j++) gsl_matrix_set(A, j, i, gsl_matrix_get(A, i, j));
    if (mode != 1) {
      double scale = mode == 2 ? pow(10.0, (double)(fz_byte(in) % 61) - 30.0) : 1.0;
      for (size_t i = 0; i < r; i++) {
        double s = 1.0;
        for (size_t j = 0; j < c; j++) {
          double a = gsl_matrix_get(A, i, j);
          if (isfinite(a)) s += fabs(a);
        }
        double aii = gsl_matrix_get(A, i, i);
        gsl_matrix_set(A, i, i, isfinite(aii) ? s + fabs(aii) : aii);
      }
      for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) gsl_matrix_set(A, i, j, scale * gsl_matrix_get(A, i, j));
    }
  }
}

static inline void fz_vector(fz_in *in, gsl_vector *v)
{
  for (size_t i = 0; i < v->size; i++) gsl_vector_set(v, i, fz_double(in));
}

#endif
