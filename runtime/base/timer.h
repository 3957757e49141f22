/* Clocks. Durations on the hot path come from the TSC (rdtsc, ~10 ns here) converted with a
 * multiplier calibrated against CLOCK_MONOTONIC; positions (window open/close, range starts) are
 * anchored to CLOCK_MONOTONIC so that all ranks of a node share one timebase (docs/design.md "Clock alignment").
 * Without an invariant TSC (or off x86-64) the ticks are CLOCK_MONOTONIC nanoseconds. */
#ifndef WPR_TIMER_H
#define WPR_TIMER_H

#include <stdint.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

struct wpr_timer {
  int use_tsc;            /* 0: ticks are CLOCK_MONOTONIC ns */
  uint64_t mult;          /* ns = (ticks * mult) >> 32 */
  uint64_t anchor_ticks;  /* a (ticks, monotonic ns) pair taken together at calibration */
  uint64_t anchor_ns;
};
extern struct wpr_timer wpr_timer_state;

/* WPROF_CLOCK_TEST_OFFSET_NS: added to every position reading of this process (never to durations),
 * so tests can give one rank a clock that is off by a known amount. 0 outside tests. */
extern int64_t wpr_clock_test_offset_ns;
void wpr_timer_set_test_offset(int64_t ns);

/* Calibrates once (thread-safe, idempotent; free when the library was loaded >= 2 ms before, else
 * sleeps out the rest). Called by wprof_init and wprof_scope_id. */
void wpr_timer_init(void);

/* t as "YYYY-MM-DDTHH:MM:SSZ" in UTC, the text strftime("%Y-%m-%dT%H:%M:%SZ") gives of gmtime_r, without
 * gmtime_r (its first call in a process reads the time zone file). */
void wpr_utc_text(time_t t, char *buf, size_t len);

static inline uint64_t wpr_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t wpr_ticks(void) {
#if defined(__x86_64__) || defined(__i386__)
  if (__builtin_expect(wpr_timer_state.use_tsc, 1)) return __rdtsc();
#endif
  return wpr_mono_ns();
}

/* A tick difference as nanoseconds. */
static inline uint64_t wpr_ticks_to_ns(uint64_t dticks) {
  if (!wpr_timer_state.use_tsc) return dticks;
  return (uint64_t)(((unsigned __int128)dticks * wpr_timer_state.mult) >> 32);
}

/* Nanoseconds as a tick difference (for deadlines compared with wpr_ticks()). */
static inline uint64_t wpr_ns_to_ticks(uint64_t ns) {
  if (!wpr_timer_state.use_tsc || !wpr_timer_state.mult) return ns;
  return (uint64_t)(((unsigned __int128)ns << 32) / wpr_timer_state.mult);
}

/* A tick reading as a position on the node's CLOCK_MONOTONIC timebase (plus the test offset). */
static inline int64_t wpr_ticks_to_time_ns(uint64_t ticks) {
  if (!wpr_timer_state.use_tsc) return (int64_t)ticks + wpr_clock_test_offset_ns;
  if (ticks >= wpr_timer_state.anchor_ticks)
    return (int64_t)(wpr_timer_state.anchor_ns + wpr_ticks_to_ns(ticks - wpr_timer_state.anchor_ticks)) +
           wpr_clock_test_offset_ns;
  return (int64_t)(wpr_timer_state.anchor_ns - wpr_ticks_to_ns(wpr_timer_state.anchor_ticks - ticks)) +
         wpr_clock_test_offset_ns;
}

/* Now, as a position: what windows, timeline events and clock exchanges are stamped with. */
static inline int64_t wpr_time_ns(void) { return wpr_ticks_to_time_ns(wpr_ticks()); }

#endif
