/* bayesmat verify: wishart. Derivatives vs the finite-difference engine at
 * random parameters from c->rng, the Fisher information vs a short Monte
 * Carlo (reported as max |z| / 6 against 1), and identities: p = 1 against
 * GSL's gamma density, set_chol = set, batched log-likelihood = sum. All but
 * the p = 1 row are shared with invwishart (verify_wishart_type_* in verify_util.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "bayesmat.h"
#include "verify.h"

VERIFY_WISHART_TYPE_OPS(wishart);

void verify_wishart(verify_ctx *c)
{
  verify_wishart_type_derivatives(c, "wishart", &bm_family_wishart, &wishart_wops, 0);
  verify_wishart_type_p1(c, "wishart", &bm_family_wishart, &wishart_wops, 0);
  verify_wishart_type_identities(c, "wishart", &bm_family_wishart, &wishart_wops);
}
