/* Internal (not installed): the definition of bm_invwishart, owned by invwishart.c;
 * invwishart_stats.c reads a set object's nu, L_Psi, logdet_Psi and log_norm from it.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_INVWISHART_IMPL_H
#define BAYESMAT_INVWISHART_IMPL_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/invwishart.h"
#include "wishart_common.h"

BM_WT_STRUCT(invwishart, Psi); /* log_norm = nu/2 log|Psi| - nu p/2 log 2 - log Gamma_p(nu/2) */

#endif
