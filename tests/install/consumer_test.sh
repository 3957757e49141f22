#!/usr/bin/env bash
# Installs the build into a scratch prefix, builds tests/install/consumer with find_package(wprof)
# and with pkg-config, runs each under mpiexec, and reads the reports with the installed wprof.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
read -r -a preflags <<<"${WPROF_MPIEXEC_PREFLAGS//;/ }"

cmake --install "$WPROF_BUILD_DIR" --prefix "$prefix" >/dev/null
for f in include/wprof/wprof.h include/wprof/wprof_mpi.h lib/libwprof.so lib/libwprof.a \
         lib/cmake/wprof/wprofConfig.cmake lib/pkgconfig/wprof.pc bin/wprof; do
  [ -e "$prefix/$f" ] || { echo "FAIL: install is missing $f"; exit 1; }
done

check_run() { # name command...
  local name=$1; shift
  local report="$work/$name.h5"
  WPROF_OUTPUT="$report" "$WPROF_MPIEXEC" -n 2 "${preflags[@]}" "$@"
  "$prefix/bin/wprof" report "$report" >"$work/$name.txt"
  grep -q 'consumer-range' "$work/$name.txt" || { echo "FAIL: $name report lacks the range"; cat "$work/$name.txt"; exit 1; }
  grep -q 'consumer-scope' "$work/$name.txt" || { echo "FAIL: $name report lacks the scope"; exit 1; }
  echo "ok: $name"
}

# 1. CMake: find_package(wprof) -> wprof::wprof and wprof::wprof_static
cmake -S "$here/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_COMPILER="${WPROF_C_COMPILER:-cc}" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
check_run cmake-shared "$work/cmake-build/consumer"
check_run cmake-static "$work/cmake-build/consumer_static"

# 2. pkg-config
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# shellcheck disable=SC2046
"${WPROF_C_COMPILER:-cc}" -o "$work/consumer-pc" "$here/consumer/main.c" $(pkg-config --cflags --libs wprof)
check_run pkg-config "$work/consumer-pc"
echo "PASS"
