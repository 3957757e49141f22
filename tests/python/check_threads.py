"""threads_app.py on 2 ranks: while one thread waits in a wprof sync point, the program's other
threads run (the wait is made without the GIL), and wprof.finalize() on another thread waits for
that call to end (one lock over the session's calls): the report has the window on both ranks with
an intact sync. Bounded by a timeout: a hang fails."""
import os
import re
import subprocess
import sys

import h5py

from wptest import attr, check, finish, rows, run_mpi, scratch_dir

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(scratch_dir(), "threads.h5")
env = {"WPROF_OUTPUT": out, "WPROF_SYNC_TIMEOUT_MS": "20000"}
try:
    rc, stdout, stderr, _ = run_mpi(2, [sys.executable, os.path.join(here, "threads_app.py")], env, timeout=60)
except subprocess.TimeoutExpired:
    check(False, "the program ended within 60 s (it hung)")
    finish()
check(rc == 0 and "Traceback" not in stderr, f"exits 0, no exception (got {rc})")
m = re.search(r"progress (\d+) alive (\d)", stdout)
if check(m is not None, "rank 0 reported its main thread's progress"):
    turns, alive = int(m.group(1)), int(m.group(2))
    check(alive == 1, "the thread in start() was still waiting for rank 1 after the main thread's loop")
    check(turns > 1000, f"the main thread ran meanwhile ({turns} loop turns in 0.3 s)")
check(stdout.count("done") == 2, "both ranks finished")
if check(os.path.exists(out), "the report was written"):
    with h5py.File(out, "r") as f:
        check(attr(f, "sync") == "ok", f"sync ok: finalize did not run beside the start (got {attr(f, 'sync')})")
        windows = sorted((w["rank"], w["window"]) for w in rows(f, "windows"))
        check(windows == [(0, 0), (1, 0)], f"window 0 on both ranks, got {windows}")
finish()
