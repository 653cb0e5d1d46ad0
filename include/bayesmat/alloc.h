/* bayesmat — GSL-compatible allocation that never calls GSL's error handler.
 *
 * gsl_matrix_alloc and gsl_vector_alloc report an allocation failure (and a
 * zero size) through GSL's error handler, which aborts by default. The
 * library therefore allocates through these instead: they return NULL on
 * failure, accept zero sizes, and produce ordinary gsl_matrix / gsl_vector
 * objects that gsl_matrix_free / gsl_vector_free release (as do the bm_
 * versions below). Callers may use them too.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_ALLOC_H
#define BAYESMAT_ALLOC_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** An n1 x n2 matrix (uninitialized); NULL when out of memory. Sizes may be 0. */
gsl_matrix *bm_matrix_alloc(size_t n1, size_t n2);
/** As bm_matrix_alloc, zero-filled. */
gsl_matrix *bm_matrix_calloc(size_t n1, size_t n2);
/** A vector of length n (uninitialized); NULL when out of memory. n may be 0. */
gsl_vector *bm_vector_alloc(size_t n);
/** As bm_vector_alloc, zero-filled. */
gsl_vector *bm_vector_calloc(size_t n);
/** Free (NULL is fine); same as gsl_matrix_free. */
void bm_matrix_free(gsl_matrix *A);
/** Free (NULL is fine); same as gsl_vector_free. */
void bm_vector_free(gsl_vector *v);

BM_END_DECLS
#endif
