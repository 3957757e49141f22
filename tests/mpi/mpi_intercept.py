"""MPI interception through LD_PRELOAD (issue 5), read back with h5py.

  preload  mpi_app (no wprof header, no wprof link) on 4 ranks, WPROF_START=init: a report with every
           rank, one window, and /mpi rows whose calls and bytes are exactly what the program made, and
           nothing else (wprof's own sync and gather traffic never shows); /summary/mpi across ranks.
  step     WPROF_STEP_MPI=MPI_Allreduce, delay 2, max 3: the window has 3 steps (docs/design.md) and the
           Allreduce rows split 3 in window 0, the rest in window -1, summing to the calls made.
  linked   an app that links wprof and calls wprof_init/finalize itself, also preloaded: one report,
           no doubled rows, and no libhdf5 mapped in any rank's process after the report is written
           (the app checks its /proc/self/maps and fails otherwise).
  ranks    WPROF_RANKS=0,2: ranks 1 and 3 record no /mpi rows (their calls are dropped at collect).
  fortran  a Fortran program (mpifort) under LD_PRELOAD: its calls through the Fortran bindings.
"""
import argparse
import os
import sys

import h5py

from wptest import check, finish, rows, run_mpi, scratch_dir

NP = 4
ITERS = 8

ap = argparse.ArgumentParser()
ap.add_argument("case")
ap.add_argument("--lib", required=True)
ap.add_argument("--app", required=True)
ap.add_argument("--linked-app", required=True)
ap.add_argument("--fortran-app", default="")
args = ap.parse_args()


def app_expected(n, iters):
    """(calls, bytes) per function on every rank of mpi_app (bytes rules: runtime/mpi/mpi_calls.h)."""
    e = {
        "MPI_Comm_rank": (1, 0), "MPI_Comm_size": (1, 0),
        "MPI_Irecv": (1, 64), "MPI_Isend": (1, 64), "MPI_Waitall": (1, 0), "MPI_Sendrecv": (1, 32),
        "MPI_Bcast": (1, 40), "MPI_Reduce": (1, 12), "MPI_Gather": (1, 8), "MPI_Gatherv": (1, 4),
        "MPI_Scatter": (1, 8), "MPI_Allgather": (2, 8), "MPI_Allgatherv": (1, 4),
        "MPI_Alltoall": (1, 4 * n), "MPI_Alltoallv": (1, 4 * n), "MPI_Reduce_scatter": (1, 4 * n),
        "MPI_Barrier": (1, 0), "MPI_Iallreduce": (1, 8), "MPI_Wait": (1, 0),
        "MPI_Comm_dup": (1, 0), "MPI_Comm_split": (1, 0), "MPI_Comm_free": (2, 0),
        "MPI_Allreduce": (iters, 8 * iters),
    }
    if n > 1:
        e["MPI_Send"] = (1, 4)
        e["MPI_Recv"] = (1, 4)
    return e


def launch(argv, extra_env, n=NP):
    d = scratch_dir()
    out = os.path.join(d, "report.h5")
    env = {"LD_PRELOAD": args.lib, "WPROF_OUTPUT": out, "WPROF_BACKEND": "host"}
    env.update(extra_env)
    # `env` in front of the program, so the preload applies to the ranks and not to mpiexec itself
    rc, so, se, _ = run_mpi(n, ["env"] + [f"{k}={v}" for k, v in env.items()] + argv)
    check(rc == 0, f"the job exits 0 (got {rc})")
    check(os.path.exists(out), f"a report at {out}")
    return out, so + se


def per_rank(mpi_rows):
    """{rank: {name: (calls, bytes)}} summed over windows."""
    out = {}
    for r in mpi_rows:
        c, b = out.setdefault(r["rank"], {}).get(r["name"], (0, 0))
        out[r["rank"]][r["name"]] = (c + r["calls"], b + r["bytes"])
    return out


def check_rows_sane(mpi_rows):
    for r in mpi_rows:
        check(r["calls"] > 0 and r["min_ns"] <= r["max_ns"] and r["total_ns"] >= r["max_ns"],
              f"row {r['rank']}/{r['window']}/{r['name']}: calls > 0, min <= max <= total ({r})")
    keys = [(r["rank"], r["window"], r["name"]) for r in mpi_rows]
    check(len(keys) == len(set(keys)), "one row per (rank, window, function)")


def check_exact(got, want, what):
    for rank in range(NP):
        check(got.get(rank) == want, f"{what}: rank {rank} has exactly the calls and bytes the program made "
              f"(extra {sorted(set(got.get(rank, {})) - set(want))}, "
              f"wrong {[k for k in want if got.get(rank, {}).get(k) != want[k]]})")


def case_preload():
    out, _ = launch([args.app, "--iters", str(ITERS)], {"WPROF_START": "init"})
    with h5py.File(out, "r") as f:
        check(sorted(r["rank"] for r in rows(f, "ranks")) == list(range(NP)), "every rank in /ranks")
        wins = rows(f, "windows")
        check(sorted((w["rank"], w["window"]) for w in wins) == [(r, 0) for r in range(NP)],
              f"one window per rank, opened at init ({wins})")
        mpi = rows(f, "mpi")
        check_rows_sane(mpi)
        check(all(r["window"] == 0 for r in mpi), "every call made inside the window opened at init")
        want = app_expected(NP, ITERS)
        check_exact(per_rank(mpi), want, "/mpi")
        summ = {r["name"]: r for r in rows(f, "summary/mpi")}
        check(set(summ) == set(want), f"/summary/mpi has one row per function ({sorted(summ)})")
        for name, (calls, nbytes) in want.items():
            s = summ.get(name)
            if check(s is not None, f"summary of {name}"):
                check(s["ranks_present"] == NP and s["calls"] == NP * calls and s["bytes"] == NP * nbytes,
                      f"summary {name}: {NP} ranks, {NP * calls} calls, {NP * nbytes} bytes ({s})")
                total = sum(r["total_ns"] for r in mpi if r["name"] == name)
                check(s["total_ns"] == total, f"summary {name}: total_ns is the sum of the rows")


def case_step():
    env = {"WPROF_START": "init", "WPROF_STEP_MPI": "MPI_Allreduce", "WPROF_DELAY_ITERS": "2",
           "WPROF_MAX_ITERS": "3"}
    out, _ = launch([args.app, "--iters", str(ITERS)], env)
    with h5py.File(out, "r") as f:
        wins = rows(f, "windows")
        check(sorted((w["rank"], w["window"], w["steps"]) for w in wins) == [(r, 0, 3) for r in range(NP)],
              f"one window per rank with 3 steps (delay 2 / max 3) ({wins})")
        mpi = rows(f, "mpi")
        check_rows_sane(mpi)
        check_exact(per_rank(mpi), app_expected(NP, ITERS), "rows summed over windows")
        for rank in range(NP):
            ar = {r["window"]: r["calls"] for r in mpi if r["rank"] == rank and r["name"] == "MPI_Allreduce"}
            # calls 1-2 count the delay, 3-5 run in the window (the 5th closes it after it returns)
            check(ar == {-1: ITERS - 3, 0: 3}, f"rank {rank}: Allreduce rows split 3 in window 0 ({ar})")
            others = {r["window"] for r in mpi if r["rank"] == rank and r["name"] != "MPI_Allreduce"}
            check(others == {-1}, f"rank {rank}: the calls before the window are in window -1 ({others})")


def case_linked():
    out, log = launch([args.linked_app], {"WPROF_LOG": "info"})
    check(log.count("report written") == 1, f"exactly one report written (log says {log.count('report written')})")
    with h5py.File(out, "r") as f:
        wins = rows(f, "windows")
        check(sorted((w["rank"], w["steps"]) for w in wins) == [(r, 4) for r in range(NP)],
              f"one window of 4 steps per rank ({wins})")
        mpi = rows(f, "mpi")
        check_rows_sane(mpi)
        got = per_rank(mpi)
        for rank in range(NP):
            check(got.get(rank) == {"MPI_Comm_rank": (1, 0), "MPI_Allreduce": (4, 32)},
                  f"rank {rank}: each call counted once ({got.get(rank)})")


def case_ranks():
    out, _ = launch([args.app, "--iters", str(ITERS)], {"WPROF_START": "init", "WPROF_RANKS": "0,2"})
    with h5py.File(out, "r") as f:
        got = per_rank(rows(f, "mpi"))
        check(sorted(got) == [0, 2], f"only ranks 0 and 2 have /mpi rows ({sorted(got)})")
        want = app_expected(NP, ITERS)
        for rank in (0, 2):
            check(got.get(rank) == want, f"rank {rank}: exactly the calls it made")


def case_fortran():
    if not args.fortran_app or not os.path.exists(args.fortran_app):
        print("SKIP: no Fortran test program (no working mpifort at configure time)")
        sys.exit(77)
    out, _ = launch([args.fortran_app], {"WPROF_START": "init"})
    with h5py.File(out, "r") as f:
        mpi = rows(f, "mpi")
        check_rows_sane(mpi)
        want = {"MPI_Comm_rank": (1, 0), "MPI_Comm_size": (1, 0), "MPI_Bcast": (1, 40), "MPI_Barrier": (1, 0),
                "MPI_Irecv": (1, 32), "MPI_Isend": (1, 32), "MPI_Waitall": (1, 0), "MPI_Allreduce": (6, 48),
                "MPI_Reduce": (1, 8)}
        check_exact(per_rank(mpi), want, "Fortran calls")


{"preload": case_preload, "step": case_step, "linked": case_linked, "ranks": case_ranks, "fortran": case_fortran}[args.case]()
finish()
