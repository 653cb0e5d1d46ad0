#!/usr/bin/env python3
# Median over repeated runs of a bench executable.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a bench executable K times and print one TSV whose every row is the
median over the runs of that row's times and ratio.

    bench/median.py [-k 5] -- ./build/bench/bayesmat-bench --threads 1 --only mvn

Single runs on a small shared or virtual machine scatter (a row that starts
no thread can come out 0.5-1.9x of itself); the targets in bench/README.md
are stated on medians of several runs, and this is how they are taken.
Rows are keyed by every column that is not a number (workload, baseline
names) plus the sizes; numeric columns are replaced by their medians, and
`runs` gives the count and `ratio_min`/`ratio_max` the spread of the ratio.
Only the standard library is used."""
import argparse
import statistics
import subprocess
import sys


def is_number(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", type=int, default=5, help="number of runs (default 5)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- then the bench command")
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd or a.k < 1:
        ap.error("give -k >= 1 and a command after --")
    header = None
    order = []
    rows = {}
    for _ in range(a.k):
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        lines = [ln.split("\t") for ln in out.splitlines() if ln.strip()]
        if not lines:
            continue
        if header is None:
            header = lines[0]
        for f in lines[1:]:
            if len(f) != len(header) or f == header:
                continue
            # the sizes (p, n) are part of the key although numeric
            key = tuple(v if (not is_number(v) or h in ("p", "n", "threads")) else None
                        for h, v in zip(header, f))
            if key not in rows:
                rows[key] = []
                order.append(key)
            rows[key].append(f)
    if header is None:
        sys.exit("no output from the bench")
    has_ratio = "ratio" in header
    print("\t".join(header + ["runs"] + (["ratio_min", "ratio_max"] if has_ratio else [])))
    for key in order:
        runs = rows[key]
        cells = []
        for i, k in enumerate(key):
            if k is not None:
                cells.append(k)
            else:
                cells.append("%.5g" % statistics.median(float(r[i]) for r in runs))
        extra = [str(len(runs))]
        if has_ratio:
            j = header.index("ratio")
            rs = [float(r[j]) for r in runs]
            extra += ["%.3f" % min(rs), "%.3f" % max(rs)]
        print("\t".join(cells + extra))


if __name__ == "__main__":
    main()
