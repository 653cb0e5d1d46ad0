/* Question: for Gaussian-process regression with a Matérn-5/2 kernel, what is
 * the log marginal likelihood and its gradient w.r.t. the hyperparameters?
 *
 *   C = K_f + σ_n² I,  k_f(r) = σ_f² (1 + s + s²/3) e^{−s},  s = √5 r / ℓ
 *   log p(y) = −½ yᵀC⁻¹y − ½ log|C| − n/2 log 2π
 *   ∂ log p / ∂θ_j = ½ yᵀC⁻¹(∂C/∂θ_j)C⁻¹y − ½ tr(C⁻¹ ∂C/∂θ_j) = ½ tr((ααᵀ − C⁻¹) ∂C/∂θ_j),
 *   α = C⁻¹y, with θ = (log σ_f², log ℓ, log σ_n²) so that the search is unconstrained:
 *   ∂C/∂log σ_f² = K_f,  ∂k_f/∂log ℓ = σ_f² s²(1 + s)/3 e^{−s},  ∂C/∂log σ_n² = σ_n² I.
 * Everything runs through one Cholesky factor of C; the gradient is checked
 * against bayesmat's finite differences and the Taylor-remainder test.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"

enum { N = 30 };

typedef struct {
  double x[N], y[N];
} data;

/* C and the three dC/dtheta_j (any may be NULL) */
static void kernel(const data *D, const double *theta, gsl_matrix *C, gsl_matrix *dC[3])
{
  double sf2 = exp(theta[0]), ell = exp(theta[1]), sn2 = exp(theta[2]);
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < N; j++) {
      double s = sqrt(5.0) * fabs(D->x[i] - D->x[j]) / ell, e = exp(-s);
      double k = sf2 * (1 + s + s * s / 3) * e;
      gsl_matrix_set(C, i, j, k + (i == j ? sn2 : 0.0));
      if (dC) {
        gsl_matrix_set(dC[0], i, j, k);
        gsl_matrix_set(dC[1], i, j, sf2 * s * s * (1 + s) / 3 * e);
        gsl_matrix_set(dC[2], i, j, i == j ? sn2 : 0.0);
      }
    }
}

static int log_ml(const gsl_vector *theta, void *pp, double *f)
{
  gsl_matrix *C = gsl_matrix_alloc(N, N);
  gsl_vector *a = gsl_vector_alloc(N);
  kernel(pp, theta->data, C, NULL);
  int status = bm_chol_factor(C, C, NULL);
  if (!status) {
    gsl_vector_const_view y = gsl_vector_const_view_array(((const data *)pp)->y, N);
    *f = -0.5 * bm_chol_quadform(C, &y.vector, a->data) - 0.5 * bm_chol_logdet(C) - 0.5 * N * log(2 * M_PI);
  }
  gsl_matrix_free(C);
  gsl_vector_free(a);
  return status;
}

static int log_ml_grad(const gsl_vector *theta, void *pp, gsl_vector *g)
{
  const data *D = pp;
  gsl_matrix *C = gsl_matrix_alloc(N, N), *Ci = gsl_matrix_alloc(N, N);
  gsl_matrix *dC[3] = {gsl_matrix_alloc(N, N), gsl_matrix_alloc(N, N), gsl_matrix_alloc(N, N)};
  gsl_vector *alpha = gsl_vector_alloc(N);
  kernel(D, theta->data, C, dC);
  int status = bm_chol_factor(C, C, NULL);
  if (!status) {
    for (size_t i = 0; i < N; i++) gsl_vector_set(alpha, i, D->y[i]);
    bm_chol_solve_vector(C, alpha);
    bm_chol_inverse(C, Ci); /* the trace needs C^-1 itself */
    for (int j = 0; j < 3; j++) {
      double t = 0; /* tr((alpha alpha^T - C^-1) dC_j) */
      for (size_t a = 0; a < N; a++)
        for (size_t b = 0; b < N; b++)
          t += (gsl_vector_get(alpha, a) * gsl_vector_get(alpha, b) - gsl_matrix_get(Ci, a, b)) *
               gsl_matrix_get(dC[j], b, a);
      gsl_vector_set(g, j, 0.5 * t);
    }
  }
  gsl_matrix_free(C);
  gsl_matrix_free(Ci);
  for (int j = 0; j < 3; j++) gsl_matrix_free(dC[j]);
  gsl_vector_free(alpha);
  return status;
}

int main(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  data D;
  for (size_t i = 0; i < N; i++) {
    D.x[i] = 10.0 * (double)i / N + 0.1 * gsl_rng_uniform(r);
    D.y[i] = sin(D.x[i]) + 0.2 * gsl_ran_gaussian(r, 1.0);
  }
  double th[3] = {log(1.0), log(1.5), log(0.05)};
  gsl_vector_view theta = gsl_vector_view_array(th, 3);
  double f, gs[3];
  gsl_vector_view g = gsl_vector_view_array(gs, 3);
  log_ml(&theta.vector, &D, &f);
  log_ml_grad(&theta.vector, &D, &g.vector);
  printf("log p(y | theta) = %.10f\n", f);
  printf("gradient w.r.t. (log sf2, log ell, log sn2) = (%.8f, %.8f, %.8f)\n", gs[0], gs[1], gs[2]);
  bm_check_result res;
  bm_taylor_result tr;
  bm_check_gradient(log_ml, log_ml_grad, &D, &theta.vector, NULL, &res);
  bm_check_taylor(log_ml, log_ml_grad, &D, &theta.vector, NULL, NULL, &tr);
  printf("finite differences: worst rel err %.2e (%s); Taylor slope %.2f\n", res.worst_rel_err,
         res.passed ? "ok" : "MISMATCH", tr.slope);
  gsl_rng_free(r);
  return !(res.passed && tr.passed);
}
