/* What the two files of the extension share: the session started on first use, the types of
 * scopes.c that module.c registers, and the status helper. */
#ifndef PYWPROF_H
#define PYWPROF_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Starts wprof's session unless one is up (collective over MPI_COMM_WORLD when MPI is up). Returns
 * wprof's status; a failure was warned about by libwprof and profiling degrades. */
int pywprof_ensure_session(void);

extern PyTypeObject pywprof_LiteScope_Type;
extern PyTypeObject pywprof_Range_Type;
extern PyTypeObject pywprof_ScopedCall_Type;

#endif
