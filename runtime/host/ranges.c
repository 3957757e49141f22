/* Annotated ranges: a per-thread stack, start/end ranges and per-thread (window, name) rows with calls,
 * CPU total and CPU self time. push/pop touch only the calling thread's state; a thread is registered
 * under a lock once, and its rows and context nodes are published append-only for collect and GPU time. */
#include "ranges.h"
#include "ranges_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "step_hook.h"
#include "timeline.h"
#include "timer.h"
#include "wprof/wprof.h"

#ifdef WPROF_HAVE_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

static int32_t current_window = -1;
static int ranges_enabled = 1;

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct range_thread *threads_head;
static uint32_t threads_count;
static struct range_thread *threads_by_id[RANGE_THREADS_MAX + 1]; /* published with release */

static __thread struct range_thread *ranges_tls __attribute__((tls_model("initial-exec")));

void wpr_ranges_set_window(int32_t window) { __atomic_store_n(&current_window, window, __ATOMIC_RELAXED); }
void wpr_ranges_set_enabled(int enabled) { __atomic_store_n(&ranges_enabled, enabled != 0, __ATOMIC_RELAXED); }

int32_t range_current_window(void) {
  if (!__atomic_load_n(&ranges_enabled, __ATOMIC_RELAXED)) return -1;
  return __atomic_load_n(&current_window, __ATOMIC_RELAXED);
}

struct range_thread *range_thread_current(void) { return ranges_tls; }

/* ---- NVTX: wprof's own domain, so an injection library can tell our ranges from the app's ---- */

#ifdef WPROF_HAVE_NVTX
static pthread_once_t nvtx_once = PTHREAD_ONCE_INIT;
static nvtxDomainHandle_t nvtx_domain;
static void nvtx_domain_create(void) { nvtx_domain = nvtxDomainCreateA("wprof"); }

static void nvtx_push(const char *name) {
  pthread_once(&nvtx_once, nvtx_domain_create);
  nvtxEventAttributes_t a;
  memset(&a, 0, sizeof a);
  a.version = NVTX_VERSION;
  a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
  a.messageType = NVTX_MESSAGE_TYPE_ASCII;
  a.message.ascii = name;
  nvtxDomainRangePushEx(nvtx_domain, &a);
}
static void nvtx_pop(void) {
  pthread_once(&nvtx_once, nvtx_domain_create);
  nvtxDomainRangePop(nvtx_domain);
}
#else
static void nvtx_push(const char *name) { (void)name; }
static void nvtx_pop(void) {}
#endif

/* ---- the thread's table ---- */

static struct range_thread *range_thread_register(void) {
  static int tree_warned;
  wpr_timer_init(); /* ranges may come before wprof_init: calibrate before the first tick */
  struct range_thread *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  pthread_mutex_lock(&threads_lock);
  if (threads_count < RANGE_THREADS_MAX) {
    t->tid = ++threads_count;
    __atomic_store_n(&threads_by_id[t->tid], t, __ATOMIC_RELEASE);
  }
  t->next = threads_head;
  __atomic_store_n(&threads_head, t, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&threads_lock);
  if (!t->tid)
    wpr_warn_once(&tree_warned, "more than %d threads use ranges; GPU time of the later ones is not "
                  "attributed to their ranges", RANGE_THREADS_MAX);
  ranges_tls = t;
  return t;
}

static struct range_thread *range_thread_self(void) { return ranges_tls ? ranges_tls : range_thread_register(); }

struct range_thread *range_thread_by_id(uint32_t tid) {
  if (tid == 0 || tid > RANGE_THREADS_MAX) return NULL;
  return __atomic_load_n(&threads_by_id[tid], __ATOMIC_ACQUIRE);
}

struct range_node *range_node_at(uint32_t id) {
  struct range_thread *t = range_thread_by_id(id >> NODE_INDEX_BITS);
  uint32_t idx = id & NODE_INDEX_MASK;
  if (!t || idx == 0 || idx > __atomic_load_n(&t->nnodes, __ATOMIC_ACQUIRE)) return NULL;
  struct range_node *chunk = __atomic_load_n(&t->chunks[idx >> NODE_CHUNK_BITS], __ATOMIC_ACQUIRE);
  return chunk ? &chunk[idx & (NODE_CHUNK - 1)] : NULL;
}

/* The stack row of a frame: the node caches the row of the window it saw last. */
static struct range_row *frame_row(struct range_thread *t, uint32_t node_id, int32_t window, const char *name) {
  struct range_node *n = node_id ? range_node_at(node_id) : NULL;
  if (n && n->row && n->row_window == window) return n->row;
  struct range_row *r = range_row_get(t, window, name, RANGE_KIND_STACK);
  if (n && r) {
    n->row_window = window;
    n->row = r;
  }
  return r;
}

/* ---- push / pop ---- */

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
  uint32_t node = range_node_get(t, parent, name, RANGE_KIND_STACK, 1);
  f->node = node ? node : parent; /* no node: launches count for the enclosing range */
  int32_t window = range_current_window();
  f->row = window >= 0 ? frame_row(t, node, window, name) : NULL;
  f->child_ns = 0;
  range_ctx_refresh(t, 1);
  f->start = wpr_ticks(); /* last, so the bookkeeping is not part of the range */
}

int wpr_ranges_pop(void) {
  static int underflow_warned;
  uint64_t now = wpr_ticks();
  struct range_thread *t = ranges_tls;
  if (!t || t->depth == 0) {
    wpr_warn_once(&underflow_warned, "range pop without a matching push; ignored");
    return WPROF_ESTATE;
  }
  uint32_t d = --t->depth;
  if (d >= RANGE_STACK_MAX) return WPROF_OK;
  struct range_frame *f = &t->stack[d];
  uint64_t total = wpr_ticks_to_ns(now - f->start);
  if (d > 0) t->stack[d - 1].child_ns += total;
  range_ctx_refresh(t, 1);
  if (f->row) {
    counter_add(&f->row->calls, 1);
    counter_add(&f->row->cpu_total_ns, total);
    counter_add(&f->row->cpu_self_ns, total > f->child_ns ? total - f->child_ns : 0);
    if (wpr_timeline_is_active()) wpr_timeline_host(WPIO_EV_RANGE, f->row->name, f->start, now);
  }
  /* last: a step may open or close a window (a sync point), after this range is accounted */
  const struct range_node *node = f->node ? range_node_at(f->node) : NULL;
  if (node) wpr_step_range_end(node->name);
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
  pthread_mutex_lock(&threads_lock);
  for (struct range_thread *t = threads_head; t; t = t->next) n += __atomic_load_n(&t->overflows, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&threads_lock);
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
  if (t == ranges_tls) range_ctx_refresh(t, 1);
  if (row) {
    uint64_t total = wpr_ticks_to_ns(now - start);
    __atomic_fetch_add(&row->calls, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&row->cpu_total_ns, total, __ATOMIC_RELAXED);
    __atomic_fetch_add(&row->cpu_self_ns, total, __ATOMIC_RELAXED); /* not nested: self is total */
    if (wpr_timeline_is_active()) wpr_timeline_host(WPIO_EV_RANGE, row->name, start, now); /* ending thread's track */
  }
  if (t == ranges_tls) wpr_step_range_end(o->name); /* the name is the owner's to read */
}

/* ---- collect: merge the threads' rows by (window, name) ---- */

static size_t merge_slot(const struct wpio_job *job, const struct merge_index *mi, int32_t window, uint32_t name_id) {
  size_t i = ((uint32_t)window * 2654435761u ^ name_id * 40503u) & mi->mask;
  for (; mi->idx[i]; i = (i + 1) & mi->mask) {
    const struct wpio_range_row *r = &job->ranges.v[mi->first + mi->idx[i] - 1];
    if (r->window == window && r->name_id == name_id) break;
  }
  return i;
}

/* Keeps the index at most half full; threads may publish rows while collect runs. */
static int merge_index_reserve(const struct wpio_job *job, struct merge_index *mi) {
  size_t used = job->ranges.n - mi->first;
  if (mi->idx && 2 * (used + 1) <= mi->mask + 1) return 0;
  size_t n = mi->idx ? 2 * (mi->mask + 1) : 64;
  while (n < 2 * (used + 1)) n *= 2;
  size_t *idx = calloc(n, sizeof *idx);
  if (!idx) return -1;
  free(mi->idx);
  mi->idx = idx;
  mi->mask = n - 1;
  for (size_t k = 0; k < used; k++) {
    const struct wpio_range_row *r = &job->ranges.v[mi->first + k];
    mi->idx[merge_slot(job, mi, r->window, r->name_id)] = k + 1;
  }
  return 0;
}

struct wpio_range_row *range_merge_row(struct wpio_job *job, struct merge_index *mi, int32_t rank,
                                       int32_t window, const char *name) {
  uint32_t name_id = wpio_strtab_intern(&job->names, name, strlen(name));
  if (name_id == UINT32_MAX || merge_index_reserve(job, mi)) return NULL;
  size_t i = merge_slot(job, mi, window, name_id);
  if (mi->idx[i]) return &job->ranges.v[mi->first + mi->idx[i] - 1];
  struct wpio_range_row *r = WPIO_VEC_PUSH(job->ranges);
  if (!r) return NULL;
  *r = (struct wpio_range_row){.rank = rank, .window = window, .name_id = name_id};
  mi->idx[i] = job->ranges.n - mi->first;
  return r;
}

static int merge_thread_rows(struct wpio_job *job, struct merge_index *mi, int32_t rank,
                             const struct range_row *r) {
  for (; r; r = r->next_all) {
    uint64_t calls = __atomic_load_n(&r->calls, __ATOMIC_RELAXED);
    if (!calls) continue; /* pushed in a window but not popped yet */
    struct wpio_range_row *out = range_merge_row(job, mi, rank, r->window, r->name);
    if (!out) return WPROF_ENOMEM;
    out->calls += calls;
    out->cpu_total_ns += __atomic_load_n(&r->cpu_total_ns, __ATOMIC_RELAXED);
    out->cpu_self_ns += __atomic_load_n(&r->cpu_self_ns, __ATOMIC_RELAXED);
  }
  return WPROF_OK;
}

int wpr_ranges_collect(struct wpio_job *job, int32_t rank) {
  struct merge_index mi = {NULL, 0, job->ranges.n};
  int rc = WPROF_OK;
  pthread_mutex_lock(&threads_lock);
  for (struct range_thread *t = threads_head; t && rc == WPROF_OK; t = t->next) {
    rc = merge_thread_rows(job, &mi, rank, __atomic_load_n(&t->rows, __ATOMIC_ACQUIRE));
    if (rc == WPROF_OK) rc = range_merge_gpu(job, &mi, rank, t);
  }
  pthread_mutex_unlock(&threads_lock);
  free(mi.idx);
  return rc;
}
