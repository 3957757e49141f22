/* The program of the gpu_extra_* tests (issue 10: memory, launch configurations, CUDA graphs, call
 * stacks): drives the fake libcupti inside wprof windows and ranges, under MPI.
 *   gpu_extra_app <scenario> <libfakecupti.so>
 * Built with -rdynamic and frame pointers so the stack scenario's functions symbolize by name. The
 * expected report of each scenario is spelled out in gpu_extra_check.py. */
#include <dlfcn.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <wprof/wprof.h>

static struct {
  int (*launch)(const char *, uint64_t);
  int (*launch_config)(const char *, uint64_t, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned);
  int (*graph_launch)(const char *, uint64_t, unsigned);
  int (*alloc)(uint64_t);
  int (*free)(uint64_t);
  int (*reverse)(int);
  int (*sync)(void);
} gpu;

static int load_fake(const char *path) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "gpu_extra_app: %s\n", dlerror());
    return -1;
  }
  *(void **)&gpu.launch = dlsym(h, "fakecupti_launch");
  *(void **)&gpu.launch_config = dlsym(h, "fakecupti_launch_config");
  *(void **)&gpu.graph_launch = dlsym(h, "fakecupti_graph_launch");
  *(void **)&gpu.alloc = dlsym(h, "fakecupti_alloc");
  *(void **)&gpu.free = dlsym(h, "fakecupti_free");
  *(void **)&gpu.reverse = dlsym(h, "fakecupti_reverse");
  *(void **)&gpu.sync = dlsym(h, "fakecupti_sync");
  return gpu.launch && gpu.launch_config && gpu.graph_launch && gpu.alloc && gpu.free && gpu.reverse && gpu.sync
             ? 0 : -1;
}

#define US 1000u

/* phase1: 100, 200, free 100, 300 (peak 500); phase2: free 300, 50 (level 250); then 1000 outside
 * any range (level 1250). The records reach wprof in reverse order, so only a time-ordered running
 * sum gets these peaks. */
static void scenario_memory(void) {
  gpu.reverse(1);
  wprof_start();
  wprof_range_push("phase1");
  gpu.alloc(100);
  gpu.alloc(200);
  gpu.free(100);
  gpu.alloc(300);
  wprof_range_pop();
  wprof_range_push("phase2");
  gpu.free(300);
  gpu.alloc(50);
  wprof_range_pop();
  gpu.alloc(1000);
  gpu.launch("k_mem", 10 * US);
  wprof_stop();
  gpu.reverse(0);
}

/* kc twice with grid 1x1x1 / block 128x1x1 (10 us each), once with 4x2x1 / 256x1x1 (20 us). */
static void scenario_config(void) {
  wprof_start();
  gpu.launch_config("kc", 10 * US, 1, 1, 1, 128, 1, 1);
  gpu.launch_config("kc", 20 * US, 4, 2, 1, 256, 1, 1);
  gpu.launch_config("kc", 10 * US, 1, 1, 1, 128, 1, 1);
  gpu.sync();
  wprof_stop();
}

/* decode: one graph launch of 5 kernels of 10 us; prefill: one eager kernel of 50 us. */
static void scenario_graph(void) {
  wprof_start();
  wprof_range_push("prefill");
  gpu.launch("k_eager", 50 * US);
  wprof_range_pop();
  wprof_range_push("decode");
  gpu.graph_launch("g_step", 10 * US, 5);
  wprof_range_pop();
  gpu.sync();
  wprof_stop();
}

__attribute__((noinline)) void stack_inner(void) {
  gpu.launch("k_deep", 30 * US);
  __asm__ volatile("" ::: "memory"); /* not a tail call: this frame stays on the stack */
}

__attribute__((noinline)) void stack_outer(void) {
  stack_inner();
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void stack_other(void) {
  gpu.launch("k_other", 7 * US);
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void alloc_site(uint64_t bytes) {
  gpu.alloc(bytes);
  __asm__ volatile("" ::: "memory");
}

/* k_deep 3 x 30 us from stack_outer -> stack_inner, k_other 2 x 7 us from stack_other; allocations
 * of 1000, 2000 and 3000 bytes from alloc_site (a /stacks row only with WPROF_MEMORY), one freed. */
static void scenario_stacks(void) {
  wprof_start();
  for (int i = 0; i < 3; i++) stack_outer();
  for (int i = 0; i < 2; i++) stack_other();
  for (uint64_t b = 1000; b <= 3000; b += 1000) alloc_site(b);
  gpu.free(2000);
  gpu.sync();
  wprof_stop();
}

/* Allocations and launches with WPROF_MEMORY and WPROF_STACKS left at their defaults (off). */
static void scenario_off(void) {
  wprof_start();
  gpu.alloc(4096);
  stack_outer();
  gpu.free(4096);
  gpu.sync();
  wprof_stop();
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rc = 1;
  const char *scenario = argc > 1 ? argv[1] : "off";
  if (argc < 3 || load_fake(argv[2]) != 0) goto out;
  if (wprof_init() != WPROF_OK) fprintf(stderr, "gpu_extra_app: wprof_init failed\n");
  if (!strcmp(scenario, "memory")) scenario_memory();
  else if (!strcmp(scenario, "config")) scenario_config();
  else if (!strcmp(scenario, "graph")) scenario_graph();
  else if (!strcmp(scenario, "stacks")) scenario_stacks();
  else scenario_off();
  int status = wprof_finalize();
  rc = status == WPROF_OK ? 0 : 1;
out:
  MPI_Finalize();
  return rc;
}
