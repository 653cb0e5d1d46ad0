/* Shared test helpers (tests only). cmocka must be included after the
 * standard headers it needs, which this header does in the right order.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_TESTUTIL_H
#define BAYESMAT_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "bayesmat.h"
#include "cleanup_util.h" /* free_matrices(A, B, ...), free_vectors(a, b, ...) */

/* A seeded mt19937. */
gsl_rng *tu_rng(unsigned long seed);

/* Random SPD p x p with eigenvalues log-uniform in [1, cond] (Haar rotation),
 * scaled by `scale`. */
void tu_random_spd(gsl_rng *r, double cond, double scale, gsl_matrix *S);

/* A new p x p identity matrix. */
gsl_matrix *tu_identity(size_t p);

/* v <- vech of a tu_random_spd(r, cond, scale, .) q x q matrix (v of length q (q + 1) / 2). */
void tu_random_spd_vech(gsl_rng *r, double cond, double scale, size_t q, gsl_vector *v);

/* 1 when a matches the reference b within the absolute tolerance tol: both
 * finite and |a - b| <= tol, or both the same infinity. A tol that overflows
 * (a scale near DBL_MAX) falls back to rtol max(|a|, |b|), so the check never
 * becomes vacuous (with tol = inf any finite pair, or -inf against a finite
 * value, would pass). */
int tu_close_to(double a, double b, double tol, double rtol);

/* Fail unless |a - b| <= rtol * max(|b|, 1e-300) (b is the reference). */
#define tu_assert_rel(a, b, rtol) tu_assert_rel_impl((a), (b), (rtol), #a, __FILE__, __LINE__)
void tu_assert_rel_impl(double a, double b, double rtol, const char *what, const char *file, int line);

/* Fail unless |a - b| <= atol + rtol |b| elementwise. */
void tu_assert_matrix_close(const gsl_matrix *A, const gsl_matrix *B, double rtol, double atol);
void tu_assert_vector_close(const gsl_vector *a, const gsl_vector *b, double rtol, double atol);

/* Path of a file in tests/data (BAYESMAT_TEST_DATA, set by ctest). */
/* Read v / A (row-major) from a reference file, asserting every number is there. */
void tu_read_vector(FILE *f, gsl_vector *v);
void tu_read_matrix(FILE *f, gsl_matrix *A);
/* A <- entries uniform in (-s, s). */
void tu_random_matrix(gsl_rng *r, double s, gsl_matrix *A);
/* 2-norm condition number of a symmetric positive definite S (GSL eigenvalues). */
double tu_cond_number(const gsl_matrix *S);

/* max |A - B| / max |B| over the entries (B the reference; a zero B counts
 * as 1e-300); tu_vec_rel the same for vectors. */
double tu_mat_rel(const gsl_matrix *A, const gsl_matrix *B);
double tu_vec_rel(const gsl_vector *a, const gsl_vector *b);
/* K <- A (x) B (Kronecker product): K[i mb + k, j nb + l] = A[i, j] B[k, l],
 * K of size (ma mb) x (na nb); e.g. Cov(vec X) = V (x) U of a matrix normal. */
void tu_kron(const gsl_matrix *A, const gsl_matrix *B, gsl_matrix *K);

/* 1 when every entry is NaN (the failure contract of an output). */
int tu_all_nan_v(const gsl_vector *v);
int tu_all_nan_m(const gsl_matrix *A);
/* 1 when every entry is finite (the success contract of an output). */
int tu_all_finite_v(const gsl_vector *v);
int tu_all_finite_m(const gsl_matrix *A);

/* Finite-difference targets (bm_fn_scalar / _vector / _matrix of fd.h) over a
 * family, through bayesmat/family.h. The theta targets set d from theta and
 * evaluate at x; the x targets write x from its coordinates (the row of a
 * vector variate, vec X, or vech X for an SPD variate) and evaluate d there.
 * grad_x (the family's shaped gradient in the variate, on d->state, into G of
 * x's shape) is only needed by tu_fd_x_grad. */
typedef struct {
  bm_dist *d;
  gsl_matrix *x;
  gsl_matrix *G;
  int (*grad_x)(const void *state, const gsl_matrix *x, gsl_matrix *G);
} tu_fd;
int tu_fd_theta_logpdf(const gsl_vector *theta, void *params, double *f);
int tu_fd_theta_score(const gsl_vector *theta, void *params, gsl_vector *g);
int tu_fd_theta_hess(const gsl_vector *theta, void *params, gsl_matrix *H);
int tu_fd_x_logpdf(const gsl_vector *v, void *params, double *f);
int tu_fd_x_grad(const gsl_vector *v, void *params, gsl_vector *g);
int tu_fd_x_hess(const gsl_vector *v, void *params, gsl_matrix *H);
/* bm_check_gradient / bm_check_hessian of the score and Hessian in theta at
 * theta, then (d set to theta) of the gradient (when grad_x is given) and
 * Hessian in the variate at c->x; fails the test on a failed check, else
 * returns the worst relative error. opts may be NULL. */
double tu_fd_check_all(tu_fd *c, const gsl_vector *theta, const bm_check_options *opts);

const char *tu_data_path(const char *name, char *buf, size_t len);
/* tests/data/<name> opened for reading; fails the test if it cannot be. */
FILE *tu_open_data(const char *name);
/* Reads f up to and past the next record whose first word is `tag` (other
 * records are skipped to their line's end); 0 at the end of the file. */
int tu_next_record(FILE *f, const char *tag);
/* Reads the next line of f that is not a comment ('#' first) into line
 * (len bytes); 0 at the end of the file. */
int tu_next_data_line(FILE *f, char *line, size_t len);

/* Monte Carlo estimate of E[M] for a random n x n matrix M with per-entry
 * standard errors, accumulated one draw at a time (Welford). */
typedef struct {
  size_t n, draws;
  gsl_matrix *mean, *m2;
} tu_mc;
tu_mc *tu_mc_alloc(size_t n);
void tu_mc_free(tu_mc *m);
/* Add one draw of M = s s^T (outer product of a score). */
void tu_mc_add_outer(tu_mc *m, const gsl_vector *s);
/* Add one draw of M (e.g. a negative Hessian). */
void tu_mc_add(tu_mc *m, const gsl_matrix *M);
/* Largest |z| = |mean - expected| / se over entries; entries whose se is 0
 * must match exactly (else +inf). Entries with |mean - expected| <= atol are
 * z = 0 (for exactly-known zeros). Writes the worst entry to *wi, *wj. */
double tu_mc_max_z(const tu_mc *m, const gsl_matrix *expected, double atol, size_t *wi, size_t *wj);

/* The univariate normal N(mu, v) in theta = (mu, v) at the residual
 * r = y - mu: the score s (length 2) and, when H is not NULL, the Hessian H
 * (2 x 2); tu_normal_fisher: its Fisher information F = diag(1/v, 1/(2v^2)). */
void tu_normal_score_hess(double r, double v, gsl_vector *s, gsl_matrix *H);
void tu_normal_fisher(double v, gsl_matrix *F);
/* tu_normal_fisher at theta_i = (mu, v) as a bm_model Fisher callback (every
 * observation the same normal; i and params unused). */
int tu_normal_model_fisher(size_t i, const gsl_vector *theta, void *params, gsl_matrix *F);

/* Linear regression y_i ~ N(x_i^T beta, s2) as a model's per-observation
 * parameter map (bm_model / bm_family_model theta and curvature callbacks;
 * params is a tu_linreg): eta = (beta, s2), or (beta, log s2) when log_s2;
 * theta_i = (x_i^T beta, s2) with its Jacobian J (2 x (k+1)); a
 * non-positive s2 returns 1. The response is y or the n x 1 Y, whichever the
 * test's density takes; the map itself uses neither. */
typedef struct {
  size_t n, k;
  gsl_matrix *X; /* n x k */
  gsl_vector *y;
  gsl_matrix *Y;
  int log_s2;
} tu_linreg;
int tu_linreg_theta(size_t i, const gsl_vector *eta, void *params, gsl_vector *th, gsl_matrix *J);
int tu_linreg_curv(size_t i, const gsl_vector *eta, const gsl_vector *w, void *params, gsl_matrix *C);

#endif
