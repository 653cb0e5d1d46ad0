/* Freeing a test's workspace in one call: each argument up to the first
 * NULL, which ends the list. Shared by the cmocka tests and the MPI tests.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CLEANUP_UTIL_H
#define BAYESMAT_CLEANUP_UTIL_H

#include <stdarg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

static inline void free_matrices(gsl_matrix *A, ...)
{
  va_list ap;
  va_start(ap, A);
  for (; A != NULL; A = va_arg(ap, gsl_matrix *)) gsl_matrix_free(A);
  va_end(ap);
}

static inline void free_vectors(gsl_vector *v, ...)
{
  va_list ap;
  va_start(ap, v);
  for (; v != NULL; v = va_arg(ap, gsl_vector *)) gsl_vector_free(v);
  va_end(ap);
}

#endif
