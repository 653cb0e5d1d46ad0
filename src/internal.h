/* Internal (not installed): small helpers shared by the source files of every
 * layer (src/, distributions/, inference/ all see this folder).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_INTERNAL_H
#define BAYESMAT_INTERNAL_H

#include <math.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

/* Element (i, j) of a gsl_matrix and element k of a gsl_vector, as lvalues and
 * without gsl_matrix_get's range check, for loops whose bounds are the sizes. */
#define MGET(A, i, j) ((A)->data[(i) * (A)->tda + (j)])
#define VGET(v, k) ((v)->data[(k) * (v)->stride])

/* Every element NaN (A or v may be NULL): what an output holds after a failure. */
static inline void bm_nan_matrix(gsl_matrix *A)
{
  if (A) gsl_matrix_set_all(A, NAN);
}

static inline void bm_nan_vector(gsl_vector *v)
{
  if (v) gsl_vector_set_all(v, NAN);
}

/* A family's matrices in one call: *m[i] <- a zero-filled dims[i][0] x
 * dims[i][1] matrix (bm_matrix_calloc). 0 on success; nonzero when out of
 * memory, with every *m[i] then freed and NULL. */
int bm_matrices_calloc(size_t k, gsl_matrix **const m[], const size_t dims[][2]);
/* The same for k matrices of one shape p x p. */
int bm_square_matrices_calloc(size_t k, gsl_matrix **const m[], size_t p);
/* bm_matrix_free each *m[i] (NULL is fine) and set it to NULL. */
void bm_matrices_free(size_t k, gsl_matrix **const m[]);

#endif
