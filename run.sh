#!/usr/bin/env bash
# One entry point for wprof: installs what is missing, builds, tests, runs the demo and benchmarks.
#   ./run.sh demo      set up, build, profile the demo under mpirun -np 4, print `wprof report`
#   ./run.sh test      set up, build, run the whole CTest suite
#   ./run.sh deps      install the Debian packages wprof needs (apt-get; sudo when not root)
#   ./run.sh build     configure and build into ./build
#   ./run.sh bench     build, run every benchmark of tests/bench, print one results table
#   ./run.sh sanitize  build with ASan+UBSan into ./build-sanitize and run the suite there
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
BUILD=${WPROF_BUILD_DIR:-$ROOT/build}
JOBS=$(nproc 2>/dev/null || echo 2)

# Every Debian package a build and test run needs; later features add theirs here.
PACKAGES=(cmake build-essential pkg-config libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools
          python3-h5py libjansson-dev)

say() { printf '==> %s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "installing packages needs root or sudo: $*"; fi
}

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done
}

cmd_deps() {
  command -v dpkg-query >/dev/null 2>&1 || die "not a Debian system: install ${PACKAGES[*]} by hand"
  local missing
  missing=$(missing_packages)
  if [ -z "$missing" ]; then say "dependencies present"; return; fi
  say "installing: $(echo $missing)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
}

configure_and_build() { # build_dir [cmake args...]
  local dir=$1; shift
  say "configuring $dir"
  cmake -S "$ROOT" -B "$dir" "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; die "cmake configure failed"; }
  grep -E '^-- wprof:|Warning' "$dir.configure.log" || true
  say "building $dir"
  cmake --build "$dir" -j "$JOBS"
}

cmd_build() { mkdir -p "$BUILD"; configure_and_build "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo; }

mpirun_flags() {
  local flags=(--oversubscribe --mca mpi_yield_when_idle 1)
  [ "$(id -u)" -eq 0 ] && flags=(--allow-run-as-root "${flags[@]}")
  printf '%s\n' "${flags[@]}"
}

cmd_test() {
  cmd_deps
  cmd_build
  say "running the test suite"
  ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" "$@"
}

cmd_demo() {
  cmd_deps
  cmd_build
  local out="$BUILD/demo"
  mkdir -p "$out"
  rm -f "$out/wprof-demo.h5"
  local flags
  mapfile -t flags < <(mpirun_flags)
  say "profiling the demo on 4 ranks (WPROF_DELAY_ITERS=2 WPROF_MAX_ITERS=6)"
  WPROF_OUTPUT="$out/wprof-demo.h5" WPROF_DELAY_ITERS=2 WPROF_MAX_ITERS=6 \
    mpirun -np 4 "${flags[@]}" "$BUILD/bin/wprof_demo" 12 2
  say "wprof report $out/wprof-demo.h5"
  "$BUILD/bin/wprof" report "$out/wprof-demo.h5"
  say "the same file with h5dump: h5dump -H $out/wprof-demo.h5"
}

cmd_bench() {
  cmd_deps
  cmd_build
  local lines=() b
  for b in "$BUILD"/bin/bench_*; do
    [ -x "$b" ] || continue
    say "$(basename "$b")"
    local out
    out=$("$b") || die "$(basename "$b") failed"
    printf '%s\n' "$out"
    mapfile -t -O "${#lines[@]}" lines < <(printf '%s\n' "$out" | sed -n 's/^BENCH //p')
  done
  printf '\n| figure | wprof | baseline | ratio | target | result |\n|---|---|---|---|---|---|\n'
  printf '%s\n' "${lines[@]}" | awk -F'|' 'NF>=6 {printf "| %s | %s | %s | %s | %s | %s |\n",$1,$2,$3,$4,$5,$6}'
  printf '\nmeasured on: %s, %s cores, %s\n' "$(uname -m)" "$JOBS" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
}

cmd_sanitize() {
  cmd_deps
  local dir="$ROOT/build-sanitize"
  mkdir -p "$dir"
  configure_and_build "$dir" -DCMAKE_BUILD_TYPE=Debug -DWPROF_SANITIZE=ON
  say "running the suite under ASan+UBSan"
  # Open MPI's own allocations at exit are not ours to fix: leaks are checked by the unit tests'
  # own LeakSanitizer pass (tests without MPI), not across the MPI library.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    ctest --test-dir "$dir" --output-on-failure -j "$JOBS" -LE install "$@"
}

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }

case "${1:-}" in
  deps) cmd_deps ;;
  build) cmd_deps; cmd_build ;;
  test) shift; cmd_test "$@" ;;
  demo) cmd_demo ;;
  bench) cmd_bench ;;
  sanitize) shift; cmd_sanitize "$@" ;;
  -h|--help|help|"") usage ;;
  *) usage >&2; die "unknown command: $1" ;;
esac
