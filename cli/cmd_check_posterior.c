/* bayesmat check-posterior PRIOR DATA [--claimed FILE] [--draws N] [--seed S] [--json] [--plot DIR]:
 * the one-call conjugate checks (bayesmat/check_conjugate.h) on a prior file
 * and a data file in the formats of `bayesmat posterior` (docs/cli.md). With
 * --claimed, FILE is a posterior written as a prior file of the same model
 * (what `bayesmat posterior` prints, or parameters derived by hand) and the
 * checks run on that claim. Exit 0 when every check passed, 1 when one failed.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "bayesmat.h"
#include "commands.h"
#include "conjugate_model.h"

static const char *CMD = "check-posterior";

static void usage(FILE *f)
{
  fprintf(f,
          "usage: bayesmat check-posterior PRIOR DATA [--claimed FILE] [--draws N] [--seed S]\n"
          "                                [--json] [--plot DIR]\n"
          "Checks the conjugate posterior of PRIOR given DATA (files as for 'bayesmat posterior'):\n"
          "proportionality to prior x likelihood, the evidence by importance sampling and by\n"
          "the identity log p(D) = log prior + log lik - log post, and simulation-based\n"
          "calibration; one row per check, exit 1 if any fails.\n"
          "  --claimed FILE  check this posterior instead of the model's own: a prior file of\n"
          "                  the same model holding the claimed posterior parameters (blr: 'prior\n"
          "                  nig' for the NIG and improper priors, 'prior known' for known noise)\n"
          "  --draws N       importance-sampling draws (default 20000)\n"
          "  --seed S        seed of the random numbers (default 1)\n"
          "  --json          print the report as JSON\n"
          "  --plot DIR      write DIR/sbc_ranks.dat, .gp and, when gnuplot is installed, .png\n");
}

typedef struct {
  struct timespec t0;
  int shown;
} progress_state;

static double elapsed(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* Stage progress on a terminal, once the run has taken a second. */
static void on_progress(const char *stage, size_t done, size_t total, void *ctx)
{
  progress_state *p = ctx;
  if (!strcmp(stage, "done")) {
    if (p->shown) fprintf(stderr, "\r%60s\r", "");
    return;
  }
  if (elapsed(&p->t0) < 1.0) return;
  fprintf(stderr, "\rcheck-posterior: %-18s (%zu/%zu)", stage, done + 1, total);
  fflush(stderr);
  p->shown = 1;
}

/* The SBC rank histogram: data and gnuplot script always, the PNG when gnuplot runs. */
static void plot(const char *dir, const bm_check_conjugate_report *rep)
{
  if (rep->sbc_bins == 0) {
    fprintf(stderr, "bayesmat %s: --plot: SBC did not run, no rank histogram\n", CMD);
    return;
  }
  char path[1024];
  mkdir(dir, 0777); /* an existing DIR is fine; any other failure shows at fopen */
  snprintf(path, sizeof path, "%s/sbc_ranks.dat", dir);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "bayesmat %s: --plot: cannot write %s\n", CMD, path);
    return;
  }
  fprintf(f, "# bin count expected (ranks pooled over the %zu statistics)\n", rep->dim);
  for (size_t b = 0; b < rep->sbc_bins; b++) fprintf(f, "%zu %.0f %.6g\n", b, rep->sbc_counts[b], rep->sbc_expected[b]);
  fclose(f);
  snprintf(path, sizeof path, "%s/sbc_ranks.gp", dir);
  f = fopen(path, "w");
  if (!f) return;
  fprintf(f,
          "set terminal pngcairo size 640,400\nset output '%s/sbc_ranks.png'\n"
          "set title 'SBC ranks, %s (uniform when the posterior is right)'\n"
          "set xlabel 'rank bin'\nset ylabel 'count'\nset style fill solid 0.5\nset boxwidth 0.9\n"
          "set yrange [0:*]\n"
          "plot '%s/sbc_ranks.dat' using 1:2 with boxes title 'ranks', "
          "'' using 1:3 with lines lw 2 title 'expected'\n",
          dir, rep->model, dir);
  fclose(f);
  if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
    fprintf(stderr, "bayesmat %s: --plot: gnuplot is not installed; wrote %s/sbc_ranks.dat and .gp only\n", CMD,
            dir);
    return;
  }
  char cmd[2200];
  snprintf(cmd, sizeof cmd, "gnuplot '%s' 2>/dev/null", path);
  if (system(cmd) != 0)
    fprintf(stderr, "bayesmat %s: --plot: gnuplot failed on %s\n", CMD, path);
}

static int parse_count(const char *opt, const char *s, unsigned long *x)
{
  char *end;
  if (s[0] == '-' || !s[0]) goto bad;
  *x = strtoul(s, &end, 10);
  if (*end) goto bad;
  return 0;
bad:
  fprintf(stderr, "bayesmat %s: %s takes a non-negative integer, not '%s'\n", CMD, opt, s);
  return CLI_EXIT_USAGE;
}

int cli_cmd_check_posterior(int argc, char **argv)
{
  const char *prior = NULL, *data = NULL, *claimed = NULL, *plotdir = NULL;
  unsigned long draws = 20000, seed = 1;
  int json = 0;
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    }
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--claimed") && i + 1 < argc)
      claimed = argv[++i];
    else if (!strcmp(argv[i], "--draws") && i + 1 < argc) {
      if (parse_count("--draws", argv[++i], &draws)) return CLI_EXIT_USAGE;
      if (draws < 2 || draws > 1000000000UL) {
        fprintf(stderr, "bayesmat %s: --draws must be between 2 and 1e9\n", CMD);
        return CLI_EXIT_USAGE;
      }
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      if (parse_count("--seed", argv[++i], &seed)) return CLI_EXIT_USAGE;
    } else if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "--plot") && i + 1 < argc)
      plotdir = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "bayesmat %s: unknown option '%s' (see bayesmat %s --help)\n", CMD, argv[i], CMD);
      return CLI_EXIT_USAGE;
    } else if (!prior)
      prior = argv[i];
    else if (!data)
      data = argv[i];
    else {
      fprintf(stderr, "bayesmat %s: unexpected argument '%s'\n", CMD, argv[i]);
      return CLI_EXIT_USAGE;
    }
  }
  if (!prior || !data) {
    fprintf(stderr, "bayesmat %s: needs PRIOR and DATA files (see bayesmat %s --help)\n", CMD, CMD);
    return CLI_EXIT_USAGE;
  }

  cli_conj_model M, C = {0};
  gsl_matrix *D = NULL;
  gsl_rng *r = NULL;
  int rc = cli_conj_load_model(CMD, prior, &M);
  if (rc) return rc;
  if (claimed && (rc = cli_conj_load_model(CMD, claimed, &C))) goto done;
  if (claimed && (C.kind != M.kind || C.k != M.k || C.d != M.d)) {
    fprintf(stderr, "bayesmat %s: %s: the claimed posterior is not of PRIOR's model and dimensions\n", CMD, claimed);
    rc = CLI_EXIT_INPUT;
    goto done;
  }
  size_t cols = M.kind == MODEL_NIW ? M.d : M.kind == MODEL_BLR ? M.k + 1 : M.k + M.d;
  if ((rc = cli_conj_load_rows(CMD, data, cols, &D))) goto done;
  r = gsl_rng_alloc(gsl_rng_mt19937);
  if (!r) {
    rc = CLI_EXIT_FAILED;
    goto done;
  }
  gsl_rng_set(r, seed);

  progress_state ps = {.shown = 0};
  clock_gettime(CLOCK_MONOTONIC, &ps.t0);
  bm_check_conjugate_options opts = {.is_draws = draws};
  if (isatty(STDERR_FILENO)) {
    opts.progress = on_progress;
    opts.progress_ctx = &ps;
  }
  bm_check_conjugate_report rep;
  int status;
  if (M.kind == MODEL_NIW) {
    status = bm_check_niw(M.m, D, claimed ? C.m : NULL, r, &opts, &rep);
  } else if (M.kind == MODEL_BLR) {
    gsl_matrix_view X = gsl_matrix_submatrix(D, 0, 0, D->size1, M.k);
    gsl_vector_view y = gsl_matrix_column(D, M.k);
    status = bm_check_blr(M.m, &X.matrix, &y.vector, claimed ? C.m : NULL, r, &opts, &rep);
  } else {
    gsl_matrix_view X = gsl_matrix_submatrix(D, 0, 0, D->size1, M.k);
    gsl_matrix_view Y = gsl_matrix_submatrix(D, 0, M.k, D->size1, M.d);
    status = bm_check_mniw(M.m, &X.matrix, &Y.matrix, claimed ? C.m : NULL, r, &opts, &rep);
  }
  if (ps.shown) fprintf(stderr, "\r%60s\r", "");
  if (status) {
    fprintf(stderr, "bayesmat %s: %s\n", CMD, bm_strerror(status));
    if (status == BM_EINVAL && claimed)
      fprintf(stderr, "  (is the claimed posterior of the same kind as the prior? blr: 'prior nig' for nig and\n"
                      "   improper priors, 'prior known' for known noise)\n");
    rc = CLI_EXIT_FAILED;
    goto done;
  }
  bm_check_conjugate_print(stdout, &rep, json);
  if (!json) printf("(seed %lu)\n", seed);
  if (plotdir) plot(plotdir, &rep);
  rc = rep.passed ? 0 : CLI_EXIT_FAILED;
done:
  if (r) gsl_rng_free(r);
  bm_matrix_free(D);
  cli_conj_model_free(&M);
  if (claimed) cli_conj_model_free(&C);
  return rc;
}
