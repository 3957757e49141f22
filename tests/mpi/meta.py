"""Run metadata (issue 9) and `wprof doctor` on a real job's spill directory, on 2 ranks.
  - WPROF_META="team=infer,run=7": /meta holds the user's keys and what wprof found itself (hosts,
    world_size, mpi_library, command, wprof_settings, git_commit when run inside a git checkout);
    `wprof report` shows them in its header.
  - `wprof run --meta team=train --meta run=8` over WPROF_META="team=infer,x=1": flags win per key.
  - `wprof compare --group-by team` groups the two runs by the /meta key.
  - a malformed WPROF_META warns once and the report has no user keys.
  - doctor on the report and on its kept spills (exit 0), then on damaged spills (exit 1).
usage: meta.py"""
import os
import shutil
import time

import h5py
from wptest import BIN, WPROF, attr, check, finish, run, run_mpi, scratch_dir

APP = os.path.join(BIN, "e2e_app")
MPI_APP = os.path.join(BIN, "mpi_app")
SRC = os.environ.get("WPROF_SOURCE_DIR", os.getcwd())
tmp = scratch_dir()


def meta_of(path):
    with h5py.File(path, "r") as f:
        check("meta" in f and isinstance(f["meta"], h5py.Group), f"{path}: has a /meta group")
        return {k: attr(f["meta"], k) for k in f["meta"].attrs}


def git_head(src):
    """The commit of src's checkout, read as git would (None outside a checkout)."""
    d = os.path.join(src, ".git")
    if not os.path.isdir(d):
        return None
    head = open(os.path.join(d, "HEAD")).read().strip()
    if not head.startswith("ref: "):
        return head
    ref = head[5:]
    p = os.path.join(d, ref)
    if os.path.exists(p):
        return open(p).read().strip()
    for line in open(os.path.join(d, "packed-refs")):
        if line.strip().endswith(" " + ref):
            return line.split()[0]
    return None


# 1. WPROF_META and the keys wprof finds itself
out1 = os.path.join(tmp, "infer.h5")
env = {"WPROF_OUTPUT": out1, "WPROF_META": "team=infer,run=7", "WPROF_KEEP_SPILLS": "1"}
old_cwd = os.getcwd()
os.chdir(SRC)  # a git checkout, when the source tree is one
rc, _, err, _ = run_mpi(2, [APP, "--iters", "3", "--windows", "2"], env=env)
os.chdir(old_cwd)
check(rc == 0, "job 1 succeeded")
m = meta_of(out1)
print("meta:", m)
check(m.get("team") == "infer" and m.get("run") == "7", "user keys team=infer, run=7")
check(m.get("world_size") == 2, "world_size 2")
check(m.get("host_count", 0) >= 1 and m.get("hosts"), "hosts and host_count")
check(os.uname().nodename in m.get("hosts", "").split(","), "this host is named in hosts")
check("MPI" in m.get("mpi_library", ""), f"mpi_library names an MPI ({m.get('mpi_library')})")
check("e2e_app" in m.get("command", ""), "command line")
check("WPROF_META=team=infer,run=7" in m.get("wprof_settings", ""), "non-default settings listed")
want_git = git_head(SRC)
if want_git:
    check(m.get("git_commit") == want_git, f"git_commit {m.get('git_commit')} == {want_git}")
else:
    print("note: source tree is not a git checkout; git_commit not checked")
check("gpu" not in m and "cuda_driver" not in m, "no GPU keys without a GPU")
rc, text, _ = run([WPROF, "report", out1])
check(rc == 0 and "Meta: team=infer, run=7" in text, "wprof report shows the meta line")

# 2. wprof run --meta (flags win over WPROF_META for the same key)
out2 = os.path.join(tmp, "train.h5")
rc, _, _, _ = run_mpi(2, [WPROF, "run", "--meta", "team=train", "--meta=run=8", "--output", out2, "--", MPI_APP],
                      env={"WPROF_META": "team=infer,x=1"})
check(rc == 0, "job 2 (wprof run) succeeded")
m2 = meta_of(out2)
print("meta:", m2)
check(m2.get("team") == "train" and m2.get("run") == "8" and m2.get("x") == "1",
      f"--meta overrides team, adds run, keeps x ({m2})")
rc, _, err = run([WPROF, "run", "--meta", "no equals", "--", MPI_APP])
check(rc == 2 and "--meta" in err, "a malformed --meta is a usage error")

# 3. compare --group-by a /meta key
rc, text, err = run([WPROF, "compare", out1, out2, "--group-by", "team"])
print(text + err)
check(rc == 0 and "team=infer" in text and "team=train" in text, "compare groups by the /meta key team")

# 4. a malformed WPROF_META: one warning, no user keys, the report still written
out3 = os.path.join(tmp, "bad.h5")
rc, _, err, _ = run_mpi(2, [APP, "--iters", "2", "--windows", "1"],
                        env={"WPROF_OUTPUT": out3, "WPROF_META": "team=a,,broken"})
check(rc == 0 and err.count("WPROF_META") >= 1, "malformed WPROF_META warns")
m3 = meta_of(out3)
check("team" not in m3 and m3.get("world_size") == 2, "no user keys from a malformed WPROF_META")

# 5. doctor: the report and its kept spills are clean; damaged spills are not
spills = out1 + ".d"


def clean(rc, text):
    """Nothing but info lines, and exit 0."""
    bad = [l for l in text.splitlines() if l and not l.startswith("info: ")]
    return rc == 0 and not bad


rc, text, _ = run([WPROF, "doctor", out1])
print(text)
check(clean(rc, text), "doctor: the report is clean")
rc, text, _ = run([WPROF, "doctor", spills])
print(text)
check(clean(rc, text) and "spill directory" in text, "doctor: the kept spills are clean")
damaged = os.path.join(tmp, "damaged.h5.d")
shutil.copytree(spills, damaged)
shutil.copy(out1, os.path.join(tmp, "damaged.h5"))
with open(os.path.join(damaged, "rank-1.wpb"), "r+b") as f:
    f.truncate(20)
future = time.time() + 3600
os.utime(os.path.join(damaged, "rank-0.wpb"), (future, future))
rc, text, _ = run([WPROF, "doctor", damaged])
print(text)
check(rc == 1, "doctor: damaged spills exit 1")
check(any(l.startswith("error: rank 1: its spill is unreadable or corrupt") for l in text.splitlines()),
      "doctor names the corrupt spill of rank 1")
check(any(l.startswith("warning: ") and "newer than the report" in l for l in text.splitlines()),
      "doctor: spills newer than the report")
os.remove(os.path.join(damaged, "rank-1.wpb"))
rc, text, _ = run([WPROF, "doctor", damaged, "--format", "json"])
print(text)
check(rc == 1 and "1 rank(s) left no spill: their data is lost: 1" in text,
      "doctor: rank 1 left no spill (JSON output)")
finish()
