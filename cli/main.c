/* The bayesmat command-line tool (docs/cli.md, docs/bayesmat.1).
 *   bayesmat --help | --version
 *   bayesmat verify [--seed N] [--quick] [--json] [--only COMPONENT]
 *   bayesmat logpdf|grad PARAMS DATA [--json]
 *   bayesmat fisher|jeffreys PARAMS [--idx I,J,...] [--json]
 *   bayesmat sample PARAMS [--n N] [--seed S] [--json]
 *   bayesmat check PARAMS [--draws N] [--seed S] [--json] [--plot DIR]
 *   bayesmat check-posterior PRIOR DATA [--claimed FILE] [--draws N] [--seed S] [--json] [--plot DIR]
 * Exit codes: 0 success; 1 a verification failed or the library returned an
 * error status; 2 usage error; 3 malformed or unreadable input (a file, or
 * the value of an option such as --seed, --n, --idx).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>
#include "bayesmat.h"
#include "verify.h"
#include "commands.h"
#include "families.h"
#include "input.h"

#define EXIT_FAILED CLI_EXIT_FAILED
#define EXIT_USAGE CLI_EXIT_USAGE

static const struct {
  const char *name;
  void (*run)(verify_ctx *);
} components[] = {
  {"core", verify_core},         {"mvn", verify_mvn},         {"mvt", verify_mvt},
  {"wishart", verify_wishart},   {"invwishart", verify_invwishart},
  {"matnorm", verify_matnorm},   {"matt", verify_matt},       {"matf", verify_matf},
  {"laplace", verify_laplace},     {"conjugate", verify_conjugate},
  {"stats", verify_stats},
};
#define NCOMPONENTS (sizeof components / sizeof components[0])

void verify_row(verify_ctx *c, const char *component, const char *quantity, double err, double tol)
{
  int pass = !isnan(err) && err <= tol;
  if (!pass) c->failures++;
  if (c->json)
    fprintf(c->out, "%s\n  {\"component\": \"%s\", \"quantity\": \"%s\", \"worst_rel_err\": %.3e, \"tol\": %.1e, \"pass\": %s}",
            c->rows ? "," : "", component, quantity, isnan(err) ? -1.0 : err, tol, pass ? "true" : "false");
  else
    fprintf(c->out, "%-11s %-44s %12.3e %9.1e  %s\n", component, quantity, err, tol, pass ? "pass" : "FAIL");
  c->rows++;
}

void verify_progress(verify_ctx *c, const char *component, size_t done, size_t total)
{
  if (!c->progress) return;
  fprintf(stderr, "\r%-11s %3zu%%", component, total ? 100 * done / total : 100);
  if (done >= total) fprintf(stderr, "\r                \r");
  fflush(stderr);
}

static void usage(FILE *f)
{
  fprintf(f,
          "usage: bayesmat <command> [options]\n"
          "\n"
          "commands:\n"
          "  verify      check every derivative and identity of every component at\n"
          "              seeded random parameters; prints a table, exits 1 on failure\n"
          "  logpdf      log-density of each observation in DATA under PARAMS\n"
          "  grad        score (gradient w.r.t. theta, in docs/contract.md's order) of each observation\n"
          "  fisher      closed-form Fisher information of one observation\n"
          "  jeffreys    log Jeffreys prior (1/2 log det of the Fisher block)\n"
          "  sample      draws from the family\n"
          "  check       one-call check of the family in PARAMS (derivatives, Fisher, mean)\n"
          "  posterior   conjugate posterior (niw, blr, mniw) of PRIOR given DATA\n"
          "  predictive  its posterior predictive (a family file, or per new row)\n"
          "  evidence    log marginal likelihood of DATA under PRIOR\n"
          "  check-posterior  check a conjugate posterior (or a claimed one) and its evidence\n"
          "Run 'bayesmat <command> --help' for a command's options; formats: docs/cli.md.\n"
          "\n"
          "options:\n"
          "  --help      this text\n"
          "  --version   print the version\n"
          "\n"
          "exit codes: 0 success, 1 a check failed or the library returned an error,\n"
          "            2 usage error, 3 malformed or unreadable input (a file or an\n"
          "            option's value)\n");
}

static void usage_verify(FILE *f)
{
  fprintf(f,
          "usage: bayesmat verify [--seed N] [--quick] [--json] [--only NAME]\n"
          "  --seed N      seed of the random parameters, a non-negative integer (default 1)\n"
          "  --quick       fewer points and Monte Carlo draws\n"
          "  --json        print the table as JSON\n"
          "  --only NAME   run one component (core, mvn, mvt, wishart, invwishart,\n"
          "                matnorm, matt, matf, laplace, conjugate, stats)\n");
}

static void usage_family(FILE *f, const char *cmd)
{
  if (!strcmp(cmd, "logpdf") || !strcmp(cmd, "grad"))
    fprintf(f, "usage: bayesmat %s PARAMS DATA [--json]\n", cmd);
  else if (!strcmp(cmd, "fisher"))
    fprintf(f, "usage: bayesmat fisher PARAMS [--json]\n");
  else if (!strcmp(cmd, "jeffreys"))
    fprintf(f, "usage: bayesmat jeffreys PARAMS [--idx I,J,...] [--json]\n"
               "  --idx   distinct 0-based indices of the theta block (default: all of theta)\n");
  else
    fprintf(f, "usage: bayesmat sample PARAMS [--n N] [--seed S] [--json]\n"
               "  --n N      number of draws (default 1, at most 1e9)\n"
               "  --seed S   seed of the generator, a non-negative integer (default 1)\n");
  fprintf(f,
          "PARAMS: a parameter file, 'family NAME' then the named parameters, e.g.\n"
          "    family matf\n    nu 5\n    delta 4\n    Psi\n    2 0.5\n    0.5 1\n"
          "  every key must be one the family takes (an unknown or repeated key is an\n"
          "  error); numbers must be finite. Families: %s.\n",
          cli_family_names());
  if (!strcmp(cmd, "logpdf") || !strcmp(cmd, "grad"))
    fprintf(f, "DATA: rows of numbers (CSV or whitespace); for matrix-variate families one\n"
               "matrix per block, blocks separated by blank lines.\n");
}

static void usage_conjugate(FILE *f, const char *cmd)
{
  fprintf(f, "usage: bayesmat %s PRIOR DATA%s [--json]\n", cmd, strcmp(cmd, "predictive") ? "" : " [--x XNEW]");
  fprintf(f,
          "PRIOR: 'model niw' with mu0, kappa0, nu0, Psi0; 'model blr' with 'prior nig' (m0, V0,\n"
          "a0, b0), 'prior known' (m0, S0, noise_precision) or 'prior improper' (k); or\n"
          "'model mniw' with B0 (k x d), V0, nu0, Psi0.\n"
          "DATA: rows x (niw), rows [x, y] (blr), rows [x (k), y (d)] (mniw).\n"
          "posterior prints the posterior as a PRIOR file (feed it back for the next batch);\n"
          "predictive prints a family file (niw: mvt; mniw: matt for the rows of XNEW) or,\n"
          "for blr, 'df loc scale2' for each row of XNEW; evidence prints log p(DATA).\n");
}

static int cmd_verify(int argc, char **argv)
{
  verify_ctx c = {.seed = 1, .out = stdout};
  const char *only = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      char err[CLI_ERRLEN];
      if (cli_parse_seed("--seed", argv[++i], &c.seed, err)) {
        fprintf(stderr, "bayesmat verify: %s\n", err);
        return CLI_EXIT_INPUT;
      }
    } else if (!strcmp(argv[i], "--quick")) {
      c.quick = 1;
    } else if (!strcmp(argv[i], "--json")) {
      c.json = 1;
    } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
      only = argv[++i];
    } else if (!strcmp(argv[i], "--inject") && i + 1 < argc) {
      c.inject = argv[++i]; /* self-test of the table: see docs/cli.md */
      if (strcmp(c.inject, "matt-fisher-sigma-omega")) {
        fprintf(stderr, "bayesmat verify: --inject: no defect '%s' (matt-fisher-sigma-omega)\n", c.inject);
        return CLI_EXIT_INPUT;
      }
    } else if (!strcmp(argv[i], "--help")) {
      usage_verify(stdout);
      return 0;
    } else {
      fprintf(stderr, "bayesmat verify: unknown option '%s' (see bayesmat --help)\n", argv[i]);
      return EXIT_USAGE;
    }
  }
  if (only) {
    size_t k = 0;
    while (k < NCOMPONENTS && strcmp(components[k].name, only)) k++;
    if (k == NCOMPONENTS) {
      fprintf(stderr, "bayesmat verify: no component '%s'\n", only);
      return EXIT_USAGE;
    }
  }
  c.progress = isatty(STDERR_FILENO);
  c.rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!c.rng) {
    fprintf(stderr, "bayesmat verify: out of memory\n");
    return EXIT_FAILED;
  }
  gsl_rng_set(c.rng, c.seed);
  if (c.json)
    fprintf(c.out, "[");
  else
    fprintf(c.out, "%-11s %-44s %12s %9s  %s\n", "component", "quantity", "worst_rel", "tol", "result");
  for (size_t k = 0; k < NCOMPONENTS; k++) {
    if (only && strcmp(components[k].name, only)) continue;
    components[k].run(&c);
  }
  if (c.json)
    fprintf(c.out, "\n]\n");
  else
    fprintf(c.out, "%zu checks, %zu failed (seed %lu)\n", c.rows, c.failures, c.seed);
  gsl_rng_free(c.rng);
  return c.failures ? EXIT_FAILED : 0;
}

int main(int argc, char **argv)
{
  gsl_set_error_handler_off(); /* the library never calls GSL's handler; this guards the CLI's own GSL use */
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("bayesmat %s\n", bm_version());
    return 0;
  }
  if (!strcmp(argv[1], "verify")) return cmd_verify(argc - 2, argv + 2);
  if (!strcmp(argv[1], "check")) return cli_cmd_check(argc - 2, argv + 2);
  if (!strcmp(argv[1], "check-posterior")) return cli_cmd_check_posterior(argc - 2, argv + 2);
  /* the subcommands that take a PARAMS or PRIOR file: each its runner and help */
  static const struct {
    const char *name;
    int (*run)(const char *cmd, int argc, char **argv);
    void (*usage)(FILE *f, const char *cmd);
  } cmds[] = {
      {"posterior", cli_cmd_conjugate, usage_conjugate},     {"predictive", cli_cmd_conjugate, usage_conjugate},
      {"evidence", cli_cmd_conjugate, usage_conjugate},      {"logpdf", cli_cmd_logpdf_grad, usage_family},
      {"grad", cli_cmd_logpdf_grad, usage_family},           {"fisher", cli_cmd_fisher_jeffreys, usage_family},
      {"jeffreys", cli_cmd_fisher_jeffreys, usage_family},   {"sample", cli_cmd_sample, usage_family},
  };
  for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
    if (strcmp(argv[1], cmds[k].name)) continue;
    for (int i = 2; i < argc; i++)
      if (!strcmp(argv[i], "--help")) {
        cmds[k].usage(stdout, cmds[k].name);
        return 0;
      }
    return cmds[k].run(cmds[k].name, argc - 2, argv + 2);
  }
  fprintf(stderr, "bayesmat: unknown command '%s' (see bayesmat --help)\n", argv[1]);
  return EXIT_USAGE;
}
