/* Thread safety (docs/conventions.md "Threads"): 8 pthreads share ONE set
 * object per family (and one conjugate posterior once those land) and
 * evaluate every read-only entry point on many inputs, each thread in its own
 * order; every result must be bit-identical to a single-threaded run. CI runs
 * this test again in a ThreadSanitizer build (-DBAYESMAT_TSAN=ON), which
 * reports any data race the comparison alone could miss.
 *
 * Adding a family: write make_<f>/eval_<f> (evaluate everything at input i
 * into a sink: eval_common for what every family has, then the family's own
 * entry points) and add a row to `families`.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <pthread.h>
#include <string.h>
#include "testutil.h"

#define NTHREADS 8
#define NINPUTS 47 /* prime: every per-thread stride visits every input */
#define ROUNDS 4

/* ------------------------------------------------------------ result sink */
typedef struct {
  double *v;
  size_t n, cap;
} sink;
static void put(sink *s, double x)
{
  if (s->n < s->cap) s->v[s->n] = x;
  s->n++; /* overflow is detected by the caller (n > cap) */
}
static void put_m(sink *s, const gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) put(s, gsl_matrix_get(A, i, j));
}
static void put_v(sink *s, const gsl_vector *a)
{
  for (size_t i = 0; i < a->size; i++) put(s, gsl_vector_get(a, i));
}

/* Deterministic inputs: the i-th SPD variate of dimension p. */
static void spd_input(size_t i, size_t salt, gsl_matrix *X)
{
  gsl_rng *r = tu_rng(1000 + 97 * i + salt);
  tu_random_spd(r, 50.0, 1.0 + 0.1 * (double)(i % 7), X);
  gsl_rng_free(r);
}

typedef struct {
  const char *name;
  const bm_family_type *T; /* frees the object (NULL: destroy does) */
  void *(*make)(void);
  void (*destroy)(void *);
  void (*eval)(const void *obj, size_t i, sink *out);
} family;

/* ------------------------------------------------------ every family */
#define P 4
#define Q (P * (P + 1) / 2)
#define NR 3 /* rows n of the matrix-variate families (columns: P) */

static void vec_input(size_t i, size_t salt, gsl_vector *x)
{
  gsl_rng *r = tu_rng(3000 + 31 * i + salt);
  for (size_t k = 0; k < x->size; k++) gsl_vector_set(x, k, 2.0 * gsl_rng_uniform(r) - 1.0 + (double)(i % 3));
  gsl_rng_free(r);
}
static void mat_input(size_t i, size_t salt, gsl_matrix *X)
{
  gsl_rng *r = tu_rng(4000 + 37 * i + salt);
  for (size_t a = 0; a < X->size1; a++)
    for (size_t b = 0; b < X->size2; b++) gsl_matrix_set(X, a, b, 2.0 * gsl_rng_uniform(r) - 1.0);
  gsl_rng_free(r);
}

/* The entry points every family has, through its descriptor (each operation
 * passes straight to bm_F_logpdf, bm_F_score, ...): at the variate X (1 x p
 * for a vector family), the mean, a draw from r, and the log-likelihood of
 * the batch B (one observation's vec a row). log f's status and value come
 * first (the reference run checks them). */
static void eval_common(const bm_family_type *T, const void *d, const gsl_matrix *X, const gsl_matrix *B, gsl_rng *r,
                        sink *o)
{
  size_t rows = X->size1, cols = X->size2, m = T->nparams(d);
  size_t k = T->variate == BM_VARIATE_SPD ? cols * (cols + 1) / 2 : rows * cols;
  gsl_matrix *H = gsl_matrix_alloc(m, m), *Hx = gsl_matrix_alloc(k, k), *Y = gsl_matrix_alloc(rows, cols);
  gsl_vector *s = gsl_vector_alloc(m), *each = gsl_vector_alloc(B->size1);
  double lp;
  put(o, T->logpdf(d, X, &lp)); put(o, lp);
  put(o, T->score(d, X, s)); put_v(o, s);
  put(o, T->hess(d, X, H)); put_m(o, H);
  put(o, T->hess_x(d, X, Hx)); put_m(o, Hx);
  put(o, T->fisher(d, H)); put_m(o, H);
  put(o, T->mean(d, Y)); put_m(o, Y);
  put(o, T->sample(d, r, Y)); put_m(o, Y);
  put(o, T->loglik(d, B, &lp, each)); put(o, lp); put_v(o, each);
  free_matrices(H, Hx, Y);
  free_vectors(s, each);
}

/* eval_common for a matrix variate X and the batch {X, X2} */
static void eval_common2(const bm_family_type *T, const void *d, const gsl_matrix *X, const gsl_matrix *X2, gsl_rng *r,
                         sink *o)
{
  size_t len = X->size1 * X->size2;
  gsl_matrix *B = gsl_matrix_alloc(2, len);
  gsl_vector_view b0 = gsl_matrix_row(B, 0), b1 = gsl_matrix_row(B, 1);
  bm_vec(X, &b0.vector);
  bm_vec(X2, &b1.vector);
  eval_common(T, d, X, B, r, o);
  gsl_matrix_free(B);
}

/* ------------------------------------------------------------------ matf */
static void *make_matf(void)
{
  bm_matf *d = bm_matf_alloc(P);
  gsl_matrix *Psi = gsl_matrix_alloc(P, P);
  spd_input(0, 7, Psi);
  assert_int_equal(bm_matf_set(d, P + 1.5, 4.25, Psi), BM_SUCCESS);
  gsl_matrix_free(Psi);
  return d;
}
static void eval_matf(const void *obj, size_t i, sink *o)
{
  const bm_matf *d = obj;
  gsl_matrix *X = gsl_matrix_alloc(P, P), *X2 = gsl_matrix_alloc(P, P), *G1 = gsl_matrix_alloc(P, P),
             *G2 = gsl_matrix_alloc(P, P), *H = gsl_matrix_alloc(Q + 2, Q + 2);
  gsl_rng *r = tu_rng(5000 + i);
  spd_input(i, 0, X);
  spd_input(i, 1, X2);
  eval_common2(&bm_family_matf, d, X, X2, r, o);
  double lp, a, b;
  put(o, bm_matf_grad(d, X, G1, G2, &a, &b)); put_m(o, G1); put_m(o, G2); put(o, a); put(o, b);
  put(o, bm_matf_fisher_literature(d, H)); put_m(o, H);
  const gsl_matrix *batch[2] = {X, X2};
  put(o, bm_matf_loglik_grad(d, batch, 2, &lp, G2, &a, &b)); put(o, lp); put_m(o, G2); put(o, a); put(o, b);
  gsl_matrix_set(X2, 0, 0, -1.0); /* outside the support: status and -inf must be reproducible too */
  put(o, bm_matf_logpdf(d, X2, &lp)); put(o, lp);
  free_matrices(X, X2, G1, G2, H);
  gsl_rng_free(r);
}

/* ------------------------------------------ wishart, invwishart (nu, scale) */
#define NUSCALE(FAM, NU)                                                                                             \
  static void *make_##FAM(void)                                                                                      \
  {                                                                                                                  \
    bm_##FAM *d = bm_##FAM##_alloc(P);                                                                               \
    gsl_matrix *S = gsl_matrix_alloc(P, P);                                                                          \
    spd_input(0, 11, S);                                                                                             \
    assert_int_equal(bm_##FAM##_set(d, NU, S), BM_SUCCESS);                                                          \
    gsl_matrix_free(S);                                                                                              \
    return d;                                                                                                        \
  }                                                                                                                  \
  static void eval_##FAM(const void *obj, size_t i, sink *o)                                                         \
  {                                                                                                                  \
    const bm_##FAM *d = obj;                                                                                         \
    gsl_matrix *X = gsl_matrix_alloc(P, P), *X2 = gsl_matrix_alloc(P, P), *G1 = gsl_matrix_alloc(P, P),              \
               *G2 = gsl_matrix_alloc(P, P);                                                                         \
    gsl_rng *r = tu_rng(6000 + i);                                                                                   \
    spd_input(i, 2, X);                                                                                              \
    spd_input(i, 3, X2);                                                                                             \
    eval_common2(&bm_family_##FAM, d, X, X2, r, o);                                                                  \
    double lp, a;                                                                                                    \
    put(o, bm_##FAM##_logpdf_grad(d, X, &lp, G1, G2, &a)); put(o, lp); put_m(o, G1); put_m(o, G2); put(o, a);        \
    put(o, bm_##FAM##_grad(d, X, G1, G2, &a)); put_m(o, G1); put_m(o, G2); put(o, a);                                \
    const gsl_matrix *batch[2] = {X, X2};                                                                            \
    put(o, bm_##FAM##_loglik_grad(d, batch, 2, &lp, G2, &a)); put(o, lp); put_m(o, G2); put(o, a);                   \
    gsl_matrix_set(X2, 0, 0, -1.0);                                                                                  \
    put(o, bm_##FAM##_logpdf(d, X2, &lp)); put(o, lp);                                                               \
    free_matrices(X, X2, G1, G2);                                                                                        \
    gsl_rng_free(r);                                                                                                 \
  }
NUSCALE(wishart, P + 2.5)
NUSCALE(invwishart, P + 3.5)

/* ------------------------------------------------------------ mvn, mvt */
#define ARGS_(...) __VA_ARGS__
/* FAM's object at ([NU,] mu, Sigma) from inputs salted SALT (NU: the
 * parenthesized leading arguments of _set, () for mvn) */
#define VECMAKE(FAM, NU, SALT)                                                                                       \
  static void *make_##FAM(void)                                                                                      \
  {                                                                                                                  \
    bm_##FAM *d = bm_##FAM##_alloc(P);                                                                               \
    gsl_matrix *S = gsl_matrix_alloc(P, P);                                                                          \
    gsl_vector *mu = gsl_vector_alloc(P);                                                                            \
    spd_input(0, SALT, S);                                                                                           \
    vec_input(0, SALT, mu);                                                                                          \
    assert_int_equal(bm_##FAM##_set(d, ARGS_ NU mu, S), BM_SUCCESS);                                                 \
    gsl_matrix_free(S);                                                                                              \
    gsl_vector_free(mu);                                                                                             \
    return d;                                                                                                        \
  }
VECMAKE(mvn, (), 13)
VECMAKE(mvt, (5.5, ), 17)

static void eval_mvn(const void *obj, size_t i, sink *o)
{
  const bm_mvn *d = obj;
  gsl_vector *g1 = gsl_vector_alloc(P), *g2 = gsl_vector_alloc(P);
  gsl_matrix *X = gsl_matrix_alloc(1, P), *G = gsl_matrix_alloc(P, P), *G2 = gsl_matrix_alloc(P, P),
             *Xb = gsl_matrix_alloc(3, P);
  gsl_vector_view xv = gsl_matrix_row(X, 0);
  const gsl_vector *x = &xv.vector;
  gsl_rng *r = tu_rng(7000 + i);
  vec_input(i, 0, &xv.vector);
  mat_input(i, 1, Xb);
  eval_common(&bm_family_mvn, d, X, Xb, r, o);
  double lp, h;
  put(o, bm_mvn_grad(d, x, g1, g2, G)); put_v(o, g1); put_v(o, g2); put_m(o, G);
  put(o, bm_mvn_grad_precision(d, x, G)); put_m(o, G);
  put(o, bm_mvn_grad_chol(d, x, G)); put_m(o, G);
  put(o, bm_mvn_grad_sigma_to_precision(d, G, G2)); put_m(o, G2);
  put(o, bm_mvn_cov(d, G)); put_m(o, G);
  put(o, bm_mvn_loglik_grad(d, Xb, &lp, g2, G)); put(o, lp); put_v(o, g2); put_m(o, G);
  put(o, bm_mvn_entropy(d, &h)); put(o, h);
  put(o, bm_mvn_kl(d, d, &h)); put(o, h);
  free_matrices(X, G, G2, Xb);
  free_vectors(g1, g2);
  gsl_rng_free(r);
}

static void eval_mvt(const void *obj, size_t i, sink *o)
{
  const bm_mvt *d = obj;
  gsl_vector *g = gsl_vector_alloc(P), *dmu = gsl_vector_alloc(P);
  gsl_matrix *X = gsl_matrix_alloc(1, P), *G = gsl_matrix_alloc(P, P), *Xb = gsl_matrix_alloc(3, P);
  gsl_vector_view xv = gsl_matrix_row(X, 0);
  gsl_rng *r = tu_rng(8000 + i);
  vec_input(i, 2, &xv.vector);
  mat_input(i, 3, Xb);
  eval_common(&bm_family_mvt, d, X, Xb, r, o);
  double lp, a;
  put(o, bm_mvt_grad(d, &xv.vector, g, dmu, G, &a)); put_v(o, g); put_v(o, dmu); put_m(o, G); put(o, a);
  put(o, bm_mvt_cov(d, G)); put_m(o, G);
  put(o, bm_mvt_loglik_grad(d, Xb, &lp, dmu, G, &a)); put(o, lp); put_v(o, dmu); put_m(o, G); put(o, a);
  free_matrices(X, G, Xb);
  free_vectors(g, dmu);
  gsl_rng_free(r);
}

/* ------------------------------------------------------- matnorm, matt */
/* FAM's object at (NU, M, U, V), M and U from inputs salted SALT, V SALT_V;
 * evaluation at inputs salted SALT_X, SALT_X + 1 with draws seeded from SEED.
 * NU: the parenthesized leading arguments of _set, DNU the trailing one of
 * _grad and _loglik_grad (both () for matnorm). */
#define MATVAR(FAM, NU, DNU, SALT, SALT_V, SEED, SALT_X)                                                             \
  static void *make_##FAM(void)                                                                                      \
  {                                                                                                                  \
    bm_##FAM *d = bm_##FAM##_alloc(NR, P);                                                                           \
    gsl_matrix *M = gsl_matrix_alloc(NR, P), *U = gsl_matrix_alloc(NR, NR), *V = gsl_matrix_alloc(P, P);             \
    mat_input(0, SALT, M);                                                                                           \
    spd_input(0, SALT, U);                                                                                           \
    spd_input(0, SALT_V, V);                                                                                         \
    assert_int_equal(bm_##FAM##_set(d, ARGS_ NU M, U, V), BM_SUCCESS);                                               \
    free_matrices(M, U, V);                                                                                              \
    return d;                                                                                                        \
  }                                                                                                                  \
  static void eval_##FAM(const void *obj, size_t i, sink *o)                                                         \
  {                                                                                                                  \
    const bm_##FAM *d = obj;                                                                                         \
    gsl_matrix *X = gsl_matrix_alloc(NR, P), *X2 = gsl_matrix_alloc(NR, P), *dX = gsl_matrix_alloc(NR, P),           \
               *dM = gsl_matrix_alloc(NR, P), *dU = gsl_matrix_alloc(NR, NR), *dV = gsl_matrix_alloc(P, P);          \
    gsl_rng *r = tu_rng(SEED + i);                                                                                   \
    mat_input(i, SALT_X, X);                                                                                         \
    mat_input(i, SALT_X + 1, X2);                                                                                    \
    eval_common2(&bm_family_##FAM, d, X, X2, r, o);                                                                  \
    double lp, a = 0.0;                                                                                              \
    put(o, bm_##FAM##_grad(d, X, dX, dM, dU, dV ARGS_ DNU)); put_m(o, dX); put_m(o, dM); put_m(o, dU); put_m(o, dV); \
    put(o, a);                                                                                                       \
    const gsl_matrix *batch[2] = {X, X2};                                                                            \
    put(o, bm_##FAM##_loglik_grad(d, batch, 2, &lp, dM, dU, dV ARGS_ DNU)); put(o, lp); put_m(o, dM); put_m(o, dU);  \
    put_m(o, dV); put(o, a);                                                                                         \
    free_matrices(X, X2, dX, dM, dU, dV);                                                                                \
    gsl_rng_free(r);                                                                                                 \
  }
MATVAR(matnorm, (), (), 19, 23, 9000, 4)
MATVAR(matt, (4.5, ), (, &a), 29, 31, 9500, 6)

/* ------------------------------------------- conjugate posterior: niw */
static void *make_niw(void)
{
  bm_niw *m = bm_niw_alloc(P);
  gsl_matrix *Psi = gsl_matrix_alloc(P, P), *X = gsl_matrix_alloc(20, P);
  gsl_vector *mu0 = gsl_vector_alloc(P);
  spd_input(0, 37, Psi);
  vec_input(0, 37, mu0);
  mat_input(0, 37, X);
  assert_int_equal(bm_niw_set_prior(m, mu0, 2.0, P + 3.0, Psi), BM_SUCCESS);
  assert_int_equal(bm_niw_update(m, X), BM_SUCCESS);
  gsl_matrix_free(Psi); gsl_matrix_free(X); gsl_vector_free(mu0);
  return m;
}
static void free_niw(void *m) { bm_niw_free(m); }
static void eval_niw(const void *obj, size_t i, sink *o)
{
  const bm_niw *m = obj;
  gsl_vector *mu = gsl_vector_alloc(P), *v = gsl_vector_alloc(P), *x = gsl_vector_alloc(P);
  gsl_matrix *S = gsl_matrix_alloc(P, P), *G = gsl_matrix_alloc(P, P);
  bm_mvt *pred = bm_mvt_alloc(P);
  gsl_rng *r = tu_rng(9900 + i);
  vec_input(i, 8, mu);
  spd_input(i, 9, S);
  vec_input(i, 10, x);
  double lp, a, b;
  put(o, bm_niw_log_posterior(m, mu, S, &lp)); put(o, lp);
  put(o, bm_niw_log_posterior_nw(m, mu, S, &lp)); put(o, lp);
  put(o, bm_niw_posterior(m, v, &a, &b, G)); put_v(o, v); put(o, a); put(o, b); put_m(o, G);
  put(o, bm_niw_posterior_nw(m, v, &a, &b, G)); put_v(o, v); put(o, a); put(o, b); put_m(o, G);
  put(o, bm_niw_sample_posterior(m, r, v, G)); put_v(o, v); put_m(o, G);
  put(o, bm_niw_predictive_params(m, &a, v, G)); put(o, a); put_v(o, v); put_m(o, G);
  put(o, bm_niw_predictive(m, pred));
  put(o, bm_mvt_logpdf(pred, x, &lp)); put(o, lp);
  put(o, bm_niw_log_evidence(m, &lp)); put(o, lp);
  gsl_vector_free(mu); gsl_vector_free(v); gsl_vector_free(x); gsl_matrix_free(S); gsl_matrix_free(G);
  bm_mvt_free(pred); gsl_rng_free(r);
}

static const family families[] = {
  {"matf", &bm_family_matf, make_matf, NULL, eval_matf},
  {"wishart", &bm_family_wishart, make_wishart, NULL, eval_wishart},
  {"invwishart", &bm_family_invwishart, make_invwishart, NULL, eval_invwishart},
  {"mvn", &bm_family_mvn, make_mvn, NULL, eval_mvn},
  {"mvt", &bm_family_mvt, make_mvt, NULL, eval_mvt},
  {"matnorm", &bm_family_matnorm, make_matnorm, NULL, eval_matnorm},
  {"matt", &bm_family_matt, make_matt, NULL, eval_matt},
  {"niw posterior", NULL, make_niw, free_niw, eval_niw},
};
#define NFAM (sizeof families / sizeof families[0])

/* ------------------------------------------------------------- the runs */
#define CAP 8192 /* doubles per (family, input) */

typedef struct {
  const void *obj[NFAM];
  double *out; /* NFAM x NINPUTS x CAP */
  size_t *len; /* NFAM x NINPUTS */
  int tid;
} job;

static void run_all(job *j)
{
  for (int round = 0; round < ROUNDS; round++)
    for (size_t k = 0; k < NINPUTS; k++) {
      /* each thread walks the inputs in its own order, families interleaved */
      size_t i = (k * (size_t)(2 * j->tid + 1) + (size_t)j->tid * 5 + (size_t)round) % NINPUTS;
      for (size_t f = 0; f < NFAM; f++) {
        size_t slot = f * NINPUTS + i;
        sink s = {j->out + slot * CAP, 0, CAP};
        families[f].eval(j->obj[f], i, &s);
        j->len[slot] = s.n;
      }
    }
}
static void *thread_main(void *arg)
{
  run_all(arg);
  return NULL;
}

static void threads_bit_identical_to_single_threaded(void **state)
{
  (void)state;
  /* The reference run and the threaded run use two objects set identically,
   * so lazily computed caches (e.g. mvn's precision) start cold under threads. */
  void *obj[NFAM], *obj_ref[NFAM];
  for (size_t f = 0; f < NFAM; f++) {
    obj[f] = families[f].make();
    obj_ref[f] = families[f].make();
  }
  size_t per = NFAM * NINPUTS;
  job ref = {{0}, calloc(per * CAP, sizeof(double)), calloc(per, sizeof(size_t)), 0};
  job jobs[NTHREADS];
  for (size_t f = 0; f < NFAM; f++) ref.obj[f] = obj_ref[f];
  run_all(&ref);
  for (size_t k = 0; k < per; k++) {
    assert_true(ref.len[k] > 0 && ref.len[k] <= CAP);
  }
  /* the reference itself must be meaningful: every first status is success, log f finite */
  for (size_t f = 0; f < NFAM; f++)
    for (size_t i = 0; i < NINPUTS; i++) {
      const double *r = ref.out + (f * NINPUTS + i) * CAP;
      assert_true(r[0] == BM_SUCCESS && isfinite(r[1]));
    }
  pthread_t th[NTHREADS];
  for (int t = 0; t < NTHREADS; t++) {
    jobs[t] = (job){{0}, calloc(per * CAP, sizeof(double)), calloc(per, sizeof(size_t)), t};
    for (size_t f = 0; f < NFAM; f++) jobs[t].obj[f] = obj[f];
    assert_int_equal(pthread_create(&th[t], NULL, thread_main, &jobs[t]), 0);
  }
  for (int t = 0; t < NTHREADS; t++) assert_int_equal(pthread_join(th[t], NULL), 0);
  size_t compared = 0;
  for (int t = 0; t < NTHREADS; t++) {
    for (size_t k = 0; k < per; k++) {
      if (jobs[t].len[k] != ref.len[k] ||
          memcmp(jobs[t].out + k * CAP, ref.out + k * CAP, ref.len[k] * sizeof(double)) != 0)
      {
        size_t at = 0;
        while (at < ref.len[k] && memcmp(jobs[t].out + k * CAP + at, ref.out + k * CAP + at, sizeof(double)) == 0) at++;
        fail_msg("thread %d, %s input %zu: value %zu of %zu differs from the single-threaded run (%.17g vs %.17g)", t,
                 families[k / NINPUTS].name, k % NINPUTS, at, ref.len[k], jobs[t].out[k * CAP + at],
                 ref.out[k * CAP + at]);
      }
      compared += ref.len[k];
    }
    free(jobs[t].out);
    free(jobs[t].len);
  }
  print_message("%zu families x %d inputs x %d threads x %d rounds: %zu values bit-identical\n", NFAM, NINPUTS,
                NTHREADS, ROUNDS, compared);
  free(ref.out);
  free(ref.len);
  for (size_t f = 0; f < NFAM; f++) {
    void (*destroy)(void *) = families[f].T ? families[f].T->free : families[f].destroy;
    destroy(obj[f]);
    destroy(obj_ref[f]);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(threads_bit_identical_to_single_threaded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
