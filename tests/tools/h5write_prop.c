/* Property test of io's own HDF5 writer: random jobs (row counts on both sides of the contiguous /
 * chunked boundary, empty tables, long and non-ASCII names, more than 65535 names, reports written
 * whole or streamed part by part into extendible tables) are written with wpio_h5_write_report or
 * the stream, read back with libhdf5 (io's reader) and compared value by value, column by column.
 * Each report's expected content is also written as JSON beside it, for check_h5write_prop.py to
 * compare with what h5py (HDF5 1.10 and 2.x) and h5dump read. --big-stream: one table of ROWS rows
 * streamed (a chunk index of several B-tree levels), read back by libhdf5 and compared.
 *   h5write_prop OUTDIR NFILES [SEED]
 *   h5write_prop --big-stream FILE ROWS */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5_schema.h"
#include "wpio_h5.h"
#include "wpio_hist.h"
#include "wpio_job.h"

static uint64_t rng_state;
static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }
static int empty_strings; /* this report's string cells and string attributes are all "" */

/* Random UTF-8 text of about len bytes: ASCII, accented Latin, CJK, emoji, quotes and controls. */
static char *rand_text(size_t len, size_t idx, int unique) {
  static const char *pieces[] = {"a", "Z", "9", " ", "_", "::", "<", ">", "\"", "\\", "\t", "é", "ß", "Ω",
                                 "日本", "語", "🚀", "ñ", "\x7f", "kernel", "void at::native::"};
  size_t cap = len + 64;
  char *s = malloc(cap);
  size_t n = 0;
  while (n < len) {
    const char *p = pieces[below(sizeof pieces / sizeof *pieces)];
    size_t k = strlen(p);
    if (n + k + 24 >= cap) break;
    memcpy(s + n, p, k);
    n += k;
  }
  s[n] = '\0';
  if (unique) snprintf(s + n, cap - n, "#%zu", idx);
  return s;
}

static size_t rand_rows(int big) {
  static const size_t small[] = {0, 1, 2, 3, 17, 100, 1000};
  static const size_t large[] = {65535, 65536, 65537, 70000, 16384 * 5 + 3};
  if (big && below(3) == 0) return large[below(sizeof large / sizeof *large)];
  return small[below(sizeof small / sizeof *small)];
}

struct anyvec {
  void *v;
  size_t n, cap;
};

/* The job's rows of a table whose in-memory row struct is the schema's own. */
static struct anyvec *plain_vec(struct wpio_job *j, enum h5s_table_id id) {
  switch (id) {
  case H5S_RANKS: return (struct anyvec *)&j->ranks;
  case H5S_WINDOWS: return (struct anyvec *)&j->windows;
  case H5S_KERNELS: return (struct anyvec *)&j->kernels;
  case H5S_RANGES: return (struct anyvec *)&j->ranges;
  case H5S_LITE: return (struct anyvec *)&j->lite;
  case H5S_MPI: return (struct anyvec *)&j->mpi;
  case H5S_TIMELINE: return (struct anyvec *)&j->timeline;
  case H5S_MEMORY: return (struct anyvec *)&j->memory;
  case H5S_STACKS: return (struct anyvec *)&j->stacks;
  case H5S_STRAGGLERS: return (struct anyvec *)&j->stragglers;
  case H5S_BREAKDOWN: return (struct anyvec *)&j->breakdown;
  case H5S_LAUNCH_LATENCY: return (struct anyvec *)&j->launch_latency;
  case H5S_CUPTI_OVERHEAD: return (struct anyvec *)&j->cupti_overhead;
  default: return NULL;
  }
}

static int is_id_column(const char *name) {
  return strcmp(name, "name_id") == 0 || strcmp(name, "stack_id") == 0 || strcmp(name, "kind_id") == 0;
}

/* One random value per column, valid where the reader checks (ranks >= 0, ids, kinds). */
static void fill_row(const struct h5s_table *t, unsigned char *row, size_t nnames) {
  for (size_t c = 0; c < t->ncols; c++) {
    const struct h5s_column *col = &t->cols[c];
    unsigned char *at = row + col->offset;
    uint64_t r = rnd();
    int32_t i32;
    double d;
    switch (col->type) {
    case H5S_I32:
      i32 = strcmp(col->name, "rank") == 0 ? (int32_t)(below(4) == 0 ? r % 100000 : r % 8) : (int32_t)r;
      memcpy(at, &i32, 4);
      break;
    case H5S_U32:
      i32 = is_id_column(col->name) ? (int32_t)below(nnames) : (int32_t)r;
      memcpy(at, &i32, 4);
      break;
    case H5S_I64:
    case H5S_U64: memcpy(at, &r, 8); break;
    case H5S_F64:
      d = (double)(int64_t)r / 3.0e6;
      memcpy(at, &d, 8);
      break;
    case H5S_KIND: i32 = (int32_t)below(WPIO_KIND_COUNT); memcpy(at, &i32, 4); break;
    case H5S_EVKIND: i32 = (int32_t)below(WPIO_EV_KIND_COUNT); memcpy(at, &i32, 4); break;
    case H5S_MEMKIND: i32 = (int32_t)below(WPIO_MEM_KIND_COUNT); memcpy(at, &i32, 4); break;
    case H5S_STR: {
      char *s = rand_text(empty_strings ? 0 : below(3) == 0 ? below(300) : below(12), 0, 0);
      memcpy(at, &s, sizeof s);
      break;
    }
    }
  }
}

static void fill_summary(struct wpio_summary_row *s, enum h5s_table_id id, size_t nnames) {
  *s = (struct wpio_summary_row){.name_id = (uint32_t)below(nnames), .kind = -1, .ranks_present = (uint32_t)rnd(),
                                 .calls = rnd(), .total_ns = rnd(), .min_rank_ns = (double)rnd() / 7,
                                 .mean_rank_ns = -(double)rnd() / 3, .max_rank_ns = 1e300, .imbalance = 1.5,
                                 .slowest_rank = (int32_t)rnd()};
  if (id == H5S_SUM_KERNELS) s->kind = (int32_t)below(WPIO_KIND_COUNT), s->bytes = rnd();
  if (id == H5S_SUM_MPI) s->bytes = rnd();
  if (id == H5S_SUM_RANGES) s->cpu_self_ns = rnd(), s->cuda_self_ns = rnd(), s->cuda_total_ns = rnd();
  if (id == H5S_SUM_LITE) s->p50_ns = rnd(), s->p90_ns = rnd(), s->p99_ns = rnd();
}

static struct anyvec *sum_vec(struct wpio_job *j, enum h5s_table_id id) {
  switch (id) {
  case H5S_SUM_KERNELS: return (struct anyvec *)&j->sum_kernels;
  case H5S_SUM_RANGES: return (struct anyvec *)&j->sum_ranges;
  case H5S_SUM_LITE: return (struct anyvec *)&j->sum_lite;
  case H5S_SUM_MPI: return (struct anyvec *)&j->sum_mpi;
  default: return NULL;
  }
}

static int build(struct wpio_job *j, int big, int many_names) {
  size_t nnames = many_names ? 65535 + 1 + below(5000) : (below(4) == 0 ? 0 : 1 + below(200));
  if (below(5) == 0 && nnames) {
    if (wpio_strtab_intern(&j->names, "", 0) == UINT32_MAX) return -1;
  }
  while (j->names.n < nnames) {
    char *s = rand_text(below(6) == 0 ? 1000 + below(9000) : below(40), j->names.n, 1);
    uint32_t id = wpio_strtab_intern(&j->names, s, strlen(s));
    free(s);
    if (id == UINT32_MAX) return -1;
  }
  size_t nattrs = below(40);
  for (size_t i = 0; i < nattrs; i++) {
    char key[64];
    snprintf(key, sizeof key, "%sattr_%zu", below(3) == 0 ? WPIO_META_PREFIX : "", i);
    char *v = rand_text(empty_strings ? 0 : below(4) == 0 ? below(5000) : below(20), 0, 0);
    int rc = below(2) ? wpio_job_set_attr_int(j, key, (int64_t)rnd()) : wpio_job_set_attr(j, key, v);
    free(v);
    if (rc != 0) return -1;
  }
  for (int id = 0; id < H5S_NTABLES; id++) {
    struct anyvec *v = plain_vec(j, (enum h5s_table_id)id);
    const struct h5s_table *t = h5s_table((enum h5s_table_id)id);
    int needs_names = 0;
    for (size_t c = 0; c < t->ncols; c++) needs_names |= is_id_column(t->cols[c].name);
    size_t n = needs_names && nnames == 0 ? 0 : rand_rows(big);
    if (v) {
      v->v = calloc(n ? n : 1, t->row_size);
      v->n = v->cap = n;
      for (size_t i = 0; i < n; i++) fill_row(t, (unsigned char *)v->v + i * t->row_size, nnames);
    } else if ((v = sum_vec(j, (enum h5s_table_id)id))) {
      n = nnames ? rand_rows(0) : 0;
      struct wpio_summary_row *rows = calloc(n ? n : 1, sizeof *rows);
      for (size_t i = 0; i < n; i++) fill_summary(&rows[i], (enum h5s_table_id)id, nnames);
      v->v = rows, v->n = v->cap = n;
    } else if (id == H5S_LITE_HIST && nnames) {
      j->lite_hist.v = calloc(n ? n : 1, sizeof *j->lite_hist.v);
      for (size_t i = 0; i < n; i++)
        j->lite_hist.v[i] = (struct wpio_hist_row){(int32_t)below(8), (uint32_t)below(nnames),
                                                   (uint32_t)below(WPIO_HIST_BUCKETS), rnd()};
      j->lite_hist.n = j->lite_hist.cap = n;
    } else if (id == H5S_SUM_MEMORY && nnames) {
      n = rand_rows(0);
      j->sum_memory.v = calloc(n ? n : 1, sizeof *j->sum_memory.v);
      for (size_t i = 0; i < n; i++)
        j->sum_memory.v[i] = (struct wpio_memsum_row){.name_id = (uint32_t)below(nnames), .ranks_present = 3,
                                                      .allocations = rnd(), .frees = rnd(), .bytes_allocated = rnd(),
                                                      .bytes_freed = rnd(), .peak_bytes = rnd(),
                                                      .peak_rank = (int32_t)rnd()};
      j->sum_memory.n = j->sum_memory.cap = n;
    }
  }
  return 0;
}

/* ---- comparison ---- */

static int failures;
static void fail(const char *what, size_t row, const char *col) {
  if (failures++ < 20) fprintf(stderr, "h5write_prop: %s differs at row %zu, column %s\n", what, row, col);
}

static void compare_plain(const struct h5s_table *t, const struct anyvec *a, const struct anyvec *b) {
  if (a->n != b->n) {
    fprintf(stderr, "h5write_prop: %s has %zu rows, read back %zu\n", t->path, a->n, b->n);
    failures++;
    return;
  }
  for (size_t i = 0; i < a->n; i++)
    for (size_t c = 0; c < t->ncols; c++) {
      const unsigned char *x = (const unsigned char *)a->v + i * t->row_size + t->cols[c].offset;
      const unsigned char *y = (const unsigned char *)b->v + i * t->row_size + t->cols[c].offset;
      if (t->cols[c].type == H5S_STR) {
        const char *sx, *sy;
        memcpy(&sx, x, sizeof sx), memcpy(&sy, y, sizeof sy);
        if (strcmp(sx ? sx : "", sy ? sy : "") != 0) fail(t->path, i, t->cols[c].name);
      } else if (memcmp(x, y, h5s_col_file_size(t->cols[c].type)) != 0) {
        fail(t->path, i, t->cols[c].name);
      }
    }
}

static void compare_summaries(const struct wpio_job *a, const struct wpio_job *b, enum h5s_table_id id) {
  const struct anyvec *x = sum_vec((struct wpio_job *)a, id), *y = sum_vec((struct wpio_job *)b, id);
  if (x->n != y->n) {
    failures++;
    fprintf(stderr, "h5write_prop: %s row count differs\n", h5s_table(id)->path);
    return;
  }
  for (size_t i = 0; i < x->n; i++) {
    struct wpio_summary_row p = ((const struct wpio_summary_row *)x->v)[i];
    struct wpio_summary_row q = ((const struct wpio_summary_row *)y->v)[i];
    if (strcmp(a->names.s[p.name_id], b->names.s[q.name_id]) != 0) fail(h5s_table(id)->path, i, "name");
    p.name_id = q.name_id = 0;
    if (memcmp(&p, &q, sizeof p) != 0) fail(h5s_table(id)->path, i, "(a number)");
  }
}

static void compare(const struct wpio_job *a, const struct wpio_job *b) {
  if (a->names.n != b->names.n) {
    failures++;
    fprintf(stderr, "h5write_prop: /names has %zu, read back %zu\n", a->names.n, b->names.n);
  }
  for (size_t i = 0; i < a->names.n && i < b->names.n; i++)
    if (strcmp(a->names.s[i], b->names.s[i]) != 0) fail("/names", i, "-");
  for (size_t i = 0; i < a->attrs.n; i++) {
    const struct wpio_attr *x = &a->attrs.v[i], *y = wpio_job_attr(b, x->key);
    if (!y || y->is_int != x->is_int || (x->is_int ? x->ival != y->ival : strcmp(x->value, y->value) != 0))
      fail("an attribute", i, x->key);
  }
  for (int id = 0; id < H5S_NTABLES; id++) {
    const struct anyvec *x = plain_vec((struct wpio_job *)a, (enum h5s_table_id)id);
    if (x) compare_plain(h5s_table((enum h5s_table_id)id), x, plain_vec((struct wpio_job *)b, (enum h5s_table_id)id));
    else if (sum_vec((struct wpio_job *)a, (enum h5s_table_id)id)) compare_summaries(a, b, (enum h5s_table_id)id);
  }
  if (a->lite_hist.n != b->lite_hist.n || (a->lite_hist.n && memcmp(a->lite_hist.v, b->lite_hist.v,
                                                                    a->lite_hist.n * sizeof *a->lite_hist.v)))
    fail("/lite_hist", 0, "-");
  for (size_t i = 0; i < a->sum_memory.n && i < b->sum_memory.n; i++) {
    struct wpio_memsum_row p = a->sum_memory.v[i], q = b->sum_memory.v[i];
    if (strcmp(a->names.s[p.name_id], b->names.s[q.name_id]) != 0) fail("/summary/memory", i, "name");
    p.name_id = q.name_id = 0;
    if (memcmp(&p, &q, sizeof p) != 0) fail("/summary/memory", i, "(a number)");
  }
  if (a->sum_memory.n != b->sum_memory.n) fail("/summary/memory", 0, "(rows)");
}

/* The job's rows [lo, hi) of every row table, sharing names and attributes (nothing owned). */
static struct wpio_job slice(const struct wpio_job *j, double lo, double hi) {
  struct wpio_job s = *j;
#define CUT(vec) \
  do { \
    size_t a_ = (size_t)((double)j->vec.n * lo), b_ = (size_t)((double)j->vec.n * hi); \
    s.vec.v = j->vec.v + a_, s.vec.n = s.vec.cap = b_ - a_; \
  } while (0)
  CUT(windows); CUT(kernels); CUT(ranges); CUT(lite); CUT(lite_hist); CUT(mpi); CUT(timeline);
  CUT(memory); CUT(stacks); CUT(breakdown); CUT(launch_latency); CUT(cupti_overhead);
#undef CUT
  return s;
}

static int write_streamed(const struct wpio_job *j, const char *path, char *err, size_t errlen) {
  struct wpio_h5_stream *s = wpio_h5_stream_open(path, WPIO_H5_OVERWRITE, err, errlen);
  if (!s) return -1;
  double at = 0;
  int parts = 1 + (int)below(4);
  for (int p = 0; p < parts; p++) {
    double next = at + (1.0 - at) * (double)(1 + below(60)) / 100.0;
    struct wpio_job part = slice(j, at, next);
    if (wpio_h5_stream_rows(s, &part, err, errlen) != 0) {
      wpio_h5_stream_discard(s);
      return -1;
    }
    at = next;
  }
  struct wpio_job rest = slice(j, at, 1.0);
  return wpio_h5_stream_close(s, &rest, err, errlen);
}

int h5write_prop_json(const struct wpio_job *j, const char *path, int streamed);

/* The deepest level of the raw-data chunk B-tree nodes ("TREE", node type 1) in the file, and how
 * many nodes it has: compressed chunks are not scanned as nodes because a node's entry count must
 * fit (at most 2K = 64 children). -1 when there is none. */
static int btree_depth(const char *path, size_t *nodes) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)size);
  int depth = -1;
  *nodes = 0;
  if (b && fread(b, 1, (size_t)size, f) == (size_t)size)
    for (long i = 0; i + 8 <= size; i++)
      if (memcmp(b + i, "TREE", 4) == 0 && b[i + 4] == 1 && b[i + 5] < 8 && (b[i + 6] | b[i + 7] << 8) <= 64) {
        (*nodes)++;
        if (b[i + 5] > depth) depth = b[i + 5];
      }
  free(b);
  fclose(f);
  return depth;
}

/* A /windows of `rows` rows (16384 per chunk, 64 chunks per B-tree node: more than 64 chunks need
 * a second level) streamed in uneven parts, read back by libhdf5 and compared, and its chunk index
 * at least two levels deep. */
static int big_stream(const char *path, size_t rows) {
  struct wpio_job job, got;
  wpio_job_init(&job);
  wpio_job_init(&got);
  job.windows.v = calloc(rows, sizeof *job.windows.v);
  if (!job.windows.v) return 1;
  for (size_t i = 0; i < rows; i++)
    job.windows.v[i] = (struct wpio_window_row){(int32_t)(i % 8), (int32_t)(i / 8), (int64_t)i * 1000,
                                                (int64_t)i * 1000 + 999, (int64_t)(i % 97), 0};
  job.windows.n = job.windows.cap = rows;
  char err[512] = "";
  if (write_streamed(&job, path, err, sizeof err) != 0 || wpio_h5_read_report(path, &got, err, sizeof err) != 0) {
    fprintf(stderr, "h5write_prop: %s: %s\n", path, err);
    return 1;
  }
  compare(&job, &got);
  size_t nodes = 0;
  int depth = btree_depth(path, &nodes);
  size_t chunks = (rows + 16383) / 16384;
  printf("%s: %zu rows streamed, %zu chunks, B-tree %d levels deep, %zu nodes: read back %s\n", path, rows, chunks,
         depth + 1, nodes, failures ? "DIFFERENT" : "equal");
  if (depth < 1 || nodes < 1 + (chunks + 63) / 64) {
    fprintf(stderr, "h5write_prop: expected a B-tree of at least 2 levels and %zu nodes\n", 1 + (chunks + 63) / 64);
    failures++;
  }
  wpio_job_free(&job);
  wpio_job_free(&got);
  return failures ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--big-stream") == 0) return big_stream(argv[2], strtoull(argv[3], NULL, 10));
  if (argc < 3) {
    fprintf(stderr, "usage: h5write_prop OUTDIR NFILES [SEED] | h5write_prop --big-stream FILE ROWS\n");
    return 2;
  }
  int nfiles = atoi(argv[2]);
  uint64_t seed0 = argc > 3 ? strtoull(argv[3], NULL, 10) : 20261206;
  for (int k = 0; k < nfiles; k++) {
    rng_state = seed0 * 1000003u + (uint64_t)k;
    /* > 65535 names (a full global heap collection, then another) whole and streamed; every string
     * empty in a report of up to 2 x 81923 /ranks strings */
    int streamed = k % 2 == 1, big = k % 3 == 2, many_names = k == 4 || k == 7;
    empty_strings = k == 8;
    struct wpio_job job, got;
    wpio_job_init(&job);
    wpio_job_init(&got);
    char path[4096], json[4200], err[512];
    snprintf(path, sizeof path, "%s/prop-%02d.h5", argv[1], k);
    snprintf(json, sizeof json, "%s/prop-%02d.json", argv[1], k);
    if (build(&job, big, many_names) != 0) {
      fprintf(stderr, "h5write_prop: out of memory building job %d\n", k);
      return 1;
    }
    int rc = streamed ? write_streamed(&job, path, err, sizeof err)
                      : wpio_h5_write_report(&job, path, WPIO_H5_OVERWRITE, err, sizeof err);
    if (rc != 0) {
      fprintf(stderr, "h5write_prop: file %d (seed %" PRIu64 "): write failed: %s\n", k, seed0, err);
      return 1;
    }
    if (wpio_h5_read_report(path, &got, err, sizeof err) != 0) {
      fprintf(stderr, "h5write_prop: file %d (seed %" PRIu64 "): libhdf5 cannot read it back: %s\n", k, seed0, err);
      return 1;
    }
    int before = failures;
    compare(&job, &got);
    if (failures != before) fprintf(stderr, "h5write_prop: file %d (seed %" PRIu64 ") differs\n", k, seed0);
    if (h5write_prop_json(&job, json, streamed) != 0) return 1;
    printf("%s: %zu names, %zu kernels, %zu windows, %s: read back equal\n", path, job.names.n, job.kernels.n,
           job.windows.n, streamed ? "streamed" : "whole");
    wpio_job_free(&job);
    wpio_job_free(&got);
  }
  return failures ? 1 : 0;
}
