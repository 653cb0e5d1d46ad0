/* For the harness bodies shared by several families: with FAM defined (the
 * family's name), F(name) is bm_<FAM>_name and fz_obj the family's type.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_FUZZ_FAMILY_H
#define BAYESMAT_FUZZ_FAMILY_H
#include "fuzz_check.h"

#define FZ_CAT_(a, b, c) a##b##_##c
#define FZ_CAT(a, b, c) FZ_CAT_(a, b, c)
#define F(name) FZ_CAT(bm_, FAM, name)
#define FZ_T_(a, b) a##b
#define FZ_T(a, b) FZ_T_(a, b)
typedef struct FZ_T(bm_, FAM) fz_obj;

#endif
