/* Decoder of the packed wire format. It never trusts its input: every read is bounds-checked, row
 * counts are checked against the bytes present before anything is allocated, and every id is
 * checked once all sections are read. Errors are one line in `err`. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_hist.h"
#include "wpio_wire.h"
#include "wpio_wire_fmt.h"

/* A bounded reader over one region of the buffer. */
struct rd {
  const uint8_t *p;
  size_t n, off;
};

struct dec {
  struct wpio_job *job;
  char *err;
  size_t errlen;
  const char *section; /* name of the section being read, for messages */
  unsigned version;    /* of the data being read: older versions lack later columns */
};

static int fail(struct dec *d, const char *fmt, ...) {
  if (d->err && d->errlen) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (d->section) snprintf(d->err, d->errlen, "corrupt wire data: section %s: %s", d->section, msg);
    else snprintf(d->err, d->errlen, "%s", msg);
  }
  return -1;
}

static size_t rd_left(const struct rd *r) { return r->n - r->off; }

static uint64_t le_load(const uint8_t *p, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* Reads `bytes` little-endian bytes; 0 on success, -1 (nothing read) when the region is short. */
static int get(struct rd *r, unsigned bytes, uint64_t *v) {
  if (rd_left(r) < bytes) return -1;
  *v = le_load(r->p + r->off, bytes);
  r->off += bytes;
  return 0;
}

/* Typed readers: they return -1 when short, so a row reads as `ok = get_x(..) == 0 && ...`. */
static int get_u8(struct rd *r, uint8_t *v) { uint64_t x; if (get(r, 1, &x)) return -1; *v = (uint8_t)x; return 0; }
static int get_u32(struct rd *r, uint32_t *v) { uint64_t x; if (get(r, 4, &x)) return -1; *v = (uint32_t)x; return 0; }
static int get_i32(struct rd *r, int32_t *v) { uint64_t x; if (get(r, 4, &x)) return -1; *v = (int32_t)(uint32_t)x; return 0; }
static int get_u64(struct rd *r, uint64_t *v) { return get(r, 8, v); }
static int get_i64(struct rd *r, int64_t *v) { uint64_t x; if (get(r, 8, &x)) return -1; *v = (int64_t)x; return 0; }
static int get_f64(struct rd *r, double *v) {
  uint64_t x;
  if (get(r, 8, &x)) return -1;
  memcpy(v, &x, sizeof *v);
  return 0;
}

/* A length-prefixed string: at most WPIO_WIRE_MAX_STRING bytes, inside the section, no NUL; *s
 * points into the buffer (not NUL-terminated). */
static int get_str_view(struct dec *d, struct rd *r, const char **s, size_t *len_out) {
  uint32_t len;
  if (get_u32(r, &len)) return fail(d, "string length past the end of the section");
  if (len > WPIO_WIRE_MAX_STRING) return fail(d, "string of %u bytes exceeds the limit of %u", len, WPIO_WIRE_MAX_STRING);
  if (len > rd_left(r)) return fail(d, "string of %u bytes runs past the end of the section", len);
  *s = (const char *)r->p + r->off;
  if (memchr(*s, '\0', len)) return fail(d, "string contains a NUL byte");
  r->off += len;
  *len_out = len;
  return 0;
}

/* The same string, copied and NUL-terminated. */
static int get_str(struct dec *d, struct rd *r, char **out, size_t *len_out) {
  const char *s;
  size_t len;
  *out = NULL;
  if (get_str_view(d, r, &s, &len)) return -1;
  char *copy = malloc(len + 1);
  if (!copy) return fail(d, "out of memory");
  memcpy(copy, s, len);
  copy[len] = '\0';
  *out = copy;
  if (len_out) *len_out = len;
  return 0;
}

static int short_row(struct dec *d, size_t i) { return fail(d, "row %zu is truncated", i); }

/* ---- one function per section; `r` covers the rows, `count` is already checked ---- */

static int dec_names(struct dec *d, struct rd *r, uint32_t count) {
  /* count is checked against the section's length: the table is sized once, not doubled 6 times */
  if (wpio_strtab_reserve(&d->job->names, d->job->names.n + count)) return fail(d, "out of memory");
  for (uint32_t i = 0; i < count; i++) {
    const char *s;
    size_t len = 0;
    if (get_str_view(d, r, &s, &len)) return -1;
    uint32_t id = wpio_strtab_intern(&d->job->names, s, len); /* copies the len bytes */
    if (id == UINT32_MAX) return fail(d, "out of memory");
    if (id != i) return fail(d, "name %u repeats name %u", i, id);
  }
  return 0;
}

static int dec_attr(struct dec *d, struct rd *r, uint32_t i) {
  struct wpio_attr a = {0};
  uint8_t is_int = 0;
  int rc = get_str(d, r, &a.key, NULL);
  if (rc == 0) rc = get_str(d, r, &a.value, NULL);
  if (rc == 0 && (get_u8(r, &is_int) || get_i64(r, &a.ival))) rc = short_row(d, i);
  if (rc == 0 && is_int > 1) rc = fail(d, "attribute %u: bad integer flag %u", i, is_int);
  if (rc == 0 && wpio_job_attr(d->job, a.key)) rc = fail(d, "attribute %u repeats a key", i);
  struct wpio_attr *slot = rc == 0 ? WPIO_VEC_PUSH(d->job->attrs) : NULL;
  if (rc == 0 && !slot) rc = fail(d, "out of memory");
  if (rc != 0) {
    free(a.key);
    free(a.value);
    return -1;
  }
  a.is_int = is_int;
  *slot = a;
  return 0;
}

static int dec_attrs(struct dec *d, struct rd *r, uint32_t count) {
  for (uint32_t i = 0; i < count; i++)
    if (dec_attr(d, r, i)) return -1;
  return 0;
}

/* The rank row's scalar fields after the hostname and before the status. */
static int get_rank_middle(struct rd *r, struct wpio_rank_row *x) {
  return get_i64(r, &x->pid) || get_i32(r, &x->device) || get_i64(r, &x->clock_offset_ns) ||
         get_f64(r, &x->clock_drift_ppm) || get_i64(r, &x->clock_residual_ns) ||
         get_u64(r, &x->dropped_records);
}

static int dec_rank(struct dec *d, struct rd *r, uint32_t i) {
  struct wpio_rank_row x = {0};
  int rc = get_i32(r, &x.rank) ? short_row(d, i) : 0;
  if (rc == 0) rc = get_str(d, r, &x.hostname, NULL);
  if (rc == 0 && get_rank_middle(r, &x)) rc = short_row(d, i);
  if (rc == 0) rc = get_str(d, r, &x.status, NULL);
  if (rc == 0 && get_i32(r, &x.collected)) rc = short_row(d, i);
  if (rc == 0 && d->version >= 2 && (get_i64(r, &x.clock_ref_ns) || get_u64(r, &x.timeline_dropped)))
    rc = short_row(d, i);
  struct wpio_rank_row *slot = rc == 0 ? WPIO_VEC_PUSH(d->job->ranks) : NULL;
  if (rc == 0 && !slot) rc = fail(d, "out of memory");
  if (rc != 0) {
    free(x.hostname);
    free(x.status);
    return -1;
  }
  *slot = x;
  return 0;
}

static int dec_ranks(struct dec *d, struct rd *r, uint32_t count) {
  for (uint32_t i = 0; i < count; i++)
    if (dec_rank(d, r, i)) return -1;
  return 0;
}

/* Fixed-width tables: the vector is reserved up front (the count was checked against the bytes). */
#define DEC_FIXED(fn, field, T, READ)                                                              \
  static int fn(struct dec *d, struct rd *r, uint32_t count) {                                     \
    if (WPIO_VEC_RESERVE(d->job->field, d->job->field.n + count)) return fail(d, "out of memory"); \
    for (uint32_t i = 0; i < count; i++) {                                                         \
      T x = {0};                                                                                   \
      if (READ) return short_row(d, i);                                                            \
      d->job->field.v[d->job->field.n++] = x;                                                      \
    }                                                                                              \
    return 0;                                                                                      \
  }

DEC_FIXED(dec_windows, windows, struct wpio_window_row,
          get_i32(r, &x.rank) || get_i32(r, &x.window) || get_i64(r, &x.start_ns) ||
              get_i64(r, &x.end_ns) || get_i64(r, &x.steps) || (d->version >= 6 && get_i32(r, &x.cut_short)))
/* Version 3 added the launch configuration and graph_id; older rows are not from a graph. */
static int get_kernel_config(const struct dec *d, struct rd *r, struct wpio_kernel_row *x) {
  x->graph_id = -1;
  if (d->version < 3) return 0;
  return get_u32(r, &x->grid_x) || get_u32(r, &x->grid_y) || get_u32(r, &x->grid_z) ||
         get_u32(r, &x->block_x) || get_u32(r, &x->block_y) || get_u32(r, &x->block_z) ||
         get_u32(r, &x->registers_per_thread) || get_u32(r, &x->static_shared_bytes) ||
         get_u32(r, &x->dynamic_shared_bytes) || get_i64(r, &x->graph_id);
}

DEC_FIXED(dec_kernels, kernels, struct wpio_kernel_row,
          get_i32(r, &x.rank) || get_i32(r, &x.window) || get_u32(r, &x.name_id) ||
              get_i32(r, &x.kind) || get_u64(r, &x.calls) || get_u64(r, &x.total_ns) ||
              get_u64(r, &x.min_ns) || get_u64(r, &x.max_ns) || get_u64(r, &x.bytes) ||
              get_kernel_config(d, r, &x))
DEC_FIXED(dec_ranges, ranges, struct wpio_range_row,
          get_i32(r, &x.rank) || get_i32(r, &x.window) || get_u32(r, &x.name_id) ||
              get_u64(r, &x.calls) || get_u64(r, &x.cpu_total_ns) || get_u64(r, &x.cpu_self_ns) ||
              get_u64(r, &x.cuda_self_ns) || get_u64(r, &x.cuda_total_ns))
DEC_FIXED(dec_lite, lite, struct wpio_lite_row,
          get_i32(r, &x.rank) || get_u32(r, &x.name_id) || get_u64(r, &x.calls) ||
              get_u64(r, &x.total_ns) || get_u64(r, &x.min_ns) || get_u64(r, &x.max_ns) ||
              get_u64(r, &x.p50_ns) || get_u64(r, &x.p90_ns) || get_u64(r, &x.p99_ns))
DEC_FIXED(dec_lite_hist, lite_hist, struct wpio_hist_row,
          get_i32(r, &x.rank) || get_u32(r, &x.name_id) || get_u32(r, &x.bucket) ||
              get_u64(r, &x.count))

DEC_FIXED(dec_mpi, mpi, struct wpio_mpi_row,
          get_i32(r, &x.rank) || get_i32(r, &x.window) || get_u32(r, &x.name_id) ||
              get_u64(r, &x.calls) || get_u64(r, &x.total_ns) || get_u64(r, &x.min_ns) ||
              get_u64(r, &x.max_ns) || get_u64(r, &x.bytes))
DEC_FIXED(dec_timeline, timeline, struct wpio_timeline_row,
          get_i32(r, &x.rank) || get_i32(r, &x.kind) || get_u32(r, &x.name_id) ||
              get_i64(r, &x.track) || get_i64(r, &x.start_ns) || get_i64(r, &x.end_ns))
DEC_FIXED(dec_memory, memory, struct wpio_memory_row,
          get_i32(r, &x.rank) || get_i32(r, &x.window) || get_u32(r, &x.name_id) ||
              get_i32(r, &x.device) || get_i32(r, &x.kind) || get_u64(r, &x.allocations) ||
              get_u64(r, &x.frees) || get_u64(r, &x.bytes_allocated) || get_u64(r, &x.bytes_freed) ||
              get_u64(r, &x.peak_bytes) || get_i64(r, &x.peak_time_ns))
/* Version 4 added the bytes of allocation stacks; older rows are all kernels (0 bytes). */
DEC_FIXED(dec_stacks, stacks, struct wpio_stack_row,
          get_i32(r, &x.rank) || get_i32(r, &x.window) || get_u32(r, &x.stack_id) ||
              get_u32(r, &x.name_id) || get_u64(r, &x.calls) || get_u64(r, &x.cuda_ns) ||
              (d->version >= 4 && get_u64(r, &x.bytes)))
DEC_FIXED(dec_strag_events, strag_events, struct wpio_strag_event,
          get_i32(r, &x.rank) || get_i32(r, &x.window) || get_i32(r, &x.func) || get_u32(r, &x.seq) ||
              get_i64(r, &x.entry_ns) || get_i64(r, &x.exit_ns))

DEC_FIXED(dec_breakdown, breakdown, struct wpio_breakdown_row,
          get_i32(r, &x.rank) || get_i32(r, &x.window) || get_i64(r, &x.window_ns) ||
              get_i64(r, &x.gpu_busy_ns) || get_i64(r, &x.compute_ns) || get_i64(r, &x.memory_ns) ||
              get_i64(r, &x.comm_ns) || get_i64(r, &x.gpu_idle_ns) || get_i64(r, &x.comm_overlap_ns) ||
              get_f64(r, &x.overlap_share) || get_i64(r, &x.host_mpi_ns) || get_i64(r, &x.host_outside_mpi_ns))
DEC_FIXED(dec_launch_latency, launch_latency, struct wpio_launch_latency_row,
          get_i32(r, &x.rank) || get_i32(r, &x.window) || get_u32(r, &x.name_id) ||
              get_u64(r, &x.calls) || get_u64(r, &x.p50_ns) || get_u64(r, &x.p99_ns))
DEC_FIXED(dec_cupti_overhead, cupti_overhead, struct wpio_cupti_overhead_row,
          get_i32(r, &x.rank) || get_u32(r, &x.name_id) || get_u64(r, &x.count) || get_u64(r, &x.total_ns))

/* What the decoder knows of each section: a fixed row size, or the smallest variable row. */
struct section_kind {
  const char *name;
  size_t row_size; /* 0: variable width */
  size_t min_row;
  int (*decode)(struct dec *, struct rd *, uint32_t);
};

static const struct section_kind sections[WIRE_TAG_MAX + 1] = {
    [WIRE_NAMES] = {"names", 0, WIRE_MIN_NAME, dec_names},
    [WIRE_ATTRS] = {"attrs", 0, WIRE_MIN_ATTR, dec_attrs},
    [WIRE_RANKS] = {"ranks", 0, WIRE_MIN_RANK, dec_ranks},
    [WIRE_WINDOWS] = {"windows", WIRE_ROW_WINDOW, WIRE_ROW_WINDOW, dec_windows},
    [WIRE_KERNELS] = {"kernels", WIRE_ROW_KERNEL, WIRE_ROW_KERNEL, dec_kernels},
    [WIRE_RANGES] = {"ranges", WIRE_ROW_RANGE, WIRE_ROW_RANGE, dec_ranges},
    [WIRE_LITE] = {"lite", WIRE_ROW_LITE, WIRE_ROW_LITE, dec_lite},
    [WIRE_LITE_HIST] = {"lite_hist", WIRE_ROW_HIST, WIRE_ROW_HIST, dec_lite_hist},
    [WIRE_MPI] = {"mpi", WIRE_ROW_MPI, WIRE_ROW_MPI, dec_mpi},
    [WIRE_TIMELINE] = {"timeline", WIRE_ROW_TIMELINE, WIRE_ROW_TIMELINE, dec_timeline},
    [WIRE_MEMORY] = {"memory", WIRE_ROW_MEMORY, WIRE_ROW_MEMORY, dec_memory},
    [WIRE_STACKS] = {"stacks", WIRE_ROW_STACK, WIRE_ROW_STACK, dec_stacks},
    [WIRE_BREAKDOWN] = {"breakdown", WIRE_ROW_BREAKDOWN, WIRE_ROW_BREAKDOWN, dec_breakdown},
    [WIRE_LAUNCH_LATENCY] = {"launch_latency", WIRE_ROW_LAUNCH_LATENCY, WIRE_ROW_LAUNCH_LATENCY, dec_launch_latency},
    [WIRE_CUPTI_OVERHEAD] = {"cupti_overhead", WIRE_ROW_CUPTI_OVERHEAD, WIRE_ROW_CUPTI_OVERHEAD, dec_cupti_overhead},
    [WIRE_STRAG_EVENTS] = {"strag_events", WIRE_ROW_STRAG_EVENT, WIRE_ROW_STRAG_EVENT, dec_strag_events},
};

/* A fixed row size as written by `version` (kernel rows grew in version 3, stack rows in 4, window
 * rows in 6). */
static size_t row_size_of(const struct section_kind *k, unsigned version) {
  if (k->decode == dec_windows && version < 6) return WIRE_ROW_WINDOW_V5;
  if (k->decode == dec_kernels && version < 3) return WIRE_ROW_KERNEL_V2;
  if (k->decode == dec_stacks && version < 4) return WIRE_ROW_STACK_V3;
  return k->row_size;
}

/* Checks a section's row count against its length, decodes it, and checks nothing is left over. */
static int dec_section(struct dec *d, const struct section_kind *k, struct rd *body) {
  uint32_t count;
  d->section = k->name;
  if (get_u32(body, &count)) return fail(d, "length %zu is too short for a row count", body->n);
  size_t rows_len = rd_left(body), row_size = row_size_of(k, d->version);
  if (row_size && (rows_len % row_size || rows_len / row_size != count))
    return fail(d, "length %zu does not match %u rows of %zu bytes", body->n, count, row_size);
  if (!k->row_size && count > rows_len / k->min_row)
    return fail(d, "%u rows cannot fit in %zu bytes", count, rows_len);
  if (k->decode(d, body, count)) return -1;
  if (rd_left(body)) return fail(d, "%zu bytes left over after %u rows", rd_left(body), count);
  d->section = NULL;
  return 0;
}

/* Walks the sections of the payload; unknown tags are skipped so newer writers stay readable. */
static int dec_payload(struct dec *d, struct rd *pl) {
  unsigned seen = 0;
  while (rd_left(pl)) {
    if (rd_left(pl) < WIRE_SECTION_HEAD) return fail(d, "corrupt wire data: truncated section header");
    uint64_t tag = le_load(pl->p + pl->off, 2), slen = le_load(pl->p + pl->off + 2, 8);
    pl->off += WIRE_SECTION_HEAD;
    if (slen > rd_left(pl))
      return fail(d, "corrupt wire data: section %u of %llu bytes runs past the payload", (unsigned)tag,
                  (unsigned long long)slen);
    struct rd body = {pl->p + pl->off, (size_t)slen, 0};
    pl->off += (size_t)slen;
    if (tag == 0 || tag > WIRE_TAG_MAX || !sections[tag].decode) continue; /* unknown, or a gap */
    if (seen & (1u << tag)) return fail(d, "corrupt wire data: section %s appears twice", sections[tag].name);
    seen |= 1u << tag;
    if (dec_section(d, &sections[tag], &body)) return -1;
  }
  return 0;
}

/* ---- ids, checked once every section is in (sections may come in any order) ---- */

#define CHECK_IDS(d, field, what)                                                                  \
  for (size_t i = 0; i < (d)->job->field.n; i++)                                                   \
    if ((d)->job->field.v[i].name_id >= (d)->job->names.n)                                         \
      return fail(d, "corrupt wire data: %s row %zu: name_id %u but %zu names", what, i,           \
                  (d)->job->field.v[i].name_id, (d)->job->names.n);

static int check_ids(struct dec *d) {
  CHECK_IDS(d, kernels, "kernels")
  CHECK_IDS(d, ranges, "ranges")
  CHECK_IDS(d, lite, "lite")
  CHECK_IDS(d, lite_hist, "lite_hist")
  CHECK_IDS(d, mpi, "mpi")
  CHECK_IDS(d, timeline, "timeline")
  CHECK_IDS(d, memory, "memory")
  CHECK_IDS(d, stacks, "stacks")
  CHECK_IDS(d, launch_latency, "launch_latency")
  CHECK_IDS(d, cupti_overhead, "cupti_overhead")
  for (size_t i = 0; i < d->job->stacks.n; i++)
    if (d->job->stacks.v[i].stack_id >= d->job->names.n)
      return fail(d, "corrupt wire data: stacks row %zu: stack_id %u but %zu names", i,
                  d->job->stacks.v[i].stack_id, d->job->names.n);
  for (size_t i = 0; i < d->job->memory.n; i++) {
    int32_t kind = d->job->memory.v[i].kind;
    if (kind < 0 || kind >= WPIO_MEM_KIND_COUNT)
      return fail(d, "corrupt wire data: memory row %zu: kind %d out of range", i, kind);
  }
  for (size_t i = 0; i < d->job->kernels.n; i++) {
    int32_t kind = d->job->kernels.v[i].kind;
    if (kind < 0 || kind >= WPIO_KIND_COUNT)
      return fail(d, "corrupt wire data: kernels row %zu: kind %d out of range", i, kind);
  }
  for (size_t i = 0; i < d->job->timeline.n; i++) {
    int32_t kind = d->job->timeline.v[i].kind;
    if (kind < 0 || kind >= WPIO_EV_KIND_COUNT)
      return fail(d, "corrupt wire data: timeline row %zu: kind %d out of range", i, kind);
  }
  for (size_t i = 0; i < d->job->lite_hist.n; i++)
    if (d->job->lite_hist.v[i].bucket >= WPIO_HIST_BUCKETS)
      return fail(d, "corrupt wire data: lite_hist row %zu: bucket %u out of range", i,
                  d->job->lite_hist.v[i].bucket);
  return 0;
}

/* Magic, version, payload length and checksum; on success `pl` covers the payload. */
static int dec_header(struct dec *d, const uint8_t *buf, size_t len, struct rd *pl) {
  if (!buf || len < WIRE_HEADER_SIZE) return fail(d, "truncated wire data: %zu bytes, header needs %u", len, WIRE_HEADER_SIZE);
  if (memcmp(buf, WPIO_WIRE_MAGIC, 4) != 0) return fail(d, "bad magic: not wprof wire data");
  unsigned version = (unsigned)le_load(buf + 4, 2);
  if (version > WPIO_WIRE_VERSION)
    return fail(d, "unsupported wire version %u (this build reads up to %u)", version, WPIO_WIRE_VERSION);
  if (version == 0) return fail(d, "corrupt wire data: version 0");
  d->version = version;
  uint64_t payload = le_load(buf + 8, 8);
  if (payload != len - WIRE_HEADER_SIZE)
    return fail(d, "%s wire data: payload of %llu bytes but %zu present",
                payload > len - WIRE_HEADER_SIZE ? "truncated" : "corrupt", (unsigned long long)payload,
                len - WIRE_HEADER_SIZE);
  uint32_t crc = (uint32_t)le_load(buf + 16, 4);
  if (wpio_wire_checksum(version, buf + WIRE_HEADER_SIZE, (size_t)payload) != crc) return fail(d, "corrupt wire data: checksum mismatch");
  *pl = (struct rd){buf + WIRE_HEADER_SIZE, (size_t)payload, 0};
  return 0;
}

int wpio_decode(const uint8_t *buf, size_t len, struct wpio_job *job, char *err, size_t errlen) {
  struct dec d = {job, err, errlen, NULL, 0};
  struct rd pl = {0};
  if (err && errlen) err[0] = '\0';
  int rc = dec_header(&d, buf, len, &pl);
  if (rc == 0) rc = dec_payload(&d, &pl);
  if (rc == 0) rc = check_ids(&d);
  if (rc != 0) wpio_job_free(job); /* leave an empty job, not half of one */
  return rc;
}
