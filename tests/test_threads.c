/* Thread safety (issue #10, SPEC §1 "Threads"): 8 pthreads share ONE set
 * object per family (and one conjugate posterior once those land) and
 * evaluate every read-only entry point on many inputs, each thread in its own
 * order; every result must be bit-identical to a single-threaded run. CI runs
 * this test again in a ThreadSanitizer build (-DBAYESMAT_TSAN=ON), which
 * reports any data race the comparison alone could miss.
 *
 * Adding a family: write make_<f>/eval_<f> (evaluate everything at input i
 * into a sink) and add a row to `families`.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <pthread.h>
#include <string.h>
#include "testutil.h"

#define NTHREADS 8
#define NINPUTS 47 /* prime: every per-thread stride visits every input */
#define ROUNDS 2

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
  void *(*make)(void);
  void (*destroy)(void *);
  void (*eval)(const void *obj, size_t i, sink *out);
} family;

/* ------------------------------------------------------------------ matf */
#define P 4
#define Q (P * (P + 1) / 2)

static void *make_matf(void)
{
  bm_matf *d = bm_matf_alloc(P);
  gsl_matrix *Psi = gsl_matrix_alloc(P, P);
  spd_input(0, 7, Psi);
  assert_int_equal(bm_matf_set(d, P + 1.5, 4.25, Psi), BM_SUCCESS);
  gsl_matrix_free(Psi);
  return d;
}
static void free_matf(void *d) { bm_matf_free(d); }
static void eval_matf(const void *obj, size_t i, sink *o)
{
  const bm_matf *d = obj;
  gsl_matrix *X = gsl_matrix_alloc(P, P), *X2 = gsl_matrix_alloc(P, P), *G1 = gsl_matrix_alloc(P, P),
             *G2 = gsl_matrix_alloc(P, P), *H = gsl_matrix_alloc(Q + 2, Q + 2), *Hx = gsl_matrix_alloc(Q, Q);
  gsl_vector *s = gsl_vector_alloc(Q + 2), *each = gsl_vector_alloc(2);
  gsl_rng *r = tu_rng(5000 + i);
  spd_input(i, 0, X);
  spd_input(i, 1, X2);
  double lp, a, b;
  put(o, bm_matf_logpdf(d, X, &lp)); put(o, lp);
  put(o, bm_matf_grad(d, X, G1, G2, &a, &b)); put_m(o, G1); put_m(o, G2); put(o, a); put(o, b);
  put(o, bm_matf_score(d, X, s)); put_v(o, s);
  put(o, bm_matf_hess(d, X, H)); put_m(o, H);
  put(o, bm_matf_hess_x(d, X, Hx)); put_m(o, Hx);
  put(o, bm_matf_fisher(d, H)); put_m(o, H);
  put(o, bm_matf_fisher_literature(d, H)); put_m(o, H);
  put(o, bm_matf_mean(d, G1)); put_m(o, G1);
  put(o, bm_matf_sample(d, r, G1)); put_m(o, G1);
  const gsl_matrix *batch[2] = {X, X2};
  put(o, bm_matf_loglik(d, batch, 2, &lp, each)); put(o, lp); put_v(o, each);
  put(o, bm_matf_loglik_grad(d, batch, 2, &lp, G2, &a, &b)); put(o, lp); put_m(o, G2); put(o, a); put(o, b);
  gsl_matrix_set(X2, 0, 0, -1.0); /* outside the support: status and -inf must be reproducible too */
  put(o, bm_matf_logpdf(d, X2, &lp)); put(o, lp);
  gsl_matrix_free(X); gsl_matrix_free(X2); gsl_matrix_free(G1); gsl_matrix_free(G2); gsl_matrix_free(H);
  gsl_matrix_free(Hx); gsl_vector_free(s); gsl_vector_free(each); gsl_rng_free(r);
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
  static void free_##FAM(void *d) { bm_##FAM##_free(d); }                                                            \
  static void eval_##FAM(const void *obj, size_t i, sink *o)                                                         \
  {                                                                                                                  \
    const bm_##FAM *d = obj;                                                                                         \
    gsl_matrix *X = gsl_matrix_alloc(P, P), *X2 = gsl_matrix_alloc(P, P), *G1 = gsl_matrix_alloc(P, P),             \
               *G2 = gsl_matrix_alloc(P, P), *H = gsl_matrix_alloc(Q + 1, Q + 1), *Hx = gsl_matrix_alloc(Q, Q);      \
    gsl_vector *s = gsl_vector_alloc(Q + 1), *each = gsl_vector_alloc(2);                                            \
    gsl_rng *r = tu_rng(6000 + i);                                                                                   \
    spd_input(i, 2, X);                                                                                              \
    spd_input(i, 3, X2);                                                                                             \
    double lp, a;                                                                                                    \
    put(o, bm_##FAM##_logpdf(d, X, &lp)); put(o, lp);                                                                \
    put(o, bm_##FAM##_logpdf_grad(d, X, &lp, G1, G2, &a)); put(o, lp); put_m(o, G1); put_m(o, G2); put(o, a);        \
    put(o, bm_##FAM##_grad(d, X, G1, G2, &a)); put_m(o, G1); put_m(o, G2); put(o, a);                                \
    put(o, bm_##FAM##_score(d, X, s)); put_v(o, s);                                                                  \
    put(o, bm_##FAM##_hess(d, X, H)); put_m(o, H);                                                                   \
    put(o, bm_##FAM##_hess_x(d, X, Hx)); put_m(o, Hx);                                                               \
    put(o, bm_##FAM##_fisher(d, H)); put_m(o, H);                                                                    \
    put(o, bm_##FAM##_mean(d, G1)); put_m(o, G1);                                                                    \
    put(o, bm_##FAM##_sample(d, r, G1)); put_m(o, G1);                                                               \
    const gsl_matrix *batch[2] = {X, X2};                                                                            \
    put(o, bm_##FAM##_loglik(d, batch, 2, &lp, each)); put(o, lp); put_v(o, each);                                   \
    put(o, bm_##FAM##_loglik_grad(d, batch, 2, &lp, G2, &a)); put(o, lp); put_m(o, G2); put(o, a);                  \
    gsl_matrix_set(X2, 0, 0, -1.0);                                                                                  \
    put(o, bm_##FAM##_logpdf(d, X2, &lp)); put(o, lp);                                                               \
    gsl_matrix_free(X); gsl_matrix_free(X2); gsl_matrix_free(G1); gsl_matrix_free(G2); gsl_matrix_free(H);           \
    gsl_matrix_free(Hx); gsl_vector_free(s); gsl_vector_free(each); gsl_rng_free(r);                                 \
  }
NUSCALE(wishart, P + 2.5)
NUSCALE(invwishart, P + 3.5)

static const family families[] = {
  {"matf", make_matf, free_matf, eval_matf},
  {"wishart", make_wishart, free_wishart, eval_wishart},
  {"invwishart", make_invwishart, free_invwishart, eval_invwishart},
};
#define NFAM (sizeof families / sizeof families[0])

/* ------------------------------------------------------------- the runs */
#define CAP 4096 /* doubles per (family, input) */

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
  void *obj[NFAM];
  for (size_t f = 0; f < NFAM; f++) obj[f] = families[f].make();
  size_t per = NFAM * NINPUTS;
  job ref = {{0}, calloc(per * CAP, sizeof(double)), calloc(per, sizeof(size_t)), 0};
  job jobs[NTHREADS];
  for (size_t f = 0; f < NFAM; f++) ref.obj[f] = obj[f];
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
  for (size_t f = 0; f < NFAM; f++) families[f].destroy(obj[f]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(threads_bit_identical_to_single_threaded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
