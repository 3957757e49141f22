/* The HDF5 report reader (schema v1) for the tools: opens the file and assembles a wpio_job from it,
 * attributes (h5_read_attrs.c) and tables (h5_read_table.c, which checks shapes and column types),
 * checking the ids and kinds later code indexes with, so a damaged file becomes one clear line. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5_read_attrs.h"
#include "h5_read_table.h"
#include "wpio_h5.h"
#include "wpio_hist.h"
#include "wpio_job.h"

/* ---- the file itself ---- */

static int check_path(struct h5r_ctx *c) {
  struct stat st;
  if (stat(c->path, &st) < 0) return h5s_fail(&c->e, "cannot open %s: %s", c->path, strerror(errno));
  if (S_ISDIR(st.st_mode)) return h5s_fail(&c->e, "%s is a directory, not a report", c->path);
  if (!S_ISREG(st.st_mode)) return h5s_fail(&c->e, "%s is not a regular file", c->path);
  int fd = open(c->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return h5s_fail(&c->e, "cannot open %s: %s", c->path, strerror(errno));
  close(fd);
  if (st.st_size == 0) return h5s_fail(&c->e, "%s is empty, not an HDF5 file", c->path);
  c->file_size = (uint64_t)st.st_size;
  return 0;
}

static hid_t open_file(struct h5r_ctx *c) {
  htri_t is = H5Fis_hdf5(c->path);
  if (is <= 0) {
    h5s_fail(&c->e, "%s is not an HDF5 file", c->path);
    return H5I_INVALID_HID;
  }
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
  if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1); /* read-only; locks fail on some file systems */
#endif
  hid_t f = H5Fopen(c->path, H5F_ACC_RDONLY, fapl >= 0 ? fapl : H5P_DEFAULT);
  if (fapl >= 0) H5Pclose(fapl);
  if (f < 0) h5s_fail(&c->e, "%s is a damaged or truncated HDF5 file (HDF5 cannot open it)", c->path);
  return f;
}

/* ---- reports written before issue 10 (same schema_version): no launch configuration in /kernels,
 * no /memory, /stacks or /summary/memory. Read as not-from-a-graph rows and empty tables. ---- */

#define KERNEL_COLS_BEFORE_CONFIG 9

/* The /kernels definition this file was written with: the whole schema, or the columns before the
 * launch configuration when the file has none of it. */
static struct h5s_table kernels_def(hid_t f) {
  struct h5s_table t = *h5s_table(H5S_KERNELS);
  if (!h5r_table_has_member(f, t.path, "grid_x") && !h5r_table_has_member(f, t.path, "graph_id"))
    t.ncols = KERNEL_COLS_BEFORE_CONFIG;
  return t;
}

/* ---- per-table checks: everything later code indexes with must be in range ---- */

static int check_id(const struct wpio_job *job, uint32_t id, int32_t rank, const char *table,
                    struct h5r_ctx *c) {
  if (id >= job->names.n) return h5r_damaged(c, table, "a name_id beyond /names");
  if (rank < 0) return h5r_damaged(c, table, "a negative rank");
  return 0;
}

static int read_ranks(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  void *rows;
  size_t n;
  if (h5r_read_table(f, H5S_RANKS, &rows, &n, c) < 0) return -1;
  job->ranks.v = rows;
  job->ranks.n = job->ranks.cap = n;
  for (size_t i = 0; i < n; i++) {
    struct wpio_rank_row *r = &job->ranks.v[i];
    /* null strings (possible from other writers) become empty ones: later code prints them */
    if (!r->hostname) r->hostname = strdup("");
    if (!r->status) r->status = strdup("");
    if (!r->hostname || !r->status) return h5s_fail(&c->e, "%s: out of memory", c->path);
    if (r->rank < 0) return h5r_damaged(c, "/ranks", "a negative rank");
  }
  return 0;
}

/* /windows gained `cut_short` (recovered windows a rank was killed in): without it, rows read with 0. */
static int read_windows(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  void *rows;
  size_t n;
  struct h5s_table def = *h5s_table(H5S_WINDOWS);
  if (!h5r_table_has_member(f, def.path, "cut_short")) def.ncols--;
  if (h5r_read_table_def(f, &def, &rows, &n, c) < 0) return -1;
  job->windows.v = rows;
  job->windows.n = job->windows.cap = n;
  for (size_t i = 0; i < n; i++)
    if (job->windows.v[i].rank < 0) return h5r_damaged(c, "/windows", "a negative rank");
  return 0;
}

static int read_kernels(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  void *rows;
  size_t n;
  struct h5s_table def = kernels_def(f);
  if (h5r_read_table_def(f, &def, &rows, &n, c) < 0) return -1;
  job->kernels.v = rows;
  job->kernels.n = job->kernels.cap = n;
  for (size_t i = 0; i < n; i++) {
    struct wpio_kernel_row *r = &job->kernels.v[i];
    if (def.ncols == KERNEL_COLS_BEFORE_CONFIG) r->graph_id = -1;
    if (check_id(job, r->name_id, r->rank, "/kernels", c) < 0) return -1;
    /* an enum value the memory type does not know converts to -1 */
    if (r->kind < 0 || r->kind >= WPIO_KIND_COUNT) return h5r_damaged(c, "/kernels", "an unknown kind");
  }
  return 0;
}

static int read_ranges(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  void *rows;
  size_t n;
  if (h5r_read_table(f, H5S_RANGES, &rows, &n, c) < 0) return -1;
  job->ranges.v = rows;
  job->ranges.n = job->ranges.cap = n;
  for (size_t i = 0; i < n; i++)
    if (check_id(job, job->ranges.v[i].name_id, job->ranges.v[i].rank, "/ranges", c) < 0) return -1;
  return 0;
}

static int read_lite(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  void *rows;
  size_t n;
  if (h5r_read_table(f, H5S_LITE, &rows, &n, c) < 0) return -1;
  job->lite.v = rows;
  job->lite.n = job->lite.cap = n;
  for (size_t i = 0; i < n; i++)
    if (check_id(job, job->lite.v[i].name_id, job->lite.v[i].rank, "/lite", c) < 0) return -1;
  return 0;
}

static int read_mpi(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  void *rows;
  size_t n;
  if (h5r_read_table(f, H5S_MPI, &rows, &n, c) < 0) return -1;
  job->mpi.v = rows;
  job->mpi.n = job->mpi.cap = n;
  for (size_t i = 0; i < n; i++)
    if (check_id(job, job->mpi.v[i].name_id, job->mpi.v[i].rank, "/mpi", c) < 0) return -1;
  return 0;
}

static int read_timeline(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  void *rows;
  size_t n;
  if (h5r_read_table(f, H5S_TIMELINE, &rows, &n, c) < 0) return -1;
  job->timeline.v = rows;
  job->timeline.n = job->timeline.cap = n;
  for (size_t i = 0; i < n; i++) {
    const struct wpio_timeline_row *r = &job->timeline.v[i];
    if (check_id(job, r->name_id, r->rank, "/timeline", c) < 0) return -1;
    if (r->kind < 0 || r->kind >= WPIO_EV_KIND_COUNT) return h5r_damaged(c, "/timeline", "an unknown kind");
  }
  return 0;
}

static int read_memory(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  void *rows;
  size_t n;
  if (h5r_table_absent(f, H5S_MEMORY)) return 0;
  if (h5r_read_table(f, H5S_MEMORY, &rows, &n, c) < 0) return -1;
  job->memory.v = rows;
  job->memory.n = job->memory.cap = n;
  for (size_t i = 0; i < n; i++) {
    const struct wpio_memory_row *r = &job->memory.v[i];
    if (check_id(job, r->name_id, r->rank, "/memory", c) < 0) return -1;
    if (r->kind < 0 || r->kind >= WPIO_MEM_KIND_COUNT) return h5r_damaged(c, "/memory", "an unknown kind");
  }
  return 0;
}

/* /stacks gained `bytes` (allocation stacks) after it first shipped: without it, rows read with 0. */
static int read_stacks(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  void *rows;
  size_t n;
  if (h5r_table_absent(f, H5S_STACKS)) return 0;
  struct h5s_table def = *h5s_table(H5S_STACKS);
  if (!h5r_table_has_member(f, def.path, "bytes")) def.ncols--;
  if (h5r_read_table_def(f, &def, &rows, &n, c) < 0) return -1;
  job->stacks.v = rows;
  job->stacks.n = job->stacks.cap = n;
  for (size_t i = 0; i < n; i++) {
    const struct wpio_stack_row *r = &job->stacks.v[i];
    if (check_id(job, r->name_id, r->rank, "/stacks", c) < 0 ||
        check_id(job, r->stack_id, r->rank, "/stacks", c) < 0)
      return -1;
  }
  return 0;
}

/* /summary/memory: names become ids, as in the other summaries. */
static int read_sum_memory(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  const struct h5s_table *t = h5s_table(H5S_SUM_MEMORY);
  struct h5s_memsum_mem *rows;
  size_t n;
  if (h5r_table_absent(f, H5S_SUM_MEMORY)) return 0;
  if (h5r_read_table(f, H5S_SUM_MEMORY, (void **)&rows, &n, c) < 0) return -1;
  struct wpio_memsum_row *out = n ? calloc(n, sizeof(*out)) : NULL;
  int rc = (n && !out) ? h5s_fail(&c->e, "%s: out of memory", c->path) : 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const struct h5s_memsum_mem *s = &rows[i];
    const char *name = s->name ? s->name : "";
    uint32_t nid = wpio_strtab_intern(&job->names, name, strlen(name));
    if (nid == UINT32_MAX) rc = h5s_fail(&c->e, "%s: out of memory", c->path);
    out[i] = (struct wpio_memsum_row){
      .name_id = nid, .ranks_present = s->ranks_present, .allocations = s->allocations,
      .frees = s->frees, .bytes_allocated = s->bytes_allocated, .bytes_freed = s->bytes_freed,
      .peak_bytes = s->peak_bytes, .peak_rank = s->peak_rank };
  }
  h5r_free_row_strings(t, rows, n);
  free(rows);
  if (rc < 0) {
    free(out);
    return -1;
  }
  job->sum_memory.v = out;
  job->sum_memory.n = job->sum_memory.cap = n;
  return 0;
}

static int read_hist(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  struct h5s_hist_mem *rows;
  size_t n;
  if (h5r_read_table(f, H5S_LITE_HIST, (void **)&rows, &n, c) < 0) return -1;
  int rc = 0;
  if (n > 0) {
    job->lite_hist.v = calloc(n, sizeof(*job->lite_hist.v));
    if (!job->lite_hist.v) rc = h5s_fail(&c->e, "%s: out of memory", c->path);
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = check_id(job, rows[i].name_id, rows[i].rank, "/lite_hist", c);
    if (rc == 0 && rows[i].bucket >= WPIO_HIST_BUCKETS)
      rc = h5r_damaged(c, "/lite_hist", "a bucket beyond the histogram");
    job->lite_hist.v[i] = (struct wpio_hist_row){ rows[i].rank, rows[i].name_id, rows[i].bucket,
                                                  rows[i].count };
    job->lite_hist.n = job->lite_hist.cap = i + 1;
  }
  free(rows);
  return rc;
}

/* Checks that a table of a later issue is there and well formed; its rows are not loaded yet. */
/* A summary table: names become ids (interned, so a name missing from /names is added). */
static int read_summary(hid_t f, struct wpio_job *job, enum h5s_table_id id, struct h5r_ctx *c) {
  const struct h5s_table *t = h5s_table(id);
  struct h5s_summary_mem *rows;
  size_t n;
  if (h5r_read_table(f, id, (void **)&rows, &n, c) < 0) return -1;
  struct wpio_summary_row *out = n ? calloc(n, sizeof(*out)) : NULL;
  int rc = (n && !out) ? h5s_fail(&c->e, "%s: out of memory", c->path) : 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const struct h5s_summary_mem *s = &rows[i];
    const char *name = s->name ? s->name : "";
    uint32_t nid = wpio_strtab_intern(&job->names, name, strlen(name));
    if (nid == UINT32_MAX) rc = h5s_fail(&c->e, "%s: out of memory", c->path);
    else if (id == H5S_SUM_KERNELS && (s->kind < 0 || s->kind >= WPIO_KIND_COUNT))
      rc = h5r_damaged(c, t->path, "an unknown kind");
    out[i] = (struct wpio_summary_row){
      .name_id = nid, .kind = id == H5S_SUM_KERNELS ? s->kind : -1,
      .ranks_present = s->ranks_present, .calls = s->calls, .total_ns = s->total_ns,
      .min_rank_ns = s->min_ns, .mean_rank_ns = s->mean_ns, .max_rank_ns = s->max_ns,
      .imbalance = s->imbalance, .slowest_rank = s->slowest_rank, .cpu_self_ns = s->cpu_self_ns,
      .cuda_self_ns = s->cuda_self_ns, .cuda_total_ns = s->cuda_total_ns, .bytes = s->bytes,
      .p50_ns = s->p50_ns, .p90_ns = s->p90_ns, .p99_ns = s->p99_ns };
  }
  h5r_free_row_strings(t, rows, n);
  free(rows);
  if (rc < 0) {
    free(out);
    return -1;
  }
  switch (id) {
  case H5S_SUM_KERNELS: job->sum_kernels.v = out; job->sum_kernels.n = job->sum_kernels.cap = n; break;
  case H5S_SUM_RANGES: job->sum_ranges.v = out; job->sum_ranges.n = job->sum_ranges.cap = n; break;
  case H5S_SUM_LITE: job->sum_lite.v = out; job->sum_lite.n = job->sum_lite.cap = n; break;
  case H5S_SUM_MPI: job->sum_mpi.v = out; job->sum_mpi.n = job->sum_mpi.cap = n; break;
  default: free(out); break;
  }
  return 0;
}

/* issue 9's tables; reports written before them have none (read as empty). */
#define READ_PLAIN_TABLE(f, id, vec, c)                                                            \
  do {                                                                                             \
    void *rows_;                                                                                   \
    size_t n_;                                                                                     \
    if (!h5r_table_absent(f, id)) {                                                                       \
      if (h5r_read_table(f, id, &rows_, &n_, c) < 0) return -1;                                        \
      (vec).v = rows_;                                                                             \
      (vec).n = (vec).cap = n_;                                                                    \
    }                                                                                              \
  } while (0)

static int read_analysis_tables(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  READ_PLAIN_TABLE(f, H5S_BREAKDOWN, job->breakdown, c);
  READ_PLAIN_TABLE(f, H5S_LAUNCH_LATENCY, job->launch_latency, c);
  READ_PLAIN_TABLE(f, H5S_CUPTI_OVERHEAD, job->cupti_overhead, c);
  READ_PLAIN_TABLE(f, H5S_STRAGGLERS, job->stragglers, c);
  for (size_t i = 0; i < job->launch_latency.n; i++)
    if (check_id(job, job->launch_latency.v[i].name_id, job->launch_latency.v[i].rank, "/launch_latency", c) < 0)
      return -1;
  for (size_t i = 0; i < job->cupti_overhead.n; i++)
    if (check_id(job, job->cupti_overhead.v[i].name_id, job->cupti_overhead.v[i].rank, "/cupti_overhead", c) < 0)
      return -1;
  return 0;
}

static int read_all(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  if (h5r_read_schema_version(f, c) < 0 || h5r_read_attrs(f, job, c) < 0 || h5r_read_names(f, job, c) < 0 ||
      read_ranks(f, job, c) < 0 || read_windows(f, job, c) < 0)
    return -1;
  if (c->flags & WPIO_H5_READ_HEAD_ONLY) return 0;
  if (read_kernels(f, job, c) < 0 ||
      read_ranges(f, job, c) < 0 || read_lite(f, job, c) < 0 || read_hist(f, job, c) < 0 ||
      read_mpi(f, job, c) < 0 || read_timeline(f, job, c) < 0)
    return -1;
  if (read_summary(f, job, H5S_SUM_KERNELS, c) < 0 || read_summary(f, job, H5S_SUM_RANGES, c) < 0 ||
      read_summary(f, job, H5S_SUM_LITE, c) < 0 || read_summary(f, job, H5S_SUM_MPI, c) < 0)
    return -1;
  if (read_memory(f, job, c) < 0 || read_stacks(f, job, c) < 0 || read_sum_memory(f, job, c) < 0)
    return -1;
  if (read_analysis_tables(f, job, c) < 0) return -1;
  return 0;
}

int wpio_h5_read_report(const char *path, struct wpio_job *job, char *err, size_t errlen) {
  return wpio_h5_read_report_flags(path, job, 0, err, errlen);
}

int wpio_h5_read_report_flags(const char *path, struct wpio_job *job, unsigned flags, char *err,
                              size_t errlen) {
  struct h5r_ctx c = { path ? path : "(null)", { err, errlen, 0 }, 0, flags };
  if (err && errlen) err[0] = '\0';
  if (!path || !job) return h5s_fail(&c.e, "no report path");
  if (check_path(&c) < 0) return -1;
  H5E_auto2_t old_fn = NULL;
  void *old_data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int rc = -1;
  hid_t f = open_file(&c);
  if (f >= 0) {
    rc = read_all(f, job, &c);
    if (H5Fclose(f) < 0 && rc == 0) rc = h5s_fail(&c.e, "%s: cannot close the file", c.path);
  }
  H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
  return rc;
}
