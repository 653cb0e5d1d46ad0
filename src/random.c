/* Random variates shared by the families (include/bayesmat/random.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/random.h"
#include "error.h"

int bm_rng_std_normal_vector(gsl_rng *r, gsl_vector *v)
{
  if (!r || !v) return BM_FAIL(BM_EINVAL, "%s is NULL", r == NULL ? "r" : "v");
  for (size_t i = 0; i < v->size; i++) v->data[i * v->stride] = gsl_ran_gaussian_ziggurat(r, 1.0);
  return BM_SUCCESS;
}

int bm_rng_std_normal_matrix(gsl_rng *r, gsl_matrix *A)
{
  if (!r || !A) return BM_FAIL(BM_EINVAL, "%s is NULL", r == NULL ? "r" : "A");
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) A->data[i * A->tda + j] = gsl_ran_gaussian_ziggurat(r, 1.0);
  return BM_SUCCESS;
}

int bm_rng_bartlett(gsl_rng *r, double nu, gsl_matrix *A)
{
  if (!r || !A) return BM_FAIL(BM_EINVAL, "%s is NULL", r == NULL ? "r" : "A");
  if (A->size1 != A->size2) return BM_FAIL(BM_EBADLEN, "A has %zu rows, expected %zu", A->size1, (size_t)(A->size2));
  size_t p = A->size1;
  int status = bm_validate_greater(nu, (double)p - 1.0);
  if (status) return status;
  for (size_t i = 0; i < p; i++) {
    double *row = A->data + i * A->tda;
    for (size_t j = 0; j < i; j++) row[j] = gsl_ran_gaussian_ziggurat(r, 1.0);
    /* chi^2_k = 2 Gamma(k/2, 1); gsl_ran_gamma is valid for any shape > 0 */
    row[i] = sqrt(2.0 * gsl_ran_gamma(r, 0.5 * (nu - (double)i), 1.0));
    for (size_t j = i + 1; j < p; j++) row[j] = 0.0;
  }
  return BM_SUCCESS;
}
