/* Internal (not installed): the definition of bm_wishart, owned by wishart.c;
 * wishart_stats.c reads a set object's nu, L_S, logdet_S and log_norm from it.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_WISHART_IMPL_H
#define BAYESMAT_WISHART_IMPL_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/wishart.h"
#include "wishart_common.h"

BM_WT_STRUCT(wishart, S); /* log_norm = -nu p/2 log 2 - nu/2 log|S| - log Gamma_p(nu/2) */

#endif
