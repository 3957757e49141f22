"""threads_app.py on 2 ranks: while one thread waits in a wprof sync point (in start(), or at the end
of the WPROF_STEP_RANGE range), the program's other threads run (the wait is made without the GIL);
the report has the window on both ranks with an intact sync. Bounded by a timeout: a hang fails.
usage: check_threads.py start|step_range"""
import os
import re
import subprocess
import sys

import h5py

from wptest import attr, check, finish, rows, run_mpi, scratch_dir

here = os.path.dirname(os.path.abspath(__file__))
mode = sys.argv[1]
out = os.path.join(scratch_dir(), "threads.h5")
env = {"WPROF_OUTPUT": out, "WPROF_SYNC_TIMEOUT_MS": "20000"}
if mode == "step_range":
    env["WPROF_STEP_RANGE"] = "py_iter"
try:
    rc, stdout, stderr, _ = run_mpi(2, [sys.executable, os.path.join(here, "threads_app.py"), mode], env, timeout=60)
except subprocess.TimeoutExpired:
    check(False, "the program ended within 60 s (it hung)")
    finish()
check(rc == 0 and "Traceback" not in stderr, f"exits 0, no exception (got {rc})")
m = re.search(r"progress (\d+) waiting (\d)", stdout)
if check(m is not None, "rank 0 reported the other thread's progress"):
    turns, waiting = int(m.group(1)), int(m.group(2))
    check(waiting == 1, f"{mode}: the waiting thread still waited for rank 1 when the other thread's loop ended")
    check(turns > 1000, f"{mode}: the other thread ran meanwhile ({turns} loop turns in 0.3 s)")
check(stdout.count("done") == 2, "both ranks finished")
if check(os.path.exists(out), "the report was written"):
    with h5py.File(out, "r") as f:
        check(attr(f, "sync") == "ok", f"sync ok (got {attr(f, 'sync')})")
        windows = sorted((w["rank"], w["window"]) for w in rows(f, "windows"))
        check(windows == [(0, 0), (1, 0)], f"window 0 on both ranks, got {windows}")
finish()
