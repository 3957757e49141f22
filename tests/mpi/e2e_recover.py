"""Crash spills and `wprof recover`, on 4 ranks.
  crash:  rank 2 is killed with SIGKILL after its first window (mpirun then tears the job down);
          `wprof recover` rebuilds a report holding every rank's spilled window; no lite scopes, as
          every stop came within WPROF_SPILL_INTERVAL_MS (an hour here: the default 10 s would
          depend on the machine's speed) of the start (they are lost like the open window); with
          WPROF_SPILL_INTERVAL_MS=0 every stop's frame has them.
  keep:   a good run with WPROF_KEEP_SPILLS=1 and the timeline: the spills stay (rank 0's with
          appended frames), and the report recovered from them has the same windows, ranges, lite,
          timeline, MPI and straggler rows as the real one (nothing spilled is lost; with
          WPROF_SPILL_INTERVAL_MS=0, so that every stop's frame has the lite scopes, which are not
          per window); without it the spills are removed after the report.
  damage: a spill missing, one truncated, one of another rank, --world-size, an empty directory.
  symlink: a symlinked <output>.d is refused with one warning; the job and its report go on.
  open:   WPROF_SPILL_INTERVAL_MS=200 and rank 2 killed in its second window, still open, after 3 steps
          of >= 240 ms: the recovered report has that window on rank 2 marked cut_short, with the steps
          made up to its last spill and its ranges of them; every rank's first window whole; the
          doctor and recover say so.
  open_off: the same with WPROF_SPILL_INTERVAL_MS=0: no open-window spill, the open window is lost.
usage: e2e_recover.py crash|keep|damage|symlink|open|open_off"""
import json
import os
import shutil
import sys

import h5py
from wptest import BIN, WPROF, attr, check, finish, rows, run, run_mpi, scratch_dir

APP = os.path.join(BIN, "e2e_app")
case = sys.argv[1]
tmp = scratch_dir()
out = os.path.join(tmp, "report.h5")
spills = out + ".d"
env = {"WPROF_OUTPUT": out, "WPROF_SYNC_TIMEOUT_MS": "5000"}
ITERS = 4


def recover(spill_dir, report, *extra):
    rc, text, err = run([WPROF, "recover", spill_dir, "-o", report] + list(extra))
    print(text + err, end="")
    return rc, text, err


def by_name(f, table, key_cols):
    """A table as {(rank, window?, name): row without ids}, to compare reports whose name ids differ."""
    out_rows = {}
    for r in rows(f, table):
        key = tuple(r[c] for c in key_cols) + (r.get("name"),)
        out_rows[key] = {k: v for k, v in r.items() if k != "name_id"}
    return out_rows


def multiset(f, table):
    """A table's rows without name ids, sorted, to compare reports whose name ids differ."""
    return sorted(tuple(sorted((k, v) for k, v in r.items() if k != "name_id")) for r in rows(f, table))


def check_spilled_window(f, rank, with_lite):
    wins = [w for w in rows(f, "windows") if w["rank"] == rank]
    check([w["window"] for w in wins] == [0], f"rank {rank}: window 0 recovered (got {wins})")
    check(all(w["steps"] == ITERS and w["end_ns"] > w["start_ns"] for w in wins), f"rank {rank}: window values")
    rng = {(r["window"], r["name"]): r for r in rows(f, "ranges") if r["rank"] == rank}
    for name in ("step", "inner"):
        r = rng.get((0, name))
        check(r is not None and r["calls"] == ITERS and r["cpu_total_ns"] > 0,
              f"rank {rank}: range {name} of window 0 has {ITERS} calls (got {r})")
    lite = [r for r in rows(f, "lite") if r["rank"] == rank and r["name"] == "work"] if "lite" in f else []
    hist = sum(h["count"] for h in rows(f, "lite_hist") if h["rank"] == rank) if "lite_hist" in f else 0
    if not with_lite:
        check(lite == [] and hist == 0, f"rank {rank}: no lite scopes spilled within the interval ({lite})")
        return
    check(len(lite) == 1 and lite[0]["calls"] == ITERS, f"rank {rank}: lite scope 'work' has {ITERS} calls ({lite})")
    check(hist == ITERS, f"rank {rank}: lite histogram holds {ITERS} samples (got {hist})")


def crash():
    crash_with("3600000")
    shutil.rmtree(spills)
    crash_with("0")


def crash_with(interval_ms):
    job_env = dict(env, WPROF_SPILL_INTERVAL_MS=interval_ms)
    rc, _, err, took = run_mpi(4, [APP, "--iters", str(ITERS), "--windows", "3", "--kill-rank", "2"], env=job_env)
    check(rc != 0, "the job died")
    check(not os.path.exists(out), "no report was written")
    names = sorted(os.listdir(spills))
    check(names == [f"rank-{r}.wpb" for r in range(4)], f"one spill per rank, nothing else (got {names})")
    rep = os.path.join(tmp, f"recovered{interval_ms}.h5")
    rc, text, err = recover(spills, rep)
    check(rc == 0, f"wprof recover exits 0 (got {rc})")
    check("missing: none; corrupt: none" in text, "recover says every rank was recovered")
    with h5py.File(rep, "r") as f:
        check(attr(f, "recovered_from") == spills, "recovered_from names the spill directory")
        check(attr(f, "world_size") == 4 and attr(f, "schema_version") == 1, "world_size and schema")
        check(attr(f, "backend") == "host" and attr(f, "delay_iters") == 0, "the job's attributes came along")
        check([(r["rank"], r["status"]) for r in rows(f, "ranks")] == [(r, "ok") for r in range(4)],
              "every rank ok, rank 2 included")
        for rank in range(4):
            check_spilled_window(f, rank, interval_ms == "0")
        summary = {r["name"].decode() if isinstance(r["name"], bytes) else r["name"]: r for r in f["summary/ranges"][:]}
        check(summary.get("step") is not None and summary["step"]["ranks_present"] == 4, "summary over 4 ranks")
    rc, text, err = run([WPROF, "report", rep])
    check(rc == 0 and "World size: 4" in text, "wprof report reads the recovered report")


def keep():
    rc, _, err, _ = run_mpi(4, [APP, "--iters", str(ITERS), "--windows", "2"], env=env)
    check(rc == 0, "job exits 0")
    check(os.path.exists(out) and not os.path.exists(spills), "spills removed after a good report")
    rc, _, err, _ = run_mpi(4, [APP, "--iters", str(ITERS), "--windows", "5"],
                            env=dict(env, WPROF_KEEP_SPILLS="1", WPROF_TIMELINE="1", WPROF_SPILL_INTERVAL_MS="0"))
    check(rc == 0, "job exits 0 with WPROF_KEEP_SPILLS=1")
    check(sorted(os.listdir(spills)) == [f"rank-{r}.wpb" for r in range(4)], "spills kept")
    # rank 0 (whose clock fit never changes) appended frames carrying only the events since
    frames = open(os.path.join(spills, "rank-0.wpb"), "rb").read().count(b"WPSPILL\x02")
    check(frames >= 1, f"rank 0's spill has appended frames ({frames})")
    rep = os.path.join(tmp, "recovered.h5")
    rc, _, _ = recover(spills, rep)
    check(rc == 0, "wprof recover exits 0")
    with h5py.File(out, "r") as real, h5py.File(rep, "r") as rec:
        for table, keys in (("windows", ["rank", "window"]), ("ranges", ["rank", "window"]),
                            ("lite", ["rank"]), ("lite_hist", ["rank", "bucket"]), ("kernels", ["rank", "window"])):
            a, b = by_name(real, table, keys), by_name(rec, table, keys)
            check(len(a) > 0 or table == "kernels", f"/{table} has rows")
            check(a == b, f"/{table}: the recovered rows equal the report's ({len(a)} vs {len(b)} rows)")
        for table in ("timeline", "mpi", "stragglers"):
            a, b = multiset(real, table), multiset(rec, table)
            check(len(a) > 0, f"/{table} has rows")
            check(a == b, f"/{table}: the recovered rows equal the report's ({len(a)} vs {len(b)} rows)")
        for key in ("world_size", "backend", "delay_iters", "max_iters", "sync", "command"):
            check(attr(real, key) == attr(rec, key), f"attribute {key} recovered")


def damage():
    run_mpi(4, [APP, "--iters", str(ITERS), "--windows", "1"], env=dict(env, WPROF_KEEP_SPILLS="1"))
    d = os.path.join(tmp, "damaged.d")
    shutil.copytree(spills, d)
    os.remove(os.path.join(d, "rank-1.wpb"))
    data = open(os.path.join(d, "rank-3.wpb"), "rb").read()
    open(os.path.join(d, "rank-3.wpb"), "wb").write(data[: len(data) // 2])
    shutil.copy(os.path.join(spills, "rank-0.wpb"), os.path.join(d, "rank-2.wpb"))  # rank 0's data
    open(os.path.join(d, "notes.txt"), "w").write("not a spill")
    rep = os.path.join(tmp, "recovered.h5")
    rc, text, err = recover(d, rep, "--world-size", "6")
    check(rc == 0, "recover exits 0 with damaged spills")
    check("rank 3 is marked corrupt" in err and "rank 2 is marked corrupt" in err, "damaged spills are named")
    with h5py.File(rep, "r") as f:
        status = [(r["rank"], r["status"]) for r in rows(f, "ranks")]
        want = [(0, "ok"), (1, "missing"), (2, "corrupt"), (3, "corrupt"), (4, "missing"), (5, "missing")]
        check(status == want, f"statuses {status}")
        check(attr(f, "world_size") == 6, "--world-size taken")
        check(attr(f, "recovered_ranks") == "missing: 1,4,5; corrupt: 2,3", f"recovered_ranks {attr(f, 'recovered_ranks')!r}")
        check({w["rank"] for w in rows(f, "windows")} == {0}, "only rank 0's windows")
    rc, _, err = recover(d, rep)
    check(rc == 0, "an existing wprof report is replaced")
    with h5py.File(rep, "r") as f:
        check(attr(f, "world_size") == 4, "world size from the spills' own attribute")
    open(os.path.join(tmp, "other.txt"), "w").write("precious")
    rc, _, err = recover(d, os.path.join(tmp, "other.txt"))
    check(rc == 1 and "not a wprof report" in err, "an unrelated file is not clobbered")
    check(open(os.path.join(tmp, "other.txt")).read() == "precious", "and is left as it was")
    empty = os.path.join(tmp, "empty.d")
    os.mkdir(empty)
    rc, _, err = recover(empty, rep)
    check(rc == 2 and len(err.splitlines()) == 1 and "no spill files" in err, "empty directory: one line, exit 2")
    rc, _, err = recover(os.path.join(tmp, "nope.d"), rep)
    check(rc == 2 and len(err.splitlines()) == 1, "missing directory: one line, exit 2")
    rc, _, err = run([WPROF, "recover", d])
    check(rc == 2 and "-o" in err, "no -o: usage error")


def symlink():
    elsewhere = os.path.join(tmp, "elsewhere")
    os.mkdir(elsewhere)
    os.symlink(elsewhere, spills)
    rc, _, err, _ = run_mpi(2, [APP, "--iters", "3", "--windows", "2"], env=dict(env, WPROF_KEEP_SPILLS="1"))
    check(rc == 0, "job exits 0")
    warnings = [l for l in err.splitlines() if "symbolic link" in l]
    check(len(warnings) == 2, f"one warning per rank, not per window ({warnings})")
    check(os.listdir(elsewhere) == [], "nothing written through the symlink")
    check(os.path.islink(spills), "the symlink is left alone")
    with h5py.File(out, "r") as f:
        check(len(rows(f, "windows")) == 4, "the report is complete")


OPEN_STEPS = 3


def kill_in_open_window(interval_ms):
    """4 ranks, 2 windows of 4 steps (each step >= 240 ms: rank 3 spins 4 x 60 ms, then a barrier);
    rank 2 kills itself in window 1 after OPEN_STEPS steps. Returns the recovered report's path and
    recover's output."""
    argv = [APP, "--iters", str(ITERS), "--windows", "2", "--work-us", "60000", "--kill-open-rank", "2",
            "--kill-after-steps", str(OPEN_STEPS)]
    rc, _, err, _ = run_mpi(4, argv, env=dict(env, WPROF_SPILL_INTERVAL_MS=str(interval_ms), WPROF_TIMELINE="1"))
    check(rc != 0 and "killing myself in open window 1 after 3 steps" in err, "rank 2 died in its open window")
    check(not os.path.exists(out), "no report was written")
    rep = os.path.join(tmp, "recovered.h5")
    rc, text, _ = recover(spills, rep)
    check(rc == 0 and "missing: none; corrupt: none" in text, "wprof recover recovers every rank")
    return rep, text


def check_first_window(f, rank):
    wins = [w for w in rows(f, "windows") if w["rank"] == rank and w["window"] == 0]
    check(len(wins) == 1 and wins[0]["steps"] == ITERS and wins[0]["cut_short"] == 0,
          f"rank {rank}: window 0 whole, not cut short ({wins})")
    r = [g for g in rows(f, "ranges") if g["rank"] == rank and g["window"] == 0 and g["name"] == "step"]
    check(len(r) == 1 and r[0]["calls"] == ITERS, f"rank {rank}: range step of window 0 has {ITERS} calls ({r})")


def open_window():
    rep, text = kill_in_open_window(200)
    with h5py.File(rep, "r") as f:
        check("cut_short" in f["windows"].dtype.names, "/windows has a cut_short column")
        for rank in range(4):
            check_first_window(f, rank)
        mine = [w for w in rows(f, "windows") if w["rank"] == 2 and w["window"] == 1]
        check(len(mine) == 1 and mine[0]["cut_short"] == 1, f"rank 2's open window 1 is there, cut short ({mine})")
        steps = mine[0]["steps"] if mine else -1
        check(1 <= steps <= OPEN_STEPS, f"it holds the steps up to its last spill: 1..{OPEN_STEPS} (got {steps})")
        check(mine and mine[0]["end_ns"] > mine[0]["start_ns"], "its end is its last spill's time, after its start")
        r = [g for g in rows(f, "ranges") if g["rank"] == 2 and g["window"] == 1 and g["name"] == "step"]
        check(len(r) == 1 and r[0]["calls"] == steps, f"rank 2's range step of window 1 has {steps} calls ({r})")
        # the timeline events of the committed frames and of the provisional one (events since the last
        # committed frame) each once: neither doubled nor lost
        events = [tuple(sorted((k, v) for k, v in e.items() if k != "name_id")) for e in rows(f, "timeline")
                  if e["rank"] == 2]
        check(len(events) == len(set(events)), f"rank 2: no timeline event twice ({len(events)} events)")
        step_events = [e for e in rows(f, "timeline") if e["rank"] == 2 and e["name"] == "step"]
        check(len(step_events) == ITERS + steps, f"rank 2: {ITERS} + {steps} 'step' range events ({len(step_events)})")
        lite = [x for x in rows(f, "lite") if x["rank"] == 2 and x["name"] == "work"]
        check(len(lite) == 1 and lite[0]["calls"] == ITERS + steps, f"rank 2's lite scope 'work': {ITERS} + {steps} calls")
        others = [w for w in rows(f, "windows") if w["rank"] != 2 and w["window"] == 1]
        check(all(w["cut_short"] == 1 for w in others), f"the other ranks' window 1 (killed by mpirun) is cut short too")
        check(all(w["cut_short"] == 0 for w in rows(f, "windows") if w["window"] == 0), "no closed window cut short")
    check(f"rank 2: window 1 cut short (recovered up to its last spill: {steps} steps)" in text, "recover says so")
    rc, dump, _ = run(["h5dump", "-d", "/windows", rep])
    check(rc == 0 and "cut_short" in dump, "h5dump (libhdf5) reads /windows with cut_short")
    rc, doc, doc_err = run([WPROF, "doctor", rep])
    print(doc + doc_err, end="")
    check(f"rank 2's window 1 was cut short (the rank died in it): its rows hold the steps up to its last spill "
          f"({steps} step{'' if steps == 1 else 's'}" in doc + doc_err, "wprof doctor names rank 2's cut-short window")
    check("ranks counted different steps" not in doc + doc_err, "the doctor does not take it for a step mismatch")
    rc, rep_text, _ = run([WPROF, "report", rep])
    check(rc == 0 and "cut short" in rep_text, "wprof report mentions the window cut short")
    rc, js, _ = run([WPROF, "report", rep, "--format", "json"])
    cut = [w for w in json.loads(js)["windows"] if w["cut_short"]] if rc == 0 else None
    check(cut is not None and {(w["rank"], w["window"]) for w in cut} >= {(2, 1)} and
          all(w["window"] == 1 for w in cut), f"wprof report --format json marks the windows cut short ({cut})")


def open_window_off():
    rep, text = kill_in_open_window(0)
    raw = open(os.path.join(spills, "rank-2.wpb"), "rb").read()
    check(b"WPSPILL\x03" not in raw, "no provisional frame in rank 2's spill")
    with h5py.File(rep, "r") as f:
        for rank in range(4):
            check_first_window(f, rank)
        check([w for w in rows(f, "windows") if w["window"] == 1] == [], "window 1 was lost on every rank")
        check(all(w["cut_short"] == 0 for w in rows(f, "windows")), "nothing cut short")
    check("cut short" not in text, "recover mentions nothing cut short")


{"crash": crash, "keep": keep, "damage": damage, "symlink": symlink, "open": open_window,
 "open_off": open_window_off}[case]()
finish()
