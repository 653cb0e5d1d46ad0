/* Every function that allocates returns BM_ENOMEM and leaks nothing when any
 * one of its allocations fails. Families and inference modules
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

void nomem_drive_each(const char *const *names, int n, int *which, int (*fn)(void *), void *arg, long min_sites)
{
  for (*which = 0; *which < n; (*which)++) {
    long sites = nomem_drive(names[*which], fn, arg);
    if (sites < min_sites)
      fail_msg("%s: %ld allocation sites exercised, expected at least %ld", names[*which], sites, min_sites);
  }
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
  /* each of these allocates: the injection must have been exercised */
  nomem_drive_each(names, 8, &c.which, run_fd, &c, 1);
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


/* ---------- the other six families ----------
 * Same scheme as matf: every public function driven once, at sizes above the
 * stack-scratch limit so heap paths run. nomem_drive itself fails the test on
 * any leak or any status other than BM_ENOMEM/BM_SUCCESS under a failed
 * allocation; the number of allocation sites exercised is printed. */
#define FAM_NP 46 /* p for the p x p families */
#define FAM_N 8   /* rows of matnorm/matt (n p = 368 > the stack scratch) */

typedef struct {
  int which;
  void *d;
  gsl_matrix *X, *S, *G1, *G2, *G3, *H, *Hx, *F, *Xb, *M;
  gsl_vector *x, *v1, *v2, *s, *each;
  gsl_rng *r;
} fam_case;

static fam_case fam_case_new(size_t rows, size_t cols, size_t np, size_t nhx)
{
  fam_case c = {0};
  c.X = gsl_matrix_alloc(rows, cols); c.M = gsl_matrix_alloc(rows, cols);
  c.S = gsl_matrix_alloc(cols, cols); c.G1 = gsl_matrix_alloc(rows, cols); c.G2 = gsl_matrix_alloc(cols, cols);
  c.G3 = gsl_matrix_alloc(rows, rows);
  c.H = gsl_matrix_alloc(np, np); c.F = gsl_matrix_alloc(np, np); c.Hx = gsl_matrix_alloc(nhx, nhx);
  c.Xb = gsl_matrix_alloc(3, cols);
  c.x = gsl_vector_alloc(cols); c.v1 = gsl_vector_alloc(cols); c.v2 = gsl_vector_alloc(cols);
  c.s = gsl_vector_alloc(np); c.each = gsl_vector_alloc(3);
  c.r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_matrix_set_zero(c.M);
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++) gsl_matrix_set(c.X, i, j, 0.25 * sin((double)(i + 3 * j)));
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < cols; j++) gsl_matrix_set(c.Xb, i, j, 0.5 * cos((double)(i + j)));
  for (size_t j = 0; j < cols; j++) gsl_vector_set(c.x, j, 0.1 * (double)j);
  return c;
}
static void fam_case_free(fam_case *c)
{
  gsl_matrix *m[] = {c->X, c->M, c->S, c->G1, c->G2, c->G3, c->H, c->F, c->Hx, c->Xb};
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) gsl_matrix_free(m[i]);
  gsl_vector *v[] = {c->x, c->v1, c->v2, c->s, c->each};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) gsl_vector_free(v[i]);
  gsl_rng_free(c->r);
}
static void drive_all(const char *fam, int nfun, int (*run)(void *), fam_case *c)
{
  long total = 0;
  for (c->which = 0; c->which < nfun; c->which++) {
    char name[64];
    snprintf(name, sizeof name, "%s function #%d", fam, c->which);
    total += nomem_drive(name, run, c);
  }
  print_message("%s: %d functions, %ld allocation sites failed one at a time\n", fam, nfun, total);
  assert_true(total >= nfun / 2); /* the heap paths really ran */
}

/* _alloc (through the family's descriptor: bm_F_alloc) of a rows x cols variate, then _free */
static int alloc_free(const bm_family_type *T, size_t rows, size_t cols)
{
  void *e = T->alloc(rows, cols);
  if (!e) return BM_ENOMEM;
  T->free(e);
  return BM_SUCCESS;
}

/* wishart and invwishart: the same API shape */
#define NUSCALE_RUN(FAM)                                                                                             \
  static int run_##FAM(void *arg)                                                                                    \
  {                                                                                                                  \
    fam_case *c = arg;                                                                                               \
    bm_##FAM *d = c->d;                                                                                              \
    double lp, a;                                                                                                    \
    const gsl_matrix *batch[2] = {c->X, c->X};                                                                       \
    switch (c->which) {                                                                                              \
    case 0: return alloc_free(&bm_family_##FAM, FAM_NP, FAM_NP);                                                     \
    case 1: return bm_##FAM##_set(d, FAM_NP + 5.0, c->S);                                                            \
    case 2: return bm_##FAM##_logpdf(d, c->X, &lp);                                                                  \
    case 3: return bm_##FAM##_logpdf_grad(d, c->X, &lp, c->G1, c->G2, &a);                                           \
    case 4: return bm_##FAM##_grad(d, c->X, c->G1, c->G2, &a);                                                       \
    case 5: return bm_##FAM##_score(d, c->X, c->s);                                                                  \
    case 6: return bm_##FAM##_hess(d, c->X, c->H);                                                                   \
    case 7: return bm_##FAM##_hess_x(d, c->X, c->Hx);                                                                \
    case 8: return bm_##FAM##_fisher(d, c->F);                                                                       \
    case 9: return bm_##FAM##_sample(d, c->r, c->G1);                                                                \
    case 10: return bm_##FAM##_mean(d, c->G1);                                                                       \
    case 11: return bm_##FAM##_loglik(d, batch, 2, &lp, c->each->size == 2 ? c->each : NULL);                        \
    case 12: return bm_##FAM##_loglik_grad(d, batch, 2, &lp, c->G2, &a);                                             \
    default: return -1;                                                                                              \
    }                                                                                                                \
  }
NUSCALE_RUN(wishart)
NUSCALE_RUN(invwishart)

static void wishart_invwishart_survive_allocation_failure(void **state)
{
  (void)state;
  size_t p = FAM_NP, q = p * (p + 1) / 2;
  fam_case c = fam_case_new(p, p, q + 1, q);
  nomem_spd(c.X, 2.0);
  nomem_spd(c.S, 3.0);
  c.d = bm_wishart_alloc(p);
  assert_int_equal(bm_wishart_set(c.d, p + 5.0, c.S), BM_SUCCESS);
  drive_all("wishart", 13, run_wishart, &c);
  bm_wishart_free(c.d);
  c.d = bm_invwishart_alloc(p);
  assert_int_equal(bm_invwishart_set(c.d, p + 5.0, c.S), BM_SUCCESS);
  drive_all("invwishart", 13, run_invwishart, &c);
  bm_invwishart_free(c.d);
  fam_case_free(&c);
}

#define ARGS_(...) __VA_ARGS__
/* A vector family's functions (NU: the parenthesized leading arguments of
 * _set, DNU the trailing one of _grad and _loglik_grad; () for mvn), then
 * FAM##_extra(c, k) for the family's own from which = 12 on */
#define VEC_RUN(FAM, NU, DNU)                                                                                        \
  static int run_##FAM(void *arg)                                                                                    \
  {                                                                                                                  \
    fam_case *c = arg;                                                                                               \
    bm_##FAM *d = c->d;                                                                                              \
    double lp, a;                                                                                                    \
    (void)a;                                                                                                         \
    switch (c->which) {                                                                                              \
    case 0: return alloc_free(&bm_family_##FAM, 1, FAM_NP);                                                          \
    case 1: return bm_##FAM##_set(d, ARGS_ NU c->x, c->S);                                                           \
    case 2: return bm_##FAM##_logpdf(d, c->x, &lp);                                                                  \
    case 3: return bm_##FAM##_grad(d, c->x, c->v1, c->v2, c->G2 ARGS_ DNU);                                          \
    case 4: return bm_##FAM##_score(d, c->x, c->s);                                                                  \
    case 5: return bm_##FAM##_hess(d, c->x, c->H);                                                                   \
    case 6: return bm_##FAM##_hess_x(d, c->x, c->G2);                                                                \
    case 7: return bm_##FAM##_fisher(d, c->F);                                                                       \
    case 8: return bm_##FAM##_sample(d, c->r, c->v1);                                                                \
    case 9: return bm_##FAM##_cov(d, c->G2);                                                                         \
    case 10: return bm_##FAM##_loglik(d, c->Xb, &lp, c->each);                                                       \
    case 11: return bm_##FAM##_loglik_grad(d, c->Xb, &lp, c->v1, c->G2 ARGS_ DNU);                                   \
    default: return FAM##_extra(c, c->which - 12);                                                                   \
    }                                                                                                                \
  }

/* mvn's own: the precision and Cholesky forms, entropy, KL */
static int mvn_extra(fam_case *c, int k)
{
  bm_mvn *d = c->d;
  double lp;
  switch (k) {
  case 0: return bm_mvn_set_precision(d, c->x, c->S);
  case 1: return bm_mvn_grad_precision(d, c->x, c->G2);
  case 2: return bm_mvn_grad_chol(d, c->x, c->G2);
  case 3: return bm_mvn_grad_sigma_to_precision(d, c->S, c->G2);
  case 4: return bm_mvn_entropy(d, &lp);
  case 5: return bm_mvn_kl(d, d, &lp);
  case 6: return bm_mvn_kl_grad(d, d, &lp, c->v1, c->G2, c->v2, c->G3);
  default: return -1;
  }
}
static int mvt_extra(fam_case *c, int k)
{
  (void)c;
  (void)k;
  return -1; /* none beyond the twelve */
}
VEC_RUN(mvn, (), ())
VEC_RUN(mvt, (4.5, ), (, &a))

static void mvn_mvt_survive_allocation_failure(void **state)
{
  (void)state;
  size_t p = FAM_NP, q = p * (p + 1) / 2;
  fam_case c = fam_case_new(p, p, p + q + 1, 1);
  nomem_spd(c.S, 3.0);
  c.d = bm_mvn_alloc(p);
  assert_int_equal(bm_mvn_set(c.d, c.x, c.S), BM_SUCCESS);
  gsl_matrix_free(c.H); gsl_matrix_free(c.F); gsl_vector_free(c.s);
  c.H = gsl_matrix_alloc(p + q, p + q); c.F = gsl_matrix_alloc(p + q, p + q); c.s = gsl_vector_alloc(p + q);
  drive_all("mvn", 19, run_mvn, &c);
  bm_mvn_free(c.d);
  gsl_matrix_free(c.H); gsl_matrix_free(c.F); gsl_vector_free(c.s);
  c.H = gsl_matrix_alloc(p + q + 1, p + q + 1); c.F = gsl_matrix_alloc(p + q + 1, p + q + 1);
  c.s = gsl_vector_alloc(p + q + 1);
  c.d = bm_mvt_alloc(p);
  assert_int_equal(bm_mvt_set(c.d, 4.5, c.x, c.S), BM_SUCCESS);
  drive_all("mvt", 12, run_mvt, &c);
  bm_mvt_free(c.d);
  fam_case_free(&c);
}

/* matnorm and matt (n x p variates, U n x n, V p x p) */
typedef struct {
  fam_case c;
  gsl_matrix *U, *dU;
} mv_case;

/* NU, DNU as for VEC_RUN */
#define MATVAR_RUN(FAM, NU, DNU)                                                                                     \
  static int run_##FAM(void *arg)                                                                                    \
  {                                                                                                                  \
    mv_case *m = arg;                                                                                                \
    fam_case *c = &m->c;                                                                                             \
    bm_##FAM *d = c->d;                                                                                              \
    double lp, a;                                                                                                    \
    (void)a;                                                                                                         \
    const gsl_matrix *batch[2] = {c->X, c->X};                                                                       \
    switch (c->which) {                                                                                              \
    case 0: return alloc_free(&bm_family_##FAM, FAM_N, FAM_NP);                                                      \
    case 1: return bm_##FAM##_set(d, ARGS_ NU c->M, m->U, c->S);                                                     \
    case 2: return bm_##FAM##_logpdf(d, c->X, &lp);                                                                  \
    case 3: return bm_##FAM##_grad(d, c->X, c->G1, c->G1, m->dU, c->G2 ARGS_ DNU);                                   \
    case 4: return bm_##FAM##_score(d, c->X, c->s);                                                                  \
    case 5: return bm_##FAM##_hess(d, c->X, c->H);                                                                   \
    case 6: return bm_##FAM##_hess_x(d, c->X, c->Hx);                                                                \
    case 7: return bm_##FAM##_fisher(d, c->F);                                                                       \
    case 8: return bm_##FAM##_sample(d, c->r, c->G1);                                                                \
    case 9: return bm_##FAM##_mean(d, c->G1);                                                                        \
    case 10: return bm_##FAM##_loglik(d, batch, 2, &lp, NULL);                                                       \
    case 11: return bm_##FAM##_loglik_grad(d, batch, 2, &lp, c->G1, m->dU, c->G2 ARGS_ DNU);                         \
    default: return -1;                                                                                              \
    }                                                                                                                \
  }
MATVAR_RUN(matnorm, (), ())
MATVAR_RUN(matt, (3.5, ), (, &a))

static void matnorm_matt_survive_allocation_failure(void **state)
{
  (void)state;
  size_t n = FAM_N, p = FAM_NP, np = n * p + n * (n + 1) / 2 + p * (p + 1) / 2;
  mv_case m = {fam_case_new(n, p, np, n * p), gsl_matrix_alloc(n, n), gsl_matrix_alloc(n, n)};
  nomem_spd(m.U, 2.0);
  nomem_spd(m.c.S, 3.0);
  m.c.d = bm_matnorm_alloc(n, p);
  assert_int_equal(bm_matnorm_set(m.c.d, m.c.M, m.U, m.c.S), BM_SUCCESS);
  drive_all("matnorm", 12, run_matnorm, (fam_case *)&m);
  bm_matnorm_free(m.c.d);
  gsl_matrix_free(m.c.H); gsl_matrix_free(m.c.F); gsl_vector_free(m.c.s);
  m.c.H = gsl_matrix_alloc(np + 1, np + 1); m.c.F = gsl_matrix_alloc(np + 1, np + 1); m.c.s = gsl_vector_alloc(np + 1);
  m.c.d = bm_matt_alloc(n, p);
  assert_int_equal(bm_matt_set(m.c.d, 3.5, m.c.M, m.U, m.c.S), BM_SUCCESS);
  drive_all("matt", 12, run_matt, (fam_case *)&m);
  bm_matt_free(m.c.d);
  gsl_matrix_free(m.U); gsl_matrix_free(m.dU);
  fam_case_free(&m.c);
}

/* ---------- laplace, transforms, jeffreys, model Fisher ---------- */

static int negf_quad(const gsl_vector *x, void *p, double *f)
{
  int st = f_quad(x, p, f);
  *f = -*f;
  return st;
}
static int negg_quad(const gsl_vector *x, void *p, gsl_vector *g)
{
  int st = g_quad(x, p, g);
  gsl_vector_scale(g, -1.0);
  return st;
}
static int negh_quad(const gsl_vector *x, void *p, gsl_matrix *H)
{
  int st = h_quad(x, p, H);
  gsl_matrix_scale(H, -1.0);
  return st;
}
/* natural-coordinate target for a LOGCHOL(2) + LOG(1) map: -sum (i+1) x_i^2 + sum log x (defined on the domain) */
static int nat_f(const gsl_vector *x, void *p, double *f) { return negf_quad(x, p, f); }
static int nat_g(const gsl_vector *x, void *p, gsl_vector *g) { return negg_quad(x, p, g); }
static int nat_h(const gsl_vector *x, void *p, gsl_matrix *H) { return negh_quad(x, p, H); }

static int fisher_cb(const gsl_vector *th, void *p, gsl_matrix *F)
{
  (void)p;
  gsl_matrix_set_identity(F);
  gsl_matrix_scale(F, 1.0 + gsl_vector_get(th, 0) * gsl_vector_get(th, 0));
  return 0;
}
static int m_theta(size_t i, const gsl_vector *eta, void *p, gsl_vector *th, gsl_matrix *J)
{
  (void)p;
  gsl_vector_set(th, 0, gsl_vector_get(eta, 0) * (double)(i + 1));
  gsl_vector_set(th, 1, exp(gsl_vector_get(eta, 1)));
  gsl_matrix_set_zero(J);
  gsl_matrix_set(J, 0, 0, (double)(i + 1));
  gsl_matrix_set(J, 1, 1, exp(gsl_vector_get(eta, 1)));
  return 0;
}
static int m_curv(size_t i, const gsl_vector *eta, const gsl_vector *w, void *p, gsl_matrix *C)
{
  (void)i;
  (void)p;
  *gsl_matrix_ptr(C, 1, 1) += gsl_vector_get(w, 1) * exp(gsl_vector_get(eta, 1));
  return 0;
}
static int m_score_hess(size_t i, const gsl_vector *th, void *p, gsl_vector *s, gsl_matrix *H)
{
  (void)p;
  tu_normal_score_hess(0.3 * (double)i - gsl_vector_get(th, 0), gsl_vector_get(th, 1), s, H);
  return 0;
}

static const bm_transform_block LJ_BLOCKS[2] = {{BM_TRANSFORM_LOGCHOL, 2}, {BM_TRANSFORM_LOG, 1}};

static int run_inference8(void *arg)
{
  int which = *(int *)arg, st = BM_SUCCESS;
  gsl_vector *x = bm_vector_alloc(4), *u = bm_vector_alloc(4), *g = bm_vector_alloc(4), *gu = bm_vector_alloc(4);
  gsl_matrix *H = bm_matrix_alloc(4, 4), *Hu = bm_matrix_alloc(4, 4), *S = bm_matrix_alloc(3, 3);
  gsl_matrix *dS0 = bm_matrix_alloc(3, 3), *dmu = bm_matrix_alloc(3, 2);
  bm_laplace_result *res = NULL;
  if (!x || !u || !g || !gu || !H || !Hu || !S || !dS0 || !dmu) {
    st = BM_ENOMEM;
    goto done;
  }
  /* x = natural (vech Sigma = (1, 0.2, 1.5), s = 0.7) */
  gsl_vector_set(x, 0, 1.0);
  gsl_vector_set(x, 1, 0.2);
  gsl_vector_set(x, 2, 1.5);
  gsl_vector_set(x, 3, 0.7);
  gsl_vector_set_all(g, 0.3);
  gsl_matrix_set_identity(H);
  gsl_matrix_set_identity(S);
  gsl_matrix_set_identity(dS0);
  gsl_matrix_set_all(dmu, 1.0);
  switch (which) {
  case 0: /* bm_laplace, analytic Hessian */
  case 1: { /* bm_laplace, FD Hessian */
    bm_laplace_problem prob = {3, negf_quad, negg_quad, which == 0 ? negh_quad : NULL, NULL};
    res = bm_laplace_result_alloc(3);
    if (!res) {
      st = BM_ENOMEM;
      break;
    }
    gsl_vector_view t0 = gsl_vector_subvector(x, 0, 3);
    st = bm_laplace(&prob, &t0.vector, NULL, res);
    break;
  }
  case 2: /* transformed target through bm_laplace (with a natural Hessian) */
  {
    bm_transformed_target t = {LJ_BLOCKS, 2, nat_f, nat_g, nat_h, NULL};
    bm_laplace_problem prob;
    st = bm_transform_laplace_problem(&t, &prob);
    if (st) break;
    res = bm_laplace_result_alloc(4);
    if (!res) {
      st = BM_ENOMEM;
      break;
    }
    st = bm_transform_map_forward(LJ_BLOCKS, 2, x, u);
    if (!st) st = bm_laplace(&prob, u, NULL, res);
    break;
  }
  case 3: {
    double lj;
    st = bm_transform_map_forward(LJ_BLOCKS, 2, x, u);
    if (!st) st = bm_transform_map_inverse(LJ_BLOCKS, 2, u, x, &lj);
    if (!st) st = bm_transform_map_chain(LJ_BLOCKS, 2, u, g, H, gu, Hu);
    break;
  }
  case 4: {
    double lp;
    gsl_vector_view th = gsl_vector_subvector(x, 0, 3);
    st = bm_jeffreys_from_callback(fisher_cb, NULL, &th.vector, NULL, 0, &lp);
    if (!st) st = bm_jeffreys_reparam(H, H, &lp);
    break;
  }
  case 5: {
    bm_model mod = {4, 2, 2, m_theta, m_curv, tu_normal_model_fisher, m_score_hess, NULL};
    gsl_vector_view eta = gsl_vector_subvector(x, 2, 2);
    gsl_matrix_view I2 = gsl_matrix_submatrix(Hu, 0, 0, 2, 2);
    gsl_vector_view s2 = gsl_vector_subvector(gu, 0, 2);
    double lp;
    st = bm_model_fisher(&mod, &eta.vector, &I2.matrix);
    if (!st) st = bm_model_observed_information(&mod, &eta.vector, &I2.matrix);
    if (!st) st = bm_model_score(&mod, &eta.vector, &s2.vector);
    if (!st) st = bm_model_jeffreys(&mod, &eta.vector, NULL, 0, &lp);
    break;
  }
  case 6: {
    const gsl_matrix *dS[2] = {dS0, NULL};
    gsl_matrix_view I2 = gsl_matrix_submatrix(Hu, 0, 0, 2, 2);
    gsl_vector_view s2 = gsl_vector_subvector(gu, 0, 2);
    gsl_vector_view y = gsl_vector_subvector(x, 0, 3), mu = gsl_vector_subvector(g, 0, 3);
    double lp;
    st = bm_gaussian_model_fisher(S, dmu, dS, 2, &I2.matrix);
    if (!st) st = bm_gaussian_model_score(S, &mu.vector, dmu, dS, 2, &y.vector, &s2.vector, &lp);
    if (!st) st = bm_fisher_reparam(H, H, Hu);
    break;
  }
  }
done:
  bm_laplace_result_free(res);
  NOMEM_FREE_V(x, u, g, gu);
  NOMEM_FREE_M(H, Hu, S, dS0, dmu);
  return st;
}

static void inference8_survives_allocation_failure(void **state)
{
  (void)state;
  const char *names[] = {"bm_laplace", "bm_laplace (FD Hessian)", "bm_laplace (transformed target)",
                         "bm_transform_map_*", "bm_jeffreys_*", "bm_model_*", "bm_gaussian_model_*"};
  int which;
  nomem_drive_each(names, 7, &which, run_inference8, &which, 1);
}

/* ---------- conjugate models and checkers ---------- */

static int cj_lp(const gsl_vector *th, void *p, double *f)
{
  (void)p;
  *f = -0.5 * gsl_vector_get(th, 0) * gsl_vector_get(th, 0);
  return 0;
}
static int cj_draw(gsl_rng *r, void *p, gsl_vector *th)
{
  (void)p;
  gsl_vector_set(th, 0, gsl_rng_uniform(r) - 0.5);
  return 0;
}
static int cj_cond(gsl_rng *r, const gsl_vector *th, void *p)
{
  (void)r;
  (void)th;
  (void)p;
  return 0;
}
static int cj_fdraw(gsl_rng *r, void *p)
{
  *(double *)p = gsl_rng_uniform(r);
  return 0;
}
static int cj_fscore(void *p, gsl_vector *s)
{
  gsl_vector_set(s, 0, *(double *)p);
  return 0;
}

#define CJ(call)                                                                                                     \
  do {                                                                                                               \
    if ((st = (call)) != BM_SUCCESS) goto done;                                                                      \
  } while (0)

typedef struct {
  int which;
  gsl_rng *r;
} cj_arg;

static int run_conjugate(void *arg)
{
  const int which = ((cj_arg *)arg)->which;
  gsl_rng *r = ((cj_arg *)arg)->r;
  int st = BM_SUCCESS;
  double a, b, c3;
  gsl_vector *v2 = bm_vector_alloc(2), *w4 = bm_vector_alloc(4), *y4 = bm_vector_alloc(4);
  gsl_matrix *I2 = bm_matrix_alloc(2, 2), *X4 = bm_matrix_alloc(4, 2), *Y4 = bm_matrix_alloc(4, 2), *P = bm_matrix_alloc(2, 2);
  bm_niw *niw = NULL;
  bm_niw_stats *ns1 = NULL, *ns2 = NULL;
  bm_blr *blr = NULL;
  bm_blr_stats *bs1 = NULL, *bs2 = NULL;
  bm_mniw *mn = NULL;
  bm_mniw_stats *ms1 = NULL, *ms2 = NULL;
  bm_mvt *t = NULL;
  bm_matt *mt = NULL;
  gsl_matrix *ranks = NULL;
  if (!v2 || !w4 || !y4 || !I2 || !X4 || !Y4 || !P) {
    st = BM_ENOMEM;
    goto done;
  }
  gsl_vector_set_zero(v2);
  gsl_matrix_set_identity(I2);
  gsl_vector_set_all(w4, 1.5);
  for (size_t i = 0; i < 4; i++) {
    gsl_vector_set(y4, i, 0.3 * (double)i - 0.5);
    for (size_t j = 0; j < 2; j++) {
      gsl_matrix_set(X4, i, j, sin((double)(3 * i + j + 1)));
      gsl_matrix_set(Y4, i, j, cos((double)(2 * i + j)));
    }
  }
  switch (which) {
  case 0:
    niw = bm_niw_alloc(2);
    ns1 = bm_niw_stats_alloc(2);
    ns2 = bm_niw_stats_alloc(2);
    t = bm_mvt_alloc(2);
    if (!niw || !ns1 || !ns2 || !t) {
      st = BM_ENOMEM;
      goto done;
    }
    CJ(bm_niw_set_prior(niw, v2, 1.0, 3.0, I2));
    CJ(bm_niw_update(niw, X4));
    CJ(bm_niw_stats_compute(ns1, X4));
    CJ(bm_niw_stats_compute(ns2, Y4));
    CJ(bm_niw_stats_merge(ns1, ns2));
    CJ(bm_niw_update_stats(niw, ns1));
    CJ(bm_niw_posterior(niw, v2, &a, &b, P));
    CJ(bm_niw_posterior_nw(niw, v2, &a, &b, P));
    CJ(bm_niw_log_posterior(niw, v2, I2, &a));
    CJ(bm_niw_log_posterior_nw(niw, v2, I2, &a));
    CJ(bm_niw_sample_posterior(niw, r, v2, P));
    CJ(bm_niw_predictive_params(niw, &a, v2, P));
    CJ(bm_niw_predictive(niw, t));
    CJ(bm_niw_log_evidence(niw, &a));
    CJ(bm_niw_set_prior_nw(niw, v2, 1.0, 3.0, I2));
    break;
  case 1:
    blr = bm_blr_alloc(2);
    bs1 = bm_blr_stats_alloc(2);
    bs2 = bm_blr_stats_alloc(2);
    if (!blr || !bs1 || !bs2) {
      st = BM_ENOMEM;
      goto done;
    }
    CJ(bm_blr_set_prior_nig(blr, v2, I2, 2.0, 1.0));
    CJ(bm_blr_update_weighted(blr, X4, y4, w4));
    CJ(bm_blr_stats_compute(bs1, X4, y4, NULL));
    CJ(bm_blr_stats_compute(bs2, X4, y4, w4));
    CJ(bm_blr_stats_merge(bs1, bs2));
    CJ(bm_blr_update_stats(blr, bs1));
    CJ(bm_blr_posterior_nig(blr, v2, P, &a, &b));
    CJ(bm_blr_posterior_beta_t(blr, &a, v2, P));
    CJ(bm_blr_log_posterior(blr, v2, 1.0, &a));
    CJ(bm_blr_predictive(blr, v2, &a, &b, &c3));
    CJ(bm_blr_log_evidence(blr, &a));
    CJ(bm_blr_set_prior_known_noise(blr, v2, I2, 2.0));
    CJ(bm_blr_update(blr, X4, y4));
    CJ(bm_blr_posterior_gaussian(blr, v2, P));
    CJ(bm_blr_set_prior_improper(blr));
    CJ(bm_blr_update(blr, X4, y4));
    CJ(bm_blr_predictive(blr, v2, &a, &b, &c3));
    break;
  case 2:
    mn = bm_mniw_alloc(2, 2);
    ms1 = bm_mniw_stats_alloc(2, 2);
    ms2 = bm_mniw_stats_alloc(2, 2);
    mt = bm_matt_alloc(4, 2);
    if (!mn || !ms1 || !ms2 || !mt) {
      st = BM_ENOMEM;
      goto done;
    }
    CJ(bm_mniw_set_prior(mn, I2, I2, 3.0, I2));
    CJ(bm_mniw_update(mn, X4, Y4));
    CJ(bm_mniw_stats_compute(ms1, X4, Y4));
    CJ(bm_mniw_stats_compute(ms2, Y4, X4));
    CJ(bm_mniw_stats_merge(ms1, ms2));
    CJ(bm_mniw_update_stats(mn, ms1));
    CJ(bm_mniw_posterior(mn, P, I2, &a, P));
    gsl_matrix_set_identity(I2);
    CJ(bm_mniw_log_posterior(mn, P, I2, &a));
    CJ(bm_mniw_sample_posterior(mn, r, P, I2));
    gsl_matrix_set_identity(I2);
    CJ(bm_mniw_predictive(mn, X4, mt));
    CJ(bm_mniw_log_evidence(mn, &a));
    break;
  default: {
    bm_check_model model = {1, cj_lp, cj_lp, cj_lp, cj_draw, cj_draw, cj_lp, NULL};
    bm_proportional_result pr;
    bm_evidence_result ev;
    bm_sbc_result sr;
    bm_fisher_mc_result fr;
    double x = 0.0;
    bm_sbc_problem sp = {1, 1, cj_draw, cj_cond, cj_draw, NULL, NULL};
    bm_fisher_mc_problem fp = {1, cj_fdraw, cj_fscore, NULL, &x};
    gsl_matrix_view F = gsl_matrix_submatrix(I2, 0, 0, 1, 1);
    ranks = bm_matrix_alloc(5, 1);
    if (!ranks) {
      st = BM_ENOMEM;
      goto done;
    }
    CJ(bm_check_proportional(&model, r, 3, 1e-9, &pr));
    CJ(bm_check_evidence_is(&model, r, 5, 0.0, 4.0, &ev));
    CJ(bm_check_evidence_identity(&model, r, 3, 0.0, &a));
    CJ(bm_check_sbc(&sp, r, 5, 3, 2, ranks, NULL, &sr));
    CJ(bm_check_fisher_mc(&fp, &F.matrix, r, 5, 4.0, NULL, NULL, &fr));
    break;
  }
  }
done:
  bm_niw_free(niw);
  bm_niw_stats_free(ns1);
  bm_niw_stats_free(ns2);
  bm_blr_free(blr);
  bm_blr_stats_free(bs1);
  bm_blr_stats_free(bs2);
  bm_mniw_free(mn);
  bm_mniw_stats_free(ms1);
  bm_mniw_stats_free(ms2);
  bm_mvt_free(t);
  bm_matt_free(mt);
  bm_matrix_free(ranks);
  NOMEM_FREE_V(v2, w4, y4);
  NOMEM_FREE_M(I2, X4, Y4, P);
  return st;
}

static void conjugate_survives_allocation_failure(void **state)
{
  (void)state;
  const char *names[] = {"bm_niw_*", "bm_blr_*", "bm_mniw_*", "bm_check_*"};
  cj_arg arg = {0, gsl_rng_alloc(gsl_rng_mt19937)};
  for (int which = 0; which < 4; which++) {
    arg.which = which;
    gsl_rng_set(arg.r, 1);
    long sites = nomem_drive(names[which], run_conjugate, &arg);
    assert_true(sites >= 5);
  }
  gsl_rng_free(arg.r);
}

/* ==== sufficient statistics (mvn, wishart, invwishart, matnorm) ==== */
/* (nu, scale) family FAM at (5, I): statistics of the four Xs, the
 * log-likelihood and its gradient from them; st the first failure */
#define NUSCALE_STATS(FAM, st, p, I, Xs, G, ll)                                                                      \
  do {                                                                                                               \
    bm_##FAM *d_ = bm_##FAM##_alloc(p);                                                                              \
    bm_##FAM##_stats *s_ = bm_##FAM##_stats_alloc(p);                                                                \
    if (!d_ || !s_) {                                                                                                \
      st = BM_ENOMEM;                                                                                                \
    } else {                                                                                                         \
      st = bm_##FAM##_set(d_, 5.0, I);                                                                               \
      if (!st) st = bm_##FAM##_stats_compute(s_, (const gsl_matrix *const *)Xs, 4);                                  \
      if (!st) st = bm_##FAM##_stats_loglik_grad(d_, s_, &ll, G, &ll);                                               \
    }                                                                                                                \
    bm_##FAM##_free(d_);                                                                                             \
    bm_##FAM##_stats_free(s_);                                                                                       \
  } while (0)

static int run_stats11(void *arg)
{
  int which = *(int *)arg, st = BM_SUCCESS;
  size_t p = which == 0 ? 70 : 3; /* p = 70: past the stack scratch of mvn stats */
  gsl_matrix *X = bm_matrix_alloc(200, p), *I = bm_matrix_alloc(p, p), *G = bm_matrix_alloc(p, p);
  gsl_vector *mu = bm_vector_alloc(p), *g = bm_vector_alloc(p);
  bm_mvn *dn = NULL;
  bm_mvn_stats *sn = NULL, *sn2 = NULL;
  bm_matnorm *dm = NULL;
  bm_matnorm_stats *sm = NULL;
  gsl_matrix *Mm = NULL, *Um = NULL, *Vm = NULL;
  gsl_matrix *Xs[2000];
  for (size_t k = 0; k < 2000; k++) Xs[k] = NULL;
  double ll;
  if (!X || !I || !G || !mu || !g) {
    st = BM_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < 200; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, (double)((i * 7 + j * 3) % 11) - 5.0);
  gsl_matrix_set_identity(I);
  gsl_vector_set_zero(mu);
  switch (which) {
  case 0:
    dn = bm_mvn_alloc(p);
    sn = bm_mvn_stats_alloc(p);
    sn2 = bm_mvn_stats_alloc(p);
    if (!dn || !sn || !sn2) {
      st = BM_ENOMEM;
      break;
    }
    st = bm_mvn_set(dn, mu, I);
    if (!st) st = bm_mvn_stats_compute(sn, X);
    if (!st) st = bm_mvn_stats_add(sn2, X);
    if (!st) st = bm_mvn_stats_merge(sn, sn2);
    if (!st) st = bm_mvn_stats_loglik_grad(dn, sn, &ll, g, G);
    break;
  case 1:
  case 2:
    for (size_t k = 0; k < 4; k++) {
      Xs[k] = bm_matrix_alloc(p, p);
      if (!Xs[k]) {
        st = BM_ENOMEM;
        goto done;
      }
      gsl_matrix_set_identity(Xs[k]);
      gsl_matrix_set(Xs[k], 0, 0, 1.0 + (double)k);
    }
    if (which == 1)
      NUSCALE_STATS(wishart, st, p, I, Xs, G, ll);
    else
      NUSCALE_STATS(invwishart, st, p, I, Xs, G, ll);
    break;
  case 3: { /* matnorm 8 x 9 (N = 72): heap scratch in add and loglik */
    size_t n = 8, q = 9, m = 60;
    dm = bm_matnorm_alloc(n, q);
    sm = bm_matnorm_stats_alloc(n, q);
    Mm = bm_matrix_alloc(n, q);
    Um = bm_matrix_alloc(n, n);
    Vm = bm_matrix_alloc(q, q);
    if (!dm || !sm || !Mm || !Um || !Vm) {
      st = BM_ENOMEM;
      break;
    }
    gsl_matrix_set_zero(Mm);
    gsl_matrix_set_identity(Um);
    gsl_matrix_set_identity(Vm);
    for (size_t k = 0; k < m; k++) {
      Xs[k] = bm_matrix_alloc(n, q);
      if (!Xs[k]) {
        st = BM_ENOMEM;
        goto done;
      }
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < q; j++) gsl_matrix_set(Xs[k], i, j, (double)((k * 5 + i * 3 + j) % 7) - 3.0);
    }
    st = bm_matnorm_set(dm, Mm, Um, Vm);
    if (!st) st = bm_matnorm_stats_compute(sm, (const gsl_matrix *const *)Xs, m);
    if (!st) st = bm_matnorm_stats_loglik_grad(dm, sm, &ll, Mm, Um, Vm);
    break;
  }
  }
done:
  for (size_t k = 0; k < 2000; k++) bm_matrix_free(Xs[k]);
  bm_mvn_free(dn);
  bm_mvn_stats_free(sn);
  bm_mvn_stats_free(sn2);
  bm_matnorm_free(dm);
  bm_matnorm_stats_free(sm);
  NOMEM_FREE_M(Mm, Um, Vm, X, I, G);
  bm_vector_free(mu);
  bm_vector_free(g);
  return st;
}

static void stats11_survive_allocation_failure(void **state)
{
  (void)state;
  const char *names[] = {"bm_mvn_stats_*", "bm_wishart_stats_*", "bm_invwishart_stats_*", "bm_matnorm_stats_*"};
  int which;
  nomem_drive_each(names, 4, &which, run_stats11, &which, 1);
}
/* ==== end of the sufficient-statistics block ==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(core_functions_survive_allocation_failure),
    cmocka_unit_test(matf_survives_allocation_failure),
    cmocka_unit_test(wishart_invwishart_survive_allocation_failure),
    cmocka_unit_test(mvn_mvt_survive_allocation_failure),
    cmocka_unit_test(matnorm_matt_survive_allocation_failure),
    cmocka_unit_test(inference8_survives_allocation_failure),
    cmocka_unit_test(conjugate_survives_allocation_failure),
    cmocka_unit_test(stats11_survive_allocation_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
