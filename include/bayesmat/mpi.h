/* bayesmat — distributed evaluation over MPI (optional library bayesmat_mpi).
 *
 * Not included by <bayesmat.h>: include <bayesmat/mpi.h> and link
 * bayesmat::bayesmat_mpi (built when Open MPI is found, Debian libopenmpi-dev).
 *
 * Model: the observations are row-partitioned over the ranks of a
 * communicator; every rank holds the same parameters. Each collective below is
 * called by every rank of the communicator and returns the same result on
 * all of them. A step costs one MPI_Allreduce of the partial sums (O(p^2)
 * doubles for a gradient w.r.t. a p x p matrix), plus one small MPI_Allreduce
 * of the status only when some rank failed. See docs/scaling.md.
 *
 * Reproducibility: for a fixed number of ranks and seed the results are
 * bit-identical from run to run (MPI_Allreduce with a fixed communicator size
 * and the same inputs; Open MPI's reduction order does not change between
 * runs). Across rank counts results agree up to rounding (sums are
 * re-associated), or up to Monte Carlo error for the Monte Carlo functions,
 * whose per-rank random streams depend on the rank.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MPI_H
#define BAYESMAT_MPI_H

#include <stddef.h>
#include <mpi.h>
#include <gsl/gsl_rng.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Local part of a distributed log-likelihood: the log-likelihood of the rows
 * this rank holds, and its gradient w.r.t. the parameters flattened in any
 * fixed order (length grad_len; grad may be NULL when not wanted).
 * @return BM_SUCCESS or a bayesmat status.
 */
typedef int (*bm_mpi_local_fn)(void *params, double *ll, double *grad);

/**
 * Sum over ranks of a local log-likelihood and gradient, in one MPI_Allreduce.
 * @param comm      the communicator (every rank calls)
 * @param local     this rank's evaluation; called once
 * @param grad_len  length of the gradient (0: value only)
 * @param ll        out: the total log-likelihood (all ranks)
 * @param grad      out, length grad_len, may be NULL when grad_len = 0
 * @return BM_SUCCESS; BM_EINVAL (NULL local/ll, grad NULL with grad_len > 0);
 *         BM_ENOMEM; if any rank's local evaluation fails, every rank returns
 *         the largest status code among the failing ranks, with ll and grad
 *         NaN; BM_EINVAL when an MPI call fails.
 */
int bm_mpi_loglik_grad(MPI_Comm comm, bm_mpi_local_fn local, void *params, size_t grad_len, double *ll,
                       double *grad);

/**
 * In-place sum of buf[0..n) over ranks (one MPI_Allreduce): the merge of
 * additive sufficient statistics.
 * @return BM_SUCCESS; BM_EINVAL (NULL buf with n > 0, or MPI failure).
 */
int bm_mpi_allreduce_sum(MPI_Comm comm, double *buf, size_t n);

/**
 * A random generator for this rank whose stream is independent of every other
 * rank's: mt19937 seeded with a 64-bit mix of (seed, rank). Free with
 * gsl_rng_free.
 * @return the generator; NULL when out of memory or MPI fails.
 */
gsl_rng *bm_mpi_rng_alloc(MPI_Comm comm, unsigned long seed);

/**
 * The share of n items owned by this rank: [*first, *first + *count), the
 * first n % size ranks holding one more. Sets both to 0 on MPI failure.
 */
void bm_mpi_partition(MPI_Comm comm, size_t n, size_t *first, size_t *count);

#ifdef __cplusplus
}
#endif
#endif
