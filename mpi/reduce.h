/* Internal to bayesmat_mpi: how every collective entry point fails together.
 *
 * Each entry point validates its arguments and does its local work first
 * (touching only this rank's outputs), then calls bm_mpi_agree: ONE small
 * MPI_Allreduce of fixed length that tells every rank (a) the status of the
 * lowest-numbered rank that failed, and (b) whether every rank passed the same
 * signature: the dimensions, shapes and optional-output choices that decide
 * the length of the messages that follow. Only when it returns BM_SUCCESS do
 * the ranks exchange data, so a bad argument on one rank can neither hang the
 * job (a rank leaving early) nor abort it (messages of different lengths).
 *
 * The verdict (status, failing rank) is kept per thread for
 * bm_mpi_last_failure; it is also the place where an error message from the
 * failing rank can be attached (a broadcast from verdict.rank, only on the
 * failure path).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MPI_REDUCE_H
#define BAYESMAT_MPI_REDUCE_H
#include <stddef.h>
#include <mpi.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

/* One entry of a signature: a value every rank must pass identically, and the
 * status every rank returns when they differ (BM_EBADLEN for a dimension,
 * BM_EINVAL for an output given on some ranks and NULL on others). Values are
 * compared exactly as 64-bit integers. */
typedef struct {
  long long v;
  int mismatch;
} bm_mpi_sig;

#define BM_MPI_MAXSIG 16

/* The collective verdict. rank: the lowest failing rank; for a signature
 * mismatch, the lowest rank whose signature differs from rank 0's; -1 on
 * success or when MPI itself failed. */
typedef struct {
  int status, rank;
} bm_mpi_verdict;

/* Agree on local_status (non-zero: this rank failed) and on sig[0..nsig)
 * (nsig <= BM_MPI_MAXSIG, the same on every rank). Returns the agreed status,
 * identical on every rank: the status of the lowest failing rank; else the
 * mismatch status of the first differing signature entry; else BM_SUCCESS.
 * BM_EINVAL when an MPI call fails. One MPI_Allreduce of 1 + 2 nsig 64-bit
 * integers; on a signature mismatch only, one MPI_Bcast and one more
 * MPI_Allreduce to name the differing rank. Allocates nothing. */
/* On failure every rank also gets the same bm_last_error() message: the
 * failing rank's own message (one MPI_Bcast of BM_MPI_MSG_LEN chars from it,
 * on the failure path only), prefixed "rank R: " and, unless it already
 * starts with it, the entry point's name fn (the macro passes __func__). A
 * failing rank without a message of its own contributes bm_strerror(status).
 * A signature mismatch gets a message composed identically on every rank. */
#define BM_MPI_MSG_LEN 256
#define bm_mpi_agree(...) bm_mpi_agree_fn(__func__, __VA_ARGS__)
int bm_mpi_agree_fn(const char *fn, MPI_Comm comm, int local_status, const bm_mpi_sig *sig, size_t nsig);

/* Record "fn: <printf(fmt, ...)>" as this rank's message (bm_set_error) and
 * return status: a local failure of an entry point, before the agreement
 * shares it. */
int bm_mpi_fail(int status, const char *fn, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Record a verdict reached otherwise (an MPI failure after agreement). */
void bm_mpi_note(int status, int rank);

typedef struct {
  double *x;       /* a contiguous output of rows * cols doubles, or NULL */
  gsl_vector *v;   /* a vector output, or NULL */
  gsl_matrix *A;   /* a matrix output, or NULL */
  size_t rows, cols; /* expected shape (a scalar: 1 x 1); 0 x 0: absent */
} bm_mpi_seg;

/* Agree (bm_mpi_agree on local_status and sig, extended with the segment
 * shapes), then, only on agreement, sum the segments over ranks in place, in
 * 64 KiB stack chunks. On failure every present output is NaN. Returns the
 * agreed status (BM_EINVAL when MPI fails). */
#define bm_mpi_reduce_segments(...) bm_mpi_reduce_segments_fn(__func__, __VA_ARGS__)
int bm_mpi_reduce_segments_fn(const char *fn, MPI_Comm comm, int local_status, const bm_mpi_sig *sig, size_t nsig,
                              bm_mpi_seg *seg, size_t nseg);
#endif
