/* Unit test of wprof's own phase timing (runtime/base/phase_time.c), no MPI: counts and sums per
 * phase, wall against the thread's CPU time (a sleep costs wall, a busy loop both), the debug line
 * bench_finalize parses, and the fresh start after it is said. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "phase_time.h"
#include "wptest_check.h"

static volatile uint64_t sink;

static void busy_ms(double ms) {
  struct timespec a, b;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  do {
    for (int i = 0; i < 1000; i++) sink += (uint64_t)i;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  } while ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6 < ms);
}

static int sleep_is_wall_not_cpu(void) {
  struct wpr_phase_mark m = wpr_phase_begin();
  usleep(20000);
  wpr_phase_end(WPR_PH_SYNC, m);
  uint64_t n, wall, cpu;
  wpr_phase_get(WPR_PH_SYNC, &n, &wall, &cpu);
  CHECK(n == 1);
  CHECK(wall >= 20000000u);
  CHECK(cpu < wall / 2); /* a wait in a sync point costs its rank no core */
  return 0;
}

static int busy_is_both_and_sums(void) {
  for (int i = 0; i < 3; i++) {
    struct wpr_phase_mark m = wpr_phase_begin();
    busy_ms(2);
    wpr_phase_end(WPR_PH_SPILL, m);
  }
  uint64_t n, wall, cpu;
  wpr_phase_get(WPR_PH_SPILL, &n, &wall, &cpu);
  CHECK(n == 3);
  CHECK(cpu >= 6000000u);
  CHECK(wall >= cpu - cpu / 100); /* wall and CPU clocks tick apart: allow 1% */
  return 0;
}

static int said_then_fresh(void) {
  wpr_log_set_level(WPR_LOG_DEBUG);
  wpr_log_set_rank(3);
  char path[] = "/tmp/wprof-phase-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  wpr_phase_say();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char line[1024] = "";
  FILE *f = fopen(path, "r");
  CHECK(f && fgets(line, sizeof line, f));
  fclose(f);
  close(fd);
  unlink(path);
  /* the format bench_finalize reads: "<name> <count>x <wall>/<cpu> ms", phases that ran only */
  CHECK(strncmp(line, "wprof[rank 3]: debug: phases: sync 1x ", 38) == 0);
  const char *spill = strstr(line, ", spill 3x ");
  double w = 0, c = 0;
  CHECK(spill && sscanf(spill, ", spill 3x %lf/%lf ms", &w, &c) == 2 && c >= 6.0 && w >= c * 0.99);
  CHECK(!strstr(line, "init") && !strstr(line, "gather"));
  uint64_t n = 1, wall = 1, cpu = 1;
  wpr_phase_get(WPR_PH_SPILL, &n, &wall, &cpu);
  CHECK(n == 0 && wall == 0 && cpu == 0);
  CHECK(strcmp(wpr_phase_name(WPR_PH_TEARDOWN), "teardown") == 0);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, sleep_is_wall_not_cpu);
  RUN(fails, busy_is_both_and_sums);
  RUN(fails, said_then_fresh);
  return fails ? 1 : 0;
}
