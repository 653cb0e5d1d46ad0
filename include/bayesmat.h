/* bayesmat — Bayesian computation with matrix-variate distributions.
 * One include for everything. See README.md and docs/contract.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_H
#define BAYESMAT_H

#include "bayesmat/version.h"
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/specfun.h"
#include "bayesmat/random.h"
#include "bayesmat/fd.h"

#include "bayesmat/mvn.h"
#include "bayesmat/mvt.h"
#include "bayesmat/wishart.h"
#include "bayesmat/invwishart.h"
#include "bayesmat/matnorm.h"
#include "bayesmat/matt.h"
#include "bayesmat/matf.h"
#include "bayesmat/theta.h"
#include "bayesmat/family.h"

#include "bayesmat/transform.h"
#include "bayesmat/laplace.h"
#include "bayesmat/jeffreys.h"
#include "bayesmat/model_fisher.h"
#include "bayesmat/model_family.h"
#include "bayesmat/check.h"
#include "bayesmat/check_conjugate.h"
#include "bayesmat/niw.h"
#include "bayesmat/blr.h"
#include "bayesmat/mniw.h"

#endif
