"""Checks of the multi-node test (multinode.sh) on the reports of jobs that ran across namespace nodes:
    check_multinode.py report FILE NP NODE1 NODE2   one job, 2 ranks per node
    check_multinode.py sweep DIR NODE1 NODE2        a `wprof sweep --np 2,4 --hostfile` of the same app
    check_multinode.py spills LOG NP STOPS          the job's WPROF_LOG=debug lines
A complete report has every rank ok, the hostnames of the nodes its ranks ran on (ranks fill a node's
2 slots before the next), and clock columns for every rank. Clocks are aligned by node: the ranks of
one node share one fit (their node leader's), rank 0's node has rank 0's (exactly zero), and every
other node has a measured fit of its own (residual > 0)."""
import json
import os
import re
import sys

import h5py
from wptest import attr, check, finish, rows


def check_report(path, np_, nodes):
    if not check(os.path.exists(path), f"{path} written"):
        return
    with h5py.File(path, "r") as f:
        check(attr(f, "world_size") == np_, f"{path}: world_size {np_} (got {attr(f, 'world_size')})")
        check(attr(f, "sync") == "ok", f"{path}: sync ok (got {attr(f, 'sync')!r})")
        ranks = rows(f, "ranks")
        check([r["rank"] for r in ranks] == list(range(np_)), f"{path}: one /ranks row per rank")
        check(all(r["status"] == "ok" and r["collected"] == 1 for r in ranks), f"{path}: every rank ok")
        hosts = [r["hostname"] for r in ranks]
        want = [nodes[r // 2] for r in range(np_)]
        print(f"{path}: hostnames {hosts}")
        check(hosts == want, f"{path}: ranks 2 per node, hostnames {want} (got {hosts})")
        check(len(set(hosts)) == (np_ + 1) // 2, f"{path}: {(np_ + 1) // 2} distinct hostnames")
        for col in ("clock_offset_ns", "clock_drift_ppm", "clock_residual_ns", "clock_ref_ns"):
            check(all(col in r for r in ranks), f"{path}: /ranks has {col}")
        residuals = [r.get("clock_residual_ns", -1) for r in ranks]
        print(f"{path}: clock residuals (ns) {residuals}, offsets {[r.get('clock_offset_ns') for r in ranks]}")
        check(all(x >= 0 for x in residuals), f"{path}: clock_residual_ns >= 0 for every rank")
        fit = [(r["clock_offset_ns"], r["clock_drift_ppm"], r["clock_residual_ns"], r["clock_ref_ns"]) for r in ranks]
        for node in sorted(set(hosts)):
            on = [k for k in range(np_) if hosts[k] == node]
            check(len({fit[k] for k in on}) == 1, f"{path}: the ranks of {node} share one clock fit (got "
                  f"{[fit[k] for k in on]})")
            if 0 in on:
                check(all(fit[k] == (0, 0, 0, 0) for k in on), f"{path}: rank 0's node has rank 0's fit, exactly zero")
            else:
                check(all(fit[k][2] > 0 for k in on), f"{path}: {node} has a measured fit of its own (residual > 0)")
        windows = rows(f, "windows")
        check(len(windows) > 0 and {w["rank"] for w in windows} == set(range(np_)), f"{path}: windows from every rank")


def check_sweep(out, nodes):
    with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
        idx = json.load(f)
    pts = idx["points"]
    check([p["np"] for p in pts] == [2, 4], f"sweep: points np 2 and 4 (got {[p['np'] for p in pts]})")
    for p in pts:
        check(p["status"] == "ok" and p["exit_status"] == 0, f"sweep point {p['id']}: ok (got {p})")
        check_report(os.path.join(out, p["report"]), p["np"], nodes)


def check_spills(log, np_, stops):
    """Every rank spills at every stop, whole at the first and appended after: the ranks of the node
    without rank 0 refit their clock at every sync point, by the sample noise, which must not make
    them rewrite the windows they spilled before. A sample delayed by a loaded machine can move a fit
    by more than the alignment's error once, which rightly rewrites that spill whole: at most one of
    the later stops may (rewriting at every stop, as before, fails). (Finalize's refit may rewrite a
    spill once more.)"""
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    for rank in range(np_):
        kinds = [m.group(1) for ln in lines
                 if ln.startswith(f"wprof[rank {rank}]: debug: spilled ") and " open window " not in ln
                 for m in [re.search(r" ms \((whole|appended)\)", ln)] if m]
        kinds = kinds[:stops]
        check(len(kinds) == stops and kinds[:1] == ["whole"] and kinds[1:].count("whole") <= 1,
              f"rank {rank}: its {stops} stop spills are whole then appended, but for one at most (got {kinds})")


if sys.argv[1] == "report":
    check_report(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
elif sys.argv[1] == "spills":
    check_spills(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
else:
    check_sweep(sys.argv[2], sys.argv[3:])
finish()
