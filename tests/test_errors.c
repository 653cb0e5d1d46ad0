/* bm_last_error(): every documented failure of each family's _set and of the
 * inference entry points leaves a message that names the function and the
 * argument (as its header documents it), and the message is per thread.
 *
 * Each case clears the message, makes the call, and checks the status and
 * that the message contains the function's name and the argument's name as
 * a whole word ("d" must not match inside "delta"). A case that reaches the
 * wrong check fails on the status; a site without a message fails on the
 * empty string.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <float.h>
#include <pthread.h>
#include <string.h>
#include "testutil.h"
#include "cleanup_util.h"
#include "message_testutil.h"


/* a symmetric matrix that is not PD at the given leading minor (1-based) */
static gsl_matrix *not_pd(size_t p, size_t minor)
{
  gsl_matrix *A = tm_eye(p, 1.0);
  gsl_matrix_set(A, minor - 1, minor - 1, -1.0);
  return A;
}

static gsl_matrix *asym(size_t p)
{
  gsl_matrix *A = tm_eye(p, 2.0);
  gsl_matrix_set(A, 1, 0, 0.5);
  return A;
}

static gsl_matrix *with_nan(size_t r, size_t c)
{
  gsl_matrix *A = gsl_matrix_calloc(r, c);
  for (size_t i = 0; i < r && i < c; i++) gsl_matrix_set(A, i, i, 1.0);
  gsl_matrix_set(A, r - 1, 0, NAN);
  if (r == c) gsl_matrix_set(A, 0, r - 1, NAN);
  return A;
}

/* ------------------------------------------------------------------ core */

static void message_contract(void **state)
{
  (void)state;
  bm_clear_error();
  assert_string_equal(bm_last_error(), "");
  /* the example of the documentation, with the failing leading minor */
  bm_matt *d = bm_matt_alloc(3, 4);
  gsl_matrix *M = gsl_matrix_calloc(3, 4), *S = tm_eye(3, 1.0), *O = not_pd(4, 3);
  assert_int_equal(bm_matt_set(d, 3.0, M, S, O), BM_ENOTSPD);
  assert_string_equal(bm_last_error(), "bm_matt_set: Omega is not positive definite (leading minor 3 of 4)");
  /* a success does not clear it (documented: read it right after a failure) */
  gsl_matrix_set(O, 2, 2, 1.0);
  assert_int_equal(bm_matt_set(d, 3.0, M, S, O), BM_SUCCESS);
  assert_string_equal(bm_last_error(), "bm_matt_set: Omega is not positive definite (leading minor 3 of 4)");
  bm_wishart *w = bm_wishart_alloc(3);
  assert_int_equal(bm_wishart_set(w, 0.5, S), BM_EDOM);
  assert_string_equal(bm_last_error(), "bm_wishart_set: nu = 0.5 must exceed p - 1 = 2");
  bm_wishart_free(w);
  bm_matt_free(d);
  free_matrices(M, S, O);
}

static void *other_thread(void *arg)
{
  const char **out = arg;
  out[0] = strlen(bm_last_error()) == 0 ? "empty" : "not empty";
  bm_wishart *w = bm_wishart_alloc(2);
  gsl_matrix *S = tm_eye(2, 1.0);
  bm_wishart_set(w, -1.0, S); /* this thread's own message */
  out[1] = strstr(bm_last_error(), "bm_wishart_set: nu = -1") ? "own" : "wrong";
  bm_wishart_free(w);
  gsl_matrix_free(S);
  return NULL;
}

static void per_thread(void **state)
{
  (void)state;
  bm_mvn *d = bm_mvn_alloc(2);
  gsl_vector *mu = gsl_vector_calloc(2);
  assert_int_equal(bm_mvn_set(d, mu, NULL), BM_EINVAL);
  char before[256];
  snprintf(before, sizeof before, "%s", bm_last_error());
  const char *out[2] = {0};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, other_thread, out), 0);
  pthread_join(t, NULL);
  assert_string_equal(out[0], "empty");
  assert_string_equal(out[1], "own");
  assert_string_equal(bm_last_error(), before); /* untouched by the other thread */
  assert_string_equal(before, "bm_mvn_set: Sigma is NULL");
  bm_mvn_free(d);
  gsl_vector_free(mu);
}

static void core_checks(void **state)
{
  (void)state;
  gsl_matrix *A = not_pd(3, 2), *L = gsl_matrix_alloc(3, 3), *B = asym(3), *N = with_nan(3, 3);
  gsl_vector *v = gsl_vector_alloc(2);
  EXPECT(bm_validate_spd(A, 3, L, NULL), BM_ENOTSPD, "bm_validate_spd", "A");
  assert_non_null(strstr(bm_last_error(), "leading minor 2 of 3"));
  EXPECT(bm_validate_symmetric(B, 3), BM_ENOTSYM, "bm_validate_symmetric", "A");
  EXPECT(bm_validate_matrix(N, 3, 3), BM_ENONFINITE, "bm_validate_matrix", "A");
  EXPECT(bm_validate_vector(v, 3), BM_EBADLEN, "bm_validate_vector", "v");
  EXPECT(bm_validate_greater(1.0, 2.0), BM_EDOM, "bm_validate_greater", "x");
  EXPECT(bm_chol_factor(A, L, NULL), BM_ENOTSPD, "bm_chol_factor", "A");
  EXPECT(bm_vech(NULL, v), BM_EINVAL, "bm_vech", "S");
  free_matrices(A, L, B, N);
  gsl_vector_free(v);
}

/* ------------------------------------------------------- family _set */

static void vector_families(void **state)
{
  (void)state;
  const size_t p = 3;
  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvt *t = bm_mvt_alloc(p);
  gsl_vector *mu = gsl_vector_calloc(p), *mu2 = gsl_vector_calloc(p + 1), *mun = gsl_vector_calloc(p);
  gsl_vector_set(mun, 1, INFINITY);
  gsl_matrix *S = tm_eye(p, 1.0), *Sb = tm_eye(p + 1, 1.0), *Sn = with_nan(p, p), *Sa = asym(p), *Sp = not_pd(p, 3);
  EXPECT(bm_mvn_set(NULL, mu, S), BM_EINVAL, "bm_mvn_set", "d");
  EXPECT(bm_mvn_set(d, NULL, S), BM_EINVAL, "bm_mvn_set", "mu");
  EXPECT(bm_mvn_set(d, mu2, S), BM_EBADLEN, "bm_mvn_set", "mu");
  EXPECT(bm_mvn_set(d, mu, Sb), BM_EBADLEN, "bm_mvn_set", "Sigma");
  EXPECT(bm_mvn_set(d, mun, S), BM_ENONFINITE, "bm_mvn_set", "mu");
  EXPECT(bm_mvn_set(d, mu, Sn), BM_ENONFINITE, "bm_mvn_set", "Sigma");
  EXPECT(bm_mvn_set(d, mu, Sa), BM_ENOTSYM, "bm_mvn_set", "Sigma");
  EXPECT(bm_mvn_set(d, mu, Sp), BM_ENOTSPD, "bm_mvn_set", "Sigma");
  EXPECT(bm_mvn_set_precision(d, mu, Sp), BM_ENOTSPD, "bm_mvn_set_precision", "Lambda");
  EXPECT(bm_mvn_set_chol(d, mu, Sp), BM_ENOTSPD, "bm_mvn_set_chol", "L");
  EXPECT(bm_mvn_logpdf(d, mu, NULL), BM_EINVAL, "bm_mvn_logpdf", NULL);

  EXPECT(bm_mvt_set(NULL, 3.0, mu, S), BM_EINVAL, "bm_mvt_set", "d");
  EXPECT(bm_mvt_set(t, 3.0, NULL, S), BM_EINVAL, "bm_mvt_set", "mu");
  EXPECT(bm_mvt_set(t, 3.0, mu, Sb), BM_EBADLEN, "bm_mvt_set", "Sigma");
  EXPECT(bm_mvt_set(t, NAN, mu, S), BM_ENONFINITE, "bm_mvt_set", "nu");
  EXPECT(bm_mvt_set(t, 3.0, mu, Sn), BM_ENONFINITE, "bm_mvt_set", "Sigma");
  EXPECT(bm_mvt_set(t, 3.0, mu, Sa), BM_ENOTSYM, "bm_mvt_set", "Sigma");
  EXPECT(bm_mvt_set(t, 3.0, mu, Sp), BM_ENOTSPD, "bm_mvt_set", "Sigma");
  EXPECT(bm_mvt_set(t, -1.0, mu, S), BM_EDOM, "bm_mvt_set", "nu");
  EXPECT(bm_mvt_set(t, 5e-324, mu, S), BM_EDOM, "bm_mvt_set", "nu");
  assert_int_equal(bm_mvt_set(t, 1.5, mu, S), BM_SUCCESS);
  EXPECT(bm_mvt_cov(t, S), BM_EDOM, "bm_mvt_cov", "nu");

  bm_mvn_free(d);
  bm_mvt_free(t);
  free_vectors(mu, mu2, mun);
  free_matrices(S, Sb, Sn, Sa, Sp);
}

/* The _set and _set_chol of a family with parameters (nu, scale matrix),
 * behind void *, with the names its messages use. */
typedef struct {
  int (*set)(void *d, double nu, const gsl_matrix *S);
  int (*set_chol)(void *d, double nu, const gsl_matrix *L);
  const char *set_name, *set_chol_name, *scale, *chol;
} nu_scale_setters;

static int wishart_set_v(void *d, double nu, const gsl_matrix *S) { return bm_wishart_set(d, nu, S); }
static int wishart_set_chol_v(void *d, double nu, const gsl_matrix *L) { return bm_wishart_set_chol(d, nu, L); }
static int invwishart_set_v(void *d, double nu, const gsl_matrix *S) { return bm_invwishart_set(d, nu, S); }
static int invwishart_set_chol_v(void *d, double nu, const gsl_matrix *L) { return bm_invwishart_set_chol(d, nu, L); }
static const nu_scale_setters wishart_setters = {wishart_set_v, wishart_set_chol_v, "bm_wishart_set",
                                                 "bm_wishart_set_chol", "S", "L_S"};
static const nu_scale_setters invwishart_setters = {invwishart_set_v, invwishart_set_chol_v, "bm_invwishart_set",
                                                    "bm_invwishart_set_chol", "Psi", "L_Psi"};

/* Each documented failure of f's _set on d: NULL d, NULL / 4 x 4 / NaN /
 * asymmetric / not-PD scale (bad[0..4] = good 3 x 3, 4 x 4, NaN, asymmetric,
 * not PD), non-finite nu, nu at the bound (nu_low) and DBL_MAX; _set_chol
 * with a factor that is not one. */
static void expect_nu_scale_set(const nu_scale_setters *f, void *d, const gsl_matrix *const bad[5], double nu_nonfinite,
                                double nu_low)
{
  const gsl_matrix *S = bad[0];
  EXPECT(f->set(NULL, 5.0, S), BM_EINVAL, f->set_name, "d");
  EXPECT(f->set(d, 5.0, NULL), BM_EINVAL, f->set_name, f->scale);
  EXPECT(f->set(d, 5.0, bad[1]), BM_EBADLEN, f->set_name, f->scale);
  EXPECT(f->set(d, nu_nonfinite, S), BM_ENONFINITE, f->set_name, "nu");
  EXPECT(f->set(d, 5.0, bad[2]), BM_ENONFINITE, f->set_name, f->scale);
  EXPECT(f->set(d, 5.0, bad[3]), BM_ENOTSYM, f->set_name, f->scale);
  EXPECT(f->set(d, 5.0, bad[4]), BM_ENOTSPD, f->set_name, f->scale);
  EXPECT(f->set(d, nu_low, S), BM_EDOM, f->set_name, "nu");
  EXPECT(f->set(d, DBL_MAX, S), BM_EDOM, f->set_name, "nu");
  EXPECT(f->set_chol(d, 5.0, bad[4]), BM_ENOTSPD, f->set_chol_name, f->chol);
}

static void scale_families(void **state)
{
  (void)state;
  const size_t p = 3;
  bm_wishart *w = bm_wishart_alloc(p);
  bm_invwishart *iw = bm_invwishart_alloc(p);
  bm_matf *f = bm_matf_alloc(p);
  gsl_matrix *S = tm_eye(p, 1.0), *Sb = tm_eye(p + 1, 1.0), *Sn = with_nan(p, p), *Sa = asym(p), *Sp = not_pd(p, 2);
  const gsl_matrix *bad[] = {S, Sb, Sn, Sa, Sp};
  expect_nu_scale_set(&wishart_setters, w, bad, INFINITY, 2.0);
  expect_nu_scale_set(&invwishart_setters, iw, bad, NAN, 1.0);
  assert_int_equal(bm_invwishart_set(iw, 3.5, S), BM_SUCCESS);
  EXPECT(bm_invwishart_mean(iw, Sb), BM_EBADLEN, "bm_invwishart_mean", "M");
  gsl_matrix *Mo = gsl_matrix_alloc(p, p);
  EXPECT(bm_invwishart_mean(iw, Mo), BM_EDOM, "bm_invwishart_mean", "nu");
  gsl_matrix_free(Mo);

  EXPECT(bm_matf_set(NULL, 5.0, 1.0, S), BM_EINVAL, "bm_matf_set", "d");
  EXPECT(bm_matf_set(f, 5.0, 1.0, NULL), BM_EINVAL, "bm_matf_set", "Psi");
  EXPECT(bm_matf_set(f, 5.0, 1.0, Sb), BM_EBADLEN, "bm_matf_set", "Psi");
  EXPECT(bm_matf_set(f, 5.0, INFINITY, S), BM_ENONFINITE, "bm_matf_set", "delta");
  EXPECT(bm_matf_set(f, NAN, 1.0, S), BM_ENONFINITE, "bm_matf_set", "nu");
  EXPECT(bm_matf_set(f, 5.0, 1.0, Sn), BM_ENONFINITE, "bm_matf_set", "Psi");
  EXPECT(bm_matf_set(f, 5.0, 1.0, Sa), BM_ENOTSYM, "bm_matf_set", "Psi");
  EXPECT(bm_matf_set(f, 5.0, 1.0, Sp), BM_ENOTSPD, "bm_matf_set", "Psi");
  EXPECT(bm_matf_set(f, 1.5, 1.0, S), BM_EDOM, "bm_matf_set", "nu");
  EXPECT(bm_matf_set(f, 5.0, 0.0, S), BM_EDOM, "bm_matf_set", "delta");
  EXPECT(bm_matf_set(f, DBL_MAX, DBL_MAX, S), BM_EDOM, "bm_matf_set", "nu");

  bm_wishart_free(w);
  bm_invwishart_free(iw);
  bm_matf_free(f);
  free_matrices(S, Sb, Sn, Sa, Sp);
}

static void matrix_families(void **state)
{
  (void)state;
  const size_t n = 2, p = 3;
  bm_matnorm *d = bm_matnorm_alloc(n, p);
  bm_matt *t = bm_matt_alloc(n, p);
  gsl_matrix *M = gsl_matrix_calloc(n, p), *Mb = gsl_matrix_calloc(p, n), *Mn = with_nan(n, p);
  gsl_matrix *U = tm_eye(n, 1.0), *V = tm_eye(p, 1.0), *Ua = asym(n), *Vp = not_pd(p, 3), *Un = with_nan(n, n);
  EXPECT(bm_matnorm_set(NULL, M, U, V), BM_EINVAL, "bm_matnorm_set", "d");
  EXPECT(bm_matnorm_set(d, NULL, U, V), BM_EINVAL, "bm_matnorm_set", "M");
  EXPECT(bm_matnorm_set(d, M, NULL, V), BM_EINVAL, "bm_matnorm_set", "U");
  EXPECT(bm_matnorm_set(d, Mb, U, V), BM_EBADLEN, "bm_matnorm_set", "M");
  EXPECT(bm_matnorm_set(d, M, V, V), BM_EBADLEN, "bm_matnorm_set", "U");
  EXPECT(bm_matnorm_set(d, Mn, U, V), BM_ENONFINITE, "bm_matnorm_set", "M");
  EXPECT(bm_matnorm_set(d, M, Un, V), BM_ENONFINITE, "bm_matnorm_set", "U");
  EXPECT(bm_matnorm_set(d, M, Ua, V), BM_ENOTSYM, "bm_matnorm_set", "U");
  EXPECT(bm_matnorm_set(d, M, U, Vp), BM_ENOTSPD, "bm_matnorm_set", "V");

  EXPECT(bm_matt_set(NULL, 3.0, M, U, V), BM_EINVAL, "bm_matt_set", "d");
  EXPECT(bm_matt_set(t, 3.0, M, U, NULL), BM_EINVAL, "bm_matt_set", "Omega");
  EXPECT(bm_matt_set(t, 3.0, M, U, U), BM_EBADLEN, "bm_matt_set", "Omega");
  EXPECT(bm_matt_set(t, INFINITY, M, U, V), BM_ENONFINITE, "bm_matt_set", "nu");
  EXPECT(bm_matt_set(t, 3.0, M, Un, V), BM_ENONFINITE, "bm_matt_set", "Sigma");
  EXPECT(bm_matt_set(t, 3.0, M, Ua, V), BM_ENOTSYM, "bm_matt_set", "Sigma");
  EXPECT(bm_matt_set(t, 3.0, M, U, Vp), BM_ENOTSPD, "bm_matt_set", "Omega");
  EXPECT(bm_matt_set(t, 0.0, M, U, V), BM_EDOM, "bm_matt_set", "nu");
  EXPECT(bm_matt_set(t, 5e-324, M, U, V), BM_EDOM, "bm_matt_set", "nu");
  EXPECT(bm_matt_logpdf(t, M, NULL), BM_EINVAL, "bm_matt_logpdf", "lp");
  double lp;
  EXPECT(bm_matt_logpdf(t, M, &lp), BM_EINVAL, "bm_matt_logpdf", "d");

  bm_matnorm_free(d);
  bm_matt_free(t);
  free_matrices(M, Mb, Mn, U, V, Ua, Vp, Un);
}

/* theta setters: length, then the family's own checks on the unpacked values */
static void theta_setters(void **state)
{
  (void)state;
  bm_wishart *w = bm_wishart_alloc(2);
  gsl_vector *th = gsl_vector_calloc(4), *bad = gsl_vector_calloc(3);
  EXPECT(bm_wishart_set_theta(w, bad), BM_EBADLEN, "bm_wishart_set_theta", "theta");
  gsl_vector_set(th, 0, 1.0), gsl_vector_set(th, 2, 1.0), gsl_vector_set(th, 3, 0.5);
  EXPECT(bm_wishart_set_theta(w, th), BM_EDOM, "bm_wishart_set_theta", "nu");
  bm_wishart_free(w);
  gsl_vector_free(th);
  gsl_vector_free(bad);
}

/* ------------------------------------------------------ conjugate models */

static void conjugate_models(void **state)
{
  (void)state;
  const size_t p = 2;
  gsl_vector *mu0 = gsl_vector_calloc(p);
  gsl_matrix *Psi = tm_eye(p, 1.0), *Pp = not_pd(p, 2), *X = gsl_matrix_calloc(4, p + 1), *Xn = with_nan(4, p);
  bm_niw *m = bm_niw_alloc(p);
  EXPECT(bm_niw_set_prior(NULL, mu0, 1.0, 3.0, Psi), BM_EINVAL, "bm_niw_set_prior", "m");
  EXPECT(bm_niw_set_prior(m, mu0, 0.0, 3.0, Psi), BM_EDOM, "bm_niw_set_prior", "kappa0");
  EXPECT(bm_niw_set_prior(m, mu0, 1.0, 0.5, Psi), BM_EDOM, "bm_niw_set_prior", "nu0");
  EXPECT(bm_niw_set_prior(m, mu0, 1.0, 3.0, Pp), BM_ENOTSPD, "bm_niw_set_prior", "Psi0");
  EXPECT(bm_niw_set_prior_nw(m, mu0, 1.0, 3.0, Pp), BM_ENOTSPD, "bm_niw_set_prior_nw", "W0");
  double lml;
  EXPECT(bm_niw_log_evidence(m, &lml), BM_EINVAL, "bm_niw_log_evidence", "m");
  assert_int_equal(bm_niw_set_prior(m, mu0, 1.0, 3.0, Psi), BM_SUCCESS);
  EXPECT(bm_niw_update(m, X), BM_EBADLEN, "bm_niw_update", "X");
  EXPECT(bm_niw_update(m, Xn), BM_ENONFINITE, "bm_niw_update", "X");
  EXPECT(bm_niw_log_evidence(m, NULL), BM_EINVAL, "bm_niw_log_evidence", "lml");

  bm_blr *b = bm_blr_alloc(p);
  gsl_matrix *V0 = tm_eye(p, 1.0);
  EXPECT(bm_blr_set_prior_nig(b, mu0, V0, 0.0, 1.0), BM_EDOM, "bm_blr_set_prior_nig", "a0");
  EXPECT(bm_blr_set_prior_nig(b, mu0, V0, 1.0, -1.0), BM_EDOM, "bm_blr_set_prior_nig", "b0");
  EXPECT(bm_blr_set_prior_nig(b, mu0, Pp, 1.0, 1.0), BM_ENOTSPD, "bm_blr_set_prior_nig", "V0");
  EXPECT(bm_blr_set_prior_known_noise(b, mu0, V0, 0.0), BM_EDOM, "bm_blr_set_prior_known_noise",
         "noise_precision");
  assert_int_equal(bm_blr_set_prior_improper(b), BM_SUCCESS);
  EXPECT(bm_blr_log_evidence(b, &lml), BM_EDOM, "bm_blr_log_evidence", "prior");
  gsl_vector *y = gsl_vector_calloc(3);
  EXPECT(bm_blr_update(b, X, y), BM_EBADLEN, "bm_blr_update", "X");

  bm_mniw *mn = bm_mniw_alloc(p, 2);
  gsl_matrix *B0 = gsl_matrix_calloc(p, 2);
  EXPECT(bm_mniw_set_prior(mn, B0, V0, 0.5, Psi), BM_EDOM, "bm_mniw_set_prior", "nu0");
  EXPECT(bm_mniw_set_prior(mn, B0, Pp, 5.0, Psi), BM_ENOTSPD, "bm_mniw_set_prior", "V0");
  EXPECT(bm_mniw_set_prior(mn, B0, V0, 5.0, Pp), BM_ENOTSPD, "bm_mniw_set_prior", "Psi0");
  EXPECT(bm_mniw_log_evidence(mn, &lml), BM_EINVAL, "bm_mniw_log_evidence", "m");

  /* posteriors, predictives, samplers: each names what is wrong */
  /* (outputs are scratch: a failure NaN-fills them) */
  double kn, nn;
  gsl_vector *mu3 = gsl_vector_alloc(p + 1), *ov = gsl_vector_alloc(p);
  gsl_matrix *om = gsl_matrix_alloc(p, p);
  EXPECT(bm_niw_posterior(m, mu3, &kn, &nn, om), BM_EBADLEN, "bm_niw_posterior", "mu_n");
  EXPECT(bm_niw_log_posterior(m, mu0, Pp, &lml), BM_EDOM, "bm_niw_log_posterior", "Sigma");
  EXPECT(bm_niw_sample_posterior(m, NULL, ov, om), BM_EINVAL, "bm_niw_sample_posterior", "r");
  EXPECT(bm_niw_predictive_params(m, &kn, mu3, om), BM_EBADLEN, "bm_niw_predictive_params", "loc");
  assert_int_equal(bm_blr_set_prior_nig(b, mu0, V0, 2.0, 2.0), BM_SUCCESS);
  EXPECT(bm_blr_posterior_gaussian(b, mu3, om), BM_EBADLEN, "bm_blr_posterior_gaussian", "m_N");
  EXPECT(bm_blr_log_posterior(b, mu0, -1.0, &lml), BM_EDOM, "bm_blr_log_posterior", "sigma2");
  EXPECT(bm_blr_predictive(b, mu3, &kn, &nn, &lml), BM_EBADLEN, "bm_blr_predictive", "x_new");
  assert_int_equal(bm_mniw_set_prior(mn, B0, V0, 5.0, Psi), BM_SUCCESS);
  gsl_matrix *Xm = gsl_matrix_calloc(3, p), *Ym = gsl_matrix_calloc(4, 2);
  EXPECT(bm_mniw_update(mn, Xm, Ym), BM_EBADLEN, "bm_mniw_update", "Y");
  gsl_matrix *oB = gsl_matrix_alloc(p, 2), *oV = gsl_matrix_alloc(p, p);
  EXPECT(bm_mniw_posterior(mn, oB, oV, &nn, Xm), BM_EBADLEN, "bm_mniw_posterior", "Psi_n");
  gsl_matrix_free(oB);
  gsl_matrix_free(oV);
  EXPECT(bm_mniw_log_posterior(mn, B0, Pp, &lml), BM_EDOM, "bm_mniw_log_posterior", "Sigma");
  gsl_matrix_free(Xm);
  gsl_matrix_free(Ym);
  gsl_vector_free(mu3);
  gsl_vector_free(ov);
  gsl_matrix_free(om);

  /* packed statistics from an untrusted buffer */
  bm_niw_stats *ns = bm_niw_stats_alloc(p);
  double junk[64] = {0};
  EXPECT(bm_niw_stats_unpack(ns, NULL, 10), BM_EINVAL, "bm_niw_stats_unpack", "buf");
  EXPECT(bm_niw_stats_unpack(ns, junk, 3), BM_EBADLEN, "bm_niw_stats_unpack", "len");
  EXPECT(bm_niw_stats_unpack(ns, junk, 64), BM_EINVAL, "bm_niw_stats_unpack", "buf");
  bm_niw_stats_free(ns);

  bm_niw_free(m);
  bm_blr_free(b);
  bm_mniw_free(mn);
  gsl_vector_free(mu0);
  gsl_vector_free(y);
  free_matrices(Psi, Pp, X, Xn, V0, B0);
}

/* ---------------------------------------------------- inference entry points */

/* log f = -t^4: the Laplace target of the argument checks below and of the iteration failures */
static int quart_f(const gsl_vector *x, void *params, double *f)
{
  (void)params;
  double t = gsl_vector_get(x, 0);
  *f = -t * t * t * t;
  return 0;
}

static int quart_g(const gsl_vector *x, void *params, gsl_vector *g)
{
  (void)params;
  double t = gsl_vector_get(x, 0);
  gsl_vector_set(g, 0, -4.0 * t * t * t);
  return 0;
}

static void inference_entry_points(void **state)
{
  (void)state;
  /* Laplace */
  bm_laplace_problem prob = {1, quart_f, quart_g, NULL, NULL};
  gsl_vector *t0 = gsl_vector_calloc(1), *t2 = gsl_vector_calloc(2);
  bm_laplace_result res = {.mode = gsl_vector_alloc(1), .cov = gsl_matrix_alloc(1, 1)};
  EXPECT(bm_laplace(NULL, t0, NULL, &res), BM_EINVAL, "bm_laplace", "prob");
  EXPECT(bm_laplace(&prob, t2, NULL, &res), BM_EBADLEN, "bm_laplace", "theta0");
  gsl_vector_set(t0, 0, NAN);
  EXPECT(bm_laplace(&prob, t0, NULL, &res), BM_ENONFINITE, "bm_laplace", "theta0");

  /* Jeffreys */
  gsl_matrix *F = not_pd(2, 2), *Z = gsl_matrix_calloc(2, 2), *Fb = gsl_matrix_calloc(2, 3);
  double lp;
  size_t idx[2] = {1, 1};
  EXPECT(bm_jeffreys_from_fisher(F, NULL, 0, &lp), BM_ENOTSPD, "bm_jeffreys_from_fisher", "Fi");
  EXPECT(bm_jeffreys_from_fisher(Z, NULL, 0, &lp), BM_ESING, "bm_jeffreys_from_fisher", "Fi");
  EXPECT(bm_jeffreys_from_fisher(Fb, NULL, 0, &lp), BM_EBADLEN, "bm_jeffreys_from_fisher", "Fi");
  EXPECT(bm_jeffreys_from_fisher(Z, idx, 2, &lp), BM_EINVAL, "bm_jeffreys_from_fisher", "idx");
  EXPECT(bm_log_abs_det(NULL, &lp), BM_EINVAL, "bm_log_abs_det", "A");
  bm_wishart *w = bm_wishart_alloc(2);
  EXPECT(bm_wishart_jeffreys(w, NULL, 0, &lp), BM_EINVAL, "bm_wishart_jeffreys", "d");

  /* model Fisher */
  gsl_matrix *I3 = tm_eye(3, 1.0), *J = gsl_matrix_calloc(2, 2), *out = gsl_matrix_calloc(2, 2);
  EXPECT(bm_fisher_reparam(I3, J, out), BM_EBADLEN, "bm_fisher_reparam", "J");
  EXPECT(bm_model_fisher(NULL, t0, out), BM_EINVAL, "bm_model_fisher", "model");
  gsl_matrix *dmu = gsl_matrix_calloc(2, 1), *out1 = gsl_matrix_alloc(1, 1);
  EXPECT(bm_gaussian_model_fisher(F, dmu, NULL, 1, out1), BM_ENOTSPD, "bm_gaussian_model_fisher", "Sigma");
  EXPECT(bm_gaussian_model_fisher(F, dmu, NULL, 1, out), BM_EBADLEN, "bm_gaussian_model_fisher", "Fi");
  gsl_matrix_free(out1);

  /* transforms */
  double u;
  EXPECT(bm_transform_log_forward(-1.0, &u), BM_EDOM, "bm_transform_log_forward", "x");
  EXPECT(bm_transform_logit_forward(1.0, &u), BM_EDOM, "bm_transform_logit_forward", "x");
  EXPECT(bm_transform_log_forward(NAN, &u), BM_ENONFINITE, "bm_transform_log_forward", "x");
  gsl_vector *th3 = gsl_vector_calloc(3);
  EXPECT(bm_transform_logchol_forward(F, th3), BM_ENOTSPD, "bm_transform_logchol_forward", "Sigma");

  /* model score / observed information, Jeffreys through a callback */
  gsl_vector *s2v = gsl_vector_alloc(2);
  EXPECT(bm_model_score(NULL, t0, s2v), BM_EINVAL, "bm_model_score", "model");
  EXPECT(bm_model_observed_information(NULL, t0, out), BM_EINVAL, "bm_model_observed_information", "model");
  EXPECT(bm_jeffreys_from_callback(NULL, NULL, t0, NULL, 0, &lp), BM_EINVAL, "bm_jeffreys_from_callback", "fisher");
  gsl_vector_free(s2v);

  /* the transform maps and the transformed Laplace problem */
  bm_transform_block blk[1] = {{BM_TRANSFORM_LOG, 2}};
  gsl_vector *x2 = gsl_vector_alloc(2), *u2 = gsl_vector_alloc(3);
  EXPECT(bm_transform_map_forward(blk, 1, x2, u2), BM_EBADLEN, "bm_transform_map_forward", "u");
  EXPECT(bm_transform_map_forward(blk, 1, NULL, u2), BM_EINVAL, "bm_transform_map_forward", "x");
  EXPECT(bm_transform_laplace_problem(NULL, &prob), BM_EINVAL, "bm_transform_laplace_problem", "t");
  EXPECT(bm_transform_logchol_inverse(th3, NULL, NULL), BM_EINVAL, "bm_transform_logchol_inverse", "Sigma");
  gsl_vector_free(x2);
  gsl_vector_free(u2);

  /* checkers */
  bm_proportional_result pr;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  EXPECT(bm_check_proportional(NULL, r, 10, 1e-8, &pr), BM_EINVAL, "bm_check_proportional", "model");
  bm_fisher_mc_result fr;
  EXPECT(bm_check_fisher_mc(NULL, F, r, 10, 4.0, NULL, NULL, &fr), BM_EINVAL, "bm_check_fisher_mc", "prob");
  bm_evidence_result er;
  double worst;
  EXPECT(bm_check_evidence_is(NULL, r, 10, 0.0, 4.0, &er), BM_EINVAL, "bm_check_evidence_is", "model");
  EXPECT(bm_check_evidence_identity(NULL, r, 10, 0.0, &worst), BM_EINVAL, "bm_check_evidence_identity", "model");
  bm_sbc_result sr;
  EXPECT(bm_check_sbc(NULL, r, 10, 10, 5, NULL, NULL, &sr), BM_EINVAL, "bm_check_sbc", "prob");

  gsl_rng_free(r);
  bm_wishart_free(w);
  free_vectors(t0, t2, th3, res.mode);
  gsl_matrix_free(res.cov);
  free_matrices(F, Z, Fb, I3, J, out, dmu);
}

/* the message also states the fact: a phrase it must contain */
#define EXPECT_SAYS(call, want, fn, arg, phrase)                                                                     \
  do {                                                                                                               \
    EXPECT(call, want, fn, arg);                                                                                     \
    if (!strstr(bm_last_error(), phrase))                                                                            \
      fail_msg("line %d: message \"%s\" does not say \"%s\"", __LINE__, bm_last_error(), phrase);                    \
  } while (0)

/* ------------------------------------------------- sufficient statistics */

static void stats_paths(void **state)
{
  (void)state;
  size_t p = 2;
  gsl_matrix *X = gsl_matrix_alloc(3, p), *X3 = gsl_matrix_alloc(3, 3);
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, (double)(i * i) + 0.5 * (double)j);
  bm_mvn_stats *a = bm_mvn_stats_alloc(p), *b = bm_mvn_stats_alloc(3);
  assert_int_equal(bm_mvn_stats_compute(a, X), BM_SUCCESS);
  EXPECT_SAYS(bm_mvn_stats_compute(a, X3), BM_EBADLEN, "bm_mvn_stats_compute", "X", "3 x 3");
  EXPECT_SAYS(bm_mvn_stats_merge(a, b), BM_EBADLEN, "bm_mvn_stats_merge", "b", "dimension");
  EXPECT(bm_mvn_stats_merge(a, NULL), BM_EINVAL, "bm_mvn_stats_merge", "b");
  EXPECT(bm_mvn_stats_reset(NULL), BM_EINVAL, "bm_mvn_stats_reset", "s");
  EXPECT(bm_mvn_stats_pack(a, NULL), BM_EINVAL, "bm_mvn_stats_pack", "buf");
  size_t len = bm_mvn_stats_packed_len(a);
  double buf[64], bad[64];
  assert_true(len <= 64);
  assert_int_equal(bm_mvn_stats_pack(a, buf), BM_SUCCESS);
  /* payload after the 6-double header: count, mean (p), lower triangle of the scatter */
  memcpy(bad, buf, len * sizeof(double));
  bad[6] = 2.5;
  EXPECT_SAYS(bm_mvn_stats_unpack(a, bad, len), BM_EINVAL, "bm_mvn_stats_unpack", "buf", "count 2.5");
  memcpy(bad, buf, len * sizeof(double));
  bad[6 + 1 + p + 1] = 1e3 * (fabs(bad[6 + 1 + p]) + 1.0); /* |S_21| far beyond sqrt(S_11 S_22) */
  EXPECT_SAYS(bm_mvn_stats_unpack(a, bad, len), BM_ENOTSPD, "bm_mvn_stats_unpack", "buf", "positive semidefinite");
  memcpy(bad, buf, len * sizeof(double));
  bad[7] = NAN;
  EXPECT_SAYS(bm_mvn_stats_unpack(a, bad, len), BM_ENONFINITE, "bm_mvn_stats_unpack", "buf", "not finite");
  bm_mvn_stats_free(a);
  bm_mvn_stats_free(b);

  /* matnorm: a transposed summary */
  bm_matnorm_stats *m23 = bm_matnorm_stats_alloc(2, 3), *m32 = bm_matnorm_stats_alloc(3, 2);
  double mbuf[256];
  assert_true(bm_matnorm_stats_packed_len(m32) <= 256);
  assert_int_equal(bm_matnorm_stats_pack(m32, mbuf), BM_SUCCESS);
  EXPECT_SAYS(bm_matnorm_stats_unpack(m23, mbuf, bm_matnorm_stats_packed_len(m32)), BM_EBADLEN,
              "bm_matnorm_stats_unpack", "buf", "3 x 2");
  const gsl_matrix *Xs[1] = {X3};
  EXPECT(bm_matnorm_stats_add(m23, Xs, 1), BM_EBADLEN, "bm_matnorm_stats_add", NULL);
  bm_matnorm_stats_free(m23);
  bm_matnorm_stats_free(m32);

  /* wishart / inverse Wishart: the shared SPD summary */
  gsl_matrix *I = tm_eye(p, 1.0), *N = not_pd(p, 2);
  const gsl_matrix *W[2] = {I, N};
  bm_wishart_stats *ws = bm_wishart_stats_alloc(p), *ws3 = bm_wishart_stats_alloc(3);
  EXPECT_SAYS(bm_wishart_stats_compute(ws, W, 2), BM_EDOM, "bm_wishart_stats_compute", "X", "X[1]");
  EXPECT(bm_wishart_stats_merge(ws, ws3), BM_EBADLEN, "bm_wishart_stats_merge", "b");
  assert_int_equal(bm_wishart_stats_compute(ws, W, 1), BM_SUCCESS);
  double wbuf[64];
  size_t wlen = bm_wishart_stats_packed_len(ws);
  assert_int_equal(bm_wishart_stats_pack(ws, wbuf), BM_SUCCESS);
  wbuf[7] = 1e300; /* sum of log-determinants of one 2 x 2 SPD matrix */
  EXPECT_SAYS(bm_wishart_stats_unpack(ws, wbuf, wlen), BM_EINVAL, "bm_wishart_stats_unpack", "buf",
              "log-determinants");
  assert_int_equal(bm_wishart_stats_pack(ws, wbuf), BM_SUCCESS);
  wbuf[8] = -1.0; /* diagonal entry 0 of the sum */
  EXPECT_SAYS(bm_wishart_stats_unpack(ws, wbuf, wlen), BM_ENOTSPD, "bm_wishart_stats_unpack", "buf", "diagonal");
  bm_wishart *wd = bm_wishart_alloc(3), *wu = bm_wishart_alloc(p);
  gsl_matrix *I3 = tm_eye(3, 1.0);
  assert_int_equal(bm_wishart_set(wd, 5.0, I3), BM_SUCCESS);
  double ll;
  EXPECT(bm_wishart_stats_loglik_grad(wd, ws, &ll, NULL, NULL), BM_EBADLEN, "bm_wishart_stats_loglik_grad", "d");
  assert_true(isnan(ll));
  EXPECT_SAYS(bm_wishart_stats_loglik_grad(wu, ws, &ll, NULL, NULL), BM_EINVAL, "bm_wishart_stats_loglik_grad", "d",
              "not been set");
  bm_invwishart_stats *is = bm_invwishart_stats_alloc(p);
  EXPECT(bm_invwishart_stats_compute(is, W, 2), BM_EDOM, "bm_invwishart_stats_compute", "X");
  EXPECT(bm_invwishart_stats_get(is, NULL, I3, NULL), BM_EBADLEN, "bm_invwishart_stats_get", "A");
  bm_invwishart_stats_free(is);
  bm_wishart_free(wd);
  bm_wishart_free(wu);
  bm_wishart_stats_free(ws);
  bm_wishart_stats_free(ws3);
  free_matrices(I, N, I3, X, X3);
}

/* ---------------------------------------------------- Laplace's iteration */

static int fail_f(const gsl_vector *x, void *params, double *f)
{
  (void)params;
  *f = gsl_vector_get(x, 0) > 2.0 ? NAN : 0.0;
  return gsl_vector_get(x, 0) > 2.0 ? 0 : 99;
}

static int fail_h(const gsl_vector *x, void *params, gsl_matrix *H)
{
  (void)x;
  (void)params;
  gsl_matrix_set_all(H, 0.0);
  return 5;
}

static void laplace_failures(void **state)
{
  (void)state;
  gsl_vector *t0 = gsl_vector_alloc(1);
  gsl_vector_set(t0, 0, 3.0);
  bm_laplace_result res = {.mode = gsl_vector_alloc(1), .cov = gsl_matrix_alloc(1, 1)};
  bm_laplace_options o;
  bm_laplace_options_default(&o);
  o.max_iter = 1;
  bm_laplace_problem quart = {1, quart_f, quart_g, NULL, NULL};
  /* one Newton step on -t^4 from 3 lands on 2: gradient 32, far from converged */
  EXPECT_SAYS(bm_laplace(&quart, t0, &o, &res), BM_ENOCONV, "bm_laplace", "max_iter", "gradient norm 32");
  bm_laplace_problem bad_f = {1, fail_f, quart_g, NULL, NULL};
  EXPECT_SAYS(bm_laplace(&bad_f, t0, NULL, &res), BM_EDOM, "bm_laplace", "prob->logf", "non-finite value at theta = (3)");
  gsl_vector_set(t0, 0, 1.0);
  EXPECT_SAYS(bm_laplace(&bad_f, t0, NULL, &res), BM_EDOM, "bm_laplace", "prob->logf", "returned 99 at theta = (1)");
  gsl_vector_set(t0, 0, 3.0);
  bm_laplace_problem bad_h = {1, quart_f, quart_g, fail_h, NULL};
  EXPECT_SAYS(bm_laplace(&bad_h, t0, NULL, &res), BM_EDOM, "bm_laplace", "prob->hess", "returned 5");
  gsl_vector_free(t0);
  gsl_vector_free(res.mode);
  gsl_matrix_free(res.cov);
}

/* bm_set_error: verbatim, truncated to the buffer, NULL empties */
static void set_error_verbatim(void **state)
{
  (void)state;
  assert_int_equal(bm_set_error(BM_EDOM, "rank 2: bm_mpi_x: 100% done"), BM_EDOM);
  assert_string_equal(bm_last_error(), "rank 2: bm_mpi_x: 100% done"); /* no printf formatting */
  char big[600];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  bm_set_error(BM_EINVAL, big);
  assert_int_equal(strlen(bm_last_error()), 255);
  assert_int_equal(bm_set_error(BM_SUCCESS, NULL), BM_SUCCESS);
  assert_string_equal(bm_last_error(), "");
}

int main(int argc, char **argv)
{
  tm_verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
  tm_fn_anywhere = 1; /* nested calls pass messages on as "outer: inner: ..." */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(message_contract), cmocka_unit_test(per_thread),
      cmocka_unit_test(core_checks),      cmocka_unit_test(vector_families),
      cmocka_unit_test(scale_families),   cmocka_unit_test(matrix_families),
      cmocka_unit_test(theta_setters),    cmocka_unit_test(conjugate_models),
      cmocka_unit_test(inference_entry_points), cmocka_unit_test(stats_paths),
      cmocka_unit_test(laplace_failures), cmocka_unit_test(set_error_verbatim),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
