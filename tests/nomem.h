/* Allocation-failure injection for tests (test_nomem.c is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free, so every
 * allocation made by the statically linked library goes through here).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_NOMEM_H
#define BAYESMAT_NOMEM_H
#include <stddef.h>

/* Fail the k-th allocation from now on (k = 0: the next one); -1 disarms. */
void nomem_fail_at(long k);
/* Allocations not yet freed since the last nomem_reset(). */
long nomem_outstanding(void);
/* 1 if the armed failure was triggered. */
int nomem_triggered(void);
void nomem_reset(void);

/* Run fn(arg) with the k-th allocation failing, for k = 0, 1, ... until a run
 * triggers no failure. Each failing run must return BM_ENOMEM (or succeed if
 * the failed allocation had a fallback) and leave no allocation behind.
 * Returns the number of allocation sites exercised; fails the test otherwise. */
long nomem_drive(const char *what, int (*fn)(void *), void *arg);
#endif
