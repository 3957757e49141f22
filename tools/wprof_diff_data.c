/* `wprof diff` data: each report's rows of one table folded into per-name, per-rank times, the names
 * of A and B matched (kernels by name and kind), and each name's change computed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_diff.h"

/* One raw row reduced to what the diff needs. */
struct sample { uint32_t name_id; int32_t kind, rank; uint64_t ns, calls; };

/* One name of one report: its per-rank times are vals[first .. first + n). */
struct entry { const char *name; int32_t kind; size_t first, n; uint64_t calls, p50, p99; };

struct side { struct entry *e; size_t n; double *vals; size_t nvals; };

void wprof_diff_compare(const struct wprof_diff_side *a, const struct wprof_diff_side *b,
                        enum wprof_diff_metric metric, struct wprof_diff_change *out) {
  double sum_a = 0, sum_b = 0;
  for (size_t i = 0; i < a->n; i++) sum_a += a->rank_ns[i];
  for (size_t i = 0; i < b->n; i++) sum_b += b->rank_ns[i];
  int mean = metric == WPROF_DIFF_RANK_MEAN;
  out->a_ns = a->n ? (mean ? sum_a / (double)a->n : sum_a) : 0.0;
  out->b_ns = b->n ? (mean ? sum_b / (double)b->n : sum_b) : 0.0;
  out->status = a->n && b->n ? WPROF_DIFF_BOTH : b->n ? WPROF_DIFF_NEW : WPROF_DIFF_VANISHED;
  out->change_ns = out->b_ns - out->a_ns;
  out->change_pct = out->status == WPROF_DIFF_BOTH && out->a_ns > 0 ? 100.0 * out->change_ns / out->a_ns : NAN;
}

static size_t table_rows(const struct wpio_job *job, enum wpio_table t) {
  switch (t) {
  case WPIO_TABLE_KERNELS: return job->kernels.n;
  case WPIO_TABLE_RANGES: return job->ranges.n;
  case WPIO_TABLE_LITE: return job->lite.n;
  case WPIO_TABLE_MPI: return job->mpi.n;
  }
  return 0;
}

static struct sample sample_of(const struct wpio_job *job, enum wpio_table t, size_t i) {
  switch (t) {
  case WPIO_TABLE_KERNELS: {
    const struct wpio_kernel_row *r = &job->kernels.v[i];
    return (struct sample){ r->name_id, r->kind, r->rank, r->total_ns, r->calls };
  }
  case WPIO_TABLE_RANGES: {
    const struct wpio_range_row *r = &job->ranges.v[i];
    return (struct sample){ r->name_id, -1, r->rank, r->cpu_total_ns, r->calls };
  }
  case WPIO_TABLE_LITE: {
    const struct wpio_lite_row *r = &job->lite.v[i];
    return (struct sample){ r->name_id, -1, r->rank, r->total_ns, r->calls };
  }
  case WPIO_TABLE_MPI: break;
  }
  const struct wpio_mpi_row *r = &job->mpi.v[i];
  return (struct sample){ r->name_id, -1, r->rank, r->total_ns, r->calls };
}

static int cmp_sample(const void *pa, const void *pb) {
  const struct sample *a = pa, *b = pb;
  if (a->name_id != b->name_id) return a->name_id < b->name_id ? -1 : 1;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  return a->rank < b->rank ? -1 : a->rank > b->rank;
}

static int cmp_entry(const void *pa, const void *pb) {
  const struct entry *a = pa, *b = pb;
  int c = strcmp(a->name, b->name);
  if (c) return c;
  return a->kind < b->kind ? -1 : a->kind > b->kind;
}

/* Lite percentiles come from the summary (merged histograms), not from the per-rank rows. */
static void lite_percentiles(const struct wpio_job *job, struct entry *e, uint32_t name_id) {
  for (size_t i = 0; i < job->sum_lite.n; i++)
    if (job->sum_lite.v[i].name_id == name_id) {
      e->p50 = job->sum_lite.v[i].p50_ns;
      e->p99 = job->sum_lite.v[i].p99_ns;
      return;
    }
}

/* Folds the sorted samples into entries with one value per rank. */
static int fold(const struct wpio_job *job, enum wpio_table t, const struct sample *s, size_t n,
                struct side *out) {
  out->e = malloc((n ? n : 1) * sizeof(*out->e));
  out->vals = malloc((n ? n : 1) * sizeof(*out->vals));
  if (!out->e || !out->vals) return -1;
  for (size_t i = 0; i < n; i++) {
    int same_name = i > 0 && s[i].name_id == s[i - 1].name_id && s[i].kind == s[i - 1].kind;
    if (!same_name) {
      struct entry *e = &out->e[out->n++];
      *e = (struct entry){ .name = s[i].name_id < job->names.n ? job->names.s[s[i].name_id] : "?",
                           .kind = s[i].kind, .first = out->nvals };
      if (t == WPIO_TABLE_LITE) lite_percentiles(job, e, s[i].name_id);
    }
    struct entry *e = &out->e[out->n - 1];
    if (!same_name || s[i].rank != s[i - 1].rank) {
      out->vals[out->nvals++] = 0;
      e->n++;
    }
    out->vals[out->nvals - 1] += (double)s[i].ns;
    e->calls += s[i].calls;
  }
  qsort(out->e, out->n, sizeof(*out->e), cmp_entry);
  return 0;
}

static int side_build(const struct wpio_job *job, enum wpio_table t, struct side *out) {
  memset(out, 0, sizeof(*out));
  size_t n = table_rows(job, t);
  struct sample *s = malloc((n ? n : 1) * sizeof(*s));
  if (!s) return -1;
  for (size_t i = 0; i < n; i++) s[i] = sample_of(job, t, i);
  qsort(s, n, sizeof(*s), cmp_sample);
  int rc = fold(job, t, s, n, out);
  free(s);
  return rc;
}

static void side_free(struct side *s) {
  free(s->e);
  free(s->vals);
}

static struct wprof_diff_side side_view(const struct entry *e, const double *vals) {
  if (!e) return (struct wprof_diff_side){ .rank_ns = vals, .n = 0 };
  return (struct wprof_diff_side){ vals + e->first, e->n, e->calls, e->p50, e->p99 };
}

static int cmp_row(const void *pa, const void *pb) {
  const struct wprof_diff_row *a = pa, *b = pb;
  double ca = fabs(a->ch.change_ns), cb = fabs(b->ch.change_ns);
  if (ca != cb) return ca > cb ? -1 : 1;
  int c = strcmp(a->name, b->name);
  return c ? c : (a->kind < b->kind ? -1 : a->kind > b->kind);
}

/* Merge-joins the two sorted name lists into rows. */
static void join(const struct side *a, const struct side *b, const double *vals_a, const double *vals_b,
                 enum wprof_diff_metric metric, struct wprof_diff_table *out) {
  size_t i = 0, j = 0;
  while (i < a->n || j < b->n) {
    int c = i == a->n ? 1 : j == b->n ? -1 : cmp_entry(&a->e[i], &b->e[j]);
    const struct entry *ea = c <= 0 ? &a->e[i++] : NULL, *eb = c >= 0 ? &b->e[j++] : NULL;
    struct wprof_diff_row *r = &out->rows[out->n++];
    r->name = ea ? ea->name : eb->name;
    r->kind = ea ? ea->kind : eb->kind;
    r->a = side_view(ea, vals_a);
    r->b = side_view(eb, vals_b);
    wprof_diff_compare(&r->a, &r->b, metric, &r->ch);
  }
  qsort(out->rows, out->n, sizeof(*out->rows), cmp_row);
}

int wprof_diff_build(const struct wpio_job *a, const struct wpio_job *b, enum wpio_table table,
                     enum wprof_diff_metric metric, struct wprof_diff_table *out) {
  memset(out, 0, sizeof(*out));
  out->table = table;
  struct side sa = { 0 }, sb = { 0 };
  int rc = -1;
  if (side_build(a, table, &sa) == 0 && side_build(b, table, &sb) == 0) {
    out->rows = calloc(sa.n + sb.n + 1, sizeof(*out->rows));
    out->samples = malloc((sa.nvals + sb.nvals + 1) * sizeof(*out->samples));
    if (out->rows && out->samples) {
      memcpy(out->samples, sa.vals, sa.nvals * sizeof(*sa.vals));
      memcpy(out->samples + sa.nvals, sb.vals, sb.nvals * sizeof(*sb.vals));
      join(&sa, &sb, out->samples, out->samples + sa.nvals, metric, out);
      rc = 0;
    }
  }
  side_free(&sa);
  side_free(&sb);
  if (rc < 0) wprof_diff_table_free(out);
  return rc;
}

void wprof_diff_table_free(struct wprof_diff_table *t) {
  free(t->rows);
  free(t->samples);
  t->rows = NULL;
  t->samples = NULL;
  t->n = 0;
}
