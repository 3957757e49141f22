"""Who starts wprof's session. argv[1]:
- "finalize": under MPI, only rank 0 makes a LiteScope and a range (which start no session: that would
  be a collective the other rank never joins); every rank then calls wprof.finalize(), which starts
  the session and writes the report with rank 0's scope.
- "exit": the same without wprof.finalize(): the exit hook cannot start a collective on one rank's
  say-so, so it warns and writes no report; nothing hangs.
- "after_finalize": no MPI; a report by wprof.finalize(), then a scope and a range: they start no
  second session (a warning once), so no second report at exit."""
import sys

mode = sys.argv[1]
if mode != "after_finalize":
    from mpi4py import MPI
    rank = MPI.COMM_WORLD.rank
else:
    rank = 0

import wprof

if rank == 0:
    scope = wprof.LiteScope("rank0_only")
    for _ in range(3):
        with scope, wprof.range("rank0_range"):
            pass
    assert not wprof.is_initialized(), "a scope started a session"

if mode == "finalize":
    status = wprof.finalize()
    assert status == wprof.OK, wprof.strerror(status)
elif mode == "after_finalize":
    status = wprof.finalize()
    assert status == wprof.OK, wprof.strerror(status)
    with wprof.LiteScope("after"), wprof.range("after_range"):
        pass
    with wprof.LiteScope("after_again"):
        pass
    assert not wprof.is_initialized(), "a scope after finalize started a session"
    assert wprof.finalize() == wprof.ESTATE, "finalize twice: ESTATE"
print(f"rank {rank} done", flush=True)
