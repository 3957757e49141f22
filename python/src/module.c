/* The module wprof._wprof: the session (started by the collective calls, finalized by
 * wprof.finalize() or at interpreter exit), the status codes, and WorkerProfiler, the seed's
 * profiler class over wprof's window state machine. */
#include "pywprof.h"

#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <wprof/wprof.h>

/* The session as this module sees it. Every field is read and written with the GIL held. */
static int session_held;        /* this module started or joined the live session */
static int atexit_registered;
static int finalized_by_user;   /* wprof.finalize() ran: only wprof.init() starts a session again */
static int scopes_waiting;      /* a LiteScope or range was made while no session was up */

/* One lock over the session's calls (init, finalize, start, an active step, stop, a range end that
 * steps). Each is made without the GIL, the lock taken after the GIL is released, so that a call
 * another thread has in flight (a step waiting in a sync point) ends before finalize tears the
 * session down, and no thread ever waits for the lock while holding the GIL. */
static pthread_mutex_t session_lock = PTHREAD_MUTEX_INITIALIZER;

static PyObject *finalize_at_exit(PyObject *module, PyObject *unused);
static PyMethodDef finalize_at_exit_def = {"_finalize_at_exit", finalize_at_exit, METH_NOARGS,
                                           "finalizes wprof at interpreter exit"};

/* Python's atexit handlers run before mpi4py's MPI_Finalize: mpi4py registers it with Py_AtExit,
 * which runs after them. The report is gathered while MPI is still up. */
static void register_atexit(void) {
  if (atexit_registered) return;
  PyObject *atexit = PyImport_ImportModule("atexit");
  PyObject *hook = atexit ? PyCFunction_New(&finalize_at_exit_def, NULL) : NULL;
  PyObject *r = hook ? PyObject_CallMethod(atexit, "register", "O", hook) : NULL;
  if (r) atexit_registered = 1;
  else PyErr_Clear(); /* no hook: the report waits for wprof.finalize() or a preloaded MPI_Finalize */
  Py_XDECREF(r);
  Py_XDECREF(hook);
  Py_XDECREF(atexit);
}

/* The call may wait on other ranks: without the GIL, so the program's other threads go on (scopes
 * and ranges work from any thread), and under session_lock. */
static int session_call(int (*fn)(void)) {
  int status;
  Py_BEGIN_ALLOW_THREADS
  pthread_mutex_lock(&session_lock);
  status = fn();
  pthread_mutex_unlock(&session_lock);
  Py_END_ALLOW_THREADS
  return status;
}

static void range_pop_call(void) {
  Py_BEGIN_ALLOW_THREADS
  pthread_mutex_lock(&session_lock);
  wprof_range_pop();
  pthread_mutex_unlock(&session_lock);
  Py_END_ALLOW_THREADS
}

void pywprof_range_pop(int may_step) {
  /* the end of the WPROF_STEP_RANGE range is a step, which may sync when a window is requested */
  if (may_step && wprof_is_active()) range_pop_call();
  else wprof_range_pop();
}

/* The idle step is one load in libwprof: no lock, no GIL release. */
static int step_call(void) { return wprof_is_active() ? session_call(wprof_step) : WPROF_OK; }

static void warn_after_finalize(const char *what) {
  static int warned;
  if (warned) return;
  warned = 1;
  fprintf(stderr, "wprof: %s after wprof.finalize() starts no session (and its data goes in no "
                  "report); wprof.init() starts a new one\n", what);
}

/* Starts wprof's session unless this module holds one: collective over MPI_COMM_WORLD when MPI is
 * up, so only the collective calls (init, WorkerProfiler, start, finalize) come here. */
static int start_session(void) {
  if (session_held && wprof_is_initialized()) return WPROF_OK;
  int status = session_call(wprof_init);
  session_held = wprof_is_initialized();
  if (session_held) {
    scopes_waiting = 0;
    register_atexit();
  }
  return status;
}

/* A collective call other than init: no new session after wprof.finalize(). */
static int start_session_unless_finalized(const char *what) {
  if (finalized_by_user && !wprof_is_initialized()) {
    warn_after_finalize(what);
    return WPROF_ESTATE;
  }
  return start_session();
}

/* Never starts a session: under MPI that would be a collective made by one rank's first scope (the
 * other ranks may never make one). Lite scopes time the whole run into process-wide tables, so the
 * session started later (init, WorkerProfiler, finalize, or the exit hook without MPI) reports them;
 * ranges record only in windows, which need a session anyway. */
void pywprof_scope_made(const char *what) {
  if (wprof_is_initialized()) return;
  if (finalized_by_user) {
    warn_after_finalize(what);
    return;
  }
  scopes_waiting = 1;
  register_atexit();
}

static int mpi_finalized(void) {
  int finalized = 0;
  PMPI_Finalized(&finalized);
  return finalized;
}

static int mpi_initialized(void) {
  int initialized = 0;
  PMPI_Initialized(&initialized);
  return initialized;
}

static PyObject *finalize_at_exit(PyObject *module, PyObject *unused) {
  (void)module;
  (void)unused;
  if (!wprof_is_initialized() && scopes_waiting && !finalized_by_user) {
    scopes_waiting = 0;
    if (mpi_initialized()) {
      /* a session now would be a collective that the ranks which never made a scope do not join */
      fprintf(stderr, "wprof: LiteScope or range used but no session was started: no report; "
                      "under MPI call wprof.init() (or make a WorkerProfiler, or call "
                      "wprof.finalize()) on every rank\n");
      Py_RETURN_NONE;
    }
    start_session(); /* no MPI: a world of one, this process alone */
  }
  if (!session_held || !wprof_is_initialized()) Py_RETURN_NONE;
  session_held = 0;
  if (mpi_finalized()) {
    /* wprof_finalize is collective over MPI: too late now */
    fprintf(stderr, "wprof: MPI was finalized before wprof, no report written; call "
                    "wprof.finalize() before MPI.Finalize()\n");
    Py_RETURN_NONE;
  }
  session_call(wprof_finalize);
  Py_RETURN_NONE;
}

/* ---- module functions ---- */

static PyObject *py_init(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  finalized_by_user = 0;
  return PyLong_FromLong(start_session());
}

/* Collective: every rank calls it, so it may start the session the ranks' scopes wait for (a rank
 * that made none takes part all the same). A second finalize, with no init between, is ESTATE. */
static PyObject *py_finalize(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  if (mpi_finalized()) return PyLong_FromLong(WPROF_ESTATE);
  if (!wprof_is_initialized()) {
    if (finalized_by_user) return PyLong_FromLong(WPROF_ESTATE);
    start_session();
  }
  int status = session_call(wprof_finalize);
  session_held = 0;
  scopes_waiting = 0;
  finalized_by_user = 1;
  return PyLong_FromLong(status);
}

static PyObject *py_strerror(PyObject *m, PyObject *arg) {
  (void)m;
  long status = PyLong_AsLong(arg);
  if (status == -1 && PyErr_Occurred()) return NULL;
  return PyUnicode_FromString(wprof_strerror((int)status));
}

static PyObject *py_is_initialized(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  return PyBool_FromLong(wprof_is_initialized());
}

static PyObject *py_is_active(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  return PyBool_FromLong(wprof_is_active());
}

static PyObject *py_is_running(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  return PyBool_FromLong(wprof_is_running());
}

/* The session's calls on their own, for programs that do not use WorkerProfiler. */
static PyObject *py_start(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  start_session_unless_finalized("wprof.start()");
  return PyLong_FromLong(session_call(wprof_start));
}

static PyObject *py_step(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  return PyLong_FromLong(step_call());
}

static PyObject *py_stop(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  return PyLong_FromLong(session_call(wprof_stop));
}

static long long iters_arg(PyObject *v, const char *what) {
  if (v == NULL || v == Py_None) return -1;
  long long n = PyLong_AsLongLong(v);
  if (n == -1 && PyErr_Occurred()) return -2;
  if (n < 0) {
    PyErr_Format(PyExc_ValueError, "%s must be None or an integer >= 0", what);
    return -2;
  }
  return n;
}

static PyObject *py_set_window_iters(PyObject *m, PyObject *args, PyObject *kwds) {
  (void)m;
  static char *kwlist[] = {"delay_iters", "max_iters", NULL};
  PyObject *d = Py_None, *x = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO", kwlist, &d, &x)) return NULL;
  long long delay = iters_arg(d, "delay_iters"), max = iters_arg(x, "max_iters");
  if (delay == -2 || max == -2) return NULL;
  return PyLong_FromLong(wprof_set_window_iters(delay, max));
}

/* ---- WorkerProfiler ---- */

typedef struct {
  PyObject_HEAD
  long long delay_iters; /* -1: WPROF_DELAY_ITERS */
  long long max_iters;   /* -1: WPROF_MAX_ITERS */
} WorkerProfilerObject;

/* Not set (None) is -1, also for a subclass whose __init__ never calls WorkerProfiler's. */
static PyObject *wp_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  (void)args;
  (void)kwds;
  WorkerProfilerObject *self = (WorkerProfilerObject *)type->tp_alloc(type, 0);
  if (self) self->delay_iters = self->max_iters = -1;
  return (PyObject *)self;
}

/* The profiler's pair, None (-1) meaning the environment's: each profiler applies its own, so one
 * made with explicit values does not leak them into one made without. */
static int wp_apply_iters(WorkerProfilerObject *self) {
  return wprof_set_window_iters(self->delay_iters, self->max_iters);
}

/* Collective under MPI, like wprof_init: starts the session unless one is up. */
static int wp_init(WorkerProfilerObject *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"delay_iters", "max_iters", NULL};
  PyObject *d = Py_None, *x = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO", kwlist, &d, &x)) return -1;
  long long delay = iters_arg(d, "delay_iters"), max = iters_arg(x, "max_iters");
  if (delay == -2 || max == -2) return -1;
  self->delay_iters = delay;
  self->max_iters = max;
  /* set before the session starts, so the first session (and one set up again) has them */
  if (wp_apply_iters(self) != WPROF_OK && (delay >= 0 || max >= 0))
    fprintf(stderr, "wprof: WorkerProfiler created while a window is requested (WPROF_START=init, "
                    "which `wprof run` sets unless WPROF_START is set?); its delay_iters and "
                    "max_iters apply from its next start\n");
  start_session_unless_finalized("WorkerProfiler()");
  return 0;
}

static PyObject *wp_start(WorkerProfilerObject *self, PyObject *unused) {
  (void)unused;
  start_session_unless_finalized("WorkerProfiler.start()");
  if (!wprof_is_active()) wp_apply_iters(self); /* a requested window keeps the values it has */
  session_call(wprof_start);
  Py_RETURN_NONE;
}

static PyObject *wp_step(WorkerProfilerObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  step_call();
  Py_RETURN_NONE;
}

static PyObject *wp_stop(WorkerProfilerObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  session_call(wprof_stop);
  Py_RETURN_NONE;
}

/* The seed's shutdown: the state machine's shutdown event, a stop only if a window is running. */
static PyObject *wp_shutdown(WorkerProfilerObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  if (wprof_is_running()) session_call(wprof_stop);
  Py_RETURN_NONE;
}

static PyObject *wp_annotate(WorkerProfilerObject *self, PyObject *name) {
  (void)self;
  return PyObject_CallOneArg((PyObject *)&pywprof_Range_Type, name);
}

static PyObject *wp_get_delay(WorkerProfilerObject *self, void *c) {
  (void)c;
  if (self->delay_iters < 0) Py_RETURN_NONE;
  return PyLong_FromLongLong(self->delay_iters);
}

static PyObject *wp_get_max(WorkerProfilerObject *self, void *c) {
  (void)c;
  if (self->max_iters < 0) Py_RETURN_NONE;
  return PyLong_FromLongLong(self->max_iters);
}

static PyMethodDef wp_methods[] = {
    {"start", (PyCFunction)wp_start, METH_NOARGS, "Requests a window (opens after delay_iters steps)."},
    {"step", (PyCFunction)wp_step, METH_NOARGS, "One iteration."},
    {"stop", (PyCFunction)wp_stop, METH_NOARGS, "Ends the request; closes a running window."},
    {"shutdown", (PyCFunction)wp_shutdown, METH_NOARGS, "Closes a running window, if any."},
    {"annotate_context_manager", (PyCFunction)wp_annotate, METH_O,
     "A wprof range (NVTX-visible) of that name, as a context manager."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef wp_getset[] = {
    {"delay_iters", (getter)wp_get_delay, NULL, "explicit delay, or None (WPROF_DELAY_ITERS)", NULL},
    {"max_iters", (getter)wp_get_max, NULL, "explicit length, or None (WPROF_MAX_ITERS)", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject WorkerProfiler_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "wprof.WorkerProfiler",
    .tp_basicsize = sizeof(WorkerProfilerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "WorkerProfiler(delay_iters=None, max_iters=None): the seed's profiler over wprof's "
              "window state machine, synchronized across ranks. Explicit arguments override "
              "WPROF_DELAY_ITERS / WPROF_MAX_ITERS (None: the environment's), applied at each "
              "start(). Collective under MPI: it starts wprof's session.",
    .tp_new = wp_new,
    .tp_init = (initproc)wp_init,
    .tp_methods = wp_methods,
    .tp_getset = wp_getset,
};

static PyMethodDef module_methods[] = {
    {"init", py_init, METH_NOARGS, "Starts wprof (collective under MPI); returns the status."},
    {"finalize", py_finalize, METH_NOARGS,
     "Collective: gathers every rank, rank 0 writes the report; returns the status."},
    {"start", py_start, METH_NOARGS, "wprof_start; returns the status."},
    {"step", py_step, METH_NOARGS, "wprof_step; returns the status."},
    {"stop", py_stop, METH_NOARGS, "wprof_stop; returns the status."},
    {"set_window_iters", (PyCFunction)(void (*)(void))py_set_window_iters, METH_VARARGS | METH_KEYWORDS,
     "Overrides WPROF_DELAY_ITERS / WPROF_MAX_ITERS (None: the environment's); returns the status."},
    {"is_initialized", py_is_initialized, METH_NOARGS, "True while a session is up."},
    {"is_active", py_is_active, METH_NOARGS, "True while a window is requested."},
    {"is_running", py_is_running, METH_NOARGS, "True while a window runs."},
    {"strerror", py_strerror, METH_O, "The text of a status code."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef wprof_module = {PyModuleDef_HEAD_INIT, .m_name = "wprof._wprof",
                                          .m_doc = "libwprof for Python", .m_size = -1,
                                          .m_methods = module_methods};

static int add_type(PyObject *m, PyTypeObject *type, const char *name) {
  if (PyType_Ready(type) < 0) return -1;
  Py_INCREF(type);
  if (PyModule_AddObject(m, name, (PyObject *)type) < 0) {
    Py_DECREF(type);
    return -1;
  }
  return 0;
}

PyMODINIT_FUNC PyInit__wprof(void) {
  PyObject *m = PyModule_Create(&wprof_module);
  if (!m) return NULL;
  static const struct {
    const char *name;
    int value;
  } codes[] = {{"OK", WPROF_OK},           {"EINVAL", WPROF_EINVAL},     {"ENOMEM", WPROF_ENOMEM},
               {"ESTATE", WPROF_ESTATE},   {"EMPI", WPROF_EMPI},         {"ETIMEOUT", WPROF_ETIMEOUT},
               {"EIO", WPROF_EIO},         {"EPLUGIN", WPROF_EPLUGIN},   {"EBACKEND", WPROF_EBACKEND},
               {"ECORRUPT", WPROF_ECORRUPT}, {"EDISABLED", WPROF_EDISABLED}};
  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
    if (PyModule_AddIntConstant(m, codes[i].name, codes[i].value) < 0) goto fail;
  if (PyModule_AddStringConstant(m, "wprof_version", WPROF_VERSION_STRING) < 0) goto fail;
  if (add_type(m, &WorkerProfiler_Type, "WorkerProfiler") < 0 ||
      add_type(m, &pywprof_LiteScope_Type, "LiteScope") < 0 ||
      add_type(m, &pywprof_Range_Type, "range") < 0 ||
      add_type(m, &pywprof_ScopedCall_Type, "ScopedCall") < 0)
    goto fail;
  return m;
fail:
  Py_DECREF(m);
  return NULL;
}
