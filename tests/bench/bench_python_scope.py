"""Benchmark: the cost of one `with` of wprof.LiteScope and wprof.range against the seed's LiteScope
(perf_counter_ns, an f-string and a write to a line-buffered log per scope), measured side by side in
this run, interleaved so machine load hits both alike. Target <= 0.2x the seed's (goal 0.1x).
Also shown, not targets: an empty Python class with __enter__/__exit__, and a LiteScope built at
each `with` (a name lookup per use). Prints BENCH lines for ./run.sh bench.
usage: bench_python_scope.py [--smoke]   (PYTHONPATH must hold the built package)"""
import os
import shutil
import statistics
import sys
import tempfile
import time

import wprof

SMOKE = "--smoke" in sys.argv
N = 20000 if SMOKE else 200000
REPS = 3 if SMOKE else 9
TARGET, GOAL = 0.2, 0.1


class SeedLiteScope:
    """The seed's LiteScope: one `name|ns` line per scope into a line-buffered log."""

    def __init__(self, name, log):
        self.name = name
        self.log = log

    def __enter__(self):
        self.t0 = time.perf_counter_ns()
        return self

    def __exit__(self, *exc):
        self.log.write(f"{self.name}|{time.perf_counter_ns() - self.t0}\n")
        return False


class EmptyScope:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def timed(body):
    t0 = time.perf_counter_ns()
    body()
    return time.perf_counter_ns() - t0


def loop_of(scope):
    def body():
        for _ in range(N):
            with scope:
                pass
    return body


def fresh_lite():
    for _ in range(N):
        with wprof.LiteScope("bench_fresh"):
            pass


def empty_loop():
    for _ in range(N):
        pass


def main():
    log_dir = tempfile.mkdtemp(prefix="wprof-bench-py-")
    os.environ["WPROF_OUTPUT"] = os.path.join(log_dir, "bench.h5")  # read at wprof's first use
    log = open(os.path.join(log_dir, "lite.log"), "w", buffering=1)
    cases = {
        "seed LiteScope": loop_of(SeedLiteScope("decode", log)),
        "empty Python class": loop_of(EmptyScope()),
        "wprof.LiteScope": loop_of(wprof.LiteScope("decode")),
        "wprof.range": loop_of(wprof.range("decode")),
        "wprof.LiteScope built per with": fresh_lite,
        "loop": empty_loop,
    }
    samples = {k: [] for k in cases}
    for _ in range(REPS):
        for name, body in cases.items():
            samples[name].append(timed(body) / N)
    log.close()
    loop = statistics.median(samples["loop"])
    per = {k: max(statistics.median(v) - loop, 0.0) for k, v in samples.items() if k != "loop"}
    seed = per["seed LiteScope"]
    print(f"per `with`, median of {REPS} x {N}, the empty loop's {loop:.1f} ns taken off:")
    for k, v in per.items():
        print(f"  {k:32s} {v:8.1f} ns   {v / seed:5.3f}x the seed's")
    for k in ("wprof.LiteScope", "wprof.range"):
        ratio = per[k] / seed
        ok = ratio <= TARGET
        print(f"BENCH Python `with {k}` vs the seed's LiteScope|{per[k]:.1f} ns|{seed:.1f} ns|{ratio:.3f}x|"
              f"<= {TARGET}x (goal {GOAL}x)|{'PASS' if ok else 'FAIL'}")
    print(f"BENCH Python `with` of an empty class (reference)|{per['empty Python class']:.1f} ns|{seed:.1f} ns|"
          f"{per['empty Python class'] / seed:.3f}x|-|-")
    wprof.finalize()
    shutil.rmtree(log_dir)


main()
