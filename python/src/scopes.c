/* LiteScope and range as C types: `with` on them costs one method call each way into libwprof, no
 * Python frame. A LiteScope or range used as a decorator wraps the function in a ScopedCall. */
#include "pywprof.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <wprof/wprof.h>

/* ---- LiteScope(name): a lite scope registered once, timed by begin/end ---- */

typedef struct {
  PyObject_HEAD
  int id;          /* wprof_scope_id; negative when registration failed (begin/end then ignore it) */
  PyObject *name;  /* str */
} LiteScopeObject;

/* ---- range(name): a wprof range (NVTX-visible), pushed and popped on this thread's stack ---- */

typedef struct {
  PyObject_HEAD
  PyObject *name;    /* str, keeps utf8 alive */
  const char *utf8;  /* the str's cached UTF-8, what wprof_range_push copies */
  int may_step;      /* named WPROF_STEP_RANGE: its end is a step */
} RangeObject;

/* ---- ScopedCall: a function called inside a scope (what the decorators return) ---- */

typedef struct {
  PyObject_HEAD
  PyObject *func;
  PyObject *scope;  /* the LiteScope or range */
  PyObject *dict;   /* __dict__, so functools-style attributes can be set */
  vectorcallfunc vectorcall;
} ScopedCallObject;

static PyObject *name_arg(PyObject *args, PyObject *kwds, const char *what) {
  static char *kwlist[] = {"name", NULL};
  PyObject *name = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "U", kwlist, &name)) return NULL;
  (void)what;
  Py_INCREF(name);
  return name;
}

static PyObject *lite_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  PyObject *name = name_arg(args, kwds, "LiteScope");
  if (!name) return NULL;
  const char *utf8 = PyUnicode_AsUTF8(name);
  if (!utf8) {
    Py_DECREF(name);
    return NULL;
  }
  LiteScopeObject *self = (LiteScopeObject *)type->tp_alloc(type, 0);
  if (!self) {
    Py_DECREF(name);
    return NULL;
  }
  pywprof_scope_made("LiteScope");
  self->name = name;
  self->id = wprof_scope_id(utf8);
  return (PyObject *)self;
}

static void lite_dealloc(LiteScopeObject *self) {
  Py_XDECREF(self->name);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *lite_enter(LiteScopeObject *self, PyObject *unused) {
  (void)unused;
  wprof_scope_begin(self->id);
  Py_INCREF(self);
  return (PyObject *)self;
}

static PyObject *lite_exit(LiteScopeObject *self, PyObject *const *args, Py_ssize_t nargs) {
  (void)args;
  (void)nargs;
  wprof_scope_end(self->id);
  Py_RETURN_FALSE; /* never swallows the exception that left the block */
}

static PyObject *scoped_call_new(PyObject *scope, PyObject *func);

static PyObject *scope_decorate(PyObject *self, PyObject *args, PyObject *kwds) {
  PyObject *func;
  if (kwds && PyDict_GET_SIZE(kwds)) {
    PyErr_SetString(PyExc_TypeError, "a scope decorates one callable, with no keywords");
    return NULL;
  }
  if (!PyArg_ParseTuple(args, "O:__call__", &func)) return NULL;
  if (!PyCallable_Check(func)) {
    PyErr_SetString(PyExc_TypeError, "a scope decorates a callable");
    return NULL;
  }
  /* A coroutine or generator function returns at once: its work runs when the result is awaited or
   * iterated, so wprof._scoped wraps it in Python (a cold path) to time that instead. */
  PyObject *helper = PyImport_ImportModule("wprof._scoped");
  PyObject *special = helper ? PyObject_CallMethod(helper, "wrap_deferred", "OO", self, func) : NULL;
  Py_XDECREF(helper);
  if (special != Py_None) return special; /* the wrapper, or NULL with the error set */
  Py_DECREF(special);
  return scoped_call_new(self, func);
}

static PyObject *lite_repr(LiteScopeObject *self) {
  return PyUnicode_FromFormat("wprof.LiteScope(%R)", self->name);
}

static PyMethodDef lite_methods[] = {
    {"__enter__", (PyCFunction)lite_enter, METH_NOARGS, "Begins the scope."},
    {"__exit__", (PyCFunction)(void (*)(void))lite_exit, METH_FASTCALL, "Ends the scope."},
    {NULL, NULL, 0, NULL}};

static PyObject *lite_get_name(LiteScopeObject *self, void *closure) {
  (void)closure;
  Py_INCREF(self->name);
  return self->name;
}

static PyObject *lite_get_id(LiteScopeObject *self, void *closure) {
  (void)closure;
  return PyLong_FromLong(self->id);
}

static PyGetSetDef lite_getset[] = {
    {"name", (getter)lite_get_name, NULL, "the scope's name", NULL},
    {"id", (getter)lite_get_id, NULL, "wprof_scope_id of the name (negative: not registered)", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject pywprof_LiteScope_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "wprof.LiteScope",
    .tp_basicsize = sizeof(LiteScopeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "LiteScope(name): a wprof lite scope (whole run, percentiles). Use as `with "
              "LiteScope(name):` or as a decorator. Create it once and reuse it on hot paths.",
    .tp_new = lite_new,
    .tp_dealloc = (destructor)lite_dealloc,
    .tp_call = scope_decorate,
    .tp_repr = (reprfunc)lite_repr,
    .tp_methods = lite_methods,
    .tp_getset = lite_getset,
};

static PyObject *range_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  PyObject *name = name_arg(args, kwds, "range");
  if (!name) return NULL;
  const char *utf8 = PyUnicode_AsUTF8(name);
  if (!utf8) {
    Py_DECREF(name);
    return NULL;
  }
  RangeObject *self = (RangeObject *)type->tp_alloc(type, 0);
  if (!self) {
    Py_DECREF(name);
    return NULL;
  }
  pywprof_scope_made("wprof.range");
  self->name = name;
  self->utf8 = utf8;
  const char *step_range = getenv("WPROF_STEP_RANGE"); /* what the session reads at its start */
  self->may_step = step_range && strcmp(step_range, utf8) == 0;
  return (PyObject *)self;
}

static void range_dealloc(RangeObject *self) {
  Py_XDECREF(self->name);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *range_enter(RangeObject *self, PyObject *unused) {
  (void)unused;
  wprof_range_push(self->utf8);
  Py_INCREF(self);
  return (PyObject *)self;
}

static PyObject *range_exit(RangeObject *self, PyObject *const *args, Py_ssize_t nargs) {
  (void)args;
  (void)nargs;
  pywprof_range_pop(self->may_step);
  Py_RETURN_FALSE;
}

static PyObject *range_repr(RangeObject *self) {
  return PyUnicode_FromFormat("wprof.range(%R)", self->name);
}

static PyObject *range_get_name(RangeObject *self, void *closure) {
  (void)closure;
  Py_INCREF(self->name);
  return self->name;
}

static PyMethodDef range_methods[] = {
    {"__enter__", (PyCFunction)range_enter, METH_NOARGS, "Pushes the range."},
    {"__exit__", (PyCFunction)(void (*)(void))range_exit, METH_FASTCALL, "Pops the range."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef range_getset[] = {{"name", (getter)range_get_name, NULL, "the range's name", NULL},
                                     {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject pywprof_Range_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "wprof.range",
    .tp_basicsize = sizeof(RangeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "range(name): a wprof range (CPU self/total time per window, an NVTX range too). Use "
              "as `with wprof.range(name):` or as a decorator; the object can be reused.",
    .tp_new = range_new,
    .tp_dealloc = (destructor)range_dealloc,
    .tp_call = scope_decorate,
    .tp_repr = (reprfunc)range_repr,
    .tp_methods = range_methods,
    .tp_getset = range_getset,
};

/* ---- ScopedCall ---- */

static void scope_open(PyObject *scope) {
  if (Py_TYPE(scope) == &pywprof_LiteScope_Type)
    wprof_scope_begin(((LiteScopeObject *)scope)->id);
  else
    wprof_range_push(((RangeObject *)scope)->utf8);
}

static void scope_close(PyObject *scope) {
  if (Py_TYPE(scope) == &pywprof_LiteScope_Type)
    wprof_scope_end(((LiteScopeObject *)scope)->id);
  else
    pywprof_range_pop(((RangeObject *)scope)->may_step);
}

static PyObject *scoped_call_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf,
                                        PyObject *kwnames) {
  ScopedCallObject *self = (ScopedCallObject *)callable;
  scope_open(self->scope);
  PyObject *result = PyObject_Vectorcall(self->func, args, nargsf, kwnames);
  scope_close(self->scope); /* closed on an exception too, like the `with` form */
  return result;
}

static PyObject *scoped_call_new(PyObject *scope, PyObject *func) {
  ScopedCallObject *self = PyObject_GC_New(ScopedCallObject, &pywprof_ScopedCall_Type);
  if (!self) return NULL;
  Py_INCREF(func);
  Py_INCREF(scope);
  self->func = func;
  self->scope = scope;
  self->dict = NULL;
  self->vectorcall = scoped_call_vectorcall;
  PyObject_GC_Track(self);
  /* what functools.wraps would copy, so the wrapped function still introspects as itself */
  static const char *const copied[] = {"__module__", "__name__", "__qualname__", "__doc__"};
  for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
    PyObject *v = PyObject_GetAttrString(func, copied[i]);
    if (!v) {
      PyErr_Clear();
      continue;
    }
    int rc = PyObject_SetAttrString((PyObject *)self, copied[i], v);
    Py_DECREF(v);
    if (rc < 0) PyErr_Clear();
  }
  if (PyObject_SetAttrString((PyObject *)self, "__wrapped__", func) < 0) PyErr_Clear();
  return (PyObject *)self;
}

static int scoped_call_traverse(ScopedCallObject *self, visitproc visit, void *arg) {
  Py_VISIT(self->func);
  Py_VISIT(self->scope);
  Py_VISIT(self->dict);
  return 0;
}

static int scoped_call_clear(ScopedCallObject *self) {
  Py_CLEAR(self->func);
  Py_CLEAR(self->scope);
  Py_CLEAR(self->dict);
  return 0;
}

static void scoped_call_dealloc(ScopedCallObject *self) {
  PyObject_GC_UnTrack(self);
  scoped_call_clear(self);
  PyObject_GC_Del(self);
}

/* A decorated method binds like a function: `obj.method` calls the wrapper with obj first. */
static PyObject *scoped_call_get(PyObject *self, PyObject *obj, PyObject *type) {
  (void)type;
  if (obj == NULL || obj == Py_None) {
    Py_INCREF(self);
    return self;
  }
  return PyMethod_New(self, obj);
}

/* Pickled by reference, like a function: the module attribute of its qualified name. */
static PyObject *scoped_call_reduce(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyObject_GetAttrString(self, "__qualname__");
}

static PyMethodDef scoped_call_methods[] = {
    {"__reduce__", scoped_call_reduce, METH_NOARGS, "Pickles by qualified name, like a function."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef scoped_call_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, "the attributes", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyObject *scoped_call_repr(ScopedCallObject *self) {
  return PyUnicode_FromFormat("<%R in %R>", self->func, self->scope);
}

PyTypeObject pywprof_ScopedCall_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "wprof.ScopedCall",
    .tp_basicsize = sizeof(ScopedCallObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = "A function called inside a wprof LiteScope or range (what the decorators return).",
    .tp_dealloc = (destructor)scoped_call_dealloc,
    .tp_traverse = (traverseproc)scoped_call_traverse,
    .tp_clear = (inquiry)scoped_call_clear,
    .tp_vectorcall_offset = offsetof(ScopedCallObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = scoped_call_get,
    .tp_dictoffset = offsetof(ScopedCallObject, dict),
    .tp_repr = (reprfunc)scoped_call_repr,
    .tp_methods = scoped_call_methods,
    .tp_getset = scoped_call_getset,
};
