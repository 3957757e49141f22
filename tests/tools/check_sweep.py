"""`wprof sweep` through the real mpirun: a 2 x 2 matrix (rank counts x WPROF_MAX_ITERS) whose
reports are read back with h5py, a failing point the sweep records and goes past, a hanging point
killed by --timeout, an interrupted sweep that keeps its index, and the usage errors.
    check_sweep.py CASE    (matrix | failing | timeout | interrupt | usage)"""
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import h5py
from wptest import BIN, MPIEXEC, PREFLAGS, WPROF, attr, check, finish, rows, scratch_dir

APP = os.path.join(BIN, "e2e_app")
MPIRUN_ARGS = " ".join(shlex.quote(f) for f in PREFLAGS)
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] np=(\d+)((?: \w+=\S+)*): (ok|timeout|failed(?: \([^)]*\))?) "
                      r"in (\d+\.\d) s \(ETA (\d+) s\)$")


def sweep(args, timeout=300):
    """Runs `wprof sweep` with the machine's mpirun flags; returns (status, stdout, stderr)."""
    cmd = [WPROF, "sweep", "--mpirun", MPIEXEC, "--mpirun-args", MPIRUN_ARGS] + args
    print("$", " ".join(shlex.quote(c) for c in cmd), flush=True)
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    print(p.stdout + p.stderr + f"(exit {p.returncode} after {time.monotonic() - t0:.1f} s)", flush=True)
    return p.returncode, p.stdout, p.stderr


def load_index(out):
    with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
        return json.load(f)


def progress_lines(err):
    return [m.groups() for m in (PROGRESS.match(line) for line in err.splitlines()) if m]


def check_point_files(out, p):
    """The point's log starts with its mpirun command; an ok point has its report."""
    log = os.path.join(out, p["log"])
    if check(os.path.exists(log), f"point {p['id']}: log {p['log']} written"):
        with open(log, encoding="utf-8", errors="replace") as f:
            first = f.readline()
        check(first.startswith("$ ") and f"-np {p['np']}" in first and "WPROF_OUTPUT=" in first,
              f"point {p['id']}: the log starts with the command (got {first.strip()!r})")


def case_matrix():
    out = os.path.join(scratch_dir(), "sweep")
    rc, _, err = sweep(["--np", "1,2", "--set", "WPROF_MAX_ITERS=2,3", "-o", out, "--",
                        APP, "--iters", "4", "--windows", "1"])
    check(rc == 0, f"every point ok: exit 0 (got {rc})")
    idx = load_index(out)
    check(idx.get("wprof_sweep") == 1, "index: wprof_sweep 1")
    check(idx.get("command") == [APP, "--iters", "4", "--windows", "1"], f"index: command {idx.get('command')}")
    pts = idx.get("points", [])
    want = [(1, "2"), (1, "3"), (2, "2"), (2, "3")]
    steps = {}
    check(len(pts) == 4, f"4 points (got {len(pts)})")
    for i, (p, (np_, iters)) in enumerate(zip(pts, want)):
        check(p["id"] == i and p["np"] == np_ and p["settings"] == {"WPROF_MAX_ITERS": iters},
              f"point {i}: np {np_}, WPROF_MAX_ITERS {iters} (got {p})")
        check(p["report"] == f"p{i:03d}.h5" and p["log"] == f"p{i:03d}.log", f"point {i}: file names")
        check(p["status"] == "ok" and p["exit_status"] == 0, f"point {i}: ok, exit 0")
        check(isinstance(p["wall_s"], float) and 0 < p["wall_s"] < 120, f"point {i}: wall_s {p['wall_s']}")
        check_point_files(out, p)
        with h5py.File(os.path.join(out, p["report"]), "r") as f:
            check(attr(f, "world_size") == np_, f"point {i}: report world_size {np_} (got {attr(f, 'world_size')})")
            check(attr(f, "max_iters") == int(iters), f"point {i}: report max_iters {iters} (got {attr(f, 'max_iters')})")
            check(attr(f, "output") == os.path.join(out, p["report"]), f"point {i}: report output is its own path")
            ranks = rows(f, "ranks")
            check(len(ranks) == np_ and all(r["status"] == "ok" for r in ranks), f"point {i}: {np_} ranks, all ok")
            steps[i] = sorted({w["steps"] for w in rows(f, "windows")})
    # the setting reached the ranks: one more step per window at WPROF_MAX_ITERS=3 than at 2
    for lo, hi in ((0, 1), (2, 3)):
        check(len(steps.get(lo, [])) == 1 and steps.get(hi) == [steps[lo][0] + 1],
              f"points {lo}, {hi}: one more step per window at max 3 (got {steps.get(lo)}, {steps.get(hi)})")
    lines = progress_lines(err)
    check(len(lines) == 4, f"one progress line per point (got {len(lines)})")
    for k, g in enumerate(lines):
        check(g[0] == str(k + 1) and g[1] == "4" and g[2] == str(want[k][0]) and
              g[3] == f" WPROF_MAX_ITERS={want[k][1]}" and g[4] == "ok", f"progress line {k + 1}: {g}")
    if lines:
        check(lines[-1][6] == "0", "the last point's ETA is 0 s")
    # a second sweep into the same directory is refused; --force runs over it
    rc, _, err = sweep(["--np", "1", "-o", out, "--", APP])
    check(rc == 2 and "--force" in err, f"an existing sweep directory is refused with exit 2 (got {rc})")
    rc, _, _ = sweep(["--np", "1", "--force", "-o", out, "--", APP, "--iters", "2", "--windows", "1"])
    check(rc == 0 and len(load_index(out)["points"]) == 1, "--force runs over it and rewrites the index")


def case_failing():
    # Every rank exits 3 when the job has 2 ranks; np=2 comes first, so the sweep must go past it.
    out = os.path.join(scratch_dir(), "sweep")
    rc, _, err = sweep(["--np", "2,1", "-o", out, "--", "sh", "-c",
                        'if [ "$OMPI_COMM_WORLD_SIZE" = 2 ]; then exit 3; fi; exec "$0" "$@"',
                        APP, "--iters", "2", "--windows", "1"])
    check(rc == 1, f"a failed point: exit 1 (got {rc})")
    pts = load_index(out)["points"]
    check(len(pts) == 2, f"both points recorded (got {len(pts)})")
    if len(pts) == 2:
        bad, good = pts
        check(bad["np"] == 2 and bad["status"] == "failed" and bad["exit_status"] == 3,
              f"np=2 recorded failed with exit status 3 (got {bad})")
        check(good["np"] == 1 and good["status"] == "ok" and good["exit_status"] == 0,
              f"np=1 after it ran and is ok (got {good})")
        check(not os.path.exists(os.path.join(out, bad["report"])), "no report for the failed point")
        with h5py.File(os.path.join(out, good["report"]), "r") as f:
            check(attr(f, "world_size") == 1, "the np=1 report is complete")
        for p in pts:
            check_point_files(out, p)
    lines = progress_lines(err)
    check([g[4] for g in lines] == ["failed (exit 3)", "ok"], f"progress says failed (exit 3), then ok: {lines}")
    check("1 of 2 points ok" in err, "the summary counts the points ok")
    # A program that exits 0 without writing a report is a failed point too.
    out2 = os.path.join(scratch_dir(), "sweep")
    rc, _, err = sweep(["--np", "1", "-o", out2, "--", "true"])
    p = load_index(out2)["points"][0]
    check(rc == 1 and p["status"] == "failed" and p["exit_status"] == 0,
          f"exit 0 without a report: failed (got {rc}, {p})")
    check("failed (no report)" in err, "the progress line says there was no report")


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def case_timeout():
    # Point 0 hangs (HANG=1) and is killed after --timeout; point 1 runs the app normally.
    tmp = scratch_dir()
    out, pidfile = os.path.join(tmp, "sweep"), os.path.join(tmp, "hang.pid")
    script = f'if [ "$HANG" = 1 ]; then echo $$ > {pidfile}; exec sleep 300; fi; exec "$0" "$@"'
    t0 = time.monotonic()
    rc, _, err = sweep(["--np", "1", "--set", "HANG=1,0", "--timeout", "8", "-o", out, "--",
                        "sh", "-c", script, APP, "--iters", "2", "--windows", "1"])
    took = time.monotonic() - t0
    check(rc == 1, f"a timed-out point: exit 1 (got {rc})")
    check(took < 120, f"the hanging point did not hold the sweep (took {took:.1f} s of its 300 s sleep)")
    pts = load_index(out)["points"]
    check(len(pts) == 2, f"both points recorded (got {len(pts)})")
    if len(pts) == 2:
        check(pts[0]["status"] == "timeout" and pts[0]["settings"] == {"HANG": "1"},
              f"HANG=1 recorded as timeout (got {pts[0]})")
        check(8 <= pts[0]["wall_s"] < 60, f"its wall time is from the timeout on (got {pts[0]['wall_s']})")
        check(pts[1]["status"] == "ok", f"HANG=0 ran after it and is ok (got {pts[1]})")
    if check(os.path.exists(pidfile), "the hanging rank started"):
        with open(pidfile, encoding="utf-8") as f:
            pid = int(f.read())
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        check(not pid_alive(pid), f"the hanging rank (pid {pid}) was killed with its mpirun")
    check([g[4] for g in progress_lines(err)] == ["timeout", "ok"], "progress says timeout, then ok")


def case_interrupt():
    # SIGINT during a hanging point: the point is stopped and recorded, the rest is not started.
    tmp = scratch_dir()
    out, pidfile = os.path.join(tmp, "sweep"), os.path.join(tmp, "hang.pid")
    cmd = [WPROF, "sweep", "--mpirun", MPIEXEC, "--mpirun-args", MPIRUN_ARGS, "--np", "1,1", "-o", out,
           "--", "sh", "-c", f"echo $$ > {pidfile}; exec sleep 300"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(pidfile) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    print(err)
    check(p.returncode == 1, f"an interrupted sweep exits 1 (got {p.returncode})")
    check("interrupted" in err, "it says it was interrupted")
    pts = load_index(out)["points"] if os.path.exists(os.path.join(out, "index.json")) else []
    check(len(pts) == 1 and pts[0]["status"] == "failed", f"the index keeps the point that ran (got {pts})")


def case_usage():
    out = os.path.join(scratch_dir(), "never")
    bad = [
        (["--np", "1,x", "-o", out, "--", APP], "--np 1,x"),
        (["--np", "0", "-o", out, "--", APP], "--np 0"),
        (["--np", "1,,2", "-o", out, "--", APP], "--np 1,,2"),
        (["--np", "1", "--set", "WPROF_MAX_ITERS", "-o", out, "--", APP], "want VAR=V1,V2"),
        (["--np", "1", "--set", "WPROF_MAX_ITERS=2,", "-o", out, "--", APP], "non-empty values"),
        (["--np", "1", "--set", "A=1", "--set", "A=2", "-o", out, "--", APP], "given twice"),
        (["--np", "1", "--set", "WPROF_OUTPUT=x", "-o", out, "--", APP], "WPROF_OUTPUT"),
        (["--np", "1", "-o", out], "no application"),
        (["--np", "1", "-o", out, "--"], "no application"),
        (["--np", "1", "-o", out, APP], "after `--`"),
        (["-o", out, "--", APP], "--np LIST is required"),
        (["--np", "1", "--", APP], "-o DIR is required"),
        (["--np", "1", "--timeout", "0", "-o", out, "--", APP], "--timeout 0"),
        (["--np", "1", "--mpirun-args", "'unclosed", "-o", out, "--", APP], "unclosed"),
        (["--np", "1", "--bogus", "-o", out, "--", APP], "unknown option"),
        (["--np", "1", "--mpirun", "/nonexistent/mpirun", "-o", out, "--", APP], "cannot find"),
    ]
    for args, words in bad:
        p = subprocess.run([WPROF, "sweep"] + args, capture_output=True, text=True, timeout=30)
        check(p.returncode == 2 and words in p.stderr and "usage: wprof sweep" in p.stderr,
              f"{args}: exit 2 with '{words}' and the usage (got {p.returncode}: {p.stderr.strip()!r})")
    check(not os.path.exists(out), "no usage error created the output directory")
    # --dry-run prints each point's command (quoted as a shell needs it) and runs nothing
    p = subprocess.run([WPROF, "sweep", "--np", "1,4", "--set", "WPROF_MAX_ITERS=5,10", "--hostfile", "hosts",
                        "--mpirun", MPIEXEC, "--mpirun-args", "--mca btl '^openib' -x 'A=b c'", "--dry-run",
                        "-o", out, "--", APP, "two words"], capture_output=True, text=True, timeout=30)
    lines = p.stdout.splitlines()
    check(p.returncode == 0 and len(lines) == 4, f"--dry-run: 4 commands (got {p.returncode}, {lines})")
    if len(lines) == 4:
        words = shlex.split(lines[3])
        want = [MPIEXEC, "-np", "4", "--hostfile", "hosts", "--mca", "btl", "^openib", "-x", "A=b c",
                "-x", "WPROF_MAX_ITERS=10", "-x", f"WPROF_OUTPUT={out}/p003.h5", APP, "two words",
                ">", f"{out}/p003.log", "2>&1"]
        check(words == want, f"--dry-run's last command: {words}")
    check(not os.path.exists(out), "--dry-run creates nothing")


CASES = {"matrix": case_matrix, "failing": case_failing, "timeout": case_timeout,
         "interrupt": case_interrupt, "usage": case_usage}
CASES[sys.argv[1]]()
finish()
