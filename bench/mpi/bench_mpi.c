/* bayesmat-bench-mpi: strong scaling of the distributed log-likelihood and
 * gradient, built only with MPI. Run, e.g.
 *   mpirun --allow-run-as-root --oversubscribe -np 1 build/bench/bayesmat-bench-mpi
 *   mpirun --allow-run-as-root --oversubscribe -np 2 build/bench/bayesmat-bench-mpi
 * (OPENBLAS_NUM_THREADS=1). Prints TSV rows on rank 0:
 *   allreduce  ranks  doubles  seconds            (median over reps: alpha, beta fit)
 *   mvn_loglik_grad  ranks  p  n  total_s  compute_s  comm_s
 *   mvn_stats_compute  ranks  p  n_local  seconds       (bm_mvn_stats_compute on the local rows)
 *   mvn_stats_compute_allmerge  ranks  p  n  seconds   (local summary + allmerge)
 *   mvn_stats_loglik_grad  ranks  p  n  seconds        (per parameter value, from the summary)
 * Every figure is the median over reps of a time measured directly (each rep
 * started by a barrier): total_s the whole bm_mpi_mvn_loglik_grad over n rows
 * split across ranks; compute_s the local bm_mvn_loglik_grad alone (slowest
 * rank); comm_s what the call adds to it, timed on its own: the agreement
 * plus the Allreduce of the 1 + p + p^2 sums (bm_mpi_allreduce_sum does
 * exactly that). total_s - compute_s - comm_s is waiting for other ranks.
 * --stats-sizes "n1,n2,...": time bm_mvn_stats_compute alone on n_k rows
 * (p as given) on each rank, rows printed as mvn_stats_compute with rank 0's
 * minor page faults and system time per call (the allocation cliff check: a
 * per-call n x p scratch past glibc's 32 MiB mmap threshold shows up as
 * n p / 512 faults and kernel time per call; the streamed summary has none).
 * Options: --n N (default 400000), --p P (default 20), --reps R (default 15), --quick.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "bayesmat/mpi.h"

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *t, int k)
{
  qsort(t, (size_t)k, sizeof *t, cmp);
  return k % 2 ? t[k / 2] : 0.5 * (t[k / 2 - 1] + t[k / 2]);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank, size, reps = 15;
  size_t n = 400000, p = 20;
  const char *stats_sizes = NULL;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc) n = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--p") && i + 1 < argc) p = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--stats-sizes") && i + 1 < argc) stats_sizes = argv[++i];
    else if (!strcmp(argv[i], "--quick")) {
      n = 50000;
      reps = 5;
    }
  }
  if (reps < 1) reps = 1;
  double *t = malloc((size_t)reps * sizeof *t), *t2 = malloc((size_t)reps * sizeof *t2),
         *t3 = malloc((size_t)reps * sizeof *t3);
  if (stats_sizes) {
    /* the summary alone at each n: p columns of N(0, 1) */
    for (const char *q = stats_sizes; *q;) {
      size_t nk = strtoul(q, NULL, 10);
      const char *comma = strchr(q, ',');
      q = comma ? comma + 1 : q + strlen(q);
      if (nk == 0) continue;
      gsl_rng *rr = bm_mpi_rng_alloc(MPI_COMM_WORLD, 2);
      gsl_matrix *Xk = gsl_matrix_alloc(nk, p);
      for (size_t i = 0; i < nk * p; i++) Xk->data[i] = gsl_ran_gaussian(rr, 1.0);
      bm_mvn_stats *sk = bm_mvn_stats_alloc(p);
      bm_mvn_stats_compute(sk, Xk); /* warm-up */
      struct rusage u0, u1;
      getrusage(RUSAGE_SELF, &u0);
      for (int k = 0; k < reps; k++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        bm_mvn_stats_compute(sk, Xk);
        t[k] = MPI_Wtime() - t0;
      }
      getrusage(RUSAGE_SELF, &u1);
      double m = median(t, reps), faults = (double)(u1.ru_minflt - u0.ru_minflt) / reps,
             sys = ((double)(u1.ru_stime.tv_sec - u0.ru_stime.tv_sec) + 1e-6 * (double)(u1.ru_stime.tv_usec - u0.ru_stime.tv_usec)) / reps;
      if (rank == 0)
        printf("mvn_stats_compute\t%d\t%zu\t%zu\t%.4e\tminor_faults/call %.0f\tsys_s/call %.4f\n", size, p, nk, m, faults,
               sys);
      bm_mvn_stats_free(sk);
      gsl_matrix_free(Xk);
      gsl_rng_free(rr);
    }
    free(t);
    free(t2);
    free(t3);
    MPI_Finalize();
    return 0;
  }

  /* 1. MPI_Allreduce latency and bandwidth */
  size_t sizes[] = {1, 16, 128, 1024, 8192, 65536, 262144};
  double *buf = calloc(262144, sizeof *buf);
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
    int inner = sizes[s] < 1024 ? 200 : sizes[s] < 65536 ? 20 : 4;
    for (int r = 0; r < reps; r++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      for (int k = 0; k < inner; k++) MPI_Allreduce(MPI_IN_PLACE, buf, (int)sizes[s], MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
      t[r] = (MPI_Wtime() - t0) / inner;
    }
    double m = median(t, reps);
    if (rank == 0) printf("allreduce\t%d\t%zu\t%.3e\n", size, sizes[s], m);
  }
  free(buf);

  /* 2. distributed mvn log-likelihood + gradient over n rows, strong scaling */
  size_t first, count;
  bm_mpi_partition(MPI_COMM_WORLD, n, &first, &count);
  gsl_rng *r = bm_mpi_rng_alloc(MPI_COMM_WORLD, 1);
  gsl_matrix *X = gsl_matrix_alloc(count, p), *Sigma = gsl_matrix_alloc(p, p), *G = gsl_matrix_alloc(p, p);
  gsl_vector *mu = gsl_vector_calloc(p), *g = gsl_vector_alloc(p);
  for (size_t i = 0; i < count; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, gsl_ran_gaussian(r, 1.0));
  gsl_matrix_set_identity(Sigma);
  for (size_t j = 0; j + 1 < p; j++) {
    gsl_matrix_set(Sigma, j, j + 1, 0.3);
    gsl_matrix_set(Sigma, j + 1, j, 0.3);
  }
  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvn_set(d, mu, Sigma);
  double ll, *red = calloc(1 + p + p * p, sizeof *red);
  bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, X, &ll, g, G); /* warm-up */
  for (int k = 0; k < reps; k++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, X, &ll, g, G);
    t[k] = MPI_Wtime() - t0;
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    bm_mvn_loglik_grad(d, X, &ll, g, G);
    double c = MPI_Wtime() - t0;
    MPI_Allreduce(MPI_IN_PLACE, &c, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD); /* slowest rank */
    t2[k] = c;
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    bm_mpi_allreduce_sum(MPI_COMM_WORLD, red, 1 + p + p * p);
    t3[k] = MPI_Wtime() - t0;
  }
  double total = median(t, reps), comp = median(t2, reps), comm = median(t3, reps);
  free(red);
  if (rank == 0) printf("mvn_loglik_grad\t%d\t%zu\t%zu\t%.4e\t%.4e\t%.4e\n", size, p, n, total, comp, comm);
  /* 3. the stats path: summarize once (local pass + one allmerge), then
   * each parameter value costs O(p^3) on every rank, independent of n */
  bm_mvn_stats *st = bm_mvn_stats_alloc(p);
  for (int k = 0; k < reps; k++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    bm_mvn_stats_compute(st, X);
    t3[k] = MPI_Wtime() - t0;
  }
  double sc = median(t3, reps);
  if (rank == 0) printf("mvn_stats_compute\t%d\t%zu\t%zu\t%.4e\n", size, p, count, sc);
  for (int k = 0; k < reps; k++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    bm_mvn_stats_compute(st, X);
    bm_mpi_mvn_stats_allmerge(MPI_COMM_WORLD, st);
    t[k] = MPI_Wtime() - t0;
    t0 = MPI_Wtime();
    for (int i = 0; i < 100; i++) bm_mvn_stats_loglik_grad(d, st, &ll, g, G);
    t2[k] = (MPI_Wtime() - t0) / 100;
  }
  total = median(t, reps);
  comp = median(t2, reps);
  if (rank == 0) {
    printf("mvn_stats_compute_allmerge\t%d\t%zu\t%zu\t%.4e\n", size, p, n, total);
    printf("mvn_stats_loglik_grad\t%d\t%zu\t%zu\t%.4e\n", size, p, n, comp);
  }
  bm_mvn_stats_free(st);
  bm_mvn_free(d);
  gsl_matrix_free(X);
  gsl_matrix_free(Sigma);
  gsl_matrix_free(G);
  gsl_vector_free(mu);
  gsl_vector_free(g);
  gsl_rng_free(r);
  free(t);
  free(t2);
  free(t3);
  MPI_Finalize();
  return 0;
}
