"""Tables at stop (WPROF_PRINT=top:N, WPROF_TABLE_DIR) under the real mpiexec, checked against the
final report read back with h5py.
usage: stop_tables.py print|files|unwritable|late_rank|disagree NP
  print       WPROF_PRINT=top:5: exactly one cross-rank table set per stop, all from rank 0, at most 5
              names per table, the biggest ones, with the calls the report has for that window
  files       WPROF_TABLE_DIR (nested, missing) and no WPROF_PRINT: ranks x windows files with the right
              names and each rank's own rows; nothing printed
  unwritable  WPROF_TABLE_DIR under a regular file: one warning per rank, exit 0, the report written
  late_rank   a rank later than the sync timeout at every stop: rank 0 still prints, naming it missing
  disagree    one rank with another WPROF_PRINT: it is named and uses rank 0's, the tables still print
  skip_start  one rank never opens a window (so makes no stop gathers): the final report still has it
              (the stop gathers are keyed by window, the finalize gather by its own key)"""
import glob
import os
import re
import sys

import h5py
from wptest import BIN, check, finish, rows, run_mpi, scratch_dir

case, NP = sys.argv[1], int(sys.argv[2])
WINDOWS, ITERS, TOP = 3, 3, 5
APP = os.path.join(BIN, "stop_tables_app")
REGIONS = [f"region_{i}" for i in range(8)]
LITES = [f"lite_{i}" for i in range(7)]
HEADER = re.compile(r"^wprof: window (\d+) stop \(ranks (\d+)/(\d+)(.*)\)$")
TITLE = re.compile(r"^(Ranges|GPU kernels and copies|Lite scopes|MPI calls), cross-rank summary")
scratch = scratch_dir()
out = os.path.join(scratch, "report.h5")


def run_per_rank(argv, env):
    """Runs argv on NP ranks with mpiexec's --output-filename: each rank's stdout lands in its own file,
    byte for byte. (--tag-output is not enough: mpiexec forwards a rank's output in chunks and tags every
    chunk, so a chunk boundary inside a line splits it, with other ranks' lines in between.)
    Returns (returncode, stderr, seconds, [(rank, line)] in rank order)."""
    outdir = os.path.join(scratch, f"stdout-{len(os.listdir(scratch))}")
    rc, _, err, took = run_mpi(NP, ["--output-filename", outdir] + argv, env=env)
    lines = []
    for r in range(NP):
        for path in glob.glob(os.path.join(outdir, "*", f"rank.{r}", "stdout")):
            lines += [(r, t) for t in open(path).read().splitlines()]
    return rc, err, took, lines


def cells(line):
    return re.split(r"\s{2,}", line.strip())


def parse_tables(lines, start):
    """The tables after lines[start] up to the next stop header: {title word: (columns, rows)}."""
    tables, i = {}, start
    while i < len(lines) and not HEADER.match(lines[i]):
        m = TITLE.match(lines[i])
        if m and i + 3 < len(lines) and lines[i + 1].startswith("-"):
            cols, body, j = cells(lines[i + 2]), [], i + 4
            while j < len(lines) and not lines[j].startswith("-"):
                body.append(dict(zip(cols, cells(lines[j]))))
                j += 1
            tables[m.group(1)] = (cols, body)
            i = j
        i += 1
    return tables


def report_ranges(path):
    with h5py.File(path, "r") as f:
        return rows(f, "ranges"), rows(f, "windows"), rows(f, "ranks")


def window_totals(rng, window, key):
    """name -> sum over ranks of `key` in the report's rows of one window."""
    tot = {}
    for r in rng:
        if r["window"] == window:
            tot[r["name"]] = tot.get(r["name"], 0) + r[key]
    return tot


def check_printed_window(w, lines, start, rng, present):
    tables = parse_tables(lines, start)
    check("Ranges" in tables and "Lite scopes" in tables, f"window {w}: ranges and lite tables printed")
    for title, (_, body) in tables.items():
        check(0 < len(body) <= TOP, f"window {w}: {title} lists 1..{TOP} names (got {len(body)})")
    if "Ranges" not in tables:
        return
    body = tables["Ranges"][1]
    shown = [r["Name"] for r in body]
    calls = window_totals(rng, w, "calls")
    cpu = window_totals(rng, w, "cpu_total_ns")
    # self CUDA is 0 on the host backend: the order is CPU total, so the top 5 are the 5 biggest
    biggest = sorted(cpu, key=lambda n: -cpu[n])[:TOP]
    check(sorted(shown) == sorted(biggest), f"window {w}: the top {TOP} ranges by CPU time (shown {shown}, "
          f"report {biggest})")
    check(set(shown) <= set(REGIONS), f"window {w}: the program's range names (got {shown})")
    for r in body:
        want = calls.get(r["Name"])
        check(r.get("Calls") == str(want), f"window {w}: {r['Name']} calls {r.get('Calls')} = report's {want}")
        check(r.get("Ranks") == str(present), f"window {w}: {r['Name']} on {present} ranks (got {r.get('Ranks')})")
    lite = [r["Name"] for r in tables.get("Lite scopes", ((), []))[1]]
    check(set(lite) <= set(LITES) and "lite_6" in lite, f"window {w}: the biggest lite scopes shown (got {lite})")
    total_calls = {r["Name"]: r["Count"] for r in tables.get("Lite scopes", ((), []))[1]}
    # lite scopes are the run so far: after window w, (w + 1) * ITERS calls on each rank
    check(total_calls.get("lite_6") == str((w + 1) * ITERS * present),
          f"window {w}: lite_6 count is the run so far (got {total_calls.get('lite_6')})")


def case_print():
    rc, err, _, lines = run_per_rank([APP, "--windows", str(WINDOWS), "--iters", str(ITERS)],
                                     env={"WPROF_OUTPUT": out, "WPROF_PRINT": f"top:{TOP}"})
    check(rc == 0, f"the job exits 0 (got {rc})")
    check("warning" not in err, "no warnings")
    check(len({r for r, _ in lines}) == NP, "mpiexec kept every rank's output")
    heads = [(r, i, HEADER.match(t)) for i, (r, t) in enumerate(lines) if HEADER.match(t)]
    check(len(heads) == WINDOWS, f"exactly {WINDOWS} stop headers (got {len(heads)})")
    check(all(r == 0 for r, _, _ in heads), "every header printed by rank 0")
    others = [t for r, t in lines if r != 0 and ("cross-rank" in t or t.startswith("wprof:"))]
    check(not others, f"no table lines from other ranks (got {others[:3]})")
    check([int(m.group(1)) for _, _, m in heads] == list(range(WINDOWS)), "windows 0, 1, 2 in order")
    check(all(m.group(2) == m.group(3) == str(NP) and m.group(4) == "" for _, _, m in heads),
          f"all {NP} ranks present in every header")
    rng, wins, _ = report_ranges(out)
    check(len(wins) == NP * WINDOWS, f"the report has {NP * WINDOWS} windows")
    rank0 = [t for r, t in lines if r == 0]
    for _, _, m in heads:
        w = int(m.group(1))
        check_printed_window(w, rank0, rank0.index(m.group(0)) + 1, rng, NP)


def case_files():
    tdir = os.path.join(scratch, "tables", "nested")
    rc, stdout, err, _ = run_mpi(NP, [APP, "--windows", str(WINDOWS), "--iters", str(ITERS)],
                                 env={"WPROF_OUTPUT": out, "WPROF_TABLE_DIR": tdir})
    check(rc == 0, f"the job exits 0 (got {rc})")
    check("warning" not in err, "no warnings")
    check("wprof: window" not in stdout and "cross-rank" not in stdout, "WPROF_PRINT off: no table printed")
    want = {f"profile_rank{r}_window{w}.txt" for r in range(NP) for w in range(WINDOWS)}
    got = set(os.listdir(tdir)) if os.path.isdir(tdir) else set()
    check(got == want, f"exactly the {len(want)} files (extra {sorted(got - want)}, missing {sorted(want - got)})")
    rng, _, _ = report_ranges(out)
    for name in sorted(want & got):
        r, w = map(int, re.findall(r"\d+", name))
        text = open(os.path.join(tdir, name)).read()
        check(f"Ranges, rank {r} (window {w})" in text, f"{name} is rank {r}'s window {w}")
        for reg in REGIONS:
            row = [x for x in rng if x["rank"] == r and x["window"] == w and x["name"] == reg]
            m = re.search(rf"^{reg}\s.*?\s(\d+)\s+\S+$", text, re.M)
            check(m is not None and row and int(m.group(1)) == row[0]["calls"],
                  f"{name}: {reg} with the report's calls ({m.group(1) if m else None} vs "
                  f"{row[0]['calls'] if row else None})")
        check("lite_6" in text, f"{name}: lite scopes listed")


def case_unwritable():
    blocker = os.path.join(scratch, "a-file")
    open(blocker, "w").write("not a directory\n")
    rc, stdout, err, _ = run_mpi(NP, [APP, "--windows", str(WINDOWS), "--iters", str(ITERS)],
                                 env={"WPROF_OUTPUT": out, "WPROF_TABLE_DIR": os.path.join(blocker, "tables")})
    check(rc == 0, f"the job exits 0 (got {rc})")
    warned = re.findall(r"wprof\[rank (\d+)\]: warning: no table files written", err)
    check(sorted(map(int, warned)) == list(range(NP)), f"one warning per rank (got ranks {warned})")
    rng, wins, ranks = report_ranges(out)
    check(len(wins) == NP * WINDOWS and all(r["status"] == "ok" for r in ranks), "the report is complete")


def case_late_rank():
    late = 2 if NP > 2 else NP - 1
    rc, err, took, lines = run_per_rank([os.path.join(BIN, "e2e_app"), "--windows", "2", "--iters", "2",
                                         "--late-rank", str(late), "--late-ms", "2500"],
                                        env={"WPROF_OUTPUT": out, "WPROF_PRINT": f"top:{TOP}",
                                             "WPROF_SYNC_TIMEOUT_MS": "800"})
    heads = [(r, HEADER.match(t)) for r, t in lines if HEADER.match(t)]
    check(len(heads) == 2 and all(r == 0 for r, _ in heads), f"rank 0 printed 2 headers (got {len(heads)})")
    for _, m in heads:
        check(m.group(2) == str(NP - 1) and m.group(4) == f"; missing: {late}",
              f"window {m.group(1)}: rank {late} named missing (got {m.group(0)!r})")
    check(took < 60, f"the job did not wait for the late rank forever ({took:.1f} s)")
    with h5py.File(out, "r") as f:
        ok = {r["rank"] for r in rows(f, "ranks") if r["status"] == "ok"}
    check(set(range(NP)) - {late} <= ok, f"the punctual ranks are in the report (got {sorted(ok)})")


def case_disagree():
    rc, err, _, lines = run_per_rank([os.path.join(BIN, "e2e_app"), "--windows", "2", "--iters", "2",
                                      "--rank-env", "2:WPROF_PRINT=top:3"],
                                     env={"WPROF_OUTPUT": out, "WPROF_PRINT": f"top:{TOP}"})
    check(rc == 0, f"the job exits 0 (got {rc})")
    check(re.search(r"rank 2 has [^(]*(print_top=3|WPROF_PRINT=top:3)", err) is not None,
          "the settings check names rank 2's WPROF_PRINT")
    heads = [(r, HEADER.match(t)) for r, t in lines if HEADER.match(t)]
    check(len(heads) == 2 and all(r == 0 and m.group(2) == str(NP) for r, m in heads),
          f"rank 0 printed both windows with all ranks (got {[m.group(0) for _, m in heads]})")


def case_skip_start():
    rc, _, err, took = run_mpi(NP, [os.path.join(BIN, "e2e_app"), "--windows", "2",
                                    "--iters", "2", "--skip-start-rank", "1"],
                               env={"WPROF_OUTPUT": out, "WPROF_PRINT": f"top:{TOP}",
                                    "WPROF_SYNC_TIMEOUT_MS": "1500"})
    check(rc == 0, f"the job exits 0 (got {rc})")
    with h5py.File(out, "r") as f:
        status = {r["rank"]: r["status"] for r in rows(f, "ranks")}
    check(status == {r: "ok" for r in range(NP)}, f"every rank is ok in the final report (got {status})")


{"skip_start": case_skip_start, "disagree": case_disagree, "print": case_print, "files": case_files, "unwritable": case_unwritable, "late_rank": case_late_rank}[case]()
finish()
