#!/usr/bin/python3
"""Deterministic seed corpora for the fuzz harnesses: tests/fuzz/corpus/<name>/.
Each seed is a byte string whose first byte picks the dimension; 'ordinary'
seeds use bytes < 64 (small well-formed values, SPD matrices likely), 'hostile'
seeds use all 256 byte values (NaN, Inf, denormals, huge values, raw bits).
Usage: gen_seeds.py name [name...]   (existing corpora are left alone)."""
import os, random, sys

here = os.path.dirname(os.path.abspath(__file__))
for name in sys.argv[1:]:
    d = os.path.join(here, 'corpus', name)
    os.makedirs(d, exist_ok=True)
    rng = random.Random(name)
    for i, dim in enumerate([0, 1, 2, 4, 11]):
        for kind, hi in (('ordinary', 64), ('hostile', 256)):
            body = bytes([dim]) + bytes(rng.randrange(hi) for _ in range(600 + 300 * dim))
            path = os.path.join(d, f'{kind}_p{dim + 1}')
            if not os.path.exists(path):
                with open(path, 'wb') as f:
                    f.write(body)
