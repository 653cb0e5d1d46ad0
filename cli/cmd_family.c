/* bayesmat logpdf | grad | fisher | jeffreys | sample: a family's functions
 * on parameters and data read from files (formats: docs/cli.md).
 * Exit codes: 0 success, 1 the library returned an error status, 2 usage,
 * 3 malformed or unreadable input file.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bayesmat.h"
#include "commands.h"
#include "families.h"

typedef struct {
  const char *params, *data, *idx;
  int json;
  unsigned long seed;
  size_t n;
} opts;

static int parse(const char *cmd, int argc, char **argv, opts *o, int need_data)
{
  memset(o, 0, sizeof *o);
  o->seed = 1;
  o->n = 1;
  int pos = 0;
  char err[CLI_ERRLEN];
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--json"))
      o->json = 1;
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      if (cli_parse_seed("--seed", argv[++i], &o->seed, err)) return fprintf(stderr, "bayesmat %s: %s\n", cmd, err), CLI_EXIT_INPUT;
    } else if (!strcmp(argv[i], "--n") && i + 1 < argc) {
      if (cli_parse_count("--n", argv[++i], 1, 1000000000, &o->n, err)) return fprintf(stderr, "bayesmat %s: %s\n", cmd, err), CLI_EXIT_INPUT;
    } else if (!strcmp(argv[i], "--idx") && i + 1 < argc)
      o->idx = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "bayesmat %s: unknown option '%s' (see bayesmat %s --help)\n", cmd, argv[i], cmd);
      return CLI_EXIT_USAGE;
    } else if (pos == 0) {
      o->params = argv[i];
      pos++;
    } else if (pos == 1 && need_data) {
      o->data = argv[i];
      pos++;
    } else {
      fprintf(stderr, "bayesmat %s: unexpected argument '%s'\n", cmd, argv[i]);
      return CLI_EXIT_USAGE;
    }
  }
  if (!o->params || (need_data && !o->data)) {
    fprintf(stderr, "bayesmat %s: missing %s (see bayesmat %s --help)\n", cmd, o->params ? "DATA file" : "PARAMS file",
            cmd);
    return CLI_EXIT_USAGE;
  }
  return 0;
}

/* Load the family and its object from the parameter file. */
static int load(const char *cmd, const opts *o, cli_params *P, const bm_family_type **F, bm_dist **d,
                size_t *rows, size_t *cols)
{
  char err[CLI_ERRLEN];
  if (cli_read_params(o->params, P, err)) {
    fprintf(stderr, "bayesmat %s: %s\n", cmd, err);
    return CLI_EXIT_INPUT;
  }
  const cli_entry *fe = cli_find(P, "family");
  if (!fe || !fe->word[0]) {
    fprintf(stderr, "bayesmat %s: %s: missing 'family NAME' (one of %s)\n", cmd, o->params, cli_family_names());
    return CLI_EXIT_INPUT;
  }
  *F = cli_family_find(fe->word);
  if (!*F) {
    fprintf(stderr, "bayesmat %s: %s:%d: unknown family '%s' (one of %s)\n", cmd, o->params, fe->line, fe->word,
            cli_family_names());
    return CLI_EXIT_INPUT;
  }
  int status = 0;
  *d = cli_family_make(*F, P, &status, err);
  if (!*d) {
    fprintf(stderr, "bayesmat %s: %s\n", cmd, err);
    if (status > 0 && bm_last_error()[0]) fprintf(stderr, "  %s\n", bm_last_error());
    if (status < 0) {
      char doc[256];
      cli_family_params_doc(*F, doc, sizeof doc);
      fprintf(stderr, "  %s needs: %s\n", (*F)->name, doc);
    }
    return status < 0 ? CLI_EXIT_INPUT : CLI_EXIT_FAILED;
  }
  {
    char doc[256];
    cli_family_params_doc(*F, doc, sizeof doc);
    if (cli_check_unused(P, doc, err)) {
      fprintf(stderr, "bayesmat %s: %s\n", cmd, err);
      return CLI_EXIT_INPUT;
    }
  }
  bm_dist_shape(*d, rows, cols);
  return 0;
}

/* What every command holds: its options, the parameter file and the family object. */
typedef struct {
  opts o;
  cli_params P;
  const bm_family_type *F;
  bm_dist *d;
  size_t rows, cols;
} session;

/* parse, then load; whatever the outcome, close_session frees what was made */
static int open_session(const char *cmd, int argc, char **argv, int need_data, session *cs)
{
  memset(cs, 0, sizeof *cs);
  int rc = parse(cmd, argc, argv, &cs->o, need_data);
  return rc ? rc : load(cmd, &cs->o, &cs->P, &cs->F, &cs->d, &cs->rows, &cs->cols);
}

static void close_session(session *cs)
{
  bm_dist_free(cs->d);
  cli_params_free(&cs->P);
}

/* The observations of a data file as rows x cols matrices (a vector family's
 * rows become 1 x p matrices). */
static int observations(const char *cmd, const opts *o, const bm_family_type *F, size_t rows, size_t cols,
                        gsl_matrix ***obs, size_t *nobs, cli_data *D)
{
  char err[CLI_ERRLEN];
  if (cli_read_data(o->data, D, err)) {
    fprintf(stderr, "bayesmat %s: %s\n", cmd, err);
    return CLI_EXIT_INPUT;
  }
  size_t n = 0;
  for (size_t b = 0; b < D->n; b++) n += F->variate == BM_VARIATE_VECTOR ? D->blocks[b]->size1 : 1;
  *obs = calloc(n, sizeof **obs);
  if (!*obs) return CLI_EXIT_FAILED;
  size_t k = 0;
  for (size_t b = 0; b < D->n; b++) {
    gsl_matrix *B = D->blocks[b];
    if (F->variate == BM_VARIATE_VECTOR) {
      if (B->size2 != cols) {
        fprintf(stderr, "bayesmat %s: %s:%d: rows have %zu numbers, the %s has dimension %zu\n", cmd, o->data,
                D->first_line[b], B->size2, F->name, cols);
        return CLI_EXIT_INPUT;
      }
      for (size_t i = 0; i < B->size1; i++) {
        (*obs)[k] = bm_matrix_alloc(1, cols);
        if (!(*obs)[k]) return CLI_EXIT_FAILED;
        for (size_t j = 0; j < cols; j++) gsl_matrix_set((*obs)[k], 0, j, gsl_matrix_get(B, i, j));
        k++;
      }
    } else {
      if (B->size1 != rows || B->size2 != cols) {
        fprintf(stderr, "bayesmat %s: %s:%d: matrix is %zu x %zu, the %s needs %zu x %zu\n", cmd, o->data,
                D->first_line[b], B->size1, B->size2, F->name, rows, cols);
        return CLI_EXIT_INPUT;
      }
      (*obs)[k++] = B;
      D->blocks[b] = NULL; /* ownership moves to obs */
    }
  }
  *nobs = k;
  return 0;
}

static void free_obs(gsl_matrix **obs, size_t n)
{
  if (!obs) return;
  for (size_t i = 0; i < n; i++) bm_matrix_free(obs[i]);
  free(obs);
}

static void print_vector(FILE *f, const gsl_vector *v, int json)
{
  for (size_t i = 0; i < v->size; i++)
    fprintf(f, json ? "%s%.17g" : "%s%.17g", i ? (json ? ", " : " ") : "", gsl_vector_get(v, i));
}

static void print_matrix(FILE *f, const gsl_matrix *A, int json)
{
  for (size_t i = 0; i < A->size1; i++) {
    gsl_vector_const_view r = gsl_matrix_const_row(A, i);
    if (json) fprintf(f, "%s[", i ? ", " : "");
    print_vector(f, &r.vector, json);
    fprintf(f, json ? "]" : "\n");
  }
}

static int fail_status(const char *cmd, const char *what, int status)
{
  fprintf(stderr, "bayesmat %s: %s: %s\n", cmd, what, bm_strerror(status));
  if (bm_last_error()[0]) fprintf(stderr, "  %s\n", bm_last_error()); /* which argument, and why */
  return CLI_EXIT_FAILED;
}

int cli_cmd_logpdf_grad(const char *cmd, int argc, char **argv)
{
  int grad = !strcmp(cmd, "grad");
  session cs;
  cli_data D = {0};
  size_t nobs = 0;
  gsl_matrix **obs = NULL;
  gsl_vector *s = NULL;
  int rc = open_session(cmd, argc, argv, 1, &cs);
  if (rc) goto done;
  const bm_family_type *F = cs.F;
  bm_dist *d = cs.d;
  if ((rc = observations(cmd, &cs.o, F, cs.rows, cs.cols, &obs, &nobs, &D))) goto done;
  s = bm_vector_alloc(bm_dist_nparams(d));
  if (!s) {
    rc = CLI_EXIT_FAILED;
    goto done;
  }
  if (cs.o.json) printf("{\"family\": \"%s\", \"%s\": [", F->name, grad ? "score" : "logpdf");
  double sum = 0;
  for (size_t i = 0; i < nobs && !rc; i++) {
    int status;
    if (grad) {
      status = bm_dist_score(d, obs[i], s);
      if (!status) {
        if (cs.o.json) printf("%s[", i ? ", " : "");
        print_vector(stdout, s, cs.o.json);
        printf(cs.o.json ? "]" : "\n");
      }
    } else {
      double lp;
      status = bm_dist_logpdf(d, obs[i], &lp);
      if (!status || status == BM_EDOM) {
        sum += lp;
        printf(cs.o.json ? "%s%.17g" : "%s%.17g\n", cs.o.json && i ? ", " : "", lp);
        status = BM_SUCCESS; /* -inf outside the support is an answer */
      }
    }
    if (status) {
      char what[64];
      snprintf(what, sizeof what, "observation %zu", i + 1);
      rc = fail_status(cmd, what, status);
    }
  }
  if (!rc) {
    if (cs.o.json)
      printf(grad ? "]}\n" : "], \"sum\": %.17g}\n", sum);
    else if (!grad)
      printf("# sum %.17g over %zu observations\n", sum, nobs);
  }
done:
  bm_vector_free(s);
  free_obs(obs, nobs);
  cli_data_free(&D);
  close_session(&cs);
  return rc;
}

int cli_cmd_fisher_jeffreys(const char *cmd, int argc, char **argv)
{
  int jeff = !strcmp(cmd, "jeffreys");
  session cs;
  size_t *idx = NULL, k = 0;
  gsl_matrix *I = NULL;
  int rc = open_session(cmd, argc, argv, 0, &cs);
  if (rc) goto done;
  const bm_family_type *F = cs.F;
  bm_dist *d = cs.d;
  size_t n = bm_dist_nparams(d);
  char err[CLI_ERRLEN];
  if (cli_check_size("Fisher matrix", n, n, err)) { /* say so before trying */
    fprintf(stderr, "bayesmat %s: %s: %s has %zu parameters: %s\n", cmd, cs.o.params, F->name, n, err);
    rc = CLI_EXIT_FAILED;
    goto done;
  }
  if (jeff) {
    if (cs.o.idx && cli_parse_indices("--idx", cs.o.idx, n, &idx, &k, err)) {
      fprintf(stderr, "bayesmat %s: %s\n", cmd, err);
      rc = CLI_EXIT_INPUT;
      goto done;
    }
    double lp;
    int status = bm_dist_jeffreys(d, idx, k, &lp);
    if (status) {
      rc = fail_status(cmd, F->name, status);
      goto done;
    }
    printf(cs.o.json ? "{\"family\": \"%s\", \"log_prior\": %.17g}\n" : "%s%.17g\n", cs.o.json ? F->name : "", lp);
    goto done;
  }
  I = bm_matrix_alloc(n, n);
  int status = I ? bm_dist_fisher(d, I) : CLI_NOMEM();
  if (status) {
    rc = fail_status(cmd, F->name, status);
    goto done;
  }
  if (cs.o.json) printf("{\"family\": \"%s\", \"fisher\": [", F->name);
  print_matrix(stdout, I, cs.o.json);
  if (cs.o.json) printf("]}\n");
done:
  free(idx);
  bm_matrix_free(I);
  close_session(&cs);
  return rc;
}

int cli_cmd_sample(const char *cmd, int argc, char **argv)
{
  session cs;
  gsl_matrix *x = NULL;
  gsl_rng *r = NULL;
  int rc = open_session(cmd, argc, argv, 0, &cs);
  if (rc) goto done;
  const bm_family_type *F = cs.F;
  x = bm_matrix_alloc(cs.rows, cs.cols);
  r = gsl_rng_alloc(gsl_rng_mt19937);
  if (!x || !r) {
    rc = CLI_EXIT_FAILED;
    goto done;
  }
  gsl_rng_set(r, cs.o.seed);
  if (cs.o.json) printf("{\"family\": \"%s\", \"samples\": [", F->name);
  for (size_t i = 0; i < cs.o.n; i++) {
    int status = bm_dist_sample(cs.d, r, x);
    if (status) {
      rc = fail_status(cmd, F->name, status);
      goto done;
    }
    if (cs.o.json) {
      printf("%s[", i ? ", " : "");
      print_matrix(stdout, x, 1);
      printf("]");
    } else {
      print_matrix(stdout, x, 0);
      if (F->variate != BM_VARIATE_VECTOR && i + 1 < cs.o.n) printf("\n");
    }
  }
  if (cs.o.json) printf("]}\n");
done:
  if (r) gsl_rng_free(r);
  bm_matrix_free(x);
  close_session(&cs);
  return rc;
}
