/* The checks the matrix normal and matrix t families share: the same
 * contract (an n x p variate, parameters (M, row scale, column scale) and for
 * matt nu, the same statuses) checked the same way — finite differences over
 * (vec X, theta), Monte Carlo Fisher information and moments, the
 * scale-exchange null vector, the reference file's records, bad inputs.
 * Included by test_matnorm.c and test_matt.c, which first define
 *   MV(name)   the family's function bm_<family>_name
 *   MV_T       its distribution type;  MV_FAMILY its bm_family_type
 *   MV_NAME    its name as a string;   MV_HAS_NU  1 when theta ends with nu
 *   MV_SET(d, nu, M, S, O)                       _set (nu ignored without it)
 *   MV_GRAD(d, X, dX, dM, dS, dO, dnu)           _grad (dnu likewise)
 *   MV_HESS, MV_HESS_X                           its _hess and _hess_x, by name (so a search finds their tests)
 *   MV_LOGLIK_GRAD(d, xs, m, ll, dM, dS, dO, dnu) _loglik_grad
 * and keep the tests of what is their own (formulas, limits, edge cases).
 * S and O below are the row and column scales (U, V of the matrix normal;
 * Sigma, Omega of the matrix t).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MATRIXVAR_TESTS_H
#define BAYESMAT_MATRIXVAR_TESTS_H
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <gsl/gsl_blas.h>
#include "testutil.h"

static size_t theta_len(size_t n, size_t p) { return n * p + bm_vech_len(n) + bm_vech_len(p) + MV_HAS_NU; }

/* A point of the full space (vec X, vec M, vech S, vech O[, nu]); theta drops vec X. */
typedef struct {
  size_t n, p;
} dims;

/* The blocks of a full point (or of its gradient) as views; nu is the last entry. */
typedef struct {
  gsl_vector_view x, m, s, o;
} mv_blocks;

static mv_blocks mv_split(gsl_vector *v, size_t n, size_t p)
{
  size_t np = n * p, qn = bm_vech_len(n);
  mv_blocks b = {gsl_vector_subvector(v, 0, np), gsl_vector_subvector(v, np, np),
                 gsl_vector_subvector(v, 2 * np, qn), gsl_vector_subvector(v, 2 * np + qn, bm_vech_len(p))};
  return b;
}

static void pack_full(const gsl_matrix *X, double nu, const gsl_matrix *M, const gsl_matrix *S, const gsl_matrix *O,
                      gsl_vector *x)
{
  mv_blocks b = mv_split(x, X->size1, X->size2);
  bm_vec(X, &b.x.vector);
  bm_vec(M, &b.m.vector);
  bm_vech(S, &b.s.vector);
  bm_vech(O, &b.o.vector);
  if (MV_HAS_NU) gsl_vector_set(x, x->size - 1, nu);
}

/* Unpack (vec X, theta) into X and an object; NULL when the parameters are invalid. */
static MV_T *unpack(const dims *dm, const gsl_vector *x, gsl_matrix *X)
{
  size_t n = dm->n, p = dm->p;
  gsl_matrix *M = gsl_matrix_alloc(n, p), *S = gsl_matrix_alloc(n, n), *O = gsl_matrix_alloc(p, p);
  mv_blocks b = mv_split((gsl_vector *)x, n, p);
  bm_vec_unpack(&b.x.vector, X);
  bm_vec_unpack(&b.m.vector, M);
  bm_vech_unpack(&b.s.vector, S);
  bm_vech_unpack(&b.o.vector, O);
  MV_T *d = MV(alloc)(n, p);
  if (MV_SET(d, MV_HAS_NU ? gsl_vector_get(x, x->size - 1) : 0.0, M, S, O)) {
    MV(free)(d);
    d = NULL;
  }
  free_matrices(M, S, O);
  return d;
}

static int f_full(const gsl_vector *x, void *params, double *f)
{
  const dims *dm = params;
  gsl_matrix *X = gsl_matrix_alloc(dm->n, dm->p);
  MV_T *d = unpack(dm, x, X);
  int s = d ? MV(logpdf)(d, X, f) : 1;
  MV(free)(d);
  gsl_matrix_free(X);
  return s;
}

/* the full gradient: _grad's outputs, the scales' through bm_vech_from_sym_grad */
static int g_full(const gsl_vector *x, void *params, gsl_vector *g)
{
  const dims *dm = params;
  size_t n = dm->n, p = dm->p;
  gsl_matrix *X = gsl_matrix_alloc(n, p), *dX = gsl_matrix_alloc(n, p), *dM = gsl_matrix_alloc(n, p),
             *dS = gsl_matrix_alloc(n, n), *dO = gsl_matrix_alloc(p, p);
  double dnu = 0;
  MV_T *d = unpack(dm, x, X);
  int s = d ? MV_GRAD(d, X, dX, dM, dS, dO, &dnu) : 1;
  if (!s) {
    mv_blocks b = mv_split(g, n, p);
    bm_vec(dX, &b.x.vector);
    bm_vec(dM, &b.m.vector);
    bm_vech_from_sym_grad(dS, &b.s.vector);
    bm_vech_from_sym_grad(dO, &b.o.vector);
    if (MV_HAS_NU) gsl_vector_set(g, g->size - 1, dnu);
  }
  MV(free)(d);
  gsl_matrix *all[] = {X, dX, dM, dS, dO};
  for (size_t i = 0; i < 5; i++) gsl_matrix_free(all[i]);
  return s;
}

/* the shaped gradient in X, for the X-derivative checks of tu_fd_check_all */
static int grad_x(const void *d, const gsl_matrix *X, gsl_matrix *G)
{
  return MV_GRAD((const MV_T *)d, X, G, NULL, NULL, NULL, NULL);
}

typedef struct {
  size_t n, p;
  double nu;
  gsl_matrix *M, *S, *O, *X;
  MV_T *d;
} fixture;

/* random M, scales of condition number cond, X a draw (nu unused without nu) */
static fixture *fixture_new(gsl_rng *r, size_t n, size_t p, double nu, double cond)
{
  fixture *f = malloc(sizeof *f);
  f->n = n;
  f->p = p;
  f->nu = nu;
  f->M = gsl_matrix_alloc(n, p);
  f->X = gsl_matrix_alloc(n, p);
  f->S = gsl_matrix_alloc(n, n);
  f->O = gsl_matrix_alloc(p, p);
  tu_random_matrix(r, 1.0, f->M);
  tu_random_spd(r, cond, 0.5 + gsl_rng_uniform(r), f->S);
  tu_random_spd(r, cond, 0.5 + gsl_rng_uniform(r), f->O);
  f->d = MV(alloc)(n, p);
  assert_int_equal(MV_SET(f->d, nu, f->M, f->S, f->O), BM_SUCCESS);
  assert_int_equal(MV(sample)(f->d, r, f->X), BM_SUCCESS);
  return f;
}

static void fixture_free(fixture *f)
{
  gsl_matrix *all[] = {f->M, f->X, f->S, f->O};
  for (size_t i = 0; i < 4; i++) gsl_matrix_free(all[i]);
  MV(free)(f->d);
  free(f);
}

/* ---- the reference file (tests/data/matrix_ref.txt, tests/data/gen_matrix.py) */

/* One record: a density case (tag matnorm, matt, mvt1p or mvtn1: n p [nu]
 * M U V X ref [ref2]; ref2 is scipy's value, absent for matt) or an I_nunu
 * case (fisher_nunu: n p nu ref; M..X NULL). */
typedef struct {
  char tag[32];
  size_t n, p;
  double nu, ref, ref2;
  gsl_matrix *M, *S, *O, *X;
} mv_record;

/* The next record of f into c (the previous one's matrices freed); 0 at the end. */
static int mv_next_record(FILE *f, mv_record *c)
{
  gsl_matrix *old[] = {c->M, c->S, c->O, c->X};
  for (size_t i = 0; i < 4; i++)
    if (old[i]) gsl_matrix_free(old[i]);
  c->M = c->S = c->O = c->X = NULL;
  int ch;
  while ((ch = fgetc(f)) == '#')
    while ((ch = fgetc(f)) != EOF && ch != '\n') {}
  if (ch == EOF) return 0;
  ungetc(ch, f);
  if (fscanf(f, "%31s", c->tag) != 1) return 0;
  assert_int_equal(fscanf(f, "%zu %zu", &c->n, &c->p), 2);
  c->nu = 0;
  c->ref2 = NAN;
  if (!strcmp(c->tag, "fisher_nunu")) {
    assert_int_equal(fscanf(f, "%lf %lf", &c->nu, &c->ref), 2);
    return 1;
  }
  int is_mn = !strcmp(c->tag, "matnorm");
  if (!is_mn) assert_int_equal(fscanf(f, "%lf", &c->nu), 1);
  c->M = gsl_matrix_alloc(c->n, c->p);
  c->S = gsl_matrix_alloc(c->n, c->n);
  c->O = gsl_matrix_alloc(c->p, c->p);
  c->X = gsl_matrix_alloc(c->n, c->p);
  tu_read_matrix(f, c->M);
  tu_read_matrix(f, c->S);
  tu_read_matrix(f, c->O);
  tu_read_matrix(f, c->X);
  assert_int_equal(fscanf(f, "%lf", &c->ref), 1);
  if (strcmp(c->tag, "matt") != 0) assert_int_equal(fscanf(f, "%lf", &c->ref2), 1);
  return 1;
}

/* log f of the record against mpmath (exact up to the conditioning: the
 * Cholesky backward error bounds the relative error by ~eps (cond S + cond O)),
 * and the batched form on `copies` copies of the point; returns log f. */
static double mv_check_record(const mv_record *c, size_t copies)
{
  MV_T *d = MV(alloc)(c->n, c->p);
  double lp, ll;
  assert_int_equal(MV_SET(d, c->nu, c->M, c->S, c->O), BM_SUCCESS);
  assert_int_equal(MV(logpdf)(d, c->X, &lp), BM_SUCCESS);
  double tol = 1e-12 + DBL_EPSILON * (tu_cond_number(c->S) + tu_cond_number(c->O));
  tu_assert_rel(lp, c->ref, tol);
  const gsl_matrix *Xs[3] = {c->X, c->X, c->X};
  assert_true(copies <= 3);
  assert_int_equal(MV(loglik)(d, Xs, copies, &ll, NULL), BM_SUCCESS);
  tu_assert_rel(ll, (double)copies * lp, 1e-13);
  MV(free)(d);
  return lp;
}

/* ---- derivatives against finite differences ------------------------------ */

typedef struct {
  size_t n, p;
} mv_shape;

/* _grad over (vec X, theta) at a draw, for each shape and each nu (a
 * repeated nu: another draw), condition number 20 */
static void mv_grad_matches_fd(unsigned long seed, const mv_shape *shapes, size_t nshapes, const double *nus,
                               size_t nnus)
{
  gsl_rng *r = tu_rng(seed);
  for (size_t s = 0; s < nshapes; s++)
    for (size_t v = 0; v < nnus; v++) {
      fixture *f = fixture_new(r, shapes[s].n, shapes[s].p, nus[v], 20);
      dims dm = {f->n, f->p};
      gsl_vector *x = gsl_vector_alloc(f->n * f->p + theta_len(f->n, f->p));
      pack_full(f->X, f->nu, f->M, f->S, f->O, x);
      bm_check_options o = {.seed = 5, .tol = 1e-6};
      bm_check_result cr;
      assert_int_equal(bm_check_gradient(f_full, g_full, &dm, x, &o, &cr), BM_SUCCESS);
      if (!cr.passed)
        print_error(MV_NAME " grad n=%zu p=%zu nu=%g rel err %g at %zu\n", f->n, f->p, f->nu, cr.worst_rel_err,
                    cr.worst_index);
      assert_true(cr.passed);
      gsl_vector_free(x);
      fixture_free(f);
    }
  gsl_rng_free(r);
}

/* score, Hessian in theta, gradient and Hessian in X (tu_fd_check_all) away
 * from the mean, condition number 10 */
static void mv_score_and_hess_match_fd(unsigned long seed, const mv_shape *shapes, size_t nshapes, const double *nus,
                                       size_t nnus, int move_x)
{
  gsl_rng *r = tu_rng(seed);
  for (size_t s = 0; s < nshapes; s++)
    for (size_t v = 0; v < nnus; v++) {
      fixture *f = fixture_new(r, shapes[s].n, shapes[s].p, nus[v], 10);
      if (move_x) tu_random_matrix(r, 2.0, f->X);
      size_t k = theta_len(f->n, f->p);
      assert_int_equal(MV(nparams)(f->d), k);
      gsl_vector *full = gsl_vector_alloc(f->n * f->p + k);
      pack_full(f->X, f->nu, f->M, f->S, f->O, full);
      gsl_vector_view th = gsl_vector_subvector(full, f->n * f->p, k);
      bm_check_options o = {.seed = 6, .tol = 1e-6};
      gsl_matrix *G = gsl_matrix_alloc(f->n, f->p);
      bm_dist view = {&MV_FAMILY, f->d};
      tu_fd c = {&view, f->X, G, grad_x};
      tu_fd_check_all(&c, &th.vector, &o);
      gsl_matrix_free(G);
      gsl_vector_free(full);
      fixture_free(f);
    }
  gsl_rng_free(r);
}

/* ---- Fisher information ---------------------------------------------------- */

/* E[s s^T] and E[-H] over draws of the family's sampler against _fisher
 * (max |z| < 4; entries within atol_s / atol_h of zero count as exact) */
static void mv_fisher_mc(size_t n, size_t p, double nu, size_t draws, unsigned long seed, double atol_s, double atol_h)
{
  gsl_rng *r = tu_rng(seed);
  fixture *f = fixture_new(r, n, p, nu, 5);
  size_t k = MV(nparams)(f->d);
  gsl_matrix *I = gsl_matrix_alloc(k, k), *H = gsl_matrix_alloc(k, k);
  gsl_vector *s = gsl_vector_alloc(k);
  assert_int_equal(MV(fisher)(f->d, I), BM_SUCCESS);
  tu_mc *ss = tu_mc_alloc(k), *hh = tu_mc_alloc(k);
  for (size_t t = 0; t < draws; t++) {
    MV(sample)(f->d, r, f->X);
    assert_int_equal(MV(score)(f->d, f->X, s), BM_SUCCESS);
    assert_int_equal(MV_HESS(f->d, f->X, H), BM_SUCCESS);
    gsl_matrix_scale(H, -1.0);
    tu_mc_add_outer(ss, s);
    tu_mc_add(hh, H);
  }
  double z1 = tu_mc_max_z(ss, I, atol_s, NULL, NULL), z2 = tu_mc_max_z(hh, I, atol_h, NULL, NULL);
  print_message(MV_NAME " n=%zu p=%zu nu=%g Fisher MC (%zu draws): max|z| score %.2f, -H %.2f\n", n, p, nu, draws, z1,
                z2);
  assert_true(z1 < 4.0);
  assert_true(z2 < 4.0);
  tu_mc_free(ss);
  tu_mc_free(hh);
  gsl_matrix_free(I);
  gsl_matrix_free(H);
  gsl_vector_free(s);
  fixture_free(f);
  gsl_rng_free(r);
}

/* The scales are identified only up to S -> c S, O -> O / c: the Fisher
 * information annihilates (0, vech S, -vech O[, 0]) and not (0, vech S,
 * +vech O[, 0]). Then extra(f, I), when given, checks the family's own blocks. */
static void mv_fisher_null_vector(gsl_rng *r, size_t n, size_t p, double nu, double cond,
                                  void (*extra)(const fixture *f, const gsl_matrix *I))
{
  fixture *f = fixture_new(r, n, p, nu, cond);
  size_t np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p), k = MV(nparams)(f->d);
  gsl_matrix *I = gsl_matrix_alloc(k, k);
  gsl_vector *v = gsl_vector_calloc(k), *Iv = gsl_vector_alloc(k);
  assert_int_equal(MV(fisher)(f->d, I), BM_SUCCESS);
  gsl_vector_view vs = gsl_vector_subvector(v, np, qn), vo = gsl_vector_subvector(v, np + qn, qp);
  bm_vech(f->S, &vs.vector);
  bm_vech(f->O, &vo.vector);
  gsl_vector_scale(&vo.vector, -1.0);
  gsl_blas_dgemv(CblasNoTrans, 1.0, I, v, 0.0, Iv);
  double scale = 0.0;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) scale = fmax(scale, fabs(gsl_matrix_get(I, i, j)) * fabs(gsl_vector_get(v, j)));
  assert_true(gsl_blas_dnrm2(Iv) < 1e-13 * scale * (double)k);
  /* ...and it is the only one */
  gsl_vector_scale(&vo.vector, -1.0);
  gsl_blas_dgemv(CblasNoTrans, 1.0, I, v, 0.0, Iv);
  assert_true(gsl_blas_dnrm2(Iv) > 1e-3 * scale);
  if (extra) extra(f, I);
  gsl_matrix_free(I);
  gsl_vector_free(v);
  gsl_vector_free(Iv);
  fixture_free(f);
}

/* ---- sampler ----------------------------------------------------------------- */

/* 2 x 3 draws (seed 41, condition number 10): mean M and Cov(vec X) =
 * (O (x) S) / cov_div by z-scores over 1e5 draws; _mean is M exactly. */
static void mv_sampler_moments(double nu, double cov_div)
{
  gsl_rng *r = tu_rng(41);
  fixture *f = fixture_new(r, 2, 3, nu, 10);
  size_t n = 2, p = 3, np = 6, draws = 100000;
  gsl_matrix *C = gsl_matrix_alloc(np, np);
  tu_kron(f->O, f->S, C);
  for (size_t i = 0; i < np * np; i++) C->data[i] /= cov_div;
  tu_mc *mc = tu_mc_alloc(np);
  gsl_vector *v = gsl_vector_alloc(np), *sum = gsl_vector_calloc(np);
  gsl_matrix *R = gsl_matrix_alloc(n, p);
  for (size_t t = 0; t < draws; t++) {
    MV(sample)(f->d, r, f->X);
    gsl_matrix_memcpy(R, f->X);
    gsl_matrix_sub(R, f->M);
    bm_vec(R, v);
    gsl_vector_add(sum, v);
    tu_mc_add_outer(mc, v);
  }
  double zc = tu_mc_max_z(mc, C, 0, NULL, NULL), zm = 0;
  for (size_t i = 0; i < np; i++)
    zm = fmax(zm, fabs(gsl_vector_get(sum, i) / (double)draws) / sqrt(gsl_matrix_get(C, i, i) / (double)draws));
  print_message(MV_NAME " sampler: max|z| mean %.2f, covariance %.2f\n", zm, zc);
  assert_true(zc < 4.0);
  assert_true(zm < 4.0);
  gsl_matrix *mean = gsl_matrix_alloc(n, p);
  assert_int_equal(MV(mean)(f->d, mean), BM_SUCCESS);
  tu_assert_matrix_close(mean, f->M, 0, 0);
  free_matrices(mean, R, C);
  gsl_vector_free(v);
  gsl_vector_free(sum);
  tu_mc_free(mc);
  fixture_free(f);
  gsl_rng_free(r);
}

/* ---- bad inputs ---------------------------------------------------------------- */

/* Where the bad-input checks put their bad entries (a 3 x 2 variate). */
typedef struct {
  double nu;               /* the fixture's nu (unused without nu) */
  size_t nan_i, nan_j;     /* the entry of X made NaN, then inf_x */
  double inf_x;            /* +-INFINITY */
  size_t asym_i, asym_j;   /* S[asym_i, asym_j] += 0.5 makes S asymmetric */
  size_t neg_k;            /* S[neg_k, neg_k] = -1 makes it indefinite */
  double bad_o;            /* O = diag(1, bad_o): not finite */
} mv_bad_case;

/* The shared contract on bad input (statuses, NaN outputs, parameters kept
 * on a failed _set), then tail(f, r), when given, on the same fixture. */
static void mv_bad_inputs(const mv_bad_case *bc, void (*tail)(fixture *f, gsl_rng *r))
{
  assert_null(MV(alloc)(0, 3));
  assert_null(MV(alloc)(3, 0));
  MV(free)(NULL);
  assert_int_equal(MV(nparams)(NULL), 0);
  gsl_rng *r = tu_rng(61);
  size_t n = 3, p = 2;
  double nu = bc->nu;
  fixture *f = fixture_new(r, n, p, nu, 10);
  MV_T *fresh = MV(alloc)(n, p);
  double lp = 0, dnu = 0;
  gsl_matrix *G = gsl_matrix_alloc(n, p), *Gn = gsl_matrix_alloc(n, n), *bad = gsl_matrix_alloc(n + 1, p);
  size_t k = MV(nparams)(f->d);
  gsl_matrix *H = gsl_matrix_alloc(k, k);
  gsl_vector *s = gsl_vector_alloc(k);
  /* never set */
  assert_int_equal(MV(logpdf)(fresh, f->X, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(MV_GRAD(fresh, f->X, G, NULL, NULL, NULL, &dnu), BM_EINVAL);
  assert_true(tu_all_nan_m(G) && (!MV_HAS_NU || isnan(dnu)));
  assert_int_equal(MV(fisher)(fresh, H), BM_EINVAL);
  assert_true(tu_all_nan_m(H));
  assert_int_equal(MV(sample)(fresh, r, G), BM_EINVAL);
  assert_int_equal(MV(mean)(fresh, G), BM_EINVAL);
  /* NULLs */
  assert_int_equal(MV(logpdf)(NULL, f->X, &lp), BM_EINVAL);
  assert_int_equal(MV(logpdf)(f->d, NULL, &lp), BM_EINVAL);
  assert_int_equal(MV(logpdf)(f->d, f->X, NULL), BM_EINVAL);
  assert_int_equal(MV_SET(NULL, nu, f->M, f->S, f->O), BM_EINVAL);
  assert_int_equal(MV_SET(f->d, nu, NULL, f->S, f->O), BM_EINVAL);
  assert_int_equal(MV_SET(f->d, nu, f->M, NULL, f->O), BM_EINVAL);
  assert_int_equal(MV_SET(f->d, nu, f->M, f->S, NULL), BM_EINVAL);
  assert_int_equal(MV(sample)(f->d, NULL, G), BM_EINVAL);
  assert_int_equal(MV(score)(f->d, f->X, NULL), BM_EINVAL);
  assert_int_equal(MV_HESS(f->d, f->X, NULL), BM_EINVAL);
  assert_int_equal(MV_HESS_X(f->d, NULL, H), BM_EINVAL);
  assert_int_equal(MV(fisher)(f->d, NULL), BM_EINVAL);
  assert_int_equal(MV(loglik)(f->d, NULL, 2, &lp, NULL), BM_EINVAL);
  const gsl_matrix *xs[2] = {f->X, NULL};
  assert_int_equal(MV(loglik)(f->d, xs, 2, &lp, NULL), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(MV(loglik)(f->d, xs, 0, &lp, NULL), BM_EINVAL);
  assert_int_equal(MV_LOGLIK_GRAD(f->d, xs, 2, &lp, G, NULL, NULL, &dnu), BM_EINVAL);
  assert_true(tu_all_nan_m(G) && (!MV_HAS_NU || isnan(dnu)) && isnan(lp));
  /* shapes */
  assert_int_equal(MV(logpdf)(f->d, bad, &lp), BM_EBADLEN);
  assert_true(isnan(lp));
  assert_int_equal(MV_SET(f->d, nu, bad, f->S, f->O), BM_EBADLEN);
  assert_int_equal(MV_SET(f->d, nu, f->M, f->O, f->O), BM_EBADLEN);
  assert_int_equal(MV_GRAD(f->d, f->X, bad, NULL, NULL, NULL, NULL), BM_EBADLEN);
  assert_int_equal(MV_GRAD(f->d, f->X, G, NULL, G, NULL, &dnu), BM_EBADLEN);
  assert_true(tu_all_nan_m(G) && (!MV_HAS_NU || isnan(dnu)));
  assert_int_equal(MV_HESS(f->d, f->X, Gn), BM_EBADLEN);
  assert_int_equal(MV_HESS_X(f->d, f->X, H), BM_EBADLEN);
  assert_int_equal(MV(fisher)(f->d, Gn), BM_EBADLEN);
  assert_int_equal(MV(sample)(f->d, r, bad), BM_EBADLEN);
  assert_int_equal(MV(mean)(f->d, bad), BM_EBADLEN);
  gsl_vector *s_short = gsl_vector_alloc(k - 1), *s_long = gsl_vector_alloc(k + 1);
  assert_int_equal(MV(score)(f->d, f->X, s_short), BM_EBADLEN);
  assert_int_equal(MV(score)(f->d, f->X, s_long), BM_EBADLEN);
  gsl_vector *each_bad = gsl_vector_alloc(3);
  const gsl_matrix *xs2[2] = {f->X, f->X};
  assert_int_equal(MV(loglik)(f->d, xs2, 2, &lp, each_bad), BM_EBADLEN);
  const gsl_matrix *xs3[2] = {f->X, bad};
  assert_int_equal(MV(loglik)(f->d, xs3, 2, &lp, NULL), BM_EBADLEN);
  /* non-finite */
  gsl_matrix *Xn = gsl_matrix_alloc(n, p);
  gsl_matrix_memcpy(Xn, f->X);
  gsl_matrix_set(Xn, bc->nan_i, bc->nan_j, NAN);
  assert_int_equal(MV(logpdf)(f->d, Xn, &lp), BM_ENONFINITE);
  assert_true(isnan(lp));
  assert_int_equal(MV(score)(f->d, Xn, s), BM_ENONFINITE);
  assert_true(isnan(gsl_vector_get(s, 0)) && isnan(gsl_vector_get(s, k - 1)));
  assert_int_equal(MV_HESS(f->d, Xn, H), BM_ENONFINITE);
  assert_true(tu_all_nan_m(H));
  gsl_matrix_set(Xn, bc->nan_i, bc->nan_j, bc->inf_x);
  assert_int_equal(MV_GRAD(f->d, Xn, G, NULL, NULL, NULL, NULL), BM_ENONFINITE);
  assert_true(tu_all_nan_m(G));
  assert_int_equal(MV_SET(f->d, nu, Xn, f->S, f->O), BM_ENONFINITE);
  { /* every evaluation entry point rejects a non-finite X the same way */
    gsl_matrix *Hx = gsl_matrix_alloc(n * p, n * p), *Gs = gsl_matrix_alloc(n, n);
    double ll = 0, dn = 0;
    const gsl_matrix *xsn[2] = {f->X, Xn};
    assert_int_equal(MV_HESS_X(f->d, Xn, Hx), BM_ENONFINITE);
    assert_true(tu_all_nan_m(Hx));
    assert_int_equal(MV_GRAD(f->d, Xn, NULL, NULL, Gs, NULL, &dn), BM_ENONFINITE);
    assert_true(tu_all_nan_m(Gs) && (!MV_HAS_NU || isnan(dn)));
    assert_int_equal(MV(loglik)(f->d, xsn, 2, &ll, NULL), BM_ENONFINITE);
    assert_true(isnan(ll));
    assert_int_equal(MV_LOGLIK_GRAD(f->d, xsn, 2, &ll, G, Gs, NULL, &dn), BM_ENONFINITE);
    assert_true(isnan(ll) && tu_all_nan_m(G) && tu_all_nan_m(Gs) && (!MV_HAS_NU || isnan(dn)));
    gsl_matrix_free(Hx);
    gsl_matrix_free(Gs);
  }
  /* asymmetric / indefinite / non-finite scales; previous parameters survive */
  double before, after;
  MV(logpdf)(f->d, f->X, &before);
  gsl_matrix *Sb = gsl_matrix_alloc(n, n);
  gsl_matrix_memcpy(Sb, f->S);
  gsl_matrix_set(Sb, bc->asym_i, bc->asym_j, gsl_matrix_get(Sb, bc->asym_i, bc->asym_j) + 0.5);
  assert_int_equal(MV_SET(f->d, nu, f->M, Sb, f->O), BM_ENOTSYM);
  gsl_matrix_memcpy(Sb, f->S);
  gsl_matrix_set(Sb, bc->neg_k, bc->neg_k, -1.0);
  assert_int_equal(MV_SET(f->d, nu, f->M, Sb, f->O), BM_ENOTSPD);
  gsl_matrix *Ob = gsl_matrix_calloc(p, p);
  gsl_matrix_set(Ob, 0, 0, 1.0);
  assert_int_equal(MV_SET(f->d, nu, f->M, f->S, Ob), BM_ENOTSPD);
  gsl_matrix_set(Ob, 1, 1, bc->bad_o);
  assert_int_equal(MV_SET(f->d, nu, f->M, f->S, Ob), BM_ENONFINITE);
  MV(logpdf)(f->d, f->X, &after);
  assert_true(before == after);
  if (tail) tail(f, r);
  gsl_matrix *mats[] = {Sb, Ob, Xn, G, Gn, bad, H};
  for (size_t i = 0; i < 7; i++) gsl_matrix_free(mats[i]);
  gsl_vector *vecs[] = {s_short, s_long, each_bad, s};
  for (size_t i = 0; i < 4; i++) gsl_vector_free(vecs[i]);
  MV(free)(fresh);
  fixture_free(f);
  gsl_rng_free(r);
}

#endif
