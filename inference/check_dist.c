/* One-call check of a family through its descriptor, and the diagnosis of a
 * wrong matrix gradient or Fisher block. The finite differences are the
 * library's own (src/fd.c through bm_check_gradient / bm_check_hessian /
 * bm_check_taylor / bm_fd_gradient), the Monte Carlo Fisher comparison is
 * bm_check_fisher_mc; this file only drives them on a bm_dist and adds the
 * statistics they do not keep (E[score], the sample mean, block sums, the
 * convergence trace). docs/check.md shows the output.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/vech.h"
#include "bayesmat/check.h"
#include "report_json.h"
#include "../src/error.h"

/* ---------------------------------------------------------------------- */
/* Diagnosis of a matrix gradient                                          */

const char *bm_grad_mistake_name(bm_grad_mistake m)
{
  switch (m) {
  case BM_GRAD_OK: return "ok";
  case BM_GRAD_TRANSPOSED: return "transposed";
  case BM_GRAD_OFFDIAG_DOUBLED: return "offdiag-doubled";
  case BM_GRAD_OFFDIAG_HALVED: return "offdiag-halved";
  case BM_GRAD_NOT_SYMMETRIZED: return "not-symmetrized";
  case BM_GRAD_SIGN: return "sign";
  case BM_GRAD_HALF: return "half";
  case BM_GRAD_DOUBLE: return "double";
  case BM_GRAD_UNKNOWN: return "unknown";
  }
  return "?";
}

static const char *mistake_sentence(bm_grad_mistake m)
{
  switch (m) {
  case BM_GRAD_TRANSPOSED:
    return "is the transpose of the finite-difference gradient: numerator layout (d f / d X^T) where the "
           "layout of X is expected; transpose it";
  case BM_GRAD_OFFDIAG_DOUBLED:
    return "has off-diagonal entries twice the finite-difference ones: each off-diagonal counted for both "
           "(i,j) and (j,i) (the 2G - diag(G) form); halve them";
  case BM_GRAD_OFFDIAG_HALVED:
    return "has off-diagonal entries half the finite-difference ones (the symmetric gradient where the "
           "vech-coordinate one is expected, or a stray 1/2); double them";
  case BM_GRAD_NOT_SYMMETRIZED:
    return "is not symmetric but its symmetric part (C + C^T)/2 matches: the derivative of a symmetric "
           "argument was taken entry by entry and not symmetrized";
  case BM_GRAD_SIGN: return "has the wrong sign";
  case BM_GRAD_HALF: return "is half the finite-difference gradient: multiply by 2";
  case BM_GRAD_DOUBLE: return "is twice the finite-difference gradient: a factor 1/2 is missing";
  default: return "";
  }
}

/* The relative error of a against b as fd.h measures it: per entry
 * |a - b| / max(|a|, |b|, 1e-3 max|b|), the worst entry. */
static double rel_err(const double *a, const double *b, size_t n, size_t *where)
{
  double scale = 0.0;
  for (size_t k = 0; k < n; k++) scale = fmax(scale, fabs(b[k]));
  double floor_ = scale > 0.0 ? 1e-3 * scale : 1e-300;
  double worst = 0.0;
  if (where) *where = 0;
  for (size_t k = 0; k < n; k++) {
    double d = fabs(a[k] - b[k]);
    if (d == 0.0) continue;
    double e = d / fmax(fmax(fabs(a[k]), fabs(b[k])), floor_);
    if (!(e <= worst)) {
      worst = e;
      if (where) *where = k;
    }
  }
  return worst;
}

/* What claim C would be if the correct gradient R (r x c, column-major
 * arrays) were mangled by mistake m; 0 when m does not apply to this shape. */
static int mangle(bm_grad_mistake m, const double *R, size_t r, size_t c, int sym, double *T)
{
  const size_t n = r * c;
  switch (m) {
  case BM_GRAD_TRANSPOSED:
    if (r == 1 || c == 1 || sym) return 0;
    /* vec(R^T) read back in the r x c layout */
    for (size_t i = 0; i < r; i++)
      for (size_t j = 0; j < c; j++) T[j + i * c] = R[i + j * r];
    return 1;
  case BM_GRAD_OFFDIAG_DOUBLED:
  case BM_GRAD_OFFDIAG_HALVED:
    if (r != c || r == 1) return 0;
    for (size_t j = 0; j < c; j++)
      for (size_t i = 0; i < r; i++)
        T[i + j * r] = R[i + j * r] * (i == j ? 1.0 : (m == BM_GRAD_OFFDIAG_DOUBLED ? 2.0 : 0.5));
    return 1;
  case BM_GRAD_SIGN:
  case BM_GRAD_HALF:
  case BM_GRAD_DOUBLE: {
    double f = m == BM_GRAD_SIGN ? -1.0 : (m == BM_GRAD_HALF ? 0.5 : 2.0);
    for (size_t k = 0; k < n; k++) T[k] = f * R[k];
    return 1;
  }
  default: return 0;
  }
}

/* Name the mistake of claim C against the correct R (both r x c, column-major).
 * sym: the argument is symmetric (transposition is invisible; an asymmetric
 * claim is tested for a missing symmetrization). */
static int diagnose(const double *R, const double *C, size_t r, size_t c, int sym, double tol,
                    bm_grad_diagnosis *dg)
{
  const size_t n = r * c;
  double *T = malloc(n * sizeof(double));
  if (T == NULL) return BM_ENOMEM;
  size_t where;
  dg->rel_err = rel_err(C, R, n, &where);
  dg->rel_err_matched = dg->rel_err;
  dg->mistake = dg->rel_err <= tol ? BM_GRAD_OK : BM_GRAD_UNKNOWN;
  if (dg->mistake == BM_GRAD_OK) {
    snprintf(dg->message, sizeof dg->message, "matches the finite-difference gradient (worst relative error %.2e)",
             dg->rel_err);
    free(T);
    return BM_SUCCESS;
  }
  /* A hypothesis must explain the claim far better than "correct" does, and
   * must differ from R itself (a symmetric R hides a transposition). */
  const double match_tol = fmax(100.0 * tol, 1e-4);
  static const bm_grad_mistake hyp[] = {BM_GRAD_TRANSPOSED, BM_GRAD_OFFDIAG_DOUBLED, BM_GRAD_OFFDIAG_HALVED,
                                        BM_GRAD_NOT_SYMMETRIZED, BM_GRAD_SIGN, BM_GRAD_HALF, BM_GRAD_DOUBLE};
  double best = INFINITY;
  for (size_t h = 0; h < sizeof hyp / sizeof hyp[0]; h++) {
    double e;
    if (hyp[h] == BM_GRAD_NOT_SYMMETRIZED) {
      if (!sym || r != c) continue;
      for (size_t j = 0; j < c; j++)
        for (size_t i = 0; i < r; i++) T[i + j * r] = 0.5 * (C[i + j * r] + C[j + i * r]);
      double asym = rel_err(C, T, n, NULL);
      if (asym <= match_tol) continue;
      e = rel_err(T, R, n, NULL);
    } else {
      if (!mangle(hyp[h], R, r, c, sym, T)) continue;
      if (rel_err(T, R, n, NULL) <= 10.0 * match_tol) continue;
      e = rel_err(C, T, n, NULL);
    }
    if (e <= match_tol && e < best) {
      best = e;
      dg->mistake = hyp[h];
      dg->rel_err_matched = e;
    }
  }
  free(T);
  if (dg->mistake == BM_GRAD_UNKNOWN)
    snprintf(dg->message, sizeof dg->message,
             "wrong (worst relative error %.2e at entry (%zu,%zu): claimed %.6g, finite differences %.6g) and "
             "none of: transposed, off-diagonals x2 or x1/2, not symmetrized, sign, x1/2, x2",
             dg->rel_err, where % r, where / r, C[where], R[where]);
  else
    snprintf(dg->message, sizeof dg->message, "%s (relative error %.2e; %.2e once undone)",
             mistake_sentence(dg->mistake), dg->rel_err, dg->rel_err_matched);
  return BM_SUCCESS;
}

typedef struct {
  bm_fn_matrix_scalar f;
  void *params;
  gsl_matrix *X;
  int sym;
} mat_fn;

/* f as a function of vec X (general) or vech X (symmetric). */
static int mat_fn_eval(const gsl_vector *v, void *p, double *out)
{
  mat_fn *m = p;
  if (m->sym) bm_vech_unpack(v, m->X);
  else bm_vec_unpack(v, m->X);
  return m->f(m->X, m->params, out);
}

int bm_check_matrix_gradient(bm_fn_matrix_scalar f, void *params, const gsl_matrix *X, int symmetric,
                             const gsl_matrix *claimed, const bm_check_options *opts, bm_grad_diagnosis *diag)
{
  if (diag != NULL) {
    diag->mistake = BM_GRAD_UNKNOWN;
    diag->rel_err = diag->rel_err_matched = NAN;
    diag->message[0] = '\0';
  }
  if (f == NULL) return BM_FAIL(BM_EINVAL, "f is NULL");
  if (bm_check_nonnull(__func__, "X", X) || bm_check_nonnull(__func__, "claimed", claimed) ||
      bm_check_nonnull(__func__, "diag", diag))
    return BM_EINVAL;
  const size_t r = X->size1, c = X->size2;
  if (symmetric && r != c) return BM_FAIL(BM_EBADLEN, "X is %zu x %zu, symmetric needs it square", r, c);
  if (claimed->size1 != r || claimed->size2 != c)
    return BM_FAIL(BM_EBADLEN, "claimed is %zu x %zu, X %zu x %zu", claimed->size1, claimed->size2, r, c);
  for (size_t i = 0; i < r; i++)
    for (size_t j = 0; j < c; j++) {
      if (!isfinite(gsl_matrix_get(X, i, j)))
        return BM_FAIL(BM_ENONFINITE, "X(%zu,%zu) = %g is not finite", i, j, gsl_matrix_get(X, i, j));
      if (!isfinite(gsl_matrix_get(claimed, i, j)))
        return BM_FAIL(BM_ENONFINITE, "claimed(%zu,%zu) = %g is not finite", i, j, gsl_matrix_get(claimed, i, j));
      if (symmetric && gsl_matrix_get(X, i, j) != gsl_matrix_get(X, j, i))
        return BM_FAIL(BM_ENOTSYM, "X is not symmetric: X(%zu,%zu) = %g, X(%zu,%zu) = %g", i, j,
                       gsl_matrix_get(X, i, j), j, i, gsl_matrix_get(X, j, i));
    }
  const size_t n = symmetric ? bm_vech_len(r) : r * c;
  gsl_vector *v = bm_vector_alloc(n), *g = bm_vector_alloc(n);
  gsl_matrix *W = bm_matrix_alloc(r, c), *G = bm_matrix_alloc(r, c);
  double *R = malloc(r * c * sizeof(double)), *C = malloc(r * c * sizeof(double));
  int st = BM_ENOMEM;
  if (v == NULL || g == NULL || W == NULL || G == NULL || R == NULL || C == NULL) goto done;
  if (symmetric) bm_vech(X, v);
  else bm_vec(X, v);
  mat_fn m = {f, params, W, symmetric};
  st = bm_fd_gradient(mat_fn_eval, &m, v, opts ? &opts->fd : NULL, g, NULL);
  if (st != BM_SUCCESS) goto done;
  /* vech coordinates move X_ij and X_ji together: halving the off-diagonals
   * gives the symmetric gradient */
  if (symmetric) bm_sym_grad_from_vech(g, G);
  else bm_vec_unpack(g, G);
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) {
      R[i + j * r] = gsl_matrix_get(G, i, j);
      C[i + j * r] = gsl_matrix_get(claimed, i, j);
    }
  st = diagnose(R, C, r, c, symmetric, opts && opts->tol > 0.0 ? opts->tol : 1e-6, diag);
done:
  bm_vector_free(v);
  bm_vector_free(g);
  if (W) bm_matrix_free(W);
  if (G) bm_matrix_free(G);
  free(R);
  free(C);
  /* every ENOMEM above, diagnose()'s included, is this function's own allocation */
  return st == BM_ENOMEM ? BM_FAIL(BM_ENOMEM, "out of memory (X %zu x %zu)", r, c) : BM_WRAP(st);
}

/* ---------------------------------------------------------------------- */
/* Report                                                                  */

bm_check_report *bm_check_report_alloc(void) { return calloc(1, sizeof(bm_check_report)); }

void bm_check_report_free(bm_check_report *report) { free(report); }

static bm_check_row *add_row(bm_check_report *rep, const char *name, const char *measure, double threshold)
{
  if (rep->nrows >= BM_CHECK_MAX_ROWS) return NULL;
  bm_check_row *row = &rep->rows[rep->nrows++];
  memset(row, 0, sizeof *row);
  snprintf(row->name, sizeof row->name, "%s", name);
  snprintf(row->measure, sizeof row->measure, "%s", measure);
  row->value = NAN;
  row->threshold = threshold;
  row->status = BM_ROW_SKIP;
  row->mistake = BM_GRAD_OK;
  return row;
}

static void skip_row(bm_check_report *rep, const char *name, const char *measure, double threshold,
                     const char *why)
{
  bm_check_row *row = add_row(rep, name, measure, threshold);
  if (row) snprintf(row->detail, sizeof row->detail, "skipped: %s", why);
}

static void finish_row(bm_check_row *row, double value)
{
  row->value = value;
  int ok = !strcmp(row->measure, "slope") ? value >= row->threshold : value <= row->threshold;
  row->status = ok ? BM_ROW_PASS : BM_ROW_FAIL;
}

static void fail_row_status(bm_check_row *row, int st, const char *what)
{
  row->value = NAN;
  row->status = BM_ROW_FAIL;
  snprintf(row->detail, sizeof row->detail, "%s returned %s", what, bm_strerror(st));
}

static const char *status_word(bm_row_status s)
{
  return s == BM_ROW_PASS ? "pass" : (s == BM_ROW_FAIL ? "FAIL" : "skip");
}

int bm_check_report_print(const bm_check_report *rep, FILE *out, bm_report_format format)
{
  if (rep == NULL) return BM_FAIL(BM_EINVAL, "report is NULL");
  if (out == NULL) return BM_FAIL(BM_EINVAL, "out is NULL");
  if (format != BM_REPORT_TABLE && format != BM_REPORT_JSON)
    return BM_FAIL(BM_EINVAL, "format = %d is neither BM_REPORT_TABLE nor BM_REPORT_JSON", (int)format);
  if (format == BM_REPORT_JSON) {
    json_member(out, "{\"family\": ", rep->family);
    json_verdict(out, rep->passed, rep->nfailed);
    for (size_t k = 0; k < rep->nrows; k++) {
      const bm_check_row *r = &rep->rows[k];
      json_member(out, k ? ",\n  {\"check\": " : "\n  {\"check\": ", r->name);
      json_member(out, ", \"measure\": ", r->measure);
      if (isfinite(r->value)) fprintf(out, ", \"value\": %.6g", r->value);
      else fprintf(out, ", \"value\": null");
      fprintf(out, ", \"threshold\": %.6g, \"status\": \"%s\", \"mistake\": \"%s\", \"detail\": ", r->threshold,
              r->status == BM_ROW_PASS ? "pass" : (r->status == BM_ROW_FAIL ? "fail" : "skip"),
              bm_grad_mistake_name(r->mistake));
      json_string(out, r->detail);
      fputc('}', out);
    }
    fprintf(out, "\n]}\n");
    return BM_SUCCESS;
  }
  fprintf(out, "family %s\n%-32s %-6s %11s %9s  %s\n", rep->family, "check", "", "value", "threshold", "result");
  for (size_t k = 0; k < rep->nrows; k++) {
    const bm_check_row *r = &rep->rows[k];
    fprintf(out, "%-32s %-6s %11.3e %9.3g  %s\n", r->name, r->measure, r->value, r->threshold,
            status_word(r->status));
    if (r->detail[0] && r->status != BM_ROW_PASS) fprintf(out, "    %s\n", r->detail);
  }
  fprintf(out, "%s: %zu of %zu checks failed\n", rep->passed ? "PASSED" : "FAILED", rep->nfailed, rep->nrows);
  return BM_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* The family as functions of theta and of the variate                     */

typedef struct {
  bm_dist *w;          /* a scratch distribution of d's family, its theta moved */
  const gsl_matrix *x; /* the variate */
} theta_fn;

static int th_logpdf(const gsl_vector *t, void *p, double *f)
{
  theta_fn *c = p;
  int st = bm_dist_set_theta(c->w, t);
  return st != BM_SUCCESS ? st : bm_dist_logpdf(c->w, c->x, f);
}

static int th_score(const gsl_vector *t, void *p, gsl_vector *g)
{
  theta_fn *c = p;
  int st = bm_dist_set_theta(c->w, t);
  return st != BM_SUCCESS ? st : bm_dist_score(c->w, c->x, g);
}

static int th_hess(const gsl_vector *t, void *p, gsl_matrix *H)
{
  theta_fn *c = p;
  int st = bm_dist_set_theta(c->w, t);
  return st != BM_SUCCESS ? st : bm_dist_hess(c->w, c->x, H);
}

typedef struct {
  const bm_dist *d;
  bm_variate_kind kind;
  gsl_matrix *X;
} var_fn;

static void var_unpack(var_fn *c, const gsl_vector *v)
{
  if (c->kind == BM_VARIATE_SPD) bm_vech_unpack(v, c->X);
  else if (c->kind == BM_VARIATE_VECTOR)
    for (size_t j = 0; j < v->size; j++) gsl_matrix_set(c->X, 0, j, gsl_vector_get(v, j));
  else bm_vec_unpack(v, c->X);
}

static int var_logpdf(const gsl_vector *v, void *p, double *f)
{
  var_fn *c = p;
  var_unpack(c, v);
  return bm_dist_logpdf(c->d, c->X, f);
}

static int var_hess(const gsl_vector *v, void *p, gsl_matrix *H)
{
  var_fn *c = p;
  var_unpack(c, v);
  return bm_dist_hess_x(c->d, c->X, H);
}

static size_t block_dim(bm_block_dim d, size_t rows, size_t cols)
{
  return d == BM_DIM_ROWS ? rows : (d == BM_DIM_COLS ? cols : 1);
}

/* theta's blocks as offsets; a single "theta" block when the descriptor does
 * not name them (or names them inconsistently). */
typedef struct {
  size_t nb;
  size_t *off, *len, *r, *c;
  int *sym;
  const char **name;
} blocks;

static int blocks_init(blocks *b, const bm_family_type *T, size_t rows, size_t cols, size_t m)
{
  size_t nb = T->blocks && T->nblocks ? T->nblocks : 1;
  b->nb = nb;
  b->off = calloc(5 * nb, sizeof(size_t));
  b->sym = calloc(nb, sizeof(int));
  b->name = calloc(nb, sizeof(char *));
  if (!b->off || !b->sym || !b->name) return BM_ENOMEM;
  b->len = b->off + nb;
  b->r = b->off + 2 * nb;
  b->c = b->off + 3 * nb;
  size_t total = 0;
  if (T->blocks && T->nblocks) {
    for (size_t k = 0; k < nb; k++) {
      const bm_theta_block *tb = &T->blocks[k];
      b->off[k] = total;
      b->len[k] = bm_theta_block_len(tb, rows, cols);
      b->r[k] = block_dim(tb->rows, rows, cols);
      b->c[k] = tb->kind == BM_BLOCK_VECH ? b->r[k] : block_dim(tb->cols, rows, cols);
      b->sym[k] = tb->kind == BM_BLOCK_VECH;
      b->name[k] = tb->name ? tb->name : "?";
      total += b->len[k];
    }
  }
  if (total != m) {
    b->nb = 1;
    b->off[0] = 0;
    b->len[0] = m;
    b->r[0] = m;
    b->c[0] = 1;
    b->sym[0] = 0;
    b->name[0] = "theta";
  }
  return BM_SUCCESS;
}

static void blocks_free(blocks *b)
{
  free(b->off);
  free(b->sym);
  free(b->name);
}

/* The score at x failed its check: name each wrong block's mistake. Writes
 * the first wrong block's diagnosis into row. */
/* What a Monte Carlo row compares with: get(d, .) into a new r x c matrix
 * (NULL when out of memory), its status in *st. */
static gsl_matrix *reference(int (*get)(const bm_dist *, gsl_matrix *), const bm_dist *d, size_t r, size_t c, int *st)
{
  gsl_matrix *A = bm_matrix_alloc(r, c);
  *st = A ? get(d, A) : BM_ENOMEM;
  return A;
}

/* The gradient check of the score (hess 0) or the Hessian check (hess 1)
 * at each of the npts points until one fails outright (the row then says
 * so); the worst relative error's point goes to *worst_k, its result to *wr.
 * @return 1 when the worst error was judged against the row's threshold
 * (finish_row), 0 when a check failed outright. */
static int check_over_points(bm_check_row *row, int hess, bm_dist *w, gsl_matrix *const *pts, size_t npts,
                                const gsl_vector *theta, const bm_check_options *co, size_t *worst_k,
                                bm_check_result *wr)
{
  double worst = 0.0;
  for (size_t k = 0; k < npts && row->status != BM_ROW_FAIL; k++) {
    theta_fn tc = {w, pts[k]};
    bm_check_result cr;
    int s2 = hess ? bm_check_hessian(th_logpdf, th_score, th_hess, &tc, theta, co, &cr)
                  : bm_check_gradient(th_logpdf, th_score, &tc, theta, co, &cr);
    if (s2 != BM_SUCCESS) fail_row_status(row, s2, hess ? "the Hessian check" : "the gradient check");
    else if (!(cr.worst_rel_err <= worst)) {
      worst = cr.worst_rel_err;
      *worst_k = k;
      *wr = cr;
    }
  }
  if (row->status == BM_ROW_FAIL) return 0;
  finish_row(row, worst);
  return 1;
}

static int diagnose_score(theta_fn *tc, const gsl_vector *theta, const blocks *b, const bm_check_options *co,
                          double tol, bm_check_row *row)
{
  const size_t m = theta->size;
  gsl_vector *fd = bm_vector_alloc(m), *s = bm_vector_alloc(m);
  double *R = malloc(m * m * sizeof(double) + 1), *C = malloc(m * m * sizeof(double) + 1);
  int st = BM_ENOMEM;
  if (!fd || !s || !R || !C) goto done;
  st = bm_fd_gradient(th_logpdf, tc, theta, &co->fd, fd, NULL);
  if (st == BM_SUCCESS) st = th_score(theta, tc, s);
  if (st != BM_SUCCESS) goto done;
  for (size_t k = 0; k < b->nb; k++) {
    const size_t r = b->r[k], c = b->c[k];
    /* a vech block becomes its symmetric matrix; the mistakes scale the
     * same entries in either coordinate system */
    for (size_t j = 0; j < c; j++)
      for (size_t i = 0; i < r; i++) {
        size_t idx = b->sym[k] ? bm_vech_index(r, i, j) : i + j * r;
        R[i + j * r] = gsl_vector_get(fd, b->off[k] + idx);
        C[i + j * r] = gsl_vector_get(s, b->off[k] + idx);
      }
    bm_grad_diagnosis dg;
    st = diagnose(R, C, r, c, b->sym[k], tol, &dg);
    if (st != BM_SUCCESS) goto done;
    if (dg.mistake != BM_GRAD_OK) {
      row->mistake = dg.mistake;
      snprintf(row->detail, sizeof row->detail, "block %s: %.200s", b->name[k], dg.message);
      break;
    }
  }
done:
  bm_vector_free(fd);
  bm_vector_free(s);
  free(R);
  free(C);
  return st;
}

/* ---------------------------------------------------------------------- */
/* Monte Carlo                                                             */

typedef struct {
  const bm_dist *d;
  gsl_matrix *x;
  gsl_vector *s;
  const gsl_matrix *F; /* claimed Fisher, or NULL */
  const blocks *b;
  size_t m, nx, n;     /* n: draws accumulated */
  int have_score, have_hess, have_mean;
  double *smean, *sm2;          /* E[score] Welford */
  double *xmean, *xm2;          /* sample mean Welford (vec of x) */
  double *sum_o, *sum_h;        /* running sums of s s^T and -H */
  double *bmean, *bm2;          /* block statistics, [2][nb][nb] */
  double Fnorm;
  size_t next_trace, total;
  bm_check_report *rep;
  const bm_check_dist_options *o;
} mc_ctx;

static void welford(double *mean, double *m2, double x, size_t n)
{
  double delta = x - *mean;
  *mean += delta / (double)n;
  *m2 += delta * (x - *mean);
}

static double rel_frob(const double *sum, size_t n, const gsl_matrix *F, double Fnorm)
{
  const size_t m = F->size1;
  double e = 0.0;
  for (size_t i = 0; i < m * m; i++) {
    double d = sum[i] / (double)n - gsl_matrix_get(F, i / m, i % m);
    e += d * d;
  }
  return sqrt(e) / Fnorm;
}

static void trace_point(mc_ctx *c)
{
  bm_check_report *rep = c->rep;
  if (c->F == NULL || c->n == 0 || rep->ntrace >= BM_CHECK_MAX_TRACE) return;
  size_t k = rep->ntrace++;
  rep->trace_draws[k] = c->n;
  rep->trace_outer[k] = rel_frob(c->sum_o, c->n, c->F, c->Fnorm);
  rep->trace_hess[k] = c->have_hess ? rel_frob(c->sum_h, c->n, c->F, c->Fnorm) : NAN;
}

/* Per block pair (a, b): t = sum over the block of F_ij Y_ij (Y = s s^T or
 * -H), or of Y_ij where the claimed block is zero. */
static void block_stats(mc_ctx *c, const double *Y, int which)
{
  const blocks *b = c->b;
  const size_t nb = b->nb, m = c->m;
  for (size_t p = 0; p < nb; p++)
    for (size_t q = p; q < nb; q++) {
      double t = 0.0, ff = 0.0;
      for (size_t i = b->off[p]; i < b->off[p] + b->len[p]; i++)
        for (size_t j = b->off[q]; j < b->off[q] + b->len[q]; j++) ff += fabs(gsl_matrix_get(c->F, i, j));
      for (size_t i = b->off[p]; i < b->off[p] + b->len[p]; i++)
        for (size_t j = b->off[q]; j < b->off[q] + b->len[q]; j++)
          t += (ff > 0.0 ? gsl_matrix_get(c->F, i, j) : 1.0) * Y[i * m + j];
      size_t k = (size_t)which * nb * nb + p * nb + q;
      welford(&c->bmean[k], &c->bm2[k], t, c->n);
    }
}

static int mc_draw(gsl_rng *r, void *p)
{
  mc_ctx *c = p;
  if (c->n > 0 && c->n == c->next_trace) {
    trace_point(c);
    c->next_trace = c->next_trace < 64 ? 2 * c->next_trace : c->next_trace + c->next_trace / 2;
  }
  if (c->o && c->o->progress && (c->n & 1023) == 0) c->o->progress(c->n, c->total, c->o->progress_ctx);
  /* a sampler may, rarely, return a numerically singular draw (BM_EDOM):
   * draw again, a bounded number of times */
  int st, tries = 0;
  do st = bm_dist_sample(c->d, r, c->x);
  while (st == BM_EDOM && ++tries < 16);
  if (st != BM_SUCCESS) return st;
  c->n++;
  if (c->have_mean)
    for (size_t k = 0; k < c->nx; k++) {
      double v = gsl_matrix_get(c->x, k % c->x->size1, k / c->x->size1);
      welford(&c->xmean[k], &c->xm2[k], v, c->n);
    }
  return BM_SUCCESS;
}

/* One draw's m x m information estimate, already in the scratch Y after the
 * running sum: added to the sum and to the block statistics `which`. */
static void add_info(mc_ctx *c, double *sum, int which)
{
  const size_t m = c->m;
  double *Y = sum + m * m;
  for (size_t i = 0; i < m * m; i++) sum[i] += Y[i];
  block_stats(c, Y, which);
}

static int mc_score(void *p, gsl_vector *s)
{
  mc_ctx *c = p;
  int st = bm_dist_score(c->d, c->x, s);
  if (st != BM_SUCCESS) return st;
  const size_t m = c->m;
  for (size_t i = 0; i < m; i++) welford(&c->smean[i], &c->sm2[i], gsl_vector_get(s, i), c->n);
  if (c->F != NULL) {
    double *Y = c->sum_o + m * m; /* scratch after the sums */
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < m; j++) Y[i * m + j] = gsl_vector_get(s, i) * gsl_vector_get(s, j);
    add_info(c, c->sum_o, 0);
  }
  return BM_SUCCESS;
}

static int mc_hess(void *p, gsl_matrix *H)
{
  mc_ctx *c = p;
  int st = bm_dist_hess(c->d, c->x, H);
  if (st != BM_SUCCESS) return st;
  const size_t m = c->m;
  double *Y = c->sum_h + m * m;
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < m; j++) Y[i * m + j] = -gsl_matrix_get(H, i, j);
  add_info(c, c->sum_h, 1);
  return BM_SUCCESS;
}

static double max_abs_z(const double *mean, const double *m2, const double *target, size_t k, size_t n,
                        size_t *where)
{
  double worst = 0.0;
  *where = 0;
  for (size_t i = 0; i < k; i++) {
    double e = target ? target[i] : 0.0;
    double diff = fabs(mean[i] - e);
    double se = sqrt(m2[i] / (double)(n - 1) / (double)n);
    double z = diff <= 1e-10 * (1.0 + fabs(e)) ? 0.0 : (se > 0.0 ? diff / se : INFINITY);
    if (!(z <= worst)) {
      worst = z;
      *where = i;
    }
  }
  return worst;
}

/* The block pair whose statistic is off the most; its z, name and factor. */
static double fisher_blocks(mc_ctx *c, int which, char *name, size_t len, double *factor)
{
  const blocks *b = c->b;
  const size_t nb = b->nb;
  double worst = -1.0;
  for (size_t p = 0; p < nb; p++)
    for (size_t q = p; q < nb; q++) {
      double ff = 0.0, target = 0.0;
      for (size_t i = b->off[p]; i < b->off[p] + b->len[p]; i++)
        for (size_t j = b->off[q]; j < b->off[q] + b->len[q]; j++) {
          double f = gsl_matrix_get(c->F, i, j);
          ff += fabs(f);
          target += f * f;
        }
      size_t k = (size_t)which * nb * nb + p * nb + q;
      double mean = c->bmean[k], se = sqrt(c->bm2[k] / (double)(c->n - 1) / (double)c->n);
      double diff = fabs(mean - target);
      double z = diff <= 1e-10 * (1.0 + fabs(target)) ? 0.0 : (se > 0.0 ? diff / se : INFINITY);
      if (z > worst) {
        worst = z;
        if (p == q) snprintf(name, len, "%s", b->name[p]);
        else snprintf(name, len, "%s x %s", b->name[p], b->name[q]);
        *factor = ff > 0.0 && mean != 0.0 ? target / mean : NAN;
      }
    }
  return worst;
}

/* ---------------------------------------------------------------------- */

int bm_check_dist(const bm_dist *d, gsl_rng *rng, const bm_check_dist_options *opts, bm_check_report *rep)
{
  if (rep == NULL) return BM_FAIL(BM_EINVAL, "report is NULL");
  memset(rep, 0, sizeof *rep);
  rep->fisher_factor = NAN;
  if (d == NULL) return BM_FAIL(BM_EINVAL, "d is NULL");
  if (d->type == NULL || d->state == NULL) return BM_FAIL(BM_EINVAL, "d is not an allocated distribution");
  if (rng == NULL) return BM_FAIL(BM_EINVAL, "rng is NULL");
  const bm_family_type *T = d->type;
  snprintf(rep->family, sizeof rep->family, "%s", T->name ? T->name : "?");
  const bm_check_dist_options o0 = {0};
  const bm_check_dist_options *o = opts ? opts : &o0;
  const size_t N = o->draws ? o->draws : 20000;
  const size_t npts = o->at && o->nat ? o->nat : (o->points ? o->points : 3);
  const double tol = o->tol > 0 ? o->tol : 1e-6, tol_x = o->tol_hess_x > 0 ? o->tol_hess_x : 1e-5;
  const double z_tol = o->z_tol > 0 ? o->z_tol : 5.0, slope_tol = o->slope_tol > 0 ? o->slope_tol : 1.8;
  if (N < 2) return BM_FAIL(BM_EINVAL, "opts->draws = %zu must be at least 2", N);
  if (o->at && o->nat == 0) return BM_FAIL(BM_EINVAL, "opts->at is given with opts->nat = 0");
  size_t rows, cols;
  bm_dist_shape(d, &rows, &cols);
  const size_t m = bm_dist_nparams(d);
  if (m == 0 || rows == 0)
    return BM_FAIL(BM_EINVAL, "d has %zu parameters and %zu rows: not a usable distribution", m, rows);
  if (o->theta && o->theta->size != m)
    return BM_FAIL(BM_EBADLEN, "opts->theta has length %zu, the family %zu", o->theta->size, m);
  if (o->at)
    for (size_t k = 0; k < o->nat; k++) {
      if (o->at[k] == NULL) return BM_FAIL(BM_EBADLEN, "opts->at[%zu] is NULL", k);
      if (o->at[k]->size1 != rows || o->at[k]->size2 != cols)
        return BM_FAIL(BM_EBADLEN, "opts->at[%zu] is %zu x %zu, the variate %zu x %zu", k, o->at[k]->size1,
                       o->at[k]->size2, rows, cols);
    }

  int st = BM_ENOMEM;
  gsl_vector *theta = bm_vector_alloc(m);
  gsl_matrix **pts = calloc(npts, sizeof(gsl_matrix *));
  bm_dist *w = bm_dist_alloc(T, rows, cols);
  blocks b = {0};
  mc_ctx mc = {0};
  double *acc = NULL;
  gsl_matrix *F = NULL;
  if (theta == NULL || pts == NULL || w == NULL) goto done;
  if ((st = blocks_init(&b, T, rows, cols, m)) != BM_SUCCESS) goto done;

  /* theta and the points */
  int have_theta = 1;
  if (o->theta) gsl_vector_memcpy(theta, o->theta);
  else {
    int s0 = bm_dist_get_theta(d, theta);
    if (s0 == BM_EINVAL) { /* never set */
      st = BM_FAIL(BM_EINVAL, "d has no parameters set");
      goto done;
    }
    have_theta = s0 == BM_SUCCESS;
  }
  if (have_theta && bm_dist_set_theta(w, theta) != BM_SUCCESS) {
    st = BM_FAIL(BM_EINVAL, "%s is not a valid parameter vector of the family", o->theta ? "opts->theta" : "d's theta");
    goto done;
  }
  size_t have_pts = 0;
  const char *why_pts = "no sampler and no opts->at";
  for (size_t k = 0; k < npts; k++) {
    pts[k] = bm_matrix_alloc(rows, cols);
    if (pts[k] == NULL) goto done;
    if (o->at) gsl_matrix_memcpy(pts[k], o->at[k]);
    else if (T->sample == NULL) break;
    else if (bm_dist_sample(d, rng, pts[k]) != BM_SUCCESS) {
      why_pts = "the sampler failed";
      break;
    }
    have_pts++;
  }
  if (have_pts < npts) have_pts = 0;

  bm_check_options co = {.seed = gsl_rng_get(rng), .tol = tol};
  const char *why = !have_theta ? "no get_theta and no opts->theta" : why_pts;

  /* score */
  if (!T->score || !have_theta || !have_pts)
    skip_row(rep, "score vs FD of log f", "rel", tol, !T->score ? "the family has no score" : why);
  else {
    bm_check_row *row = add_row(rep, "score vs FD of log f", "rel", tol);
    size_t worst_k = 0;
    bm_check_result wr = {0};
    if (check_over_points(row, 0, w, pts, npts, theta, &co, &worst_k, &wr) && row->status == BM_ROW_FAIL) {
      theta_fn tc = {w, pts[worst_k]};
      if ((st = diagnose_score(&tc, theta, &b, &co, tol, row)) == BM_ENOMEM) goto done;
      size_t n0 = strlen(row->detail);
      snprintf(row->detail + n0, sizeof row->detail - n0, " [point %zu]", worst_k);
    }
    bm_dist_set_theta(w, theta);
  }

  /* hess against FD of the score */
  if (!T->hess || !T->score || !have_theta || !have_pts)
    skip_row(rep, "hess vs FD of score", "rel", tol,
             !T->hess ? "the family has no hess" : (!T->score ? "the family has no score" : why));
  else {
    bm_check_row *row = add_row(rep, "hess vs FD of score", "rel", tol);
    size_t worst_k = 0;
    bm_check_result wr = {0};
    if (check_over_points(row, 1, w, pts, npts, theta, &co, &worst_k, &wr) && row->status == BM_ROW_FAIL &&
        !wr.worst_is_direction)
      snprintf(row->detail, sizeof row->detail, "worst at theta entry (%zu,%zu): claimed %.6g, FD %.6g",
               wr.worst_index / m, wr.worst_index % m, wr.analytic, wr.numeric);
    bm_dist_set_theta(w, theta);
  }

  /* Taylor remainder */
  if (!T->score || !have_theta || !have_pts)
    skip_row(rep, "Taylor remainder slope", "slope", slope_tol, !T->score ? "the family has no score" : why);
  else {
    bm_check_row *row = add_row(rep, "Taylor remainder slope", "slope", slope_tol);
    double worst = INFINITY;
    for (size_t k = 0; k < npts && row->status != BM_ROW_FAIL; k++) {
      theta_fn tc = {w, pts[k]};
      bm_taylor_result tr;
      int s2 = bm_check_taylor(th_logpdf, th_score, &tc, theta, NULL, &co, &tr);
      if (s2 != BM_SUCCESS) fail_row_status(row, s2, "the Taylor test");
      else if (!tr.at_roundoff && !(tr.slope >= worst)) worst = tr.slope;
    }
    if (row->status != BM_ROW_FAIL) finish_row(row, isinf(worst) ? 2.0 : worst);
    bm_dist_set_theta(w, theta);
  }

  /* hess_x against second differences of log f in the variate */
  if (!T->hess_x || !have_pts)
    skip_row(rep, "hess_x vs FD of log f", "rel", tol_x, !T->hess_x ? "the family has no hess_x" : why_pts);
  else {
    bm_check_row *row = add_row(rep, "hess_x vs FD of log f", "rel", tol_x);
    size_t nv = T->variate == BM_VARIATE_SPD ? bm_vech_len(rows) : rows * cols;
    gsl_vector *v = bm_vector_alloc(nv);
    gsl_matrix *X = bm_matrix_alloc(rows, cols);
    if (v == NULL || X == NULL) {
      bm_vector_free(v);
      if (X) bm_matrix_free(X);
      st = BM_ENOMEM;
      goto done;
    }
    var_fn vc = {d, T->variate, X};
    double worst = 0.0;
    bm_check_options cx = co;
    cx.tol = tol_x;
    for (size_t k = 0; k < npts && row->status != BM_ROW_FAIL; k++) {
      if (T->variate == BM_VARIATE_SPD) bm_vech(pts[k], v);
      else if (T->variate == BM_VARIATE_VECTOR)
        for (size_t j = 0; j < nv; j++) gsl_vector_set(v, j, gsl_matrix_get(pts[k], 0, j));
      else bm_vec(pts[k], v);
      bm_check_result cr;
      int s2 = bm_check_hessian(var_logpdf, NULL, var_hess, &vc, v, &cx, &cr);
      /* second differences lose accuracy at a draw near the edge of the
       * support (an SPD variate with a tiny eigenvalue): smaller initial steps
       * before calling it a mismatch */
      for (double h0 = 1e-3; s2 == BM_SUCCESS && !cr.passed && h0 > 1e-5; h0 *= 0.1) {
        bm_check_result c2;
        cx.fd.h0 = h0;
        if (bm_check_hessian(var_logpdf, NULL, var_hess, &vc, v, &cx, &c2) == BM_SUCCESS &&
            c2.worst_rel_err < cr.worst_rel_err)
          cr = c2;
      }
      cx.fd.h0 = co.fd.h0;
      if (s2 != BM_SUCCESS) fail_row_status(row, s2, "the variate Hessian check");
      else if (!(cr.worst_rel_err <= worst)) {
        worst = cr.worst_rel_err;
        snprintf(row->detail, sizeof row->detail,
                 "worst at entry (%zu,%zu) of point %zu: claimed %.6g, FD %.6g (FD error estimate %.2g)",
                 cr.worst_index / nv, cr.worst_index % nv, k, cr.analytic, cr.numeric, cr.numeric_err);
      }
    }
    if (row->status != BM_ROW_FAIL) finish_row(row, worst);
    bm_vector_free(v);
    bm_matrix_free(X);
  }

  /* Monte Carlo rows */
  int can_sample = T->sample != NULL;
  int do_score = can_sample && T->score;
  int do_fisher = do_score && T->fisher;
  int do_mean = can_sample && T->mean;
  gsl_matrix *mean = NULL;
  int s2;
  if (do_fisher) {
    if ((F = reference(bm_dist_fisher, d, m, m, &s2)) == NULL) goto done;
    if (s2 != BM_SUCCESS) {
      do_fisher = 0;
      bm_check_row *row = add_row(rep, "E[s s^T] vs fisher", "|z|", z_tol);
      if (row) fail_row_status(row, s2, "fisher");
    }
  }
  if (do_mean) {
    if ((mean = reference(bm_dist_mean, d, rows, cols, &s2)) == NULL) goto done;
    if (s2 != BM_SUCCESS) {
      do_mean = 0;
      skip_row(rep, "sample mean vs mean", "|z|", z_tol,
               s2 == BM_EDOM ? "the mean does not exist at these parameters" : bm_strerror(s2));
    }
  }
  if (do_score || do_mean) {
    const size_t nb = b.nb, nx = rows * cols;
    acc = calloc(4 * m + 2 * nx + 4 * m * m + 4 * nb * nb, sizeof(double));
    mc.x = bm_matrix_alloc(rows, cols);
    mc.s = bm_vector_alloc(m);
    if (acc == NULL || mc.x == NULL || mc.s == NULL) {
      if (mean) bm_matrix_free(mean);
      goto done;
    }
    mc.d = d;
    mc.F = do_fisher ? F : NULL;
    mc.b = &b;
    mc.m = m;
    mc.nx = nx;
    mc.have_score = do_score;
    mc.have_hess = do_fisher && T->hess;
    mc.have_mean = do_mean;
    mc.smean = acc;
    mc.sm2 = acc + m;
    mc.xmean = acc + 2 * m;
    mc.xm2 = mc.xmean + nx;
    mc.sum_o = mc.xm2 + nx;      /* sum, then m*m scratch */
    mc.sum_h = mc.sum_o + 2 * m * m;
    mc.bmean = mc.sum_h + 2 * m * m;
    mc.bm2 = mc.bmean + 2 * nb * nb;
    mc.next_trace = 16;
    mc.total = N;
    mc.rep = rep;
    mc.o = o;
    if (do_fisher) {
      double fn = 0.0;
      for (size_t i = 0; i < m * m; i++) fn += pow(gsl_matrix_get(F, i / m, i % m), 2);
      mc.Fnorm = sqrt(fn) > 0.0 ? sqrt(fn) : 1.0;
    }
    int s2 = BM_SUCCESS;
    bm_fisher_mc_result fr = {0};
    if (do_fisher) {
      bm_fisher_mc_problem fp = {m, mc_draw, mc_score, mc.have_hess ? mc_hess : NULL, &mc};
      s2 = bm_check_fisher_mc(&fp, F, rng, N, z_tol, NULL, NULL, &fr);
    } else {
      for (size_t n = 0; n < N && s2 == BM_SUCCESS; n++) {
        s2 = mc_draw(rng, &mc);
        if (s2 == BM_SUCCESS && do_score) s2 = mc_score(&mc, mc.s);
      }
    }
    if (o->progress) o->progress(N, N, o->progress_ctx);
    if (s2 == BM_SUCCESS) trace_point(&mc);
    size_t where;
    if (!do_score) skip_row(rep, "E[score] = 0", "|z|", z_tol, "the family has no score");
    else {
      bm_check_row *row = add_row(rep, "E[score] = 0", "|z|", z_tol);
      if (s2 != BM_SUCCESS) fail_row_status(row, s2, "a draw, score or Hessian");
      else {
        finish_row(row, max_abs_z(mc.smean, mc.sm2, NULL, m, mc.n, &where));
        if (row->status == BM_ROW_FAIL)
          snprintf(row->detail, sizeof row->detail, "theta entry %zu: mean %.6g", where, mc.smean[where]);
      }
    }
    if (do_fisher) {
      for (int which = 0; which < 2; which++) {
        const char *nm = which ? "E[-H] vs fisher" : "E[s s^T] vs fisher";
        if (which && !mc.have_hess) {
          skip_row(rep, nm, "|z|", z_tol, "the family has no hess");
          continue;
        }
        bm_check_row *row = add_row(rep, nm, "|z|", z_tol);
        if (s2 != BM_SUCCESS) {
          fail_row_status(row, s2, "a draw, score or Hessian");
          continue;
        }
        char bname[64];
        double factor = NAN;
        double zb = fisher_blocks(&mc, which, bname, sizeof bname, &factor);
        double ze = which ? fr.max_z_hess : fr.max_z_outer;
        finish_row(row, fmax(ze, zb));
        if (row->status == BM_ROW_FAIL) {
          snprintf(row->detail, sizeof row->detail,
                   "block %s is off the most (block |z| %.3g): claimed / Monte Carlo = %.4f", bname, zb, factor);
          if (!rep->fisher_block[0] || (which && mc.have_hess)) {
            snprintf(rep->fisher_block, sizeof rep->fisher_block, "%s", bname);
            rep->fisher_factor = factor;
          }
        }
      }
    } else if (!T->fisher || !do_score) {
      const char *w2 = !T->fisher ? "the family has no fisher" : "the family has no score";
      skip_row(rep, "E[s s^T] vs fisher", "|z|", z_tol, w2);
      skip_row(rep, "E[-H] vs fisher", "|z|", z_tol, w2);
    }
    if (do_mean) {
      bm_check_row *row = add_row(rep, "sample mean vs mean", "|z|", z_tol);
      if (s2 != BM_SUCCESS) fail_row_status(row, s2, "a draw");
      else {
        double *target = malloc(nx * sizeof(double));
        if (target == NULL) {
          bm_matrix_free(mean);
          goto done;
        }
        for (size_t k = 0; k < nx; k++) target[k] = gsl_matrix_get(mean, k % rows, k / rows);
        finish_row(row, max_abs_z(mc.xmean, mc.xm2, target, nx, mc.n, &where));
        if (row->status == BM_ROW_FAIL)
          snprintf(row->detail, sizeof row->detail, "entry (%zu,%zu): sample mean %.6g, mean %.6g", where % rows,
                   where / rows, mc.xmean[where], target[where]);
        free(target);
      }
    }
  } else {
    const char *w2 = can_sample ? "the family has no score" : "the family has no sampler";
    skip_row(rep, "E[score] = 0", "|z|", z_tol, w2);
    skip_row(rep, "E[s s^T] vs fisher", "|z|", z_tol, w2);
    skip_row(rep, "E[-H] vs fisher", "|z|", z_tol, w2);
    if (!do_mean) skip_row(rep, "sample mean vs mean", "|z|", z_tol, can_sample ? "the family has no mean" : w2);
  }
  if (!can_sample || !T->mean) {
    int listed = 0;
    for (size_t k = 0; k < rep->nrows; k++) listed |= !strcmp(rep->rows[k].name, "sample mean vs mean");
    if (!listed)
      skip_row(rep, "sample mean vs mean", "|z|", z_tol,
               !T->mean ? "the family has no mean" : "the family has no sampler");
  }
  if (mean) bm_matrix_free(mean);
  for (size_t k = 0; k < rep->nrows; k++) rep->nfailed += rep->rows[k].status == BM_ROW_FAIL;
  rep->passed = rep->nfailed == 0;
  st = BM_SUCCESS;
done:
  bm_vector_free(theta);
  if (pts)
    for (size_t k = 0; k < npts; k++)
      if (pts[k]) bm_matrix_free(pts[k]);
  free(pts);
  bm_dist_free(w);
  blocks_free(&b);
  if (mc.x) bm_matrix_free(mc.x);
  bm_vector_free(mc.s);
  free(acc);
  if (F) bm_matrix_free(F);
  /* every ENOMEM above is an allocation of this function or of its helpers */
  return st == BM_ENOMEM ? BM_FAIL(BM_ENOMEM, "out of memory (%zu parameters, %zu points)", m, npts) : st;
}
