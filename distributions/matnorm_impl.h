/* Internal (not installed): the definition of bm_matnorm, owned by matnorm.c;
 * matnorm_stats.c reads a set object's sc (M and the factors L_row, L_col) and log_norm from it.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MATNORM_IMPL_H
#define BAYESMAT_MATNORM_IMPL_H

#include "bayesmat/matnorm.h"
#include "matrix_common.h"

struct bm_matnorm {
  bm_mc_scales sc;  /* n, p, M and the factors L_U (sc.L_row), L_V (sc.L_col): matrix_common.h */
  double log_norm;  /* -np/2 log 2pi - p/2 log|U| - n/2 log|V| */
};

#endif
