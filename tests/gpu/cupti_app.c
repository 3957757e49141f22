/* The program of the cupti_* tests: "runs GPU work" through the fake libcupti's driver interface
 * (dlopen of the same path wprof loaded) inside wprof windows and ranges, under MPI.
 *   cupti_app <scenario> <libfakecupti.so path, or - for none>
 * Each scenario's expected report is spelled out in cupti_check.py. */
#include <dlfcn.h>
#include <mpi.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <wprof/wprof.h>

static struct {
  int (*launch)(const char *, uint64_t);
  int (*memcpy)(uint64_t, uint64_t);
  int (*memset)(uint64_t, uint64_t);
  int (*drop)(uint64_t);
  int (*sync)(void);
  int (*hold)(int);
  int (*deliver_async)(void);
  int (*join)(void);
} gpu;

static int load_fake(const char *path) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "cupti_app: %s\n", dlerror());
    return -1;
  }
  *(void **)&gpu.launch = dlsym(h, "fakecupti_launch");
  *(void **)&gpu.memcpy = dlsym(h, "fakecupti_memcpy");
  *(void **)&gpu.memset = dlsym(h, "fakecupti_memset");
  *(void **)&gpu.drop = dlsym(h, "fakecupti_drop");
  *(void **)&gpu.sync = dlsym(h, "fakecupti_sync");
  *(void **)&gpu.hold = dlsym(h, "fakecupti_hold");
  *(void **)&gpu.deliver_async = dlsym(h, "fakecupti_deliver_async");
  *(void **)&gpu.join = dlsym(h, "fakecupti_join");
  return gpu.launch && gpu.memcpy && gpu.memset && gpu.drop && gpu.sync && gpu.hold && gpu.deliver_async && gpu.join
             ? 0 : -1;
}

#define US 1000u

/* kA 100+200+300 us, kB 50 us, two copies (1 and 3 MiB: 10 and 30 us), one 4 KiB set, one sync;
 * a launch before the window must not show. */
static void scenario_table(int rank) {
  gpu.launch("k_outside", 1 * US);
  gpu.sync();
  wprof_start();
  gpu.launch("kA", 100 * US);
  gpu.launch("kA", 200 * US);
  gpu.launch("kB", 50 * US);
  gpu.launch("kA", 300 * US);
  gpu.memcpy(1u << 20, 10 * US);
  gpu.memcpy(3u << 20, 30 * US);
  gpu.memset(4096, 5 * US);
  gpu.sync();
  wprof_stop();
}

/* outer { k1 100; inner { k2 200; copy 50 }; k1 100 }: outer self 200 total 450, inner 250 / 250. */
static void scenario_nested(int rank) {
  wprof_start();
  wprof_range_push("outer");
  gpu.launch("k1", 100 * US);
  wprof_range_push("inner");
  gpu.launch("k2", 200 * US);
  gpu.memcpy(1024, 50 * US);
  wprof_range_pop();
  gpu.launch("k1", 100 * US);
  wprof_range_pop();
  gpu.sync();
  wprof_stop();
}

static void scenario_drop(int rank) {
  wprof_start();
  gpu.launch("k_kept", 10 * US);
  gpu.drop(7);
  gpu.sync();
  wprof_stop();
}

/* Window 0's records are still "on the GPU" at its stop and arrive from another thread afterwards;
 * k_tail is launched in window 0 but runs after its stop: it belongs to window 0 all the same. */
static void scenario_late(int rank) {
  wprof_start();
  gpu.hold(1);
  for (int i = 0; i < 3; i++) gpu.launch("k_late", 100 * US);
  gpu.sync();
  gpu.launch("k_tail", 20000 * US);
  wprof_stop();
  gpu.sync();
  gpu.deliver_async();
  gpu.join();
  gpu.hold(0);
  wprof_start();
  gpu.launch("k_next", 1 * US);
  gpu.sync();
  wprof_stop();
}

/* scenario_late, then a crash before finalize: the spill written at window 1's stop must carry the
 * window 0 records that arrived after window 0's stop (wprof recover reads them back). */
static void scenario_late_crash(int rank) {
  scenario_late(rank);
  fflush(stdout);
  raise(SIGKILL);
}

/* A crash in an open window (WPROF_SPILL_INTERVAL_MS set by the test): window 0 closes; window 1's
 * kernels run, then a step after more than the interval spills the open window, then SIGKILL. */
static void scenario_open_crash(int rank) {
  wprof_start();
  gpu.launch("k_done", 10 * US);
  gpu.sync();
  wprof_stop();
  wprof_start();
  for (int i = 0; i < 3; i++) gpu.launch("k_open", 100 * US);
  gpu.sync();
  struct timespec t = {0, 50 * 1000 * 1000};
  while (nanosleep(&t, &t) != 0) {}
  wprof_step();
  fflush(stdout);
  raise(SIGKILL);
}

/* Rank r: k_common (r+1)*100 us twice, k_rank<r> once, a copy of (r+1) KiB. */
static void scenario_ranks(int rank) {
  char own[32];
  snprintf(own, sizeof own, "k_rank%d", rank);
  wprof_start();
  gpu.launch("k_common", (uint64_t)(rank + 1) * 100 * US);
  gpu.launch(own, 7 * US);
  gpu.launch("k_common", (uint64_t)(rank + 1) * 100 * US);
  gpu.memcpy((uint64_t)(rank + 1) * 1024, 3 * US);
  gpu.sync();
  wprof_stop();
}

/* No GPU work: windows and ranges only (for the real libcupti on a GPU-less machine). */
static void scenario_plain(int rank) {
  for (int w = 0; w < 3; w++) {
    wprof_start();
    wprof_range_push("step");
    wprof_step();
    wprof_range_pop();
    wprof_stop();
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, rc = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char *scenario = argc > 1 ? argv[1] : "plain";
  const char *fake = argc > 2 ? argv[2] : "-";
  int with_fake = strcmp(fake, "-") != 0;
  if (with_fake ? load_fake(fake) != 0 : strcmp(scenario, "plain") != 0) goto out;
  if (wprof_init() != WPROF_OK) fprintf(stderr, "cupti_app: wprof_init failed\n");
  if (!strcmp(scenario, "table")) scenario_table(rank);
  else if (!strcmp(scenario, "nested")) scenario_nested(rank);
  else if (!strcmp(scenario, "drop")) scenario_drop(rank);
  else if (!strcmp(scenario, "late")) scenario_late(rank);
  else if (!strcmp(scenario, "late_crash")) scenario_late_crash(rank);
  else if (!strcmp(scenario, "ranks")) scenario_ranks(rank);
  else if (!strcmp(scenario, "open_crash")) scenario_open_crash(rank);
  else scenario_plain(rank);
  int status = wprof_finalize();
  printf("cupti_app rank %d: wprof_finalize: %s\n", rank, wprof_strerror(status));
  rc = status == WPROF_OK ? 0 : 1;
out:
  MPI_Finalize();
  return rc;
}
