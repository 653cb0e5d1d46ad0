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

/* ---------- families ----------
 * Per family: every public function that can allocate is driven once at a
 * dimension above the stack-scratch limit (src/work.h: p > 45 for 2 p^2
 * doubles), so its heap path runs; _alloc is driven at any size. Functions
 * documented to allocate nothing are driven too: they must then report no
 * allocation (nomem_drive returns 0 sites) or survive every failure. */

/* The heap-scratch dimension and a well-conditioned SPD matrix / variate. */
#define NOMEM_P 46
static void nomem_spd(gsl_matrix *A, double diag)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) gsl_matrix_set(A, i, j, i == j ? diag : 0.1 / (1.0 + (double)(i + j)));
}

typedef struct {
  int which;
  bm_matf *d;
  gsl_matrix *X, *G, *H, *Hx, *I, *M;
  gsl_vector *s, *each;
  gsl_rng *r;
} matf_case;

static int run_matf(void *arg)
{
  matf_case *c = arg;
  double lp, a, b;
  const gsl_matrix *batch[2] = {c->X, c->X};
  switch (c->which) {
  case 0: {
    bm_matf *d = bm_matf_alloc(NOMEM_P);
    if (!d) return BM_ENOMEM;
    bm_matf_free(d);
    return BM_SUCCESS;
  }
  case 1: return bm_matf_set(c->d, (double)NOMEM_P + 2.0, 5.0, c->M);
  case 2: return bm_matf_logpdf(c->d, c->X, &lp);
  case 3: return bm_matf_grad(c->d, c->X, c->G, c->G, &a, &b);
  case 4: return bm_matf_score(c->d, c->X, c->s);
  case 5: return bm_matf_hess(c->d, c->X, c->H);
  case 6: return bm_matf_hess_x(c->d, c->X, c->Hx);
  case 7: return bm_matf_fisher(c->d, c->I);
  case 8: return bm_matf_fisher_literature(c->d, c->I);
  case 9: return bm_matf_sample(c->d, c->r, c->G);
  case 10: return bm_matf_mean(c->d, c->G);
  case 11: return bm_matf_loglik(c->d, batch, 2, &lp, c->each);
  case 12: return bm_matf_loglik_grad(c->d, batch, 2, &lp, c->G, &a, &b);
  default: return -1;
  }
}

static void matf_survives_allocation_failure(void **state)
{
  (void)state;
  const size_t p = NOMEM_P, q = p * (p + 1) / 2;
  matf_case c = {0};
  c.d = bm_matf_alloc(p);
  c.X = gsl_matrix_alloc(p, p); c.G = gsl_matrix_alloc(p, p); c.M = gsl_matrix_alloc(p, p);
  c.H = gsl_matrix_alloc(q + 2, q + 2); c.I = gsl_matrix_alloc(q + 2, q + 2); c.Hx = gsl_matrix_alloc(q, q);
  c.s = gsl_vector_alloc(q + 2); c.each = gsl_vector_alloc(2);
  c.r = gsl_rng_alloc(gsl_rng_mt19937);
  nomem_spd(c.X, 2.0);
  nomem_spd(c.M, 3.0);
  assert_int_equal(bm_matf_set(c.d, (double)p + 2.0, 5.0, c.M), BM_SUCCESS);
  const char *names[] = {"bm_matf_alloc", "bm_matf_set", "bm_matf_logpdf", "bm_matf_grad", "bm_matf_score",
                         "bm_matf_hess", "bm_matf_hess_x", "bm_matf_fisher", "bm_matf_fisher_literature",
                         "bm_matf_sample", "bm_matf_mean", "bm_matf_loglik", "bm_matf_loglik_grad"};
  /* functions whose heap path must have been exercised (they allocate at p = 46) */
  const int allocates[] = {1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1};
  for (c.which = 0; c.which < 13; c.which++) {
    long sites = nomem_drive(names[c.which], run_matf, &c);
    if (allocates[c.which]) assert_true(sites >= 1);
    else assert_int_equal(sites, 0);
  }
  /* after all the failures the object still answers correctly */
  double lp;
  assert_int_equal(bm_matf_logpdf(c.d, c.X, &lp), BM_SUCCESS);
  assert_true(isfinite(lp));
  bm_matf_free(c.d);
  gsl_matrix_free(c.X); gsl_matrix_free(c.G); gsl_matrix_free(c.M); gsl_matrix_free(c.H); gsl_matrix_free(c.I);
  gsl_matrix_free(c.Hx); gsl_vector_free(c.s); gsl_vector_free(c.each); gsl_rng_free(c.r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(core_functions_survive_allocation_failure),
    cmocka_unit_test(matf_survives_allocation_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
