#!/usr/bin/env python3
"""`wprof report` on the synthetic reports: table, CSV and JSON agree with the values make_report
wrote; --rank, --window, --top, --sort and --table select and order rows; usage errors are one line
plus usage, exit 2. usage: check_cli.py DATA_DIR"""
import csv
import io
import json
import sys

from tools_common import Checker, expected, run

data = sys.argv[1]
REPORT = f"{data}/report.h5"
exp = expected(data)
NAMES = exp["names"]
KIND_NAMES = ["kernel", "memcpy", "memset", "sync", "other"]
LONG = max(NAMES, key=len)
c = Checker()


def avg(total, calls):
    return (total + calls // 2) // calls if calls else 0


# ---- expected views, computed the way docs/report-schema.md and docs/cli.md define them ----

def summary_view(table):
    rows = []
    for s in exp["summary"][table]:
        r = {"name": s["name"], "calls": s["calls"], "ranks": s["ranks_present"],
             "imbalance": s["imbalance"], "slowest_rank": s["slowest_rank"]}
        if table == "ranges":
            r.update(self_cuda_ns=s["cuda_self_ns"], cuda_total_ns=s["cuda_total_ns"],
                     cpu_self_ns=s["cpu_self_ns"], cpu_total_ns=s["total_ns"],
                     avg_ns=avg(s["total_ns"], s["calls"]))
        elif table == "kernels":
            ks = [k for k in exp["kernels"] if NAMES[k[2]] == s["name"]]
            r.update(kind=KIND_NAMES[s["kind"]], self_cuda_ns=s["total_ns"], bytes=s["bytes"],
                     avg_ns=avg(s["total_ns"], s["calls"]), min_ns=min(k[6] for k in ks),
                     max_ns=max(k[7] for k in ks))
        else:
            ls = [l for l in exp["lite"] if NAMES[l[1]] == s["name"]]
            r.update(count=s["calls"], total_ns=s["total_ns"], mean_ns=avg(s["total_ns"], s["calls"]),
                     p50_ns=s["p50_ns"], p90_ns=s["p90_ns"], p99_ns=s["p99_ns"],
                     min_ns=min(l[4] for l in ls), max_ns=max(l[5] for l in ls))
        if table == "lite":
            del r["calls"]  # the lite table calls it count
        rows.append(r)
    return rows


def rank_view(table, rank, window=None):
    merged = {}
    if table == "ranges":
        for (rk, w, nid, calls, cpu_total, cpu_self, cuda_self, cuda_total) in exp["ranges"]:
            if rk != rank or (window is not None and w != window):
                continue
            m = merged.setdefault(nid, dict(name=NAMES[nid], calls=0, cpu_total_ns=0, cpu_self_ns=0,
                                            self_cuda_ns=0, cuda_total_ns=0))
            m["calls"] += calls
            m["cpu_total_ns"] += cpu_total
            m["cpu_self_ns"] += cpu_self
            m["self_cuda_ns"] += cuda_self
            m["cuda_total_ns"] += cuda_total
        for m in merged.values():
            m["avg_ns"] = avg(m["cpu_total_ns"], m["calls"])
    elif table == "kernels":
        for (rk, w, nid, kind, calls, total, mn, mx, nbytes, *_config) in exp["kernels"]:
            if rk != rank or (window is not None and w != window):
                continue
            m = merged.setdefault((nid, kind), dict(name=NAMES[nid], kind=KIND_NAMES[kind], calls=0,
                                                    self_cuda_ns=0, bytes=0, min_ns=mn, max_ns=mx))
            m["calls"] += calls
            m["self_cuda_ns"] += total
            m["bytes"] += nbytes
            m["min_ns"] = min(m["min_ns"], mn)
            m["max_ns"] = max(m["max_ns"], mx)
        for m in merged.values():
            m["avg_ns"] = avg(m["self_cuda_ns"], m["calls"])
    else:
        for (rk, nid, calls, total, mn, mx, p50, p90, p99) in exp["lite"]:
            if rk == rank:
                merged[nid] = dict(name=NAMES[nid], count=calls, total_ns=total,
                                   mean_ns=avg(total, calls), p50_ns=p50, p90_ns=p90, p99_ns=p99,
                                   min_ns=mn, max_ns=mx)
    return list(merged.values())


def default_order(table, rows):
    if table == "ranges":
        key = lambda r: (-r["self_cuda_ns"], -r["cpu_total_ns"], r["name"])
    elif table == "kernels":
        key = lambda r: (-r["self_cuda_ns"], -r["calls"], r["name"])
    else:
        key = lambda r: (-r["total_ns"], -r["count"], r["name"])
    return sorted(rows, key=key)


def compare_rows(got, want, what):
    c.eq([r["name"] for r in got], [r["name"] for r in want], f"{what}: names in order")
    for g, w in zip(got, want):
        for k, v in w.items():
            if isinstance(v, float):
                c.check(abs(g.get(k, -1) - v) < 1e-9 * max(1, abs(v)), f"{what}: {w['name'][:30]} {k} {g.get(k)} != {v}")
            else:
                c.eq(g.get(k), v, f"{what}: {w['name'][:30]} {k}")


def report_json(*args):
    rc, out, err = run(["report", REPORT, "--format", "json", *args])
    c.eq(rc, 0, f"json {args} exit status (stderr {err!r})")
    c.eq(err, "", f"json {args} stderr")
    return json.loads(out) if rc == 0 else {"tables": {}}


# ---- JSON: every number ----
j = report_json()
c.eq(j["attrs"]["world_size"], 3, "json attrs world_size")
c.eq(j["attrs"]["backend"], "host", "json attrs backend")
c.eq(len(j["ranks"]), 3, "json ranks")
c.eq(j["warnings"], [], "json warnings of a healthy report")
for t in ("ranges", "kernels", "lite"):
    compare_rows(j["tables"][t], default_order(t, summary_view(t)), f"json summary {t}")
pct = sum(r["self_cuda_pct"] for r in j["tables"]["ranges"])
c.check(abs(pct - 100.0) < 1e-6, f"json ranges self CUDA % sums to 100 ({pct})")

for rank in (0, 1, 2):
    j = report_json("--rank", str(rank))
    for t in ("ranges", "kernels", "lite"):
        compare_rows(j["tables"][t], default_order(t, rank_view(t, rank)), f"json rank {rank} {t}")
j = report_json("--rank", "1", "--window", "0")
for t in ("ranges", "kernels"):
    compare_rows(j["tables"][t], default_order(t, rank_view(t, 1, 0)), f"json rank 1 window 0 {t}")

# cross-rank summary of one window: the per-rank rows of that window, summed over ranks
j = report_json("--window", "1")
want = {}
for r in (0, 1, 2):
    for row in rank_view("ranges", r, 1):
        w = want.setdefault(row["name"], {"name": row["name"], "calls": 0, "cpu_total_ns": 0})
        w["calls"] += row["calls"]
        w["cpu_total_ns"] += row["cpu_total_ns"]
got = {r["name"]: r for r in j["tables"]["ranges"]}
for name, w in want.items():
    c.eq(got.get(name, {}).get("calls"), w["calls"], f"json --window 1 {name} calls")
    c.eq(got.get(name, {}).get("cpu_total_ns"), w["cpu_total_ns"], f"json --window 1 {name} cpu_total_ns")

# ---- --top, --sort, --table ----
j = report_json("--top", "2")
for t in ("ranges", "kernels", "lite"):
    c.eq(len(j["tables"][t]), 2, f"--top 2 {t} rows")
j = report_json("--sort", "name")
for t in ("ranges", "kernels", "lite"):
    names = [r["name"] for r in j["tables"][t]]
    c.eq(names, sorted(names, key=lambda s: s.encode()), f"--sort name {t}")
j = report_json("--sort", "calls")
for t in ("ranges", "kernels"):
    calls = [r["calls"] for r in j["tables"][t]]
    c.eq(calls, sorted(calls, reverse=True), f"--sort calls {t}")
j = report_json("--sort", "p99")
p99 = [r["p99_ns"] for r in j["tables"]["lite"]]
c.eq(p99, sorted(p99, reverse=True), "--sort p99 lite")
j = report_json("--sort", "cpu_self")
v = [r["cpu_self_ns"] for r in j["tables"]["ranges"]]
c.eq(v, sorted(v, reverse=True), "--sort cpu_self ranges")
j = report_json("--table", "lite")
c.eq(sorted(j["tables"]), ["lite"], "--table lite only")

# ---- table mode ----
rc, out, err = run(["report", REPORT])
c.eq((rc, err), (0, ""), "table exit status and stderr")
for word in ("Self CUDA", "Self CUDA %", "CUDA total", "CPU self", "CPU total", "Calls", "Avg",
             "Imbalance", "Slowest", "p50", "p90", "p99", "gemm_kernel", "Ünïcødé range: 時間 ✓",
             "スコープ/ünïcødé", "World size: 3", "Backend: host (requested auto)", "Sync: ok",
             "ranks 0-2: 2 windows (steps 3, 3)"):
    c.check(word in out, f"table output shows {word!r}")
c.check(LONG not in out and LONG[:40] in out and "..." in out, "table output cuts the long name")
c.check("250.0" in out or "500.100us" in out, "table output has human-readable times")
rc, out, err = run(["report", REPORT, "--rank", "2", "--top", "1"])
c.check(rc == 0 and "rank 2" in out and "(top 1 of" in out, "table --rank 2 --top 1")

# ---- CSV: full names, raw ns ----
rc, out, err = run(["report", REPORT, "--format", "csv"])
c.eq((rc, err), (0, ""), "csv exit status and stderr")
tables, header = {}, None
for rec in csv.reader(io.StringIO(out)):
    if not rec or rec[0].startswith("#"):
        continue
    if rec[0] == "table":
        header = rec
        continue
    tables.setdefault(rec[0], []).append(dict(zip(header, rec)))
c.check(any(r["name"] == LONG for r in tables.get("kernels", [])), "csv keeps the long name whole")
for t in ("ranges", "kernels", "lite"):
    want = default_order(t, summary_view(t))
    got = tables.get(t, [])
    c.eq([r["name"] for r in got], [w["name"] for w in want], f"csv {t} names")
    for g, w in zip(got, want):
        for k, v in w.items():
            if isinstance(v, int) and not isinstance(v, bool):
                c.eq(int(g[k]), v, f"csv {t} {w['name'][:30]} {k}")

# ---- the degraded report: loud warnings naming ranks ----
rc, out, err = run(["report", f"{data}/degraded.h5"])
c.eq(rc, 0, "degraded report exit status")
c.check("missing" in out and ": 2" in out, "degraded: missing rank 2 named")
c.check("DROPPED" in out and "rank 1: 1234" in out, "degraded: dropped records on rank 1 loud")
rc, out, err = run(["report", f"{data}/degraded.h5", "--format", "json"])
w = json.loads(out)["warnings"] if rc == 0 else []
c.check(any("missing" in x for x in w) and any("DROPPED" in x for x in w), f"json warnings {w}")

# ---- the bulk report: chunked tables read back ----
rc, out, err = run(["report", f"{data}/bulk.h5", "--rank", "0", "--format", "json", "--table", "kernels"])
# make_reports.py: --bulk 70000 beside the 6 kernel rows of rank 0, past the chunked threshold of 65536 rows
c.check(rc == 0 and len(json.loads(out)["tables"]["kernels"]) == 70006, "bulk report: 70006 kernel rows on rank 0")

# ---- usage errors: one line + usage, exit 2 ----
for args, what in ((["report"], "no report"), (["report", REPORT, "--sort", "bogus"], "--sort"),
                   (["report", REPORT, "--top", "-1"], "--top"), (["report", REPORT, "--rank", "x"], "--rank"),
                   (["report", REPORT, "--format", "xml"], "--format"), (["report", REPORT, "--frob"], "unknown"),
                   (["report", REPORT, REPORT], "two reports"), (["report", REPORT, "--rank"], "no value"),
                   (["frobnicate"], "unknown command"), ([], "no command")):
    rc, out, err = run(args)
    lines = err.strip().splitlines()
    c.eq(rc, 2, f"usage error ({what}) exit status")
    c.check(lines and lines[0].startswith("wprof: ") and "usage" in err, f"usage error ({what}): {err!r}")
    c.eq(out, "", f"usage error ({what}) prints nothing on stdout")
    if args and args[0] == "report":
        c.eq(len(lines), 2, f"usage error ({what}) is one line + usage")
for args, what in ((["report", REPORT, "--rank", "9"], "no such rank"),
                   (["report", REPORT, "--window", "5"], "no such window")):
    rc, out, err = run(args)
    c.check(rc == 2 and len(err.strip().splitlines()) == 1 and out == "", f"{what}: {rc} {err!r}")
rc, out, err = run(["--version"])
c.check(rc == 0 and out.startswith("wprof "), f"--version: {out!r}")
rc, out, err = run(["help"])
c.check(rc == 0 and "report" in out, "help lists report")
rc, out, err = run(["help", "report"])
c.check(rc == 0 and "--rank" in out, "help report shows its usage")
c.done()
