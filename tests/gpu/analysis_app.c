/* The program of the analysis_* tests (issue 9: time breakdown, launch latency, CUPTI overhead,
 * another CUPTI subscriber): drives the fake libcupti inside one wprof window, under MPI.
 *   analysis_app <scenario> <libfakecupti.so>
 * The expected report of each scenario is spelled out in analysis_check.py. */
#include <dlfcn.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <wprof/wprof.h>

static struct {
  int (*launch)(const char *, uint64_t);
  int (*launch_delayed)(const char *, uint64_t, uint64_t);
  int (*anchor)(void);
  int (*launch_at)(const char *, uint32_t, uint64_t, uint64_t);
  int (*memcpy_at)(uint64_t, uint32_t, uint64_t, uint64_t);
  int (*overhead)(int, uint64_t);
  int (*sync)(void);
} gpu;

static int load_fake(const char *path) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "analysis_app: %s\n", dlerror());
    return -1;
  }
  *(void **)&gpu.launch = dlsym(h, "fakecupti_launch");
  *(void **)&gpu.launch_delayed = dlsym(h, "fakecupti_launch_delayed");
  *(void **)&gpu.anchor = dlsym(h, "fakecupti_anchor");
  *(void **)&gpu.launch_at = dlsym(h, "fakecupti_launch_at");
  *(void **)&gpu.memcpy_at = dlsym(h, "fakecupti_memcpy_at");
  *(void **)&gpu.overhead = dlsym(h, "fakecupti_overhead");
  *(void **)&gpu.sync = dlsym(h, "fakecupti_sync");
  return gpu.launch && gpu.launch_delayed && gpu.anchor && gpu.launch_at && gpu.memcpy_at && gpu.overhead &&
                 gpu.sync ? 0 : -1;
}

#define US 1000u
#define MS 1000000u

static void sleep_ns(long ns) {
  struct timespec t = {ns / 1000000000L, ns % 1000000000L};
  while (nanosleep(&t, &t) != 0) {
  }
}

/* k_lat: 30 launches starting 100 us after their launch call, 10 starting 1 ms after (p50 is then the
 * 20th of 40: robust to a few of the 100 us ones being delayed by a busy machine); k_now: 5 at once. */
static void scenario_latency(void) {
  wprof_start();
  for (int i = 0; i < 30; i++) gpu.launch_delayed("k_lat", 1 * US, 100 * US);
  for (int i = 0; i < 10; i++) gpu.launch_delayed("k_lat", 1 * US, 1 * MS);
  for (int i = 0; i < 5; i++) gpu.launch_delayed("k_now", 1 * US, 0);
  sleep_ns(5 * MS); /* every kernel has started before the window closes */
  wprof_stop();
}

/* From the anchor: k_compute [1,5) ms on stream 1, k_compute2 [6,8) on stream 2, ncclAllReduce_sum
 * [3,7) on stream 3, a copy [9,10) on stream 4; three MPI_Barrier calls; the window closes after 20 ms.
 * compute 6 ms, comm 4, memory 1, busy 8, comm overlapped by compute 3 (share 0.75). */
static void scenario_breakdown(void) {
  wprof_start();
  gpu.anchor();
  gpu.launch_at("k_compute", 1, 1 * MS, 4 * MS);
  gpu.launch_at("k_compute2", 2, 6 * MS, 2 * MS);
  gpu.launch_at("ncclAllReduceRingLLKernel_sum_f32", 3, 3 * MS, 4 * MS);
  gpu.memcpy_at(1 << 20, 4, 9 * MS, 1 * MS);
  for (int i = 0; i < 3; i++) MPI_Barrier(MPI_COMM_WORLD);
  sleep_ns(20 * MS);
  wprof_stop();
}

/* CUPTI overhead records: 3 buffer flushes of 5 us, 2 driver compilations of 100 us. */
static void scenario_overhead(void) {
  wprof_start();
  gpu.launch("k_any", 10 * US);
  for (int i = 0; i < 3; i++) gpu.overhead(1 << 16 /* CUPTI_BUFFER_FLUSH */, 5 * US);
  for (int i = 0; i < 2; i++) gpu.overhead(1 /* DRIVER_COMPILER */, 100 * US);
  gpu.sync();
  wprof_stop();
}

/* Another tool holds CUPTI (FAKECUPTI_OTHER_SUBSCRIBER=1): the same work runs, wprof falls back. */
static void scenario_subscriber(void) {
  wprof_start();
  gpu.launch("k_any", 10 * US);
  MPI_Barrier(MPI_COMM_WORLD);
  gpu.sync();
  wprof_stop();
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rc = 1;
  const char *scenario = argc > 1 ? argv[1] : "subscriber";
  if (argc < 3 || load_fake(argv[2]) != 0) goto out;
  if (wprof_init() != WPROF_OK) fprintf(stderr, "analysis_app: wprof_init failed\n");
  if (!strcmp(scenario, "latency")) scenario_latency();
  else if (!strcmp(scenario, "breakdown")) scenario_breakdown();
  else if (!strcmp(scenario, "overhead")) scenario_overhead();
  else scenario_subscriber();
  rc = wprof_finalize() == WPROF_OK ? 0 : 1;
out:
  MPI_Finalize();
  return rc;
}
