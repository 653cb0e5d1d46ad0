/* Internal (not installed): the definition of bm_mvn, owned by mvn.c;
 * mvn_stats.c reads a set object's mu, L and lognorm from it.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MVN_IMPL_H
#define BAYESMAT_MVN_IMPL_H

#include <stddef.h>
#include <stdatomic.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/mvn.h"
#include "small_p.h"

struct bm_mvn {
  size_t p, q;
  int is_set;
  gsl_vector *mu;
  gsl_matrix *Sigma;  /* full symmetric */
  gsl_matrix *L;      /* lower Cholesky factor of Sigma, strict upper = 0 */
  gsl_matrix *Lambda; /* Sigma^{-1}, full symmetric, valid once lambda_state == 2 */
  atomic_int lambda_state; /* 0: not computed, 1: being computed, 2: valid */
  double logdet;      /* log|Sigma| */
  double lognorm;     /* -p/2 log 2pi - 1/2 log|Sigma| */
  /* scratch used by _set only (validate + factorize here, then commit) */
  gsl_matrix *S1, *S2, *S3;
  bm_sp_coef sp; /* the single-point coefficients at p <= BM_SP_MAX (distributions/small_p.h) */
};

#endif
