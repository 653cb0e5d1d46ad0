/* Internal to bayesmat_mpi: chunked in-place sum over ranks of a list of
 * caller outputs (scalars, vectors, matrices) plus a status slot, in
 * 64 KiB stack chunks (no allocation, so no rank can leave the collective
 * early). Every rank must pass segments of the same expected lengths.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MPI_REDUCE_H
#define BAYESMAT_MPI_REDUCE_H
#include <stddef.h>
#include <mpi.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

typedef struct {
  double *x;       /* a scalar output, or NULL */
  gsl_vector *v;   /* a vector output, or NULL */
  gsl_matrix *A;   /* a matrix output, or NULL */
  size_t rows, cols; /* expected shape (a scalar: 1 x 1); 0 x 0: absent on every rank */
} bm_mpi_seg;

/* Sum the segments over ranks in place; agree on the status (the largest
 * failing code among ranks; every output NaN then). A segment whose output
 * is NULL or has the wrong shape on this rank contributes 0 and is not
 * written. Returns the agreed status (BM_EINVAL when MPI fails). */
int bm_mpi_reduce_segments(MPI_Comm comm, int local_status, bm_mpi_seg *seg, size_t nseg);
#endif
