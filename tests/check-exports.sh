#!/usr/bin/env bash
# A shared library exports exactly the API its public headers declare:
# every function and object declared in include/bayesmat/*.h (but mpi.h,
# which is bayesmat_mpi's) is a defined dynamic symbol of libbayesmat.so, and
# nothing else is (no helper shared between source files, no internal view);
# likewise include/bayesmat/mpi.h and libbayesmat_mpi.so.
# Declarations come from GCC's -aux-info (functions) and the preprocessed
# headers (extern objects), so comments and macros cannot fool the count.
# Usage: check-exports.sh <gcc> <include dir> <library.so> <headers> [extra -I dirs...]
# <headers>: "library" for every public header but mpi.h, or "mpi" for mpi.h.
set -euo pipefail
cc=$1 inc=$2 lib=$3 which=$4
shift 4
extra=()
for d in "$@"; do extra+=("-I$d"); done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

headers=()
for h in "$inc"/bayesmat/*.h; do
  if [[ $which == mpi ]]; then
    [[ $(basename "$h") == mpi.h ]] && headers+=("$h")
  else
    [[ $(basename "$h") == mpi.h ]] || headers+=("$h")
  fi
done
for h in "${headers[@]}"; do echo "#include \"bayesmat/$(basename "$h")\""; done > "$work/all.c"
printf '%s\n' "${headers[@]}" > "$work/headers"
"$cc" -std=c11 -I"$inc" "${extra[@]}" -fsyntax-only -aux-info "$work/aux" "$work/all.c"
# functions: "/* <inc>/bayesmat/x.h:12:NC */ extern int bm_f (...);" (static inline ones are definitions: NF)
grep -F -f "$work/headers" "$work/aux" | grep -E ':[0-9]+:[NO]C \*/ extern ' |
  sed -E 's/ \(.*//; s/.*[ *]//' > "$work/functions"
# objects: extern declarations without a parameter list, statement by statement
"$cc" -std=c11 -I"$inc" "${extra[@]}" -E "$work/all.c" |
  awk -v list="$work/headers" '
    BEGIN { while ((getline h < list) > 0) want[h] = 1 }
    /^# [0-9]+ "/ { f = $3; gsub(/"/, "", f); mine = (f in want); next }
    mine { buf = buf " " $0 }
    END {
      n = split(buf, st, ";")
      for (i = 1; i <= n; i++)
        if (st[i] ~ /^[ \t]*extern[ \t]/ && st[i] !~ /\(/ && st[i] !~ /"C"/) {
          s = st[i]; sub(/\[[^]]*\][ \t]*$/, "", s); sub(/[ \t]+$/, "", s)
          m = split(s, w, /[ \t*]+/); print w[m]
        }
    }' > "$work/objects"
sort -u "$work/functions" "$work/objects" > "$work/declared"
# exported: defined dynamic symbols, without the linker's own and sanitizer runtime ones
nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' |
  grep -vE '^(_init|_fini|_edata|_end|__bss_start)$|^__' | sort -u > "$work/exported"

nd=$(wc -l < "$work/declared") ne=$(wc -l < "$work/exported")
status=0
if ! cmp -s "$work/declared" "$work/exported"; then
  comm -23 "$work/declared" "$work/exported" | sed 's/^/declared but not exported: /'
  comm -13 "$work/declared" "$work/exported" | sed 's/^/exported but not declared: /'
  status=1
fi
echo "exports: $ne symbols exported by $(basename "$lib"), $nd declared in ${#headers[@]} headers$( ((status)) && echo ' (MISMATCH)')"
exit $status
