/* Internal (not installed): the per-thread message behind bm_last_error().
 *
 * A failing function records "function: argument fact" beside the status it
 * returns. The message lives in a fixed thread-local buffer: recording never
 * allocates, never fails and never touches a status or an output.
 *
 * Three ways to record, smallest diff first:
 *  - BM_FAIL(status, fmt, ...) at a `return BM_E...` or `status = BM_E...`
 *    site: records "<__func__>: <fmt...>" and evaluates to status.
 *  - The named checks bm_check_* below, the validate.h checks with the
 *    calling function and the argument's name added.
 *  - In a file that includes this header, the validate.h calls themselves:
 *    bm_validate_vector(x, p) expands to bm_check_vector(__func__, "x", x, p),
 *    so an existing check names its function and argument with no edit at the
 *    call site (the argument's name is its spelling at the call site: name the
 *    variable as the header documents it). Define BM_ERROR_NO_SHADOW before
 *    including to keep the plain calls (validate.c does, to define them).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_ERROR_H
#define BAYESMAT_ERROR_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h" /* before the shadowing macros below */

#if defined(__GNUC__)
#define BM_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define BM_PRINTF_LIKE(f, a)
#endif

/* Record "fn: <printf(fmt, ...)>" (truncated to the buffer) as this thread's
 * last error; returns status unchanged. fn may be NULL (no prefix). */
int bm_error_set(int status, const char *fn, const char *fmt, ...) BM_PRINTF_LIKE(3, 4);

/* The function a message names: the enclosing one by default. An internal
 * helper that checks arguments for a public caller takes that caller's name
 * as a parameter `fn` (a macro wrapper passes __func__ at the call site) and
 * redefines BM_FN to fn around its body, so that BM_FAIL and the shadowed
 * checks below name the public function, not the helper. */
#ifndef BM_FN
#define BM_FN __func__
#endif

/* status unchanged; records "<BM_FN>: <fmt...>". The value is `status` itself
 * (not bm_error_set's result), so the compiler still sees a constant status
 * on a failure path; status must have no side effects. */
#define BM_FAIL(status, ...) (bm_error_set((status), BM_FN, __VA_ARGS__), (status))

/* A failure of a nested bayesmat call, passed on by fn: the message becomes
 * "fn: <the nested message>" so that it starts with the function the user
 * called. BM_SUCCESS passes through untouched. */
int bm_error_wrap(int status, const char *fn);
#define BM_WRAP(status) bm_error_wrap((status), BM_FN)

/* The checks of validate.h, recording "fn: name <fact>" on failure. */
int bm_check_length(const char *fn, const char *name, const gsl_vector *v, size_t n);
int bm_check_vector(const char *fn, const char *name, const gsl_vector *v, size_t n);
int bm_check_shape(const char *fn, const char *name, const gsl_matrix *A, size_t rows, size_t cols);
int bm_check_matrix(const char *fn, const char *name, const gsl_matrix *A, size_t rows, size_t cols);
int bm_check_symmetric(const char *fn, const char *name, const gsl_matrix *A, size_t p);
int bm_check_spd(const char *fn, const char *name, const gsl_matrix *A, size_t p, gsl_matrix *L, size_t *pivot);
int bm_check_chol_factor(const char *fn, const char *name, const gsl_matrix *L, size_t p);
/* x > lower; `bound` names the bound in the message ("p - 1"), NULL for none:
 * "nu = 0.5 must exceed p - 1 = 2". */
int bm_check_greater(const char *fn, const char *name, double x, double lower, const char *bound);
/* bm_chol_factor(A, L) naming A and the failing leading minor. */
int bm_check_chol(const char *fn, const char *name, const gsl_matrix *A, gsl_matrix *L);
/* A non-NULL pointer argument. */
int bm_check_nonnull(const char *fn, const char *name, const void *ptr);

#ifndef BM_ERROR_NO_SHADOW
#define bm_validate_length(v, n) bm_check_length(BM_FN, #v, (v), (n))
#define bm_validate_vector(v, n) bm_check_vector(BM_FN, #v, (v), (n))
#define bm_validate_shape(A, r, c) bm_check_shape(BM_FN, #A, (A), (r), (c))
#define bm_validate_matrix(A, r, c) bm_check_matrix(BM_FN, #A, (A), (r), (c))
#define bm_validate_symmetric(A, p) bm_check_symmetric(BM_FN, #A, (A), (p))
#define bm_validate_spd(A, p, L, piv) bm_check_spd(BM_FN, #A, (A), (p), (L), (piv))
#define bm_validate_chol_factor(L, p) bm_check_chol_factor(BM_FN, #L, (L), (p))
#define bm_validate_greater(x, lo) bm_check_greater(BM_FN, #x, (x), (lo), NULL)
#endif

#endif
