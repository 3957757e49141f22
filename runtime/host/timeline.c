/* The timeline's event buffers (timeline.h). Each thread appends to its own chunked buffer, registered
 * lock-free on its first event; a process-wide atomic count hands out the WPROF_TIMELINE_MAX_EVENTS
 * slots, so the cap is exact and events past it only bump the thread's dropped counter. */
#include "timeline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "timer.h"
#include "wprof/wprof.h"

#define TL_CHUNK_FIRST 16   /* a thread's first chunk: many threads may record only a few events */
#define TL_CHUNK_MAX 1024

struct tl_event {
  const char *name;   /* interned by whoever recorded it: valid until the process ends */
  int64_t track;
  uint64_t start, end; /* ticks (in_ticks) or CLOCK_MONOTONIC ns */
  int32_t kind;
  int32_t in_ticks;
};

/* Only the owning thread appends; `n` is published with release after the event is written. */
struct tl_chunk {
  struct tl_chunk *next;
  uint32_t n, cap;
  struct tl_event ev[];
};

struct tl_thread {
  int64_t tid;
  struct tl_chunk *head, *tail;
  uint64_t dropped;        /* single writer, read relaxed by collect */
  struct tl_thread *next;  /* the process's list, pushed with CAS */
  /* where this session's events begin (an earlier session's stay, unreported): driver-only */
  struct tl_chunk *first_chunk;
  uint32_t first_index;
};

int wpr_timeline_on;
int wpr_timeline_active;

static int64_t max_events = 1000000;
static uint64_t reserved;         /* slots handed out (may pass max_events: those were refused) */
static uint64_t dropped_shared;   /* drops with no thread buffer to count them in (rare paths) */
static uint64_t open_ticks = UINT64_MAX; /* the open window's start; events starting before are not its */
static uint32_t generation;
static struct tl_thread *threads_head;
static __thread struct tl_thread *tl_tls __attribute__((tls_model("initial-exec")));

/* the driver thread's window: its slot is taken at open, so the cap keeps the window first */
static int window_slot;
static uint64_t window_start;

/* names the timeline makes itself (windows, GPU work): copies kept until exit */
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wpio_strtab own_names;
static int own_names_ready;

uint32_t wpr_timeline_generation(void) { return __atomic_load_n(&generation, __ATOMIC_RELAXED); }

/* ---- buffers ---- */

static void count_dropped(struct tl_thread *t) {
  if (t) __atomic_store_n(&t->dropped, __atomic_load_n(&t->dropped, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
  else __atomic_fetch_add(&dropped_shared, 1, __ATOMIC_RELAXED);
}

static __attribute__((noinline)) struct tl_thread *thread_register(void) {
  static int oom_warned;
  struct tl_thread *t = calloc(1, sizeof *t);
  if (!t) {
    wpr_warn_once(&oom_warned, "out of memory for a thread's timeline buffer; its events are dropped");
    return NULL;
  }
  t->tid = (int64_t)syscall(SYS_gettid);
  t->next = __atomic_load_n(&threads_head, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(&threads_head, &t->next, t, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
  }
  tl_tls = t;
  return t;
}

static inline struct tl_thread *thread_self(void) { return tl_tls ? tl_tls : thread_register(); }

/* One slot of the cap, or 0 once it is used up. */
static int slot_reserve(void) {
  uint64_t max = (uint64_t)__atomic_load_n(&max_events, __ATOMIC_RELAXED);
  if (__atomic_load_n(&reserved, __ATOMIC_RELAXED) >= max) return 0; /* no write to a shared line */
  return __atomic_fetch_add(&reserved, 1, __ATOMIC_RELAXED) < max;
}

static __attribute__((noinline)) struct tl_chunk *chunk_add(struct tl_thread *t) {
  static int oom_warned;
  uint32_t cap = t->tail ? t->tail->cap * 2 : TL_CHUNK_FIRST;
  if (cap > TL_CHUNK_MAX) cap = TL_CHUNK_MAX;
  struct tl_chunk *c = malloc(sizeof *c + cap * sizeof c->ev[0]);
  if (!c) {
    wpr_warn_once(&oom_warned, "out of memory for timeline events; later ones are dropped");
    return NULL;
  }
  c->next = NULL;
  c->n = 0;
  c->cap = cap;
  if (t->tail) __atomic_store_n(&t->tail->next, c, __ATOMIC_RELEASE);
  else __atomic_store_n(&t->head, c, __ATOMIC_RELEASE);
  __atomic_store_n(&t->tail, c, __ATOMIC_RELEASE);
  return c;
}

/* Stores an event in a reserved slot. */
static void event_push(struct tl_thread *t, const struct tl_event *ev) {
  struct tl_chunk *c = t->tail;
  if ((!c || c->n == c->cap) && !(c = chunk_add(t))) {
    count_dropped(t);
    return;
  }
  uint32_t n = c->n;
  c->ev[n] = *ev;
  __atomic_store_n(&c->n, n + 1, __ATOMIC_RELEASE);
}

static void event_add(struct tl_thread *t, const struct tl_event *ev) {
  if (!t || !slot_reserve()) count_dropped(t);
  else event_push(t, ev);
}

static const char *own_name(const char *name) {
  pthread_mutex_lock(&names_lock);
  if (!own_names_ready) {
    wpio_strtab_init(&own_names);
    own_names_ready = 1;
  }
  uint32_t id = wpio_strtab_intern(&own_names, name, strlen(name));
  const char *kept = id == UINT32_MAX ? NULL : own_names.s[id];
  pthread_mutex_unlock(&names_lock);
  return kept;
}

/* ---- recording ---- */

/* A new session (its window 0): the events and counts so far belong to an earlier one. No thread
 * records now (no window is open), so the marks and counters can be set from here. */
static void session_restart(void) {
  for (struct tl_thread *t = __atomic_load_n(&threads_head, __ATOMIC_ACQUIRE); t; t = t->next) {
    t->first_chunk = __atomic_load_n(&t->tail, __ATOMIC_ACQUIRE);
    t->first_index = t->first_chunk ? __atomic_load_n(&t->first_chunk->n, __ATOMIC_ACQUIRE) : 0;
    __atomic_store_n(&t->dropped, 0, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&reserved, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&dropped_shared, 0, __ATOMIC_RELAXED);
}

void wpr_timeline_window_open(int32_t window, int enabled, int64_t max) {
  __atomic_store_n(&wpr_timeline_active, 0, __ATOMIC_RELAXED);
  if (window == 0) session_restart();
  __atomic_store_n(&wpr_timeline_on, enabled != 0, __ATOMIC_RELAXED);
  if (!enabled) return;
  __atomic_store_n(&max_events, max > 0 ? max : 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&generation, 1, __ATOMIC_RELAXED);
  window_start = wpr_ticks();
  window_slot = slot_reserve();
  if (!window_slot) count_dropped(thread_self());
  __atomic_store_n(&open_ticks, window_start, __ATOMIC_RELAXED);
  __atomic_store_n(&wpr_timeline_active, 1, __ATOMIC_RELEASE);
}

void wpr_timeline_window_close(int32_t window) {
  __atomic_store_n(&wpr_timeline_active, 0, __ATOMIC_RELAXED);
  if (!__atomic_load_n(&wpr_timeline_on, __ATOMIC_RELAXED) || !window_slot) return;
  window_slot = 0;
  struct tl_thread *t = thread_self();
  char name[32];
  snprintf(name, sizeof name, "window %d", (int)window);
  const char *kept = own_name(name);
  if (!t || !kept) {
    count_dropped(t);
    return;
  }
  struct tl_event ev = {.name = kept, .track = t->tid, .start = window_start, .end = wpr_ticks(),
                        .kind = WPIO_EV_WINDOW, .in_ticks = 1};
  event_push(t, &ev);
}

void wpr_timeline_host(int kind, const char *name, uint64_t start_ticks, uint64_t end_ticks) {
  if (start_ticks < __atomic_load_n(&open_ticks, __ATOMIC_RELAXED)) return; /* began before the window */
  struct tl_thread *t = thread_self();
  struct tl_event ev = {.name = name, .track = t ? t->tid : 0, .start = start_ticks, .end = end_ticks,
                        .kind = kind, .in_ticks = 1};
  event_add(t, &ev);
}

void wpr_timeline_gpu(int kind, const char *name, int64_t track, int64_t start_ns, int64_t end_ns) {
  if (!wpr_timeline_is_on()) return;
  struct tl_thread *t = thread_self();
  const char *kept = own_name(name ? name : "<unnamed>");
  if (!kept) {
    count_dropped(t);
    return;
  }
  struct tl_event ev = {.name = kept, .track = track, .start = (uint64_t)start_ns,
                        .end = (uint64_t)(end_ns > start_ns ? end_ns : start_ns), .kind = kind, .in_ticks = 0};
  event_add(t, &ev);
}

/* ---- packing ---- */

static int64_t event_time(const struct tl_event *ev, uint64_t t, const struct wpr_clock_fit *clock) {
  int64_t local = ev->in_ticks ? wpr_ticks_to_time_ns(t) : (int64_t)t;
  return wpr_clock_to_root(clock, local);
}

static int row_cmp(const void *a, const void *b) {
  const struct wpio_timeline_row *x = a, *y = b;
  if (x->start_ns != y->start_ns) return x->start_ns < y->start_ns ? -1 : 1;
  return (x->end_ns < y->end_ns) - (x->end_ns > y->end_ns); /* enclosing events first */
}

/* Names repeat: a small cache by pointer saves hashing the string of every event. */
struct name_cache { const char *ptr[64]; uint32_t id[64]; };

static uint32_t name_id(struct wpio_job *job, struct name_cache *nc, const char *name) {
  unsigned slot = (unsigned)(((uintptr_t)name >> 4) * 2654435761u >> 26) & 63;
  if (nc->ptr[slot] == name) return nc->id[slot];
  uint32_t id = wpio_strtab_intern(&job->names, name, strlen(name));
  if (id != UINT32_MAX) {
    nc->ptr[slot] = name;
    nc->id[slot] = id;
  }
  return id;
}

/* The first chunk of this session's events, and the index in it where they begin. */
static const struct tl_chunk *session_first(const struct tl_thread *t, uint32_t *index) {
  *index = t->first_chunk ? t->first_index : 0;
  return t->first_chunk ? t->first_chunk : __atomic_load_n(&t->head, __ATOMIC_ACQUIRE);
}

static int collect_thread(struct wpio_job *job, int32_t rank, const struct wpr_clock_fit *clock,
                          struct name_cache *nc, const struct tl_thread *t) {
  uint32_t from = 0;
  for (const struct tl_chunk *c = session_first(t, &from); c; c = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE), from = 0) {
    uint32_t n = __atomic_load_n(&c->n, __ATOMIC_ACQUIRE);
    for (uint32_t i = from; i < n; i++) {
      const struct tl_event *ev = &c->ev[i];
      uint32_t id = name_id(job, nc, ev->name);
      struct wpio_timeline_row *row = id == UINT32_MAX ? NULL : WPIO_VEC_PUSH(job->timeline);
      if (!row) return WPROF_ENOMEM;
      *row = (struct wpio_timeline_row){.rank = rank, .kind = ev->kind, .name_id = id, .track = ev->track,
                                        .start_ns = event_time(ev, ev->start, clock),
                                        .end_ns = event_time(ev, ev->end, clock)};
    }
  }
  return WPROF_OK;
}

int wpr_timeline_collect(struct wpio_job *job, int32_t rank, const struct wpr_clock_fit *clock, uint64_t *dropped) {
  size_t first = job->timeline.n;
  struct name_cache nc;
  memset(&nc, 0, sizeof nc);
  uint64_t lost = __atomic_load_n(&dropped_shared, __ATOMIC_RELAXED);
  for (const struct tl_thread *t = __atomic_load_n(&threads_head, __ATOMIC_ACQUIRE); t; t = t->next) {
    lost += __atomic_load_n(&t->dropped, __ATOMIC_RELAXED);
    if (collect_thread(job, rank, clock, &nc, t) != WPROF_OK) return WPROF_ENOMEM;
  }
  *dropped = lost;
  if (job->timeline.n > first)
    qsort(job->timeline.v + first, job->timeline.n - first, sizeof *job->timeline.v, row_cmp);
  return WPROF_OK;
}

void wpr_timeline_counts(uint64_t *kept, uint64_t *dropped) {
  *kept = 0;
  *dropped = __atomic_load_n(&dropped_shared, __ATOMIC_RELAXED);
  for (const struct tl_thread *t = __atomic_load_n(&threads_head, __ATOMIC_ACQUIRE); t; t = t->next) {
    *dropped += __atomic_load_n(&t->dropped, __ATOMIC_RELAXED);
    uint32_t from = 0;
    for (const struct tl_chunk *c = session_first(t, &from); c; c = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE), from = 0)
      *kept += __atomic_load_n(&c->n, __ATOMIC_ACQUIRE) - from;
  }
}
