"""WPROF_PRINT's gathers at every stop keep to WPROF_GATHER_MAX_MB as finalize's does: with 16000 ranges a
window at np 4 and a 1 MB bound, rank 0 takes each stop's tables in several batches (its log says so)
and still prints every rank's tables ("ranks 4/4") at each of the 3 stops."""
import os
import re
import sys

from wptest import check, finish, run_mpi, scratch_dir

app = sys.argv[1]
out = os.path.join(scratch_dir(), "report.h5")
env = {"WPROF_OUTPUT": out, "WPROF_BACKEND": "host", "WPROF_LOG": "info", "WPROF_PRINT": "top:3",
       "WPROF_GATHER_MAX_MB": "1"}
rc, so, se, _ = run_mpi(4, [app, "16000"], env=env, timeout=240)
check(rc == 0, f"the job exits 0 (exit {rc})")
m = re.search(r"gathered the ranks' tables of window 0 in (\d+) batches", se)
check(m is not None and int(m.group(1)) >= 2, f"the stop's gather is batched ({m.group(0) if m else 'no line'})")
stops = re.findall(r"wprof: window (\d+) stop \(ranks (\d+)/4", so)
check(stops == [("0", "4"), ("1", "4"), ("2", "4")], f"every stop prints all 4 ranks' tables (got {stops})")
finish()
