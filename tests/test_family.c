/* The family contract, table-driven over bm_family_list() (bayesmat/family.h).
 *
 * What every family promises, checked once for all seven instead of once per
 * family file:
 *  - the generic handle gives bit-identical results to the typed calls
 *    (logpdf, score, hess, hess_x, fisher, sample, mean, loglik, jeffreys,
 *    get/set theta), with typed objects set through bm_F_set from explicit
 *    parameters and theta packed here by hand (vec / vech, scalars last);
 *  - the registry, the variate shapes alloc accepts, nparams and the blocks;
 *  - a never-set object, NULL arguments, wrong shapes, a rejected theta
 *    (which keeps the previous parameters);
 *  - loglik equals the sum of single log-densities, and an SPD family's
 *    batch with one non-SPD observation is BM_EDOM with ll = -INFINITY;
 *  - gsl_matrix views with tda > cols give the contiguous results exactly;
 *  - the Fisher matrix is exactly symmetric (matt, matf: to ulps), positive
 *    definite except for matnorm/matt (identified only up to a scale exchange);
 *  - the score is the finite-difference gradient of logpdf in theta and the
 *    Hessian that of the score (bm_check_gradient / bm_check_hessian through
 *    bm_dist_set_theta);
 *  - a user-defined family with only a log-density: BM_ENOTSUP for the rest,
 *    loglik by rows.
 * Each family's own formulas, references and edge cases stay in its test file.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"

#define NFAM 7

/* ---- the typed side: explicit parameters, typed calls ------------------------ */

typedef struct {
  const char *name;
  size_t rows, cols; /* the variate's shape at the default dimension (p = 3) */
  /* a typed object of dimension p with parameters drawn from r, set by bm_F_set; theta packed here */
  void *(*make)(gsl_rng *r, size_t p, gsl_vector **theta);
  void (*destroy)(void *d);
  size_t (*nparams)(const void *d);
  int (*logpdf)(const void *d, const gsl_matrix *x, double *lp);
  int (*score)(const void *d, const gsl_matrix *x, gsl_vector *s);
  int (*hess)(const void *d, const gsl_matrix *x, gsl_matrix *H);
  int (*hess_x)(const void *d, const gsl_matrix *x, gsl_matrix *H);
  int (*fisher)(const void *d, gsl_matrix *F);
  int (*sample)(const void *d, gsl_rng *r, gsl_matrix *x);
  int (*mean)(const void *d, gsl_matrix *m);
  int (*get_theta)(const void *d, gsl_vector *theta);
  int (*jeffreys)(const void *d, const size_t *idx, size_t k, double *lp);
  /* loglik over the observations X[0..m) (typed batch: rows or an array) */
  int (*loglik)(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each);
  /* the typed batched gradient, its outputs packed in theta's coordinates */
  int (*loglik_grad)(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *g);
  int spd;          /* SPD variate */
  int identifiable; /* full Fisher matrix nonsingular */
} typed_family;

/* theta packing by hand, independent of the library's vec/vech helpers */
static void put_vec(gsl_vector *t, size_t *off, const gsl_matrix *A)
{
  for (size_t c = 0; c < A->size2; c++)
    for (size_t r = 0; r < A->size1; r++) gsl_vector_set(t, (*off)++, gsl_matrix_get(A, r, c));
}
static void put_vech(gsl_vector *t, size_t *off, const gsl_matrix *S)
{
  for (size_t c = 0; c < S->size2; c++)
    for (size_t r = c; r < S->size1; r++) gsl_vector_set(t, (*off)++, gsl_matrix_get(S, r, c));
}
static gsl_matrix *rand_matrix(gsl_rng *r, size_t n, size_t p)
{
  gsl_matrix *A = gsl_matrix_alloc(n, p);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(A, i, j, gsl_ran_gaussian(r, 1.0));
  return A;
}
static gsl_matrix *rand_spd(gsl_rng *r, size_t p)
{
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  tu_random_spd(r, 10.0, 1.0, S);
  return S;
}

/* typed adapters to a matrix-shaped variate (x is a 1 x p row for mvn, mvt) */
#define ROW(x) (gsl_matrix_const_row((x), 0))
#define MROW(x) (gsl_matrix_row((x), 0))
#define TYPED_VECTOR(F)                                                                                     \
  static void F##_destroy(void *d) { bm_##F##_free(d); }                                                   \
  static size_t F##_np(const void *d) { return bm_##F##_nparams(d); }                                      \
  static int F##_lp(const void *d, const gsl_matrix *x, double *lp) { gsl_vector_const_view v = ROW(x); return bm_##F##_logpdf(d, &v.vector, lp); } \
  static int F##_sc(const void *d, const gsl_matrix *x, gsl_vector *s) { gsl_vector_const_view v = ROW(x); return bm_##F##_score(d, &v.vector, s); } \
  static int F##_he(const void *d, const gsl_matrix *x, gsl_matrix *H) { gsl_vector_const_view v = ROW(x); return bm_##F##_hess(d, &v.vector, H); }  \
  static int F##_hx(const void *d, const gsl_matrix *x, gsl_matrix *H) { gsl_vector_const_view v = ROW(x); return bm_##F##_hess_x(d, &v.vector, H); } \
  static int F##_fi(const void *d, gsl_matrix *F_) { return bm_##F##_fisher(d, F_); }                        \
  static int F##_sa(const void *d, gsl_rng *r, gsl_matrix *x) { gsl_vector_view v = MROW(x); return bm_##F##_sample(d, r, &v.vector); }   \
  static int F##_me(const void *d, gsl_matrix *m) { gsl_vector_view v = MROW(m); return bm_##F##_mean(d, &v.vector); }                    \
  static int F##_gt(const void *d, gsl_vector *t) { return bm_##F##_get_theta(d, t); }                     \
  static int F##_je(const void *d, const size_t *i, size_t k, double *lp) { return bm_##F##_jeffreys(d, i, k, lp); } \
  static int F##_ll(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *e)       \
  {                                                                                                         \
    gsl_matrix *R = gsl_matrix_alloc(m, X[0]->size2);                                                       \
    for (size_t i = 0; i < m; i++) {                                                                      \
      gsl_vector_const_view v = ROW(X[i]);                                                                  \
      gsl_matrix_set_row(R, i, &v.vector);                                                                  \
    }                                                                                                       \
    int st = bm_##F##_loglik(d, R, ll, e);                                                                  \
    gsl_matrix_free(R);                                                                                     \
    return st;                                                                                              \
  }
#define TYPED_MATRIX(F)                                                                                     \
  static void F##_destroy(void *d) { bm_##F##_free(d); }                                                   \
  static size_t F##_np(const void *d) { return bm_##F##_nparams(d); }                                      \
  static int F##_lp(const void *d, const gsl_matrix *x, double *lp) { return bm_##F##_logpdf(d, x, lp); }  \
  static int F##_sc(const void *d, const gsl_matrix *x, gsl_vector *s) { return bm_##F##_score(d, x, s); } \
  static int F##_he(const void *d, const gsl_matrix *x, gsl_matrix *H) { return bm_##F##_hess(d, x, H); }  \
  static int F##_hx(const void *d, const gsl_matrix *x, gsl_matrix *H) { return bm_##F##_hess_x(d, x, H); } \
  static int F##_fi(const void *d, gsl_matrix *F_) { return bm_##F##_fisher(d, F_); }                        \
  static int F##_sa(const void *d, gsl_rng *r, gsl_matrix *x) { return bm_##F##_sample(d, r, x); }         \
  static int F##_me(const void *d, gsl_matrix *m) { return bm_##F##_mean(d, m); }                          \
  static int F##_gt(const void *d, gsl_vector *t) { return bm_##F##_get_theta(d, t); }                     \
  static int F##_je(const void *d, const size_t *i, size_t k, double *lp) { return bm_##F##_jeffreys(d, i, k, lp); } \
  static int F##_ll(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *e)       \
  {                                                                                                         \
    return bm_##F##_loglik(d, X, m, ll, e);                                                                 \
  }
#define TYPED_ENTRY(F, rows, cols, spd, ident)                                                              \
  {#F, rows, cols, F##_make, F##_destroy, F##_np, F##_lp, F##_sc, F##_he, F##_hx, F##_fi, F##_sa, F##_me,  \
   F##_gt, F##_je, F##_ll, F##_lg, spd, ident}

TYPED_VECTOR(mvn)
TYPED_VECTOR(mvt)
TYPED_MATRIX(wishart)
TYPED_MATRIX(invwishart)
TYPED_MATRIX(matnorm)
TYPED_MATRIX(matt)
TYPED_MATRIX(matf)

/* the shape of family f's variate at dimension p (matnorm/matt: p x (p + 1),
 * except 5 x 2 for p = 5, a variate with more rows than columns) */
static size_t rows_of(const char *name, size_t p) { return !strcmp(name, "mvn") || !strcmp(name, "mvt") ? 1 : p; }
static size_t cols_of(const char *name, size_t p)
{
  if (strcmp(name, "matnorm") && strcmp(name, "matt")) return p;
  return p == 5 ? 2 : p + 1;
}

/* mvn and mvt: (mu, vech Sigma[, nu]) */
static void *mean_scale_make(gsl_rng *r, size_t p, gsl_vector **theta, int t)
{
  gsl_matrix *mu = rand_matrix(r, 1, p), *S = rand_spd(r, p);
  gsl_vector_const_view v = ROW(mu);
  void *d = t ? (void *)bm_mvt_alloc(p) : (void *)bm_mvn_alloc(p);
  assert_int_equal(t ? bm_mvt_set(d, 5.5, &v.vector, S) : bm_mvn_set(d, &v.vector, S), BM_SUCCESS);
  size_t off = 0;
  *theta = gsl_vector_alloc(p + p * (p + 1) / 2 + (t ? 1 : 0));
  put_vec(*theta, &off, mu);
  put_vech(*theta, &off, S);
  if (t) gsl_vector_set(*theta, off, 5.5);
  gsl_matrix_free(mu);
  gsl_matrix_free(S);
  return d;
}
static void *mvn_make(gsl_rng *r, size_t p, gsl_vector **theta) { return mean_scale_make(r, p, theta, 0); }
static void *mvt_make(gsl_rng *r, size_t p, gsl_vector **theta) { return mean_scale_make(r, p, theta, 1); }
/* wishart and invwishart: (vech scale, nu) */
static void *nu_scale_make(gsl_rng *r, size_t p, gsl_vector **theta, int inverse)
{
  double nu = (double)p + (inverse ? 3.5 : 2.5);
  gsl_matrix *S = rand_spd(r, p);
  void *d = inverse ? (void *)bm_invwishart_alloc(p) : (void *)bm_wishart_alloc(p);
  assert_int_equal(inverse ? bm_invwishart_set(d, nu, S) : bm_wishart_set(d, nu, S), BM_SUCCESS);
  size_t off = 0;
  *theta = gsl_vector_alloc(p * (p + 1) / 2 + 1);
  put_vech(*theta, &off, S);
  gsl_vector_set(*theta, off, nu);
  gsl_matrix_free(S);
  return d;
}
static void *wishart_make(gsl_rng *r, size_t p, gsl_vector **theta) { return nu_scale_make(r, p, theta, 0); }
static void *invwishart_make(gsl_rng *r, size_t p, gsl_vector **theta) { return nu_scale_make(r, p, theta, 1); }
/* matnorm and matt, n x q with n = p, q = p + 1: (vec M, vech row scale, vech column scale[, nu]) */
static void *row_col_make(gsl_rng *r, size_t p, gsl_vector **theta, int t)
{
  size_t n = p, q = cols_of("matt", p);
  gsl_matrix *M = rand_matrix(r, n, q), *A = rand_spd(r, n), *B = rand_spd(r, q);
  void *d = t ? (void *)bm_matt_alloc(n, q) : (void *)bm_matnorm_alloc(n, q);
  assert_int_equal(t ? bm_matt_set(d, 4.5, M, A, B) : bm_matnorm_set(d, M, A, B), BM_SUCCESS);
  size_t off = 0;
  *theta = gsl_vector_alloc(n * q + n * (n + 1) / 2 + q * (q + 1) / 2 + (t ? 1 : 0));
  put_vec(*theta, &off, M);
  put_vech(*theta, &off, A);
  put_vech(*theta, &off, B);
  if (t) gsl_vector_set(*theta, off, 4.5);
  free_matrices(M, A, B);
  return d;
}
static void *matnorm_make(gsl_rng *r, size_t p, gsl_vector **theta) { return row_col_make(r, p, theta, 0); }
static void *matt_make(gsl_rng *r, size_t p, gsl_vector **theta) { return row_col_make(r, p, theta, 1); }
static void *matf_make(gsl_rng *r, size_t p, gsl_vector **theta)
{
  gsl_matrix *Psi = rand_spd(r, p);
  bm_matf *d = bm_matf_alloc(p);
  double nu = (double)p + 1.5;
  assert_int_equal(bm_matf_set(d, nu, 3.5, Psi), BM_SUCCESS);
  size_t off = 0;
  *theta = gsl_vector_alloc(p * (p + 1) / 2 + 2);
  put_vech(*theta, &off, Psi);
  gsl_vector_set(*theta, off, nu);
  gsl_vector_set(*theta, off + 1, 3.5);
  gsl_matrix_free(Psi);
  return d;
}

/* ---- the typed batched gradients in theta's coordinates ---------------------------- */

/* g[*off ..] <- a block of the gradient: vec G, or vech coordinates of a symmetric G */
static void put_grad(gsl_vector *g, size_t *off, const gsl_matrix *G, int sym)
{
  if (g == NULL) return;
  size_t len = sym ? G->size1 * (G->size1 + 1) / 2 : G->size1 * G->size2;
  gsl_vector_view v = gsl_vector_subvector(g, *off, len);
  if (sym) bm_vech_from_sym_grad(G, &v.vector);
  else bm_vec(G, &v.vector);
  *off += len;
}

/* the observations as rows of a matrix, for the vector families */
static gsl_matrix *as_rows(const gsl_matrix *const *X, size_t m)
{
  gsl_matrix *R = gsl_matrix_alloc(m, X[0]->size2);
  for (size_t i = 0; i < m; i++) {
    gsl_vector_const_view v = ROW(X[i]);
    gsl_matrix_set_row(R, i, &v.vector);
  }
  return R;
}

/* g NULL: every output NULL (the typed calls skip them) */
static int mean_scale_lg(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *g, int t)
{
  size_t p = X[0]->size2, off = p;
  gsl_matrix *R = as_rows(X, m), *dS = g ? gsl_matrix_alloc(p, p) : NULL;
  gsl_vector *dmu = g ? gsl_vector_alloc(p) : NULL;
  double dnu;
  int st = t ? bm_mvt_loglik_grad(d, R, ll, dmu, dS, g ? &dnu : NULL) : bm_mvn_loglik_grad(d, R, ll, dmu, dS);
  if (g) {
    gsl_vector_view v = gsl_vector_subvector(g, 0, p);
    gsl_vector_memcpy(&v.vector, dmu);
    put_grad(g, &off, dS, 1);
    if (t) gsl_vector_set(g, off, dnu);
  }
  gsl_matrix_free(R);
  if (dS) gsl_matrix_free(dS);
  if (dmu) gsl_vector_free(dmu);
  return st;
}
static int nu_scale_lg(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *g, int inverse)
{
  size_t p = X[0]->size1, off = 0;
  gsl_matrix *dS = g ? gsl_matrix_alloc(p, p) : NULL;
  double dnu, *pnu = g ? &dnu : NULL;
  int st = inverse ? bm_invwishart_loglik_grad(d, X, m, ll, dS, pnu) : bm_wishart_loglik_grad(d, X, m, ll, dS, pnu);
  put_grad(g, &off, dS, 1);
  if (g) gsl_vector_set(g, off, dnu);
  if (dS) gsl_matrix_free(dS);
  return st;
}
static int row_col_lg(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *g, int t)
{
  size_t n = X[0]->size1, q = X[0]->size2, off = 0;
  gsl_matrix *dM = NULL, *dA = NULL, *dB = NULL;
  double dnu, *pnu = g ? &dnu : NULL;
  if (g) {
    dM = gsl_matrix_alloc(n, q);
    dA = gsl_matrix_alloc(n, n);
    dB = gsl_matrix_alloc(q, q);
  }
  int st = t ? bm_matt_loglik_grad(d, X, m, ll, dM, dA, dB, pnu) : bm_matnorm_loglik_grad(d, X, m, ll, dM, dA, dB);
  if (g) {
    put_grad(g, &off, dM, 0);
    put_grad(g, &off, dA, 1);
    put_grad(g, &off, dB, 1);
    if (t) gsl_vector_set(g, off, dnu);
    free_matrices(dM, dA, dB);
  }
  return st;
}
/* each family's batched gradient: its kind's, with the flag (t / inverse) of the family */
#define KIND_LG(F, KIND, FLAG)                                                                                       \
  static int F##_lg(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *g)                  \
  {                                                                                                                  \
    return KIND##_lg(d, X, m, ll, g, FLAG);                                                                          \
  }
KIND_LG(mvn, mean_scale, 0)
KIND_LG(mvt, mean_scale, 1)
KIND_LG(wishart, nu_scale, 0)
KIND_LG(invwishart, nu_scale, 1)
KIND_LG(matnorm, row_col, 0)
KIND_LG(matt, row_col, 1)
static int matf_lg(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *g)
{
  size_t p = X[0]->size1, off = 0;
  gsl_matrix *dP = g ? gsl_matrix_alloc(p, p) : NULL;
  double dnu, ddelta;
  int st = bm_matf_loglik_grad(d, X, m, ll, dP, g ? &dnu : NULL, g ? &ddelta : NULL);
  if (g) {
    put_grad(g, &off, dP, 1);
    gsl_vector_set(g, off, dnu);
    gsl_vector_set(g, off + 1, ddelta);
    gsl_matrix_free(dP);
  }
  return st;
}

static const typed_family typed[NFAM] = {
  TYPED_ENTRY(mvn, 1, 3, 0, 1),     TYPED_ENTRY(mvt, 1, 3, 0, 1),  TYPED_ENTRY(wishart, 3, 3, 1, 1),
  TYPED_ENTRY(invwishart, 3, 3, 1, 1), TYPED_ENTRY(matnorm, 3, 4, 0, 0), TYPED_ENTRY(matt, 3, 4, 0, 0),
  TYPED_ENTRY(matf, 3, 3, 1, 1),
};

/* ---- exact comparison ------------------------------------------------------------ */

static int same(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static void assert_same_m(const gsl_matrix *A, const gsl_matrix *B, const char *what, const char *fam)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++)
      if (!same(gsl_matrix_get(A, i, j), gsl_matrix_get(B, i, j)))
        fail_msg("%s %s[%zu,%zu]: %.17g vs %.17g", fam, what, i, j, gsl_matrix_get(A, i, j), gsl_matrix_get(B, i, j));
}
static void assert_same_v(const gsl_vector *a, const gsl_vector *b, const char *what, const char *fam)
{
  for (size_t i = 0; i < a->size; i++)
    if (!same(gsl_vector_get(a, i), gsl_vector_get(b, i)))
      fail_msg("%s %s[%zu]: %.17g vs %.17g", fam, what, i, gsl_vector_get(a, i), gsl_vector_get(b, i));
}
/* Size of the variate Hessian of a family. */
static size_t hess_x_dim(const typed_family *f)
{
  return f->spd ? f->rows * (f->rows + 1) / 2 : f->rows * f->cols;
}

/* A set pair: the typed object and a bm_dist set from the hand-packed theta. */
typedef struct {
  const typed_family *f;
  const bm_family_type *T;
  void *typed;
  bm_dist *d;
  gsl_vector *theta;
  size_t m;          /* nparams */
  size_t rows, cols; /* the variate */
} pair;

static pair pair_make_p(const typed_family *f, size_t p, unsigned long seed)
{
  pair P;
  gsl_rng *r = tu_rng(seed);
  P.f = f;
  P.T = bm_family_find(f->name);
  assert_non_null(P.T);
  P.typed = f->make(r, p, &P.theta);
  P.rows = rows_of(f->name, p);
  P.cols = cols_of(f->name, p);
  P.d = bm_dist_alloc(P.T, P.rows, P.cols);
  assert_non_null(P.d);
  assert_int_equal(bm_dist_set_theta(P.d, P.theta), BM_SUCCESS);
  P.m = P.theta->size;
  gsl_rng_free(r);
  return P;
}

static pair pair_make(const typed_family *f, unsigned long seed) { return pair_make_p(f, 3, seed); }

static void pair_free(pair *P)
{
  P->f->destroy(P->typed);
  bm_dist_free(P->d);
  gsl_vector_free(P->theta);
}

/* ---- the registry ----------------------------------------------------------------- */

static void registry_lists_the_seven_families(void **state)
{
  (void)state;
  const bm_family_type *const *L = bm_family_list();
  size_t k = 0;
  for (; L[k]; k++) {
    assert_true(k < NFAM);
    assert_string_equal(bm_family_name(L[k]), typed[k].name);
    assert_ptr_equal(bm_family_find(typed[k].name), L[k]);
    /* the blocks add up to nparams */
    bm_dist *d = bm_dist_alloc(L[k], typed[k].rows, typed[k].cols);
    size_t sum = 0;
    for (size_t b = 0; b < L[k]->nblocks; b++) sum += bm_theta_block_len(&L[k]->blocks[b], typed[k].rows, typed[k].cols);
    assert_int_equal(sum, bm_dist_nparams(d));
    size_t rows, cols;
    bm_dist_shape(d, &rows, &cols);
    assert_int_equal(rows, typed[k].rows);
    assert_int_equal(cols, typed[k].cols);
    assert_ptr_equal(bm_dist_type(d), L[k]);
    bm_dist_free(d);
    /* shapes the family cannot have */
    assert_null(bm_dist_alloc(L[k], 0, typed[k].cols));
    if (typed[k].rows == 1 || typed[k].spd) assert_null(bm_dist_alloc(L[k], 2, 5));
  }
  assert_int_equal(k, NFAM);
  assert_ptr_equal(&bm_family_mvn, bm_family_find("mvn"));
  assert_ptr_equal(&bm_family_matf, bm_family_find("matf"));
  assert_null(bm_family_find("gamma"));
  assert_null(bm_family_find(NULL));
  assert_null(bm_family_name(NULL));
  assert_null(bm_dist_alloc(NULL, 1, 1));
  assert_null(bm_dist_type(NULL));
  assert_int_equal(bm_dist_nparams(NULL), 0);
  assert_int_equal(bm_theta_block_len(NULL, 2, 2), 0);
  bm_dist_free(NULL);
}

/* ---- bit-identity with the typed calls -------------------------------------------- */

static void handle_is_bit_identical_to_typed_calls(void **state)
{
  (void)state;
  for (size_t k = 0; k < NFAM; k++) {
    pair P = pair_make(&typed[k], 100 + k);
    const typed_family *f = P.f;
    size_t m = P.m, h = hess_x_dim(f), N = 5;
    assert_int_equal(bm_dist_nparams(P.d), f->nparams(P.typed));
    gsl_matrix *x1 = gsl_matrix_alloc(f->rows, f->cols), *x2 = gsl_matrix_alloc(f->rows, f->cols);
    gsl_matrix *H1 = gsl_matrix_alloc(m, m), *H2 = gsl_matrix_alloc(m, m);
    gsl_matrix *Hx1 = gsl_matrix_alloc(h, h), *Hx2 = gsl_matrix_alloc(h, h);
    gsl_vector *s1 = gsl_vector_alloc(m), *s2 = gsl_vector_alloc(m);
    gsl_rng *r1 = tu_rng(7 + k), *r2 = tu_rng(7 + k);
    /* sample from the same stream */
    assert_int_equal(f->sample(P.typed, r1, x1), BM_SUCCESS);
    assert_int_equal(bm_dist_sample(P.d, r2, x2), BM_SUCCESS);
    assert_same_m(x1, x2, "sample", f->name);
    double lp1, lp2;
    assert_int_equal(f->logpdf(P.typed, x1, &lp1), BM_SUCCESS);
    assert_int_equal(bm_dist_logpdf(P.d, x1, &lp2), BM_SUCCESS);
    if (!same(lp1, lp2)) fail_msg("%s logpdf %.17g vs %.17g", f->name, lp1, lp2);
    assert_int_equal(f->score(P.typed, x1, s1), BM_SUCCESS);
    assert_int_equal(bm_dist_score(P.d, x1, s2), BM_SUCCESS);
    assert_same_v(s1, s2, "score", f->name);
    assert_int_equal(f->hess(P.typed, x1, H1), BM_SUCCESS);
    assert_int_equal(bm_dist_hess(P.d, x1, H2), BM_SUCCESS);
    assert_same_m(H1, H2, "hess", f->name);
    assert_int_equal(f->hess_x(P.typed, x1, Hx1), BM_SUCCESS);
    assert_int_equal(bm_dist_hess_x(P.d, x1, Hx2), BM_SUCCESS);
    assert_same_m(Hx1, Hx2, "hess_x", f->name);
    assert_int_equal(f->fisher(P.typed, H1), BM_SUCCESS);
    assert_int_equal(bm_dist_fisher(P.d, H2), BM_SUCCESS);
    assert_same_m(H1, H2, "fisher", f->name);
    assert_int_equal(f->mean(P.typed, x1), BM_SUCCESS);
    assert_int_equal(bm_dist_mean(P.d, x2), BM_SUCCESS);
    assert_same_m(x1, x2, "mean", f->name);
    /* get_theta: the same vector both ways, and the theta set (to round-off) */
    assert_int_equal(f->get_theta(P.typed, s1), BM_SUCCESS);
    assert_int_equal(bm_dist_get_theta(P.d, s2), BM_SUCCESS);
    assert_same_v(s1, s2, "get_theta", f->name);
    tu_assert_vector_close(s1, P.theta, 1e-13, 1e-14);
    /* Jeffreys: full theta (BM_ESING for matnorm/matt) and the first block */
    double j1, j2;
    size_t idx[2] = {0, 1};
    int st1 = f->jeffreys(P.typed, NULL, 0, &j1), st2 = bm_dist_jeffreys(P.d, NULL, 0, &j2);
    assert_int_equal(st1, f->identifiable ? BM_SUCCESS : BM_ESING);
    assert_int_equal(st2, st1);
    if (!same(j1, j2)) fail_msg("%s jeffreys %.17g vs %.17g", f->name, j1, j2);
    assert_int_equal(f->jeffreys(P.typed, idx, 2, &j1), BM_SUCCESS);
    assert_int_equal(bm_dist_jeffreys(P.d, idx, 2, &j2), BM_SUCCESS);
    if (!same(j1, j2)) fail_msg("%s jeffreys block %.17g vs %.17g", f->name, j1, j2);
    /* loglik: N observations as vec rows vs the typed batch */
    gsl_matrix *Xs[5], *R = gsl_matrix_alloc(N, f->rows * f->cols);
    gsl_vector *e1 = gsl_vector_alloc(N), *e2 = gsl_vector_alloc(N);
    for (size_t i = 0; i < N; i++) {
      Xs[i] = gsl_matrix_alloc(f->rows, f->cols);
      f->sample(P.typed, r1, Xs[i]);
      for (size_t c = 0; c < f->cols; c++)
        for (size_t rr = 0; rr < f->rows; rr++) gsl_matrix_set(R, i, c * f->rows + rr, gsl_matrix_get(Xs[i], rr, c));
    }
    double ll1, ll2;
    assert_int_equal(f->loglik(P.typed, (const gsl_matrix *const *)Xs, N, &ll1, e1), BM_SUCCESS);
    assert_int_equal(bm_dist_loglik(P.d, R, &ll2, e2), BM_SUCCESS);
    if (!same(ll1, ll2)) fail_msg("%s loglik %.17g vs %.17g", f->name, ll1, ll2);
    assert_same_v(e1, e2, "loglik each", f->name);
    /* a typed object viewed as a bm_dist: the same again */
    bm_dist view = {P.T, P.typed};
    assert_int_equal(bm_dist_loglik(&view, R, &ll2, NULL), BM_SUCCESS);
    if (!same(ll1, ll2)) fail_msg("%s view loglik %.17g vs %.17g", f->name, ll1, ll2);
    for (size_t i = 0; i < N; i++) gsl_matrix_free(Xs[i]);
    gsl_matrix_free(R);
    gsl_vector_free(e1);
    gsl_vector_free(e2);
    free_matrices(x1, x2, H1, H2, Hx1, Hx2);
    gsl_vector_free(s1);
    gsl_vector_free(s2);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    pair_free(&P);
  }
}

/* ---- statuses every family shares --------------------------------------------------- */

static void never_set_object_fails_with_nan(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(3);
  for (size_t k = 0; k < NFAM; k++) {
    const typed_family *f = &typed[k];
    bm_dist *d = bm_dist_alloc(bm_family_find(f->name), f->rows, f->cols);
    size_t m = bm_dist_nparams(d), h = hess_x_dim(f);
    gsl_matrix *x = gsl_matrix_alloc(f->rows, f->cols), *H = gsl_matrix_alloc(m, m), *Hx = gsl_matrix_alloc(h, h);
    gsl_vector *s = gsl_vector_alloc(m);
    double lp = 0;
    gsl_matrix_set_identity(x);
    assert_int_equal(bm_dist_logpdf(d, x, &lp), BM_EINVAL);
    assert_true(isnan(lp));
    assert_int_equal(bm_dist_score(d, x, s), BM_EINVAL);
    assert_true(tu_all_nan_v(s));
    assert_int_equal(bm_dist_hess(d, x, H), BM_EINVAL);
    assert_int_equal(bm_dist_hess_x(d, x, Hx), BM_EINVAL);
    assert_int_equal(bm_dist_fisher(d, H), BM_EINVAL);
    assert_true(tu_all_nan_m(H));
    assert_int_equal(bm_dist_get_theta(d, s), BM_EINVAL);
    assert_true(tu_all_nan_v(s));
    assert_int_equal(bm_dist_jeffreys(d, NULL, 0, &lp), BM_EINVAL);
    assert_true(isnan(lp));
    assert_int_equal(bm_dist_sample(d, r, x), BM_EINVAL);
    assert_true(tu_all_nan_m(x));
    assert_int_equal(bm_dist_mean(d, x), BM_EINVAL);
    /* and through the NULL handle */
    assert_int_equal(bm_dist_logpdf(NULL, x, &lp), BM_EINVAL);
    assert_int_equal(bm_dist_set_theta(NULL, s), BM_EINVAL);
    assert_int_equal(bm_dist_loglik(NULL, x, &lp, NULL), BM_EINVAL);
    assert_int_equal(bm_dist_jeffreys(NULL, NULL, 0, &lp), BM_EINVAL);
    free_matrices(x, H, Hx);
    gsl_vector_free(s);
    bm_dist_free(d);
  }
  gsl_rng_free(r);
}

static void bad_arguments_and_shapes_return_status(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(5);
  for (size_t k = 0; k < NFAM; k++) {
    pair P = pair_make(&typed[k], 200 + k);
    const typed_family *f = P.f;
    size_t m = P.m, h = hess_x_dim(f);
    gsl_matrix *x = gsl_matrix_alloc(f->rows, f->cols), *W = gsl_matrix_alloc(f->rows + 1, f->cols + 1);
    gsl_matrix *H = gsl_matrix_alloc(m, m), *Hx = gsl_matrix_alloc(h, h), *Hbad = gsl_matrix_alloc(m + 1, m + 1);
    gsl_vector *s = gsl_vector_alloc(m), *s_bad = gsl_vector_alloc(m - 1);
    double lp, lp0;
    assert_int_equal(bm_dist_mean(P.d, x), BM_SUCCESS); /* a point in the support */
    assert_int_equal(bm_dist_logpdf(P.d, x, &lp0), BM_SUCCESS);
    /* NULL arguments */
    assert_int_equal(bm_dist_logpdf(P.d, x, NULL), BM_EINVAL);
    assert_int_equal(bm_dist_logpdf(P.d, NULL, &lp), BM_EINVAL);
    assert_int_equal(bm_dist_score(P.d, NULL, s), BM_EINVAL);
    assert_int_equal(bm_dist_hess(P.d, NULL, H), BM_EINVAL);
    assert_int_equal(bm_dist_hess_x(P.d, NULL, Hx), BM_EINVAL);
    assert_int_equal(bm_dist_fisher(P.d, NULL), BM_EINVAL);
    assert_int_equal(bm_dist_mean(P.d, NULL), BM_EINVAL);
    assert_int_equal(bm_dist_sample(P.d, NULL, x), BM_EINVAL);
    assert_true(tu_all_nan_m(x));
    assert_int_equal(bm_dist_loglik(P.d, x, NULL, NULL), BM_EINVAL);
    /* wrong shapes */
    assert_int_equal(bm_dist_logpdf(P.d, W, &lp), BM_EBADLEN);
    assert_true(isnan(lp));
    assert_int_equal(bm_dist_mean(P.d, x), BM_SUCCESS);
    assert_int_equal(bm_dist_score(P.d, x, s_bad), BM_EBADLEN);
    assert_int_equal(bm_dist_hess(P.d, x, Hbad), BM_EBADLEN);
    assert_int_equal(bm_dist_hess_x(P.d, x, Hbad), BM_EBADLEN);
    assert_int_equal(bm_dist_fisher(P.d, Hbad), BM_EBADLEN);
    assert_int_equal(bm_dist_get_theta(P.d, s_bad), BM_EBADLEN);
    assert_int_equal(bm_dist_sample(P.d, r, W), BM_EBADLEN);
    assert_int_equal(bm_dist_mean(P.d, W), BM_EBADLEN);
    assert_int_equal(bm_dist_loglik(P.d, W, &lp, NULL), BM_EBADLEN);
    /* rejected theta: NULL, length, NaN, a scale not SPD; the object keeps its parameters */
    assert_int_equal(bm_dist_set_theta(P.d, NULL), BM_EINVAL);
    assert_int_equal(bm_dist_set_theta(P.d, s_bad), BM_EBADLEN);
    gsl_vector_memcpy(s, P.theta);
    gsl_vector_set(s, m - 1, NAN);
    assert_int_equal(bm_dist_set_theta(P.d, s), BM_ENONFINITE);
    gsl_vector_memcpy(s, P.theta);
    const bm_theta_block *B = P.T->blocks;
    size_t off = 0, b = 0;
    while (B[b].kind != BM_BLOCK_VECH) off += bm_theta_block_len(&B[b++], f->rows, f->cols);
    gsl_vector_set(s, off, -1.0); /* first diagonal entry of the first scale */
    assert_int_equal(bm_dist_set_theta(P.d, s), BM_ENOTSPD);
    if (B[P.T->nblocks - 1].kind == BM_BLOCK_SCALAR) { /* nu (or delta) last: domain, infinity */
      gsl_vector_memcpy(s, P.theta);
      gsl_vector_set(s, m - 1, -1.0);
      assert_int_equal(bm_dist_set_theta(P.d, s), BM_EDOM);
      gsl_vector_set(s, m - 1, INFINITY);
      assert_int_equal(bm_dist_set_theta(P.d, s), BM_ENONFINITE);
    }
    assert_int_equal(bm_dist_mean(P.d, x), BM_SUCCESS);
    assert_int_equal(bm_dist_logpdf(P.d, x, &lp), BM_SUCCESS);
    assert_true(lp == lp0);
    if (f->spd) { /* symmetric, not positive definite: outside the support */
      gsl_matrix_set(x, 1, 1, -0.5);
      assert_int_equal(bm_dist_logpdf(P.d, x, &lp), BM_EDOM);
      assert_true(lp == -INFINITY);
      assert_int_equal(bm_dist_score(P.d, x, s), BM_EDOM);
      assert_true(tu_all_nan_v(s));
      assert_int_equal(bm_dist_hess(P.d, x, H), BM_EDOM);
      assert_true(tu_all_nan_m(H));
      assert_int_equal(bm_dist_hess_x(P.d, x, Hx), BM_EDOM);
      assert_true(tu_all_nan_m(Hx));
    }
    free_matrices(x, W, H, Hx, Hbad);
    gsl_vector_free(s);
    gsl_vector_free(s_bad);
    pair_free(&P);
  }
  gsl_rng_free(r);
}

/* ---- loglik, views, Fisher ------------------------------------------------------------ */

/* loglik (through the handle) is the sum of the single log-densities, the
 * typed batched gradient the sum of the scores; m = 0 is an empty sum; an
 * SPD family's batch with one non-SPD observation is BM_EDOM with
 * ll = -INFINITY and a NaN gradient */
static void loglik_is_sum_of_singles(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(41);
  const size_t N = 7, vector_dims[] = {1, 4, 30}, matrix_dims[] = {1, 4, 5};
  for (size_t k = 0; k < NFAM; k++)
    for (size_t t = 0; t < 3; t++) {
      const size_t *dims = typed[k].rows == 1 ? vector_dims : matrix_dims;
      pair P = pair_make_p(&typed[k], dims[t], 300 + 10 * k + t);
      const typed_family *f = P.f;
      size_t len = P.rows * P.cols;
      gsl_matrix *X = gsl_matrix_alloc(N, len), *Xs[7];
      gsl_vector *each = gsl_vector_alloc(N), *each_ref = gsl_vector_alloc(N), *short_each = gsl_vector_alloc(N - 1);
      gsl_vector *g = gsl_vector_alloc(P.m), *gsum = gsl_vector_calloc(P.m), *s = gsl_vector_alloc(P.m);
      double sum = 0, ll, ll2;
      for (size_t i = 0; i < N; i++) {
        double lp;
        Xs[i] = gsl_matrix_alloc(P.rows, P.cols);
        assert_int_equal(bm_dist_sample(P.d, r, Xs[i]), BM_SUCCESS);
        assert_int_equal(bm_dist_logpdf(P.d, Xs[i], &lp), BM_SUCCESS);
        assert_int_equal(bm_dist_score(P.d, Xs[i], s), BM_SUCCESS);
        gsl_vector_add(gsum, s);
        gsl_vector_set(each_ref, i, lp);
        sum += lp;
        for (size_t c = 0; c < P.cols; c++)
          for (size_t rr = 0; rr < P.rows; rr++) gsl_matrix_set(X, i, c * P.rows + rr, gsl_matrix_get(Xs[i], rr, c));
      }
      const gsl_matrix *const *batch = (const gsl_matrix *const *)Xs;
      assert_int_equal(bm_dist_loglik(P.d, X, &ll, each), BM_SUCCESS);
      tu_assert_rel(ll, sum, 1e-12);
      tu_assert_vector_close(each, each_ref, 1e-12, 0);
      assert_int_equal(bm_dist_loglik(P.d, X, &ll, short_each), BM_EBADLEN);
      assert_int_equal(f->loglik_grad(P.typed, batch, N, &ll2, g), BM_SUCCESS);
      tu_assert_rel(ll2, sum, 1e-12);
      tu_assert_vector_close(g, gsum, 1e-9, 1e-10 * (gsl_vector_max(gsum) - gsl_vector_min(gsum) + 1.0));
      if (strcmp(f->name, "matnorm") && strcmp(f->name, "matt")) { /* ll may be NULL (matnorm, matt: required) */
        assert_int_equal(f->loglik_grad(P.typed, batch, N, NULL, g), BM_SUCCESS);
        tu_assert_vector_close(g, gsum, 1e-9, 1e-10 * (gsl_vector_max(gsum) - gsl_vector_min(gsum) + 1.0));
      }
      if (f->rows > 1) { /* an empty array batch: 0 for wishart/invwishart, BM_EINVAL for the others */
        int empty_ok = !strcmp(f->name, "wishart") || !strcmp(f->name, "invwishart");
        int st0 = f->loglik(P.typed, NULL, 0, &ll, NULL);
        if (empty_ok ? st0 || ll != 0.0 : st0 != BM_EINVAL)
          fail_msg("%s: empty batch status %d, ll %g", f->name, st0, ll);
      }
      if (f->spd) {
        gsl_matrix_set(X, 3, 0, -1.0);
        gsl_matrix_set(Xs[3], 0, 0, -1.0);
        assert_int_equal(bm_dist_loglik(P.d, X, &ll, each), BM_EDOM);
        assert_true(ll == -INFINITY && !(gsl_vector_get(each, 3) > -INFINITY));
        /* each: matf keeps the other terms, wishart and invwishart NaN-fill it */
        if (!strcmp(f->name, "matf")) assert_true(isfinite(gsl_vector_get(each, 2)));
        else assert_true(tu_all_nan_v(each));
        assert_int_equal(bm_dist_logpdf(P.d, Xs[3], &ll), BM_EDOM);
        assert_true(ll == -INFINITY);
        assert_int_equal(f->loglik_grad(P.typed, batch, N, &ll, g), BM_EDOM);
        assert_true(tu_all_nan_v(g));
      }
      for (size_t i = 0; i < N; i++) gsl_matrix_free(Xs[i]);
      gsl_matrix_free(X);
      free_vectors(each, each_ref, short_each, g, gsum, s);
      pair_free(&P);
    }
  gsl_rng_free(r);
}

/* gsl_matrix views (tda > cols) give the contiguous results exactly, and the
 * typed batched gradient of a one-view batch is the score; for wishart and
 * invwishart also at p = 40 and 70 (their heap-scratch paths) */
static void views_give_contiguous_results(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(61);
  const size_t dims[] = {3, 40, 70};
  for (size_t k = 0; k < NFAM; k++) {
    int large = !strcmp(typed[k].name, "wishart") || !strcmp(typed[k].name, "invwishart");
    for (size_t t = 0; t < (large ? 3u : 1u); t++) {
      pair P = pair_make_p(&typed[k], dims[t], 400 + 10 * k + t);
      gsl_matrix *x = gsl_matrix_alloc(P.rows, P.cols), *big = gsl_matrix_alloc(P.rows + 2, P.cols + 5);
      gsl_vector *s1 = gsl_vector_alloc(P.m), *s2 = gsl_vector_alloc(P.m);
      gsl_matrix_set_all(big, NAN);
      assert_int_equal(bm_dist_sample(P.d, r, x), BM_SUCCESS);
      gsl_matrix_view v = gsl_matrix_submatrix(big, 1, 3, P.rows, P.cols);
      gsl_matrix_memcpy(&v.matrix, x);
      double lp1, lp2, ll;
      assert_int_equal(bm_dist_logpdf(P.d, x, &lp1), BM_SUCCESS);
      assert_int_equal(bm_dist_logpdf(P.d, &v.matrix, &lp2), BM_SUCCESS);
      assert_true(lp1 == lp2);
      assert_int_equal(bm_dist_score(P.d, x, s1), BM_SUCCESS);
      assert_int_equal(bm_dist_score(P.d, &v.matrix, s2), BM_SUCCESS);
      assert_same_v(s1, s2, "score on a view", P.f->name);
      const gsl_matrix *batch[1] = {&v.matrix};
      assert_int_equal(P.f->loglik_grad(P.typed, batch, 1, &ll, s2), BM_SUCCESS);
      tu_assert_rel(ll, lp1, 1e-13);
      tu_assert_vector_close(s2, s1, 1e-10, 1e-12 * (gsl_vector_max(s1) - gsl_vector_min(s1) + 1.0));
      gsl_matrix_free(x);
      gsl_matrix_free(big);
      gsl_vector_free(s1);
      gsl_vector_free(s2);
      pair_free(&P);
    }
  }
  gsl_rng_free(r);
}

static void fisher_is_symmetric_positive_definite(void **state)
{
  (void)state;
  for (size_t k = 0; k < NFAM; k++) {
    for (size_t p = 1; p <= 6; p++) {
      pair P = pair_make_p(&typed[k], p, 500 + 10 * k + p);
      size_t m = P.m;
      gsl_matrix *F = gsl_matrix_alloc(m, m), *L = gsl_matrix_alloc(m, m);
      assert_int_equal(bm_dist_fisher(P.d, F), BM_SUCCESS);
      /* exactly symmetric, except matt's and matf's, which are assembled
       * without a final symmetrisation and differ across the diagonal by ulps */
      double sym_tol = strcmp(P.f->name, "matt") && strcmp(P.f->name, "matf") ? 0.0 : 1e-13;
      for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < i; j++)
          if (fabs(gsl_matrix_get(F, i, j) - gsl_matrix_get(F, j, i)) > sym_tol * fabs(gsl_matrix_get(F, i, j)))
            fail_msg("%s F[%zu,%zu] %.17g vs %.17g", P.f->name, i, j, gsl_matrix_get(F, i, j), gsl_matrix_get(F, j, i));
      /* (matnorm and matt are singular by the scale exchange (cU, V/c): their own tests) */
      if (P.f->identifiable) assert_int_equal(bm_chol_factor(F, L, NULL), BM_SUCCESS);
      gsl_matrix_free(F);
      gsl_matrix_free(L);
      pair_free(&P);
    }
  }
}

/* ---- derivatives in theta by finite differences, through set_theta ------------------- */

typedef struct {
  bm_dist *d;
  const gsl_matrix *x;
} fd_ctx;

static int fd_logpdf(const gsl_vector *theta, void *params, double *f)
{
  fd_ctx *c = params;
  int st = bm_dist_set_theta(c->d, theta);
  return st ? st : bm_dist_logpdf(c->d, c->x, f);
}
static int fd_score(const gsl_vector *theta, void *params, gsl_vector *g)
{
  fd_ctx *c = params;
  int st = bm_dist_set_theta(c->d, theta);
  return st ? st : bm_dist_score(c->d, c->x, g);
}
static int fd_hess(const gsl_vector *theta, void *params, gsl_matrix *H)
{
  fd_ctx *c = params;
  int st = bm_dist_set_theta(c->d, theta);
  return st ? st : bm_dist_hess(c->d, c->x, H);
}

static void score_and_hess_match_fd_in_theta(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(71);
  for (size_t k = 0; k < NFAM; k++) {
    pair P = pair_make(&typed[k], 600 + k);
    gsl_matrix *x = gsl_matrix_alloc(P.f->rows, P.f->cols);
    assert_int_equal(bm_dist_sample(P.d, r, x), BM_SUCCESS);
    fd_ctx c = {P.d, x};
    bm_check_options opts = {{0, 0}, 4, 17, NULL, 1e-6};
    bm_check_result res;
    assert_int_equal(bm_check_gradient(fd_logpdf, fd_score, &c, P.theta, &opts, &res), BM_SUCCESS);
    if (!res.passed) fail_msg("%s score: worst rel err %g at %zu", P.f->name, res.worst_rel_err, res.worst_index);
    opts.tol = 1e-5;
    assert_int_equal(bm_check_hessian(fd_logpdf, fd_score, fd_hess, &c, P.theta, &opts, &res), BM_SUCCESS);
    if (!res.passed) fail_msg("%s hess: worst rel err %g at %zu", P.f->name, res.worst_rel_err, res.worst_index);
    gsl_matrix_free(x);
    pair_free(&P);
  }
  gsl_rng_free(r);
}

/* ---- a user's family: N(mu, sigma^2) on a 1 x 1 variate, log-density only ------------ */

typedef struct {
  double mu, s2;
  int set;
} toy;

static void *toy_alloc(size_t rows, size_t cols) { return rows == 1 && cols == 1 ? calloc(1, sizeof(toy)) : NULL; }
static void toy_free(void *s) { free(s); }
static void toy_shape(const void *s, size_t *rows, size_t *cols)
{
  (void)s;
  *rows = *cols = 1;
}
static size_t toy_nparams(const void *s) { return s ? 2 : 0; }
static int toy_set_theta(void *s, const gsl_vector *theta)
{
  toy *t = s;
  if (theta == NULL) return BM_EINVAL;
  if (theta->size != 2) return BM_EBADLEN;
  if (!(gsl_vector_get(theta, 1) > 0)) return BM_EDOM;
  t->mu = gsl_vector_get(theta, 0);
  t->s2 = gsl_vector_get(theta, 1);
  t->set = 1;
  return BM_SUCCESS;
}
static int toy_logpdf(const void *s, const gsl_matrix *x, double *lp)
{
  const toy *t = s;
  if (lp == NULL || x == NULL || !t->set) return BM_EINVAL;
  double z = gsl_matrix_get(x, 0, 0) - t->mu;
  *lp = -0.5 * log(2 * M_PI * t->s2) - 0.5 * z * z / t->s2;
  return BM_SUCCESS;
}
static const bm_theta_block toy_blocks[] = {{"mu", BM_BLOCK_SCALAR, BM_DIM_ONE, BM_DIM_ONE},
                                            {"sigma2", BM_BLOCK_SCALAR, BM_DIM_ONE, BM_DIM_ONE}};
static const bm_family_type toy_family = {
  .name = "toy",
  .variate = BM_VARIATE_VECTOR,
  .blocks = toy_blocks,
  .nblocks = 2,
  .alloc = toy_alloc,
  .free = toy_free,
  .shape = toy_shape,
  .nparams = toy_nparams,
  .set_theta = toy_set_theta,
  .logpdf = toy_logpdf,
};

static void user_family_without_optional_ops(void **state)
{
  (void)state;
  assert_null(bm_dist_alloc(&toy_family, 1, 2));
  bm_dist *d = bm_dist_alloc(&toy_family, 1, 1);
  assert_non_null(d);
  gsl_vector *theta = gsl_vector_alloc(2), *s = gsl_vector_alloc(2), *each = gsl_vector_alloc(3);
  gsl_matrix *x = gsl_matrix_alloc(1, 1), *H = gsl_matrix_alloc(2, 2), *X = gsl_matrix_alloc(3, 1);
  gsl_vector_set(theta, 0, 0.5);
  gsl_vector_set(theta, 1, 4.0);
  assert_int_equal(bm_dist_set_theta(d, theta), BM_SUCCESS);
  gsl_matrix_set(x, 0, 0, 1.5);
  double lp, ll;
  gsl_rng *r = tu_rng(1);
  assert_int_equal(bm_dist_logpdf(d, x, &lp), BM_SUCCESS);
  tu_assert_rel(lp, log(gsl_ran_gaussian_pdf(1.0, 2.0)), 1e-14);
  /* absent operations: BM_ENOTSUP, outputs NaN */
  assert_int_equal(bm_dist_score(d, x, s), BM_ENOTSUP);
  assert_true(tu_all_nan_v(s));
  assert_int_equal(bm_dist_hess(d, x, H), BM_ENOTSUP);
  assert_true(tu_all_nan_m(H));
  assert_int_equal(bm_dist_hess_x(d, x, H), BM_ENOTSUP);
  assert_int_equal(bm_dist_fisher(d, H), BM_ENOTSUP);
  assert_int_equal(bm_dist_jeffreys(d, NULL, 0, &lp), BM_ENOTSUP);
  assert_true(isnan(lp));
  assert_int_equal(bm_dist_sample(d, r, x), BM_ENOTSUP);
  assert_int_equal(bm_dist_mean(d, x), BM_ENOTSUP);
  assert_int_equal(bm_dist_get_theta(d, s), BM_ENOTSUP);
  assert_true(tu_all_nan_v(s));
  /* loglik by rows of logpdf */
  double sum = 0;
  for (size_t i = 0; i < 3; i++) {
    gsl_matrix_set(X, i, 0, -1.0 + (double)i);
    sum += log(gsl_ran_gaussian_pdf(-1.5 + (double)i, 2.0));
  }
  assert_int_equal(bm_dist_loglik(d, X, &ll, each), BM_SUCCESS);
  tu_assert_rel(ll, sum, 1e-14);
  tu_assert_rel(gsl_vector_get(each, 2), log(gsl_ran_gaussian_pdf(0.5, 2.0)), 1e-14);
  assert_int_equal(bm_dist_loglik(d, H, &ll, NULL), BM_EBADLEN);
  assert_true(isnan(ll));
  assert_int_equal(strcmp(bm_strerror(BM_ENOTSUP), "") != 0, 1);
  gsl_rng_free(r);
  free_vectors(theta, s, each);
  free_matrices(x, H, X);
  bm_dist_free(d);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(registry_lists_the_seven_families),
      cmocka_unit_test(handle_is_bit_identical_to_typed_calls),
      cmocka_unit_test(never_set_object_fails_with_nan),
      cmocka_unit_test(bad_arguments_and_shapes_return_status),
      cmocka_unit_test(loglik_is_sum_of_singles),
      cmocka_unit_test(views_give_contiguous_results),
      cmocka_unit_test(fisher_is_symmetric_positive_definite),
      cmocka_unit_test(score_and_hess_match_fd_in_theta),
      cmocka_unit_test(user_family_without_optional_ops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
