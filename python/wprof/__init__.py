"""wprof from Python: the seed's WorkerProfiler and LiteScope over libwprof, and reports into pandas.

    import wprof
    profiler = wprof.WorkerProfiler(delay_iters=2, max_iters=3)   # or the WPROF_* variables
    profiler.start(); ...; profiler.step(); ...; profiler.stop()
    scope = wprof.LiteScope("decode")                             # make it once:
    with scope: ...                                               # ~50 ns a `with` (~120 ns built each time)
    with wprof.range("forward"): ...                              # CPU self/total per window, NVTX
    tables = wprof.read_report("wprof-report.h5")                 # {"ranges": DataFrame, ...}

WorkerProfiler(), init(), start() and finalize() start wprof's session when none is up: over
MPI_COMM_WORLD when MPI is up (import mpi4py.MPI first; they are collective then: every rank makes
them), a world of one otherwise. LiteScope and range never start one; the session started later
reports the lite scopes made before it. The report is written at wprof.finalize(), or at interpreter
exit, before mpi4py finalizes MPI; after finalize() only init() starts a new session. Calls return wprof's status codes (0 = OK, negative = one of the E* constants);
check(status) turns one into a wprof.Error.
"""
from ._wprof import (EBACKEND, ECORRUPT, EDISABLED, EINVAL, EIO, EMPI, ENOMEM, EPLUGIN, ESTATE,
                     ETIMEOUT, OK, LiteScope, ScopedCall, WorkerProfiler, finalize, init,
                     is_active, is_initialized, is_running, range, set_window_iters, start, step,
                     stop, strerror, wprof_version)

__version__ = "0.1.0"


class Error(RuntimeError):
    """A negative wprof status; `status` holds the code, the message is wprof_strerror's."""

    def __init__(self, status):
        super().__init__(f"wprof status {status}: {strerror(status)}")
        self.status = status


def check(status):
    """Returns status when it is OK (>= 0), raises wprof.Error otherwise."""
    if status < 0:
        raise Error(status)
    return status


def read_report(path):
    """A report as {table path without the leading '/': pandas.DataFrame}, plus "attrs" (the root
    attributes) and "meta" (/meta's attributes) as dicts. Needs numpy, pandas and h5py."""
    from ._report import read_report as _read
    return _read(path)
