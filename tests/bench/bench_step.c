/* Benchmark: wprof_step while idle (no window pending) and while a window runs, against an empty
 * out-of-line call measured in the same run; a world of one with the host backend. */
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_common.h"
#include "wprof/wprof.h"

#define STEPS 10000000

static __attribute__((noinline)) int empty_call(void) {
  __asm__ volatile("");
  return 0;
}

static double loop_ns(int (*fn)(void)) {
  int sink = 0;
  uint64_t t0 = bench_now_ns();
  for (int i = 0; i < STEPS; i++) sink |= fn();
  double ns = (double)(bench_now_ns() - t0) / STEPS;
  __asm__ volatile("" : : "r"(sink));
  return ns;
}

static void medians(int (*fn)(void), double *value, double *baseline) {
  double v[BENCH_REPS], b[BENCH_REPS];
  for (int r = 0; r < BENCH_REPS; r++) {
    v[r] = loop_ns(fn);
    b[r] = loop_ns(empty_call);
  }
  *value = bench_median(v, BENCH_REPS);
  *baseline = bench_median(b, BENCH_REPS);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) { return remove(path); }

int main(void) {
  char dir[] = "/tmp/wprof-bench-XXXXXX", out[64];
  if (!mkdtemp(dir)) return 1;
  snprintf(out, sizeof out, "%s/report.h5", dir);
  setenv("WPROF_OUTPUT", out, 1);  /* the benchmark's own report goes to a scratch directory */
  setenv("WPROF_BACKEND", "host", 1);
  setenv("WPROF_LOG", "error", 1);
  int rc = wprof_init();
  if (rc != WPROF_OK) {
    fprintf(stderr, "bench_step: wprof_init: %s\n", wprof_strerror(rc));
    return 1;
  }
  double idle, running, base_idle, base_running;
  medians(wprof_step, &idle, &base_idle);
  wprof_start();
  if (!wprof_is_running()) fprintf(stderr, "bench_step: the window did not open\n");
  medians(wprof_step, &running, &base_running);
  wprof_stop();
  wprof_finalize();
  nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  bench_report("wprof_step idle vs empty call", idle, base_idle, 3.0, 0);
  bench_report("wprof_step running vs empty call", running, base_running, 30.0, 0);
  return 0;
}
