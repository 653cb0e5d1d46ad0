"""Helpers shared by the reference generators in tests/data (gen_*.py).

Imported by the scripts from their own directory (Python puts a script's
directory first on the module path), so each generator still runs as
/usr/bin/python3 tests/data/gen_<name>.py.
"""
import math

import numpy as np


def rot(p, rng):
    """A p x p orthogonal matrix (its rows): Gram-Schmidt on Gaussian vectors
    drawn from the random.Random `rng`, in floats."""
    cols = []
    for _ in range(p):
        v = [rng.gauss(0, 1) for _ in range(p)]
        for c in cols:
            d = sum(a * b for a, b in zip(v, c))
            v = [a - d * b for a, b in zip(v, c)]
        n = math.sqrt(sum(a * a for a in v))
        cols.append([a / n for a in v])
    return cols


def newton_ascent(x, direction, f_of, iters=500):
    """Maximise f from x by Newton's method, to rounding.

    direction(x) -> (step, lam2, shifted): the Newton step, the Newton
    decrement g^T step and whether the Hessian had to be shifted to be
    negative definite. While lam2 > 1e-6 (or the Hessian was shifted) the step
    is damped by backtracking on f_of (Armijo, 1e-4; an f_of that raises
    LinAlgError counts as a failed trial); then full Newton steps until the
    step stops shrinking (three stalls), where differences of f would only be
    rounding. Returns the last x."""
    last = math.inf
    stalls = 0
    for _ in range(iters):
        step, lam2, shifted = direction(x)
        if lam2 > 1e-6 or shifted:
            f = f_of(x)
            a = 1.0
            while a > 1e-12:
                try:
                    ok = f_of(x + a * step) >= f + 1e-4 * a * lam2
                except np.linalg.LinAlgError:
                    ok = False
                if ok:
                    break
                a *= 0.5
            x = x + a * step
            continue
        nrm = float(np.max(np.abs(step)))
        x = x + step
        if nrm >= last:
            stalls += 1
            if stalls >= 3:
                break
        last = min(last, nrm)
    return x
