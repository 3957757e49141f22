"""A wprof sync point on one Python thread while another runs (2 ranks, rank 1 comes to it 1 s late).
argv[1]:
- "start": delay 0, so start() opens the window at once, after a sync point. Rank 0's start() waits
  there on the main thread (the one that set wprof up: window calls come from it only); thread T
  meanwhile counts loop turns (it runs only if the waiting call let go of the GIL).
- "step_range": WPROF_STEP_RANGE=py_iter and delay 1, so the end of the range py_iter is the step
  that opens the window, after a sync point; rank 0's main thread waits there while thread T counts.
Prints `progress N waiting W` on rank 0: N loop turns in 0.3 s, W = 1 when the waiting thread was
still waiting at the end of them."""
import sys
import threading
import time

from mpi4py import MPI

import wprof

mode = sys.argv[1]
rank = MPI.COMM_WORLD.rank
profiler = wprof.WorkerProfiler(delay_iters=0 if mode == "start" else 1, max_iters=0)
MPI.COMM_WORLD.Barrier()


def count_turns():
    time.sleep(0.1)  # the other thread is in the sync point by now (rank 1 arrives at 1 s)
    turns, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 0.3:
        turns += 1
    return turns


if rank == 1:
    time.sleep(1.0)
if mode == "start":
    if rank == 0:
        result = {}
        started = threading.Event()

        def counter():
            result["turns"] = count_turns()
            result["waiting"] = not started.is_set()

        t = threading.Thread(target=counter)
        t.start()
        profiler.start()  # waits for rank 1, without the GIL
        started.set()
        t.join()
        print(f"progress {result['turns']} waiting {int(result['waiting'])}", flush=True)
        status = wprof.finalize()
    else:
        profiler.start()
        status = wprof.finalize()
else:
    profiler.start()  # delay 1: no window yet, no sync point
    if rank == 0:
        result = {}
        done = threading.Event()

        def counter():
            result["turns"] = count_turns()
            result["waiting"] = not done.is_set()

        t = threading.Thread(target=counter)
        t.start()
        with wprof.range("py_iter"):
            pass
        done.set()
        t.join()
        print(f"progress {result['turns']} waiting {int(result['waiting'])}", flush=True)
    else:
        with wprof.range("py_iter"):
            pass
    assert wprof.is_running(), "the end of py_iter opened the window"
    status = wprof.finalize()
assert status == wprof.OK, wprof.strerror(status)
print(f"rank {rank} done", flush=True)
