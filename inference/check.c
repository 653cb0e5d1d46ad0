/* Verification of Bayesian derivations: proportionality, evidence (importance
 * sampling and the marginal-likelihood identity), simulation-based calibration
 * (Talts et al. 2018, arXiv:1804.06788) and Monte Carlo Fisher checks.
 * Statistics: docs/check.md. Weights are handled in log space (log-sum-exp);
 * means and variances by Welford's update.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/check.h"
#include "sbc_verdict.h"
#include "../src/error.h"

static int call_scalar(bm_fn_scalar f, const gsl_vector *x, void *params, double *out)
{
  int st = f(x, params, out);
  if (st != BM_SUCCESS) return st;
  return isfinite(*out) ? BM_SUCCESS : BM_ENONFINITE;
}

static int model_ok(const bm_check_model *m, int need_post, int need_sample, int need_proposal)
{
  if (m == NULL || m->dim == 0 || m->log_prior == NULL || m->log_lik == NULL) return 0;
  if (need_post && m->log_post == NULL) return 0;
  if (need_sample && m->sample == NULL) return 0;
  if (need_proposal && (m->proposal_sample == NULL || m->proposal_logpdf == NULL)) return 0;
  return 1;
}

/* joint = log prior + log lik and post at theta. */
static int eval_point(const bm_check_model *m, const gsl_vector *theta, double *joint, double *post)
{
  double lp, ll;
  int st = call_scalar(m->log_prior, theta, m->params, &lp);
  if (st == BM_SUCCESS) st = call_scalar(m->log_lik, theta, m->params, &ll);
  if (st == BM_SUCCESS && post != NULL) st = call_scalar(m->log_post, theta, m->params, post);
  if (st == BM_SUCCESS) *joint = lp + ll;
  return st;
}

int bm_check_proportional(const bm_check_model *model, gsl_rng *r, size_t npairs, double tol,
                          bm_proportional_result *res)
{
  if (res != NULL) {
    res->worst_abs = res->worst_rel = res->log_const = NAN;
    res->n_pairs = 0;
    res->passed = 0;
  }
  if (!model_ok(model, 1, 1, 0) || r == NULL || res == NULL || npairs == 0) return BM_FAIL(BM_EINVAL, "%s", !model_ok(model, 1, 1, 0) ? (!model ? "model is NULL" : "model is incomplete (dim 0, or a callback this check needs is NULL)") : r == NULL ? "r is NULL" : res == NULL ? "res is NULL" : "npairs = 0");
  gsl_vector *theta = bm_vector_alloc(model->dim);
  if (theta == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  int st = BM_SUCCESS;
  double worst_abs = 0.0, worst_rel = 0.0, cmean = 0.0;
  size_t npts = 0;
  for (size_t k = 0; k < npairs; k++) {
    double ja, pa, jb, pb;
    st = model->sample(r, model->params, theta);
    if (st == BM_SUCCESS) st = eval_point(model, theta, &ja, &pa);
    if (st == BM_SUCCESS) st = model->sample(r, model->params, theta);
    if (st == BM_SUCCESS) st = eval_point(model, theta, &jb, &pb);
    if (st != BM_SUCCESS) goto done;
    double d = fabs((pa - pb) - (ja - jb));
    double rel = d / (1.0 + fabs(ja - jb));
    if (d > worst_abs) worst_abs = d;
    if (rel > worst_rel) worst_rel = rel;
    cmean += ((ja - pa) - cmean) / (double)(++npts);
    cmean += ((jb - pb) - cmean) / (double)(++npts);
  }
  res->worst_abs = worst_abs;
  res->worst_rel = worst_rel;
  res->log_const = cmean;
  res->n_pairs = npairs;
  res->passed = worst_rel <= tol;
done:
  bm_vector_free(theta);
  return st;
}

int bm_check_evidence_is(const bm_check_model *model, gsl_rng *r, size_t N, double claimed, double z_tol,
                         bm_evidence_result *res)
{
  if (res != NULL) {
    res->log_evidence = res->se = res->z = res->ess = NAN;
    res->passed = 0;
  }
  if (!model_ok(model, 0, 0, 1) || r == NULL || res == NULL || N < 2) return BM_FAIL(BM_EINVAL, "%s", !model_ok(model, 0, 0, 1) ? (!model ? "model is NULL" : "model is incomplete (dim 0, or a callback this check needs is NULL)") : r == NULL ? "r is NULL" : res == NULL ? "res is NULL" : "N < 2");
  if (!isfinite(claimed)) return BM_FAIL(BM_ENONFINITE, "claimed = %g is not finite", claimed);
  gsl_vector *theta = bm_vector_alloc(model->dim);
  double *lw = malloc(N * sizeof(double));
  int st = BM_SUCCESS;
  if (theta == NULL || lw == NULL) {
    st = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  double lmax = -INFINITY;
  for (size_t i = 0; i < N; i++) {
    double joint, lq;
    st = model->proposal_sample(r, model->params, theta);
    if (st == BM_SUCCESS) st = eval_point(model, theta, &joint, NULL);
    if (st == BM_SUCCESS) st = call_scalar(model->proposal_logpdf, theta, model->params, &lq);
    if (st != BM_SUCCESS) goto done;
    lw[i] = joint - lq;
    if (lw[i] > lmax) lmax = lw[i];
  }
  /* w_i = exp(lw_i - lmax): mean, variance (Welford), sum of squares. */
  double mean = 0.0, m2 = 0.0, s1 = 0.0, s2 = 0.0;
  for (size_t i = 0; i < N; i++) {
    double w = exp(lw[i] - lmax);
    double delta = w - mean;
    mean += delta / (double)(i + 1);
    m2 += delta * (w - mean);
    s1 += w;
    s2 += w * w;
  }
  double var = m2 / (double)(N - 1);
  res->log_evidence = lmax + log(mean);
  res->se = sqrt(var / (double)N) / mean;
  res->z = (res->log_evidence - claimed) / res->se;
  if (res->se == 0.0) res->z = res->log_evidence == claimed ? 0.0 : INFINITY;
  res->ess = s1 * s1 / s2;
  res->passed = fabs(res->z) <= z_tol;
done:
  bm_vector_free(theta);
  free(lw);
  return st;
}

int bm_check_evidence_identity(const bm_check_model *model, gsl_rng *r, size_t npts, double claimed,
                               double *worst)
{
  if (worst != NULL) *worst = NAN;
  if (!model_ok(model, 1, 1, 0) || r == NULL || worst == NULL || npts == 0) return BM_FAIL(BM_EINVAL, "%s", !model_ok(model, 1, 1, 0) ? (!model ? "model is NULL" : "model is incomplete (dim 0, or a callback this check needs is NULL)") : r == NULL ? "r is NULL" : worst == NULL ? "worst is NULL" : "npts = 0");
  if (!isfinite(claimed)) return BM_FAIL(BM_ENONFINITE, "claimed = %g is not finite", claimed);
  gsl_vector *theta = bm_vector_alloc(model->dim);
  if (theta == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  int st = BM_SUCCESS;
  double w = 0.0;
  for (size_t k = 0; k < npts; k++) {
    double joint, post;
    st = model->sample(r, model->params, theta);
    if (st == BM_SUCCESS) st = eval_point(model, theta, &joint, &post);
    if (st != BM_SUCCESS) goto done;
    double e = fabs(joint - post - claimed) / (1.0 + fabs(claimed));
    if (e > w) w = e;
  }
  *worst = w;
done:
  bm_vector_free(theta);
  return st;
}

int bm_check_sbc(const bm_sbc_problem *prob, gsl_rng *r, size_t nsim, size_t L, size_t nbins,
                 gsl_matrix *ranks, gsl_vector *pvalues, bm_sbc_result *res)
{
  if (res != NULL) {
    res->p_min = res->p_bonferroni = NAN;
    res->worst_stat = 0;
  }
  if (prob == NULL || r == NULL || res == NULL || prob->dim == 0 || prob->nstat == 0 || nsim == 0 || L == 0 ||
      nbins < 2 || nbins > L + 1 || prob->sample_prior == NULL || prob->simulate_and_condition == NULL ||
      prob->sample_posterior == NULL || (prob->stat == NULL && prob->nstat != prob->dim))
    return BM_FAIL(BM_EINVAL, "%s", prob == NULL ? "prob is NULL" : r == NULL ? "r is NULL" : res == NULL ? "res is NULL"
                               : nsim == 0 || L == 0 ? "nsim and L must be positive"
                               : nbins < 2 || nbins > L + 1 ? "nbins must lie in 2 .. L + 1"
                                                            : "prob is incomplete (dim or nstat 0, a callback NULL, or stat NULL with nstat != dim)");
  const size_t ns = prob->nstat;
  if (ranks != NULL && (ranks->size1 != nsim || ranks->size2 != ns)) return BM_FAIL(BM_EBADLEN, "ranks is %zu x %zu, expected nsim x nstat = %zu x %zu", ranks->size1, ranks->size2, nsim, ns);
  if (pvalues != NULL && pvalues->size != ns) return BM_FAIL(BM_EBADLEN, "pvalues has length %zu, expected nstat = %zu", pvalues->size, ns);
  if (ranks != NULL) gsl_matrix_set_all(ranks, NAN);
  if (pvalues != NULL) gsl_vector_set_all(pvalues, NAN);

  int st = BM_SUCCESS;
  gsl_vector *theta_true = bm_vector_alloc(prob->dim);
  gsl_vector *theta = bm_vector_alloc(prob->dim);
  gsl_vector *f_true = bm_vector_alloc(ns);
  gsl_vector *f = bm_vector_alloc(ns);
  double *counts = calloc(ns * nbins, sizeof(double)); /* whole numbers, exact in a double */
  size_t *rank_now = calloc(ns, sizeof(size_t));
  if (theta_true == NULL || theta == NULL || f_true == NULL || f == NULL || counts == NULL || rank_now == NULL) {
    st = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t s = 0; s < nsim; s++) {
    st = prob->sample_prior(r, prob->params, theta_true);
    if (st == BM_SUCCESS) st = prob->simulate_and_condition(r, theta_true, prob->params);
    if (st == BM_SUCCESS) st = prob->stat ? prob->stat(theta_true, prob->params, f_true)
                                          : (gsl_vector_memcpy(f_true, theta_true), BM_SUCCESS);
    if (st != BM_SUCCESS) goto done;
    for (size_t j = 0; j < ns; j++) {
      if (!isfinite(gsl_vector_get(f_true, j))) {
        st = BM_FAIL(BM_ENONFINITE, "prob->stat gave a non-finite statistic %zu at theta*", j);
        goto done;
      }
      rank_now[j] = 0;
    }
    for (size_t l = 0; l < L; l++) {
      st = prob->sample_posterior(r, prob->params, theta);
      if (st == BM_SUCCESS) st = prob->stat ? prob->stat(theta, prob->params, f)
                                            : (gsl_vector_memcpy(f, theta), BM_SUCCESS);
      if (st != BM_SUCCESS) goto done;
      for (size_t j = 0; j < ns; j++) {
        double v = gsl_vector_get(f, j);
        if (!isfinite(v)) {
          st = BM_FAIL(BM_ENONFINITE, "v = %g is not finite", v);
          goto done;
        }
        if (v < gsl_vector_get(f_true, j)) rank_now[j]++;
      }
    }
    for (size_t j = 0; j < ns; j++) {
      size_t bin = rank_now[j] * nbins / (L + 1);
      counts[j * nbins + bin] += 1.0;
      if (ranks != NULL) gsl_matrix_set(ranks, s, j, (double)rank_now[j]);
    }
  }
  sbc_verdict(counts, ns, nbins, nsim, L, pvalues, res);
done:
  if (st != BM_SUCCESS && ranks != NULL) gsl_matrix_set_all(ranks, NAN);
  if (st != BM_SUCCESS && pvalues != NULL) gsl_vector_set_all(pvalues, NAN);
  bm_vector_free(theta_true);
  bm_vector_free(theta);
  bm_vector_free(f_true);
  bm_vector_free(f);
  free(counts);
  free(rank_now);
  return st;
}

/* max |mean - I| / se over entries with Welford mean/m2 after N draws. */
static double max_z(const double *mean, const double *m2, const gsl_matrix *F, size_t N, size_t *wi, size_t *wj)
{
  const size_t d = F->size1;
  double worst = 0.0;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double e = gsl_matrix_get(F, i, j);
      double diff = fabs(mean[i * d + j] - e);
      double se = sqrt(m2[i * d + j] / (double)(N - 1) / (double)N);
      double z;
      if (diff <= 1e-10 * (1.0 + fabs(e))) z = 0.0;
      else z = se > 0.0 ? diff / se : INFINITY;
      if (z > worst || (isnan(z))) {
        worst = z;
        *wi = i;
        *wj = j;
      }
    }
  return worst;
}

int bm_check_fisher_mc(const bm_fisher_mc_problem *prob, const gsl_matrix *F, gsl_rng *r, size_t N,
                       double z_tol, gsl_matrix *mean_outer, gsl_matrix *mean_neg_hess,
                       bm_fisher_mc_result *res)
{
  if (res != NULL) {
    res->max_z_outer = res->max_z_hess = NAN;
    res->worst_i = res->worst_j = 0;
    res->draws = 0;
    res->passed = 0;
  }
  if (prob == NULL || F == NULL || r == NULL || res == NULL || N < 2 || prob->dim == 0 || prob->draw == NULL ||
      prob->score == NULL)
    return BM_FAIL(BM_EINVAL, "%s", prob == NULL ? "prob is NULL" : F == NULL ? "fisher is NULL" : r == NULL ? "r is NULL"
                               : res == NULL ? "res is NULL" : N < 2 ? "N < 2"
                                             : "prob is incomplete (dim 0, or draw or score NULL)");
  const size_t d = prob->dim;
  if (F->size1 != d || F->size2 != d) return BM_FAIL(BM_EBADLEN, "F is %zu x %zu, expected %zu x %zu", F->size1, F->size2, (size_t)(d), (size_t)(d));
  if (mean_outer != NULL && (mean_outer->size1 != d || mean_outer->size2 != d)) return BM_FAIL(BM_EBADLEN, "mean_outer is %zu x %zu, expected %zu x %zu", mean_outer->size1, mean_outer->size2, d, d);
  if (mean_neg_hess != NULL && (mean_neg_hess->size1 != d || mean_neg_hess->size2 != d)) return BM_FAIL(BM_EBADLEN, "mean_neg_hess is %zu x %zu, expected %zu x %zu", mean_neg_hess->size1, mean_neg_hess->size2, d, d);
  if (mean_outer != NULL) gsl_matrix_set_all(mean_outer, NAN);
  if (mean_neg_hess != NULL) gsl_matrix_set_all(mean_neg_hess, NAN);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++)
      if (!isfinite(gsl_matrix_get(F, i, j))) return BM_FAIL(BM_ENONFINITE, "fisher(%zu,%zu) = %g is not finite", i, j, gsl_matrix_get(F, i, j));

  int st = BM_SUCCESS;
  gsl_vector *s = bm_vector_alloc(d);
  gsl_matrix *H = prob->hess ? bm_matrix_alloc(d, d) : NULL;
  double *acc = calloc(4 * d * d, sizeof(double)); /* mean_o, m2_o, mean_h, m2_h */
  if (s == NULL || acc == NULL || (prob->hess && H == NULL)) {
    st = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  double *mo = acc, *vo = acc + d * d, *mh = acc + 2 * d * d, *vh = acc + 3 * d * d;
  for (size_t n = 0; n < N; n++) {
    st = prob->draw(r, prob->params);
    if (st == BM_SUCCESS) st = prob->score(prob->params, s);
    if (st == BM_SUCCESS && H != NULL) st = prob->hess(prob->params, H);
    if (st != BM_SUCCESS) goto done;
    const double k = (double)(n + 1);
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j < d; j++) {
        double x = gsl_vector_get(s, i) * gsl_vector_get(s, j);
        if (!isfinite(x)) {
          st = BM_FAIL(BM_ENONFINITE, "x = %g is not finite", x);
          goto done;
        }
        double delta = x - mo[i * d + j];
        mo[i * d + j] += delta / k;
        vo[i * d + j] += delta * (x - mo[i * d + j]);
        if (H != NULL) {
          double y = -gsl_matrix_get(H, i, j);
          if (!isfinite(y)) {
            st = BM_FAIL(BM_ENONFINITE, "y = %g is not finite", y);
            goto done;
          }
          delta = y - mh[i * d + j];
          mh[i * d + j] += delta / k;
          vh[i * d + j] += delta * (y - mh[i * d + j]);
        }
      }
  }
  size_t oi = 0, oj = 0, hi = 0, hj = 0;
  res->max_z_outer = max_z(mo, vo, F, N, &oi, &oj);
  res->max_z_hess = H != NULL ? max_z(mh, vh, F, N, &hi, &hj) : 0.0;
  if (res->max_z_hess > res->max_z_outer) {
    res->worst_i = hi;
    res->worst_j = hj;
  } else {
    res->worst_i = oi;
    res->worst_j = oj;
  }
  res->draws = N;
  res->passed = res->max_z_outer <= z_tol && res->max_z_hess <= z_tol;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      if (mean_outer != NULL) gsl_matrix_set(mean_outer, i, j, mo[i * d + j]);
      if (mean_neg_hess != NULL) gsl_matrix_set(mean_neg_hess, i, j, H != NULL ? mh[i * d + j] : NAN);
    }
done:
  bm_vector_free(s);
  if (H != NULL) bm_matrix_free(H);
  free(acc);
  return st;
}
