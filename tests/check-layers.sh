#!/usr/bin/env bash
# The layers, lowest first: core (src/), distributions/, inference/; cli/,
# mpi/, examples/, bench/ and tests/ sit on top. A layer may include its own
# headers and those of the layers below it, never one above. The build's
# include paths already hide a higher layer's private headers; the public
# headers of every layer share include/bayesmat/, so this script classifies
# each public header by layer and checks every #include of src/,
# distributions/, inference/ and include/ against it.
# Usage: check-layers.sh <source dir>. Exit 1 on a violation or on a public
# header not yet classified below (add it to the list of its layer).
set -u
root=${1:?usage: check-layers.sh <source dir>}
cd "$root" || exit 2

# rank of each public header: 0 core, 1 distributions, 2 inference, 3 above
declare -A rank
for h in export status alloc validate linalg vech specfun random fd version; do rank[$h]=0; done
for h in mvn mvt wishart invwishart matnorm matt matf theta family; do rank[$h]=1; done
for h in transform laplace jeffreys model_fisher model_family check check_conjugate niw blr mniw; do rank[$h]=2; done
for h in mpi; do rank[$h]=3; done
# private-header folders of each layer
dir_rank() { case $1 in src) echo 0 ;; distributions) echo 1 ;; inference) echo 2 ;; *) echo 3 ;; esac; }
name() { case $1 in 0) echo core ;; 1) echo distributions ;; 2) echo inference ;; *) echo "a top layer" ;; esac; }

bad=0
for f in include/bayesmat/*.h; do
  h=$(basename "$f" .h)
  if [[ -z ${rank[$h]+x} ]]; then
    echo "$f: public header not classified by layer in tests/check-layers.sh"
    bad=1
  fi
done

# check_file <file> <rank of the file's layer>
check_file() {
  local f=$1 r=$2 line inc target tr
  while IFS= read -r line; do
    [[ $line =~ include[[:space:]]*[\"\<]([^\">]*) ]] || continue
    inc=${BASH_REMATCH[1]}
    target=""
    case $inc in
      bayesmat.h) tr=3 ;;
      bayesmat/*.h)
        target=$(basename "$inc" .h)
        tr=${rank[$target]:-3} ;;
      */*.h)
        # a relative path into another folder of the tree
        local d=$inc
        while [[ $d == ../* ]]; do d=${d#../}; done
        d=${d%%/*}
        case $d in src | distributions | inference | cli | mpi | tests | bench | examples) tr=$(dir_rank "$d") ;; *) continue ;; esac ;;
      *.h)
        # a private header: found in the file's own folder or a lower layer's
        tr=""
        for d in src distributions inference; do
          if [[ -f $d/$inc ]]; then tr=$(dir_rank "$d"); break; fi
        done
        [[ -z $tr ]] && continue ;;
      *) continue ;;
    esac
    if ((tr > r)); then
      echo "${f}:${line%%:*}: a $(name "$r") file includes $inc, which belongs to $(name "$tr")"
      bad=1
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$f")
}

for d in src distributions inference; do
  r=$(dir_rank $d)
  for f in $d/*.c $d/*.h; do
    [[ -f $f ]] && check_file "$f" "$r"
  done
done
for f in include/bayesmat/*.h; do
  h=$(basename "$f" .h)
  [[ -n ${rank[$h]+x} ]] && check_file "$f" "${rank[$h]}"
done

if ((bad)); then
  echo "layering: FAILED (core < distributions < inference; see docs/layers.md)"
  exit 1
fi
echo "layering: OK (src/ includes nothing from distributions/ or inference/; distributions/ nothing from inference/)"
