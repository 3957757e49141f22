/* Benchmark: one lite scope begin+end pair against two clock_gettime(CLOCK_MONOTONIC) calls (what a
 * clock-based scope would cost), measured in the same run; medians of interleaved repetitions. */
#include "bench_common.h"
#include "wprof/wprof.h"

#define PAIRS 2000000

static double lite_pair_ns(int id) {
  uint64_t t0 = bench_now_ns();
  for (int i = 0; i < PAIRS; i++) {
    wprof_scope_begin(id);
    wprof_scope_end(id);
  }
  return (double)(bench_now_ns() - t0) / PAIRS;
}

static double clock_pair_ns(void) {
  struct timespec a, b;
  uint64_t sink = 0;
  uint64_t t0 = bench_now_ns();
  for (int i = 0; i < PAIRS; i++) {
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    sink += (uint64_t)(b.tv_nsec - a.tv_nsec);
  }
  double ns = (double)(bench_now_ns() - t0) / PAIRS;
  __asm__ volatile("" : : "r"(sink));
  return ns;
}

int main(void) {
  int id = wprof_scope_id("bench.lite");
  if (id < 0) {
    fprintf(stderr, "bench_lite: wprof_scope_id failed: %s\n", wprof_strerror(id));
    return 1;
  }
  lite_pair_ns(id); /* first use: the thread's table and histogram groups are made here */
  double lite[BENCH_REPS], clk[BENCH_REPS];
  for (int r = 0; r < BENCH_REPS; r++) {
    lite[r] = lite_pair_ns(id);
    clk[r] = clock_pair_ns();
  }
  bench_report("lite begin+end vs 2x clock_gettime", bench_median(lite, BENCH_REPS), bench_median(clk, BENCH_REPS),
               1.0, 1);
  return 0;
}
