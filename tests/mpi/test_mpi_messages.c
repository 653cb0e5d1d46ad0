/* The shared bm_last_error() message of a failed MPI entry point, run by ctest
 * under mpirun -np 2: the last rank passes one bad argument after recording
 * an unrelated message of its own ("stale: ..."). Every rank must then hold
 * the same message, naming the failing rank, the ENTRY POINT (not an internal
 * helper) and the argument, and never the stale text: a local check that
 * recorded nothing would have broadcast it. Rank 0 prints
 * "N passed, N failed".
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "bayesmat/mpi.h"

static int passed, failed, rank, size, bad;

/* count a check; report a failed one with this rank's number */
static void check_at(int line, int ok, const char *fmt, ...)
{
  if (ok) {
    passed++;
    return;
  }
  failed++;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "rank %d: line %d: ", rank, line);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}
#define CHECK(cond, ...) check_at(__LINE__, (cond) != 0, __VA_ARGS__)

/* the bad rank's stale message, recorded before each bad call */
static void stale(void)
{
  if (rank == bad) bm_set_error(BM_EDOM, "stale: an older failure");
}

static void expect(const char *name, int st, int want, const char *fn, const char *arg)
{
  char want_start[128], msg0[256];
  const char *msg = bm_last_error();
  CHECK(st == want, "%s: status %d, expected %d (\"%s\")", name, st, want, msg);
  snprintf(want_start, sizeof want_start, "rank %d: %s: ", bad, fn);
  CHECK(strncmp(msg, want_start, strlen(want_start)) == 0, "%s: message \"%s\" does not start with \"%s\"", name, msg,
        want_start);
  CHECK(strstr(msg, "stale") == NULL, "%s: the stale message was passed on: \"%s\"", name, msg);
  CHECK(strstr(msg + strlen(want_start), arg) != NULL, "%s: message \"%s\" does not name %s", name, msg, arg);
  snprintf(msg0, sizeof msg0, "%s", msg);
  MPI_Bcast(msg0, (int)sizeof msg0, MPI_CHAR, 0, MPI_COMM_WORLD);
  int differs = strcmp(msg0, msg) != 0;
  MPI_Allreduce(MPI_IN_PLACE, &differs, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  CHECK(!differs, "%s: ranks hold different messages", name);
  if (rank == 0) printf("  %-40s \"%s\"\n", name, msg);
}

/* a standard normal model: theta* = x ~ N(0, 1), posterior N(0, 1); the
 * Fisher problem's score at x is x (I = 1). *(int *)p nonzero: draw fails
 * without recording a message. */
static double last_x;
static int std_sample(gsl_rng *r, void *p, gsl_vector *th)
{
  (void)p;
  gsl_vector_set(th, 0, gsl_ran_gaussian(r, 1.0));
  return BM_SUCCESS;
}
static int no_data(gsl_rng *r, const gsl_vector *th, void *p)
{
  (void)r;
  (void)th;
  (void)p;
  return BM_SUCCESS;
}
static int std_draw(gsl_rng *r, void *p)
{
  if (p && *(int *)p) return BM_EINVAL;
  last_x = gsl_ran_gaussian(r, 1.0);
  return BM_SUCCESS;
}
static int std_score(void *p, gsl_vector *s)
{
  (void)p;
  gsl_vector_set(s, 0, last_x);
  return BM_SUCCESS;
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  bad = size - 1;
  const int me = rank == bad;

  /* the typed log-likelihood: an output of the wrong shape (was named after
   * the internal tail the entry points share) */
  const size_t p = 2;
  bm_mvn *d = bm_mvn_alloc(p);
  gsl_vector *mu = gsl_vector_calloc(p), *dmu = gsl_vector_calloc(me ? p + 1 : p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_calloc(3, p);
  gsl_matrix_set_identity(S);
  bm_mvn_set(d, mu, S);
  double ll;
  stale();
  int st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, X, &ll, dmu, NULL);
  expect("mvn_loglik_grad: dmu length", st, BM_EBADLEN, "bm_mpi_mvn_loglik_grad", "dmu");
  CHECK(isnan(ll), "ll not NaN after a failure");

  /* a summary absent on one rank */
  bm_mvn_stats *ms = bm_mvn_stats_alloc(p);
  stale();
  st = bm_mpi_mvn_stats_allmerge(MPI_COMM_WORLD, me ? NULL : ms);
  expect("mvn_stats_allmerge: s = NULL", st, BM_EINVAL, "bm_mpi_mvn_stats_allmerge", "s");

  /* a conjugate update with no model on one rank: the probe of its evidence
   * must not speak for it */
  bm_niw *m = bm_niw_alloc(p);
  bm_niw_set_prior(m, mu, 1.0, 4.0, S);
  bm_niw_stats *ns = bm_niw_stats_alloc(p);
  bm_niw_stats_compute(ns, X);
  stale();
  st = bm_mpi_niw_update_stats(MPI_COMM_WORLD, me ? NULL : m, ns);
  expect("niw_update_stats: m = NULL", st, BM_EINVAL, "bm_mpi_niw_update_stats", "m is NULL");
  bm_niw *unset = bm_niw_alloc(p);
  stale();
  st = bm_mpi_niw_update_stats(MPI_COMM_WORLD, me ? unset : m, ns);
  expect("niw_update_stats: prior not set", st, BM_EINVAL, "bm_mpi_niw_update_stats", "m has no prior set");

  /* the checks */
  bm_sbc_problem sp = {1, 1, std_sample, no_data, std_sample, NULL, NULL};
  bm_sbc_result sr;
  stale();
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, &sp, 5, 10, 9, me ? 1 : 5, NULL, &sr);
  expect("check_sbc: nbins = 1", st, BM_EINVAL, "bm_mpi_check_sbc", "nbins");
  int fails = 0;
  bm_fisher_mc_problem fp = {1, std_draw, std_score, NULL, &fails};
  gsl_matrix *I1 = gsl_matrix_alloc(1, 1);
  gsl_matrix_set(I1, 0, 0, 1.0);
  bm_fisher_mc_result fr;
  stale();
  st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &fp, I1, 5, me ? 1 : 100, 4.0, NULL, NULL, &fr);
  expect("check_fisher_mc: N = 1", st, BM_EINVAL, "bm_mpi_check_fisher_mc", "N");
  /* a callback that fails without a message: its status, not the stale text */
  fails = me;
  stale();
  st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &fp, I1, 5, 100, 4.0, NULL, NULL, &fr);
  CHECK(st == BM_EINVAL, "check_fisher_mc: failing draw gave %d", st);
  CHECK(strstr(bm_last_error(), "stale") == NULL, "check_fisher_mc: stale message \"%s\"", bm_last_error());
  CHECK(strstr(bm_last_error(), "bm_mpi_check_fisher_mc") != NULL, "check_fisher_mc: message \"%s\"",
        bm_last_error());

  gsl_matrix_free(I1);
  bm_niw_free(unset);
  bm_niw_free(m);
  bm_niw_stats_free(ns);
  bm_mvn_stats_free(ms);
  bm_mvn_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(dmu);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  int tot[2] = {passed, failed};
  MPI_Allreduce(MPI_IN_PLACE, tot, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf("%d passed, %d failed\n", tot[0], tot[1]);
  MPI_Finalize();
  return tot[1] != 0;
}
