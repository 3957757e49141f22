"""Property test of io's own HDF5 writer, the readers' side: h5write_prop writes random reports (whole
and streamed, small and large tables, more than 65535 names whole and streamed, non-ASCII, long and
empty strings), checks each against libhdf5 through io's reader, and leaves the expected content as
JSON; and one 1.2 M-row table streamed (a chunk index two B-tree levels deep), checked the same way. Here every report is
also read by h5dump, rewritten by h5repack and compared by h5diff, read by this interpreter's h5py (Debian's, HDF5 1.10) and by PyPI's current h5py
wheel (HDF5 2.x) in a venv under the build tree: every dataset, its compound members in order, enum
mappings, every value, every root and /meta attribute and every table's rank_spans must read as
written.
    check_h5write_prop.py OUTDIR            (the whole test)
    check_h5write_prop.py --compare OUTDIR  (the h5py comparison alone, in whatever interpreter)"""
import json
import os
import glob
import subprocess
import sys

NFILES = 12


def compare_file(h5py, path, expected):
    import numpy as np
    errors = []
    with h5py.File(path, "r") as f:
        def attrs_of(obj):
            out = {}
            for k, v in obj.attrs.items():
                if isinstance(v, bytes):
                    v = v.decode("utf-8")
                elif isinstance(v, np.generic):
                    v = v.item()
                out[k] = v
            return out
        if attrs_of(f) != expected["attrs"]:
            errors.append("root attributes differ")
        if attrs_of(f["meta"]) != expected["meta"]:
            errors.append("/meta attributes differ")
        names = [n.decode("utf-8") if isinstance(n, bytes) else n for n in f["names"][()].tolist()]
        if names != expected["names"]:
            errors.append("/names differs")
        found = set()
        f.visititems(lambda n, o: found.add("/" + n) if isinstance(o, h5py.Dataset) else None)
        want = set(expected["tables"]) | {"/names"}
        if found != want:
            errors.append("datasets differ: %s" % sorted(found ^ want))
        for tpath, t in expected["tables"].items():
            d = f[tpath]
            if list(d.dtype.names) != t["columns"]:
                errors.append("%s: members %s" % (tpath, d.dtype.names))
                continue
            for col in d.dtype.names:
                enum = h5py.check_enum_dtype(d.dtype[col])
                if enum is not None and sorted(enum.values()) != list(range(len(enum))):
                    errors.append("%s.%s: enum %s" % (tpath, col, enum))
            data = d[()]
            if len(data) != len(t["rows"]):
                errors.append("%s: %d rows, expected %d" % (tpath, len(data), len(t["rows"])))
                continue
            for c, col in enumerate(t["columns"]):
                got = data[col].tolist()
                if got and isinstance(got[0], bytes):
                    got = [g.decode("utf-8") for g in got]
                exp = [r[c] for r in t["rows"]]
                if got != exp:
                    bad = next(i for i in range(len(exp)) if got[i] != exp[i])
                    errors.append("%s.%s row %d: %r != %r" % (tpath, col, bad, got[bad], exp[bad]))
            if t["rows"] and expected["streamed"] and d.maxshape != (None,) and tpath in STREAMED:
                errors.append("%s: streamed but not extendible (%s)" % (tpath, d.maxshape))
            if tpath in SPANS:
                want = expected_spans(t)
                got = d.attrs.get("rank_spans")
                got = None if got is None else [int(x) for x in got]
                if got != want:
                    errors.append("%s: rank_spans %s, expected %s" % (tpath, str(got)[:80], str(want)[:80]))
    return errors


def expected_spans(t):
    """The rank_spans attribute a table should carry: the runs of consecutive ranks with rows, as
    first, last pairs; None without rows or with more than 4096 runs (readers then count rows)."""
    col = t["columns"].index("rank")
    spans = []
    for r in sorted({row[col] for row in t["rows"] if row[col] >= 0}):
        if spans and spans[-1][1] == r - 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    if not spans or len(spans) > 4096:
        return None
    return [x for span in spans for x in span]


def compare_big(h5py, path):
    """The streamed 1.2 M-row /windows (several B-tree levels): every value as h5write_prop made it."""
    import numpy as np
    with h5py.File(path, "r") as f:
        d = f["windows"][()]
        spans = [int(x) for x in f["windows"].attrs["rank_spans"]]
    i = np.arange(BIG_ROWS, dtype=np.int64)
    ok = (len(d) == BIG_ROWS and (d["rank"] == i % 8).all() and (d["window"] == i // 8).all() and
          (d["start_ns"] == i * 1000).all() and (d["end_ns"] == i * 1000 + 999).all() and
          (d["steps"] == i % 97).all() and spans == [0, 7])
    print("%s: %d rows read by h5py %s: %s" % (os.path.basename(path), len(d), h5py.__version__, "equal" if ok else "DIFFERENT"))
    return ok


SPANS = {"/windows", "/kernels", "/ranges", "/lite", "/mpi", "/timeline", "/memory", "/stacks"}
BIG_ROWS = 1200000
STREAMED = {"/windows", "/kernels", "/ranges", "/lite", "/lite_hist", "/mpi", "/timeline", "/memory",
            "/stacks", "/breakdown", "/launch_latency", "/cupti_overhead"}


def compare_all(outdir):
    import h5py
    failures = 0
    files = sorted(glob.glob(os.path.join(outdir, "prop-*.h5")))
    for path in files:
        with open(path[:-3] + ".json", encoding="utf-8") as fh:
            expected = json.load(fh)
        errors = compare_file(h5py, path, expected)
        for e in errors[:10]:
            print("FAIL: %s (h5py %s, HDF5 %s): %s" % (os.path.basename(path), h5py.__version__,
                                                       h5py.version.hdf5_version, e))
        failures += bool(errors)
    print("h5py %s (HDF5 %s): %d reports, %d differ" % (h5py.__version__, h5py.version.hdf5_version,
                                                        len(files), failures))
    big_ok = compare_big(h5py, os.path.join(outdir, "big-stream.h5"))
    return failures == 0 and len(files) == NFILES and big_ok


def venv_python(venv):
    """PyPI's current h5py in a plain venv under the build tree, made once; None when it cannot be."""
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(os.path.join(venv, ".h5py-ready")):
        try:
            subprocess.run(["/usr/bin/python3", "-m", "venv", "--clear", venv], check=True, timeout=300)
            subprocess.run([py, "-m", "pip", "install", "-q", "h5py", "numpy"], check=True, timeout=600)
            open(os.path.join(venv, ".h5py-ready"), "w").close()
        except (subprocess.SubprocessError, OSError) as e:
            print("cannot make the h5py venv at %s: %s" % (venv, e))
            return None
    return py


def main():
    if sys.argv[1] == "--compare":
        return 0 if compare_all(sys.argv[2]) else 1
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for old in glob.glob(os.path.join(outdir, "prop-*")) + glob.glob(os.path.join(outdir, "big-stream.h5")):
        os.remove(old)
    subprocess.run([os.environ["WPROF_H5WRITE_PROP"], outdir, str(NFILES)], check=True)
    subprocess.run([os.environ["WPROF_H5WRITE_PROP"], "--big-stream", os.path.join(outdir, "big-stream.h5"),
                    str(BIG_ROWS)], check=True)
    ok = True
    h5dump = os.environ.get("WPROF_H5DUMP")
    for path in sorted(glob.glob(os.path.join(outdir, "prop-*.h5"))):
        r = subprocess.run([h5dump, path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0 or r.stderr.strip():
            print("FAIL: h5dump %s: rc %d %s" % (path, r.returncode, r.stderr[:500]))
            ok = False
    print("h5dump read %d reports" % NFILES)
    # h5repack rewrites each report with libhdf5 and h5diff finds no difference from the original
    tools = os.path.dirname(h5dump)
    for path in sorted(glob.glob(os.path.join(outdir, "prop-*.h5"))):
        copy = path[:-3] + ".repacked"
        r = subprocess.run([os.path.join(tools, "h5repack"), path, copy], capture_output=True, text=True)
        d = subprocess.run([os.path.join(tools, "h5diff"), path, copy], capture_output=True, text=True) \
            if r.returncode == 0 else r
        if r.returncode != 0 or d.returncode != 0:
            print("FAIL: h5repack / h5diff %s: %s%s" % (path, r.stderr[:300], d.stdout[:300]))
            ok = False
        if os.path.exists(copy):
            os.remove(copy)
    print("h5repack rewrote and h5diff matched %d reports" % NFILES)
    ok = compare_all(outdir) and ok
    py = venv_python(os.environ["WPROF_VENV_DIR"])
    if py is None:
        print("SKIP: no venv with PyPI's h5py (the HDF5 1.10 checks above %s)" % ("passed" if ok else "FAILED"))
        return 1 if not ok else 77
    r = subprocess.run([py, os.path.abspath(__file__), "--compare", outdir])
    ok = r.returncode == 0 and ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
