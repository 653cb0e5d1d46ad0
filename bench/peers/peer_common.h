/* bench/peers: what every compiled peer program shares — the command line,
 * the data files written by gen_data.py, the timing loop and the gradient
 * checksums — so that the peers differ only in the library calls they time.
 *
 * Command line of every peer (C, C++ and the Python one alike):
 *   PEER value WORKLOAD P FILE         prints "value [checksum...]"
 *   PEER time  WORKLOAD P FILE REPS    prints "value median_seconds"
 * WORKLOAD is mvn_loglik, mvn_loglik_grad, wishart_logpdf or
 * wishart_logpdf_grad. A peer without the workload prints "unsupported" and
 * exits 3, so that run.sh can tell "cannot" from "failed".
 *
 * Data files (little-endian doubles, row-major):
 *   mvn:     p, n, mu[p], Sigma[p*p], X[n*p]     (rows of X are observations)
 *   wishart: p, nu, S[p*p], X[p*p]
 * Sigma, S and X are exactly symmetric, so that it does not matter which
 * triangle a library reads.
 *
 * Gradient checksums: the libraries report a symmetric-matrix gradient in
 * different forms (bayesmat: the symmetric gradient G; reverse mode: the
 * gradient w.r.t. the p^2 entries taken as independent, or only the triangle
 * the code reads). Contracted with a SYMMETRIC weight W every such form
 * gives the same number, sum_ij G_ij W_ij, so checksums can be compared
 * without converting conventions.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_PEER_COMMON_H
#define BAYESMAT_PEER_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  size_t p, n; /* n: observations (mvn); 1 for wishart */
  double nu;   /* wishart degrees of freedom */
  double *mu;  /* mvn mean, length p */
  double *S;   /* Sigma (mvn) or the scale S (wishart), p x p */
  double *X;   /* n x p observations (mvn) or the p x p matrix (wishart) */
} peer_data;

typedef struct {
  int timing; /* 0: value mode, 1: time mode */
  const char *workload;
  size_t p;
  const char *file;
  int reps;
  int is_mvn, is_grad;
} peer_args;

static inline void peer_die(const char *msg)
{
  fprintf(stderr, "peer: %s\n", msg);
  exit(2);
}

static inline peer_args peer_parse(int argc, char **argv)
{
  peer_args a;
  memset(&a, 0, sizeof a);
  if (argc < 5 || (strcmp(argv[1], "value") != 0 && strcmp(argv[1], "time") != 0))
    peer_die("usage: PEER value|time WORKLOAD P FILE [REPS]");
  a.timing = strcmp(argv[1], "time") == 0;
  a.workload = argv[2];
  a.p = (size_t)strtoul(argv[3], NULL, 10);
  a.file = argv[4];
  a.reps = argc > 5 ? atoi(argv[5]) : 21;
  if (a.reps < 1) a.reps = 1;
  if (strcmp(a.workload, "mvn_loglik") == 0) a.is_mvn = 1;
  else if (strcmp(a.workload, "mvn_loglik_grad") == 0) a.is_mvn = 1, a.is_grad = 1;
  else if (strcmp(a.workload, "wishart_logpdf") == 0) a.is_mvn = 0;
  else if (strcmp(a.workload, "wishart_logpdf_grad") == 0) a.is_grad = 1;
  else peer_die("unknown workload");
  if (a.timing && argc < 6) peer_die("time mode needs REPS");
  return a;
}

static inline void peer_unsupported(void)
{
  printf("unsupported\n");
  exit(3);
}

static inline double *peer_read(FILE *f, size_t k)
{
  double *v = (double *)malloc(k * sizeof *v);
  if (!v || fread(v, sizeof *v, k, f) != k) peer_die("short data file");
  return v;
}

static inline peer_data peer_load(const peer_args *a)
{
  peer_data d;
  memset(&d, 0, sizeof d);
  FILE *f = fopen(a->file, "rb");
  if (!f) peer_die("cannot open the data file");
  double *h = peer_read(f, 2);
  d.p = (size_t)h[0];
  if (d.p != a->p) peer_die("the data file is for another p");
  if (a->is_mvn) {
    d.n = (size_t)h[1];
    d.mu = peer_read(f, d.p);
    d.S = peer_read(f, d.p * d.p);
    d.X = peer_read(f, d.n * d.p);
  } else {
    d.n = 1;
    d.nu = h[1];
    d.S = peer_read(f, d.p * d.p);
    d.X = peer_read(f, d.p * d.p);
  }
  free(h);
  fclose(f);
  return d;
}

/* Weights of the checksums: fixed, distinct, and symmetric in (i, j). */
static inline double peer_w_vec(size_t i) { return 1.0 / (double)(i + 1); }
static inline double peer_w_mat(size_t i, size_t j) { return 1.0 / (double)(i + j + 1); }

/* Wall time, or with PEER_CLOCK=cpu in the environment the process's CPU
 * time: on a loaded machine the latter is far less disturbed by the other
 * processes, but it adds up the CPU time of all threads, so it means
 * "time per call" only with OpenBLAS pinned to one thread. */
static inline double peer_now(void)
{
  static int cpu = -1;
  if (cpu < 0) {
    const char *c = getenv("PEER_CLOCK");
    cpu = c && strcmp(c, "cpu") == 0;
  }
  struct timespec ts;
  clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int peer_cmp(const void *x, const void *y)
{
  double u = *(const double *)x, v = *(const double *)y;
  return (u > v) - (u < v);
}

/* Median over `reps` batches of the time of one call. A batch repeats the
 * call often enough to last about 2 ms, so that the clock's resolution and
 * the loop overhead do not show at p = 5 (sub-microsecond calls); slow calls
 * run once per batch. One warm-up call first (page faults, lazy init). */
static inline double peer_median(void (*fn)(void *), void *arg, int reps)
{
  fn(arg);
  double t0 = peer_now();
  fn(arg);
  double t1 = peer_now() - t0;
  long inner = t1 > 0 ? (long)(2e-3 / t1) : 1000;
  if (inner < 1) inner = 1;
  double *s = (double *)malloc((size_t)reps * sizeof *s);
  if (!s) peer_die("out of memory");
  for (int r = 0; r < reps; r++) {
    double b0 = peer_now();
    for (long k = 0; k < inner; k++) fn(arg);
    s[r] = (peer_now() - b0) / (double)inner;
  }
  qsort(s, (size_t)reps, sizeof *s, peer_cmp);
  double med = (reps % 2) ? s[reps / 2] : 0.5 * (s[reps / 2 - 1] + s[reps / 2]);
  free(s);
  return med;
}

#endif
