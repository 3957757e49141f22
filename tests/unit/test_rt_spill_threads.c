/* Open-window crash spills while other threads record: the driving thread steps a window with
 * WPROF_SPILL_INTERVAL_MS=1, so it collects and spills the open window again and again, while worker
 * threads push and pop ranges, time lite scopes and fill the timeline (and call wprof_step, which
 * only the driving thread may: WPROF_ETHREAD); the program's errno survives every step. Run under ThreadSanitizer too (tests/sanitize/tsan).
 * A world of one, host backend; the report is read back: every worker's ranges counted once. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wprof/wprof.h"
#include "wpio_spill.h"
#include "wptest_check.h"

#define OK(cond) EXPECT(cond, "%s", "")
#define THREADS 3

static int stop_flag, ethread_seen;
static uint64_t worker_ranges;

static void *worker(void *arg) {
  (void)arg;
  int scope = wprof_scope_id("worker_scope");
  uint64_t i = 0;
  for (; !__atomic_load_n(&stop_flag, __ATOMIC_RELAXED); i++) {
    wprof_range_push("worker_range");
    wprof_scope_begin(scope);
    wprof_scope_end(scope);
    wprof_range_pop();
    if (i % 100 == 0 && wprof_step() == WPROF_ETHREAD) __atomic_store_n(&ethread_seen, 1, __ATOMIC_RELAXED);
    if (i % 4 == 0) usleep(20); /* leave the driving thread some of the cores */
  }
  __atomic_fetch_add(&worker_ranges, i, __ATOMIC_RELAXED);
  return NULL;
}

int main(void) {
  char dir[] = "/tmp/wprof-spill-threads-XXXXXX", out[96], spills[112];
  OK(mkdtemp(dir) != NULL);
  snprintf(out, sizeof out, "%s/report.h5", dir);
  snprintf(spills, sizeof spills, "%s.d", out);
  setenv("WPROF_OUTPUT", out, 1);
  setenv("WPROF_BACKEND", "host", 1);
  setenv("WPROF_TIMELINE", "1", 1);
  setenv("WPROF_TIMELINE_MAX_EVENTS", "2000", 1); /* spills stay small: many of them */
  setenv("WPROF_SPILL_INTERVAL_MS", "1", 1);
  setenv("WPROF_KEEP_SPILLS", "1", 1);
  setenv("WPROF_LOG", "error", 1);
  OK(wprof_init() == WPROF_OK);
  OK(wprof_start() == WPROF_OK && wprof_is_running());
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) OK(pthread_create(&th[i], NULL, worker, NULL) == 0);
  /* the driving thread steps while they run: an open-window spill every millisecond or so */
  int steps = 0, errno_changed = 0;
  for (int i = 0; i < 400; i++, steps++) {
    wprof_range_push("driver_step");
    usleep(500);
    wprof_range_pop();
    errno = EDOM; /* the program's errno: a step, spill or not, leaves it as it was */
    OK(wprof_step() == WPROF_OK);
    errno_changed += errno != EDOM;
  }
  __atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  OK(__atomic_load_n(&ethread_seen, __ATOMIC_RELAXED));
  EXPECT(errno_changed == 0, "errno changed by %d of %d steps", errno_changed, steps);
  errno = EDOM;
  OK(wprof_stop() == WPROF_OK);
  EXPECT(errno == EDOM, "errno %d after the stop (its sync point and spill)", errno);
  OK(wprof_finalize() == WPROF_OK);

  /* the kept spill (finalize's, whole): one window of `steps` steps, not cut short, and every
   * worker range counted once */
  struct wpio_job j;
  char err[256] = "";
  wpio_job_init(&j);
  EXPECT(wpio_spill_read_in(spills, 0, &j, err, sizeof err) == 0, "%s", err);
  EXPECT(j.windows.n == 1 && j.windows.v[0].steps == steps && !j.windows.v[0].cut_short, "%zu windows", j.windows.n);
  uint64_t calls = 0;
  for (size_t i = 0; i < j.ranges.n; i++) {
    const char *name = j.ranges.v[i].name_id < j.names.n ? j.names.s[j.ranges.v[i].name_id] : "";
    if (strcmp(name, "worker_range") == 0) calls += j.ranges.v[i].calls;
  }
  EXPECT(calls == worker_ranges, "worker_range: %llu calls, %llu made", (unsigned long long)calls,
         (unsigned long long)worker_ranges);
  wpio_job_free(&j);
  wpio_spill_remove_all(spills, err, sizeof err);
  unlink(out);
  rmdir(dir);
  return wptest_failures() != 0;
}
