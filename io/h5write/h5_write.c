/* The HDF5 report writer (schema v1): every table of the schema written to a temporary file in the
 * target directory, in the HDF5 file format itself (h5f_*.c), then renamed into place. A report is
 * written front to back: each table's strings and rows, then its object header; the groups' headers
 * (root, /meta, /summary), which link them and carry the attributes, come last, and the superblock
 * at address 0 names the root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5_write_internal.h"
#include "h5f_gheap.h"
#include "h5f_msg.h"
#include "wpio_h5write.h"
#include "wpio_job.h"

/* ---- the report's groups ---- */

static int add_link(struct h5w_group_items *g, const char *name, uint64_t addr) {
  if (g->nlinks == g->links_cap) {
    size_t cap = g->links_cap ? 2 * g->links_cap : 32;
    struct h5w_link *l = realloc(g->links, cap * sizeof *l);
    if (!l) return -1;
    g->links = l, g->links_cap = cap;
  }
  g->links[g->nlinks++] = (struct h5w_link){name, addr};
  return 0;
}

/* An attribute of group g; a name given twice is refused, as HDF5 refuses it. */
static int add_attr(struct h5w_report *w, enum h5w_group g, const char *name, int is_int, int64_t ival,
                    const char *value) {
  struct h5w_group_items *gi = &w->g[g];
  for (size_t i = 0; i < gi->nattrs; i++)
    if (strcmp(gi->attrs[i].name, name) == 0) return h5s_fail(w->c, "cannot write attribute %s", name);
  if (gi->nattrs == gi->attrs_cap) {
    size_t cap = gi->attrs_cap ? 2 * gi->attrs_cap : 32;
    struct h5w_attr *a = realloc(gi->attrs, cap * sizeof *a);
    if (!a) return h5s_fail(w->c, "out of memory");
    gi->attrs = a, gi->attrs_cap = cap;
  }
  char *copy = strdup(name);
  if (!copy) return h5s_fail(w->c, "out of memory");
  gi->attrs[gi->nattrs++] = (struct h5w_attr){copy, is_int, ival, value ? value : ""};
  return 0;
}

int h5w_link_table(struct h5w_report *w, enum h5s_table_id id, struct h5f_dset *d) {
  const char *path = h5s_table(id)->path;
  uint64_t addr = h5f_dset_finish(&w->f.out, d);
  int in_summary = strncmp(path, H5S_SUMMARY_GROUP "/", sizeof(H5S_SUMMARY_GROUP)) == 0;
  if (addr == H5F_UNDEF || add_link(&w->g[in_summary ? H5W_SUMMARY : H5W_ROOT], strrchr(path, '/') + 1, addr) < 0)
    return h5s_fail(w->c, "cannot write %s", path);
  return 0;
}

/* A group's header: its links and its attributes (strings to the global heap first). */
static uint64_t write_group(struct h5w_report *w, struct h5w_group_items *g) {
  struct h5f_oh h = {0};
  h5f_oh_group(&h);
  for (size_t i = 0; i < g->nlinks; i++) h5f_oh_link(&h, g->links[i].name, g->links[i].addr);
  const char **strs = malloc((g->nattrs + 1) * sizeof *strs);
  unsigned char *refs = malloc((g->nattrs + 1) * H5F_VSTR_REF);
  size_t ns = 0;
  for (size_t i = 0; strs && i < g->nattrs; i++)
    if (!g->attrs[i].is_int) strs[ns++] = g->attrs[i].value;
  if (!strs || !refs || h5f_strings(&w->f.out, strs, ns, refs) < 0) h.msgs.failed = 1;
  struct h5f_buf i64 = {0}, str = {0}, scalar = {0};
  h5f_dt_int(&i64, 8, 1);
  h5f_dt_vstring(&str);
  h5f_space_scalar(&scalar);
  ns = 0;
  for (size_t i = 0; refs && i < g->nattrs; i++) {
    const struct h5w_attr *a = &g->attrs[i];
    unsigned char v[8];
    h5f_le64(v, (uint64_t)a->ival);
    if (a->is_int) h5f_oh_attr(&h, a->name, &i64, &scalar, v, 8);
    else h5f_oh_attr(&h, a->name, &str, &scalar, refs + H5F_VSTR_REF * ns++, H5F_VSTR_REF);
  }
  free(strs);
  free(refs);
  h5f_buf_free(&i64), h5f_buf_free(&str), h5f_buf_free(&scalar);
  return h5f_oh_write(&w->f.out, &h);
}

int h5w_report_open(struct h5w_report *w, const char *path, unsigned flags, struct h5s_err *c) {
  memset(w, 0, sizeof *w);
  w->c = c;
  return h5w_file_open(&w->f, path, flags, c);
}

int h5w_report_close(struct h5w_report *w, const char *path, int rc) {
  uint64_t root = H5F_UNDEF;
  if (rc == 0) {
    uint64_t meta = write_group(w, &w->g[H5W_META]), summary = write_group(w, &w->g[H5W_SUMMARY]);
    if (meta == H5F_UNDEF || summary == H5F_UNDEF || add_link(&w->g[H5W_ROOT], WPIO_META_GROUP + 1, meta) < 0 ||
        add_link(&w->g[H5W_ROOT], H5S_SUMMARY_GROUP + 1, summary) < 0 ||
        (root = write_group(w, &w->g[H5W_ROOT])) == H5F_UNDEF)
      rc = h5s_fail(w->c, "cannot write the report's groups");
  }
  rc = h5w_file_close(&w->f, path, root, rc, w->c);
  for (int g = 0; g < H5W_NGROUPS; g++) {
    for (size_t i = 0; i < w->g[g].nattrs; i++) free(w->g[g].attrs[i].name);
    free(w->g[g].attrs);
    free(w->g[g].links);
  }
  memset(w->g, 0, sizeof w->g);
  return rc;
}

/* ---- the tables written whole ---- */

/* Tables up to this many rows are written contiguous and uncompressed: below a few MB, deflate's
 * per-chunk set-up costs more than the bytes it saves, and a typical report's ranges and histograms
 * are thousands of rows. */
int h5w_write_table(struct h5w_report *w, enum h5s_table_id id, const struct h5w_rows *rows) {
  struct h5f_dset d;
  size_t n = rows->n;
  int chunked = n > H5S_CHUNK_THRESHOLD;
  const struct h5s_table *t = h5s_table(id);
  if (h5f_dset_init(&d, t, chunked, 0) < 0) return h5s_fail(w->c, "out of memory");
  int rc = chunked ? h5f_dset_chunks(&w->f.out, &d, &rows->src, 0, n) : h5f_dset_contiguous(&w->f.out, &d, &rows->src, n);
  if (rc == 0 && h5w_has_spans(id)) {
    struct h5w_ranks_seen s = {NULL, 0};
    if (h5w_ranks_note(&s, rows->ranks, n, rows->ranks_stride) == 0) h5w_spans_attr(&d, &s);
    free(s.seen); /* out of memory: no attribute, the reader counts */
  }
  if (rc < 0) {
    h5f_dset_free(&d);
    return h5s_fail(w->c, "cannot write %s", t->path);
  }
  return h5w_link_table(w, id, &d);
}

/* Root attributes: the job's own, then schema_version, which the writer alone decides. Run metadata
 * (keys WPIO_META_PREFIX...) goes to the /meta group instead, which every report has. */
static int write_attrs(struct h5w_report *w, const struct wpio_job *job) {
  const size_t plen = strlen(WPIO_META_PREFIX);
  for (size_t i = 0; i < job->attrs.n; i++) {
    const struct wpio_attr *a = &job->attrs.v[i];
    if (!a->key || !a->key[0] || strcmp(a->key, H5S_SCHEMA_ATTR) == 0) continue;
    int is_meta = strncmp(a->key, WPIO_META_PREFIX, plen) == 0;
    if (is_meta && !a->key[plen]) continue;
    if (add_attr(w, is_meta ? H5W_META : H5W_ROOT, is_meta ? a->key + plen : a->key, a->is_int, a->ival, a->value) < 0)
      return -1;
  }
  return add_attr(w, H5W_ROOT, H5S_SCHEMA_ATTR, 1, WPIO_SCHEMA_VERSION, NULL);
}

/* /names: a 1-D dataset of variable-length strings, chunked past the threshold like any table. */
static int write_names(struct h5w_report *w, const struct wpio_job *job) {
  struct h5f_dset d;
  size_t n = job->names.n;
  int chunked = n > H5S_CHUNK_THRESHOLD;
  if (h5f_dset_init(&d, NULL, chunked, 0) < 0) return h5s_fail(w->c, "out of memory");
  struct h5f_src src = {job->names.s, NULL, NULL};
  int rc = chunked ? h5f_dset_chunks(&w->f.out, &d, &src, 0, n) : h5f_dset_contiguous(&w->f.out, &d, &src, n);
  uint64_t addr = rc == 0 ? h5f_dset_finish(&w->f.out, &d) : H5F_UNDEF;
  if (rc < 0) h5f_dset_free(&d);
  if (addr == H5F_UNDEF || add_link(&w->g[H5W_ROOT], H5S_NAMES_PATH + 1, addr) < 0)
    return h5s_fail(w->c, "cannot write %s", H5S_NAMES_PATH);
  return 0;
}

/* /ranks with empty strings in place of missing ones (h5py readers choke on null strings). */
static void fill_ranks(const void *ctx, size_t first, size_t k, void *out) {
  const struct wpio_job *job = ctx;
  struct wpio_rank_row *rows = out;
  for (size_t i = 0; i < k; i++) {
    rows[i] = job->ranks.v[first + i];
    if (!rows[i].hostname) rows[i].hostname = "";
    if (!rows[i].status) rows[i].status = "";
  }
}

static int write_ranks(struct h5w_report *w, const struct wpio_job *job) {
  struct h5w_rows rows = {{NULL, fill_ranks, job}, job->ranks.n, job->ranks.v, sizeof *job->ranks.v};
  return h5w_write_table(w, H5S_RANKS, &rows);
}

/* A summary table's rows, made a few at a time: the name itself instead of its id, then the table's
 * own columns (the ids were checked before). */
struct summary_src {
  const struct wpio_job *job;
  const struct wpio_summary_row *rows;
};

static void fill_summary(const void *ctx, size_t first, size_t k, void *out) {
  const struct summary_src *x = ctx;
  struct h5s_summary_mem *rows = out;
  for (size_t i = 0; i < k; i++) {
    const struct wpio_summary_row *s = &x->rows[first + i];
    rows[i] = (struct h5s_summary_mem){
      .name = x->job->names.s[s->name_id], .ranks_present = s->ranks_present, .calls = s->calls,
      .total_ns = s->total_ns, .min_ns = s->min_rank_ns, .mean_ns = s->mean_rank_ns,
      .max_ns = s->max_rank_ns, .imbalance = s->imbalance, .slowest_rank = s->slowest_rank,
      .kind = s->kind, .bytes = s->bytes, .cpu_self_ns = s->cpu_self_ns,
      .cuda_self_ns = s->cuda_self_ns, .cuda_total_ns = s->cuda_total_ns, .p50_ns = s->p50_ns,
      .p90_ns = s->p90_ns, .p99_ns = s->p99_ns };
  }
}

static int write_summary(struct h5w_report *w, const struct wpio_job *job, enum h5s_table_id id,
                         const struct wpio_summary_row *src, size_t n) {
  struct h5s_err *c = w->c;
  for (size_t i = 0; i < n; i++) {
    const struct wpio_summary_row *s = &src[i];
    if (h5w_check_name_id(job, s->name_id, h5s_table(id)->path, c) < 0) return -1;
    if (id == H5S_SUM_KERNELS && (s->kind < 0 || s->kind >= WPIO_KIND_COUNT))
      return h5s_fail(c, "/summary/kernels has an unknown kind %d", (int)s->kind);
  }
  struct summary_src x = {job, src};
  struct h5w_rows rows = {{NULL, fill_summary, &x}, n, NULL, 0};
  return h5w_write_table(w, id, &rows);
}

static void fill_sum_memory(const void *ctx, size_t first, size_t k, void *out) {
  const struct wpio_job *job = ctx;
  struct h5s_memsum_mem *rows = out;
  for (size_t i = 0; i < k; i++) {
    const struct wpio_memsum_row *s = &job->sum_memory.v[first + i];
    rows[i] = (struct h5s_memsum_mem){
      .name = job->names.s[s->name_id], .ranks_present = s->ranks_present,
      .allocations = s->allocations, .frees = s->frees, .bytes_allocated = s->bytes_allocated,
      .bytes_freed = s->bytes_freed, .peak_bytes = s->peak_bytes, .peak_rank = s->peak_rank };
  }
}

static int write_sum_memory(struct h5w_report *w, const struct wpio_job *job) {
  for (size_t i = 0; i < job->sum_memory.n; i++)
    if (h5w_check_name_id(job, job->sum_memory.v[i].name_id, "/summary/memory", w->c) < 0) return -1;
  struct h5w_rows rows = {{NULL, fill_sum_memory, job}, job->sum_memory.n, NULL, 0};
  return h5w_write_table(w, H5S_SUM_MEMORY, &rows);
}

/* The rest: attributes and /meta, /names, /ranks, the summaries and /stragglers. */
int h5w_rest_tables(struct h5w_report *w, const struct wpio_job *job) {
  if (write_attrs(w, job) < 0 || write_names(w, job) < 0 || write_ranks(w, job) < 0) return -1;
  if (write_summary(w, job, H5S_SUM_KERNELS, job->sum_kernels.v, job->sum_kernels.n) < 0 ||
      write_summary(w, job, H5S_SUM_RANGES, job->sum_ranges.v, job->sum_ranges.n) < 0 ||
      write_summary(w, job, H5S_SUM_LITE, job->sum_lite.v, job->sum_lite.n) < 0 ||
      write_summary(w, job, H5S_SUM_MPI, job->sum_mpi.v, job->sum_mpi.n) < 0 || write_sum_memory(w, job) < 0)
    return -1;
  struct h5w_rows stragglers = H5W_VEC_ROWS(job->stragglers);
  return h5w_write_table(w, H5S_STRAGGLERS, &stragglers);
}

static int put_whole(struct h5w_sink *s, enum h5s_table_id id, const struct h5w_rows *rows) {
  return h5w_write_table(s->w, id, rows);
}

int wpio_h5_write_report(const struct wpio_job *job, const char *path, unsigned flags, char *err,
                         size_t errlen) {
  struct h5s_err c = {err, errlen, 0};
  if (err && errlen) err[0] = '\0';
  if (!job || !path || !path[0]) return h5s_fail(&c, "no job or no output path");
  struct h5w_report w;
  if (h5w_report_open(&w, path, flags, &c) < 0) return -1;
  struct h5w_sink sink = {&w, w.c, put_whole, NULL};
  int rc = h5w_rest_tables(&w, job) < 0 || h5w_row_tables(&sink, job) < 0 ? -1 : 0;
  return h5w_report_close(&w, path, rc);
}
