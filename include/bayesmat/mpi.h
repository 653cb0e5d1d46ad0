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

/* ======================================================================
 * Distributed log-likelihood + gradient of the seven families.
 *
 * Every rank holds the same parameters in d (set identically on all ranks)
 * and its own observations; the call returns on every rank the sum over ALL
 * ranks' observations, bit-identical on every rank. Local work is the
 * family's batched bm_F_loglik_grad written straight into the caller's
 * outputs; then ONE chunked MPI_Allreduce (64 KiB stack chunks: one for
 * p <= 90) sums [failure flag, ll, gradients] in place. Cost per call:
 * compute O(n_local p^2) + latency alpha log P + bandwidth beta (1 + p + p^2)
 * (docs/scaling.md). The values equal the single-process bm_F_loglik_grad on
 * the stacked rows up to rounding (the sum is re-associated).
 *
 * Collective contract: every rank calls; each gradient output is NULL on
 * every rank or has the documented shape on every rank (shapes decide the
 * message length). A rank with no observations passes X_local = NULL
 * (vector families) or m = 0 (matrix families).
 * @return on every rank: BM_SUCCESS; if any rank's local evaluation fails,
 *         the largest failing status (BM_EINVAL for NULL d or ll, and the
 *         family's own statuses), with ll and every gradient NaN; BM_EINVAL
 *         when MPI fails. Allocates what the family's batched call allocates.
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

/* ======================================================================
 * Distributed sufficient statistics.
 *
 * s <- the merge of every rank's s, on every rank: the packed summaries are
 * gathered (MPI_Allgather, P x packed_len doubles) and merged in rank order
 * 0, 1, ..., P-1 on every rank, so all ranks end with the same bits (no
 * dependence on the reduction tree), equal to one pass over all the data up
 * to rounding. One 3-int MPI_Allreduce first agrees that every rank can take
 * part (memory, same dimensions).
 * @return on every rank: BM_SUCCESS; BM_EINVAL (NULL s on some rank, MPI
 *         failure); BM_EBADLEN (dimensions differ between ranks); BM_ENOMEM
 *         (on some rank). s is unchanged unless BM_SUCCESS.
 *         Allocates P x packed_len doubles and one summary.
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
 * merged in rank order on every rank (as bm_mpi_*_stats_allmerge; s is
 * overwritten with the global summary), and the model is updated with it, so
 * every rank holds the same posterior bits, equal to one bm_F_update on all
 * the data up to rounding.
 * @return on every rank: BM_SUCCESS; BM_EINVAL (NULL m or s on some rank,
 *         MPI failure); BM_EBADLEN (dimensions differ between ranks); BM_ENOMEM;
 *         then bm_F_update_stats's statuses (model unchanged on failure).
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
 * Monte Carlo error (the streams differ).
 * ====================================================================== */

/**
 * bm_check_fisher_mc over ranks: z = |mean - I| / se entry by entry for
 * s s^T and -H (se from the pooled sample variance over all N draws; an
 * entry with se == 0 passes only within 1e-10 (1 + |I|)). One MPI_Allreduce
 * of 4 dim^2 sums (+ a failure flag).
 * @param seed     base seed (each rank derives its own stream)
 * @param N        total draws over all ranks (>= 2)
 * @param mean_outer, mean_neg_hess  out, may be NULL: dim x dim means over all draws
 * @return on every rank: BM_SUCCESS (read res->passed); BM_EINVAL (NULL, N < 2,
 *         NULL draw/score, MPI failure); BM_EBADLEN; BM_ENONFINITE (fisher or a
 *         score); a callback's status; BM_ENOMEM. Allocates O(dim^2).
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
 * @return on every rank: as bm_check_sbc (BM_EINVAL also on MPI failure).
 *         Allocates O(nsim/P nstat).
 */
int bm_mpi_check_sbc(MPI_Comm comm, const bm_sbc_problem *prob, unsigned long seed, size_t nsim, size_t L,
                     size_t nbins, gsl_vector *pvalues, bm_sbc_result *res);

BM_END_DECLS
#endif
