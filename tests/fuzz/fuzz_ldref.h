/* The long double reference of the differential harnesses (fuzz_kernels.c,
 * fuzz_grads.c): a textbook Cholesky, substitutions, the inverse from the
 * inverse factor, and digamma, with nothing shared with the library.
 * Matrices are p x p row-major arrays of long double. Header-only.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_FUZZ_LDREF_H
#define BAYESMAT_FUZZ_LDREF_H

#include <math.h>
#include <stddef.h>

typedef long double ld;

/* the reference's loops run uninstrumented: coverage of the harness's own
 * arithmetic guides nothing, and its comparisons took half the run time */
#if defined(__clang__)
#define LD_NOCOV __attribute__((no_sanitize("coverage")))
#else
#define LD_NOCOV
#endif

/* A = L L^T; 0 when not positive definite */
LD_NOCOV static inline int ld_chol(size_t p, const ld *A, ld *L)
{
  for (size_t i = 0; i < p * p; i++) L[i] = 0;
  for (size_t j = 0; j < p; j++) {
    ld s = A[j * p + j];
    for (size_t k = 0; k < j; k++) s -= L[j * p + k] * L[j * p + k];
    if (!(s > 0) || !isfinite(s)) return 0;
    L[j * p + j] = sqrtl(s);
    for (size_t i = j + 1; i < p; i++) {
      ld t = A[i * p + j];
      for (size_t k = 0; k < j; k++) t -= L[i * p + k] * L[j * p + k];
      L[i * p + j] = t / L[j * p + j];
    }
  }
  return 1;
}

/* solve L z = r in place */
LD_NOCOV static inline void ld_fwd(size_t p, const ld *L, ld *z)
{
  for (size_t i = 0; i < p; i++) {
    ld s = z[i];
    for (size_t k = 0; k < i; k++) s -= L[i * p + k] * z[k];
    z[i] = s / L[i * p + i];
  }
}

/* solve L^T z = r in place */
LD_NOCOV static inline void ld_bwd(size_t p, const ld *L, ld *z)
{
  for (size_t i = p; i-- > 0;) {
    ld s = z[i];
    for (size_t k = i + 1; k < p; k++) s -= L[k * p + i] * z[k];
    z[i] = s / L[i * p + i];
  }
}

/* Li = L^-1 (lower), column by column as ld_fwd on the unit vectors */
LD_NOCOV static inline void ld_inv_lower(size_t p, const ld *L, ld *Li)
{
  for (size_t i = 0; i < p * p; i++) Li[i] = 0;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++) {
      ld s = i == j;
      for (size_t k = j; k < i; k++) s -= L[i * p + k] * Li[k * p + j];
      Li[i * p + j] = s / L[i * p + i];
    }
}

LD_NOCOV static inline ld ld_frob2(size_t p, const ld *A)
{
  ld s = 0;
  for (size_t i = 0; i < p * p; i++) s += A[i] * A[i];
  return s;
}

/* A^-1 = Li^T Li */
LD_NOCOV static inline void ld_inverse(size_t p, const ld *Li, ld *Ai)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      ld s = 0;
      for (size_t k = (i > j ? i : j); k < p; k++) s += Li[k * p + i] * Li[k * p + j];
      Ai[i * p + j] = s;
    }
}

LD_NOCOV static inline ld ld_digamma(ld x)
{
  ld r = 0;
  while (x < 20) {
    r -= 1 / x;
    x += 1;
  }
  ld f = 1 / (x * x);
  return r + logl(x) - 0.5L / x -
         f * (1.0L / 12 - f * (1.0L / 120 - f * (1.0L / 252 - f * (1.0L / 240 - f * (1.0L / 132)))));
}

/* C = A B (p x p) */
LD_NOCOV static inline void ld_matmul(size_t p, const ld *A, const ld *B, ld *C)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      ld t = 0;
      for (size_t k = 0; k < p; k++) t += A[i * p + k] * B[k * p + j];
      C[i * p + j] = t;
    }
}

#define LD_PI 3.14159265358979323846264338327950288L

#endif
