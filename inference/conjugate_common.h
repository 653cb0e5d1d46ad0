/* Internal (not installed): the bookkeeping the three conjugate models
 * (niw.c, blr.c, mniw.c) share — how a failed posterior update is reported,
 * the checks on formed outputs, and the packed form of their triangular
 * statistics. The numerical kernels they share are in conjugate_internal.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CONJUGATE_COMMON_H
#define BAYESMAT_CONJUGATE_COMMON_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "../src/error.h"

/* The status st of a model's recompute (its posterior cache from prior and
 * statistics), as the public function fn reports it: BM_EDOM (the posterior
 * is not representable) and BM_ENOMEM get their message, any other failure
 * is wrapped with fn, BM_SUCCESS passes through. */
int cj_recompute_status(const char *fn, int st);

/* The status st of setting a predictive distribution object from the finite
 * parameters a model formed (nu above the bound): the object refuses them
 * only when a formed scale is numerically not SPD (condition beyond ~1/eps)
 * or the degrees of freedom are subnormal — a predictive not representable
 * in double precision, BM_EDOM as fn's failure. Other statuses pass. */
int cj_predictive_status(const char *fn, int st);

/* 1 when A (v) is NULL or every entry is finite: a matrix formed from
 * finite factors (a product, an inverse, a draw) can still overflow. Also
 * used by model_fisher.c on what a user's model returns. */
int cj_all_finite(const gsl_matrix *A);
int cj_all_finite_vector(const gsl_vector *v);

/* 1 when A is NULL or r x c. */
int cj_shape_or_null(const gsl_matrix *A, size_t r, size_t c);

/* R (q x q) <- L^T for a lower L: the upper factor with R^T R = L L^T. */
void cj_upper_from_lower(const gsl_matrix *L, gsl_matrix *R);

/* The upper triangle of R (q x q), row by row, into buf: q (q + 1) / 2
 * doubles. @return the number written. */
size_t cj_pack_upper(const gsl_matrix *R, double *buf);

/* The checks every packed conjugate statistic shares, after which buf may be
 * read: the header (kind, dims d1 x d2, total length want), every payload
 * entry finite, the count (the payload's first entry) an integer in
 * 0 .. 2^53, and with a zero count every other payload entry zero. The count
 * goes to *n. Errors are recorded as fn's (the macro passes the caller). */
#define cj_unpack_check(...) cj_unpack_check_fn(BM_FN, __VA_ARGS__)
int cj_unpack_check_fn(const char *fn, const double *buf, size_t len, int kind, size_t d1, size_t d2, size_t want,
                       double *n);

/* R (q x q) from the packed upper triangle tri (as cj_pack_upper writes it),
 * once its diagonal has been checked non-negative as every factor the
 * library produces is (BM_EINVAL otherwise, R untouched). */
#define cj_unpack_upper(tri, R) cj_unpack_upper_fn(BM_FN, tri, R)
int cj_unpack_upper_fn(const char *fn, const double *tri, gsl_matrix *R);

#endif
