/* libFuzzer harness: the shared core (validation, Cholesky algebra, vech,
 * special functions, the finite-difference engine) on hostile inputs. Any
 * crash, sanitizer report, or GSL error handler call (default: abort) is a
 * finding. SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz_input.h"

static int f_logdet(const gsl_vector *x, void *p, double *f)
{
  gsl_matrix *S = p;
  if (bm_vech_unpack(x, S)) return 1;
  if (bm_chol_factor(S, S, NULL)) return 1;
  *f = bm_chol_logdet(S);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_in in = {data, size, 0};
  size_t p = fz_dim(&in, 12), m = fz_dim(&in, 12);
  gsl_matrix *A = bm_matrix_alloc(p, p), *L = bm_matrix_alloc(p, p), *B = bm_matrix_alloc(p, m),
             *T = bm_matrix_alloc(bm_vech_len(p), bm_vech_len(p)), *R = bm_matrix_alloc(m, p);
  gsl_vector *x = bm_vector_alloc(p), *v = bm_vector_alloc(bm_vech_len(p)), *g = bm_vector_alloc(bm_vech_len(p));
  fz_matrix(&in, A);
  fz_matrix(&in, B);
  fz_matrix(&in, R);
  fz_vector(&in, x);
  size_t piv;
  if (bm_validate_spd(A, p, L, &piv) == BM_SUCCESS) {
    (void)bm_chol_logdet(L);
    bm_chol_solve_vector(L, x);
    bm_chol_solve_matrix(L, B);
    bm_chol_whiten_rows(L, R);
    (void)bm_chol_quadform(L, x, NULL);
    gsl_matrix *C = bm_matrix_alloc(p, p);
    bm_chol_product(L, C);
    bm_chol_sandwich(L, C);
    bm_chol_inverse(L, C);
    bm_matrix_free(C);
    bm_vech(A, v);
    if (bm_validate_vector(v, v->size) == BM_SUCCESS && p <= 4) bm_fd_gradient(f_logdet, L, v, NULL, g, NULL);
  }
  bm_chol_factor(A, L, &piv);
  bm_chol_inverse(A, L);
  bm_validate_symmetric(A, p);
  bm_vech_from_sym_grad(A, v);
  bm_sym_grad_from_vech(v, L);
  bm_vech_kron(1.0, A, L, 0.0, T);
  double a = fz_double(&in), out;
  bm_lmvgamma_e(p, a, &out);
  bm_mvdigamma_e(p, a, &out);
  bm_mvtrigamma_e(p, a, &out);
  (void)bm_lgamma(a);
  (void)bm_digamma(a);
  (void)bm_trigamma(a);
  bm_matrix_free(A); bm_matrix_free(L); bm_matrix_free(B); bm_matrix_free(T); bm_matrix_free(R);
  bm_vector_free(x); bm_vector_free(v); bm_vector_free(g);
  return 0;
}
