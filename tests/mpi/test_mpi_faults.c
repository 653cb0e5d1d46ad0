/* Fault injection for bayesmat_mpi, run by ctest under mpirun -np 2 and -np 3
 * (each under a timeout: a hang fails the test). For every entry point of
 * include/bayesmat/mpi.h the LAST rank passes one bad argument (NULL, an
 * unset object, another dimension, a transposed shape, NaN data, an output
 * given on some ranks only) while the others pass good ones. Each case checks
 * that every rank returns the same non-success status (the expected one),
 * that the job neither hangs nor aborts, that bm_mpi_last_failure names the
 * bad rank, and that outputs are NaN / summaries and models unchanged. A good
 * call after each fault checks that the ranks are still in step. Rank 0
 * prints the table of (case, status, failing rank) and "N passed, N failed".
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "bayesmat/mpi.h"

static int passed, failed, rank, size, bad; /* bad: the faulty rank (the last) */

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

#define ANY_RANK (-2)

/* st: this rank's status of a collective call in which rank `bad` was given a
 * bad argument. Every rank must return the same status, equal to want;
 * bm_mpi_last_failure must name want_rank (ANY_RANK: not checked). */
static void expect(const char *name, int st, int want, int want_rank)
{
  int mm[2] = {st, -st};
  MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  int who = -3, last = bm_mpi_last_failure(&who);
  CHECK(mm[0] == -mm[1], "%s: ranks return different statuses (%d..%d)", name, -mm[1], mm[0]);
  CHECK(st == want, "%s: status %d, expected %d", name, st, want);
  CHECK(last == st, "%s: bm_mpi_last_failure %d, call returned %d", name, last, st);
  if (want_rank != ANY_RANK) CHECK(who == want_rank, "%s: failing rank %d, expected %d", name, who, want_rank);
  const char *msg = bm_strerror(st), *colon = strchr(msg, ':');
  if (rank == 0)
    printf("  %-52s -> %.*s on every rank, failing rank %d\n", name, colon ? (int)(colon - msg) : (int)strlen(msg), msg,
           who);
}

static int all_nan(const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isnan(x[i])) return 0;
  return 1;
}

/* ---- the generic entry points ---- */
typedef struct {
  double v;
  int fail;
} loc_params;
static int loc(void *pp, double *ll, double *grad)
{
  loc_params *q = pp;
  if (q->fail) return BM_ENONFINITE; /* e.g. NaN data on this rank */
  *ll = q->v;
  if (grad) grad[0] = grad[1] = q->v;
  return BM_SUCCESS;
}

static void test_generic(void)
{
  int me = rank == bad;
  double ll, g[2], h[3];
  loc_params q = {1.0, 0};
  int st = bm_mpi_loglik_grad(MPI_COMM_WORLD, me ? NULL : loc, &q, 2, &ll, g);
  expect("loglik_grad: local = NULL", st, BM_EINVAL, bad);
  CHECK(isnan(ll) && all_nan(g, 2), "loglik_grad outputs not NaN");
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, loc, &q, 2, &ll, me ? NULL : g);
  expect("loglik_grad: grad = NULL with grad_len 2", st, BM_EINVAL, bad);
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, loc, &q, me ? 3 : 2, &ll, me ? h : g);
  expect("loglik_grad: grad_len 3 vs 2", st, BM_EBADLEN, bad);
  q.fail = me;
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, loc, &q, 2, &ll, g);
  expect("loglik_grad: local evaluation fails (NaN data)", st, BM_ENONFINITE, bad);
  q.fail = 0;
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, loc, &q, 2, &ll, g);
  CHECK(st == BM_SUCCESS && ll == (double)size && g[1] == (double)size, "loglik_grad after the faults");
  int who = 7;
  CHECK(bm_mpi_last_failure(&who) == BM_SUCCESS && who == -1, "last_failure after a success: rank %d", who);

  double buf[4] = {1, 2, 3, 4}, keep[4];
  memcpy(keep, buf, sizeof buf);
  st = bm_mpi_allreduce_sum(MPI_COMM_WORLD, me ? NULL : buf, 4);
  expect("allreduce_sum: buf = NULL", st, BM_EINVAL, bad);
  CHECK(me || memcmp(buf, keep, sizeof buf) == 0, "allreduce_sum changed buf on failure");
  st = bm_mpi_allreduce_sum(MPI_COMM_WORLD, buf, me ? 3 : 4);
  expect("allreduce_sum: n 3 vs 4", st, BM_EBADLEN, bad);
  st = bm_mpi_allreduce_sum(MPI_COMM_WORLD, buf, me ? 0 : 4);
  expect("allreduce_sum: n 0 vs 4", st, BM_EBADLEN, bad);
  st = bm_mpi_allreduce_sum(MPI_COMM_WORLD, buf, 4);
  CHECK(st == BM_SUCCESS && buf[3] == 4.0 * size, "allreduce_sum after the faults");

  /* not collective: NULL outputs are tolerated, and a lone call does not block */
  size_t first = 7, count = 7;
  bm_mpi_partition(MPI_COMM_WORLD, 10, me ? NULL : &first, &count);
  bm_mpi_partition(MPI_COMM_WORLD, 10, &first, me ? NULL : &count);
  CHECK(first <= 10 && count <= 10, "partition with a NULL output");
  if (me) {
    gsl_rng *r = bm_mpi_rng_alloc(MPI_COMM_WORLD, 3);
    CHECK(r != NULL, "rng_alloc on one rank only");
    gsl_rng_free(r);
  }
  /* streams depend on the rank count: rank 0 of the world and of a 1-rank communicator differ */
  MPI_Comm self;
  MPI_Comm_split(MPI_COMM_WORLD, rank, 0, &self);
  gsl_rng *rw = bm_mpi_rng_alloc(MPI_COMM_WORLD, 11), *rs = bm_mpi_rng_alloc(self, 11);
  if (rank == 0) CHECK(gsl_rng_get(rw) != gsl_rng_get(rs), "rank 0 draws the same stream at np = 1 and np = %d", size);
  gsl_rng_free(rw);
  gsl_rng_free(rs);
  MPI_Comm_free(&self);
}

/* ---- the seven families ---- */
static gsl_matrix *spd(size_t p, double diag)
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

static void test_vector_families(gsl_rng *r)
{
  int me = rank == bad;
  size_t p = 3, n = 5;
  gsl_matrix *X = gsl_matrix_alloc(n, p), *XT = gsl_matrix_alloc(p, n), *S = spd(p, 2.0), *S4 = spd(p + 1, 2.0);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, gsl_ran_gaussian(r, 1.0));
  gsl_matrix_transpose_memcpy(XT, X);
  gsl_vector *mu = gsl_vector_calloc(p), *mu4 = gsl_vector_calloc(p + 1), *dmu = gsl_vector_alloc(p);
  gsl_matrix *dS = gsl_matrix_alloc(p, p), *dS4 = gsl_matrix_alloc(p + 1, p + 1);
  bm_mvn *d = bm_mvn_alloc(p), *unset = bm_mvn_alloc(p), *d4 = bm_mvn_alloc(p + 1);
  bm_mvn_set(d, mu, S);
  bm_mvn_set(d4, mu4, S4);
  double ll, dnu;
  int st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, me ? NULL : d, X, &ll, dmu, dS);
  expect("mvn_loglik_grad: d = NULL", st, BM_EINVAL, bad);
  CHECK(isnan(ll) && all_nan(dmu->data, p) && all_nan(dS->data, p * p), "mvn outputs not NaN");
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, me ? unset : d, X, &ll, dmu, dS);
  expect("mvn_loglik_grad: d unset", st, BM_EINVAL, bad);
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, me ? d4 : d, X, &ll, NULL, NULL);
  expect("mvn_loglik_grad: dimension 4 vs 3", st, BM_EBADLEN, bad);
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, me ? XT : X, &ll, dmu, dS);
  expect("mvn_loglik_grad: X transposed", st, BM_EBADLEN, bad);
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, X, &ll, me ? NULL : dmu, dS);
  expect("mvn_loglik_grad: dmu = NULL", st, BM_EINVAL, ANY_RANK);
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, X, &ll, dmu, me ? dS4 : dS);
  expect("mvn_loglik_grad: dSigma 4 x 4", st, BM_EBADLEN, bad);
  gsl_matrix *Xn = gsl_matrix_alloc(n, p);
  gsl_matrix_memcpy(Xn, X);
  if (me) gsl_matrix_set(Xn, 2, 1, NAN);
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, Xn, &ll, dmu, dS);
  expect("mvn_loglik_grad: NaN data", st, BM_ENONFINITE, bad);
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, X, &ll, dmu, dS);
  CHECK(st == BM_SUCCESS && isfinite(ll), "mvn after the faults");

  bm_mvt *t = bm_mvt_alloc(p), *tu = bm_mvt_alloc(p);
  bm_mvt_set(t, 5.0, mu, S);
  st = bm_mpi_mvt_loglik_grad(MPI_COMM_WORLD, me ? tu : t, X, &ll, dmu, dS, &dnu);
  expect("mvt_loglik_grad: d unset", st, BM_EINVAL, bad);
  st = bm_mpi_mvt_loglik_grad(MPI_COMM_WORLD, t, me ? XT : X, &ll, dmu, dS, &dnu);
  expect("mvt_loglik_grad: X transposed", st, BM_EBADLEN, bad);
  st = bm_mpi_mvt_loglik_grad(MPI_COMM_WORLD, t, Xn, &ll, dmu, dS, &dnu);
  expect("mvt_loglik_grad: NaN data", st, BM_ENONFINITE, bad);
  st = bm_mpi_mvt_loglik_grad(MPI_COMM_WORLD, t, X, &ll, dmu, dS, me ? NULL : &dnu);
  expect("mvt_loglik_grad: dnu = NULL", st, BM_EINVAL, ANY_RANK);
  st = bm_mpi_mvt_loglik_grad(MPI_COMM_WORLD, t, X, &ll, dmu, dS, &dnu);
  CHECK(st == BM_SUCCESS && isfinite(dnu), "mvt after the faults");

  /* statistics: NULL, another dimension; s unchanged on failure */
  bm_mvn_stats *s = bm_mvn_stats_alloc(p), *s4 = bm_mvn_stats_alloc(p + 1);
  bm_mvn_stats_compute(s, X);
  double cnt;
  st = bm_mpi_mvn_stats_allmerge(MPI_COMM_WORLD, me ? NULL : s);
  expect("mvn_stats_allmerge: s = NULL", st, BM_EINVAL, bad);
  st = bm_mpi_mvn_stats_allmerge(MPI_COMM_WORLD, me ? s4 : s);
  expect("mvn_stats_allmerge: dimension 4 vs 3", st, BM_EBADLEN, bad);
  bm_mvn_stats_get(s, &cnt, NULL, NULL);
  CHECK(cnt == (double)n, "mvn stats changed by a failed merge");
  st = bm_mpi_mvn_stats_allmerge(MPI_COMM_WORLD, s);
  bm_mvn_stats_get(s, &cnt, NULL, NULL);
  CHECK(st == BM_SUCCESS && cnt == (double)(n * size), "mvn stats after the faults");

  bm_mvn_stats_free(s);
  bm_mvn_stats_free(s4);
  bm_mvt_free(t);
  bm_mvt_free(tu);
  bm_mvn_free(d);
  bm_mvn_free(unset);
  bm_mvn_free(d4);
  gsl_matrix *mats[] = {X, XT, S, S4, dS, dS4, Xn};
  for (size_t i = 0; i < 7; i++) gsl_matrix_free(mats[i]);
  gsl_vector_free(mu);
  gsl_vector_free(mu4);
  gsl_vector_free(dmu);
}

static void test_spd_families(gsl_rng *r)
{
  int me = rank == bad;
  size_t p = 3, m = 4;
  gsl_matrix *S = spd(p, 1.0), *S4 = spd(p + 1, 1.0), *G = gsl_matrix_alloc(p, p);
  bm_wishart *w = bm_wishart_alloc(p), *wu = bm_wishart_alloc(p), *w4 = bm_wishart_alloc(p + 1);
  bm_invwishart *iw = bm_invwishart_alloc(p), *iwu = bm_invwishart_alloc(p), *iw4 = bm_invwishart_alloc(p + 1);
  bm_matf *f = bm_matf_alloc(p), *fu = bm_matf_alloc(p), *f4 = bm_matf_alloc(p + 1);
  bm_wishart_set(w, 6.0, S);
  bm_wishart_set(w4, 6.0, S4);
  bm_invwishart_set(iw, 7.0, S);
  bm_invwishart_set(iw4, 7.0, S4);
  bm_matf_set(f, 5.0, 4.0, S);
  bm_matf_set(f4, 5.0, 4.0, S4);
  gsl_matrix *X[4], *Xn[4];
  for (size_t k = 0; k < m; k++) {
    X[k] = gsl_matrix_alloc(p, p);
    Xn[k] = gsl_matrix_alloc(p, p);
    bm_wishart_sample(w, r, X[k]);
    gsl_matrix_memcpy(Xn[k], X[k]);
  }
  if (me) gsl_matrix_set(Xn[1], 0, 0, NAN);
  const gsl_matrix *const *Xc = (const gsl_matrix *const *)X, *const *Xnc = (const gsl_matrix *const *)Xn;
  double ll, dnu, dde;
  int st = bm_mpi_wishart_loglik_grad(MPI_COMM_WORLD, me ? wu : w, Xc, m, &ll, G, &dnu);
  expect("wishart_loglik_grad: d unset", st, BM_EINVAL, bad);
  CHECK(isnan(ll) && isnan(dnu) && all_nan(G->data, p * p), "wishart outputs not NaN");
  st = bm_mpi_wishart_loglik_grad(MPI_COMM_WORLD, me ? w4 : w, Xc, m, &ll, NULL, &dnu);
  expect("wishart_loglik_grad: dimension 4 vs 3", st, BM_EBADLEN, bad);
  st = bm_mpi_wishart_loglik_grad(MPI_COMM_WORLD, w, Xnc, m, &ll, G, &dnu);
  expect("wishart_loglik_grad: NaN data", st, BM_ENONFINITE, bad);
  st = bm_mpi_wishart_loglik_grad(MPI_COMM_WORLD, w, me ? NULL : Xc, m, &ll, G, &dnu);
  expect("wishart_loglik_grad: X_local = NULL, m = 4", st, BM_EINVAL, bad);
  st = bm_mpi_wishart_loglik_grad(MPI_COMM_WORLD, w, Xc, m, &ll, me ? NULL : G, &dnu);
  expect("wishart_loglik_grad: d_S = NULL", st, BM_EINVAL, ANY_RANK);
  st = bm_mpi_invwishart_loglik_grad(MPI_COMM_WORLD, me ? iwu : iw, Xc, m, &ll, G, &dnu);
  expect("invwishart_loglik_grad: d unset", st, BM_EINVAL, bad);
  st = bm_mpi_invwishart_loglik_grad(MPI_COMM_WORLD, me ? iw4 : iw, Xc, m, &ll, NULL, &dnu);
  expect("invwishart_loglik_grad: dimension 4 vs 3", st, BM_EBADLEN, bad);
  st = bm_mpi_invwishart_loglik_grad(MPI_COMM_WORLD, iw, Xnc, m, &ll, G, &dnu);
  expect("invwishart_loglik_grad: NaN data", st, BM_ENONFINITE, bad);
  st = bm_mpi_matf_loglik_grad(MPI_COMM_WORLD, me ? fu : f, Xc, m, &ll, G, &dnu, &dde);
  expect("matf_loglik_grad: d unset", st, BM_EINVAL, bad);
  st = bm_mpi_matf_loglik_grad(MPI_COMM_WORLD, me ? f4 : f, Xc, m, &ll, NULL, &dnu, &dde);
  expect("matf_loglik_grad: dimension 4 vs 3", st, BM_EBADLEN, bad);
  st = bm_mpi_matf_loglik_grad(MPI_COMM_WORLD, f, Xnc, m, &ll, G, &dnu, &dde);
  expect("matf_loglik_grad: NaN data", st, BM_ENONFINITE, bad);
  st = bm_mpi_wishart_loglik_grad(MPI_COMM_WORLD, w, Xc, m, &ll, G, &dnu);
  CHECK(st == BM_SUCCESS && isfinite(ll), "wishart after the faults");

  bm_wishart_stats *ws = bm_wishart_stats_alloc(p), *ws4 = bm_wishart_stats_alloc(p + 1);
  bm_invwishart_stats *is = bm_invwishart_stats_alloc(p), *is4 = bm_invwishart_stats_alloc(p + 1);
  bm_wishart_stats_compute(ws, Xc, m);
  bm_invwishart_stats_compute(is, Xc, m);
  st = bm_mpi_wishart_stats_allmerge(MPI_COMM_WORLD, me ? NULL : ws);
  expect("wishart_stats_allmerge: s = NULL", st, BM_EINVAL, bad);
  st = bm_mpi_wishart_stats_allmerge(MPI_COMM_WORLD, me ? ws4 : ws);
  expect("wishart_stats_allmerge: dimension 4 vs 3", st, BM_EBADLEN, bad);
  st = bm_mpi_invwishart_stats_allmerge(MPI_COMM_WORLD, me ? NULL : is);
  expect("invwishart_stats_allmerge: s = NULL", st, BM_EINVAL, bad);
  st = bm_mpi_invwishart_stats_allmerge(MPI_COMM_WORLD, me ? is4 : is);
  expect("invwishart_stats_allmerge: dimension 4 vs 3", st, BM_EBADLEN, bad);
  double cnt;
  bm_wishart_stats_get(ws, &cnt, NULL, NULL);
  CHECK(cnt == (double)m, "wishart stats changed by a failed merge");
  st = bm_mpi_invwishart_stats_allmerge(MPI_COMM_WORLD, is);
  bm_invwishart_stats_get(is, &cnt, NULL, NULL);
  CHECK(st == BM_SUCCESS && cnt == (double)(m * size), "invwishart stats after the faults");

  bm_wishart_stats_free(ws);
  bm_wishart_stats_free(ws4);
  bm_invwishart_stats_free(is);
  bm_invwishart_stats_free(is4);
  for (size_t k = 0; k < m; k++) {
    gsl_matrix_free(X[k]);
    gsl_matrix_free(Xn[k]);
  }
  bm_wishart_free(w);
  bm_wishart_free(wu);
  bm_wishart_free(w4);
  bm_invwishart_free(iw);
  bm_invwishart_free(iwu);
  bm_invwishart_free(iw4);
  bm_matf_free(f);
  bm_matf_free(fu);
  bm_matf_free(f4);
  gsl_matrix_free(S);
  gsl_matrix_free(S4);
  gsl_matrix_free(G);
}

static void test_matrix_families(gsl_rng *r)
{
  int me = rank == bad;
  size_t n = 2, p = 3, m = 4;
  /* the good ranks hold 2 x 3 objects; the bad one a 3 x 2 (transposed) one */
  gsl_matrix *M = gsl_matrix_calloc(n, p), *MT = gsl_matrix_calloc(p, n), *U = spd(n, 1.0), *V = spd(p, 1.5);
  bm_matnorm *d = bm_matnorm_alloc(n, p), *du = bm_matnorm_alloc(n, p), *dT = bm_matnorm_alloc(p, n);
  bm_matt *t = bm_matt_alloc(n, p), *tu = bm_matt_alloc(n, p), *tT = bm_matt_alloc(p, n);
  bm_matnorm_set(d, M, U, V);
  bm_matnorm_set(dT, MT, V, U);
  bm_matt_set(t, 5.0, M, U, V);
  bm_matt_set(tT, 5.0, MT, V, U);
  gsl_matrix *X[4], *XT[4], *Xn[4];
  for (size_t k = 0; k < m; k++) {
    X[k] = gsl_matrix_alloc(n, p);
    XT[k] = gsl_matrix_alloc(p, n);
    Xn[k] = gsl_matrix_alloc(n, p);
    bm_matnorm_sample(d, r, X[k]);
    gsl_matrix_transpose_memcpy(XT[k], X[k]);
    gsl_matrix_memcpy(Xn[k], X[k]);
  }
  if (me) gsl_matrix_set(Xn[3], 1, 2, NAN);
  const gsl_matrix *const *Xc = (const gsl_matrix *const *)X, *const *XTc = (const gsl_matrix *const *)XT,
                          *const *Xnc = (const gsl_matrix *const *)Xn;
  gsl_matrix *dM = gsl_matrix_alloc(n, p), *dMT = gsl_matrix_alloc(p, n), *dU = gsl_matrix_alloc(n, n),
             *dV = gsl_matrix_alloc(p, p);
  double ll, dnu;
  int st = bm_mpi_matnorm_loglik_grad(MPI_COMM_WORLD, me ? du : d, Xc, m, &ll, dM, dU, dV);
  expect("matnorm_loglik_grad: d unset", st, BM_EINVAL, bad);
  CHECK(isnan(ll) && all_nan(dM->data, n * p) && all_nan(dV->data, p * p), "matnorm outputs not NaN");
  st = bm_mpi_matnorm_loglik_grad(MPI_COMM_WORLD, me ? dT : d, me ? XTc : Xc, m, &ll, NULL, NULL, NULL);
  expect("matnorm_loglik_grad: 3 x 2 vs 2 x 3", st, BM_EBADLEN, bad);
  st = bm_mpi_matnorm_loglik_grad(MPI_COMM_WORLD, d, me ? XTc : Xc, m, &ll, dM, dU, dV);
  expect("matnorm_loglik_grad: X transposed", st, BM_EBADLEN, bad);
  st = bm_mpi_matnorm_loglik_grad(MPI_COMM_WORLD, d, Xc, m, &ll, me ? dMT : dM, dU, dV);
  expect("matnorm_loglik_grad: dM transposed", st, BM_EBADLEN, bad);
  st = bm_mpi_matnorm_loglik_grad(MPI_COMM_WORLD, d, Xnc, m, &ll, dM, dU, dV);
  expect("matnorm_loglik_grad: NaN data", st, BM_ENONFINITE, bad);
  st = bm_mpi_matnorm_loglik_grad(MPI_COMM_WORLD, d, Xc, m, &ll, dM, dU, me ? NULL : dV);
  expect("matnorm_loglik_grad: dV = NULL", st, BM_EINVAL, ANY_RANK);
  st = bm_mpi_matt_loglik_grad(MPI_COMM_WORLD, me ? tu : t, Xc, m, &ll, dM, dU, dV, &dnu);
  expect("matt_loglik_grad: d unset", st, BM_EINVAL, bad);
  st = bm_mpi_matt_loglik_grad(MPI_COMM_WORLD, me ? tT : t, me ? XTc : Xc, m, &ll, NULL, NULL, NULL, &dnu);
  expect("matt_loglik_grad: 3 x 2 vs 2 x 3", st, BM_EBADLEN, bad);
  st = bm_mpi_matt_loglik_grad(MPI_COMM_WORLD, t, Xnc, m, &ll, dM, dU, dV, &dnu);
  expect("matt_loglik_grad: NaN data", st, BM_ENONFINITE, bad);
  st = bm_mpi_matnorm_loglik_grad(MPI_COMM_WORLD, d, Xc, m, &ll, dM, dU, dV);
  CHECK(st == BM_SUCCESS && isfinite(ll), "matnorm after the faults");

  /* statistics 2 x 3 on the good ranks, 3 x 2 on the bad one: same packed length, refused */
  bm_matnorm_stats *s = bm_matnorm_stats_alloc(n, p), *sT = bm_matnorm_stats_alloc(p, n);
  bm_matnorm_stats_compute(s, Xc, m);
  bm_matnorm_stats_compute(sT, XTc, m);
  CHECK(bm_matnorm_stats_packed_len(s) == bm_matnorm_stats_packed_len(sT), "transposed summary has another length");
  st = bm_mpi_matnorm_stats_allmerge(MPI_COMM_WORLD, me ? sT : s);
  expect("matnorm_stats_allmerge: 3 x 2 vs 2 x 3", st, BM_EBADLEN, bad);
  st = bm_mpi_matnorm_stats_allmerge(MPI_COMM_WORLD, me ? NULL : s);
  expect("matnorm_stats_allmerge: s = NULL", st, BM_EINVAL, bad);
  double cnt;
  bm_matnorm_stats_get(s, &cnt, NULL, NULL);
  CHECK(cnt == (double)m, "matnorm stats changed by a failed merge");
  st = bm_mpi_matnorm_stats_allmerge(MPI_COMM_WORLD, s);
  bm_matnorm_stats_get(s, &cnt, NULL, NULL);
  CHECK(st == BM_SUCCESS && cnt == (double)(m * size), "matnorm stats after the faults");

  bm_matnorm_stats_free(s);
  bm_matnorm_stats_free(sT);
  for (size_t k = 0; k < m; k++) {
    gsl_matrix_free(X[k]);
    gsl_matrix_free(XT[k]);
    gsl_matrix_free(Xn[k]);
  }
  bm_matnorm_free(d);
  bm_matnorm_free(du);
  bm_matnorm_free(dT);
  bm_matt_free(t);
  bm_matt_free(tu);
  bm_matt_free(tT);
  gsl_matrix *mats[] = {M, MT, U, V, dM, dMT, dU, dV};
  for (size_t i = 0; i < 8; i++) gsl_matrix_free(mats[i]);
}

/* ---- conjugate models ---- */
static void test_conjugate(gsl_rng *r)
{
  int me = rank == bad;
  size_t n = 20, p = 3, k = 2, dd = 2;
  gsl_matrix *X = gsl_matrix_alloc(n, p), *Y = gsl_matrix_alloc(n, dd), *I3 = spd(p, 1.0), *I4 = spd(p + 1, 1.0);
  gsl_vector *y = gsl_vector_alloc(n), *z3 = gsl_vector_calloc(p), *z4 = gsl_vector_calloc(p + 1);
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, 1.0 + gsl_ran_gaussian(r, 1.0));
    for (size_t j = 0; j < dd; j++) gsl_matrix_set(Y, i, j, gsl_ran_gaussian(r, 1.0));
    gsl_vector_set(y, i, gsl_ran_gaussian(r, 1.0));
  }
  double ev0, ev1;
  /* NIW: NULL model, unset model, model of another dimension, another prior, NULL summary */
  {
    bm_niw *m = bm_niw_alloc(p), *mu = bm_niw_alloc(p), *m4 = bm_niw_alloc(p + 1), *mo = bm_niw_alloc(p);
    bm_niw_set_prior(m, z3, 1.0, p + 2.0, I3);
    bm_niw_set_prior(m4, z4, 1.0, p + 3.0, I4);
    bm_niw_set_prior(mo, z3, 2.0, p + 2.0, I3);
    bm_niw_stats *s = bm_niw_stats_alloc(p);
    bm_niw_stats_compute(s, X);
    bm_niw_log_evidence(m, &ev0);
    int st = bm_mpi_niw_update_stats(MPI_COMM_WORLD, me ? NULL : m, s);
    expect("niw_update_stats: m = NULL", st, BM_EINVAL, bad);
    st = bm_mpi_niw_update_stats(MPI_COMM_WORLD, me ? mu : m, s);
    expect("niw_update_stats: model unset", st, BM_EINVAL, bad);
    st = bm_mpi_niw_update_stats(MPI_COMM_WORLD, me ? m4 : m, s);
    expect("niw_update_stats: model of dimension 4, summary 3", st, BM_EBADLEN, bad);
    st = bm_mpi_niw_update_stats(MPI_COMM_WORLD, me ? mo : m, s);
    expect("niw_update_stats: another prior on one rank", st, BM_EINVAL, ANY_RANK);
    st = bm_mpi_niw_update_stats(MPI_COMM_WORLD, m, me ? NULL : s);
    expect("niw_update_stats: s = NULL", st, BM_EINVAL, bad);
    bm_niw_log_evidence(m, &ev1);
    CHECK(ev1 == ev0, "niw model changed by a failed update");
    st = bm_mpi_niw_update_stats(MPI_COMM_WORLD, m, s);
    bm_niw_log_evidence(m, &ev1);
    CHECK(st == BM_SUCCESS && ev1 != ev0, "niw update after the faults");
    bm_niw_stats_free(s);
    bm_niw *ms[] = {m, mu, m4, mo};
    for (int i = 0; i < 4; i++) bm_niw_free(ms[i]);
  }
  /* BLR */
  {
    gsl_matrix_view Xk = gsl_matrix_submatrix(X, 0, 0, n, k);
    gsl_matrix *V2 = spd(k, 1.0), *V3 = spd(k + 1, 1.0);
    gsl_vector *m2 = gsl_vector_calloc(k), *m3 = gsl_vector_calloc(k + 1);
    bm_blr *m = bm_blr_alloc(k), *mu = bm_blr_alloc(k), *m3m = bm_blr_alloc(k + 1), *mo = bm_blr_alloc(k);
    bm_blr_set_prior_nig(m, m2, V2, 2.0, 1.0);
    bm_blr_set_prior_nig(m3m, m3, V3, 2.0, 1.0);
    bm_blr_set_prior_nig(mo, m2, V2, 3.0, 1.0);
    bm_blr_stats *s = bm_blr_stats_alloc(k);
    bm_blr_stats_compute(s, &Xk.matrix, y, NULL);
    bm_blr_log_evidence(m, &ev0);
    int st = bm_mpi_blr_update_stats(MPI_COMM_WORLD, me ? NULL : m, s);
    expect("blr_update_stats: m = NULL", st, BM_EINVAL, bad);
    st = bm_mpi_blr_update_stats(MPI_COMM_WORLD, me ? mu : m, s);
    expect("blr_update_stats: model unset", st, BM_EINVAL, bad);
    st = bm_mpi_blr_update_stats(MPI_COMM_WORLD, me ? m3m : m, s);
    expect("blr_update_stats: model of dimension 3, summary 2", st, BM_EBADLEN, bad);
    st = bm_mpi_blr_update_stats(MPI_COMM_WORLD, me ? mo : m, s);
    expect("blr_update_stats: another prior on one rank", st, BM_EINVAL, ANY_RANK);
    bm_blr_log_evidence(m, &ev1);
    CHECK(ev1 == ev0, "blr model changed by a failed update");
    st = bm_mpi_blr_update_stats(MPI_COMM_WORLD, m, s);
    CHECK(st == BM_SUCCESS, "blr update after the faults");
    bm_blr_stats_free(s);
    bm_blr *ms[] = {m, mu, m3m, mo};
    for (int i = 0; i < 4; i++) bm_blr_free(ms[i]);
    gsl_matrix_free(V2);
    gsl_matrix_free(V3);
    gsl_vector_free(m2);
    gsl_vector_free(m3);
  }
  /* MNIW: Y (n x 2) on the first k = 2 columns of X; a transposed (d, k) = (2, 2) would
   * not differ, so the transposed case uses k = 3, d = 2 against k = 2, d = 3 */
  {
    gsl_matrix *B0 = gsl_matrix_calloc(p, dd), *B0T = gsl_matrix_calloc(dd, p), *P2 = spd(dd, 1.0);
    bm_mniw *m = bm_mniw_alloc(p, dd), *mu = bm_mniw_alloc(p, dd), *mT = bm_mniw_alloc(dd, p);
    bm_mniw_set_prior(m, B0, I3, 4.0, P2);
    bm_mniw_set_prior(mT, B0T, P2, 5.0, I3);
    bm_mniw_stats *s = bm_mniw_stats_alloc(p, dd), *sT = bm_mniw_stats_alloc(dd, p);
    bm_mniw_stats_compute(s, X, Y);
    gsl_matrix_view Xd = gsl_matrix_submatrix(X, 0, 0, n, dd);
    bm_mniw_stats_compute(sT, &Xd.matrix, X);
    CHECK(bm_mniw_stats_packed_len(s) == bm_mniw_stats_packed_len(sT), "transposed mniw summary has another length");
    bm_mniw_log_evidence(m, &ev0);
    int st = bm_mpi_mniw_update_stats(MPI_COMM_WORLD, me ? NULL : m, s);
    expect("mniw_update_stats: m = NULL", st, BM_EINVAL, bad);
    st = bm_mpi_mniw_update_stats(MPI_COMM_WORLD, me ? mu : m, s);
    expect("mniw_update_stats: model unset", st, BM_EINVAL, bad);
    st = bm_mpi_mniw_update_stats(MPI_COMM_WORLD, me ? mT : m, me ? sT : s);
    expect("mniw_update_stats: (2, 3) vs (3, 2) model + summary", st, BM_EBADLEN, bad);
    st = bm_mpi_mniw_update_stats(MPI_COMM_WORLD, m, me ? sT : s);
    expect("mniw_update_stats: summary (2, 3), model (3, 2)", st, BM_EBADLEN, bad);
    bm_mniw_log_evidence(m, &ev1);
    CHECK(ev1 == ev0, "mniw model changed by a failed update");
    st = bm_mpi_mniw_update_stats(MPI_COMM_WORLD, m, s);
    CHECK(st == BM_SUCCESS, "mniw update after the faults");
    bm_mniw_stats_free(s);
    bm_mniw_stats_free(sT);
    bm_mniw_free(m);
    bm_mniw_free(mu);
    bm_mniw_free(mT);
    gsl_matrix_free(B0);
    gsl_matrix_free(B0T);
    gsl_matrix_free(P2);
  }
  gsl_matrix_free(X);
  gsl_matrix_free(Y);
  gsl_matrix_free(I3);
  gsl_matrix_free(I4);
  gsl_vector_free(y);
  gsl_vector_free(z3);
  gsl_vector_free(z4);
}

/* ---- Monte Carlo checks ---- */
typedef struct {
  bm_mvn *d;
  gsl_vector *x;
} fisher_params;
static int f_draw(gsl_rng *r, void *pp)
{
  fisher_params *fp = pp;
  return bm_mvn_sample(fp->d, r, fp->x);
}
static int f_score(void *pp, gsl_vector *s)
{
  fisher_params *fp = pp;
  return bm_mvn_score(fp->d, fp->x, s);
}

static int nn_prior(gsl_rng *r, void *pp, gsl_vector *theta)
{
  (void)pp;
  gsl_vector_set(theta, 0, gsl_ran_gaussian(r, 1.0));
  return BM_SUCCESS;
}
static int nn_sim(gsl_rng *r, const gsl_vector *theta, void *pp)
{
  double *mean = pp;
  *mean = 0.5 * (gsl_vector_get(theta, 0) + gsl_ran_gaussian(r, 1.0));
  return BM_SUCCESS;
}
static int nn_post(gsl_rng *r, void *pp, gsl_vector *theta)
{
  double *mean = pp;
  gsl_vector_set(theta, 0, *mean + gsl_ran_gaussian(r, sqrt(0.5)));
  return BM_SUCCESS;
}

static void test_checks(void)
{
  int me = rank == bad;
  size_t p = 2, dim = 5;
  gsl_vector *mu = gsl_vector_calloc(p), *x = gsl_vector_alloc(p);
  gsl_matrix *S = spd(p, 1.0), *I = gsl_matrix_alloc(dim, dim), *In = gsl_matrix_alloc(dim, dim),
             *I6 = gsl_matrix_alloc(dim + 1, dim + 1), *MO = gsl_matrix_alloc(dim, dim);
  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvn_set(d, mu, S);
  bm_mvn_fisher(d, I);
  gsl_matrix_memcpy(In, I);
  gsl_matrix_set(In, 1, 1, NAN);
  gsl_matrix_set_identity(I6);
  fisher_params fp = {d, x};
  bm_fisher_mc_problem prob = {dim, f_draw, f_score, NULL, &fp}, prob6 = {dim + 1, f_draw, f_score, NULL, &fp};
  bm_fisher_mc_result res;
  size_t N = 400;
  int st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, me ? NULL : &prob, I, 5, N, 5.0, MO, NULL, &res);
  expect("check_fisher_mc: prob = NULL", st, BM_EINVAL, bad);
  CHECK(all_nan(MO->data, dim * dim), "fisher mean_outer not NaN");
  st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &prob, I, 5, N, 5.0, NULL, NULL, me ? NULL : &res);
  expect("check_fisher_mc: res = NULL", st, BM_EINVAL, bad);
  st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &prob, me ? In : I, 5, N, 5.0, NULL, NULL, &res);
  expect("check_fisher_mc: NaN in fisher", st, BM_ENONFINITE, bad);
  st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, me ? &prob6 : &prob, me ? I6 : I, 5, N, 5.0, NULL, NULL, &res);
  expect("check_fisher_mc: dim 6 vs 5", st, BM_EBADLEN, bad);
  st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &prob, I, 5, me ? N + 1 : N, 5.0, NULL, NULL, &res);
  expect("check_fisher_mc: N differs", st, BM_EINVAL, bad);
  st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &prob, I, 5, N, 5.0, NULL, NULL, &res);
  CHECK(st == BM_SUCCESS && res.draws == N, "fisher mc after the faults");

  double mean = 0.0;
  bm_sbc_problem sp = {1, 1, nn_prior, nn_sim, nn_post, NULL, &mean};
  bm_sbc_result sr;
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, me ? NULL : &sp, 3, 60, 9, 5, NULL, &sr);
  expect("check_sbc: prob = NULL", st, BM_EINVAL, bad);
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, &sp, 3, 60, 9, 5, NULL, me ? NULL : &sr);
  expect("check_sbc: res = NULL", st, BM_EINVAL, bad);
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, &sp, 3, 60, 9, me ? 4 : 5, NULL, &sr);
  expect("check_sbc: nbins 4 vs 5", st, BM_EINVAL, bad);
  bm_sbc_problem sp0 = sp;
  sp0.sample_posterior = NULL;
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, me ? &sp0 : &sp, 3, 60, 9, 5, NULL, &sr);
  expect("check_sbc: sample_posterior unset", st, BM_EINVAL, bad);
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, &sp, 3, 60, 9, 5, NULL, &sr);
  CHECK(st == BM_SUCCESS && sr.p_min >= 0.0 && sr.p_min <= 1.0, "sbc after the faults");

  bm_mvn_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(x);
  gsl_matrix *mats[] = {S, I, In, I6, MO};
  for (size_t i = 0; i < 5; i++) gsl_matrix_free(mats[i]);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  bad = size - 1;
  if (rank == 0) printf("mpi faults (%d ranks; rank %d gets the bad argument):\n", size, bad);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 17);
  test_generic();
  test_vector_families(r);
  test_spd_families(r);
  test_matrix_families(r);
  test_conjugate(r);
  test_checks();
  gsl_rng_free(r);
  int counts[2] = {passed, failed};
  MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf("mpi faults (%d ranks): %d passed, %d failed\n", size, counts[0], counts[1]);
  MPI_Finalize();
  return counts[1] != 0;
}
