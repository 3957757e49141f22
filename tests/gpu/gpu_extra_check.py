"""gpu_extra_* tests (issue 10): gpu_extra_app under the real mpiexec with the fake libcupti; the report
read back with h5py and `wprof report`.
    gpu_extra_check.py <scenario> <libfakecupti.so>"""
import os
import sys

import h5py
import numpy as np

from wptest import attr, check, finish, names, rows, run, run_mpi, scratch_dir, BIN, WPROF

SCENARIO, FAKE = sys.argv[1], sys.argv[2]
APP = os.path.join(BIN, "gpu_extra_app")
US = 1000
MEM_DEVICE = 3  # enum wpio_mem_kind "device"


def profile(scenario, env=None):
    out = os.path.join(scratch_dir(), "report.h5")
    full = {"WPROF_OUTPUT": out, "WPROF_BACKEND": "cupti", "WPROF_LOG": "warn", "WPROF_CUPTI_LIBRARY": FAKE}
    full.update(env or {})
    rc, _, stderr, _ = run_mpi(1, [APP, scenario, FAKE], env=full, timeout=90)
    check(rc == 0, f"{scenario}: the program exits 0 (got {rc}; stderr: {stderr[-500:]})")
    check(os.path.exists(out), f"{scenario}: a report was written")
    check(attr(h5py.File(out, "r"), "backend") == "cupti", "the cupti backend ran")
    return out


def memory():
    out = profile("memory", {"WPROF_MEMORY": "1"})
    with h5py.File(out, "r") as f:
        mem = {r["name"]: r for r in rows(f, "memory")}
        check(set(mem) == {"phase1", "phase2", "(no range)"}, f"/memory rows by range (got {sorted(mem)})")
        want = {"phase1": (3, 1, 600, 100, 500), "phase2": (1, 1, 50, 300, 250), "(no range)": (1, 0, 1000, 0, 1250)}
        for name, w in want.items():
            r = mem.get(name)
            if r is None:
                continue
            got = (r["allocations"], r["frees"], r["bytes_allocated"], r["bytes_freed"], r["peak_bytes"])
            check(got == w, f"{name}: allocations/frees/bytes allocated/freed/peak {w} (got {got})")
            check(r["kind"] == MEM_DEVICE and r["device"] == 0 and r["window"] == 0,
                  f"{name}: device memory of device 0 in window 0")
        win = rows(f, "windows")[0]
        p = mem.get("phase1")
        if p:
            check(win["start_ns"] <= p["peak_time_ns"] <= win["end_ns"],
                  f"the peak's time lies in the window ({win['start_ns']} <= {p['peak_time_ns']} <= {win['end_ns']})")
        s = {r["name"]: r for r in rows(f, "summary/memory")}
        check(s.get("phase1", {}).get("peak_bytes") == 500 and s["phase1"]["ranks_present"] == 1,
              "summary/memory: phase1 peak 500 on one rank")
        check(len(rows(f, "stacks")) == 0, "/stacks empty without WPROF_STACKS")
    rc, text, err = run([WPROF, "report", out, "--memory"])
    check(rc == 0 and "GPU memory" in text and "phase1" in text, f"wprof report --memory shows the memory table ({err})")
    rc, text, _ = run([WPROF, "report", out, "--memory", "--format", "csv"])
    line = [l for l in text.splitlines() if l.startswith("memory,summary,phase1,")]
    check(len(line) == 1 and line[0].split(",")[7] == "500", f"--memory csv: phase1 with peak 500 (got {line})")


def config():
    out = profile("config")
    with h5py.File(out, "r") as f:
        kc = [r for r in rows(f, "kernels") if r["name"] == "kc"]
        check(len(kc) == 2, f"two /kernels rows for kc, one per launch configuration (got {len(kc)})")
        by_grid = {(r["grid_x"], r["grid_y"], r["grid_z"], r["block_x"], r["block_y"], r["block_z"]): r for r in kc}
        a, b = by_grid.get((1, 1, 1, 128, 1, 1)), by_grid.get((4, 2, 1, 256, 1, 1))
        check(a is not None and (a["calls"], a["total_ns"]) == (2, 20 * US), "1x1x1/128x1x1: 2 calls, 20 us")
        check(b is not None and (b["calls"], b["total_ns"]) == (1, 20 * US), "4x2x1/256x1x1: 1 call, 20 us")
        check(all(r["registers_per_thread"] == 32 and r["graph_id"] == -1 for r in kc),
              "registers per thread 32, not from a graph")
    rc, text, _ = run([WPROF, "report", out, "--table", "kernels", "--format", "csv"])
    lines = [l for l in text.splitlines() if ",kc," in l]
    check(rc == 0 and len(lines) == 1 and ",3," in lines[0], f"wprof report folds kc to one row of 3 calls (got {lines})")
    rc, text, _ = run([WPROF, "report", out, "--rank", "0", "--by-config", "--table", "kernels", "--format", "csv"])
    lines = [l for l in text.splitlines() if l.startswith("kernel_configs,rank 0,kc,")]
    check(rc == 0 and len(lines) == 2 and any("4x2x1" in l and "256x1x1" in l for l in lines),
          f"--by-config keeps the two configurations apart (got {lines})")


def graph():
    out = profile("graph")
    with h5py.File(out, "r") as f:
        g = [r for r in rows(f, "kernels") if r["name"] == "g_step"]
        check(len(g) == 1 and g[0]["calls"] == 5 and g[0]["total_ns"] == 50 * US and g[0]["graph_id"] >= 1,
              f"the graph's 5 kernels: one row with a graph_id (got {g})")
        e = [r for r in rows(f, "kernels") if r["name"] == "k_eager"]
        check(len(e) == 1 and e[0]["graph_id"] == -1, "the eager kernel is not from a graph")
        ranges = {r["name"]: r for r in rows(f, "ranges")}
        d = ranges.get("decode")
        check(d is not None and d["cuda_self_ns"] == 50 * US, f"decode gets the graph's 50 us as self CUDA time (got {d})")
        p = ranges.get("prefill")
        check(p is not None and p["cuda_self_ns"] == 50 * US, "prefill gets the eager kernel")
    rc, text, _ = run([WPROF, "report", out])
    check(rc == 0 and "from CUDA graphs: 50.0%" in text, "wprof report shows the graph share (50.0%)")


def stacks(memory_on):
    out = profile("stacks", {"WPROF_STACKS": "1", "WPROF_MEMORY": "1" if memory_on else "0"})
    with h5py.File(out, "r") as f:
        dictionary = names(f)
        st = [dict(r, stack=dictionary[r["stack_id"]]) for r in rows(f, "stacks")]
        deep = [r for r in st if r["name"] == "k_deep"]
        other = [r for r in st if r["name"] == "k_other"]
        check(len(deep) == 1 and deep[0]["stack"].startswith("stack_inner <- stack_outer"),
              f"k_deep's stack starts stack_inner <- stack_outer (got {[r['stack'] for r in deep]})")
        check(len(deep) == 1 and (deep[0]["calls"], deep[0]["cuda_ns"]) == (3, 90 * US), "k_deep: 3 calls, 90 us")
        check(len(other) == 1 and other[0]["stack"].startswith("stack_other") and "main" in other[0]["stack"],
              f"k_other's stack: stack_other ... main (got {[r['stack'] for r in other]})")
        check(len(other) == 1 and (other[0]["calls"], other[0]["cuda_ns"]) == (2, 14 * US), "k_other: 2 calls, 14 us")
        check(all(r["bytes"] == 0 for r in deep + other), "kernel rows have 0 bytes")
        alloc = [r for r in st if r["name"] == "(allocation)"]
        kernels_ns = sum(int(r["total_ns"]) for r in rows(f, "kernels") if r["kind"] == 0)  # kernels, not syncs
        check(sum(int(r["cuda_ns"]) for r in st) == kernels_ns,
              f"/stacks CUDA time adds up to the kernels' ({kernels_ns} ns)")
        if not memory_on:
            check(len(rows(f, "memory")) == 0, "/memory empty without WPROF_MEMORY")
            check(alloc == [], f"no allocation stacks without WPROF_MEMORY (got {alloc})")
        else:
            check(len(alloc) == 1 and alloc[0]["stack"].startswith("alloc_site <- ") and "main" in alloc[0]["stack"],
                  f"one allocation stack: alloc_site <- ... main (got {[r['stack'] for r in alloc]})")
            got = [(r["calls"], r["bytes"], r["cuda_ns"]) for r in alloc]
            check(got == [(3, 6000, 0)], f"alloc_site: 3 allocations of 6000 bytes, no CUDA time (got {got})")
            mem = sum(int(r["allocations"]) for r in rows(f, "memory"))
            check(mem == 3, f"/memory counts the same 3 allocations (got {mem})")
    rc, text, _ = run([WPROF, "report", out, "--stacks"])
    check(rc == 0 and "stack_inner <- stack_outer" in text, "wprof report --stacks shows the stacks")
    if memory_on:
        line = [l for l in text.splitlines() if "(allocation)" in l]
        check(len(line) == 1 and "5.9 KiB" in line[0] and "alloc_site" in line[0],
              f"wprof report --stacks: the allocation row with its 5.9 KiB (got {line})")
        rc, text, _ = run([WPROF, "report", out, "--stacks", "--format", "csv"])
        line = [l for l in text.splitlines() if ",(allocation)," in l]
        check(rc == 0 and len(line) == 1 and line[0].split(",")[2:5] == ["0", "3", "6000"],
              f"--stacks csv: cuda_ns 0, 3 calls, 6000 bytes (got {line})")
        stacks_without_bytes(out)


def stacks_without_bytes(out):
    """A report written before /stacks had `bytes` still reads: every row with 0 bytes."""
    import shutil
    old = os.path.join(scratch_dir(), "old_stacks.h5")
    shutil.copy(out, old)
    with h5py.File(old, "r+") as f:
        s = f["stacks"][()]
        before = [c for c in s.dtype.names if c != "bytes"]
        slim = np.empty(s.shape, dtype=[(c, s.dtype[c]) for c in before])
        for c in before:
            slim[c] = s[c]
        del f["stacks"]
        f["stacks"] = slim
    rc, text, err = run([WPROF, "report", old, "--stacks", "--format", "csv"])
    deep = [l for l in text.splitlines() if ",k_deep," in l]
    alloc = [l for l in text.splitlines() if ",(allocation)," in l]
    check(rc == 0 and len(deep) == 1 and deep[0].split(",")[2:5] == [str(90 * US), "3", "0"]
          and len(alloc) == 1 and alloc[0].split(",")[4] == "0",
          f"/stacks without bytes reads with 0 bytes (rc {rc}, {err.strip()}, {deep}, {alloc})")


def old_report():
    """A report written before issue 10 (same schema_version): /kernels without the launch configuration
    and no /memory, /stacks or /summary/memory. The tools still read it."""
    import shutil
    out = profile("config")
    old = os.path.join(scratch_dir(), "old.h5")
    shutil.copy(out, old)
    before = ["rank", "window", "name_id", "kind", "calls", "total_ns", "min_ns", "max_ns", "bytes"]
    with h5py.File(old, "r+") as f:
        k = f["kernels"][()]
        slim = np.empty(k.shape, dtype=[(c, k.dtype[c]) for c in before])
        for c in before:
            slim[c] = k[c]
        del f["kernels"], f["memory"], f["stacks"], f["summary/memory"]
        f["kernels"] = slim
    rc, text, err = run([WPROF, "report", old, "--table", "kernels", "--format", "csv"])
    lines = [l for l in text.splitlines() if ",kc," in l]
    check(rc == 0 and len(lines) == 1 and ",3," in lines[0], f"an older report still reads (rc {rc}, {err.strip()}, {lines})")
    rc, text, err = run([WPROF, "report", old, "--memory", "--rank", "0"])
    check(rc == 0 and "(no rows)" in text, f"--memory on an older report: no rows (rc {rc}, {err.strip()})")
    rc, text, err = run([WPROF, "report", old, "--rank", "0", "--by-config", "--format", "csv"])
    lines = [l for l in text.splitlines() if l.startswith("kernel_configs,rank 0,kc,")]
    check(rc == 0 and len(lines) == 1 and ",0x0x0," in lines[0] and ",no," in lines[0],
          f"--by-config on an older report: one row without a configuration, not from a graph ({lines})")


def off():
    out = profile("off")
    with h5py.File(out, "r") as f:
        for t in ("memory", "stacks", "summary/memory"):
            check(t in f and len(f[t]) == 0, f"/{t} is present and empty when off")
        check(any(r["name"] == "k_deep" for r in rows(f, "kernels")), "kernels are still recorded")


{"memory": memory, "config": config, "graph": graph, "stacks": lambda: stacks(False),
 "alloc_stacks": lambda: stacks(True), "off": off, "old_report": old_report}[SCENARIO]()
finish()
