/* PMPI entry points of MPI_Init, MPI_Init_thread and MPI_Finalize, C and Fortran: they only hand over
 * to wprof's core (wprof_init after the real init, wprof_finalize before the real finalize, rank 0's
 * report write finished after it), as Darshan's do. Both bindings share one body each, whatever symbol MPI_Init resolves to. */
#include <mpi.h>
#include <stddef.h>

#include "entry_points.h"
#include "mpi_fortran.h"
#include "wprof/wprof.h"

static int init_c(int *argc, char ***argv) {
  int rc = PMPI_Init(argc, argv);
  if (rc == MPI_SUCCESS) wpr_init_from_mpi();
  return rc;
}

static int init_thread_c(int *argc, char ***argv, int required, int *provided) {
  int rc = PMPI_Init_thread(argc, argv, required, provided);
  if (rc == MPI_SUCCESS) wpr_init_from_mpi();
  return rc;
}

static int finalize_c(void) {
  wpr_finalize_from_mpi();
  int rc = PMPI_Finalize();
  wpr_after_mpi_finalize();
  return rc;
}

int MPI_Init(int *argc, char ***argv) { return init_c(argc, argv); }
int MPI_Init_thread(int *argc, char ***argv, int required, int *provided) {
  return init_thread_c(argc, argv, required, provided);
}
int MPI_Finalize(void) { return finalize_c(); }

/* ---- Fortran (mpif.h and `use mpi`) ---- */

static void set_ierr(MPI_Fint *ierr, int rc) {
  if (ierr) *ierr = (MPI_Fint)rc;
}

static void wpr_f_mpi_init(MPI_Fint *ierr) {
  int argc = 0;
  char **argv = NULL;
  set_ierr(ierr, init_c(&argc, &argv));
}

static void wpr_f_mpi_init_thread(MPI_Fint *required, MPI_Fint *provided, MPI_Fint *ierr) {
  int argc = 0, prov = 0;
  char **argv = NULL;
  int rc = init_thread_c(&argc, &argv, (int)*required, &prov);
  *provided = (MPI_Fint)prov;
  set_ierr(ierr, rc);
}

static void wpr_f_mpi_finalize(MPI_Fint *ierr) { set_ierr(ierr, finalize_c()); }

WPR_FORTRAN(mpi_init, MPI_INIT, (MPI_Fint *ierr), (ierr))
WPR_FORTRAN(mpi_init_thread, MPI_INIT_THREAD, (MPI_Fint *required, MPI_Fint *provided, MPI_Fint *ierr),
            (required, provided, ierr))
WPR_FORTRAN(mpi_finalize, MPI_FINALIZE, (MPI_Fint *ierr), (ierr))
