/* The public API used out of order, on every rank: calls before wprof_init are ignored with a status,
 * init and finalize twice, and init after MPI_Finalize refused (each rank alone would otherwise write
 * a world-of-one report over the job's). Exits 1 on the first unexpected status. */
#include <mpi.h>
#include <stdio.h>
#include <wprof/wprof.h>

static int failures;

static void expect(const char *what, int got, int want) {
  if (got == want) return;
  fprintf(stderr, "api_edges: %s returned %d (%s), expected %d\n", what, got, wprof_strerror(got), want);
  failures++;
}

int main(int argc, char **argv) {
  wprof_scope_begin(5); /* an id never registered: ignored */
  wprof_scope_end(5);
  wprof_range_pop();    /* nothing pushed: ignored */
  expect("wprof_step before init", wprof_step(), WPROF_OK); /* idle: nothing to count */
  expect("wprof_start before init", wprof_start(), WPROF_ESTATE);
  expect("wprof_finalize before init", wprof_finalize(), WPROF_ESTATE);
  MPI_Init(&argc, &argv);
  expect("wprof_init", wprof_init(), WPROF_OK);
  expect("wprof_init again", wprof_init(), WPROF_OK);
  expect("wprof_start", wprof_start(), WPROF_OK);
  expect("wprof_is_running", wprof_is_running(), 1);
  wprof_range_push("edge");
  expect("wprof_step", wprof_step(), WPROF_OK);
  expect("wprof_stop", wprof_stop(), WPROF_OK);
  wprof_range_pop();
  expect("wprof_finalize", wprof_finalize(), WPROF_OK);
  expect("wprof_finalize again", wprof_finalize(), WPROF_ESTATE);
  MPI_Finalize();
  expect("wprof_init after MPI_Finalize", wprof_init(), WPROF_ESTATE);
  expect("wprof_is_active after a refused init", wprof_is_active(), 0);
  expect("wprof_finalize after a refused init", wprof_finalize(), WPROF_ESTATE);
  return failures ? 1 : 0;
}
