"""Issue 8: a report whose merged rows outgrow WPROF_GATHER_MAX_MB is streamed into its datasets part
by part. bench_scale --smoke writes the same 64-rank job both ways, through the finalize merger: in one
go (report-64.h5) and streamed in parts of 256 KB (streamed-64.h5). Every dataset, every attribute
(the rank spans included) and every summary must be equal, value for value; the streamed tables are
extendible (chunked, unlimited) and the job did go in several parts."""
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np

from wptest import check, finish

bench = sys.argv[1]
p = subprocess.run([bench, "--smoke", "--keep"], capture_output=True, text=True, timeout=100)
check(p.returncode == 0, f"bench_scale --smoke exits 0 ({p.returncode}: {p.stderr.strip()[-300:]})")
m = re.search(r"reports kept in (\S+)", p.stdout)
d = m.group(1) if m else ""
whole, streamed = os.path.join(d, "report-64.h5"), os.path.join(d, "streamed-64.h5")
check(os.path.exists(whole) and os.path.exists(streamed), f"both reports were written in {d}")


def objects(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    return out


def same(x, y):
    if x.dtype.names:
        return x.dtype == y.dtype and x.shape == y.shape and all(np.array_equal(x[c], y[c]) for c in x.dtype.names)
    return x.shape == y.shape and np.array_equal(x, y)


def same_attrs(a, b, where):
    for k in set(a.attrs) | set(b.attrs):
        check(k in a.attrs and k in b.attrs and np.array_equal(a.attrs[k], b.attrs[k]),
              f"{where}: attribute {k} is the same ({a.attrs.get(k)!r} vs {b.attrs.get(k)!r})")


if os.path.exists(whole) and os.path.exists(streamed):
    with h5py.File(whole, "r") as a, h5py.File(streamed, "r") as b:
        oa, ob = objects(a), objects(b)
        check(set(oa) == set(ob), f"the same groups and datasets ({sorted(set(oa) ^ set(ob))})")
        same_attrs(a, b, "/")
        rows = 0
        for name, x in oa.items():
            if name not in ob:
                continue
            same_attrs(x, ob[name], "/" + name)
            if isinstance(x, h5py.Dataset):
                check(same(x[()], ob[name][()]), f"/{name}: every row is the same ({x.shape} vs {ob[name].shape})")
                rows += x.shape[0]
        check(rows > 100000, f"the reports hold the job's rows ({rows})")
        for t in ("kernels", "ranges", "lite", "lite_hist", "windows"):
            ds = b[t]
            check(ds.chunks is not None and ds.maxshape == (None,),
                  f"streamed /{t} is an extendible dataset ({ds.chunks}, {ds.maxshape})")
            check(ds.compression == "gzip" and ds.shuffle, f"streamed /{t} is shuffled and deflated")
        check(b["kernels"].shape[0] > b["kernels"].chunks[0], "streamed /kernels spans several chunks")
m = re.search(r"64 ranks, \d+ rows streamed past [\d.]+ MB in (\d+) parts", p.stdout)
check(m is not None and int(m.group(1)) >= 2, f"bench_scale streamed in several parts ({p.stdout.strip()[-200:]})")
if d.startswith("/tmp/wprof-bench-scale-"):
    shutil.rmtree(d, ignore_errors=True)
finish()
