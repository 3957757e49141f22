"""LiteScope and range as decorators beyond plain functions, in one process without MPI: an async
function is timed until its result (a 50 ms asyncio.sleep inside measures >= 45 ms) and stays a
coroutine function; a generator function is timed across its iteration, an async generator likewise;
a decorated function pickles by reference and has a __dict__. The report is read back."""
import asyncio
import copy
import inspect
import os
import pickle
import time

import wprof
from wptest import check, finish, scratch_dir

import decorated_module

out = os.path.join(scratch_dir(), "decorators.h5")
os.environ["WPROF_OUTPUT"] = out
check(wprof.init() == wprof.OK, "init")


@wprof.LiteScope("async_sleep")
async def sleeper(seconds):
    await asyncio.sleep(seconds)
    return "slept"


@wprof.range("async_range")
async def ranged():
    await asyncio.sleep(0.001)
    return 1


check(inspect.iscoroutinefunction(sleeper) and inspect.iscoroutinefunction(ranged),
      "a decorated async function is still a coroutine function")
check(sleeper.__name__ == "sleeper" and sleeper.__wrapped__ is not None, "it keeps its name and __wrapped__")
t0 = time.perf_counter()
check(asyncio.run(sleeper(0.05)) == "slept", "the coroutine's result comes through")
wall = time.perf_counter() - t0
check(asyncio.run(ranged()) == 1, "a range on an async function")


@wprof.LiteScope("gen_scope")
def counting(n):
    for i in range(n):
        time.sleep(0.01)
        yield i
    return "end"


check(inspect.isgeneratorfunction(counting), "a decorated generator function is still one")
check(list(counting(3)) == [0, 1, 2], "the generator's items come through")
g = counting(1)
next(g)
try:
    next(g)
except StopIteration as stop:
    check(stop.value == "end", "and its return value")


@wprof.LiteScope("agen_scope")
async def acounting(n):
    for i in range(n):
        await asyncio.sleep(0.01)
        yield i


async def consume():
    return [i async for i in acounting(3)]


check(inspect.isasyncgenfunction(acounting), "a decorated async generator function is still one")
check(asyncio.run(consume()) == [0, 1, 2], "the async generator's items come through")

# pickling by reference, like a function; attributes in __dict__
for fn in (decorated_module.scaled, decorated_module.Holder.method):
    back = pickle.loads(pickle.dumps(fn))
    check(back is fn, f"{fn.__qualname__} pickles by reference and comes back as itself")
check(copy.deepcopy(decorated_module.scaled) is decorated_module.scaled, "deepcopy returns it, like a function")
check(pickle.loads(pickle.dumps(sleeper)) is sleeper, "a decorated async function pickles too")
check(decorated_module.scaled(2) == 6 and decorated_module.Holder().method(2) == 1, "they still run")
d = decorated_module.scaled.__dict__
check(isinstance(d, dict) and d.get("__name__") == "scaled", "a decorated function has a __dict__")
decorated_module.scaled.tag = "t"
check(decorated_module.scaled.__dict__["tag"] == "t", "attributes set on it land in __dict__")

check(wprof.finalize() == wprof.OK, "finalize writes the report")
rep = wprof.read_report(out)
lite = {n: (c, t) for n, c, t in zip(rep["lite"]["name"], rep["lite"]["calls"], rep["lite"]["total_ns"])}
calls, total = lite.get("async_sleep", (0, 0))
check(calls == 1 and total >= 45e6, f"async_sleep: one call of >= 45 ms (the sleep inside), got {calls}, {total / 1e6:.1f} ms")
check(total <= wall * 1e9, f"... and no longer than the whole asyncio.run ({wall * 1e3:.1f} ms)")
calls, total = lite.get("gen_scope", (0, 0))
check(calls == 2 and total >= 2 * 0.9 * 20e6,
      f"gen_scope: 2 generators timed across their iteration (>= 4 x 10 ms of sleeps), got {calls}, {total / 1e6:.1f} ms")
calls, total = lite.get("agen_scope", (0, 0))
check(calls == 1 and total >= 0.9 * 30e6, f"agen_scope: one async generator, >= 3 x 10 ms, got {calls}, {total / 1e6:.1f} ms")
check(lite.get("pickled_scope", (0, 0))[0] == 1, "the pickled function's scope: one call")
finish()
