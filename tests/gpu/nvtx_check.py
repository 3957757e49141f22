"""NVTX injection: a program that only uses NVTX for its ranges, run with NVTX_INJECTION64_PATH
pointing at libwprof.so, has its push/pop (nested, exact self/total), start/end and domain ranges in
/ranges, wprof's own domain is not counted twice; without the variable they are not there."""
import os
import sys

import h5py

from wptest import attr, check, finish, rows, run, scratch_dir

APP = os.path.join(os.environ["WPROF_BUILD_DIR"], "bin", "nvtx_app")
LIB = os.path.join(os.environ["WPROF_BUILD_DIR"], "lib", "libwprof.so")
ITERS = 3
NVTX_NAMES = {"nv.outer", "nv.inner\u00e9", "nv.startend", "nv.registered", "nv.ex",
              "nv.domain.startend", "nv.in_wp"}


def profile(injected):
    out = os.path.join(scratch_dir(), "report.h5")
    env = {"WPROF_OUTPUT": out, "WPROF_BACKEND": "host"}
    if injected:
        env["NVTX_INJECTION64_PATH"] = LIB
    else:
        os.environ.pop("NVTX_INJECTION64_PATH", None)
    rc, so, se = run([APP, str(ITERS)], env=env)
    sys.stdout.write(so + se)
    check(rc == 0, f"nvtx_app exit {rc}")
    check("warning" not in se, "no warnings")
    with h5py.File(out, "r") as f:
        check(attr(f, "backend") == "host", "backend host")
        return {r["name"]: r for r in rows(f, "ranges")}


def check_injected(r):
    check(set(r) == NVTX_NAMES | {"wp.own"}, f"exactly the app's ranges: {sorted(r)}")
    for name in NVTX_NAMES | {"wp.own"}:
        if name in r:
            check(r[name]["calls"] == ITERS and r[name]["window"] == 0,
                  f"{name}: {r[name]['calls']} calls in window {r[name]['window']}, want {ITERS} in 0")
    if not NVTX_NAMES <= set(r) or "wp.own" not in r:
        return
    outer, inner, own, in_wp = r["nv.outer"], r["nv.inner\u00e9"], r["wp.own"], r["nv.in_wp"]
    check(outer["cpu_self_ns"] == outer["cpu_total_ns"] - inner["cpu_total_ns"], "self(outer) = total - total(inner)")
    check(inner["cpu_self_ns"] == inner["cpu_total_ns"] >= ITERS * 2e6, "inner: leaf, >= 2 ms per call")
    check(outer["cpu_self_ns"] >= ITERS * 1e6, "outer self >= 1 ms per call")
    check(own["cpu_self_ns"] == own["cpu_total_ns"] - in_wp["cpu_total_ns"],
          "wprof range and NVTX range share one stack")
    for name in ("nv.startend", "nv.domain.startend"):
        check(r[name]["cpu_self_ns"] == r[name]["cpu_total_ns"], f"{name}: not nested, self = total")
    check(r["nv.startend"]["cpu_total_ns"] >= ITERS * 1e6, "start/end timed")
    check(r["nv.registered"]["cpu_self_ns"] == r["nv.registered"]["cpu_total_ns"] - r["nv.ex"]["cpu_total_ns"],
          "domain push/pop nests with the default domain's")


check_injected(profile(True))
plain = profile(False)
check(set(plain) == {"wp.own"}, f"without injection only wprof's range: {sorted(plain)}")
check(plain.get("wp.own", {}).get("calls") == ITERS, "wp.own counted once per call")
finish()
