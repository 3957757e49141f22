"""Rank 0's report written beside PMPI_Finalize (runtime/report/report.c), in applications that make
it hard; finalize_defer_app on 2 ranks, WPROF_START=init, finalized by the MPI_Finalize wrapper alone.

  signals    MPI_THREAD_SINGLE and a SIGALRM handler firing every 200 us through finalize: the write
             goes on a thread beside PMPI_Finalize (said at debug level), and its report is complete.
  no_thread  a preloaded shim refuses every thread libwprof starts (as at a thread limit): the report
             is written before PMPI_Finalize instead, complete all the same, and rank 0 still says
             its phases.
  slow_start a second shim stretches libwprof's timed waits by 120 s, as if the writer's head start for
             PMPI_Finalize were that long: the MPI_Finalize wrapper wakes it once PMPI_Finalize
             returns, so the job still ends within seconds, its report complete.
  sessions   WPROF_MAX_ITERS=2, WPROF_META=run=1: a first session finalized by the app, then
             WPROF_META=run=2 and wprof_set_window_iters(0, 4) before a second one, which MPI_Finalize
             finalizes beside PMPI_Finalize into <output>.2.h5: each report carries its own session's
             settings (attributes, /meta and wprof_settings; they are formatted once per configuration).
In both, MPI_Finalize succeeds on every rank, the report is there when it returns on rank 0 (the app
checks), every rank is ok with all 500 lite scopes entered 3 times, the crash spills are removed,
and the file reads back through libhdf5 (`wprof report`) and h5py.
"""
import argparse
import os

import h5py

from wptest import WPROF, attr, check, finish, rows, run, run_mpi, scratch_dir

NP = 2
SCOPES = 500
STEPS = 3

ap = argparse.ArgumentParser()
ap.add_argument("case", choices=["signals", "no_thread", "slow_start", "sessions"])
ap.add_argument("--app", required=True)
ap.add_argument("--shim", required=True)
ap.add_argument("--slow-shim", required=True)
args = ap.parse_args()

first = os.path.join(scratch_dir(), "defer.h5")
out = first
env = {"WPROF_OUTPUT": first, "WPROF_START": "init", "WPROF_BACKEND": "host", "WPROF_LOG": "debug"}
argv = [args.app, out]
if args.case in ("no_thread", "slow_start"):
    # before what is preloaded already (the sanitizer runs keep Open MPI's modules loaded that way)
    shim = args.shim if args.case == "no_thread" else args.slow_shim
    env["LD_PRELOAD"] = shim + (":" + os.environ["LD_PRELOAD"] if os.environ.get("LD_PRELOAD") else "")
if args.case == "sessions":
    env.update({"WPROF_MAX_ITERS": "2", "WPROF_META": "run=1"})
    out = first[:-len(".h5")] + ".2.h5"
    argv = [args.app, out, "sessions"]
rc, so, se, took = run_mpi(NP, argv, env, timeout=300)
text = so + se
check(rc == 0, f"the job succeeded (exit {rc})")
check("report there after MPI_Finalize" in text, "rank 0: the report was there when MPI_Finalize returned")
beside = "its write goes on beside PMPI_Finalize" in text
if args.case != "no_thread":
    check(beside, "the write went on beside PMPI_Finalize")
else:
    check("shim: a thread of libwprof refused" in text, "the shim refused wprof's thread")
    check(not beside, "no thread: the report written before PMPI_Finalize")
if args.case == "slow_start":
    check("shim: libwprof's timed wait stretched by 120 s" in text, "the shim stretched the writer's head start")
    check(took < 60, f"the writer was woken when PMPI_Finalize returned: the job took {took:.1f} s, not 120+")
check(f"report written to {out}" in text, "the report was said to be written")
check("wprof[rank 0]: debug: phases: " in text, "rank 0 said its phases (bench_finalize reads them)")
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
            calls = STEPS  # the second session's report holds the calls since the first one's finalize
            check(len(mine) == SCOPES and all(x["calls"] == calls for x in mine),
                  f"rank {r}: {SCOPES} scopes of {calls} calls (got {len(mine)} rows)")
    if args.case == "sessions":
        for path, run_no, max_iters in ((first, "1", 2), (out, "2", 4)):
            with h5py.File(path, "r") as f:
                meta = {k: attr(f["meta"], k) for k in f["meta"].attrs}
                got = (attr(f, "max_iters"), attr(f, "delay_iters"), meta.get("run"), meta.get("wprof_settings", ""))
                check(got[:3] == (max_iters, 0, run_no), f"{path}: max_iters {max_iters}, delay 0, run {run_no} (got {got[:3]})")
                check(f"WPROF_MAX_ITERS={max_iters}" in got[3] and f"WPROF_META=run={run_no}" in got[3],
                      f"{path}: its own wprof_settings (got {got[3]!r})")
    rc, report, err = run([WPROF, "report", out])
    check(rc == 0 and "defer.scope." in report, f"`wprof report` reads it back (exit {rc}: {err.strip()[:200]})")
finish()
