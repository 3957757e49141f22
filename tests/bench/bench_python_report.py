"""Benchmark: wprof.read_report on a 4096-rank report (bench_tools_scale's synthetic job, written by
the real finalize path) against the bare minimum in the same run: h5py reading every table's raw
rows. What read_report adds (DataFrames, names resolved, enums by name) is vectorized, so the target
is <= 2x that baseline; a per-row Python loop over the same rows is shown for reference.
usage: bench_python_report.py BENCH_TOOLS_SCALE [RANKS]   (PYTHONPATH must hold the built package)"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import h5py

import wprof

RANKS = int(sys.argv[2]) if len(sys.argv) > 2 else 4096
REPS = 3
TARGET = 2.0


def raw_read(path):
    tables = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda k, o: tables.__setitem__(k, o[()]) if isinstance(o, h5py.Dataset) else None)
        dict(f.attrs)
    return tables


def per_row_names(path):
    """What a reader without vectorization does: one Python step per row to name it."""
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["names"][()]]
        rows = f["ranges"][()]
        return [names[r["name_id"]] for r in rows]


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main():
    work = tempfile.mkdtemp(prefix="wprof-bench-pyreport-")
    path = os.path.join(work, "scale.h5")
    subprocess.run([sys.argv[1], "--keep", path, str(RANKS)], check=True, stdout=subprocess.DEVNULL)
    raw_s, read_s = [], []
    for _ in range(REPS):
        # each timing starts with nothing of the last one held: both sides pay the same page faults
        t, tables = timed(raw_read, path)
        raw_s.append(t)
        rows, ntables = sum(len(v) for v in tables.values()), len(tables)
        del tables
        t, report = timed(wprof.read_report, path)
        read_s.append(t)
        ranges_rows = len(report["ranges"])
        del report
    loop_s, _ = timed(per_row_names, path)
    raw, read = statistics.median(raw_s), statistics.median(read_s)
    print(f"{RANKS} ranks, {rows} rows in {ntables} tables, {os.path.getsize(path) / 1e6:.0f} MB")
    print(f"  h5py raw read of every table   {raw:7.3f} s")
    print(f"  wprof.read_report              {read:7.3f} s   ({read / raw:.2f}x)")
    print(f"  per-row Python naming /ranges  {loop_s:7.3f} s   (reference: {ranges_rows} rows)")
    print(f"BENCH wprof.read_report, {RANKS} ranks ({rows} rows)|{read * 1e3:.0f} ms|{raw * 1e3:.0f} ms (h5py raw)|"
          f"{read / raw:.2f}x|<= {TARGET}x|{'PASS' if read / raw <= TARGET else 'FAIL'}")
    shutil.rmtree(work)


main()
