/* Internal (not installed): the definition of bm_wishart, owned by wishart.c;
 * wishart_stats.c reads a set object's nu, L_S, logdet_S and log_norm from it.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_WISHART_IMPL_H
#define BAYESMAT_WISHART_IMPL_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/wishart.h"

struct bm_wishart {
  size_t p;
  int is_set;
  double nu;
  gsl_matrix *L_S;     /* lower Cholesky factor of S, strict upper triangle 0 */
  gsl_matrix *stage;   /* _set factorizes here, then swaps with L_S */
  double logdet_S;     /* log|S| */
  double log_norm;     /* -nu p/2 log 2 - nu/2 log|S| - log Gamma_p(nu/2) */
};

#endif
