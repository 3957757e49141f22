/* Per-phase counts, wall and thread CPU time (phase_time.h). Phases are timed by the thread that
 * drives the session; the totals are atomics all the same, since MPI_Finalize's thread may differ. */
#include "phase_time.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static const char *const names[WPR_PH_COUNT] = {
    [WPR_PH_INIT] = "init",           [WPR_PH_SYNC] = "sync",
    [WPR_PH_SPILL] = "spill",         [WPR_PH_SPILL_OPEN] = "spill_open",
    [WPR_PH_STOP_TABLES] = "stop_tables",
    [WPR_PH_SYNC_FINAL] = "sync_final", [WPR_PH_CLOCK_FINAL] = "clock_final",
    [WPR_PH_PACK] = "pack",           [WPR_PH_RESPILL] = "respill",
    [WPR_PH_GATHER] = "gather",       [WPR_PH_MERGE] = "merge",
    [WPR_PH_SUMMARIES] = "summaries", [WPR_PH_WRITE] = "write",
    [WPR_PH_SPILL_REMOVE] = "spill_remove", [WPR_PH_TEARDOWN] = "teardown",
    [WPR_PH_WRITE_JOIN] = "write_join",
};

static _Atomic uint64_t count[WPR_PH_COUNT], wall[WPR_PH_COUNT], cpu[WPR_PH_COUNT];

static uint64_t read_ns(clockid_t id) {
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct wpr_phase_mark wpr_phase_begin(void) {
  return (struct wpr_phase_mark){read_ns(CLOCK_MONOTONIC), read_ns(CLOCK_THREAD_CPUTIME_ID)};
}

void wpr_phase_end(enum wpr_phase phase, struct wpr_phase_mark mark) {
  if ((unsigned)phase >= WPR_PH_COUNT) return;
  uint64_t w = read_ns(CLOCK_MONOTONIC), c = read_ns(CLOCK_THREAD_CPUTIME_ID);
  atomic_fetch_add_explicit(&count[phase], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&wall[phase], w > mark.wall_ns ? w - mark.wall_ns : 0, memory_order_relaxed);
  atomic_fetch_add_explicit(&cpu[phase], c > mark.cpu_ns ? c - mark.cpu_ns : 0, memory_order_relaxed);
}

void wpr_phase_get(enum wpr_phase phase, uint64_t *n, uint64_t *wall_ns, uint64_t *cpu_ns) {
  if ((unsigned)phase >= WPR_PH_COUNT) return;
  if (n) *n = atomic_load_explicit(&count[phase], memory_order_relaxed);
  if (wall_ns) *wall_ns = atomic_load_explicit(&wall[phase], memory_order_relaxed);
  if (cpu_ns) *cpu_ns = atomic_load_explicit(&cpu[phase], memory_order_relaxed);
}

const char *wpr_phase_name(enum wpr_phase phase) {
  return (unsigned)phase < WPR_PH_COUNT ? names[phase] : "?";
}

void wpr_phase_say(void) {
  if (wpr_log_enabled(WPR_LOG_DEBUG)) {
    char line[900];
    size_t used = 0;
    for (int p = 0; p < WPR_PH_COUNT && used < sizeof line; p++) {
      uint64_t n, w, c;
      wpr_phase_get((enum wpr_phase)p, &n, &w, &c);
      if (n == 0) continue;
      int k = snprintf(line + used, sizeof line - used, "%s%s %llux %.3f/%.3f ms", used ? ", " : "", names[p],
                       (unsigned long long)n, (double)w / 1e6, (double)c / 1e6);
      if (k < 0) break;
      used += (size_t)k;
    }
    WPR_DEBUG("phases: %s", used ? line : "none");
  }
  for (int p = 0; p < WPR_PH_COUNT; p++) {
    atomic_store_explicit(&count[p], 0, memory_order_relaxed);
    atomic_store_explicit(&wall[p], 0, memory_order_relaxed);
    atomic_store_explicit(&cpu[p], 0, memory_order_relaxed);
  }
}
