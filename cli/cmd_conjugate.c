/* bayesmat posterior | predictive | evidence: the conjugate models on a
 * prior file and a data file (formats: docs/cli.md). `posterior` prints the
 * posterior in the prior file's own format, so it can be fed back as the prior
 * of the next batch; `predictive` prints a family parameter file (mvt, matt)
 * that `bayesmat logpdf` reads, or (blr) df, loc, scale2 per new row.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bayesmat.h"
#include "commands.h"
#include "input.h"

#include "conjugate_model.h"

typedef cli_conj_model model;

/* Output: text (the prior/family file format) or JSON (one object). */
typedef struct {
  int json;
  int fields; /* JSON fields written so far */
} out;

static void out_begin(out *o)
{
  if (o->json) printf("{");
}
static void out_end(out *o) { printf(o->json ? "}\n" : ""); }
static void out_sep(out *o)
{
  if (o->json && o->fields++) printf(", ");
}
static void out_comment(out *o, const char *text)
{
  if (!o->json) printf("# %s\n", text);
}
static void out_word(out *o, const char *name, const char *word)
{
  out_sep(o);
  printf(o->json ? "\"%s\": \"%s\"" : "%s %s\n", name, word);
}
static void out_scalar(out *o, const char *name, double x)
{
  out_sep(o);
  if (o->json && !isfinite(x))
    printf("\"%s\": %s", name, isnan(x) ? "null" : x > 0 ? "1e999" : "-1e999");
  else
    printf(o->json ? "\"%s\": %.17g" : "%s %.17g\n", name, x);
}
static void out_vector(out *o, const char *name, const gsl_vector *v)
{
  out_sep(o);
  printf(o->json ? "\"%s\": [" : "%s", name);
  for (size_t i = 0; i < v->size; i++) printf("%s%.17g", i ? (o->json ? ", " : " ") : (o->json ? "" : " "), gsl_vector_get(v, i));
  printf(o->json ? "]" : "\n");
}
static void out_matrix(out *o, const char *name, const gsl_matrix *A)
{
  out_sep(o);
  printf(o->json ? "\"%s\": [" : "%s\n", name);
  for (size_t i = 0; i < A->size1; i++) {
    if (o->json) printf("%s[", i ? ", " : "");
    for (size_t j = 0; j < A->size2; j++)
      printf(o->json ? "%s%.17g" : "%s%.17g", j ? (o->json ? ", " : " ") : "", gsl_matrix_get(A, i, j));
    printf(o->json ? "]" : "\n");
  }
  printf(o->json ? "]" : "\n");
}

static void model_free(model *M)
{
  if (!M->m) return;
  if (M->kind == MODEL_NIW) bm_niw_free(M->m);
  if (M->kind == MODEL_BLR) bm_blr_free(M->m);
  if (M->kind == MODEL_MNIW) bm_mniw_free(M->m);
  M->m = NULL;
}

/* Beneath a library status: which argument failed and why. */
static void print_last_error(void)
{
  if (bm_last_error()[0]) fprintf(stderr, "  %s\n", bm_last_error());
}

/* Build the model from a prior file. Returns 0, CLI_EXIT_INPUT or CLI_EXIT_FAILED. */
static int load_model(const char *cmd, const char *path, model *M)
{
  char err[CLI_ERRLEN];
  cli_params P;
  memset(M, 0, sizeof *M);
  if (cli_read_params(path, &P, err)) {
    fprintf(stderr, "bayesmat %s: %s\n", cmd, err);
    return CLI_EXIT_INPUT;
  }
  int rc = CLI_EXIT_INPUT, status = BM_SUCCESS;
  gsl_vector *v = NULL;
  gsl_matrix *A = NULL, *B = NULL;
  double a = 0, b = 0, c = 0;
  const cli_entry *e = cli_find(&P, "model");
  if (!e || !e->word[0]) {
    fprintf(stderr, "bayesmat %s: %s: missing 'model NAME' (niw, blr or mniw)\n", cmd, path);
    goto done;
  }
#define GET(call)                                        \
  do {                                                   \
    if (call) {                                          \
      fprintf(stderr, "bayesmat %s: %s\n", cmd, err);    \
      goto done;                                         \
    }                                                    \
  } while (0)
  if (!strcmp(e->word, "niw")) {
    M->kind = MODEL_NIW;
    GET(cli_get_vector(&P, "mu0", 0, &v, err));
    GET(cli_get_scalar(&P, "kappa0", &a, err));
    GET(cli_get_scalar(&P, "nu0", &b, err));
    GET(cli_get_matrix(&P, "Psi0", v->size, v->size, &A, err));
    M->d = v->size;
    M->m = bm_niw_alloc(M->d);
    status = M->m ? bm_niw_set_prior(M->m, v, a, b, A) : CLI_NOMEM();
  } else if (!strcmp(e->word, "blr")) {
    M->kind = MODEL_BLR;
    const cli_entry *pe = cli_find(&P, "prior");
    if (!pe || !pe->word[0]) {
      fprintf(stderr, "bayesmat %s: %s: missing 'prior nig|known|improper'\n", cmd, path);
      goto done;
    }
    if (!strcmp(pe->word, "improper")) {
      M->prior = BLR_IMPROPER;
      GET(cli_get_scalar(&P, "k", &a, err));
      if (!(a >= 1 && a == floor(a) && a < 1e6)) {
        fprintf(stderr, "bayesmat %s: %s: k must be a positive integer\n", cmd, path);
        goto done;
      }
      M->k = (size_t)a;
      M->m = bm_blr_alloc(M->k);
      status = M->m ? bm_blr_set_prior_improper(M->m) : CLI_NOMEM();
    } else {
      GET(cli_get_vector(&P, "m0", 0, &v, err));
      M->k = v->size;
      M->m = bm_blr_alloc(M->k);
      if (!strcmp(pe->word, "nig")) {
        M->prior = BLR_NIG;
        GET(cli_get_matrix(&P, "V0", M->k, M->k, &A, err));
        GET(cli_get_scalar(&P, "a0", &a, err));
        GET(cli_get_scalar(&P, "b0", &b, err));
        status = M->m ? bm_blr_set_prior_nig(M->m, v, A, a, b) : CLI_NOMEM();
      } else if (!strcmp(pe->word, "known")) {
        M->prior = BLR_KNOWN;
        GET(cli_get_matrix(&P, "S0", M->k, M->k, &A, err));
        GET(cli_get_scalar(&P, "noise_precision", &c, err));
        M->noise_precision = c;
        status = M->m ? bm_blr_set_prior_known_noise(M->m, v, A, c) : CLI_NOMEM();
      } else {
        fprintf(stderr, "bayesmat %s: %s:%d: unknown prior '%s' (nig, known, improper)\n", cmd, path, pe->line,
                pe->word);
        goto done;
      }
    }
  } else if (!strcmp(e->word, "mniw")) {
    M->kind = MODEL_MNIW;
    GET(cli_get_matrix(&P, "B0", 0, 0, &B, err));
    M->k = B->size1;
    M->d = B->size2;
    GET(cli_get_matrix(&P, "V0", M->k, M->k, &A, err));
    GET(cli_get_scalar(&P, "nu0", &a, err));
    gsl_matrix *Psi = NULL;
    if (cli_get_matrix(&P, "Psi0", M->d, M->d, &Psi, err)) {
      fprintf(stderr, "bayesmat %s: %s\n", cmd, err);
      goto done;
    }
    M->m = bm_mniw_alloc(M->k, M->d);
    status = M->m ? bm_mniw_set_prior(M->m, B, A, a, Psi) : CLI_NOMEM();
    bm_matrix_free(Psi);
  } else {
    fprintf(stderr, "bayesmat %s: %s:%d: unknown model '%s' (niw, blr, mniw)\n", cmd, path, e->line, e->word);
    goto done;
  }
#undef GET
  if (cli_check_unused(&P, M->kind == MODEL_NIW ? "model, mu0, kappa0, nu0, Psi0"
                           : M->kind == MODEL_MNIW ? "model, B0, V0, nu0, Psi0"
                           : M->prior == BLR_IMPROPER ? "model, prior, k"
                           : M->prior == BLR_NIG ? "model, prior, m0, V0, a0, b0"
                                                 : "model, prior, m0, S0, noise_precision", err)) {
    fprintf(stderr, "bayesmat %s: %s\n", cmd, err);
    goto done;
  }
  if (status) {
    fprintf(stderr, "bayesmat %s: %s: prior: %s\n", cmd, path, bm_strerror(status));
    print_last_error();
    rc = CLI_EXIT_FAILED;
    goto done;
  }
  rc = 0;
done:
  if (rc) model_free(M);
  bm_vector_free(v);
  bm_matrix_free(A);
  bm_matrix_free(B);
  cli_params_free(&P);
  return rc;
}

/* All rows of a data file, blocks concatenated, checked to have `cols` columns. */
static int load_rows(const char *cmd, const char *path, size_t cols, gsl_matrix **X)
{
  char err[CLI_ERRLEN];
  cli_data D;
  *X = NULL;
  if (cli_read_data(path, &D, err)) {
    fprintf(stderr, "bayesmat %s: %s\n", cmd, err);
    return CLI_EXIT_INPUT;
  }
  size_t n = 0;
  for (size_t b = 0; b < D.n; b++) {
    if (D.blocks[b]->size2 != cols) {
      fprintf(stderr, "bayesmat %s: %s:%d: rows have %zu numbers, the model needs %zu\n", cmd, path, D.first_line[b],
              D.blocks[b]->size2, cols);
      cli_data_free(&D);
      return CLI_EXIT_INPUT;
    }
    n += D.blocks[b]->size1;
  }
  *X = bm_matrix_alloc(n, cols);
  if (!*X) {
    cli_data_free(&D);
    return CLI_EXIT_FAILED;
  }
  size_t r = 0;
  for (size_t b = 0; b < D.n; b++)
    for (size_t i = 0; i < D.blocks[b]->size1; i++, r++)
      for (size_t j = 0; j < cols; j++) gsl_matrix_set(*X, r, j, gsl_matrix_get(D.blocks[b], i, j));
  cli_data_free(&D);
  return 0;
}

/* Condition the model on a data file: niw rows x (p columns); blr rows
 * [x (k), y]; mniw rows [x (k), y (d)]. */
static int update(const char *cmd, const char *path, model *M)
{
  size_t cols = M->kind == MODEL_NIW ? M->d : M->kind == MODEL_BLR ? M->k + 1 : M->k + M->d;
  gsl_matrix *D = NULL;
  int rc = load_rows(cmd, path, cols, &D);
  if (rc) return rc;
  int status;
  if (M->kind == MODEL_NIW) {
    status = bm_niw_update(M->m, D);
  } else if (M->kind == MODEL_BLR) {
    gsl_matrix_view X = gsl_matrix_submatrix(D, 0, 0, D->size1, M->k);
    gsl_vector_view y = gsl_matrix_column(D, M->k);
    status = bm_blr_update(M->m, &X.matrix, &y.vector);
  } else {
    gsl_matrix_view X = gsl_matrix_submatrix(D, 0, 0, D->size1, M->k);
    gsl_matrix_view Y = gsl_matrix_submatrix(D, 0, M->k, D->size1, M->d);
    status = bm_mniw_update(M->m, &X.matrix, &Y.matrix);
  }
  bm_matrix_free(D);
  if (status) {
    fprintf(stderr, "bayesmat %s: %s: update: %s\n", cmd, path, bm_strerror(status));
    print_last_error();
    return CLI_EXIT_FAILED;
  }
  return 0;
}

static int parse_args(const char *cmd, int argc, char **argv, const char **prior, const char **data, const char **x,
                      int *json)
{
  *prior = *data = *x = NULL;
  *json = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--x") && i + 1 < argc)
      *x = argv[++i];
    else if (!strcmp(argv[i], "--json"))
      *json = 1;
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "bayesmat %s: unknown option '%s' (see bayesmat %s --help)\n", cmd, argv[i], cmd);
      return CLI_EXIT_USAGE;
    } else if (!*prior)
      *prior = argv[i];
    else if (!*data)
      *data = argv[i];
    else {
      fprintf(stderr, "bayesmat %s: unexpected argument '%s'\n", cmd, argv[i]);
      return CLI_EXIT_USAGE;
    }
  }
  if (!*prior || !*data) {
    fprintf(stderr, "bayesmat %s: needs PRIOR and DATA files (see bayesmat %s --help)\n", cmd, cmd);
    return CLI_EXIT_USAGE;
  }
  return 0;
}

/* One printed record: named words, scalars, vectors and matrices, in order.
 * A field with word set is printed as that word; else by its shape: rows 0 a
 * scalar, cols 0 a vector of length rows, otherwise a rows x cols matrix. */
typedef struct {
  const char *name, *word;
  size_t rows, cols;
  double x;
  gsl_vector *v;
  gsl_matrix *A;
} field;

/* The vectors and matrices of f[0..n); CLI_NOMEM() when one is missing. */
static int fields_alloc(field *f, size_t n)
{
  int st = BM_SUCCESS;
  for (size_t i = 0; i < n; i++) {
    if (f[i].word || f[i].rows == 0) continue;
    if (f[i].cols == 0 && !(f[i].v = bm_vector_alloc(f[i].rows))) st = BM_ENOMEM;
    if (f[i].cols > 0 && !(f[i].A = bm_matrix_alloc(f[i].rows, f[i].cols))) st = BM_ENOMEM;
  }
  return st ? CLI_NOMEM() : BM_SUCCESS;
}

static void fields_free(field *f, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    bm_vector_free(f[i].v);
    bm_matrix_free(f[i].A);
  }
}

/* status 0: the comment and the fields; then (always) the fields freed. */
static int fields_print(out *o, int status, const char *comment, field *f, size_t n)
{
  if (!status) {
    out_comment(o, comment);
    for (size_t i = 0; i < n; i++) {
      if (f[i].word) out_word(o, f[i].name, f[i].word);
      else if (f[i].rows == 0) out_scalar(o, f[i].name, f[i].x);
      else if (f[i].cols == 0) out_vector(o, f[i].name, f[i].v);
      else out_matrix(o, f[i].name, f[i].A);
    }
  }
  fields_free(f, n);
  return status;
}

#define NFIELDS(f) (sizeof(f) / sizeof(f[0]))
#define WORD(n, w) {.name = n, .word = w}
#define SCALAR(n) {.name = n}
#define VECTOR(n, len) {.name = n, .rows = len}
#define MATRIX(n, r, c) {.name = n, .rows = r, .cols = c}
static const char *const AS_PRIOR = "posterior (usable as the prior of the next batch)";

static int print_posterior(out *o, const model *M)
{
  const size_t d = M->d, k = M->k;
  if (M->kind == MODEL_NIW) {
    field f[] = {WORD("model", "niw"), VECTOR("mu0", d), SCALAR("kappa0"), SCALAR("nu0"), MATRIX("Psi0", d, d)};
    int st = fields_alloc(f, NFIELDS(f));
    if (!st) st = bm_niw_posterior(M->m, f[1].v, &f[2].x, &f[3].x, f[4].A);
    return fields_print(o, st, AS_PRIOR, f, NFIELDS(f));
  }
  if (M->kind == MODEL_MNIW) {
    field f[] = {WORD("model", "mniw"), MATRIX("B0", k, d), MATRIX("V0", k, k), SCALAR("nu0"),
                 MATRIX("Psi0", d, d)};
    int st = fields_alloc(f, NFIELDS(f));
    if (!st) st = bm_mniw_posterior(M->m, f[1].A, f[2].A, &f[3].x, f[4].A);
    return fields_print(o, st, AS_PRIOR, f, NFIELDS(f));
  }
  if (M->prior == BLR_NIG) {
    field f[] = {WORD("model", "blr"), WORD("prior", "nig"), VECTOR("m0", k), MATRIX("V0", k, k), SCALAR("a0"),
                 SCALAR("b0")};
    int st = fields_alloc(f, NFIELDS(f));
    if (!st) st = bm_blr_posterior_nig(M->m, f[2].v, f[3].A, &f[4].x, &f[5].x);
    return fields_print(o, st, AS_PRIOR, f, NFIELDS(f));
  }
  if (M->prior == BLR_KNOWN) {
    field f[] = {WORD("model", "blr"), WORD("prior", "known"), VECTOR("m0", k), MATRIX("S0", k, k),
                 SCALAR("noise_precision")};
    int st = fields_alloc(f, NFIELDS(f));
    if (!st) st = bm_blr_posterior_gaussian(M->m, f[2].v, f[3].A);
    if (!st) f[4].x = M->noise_precision;
    return fields_print(o, st, AS_PRIOR, f, NFIELDS(f));
  }
  /* the improper prior: no prior of the same form; the marginal of beta */
  field f[] = {WORD("family", "mvt"), SCALAR("nu"), VECTOR("mu", k), MATRIX("Sigma", k, k)};
  int st = fields_alloc(f, NFIELDS(f));
  if (!st) st = bm_blr_posterior_beta_t(M->m, &f[1].x, f[2].v, f[3].A);
  return fields_print(o, st, "marginal posterior of beta under p(beta, sigma^2) ~ 1/sigma^2 (a family file)", f,
                      NFIELDS(f));
}

static int print_predictive(out *o, const char *cmd, const model *M, const char *xpath)
{
  int status = BM_SUCCESS;
  if (M->kind == MODEL_NIW) {
    field f[] = {WORD("family", "mvt"), SCALAR("nu"), VECTOR("mu", M->d), MATRIX("Sigma", M->d, M->d)};
    status = fields_alloc(f, NFIELDS(f));
    if (!status) status = bm_niw_predictive_params(M->m, &f[1].x, f[2].v, f[3].A);
    status = fields_print(o, status, "posterior predictive of a new observation (a family file)", f, NFIELDS(f));
    if (status) {
      fprintf(stderr, "bayesmat %s: %s\n", cmd, bm_strerror(status));
      print_last_error();
    }
    return status ? CLI_EXIT_FAILED : 0;
  }
  if (!xpath) {
    fprintf(stderr, "bayesmat %s: this model needs --x FILE with the new rows of covariates\n", cmd);
    return CLI_EXIT_USAGE;
  }
  gsl_matrix *Xn = NULL;
  int rc = load_rows(cmd, xpath, M->k, &Xn);
  if (rc) return rc;
  if (M->kind == MODEL_BLR) {
    out_comment(o, "y_new ~ t_1(df, loc, scale2) per row of XNEW (df = inf: Gaussian, scale2 = variance)");
    gsl_matrix *T = bm_matrix_alloc(Xn->size1, 3);
    status = T ? BM_SUCCESS : CLI_NOMEM();
    for (size_t i = 0; i < Xn->size1 && !status; i++) {
      gsl_vector_view x = gsl_matrix_row(Xn, i);
      double df, loc, s2;
      status = bm_blr_predictive(M->m, &x.vector, &df, &loc, &s2);
      gsl_matrix_set(T, i, 0, df);
      gsl_matrix_set(T, i, 1, loc);
      gsl_matrix_set(T, i, 2, s2);
    }
    if (!status && o->json) {
      gsl_vector_view c0 = gsl_matrix_column(T, 0), c1 = gsl_matrix_column(T, 1), c2 = gsl_matrix_column(T, 2);
      for (size_t i = 0; i < Xn->size1; i++)
        if (isinf(gsl_vector_get(&c0.vector, i))) gsl_vector_set(&c0.vector, i, 0.0); /* JSON: 0 = Gaussian */
      out_vector(o, "df", &c0.vector);
      out_vector(o, "loc", &c1.vector);
      out_vector(o, "scale2", &c2.vector);
    } else if (!status) {
      for (size_t i = 0; i < Xn->size1; i++)
        printf("%.17g %.17g %.17g\n", gsl_matrix_get(T, i, 0), gsl_matrix_get(T, i, 1), gsl_matrix_get(T, i, 2));
    }
    bm_matrix_free(T);
  } else {
    size_t m = Xn->size1;
    field f[] = {WORD("family", "matt"), SCALAR("nu"), MATRIX("M", m, M->d), MATRIX("Sigma", m, m),
                 MATRIX("Omega", M->d, M->d)};
    status = fields_alloc(f, NFIELDS(f));
    if (!status) status = bm_mniw_predictive_params(M->m, Xn, &f[1].x, f[2].A, f[3].A, f[4].A);
    status = fields_print(o, status, "posterior predictive of the new rows (a family file)", f, NFIELDS(f));
  }
  bm_matrix_free(Xn);
  if (status) {
    fprintf(stderr, "bayesmat %s: %s\n", cmd, bm_strerror(status));
    print_last_error();
    return CLI_EXIT_FAILED;
  }
  return 0;
}

int cli_cmd_conjugate(const char *cmd, int argc, char **argv)
{
  const char *prior, *data, *x;
  out o = {0, 0};
  int rc = parse_args(cmd, argc, argv, &prior, &data, &x, &o.json);
  if (rc) return rc;
  if (x && strcmp(cmd, "predictive")) {
    fprintf(stderr, "bayesmat %s: --x is for predictive\n", cmd);
    return CLI_EXIT_USAGE;
  }
  model M;
  if ((rc = load_model(cmd, prior, &M))) return rc;
  if ((rc = update(cmd, data, &M))) goto done;
  out_begin(&o);
  if (!strcmp(cmd, "posterior")) {
    int status = print_posterior(&o, &M);
    if (status) {
      fprintf(stderr, "bayesmat %s: %s\n", cmd, bm_strerror(status));
      print_last_error();
      rc = CLI_EXIT_FAILED;
    }
  } else if (!strcmp(cmd, "predictive")) {
    rc = print_predictive(&o, cmd, &M, x);
  } else {
    double lml;
    int status = M.kind == MODEL_NIW   ? bm_niw_log_evidence(M.m, &lml)
                 : M.kind == MODEL_BLR ? bm_blr_log_evidence(M.m, &lml)
                                       : bm_mniw_log_evidence(M.m, &lml);
    if (status) {
      fprintf(stderr, "bayesmat %s: %s\n", cmd, bm_strerror(status));
      print_last_error();
      rc = CLI_EXIT_FAILED;
    } else if (o.json) {
      out_scalar(&o, "log_evidence", lml);
    } else {
      printf("%.17g\n", lml);
    }
  }
  out_end(&o);
done:
  model_free(&M);
  return rc;
}

/* The readers above, for check-posterior (cli/cmd_check_posterior.c). */
int cli_conj_load_model(const char *cmd, const char *path, cli_conj_model *M) { return load_model(cmd, path, M); }
void cli_conj_model_free(cli_conj_model *M) { model_free(M); }
int cli_conj_load_rows(const char *cmd, const char *path, size_t cols, gsl_matrix **X)
{
  return load_rows(cmd, path, cols, X);
}
