"""timeline_gpu_* tests: cupti_app (tests/gpu/cupti_app.c) with the fake libcupti and WPROF_TIMELINE=1;
the kernels, copies and sets of its scenarios must be /timeline events on their stream's track, inside
their window, each lasting exactly the fake record's duration.
    timeline_gpu_check.py <table|ranks> <libfakecupti.so>"""
import os
import sys
from collections import Counter

import h5py

from wptest import check, finish, rows, run_mpi, scratch_dir, BIN

CASE, FAKE = sys.argv[1], sys.argv[2]
APP = os.path.join(BIN, "cupti_app")
US = 1000
EV = {"window": 0, "range": 1, "kernel": 3, "memcpy": 4, "memset": 5, "sync": 6}
STREAM7 = -1 - 7  # WPIO_TRACK_STREAM(7): the fake's stream


def profile(scenario, np_):
    out = os.path.join(scratch_dir(), "report.h5")
    env = {"WPROF_OUTPUT": out, "WPROF_BACKEND": "cupti", "WPROF_LOG": "warn", "WPROF_CUPTI_LIBRARY": FAKE,
           "WPROF_TIMELINE": "1"}
    rc, _, _, _ = run_mpi(np_, [APP, scenario, FAKE], env=env, timeout=90)
    check(rc == 0, f"{scenario}: the program exits 0 (got {rc})")
    check(os.path.exists(out), f"{scenario}: a report was written")
    with h5py.File(out, "r") as f:
        return rows(f, "timeline") if "timeline" in f else [], rows(f, "ranks")


def duration(e, rank):
    d = e["end_ns"] - e["start_ns"]
    return d if rank == 0 else round(d / 10) * 10


def gpu_events(events, rank, expected):
    """expected: (kind, name, duration_ns) -> count, for the rank's kernel/memcpy/memset events."""
    mine = [e for e in events if e["rank"] == rank]
    windows = [e for e in mine if e["kind"] == EV["window"]]
    if not check(len(windows) == 1, f"rank {rank}: one window event (got {len(windows)})"):
        return
    w = windows[0]
    gpu = [e for e in mine if e["kind"] in (EV["kernel"], EV["memcpy"], EV["memset"])]
    # rank 0 is the timebase; another rank's times pass its drift fit, which may round by a ns
    got = Counter((e["kind"], e["name"], duration(e, rank)) for e in gpu)
    check(got == Counter(expected), f"rank {rank}: GPU events (kind, name, duration) {expected} (got {dict(got)})")
    check(all(e["track"] == STREAM7 for e in gpu), f"rank {rank}: GPU events on stream 7's track {STREAM7}")
    inside = all(w["start_ns"] <= e["start_ns"] and e["end_ns"] <= w["end_ns"] for e in gpu)
    check(inside, f"rank {rank}: GPU events inside the window [{w['start_ns']}, {w['end_ns']}]")
    syncs = [e for e in mine if e["kind"] == EV["sync"]]
    check(len(syncs) == 1 and syncs[0]["name"] == "cudaDeviceSynchronize",
          f"rank {rank}: the synchronization is one event (got {[s['name'] for s in syncs]})")
    starts = sorted(e["start_ns"] for e in gpu if e["track"] == STREAM7)
    ends = sorted(e["end_ns"] for e in gpu if e["track"] == STREAM7)
    check(all(b >= a for a, b in zip(ends, starts[1:])), f"rank {rank}: one stream's work does not overlap")


def table():
    events, ranks = profile("table", 1)
    gpu_events(events, 0, {(EV["kernel"], "kA", 100 * US): 1, (EV["kernel"], "kA", 200 * US): 1,
                           (EV["kernel"], "kA", 300 * US): 1, (EV["kernel"], "kB", 50 * US): 1,
                           (EV["memcpy"], "Memcpy HtoD", 10 * US): 1, (EV["memcpy"], "Memcpy HtoD", 30 * US): 1,
                           (EV["memset"], "Memset", 5 * US): 1})
    check(not any(e["name"] == "k_outside" for e in events), "a kernel that ran before the window is no event")
    check(ranks[0]["timeline_dropped"] == 0, "nothing dropped")


def ranks_case():
    events, _ = profile("ranks", 2)
    for r in range(2):
        gpu_events(events, r, {(EV["kernel"], "k_common", (r + 1) * 100 * US): 2,
                               (EV["kernel"], f"k_rank{r}", 7 * US): 1,
                               (EV["memcpy"], "Memcpy HtoD", 3 * US): 1})


if CASE == "table":
    table()
elif CASE == "ranks":
    ranks_case()
else:
    check(False, f"unknown case {CASE}")
finish()
