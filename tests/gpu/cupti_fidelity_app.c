/* The program of the cupti fidelity tests (issue 18): GPU work through the fake libcupti's driver
 * interface, modelled on what real CUPTI 12/13 does (launch paths, kernels still running at a stop,
 * correlation under load, graph launches, clock steps, versions), inside wprof windows and ranges.
 *   cupti_fidelity_app <scenario> <libfakecupti.so or the libcupti.so.13 link to it>
 * Each scenario's expected report is spelled out in cupti_fidelity_check.py. */
#include <dlfcn.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <wprof/wprof.h>

static struct {
  int (*launch)(const char *, uint64_t);
  int (*launch_api)(const char *, const char *, uint64_t);
  int (*launch_running)(const char *, uint64_t);
  int (*launch_failed)(const char *);
  int (*launch_delayed)(const char *, uint64_t, uint64_t);
  int (*graph_delayed)(const char *, uint64_t, unsigned, uint64_t);
  int (*api_calls)(unsigned);
  int (*clock_step)(int64_t);
  int (*memcpy_peer)(uint64_t, uint64_t);
  int (*memcpy_driver)(uint64_t, uint64_t);
  int (*memset_driver)(uint64_t, uint64_t);
  int (*sync)(void);
  int (*hold)(int);
  int (*launch_captured)(const char *);
  int (*launch_unseen)(const char *, uint64_t);
  int (*graph_split)(const char *, uint64_t, unsigned, unsigned, uint64_t);
} gpu;

#define LOAD(field, name) (*(void **)&gpu.field = dlsym(h, name)) != NULL

static int load_fake(const char *path) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "cupti_fidelity_app: %s\n", dlerror());
    return -1;
  }
  int ok = LOAD(launch, "fakecupti_launch") && LOAD(launch_api, "fakecupti_launch_api") &&
           LOAD(launch_running, "fakecupti_launch_running") && LOAD(launch_failed, "fakecupti_launch_failed") &&
           LOAD(launch_delayed, "fakecupti_launch_delayed") && LOAD(graph_delayed, "fakecupti_graph_launch_delayed") &&
           LOAD(api_calls, "fakecupti_api_calls") && LOAD(clock_step, "fakecupti_clock_step") &&
           LOAD(memcpy_peer, "fakecupti_memcpy_peer") && LOAD(memcpy_driver, "fakecupti_memcpy_driver") &&
           LOAD(memset_driver, "fakecupti_memset_driver") && LOAD(sync, "fakecupti_sync") &&
           LOAD(hold, "fakecupti_hold") && LOAD(launch_captured, "fakecupti_launch_captured") &&
           LOAD(launch_unseen, "fakecupti_launch_unseen") && LOAD(graph_split, "fakecupti_graph_launch_split");
  return ok ? 0 : -1;
}

#define US 1000u
#define MS 1000000u

/* Every launch API of CUDA 12/13, runtime and driver: kernel k_<api> of 10 us each, in range "paths". */
static const char *const launch_apis[] = {
    "cudaLaunchKernel", "cudaLaunchKernel_ptsz", "__cudaLaunchKernel", "__cudaLaunchKernel_ptsz",
    "cudaLaunchKernelExC", "cudaLaunchKernelExC_ptsz", "cudaLaunchCooperativeKernel",
    "cudaLaunchCooperativeKernel_ptsz", "cudaGraphLaunch", "cudaGraphLaunch_ptsz", "cuLaunchKernel",
    "cuLaunchKernel_ptsz", "cuLaunchKernelEx", "cuLaunchKernelEx_ptsz", "cuLaunchCooperativeKernel",
    "cuLaunchCooperativeKernel_ptsz", "cuGraphLaunch", "cuGraphLaunch_ptsz"};

static int scenario_paths(void) {
  if (gpu.launch_api("cudaNoSuchLaunch", "k", 1) == 0 || gpu.launch_api("cuMemcpyHtoD_v2", "k", 1) == 0) {
    fprintf(stderr, "cupti_fidelity_app: an unknown launch API name was accepted\n");
    return 1;
  }
  wprof_start();
  wprof_range_push("paths");
  for (size_t i = 0; i < sizeof launch_apis / sizeof launch_apis[0]; i++) {
    char name[96];
    snprintf(name, sizeof name, "k_%s", launch_apis[i]);
    if (gpu.launch_api(launch_apis[i], name, 10 * US) != 0) return 1;
    gpu.api_calls(2); /* calls without GPU work take correlation ids too */
  }
  gpu.launch_failed("k_failed");
  gpu.memcpy_driver(1u << 20, 20 * US);
  gpu.memset_driver(4096, 5 * US);
  gpu.memcpy_peer(2u << 20, 30 * US);
  wprof_range_pop();
  gpu.sync();
  wprof_stop();
  return 0;
}

/* k_running (300 ms) is still running when window 0 stops; window 1 follows at once. */
static int scenario_running(void) {
  wprof_start();
  wprof_range_push("step");
  gpu.launch_running("k_running", 300 * MS);
  wprof_range_pop();
  wprof_stop();
  wprof_start();
  wprof_range_push("next");
  gpu.launch("k_next", 1 * US);
  wprof_range_pop();
  gpu.sync();
  wprof_stop();
  return 0;
}

/* Finalize right after a window whose last kernel runs `ms` more: wprof waits for it (bounded). */
static int scenario_tail(uint64_t ms) {
  wprof_start();
  wprof_range_push("tail");
  gpu.launch_running("k_tail", ms * MS);
  wprof_range_pop();
  wprof_stop();
  return 0;
}

/* A kernel still running at finalize, and a kernel queued behind it: both records incomplete then. */
static int scenario_too_long_more(void) {
  wprof_start();
  wprof_range_push("tail");
  gpu.launch_running("k_tail", 20000ull * MS);
  gpu.launch("k_after", 1 * US);
  wprof_range_pop();
  wprof_stop();
  return 0;
}

/* Five launches made during stream capture (callbacks, never a record) beside one that runs. */
static int scenario_captured(void) {
  wprof_start();
  wprof_range_push("capture");
  gpu.launch("k_run", 10 * US);
  for (int i = 0; i < 5; i++) gpu.launch_captured("k_captured");
  wprof_range_pop();
  gpu.sync();
  wprof_stop();
  return 0;
}

/* One launch wprof sees and three through a call it has no callback for. */
static int scenario_uncorrelated(void) {
  wprof_start();
  wprof_range_push("seen");
  gpu.launch("k_seen", 10 * US);
  for (int i = 0; i < 3; i++) gpu.launch_unseen("k_unseen", 20 * US);
  wprof_range_pop();
  gpu.sync();
  wprof_stop();
  return 0;
}

/* A graph of 100 nodes (window 1) whose last 10 (30 ms each) still run at its stop: with 16 KiB
 * buffers its first nodes' records come at that stop (and its spill's collect), the rest at window
 * 2's. Window 0 makes the fake learn the buffer size. */
static int scenario_graph_stop(void) {
  wprof_start();
  gpu.launch("k_first", 1 * US);
  gpu.sync();
  wprof_stop();
  wprof_start();
  gpu.graph_split("g_split", 1 * US, 100, 10, 30 * MS);
  wprof_stop();
  wprof_start();
  gpu.sync();
  wprof_stop();
  return 0;
}

/* The case: 90,000 launches of 1 us in one range, each with 3 other CUDA calls. */
static int scenario_many(void) {
  wprof_start();
  wprof_range_push("many");
  for (int i = 0; i < 90000; i++) {
    gpu.api_calls(3);
    gpu.launch("k_many", 1 * US);
  }
  wprof_range_pop();
  gpu.sync();
  wprof_stop();
  return 0;
}

/* More correlation ids between the first launch and the reading of its record than the table has
 * slots: 3000 launches, 32 ids apart, all held until the stop (WPROF_CUPTI_BUFFER_KB=800). */
static int scenario_spread(void) {
  wprof_start();
  gpu.hold(1);
  wprof_range_push("spread");
  for (int i = 0; i < 3000; i++) {
    gpu.api_calls(30);
    gpu.launch("k_spread", 1 * US); /* itself and its nested driver call: 2 ids */
  }
  wprof_range_pop();
  gpu.sync();
  gpu.hold(0);
  wprof_stop();
  return 0;
}

/* More launches waiting for their records than the table has slots: 70000, all held until the stop
 * (WPROF_CUPTI_BUFFER_KB=16: 65536 slots). */
static int scenario_overflow(void) {
  wprof_start();
  gpu.hold(1);
  wprof_range_push("overflow");
  for (int i = 0; i < 70000; i++) gpu.launch("k_overflow", 1 * US);
  wprof_range_pop();
  gpu.sync();
  gpu.hold(0);
  wprof_stop();
  return 0;
}

/* Three graph launches of 5 nodes of 1 ms; each graph's first node starts 2 ms after its launch. */
static int scenario_graph(void) {
  wprof_start();
  for (int i = 0; i < 3; i++) {
    gpu.graph_delayed("g_node", 1 * MS, 5, 2 * MS);
    gpu.sync();
  }
  wprof_stop();
  return 0;
}

/* An NTP-like step of CUPTI's default clock (+1 h, then -2 h) inside a window. */
static int scenario_clock(void) {
  wprof_start();
  wprof_range_push("clock");
  gpu.launch_delayed("k_before", 10 * US, 1 * MS);
  gpu.sync();
  gpu.clock_step(3600LL * 1000 * MS);
  gpu.launch_delayed("k_after", 10 * US, 1 * MS);
  gpu.sync();
  gpu.clock_step(-7200LL * 1000 * MS);
  gpu.launch_delayed("k_back", 10 * US, 1 * MS);
  gpu.sync();
  wprof_range_pop();
  wprof_stop();
  return 0;
}

/* Two kernels in a window: what the version and library scenarios look at. */
static int scenario_plain(void) {
  wprof_start();
  gpu.launch("k_plain", 10 * US);
  gpu.launch("k_plain", 10 * US);
  gpu.sync();
  wprof_stop();
  return 0;
}

int main(int argc, char **argv) {
  const char *scenario = argc > 1 ? argv[1] : "plain";
  const char *fake = argc > 2 ? argv[2] : "";
  /* "preloaded": the application has its libcupti before wprof starts (as PyTorch's is); "cudart":
   * it has a CUDA runtime (argv[3]) whose libcupti wprof should pick */
  int early = strcmp(scenario, "preloaded") == 0;
  if (early && load_fake(fake) != 0) return 1;
  if (!strcmp(scenario, "cudart") && (argc < 4 || !dlopen(argv[3], RTLD_NOW | RTLD_GLOBAL))) {
    fprintf(stderr, "cupti_fidelity_app: cannot load the CUDA runtime %s\n", argc > 3 ? argv[3] : "(none given)");
    return 1;
  }
  MPI_Init(&argc, &argv);
  int rc = 1;
  if (!early && load_fake(fake) != 0) goto out;
  if (wprof_init() != WPROF_OK) fprintf(stderr, "cupti_fidelity_app: wprof_init failed\n");
  if (!strcmp(scenario, "paths")) rc = scenario_paths();
  else if (!strcmp(scenario, "running")) rc = scenario_running();
  else if (!strcmp(scenario, "tail")) rc = scenario_tail(200);
  else if (!strcmp(scenario, "too_long")) rc = scenario_tail(20000);
  else if (!strcmp(scenario, "many")) rc = scenario_many();
  else if (!strcmp(scenario, "too_long_more")) rc = scenario_too_long_more();
  else if (!strcmp(scenario, "captured")) rc = scenario_captured();
  else if (!strcmp(scenario, "uncorrelated")) rc = scenario_uncorrelated();
  else if (!strcmp(scenario, "graph_stop")) rc = scenario_graph_stop();
  else if (!strcmp(scenario, "spread")) rc = scenario_spread();
  else if (!strcmp(scenario, "overflow")) rc = scenario_overflow();
  else if (!strcmp(scenario, "graph")) rc = scenario_graph();
  else if (!strcmp(scenario, "clock")) rc = scenario_clock();
  else rc = scenario_plain();
  double t0 = MPI_Wtime();
  int status = wprof_finalize();
  printf("cupti_fidelity_app: wprof_finalize: %s in %.3f s\n", wprof_strerror(status), MPI_Wtime() - t0);
  if (status != WPROF_OK) rc = 1;
out:
  MPI_Finalize();
  return rc;
}
