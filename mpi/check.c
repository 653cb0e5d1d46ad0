/* Distributed Monte Carlo checks (include/bayesmat/mpi.h): Fisher
 * information against E[s s^T] and E[-H], and simulation-based calibration,
 * with the draws split over ranks and independent per-rank random streams
 * (bm_mpi_rng_alloc). Each rank accumulates sums; one small agreement (status
 * of the lowest failing rank, identical problem shape and arguments) and then
 * one MPI_Allreduce of the sums make the verdict identical on every rank.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "bayesmat.h"
#include "bayesmat/mpi.h"
#include "reduce.h"
#include "../inference/sbc_verdict.h"

int bm_mpi_check_fisher_mc(MPI_Comm comm, const bm_fisher_mc_problem *prob, const gsl_matrix *fisher,
                           unsigned long seed, size_t N, double z_tol, gsl_matrix *mean_outer,
                           gsl_matrix *mean_neg_hess, bm_fisher_mc_result *res)
{
  if (res) memset(res, 0, sizeof *res);
  if (res) res->max_z_outer = res->max_z_hess = NAN;
  size_t dim = prob ? prob->dim : 0, q = dim * dim;
  const char *fn = __func__;
  bm_clear_error(); /* a failure without a message of its own must not pass on an older one */
  int st = BM_SUCCESS;
  if (!prob || !fisher || !res)
    st = bm_mpi_fail(BM_EINVAL, fn, "%s is NULL", !prob ? "prob" : !fisher ? "fisher" : "res");
  else if (dim == 0 || !prob->draw || !prob->score)
    st = bm_mpi_fail(BM_EINVAL, fn, "prob is incomplete (%s)", dim == 0 ? "dim 0" : !prob->draw ? "draw is NULL" : "score is NULL");
  else if (N < 2)
    st = bm_mpi_fail(BM_EINVAL, fn, "N = %zu must be at least 2", N);
  else if (fisher->size1 != dim || fisher->size2 != dim)
    st = bm_mpi_fail(BM_EBADLEN, fn, "fisher is %zu x %zu, expected %zu x %zu", fisher->size1, fisher->size2, dim, dim);
  else if (mean_outer && (mean_outer->size1 != dim || mean_outer->size2 != dim))
    st = bm_mpi_fail(BM_EBADLEN, fn, "mean_outer is %zu x %zu, expected %zu x %zu", mean_outer->size1,
                     mean_outer->size2, dim, dim);
  else if (mean_neg_hess && (mean_neg_hess->size1 != dim || mean_neg_hess->size2 != dim))
    st = bm_mpi_fail(BM_EBADLEN, fn, "mean_neg_hess is %zu x %zu, expected %zu x %zu", mean_neg_hess->size1,
                     mean_neg_hess->size2, dim, dim);
  else
    for (size_t i = 0; i < q && !st; i++)
      if (!isfinite(fisher->data[(i / dim) * fisher->tda + i % dim]))
        st = bm_mpi_fail(BM_ENONFINITE, fn, "fisher(%zu,%zu) is not finite", i / dim, i % dim);
  /* sums of d = (s s^T)_ij - I_ij and d^2, and of e = (-H)_ij - I_ij and e^2 (shifted for accuracy) */
  double *acc = st ? NULL : calloc(4 * q + dim + dim * dim, sizeof(double));
  gsl_rng *r = st ? NULL : bm_mpi_rng_alloc(comm, seed);
  if (!st && (!acc || !r)) st = bm_mpi_fail(BM_ENOMEM, fn, "out of memory (dim = %zu)", dim);
  size_t first = 0, count = 0;
  bm_mpi_partition(comm, N, &first, &count);
  if (!st) {
    double *s_buf = acc + 4 * q, *H_buf = s_buf + dim;
    gsl_vector_view s = gsl_vector_view_array(s_buf, dim);
    gsl_matrix_view H = gsl_matrix_view_array(H_buf, dim, dim);
    for (size_t k = 0; k < count && !st; k++) {
      st = prob->draw(r, prob->params);
      if (!st) st = prob->score(prob->params, &s.vector);
      if (!st && prob->hess) st = prob->hess(prob->params, &H.matrix);
      for (size_t i = 0; i < dim && !st; i++)
        if (!isfinite(s_buf[i])) st = bm_mpi_fail(BM_ENONFINITE, fn, "prob->score gave a non-finite entry %zu", i);
      if (st && bm_last_error()[0] == '\0')
        bm_mpi_fail(st, fn, "a callback of prob returned %d (%s)", st, bm_strerror(st));
      if (st) break;
      for (size_t i = 0; i < dim; i++)
        for (size_t j = 0; j < dim; j++) {
          double I = fisher->data[i * fisher->tda + j];
          double d = s_buf[i] * s_buf[j] - I;
          acc[i * dim + j] += d;
          acc[q + i * dim + j] += d * d;
          if (prob->hess) {
            double e = -H_buf[i * dim + j] - I;
            acc[2 * q + i * dim + j] += e;
            acc[3 * q + i * dim + j] += e * e;
          }
        }
    }
  }
  /* the message is 4 dim^2 sums: dim, N, the seed and whether -H is checked
   * must be the same on every rank, which the agreement verifies first */
  bm_mpi_sig sig[4] = {{(long long)dim, BM_EBADLEN},
                       {(long long)N, BM_EINVAL},
                       {(long long)seed, BM_EINVAL},
                       {prob && prob->hess ? 1 : 0, BM_EINVAL}};
  bm_mpi_seg seg = {acc, NULL, NULL, acc ? 4 * q : 0, acc ? 1 : 0};
  st = bm_mpi_reduce_segments_fn(fn, comm, st, sig, 4, &seg, 1);
  if (st) {
    if (mean_outer) gsl_matrix_set_all(mean_outer, NAN);
    if (mean_neg_hess) gsl_matrix_set_all(mean_neg_hess, NAN);
    free(acc);
    gsl_rng_free(r);
    return st;
  }
  /* the verdict, computed identically on every rank */
  double Nd = (double)N, worst = -1.0;
  res->max_z_outer = res->max_z_hess = 0.0;
  for (int block = 0; block < (prob->hess ? 2 : 1); block++) {
    const double *sum = acc + 2 * block * q, *sum2 = sum + q;
    gsl_matrix *mean_out = block ? mean_neg_hess : mean_outer;
    for (size_t i = 0; i < dim; i++)
      for (size_t j = 0; j < dim; j++) {
        double I = fisher->data[i * fisher->tda + j], m = sum[i * dim + j] / Nd;
        double var = (sum2[i * dim + j] - sum[i * dim + j] * m) / (Nd - 1.0);
        double se = sqrt(fmax(var, 0.0) / Nd), z;
        if (se > 0.0) z = fabs(m) / se;
        else z = fabs(m) <= 1e-10 * (1.0 + fabs(I)) ? 0.0 : INFINITY;
        if (mean_out) gsl_matrix_set(mean_out, i, j, I + m);
        double *mz = block ? &res->max_z_hess : &res->max_z_outer;
        if (z > *mz) *mz = z;
        if (z > worst) {
          worst = z;
          res->worst_i = i;
          res->worst_j = j;
        }
      }
  }
  if (!prob->hess && mean_neg_hess) gsl_matrix_set_all(mean_neg_hess, NAN);
  res->draws = N;
  res->passed = res->max_z_outer <= z_tol && res->max_z_hess <= z_tol;
  free(acc);
  gsl_rng_free(r);
  return BM_SUCCESS;
}

int bm_mpi_check_sbc(MPI_Comm comm, const bm_sbc_problem *prob, unsigned long seed, size_t nsim, size_t L,
                     size_t nbins, gsl_vector *pvalues, bm_sbc_result *res)
{
  if (res) {
    res->p_min = res->p_bonferroni = NAN;
    res->worst_stat = 0;
  }
  const char *fn = __func__;
  bm_clear_error(); /* a failure without a message of its own must not pass on an older one */
  int st = BM_SUCCESS;
  if (!prob || !res)
    st = bm_mpi_fail(BM_EINVAL, fn, "%s is NULL", !prob ? "prob" : "res");
  else if (prob->dim == 0 || prob->nstat == 0 || !prob->sample_prior || !prob->simulate_and_condition ||
           !prob->sample_posterior || (!prob->stat && prob->nstat != prob->dim))
    st = bm_mpi_fail(BM_EINVAL, fn, "prob is incomplete (dim or nstat 0, a sampler NULL, or no stat with nstat != dim)");
  else if (nsim == 0 || L == 0)
    st = bm_mpi_fail(BM_EINVAL, fn, "%s is 0", nsim == 0 ? "nsim" : "L");
  else if (nbins < 2 || nbins > L + 1)
    st = bm_mpi_fail(BM_EINVAL, fn, "nbins = %zu must lie in 2..L + 1 = %zu", nbins, L + 1);
  size_t ns = st ? 0 : prob->nstat;
  if (!st && pvalues && pvalues->size != ns)
    st = bm_mpi_fail(BM_EBADLEN, fn, "pvalues has length %zu, expected prob->nstat = %zu", pvalues->size, ns);
  size_t first = 0, count = 0;
  bm_mpi_partition(comm, nsim, &first, &count);
  double *counts = st ? NULL : calloc(ns * nbins, sizeof(double));
  gsl_matrix *ranks = NULL;
  gsl_rng *r = st ? NULL : bm_mpi_rng_alloc(comm, seed);
  if (!st && (!counts || !r)) st = bm_mpi_fail(BM_ENOMEM, fn, "out of memory (nstat = %zu, nbins = %zu)", ns, nbins);
  if (!st && count > 0) {
    /* this rank's replications through the single-process checker; bin its ranks */
    ranks = bm_matrix_alloc(count, ns);
    bm_sbc_result local;
    st = ranks ? bm_check_sbc(prob, r, count, L, nbins, ranks, NULL, &local)
               : bm_mpi_fail(BM_ENOMEM, fn, "out of memory (ranks, %zu x %zu)", count, ns);
    for (size_t k = 0; k < count && !st; k++)
      for (size_t j = 0; j < ns; j++) {
        size_t rk = (size_t)gsl_matrix_get(ranks, k, j);
        counts[j * nbins + rk * nbins / (L + 1)] += 1.0;
      }
  }
  /* the message is nstat x nbins counts: the agreement first verifies that
   * every rank passed the same problem shape, nsim, L, nbins and seed */
  bm_mpi_sig sig[6] = {{(long long)(prob ? prob->dim : 0), BM_EBADLEN},
                       {(long long)ns, BM_EBADLEN},
                       {(long long)nbins, BM_EINVAL},
                       {(long long)L, BM_EINVAL},
                       {(long long)nsim, BM_EINVAL},
                       {(long long)seed, BM_EINVAL}};
  bm_mpi_seg seg = {counts, NULL, NULL, counts ? ns * nbins : 0, counts ? 1 : 0};
  st = bm_mpi_reduce_segments_fn(fn, comm, st, sig, 6, &seg, 1);
  if (!st) {
    sbc_verdict(counts, ns, nbins, nsim, L, pvalues, res);
  } else if (pvalues && pvalues->size == ns)
    gsl_vector_set_all(pvalues, NAN);
  bm_matrix_free(ranks);
  free(counts);
  gsl_rng_free(r);
  return st;
}
