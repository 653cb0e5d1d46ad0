/* bayesmat — version. CMakeLists.txt reads the version from this file.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_VERSION_H
#define BAYESMAT_VERSION_H

#define BAYESMAT_VERSION_MAJOR 0
#define BAYESMAT_VERSION_MINOR 1
#define BAYESMAT_VERSION_PATCH 0
#define BAYESMAT_VERSION "0.1.0"

#include "bayesmat/export.h"
BM_BEGIN_DECLS
/** The version of the library actually linked (may differ from the header's). */
const char *bm_version(void);
BM_END_DECLS
#endif
