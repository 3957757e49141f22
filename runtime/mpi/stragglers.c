/* Stragglers: the per-window arrival log of one process (see stragglers.h). Written only by the
 * session's thread, read at pack time by the same thread: no locks. */
#include "stragglers.h"

#include <stdlib.h>

#include "log.h"
#include "mpi_table.h"
#include "timer.h"

__thread int wpr_strag_thread __attribute__((tls_model("initial-exec")));

struct arrival {
  int32_t window, func; /* func: WPR_MPI_ID_*, or WPIO_STRAG_SYNC */
  uint32_t seq;
  uint64_t t0, t1;      /* TSC ticks, turned into positions at pack time */
};

struct dropped_count { int32_t window; uint64_t count; };

static struct {
  struct arrival *v;
  size_t n, cap;
  struct dropped_count *drops; /* windows that lost calls */
  size_t ndrops, drops_cap;
  int32_t window;              /* the open window, -1 when none */
  int64_t max_events, kept;    /* this window's bound, and calls kept in it so far */
  uint64_t dropped;
  uint32_t seq[WPR_MPI_NFUNCS]; /* calls of each function so far in this window */
} log_ = {.window = -1};

static int push(int32_t window, int32_t func, uint32_t seq, uint64_t t0, uint64_t t1) {
  if (log_.n == log_.cap) {
    size_t ncap = log_.cap ? log_.cap * 2 : 1024;
    struct arrival *v = realloc(log_.v, ncap * sizeof(*v));
    if (!v) {
      static int warned;
      wpr_warn_once(&warned, "out of memory recording collective arrivals; /stragglers counts them as dropped");
      return -1;
    }
    log_.v = v;
    log_.cap = ncap;
  }
  log_.v[log_.n++] = (struct arrival){.window = window, .func = func, .seq = seq, .t0 = t0, .t1 = t1};
  return 0;
}

void wpr_strag_note_call(int id, uint64_t t0, uint64_t t1) {
  int32_t window = __atomic_load_n(&wpr_mpi_window, __ATOMIC_RELAXED);
  if (window < 0 || window != log_.window || id < 0 || id >= WPR_MPI_NFUNCS) return;
  uint32_t seq = log_.seq[id]++; /* counted even when not kept, so later calls still match */
  if (log_.kept < log_.max_events && push(window, id, seq, t0, t1) == 0) log_.kept++;
  else log_.dropped++;
}

void wpr_strag_session_begin(void) {
  log_.n = 0;
  log_.ndrops = 0;
}

void wpr_strag_sync(int32_t window, uint32_t seq, uint64_t t0, uint64_t t1) {
  wpr_strag_thread = 1;
  push(window, WPIO_STRAG_SYNC, seq, t0, t1);
}

void wpr_strag_window_open(int32_t window, int64_t max_events) {
  wpr_strag_thread = 1;
  log_.window = window;
  log_.max_events = max_events;
  log_.kept = 0;
  log_.dropped = 0;
  for (int i = 0; i < WPR_MPI_NFUNCS; i++) log_.seq[i] = 0;
}

static void keep_dropped(int32_t window) {
  if (log_.dropped == 0) return;
  if (log_.ndrops == log_.drops_cap) {
    size_t ncap = log_.drops_cap ? log_.drops_cap * 2 : 16;
    struct dropped_count *d = realloc(log_.drops, ncap * sizeof(*d));
    if (!d) return;
    log_.drops = d;
    log_.drops_cap = ncap;
  }
  log_.drops[log_.ndrops++] = (struct dropped_count){window, log_.dropped};
  log_.dropped = 0;
}

void wpr_strag_window_close(int32_t window) {
  keep_dropped(window);
  log_.window = -1;
}

static int add_event(struct wpio_job *job, struct wpio_strag_event e) {
  struct wpio_strag_event *row = WPIO_VEC_PUSH(job->strag_events);
  if (!row) return -1;
  *row = e;
  return 0;
}

int wpr_strag_collect(struct wpio_job *job, int32_t rank, const struct wpr_clock_fit *clock) {
  if (WPIO_VEC_RESERVE(job->strag_events, job->strag_events.n + log_.n + log_.ndrops + 1) != 0) return -1;
  for (size_t i = 0; i < log_.n; i++) {
    const struct arrival *a = &log_.v[i];
    struct wpio_strag_event e = {.rank = rank, .window = a->window, .func = a->func, .seq = a->seq};
    e.entry_ns = wpr_clock_to_root(clock, wpr_ticks_to_time_ns(a->t0));
    e.exit_ns = wpr_clock_to_root(clock, wpr_ticks_to_time_ns(a->t1));
    if (add_event(job, e) != 0) return -1;
  }
  for (size_t i = 0; i < log_.ndrops; i++) {
    struct wpio_strag_event e = {.rank = rank, .window = log_.drops[i].window, .func = WPIO_STRAG_DROPPED};
    e.seq = log_.drops[i].count > UINT32_MAX ? UINT32_MAX : (uint32_t)log_.drops[i].count;
    if (add_event(job, e) != 0) return -1;
  }
  if (log_.window >= 0 && log_.dropped > 0) { /* a window still open (a spill, or no stop) */
    struct wpio_strag_event e = {.rank = rank, .window = log_.window, .func = WPIO_STRAG_DROPPED};
    e.seq = log_.dropped > UINT32_MAX ? UINT32_MAX : (uint32_t)log_.dropped;
    if (add_event(job, e) != 0) return -1;
  }
  return 0;
}
