/* The `bayesmat verify` framework: each component adds rows to one table.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CLI_VERIFY_H
#define BAYESMAT_CLI_VERIFY_H

#include <stdio.h>
#include <gsl/gsl_rng.h>

typedef struct {
  unsigned long seed;
  int quick;       /* --quick: fewer points and Monte Carlo draws */
  int json;        /* --json: rows as a JSON array */
  int progress;    /* progress on stderr (stderr is a terminal) */
  FILE *out;
  size_t rows;
  size_t failures;
  gsl_rng *rng;    /* seeded from seed; components draw their points from it */
} verify_ctx;

/* One row: the worst relative error `err` of `quantity` against `tol`.
 * A NaN err is a failure. */
void verify_row(verify_ctx *c, const char *component, const char *quantity, double err, double tol);

/* Progress message for long (Monte Carlo) parts; no-op unless c->progress. */
void verify_progress(verify_ctx *c, const char *component, size_t done, size_t total);

/* Components, one file each (src/cli/verify_<name>.c). */
void verify_core(verify_ctx *c);
void verify_mvn(verify_ctx *c);
void verify_mvt(verify_ctx *c);
void verify_wishart(verify_ctx *c);
void verify_invwishart(verify_ctx *c);
void verify_matnorm(verify_ctx *c);
void verify_matt(verify_ctx *c);
void verify_matf(verify_ctx *c);
void verify_laplace(verify_ctx *c);   /* laplace, transforms, jeffreys, model Fisher */
void verify_conjugate(verify_ctx *c); /* niw, blr, mniw, checkers */
void verify_stats(verify_ctx *c);     /* mergeable sufficient statistics (issue #11) */

#endif
