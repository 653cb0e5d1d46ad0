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
# 2. pkg-config --static
PKG_CONFIG_PATH="$libdir/pkgconfig" cc -std=c11 -o "$work/pc_consumer_static" "$src/main.c" \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags bayesmat) "$libdir/libbayesmat.a" \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --libs bayesmat | sed 's/-lbayesmat//')
"$work/pc_consumer_static"
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
echo "consumers: pkg-config (shared, static), find_package (shared, static) and the README example OK"
