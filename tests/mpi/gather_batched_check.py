"""WPROF_GATHER_MAX_MB (issue 8): the same deterministic program at np 4, once with the default bound
(one batch) and once with WPROF_GATHER_MAX_MB=1, where rank 0 must gather in several batches (its log
says how many), and where the merged rows (3.5 MB of ranges) outgrow the bound too, so they are streamed
into the report's datasets part by part. Both reports must hold the same rows, table by table, in every
column that does not depend on timing (ranks, windows, names, call counts; summaries' ranks_present and
calls). bench_scale's report_streamed_equal compares a streamed report value for value."""
import os
import re
import sys

import h5py

from wptest import check, finish, rows, run_mpi, scratch_dir

app = sys.argv[1]
NP = 4
out = scratch_dir()

# columns that are the same in every run of the program, per table
KEYS = {
    "/ranks": ("rank", "status", "collected", "device"),
    "/windows": ("rank", "window", "steps"),
    "/ranges": ("rank", "window", "name", "calls"),
    "/lite": ("rank", "name", "calls"),
    "/kernels": ("rank", "window", "name", "calls", "bytes"),
    "/mpi": ("rank", "window", "name", "calls", "bytes"),
    "/summary/ranges": ("name", "ranks_present", "calls"),
    "/summary/lite": ("name", "ranks_present", "calls"),
    "/summary/mpi": ("name", "ranks_present", "calls"),
}


def table(f, path, cols):
    if path not in f:
        return None
    out_rows = []
    for r in rows(f, path):
        out_rows.append(tuple(r.get(c) for c in cols))
    return sorted(out_rows, key=repr)


def profile(tag, env):
    path = os.path.join(out, f"{tag}.h5")
    full = {"WPROF_OUTPUT": path, "WPROF_BACKEND": "host", "WPROF_LOG": "info"}
    full.update(env)
    rc, so, se, _ = run_mpi(NP, [app], env=full, timeout=240)
    check(rc == 0, f"{tag}: the job exits 0 (exit {rc})")
    check(os.path.exists(path), f"{tag}: the report {path} was written")
    return path, so + se


one_path, one_log = profile("one-batch", {})
bat_path, bat_log = profile("batched", {"WPROF_GATHER_MAX_MB": "1"})

m = re.search(r"gathered the ranks' data in (\d+) batches", bat_log)
check(m is not None and int(m.group(1)) >= 2,
      f"rank 0 gathered in several batches with WPROF_GATHER_MAX_MB=1 (log: {m.group(0) if m else 'no batches line'})")
check("batches" not in one_log, "with the default bound there is one batch (no batches line in the log)")
m = re.search(r"the merged rows outgrew WPROF_GATHER_MAX_MB: they went to the report in (\d+) parts", bat_log)
check(m is not None and int(m.group(1)) >= 2, f"rank 0 streamed the merged rows in parts ({m.group(0) if m else 'no line'})")
check("outgrew" not in one_log, "with the default bound the report is written in one go")

if os.path.exists(one_path) and os.path.exists(bat_path):
    with h5py.File(one_path, "r") as a, h5py.File(bat_path, "r") as b:
        for path, cols in KEYS.items():
            ta, tb = table(a, path, cols), table(b, path, cols)
            check(ta == tb, f"{path} has the same {', '.join(cols)} in both reports "
                            f"({0 if ta is None else len(ta)} vs {0 if tb is None else len(tb)} rows)")
        ranges = table(b, "/ranges", KEYS["/ranges"]) or []
        check(len(ranges) == NP * 3 * 4000, f"/ranges has every rank's rows ({len(ranges)} of {NP * 3 * 4000})")
        check(b["ranges"].maxshape == (None,) and a["ranges"].maxshape != (None,),
              "the batched report's /ranges grew part by part (extendible), the other's was written whole")
        statuses = {r[1] for r in table(b, "/ranks", KEYS["/ranks"]) or []}
        check(statuses == {"ok"}, f"every rank is ok in the batched report ({statuses})")
# a path the report may not replace (another program's file): streaming refuses it as the whole
# write does, the job still exits 0, the file stays as it was and no temporary file is left behind
taken = os.path.join(out, "taken.txt")
with open(taken, "w") as f:
    f.write("not a report\n")
rc, so, se, _ = run_mpi(NP, [app], env={"WPROF_OUTPUT": taken, "WPROF_BACKEND": "host", "WPROF_GATHER_MAX_MB": "1"},
                        timeout=240)
check(rc == 0, f"a refused report path does not fail the job (exit {rc})")
check("no report written to" in se and "not a wprof report" in se, f"rank 0 says why ({se.strip()[-300:]})")
with open(taken) as f:
    check(f.read() == "not a report\n", "the file at the report path is untouched")
left = [n for n in os.listdir(out) if ".tmp." in n]
check(not left, f"no temporary report file is left ({left})")
finish()
