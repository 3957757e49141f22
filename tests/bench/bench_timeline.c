/* Benchmark: the timeline's cost on the hot paths. A lite scope begin+end and a range push+pop inside a
 * window with WPROF_TIMELINE off and on (medians of interleaved repetitions in one run); "off" is also
 * set against bench_lite's baseline (two clock_gettime) with bench_lite's target, so a regression of
 * the off path shows as it would there. */
#include "bench_common.h"
#include "ranges.h"
#include "timeline.h"
#include "wprof/wprof.h"

#define LITE_PAIRS 2000000
#define RANGE_PAIRS 100000 /* "on" keeps every range: 40 bytes an event */

static double lite_pair_ns(int id) {
  uint64_t t0 = bench_now_ns();
  for (int i = 0; i < LITE_PAIRS; i++) {
    wprof_scope_begin(id);
    wprof_scope_end(id);
  }
  return (double)(bench_now_ns() - t0) / LITE_PAIRS;
}

static double range_pair_ns(void) {
  uint64_t t0 = bench_now_ns();
  for (int i = 0; i < RANGE_PAIRS; i++) {
    wprof_range_push("bench.range");
    wprof_range_pop();
  }
  return (double)(bench_now_ns() - t0) / RANGE_PAIRS;
}

static double clock_pair_ns(void) {
  struct timespec a, b;
  uint64_t sink = 0;
  uint64_t t0 = bench_now_ns();
  for (int i = 0; i < LITE_PAIRS; i++) {
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    sink += (uint64_t)(b.tv_nsec - a.tv_nsec);
  }
  double ns = (double)(bench_now_ns() - t0) / LITE_PAIRS;
  __asm__ volatile("" : : "r"(sink));
  return ns;
}

/* A window as window.c opens one, with the timeline on or off. */
static void window(int timeline_on) {
  static int32_t number;
  wpr_timeline_window_close(number);
  wpr_timeline_window_open(++number, timeline_on, 1000000000);
}

int main(void) {
  int id = wprof_scope_id("bench.timeline.lite");
  if (id < 0) {
    fprintf(stderr, "bench_timeline: wprof_scope_id failed: %s\n", wprof_strerror(id));
    return 1;
  }
  wpr_ranges_set_window(0); /* ranges are recorded (and on the timeline) only inside a window */
  window(1);
  lite_pair_ns(id); /* first use: tables, histogram groups, the timeline's buffer */
  range_pair_ns();
  double lite_off[BENCH_REPS], lite_on[BENCH_REPS], range_off[BENCH_REPS], range_on[BENCH_REPS], clk[BENCH_REPS];
  for (int r = 0; r < BENCH_REPS; r++) {
    window(0);
    lite_off[r] = lite_pair_ns(id);
    range_off[r] = range_pair_ns();
    window(1);
    lite_on[r] = lite_pair_ns(id);
    range_on[r] = range_pair_ns();
    clk[r] = clock_pair_ns();
  }
  window(0);
  uint64_t kept = 0, dropped = 0;
  wpr_timeline_counts(&kept, &dropped);
  double off = bench_median(lite_off, BENCH_REPS), roff = bench_median(range_off, BENCH_REPS);
  bench_report("lite begin+end, timeline off vs 2x clock_gettime", off, bench_median(clk, BENCH_REPS), 1.0, 1);
  bench_report("lite begin+end, timeline on (sampled) vs off", bench_median(lite_on, BENCH_REPS), off, 2.0, 1);
  bench_report("range push+pop, timeline on (every range) vs off", bench_median(range_on, BENCH_REPS), roff, 3.0, 1);
  printf("bench_timeline: %llu events kept, %llu dropped\n", (unsigned long long)kept, (unsigned long long)dropped);
  return 0;
}
