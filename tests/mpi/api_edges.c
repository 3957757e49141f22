/* The public API used out of order, on every rank: calls before wprof_init are ignored with a status,
 * init and finalize twice, window calls from a thread other than the driving one refused with
 * WPROF_ETHREAD, a session set up and driven from a worker thread finalized from the main thread
 * (its open window closed and kept), and init after MPI_Finalize refused (each rank alone would
 * otherwise write a world-of-one report over the job's). Exits 1 on the first unexpected status. */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wprof/wprof.h>

static int failures;

static void expect(const char *what, int got, int want) {
  if (got == want) return;
  fprintf(stderr, "api_edges: %s returned %d (%s), expected %d\n", what, got, wprof_strerror(got), want);
  failures++;
}

/* Another thread: its window calls are refused and change nothing. */
static void *other_thread(void *arg) {
  int *got = arg;
  got[0] = wprof_start();
  got[1] = wprof_stop();
  got[2] = wprof_is_active();
  return NULL;
}

int wprof__backend_counts(int *starts, int *stops); /* libwprof's test hook */

/* A worker thread sets a session up and opens a window in it; the main thread finalizes it. */
static void *worker_session(void *arg) {
  int *got = arg;
  got[0] = wprof_init();
  got[1] = wprof_start();
  got[2] = wprof_step();
  return NULL;
}

int main(int argc, char **argv) {
  wprof_scope_begin(5); /* an id never registered: ignored */
  wprof_scope_end(5);
  wprof_range_pop();    /* nothing pushed: ignored */
  expect("wprof_step before init", wprof_step(), WPROF_OK); /* idle: nothing to count */
  expect("wprof_start before init", wprof_start(), WPROF_ESTATE);
  expect("wprof_finalize before init", wprof_finalize(), WPROF_ESTATE);
  int provided = 0; /* wprof's messages leave from a worker thread below */
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  expect("wprof_init", wprof_init(), WPROF_OK);
  expect("wprof_init again", wprof_init(), WPROF_OK);
  int got[3] = {0, 0, -1};
  pthread_t t;
  if (pthread_create(&t, NULL, other_thread, got) == 0) {
    pthread_join(t, NULL);
    expect("wprof_start from another thread", got[0], WPROF_ETHREAD);
    expect("wprof_stop from another thread", got[1], WPROF_ETHREAD);
    expect("wprof_is_active after them", got[2], 0);
    expect("WPROF_ETHREAD has its own text", strstr(wprof_strerror(WPROF_ETHREAD), "thread") != NULL, 1);
  }
  expect("wprof_start", wprof_start(), WPROF_OK);
  expect("wprof_is_running", wprof_is_running(), 1);
  wprof_range_push("edge");
  expect("wprof_step", wprof_step(), WPROF_OK);
  expect("wprof_stop", wprof_stop(), WPROF_OK);
  wprof_range_pop();
  expect("wprof_finalize", wprof_finalize(), WPROF_OK);
  expect("wprof_finalize again", wprof_finalize(), WPROF_ESTATE);
  /* a second session of the same process: its report must not replace the first one's */
  expect("wprof_init for a second session", wprof_init(), WPROF_OK);
  expect("wprof_start in the second session", wprof_start(), WPROF_OK);
  expect("wprof_finalize of the second session", wprof_finalize(), WPROF_OK);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char *first = getenv("WPROF_OUTPUT"); /* ends in ".h5" */
  if (rank == 0 && first && strlen(first) > 3) {
    char second[4096];
    snprintf(second, sizeof second, "%.*s.2.h5", (int)(strlen(first) - 3), first);
    expect("the first session's report is still there", access(first, R_OK), 0);
    expect("the second session's report is beside it", access(second, R_OK), 0);
    unlink(second);
  }
  int from_worker[3] = {-1, -1, -1};
  if (pthread_create(&t, NULL, worker_session, from_worker) == 0) {
    pthread_join(t, NULL);
    expect("wprof_init from a worker thread", from_worker[0], WPROF_OK);
    expect("wprof_start from it", from_worker[1], WPROF_OK);
    expect("wprof_step from it", from_worker[2], WPROF_OK);
    expect("wprof_finalize of its session from the main thread", wprof_finalize(), WPROF_OK);
    int starts = -1, stops = -1;
    wprof__backend_counts(&starts, &stops);
    expect("the worker's window started", starts, 1);
    expect("finalize closed it", stops, 1);
    if (rank == 0 && first && strlen(first) > 3) {
      char third[4096];
      snprintf(third, sizeof third, "%.*s.3.h5", (int)(strlen(first) - 3), first);
      unlink(third);
    }
  }
  MPI_Finalize();
  expect("wprof_init after MPI_Finalize", wprof_init(), WPROF_ESTATE);
  expect("wprof_is_active after a refused init", wprof_is_active(), 0);
  expect("wprof_finalize after a refused init", wprof_finalize(), WPROF_ESTATE);
  return failures ? 1 : 0;
}
