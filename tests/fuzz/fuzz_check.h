/* Invariants every family harness asserts (docs/conventions.md), beyond "no crash, no
 * sanitizer report, no GSL error-handler call":
 *  - every status is a known code (0 .. BM_NSTATUS-1);
 *  - success never comes with a NaN log-density;
 *  - a failed evaluation leaves NaN in its outputs (a log-density may be -inf
 *    only with BM_EDOM), never a plausible-looking number;
 *  - a failed _set leaves the object's previous parameters in force.
 * A violated invariant traps, which libFuzzer reports as a crash.
 * Also: operands that are views (tda > size2) so row strides are exercised.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_FUZZ_CHECK_H
#define BAYESMAT_FUZZ_CHECK_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_input.h"

#define FZ_REQUIRE(cond)                                                                                             \
  do {                                                                                                               \
    if (!(cond)) __builtin_trap();                                                                                   \
  } while (0)

static inline void fz_status(int s) { FZ_REQUIRE(s >= 0 && s < BM_NSTATUS); }

/* The log-density contract: status known; success => not NaN; failure =>
 * NaN, or -inf with BM_EDOM. */
static inline void fz_lp(int s, double lp)
{
  fz_status(s);
  if (s == BM_SUCCESS)
    FZ_REQUIRE(!isnan(lp));
  else
    FZ_REQUIRE(isnan(lp) || (s == BM_EDOM && lp == -INFINITY));
}

static inline int fz_all_nan_m(const gsl_matrix *A)
{
  if (!A) return 1;
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++)
      if (!isnan(A->data[i * A->tda + j])) return 0;
  return 1;
}
static inline int fz_all_nan_v(const gsl_vector *v)
{
  if (!v) return 1;
  for (size_t i = 0; i < v->size; i++)
    if (!isnan(v->data[i * v->stride])) return 0;
  return 1;
}
/* A failed call must leave NaN in every (correctly shaped) output it was given. */
static inline void fz_out_m(int s, const gsl_matrix *A)
{
  fz_status(s);
  if (s != BM_SUCCESS) FZ_REQUIRE(fz_all_nan_m(A));
}
static inline void fz_out_v(int s, const gsl_vector *v)
{
  fz_status(s);
  if (s != BM_SUCCESS) FZ_REQUIRE(fz_all_nan_v(v));
}
static inline void fz_out_d(int s, const double *x)
{
  fz_status(s);
  if (s != BM_SUCCESS && x) FZ_REQUIRE(isnan(*x) || (s == BM_EDOM && *x == -INFINITY));
}

/* An r x c operand: sometimes a fresh matrix, sometimes a view into a wider
 * one (tda > c). Free with fz_matrix_free. */
typedef struct {
  gsl_matrix *owner;
  gsl_matrix_view view;
} fz_mat;

static inline gsl_matrix *fz_mat_new(fz_in *in, fz_mat *m, size_t r, size_t c)
{
  size_t pad = fz_byte(in) % 3;
  m->owner = bm_matrix_alloc(r, c + pad);
  if (!m->owner) abort();
  for (size_t i = 0; i < r * (c + pad); i++) m->owner->data[i] = NAN; /* padding must never be read */
  m->view = gsl_matrix_submatrix(m->owner, 0, 0, r, c);
  fz_matrix(in, &m->view.matrix);
  return &m->view.matrix;
}
static inline void fz_mat_free(fz_mat *m) { bm_matrix_free(m->owner); }

/* Occasionally a wrong size (to hit BM_EBADLEN) or nothing at all (NULL). */
static inline size_t fz_maybe_wrong(fz_in *in, size_t n)
{
  uint8_t b = fz_byte(in);
  if (b == 255) return n + 1;
  if (b == 254 && n > 1) return n - 1;
  return n;
}
/* After a failed second _set: the log-density (status s1, value l1) is the
 * one from before it (s0, l0), to the bit or both NaN. */
static inline void fz_require_kept(int s0, double l0, int s1, double l1)
{
  FZ_REQUIRE(s1 == s0 && (memcmp(&l0, &l1, sizeof l0) == 0 || (isnan(l0) && isnan(l1))));
}

/* The first _set of a harness (SET1, its status into `set`) and, when it
 * succeeded, a second, hostile one: PREPARE makes its inputs from the bytes,
 * SET2 runs it, CLEANUP frees them. After a failed SET2 the log-density
 * LOGPDF(d, x, .) is the one from before it (fz_require_kept). */
#define FZ_SET_TWICE(set, SET1, LOGPDF, d, x, PREPARE, SET2, CLEANUP)                 \
  int set = (SET1);                                                                   \
  fz_status(set);                                                                     \
  if (set == BM_SUCCESS) {                                                            \
    double l0_, l1_;                                                                  \
    int s0_ = LOGPDF(d, x, &l0_);                                                     \
    fz_lp(s0_, l0_);                                                                  \
    PREPARE;                                                                          \
    int set2_ = (SET2);                                                               \
    fz_status(set2_);                                                                 \
    if (set2_ != BM_SUCCESS) {                                                        \
      int s1_ = LOGPDF(d, x, &l1_);                                                   \
      fz_require_kept(s0_, l0_, s1_, l1_);                                            \
    }                                                                                 \
    CLEANUP;                                                                          \
  }

/* The mean into y (MEAN(d, y)), then one draw into y (SAMPLE(d, r, y), the
 * generator from the bytes), each under the output contract CHECK (fz_out_m
 * / fz_out_v); a draw is in the support, so LOGPDF there (into lp) keeps the
 * log-density contract. */
#define FZ_MEAN_AND_DRAW(MEAN, SAMPLE, LOGPDF, d, in, y, CHECK, lp)                   \
  do {                                                                                \
    int st_ = MEAN(d, y);                                                             \
    CHECK(st_, y);                                                                    \
    st_ = SAMPLE(d, fz_rng(in), y);                                                   \
    CHECK(st_, y);                                                                    \
    if (st_ == BM_SUCCESS) {                                                          \
      st_ = LOGPDF(d, y, &(lp));                                                      \
      fz_lp(st_, lp);                                                                 \
    }                                                                                 \
  } while (0)

/* dst <- src through the packed form, optionally made hostile: payload (bit 0),
 * header too (bit 1), a length one short (bit 2). An unpack must refuse or
 * accept without reading past the length it is given; dst is unchanged on refusal. */
#define FZ_REPACK(F, src, dst, in)                                                    \
  do {                                                                                \
    size_t len_ = bm_##F##_stats_packed_len(src);                                     \
    double *buf_ = malloc((len_ ? len_ : 1) * sizeof(double));                        \
    if (!buf_) abort();                                                               \
    fz_status(bm_##F##_stats_pack(src, buf_));                                        \
    unsigned mode_ = fz_byte(in);                                                     \
    if (mode_ & 3)                                                                    \
      for (size_t i_ = (mode_ & 2) ? 0 : 6; i_ < len_; i_++) buf_[i_] = fz_double(in); \
    fz_status(bm_##F##_stats_unpack(dst, buf_, len_ - ((mode_ >> 2) & 1)));          \
    free(buf_);                                                                       \
  } while (0)

#define FZ_ARGS_(...) __VA_ARGS__
/* A family's sufficient statistics: compute on a batch, add, merge, a hostile
 * repack (FZ_REPACK), then _stats_get and the log-likelihood (into lp) and
 * its gradient from them. ALLOC, BATCH, GET and GRAD are the parenthesized
 * arguments of _stats_alloc, of _stats_compute / _add after the statistics,
 * and the outputs of _stats_get and _stats_loglik_grad; CHECK checks the
 * gradient's outputs against its status st_. */
#define FZ_STATS(F, d, ALLOC, BATCH, GET, GRAD, CHECK, in, lp)                        \
  do {                                                                                \
    bm_##F##_stats *s1_ = bm_##F##_stats_alloc ALLOC, *s2_ = bm_##F##_stats_alloc ALLOC; \
    if (!s1_ || !s2_) abort();                                                        \
    fz_status(bm_##F##_stats_compute(s1_, FZ_ARGS_ BATCH));                           \
    fz_status(bm_##F##_stats_add(s2_, FZ_ARGS_ BATCH));                               \
    fz_status(bm_##F##_stats_merge(s1_, s2_));                                        \
    FZ_REPACK(F, s1_, s2_, in);                                                       \
    double cnt_;                                                                      \
    fz_status(bm_##F##_stats_get(s2_, &cnt_, FZ_ARGS_ GET));                          \
    int st_ = bm_##F##_stats_loglik(d, s2_, &(lp));                                   \
    fz_lp(st_, lp);                                                                   \
    st_ = bm_##F##_stats_loglik_grad(d, s2_, &(lp), FZ_ARGS_ GRAD);                   \
    fz_lp(st_, lp);                                                                   \
    CHECK;                                                                            \
    fz_status(bm_##F##_stats_reset(s1_));                                             \
    bm_##F##_stats_free(s1_);                                                         \
    bm_##F##_stats_free(s2_);                                                         \
  } while (0)

/* A (probably) non-degenerate RNG for samplers. */
static inline gsl_rng *fz_rng(fz_in *in)
{
  static gsl_rng *r; /* the harness is single threaded */
  if (!r) r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, fz_byte(in) + 256ul * fz_byte(in));
  return r;
}

#endif
