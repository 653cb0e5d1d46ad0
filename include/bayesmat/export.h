/* bayesmat — what the shared library exports.
 *
 * The library is compiled with -fvisibility=hidden, so a function is exported
 * only if it is declared between BM_BEGIN_DECLS and BM_END_DECLS, which every
 * public header places around its declarations. A declaration added inside a
 * public header is therefore exported, and nothing else is: helpers shared
 * between source files stay private to the library. The ctest
 * "exports_match_headers" checks that the two lists agree.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_EXPORT_H
#define BAYESMAT_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define BM_VISIBILITY_PUSH_ _Pragma("GCC visibility push(default)")
#define BM_VISIBILITY_POP_ _Pragma("GCC visibility pop")
#else
#define BM_VISIBILITY_PUSH_
#define BM_VISIBILITY_POP_
#endif

#ifdef __cplusplus
#define BM_BEGIN_DECLS extern "C" { BM_VISIBILITY_PUSH_
#define BM_END_DECLS BM_VISIBILITY_POP_ }
#else
#define BM_BEGIN_DECLS BM_VISIBILITY_PUSH_
#define BM_END_DECLS BM_VISIBILITY_POP_
#endif

#endif
