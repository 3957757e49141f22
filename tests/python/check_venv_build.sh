#!/usr/bin/env bash
# `pip install --no-build-isolation` of python/ into a fresh venv made with --system-site-packages,
# both ways the package finds libwprof: beside a build (WPROF_BUILD_DIR) and installed (pkg-config).
# Each installed package then profiles a program whose report it reads back. Offline: --no-index.
set -euo pipefail
unset PYTHONPATH # the venv alone must provide wprof
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=${WPROF_PYTHON:-python3}
# a copy, so pip's in-tree build leaves nothing in the source tree
cp -r "$WPROF_SOURCE_DIR/python" "$work/src"
rm -rf "$work/src/build" "$work/src/"*.egg-info
"$python" -m venv --system-site-packages "$work/venv"
pip=("$work/venv/bin/python" -m pip install -q --no-build-isolation --no-index --no-deps)

smoke() { # how
  (cd "$work" && WPROF_OUTPUT="$work/$1.h5" "$work/venv/bin/python" -c '
import sys, wprof
assert wprof.__file__.startswith(sys.prefix), wprof.__file__
p = wprof.WorkerProfiler(delay_iters=0, max_iters=2)
p.start()
for _ in range(4):
    with wprof.range("venv_step"), wprof.LiteScope("venv_scope"):
        pass
    p.step()
p.stop()
assert wprof.finalize() == wprof.OK
r = wprof.read_report(sys.argv[1])
assert list(r["lite"]["calls"]) == [4] and list(r["lite"]["name"]) == ["venv_scope"], r["lite"]
assert list(r["windows"]["steps"]) == [3], r["windows"]  # delay 0: max + 1 steps, as the seed
print("ok:", sys.argv[2], wprof._wprof.__file__)
' "$work/$1.h5" "$1")
}

WPROF_BUILD_DIR="$WPROF_BUILD_DIR" "${pip[@]}" "$work/src"
smoke build-tree
loads() { ldd "$work"/venv/lib/python3*/site-packages/wprof/_wprof*.so; } # whole output: no SIGPIPE under pipefail
[[ $(loads) == *"$WPROF_BUILD_DIR/lib/libwprof.so"* ]] ||
  { echo "FAIL: the build-tree install does not load the build's libwprof"; exit 1; }

prefix="$work/prefix"
cmake --install "$WPROF_BUILD_DIR" --prefix "$prefix" >/dev/null
"$work/venv/bin/python" -m pip uninstall -q -y wprof
rm -rf "$work/src/build" "$work/src/"*.egg-info
(unset WPROF_BUILD_DIR; PKG_CONFIG_PATH="$prefix/lib/pkgconfig" "${pip[@]}" "$work/src")
smoke pkg-config
[[ $(loads) == *"$prefix/lib/libwprof.so"* ]] ||
  { echo "FAIL: the pkg-config install does not load the installed libwprof"; exit 1; }
echo PASS
