/* Internal: scratch memory that lives on the stack for small problems.
 *
 * Set objects are shared read-only between threads, so evaluation scratch
 * cannot live in the object. Hot single-point paths (logpdf at p = 5 must cost
 * no more than ~85 ns) therefore take scratch from a caller-declared stack
 * array when it fits and from malloc only beyond that.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_WORK_H
#define BAYESMAT_WORK_H

#include <stdlib.h>

/** Doubles of stack scratch the families declare (32 KiB): p <= 64 for p^2. */
#define BM_STACK_DOUBLES 4096

typedef struct {
  double *ptr;
  int on_heap;
} bm_work;

/* Point w at `stack` (capacity `cap` doubles) if n fits, else malloc.
 * Returns w->ptr (NULL on allocation failure: report BM_ENOMEM). */
static inline double *bm_work_get(bm_work *w, double *stack, size_t cap, size_t n)
{
  if (n <= cap) {
    w->ptr = stack;
    w->on_heap = 0;
  } else {
    w->ptr = malloc(n * sizeof(double));
    w->on_heap = 1;
  }
  return w->ptr;
}

static inline void bm_work_release(bm_work *w)
{
  if (w->on_heap) free(w->ptr);
  w->ptr = NULL;
  w->on_heap = 0;
}

#endif
