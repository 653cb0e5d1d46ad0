/* bayesmat — the family descriptor and the generic distribution handle.
 *
 * A family is described by one const bm_family_type (in the manner of GSL's
 * gsl_rng_type): its name, the shape of its variate, the blocks of its
 * parameter vector theta, and its operations as function pointers on an
 * opaque per-object state. Each built-in family defines its descriptor at
 * the end of its own source file (bm_family_mvn ... bm_family_matf) and
 * bm_family_list() returns them all. A bm_dist pairs a descriptor with a
 * state; the bm_dist_* functions below dispatch through the descriptor, so a
 * tool written against bm_dist_* (the CLI, model Fisher, Jeffreys, checks,
 * bindings) works on every built-in family and on a user's own family.
 *
 * The variate is always a gsl_matrix: 1 x p for mvn and mvt, p x p for
 * wishart, invwishart and matf, n x p for matnorm and matt. theta is the
 * family's parameter vector in the order of docs/theta.md (vec for general
 * matrices, vech for symmetric ones, scalars such as nu last).
 *
 * Results through bm_dist_* are bit-identical to the typed bm_F_* calls:
 * the built-in operations are thin adapters that call them.
 *
 * A user family: fill a static const bm_family_type with at least name,
 * variate, alloc, free, shape, nparams, set_theta and logpdf; every other
 * operation may be NULL, and the bm_dist_* function for an absent operation
 * returns BM_ENOTSUP (outputs NaN-filled). docs/adding-a-family.md walks
 * through it.
 *
 * Threads: bm_family_* are pure. A bm_dist is like the typed objects: after
 * bm_dist_set_theta it is read-only and may be evaluated from any number of
 * threads at once (if the family's own operations allow it, as every
 * built-in one does).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_FAMILY_H
#define BAYESMAT_FAMILY_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** What the variate is; it decides the layout of hess_x and of a variate's vec. */
typedef enum {
  BM_VARIATE_VECTOR = 1, /**< x in R^p, passed as a 1 x p matrix (rows == 1) */
  BM_VARIATE_MATRIX,     /**< X a general n x p matrix; Hessian in vec X (np x np) */
  BM_VARIATE_SPD         /**< X symmetric positive definite p x p; Hessian in vech X */
} bm_variate_kind;

/** How one block of theta is laid out. */
typedef enum {
  BM_BLOCK_SCALAR = 1, /**< one entry (rows and cols are BM_DIM_ONE) */
  BM_BLOCK_VEC,        /**< a general matrix, vec (columns stacked): rows * cols entries */
  BM_BLOCK_VECH        /**< a symmetric rows x rows matrix, vech: rows (rows + 1) / 2 entries */
} bm_block_kind;

/** A block's dimension in terms of the variate's shape (rows x cols). */
typedef enum {
  BM_DIM_ONE = 1, /**< 1 */
  BM_DIM_ROWS,    /**< the variate's number of rows (n for matnorm/matt; p for the SPD families) */
  BM_DIM_COLS     /**< the variate's number of columns (p) */
} bm_block_dim;

/** One named block of theta, for reports, parameter files and bindings. */
typedef struct {
  const char *name;   /**< the parameter's name as _set calls it: "mu", "Sigma", "nu", ... */
  bm_block_kind kind; /**< scalar, vec or vech */
  bm_block_dim rows;  /**< the block's matrix rows (BM_DIM_ONE for a scalar or a vector) */
  bm_block_dim cols;  /**< the block's matrix columns (equal to rows for BM_BLOCK_VECH) */
} bm_theta_block;

/** Initializers of a bm_theta_block: a scalar; a general rows x cols block
 *  (vec); a symmetric dim x dim block (vech). */
#define BM_THETA_SCALAR(name) {(name), BM_BLOCK_SCALAR, BM_DIM_ONE, BM_DIM_ONE}
#define BM_THETA_VEC(name, rows, cols) {(name), BM_BLOCK_VEC, (rows), (cols)}
#define BM_THETA_VECH(name, dim) {(name), BM_BLOCK_VECH, (dim), (dim)}

/**
 * A family. Every field is public; a user may define their own. "state" below
 * is whatever the family's alloc returns (for the built-in families, the typed
 * object: a bm_mvn *, a bm_wishart *, ...). Each operation returns a status
 * of bayesmat/status.h and follows the library's conventions: outputs are
 * caller-allocated with the sizes given, NaN-filled on failure; a variate
 * outside the support gives BM_EDOM (and *lp = -INFINITY from logpdf).
 * Operations marked "may be NULL" make the matching bm_dist_* return
 * BM_ENOTSUP.
 */
typedef struct bm_family_type {
  /** Short lower-case name ("mvn"), unique in bm_family_list. Required. */
  const char *name;
  /** One line for humans ("multivariate normal N_p(mu, Sigma)"). May be NULL. */
  const char *description;
  /** The variate's kind. Required. */
  bm_variate_kind variate;
  /** theta's blocks in theta's order (their lengths add up to nparams); NULL
   *  when the family does not name them (then nblocks is 0). */
  const bm_theta_block *blocks;
  /** Number of entries of blocks. */
  size_t nblocks;

  /** A new unset state for a rows x cols variate; NULL when the family cannot
   *  have that shape (e.g. rows != 1 for a vector family) or out of memory. Required. */
  void *(*alloc)(size_t rows, size_t cols);
  /** Free a state (NULL is a no-op). Required. */
  void (*free)(void *state);
  /** The variate's shape of a state (never NULL state). Required. */
  void (*shape)(const void *state, size_t *rows, size_t *cols);
  /** Length m of theta. Required. */
  size_t (*nparams)(const void *state);
  /** Set the parameters from theta (length m), validating them; on failure
   *  the state keeps its previous parameters. Required. */
  int (*set_theta)(void *state, const gsl_vector *theta);
  /** theta (length m) of a set state. May be NULL. */
  int (*get_theta)(const void *state, gsl_vector *theta);
  /** log f(x), x rows x cols. Required. */
  int (*logpdf)(const void *state, const gsl_matrix *x, double *lp);
  /** Score d log f / d theta at x, s of length m. May be NULL. */
  int (*score)(const void *state, const gsl_matrix *x, gsl_vector *s);
  /** Hessian d2 log f / d theta d theta^T at x, H m x m. May be NULL. */
  int (*hess)(const void *state, const gsl_matrix *x, gsl_matrix *H);
  /** Hessian of log f in the variate: p x p (vector), np x np in vec X
   *  (matrix), q x q in vech X with q = p(p+1)/2 (SPD). May be NULL. */
  int (*hess_x)(const void *state, const gsl_matrix *x, gsl_matrix *H);
  /** Fisher information of one observation, E[-hess], F m x m. May be NULL. */
  int (*fisher)(const void *state, gsl_matrix *F);
  /** One draw into x (rows x cols) from the caller's generator. May be NULL. */
  int (*sample)(const void *state, gsl_rng *r, gsl_matrix *x);
  /** The mean, rows x cols; BM_EDOM where it does not exist. May be NULL. */
  int (*mean)(const void *state, gsl_matrix *mean);
  /** Sum of log f over the rows of X (N x rows*cols, row i = vec of the i-th
   *  observation), each (length N, may be NULL) the per-row terms. May be
   *  NULL: bm_dist_loglik then sums logpdf row by row. */
  int (*loglik)(const void *state, const gsl_matrix *X, double *ll, gsl_vector *each);
} bm_family_type;

/**
 * A distribution: a family and one state of it. The fields are public so that
 * a typed object can be viewed as a bm_dist without copying:
 *   bm_dist view = {&bm_family_wishart, w};   (w a bm_wishart *)
 * Such a view is owned by the caller of the typed API: never pass it to
 * bm_dist_free. A bm_dist from bm_dist_alloc owns its state.
 */
typedef struct bm_dist {
  const bm_family_type *type; /**< the family */
  void *state;                /**< the family's object (e.g. a bm_mvn *) */
} bm_dist;

/** The built-in descriptors (each defined at the end of its family's file). */
extern const bm_family_type bm_family_mvn;
extern const bm_family_type bm_family_mvt;
extern const bm_family_type bm_family_wishart;
extern const bm_family_type bm_family_invwishart;
extern const bm_family_type bm_family_matnorm;
extern const bm_family_type bm_family_matt;
extern const bm_family_type bm_family_matf;

/** The built-in family called name ("mvn", "mvt", "wishart", "invwishart",
 *  "matnorm", "matt", "matf"); NULL for NULL or an unknown name. */
const bm_family_type *bm_family_find(const char *name);

/** The built-in families, NULL-terminated, in the order above. Static; never NULL. */
const bm_family_type *const *bm_family_list(void);

/** T->name, or NULL for NULL T. */
const char *bm_family_name(const bm_family_type *T);

/** Length of a theta block for a rows x cols variate: 1, rows*cols of its
 *  matrix (vec) or q(q+1)/2 (vech); 0 for a NULL block. */
size_t bm_theta_block_len(const bm_theta_block *b, size_t rows, size_t cols);

/**
 * A new unset distribution of family T for a rows x cols variate: 1 x p for
 * mvn and mvt; p x p for wishart, invwishart and matf; n x p for matnorm and
 * matt. Allocates the family's object.
 * @return the distribution; NULL for NULL T, a type without alloc/free, a
 *         shape the family cannot have, or no memory.
 */
bm_dist *bm_dist_alloc(const bm_family_type *T, size_t rows, size_t cols);

/** Free a distribution from bm_dist_alloc and its state; NULL is a no-op. */
void bm_dist_free(bm_dist *d);

/** d's family; NULL for NULL d. */
const bm_family_type *bm_dist_type(const bm_dist *d);

/** Length of theta; 0 for NULL d. */
size_t bm_dist_nparams(const bm_dist *d);

/** The variate's shape (either pointer may be NULL); 0 x 0 for NULL d. */
void bm_dist_shape(const bm_dist *d, size_t *rows, size_t *cols);

/**
 * Set the parameters from theta, the family's theta order (docs/theta.md),
 * validated as the family's _set does.
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN (length not nparams);
 *         the family's _set statuses (BM_ENONFINITE, BM_ENOTSPD, BM_EDOM, ...).
 *         On failure d keeps its previous parameters.
 */
int bm_dist_set_theta(bm_dist *d, const gsl_vector *theta);

/**
 * theta of a set distribution.
 * @param theta  out, length nparams; NaN on failure
 * @return BM_SUCCESS; BM_EINVAL (NULL, or never set); BM_EBADLEN; BM_ENOTSUP
 *         (the family has no get_theta); BM_ENOMEM.
 */
int bm_dist_get_theta(const bm_dist *d, gsl_vector *theta);

/**
 * log f(x).
 * @param x   rows x cols (1 x p for a vector family)
 * @param lp  out; -INFINITY outside the support, NaN on other failures
 * @return BM_SUCCESS; BM_EINVAL (NULL, or d never set); BM_EBADLEN (shape);
 *         BM_ENONFINITE; BM_ENOTSYM; BM_EDOM (x outside the support); BM_ENOMEM.
 */
int bm_dist_logpdf(const bm_dist *d, const gsl_matrix *x, double *lp);

/** Score d log f / d theta at x; s of length nparams, NaN on failure.
 *  @return as bm_dist_logpdf; BM_ENOTSUP (no score op). */
int bm_dist_score(const bm_dist *d, const gsl_matrix *x, gsl_vector *s);

/** Hessian d2 log f / d theta d theta^T at x; H nparams x nparams, NaN on failure.
 *  @return as bm_dist_logpdf; BM_ENOTSUP (no hess op). */
int bm_dist_hess(const bm_dist *d, const gsl_matrix *x, gsl_matrix *H);

/** Hessian of log f in the variate at x (layout: bm_family_type.hess_x).
 *  @return as bm_dist_logpdf; BM_ENOTSUP (no hess_x op). */
int bm_dist_hess_x(const bm_dist *d, const gsl_matrix *x, gsl_matrix *H);

/**
 * Fisher information of one observation, E[-d2 log f / d theta d theta^T],
 * in closed form.
 * @param F  out, nparams x nparams; NaN on failure
 * @return BM_SUCCESS; BM_EINVAL (NULL, never set); BM_EBADLEN; BM_ENOTSUP
 *         (no fisher op); the family's own (e.g. BM_EDOM where the
 *         information is infinite); BM_ENOMEM.
 */
int bm_dist_fisher(const bm_dist *d, gsl_matrix *F);

/**
 * Jeffreys log prior 1/2 log det of the Fisher matrix or of its block on the
 * k indices idx (all of theta when idx is NULL and k is 0). Defined in the
 * inference layer (it needs bm_jeffreys_from_fisher).
 * @param lp  out; NaN on failure
 * @return BM_SUCCESS; BM_EINVAL (NULL d or lp, never set, bad idx);
 *         BM_ENOTSUP (no fisher op); BM_ESING (singular block); the statuses
 *         of bm_dist_fisher and bm_jeffreys_from_fisher (BM_ENOTSPD for a
 *         numerically indefinite block, BM_EDOM for a Fisher matrix beyond
 *         double range); BM_ENOMEM.
 */
int bm_dist_jeffreys(const bm_dist *d, const size_t *idx, size_t k, double *lp);

/** One draw into x (rows x cols; NaN on failure) from the caller's generator.
 *  @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENOTSUP (no sampler); BM_ENOMEM. */
int bm_dist_sample(const bm_dist *d, gsl_rng *r, gsl_matrix *x);

/**
 * n draws into the rows of X from the caller's generator, in one call: row i
 * holds exactly what the (i+1)-th of n successive bm_dist_sample calls on the
 * same r would have drawn, bit for bit, and r is left where those calls would
 * leave it, so a seed gives the same variates drawn one at a time or in a
 * batch, wherever x and X sit in memory. The family's sample
 * operation runs once per row; the call itself allocates nothing for a
 * variate of up to 4096 entries (one scratch variate from malloc beyond
 * that, for the whole batch).
 * @param d  a set distribution with a sample operation
 * @param r  the generator (advanced by the draws)
 * @param X  out, n x (rows * cols), n = X->size1 (any n, 0 included; tda may
 *           exceed size2): row i is the vec (columns stacked) of the i-th
 *           draw, the layout bm_dist_loglik takes, so X can be passed to it
 *           as it is. For a vector family a row is the draw x itself; for an
 *           SPD family the draw is symmetric, so its vec is also its
 *           row-major order; for matnorm and matt (rows x cols variates)
 *           entry (k, j) of draw i is X[i, j * rows + k].
 * @return BM_SUCCESS (n = 0: after the checks below, nothing drawn and r not
 *         used; a never-set d is reported only by a draw, so not for n = 0);
 *         BM_EINVAL (d NULL or not a distribution, r or X NULL, a family
 *         without shape, d never set); BM_ENOTSUP (the family has no sample
 *         operation); BM_EBADLEN (X->size2 != rows * cols); BM_ENOMEM; and
 *         the first failing draw's status from the family (BM_EDOM from the
 *         built-in families when a draw exceeds double range, as mvt's and
 *         matt's can at tiny nu). On failure all of X is NaN, the draws
 *         made before the failing one included, and r has advanced by the
 *         draws attempted.
 */
int bm_dist_sample_n(const bm_dist *d, gsl_rng *r, gsl_matrix *X);

/** The mean (rows x cols; NaN on failure).
 *  @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_EDOM (no mean: mvt/matt nu <= 1,
 *          matf delta <= 2); BM_ENOTSUP (no mean op). */
int bm_dist_mean(const bm_dist *d, gsl_matrix *mean);

/**
 * Log-likelihood of N observations.
 * @param X     N x (rows * cols); row i is the vec (columns stacked) of the
 *              i-th variate (for a vector family simply the observation)
 * @param ll    out: sum of the log-densities; NaN on failure (-INFINITY when
 *              an observation is outside the support, with BM_EDOM)
 * @param each  optional (NULL), length N: the per-observation log-densities
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN (X's columns, each's length);
 *         the statuses of bm_dist_logpdf; BM_ENOMEM. Allocates N matrices of
 *         the variate's shape for a matrix variate.
 */
int bm_dist_loglik(const bm_dist *d, const gsl_matrix *X, double *ll, gsl_vector *each);

BM_END_DECLS
#endif
