#!/usr/bin/env python3
"""Fixture of the tools suite: writes the synthetic reports (and their expected values as JSON)
that the other tools tests read, with make_report (the io API and the HDF5 writer)."""
import os
import subprocess
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
exe = os.environ["WPROF_MAKE_REPORT"]
for name, extra in (("report", []), ("bulk", ["--bulk", "70000"]), ("degraded", ["--degraded"])):
    h5 = os.path.join(out, name + ".h5")
    if os.path.exists(h5):
        os.remove(h5)
    subprocess.run([exe, h5, "--read-back", "--json", os.path.join(out, name + ".json")] + extra, check=True)
    leftovers = [f for f in os.listdir(out) if ".tmp." in f]
    assert not leftovers, f"temporary files left behind: {leftovers}"
print("reports written to", out)
