/* An application that links wprof and drives it itself (init, one window of 4 steps, finalize before
 * MPI_Finalize); mpi_intercept.py also preloads the same library: one report, no doubled MPI rows.
 * After finalize, rank 0 has written the report: no libhdf5 may be mapped in any rank's process
 * (wprof writes HDF5 itself), which each rank checks in its own /proc/self/maps. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <wprof/wprof.h>

/* 1 when a libhdf5 is mapped into this process (printed). */
static int hdf5_mapped(int rank) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[4096];
  int found = 0;
  while (f && !found && fgets(line, sizeof line, f))
    if (strstr(line, "libhdf5")) {
      fprintf(stderr, "rank %d: libhdf5 is loaded in a profiled process: %s", rank, line);
      found = 1;
    }
  if (f) fclose(f);
  return found;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int rc = wprof_init(); /* after the MPI_Init wrapper's: the same session */
  wprof_start();
  for (int i = 0; i < 4; i++) {
    double x = 1, y = 0;
    MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    wprof_step();
  }
  wprof_stop();
  int fin = wprof_finalize(); /* the MPI_Finalize wrapper must not write a second report */
  int hdf5 = hdf5_mapped(rank);
  MPI_Finalize();
  if (rc != WPROF_OK || fin != WPROF_OK) fprintf(stderr, "rank %d: init %d finalize %d\n", rank, rc, fin);
  return rc != WPROF_OK || fin != WPROF_OK || hdf5;
}
