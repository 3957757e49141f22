"""A wprof sync point on one Python thread while another runs (2 ranks, delay 0: start() opens the
window at once, after a sync point). Rank 1 comes to it 1 s late, so rank 0's start() waits there on
thread T; rank 0's main thread meanwhile counts loop turns (it runs only if T let go of the GIL),
then calls wprof.finalize() while T is still waiting: finalize must wait for T's start to end rather
than tear the session down beneath it. Prints `progress N alive A` on rank 0."""
import threading
import time

from mpi4py import MPI

import wprof

rank = MPI.COMM_WORLD.rank
profiler = wprof.WorkerProfiler(delay_iters=0, max_iters=0)
MPI.COMM_WORLD.Barrier()

if rank == 0:
    t = threading.Thread(target=profiler.start)
    t.start()
    time.sleep(0.1)  # T is in the sync point by now (rank 1 arrives at 1 s)
    turns, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 0.3:
        turns += 1
    print(f"progress {turns} alive {int(t.is_alive())}", flush=True)
    status = wprof.finalize()
    t.join()
else:
    time.sleep(1.0)
    profiler.start()
    status = wprof.finalize()
assert status == wprof.OK, wprof.strerror(status)
print(f"rank {rank} done", flush=True)
