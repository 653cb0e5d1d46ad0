/* Internal (not installed): JSON output shared by the checkers' report
 * printers, so that check_dist.c and check_conjugate.c escape alike.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_REPORT_JSON_H
#define BAYESMAT_REPORT_JSON_H

#include <stdio.h>

/* s as a JSON string: quotes and backslashes escaped, control characters as \u00XX. */
static inline void json_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20)
      fprintf(f, "\\u%04x", (unsigned)(unsigned char)*s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

/* A member whose value is the string s: pre (the separator and the key,
 * `, "name": `) then s as above. */
static inline void json_member(FILE *f, const char *pre, const char *s)
{
  fputs(pre, f);
  json_string(f, s);
}

/* The verdict both checkers' reports carry, and the opening of their rows. */
static inline void json_verdict(FILE *f, int passed, size_t nfailed)
{
  fprintf(f, ", \"passed\": %s, \"failed\": %zu, \"rows\": [", passed ? "true" : "false", nfailed);
}

#endif
