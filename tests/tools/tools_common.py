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


def make_report(work, name, *args):
    """Writes WORK/NAME.h5 with make_report ARGS (replacing an older one); returns its path and the
    values make_report says it wrote (WORK/NAME.json)."""
    path, js = os.path.join(work, name + ".h5"), os.path.join(work, name + ".json")
    if os.path.exists(path):
        os.remove(path)
    subprocess.run([os.environ["WPROF_MAKE_REPORT"], path, "--json", js] + list(args), check=True)
    with open(js, encoding="utf-8") as f:
        return path, json.load(f)


def diff_json(checker, args):
    """`wprof diff ARGS --format json`: (status, parsed document, stderr); a document that does not
    parse is a failure of `checker` and reads as empty tables."""
    rc, out, err = run(["diff"] + list(args) + ["--format", "json"])
    try:
        return rc, json.loads(out), err
    except ValueError:
        checker.check(False, f"diff {args}: JSON output does not parse: {out[:200]!r} {err!r}")
        return rc, {"tables": {}, "regressions": []}, err


def diff_row(checker, doc, table, name):
    """The one row of `name` in a diff document's `table` ({} and a failure when not exactly one)."""
    rows = [r for r in doc["tables"].get(table, []) if r["name"] == name]
    checker.eq(len(rows), 1, f"{table}: one row for {name}")
    return rows[0] if rows else {}


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
