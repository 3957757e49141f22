"""wprof.read_report against h5py's raw values, table by table and column by column, on reports of
the suite: make_report's synthetic jobs (every kernel kind, non-ASCII names, 70000-row chunked
tables, a degraded job, the timeline and /mpi) and a 1-rank report of a Python program; with --gpu,
reports of the fake-CUPTI programs whose /stacks and /cupti_overhead have rows (stack_id and kind_id
resolved to stack and kind_name).
usage: check_read_report.py MAKE_REPORT
       check_read_report.py --gpu GPU_EXTRA_APP ANALYSIS_APP LIBFAKECUPTI"""
import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd

import wprof
from wptest import check, finish, run_mpi, scratch_dir

work = scratch_dir()
reports = []
if sys.argv[1] == "--gpu":
    extra_app, analysis_app, fake = sys.argv[2:5]
    for name, argv, env in (("stacks", [extra_app, "stacks", fake], {"WPROF_STACKS": "1"}),
                            ("overhead", [analysis_app, "overhead", fake], {})):
        path = os.path.join(work, name + ".h5")
        env.update({"WPROF_OUTPUT": path, "WPROF_BACKEND": "cupti", "WPROF_LOG": "warn", "WPROF_CUPTI_LIBRARY": fake})
        rc, _, _, _ = run_mpi(1, argv, env, timeout=90)
        if check(rc == 0 and os.path.exists(path), f"{name}: the fake-CUPTI program wrote its report"):
            reports.append(path)
else:
    make_report = sys.argv[1]
    for name, extra in (("report", []), ("bulk", ["--bulk", "70000"]), ("degraded", ["--degraded"]),
                        ("timeline", ["--timeline", "--mpi", "--ranks", "5"])):
        path = os.path.join(work, name + ".h5")
        subprocess.run([make_report, path] + extra, check=True, stdout=subprocess.DEVNULL)
        reports.append(path)

    # a report written by the package itself, with no MPI launcher (a world of one)
    py_report = os.path.join(work, "python.h5")
    subprocess.run([sys.executable, "-c", "import wprof\nwith wprof.range('r'):\n  pass\n"
                    "for _ in range(3):\n  with wprof.LiteScope('é scope'): pass\n"],
                   check=True, env=dict(os.environ, WPROF_OUTPUT=py_report))
    reports.append(py_report)


def plain(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        return plain(v[()])
    if isinstance(v, np.ndarray) and v.dtype.kind in "SO":
        return [plain(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    return v


def same_attrs(got, obj, what):
    want = {k: plain(v) for k, v in obj.attrs.items()}
    ok = set(got) == set(want) and all(
        np.array_equal(np.asarray(got[k]), np.asarray(want[k])) if isinstance(want[k], np.ndarray)
        else got[k] == want[k] for k in want)
    check(ok, f"{what}: attributes as h5py reads them")


def check_table(rep, f, path, names, label):
    raw = f[path][()]
    df = rep.get(path)
    if not check(isinstance(df, pd.DataFrame), f"{label}: {path} is a DataFrame"):
        return
    check(len(df) == len(raw), f"{label}: {path} has the file's {len(raw)} rows (got {len(df)})")
    same_attrs(df.attrs, f[path], f"{label}: {path}")
    for col in raw.dtype.names:
        field = raw.dtype.fields[col][0]
        want = raw[col]
        enum = h5py.check_enum_dtype(field)
        got = df[col]
        if enum:
            by_value = {v: k for k, v in enum.items()}
            expect = [by_value[int(x)] for x in want]
            check(list(got.astype(str)) == expect, f"{label}: {path}.{col} enum values as their names")
        elif want.dtype.kind in "SO":
            expect = [x.decode() if isinstance(x, bytes) else x for x in want]
            check(list(got) == expect, f"{label}: {path}.{col} strings")
        else:
            check(got.dtype == want.dtype and np.array_equal(got.to_numpy(), want),
                  f"{label}: {path}.{col} values and dtype {want.dtype} (got {got.dtype})")
    for id_col, str_col in (("name_id", "name"), ("stack_id", "stack"), ("kind_id", "kind_name")):
        if id_col in raw.dtype.names:
            expect = [names[i] for i in raw[id_col]]
            check(list(df[str_col]) == expect, f"{label}: {path}.{str_col} is /names[{id_col}], as str")
            check(all(isinstance(x, str) for x in df[str_col][:3]), f"{label}: {path}.{str_col} holds str")


for path in reports:
    label = os.path.basename(path)
    rep = wprof.read_report(path)
    with h5py.File(path, "r") as f:
        names = [x.decode() if isinstance(x, bytes) else x for x in f["names"][()]]
        same_attrs(rep.attrs, f, f"{label}: root")
        check(list(rep["names"]["name"]) == names, f"{label}: names")
        if "meta" in f:
            same_attrs(rep["meta"], f["meta"], f"{label}: /meta")
        tables = []
        f.visititems(lambda k, o: tables.append(k) if isinstance(o, h5py.Dataset) and k != "names" else None)
        check(sorted(k for k, v in rep.items() if isinstance(v, pd.DataFrame) and k != "names") == sorted(tables),
              f"{label}: one DataFrame per table of the file, keyed without the leading '/'")
        for t in tables:
            check_table(rep, f, t, names, label)
    if label == "timeline.h5":
        kinds = set(rep["timeline"]["kind"].astype(str))
        check({"kernel", "range"} <= kinds, f"timeline kinds by name, got {sorted(kinds)}")
    if label == "stacks.h5":
        st = rep["stacks"]
        check(len(st) > 0 and any(" <- " in x for x in st["stack"]),
              f"/stacks has rows whose stack reads 'inner <- outer' (got {list(st['stack'])[:3]})")
    if label == "overhead.h5":
        kinds = set(rep["cupti_overhead"]["kind_name"])
        check(len(kinds) >= 2, f"/cupti_overhead has rows of two overhead kinds, named (got {sorted(kinds)})")
    if label == "python.h5":
        lite = rep["lite"]
        check(list(lite["name"]) == ["é scope"] and list(lite["calls"]) == [3], "the Python program's lite scope")
finish()
