"""cupti_* scenario tests: cupti_app under the real mpiexec with the fake libcupti (or the real one on
this GPU-less machine), the report read back with h5py and `wprof report`.
    cupti_check.py <scenario> <libfakecupti.so> [<real libcupti.so>]"""
import os
import sys

import h5py

from wptest import attr, check, expect_kernel_row as expect_row, finish, rows, run, run_mpi, scratch_dir, BIN, WPROF

SCENARIO, FAKE = sys.argv[1], sys.argv[2]
REAL = sys.argv[3] if len(sys.argv) > 3 else ""
APP = os.path.join(BIN, "cupti_app")
US = 1000
KIND = {"kernel": 0, "memcpy": 1, "memset": 2, "sync": 3}


def profile(scenario, np_=1, env=None, lib=FAKE, backend="cupti"):
    out = os.path.join(scratch_dir(), "report.h5")
    full = {"WPROF_OUTPUT": out, "WPROF_BACKEND": backend, "WPROF_LOG": "warn"}
    if lib:
        full["WPROF_CUPTI_LIBRARY"] = lib
    full.update(env or {})
    rc, stdout, stderr, took = run_mpi(np_, [APP, scenario, FAKE if lib == FAKE else "-"], env=full, timeout=90)
    check(rc == 0, f"{scenario}: the program exits 0 (got {rc})")
    check(os.path.exists(out), f"{scenario}: a report was written")
    return out, stderr, took


def kernel_rows(f, rank=0):
    return {(r["window"], r["name"], r["kind"]): r for r in rows(f, "kernels") if r["rank"] == rank}


def backend_is_cupti(f):
    check(attr(f, "backend") == "cupti", f"backend attribute cupti (got {attr(f, 'backend')})")


def table():
    out, _, _ = profile("table")
    with h5py.File(out, "r") as f:
        backend_is_cupti(f)
        k = kernel_rows(f)
        expect_row(k, (0, "kA", KIND["kernel"]), 3, 600 * US, 100 * US, 300 * US)
        expect_row(k, (0, "kB", KIND["kernel"]), 1, 50 * US, 50 * US, 50 * US)
        expect_row(k, (0, "Memcpy HtoD", KIND["memcpy"]), 2, 40 * US, 10 * US, 30 * US, 4 << 20)
        expect_row(k, (0, "Memset", KIND["memset"]), 1, 5 * US, 5 * US, 5 * US, 4096)
        check((0, "cudaDeviceSynchronize", KIND["sync"]) in k, "the synchronization has a row")
        check(not any(name == "k_outside" for _, name, _ in k), "a launch outside the window is not reported")
        ranks = rows(f, "ranks")
        check(ranks[0]["dropped_records"] == 0, "no records dropped")
        summary = {r["name"].decode() if isinstance(r["name"], bytes) else r["name"]: r for r in rows(f, "summary/kernels")}
        check(summary.get("kA", {}).get("total_ns") == 600 * US, "summary/kernels kA total")


def nested():
    out, _, _ = profile("nested")
    with h5py.File(out, "r") as f:
        backend_is_cupti(f)
        ranges = {r["name"]: r for r in rows(f, "ranges") if r["window"] == 0}
        for name, self_ns, total_ns in (("outer", 200 * US, 450 * US), ("inner", 250 * US, 250 * US)):
            r = ranges.get(name)
            if check(r is not None, f"a /ranges row for {name}"):
                got = (r["cuda_self_ns"], r["cuda_total_ns"])
                check(got == (self_ns, total_ns), f"{name}: cuda self/total {(self_ns, total_ns)} (got {got})")
        k = kernel_rows(f)
        expect_row(k, (0, "k1", KIND["kernel"]), 2, 200 * US, 100 * US, 100 * US)
        expect_row(k, (0, "k2", KIND["kernel"]), 1, 200 * US, 200 * US, 200 * US)


def drop():
    out, _, _ = profile("drop")
    with h5py.File(out, "r") as f:
        ranks = rows(f, "ranks")
        check(ranks[0]["dropped_records"] == 7, f"/ranks dropped_records 7 (got {ranks[0]['dropped_records']})")
        expect_row(kernel_rows(f), (0, "k_kept", KIND["kernel"]), 1, 10 * US, 10 * US, 10 * US)
    rc, text, err = run([WPROF, "report", out])
    both = text + err
    check("DROPPED" in both and "rank 0: 7" in both, "wprof report warns loudly about the 7 dropped records")


def late():
    out, _, _ = profile("late")
    with h5py.File(out, "r") as f:
        k = kernel_rows(f)
        expect_row(k, (0, "k_late", KIND["kernel"]), 3, 300 * US, 100 * US, 100 * US)
        expect_row(k, (0, "k_tail", KIND["kernel"]), 1, 20000 * US, 20000 * US, 20000 * US)
        expect_row(k, (1, "k_next", KIND["kernel"]), 1, 1 * US, 1 * US, 1 * US)
        check((1, "k_late", KIND["kernel"]) not in k, "late records are not given to the next window")


def late_crash():
    """The late records of window 0 reach the crash spill written at window 1's stop (that stop
    rewrites the spill whole, as window 0's rows changed after they were spilled): the report
    recovered after the process is killed has them."""
    tmp = scratch_dir()
    out = os.path.join(tmp, "report.h5")
    env = {"WPROF_OUTPUT": out, "WPROF_BACKEND": "cupti", "WPROF_LOG": "warn", "WPROF_CUPTI_LIBRARY": FAKE}
    rc, _, _, _ = run_mpi(1, [APP, "late_crash", FAKE], env=env, timeout=90)
    check(rc != 0 and not os.path.exists(out), f"the process was killed before a report (rc {rc})")
    rep = os.path.join(tmp, "recovered.h5")
    rc, text, err = run([WPROF, "recover", out + ".d", "-o", rep])
    check(rc == 0, f"wprof recover exits 0 ({text}{err})")
    with h5py.File(rep, "r") as f:
        k = kernel_rows(f)
        expect_row(k, (0, "k_late", KIND["kernel"]), 3, 300 * US, 100 * US, 100 * US)
        expect_row(k, (0, "k_tail", KIND["kernel"]), 1, 20000 * US, 20000 * US, 20000 * US)
        expect_row(k, (1, "k_next", KIND["kernel"]), 1, 1 * US, 1 * US, 1 * US)


def open_crash():
    """A crash in an open window with WPROF_SPILL_INTERVAL_MS=20: the open window's spill holds the
    kernels CUPTI delivered by then (the collect drains completed buffers while the window is open),
    and the recovered report has that window cut short after its one step."""
    tmp = scratch_dir()
    out = os.path.join(tmp, "report.h5")
    env = {"WPROF_OUTPUT": out, "WPROF_BACKEND": "cupti", "WPROF_LOG": "warn", "WPROF_CUPTI_LIBRARY": FAKE,
           "WPROF_SPILL_INTERVAL_MS": "20"}
    rc, _, _, _ = run_mpi(1, [APP, "open_crash", FAKE], env=env, timeout=90)
    check(rc != 0 and not os.path.exists(out), f"the process was killed before a report (rc {rc})")
    rep = os.path.join(tmp, "recovered.h5")
    rc, text, err = run([WPROF, "recover", out + ".d", "-o", rep])
    check(rc == 0, f"wprof recover exits 0 ({text}{err})")
    with h5py.File(rep, "r") as f:
        wins = sorted((w["window"], w["steps"], w["cut_short"]) for w in rows(f, "windows"))
        check(wins == [(0, 0, 0), (1, 1, 1)], f"window 0 whole, window 1 cut short after 1 step ({wins})")
        k = kernel_rows(f)
        expect_row(k, (0, "k_done", KIND["kernel"]), 1, 10 * US, 10 * US, 10 * US)
        expect_row(k, (1, "k_open", KIND["kernel"]), 3, 300 * US, 100 * US, 100 * US)


def ranks():
    out, _, _ = profile("ranks", np_=2)
    with h5py.File(out, "r") as f:
        backend_is_cupti(f)
        for r in range(2):
            k = kernel_rows(f, r)
            d = (r + 1) * 100 * US
            expect_row(k, (0, "k_common", KIND["kernel"]), 2, 2 * d, d, d)
            expect_row(k, (0, f"k_rank{r}", KIND["kernel"]), 1, 7 * US, 7 * US, 7 * US)
            expect_row(k, (0, "Memcpy HtoD", KIND["memcpy"]), 1, 3 * US, 3 * US, 3 * US, (r + 1) * 1024)
        summary = {r["name"].decode() if isinstance(r["name"], bytes) else r["name"]: r for r in rows(f, "summary/kernels")}
        s = summary.get("k_common")
        if check(s is not None, "summary/kernels has k_common"):
            got = (s["ranks_present"], s["calls"], s["total_ns"], s["slowest_rank"])
            check(got == (2, 4, 600 * US, 1), f"k_common: ranks/calls/total/slowest (2, 4, 600000, 1) (got {got})")
            check(abs(s["min_ns"] - 200 * US) < 1 and abs(s["max_ns"] - 400 * US) < 1
                  and abs(s["mean_ns"] - 300 * US) < 1, "k_common: per-rank min/mean/max 200/300/400 us")
            check(abs(s["imbalance"] - 4 / 3) < 1e-9, f"k_common imbalance 4/3 (got {s['imbalance']})")
        for r in range(2):
            s = summary.get(f"k_rank{r}")
            check(s is not None and s["ranks_present"] == 1, f"summary: k_rank{r} on one rank")
        m = summary.get("Memcpy HtoD")
        check(m is not None and m["bytes"] == 3 * 1024, "summary: copy bytes summed over ranks")
    rc, text, _ = run([WPROF, "report", out])
    check(rc == 0 and "k_common" in text, "wprof report shows the kernels")


def real(backend):
    if not REAL or not os.path.exists(REAL):
        print("SKIP: no real libcupti found by CMake")
        sys.exit(77)
    env = {"WPROF_CUPTI_LIBRARY": REAL} if backend == "cupti" else {}
    out, stderr, took = profile("plain", np_=2, env=env, lib=None, backend=backend)
    check(took < 60, f"finishes quickly (took {took:.1f} s)")
    with h5py.File(out, "r") as f:
        check(attr(f, "backend") == "host", f"backend attribute host (got {attr(f, 'backend')})")
        check(attr(f, "backend_requested") == backend, f"backend_requested {backend}")
        check(len(rows(f, "windows")) == 6, "all three windows of both ranks are recorded")
        check(len(rows(f, "kernels")) == 0, "no kernel rows")
    warnings = [l for l in stderr.splitlines() if "warning" in l and "cupti" in l.lower()]
    if backend == "cupti":
        # the CUPTI error once per rank, never once per window (3 windows here)
        errors = [l for l in warnings if "cupti: " in l]
        check(len(errors) == 2, f"the CUPTI error once per rank (got {len(errors)})")
        # that line says host is used: no second fallback line (not when wprof_init replaces the
        # session MPI_Init set up, nor per window)
        check(all("host collectors" in l for l in errors), f"the CUPTI error names the fallback (got {errors})")
        fallback = [l for l in warnings if "not available here" in l]
        check(not fallback, f"no second line for the fallback (got {fallback})")
    else:
        check(not warnings, "auto falls back to host quietly")


CASES = {"table": table, "nested": nested, "drop": drop, "late": late, "late_crash": late_crash, "ranks": ranks,
         "open_crash": open_crash,
         "real_auto": lambda: real("auto"), "real_cupti": lambda: real("cupti")}
CASES[SCENARIO]()
finish()
