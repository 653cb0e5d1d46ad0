/* bayesmat — random variates shared by the families.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_RANDOM_H
#define BAYESMAT_RANDOM_H

#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Fill v with independent N(0, 1) draws. @return BM_SUCCESS; BM_EINVAL. */
int bm_rng_std_normal_vector(gsl_rng *r, gsl_vector *v);

/** Fill A with independent N(0, 1) draws. @return BM_SUCCESS; BM_EINVAL. */
int bm_rng_std_normal_matrix(gsl_rng *r, gsl_matrix *A);

/**
 * Bartlett factor of W_p(nu, I) (Smith & Hocking 1972): lower-triangular A
 * with A_ii = sqrt(chi^2_{nu - i}) (i = 0..p-1, 0-based) and A_ij ~ N(0,1)
 * for i > j, so that (L A)(L A)^T ~ W_p(nu, L L^T). Valid for every real
 * nu > p - 1 (each chi^2 has nu - i > 0 degrees of freedom).
 * @param A  out p x p; strict upper triangle set to 0
 * @return BM_SUCCESS; BM_EINVAL (NULL); BM_EBADLEN (A not square);
 *         BM_ENONFINITE (nu not finite); BM_EDOM (nu <= p - 1).
 */
int bm_rng_bartlett(gsl_rng *r, double nu, gsl_matrix *A);

BM_END_DECLS
#endif
