/* Scaffolding shared by the MPI tests (tests/mpi/test_mpi*.c): the pass/fail
 * counters and CHECK, start and end of a run (the summed counts printed by
 * rank 0, the exit status), relative differences, a bit-identical-on-every-
 * rank test, a small SPD builder, the N(0, 1) prior of the normal-normal SBC
 * problems, and the mvn callbacks of the Monte Carlo Fisher check.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MPI_TESTUTIL_H
#define BAYESMAT_MPI_TESTUTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "bayesmat/mpi.h"
#include "../cleanup_util.h"
#include "../fisher_mc_callbacks.h"

static int passed, failed, rank, size;

/* counts one check; a failure is reported with its rank and line, the run goes on */
#define CHECK(cond, ...)                                             \
  do {                                                               \
    if (cond)                                                        \
      passed++;                                                      \
    else {                                                           \
      failed++;                                                      \
      fprintf(stderr, "rank %d: %s:%d: ", rank, __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                                  \
      fprintf(stderr, "\n");                                         \
    }                                                                \
  } while (0)

static inline void mpi_test_init(int *argc, char ***argv)
{
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
}

/* the counts summed over the ranks, "<what> (N ranks): N passed, N failed" on
 * rank 0 (ctest's pass pattern), MPI_Finalize; the exit status */
static inline int mpi_test_finish(const char *what)
{
  int counts[2] = {passed, failed};
  MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf("%s (%d ranks): %d passed, %d failed\n", what, size, counts[0], counts[1]);
  MPI_Finalize();
  return counts[1] != 0;
}

/* max |a_i - b_i| / max |b_i| over n entries spaced by the strides */
static inline double rel_strided(const double *a, size_t sa, const double *b, size_t sb, size_t n)
{
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    num = fmax(num, fabs(a[i * sa] - b[i * sb]));
    den = fmax(den, fabs(b[i * sb]));
  }
  return num / fmax(den, 1e-300);
}
static inline double rel(double a, double b) { return rel_strided(&a, 1, &b, 1, 1); }
static inline double vrel(const gsl_vector *a, const gsl_vector *b)
{
  return rel_strided(a->data, a->stride, b->data, b->stride, a->size);
}
/* max |A - B| / max |B| over all entries; the matrices compared are whole
 * allocations (rows contiguous), so their storage is one array */
static inline double mrel(const gsl_matrix *A, const gsl_matrix *B)
{
  if (A->tda != A->size2 || B->tda != B->size2) abort();
  return rel_strided(A->data, 1, B->data, 1, A->size1 * A->size2);
}

/* 1 when x holds the same bits on every rank */
static inline int same_on_all_ranks(const double *x, size_t n)
{
  double *mx = malloc(n * sizeof *mx), *mn = malloc(n * sizeof *mn);
  MPI_Allreduce(x, mx, (int)n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  MPI_Allreduce(x, mn, (int)n, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  int ok = 1;
  for (size_t i = 0; i < n; i++) ok &= mx[i] == mn[i] || (isnan(mx[i]) && isnan(mn[i]));
  free(mx);
  free(mn);
  return ok;
}

/* diag * I with a 0.3 coupling of the first two coordinates */
static inline gsl_matrix *spd(size_t p, double diag)
{
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  gsl_matrix_set_identity(S);
  gsl_matrix_scale(S, diag);
  if (p > 1) {
    gsl_matrix_set(S, 0, 1, 0.3);
    gsl_matrix_set(S, 1, 0, 0.3);
  }
  return S;
}

/* theta ~ N(0, 1): the prior of the normal-normal SBC problems */
static inline int nn_prior(gsl_rng *r, void *pp, gsl_vector *theta)
{
  (void)pp;
  gsl_vector_set(theta, 0, gsl_ran_gaussian(r, 1.0));
  return BM_SUCCESS;
}

FISHER_MC_CALLBACKS(mvn)

#endif
