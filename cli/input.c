/* Reading the CLI's input files (see input.h). Nothing here trusts its input:
 * every malformed line is reported with file and line and nothing crashes.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gsl/gsl_vector.h>
#include "bayesmat/alloc.h"
#include "input.h"

/* Split a line into numbers; returns count, or -1 with *bad set to the
 * offending token if something is not a number, -2 if it is not finite
 * (NaN, Inf, or beyond the range of a double such as 1e999: refused here with
 * file and line rather than passed on as Inf). Commas count as spaces. */
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
    if (!isfinite(x)) {
      *bad = tok;
      return -2;
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

static void number_error(char *err, const char *path, int line, const char *bad, long why)
{
  if (why == -2)
    snprintf(err, CLI_ERRLEN, "%s:%d: '%.40s' is not a finite number (NaN, Inf and values beyond +-1.8e308 are refused)",
             path, line, bad);
  else
    snprintf(err, CLI_ERRLEN, "%s:%d: '%.40s' is not a number", path, line, bad);
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

/* One input file read line by line: the current line (comment stripped),
 * its number, and the scratch the numbers are parsed into. */
typedef struct {
  FILE *f;
  const char *path;
  char *line, *bad;
  size_t len, cap;
  double *vals;
  int lineno;
} reader;

/* Open path, remembering it in dst (dstlen bytes) for the caller's messages. */
static int reader_open(reader *r, const char *path, char *dst, size_t dstlen, char *err)
{
  memset(r, 0, sizeof *r);
  r->path = path;
  snprintf(dst, dstlen, "%s", path);
  r->f = fopen(path, "r");
  if (!r->f) {
    snprintf(err, CLI_ERRLEN, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* The next line, comment stripped; 0 at the end of the file. */
static int reader_next(reader *r)
{
  if (getline(&r->line, &r->len, r->f) == -1) return 0;
  r->lineno++;
  strip_comment(r->line);
  return 1;
}

/* The numbers of text appended to e as one more row (none: nothing appended). */
static int reader_row(reader *r, char *text, cli_entry *e, char *err)
{
  long n = parse_numbers(text, &r->vals, &r->cap, &r->bad);
  if (n < 0) {
    number_error(err, r->path, r->lineno, r->bad, n);
    return -1;
  }
  return n > 0 ? append_row(e, r->vals, (size_t)n, r->path, r->lineno, err) : 0;
}

static void reader_close(reader *r)
{
  free(r->line);
  free(r->vals);
  fclose(r->f);
}

int cli_read_params(const char *path, cli_params *out, char *err)
{
  memset(out, 0, sizeof *out);
  reader rd;
  if (reader_open(&rd, path, out->path, sizeof out->path, err)) return -1;
  int rc = 0;
  cli_entry *cur = NULL;
  while (reader_next(&rd)) {
    char *line = rd.line;
    const int lineno = rd.lineno;
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
      } else if (*rest && reader_row(&rd, rest, cur, err)) {
        rc = -1;
        break;
      }
      continue;
    }
    if (!cur) {
      snprintf(err, CLI_ERRLEN, "%s:%d: numbers without a name above them", path, lineno);
      rc = -1;
      break;
    }
    if (reader_row(&rd, line, cur, err)) {
      rc = -1;
      break;
    }
  }
  reader_close(&rd);
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
    if (!strcmp(p->entries[i].name, name)) {
      p->entries[i].used = 1; /* entries is the reader's own malloc'ed array */
      return &p->entries[i];
    }
  return NULL;
}

int cli_check_unused(const cli_params *p, const char *expected, char *err)
{
  for (size_t i = 0; i < p->n; i++)
    if (!p->entries[i].used) {
      snprintf(err, CLI_ERRLEN, "%s:%d: unknown key '%s' (expected: %s)", p->path, p->entries[i].line,
               p->entries[i].name, expected);
      return -1;
    }
  return 0;
}

/* Digits only, then strtoull: a sign, a space, a suffix or an overflow is refused. */
static int parse_ull(const char *opt, const char *s, unsigned long long max, unsigned long long *out, char *err)
{
  if (s == NULL || !*s) {
    snprintf(err, CLI_ERRLEN, "%s: missing value", opt);
    return -1;
  }
  for (const char *c = s; *c; c++)
    if (!isdigit((unsigned char)*c)) {
      snprintf(err, CLI_ERRLEN, "%s: '%.40s' is not a non-negative decimal integer", opt, s);
      return -1;
    }
  errno = 0;
  unsigned long long v = strtoull(s, NULL, 10);
  if (errno == ERANGE || v > max) {
    snprintf(err, CLI_ERRLEN, "%s: '%.40s' is too large (at most %llu)", opt, s, max);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_parse_count(const char *opt, const char *s, size_t min, size_t max, size_t *out, char *err)
{
  unsigned long long v;
  if (parse_ull(opt, s, max, &v, err)) return -1;
  if (v < min) {
    snprintf(err, CLI_ERRLEN, "%s: %llu is below the minimum %zu", opt, v, min);
    return -1;
  }
  *out = (size_t)v;
  return 0;
}

int cli_parse_seed(const char *opt, const char *s, unsigned long *out, char *err)
{
  unsigned long long v;
  if (parse_ull(opt, s, ULONG_MAX, &v, err)) return -1;
  *out = (unsigned long)v;
  return 0;
}

int cli_parse_indices(const char *opt, const char *s, size_t n, size_t **idx, size_t *k, char *err)
{
  *idx = NULL;
  *k = 0;
  size_t cap = 1;
  for (const char *c = s; *c; c++) cap += *c == ',';
  *idx = malloc(cap * sizeof **idx);
  if (!*idx) {
    snprintf(err, CLI_ERRLEN, "%s: out of memory", opt);
    return -1;
  }
  const char *c = s;
  for (size_t a = 0; a < cap; a++) {
    size_t len = strcspn(c, ",");
    char tok[32];
    unsigned long long v = 0;
    if (len == 0 || len >= sizeof tok) {
      snprintf(err, CLI_ERRLEN, "%s: index %zu of '%.60s' is %s", opt, a + 1, s, len ? "too long" : "empty");
      goto fail;
    }
    memcpy(tok, c, len);
    tok[len] = '\0';
    if (parse_ull(opt, tok, ULLONG_MAX, &v, err)) goto fail;
    if (v >= n) {
      snprintf(err, CLI_ERRLEN, "%s: index %llu is out of range: theta has %zu entries, 0..%zu", opt, v, n,
               n ? n - 1 : 0);
      goto fail;
    }
    for (size_t b = 0; b < a; b++)
      if ((*idx)[b] == v) {
        snprintf(err, CLI_ERRLEN, "%s: index %llu is given twice (each parameter at most once)", opt, v);
        goto fail;
      }
    (*idx)[a] = (size_t)v;
    c += len + (c[len] == ',');
  }
  *k = cap;
  return 0;
fail:
  free(*idx);
  *idx = NULL;
  return -1;
}

int cli_check_size(const char *what, size_t rows, size_t cols, char *err)
{
  /* bytes as a double: rows * cols * 8 overflows size_t long before it
   * stops being representable */
  double need = (double)rows * (double)cols * (double)sizeof(double);
  long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
  double have = pages > 0 && psize > 0 ? (double)pages * (double)psize : 0.0;
  if ((have > 0.0 && need > have) || need > (double)PTRDIFF_MAX) {
    snprintf(err, CLI_ERRLEN, "the %s would be %zu x %zu doubles = %.3g GB, more than the %.3g GB of memory here",
             what, rows, cols, need / 1e9, have / 1e9);
    return -1;
  }
  return 0;
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
  reader rd;
  if (reader_open(&rd, path, out->path, sizeof out->path, err)) return -1;
  int rc = 0, in_block = 0;
  cli_entry cur;
  memset(&cur, 0, sizeof cur);
  snprintf(cur.name, sizeof cur.name, "data");
  for (;;) {
    int eof = !reader_next(&rd);
    const int lineno = rd.lineno;
    if (eof || blank(rd.line)) {
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
        if (cur.rows > 0 && cur.cols > 0) /* a block of empty rows has no data (NULL) to copy */
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
    if (!in_block) {
      in_block = 1;
      cur.line = lineno;
    }
    if (reader_row(&rd, rd.line, &cur, err)) {
      rc = -1;
      break;
    }
  }
  free(cur.data);
  reader_close(&rd);
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
