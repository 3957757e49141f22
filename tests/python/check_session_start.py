"""Which calls start wprof's session (session_start_app.py): a scope made on one rank only never
starts a collective (no hang, the report by wprof.finalize() on every rank has it), the exit hook
does not start one under MPI, and scopes after wprof.finalize() start no second session or report.
Each run is bounded by a timeout: a hang fails the test."""
import os
import subprocess
import sys

import h5py

from wptest import attr, check, finish, rows, run, run_mpi, scratch_dir

here = os.path.dirname(os.path.abspath(__file__))
app = os.path.join(here, "session_start_app.py")
TIMEOUT = 60


def bounded(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except subprocess.TimeoutExpired:
        check(False, f"the program ended within {TIMEOUT} s (it hung)")
        return None


# 1. only rank 0 makes scopes; every rank calls wprof.finalize()
d = scratch_dir()
out = os.path.join(d, "one.h5")
r = bounded(run_mpi, 2, [sys.executable, app, "finalize"], {"WPROF_OUTPUT": out}, timeout=TIMEOUT)
if r:
    rc, stdout, stderr, _ = r
    check(rc == 0 and "Traceback" not in stderr, f"finalize mode: exits 0, no exception (got {rc})")
    check(stdout.count("done") == 2, "finalize mode: both ranks ran to the end")
    if check(os.path.exists(out), "finalize mode: wprof.finalize() on every rank wrote the report"):
        with h5py.File(out, "r") as f:
            check(attr(f, "world_size") == 2, "a 2-rank report")
            lite = [(x["rank"], x["name"], x["calls"]) for x in rows(f, "lite")]
            check(lite == [(0, "rank0_only", 3)], f"rank 0's scope, timed before the session began: {lite}")

# 2. the same without wprof.finalize(): no hang, a warning, no report
out = os.path.join(d, "exit.h5")
r = bounded(run_mpi, 2, [sys.executable, app, "exit"], {"WPROF_OUTPUT": out}, timeout=TIMEOUT)
if r:
    rc, stdout, stderr, _ = r
    check(rc == 0 and "Traceback" not in stderr, f"exit mode: exits 0, no exception (got {rc})")
    check("no session was started" in stderr and "wprof.init()" in stderr,
          "exit mode: rank 0 says its scopes went unreported and what to call")
    check(not os.path.exists(out), "exit mode: no report (no rank started a session)")

# 3. no MPI: scopes after wprof.finalize() start no second session
d2 = scratch_dir()
out = os.path.join(d2, "t1.h5")
r = bounded(run, [sys.executable, app, "after_finalize"], timeout=TIMEOUT, env={"WPROF_OUTPUT": out})
if r:
    rc, stdout, stderr = r
    sys.stdout.write(stdout + stderr)
    check(rc == 0 and "Traceback" not in stderr, f"after_finalize: exits 0, no exception (got {rc})")
    check(sorted(os.listdir(d2)) == ["t1.h5"], f"one report, no second one at exit: {sorted(os.listdir(d2))}")
    check(stderr.count("after wprof.finalize()") == 1, "one warning for the scopes after finalize")
finish()
