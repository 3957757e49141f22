/* Encoder of the packed wire format: a header with magic, version, payload length and CRC, then one
 * section per table with fixed-width little-endian rows (layout in wpio_wire_fmt.h). */
#include <stdlib.h>
#include <string.h>

#include "wpio_wire.h"
#include "wpio_wire_fmt.h"

/* Growable output; `bad` latches the first failure so callers check once at the end. */
struct wbuf {
  uint8_t *p;
  size_t n, cap;
  int bad;
};

/* Grows the buffer for k more bytes (doubling), then takes them. */
static __attribute__((noinline)) uint8_t *wb_room_grow(struct wbuf *b, size_t k) {
  if (b->bad) return NULL;
  if (k > SIZE_MAX - b->n) {
    b->bad = 1;
    return NULL;
  }
  if (b->n + k > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + k) {
      if (cap > SIZE_MAX / 2) {
        b->bad = 1;
        return NULL;
      }
      cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->bad = 1;
      return NULL;
    }
    b->p = p;
    b->cap = cap;
  }
  uint8_t *at = b->p + b->n;
  b->n += k;
  return at;
}

/* k bytes at the end: inline while they fit (every field of every row comes through here). */
static inline uint8_t *wb_room(struct wbuf *b, size_t k) {
  if (__builtin_expect(b->p != NULL && !b->bad && k <= b->cap - b->n, 1)) {
    uint8_t *at = b->p + b->n;
    b->n += k;
    return at;
  }
  return wb_room_grow(b, k);
}

/* On a little-endian host one store of the field's width (the byte loop it replaces was not merged
 * by the compiler: eight byte stores per 64-bit field of every row). */
static inline void le_store(uint8_t *at, uint64_t v, unsigned bytes) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (bytes == 8) { memcpy(at, &v, 8); return; }
  if (bytes == 4) { uint32_t w = (uint32_t)v; memcpy(at, &w, 4); return; }
  if (bytes == 2) { uint16_t w = (uint16_t)v; memcpy(at, &w, 2); return; }
#endif
  for (unsigned i = 0; i < bytes; i++) at[i] = (uint8_t)(v >> (8 * i));
}

static void put(struct wbuf *b, uint64_t v, unsigned bytes) {
  uint8_t *at = wb_room(b, bytes);
  if (at) le_store(at, v, bytes);
}

static void put_u8(struct wbuf *b, uint8_t v) { put(b, v, 1); }
static void put_u16(struct wbuf *b, uint16_t v) { put(b, v, 2); }
static void put_u32(struct wbuf *b, uint32_t v) { put(b, v, 4); }
static void put_u64(struct wbuf *b, uint64_t v) { put(b, v, 8); }
static void put_i32(struct wbuf *b, int32_t v) { put(b, (uint32_t)v, 4); }
static void put_i64(struct wbuf *b, int64_t v) { put(b, (uint64_t)v, 8); }
static void put_f64(struct wbuf *b, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  put(b, bits, 8);
}

/* A string the decoder would refuse (over WPIO_WIRE_MAX_STRING) fails the encoding instead. */
static void put_str(struct wbuf *b, const char *s) {
  size_t len = s ? strlen(s) : 0;
  if (len > WPIO_WIRE_MAX_STRING) {
    b->bad = 1;
    return;
  }
  put_u32(b, (uint32_t)len);
  uint8_t *at = wb_room(b, len);
  if (at && len) memcpy(at, s, len);
}

/* Writes a section head with the row count; returns the offset of its length field, patched by
 * section_end once the rows are written. */
static size_t section_begin(struct wbuf *b, enum wire_tag tag, size_t rows) {
  put_u16(b, (uint16_t)tag);
  size_t at = b->n;
  put_u64(b, 0);
  if (rows > UINT32_MAX) b->bad = 1;
  put_u32(b, (uint32_t)rows);
  return at;
}

static void section_end(struct wbuf *b, size_t len_at) {
  if (!b->bad) le_store(b->p + len_at, b->n - len_at - 8, 8);
}

static void enc_names(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_NAMES, job->names.n);
  for (size_t i = 0; i < job->names.n; i++) put_str(b, job->names.s[i]);
  section_end(b, s);
}

static void enc_attrs(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_ATTRS, job->attrs.n);
  for (size_t i = 0; i < job->attrs.n; i++) {
    const struct wpio_attr *a = &job->attrs.v[i];
    put_str(b, a->key);
    put_str(b, a->value);
    put_u8(b, a->is_int ? 1 : 0);
    put_i64(b, a->ival);
  }
  section_end(b, s);
}

static void enc_ranks(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_RANKS, job->ranks.n);
  for (size_t i = 0; i < job->ranks.n; i++) {
    const struct wpio_rank_row *r = &job->ranks.v[i];
    put_i32(b, r->rank);
    put_str(b, r->hostname);
    put_i64(b, r->pid);
    put_i32(b, r->device);
    put_i64(b, r->clock_offset_ns);
    put_f64(b, r->clock_drift_ppm);
    put_i64(b, r->clock_residual_ns);
    put_u64(b, r->dropped_records);
    put_str(b, r->status);
    put_i32(b, r->collected);
    put_i64(b, r->clock_ref_ns);
    put_u64(b, r->timeline_dropped);
  }
  section_end(b, s);
}

static void enc_windows(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_WINDOWS, job->windows.n);
  for (size_t i = 0; i < job->windows.n; i++) {
    const struct wpio_window_row *r = &job->windows.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->window);
    put_i64(b, r->start_ns);
    put_i64(b, r->end_ns);
    put_i64(b, r->steps);
    put_i32(b, r->cut_short);
  }
  section_end(b, s);
}

static void enc_kernels(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_KERNELS, job->kernels.n);
  for (size_t i = 0; i < job->kernels.n; i++) {
    const struct wpio_kernel_row *r = &job->kernels.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->window);
    put_u32(b, r->name_id);
    put_i32(b, r->kind);
    put_u64(b, r->calls);
    put_u64(b, r->total_ns);
    put_u64(b, r->min_ns);
    put_u64(b, r->max_ns);
    put_u64(b, r->bytes);
    put_u32(b, r->grid_x);
    put_u32(b, r->grid_y);
    put_u32(b, r->grid_z);
    put_u32(b, r->block_x);
    put_u32(b, r->block_y);
    put_u32(b, r->block_z);
    put_u32(b, r->registers_per_thread);
    put_u32(b, r->static_shared_bytes);
    put_u32(b, r->dynamic_shared_bytes);
    put_i64(b, r->graph_id);
  }
  section_end(b, s);
}

static void enc_memory(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_MEMORY, job->memory.n);
  for (size_t i = 0; i < job->memory.n; i++) {
    const struct wpio_memory_row *r = &job->memory.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->window);
    put_u32(b, r->name_id);
    put_i32(b, r->device);
    put_i32(b, r->kind);
    put_u64(b, r->allocations);
    put_u64(b, r->frees);
    put_u64(b, r->bytes_allocated);
    put_u64(b, r->bytes_freed);
    put_u64(b, r->peak_bytes);
    put_i64(b, r->peak_time_ns);
  }
  section_end(b, s);
}

static void enc_stacks(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_STACKS, job->stacks.n);
  for (size_t i = 0; i < job->stacks.n; i++) {
    const struct wpio_stack_row *r = &job->stacks.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->window);
    put_u32(b, r->stack_id);
    put_u32(b, r->name_id);
    put_u64(b, r->calls);
    put_u64(b, r->cuda_ns);
    put_u64(b, r->bytes);
  }
  section_end(b, s);
}

/* issue 9: /breakdown, /launch_latency, /cupti_overhead (new sections, no layout change) */
static void enc_breakdown(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_BREAKDOWN, job->breakdown.n);
  for (size_t i = 0; i < job->breakdown.n; i++) {
    const struct wpio_breakdown_row *r = &job->breakdown.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->window);
    put_i64(b, r->window_ns);
    put_i64(b, r->gpu_busy_ns);
    put_i64(b, r->compute_ns);
    put_i64(b, r->memory_ns);
    put_i64(b, r->comm_ns);
    put_i64(b, r->gpu_idle_ns);
    put_i64(b, r->comm_overlap_ns);
    put_f64(b, r->overlap_share);
    put_i64(b, r->host_mpi_ns);
    put_i64(b, r->host_outside_mpi_ns);
  }
  section_end(b, s);
}

static void enc_launch_latency(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_LAUNCH_LATENCY, job->launch_latency.n);
  for (size_t i = 0; i < job->launch_latency.n; i++) {
    const struct wpio_launch_latency_row *r = &job->launch_latency.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->window);
    put_u32(b, r->name_id);
    put_u64(b, r->calls);
    put_u64(b, r->p50_ns);
    put_u64(b, r->p99_ns);
  }
  section_end(b, s);
}

static void enc_cupti_overhead(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_CUPTI_OVERHEAD, job->cupti_overhead.n);
  for (size_t i = 0; i < job->cupti_overhead.n; i++) {
    const struct wpio_cupti_overhead_row *r = &job->cupti_overhead.v[i];
    put_i32(b, r->rank);
    put_u32(b, r->name_id);
    put_u64(b, r->count);
    put_u64(b, r->total_ns);
  }
  section_end(b, s);
}

static void enc_ranges(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_RANGES, job->ranges.n);
  for (size_t i = 0; i < job->ranges.n; i++) {
    const struct wpio_range_row *r = &job->ranges.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->window);
    put_u32(b, r->name_id);
    put_u64(b, r->calls);
    put_u64(b, r->cpu_total_ns);
    put_u64(b, r->cpu_self_ns);
    put_u64(b, r->cuda_self_ns);
    put_u64(b, r->cuda_total_ns);
  }
  section_end(b, s);
}

static void enc_lite(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_LITE, job->lite.n);
  for (size_t i = 0; i < job->lite.n; i++) {
    const struct wpio_lite_row *r = &job->lite.v[i];
    put_i32(b, r->rank);
    put_u32(b, r->name_id);
    put_u64(b, r->calls);
    put_u64(b, r->total_ns);
    put_u64(b, r->min_ns);
    put_u64(b, r->max_ns);
    put_u64(b, r->p50_ns);
    put_u64(b, r->p90_ns);
    put_u64(b, r->p99_ns);
  }
  section_end(b, s);
}

static void enc_lite_hist(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_LITE_HIST, job->lite_hist.n);
  for (size_t i = 0; i < job->lite_hist.n; i++) {
    const struct wpio_hist_row *r = &job->lite_hist.v[i];
    put_i32(b, r->rank);
    put_u32(b, r->name_id);
    put_u32(b, r->bucket);
    put_u64(b, r->count);
  }
  section_end(b, s);
}

static void enc_mpi(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_MPI, job->mpi.n);
  for (size_t i = 0; i < job->mpi.n; i++) {
    const struct wpio_mpi_row *r = &job->mpi.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->window);
    put_u32(b, r->name_id);
    put_u64(b, r->calls);
    put_u64(b, r->total_ns);
    put_u64(b, r->min_ns);
    put_u64(b, r->max_ns);
    put_u64(b, r->bytes);
  }
  section_end(b, s);
}

static void enc_timeline(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_TIMELINE, job->timeline.n);
  for (size_t i = 0; i < job->timeline.n; i++) {
    const struct wpio_timeline_row *r = &job->timeline.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->kind);
    put_u32(b, r->name_id);
    put_i64(b, r->track);
    put_i64(b, r->start_ns);
    put_i64(b, r->end_ns);
  }
  section_end(b, s);
}

static void enc_strag_events(struct wbuf *b, const struct wpio_job *job) {
  size_t s = section_begin(b, WIRE_STRAG_EVENTS, job->strag_events.n);
  for (size_t i = 0; i < job->strag_events.n; i++) {
    const struct wpio_strag_event *r = &job->strag_events.v[i];
    put_i32(b, r->rank);
    put_i32(b, r->window);
    put_i32(b, r->func);
    put_u32(b, r->seq);
    put_i64(b, r->entry_ns);
    put_i64(b, r->exit_ns);
  }
  section_end(b, s);
}

int wpio_encode_into(const struct wpio_job *job, uint8_t **buf, size_t *cap, size_t *len) {
  struct wbuf b = {.p = *buf, .cap = *buf ? *cap : 0};
  *len = 0;
  /* room for most jobs at once: a row's wire bytes are at most its struct's, a name's at most its
   * length and 4 (what does not fit grows the buffer as usual). A realloc, not a new buffer: a large
   * one is mmapped, and mremap keeps the pages an earlier encode touched */
  size_t guess = WIRE_HEADER_SIZE + 4096 + wpio_job_row_bytes(job) + job->names.n * 36;
  if (b.cap < guess) {
    uint8_t *p = realloc(b.p, guess);
    if (p) b.p = p, b.cap = guess;
  }
  uint8_t *head = wb_room(&b, WIRE_HEADER_SIZE);
  if (head) memset(head, 0, WIRE_HEADER_SIZE);
  enc_names(&b, job);
  enc_attrs(&b, job);
  enc_ranks(&b, job);
  enc_windows(&b, job);
  enc_kernels(&b, job);
  enc_ranges(&b, job);
  enc_lite(&b, job);
  enc_lite_hist(&b, job);
  enc_mpi(&b, job);
  enc_timeline(&b, job);
  enc_memory(&b, job);
  enc_stacks(&b, job);
  enc_breakdown(&b, job);
  enc_launch_latency(&b, job);
  enc_cupti_overhead(&b, job);
  enc_strag_events(&b, job);
  *buf = b.p;
  *cap = b.cap;
  if (b.bad) return -1;
  size_t payload = b.n - WIRE_HEADER_SIZE;
  memcpy(b.p, WPIO_WIRE_MAGIC, 4);
  le_store(b.p + 4, WPIO_WIRE_VERSION, 2);
  le_store(b.p + 6, 0, 2);
  le_store(b.p + 8, payload, 8);
  le_store(b.p + 16, wpio_wire_checksum(WPIO_WIRE_VERSION, b.p + WIRE_HEADER_SIZE, payload), 4);
  *len = b.n;
  return 0;
}

int wpio_encode(const struct wpio_job *job, uint8_t **buf, size_t *len) {
  size_t cap = 0;
  *buf = NULL;
  if (wpio_encode_into(job, buf, &cap, len) == 0) return 0;
  free(*buf);
  *buf = NULL;
  return -1;
}
