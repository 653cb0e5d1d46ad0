/* bench/peers: Stan Math (the headers Debian ships as r-cran-stanheaders).
 *
 * Two forms of the MVN, chosen by the environment variable PEER_STAN_FORM
 * (one binary, because Stan Math takes about a minute to compile):
 *   covariance (default): multi_normal_lpdf(y, mu, Sigma) — Stan factors
 *                         Sigma itself (LDLT);
 *   cholesky:             multi_normal_cholesky_lpdf(y, mu,
 *                         cholesky_decompose(Sigma)) — the form Stan's manual
 *                         recommends for speed; the factorization is inside
 *                         the timed call, as bayesmat's bm_mvn_set is.
 * Wishart: wishart_lpdf(X, nu, S) (covariance form only: this Stan Math has
 * no Cholesky-parameterized Wishart).
 * Gradients by reverse mode: every parameter becomes a var (mu and Sigma;
 * X, nu and S for the Wishart, the same outputs as bayesmat's), one grad()
 * sweep, the adjoints copied out, the arena freed. All of that is inside the
 * timed call: it is what a reverse-mode gradient costs its user.
 * Command line and checksums: peer_common.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stan/math.hpp>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "peer_common.h"

using Eigen::MatrixXd;
using Eigen::VectorXd;
using stan::math::var;
typedef Eigen::Matrix<var, Eigen::Dynamic, Eigen::Dynamic> matrix_v;
typedef Eigen::Matrix<var, Eigen::Dynamic, 1> vector_v;

namespace {

struct job {
  bool chol = false;
  std::vector<VectorXd> y; /* the observations, as Stan's vectorized lpdf takes them */
  VectorXd mu;
  MatrixXd S, X;
  double nu = 0.0, value = 0.0;
  /* gradient outputs (Sigma's, S's or X's as Stan reports them) */
  VectorXd g_mu;
  MatrixXd g_S, g_X;
  double g_nu = 0.0;
};

void run_mvn(void *arg)
{
  job *j = static_cast<job *>(arg);
  if (j->chol) j->value = stan::math::multi_normal_cholesky_lpdf(j->y, j->mu, stan::math::cholesky_decompose(j->S));
  else j->value = stan::math::multi_normal_lpdf(j->y, j->mu, j->S);
}

void run_mvn_grad(void *arg)
{
  job *j = static_cast<job *>(arg);
  vector_v mu = j->mu;
  matrix_v S = j->S;
  var lp = j->chol ? stan::math::multi_normal_cholesky_lpdf(j->y, mu, stan::math::cholesky_decompose(S))
                   : stan::math::multi_normal_lpdf(j->y, mu, S);
  lp.grad();
  j->value = lp.val();
  j->g_mu = mu.adj();
  j->g_S = S.adj();
  stan::math::recover_memory();
}

void run_wishart(void *arg)
{
  job *j = static_cast<job *>(arg);
  j->value = stan::math::wishart_lpdf(j->X, j->nu, j->S);
}

void run_wishart_grad(void *arg)
{
  job *j = static_cast<job *>(arg);
  matrix_v X = j->X, S = j->S;
  var nu = j->nu;
  var lp = stan::math::wishart_lpdf(X, nu, S);
  lp.grad();
  j->value = lp.val();
  j->g_X = X.adj();
  j->g_S = S.adj();
  j->g_nu = nu.adj();
  stan::math::recover_memory();
}

double contract(const MatrixXd &G)
{
  double s = 0.0;
  for (Eigen::Index i = 0; i < G.rows(); i++)
    for (Eigen::Index k = 0; k < G.cols(); k++) s += G(i, k) * peer_w_mat((size_t)i, (size_t)k);
  return s;
}

/* Row-major data file -> Eigen (column-major by default). */
MatrixXd from_rows(const double *v, size_t r, size_t c)
{
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(v, (Eigen::Index)r,
                                                                                                 (Eigen::Index)c);
}

} // namespace

int main(int argc, char **argv)
{
  peer_args a = peer_parse(argc, argv);
  job j;
  const char *form = std::getenv("PEER_STAN_FORM");
  j.chol = form && std::strcmp(form, "cholesky") == 0;
  if (j.chol && !a.is_mvn) peer_unsupported();
  peer_data d = peer_load(&a);
  j.S = from_rows(d.S, d.p, d.p);
  void (*fn)(void *);
  if (a.is_mvn) {
    j.mu = Eigen::Map<const VectorXd>(d.mu, (Eigen::Index)d.p);
    MatrixXd Xr = from_rows(d.X, d.n, d.p);
    for (size_t i = 0; i < d.n; i++) j.y.push_back(Xr.row((Eigen::Index)i).transpose());
    fn = a.is_grad ? run_mvn_grad : run_mvn;
  } else {
    j.X = from_rows(d.X, d.p, d.p);
    j.nu = d.nu;
    fn = a.is_grad ? run_wishart_grad : run_wishart;
  }
  try {
    fn(&j);
    if (a.timing) {
      double t = peer_median(fn, &j, a.reps);
      std::printf("%.17g %.6e\n", j.value, t);
    } else if (!a.is_grad) {
      std::printf("%.17g\n", j.value);
    } else if (a.is_mvn) {
      double cm = 0.0;
      for (size_t i = 0; i < d.p; i++) cm += j.g_mu((Eigen::Index)i) * peer_w_vec(i);
      std::printf("%.17g %.17g %.17g\n", j.value, cm, contract(j.g_S));
    } else {
      std::printf("%.17g %.17g %.17g %.17g\n", j.value, contract(j.g_X), contract(j.g_S), j.g_nu);
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "peer_stan: %s\n", e.what());
    return 1;
  }
  return 0;
}
