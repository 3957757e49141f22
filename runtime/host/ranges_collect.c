/* Collect of the range recorder: every thread's (window, name) rows and its nodes' GPU time, merged
 * into job->ranges by (window, name) through an index over the rows this collect added. Threads may
 * keep publishing rows and GPU time while it runs; it reads them relaxed. */
#include "ranges_collect.h"

#include <stdlib.h>
#include <string.h>

#include "ranges_threads.h"
#include "wprof/wprof.h"

/* Collect's index of the rows it added to job->ranges (from `first` on), by (window, name). */
struct merge_index { size_t *idx; size_t mask; size_t first; };

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

static struct wpio_range_row *merge_row(struct wpio_job *job, struct merge_index *mi, int32_t rank, int32_t window,
                                        const char *name) {
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
    struct wpio_range_row *out = merge_row(job, mi, rank, r->window, r->name);
    if (!out) return WPROF_ENOMEM;
    out->calls += calls;
    out->cpu_total_ns += __atomic_load_n(&r->cpu_total_ns, __ATOMIC_RELAXED);
    out->cpu_self_ns += __atomic_load_n(&r->cpu_self_ns, __ATOMIC_RELAXED);
  }
  return WPROF_OK;
}

/* The GPU time that ranges_gpu.c credited to the thread's nodes, per window. */
static int merge_thread_gpu(struct wpio_job *job, struct merge_index *mi, int32_t rank, struct range_thread *t) {
  uint32_t nnodes = __atomic_load_n(&t->nnodes, __ATOMIC_ACQUIRE);
  for (uint32_t idx = 1; idx <= nnodes; idx++) {
    struct range_node *n = range_node_at(t->tid << NODE_INDEX_BITS | idx);
    if (!n) continue;
    for (struct gpu_cell *c = __atomic_load_n(&n->cells, __ATOMIC_ACQUIRE); c; c = c->next) {
      uint64_t self = __atomic_load_n(&c->self_ns, __ATOMIC_RELAXED);
      uint64_t total = __atomic_load_n(&c->total_ns, __ATOMIC_RELAXED);
      if (!self && !total) continue;
      struct wpio_range_row *out = merge_row(job, mi, rank, c->window, n->name);
      if (!out) return WPROF_ENOMEM;
      out->cuda_self_ns += self;
      out->cuda_total_ns += total;
    }
  }
  return WPROF_OK;
}

int wpr_ranges_collect(struct wpio_job *job, int32_t rank) {
  struct merge_index mi = {NULL, 0, job->ranges.n};
  int rc = WPROF_OK;
  for (struct range_thread *t = range_threads_lock(); t && rc == WPROF_OK; t = t->next) {
    rc = merge_thread_rows(job, &mi, rank, __atomic_load_n(&t->rows, __ATOMIC_ACQUIRE));
    if (rc == WPROF_OK) rc = merge_thread_gpu(job, &mi, rank, t);
  }
  range_threads_unlock();
  free(mi.idx);
  return rc;
}
