/* What the two files of the extension share: what scopes.c tells module.c's session (a scope was
 * made, a range ends), and the types of scopes.c that module.c registers. */
#ifndef PYWPROF_H
#define PYWPROF_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* A LiteScope or range was made (`what` names it for a warning): never starts a session, which
 * would be a collective under MPI; the session started later reports the lite scopes. */
void pywprof_scope_made(const char *what);
/* wprof_range_pop; without the GIL and under the session lock when the pop may be a step
 * (the WPROF_STEP_RANGE range while a window is requested), since a step may wait on other ranks. */
void pywprof_range_pop(int may_step);

extern PyTypeObject pywprof_LiteScope_Type;
extern PyTypeObject pywprof_Range_Type;
extern PyTypeObject pywprof_ScopedCall_Type;

#endif
