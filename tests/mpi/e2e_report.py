"""End to end on NP ranks: two synchronized windows (delay 1, max 3) of a program whose ranks drift
apart (no barrier: rank r works r+1 times longer per step), one report read back with h5py, h5dump
and `wprof report`, checking values, not just names."""
import os
import sys

import h5py
from wptest import BIN, WPROF, attr, check, finish, names, rows, run, run_mpi, scratch_dir

NP = int(sys.argv[1])
WORK_US, ITERS, WINDOWS = 50000, 6, 2
out = os.path.join(scratch_dir(), "report.h5")
rc, _, err, took = run_mpi(NP, [os.path.join(BIN, "e2e_app"), "--iters", str(ITERS), "--windows", str(WINDOWS),
                               "--work-us", str(WORK_US), "--barrier", "0"],
                           env={"WPROF_OUTPUT": out, "WPROF_DELAY_ITERS": "1", "WPROF_MAX_ITERS": "3",
                                "WPROF_SYNC_TIMEOUT_MS": "20000"})
check(rc == 0, f"the job exits 0 (got {rc})")
check("warning" not in err, "no warnings on a clean run")
f = h5py.File(out, "r")

# root attributes: the effective settings and the job
check(attr(f, "schema_version") == 1, "schema_version 1")
check(attr(f, "world_size") == NP, f"world_size {NP}")
check(attr(f, "delay_iters") == 1 and attr(f, "max_iters") == 3, "delay/max recorded")
check(attr(f, "backend") == "host" and attr(f, "backend_requested") == "auto", "backend host, requested auto")
check(attr(f, "sync") == "ok", f"sync ok (got {attr(f, 'sync')!r})")
check(attr(f, "output") == out, "output recorded")
check("e2e_app" in attr(f, "command"), "command recorded")

ranks = rows(f, "ranks")
check([r["rank"] for r in ranks] == list(range(NP)), "one /ranks row per rank, in order")
check(all(r["status"] == "ok" and r["pid"] > 0 and r["hostname"] and r["collected"] == 1 for r in ranks),
      "every rank ok, with pid and hostname")

# windows: steps per docs/design.md (delay 1 / max 3: the calls made while running, not the opening one)
wins = rows(f, "windows")
check(len(wins) == NP * WINDOWS, f"{NP * WINDOWS} window rows (got {len(wins)})")
check(all(w["steps"] == 3 for w in wins), f"3 steps per window (got {[w['steps'] for w in wins]})")
for w in range(WINDOWS):
    mine = [x for x in wins if x["window"] == w]
    starts = [x["start_ns"] for x in mine]
    ends = [x["end_ns"] for x in mine]
    # Without the sync point, rank NP-1 would open (NP-1)*WORK_US later than rank 0 at each step; with
    # it, the spread is the time ranks take to wake up after the release (microseconds when each rank
    # has a core, a few scheduler slices when 4 ranks share 2 busy cores), so allow half the drift.
    drift_ms = (NP - 1) * WORK_US / 1000
    bound_ms = max(drift_ms / 2, 1.0)
    spread = (max(starts) - min(starts)) / 1e6
    end_spread = (max(ends) - min(ends)) / 1e6
    print(f"window {w}: start spread {spread:.3f} ms, end spread {end_spread:.3f} ms (drift {drift_ms} ms)")
    check(spread < bound_ms, f"window {w} starts within {bound_ms} ms on all ranks (spread {spread:.3f} ms)")
    check(end_spread < bound_ms, f"window {w} ends within {bound_ms} ms on all ranks (spread {end_spread:.3f} ms)")
    check(all(x["end_ns"] > x["start_ns"] for x in mine), "windows end after they start")
if WINDOWS > 1:
    check(min(x["start_ns"] for x in wins if x["window"] == 1) > max(x["end_ns"] for x in wins if x["window"] == 0),
          "window 1 opens after window 0 closed")

check(len(f["kernels"]) == 0, "/kernels present and empty on the host backend")

# ranges: 3 iterations fall inside each window; self = total - children exactly
rng = rows(f, "ranges")
for r in range(NP):
    for w in range(WINDOWS):
        step = [x for x in rng if x["rank"] == r and x["window"] == w and x["name"] == "step"]
        inner = [x for x in rng if x["rank"] == r and x["window"] == w and x["name"] == "inner"]
        if not check(len(step) == 1 and len(inner) == 1, f"rank {r} window {w}: one step and one inner row"):
            continue
        s, i = step[0], inner[0]
        check(s["calls"] == 3 and i["calls"] == 3, f"rank {r} window {w}: 3 calls each (got {s['calls']}, {i['calls']})")
        check(s["cpu_self_ns"] == s["cpu_total_ns"] - i["cpu_total_ns"], "step self = total - inner total")
        check(i["cpu_self_ns"] == i["cpu_total_ns"], "inner has no children")
        expect = 3 * WORK_US * 1000 * (r + 1)
        win = [x for x in wins if x["rank"] == r and x["window"] == w][0]
        check(expect * 0.9999 <= i["cpu_total_ns"] <= win["end_ns"] - win["start_ns"],
              f"rank {r} window {w}: inner time {i['cpu_total_ns']} ns between its work ({expect} ns) "
              f"and the window's length ({win['end_ns'] - win['start_ns']} ns)")
        check(s["cuda_self_ns"] == 0 and s["cuda_total_ns"] == 0, "no CUDA time on the host backend")

# lite: the whole run, every iteration
lite = rows(f, "lite")
for r in range(NP):
    work = [x for x in lite if x["rank"] == r and x["name"] == "work"]
    if not check(len(work) == 1, f"rank {r}: one lite row for work"):
        continue
    x = work[0]
    expect = WORK_US * 1000 * (r + 1)
    check(x["calls"] == ITERS * WINDOWS, f"rank {r}: work calls {ITERS * WINDOWS} (got {x['calls']})")
    # TSC calibration against CLOCK_MONOTONIC is good to ~1e-5, so allow 1e-4 below the spin length
    check(expect * 0.9999 <= x["min_ns"] <= x["p50_ns"] <= x["p90_ns"] <= x["p99_ns"] <= x["max_ns"] * 1.01,
          f"rank {r}: min <= p50 <= p90 <= p99 <= max and >= {expect} ns")
    check(x["p50_ns"] < expect * 2, f"rank {r}: p50 {x['p50_ns']} close to {expect}")
hist = rows(f, "lite_hist")
for r in range(NP):
    total = sum(h["count"] for h in hist if h["rank"] == r and h["name"] == "work")
    check(total == ITERS * WINDOWS, f"rank {r}: histogram counts add up to the calls")

# summaries: across ranks, named in text
summary_lite = {x["name"].decode() if isinstance(x["name"], bytes) else x["name"]: x for x in rows(f, "summary/lite")}
s = summary_lite.get("work")
if check(s is not None, "summary/lite has work"):
    check(s["ranks_present"] == NP and s["calls"] == NP * ITERS * WINDOWS, "summary work: all ranks, all calls")
    check(s["slowest_rank"] == NP - 1, f"slowest rank is {NP - 1} (got {s['slowest_rank']})")
    if NP > 1:
        # rank 1 spins twice as long as rank 0: 400/300 = 1.33 at np 2 (more at higher np); a rank 0
        # descheduled in its spins on a loaded machine measured 1.18 once, so the bound leaves room
        # while balanced ranks (1.0) still fail it
        check(s["imbalance"] > 1.1, f"imbalance shows (got {s['imbalance']:.2f})")
summary_ranges = {(x["name"].decode() if isinstance(x["name"], bytes) else x["name"]): x for x in rows(f, "summary/ranges")}
check("step" in summary_ranges and summary_ranges["step"]["calls"] == NP * WINDOWS * 3, "summary/ranges step calls")
f.close()

# the same file through h5dump and wprof report
rc, dump, _ = run(["h5dump", "-H", out])
check(rc == 0 and all(t in dump for t in ['GROUP "summary"', '"lite_hist"', '"ranges"', '"windows"']),
      "h5dump -H reads the report")
rc, text, err = run([WPROF, "report", out])
print(text)
check(rc == 0 and "step" in text and "work" in text and "inner" in text, "wprof report prints the tables")
rc, text, err = run([WPROF, "report", out, "--rank", str(NP - 1)])
check(rc == 0 and "work" in text, "wprof report --rank prints one rank")
finish()
