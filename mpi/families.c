/* Distributed log-likelihood + gradient for the seven families
 * (include/bayesmat/mpi.h): each rank evaluates the family's batched
 * bm_F_loglik_grad on its own rows straight into the caller's outputs, then
 * one chunked MPI_Allreduce sums (ll, gradients, failure flag) in place.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include "bayesmat.h"
#include "bayesmat/mpi.h"
#include "reduce.h"

static bm_mpi_seg seg_scalar(double *x) { return (bm_mpi_seg){x, NULL, NULL, x ? 1 : 0, x ? 1 : 0}; }
static bm_mpi_seg seg_vector(gsl_vector *v) { return (bm_mpi_seg){NULL, v, NULL, v ? v->size : 0, v ? 1 : 0}; }
static bm_mpi_seg seg_matrix(gsl_matrix *A) { return (bm_mpi_seg){NULL, NULL, A, A ? A->size1 : 0, A ? A->size2 : 0}; }

static void zero_v(gsl_vector *v)
{
  if (v) gsl_vector_set_zero(v);
}
static void zero_m(gsl_matrix *A)
{
  if (A) gsl_matrix_set_zero(A);
}
static void zero_x(double *x)
{
  if (x) *x = 0.0;
}

int bm_mpi_mvn_loglik_grad(MPI_Comm comm, const bm_mvn *d, const gsl_matrix *X_local, double *ll, gsl_vector *dmu,
                           gsl_matrix *dSigma)
{
  double l = NAN;
  int st = BM_SUCCESS;
  if (!d || !ll) st = BM_EINVAL;
  else if (!X_local) {
    l = 0.0;
    zero_v(dmu);
    zero_m(dSigma);
  } else
    st = bm_mvn_loglik_grad(d, X_local, &l, dmu, dSigma);
  bm_mpi_seg s[3] = {seg_scalar(&l), seg_vector(dmu), seg_matrix(dSigma)};
  st = bm_mpi_reduce_segments(comm, st, s, 3);
  if (ll) *ll = l;
  return st;
}

int bm_mpi_mvt_loglik_grad(MPI_Comm comm, const bm_mvt *d, const gsl_matrix *X_local, double *ll, gsl_vector *dmu,
                           gsl_matrix *dSigma, double *dnu)
{
  double l = NAN;
  int st = BM_SUCCESS;
  if (!d || !ll) st = BM_EINVAL;
  else if (!X_local) {
    l = 0.0;
    zero_v(dmu);
    zero_m(dSigma);
    zero_x(dnu);
  } else
    st = bm_mvt_loglik_grad(d, X_local, &l, dmu, dSigma, dnu);
  bm_mpi_seg s[4] = {seg_scalar(&l), seg_vector(dmu), seg_matrix(dSigma), seg_scalar(dnu)};
  st = bm_mpi_reduce_segments(comm, st, s, 4);
  if (ll) *ll = l;
  return st;
}

int bm_mpi_wishart_loglik_grad(MPI_Comm comm, const bm_wishart *d, const gsl_matrix *const *X_local, size_t m,
                               double *ll, gsl_matrix *d_S, double *d_nu)
{
  double l = NAN;
  int st = BM_SUCCESS;
  if (!d || !ll) st = BM_EINVAL;
  else if (m == 0) {
    l = 0.0;
    zero_m(d_S);
    zero_x(d_nu);
  } else
    st = bm_wishart_loglik_grad(d, X_local, m, &l, d_S, d_nu);
  bm_mpi_seg s[3] = {seg_scalar(&l), seg_matrix(d_S), seg_scalar(d_nu)};
  st = bm_mpi_reduce_segments(comm, st, s, 3);
  if (ll) *ll = l;
  return st;
}

int bm_mpi_invwishart_loglik_grad(MPI_Comm comm, const bm_invwishart *d, const gsl_matrix *const *X_local,
                                  size_t m, double *ll, gsl_matrix *d_Psi, double *d_nu)
{
  double l = NAN;
  int st = BM_SUCCESS;
  if (!d || !ll) st = BM_EINVAL;
  else if (m == 0) {
    l = 0.0;
    zero_m(d_Psi);
    zero_x(d_nu);
  } else
    st = bm_invwishart_loglik_grad(d, X_local, m, &l, d_Psi, d_nu);
  bm_mpi_seg s[3] = {seg_scalar(&l), seg_matrix(d_Psi), seg_scalar(d_nu)};
  st = bm_mpi_reduce_segments(comm, st, s, 3);
  if (ll) *ll = l;
  return st;
}

int bm_mpi_matnorm_loglik_grad(MPI_Comm comm, const bm_matnorm *d, const gsl_matrix *const *X_local, size_t m,
                               double *ll, gsl_matrix *dM, gsl_matrix *dU, gsl_matrix *dV)
{
  double l = NAN;
  int st = BM_SUCCESS;
  if (!d || !ll) st = BM_EINVAL;
  else if (m == 0) {
    l = 0.0;
    zero_m(dM);
    zero_m(dU);
    zero_m(dV);
  } else
    st = bm_matnorm_loglik_grad(d, X_local, m, &l, dM, dU, dV);
  bm_mpi_seg s[4] = {seg_scalar(&l), seg_matrix(dM), seg_matrix(dU), seg_matrix(dV)};
  st = bm_mpi_reduce_segments(comm, st, s, 4);
  if (ll) *ll = l;
  return st;
}

int bm_mpi_matt_loglik_grad(MPI_Comm comm, const bm_matt *d, const gsl_matrix *const *X_local, size_t m, double *ll,
                            gsl_matrix *dM, gsl_matrix *dSigma, gsl_matrix *dOmega, double *dnu)
{
  double l = NAN;
  int st = BM_SUCCESS;
  if (!d || !ll) st = BM_EINVAL;
  else if (m == 0) {
    l = 0.0;
    zero_m(dM);
    zero_m(dSigma);
    zero_m(dOmega);
    zero_x(dnu);
  } else
    st = bm_matt_loglik_grad(d, X_local, m, &l, dM, dSigma, dOmega, dnu);
  bm_mpi_seg s[5] = {seg_scalar(&l), seg_matrix(dM), seg_matrix(dSigma), seg_matrix(dOmega), seg_scalar(dnu)};
  st = bm_mpi_reduce_segments(comm, st, s, 5);
  if (ll) *ll = l;
  return st;
}

int bm_mpi_matf_loglik_grad(MPI_Comm comm, const bm_matf *d, const gsl_matrix *const *X_local, size_t m, double *ll,
                            gsl_matrix *d_Psi, double *d_nu, double *d_delta)
{
  double l = NAN;
  int st = BM_SUCCESS;
  if (!d || !ll) st = BM_EINVAL;
  else if (m == 0) {
    l = 0.0;
    zero_m(d_Psi);
    zero_x(d_nu);
    zero_x(d_delta);
  } else
    st = bm_matf_loglik_grad(d, X_local, m, &l, d_Psi, d_nu, d_delta);
  bm_mpi_seg s[4] = {seg_scalar(&l), seg_matrix(d_Psi), seg_scalar(d_nu), seg_scalar(d_delta)};
  st = bm_mpi_reduce_segments(comm, st, s, 4);
  if (ll) *ll = l;
  return st;
}
