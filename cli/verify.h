/* The `bayesmat verify` framework: each component adds rows to one table.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CLI_VERIFY_H
#define BAYESMAT_CLI_VERIFY_H

#include <stdio.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/fd.h"

typedef struct {
  unsigned long seed;
  int quick;       /* --quick: fewer points and Monte Carlo draws */
  int json;        /* --json: rows as a JSON array */
  int progress;    /* progress on stderr (stderr is a terminal) */
  FILE *out;
  size_t rows;
  size_t failures;
  gsl_rng *rng;    /* seeded from seed; components draw their points from it */
  const char *inject; /* --inject NAME: a deliberate defect the table must catch (self-test), or NULL */
} verify_ctx;

/* One row: the worst relative error `err` of `quantity` against `tol`.
 * A NaN err is a failure. */
void verify_row(verify_ctx *c, const char *component, const char *quantity, double err, double tol);

/* Progress message for long (Monte Carlo) parts; no-op unless c->progress. */
void verify_progress(verify_ctx *c, const char *component, size_t done, size_t total);

/* ---- Shared machinery of the family components (cli/verify_util.c) ----
 *
 * A family is seen through a verify_family: its descriptor (bayesmat/family.h;
 * every operation goes through bm_dist_* on {type, d}), its object, its
 * variate's shape (a gsl_vector * for vector families, contiguous, viewed as
 * the descriptor's 1 x p matrix; a gsl_matrix * otherwise). The family file
 * adds what is its own: `set` (θ -> object, packed by hand) and, for
 * X-derivative rows, `grad_x`. A fault injection replaces an operation in a
 * copy of the descriptor. */

typedef struct verify_family verify_family;
struct verify_family {
  const bm_family_type *type;
  void *d;           /* the family object; `set` overwrites it */
  size_t rows, cols; /* the variate: a vector of length rows (cols == 0), or a rows x cols matrix */
  int vech_x;        /* SPD variate: X-derivatives in vech X coordinates (else vec X, or x) */
  /* θ (docs/contract.md order, symmetric blocks as vech) -> f->d; non-zero where θ is invalid */
  int (*set)(verify_family *f, const gsl_vector *theta);
  /* shaped gradient d log f / d X into G (the variate's shape); NULL without X rows */
  int (*grad_x)(const verify_family *f, const void *x, void *G);
};

/* S = scale (A A^T / p + I/2), A p x p standard normal from r: SPD, moderately conditioned. */
void verify_random_spd(gsl_rng *r, double scale, gsl_matrix *S);

/* max |A - B| / max |B| over entries (the denominator floored at 1e-300);
 * NaN when any entry of A - B is NaN. */
double verify_max_rel(const gsl_matrix *A, const gsl_matrix *B);

/* max(w, |a - ref| / max(1, |ref|)); NaN once w, a or ref is NaN (fmax would
 * drop it): the running worst error over points. */
double verify_worst(double w, double a, double ref);

/* A limit or reduction of the density a to the density b (the same variate
 * shape): verify_worst(w, log a(x), log b(x)) accumulated over n draws x of b. */
double verify_same_density(gsl_rng *r, const bm_dist *a, const bm_dist *b, size_t n, double w);

/* Read (get) or write (put) the block of θ starting at *at as vech A (vech != 0,
 * A square) or vec A; *at moves past the block. */
void verify_theta_get(const gsl_vector *theta, size_t *at, gsl_matrix *A, int vech);
void verify_theta_put(gsl_vector *theta, size_t *at, const gsl_matrix *A, int vech);

/* bm_check_gradient / bm_check_hessian (with the gradient) reduced to the worst
 * relative error; NaN when the check could not run. */
double verify_grad_check(bm_fn_scalar f, bm_fn_vector g, void *params, const gsl_vector *x,
                         const bm_check_options *opt);
double verify_hess_check(bm_fn_scalar f, bm_fn_vector g, bm_fn_matrix h, void *params, const gsl_vector *x,
                         const bm_check_options *opt);

/* score (hess) against finite differences of log f (of the score) over θ at the
 * fixed variate x; worst relative error or NaN. On return f->d is set at θ. */
double verify_score_fd(verify_family *f, const void *x, const gsl_vector *theta, const bm_check_options *opt);
double verify_hess_fd(verify_family *f, const void *x, const gsl_vector *theta, const bm_check_options *opt);

/* grad_x (hess_x) against finite differences of log f (of grad_x) in the
 * variate's coordinates around x, at f->d as set; worst relative error or NaN. */
double verify_grad_x_fd(const verify_family *f, const void *x, const bm_check_options *opt);
double verify_hess_x_fd(const verify_family *f, const void *x, const bm_check_options *opt);

/* One point of the derivative rows: e[0..3] <- the max of e and the errors of
 * the score, θ-Hessian (verify_score_fd, verify_hess_fd at θ, x) and, when
 * f->grad_x is set, of grad_x and hess_x (verify_grad_x_fd, verify_hess_x_fd). */
enum { VERIFY_FD_NE = 4 };
void verify_fd_point(verify_family *f, const void *x, const gsl_vector *theta, const bm_check_options *opt,
                     double e[VERIFY_FD_NE]);

/* Entrywise Monte Carlo mean and standard error of a matrix-valued draw. */
typedef struct {
  gsl_matrix *sum, *sum2;
  size_t count;
} verify_moments;
int verify_moments_init(verify_moments *m, size_t rows, size_t cols); /* 0, or 1 without memory */
void verify_moments_free(verify_moments *m);
void verify_moments_add(verify_moments *m, double a, const gsl_matrix *A); /* one draw of a A */
void verify_moments_add_outer(verify_moments *m, const gsl_vector *s);    /* one draw of s s^T */
/* max over entries of |mean - E| / standard error; entries that agree with E
 * to 1e-10 (1 + |E|) count as z = 0 (deterministic ones differ by rounding). */
double verify_moments_maxz(const verify_moments *m, const gsl_matrix *E);
/* |mean - E|_F / |E|_F */
double verify_moments_rel_frobenius(const verify_moments *m, const gsl_matrix *E);

/* Fisher information of f->d (as set) against `draws` draws of its own sampler:
 * max |z| of E[s s^T] and E[-H]. hess_frob (may be NULL): the relative Frobenius
 * error of the mean of -H. NaN when any draw fails. Progress under `component`. */
double verify_fisher_mc(verify_ctx *c, const char *component, const verify_family *f, size_t draws,
                        double *hess_frob);

/* A density that depends on the scales (A, B) only through B (x) A (matnorm,
 * matt) is unchanged along (A, B) -> (cA, B/c): its Fisher information
 * I = fisher(f->d) has the null vector v = (0, vech A, -vech B, 0), vech A at θ
 * position `at`. Returns |I v| / (|I|_F |v|). */
double verify_kron_null_vector(const verify_family *f, size_t at, const gsl_matrix *A, const gsl_matrix *B);

/* θ = (vec M, vech S, vech O[, nu]) of a Kronecker-scaled family (matnorm, matt;
 * M f->rows x f->cols, S and O square) -> f->d through set(f->d, M, S, O, nu),
 * nu NaN where θ ends after O. For verify_family.set. */
typedef int (*verify_kron_setter)(void *d, const gsl_matrix *M, const gsl_matrix *S, const gsl_matrix *O, double nu);
int verify_kron_set(verify_family *f, const gsl_vector *theta, verify_kron_setter set);

/* The rows of a Kronecker-scaled matrix-variate family (matnorm, matt),
 * accumulated over points: verify_matrix_point adds the point (f set at θ t,
 * variate X, scales S n x n and O p x p) to e[] (score, θ-Hessian and vec-X
 * Hessian vs finite differences, Fisher max|z|, null vector; start at 0);
 * verify_matrix_rows writes the five rows, `null_vector` naming the last. */
enum { VERIFY_MATRIX_NE = 5 };
void verify_matrix_point(verify_ctx *c, const char *component, verify_family *f, const gsl_vector *t,
                         const gsl_matrix *X, const gsl_matrix *S, const gsl_matrix *O, double e[VERIFY_MATRIX_NE]);
void verify_matrix_rows(verify_ctx *c, const char *component, const double e[VERIFY_MATRIX_NE],
                        const char *null_vector);

/* The vector families (mvn, mvt): t[0 .. p + p(p+1)/2) <- (mu, vech Sigma), mu
 * standard normal, Sigma random SPD at a scale between 1/e and e (from r). */
void verify_location_scale_theta(gsl_rng *r, size_t p, gsl_vector *t);
/* Row "Fisher vs Monte Carlo (max |z| / 5)" of a vector family of dimension
 * f->rows at θ = (mu, vech Sigma, extra[0 .. nextra)) as above, with `draws` draws. */
void verify_location_scale_fisher(verify_ctx *c, const char *component, verify_family *f, const double *extra,
                                  size_t nextra, size_t draws);

/* The descriptor's batched log-likelihood of n standard normal rows (drawn from
 * c->rng) against the sum of their single log-densities: |ll - sum| / |sum|
 * (vector families). */
double verify_loglik_batch(verify_ctx *c, const verify_family *f, size_t n);

/* The Wishart-type families (wishart, invwishart): θ = (vech S, nu), an SPD
 * variate, and the same entry points beyond the descriptor's, gathered by
 * VERIFY_WISHART_TYPE_OPS(F) into F_wops. */
typedef struct {
  void *(*alloc)(size_t p);
  void (*free)(void *d);
  int (*set)(void *d, double nu, const gsl_matrix *S);
  int (*set_chol)(void *d, double nu, const gsl_matrix *L);
  int (*grad)(const void *d, const gsl_matrix *X, gsl_matrix *dX, gsl_matrix *dS, double *dnu);
  int (*loglik)(const void *d, const gsl_matrix *const *X, size_t m, double *ll);
  int (*loglik_grad)(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_matrix *dS, double *dnu);
} verify_wishart_ops;

#define VERIFY_WISHART_TYPE_OPS(F)                                                                            \
  static void *F##_alloc_(size_t p) { return bm_##F##_alloc(p); }                                            \
  static void F##_free_(void *d) { bm_##F##_free(d); }                                                        \
  static int F##_set_(void *d, double nu, const gsl_matrix *S) { return bm_##F##_set(d, nu, S); }             \
  static int F##_set_chol_(void *d, double nu, const gsl_matrix *L) { return bm_##F##_set_chol(d, nu, L); }   \
  static int F##_grad_(const void *d, const gsl_matrix *X, gsl_matrix *dX, gsl_matrix *dS, double *dnu)       \
  {                                                                                                           \
    return bm_##F##_grad(d, X, dX, dS, dnu);                                                                  \
  }                                                                                                           \
  static int F##_loglik_(const void *d, const gsl_matrix *const *X, size_t m, double *ll)                     \
  {                                                                                                           \
    return bm_##F##_loglik(d, X, m, ll, NULL);                                                                \
  }                                                                                                           \
  static int F##_loglik_grad_(const void *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_matrix *dS, \
                              double *dnu)                                                                    \
  {                                                                                                           \
    return bm_##F##_loglik_grad(d, X, m, ll, dS, dnu);                                                        \
  }                                                                                                           \
  static const verify_wishart_ops F##_wops = {F##_alloc_,  F##_free_,   F##_set_,        F##_set_chol_,       \
                                              F##_grad_,   F##_loglik_, F##_loglik_grad_}

/* Rows "score = FD of logpdf", "hess = FD of score", "grad X = FD of logpdf
 * (vech X)", "hess_x = FD of grad X" at random points, p = 1..3, with X of the
 * order of nu S (Wishart) or S / nu (inverse != 0: S is then scaled by nu), and
 * "Fisher vs Monte Carlo (max|z|/6)" at p = 2. */
void verify_wishart_type_derivatives(verify_ctx *c, const char *component, const bm_family_type *T,
                                     const verify_wishart_ops *w, int inverse);
/* Row "p=1 logpdf = GSL gamma" (inverse: "... inverse gamma") at 10 random
 * (nu, s, x): W_1(nu, s) = Gamma(nu/2, scale 2s); for the inverse Wishart 1/X
 * has that law with s -> 1/s, so f(x) = g(1/x) / x^2. */
void verify_wishart_type_p1(verify_ctx *c, const char *component, const bm_family_type *T,
                            const verify_wishart_ops *w, int inverse);
/* Rows "set_chol = set", "loglik = sum of logpdf", "loglik_grad = sum of grads"
 * at p = 4 with 5 draws from the family's sampler. */
void verify_wishart_type_identities(verify_ctx *c, const char *component, const bm_family_type *T,
                                    const verify_wishart_ops *w);

/* Components, one file each (cli/verify_<name>.c). */
void verify_core(verify_ctx *c);
void verify_mvn(verify_ctx *c);
void verify_mvt(verify_ctx *c);
void verify_wishart(verify_ctx *c);
void verify_invwishart(verify_ctx *c);
void verify_matnorm(verify_ctx *c);
void verify_matt(verify_ctx *c);
void verify_matf(verify_ctx *c);
void verify_laplace(verify_ctx *c);   /* laplace, transforms, jeffreys, model Fisher */
void verify_conjugate(verify_ctx *c); /* niw, blr, mniw, checkers */
void verify_stats(verify_ctx *c);     /* mergeable sufficient statistics */

#endif
