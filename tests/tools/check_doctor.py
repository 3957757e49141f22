"""`wprof doctor` on synthetic reports (make_report) with one kind of defect each: a clean report
gives only info lines and exit 0; each defect its own finding and exit 1; an unreadable input exit 2.
Also: JSON output, and a report whose rank_spans attributes were removed (older writer) still shows
a rank absent from a table (doctor then reads the rank column); a window cut short (a recovered
report) is named with its steps and not taken for a step mismatch; a report whose /windows has no
cut_short column (older writer) still reads.
usage: check_doctor.py SCRATCH_DIR"""
import json
import os
import subprocess
import sys

import h5py
from tools_common import Checker, run

MAKE = os.environ["WPROF_MAKE_REPORT"]
tmp = sys.argv[1]
os.makedirs(tmp, exist_ok=True)
c = Checker()


def make(name, *flags):
    path = os.path.join(tmp, name + ".h5")
    subprocess.run([MAKE, path, "--ranks", "4"] + list(flags), check=True)
    return path


def doctor(path, *extra):
    rc, out, err = run(["doctor", path] + list(extra))
    print(f"$ wprof doctor {path} -> {rc}\n{out}{err}", end="")
    lines = [l for l in out.splitlines() if l]
    return rc, lines, err


def severities(lines):
    return [l.split(":", 1)[0] for l in lines]


# a clean report: info lines only, exit 0
rc, lines, err = doctor(make("clean"))
c.eq(rc, 0, "clean report: exit status")
c.check(lines and set(severities(lines)) == {"info"}, f"clean report: only info lines ({lines})")
c.check(all(l.split(":", 1)[0] in ("info", "warning", "error") for l in lines), "SEVERITY: message lines")

# one defect each: (make_report flags, severity, words the finding must hold)
CASES = {
    "missing": (["--degraded"], "error", ["1 rank(s) missing", ": 2"]),
    "corrupt": (["--defect", "corrupt"], "error", ["corrupt", ": 3"]),
    "dropped": (["--defect", "dropped"], "warning", ["1234 CUPTI records dropped on rank(s) 1"]),
    "timeline_dropped": (["--defect", "dropped"], "warning", ["77 timeline events not kept on rank(s) 1"]),
    "sync": (["--defect", "sync"], "error", ["sync broken", "rank 1 did not arrive"]),
    "settings": (["--defect", "settings"], "warning", ["different settings"]),
    "clock": (["--defect", "clock"], "warning", ["clock residual up to 50000000 ns (rank 1)"]),
    "steps": (["--defect", "steps"], "warning", ["window 0: ranks counted different steps", "on rank(s) 1"]),
    "absent": (["--defect", "absent"], "warning", ["/ranges: no rows from 1 rank(s) (1)", "3 other rank(s)"]),
}
for case, (flags, sev, words) in CASES.items():
    rc, lines, _ = doctor(make(case, *flags))
    c.eq(rc, 1, f"{case}: exit status")
    hits = [l for l in lines if l.startswith(sev + ": ") and all(w in l for w in words)]
    c.check(len(hits) == 1, f"{case}: one {sev} line with {words} (got {lines})")
    # the defect is the only thing wrong: no other warning or error
    others = [l for l in lines if not l.startswith("info: ") and l not in hits]
    if case in ("dropped", "timeline_dropped"):
        others = [l for l in others if "dropped" not in l and "not kept" not in l]
    if case == "missing":  # --degraded also drops CUPTI records on rank 1
        others = [l for l in others if "CUPTI records dropped" not in l]
    c.check(not others, f"{case}: no unrelated findings ({others})")

# a rank absent from a table, found without the rank_spans attributes (older reports)
old = make("absent_old", "--defect", "absent")
with h5py.File(old, "r+") as f:
    for name in f:
        if isinstance(f[name], h5py.Dataset) and "rank_spans" in f[name].attrs:
            del f[name].attrs["rank_spans"]
    c.check("rank_spans" not in f["ranges"].attrs, "rank_spans removed")
rc, lines, _ = doctor(old)
c.check(rc == 1 and any("/ranges: no rows from 1 rank(s) (1)" in l for l in lines),
        f"absent rank found from the rank column ({lines})")

# the writer's rank_spans: every rank 0-3 in one span
with h5py.File(os.path.join(tmp, "clean.h5"), "r") as f:
    c.eq(list(f["kernels"].attrs["rank_spans"]), [0, 3], "/kernels rank_spans")
with h5py.File(os.path.join(tmp, "missing.h5"), "r") as f:
    c.eq(list(f["kernels"].attrs["rank_spans"]), [0, 1, 3, 3], "/kernels rank_spans without rank 2")

# a window cut short (recovered from an open-window spill): named, with the steps its rows hold
cut = make("cut_short")
with h5py.File(cut, "r+") as f:
    w = f["windows"][()]
    k = [i for i, r in enumerate(w) if r["rank"] == 2 and r["window"] == 1][0]
    w["cut_short"][k], w["steps"][k] = 1, 1
    f["windows"][...] = w
rc, lines, _ = doctor(cut)
c.check(rc == 1 and any("rank 2's window 1 was cut short" in l and "(1 step," in l for l in lines),
        f"the window cut short is named with its steps ({lines})")
c.check(not any("ranks counted different steps" in l for l in lines), "not taken for a step mismatch")

# a report from before the cut_short column: read, every window whole
older = make("no_cut_short")
with h5py.File(older, "r+") as f:
    w = f["windows"][()]
    cols = [n for n in w.dtype.names if n != "cut_short"]
    del f["windows"]
    f["windows"] = w[cols]
    c.check("cut_short" not in f["windows"].dtype.names, "cut_short removed")
rc, lines, _ = doctor(older)
c.check(rc == 0 and not any("cut short" in l for l in lines), f"a report without cut_short reads clean ({rc}, {lines})")
rc, out, err = run(["report", older])
c.check(rc == 0 and "cut short" not in out, f"wprof report reads it ({rc}, {err})")

# no GPU data is info, not a defect
rc, lines, _ = doctor(make("nogpu", "--no-gpu"))
c.eq(rc, 0, "no GPU data: exit status")
c.check(any(l.startswith("info: no GPU data") for l in lines), f"no GPU data is an info line ({lines})")

# JSON
rc, out, _ = run(["doctor", os.path.join(tmp, "sync.h5"), "--format", "json"])
doc = json.loads(out)
c.eq(rc, 1, "json: exit status")
c.eq(doc["exit"], 1, "json: exit field")
c.check(any(f["severity"] == "error" and "sync broken" in f["message"] for f in doc["findings"]),
        f"json: the sync finding ({doc})")

# unreadable inputs: exit 2 with one error line
junk = os.path.join(tmp, "junk.h5")
with open(junk, "w") as f:
    f.write("not hdf5\n")
for bad in (junk, os.path.join(tmp, "does-not-exist.h5"), os.path.join(tmp, "empty.d")):
    if bad.endswith(".d"):
        os.makedirs(bad, exist_ok=True)
    rc, lines, _ = doctor(bad)
    c.eq(rc, 2, f"{bad}: exit status")
    c.check(len(lines) == 1 and lines[0].startswith("error: "), f"{bad}: one error line ({lines})")

# usage
rc, _, err = run(["doctor"])
c.eq(rc, 2, "no argument: usage exit status")
rc, _, err = run(["doctor", junk, "--format", "xml"])
c.eq(rc, 2, "bad --format: usage exit status")
c.done()
