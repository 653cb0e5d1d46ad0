/* Tests of bm_mniw_* (Matrix-Normal-Inverse-Wishart regression).
 * Reference numbers: tests/data/conjugate_ref.txt from tests/data/gen_conjugate.py
 * (mpmath, 50 digits, normal equations; the evidence there is the chain rule of the
 * one-row Student-t predictives, asserted equal to the Gamma_d closed form).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "conjugate_testutil.h"
#include "message_testutil.h"
#include <gsl/gsl_randist.h>

typedef struct {
  size_t k, d, n, q;
  gsl_matrix *X, *Y, *B0, *V0, *Psi0, *Xnew, *Bs, *Ss;
  double nu0;
} mniw_case;

static void load_case(mniw_case *c)
{
  double *dims = cref("mniw_dims", 4);
  c->k = (size_t)dims[0];
  c->d = (size_t)dims[1];
  c->n = (size_t)dims[2];
  c->q = (size_t)dims[3];
  free(dims);
  c->X = cref_matrix("mniw_X", c->n, c->k);
  c->Y = cref_matrix("mniw_Y", c->n, c->d);
  c->B0 = cref_matrix("mniw_B0", c->k, c->d);
  c->V0 = cref_matrix("mniw_V0", c->k, c->k);
  c->Psi0 = cref_matrix("mniw_Psi0", c->d, c->d);
  c->Xnew = cref_matrix("mniw_Xnew", c->q, c->k);
  c->Bs = cref_matrix("mniw_Bstar", c->k, c->d);
  c->Ss = cref_matrix("mniw_Sigstar", c->d, c->d);
  c->nu0 = cref1("mniw_nu0");
}

static void free_case(mniw_case *c)
{
  free_matrices(c->X, c->Y, c->B0, c->V0, c->Psi0, c->Xnew, c->Bs, c->Ss);
}

static void posterior_matches_reference(void **state)
{
  (void)state;
  mniw_case c;
  load_case(&c);
  const size_t k = c.k, d = c.d, q = c.q;
  bm_mniw *m = bm_mniw_alloc(k, d);
  assert_int_equal(bm_mniw_set_prior(m, c.B0, c.V0, c.nu0, c.Psi0), BM_SUCCESS);
  assert_int_equal(bm_mniw_update(m, c.X, c.Y), BM_SUCCESS);
  gsl_matrix *B = gsl_matrix_alloc(k, d), *V = gsl_matrix_alloc(k, k), *P = gsl_matrix_alloc(d, d);
  double nu, lml, lp;
  assert_int_equal(bm_mniw_posterior(m, B, V, &nu, P), BM_SUCCESS);
  cref_assert_matrix(B, "mniw_Bn", 1e-12);
  cref_assert_matrix(V, "mniw_Vn", 1e-12);
  cref_assert_matrix(P, "mniw_Psin", 1e-12);
  tu_assert_rel(nu, cref1("mniw_nun"), 1e-15);
  assert_int_equal(bm_mniw_log_evidence(m, &lml), BM_SUCCESS);
  tu_assert_rel(lml, cref1("mniw_lml"), 1e-12);
  assert_int_equal(bm_mniw_log_posterior(m, c.Bs, c.Ss, &lp), BM_SUCCESS);
  tu_assert_rel(lp, cref1("mniw_logpost"), 1e-12);
  gsl_matrix *M = gsl_matrix_alloc(q, d), *S = gsl_matrix_alloc(q, q);
  assert_int_equal(bm_mniw_predictive_params(m, c.Xnew, &nu, M, S, P), BM_SUCCESS);
  cref_assert_matrix(M, "mniw_pred_M", 1e-12);
  cref_assert_matrix(S, "mniw_pred_Sigma", 1e-12);
  cref_assert_matrix(P, "mniw_Psin", 1e-12);
  tu_assert_rel(nu, cref1("mniw_pred_nu"), 1e-15);
  free_matrices(B, V, P, M, S);
  bm_mniw_free(m);
  free_case(&c);
}

/* The evidence of all rows = sum of the log one-row predictives, each evaluated with the contract's
 * T_{1,d}(nu, m, s, Omega) = t_d(nu, m, s Omega / nu) (the n = 1 reduction of the matt
 * predictive to an mvt), computed here from the predictive parameters. */
static void evidence_is_chain_of_one_row_predictives(void **state)
{
  (void)state;
  mniw_case c;
  load_case(&c);
  const size_t k = c.k, d = c.d;
  bm_mniw *m = bm_mniw_alloc(k, d);
  assert_int_equal(bm_mniw_set_prior(m, c.B0, c.V0, c.nu0, c.Psi0), BM_SUCCESS);
  gsl_matrix *M = gsl_matrix_alloc(1, d), *S = gsl_matrix_alloc(1, 1), *Om = gsl_matrix_alloc(d, d);
  double chain = 0.0, nu, lml;
  for (size_t i = 0; i < c.n; i++) {
    gsl_matrix_const_view xi = gsl_matrix_const_submatrix(c.X, i, 0, 1, k);
    gsl_matrix_const_view yi = gsl_matrix_const_submatrix(c.Y, i, 0, 1, d);
    assert_int_equal(bm_mniw_predictive_params(m, &xi.matrix, &nu, M, S, Om), BM_SUCCESS);
    gsl_matrix_scale(Om, gsl_matrix_get(S, 0, 0) / nu);
    gsl_vector_const_view mrow = gsl_matrix_const_row(M, 0);
    gsl_vector_const_view yrow = gsl_matrix_const_row(&yi.matrix, 0);
    chain += cj_log_mvt(&yrow.vector, nu, &mrow.vector, Om);
    assert_int_equal(bm_mniw_update(m, &xi.matrix, &yi.matrix), BM_SUCCESS);
  }
  assert_int_equal(bm_mniw_log_evidence(m, &lml), BM_SUCCESS);
  tu_assert_rel(lml, chain, 1e-12);
  free_matrices(M, S, Om);
  bm_mniw_free(m);
  free_case(&c);
}

/* bm_mniw_predictive fills a matt. (1) n = 1 reduction: the 1 x d matt equals
 * t_d(nu, m, s Omega / nu) as an mvt object; (2) the joint predictive of two new rows
 * equals p(y1) p(y2 | y1) from one-row predictives with an update in between (this pins
 * down the whole matt parameterization: nu, M, the row scale I + X V X^T and Omega). */
static void predictive_object(void **state)
{
  (void)state;
  mniw_case c;
  load_case(&c);
  const size_t k = c.k, d = c.d, q = c.q;
  assert_true(q >= 2);
  bm_mniw *m = bm_mniw_alloc(k, d), *seq = bm_mniw_alloc(k, d);
  assert_int_equal(bm_mniw_set_prior(m, c.B0, c.V0, c.nu0, c.Psi0), BM_SUCCESS);
  assert_int_equal(bm_mniw_update(m, c.X, c.Y), BM_SUCCESS);
  assert_int_equal(bm_mniw_set_prior(seq, c.B0, c.V0, c.nu0, c.Psi0), BM_SUCCESS);
  assert_int_equal(bm_mniw_update(seq, c.X, c.Y), BM_SUCCESS);
  /* new responses: the reference B* rows as arbitrary points */
  gsl_matrix *Ynew = gsl_matrix_alloc(q, d);
  for (size_t i = 0; i < q; i++)
    for (size_t j = 0; j < d; j++) gsl_matrix_set(Ynew, i, j, gsl_matrix_get(c.Bs, i % k, j) + 0.3 * (double)i);
  bm_matt *joint = bm_matt_alloc(q, d), *one = bm_matt_alloc(1, d);
  double lj, l1, lchain = 0.0;
  assert_int_equal(bm_mniw_predictive(m, c.Xnew, joint), BM_SUCCESS);
  assert_int_equal(bm_matt_logpdf(joint, Ynew, &lj), BM_SUCCESS);
  for (size_t i = 0; i < q; i++) {
    gsl_matrix_const_view xi = gsl_matrix_const_submatrix(c.Xnew, i, 0, 1, k);
    gsl_matrix_const_view yi = gsl_matrix_const_submatrix(Ynew, i, 0, 1, d);
    assert_int_equal(bm_mniw_predictive(seq, &xi.matrix, one), BM_SUCCESS);
    assert_int_equal(bm_matt_logpdf(one, &yi.matrix, &l1), BM_SUCCESS);
    lchain += l1;
    if (i == 0) {
      /* n = 1 reduction to an mvt */
      double nu;
      gsl_matrix *M = gsl_matrix_alloc(1, d), *S = gsl_matrix_alloc(1, 1), *Om = gsl_matrix_alloc(d, d);
      assert_int_equal(bm_mniw_predictive_params(seq, &xi.matrix, &nu, M, S, Om), BM_SUCCESS);
      gsl_matrix_scale(Om, gsl_matrix_get(S, 0, 0) / nu);
      bm_mvt *t = bm_mvt_alloc(d);
      gsl_vector_const_view mrow = gsl_matrix_const_row(M, 0), yrow = gsl_matrix_const_row(&yi.matrix, 0);
      assert_int_equal(bm_mvt_set(t, nu, &mrow.vector, Om), BM_SUCCESS);
      double lt;
      assert_int_equal(bm_mvt_logpdf(t, &yrow.vector, &lt), BM_SUCCESS);
      tu_assert_rel(l1, lt, 1e-12);
      bm_mvt_free(t);
      free_matrices(M, S, Om);
    }
    assert_int_equal(bm_mniw_update(seq, &xi.matrix, &yi.matrix), BM_SUCCESS);
  }
  tu_assert_rel(lj, lchain, 1e-12);
  /* bad inputs */
  assert_int_equal(bm_mniw_predictive(m, c.Xnew, one), BM_EBADLEN); /* pred is 1 x d, X_new has q rows */
  assert_int_equal(bm_mniw_predictive(m, c.X, joint), BM_EBADLEN);
  assert_int_equal(bm_mniw_predictive(m, Ynew, joint), BM_EBADLEN);  /* q x d is not q x k (d != k) */
  assert_int_equal(bm_mniw_predictive(NULL, c.Xnew, joint), BM_EINVAL);
  assert_int_equal(bm_mniw_predictive(m, NULL, joint), BM_EINVAL);
  assert_int_equal(bm_mniw_predictive(m, c.Xnew, NULL), BM_EINVAL);
  gsl_matrix_set(c.Xnew, 0, 0, NAN);
  assert_int_equal(bm_mniw_predictive(m, c.Xnew, joint), BM_ENONFINITE);
  assert_int_equal(bm_matt_logpdf(joint, Ynew, &l1), BM_SUCCESS); /* unchanged */
  tu_assert_rel(l1, lj, 0.0);
  gsl_matrix_free(Ynew);
  bm_matt_free(joint);
  bm_matt_free(one);
  bm_mniw_free(m);
  bm_mniw_free(seq);
  free_case(&c);
}

static void chunked_equals_single(void **state)
{
  (void)state;
  mniw_case c;
  load_case(&c);
  const size_t k = c.k, d = c.d, n = c.n;
  bm_mniw *one = bm_mniw_alloc(k, d), *chunk = bm_mniw_alloc(k, d), *merged = bm_mniw_alloc(k, d);
  bm_mniw *ms[3] = {one, chunk, merged};
  for (int i = 0; i < 3; i++) assert_int_equal(bm_mniw_set_prior(ms[i], c.B0, c.V0, c.nu0, c.Psi0), BM_SUCCESS);
  assert_int_equal(bm_mniw_update(one, c.X, c.Y), BM_SUCCESS);
  size_t cuts[4] = {0, 3, 3, n};
  bm_mniw_stats *acc = bm_mniw_stats_alloc(k, d), *s = bm_mniw_stats_alloc(k, d);
  for (int j = 2; j >= 0; j--) {
    size_t r0 = cuts[j], r1 = cuts[j + 1];
    gsl_matrix EX = empty_rows(k), EY = empty_rows(d);
    if (r1 > r0) {
      gsl_matrix_const_view Xv = gsl_matrix_const_submatrix(c.X, r0, 0, r1 - r0, k);
      gsl_matrix_const_view Yv = gsl_matrix_const_submatrix(c.Y, r0, 0, r1 - r0, d);
      assert_int_equal(bm_mniw_stats_compute(s, &Xv.matrix, &Yv.matrix), BM_SUCCESS);
    } else {
      assert_int_equal(bm_mniw_stats_compute(s, &EX, &EY), BM_SUCCESS);
    }
    assert_int_equal(bm_mniw_stats_merge(acc, s), BM_SUCCESS);
  }
  for (int j = 0; j < 3; j++) {
    size_t r0 = cuts[j], r1 = cuts[j + 1];
    gsl_matrix EX = empty_rows(k), EY = empty_rows(d);
    if (r1 > r0) {
      gsl_matrix_const_view Xv = gsl_matrix_const_submatrix(c.X, r0, 0, r1 - r0, k);
      gsl_matrix_const_view Yv = gsl_matrix_const_submatrix(c.Y, r0, 0, r1 - r0, d);
      assert_int_equal(bm_mniw_update(chunk, &Xv.matrix, &Yv.matrix), BM_SUCCESS);
    } else {
      assert_int_equal(bm_mniw_update(chunk, &EX, &EY), BM_SUCCESS);
    }
  }
  assert_int_equal(bm_mniw_update_stats(merged, acc), BM_SUCCESS);
  double l[3];
  gsl_matrix *B[3], *P[3];
  for (int i = 0; i < 3; i++) {
    B[i] = gsl_matrix_alloc(k, d);
    P[i] = gsl_matrix_alloc(d, d);
    assert_int_equal(bm_mniw_log_evidence(ms[i], &l[i]), BM_SUCCESS);
    assert_int_equal(bm_mniw_posterior(ms[i], B[i], NULL, NULL, P[i]), BM_SUCCESS);
  }
  for (int i = 1; i < 3; i++) {
    tu_assert_rel(l[i], l[0], 1e-13);
    tu_assert_matrix_close(B[i], B[0], 1e-12, 1e-14);
    tu_assert_matrix_close(P[i], P[0], 1e-12, 1e-14);
  }
  free_matrix_list(B, 3);
  free_matrix_list(P, 3);
  bm_mniw_stats_free(acc);
  bm_mniw_stats_free(s);
  bm_mniw_free(one);
  bm_mniw_free(chunk);
  bm_mniw_free(merged);
  free_case(&c);
}

static void no_data_is_prior(void **state)
{
  (void)state;
  mniw_case c;
  load_case(&c);
  bm_mniw *m = bm_mniw_alloc(c.k, c.d);
  assert_int_equal(bm_mniw_set_prior(m, c.B0, c.V0, c.nu0, c.Psi0), BM_SUCCESS);
  gsl_matrix EX = empty_rows(c.k), EY = empty_rows(c.d);
  assert_int_equal(bm_mniw_update(m, &EX, &EY), BM_SUCCESS);
  gsl_matrix *B = gsl_matrix_alloc(c.k, c.d), *V = gsl_matrix_alloc(c.k, c.k), *P = gsl_matrix_alloc(c.d, c.d);
  double nu, lml;
  assert_int_equal(bm_mniw_posterior(m, B, V, &nu, P), BM_SUCCESS);
  tu_assert_matrix_close(B, c.B0, 1e-13, 1e-15);
  tu_assert_matrix_close(V, c.V0, 1e-13, 0.0);
  tu_assert_matrix_close(P, c.Psi0, 1e-14, 0.0);
  assert_true(nu == c.nu0);
  assert_int_equal(bm_mniw_log_evidence(m, &lml), BM_SUCCESS);
  assert_true(fabs(lml) < 1e-13);
  free_matrices(B, V, P);
  bm_mniw_free(m);
  free_case(&c);
}

/* Posterior sampler moments: E[B] = B_n, E[Sigma] = Psi_n/(nu_n - d - 1) (z-scores), and the
 * claimed log posterior is proportional to prior x likelihood (bm_check_proportional). */
typedef struct {
  const mniw_case *c;
  bm_mniw *prior, *post;
  gsl_matrix *B, *S, *L, *R;
} mctx;

static void unpack(mctx *x, const gsl_vector *th)
{
  const size_t k = x->c->k, d = x->c->d;
  size_t t = 0;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < d; j++) gsl_matrix_set(x->B, i, j, gsl_vector_get(th, t++));
  for (size_t j = 0; j < d; j++)
    for (size_t i = j; i < d; i++, t++) {
      gsl_matrix_set(x->S, i, j, gsl_vector_get(th, t));
      gsl_matrix_set(x->S, j, i, gsl_vector_get(th, t));
    }
}

static int lprior(const gsl_vector *th, void *vp, double *f)
{
  mctx *x = vp;
  unpack(x, th);
  return bm_mniw_log_posterior(x->prior, x->B, x->S, f);
}

static int lpost(const gsl_vector *th, void *vp, double *f)
{
  mctx *x = vp;
  unpack(x, th);
  return bm_mniw_log_posterior(x->post, x->B, x->S, f);
}

static int llik(const gsl_vector *th, void *vp, double *f)
{
  mctx *x = vp;
  const mniw_case *c = x->c;
  unpack(x, th);
  int st = bm_chol_factor(x->S, x->L, NULL);
  if (st != BM_SUCCESS) return st;
  /* R = Y - X B, rows ~ N_d(0, S) */
  gsl_matrix_memcpy(x->R, c->Y);
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -1.0, c->X, x->B, 1.0, x->R);
  bm_chol_whiten_rows(x->L, x->R);
  double q = 0.0;
  for (size_t i = 0; i < c->n * c->d; i++) q += x->R->data[i] * x->R->data[i];
  *f = -0.5 * (double)(c->n * c->d) * log(2.0 * M_PI) - 0.5 * (double)c->n * bm_chol_logdet(x->L) - 0.5 * q;
  return BM_SUCCESS;
}

static int sample(gsl_rng *r, void *vp, gsl_vector *th)
{
  mctx *x = vp;
  const size_t k = x->c->k, d = x->c->d;
  int st = bm_mniw_sample_posterior(x->post, r, x->B, x->S);
  size_t t = 0;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < d; j++) gsl_vector_set(th, t++, gsl_matrix_get(x->B, i, j));
  for (size_t j = 0; j < d; j++)
    for (size_t i = j; i < d; i++) gsl_vector_set(th, t++, gsl_matrix_get(x->S, i, j));
  return st;
}

static void sampler_and_proportionality(void **state)
{
  (void)state;
  mniw_case c;
  load_case(&c);
  const size_t k = c.k, d = c.d, N = 20000;
  mctx x = {&c, bm_mniw_alloc(k, d), bm_mniw_alloc(k, d), gsl_matrix_alloc(k, d), gsl_matrix_alloc(d, d),
            gsl_matrix_alloc(d, d), gsl_matrix_alloc(c.n, d)};
  assert_int_equal(bm_mniw_set_prior(x.prior, c.B0, c.V0, c.nu0, c.Psi0), BM_SUCCESS);
  assert_int_equal(bm_mniw_set_prior(x.post, c.B0, c.V0, c.nu0, c.Psi0), BM_SUCCESS);
  assert_int_equal(bm_mniw_update(x.post, c.X, c.Y), BM_SUCCESS);
  gsl_rng *r = tu_rng(17);
  tu_mc *mS = tu_mc_alloc(d), *mB = tu_mc_alloc(k > d ? k : d);
  gsl_matrix *Bpad = gsl_matrix_calloc(k > d ? k : d, k > d ? k : d);
  for (size_t i = 0; i < N; i++) {
    assert_int_equal(bm_mniw_sample_posterior(x.post, r, x.B, x.S), BM_SUCCESS);
    gsl_matrix_view Bv = gsl_matrix_submatrix(Bpad, 0, 0, k, d);
    gsl_matrix_memcpy(&Bv.matrix, x.B);
    tu_mc_add(mB, Bpad);
    tu_mc_add(mS, x.S);
  }
  gsl_matrix *Bn = gsl_matrix_calloc(k > d ? k : d, k > d ? k : d), *Pn = gsl_matrix_alloc(d, d);
  gsl_matrix_view Bnv = gsl_matrix_submatrix(Bn, 0, 0, k, d);
  double nun;
  assert_int_equal(bm_mniw_posterior(x.post, &Bnv.matrix, NULL, &nun, Pn), BM_SUCCESS);
  gsl_matrix_scale(Pn, 1.0 / (nun - (double)d - 1.0));
  size_t wi, wj;
  assert_true(tu_mc_max_z(mB, Bn, 1e-14, &wi, &wj) < 4.0);
  assert_true(tu_mc_max_z(mS, Pn, 0.0, &wi, &wj) < 4.0);

  double lml;
  assert_int_equal(bm_mniw_log_evidence(x.post, &lml), BM_SUCCESS);
  bm_check_model model = {k * d + d * (d + 1) / 2, lprior, llik, lpost, sample, NULL, NULL, &x};
  bm_proportional_result pr;
  assert_int_equal(bm_check_proportional(&model, r, 200, 1e-9, &pr), BM_SUCCESS);
  assert_true(pr.passed);
  tu_assert_rel(pr.log_const, lml, 1e-10);
  double worst;
  assert_int_equal(bm_check_evidence_identity(&model, r, 200, lml, &worst), BM_SUCCESS);
  assert_true(worst < 1e-11);

  tu_mc_free(mS);
  tu_mc_free(mB);
  free_matrices(Bpad, Bn, Pn);
  gsl_rng_free(r);
  bm_mniw_free(x.prior);
  bm_mniw_free(x.post);
  free_matrices(x.B, x.S, x.L, x.R);
  free_case(&c);
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  const size_t k = 2, d = 2;
  assert_null(bm_mniw_alloc(0, 2));
  assert_null(bm_mniw_alloc(2, 0));
  assert_null(bm_mniw_stats_alloc(0, 1));
  bm_mniw_free(NULL);
  bm_mniw_stats_free(NULL);
  bm_mniw *m = bm_mniw_alloc(k, d);
  gsl_matrix *B0 = gsl_matrix_calloc(k, d), *V0 = gsl_matrix_alloc(k, k), *P0 = gsl_matrix_alloc(d, d);
  gsl_matrix *X = gsl_matrix_calloc(4, k), *Y = gsl_matrix_calloc(4, d), *B3 = gsl_matrix_calloc(3, 3);
  gsl_matrix_set_identity(V0);
  gsl_matrix_set_identity(P0);
  double lml, nu, lp;
  gsl_rng *r = tu_rng(2);
  assert_int_equal(bm_mniw_update(m, X, Y), BM_EINVAL);
  assert_int_equal(bm_mniw_log_evidence(m, &lml), BM_EINVAL);
  assert_true(isnan(lml));
  EXPECT(bm_mniw_set_prior(NULL, B0, V0, 3, P0), BM_EINVAL, "bm_mniw_set_prior", "m");
  EXPECT(bm_mniw_set_prior(m, NULL, V0, 3, P0), BM_EINVAL, "bm_mniw_set_prior", "B0");
  EXPECT(bm_mniw_set_prior(m, B3, V0, 3, P0), BM_EBADLEN, "bm_mniw_set_prior", "B0");
  EXPECT(bm_mniw_set_prior(m, B0, B3, 3, P0), BM_EBADLEN, "bm_mniw_set_prior", "V0");
  EXPECT(bm_mniw_set_prior(m, B0, V0, 3, B3), BM_EBADLEN, "bm_mniw_set_prior", "Psi0");
  EXPECT(bm_mniw_set_prior(m, B0, V0, 1.0, P0), BM_EDOM, "bm_mniw_set_prior", "nu0");
  EXPECT(bm_mniw_set_prior(m, B0, V0, INFINITY, P0), BM_ENONFINITE, "bm_mniw_set_prior", "nu0");
  gsl_matrix_set(B0, 1, 1, NAN);
  assert_int_equal(bm_mniw_set_prior(m, B0, V0, 3, P0), BM_ENONFINITE);
  gsl_matrix_set(B0, 1, 1, 0.0);
  gsl_matrix_set(V0, 1, 0, 0.5);
  assert_int_equal(bm_mniw_set_prior(m, B0, V0, 3, P0), BM_ENOTSYM);
  gsl_matrix_set(V0, 0, 1, 0.5);
  gsl_matrix_set(V0, 0, 0, -1.0);
  assert_int_equal(bm_mniw_set_prior(m, B0, V0, 3, P0), BM_ENOTSPD);
  gsl_matrix_set_identity(V0);
  gsl_matrix_set(P0, 0, 0, 0.0);
  assert_int_equal(bm_mniw_set_prior(m, B0, V0, 3, P0), BM_ENOTSPD);
  gsl_matrix_set_identity(P0);
  assert_int_equal(bm_mniw_set_prior(m, B0, V0, 3.5, P0), BM_SUCCESS);
  assert_int_equal(bm_mniw_set_prior(m, B0, V0, -3.5, P0), BM_EDOM);
  assert_int_equal(bm_mniw_posterior(m, NULL, NULL, &nu, NULL), BM_SUCCESS);
  assert_true(nu == 3.5);
  assert_int_equal(bm_mniw_update(m, X, B3), BM_EBADLEN);
  assert_int_equal(bm_mniw_update(m, B3, Y), BM_EBADLEN);
  assert_int_equal(bm_mniw_update(m, NULL, Y), BM_EINVAL);
  gsl_matrix_set(Y, 2, 1, NAN);
  assert_int_equal(bm_mniw_update(m, X, Y), BM_ENONFINITE);
  gsl_matrix_set(Y, 2, 1, 0.0);
  gsl_matrix_set(X, 2, 1, INFINITY);
  assert_int_equal(bm_mniw_update(m, X, Y), BM_ENONFINITE);
  gsl_matrix_set(X, 2, 1, 0.0);
  assert_int_equal(bm_mniw_log_evidence(m, &lml), BM_SUCCESS);
  assert_true(fabs(lml) < 1e-14);
  bm_mniw_stats *s = bm_mniw_stats_alloc(k, d), *s2 = bm_mniw_stats_alloc(k, d + 1);
  assert_int_equal(bm_mniw_stats_merge(s, s2), BM_EBADLEN);
  assert_int_equal(bm_mniw_stats_merge(s, NULL), BM_EINVAL);
  assert_int_equal(bm_mniw_update_stats(m, s2), BM_EBADLEN);
  assert_int_equal(bm_mniw_stats_compute(s, X, B3), BM_EBADLEN);
  gsl_matrix *Bo = gsl_matrix_alloc(k, d), *S = gsl_matrix_alloc(d, d);
  assert_int_equal(bm_mniw_posterior(m, B3, NULL, NULL, NULL), BM_EBADLEN);
  assert_int_equal(bm_mniw_posterior(NULL, Bo, NULL, &nu, NULL), BM_EINVAL);
  assert_true(isnan(nu) && isnan(gsl_matrix_get(Bo, 0, 0)));
  gsl_matrix_set_identity(S);
  gsl_matrix_set(S, 0, 1, 3.0);
  gsl_matrix_set(S, 1, 0, 3.0);
  assert_int_equal(bm_mniw_log_posterior(m, B0, S, &lp), BM_EDOM);
  assert_true(isinf(lp) && lp < 0);
  gsl_matrix_set(S, 1, 0, 1.0);
  assert_int_equal(bm_mniw_log_posterior(m, B0, S, &lp), BM_ENOTSYM);
  assert_true(isnan(lp));
  assert_int_equal(bm_mniw_log_posterior(m, B3, P0, &lp), BM_EBADLEN);
  assert_int_equal(bm_mniw_log_posterior(m, B0, B3, &lp), BM_EBADLEN);
  gsl_matrix_set(Bo, 0, 0, NAN);
  assert_int_equal(bm_mniw_log_posterior(m, Bo, P0, &lp), BM_ENONFINITE);
  assert_int_equal(bm_mniw_sample_posterior(m, r, B3, NULL), BM_EBADLEN);
  assert_int_equal(bm_mniw_sample_posterior(m, NULL, Bo, NULL), BM_EINVAL);
  gsl_matrix *M = gsl_matrix_alloc(4, d), *Sg = gsl_matrix_alloc(4, 4);
  assert_int_equal(bm_mniw_predictive_params(m, X, NULL, M, Sg, P0), BM_EINVAL);
  assert_int_equal(bm_mniw_predictive_params(m, X, &nu, B3, Sg, P0), BM_EBADLEN);
  assert_true(isnan(nu));
  assert_int_equal(bm_mniw_predictive_params(m, B3, &nu, M, Sg, P0), BM_EBADLEN);
  gsl_matrix_set(X, 0, 0, NAN);
  assert_int_equal(bm_mniw_predictive_params(m, X, &nu, M, Sg, P0), BM_ENONFINITE);
  assert_true(isnan(gsl_matrix_get(M, 0, 0)) && isnan(gsl_matrix_get(Sg, 0, 0)) && isnan(gsl_matrix_get(P0, 0, 0)));
  gsl_rng_free(r);
  bm_mniw_stats_free(s);
  bm_mniw_stats_free(s2);
  free_matrices(B0, V0, P0, X, Y, B3, Bo, S, M, Sg);
  bm_mniw_free(m);
}

/* Packed statistics: dims as allocated, length 1 + (k+d)(k+d+1)/2 with n in
 * front, an unpacked copy that packs to the identical bytes and gives the posterior and
 * evidence of the original bit for bit and of bm_mniw_update on the raw data to 1e-12; bad
 * buffers rejected with the summary left unchanged. */
CJ_PACKER(mniw, bm_mniw_stats_pack, bm_mniw_stats_unpack)

static void packed_stats_round_trip(void **state)
{
  (void)state;
  mniw_case c;
  load_case(&c);
  const size_t k = c.k, d = c.d, len = 6 + 1 + (k + d) * (k + d + 1) / 2;
  bm_mniw_stats *s = bm_mniw_stats_alloc(k, d), *u = bm_mniw_stats_alloc(k, d);
  size_t kk = 0, dd = 0;
  assert_int_equal(bm_mniw_stats_dims(s, &kk, &dd), BM_SUCCESS);
  assert_true(kk == k && dd == d);
  assert_int_equal(bm_mniw_stats_dims(NULL, &kk, &dd), BM_EINVAL);
  assert_int_equal(bm_mniw_stats_packed_len(s), len);
  assert_int_equal(bm_mniw_stats_packed_len(NULL), 0);
  assert_int_equal(bm_mniw_stats_compute(s, c.X, c.Y), BM_SUCCESS);
  double *buf = malloc(len * sizeof *buf), *buf2 = malloc(len * sizeof *buf2), *keep = malloc(len * sizeof *keep);
  cj_pack_round_trip(&mniw_packer, s, u, buf, buf2, len, c.n);
  bm_mniw *one = bm_mniw_alloc(k, d), *a = bm_mniw_alloc(k, d), *b = bm_mniw_alloc(k, d);
  bm_mniw *ms[3] = {one, a, b};
  for (int i = 0; i < 3; i++) assert_int_equal(bm_mniw_set_prior(ms[i], c.B0, c.V0, c.nu0, c.Psi0), BM_SUCCESS);
  assert_int_equal(bm_mniw_update(one, c.X, c.Y), BM_SUCCESS);
  assert_int_equal(bm_mniw_update_stats(a, s), BM_SUCCESS);
  assert_int_equal(bm_mniw_update_stats(b, u), BM_SUCCESS);
  double l[3];
  gsl_matrix *B[3], *P[3];
  for (int i = 0; i < 3; i++) {
    B[i] = gsl_matrix_alloc(k, d);
    P[i] = gsl_matrix_alloc(d, d);
    assert_int_equal(bm_mniw_log_evidence(ms[i], &l[i]), BM_SUCCESS);
    assert_int_equal(bm_mniw_posterior(ms[i], B[i], NULL, NULL, P[i]), BM_SUCCESS);
  }
  assert_true(l[2] == l[1]);
  tu_assert_matrix_close(B[2], B[1], 0.0, 0.0);
  tu_assert_matrix_close(P[2], P[1], 0.0, 0.0);
  tu_assert_rel(l[1], l[0], 1e-12);
  tu_assert_matrix_close(B[1], B[0], 1e-12, 1e-14);
  tu_assert_matrix_close(P[1], P[0], 1e-12, 1e-14);
  /* bad buffers and arguments: statuses, u unchanged */
  cj_pack_refusals(&mniw_packer, u, buf, keep, len, (const double[]){-1.0, 1.25, 0.0 /* with nonzero content */}, 7, NAN);
  buf[7] = -fabs(buf[7]) - 1.0; /* a factor's diagonal is non-negative */
  assert_int_equal(bm_mniw_stats_unpack(u, buf, len), BM_EINVAL);
  buf[7] = keep[7];
  if (k != d) {
    bm_mniw_stats *tr = bm_mniw_stats_alloc(d, k); /* the transposed shape */
    cj_pack_refuses_shape(&mniw_packer, u, tr, bm_mniw_stats_packed_len(tr));
    bm_mniw_stats_free(tr);
  }
  cj_pack_unchanged(&mniw_packer, u, keep, buf2, len);
  /* the empty summary packs to zeros and unpacks */
  gsl_matrix EX = empty_rows(k), EY = empty_rows(d);
  assert_int_equal(bm_mniw_stats_compute(u, &EX, &EY), BM_SUCCESS);
  cj_pack_empty(&mniw_packer, u, s, buf, len);
  assert_int_equal(bm_mniw_stats_pack(s, buf2), BM_SUCCESS);
  assert_memory_equal(buf, buf2, len * sizeof *buf);
  for (int i = 0; i < 3; i++) {
    gsl_matrix_free(B[i]);
    gsl_matrix_free(P[i]);
    bm_mniw_free(ms[i]);
  }
  free(buf);
  free(buf2);
  free(keep);
  bm_mniw_stats_free(s);
  bm_mniw_stats_free(u);
  free_case(&c);
}

/* stats_compute streams its rows through blocked QR (fixed scratch): on 12000
 * rows (k = 3, d = 2, many blocks) the posterior equals the one from 120
 * updates of 100 rows (each one block, merged by stacking) to 1e-11. */
static void stats_compute_streams_many_rows(void **state)
{
  (void)state;
  const size_t n = 12000, k = 3, d = 2;
  gsl_rng *r = tu_rng(778);
  gsl_matrix *X = gsl_matrix_alloc(n, k), *Y = gsl_matrix_alloc(n, d), *B0 = gsl_matrix_calloc(k, d),
             *V0 = gsl_matrix_alloc(k, k), *P0 = gsl_matrix_alloc(d, d);
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < k; j++) gsl_matrix_set(X, i, j, gsl_ran_gaussian(r, 1.0) + (double)j);
    for (size_t j = 0; j < d; j++)
      gsl_matrix_set(Y, i, j, gsl_matrix_get(X, i, j) * (1.0 + (double)j) + gsl_ran_gaussian(r, 0.5));
  }
  gsl_matrix_set_identity(V0);
  gsl_matrix_set_identity(P0);
  bm_mniw *a = bm_mniw_alloc(k, d), *b = bm_mniw_alloc(k, d);
  assert_int_equal(bm_mniw_set_prior(a, B0, V0, 4.0, P0), BM_SUCCESS);
  assert_int_equal(bm_mniw_set_prior(b, B0, V0, 4.0, P0), BM_SUCCESS);
  bm_mniw_stats *s = bm_mniw_stats_alloc(k, d);
  assert_int_equal(bm_mniw_stats_compute(s, X, Y), BM_SUCCESS);
  assert_int_equal(bm_mniw_update_stats(a, s), BM_SUCCESS);
  for (size_t i0 = 0; i0 < n; i0 += 100) {
    gsl_matrix_view Xi = gsl_matrix_submatrix(X, i0, 0, 100, k), Yi = gsl_matrix_submatrix(Y, i0, 0, 100, d);
    assert_int_equal(bm_mniw_update(b, &Xi.matrix, &Yi.matrix), BM_SUCCESS);
  }
  gsl_matrix *B1 = gsl_matrix_alloc(k, d), *B2 = gsl_matrix_alloc(k, d), *S1 = gsl_matrix_alloc(d, d),
             *S2 = gsl_matrix_alloc(d, d);
  double nu1, nu2, e1, e2;
  assert_int_equal(bm_mniw_posterior(a, B1, NULL, &nu1, S1), BM_SUCCESS);
  assert_int_equal(bm_mniw_posterior(b, B2, NULL, &nu2, S2), BM_SUCCESS);
  assert_int_equal(bm_mniw_log_evidence(a, &e1), BM_SUCCESS);
  assert_int_equal(bm_mniw_log_evidence(b, &e2), BM_SUCCESS);
  assert_true(nu1 == nu2);
  tu_assert_rel(e1, e2, 1e-11);
  tu_assert_matrix_close(B1, B2, 1e-11, 0.0);
  tu_assert_matrix_close(S1, S2, 1e-11, 0.0);
  bm_mniw_stats_free(s);
  bm_mniw_free(a);
  bm_mniw_free(b);
  free_matrices(X, Y, B0, V0, P0, B1, B2, S1, S2);
  gsl_rng_free(r);
}

/* ---- numerical edges ---- */

/* nu_n = d - 1 + 1e-3: draws beyond DBL_MAX are BM_EDOM with NaN, never
 * +-inf with BM_SUCCESS; a predictive whose location overflows is BM_EDOM
 * from both predictive functions (matt's BM_ENONFINITE used to pass through). */
static void overflow_is_reported(void **state)
{
  (void)state;
  const size_t k = 2, d = 3;
  gsl_matrix *B0 = gsl_matrix_alloc(k, d), *V0 = gsl_matrix_alloc(k, k), *Psi0 = gsl_matrix_alloc(d, d);
  gsl_matrix *B = gsl_matrix_alloc(k, d), *S = gsl_matrix_alloc(d, d);
  gsl_matrix_set_all(B0, 1.0);
  gsl_matrix_set_identity(V0);
  gsl_matrix_set_identity(Psi0);
  bm_mniw *m = bm_mniw_alloc(k, d);
  assert_int_equal(bm_mniw_set_prior(m, B0, V0, (double)d - 1.0 + 1e-3, Psi0), BM_SUCCESS);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 23);
  int over = 0;
  for (int t = 0; t < 1000; t++) {
    int st = bm_mniw_sample_posterior(m, r, B, S);
    int fin = 1;
    for (size_t i = 0; i < k * d; i++) fin = fin && isfinite(B->data[i]);
    for (size_t i = 0; i < d * d; i++) fin = fin && isfinite(S->data[i]);
    if (st == BM_SUCCESS) {
      assert_true(fin);
    } else {
      assert_int_equal(st, BM_EDOM);
      assert_true(isnan(B->data[0]) && isnan(S->data[0]));
      over++;
    }
  }
  printf("  nu_n - d + 1 = 1e-3: %d of 1000 draws overflow (BM_EDOM)\n", over);
  assert_true(over > 300);
  /* X_new B_n overflows: 1e308 + 1e308 */
  gsl_matrix *Xn = gsl_matrix_alloc(1, k), *M = gsl_matrix_alloc(1, d), *Sg = gsl_matrix_alloc(1, 1);
  gsl_matrix_set_all(Xn, 1e308);
  double nu;
  assert_int_equal(bm_mniw_predictive_params(m, Xn, &nu, M, Sg, NULL), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(M, 0, 0)) && isnan(nu));
  bm_matt *pred = bm_matt_alloc(1, d);
  assert_int_equal(bm_mniw_predictive(m, Xn, pred), BM_EDOM);
  gsl_matrix_set_all(Xn, 0.5); /* representable: M = X_new B_n = 1 */
  assert_int_equal(bm_mniw_predictive_params(m, Xn, &nu, M, Sg, NULL), BM_SUCCESS);
  tu_assert_rel(gsl_matrix_get(M, 0, 2), 1.0, 1e-15);
  tu_assert_rel(gsl_matrix_get(Sg, 0, 0), 1.5, 1e-15); /* 1 + x V0 x^T = 1 + 0.5 */
  assert_int_equal(bm_mniw_predictive(m, Xn, pred), BM_SUCCESS);
  bm_matt_free(pred);
  gsl_rng_free(r);
  bm_mniw_free(m);
  free_matrices(B0, V0, Psi0, B, S, Xn, M, Sg);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(posterior_matches_reference),
      cmocka_unit_test(evidence_is_chain_of_one_row_predictives),
      cmocka_unit_test(predictive_object),
      cmocka_unit_test(chunked_equals_single),
      cmocka_unit_test(no_data_is_prior),
      cmocka_unit_test(sampler_and_proportionality),
      cmocka_unit_test(bad_inputs_return_status),
      cmocka_unit_test(packed_stats_round_trip),
      cmocka_unit_test(stats_compute_streams_many_rows),
      cmocka_unit_test(overflow_is_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
