/* The per-rank row tables of a report (windows, kernels, ranges, lite scopes and their histograms, MPI
 * calls, timeline, memory, stacks, the analysis tables): each checked (name ids, kinds) and put
 * through the sink, whole or part by part; and which ranks have rows in each, for the rank_spans
 * attribute. */
#include <stdlib.h>
#include <string.h>

#include "h5_write_rows.h"
#include "wpio_hist.h"
#include "wpio_job.h"

int h5w_check_name_id(const struct wpio_job *job, uint32_t id, const char *table, struct h5s_err *c) {
  if (id < job->names.n) return 0;
  return h5s_fail(c, "%s has name_id %u but /names has %zu entries", table, id, job->names.n);
}

static int write_kernels(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->kernels.n; i++) {
    const struct wpio_kernel_row *r = &job->kernels.v[i];
    if (h5w_check_name_id(job, r->name_id, "/kernels", c) < 0) return -1;
    if (r->kind < 0 || r->kind >= WPIO_KIND_COUNT)
      return h5s_fail(c, "/kernels has an unknown kind %d", (int)r->kind);
  }
  struct h5w_rows rows = H5W_VEC_ROWS(job->kernels);
  return s->put(s, H5S_KERNELS, &rows);
}

static int write_ranges(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->ranges.n; i++)
    if (h5w_check_name_id(job, job->ranges.v[i].name_id, "/ranges", c) < 0) return -1;
  struct h5w_rows rows = H5W_VEC_ROWS(job->ranges);
  return s->put(s, H5S_RANGES, &rows);
}

static int write_lite(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->lite.n; i++)
    if (h5w_check_name_id(job, job->lite.v[i].name_id, "/lite", c) < 0) return -1;
  struct h5w_rows rows = H5W_VEC_ROWS(job->lite);
  return s->put(s, H5S_LITE, &rows);
}

/* /lite_hist carries each bucket's bounds so readers need not know the bucket scheme: its rows are
 * made a few at a time as they are written (the buckets were checked before), each bucket's bounds
 * computed once, at its first row (computing them for every row was a tenth of the write). */
struct hist_src {
  const struct wpio_hist_row *rows;
  struct bucket_bounds { uint64_t lower, upper; } *bounds; /* upper 0: not computed yet (it is >= 1) */
};

static void fill_hist(const void *ctx, size_t first, size_t k, void *out) {
  const struct hist_src *x = ctx;
  const struct wpio_hist_row *h = x->rows + first;
  struct h5s_hist_mem *rows = out;
  for (size_t i = 0; i < k; i++) {
    struct bucket_bounds *b = &x->bounds[h[i].bucket];
    if (b->upper == 0) *b = (struct bucket_bounds){wpio_hist_lower(h[i].bucket), wpio_hist_upper(h[i].bucket)};
    rows[i] = (struct h5s_hist_mem){h[i].rank, h[i].name_id, h[i].bucket, b->lower, b->upper, h[i].count};
  }
}

static int write_hist(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->lite_hist.n; i++) {
    const struct wpio_hist_row *h = &job->lite_hist.v[i];
    if (h5w_check_name_id(job, h->name_id, "/lite_hist", c) < 0) return -1;
    if (h->bucket >= WPIO_HIST_BUCKETS)
      return h5s_fail(c, "/lite_hist has bucket %u beyond the histogram", h->bucket);
  }
  struct hist_src x = {job->lite_hist.v, job->lite_hist.n ? calloc(WPIO_HIST_BUCKETS, sizeof *x.bounds) : NULL};
  if (job->lite_hist.n && !x.bounds) return h5s_fail(c, "out of memory");
  struct h5w_rows rows = {{NULL, fill_hist, &x}, job->lite_hist.n, job->lite_hist.v, sizeof *job->lite_hist.v};
  int rc = s->put(s, H5S_LITE_HIST, &rows);
  free(x.bounds);
  return rc;
}

/* ---- GPU memory and call stacks (issue 10) ---- */

static int write_memory(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->memory.n; i++) {
    const struct wpio_memory_row *r = &job->memory.v[i];
    if (h5w_check_name_id(job, r->name_id, "/memory", c) < 0) return -1;
    if (r->kind < 0 || r->kind >= WPIO_MEM_KIND_COUNT)
      return h5s_fail(c, "/memory has an unknown kind %d", (int)r->kind);
  }
  struct h5w_rows rows = H5W_VEC_ROWS(job->memory);
  return s->put(s, H5S_MEMORY, &rows);
}

static int write_stacks(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->stacks.n; i++)
    if (h5w_check_name_id(job, job->stacks.v[i].stack_id, "/stacks", c) < 0 ||
        h5w_check_name_id(job, job->stacks.v[i].name_id, "/stacks", c) < 0)
      return -1;
  struct h5w_rows rows = H5W_VEC_ROWS(job->stacks);
  return s->put(s, H5S_STACKS, &rows);
}

/* issue 9: /breakdown, /launch_latency, /cupti_overhead */
static int write_analysis_tables(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5s_err *c = s->c;
  for (size_t i = 0; i < job->launch_latency.n; i++)
    if (h5w_check_name_id(job, job->launch_latency.v[i].name_id, "/launch_latency", c) < 0) return -1;
  for (size_t i = 0; i < job->cupti_overhead.n; i++)
    if (h5w_check_name_id(job, job->cupti_overhead.v[i].name_id, "/cupti_overhead", c) < 0) return -1;
  struct h5w_rows breakdown = H5W_VEC_ROWS(job->breakdown), latency = H5W_VEC_ROWS(job->launch_latency),
                  overhead = H5W_VEC_ROWS(job->cupti_overhead);
  if (s->put(s, H5S_BREAKDOWN, &breakdown) < 0 || s->put(s, H5S_LAUNCH_LATENCY, &latency) < 0) return -1;
  return s->put(s, H5S_CUPTI_OVERHEAD, &overhead);
}



/* Every table with one row per rank and something, through the sink. */
int h5w_row_tables(struct h5w_sink *s, const struct wpio_job *job) {
  struct h5w_rows windows = H5W_VEC_ROWS(job->windows), mpi = H5W_VEC_ROWS(job->mpi),
                  timeline = H5W_VEC_ROWS(job->timeline);
  if (s->put(s, H5S_WINDOWS, &windows) < 0 || write_kernels(s, job) < 0 || write_ranges(s, job) < 0 ||
      write_lite(s, job) < 0 || write_hist(s, job) < 0 || s->put(s, H5S_MPI, &mpi) < 0 ||
      s->put(s, H5S_TIMELINE, &timeline) < 0)
    return -1;
  if (write_memory(s, job) < 0 || write_stacks(s, job) < 0) return -1;
  return write_analysis_tables(s, job);
}

/* Per-table rank presence: attribute WPIO_H5_RANK_SPANS_ATTR on each per-rank table, the sorted spans
 * [lo, hi] of the ranks that have rows, so `wprof doctor` need not read millions of rank cells. A
 * table with more than H5S_RANK_SPANS_MAX spans (or none) gets no attribute: readers count rows. */
#define H5S_RANK_SPANS_MAX 4096

void h5w_spans_attr(struct h5f_dset *d, const struct h5w_ranks_seen *s) {
  if (!s->seen) return;
  int32_t *spans = malloc(2 * H5S_RANK_SPANS_MAX * sizeof *spans);
  if (!spans) return; /* no attribute: the reader counts */
  size_t k = 0;
  for (int32_t r = 0; r <= s->max; r++) {
    if (!s->seen[r] || (r > 0 && s->seen[r - 1])) continue;
    if (k == H5S_RANK_SPANS_MAX) {
      free(spans);
      return;
    }
    int32_t hi = r;
    while (hi < s->max && s->seen[hi + 1]) hi++;
    spans[2 * k] = r;
    spans[2 * k + 1] = hi;
    k++;
  }
  if (k == 0) {
    free(spans);
    return;
  }
  free(d->spans);
  d->spans = spans;
  d->nspans = 2 * k;
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

int h5w_has_spans(enum h5s_table_id id) {
  for (int i = 0; i < H5S_SPANS_TABLES; i++)
    if (h5s_spans_tables[i] == id) return 1;
  return 0;
}
