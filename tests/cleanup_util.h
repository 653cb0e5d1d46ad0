/* Freeing a test's workspace in one call: free_matrices(A, B, ...) and
 * free_vectors(a, b, ...) free each argument (NULL ones included: GSL's free
 * functions accept NULL). Shared by the cmocka tests and the MPI tests.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CLEANUP_UTIL_H
#define BAYESMAT_CLEANUP_UTIL_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

static inline void free_matrix_list(gsl_matrix *const *A, size_t n)
{
  for (size_t i = 0; i < n; i++) gsl_matrix_free(A[i]);
}

static inline void free_vector_list(gsl_vector *const *v, size_t n)
{
  for (size_t i = 0; i < n; i++) gsl_vector_free(v[i]);
}

#define free_matrices(...) \
  free_matrix_list((gsl_matrix *[]){__VA_ARGS__}, sizeof((gsl_matrix *[]){__VA_ARGS__}) / sizeof(gsl_matrix *))
#define free_vectors(...) \
  free_vector_list((gsl_vector *[]){__VA_ARGS__}, sizeof((gsl_vector *[]){__VA_ARGS__}) / sizeof(gsl_vector *))

#endif
