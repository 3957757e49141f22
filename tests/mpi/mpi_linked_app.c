/* An application that links wprof and drives it itself (init, one window of 4 steps, finalize before
 * MPI_Finalize); mpi_intercept.py also preloads the same library: one report, no doubled MPI rows. */
#include <mpi.h>
#include <stdio.h>
#include <wprof/wprof.h>

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
  MPI_Finalize();
  if (rc != WPROF_OK || fin != WPROF_OK) fprintf(stderr, "rank %d: init %d finalize %d\n", rank, rc, fin);
  return rc != WPROF_OK || fin != WPROF_OK;
}
