"""An mpi4py program that knows nothing of wprof: 8 Allreduce and 3 Bcast calls, then a Barrier."""
import sys

from mpi4py import MPI
import numpy as np

comm = MPI.COMM_WORLD
total = np.zeros(1, dtype=np.int64)
for i in range(8):
    buf = np.array([comm.rank + i], dtype=np.int64)
    comm.Allreduce(MPI.IN_PLACE, buf)
    total += buf
for _ in range(3):
    comm.Bcast(total, root=0)
comm.Barrier()
assert "wprof" not in sys.modules
print(f"rank {comm.rank}: total {int(total[0])}", flush=True)
