/* The whitening kernel of distributions/mid_p.c, once per vector width:
 * included by mid_p.c only, with MP_V (the vector type, or double), MP_W
 * (its lanes), MP_ATTR (target attribute), MP_ALWAYS_INLINE, MP_FN(name) (the instance's
 * name), MP_GATHER(x, xt, i) (column i of the MP_W rows from x, xt apart)
 * and MP_STORE(dst, v) defined. No include guard: one instance per
 * inclusion.
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* Rows i0 .. i0+C-1 of L (C <= 4, a constant after inlining) for the two
 * vectors of rows a (from x) and b (MP_W rows further): their coordinates
 * z_i = (r_i - sum_{j<i} l_ij z_j) / l_ii, the sum in ascending j, into
 * za, zb; the squares added to da, db in ascending i. The 2C accumulators
 * are the only live vectors of the inner loop, besides z_j. */
MP_ATTR MP_ALWAYS_INLINE static inline void MP_FN(chunk)(size_t C, size_t i0, const double *mu, const double *inv, const double *l,
                                        size_t tda, const double *x, size_t xt, MP_V *za, MP_V *zb, MP_V *da,
                                        MP_V *db)
{
  MP_V ta[4], tb[4];
  for (size_t u = 0; u < C; u++) {
    size_t i = i0 + u;
    MP_V xa = MP_GATHER(x, xt, i), xb = MP_GATHER(x + MP_W * xt, xt, i);
    /* x * 0 is NaN for a non-finite x: the row's delta ends NaN (looked at
     * again by the caller), no loop-carried check */
    ta[u] = (xa - mu[i]) + xa * 0.0;
    tb[u] = (xb - mu[i]) + xb * 0.0;
  }
  for (size_t j = 0; j < i0; j++) {
    MP_V zja = za[j], zjb = zb[j];
    for (size_t u = 0; u < C; u++) {
      double lij = l[(i0 + u) * tda + j];
      ta[u] -= lij * zja;
      tb[u] -= lij * zjb;
    }
  }
  for (size_t u = 0; u < C; u++) {
    const double *row = l + (i0 + u) * tda;
    for (size_t v = 0; v < u; v++) {
      ta[u] -= row[i0 + v] * za[i0 + v];
      tb[u] -= row[i0 + v] * zb[i0 + v];
    }
    ta[u] *= inv[i0 + u];
    tb[u] *= inv[i0 + u];
    za[i0 + u] = ta[u];
    zb[i0 + u] = tb[u];
    *da += ta[u] * ta[u];
    *db += tb[u] * tb[u];
  }
}

/* delta[0 .. 2 MP_W - 1] for the 2 MP_W rows from x (xt apart); with Z,
 * also the whitened rows (2 MP_W rows of p, ldz apart) */
MP_ATTR static void MP_FN(step)(size_t p, const double *mu, const double *inv, const double *l, size_t tda,
                                const double *x, size_t xt, double *delta, double *Z, size_t ldz)
{
  MP_V za[BM_MP_MAX], zb[BM_MP_MAX], da = {0.0}, db = {0.0};
  size_t i0 = 0;
  for (; i0 + 4 <= p; i0 += 4) MP_FN(chunk)(4, i0, mu, inv, l, tda, x, xt, za, zb, &da, &db);
  switch (p - i0) { /* the chunk size a constant in each call: its accumulators stay in registers */
  case 3: MP_FN(chunk)(3, i0, mu, inv, l, tda, x, xt, za, zb, &da, &db); break;
  case 2: MP_FN(chunk)(2, i0, mu, inv, l, tda, x, xt, za, zb, &da, &db); break;
  case 1: MP_FN(chunk)(1, i0, mu, inv, l, tda, x, xt, za, zb, &da, &db); break;
  default: break;
  }
  MP_STORE(delta, da);
  MP_STORE(delta + MP_W, db);
  if (Z)
    for (size_t i = 0; i < p; i++) {
      double a[MP_W], b[MP_W];
      MP_STORE(a, za[i]);
      MP_STORE(b, zb[i]);
      for (size_t w = 0; w < MP_W; w++) {
        Z[w * ldz + i] = a[w];
        Z[(MP_W + w) * ldz + i] = b[w];
      }
    }
}

/* delta[0 .. rows-1] (and with Z the whitened rows, ldz apart) for rows
 * from x (xt apart): whole steps, then the last rows from a zero-padded
 * copy (the same arithmetic per lane, so the same bits as in a whole step) */
MP_ATTR static void MP_FN(block)(size_t p, const double *mu, const double *inv, const double *l, size_t tda,
                                 const double *x, size_t xt, size_t rows, double *delta, double *Z, size_t ldz)
{
  size_t k = 0;
  for (; k + 2 * MP_W <= rows; k += 2 * MP_W)
    MP_FN(step)(p, mu, inv, l, tda, x + k * xt, xt, delta + k, Z ? Z + k * ldz : NULL, ldz);
  if (k == rows) return;
  double tile[2 * MP_W * BM_MP_MAX], d[2 * MP_W];
  for (size_t r = 0; r < 2 * MP_W; r++)
    for (size_t j = 0; j < p; j++) tile[r * p + j] = k + r < rows ? x[(k + r) * xt + j] : 0.0;
  MP_FN(step)(p, mu, inv, l, tda, tile, p, d, Z ? tile : NULL, p); /* the rows are read before they are overwritten */
  for (size_t r = 0; k + r < rows; r++) {
    delta[k + r] = d[r];
    if (Z) memcpy(Z + (k + r) * ldz, tile + r * p, p * sizeof(double));
  }
}
