"""The mpi4py worker of profiler_app.py on N ranks: the report's windows, ranges and lite scopes are
what the loop made, exactly; the explicit delay/max win over WPROF_DELAY_ITERS/WPROF_MAX_ITERS.
usage: check_profiler.py NP atexit|finalize"""
import os
import sys

import h5py

from wptest import attr, check, finish, rows, run_mpi, scratch_dir

np_, mode = int(sys.argv[1]), sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(scratch_dir(), "py.h5")
env = {"WPROF_OUTPUT": out, "WPROF_DELAY_ITERS": "5", "WPROF_MAX_ITERS": "7"}
rc, stdout, stderr, _ = run_mpi(np_, [sys.executable, os.path.join(here, "profiler_app.py"), "2", mode], env)
check(rc == 0, f"the mpi4py program exits 0 (got {rc})")
check("Traceback" not in stderr, "no Python exception")
if not check(os.path.exists(out), f"the report {out} was written ({mode})"):
    finish()

DELAY, MAX = 2, 3
with h5py.File(out, "r") as f:
    check(attr(f, "world_size") == np_, f"world_size {np_}")
    check(attr(f, "delay_iters") == DELAY and attr(f, "max_iters") == MAX,
          "the explicit delay 2 / max 3 override WPROF_DELAY_ITERS=5 / WPROF_MAX_ITERS=7")
    check(attr(f, "sync") == "ok", f"sync ok (got {attr(f, 'sync')})")
    check([r["status"] for r in rows(f, "ranks")] == ["ok"] * np_, "every rank ok")

    # two starts, each window opened by the 2nd step and closed by the 5th: steps 3
    windows = rows(f, "windows")
    for rank in range(np_):
        mine = sorted((w["window"], w["steps"]) for w in windows if w["rank"] == rank)
        check(mine == [(0, 3), (1, 3)], f"rank {rank}: windows (number, steps) [(0, 3), (1, 3)], got {mine}")

    # ranges pushed while a window ran: iterations 2, 3, 4 of each loop (the window opens at the
    # 2nd step and closes at the 5th), one py_step and two py_forward each
    ranges = rows(f, "ranges")
    for rank in range(np_):
        for window in (0, 1):
            got = {r["name"]: r for r in ranges if r["rank"] == rank and r["window"] == window}
            calls = {n: r["calls"] for n, r in got.items()}
            check(calls == {"py_step": 3, "py_forward": 6},
                  f"rank {rank} window {window}: range calls {{py_step: 3, py_forward: 6}}, got {calls}")
            if "py_step" in got and "py_forward" in got:
                step, fwd = got["py_step"], got["py_forward"]
                check(step["cpu_total_ns"] >= fwd["cpu_total_ns"] > 0,
                      f"rank {rank} window {window}: py_step's total holds py_forward's")
                check(step["cpu_self_ns"] == step["cpu_total_ns"] - fwd["cpu_total_ns"],
                      f"rank {rank} window {window}: py_step's self time is its total minus py_forward's")

    # lite scopes time the whole run: 16 iterations, two forwards each
    lite = rows(f, "lite")
    iters = 10 + 6
    want = {"py_iteration": iters, "py_compute": 2 * iters, "py_inner": 2 * iters, "py_raises": 1}
    for rank in range(np_):
        calls = {r["name"]: r["calls"] for r in lite if r["rank"] == rank}
        check(calls == want, f"rank {rank}: lite calls {want}, got {calls}")
        totals = {r["name"]: r["total_ns"] for r in lite if r["rank"] == rank}
        if set(totals) >= {"py_inner", "py_compute"}:
            check(totals["py_inner"] >= totals["py_compute"] > 0, f"rank {rank}: py_inner holds py_compute")
    summary = {r["name"]: r for r in rows(f, "summary/lite")}
    check({n: summary[n]["calls"] for n in want if n in summary} == {n: c * np_ for n, c in want.items()},
          "summary/lite: the calls of every rank")
    check(all(summary[n]["ranks_present"] == np_ for n in want if n in summary), "summary/lite: every rank present")
finish()
