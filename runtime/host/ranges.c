/* Annotated ranges: a per-thread stack, start/end ranges and per-thread (window, name) rows with calls,
 * CPU total and CPU self time. push/pop touch only the calling thread's state (registered once, in
 * ranges_threads.c); its rows and context nodes are published append-only for collect and GPU time. */
#include "ranges.h"

#include <pthread.h>
#include <string.h>

#include "late_rows.h"
#include "log.h"
#include "ranges_index.h"
#include "ranges_threads.h"
#include "step_hook.h"
#include "timeline.h"
#include "timer.h"
#include "wprof/wprof.h"

#ifdef WPROF_HAVE_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

void wpr_ranges_set_window(int32_t window) { __atomic_store_n(&range_window, window, __ATOMIC_RELAXED); }
void wpr_ranges_set_enabled(int enabled) { __atomic_store_n(&range_enabled, enabled != 0, __ATOMIC_RELAXED); }
void wpr_ranges_new_session(void) { __atomic_fetch_add(&range_session, 1, __ATOMIC_RELAXED); }

/* ---- NVTX: wprof's own domain, so an injection library can tell our ranges from the app's ---- */

#ifdef WPROF_HAVE_NVTX
static pthread_once_t nvtx_once = PTHREAD_ONCE_INIT;
static nvtxDomainHandle_t nvtx_domain;
static int nvtx_ready; /* set with release once the domain exists: spares pthread_once on every call */
static void nvtx_domain_create(void) {
  nvtx_domain = nvtxDomainCreateA("wprof");
  __atomic_store_n(&nvtx_ready, 1, __ATOMIC_RELEASE);
}
static inline void nvtx_domain_ensure(void) {
  if (__builtin_expect(!__atomic_load_n(&nvtx_ready, __ATOMIC_ACQUIRE), 0)) pthread_once(&nvtx_once, nvtx_domain_create);
}

static void nvtx_push(const char *name) {
  nvtx_domain_ensure();
  nvtxEventAttributes_t a;
  memset(&a, 0, sizeof a);
  a.version = NVTX_VERSION;
  a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
  a.messageType = NVTX_MESSAGE_TYPE_ASCII;
  a.message.ascii = name;
  nvtxDomainRangePushEx(nvtx_domain, &a);
}
static void nvtx_pop(void) {
  nvtx_domain_ensure();
  nvtxDomainRangePop(nvtx_domain);
}
#else
static void nvtx_push(const char *name) { (void)name; }
static void nvtx_pop(void) {}
#endif

/* ---- push / pop ---- */

/* range_ctx_refresh (ranges_gpu.c) when no start/end range is open on the thread: the context is the
 * stack's innermost node, without the call. */
static inline void ctx_refresh(struct range_thread *t) {
  if (__builtin_expect(t->open_mask != 0, 0)) {
    range_ctx_refresh(t, 1);
    return;
  }
  uint64_t gen = __atomic_load_n(&t->open_gen, __ATOMIC_ACQUIRE);
  uint32_t d = t->depth < RANGE_STACK_MAX ? t->depth : RANGE_STACK_MAX;
  t->ctx_node = d ? t->stack[d - 1].node : 0;
  t->open_gen_seen = gen;
}

static inline void counter_add(uint64_t *p, uint64_t d) {
  __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

void wpr_ranges_push(const char *name) {
  static int overflow_warned;
  if (!name) name = "(null)";
  struct range_thread *t = range_thread_self();
  if (!t) return;
  uint32_t d = t->depth++;
  if (d >= RANGE_STACK_MAX) {
    t->overflows++;
    wpr_warn_once(&overflow_warned, "ranges nested deeper than %d (\"%.100s\"); the deeper ones are not recorded",
                  RANGE_STACK_MAX, name);
    return;
  }
  struct range_frame *f = &t->stack[d];
  uint32_t parent = d ? t->stack[d - 1].node : 0;
  const char *iname;
  uint32_t node = range_stack_node(t, parent, name, &iname);
  f->node = node ? node : parent; /* no node: launches count for the enclosing range */
  f->name = iname;
  int32_t window = range_current_window();
  f->row = window >= 0 && iname ? range_stack_row(t, window, iname) : NULL;
  f->child_ns = 0;
  ctx_refresh(t);
  f->start = wpr_ticks(); /* last, so the bookkeeping is not part of the range */
}

int wpr_ranges_pop(void) {
  static int underflow_warned;
  uint64_t now = wpr_ticks();
  struct range_thread *t = range_thread_current();
  if (!t || t->depth == 0) {
    wpr_warn_once(&underflow_warned, "range pop without a matching push; ignored");
    return WPROF_ESTATE;
  }
  uint32_t d = --t->depth;
  if (d >= RANGE_STACK_MAX) return WPROF_OK;
  struct range_frame *f = &t->stack[d];
  uint64_t total = wpr_ticks_to_ns(now - f->start);
  if (d > 0) t->stack[d - 1].child_ns += total;
  ctx_refresh(t);
  if (f->row) {
    counter_add(&f->row->calls, 1);
    counter_add(&f->row->cpu_total_ns, total);
    counter_add(&f->row->cpu_self_ns, total > f->child_ns ? total - f->child_ns : 0);
    wpr_late_rows_check(f->row->window, range_current_window()); /* popped after its window closed */
    if (wpr_timeline_is_active()) wpr_timeline_host(WPIO_EV_RANGE, f->row->name, f->start, now);
  }
  /* last: a step may open or close a window (a sync point), after this range is accounted */
  if (f->name) wpr_step_range_end(f->name);
  return WPROF_OK;
}

void wprof_range_push(const char *name) {
  nvtx_push(name ? name : "(null)");
  wpr_ranges_push(name);
}

void wprof_range_pop(void) {
  if (wpr_ranges_pop() == WPROF_OK) nvtx_pop();
}

uint64_t wpr_ranges_overflows(void) {
  uint64_t n = 0;
  for (struct range_thread *t = range_threads_lock(); t; t = t->next)
    n += __atomic_load_n(&t->overflows, __ATOMIC_RELAXED);
  range_threads_unlock();
  return n;
}

/* ---- start / end: ranges of their own, not on the stack ---- */

#define OPEN_SEQ_BITS 40
#define OPEN_SEQ_MASK ((UINT64_C(1) << OPEN_SEQ_BITS) - 1)

static int open_slot_free(struct range_thread *t) {
  for (int i = 0; i < RANGE_OPEN_MAX; i++)
    if (!(__atomic_load_n(&t->open[i].state, __ATOMIC_ACQUIRE) & 1)) return i;
  return -1;
}

uint64_t wpr_ranges_start(const char *name) {
  static int full_warned;
  if (!name) name = "(null)";
  struct range_thread *t = range_thread_self();
  if (!t || !t->tid) return 0;
  int i = open_slot_free(t);
  const char *iname = i >= 0 ? range_name_intern(t, name) : NULL;
  if (!iname) {
    if (i < 0)
      wpr_warn_once(&full_warned, "more than %d start/end ranges open on a thread (\"%.100s\"); the later "
                    "ones are not recorded", RANGE_OPEN_MAX, name);
    return 0;
  }
  struct range_open *o = &t->open[i];
  uint64_t seq = ((__atomic_load_n(&o->state, __ATOMIC_RELAXED) >> 1) + 1) & OPEN_SEQ_MASK;
  if (!seq) seq = 1; /* id 0 means "not recorded" */
  int32_t window = range_current_window();
  o->name = iname;
  __atomic_store_n(&o->row, window >= 0 ? range_row_get(t, window, name, RANGE_KIND_OPEN) : NULL,
                   __ATOMIC_RELAXED);
  __atomic_store_n(&o->start, wpr_ticks(), __ATOMIC_RELAXED);
  __atomic_store_n(&o->state, seq << 1 | 1, __ATOMIC_RELEASE);
  t->open_mask |= 1u << i;
  range_ctx_refresh(t, 1);
  return (uint64_t)t->tid << 48 | (uint64_t)i << OPEN_SEQ_BITS | seq;
}

void wpr_ranges_end(uint64_t id) {
  static int bad_warned;
  uint64_t now = wpr_ticks();
  if (id == 0) return; /* a start that was not recorded */
  struct range_thread *t = range_thread_by_id((uint32_t)(id >> 48));
  uint32_t i = (uint32_t)(id >> OPEN_SEQ_BITS) & 0xff;
  uint64_t seq = id & OPEN_SEQ_MASK;
  struct range_open *o = t && i < RANGE_OPEN_MAX ? &t->open[i] : NULL;
  uint64_t expected = seq << 1 | 1;
  /* read before the CAS: once closed, the owner may reuse the slot */
  uint64_t start = o ? __atomic_load_n(&o->start, __ATOMIC_RELAXED) : 0;
  struct range_row *row = o ? __atomic_load_n(&o->row, __ATOMIC_RELAXED) : NULL;
  if (!o || !__atomic_compare_exchange_n(&o->state, &expected, seq << 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
    wpr_warn_once(&bad_warned, "range end for an id that is not open (ended twice, or never started); ignored");
    return;
  }
  __atomic_fetch_add(&t->open_gen, 1, __ATOMIC_RELEASE);
  if (t == range_thread_current()) range_ctx_refresh(t, 1);
  if (row) {
    uint64_t total = wpr_ticks_to_ns(now - start);
    __atomic_fetch_add(&row->calls, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&row->cpu_total_ns, total, __ATOMIC_RELAXED);
    __atomic_fetch_add(&row->cpu_self_ns, total, __ATOMIC_RELAXED); /* not nested: self is total */
    wpr_late_rows_check(row->window, range_current_window());
    if (wpr_timeline_is_active()) wpr_timeline_host(WPIO_EV_RANGE, row->name, start, now); /* ending thread's track */
  }
  if (t == range_thread_current()) wpr_step_range_end(o->name); /* the name is the owner's to read */
}
