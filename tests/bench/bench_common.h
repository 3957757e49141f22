/* Shared by the benchmarks: a monotonic clock, medians of repetitions, and the one-line BENCH output
 * that ./run.sh bench collects. */
#ifndef WPROF_BENCH_COMMON_H
#define WPROF_BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>

#define BENCH_REPS 9

static inline uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static inline double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* BENCH <figure>|<value>|<baseline or ->|<ratio or ->|<target>|<PASS or FAIL> */
static inline int bench_report(const char *figure, double value_ns, double baseline_ns, double target,
                               int target_is_ratio) {
  char base[32] = "-", ratio[32] = "-", tgt[32];
  double r = baseline_ns > 0 ? value_ns / baseline_ns : 0;
  if (baseline_ns > 0) {
    snprintf(base, sizeof base, "%.1f ns", baseline_ns);
    snprintf(ratio, sizeof ratio, "%.2f", r);
  }
  int pass = target_is_ratio ? r <= target : value_ns <= target;
  snprintf(tgt, sizeof tgt, target_is_ratio ? "<= %.1f" : "<= %.0f ns", target);
  printf("BENCH %s|%.1f ns|%s|%s|%s|%s\n", figure, value_ns, base, ratio, tgt, pass ? "PASS" : "FAIL");
  return pass;
}

#endif
