/* bayesmat-bench --scale: the p = 2000 workloads (mvn log-likelihood with
 * and without gradient over n = 1000 rows, Wishart and inverse-Wishart
 * log-densities), each in a child process so that its peak resident memory
 * (getrusage's ru_maxrss) is its own. Per workload two rows:
 *   <workload>  p n  seconds  floor  floor_seconds  ratio
 *       one call including _set (a single call: these run for seconds);
 *       floor as in the other groups (dpotrf + dtrsm for the mvn; two
 *       dpotrf + one dtrsm for the Wishart types)
 *   <workload>_extra_MiB  p n  extra  inputs_MiB  inputs  ratio
 *       extra = peak resident memory during the call minus the resident
 *       memory before it (inputs, outputs and the object already allocated):
 *       the call's own working memory, next to the size of its inputs.
 * Inputs: Sigma (or S) = the AR(1) correlation 0.5^|i-j| (no temporary in
 * its construction, so the peak before the call is the resident size);
 * X standard normal rows (mvn), X = 2 S (Wishart types).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <lapacke.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "bench.h"

#define P 2000
#define N 1000

static double wall(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double resident_mib(void)
{
  long pages_total = 0, pages_res = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages_total, &pages_res) != 2) pages_res = 0;
    fclose(f);
  }
  return (double)pages_res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static double peak_mib(void)
{
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_maxrss / 1024.0; /* KiB on Linux */
}

static void ar1(gsl_matrix *S, double scale)
{
  for (size_t i = 0; i < S->size1; i++)
    for (size_t j = 0; j < S->size2; j++)
      S->data[i * S->tda + j] = scale * pow(0.5, fabs((double)i - (double)j));
}

typedef struct {
  int kind; /* 0 mvn loglik, 1 mvn loglik_grad, 2 wishart, 3 invwishart */
  gsl_matrix *S, *X, *G;
  gsl_vector *mu, *g;
  bm_mvn *mvn;
  bm_wishart *w;
  bm_invwishart *iw;
} job;

static void run_ours(job *j)
{
  double v = 0;
  switch (j->kind) {
  case 0:
    bm_mvn_set(j->mvn, j->mu, j->S);
    bm_mvn_loglik(j->mvn, j->X, &v, NULL);
    break;
  case 1:
    bm_mvn_set(j->mvn, j->mu, j->S);
    bm_mvn_loglik_grad(j->mvn, j->X, &v, j->g, j->G);
    break;
  case 2:
    bm_wishart_set(j->w, P + 5.5, j->S);
    bm_wishart_logpdf(j->w, j->X, &v);
    break;
  default:
    bm_invwishart_set(j->iw, P + 5.5, j->S);
    bm_invwishart_logpdf(j->iw, j->X, &v);
  }
  bench_sink = v;
}

/* the floor on fresh copies (allocated here, after the memory was measured) */
static void run_floor(job *j)
{
  size_t p = P;
  double *a = malloc(p * p * sizeof(double)), *b = malloc((j->kind < 2 ? N * p : p * p) * sizeof(double));
  memcpy(a, j->S->data, p * p * sizeof(double));
  LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, a, (int)p);
  if (j->kind < 2) {
    memcpy(b, j->X->data, N * p * sizeof(double));
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, N, (int)p, 1.0, a, (int)p, b,
                (int)p);
  } else {
    memcpy(b, j->X->data, p * p * sizeof(double));
    LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, b, (int)p);
    for (size_t i = 0; i < p; i++)
      for (size_t k = i + 1; k < p; k++) b[i * p + k] = 0.0;
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, a, (int)p, b,
                (int)p);
  }
  bench_sink = b[0];
  free(a);
  free(b);
}

static void child(bench_ctx *c, const char *name, int kind)
{
  job j = {.kind = kind};
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  j.S = gsl_matrix_alloc(P, P);
  ar1(j.S, 1.0);
  double inputs = (double)(P * P) * 8.0;
  if (kind < 2) {
    j.X = gsl_matrix_alloc(N, P);
    for (size_t i = 0; i < (size_t)N * P; i++) j.X->data[i] = gsl_ran_gaussian(r, 1.0);
    j.mu = gsl_vector_calloc(P);
    j.mvn = bm_mvn_alloc(P);
    inputs += (double)N * P * 8.0;
    if (kind == 1) {
      j.G = gsl_matrix_alloc(P, P);
      j.g = gsl_vector_alloc(P);
      memset(j.G->data, 0, (size_t)P * P * sizeof(double)); /* outputs resident before the call */
    }
  } else {
    j.X = gsl_matrix_alloc(P, P);
    ar1(j.X, 2.0);
    inputs += (double)(P * P) * 8.0;
    if (kind == 2)
      j.w = bm_wishart_alloc(P);
    else
      j.iw = bm_invwishart_alloc(P);
  }
  double before = resident_mib();
  if (peak_mib() > before) before = peak_mib(); /* conservative: never count setup as the call's */
  double t0 = wall();
  run_ours(&j);
  double t = wall() - t0, extra = peak_mib() - before;
  if (extra < 0) extra = 0;
  t0 = wall();
  run_floor(&j);
  double tf = wall() - t0;
  bench_row(c, name, P, kind < 2 ? N : 1, t, "floor", tf);
  char extra_name[64];
  snprintf(extra_name, sizeof extra_name, "%s_extra_MiB", name);
  bench_row(c, extra_name, P, kind < 2 ? N : 1, extra, "inputs_MiB", inputs / 1048576.0);
  fflush(c->out);
  _exit(0);
}

void bench_scale(bench_ctx *c)
{
  static const char *names[] = {"mvn_loglik", "mvn_loglik_grad", "wishart_logpdf", "invwishart_logpdf"};
  for (int k = 0; k < 4; k++) {
    if (!bench_selected(c, names[k]) && !bench_selected(c, "scale")) continue; /* --only scale: these alone */
    fflush(c->out);
    pid_t pid = fork();
    if (pid == 0) child(c, names[k], k);
    if (pid > 0) waitpid(pid, NULL, 0);
  }
}
