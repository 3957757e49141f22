/* The timeline's buffers without MPI: lite scopes and ranges from 4 threads while collect runs
 * concurrently (exact counts, lite sampling), the exact cap and dropped count, events begun before the
 * window, the off switch, and the packing's clock conversion and order. Also run under TSan. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ranges.h"
#include "timeline.h"
#include "timer.h"
#include "wpio_job.h"
#include "wprof/wprof.h"
#include "wptest_check.h"

#define THREADS 4
#define LITE_CALLS 1000
#define RANGES 300

static const struct wpr_clock_fit same_clock = {0, 0, 0, 0};

static size_t count_named(const struct wpio_job *job, int kind, const char *name) {
  uint32_t id = wpio_strtab_find(&job->names, name);
  size_t n = 0;
  for (size_t i = 0; i < job->timeline.n; i++)
    if (job->timeline.v[i].kind == kind && job->timeline.v[i].name_id == id) n++;
  return n;
}

static uint64_t kept_now(void) {
  uint64_t kept = 0, dropped = 0;
  wpr_timeline_counts(&kept, &dropped);
  return kept;
}

static uint64_t dropped_now(void) {
  uint64_t kept = 0, dropped = 0;
  wpr_timeline_counts(&kept, &dropped);
  return dropped;
}

static void *worker(void *arg) {
  (void)arg;
  int id = wprof_scope_id("unit.lite");
  for (int i = 0; i < LITE_CALLS; i++) {
    wprof_scope_begin(id);
    wprof_scope_end(id);
  }
  for (int i = 0; i < RANGES; i++) {
    wprof_range_push("unit.range");
    wprof_range_pop();
  }
  return NULL;
}

/* One collect while the workers may be recording: what it sees are whole events. */
static int collect_pass(void) {
  struct wpio_job job;
  wpio_job_init(&job);
  uint64_t dropped = 0;
  int rc = wpr_timeline_collect(&job, 3, &same_clock, &dropped);
  for (size_t i = 0; rc == WPROF_OK && i < job.timeline.n; i++)
    if (job.timeline.v[i].end_ns < job.timeline.v[i].start_ns) rc = -1;
  wpio_job_free(&job);
  CHECK(rc == WPROF_OK);
  return 0;
}

static int threads_and_sampling(void) {
  wpr_ranges_set_window(0);
  wpr_timeline_window_open(0, 1, 1000000000);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
  int bad = 0;
  for (int round = 0; round < 20; round++) bad |= collect_pass();
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  wpr_timeline_window_close(0);
  wpr_ranges_set_window(-1);
  CHECK(!bad);

  struct wpio_job job;
  wpio_job_init(&job);
  uint64_t dropped = 1;
  CHECK(wpr_timeline_collect(&job, 3, &same_clock, &dropped) == WPROF_OK);
  /* per thread: the first 256 calls, then calls 256, 320, ..., 960 */
  size_t sampled = WPR_TIMELINE_LITE_FIRST + (LITE_CALLS - WPR_TIMELINE_LITE_FIRST + WPR_TIMELINE_LITE_EVERY - 1) /
                                                 WPR_TIMELINE_LITE_EVERY;
  CHECK(count_named(&job, WPIO_EV_LITE, "unit.lite") == THREADS * sampled);
  CHECK(count_named(&job, WPIO_EV_RANGE, "unit.range") == THREADS * RANGES);
  CHECK(count_named(&job, WPIO_EV_WINDOW, "window 0") == 1);
  CHECK(dropped == 0);
  int64_t tracks[THREADS + 1];
  int n_tracks = 0;
  for (size_t i = 0; i < job.timeline.n; i++) {
    const struct wpio_timeline_row *r = &job.timeline.v[i];
    CHECK(r->rank == 3 && r->end_ns >= r->start_ns && r->track > 0);
    if (i) CHECK(r->start_ns >= job.timeline.v[i - 1].start_ns); /* sorted by start */
    int seen = 0;
    for (int k = 0; k < n_tracks; k++) seen |= tracks[k] == r->track;
    if (!seen && n_tracks < THREADS + 1) tracks[n_tracks++] = r->track;
  }
  CHECK(n_tracks == THREADS + 1); /* four workers and the thread that ran the window */
  wpio_job_free(&job);
  return 0;
}

static int cap_is_exact(void) {
  uint64_t kept0 = kept_now(), dropped0 = dropped_now();
  wpr_timeline_window_open(1, 1, (int64_t)kept0 + 10);
  uint64_t now = wpr_ticks();
  for (int i = 0; i < 25; i++) wpr_timeline_host(WPIO_EV_OTHER, "unit.cap", now, now + 1);
  wpr_timeline_window_close(1);
  CHECK(kept_now() - kept0 == 10);        /* the window's slot (taken at open) and 9 events */
  CHECK(dropped_now() - dropped0 == 16);
  return 0;
}

static int before_window_and_off(void) {
  uint64_t before = wpr_ticks();
  while (wpr_ticks() == before) {
  }
  wpr_timeline_window_open(2, 1, 1000000000);
  uint64_t kept0 = kept_now(), dropped0 = dropped_now();
  wpr_timeline_host(WPIO_EV_OTHER, "unit.early", before, wpr_ticks()); /* began before the window */
  CHECK(kept_now() == kept0 && dropped_now() == dropped0);
  wpr_timeline_window_close(2);
  CHECK(!wpr_timeline_is_active());

  wpr_timeline_window_open(3, 0, 1000000000); /* WPROF_TIMELINE off */
  CHECK(!wpr_timeline_is_active() && !wpr_timeline_is_on());
  int id = wprof_scope_id("unit.off");
  uint64_t kept1 = kept_now();
  for (int i = 0; i < 10; i++) {
    wprof_scope_begin(id);
    wprof_scope_end(id);
  }
  wpr_timeline_gpu(WPIO_EV_KERNEL, "unit.off.kernel", WPIO_TRACK_STREAM(1), 1, 2);
  wpr_timeline_window_close(3);
  CHECK(kept_now() == kept1);
  return 0;
}

static int clock_conversion(void) {
  wpr_timeline_window_open(4, 1, 1000000000);
  wpr_timeline_gpu(WPIO_EV_KERNEL, "unit.kernel", WPIO_TRACK_STREAM(5), 5000, 6000);
  wpr_timeline_window_close(4);
  wpr_timeline_window_open(5, 0, 1);
  struct wpr_clock_fit fit = {.offset_ns = 1000, .drift_ppm = 0, .residual_ns = 0, .ref_ns = 0};
  struct wpio_job job;
  wpio_job_init(&job);
  uint64_t dropped = 0;
  CHECK(wpr_timeline_collect(&job, 0, &fit, &dropped) == WPROF_OK);
  uint32_t id = wpio_strtab_find(&job.names, "unit.kernel");
  const struct wpio_timeline_row *k = NULL;
  for (size_t i = 0; i < job.timeline.n; i++)
    if (job.timeline.v[i].name_id == id) k = &job.timeline.v[i];
  CHECK(k != NULL);
  CHECK(k->start_ns == 4000 && k->end_ns == 5000 && k->track == WPIO_TRACK_STREAM(5) && k->kind == WPIO_EV_KERNEL);
  CHECK(job.timeline.v[0].name_id == id); /* the earliest event comes first */
  wpio_job_free(&job);
  return 0;
}

/* wprof_init again after wprof_finalize: window 0 of the new session starts the timeline afresh. */
static int second_session(void) {
  wpr_timeline_window_open(0, 1, 5);
  CHECK(kept_now() == 0 && dropped_now() == 0);
  uint64_t now = wpr_ticks();
  for (int i = 0; i < 7; i++) wpr_timeline_host(WPIO_EV_OTHER, "unit.second", now, now + 1);
  wpr_timeline_window_close(0);
  struct wpio_job job;
  wpio_job_init(&job);
  uint64_t dropped = 0;
  CHECK(wpr_timeline_collect(&job, 0, &same_clock, &dropped) == WPROF_OK);
  CHECK(job.timeline.n == 5 && dropped == 3); /* the window's slot and 4 of the 7 */
  CHECK(count_named(&job, WPIO_EV_OTHER, "unit.second") == 4);
  CHECK(count_named(&job, WPIO_EV_WINDOW, "window 0") == 1);
  wpio_job_free(&job);
  return 0;
}

int main(void) {
  wpr_timer_init();
  int fails = 0;
  RUN(fails, threads_and_sampling);
  RUN(fails, cap_is_exact);
  RUN(fails, before_window_and_off);
  RUN(fails, clock_conversion);
  RUN(fails, second_session);
  return fails != 0;
}
