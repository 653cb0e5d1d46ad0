#!/usr/bin/env bash
# Stage an install of the build tree, then build and run a consumer through
# pkg-config and through find_package(bayesmat). Args: build-dir src-dir work-dir
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work"; mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(ls -d "$work"/prefix/lib*/pkgconfig | head -1); libdir=${libdir%/pkgconfig}
# 1. pkg-config (shared)
PKG_CONFIG_PATH="$libdir/pkgconfig" cc -std=c11 -o "$work/pc_consumer" "$src/main.c" \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs bayesmat)
LD_LIBRARY_PATH="$libdir" "$work/pc_consumer"
# 2. a fully static executable from pkg-config --static alone (no paths or
#    libraries added by hand: Requires.private and Libs.private must be complete)
PKG_CONFIG_PATH="$libdir/pkgconfig" cc -std=c11 -static -o "$work/pc_consumer_static" "$src/main.c" \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --static --cflags --libs bayesmat)
"$work/pc_consumer_static"
if PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs bayesmat | grep -qE -- '-[IL]/usr/(include|lib)( |/|$)'; then
  echo "bayesmat.pc names a system directory"; exit 1
fi
# 3. find_package(bayesmat)
cmake -S "$src" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
LD_LIBRARY_PATH="$libdir" "$work/cmake-build/consumer"
"$work/cmake-build/consumer_static"
# 4. the README's example, extracted verbatim, through pkg-config
readme=$(dirname "$src")/../README.md
awk '/^```c$/{f=1;next} /^```$/{f=0} f' "$readme" > "$work/readme_example.c"
PKG_CONFIG_PATH="$libdir/pkgconfig" cc -std=c11 -Wall -Wextra -Werror -o "$work/readme_example" "$work/readme_example.c" \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs bayesmat)
LD_LIBRARY_PATH="$libdir" "$work/readme_example" | grep -q "log f = "
# 5. an ordinary C11 user calling every family of functions, warnings as
#    errors: plain arrays of matrices must be taken without casts
for c in cc clang; do
  command -v "$c" >/dev/null || continue
  PKG_CONFIG_PATH="$libdir/pkgconfig" "$c" -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$work/every_family_$c" \
    "$src/every_family.c" $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs bayesmat)
  LD_LIBRARY_PATH="$libdir" "$work/every_family_$c" | grep -q "every family: OK"
done
echo "consumers: pkg-config (shared, fully static), find_package (shared, static), the README example and every family (-Werror) OK"
