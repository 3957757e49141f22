#!/usr/bin/env bash
# One entry point for wprof: installs what is missing, builds, tests, runs the demo and benchmarks.
#   ./run.sh demo      set up, build, profile the demo under mpirun -np 4, print `wprof report`
#   ./run.sh test      set up, build, run the whole CTest suite
#   ./run.sh test --sanitize   the unit, mpi and tools suites under ASan+UBSan (leak checks on) in
#                      ./build-sanitize, then the threaded tests under TSan in ./build-tsan
#   ./run.sh deps      install the Debian packages wprof needs (apt-get; sudo when not root)
#   ./run.sh build     configure and build into ./build
#   ./run.sh bench     build, run every benchmark of tests/bench, print one results table
#   ./run.sh sanitize  the same as ./run.sh test --sanitize
#   ./run.sh fuzz [S]  build the libFuzzer targets (clang) into ./build-fuzz, run each for S seconds
#   ./run.sh gpu-check on a machine with an NVIDIA GPU: build with CUDA, run the real-GPU tests, print
#                      one verdict table (exit 0 only if every line holds; 77 without a GPU)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
BUILD=${WPROF_BUILD_DIR:-$ROOT/build}
SAN_BUILD=${WPROF_SANITIZE_BUILD_DIR:-$ROOT/build-sanitize}
TSAN_BUILD=${WPROF_TSAN_BUILD_DIR:-$ROOT/build-tsan}
FUZZ_BUILD=${WPROF_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
JOBS=$(nproc 2>/dev/null || echo 2)

# Every Debian package a build and test run needs; later features add theirs here.
PACKAGES=(cmake build-essential pkg-config libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools
          python3-h5py libjansson-dev clang libclang-rt-14-dev gfortran libxml2-dev libcairo2-dev
          zlib1g-dev iproute2 libdeflate-dev
          python3-dev python3-setuptools python3-wheel python3-pip python3-venv python3-numpy
          python3-mpi4py python3-pandas)

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

configure_and_build() { # build_dir [-S source_dir] [cmake args...]
  local dir=$1 src=$ROOT; shift
  if [ "${1:-}" = -S ]; then src=$2; shift 2; fi
  say "configuring $dir"
  cmake -S "$src" -B "$dir" "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; die "cmake configure failed"; }
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
  if [ "${1:-}" = --sanitize ]; then shift; cmd_sanitize "$@"; return; fi
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
    if ! out=$("$b"); then # a benchmark that breaks is a row of the table, not the end of it
      say "$(basename "$b") failed"
      out="$out"$'\n'"BENCH $(basename "$b") did not finish|-|-|-|-|FAIL"
    fi
    printf '%s\n' "$out"
    mapfile -t -O "${#lines[@]}" lines < <(printf '%s\n' "$out" | sed -n 's/^BENCH //p')
  done
  # one markdown table, columns padded to their widest cell so it reads aligned in a terminal too
  printf '\n'
  { printf 'figure|wprof|baseline measured in the same run|ratio|target|result\n'
    printf '%s\n' "${lines[@]}"; } | awk -F'|' '
    NF >= 6 { n++; for (i = 1; i <= 6; i++) { c[n, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
    END {
      for (r = 1; r <= n; r++) {
        line = "|"
        for (i = 1; i <= 6; i++) line = line sprintf(" %-" w[i] "s |", c[r, i])
        print line
        if (r == 1) { line = "|"; for (i = 1; i <= 6; i++) { d = ""; for (k = 0; k < w[i] + 2; k++) d = d "-"; line = line d "|" } print line }
      }
    }'
  local model
  model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
  printf '\nmeasured on: %s, %s cores (%s), %s, load average %s at the end\n' "${model:-unknown CPU}" \
    "$(nproc)" "$(uname -m)" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# Sanitizer settings live in tests/sanitize/: the options files, and LeakSanitizer suppressions for
# the libraries that keep memory until exit by design (Open MPI, HDF5); leak detection is on. Open MPI
# unloads its components at MPI_Finalize, and a leak from an unloaded module has no name to suppress:
# keep_modules.c (preloaded) makes dlclose a no-op, hence verify_asan_link_order=0, and
# fast_unwind_on_malloc=0 gives whole stacks through libraries built without frame pointers.
sanitizer_env() { # build_dir
  local dir="$ROOT/tests/sanitize"
  cc -shared -fPIC -O2 -o "$1/libwprof_keep_modules.so" "$dir/keep_modules.c"
  export LD_PRELOAD="$1/libwprof_keep_modules.so${LD_PRELOAD:+:$LD_PRELOAD}"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-include=$dir/asan.options}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$dir/lsan.supp:print_suppressions=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-include=$dir/ubsan.options}
  local sym
  sym=$(command -v llvm-symbolizer || ls /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | tail -1 || true)
  [ -n "$sym" ] && export ASAN_SYMBOLIZER_PATH=$sym
  return 0
}

cmd_sanitize() {
  cmd_deps
  local dir=$SAN_BUILD tsan=$TSAN_BUILD
  mkdir -p "$dir" "$tsan"
  configure_and_build "$dir" -DCMAKE_BUILD_TYPE=Debug -DWPROF_SANITIZE=ON
  say "running the unit, mpi and tools suites under ASan+UBSan (leak detection on)"
  sanitizer_env "$dir"
  # install: the consumer projects build a fresh, unsanitized copy; nothing sanitized to learn there
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" -L 'unit|mpi|tools' -LE install "$@"
  say "the multithreaded lite-scope and range tests under ThreadSanitizer"
  configure_and_build "$tsan" -S "$ROOT/tests/sanitize/tsan" -DCMAKE_BUILD_TYPE=Debug
  LD_PRELOAD= ctest --test-dir "$tsan" --output-on-failure
}

cmd_fuzz() {
  local secs=${1:-300} dir=$FUZZ_BUILD t status=0
  cmd_deps
  mkdir -p "$dir"
  configure_and_build "$dir" -S "$ROOT/tests/fuzz/project" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug
  for t in fuzz_wire_decode fuzz_spill_read fuzz_env_config fuzz_h5_read; do
    say "$t for $secs s"
    bash "$ROOT/tests/fuzz/run_fuzz.sh" "$dir/$t" "$ROOT/tests/fuzz/corpus/$t" "$dir/scratch/$t" \
      -max_total_time="$secs" || status=1
  done
  return $status
}

# The GPUs' architectures for CMake: "native" needs CMake 3.24; before it, the compute capabilities
# nvidia-smi reports (8.6 -> 86); empty (CMake's default) when neither is known.
cuda_architectures() {
  local v
  v=$(cmake --version | sed -n 's/^cmake version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  set -- $v
  if [ "${1:-0}" -gt 3 ] || { [ "${1:-0}" -eq 3 ] && [ "${2:-0}" -ge 24 ]; }; then echo native; return; fi
  nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | tr -d ' .' | grep -E '^[0-9]+$' |
    sort -u | paste -sd ';' - || true
}

# The first command on a GPU machine: what the fake CUPTI cannot prove (tests/gpu/gpu_check.py).
cmd_gpu_check() {
  if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
    echo "gpu-check: no NVIDIA GPU here (nvidia-smi lists none): nothing to check" >&2
    exit 77
  fi
  local nvcc
  nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
  [ -n "$nvcc" ] || die "gpu-check needs the CUDA toolkit (nvcc not found on PATH or in /usr/local/cuda/bin)"
  cmd_deps
  mkdir -p "$BUILD"
  local archs
  archs=$(cuda_architectures)
  configure_and_build "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CUDA_COMPILER="$nvcc" \
    ${archs:+-DCMAKE_CUDA_ARCHITECTURES="$archs"}
  say "the real-GPU tests (ctest -L gpu)"
  local status=0
  ctest --test-dir "$BUILD" --output-on-failure -L gpu || status=$?
  local py
  for py in python3 /usr/bin/python3; do "$py" -c 'import h5py' 2>/dev/null && break; done
  say "profiling tests/gpu/gpu_check_app on the GPU"
  "$py" "$ROOT/tests/gpu/gpu_check.py" "$BUILD" "$status"
}

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

case "${1:-}" in
  deps) cmd_deps ;;
  build) cmd_deps; cmd_build ;;
  test) shift; cmd_test "$@" ;;
  demo) cmd_demo ;;
  bench) cmd_bench ;;
  sanitize) shift; cmd_sanitize "$@" ;;
  fuzz) shift; cmd_fuzz "$@" ;;
  gpu-check) cmd_gpu_check ;;
  -h|--help|help|"") usage ;;
  *) usage >&2; die "unknown command: $1" ;;
esac
