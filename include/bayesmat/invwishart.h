/* bayesmat — the invwishart family (SPEC §2–3). Implemented under issue #4.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_INVWISHART_H
#define BAYESMAT_INVWISHART_H
#endif
