/* A tiny application linking the installed wprof: one window of 3 steps, a scope and a range. */
#include <mpi.h>
#include <stdio.h>
#include <wprof/wprof.h>
#include <wprof/wprof_mpi.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rc = wprof_init_comm(MPI_COMM_WORLD);
  int scope = wprof_scope_id("consumer-scope");
  wprof_start();
  for (int i = 0; i < 3; i++) {
    wprof_range_push("consumer-range");
    wprof_scope_begin(scope);
    wprof_scope_end(scope);
    wprof_range_pop();
    wprof_step();
  }
  wprof_stop();
  int fin = wprof_finalize();
  printf("consumer: init=%s finalize=%s\n", wprof_strerror(rc), wprof_strerror(fin));
  MPI_Finalize();
  return rc == WPROF_OK && fin == WPROF_OK ? 0 : 1;
}
