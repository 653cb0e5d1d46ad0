/* The CLI's view of a family: one table entry per family (families.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CLI_FAMILIES_H
#define BAYESMAT_CLI_FAMILIES_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include "input.h"

typedef enum { VARIATE_VECTOR, VARIATE_MATRIX, VARIATE_SPD } variate_kind;

typedef struct {
  const char *name;
  const char *params_doc; /* the entries its parameter file needs */
  variate_kind kind;
  /* allocate and _set from a parameter file; rows x cols of the variate */
  void *(*make)(const cli_params *p, size_t *rows, size_t *cols, int *status, char *err);
  void (*destroy)(void *d);
  size_t (*nparams)(const void *d);
  /* x is a rows x cols matrix (a 1 x p row for vector families) */
  int (*logpdf)(const void *d, const gsl_matrix *x, double *lp);
  int (*score)(const void *d, const gsl_matrix *x, gsl_vector *s);
  int (*fisher)(const void *d, gsl_matrix *I);
  int (*sample)(const void *d, gsl_rng *r, gsl_matrix *x);
  int (*jeffreys)(const void *d, const size_t *idx, size_t k, double *lp);
} cli_family;

const cli_family *cli_family_find(const char *name);
/* comma-separated list of family names */
const char *cli_family_names(void);

#endif
