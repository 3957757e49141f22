#!/usr/bin/env python3
"""`wprof compare`: reports at 1, 2, 4 and 8 ranks (gemm_kernel's work scaled by 1/np) give the
scaling table, CSV and JSON computed here from make_report's own values (mean per rank = total / np,
max rank, speed-up, parallel efficiency, imbalance); a sweep directory with index.json, including a
failed point and a missing report; --group-by on report attributes and sweep settings; the chart as
SVG and PNG. usage: check_compare.py OUT_DIR"""
import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from tools_common import Checker, run

out = sys.argv[1]
if os.path.isdir(out):
    shutil.rmtree(out)
os.makedirs(out)
MAKE = os.environ["WPROF_MAKE_REPORT"]
NS = "{http://www.w3.org/2000/svg}"
NPS = (1, 2, 4, 8)
c = Checker()


def make(path, np_, *extra):
    js = path + ".json"
    subprocess.run([MAKE, path, "--ranks", str(np_), "--json", js, "--scale", f"gemm_kernel={1 / np_!r}"]
                   + list(extra), check=True)
    with open(js, encoding="utf-8") as f:
        return json.load(f)


def kernel_stats(exp, np_):
    """Per kernel name: (mean per rank = total / np, max rank time), from the rows written."""
    per_rank = {}
    for (rank, _w, nid, _kind, _calls, total, *_rest) in exp["kernels"]:
        key = exp["names"][nid]
        per_rank.setdefault(key, {}).setdefault(rank, 0)
        per_rank[key][rank] += total
    return {k: (sum(v.values()) / np_, max(v.values())) for k, v in per_rank.items()}


def close(a, b, rel=1e-6):
    return a is not None and b is not None and abs(a - b) <= rel * max(abs(a), abs(b), 1.0)


reports, stats = {}, {}
for n in NPS:
    reports[n] = os.path.join(out, f"np{n}.h5")
    stats[n] = kernel_stats(make(reports[n], n), n)
TOP = 3
top = sorted(stats[1], key=lambda k: -sum(stats[n][k][0] for n in NPS))[:TOP]


def want(name, n):
    mean, mx = stats[n][name]
    sp = stats[1][name][0] / mean
    return dict(mean_ns=mean, max_ns=mx, speedup=sp, efficiency=sp * 1 / n, imbalance=mx / mean,
                nodes=(n + 1) // 2)  # make_report puts two ranks per host


# ---- JSON ----
files = [reports[n] for n in (4, 1, 8, 2)]  # any order: runs are sorted by np
st, so, se = run(["compare"] + files + ["--top", str(TOP), "--format", "json"])
c.eq(st, 0, f"compare --format json exit status ({se.strip()})")
doc = json.loads(so) if st == 0 else {"groups": [{"runs": [], "names": []}]}
c.eq(doc.get("table"), "kernels", "the table compared is the GPU one")
g = doc["groups"][0]
c.eq([r["np"] for r in g["runs"]], list(NPS), "runs sorted by np")
c.eq([r["nodes"] for r in g["runs"]], [(n + 1) // 2 for n in NPS], "nodes = distinct hostnames")
c.eq([x["name"] for x in g["names"]], top, f"the top {TOP} names by time")
for x in g["names"]:
    c.eq([p["np"] for p in x["points"]], list(NPS), f"{x['name']}: one point per run")
    for p in x["points"]:
        w = want(x["name"], p["np"])
        for key in ("mean_ns", "max_ns", "speedup", "efficiency", "imbalance"):
            c.check(close(p[key], w[key]), f"json {x['name']} np={p['np']} {key}: got {p[key]}, want {w[key]}")
gemm8 = want("gemm_kernel", 8)
c.check(gemm8["speedup"] > 1.5, f"the synthetic gemm_kernel does speed up ({gemm8['speedup']})")

# ---- CSV ----
st, so, se = run(["compare"] + files + ["--top", str(TOP), "--format", "csv"])
c.eq(st, 0, "compare --format csv exit status")
rows = list(csv.DictReader(io.StringIO(so)))
c.eq(len(rows), TOP * len(NPS), "csv: one row per (name, np)")
for r in rows:
    w = want(r["name"], int(r["np"]))
    c.eq(int(r["nodes"]), w["nodes"], f"csv {r['name']} np={r['np']} nodes")
    for key in ("mean_ns", "max_ns", "speedup", "efficiency", "imbalance"):
        c.check(close(float(r[key]), w[key], 1e-7), f"csv {r['name']} np={r['np']} {key}: {r[key]} vs {w[key]}")

# ---- text table ----
st, so, se = run(["compare"] + files + ["--top", str(TOP)])
c.eq(st, 0, "compare (table) exit status")
lines = so.splitlines()
start = next((i for i, l in enumerate(lines) if l.startswith("gemm_kernel ")), None)
c.check(start is not None, "table: a gemm_kernel block")
if start is not None:
    for k, n in enumerate(NPS):
        f = lines[start + k].split()
        w = want("gemm_kernel", n)
        c.check(f[-7:-5] == [str(n), str(w["nodes"])],
                f"table line {k}: np {n} and its nodes ({lines[start + k]!r})")
        c.eq(f[-3], f"{w['speedup']:.2f}x", f"table np={n} speed-up")
        c.eq(f[-2], f"{w['efficiency'] * 100:.1f}%", f"table np={n} efficiency")
        c.eq(f[-1], f"{w['imbalance']:.2f}", f"table np={n} imbalance")

# ---- a sweep directory: index.json with a failed point and a missing report ----
sweep = os.path.join(out, "sweep")
os.makedirs(sweep)
points = []
for i, n in enumerate(NPS):
    rel = f"p{i:03d}.h5"
    shutil.copy(reports[n], os.path.join(sweep, rel))
    points.append({"id": i, "np": n, "settings": {"WPROF_MAX_ITERS": "5", "VARIANT": "a" if n < 4 else "b"},
                   "report": rel, "status": "ok", "exit_status": 0, "wall_s": 1.0 + i, "log": f"p{i:03d}.log"})
points.append({"id": 4, "np": 16, "settings": {"WPROF_MAX_ITERS": "5", "VARIANT": "b"}, "report": "p004.h5",
               "status": "failed", "exit_status": 137, "wall_s": 0.5, "log": "p004.log"})
points.append({"id": 5, "np": 32, "settings": {"WPROF_MAX_ITERS": "5", "VARIANT": "b"}, "report": "p005.h5",
               "status": "ok", "exit_status": 0, "wall_s": 0.5, "log": "p005.log"})
with open(os.path.join(sweep, "index.json"), "w", encoding="utf-8") as f:
    json.dump({"wprof_sweep": 1, "command": ["./app"], "points": points}, f)

st, so, se = run(["compare", sweep, "--top", "2", "--format", "json"])
c.eq(st, 0, f"compare DIR exit status ({se.strip()})")
doc = json.loads(so) if st == 0 else {"groups": [{"runs": []}], "skipped": []}
c.eq(sorted(s["id"] for s in doc["skipped"]), [4, 5], "the failed point and the missing report are skipped")
c.check(any("137" in s["reason"] for s in doc["skipped"]), "the failed point's exit status is said")
c.check("skipping point 4" in se and "skipping point 5" in se, "skipped points are said on stderr")
c.eq([r["np"] for r in doc["groups"][0]["runs"]], list(NPS), "the sweep's good points are compared")
c.eq(doc["groups"][0]["runs"][0]["settings"].get("WPROF_MAX_ITERS"), "5", "the sweep settings are kept")
st, so, se = run(["compare", sweep, "--top", "2"])
c.check(st == 0 and "skipped: point 4" in so, "the table lists the skipped points")

# ---- --group-by: a sweep setting splits the runs, a report attribute names the group ----
st, so, se = run(["compare", sweep, "--top", "2", "--format", "json", "--group-by", "VARIANT,backend"])
c.eq(st, 0, "--group-by exit status")
doc = json.loads(so) if st == 0 else {"groups": []}
c.eq([(gr["key"], [r["np"] for r in gr["runs"]]) for gr in doc["groups"]],
     [({"VARIANT": "a", "backend": "host"}, [1, 2]), ({"VARIANT": "b", "backend": "host"}, [4, 8])],
     "groups by VARIANT (sweep setting) and backend (report attribute)")
if len(doc["groups"]) == 2:
    gb = doc["groups"][1]
    p = next(x for x in gb["names"] if x["name"] == "gemm_kernel")["points"]
    sp = stats[4]["gemm_kernel"][0] / stats[8]["gemm_kernel"][0]
    c.check(close(p[1]["speedup"], sp) and close(p[1]["efficiency"], sp * 4 / 8),
            "speed-up and efficiency are against the group's smallest np")
st, so, se = run(["compare", sweep, "--top", "2", "--group-by", "max_iters"])
c.check(st == 0 and "group: max_iters=3" in so, "the table names the group (report attribute max_iters)")

# ---- the chart ----
chart = os.path.join(out, "scaling.svg")
st, so, se = run(["compare"] + files + ["--top", str(TOP), "-o", chart])
c.eq(st, 0, "compare -o scaling.svg exit status")
root = ET.parse(chart).getroot()
pts = [e for e in root.iter(NS + "rect") if e.get("class") == "point"]
c.eq(len(pts), TOP * len(NPS), "one marker per (name, np)")
c.eq(sorted((e.text for e in root.iter(NS + "text") if e.get("class") == "np-label"), key=int),
     [str(n) for n in NPS], "the np axis is labelled with the rank counts")
xs = {}
for e in pts:
    m = re.search(r" np=(\d+):", e.find(NS + "title").text)
    xs.setdefault(int(m.group(1)), set()).add(float(e.get("x")))
c.check(all(len(v) == 1 for v in xs.values()) and sorted(xs, key=lambda n: min(xs[n])) == list(NPS),
        "markers of one np share an x, increasing with np")
g_ys = sorted(((int(re.search(r" np=(\d+):", e.find(NS + "title").text).group(1)), float(e.get("y")))
               for e in pts if e.find(NS + "title").text.startswith("gemm_kernel ")))
c.check(all(a[1] < b[1] for a, b in zip(g_ys, g_ys[1:])), "gemm_kernel's time goes down the chart as np grows")
png = os.path.join(out, "scaling.png")
st, so, se = run(["compare"] + files + ["-o", png])
with open(png, "rb") as f:
    c.check(st == 0 and f.read(8) == b"\x89PNG\r\n\x1a\n", "compare -o scaling.png writes a PNG")

# ---- errors ----
empty = os.path.join(out, "empty")
os.makedirs(empty)
with open(os.path.join(empty, "index.json"), "w", encoding="utf-8") as f:
    json.dump({"wprof_sweep": 1, "command": [], "points": [points[4]]}, f)
for args, code, what in ((["compare"], 2, "no input"),
                         (["compare", reports[1], "-o", f"{out}/x.txt"], 2, "bad chart extension"),
                         (["compare", reports[1], "--format", "xml"], 2, "bad format"),
                         (["compare", f"{out}/nonexistent.h5"], 2, "missing report"),
                         (["compare", empty], 2, "a sweep with no good point"),
                         (["compare", reports[1], "-o", f"{out}/no/dir/x.svg"], 1, "unwritable chart")):
    st, so, se = run(args)
    c.eq(st, code, f"{what}: exit status ({se.strip()[:100]})")
c.done()
