/* A tiny program using an installed bayesmat (pkg-config and find_package). */
#include <stdio.h>
#include <complex.h> /* defines the macro I: headers must not use I as a name */
#include <bayesmat.h>

int main(void)
{
  gsl_matrix *S = gsl_matrix_alloc(2, 2), *L = gsl_matrix_alloc(2, 2);
  gsl_matrix_set(S, 0, 0, 4.0);
  gsl_matrix_set(S, 1, 0, 2.0);
  gsl_matrix_set(S, 0, 1, 2.0);
  gsl_matrix_set(S, 1, 1, 3.0);
  int status = bm_validate_spd(S, 2, L, NULL);
  double logdet = bm_chol_logdet(L); /* log(12 - 4) = log 8 */
  printf("bayesmat %s: %s, log|S| = %.6f\n", bm_version(), bm_strerror(status), logdet);
  gsl_matrix_free(S);
  gsl_matrix_free(L);
  return status == BM_SUCCESS && logdet > 2.0794 && logdet < 2.0795 ? 0 : 1;
}
