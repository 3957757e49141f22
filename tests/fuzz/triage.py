#!/usr/bin/env python3
"""Sorts the inputs a fork-mode fuzz run recorded (crash-*, timeout-*, oom-*): each is run again and
its stack read from the top; the first frame that is either in libhdf5 or in our sources decides.
A crash in libhdf5 is listed (not ours: tests/fuzz/README.md); one in our code fails the run.
usage: triage.py TARGET ARTIFACT_DIR SOURCE_ROOT"""
import os
import re
import subprocess
import sys

target, art_dir, root = sys.argv[1], sys.argv[2], os.path.realpath(sys.argv[3])
FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ in (.*)$")
SOURCE = re.compile(r"(/\S+\.[ch]):\d+")


def ours(where):
    """A frame with a source location in our tree (not the fuzz harness). Sanitizer interceptors
    such as memcpy sit in the fuzz binary, which may itself live under the tree, but have no source
    of ours: they are skipped, so the frame that called them decides."""
    m = SOURCE.search(where)
    return bool(m) and m.group(1).startswith(root + "/") and "/tests/fuzz/fuzz_" not in m.group(1)


def verdict(log):
    for line in log.splitlines():
        m = FRAME.match(line)
        if not m:
            continue
        where = m.group(1)
        if "libhdf5" in where:
            return "libhdf5", where
        if ours(where):
            return "ours", where
    if "libFuzzer: out-of-memory (used:" in log or "-rss_limit_mb" in log:
        return "libhdf5", "process memory limit (no stack): libhdf5 allocating for a damaged file"
    return "unknown", log.strip().splitlines()[-1] if log.strip() else "no output"


def main():
    bad = 0
    names = sorted(n for n in os.listdir(art_dir) if n.split("-")[0] in ("crash", "timeout", "oom"))
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:symbolize=1")
    for n in names:
        p = os.path.join(art_dir, n)
        try:
            r = subprocess.run([target, "-timeout=5", "-rss_limit_mb=2048", p], capture_output=True,
                               text=True, errors="replace", timeout=60, env=env)
            log = r.stdout + r.stderr
            if r.returncode == 0:
                print(f"triage: {n}: does not reproduce alone (a hang or memory limit under load)")
                continue
        except subprocess.TimeoutExpired:
            print(f"triage: {n}: hangs (libhdf5 on a damaged file)")
            continue
        who, where = verdict(log)
        print(f"triage: {n}: {who}: {where[:200]}")
        bad += who != "libhdf5"
    print(f"triage: {len(names)} recorded input(s), {bad} not in libhdf5")
    return 1 if bad else 0


sys.exit(main())
