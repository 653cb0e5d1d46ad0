/* Tests of inference/model_family.c (family observation models for bm_model).
 * References: (a) linear regression y_i ~ N(x_i^T beta, s2) as an mvn (p = 1)
 * family model, eta = (beta, log s2): I(eta) = blockdiag(X^T X / s2, n/2)
 * (textbook); (b) Wishart observations X_i ~ W_p(nu, exp(a) S0), eta = (a, nu):
 * I(eta) = n J^T I_F J with I_F assembled here from docs/fisher.md's blocks
 * (I_SS = nu/2 T(B,B), I_Snu = 1/2 t(B), I_nunu = 1/4 psi'_p(nu/2), B = S^-1,
 * T and t written out as loops), which must also equal the hand-derived
 * [[nu p/2, p/2], [p/2, psi'_p(nu/2)/4]] times n; (c) the adapters' observed
 * information and score against bm_fd_hessian / bm_fd_gradient of the summed
 * log-likelihood bm_family_model_loglik (itself checked against a sum of
 * textbook normal log-densities); (d) Jeffreys of (a) in closed form
 * 1/2 [log det(X^T X) - k log s2 + log(n/2)]; (e) statuses.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"

/* ---- (a) linear regression ------------------------------------------------------ */
/* theta_i = (x_i^T beta, s2 = exp(eta_k)) -- mvn's (mu, vech Sigma) with p = 1;
 * the response is the n x 1 Y */
typedef tu_linreg linreg;

static void linreg_make(linreg *m, size_t n, size_t k, gsl_vector *eta, gsl_rng *r)
{
  m->n = n;
  m->k = k;
  m->X = gsl_matrix_alloc(n, k);
  m->Y = gsl_matrix_alloc(n, 1);
  m->y = NULL;
  m->log_s2 = 1;
  for (size_t j = 0; j < k; j++) gsl_vector_set(eta, j, gsl_rng_uniform(r) * 2 - 1);
  gsl_vector_set(eta, k, log(0.3 + gsl_rng_uniform(r)));
  double s = exp(0.5 * gsl_vector_get(eta, k));
  for (size_t i = 0; i < n; i++) {
    double mu = 0;
    for (size_t j = 0; j < k; j++) {
      double x = j == 0 ? 1.0 : gsl_ran_gaussian(r, 1.0);
      gsl_matrix_set(m->X, i, j, x);
      mu += x * gsl_vector_get(eta, j);
    }
    gsl_matrix_set(m->Y, i, 0, mu + gsl_ran_gaussian(r, s));
  }
}
static void linreg_free(linreg *m)
{
  gsl_matrix_free(m->X);
  gsl_matrix_free(m->Y);
}

static void linear_regression_fisher_and_jeffreys(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(21);
  const size_t n = 40, k = 3, d = k + 1;
  linreg lm;
  gsl_vector *eta = gsl_vector_alloc(d);
  linreg_make(&lm, n, k, eta, r);
  bm_mvn *dist = bm_mvn_alloc(1);
  bm_family_model fm = {BM_FAMILY_MVN, dist, n, lm.Y, NULL, d, tu_linreg_theta, tu_linreg_curv, &lm};
  bm_model model;
  assert_int_equal(bm_family_model_init(&model, &fm), BM_SUCCESS);
  assert_int_equal(model.dim_theta, 2);
  gsl_matrix *I = gsl_matrix_alloc(d, d), *E = gsl_matrix_calloc(d, d);
  assert_int_equal(bm_model_fisher(&model, eta, I), BM_SUCCESS);
  /* closed form: X^T X / s2 and n/2 */
  double s2 = exp(gsl_vector_get(eta, k));
  gsl_matrix_view Eb = gsl_matrix_submatrix(E, 0, 0, k, k);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / s2, lm.X, lm.X, 0.0, &Eb.matrix);
  gsl_matrix_set(E, k, k, n / 2.0);
  tu_assert_matrix_close(I, E, 1e-12, 1e-12);
  /* (d) Jeffreys: 1/2 [log det(X^T X) - k log s2 + log(n/2)] */
  gsl_matrix *XtX = gsl_matrix_alloc(k, k);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, lm.X, lm.X, 0.0, XtX);
  gsl_linalg_cholesky_decomp1(XtX);
  double logdet = 0;
  for (size_t j = 0; j < k; j++) logdet += 2 * log(gsl_matrix_get(XtX, j, j));
  double lp, expect = 0.5 * (logdet - (double)k * log(s2) + log(n / 2.0));
  assert_int_equal(bm_model_jeffreys(&model, eta, NULL, 0, &lp), BM_SUCCESS);
  tu_assert_rel(lp, expect, 1e-12);
  /* Jeffreys of beta alone: 1/2 [log det(X^T X) - k log s2] */
  size_t idx[] = {0, 1, 2};
  assert_int_equal(bm_model_jeffreys(&model, eta, idx, k, &lp), BM_SUCCESS);
  tu_assert_rel(lp, 0.5 * (logdet - (double)k * log(s2)), 1e-12);
  /* the log-likelihood is the sum of textbook normal log-densities */
  double ll, ref = 0;
  for (size_t i = 0; i < n; i++) {
    double mu = 0;
    for (size_t j = 0; j < k; j++) mu += gsl_matrix_get(lm.X, i, j) * gsl_vector_get(eta, j);
    double e = gsl_matrix_get(lm.Y, i, 0) - mu;
    ref += -0.5 * log(2 * M_PI * s2) - 0.5 * e * e / s2;
  }
  assert_int_equal(bm_family_model_loglik(&fm, eta, &ll), BM_SUCCESS);
  tu_assert_rel(ll, ref, 1e-13);
  free_matrices(XtX, I, E);
  gsl_vector_free(eta);
  bm_mvn_free(dist);
  linreg_free(&lm);
  gsl_rng_free(r);
}

/* ---- (b) Wishart with S(eta) = exp(a) S0, eta = (a, nu) ----------------------------- */
typedef struct {
  size_t p;
  const gsl_matrix *S0;
} wmodel;

static int w_theta(size_t i, const gsl_vector *eta, void *params, gsl_vector *th, gsl_matrix *J)
{
  (void)i;
  wmodel *w = params;
  size_t q = bm_vech_len(w->p), off = 0;
  double e = exp(gsl_vector_get(eta, 0));
  gsl_matrix_set_zero(J);
  for (size_t c = 0; c < w->p; c++)
    for (size_t rr = c; rr < w->p; rr++, off++) {
      gsl_vector_set(th, off, e * gsl_matrix_get(w->S0, rr, c));
      gsl_matrix_set(J, off, 0, e * gsl_matrix_get(w->S0, rr, c));
    }
  gsl_vector_set(th, q, gsl_vector_get(eta, 1));
  gsl_matrix_set(J, q, 1, 1.0);
  return 0;
}
static int w_curv(size_t i, const gsl_vector *eta, const gsl_vector *wt, void *params, gsl_matrix *C)
{
  (void)i;
  wmodel *w = params;
  double e = exp(gsl_vector_get(eta, 0)), acc = 0;
  size_t off = 0;
  for (size_t c = 0; c < w->p; c++)
    for (size_t rr = c; rr < w->p; rr++, off++) acc += gsl_vector_get(wt, off) * e * gsl_matrix_get(w->S0, rr, c);
  *gsl_matrix_ptr(C, 0, 0) += acc;
  return 0;
}

/* docs/fisher.md's Wishart I_F(theta) at (S, nu), blocks written out as loops. */
static void wishart_fisher_blocks(const gsl_matrix *S, double nu, gsl_matrix *IF)
{
  size_t p = S->size1, q = bm_vech_len(p);
  gsl_matrix *B = gsl_matrix_alloc(p, p);
  gsl_matrix_memcpy(B, S);
  gsl_linalg_cholesky_decomp1(B);
  gsl_linalg_cholesky_invert(B);
  /* symmetric basis E_a of vech coordinate a = (i, j), i >= j: ones at (i,j) and (j,i) */
  size_t *ai = malloc(q * sizeof *ai), *aj = malloc(q * sizeof *aj), off = 0;
  for (size_t c = 0; c < p; c++)
    for (size_t rr = c; rr < p; rr++, off++) {
      ai[off] = rr;
      aj[off] = c;
    }
  /* T(B,B)_ab = tr(B E_a B E_b) = sum over the (1 or 2) entries of E_a, E_b */
  for (size_t a = 0; a < q; a++)
    for (size_t b = 0; b < q; b++) {
      double t = 0;
      size_t ea[2][2] = {{ai[a], aj[a]}, {aj[a], ai[a]}}, eb[2][2] = {{ai[b], aj[b]}, {aj[b], ai[b]}};
      size_t na = ai[a] == aj[a] ? 1 : 2, nb = ai[b] == aj[b] ? 1 : 2;
      /* tr(B E_a B E_b) = sum_{(k,l) in E_a, (m,o) in E_b} B_{o k} B_{l m} */
      for (size_t x = 0; x < na; x++)
        for (size_t y = 0; y < nb; y++)
          t += gsl_matrix_get(B, eb[y][1], ea[x][0]) * gsl_matrix_get(B, ea[x][1], eb[y][0]);
      gsl_matrix_set(IF, a, b, 0.5 * nu * t);
    }
  /* t(B) = D^T vec(B): B_ii, 2 B_ij */
  for (size_t a = 0; a < q; a++) {
    double t = (ai[a] == aj[a] ? 1.0 : 2.0) * gsl_matrix_get(B, ai[a], aj[a]);
    gsl_matrix_set(IF, a, q, 0.5 * t);
    gsl_matrix_set(IF, q, a, 0.5 * t);
  }
  gsl_matrix_set(IF, q, q, 0.25 * bm_mvtrigamma(p, 0.5 * nu));
  free(ai);
  free(aj);
  gsl_matrix_free(B);
}

static void wishart_scale_model_fisher(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(22);
  const size_t p = 3, q = bm_vech_len(p), n = 6;
  gsl_matrix *S0 = gsl_matrix_alloc(p, p);
  tu_random_spd(r, 20.0, 1.0, S0);
  wmodel wm = {p, S0};
  gsl_vector *eta = gsl_vector_alloc(2);
  gsl_vector_set(eta, 0, 0.4);
  gsl_vector_set(eta, 1, 6.5);
  /* observations from W_p(nu, exp(a) S0) */
  bm_wishart *w = bm_wishart_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  gsl_matrix_memcpy(S, S0);
  gsl_matrix_scale(S, exp(0.4));
  assert_int_equal(bm_wishart_set(w, 6.5, S), BM_SUCCESS);
  gsl_matrix *Yobs[6];
  for (size_t i = 0; i < n; i++) {
    Yobs[i] = gsl_matrix_alloc(p, p);
    assert_int_equal(bm_wishart_sample(w, r, Yobs[i]), BM_SUCCESS);
  }
  bm_family_model fm = {BM_FAMILY_WISHART, w, n, NULL, (const gsl_matrix *const *)Yobs, 2, w_theta, w_curv, &wm};
  bm_model model;
  assert_int_equal(bm_family_model_init(&model, &fm), BM_SUCCESS);
  assert_int_equal(model.dim_theta, q + 1);
  gsl_matrix *I = gsl_matrix_alloc(2, 2);
  assert_int_equal(bm_model_fisher(&model, eta, I), BM_SUCCESS);
  /* chain rule n J^T I_F J with docs/fisher.md's blocks */
  gsl_matrix *IF = gsl_matrix_alloc(q + 1, q + 1), *J = gsl_matrix_alloc(q + 1, 2), *T = gsl_matrix_alloc(q + 1, 2),
             *E = gsl_matrix_alloc(2, 2);
  gsl_vector *th = gsl_vector_alloc(q + 1);
  wishart_fisher_blocks(S, 6.5, IF);
  w_theta(0, eta, &wm, th, J);
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, IF, J, 0.0, T);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, (double)n, J, T, 0.0, E);
  tu_assert_matrix_close(I, E, 1e-12, 1e-12);
  /* and the hand-derived closed form n [[nu p/2, p/2], [p/2, psi'_p(nu/2)/4]] */
  gsl_matrix_set(E, 0, 0, n * 6.5 * p / 2.0);
  gsl_matrix_set(E, 0, 1, n * p / 2.0);
  gsl_matrix_set(E, 1, 0, n * p / 2.0);
  gsl_matrix_set(E, 1, 1, n * 0.25 * bm_mvtrigamma(p, 3.25));
  tu_assert_matrix_close(I, E, 1e-12, 1e-12);
  for (size_t i = 0; i < n; i++) gsl_matrix_free(Yobs[i]);
  free_matrices(IF, J, T, E, I);
  gsl_vector_free(th);
  gsl_matrix_free(S);
  gsl_matrix_free(S0);
  gsl_vector_free(eta);
  bm_wishart_free(w);
  gsl_rng_free(r);
}

/* ---- (c) observed information and score vs FD of the summed log-likelihood --------- */
static int ll_fn(const gsl_vector *eta, void *params, double *f)
{
  return bm_family_model_loglik(params, eta, f);
}

static void check_observed_vs_fd(bm_family_model *fm, const gsl_vector *eta, double tol)
{
  size_t d = eta->size;
  bm_model model;
  assert_int_equal(bm_family_model_init(&model, fm), BM_SUCCESS);
  gsl_matrix *Jo = gsl_matrix_alloc(d, d), *H = gsl_matrix_alloc(d, d);
  gsl_vector *s = gsl_vector_alloc(d), *g = gsl_vector_alloc(d);
  assert_int_equal(bm_model_observed_information(&model, eta, Jo), BM_SUCCESS);
  assert_int_equal(bm_fd_hessian(ll_fn, fm, eta, NULL, H, NULL), BM_SUCCESS);
  gsl_matrix_scale(H, -1.0);
  double scale = 0;
  for (size_t i = 0; i < d * d; i++) scale = fmax(scale, fabs(H->data[i]));
  tu_assert_matrix_close(Jo, H, tol, tol * scale);
  print_message("observed information vs bm_fd_hessian: %.2e\n", tu_mat_rel(Jo, H));
  assert_int_equal(bm_model_score(&model, eta, s), BM_SUCCESS);
  assert_int_equal(bm_fd_gradient(ll_fn, fm, eta, NULL, g, NULL), BM_SUCCESS);
  scale = 0;
  for (size_t i = 0; i < d; i++) scale = fmax(scale, fabs(g->data[i]));
  tu_assert_vector_close(s, g, tol, tol * scale);
  gsl_matrix_free(Jo);
  gsl_matrix_free(H);
  gsl_vector_free(s);
  gsl_vector_free(g);
}

static void observed_information_matches_fd(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(23);
  /* (a) */
  const size_t n = 25, k = 3;
  linreg lm;
  gsl_vector *eta = gsl_vector_alloc(k + 1);
  linreg_make(&lm, n, k, eta, r);
  gsl_vector_set(eta, 1, gsl_vector_get(eta, 1) + 0.3); /* off the data's truth: a non-zero score */
  bm_mvn *dist = bm_mvn_alloc(1);
  bm_family_model fm = {BM_FAMILY_MVN, dist, n, lm.Y, NULL, k + 1, tu_linreg_theta, tu_linreg_curv, &lm};
  check_observed_vs_fd(&fm, eta, 1e-8);
  /* without the curvature callback the observed information is wrong for the
   * non-linear log s2 (a check that the test can fail): */
  fm.theta_curvature = NULL;
  bm_model model;
  assert_int_equal(bm_family_model_init(&model, &fm), BM_SUCCESS);
  gsl_matrix *Jo = gsl_matrix_alloc(k + 1, k + 1), *H = gsl_matrix_alloc(k + 1, k + 1);
  assert_int_equal(bm_model_observed_information(&model, eta, Jo), BM_SUCCESS);
  assert_int_equal(bm_fd_hessian(ll_fn, &fm, eta, NULL, H, NULL), BM_SUCCESS);
  assert_true(fabs(gsl_matrix_get(Jo, k, k) + gsl_matrix_get(H, k, k)) > 1e-3 * fabs(gsl_matrix_get(H, k, k)));
  gsl_matrix_free(Jo);
  gsl_matrix_free(H);
  gsl_vector_free(eta);
  bm_mvn_free(dist);
  linreg_free(&lm);

  /* (b) */
  const size_t p = 3, nw = 5;
  gsl_matrix *S0 = gsl_matrix_alloc(p, p);
  tu_random_spd(r, 10.0, 1.0, S0);
  wmodel wm = {p, S0};
  bm_wishart *w = bm_wishart_alloc(p);
  assert_int_equal(bm_wishart_set(w, 7.0, S0), BM_SUCCESS);
  gsl_matrix *Yobs[5];
  for (size_t i = 0; i < nw; i++) {
    Yobs[i] = gsl_matrix_alloc(p, p);
    assert_int_equal(bm_wishart_sample(w, r, Yobs[i]), BM_SUCCESS);
  }
  gsl_vector *ew = gsl_vector_alloc(2);
  gsl_vector_set(ew, 0, 0.2);
  gsl_vector_set(ew, 1, 5.5);
  bm_family_model fw = {BM_FAMILY_WISHART, w, nw, NULL, (const gsl_matrix *const *)Yobs, 2, w_theta, w_curv, &wm};
  check_observed_vs_fd(&fw, ew, 1e-8);
  for (size_t i = 0; i < nw; i++) gsl_matrix_free(Yobs[i]);
  gsl_vector_free(ew);
  gsl_matrix_free(S0);
  bm_wishart_free(w);
  gsl_rng_free(r);
}


/* ---- every family through the adapters: identity model theta_i(eta) = eta ----------- */
static int id_theta(size_t i, const gsl_vector *eta, void *params, gsl_vector *th, gsl_matrix *J)
{
  (void)i;
  (void)params;
  gsl_vector_memcpy(th, eta);
  gsl_matrix_set_identity(J);
  return 0;
}

static int score_fn(const gsl_vector *eta, void *params, gsl_vector *g)
{
  bm_family_model *fm = params;
  bm_model model;
  int st = bm_family_model_init(&model, fm);
  return st ? st : bm_model_score(&model, eta, g);
}

/* Random theta of family T (rows x cols variate) in theta's order, block by
 * block of the descriptor: vec entries in (-1, 1), vech blocks of
 * well-conditioned SPD matrices, then the scalars (nu = cols + 4, delta = 5). */
static void random_theta(const bm_family_type *T, size_t rows, size_t cols, gsl_rng *r, gsl_vector *th)
{
  size_t off = 0;
  for (size_t b = 0; b < T->nblocks; b++) {
    const bm_theta_block *B = &T->blocks[b];
    size_t len = bm_theta_block_len(B, rows, cols);
    if (B->kind == BM_BLOCK_VEC) {
      for (size_t i = 0; i < len; i++) gsl_vector_set(th, off + i, gsl_rng_uniform(r) * 2 - 1);
    } else if (B->kind == BM_BLOCK_VECH) {
      gsl_vector_view v = gsl_vector_subvector(th, off, len);
      tu_random_spd_vech(r, 5.0, 1.0, B->rows == BM_DIM_ROWS ? rows : cols, &v.vector);
    } else {
      gsl_vector_set(th, off, strcmp(B->name, "delta") ? (double)cols + 4.0 : 5.0);
    }
    off += len;
  }
  assert_int_equal(off, th->size);
}

/* Every built-in family, by its kind and as a BM_FAMILY_DIST (bit-identical). */
static void every_family_through_adapters(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(25);
  const bm_family_type *const *L = bm_family_list();
  for (int kind = BM_FAMILY_MVN; kind <= BM_FAMILY_MATF; kind++) {
    const bm_family_type *T = L[kind - BM_FAMILY_MVN];
    const size_t n = 2, p = 2, nobs = 3;
    size_t rows = T->variate == BM_VARIATE_VECTOR ? 1 : n, cols = T->variate == BM_VARIATE_MATRIX ? p + 1 : p;
    bm_dist *d = bm_dist_alloc(T, rows, cols);
    void *dist = d->state; /* the typed object */
    size_t m = bm_family_nparams((bm_family_kind)kind, dist);
    assert_int_equal(bm_family_nparams(BM_FAMILY_DIST, d), m);
    gsl_vector *eta = gsl_vector_alloc(m);
    random_theta(T, rows, cols, r, eta);
    assert_int_equal(bm_family_set_theta((bm_family_kind)kind, dist, eta), BM_SUCCESS);
    /* observations drawn from the family at eta */
    gsl_matrix *Yrows = NULL, *Ymat[3] = {NULL, NULL, NULL};
    if (T->variate == BM_VARIATE_VECTOR) {
      Yrows = gsl_matrix_alloc(nobs, p);
      for (size_t i = 0; i < nobs; i++) {
        gsl_matrix_view row = gsl_matrix_submatrix(Yrows, i, 0, 1, p);
        assert_int_equal(bm_dist_sample(d, r, &row.matrix), BM_SUCCESS);
      }
    } else {
      for (size_t i = 0; i < nobs; i++) {
        Ymat[i] = gsl_matrix_alloc(rows, cols);
        assert_int_equal(bm_dist_sample(d, r, Ymat[i]), BM_SUCCESS);
      }
    }
    const gsl_matrix *const *Y = Yrows ? NULL : (const gsl_matrix *const *)Ymat;
    bm_family_model fm = {(bm_family_kind)kind, dist, nobs, Yrows, Y, m, id_theta, NULL, NULL};
    bm_family_model fm_dist = {BM_FAMILY_DIST, d, nobs, Yrows, Y, m, id_theta, NULL, NULL};
    bm_model model, model_dist;
    assert_int_equal(bm_family_model_init(&model, &fm), BM_SUCCESS);
    assert_int_equal(bm_family_model_init(&model_dist, &fm_dist), BM_SUCCESS);
    assert_int_equal(model.dim_theta, m);
    /* I(eta) = nobs I_F(eta): the family's closed form, summed */
    gsl_matrix *I = gsl_matrix_alloc(m, m), *IF = gsl_matrix_alloc(m, m), *I_dist = gsl_matrix_alloc(m, m);
    assert_int_equal(bm_model_fisher(&model, eta, I), BM_SUCCESS);
    assert_int_equal(bm_model_fisher(&model_dist, eta, I_dist), BM_SUCCESS);
    for (size_t i = 0; i < m * m; i++) assert_true(I->data[i] == I_dist->data[i]);
    assert_int_equal(bm_family_set_theta((bm_family_kind)kind, dist, eta), BM_SUCCESS);
    assert_int_equal(bm_dist_fisher(d, IF), BM_SUCCESS);
    gsl_matrix_scale(IF, (double)nobs);
    tu_assert_matrix_close(I, IF, 1e-14, 1e-14);
    /* score and observed information against FD of the summed log-likelihood
     * (the observed information as the FD Jacobian of the model score) */
    bm_check_options o = {0};
    o.seed = (unsigned long)kind;
    o.fd.h0 = 1e-3;
    bm_check_result res;
    assert_int_equal(bm_check_gradient(ll_fn, score_fn, &fm, eta, &o, &res), BM_SUCCESS);
    if (!res.passed) fail_msg("kind %d: score vs FD rel err %g", kind, res.worst_rel_err);
    print_message("kind %d: model score vs FD worst rel err %.2e\n", kind, res.worst_rel_err);
    gsl_matrix *Jo = gsl_matrix_alloc(m, m), *Hfd = gsl_matrix_alloc(m, m);
    assert_int_equal(bm_model_observed_information(&model, eta, Jo), BM_SUCCESS);
    assert_int_equal(bm_model_observed_information(&model_dist, eta, I_dist), BM_SUCCESS);
    for (size_t i = 0; i < m * m; i++) assert_true(Jo->data[i] == I_dist->data[i]);
    assert_int_equal(bm_fd_hessian_from_gradient(score_fn, &fm, eta, NULL, Hfd, NULL), BM_SUCCESS);
    gsl_matrix_scale(Hfd, -1.0);
    double scale = 0;
    for (size_t i = 0; i < m * m; i++) scale = fmax(scale, fabs(Hfd->data[i]));
    tu_assert_matrix_close(Jo, Hfd, 1e-9, 1e-10 * scale);
    print_message("kind %d: observed information vs FD Jacobian of the score: %.2e\n", kind, tu_mat_rel(Jo, Hfd));
    free_matrices(Jo, Hfd, I, IF, I_dist, Yrows);
    for (size_t i = 0; i < nobs; i++) gsl_matrix_free(Ymat[i]);
    gsl_vector_free(eta);
    bm_dist_free(d);
  }
  gsl_rng_free(r);
}

/* A user's family through BM_FAMILY_DIST: mvn's descriptor without its Fisher
 * information. The observed information and the score (from score and hess)
 * are the built-in kind's exactly; the expected information reports the
 * missing operation as a failed callback. */
static void user_family_without_fisher(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(27);
  const size_t p = 2, nobs = 4;
  bm_family_type no_fisher = bm_family_mvn;
  no_fisher.name = "mvn-no-fisher";
  no_fisher.fisher = NULL;
  bm_dist *d = bm_dist_alloc(&no_fisher, 1, p);
  size_t m = bm_dist_nparams(d);
  gsl_vector *eta = gsl_vector_alloc(m), *s1 = gsl_vector_alloc(m), *s2 = gsl_vector_alloc(m);
  random_theta(&no_fisher, 1, p, r, eta);
  assert_int_equal(bm_dist_set_theta(d, eta), BM_SUCCESS);
  gsl_matrix *Y = gsl_matrix_alloc(nobs, p), *J1 = gsl_matrix_alloc(m, m), *J2 = gsl_matrix_alloc(m, m);
  for (size_t i = 0; i < nobs; i++) {
    gsl_matrix_view row = gsl_matrix_submatrix(Y, i, 0, 1, p);
    assert_int_equal(bm_dist_sample(d, r, &row.matrix), BM_SUCCESS);
  }
  bm_family_model fm_user = {BM_FAMILY_DIST, d, nobs, Y, NULL, m, id_theta, NULL, NULL};
  bm_family_model fm_mvn = {BM_FAMILY_MVN, d->state, nobs, Y, NULL, m, id_theta, NULL, NULL};
  bm_model user, mvn;
  assert_int_equal(bm_family_model_init(&user, &fm_user), BM_SUCCESS);
  assert_int_equal(bm_family_model_init(&mvn, &fm_mvn), BM_SUCCESS);
  assert_int_equal(bm_model_observed_information(&user, eta, J1), BM_SUCCESS);
  assert_int_equal(bm_model_observed_information(&mvn, eta, J2), BM_SUCCESS);
  for (size_t i = 0; i < m * m; i++) assert_true(J1->data[i] == J2->data[i]);
  assert_int_equal(bm_model_score(&user, eta, s1), BM_SUCCESS);
  assert_int_equal(bm_model_score(&mvn, eta, s2), BM_SUCCESS);
  for (size_t i = 0; i < m; i++) assert_true(s1->data[i] == s2->data[i]);
  assert_int_not_equal(bm_model_fisher(&user, eta, J1), BM_SUCCESS);
  assert_int_equal(bm_model_fisher(&mvn, eta, J2), BM_SUCCESS);
  double lp;
  assert_int_not_equal(bm_model_jeffreys(&user, eta, NULL, 0, &lp), BM_SUCCESS);
  free_vectors(eta, s1, s2);
  free_matrices(Y, J1, J2);
  bm_dist_free(d);
  gsl_rng_free(r);
}

static int bad_theta(size_t i, const gsl_vector *eta, void *params, gsl_vector *th, gsl_matrix *J)
{
  int rc = tu_linreg_theta(i, eta, params, th, J);
  gsl_vector_set(th, 1, -1.0); /* a negative variance: the family rejects it */
  return rc;
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(24);
  const size_t n = 5, k = 2;
  linreg lm;
  gsl_vector *eta = gsl_vector_alloc(k + 1);
  linreg_make(&lm, n, k, eta, r);
  bm_mvn *dist = bm_mvn_alloc(1);
  bm_family_model fm = {BM_FAMILY_MVN, dist, n, lm.Y, NULL, k + 1, tu_linreg_theta, NULL, &lm};
  bm_model model;
  assert_int_equal(bm_family_model_init(NULL, &fm), BM_EINVAL);
  assert_int_equal(bm_family_model_init(&model, NULL), BM_EINVAL);
  assert_null(model.fisher); /* zeroed on failure */
  bm_family_model f2 = fm;
  f2.dist = NULL;
  assert_int_equal(bm_family_model_init(&model, &f2), BM_EINVAL);
  f2 = fm;
  f2.theta = NULL;
  assert_int_equal(bm_family_model_init(&model, &f2), BM_EINVAL);
  f2 = fm;
  f2.kind = (bm_family_kind)99;
  assert_int_equal(bm_family_model_init(&model, &f2), BM_EINVAL);
  f2 = fm;
  f2.n_obs = 0;
  assert_int_equal(bm_family_model_init(&model, &f2), BM_EINVAL);
  f2 = fm;
  f2.dim_eta = 0;
  assert_int_equal(bm_family_model_init(&model, &f2), BM_EINVAL);
  f2 = fm;
  f2.n_obs = n + 1; /* y_rows has n rows */
  assert_int_equal(bm_family_model_init(&model, &f2), BM_EBADLEN);
  f2 = fm;
  const gsl_matrix *mats[1] = {lm.Y};
  f2.y_mats = mats; /* a vector family takes y_rows */
  assert_int_equal(bm_family_model_init(&model, &f2), BM_EINVAL);
  /* Fisher only: no observations needed; score / observed information then fail */
  f2 = fm;
  f2.y_rows = NULL;
  assert_int_equal(bm_family_model_init(&model, &f2), BM_SUCCESS);
  gsl_matrix *I = gsl_matrix_alloc(k + 1, k + 1);
  gsl_vector *s = gsl_vector_alloc(k + 1);
  assert_int_equal(bm_model_fisher(&model, eta, I), BM_SUCCESS);
  assert_int_not_equal(bm_model_score(&model, eta, s), BM_SUCCESS);
  double ll;
  assert_int_equal(bm_family_model_loglik(&f2, eta, &ll), BM_EINVAL);
  assert_true(isnan(ll));
  /* a theta_i the family rejects: BM_EDOM through bm_model, NaN output */
  f2 = fm;
  f2.theta = bad_theta;
  assert_int_equal(bm_family_model_init(&model, &f2), BM_SUCCESS);
  assert_int_equal(bm_model_fisher(&model, eta, I), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(I, 0, 0)));
  assert_int_equal(bm_model_score(&model, eta, s), BM_EDOM);
  assert_int_equal(bm_family_model_loglik(&f2, eta, &ll), BM_EDOM);
  /* loglik argument checks */
  assert_int_equal(bm_family_model_loglik(&fm, eta, NULL), BM_EINVAL);
  assert_int_equal(bm_family_model_loglik(NULL, eta, &ll), BM_EINVAL);
  assert_int_equal(bm_family_model_loglik(&fm, NULL, &ll), BM_EINVAL);
  gsl_vector_const_view shorter = gsl_vector_const_subvector(eta, 0, k);
  assert_int_equal(bm_family_model_loglik(&fm, &shorter.vector, &ll), BM_EBADLEN);
  gsl_vector_set(eta, 0, NAN);
  assert_int_equal(bm_family_model_loglik(&fm, eta, &ll), BM_ENONFINITE);
  /* a Wishart observation of the wrong size */
  bm_wishart *w = bm_wishart_alloc(2);
  gsl_matrix *Y3 = gsl_matrix_alloc(3, 3);
  gsl_matrix_set_identity(Y3);
  const gsl_matrix *ys[1] = {Y3};
  bm_family_model fw = {BM_FAMILY_WISHART, w, 1, NULL, ys, 2, w_theta, NULL, NULL};
  assert_int_equal(bm_family_model_init(&model, &fw), BM_EBADLEN);
  fw.y_rows = lm.Y; /* a matrix family takes y_mats */
  fw.y_mats = NULL;
  assert_int_equal(bm_family_model_init(&model, &fw), BM_EINVAL);
  /* dispatch helpers */
  assert_int_equal(bm_family_nparams(BM_FAMILY_WISHART, w), 4);
  assert_int_equal(bm_family_nparams(BM_FAMILY_WISHART, NULL), 0);
  assert_int_equal(bm_family_nparams((bm_family_kind)0, w), 0);
  assert_int_equal(bm_family_set_theta((bm_family_kind)0, w, eta), BM_EINVAL);
  gsl_matrix_free(Y3);
  bm_wishart_free(w);
  gsl_matrix_free(I);
  gsl_vector_free(s);
  gsl_vector_free(eta);
  bm_mvn_free(dist);
  linreg_free(&lm);
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(linear_regression_fisher_and_jeffreys),
      cmocka_unit_test(wishart_scale_model_fisher),
      cmocka_unit_test(observed_information_matches_fd),
      cmocka_unit_test(every_family_through_adapters),
      cmocka_unit_test(user_family_without_fisher),
      cmocka_unit_test(bad_inputs_return_status),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
