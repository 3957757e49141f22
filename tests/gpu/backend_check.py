"""Backends on this machine: WPROF_BACKEND=cuda-profiler-api without a usable device warns once and
uses host; auto picks host without a word; the report says what was asked and what ran."""
import os
import sys
import time

import h5py

from wptest import attr, check, finish, run, scratch_dir

APP = os.path.join(os.environ["WPROF_BUILD_DIR"], "bin", "nvtx_app")


def profile(requested):
    out = os.path.join(scratch_dir(), "report.h5")
    t0 = time.monotonic()
    rc, so, se = run([APP, "2"], env={"WPROF_OUTPUT": out, "WPROF_BACKEND": requested}, timeout=60)
    took = time.monotonic() - t0
    sys.stdout.write(so + se)
    check(rc == 0, f"{requested}: exit {rc}")
    check(took < 20, f"{requested}: took {took:.1f} s")
    with h5py.File(out, "r") as f:
        return attr(f, "backend"), attr(f, "backend_requested"), se


backend, requested, err = profile("cuda-profiler-api")
warnings = [l for l in err.splitlines() if "warning" in l]
check(requested == "cuda-profiler-api", f"backend_requested {requested}")
if backend == "host":  # no usable device: this machine
    check(len(warnings) == 1 and "cuda-profiler-api" in warnings[0], f"one warning naming the backend: {warnings}")
else:
    check(backend == "cuda-profiler-api" and not warnings, f"ran as {backend} with warnings {warnings}")

backend, requested, err = profile("auto")
check(requested == "auto", f"backend_requested {requested}")
check(backend in ("host", "cupti"), f"auto picked {backend}")
check("warning" not in err, f"auto picks {backend} quietly")
finish()
