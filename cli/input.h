/* Reading the CLI's input files (documented in docs/cli.md).
 *
 * Parameter file: named entries, each a line "name [value...]" followed by
 * rows of numbers (whitespace- or comma-separated) up to a blank line or the
 * next name. '#' starts a comment. Example:
 *     family mvt
 *     nu 5
 *     mu
 *     0 1
 *
 *     Sigma
 *     2 0.5
 *     0.5 1
 * Data file: rows of numbers (CSV or whitespace); blocks separated by blank
 * lines are separate matrices (matrix-variate families).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CLI_INPUT_H
#define BAYESMAT_CLI_INPUT_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

#define CLI_ERRLEN 512

typedef struct {
  char name[64];
  char word[64];   /* a non-numeric value on the name line (e.g. "family mvt") */
  size_t rows, cols;
  double *data;    /* rows x cols, row-major */
  int line;        /* line of the name */
  int used;        /* set by cli_find: read by the command (see cli_check_unused) */
} cli_entry;

typedef struct {
  char path[256];
  cli_entry *entries;
  size_t n;
} cli_params;

/* A block of numbers: rows x cols matrices, one per blank-line-separated block. */
typedef struct {
  char path[256];
  size_t n;
  gsl_matrix **blocks;
  int *first_line;
} cli_data;

/* 0 on success; else a message "file:line: what" in err. */
int cli_read_params(const char *path, cli_params *out, char *err);
void cli_params_free(cli_params *p);
/* The entry named name, or NULL; marks it as read by the command. */
const cli_entry *cli_find(const cli_params *p, const char *name);
/* After a command has read every entry it takes: 0, or -1 with
 * "file:line: unknown key 'foo' (... takes: expected)" for the first entry it
 * did not read (a misspelt or foreign key is an error, never ignored). */
int cli_check_unused(const cli_params *p, const char *expected, char *err);
/* Scalar entry (1 x 1, or the value on the name line). 0 or message. */
int cli_get_scalar(const cli_params *p, const char *name, double *x, char *err);
/* Matrix entry of exactly rows x cols (0 = any); allocated *A. */
int cli_get_matrix(const cli_params *p, const char *name, size_t rows, size_t cols, gsl_matrix **A, char *err);
/* Vector entry (one row or one column) of length n (0 = any). */
int cli_get_vector(const cli_params *p, const char *name, size_t n, gsl_vector **v, char *err);

int cli_read_data(const char *path, cli_data *out, char *err);

/* Option values, strictly: decimal digits only (no sign, no spaces, no
 * suffix), no overflow. 0, or -1 with "--opt: why" in err. */
int cli_parse_count(const char *opt, const char *s, size_t min, size_t max, size_t *out, char *err);
int cli_parse_seed(const char *opt, const char *s, unsigned long *out, char *err);
/* "0,2,5": k >= 1 distinct indices, each < n. *idx malloc'ed (caller frees). */
int cli_parse_indices(const char *opt, const char *s, size_t n, size_t **idx, size_t *k, char *err);
/* Whether a rows x cols matrix of doubles can be held: 0, or -1 with the
 * memory it would need (and what this machine has) in err. */
int cli_check_size(const char *what, size_t rows, size_t cols, char *err);
void cli_data_free(cli_data *d);

#endif
