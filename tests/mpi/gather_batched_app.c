/* A deterministic program for the batched gather test: every rank records the same number of calls
 * of RANGES ranges and SCOPES lite scopes in each of 3 windows (call counts depend on the rank and
 * the name only), so two runs give reports that differ only in times and pids. Rank r's packed data
 * is several hundred KB, so WPROF_GATHER_MAX_MB=1 needs several batches at np 4. An argument sets
 * another number of ranges (at most MAX_RANGES), e.g. enough for a stop's tables to need batches too. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "wprof/wprof.h"

#define RANGES 4000
#define MAX_RANGES 40000
#define SCOPES 500
#define WINDOWS 3

static volatile unsigned sink;

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  wprof_init();
  static int ids[SCOPES];
  int ranges = argc > 1 ? atoi(argv[1]) : RANGES;
  if (ranges < 1 || ranges > MAX_RANGES) ranges = RANGES;
  static char names[MAX_RANGES][32];
  for (int i = 0; i < SCOPES; i++) {
    char name[32];
    snprintf(name, sizeof name, "scope_%04d", i);
    ids[i] = wprof_scope_id(name);
  }
  for (int i = 0; i < ranges; i++) snprintf(names[i], sizeof names[i], "range_%04d", i);
  for (int w = 0; w < WINDOWS; w++) {
    wprof_start();
    for (int i = 0; i < ranges; i++)
      for (int c = 0; c < 1 + (i + rank) % 3; c++) {
        wprof_range_push(names[i]);
        sink += (unsigned)i;
        wprof_range_pop();
      }
    for (int i = 0; i < SCOPES; i++)
      for (int c = 0; c < 1 + (i * 7 + rank) % 5; c++) {
        wprof_scope_begin(ids[i]);
        sink += (unsigned)c;
        wprof_scope_end(ids[i]);
      }
    MPI_Barrier(MPI_COMM_WORLD);
    wprof_step();
    wprof_stop();
  }
  int status = wprof_finalize();
  if (status != WPROF_OK) printf("gather_batched_app rank %d: wprof_finalize: %s\n", rank, wprof_strerror(status));
  MPI_Finalize();
  return 0;
}
