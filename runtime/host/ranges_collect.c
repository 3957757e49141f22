/* Collect of the range recorder: every thread's (window, name) rows and its nodes' GPU time, merged
 * into job->ranges by (window, name) through an index over the rows this collect added. Threads may
 * keep publishing rows and GPU time while it runs; it reads them relaxed. */
#include "ranges_collect.h"

#include <stdlib.h>
#include <string.h>

#include "ranges_threads.h"
#include "wprof/wprof.h"

/* Collect's index of the rows it added to job->ranges (from `first` on), by (window, name), and the
 * job's name id of each name pointer met so far: a thread interns a name once, so its rows of every
 * window share the pointer, and a pointer lookup spares hashing and comparing the string per row. */
struct merge_index {
  size_t *idx;
  size_t mask;           /* 0: not set up yet in this collect */
  size_t idx_cap;        /* slots allocated */
  size_t first;
  size_t expected;       /* rows_expected: what the index and the name cache are first sized for */
  const char **name_ptr; /* open addressing by pointer, NULL: empty */
  uint32_t *name_id;
  size_t name_mask, names; /* name_mask 0: not set up yet */
  size_t name_cap;
};

/* The index's and the name cache's memory, kept from one collect to the next (collects are
 * serialised by range_threads_lock) and zeroed for each: allocated and freed per collect, glibc gave
 * it back to the system at the free and every stop's spill paid for it as fresh pages again (a
 * sixth of a stop's spill of 1000 ranges). */
static struct merge_index kept_index;

/* Rows the last collect made: the next one sizes its table and index for them at once. */
static size_t last_collect_rows;

/* Rows per window of the current session as the last collect that took the window made them. A stop's
 * spill takes only the windows since the last one, so a collect of every window (finalize's pack)
 * would otherwise double the table and its index through all of them, each time in fresh memory. */
static struct {
  size_t *n;
  size_t cap;
  uint32_t session;
} window_rows;

/* The rows a collect from `from_window` on may make: those the windows made at their last collect,
 * or, with none known, the last collect's. A hint: more rows only grow the table. */
static size_t rows_expected(int32_t from_window) {
  size_t sum = 0;
  if (window_rows.session == range_current_session())
    for (size_t w = from_window > 0 ? (size_t)from_window : 0; w < window_rows.cap; w++) sum += window_rows.n[w];
  return sum > last_collect_rows ? sum : last_collect_rows;
}

/* With nothing known yet (a process's first collect), the rows the threads hold of windows >=
 * from_window: counted before the merge, so its table, index, name cache and names are sized once
 * rather than doubled through fresh memory (a rank's first spill); the walk leaves the rows in the
 * cache for the merge. Relaxed like the merge: a row published meanwhile only grows the table. */
static size_t rows_present(const struct range_thread *t, int32_t from_window) {
  uint32_t session = range_current_session();
  size_t n = 0;
  for (; t; t = t->next)
    for (const struct range_row *r = __atomic_load_n(&t->rows, __ATOMIC_ACQUIRE);
         r && r->session == session && r->window >= from_window; r = r->next_all)
      n++;
  return n;
}

/* Counts the rows this collect made (job->ranges from `first` on) per window. Out of memory: the
 * counts of the windows it could not hold stay 0, so only the hint is smaller. */
static void rows_note(const struct wpio_job *job, size_t first, int32_t from_window) {
  uint32_t session = range_current_session();
  if (window_rows.session != session) {
    if (window_rows.n) memset(window_rows.n, 0, window_rows.cap * sizeof *window_rows.n);
    window_rows.session = session;
  }
  for (size_t w = from_window > 0 ? (size_t)from_window : 0; w < window_rows.cap; w++) window_rows.n[w] = 0;
  for (size_t i = first; i < job->ranges.n; i++) {
    int32_t w = job->ranges.v[i].window;
    if (w < 0) continue;
    if ((size_t)w >= window_rows.cap) {
      size_t cap = window_rows.cap ? window_rows.cap : 16;
      while (cap <= (size_t)w) cap *= 2;
      size_t *n = realloc(window_rows.n, cap * sizeof *n);
      if (!n) continue;
      memset(n + window_rows.cap, 0, (cap - window_rows.cap) * sizeof *n);
      window_rows.n = n;
      window_rows.cap = cap;
    }
    window_rows.n[w]++;
  }
}

static size_t ptr_slot(const struct merge_index *mi, const char *p) {
  size_t i = (size_t)(((uintptr_t)p >> 3) * 0x9E3779B97F4A7C15ull >> 20) & mi->name_mask;
  while (mi->name_ptr[i] && mi->name_ptr[i] != p) i = (i + 1) & mi->name_mask;
  return i;
}

/* Keeps the pointer cache at most half full; first sized for a name per expected row, in the kept
 * memory when it has room. */
static int name_cache_reserve(struct merge_index *mi) {
  if (mi->name_mask && 2 * (mi->names + 1) <= mi->name_mask + 1) return 0;
  size_t n = mi->name_mask ? 2 * (mi->name_mask + 1) : 64;
  size_t want = mi->name_mask ? mi->names + 1 : (mi->expected > mi->names ? mi->expected : mi->names) + 1;
  while (n < 2 * want) n *= 2;
  if (!mi->name_mask && n <= mi->name_cap) {
    memset(mi->name_ptr, 0, n * sizeof *mi->name_ptr);
    mi->name_mask = n - 1;
    return 0;
  }
  const char **ptr = calloc(n, sizeof *ptr);
  uint32_t *id = malloc(n * sizeof *id);
  if (!ptr || !id) {
    free(ptr);
    free(id);
    return -1;
  }
  const char **old_ptr = mi->name_ptr;
  uint32_t *old_id = mi->name_id;
  size_t old_n = mi->name_mask ? mi->name_mask + 1 : 0;
  mi->name_ptr = ptr;
  mi->name_id = id;
  mi->name_mask = n - 1;
  mi->name_cap = n;
  for (size_t k = 0; k < old_n; k++) {
    if (!old_ptr[k]) continue;
    size_t i = ptr_slot(mi, old_ptr[k]);
    mi->name_ptr[i] = old_ptr[k];
    mi->name_id[i] = old_id[k];
  }
  free(old_ptr);
  free(old_id);
  return 0;
}

/* The job's id of a name (UINT32_MAX when out of memory). */
static uint32_t name_id_of(struct wpio_job *job, struct merge_index *mi, const char *name) {
  if (name_cache_reserve(mi)) return UINT32_MAX;
  size_t i = ptr_slot(mi, name);
  if (mi->name_ptr[i]) return mi->name_id[i];
  uint32_t id = wpio_strtab_intern(&job->names, name, strlen(name));
  if (id == UINT32_MAX) return id;
  mi->name_ptr[i] = name;
  mi->name_id[i] = id;
  mi->names++;
  return id;
}

static size_t merge_slot(const struct wpio_job *job, const struct merge_index *mi, int32_t window, uint32_t name_id) {
  /* the middle bits of a multiplicative hash of (window, name): a xor of the two products put the
   * rows of many windows into long runs of the linear probe */
  uint64_t h = ((uint64_t)(uint32_t)window << 32 | name_id) * 0x9E3779B97F4A7C15ull;
  size_t i = (size_t)(h >> 29) & mi->mask;
  for (; mi->idx[i]; i = (i + 1) & mi->mask) {
    const struct wpio_range_row *r = &job->ranges.v[mi->first + mi->idx[i] - 1];
    if (r->window == window && r->name_id == name_id) break;
  }
  return i;
}

/* Keeps the index at most half full; threads may publish rows while collect runs. Growing puts the
 * rows in again from job->ranges, so the old slots need not be kept. */
static int merge_index_reserve(const struct wpio_job *job, struct merge_index *mi) {
  size_t used = job->ranges.n - mi->first;
  if (mi->mask && 2 * (used + 1) <= mi->mask + 1) return 0;
  size_t n = mi->mask ? 2 * (mi->mask + 1) : 64;
  size_t want = mi->mask ? used + 1 : (used > mi->expected ? used : mi->expected) + 1;
  while (n < 2 * want) n *= 2;
  if (n > mi->idx_cap) {
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx) return -1;
    free(mi->idx);
    mi->idx = idx;
    mi->idx_cap = n;
  }
  memset(mi->idx, 0, n * sizeof *mi->idx);
  mi->mask = n - 1;
  for (size_t k = 0; k < used; k++) {
    const struct wpio_range_row *r = &job->ranges.v[mi->first + k];
    mi->idx[merge_slot(job, mi, r->window, r->name_id)] = k + 1;
  }
  return 0;
}

static struct wpio_range_row *merge_row(struct wpio_job *job, struct merge_index *mi, int32_t rank, int32_t window,
                                        const char *name) {
  uint32_t name_id = name_id_of(job, mi, name);
  if (name_id == UINT32_MAX || merge_index_reserve(job, mi)) return NULL;
  size_t i = merge_slot(job, mi, window, name_id);
  if (mi->idx[i]) return &job->ranges.v[mi->first + mi->idx[i] - 1];
  struct wpio_range_row *r = WPIO_VEC_PUSH(job->ranges);
  if (!r) return NULL;
  *r = (struct wpio_range_row){.rank = rank, .window = window, .name_id = name_id};
  mi->idx[i] = job->ranges.n - mi->first;
  return r;
}

/* A thread's rows are listed newest first, and a row is made only for the window running when its
 * thread pushes or starts a range: within a session their windows never grow along the list, so the
 * first row of a window before from_window, or of an earlier session (whose windows counted from 0
 * too), ends the walk. */
static int merge_thread_rows(struct wpio_job *job, struct merge_index *mi, int32_t rank, const struct range_row *r,
                             int32_t from_window) {
  uint32_t session = range_current_session();
  for (; r && r->session == session && r->window >= from_window; r = r->next_all) {
    uint64_t calls = __atomic_load_n(&r->calls, __ATOMIC_RELAXED);
    if (!calls) continue; /* pushed in a window but not popped yet */
    struct wpio_range_row *out = merge_row(job, mi, rank, r->window, r->name);
    if (!out) return WPROF_ENOMEM;
    out->calls += calls;
    out->cpu_total_ns += __atomic_load_n(&r->cpu_total_ns, __ATOMIC_RELAXED);
    out->cpu_self_ns += __atomic_load_n(&r->cpu_self_ns, __ATOMIC_RELAXED);
  }
  return WPROF_OK;
}

/* The GPU time that ranges_gpu.c credited to the thread's nodes, per window. */
static int merge_thread_gpu(struct wpio_job *job, struct merge_index *mi, int32_t rank, struct range_thread *t,
                            int32_t from_window) {
  uint32_t nnodes = __atomic_load_n(&t->nnodes, __ATOMIC_ACQUIRE), session = range_current_session();
  for (uint32_t idx = 1; idx <= nnodes; idx++) {
    struct range_node *n = range_node_at(t->tid << NODE_INDEX_BITS | idx);
    if (!n) continue;
    for (struct gpu_cell *c = __atomic_load_n(&n->cells, __ATOMIC_ACQUIRE); c; c = c->next) {
      uint64_t self = __atomic_load_n(&c->self_ns, __ATOMIC_RELAXED);
      uint64_t total = __atomic_load_n(&c->total_ns, __ATOMIC_RELAXED);
      /* a late record's cell may come first, and so may a cell of an earlier session */
      if ((!self && !total) || c->window < from_window || c->session != session) continue;
      struct wpio_range_row *out = merge_row(job, mi, rank, c->window, n->name);
      if (!out) return WPROF_ENOMEM;
      out->cuda_self_ns += self;
      out->cuda_total_ns += total;
    }
  }
  return WPROF_OK;
}

int wpr_ranges_collect(struct wpio_job *job, int32_t rank, int32_t from_window) {
  int rc = WPROF_OK;
  struct range_thread *t = range_threads_lock(); /* serialises collects, and their row counts above */
  struct merge_index mi = kept_index;
  mi.mask = mi.name_mask = mi.names = 0;
  mi.first = job->ranges.n, mi.expected = rows_expected(from_window);
  if (mi.expected == 0 && (mi.expected = rows_present(t, from_window)) > 0)
    (void)wpio_strtab_reserve(&job->names, job->names.n + mi.expected); /* a name per row at most */
  (void)WPIO_VEC_RESERVE_HINT(job->ranges, job->ranges.n + mi.expected); /* pushing grows it too */
  for (; t && rc == WPROF_OK; t = t->next) {
    rc = merge_thread_rows(job, &mi, rank, __atomic_load_n(&t->rows, __ATOMIC_ACQUIRE), from_window);
    if (rc == WPROF_OK) rc = merge_thread_gpu(job, &mi, rank, t, from_window);
  }
  last_collect_rows = job->ranges.n - mi.first;
  if (rc == WPROF_OK) rows_note(job, mi.first, from_window);
  kept_index = mi; /* before the unlock: the next collect takes it */
  range_threads_unlock();
  return rc;
}

void wpr_ranges_collect_release(void) {
  range_threads_lock();
  free(kept_index.idx);
  free(kept_index.name_ptr);
  free(kept_index.name_id);
  memset(&kept_index, 0, sizeof kept_index);
  range_threads_unlock();
}
