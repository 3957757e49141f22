"""Helpers of the tools tests: run the wprof command, load the expected values of make_report."""
import json
import os
import subprocess
import sys

WPROF = os.environ.get("WPROF_BIN", "wprof")


def run(args, env=None, timeout=60):
    """Runs `wprof args...`; returns (status, stdout, stderr) as text."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([WPROF] + list(args), capture_output=True, env=e, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def expected(data_dir, name="report"):
    with open(os.path.join(data_dir, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


class Checker:
    """Collects failures so one run reports all of them."""

    def __init__(self):
        self.failures = []

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL:", what)
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, f"{what}: got {got!r}, want {want!r}")

    def done(self):
        if self.failures:
            print(f"{len(self.failures)} failure(s)")
            sys.exit(1)
        print("ok")
        sys.exit(0)
