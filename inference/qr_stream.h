/* Internal: the triangular summary of many rows without holding them all.
 * Used by the conjugate models' stats_compute (niw.c, blr.c, mniw.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_QR_STREAM_H
#define BAYESMAT_QR_STREAM_H

#include <stdlib.h>
#include <string.h>
#include "conjugate_internal.h"

/* Writes row i (c doubles) of the rows being summarized. */
typedef void cj_row_fn(const void *ctx, size_t i, double *row);

/* R (c x c upper, non-negative diagonal) with R^T R = A^T A for the n x c
 * matrix A whose rows row(ctx, i, .) gives, streamed in blocks of B rows: each
 * block is stacked under the current factor and re-triangularized by
 * cj_qr_upper. Its row-sequential rotations copy the stacked factor back
 * exactly (its diagonal is non-negative) and then rotate the block's rows in,
 * so the result is, bit for bit, the one factorization of all the rows gives, without
 * holding them: B = max(c, 8192 / c), scratch (c + B) c doubles whatever n.
 * @return BM_SUCCESS; BM_ENOMEM; BM_ENONFINITE (as cj_qr_upper). R is written
 * only on success. */
static inline int cj_qr_rows(size_t n, size_t c, cj_row_fn *row, const void *ctx, gsl_matrix *R)
{
  size_t B = 8192 / c;
  if (B < c) B = c;
  if (B > n) B = n;
  double *W = malloc((c + B) * c * sizeof(double));
  gsl_matrix *T = bm_matrix_calloc(c, c);
  int st = W && T ? BM_SUCCESS : BM_ENOMEM;
  for (size_t i0 = 0; i0 < n && st == BM_SUCCESS; i0 += B) {
    size_t nb = n - i0 < B ? n - i0 : B, top = i0 == 0 ? 0 : c;
    for (size_t i = 0; i < top; i++) /* the factor so far, then the block */
      for (size_t j = 0; j < c; j++) W[i * c + j] = j >= i ? gsl_matrix_get(T, i, j) : 0.0;
    for (size_t i = 0; i < nb; i++) row(ctx, i0 + i, W + (top + i) * c);
    st = cj_qr_upper(W, top + nb, c, c, T);
  }
  if (st == BM_SUCCESS) gsl_matrix_memcpy(R, T);
  free(W);
  if (T) bm_matrix_free(T);
  return st;
}

#endif
