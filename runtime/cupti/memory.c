/* GPU memory rows (memory.h): a queue of events per drain, sorted by GPU time, then a running level
 * per (device, kind) and rows per (window, range name, device, kind) in a small open-addressing table. */
#ifdef WPROF_HAVE_CUPTI
#include "memory.h"

#include <stdlib.h>
#include <string.h>

#include "stacks.h"

#define MAX_DEVICES 64 /* levels are tracked for devices below this; rows for every device */

struct mem_row {
  const char *range;   /* interned range name, NULL: none */
  int32_t window, device, kind, used;
  uint64_t allocations, frees, bytes_allocated, bytes_freed, peak_bytes;
  uint64_t peak_gpu_ns;
};

static struct {
  struct wpr_memory_event *queue;
  size_t n_queue, cap_queue;
  int64_t level[MAX_DEVICES][WPIO_MEM_KIND_COUNT];
  struct mem_row *rows;
  size_t n_rows, n_slots;
  uint64_t lost;
} mem;

void wpr_memory_queue(const struct wpr_memory_event *e) {
  if (mem.n_queue == mem.cap_queue) {
    size_t cap = mem.cap_queue ? mem.cap_queue * 2 : 256;
    struct wpr_memory_event *q = realloc(mem.queue, cap * sizeof *q);
    if (!q) {
      mem.lost++;
      return;
    }
    mem.queue = q;
    mem.cap_queue = cap;
  }
  mem.queue[mem.n_queue++] = *e;
}

static int event_cmp(const void *a, const void *b) {
  const struct wpr_memory_event *x = a, *y = b;
  if (x->timestamp != y->timestamp) return x->timestamp < y->timestamp ? -1 : 1;
  return y->is_alloc - x->is_alloc; /* at one instant, count the allocation first: a peak is a peak */
}

static size_t row_hash(const char *range, int32_t window, int32_t device, int32_t kind) {
  uint64_t h = (uint64_t)(uintptr_t)range * 0x9e3779b97f4a7c15ULL;
  h ^= ((uint64_t)(uint32_t)window << 32 | (uint32_t)device << 8 | (uint32_t)kind) * 0xff51afd7ed558ccdULL;
  return (size_t)(h ^ (h >> 29));
}

static int rows_grow(void) {
  size_t n = mem.n_slots ? mem.n_slots * 2 : 64;
  struct mem_row *rows = calloc(n, sizeof *rows);
  if (!rows) return -1;
  for (size_t i = 0; i < mem.n_slots; i++) {
    const struct mem_row *r = &mem.rows[i];
    if (!r->used) continue;
    size_t j = row_hash(r->range, r->window, r->device, r->kind) & (n - 1);
    while (rows[j].used) j = (j + 1) & (n - 1);
    rows[j] = *r;
  }
  free(mem.rows);
  mem.rows = rows;
  mem.n_slots = n;
  return 0;
}

static struct mem_row *row_for(const char *range, int32_t window, int32_t device, int32_t kind) {
  if ((mem.n_rows + 1) * 2 > mem.n_slots && rows_grow() != 0) return NULL;
  size_t j = row_hash(range, window, device, kind) & (mem.n_slots - 1);
  struct mem_row *r;
  while ((r = &mem.rows[j])->used &&
         !(r->range == range && r->window == window && r->device == device && r->kind == kind))
    j = (j + 1) & (mem.n_slots - 1);
  if (!r->used) {
    *r = (struct mem_row){.range = range, .window = window, .device = device, .kind = kind, .used = 1};
    mem.n_rows++;
  }
  return r;
}

static void apply_one(const struct wpr_memory_event *e, const struct wpr_gpu_span *spans, int n_spans) {
  int32_t window = e->ctx.window >= 0 ? e->ctx.window : wpr_gpu_spans_window(spans, n_spans, e->timestamp);
  const char *range = e->ctx.window >= 0 ? wpr_ranges_node_name(e->ctx.node) : NULL;
  int32_t kind = e->kind >= 0 && e->kind < WPIO_MEM_KIND_COUNT ? e->kind : WPIO_MEM_UNKNOWN;
  int64_t *level = e->device >= 0 && e->device < MAX_DEVICES ? &mem.level[e->device][kind] : NULL;
  if (level) *level += e->is_alloc ? (int64_t)e->bytes : -(int64_t)e->bytes;
  if (window < 0) return; /* outside every window: only the level counts */
  struct mem_row *r = row_for(range, window, e->device, kind);
  if (!r) {
    mem.lost++;
    return;
  }
  if (!e->is_alloc) {
    r->frees++;
    r->bytes_freed += e->bytes;
    return;
  }
  r->allocations++;
  r->bytes_allocated += e->bytes;
  if (wpr_stacks_on()) wpr_stacks_add_alloc(e->correlation, window, e->bytes);
  uint64_t now = level && *level > 0 ? (uint64_t)*level : 0;
  if (now > r->peak_bytes || r->allocations == 1) {
    r->peak_bytes = now;
    r->peak_gpu_ns = e->timestamp;
  }
}

void wpr_memory_apply(const struct wpr_gpu_span *spans, int n_spans) {
  if (mem.n_queue > 1) qsort(mem.queue, mem.n_queue, sizeof *mem.queue, event_cmp);
  for (size_t i = 0; i < mem.n_queue; i++) apply_one(&mem.queue[i], spans, n_spans);
  mem.n_queue = 0;
}

/* The peak's GPU time on the host clock, through the span of its window (0 when there is none). */
static int64_t host_time(const struct wpr_gpu_span *spans, int n_spans, int32_t window, uint64_t gpu_ns) {
  const struct wpr_gpu_span *span = wpr_gpu_span_of(spans, n_spans, window);
  return span ? wpr_gpu_span_to_host(span, gpu_ns) : 0;
}

int wpr_memory_collect(struct wpio_job *job, int32_t rank, const struct wpr_gpu_span *spans, int n_spans) {
  for (size_t i = 0; i < mem.n_slots; i++) {
    const struct mem_row *r = &mem.rows[i];
    if (!r->used) continue;
    const char *name = r->range ? r->range : WPIO_MEMORY_NO_RANGE;
    uint32_t id = wpio_strtab_intern(&job->names, name, strlen(name));
    struct wpio_memory_row *out = id == UINT32_MAX ? NULL : WPIO_VEC_PUSH(job->memory);
    if (!out) return -1;
    *out = (struct wpio_memory_row){
        .rank = rank, .window = r->window, .name_id = id, .device = r->device, .kind = r->kind,
        .allocations = r->allocations, .frees = r->frees, .bytes_allocated = r->bytes_allocated,
        .bytes_freed = r->bytes_freed, .peak_bytes = r->peak_bytes,
        .peak_time_ns = host_time(spans, n_spans, r->window, r->peak_gpu_ns)};
  }
  return 0;
}

uint64_t wpr_memory_lost(void) { return mem.lost; }
#endif
