/* The covariance posterior of an inverse-Wishart prior and N(0, Sigma) data
 * as a Laplace target in vech(Sigma) (analytic value, gradient, Hessian),
 * shared by tests/test_laplace.c and tests/test_laplace_stress.c:
 *   log f = cst - a log|Sigma| - tr(B Sigma^-1) / 2,
 * a = (nu0 + p + 1 + n) / 2 and B = Psi0 + sum x x^T for IW(nu0, Psi0) and n
 * observations x; cst holds the terms that do not depend on Sigma.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_IW_TARGET_H
#define BAYESMAT_IW_TARGET_H

#include <gsl/gsl_blas.h>
#include "bayesmat.h"
#include "cleanup_util.h"

typedef struct {
  size_t p;
  double a, cst;
  gsl_matrix *B;
} iw_target;

static inline int iw_eval(const gsl_vector *x, const iw_target *m, double *f, gsl_vector *g, gsl_matrix *H)
{
  size_t p = m->p;
  gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Si = gsl_matrix_alloc(p, p),
             *T = gsl_matrix_alloc(p, p), *P = gsl_matrix_alloc(p, p);
  bm_vech_unpack(x, S);
  int st = bm_chol_factor(S, L, NULL);
  if (!st) {
    bm_chol_inverse(L, Si);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, Si, m->B, 0.0, T);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, T, Si, 0.0, P); /* Si B Si */
    double tr = 0;
    for (size_t i = 0; i < p; i++) tr += gsl_matrix_get(T, i, i);
    if (f) *f = m->cst - m->a * bm_chol_logdet(L) - 0.5 * tr;
    if (g) { /* d/dSigma = -a Si + Si B Si / 2 */
      gsl_matrix_memcpy(T, Si);
      gsl_matrix_scale(T, -m->a);
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) gsl_matrix_set(T, i, j, gsl_matrix_get(T, i, j) + 0.5 * gsl_matrix_get(P, i, j));
      bm_vech_from_sym_grad(T, g);
    }
    if (H) {
      bm_vech_kron(m->a, Si, Si, 0.0, H);
      bm_vech_kron(-0.5, P, Si, 1.0, H);
      bm_vech_kron(-0.5, Si, P, 1.0, H);
    }
  }
  free_matrices(S, L, Si, T, P);
  return st;
}
static inline int iw_f(const gsl_vector *x, void *p, double *f) { return iw_eval(x, p, f, NULL, NULL); }
static inline int iw_g(const gsl_vector *x, void *p, gsl_vector *g) { return iw_eval(x, p, NULL, g, NULL); }
static inline int iw_h(const gsl_vector *x, void *p, gsl_matrix *H) { return iw_eval(x, p, NULL, NULL, H); }

#endif
