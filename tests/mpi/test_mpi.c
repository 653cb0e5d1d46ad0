/* Tests of bayesmat_mpi, run by ctest under mpirun -np 1, 2, 4. Every rank
 * builds the same data from a fixed seed, evaluates its own rows through the
 * distributed functions, and compares with the single-process result it
 * computes itself over all rows (<= 1e-12 relative). Prints "N passed,
 * N failed" on rank 0 and exits non-zero on any failure on any rank.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "mpi_testutil.h"

enum { N = 1001 };
static double data[N];

/* iid N(mu, sigma^2) log-likelihood of rows [first, first+count), gradient
 * w.r.t. (mu, log sigma) */
typedef struct {
  double mu, log_sigma;
  size_t first, count;
  int fail_on_rank; /* -1: never */
} gauss;

static int local_gauss(void *pp, double *ll, double *grad)
{
  gauss *g = pp;
  if (g->fail_on_rank == rank) return BM_EDOM;
  double s = exp(g->log_sigma), l = 0, d_mu = 0, d_ls = 0;
  for (size_t i = g->first; i < g->first + g->count; i++) {
    double z = (data[i] - g->mu) / s;
    l += -0.5 * z * z - g->log_sigma - 0.5 * log(2 * M_PI);
    d_mu += z / s;
    d_ls += z * z - 1.0;
  }
  *ll = l;
  if (grad) {
    grad[0] = d_mu;
    grad[1] = d_ls;
  }
  return BM_SUCCESS;
}

/* a gradient longer than one reduction chunk: each row contributes 1 to ll
 * and (i mod 7) to gradient entry i */
enum { LONG = 20000 };
static int local_big(void *p, double *l, double *gr)
{
  size_t count = *(size_t *)p;
  *l = (double)count;
  for (size_t i = 0; i < LONG; i++) gr[i] = (double)count * (double)(i % 7);
  return BM_SUCCESS;
}

int main(int argc, char **argv)
{
  mpi_test_init(&argc, &argv);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 42);
  for (size_t i = 0; i < N; i++) data[i] = 1.5 + 2.0 * gsl_ran_gaussian(r, 1.0);
  gsl_rng_free(r);

  /* partition: every item exactly once */
  size_t first, count;
  bm_mpi_partition(MPI_COMM_WORLD, N, &first, &count);
  double cnt = (double)count;
  bm_mpi_allreduce_sum(MPI_COMM_WORLD, &cnt, 1);
  CHECK(cnt == N, "partition covers %g items, not %d", cnt, N);

  /* distributed log-likelihood + gradient = single-process one */
  gauss g = {1.2, log(1.7), first, count, -1};
  double ll, grad[2], ll1, grad1[2];
  int st = bm_mpi_loglik_grad(MPI_COMM_WORLD, local_gauss, &g, 2, &ll, grad);
  CHECK(st == BM_SUCCESS, "status %d", st);
  gauss all = {1.2, log(1.7), 0, N, -1};
  local_gauss(&all, &ll1, grad1);
  CHECK(rel(ll, ll1) <= 1e-12, "ll %.17g vs %.17g", ll, ll1);
  CHECK(rel(grad[0], grad1[0]) <= 1e-12 && rel(grad[1], grad1[1]) <= 1e-12, "gradient");
  /* same value on every rank, bit for bit */
  double mx = ll, mn = ll;
  MPI_Allreduce(MPI_IN_PLACE, &mx, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &mn, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  CHECK(mx == mn, "ranks disagree");
  /* run-to-run reproducible for this rank count */
  double ll2, grad2[2];
  bm_mpi_loglik_grad(MPI_COMM_WORLD, local_gauss, &g, 2, &ll2, grad2);
  CHECK(ll2 == ll && grad2[0] == grad[0] && grad2[1] == grad[1], "not reproducible");
  /* value only */
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, local_gauss, &g, 0, &ll2, NULL);
  CHECK(st == BM_SUCCESS && ll2 == ll, "value-only call");

  /* a failure on one rank is every rank's failure, with NaN outputs */
  g.fail_on_rank = size - 1;
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, local_gauss, &g, 2, &ll, grad);
  CHECK(st == BM_EDOM, "status %d, expected BM_EDOM on every rank", st);
  CHECK(isnan(ll) && isnan(grad[0]) && isnan(grad[1]), "outputs not NaN after failure");
  CHECK(bm_mpi_loglik_grad(MPI_COMM_WORLD, NULL, &g, 2, &ll, grad) == BM_EINVAL, "NULL callback");

  /* a gradient longer than one reduction chunk */
  {
    static double big[LONG];
    size_t my_count = count;
    double lb;
    st = bm_mpi_loglik_grad(MPI_COMM_WORLD, local_big, &my_count, LONG, &lb, big);
    int ok = st == BM_SUCCESS && lb == (double)N;
    for (size_t i = 0; i < LONG && ok; i++) ok = big[i] == (double)N * (double)(i % 7);
    CHECK(ok, "chunked reduction");
  }

  /* per-rank RNG streams: reproducible, and different across ranks */
  gsl_rng *ra = bm_mpi_rng_alloc(MPI_COMM_WORLD, 7), *rb = bm_mpi_rng_alloc(MPI_COMM_WORLD, 7);
  unsigned long xa = gsl_rng_get(ra), xb = gsl_rng_get(rb);
  CHECK(xa == xb, "same seed, same stream");
  double x = (double)xa, xmin = x, xmax = x;
  MPI_Allreduce(MPI_IN_PLACE, &xmin, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &xmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  CHECK(size == 1 || xmin != xmax, "ranks share a stream");
  gsl_rng_free(ra);
  gsl_rng_free(rb);

  return mpi_test_finish("mpi");
}

