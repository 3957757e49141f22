"""`./run.sh gpu-check`'s verdict on a machine with an NVIDIA GPU: profiles gpu_check_app (a real CUDA
program: known launches, ranges, NVTX ranges, allocations, a kernel running at the stop) with the cupti
and cuda-profiler-api backends, reads the reports with h5py and prints one table, a line per property
a user would check by hand. Exit 0 only if every line holds; 77 only when no NVIDIA GPU is present at
all (nvidia-smi lists none): on a machine with one, a program that finds no usable device (a driver
older than the toolkit, no permission) is a failure with its reason.
    gpu_check.py <build dir> [<exit status of `ctest -L gpu`>]"""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py

BUILD = sys.argv[1]
CTEST_RC = int(sys.argv[2]) if len(sys.argv) > 2 else None
APP = os.path.join(BUILD, "bin", "gpu_check_app")
LIBWPROF = os.path.join(BUILD, "lib", "libwprof.so")
MIB = 1024 * 1024
verdicts = []  # (what, expected, measured, holds)


def verdict(what, expected, measured, holds):
    verdicts.append((what, expected, measured, bool(holds)))


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def table(f, name):
    if name not in f:
        return []
    ds = f[name][()]
    names = [text(n) for n in f["names"][()]] if "names" in f else []
    out = []
    for r in ds:
        d = {k: (text(r[k]) if isinstance(r[k], bytes) else r[k]) for k in ds.dtype.names}
        for col in ("name_id", "kind_id"):
            if col in d and d[col] < len(names):
                d[col.replace("_id", "")] = names[d[col]]
        out.append(d)
    return out


def profile(mode, env):
    out = os.path.join(tempfile.mkdtemp(prefix="wprof-gpu-check-"), f"{mode}.h5")
    full = dict(os.environ, WPROF_OUTPUT=out, WPROF_LOG="warn", **env)
    p = subprocess.run([APP, mode], env=full, capture_output=True, text=True, timeout=300)
    sys.stderr.write(p.stdout + p.stderr)
    if p.returncode == 77:
        if not gpu_listed():
            print("gpu-check: gpu_check_app found no usable CUDA device and nvidia-smi lists no GPU: nothing was checked")
            sys.exit(77)
        reason = (p.stdout + p.stderr).strip().splitlines()
        verdict(f"{mode} run: a usable CUDA device", "the GPU nvidia-smi lists",
                reason[-1] if reason else "exit 77, no reason given", False)
        return 77, out, {}, p.stderr
    facts = {}  # "FACT <key words> <integer>"
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "FACT":
            facts[" ".join(parts[1:-1])] = int(parts[-1])
    return p.returncode, out, facts, p.stderr


def gpu_listed():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    p = subprocess.run([smi, "-L"], capture_output=True, text=True)
    return p.returncode == 0 and any(line.startswith("GPU ") for line in p.stdout.splitlines())


def ns(v):
    for unit, div in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if v >= div:
            return f"{v / div:.3f} {unit}"
    return f"{v} ns"


def check_cupti():
    rc, out, facts, stderr = profile("cupti", {"WPROF_BACKEND": "cupti", "WPROF_MEMORY": "1",
                                               "NVTX_INJECTION64_PATH": LIBWPROF})
    if rc == 77:
        return
    verdict("cupti run", "exit 0, report written", f"exit {rc}", rc == 0 and os.path.exists(out))
    took = facts.get("finalize_ms")
    # the report waits for kernels in flight, 3 s at most; nothing runs at this finalize, so only the
    # captured launches (never a record) are missing and the wait ends after 300 ms without records
    verdict("finalize time (no wait for records that never come)", "< 2 s",
            "not printed" if took is None else f"{took} ms", took is not None and took < 2000)
    if not os.path.exists(out):
        return
    with h5py.File(out, "r") as f:
        backend = text(f.attrs.get("backend", b"?"))
        verdict("backend", "cupti", backend, backend == "cupti")
        kernels = table(f, "kernels")
        ranges = {(r["name"], r["window"]): r for r in table(f, "ranges")}
        for key, launched in sorted(facts.items()):
            if not key.startswith("launched "):
                continue
            name = key.split()[1]
            seen = sum(k["calls"] for k in kernels if k["name"] == name)
            verdict(f"kernels seen vs launched: {name}", launched, seen, seen == launched)
        for rng, kern in (("r_saxpy", "gc_saxpy"), ("r_scale", "gc_scale"), ("r_graph", "gc_add_one"),
                          ("r_latency", "gc_tiny"), ("nvtx_step", "gc_nvtx_kernel"), ("r_tail", "gc_spin")):
            want = sum(k["total_ns"] for k in kernels if k["name"] == kern)
            r = ranges.get((rng, 0))
            got = r["cuda_self_ns"] if r is not None else None
            verdict(f"range {rng}: self CUDA time vs its kernels", ns(want), "no row" if got is None else ns(got),
                    got is not None and want > 0 and got == want)
        nvtx = ranges.get(("nvtx_step", 0))
        want = facts.get("nvtx_ranges nvtx_step")
        verdict("NVTX ranges captured (nvtx_step calls)", want, nvtx["calls"] if nvtx is not None else "no row",
                nvtx is not None and nvtx["calls"] == want)
        spin = [k for k in kernels if k["name"] == "gc_spin"]
        spin_ns = facts.get("spin_ns", 0)
        got = spin[0]["total_ns"] if spin else 0
        verdict("kernel running at the stop: its time, in its window", f">= {ns(spin_ns)} in window 0",
                f"{ns(got)} in window {spin[0]['window'] if spin else '-'}",
                len(spin) == 1 and spin[0]["window"] == 0 and spin_ns <= got < spin_ns * 2)
        lat = {r["name"]: r for r in table(f, "launch_latency")}
        tiny = lat.get("gc_tiny")
        verdict("launch latency on an idle GPU (gc_tiny p50, p99)", "1 us <= p50 <= 1 ms, p99 <= 20 ms",
                f"{ns(tiny['p50_ns'])}, {ns(tiny['p99_ns'])}" if tiny else "no row",
                tiny is not None and 1000 <= tiny["p50_ns"] <= 1000000 and tiny["p99_ns"] <= 20000000)
        graph = lat.get("gc_add_one")
        want = facts.get("graph_launches gc_add_one")
        verdict("graph launch latency: one per graph launch", want, graph["calls"] if graph else "no row",
                graph is not None and graph["calls"] == want)
        mem = [m for m in table(f, "memory") if m["device"] == 0]
        peak = max((m["peak_bytes"] for m in mem), default=0)
        want, delta = facts.get("mem_requested_peak", 0), facts.get("memgetinfo_delta", 0)
        verdict("memory peak vs requested and cudaMemGetInfo", f"{want // MIB} MiB, <= cudaMemGetInfo's",
                f"{peak / MIB:.1f} MiB (cudaMemGetInfo: {delta / MIB:.1f} MiB)",
                peak == want and want <= delta <= want + 32 * MIB)
        overhead = {r["kind"]: r["count"] for r in table(f, "cupti_overhead")}
        dropped = sum(r["dropped_records"] for r in table(f, "ranks"))
        lost = {k: overhead.get(k, 0) for k in ("correlation_lost", "incomplete_records")}
        verdict("records dropped, correlations lost, incomplete", "0, 0, 0",
                f"{dropped}, {lost['correlation_lost']}, {lost['incomplete_records']}",
                dropped == 0 and not any(lost.values()))
        uncorrelated = overhead.get("uncorrelated_records", 0)
        verdict("records with a correlation id wprof did not know", 0, uncorrelated, uncorrelated == 0)
        captured = facts.get("captured_launches", 0)
        no_record = overhead.get("launches_without_records", 0)
        verdict("launches that never had a record", f"<= {captured} (made during stream capture)", no_record,
                no_record <= captured)


def check_profiler():
    rc, out, facts, _ = profile("profiler", {"WPROF_BACKEND": "cuda-profiler-api"})
    if rc == 77:
        return
    if not os.path.exists(out):
        verdict("cudaProfilerStart/Stop windows", "report written", f"exit {rc}, no report", False)
        return
    with h5py.File(out, "r") as f:
        backend = text(f.attrs.get("backend", b"?"))
        windows = len(table(f, "windows"))
    want = facts.get("windows", 3)
    verdict("cudaProfilerStart/Stop windows", f"{want} windows, backend cuda-profiler-api",
            f"{windows} windows, backend {backend}", rc == 0 and windows == want and backend == "cuda-profiler-api")


def main():
    if not os.path.exists(APP):
        print(f"gpu-check: {APP} was not built (no CUDA compiler found by CMake?)")
        return 1
    if CTEST_RC is not None:
        verdict("real-GPU tests (ctest -L gpu)", "pass", "pass" if CTEST_RC == 0 else f"exit {CTEST_RC}",
                CTEST_RC == 0)
    check_cupti()
    check_profiler()
    rows = [("check", "expected", "measured", "verdict")] + \
           [(w, str(e), str(m), "ok" if h else "FAIL") for w, e, m, h in verdicts]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(widths[j]) for j, c in enumerate(r)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    bad = sum(1 for v in verdicts if not v[3])
    print(f"\ngpu-check: {len(verdicts) - bad} of {len(verdicts)} lines hold" + ("" if not bad else f"; {bad} do not"))
    return 0 if bad == 0 else 1


sys.exit(main())
