"""`wprof run` on programs that do not call wprof: an MPI program on 4 ranks gets a full report, steps
from MPI calls and from NVTX ranges follow the state machine, flags override the environment and
absent ones leave it alone, LD_PRELOAD is appended to, and bad input gives one clear line."""
import os
import shutil
import sys

import h5py
from wptest import BIN, WPROF, attr, check, finish, rows, run, run_mpi, scratch_dir

case = sys.argv[1]
MPI_APP = os.path.join(BIN, "mpi_app")
out = os.path.join(scratch_dir(), "report.h5")


def full():
    rc, _, err, _ = run_mpi(4, [WPROF, "run", "--output", out, "--", MPI_APP])
    check(rc == 0, "the job exits 0")
    with h5py.File(out, "r") as f:
        check(attr(f, "world_size") == 4 and attr(f, "sync") == "ok", "4 ranks, sync ok")
        check(attr(f, "start") == "init", "WPROF_START=init set by wprof run")
        ranks = rows(f, "ranks")
        check([r["status"] for r in ranks] == ["ok"] * 4, "every rank ok")
        wins = rows(f, "windows")
        check(sorted(w["rank"] for w in wins) == [0, 1, 2, 3], "one window per rank, opened at init")
        mpi = rows(f, "mpi")
        for r in range(4):
            names = {m["name"] for m in mpi if m["rank"] == r}
            check({"MPI_Allreduce", "MPI_Bcast", "MPI_Barrier"} <= names, f"rank {r} has its MPI calls")
        allreduce = [m for m in rows(f, "summary/mpi") if m["name"] in (b"MPI_Allreduce", "MPI_Allreduce")]
        check(len(allreduce) == 1 and allreduce[0]["ranks_present"] == 4, "summary/mpi covers 4 ranks")


def step_mpi():
    rc, _, _, _ = run_mpi(4, [WPROF, "run", "--step-mpi", "MPI_Allreduce", "--delay", "2", "--max", "3",
                              "--output", out, "--", MPI_APP])
    check(rc == 0, "the job exits 0")
    with h5py.File(out, "r") as f:
        wins = rows(f, "windows")
        # delay 2 / max 3: the 2nd Allreduce opens the window, the 3rd-5th run in it, the 5th closes it
        check(len(wins) == 4 and all(w["steps"] == 3 for w in wins), f"3 steps per rank (got {wins})")
        for r in range(4):
            ar = [m for m in rows(f, "mpi") if m["rank"] == r and m["name"] == "MPI_Allreduce"]
            in_window = sum(m["calls"] for m in ar if m["window"] == 0)
            check(in_window == 3, f"rank {r}: 3 Allreduce calls inside the window (got {in_window})")


def step_range():
    app = os.path.join(BIN, "nvtx_steps")
    if not os.path.exists(app):
        print("no NVTX3 headers at build time: nothing to test")
        sys.exit(77)
    rc, _, err = run([WPROF, "run", "--step-range", "step", "--delay", "2", "--max", "3", "--output", out,
                      "--", app, "10"])
    check(rc == 0, f"the program exits 0 ({err.strip()})")
    with h5py.File(out, "r") as f:
        check(attr(f, "world_size") == 1, "a program without MPI gets a world of one")
        wins = rows(f, "windows")
        check(len(wins) == 1 and wins[0]["steps"] == 3, f"one window of 3 steps (got {wins})")
        rng = {x["name"]: x for x in rows(f, "ranges")}
        check(rng.get("work", {}).get("calls") == 3, f"3 work ranges inside the window (got {rng.get('work')})")
        check(rng.get("step", {}).get("calls") == 3, "3 step ranges inside the window")


def flags_and_env():
    # the user's own preload; a sanitizer run already has one, which must stay as it is (another
    # library ahead of the sanitized libwprof breaks the sanitizer runtime)
    preload = os.environ.get("LD_PRELOAD") or "libm.so.6"
    env = {"WPROF_MAX_ITERS": "9", "WPROF_DELAY_ITERS": "1", "LD_PRELOAD": preload}
    rc, text, err = run([WPROF, "run", "--max", "3", "--", "sh", "-c",
                         "echo $WPROF_MAX_ITERS $WPROF_DELAY_ITERS $WPROF_START; echo $LD_PRELOAD"], env=env)
    lines = text.split("\n") + ["", ""]
    check(rc == 0 and lines[0] == "3 1 init", f"--max overrides, the rest inherited (got {lines[0]!r}, {err!r})")
    check(lines[1].startswith(preload + ":") and lines[1].endswith("libwprof.so.0.1.0"),
          f"LD_PRELOAD appended to (got {lines[1]!r})")
    rc, text, err = run([WPROF, "run", "--", "sh", "-c", "echo $WPROF_START"], env={"WPROF_START": "manual"})
    check(text.strip() == "manual", "an inherited WPROF_START is kept")


def errors():
    rc, _, err = run([WPROF, "run", "--", "/nonexistent/program"])
    check(rc == 127 and err.count("\n") == 1 and "/nonexistent/program" in err, f"missing program: one line, 127 ({err!r})")
    rc, _, err = run([WPROF, "run", "--delay", "x", "--", "true"])
    check(rc == 2 and "--delay" in err, "a bad flag value: exit 2 naming the flag")
    rc, _, err = run([WPROF, "run", "--max", "3"])
    check(rc == 2 and "no program" in err, "no program: exit 2")
    lonely = os.path.join(scratch_dir(), "wprof")
    shutil.copy(WPROF, lonely)
    rc, _, err = run([lonely, "run", "--", "true"])
    check(rc == 2 and "cannot find libwprof.so" in err, f"no library beside the command: one clear line ({err!r})")


def messages():
    # the session made at load time (before MPI_Init) does not know its rank: it must not label every
    # process "rank 0"; the backend choice is said once per process, not once per session set-up
    env = {"WPROF_LOG": "info", "WPROF_CUPTI_LIBRARY": "/nonexistent/libcupti.so"}
    rc, _, err, _ = run_mpi(2, [WPROF, "run", "--backend", "cupti", "--output", out, "--", MPI_APP], env=env)
    check(rc == 0, "the job exits 0")
    # the cupti backend's own warning says why and that host is used: the one fallback line
    fell = [l for l in err.splitlines() if "using the host collectors" in l or "is not available" in l]
    check(len(fell) == 2, f"one fallback warning per process (got {fell})")
    check(not any(l.startswith("wprof[rank 0]") for l in fell), f"no process claims rank 0 before MPI_Init ({fell})")
    rc, _, err, _ = run_mpi(2, [WPROF, "run", "--backend", "host", "--output", out, "--", MPI_APP], env=env)
    said = [l for l in err.splitlines() if "backend host (requested host)" in l]
    check(rc == 0 and len(said) == 2, f"one info line per process for the backend (got {said})")


{"full": full, "step_mpi": step_mpi, "step_range": step_range, "flags_and_env": flags_and_env,
 "errors": errors, "messages": messages}[case]()
finish()
