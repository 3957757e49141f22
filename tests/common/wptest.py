"""Shared helpers of the Python scenario tests: launch through the real mpiexec, read the report with
h5py, and fail with a clear message. Paths come from the environment CTest sets (tests/CMakeLists.txt)."""
import os
import shlex
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

BUILD = os.environ.get("WPROF_BUILD_DIR", "")
BIN = os.path.join(BUILD, "bin")
WPROF = os.environ.get("WPROF_BIN", os.path.join(BIN, "wprof"))
MPIEXEC = os.environ.get("WPROF_MPIEXEC", "mpiexec")
PREFLAGS = [f for f in os.environ.get("WPROF_MPIEXEC_PREFLAGS", "").replace(";", " ").split() if f]

failures = []


def check(cond, what):
    """Records a failed check (all checks of a test run; the test fails at the end)."""
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed", flush=True)
        sys.exit(1)
    print("PASS", flush=True)
    sys.exit(0)


def scratch_dir():
    return tempfile.mkdtemp(prefix="wprof-test-")


def run_mpi(np_, argv, env=None, timeout=120):
    """Runs argv on np_ ranks; returns (returncode, stdout, stderr, seconds)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    cmd = [MPIEXEC, "-n", str(np_)] + PREFLAGS + argv
    print("$", " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items()),
          " ".join(shlex.quote(c) for c in cmd), flush=True)
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)
    took = time.monotonic() - t0
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    print(f"(exit {p.returncode} after {took:.2f} s)", flush=True)
    return p.returncode, p.stdout, p.stderr, took


def run(argv, timeout=60, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=full_env)
    return p.returncode, p.stdout, p.stderr


def attr(f, key):
    v = f.attrs[key]
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    if isinstance(v, np.generic):
        return v.item()
    return v


def names(f):
    return [n.decode() if isinstance(n, bytes) else n for n in f["names"][:]]


def rows(f, path):
    """A table as a list of dicts; name_id columns get a decoded `name` too."""
    data = f[path][:]
    dictionary = names(f)
    out = []
    for r in data:
        d = {}
        for col in data.dtype.names:
            v = r[col]
            if isinstance(v, bytes):
                v = v.decode()
            elif isinstance(v, np.generic):
                v = v.item()
            d[col] = v
        if "name_id" in d:
            d["name"] = dictionary[d["name_id"]]
        out.append(d)
    return out


def expect_kernel_row(table, key, calls, total, lo, hi, nbytes=0):
    """One /kernels row, looked up by key in `table` (key -> row), has exactly these calls, total,
    min, max and bytes."""
    r = table.get(key)
    if not check(r is not None, f"a /kernels row for {key} (rows: {sorted(table)[:30]})"):
        return
    got = (r["calls"], r["total_ns"], r["min_ns"], r["max_ns"], r["bytes"])
    want = (calls, total, lo, hi, nbytes)
    check(got == want, f"{key}: calls/total/min/max/bytes {want} (got {got})")
