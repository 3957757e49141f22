/* A program that knows nothing of wprof or MPI: its iterations are NVTX ranges named "step" with a
 * nested "work" range. Under `wprof run --step-range step` each "step" range that ends is one step.
 * Usage: nvtx_steps [iterations] */
#include <nvtx3/nvToolsExt.h>
#include <stdlib.h>
#include <time.h>

static void work(void) {
  struct timespec pause = {0, 200000}; /* 0.2 ms */
  nanosleep(&pause, NULL);
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 10;
  for (long i = 0; i < iterations; i++) {
    nvtxRangePushA("step");
    nvtxRangePushA("work");
    work();
    nvtxRangePop();
    nvtxRangePop();
  }
  return 0;
}
