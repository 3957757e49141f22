"""The package's calls in one process without MPI (a world of one): status codes as return values,
check()/Error, the window override and when it is refused, None restoring the environment's value
(per profiler, at its start; a subclass that skips __init__), the decorators (functions and methods,
exceptions pass through and still end the scope), argument errors, finalize twice, and the report
that all of it wrote."""
import os
import sys

import wprof
from wptest import check, finish, scratch_dir

out = os.path.join(scratch_dir(), "api.h5")
os.environ["WPROF_OUTPUT"] = out  # read at the session's start, the first use below
os.environ["WPROF_DELAY_ITERS"] = "4"

check(not wprof.is_initialized(), "no session before the first use")
check(wprof.set_window_iters(1, 2) == wprof.OK, "set_window_iters before the session: OK")
check(wprof.init() == wprof.OK and wprof.is_initialized(), "init() starts a world-of-one session")
check(wprof.init() == wprof.OK, "init() again: OK (idempotent)")

wprof.start()
check(wprof.is_active() and not wprof.is_running(), "start with delay 1 (over WPROF_DELAY_ITERS=4): active, waiting")
check(wprof.set_window_iters(0, 0) == wprof.ESTATE, "set_window_iters while a window is requested: ESTATE")
wprof.step()
check(wprof.is_running(), "the 1st step opens the window (delay 1 from set_window_iters, not 4)")
for _ in range(2):
    wprof.step()
check(not wprof.is_running() and wprof.is_active(), "max 2: closed after 2 more steps, still active")
wprof.stop()

# WorkerProfiler: its arguments win at its own start; None is the environment's (WPROF_DELAY_ITERS=4),
# even after another profiler or set_window_iters gave an explicit value
p1 = wprof.WorkerProfiler(delay_iters=1)
p2 = wprof.WorkerProfiler(max_iters=1)
check(p1.delay_iters == 1 and p1.max_iters is None and p2.delay_iters is None and p2.max_iters == 1,
      "WorkerProfiler keeps its arguments")
p1.start()
p1.step()
check(wprof.is_running(), "p1 (delay 1), started after p2 was made: its own delay, the window opens at step 1")
p1.stop()
p2.start()
opened_at = None
for i in range(1, 7):
    p2.step()
    if opened_at is None and wprof.is_running():
        opened_at = i
check(opened_at == 4, f"p2 (delay None): WPROF_DELAY_ITERS=4 again, not p1's 1 (the window opened at step {opened_at})")
check(not wprof.is_running(), "p2's max_iters=1 closes it")
p2.shutdown()
check(wprof.is_active(), "shutdown with no window running changes nothing (the seed's)")
p2.stop()
check(not wprof.is_active(), "stop ends the request")
check(wprof.set_window_iters(None, 1) == wprof.OK, "set_window_iters(None, 1): OK")
wprof.start()
for _ in range(3):
    wprof.step()
check(not wprof.is_running(), "set_window_iters(None, ...): the environment's delay 4, not p2's or p1's")
wprof.step()
check(wprof.is_running(), "... so the window opens at step 4")
wprof.step()
wprof.stop()


class Quiet(wprof.WorkerProfiler):
    def __init__(self):  # never calls WorkerProfiler.__init__
        pass


q = Quiet()
check(q.delay_iters is None and q.max_iters is None,
      f"a subclass that skips WorkerProfiler.__init__: delay/max None, got {q.delay_iters}, {q.max_iters}")
q.start()
for _ in range(3):
    q.step()
check(wprof.is_active() and not wprof.is_running(), "... and its start uses WPROF_DELAY_ITERS=4, not delay 0")
q.step()
check(wprof.is_running(), "... the window opens at step 4")
q.step()
q.stop()

for bad in ({"delay_iters": -1}, {"max_iters": "3"}):
    try:
        wprof.WorkerProfiler(**bad)
        check(False, f"WorkerProfiler({bad}) raises")
    except (ValueError, TypeError):
        pass
try:
    wprof.LiteScope(3)
    check(False, "LiteScope(3) raises TypeError")
except TypeError:
    pass

check(wprof.check(wprof.OK) == 0, "check(OK) returns it")
try:
    wprof.check(wprof.EIO)
    check(False, "check(EIO) raises")
except wprof.Error as e:
    check(e.status == wprof.EIO and "could not be written" in str(e), f"wprof.Error carries the status and text: {e}")


@wprof.LiteScope("api_func")
def twice(x):
    """doubles"""
    return 2 * x


class Model:
    @wprof.range("api_method")
    def forward(self, x):
        return x + 1


check(twice(21) == 42 and twice.__name__ == "twice" and twice.__doc__ == "doubles" and twice.__wrapped__(1) == 2,
      "a decorated function returns its result and keeps its name, doc and __wrapped__")
check(Model().forward(1) == 2, "a decorated method gets its self")
scope = wprof.LiteScope("api_with")
for _ in range(5):
    with scope as s:
        check(s is scope, "`with` gives the scope itself")
try:
    with scope:
        raise KeyError("inside")
except KeyError:
    pass
else:
    check(False, "an exception leaves the `with` unchanged")


@wprof.LiteScope("api_raises")
def raises():
    raise ValueError("x")


try:
    raises()
except ValueError:
    pass
else:
    check(False, "a decorated function's exception passes through")

check(wprof.finalize() == wprof.OK and not wprof.is_initialized(), "finalize writes the report")
check(wprof.finalize() == wprof.ESTATE, "finalize twice: ESTATE, not an exception")

rep = wprof.read_report(out)
lite = dict(zip(rep["lite"]["name"], rep["lite"]["calls"]))
check(lite == {"api_func": 1, "api_with": 6, "api_raises": 1}, f"lite calls (__wrapped__ is the bare function), got {lite}")
steps = list(rep["windows"]["steps"])
check(steps == [2, 0, 1, 1, 1], f"windows of 2 steps (max 2), 0 (p1: stopped at its opening step), 1 (max 1), "
      f"1 (max 1), 1 (q: stopped after one step), got {steps}")
check(rep.attrs["delay_iters"] == 4 and rep.attrs["max_iters"] == 0,
      f"the report shows the values in force, q's: the environment's (4, 0), got {rep.attrs['delay_iters']}, "
      f"{rep.attrs['max_iters']}")
finish()
