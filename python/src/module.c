/* The module wprof._wprof: the session (started on first use, finalized at interpreter exit), the
 * status codes, and WorkerProfiler, the seed's profiler class over wprof's window state machine. */
#include "pywprof.h"

#include <mpi.h>
#include <stdio.h>
#include <wprof/wprof.h>

/* 1 while this process holds a session this module started or joined, and the atexit hook is set. */
static int session_held;
static int atexit_registered;

static PyObject *finalize_at_exit(PyObject *module, PyObject *unused);
static PyMethodDef finalize_at_exit_def = {"_finalize_at_exit", finalize_at_exit, METH_NOARGS,
                                           "finalizes wprof at interpreter exit"};

/* Python's atexit handlers run before mpi4py's MPI_Finalize: mpi4py 3 registers it with Py_AtExit,
 * which runs after them; and this hook is registered when the session starts, after MPI is up, so
 * after any atexit handler mpi4py registered at import, and handlers run last-registered first. The
 * report is gathered while MPI is still up. */
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

/* start, stop and an active step may wait in a sync point on other ranks: they run without the GIL,
 * so the program's other threads go on meanwhile (scopes and ranges may run on other threads, as in
 * C); the idle step stays a plain call. Init and finalize keep the GIL: no other thread may start a
 * second set-up or feed a session being torn down. */
static int call_unlocked(int (*fn)(void)) {
  int status;
  Py_BEGIN_ALLOW_THREADS
  status = fn();
  Py_END_ALLOW_THREADS
  return status;
}

static int step_call(void) { return wprof_is_active() ? call_unlocked(wprof_step) : wprof_step(); }

int pywprof_ensure_session(void) {
  if (session_held && wprof_is_initialized()) return WPROF_OK;
  int status = wprof_init();
  session_held = wprof_is_initialized();
  if (session_held) register_atexit();
  return status;
}

static int mpi_finalized(void) {
  int finalized = 0;
  PMPI_Finalized(&finalized);
  return finalized;
}

static PyObject *finalize_at_exit(PyObject *module, PyObject *unused) {
  (void)module;
  (void)unused;
  if (!session_held || !wprof_is_initialized()) Py_RETURN_NONE;
  session_held = 0;
  if (mpi_finalized()) {
    /* wprof_finalize is collective over MPI: too late now */
    fprintf(stderr, "wprof: MPI was finalized before wprof, no report written; call "
                    "wprof.finalize() before MPI.Finalize()\n");
    Py_RETURN_NONE;
  }
  wprof_finalize();
  Py_RETURN_NONE;
}

/* ---- module functions ---- */

static PyObject *py_init(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  return PyLong_FromLong(pywprof_ensure_session());
}

static PyObject *py_finalize(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  if (mpi_finalized() && wprof_is_initialized()) return PyLong_FromLong(WPROF_ESTATE);
  int status = wprof_finalize();
  session_held = 0;
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
  pywprof_ensure_session();
  return PyLong_FromLong(call_unlocked(wprof_start));
}

static PyObject *py_step(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  return PyLong_FromLong(step_call());
}

static PyObject *py_stop(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  return PyLong_FromLong(call_unlocked(wprof_stop));
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

static int wp_init(WorkerProfilerObject *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"delay_iters", "max_iters", NULL};
  PyObject *d = Py_None, *x = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO", kwlist, &d, &x)) return -1;
  self->delay_iters = iters_arg(d, "delay_iters");
  self->max_iters = iters_arg(x, "max_iters");
  if (self->delay_iters == -2 || self->max_iters == -2) return -1;
  /* set before the session starts, so the first session (and one set up again) has them */
  if ((self->delay_iters >= 0 || self->max_iters >= 0) &&
      wprof_set_window_iters(self->delay_iters, self->max_iters) != WPROF_OK)
    fprintf(stderr, "wprof: WorkerProfiler created while a window is requested (WPROF_START=init, "
                    "which `wprof run` sets unless WPROF_START is set?); its delay_iters and "
                    "max_iters apply from its next start\n");
  pywprof_ensure_session();
  return 0;
}

/* A profiler made while a window was requested still gets its values at its own start. */
static void wp_apply_iters(WorkerProfilerObject *self) {
  if ((self->delay_iters >= 0 || self->max_iters >= 0) && !wprof_is_active())
    wprof_set_window_iters(self->delay_iters, self->max_iters);
}

static PyObject *wp_start(WorkerProfilerObject *self, PyObject *unused) {
  (void)unused;
  pywprof_ensure_session();
  wp_apply_iters(self);
  call_unlocked(wprof_start);
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
  call_unlocked(wprof_stop);
  Py_RETURN_NONE;
}

/* The seed's shutdown: the state machine's shutdown event, a stop only if a window is running. */
static PyObject *wp_shutdown(WorkerProfilerObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  if (wprof_is_running()) call_unlocked(wprof_stop);
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
              "WPROF_DELAY_ITERS / WPROF_MAX_ITERS for the process.",
    .tp_new = PyType_GenericNew,
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
     "Overrides WPROF_DELAY_ITERS / WPROF_MAX_ITERS (None keeps one); returns the status."},
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
