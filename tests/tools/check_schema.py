#!/usr/bin/env python3
"""h5py reads the synthetic reports: every table of schema v1 exists with exactly its columns, and
every value equals what make_report wrote (its --json dump). usage: check_schema.py DATA_DIR"""
import os
import subprocess
import sys

import h5py
import numpy as np

from schema import KINDS, MEM_KINDS, TABLES
from tools_common import Checker, expected

data = sys.argv[1]
c = Checker()


def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def check_columns(f, label):
    for table, cols in TABLES.items():
        if not c.check(table in f, f"{label}: /{table} exists"):
            continue
        d = f[table]
        c.eq(d.ndim, 1, f"{label}: /{table} is 1-D")
        c.eq(list(d.dtype.names), cols, f"{label}: /{table} columns")
    for t in ("mpi", "timeline", "summary/mpi"):
        if t in f:
            c.eq(f[t].shape[0], 0, f"{label}: /{t} is present and empty")
    c.eq(h5py.check_enum_dtype(f["kernels"].dtype["kind"]), KINDS, f"{label}: kernels kind enum")
    c.eq(h5py.check_enum_dtype(f["summary/kernels"].dtype["kind"]), KINDS,
         f"{label}: summary kind enum")
    c.eq(h5py.check_enum_dtype(f["memory"].dtype["kind"]), MEM_KINDS, f"{label}: memory kind enum")


def check_attrs(f, exp, label):
    c.eq(int(f.attrs["schema_version"]), 1, f"{label}: schema_version")
    for k, v in exp["attrs"].items():
        got = f.attrs.get(k)
        if isinstance(v, int):
            c.check(isinstance(got, np.int64) and int(got) == v, f"{label}: attr {k} int64 {v}, got {got!r}")
        else:
            c.eq(text(got), v, f"{label}: attr {k}")


def rows_of(d, cols):
    return [tuple(r[col].item() for col in cols) for r in d[()]] if d.shape[0] else []


def check_tables(f, exp, label):
    names = [text(s) for s in f["names"][()]]
    c.eq(names, exp["names"], f"{label}: /names")
    ranks = f["ranks"][()]
    c.eq(len(ranks), len(exp["ranks"]), f"{label}: /ranks rows")
    for got, want in zip(ranks, exp["ranks"]):
        for col, v in want.items():
            g = got[col]
            g = text(g) if isinstance(v, str) else g.item()
            c.eq(g, v, f"{label}: /ranks rank {want['rank']} {col}")
    for table in ("windows", "kernels", "ranges", "lite", "lite_hist", "memory"):
        want = [tuple(r) for r in exp[table]]
        c.eq(rows_of(f[table], TABLES[table]), want, f"{label}: /{table} values")
    # names decode through the id, the way pandas users do it
    arr = np.array(names, dtype=object)
    kn = arr[f["kernels"]["name_id"]] if f["kernels"].shape[0] else []
    c.eq(list(kn), [exp["names"][r[2]] for r in exp["kernels"]], f"{label}: kernels names via name_id")


def check_summaries(f, exp, label):
    for table in ("kernels", "ranges", "lite"):
        d = f["summary/" + table]
        want = exp["summary"][table]
        c.eq(d.shape[0], len(want), f"{label}: /summary/{table} rows")
        for got, w in zip(d[()] if d.shape[0] else [], want):
            for col in TABLES["summary/" + table]:
                g = got[col]
                g = text(g) if col == "name" else g.item()
                c.eq(g, w[col], f"{label}: /summary/{table} {w['name'][:30]!r} {col}")


def check_layout(f, label, big):
    for t in ("names", "kernels"):
        d = f[t]
        if big:
            c.check(d.chunks is not None and d.compression == "gzip" and d.shuffle,
                    f"{label}: large /{t} is chunked + shuffle + deflate ({d.chunks}, {d.compression})")
        else:
            c.check(d.chunks is None and d.compression is None, f"{label}: small /{t} is contiguous")


for name, big in (("report", False), ("bulk", True), ("degraded", False)):
    exp = expected(data, name)
    with h5py.File(os.path.join(data, name + ".h5"), "r") as f:
        check_columns(f, name)
        check_attrs(f, exp, name)
        check_tables(f, exp, name)
        check_summaries(f, exp, name)
        check_layout(f, name, big)

with h5py.File(os.path.join(data, "degraded.h5"), "r") as f:
    st = {int(r["rank"]): text(r["status"]) for r in f["ranks"][()]}
    c.eq(st, {0: "ok", 1: "ok", 2: "missing"}, "degraded: /ranks status")

# The writer's failure path: one line, no file, no temporary left behind.
mk = os.environ["WPROF_MAKE_REPORT"]
p = subprocess.run([mk, "/nonexistent-dir/x.h5"], capture_output=True, text=True)
c.eq(p.returncode, 1, "writer into a missing directory fails")
c.eq(len(p.stderr.strip().splitlines()), 1, f"writer failure is one line: {p.stderr!r}")
c.check("No such file or directory" in p.stderr, f"writer failure says why: {p.stderr!r}")
c.done()
