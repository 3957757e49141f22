"""An mpi4py worker profiled the seed's way: WorkerProfiler(delay 2, max 3), ranges (annotate,
wprof.range as a decorator) and LiteScopes (with, decorator), two windows, the report written at
interpreter exit or by wprof.finalize() (argv[2] == "finalize"). Every count is fixed by the loop, so
the checker knows each value exactly."""
import sys

from mpi4py import MPI
import numpy as np

import wprof

ITERS_FIRST, ITERS_SECOND = 10, 6
comm = MPI.COMM_WORLD

lite_iter = wprof.LiteScope("py_iteration")


@wprof.LiteScope("py_compute")
def compute(n):
    return sum(range(n))


class Model:
    @wprof.range("py_forward")
    def forward(self, x):
        with wprof.LiteScope("py_inner"):
            return compute(200 + 50 * comm.rank) + x


def run(profiler, iters, model):
    profiler.start()
    for i in range(iters):
        with lite_iter, profiler.annotate_context_manager("py_step"):
            model.forward(i)
            model.forward(i)
            buf = np.array([i], dtype=np.int64)
            comm.Allreduce(MPI.IN_PLACE, buf)
        profiler.step()
    profiler.stop()


def main():
    profiler = wprof.WorkerProfiler(delay_iters=int(sys.argv[1]), max_iters=3)
    model = Model()
    run(profiler, ITERS_FIRST, model)
    run(profiler, ITERS_SECOND, model)
    profiler.shutdown()  # nothing runs: a no-op, as in the seed
    assert not wprof.is_running()
    # an exception leaving a scope ends it and propagates
    try:
        with wprof.LiteScope("py_raises"):
            raise KeyError("x")
    except KeyError:
        pass
    if sys.argv[2] == "finalize":
        status = wprof.finalize()
        assert status == wprof.OK, wprof.strerror(status)
    comm.Barrier()


main()
