// The program `./run.sh gpu-check` profiles on a real GPU (tests/gpu/gpu_check.py reads its report):
// known launches through every common path, ranges around them, NVTX ranges, allocations, and a
// kernel still running at the stop. It prints what it did as `FACT <key> <value>` lines.
//   gpu_check_app cupti      (WPROF_BACKEND=cupti, WPROF_MEMORY=1, NVTX injection set by the script)
//   gpu_check_app profiler   (WPROF_BACKEND=cuda-profiler-api: three windows)
// Exits 77 when no device is usable, so nothing passes vacuously.
#include <cuda_runtime.h>
#include <nvtx3/nvToolsExt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wprof/wprof.h"

extern "C" __global__ void gc_saxpy(int n, float a, const float *x, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

extern "C" __global__ void gc_scale(int n, float a, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] *= a;
}

extern "C" __global__ void gc_add_one(int n, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] += 1.0f;
}

extern "C" __global__ void gc_tiny(float *y) { y[0] += 1.0f; }

extern "C" __global__ void gc_nvtx_kernel(int n, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] -= 1.0f;
}

// Runs for `ns` of the GPU's global timer: a kernel still running when the window stops.
extern "C" __global__ void gc_spin(unsigned long long ns) {
  unsigned long long start, now;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  do asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
  while (now - start < ns);
}

#define N (1 << 20)
#define BLOCKS ((N + 255) / 256)
#define MIB (1024ull * 1024ull)

static int failed(const char *what, cudaError_t err) {
  printf("gpu_check_app: %s: %s\n", what, cudaGetErrorString(err));
  return 1;
}

static int profile_cupti(float *x, float *y) {
  size_t free0 = 0, free1 = 0, total = 0;
  wprof_init();
  wprof_start();
  cudaMemGetInfo(&free0, &total); /* after CUPTI's own setup for the window */

  wprof_range_push("r_alloc");
  void *a = NULL, *b = NULL, *c = NULL;
  if (cudaMalloc(&a, 64 * MIB) != cudaSuccess || cudaMalloc(&b, 32 * MIB) != cudaSuccess ||
      cudaMalloc(&c, 16 * MIB) != cudaSuccess)
    return failed("cudaMalloc", cudaGetLastError());
  cudaMemGetInfo(&free1, &total);
  cudaFree(c);
  wprof_range_pop();
  printf("FACT mem_requested_peak %llu\n", 112 * MIB);
  printf("FACT memgetinfo_delta %llu\n", (unsigned long long)(free0 - free1));

  wprof_range_push("r_saxpy"); // <<<>>>: __cudaLaunchKernel with nvcc 13, cudaLaunchKernel before
  for (int i = 0; i < 20; i++) gc_saxpy<<<BLOCKS, 256>>>(N, 2.0f, x, y);
  wprof_range_pop();
  printf("FACT launched gc_saxpy 20\n");

  wprof_range_push("r_scale"); // the runtime API by hand
  int n = N;
  float two = 2.0f;
  void *args[] = {&n, &two, &y};
  for (int i = 0; i < 10; i++) cudaLaunchKernel((const void *)gc_scale, dim3(BLOCKS), dim3(256), args, 0, 0);
  wprof_range_pop();
  printf("FACT launched gc_scale 10\n");

  cudaStream_t s;
  cudaStreamCreate(&s);
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal);
  for (int i = 0; i < 4; i++) gc_add_one<<<BLOCKS, 256, 0, s>>>(N, y);
  cudaStreamEndCapture(s, &graph);
  if (cudaGraphInstantiate(&exec, graph, 0) != cudaSuccess) return failed("cudaGraphInstantiate", cudaGetLastError());
  wprof_range_push("r_graph");
  for (int i = 0; i < 5; i++) cudaGraphLaunch(exec, s);
  cudaStreamSynchronize(s);
  wprof_range_pop();
  printf("FACT launched gc_add_one 20\nFACT graph_launches gc_add_one 5\nFACT captured_launches 4\n");

  wprof_range_push("r_latency"); // on an idle GPU: the launch latency itself
  for (int i = 0; i < 50; i++) {
    gc_tiny<<<1, 1>>>(y);
    cudaDeviceSynchronize();
  }
  wprof_range_pop();
  printf("FACT launched gc_tiny 50\n");

  for (int i = 0; i < 5; i++) { // the application's own NVTX ranges
    nvtxRangePushA("nvtx_step");
    gc_nvtx_kernel<<<BLOCKS, 256>>>(N, y);
    nvtxRangePop();
  }
  cudaDeviceSynchronize();
  printf("FACT launched gc_nvtx_kernel 5\nFACT nvtx_ranges nvtx_step 5\n");

  wprof_range_push("r_tail"); // still running when the window stops
  gc_spin<<<1, 1>>>(200ull * 1000 * 1000);
  wprof_range_pop();
  wprof_stop();
  printf("FACT launched gc_spin 1\nFACT spin_ns 200000000\n");
  cudaDeviceSynchronize();
  struct timespec t0, t1; /* nothing runs now: finalize must not wait for the captured launches' records */
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = wprof_finalize();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("FACT finalize_ms %lld\n", (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaStreamDestroy(s);
  cudaFree(a);
  cudaFree(b);
  return rc == WPROF_OK ? 0 : failed("wprof_finalize", cudaSuccess);
}

static int profile_profiler(float *x, float *y) {
  wprof_init();
  for (int w = 0; w < 3; w++) {
    wprof_start();
    gc_saxpy<<<BLOCKS, 256>>>(N, 2.0f, x, y);
    cudaDeviceSynchronize();
    wprof_stop();
  }
  printf("FACT windows 3\n");
  return wprof_finalize() == WPROF_OK ? 0 : 1;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "cupti";
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    printf("gpu_check_app: no usable CUDA device (%s, %d devices): skipped\n", cudaGetErrorString(err), count);
    return 77;
  }
  float *x = NULL, *y = NULL;
  if (cudaMalloc(&x, N * sizeof(float)) != cudaSuccess || cudaMalloc(&y, N * sizeof(float)) != cudaSuccess)
    return failed("cudaMalloc", cudaGetLastError());
  cudaMemset(x, 0, N * sizeof(float));
  cudaMemset(y, 0, N * sizeof(float));
  /* each kernel once before wprof starts: lazy module loading (CUDA 12.2+) must not count as latency */
  gc_saxpy<<<1, 1>>>(1, 1.0f, x, y);
  gc_scale<<<1, 1>>>(1, 1.0f, y);
  gc_add_one<<<1, 1>>>(1, y);
  gc_tiny<<<1, 1>>>(y);
  gc_nvtx_kernel<<<1, 1>>>(1, y);
  gc_spin<<<1, 1>>>(1000);
  cudaDeviceSynchronize();
  int rc = strcmp(mode, "profiler") == 0 ? profile_profiler(x, y) : profile_cupti(x, y);
  cudaFree(x);
  cudaFree(y);
  return rc;
}
