/* Tests of the distributed family functions of bayesmat_mpi, run
 * by ctest under mpirun -np 1, 2, 4. Every rank builds the same data from a
 * fixed seed, passes its own share (bm_mpi_partition) to the distributed
 * call, and compares with the single-process result it computes itself on
 * all the data: <= 1e-12 relative (gradients: relative to their largest
 * entry), and bit-identical on every rank. Prints "N passed, N failed".
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "mpi_testutil.h"

static void test_mvn_mvt(gsl_rng *r)
{
  size_t n = 1001, p = 4, first, count;
  gsl_matrix *X = gsl_matrix_alloc(n, p), *Sigma = gsl_matrix_alloc(p, p);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, 1.0 + (double)j + gsl_ran_gaussian(r, 1.0 + (double)j));
  gsl_vector *mu = gsl_vector_alloc(p);
  for (size_t j = 0; j < p; j++) gsl_vector_set(mu, j, 0.9 + (double)j);
  gsl_matrix_set_identity(Sigma);
  for (size_t j = 0; j < p; j++) gsl_matrix_set(Sigma, j, j, 1.0 + (double)j);
  gsl_matrix_set(Sigma, 0, 1, 0.3);
  gsl_matrix_set(Sigma, 1, 0, 0.3);
  bm_mpi_partition(MPI_COMM_WORLD, n, &first, &count);
  gsl_matrix_view Xl = gsl_matrix_submatrix(X, first, 0, count, p);
  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvn_set(d, mu, Sigma);
  double ll, ll1;
  gsl_vector *g = gsl_vector_alloc(p), *g1 = gsl_vector_alloc(p);
  gsl_matrix *G = gsl_matrix_alloc(p, p), *G1 = gsl_matrix_alloc(p, p);
  int st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, count ? &Xl.matrix : NULL, &ll, g, G);
  bm_mvn_loglik_grad(d, X, &ll1, g1, G1);
  CHECK(st == BM_SUCCESS, "mvn status %d", st);
  CHECK(rel(ll, ll1) <= 1e-12 && vrel(g, g1) <= 1e-12 && mrel(G, G1) <= 1e-12, "mvn: ll rel %.3g, dmu %.3g, dSigma %.3g",
        rel(ll, ll1), vrel(g, g1), mrel(G, G1));
  CHECK(same_on_all_ranks(&ll, 1) && same_on_all_ranks(G->data, p * p), "mvn: ranks differ");
  /* NULL gradients: value only */
  double ll2;
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, &Xl.matrix, &ll2, NULL, NULL);
  CHECK(st == BM_SUCCESS && ll2 == ll, "mvn value only");
  /* all rows on rank 0, none elsewhere */
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, rank == 0 ? X : NULL, &ll2, g, G);
  CHECK(st == BM_SUCCESS && rel(ll2, ll1) <= 1e-12 && mrel(G, G1) <= 1e-12, "mvn rows on rank 0 only");
  /* a NaN row on the last rank: every rank fails with NaN outputs */
  gsl_matrix *Xb = gsl_matrix_alloc(count ? count : 1, p);
  gsl_matrix_view X0 = gsl_matrix_submatrix(X, 0, 0, 1, p);
  gsl_matrix_memcpy(Xb, count ? &Xl.matrix : &X0.matrix);
  if (rank == size - 1) gsl_matrix_set(Xb, 0, 0, NAN);
  st = bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, d, Xb, &ll2, g, G);
  CHECK(st == BM_ENONFINITE && isnan(ll2) && isnan(gsl_vector_get(g, 0)) && isnan(gsl_matrix_get(G, 1, 1)),
        "mvn failure on one rank: status %d", st);
  CHECK(bm_mpi_mvn_loglik_grad(MPI_COMM_WORLD, NULL, X, &ll2, NULL, NULL) == BM_EINVAL, "NULL d");

  /* stats: local summary, allmerge, = one pass (and its loglik = data loglik) */
  bm_mvn_stats *s = bm_mvn_stats_alloc(p), *s1 = bm_mvn_stats_alloc(p);
  if (count) bm_mvn_stats_compute(s, &Xl.matrix);
  bm_mvn_stats_compute(s1, X);
  st = bm_mpi_mvn_stats_allmerge(MPI_COMM_WORLD, s);
  double nn, nn1;
  gsl_vector *m = gsl_vector_alloc(p), *m1 = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *S1 = gsl_matrix_alloc(p, p);
  bm_mvn_stats_get(s, &nn, m, S);
  bm_mvn_stats_get(s1, &nn1, m1, S1);
  CHECK(st == BM_SUCCESS && nn == nn1 && vrel(m, m1) <= 1e-12 && mrel(S, S1) <= 1e-12, "mvn stats allmerge: %d %.3g %.3g",
        st, vrel(m, m1), mrel(S, S1));
  CHECK(same_on_all_ranks(S->data, p * p) && same_on_all_ranks(m->data, p), "mvn stats differ between ranks");
  bm_mvn_stats_loglik(d, s, &ll2);
  CHECK(rel(ll2, ll1) <= 1e-12, "mvn loglik from merged stats %.3g", rel(ll2, ll1));
  bm_mvn_stats *s5 = bm_mvn_stats_alloc(rank == 0 ? p + 1 : p);
  CHECK(bm_mpi_mvn_stats_allmerge(MPI_COMM_WORLD, s5) == (size > 1 ? BM_EBADLEN : BM_SUCCESS), "dimension mismatch");
  bm_mvn_stats_free(s5);

  /* mvt */
  bm_mvt *t = bm_mvt_alloc(p);
  bm_mvt_set(t, 4.5, mu, Sigma);
  double dnu, dnu1;
  st = bm_mpi_mvt_loglik_grad(MPI_COMM_WORLD, t, count ? &Xl.matrix : NULL, &ll, g, G, &dnu);
  bm_mvt_loglik_grad(t, X, &ll1, g1, G1, &dnu1);
  CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && vrel(g, g1) <= 1e-12 && mrel(G, G1) <= 1e-12 &&
            rel(dnu, dnu1) <= 1e-12,
        "mvt: %.3g %.3g %.3g %.3g", rel(ll, ll1), vrel(g, g1), mrel(G, G1), rel(dnu, dnu1));
  CHECK(same_on_all_ranks(&dnu, 1) && same_on_all_ranks(g->data, p), "mvt: ranks differ");

  bm_mvt_free(t);
  bm_mvn_stats_free(s);
  bm_mvn_stats_free(s1);
  bm_mvn_free(d);
  gsl_vector_free(m);
  gsl_vector_free(m1);
  gsl_matrix_free(S);
  gsl_matrix_free(S1);
  free_vectors(mu, g, g1);
  free_matrices(G, G1, X, Xb, Sigma);
}

static void test_spd(gsl_rng *r)
{
  size_t p = 3, m = 97, first, count;
  gsl_matrix *S = gsl_matrix_alloc(p, p), *G = gsl_matrix_alloc(p, p), *G1 = gsl_matrix_alloc(p, p);
  gsl_matrix_set_identity(S);
  gsl_matrix_set(S, 0, 1, 0.4);
  gsl_matrix_set(S, 1, 0, 0.4);
  bm_wishart *w = bm_wishart_alloc(p);
  bm_invwishart *iw = bm_invwishart_alloc(p);
  bm_matf *f = bm_matf_alloc(p);
  bm_wishart_set(w, 6.0, S);
  bm_invwishart_set(iw, 6.5, S);
  bm_matf_set(f, 5.0, 3.0, S);
  gsl_matrix **X = malloc(m * sizeof *X);
  for (size_t k = 0; k < m; k++) {
    X[k] = gsl_matrix_alloc(p, p);
    bm_wishart_sample(w, r, X[k]);
  }
  bm_wishart_set(w, 5.5, S);
  bm_mpi_partition(MPI_COMM_WORLD, m, &first, &count);
  const gsl_matrix *const *Xa = (const gsl_matrix *const *)X, *const *Xl = Xa + first;
  double ll, ll1, dnu, dnu1, dde, dde1;
  int st = bm_mpi_wishart_loglik_grad(MPI_COMM_WORLD, w, Xl, count, &ll, G, &dnu);
  bm_wishart_loglik_grad(w, Xa, m, &ll1, G1, &dnu1);
  CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && mrel(G, G1) <= 1e-12 && rel(dnu, dnu1) <= 1e-12, "wishart");
  CHECK(same_on_all_ranks(G->data, p * p), "wishart ranks differ");
  st = bm_mpi_invwishart_loglik_grad(MPI_COMM_WORLD, iw, Xl, count, &ll, G, &dnu);
  bm_invwishart_loglik_grad(iw, Xa, m, &ll1, G1, &dnu1);
  CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && mrel(G, G1) <= 1e-12 && rel(dnu, dnu1) <= 1e-12, "invwishart");
  st = bm_mpi_matf_loglik_grad(MPI_COMM_WORLD, f, Xl, count, &ll, G, &dnu, &dde);
  bm_matf_loglik_grad(f, Xa, m, &ll1, G1, &dnu1, &dde1);
  CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && mrel(G, G1) <= 1e-12 && rel(dnu, dnu1) <= 1e-12 &&
            rel(dde, dde1) <= 1e-12,
        "matf");
  /* stats allmerge */
  bm_wishart_stats *ws = bm_wishart_stats_alloc(p);
  bm_invwishart_stats *is = bm_invwishart_stats_alloc(p);
  bm_wishart_stats_compute(ws, Xl, count);
  bm_invwishart_stats_compute(is, Xl, count);
  st = bm_mpi_wishart_stats_allmerge(MPI_COMM_WORLD, ws);
  bm_wishart_loglik_grad(w, Xa, m, &ll1, G1, &dnu1);
  bm_wishart_stats_loglik_grad(w, ws, &ll, G, &dnu);
  CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && mrel(G, G1) <= 1e-11 && rel(dnu, dnu1) <= 1e-12,
        "wishart stats allmerge");
  CHECK(same_on_all_ranks(&ll, 1) && same_on_all_ranks(G->data, p * p), "wishart stats differ between ranks");
  st = bm_mpi_invwishart_stats_allmerge(MPI_COMM_WORLD, is);
  bm_invwishart_loglik_grad(iw, Xa, m, &ll1, G1, &dnu1);
  bm_invwishart_stats_loglik_grad(iw, is, &ll, G, &dnu);
  CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && mrel(G, G1) <= 1e-11 && rel(dnu, dnu1) <= 1e-12,
        "invwishart stats allmerge");
  bm_wishart_stats_free(ws);
  bm_invwishart_stats_free(is);
  free_matrix_list(X, m);
  free(X);
  bm_wishart_free(w);
  bm_invwishart_free(iw);
  bm_matf_free(f);
  free_matrices(S, G, G1);
}

static void test_matrix_variate(gsl_rng *r)
{
  size_t n = 3, p = 2, m = 61, first, count;
  gsl_matrix *M = gsl_matrix_calloc(n, p), *U = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(p, p);
  gsl_matrix_set_identity(U);
  gsl_matrix_set_identity(V);
  gsl_matrix_set(U, 0, 1, 0.2);
  gsl_matrix_set(U, 1, 0, 0.2);
  gsl_matrix_set(V, 0, 0, 2.0);
  bm_matnorm *d = bm_matnorm_alloc(n, p);
  bm_matt *t = bm_matt_alloc(n, p);
  bm_matnorm_set(d, M, U, V);
  bm_matt_set(t, 4.0, M, U, V);
  gsl_matrix **X = malloc(m * sizeof *X);
  for (size_t k = 0; k < m; k++) {
    X[k] = gsl_matrix_alloc(n, p);
    bm_matnorm_sample(d, r, X[k]);
  }
  gsl_matrix_set(M, 0, 0, 0.5);
  bm_matnorm_set(d, M, U, V);
  bm_mpi_partition(MPI_COMM_WORLD, m, &first, &count);
  const gsl_matrix *const *Xa = (const gsl_matrix *const *)X, *const *Xl = Xa + first;
  gsl_matrix *dM = gsl_matrix_alloc(n, p), *dM1 = gsl_matrix_alloc(n, p), *dU = gsl_matrix_alloc(n, n),
             *dU1 = gsl_matrix_alloc(n, n), *dV = gsl_matrix_alloc(p, p), *dV1 = gsl_matrix_alloc(p, p);
  double ll, ll1, dnu, dnu1;
  int st = bm_mpi_matnorm_loglik_grad(MPI_COMM_WORLD, d, Xl, count, &ll, dM, dU, dV);
  bm_matnorm_loglik_grad(d, Xa, m, &ll1, dM1, dU1, dV1);
  CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && mrel(dM, dM1) <= 1e-12 && mrel(dU, dU1) <= 1e-12 &&
            mrel(dV, dV1) <= 1e-12,
        "matnorm");
  st = bm_mpi_matt_loglik_grad(MPI_COMM_WORLD, t, Xl, count, &ll, dM, dU, dV, &dnu);
  bm_matt_loglik_grad(t, Xa, m, &ll1, dM1, dU1, dV1, &dnu1);
  CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && mrel(dM, dM1) <= 1e-12 && mrel(dU, dU1) <= 1e-12 &&
            mrel(dV, dV1) <= 1e-12 && rel(dnu, dnu1) <= 1e-12,
        "matt");
  CHECK(same_on_all_ranks(dU->data, n * n), "matt ranks differ");
  bm_matnorm_stats *s = bm_matnorm_stats_alloc(n, p);
  bm_matnorm_stats_compute(s, Xl, count);
  st = bm_mpi_matnorm_stats_allmerge(MPI_COMM_WORLD, s);
  bm_matnorm_loglik_grad(d, Xa, m, &ll1, dM1, dU1, dV1);
  bm_matnorm_stats_loglik_grad(d, s, &ll, dM, dU, dV);
  CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && mrel(dM, dM1) <= 1e-11 && mrel(dU, dU1) <= 1e-11 &&
            mrel(dV, dV1) <= 1e-11,
        "matnorm stats allmerge");
  bm_matnorm_stats_free(s);
  free_matrix_list(X, m);
  free(X);
  free_matrices(M, U, V, dM, dM1, dU, dU1, dV, dV1);
  bm_matnorm_free(d);
  bm_matt_free(t);
}

static void test_conjugate(gsl_rng *r)
{
  size_t n = 501, p = 3, k = 2, first, count;
  bm_mpi_partition(MPI_COMM_WORLD, n, &first, &count);
  gsl_matrix *X = gsl_matrix_alloc(n, p), *Y = gsl_matrix_alloc(n, 2), *Psi0 = gsl_matrix_alloc(p, p);
  gsl_vector *y = gsl_vector_alloc(n), *mu0 = gsl_vector_calloc(p);
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, 2.0 + gsl_ran_gaussian(r, 1.0 + 0.5 * (double)j));
    gsl_vector_set(y, i, 0.5 * gsl_matrix_get(X, i, 0) - gsl_matrix_get(X, i, 1) + gsl_ran_gaussian(r, 0.3));
    for (size_t j = 0; j < 2; j++)
      gsl_matrix_set(Y, i, j, gsl_matrix_get(X, i, j) * (1.0 + (double)j) + gsl_ran_gaussian(r, 0.5));
  }
  gsl_matrix_set_identity(Psi0);
  gsl_matrix_view Xl = gsl_matrix_submatrix(X, first, 0, count ? count : 1, p);
  /* NIW */
  {
    bm_niw *m = bm_niw_alloc(p), *m1 = bm_niw_alloc(p);
    bm_niw_set_prior(m, mu0, 0.5, (double)p + 2.0, Psi0);
    bm_niw_set_prior(m1, mu0, 0.5, (double)p + 2.0, Psi0);
    bm_niw_stats *s = bm_niw_stats_alloc(p);
    if (count) bm_niw_stats_compute(s, &Xl.matrix);
    int st = bm_mpi_niw_update_stats(MPI_COMM_WORLD, m, s);
    bm_niw_update(m1, X);
    gsl_vector *mu = gsl_vector_alloc(p), *mu1 = gsl_vector_alloc(p);
    gsl_matrix *Ps = gsl_matrix_alloc(p, p), *Ps1 = gsl_matrix_alloc(p, p);
    double ka, ka1, nu, nu1, ev, ev1;
    bm_niw_posterior(m, mu, &ka, &nu, Ps);
    bm_niw_posterior(m1, mu1, &ka1, &nu1, Ps1);
    bm_niw_log_evidence(m, &ev);
    bm_niw_log_evidence(m1, &ev1);
    CHECK(st == BM_SUCCESS && vrel(mu, mu1) <= 1e-12 && ka == ka1 && nu == nu1 && mrel(Ps, Ps1) <= 1e-12 &&
              rel(ev, ev1) <= 1e-12,
          "niw distributed update: st %d mu %.3g Psi %.3g ev %.3g", st, vrel(mu, mu1), mrel(Ps, Ps1), rel(ev, ev1));
    CHECK(same_on_all_ranks(Ps->data, p * p) && same_on_all_ranks(&ev, 1), "niw posterior differs between ranks");
    CHECK(bm_mpi_niw_update_stats(MPI_COMM_WORLD, rank == 0 ? NULL : m, s) == BM_EINVAL, "niw NULL model on rank 0");
    bm_niw_stats_free(s);
    bm_niw_free(m);
    bm_niw_free(m1);
    gsl_vector_free(mu);
    gsl_vector_free(mu1);
    gsl_matrix_free(Ps);
    gsl_matrix_free(Ps1);
  }
  /* BLR (NIG prior) on the first k columns */
  {
    gsl_matrix_view Xk = gsl_matrix_submatrix(X, 0, 0, n, k), Xkl = gsl_matrix_submatrix(X, first, 0, count ? count : 1, k);
    gsl_vector_view yl = gsl_vector_subvector(y, first, count ? count : 1);
    gsl_vector *m0 = gsl_vector_calloc(k), *mn = gsl_vector_alloc(k), *mn1 = gsl_vector_alloc(k);
    gsl_matrix *V0 = gsl_matrix_alloc(k, k), *Vn = gsl_matrix_alloc(k, k), *Vn1 = gsl_matrix_alloc(k, k);
    gsl_matrix_set_identity(V0);
    bm_blr *m = bm_blr_alloc(k), *m1 = bm_blr_alloc(k);
    bm_blr_set_prior_nig(m, m0, V0, 2.0, 1.0);
    bm_blr_set_prior_nig(m1, m0, V0, 2.0, 1.0);
    bm_blr_stats *s = bm_blr_stats_alloc(k);
    if (count) bm_blr_stats_compute(s, &Xkl.matrix, &yl.vector, NULL);
    int st = bm_mpi_blr_update_stats(MPI_COMM_WORLD, m, s);
    bm_blr_update(m1, &Xk.matrix, y);
    double a, a1, b, b1, ev, ev1;
    bm_blr_posterior_nig(m, mn, Vn, &a, &b);
    bm_blr_posterior_nig(m1, mn1, Vn1, &a1, &b1);
    bm_blr_log_evidence(m, &ev);
    bm_blr_log_evidence(m1, &ev1);
    CHECK(st == BM_SUCCESS && vrel(mn, mn1) <= 1e-12 && mrel(Vn, Vn1) <= 1e-12 && rel(a, a1) <= 1e-12 &&
              rel(b, b1) <= 1e-12 && rel(ev, ev1) <= 1e-12,
          "blr distributed update: st %d m %.3g V %.3g b %.3g ev %.3g", st, vrel(mn, mn1), mrel(Vn, Vn1), rel(b, b1),
          rel(ev, ev1));
    CHECK(same_on_all_ranks(mn->data, k) && same_on_all_ranks(&ev, 1), "blr posterior differs between ranks");
    bm_blr_stats_free(s);
    bm_blr_free(m);
    bm_blr_free(m1);
    free_vectors(m0, mn, mn1);
    free_matrices(V0, Vn, Vn1);
  }
  /* MNIW: Y (n x 2) on X (n x p) */
  {
    size_t d = 2;
    gsl_matrix_view Yl = gsl_matrix_submatrix(Y, first, 0, count ? count : 1, d);
    gsl_matrix *B0 = gsl_matrix_calloc(p, d), *V0 = gsl_matrix_alloc(p, p), *P0 = gsl_matrix_alloc(d, d);
    gsl_matrix *Bn = gsl_matrix_alloc(p, d), *Bn1 = gsl_matrix_alloc(p, d), *Pn = gsl_matrix_alloc(d, d),
               *Pn1 = gsl_matrix_alloc(d, d);
    gsl_matrix_set_identity(V0);
    gsl_matrix_set_identity(P0);
    bm_mniw *m = bm_mniw_alloc(p, d), *m1 = bm_mniw_alloc(p, d);
    bm_mniw_set_prior(m, B0, V0, 4.0, P0);
    bm_mniw_set_prior(m1, B0, V0, 4.0, P0);
    bm_mniw_stats *s = bm_mniw_stats_alloc(p, d);
    if (count) bm_mniw_stats_compute(s, &Xl.matrix, &Yl.matrix);
    int st = bm_mpi_mniw_update_stats(MPI_COMM_WORLD, m, s);
    bm_mniw_update(m1, X, Y);
    double nu, nu1, ev, ev1;
    bm_mniw_posterior(m, Bn, NULL, &nu, Pn);
    bm_mniw_posterior(m1, Bn1, NULL, &nu1, Pn1);
    bm_mniw_log_evidence(m, &ev);
    bm_mniw_log_evidence(m1, &ev1);
    CHECK(st == BM_SUCCESS && mrel(Bn, Bn1) <= 1e-12 && mrel(Pn, Pn1) <= 1e-12 && nu == nu1 && rel(ev, ev1) <= 1e-12,
          "mniw distributed update: st %d B %.3g Psi %.3g ev %.3g", st, mrel(Bn, Bn1), mrel(Pn, Pn1), rel(ev, ev1));
    CHECK(same_on_all_ranks(Bn->data, p * d) && same_on_all_ranks(&ev, 1), "mniw posterior differs between ranks");
    bm_mniw_stats_free(s);
    bm_mniw_free(m);
    bm_mniw_free(m1);
    free_matrices(B0, V0, P0, Bn, Bn1, Pn, Pn1);
  }
  free_matrices(X, Y, Psi0);
  gsl_vector_free(y);
  gsl_vector_free(mu0);
}

/* ---- distributed Monte Carlo checks ---- */
typedef struct {
  double mean, var, scale;
  size_t m;
} nn_params;
static int nn_sim(gsl_rng *r, const gsl_vector *theta, void *pp)
{
  nn_params *q = pp;
  double sum = 0;
  for (size_t i = 0; i < q->m; i++) sum += gsl_vector_get(theta, 0) + gsl_ran_gaussian(r, 1.0);
  q->var = 1.0 / (1.0 + (double)q->m);
  q->mean = sum * q->var;
  return BM_SUCCESS;
}
static int nn_post(gsl_rng *r, void *pp, gsl_vector *theta)
{
  nn_params *q = pp;
  gsl_vector_set(theta, 0, q->mean + gsl_ran_gaussian(r, sqrt(q->var * q->scale)));
  return BM_SUCCESS;
}

static void test_checks(void)
{
  size_t p = 2, dim = 5;
  gsl_vector *mu = gsl_vector_calloc(p), *x = gsl_vector_alloc(p);
  gsl_matrix *Sigma = gsl_matrix_alloc(p, p), *I = gsl_matrix_alloc(dim, dim), *Ibad = gsl_matrix_alloc(dim, dim);
  gsl_matrix *MO = gsl_matrix_alloc(dim, dim), *MH = gsl_matrix_alloc(dim, dim), *MO1 = gsl_matrix_alloc(dim, dim),
             *MH1 = gsl_matrix_alloc(dim, dim);
  gsl_matrix_set_identity(Sigma);
  gsl_matrix_set(Sigma, 0, 1, 0.5);
  gsl_matrix_set(Sigma, 1, 0, 0.5);
  gsl_matrix_set(Sigma, 1, 1, 2.0);
  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvn_set(d, mu, Sigma);
  bm_mvn_fisher(d, I);
  gsl_matrix_memcpy(Ibad, I);
  gsl_matrix_set(Ibad, 2, 2, 1.10 * gsl_matrix_get(I, 2, 2)); /* a 10% error in a Sigma entry */
  mvn_mc fp = {d, x};
  bm_fisher_mc_problem prob = {dim, mvn_mc_draw, mvn_mc_score, mvn_mc_hess, &fp};
  bm_fisher_mc_result res, res2, res1, bad;
  size_t N = 40000;
  int st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &prob, I, 99, N, 4.5, MO, MH, &res);
  CHECK(st == BM_SUCCESS && res.passed && res.draws == N, "fisher mc: st %d z %.2f %.2f", st, res.max_z_outer,
        res.max_z_hess);
  CHECK(same_on_all_ranks(&res.max_z_outer, 1) && same_on_all_ranks(MO->data, dim * dim), "fisher mc differs between ranks");
  st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &prob, I, 99, N, 4.5, NULL, NULL, &res2);
  CHECK(st == BM_SUCCESS && res2.max_z_outer == res.max_z_outer && res2.max_z_hess == res.max_z_hess,
        "fisher mc not reproducible for a fixed seed");
  st = bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &prob, Ibad, 99, 2 * N, 4.5, NULL, NULL, &bad);
  CHECK(st == BM_SUCCESS && !bad.passed && bad.worst_i == 2 && bad.worst_j == 2, "a 10%% Fisher error not caught (z %.2f)",
        bad.max_z_outer);
  /* the single-process checker on N draws agrees up to Monte Carlo error; -H is constant in the mu block */
  gsl_rng *r1 = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r1, 5);
  bm_check_fisher_mc(&prob, I, r1, N, 4.5, MO1, MH1, &res1);
  gsl_rng_free(r1);
  /* the two runs are independent estimates of E[s_2^2]: their difference has
   * standard deviation sqrt(2) se, se estimated from N further draws */
  double s1 = 0.0, s2 = 0.0;
  {
    gsl_rng *r2 = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_vector *sc = gsl_vector_alloc(dim);
    gsl_rng_set(r2, 6);
    for (size_t k = 0; k < N; k++) {
      mvn_mc_draw(r2, &fp);
      mvn_mc_score(&fp, sc);
      double v = gsl_vector_get(sc, 2) * gsl_vector_get(sc, 2);
      s1 += v;
      s2 += v * v;
    }
    gsl_vector_free(sc);
    gsl_rng_free(r2);
  }
  double se22 = sqrt((s2 - s1 * s1 / (double)N) / ((double)N - 1.0) / (double)N);
  CHECK(res1.passed && fabs(gsl_matrix_get(MO, 2, 2) - gsl_matrix_get(MO1, 2, 2)) <= 5.0 * sqrt(2.0) * se22 &&
            gsl_matrix_get(MH, 0, 0) == gsl_matrix_get(MH1, 0, 0) && gsl_matrix_get(MH, 0, 0) == gsl_matrix_get(I, 0, 0),
        "fisher mc vs single process: %.6g %.6g (se %.3g)", gsl_matrix_get(MO, 2, 2), gsl_matrix_get(MO1, 2, 2), se22);
  CHECK(bm_mpi_check_fisher_mc(MPI_COMM_WORLD, &prob, I, 99, 1, 4.5, NULL, NULL, &res2) == BM_EINVAL, "N < 2");

  /* SBC of the normal-normal model: calibrated, then a too-narrow posterior */
  nn_params q = {0, 1, 1.0, 5};
  bm_sbc_problem sp = {1, 1, nn_prior, nn_sim, nn_post, NULL, &q};
  bm_sbc_result sr, sr2, sbad;
  gsl_vector *pv = gsl_vector_alloc(1);
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, &sp, 7, 800, 15, 4, pv, &sr);
  CHECK(st == BM_SUCCESS && sr.p_bonferroni > 1e-3, "sbc: st %d p %.3g", st, sr.p_bonferroni);
  CHECK(same_on_all_ranks(&sr.p_min, 1), "sbc differs between ranks");
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, &sp, 7, 800, 15, 4, NULL, &sr2);
  CHECK(st == BM_SUCCESS && sr2.p_min == sr.p_min, "sbc not reproducible");
  q.scale = 0.25;
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, &sp, 7, 800, 15, 4, NULL, &sbad);
  CHECK(st == BM_SUCCESS && sbad.p_bonferroni < 1e-6, "sbc: a miscalibrated posterior not caught (p %.3g)",
        sbad.p_bonferroni);
  CHECK(bm_mpi_check_sbc(MPI_COMM_WORLD, &sp, 7, 800, 15, 40, NULL, &sbad) == BM_EINVAL, "nbins > L + 1");
  /* fewer replications than ranks: some ranks run none */
  q.scale = 1.0;
  st = bm_mpi_check_sbc(MPI_COMM_WORLD, &sp, 7, 3, 15, 4, NULL, &sr2);
  CHECK(st == BM_SUCCESS && sr2.p_min >= 0.0 && sr2.p_min <= 1.0, "sbc with nsim < ranks: st %d", st);
  gsl_vector_free(pv);
  bm_mvn_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(x);
  free_matrices(Sigma, I, Ibad, MO, MH, MO1, MH1);
}

/* theta for a family built from its blocks alone: scalars 7 (every nu and
 * delta valid at these dimensions), general blocks small distinct values,
 * symmetric blocks diagonally dominant */
static void dist_theta(const bm_dist *d, gsl_vector *t)
{
  size_t rows, cols, off = 0;
  bm_dist_shape(d, &rows, &cols);
  const bm_family_type *T = d->type;
  for (size_t b = 0; b < T->nblocks; b++) {
    const bm_theta_block *B = &T->blocks[b];
    size_t len = bm_theta_block_len(B, rows, cols);
    size_t q = B->rows == BM_DIM_ROWS ? rows : B->rows == BM_DIM_COLS ? cols : 1;
    if (B->kind == BM_BLOCK_SCALAR) gsl_vector_set(t, off++, 7.0);
    else if (B->kind == BM_BLOCK_VEC)
      for (size_t i = 0; i < len; i++) gsl_vector_set(t, off++, 0.3 * (double)i - 0.4);
    else
      for (size_t c = 0; c < q; c++)
        for (size_t r = c; r < q; r++) gsl_vector_set(t, off++, r == c ? 1.5 + 0.5 * (double)c : 0.2);
  }
}

/* the generic entry point on every built-in family, against the
 * single-process bm_dist_loglik of all the rows, the summed scores and a
 * central difference of that loglik in theta */
static void test_dist(gsl_rng *r)
{
  const bm_family_type *const *L = bm_family_list();
  for (size_t f = 0; L[f]; f++) {
    const bm_family_type *T = L[f];
    size_t rows = T->variate == BM_VARIATE_VECTOR ? 1 : 2, cols = T->variate == BM_VARIATE_MATRIX ? 3 : 2;
    bm_dist *d = bm_dist_alloc(T, rows, cols);
    size_t k = bm_dist_nparams(d), n = 23, q = rows * cols, first, count;
    gsl_vector *th = gsl_vector_alloc(k);
    dist_theta(d, th);
    int st = bm_dist_set_theta(d, th);
    CHECK(st == BM_SUCCESS, "%s: set_theta %d", T->name, st);
    gsl_matrix *X = gsl_matrix_alloc(n, q), *x = gsl_matrix_alloc(rows, cols);
    for (size_t i = 0; i < n; i++) {
      bm_dist_sample(d, r, x);
      for (size_t c = 0; c < cols; c++)
        for (size_t rr = 0; rr < rows; rr++) gsl_matrix_set(X, i, c * rows + rr, gsl_matrix_get(x, rr, c));
    }
    bm_mpi_partition(MPI_COMM_WORLD, n, &first, &count);
    gsl_matrix_view Xl = gsl_matrix_submatrix(X, first, 0, count ? count : 1, q);
    double ll = NAN, ll1 = NAN;
    gsl_vector *g = gsl_vector_alloc(k), *g1 = gsl_vector_calloc(k), *s = gsl_vector_alloc(k);
    st = bm_mpi_dist_loglik_grad(MPI_COMM_WORLD, d, count ? &Xl.matrix : NULL, &ll, g);
    bm_dist_loglik(d, X, &ll1, NULL);
    for (size_t i = 0; i < n; i++) {
      for (size_t c = 0; c < cols; c++)
        for (size_t rr = 0; rr < rows; rr++) gsl_matrix_set(x, rr, c, gsl_matrix_get(X, i, c * rows + rr));
      bm_dist_score(d, x, s);
      gsl_vector_add(g1, s);
    }
    CHECK(st == BM_SUCCESS && rel(ll, ll1) <= 1e-12 && vrel(g, g1) <= 1e-12, "%s: status %d, ll rel %.3g, grad %.3g",
          T->name, st, rel(ll, ll1), vrel(g, g1));
    CHECK(same_on_all_ranks(&ll, 1) && same_on_all_ranks(g->data, k), "%s: ranks differ", T->name);
    /* the score sum is the derivative of the loglik: central differences */
    double worst = 0;
    bm_dist *e = bm_dist_alloc(T, rows, cols);
    for (size_t j = 0; j < k; j++) {
      double h = 1e-5 * fmax(1.0, fabs(gsl_vector_get(th, j))), lp, lm;
      gsl_vector *t2 = gsl_vector_alloc(k);
      gsl_vector_memcpy(t2, th);
      gsl_vector_set(t2, j, gsl_vector_get(th, j) + h);
      bm_dist_set_theta(e, t2);
      bm_dist_loglik(e, X, &lp, NULL);
      gsl_vector_set(t2, j, gsl_vector_get(th, j) - h);
      bm_dist_set_theta(e, t2);
      bm_dist_loglik(e, X, &lm, NULL);
      worst = fmax(worst, fabs((lp - lm) / (2 * h) - gsl_vector_get(g, j)) / fmax(1.0, fabs(gsl_vector_get(g, j))));
      gsl_vector_free(t2);
    }
    CHECK(worst <= 1e-5, "%s: gradient vs central difference %.3g", T->name, worst);
    /* value only; all rows on rank 0 */
    double ll2;
    st = bm_mpi_dist_loglik_grad(MPI_COMM_WORLD, d, count ? &Xl.matrix : NULL, &ll2, NULL);
    CHECK(st == BM_SUCCESS && ll2 == ll, "%s: value only %d", T->name, st);
    st = bm_mpi_dist_loglik_grad(MPI_COMM_WORLD, d, rank == 0 ? X : NULL, &ll2, g);
    CHECK(st == BM_SUCCESS && rel(ll2, ll1) <= 1e-12 && vrel(g, g1) <= 1e-12, "%s: rows on rank 0 only", T->name);
    /* the typed view gives the same bits as the handle */
    bm_dist view = {T, d->state};
    st = bm_mpi_dist_loglik_grad(MPI_COMM_WORLD, &view, rank == 0 ? X : NULL, &ll, s);
    CHECK(st == BM_SUCCESS && ll == ll2 && gsl_vector_equal(s, g), "%s: typed view", T->name);
    /* another family on the last rank (same shape for mvn/mvt): every rank fails, NaN */
    const bm_family_type *other = T == &bm_family_mvn ? &bm_family_mvt : &bm_family_mvn;
    bm_dist *o = bm_dist_alloc(other, 1, 2);
    gsl_vector *to = gsl_vector_alloc(bm_dist_nparams(o)), *go = gsl_vector_alloc(bm_dist_nparams(o));
    dist_theta(o, to);
    bm_dist_set_theta(o, to);
    int last = rank == size - 1 && size > 1;
    st = bm_mpi_dist_loglik_grad(MPI_COMM_WORLD, last ? o : d, NULL, &ll2, last ? go : g);
    if (size > 1)
      CHECK(st == BM_EINVAL && isnan(ll2) && (last || isnan(gsl_vector_get(g, 0))), "%s: mixed families %d", T->name, st);
    CHECK(bm_mpi_dist_loglik_grad(MPI_COMM_WORLD, NULL, X, &ll2, NULL) == BM_EINVAL && isnan(ll2), "%s: NULL d",
          T->name);
    bm_dist_free(o);
    bm_dist_free(e);
    bm_dist_free(d);
    free_vectors(to, go, th, g, g1, s);
    gsl_matrix_free(X);
    gsl_matrix_free(x);
  }
}

int main(int argc, char **argv)
{
  mpi_test_init(&argc, &argv);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 2026);
  test_mvn_mvt(r);
  test_spd(r);
  test_matrix_variate(r);
  test_conjugate(r);
  test_checks();
  test_dist(r);
  gsl_rng_free(r);
  return mpi_test_finish("mpi families");
}
