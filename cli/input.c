/* Reading the CLI's input files (see input.h). Nothing here trusts its input:
 * every malformed line is reported with file and line and nothing crashes.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gsl/gsl_vector.h>
#include "bayesmat/alloc.h"
#include "input.h"

/* Split a line into numbers; returns count, or -1 with *bad set to the
 * offending token if something is not a number. Commas count as spaces. */
static long parse_numbers(char *line, double **vals, size_t *cap, char **bad)
{
  long n = 0;
  for (char *c = line; *c; c++)
    if (*c == ',' || *c == ';' || *c == '\t' || *c == '\r') *c = ' ';
  char *save = NULL;
  for (char *tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
    char *end;
    errno = 0;
    double x = strtod(tok, &end);
    if (end == tok || *end) {
      *bad = tok;
      return -1;
    }
    if ((size_t)n == *cap) {
      size_t nc = *cap ? 2 * *cap : 16;
      double *nv = realloc(*vals, nc * sizeof(double));
      if (!nv) {
        *bad = "(out of memory)";
        return -1;
      }
      *vals = nv;
      *cap = nc;
    }
    (*vals)[n++] = x;
  }
  return n;
}

static void strip_comment(char *s)
{
  char *h = strchr(s, '#');
  if (h) *h = '\0';
}

static int blank(const char *s)
{
  for (; *s; s++)
    if (!isspace((unsigned char)*s)) return 0;
  return 1;
}

/* Append a row of k numbers to an entry's matrix; checks the column count. */
static int append_row(cli_entry *e, const double *row, size_t k, const char *path, int line, char *err)
{
  if (k == 0) { /* a line of separators only (e.g. ",,"): memcpy from NULL and realloc(0) would follow */
    snprintf(err, CLI_ERRLEN, "%s:%d: a row without numbers", path, line);
    return -1;
  }
  if (e->rows > 0 && k != e->cols) {
    snprintf(err, CLI_ERRLEN, "%s:%d: row has %zu numbers, earlier rows of '%s' have %zu", path, line, k, e->name,
             e->cols);
    return -1;
  }
  double *nd = realloc(e->data, (e->rows + 1) * k * sizeof(double));
  if (!nd) {
    snprintf(err, CLI_ERRLEN, "%s:%d: out of memory", path, line);
    return -1;
  }
  e->data = nd;
  memcpy(e->data + e->rows * k, row, k * sizeof(double));
  e->cols = k;
  e->rows++;
  return 0;
}

int cli_read_params(const char *path, cli_params *out, char *err)
{
  memset(out, 0, sizeof *out);
  snprintf(out->path, sizeof out->path, "%s", path);
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, CLI_ERRLEN, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  char *line = NULL, *bad = NULL;
  size_t len = 0, cap = 0;
  double *vals = NULL;
  int lineno = 0, rc = 0;
  cli_entry *cur = NULL;
  while (getline(&line, &len, f) != -1) {
    lineno++;
    strip_comment(line);
    if (blank(line)) {
      cur = NULL;
      continue;
    }
    char *p = line;
    while (isspace((unsigned char)*p)) p++;
    if (isalpha((unsigned char)*p) && strncasecmp(p, "nan", 3) && strncasecmp(p, "inf", 3)) {
      /* a name line: name [word | numbers...] */
      cli_entry *ne = realloc(out->entries, (out->n + 1) * sizeof *ne);
      if (!ne) {
        snprintf(err, CLI_ERRLEN, "%s:%d: out of memory", path, lineno);
        rc = -1;
        break;
      }
      out->entries = ne;
      cur = &out->entries[out->n++];
      memset(cur, 0, sizeof *cur);
      cur->line = lineno;
      size_t k = 0;
      while (p[k] && !isspace((unsigned char)p[k]) && k + 1 < sizeof cur->name) {
        cur->name[k] = p[k];
        k++;
      }
      if (p[k] && !isspace((unsigned char)p[k])) {
        snprintf(err, CLI_ERRLEN, "%s:%d: name too long", path, lineno);
        rc = -1;
        break;
      }
      for (size_t i = 0; i + 1 < out->n; i++)
        if (!strcmp(out->entries[i].name, cur->name)) {
          snprintf(err, CLI_ERRLEN, "%s:%d: '%s' given twice (first on line %d)", path, lineno, cur->name,
                   out->entries[i].line);
          rc = -1;
          break;
        }
      if (rc) break;
      char *rest = p + k;
      while (isspace((unsigned char)*rest)) rest++;
      if (*rest && isalpha((unsigned char)*rest) && strncasecmp(rest, "nan", 3) && strncasecmp(rest, "inf", 3)) {
        snprintf(cur->word, sizeof cur->word, "%.*s", (int)strcspn(rest, " \t\r\n"), rest);
      } else if (*rest) {
        long n = parse_numbers(rest, &vals, &cap, &bad);
        if (n < 0) {
          snprintf(err, CLI_ERRLEN, "%s:%d: '%s' is not a number", path, lineno, bad);
          rc = -1;
          break;
        }
        if (n > 0 && append_row(cur, vals, (size_t)n, path, lineno, err)) {
          rc = -1;
          break;
        }
      }
      continue;
    }
    if (!cur) {
      snprintf(err, CLI_ERRLEN, "%s:%d: numbers without a name above them", path, lineno);
      rc = -1;
      break;
    }
    long n = parse_numbers(line, &vals, &cap, &bad);
    if (n < 0) {
      snprintf(err, CLI_ERRLEN, "%s:%d: '%s' is not a number", path, lineno, bad);
      rc = -1;
      break;
    }
    if (append_row(cur, vals, (size_t)n, path, lineno, err)) {
      rc = -1;
      break;
    }
  }
  free(line);
  free(vals);
  fclose(f);
  if (rc) cli_params_free(out);
  return rc;
}

void cli_params_free(cli_params *p)
{
  for (size_t i = 0; i < p->n; i++) free(p->entries[i].data);
  free(p->entries);
  p->entries = NULL;
  p->n = 0;
}

const cli_entry *cli_find(const cli_params *p, const char *name)
{
  for (size_t i = 0; i < p->n; i++)
    if (!strcmp(p->entries[i].name, name)) return &p->entries[i];
  return NULL;
}

int cli_get_scalar(const cli_params *p, const char *name, double *x, char *err)
{
  const cli_entry *e = cli_find(p, name);
  if (!e) {
    snprintf(err, CLI_ERRLEN, "%s: missing '%s'", p->path, name);
    return -1;
  }
  if (e->rows != 1 || e->cols != 1) {
    snprintf(err, CLI_ERRLEN, "%s:%d: '%s' must be one number", p->path, e->line, name);
    return -1;
  }
  *x = e->data[0];
  return 0;
}

int cli_get_matrix(const cli_params *p, const char *name, size_t rows, size_t cols, gsl_matrix **A, char *err)
{
  *A = NULL;
  const cli_entry *e = cli_find(p, name);
  if (!e) {
    snprintf(err, CLI_ERRLEN, "%s: missing '%s'", p->path, name);
    return -1;
  }
  if (e->rows == 0 || (rows && e->rows != rows) || (cols && e->cols != cols)) {
    snprintf(err, CLI_ERRLEN, "%s:%d: '%s' is %zu x %zu, expected %zu x %zu", p->path, e->line, name, e->rows,
             e->cols, rows ? rows : e->rows, cols ? cols : e->cols);
    return -1;
  }
  *A = bm_matrix_alloc(e->rows, e->cols);
  if (!*A) {
    snprintf(err, CLI_ERRLEN, "%s: out of memory", p->path);
    return -1;
  }
  memcpy((*A)->data, e->data, e->rows * e->cols * sizeof(double));
  return 0;
}

int cli_get_vector(const cli_params *p, const char *name, size_t n, gsl_vector **v, char *err)
{
  *v = NULL;
  const cli_entry *e = cli_find(p, name);
  if (!e) {
    snprintf(err, CLI_ERRLEN, "%s: missing '%s'", p->path, name);
    return -1;
  }
  size_t len = e->rows * e->cols;
  if (len == 0 || (e->rows != 1 && e->cols != 1) || (n && len != n)) {
    snprintf(err, CLI_ERRLEN, "%s:%d: '%s' must be a vector of length %zu (one row or one column)", p->path,
             e->line, name, n ? n : len);
    return -1;
  }
  *v = bm_vector_alloc(len);
  if (!*v) {
    snprintf(err, CLI_ERRLEN, "%s: out of memory", p->path);
    return -1;
  }
  memcpy((*v)->data, e->data, len * sizeof(double));
  return 0;
}

int cli_read_data(const char *path, cli_data *out, char *err)
{
  memset(out, 0, sizeof *out);
  snprintf(out->path, sizeof out->path, "%s", path);
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, CLI_ERRLEN, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  char *line = NULL, *bad = NULL;
  size_t len = 0, cap = 0;
  double *vals = NULL;
  int lineno = 0, rc = 0, in_block = 0;
  cli_entry cur;
  memset(&cur, 0, sizeof cur);
  snprintf(cur.name, sizeof cur.name, "data");
  for (;;) {
    int eof = getline(&line, &len, f) == -1;
    if (!eof) {
      lineno++;
      strip_comment(line);
    }
    if (eof || blank(line)) {
      if (in_block) { /* close the block */
        gsl_matrix **nb = realloc(out->blocks, (out->n + 1) * sizeof *nb);
        int *nl = realloc(out->first_line, (out->n + 1) * sizeof *nl);
        if (nb) out->blocks = nb;
        if (nl) out->first_line = nl;
        gsl_matrix *A = nb && nl ? bm_matrix_alloc(cur.rows, cur.cols) : NULL;
        if (!A) {
          snprintf(err, CLI_ERRLEN, "%s:%d: out of memory", path, lineno);
          rc = -1;
          break;
        }
        memcpy(A->data, cur.data, cur.rows * cur.cols * sizeof(double));
        out->blocks[out->n] = A;
        out->first_line[out->n] = cur.line;
        out->n++;
        free(cur.data);
        cur.data = NULL;
        cur.rows = cur.cols = 0;
        in_block = 0;
      }
      if (eof) break;
      continue;
    }
    long n = parse_numbers(line, &vals, &cap, &bad);
    if (n < 0) {
      snprintf(err, CLI_ERRLEN, "%s:%d: '%s' is not a number", path, lineno, bad);
      rc = -1;
      break;
    }
    if (!in_block) {
      in_block = 1;
      cur.line = lineno;
    }
    if (append_row(&cur, vals, (size_t)n, path, lineno, err)) {
      rc = -1;
      break;
    }
  }
  free(cur.data);
  free(line);
  free(vals);
  fclose(f);
  if (!rc && out->n == 0) {
    snprintf(err, CLI_ERRLEN, "%s: no data", path);
    rc = -1;
  }
  if (rc) cli_data_free(out);
  return rc;
}

void cli_data_free(cli_data *d)
{
  for (size_t i = 0; i < d->n; i++) bm_matrix_free(d->blocks[i]);
  free(d->blocks);
  free(d->first_line);
  d->blocks = NULL;
  d->first_line = NULL;
  d->n = 0;
}
