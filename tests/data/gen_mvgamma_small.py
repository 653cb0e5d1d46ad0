#!/usr/bin/python3
"""Reference log Gamma_p(a) and psi_p(a) for tests/test_wishart_small.c.

Run:  /usr/bin/python3 tests/data/gen_mvgamma_small.py   (from the repository root)
Writes tests/data/mvgamma_small_ref.txt.

Each a is written with 17 significant digits and the references are computed
with mpmath at 40 digits from that exact double, term by term from the
definitions
  log Gamma_p(a) = p(p-1)/4 log(pi) + sum_{j<p} log Gamma(a - j/2),
  psi_p(a)       = sum_{j<p} psi(a - j/2)
(no duplication formula: the library's small-p route uses it, the reference
must not). Also written: the sums of |terms| (the scale of the rounding of
any double-precision evaluation of the sums).

Line format: p a lmvgamma mvdigamma scale_lmvgamma scale_mvdigamma
Cases: p = 1..17; a - (p-1)/2 from 1e-12 to 1e12 (nu from just above p - 1
to 2e12), including the zeros of log Gamma (arguments 1 and 2) and the
positive zero of psi (1.4616...) among the terms.
"""
import mpmath as mp

mp.mp.dps = 40
OFFSETS = [1e-12, 1e-6, 0.01, 0.3, 0.4616321449683623, 0.5, 1.0, 1.5, 1.75, 3.0, 4.5, 9.5, 10.25, 30.0, 1e3,
           1e6, 1e12]


def main():
    lines = []
    for p in range(1, 18):
        for off in OFFSETS:
            a = float(0.5 * (p - 1) + off)
            if not a > 0.5 * (p - 1):
                continue
            am = mp.mpf(a)
            lg = [mp.loggamma(am - mp.mpf(j) / 2) for j in range(p)]
            dg = [mp.digamma(am - mp.mpf(j) / 2) for j in range(p)]
            c = mp.mpf(p) * (p - 1) / 4 * mp.log(mp.pi)
            lmv = c + mp.fsum(lg)
            mvd = mp.fsum(dg)
            s_lg = abs(c) + mp.fsum(abs(t) for t in lg)
            s_dg = mp.fsum(abs(t) for t in dg)
            lines.append("%d %.17g %s %s %s %s" % (p, a, mp.nstr(lmv, 20), mp.nstr(mvd, 20), mp.nstr(s_lg, 6),
                                                   mp.nstr(s_dg, 6)))
    with open("tests/data/mvgamma_small_ref.txt", "w") as f:
        f.write("# p a lmvgamma mvdigamma scale_lmvgamma scale_mvdigamma (tests/data/gen_mvgamma_small.py)\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
