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
#include "mpi_testutil.h"

static int bad; /* the faulty rank (the last) */

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
  /* the same message on every rank: rank 0's text broadcast and compared */
  char msg0[256], prefix[32];
  snprintf(msg0, sizeof msg0, "%s", bm_last_error());
  MPI_Bcast(msg0, (int)sizeof msg0, MPI_CHAR, 0, MPI_COMM_WORLD);
  int differs = strcmp(msg0, bm_last_error()) != 0;
  MPI_Allreduce(MPI_IN_PLACE, &differs, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  CHECK(!differs, "%s: ranks have different messages (\"%s\" here, \"%s\" on rank 0)", name, bm_last_error(), msg0);
  snprintf(prefix, sizeof prefix, "rank %d: ", who);
  CHECK(who < 0 || strncmp(bm_last_error(), prefix, strlen(prefix)) == 0, "%s: message \"%s\" does not start with \"%s\"",
        name, bm_last_error(), prefix);
  CHECK(strlen(bm_last_error()) > strlen(prefix) + 4, "%s: message \"%s\" says nothing", name, bm_last_error());
  const char *msg = bm_strerror(st), *colon = strchr(msg, ':');
  if (rank == 0)
    printf("  %-52s -> %.*s on every rank, failing rank %d\n      \"%s\"\n", name,
           colon ? (int)(colon - msg) : (int)strlen(msg), msg, who, bm_last_error());
}

/* the shared message of the last case says what failed */
static void expect_says(const char *name, const char *phrase)
{
  CHECK(strstr(bm_last_error(), phrase) != NULL, "%s: message \"%s\" does not say \"%s\"", name, bm_last_error(),
        phrase);
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
  expect_says("loglik_grad: local = NULL", "bm_mpi_loglik_grad: local is NULL");
  CHECK(isnan(ll) && all_nan(g, 2), "loglik_grad outputs not NaN");
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, loc, &q, 2, &ll, me ? NULL : g);
  expect("loglik_grad: grad = NULL with grad_len 2", st, BM_EINVAL, bad);
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, loc, &q, me ? 3 : 2, &ll, me ? h : g);
  expect("loglik_grad: grad_len 3 vs 2", st, BM_EBADLEN, bad);
  expect_says("loglik_grad: grad_len 3 vs 2", "dimension or shape differs from rank 0's (2 on rank 0)");
  q.fail = me;
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, loc, &q, 2, &ll, g);
  expect("loglik_grad: local evaluation fails (NaN data)", st, BM_ENONFINITE, bad);
  expect_says("loglik_grad: local evaluation fails", "local returned");
  q.fail = 0;
  st = bm_mpi_loglik_grad(MPI_COMM_WORLD, loc, &q, 2, &ll, g);
  CHECK(st == BM_SUCCESS && ll == (double)size && g[1] == (double)size, "loglik_grad after the faults");
  int who = 7;
  CHECK(bm_mpi_last_failure(&who) == BM_SUCCESS && who == -1, "last_failure after a success: rank %d", who);

  double buf[4] = {1, 2, 3, 4}, keep[4];
  memcpy(keep, buf, sizeof buf);
  st = bm_mpi_allreduce_sum(MPI_COMM_WORLD, me ? NULL : buf, 4);
  expect("allreduce_sum: buf = NULL", st, BM_EINVAL, bad);
  expect_says("allreduce_sum: buf = NULL", "buf is NULL");
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

/* ---- summaries and conjugate updates: tables of faults ---- */

/* what the bad rank passes in place of the good summary (or model) */
typedef struct {
  const char *what;
  void *obj, *stats;
  int want, want_rank;
} fault_case;

/* bm_mpi_<fam>_stats_allmerge and the count of a <fam> summary, behind void * */
#define MERGE_OPS(fam)                                                                                      \
  static int fam##_merge(void *s) { return bm_mpi_##fam##_stats_allmerge(MPI_COMM_WORLD, s); }              \
  static double fam##_count(const void *s)                                                                  \
  {                                                                                                         \
    double n;                                                                                               \
    bm_##fam##_stats_get(s, &n, NULL, NULL);                                                                \
    return n;                                                                                               \
  }
MERGE_OPS(mvn)
MERGE_OPS(wishart)
MERGE_OPS(invwishart)
MERGE_OPS(matnorm)

/* each case's summary on the bad rank, s on the others: the expected status;
 * then s (holding n observations) is unchanged and a good merge counts n * size */
static void merge_faults(const char *fam, int (*merge)(void *), double (*count)(const void *), void *s, double n,
                         const fault_case *cases, size_t ncases)
{
  char name[96];
  for (size_t i = 0; i < ncases; i++) {
    snprintf(name, sizeof name, "%s_stats_allmerge: %s", fam, cases[i].what);
    expect(name, merge(rank == bad ? cases[i].stats : s), cases[i].want, cases[i].want_rank);
  }
  CHECK(count(s) == n, "%s stats changed by a failed merge", fam);
  int st = merge(s);
  CHECK(st == BM_SUCCESS && count(s) == n * size, "%s stats after the faults", fam);
}

/* bm_mpi_<model>_update_stats and bm_<model>_log_evidence behind void * */
#define UPDATE_OPS(model)                                                                                   \
  static int model##_upd(void *m, void *s) { return bm_mpi_##model##_update_stats(MPI_COMM_WORLD, m, s); } \
  static int model##_ev(const void *m, double *ev) { return bm_##model##_log_evidence(m, ev); }
UPDATE_OPS(niw)
UPDATE_OPS(blr)
UPDATE_OPS(mniw)

/* a NULL model, then the model `unset` (allocated, no prior), then each
 * case's (model, summary) on the bad rank, (m, s) on the others: the expected
 * status; then m is unchanged (same evidence) and a good update changes it */
static void update_faults(const char *model, int (*upd)(void *, void *), int (*ev)(const void *, double *), void *m,
                          void *s, void *unset, const fault_case *cases, size_t ncases)
{
  char name[96];
  double ev0, ev1;
  ev(m, &ev0);
  const fault_case first[] = {{"m = NULL", NULL, s, BM_EINVAL, bad}, {"model unset", unset, s, BM_EINVAL, bad}};
  for (size_t i = 0; i < 2 + ncases; i++) {
    const fault_case *c = i < 2 ? &first[i] : &cases[i - 2];
    snprintf(name, sizeof name, "%s_update_stats: %s", model, c->what);
    int me = rank == bad;
    expect(name, upd(me ? c->obj : m, me ? c->stats : s), c->want, c->want_rank);
  }
  ev(m, &ev1);
  CHECK(ev1 == ev0, "%s model changed by a failed update", model);
  int st = upd(m, s);
  ev(m, &ev1);
  CHECK(st == BM_SUCCESS && ev1 != ev0, "%s update after the faults", model);
}

/* ---- the seven families ---- */
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
  const fault_case merges[] = {{"s = NULL", NULL, NULL, BM_EINVAL, bad}, {"dimension 4 vs 3", NULL, s4, BM_EBADLEN, bad}};
  merge_faults("mvn", mvn_merge, mvn_count, s, (double)n, merges, 2);

  bm_mvn_stats_free(s);
  bm_mvn_stats_free(s4);
  bm_mvt_free(t);
  bm_mvt_free(tu);
  bm_mvn_free(d);
  bm_mvn_free(unset);
  bm_mvn_free(d4);
  free_matrices(X, XT, S, S4, dS, dS4, Xn);
  free_vectors(mu, mu4, dmu);
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
  const fault_case wmerges[] = {{"s = NULL", NULL, NULL, BM_EINVAL, bad},
                                {"dimension 4 vs 3", NULL, ws4, BM_EBADLEN, bad}},
                   imerges[] = {{"s = NULL", NULL, NULL, BM_EINVAL, bad},
                                {"dimension 4 vs 3", NULL, is4, BM_EBADLEN, bad}};
  merge_faults("wishart", wishart_merge, wishart_count, ws, (double)m, wmerges, 2);
  merge_faults("invwishart", invwishart_merge, invwishart_count, is, (double)m, imerges, 2);

  bm_wishart_stats_free(ws);
  bm_wishart_stats_free(ws4);
  bm_invwishart_stats_free(is);
  bm_invwishart_stats_free(is4);
  free_matrix_list(X, m);
  free_matrix_list(Xn, m);
  bm_wishart *wd[] = {w, wu, w4};
  bm_invwishart *iwd[] = {iw, iwu, iw4};
  bm_matf *fd[] = {f, fu, f4};
  for (int i = 0; i < 3; i++) {
    bm_wishart_free(wd[i]);
    bm_invwishart_free(iwd[i]);
    bm_matf_free(fd[i]);
  }
  free_matrices(S, S4, G);
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
  expect_says("matnorm_loglik_grad: X transposed", "rank ");
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
  const fault_case merges[] = {{"3 x 2 vs 2 x 3", NULL, sT, BM_EBADLEN, bad}, {"s = NULL", NULL, NULL, BM_EINVAL, bad}};
  merge_faults("matnorm", matnorm_merge, matnorm_count, s, (double)m, merges, 2);

  bm_matnorm_stats_free(s);
  bm_matnorm_stats_free(sT);
  for (size_t k = 0; k < m; k++) {
    free_matrices(X[k], XT[k], Xn[k]);
  }
  bm_matnorm *dd[] = {d, du, dT};
  bm_matt *td[] = {t, tu, tT};
  for (int i = 0; i < 3; i++) {
    bm_matnorm_free(dd[i]);
    bm_matt_free(td[i]);
  }
  free_matrices(M, MT, U, V, dM, dMT, dU, dV);
}

/* ---- conjugate models ---- */
static void test_conjugate(gsl_rng *r)
{
  size_t n = 20, p = 3, k = 2, dd = 2;
  gsl_matrix *X = gsl_matrix_alloc(n, p), *Y = gsl_matrix_alloc(n, dd), *I3 = spd(p, 1.0), *I4 = spd(p + 1, 1.0);
  gsl_vector *y = gsl_vector_alloc(n), *z3 = gsl_vector_calloc(p), *z4 = gsl_vector_calloc(p + 1);
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, 1.0 + gsl_ran_gaussian(r, 1.0));
    for (size_t j = 0; j < dd; j++) gsl_matrix_set(Y, i, j, gsl_ran_gaussian(r, 1.0));
    gsl_vector_set(y, i, gsl_ran_gaussian(r, 1.0));
  }
  /* NIW: NULL model, unset model, model of another dimension, another prior, NULL summary */
  {
    bm_niw *m = bm_niw_alloc(p), *mu = bm_niw_alloc(p), *m4 = bm_niw_alloc(p + 1), *mo = bm_niw_alloc(p);
    bm_niw_set_prior(m, z3, 1.0, p + 2.0, I3);
    bm_niw_set_prior(m4, z4, 1.0, p + 3.0, I4);
    bm_niw_set_prior(mo, z3, 2.0, p + 2.0, I3);
    bm_niw_stats *s = bm_niw_stats_alloc(p);
    bm_niw_stats_compute(s, X);
    const fault_case cases[] = {{"model of dimension 4, summary 3", m4, s, BM_EBADLEN, bad},
                                {"another prior on one rank", mo, s, BM_EINVAL, ANY_RANK},
                                {"s = NULL", m, NULL, BM_EINVAL, bad}};
    update_faults("niw", niw_upd, niw_ev, m, s, mu, cases, 3);
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
    const fault_case cases[] = {{"model of dimension 3, summary 2", m3m, s, BM_EBADLEN, bad},
                                {"another prior on one rank", mo, s, BM_EINVAL, ANY_RANK}};
    update_faults("blr", blr_upd, blr_ev, m, s, mu, cases, 2);
    bm_blr_stats_free(s);
    bm_blr *ms[] = {m, mu, m3m, mo};
    for (int i = 0; i < 4; i++) bm_blr_free(ms[i]);
    free_matrices(V2, V3);
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
    const fault_case cases[] = {{"(2, 3) vs (3, 2) model + summary", mT, sT, BM_EBADLEN, bad},
                                {"summary (2, 3), model (3, 2)", m, sT, BM_EBADLEN, bad}};
    update_faults("mniw", mniw_upd, mniw_ev, m, s, mu, cases, 2);
    bm_mniw_stats_free(s);
    bm_mniw_stats_free(sT);
    bm_mniw *ms[] = {m, mu, mT};
    for (int i = 0; i < 3; i++) bm_mniw_free(ms[i]);
    free_matrices(B0, B0T, P2);
  }
  free_matrices(X, Y, I3, I4);
  free_vectors(y, z3, z4);
}

/* ---- Monte Carlo checks ---- */
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
  mvn_mc fp = {d, x};
  bm_fisher_mc_problem prob = {dim, mvn_mc_draw, mvn_mc_score, NULL, &fp}, prob6 = {dim + 1, mvn_mc_draw, mvn_mc_score, NULL, &fp};
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
  free_matrices(S, I, In, I6, MO);
}

int main(int argc, char **argv)
{
  mpi_test_init(&argc, &argv);
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
  return mpi_test_finish("mpi faults");
}
