/* bench/peers: bayesmat through its public API only (bayesmat/mvn.h,
 * bayesmat/wishart.h), as a user links it. Every timed call includes the
 * parameter set-up (bm_*_set: validation and the Cholesky factorization),
 * as the peers' calls do. Command line: peer_common.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/mvn.h"
#include "bayesmat/wishart.h"
#include "peer_common.h"

typedef struct {
  size_t p, n;
  double nu;
  gsl_vector_view mu;
  gsl_matrix_view S, X;
  bm_mvn *mvn;
  bm_wishart *wis;
  gsl_vector *g_mu;
  gsl_matrix *g_S, *g_X;
  double g_nu, value;
  int status;
} job;

static void run_mvn(void *arg)
{
  job *j = arg;
  j->status = bm_mvn_set(j->mvn, &j->mu.vector, &j->S.matrix);
  if (!j->status) j->status = bm_mvn_loglik(j->mvn, &j->X.matrix, &j->value, NULL);
}

static void run_mvn_grad(void *arg)
{
  job *j = arg;
  j->status = bm_mvn_set(j->mvn, &j->mu.vector, &j->S.matrix);
  if (!j->status) j->status = bm_mvn_loglik_grad(j->mvn, &j->X.matrix, &j->value, j->g_mu, j->g_S);
}

static void run_wishart(void *arg)
{
  job *j = arg;
  j->status = bm_wishart_set(j->wis, j->nu, &j->S.matrix);
  if (!j->status) j->status = bm_wishart_logpdf(j->wis, &j->X.matrix, &j->value);
}

/* The gradient w.r.t. all three arguments (X, S, nu), as reverse mode
 * delivers them when all three are parameters. */
static void run_wishart_grad(void *arg)
{
  job *j = arg;
  j->status = bm_wishart_set(j->wis, j->nu, &j->S.matrix);
  if (!j->status) j->status = bm_wishart_logpdf_grad(j->wis, &j->X.matrix, &j->value, j->g_X, j->g_S, &j->g_nu);
}

static double contract(const gsl_matrix *G)
{
  double s = 0.0;
  for (size_t i = 0; i < G->size1; i++)
    for (size_t k = 0; k < G->size2; k++) s += gsl_matrix_get(G, i, k) * peer_w_mat(i, k);
  return s;
}

int main(int argc, char **argv)
{
  peer_args a = peer_parse(argc, argv);
  peer_data d = peer_load(&a);
  job j;
  memset(&j, 0, sizeof j);
  j.p = d.p;
  j.n = d.n;
  j.nu = d.nu;
  j.S = gsl_matrix_view_array(d.S, d.p, d.p);
  j.g_S = gsl_matrix_alloc(d.p, d.p);
  void (*fn)(void *);
  if (a.is_mvn) {
    j.mu = gsl_vector_view_array(d.mu, d.p);
    j.X = gsl_matrix_view_array(d.X, d.n, d.p);
    j.mvn = bm_mvn_alloc(d.p);
    j.g_mu = gsl_vector_alloc(d.p);
    fn = a.is_grad ? run_mvn_grad : run_mvn;
  } else {
    j.X = gsl_matrix_view_array(d.X, d.p, d.p);
    j.wis = bm_wishart_alloc(d.p);
    j.g_X = gsl_matrix_alloc(d.p, d.p);
    fn = a.is_grad ? run_wishart_grad : run_wishart;
  }
  fn(&j);
  if (j.status) {
    fprintf(stderr, "peer_bayesmat: status %d\n", j.status);
    return 1;
  }
  if (a.timing) {
    double t = peer_median(fn, &j, a.reps);
    printf("%.17g %.6e\n", j.value, t);
  } else if (!a.is_grad) {
    printf("%.17g\n", j.value);
  } else if (a.is_mvn) {
    double cm = 0.0;
    for (size_t i = 0; i < d.p; i++) cm += gsl_vector_get(j.g_mu, i) * peer_w_vec(i);
    printf("%.17g %.17g %.17g\n", j.value, cm, contract(j.g_S));
  } else {
    printf("%.17g %.17g %.17g %.17g\n", j.value, contract(j.g_X), contract(j.g_S), j.g_nu);
  }
  bm_mvn_free(j.mvn);
  bm_wishart_free(j.wis);
  gsl_vector_free(j.g_mu);
  gsl_matrix_free(j.g_S);
  gsl_matrix_free(j.g_X);
  return 0;
}
