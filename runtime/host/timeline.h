/* The timeline (WPROF_TIMELINE): windows, ranges, lite scopes, MPI calls and GPU work as events with a
 * start and an end, kept in per-thread buffers while a window runs and packed into /timeline in rank
 * 0's timebase. Off by default; when off, each hook costs one load of a global and a not-taken branch. */
#ifndef WPR_TIMELINE_H
#define WPR_TIMELINE_H

#include <stdint.h>

#include "clock_align.h"
#include "wpio_job.h"

/* Lite scopes in a window: the first WPR_TIMELINE_LITE_FIRST calls of each (thread, scope), then one
 * call in WPR_TIMELINE_LITE_EVERY (a tight loop must not fill the cap with one scope). */
#define WPR_TIMELINE_LITE_FIRST 256u
#define WPR_TIMELINE_LITE_EVERY 64u

extern int wpr_timeline_on;      /* WPROF_TIMELINE on this collecting rank */
extern int wpr_timeline_active;  /* on, and a window is open: the host hooks test only this */

static inline int wpr_timeline_is_active(void) {
  return __builtin_expect(__atomic_load_n(&wpr_timeline_active, __ATOMIC_RELAXED), 0);
}
static inline int wpr_timeline_is_on(void) {
  return __builtin_expect(__atomic_load_n(&wpr_timeline_on, __ATOMIC_RELAXED), 0);
}

/* window.c, on the thread that drives the session. open: right after the backend started (`enabled`
 * is WPROF_TIMELINE && this rank collects; the window's own event takes the first free slot); window
 * 0 starts a session: events of an earlier session are no longer packed and the cap starts afresh.
 * close: before the backend stops; records the window's event. */
void wpr_timeline_window_open(int32_t window, int enabled, int64_t max_events);
void wpr_timeline_window_close(int32_t window);

/* Generation of the window that runs now (bumped at each open): lets per-scope sampling restart. */
uint32_t wpr_timeline_generation(void);

/* A host event on the calling thread's track, times in ticks (timer.h). Kept only when it started
 * after the window opened. `name` must stay valid until packing (interned by its caller). */
void wpr_timeline_host(int kind, const char *name, uint64_t start_ticks, uint64_t end_ticks);

/* A lite scope's call number `nth` in this window on its thread: whether it is kept (sampling). */
static inline int wpr_timeline_lite_sampled(uint32_t nth) {
  return nth < WPR_TIMELINE_LITE_FIRST || (nth - WPR_TIMELINE_LITE_FIRST) % WPR_TIMELINE_LITE_EVERY == 0;
}

/* GPU work (any thread, even after the window closed): `name` is copied; times are host
 * CLOCK_MONOTONIC ns; track is WPIO_TRACK_STREAM(stream). */
void wpr_timeline_gpu(int kind, const char *name, int64_t track, int64_t start_ns, int64_t end_ns);

/* report_pack.c: appends every event so far to job->timeline for `rank` (names interned in
 * job->names, times through `clock` to rank 0's timebase, sorted by start); *dropped = events not
 * kept so far. WPROF_OK or WPROF_ENOMEM. Threads may keep recording meanwhile. */
int wpr_timeline_collect(struct wpio_job *job, int32_t rank, const struct wpr_clock_fit *clock, uint64_t *dropped);

/* Tests and benchmarks: events kept and dropped so far in this process. */
void wpr_timeline_counts(uint64_t *kept, uint64_t *dropped);

#endif
