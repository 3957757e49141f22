#!/usr/bin/env python3
"""`wprof trace`: the Chrome trace-event JSON of a 4-rank report with a timeline, parsed back and
checked against /timeline read with h5py: a process per rank, a named track per thread and GPU
stream, every event kind, ts/dur equal to the report's nanoseconds; .gz output identical after
gunzip; a report without a timeline gives its windows and one warning; bad input exits 2.
usage: check_trace.py WORK_DIR"""
import collections
import gzip
import json
import os
import subprocess
import sys

import h5py

from tools_common import Checker, run

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
MAKE = os.environ["WPROF_MAKE_REPORT"]
c = Checker()


def make(name, *args):
    path = os.path.join(work, name)
    if os.path.exists(path):
        os.remove(path)
    subprocess.run([MAKE, path] + list(args), check=True)
    return path


def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def out_path(name):
    p = os.path.join(work, name)
    if os.path.exists(p):
        os.remove(p)
    return p


TL = make("trace4.h5", "--ranks", "4", "--timeline")
EMPTY = make("trace-empty.h5")
KINDS = ["window", "range", "lite", "kernel", "memcpy", "memset", "sync", "mpi", "other"]

with h5py.File(TL, "r") as f:
    names = [text(s) for s in f["names"][()]]
    timeline = [(int(r["rank"]), KINDS[int(r["kind"])], names[int(r["name_id"])], int(r["track"]),
                 int(r["start_ns"]), int(r["end_ns"])) for r in f["timeline"][()]]
    hosts = {int(r["rank"]): text(r["hostname"]) for r in f["ranks"][()]}
c.check(len(timeline) > 0 and len(hosts) == 4, "the test report has a timeline and 4 ranks")

# ---- the trace of a report with a timeline ----
JS = out_path("trace4.json")
rc, out, err = run(["trace", TL, "-o", JS])
c.eq(rc, 0, f"trace exit status ({err.strip()})")
c.check("no timeline" not in err, f"no empty-timeline warning for a report with one: {err!r}")
with open(JS, "rb") as fh:
    raw = fh.read()
doc = json.loads(raw)
c.eq(doc.get("displayTimeUnit"), "ns", "displayTimeUnit")
ev = doc["traceEvents"]
meta = [e for e in ev if e["ph"] == "M"]
xs = [e for e in ev if e["ph"] == "X"]
c.eq(len(xs), len(timeline), "one X event per /timeline row")
c.eq(len(ev), len(meta) + len(xs), "only metadata and complete events")

proc = {e["pid"]: e["args"]["name"] for e in meta if e["name"] == "process_name"}
c.eq(proc, {r: f"rank {r} ({hosts[r]})" for r in range(4)}, "a named process per rank")
sort_idx = {e["pid"]: e["args"]["sort_index"] for e in meta if e["name"] == "process_sort_index"}
c.eq(sort_idx, {r: r for r in range(4)}, "processes sorted by rank")
threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in meta if e["name"] == "thread_name"}


def track_label(track):
    return f"GPU stream {-1 - track}" if track < 0 else f"thread {track}"


want_tracks = {(r, track_label(t)) for (r, _, _, t, _, _) in timeline}
c.eq({(pid, n) for (pid, _), n in threads.items()}, want_tracks, "a named track per thread and stream")
c.check(any(n.startswith("GPU stream") for n in threads.values()) and
        any(n.startswith("thread") for n in threads.values()), "both host threads and GPU streams")
for r in range(4):
    tids = sorted(t for (p, t) in threads if p == r)
    c.eq(tids, list(range(1, len(tids) + 1)), f"rank {r}: small track ids")

t0 = min(row[4] for row in timeline)
c.eq(doc["otherData"]["t0_ns"], t0, "otherData.t0_ns is the earliest event")
c.eq(min(e["ts"] for e in xs), 0, "ts relative to the earliest event")
got = collections.Counter()
for e in xs:
    a = e["args"]
    c.eq(e["cat"], a["kind"], "cat is the event kind")
    start, end = round(e["ts"] * 1000) + t0, round((e["ts"] + e["dur"]) * 1000) + t0
    c.check(start == a["start_ns"] and round(e["dur"] * 1000) == a["end_ns"] - a["start_ns"],
            f"{e['name']}: ts/dur ({e['ts']}, {e['dur']}) match args {a}")
    got[(e["pid"], e["cat"], e["name"], threads[(e["pid"], e["tid"])], start, end)] += 1
want = collections.Counter((r, k, n, track_label(t), s, e) for (r, k, n, t, s, e) in timeline)
c.eq(got, want, "every event with its rank, kind, name, track and ns times")
cats = {e["cat"] for e in xs}
c.eq(cats, {row[1] for row in timeline}, "every event kind of the report")
c.check({"window", "range", "lite", "mpi", "kernel", "memcpy"} <= cats, f"the synthetic kinds: {cats}")
for e in xs:
    if e["cat"] in ("kernel", "memcpy"):
        c.check(threads[(e["pid"], e["tid"])].startswith("GPU stream"), f"{e['name']} on a stream track")
    else:
        c.check(threads[(e["pid"], e["tid"])].startswith("thread"), f"{e['name']} on a thread track")

# ---- gzip and stdout give the same bytes ----
GZ = out_path("trace4.json.gz")
rc, _, err = run(["trace", TL, "-o", GZ])
c.eq(rc, 0, f"gz trace exit status ({err.strip()})")
with open(GZ, "rb") as fh:
    gz = fh.read()
c.check(gz[:2] == b"\x1f\x8b", "the .gz output is gzip")
c.check(gzip.decompress(gz) == raw, "gunzipped output is identical to the plain one")
c.check(len(gz) < len(raw), f"gzip is smaller ({len(gz)} vs {len(raw)} bytes)")
p = subprocess.run([os.environ["WPROF_BIN"], "trace", TL, "-o", "-"], capture_output=True, timeout=60)
c.eq(p.returncode, 0, "trace -o - exit status")
c.check(p.stdout == raw, "-o - writes the same JSON to stdout")

# ---- no timeline: the windows, aligned to rank 0's clock, and one warning ----
JE = out_path("trace-empty.json")
rc, _, err = run(["trace", EMPTY, "-o", JE])
c.eq(rc, 0, "empty-timeline trace exit status")
c.eq(err.count("no timeline in"), 1, f"one warning line: {err!r}")
c.check(f"no timeline in {EMPTY}: run with WPROF_TIMELINE=1" in err, f"the warning says what to do: {err!r}")
with open(JE) as fh:
    edoc = json.load(fh)
exs = [e for e in edoc["traceEvents"] if e["ph"] == "X"]
with h5py.File(EMPTY, "r") as f:
    windows = [tuple(int(r[k]) for k in ("rank", "window", "start_ns", "end_ns")) for r in f["windows"][()]]
    fits = {int(r["rank"]): (int(r["clock_offset_ns"]), float(r["clock_drift_ppm"]), int(r["clock_ref_ns"]))
            for r in f["ranks"][()]}
c.eq(len(exs), len(windows), "one event per /windows row")
c.check(len(windows) == 6, "3 ranks x 2 windows")


def to_root(rank, t):
    off, ppm, ref = fits[rank]
    return t - off - round(ppm * 1e-6 * (t - ref))


e0 = edoc["otherData"]["t0_ns"]
wgot = sorted((e["pid"], e["args"]["window"], round(e["ts"] * 1000) + e0, round((e["ts"] + e["dur"]) * 1000) + e0)
              for e in exs)
wwant = sorted((r, w, to_root(r, s), to_root(r, e)) for (r, w, s, e) in windows)
c.eq(wgot, wwant, "windows in rank 0's timebase")
c.check(all(e["cat"] == "window" and e["name"] == f"window {e['args']['window']}" for e in exs), "window events named")
enames = {e["args"]["name"] for e in edoc["traceEvents"] if e["name"] == "thread_name"}
c.eq(enames, {"windows"}, "the windows track")

# ---- bad input and bad output ----
bad = os.path.join(work, "not-a-report.h5")
with open(bad, "wb") as fh:
    fh.write(b"this is not HDF5\n" * 100)
for args, what in (([os.path.join(work, "missing.h5"), "-o", out_path("x.json")], "missing file"),
                   ([bad, "-o", out_path("x.json")], "not a report"),
                   ([TL], "no -o"),
                   ([TL, "-o", out_path("x.json"), "--bogus"], "unknown option"),
                   ([TL, TL, "-o", out_path("x.json")], "two reports")):
    rc, out, err = run(["trace"] + args)
    c.eq(rc, 2, f"{what}: exit status")
    c.check(err.startswith("wprof: ") and out == "", f"{what}: one error on stderr: {err!r}")
    c.check(not os.path.exists(os.path.join(work, "x.json")), f"{what}: no output file")
rc, _, err = run(["trace", TL, "-o", os.path.join(work, "no-such-dir", "t.json")])
c.eq(rc, 1, f"unwritable output: exit status ({err.strip()})")
c.check("cannot write" in err, f"unwritable output says so: {err!r}")
c.eq([f for f in os.listdir(work) if ".tmp." in f], [], "no temporary files left")
c.done()
