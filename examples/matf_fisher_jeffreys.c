/* Question: what is the Fisher information of the matrix-variate F
 * distribution F_p(ν, δ, Ψ) w.r.t. θ = (vech Ψ, ν, δ), and its Jeffreys prior —
 * and how do we know the closed form is right?
 *
 * bm_matf_fisher gives I(θ) in closed form (docs/matf-fisher.md), bm_matf_jeffreys
 * gives log π(θ) = ½ log det I(θ) (or of a block). Here both are checked by Monte
 * Carlo with the family's own sampler: I = E[s sᵀ] = E[−H] (s the score, H the
 * Hessian of log f), each entry estimated with its standard error from 2^17 draws
 * by one bm_check_dist call (which also checks the score, Hessian and mean),
 * and every entry must lie within 4 standard errors of the closed form; the
 * Jeffreys log-prior is compared with ½ log det of the Monte Carlo −H estimate
 * (standard error from 16 batches). Finally the Jeffreys prior of the Ψ block is
 * shown to be the invariant scale-matrix prior |Ψ|^{−(p+1)/2} (up to a constant).
 * The running estimates of three entries are written to fisher_convergence.csv
 * (docs/plots/fisher_convergence.gp draws them converging to the closed form).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>
#include "bayesmat.h"
#include "example_csv.h"

enum { P = 2, Q = P * (P + 1) / 2, K = Q + 2, LOG2N = 17, NB = 16 };

static double logdet_spd(const gsl_matrix *A)
{
  gsl_matrix *C = gsl_matrix_alloc(A->size1, A->size2);
  double ld = NAN;
  if (bm_chol_factor(A, C, NULL) == BM_SUCCESS) ld = bm_chol_logdet(C);
  gsl_matrix_free(C);
  return ld;
}

int main(int argc, char **argv)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  const double nu = 5.0, delta = 6.0;
  gsl_matrix *Psi = gsl_matrix_alloc(P, P), *X = gsl_matrix_alloc(P, P);
  gsl_matrix_set(Psi, 0, 0, 1.0); gsl_matrix_set(Psi, 1, 1, 0.8);
  gsl_matrix_set(Psi, 0, 1, 0.3); gsl_matrix_set(Psi, 1, 0, 0.3);
  bm_matf *d = bm_matf_alloc(P);
  if (bm_matf_set(d, nu, delta, Psi)) return 1;

  gsl_matrix *I = gsl_matrix_alloc(K, K), *H = gsl_matrix_alloc(K, K);
  gsl_vector *s = gsl_vector_alloc(K);
  bm_matf_fisher(d, I);
  printf("closed-form Fisher information, theta = (Psi11, Psi21, Psi22, nu, delta):\n");
  for (size_t i = 0; i < K; i++) {
    for (size_t j = 0; j < K; j++) printf(" %11.5f", gsl_matrix_get(I, i, j));
    printf("\n");
  }

  /* running sums of s s^T and -H (and their squares), and per-batch sums of -H */
  double S1[K][K] = {{0}}, S2[K][K] = {{0}}, H1[K][K] = {{0}}, H2[K][K] = {{0}};
  gsl_matrix *Hb = gsl_matrix_calloc(K, K);
  double ld_batch[NB];
  const size_t ntot = (size_t)1 << LOG2N, per_batch = ntot / NB;
  /* entries traced in the CSV: Psi11-Psi11, nu-nu, delta-delta, Psi11-nu
   * (-H does not depend on X in the nu, delta block: that estimator is exact there) */
  const size_t tr[4][2] = {{0, 0}, {Q, Q}, {Q + 1, Q + 1}, {0, Q}};
  FILE *csv = example_csv_open(argc, argv, "fisher_convergence.csv");
  if (csv) {
    fprintf(csv, "# matrix F, p=2, nu=5, delta=6: Monte Carlo Fisher estimates / closed form\n");
    fprintf(csv, "n");
    const char *nm[4] = {"PsiPsi", "nunu", "deltadelta", "Psinu"};
    for (int e = 0; e < 4; e++) fprintf(csv, ",%s_ss,%s_ss_se,%s_negH,%s_negH_se", nm[e], nm[e], nm[e], nm[e]);
    fprintf(csv, "\n");
  }
  size_t next_out = 64;
  for (size_t n = 1; n <= ntot; n++) {
    if (bm_matf_sample(d, rng, X) || bm_matf_score(d, X, s) || bm_matf_hess(d, X, H)) {
      n--; /* a numerically singular draw (see bm_matf_sample): draw again */
      continue;
    }
    for (size_t i = 0; i < K; i++)
      for (size_t j = 0; j < K; j++) {
        double a = gsl_vector_get(s, i) * gsl_vector_get(s, j), b = -gsl_matrix_get(H, i, j);
        S1[i][j] += a; S2[i][j] += a * a;
        H1[i][j] += b; H2[i][j] += b * b;
        gsl_matrix_set(Hb, i, j, gsl_matrix_get(Hb, i, j) + b / per_batch);
      }
    if (n % per_batch == 0) {
      ld_batch[n / per_batch - 1] = 0.5 * logdet_spd(Hb);
      gsl_matrix_set_zero(Hb);
    }
    if (csv && n == next_out) {
      fprintf(csv, "%zu", n);
      for (int e = 0; e < 4; e++) {
        size_t i = tr[e][0], j = tr[e][1];
        double c = gsl_matrix_get(I, i, j), m1 = S1[i][j] / n, m2 = H1[i][j] / n;
        double se1 = sqrt(fmax(S2[i][j] / n - m1 * m1, 0) / n), se2 = sqrt(fmax(H2[i][j] / n - m2 * m2, 0) / n);
        fprintf(csv, ",%.8g,%.8g,%.8g,%.8g", m1 / c, se1 / c, m2 / c, se2 / c);
      }
      fprintf(csv, "\n");
      next_out *= 2;
    }
  }
  if (csv) fclose(csv);

  /* the verdict in one call, on fresh draws: bm_check_dist on the matf
   * object viewed as a bm_dist (score, Hessian and hess_x against finite
   * differences, E[score] = 0, E[s s^T] and E[-H] against the closed form,
   * the mean) */
  bm_dist view = {&bm_family_matf, d};
  bm_check_report *rep = bm_check_report_alloc();
  bm_check_dist_options o = {.draws = ntot, .z_tol = 4.0};
  int failed = 0;
  int st = bm_check_dist(&view, rng, &o, rep);
  if (!st) bm_check_report_print(rep, stdout, BM_REPORT_TABLE);
  failed |= st || !rep->passed;
  bm_check_report_free(rep);

  /* Jeffreys log-prior vs 1/2 log det of the Monte Carlo information */
  double lj;
  bm_matf_jeffreys(d, NULL, 0, &lj);
  double mb = 0, vb = 0;
  for (int b = 0; b < NB; b++) mb += ld_batch[b] / NB;
  for (int b = 0; b < NB; b++) vb += gsl_pow_2(ld_batch[b] - mb) / (NB - 1);
  double seb = sqrt(vb / NB), zj = (lj - mb) / seb;
  printf("Jeffreys log-prior: closed form %.5f, Monte Carlo %.5f +- %.5f (z = %.2f)  %s\n", lj, mb, seb, zj,
         fabs(zj) < 4 ? "ok" : "MISMATCH");
  failed |= !(fabs(zj) < 4);

  /* the Psi block: log pi(Psi) + (p+1)/2 log|Psi| must not depend on Psi */
  size_t idx[Q];
  for (size_t k = 0; k < Q; k++) idx[k] = k;
  gsl_matrix *A = gsl_matrix_alloc(P, P), *Psi2 = gsl_matrix_alloc(P, P);
  double c0 = NAN, spread = 0;
  for (int t = 0; t < 5; t++) {
    bm_rng_std_normal_matrix(rng, A);
    gsl_matrix_set_identity(Psi2);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, A, A, 0.1, Psi2);
    double lpb;
    bm_matf_set(d, nu, delta, Psi2);
    bm_matf_jeffreys(d, idx, Q, &lpb);
    double c = lpb + 0.5 * (P + 1) * logdet_spd(Psi2);
    if (t == 0) c0 = c;
    spread = fmax(spread, fabs(c - c0));
  }
  printf("%-58s spread %.2e  %s\n", "Psi block: log pi + (p+1)/2 log|Psi| constant over 5 Psi", spread,
         spread < 1e-10 ? "ok" : "MISMATCH");
  failed |= !(spread < 1e-10);

  bm_matf_free(d);
  gsl_matrix_free(Psi); gsl_matrix_free(X); gsl_matrix_free(I); gsl_matrix_free(H); gsl_matrix_free(Hb);
  gsl_matrix_free(A); gsl_matrix_free(Psi2);
  gsl_vector_free(s);
  gsl_rng_free(rng);
  return failed;
}
