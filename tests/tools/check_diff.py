#!/usr/bin/env python3
"""`wprof diff`: two synthetic reports that differ in known ways (make_report --scale, --bulk,
--ranks). Identical reports show no change and exit 0; a doubled kernel shows +100 % in the
kernels table and trips --fail-above 50 (exit 1) but not 150; --by narrows the tables; new and
vanished names are listed; CSV and JSON parse and agree; usage errors exit 2.
usage: check_diff.py WORK_DIR"""
import csv
import io
import json
import math
import os
import subprocess
import sys

from tools_common import Checker, diff_json as common_diff_json, diff_row, make_report, run

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
c = Checker()


def make(name, *args):
    return make_report(work, name, *args)


def diff_json(a, b, *args):
    return common_diff_json(c, [a, b] + list(args))


def row(doc, table, name):
    return diff_row(c, doc, table, name)


BASE = ["--ranks", "4", "--timeline", "--mpi"]
A, expA = make("a", *BASE)
A2, _ = make("a2", *BASE)
B, expB = make("b", *BASE, "--scale", "gemm_kernel=2")

# ---- identical reports: no change, exit 0 even with a zero threshold ----
rc, doc, err = diff_json(A, A2, "--fail-above", "0")
c.eq(rc, 0, f"identical reports: exit status ({err.strip()})")
c.eq(sorted(doc["tables"]), ["kernels", "lite", "mpi", "ranges"], "every table without --by")
for t, rows in doc["tables"].items():
    c.check(len(rows) > 0, f"identical: {t} has rows")
    for r in rows:
        c.check(r["status"] == "both" and r["change_ns"] == 0 and r["change_pct"] == 0 and r["a_ns"] == r["b_ns"],
                f"identical: {t} {r['name']} unchanged: {r}")
c.eq(doc["regressions"], [], "identical: no regressions")
c.eq(doc["metric"], "total", "same world size: totals compared")
rc, out, _ = run(["diff", A, A2])
c.eq(rc, 0, "identical reports, text: exit status")
c.check("+0.0%" in out and "0 new" in out and "0 vanished" in out, "identical: text says no change")

# ---- a doubled kernel ----
rc, doc, err = diff_json(A, B)
c.eq(rc, 0, "no --fail-above: exit 0 whatever changed")
tot = {s["name"]: s["total_ns"] for s in expA["summary"]["kernels"]}
totB = {s["name"]: s["total_ns"] for s in expB["summary"]["kernels"]}
g = row(doc, "kernels", "gemm_kernel")
c.eq((g.get("a_ns"), g.get("b_ns")), (tot["gemm_kernel"], totB["gemm_kernel"]), "gemm_kernel A and B are the summary totals")
c.eq(g.get("change_ns"), totB["gemm_kernel"] - tot["gemm_kernel"], "gemm_kernel absolute change")
c.check(abs(g.get("change_pct", 0) - 100.0) < 0.1, f"gemm_kernel about +100 %: {g.get('change_pct')}")
c.eq(doc["tables"]["kernels"][0]["name"], "gemm_kernel", "largest change first")
for r in doc["tables"]["kernels"][1:]:
    c.check(r["change_ns"] == 0, f"only gemm_kernel changed: {r['name']}")
for t in ("ranges", "lite", "mpi"):
    c.check(all(r["change_ns"] == 0 for r in doc["tables"][t]), f"{t} unchanged by a kernel's scale")
c.eq(g.get("calls_a"), g.get("calls_b"), "calls unchanged")
c.eq((g.get("ranks_a"), g.get("ranks_b")), (4, 4), "ranks per side")

rc, out, err = run(["diff", A, B])
c.check("gemm_kernel" in out and "+100.0%" in out, f"text table shows +100.0%: {out[:400]!r}")

rc, _, err = run(["diff", A, B, "--fail-above", "50"])
c.eq(rc, 1, "--fail-above 50: exit 1")
c.check("gemm_kernel" in err and "regression" in err, f"--fail-above says which name: {err!r}")
rc, doc, _ = diff_json(A, B, "--fail-above", "50")
c.eq(rc, 1, "--fail-above 50 with JSON: exit 1")
c.eq([(r["table"], r["name"]) for r in doc["regressions"]], [("kernels", "gemm_kernel")], "JSON lists the regression")
rc, _, err = run(["diff", A, B, "--fail-above", "150"])
c.eq(rc, 0, f"--fail-above 150: exit 0 ({err.strip()})")
c.check("regression" not in err, "no regression reported under the threshold")
rc, _, _ = run(["diff", B, A, "--fail-above", "10"])
c.eq(rc, 0, "a speed-up is no regression")

# ---- --by ----
rc, doc, err = diff_json(A, B, "--by", "ranges", "--fail-above", "50")
c.eq(rc, 0, f"--by ranges ignores the kernels: exit 0 ({err.strip()})")
c.eq(list(doc["tables"]), ["ranges"], "--by ranges: only the ranges table")
rc, doc, _ = diff_json(A, B, "--by", "kernels,mpi")
c.eq(sorted(doc["tables"]), ["kernels", "mpi"], "--by kernels,mpi")
rc, out, _ = run(["diff", A, B, "--by", "lite"])
c.check("\nlite\n" in out and "\nkernels\n" not in out, "--by lite, text: one table")

# ---- mpi and lite tables ----
M, _ = make("m", *BASE, "--scale", "MPI_Barrier=3", "--scale", "data_load=2")
rc, doc, _ = diff_json(A, M, "--by", "mpi,lite")
mb = row(doc, "mpi", "MPI_Barrier")
c.check(abs(mb.get("change_pct", 0) - 200.0) < 1e-6, f"MPI_Barrier +200 %: {mb.get('change_pct')}")
c.eq(row(doc, "mpi", "MPI_Allreduce").get("change_ns"), 0, "MPI_Allreduce unchanged")
dl = row(doc, "lite", "data_load")
c.check(abs(dl.get("change_pct", 0) - 100.0) < 0.1, f"lite data_load about +100 %: {dl.get('change_pct')}")
c.check(dl.get("p99_b_ns", 0) > dl.get("p99_a_ns", 0) > 0, f"lite p99 grows: {dl}")

# ---- new and vanished names ----
N2, _ = make("bulk2", *BASE, "--bulk", "2")
N3, _ = make("bulk3", *BASE, "--bulk", "3")
rc, doc, _ = diff_json(N2, N3, "--fail-above", "0")
c.eq(rc, 0, "a new name is no regression")
new = row(doc, "kernels", "bulk_kernel_00002")
c.eq((new.get("status"), new.get("a_ns"), new.get("change_pct")), ("new", None, None), "new name: only in B")
c.eq(new.get("b_ns"), new.get("change_ns"), "new name: its change is its time")
rc, doc, _ = diff_json(N3, N2)
c.eq(row(doc, "kernels", "bulk_kernel_00002").get("status"), "vanished", "vanished name: only in A")


def text_row(out, name):
    lines = [ln.split() for ln in out.splitlines() if ln.startswith(name)]
    c.eq(len(lines), 1, f"text: one line for {name}")
    return lines[0] if lines else []


rc, out, _ = run(["diff", N2, N3, "--by", "kernels"])
c.check("1 new (only in B)" in out, "text counts the new name")
c.check("new" in text_row(out, "bulk_kernel_00002"), "text marks the new name")
rc, out, _ = run(["diff", N3, N2, "--by", "kernels"])
c.check("1 vanished (only in A)" in out, "text counts the vanished name")
c.check("vanished" in text_row(out, "bulk_kernel_00002"), "text marks the vanished name")

# ---- CSV agrees with JSON; --top ----
rc, out, _ = run(["diff", A, B, "--format", "csv"])
c.eq(rc, 0, "csv exit status")
rows = list(csv.DictReader(io.StringIO(out)))
_, doc, _ = diff_json(A, B)
c.eq(len(rows), sum(len(v) for v in doc["tables"].values()), "csv: one line per row")
for r in rows:
    j = row(doc, r["table"], r["name"])
    if r["kind"]:
        j = [x for x in doc["tables"][r["table"]] if x["name"] == r["name"] and x["kind"] == r["kind"]][0]
    c.check(float(r["a_ns"]) == j["a_ns"] and float(r["b_ns"]) == j["b_ns"] and
            math.isclose(float(r["change_pct"]), j["change_pct"], abs_tol=1e-3),
            f"csv {r['table']} {r['name']} agrees with JSON")
rc, doc, _ = diff_json(A, B, "--top", "1")
c.check(all(len(v) == 1 for v in doc["tables"].values()), "--top 1: one row per table")
c.eq(doc["tables"]["kernels"][0]["name"], "gemm_kernel", "--top keeps the largest change")

# ---- different world sizes: per-rank means ----
W8, _ = make("w8", "--ranks", "8", "--timeline", "--mpi")
rc, doc, _ = diff_json(A, W8, "--by", "ranges")
c.eq(doc["metric"], "rank-mean", "world sizes differ: per-rank means")
c.eq((doc["a"]["world_size"], doc["b"]["world_size"]), (4, 8), "world sizes reported")
ts = {s["name"]: s for s in expA["summary"]["ranges"]}["train_step"]
c.check(math.isclose(row(doc, "ranges", "train_step").get("a_ns", 0), ts["mean_ns"], rel_tol=1e-12),
        "per-rank mean of A is the summary's mean")
rc, out, _ = run(["diff", A, W8])
c.check("world sizes differ" in out and "mean time per rank" in out, "the text says which is compared")
rc, doc, _ = diff_json(A, W8, "--metric", "total", "--by", "ranges")
c.eq(doc["metric"], "total", "--metric total overrides")

# ---- usage and input errors ----
bad = os.path.join(work, "not-a-report.h5")
with open(bad, "wb") as fh:
    fh.write(b"\x89HDF\r\n\x1a\n" + b"\0" * 500)
for args, what in (([A], "one report"), ([A, B, "--by", "bogus"], "--by bogus"),
                   ([A, B, "--fail-above", "ten"], "--fail-above ten"), ([A, B, "--fail-above", "-5"], "negative threshold"),
                   ([A, B, "--format", "xml"], "--format xml"), ([A, B, A], "three reports"),
                   ([A, os.path.join(work, "missing.h5")], "missing file"), ([bad, B], "damaged file")):
    rc, out, err = run(["diff"] + args)
    c.eq(rc, 2, f"{what}: exit status")
    c.check(err.startswith("wprof: ") and out == "", f"{what}: error on stderr only: {err!r}")
c.done()
