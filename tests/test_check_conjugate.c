/* Tests of the one-call conjugate checks (include/bayesmat/check_conjugate.h).
 * Each model's own posterior must pass every row (proportionality, the
 * importance-sampled evidence against the closed form as a z-score, the
 * evidence identity, SBC as a Bonferroni p-value); a claimed posterior with
 * one parameter wrong (a 5 % wrong NIW scale Psi_n, a wrong BLR b_n or S_N, a
 * wrong MNIW V_n) must fail, with the failing rows and the wrong parameter
 * named; a wrong claimed evidence must fail the evidence rows only. The
 * wrong claims are built from the library's posterior parameters, and their
 * failures are detected by checks that never read those parameters
 * (prior x likelihood, importance sampling), so the test does not grade the
 * library against itself. All seeded.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "conjugate_testutil.h"
#include "cleanup_util.h"
#include <string.h>
#include <gsl/gsl_randist.h>
#include "bayesmat/check_conjugate.h"

static const bm_check_conjugate_row *row(const bm_check_conjugate_report *rep, const char *name)
{
  const bm_check_conjugate_row *w = bm_check_conjugate_find(rep, name);
  if (w == NULL) fail_msg("no row %s", name);
  return w;
}

static void print_report(const bm_check_conjugate_report *rep)
{
  bm_check_conjugate_print(stdout, rep, 0);
}

static void assert_all_pass(const bm_check_conjugate_report *rep, int sbc_expected)
{
  print_report(rep);
  assert_int_equal(rep->nfailed, 0);
  assert_true(rep->passed);
  assert_int_equal(row(rep, "proportional")->pass, 1);
  assert_int_equal(row(rep, "sbc")->pass, sbc_expected ? 1 : -1);
}

/* ---- NIW ---- */

typedef struct {
  bm_niw *prior, *post;
  gsl_matrix *X;
} niw_setup;

static void niw_make(niw_setup *s, gsl_rng *r, size_t n)
{
  const size_t p = 2;
  s->prior = bm_niw_alloc(p);
  s->post = bm_niw_alloc(p);
  s->X = gsl_matrix_alloc(n, p);
  gsl_vector *mu0 = gsl_vector_calloc(p);
  gsl_matrix *Psi0 = gsl_matrix_alloc(p, p);
  gsl_matrix_set_identity(Psi0);
  gsl_matrix_set(Psi0, 0, 1, 0.3);
  gsl_matrix_set(Psi0, 1, 0, 0.3);
  assert_int_equal(bm_niw_set_prior(s->prior, mu0, 0.5, 5.0, Psi0), BM_SUCCESS);
  assert_int_equal(bm_niw_set_prior(s->post, mu0, 0.5, 5.0, Psi0), BM_SUCCESS);
  for (size_t i = 0; i < n; i++) {
    gsl_matrix_set(s->X, i, 0, 1.0 + gsl_ran_gaussian(r, 1.0));
    gsl_matrix_set(s->X, i, 1, -1.0 + 0.5 * gsl_matrix_get(s->X, i, 0) + gsl_ran_gaussian(r, 1.3));
  }
  assert_int_equal(bm_niw_update(s->post, s->X), BM_SUCCESS);
  gsl_vector_free(mu0);
  gsl_matrix_free(Psi0);
}

static void niw_free_setup(niw_setup *s)
{
  bm_niw_free(s->prior);
  bm_niw_free(s->post);
  gsl_matrix_free(s->X);
}

/* The fixture of the NIW tests: a generator seeded with `seed` and an NIW
 * setup of n observations drawn from it (cmocka's prestate gives seed, n). */
typedef struct {
  unsigned long seed;
  size_t n;
  gsl_rng *r;
  niw_setup s;
} niw_fixture;

static int niw_fixture_up(void **state)
{
  niw_fixture *f = *state;
  f->r = tu_rng(f->seed);
  niw_make(&f->s, f->r, f->n);
  return 0;
}

static int niw_fixture_down(void **state)
{
  niw_fixture *f = *state;
  niw_free_setup(&f->s);
  gsl_rng_free(f->r);
  return 0;
}

/* A claimed model: the posterior parameters, Psi_n times psi_scale, set as a prior. */
static bm_niw *niw_claim(const bm_niw *post, double psi_scale)
{
  gsl_vector *mu = gsl_vector_alloc(2);
  gsl_matrix *Psi = gsl_matrix_alloc(2, 2);
  double k, nu;
  assert_int_equal(bm_niw_posterior(post, mu, &k, &nu, Psi), BM_SUCCESS);
  gsl_matrix_scale(Psi, psi_scale);
  bm_niw *c = bm_niw_alloc(2);
  assert_int_equal(bm_niw_set_prior(c, mu, k, nu, Psi), BM_SUCCESS);
  gsl_vector_free(mu);
  gsl_matrix_free(Psi);
  return c;
}

static void niw_own_posterior_passes(void **state)
{
  niw_fixture *fx = *state;
  gsl_rng *r = fx->r;
  niw_setup s = fx->s;
  bm_check_conjugate_report rep;
  assert_int_equal(bm_check_niw(s.prior, s.X, NULL, r, NULL, &rep), BM_SUCCESS);
  assert_all_pass(&rep, 1);
  assert_int_equal(rep.dim, 5);
  double lml;
  bm_niw_log_evidence(s.post, &lml);
  assert_true(rep.log_evidence == lml);
  /* the pooled SBC histogram holds every rank: 400 replications x 5 statistics */
  double tot = 0, exp_tot = 0;
  for (size_t b = 0; b < rep.sbc_bins; b++) tot += rep.sbc_counts[b], exp_tot += rep.sbc_expected[b];
  assert_true(rep.sbc_bins == 10 && tot == 2000 && fabs(exp_tot - 2000) < 1e-9);
  /* the Normal-Wishart view is the same model: same prior through W0 = Psi0^-1 */
  bm_niw *nw = bm_niw_alloc(2);
  gsl_vector *mu0 = gsl_vector_calloc(2);
  gsl_matrix *W0 = gsl_matrix_alloc(2, 2);
  gsl_matrix_set_identity(W0);
  gsl_matrix_scale(W0, 0.5);
  assert_int_equal(bm_niw_set_prior_nw(nw, mu0, 2.0, 3.5, W0), BM_SUCCESS);
  bm_check_conjugate_options o = {.skip_sbc = 1};
  assert_int_equal(bm_check_niw(nw, s.X, NULL, r, &o, &rep), BM_SUCCESS);
  assert_all_pass(&rep, 0);
  bm_niw_free(nw);
  gsl_vector_free(mu0);
  gsl_matrix_free(W0);
}

static void niw_claimed_right_passes_wrong_scale_caught(void **state)
{
  niw_fixture *fx = *state;
  gsl_rng *r = fx->r;
  niw_setup s = fx->s;
  bm_check_conjugate_report rep;
  bm_niw *right = niw_claim(s.post, 1.0), *wrong = niw_claim(s.post, 1.05);
  assert_int_equal(bm_check_niw(s.prior, s.X, right, r, NULL, &rep), BM_SUCCESS);
  print_report(&rep);
  assert_true(rep.passed && rep.claimed);
  assert_int_equal(row(&rep, "parameters")->pass, 1);
  assert_int_equal(row(&rep, "sbc")->pass, -1); /* a claim is for this data only */

  assert_int_equal(bm_check_niw(s.prior, s.X, wrong, r, NULL, &rep), BM_SUCCESS);
  print_report(&rep);
  assert_false(rep.passed);
  /* the shape is wrong: proportionality and the identity fail, far beyond rounding */
  assert_int_equal(row(&rep, "proportional")->pass, 0);
  assert_true(row(&rep, "proportional")->value > 1e-4);
  assert_int_equal(row(&rep, "evidence_identity")->pass, 0);
  /* the evidence is the model's closed form, which is right */
  assert_int_equal(row(&rep, "evidence_is")->pass, 1);
  /* and the parameter at fault is named: every entry of Psi_n is 5 % off */
  assert_int_equal(row(&rep, "parameters")->pass, 0);
  assert_non_null(strstr(row(&rep, "parameters")->note, "Psi_n["));
  assert_true(fabs(row(&rep, "parameters")->value - 0.05) < 1e-9);
  assert_int_equal(rep.nfailed, 3);
  bm_niw_free(right);
  bm_niw_free(wrong);
}

static void niw_wrong_evidence_caught(void **state)
{
  niw_fixture *fx = *state;
  gsl_rng *r = fx->r;
  niw_setup s = fx->s;
  double lml;
  bm_niw_log_evidence(s.post, &lml);
  bm_check_conjugate_report rep;
  bm_check_conjugate_options o = {.skip_sbc = 1, .has_claimed_log_evidence = 1, .claimed_log_evidence = lml + 0.3};
  assert_int_equal(bm_check_niw(s.prior, s.X, NULL, r, &o, &rep), BM_SUCCESS);
  print_report(&rep);
  assert_int_equal(row(&rep, "proportional")->pass, 1);
  assert_int_equal(row(&rep, "evidence_is")->pass, 0);
  assert_true(row(&rep, "evidence_is")->value > 10);
  assert_int_equal(row(&rep, "evidence_identity")->pass, 0);
  assert_int_equal(rep.nfailed, 2);
  /* the right value passes */
  o.claimed_log_evidence = lml;
  assert_int_equal(bm_check_niw(s.prior, s.X, NULL, r, &o, &rep), BM_SUCCESS);
  assert_true(rep.passed);
}

/* ---- BLR ---- */

static void blr_data(gsl_rng *r, size_t n, gsl_matrix **X, gsl_vector **y)
{
  *X = gsl_matrix_alloc(n, 2);
  *y = gsl_vector_alloc(n);
  for (size_t i = 0; i < n; i++) {
    double t = gsl_ran_gaussian(r, 1.0);
    gsl_matrix_set(*X, i, 0, 1.0);
    gsl_matrix_set(*X, i, 1, t);
    gsl_vector_set(*y, i, 0.5 - 1.2 * t + gsl_ran_gaussian(r, 0.7));
  }
}

/* The fixture of the BLR tests: a generator seeded with `seed`, n = 14 rows
 * of blr_data drawn from it. */
typedef struct {
  unsigned long seed;
  gsl_rng *r;
  gsl_matrix *X;
  gsl_vector *y;
} blr_fixture;

static int blr_fixture_up(void **state)
{
  blr_fixture *f = *state;
  f->r = tu_rng(f->seed);
  blr_data(f->r, 14, &f->X, &f->y);
  return 0;
}

static int blr_fixture_down(void **state)
{
  blr_fixture *f = *state;
  gsl_matrix_free(f->X);
  gsl_vector_free(f->y);
  gsl_rng_free(f->r);
  return 0;
}

static void blr_own_posteriors_pass(void **state)
{
  blr_fixture *f = *state;
  gsl_rng *r = f->r;
  gsl_matrix *X = f->X;
  gsl_vector *y = f->y;
  gsl_vector *m0 = gsl_vector_calloc(2);
  gsl_matrix *V0 = gsl_matrix_alloc(2, 2);
  gsl_matrix_set_identity(V0);
  gsl_matrix_scale(V0, 2.0);
  bm_blr *m = bm_blr_alloc(2);
  bm_check_conjugate_report rep;

  assert_int_equal(bm_blr_set_prior_nig(m, m0, V0, 2.0, 1.5), BM_SUCCESS);
  assert_int_equal(bm_check_blr(m, X, y, NULL, r, NULL, &rep), BM_SUCCESS);
  assert_all_pass(&rep, 1);
  assert_int_equal(rep.dim, 3);
  assert_string_equal(rep.model, "blr (NIG prior)");

  assert_int_equal(bm_blr_set_prior_known_noise(m, m0, V0, 2.0), BM_SUCCESS);
  assert_int_equal(bm_check_blr(m, X, y, NULL, r, NULL, &rep), BM_SUCCESS);
  assert_all_pass(&rep, 1);
  assert_int_equal(rep.dim, 2);

  assert_int_equal(bm_blr_set_prior_improper(m), BM_SUCCESS);
  assert_int_equal(bm_check_blr(m, X, y, NULL, r, NULL, &rep), BM_SUCCESS);
  assert_all_pass(&rep, 1);
  assert_int_equal(row(&rep, "evidence_is")->pass, -1); /* no evidence under a flat prior */
  assert_true(isnan(rep.log_evidence));

  bm_blr_free(m);
  gsl_vector_free(m0);
  gsl_matrix_free(V0);
}

static void blr_wrong_claims_caught(void **state)
{
  blr_fixture *f = *state;
  gsl_rng *r = f->r;
  gsl_matrix *X = f->X;
  gsl_vector *y = f->y;
  gsl_vector *m0 = gsl_vector_calloc(2), *mn = gsl_vector_alloc(2);
  gsl_matrix *V0 = gsl_matrix_alloc(2, 2), *Vn = gsl_matrix_alloc(2, 2);
  gsl_matrix_set_identity(V0);
  bm_blr *m = bm_blr_alloc(2), *post = bm_blr_alloc(2), *claim = bm_blr_alloc(2);
  bm_check_conjugate_report rep;
  bm_check_conjugate_options o = {.skip_sbc = 1};
  double an, bn;

  /* NIG: b_n with the prior's b0 left out (a classic slip) */
  assert_int_equal(bm_blr_set_prior_nig(m, m0, V0, 2.0, 1.5), BM_SUCCESS);
  assert_int_equal(bm_blr_set_prior_nig(post, m0, V0, 2.0, 1.5), BM_SUCCESS);
  assert_int_equal(bm_blr_update(post, X, y), BM_SUCCESS);
  assert_int_equal(bm_blr_posterior_nig(post, mn, Vn, &an, &bn), BM_SUCCESS);
  assert_int_equal(bm_blr_set_prior_nig(claim, mn, Vn, an, bn - 1.5), BM_SUCCESS);
  assert_int_equal(bm_check_blr(m, X, y, claim, r, &o, &rep), BM_SUCCESS);
  print_report(&rep);
  assert_int_equal(row(&rep, "proportional")->pass, 0);
  assert_int_equal(row(&rep, "evidence_identity")->pass, 0);
  assert_int_equal(row(&rep, "evidence_is")->pass, 1);
  assert_non_null(strstr(row(&rep, "parameters")->note, "b_n"));
  /* the right claim passes */
  assert_int_equal(bm_blr_set_prior_nig(claim, mn, Vn, an, bn), BM_SUCCESS);
  assert_int_equal(bm_check_blr(m, X, y, claim, r, &o, &rep), BM_SUCCESS);
  assert_true(rep.passed);

  /* known noise: S_N 10 % too wide */
  assert_int_equal(bm_blr_set_prior_known_noise(m, m0, V0, 2.0), BM_SUCCESS);
  assert_int_equal(bm_blr_set_prior_known_noise(post, m0, V0, 2.0), BM_SUCCESS);
  assert_int_equal(bm_blr_update(post, X, y), BM_SUCCESS);
  assert_int_equal(bm_blr_posterior_gaussian(post, mn, Vn), BM_SUCCESS);
  gsl_matrix_scale(Vn, 1.1);
  assert_int_equal(bm_blr_set_prior_known_noise(claim, mn, Vn, 2.0), BM_SUCCESS);
  assert_int_equal(bm_check_blr(m, X, y, claim, r, &o, &rep), BM_SUCCESS);
  print_report(&rep);
  assert_int_equal(row(&rep, "proportional")->pass, 0);
  assert_non_null(strstr(row(&rep, "parameters")->note, "S_N["));

  /* improper: the posterior with n in place of n - k in a_n */
  assert_int_equal(bm_blr_set_prior_improper(m), BM_SUCCESS);
  assert_int_equal(bm_blr_set_prior_improper(post), BM_SUCCESS);
  assert_int_equal(bm_blr_update(post, X, y), BM_SUCCESS);
  assert_int_equal(bm_blr_posterior_nig(post, mn, Vn, &an, &bn), BM_SUCCESS);
  assert_int_equal(bm_blr_set_prior_nig(claim, mn, Vn, an + 1.0, bn), BM_SUCCESS);
  assert_int_equal(bm_check_blr(m, X, y, claim, r, &o, &rep), BM_SUCCESS);
  print_report(&rep);
  assert_int_equal(row(&rep, "proportional")->pass, 0);
  assert_non_null(strstr(row(&rep, "parameters")->note, "a_n"));
  /* a claimed model of the other kind is refused */
  assert_int_equal(bm_check_blr(m, X, y, post, r, &o, &rep), BM_SUCCESS); /* right claim */
  assert_true(rep.passed);
  assert_int_equal(bm_blr_set_prior_known_noise(claim, mn, Vn, 2.0), BM_SUCCESS);
  assert_int_equal(bm_check_blr(m, X, y, claim, r, &o, &rep), BM_EINVAL);

  bm_blr_free(m);
  bm_blr_free(post);
  bm_blr_free(claim);
  free_vectors(m0, mn);
  free_matrices(V0, Vn);
}

/* ---- MNIW ---- */

static void mniw_checks(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(31);
  const size_t n = 16, k = 2, d = 2;
  gsl_matrix *X = gsl_matrix_alloc(n, k), *Y = gsl_matrix_alloc(n, d);
  for (size_t i = 0; i < n; i++) {
    double t = gsl_ran_gaussian(r, 1.0), e = gsl_ran_gaussian(r, 0.5);
    gsl_matrix_set(X, i, 0, 1.0);
    gsl_matrix_set(X, i, 1, t);
    gsl_matrix_set(Y, i, 0, 1.0 + t + e);
    gsl_matrix_set(Y, i, 1, -0.5 * t + 0.5 * e + gsl_ran_gaussian(r, 0.4));
  }
  gsl_matrix *B0 = gsl_matrix_calloc(k, d), *V0 = gsl_matrix_alloc(k, k), *Psi0 = gsl_matrix_alloc(d, d);
  gsl_matrix_set_identity(V0);
  gsl_matrix_scale(V0, 3.0);
  gsl_matrix_set_identity(Psi0);
  bm_mniw *m = bm_mniw_alloc(k, d), *post = bm_mniw_alloc(k, d), *claim = bm_mniw_alloc(k, d);
  assert_int_equal(bm_mniw_set_prior(m, B0, V0, 4.0, Psi0), BM_SUCCESS);
  assert_int_equal(bm_mniw_set_prior(post, B0, V0, 4.0, Psi0), BM_SUCCESS);
  assert_int_equal(bm_mniw_update(post, X, Y), BM_SUCCESS);
  bm_check_conjugate_report rep;
  assert_int_equal(bm_check_mniw(m, X, Y, NULL, r, NULL, &rep), BM_SUCCESS);
  assert_all_pass(&rep, 1);
  assert_int_equal(rep.dim, 7);

  /* a claim with V_n 10 % too large */
  gsl_matrix *Bn = gsl_matrix_alloc(k, d), *Vn = gsl_matrix_alloc(k, k), *Psin = gsl_matrix_alloc(d, d);
  double nun;
  assert_int_equal(bm_mniw_posterior(post, Bn, Vn, &nun, Psin), BM_SUCCESS);
  gsl_matrix_scale(Vn, 1.1);
  assert_int_equal(bm_mniw_set_prior(claim, Bn, Vn, nun, Psin), BM_SUCCESS);
  bm_check_conjugate_options o = {.skip_sbc = 1};
  assert_int_equal(bm_check_mniw(m, X, Y, claim, r, &o, &rep), BM_SUCCESS);
  print_report(&rep);
  assert_int_equal(row(&rep, "proportional")->pass, 0);
  assert_int_equal(row(&rep, "evidence_identity")->pass, 0);
  assert_non_null(strstr(row(&rep, "parameters")->note, "V_n["));
  assert_int_equal(row(&rep, "sbc")->pass, -1);

  /* bad input */
  gsl_matrix *Y3 = gsl_matrix_alloc(n - 1, d);
  assert_int_equal(bm_check_mniw(m, X, Y3, NULL, r, &o, &rep), BM_EBADLEN);
  assert_int_equal(bm_check_mniw(NULL, X, Y, NULL, r, &o, &rep), BM_EINVAL);
  bm_mniw *other = bm_mniw_alloc(k, d); /* no prior */
  assert_int_equal(bm_check_mniw(other, X, Y, NULL, r, &o, &rep), BM_EINVAL);
  bm_mniw_free(other);
  gsl_matrix_free(Y3);

  bm_mniw_free(m);
  bm_mniw_free(post);
  bm_mniw_free(claim);
  free_matrices(X, Y, B0, V0, Psi0, Bn, Vn, Psin);
  gsl_rng_free(r);
}

typedef struct {
  char stages[128];
  size_t last_total;
} progress_log;

static void log_progress(const char *stage, size_t done, size_t total, void *ctx)
{
  progress_log *l = ctx;
  (void)done;
  strncat(l->stages, stage, sizeof l->stages - strlen(l->stages) - 2);
  strcat(l->stages, " ");
  l->last_total = total;
}

static void bad_inputs_and_printing(void **state)
{
  niw_fixture *fx = *state;
  gsl_rng *r = fx->r;
  niw_setup s = fx->s;
  bm_check_conjugate_report rep;
  bm_check_conjugate_options o = {.sbc_bins = 100};
  assert_int_equal(bm_check_niw(s.prior, s.X, NULL, r, &o, &rep), BM_EINVAL);
  assert_int_equal(bm_check_niw(s.prior, s.X, NULL, NULL, NULL, &rep), BM_EINVAL);
  assert_int_equal(bm_check_niw(s.prior, s.X, NULL, r, NULL, NULL), BM_EINVAL);
  gsl_matrix *X3 = gsl_matrix_calloc(4, 3);
  assert_int_equal(bm_check_niw(s.prior, X3, NULL, r, NULL, &rep), BM_EBADLEN);
  gsl_matrix_free(X3);
  bm_niw *c3 = bm_niw_alloc(3);
  gsl_vector *m3 = gsl_vector_calloc(3);
  gsl_matrix *I3 = gsl_matrix_alloc(3, 3);
  gsl_matrix_set_identity(I3);
  bm_niw_set_prior(c3, m3, 1.0, 5.0, I3);
  o = (bm_check_conjugate_options){.skip_sbc = 1};
  assert_int_equal(bm_check_niw(s.prior, s.X, c3, r, &o, &rep), BM_EBADLEN);
  bm_niw_free(c3);
  gsl_vector_free(m3);
  gsl_matrix_free(I3);

  /* JSON: every row, with null for a row not run; progress once per check that runs */
  progress_log lg = {"", 0};
  o.progress = log_progress;
  o.progress_ctx = &lg;
  assert_int_equal(bm_check_niw(s.prior, s.X, NULL, r, &o, &rep), BM_SUCCESS);
  assert_string_equal(lg.stages, "proportional evidence_is evidence_identity done ");
  assert_int_equal(lg.last_total, 3);
  FILE *f = tmpfile();
  assert_non_null(f);
  assert_int_equal(bm_check_conjugate_print(f, &rep, 1), BM_SUCCESS);
  long len = ftell(f);
  char *buf = calloc((size_t)len + 1, 1);
  rewind(f);
  assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  assert_non_null(strstr(buf, "\"name\": \"evidence_is\""));
  assert_non_null(strstr(buf, "\"pass\": null"));
  assert_non_null(strstr(buf, "\"passed\": true"));
  free(buf);
  assert_int_equal(bm_check_conjugate_print(NULL, &rep, 0), BM_EINVAL);
  assert_null(bm_check_conjugate_find(&rep, "parameters")); /* only with a claim */
  assert_null(bm_check_conjugate_find(NULL, "sbc"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_prestate_setup_teardown(niw_own_posterior_passes, niw_fixture_up, niw_fixture_down,
                                               (&(niw_fixture){.seed = 11, .n = 15})),
      cmocka_unit_test_prestate_setup_teardown(niw_claimed_right_passes_wrong_scale_caught, niw_fixture_up,
                                               niw_fixture_down, (&(niw_fixture){.seed = 12, .n = 15})),
      cmocka_unit_test_prestate_setup_teardown(niw_wrong_evidence_caught, niw_fixture_up, niw_fixture_down,
                                               (&(niw_fixture){.seed = 13, .n = 12})),
      cmocka_unit_test_prestate_setup_teardown(blr_own_posteriors_pass, blr_fixture_up, blr_fixture_down,
                                               (&(blr_fixture){.seed = 21})),
      cmocka_unit_test_prestate_setup_teardown(blr_wrong_claims_caught, blr_fixture_up, blr_fixture_down,
                                               (&(blr_fixture){.seed = 22})),
      cmocka_unit_test(mniw_checks),
      cmocka_unit_test_prestate_setup_teardown(bad_inputs_and_printing, niw_fixture_up, niw_fixture_down,
                                               (&(niw_fixture){.seed = 41, .n = 8})),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
