"""Never hang, on 4 ranks: a rank that stops later than the others, one that enters wprof_finalize
late, one that never starts, and settings that disagree. Each job ends within WPROF_SYNC_TIMEOUT_MS
(plus the app's own delay) plus a few seconds, every rank gets through wprof_finalize, and the
report names the rank.
usage: e2e_hang.py late_stop|late_finalize|never_start|disagree|late_finalize_spill|
       root_never_start|root_late_stop|root_late_finalize|differing_max|differing_max_reset|fail_start|skip_window_r2|skip_window_r0"""
import os
import re
import sys

import h5py
from wptest import BIN, WPROF, attr, check, finish, rows, run, run_mpi, scratch_dir

APP = os.path.join(BIN, "e2e_app")
TIMEOUT_MS = 1500
LATE_MS = TIMEOUT_MS + 1500  # later than the others by more than the timeout
SLACK_S = 6                  # launch, MPI_Init/Finalize, the short grace of later sync points
case = sys.argv[1]
out = os.path.join(scratch_dir(), "report.h5")
env = {"WPROF_OUTPUT": out, "WPROF_SYNC_TIMEOUT_MS": str(TIMEOUT_MS)}


def every_rank_finalized(stdout):
    done = sorted(int(m) for m in re.findall(r"e2e_app rank (\d+): wprof_finalize:", stdout))
    check(done == [0, 1, 2, 3], f"every rank returned from wprof_finalize (got {done})")


def rank_status(f):
    return {r["rank"]: r["status"] for r in rows(f, "ranks")}


def late_stop():
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "4", "--windows", "1", "--late-rank", "2",
                                        "--late-ms", str(LATE_MS), "--late-at", "stop"], env=env)
    every_rank_finalized(stdout)
    limit = (LATE_MS + TIMEOUT_MS) / 1000 + SLACK_S
    check(took < limit, f"job ends within the delay + timeout + {SLACK_S} s (took {took:.1f} s, limit {limit:.1f})")
    check("missing rank(s) 2 at end of window 0" in err, "the warning names rank 2 at the stop")
    with h5py.File(out, "r") as f:
        sync = attr(f, "sync")
        check(sync.startswith("broken: missing rank(s) 2 at end of window 0"), f"report names rank 2 (got {sync!r})")
        status = rank_status(f)
        check(all(status[r] == "ok" for r in (0, 1, 3)), f"ranks 0, 1, 3 ok (got {status})")
        wins = {w["rank"] for w in rows(f, "windows")}
        check({0, 1, 3} <= wins, f"the punctual ranks' windows are in the report (got {sorted(wins)})")


def late_finalize():
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "4", "--windows", "2", "--late-rank", "1",
                                        "--late-ms", str(LATE_MS), "--late-at", "finalize"], env=env)
    every_rank_finalized(stdout)
    limit = LATE_MS / 1000 + SLACK_S
    check(took < limit, f"job ends within the delay + {SLACK_S} s (took {took:.1f} s, limit {limit:.1f})")
    check("rank 1 sent no data before the deadline" in err, "rank 0 names rank 1 in its warning")
    with h5py.File(out, "r") as f:
        status = rank_status(f)
        check(status == {0: "ok", 1: "missing", 2: "ok", 3: "ok"}, f"rank 1 missing, the rest ok (got {status})")
        check(attr(f, "sync") == "ok", "the windows themselves were in sync")
        wins = rows(f, "windows")
        check(sorted({w["rank"] for w in wins}) == [0, 2, 3] and len(wins) == 6,
              "two windows for each rank whose data arrived")


def never_start():
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "4", "--windows", "2", "--skip-start-rank", "3"], env=env)
    check(rc == 0, "job exits 0")
    every_rank_finalized(stdout)
    limit = TIMEOUT_MS / 1000 + SLACK_S
    check(took < limit, f"job ends within the timeout + {SLACK_S} s (took {took:.1f} s)")
    with h5py.File(out, "r") as f:
        check(attr(f, "sync").startswith("broken: missing rank(s) 3"), "report names rank 3")


def disagree():
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "4", "--windows", "1", "--barrier", "0",
                                        "--rank-env", "1:WPROF_MAX_ITERS=5"],
                                    env=dict(env, WPROF_MAX_ITERS="2"))
    every_rank_finalized(stdout)
    limit = TIMEOUT_MS / 1000 + SLACK_S
    check(took < limit, f"job ends within the timeout + {SLACK_S} s (took {took:.1f} s)")
    check(re.search(r"rank 1 has [^(]*(max_iters|WPROF_MAX_ITERS)=5", err), "the warning names rank 1 and its max_iters")
    with h5py.File(out, "r") as f:
        note = attr(f, "settings_agreement")
        check("rank 1" in note and "max_iters=5" in note, f"report names rank 1 (got {note!r})")
        check(all(s == "ok" for s in rank_status(f).values()), "every rank's data arrived")


def late_finalize_spill():
    """The report lacks the late rank, so its spill (written at its last stop) is all that is left
    of its windows: rank 0 must keep the spills, and `wprof recover` must give that rank back."""
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "4", "--windows", "2", "--late-rank", "1",
                                        "--late-ms", str(LATE_MS), "--late-at", "finalize"], env=env)
    every_rank_finalized(stdout)
    spills = out + ".d"
    names = sorted(os.listdir(spills)) if os.path.isdir(spills) else []
    check("rank-1.wpb" in names, f"the late rank's spill is kept (got {names})")
    check("crash spills kept in " + spills in err, "rank 0 says where the spills are")
    rep = os.path.join(scratch_dir(), "recovered.h5")
    rc, text, rerr = run([WPROF, "recover", spills, "-o", rep])
    check(rc == 0, f"wprof recover exits 0 (got {rc}: {rerr.strip()})")
    with h5py.File(rep, "r") as f:
        check(rank_status(f).get(1) == "ok", "rank 1 recovered from its spill")
        wins = [w for w in rows(f, "windows") if w["rank"] == 1]
        check(len(wins) == 2, f"both of rank 1's windows recovered (got {len(wins)})")


def root_never_start():
    """Rank 0 never starts and goes straight to finalize: the others give up on the first sync point,
    and later ones must not wait the full deadline again (rank 0's gather messages are no sign that
    it will ever release a sync point)."""
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "2", "--windows", "3", "--barrier", "0",
                                        "--skip-start-rank", "0"], env=env)
    every_rank_finalized(stdout)
    limit = 2 * TIMEOUT_MS / 1000 + SLACK_S
    check(took < limit, f"job ends within twice the timeout + {SLACK_S} s (took {took:.1f} s, limit {limit:.1f})")
    check("no release from rank 0" in err, "the other ranks name rank 0 in their warning")


def root_late_stop():
    """Rank 0 stops late: the others gave up on it (and withdrew their arrivals, so rank 0 names them
    as missing where it used to count them in); the report's sync must say the window's end broke,
    not "ok". The others wait 2 x the timeout for a release from rank 0, so rank 0 is late by clearly
    more than that (not by a tie that a slow run could lose)."""
    root_late_ms = 2 * TIMEOUT_MS + 1500
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "4", "--windows", "2", "--late-rank", "0",
                                        "--late-ms", str(root_late_ms), "--late-at", "stop"], env=env)
    every_rank_finalized(stdout)
    limit = (2 * root_late_ms + TIMEOUT_MS) / 1000 + SLACK_S
    check(took < limit, f"job ends within the delays + timeout + {SLACK_S} s (took {took:.1f} s)")
    with h5py.File(out, "r") as f:
        sync = attr(f, "sync")
        check(sync.startswith("broken: no release from rank 0 at end of window 0") or
              sync == "broken: missing rank(s) 1,2,3 at end of window 0",
              f"report says window 0's end broke (got {sync!r})")


def wprof_call_ms(stdout):
    """Each rank's time in wprof_start/step/stop and wprof_finalize, as e2e_app prints it."""
    found = re.findall(r"e2e_app rank (\d+): window calls ([0-9.]+) ms, wprof_finalize ([0-9.]+) ms", stdout)
    return {int(r): float(a) + float(b) for r, a, b in found}


def skip_window(victim):
    """One rank (rank 0 too) makes no window call in window 0 of 4 (3 steps each, a barrier after
    every step) at WPROF_SYNC_TIMEOUT_MS=500: the miss costs the others one deadline, once, so no rank
    spends more than 2.5 x the timeout in wprof calls (the window calls and finalize) over the run; every rank numbers its windows as
    the job does (the victim has no window 0), and windows with the same number are the same interval.
    WPROF_PRINT's gathers at every stop add no deadline of their own."""
    timeout_ms = 500
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "3", "--windows", "4", "--skip-window-rank", str(victim)],
                                    env=dict(env, WPROF_SYNC_TIMEOUT_MS=str(timeout_ms), WPROF_PRINT="top:2"))
    # WPROF_PRINT gathers at every stop: the victim is missing from window 0's stop only
    stops = re.findall(r"wprof: window (\d+) stop \(ranks (\d)/4(?:; missing: ([\d,]+))?", stdout)
    want = [(str(w), "4", "") for w in range(1, 4)]
    if victim != 0:
        want = [("0", "3", str(victim))] + want
    check(stops == want, f"rank 0 prints every stop it made, the victim missing from window 0's only (got {stops})")
    every_rank_finalized(stdout)
    spent = wprof_call_ms(stdout)
    check(sorted(spent) == [0, 1, 2, 3], f"every rank printed its time in wprof calls (got {spent})")
    for r, ms in sorted(spent.items()):
        check(ms <= 2.5 * timeout_ms, f"rank {r} spent {ms:.0f} ms in wprof calls (at most {2.5 * timeout_ms:.0f})")
    with h5py.File(out, "r") as f:
        wins = rows(f, "windows")
        by_rank = {r: sorted(w["window"] for w in wins if w["rank"] == r) for r in range(4)}
        for r in range(4):
            want = [1, 2, 3] if r == victim else [0, 1, 2, 3]
            check(by_rank[r] == want, f"rank {r}'s windows are {want} (got {by_rank[r]})")
        for k in range(4):
            same = [w for w in wins if w["window"] == k]
            start = max(w["start_ns"] for w in same)
            end = min(w["end_ns"] for w in same)
            check(start < end, f"the ranks' windows {k} are one interval (latest start {start}, earliest end {end})")
        check(all(s == "ok" for s in rank_status(f).values()), "every rank's data arrived")
    if victim != 0:
        named = set(re.findall(r"missing rank\(s\) \S+ at (\w+ of window \d+)", err))
        check(named == {"start of window 0"}, f"the victim is named at window 0's start only (got {sorted(named)})")


def root_late_finalize():
    """Rank 0 enters wprof_finalize 2 s after the others, at WPROF_SYNC_TIMEOUT_MS=500: the others hand
    their data over without rank 0 being ready (inside MPI_Finalize, which waits for rank 0 anyway), so
    every rank is ok, no rank warns that its data was lost, and the report says how long rank 0 waited."""
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "3", "--windows", "2", "--late-rank", "0",
                                        "--late-ms", "2000", "--late-at", "finalize"],
                                    env=dict(env, WPROF_SYNC_TIMEOUT_MS="500"))
    check(rc == 0, "job exits 0")
    every_rank_finalized(stdout)
    check("did not take this rank's data" not in err, "no rank says its data was lost")
    with h5py.File(out, "r") as f:
        status = rank_status(f)
        check(status == {0: "ok", 1: "ok", 2: "ok", 3: "ok"}, f"every rank ok (got {status})")
        wins = rows(f, "windows")
        check(len(wins) == 8, f"two windows of every rank (got {len(wins)})")
        waited = attr(f, "finalize_wait_ms")
        check(0 <= waited < 2000, f"rank 0, late itself, waited little for the others (finalize_wait_ms {waited})")


def every_call_under_100ms(stdout):
    """Every rank of 4 finalized and printed its longest wprof call, none over 100 ms."""
    every_rank_finalized(stdout)
    longest = {int(r): float(ms) for r, ms in re.findall(r"e2e_app rank (\d+): .*longest call ([0-9.]+) ms", stdout)}
    check(sorted(longest) == [0, 1, 2, 3], f"every rank printed its longest wprof call (got {longest})")
    for r, ms in sorted(longest.items()):
        check(ms <= 100, f"rank {r}'s longest wprof call took {ms:.1f} ms (at most 100)")


def fail_start():
    """Rank 1's collectors fail to start in window 0 (a test hook): it records nothing there but still
    makes the window's end sync point, so nobody waits for it (no wprof call over 100 ms at
    WPROF_SYNC_TIMEOUT_MS=500) and the sync stays ok; rank 1 has no row for window 0 only."""
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "3", "--windows", "2", "--fail-start-rank", "1"],
                                    env=dict(env, WPROF_SYNC_TIMEOUT_MS="500"))
    every_call_under_100ms(stdout)
    check("no collector could start for window 0" in err, "rank 1 says it records nothing in window 0")
    with h5py.File(out, "r") as f:
        check(attr(f, "sync") == "ok", f"every sync point complete (got {attr(f, 'sync')!r})")
        wins = sorted((w["rank"], w["window"]) for w in rows(f, "windows"))
        want = [(0, 0), (0, 1), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)]
        check(wins == want, f"rank 1 has no row for window 0 only (got {wins})")


def differing_max_reset():
    """As differing_max, and every rank then calls wprof_set_window_iters(-1, -1) ("the environment's
    delay and max"): the environment's values every rank goes back to are rank 0's too, so rank 1 does
    not take up its own max of 2 again and no wprof call waits for a deadline."""
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "6", "--windows", "2", "--rank-env", "1:WPROF_MAX_ITERS=2",
                                        "--reset-iters", "1"],
                                    env=dict(env, WPROF_MAX_ITERS="4", WPROF_SYNC_TIMEOUT_MS="500"))
    every_call_under_100ms(stdout)
    with h5py.File(out, "r") as f:
        check(attr(f, "sync") == "ok", f"every sync point complete (got {attr(f, 'sync')!r})")
        steps = {(w["rank"], w["window"]): w["steps"] for w in rows(f, "windows")}
        check(len(steps) == 8 and len(set(steps.values())) == 1, f"every rank's windows alike (got {steps})")


def differing_max():
    """WPROF_MAX_ITERS=2 on rank 1, 4 elsewhere, a barrier after every step: rank 0's settings are the
    job's, so rank 1's windows close with the others' and no wprof call waits for a deadline (none
    takes over 100 ms at WPROF_SYNC_TIMEOUT_MS=500); rank 1 says so in one warning line naming the
    variable and itself, and the report's settings_agreement names it."""
    rc, stdout, err, took = run_mpi(4, [APP, "--iters", "6", "--windows", "2", "--rank-env", "1:WPROF_MAX_ITERS=2"],
                                    env=dict(env, WPROF_MAX_ITERS="4", WPROF_SYNC_TIMEOUT_MS="500"))
    every_call_under_100ms(stdout)
    lines = [l for l in err.splitlines() if "WPROF_MAX_ITERS" in l]
    check(len(lines) == 1 and "rank 1" in lines[0] and "WPROF_MAX_ITERS=2" in lines[0],
          f"one warning line names the variable and rank 1 (got {lines})")
    with h5py.File(out, "r") as f:
        note = attr(f, "settings_agreement")
        check("rank 1" in note and "max_iters=2" in note, f"settings_agreement names rank 1 (got {note!r})")
        check(attr(f, "sync") == "ok", "every sync point complete")
        steps = {(w["rank"], w["window"]): w["steps"] for w in rows(f, "windows")}
        check(len(steps) == 8 and len(set(steps.values())) == 1, f"every rank's windows alike (got {steps})")


{"late_stop": late_stop, "late_finalize": late_finalize, "never_start": never_start, "disagree": disagree,
 "late_finalize_spill": late_finalize_spill, "root_never_start": root_never_start,
 "root_late_stop": root_late_stop,
 "differing_max": differing_max, "differing_max_reset": differing_max_reset, "fail_start": fail_start, "root_late_finalize": root_late_finalize, "skip_window_r2": lambda: skip_window(2), "skip_window_r0": lambda: skip_window(0)}[case]()
finish()
