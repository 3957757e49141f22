/* The program of the stragglers_* tests: a linked wprof application with one window in which every
 * rank makes CALLS MPI_Allreduce calls on MPI_COMM_WORLD, and rank SLOW sleeps SLEEP_MS before each,
 * so it is the last to arrive at nearly every one. With "nompi" the window holds no MPI call at all
 * (only the window's two sync points remain). Usage: stragglers_app SLOW CALLS SLEEP_MS [nompi] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wprof/wprof.h>

static int arg_int(const char *s, int *out) {
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (!end || *end || v < 0 || v > 1000000) return -1;
  *out = (int)v;
  return 0;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {}
}

int main(int argc, char **argv) {
  int slow = 0, calls = 0, ms = 0;
  if (argc < 4 || arg_int(argv[1], &slow) || arg_int(argv[2], &calls) || arg_int(argv[3], &ms)) {
    fprintf(stderr, "usage: stragglers_app SLOW CALLS SLEEP_MS [nompi]\n");
    return 2;
  }
  int nompi = argc > 4 && strcmp(argv[4], "nompi") == 0;
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int rc = wprof_init();
  wprof_start();
  for (int i = 0; i < calls; i++) {
    if (rank == slow) sleep_ms(ms);
    if (nompi) continue;
    double x = rank, y = 0;
    MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  }
  wprof_stop();
  int fin = wprof_finalize();
  if (rc != WPROF_OK || fin != WPROF_OK) fprintf(stderr, "stragglers_app rank %d: init %d finalize %d\n", rank, rc, fin);
  MPI_Finalize();
  return rc != WPROF_OK || fin != WPROF_OK;
}
