"""stragglers_* tests: stragglers_app (tests/mpi/stragglers_app.c) under the real mpiexec, /stragglers
read back with h5py and through `wprof report --stragglers`, checked against the known straggler.
    stragglers_check.py <np2|np4|cap|nompi> <stragglers_app>
np2/np4: the slow rank sleeps before each of CALLS MPI_Allreduce calls: it must arrive last at nearly
every one, cause about (np - 1) x SLEEP x CALLS of waiting, and in the clock-free split its own
waiting must be small while the others' is about SLEEP per call. cap: WPROF_STRAGGLER_MAX_EVENTS=5
keeps 5 calls and counts the rest as dropped. nompi: no MPI call in the window: the rows are still
there, from the window's two sync points only (the slow rank, sleeping before the stop, is last at
the end one)."""
import csv
import io
import os
import sys

import h5py

from wptest import WPROF, check, finish, rows, run, run_mpi, scratch_dir

CASE, APP = sys.argv[1], sys.argv[2]
# cap keeps only 5 calls: each sleeps 40 ms so that one scheduler hiccup at a sync point (tens of ms
# under the sanitizers on 2 busy cores) cannot outweigh them
NP, SLOW, CALLS, SLEEP_MS = {"np2": (2, 1, 20, 20), "np4": (4, 2, 20, 20), "cap": (4, 2, 12, 40),
                             "nompi": (2, 1, 5, 20)}[CASE]
MS = 1_000_000
SYNC_POINTS = 2


def profile(extra):
    out = os.path.join(scratch_dir(), "report.h5")
    env = {"WPROF_OUTPUT": out, "WPROF_BACKEND": "host", "WPROF_LOG": "warn"}
    env.update(extra)
    args = [APP, str(SLOW), str(CALLS), str(SLEEP_MS)] + (["nompi"] if CASE == "nompi" else [])
    rc, _, _, _ = run_mpi(NP, args, env=env, timeout=100)
    check(rc == 0, f"stragglers_app exits 0 on {NP} ranks (got {rc})")
    check(os.path.exists(out), "a report was written")
    return out


def common_checks(table, kept_calls, dropped):
    check(sorted(r["rank"] for r in table) == list(range(NP)), f"one /stragglers row per rank (got {table})")
    check(all(r["window"] == 0 for r in table), "all rows are of window 0")
    for r in table:
        check(r["instances"] == kept_calls + SYNC_POINTS,
              f"rank {r['rank']}: {kept_calls} calls + {SYNC_POINTS} sync points (got {r['instances']})")
        check(r["dropped"] == dropped, f"rank {r['rank']}: dropped {dropped} (got {r['dropped']})")
    check(sum(r["arrived_last"] for r in table) == kept_calls + SYNC_POINTS,
          "every instance has exactly one last arriver")
    check(sum(r["waited_ns"] for r in table) == sum(r["wait_caused_ns"] for r in table),
          "the waiting done equals the waiting caused")


def straggler_checks(table, kept_calls):
    by = {r["rank"]: r for r in table}
    slow, others = by[SLOW], [r for r in table if r["rank"] != SLOW]
    check(slow["arrived_last"] >= 0.9 * kept_calls,
          f"rank {SLOW} arrived last at >= 90% of {kept_calls} calls (got {slow['arrived_last']})")
    expect = (NP - 1) * SLEEP_MS * MS * kept_calls
    check(0.5 * expect <= slow["wait_caused_ns"] <= 4 * expect,
          f"rank {SLOW} caused ~{expect / MS:.0f} ms of waiting (got {slow['wait_caused_ns'] / MS:.1f} ms)")
    per_rank = SLEEP_MS * MS * kept_calls
    for r in others:
        check(r["waited_ns"] >= 0.5 * per_rank,
              f"rank {r['rank']} waited ~{per_rank / MS:.0f} ms (got {r['waited_ns'] / MS:.1f} ms)")
        check(r["waiting_ns"] >= 0.5 * per_rank,
              f"clock-free: rank {r['rank']} waiting ~{per_rank / MS:.0f} ms (got {r['waiting_ns'] / MS:.1f} ms)")
        check(r["wait_caused_ns"] < slow["wait_caused_ns"] / 4, f"rank {r['rank']} caused little waiting")
    least = min(r["waiting_ns"] for r in others)
    check(slow["waiting_ns"] < least / 4,
          f"clock-free: rank {SLOW}'s waiting ({slow['waiting_ns'] / MS:.1f} ms) is small next to the "
          f"others' ({least / MS:.1f} ms)")
    check(slow["waited_ns"] < min(r["waited_ns"] for r in others) / 4, f"rank {SLOW} itself hardly waited")


def report_checks(out):
    rc, text, err = run([WPROF, "report", out, "--stragglers"])
    print(text, err)
    check(rc == 0, f"wprof report --stragglers exits 0 (got {rc}: {err})")
    lines = text.splitlines()
    at = next((i for i, l in enumerate(lines) if l.startswith("Stragglers, window 0")), None)
    check(at is not None, "a table for window 0")
    if at is not None and at + 2 < len(lines):
        check(lines[at + 2].split()[0] == str(SLOW), f"rank {SLOW} is listed first (got '{lines[at + 2]}')")
    rc, text, err = run([WPROF, "report", out, "--stragglers", "--format", "csv", "--top", "1"])
    check(rc == 0, f"--format csv exits 0 (got {rc}: {err})")
    data = "\n".join(l for l in text.splitlines() if l and not l.startswith("#"))  # header lines: "# "
    got = list(csv.DictReader(io.StringIO(data)))
    check(len(got) == 1 and got[0]["rank"] == str(SLOW) and got[0]["table"] == "stragglers",
          f"csv --top 1: the slow rank's row only (got {got})")


extra = {"WPROF_STRAGGLER_MAX_EVENTS": "5"} if CASE == "cap" else {}
out = profile(extra)
with h5py.File(out, "r") as f:
    check("stragglers" in f, "the report has /stragglers")
    table = rows(f, "stragglers") if "stragglers" in f else []
for r in table:
    print(r)
if CASE == "nompi":
    common_checks(table, 0, 0)
    by = {r["rank"]: r for r in table}
    if SLOW in by:
        check(by[SLOW]["arrived_last"] >= 1, f"rank {SLOW} (sleeping before the stop) is last at the end sync point")
        check(by[SLOW]["wait_caused_ns"] >= 0.5 * SLEEP_MS * MS * CALLS, f"rank {SLOW} made the others wait at the stop")
else:
    kept = 5 if CASE == "cap" else CALLS
    common_checks(table, kept, CALLS - kept)
    if len(table) == NP:
        straggler_checks(table, kept)
    report_checks(out)
finish()
