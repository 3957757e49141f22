/* The program of the timeline_* tests: a linked wprof application (its MPI calls go through wprof's
 * PMPI wrappers) with WINDOWS windows, each holding on every rank exactly:
 *   ranges: OUTER x "tl.outer" each around one "tl.inner" (wprof API), and with NVTX (injection)
 *           one "tl.nv.push" push/pop and one "tl.nv.startend" start/end;
 *   lite:   LITE calls of "tl.lite.main" on the main thread and of "tl.lite.worker" on a second thread;
 *   MPI:    2 MPI_Allreduce and 1 MPI_Barrier.
 * Outside the windows it makes one range, one lite call and one MPI_Barrier that must not show.
 * timeline_check.py spells out the expected events. Usage: timeline_app [twice] (two sessions) */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <wprof/wprof.h>

#ifdef TIMELINE_APP_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

#define WINDOWS 2
#define OUTER 3
#define LITE 10

static void lite_calls(const char *name) {
  int id = wprof_scope_id(name);
  for (int i = 0; i < LITE; i++) {
    wprof_scope_begin(id);
    wprof_scope_end(id);
  }
}

static void *worker(void *arg) {
  (void)arg;
  lite_calls("tl.lite.worker");
  return NULL;
}

static void nvtx_ranges(void) {
#ifdef TIMELINE_APP_NVTX
  nvtxRangePushA("tl.nv.push");
  nvtxRangePop();
  nvtxRangeId_t id = nvtxRangeStartA("tl.nv.startend");
  nvtxRangeEnd(id);
#endif
}

static int window_body(void) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, worker, NULL) != 0) return -1;
  lite_calls("tl.lite.main");
  for (int i = 0; i < OUTER; i++) {
    wprof_range_push("tl.outer");
    wprof_range_push("tl.inner");
    wprof_range_pop();
    wprof_range_pop();
  }
  nvtx_ranges();
  double x = 1, y = 0;
  MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  return pthread_join(thread, NULL) == 0 ? 0 : -1;
}

/* One wprof session: init, WINDOWS windows, finalize. */
static int session(int rank) {
  int rc = wprof_init();
  int bad = 0;
  for (int w = 0; w < WINDOWS; w++) {
    wprof_range_push("tl.outside"); /* pushed and popped between windows: not an event */
    wprof_range_pop();
    lite_calls("tl.lite.outside");
    MPI_Barrier(MPI_COMM_WORLD);
    wprof_start();
    bad |= window_body();
    wprof_stop();
  }
  int fin = wprof_finalize();
  if (rc != WPROF_OK || fin != WPROF_OK || bad)
    fprintf(stderr, "timeline_app rank %d: init %d finalize %d body %d\n", rank, rc, fin, bad);
  return rc != WPROF_OK || fin != WPROF_OK || bad;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int sessions = argc > 1 && strcmp(argv[1], "twice") == 0 ? 2 : 1; /* the second writes <output>.2.h5 */
  int bad = 0;
  for (int i = 0; i < sessions; i++) bad |= session(rank);
  MPI_Finalize();
  return bad;
}
