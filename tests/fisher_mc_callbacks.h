/* Callbacks of a bm_fisher_mc_problem for a typed vector family (draw x from
 * the distribution, its score, its Hessian at x), written once for the tests
 * that run the Monte Carlo Fisher check on mvn or mvt: tests/test_check.c and
 * the MPI tests. FISHER_MC_CALLBACKS(mvt) defines the context mvt_mc (the
 * distribution and the current draw) and mvt_mc_draw / _score / _hess.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_FISHER_MC_CALLBACKS_H
#define BAYESMAT_FISHER_MC_CALLBACKS_H

#include "bayesmat.h"

#define FISHER_MC_CALLBACKS(fam)                                                                   \
  typedef struct {                                                                                 \
    bm_##fam *d;                                                                                   \
    gsl_vector *x;                                                                                 \
  } fam##_mc;                                                                                      \
  static inline int fam##_mc_draw(gsl_rng *r, void *p)                                             \
  {                                                                                                \
    fam##_mc *c = p;                                                                               \
    return bm_##fam##_sample(c->d, r, c->x);                                                       \
  }                                                                                                \
  static inline int fam##_mc_score(void *p, gsl_vector *s)                                         \
  {                                                                                                \
    fam##_mc *c = p;                                                                               \
    return bm_##fam##_score(c->d, c->x, s);                                                        \
  }                                                                                                \
  static inline int fam##_mc_hess(void *p, gsl_matrix *H)                                          \
  {                                                                                                \
    fam##_mc *c = p;                                                                               \
    return bm_##fam##_hess(c->d, c->x, H);                                                         \
  }

#endif
