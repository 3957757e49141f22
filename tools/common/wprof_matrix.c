/* The rank x name matrix behind the heatmap, the imbalance bars and `wprof compare`: one table's
 * time summed over windows per (rank, name), its top names by total over ranks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_cli.h"
#include "wprof_matrix.h"

int wprof_table_parse(const char *s) {
  if (strcmp(s, "auto") == 0) return WPROF_TABLE_AUTO;
  for (int t = 0; t < WPIO_TABLE_COUNT; t++)
    if (strcmp(s, wpio_table_name((enum wpio_table)t)) == 0) return t;
  return -2;
}

static int ranges_have_cuda(const struct wpio_job *job) {
  for (size_t i = 0; i < job->ranges.n; i++)
    if (job->ranges.v[i].cuda_self_ns > 0) return 1;
  return 0;
}

static size_t table_rows(const struct wpio_job *job, int t) {
  return t == WPIO_TABLE_KERNELS ? job->kernels.n
         : t == WPIO_TABLE_RANGES ? job->ranges.n
         : t == WPIO_TABLE_LITE   ? job->lite.n
                                  : job->mpi.n;
}

/* GPU time first; without GPU data, ranges CPU time, then lite scopes, then MPI. */
static int pick_table(const struct wpio_job *job, int *fallback) {
  *fallback = 0;
  if (job->kernels.n) return WPIO_TABLE_KERNELS;
  if (ranges_have_cuda(job)) return WPIO_TABLE_RANGES;
  *fallback = 1;
  if (job->ranges.n) return WPIO_TABLE_RANGES;
  if (job->lite.n) return WPIO_TABLE_LITE;
  return WPIO_TABLE_MPI;
}

/* Row i of the table: its rank, name and the plotted time. */
static void row_at(const struct wpio_job *job, int t, int ranges_cuda, size_t i, int32_t *rank,
                   uint32_t *name, uint64_t *ns) {
  if (t == WPIO_TABLE_KERNELS) {
    const struct wpio_kernel_row *r = &job->kernels.v[i];
    *rank = r->rank, *name = r->name_id, *ns = r->total_ns;
  } else if (t == WPIO_TABLE_RANGES) {
    const struct wpio_range_row *r = &job->ranges.v[i];
    *rank = r->rank, *name = r->name_id, *ns = ranges_cuda ? r->cuda_self_ns : r->cpu_total_ns;
  } else if (t == WPIO_TABLE_LITE) {
    const struct wpio_lite_row *r = &job->lite.v[i];
    *rank = r->rank, *name = r->name_id, *ns = r->total_ns;
  } else {
    const struct wpio_mpi_row *r = &job->mpi.v[i];
    *rank = r->rank, *name = r->name_id, *ns = r->total_ns;
  }
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

static long rank_index(const struct wprof_matrix *m, int32_t rank) {
  const int32_t *p = bsearch(&rank, m->ranks, m->nranks, sizeof *p, cmp_i32);
  return p ? (long)(p - m->ranks) : -1;
}

/* The ranks of /ranks (plus any a table names without a /ranks row), ascending, with statuses. */
static int collect_ranks(const struct wpio_job *job, int t, struct wprof_matrix *m) {
  size_t cap = job->ranks.n + table_rows(job, t) + 1;
  m->ranks = malloc(cap * sizeof *m->ranks);
  if (!m->ranks) return -1;
  size_t n = 0;
  for (size_t i = 0; i < job->ranks.n; i++) m->ranks[n++] = job->ranks.v[i].rank;
  for (size_t i = 0; i < table_rows(job, t); i++) {
    uint32_t name;
    uint64_t ns;
    row_at(job, t, 0, i, &m->ranks[n], &name, &ns);
    n++;
  }
  qsort(m->ranks, n, sizeof *m->ranks, cmp_i32);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || m->ranks[u - 1] != m->ranks[i]) m->ranks[u++] = m->ranks[i];
  m->nranks = u;
  m->rank_status = calloc(u ? u : 1, sizeof *m->rank_status);
  if (!m->rank_status) return -1;
  for (size_t i = 0; i < job->ranks.n; i++) {
    const char *st = job->ranks.v[i].status;
    long k = rank_index(m, job->ranks.v[i].rank);
    if (k >= 0 && st && strcmp(st, WPIO_STATUS_OK) != 0) m->rank_status[k] = st;
  }
  return 0;
}

struct name_order { double total; const char *name; uint32_t id; };

static int order_cmp(const void *a, const void *b) {
  const struct name_order *x = a, *y = b;
  if (x->total != y->total) return x->total > y->total ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Totals per name id over all ranks, then the top ones, in m->raw / m->names. `col` maps a name id
 * to its column (or -1). */
static int pick_names(const struct wpio_job *job, int t, int cuda, size_t top, struct wprof_matrix *m,
                      long *col) {
  size_t nn = job->names.n;
  struct name_order *o = calloc(nn ? nn : 1, sizeof *o);
  if (!o) return -1;
  int *seen = calloc(nn ? nn : 1, sizeof *seen);
  if (!seen) {
    free(o);
    return -1;
  }
  for (size_t i = 0; i < nn; i++) o[i] = (struct name_order){ 0, job->names.s[i], (uint32_t)i };
  for (size_t i = 0; i < table_rows(job, t); i++) {
    int32_t rank;
    uint32_t name;
    uint64_t ns;
    row_at(job, t, cuda, i, &rank, &name, &ns);
    if (name < nn) o[name].total += (double)ns, seen[name] = 1;
  }
  /* a name with no time at all says nothing in a plot (e.g. a range with no GPU work under the
   * self CUDA metric); keep such names only when every name is so */
  int any_time = 0;
  for (size_t i = 0; i < nn; i++) any_time |= seen[i] && o[i].total > 0;
  size_t k = 0;
  for (size_t i = 0; i < nn; i++)
    if (seen[o[i].id] && (o[i].total > 0 || !any_time)) o[k++] = o[i];
  qsort(o, k, sizeof *o, order_cmp);
  m->nnames = top && top < k ? top : k;
  m->raw = calloc(m->nnames + 1, sizeof *m->raw);
  m->names = calloc(m->nnames + 1, sizeof *m->names);
  m->total = calloc(m->nnames + 1, sizeof *m->total);
  int rc = m->raw && m->names && m->total ? 0 : -1;
  for (size_t c = 0; rc == 0 && c < m->nnames; c++) {
    const char *shown = t == WPIO_TABLE_KERNELS ? wprof_display_name(o[c].name, NULL) : NULL;
    m->raw[c] = o[c].name;
    m->names[c] = shown ? shown : o[c].name;
    m->total[c] = o[c].total;
    col[o[c].id] = (long)c;
  }
  free(o);
  free(seen);
  return rc;
}

static int fill_cells(const struct wpio_job *job, int t, int cuda, struct wprof_matrix *m,
                      const long *col) {
  size_t cells = m->nranks * m->nnames;
  m->v = malloc((cells ? cells : 1) * sizeof *m->v);
  m->max = calloc(m->nnames + 1, sizeof *m->max);
  m->slowest = calloc(m->nnames + 1, sizeof *m->slowest);
  if (!m->v || !m->max || !m->slowest) return -1;
  for (size_t i = 0; i < cells; i++) m->v[i] = NAN;
  for (size_t i = 0; i < table_rows(job, t); i++) {
    int32_t rank;
    uint32_t name;
    uint64_t ns;
    row_at(job, t, cuda, i, &rank, &name, &ns);
    long c = name < job->names.n ? col[name] : -1, r = rank_index(m, rank);
    if (c < 0 || r < 0) continue;
    double *cell = &m->v[(size_t)r * m->nnames + (size_t)c];
    *cell = (isnan(*cell) ? 0 : *cell) + (double)ns;
  }
  for (size_t c = 0; c < m->nnames; c++) {
    m->slowest[c] = -1;
    for (size_t r = 0; r < m->nranks; r++) {
      double x = m->v[r * m->nnames + c];
      if (isnan(x) || (m->slowest[c] >= 0 && x <= m->max[c])) continue;
      m->max[c] = x, m->slowest[c] = m->ranks[r];
    }
    if (m->max[c] > m->vmax) m->vmax = m->max[c];
  }
  return 0;
}

static const char *metric_of(int t, int cuda) {
  if (t == WPIO_TABLE_KERNELS) return "GPU time";
  if (t == WPIO_TABLE_RANGES) return cuda ? "self CUDA time" : "CPU time";
  return "total time";
}

int wprof_matrix_build(const struct wpio_job *job, int table, int ranges_cuda, size_t top,
                       struct wprof_matrix *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  int fallback = 0;
  int t = table == WPROF_TABLE_AUTO ? pick_table(job, &fallback) : table;
  int cuda = t == WPIO_TABLE_RANGES && (ranges_cuda >= 0 ? ranges_cuda : ranges_have_cuda(job));
  m->table = t;
  m->ranges_cuda = cuda;
  m->fallback = fallback;
  m->metric = metric_of(t, cuda);
  if (table_rows(job, t) == 0) {
    snprintf(err, errlen, "the report has no %s rows to plot",
             table == WPROF_TABLE_AUTO ? "kernels, ranges, lite or mpi" : wpio_table_name(t));
    return -1;
  }
  long *col = malloc((job->names.n + 1) * sizeof *col);
  int rc = col ? 0 : -1;
  for (size_t i = 0; col && i < job->names.n; i++) col[i] = -1;
  if (rc == 0) rc = collect_ranks(job, t, m);
  if (rc == 0) rc = pick_names(job, t, cuda, top, m, col);
  if (rc == 0) rc = fill_cells(job, t, cuda, m, col);
  free(col);
  if (rc < 0) {
    snprintf(err, errlen, "out of memory");
    wprof_matrix_free(m);
  }
  return rc;
}

void wprof_matrix_free(struct wprof_matrix *m) {
  free(m->ranks);
  free(m->rank_status);
  free(m->names);
  free(m->raw);
  free(m->total);
  free(m->max);
  free(m->slowest);
  free(m->v);
  memset(m, 0, sizeof *m);
}

void wprof_matrix_label(const struct wprof_matrix *m, char *buf, size_t len) {
  snprintf(buf, len, "%s %s%s", wpio_table_name((enum wpio_table)m->table), m->metric,
           m->fallback ? " (no GPU data in the report: fallback)" : "");
}
