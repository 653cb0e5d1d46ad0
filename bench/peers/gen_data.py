#!/usr/bin/python3
# Write the data every peer reads (layout: peer_common.h), so that all of
# them evaluate exactly the same numbers. Fixed seeds: reruns compare.
#   gen_data.py OUTDIR N P... -- P...     (MVN dimensions, then Wishart ones)
# SPDX-License-Identifier: GPL-3.0-or-later
import sys
import numpy as np


def spd(rng, p):
    # A A^T / p + I: well conditioned at every p, so every peer's value is
    # accurate to far better than the 1e-10 agreement run.sh asks for.
    a = rng.standard_normal((p, p))
    s = a @ a.T / p + np.eye(p)
    return (s + s.T) / 2  # exactly symmetric: each library may read either triangle


def write(path, header, *arrays):
    with open(path, "wb") as f:
        np.asarray(header, dtype="<f8").tofile(f)
        for a in arrays:
            np.ascontiguousarray(a, dtype="<f8").tofile(f)


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    rest = sys.argv[3:]
    cut = rest.index("--")
    for p in map(int, rest[:cut]):
        rng = np.random.default_rng(1000 + p)
        mu = rng.standard_normal(p)
        sigma = spd(rng, p)
        # observations drawn from the model itself, so log-densities have
        # their typical size (about -p/2 (1 + log 2 pi) each)
        x = mu + rng.standard_normal((n, p)) @ np.linalg.cholesky(sigma).T
        write(f"{out}/mvn_p{p}.bin", [p, n], mu, sigma, x)
    for p in map(int, rest[cut + 1:]):
        rng = np.random.default_rng(2000 + p)
        nu = p + 3.5  # non-integer: exercises the real-nu multivariate gamma
        s = spd(rng, p)
        # a draw X = (L Z)(L Z)^T with Z p x ceil(nu) Gaussian: a typical,
        # well-conditioned point of the density
        z = rng.standard_normal((p, int(np.ceil(nu))))
        lz = np.linalg.cholesky(s) @ z
        x = lz @ lz.T
        x = (x + x.T) / 2
        write(f"{out}/wishart_p{p}.bin", [p, nu], s, x)


if __name__ == "__main__":
    main()
