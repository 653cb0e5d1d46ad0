/* Internal (not installed): the mergeable summary shared by the Wishart and
 * inverse-Wishart sufficient statistics, used by
 * distributions/wishart_stats.c and distributions/invwishart_stats.c.
 *
 * Summary of m SPD observations X_1..X_m: (m, A = sum_i T(X_i), l = sum_i log|X_i|)
 * with T(X) = X (Wishart) or X^-1 (inverse Wishart); each X_i is factorized
 * once (Cholesky). Merging adds (m, A, l). Each function here has the
 * documented behaviour and statuses of the bm_wishart_stats_* function of the
 * same suffix (include/bayesmat/wishart.h); a NULL s is BM_EINVAL (0 for sizes).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_WISHART_TYPE_STATS_H
#define BAYESMAT_WISHART_TYPE_STATS_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

typedef struct {
  size_t p;
  double m;
  double sum_logdet; /* sum_i log|X_i| */
  double *A;         /* p x p, full symmetric: sum_i T(X_i) */
  double *A_b;       /* the block being added */
  double *work;      /* p x p factor scratch */
} bm_spd_stats;

/* A set family object as the loglik code needs it (read from <family>_impl.h). */
typedef struct {
  double nu;
  const gsl_matrix *L; /* lower Cholesky factor of the scale */
  double logdet;       /* log|scale| */
  double log_norm;     /* log normalizing constant of one observation */
} bm_spd_view;

/* ll, G (full p x p), d_nu from a non-empty summary; B is p x p scratch.
 * Any of ll, G, d_nu may be NULL. */
typedef void bm_spd_stats_eval_fn(const bm_spd_stats *s, const bm_spd_view *v, double *B, double *ll, gsl_matrix *G,
                                  double *d_nu);

/* Empty summary of p x p observations; nonzero on p == 0, p too large or no memory. */
int bm_spd_stats_init(bm_spd_stats *s, size_t p);
void bm_spd_stats_release(bm_spd_stats *s);
int bm_spd_stats_reset(bm_spd_stats *s);
/* add (replace = 0) or compute (replace = 1) T(X_k) = X_k (invert = 0) or X_k^-1 (invert = 1) */
int bm_spd_stats_add(bm_spd_stats *s, const gsl_matrix *const *X, size_t m, int replace, int invert);
int bm_spd_stats_merge(bm_spd_stats *a, const bm_spd_stats *b);
int bm_spd_stats_get(const bm_spd_stats *s, double *m, gsl_matrix *A, double *sum_logdet);
size_t bm_spd_stats_packed_len(const bm_spd_stats *s);
/* kind: BM_PACK_WISHART or BM_PACK_INVWISHART (src/stats_pack.h) */
int bm_spd_stats_pack(const bm_spd_stats *s, double *buf, int kind);
int bm_spd_stats_unpack(bm_spd_stats *s, const double *buf, size_t len, int kind);
/* Validation, NaN-on-failure outputs, the empty summary (all zeros) and scratch;
 * eval does the rest. v is NULL when the family object is NULL or was never set
 * (BM_EINVAL). */
int bm_spd_stats_loglik_grad(const bm_spd_stats *s, const bm_spd_view *v, double *ll, gsl_matrix *G, double *d_nu,
                             bm_spd_stats_eval_fn *eval);

/* The public bm_F_stats_* of a Wishart-type family F (wishart, invwishart)
 * with scale P (S, Psi): thin wrappers of the functions above, each naming
 * itself in bm_last_error. kind: the pack tag (stats_pack.h); inv: 1 when A
 * sums X_i^-1; eval: the family's bm_spd_stats_eval_fn. */
#define BM_SPD_STATS_SURFACE(F, P, kind, inv, eval)                                                   \
  struct bm_##F##_stats {                                                                             \
    bm_spd_stats base;                                                                                \
  };                                                                                                  \
  bm_##F##_stats *bm_##F##_stats_alloc(size_t p)                                                      \
  {                                                                                                   \
    bm_##F##_stats *s = calloc(1, sizeof *s);                                                         \
    if (s && bm_spd_stats_init(&s->base, p)) {                                                        \
      free(s);                                                                                        \
      return NULL;                                                                                    \
    }                                                                                                 \
    return s;                                                                                         \
  }                                                                                                   \
  void bm_##F##_stats_free(bm_##F##_stats *s)                                                         \
  {                                                                                                   \
    if (!s) return;                                                                                   \
    bm_spd_stats_release(&s->base);                                                                   \
    free(s);                                                                                          \
  }                                                                                                   \
  size_t bm_##F##_stats_dim(const bm_##F##_stats *s) { return s ? s->base.p : 0; }                    \
  int bm_##F##_stats_reset(bm_##F##_stats *s) { return BM_WRAP(bm_spd_stats_reset(BM_SPD_BASE(s))); } \
  int bm_##F##_stats_add(bm_##F##_stats *s, const gsl_matrix *const *X, size_t m)                     \
  {                                                                                                   \
    return BM_WRAP(bm_spd_stats_add(BM_SPD_BASE(s), X, m, 0, inv));                                   \
  }                                                                                                   \
  int bm_##F##_stats_compute(bm_##F##_stats *s, const gsl_matrix *const *X, size_t m)                 \
  {                                                                                                   \
    return BM_WRAP(bm_spd_stats_add(BM_SPD_BASE(s), X, m, 1, inv));                                   \
  }                                                                                                   \
  int bm_##F##_stats_merge(bm_##F##_stats *a, const bm_##F##_stats *b)                                \
  {                                                                                                   \
    return BM_WRAP(bm_spd_stats_merge(BM_SPD_BASE(a), BM_SPD_BASE(b)));                               \
  }                                                                                                   \
  int bm_##F##_stats_get(const bm_##F##_stats *s, double *m, gsl_matrix *A, double *sum_logdet)       \
  {                                                                                                   \
    return BM_WRAP(bm_spd_stats_get(BM_SPD_BASE(s), m, A, sum_logdet));                               \
  }                                                                                                   \
  size_t bm_##F##_stats_packed_len(const bm_##F##_stats *s) { return bm_spd_stats_packed_len(BM_SPD_BASE(s)); } \
  int bm_##F##_stats_pack(const bm_##F##_stats *s, double *buf)                                       \
  {                                                                                                   \
    return BM_WRAP(bm_spd_stats_pack(BM_SPD_BASE(s), buf, kind));                                     \
  }                                                                                                   \
  int bm_##F##_stats_unpack(bm_##F##_stats *s, const double *buf, size_t len)                         \
  {                                                                                                   \
    return BM_WRAP(bm_spd_stats_unpack(BM_SPD_BASE(s), buf, len, kind));                              \
  }                                                                                                   \
  int bm_##F##_stats_loglik_grad(const bm_##F *d, const bm_##F##_stats *s, double *ll, gsl_matrix *d_##P, \
                                 double *d_nu)                                                        \
  {                                                                                                   \
    bm_spd_view v;                                                                                    \
    int bad = !s || !d || !d->is_set;                                                                 \
    if (!bad) v = (bm_spd_view){d->nu, d->L_##P, d->logdet_##P, d->log_norm};                         \
    return BM_WRAP(bm_spd_stats_loglik_grad(BM_SPD_BASE(s), bad ? NULL : &v, ll, d_##P, d_nu, eval)); \
  }                                                                                                   \
  int bm_##F##_stats_loglik(const bm_##F *d, const bm_##F##_stats *s, double *ll)                     \
  {                                                                                                   \
    if (!ll) return BM_FAIL(BM_EINVAL, "ll is NULL");                                                 \
    return bm_##F##_stats_loglik_grad(d, s, ll, NULL, NULL);                                          \
  }
#define BM_SPD_BASE(s) ((s) ? &(s)->base : NULL)

#endif
