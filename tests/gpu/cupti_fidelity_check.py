"""cupti fidelity tests (issue 18): cupti_fidelity_app under the real mpiexec with the fake libcupti,
which behaves as cupti_activity.h documents (plain and forced flushes, incomplete records, timestamp
callback, CLOCK_REALTIME default, correlation ids for every API call), delivering buffers on the
calling thread (sync) or on its own thread (async, FAKECUPTI_ASYNC=1). The report is read back with h5py.
    cupti_fidelity_check.py <scenario> <sync|async> <libfakecupti.so>"""
import os
import re
import sys

import h5py

from wptest import attr, check, expect_kernel_row as expect_row, finish, names, rows, run, run_mpi, scratch_dir, BIN, WPROF

SCENARIO, DELIVERY, FAKE = sys.argv[1], sys.argv[2], sys.argv[3]
APP = os.path.join(BIN, "cupti_fidelity_app")
US = 1000
MS = 1000 * US
KERNEL, MEMCPY, MEMSET = 0, 1, 2
FINISH_WAIT_S = 3.0  # runtime/cupti/cupti_session.c FINISH_WAIT_MS
FINISH_IDLE_S = 0.3  # FINISH_IDLE_MS: the report stops waiting when no record came for this long


def profile(scenario=SCENARIO, env=None, lib=FAKE, with_library=True, extra=()):
    out = os.path.join(scratch_dir(), "report.h5")
    full = {"WPROF_OUTPUT": out, "WPROF_BACKEND": "cupti", "WPROF_LOG": "warn",
            "FAKECUPTI_ASYNC": "1" if DELIVERY == "async" else "0"}
    if with_library:
        full["WPROF_CUPTI_LIBRARY"] = lib
    full.update(env or {})
    rc, stdout, stderr, took = run_mpi(1, [APP, scenario, lib, *extra], env=full, timeout=90)
    check(rc == 0, f"{scenario}: the program exits 0 (got {rc})")
    check(os.path.exists(out), f"{scenario}: a report was written")
    m = re.search(r"wprof_finalize: \S+ in ([0-9.]+) s", stdout)
    return out, stderr, float(m.group(1)) if m else None


def kernels(f):
    return {(r["window"], r["name"], r["kind"]): r for r in rows(f, "kernels")}


def range_cuda(f, name, window=0):
    r = [x for x in rows(f, "ranges") if x["name"] == name and x["window"] == window]
    if not check(len(r) == 1, f"one /ranges row for {name} in window {window} (got {len(r)})"):
        return None
    return r[0]["cuda_self_ns"]


def overhead(f):
    dictionary = names(f)
    return {dictionary[r["kind_id"]]: r["count"] for r in rows(f, "cupti_overhead")}


def latency(f):
    return {(r["window"], r["name"]): r for r in rows(f, "launch_latency")}


def doctor(out):
    rc, text, err = run([WPROF, "doctor", out])
    return text + err


APIS = ["cudaLaunchKernel", "cudaLaunchKernel_ptsz", "__cudaLaunchKernel", "__cudaLaunchKernel_ptsz",
        "cudaLaunchKernelExC", "cudaLaunchKernelExC_ptsz", "cudaLaunchCooperativeKernel",
        "cudaLaunchCooperativeKernel_ptsz", "cudaGraphLaunch", "cudaGraphLaunch_ptsz", "cuLaunchKernel",
        "cuLaunchKernel_ptsz", "cuLaunchKernelEx", "cuLaunchKernelEx_ptsz", "cuLaunchCooperativeKernel",
        "cuLaunchCooperativeKernel_ptsz", "cuGraphLaunch", "cuGraphLaunch_ptsz"]


def launch_paths():
    out, _, took = profile()
    with h5py.File(out, "r") as f:
        check(attr(f, "backend") == "cupti", "backend cupti")
        k = kernels(f)
        lat = latency(f)
        for api in APIS:
            expect_row(k, (0, f"k_{api}", KERNEL), 1, 10 * US, 10 * US, 10 * US)
            r = lat.get((0, f"k_{api}"))
            check(r is not None and r["calls"] == 1, f"k_{api}: one launch latency (its launch was correlated)")
        check(not any(n == "k_failed" for _, n, _ in k), "a failed launch has no row")
        expect_row(k, (0, "Memcpy HtoD", MEMCPY), 1, 20 * US, 20 * US, 20 * US, 1 << 20)
        expect_row(k, (0, "Memset", MEMSET), 1, 5 * US, 5 * US, 5 * US, 4096)
        expect_row(k, (0, "Memcpy PtoP", MEMCPY), 1, 30 * US, 30 * US, 30 * US, 2 << 20)
        want = len(APIS) * 10 * US + 20 * US + 5 * US + 30 * US
        got = range_cuda(f, "paths")
        check(got == want, f"range paths: self CUDA time {want} ns, every launch, copy and set (got {got})")
        check(overhead(f).get("correlation_lost", 0) == 0, "no correlation lost")
    check(took is not None and took < FINISH_WAIT_S,
          f"finalize does not wait for the failed launch's record (took {took} s)")


def running():
    out, _, _ = profile()
    with h5py.File(out, "r") as f:
        k = kernels(f)
        expect_row(k, (0, "k_running", KERNEL), 1, 300 * MS, 300 * MS, 300 * MS)
        expect_row(k, (1, "k_next", KERNEL), 1, 1 * US, 1 * US, 1 * US)
        check((1, "k_running", KERNEL) not in k, "the running kernel stays in the window it was launched in")
        got = range_cuda(f, "step", 0)
        check(got == 300 * MS, f"range step (window 0): self CUDA 300 ms (got {got})")
        got = range_cuda(f, "next", 1)
        check(got == 1 * US, f"range next (window 1): self CUDA 1 us (got {got})")
        check("incomplete_records" not in overhead(f), "no incomplete record")
        lat = latency(f)
        r = lat.get((0, "k_running"))
        check(r is not None and r["calls"] == 1 and r["p50_ns"] < 200 * MS,
              f"k_running: a launch latency from its real start, not from 0 (got {r and r['p50_ns']})")


def tail():
    out, _, took = profile()
    with h5py.File(out, "r") as f:
        expect_row(kernels(f), (0, "k_tail", KERNEL), 1, 200 * MS, 200 * MS, 200 * MS)
        got = range_cuda(f, "tail")
        check(got == 200 * MS, f"range tail: self CUDA 200 ms, though the kernel ran past the stop (got {got})")
        check("incomplete_records" not in overhead(f), "no incomplete record")
    check(took is not None and took < FINISH_WAIT_S, f"finalize waited for the kernel, not for its bound ({took} s)")


def too_long():
    out, stderr, took = profile()
    with h5py.File(out, "r") as f:
        k = kernels(f)
        check(not any(n == "k_tail" for _, n, _ in k), f"the incomplete record is rejected (rows {sorted(k)})")
        check(range_cuda(f, "tail") == 0, "and gives its range no time")
        check(overhead(f).get("incomplete_records") == 1, f"/cupti_overhead incomplete_records 1 ({overhead(f)})")
        check("launches_without_records" not in overhead(f), "its launch had a record, if incomplete")
        check(not any(r["min_ns"] == 0 for r in rows(f, "kernels")), "no row with a 0 ns call")
    # the kernel brings nothing for 20 s: the wait ends when no record came for FINISH_IDLE_S, not at its bound
    check(took is not None and FINISH_IDLE_S <= took < FINISH_WAIT_S, f"finalize waited, then stopped ({took} s)")
    check("without their times" in stderr, "warned once")
    check("incomplete" in doctor(out), "wprof doctor names the incomplete records")
    rc, text, _ = run([WPROF, "report", out])
    check("1 CUPTI records came without times" in text, "wprof report warns about it")


def too_long_more(mode):
    # k_after is queued behind the 20 s k_tail, in the forced flush's buffer after k_tail's incomplete record
    env = {"FAKECUPTI_INCOMPLETE": mode} if mode else {}
    out, stderr, took = profile("too_long_more", env=env)
    with h5py.File(out, "r") as f:
        k, o = kernels(f), overhead(f)
        check(not any(n == "k_tail" for _, n, _ in k), f"the incomplete record is rejected (rows {sorted(k)})")
        if mode:  # CUPTI_ERROR_INVALID_KIND at k_tail: the buffer cannot be walked past it
            check(o.get("incomplete_records") == 1, f"the refused record counted incomplete ({o})")
            check(o.get("truncated_buffers") == 1, f"the buffer cut short is counted ({o})")
            check(o.get("launches_without_records") == 2, f"both launches without a record read ({o})")
            check((0, "k_after", KERNEL) not in k, f"k_after, after the refused record, is not read ({sorted(k)})")
            check("could not be read to their end" in stderr, "warned once")
            check("1 CUPTI activity buffers were truncated" in doctor(out), "wprof doctor names the buffer cut short")
        else:
            check(o.get("incomplete_records") == 1, f"k_tail's record incomplete ({o})")
            expect_row(k, (0, "k_after", KERNEL), 1, 1 * US, 1 * US, 1 * US)
            check("truncated_buffers" not in o, f"every buffer read to its end ({o})")
            check("launches_without_records" not in o, f"each launch had its record ({o})")
    check(took is not None and took < FINISH_WAIT_S, f"finalize stopped waiting before its bound ({took} s)")


def captured():
    out, stderr, took = profile()
    with h5py.File(out, "r") as f:
        o = overhead(f)
        expect_row(kernels(f), (0, "k_run", KERNEL), 1, 10 * US, 10 * US, 10 * US)
        check(o.get("launches_without_records") == 5, f"the 5 captured launches never had a record ({o})")
        check("correlation_lost" not in o and "uncorrelated_records" not in o, f"nothing lost ({o})")
    # a correctness bound, not a performance target: the wait must not run to its 3 s bound for
    # launches that will never have a record
    check(took is not None and took < 1.0, f"finalize does not wait for captured launches (took {took} s)")
    check("5 GPU launches never had a record" in doctor(out), "wprof doctor names the launches without records")


def uncorrelated():
    out, stderr, _ = profile()
    with h5py.File(out, "r") as f:
        o = overhead(f)
        check(o.get("uncorrelated_records") == 3, f"/cupti_overhead uncorrelated_records 3 ({o})")
        expect_row(kernels(f), (0, "k_unseen", KERNEL), 3, 60 * US, 20 * US, 20 * US)
        got = range_cuda(f, "seen")
        check(got == 10 * US, f"range seen: only its correlated kernel's 10 us (got {got})")
    check("did not know" in stderr, "warned once")
    check("3 uncorrelated GPU records" in doctor(out), "wprof doctor names them")
    rc, text, _ = run([WPROF, "report", out])
    check("3 had an unknown correlation id" in text, "wprof report warns about them")


def graph_stop():
    out, _, _ = profile(env={"WPROF_CUPTI_BUFFER_KB": "16"})
    with h5py.File(out, "r") as f:
        nodes = [r for r in rows(f, "kernels") if r["name"] == "g_split"]
        got = sum(r["calls"] for r in nodes)
        check(got == 100 and all(r["window"] == 1 for r in nodes), f"g_split: 100 calls in window 1 (got {got})")
        r = latency(f).get((1, "g_split"))
        check(r is not None and r["calls"] == 1,
              f"one latency for the one graph launch whose nodes straddle a stop (got {r and r['calls']})")


def many():
    out, stderr, _ = profile(env={"WPROF_CUPTI_BUFFER_KB": "32768"})
    with h5py.File(out, "r") as f:
        expect_row(kernels(f), (0, "k_many", KERNEL), 90000, 90000 * US, 1 * US, 1 * US)
        got = range_cuda(f, "many")
        check(got == 90000 * US, f"range many: self CUDA 90 ms (got {got})")
        check("correlation_lost" not in overhead(f), f"nothing lost ({overhead(f)})")
    check("lost their range" not in stderr, "no loss warning")


def spread():
    # 65536 slots; launches 32 ids apart: a direct-mapped table would have lost the first 952
    out, stderr, _ = profile(env={"WPROF_CUPTI_BUFFER_KB": "800"})
    with h5py.File(out, "r") as f:
        check("correlation_lost" not in overhead(f), f"nothing lost ({overhead(f)})")
        expect_row(kernels(f), (0, "k_spread", KERNEL), 3000, 3000 * US, 1 * US, 1 * US)
        got = range_cuda(f, "spread")
        check(got == 3000 * US, f"range spread: self CUDA 3000 us (got {got})")
    check("lost their range" not in stderr, "no loss warning")


def overflow():
    # 70000 launches waiting at once in 65536 slots: the first 4464 entries are replaced, counted
    out, stderr, _ = profile(env={"WPROF_CUPTI_BUFFER_KB": "16"})
    want_lost = 70000 - 65536
    with h5py.File(out, "r") as f:
        check(overhead(f).get("correlation_lost") == want_lost,
              f"/cupti_overhead correlation_lost {want_lost} (got {overhead(f)})")
        # the 8 buffers of 16 KiB may run dry while the held records pour out: every record is
        # either counted or dropped (and counted as dropped)
        k = [r for r in rows(f, "kernels") if r["name"] == "k_overflow"]
        calls, dropped = sum(r["calls"] for r in k), sum(r["dropped_records"] for r in rows(f, "ranks"))
        # 70000 kernel records and the sync's record, each counted or dropped, once
        every = sum(r["calls"] for r in rows(f, "kernels"))
        check(every + dropped == 70001, f"every record counted or dropped, once ({every} + {dropped})")
        check(all(r["window"] == 0 for r in k), "every record in the window it ran in")
        # a replaced entry's record finds nothing: it is uncorrelated (or was dropped); a kept one's is
        # found, and gives the range its 1 us
        uncorrelated = overhead(f).get("uncorrelated_records", 0)
        check(uncorrelated <= want_lost <= uncorrelated + dropped,
              f"the replaced launches' records are uncorrelated or dropped ({uncorrelated} + {dropped} >= {want_lost})")
        got = range_cuda(f, "overflow")
        check(got == (calls - uncorrelated) * US,
              f"range overflow: 1 us per correlated record, {calls - uncorrelated} (got {got})")
    check("lost their range" in stderr, "the loss is warned about")
    check("correlation" in doctor(out), "wprof doctor names the lost correlations")
    rc, text, _ = run([WPROF, "report", out])
    check(f"{want_lost} GPU launches lost their range" in text, "wprof report warns about them")


def graph(env=None):
    out, stderr, _ = profile("graph", env=dict(env or {}, WPROF_LOG="debug"))
    want = "mapped by clock pairs" if env else "in wprof's clock"
    check(f"timestamps {want}" in stderr, f"CUPTI's timestamps {want}")
    with h5py.File(out, "r") as f:
        nodes = [r for r in rows(f, "kernels") if r["name"] == "g_node"]  # a row per graph id
        got = (sum(r["calls"] for r in nodes), sum(r["total_ns"] for r in nodes))
        check(got == (15, 15 * MS), f"g_node: 15 calls, 15 ms (got {got})")
        r = latency(f).get((0, "g_node"))
        if check(r is not None, "a launch latency row for the graph"):
            check(r["calls"] == 3, f"one latency per graph launch, 3 (got {r['calls']})")
            # histogram buckets are within 0.8 %; the second node would start at 3 ms
            check(0.99 * 2 * MS <= r["p99_ns"] < 2.9 * MS,
                  f"launch -> first node: 2 ms, not a later node's 3-6 ms (p99 {r['p99_ns']})")


def clock():
    out, _, _ = profile()
    with h5py.File(out, "r") as f:
        k = kernels(f)
        lat = latency(f)
        for name in ("k_before", "k_after", "k_back"):
            expect_row(k, (0, name, KERNEL), 1, 10 * US, 10 * US, 10 * US)
            r = lat.get((0, name))
            check(r is not None and 1 * MS <= r["p50_ns"] < 1 * MS + 100 * MS,
                  f"{name}: launch latency 1 ms whatever CUPTI's clock did (got {r and r['p50_ns']})")
        got = range_cuda(f, "clock")
        check(got == 30 * US, f"range clock: self CUDA 30 us (got {got})")


def version(value, works):
    out, stderr, _ = profile("plain", env={"FAKECUPTI_API_VERSION": value})
    with h5py.File(out, "r") as f:
        backend = attr(f, "backend")
        if works:
            check(backend == "cupti", f"CUPTI API version {value}: backend cupti (got {backend})")
            expect_row(kernels(f), (0, "k_plain", KERNEL), 2, 20 * US, 10 * US, 10 * US)
        else:
            check(backend == "host", f"CUPTI API version {value}: falls back to host (got {backend})")
            lines = [l for l in stderr.splitlines() if "CUPTI API version" in l]
            check(len(lines) == 1, f"one clear warning naming the version (got {lines})")
            warnings = [l for l in stderr.splitlines() if "warning:" in l]
            check(len(warnings) == 1 and "host" in warnings[0],
                  f"that one line is the only warning, and says host is used (got {warnings})")


def preloaded():
    link = os.path.join(os.path.dirname(FAKE), "libcupti.so.13")
    check(os.path.exists(link), f"{link} (the build's link to the fake) exists")
    out, stderr, _ = profile("preloaded", lib=link, with_library=False, env={"WPROF_LOG": "debug"})
    loaded = re.findall(r"cupti: loaded (\S+)", stderr)
    check(loaded and all(p == link for p in loaded), f"wprof loaded {link} (loaded {loaded})")
    with h5py.File(out, "r") as f:
        check(attr(f, "backend") == "cupti", "the libcupti already in the process is used without WPROF_CUPTI_LIBRARY")
        expect_row(kernels(f), (0, "k_plain", KERNEL), 2, 20 * US, 10 * US, 10 * US)


def cudart():
    here = os.path.dirname(FAKE)
    runtime = os.path.join(here, "libcudart.so.77")
    check(os.path.exists(os.path.join(here, "libcupti.so.77")), "the build's libcupti.so.77 link exists")
    env = {"LD_LIBRARY_PATH": here + os.pathsep + os.environ.get("LD_LIBRARY_PATH", ""), "WPROF_LOG": "debug"}
    out, stderr, _ = profile("cudart", env=env, with_library=False, extra=(runtime,))
    loaded = re.findall(r"cupti: loaded (\S+)", stderr)
    check(loaded and all(p == "libcupti.so.77" for p in loaded),
          f"wprof loaded libcupti.so.77, not the toolkit's soname (loaded {loaded})")
    with h5py.File(out, "r") as f:
        check(attr(f, "backend") == "cupti", "libcupti.so.77, matching the loaded libcudart.so.77, is used")
        expect_row(kernels(f), (0, "k_plain", KERNEL), 2, 20 * US, 10 * US, 10 * US)


CASES = {"paths": launch_paths, "running": running, "tail": tail, "too_long": too_long, "many": many,
         "too_long_more": lambda: too_long_more(None), "invalid_kind": lambda: too_long_more("invalid_kind"),
         "captured": captured, "uncorrelated": uncorrelated, "graph_stop": graph_stop,
         "spread": spread, "overflow": overflow, "graph": graph,
         "graph_pairs": lambda: graph({"FAKECUPTI_NO_TIMESTAMP_CALLBACK": "1"}), "clock": clock, "preloaded": preloaded, "cudart": cudart,
         "version12": lambda: version("26", True), "version11": lambda: version("18", False),
         "version14": lambda: version("140000", False)}
CASES[SCENARIO]()
finish()
