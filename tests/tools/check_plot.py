#!/usr/bin/env python3
"""`wprof plot`: heatmap, imbalance and timeline of synthetic reports at 4 and 512 ranks, as SVG
(parsed: one row of cells per rank, names as real <text>, rank labels that never overlap, values in
the tooltips) and PNG (signature and size); GPU-less reports fall back to ranges and lite scopes;
usage errors exit 2, an unwritable output exits 1. usage: check_plot.py OUT_DIR"""
import json
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

from tools_common import Checker, make_report, run

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
NS = "{http://www.w3.org/2000/svg}"
c = Checker()


def make(name, *args):
    return make_report(out, name, *args)


def plot(report, dest, *args):
    path = os.path.join(out, dest)
    if os.path.exists(path):
        os.remove(path)
    st, so, se = run(["plot", report, "-o", path] + list(args))
    c.eq(st, 0, f"plot {os.path.basename(report)} -o {dest} {' '.join(args)} exit status ({se.strip()})")
    return path


def svg(path):
    try:
        return ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        c.check(False, f"{path} is not well-formed SVG: {e}")
        return ET.Element("svg")


def by_class(root, tag, cls):
    return [e for e in root.iter(NS + tag) if e.get("class") == cls]


def title_of(e):
    t = e.find(NS + "title")
    return t.text if t is not None else ""


def text_of(e):
    """The visible string of a <text> (its <title> child, a tooltip, excluded)."""
    return (e.text or "") + "".join(ch.tail or "" for ch in e)


def all_text(root):
    return [text_of(t) for t in root.iter(NS + "text")]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    c.check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} starts with the PNG signature")
    return struct.unpack(">II", head[16:24]) if head[12:16] == b"IHDR" else (0, 0)


def per_rank_name(exp, table, value_index):
    """Sum of a table's column per (rank, name) over windows."""
    names = exp["names"]
    out_ = {}
    for row in exp[table]:
        rank, name = row[0], names[row[2]]
        out_[(rank, name)] = out_.get((rank, name), 0) + row[value_index]
    return out_


def check_heatmap(path, exp, nranks, names, values, metric_word, font_min=None):
    root = svg(path)
    cells = by_class(root, "rect", "cell")
    rows = {}
    for cell in cells:
        m = re.match(r"rank (\d+)[,:]", title_of(cell))
        c.check(m, f"{path}: a cell's tooltip names its rank ({title_of(cell)!r})")
        if m:
            rows.setdefault(int(m.group(1)), []).append(cell)
    c.eq(sorted(rows), list(range(nranks)), f"{path}: one row of cells per rank")
    c.check(all(len(v) == len(names) for v in rows.values()),
            f"{path}: every rank row has {len(names)} cells")
    ys = sorted({float(cell.get("y")) for cell in cells})
    c.eq(len(ys), nranks, f"{path}: the rank rows are at distinct heights")
    # every value in a tooltip is the sum make_report wrote
    wrong = []
    for cell in cells:
        m = re.match(r"rank (\d+), (.*): .* \((\d+) ns\)$", title_of(cell))
        if m and values.get((int(m.group(1)), m.group(2))) != int(m.group(3)):
            wrong.append(title_of(cell))
    c.check(not wrong, f"{path}: cell values match the report ({wrong[:3]})")
    c.check(len({cell.get("fill") for cell in cells}) > 2, f"{path}: the cells use the color scale")
    # names are real <text> (full name in the tooltip when cut); no glyph paths
    labels = by_class(root, "text", "name-label")
    shown = {title_of(t) for t in labels}
    c.eq(shown, set(names), f"{path}: every column's full name is in its label's tooltip")
    for t in labels:
        full = title_of(t)
        text = text_of(t)
        c.check(text == full or (text.endswith("...") and full.startswith(text[:-3])),
                f"{path}: label {text!r} is the name or its beginning")
    c.eq(len(list(root.iter(NS + "path"))), 0, f"{path}: no glyph paths")
    # rank labels: real ranks, increasing, never overlapping
    rl = by_class(root, "text", "rank-label")
    c.check(len(rl) >= min(nranks, 20), f"{path}: rank labels shown ({len(rl)})")
    nums = [int(t.text) for t in rl]
    c.check(nums == sorted(set(nums)) and all(0 <= n < nranks for n in nums),
            f"{path}: rank labels are increasing ranks")
    if nranks <= 8:
        c.eq(nums, list(range(nranks)), f"{path}: every rank labelled at {nranks} ranks")
    pos = sorted((float(t.get("y")), float(t.get("font-size"))) for t in rl)
    overlaps = [(a, b) for a, b in zip(pos, pos[1:]) if b[0] - a[0] < a[1]]
    c.check(not overlaps, f"{path}: rank labels do not overlap ({overlaps[:3]})")
    title = " ".join(t.text or "" for t in by_class(root, "text", "title") + by_class(root, "text", "subtitle"))
    c.check(metric_word in title, f"{path}: title says {metric_word!r} ({title!r})")
    return root


# ---- GPU reports at 4 and 512 ranks ----
r4, e4 = make("r4", "--ranks", "4", "--timeline")
r512, e512 = make("r512", "--ranks", "512", "--timeline")
kernel_names = [s["name"] for s in e4["summary"]["kernels"]]
kvals4 = per_rank_name(e4, "kernels", 5)
p = plot(r4, "r4-heatmap.svg")
root4 = check_heatmap(p, e4, 4, kernel_names, kvals4, "GPU time")
c.check(2000 < os.path.getsize(p) < 200000, f"{p}: size {os.path.getsize(p)} is sane")

p = plot(r512, "r512-heatmap.svg", "--top", "4")
root512 = check_heatmap(p, e512, 512, kernel_names[:4], per_rank_name(e512, "kernels", 5), "GPU time")
size = os.path.getsize(p)
c.check(size < 3_000_000, f"{p}: size {size} is bounded")
height = float(root512.get("height"))
c.check(height < 1400, f"{p}: the image height {height} is bounded at 512 ranks")
p = plot(r512, "r512-heatmap-all.svg")
c.eq(len(by_class(svg(p), "rect", "cell")), 512 * len(kernel_names), f"{p}: 512 x {len(kernel_names)} cells")

# PNG: same layout as the SVG
for rep, name in ((r4, "r4-heatmap"), (r512, "r512-heatmap-all")):
    pp = plot(rep, name + ".png")
    root = svg(os.path.join(out, name + ".svg"))
    w, h = png_size(pp)
    import math
    c.eq((w, h), (math.ceil(float(root.get("width"))), math.ceil(float(root.get("height")))),
         f"{pp}: IHDR size is the plot's")
    c.check(os.path.getsize(pp) > 3000, f"{pp}: not an empty image")

# ---- imbalance ----
p = plot(r4, "r4-imbalance.svg", "--kind", "imbalance")
root = svg(p)
bars = by_class(root, "rect", "bar")
c.eq(len(bars), len(kernel_names), f"{p}: one bar per name")
for s in e4["summary"]["kernels"]:
    b = [x for x in bars if title_of(x).startswith(s["name"] + ": ")]
    c.check(len(b) == 1 and f"on rank {s['slowest_rank']}," in title_of(b[0]),
            f"{p}: bar of {s['name'][:30]} names slowest rank {s['slowest_rank']}")
c.check(any(f"slowest rank {e4['summary']['kernels'][0]['slowest_rank']}" in t
            for t in (x.text for x in by_class(root, "text", "slowest-label"))), f"{p}: slowest-rank labels")
widths = [float(x.get("width")) for x in bars]
c.check(max(widths) > 100, f"{p}: the spread of gemm_kernel is visible ({max(widths)})")
png_size(plot(r4, "r4-imbalance.png", "--kind", "imbalance"))

# ---- timeline ----
p = plot(r4, "r4-timeline.svg", "--kind", "timeline")
root = svg(p)
lanes = by_class(root, "rect", "lane")
c.eq(sorted(title_of(l) for l in lanes), [f"rank {r}" for r in range(4)], f"{p}: one lane per rank")
events = by_class(root, "rect", "event")
c.check(len(events) >= 4 * 6, f"{p}: events drawn ({len(events)})")
lane_y = {title_of(l): (float(l.get("y")), float(l.get("height"))) for l in lanes}
outside = []
for e in events:
    m = re.match(r"(rank \d+)", title_of(e))
    y0, h = lane_y.get(m.group(1) if m else "", (0, 0))
    if not (y0 - 0.01 <= float(e.get("y")) and float(e.get("y")) + float(e.get("height")) <= y0 + h + 0.01):
        outside.append(title_of(e))
c.check(not outside, f"{p}: every event is inside its rank's lane ({outside[:2]})")
kinds = {"window", "range", "lite", "kernel", "memcpy", "mpi"}
c.eq({t.text for t in by_class(root, "text", "legend-label")}, kinds, f"{p}: legend of the kinds present")
c.check(any("gemm_kernel" in title_of(e) for e in events), f"{p}: kernel events carry their name")
png_size(plot(r4, "r4-timeline.png", "--kind", "timeline"))
p = plot(r512, "r512-timeline.svg", "--kind", "timeline")
root = svg(p)
c.eq(len(by_class(root, "rect", "lane")), 512, f"{p}: 512 lanes")
c.check(float(root.get("height")) < 1200, f"{p}: bounded height")

# ---- no GPU data: fallbacks ----
cpu, ecpu = make("cpu", "--ranks", "4", "--no-gpu")
range_names = [s["name"] for s in ecpu["summary"]["ranges"]]
p = plot(cpu, "cpu-heatmap.svg")
root = check_heatmap(p, ecpu, 4, range_names, per_rank_name(ecpu, "ranges", 4), "CPU time")
c.check(any("fallback" in (t.text or "") for t in by_class(root, "text", "subtitle")),
        f"{p}: the subtitle says it is a fallback")
c.check("Ünïcødé range: 時間 ✓" in all_text(root), f"{p}: a non-ASCII name is real text")
p = plot(cpu, "cpu-timeline.svg", "--kind", "timeline")
root = svg(p)
c.eq(len(by_class(root, "rect", "lane")), 4, f"{p}: lanes from /windows")
c.eq(len(by_class(root, "rect", "event")), 4 * 2, f"{p}: one bar per window")
c.check(any("windows only" in (t.text or "") for t in by_class(root, "text", "title")), f"{p}: title says windows only")
lite, elite = make("lite", "--ranks", "4", "--lite-only")
lite_names = [s["name"] for s in elite["summary"]["lite"]]
lvals = {}
for row in elite["lite"]:
    lvals[(row[0], elite["names"][row[1]])] = row[3]
check_heatmap(plot(lite, "lite-heatmap.svg"), elite, 4, lite_names, lvals, "total time")
check_heatmap(plot(r4, "r4-ranges.svg", "--table", "ranges"), e4, 4,
              [s["name"] for s in e4["summary"]["ranges"] if s["cuda_self_ns"] > 0],
              per_rank_name(e4, "ranges", 6), "self CUDA time")

# a missing rank keeps its row, marked missing
deg, edeg = make("degraded", "--ranks", "4", "--degraded")
root = svg(plot(deg, "degraded.svg"))
c.eq(len([x for x in by_class(root, "rect", "cell") if title_of(x) == "rank 2: missing"]), len(kernel_names),
     "degraded: the missing rank's row is marked missing")

# ---- errors ----
for args, want, what in (
        (["plot", r4, "-o", f"{out}/x.svg", "--kind", "pie"], 2, "bad kind"),
        (["plot", r4, "-o", f"{out}/x.pdf"], 2, "bad extension"),
        (["plot", r4], 2, "no output"),
        (["plot", "-o", f"{out}/x.svg"], 2, "no report"),
        (["plot", r4, "-o", f"{out}/x.svg", "--top", "0"], 2, "--top 0"),
        (["plot", r4, "-o", f"{out}/x.svg", "--table", "nope"], 2, "bad table"),
        (["plot", cpu, "-o", f"{out}/x.svg", "--table", "kernels"], 2, "a table the report lacks"),
        (["plot", f"{out}/nonexistent.h5", "-o", f"{out}/x.svg"], 2, "missing report"),
        (["plot", r4, "-o", f"{out}/no/such/dir/x.svg"], 1, "unwritable SVG"),
        (["plot", r4, "-o", f"{out}/no/such/dir/x.png"], 1, "unwritable PNG")):
    st, so, se = run(args)
    c.eq(st, want, f"{what}: exit status ({se.strip()[:120]})")
    c.check(se.startswith("wprof: "), f"{what}: says why on stderr")
c.check(not os.path.exists(f"{out}/x.svg"), "no output file left by the failed runs")
c.done()
