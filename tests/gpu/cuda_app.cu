// A small CUDA program profiled for real: exits 77 when no device is usable, so the test skips
// instead of passing vacuously. Usage: cuda_app [launches]
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>

#include "wprof/wprof.h"

__global__ void wprof_test_saxpy(int n, float a, const float *x, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

int main(int argc, char **argv) {
  int launches = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 10;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    printf("cuda_app: no usable CUDA device (%s, %d devices): skipped\n", cudaGetErrorString(err), count);
    return 77;
  }
  const int n = 1 << 20;
  float *x = NULL, *y = NULL;
  if (cudaMalloc(&x, n * sizeof(float)) != cudaSuccess || cudaMalloc(&y, n * sizeof(float)) != cudaSuccess) {
    printf("cuda_app: cudaMalloc failed: skipped\n");
    return 77;
  }
  wprof_init();
  wprof_start();
  wprof_range_push("gpu.outer");
  cudaMemset(x, 0, n * sizeof(float));
  for (int i = 0; i < launches; i++) {
    wprof_range_push("gpu.inner");
    wprof_test_saxpy<<<(n + 255) / 256, 256>>>(n, 2.0f, x, y);
    wprof_range_pop();
  }
  cudaDeviceSynchronize();
  wprof_range_pop();
  wprof_stop();
  int rc = wprof_finalize();
  cudaFree(x);
  cudaFree(y);
  return rc == WPROF_OK ? 0 : 1;
}
