/* The CLI's view of a family: its descriptor (bayesmat/family.h) and a
 * reader of its parameter file (families.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CLI_FAMILIES_H
#define BAYESMAT_CLI_FAMILIES_H

#include <stddef.h>
#include "bayesmat/family.h"
#include "input.h"

/* The family named `name` (bm_family_find), NULL if unknown. */
const bm_family_type *cli_family_find(const char *name);

/* Comma-separated list of the family names. */
const char *cli_family_names(void);

/* The entries T's parameter file needs, e.g. "nu (scalar), mu (vector of
 * length p), Sigma (p x p SPD)", into buf. */
void cli_family_params_doc(const bm_family_type *T, char *buf, size_t len);

/* A set distribution of family T from the parameter file's entries, named as
 * T's theta blocks. NULL on failure with a message in err and *status: -1
 * for a missing or malformed entry, else the library's status. */
bm_dist *cli_family_make(const bm_family_type *T, const cli_params *p, int *status, char *err);

#endif
