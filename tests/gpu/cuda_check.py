"""A real CUDA program under the cupti backend: its kernel is in /kernels with the launch count, and
the ranges around the launches get CUDA time (self in the inner range, total in both). Skips (77)
when the program finds no usable device."""
import os
import sys

import h5py

from wptest import attr, check, finish, rows, run, scratch_dir

APP = os.path.join(os.environ["WPROF_BUILD_DIR"], "bin", "cuda_app")
LAUNCHES = 10
out = os.path.join(scratch_dir(), "report.h5")
rc, so, se = run([APP, str(LAUNCHES)], env={"WPROF_OUTPUT": out, "WPROF_BACKEND": "cupti"}, timeout=120)
sys.stdout.write(so + se)
if rc == 77:
    print("SKIP: no usable CUDA device")
    sys.exit(77)
check(rc == 0, f"cuda_app exit {rc}")
with h5py.File(out, "r") as f:
    check(attr(f, "backend") == "cupti", f"backend {attr(f, 'backend')}")
    kernels = [k for k in rows(f, "kernels") if "wprof_test_saxpy" in k["name"]]
    check(sum(k["calls"] for k in kernels) == LAUNCHES, f"saxpy launches: {kernels}")
    check(all(k["total_ns"] > 0 for k in kernels), "kernel time measured")
    r = {x["name"]: x for x in rows(f, "ranges")}
    inner, outer = r.get("gpu.inner"), r.get("gpu.outer")
    check(inner and outer, f"ranges present: {sorted(r)}")
    if inner and outer:
        saxpy_ns = sum(k["total_ns"] for k in kernels)
        check(inner["cuda_self_ns"] == inner["cuda_total_ns"] == saxpy_ns, "inner: self = total = the kernels")
        check(outer["cuda_total_ns"] >= saxpy_ns and outer["cuda_total_ns"] == outer["cuda_self_ns"] + saxpy_ns,
              "outer: total = own memset + inner's kernels")
finish()
