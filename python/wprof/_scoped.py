"""A LiteScope or range decorating a coroutine function, a generator function or an async generator
function. Calling one only creates the coroutine or generator; its body runs when it is awaited or
iterated. So the scope is held across that instead: from the first resume to the end, suspensions
included (a 50 ms asyncio.sleep inside counts 50 ms, as the wall time of the call).

The scope is entered and left on the thread that resumes the coroutine or generator. Tasks that
overlap on one thread share that thread's scope state: two overlapping awaits of one LiteScope count
as one call spanning both, and overlapping ranges pop in stack order rather than per task. Plain
functions get the C wrapper (wprof.ScopedCall); this module is used at decoration time only."""
import functools
import inspect


def wrap_deferred(scope, func):
    """The wrapper for a coroutine, generator or async generator function, or None for others."""
    if inspect.iscoroutinefunction(func):
        async def timed(*args, **kwargs):
            with scope:
                return await func(*args, **kwargs)
    elif inspect.isasyncgenfunction(func):
        async def timed(*args, **kwargs):
            agen = func(*args, **kwargs)
            with scope:
                try:
                    item = await agen.__anext__()
                    while True:  # forwards asend/athrow/aclose, as `yield from` does for generators
                        try:
                            sent = yield item
                        except GeneratorExit:
                            await agen.aclose()
                            raise
                        except BaseException as exc:
                            item = await agen.athrow(exc)
                        else:
                            item = await agen.asend(sent)
                except StopAsyncIteration:
                    return
    elif inspect.isgeneratorfunction(func):
        def timed(*args, **kwargs):
            with scope:
                return (yield from func(*args, **kwargs))
    else:
        return None
    return functools.wraps(func)(timed)
