"""`mpiexec -n N wprof run -- python app.py` on an mpi4py program that does not import wprof: the
preloaded libwprof's MPI_Init/MPI_Finalize wrappers run the session, every call the program makes is
in /mpi with its exact count, and the steps of --step-mpi MPI_Allreduce open the windows.
Then a program that does drive its own windows (profiler_app.py, WorkerProfiler) under
`WPROF_START=manual wprof run`: one report with its windows, and its MPI calls in them.
usage: check_wprof_run.py NP"""
import os
import sys

import h5py

from wptest import WPROF, attr, check, finish, rows, run_mpi, scratch_dir

np_ = int(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(scratch_dir(), "run.h5")
# tests/common only: the program could not import wprof if it tried
env = {"PYTHONPATH": os.environ.get("PYTHONPATH", "").split(os.pathsep)[-1]}
rc, stdout, stderr, _ = run_mpi(np_, [WPROF, "run", "--output", out, "--step-mpi", "MPI_Allreduce", "--delay", "2",
                                     "--max", "3", "--", sys.executable, os.path.join(here, "plain_mpi4py_app.py")],
                                env)
check(rc == 0, f"the program exits 0 under wprof run (got {rc})")
want_total = sum(sum(r + i for r in range(np_)) for i in range(8))
check(stdout.count(f"total {want_total}") == np_, "the program's results are unchanged")
if not check(os.path.exists(out), "one report"):
    finish()
with h5py.File(out, "r") as f:
    check(attr(f, "world_size") == np_, f"world_size {np_} (the MPI session, not one per process)")
    mpi = rows(f, "mpi")
    for rank in range(np_):
        calls = {}
        for r in mpi:
            if r["rank"] == rank:
                calls[r["name"]] = calls.get(r["name"], 0) + r["calls"]
        got = {n: calls.get(n) for n in ("MPI_Allreduce", "MPI_Bcast", "MPI_Barrier")}
        check(got == {"MPI_Allreduce": 8, "MPI_Bcast": 3, "MPI_Barrier": 1},
              f"rank {rank}: the program's MPI calls in /mpi, got {got}")
        windows = [(w["window"], w["steps"]) for w in rows(f, "windows") if w["rank"] == rank]
        check(windows == [(0, 3)], f"rank {rank}: one window of 3 Allreduce steps (delay 2, max 3), got {windows}")
        in_window = sum(r["calls"] for r in mpi if r["rank"] == rank and r["name"] == "MPI_Allreduce" and r["window"] == 0)
        # a call is a step once it returns: the 2nd opens the window, the 5th (4th profiled) closes it,
        # so calls 3, 4 and 5 ran inside
        check(in_window == 3, f"rank {rank}: the window holds Allreduce calls 3-5, got {in_window}")

# WPROF_START=manual: the program's own WorkerProfiler opens the windows, not wprof run's init start
out2 = os.path.join(scratch_dir(), "both.h5")
rc, _, stderr, _ = run_mpi(np_, [WPROF, "run", "--output", out2, "--", sys.executable,
                                 os.path.join(here, "profiler_app.py"), "2", "atexit"], {"WPROF_START": "manual"})
check(rc == 0 and "Traceback" not in stderr, f"profiler_app.py exits 0 under wprof run (got {rc})")
if check(os.path.exists(out2), "one report for profiler_app.py"):
    with h5py.File(out2, "r") as f:
        check(attr(f, "world_size") == np_, f"world_size {np_}")
        mpi = rows(f, "mpi")
        for rank in range(np_):
            windows = sorted((w["window"], w["steps"]) for w in rows(f, "windows") if w["rank"] == rank)
            check(windows == [(0, 3), (1, 3)], f"rank {rank}: the WorkerProfiler's windows, got {windows}")
            per_window = {r["window"]: r["calls"] for r in mpi if r["rank"] == rank and r["name"] == "MPI_Allreduce"}
            # one Allreduce per iteration: iterations 2-4 of each loop ran inside a window, 16 in all
            check(per_window.get(0) == 3 and per_window.get(1) == 3 and sum(per_window.values()) == 16,
                  f"rank {rank}: Allreduce calls per window {{0: 3, 1: 3}}, 16 in all; got {per_window}")
finish()
