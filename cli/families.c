/* The CLI's families: everything comes from the descriptors of
 * bayesmat/family.h. A parameter file names each block of theta ("nu",
 * "mu", "Sigma", ...); they are read in the order _set takes them (scalars
 * first, then the matrices in theta's order), so that the first problem
 * reported is the one _set would meet first, packed into theta and handed
 * to bm_dist_set_theta.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <string.h>
#include "bayesmat.h"
#include "families.h"

const bm_family_type *cli_family_find(const char *name) { return bm_family_find(name); }

const char *cli_family_names(void)
{
  static char names[256];
  if (!names[0]) {
    size_t at = 0;
    for (const bm_family_type *const *T = bm_family_list(); *T && at < sizeof names; T++)
      at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "", (*T)->name);
  }
  return names;
}

/* The letter of a block dimension in the docs: n for a matrix variate's rows, else p. */
static const char *dim_letter(const bm_family_type *T, bm_block_dim dim)
{
  return dim == BM_DIM_ROWS && T->variate == BM_VARIATE_MATRIX ? "n" : "p";
}

void cli_family_params_doc(const bm_family_type *T, char *buf, size_t len)
{
  size_t at = 0;
  buf[0] = '\0';
  for (int scalars = 1; scalars >= 0; scalars--)
    for (size_t b = 0; b < T->nblocks && at < len; b++) {
      const bm_theta_block *B = &T->blocks[b];
      if ((B->kind == BM_BLOCK_SCALAR) != scalars) continue;
      const char *sep = at ? ", " : "";
      if (B->kind == BM_BLOCK_SCALAR)
        at += (size_t)snprintf(buf + at, len - at, "%s%s (scalar)", sep, B->name);
      else if (B->rows == BM_DIM_ONE)
        at += (size_t)snprintf(buf + at, len - at, "%s%s (vector of length p)", sep, B->name);
      else
        at += (size_t)snprintf(buf + at, len - at, "%s%s (%s x %s%s)", sep, B->name, dim_letter(T, B->rows),
                               dim_letter(T, B->cols), B->kind == BM_BLOCK_VECH ? " SPD" : "");
    }
}

/* A known dimension of the variate, or 0 while not yet read. */
static size_t known(bm_block_dim dim, size_t rows, size_t cols)
{
  return dim == BM_DIM_ROWS ? rows : dim == BM_DIM_COLS ? cols : 1;
}

/* Record a dimension learnt from an entry (an SPD variate is square). */
static void learn(const bm_family_type *T, bm_block_dim dim, size_t value, size_t *rows, size_t *cols)
{
  if (dim == BM_DIM_ROWS || T->variate == BM_VARIATE_SPD) *rows = value;
  if (dim == BM_DIM_COLS || T->variate == BM_VARIATE_SPD) *cols = value;
}

/* Read block B as a matrix (a vector block as a 1 x p row), learning the
 * variate's dimensions from it. 0, or -1 with a message in err. */
static int read_block(const bm_family_type *T, const bm_theta_block *B, const cli_params *p, size_t *rows,
                      size_t *cols, gsl_matrix **A, char *err)
{
  size_t r = known(B->rows, *rows, *cols), c = known(B->cols, *rows, *cols);
  if (B->rows == BM_DIM_ONE) { /* a vector: one row or one column of the file */
    gsl_vector *v = NULL;
    if (cli_get_vector(p, B->name, c, &v, err)) return -1;
    learn(T, B->cols, v->size, rows, cols);
    *A = bm_matrix_alloc(1, v->size);
    if (*A) gsl_matrix_set_row(*A, 0, v);
    bm_vector_free(v);
    return *A ? 0 : -1;
  }
  if (cli_get_matrix(p, B->name, r, c, A, err)) return -1;
  if (B->kind == BM_BLOCK_VECH && (*A)->size1 != (*A)->size2) {
    snprintf(err, CLI_ERRLEN, "%s: %s must be square", p->path, B->name);
    bm_matrix_free(*A);
    *A = NULL;
    return -1;
  }
  if (!r) learn(T, B->rows, (*A)->size1, rows, cols);
  if (!c) learn(T, B->cols, (*A)->size2, rows, cols);
  return 0;
}

/* Report a failed _set (or alloc) of family T; returns NULL. */
static bm_dist *set_failed(const cli_params *p, const bm_family_type *T, int status, int *out, char *err)
{
  *out = status;
  snprintf(err, CLI_ERRLEN, "%s: %s parameters: %s", p->path, T->name, bm_strerror(status));
  return NULL;
}

#define CLI_MAX_BLOCKS 8

bm_dist *cli_family_make(const bm_family_type *T, const cli_params *p, int *status, char *err)
{
  gsl_matrix *A[CLI_MAX_BLOCKS] = {NULL};
  double scalar[CLI_MAX_BLOCKS] = {0};
  size_t rows = 0, cols = 0;
  bm_dist *d = NULL;
  gsl_vector *theta = NULL;
  *status = -1;
  if (T->nblocks > CLI_MAX_BLOCKS) {
    snprintf(err, CLI_ERRLEN, "%s: family %s has too many parameter blocks", p->path, T->name);
    return NULL;
  }
  if (T->variate == BM_VARIATE_VECTOR) rows = 1;
  for (int scalars = 1; scalars >= 0; scalars--) /* _set's order: scalars first */
    for (size_t b = 0; b < T->nblocks; b++) {
      const bm_theta_block *B = &T->blocks[b];
      if ((B->kind == BM_BLOCK_SCALAR) != scalars) continue;
      if (scalars ? cli_get_scalar(p, B->name, &scalar[b], err) : read_block(T, B, p, &rows, &cols, &A[b], err))
        goto done;
    }
  /* a symmetric block is given in full: refuse an asymmetric one as _set would */
  for (size_t b = 0; b < T->nblocks; b++) {
    int st = T->blocks[b].kind == BM_BLOCK_VECH ? bm_validate_symmetric(A[b], A[b]->size1) : BM_SUCCESS;
    if (st) {
      set_failed(p, T, st, status, err);
      goto done;
    }
  }
  d = bm_dist_alloc(T, rows, cols);
  theta = d ? bm_vector_alloc(bm_dist_nparams(d)) : NULL;
  if (theta == NULL) {
    set_failed(p, T, BM_ENOMEM, status, err);
    goto done;
  }
  size_t at = 0;
  for (size_t b = 0; b < T->nblocks; b++) {
    const bm_theta_block *B = &T->blocks[b];
    size_t len = bm_theta_block_len(B, rows, cols);
    gsl_vector_view v = gsl_vector_subvector(theta, at, len);
    if (B->kind == BM_BLOCK_SCALAR) gsl_vector_set(theta, at, scalar[b]);
    else if (B->kind == BM_BLOCK_VECH) bm_vech(A[b], &v.vector);
    else bm_vec(A[b], &v.vector);
    at += len;
  }
  int st = bm_dist_set_theta(d, theta);
  if (st) set_failed(p, T, st, status, err);
  else *status = 0;
done:
  for (size_t b = 0; b < CLI_MAX_BLOCKS; b++) bm_matrix_free(A[b]);
  bm_vector_free(theta);
  if (*status) {
    bm_dist_free(d);
    d = NULL;
  }
  return d;
}
