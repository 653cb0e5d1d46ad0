/* bayesmat check PARAMS [--draws N] [--seed S] [--json] [--plot DIR]:
 * bm_check_dist on the family of a parameter file (docs/cli.md, docs/check.md).
 * Exit codes: 0 every row passed or was skipped, 1 a row failed or the
 * library returned an error status, 2 usage, 3 malformed input file.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bayesmat.h"
#include "commands.h"
#include "families.h"

static void usage(FILE *f)
{
  fprintf(f, "usage: bayesmat check PARAMS [--draws N] [--seed S] [--json] [--plot DIR]\n"
             "  one-call check of the family in PARAMS at its parameters: score and Hessian\n"
             "  against finite differences, Taylor slope, hess_x, and by Monte Carlo\n"
             "  E[score] = 0, E[s s^T] and E[-H] against the Fisher information, the mean\n"
             "  --draws N   Monte Carlo draws (default 20000)\n"
             "  --seed S    seed (default 1)\n"
             "  --json      print the report as JSON\n"
             "  --plot DIR  write the Monte Carlo Fisher convergence to DIR/fisher_convergence.dat\n"
             "              and, when gnuplot is installed, DIR/fisher_convergence.png\n"
             "PARAMS: a parameter file as for 'bayesmat fisher' (family NAME, then its parameters).\n");
}

typedef struct {
  struct timespec t0;
  int shown;
} progress_state;

static void progress(size_t done, size_t total, void *ctx)
{
  progress_state *p = ctx;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  double el = (double)(t.tv_sec - p->t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - p->t0.tv_nsec);
  if (el < 1.0 && !p->shown) return; /* quiet for short runs */
  if (done >= total) {
    if (p->shown) fprintf(stderr, "\r%40s\r", "");
  } else {
    fprintf(stderr, "\rcheck: Monte Carlo %zu / %zu draws", done, total);
    p->shown = 1;
  }
  fflush(stderr);
}

static int have_gnuplot(void) { return system("command -v gnuplot >/dev/null 2>&1") == 0; }

static int plot(const char *dir, const bm_check_report *rep)
{
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "bayesmat check: cannot create %s: %s\n", dir, strerror(errno));
    return CLI_EXIT_INPUT;
  }
  if (rep->ntrace == 0) {
    fprintf(stderr, "bayesmat check: note: no Monte Carlo Fisher rows ran; nothing to plot\n");
    return 0;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/fisher_convergence.dat", dir);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "bayesmat check: cannot write %s: %s\n", path, strerror(errno));
    return CLI_EXIT_INPUT;
  }
  fprintf(f, "# draws  rel_frobenius_err(mean s s^T)  rel_frobenius_err(mean -H)   family %s\n", rep->family);
  for (size_t k = 0; k < rep->ntrace; k++)
    fprintf(f, "%zu %.6e %.6e\n", rep->trace_draws[k], rep->trace_outer[k], rep->trace_hess[k]);
  fclose(f);
  if (!have_gnuplot()) {
    fprintf(stderr, "bayesmat check: note: gnuplot not found; wrote %s only\n", path);
    return 0;
  }
  FILE *g = popen("gnuplot", "w");
  if (!g) return 0;
  fprintf(g,
          "set terminal pngcairo size 800,560\nset output '%s/fisher_convergence.png'\n"
          "set logscale xy\nset xlabel 'draws'\nset ylabel '||mean - I||_F / ||I||_F'\n"
          "set title 'Monte Carlo Fisher information of %s'\nset key top right\n"
          "plot '%s' u 1:2 w lp t 'mean s s^T', '' u 1:3 w lp t 'mean -H', "
          "'' u 1:($2*sqrt($1)/sqrt(x)) w l dt 2 t '1/sqrt(N)'\n",
          dir, rep->family, path);
  if (pclose(g) != 0) fprintf(stderr, "bayesmat check: note: gnuplot failed; wrote %s only\n", path);
  return 0;
}

int cli_cmd_check(int argc, char **argv)
{
  const char *params = NULL, *plot_dir = NULL;
  int json = 0;
  unsigned long seed = 1;
  size_t draws = 20000;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else if ((!strcmp(argv[i], "--draws") || !strcmp(argv[i], "--seed")) && i + 1 < argc) {
      char *end;
      const char *opt = argv[i];
      unsigned long v = strtoul(argv[++i], &end, 10);
      if (*end || argv[i][0] == '-' || (!strcmp(opt, "--draws") && v < 2)) {
        fprintf(stderr, "bayesmat check: %s takes a %s integer, not '%s'\n", opt,
                strcmp(opt, "--draws") ? "non-negative" : "positive (>= 2)", argv[i]);
        return CLI_EXIT_USAGE;
      }
      if (!strcmp(opt, "--draws")) draws = v;
      else seed = v;
    } else if (!strcmp(argv[i], "--plot") && i + 1 < argc) {
      plot_dir = argv[++i];
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "bayesmat check: unknown option '%s' (see bayesmat check --help)\n", argv[i]);
      return CLI_EXIT_USAGE;
    } else if (!params) {
      params = argv[i];
    } else {
      fprintf(stderr, "bayesmat check: unexpected argument '%s'\n", argv[i]);
      return CLI_EXIT_USAGE;
    }
  }
  if (!params) {
    fprintf(stderr, "bayesmat check: missing PARAMS file (see bayesmat check --help)\n");
    return CLI_EXIT_USAGE;
  }
  char err[CLI_ERRLEN];
  cli_params P = {0};
  if (cli_read_params(params, &P, err)) {
    fprintf(stderr, "bayesmat check: %s\n", err);
    return CLI_EXIT_INPUT;
  }
  int rc = 0;
  bm_dist *d = NULL;
  gsl_rng *r = NULL;
  bm_check_report *rep = NULL;
  const cli_entry *fe = cli_find(&P, "family");
  const bm_family_type *F = fe && fe->word[0] ? cli_family_find(fe->word) : NULL;
  if (!F) {
    fprintf(stderr, "bayesmat check: %s: missing or unknown 'family NAME' (one of %s)\n", params,
            cli_family_names());
    rc = CLI_EXIT_INPUT;
    goto done;
  }
  int status = 0;
  d = cli_family_make(F, &P, &status, err);
  if (!d) {
    fprintf(stderr, "bayesmat check: %s\n", err);
    rc = status < 0 ? CLI_EXIT_INPUT : CLI_EXIT_FAILED;
    goto done;
  }
  r = gsl_rng_alloc(gsl_rng_mt19937);
  rep = bm_check_report_alloc();
  if (!r || !rep) {
    rc = CLI_EXIT_FAILED;
    goto done;
  }
  gsl_rng_set(r, seed);
  progress_state ps = {0};
  clock_gettime(CLOCK_MONOTONIC, &ps.t0);
  bm_check_dist_options o = {.draws = draws};
  if (isatty(STDERR_FILENO)) {
    o.progress = progress;
    o.progress_ctx = &ps;
  }
  status = bm_check_dist(d, r, &o, rep);
  if (status != BM_SUCCESS) {
    fprintf(stderr, "bayesmat check: %s\n", bm_strerror(status));
    rc = CLI_EXIT_FAILED;
    goto done;
  }
  bm_check_report_print(rep, stdout, json ? BM_REPORT_JSON : BM_REPORT_TABLE);
  if (plot_dir && (rc = plot(plot_dir, rep))) goto done;
  rc = rep->passed ? 0 : CLI_EXIT_FAILED;
done:
  bm_check_report_free(rep);
  if (r) gsl_rng_free(r);
  bm_dist_free(d);
  cli_params_free(&P);
  return rc;
}
