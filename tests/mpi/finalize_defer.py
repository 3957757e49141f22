"""Rank 0's report written beside PMPI_Finalize (runtime/report/report.c), in applications that make
it hard; finalize_defer_app on 2 ranks, WPROF_START=init, finalized by the MPI_Finalize wrapper alone.

  signals    MPI_THREAD_SINGLE and a SIGALRM handler firing every 200 us through finalize: the write
             goes on a thread beside PMPI_Finalize (said at debug level), and its report is complete.
  no_thread  a preloaded shim refuses every thread libwprof starts (as at a thread limit): the report
             is written before PMPI_Finalize instead, complete all the same.
In both, MPI_Finalize succeeds on every rank, the report is there when it returns on rank 0 (the app
checks), every rank is ok with all 500 lite scopes entered 3 times, the crash spills are removed,
and the file reads back through libhdf5 (`wprof report`) and h5py.
"""
import argparse
import os

import h5py

from wptest import WPROF, check, finish, rows, run, run_mpi, scratch_dir

NP = 2
SCOPES = 500
STEPS = 3

ap = argparse.ArgumentParser()
ap.add_argument("case", choices=["signals", "no_thread"])
ap.add_argument("--app", required=True)
ap.add_argument("--shim", required=True)
args = ap.parse_args()

out = os.path.join(scratch_dir(), "defer.h5")
env = {"WPROF_OUTPUT": out, "WPROF_START": "init", "WPROF_BACKEND": "host", "WPROF_LOG": "debug"}
if args.case == "no_thread":
    env["LD_PRELOAD"] = args.shim
rc, so, se, _ = run_mpi(NP, [args.app, out], env)
text = so + se
check(rc == 0, f"the job succeeded (exit {rc})")
check("report there after MPI_Finalize" in text, "rank 0: the report was there when MPI_Finalize returned")
beside = "its write goes on beside PMPI_Finalize" in text
if args.case == "signals":
    check(beside, "the write went on beside PMPI_Finalize")
else:
    check("shim: a thread of libwprof refused" in text, "the shim refused wprof's thread")
    check(not beside, "no thread: the report written before PMPI_Finalize")
check(f"report written to {out}" in text, "the report was said to be written")
check(not os.path.exists(os.path.join(os.path.dirname(out), "defer.h5.spill")) and
      not [n for n in os.listdir(os.path.dirname(out)) if "spill" in n], "the crash spills are removed")

if check(os.path.exists(out), "the report exists"):
    with h5py.File(out, "r") as f:
        ranks = rows(f, "ranks")
        check([r["rank"] for r in ranks] == list(range(NP)) and all(r["status"] == "ok" for r in ranks),
              f"every rank ok (got {[(r['rank'], r['status']) for r in ranks]})")
        lite = [x for x in rows(f, "lite") if x["name"].startswith("defer.scope.")]
        for r in range(NP):
            mine = [x for x in lite if x["rank"] == r]
            check(len(mine) == SCOPES and all(x["calls"] == STEPS for x in mine),
                  f"rank {r}: {SCOPES} scopes of {STEPS} calls (got {len(mine)} rows)")
    rc, report, err = run([WPROF, "report", out])
    check(rc == 0 and "defer.scope." in report, f"`wprof report` reads it back (exit {rc}: {err.strip()[:200]})")
finish()
