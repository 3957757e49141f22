"""timeline_* tests: timeline_app (tests/mpi/timeline_app.c) under the real mpiexec with WPROF_TIMELINE,
the report's /timeline read back with h5py and checked against the calls the program made.
    timeline_check.py <np2|np4|cap|off|twice> <timeline_app> <libwprof.so> <nvtx 0|1>"""
import os
import sys
from collections import Counter

import h5py

from wptest import check, finish, rows, run_mpi, scratch_dir

CASE, APP, LIB, NVTX = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
WINDOWS, OUTER, LITE = 2, 3, 10
EV = {"window": 0, "range": 1, "lite": 2, "mpi": 7}

# one window of one rank, as (kind, name) -> count
PER_WINDOW = Counter({("range", "tl.outer"): OUTER, ("range", "tl.inner"): OUTER,
                      ("lite", "tl.lite.main"): LITE, ("lite", "tl.lite.worker"): LITE,
                      ("mpi", "MPI_Allreduce"): 2, ("mpi", "MPI_Barrier"): 1})
if NVTX:
    PER_WINDOW.update({("range", "tl.nv.push"): 1, ("range", "tl.nv.startend"): 1})
PER_RANK = WINDOWS * (1 + sum(PER_WINDOW.values()))
KIND_NAME = {v: k for k, v in EV.items()}


def profile(np_, extra, args=()):
    out = os.path.join(scratch_dir(), "report.h5")
    env = {"WPROF_OUTPUT": out, "WPROF_BACKEND": "host", "WPROF_LOG": "warn"}
    if NVTX:
        env["NVTX_INJECTION64_PATH"] = LIB
    env.update(extra)
    rc, _, _, _ = run_mpi(np_, [APP] + list(args), env=env, timeout=100)
    check(rc == 0, f"timeline_app exits 0 on {np_} ranks (got {rc})")
    check(os.path.exists(out), "a report was written")
    return out


def read(out):
    with h5py.File(out, "r") as f:
        events = rows(f, "timeline") if "timeline" in f else []
        ranks = rows(f, "ranks")
    return events, ranks


def window_of(ev, windows):
    """The window event of the same rank that holds `ev` entirely, or None."""
    for w in windows:
        if w["start_ns"] <= ev["start_ns"] and ev["end_ns"] <= w["end_ns"]:
            return w
    return None


def check_rank(rank, events):
    check(len(events) == PER_RANK, f"rank {rank}: {PER_RANK} events (got {len(events)})")
    check(all(e["end_ns"] >= e["start_ns"] for e in events), f"rank {rank}: every event ends after it starts")
    unknown = sorted({e["kind"] for e in events} - set(KIND_NAME))
    check(not unknown, f"rank {rank}: only window/range/lite/mpi events (also got kinds {unknown})")
    windows = sorted((e for e in events if e["kind"] == EV["window"]), key=lambda e: e["start_ns"])
    check([w["name"] for w in windows] == [f"window {i}" for i in range(WINDOWS)],
          f"rank {rank}: window events 'window 0'..'window {WINDOWS - 1}' (got {[w['name'] for w in windows]})")
    check(all(a["end_ns"] <= b["start_ns"] for a, b in zip(windows, windows[1:])), f"rank {rank}: windows in order")
    per_window = {w["name"]: [] for w in windows}
    for e in events:
        if e["kind"] == EV["window"]:
            continue
        w = window_of(e, windows)
        if check(w is not None, f"rank {rank}: {KIND_NAME.get(e['kind'])} event {e['name']} lies inside a window"):
            per_window[w["name"]].append(e)
    for name, evs in per_window.items():
        got = Counter((KIND_NAME.get(e["kind"]), e["name"]) for e in evs)
        check(got == PER_WINDOW, f"rank {rank} {name}: events {dict(PER_WINDOW)} (got {dict(got)})")
        lite_tracks = {e["track"] for e in evs if e["kind"] == EV["lite"]}
        check(len(lite_tracks) == 2 and all(t > 0 for t in lite_tracks),
              f"rank {rank} {name}: lite events on two thread tracks (got {sorted(lite_tracks)})")
        main_track = next(w["track"] for w in windows if w["name"] == name)
        main_lite = {e["track"] for e in evs if e["name"] == "tl.lite.main"}
        check(main_lite == {main_track}, f"rank {rank} {name}: the main thread's lite scope is on the window's track")
    check_nesting(rank, events)


def check_nesting(rank, events):
    """Each tl.inner lies inside a tl.outer of the same thread (the stack as recorded)."""
    outers = [e for e in events if e["name"] == "tl.outer"]
    for e in events:
        if e["name"] != "tl.inner":
            continue
        ok = any(o["track"] == e["track"] and o["start_ns"] <= e["start_ns"] and e["end_ns"] <= o["end_ns"]
                 for o in outers)
        if not check(ok, f"rank {rank}: tl.inner at {e['start_ns']} nested in a tl.outer"):
            return


def full(np_):
    events, ranks = read(profile(np_, {"WPROF_TIMELINE": "1"}))
    check(sorted({e["rank"] for e in events}) == list(range(np_)), f"events of every rank 0..{np_ - 1}")
    for r in range(np_):
        check_rank(r, [e for e in events if e["rank"] == r])
    check(all(r["timeline_dropped"] == 0 for r in ranks), "no rank dropped events")
    check(not any(e["name"] in ("tl.outside", "tl.lite.outside") for e in events),
          "ranges and lite calls between windows are not events")


def capped():
    np_, cap = 2, 50
    events, ranks = read(profile(np_, {"WPROF_TIMELINE": "1", "WPROF_TIMELINE_MAX_EVENTS": str(cap)}))
    for r in range(np_):
        mine = [e for e in events if e["rank"] == r]
        check(len(mine) == cap, f"rank {r}: exactly {cap} events kept (got {len(mine)})")
        dropped = next((x["timeline_dropped"] for x in ranks if x["rank"] == r), None)
        check(dropped == PER_RANK - cap, f"rank {r}: timeline_dropped {PER_RANK - cap} (got {dropped})")
        check(any(e["name"] == "window 0" for e in mine), f"rank {r}: the first window's event is kept")


def off():
    events, ranks = read(profile(2, {}))
    check(events == [], f"no WPROF_TIMELINE: /timeline is empty (got {len(events)} rows)")
    check(all(r["timeline_dropped"] == 0 for r in ranks), "no WPROF_TIMELINE: nothing dropped")


def twice():
    """wprof_init again after wprof_finalize: each session's report holds its own events only."""
    out = profile(2, {"WPROF_TIMELINE": "1"}, ["twice"])
    second = out[:-len(".h5")] + ".2.h5"
    check(os.path.exists(second), "the second session wrote report.2.h5")
    for path in (out, second):
        events, ranks = read(path)
        for r in range(2):
            check_rank(r, [e for e in events if e["rank"] == r])
        check(all(x["timeline_dropped"] == 0 for x in ranks), f"{os.path.basename(path)}: nothing dropped")
        # the windows of both sessions count from 0: the second's /mpi and /ranges rows hold its own calls
        with h5py.File(path, "r") as f:
            got = Counter()
            for kind, table in (("mpi", "mpi"), ("range", "ranges")):
                for x in rows(f, table):
                    if x["window"] >= 0:
                        got[(x["rank"], x["window"], kind, x["name"])] += x["calls"]
        want = Counter({(r, w, kind, name): n for r in range(2) for w in range(WINDOWS)
                        for (kind, name), n in PER_WINDOW.items() if kind in ("mpi", "range")})
        check(got == want, f"{os.path.basename(path)}: /mpi and /ranges calls per window are the session's own "
              f"(extra {dict(got - want)}, missing {dict(want - got)})")


if CASE == "np2":
    full(2)
elif CASE == "np4":
    full(4)
elif CASE == "cap":
    capped()
elif CASE == "off":
    off()
elif CASE == "twice":
    twice()
else:
    check(False, f"unknown case {CASE}")
finish()
