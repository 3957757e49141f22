/* PMPI entry points of MPI_Init, MPI_Init_thread and MPI_Finalize: they only hand over to wprof's
 * core (wprof_init after the real init, wprof_finalize before the real finalize), as Darshan's do. */
#include <mpi.h>

#include "entry_points.h"
#include "mpi_wrap.h"
#include "wprof/wprof.h"

int wpr_mpi_c_Init(int *argc, char ***argv) {
  int rc = PMPI_Init(argc, argv);
  if (rc == MPI_SUCCESS) wpr_init_from_mpi();
  return rc;
}

int wpr_mpi_c_Init_thread(int *argc, char ***argv, int required, int *provided) {
  int rc = PMPI_Init_thread(argc, argv, required, provided);
  if (rc == MPI_SUCCESS) wpr_init_from_mpi();
  return rc;
}

int wpr_mpi_c_Finalize(void) {
  /* an application that called wprof_finalize itself has its report already */
  if (wpr_session.initialized) wprof_finalize();
  return PMPI_Finalize();
}

int MPI_Init(int *argc, char ***argv) { return wpr_mpi_c_Init(argc, argv); }
int MPI_Init_thread(int *argc, char ***argv, int required, int *provided) {
  return wpr_mpi_c_Init_thread(argc, argv, required, provided);
}
int MPI_Finalize(void) { return wpr_mpi_c_Finalize(); }
