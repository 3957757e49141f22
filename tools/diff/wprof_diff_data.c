/* `wprof diff` data: each side's rows of one table (one report, or several pooled) folded into
 * per-name, per-rank times and the samples of the significance test, the names of A and B matched
 * (kernels by name and kind), and each name's change computed and tested. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_hist.h"
#include "wprof_diff_data.h"

/* One raw row reduced to what the diff needs, with its samples as a group (n, mean, m2). */
struct sample {
  const char *name;
  int32_t kind, rank;
  size_t report;
  uint64_t ns, calls;
  uint32_t name_id;  /* in its report's string table */
  struct wprof_moments group;
};

/* One name of one side: its per-rank times are vals[first .. first + n). */
struct entry {
  const char *name;
  int32_t kind;
  size_t first, n;
  uint64_t calls, p50, p99;
  struct wprof_moments all, rank;  /* every sample; the current rank's */
  double rank_var, rank_den;       /* sums over ranks of n_r s_r^2 and (n_r s_r^2)^2 / (n_r - 1) */
  size_t ranks, thin_ranks;        /* ranks seen; of them, with fewer than 2 samples */
  struct wprof_diff_noise noise;
};

struct side { struct entry *e; size_t n; double *vals; size_t nvals; size_t reports; };

/* The test compares the estimates of the shown values: the side's total scaled like the value (per
 * report, or per rank), with the variance of the total scaled alike. */
static struct wprof_welch_side welch_side(const struct wprof_diff_side *s, double value,
                                          enum wprof_diff_metric metric) {
  double k = metric == WPROF_DIFF_RANK_MEAN ? 1.0 / (double)s->n : 1.0 / (double)(s->reports ? s->reports : 1);
  return (struct wprof_welch_side){ value, s->noise.var_sum * k * k, s->noise.df };
}

static void test_change(const struct wprof_diff_side *a, const struct wprof_diff_side *b,
                        enum wprof_diff_metric metric, double alpha, struct wprof_diff_change *out) {
  out->p_value = out->t = out->df = NAN;
  out->sig = WPROF_DIFF_SIG_NA;
  if (out->status != WPROF_DIFF_BOTH) return;
  struct wprof_welch_side wa = welch_side(a, out->a_ns, metric), wb = welch_side(b, out->b_ns, metric);
  struct wprof_welch w = wprof_welch_test(&wa, &wb);
  if (w.verdict != WPROF_WELCH_TESTED) return;
  out->p_value = w.p;
  out->t = w.t;
  out->df = w.df;
  out->sig = w.p < alpha ? WPROF_DIFF_SIG_YES : WPROF_DIFF_SIG_NO;
}

void wprof_diff_compare(const struct wprof_diff_side *a, const struct wprof_diff_side *b,
                        enum wprof_diff_metric metric, double alpha, struct wprof_diff_change *out) {
  double sum_a = 0, sum_b = 0;
  for (size_t i = 0; i < a->n; i++) sum_a += a->rank_ns[i];
  for (size_t i = 0; i < b->n; i++) sum_b += b->rank_ns[i];
  int mean = metric == WPROF_DIFF_RANK_MEAN;
  double reports_a = (double)(a->reports ? a->reports : 1), reports_b = (double)(b->reports ? b->reports : 1);
  out->a_ns = a->n ? (mean ? sum_a / (double)a->n : sum_a / reports_a) : 0.0;
  out->b_ns = b->n ? (mean ? sum_b / (double)b->n : sum_b / reports_b) : 0.0;
  out->status = a->n && b->n ? WPROF_DIFF_BOTH : b->n ? WPROF_DIFF_NEW : WPROF_DIFF_VANISHED;
  out->change_ns = out->b_ns - out->a_ns;
  out->change_pct = out->status == WPROF_DIFF_BOTH && out->a_ns > 0 ? 100.0 * out->change_ns / out->a_ns : NAN;
  test_change(a, b, metric, alpha, out);
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

/* Calls with a known total, min and max: their variance is at most (max - mean)(mean - min)
 * (Bhatia-Davis), the bound used when the calls themselves are not kept. */
static struct wprof_moments bounded_group(uint64_t calls, uint64_t total, uint64_t min, uint64_t max) {
  if (!calls) return (struct wprof_moments){ 0 };
  double n = (double)calls, mean = (double)total / n;
  double var = ((double)max - mean) * (mean - (double)min);
  if (!(var > 0) || min > max) var = 0;
  return (struct wprof_moments){ n, mean, n * var };
}

static struct sample sample_of(const struct wpio_job *job, enum wpio_table t, size_t i) {
  struct sample s = { 0 };
  switch (t) {
  case WPIO_TABLE_KERNELS: {
    const struct wpio_kernel_row *r = &job->kernels.v[i];
    s = (struct sample){ .name_id = r->name_id, .kind = r->kind, .rank = r->rank, .ns = r->total_ns, .calls = r->calls,
                         .group = bounded_group(r->calls, r->total_ns, r->min_ns, r->max_ns) };
    break;
  }
  case WPIO_TABLE_RANGES: { /* one sample per row: the range's time in one window of one rank */
    const struct wpio_range_row *r = &job->ranges.v[i];
    s = (struct sample){ .name_id = r->name_id, .kind = -1, .rank = r->rank, .ns = r->cpu_total_ns, .calls = r->calls,
                         .group = { 1, (double)r->cpu_total_ns, 0 } };
    break;
  }
  case WPIO_TABLE_LITE: { /* the group is filled from the histogram later (lite_groups) */
    const struct wpio_lite_row *r = &job->lite.v[i];
    s = (struct sample){ .name_id = r->name_id, .kind = -1, .rank = r->rank, .ns = r->total_ns, .calls = r->calls,
                         .group = bounded_group(r->calls, r->total_ns, r->min_ns, r->max_ns) };
    break;
  }
  case WPIO_TABLE_MPI: {
    const struct wpio_mpi_row *r = &job->mpi.v[i];
    s = (struct sample){ .name_id = r->name_id, .kind = -1, .rank = r->rank, .ns = r->total_ns, .calls = r->calls,
                         .group = bounded_group(r->calls, r->total_ns, r->min_ns, r->max_ns) };
    break;
  }
  }
  s.name = s.name_id < job->names.n ? job->names.s[s.name_id] : "?";
  return s;
}

static int cmp_hist(const void *pa, const void *pb) {
  const struct wpio_hist_row *a = pa, *b = pb;
  if (a->name_id != b->name_id) return a->name_id < b->name_id ? -1 : 1;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  return a->bucket < b->bucket ? -1 : a->bucket > b->bucket;
}

/* First histogram row of (name_id, rank) in rows sorted by cmp_hist, or n. */
static size_t hist_first(const struct wpio_hist_row *h, size_t n, uint32_t name_id, int32_t rank) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (h[mid].name_id < name_id || (h[mid].name_id == name_id && h[mid].rank < rank)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The spread of one rank's calls of a lite scope: bucket midpoints (clamped to the row's min and
 * max) weighted by their counts; the mean stays the exact total / calls. Without histogram rows the
 * Bhatia-Davis bound of sample_of stays. */
static void lite_group(const struct wpio_lite_row *r, const struct wpio_hist_row *h, size_t nh, struct sample *s) {
  size_t k = hist_first(h, nh, r->name_id, r->rank), end = k;
  double n = 0, sum = 0;
  for (; end < nh && h[end].name_id == r->name_id && h[end].rank == r->rank; end++) {
    double mid = (double)wpio_hist_value(h[end].bucket);
    mid = fmin(fmax(mid, (double)r->min_ns), (double)r->max_ns);
    n += (double)h[end].count;
    sum += mid * (double)h[end].count;
  }
  if (!(n > 0)) return;
  double mmean = sum / n, m2 = 0;
  for (; k < end; k++) {
    double mid = fmin(fmax((double)wpio_hist_value(h[k].bucket), (double)r->min_ns), (double)r->max_ns);
    m2 += (double)h[k].count * (mid - mmean) * (mid - mmean);
  }
  s->group.m2 = m2 * (s->group.n / n); /* the histogram's calls may lag the row's by a few */
}

static int lite_groups(const struct wpio_job *job, struct sample *s) {
  size_t nh = job->lite_hist.n;
  struct wpio_hist_row *h = malloc((nh ? nh : 1) * sizeof(*h));
  if (!h) return -1;
  if (nh) memcpy(h, job->lite_hist.v, nh * sizeof(*h));
  qsort(h, nh, sizeof(*h), cmp_hist);
  for (size_t i = 0; i < job->lite.n; i++)
    if (s[i].group.n > 0) lite_group(&job->lite.v[i], h, nh, &s[i]);
  free(h);
  return 0;
}

static int cmp_sample(const void *pa, const void *pb) {
  const struct sample *a = pa, *b = pb;
  int c = strcmp(a->name, b->name);
  if (c) return c;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  return a->report < b->report ? -1 : a->report > b->report;
}

/* Closes the current rank's group of an entry. */
static void end_rank(struct entry *e) {
  double n = e->rank.n, c = wprof_moments_var(&e->rank) * n;
  e->ranks++;
  if (n < 2) e->thin_ranks++;
  else {
    e->rank_var += c;
    e->rank_den += c * c / (n - 1);
  }
  e->rank = (struct wprof_moments){ 0 };
}

/* The entry's noise once every sample is in (see struct wprof_diff_noise). */
static void end_entry(struct entry *e) {
  end_rank(e);
  struct wprof_diff_noise *z = &e->noise;
  if (e->thin_ranks == 0) { /* grouped by rank */
    z->var_sum = e->rank_var;
    z->df = e->rank_var > 0 ? e->rank_var * e->rank_var / e->rank_den : e->all.n - (double)e->ranks;
  } else {
    z->var_sum = wprof_moments_var(&e->all) * e->all.n;
    z->df = e->all.n - 1;
  }
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

/* Folds the sorted samples into entries with one value per report and rank and the samples grouped
 * by rank (entries stay in name order, as the samples are sorted by name). */
static int fold(struct wprof_diff_reports reps, enum wpio_table t, const struct sample *s, size_t n,
                struct side *out) {
  out->e = malloc((n ? n : 1) * sizeof(*out->e));
  out->vals = malloc((n ? n : 1) * sizeof(*out->vals));
  if (!out->e || !out->vals) return -1;
  for (size_t i = 0; i < n; i++) {
    int same_name = i > 0 && s[i].kind == s[i - 1].kind && strcmp(s[i].name, s[i - 1].name) == 0;
    if (!same_name) {
      if (out->n) end_entry(&out->e[out->n - 1]);
      struct entry *e = &out->e[out->n++];
      *e = (struct entry){ .name = s[i].name, .kind = s[i].kind, .first = out->nvals };
      if (t == WPIO_TABLE_LITE) lite_percentiles(&reps.jobs[s[i].report], e, s[i].name_id);
    }
    struct entry *e = &out->e[out->n - 1];
    if (same_name && s[i].rank != s[i - 1].rank) end_rank(e);
    if (!same_name || s[i].report != s[i - 1].report || s[i].rank != s[i - 1].rank) {
      out->vals[out->nvals++] = 0;
      e->n++;
    }
    out->vals[out->nvals - 1] += (double)s[i].ns;
    e->calls += s[i].calls;
    wprof_moments_add(&e->all, s[i].group.n, s[i].group.mean, s[i].group.m2);
    wprof_moments_add(&e->rank, s[i].group.n, s[i].group.mean, s[i].group.m2);
  }
  if (out->n) end_entry(&out->e[out->n - 1]);
  return 0;
}

static int side_build(struct wprof_diff_reports reps, enum wpio_table t, struct side *out) {
  memset(out, 0, sizeof(*out));
  out->reports = reps.n;
  size_t n = 0;
  for (size_t r = 0; r < reps.n; r++) n += table_rows(&reps.jobs[r], t);
  struct sample *s = malloc((n ? n : 1) * sizeof(*s));
  if (!s) return -1;
  int rc = 0;
  for (size_t r = 0, k = 0; r < reps.n && rc == 0; r++) {
    size_t rows = table_rows(&reps.jobs[r], t);
    for (size_t i = 0; i < rows; i++) {
      s[k + i] = sample_of(&reps.jobs[r], t, i);
      s[k + i].report = r;
    }
    if (t == WPIO_TABLE_LITE) rc = lite_groups(&reps.jobs[r], s + k);
    k += rows;
  }
  if (rc == 0) {
    qsort(s, n, sizeof(*s), cmp_sample);
    rc = fold(reps, t, s, n, out);
  }
  free(s);
  return rc;
}

static void side_free(struct side *s) {
  free(s->e);
  free(s->vals);
}

static struct wprof_diff_side side_view(const struct entry *e, const double *vals, size_t reports) {
  if (!e) return (struct wprof_diff_side){ .rank_ns = vals, .n = 0, .reports = reports };
  return (struct wprof_diff_side){ vals + e->first, e->n, e->calls, e->p50, e->p99, reports, e->noise };
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
                 enum wprof_diff_metric metric, double alpha, struct wprof_diff_table *out) {
  size_t i = 0, j = 0;
  while (i < a->n || j < b->n) {
    int c = i == a->n ? 1 : j == b->n ? -1 : cmp_entry(&a->e[i], &b->e[j]);
    const struct entry *ea = c <= 0 ? &a->e[i++] : NULL, *eb = c >= 0 ? &b->e[j++] : NULL;
    struct wprof_diff_row *r = &out->rows[out->n++];
    r->name = ea ? ea->name : eb->name;
    r->kind = ea ? ea->kind : eb->kind;
    r->a = side_view(ea, vals_a, a->reports);
    r->b = side_view(eb, vals_b, b->reports);
    wprof_diff_compare(&r->a, &r->b, metric, alpha, &r->ch);
  }
  qsort(out->rows, out->n, sizeof(*out->rows), cmp_row);
}

int wprof_diff_build(struct wprof_diff_reports a, struct wprof_diff_reports b, enum wpio_table table,
                     enum wprof_diff_metric metric, double alpha, struct wprof_diff_table *out) {
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
      join(&sa, &sb, out->samples, out->samples + sa.nvals, metric, alpha, out);
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
