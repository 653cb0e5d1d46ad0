/* Tests of distributions/theta.c (bm_F_set_theta, bm_mvn_get_theta).
 * References: (1) bm_F_set with the parameters the test itself packed into
 * theta (vech / vec written out here by loops, not by bm_vech), which must give
 * bit-identical logpdf / score / fisher; (2) the finite-difference gradient
 * (bm_check_gradient) of theta -> logpdf(x | set_theta(theta)) against
 * bm_F_score, an independent check that docs/contract.md's theta coordinates (a vech
 * coordinate moving S_ij and S_ji together, nu last) are the ones _score
 * differentiates; (3) docs/conventions.md statuses with GSL's default handler installed.
 * Every family is reached through its descriptor (bm_family_type), whose
 * operations pass straight to bm_F_set_theta, bm_F_logpdf, ...; only bm_F_set,
 * the reference, is called by name.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <gsl/gsl_math.h>
#include "testutil.h"

/* ---- packing written out independently of src/vech.c ---------------------- */
static size_t pack_vech(const gsl_matrix *S, gsl_vector *th, size_t off)
{
  for (size_t j = 0; j < S->size2; j++)
    for (size_t i = j; i < S->size1; i++) gsl_vector_set(th, off++, gsl_matrix_get(S, i, j));
  return off;
}
static size_t pack_vec(const gsl_matrix *M, gsl_vector *th, size_t off)
{
  for (size_t j = 0; j < M->size2; j++)
    for (size_t i = 0; i < M->size1; i++) gsl_vector_set(th, off++, gsl_matrix_get(M, i, j));
  return off;
}

/* ---- one family: its descriptor's operations, and its own _set -------------- */
enum { MVN, MVT, WISHART, INVWISHART, MATNORM, MATT, MATF };
static const bm_family_type *const types[] = {&bm_family_mvn,        &bm_family_mvt,     &bm_family_wishart,
                                              &bm_family_invwishart, &bm_family_matnorm, &bm_family_matt,
                                              &bm_family_matf};
typedef struct {
  int kind;
  const bm_family_type *T; /* set_theta, logpdf, score, ... of the family (bm_F_set_theta, ...) */
  size_t n, p;            /* n: rows of M (matnorm, matt) */
  double nu, delta;
  gsl_vector *mu;         /* mvn, mvt */
  gsl_matrix *M, *A, *B;  /* M (matnorm, matt); A: Sigma / S / Psi / U; B: V / Omega */
  void *obj, *ref;        /* obj: set through theta; ref: through bm_F_set */
  gsl_matrix *xm;         /* the variate (1 x p for mvn, mvt) */
  gsl_vector *theta;
} fam;

static int fam_set_ref(fam *f)
{
  switch (f->kind) {
  case MVN: return bm_mvn_set(f->ref, f->mu, f->A);
  case MVT: return bm_mvt_set(f->ref, f->nu, f->mu, f->A);
  case WISHART: return bm_wishart_set(f->ref, f->nu, f->A);
  case INVWISHART: return bm_invwishart_set(f->ref, f->nu, f->A);
  case MATNORM: return bm_matnorm_set(f->ref, f->M, f->A, f->B);
  case MATT: return bm_matt_set(f->ref, f->nu, f->M, f->A, f->B);
  default: return bm_matf_set(f->ref, f->nu, f->delta, f->A);
  }
}
static int fam_logpdf(const fam *f, const void *o, double *lp) { return f->T->logpdf(o, f->xm, lp); }

static void fam_free(fam *f)
{
  f->T->free(f->obj);
  f->T->free(f->ref);
  gsl_vector_free(f->mu);
  free_matrices(f->M, f->A, f->B, f->xm);
  gsl_vector_free(f->theta);
}

/* Random parameters of family `kind` (n rows for matnorm / matt), theta packed
 * by hand in docs/contract.md order, ref set through bm_F_set, a variate drawn from ref. */
static void fam_make(fam *f, int kind, size_t n, size_t p, gsl_rng *r)
{
  memset(f, 0, sizeof *f);
  f->kind = kind;
  f->T = types[kind];
  f->n = n;
  f->p = p;
  size_t na = (kind == MATNORM || kind == MATT) ? n : p;
  f->A = gsl_matrix_alloc(na, na);
  tu_random_spd(r, 10.0, 1.0 + gsl_rng_uniform(r), f->A);
  switch (kind) {
  case MVN: case MVT:
    f->mu = gsl_vector_alloc(p);
    for (size_t i = 0; i < p; i++) gsl_vector_set(f->mu, i, gsl_rng_uniform(r) * 2 - 1);
    f->xm = gsl_matrix_alloc(1, p);
    break;
  case MATNORM: case MATT:
    f->M = gsl_matrix_alloc(n, p);
    for (size_t i = 0; i < n * p; i++) f->M->data[i] = gsl_rng_uniform(r) * 2 - 1;
    f->B = gsl_matrix_alloc(p, p);
    tu_random_spd(r, 10.0, 1.0, f->B);
    f->xm = gsl_matrix_alloc(n, p);
    break;
  default:
    f->xm = gsl_matrix_alloc(p, p);
  }
  f->nu = (kind == MVT || kind == MATT) ? 3.0 + 5 * gsl_rng_uniform(r) : (double)p + 2.0 + 5 * gsl_rng_uniform(r);
  f->delta = 3.0 + 4 * gsl_rng_uniform(r);
  f->obj = f->T->alloc(f->xm->size1, f->xm->size2);
  f->ref = f->T->alloc(f->xm->size1, f->xm->size2);
  assert_non_null(f->obj);
  assert_non_null(f->ref);
  f->theta = gsl_vector_alloc(f->T->nparams(f->obj));
  size_t off = 0;
  if (f->mu) for (; off < p; off++) gsl_vector_set(f->theta, off, gsl_vector_get(f->mu, off));
  if (f->M) off = pack_vec(f->M, f->theta, off);
  off = pack_vech(f->A, f->theta, off);
  if (f->B) off = pack_vech(f->B, f->theta, off);
  if (kind == MVT || kind == WISHART || kind == INVWISHART || kind == MATT || kind == MATF)
    gsl_vector_set(f->theta, off++, f->nu);
  if (kind == MATF) gsl_vector_set(f->theta, off++, f->delta);
  assert_int_equal(off, f->theta->size);
  assert_int_equal(fam_set_ref(f), BM_SUCCESS);
  assert_int_equal(f->T->sample(f->ref, r, f->xm), BM_SUCCESS);
}

/* (kind, n, p) cases: matnorm / matt both ways round (n+p alone cannot tell them) */
static const size_t cases[][3] = {{MVN, 0, 1}, {MVN, 0, 3},     {MVT, 0, 3},     {WISHART, 0, 1},
                                  {WISHART, 0, 3}, {INVWISHART, 0, 3}, {MATNORM, 2, 3}, {MATNORM, 3, 2},
                                  {MATNORM, 1, 1}, {MATT, 2, 3},  {MATT, 3, 1},    {MATF, 0, 3}};
#define NCASES (sizeof cases / sizeof cases[0])

/* ---- (1) set_theta == set ---------------------------------------------------- */
/* check(f, c, ctx) on reps draws of every case (c its index), the draws from tu_rng(seed) */
static void each_case(unsigned long seed, int reps, void (*check)(fam *f, size_t c, void *ctx), void *ctx)
{
  gsl_rng *r = tu_rng(seed);
  for (size_t c = 0; c < NCASES; c++)
    for (int rep = 0; rep < reps; rep++) {
      fam f;
      fam_make(&f, (int)cases[c][0], cases[c][1], cases[c][2], r);
      check(&f, c, ctx);
      fam_free(&f);
    }
  gsl_rng_free(r);
}

static void check_set_theta(fam *fp, size_t c, void *ctx)
{
  (void)c;
  (void)ctx;
  fam f = *fp;
  size_t m = f.theta->size;
  assert_int_equal(f.T->set_theta(f.obj, f.theta), BM_SUCCESS);
  double a, b;
  assert_int_equal(fam_logpdf(&f, f.obj, &a), BM_SUCCESS);
  assert_int_equal(fam_logpdf(&f, f.ref, &b), BM_SUCCESS);
  assert_true(a == b);
  gsl_vector *sa = gsl_vector_alloc(m), *sb = gsl_vector_alloc(m);
  gsl_matrix *Ia = gsl_matrix_alloc(m, m), *Ib = gsl_matrix_alloc(m, m);
  assert_int_equal(f.T->score(f.obj, f.xm, sa), BM_SUCCESS);
  assert_int_equal(f.T->score(f.ref, f.xm, sb), BM_SUCCESS);
  assert_memory_equal(sa->data, sb->data, m * sizeof(double));
  assert_int_equal(f.T->fisher(f.obj, Ia), BM_SUCCESS);
  assert_int_equal(f.T->fisher(f.ref, Ib), BM_SUCCESS);
  assert_memory_equal(Ia->data, Ib->data, m * m * sizeof(double));
  /* theta through a strided view (a column of a matrix) works the same */
  gsl_matrix *T = gsl_matrix_alloc(m, 2);
  gsl_matrix_set_col(T, 1, f.theta);
  gsl_vector_view col = gsl_matrix_column(T, 1);
  fam g = f;
  g.obj = f.T->alloc(f.xm->size1, f.xm->size2); /* a fresh, never-set object */
  assert_int_equal(f.T->set_theta(g.obj, &col.vector), BM_SUCCESS);
  assert_int_equal(fam_logpdf(&f, g.obj, &a), BM_SUCCESS);
  assert_true(a == b);
  f.T->free(g.obj);
  gsl_matrix_free(T);
  gsl_vector_free(sa);
  gsl_vector_free(sb);
  gsl_matrix_free(Ia);
  gsl_matrix_free(Ib);
}

static void set_theta_matches_set(void **state)
{
  (void)state;
  each_case(11, 1, check_set_theta, NULL);
}

/* ---- (2) score == FD gradient of theta -> logpdf(x | set_theta(theta)) --------- */
typedef struct {
  fam *f;
} fd_ctx;
static int fd_logpdf(const gsl_vector *th, void *params, double *lp)
{
  fam *f = ((fd_ctx *)params)->f;
  int s = f->T->set_theta(f->obj, th);
  return s ? s : fam_logpdf(f, f->obj, lp);
}
static int fd_score(const gsl_vector *th, void *params, gsl_vector *g)
{
  fam *f = ((fd_ctx *)params)->f;
  int s = f->T->set_theta(f->obj, th);
  return s ? s : f->T->score(f->obj, f->xm, g);
}

static void check_score_fd(fam *f, size_t c, void *ctx)
{
  double *worst = ctx;
  fd_ctx fc = {f};
  bm_check_options o = {0};
  o.seed = 100 + c;
  o.tol = 1e-6;
  o.fd.h0 = 1e-3; /* keep the vech steps inside the SPD cone */
  bm_check_result res;
  assert_int_equal(bm_check_gradient(fd_logpdf, fd_score, &fc, f->theta, &o, &res), BM_SUCCESS);
  if (!res.passed)
    fail_msg("%s n=%zu p=%zu: worst rel err %g at %zu (analytic %g, numeric %g)", f->T->name, f->n, f->p,
             res.worst_rel_err, res.worst_index, res.analytic, res.numeric);
  *worst = fmax(*worst, res.worst_rel_err);
}

static void score_matches_fd_of_theta(void **state)
{
  (void)state;
  double worst = 0;
  each_case(12, 3, check_score_fd, &worst);
  print_message("score vs FD of theta: worst relative error %.2e over %zu cases x 3 points\n", worst, NCASES);
}

/* ---- (3) bad inputs ------------------------------------------------------------ */
static void expect_fail_unchanged(fam *f, const gsl_vector *th, int want, double lp_before)
{
  assert_int_equal(f->T->set_theta(f->obj, th), want);
  double lp;
  assert_int_equal(fam_logpdf(f, f->obj, &lp), BM_SUCCESS);
  assert_true(lp == lp_before); /* the previous parameters are intact */
}

static void check_bad_theta(fam *fp, size_t c, void *ctx)
{
  (void)c;
  (void)ctx;
  fam f = *fp;
  size_t m = f.theta->size;
  /* NULL */
  assert_int_equal(f.T->set_theta(NULL, f.theta), BM_EINVAL);
  assert_int_equal(f.T->set_theta(f.obj, NULL), BM_EINVAL);
  /* a never-set object stays unusable after a failed set_theta */
  gsl_vector *th = gsl_vector_alloc(m + 1);
  gsl_vector_const_view shorter = gsl_vector_const_subvector(f.theta, 0, m - 1);
  assert_int_equal(f.T->set_theta(f.obj, &shorter.vector), BM_EBADLEN);
  double lp;
  assert_int_equal(fam_logpdf(&f, f.obj, &lp), BM_EINVAL);
  assert_int_equal(f.T->set_theta(f.obj, f.theta), BM_SUCCESS);
  double lp0;
  assert_int_equal(fam_logpdf(&f, f.obj, &lp0), BM_SUCCESS);
  /* wrong lengths */
  gsl_vector_set_all(th, 1.0);
  expect_fail_unchanged(&f, th, BM_EBADLEN, lp0);
  expect_fail_unchanged(&f, &shorter.vector, BM_EBADLEN, lp0);
  gsl_vector_view same = gsl_vector_subvector(th, 0, m);
  /* NaN / Inf anywhere */
  for (size_t k = 0; k < m; k++) {
    gsl_vector_memcpy(&same.vector, f.theta);
    gsl_vector_set(&same.vector, k, k % 2 ? NAN : -INFINITY);
    expect_fail_unchanged(&f, &same.vector, BM_ENONFINITE, lp0);
  }
  /* non-SPD scale: negate the first diagonal entry of the first vech block */
  size_t first_sym = f.mu ? f.p : (f.M ? f.n * f.p : 0);
  gsl_vector_memcpy(&same.vector, f.theta);
  gsl_vector_set(&same.vector, first_sym, -1.0);
  expect_fail_unchanged(&f, &same.vector, BM_ENOTSPD, lp0);
  if (f.B) { /* second block (V / Omega) */
    gsl_vector_memcpy(&same.vector, f.theta);
    gsl_vector_set(&same.vector, f.n * f.p + bm_vech_len(f.n), 0.0);
    expect_fail_unchanged(&f, &same.vector, BM_ENOTSPD, lp0);
  }
  /* nu (and delta) out of domain; +Inf nu is BM_ENONFINITE (docs/contract.md) */
  int has_nu = f.kind != MVN && f.kind != MATNORM;
  if (has_nu) {
    size_t inu = f.kind == MATF ? m - 2 : m - 1;
    double bad = (f.kind == MVT || f.kind == MATT) ? 0.0 : (double)f.p - 1.0;
    gsl_vector_memcpy(&same.vector, f.theta);
    gsl_vector_set(&same.vector, inu, bad);
    expect_fail_unchanged(&f, &same.vector, BM_EDOM, lp0);
    gsl_vector_set(&same.vector, inu, INFINITY);
    expect_fail_unchanged(&f, &same.vector, BM_ENONFINITE, lp0);
  }
  if (f.kind == MATF) {
    gsl_vector_memcpy(&same.vector, f.theta);
    gsl_vector_set(&same.vector, m - 1, -0.5);
    expect_fail_unchanged(&f, &same.vector, BM_EDOM, lp0);
  }
  gsl_vector_free(th);
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  each_case(13, 1, check_bad_theta, NULL);
}

/* ---- scratch beyond the stack (p^2 or (n+p)^2 > 4096 doubles) ---------------- */
static void large_dimensions_match_set(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(15);
  const size_t big[][3] = {{MVN, 0, 70}, {MATNORM, 40, 30}, {MATT, 30, 40}};
  for (size_t c = 0; c < 3; c++) {
    fam f;
    fam_make(&f, (int)big[c][0], big[c][1], big[c][2], r);
    assert_int_equal(f.T->set_theta(f.obj, f.theta), BM_SUCCESS);
    double a, b;
    assert_int_equal(fam_logpdf(&f, f.obj, &a), BM_SUCCESS);
    assert_int_equal(fam_logpdf(&f, f.ref, &b), BM_SUCCESS);
    assert_true(a == b);
    fam_free(&f);
  }
  gsl_rng_free(r);
}

/* ---- get_theta (mvn) ------------------------------------------------------------- */
static void mvn_get_theta_round_trips(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(14);
  fam f;
  fam_make(&f, MVN, 0, 4, r);
  size_t m = f.theta->size;
  gsl_vector *th = gsl_vector_alloc(m);
  assert_int_equal(bm_mvn_get_theta(f.obj, th), BM_EINVAL); /* never set */
  assert_true(isnan(gsl_vector_get(th, 0)));
  assert_int_equal(bm_mvn_set_theta(f.obj, f.theta), BM_SUCCESS);
  assert_int_equal(bm_mvn_get_theta(f.obj, th), BM_SUCCESS);
  tu_assert_vector_close(th, f.theta, 1e-15, 0.0);
  assert_int_equal(bm_mvn_get_theta(f.ref, th), BM_SUCCESS); /* set through bm_mvn_set */
  tu_assert_vector_close(th, f.theta, 1e-15, 0.0);
  assert_int_equal(bm_mvn_get_theta(NULL, th), BM_EINVAL);
  assert_int_equal(bm_mvn_get_theta(f.obj, NULL), BM_EINVAL);
  gsl_vector *th2 = gsl_vector_alloc(m - 1);
  assert_int_equal(bm_mvn_get_theta(f.obj, th2), BM_EBADLEN);
  assert_true(isnan(gsl_vector_get(th2, 0)));
  gsl_vector_free(th2);
  gsl_vector_free(th);
  fam_free(&f);
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(set_theta_matches_set),
      cmocka_unit_test(score_matches_fd_of_theta),
      cmocka_unit_test(bad_inputs_return_status),
      cmocka_unit_test(large_dimensions_match_set),
      cmocka_unit_test(mvn_get_theta_round_trips),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
