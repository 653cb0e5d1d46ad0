/* Shared by the tests of bm_last_error(): a call's status and message checked
 * in one step.
 *
 * EXPECT(call, want, fn, arg) first records an unrelated "stale" message, so
 * that a failure site which records nothing is caught (the old text stays),
 * then makes the call and requires
 *  - the status `want`;
 *  - the message to name `fn`, the public function: as its first word followed
 *    by ':' (the library's form "fn: argument fact"), or anywhere as a whole
 *    word when the test sets tm_fn_anywhere (a nested call's message, passed
 *    on as "outer: inner: ...");
 *  - unless arg is NULL, the message after fn to name `arg` as a whole word
 *    ("X" matches "X[1]", "d" does not match "d_S").
 * BM_TEST_VERBOSE=1 in the environment (or tm_verbose = 1) prints each message.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MESSAGE_TESTUTIL_H
#define BAYESMAT_MESSAGE_TESTUTIL_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static int tm_verbose;
static int tm_fn_anywhere;

static inline int tm_ident(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* word occurs in msg with no identifier character on either side */
static inline int tm_has_word(const char *msg, const char *word)
{
  const size_t n = strlen(word);
  for (const char *p = msg; (p = strstr(p, word)) != NULL; p++)
    if ((p == msg || !tm_ident(p[-1])) && !tm_ident(p[n])) return 1;
  return 0;
}

static inline void tm_expect(int got, int want, const char *fn, const char *arg, const char *call, int line)
{
  const char *msg = bm_last_error(), *rest = msg;
  const size_t k = strlen(fn);
  if (tm_verbose || getenv("BM_TEST_VERBOSE")) printf("  %-4d %s\n", line, msg);
  if (got != want)
    fail_msg("line %d: %s returned %d (%s), expected %d; message \"%s\"", line, call, got, bm_strerror(got), want,
             msg);
  if (tm_fn_anywhere) {
    if (!tm_has_word(msg, fn)) fail_msg("line %d: %s: message \"%s\" does not name %s", line, call, msg, fn);
  } else {
    if (strncmp(msg, fn, k) != 0 || msg[k] != ':')
      fail_msg("line %d: %s: message \"%s\" does not start with \"%s:\"", line, call, msg, fn);
    rest = msg + k + 1;
  }
  if (arg && !tm_has_word(rest, arg)) fail_msg("line %d: %s: message \"%s\" does not name %s", line, call, msg, arg);
}

#define EXPECT(call, want, fn, arg)                                                                                  \
  do {                                                                                                               \
    bm_set_error(BM_EDOM, "stale: an older failure");                                                                \
    int s_ = (call);                                                                                                 \
    tm_expect(s_, want, fn, arg, #call, __LINE__);                                                                   \
  } while (0)

/* s I_p (NULL when out of memory) */
static inline gsl_matrix *tm_eye(size_t p, double s)
{
  gsl_matrix *A = gsl_matrix_calloc(p, p);
  if (A)
    for (size_t i = 0; i < p; i++) gsl_matrix_set(A, i, i, s);
  return A;
}

#endif
