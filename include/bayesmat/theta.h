/* bayesmat — the parameter vector theta of every family (docs/contract.md).
 *
 * theta is the vector _score, _hess and _fisher differentiate with respect
 * to, in docs/contract.md's order (nu, delta LAST even though _set takes them first);
 * symmetric matrices enter as vech (column-stacked lower triangle; a vech
 * coordinate moves S_ij and S_ji together), general matrices as vec
 * (columns stacked):
 *   mvn        (mu, vech Sigma)                  p + p(p+1)/2
 *   mvt        (mu, vech Sigma, nu)              p + p(p+1)/2 + 1
 *   wishart    (vech S, nu)                      p(p+1)/2 + 1
 *   invwishart (vech Psi, nu)                    p(p+1)/2 + 1
 *   matnorm    (vec M, vech U, vech V)           np + n(n+1)/2 + p(p+1)/2
 *   matt       (vec M, vech Sigma, vech Omega, nu)   ... + 1
 *   matf       (vech Psi, nu, delta)             p(p+1)/2 + 2
 * bm_F_set_theta unpacks theta and calls bm_F_set, so it validates exactly as
 * bm_F_set does (the unpacked matrices are symmetric by construction, so
 * BM_ENOTSYM cannot occur) and on failure leaves the object as it was.
 * bm_F_get_theta packs a set object's parameters (scales kept only as
 * Cholesky factors are rebuilt from them, to round-off). Both are declared
 * in each family's own header (this header includes them all, for code
 * written when they lived here); the generic bm_dist_set_theta /
 * bm_dist_get_theta of bayesmat/family.h reach them through the descriptors.
 * Docs: docs/theta.md.
 * Not thread-safe on the same object (set_theta writes it, like bm_F_set).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_THETA_H
#define BAYESMAT_THETA_H

#include <gsl/gsl_vector.h>
#include "bayesmat/mvn.h"
#include "bayesmat/mvt.h"
#include "bayesmat/wishart.h"
#include "bayesmat/invwishart.h"
#include "bayesmat/matnorm.h"
#include "bayesmat/matt.h"
#include "bayesmat/matf.h"

#include "bayesmat/family.h"
#endif
