#!/usr/bin/env python3
"""`wprof diff` knows noise: every change comes with Welch's t-test over the per-call samples the
report holds, and --fail-above counts only significant slowdowns.
- a lite scope 3x slower over 40 calls on 4 ranks is significant and trips --fail-above;
- a 2 % change of a high-variance scope (another draw of its calls) is not, and does not trip it;
  its t and df equal an independent computation from the histograms make_report wrote;
- several reports of one configuration pool their samples (2 vs 2, --vs): other draws are noise,
  a 30 % slowdown is significant;
- degenerate samples: constant on both sides (equal: p = 1, different: significant), one call (n/a);
- text, CSV and JSON carry the same p-values and flags; usage errors exit 2.
usage: check_diff_stats.py WORK_DIR"""
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


def diff_json(*args):
    return common_diff_json(c, args)


def row(doc, table, name):
    return diff_row(c, doc, table, name)


def text_line(out, name):
    lines = [ln.split() for ln in out.splitlines() if ln.startswith(name)]
    c.eq(len(lines), 1, f"text: one line for {name}")
    return lines[0] if lines else []


def lite_noise(exp, scope):
    """(total, variance of the total, df) of a lite scope on one side, as the diff builds them: per
    rank, the spread of the bucket midpoints (clamped to the rank's [min, max]) scaled to its calls;
    the ranks are groups, so var = sum of n_r s_r^2, with Satterthwaite's df."""
    nid = exp["names"].index(scope)
    total = var = den = 0.0
    for rank, name_id, calls, tot, lo, hi, *_ in exp["lite"]:
        if name_id != nid or calls == 0:
            continue
        mids = [(min(max(low + (up - low - 1) // 2, lo), hi), cnt)
                for r, i, _, low, up, cnt in exp["lite_hist"] if r == rank and i == nid]
        hn = sum(cnt for _, cnt in mids)
        hm = sum(m * cnt for m, cnt in mids) / hn
        m2 = sum(cnt * (m - hm) ** 2 for m, cnt in mids) * calls / hn
        c_r = calls * m2 / (calls - 1)  # n_r s_r^2: the variance of a sum of n_r calls
        total += tot
        var += c_r
        den += c_r * c_r / (calls - 1)
    return total, var, var * var / den


def welch(exp_a, exp_b, scope):
    """t and df of Welch's test of the scope's total time (one report a side)."""
    (ta, va, da), (tb, vb, db) = lite_noise(exp_a, scope), lite_noise(exp_b, scope)
    return (tb - ta) / math.sqrt(va + vb), (va + vb) ** 2 / (va * va / da + vb * vb / db)


# ---- 3x slower over 40 calls on 4 ranks: significant ----
LITE = ["--ranks", "4", "--lite-only"]
S1, e1 = make("s1", *LITE, "--lite-calls", "10")
S3, e3 = make("s3", *LITE, "--lite-calls", "10", "--scale", "data_load=3")
rc, doc, err = diff_json(S1, S3, "--by", "lite")
c.eq(rc, 0, "no --fail-above: exit 0")
c.eq(doc.get("alpha"), 0.01, "default --alpha 0.01")
d = row(doc, "lite", "data_load")
c.eq((d.get("calls_a"), d.get("calls_b"), d.get("ranks_a")), (40, 40, 4), "40 calls on 4 ranks")
c.check(abs(d.get("change_pct", 0) - 200) < 0.5, f"data_load 3x: {d.get('change_pct')}")
c.check(d.get("significant") is True and d.get("tested") is True and d.get("p_value", 1) < 1e-6,
        f"3x over 40 calls is significant: {d}")
t, df = welch(e1, e3, "data_load")
c.check(math.isclose(d.get("t", 0), t, rel_tol=1e-6) and math.isclose(d.get("df", 0), df, rel_tol=1e-6),
        f"t and df as computed from the histograms: {d.get('t')} {d.get('df')} vs {t} {df}")
u = row(doc, "lite", "スコープ/ünïcødé")
c.check(u.get("change_ns") == 0 and u.get("p_value") == 1 and u.get("significant") is False,
        f"unchanged scope: p = 1, not significant: {u}")
rc, _, err = run(["diff", S1, S3, "--by", "lite", "--fail-above", "50"])
c.eq(rc, 1, "significant 3x slowdown trips --fail-above 50")
c.check("regression in lite: data_load" in err and "p " in err, f"stderr names it with its p: {err!r}")
rc, out, _ = run(["diff", S1, S3, "--by", "lite"])
line = text_line(out, "data_load")
c.check("yes" in line and "<0.0001" in line, f"text: significant marker and p-value: {line}")
c.check("changes: 1 significant (p < 0.01), 0 not significant" in out, f"text footer counts: {out[-300:]!r}")

# ---- a 2 % change of a high-variance scope, another draw of its calls: noise ----
N1, n1 = make("n1", *LITE, "--seed", "1")
N2, n2 = make("n2", *LITE, "--seed", "2", "--scale", "data_load=1.02")
rc, doc, err = diff_json(N1, N2, "--by", "lite", "--fail-above", "1")
d = row(doc, "lite", "data_load")
c.check(1 < d.get("change_pct", 0) < 3, f"the scope changed by about 2 %: {d.get('change_pct')}")
c.check(d.get("significant") is False and d.get("tested") is True and d.get("p_value", 0) > 0.01,
        f"2 % in a high-variance scope is not significant: {d}")
t, df = welch(n1, n2, "data_load")
c.check(math.isclose(d.get("t", 0), t, rel_tol=1e-6) and math.isclose(d.get("df", 0), df, rel_tol=1e-6),
        f"noise: t and df as computed from the histograms: {d.get('t')} {d.get('df')} vs {t} {df}")
c.eq(rc, 0, f"--fail-above 1 ignores a change that is not significant ({err.strip()})")
c.eq(doc["regressions"], [], "no regression listed")
c.check("not counted: not significant" in err, f"stderr says what was not counted: {err!r}")
rc, out, _ = run(["diff", N1, N2, "--by", "lite"])
c.check("changes: 0 significant (p < 0.01), 2 not significant" in out, f"footer counts the noise: {out[-300:]!r}")
c.check("no" in text_line(out, "data_load"), "text: marker says no")
rc, _, _ = run(["diff", N1, N2, "--by", "lite", "--fail-above", "1", "--alpha", "0.5"])
c.eq(rc, 1, "a lax --alpha 0.5 makes the same change count")

# ---- pooled reports: 2 vs 2 ----
N3, n3 = make("n3", *LITE, "--seed", "3")
N5, n5 = make("n5", *LITE, "--seed", "5")
N6, n6 = make("n6", *LITE, "--seed", "6")
rc, doc, err = diff_json(N1, N3, "--vs", N5, N6, "--by", "lite", "--fail-above", "0")
c.eq(rc, 0, f"pooled noise: exit 0 ({err.strip()})")
c.eq((doc["a"]["files"], doc["b"]["files"]), ([N1, N3], [N5, N6]), "JSON lists the pooled reports")
c.eq(doc["metric"], "total", "pooled, same world sizes: totals")
d = row(doc, "lite", "data_load")
tot = lambda e: sum(s["total_ns"] for s in e["summary"]["lite"] if s["name"] == "data_load")
c.check(math.isclose(d.get("a_ns", 0), (tot(n1) + tot(n3)) / 2, abs_tol=1) and
        math.isclose(d.get("b_ns", 0), (tot(n5) + tot(n6)) / 2, abs_tol=1),
        f"pooled values are means per report: {d.get('a_ns')} {d.get('b_ns')}")
c.eq((d.get("calls_a"), d.get("ranks_a"), d.get("ranks_b")), (3200, 8, 8), "pooled: calls and ranks of both reports")
c.check(d.get("significant") is False and d.get("change_ns") != 0, f"pooled runs of one configuration: not significant: {d}")
B1, _ = make("b1", *LITE, "--seed", "2", "--scale", "data_load=1.3")
B2, _ = make("b2", *LITE, "--seed", "4", "--scale", "data_load=1.3")
rc, doc, err = diff_json(N1, N3, "--vs", B1, B2, "--by", "lite", "--fail-above", "10")
d = row(doc, "lite", "data_load")
c.check(d.get("significant") is True and 25 < d.get("change_pct", 0) < 35, f"pooled +30 %: significant: {d}")
c.eq(rc, 1, "pooled +30 % trips --fail-above 10")
_, single, _ = diff_json(N1, B1, "--by", "lite")
c.check(d.get("p_value", 1) <= row(single, "lite", "data_load").get("p_value", 0),
        "pooling two runs a side gives a smaller p than one run")
rc, out, _ = run(["diff", N1, N3, "--vs", B1, B2, "--by", "lite"])
c.check("2 reports pooled" in out and "means per report" in out, f"text heading says pooled: {out[:400]!r}")

# ---- kernels and MPI: per-call samples bounded by min and max; constant samples ----
K1, _ = make("k1", "--ranks", "4", "--mpi")
K2, _ = make("k2", "--ranks", "4", "--mpi", "--scale", "gemm_kernel=2")
rc, doc, _ = diff_json(K1, K2, "--by", "kernels,mpi,ranges")
g = row(doc, "kernels", "gemm_kernel")
c.check(g.get("significant") is True, f"kernel twice as slow over 80 calls on 4 ranks: significant: {g}")
c.check(all(r["significant"] is False and r["p_value"] == 1 for t in ("mpi", "ranges") for r in doc["tables"][t]),
        "unchanged MPI and ranges: p = 1")
C1, _ = make("c1", "--ranks", "1", "--mpi", "--no-gpu", "--lite-calls", "1")
C2, _ = make("c2", "--ranks", "1", "--mpi", "--no-gpu", "--lite-calls", "1", "--scale", "MPI_Barrier=1.5",
             "--scale", "data_load=3")
rc, doc, err = diff_json(C1, C2, "--by", "mpi,lite", "--fail-above", "10")
b = row(doc, "mpi", "MPI_Barrier")
c.check(b.get("significant") is True and b.get("p_value") == 0,
        f"constant calls (min = max) that differ: significant, p = 0: {b}")
c.check(row(doc, "mpi", "MPI_Allreduce").get("p_value") == 1, "constant equal calls: p = 1")
dl = row(doc, "lite", "data_load")
c.check(dl.get("tested") is False and dl.get("p_value") is None and dl.get("significant") is False,
        f"one call a side: not testable: {dl}")
c.eq([r["name"] for r in doc["regressions"]], ["MPI_Barrier"], "only the testable significant slowdown counts")
c.eq(rc, 1, "--fail-above trips on MPI_Barrier")
rc, out, _ = run(["diff", C1, C2, "--by", "lite"])
c.check("n/a" in text_line(out, "data_load") and "1 not testable" in out, f"text says n/a: {out[-400:]!r}")

# ---- CSV agrees with JSON ----
rc, out, _ = run(["diff", N1, N3, "--vs", B1, B2, "--format", "csv"])
_, doc, _ = diff_json(N1, N3, "--vs", B1, B2)
rows = list(csv.DictReader(io.StringIO(out)))
c.eq(len(rows), sum(len(v) for v in doc["tables"].values()), "csv: one line per row")
for r in rows:
    j = [x for x in doc["tables"][r["table"]] if x["name"] == r["name"] and (x["kind"] or "") == r["kind"]][0]
    sig = "yes" if j["significant"] else ("no" if j["tested"] else "n/a")
    c.check(r["significant"] == sig and (r["p_value"] == "" if j["p_value"] is None
                                         else math.isclose(float(r["p_value"]), j["p_value"], rel_tol=1e-5, abs_tol=1e-300)),
            f"csv {r['table']} {r['name']}: p and flag agree with JSON: {r['p_value']} {r['significant']} {j}")

# ---- usage errors ----
for args, what in (([N1, N2, "--alpha", "0"], "--alpha 0"), ([N1, N2, "--alpha", "1.5"], "--alpha 1.5"),
                   ([N1, N2, "--alpha", "x"], "--alpha x"), ([N1, "--vs"], "--vs without B"),
                   (["--vs", N1], "--vs without A"), ([N1, "--vs", N2, "--vs", N3], "--vs twice"),
                   ([N1, N2, N3], "three reports without --vs")):
    rc, out, err = run(["diff"] + args)
    c.eq(rc, 2, f"{what}: exit status")
    c.check(err.startswith("wprof: ") and out == "", f"{what}: error on stderr only: {err!r}")
c.done()
