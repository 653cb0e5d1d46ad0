/* Internal (not installed): the verdict of simulation-based calibration from
 * the binned ranks, shared by bm_check_sbc and its MPI counterpart so that
 * both reach the same p-values from the same counts.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_SBC_VERDICT_H
#define BAYESMAT_SBC_VERDICT_H

#include <math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_vector.h>
#include "bayesmat/check.h"

/* counts[j * nbins + b]: the ranks of statistic j (of ns) that fell in bin b,
 * over nsim replications of L draws. Pearson's chi^2 per statistic, the
 * expected count of bin b being nsim * (#rank values in b) / (L + 1); the
 * p-values into pvalues (NULL: not kept), the smallest and its Bonferroni
 * correction into res. */
static inline void sbc_verdict(const double *counts, size_t ns, size_t nbins, size_t nsim, size_t L,
                               gsl_vector *pvalues, bm_sbc_result *res)
{
  double p_min = 1.0;
  size_t worst = 0;
  for (size_t j = 0; j < ns; j++) {
    double chi2 = 0.0;
    for (size_t b = 0; b < nbins; b++) {
      /* rank values v with floor(v nbins / (L+1)) == b: v in [ceil(b(L+1)/nbins), ceil((b+1)(L+1)/nbins)) */
      size_t lo = (b * (L + 1) + nbins - 1) / nbins, hi = ((b + 1) * (L + 1) + nbins - 1) / nbins;
      double expected = (double)nsim * (double)(hi - lo) / (double)(L + 1), d = counts[j * nbins + b] - expected;
      chi2 += d * d / expected;
    }
    double p = gsl_cdf_chisq_Q(chi2, (double)(nbins - 1));
    if (pvalues != NULL) gsl_vector_set(pvalues, j, p);
    if (p < p_min) {
      p_min = p;
      worst = j;
    }
  }
  res->p_min = p_min;
  res->p_bonferroni = fmin(1.0, (double)ns * p_min);
  res->worst_stat = worst;
}

#endif
