/* The table formatter shared by `wprof report` and the runtime's printed tables: builds sorted views
 * of ranges, kernels and lite scopes (cross-rank or one rank) and prints them as text or CSV. */
#include "wpio_format.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- columns ---- */

enum field {
  F_NAME, F_KIND, F_SELF_CUDA, F_SELF_PCT, F_CUDA_TOTAL, F_CPU_SELF, F_CPU_TOTAL, F_CALLS, F_AVG,
  F_MIN, F_MAX, F_BYTES, F_TOTAL, F_P50, F_P90, F_P99, F_RANKS, F_IMB, F_SLOWEST, F_RMIN, F_RMEAN,
  F_RMAX
};

#define SUMMARY_COLS \
  { "Ranks", "ranks", F_RANKS, WPIO_CELL_COUNT, 0 }, \
  { "Imbalance", "imbalance", F_IMB, WPIO_CELL_RATIO, 0 }, \
  { "Slowest", "slowest_rank", F_SLOWEST, WPIO_CELL_RANK, 0 }, \
  { "Rank min", "rank_min_ns", F_RMIN, WPIO_CELL_TIMEF, 1 }, \
  { "Rank mean", "rank_mean_ns", F_RMEAN, WPIO_CELL_TIMEF, 1 }, \
  { "Rank max", "rank_max_ns", F_RMAX, WPIO_CELL_TIMEF, 1 }

#define RANGE_COLS \
  { "Name", "name", F_NAME, WPIO_CELL_TEXT, 0 }, \
  { "Self CUDA", "self_cuda_ns", F_SELF_CUDA, WPIO_CELL_TIME, 0 }, \
  { "Self CUDA %", "self_cuda_pct", F_SELF_PCT, WPIO_CELL_PCT, 0 }, \
  { "CUDA total", "cuda_total_ns", F_CUDA_TOTAL, WPIO_CELL_TIME, 0 }, \
  { "CPU self", "cpu_self_ns", F_CPU_SELF, WPIO_CELL_TIME, 0 }, \
  { "CPU total", "cpu_total_ns", F_CPU_TOTAL, WPIO_CELL_TIME, 0 }, \
  { "Calls", "calls", F_CALLS, WPIO_CELL_COUNT, 0 }, \
  { "Avg", "avg_ns", F_AVG, WPIO_CELL_TIME, 0 }

#define KERNEL_COLS \
  { "Name", "name", F_NAME, WPIO_CELL_TEXT, 0 }, \
  { "Kind", "kind", F_KIND, WPIO_CELL_TEXT, 0 }, \
  { "Self CUDA", "self_cuda_ns", F_SELF_CUDA, WPIO_CELL_TIME, 0 }, \
  { "Self CUDA %", "self_cuda_pct", F_SELF_PCT, WPIO_CELL_PCT, 0 }, \
  { "Calls", "calls", F_CALLS, WPIO_CELL_COUNT, 0 }, \
  { "Avg", "avg_ns", F_AVG, WPIO_CELL_TIME, 0 }, \
  { "Min", "min_ns", F_MIN, WPIO_CELL_TIME, 0 }, \
  { "Max", "max_ns", F_MAX, WPIO_CELL_TIME, 0 }, \
  { "Bytes", "bytes", F_BYTES, WPIO_CELL_BYTES, 1 }

#define LITE_COLS \
  { "Name", "name", F_NAME, WPIO_CELL_TEXT, 0 }, \
  { "Count", "count", F_CALLS, WPIO_CELL_COUNT, 0 }, \
  { "Total", "total_ns", F_TOTAL, WPIO_CELL_TIME, 0 }, \
  { "Mean", "mean_ns", F_AVG, WPIO_CELL_TIME, 0 }, \
  { "p50", "p50_ns", F_P50, WPIO_CELL_TIME, 0 }, \
  { "p90", "p90_ns", F_P90, WPIO_CELL_TIME, 0 }, \
  { "p99", "p99_ns", F_P99, WPIO_CELL_TIME, 0 }, \
  { "Min", "min_ns", F_MIN, WPIO_CELL_TIME, 1 }, \
  { "Max", "max_ns", F_MAX, WPIO_CELL_TIME, 1 }

static const struct wpio_column range_cols[] = { RANGE_COLS };
static const struct wpio_column range_sum_cols[] = { RANGE_COLS, SUMMARY_COLS };
static const struct wpio_column kernel_cols[] = { KERNEL_COLS };
static const struct wpio_column kernel_sum_cols[] = { KERNEL_COLS, SUMMARY_COLS };
static const struct wpio_column lite_cols[] = { LITE_COLS };
static const struct wpio_column lite_sum_cols[] = { LITE_COLS, SUMMARY_COLS };
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static void set_columns(struct wpio_view *v) {
  static const struct { const struct wpio_column *c[2]; size_t n[2]; } sets[WPIO_TABLE_COUNT] = {
    [WPIO_TABLE_RANGES] = { { range_cols, range_sum_cols }, { NCOLS(range_cols), NCOLS(range_sum_cols) } },
    [WPIO_TABLE_KERNELS] = { { kernel_cols, kernel_sum_cols }, { NCOLS(kernel_cols), NCOLS(kernel_sum_cols) } },
    [WPIO_TABLE_LITE] = { { lite_cols, lite_sum_cols }, { NCOLS(lite_cols), NCOLS(lite_sum_cols) } },
  };
  v->cols = sets[v->table].c[v->summary ? 1 : 0];
  v->ncols = sets[v->table].n[v->summary ? 1 : 0];
}

const char *wpio_table_name(enum wpio_table t) {
  static const char *names[WPIO_TABLE_COUNT] = { "ranges", "kernels", "lite" };
  return (unsigned)t < WPIO_TABLE_COUNT ? names[t] : "?";
}

/* ---- options and sort keys ---- */

static const struct { const char *name; int key; } sort_names[] = {
  { "self_cuda", WPIO_SORT_SELF_CUDA }, { "cuda_total", WPIO_SORT_CUDA_TOTAL },
  { "cpu_self", WPIO_SORT_CPU_SELF },   { "cpu_total", WPIO_SORT_CPU_TOTAL },
  { "calls", WPIO_SORT_CALLS },         { "avg", WPIO_SORT_AVG },
  { "name", WPIO_SORT_NAME },           { "total", WPIO_SORT_TOTAL },
  { "mean", WPIO_SORT_MEAN },           { "p99", WPIO_SORT_P99 },
  { "count", WPIO_SORT_COUNT },         { "imbalance", WPIO_SORT_IMBALANCE },
};

int wpio_sort_parse(const char *s) {
  for (size_t i = 0; s && i < NCOLS(sort_names); i++)
    if (strcmp(s, sort_names[i].name) == 0) return sort_names[i].key;
  return -1;
}

const char *wpio_sort_keys(void) {
  return "self_cuda, cuda_total, cpu_self, cpu_total, calls, avg, name, total, mean, p99, count, "
         "imbalance";
}

void wpio_format_opts_init(struct wpio_format_opts *o) {
  *o = (struct wpio_format_opts){ .rank = -1, .window = -1, .sort = WPIO_SORT_DEFAULT, .top = 0,
                                  .format = WPIO_OUT_TABLE, .name_width = WPIO_NAME_WIDTH };
}

/* ---- building views ---- */

static int set_err(char *err, size_t errlen, const char *msg) {
  if (err && errlen) snprintf(err, errlen, "%s", msg);
  return -1;
}

static struct wpio_view_row *grow_rows(struct wpio_view *v, size_t *cap) {
  if (v->n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    struct wpio_view_row *p = realloc(v->rows, nc * sizeof(*p));
    if (!p) return NULL;
    v->rows = p;
    *cap = nc;
  }
  struct wpio_view_row *r = &v->rows[v->n++];
  memset(r, 0, sizeof(*r));
  r->slowest_rank = -1;
  return r;
}

/* Index from (name_id, kind) to a view row + 1; 0 = none yet. */
struct row_index { uint32_t *slot; size_t n_names; };

static int index_init(struct row_index *ix, size_t n_names) {
  ix->n_names = n_names;
  ix->slot = calloc(n_names ? n_names * WPIO_KIND_COUNT : 1, sizeof(*ix->slot));
  return ix->slot ? 0 : -1;
}

static uint32_t *index_at(struct row_index *ix, uint32_t name_id, int32_t kind) {
  if (name_id >= ix->n_names) return NULL;
  int k = (kind >= 0 && kind < WPIO_KIND_COUNT) ? kind : 0;
  return &ix->slot[(size_t)name_id * WPIO_KIND_COUNT + (size_t)k];
}

/* Returns the row for (name_id, kind), creating it; NULL when out of memory or a bad id. */
static struct wpio_view_row *row_for(struct wpio_view *v, size_t *cap, struct row_index *ix,
                                     const struct wpio_job *job, uint32_t name_id, int32_t kind) {
  uint32_t *slot = index_at(ix, name_id, kind);
  if (!slot) return NULL;
  if (*slot) return &v->rows[*slot - 1];
  struct wpio_view_row *r = grow_rows(v, cap);
  if (!r) return NULL;
  r->name_id = name_id;
  r->name = job->names.s[name_id];
  r->kind = kind;
  r->min_ns = UINT64_MAX;
  *slot = (uint32_t)v->n;
  return r;
}

static void merge_min_max(struct wpio_view_row *r, uint64_t mn, uint64_t mx) {
  if (mn < r->min_ns) r->min_ns = mn;
  if (mx > r->max_ns) r->max_ns = mx;
}

static int want(const struct wpio_format_opts *o, int32_t rank, int32_t window) {
  return rank == o->rank && (o->window < 0 || window == o->window);
}

/* One rank's rows of a table, merged over its windows (or the one asked for). */
static int build_rank(const struct wpio_job *job, const struct wpio_format_opts *o,
                      struct wpio_view *v, struct row_index *ix) {
  size_t cap = 0;
  struct wpio_view_row *r;
  if (v->table == WPIO_TABLE_RANGES) {
    for (size_t i = 0; i < job->ranges.n; i++) {
      const struct wpio_range_row *s = &job->ranges.v[i];
      if (!want(o, s->rank, s->window)) continue;
      if (!(r = row_for(v, &cap, ix, job, s->name_id, -1))) return -1;
      r->calls += s->calls;
      r->cpu_total_ns += s->cpu_total_ns;
      r->cpu_self_ns += s->cpu_self_ns;
      r->self_cuda_ns += s->cuda_self_ns;
      r->cuda_total_ns += s->cuda_total_ns;
    }
  } else if (v->table == WPIO_TABLE_KERNELS) {
    for (size_t i = 0; i < job->kernels.n; i++) {
      const struct wpio_kernel_row *s = &job->kernels.v[i];
      if (!want(o, s->rank, s->window)) continue;
      if (!(r = row_for(v, &cap, ix, job, s->name_id, s->kind))) return -1;
      r->calls += s->calls;
      r->total_ns += s->total_ns;
      r->bytes += s->bytes;
      merge_min_max(r, s->min_ns, s->max_ns);
    }
  } else {
    /* lite scopes measure the whole run: no windows */
    for (size_t i = 0; i < job->lite.n; i++) {
      const struct wpio_lite_row *s = &job->lite.v[i];
      if (s->rank != o->rank) continue;
      if (!(r = row_for(v, &cap, ix, job, s->name_id, -1))) return -1;
      r->calls += s->calls;
      r->total_ns += s->total_ns;
      merge_min_max(r, s->min_ns, s->max_ns);
      r->p50_ns = s->p50_ns;
      r->p90_ns = s->p90_ns;
      r->p99_ns = s->p99_ns;
    }
  }
  return 0;
}

static void copy_summary(struct wpio_view_row *r, const struct wpio_summary_row *s) {
  r->calls = s->calls;
  r->total_ns = s->total_ns;
  r->ranks = s->ranks_present;
  r->imbalance = s->imbalance;
  r->slowest_rank = s->slowest_rank;
  r->rank_min_ns = s->min_rank_ns;
  r->rank_mean_ns = s->mean_rank_ns;
  r->rank_max_ns = s->max_rank_ns;
  r->bytes = s->bytes;
  r->cpu_total_ns = s->total_ns;
  r->cpu_self_ns = s->cpu_self_ns;
  r->self_cuda_ns = s->cuda_self_ns;
  r->cuda_total_ns = s->cuda_total_ns;
  r->p50_ns = s->p50_ns;
  r->p90_ns = s->p90_ns;
  r->p99_ns = s->p99_ns;
}

/* Per-call min/max across ranks are not in the summaries: take them from the per-rank rows. */
static void summary_min_max(const struct wpio_job *job, struct wpio_view *v, struct row_index *ix) {
  if (v->table == WPIO_TABLE_KERNELS) {
    for (size_t i = 0; i < job->kernels.n; i++) {
      const struct wpio_kernel_row *s = &job->kernels.v[i];
      uint32_t *slot = index_at(ix, s->name_id, -1);
      if (slot && *slot) merge_min_max(&v->rows[*slot - 1], s->min_ns, s->max_ns);
    }
  } else if (v->table == WPIO_TABLE_LITE) {
    for (size_t i = 0; i < job->lite.n; i++) {
      const struct wpio_lite_row *s = &job->lite.v[i];
      uint32_t *slot = index_at(ix, s->name_id, -1);
      if (slot && *slot) merge_min_max(&v->rows[*slot - 1], s->min_ns, s->max_ns);
    }
  }
}

static int build_summary(const struct wpio_job *job, struct wpio_view *v, struct row_index *ix) {
  const struct wpio_summary_row *src = v->table == WPIO_TABLE_RANGES ? job->sum_ranges.v
                                     : v->table == WPIO_TABLE_KERNELS ? job->sum_kernels.v
                                                                     : job->sum_lite.v;
  size_t n = v->table == WPIO_TABLE_RANGES ? job->sum_ranges.n
           : v->table == WPIO_TABLE_KERNELS ? job->sum_kernels.n
                                            : job->sum_lite.n;
  size_t cap = 0;
  for (size_t i = 0; i < n; i++) {
    /* summaries are one row per name (kind: that of its first row), so index by name alone */
    struct wpio_view_row *r = row_for(v, &cap, ix, job, src[i].name_id, -1);
    if (!r) {
      if (src[i].name_id >= job->names.n) continue; /* not ours to judge here: skip the row */
      return -1;
    }
    copy_summary(r, &src[i]);
    r->kind = v->table == WPIO_TABLE_KERNELS ? src[i].kind : -1;
  }
  summary_min_max(job, v, ix);
  return 0;
}

/* Fills the derived columns (self CUDA for kernels is their GPU time; averages; percentages). */
static void finish_rows(struct wpio_view *v) {
  uint64_t total = 0;
  for (size_t i = 0; i < v->n; i++) {
    struct wpio_view_row *r = &v->rows[i];
    if (r->min_ns == UINT64_MAX) r->min_ns = 0;
    if (v->table == WPIO_TABLE_KERNELS) r->self_cuda_ns = r->cuda_total_ns = r->total_ns;
    uint64_t base = v->table == WPIO_TABLE_RANGES ? r->cpu_total_ns : r->total_ns;
    r->avg_ns = r->calls ? (base + r->calls / 2) / r->calls : 0;
    total += r->self_cuda_ns;
  }
  v->self_cuda_total_ns = total;
  for (size_t i = 0; i < v->n; i++)
    v->rows[i].self_cuda_pct = total ? 100.0 * (double)v->rows[i].self_cuda_ns / (double)total : 0.0;
}

/* ---- sorting ---- */

static double key_of(const struct wpio_view_row *r, enum field f) {
  switch (f) {
  case F_SELF_CUDA: return (double)r->self_cuda_ns;
  case F_CUDA_TOTAL: return (double)r->cuda_total_ns;
  case F_CPU_SELF: return (double)r->cpu_self_ns;
  case F_CPU_TOTAL: return (double)r->cpu_total_ns;
  case F_CALLS: return (double)r->calls;
  case F_AVG: return (double)r->avg_ns;
  case F_TOTAL: return (double)r->total_ns;
  case F_P99: return (double)r->p99_ns;
  case F_IMB: return r->imbalance;
  default: return 0;
  }
}

/* The table's (first, second) sort columns for a key; F_NAME means by name alone. */
static void sort_fields(enum wpio_table t, int key, enum field *f1, enum field *f2) {
  if (key == WPIO_SORT_NAME) { *f1 = *f2 = F_NAME; return; }
  if (key == WPIO_SORT_CALLS || key == WPIO_SORT_COUNT) { *f1 = F_CALLS; *f2 = F_TOTAL; }
  else if (key == WPIO_SORT_AVG || key == WPIO_SORT_MEAN) { *f1 = F_AVG; *f2 = F_CALLS; }
  else if (key == WPIO_SORT_IMBALANCE) { *f1 = F_IMB; *f2 = F_TOTAL; }
  else if (t == WPIO_TABLE_LITE) { *f1 = key == WPIO_SORT_P99 ? F_P99 : F_TOTAL; *f2 = F_CALLS; }
  else if (t == WPIO_TABLE_KERNELS) { *f1 = F_TOTAL; *f2 = F_CALLS; }
  else {
    *f2 = F_CPU_TOTAL;
    switch (key) {
    case WPIO_SORT_CUDA_TOTAL: *f1 = F_CUDA_TOTAL; break;
    case WPIO_SORT_CPU_SELF: *f1 = F_CPU_SELF; break;
    case WPIO_SORT_CPU_TOTAL: case WPIO_SORT_TOTAL: *f1 = F_CPU_TOTAL; *f2 = F_CALLS; break;
    default: *f1 = F_SELF_CUDA; break;
    }
  }
  if (t == WPIO_TABLE_RANGES && *f2 == F_TOTAL) *f2 = F_CPU_TOTAL;
}

static int cmp_rows(const void *a, const void *b) {
  const struct wpio_view_row *x = a, *y = b;
  if (x->key1 != y->key1) return x->key1 < y->key1 ? 1 : -1;
  if (x->key2 != y->key2) return x->key2 < y->key2 ? 1 : -1;
  int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
  if (c) return c;
  return (x->kind > y->kind) - (x->kind < y->kind);
}

static void sort_rows(struct wpio_view *v, int key) {
  enum field f1, f2;
  sort_fields(v->table, key, &f1, &f2);
  for (size_t i = 0; i < v->n; i++) {
    v->rows[i].key1 = f1 == F_NAME ? 0 : key_of(&v->rows[i], f1);
    v->rows[i].key2 = f2 == F_NAME ? 0 : key_of(&v->rows[i], f2);
  }
  if (v->n > 1) qsort(v->rows, v->n, sizeof(*v->rows), cmp_rows);
}

/* A copy of the job restricted to one window, summarized, for the cross-rank view of a window. */
static struct wpio_job *window_job(const struct wpio_job *job, int window) {
  struct wpio_job *w = malloc(sizeof(*w));
  if (!w) return NULL;
  wpio_job_init(w);
  if (wpio_job_merge(w, job) < 0) goto bad;
  size_t k = 0;
  for (size_t i = 0; i < w->windows.n; i++)
    if (w->windows.v[i].window == window) w->windows.v[k++] = w->windows.v[i];
  w->windows.n = k;
  k = 0;
  for (size_t i = 0; i < w->kernels.n; i++)
    if (w->kernels.v[i].window == window) w->kernels.v[k++] = w->kernels.v[i];
  w->kernels.n = k;
  k = 0;
  for (size_t i = 0; i < w->ranges.n; i++)
    if (w->ranges.v[i].window == window) w->ranges.v[k++] = w->ranges.v[i];
  w->ranges.n = k;
  if (wpio_job_summarize(w) < 0) goto bad;
  return w;
bad:
  wpio_job_free(w);
  free(w);
  return NULL;
}

int wpio_view_build(const struct wpio_job *job, enum wpio_table table,
                    const struct wpio_format_opts *o, struct wpio_view *v, char *err,
                    size_t errlen) {
  memset(v, 0, sizeof(*v));
  if ((unsigned)table >= WPIO_TABLE_COUNT) return set_err(err, errlen, "unknown table");
  v->table = table;
  v->summary = o->rank < 0;
  v->rank = o->rank;
  v->window = table == WPIO_TABLE_LITE ? -1 : o->window;
  set_columns(v);
  if (v->summary && v->window >= 0) {
    if (!(v->owned = window_job(job, v->window))) return set_err(err, errlen, "out of memory");
    job = v->owned;
  }
  struct row_index ix;
  if (index_init(&ix, job->names.n) < 0) return set_err(err, errlen, "out of memory");
  int rc = v->summary ? build_summary(job, v, &ix) : build_rank(job, o, v, &ix);
  free(ix.slot);
  if (rc < 0) {
    wpio_view_free(v);
    return set_err(err, errlen, "out of memory");
  }
  finish_rows(v);
  sort_rows(v, o->sort);
  v->n_all = v->n;
  if (o->top > 0 && o->top < v->n) v->n = o->top;
  return 0;
}

void wpio_view_free(struct wpio_view *v) {
  free(v->rows);
  v->rows = NULL;
  v->n = v->n_all = 0;
  if (v->owned) {
    wpio_job_free(v->owned);
    free(v->owned);
    v->owned = NULL;
  }
}

void wpio_view_cell(const struct wpio_view *v, size_t row, size_t col, struct wpio_cell *c) {
  const struct wpio_view_row *r = &v->rows[row];
  const struct wpio_column *k = &v->cols[col];
  memset(c, 0, sizeof(*c));
  c->kind = k->kind;
  switch ((enum field)k->field) {
  case F_NAME: c->s = r->name ? r->name : ""; break;
  case F_KIND: c->s = wpio_kind_name(r->kind); break;
  case F_SELF_CUDA: c->u = r->self_cuda_ns; break;
  case F_SELF_PCT: c->d = r->self_cuda_pct; break;
  case F_CUDA_TOTAL: c->u = r->cuda_total_ns; break;
  case F_CPU_SELF: c->u = r->cpu_self_ns; break;
  case F_CPU_TOTAL: c->u = r->cpu_total_ns; break;
  case F_CALLS: c->u = r->calls; break;
  case F_AVG: c->u = r->avg_ns; break;
  case F_MIN: c->u = r->min_ns; break;
  case F_MAX: c->u = r->max_ns; break;
  case F_BYTES: c->u = r->bytes; break;
  case F_TOTAL: c->u = r->total_ns; break;
  case F_P50: c->u = r->p50_ns; break;
  case F_P90: c->u = r->p90_ns; break;
  case F_P99: c->u = r->p99_ns; break;
  case F_RANKS: c->u = r->ranks; break;
  case F_IMB: c->d = r->imbalance; break;
  case F_SLOWEST: c->i = r->slowest_rank; break;
  case F_RMIN: c->d = r->rank_min_ns; break;
  case F_RMEAN: c->d = r->rank_mean_ns; break;
  case F_RMAX: c->d = r->rank_max_ns; break;
  }
  if (!c->s && k->kind == WPIO_CELL_TEXT) c->s = "";
}

/* ---- text rendering ---- */

void wpio_format_time(char *buf, size_t len, double ns) {
  if (ns < 1e3) snprintf(buf, len, "%.0fns", ns);
  else if (ns < 1e6) snprintf(buf, len, "%.3fus", ns / 1e3);
  else if (ns < 1e9) snprintf(buf, len, "%.3fms", ns / 1e6);
  else snprintf(buf, len, "%.3fs", ns / 1e9);
}

/* A non-text cell as table text (human units) or CSV text (raw numbers). */
static void cell_text(const struct wpio_cell *c, int csv, char *buf, size_t len) {
  switch (c->kind) {
  case WPIO_CELL_TIME:
    if (csv) snprintf(buf, len, "%" PRIu64, c->u);
    else wpio_format_time(buf, len, (double)c->u);
    break;
  case WPIO_CELL_TIMEF:
    if (csv) snprintf(buf, len, "%.0f", c->d);
    else wpio_format_time(buf, len, c->d);
    break;
  case WPIO_CELL_COUNT: case WPIO_CELL_BYTES: snprintf(buf, len, "%" PRIu64, c->u); break;
  case WPIO_CELL_PCT: snprintf(buf, len, csv ? "%.4f" : "%.2f%%", c->d); break;
  case WPIO_CELL_RATIO: snprintf(buf, len, csv ? "%.6g" : "%.2f", c->d); break;
  case WPIO_CELL_RANK:
    if (c->i < 0) snprintf(buf, len, csv ? "" : "-");
    else snprintf(buf, len, "%" PRId64, c->i);
    break;
  case WPIO_CELL_TEXT: snprintf(buf, len, "%s", c->s); break;
  }
}

/* Decodes one UTF-8 sequence at p (invalid bytes count as one character); returns its length. */
static size_t utf8_next(const unsigned char *p, uint32_t *cp) {
  size_t len = p[0] < 0x80 ? 1 : (p[0] >> 5) == 6 ? 2 : (p[0] >> 4) == 14 ? 3 : (p[0] >> 3) == 30 ? 4 : 0;
  if (len == 0) {
    *cp = 0xFFFD;
    return 1;
  }
  uint32_t c = len == 1 ? p[0] : p[0] & (0x7Fu >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return i;
    }
    c = (c << 6) | (p[i] & 0x3F);
  }
  *cp = c;
  return len;
}

/* Terminal columns of a code point: East Asian wide and emoji take two, so CJK names align. */
static size_t cp_width(uint32_t c) {
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
      (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
    return 2;
  return 1;
}

static size_t utf8_width(const char *s) {
  size_t w = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    uint32_t c;
    p += utf8_next(p, &c);
    w += cp_width(c);
  }
  return w;
}

/* Copies `s` for a table cell: control characters become '?', and text wider than `width` is cut
 * on a character boundary and ends in "...". */
static void fit_text(const char *s, size_t width, char *out, size_t outlen) {
  int cut = utf8_width(s) > width;
  size_t room = cut ? (width > 3 ? width - 3 : 0) : width, w = 0, o = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    uint32_t c;
    size_t len = utf8_next(p, &c), cw = cp_width(c);
    if (w + cw > room || o + len + 4 >= outlen) break;
    for (size_t i = 0; i < len; i++) out[o++] = (p[i] < 0x20 || p[i] == 0x7f) ? '?' : (char)p[i];
    w += cw;
    p += len;
  }
  if (cut) for (int i = 0; i < 3 && o + 1 < outlen; i++) out[o++] = '.';
  out[o] = '\0';
}

#define CELL_MAX 1024

static void table_cell(const struct wpio_view *v, size_t row, size_t col, size_t name_width,
                       char *buf) {
  struct wpio_cell c;
  wpio_view_cell(v, row, col, &c);
  if (c.kind == WPIO_CELL_TEXT) fit_text(c.s, name_width, buf, CELL_MAX);
  else cell_text(&c, 0, buf, CELL_MAX);
}

static size_t last_visible(const struct wpio_view *v) {
  size_t last = 0;
  for (size_t c = 0; c < v->ncols; c++)
    if (!v->cols[c].data_only) last = c;
  return last;
}

static void print_rule(FILE *out, const size_t *w, const struct wpio_view *v) {
  size_t last = last_visible(v);
  for (size_t c = 0; c <= last; c++) {
    if (v->cols[c].data_only) continue;
    for (size_t i = 0; i < w[c]; i++) fputc('-', out);
    fputs(c < last ? "  " : "", out);
  }
  fputc('\n', out);
}

/* One cell padded to its column: text left-aligned, numbers right-aligned. */
static void print_padded(FILE *out, const char *s, size_t width, int left, int last) {
  size_t w = utf8_width(s), pad = width > w ? width - w : 0;
  if (!left) for (size_t i = 0; i < pad; i++) fputc(' ', out);
  fputs(s, out);
  if (left && !last) for (size_t i = 0; i < pad; i++) fputc(' ', out);
  if (!last) fputs("  ", out);
}

static void print_title(FILE *out, const struct wpio_view *v) {
  const char *what = v->table == WPIO_TABLE_RANGES ? "Ranges"
                   : v->table == WPIO_TABLE_KERNELS ? "GPU kernels and copies" : "Lite scopes";
  if (v->summary) fprintf(out, "%s, cross-rank summary", what);
  else fprintf(out, "%s, rank %d", what, v->rank);
  if (v->table == WPIO_TABLE_LITE) fputs(" (whole run)", out);
  else if (v->window >= 0) fprintf(out, " (window %d)", v->window);
  else fputs(" (all windows)", out);
  fputc('\n', out);
}

static void print_footer(FILE *out, const struct wpio_view *v) {
  char buf[64];
  if (v->table != WPIO_TABLE_LITE) {
    wpio_format_time(buf, sizeof buf, (double)v->self_cuda_total_ns);
    fprintf(out, "Self CUDA time total: %s\n", buf);
  }
  if (v->n < v->n_all) fprintf(out, "(top %zu of %zu rows)\n", v->n, v->n_all);
}

static int print_table(FILE *out, const struct wpio_view *v, const struct wpio_format_opts *o) {
  size_t w[32] = { 0 }, nw = o->name_width >= 8 ? o->name_width : 8, last = last_visible(v);
  char buf[CELL_MAX];
  print_title(out, v);
  if (v->n == 0) {
    fputs("(no rows)\n\n", out);
    return 0;
  }
  for (size_t c = 0; c < v->ncols && c < 32; c++) {
    w[c] = utf8_width(v->cols[c].title);
    for (size_t r = 0; r < v->n; r++) {
      table_cell(v, r, c, nw, buf);
      size_t cw = utf8_width(buf);
      if (cw > w[c]) w[c] = cw;
    }
  }
  print_rule(out, w, v);
  for (size_t c = 0; c < v->ncols; c++)
    if (!v->cols[c].data_only) print_padded(out, v->cols[c].title, w[c], v->cols[c].kind == WPIO_CELL_TEXT, c == last);
  fputc('\n', out);
  print_rule(out, w, v);
  for (size_t r = 0; r < v->n; r++) {
    for (size_t c = 0; c < v->ncols; c++) {
      if (v->cols[c].data_only) continue;
      table_cell(v, r, c, nw, buf);
      print_padded(out, buf, w[c], v->cols[c].kind == WPIO_CELL_TEXT, c == last);
    }
    fputc('\n', out);
  }
  print_rule(out, w, v);
  print_footer(out, v);
  fputc('\n', out);
  return 0;
}

/* ---- CSV ---- */

static void csv_field(FILE *out, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"') fputc('"', out);
    fputc(*s, out);
  }
  fputc('"', out);
}

/* CSV: a `table` and `scope` column first, so the three tables can share one stream. */
static int print_csv(FILE *out, const struct wpio_view *v) {
  char buf[CELL_MAX], scope[32];
  if (v->summary) snprintf(scope, sizeof scope, "summary");
  else snprintf(scope, sizeof scope, "rank %d", v->rank);
  fputs("table,scope", out);
  for (size_t c = 0; c < v->ncols; c++) fprintf(out, ",%s", v->cols[c].key);
  fputc('\n', out);
  for (size_t r = 0; r < v->n; r++) {
    fprintf(out, "%s,%s", wpio_table_name(v->table), scope);
    for (size_t c = 0; c < v->ncols; c++) {
      struct wpio_cell cell;
      wpio_view_cell(v, r, c, &cell);
      fputc(',', out);
      if (cell.kind == WPIO_CELL_TEXT) {
        csv_field(out, cell.s);
      } else {
        cell_text(&cell, 1, buf, sizeof buf);
        fputs(buf, out);
      }
    }
    fputc('\n', out);
  }
  return 0;
}

int wpio_format_view(FILE *out, const struct wpio_view *v, const struct wpio_format_opts *o) {
  int rc = o->format == WPIO_OUT_CSV ? print_csv(out, v) : print_table(out, v, o);
  return (rc < 0 || ferror(out)) ? -1 : 0;
}

/* ---- header and warnings ---- */

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* "0-2,5" from a sorted rank list, into buf. */
static void rank_list(const int32_t *r, size_t n, char *buf, size_t len) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && o < len; ) {
    size_t j = i;
    while (j + 1 < n && r[j + 1] == r[j] + 1) j++;
    int k = j > i ? snprintf(buf + o, len - o, "%s%d-%d", o ? "," : "", (int)r[i], (int)r[j])
                  : snprintf(buf + o, len - o, "%s%d", o ? "," : "", (int)r[i]);
    if (k < 0) break;
    o += (size_t)k;
    i = j + 1;
  }
  if (o >= len && len > 4) strcpy(buf + len - 4, "...");
}

static char *line_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!s) return NULL;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

/* Ranks with a given status, sorted, as text; 0 when none. */
static size_t status_ranks(const struct wpio_job *job, const char *status, char *buf, size_t len) {
  int32_t *r = malloc((job->ranks.n ? job->ranks.n : 1) * sizeof(*r));
  size_t n = 0;
  if (!r) return 0;
  for (size_t i = 0; i < job->ranks.n; i++)
    if (job->ranks.v[i].status && strcmp(job->ranks.v[i].status, status) == 0)
      r[n++] = job->ranks.v[i].rank;
  qsort(r, n, sizeof(*r), cmp_i32);
  rank_list(r, n, buf, len);
  free(r);
  return n;
}

static char *dropped_warning(const struct wpio_job *job) {
  uint64_t total = 0;
  size_t n = 0, o = 0;
  char list[512] = "";
  for (size_t i = 0; i < job->ranks.n; i++) {
    const struct wpio_rank_row *r = &job->ranks.v[i];
    if (!r->dropped_records) continue;
    total += r->dropped_records;
    n++;
    if (o < sizeof list - 1) {
      int k = snprintf(list + o, sizeof list - o, "%srank %d: %" PRIu64, o ? ", " : "",
                       (int)r->rank, r->dropped_records);
      if (k > 0) o += (size_t)k;
    }
  }
  if (!n) return NULL;
  return line_printf("!!! WARNING: %" PRIu64 " GPU activity records were DROPPED on %zu rank(s) "
                     "(%s%s): GPU times of those ranks are INCOMPLETE !!!",
                     total, n, list, o >= sizeof list - 1 ? "..." : "");
}

size_t wpio_report_warnings(const struct wpio_job *job, char **lines, size_t max) {
  char buf[512];
  size_t k = 0, n;
  if (k < max && (n = status_ranks(job, WPIO_STATUS_MISSING, buf, sizeof buf)))
    if ((lines[k] = line_printf("WARNING: %zu rank(s) missing (no data arrived): %s", n, buf))) k++;
  if (k < max && (n = status_ranks(job, WPIO_STATUS_CORRUPT, buf, sizeof buf)))
    if ((lines[k] = line_printf("WARNING: %zu rank(s) corrupt (their data did not decode): %s", n,
                                buf))) k++;
  if (k < max && (lines[k] = dropped_warning(job))) k++;
  const struct wpio_attr *sync = wpio_job_attr(job, "sync");
  if (k < max && sync && sync->value && strncmp(sync->value, "ok", 2) != 0)
    if ((lines[k] = line_printf("WARNING: ranks were not synchronized: %s", sync->value))) k++;
  return k;
}

static const char *attr_text(const struct wpio_job *job, const char *key, char *buf, size_t len) {
  const struct wpio_attr *a = wpio_job_attr(job, key);
  if (!a) return "?";
  if (a->is_int) {
    snprintf(buf, len, "%" PRId64, a->ival);
    return buf;
  }
  return a->value ? a->value : "?";
}

/* Windows of one rank as "2 windows (steps 3, 4)". */
static void rank_windows(const struct wpio_job *job, int32_t rank, char *buf, size_t len) {
  size_t n = 0, o = 0;
  for (size_t i = 0; i < job->windows.n; i++)
    if (job->windows.v[i].rank == rank) n++;
  int k = snprintf(buf, len, "%zu window%s", n, n == 1 ? "" : "s");
  if (k < 0 || (size_t)k >= len) return;
  o = (size_t)k;
  for (size_t i = 0, j = 0; i < job->windows.n && o + 16 < len; i++) {
    if (job->windows.v[i].rank != rank) continue;
    k = snprintf(buf + o, len - o, "%s%" PRId64, j++ ? ", " : " (steps ", job->windows.v[i].steps);
    if (k > 0) o += (size_t)k;
  }
  if (n && o + 2 < len) strcpy(buf + o, ")");
}

/* Ranks grouped by identical window signatures: "ranks 0-2,4: 2 windows (steps 3, 3)". */
static int print_windows(FILE *out, const struct wpio_job *job, const char *prefix) {
  size_t n = job->ranks.n;
  char (*sig)[128] = calloc(n ? n : 1, sizeof(*sig));
  int32_t *grp = malloc((n ? n : 1) * sizeof(*grp));
  char *done = calloc(n ? n : 1, 1);
  if (!sig || !grp || !done) {
    free(sig); free(grp); free(done);
    return -1;
  }
  for (size_t i = 0; i < n; i++) rank_windows(job, job->ranks.v[i].rank, sig[i], sizeof sig[i]);
  for (size_t i = 0; i < n; i++) {
    if (done[i]) continue;
    size_t g = 0;
    for (size_t j = i; j < n; j++)
      if (!done[j] && strcmp(sig[i], sig[j]) == 0) { grp[g++] = job->ranks.v[j].rank; done[j] = 1; }
    char list[256];
    rank_list(grp, g, list, sizeof list);
    fprintf(out, "%sWindows: rank%s %s: %s\n", prefix, g == 1 ? "" : "s", list, sig[i]);
  }
  free(sig); free(grp); free(done);
  return 0;
}

int wpio_format_header(FILE *out, const struct wpio_job *job, const char *source,
                       const char *prefix) {
  char b1[64], b2[64], b3[64];
  const char *p = prefix ? prefix : "";
  fprintf(out, "%swprof report%s%s (schema %s, wprof %s, created %s)\n", p, source ? ": " : "",
          source ? source : "", attr_text(job, "schema_version", b1, sizeof b1),
          attr_text(job, "wprof_version", b2, sizeof b2), attr_text(job, "created", b3, sizeof b3));
  fprintf(out, "%sWorld size: %s   Backend: %s", p, attr_text(job, "world_size", b1, sizeof b1),
          attr_text(job, "backend", b2, sizeof b2));
  if (wpio_job_attr(job, "backend_requested"))
    fprintf(out, " (requested %s)", attr_text(job, "backend_requested", b3, sizeof b3));
  fprintf(out, "   Sync: %s\n", attr_text(job, "sync", b1, sizeof b1));
  if (print_windows(out, job, p) < 0) return -1;
  char *lines[8];
  size_t n = wpio_report_warnings(job, lines, 8);
  for (size_t i = 0; i < n; i++) {
    fprintf(out, "%s%s\n", p, lines[i]);
    free(lines[i]);
  }
  return ferror(out) ? -1 : 0;
}

int wpio_format_report(FILE *out, const struct wpio_job *job, const char *source,
                       const struct wpio_format_opts *o, char *err, size_t errlen) {
  int csv = o->format == WPIO_OUT_CSV;
  if (wpio_format_header(out, job, source, csv ? "# " : "") < 0)
    return set_err(err, errlen, "cannot write the output");
  if (!csv) fputc('\n', out);
  for (int t = 0; t < WPIO_TABLE_COUNT; t++) {
    struct wpio_view v;
    if (wpio_view_build(job, (enum wpio_table)t, o, &v, err, errlen) < 0) return -1;
    int rc = wpio_format_view(out, &v, o);
    wpio_view_free(&v);
    if (rc < 0) return set_err(err, errlen, "cannot write the output");
  }
  return 0;
}
