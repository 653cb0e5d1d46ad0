/* A conjugate model read from a prior file (docs/cli.md), shared by the
 * posterior/predictive/evidence commands and check-posterior.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CLI_CONJUGATE_MODEL_H
#define BAYESMAT_CLI_CONJUGATE_MODEL_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

typedef enum { MODEL_NIW, MODEL_BLR, MODEL_MNIW } model_kind;
typedef enum { BLR_NIG, BLR_KNOWN, BLR_IMPROPER } blr_prior;

typedef struct {
  model_kind kind;
  blr_prior prior;
  double noise_precision; /* blr known noise */
  size_t k, d;            /* blr: k; niw: d = p; mniw: k x d */
  void *m;                /* bm_niw, bm_blr or bm_mniw */
} cli_conj_model;

/* Build the model from a prior file; messages on stderr prefixed "bayesmat CMD: ".
 * Returns 0, CLI_EXIT_INPUT or CLI_EXIT_FAILED. */
int cli_conj_load_model(const char *cmd, const char *path, cli_conj_model *M);
void cli_conj_model_free(cli_conj_model *M);
/* All rows of a data file, blocks concatenated, checked to have `cols` columns. */
int cli_conj_load_rows(const char *cmd, const char *path, size_t cols, gsl_matrix **X);

#endif
