/* GSL-compatible allocation without GSL's error handler (bayesmat/alloc.h).
 * The objects are laid out exactly as gsl_*_alloc lays them out (a block that
 * owns the data, owner = 1), so gsl_*_free releases them.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bayesmat/alloc.h"
#include "internal.h"

static gsl_block *block_alloc(size_t n, int zero)
{
  gsl_block *b = malloc(sizeof *b);
  if (!b) return NULL;
  b->size = n;
  b->data = NULL;
  if (n > 0) {
    b->data = zero ? calloc(n, sizeof(double)) : malloc(n * sizeof(double));
    if (!b->data) {
      free(b);
      return NULL;
    }
  }
  return b;
}

static gsl_matrix *matrix_alloc(size_t n1, size_t n2, int zero)
{
  if (n2 != 0 && n1 > SIZE_MAX / sizeof(double) / n2) return NULL;
  gsl_matrix *A = malloc(sizeof *A);
  if (!A) return NULL;
  gsl_block *b = block_alloc(n1 * n2, zero);
  if (!b) {
    free(A);
    return NULL;
  }
  A->size1 = n1;
  A->size2 = n2;
  A->tda = n2;
  A->data = b->data;
  A->block = b;
  A->owner = 1;
  return A;
}

static gsl_vector *vector_alloc(size_t n, int zero)
{
  if (n > SIZE_MAX / sizeof(double)) return NULL;
  gsl_vector *v = malloc(sizeof *v);
  if (!v) return NULL;
  gsl_block *b = block_alloc(n, zero);
  if (!b) {
    free(v);
    return NULL;
  }
  v->size = n;
  v->stride = 1;
  v->data = b->data;
  v->block = b;
  v->owner = 1;
  return v;
}

gsl_matrix *bm_matrix_alloc(size_t n1, size_t n2) { return matrix_alloc(n1, n2, 0); }
gsl_matrix *bm_matrix_calloc(size_t n1, size_t n2) { return matrix_alloc(n1, n2, 1); }
gsl_vector *bm_vector_alloc(size_t n) { return vector_alloc(n, 0); }
gsl_vector *bm_vector_calloc(size_t n) { return vector_alloc(n, 1); }

/* Free a matrix or vector header and, when it owns it, its block. */
static void release(void *header, int owner, gsl_block *block)
{
  if (owner && block) {
    free(block->data);
    free(block);
  }
  free(header);
}

void bm_matrix_free(gsl_matrix *A)
{
  if (A) release(A, A->owner, A->block);
}

void bm_vector_free(gsl_vector *v)
{
  if (v) release(v, v->owner, v->block);
}

int bm_matrices_calloc(size_t k, gsl_matrix **const m[], const size_t dims[][2])
{
  int failed = 0;
  for (size_t i = 0; i < k; i++) failed |= (*m[i] = bm_matrix_calloc(dims[i][0], dims[i][1])) == NULL;
  if (failed) bm_matrices_free(k, m);
  return failed;
}

int bm_square_matrices_calloc(size_t k, gsl_matrix **const m[], size_t p)
{
  int failed = 0;
  for (size_t i = 0; i < k; i++) failed |= (*m[i] = bm_matrix_calloc(p, p)) == NULL;
  if (failed) bm_matrices_free(k, m);
  return failed;
}

void bm_matrices_free(size_t k, gsl_matrix **const m[])
{
  for (size_t i = 0; i < k; i++) {
    bm_matrix_free(*m[i]);
    *m[i] = NULL;
  }
}
