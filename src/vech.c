/* vec/vech and the duplication, elimination and commutation operators,
 * applied through index maps (never as p^2 x p^2 matrices).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "bayesmat/status.h"
#include "bayesmat/vech.h"
#include "internal.h"
#include "error.h"

size_t bm_vech_len(size_t p) { return p * (p + 1) / 2; }

size_t bm_vech_index(size_t p, size_t i, size_t j)
{
  size_t c = i < j ? i : j, r = i < j ? j : i;
  return c * p - c * (c - 1) / 2 + (r - c);
}

void bm_vech_pair(size_t p, size_t k, size_t *row, size_t *col)
{
  size_t c = 0;
  while (k >= p - c) {  /* column c holds p - c entries */
    k -= p - c;
    c++;
  }
  *col = c;
  *row = c + k;
}

/* A (n x m) and v (length n m) of bm_vec / bm_vec_unpack. */
#define check_vec(A, v) check_vec_fn(__func__, A, v)
static int check_vec_fn(const char *fn, const gsl_matrix *A, const gsl_vector *v)
{
  if (!A || !v) return bm_error_set(BM_EINVAL, fn, "%s is NULL", A == NULL ? "A" : "v");
  if (v->size != A->size1 * A->size2)
    return bm_error_set(BM_EBADLEN, fn, "v has %zu entries, expected n m = %zu for %zu x %zu A", v->size,
                        A->size1 * A->size2, A->size1, A->size2);
  return BM_SUCCESS;
}

int bm_vec(const gsl_matrix *A, gsl_vector *v)
{
  int status = check_vec(A, v);
  if (status) return status;
  size_t n = A->size1, m = A->size2;
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i < n; i++) VGET(v, j * n + i) = MGET(A, i, j);
  return BM_SUCCESS;
}

int bm_vec_unpack(const gsl_vector *v, gsl_matrix *A)
{
  int status = check_vec(A, v);
  if (status) return status;
  for (size_t j = 0; j < A->size2; j++)
    for (size_t i = 0; i < A->size1; i++) MGET(A, i, j) = VGET(v, j * A->size1 + i);
  return BM_SUCCESS;
}

/* ---- the vech family: every operator below walks the lower triangle of a
 * p x p array in vech order, the array being a gsl_matrix (S, G) or the vec
 * of one in a gsl_vector (w); element (i, j) is at a[i rs + j cs]. ---- */
typedef struct {
  double *a;
  size_t p, rs, cs;
} square;

/* (const dropped for a read-only use: gather never writes) */
static square of_matrix(const gsl_matrix *A) { return (square){A->data, A->size1, A->tda, 1}; }
static square of_vec(const gsl_vector *w, size_t p) { return (square){w->data, p, w->stride, p * w->stride}; }

/* p with p*p == n2, or 0 when n2 is not a square (n2 = 0 gives p = 0 too). */
static int square_root_size(size_t n2, size_t *p)
{
  size_t r = 0;
  while (r * r < n2) r++;
  *p = r;
  return r * r == n2;
}

/* The checks: the array (named aname; a matrix M, or else the vec w whose
 * length must be a square) and the vech-length vector v (named vname);
 * *A <- the array's view. */
static int check_pair(const char *fn, const char *aname, const gsl_matrix *M, const gsl_vector *w, const char *vname,
                      const gsl_vector *v, square *A)
{
  if ((!M && !w) || !v) return bm_error_set(BM_EINVAL, fn, "%s is NULL", v ? aname : vname);
  size_t p = M ? M->size1 : 0;
  if (M && M->size2 != p) return bm_error_set(BM_EBADLEN, fn, "%s is %zu x %zu, expected square", aname, p, M->size2);
  if (w && !square_root_size(w->size, &p))
    return bm_error_set(BM_EBADLEN, fn, "%s has %zu entries, not a square p^2", aname, w->size);
  if (v->size != bm_vech_len(p))
    return bm_error_set(BM_EBADLEN, fn, "%s has %zu entries, expected p(p+1)/2 = %zu for p = %zu", vname, v->size,
                        bm_vech_len(p), p);
  *A = M ? of_matrix(M) : of_vec(w, p);
  return BM_SUCCESS;
}

/* The walk of every operator over the lower triangle in vech order. to_vech:
 * v <- the array's entry, fold adding the mirrored one off the diagonal
 * (D_p^T); else both triangles <- v, fold halving it off the diagonal. The
 * array is only read when to_vech (the public callers drop const for it). */
static int walk(const char *fn, const char *aname, gsl_matrix *M, gsl_vector *w, const char *vname, gsl_vector *v,
                int to_vech, int fold)
{
  square A;
  int status = check_pair(fn, aname, M, w, vname, v, &A);
  if (status) return status;
  size_t k = 0;
  for (size_t j = 0; j < A.p; j++)
    for (size_t i = j; i < A.p; i++, k++) {
      double *lower = &A.a[i * A.rs + j * A.cs], *upper = &A.a[j * A.rs + i * A.cs];
      int off = fold && i != j;
      if (to_vech)
        VGET(v, k) = off ? *lower + *upper : *lower;
      else
        *lower = *upper = off ? 0.5 * VGET(v, k) : VGET(v, k);
    }
  return BM_SUCCESS;
}

/* (the casts drop const only where walk reads: to_vech's array, from-vech's v) */
int bm_vech(const gsl_matrix *S, gsl_vector *v) { return walk(__func__, "S", (gsl_matrix *)S, NULL, "v", v, 1, 0); }

int bm_vech_unpack(const gsl_vector *v, gsl_matrix *S)
{
  return walk(__func__, "S", S, NULL, "v", (gsl_vector *)v, 0, 0);
}

int bm_dup_apply(const gsl_vector *v, gsl_vector *w) { return walk(__func__, "w", NULL, w, "v", (gsl_vector *)v, 0, 0); }

int bm_dup_transpose_apply(const gsl_vector *w, gsl_vector *v)
{
  return walk(__func__, "w", NULL, (gsl_vector *)w, "v", v, 1, 1);
}

int bm_elim_apply(const gsl_vector *w, gsl_vector *v) { return walk(__func__, "w", NULL, (gsl_vector *)w, "v", v, 1, 0); }

int bm_vech_from_sym_grad(const gsl_matrix *G, gsl_vector *g)
{
  return walk(__func__, "G", (gsl_matrix *)G, NULL, "g", g, 1, 1);
}

int bm_sym_grad_from_vech(const gsl_vector *g, gsl_matrix *G)
{
  return walk(__func__, "G", G, NULL, "g", (gsl_vector *)g, 0, 1);
}

int bm_commutation_apply(size_t n, size_t m, const gsl_vector *v, gsl_vector *w)
{
  if (!v || !w) return BM_FAIL(BM_EINVAL, "%s is NULL", v == NULL ? "v" : "w");
  if (v == w) return BM_FAIL(BM_EINVAL, "v and w alias");
  if (v->size != n * m || w->size != n * m)
    return BM_FAIL(BM_EBADLEN, "%s has %zu entries, expected n m = %zu", v->size != n * m ? "v" : "w",
                   v->size != n * m ? v->size : w->size, n * m);
  /* v = vec(A), A n x m: A_ij at j n + i; vec(A^T), A^T m x n: A_ij at i m + j. */
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i < n; i++) VGET(w, i * m + j) = VGET(v, j * n + i);
  return BM_SUCCESS;
}

int bm_vech_kron(double alpha, const gsl_matrix *P, const gsl_matrix *Q, double beta, gsl_matrix *T)
{
  if (!P || !Q || !T) return BM_FAIL(BM_EINVAL, "%s is NULL", P == NULL ? "P" : Q == NULL ? "Q" : "T");
  size_t p = P->size1, q = bm_vech_len(p);
  if (P->size2 != p) return BM_FAIL(BM_EBADLEN, "P is %zu x %zu, expected square", p, P->size2);
  if (Q->size1 != p || Q->size2 != p)
    return BM_FAIL(BM_EBADLEN, "Q is %zu x %zu, expected %zu x %zu as P", Q->size1, Q->size2, p, p);
  if (T->size1 != q || T->size2 != q)
    return BM_FAIL(BM_EBADLEN, "T is %zu x %zu, expected p(p+1)/2 = %zu square", T->size1, T->size2, q);
  /* E_a = sum over the orbit {(i,j),(j,i)} of e_i e_j^T (one term when i = j);
   * vec(E_a)^T (P (x) Q) vec(E_b) = tr(E_a Q E_b P^T), and
   * tr(e_i e_j^T Q e_k e_l^T P^T) = Q_jk P_il. Pairs are walked in vech order
   * (column-major lower triangle) so that a and b are simple counters. */
  size_t a = 0;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++, a++) {
      size_t ai[2] = {i, j}, aj[2] = {j, i};
      size_t na = i == j ? 1 : 2;
      size_t b = 0;
      for (size_t l = 0; l < p; l++)
        for (size_t k = l; k < p; k++, b++) {
          size_t bk[2] = {k, l}, bl[2] = {l, k};
          size_t nb = k == l ? 1 : 2;
          double s = 0.0;
          for (size_t u = 0; u < na; u++)
            for (size_t w = 0; w < nb; w++) s += MGET(P, ai[u], bl[w]) * MGET(Q, aj[u], bk[w]);
          double *t = &MGET(T, a, b);
          *t = beta == 0.0 ? alpha * s : alpha * s + beta * *t;
        }
    }
  return BM_SUCCESS;
}
