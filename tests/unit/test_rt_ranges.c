/* Ranges: nesting gives exact self/total relationships, calls are counted, rows are kept per
 * (window, name) and only while a window runs, threads merge, and overflow/underflow never crash. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ranges.h"
#include "timer.h"
#include "wpio_job.h"
#include "wprof/wprof.h"
#include "wptest_check.h"

static struct wpio_job job;

static void recollect(void) {
  wpio_job_free(&job);
  wpio_job_init(&job);
  EXPECT(wpr_ranges_collect(&job, 7) == 0, "collect");
}

static const struct wpio_range_row *row(int32_t window, const char *name) {
  uint32_t id = wpio_strtab_find(&job.names, name);
  const struct wpio_range_row *found = NULL;
  int n = 0;
  for (size_t i = 0; i < job.ranges.n; i++)
    if (job.ranges.v[i].window == window && job.ranges.v[i].name_id == id) {
      found = &job.ranges.v[i];
      n++;
    }
  EXPECT(n <= 1, "(%d, %s) appears %d times: rows must be merged", window, name, n);
  return found;
}

static void spin_ns(uint64_t ns) {
  uint64_t t0 = wpr_mono_ns();
  while (wpr_mono_ns() - t0 < ns) {
  }
}

static void check_window_gating(void) {
  wpr_ranges_set_window(-1);
  wprof_range_push("outside");
  wprof_range_pop();
  wpr_ranges_set_window(1);
  wprof_range_push("straddle"); /* the window is taken at push */
  wpr_ranges_set_window(-1);
  wprof_range_pop();
  wprof_range_push("straddle");
  wprof_range_pop();
  wpr_ranges_set_window(2);
  wpr_ranges_set_enabled(0);
  wprof_range_push("disabled");
  wprof_range_pop();
  wpr_ranges_set_enabled(1);
  wpr_ranges_set_window(-1);
  recollect();
  EXPECT(wpio_strtab_find(&job.names, "outside") == UINT32_MAX, "no row outside a window");
  EXPECT(wpio_strtab_find(&job.names, "disabled") == UINT32_MAX, "no row while disabled");
  const struct wpio_range_row *r = row(1, "straddle");
  EXPECT(r && r->calls == 1 && r->rank == 7, "straddle: one call in window 1");
}

/* A { B { C } } B, spun for known times, with clock_gettime read around every range: a range lasts at
 * least its spins and at most the clock interval around it (preemption widens both alike), and the
 * self/total relationships hold exactly. */
static void check_nesting(void) {
  char name_a[] = "A";
  uint64_t t[8];
  wpr_ranges_set_window(0);
  t[0] = wpr_mono_ns();
  wprof_range_push(name_a);
  name_a[0] = 'Z'; /* the caller's buffer may change after push: rows keep their own copy */
  spin_ns(1000000);
  t[1] = wpr_mono_ns();
  wprof_range_push("B");
  spin_ns(2000000);
  t[2] = wpr_mono_ns();
  wprof_range_push("C");
  spin_ns(1000000);
  wprof_range_pop();
  t[3] = wpr_mono_ns();
  wprof_range_pop();
  t[4] = wpr_mono_ns();
  t[5] = wpr_mono_ns();
  wprof_range_push("B");
  spin_ns(1000000);
  wprof_range_pop();
  t[6] = wpr_mono_ns();
  wprof_range_pop();
  t[7] = wpr_mono_ns();
  wpr_ranges_set_window(3); /* the same name in another window is another row */
  wprof_range_push("A");
  wprof_range_pop();
  wpr_ranges_set_window(-1);
  recollect();
  const struct wpio_range_row *a = row(0, "A"), *b = row(0, "B"), *c = row(0, "C"), *a3 = row(3, "A");
  EXPECT(a && b && c && a3 && wpio_strtab_find(&job.names, "Z") == UINT32_MAX, "rows present");
  if (!(a && b && c && a3)) return;
  EXPECT(a->calls == 1 && b->calls == 2 && c->calls == 1 && a3->calls == 1, "calls %llu %llu %llu",
         (unsigned long long)a->calls, (unsigned long long)b->calls, (unsigned long long)c->calls);
  EXPECT(a->cpu_self_ns == a->cpu_total_ns - b->cpu_total_ns, "self(A) = total(A) - total(B)");
  EXPECT(b->cpu_self_ns == b->cpu_total_ns - c->cpu_total_ns, "self(B) = total(B) - total(C)");
  EXPECT(c->cpu_self_ns == c->cpu_total_ns, "a leaf's self is its total");
  EXPECT(a->cpu_total_ns >= a->cpu_self_ns + b->cpu_total_ns, "total(A) >= self(A) + total(children)");
  EXPECT(c->cpu_total_ns >= 1000000 && c->cpu_total_ns <= t[3] - t[2], "total(C) %llu in [1 ms, %llu]",
         (unsigned long long)c->cpu_total_ns, (unsigned long long)(t[3] - t[2]));
  uint64_t b_clock = (t[4] - t[1]) + (t[6] - t[5]);
  EXPECT(b->cpu_total_ns >= 4000000 && b->cpu_total_ns <= b_clock, "total(B) %llu in [4 ms, %llu]",
         (unsigned long long)b->cpu_total_ns, (unsigned long long)b_clock);
  EXPECT(a->cpu_total_ns >= 5000000 && a->cpu_total_ns <= t[7] - t[0], "total(A) %llu in [5 ms, %llu]",
         (unsigned long long)a->cpu_total_ns, (unsigned long long)(t[7] - t[0]));
  EXPECT(a->cpu_self_ns >= 1000000 && b->cpu_self_ns >= 3000000, "self(A) %llu >= 1 ms, self(B) %llu >= 3 ms",
         (unsigned long long)a->cpu_self_ns, (unsigned long long)b->cpu_self_ns);
}

#define THREADS 8
#define THREAD_CALLS 2000

static void *thread_body(void *arg) {
  for (int i = 0; i < THREAD_CALLS; i++) {
    wprof_range_push("mt.outer");
    wprof_range_push("mt.inner");
    wprof_range_pop();
    wprof_range_pop();
  }
  return arg;
}

static void check_threads(void) {
  wpr_ranges_set_window(4);
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, thread_body, NULL);
  for (int i = 0; i < 20; i++) recollect(); /* collect while the threads push and pop */
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  wpr_ranges_set_window(-1);
  recollect();
  const struct wpio_range_row *o = row(4, "mt.outer"), *in = row(4, "mt.inner");
  EXPECT(o && o->calls == THREADS * THREAD_CALLS, "outer calls merged over threads");
  EXPECT(in && in->calls == THREADS * THREAD_CALLS, "inner calls merged over threads");
  if (o && in) EXPECT(o->cpu_self_ns == o->cpu_total_ns - in->cpu_total_ns, "merged self/total");
}

static void check_overflow_underflow(void) {
  wpr_ranges_set_window(5);
  uint64_t before = wpr_ranges_overflows();
  for (int i = 0; i < 300; i++) wprof_range_push("deep");
  for (int i = 0; i < 300; i++) wprof_range_pop();
  EXPECT(wpr_ranges_overflows() - before == 300 - 256, "overflows counted: %llu",
         (unsigned long long)(wpr_ranges_overflows() - before));
  wprof_range_pop(); /* underflow: ignored */
  wprof_range_pop();
  wprof_range_push(NULL);
  wprof_range_pop();
  wprof_range_push("after");
  wprof_range_pop();
  wpr_ranges_set_window(-1);
  recollect();
  const struct wpio_range_row *d = row(5, "deep"), *after = row(5, "after");
  EXPECT(d && d->calls == 256, "the 256 kept frames are recorded: %llu", d ? (unsigned long long)d->calls : 0ull);
  EXPECT(after && after->calls == 1, "the stack is balanced after overflow and underflow");
}

int main(void) {
  wpio_job_init(&job);
  check_window_gating();
  check_nesting();
  check_threads();
  check_overflow_underflow();
  wpio_job_free(&job);
  printf("ranges: %d failures\n", wptest_failures());
  return wptest_failures() ? 1 : 0;
}
