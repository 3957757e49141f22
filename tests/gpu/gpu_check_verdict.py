"""gpu_check_verdict: `./run.sh gpu-check`'s exit status on a machine where gpu_check_app finds no usable
device. Without a listed GPU it skips (77); when nvidia-smi lists one (a stand-in nvidia-smi on PATH)
but the program finds no usable device (here: none at all, as with a driver older than the toolkit),
it fails (1) and names the program's reason. Skipped where a device is usable (the real check runs)."""
import os
import stat
import subprocess
import sys

from wptest import check, finish, scratch_dir, BUILD, BIN

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpu_check.py")
app = subprocess.run([os.path.join(BIN, "gpu_check_app"), "cupti"], capture_output=True, text=True, timeout=120)
if app.returncode != 77:
    print("gpu_check_verdict: gpu_check_app found a usable device here: ./run.sh gpu-check is the real check")
    sys.exit(77)
reason = app.stdout.strip().splitlines()[-1]

# PATH without any nvidia-smi: no GPU at all, nothing checked
bare = scratch_dir()
env = dict(os.environ, PATH=bare)
p = subprocess.run([sys.executable, SCRIPT, BUILD, "0"], capture_output=True, text=True, env=env, timeout=300)
check(p.returncode == 77, f"no GPU listed: exit 77 (got {p.returncode}: {p.stdout[-300:]})")

# a stand-in nvidia-smi that lists one GPU
smi = os.path.join(bare, "nvidia-smi")
with open(smi, "w") as f:
    f.write('#!/bin/sh\necho "GPU 0: NVIDIA stand-in (UUID: GPU-00000000)"\n')
os.chmod(smi, os.stat(smi).st_mode | stat.S_IXUSR)
p = subprocess.run([sys.executable, SCRIPT, BUILD, "0"], capture_output=True, text=True, env=env, timeout=300)
check(p.returncode == 1, f"a listed GPU the program cannot use: exit 1 (got {p.returncode})")
check(any("FAIL" in line and reason in line for line in p.stdout.splitlines()),
      f"a FAIL line gives the program's reason ({reason!r}) (got {p.stdout[-600:]})")
finish()
