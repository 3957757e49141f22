"""Report files are created safely (one rank, the real library): never through a symlink,
never over an unrelated file unless WPROF_OVERWRITE=1, and an old wprof report is replaced.
usage: e2e_files.py"""
import os

import h5py
import numpy as np
from wptest import BIN, attr, check, finish, run_mpi, scratch_dir

APP = os.path.join(BIN, "e2e_app")
tmp = scratch_dir()
out = os.path.join(tmp, "report.h5")


def profile(extra_env=None):
    env = {"WPROF_OUTPUT": out}
    env.update(extra_env or {})
    rc, _, err, _ = run_mpi(1, [APP, "--iters", "2", "--windows", "1"], env=env)
    return rc, err


def is_report(path):
    try:
        with h5py.File(path, "r") as f:
            return attr(f, "schema_version") == 1
    except OSError:
        return False


def refused(what, needle):
    rc, err = profile()
    check(rc != 0, f"{what}: wprof_finalize reports the failure")
    lines = [l for l in err.splitlines() if "no report written" in l]
    check(len(lines) == 1 and needle in lines[0], f"{what}: one clear warning with {needle!r} ({lines})")


def no_leftovers():
    left = [n for n in os.listdir(tmp) if ".tmp." in n]
    check(not left, f"no temporary files left ({left})")


# nothing there yet, then an old report: both fine
check(profile()[0] == 0 and is_report(out), "a new report is written")
check(profile()[0] == 0 and is_report(out), "an old wprof report is replaced")
os.remove(out)

# another program's files are not clobbered
open(out, "w").write("my thesis")
refused("a text file at the report path", "is not a wprof report (not an HDF5 file)")
check(open(out).read() == "my thesis", "the text file is unchanged")
with h5py.File(out, "w") as f:
    f["data"] = np.arange(3)
refused("another program's HDF5 file", "without wprof's schema_version attribute")
with h5py.File(out, "r") as f:
    check("data" in f and "windows" not in f, "the HDF5 file is unchanged")
check(profile({"WPROF_OVERWRITE": "1"})[0] == 0 and is_report(out), "WPROF_OVERWRITE=1 replaces it")
os.remove(out)

# another program's HDF5 file whose root attributes are in dense storage (a fractal heap) and whose
# raw data holds the bytes of wprof's attribute name: not taken for a report
with h5py.File(out, "w", libver="latest") as f:
    for i in range(40):
        f.attrs[f"attr{i:02d}"] = i
    f["data"] = np.frombuffer(b"\x03\x00\x0f\x00\x08\x00\x08\x00\x00schema_version\x00" * 64, np.uint8)
refused("an HDF5 file with dense root attributes and the name in its data", "without wprof's schema_version")
with h5py.File(out, "r") as f:
    check("data" in f and "windows" not in f, "the dense-attribute HDF5 file is unchanged")
os.remove(out)

# an old-style report written by libhdf5 with dense root attributes (its root attributes copied,
# 40 more added) is still recognised and replaced
check(profile()[0] == 0, "a report to copy")
with h5py.File(out, "r") as f:
    attrs = dict(f.attrs)
os.remove(out)
with h5py.File(out, "w", libver="latest") as f:
    for i in range(40):
        f.attrs[f"extra{i:02d}"] = i
    for k, v in attrs.items():
        f.attrs[k] = v
    f["data"] = np.arange(3)
check(profile()[0] == 0 and is_report(out), "a report with dense root attributes is replaced")
with h5py.File(out, "r") as f:
    check("data" not in f and "extra00" not in f.attrs, "... by the new report")
# fewer dense attributes: the fractal heap's root block is a direct block (above, an indirect one)
os.remove(out)
with h5py.File(out, "w", libver="latest") as f:
    for i in range(9):
        f.attrs[f"extra{i:02d}"] = i
    f.attrs["schema_version"] = attrs["schema_version"]
check(profile()[0] == 0 and is_report(out), "a report with a few dense root attributes is replaced")

# a report damaged by one byte: the root object header's flags (0x33) say times, phase-change
# values and an 8-byte size of chunk 0 are stored, a 34-byte prefix the check must read in bounds
with open(out, "rb") as f:
    data = bytearray(f.read())
root = int.from_bytes(data[36:44], "little")
check(data[root:root + 4] == b"OHDR", "the root object header where the superblock says")
data[root + 5] = 0x33
with open(out, "wb") as f:
    f.write(data)
refused("a report with a damaged root header", "without wprof's schema_version attribute")
with open(out, "rb") as f:
    check(f.read() == bytes(data), "the damaged file is unchanged")
os.remove(out)

# symlinks at the report path are never written through
target = os.path.join(tmp, "target.txt")
open(target, "w").write("keep me")
os.symlink(target, out)
refused("a symlink to a file", "is a symbolic link")
check(open(target).read() == "keep me" and os.path.islink(out), "the link and its target are unchanged")
check(profile({"WPROF_OVERWRITE": "1"})[0] == 0, "WPROF_OVERWRITE=1 ...")
check(not os.path.islink(out) and is_report(out), "... replaces the link itself with the report")
check(open(target).read() == "keep me", "and the link's target is untouched")
os.remove(out)
os.symlink(os.path.join(tmp, "nowhere.h5"), out)
refused("a dangling symlink", "is a symbolic link")
check(not os.path.exists(os.path.join(tmp, "nowhere.h5")), "nothing created at the dangling link's target")
os.remove(out)

# a directory or a FIFO at the report path
os.mkdir(out)
refused("a directory", "is a directory")
os.rmdir(out)
os.mkfifo(out)
refused("a FIFO (never opened: that would block)", "not a regular file")
os.remove(out)
no_leftovers()
finish()
