"""Sessions over sub-communicators on 4 ranks: two halves give two complete reports (<stem>-<leader's
world rank>.h5, world_size 2 each); a pair profiling alone while the other ranks never call wprof
exits cleanly with no lost-data warning; wprof_init on rank 0 alone returns at once (the automatic
session is reused, nothing is exchanged) and wprof_init_comm over a communicator the others never join
returns an error within the deadline.
usage: subcomm.py halves|pair01|pair23|root_only"""
import os
import re
import sys

import h5py
from wptest import BIN, attr, check, finish, rows, run_mpi, scratch_dir

APP = os.path.join(BIN, "subcomm_app")
TIMEOUT_MS = 500
case = sys.argv[1]
folder = scratch_dir()
out = os.path.join(folder, "report.h5")
env = {"WPROF_OUTPUT": out, "WPROF_SYNC_TIMEOUT_MS": str(TIMEOUT_MS)}


def ran_cleanly(rc, stdout, err, took):
    check(rc == 0, f"the job exits 0 (got {rc})")
    done = sorted(int(r) for r in re.findall(r"subcomm_app rank (\d+): done", stdout))
    check(done == [0, 1, 2, 3], f"every rank got to MPI_Finalize (got {done})")
    for lost in ("did not take this rank's data", "sent no data", "missing rank", "no release"):
        check(lost not in err, f"no rank warns {lost!r}")
    check(took < 2 * TIMEOUT_MS / 1000 + 8, f"the job ends promptly (took {took:.1f} s)")


def complete_report(path, leader_ranks):
    check(os.path.exists(path), f"{os.path.basename(path)} written")
    if not os.path.exists(path):
        return
    with h5py.File(path, "r") as f:
        check(attr(f, "world_size") == 2, f"{os.path.basename(path)}: world_size is the communicator's, 2")
        status = [r["status"] for r in rows(f, "ranks")]
        check(status == ["ok", "ok"], f"{os.path.basename(path)}: both ranks ok (got {status})")
        wins = rows(f, "windows")
        check(sorted((w["rank"], w["window"]) for w in wins) == [(0, 0), (0, 1), (1, 0), (1, 1)],
              f"{os.path.basename(path)}: two windows of each rank (got {len(wins)})")
        check(attr(f, "sync") == "ok", f"{os.path.basename(path)}: sync ok")


def halves():
    rc, stdout, err, took = run_mpi(4, [APP, "halves"], env=env)
    ran_cleanly(rc, stdout, err, took)
    complete_report(os.path.join(folder, "report-0.h5"), [0, 1])
    complete_report(os.path.join(folder, "report-2.h5"), [2, 3])
    check(not os.path.exists(out), "the replaced automatic session wrote no report")


def pair(leader):
    rc, stdout, err, took = run_mpi(4, [APP, "pair01" if leader == 0 else "pair23"], env=env)
    ran_cleanly(rc, stdout, err, took)
    check(not [l for l in err.splitlines() if "warning" in l], "no warning at all")
    complete_report(os.path.join(folder, f"report-{leader}.h5"), [leader, leader + 1])
    check(not os.path.exists(out), "the automatic session nobody used wrote no report")


def root_only():
    rc, stdout, err, took = run_mpi(4, [APP, "root_only"], env=env)
    check(rc == 0, f"the job exits 0 (got {rc})")
    m = re.search(r"rank 0: wprof_init: (.*) in ([0-9.]+) ms", stdout)
    check(m and m.group(1) == "success" and float(m.group(2)) < TIMEOUT_MS,
          "wprof_init on rank 0 alone returns at once: the automatic session is reused")
    m = re.search(r"rank 0: wprof_init_comm: (.*) in ([0-9.]+) ms", stdout)
    check(m is not None, "wprof_init_comm returned")
    if m:
        check("deadline" in m.group(1), f"with the deadline's status (got {m.group(1)!r})")
        check(float(m.group(2)) < 2 * TIMEOUT_MS, f"within the deadline (took {m.group(2)} ms)")
    check(os.path.exists(out), "the automatic session went on and wrote the report")


{"halves": halves, "pair01": lambda: pair(0), "pair23": lambda: pair(2), "root_only": root_only}[case]()
finish()
