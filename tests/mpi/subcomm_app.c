/* Sessions over sub-communicators, on 4 ranks (usage: subcomm_app halves|pair01|pair23|root_only):
 *   halves     ranks {0,1} and {2,3} each profile their half (wprof_init_comm), 2 windows of 3 steps;
 *   pair01     ranks {0,1} profile alone, ranks 2 and 3 never call wprof;
 *   pair23     ranks {2,3} profile alone, ranks 0 and 1 never call wprof;
 *   root_only  rank 0 alone calls wprof_init_comm over a duplicate of the world that the others never
 *              join, then wprof_init; each call's status and duration are printed.
 * Every rank prints "subcomm_app rank R: done" before MPI_Finalize. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <wprof/wprof.h>
#include <wprof/wprof_mpi.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void profile(MPI_Comm comm, int rank) {
  int rc = wprof_init_comm(comm);
  if (rc != WPROF_OK) printf("subcomm_app rank %d: wprof_init_comm: %s\n", rank, wprof_strerror(rc));
  for (int w = 0; w < 2; w++) {
    wprof_start();
    for (int i = 0; i < 3; i++) {
      wprof_range_push("step");
      MPI_Barrier(comm);
      wprof_range_pop();
      wprof_step();
    }
    wprof_stop();
  }
  rc = wprof_finalize();
  printf("subcomm_app rank %d: wprof_finalize: %s\n", rank, wprof_strerror(rc));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *mode = argc > 1 ? argv[1] : "halves";
  if (!strcmp(mode, "halves") || !strcmp(mode, "pair01") || !strcmp(mode, "pair23")) {
    int color = rank < size / 2 ? 0 : 1;
    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, color, rank, &half);
    int profiles = !strcmp(mode, "halves") || (color == 0) == !strcmp(mode, "pair01");
    if (profiles) profile(half, rank);
    else for (int i = 0; i < 6; i++) MPI_Barrier(half); /* work of their own, no wprof */
    MPI_Comm_free(&half);
  } else if (!strcmp(mode, "root_only")) {
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    if (rank == 0) {
      double t0 = now_ms();
      int rc = wprof_init_comm(dup);
      printf("subcomm_app rank 0: wprof_init_comm: %s in %.1f ms\n", wprof_strerror(rc), now_ms() - t0);
      t0 = now_ms();
      rc = wprof_init();
      printf("subcomm_app rank 0: wprof_init: %s in %.1f ms\n", wprof_strerror(rc), now_ms() - t0);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Comm_free(&dup);
  }
  printf("subcomm_app rank %d: done\n", rank);
  fflush(stdout);
  MPI_Finalize();
  return 0;
}
