/* The generated C wrappers of the MPI call table, reachable under internal names too, so the Fortran
 * entry points (mpi_fortran.c) count their calls through the same code whatever symbol MPI_Send
 * resolves to. */
#ifndef WPR_MPI_WRAP_H
#define WPR_MPI_WRAP_H

#include <mpi.h>

#include "mpi_calls.h"

#define WPR_MPI_DECLARE(name, params, args, bytes) \
  __attribute__((visibility("hidden"))) int wpr_mpi_c_##name params;
WPR_MPI_CALLS(WPR_MPI_DECLARE)
#undef WPR_MPI_DECLARE

#endif
