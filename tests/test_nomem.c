/* Every function that allocates returns BM_ENOMEM and leaks nothing when any
 * one of its allocations fails (issue #10). Families and inference modules
 * add their drivers here as they land.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "testutil.h"
#include <stdlib.h>
#include "nomem.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

static long fail_at = -1, count = 0, outstanding = 0;
static int triggered = 0;

static int should_fail(void)
{
  if (fail_at < 0) return 0;
  if (count++ == fail_at) {
    triggered = 1;
    return 1;
  }
  return 0;
}
void *__wrap_malloc(size_t n)
{
  if (should_fail()) return NULL;
  void *p = __real_malloc(n);
  if (p) outstanding++;
  return p;
}
void *__wrap_calloc(size_t n, size_t m)
{
  if (should_fail()) return NULL;
  void *p = __real_calloc(n, m);
  if (p) outstanding++;
  return p;
}
void *__wrap_realloc(void *q, size_t n)
{
  if (should_fail()) return NULL;
  void *p = __real_realloc(q, n);
  if (p && !q) outstanding++;
  return p;
}
void __wrap_free(void *p)
{
  if (p) outstanding--;
  __real_free(p);
}

void nomem_fail_at(long k)
{
  fail_at = k;
  count = 0;
  triggered = 0;
}
long nomem_outstanding(void) { return outstanding; }
int nomem_triggered(void) { return triggered; }
void nomem_reset(void)
{
  outstanding = 0;
  nomem_fail_at(-1);
}

long nomem_drive(const char *what, int (*fn)(void *), void *arg)
{
  for (long k = 0; k < 100000; k++) {
    nomem_reset();
    nomem_fail_at(k);
    int status = fn(arg);
    int hit = nomem_triggered();
    long left = nomem_outstanding();
    nomem_fail_at(-1);
    if (left != 0) {
      print_error("%s: allocation %ld failing leaves %ld allocations behind\n", what, k, left);
      fail();
    }
    if (!hit) return k;
    if (status != BM_ENOMEM && status != BM_SUCCESS) {
      print_error("%s: allocation %ld failing gives status %d (%s), not BM_ENOMEM\n", what, k, status,
                  bm_strerror(status));
      fail();
    }
  }
  fail_msg("%s: too many allocations", what);
  return -1;
}

/* ---------- core ---------- */

static int f_quad(const gsl_vector *x, void *p, double *f)
{
  (void)p;
  *f = 0;
  for (size_t i = 0; i < x->size; i++) *f += (double)(i + 1) * x->data[i] * x->data[i];
  return 0;
}
static int g_quad(const gsl_vector *x, void *p, gsl_vector *g)
{
  (void)p;
  for (size_t i = 0; i < x->size; i++) g->data[i] = 2.0 * (double)(i + 1) * x->data[i];
  return 0;
}
static int h_quad(const gsl_vector *x, void *p, gsl_matrix *H)
{
  (void)p;
  gsl_matrix_set_zero(H);
  for (size_t i = 0; i < x->size; i++) gsl_matrix_set(H, i, i, 2.0 * (double)(i + 1));
  return 0;
}

typedef struct {
  gsl_vector *x, *g, *e;
  gsl_matrix *H, *E;
  int which;
} fd_case;

static int run_fd(void *arg)
{
  fd_case *c = arg;
  bm_check_result res;
  bm_taylor_result tr;
  switch (c->which) {
  case 0: return bm_fd_gradient(f_quad, NULL, c->x, NULL, c->g, c->e);
  case 1: return bm_fd_jacobian(g_quad, NULL, 3, c->x, NULL, c->H, c->E);
  case 2: return bm_fd_hessian(f_quad, NULL, c->x, NULL, c->H, c->E);
  case 3: return bm_fd_hessian_from_gradient(g_quad, NULL, c->x, NULL, c->H, NULL);
  case 4: return bm_check_gradient(f_quad, g_quad, NULL, c->x, NULL, &res);
  case 5: return bm_check_hessian(f_quad, g_quad, h_quad, NULL, c->x, NULL, &res);
  case 6: return bm_check_taylor(f_quad, g_quad, NULL, c->x, NULL, NULL, &tr);
  default: {
    gsl_matrix *A = bm_matrix_alloc(3, 4);
    gsl_vector *v = bm_vector_calloc(5);
    int ok = A && v;
    bm_matrix_free(A);
    bm_vector_free(v);
    return ok ? BM_SUCCESS : BM_ENOMEM;
  }
  }
}

static void core_functions_survive_allocation_failure(void **state)
{
  (void)state;
  fd_case c = {gsl_vector_alloc(3), gsl_vector_alloc(3), gsl_vector_alloc(3), gsl_matrix_alloc(3, 3),
               gsl_matrix_alloc(3, 3), 0};
  gsl_vector_set(c.x, 0, 0.5);
  gsl_vector_set(c.x, 1, -1.0);
  gsl_vector_set(c.x, 2, 2.0);
  const char *names[] = {"bm_fd_gradient", "bm_fd_jacobian", "bm_fd_hessian", "bm_fd_hessian_from_gradient",
                         "bm_check_gradient", "bm_check_hessian", "bm_check_taylor", "bm_matrix_alloc"};
  for (c.which = 0; c.which < 8; c.which++) {
    long sites = nomem_drive(names[c.which], run_fd, &c);
    assert_true(sites >= 1); /* each of these allocates: the injection must have been exercised */
  }
  gsl_vector_free(c.x); gsl_vector_free(c.g); gsl_vector_free(c.e);
  gsl_matrix_free(c.H); gsl_matrix_free(c.E);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(core_functions_survive_allocation_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
