/* Aggregation of activity records (cupti_records.h). Hot loop per record: one correlation lookup,
 * a name lookup by pointer (CUPTI shares one name string among a kernel's records), one row update.
 * Rows are keyed by (window, name, kind, launch configuration, graph); memory records go to memory.c. */
#ifdef WPROF_HAVE_CUPTI
#include "cupti_records.h"

#include <stdlib.h>
#include <string.h>

#include "breakdown.h"
#include "cupti_corr.h"
#include "cupti_timeline.h"
#include "launch_latency.h"
#include "memory.h"
#include "ranges_gpu.h"
#include "stacks.h"
#include "timeline.h"

/* No padding, so keys compare and hash as bytes. */
struct kernel_key {
  int32_t window;
  uint32_t name, kind;
  uint32_t grid[3], block[3];
  uint32_t registers, static_shared, dynamic_shared;
  int64_t graph_id;    /* -1: not from a graph */
};
_Static_assert(sizeof(struct kernel_key) == 56, "kernel_key has no padding");

struct kernel_row {
  struct kernel_key key;
  int used;
  uint64_t calls, total_ns, min_ns, max_ns, bytes;
};

/* The record fields of the row a name last went to, compared with the next record of that name
 * before any key is built: a kernel's records mostly repeat its launch configuration. */
struct last_row {
  int32_t window;
  int kind;
  uint32_t graph_id;  /* as CUPTI gives it (0: not from a graph) */
  int is_kernel;
  int32_t config[8];  /* gridX..dynamicSharedMemory of the kernel record */
  uint16_t registers;
};

/* Name pointers are only trusted within one buffer (CUPTI may free names of unloaded modules), so
 * the cache is emptied at every buffer by bumping the generation. */
struct name_cache_entry {
  const char *ptr;
  uint32_t index, generation;
  struct last_row last;      /* valid while rows_epoch is unchanged */
  size_t row_slot;
  uint64_t rows_epoch;
  int is_comm;               /* the name is a communication kernel's (breakdown.h), tested once */
};
#define NAME_CACHE_SLOTS 256

static struct {
  struct wpio_strtab names;  /* wprof's own copies of the names */
  int names_ready;
  struct kernel_row *rows;
  size_t n_rows, n_slots;    /* open addressing, n_slots a power of two */
  uint64_t rows_epoch;       /* bumped when the rows move (growth) */
  struct name_cache_entry cache[NAME_CACHE_SLOTS];
  uint32_t generation;
  struct wpr_cupti_counts counts;
} agg;

static uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

static uint64_t key_hash(const struct kernel_key *k) {
  uint64_t w[7];
  memcpy(w, k, sizeof w);
  uint64_t h = 0;
  for (int i = 0; i < 7; i++) h = mix64(h ^ w[i]);
  return h;
}

/* Field by field: the key was just written field by field, and wide loads of it would stall. */
static int key_eq(const struct kernel_key *a, const struct kernel_key *b) {
  return a->window == b->window && a->name == b->name && a->kind == b->kind && a->graph_id == b->graph_id &&
         a->grid[0] == b->grid[0] && a->grid[1] == b->grid[1] && a->grid[2] == b->grid[2] &&
         a->block[0] == b->block[0] && a->block[1] == b->block[1] && a->block[2] == b->block[2] &&
         a->registers == b->registers && a->static_shared == b->static_shared &&
         a->dynamic_shared == b->dynamic_shared;
}

static int rows_grow(void) {
  size_t n_slots = agg.n_slots ? agg.n_slots * 2 : 256;
  struct kernel_row *rows = calloc(n_slots, sizeof *rows);
  if (!rows) return -1;
  for (size_t i = 0; i < agg.n_slots; i++) {
    if (!agg.rows[i].used) continue;
    size_t j = key_hash(&agg.rows[i].key) & (n_slots - 1);
    while (rows[j].used) j = (j + 1) & (n_slots - 1);
    rows[j] = agg.rows[i];
  }
  free(agg.rows);
  agg.rows = rows;
  agg.n_slots = n_slots;
  agg.rows_epoch++;
  return 0;
}

static struct kernel_row *row_for(const struct kernel_key *key) {
  if ((agg.n_rows + 1) * 2 > agg.n_slots && rows_grow() != 0) return NULL;
  size_t j = key_hash(key) & (agg.n_slots - 1);
  while (agg.rows[j].used && !key_eq(&agg.rows[j].key, key)) j = (j + 1) & (agg.n_slots - 1);
  if (!agg.rows[j].used) {
    agg.rows[j].key = *key;
    agg.rows[j].used = 1;
    agg.rows[j].min_ns = UINT64_MAX;
    agg.n_rows++;
  }
  return &agg.rows[j];
}

/* The cache entry of `name` (its index in wprof's names), NULL when out of memory. */
static struct name_cache_entry *name_entry(const char *name) {
  if (!name) name = "<unnamed>";
  struct name_cache_entry *e = &agg.cache[(mix64((uintptr_t)name) >> 8) & (NAME_CACHE_SLOTS - 1)];
  if (e->ptr == name && e->generation == agg.generation) return e;
  if (!agg.names_ready) {
    wpio_strtab_init(&agg.names);
    agg.names_ready = 1;
  }
  uint32_t index = wpio_strtab_intern(&agg.names, name, strlen(name));
  if (index == UINT32_MAX) return NULL; /* out of memory */
  *e = (struct name_cache_entry){.ptr = name, .index = index, .generation = agg.generation,
                                 .is_comm = wpr_gpu_name_is_comm(name)};
  return e;
}

static const char *memcpy_name(uint8_t copy_kind) {
  switch (copy_kind) {
  case CUPTI_ACTIVITY_MEMCPY_KIND_HTOD: return "Memcpy HtoD";
  case CUPTI_ACTIVITY_MEMCPY_KIND_DTOH: return "Memcpy DtoH";
  case CUPTI_ACTIVITY_MEMCPY_KIND_DTOD: return "Memcpy DtoD";
  case CUPTI_ACTIVITY_MEMCPY_KIND_HTOH: return "Memcpy HtoH";
  case CUPTI_ACTIVITY_MEMCPY_KIND_PTOP: return "Memcpy PtoP";
  case CUPTI_ACTIVITY_MEMCPY_KIND_HTOA: return "Memcpy HtoA";
  case CUPTI_ACTIVITY_MEMCPY_KIND_ATOH: return "Memcpy AtoH";
  case CUPTI_ACTIVITY_MEMCPY_KIND_ATOA: return "Memcpy AtoA";
  case CUPTI_ACTIVITY_MEMCPY_KIND_ATOD: return "Memcpy AtoD";
  case CUPTI_ACTIVITY_MEMCPY_KIND_DTOA: return "Memcpy DtoA";
  default: return "Memcpy";
  }
}

static const char *sync_name(CUpti_ActivitySynchronizationType type) {
  switch (type) {
  case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_EVENT_SYNCHRONIZE: return "cudaEventSynchronize";
  case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_WAIT_EVENT: return "cudaStreamWaitEvent";
  case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE: return "cudaStreamSynchronize";
  case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_CONTEXT_SYNCHRONIZE: return "cudaDeviceSynchronize";
  default: return "Synchronize";
  }
}

/* One record, reduced to what aggregation needs. */
struct gpu_op {
  const char *name;
  int kind;              /* enum wpio_kind */
  uint64_t start, end, bytes;
  uint32_t correlation, alt_correlation;
  int gpu_work;          /* counts as CUDA time of ranges (not host-side waits) */
  const CUpti_ActivityKernel10 *kernel; /* its launch configuration; NULL: not a kernel */
  uint32_t graph_id;     /* CUPTI's, 0: not from a graph */
  int64_t launch_ns;     /* host time of the launch API call, 0: unknown (filled by launch_of) */
};

/* The record's row: most records repeat their name's last row, so compare them with that row's
 * fields first; a key is built and hashed only when they differ. */
static int same_as_last(const struct name_cache_entry *e, const struct gpu_op *op, int32_t window) {
  const struct last_row *l = &e->last;
  if (e->rows_epoch != agg.rows_epoch || l->window != window || l->kind != op->kind || l->graph_id != op->graph_id)
    return 0;
  if (!op->kernel) return !l->is_kernel;
  return l->is_kernel && l->registers == op->kernel->registersPerThread &&
         memcmp(l->config, &op->kernel->gridX, sizeof l->config) == 0;
}

static int64_t graph_of(uint32_t graph_id) { return graph_id ? (int64_t)graph_id : -1; }

static struct kernel_key key_of(const struct gpu_op *op, int32_t window, uint32_t name) {
  struct kernel_key c;
  memset(&c, 0, sizeof c);
  c.window = window, c.name = name, c.kind = (uint32_t)op->kind;
  c.graph_id = graph_of(op->graph_id);
  const CUpti_ActivityKernel10 *k = op->kernel;
  if (!k) return c;
  c.grid[0] = (uint32_t)k->gridX, c.grid[1] = (uint32_t)k->gridY, c.grid[2] = (uint32_t)k->gridZ;
  c.block[0] = (uint32_t)k->blockX, c.block[1] = (uint32_t)k->blockY, c.block[2] = (uint32_t)k->blockZ;
  c.registers = k->registersPerThread;
  c.static_shared = (uint32_t)k->staticSharedMemory;
  c.dynamic_shared = (uint32_t)k->dynamicSharedMemory;
  return c;
}

static struct kernel_row *row_of(struct name_cache_entry *e, const struct gpu_op *op, int32_t window) {
  if (same_as_last(e, op, window)) return &agg.rows[e->row_slot];
  struct kernel_key key = key_of(op, window, e->index);
  struct kernel_row *row = row_for(&key);
  if (!row) return NULL;
  struct last_row *l = &e->last;
  *l = (struct last_row){.window = window, .kind = op->kind, .graph_id = op->graph_id, .is_kernel = op->kernel != NULL};
  if (op->kernel) {
    memcpy(l->config, &op->kernel->gridX, sizeof l->config);
    l->registers = op->kernel->registersPerThread;
  }
  e->row_slot = (size_t)(row - agg.rows);
  e->rows_epoch = agg.rows_epoch;
  return row;
}

static int decode(const CUpti_Activity *rec, struct gpu_op *op) {
  switch (rec->kind) {
  case CUPTI_ACTIVITY_KIND_KERNEL:
  case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: {
    const CUpti_ActivityKernel10 *k = (const CUpti_ActivityKernel10 *)rec;
    *op = (struct gpu_op){k->name, WPIO_KIND_KERNEL, k->start, k->end, 0, k->correlationId, 0, 1, k, k->graphId, 0};
    return 1;
  }
  case CUPTI_ACTIVITY_KIND_MEMCPY: {
    const CUpti_ActivityMemcpy6 *m = (const CUpti_ActivityMemcpy6 *)rec;
    *op = (struct gpu_op){memcpy_name(m->copyKind), WPIO_KIND_MEMCPY, m->start, m->end, m->bytes,
                          m->correlationId, m->runtimeCorrelationId, 1, NULL, m->graphId, 0};
    return 1;
  }
  case CUPTI_ACTIVITY_KIND_MEMCPY2: { /* peer copies */
    const CUpti_ActivityMemcpyPtoP4 *m = (const CUpti_ActivityMemcpyPtoP4 *)rec;
    *op = (struct gpu_op){memcpy_name(m->copyKind), WPIO_KIND_MEMCPY, m->start, m->end, m->bytes,
                          m->correlationId, 0, 1, NULL, m->graphId, 0};
    return 1;
  }
  case CUPTI_ACTIVITY_KIND_MEMSET: {
    const CUpti_ActivityMemset4 *m = (const CUpti_ActivityMemset4 *)rec;
    *op = (struct gpu_op){"Memset", WPIO_KIND_MEMSET, m->start, m->end, m->bytes, m->correlationId, 0, 1, NULL,
                          m->graphId, 0};
    return 1;
  }
  case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION: {
    const CUpti_ActivitySynchronization2 *s = (const CUpti_ActivitySynchronization2 *)rec;
    *op = (struct gpu_op){sync_name(s->type), WPIO_KIND_SYNC, s->start, s->end, 0, 0, 0, 0, NULL, 0, 0};
    return 1;
  }
  default: return 0;
  }
}

/* The launch of `op`: by correlation id, else (launch outside a window, or forgotten) by when it ran,
 * counted as uncorrelated. */
static struct wpr_launch_ctx launch_of(struct gpu_op *op, const struct wpr_gpu_span *spans, int n_spans) {
  struct wpr_launch_ctx ctx = {.window = -1, .node = 0};
  int known = wpr_cupti_corr_get_at(op->correlation, &ctx, &op->launch_ns);
  if (!known && op->alt_correlation) known = wpr_cupti_corr_get_at(op->alt_correlation, &ctx, &op->launch_ns);
  if (!known && op->correlation) agg.counts.uncorrelated++;
  if (ctx.window < 0) {
    ctx.window = wpr_gpu_spans_window(spans, n_spans, op->start);
    ctx.node = 0;
  }
  return ctx;
}

/* issue 9: the op's interval for the time breakdown, and a kernel's launch latency: its start mapped
 * to the host clock through its window's span, minus the host time of its launch call. A graph's
 * kernels share one launch call: only its first node's start makes the launch's latency. */
static void analyse(const struct gpu_op *op, int32_t window, const struct name_cache_entry *e,
                    const struct wpr_gpu_span *spans, int n_spans) {
  uint32_t name = e->index;
  wpr_breakdown_add(window, wpr_gpu_class(op->kind, e->is_comm), op->start, op->end);
  if (op->kind != WPIO_KIND_KERNEL || op->launch_ns <= 0) return;
  const struct wpr_gpu_span *span = wpr_gpu_span_of(spans, n_spans, window);
  if (!span) return;
  int64_t latency = wpr_gpu_span_to_host(span, op->start) - op->launch_ns;
  if (op->graph_id) wpr_launch_latency_graph_node(window, op->correlation, name, latency);
  else wpr_launch_latency_add(window, name, latency > 0 ? (uint64_t)latency : 0);
}

static void aggregate(struct gpu_op *op, const struct wpr_gpu_span *spans, int n_spans) {
  struct wpr_launch_ctx ctx = launch_of(op, spans, n_spans);
  if (op->start == 0 || op->end < op->start) { /* a forced flush's record of work still running */
    agg.counts.incomplete++;
    return;
  }
  if (ctx.window < 0) {
    agg.counts.unattributed++;
    return;
  }
  struct name_cache_entry *e = name_entry(op->name);
  struct kernel_row *row = e ? row_of(e, op, ctx.window) : NULL;
  if (!row) {
    agg.counts.oom++;
    return;
  }
  uint64_t ns = op->end > op->start ? op->end - op->start : 0;
  row->calls++;
  row->total_ns += ns;
  row->bytes += op->bytes;
  if (ns < row->min_ns) row->min_ns = ns;
  if (ns > row->max_ns) row->max_ns = ns;
  agg.counts.records++;
  analyse(op, ctx.window, e, spans, n_spans);
  if (op->gpu_work && ctx.node != 0) wpr_ranges_add_gpu_time(ctx, ns);
  if (op->kind == WPIO_KIND_KERNEL && wpr_stacks_on()) wpr_stacks_add_time(op->correlation, ctx.window, e->index, ns);
}

/* An allocation or free (MEMORY2 records): queued for memory.c, which applies them in time order. */
static void memory_record(const CUpti_ActivityMemory4 *m) {
  struct wpr_memory_event e = {.timestamp = m->timestamp, .bytes = m->bytes, .device = (int32_t)m->deviceId,
                               .kind = (int32_t)m->memoryKind,
                               .is_alloc = m->memoryOperationType == CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_ALLOCATION,
                               .ctx = {.window = -1, .node = 0}, .correlation = m->correlationId};
  if (m->memoryOperationType != CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_ALLOCATION &&
      m->memoryOperationType != CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_RELEASE)
    return;
  wpr_cupti_corr_get(m->correlationId, &e.ctx);
  wpr_memory_queue(&e);
}

static const char *overhead_name(CUpti_ActivityOverheadKind kind) {
  switch (kind) {
  case CUPTI_ACTIVITY_OVERHEAD_DRIVER_COMPILER: return "driver_compiler";
  case CUPTI_ACTIVITY_OVERHEAD_CUPTI_BUFFER_FLUSH: return "cupti_buffer_flush";
  case CUPTI_ACTIVITY_OVERHEAD_CUPTI_INSTRUMENTATION: return "cupti_instrumentation";
  case CUPTI_ACTIVITY_OVERHEAD_CUPTI_RESOURCE: return "cupti_resource";
  case CUPTI_ACTIVITY_OVERHEAD_RUNTIME_TRIGGERED_MODULE_LOADING: return "runtime_triggered_module_loading";
  case CUPTI_ACTIVITY_OVERHEAD_LAZY_FUNCTION_LOADING: return "lazy_function_loading";
  case CUPTI_ACTIVITY_OVERHEAD_COMMAND_BUFFER_FULL: return "command_buffer_full";
  case CUPTI_ACTIVITY_OVERHEAD_ACTIVITY_BUFFER_REQUEST: return "activity_buffer_request";
  case CUPTI_ACTIVITY_OVERHEAD_UVM_ACTIVITY_INIT: return "uvm_activity_init";
  default: return "unknown";
  }
}

/* CUPTI's own cost (OVERHEAD records, CUpti_ActivityOverhead3 in CUDA 13): totals per kind. */
static void overhead_record(const CUpti_ActivityOverhead3 *o) {
  wpr_cupti_overhead_add(overhead_name(o->overheadKind), o->end > o->start ? o->end - o->start : 0);
}

void wpr_cupti_records_read(const struct wpr_cupti_api *api, uint8_t *buf, size_t valid,
                            const struct wpr_gpu_span *spans, int n_spans) {
  agg.generation++;
  wpr_breakdown_lock();
  CUpti_Activity *rec = NULL;
  CUptiResult rc;
  while ((rc = api->activity_get_next_record(buf, valid, &rec)) == CUPTI_SUCCESS) {
    struct gpu_op op;
    if (decode(rec, &op)) {
      aggregate(&op, spans, n_spans);
      if (wpr_timeline_is_on() && op.start && op.end >= op.start) wpr_timeline_cupti_record(rec, op.name, op.start, op.end, spans, n_spans);
    } else if (rec->kind == CUPTI_ACTIVITY_KIND_OVERHEAD) {
      overhead_record((const CUpti_ActivityOverhead3 *)rec);
    } else if (rec->kind == CUPTI_ACTIVITY_KIND_MEMORY2) {
      memory_record((const CUpti_ActivityMemory4 *)rec);
    } else {
      agg.counts.unknown_kind++;
    }
  }
  /* The end of the buffer is CUPTI_ERROR_MAX_LIMIT_REACHED; CUPTI_ERROR_INVALID_KIND is a record "either
   * incomplete or invalid" (cupti_activity.h), after which the buffer cannot be walked: the record is
   * counted as incomplete and what follows it as unread. */
  if (rc != CUPTI_ERROR_MAX_LIMIT_REACHED) {
    size_t at = rec ? (size_t)((uint8_t *)rec - buf) : 0; /* the last record read, or none */
    agg.counts.truncated++;
    agg.counts.incomplete++;
    agg.counts.unread_bytes += valid > at ? valid - at : 0;
  }
  wpr_breakdown_unlock();
}

static const char *kernel_name_of(uint32_t index) { return index < agg.names.n ? agg.names.s[index] : NULL; }

int wpr_cupti_records_collect(struct wpio_job *job, int32_t rank, int final) {
  for (size_t i = 0; i < agg.n_slots; i++) {
    const struct kernel_row *r = &agg.rows[i];
    if (!r->used) continue;
    const struct kernel_key *k = &r->key;
    const char *name = agg.names.s[k->name];
    uint32_t id = wpio_strtab_intern(&job->names, name, strlen(name));
    struct wpio_kernel_row *out = id == UINT32_MAX ? NULL : WPIO_VEC_PUSH(job->kernels);
    if (!out) return -1;
    *out = (struct wpio_kernel_row){.rank = rank, .window = k->window, .name_id = id, .kind = (int32_t)k->kind,
                                    .calls = r->calls, .total_ns = r->total_ns, .min_ns = r->min_ns,
                                    .max_ns = r->max_ns, .bytes = r->bytes, .grid_x = k->grid[0],
                                    .grid_y = k->grid[1], .grid_z = k->grid[2], .block_x = k->block[0],
                                    .block_y = k->block[1], .block_z = k->block[2],
                                    .registers_per_thread = k->registers, .static_shared_bytes = k->static_shared,
                                    .dynamic_shared_bytes = k->dynamic_shared, .graph_id = k->graph_id};
  }
  if (wpr_launch_latency_collect(job, rank, kernel_name_of, final) != 0 || wpr_cupti_overhead_collect(job, rank) != 0)
    return -1;
  return wpr_stacks_collect(job, rank, kernel_name_of);
}

struct wpr_cupti_counts wpr_cupti_records_counts(void) { return agg.counts; }
#endif
