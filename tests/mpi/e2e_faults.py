"""Ranks that misbehave, on 4 ranks: settings that disagree are named; WPROF_RANKS collects on a subset
while every rank syncs; a rank that never calls start breaks the sync without hanging the job."""
import os
import sys

import h5py
from wptest import BIN, WPROF, attr, check, finish, rows, run, run_mpi, scratch_dir

APP = os.path.join(BIN, "e2e_app")
case = sys.argv[1]
out = os.path.join(scratch_dir(), "report.h5")
base_env = {"WPROF_OUTPUT": out, "WPROF_SYNC_TIMEOUT_MS": "20000"}


def disagree():
    # rank 2 is told delay 2 while the others have delay 1: rank 0's settings are the job's, so rank 2
    # uses delay 1, and it is named with its own values (the warning names the variable).
    rc, _, err, _ = run_mpi(4, [APP, "--iters", "6", "--windows", "1", "--barrier", "0",
                                "--rank-env", "2:WPROF_DELAY_ITERS=2"],
                            env=dict(base_env, WPROF_DELAY_ITERS="1", WPROF_MAX_ITERS="3"))
    check(rc == 0, "job exits 0")
    check("rank 2 has WPROF_DELAY_ITERS=2" in err, "the warning names rank 2 and its delay")
    check("rank 0: delay_iters=1" in err or "(rank 0:" in err, "the warning shows rank 0's values")
    with h5py.File(out, "r") as f:
        note = attr(f, "settings_agreement")
        check("rank 2" in note and "delay_iters=2" in note, f"report names rank 2 (got {note!r})")
        check(attr(f, "sync") == "ok", "sync stayed ok")
    rc, text, _ = run([WPROF, "report", out])
    check(rc == 0 and "disagree" in text and "rank 2 has delay_iters=2" in text,
          "wprof report warns about the disagreement")


def subset():
    rc, _, err, _ = run_mpi(4, [APP, "--iters", "4", "--windows", "2"],
                            env=dict(base_env, WPROF_RANKS="0,2-3", WPROF_DELAY_ITERS="0", WPROF_MAX_ITERS="0"))
    check(rc == 0, "job exits 0")
    with h5py.File(out, "r") as f:
        check(attr(f, "sync") == "ok", "every rank took part in every sync point")
        check(attr(f, "ranks") == "0,2-3", "WPROF_RANKS recorded")
        ranks = rows(f, "ranks")
        check([r["rank"] for r in ranks] == [0, 1, 2, 3], "all 4 ranks in /ranks")
        check([r["collected"] for r in ranks] == [1, 0, 1, 1], "rank 1 marked as not collecting")
        check(all(r["status"] == "ok" for r in ranks), "all ranks ok")
        for table in ["windows", "ranges", "lite", "lite_hist", "kernels"]:
            present = {x["rank"] for x in rows(f, table)}
            check(1 not in present, f"rank 1 has no rows in /{table}")
            if table in ("windows", "ranges", "lite"):
                check(present == {0, 2, 3}, f"ranks 0, 2, 3 have rows in /{table} (got {sorted(present)})")
        wins = rows(f, "windows")
        check(len(wins) == 3 * 2, "two windows on each collecting rank")


def never_start():
    timeout_ms = 1500
    rc, _, err, took = run_mpi(4, [APP, "--iters", "4", "--windows", "2", "--skip-start-rank", "3"],
                               env=dict(base_env, WPROF_SYNC_TIMEOUT_MS=str(timeout_ms)))
    check(rc == 0, "job exits 0")
    # one full timeout at the first start; later sync points do not wait the full timeout again
    check(took < timeout_ms / 1000 + 6, f"job ends within the timeout plus a few seconds (took {took:.1f} s)")
    check("missing rank(s) 3" in err, "the warning names rank 3")
    with h5py.File(out, "r") as f:
        sync = attr(f, "sync")
        check(sync.startswith("broken: missing rank(s) 3 at start of window 0"), f"report says sync broken (got {sync!r})")
        ranks = rows(f, "ranks")
        check(all(r["status"] == "ok" for r in ranks), "every rank's data still arrived")
        wins = rows(f, "windows")
        check({w["rank"] for w in wins} == {0, 1, 2}, "ranks 0-2 have windows, rank 3 none")
    rc, text, _ = run([WPROF, "report", out])
    check(rc == 0 and "rank(s) 3" in text, "wprof report shows the broken sync")


def malformed_once():
    """A malformed setting gets one message per process, not one from the session MPI_Init sets up
    and another from the application's own wprof_init."""
    rc, _, err, _ = run_mpi(2, [APP, "--iters", "2", "--windows", "1"],
                            env=dict(base_env, WPROF_DELAY_ITERS="abc", WPROF_RANKS="9-1"))
    check(rc == 0, "job exits 0")
    for var, value in (("WPROF_DELAY_ITERS", "abc"), ("WPROF_RANKS", "9-1")):
        n = err.count(f'{var}="{value}"')
        check(n == 2, f"one message per rank for {var}={value!r} (got {n})")
    with h5py.File(out, "r") as f:
        check(attr(f, "delay_iters") == 0, "the default delay is used")


def ranks_none():
    """WPROF_RANKS that names no rank of the job: said once, and the report has ranks but no rows."""
    rc, _, err, _ = run_mpi(4, [APP, "--iters", "2", "--windows", "1"], env=dict(base_env, WPROF_RANKS="5-7"))
    check(rc == 0, "job exits 0")
    check(err.count("names no rank of this 4-rank job") == 1, "one warning for the whole job")
    with h5py.File(out, "r") as f:
        check([r["collected"] for r in rows(f, "ranks")] == [0, 0, 0, 0], "no rank collected")
        check(len(f["windows"]) == 0 and len(f["lite"]) == 0, "no rows")


{"disagree": disagree, "subset": subset, "never_start": never_start, "malformed_once": malformed_once,
 "ranks_none": ranks_none}[case]()
finish()
