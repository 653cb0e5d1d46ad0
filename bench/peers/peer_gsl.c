/* bench/peers: GSL as a GSL user writes these workloads.
 *  mvn_loglik:     gsl_linalg_cholesky_decomp1 of a copy of Sigma, then
 *                  gsl_ran_multivariate_gaussian_log_pdf row by row (GSL has
 *                  no batched form);
 *  wishart_logpdf: gsl_linalg_cholesky_decomp1 of copies of S and X, then
 *                  gsl_ran_wishart_log_pdf (GSL >= 2.6).
 * GSL has no gradients: the _grad workloads are "unsupported".
 *
 * GSL 2.6-2.7's gsl_ran_wishart_log_pdf uses Gamma((nu - i + 1)/2) for
 * i = 0..p-1 in the multivariate gamma instead of Gamma((nu - i)/2), so its
 * value is off by c = lgamma((nu+1)/2) - lgamma((nu-p+1)/2), which depends on
 * nu and p only. The program tests the installed GSL against the p = 1 case
 * (a gamma density, known in closed form) and, only if it shows exactly that
 * defect, adds c to the result (outside the timed call: it is a constant of
 * the parameters). A GSL with any other discrepancy is left uncorrected, so
 * run.sh's agreement check reports it. Command line: peer_common.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include "peer_common.h"

typedef struct {
  size_t p, n;
  double nu, value;
  gsl_vector_view mu;
  gsl_matrix_view S, X;
  gsl_matrix *LS, *LX, *work_m;
  gsl_vector *work_v;
  int status;
} job;

static void run_mvn(void *arg)
{
  job *j = arg;
  gsl_matrix_memcpy(j->LS, &j->S.matrix);
  j->status = gsl_linalg_cholesky_decomp1(j->LS);
  double sum = 0.0, lp = 0.0;
  for (size_t i = 0; i < j->n && !j->status; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(&j->X.matrix, i);
    j->status = gsl_ran_multivariate_gaussian_log_pdf(&xi.vector, &j->mu.vector, j->LS, &lp, j->work_v);
    sum += lp;
  }
  j->value = sum;
}

static void run_wishart(void *arg)
{
  job *j = arg;
  gsl_matrix_memcpy(j->LS, &j->S.matrix);
  gsl_matrix_memcpy(j->LX, &j->X.matrix);
  j->status = gsl_linalg_cholesky_decomp1(j->LS);
  if (!j->status) j->status = gsl_linalg_cholesky_decomp1(j->LX);
  if (!j->status) j->status = gsl_ran_wishart_log_pdf(&j->X.matrix, j->LX, j->nu, j->LS, &j->value, j->work_m);
}

static double mvgamma_defect(double nu, size_t p)
{
  return gsl_sf_lngamma(0.5 * (nu + 1.0)) - gsl_sf_lngamma(0.5 * (nu - (double)p + 1.0));
}

/* The correction to add to gsl_ran_wishart_log_pdf at (nu, p): 0 for a
 * correct GSL, the defect above for 2.6-2.7, NaN-free either way. */
static double wishart_correction(double nu, size_t p)
{
  const double nu1 = 3.5, s = 2.0, x = 1.7;
  double exact = (0.5 * nu1 - 1.0) * log(x) - x / (2.0 * s) - 0.5 * nu1 * log(2.0 * s) - gsl_sf_lngamma(0.5 * nu1);
  double xd = x, ls = sqrt(s), lx = sqrt(x), got = NAN, wd = 0.0;
  gsl_matrix_view X = gsl_matrix_view_array(&xd, 1, 1);
  gsl_matrix_view LS = gsl_matrix_view_array(&ls, 1, 1), LX = gsl_matrix_view_array(&lx, 1, 1);
  gsl_matrix_view W = gsl_matrix_view_array(&wd, 1, 1);
  if (gsl_ran_wishart_log_pdf(&X.matrix, &LX.matrix, nu1, &LS.matrix, &got, &W.matrix)) return 0.0;
  if (fabs(got - exact) < 1e-12) return 0.0;
  if (fabs(got + mvgamma_defect(nu1, 1) - exact) < 1e-12) {
    fprintf(stderr, "peer_gsl: this GSL's Wishart multivariate gamma is shifted; its value is corrected by a constant\n");
    return mvgamma_defect(nu, p);
  }
  return 0.0;
}

int main(int argc, char **argv)
{
  peer_args a = peer_parse(argc, argv);
  if (a.is_grad) peer_unsupported();
  peer_data d = peer_load(&a);
  gsl_set_error_handler_off(); /* a failure is a status here, not an abort */
  job j;
  memset(&j, 0, sizeof j);
  j.p = d.p;
  j.n = d.n;
  j.nu = d.nu;
  j.S = gsl_matrix_view_array(d.S, d.p, d.p);
  j.LS = gsl_matrix_alloc(d.p, d.p);
  void (*fn)(void *);
  double correction = 0.0;
  if (a.is_mvn) {
    j.mu = gsl_vector_view_array(d.mu, d.p);
    j.X = gsl_matrix_view_array(d.X, d.n, d.p);
    j.work_v = gsl_vector_alloc(d.p);
    fn = run_mvn;
  } else {
    j.X = gsl_matrix_view_array(d.X, d.p, d.p);
    j.LX = gsl_matrix_alloc(d.p, d.p);
    j.work_m = gsl_matrix_alloc(d.p, d.p);
    correction = wishart_correction(d.nu, d.p);
    fn = run_wishart;
  }
  fn(&j);
  if (j.status) {
    fprintf(stderr, "peer_gsl: GSL status %d (%s)\n", j.status, gsl_strerror(j.status));
    return 1;
  }
  double value = j.value + correction;
  if (a.timing) printf("%.17g %.6e\n", value, peer_median(fn, &j, a.reps));
  else printf("%.17g\n", value);
  gsl_matrix_free(j.LS);
  gsl_matrix_free(j.LX);
  gsl_matrix_free(j.work_m);
  gsl_vector_free(j.work_v);
  return 0;
}
