/* The HDF5 report writer (schema v1), the one entry point of the plugin libwprof_h5.so: writes every
 * table of the schema to a temporary file in the target directory and renames it into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5_chunks.h"
#include "h5_schema.h"
#include "h5_write_internal.h"
#include "wpio_h5.h"
#include "wpio_hist.h"
#include "wpio_job.h"

/* Tables up to this many rows are written contiguous and uncompressed: below a few MB, zlib's
 * per-chunk set-up (a 256 KB state cleared for every chunk) costs more than the bytes it saves, and
 * a typical report's ranges and histograms are thousands of rows (measured: 6000 ranges rows took
 * 1.5 ms chunked, 0.5 ms contiguous). The warm-up lowers it to take the chunked path with two rows. */
static size_t chunked_above = H5S_CHUNK_THRESHOLD;

/* Dataset creation properties: small tables contiguous, large (or extendible) ones chunked + shuffle
 * + deflate(1) (deflate only when this HDF5 has it; the table is still valid without). */
hid_t h5w_table_dcpl(size_t n, int extendible, int *deflate, size_t *chunk_rows) {
  *deflate = 0;
  *chunk_rows = 0;
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (dcpl < 0) return dcpl;
  /* no modification times in object headers: the same job gives the same bytes */
  if (H5Pset_obj_track_times(dcpl, 0) < 0) goto bad;
  if (n <= chunked_above && !extendible) return dcpl;
  hsize_t chunk = n < H5S_CHUNK_ROWS && !extendible ? (hsize_t)n : H5S_CHUNK_ROWS;
  if (H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_shuffle(dcpl) < 0) goto bad;
  *deflate = H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0;
  if (*deflate && H5Pset_deflate(dcpl, 1) < 0) goto bad;
  *chunk_rows = (size_t)chunk;
  return dcpl;
bad:
  H5Pclose(dcpl);
  return H5I_INVALID_HID;
}

/* The transfer property list of the report being written. Each H5Dwrite converts rows from the
 * memory layout to the packed file layout through a type-conversion and a background buffer; left to
 * itself HDF5 callocs 1 MiB for each, per H5Dwrite: 2 MiB of fresh pages faulted in per table, which
 * measured 20-40 ms of a 25-table report (most of a small job's finalize). So the writer lends HDF5
 * two buffers for the whole file (calloc: untouched pages stay unfaulted, and the packed file types
 * leave no byte of a row unwritten, so stale bytes never reach the file). Same size as HDF5's default,
 * so large tables convert in the same pieces. */
#define XFER_BUFFER_BYTES ((size_t)1 << 20)
static hid_t xfer = H5P_DEFAULT;
static void *xfer_tconv, *xfer_bkg;

void h5w_xfer_begin(void) {
  xfer_tconv = calloc(1, XFER_BUFFER_BYTES);
  xfer_bkg = calloc(1, XFER_BUFFER_BYTES);
  hid_t dxpl = xfer_tconv && xfer_bkg ? H5Pcreate(H5P_DATASET_XFER) : H5I_INVALID_HID;
  if (dxpl >= 0 && H5Pset_buffer(dxpl, XFER_BUFFER_BYTES, xfer_tconv, xfer_bkg) < 0) {
    H5Pclose(dxpl);
    dxpl = H5I_INVALID_HID;
  }
  xfer = dxpl >= 0 ? dxpl : H5P_DEFAULT; /* without: HDF5's own buffers, slower, same file */
}

void h5w_xfer_end(void) {
  if (xfer != H5P_DEFAULT) H5Pclose(xfer);
  xfer = H5P_DEFAULT;
  free(xfer_tconv);
  free(xfer_bkg);
  xfer_tconv = xfer_bkg = NULL;
}

/* Creates a 1-D dataset of `n` rows of `ftype` at `path` and writes `rows` (memory type `mtype`). */
static int write_dataset(hid_t file, const char *path, hid_t ftype, hid_t mtype, const void *rows,
                         size_t n, struct h5s_err *c) {
  hsize_t dims = (hsize_t)n;
  hid_t space = H5Screate_simple(1, &dims, NULL);
  int deflate = 0;
  size_t chunk = 0;
  hid_t dcpl = h5w_table_dcpl(n, 0, &deflate, &chunk);
  hid_t d = H5I_INVALID_HID;
  int rc = -1;
  if (space < 0 || dcpl < 0) goto out;
  d = H5Dcreate2(file, path, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (d < 0) goto out;
  if (chunk > 0 && h5c_direct_ok(ftype)) {
    if (h5c_write_chunks(d, ftype, mtype, rows, n, 0, chunk, deflate) < 0) goto out;
  } else if (n > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, xfer, rows) < 0) {
    goto out;
  }
  rc = 0;
out:
  if (d >= 0 && H5Dclose(d) < 0) rc = -1;
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  return rc < 0 ? h5s_fail(c, "cannot write %s", path) : 0;
}

static int write_table(hid_t file, enum h5s_table_id id, const void *rows, size_t n,
                       struct h5s_err *c) {
  const struct h5s_table *t = h5s_table(id);
  hid_t ft = h5s_file_type(t), mt = h5s_mem_type(t);
  int rc = (ft < 0 || mt < 0) ? h5s_fail(c, "cannot build the HDF5 type of %s", t->path)
                              : write_dataset(file, t->path, ft, mt, rows, n, c);
  if (ft >= 0) H5Tclose(ft);
  if (mt >= 0) H5Tclose(mt);
  return rc;
}

/* Allocates n elements of `size` (at least one, so an empty table has a valid pointer). */
static void *alloc_rows(size_t n, size_t size, struct h5s_err *c) {
  if (n > SIZE_MAX / size) {
    h5s_fail(c, "out of memory");
    return NULL;
  }
  void *p = calloc(n ? n : 1, size);
  if (!p) h5s_fail(c, "out of memory");
  return p;
}

static int check_name_id(const struct wpio_job *job, uint32_t id, const char *table,
                         struct h5s_err *c) {
  if (id < job->names.n) return 0;
  return h5s_fail(c, "%s has name_id %u but /names has %zu entries", table, id, job->names.n);
}

static int write_attr_int(hid_t loc, const char *key, int64_t v, struct h5s_err *c) {
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = space < 0 ? -1 : H5Acreate2(loc, key, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  int rc = (a >= 0 && H5Awrite(a, H5T_NATIVE_INT64, &v) >= 0) ? 0 : -1;
  if (a >= 0) H5Aclose(a);
  if (space >= 0) H5Sclose(space);
  return rc < 0 ? h5s_fail(c, "cannot write attribute %s", key) : 0;
}

static int write_attr_str(hid_t loc, const char *key, const char *v, struct h5s_err *c) {
  hid_t st = h5s_string_type();
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = (st < 0 || space < 0) ? -1 : H5Acreate2(loc, key, st, space, H5P_DEFAULT, H5P_DEFAULT);
  const char *s = v ? v : "";
  int rc = (a >= 0 && H5Awrite(a, st, &s) >= 0) ? 0 : -1;
  if (a >= 0) H5Aclose(a);
  if (space >= 0) H5Sclose(space);
  if (st >= 0) H5Tclose(st);
  return rc < 0 ? h5s_fail(c, "cannot write attribute %s", key) : 0;
}

/* Root attributes: the job's own, then schema_version, which the writer alone decides. Run metadata
 * (keys WPIO_META_PREFIX...) goes to the /meta group instead, which every report has. */
static int write_attrs(hid_t file, const struct wpio_job *job, struct h5s_err *c) {
  hid_t meta = H5Gcreate2(file, WPIO_META_GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (meta < 0) return h5s_fail(c, "cannot create %s", WPIO_META_GROUP);
  const size_t plen = strlen(WPIO_META_PREFIX);
  int rc = 0;
  for (size_t i = 0; i < job->attrs.n && rc == 0; i++) {
    const struct wpio_attr *a = &job->attrs.v[i];
    if (!a->key || !a->key[0] || strcmp(a->key, H5S_SCHEMA_ATTR) == 0) continue;
    int is_meta = strncmp(a->key, WPIO_META_PREFIX, plen) == 0;
    if (is_meta && !a->key[plen]) continue;
    hid_t loc = is_meta ? meta : file;
    const char *key = is_meta ? a->key + plen : a->key;
    rc = a->is_int ? write_attr_int(loc, key, a->ival, c) : write_attr_str(loc, key, a->value, c);
  }
  H5Gclose(meta);
  if (rc < 0) return -1;
  return write_attr_int(file, H5S_SCHEMA_ATTR, WPIO_SCHEMA_VERSION, c);
}

static int write_names(hid_t file, const struct wpio_job *job, struct h5s_err *c) {
  hid_t st = h5s_string_type();
  if (st < 0) return h5s_fail(c, "cannot build the HDF5 string type");
  int rc = write_dataset(file, H5S_NAMES_PATH, st, st, job->names.s, job->names.n, c);
  H5Tclose(st);
  return rc;
}

/* /ranks with empty strings in place of missing ones (h5py readers choke on null strings). */
static int write_ranks(hid_t file, const struct wpio_job *job, struct h5s_err *c) {
  struct wpio_rank_row *rows = alloc_rows(job->ranks.n, sizeof(*rows), c);
  if (!rows) return -1;
  for (size_t i = 0; i < job->ranks.n; i++) {
    rows[i] = job->ranks.v[i];
    if (!rows[i].hostname) rows[i].hostname = "";
    if (!rows[i].status) rows[i].status = "";
  }
  int rc = write_table(file, H5S_RANKS, rows, job->ranks.n, c);
  free(rows);
  return rc;
}

static int write_kernels(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->kernels.n; i++) {
    const struct wpio_kernel_row *r = &job->kernels.v[i];
    if (check_name_id(job, r->name_id, "/kernels", c) < 0) return -1;
    if (r->kind < 0 || r->kind >= WPIO_KIND_COUNT)
      return h5s_fail(c, "/kernels has an unknown kind %d", (int)r->kind);
  }
  return s->put(s, H5S_KERNELS, job->kernels.v, job->kernels.n);
}

static int write_ranges(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->ranges.n; i++)
    if (check_name_id(job, job->ranges.v[i].name_id, "/ranges", c) < 0) return -1;
  return s->put(s, H5S_RANGES, job->ranges.v, job->ranges.n);
}

static int write_lite(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->lite.n; i++)
    if (check_name_id(job, job->lite.v[i].name_id, "/lite", c) < 0) return -1;
  return s->put(s, H5S_LITE, job->lite.v, job->lite.n);
}

/* /lite_hist carries each bucket's bounds so readers need not know the bucket scheme. */
static int write_hist(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  struct h5s_hist_mem *rows = alloc_rows(job->lite_hist.n, sizeof(*rows), c);
  if (!rows) return -1;
  int rc = 0;
  for (size_t i = 0; i < job->lite_hist.n && rc == 0; i++) {
    const struct wpio_hist_row *h = &job->lite_hist.v[i];
    rc = check_name_id(job, h->name_id, "/lite_hist", c);
    if (rc == 0 && h->bucket >= WPIO_HIST_BUCKETS)
      rc = h5s_fail(c, "/lite_hist has bucket %u beyond the histogram", h->bucket);
    rows[i] = (struct h5s_hist_mem){ h->rank, h->name_id, h->bucket, wpio_hist_lower(h->bucket),
                                     wpio_hist_upper(h->bucket), h->count };
  }
  if (rc == 0) rc = s->put(s, H5S_LITE_HIST, rows, job->lite_hist.n);
  free(rows);
  return rc;
}

/* A summary table: the name itself instead of its id, then the table's own columns. */
static int write_summary(hid_t file, const struct wpio_job *job, enum h5s_table_id id,
                         const struct wpio_summary_row *src, size_t n, struct h5s_err *c) {
  struct h5s_summary_mem *rows = alloc_rows(n, sizeof(*rows), c);
  if (!rows) return -1;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const struct wpio_summary_row *s = &src[i];
    rc = check_name_id(job, s->name_id, h5s_table(id)->path, c);
    if (rc < 0) break;
    if (id == H5S_SUM_KERNELS && (s->kind < 0 || s->kind >= WPIO_KIND_COUNT)) {
      rc = h5s_fail(c, "/summary/kernels has an unknown kind %d", (int)s->kind);
      break;
    }
    rows[i] = (struct h5s_summary_mem){
      .name = job->names.s[s->name_id], .ranks_present = s->ranks_present, .calls = s->calls,
      .total_ns = s->total_ns, .min_ns = s->min_rank_ns, .mean_ns = s->mean_rank_ns,
      .max_ns = s->max_rank_ns, .imbalance = s->imbalance, .slowest_rank = s->slowest_rank,
      .kind = s->kind, .bytes = s->bytes, .cpu_self_ns = s->cpu_self_ns,
      .cuda_self_ns = s->cuda_self_ns, .cuda_total_ns = s->cuda_total_ns, .p50_ns = s->p50_ns,
      .p90_ns = s->p90_ns, .p99_ns = s->p99_ns };
  }
  if (rc == 0) rc = write_table(file, id, rows, n, c);
  free(rows);
  return rc;
}

/* ---- GPU memory and call stacks (issue 10) ---- */

static int write_memory(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->memory.n; i++) {
    const struct wpio_memory_row *r = &job->memory.v[i];
    if (check_name_id(job, r->name_id, "/memory", c) < 0) return -1;
    if (r->kind < 0 || r->kind >= WPIO_MEM_KIND_COUNT)
      return h5s_fail(c, "/memory has an unknown kind %d", (int)r->kind);
  }
  return s->put(s, H5S_MEMORY, job->memory.v, job->memory.n);
}

static int write_stacks(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->stacks.n; i++)
    if (check_name_id(job, job->stacks.v[i].stack_id, "/stacks", c) < 0 ||
        check_name_id(job, job->stacks.v[i].name_id, "/stacks", c) < 0)
      return -1;
  return s->put(s, H5S_STACKS, job->stacks.v, job->stacks.n);
}

static int write_sum_memory(hid_t file, const struct wpio_job *job, struct h5s_err *c) {
  size_t n = job->sum_memory.n;
  struct h5s_memsum_mem *rows = alloc_rows(n, sizeof(*rows), c);
  if (!rows) return -1;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const struct wpio_memsum_row *s = &job->sum_memory.v[i];
    rc = check_name_id(job, s->name_id, "/summary/memory", c);
    if (rc == 0)
      rows[i] = (struct h5s_memsum_mem){
        .name = job->names.s[s->name_id], .ranks_present = s->ranks_present,
        .allocations = s->allocations, .frees = s->frees, .bytes_allocated = s->bytes_allocated,
        .bytes_freed = s->bytes_freed, .peak_bytes = s->peak_bytes, .peak_rank = s->peak_rank };
  }
  if (rc == 0) rc = write_table(file, H5S_SUM_MEMORY, rows, n, c);
  free(rows);
  return rc;
}

/* issue 9: /breakdown, /launch_latency, /cupti_overhead */
static int write_analysis_tables(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->launch_latency.n; i++)
    if (check_name_id(job, job->launch_latency.v[i].name_id, "/launch_latency", c) < 0) return -1;
  for (size_t i = 0; i < job->cupti_overhead.n; i++)
    if (check_name_id(job, job->cupti_overhead.v[i].name_id, "/cupti_overhead", c) < 0) return -1;
  if (s->put(s, H5S_BREAKDOWN, job->breakdown.v, job->breakdown.n) < 0 ||
      s->put(s, H5S_LAUNCH_LATENCY, job->launch_latency.v, job->launch_latency.n) < 0)
    return -1;
  return s->put(s, H5S_CUPTI_OVERHEAD, job->cupti_overhead.v, job->cupti_overhead.n);
}


/* Per-table rank presence: attribute WPIO_H5_RANK_SPANS_ATTR on each per-rank table, the sorted spans
 * [lo, hi] of the ranks that have rows, so `wprof doctor` need not read millions of rank cells. A
 * table with more than H5S_RANK_SPANS_MAX spans (or none) gets no attribute: readers count rows. */
#define H5S_RANK_SPANS_MAX 4096

int h5w_spans_attr(hid_t file, const char *path, const unsigned char *seen, int32_t max, struct h5s_err *c) {
  int32_t *spans = malloc(2 * H5S_RANK_SPANS_MAX * sizeof *spans);
  if (!spans) return 0; /* no attribute: the reader counts */
  hsize_t k = 0;
  for (int32_t r = 0; r <= max; r++) {
    if (!seen[r] || (r > 0 && seen[r - 1])) continue;
    if (k == H5S_RANK_SPANS_MAX) {
      free(spans);
      return 0;
    }
    int32_t hi = r;
    while (hi < max && seen[hi + 1]) hi++;
    spans[2 * k] = r;
    spans[2 * k + 1] = hi;
    k++;
  }
  int rc = 0;
  hsize_t dims = 2 * k;
  hid_t d = k ? H5Dopen2(file, path, H5P_DEFAULT) : H5I_INVALID_HID;
  hid_t space = k ? H5Screate_simple(1, &dims, NULL) : H5I_INVALID_HID;
  hid_t a = d >= 0 && space >= 0
                ? H5Acreate2(d, WPIO_H5_RANK_SPANS_ATTR, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT)
                : H5I_INVALID_HID;
  if (k && (a < 0 || H5Awrite(a, H5T_NATIVE_INT32, spans) < 0)) rc = h5s_fail(c, "cannot write %s's rank spans", path);
  if (a >= 0) H5Aclose(a);
  if (space >= 0) H5Sclose(space);
  if (d >= 0) H5Dclose(d);
  free(spans);
  return rc;
}

int h5w_ranks_note(struct h5w_ranks_seen *s, const void *rows, size_t n, size_t row_size) {
  for (size_t i = 0; i < n; i++) {
    int32_t r;
    memcpy(&r, (const char *)rows + i * row_size, sizeof r);
    if (r < 0) continue;
    if (!s->seen || r > s->max) {
      int32_t max = s->seen && s->max * 2 > r ? s->max * 2 : r;
      unsigned char *seen = realloc(s->seen, (size_t)max + 1);
      if (!seen) return -1;
      size_t old = s->seen ? (size_t)s->max + 1 : 0;
      memset(seen + old, 0, (size_t)max + 1 - old);
      s->seen = seen, s->max = max;
    }
    s->seen[r] = 1;
  }
  return 0;
}

static int write_rank_spans_of(hid_t file, const char *path, const void *rows, size_t n, size_t size,
                               struct h5s_err *c) {
  struct h5w_ranks_seen s = {NULL, 0};
  int rc = h5w_ranks_note(&s, rows, n, size) == 0 && s.seen ? h5w_spans_attr(file, path, s.seen, s.max, c) : 0;
  free(s.seen); /* out of memory: no attribute, the reader counts */
  return rc;
}

int h5w_has_spans(enum h5s_table_id id) {
  for (int i = 0; i < H5S_SPANS_TABLES; i++)
    if (h5s_spans_tables[i] == id) return 1;
  return 0;
}

/* The rows of table id in `job` (every row struct starts with its int32_t rank). */
static const void *job_rows(const struct wpio_job *job, enum h5s_table_id id, size_t *n, size_t *size) {
#define ROWS_OF(vec) (*n = (vec).n, *size = sizeof *(vec).v, (const void *)(vec).v)
  switch (id) {
  case H5S_WINDOWS: return ROWS_OF(job->windows);
  case H5S_KERNELS: return ROWS_OF(job->kernels);
  case H5S_RANGES: return ROWS_OF(job->ranges);
  case H5S_LITE: return ROWS_OF(job->lite);
  case H5S_MPI: return ROWS_OF(job->mpi);
  case H5S_TIMELINE: return ROWS_OF(job->timeline);
  case H5S_MEMORY: return ROWS_OF(job->memory);
  case H5S_STACKS: return ROWS_OF(job->stacks);
  default: *n = 0, *size = 1; return NULL;
  }
#undef ROWS_OF
}

static int write_rank_spans(hid_t file, const struct wpio_job *job, struct h5s_err *c) {
  for (int i = 0; i < H5S_SPANS_TABLES; i++) {
    size_t n, size;
    const void *rows = job_rows(job, h5s_spans_tables[i], &n, &size);
    if (write_rank_spans_of(file, h5s_table(h5s_spans_tables[i])->path, rows, n, size, c) < 0) return -1;
  }
  return 0;
}

/* Every table with one row per rank and something (windows, kernels, ranges, lite scopes and their
 * histograms, MPI calls, timeline, memory, stacks, the analysis tables), through the sink. */
int h5w_row_tables(struct h5w_sink *s, const struct wpio_job *job) {
  if (s->put(s, H5S_WINDOWS, job->windows.v, job->windows.n) < 0 || write_kernels(s, job) < 0 ||
      write_ranges(s, job) < 0 || write_lite(s, job) < 0 || write_hist(s, job) < 0 ||
      s->put(s, H5S_MPI, job->mpi.v, job->mpi.n) < 0 || s->put(s, H5S_TIMELINE, job->timeline.v, job->timeline.n) < 0)
    return -1;
  if (write_memory(s, job) < 0 || write_stacks(s, job) < 0) return -1;
  return write_analysis_tables(s, job);
}

/* The rest: attributes and /meta, /names, /ranks, the summaries and /stragglers. */
int h5w_rest_tables(hid_t file, const struct wpio_job *job, struct h5s_err *c) {
  if (write_attrs(file, job, c) < 0 || write_names(file, job, c) < 0 || write_ranks(file, job, c) < 0) return -1;
  hid_t g = H5Gcreate2(file, H5S_SUMMARY_GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return h5s_fail(c, "cannot create %s", H5S_SUMMARY_GROUP);
  H5Gclose(g);
  if (write_summary(file, job, H5S_SUM_KERNELS, job->sum_kernels.v, job->sum_kernels.n, c) < 0 ||
      write_summary(file, job, H5S_SUM_RANGES, job->sum_ranges.v, job->sum_ranges.n, c) < 0 ||
      write_summary(file, job, H5S_SUM_LITE, job->sum_lite.v, job->sum_lite.n, c) < 0 ||
      write_summary(file, job, H5S_SUM_MPI, job->sum_mpi.v, job->sum_mpi.n, c) < 0 ||
      write_sum_memory(file, job, c) < 0)
    return -1;
  return write_table(file, H5S_STRAGGLERS, job->stragglers.v, job->stragglers.n, c);
}

static int put_whole(struct h5w_sink *s, enum h5s_table_id id, const void *rows, size_t n) {
  return write_table(s->file, id, rows, n, s->c);
}

static int write_all(hid_t file, const struct wpio_job *job, struct h5s_err *c) {
  struct h5w_sink sink = {file, c, put_whole, NULL};
  if (h5w_rest_tables(file, job, c) < 0 || h5w_row_tables(&sink, job) < 0) return -1;
  return write_rank_spans(file, job, c);
}

static int write_file(const struct wpio_job *job, const char *path, unsigned flags, struct h5s_err *c) {
  struct h5w_file f;
  if (h5w_file_open(&f, path, flags, c) < 0) return -1;
  h5w_xfer_begin();
  int rc = write_all(f.file, job, c);
  h5w_xfer_end();
  return h5w_file_close(&f, path, rc, c);
}

/* libwprof's preload thread calls this right after loading the plugin on rank 0: HDF5 initialises
 * itself on its first call (its type, property and filter tables), milliseconds that would otherwise
 * land in finalize. Looked up by name (WPIO_H5_WARM_UP_SYMBOL in runtime/report/plugin.c). */
int wpio_h5_warm_up(void);
/* Rows of table t, all zero but for "" in string columns (a NULL string is no string to HDF5). */
static void *warm_up_rows(const struct h5s_table *t, size_t n) {
  char *rows = calloc(n, t->row_size);
  for (size_t i = 0; rows && i < n; i++)
    for (size_t k = 0; k < t->ncols; k++)
      if (t->cols[k].type == H5S_STR) {
        static const char empty[] = "";
        const char *p = empty;
        memcpy(rows + i * t->row_size + t->cols[k].offset, &p, sizeof p);
      }
  return rows;
}

/* A first report in this process costs ~10 ms more than the next (measured): HDF5 builds its type
 * conversion paths, free lists and filter state on first use. So the warm-up writes one row of every
 * table, and one chunked + deflated table, to a file in memory (core driver, never on disk). */
static void warm_up_tables(void) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return;
  hid_t file = H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0
                   ? H5Fcreate("wprof-warm-up.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl)
                   : H5I_INVALID_HID;
  H5Pclose(fapl);
  if (file < 0) return;
  char err[128];
  struct h5s_err c = {err, sizeof err, 0};
  hid_t g = H5Gcreate2(file, H5S_SUMMARY_GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g >= 0) H5Gclose(g);
  h5w_xfer_begin();
  write_attr_str(file, "warm_up", "", &c);
  for (int id = 0; id < H5S_NTABLES; id++) {
    size_t n = id == H5S_KERNELS ? 2 : 1; /* kernels: the chunked path */
    chunked_above = id == H5S_KERNELS ? 1 : H5S_CHUNK_THRESHOLD;
    void *rows = warm_up_rows(h5s_table((enum h5s_table_id)id), n);
    if (rows) write_table(file, (enum h5s_table_id)id, rows, n, &c);
    free(rows);
  }
  chunked_above = H5S_CHUNK_THRESHOLD;
  h5w_xfer_end();
  H5Fclose(file);
}

/* The application may have its own HDF5 error handler; ours must stay silent and leave it as it was. */
struct h5w_quiet h5w_quiet_begin(void) {
  struct h5w_quiet q = {NULL, NULL};
  H5Eget_auto2(H5E_DEFAULT, &q.fn, &q.data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  return q;
}

void h5w_quiet_end(struct h5w_quiet q) { H5Eset_auto2(H5E_DEFAULT, q.fn, q.data); }

int wpio_h5_warm_up(void) {
  if (H5open() < 0) return -1;
  struct h5w_quiet q = h5w_quiet_begin();
  warm_up_tables();
  h5w_quiet_end(q);
  return 0;
}

int wpio_h5_write_report(const struct wpio_job *job, const char *path, unsigned flags, char *err,
                         size_t errlen) {
  struct h5s_err c = { err, errlen, 0 };
  if (err && errlen) err[0] = '\0';
  if (!job || !path || !path[0]) return h5s_fail(&c, "no job or no output path");
  struct h5w_quiet q = h5w_quiet_begin();
  int rc = write_file(job, path, flags, &c);
  h5w_quiet_end(q);
  return rc;
}
