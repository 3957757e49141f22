/* Annotated ranges: a per-thread stack and per-thread (window, name) rows with calls, CPU total and
 * CPU self time. push/pop touch only the calling thread's state; a thread's table is registered under
 * a lock once, and its rows are published on an append-only list that collect walks without locks. */
#include "ranges.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timer.h"
#include "wprof/wprof.h"

#ifdef WPROF_HAVE_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

#define RANGE_STACK_MAX 256
#define RANGE_SLOTS_MIN 64

struct range_row {
  struct range_row *next_all;  /* the thread's published list, newest first */
  uint32_t hash;
  int32_t window;
  char *name;
  uint64_t calls, cpu_total_ns, cpu_self_ns; /* written by the owner, read by collect (relaxed) */
};

struct range_frame {
  struct range_row *row;       /* NULL: pushed while no window ran (not recorded) */
  uint64_t start;              /* ticks */
  uint64_t child_ns;           /* total time of the frame's children, for self time */
};

struct range_thread {
  struct range_frame stack[RANGE_STACK_MAX];
  uint32_t depth;              /* may pass the cap: deeper pushes are counted, not kept */
  uint64_t overflows;
  struct range_row **slots;    /* owner-only open-addressing index of the rows */
  size_t nslots, nrows;
  struct range_row *rows;
  struct range_thread *next;
};

static int32_t current_window = -1;
static int ranges_enabled = 1;

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct range_thread *threads_head;

static __thread struct range_thread *ranges_tls __attribute__((tls_model("initial-exec")));

void wpr_ranges_set_window(int32_t window) { __atomic_store_n(&current_window, window, __ATOMIC_RELAXED); }
void wpr_ranges_set_enabled(int enabled) { __atomic_store_n(&ranges_enabled, enabled != 0, __ATOMIC_RELAXED); }

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
  wpr_timer_init(); /* ranges may come before wprof_init: calibrate before the first tick */
  struct range_thread *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  pthread_mutex_lock(&threads_lock);
  t->next = threads_head;
  __atomic_store_n(&threads_head, t, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&threads_lock);
  ranges_tls = t;
  return t;
}

static uint32_t row_hash(int32_t window, const char *name) {
  uint32_t h = 2166136261u ^ (uint32_t)window * 2654435761u;
  for (; *name; name++) h = (h ^ (unsigned char)*name) * 16777619u;
  return h;
}

static struct range_row **slot_find(struct range_thread *t, uint32_t h, int32_t window, const char *name) {
  size_t mask = t->nslots - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    struct range_row *r = t->slots[i];
    if (!r || (r->hash == h && r->window == window && strcmp(r->name, name) == 0)) return &t->slots[i];
  }
}

static int slots_grow(struct range_thread *t) {
  size_t n = t->nslots ? 2 * t->nslots : RANGE_SLOTS_MIN;
  struct range_row **old = t->slots;
  size_t old_n = t->nslots;
  t->slots = calloc(n, sizeof *t->slots);
  if (!t->slots) {
    t->slots = old;
    return -1;
  }
  t->nslots = n;
  for (size_t i = 0; i < old_n; i++)
    if (old[i]) *slot_find(t, old[i]->hash, old[i]->window, old[i]->name) = old[i];
  free(old);
  return 0;
}

static struct range_row *row_new(struct range_thread *t, uint32_t h, int32_t window, const char *name) {
  struct range_row *r = calloc(1, sizeof *r);
  char *copy = r ? strdup(name) : NULL;
  if (!copy) {
    free(r);
    return NULL;
  }
  r->hash = h;
  r->window = window;
  r->name = copy;
  r->next_all = t->rows;
  __atomic_store_n(&t->rows, r, __ATOMIC_RELEASE);
  return r;
}

/* The thread's row of (window, name), made on first sight. */
static struct range_row *row_get(struct range_thread *t, int32_t window, const char *name) {
  static int oom_warned;
  uint32_t h = row_hash(window, name);
  if (2 * (t->nrows + 1) > t->nslots && slots_grow(t)) goto oom;
  struct range_row **slot = slot_find(t, h, window, name);
  if (*slot) return *slot;
  if (!(*slot = row_new(t, h, window, name))) goto oom;
  t->nrows++;
  return *slot;
oom:
  wpr_warn_once(&oom_warned, "out of memory for range rows; some ranges are not recorded");
  return NULL;
}

/* ---- push / pop ---- */

static inline void counter_add(uint64_t *p, uint64_t d) {
  __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

void wprof_range_push(const char *name) {
  static int overflow_warned;
  if (!name) name = "(null)";
  nvtx_push(name);
  struct range_thread *t = ranges_tls ? ranges_tls : range_thread_register();
  if (!t) return;
  uint32_t d = t->depth++;
  if (d >= RANGE_STACK_MAX) {
    t->overflows++;
    wpr_warn_once(&overflow_warned, "ranges nested deeper than %d (\"%.100s\"); the deeper ones are not recorded",
                  RANGE_STACK_MAX, name);
    return;
  }
  struct range_frame *f = &t->stack[d];
  int32_t window = __atomic_load_n(&current_window, __ATOMIC_RELAXED);
  int record = window >= 0 && __atomic_load_n(&ranges_enabled, __ATOMIC_RELAXED);
  f->row = record ? row_get(t, window, name) : NULL;
  f->child_ns = 0;
  f->start = wpr_ticks(); /* last, so the row lookup is not part of the range */
}

void wprof_range_pop(void) {
  static int underflow_warned;
  uint64_t now = wpr_ticks();
  struct range_thread *t = ranges_tls;
  if (!t || t->depth == 0) {
    wpr_warn_once(&underflow_warned, "wprof_range_pop without a matching push; ignored");
    return;
  }
  nvtx_pop();
  uint32_t d = --t->depth;
  if (d >= RANGE_STACK_MAX) return;
  struct range_frame *f = &t->stack[d];
  uint64_t total = wpr_ticks_to_ns(now - f->start);
  if (d > 0) t->stack[d - 1].child_ns += total;
  if (!f->row) return;
  counter_add(&f->row->calls, 1);
  counter_add(&f->row->cpu_total_ns, total);
  counter_add(&f->row->cpu_self_ns, total > f->child_ns ? total - f->child_ns : 0);
}

uint64_t wpr_ranges_overflows(void) {
  uint64_t n = 0;
  pthread_mutex_lock(&threads_lock);
  for (struct range_thread *t = threads_head; t; t = t->next) n += __atomic_load_n(&t->overflows, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&threads_lock);
  return n;
}

/* ---- collect: merge the threads' rows by (window, name) ---- */

struct merge_index { size_t *idx; size_t mask; size_t first; }; /* job->ranges index - first + 1; 0 = empty */

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

static struct wpio_range_row *merge_row(struct wpio_job *job, struct merge_index *mi, int32_t rank,
                                        int32_t window, uint32_t name_id) {
  if (merge_index_reserve(job, mi)) return NULL;
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
    uint32_t name_id = wpio_strtab_intern(&job->names, r->name, strlen(r->name));
    struct wpio_range_row *out = name_id == UINT32_MAX ? NULL : merge_row(job, mi, rank, r->window, name_id);
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
  for (struct range_thread *t = threads_head; t && rc == WPROF_OK; t = t->next)
    rc = merge_thread_rows(job, &mi, rank, __atomic_load_n(&t->rows, __ATOMIC_ACQUIRE));
  pthread_mutex_unlock(&threads_lock);
  free(mi.idx);
  return rc;
}
