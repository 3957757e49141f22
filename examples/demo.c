/* The demo that ./run.sh demo profiles: a toy training loop with steps, lite scopes, nested ranges
 * and rank-dependent work (higher ranks compute longer), so the report shows imbalance and a slowest
 * rank. Usage: mpirun -np 4 wprof_demo [iterations] [windows] */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include <wprof/wprof.h>

/* Busy work proportional to `units`, with a result the compiler cannot drop. */
static double compute(long units) {
  double acc = 0.0;
  for (long i = 0; i < units * 2000; i++) acc += sin((double)i) * 1e-9;
  return acc;
}

static double train_step(int rank, int scope_compute, int scope_exchange) {
  double local = 0.0;
  wprof_range_push("train_step");

  wprof_range_push("forward");
  wprof_scope_begin(scope_compute);
  local += compute(40 + 15L * rank);            /* rank-dependent: the imbalance to find */
  wprof_scope_end(scope_compute);
  wprof_range_push("attention");
  local += compute(20);
  wprof_range_pop();
  wprof_range_pop();

  wprof_range_push("backward");
  local += compute(60 + 20L * rank);
  wprof_range_pop();

  double global = 0.0;
  wprof_range_push("allreduce");
  wprof_scope_begin(scope_exchange);
  MPI_Allreduce(&local, &global, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  wprof_scope_end(scope_exchange);
  wprof_range_pop();

  wprof_range_pop();
  return global;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 12;
  long windows = argc > 2 ? strtol(argv[2], NULL, 10) : 2;

  int status = wprof_init();
  if (status != WPROF_OK) fprintf(stderr, "demo: wprof_init: %s\n", wprof_strerror(status));
  int scope_compute = wprof_scope_id("compute");
  int scope_exchange = wprof_scope_id("exchange");

  double checksum = 0.0;
  for (long w = 0; w < windows; w++) {
    wprof_start();                              /* WPROF_DELAY_ITERS / WPROF_MAX_ITERS apply */
    for (long it = 0; it < iterations; it++) {
      checksum += train_step(rank, scope_compute, scope_exchange);
      wprof_step();
    }
    wprof_stop();
    {
      WPROF_SCOPE("checkpoint");                /* times the rest of this block */
      checksum += compute(5);
    }
  }

  status = wprof_finalize();
  if (rank == 0)
    printf("demo: %ld windows of %ld iterations on every rank, checksum %.6e, wprof_finalize: %s\n",
           windows, iterations, checksum, wprof_strerror(status));
  MPI_Finalize();
  return 0;
}
