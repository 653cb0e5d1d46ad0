/* The CLI's family table: parameter-file readers and adapters from the
 * uniform (matrix-shaped variate) interface to each family's API.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include "bayesmat.h"
#include "families.h"

/* Read a scalar, or report; keeps the adapters short. */
#define NEED(call)                       \
  do {                                   \
    if (call) {                          \
      *status = -1;                      \
      goto fail;                         \
    }                                    \
  } while (0)




/* Report a failed _set (or alloc) of family `name`; returns NULL. */
static void *set_failed(const cli_params *p, const char *name, int status, int *out, char *err)
{
  *out = status;
  snprintf(err, CLI_ERRLEN, "%s: %s parameters: %s", p->path, name, bm_strerror(status));
  return NULL;
}

/* A square matrix entry (p x p, any p). */
static int get_square(const cli_params *p, const char *name, gsl_matrix **A, char *err)
{
  if (cli_get_matrix(p, name, 0, 0, A, err)) return -1;
  if ((*A)->size1 != (*A)->size2) {
    snprintf(err, CLI_ERRLEN, "%s: %s must be square", p->path, name);
    bm_matrix_free(*A);
    *A = NULL;
    return -1;
  }
  return 0;
}

/* ---------- mvn, mvt: a vector variate, as a 1 x p matrix row ---------- */
static void *mvn_mvt_make(const cli_params *p, int with_nu, size_t *rows, size_t *cols, int *status, char *err)
{
  double nu = 0;
  gsl_vector *mu = NULL;
  gsl_matrix *Sigma = NULL;
  void *d = NULL;
  if (with_nu) NEED(cli_get_scalar(p, "nu", &nu, err));
  NEED(cli_get_vector(p, "mu", 0, &mu, err));
  NEED(cli_get_matrix(p, "Sigma", mu->size, mu->size, &Sigma, err));
  int st;
  if (with_nu) {
    d = bm_mvt_alloc(mu->size);
    st = d ? bm_mvt_set(d, nu, mu, Sigma) : BM_ENOMEM;
    if (st) bm_mvt_free(d);
  } else {
    d = bm_mvn_alloc(mu->size);
    st = d ? bm_mvn_set(d, mu, Sigma) : BM_ENOMEM;
    if (st) bm_mvn_free(d);
  }
  if (st) d = set_failed(p, with_nu ? "mvt" : "mvn", st, status, err);
  *rows = 1;
  *cols = mu->size;
fail:
  bm_vector_free(mu);
  bm_matrix_free(Sigma);
  return d;
}


static void *mvn_make(const cli_params *p, size_t *r, size_t *c, int *st, char *err)
{
  return mvn_mvt_make(p, 0, r, c, st, err);
}
static void mvn_destroy(void *d) { bm_mvn_free(d); }
static size_t mvn_nparams(const void *d) { return bm_mvn_nparams(d); }
static int mvn_logpdf(const void *d, const gsl_matrix *x, double *lp)
{
  gsl_vector_const_view v = gsl_matrix_const_row(x, 0); /* the 1 x p row */
  return bm_mvn_logpdf(d, &v.vector, lp);
}
static int mvn_score(const void *d, const gsl_matrix *x, gsl_vector *s)
{
  gsl_vector_const_view v = gsl_matrix_const_row(x, 0); /* the 1 x p row */
  return bm_mvn_score(d, &v.vector, s);
}
static int mvn_fisher(const void *d, gsl_matrix *F) { return bm_mvn_fisher(d, F); }
static int mvn_sample(const void *d, gsl_rng *r, gsl_matrix *x)
{
  gsl_vector_view v = gsl_matrix_row(x, 0);
  return bm_mvn_sample(d, r, &v.vector);
}
static int mvn_jeffreys(const void *d, const size_t *i, size_t k, double *lp) { return bm_mvn_jeffreys(d, i, k, lp); }

static void *mvt_make(const cli_params *p, size_t *r, size_t *c, int *st, char *err)
{
  return mvn_mvt_make(p, 1, r, c, st, err);
}
static void mvt_destroy(void *d) { bm_mvt_free(d); }
static size_t mvt_nparams(const void *d) { return bm_mvt_nparams(d); }
static int mvt_logpdf(const void *d, const gsl_matrix *x, double *lp)
{
  gsl_vector_const_view v = gsl_matrix_const_row(x, 0); /* the 1 x p row */
  return bm_mvt_logpdf(d, &v.vector, lp);
}
static int mvt_score(const void *d, const gsl_matrix *x, gsl_vector *s)
{
  gsl_vector_const_view v = gsl_matrix_const_row(x, 0); /* the 1 x p row */
  return bm_mvt_score(d, &v.vector, s);
}
static int mvt_fisher(const void *d, gsl_matrix *F) { return bm_mvt_fisher(d, F); }
static int mvt_sample(const void *d, gsl_rng *r, gsl_matrix *x)
{
  gsl_vector_view v = gsl_matrix_row(x, 0);
  return bm_mvt_sample(d, r, &v.vector);
}
static int mvt_jeffreys(const void *d, const size_t *i, size_t k, double *lp) { return bm_mvt_jeffreys(d, i, k, lp); }

/* ---------- wishart, invwishart: nu and an SPD scale ---------- */
typedef struct {
  const char *family, *scale;
  void *(*alloc)(size_t p);
  int (*set)(void *d, double nu, const gsl_matrix *scale);
  void (*destroy)(void *d);
} nu_scale_family;

static void *nu_scale_make(const nu_scale_family *fam, const cli_params *p, size_t *rows, size_t *cols,
                           int *status, char *err)
{
  double nu;
  gsl_matrix *S = NULL;
  void *d = NULL;
  NEED(cli_get_scalar(p, "nu", &nu, err));
  NEED(get_square(p, fam->scale, &S, err));
  d = fam->alloc(S->size1);
  int st = d ? fam->set(d, nu, S) : BM_ENOMEM;
  if (st) {
    fam->destroy(d);
    d = set_failed(p, fam->family, st, status, err);
  }
  *rows = *cols = S->size1;
fail:
  bm_matrix_free(S);
  return d;
}

static void *wishart_alloc(size_t p) { return bm_wishart_alloc(p); }
static int wishart_set(void *d, double nu, const gsl_matrix *S) { return bm_wishart_set(d, nu, S); }
static void wishart_destroy(void *d) { bm_wishart_free(d); }
static const nu_scale_family wishart_fam = {"wishart", "S", wishart_alloc, wishart_set, wishart_destroy};
static void *wishart_make(const cli_params *p, size_t *r, size_t *c, int *st, char *err)
{
  return nu_scale_make(&wishart_fam, p, r, c, st, err);
}
static size_t wishart_nparams(const void *d) { return bm_wishart_nparams(d); }
static int wishart_logpdf(const void *d, const gsl_matrix *x, double *lp) { return bm_wishart_logpdf(d, x, lp); }
static int wishart_score(const void *d, const gsl_matrix *x, gsl_vector *s) { return bm_wishart_score(d, x, s); }
static int wishart_fisher(const void *d, gsl_matrix *F) { return bm_wishart_fisher(d, F); }
static int wishart_sample(const void *d, gsl_rng *r, gsl_matrix *x) { return bm_wishart_sample(d, r, x); }
static int wishart_jeffreys(const void *d, const size_t *i, size_t k, double *lp)
{
  return bm_wishart_jeffreys(d, i, k, lp);
}

static void *invwishart_alloc(size_t p) { return bm_invwishart_alloc(p); }
static int invwishart_set(void *d, double nu, const gsl_matrix *S) { return bm_invwishart_set(d, nu, S); }
static void invwishart_destroy(void *d) { bm_invwishart_free(d); }
static const nu_scale_family invwishart_fam = {"invwishart", "Psi", invwishart_alloc, invwishart_set,
                                               invwishart_destroy};
static void *invwishart_make(const cli_params *p, size_t *r, size_t *c, int *st, char *err)
{
  return nu_scale_make(&invwishart_fam, p, r, c, st, err);
}
static size_t invwishart_nparams(const void *d) { return bm_invwishart_nparams(d); }
static int invwishart_logpdf(const void *d, const gsl_matrix *x, double *lp)
{
  return bm_invwishart_logpdf(d, x, lp);
}
static int invwishart_score(const void *d, const gsl_matrix *x, gsl_vector *s)
{
  return bm_invwishart_score(d, x, s);
}
static int invwishart_fisher(const void *d, gsl_matrix *F) { return bm_invwishart_fisher(d, F); }
static int invwishart_sample(const void *d, gsl_rng *r, gsl_matrix *x) { return bm_invwishart_sample(d, r, x); }
static int invwishart_jeffreys(const void *d, const size_t *i, size_t k, double *lp)
{
  return bm_invwishart_jeffreys(d, i, k, lp);
}

/* ---------- matnorm, matt: an n x p variate ---------- */
static void *matnorm_matt_make(const cli_params *p, int t, size_t *rows, size_t *cols, int *status, char *err)
{
  double nu = 0;
  gsl_matrix *M = NULL, *U = NULL, *V = NULL;
  void *d = NULL;
  if (t) NEED(cli_get_scalar(p, "nu", &nu, err));
  NEED(cli_get_matrix(p, "M", 0, 0, &M, err));
  NEED(cli_get_matrix(p, t ? "Sigma" : "U", M->size1, M->size1, &U, err));
  NEED(cli_get_matrix(p, t ? "Omega" : "V", M->size2, M->size2, &V, err));
  int st;
  if (t) {
    d = bm_matt_alloc(M->size1, M->size2);
    st = d ? bm_matt_set(d, nu, M, U, V) : BM_ENOMEM;
    if (st) bm_matt_free(d);
  } else {
    d = bm_matnorm_alloc(M->size1, M->size2);
    st = d ? bm_matnorm_set(d, M, U, V) : BM_ENOMEM;
    if (st) bm_matnorm_free(d);
  }
  if (st) d = set_failed(p, t ? "matt" : "matnorm", st, status, err);
  *rows = M->size1;
  *cols = M->size2;
fail:
  bm_matrix_free(M);
  bm_matrix_free(U);
  bm_matrix_free(V);
  return d;
}

static void *matnorm_make(const cli_params *p, size_t *r, size_t *c, int *st, char *err)
{
  return matnorm_matt_make(p, 0, r, c, st, err);
}
static void matnorm_destroy(void *d) { bm_matnorm_free(d); }
static size_t matnorm_nparams(const void *d) { return bm_matnorm_nparams(d); }
static int matnorm_logpdf(const void *d, const gsl_matrix *x, double *lp) { return bm_matnorm_logpdf(d, x, lp); }
static int matnorm_score(const void *d, const gsl_matrix *x, gsl_vector *s) { return bm_matnorm_score(d, x, s); }
static int matnorm_fisher(const void *d, gsl_matrix *F) { return bm_matnorm_fisher(d, F); }
static int matnorm_sample(const void *d, gsl_rng *r, gsl_matrix *x) { return bm_matnorm_sample(d, r, x); }
static int matnorm_jeffreys(const void *d, const size_t *i, size_t k, double *lp)
{
  return bm_matnorm_jeffreys(d, i, k, lp);
}

static void *matt_make(const cli_params *p, size_t *r, size_t *c, int *st, char *err)
{
  return matnorm_matt_make(p, 1, r, c, st, err);
}
static void matt_destroy(void *d) { bm_matt_free(d); }
static size_t matt_nparams(const void *d) { return bm_matt_nparams(d); }
static int matt_logpdf(const void *d, const gsl_matrix *x, double *lp) { return bm_matt_logpdf(d, x, lp); }
static int matt_score(const void *d, const gsl_matrix *x, gsl_vector *s) { return bm_matt_score(d, x, s); }
static int matt_fisher(const void *d, gsl_matrix *F) { return bm_matt_fisher(d, F); }
static int matt_sample(const void *d, gsl_rng *r, gsl_matrix *x) { return bm_matt_sample(d, r, x); }
static int matt_jeffreys(const void *d, const size_t *i, size_t k, double *lp) { return bm_matt_jeffreys(d, i, k, lp); }

/* ---------- matf ---------- */
static void *matf_make(const cli_params *p, size_t *rows, size_t *cols, int *status, char *err)
{
  double nu, delta;
  gsl_matrix *Psi = NULL;
  bm_matf *d = NULL;
  NEED(cli_get_scalar(p, "nu", &nu, err));
  NEED(cli_get_scalar(p, "delta", &delta, err));
  NEED(get_square(p, "Psi", &Psi, err));
  d = bm_matf_alloc(Psi->size1);
  int st = d ? bm_matf_set(d, nu, delta, Psi) : BM_ENOMEM;
  if (st) {
    bm_matf_free(d);
    d = set_failed(p, "matf", st, status, err);
  }
  *rows = *cols = Psi->size1;
fail:
  bm_matrix_free(Psi);
  return d;
}
static void matf_destroy(void *d) { bm_matf_free(d); }
static size_t matf_nparams(const void *d) { return bm_matf_nparams(d); }
static int matf_logpdf(const void *d, const gsl_matrix *x, double *lp) { return bm_matf_logpdf(d, x, lp); }
static int matf_score(const void *d, const gsl_matrix *x, gsl_vector *s) { return bm_matf_score(d, x, s); }
static int matf_fisher(const void *d, gsl_matrix *F) { return bm_matf_fisher(d, F); }
static int matf_sample(const void *d, gsl_rng *r, gsl_matrix *x) { return bm_matf_sample(d, r, x); }
static int matf_jeffreys(const void *d, const size_t *i, size_t k, double *lp) { return bm_matf_jeffreys(d, i, k, lp); }

static const cli_family families[] = {
  {"mvn", "mu (vector of length p), Sigma (p x p SPD)", VARIATE_VECTOR, mvn_make, mvn_destroy, mvn_nparams,
   mvn_logpdf, mvn_score, mvn_fisher, mvn_sample, mvn_jeffreys},
  {"mvt", "nu (scalar), mu (vector of length p), Sigma (p x p SPD)", VARIATE_VECTOR, mvt_make, mvt_destroy,
   mvt_nparams, mvt_logpdf, mvt_score, mvt_fisher, mvt_sample, mvt_jeffreys},
  {"wishart", "nu (scalar), S (p x p SPD)", VARIATE_SPD, wishart_make, wishart_destroy, wishart_nparams,
   wishart_logpdf, wishart_score, wishart_fisher, wishart_sample, wishart_jeffreys},
  {"invwishart", "nu (scalar), Psi (p x p SPD)", VARIATE_SPD, invwishart_make, invwishart_destroy,
   invwishart_nparams, invwishart_logpdf, invwishart_score, invwishart_fisher, invwishart_sample,
   invwishart_jeffreys},
  {"matnorm", "M (n x p), U (n x n SPD), V (p x p SPD)", VARIATE_MATRIX, matnorm_make, matnorm_destroy,
   matnorm_nparams, matnorm_logpdf, matnorm_score, matnorm_fisher, matnorm_sample, matnorm_jeffreys},
  {"matt", "nu (scalar), M (n x p), Sigma (n x n SPD), Omega (p x p SPD)", VARIATE_MATRIX, matt_make, matt_destroy,
   matt_nparams, matt_logpdf, matt_score, matt_fisher, matt_sample, matt_jeffreys},
  {"matf", "nu (scalar), delta (scalar), Psi (p x p SPD)", VARIATE_SPD, matf_make, matf_destroy, matf_nparams,
   matf_logpdf, matf_score, matf_fisher, matf_sample, matf_jeffreys},
};

const cli_family *cli_family_find(const char *name)
{
  for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
    if (!strcmp(families[i].name, name)) return &families[i];
  return NULL;
}

const char *cli_family_names(void) { return "mvn, mvt, wishart, invwishart, matnorm, matt, matf"; }
