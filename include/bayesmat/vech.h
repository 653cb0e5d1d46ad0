/* bayesmat — vec, vech, duplication/elimination/commutation through index maps.
 *
 * docs/conventions.md: vec(A) stacks the columns of A; vech(S) stacks the columns of the
 * lower triangle of a symmetric p x p S: (S11, S21, ..., Sp1, S22, ..., Spp),
 * length p(p+1)/2; D_p is the duplication matrix, vec(S) = D_p vech(S).
 * Nothing here materializes a p^2 x p^2 matrix; every operator is applied
 * through the index map bm_vech_index. Indices are 0-based.
 *
 * Statuses: every int-returning function here returns BM_SUCCESS, BM_EINVAL
 * (a NULL argument, or aliased arguments where noted) or BM_EBADLEN (sizes
 * that do not match as documented); none allocates or checks finiteness.
 *
 * Gradients (docs/conventions.md): for f of a symmetric S the "symmetric gradient" G
 * satisfies f(S + tE) = f(S) + t tr(G E) + O(t^2) for symmetric E. The gradient
 * in vech coordinates (a vech coordinate moves S_ij and S_ji together) is
 * D_p^T vec(G): diagonal entries G_ii, off-diagonal entries G_ij + G_ji.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_VECH_H
#define BAYESMAT_VECH_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** p(p+1)/2. */
size_t bm_vech_len(size_t p);

/**
 * Position of S_ij (either order of i, j) in vech(S) for p x p S:
 * with c = min(i,j), r = max(i,j): c p - c(c-1)/2 + (r - c).
 */
size_t bm_vech_index(size_t p, size_t i, size_t j);

/** Inverse of bm_vech_index: the (row >= col) pair at vech position k. */
void bm_vech_pair(size_t p, size_t k, size_t *row, size_t *col);

/** v <- vech(S) reading the lower triangle of S (p x p); v length p(p+1)/2. */
int bm_vech(const gsl_matrix *S, gsl_vector *v);

/** S <- the symmetric matrix with vech(S) = v (both triangles written). */
int bm_vech_unpack(const gsl_vector *v, gsl_matrix *S);

/** v <- vec(A) (columns stacked), A n x m, v length n m. */
int bm_vec(const gsl_matrix *A, gsl_vector *v);

/** A <- the n x m matrix with vec(A) = v. */
int bm_vec_unpack(const gsl_vector *v, gsl_matrix *A);

/** w <- D_p v: vec of the symmetric matrix whose vech is v (w length p^2). */
int bm_dup_apply(const gsl_vector *v, gsl_vector *w);

/** v <- D_p^T w (w length p^2): v_k = w_(i,j) + w_(j,i) off the diagonal. */
int bm_dup_transpose_apply(const gsl_vector *w, gsl_vector *v);

/** v <- L_p w, the elimination matrix: vech of the lower triangle of the
 *  p x p matrix with vec = w (upper triangle ignored). */
int bm_elim_apply(const gsl_vector *w, gsl_vector *v);

/** w <- K_{n,m} v, the commutation matrix: K vec(A) = vec(A^T) for n x m A.
 *  v, w length n m; must not alias. */
int bm_commutation_apply(size_t n, size_t m, const gsl_vector *v, gsl_vector *w);

/**
 * g <- D_p^T vec(G): the vech-coordinate gradient from a symmetric gradient G
 * (off-diagonal entries G_ij + G_ji, i.e. doubled for symmetric G).
 */
int bm_vech_from_sym_grad(const gsl_matrix *G, gsl_vector *g);

/** G <- the symmetric gradient from a vech-coordinate gradient g (inverse of
 *  bm_vech_from_sym_grad: off-diagonal entries halved). */
int bm_sym_grad_from_vech(const gsl_vector *g, gsl_matrix *G);

/**
 * T <- D_p^T (P (x) Q) D_p, the vech-coordinate matrix of the bilinear form
 * (E, F) -> tr(P^T E Q F) over symmetric E, F: T_ab = tr(P^T E_a Q E_b) with
 * E_a the symmetric basis matrix of vech coordinate a (for symmetric P, as the
 * families pass, tr(P E_a Q E_b)). P, Q p x p, T q x q with q = p(p+1)/2.
 * If P = Q is symmetric the result is symmetric. This is the block "T(P, Q)"
 * of docs/fisher.md.
 * @param alpha  T <- alpha D^T (P (x) Q) D + beta T
 */
int bm_vech_kron(double alpha, const gsl_matrix *P, const gsl_matrix *Q, double beta, gsl_matrix *T);

BM_END_DECLS
#endif
