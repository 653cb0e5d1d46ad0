/* Internal (not installed): the definition of bm_invwishart, owned by invwishart.c;
 * invwishart_stats.c reads a set object's nu, L_Psi, logdet_Psi and log_norm from it.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_INVWISHART_IMPL_H
#define BAYESMAT_INVWISHART_IMPL_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/invwishart.h"

struct bm_invwishart {
  size_t p;
  int is_set;
  double nu;
  gsl_matrix *L_Psi;   /* lower Cholesky factor of Psi, strict upper triangle 0 */
  gsl_matrix *stage;   /* _set factorizes here, then swaps with L_Psi */
  double logdet_Psi;   /* log|Psi| */
  double log_norm;     /* nu/2 log|Psi| - nu p/2 log 2 - log Gamma_p(nu/2) */
};

#endif
