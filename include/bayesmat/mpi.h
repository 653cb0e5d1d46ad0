/* bayesmat — distributed evaluation over MPI (optional library bayesmat_mpi).
 *
 * Not included by <bayesmat.h>: include <bayesmat/mpi.h> and link
 * bayesmat::bayesmat_mpi (built when Open MPI is found, Debian libopenmpi-dev).
 *
 * Model: the observations are row-partitioned over the ranks of a
 * communicator; every rank holds the same parameters. Each collective below is
 * called by every rank of the communicator and returns the same result on
 * all of them.
 *
 * Failing together: a collective first validates its arguments and does its
 * local work (which touches only this rank's outputs), then agrees, in one
 * small fixed-length MPI_Allreduce, on (a) whether any rank failed and (b)
 * whether every rank passed the same dimensions, shapes and choice of
 * optional outputs (the things that decide the length of the messages that
 * follow). Only when every rank is good do the ranks exchange data; otherwise
 * every rank returns the same status, that of the LOWEST-NUMBERED failing
 * rank, with its outputs NaN (or, for statistics and models, unchanged). A
 * bad argument on one rank (NULL, an unset object, another dimension, a
 * transposed shape, NaN data) therefore never hangs, aborts or splits the
 * job. An argument that differs between ranks although valid on each gives
 * BM_EBADLEN (a dimension or shape) or BM_EINVAL (an output passed on some
 * ranks and NULL on others, or another seed, count or model).
 * bm_mpi_last_failure tells which rank failed. A step costs the agreement
 * (one Allreduce of at most 33 64-bit integers) plus one MPI_Allreduce of the
 * partial sums (O(p^2) doubles for a gradient w.r.t. a p x p matrix). See
 * docs/scaling.md. MPI failures (only seen with an error handler that
 * returns) give BM_EINVAL.
 *
 * Messages: on failure every rank's bm_last_error() holds the failing rank's
 * message, prefixed with that rank's number. Unlike the rest of the library,
 * the collectives here empty the calling thread's message when they start
 * (even when they then succeed), so that a failure without a message of its
 * own can never hand an older, unrelated message to every rank.
 *
 * Reproducibility: for a fixed number of ranks and seed the results are
 * bit-identical from run to run (MPI_Allreduce with a fixed communicator size
 * and the same inputs; Open MPI's reduction order does not change between
 * runs). Across rank counts results agree up to rounding (sums are
 * re-associated), or up to Monte Carlo error for the Monte Carlo functions,
 * whose per-rank random streams depend on the rank AND on the number of
 * ranks: runs of the same seed at different rank counts draw independent
 * streams (they are independent replications, not the same draws re-split).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MPI_H
#define BAYESMAT_MPI_H

#include <stddef.h>
#include <mpi.h>
#include <gsl/gsl_rng.h>
#include "bayesmat.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/**
 * Local part of a distributed log-likelihood: the log-likelihood of the rows
 * this rank holds, and its gradient w.r.t. the parameters flattened in any
 * fixed order (length grad_len; grad may be NULL when not wanted).
 * @return BM_SUCCESS or a bayesmat status.
 */
typedef int (*bm_mpi_local_fn)(void *params, double *ll, double *grad);

/**
 * The outcome of the last collective call of this file made by the calling
 * thread: its status, and in *rank (may be NULL) the lowest rank that failed
 * (for arguments that differ between ranks: the lowest rank whose arguments
 * differ from rank 0's; -1 after success or an MPI failure). Identical on
 * every rank. Not collective.
 */
int bm_mpi_last_failure(int *rank);

/**
 * Sum over ranks of a local log-likelihood and gradient: the agreement, then
 * one MPI_Allreduce (chunked beyond 8190 gradient entries).
 * @param comm      the communicator (every rank calls)
 * @param local     this rank's evaluation; called once (when the arguments are valid)
 * @param grad_len  length of the gradient (0: value only), the same on every rank
 * @param ll        out: the total log-likelihood (all ranks)
 * @param grad      out, length grad_len, may be NULL when grad_len = 0
 * @return on every rank: BM_SUCCESS; BM_EINVAL (NULL local/ll, grad NULL with
 *         grad_len > 0, on any rank; MPI failure); BM_EBADLEN (grad_len
 *         differs between ranks); if a rank's local evaluation fails, the
 *         status of the lowest failing rank. ll and grad NaN on failure.
 */
int bm_mpi_loglik_grad(MPI_Comm comm, bm_mpi_local_fn local, void *params, size_t grad_len, double *ll,
                       double *grad);

/**
 * In-place sum of buf[0..n) over ranks (the agreement, then one MPI_Allreduce
 * per 8192 doubles): the merge of additive sufficient statistics.
 * @return on every rank: BM_SUCCESS; BM_EINVAL (NULL buf with n > 0 on any
 *         rank, or MPI failure); BM_EBADLEN (n differs between ranks). buf is
 *         unchanged on failure.
 */
int bm_mpi_allreduce_sum(MPI_Comm comm, double *buf, size_t n);

/**
 * A random generator for this rank whose stream is independent of every other
 * rank's: mt19937 seeded with a 64-bit mix of (seed, rank, number of ranks),
 * so the same seed at another rank count gives other streams. Not collective.
 * Free with gsl_rng_free.
 * @return the generator; NULL when out of memory or MPI fails.
 */
gsl_rng *bm_mpi_rng_alloc(MPI_Comm comm, unsigned long seed);

/**
 * The share of n items owned by this rank: [*first, *first + *count), the
 * first n % size ranks holding one more. Sets both to 0 on MPI failure.
 * Not collective; first or count may be NULL (not written).
 */
void bm_mpi_partition(MPI_Comm comm, size_t n, size_t *first, size_t *count);

/* ======================================================================
 * Distributed log-likelihood + gradient of the seven families.
 *
 * Every rank holds the same parameters in d (set identically on all ranks)
 * and its own observations; the call returns on every rank the sum over ALL
 * ranks' observations, bit-identical on every rank. Local work is the
 * family's batched bm_F_loglik_grad written straight into the caller's
 * outputs; then the agreement and ONE chunked MPI_Allreduce (64 KiB stack
 * chunks: one for p <= 90) sums [ll, gradients] in place. Cost per call:
 * compute O(n_local p^2) + latency 2 alpha log P + bandwidth beta (1 + p + p^2)
 * (docs/scaling.md). The values equal the single-process bm_F_loglik_grad on
 * the stacked rows up to rounding (the sum is re-associated).
 *
 * Collective contract: every rank calls with an object of the same
 * dimensions; each gradient output is NULL on every rank or has the
 * documented shape on every rank. A rank with no observations passes
 * X_local = NULL (vector families) or m = 0 (matrix families); such a rank
 * does not evaluate its object, so an unset object there goes unnoticed
 * (it contributes nothing).
 * @return on every rank: BM_SUCCESS; or, with ll and every gradient NaN:
 *         the status of the lowest failing rank (BM_EINVAL for NULL d or ll
 *         or X_local with m > 0, BM_EBADLEN for an output or X_local of the
 *         wrong shape, and the family's own statuses: unset object, NaN data,
 *         ...); BM_EBADLEN when the dimensions differ between ranks; BM_EINVAL
 *         when an output is NULL on some ranks only, or MPI fails.
 *         Allocates what the family's batched call allocates.
 * ====================================================================== */

/** mvn: sum of log N(x_i | mu, Sigma) over all ranks' rows; dmu length p, dSigma p x p (may be NULL). */
int bm_mpi_mvn_loglik_grad(MPI_Comm comm, const bm_mvn *d, const gsl_matrix *X_local, double *ll, gsl_vector *dmu,
                           gsl_matrix *dSigma);
/** mvt: as bm_mvt_loglik_grad summed over ranks (partial sums; mvt has no finite sufficient statistic). */
int bm_mpi_mvt_loglik_grad(MPI_Comm comm, const bm_mvt *d, const gsl_matrix *X_local, double *ll, gsl_vector *dmu,
                           gsl_matrix *dSigma, double *dnu);
/** wishart: as bm_wishart_loglik_grad over m local observations, summed over ranks. */
int bm_mpi_wishart_loglik_grad(MPI_Comm comm, const bm_wishart *d, const gsl_matrix *const *X_local, size_t m,
                               double *ll, gsl_matrix *d_S, double *d_nu);
/** invwishart: as bm_invwishart_loglik_grad, summed over ranks. */
int bm_mpi_invwishart_loglik_grad(MPI_Comm comm, const bm_invwishart *d, const gsl_matrix *const *X_local,
                                  size_t m, double *ll, gsl_matrix *d_Psi, double *d_nu);
/** matnorm: as bm_matnorm_loglik_grad, summed over ranks. */
int bm_mpi_matnorm_loglik_grad(MPI_Comm comm, const bm_matnorm *d, const gsl_matrix *const *X_local, size_t m,
                               double *ll, gsl_matrix *dM, gsl_matrix *dU, gsl_matrix *dV);
/** matt: as bm_matt_loglik_grad, summed over ranks (partial sums). */
int bm_mpi_matt_loglik_grad(MPI_Comm comm, const bm_matt *d, const gsl_matrix *const *X_local, size_t m, double *ll,
                            gsl_matrix *dM, gsl_matrix *dSigma, gsl_matrix *dOmega, double *dnu);
/** matf: as bm_matf_loglik_grad, summed over ranks (partial sums). */
int bm_mpi_matf_loglik_grad(MPI_Comm comm, const bm_matf *d, const gsl_matrix *const *X_local, size_t m, double *ll,
                            gsl_matrix *d_Psi, double *d_nu, double *d_delta);

/**
 * Distributed log-likelihood and theta-gradient of any family, through its
 * descriptor (bayesmat/family.h): a built-in family viewed as a bm_dist
 * ({&bm_family_wishart, w}) or a user's own. The local value is
 * bm_dist_loglik of this rank's rows (the descriptor's batched loglik op);
 * the local gradient the sum of bm_dist_score over the rows, in theta order
 * (docs/theta.md: vech for symmetric blocks, so it is NOT the layout of the
 * typed entry points above, whose dSigma etc. are full matrices). Then the
 * agreement and one chunked MPI_Allreduce of [ll, grad], as above. The
 * values equal the single-process bm_dist_loglik on the stacked rows (and
 * the summed scores) up to rounding.
 *
 * Collective contract: every rank passes a distribution of the same family
 * (compared by name) and variate shape, set to the same parameters; grad
 * NULL on every rank or on none. A rank with no observations passes
 * X_local = NULL and does not evaluate d.
 * @param comm     the communicator (every rank calls)
 * @param d        the distribution, set; its family needs shape and nparams,
 *                 and score when grad is wanted
 * @param X_local  N_local x (rows * cols): row i the vec (columns stacked)
 *                 of this rank's i-th observation (for a vector family the
 *                 observation itself), as bm_dist_loglik takes; or NULL
 * @param ll       out: the total log-likelihood (all ranks); NaN on failure
 * @param grad     out, optional (NULL), length bm_dist_nparams(d): the total
 *                 score d ll / d theta; NaN on failure
 * @return on every rank: BM_SUCCESS; or, with ll and grad NaN, the status of
 *         the lowest failing rank: BM_EINVAL (NULL d, a descriptor without
 *         shape/nparams, NULL ll), BM_EBADLEN (grad's length, X_local's
 *         columns), the statuses of bm_dist_loglik and bm_dist_score
 *         (BM_EINVAL for an unset d, BM_ENONFINITE, BM_EDOM outside the
 *         support, BM_ENOTSUP without a score op, BM_ENOMEM); BM_EBADLEN when
 *         the shape or nparams differ between ranks; BM_EINVAL when the
 *         family differs, grad is NULL on some ranks only, or MPI fails.
 *         Allocates one variate and one theta vector (with grad), and what
 *         the family's loglik allocates.
 */
int bm_mpi_dist_loglik_grad(MPI_Comm comm, const bm_dist *d, const gsl_matrix *X_local, double *ll, gsl_vector *grad);

/* ======================================================================
 * Distributed sufficient statistics.
 *
 * s <- the merge of every rank's s, on every rank: after the agreement
 * (every rank can take part: memory, same kind and shape, e.g. n x p for
 * matnorm, so a p x n summary is refused), the packed summaries are
 * gathered (MPI_Allgather, P x packed_len doubles), unpacked with their
 * length and validated (bm_F_stats_unpack), and merged in rank order
 * 0, 1, ..., P-1 on every rank, so all ranks end with the same bits (no
 * dependence on the reduction tree), equal to one pass over all the data up
 * to rounding. A final agreement makes a local failure there every rank's.
 * @return on every rank: BM_SUCCESS; BM_EINVAL (NULL s on some rank, MPI
 *         failure); BM_EBADLEN (dimensions or shapes differ between ranks);
 *         BM_ENOMEM (on some rank); an unpack status (a summary that is not
 *         valid, e.g. BM_ENOTSPD). s is unchanged unless BM_SUCCESS.
 *         Allocates P x packed_len doubles and two summaries.
 * ====================================================================== */
int bm_mpi_mvn_stats_allmerge(MPI_Comm comm, bm_mvn_stats *s);
int bm_mpi_wishart_stats_allmerge(MPI_Comm comm, bm_wishart_stats *s);
int bm_mpi_invwishart_stats_allmerge(MPI_Comm comm, bm_invwishart_stats *s);
int bm_mpi_matnorm_stats_allmerge(MPI_Comm comm, bm_matnorm_stats *s);

/* ======================================================================
 * Distributed conjugate updates.
 *
 * Each rank summarizes its own data with bm_F_stats_compute (or leaves s
 * empty), then calls bm_mpi_F_update_stats: the summaries are gathered and
 * merged in rank order on every rank (as bm_mpi_*_stats_allmerge; on success
 * s is overwritten with the global summary), and the model is updated with
 * it, so every rank holds the same posterior bits, equal to one bm_F_update
 * on all the data up to rounding. Before anything is exchanged the ranks
 * agree that every model is present, has its prior set and the summary's
 * dimensions, and that the models are the same on every rank (compared by
 * the bits of their current log evidence).
 * @return on every rank: BM_SUCCESS; BM_EINVAL (NULL m or s, or no prior, on
 *         some rank; models that differ between ranks; MPI failure);
 *         BM_EBADLEN (a model of other dimensions than its summary, or
 *         dimensions that differ between ranks); BM_ENOMEM; an unpack status;
 *         then bm_F_update_stats's statuses (model and s unchanged on
 *         failure, except that if memory runs out in the update on some
 *         ranks only, the others keep their updated model: every rank still
 *         returns BM_ENOMEM).
 * ====================================================================== */
int bm_mpi_niw_update_stats(MPI_Comm comm, bm_niw *m, bm_niw_stats *s);
int bm_mpi_blr_update_stats(MPI_Comm comm, bm_blr *m, bm_blr_stats *s);
int bm_mpi_mniw_update_stats(MPI_Comm comm, bm_mniw *m, bm_mniw_stats *s);

/* ======================================================================
 * Distributed Monte Carlo checks, reusing the problem structs of
 * include/bayesmat/check.h. The N draws (nsim replications) are split by
 * bm_mpi_partition; rank r draws from its own stream bm_mpi_rng_alloc(comm,
 * seed). Results are identical on every rank, bit-reproducible for a fixed
 * number of ranks and seed, and independent of the number of ranks up to
 * Monte Carlo error (the streams differ: runs at different rank counts are
 * independent replications). Every rank passes the same problem dimensions,
 * counts and seed (else BM_EBADLEN / BM_EINVAL on every rank).
 * ====================================================================== */

/**
 * bm_check_fisher_mc over ranks: z = |mean - I| / se entry by entry for
 * s s^T and -H (se from the pooled sample variance over all N draws; an
 * entry with se == 0 passes only within 1e-10 (1 + |I|)). The agreement,
 * then one MPI_Allreduce of 4 dim^2 sums.
 * @param seed     base seed (each rank derives its own stream)
 * @param N        total draws over all ranks (>= 2)
 * @param mean_outer, mean_neg_hess  out, may be NULL: dim x dim means over all draws
 * @return on every rank (the status of the lowest failing rank): BM_SUCCESS
 *         (read res->passed); BM_EINVAL (NULL, N < 2, NULL draw/score, N, seed
 *         or the presence of hess differing between ranks, MPI failure);
 *         BM_EBADLEN (shapes; dim differing between ranks); BM_ENONFINITE
 *         (fisher or a score); a callback's status; BM_ENOMEM. Allocates O(dim^2).
 */
int bm_mpi_check_fisher_mc(MPI_Comm comm, const bm_fisher_mc_problem *prob, const gsl_matrix *fisher,
                           unsigned long seed, size_t N, double z_tol, gsl_matrix *mean_outer,
                           gsl_matrix *mean_neg_hess, bm_fisher_mc_result *res);

/**
 * Simulation-based calibration over ranks: each rank runs its share of the
 * nsim replications with bm_check_sbc (L posterior draws each), bins the
 * ranks (bin floor(r nbins / (L+1))), one MPI_Allreduce sums the nstat x
 * nbins counts, and every rank computes the same Pearson chi^2 p-values as
 * bm_check_sbc would on all nsim replications.
 * @param pvalues  out, may be NULL: length nstat
 * @return on every rank, the status of the lowest failing rank: as
 *         bm_check_sbc; BM_EBADLEN (dim or nstat differ between ranks);
 *         BM_EINVAL (nsim, L, nbins or seed differ between ranks; MPI failure).
 *         Allocates O(nsim/P nstat).
 */
int bm_mpi_check_sbc(MPI_Comm comm, const bm_sbc_problem *prob, unsigned long seed, size_t nsim, size_t L,
                     size_t nbins, gsl_vector *pvalues, bm_sbc_result *res);

BM_END_DECLS
#endif
