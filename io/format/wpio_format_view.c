/* Views of a wpio_job for the formatter: one row per name (and kernel kind) of a table, merged over
 * one rank's windows or taken from the cross-rank summaries, with derived columns filled in. */
#include <stdlib.h>
#include <string.h>

#include "wpio_format_internal.h"

/* ---- columns ---- */

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

#define MPI_COLS \
  { "Name", "name", F_NAME, WPIO_CELL_TEXT, 0 }, \
  { "Calls", "calls", F_CALLS, WPIO_CELL_COUNT, 0 }, \
  { "Total", "total_ns", F_TOTAL, WPIO_CELL_TIME, 0 }, \
  { "Avg", "avg_ns", F_AVG, WPIO_CELL_TIME, 0 }, \
  { "Min", "min_ns", F_MIN, WPIO_CELL_TIME, 0 }, \
  { "Max", "max_ns", F_MAX, WPIO_CELL_TIME, 0 }, \
  { "Bytes", "bytes", F_BYTES, WPIO_CELL_BYTES, 0 }

static const struct wpio_column range_cols[] = { RANGE_COLS };
static const struct wpio_column range_sum_cols[] = { RANGE_COLS, SUMMARY_COLS };
static const struct wpio_column kernel_cols[] = { KERNEL_COLS };
static const struct wpio_column kernel_sum_cols[] = { KERNEL_COLS, SUMMARY_COLS };
static const struct wpio_column lite_cols[] = { LITE_COLS };
static const struct wpio_column lite_sum_cols[] = { LITE_COLS, SUMMARY_COLS };
static const struct wpio_column mpi_cols[] = { MPI_COLS };
static const struct wpio_column mpi_sum_cols[] = { MPI_COLS, SUMMARY_COLS };

static void set_columns(struct wpio_view *v) {
  static const struct { const struct wpio_column *c[2]; size_t n[2]; } sets[WPIO_TABLE_COUNT] = {
    [WPIO_TABLE_RANGES] = { { range_cols, range_sum_cols },
                            { WPIO_NCOLS(range_cols), WPIO_NCOLS(range_sum_cols) } },
    [WPIO_TABLE_KERNELS] = { { kernel_cols, kernel_sum_cols },
                             { WPIO_NCOLS(kernel_cols), WPIO_NCOLS(kernel_sum_cols) } },
    [WPIO_TABLE_LITE] = { { lite_cols, lite_sum_cols },
                          { WPIO_NCOLS(lite_cols), WPIO_NCOLS(lite_sum_cols) } },
    [WPIO_TABLE_MPI] = { { mpi_cols, mpi_sum_cols }, { WPIO_NCOLS(mpi_cols), WPIO_NCOLS(mpi_sum_cols) } },
  };
  v->cols = sets[v->table].c[v->summary ? 1 : 0];
  v->ncols = sets[v->table].n[v->summary ? 1 : 0];
}

/* ---- building views ---- */

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
  } else if (v->table == WPIO_TABLE_MPI) {
    /* window -1 holds the calls outside any window: all windows merged means the whole run */
    for (size_t i = 0; i < job->mpi.n; i++) {
      const struct wpio_mpi_row *s = &job->mpi.v[i];
      if (!want(o, s->rank, s->window)) continue;
      if (!(r = row_for(v, &cap, ix, job, s->name_id, -1))) return -1;
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
  } else if (v->table == WPIO_TABLE_MPI) {
    for (size_t i = 0; i < job->mpi.n; i++) {
      const struct wpio_mpi_row *s = &job->mpi.v[i];
      uint32_t *slot = index_at(ix, s->name_id, -1);
      if (slot && *slot) merge_min_max(&v->rows[*slot - 1], s->min_ns, s->max_ns);
    }
  }
}

static int build_summary(const struct wpio_job *job, struct wpio_view *v, struct row_index *ix) {
  const struct wpio_summary_row *src = v->table == WPIO_TABLE_RANGES ? job->sum_ranges.v
                                     : v->table == WPIO_TABLE_KERNELS ? job->sum_kernels.v
                                     : v->table == WPIO_TABLE_MPI ? job->sum_mpi.v
                                                                  : job->sum_lite.v;
  size_t n = v->table == WPIO_TABLE_RANGES ? job->sum_ranges.n
           : v->table == WPIO_TABLE_KERNELS ? job->sum_kernels.n
           : v->table == WPIO_TABLE_MPI ? job->sum_mpi.n
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


/* A copy of the job restricted to one window, summarized, for the cross-rank view of a window. */
static struct wpio_job *window_job(const struct wpio_job *job, int window) {
  struct wpio_job *w = malloc(sizeof(*w));
  if (!w) return NULL;
  wpio_job_init(w);
  if (wpio_job_append(w, job) < 0) goto bad;
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
  k = 0;
  for (size_t i = 0; i < w->mpi.n; i++)
    if (w->mpi.v[i].window == window) w->mpi.v[k++] = w->mpi.v[i];
  w->mpi.n = k;
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
  if ((unsigned)table >= WPIO_TABLE_COUNT) return wpio_format_fail(err, errlen, "unknown table");
  v->table = table;
  v->summary = o->rank < 0;
  v->rank = o->rank;
  v->window = table == WPIO_TABLE_LITE ? -1 : o->window;
  set_columns(v);
  if (v->summary && v->window >= 0) {
    if (!(v->owned = window_job(job, v->window)))
      return wpio_format_fail(err, errlen, "out of memory");
    job = v->owned;
  }
  struct row_index ix;
  if (index_init(&ix, job->names.n) < 0) return wpio_format_fail(err, errlen, "out of memory");
  int rc = v->summary ? build_summary(job, v, &ix) : build_rank(job, o, v, &ix);
  free(ix.slot);
  if (rc < 0) {
    wpio_view_free(v);
    return wpio_format_fail(err, errlen, "out of memory");
  }
  finish_rows(v);
  if (o->display_name)
    for (size_t i = 0; i < v->n; i++) {
      const char *shown = v->rows[i].name ? o->display_name(v->rows[i].name, o->display_ctx) : NULL;
      if (shown) v->rows[i].name = shown;
    }
  wpio_view_sort(v, o->sort);
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
  switch ((enum wpio_field)k->field) {
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

