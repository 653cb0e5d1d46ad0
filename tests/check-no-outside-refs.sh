#!/usr/bin/env bash
# The repository stands alone: its code, headers, docs, tests and scripts
# state the contract themselves (docs/contract.md, docs/fisher.md) and never
# point at documents outside it or at tracker numbers, which are dead links
# in an installed copy or a tarball.
# Usage: check-no-outside-refs.sh <source dir>. Exit 1 and list each hit.
set -u
root=${1:?usage: check-no-outside-refs.sh <source dir>}
cd "$root" || exit 2
# spelled in pieces so that this file does not match itself
up='\.\./'"shared"
docs='\b(SPEC|FISHER|STYLE)(\.md\b|[[:space:]]*§|\b)'
tracker='\b[Ii]ssues?[[:space:]]*#[0-9]|\(#[0-9]+\)'
self=tests/$(basename "$0")
paths=()
for p in include src distributions inference cli mpi docs tests examples bench cmake scripts .ci CMakeLists.txt README.md; do
  [[ -e $p ]] && paths+=("$p")
done
hits=$(grep -rnIE "$up|$docs|$tracker" "${paths[@]}" | grep -v "^$self:")
if [[ -n $hits ]]; then
  echo "$hits"
  echo "outside references: $(echo "$hits" | wc -l) (state it in docs/ and point there instead)"
  exit 1
fi
echo "outside references: none"
