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

/* nomem_drive(names[k], fn, arg) for k = 0 .. n-1, *which = k during the
 * k-th; each must exercise at least min_sites allocation sites. */
void nomem_drive_each(const char *const *names, int n, int *which, int (*fn)(void *), void *arg, long min_sites);

/* fn over a list of T pointers; NOMEM_FREE_M(A, B, C) frees matrices with
 * bm_matrix_free, NOMEM_FREE_V vectors with bm_vector_free (the library's own
 * free, which the wrapped allocator counts). */
#define NOMEM_FREE_ALL(fn, T, ...)                                                                                   \
  do {                                                                                                               \
    T *const nomem_list_[] = {__VA_ARGS__};                                                                          \
    for (size_t nomem_i_ = 0; nomem_i_ < sizeof nomem_list_ / sizeof nomem_list_[0]; nomem_i_++)                    \
      fn(nomem_list_[nomem_i_]);                                                                                     \
  } while (0)
#define NOMEM_FREE_M(...) NOMEM_FREE_ALL(bm_matrix_free, gsl_matrix, __VA_ARGS__)
#define NOMEM_FREE_V(...) NOMEM_FREE_ALL(bm_vector_free, gsl_vector, __VA_ARGS__)
#endif
