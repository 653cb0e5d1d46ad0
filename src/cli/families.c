/* The CLI's family table: parameter-file readers and adapters from the
 * uniform (matrix-shaped variate) interface to each family's API.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include "bayesmat.h"
#include "families.h"

/* Read a scalar, or report; keeps the adapters short. */
#define NEED(call)                       \
  do {                                   \
    if (call) {                          \
      *status = -1;                      \
      goto fail;                         \
    }                                    \
  } while (0)




/* ---------- matf ---------- */
static void *matf_make(const cli_params *p, size_t *rows, size_t *cols, int *status, char *err)
{
  double nu, delta;
  gsl_matrix *Psi = NULL;
  bm_matf *d = NULL;
  NEED(cli_get_scalar(p, "nu", &nu, err));
  NEED(cli_get_scalar(p, "delta", &delta, err));
  NEED(cli_get_matrix(p, "Psi", 0, 0, &Psi, err));
  if (Psi->size1 != Psi->size2) {
    snprintf(err, CLI_ERRLEN, "%s: Psi must be square", p->path);
    *status = -1;
    goto fail;
  }
  d = bm_matf_alloc(Psi->size1);
  if (!d || (*status = bm_matf_set(d, nu, delta, Psi))) {
    if (!d) *status = BM_ENOMEM;
    snprintf(err, CLI_ERRLEN, "%s: matf parameters: %s", p->path, bm_strerror(*status));
    bm_matf_free(d);
    d = NULL;
    goto fail;
  }
  *rows = *cols = Psi->size1;
fail:
  bm_matrix_free(Psi);
  return d;
}
static void matf_destroy(void *d) { bm_matf_free(d); }
static size_t matf_nparams(const void *d) { return bm_matf_nparams(d); }
static int matf_logpdf(const void *d, const gsl_matrix *x, double *lp) { return bm_matf_logpdf(d, x, lp); }
static int matf_score(const void *d, const gsl_matrix *x, gsl_vector *s) { return bm_matf_score(d, x, s); }
static int matf_fisher(const void *d, gsl_matrix *I) { return bm_matf_fisher(d, I); }
static int matf_sample(const void *d, gsl_rng *r, gsl_matrix *x) { return bm_matf_sample(d, r, x); }

static const cli_family families[] = {
  {"matf", "nu (scalar), delta (scalar), Psi (p x p SPD)", VARIATE_SPD, matf_make, matf_destroy, matf_nparams,
   matf_logpdf, matf_score, matf_fisher, matf_sample, NULL},
};

const cli_family *cli_family_find(const char *name)
{
  for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
    if (!strcmp(families[i].name, name)) return &families[i];
  return NULL;
}

const char *cli_family_names(void) { return "matf"; }
