/* The checks of `wprof doctor`: each says, in one line, what a reader of this report should not
 * trust, with a severity. error: data is missing or positions do not line up; warning: figures are
 * lower bounds or comparisons may be unfair; info: facts that are not defects (no GPU data). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_doctor_checks.h"

/* A clock residual above this share of the median window length is larger than the differences
 * that cross-rank comparisons of positions (window starts, timeline events) look at. */
#define CLOCK_RESIDUAL_SHARE 0.01

/* "3,5-7,9" of a sorted list of ranks, at most a few dozen spans, then "... (N in all)". */
static void doc_rank_list(const int32_t *ranks, size_t n, char *buf, size_t len) {
  size_t used = 0, spans = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && ranks[j + 1] == ranks[j] + 1) j++;
    if (spans++ < 24 && used + 32 < len) {
      if (j > i) used += (size_t)snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", ranks[i], ranks[j]);
      else used += (size_t)snprintf(buf + used, len - used, "%s%d", used ? "," : "", ranks[i]);
    } else if (spans == 25 && used + 32 < len) {
      used += (size_t)snprintf(buf + used, len - used, ",...");
    }
    i = j + 1;
  }
  if (spans > 24 && used + 32 < len) snprintf(buf + used, len - used, " (%zu ranks)", n);
}

static const char *attr_text(const struct wpio_job *job, const char *key) {
  const struct wpio_attr *a = wpio_job_attr(job, key);
  return a && a->value ? a->value : NULL;
}

/* Ranks of /ranks rows for which keep(row) holds, sorted (the rows are sorted by rank). */
static size_t select_ranks(const struct wpio_job *job, int (*keep)(const struct wpio_rank_row *), int32_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < job->ranks.n; i++)
    if (keep(&job->ranks.v[i])) out[n++] = job->ranks.v[i].rank;
  return n;
}

static int status_is(const struct wpio_rank_row *r, const char *s) { return r->status && strcmp(r->status, s) == 0; }
static int is_ok(const struct wpio_rank_row *r) { return status_is(r, WPIO_STATUS_OK); }
static int is_missing(const struct wpio_rank_row *r) { return status_is(r, WPIO_STATUS_MISSING); }
static int is_corrupt(const struct wpio_rank_row *r) { return status_is(r, WPIO_STATUS_CORRUPT); }
static int is_other(const struct wpio_rank_row *r) { return !is_ok(r) && !is_missing(r) && !is_corrupt(r); }
static int is_collecting(const struct wpio_rank_row *r) { return is_ok(r) && r->collected; }
static int is_idle(const struct wpio_rank_row *r) { return is_ok(r) && !r->collected; }
static int has_dropped(const struct wpio_rank_row *r) { return r->dropped_records > 0; }
static int has_tl_dropped(const struct wpio_rank_row *r) { return r->timeline_dropped > 0; }

static void check_schema(struct doctor *d, const struct doc_input *in) {
  if (in->spill_dir) {
    doc_find(d, DOC_INFO, "%s is a spill directory (%zu rank rows): the checks below are about what it would recover",
             in->path, in->job.ranks.n);
    return;
  }
  const struct wpio_attr *v = wpio_job_attr(&in->job, "schema_version");
  if (v && v->is_int && v->ival < WPIO_SCHEMA_VERSION)
    doc_find(d, DOC_INFO, "schema_version %" PRId64 " (older than this wprof's %d): tables added later read as empty",
             v->ival, WPIO_SCHEMA_VERSION);
  else if (attr_text(&in->job, "wprof_version"))
    doc_find(d, DOC_INFO, "schema_version %d, written by wprof %s", WPIO_SCHEMA_VERSION,
             attr_text(&in->job, "wprof_version"));
  else
    doc_find(d, DOC_INFO, "schema_version %d", WPIO_SCHEMA_VERSION);
  const char *recovered = attr_text(&in->job, "recovered_from");
  if (recovered) doc_find(d, DOC_INFO, "rebuilt by wprof recover from %s", recovered);
}

/* world_size against the /ranks rows: one row per rank in [0, world_size). */
static void check_world(struct doctor *d, const struct wpio_job *job, int32_t *buf) {
  const struct wpio_attr *w = wpio_job_attr(job, "world_size");
  if (!w || !w->is_int || w->ival < 1) {
    doc_find(d, DOC_WARNING, "no world_size attribute: ranks that left no row cannot be told apart");
    return;
  }
  size_t dup = 0, outside = 0, n = 0;
  for (size_t i = 0; i < job->ranks.n; i++) {
    int32_t r = job->ranks.v[i].rank;
    if (r >= w->ival) outside++;
    else if (i > 0 && r == job->ranks.v[i - 1].rank) dup++;
  }
  /* ranks of the world without a row */
  for (int64_t r = 0, i = 0; r < w->ival; r++) {
    while ((size_t)i < job->ranks.n && job->ranks.v[i].rank < r) i++;
    if ((size_t)i >= job->ranks.n || job->ranks.v[i].rank != r) {
      if (n < job->ranks.n + 64) buf[n] = (int32_t)r;
      n++;
    }
  }
  if ((int64_t)job->ranks.n != w->ival || dup || outside) {
    char list[512] = "none";
    if (n && n <= job->ranks.n + 64) doc_rank_list(buf, n, list, sizeof list);
    doc_find(d, DOC_ERROR, "world_size is %" PRId64 " but /ranks has %zu rows (%zu duplicated, %zu beyond the world, "
             "ranks without a row: %s)", w->ival, job->ranks.n, dup, outside, n ? list : "none");
  }
}

static void report_ranks(struct doctor *d, const struct wpio_job *job, int32_t *buf, enum doc_severity sev,
                         int (*keep)(const struct wpio_rank_row *), const char *what) {
  size_t n = select_ranks(job, keep, buf);
  if (n == 0) return;
  char list[512];
  doc_rank_list(buf, n, list, sizeof list);
  doc_find(d, sev, "%zu rank(s) %s: %s", n, what, list);
}

static void check_statuses(struct doctor *d, const struct doc_input *in, int32_t *buf) {
  const struct wpio_job *job = &in->job;
  report_ranks(d, job, buf, DOC_ERROR, is_missing,
               in->spill_dir ? "left no spill: their data is lost"
                             : "missing (their data never reached the report; cross-rank figures leave them out)");
  if (!in->spill_dir) /* a spill directory names each corrupt spill with its reason */
    report_ranks(d, job, buf, DOC_ERROR, is_corrupt, "corrupt (their data did not decode and was dropped)");
  report_ranks(d, job, buf, DOC_WARNING, is_other, "have an unknown status");
  report_ranks(d, job, buf, DOC_INFO, is_idle, "did not collect (not in WPROF_RANKS)");
}

static void check_dropped(struct doctor *d, const struct wpio_job *job, int32_t *buf) {
  uint64_t records = 0, events = 0;
  for (size_t i = 0; i < job->ranks.n; i++) {
    records += job->ranks.v[i].dropped_records;
    events += job->ranks.v[i].timeline_dropped;
  }
  char list[512];
  size_t n;
  if (records) {
    n = select_ranks(job, has_dropped, buf);
    doc_rank_list(buf, n, list, sizeof list);
    doc_find(d, DOC_WARNING, "%" PRIu64 " CUPTI records dropped on rank(s) %s: their GPU times and counts are lower "
             "bounds (the run's warning says whether wprof's buffers ran out: then raise WPROF_CUPTI_BUFFER_KB)",
             records, list);
  }
  if (events) {
    n = select_ranks(job, has_tl_dropped, buf);
    doc_rank_list(buf, n, list, sizeof list);
    doc_find(d, DOC_WARNING, "%" PRIu64 " timeline events not kept on rank(s) %s: /timeline ends early there "
             "(raise WPROF_TIMELINE_MAX_EVENTS)", events, list);
  }
}

static void check_sync(struct doctor *d, const struct wpio_job *job) {
  const char *sync = attr_text(job, "sync");
  if (!sync) doc_find(d, DOC_WARNING, "no sync attribute: whether windows lined up across ranks is unknown");
  else if (strcmp(sync, "ok") != 0)
    doc_find(d, DOC_ERROR, "sync broken (%s): windows of different ranks may not cover the same steps", sync);
  const char *agree = attr_text(job, "settings_agreement");
  if (agree && strcmp(agree, "ok") != 0)
    doc_find(d, DOC_WARNING, "ranks ran with different settings (%s): their tables are not alike", agree);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The clock fit's residual against the median window length (see CLOCK_RESIDUAL_SHARE). */
static void check_clock(struct doctor *d, const struct wpio_job *job) {
  int64_t worst = 0;
  int32_t worst_rank = -1;
  for (size_t i = 0; i < job->ranks.n; i++) {
    const struct wpio_rank_row *r = &job->ranks.v[i];
    int64_t res = r->clock_residual_ns < 0 ? -r->clock_residual_ns : r->clock_residual_ns;
    if (is_ok(r) && res > worst) {
      worst = res;
      worst_rank = r->rank;
    }
  }
  if (worst == 0 || job->windows.n == 0) return;
  int64_t *len = malloc(job->windows.n * sizeof *len);
  if (!len) return;
  size_t n = 0;
  for (size_t i = 0; i < job->windows.n; i++)
    if (job->windows.v[i].end_ns > job->windows.v[i].start_ns)
      len[n++] = job->windows.v[i].end_ns - job->windows.v[i].start_ns;
  if (n > 0) {
    qsort(len, n, sizeof *len, cmp_i64);
    int64_t median = len[n / 2];
    if ((double)worst > CLOCK_RESIDUAL_SHARE * (double)median)
      doc_find(d, DOC_WARNING, "clock residual up to %" PRId64 " ns (rank %d) is more than %.0f%% of the median window "
               "(%" PRId64 " ns): cross-rank positions (window starts, timeline) differ by less than the clock error",
               worst, worst_rank, CLOCK_RESIDUAL_SHARE * 100, median);
  }
  free(len);
}

static int cmp_window_rank(const void *a, const void *b) {
  const struct wpio_window_row *x = a, *y = b;
  if (x->window != y->window) return (x->window > y->window) - (x->window < y->window);
  return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Every rank should have counted the same steps in a window, and have the same windows. */
static void check_steps(struct doctor *d, const struct wpio_job *job, int32_t *buf) {
  size_t n = job->windows.n;
  if (n == 0) return;
  struct wpio_window_row *w = malloc(n * sizeof *w);
  if (!w) return;
  memcpy(w, job->windows.v, n * sizeof *w);
  qsort(w, n, sizeof *w, cmp_window_rank);
  size_t differing = 0, fewer = 0, windows = 0;
  size_t most = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    while (j < n && w[j].window == w[i].window) { /* a window cut short counted fewer: said by check_cut_short */
      if (!w[j].cut_short && w[j].steps < lo) lo = w[j].steps;
      if (!w[j].cut_short && w[j].steps > hi) hi = w[j].steps;
      j++;
    }
    if (lo > hi) lo = hi = 0;
    if (j - i > most) most = j - i;
    windows++;
    if (lo != hi) {
      size_t k = 0;
      for (size_t x = i; x < j; x++)
        if (w[x].steps == lo && !w[x].cut_short) buf[k++] = w[x].rank;
      char list[512];
      doc_rank_list(buf, k, list, sizeof list);
      if (differing++ < 8)
        doc_find(d, DOC_WARNING, "window %d: ranks counted different steps (%" PRId64 " to %" PRId64 "; %" PRId64
                 " on rank(s) %s): per-step figures are not comparable across ranks", w[i].window, lo, hi, lo, list);
    }
    i = j;
  }
  if (differing > 8) doc_find(d, DOC_WARNING, "%zu more windows with different step counts", differing - 8);
  for (size_t i = 0; i < n;) { /* windows held by fewer ranks than the fullest window */
    size_t j = i;
    while (j < n && w[j].window == w[i].window) j++;
    if (j - i < most) fewer++;
    i = j;
  }
  if (fewer)
    doc_find(d, DOC_WARNING, "%zu of %zu windows are missing on some ranks (ranks ran different numbers of windows)",
             fewer, windows);
  free(w);
}

/* Collecting ranks with no row in a table where other ranks have rows. */
static void check_presence(struct doctor *d, const struct doc_input *in, int32_t *expect, int32_t *absent) {
  size_t ne = select_ranks(&in->job, is_collecting, expect);
  for (size_t t = 0; t < in->ntables; t++) {
    const struct wpio_rank_presence *tab = &in->tables[t];
    if (tab->rows == 0) continue;
    size_t na = 0, k = 0;
    for (size_t i = 0; i < ne; i++) {
      while (k < tab->nranks && tab->ranks[k] < expect[i]) k++;
      if (k >= tab->nranks || tab->ranks[k] != expect[i]) absent[na++] = expect[i];
    }
    if (na == 0) continue;
    char list[512];
    doc_rank_list(absent, na, list, sizeof list);
    doc_find(d, DOC_WARNING, "%s: no rows from %zu rank(s) (%s) while %zu other rank(s) have rows: totals and "
             "imbalance there leave them out", tab->name, na, list, tab->nranks);
  }
}

static void check_gpu(struct doctor *d, const struct doc_input *in) {
  for (size_t t = 0; t < in->ntables; t++)
    if (strcmp(in->tables[t].name, "/kernels") == 0 && in->tables[t].rows == 0) {
      const char *backend = attr_text(&in->job, "backend");
      doc_find(d, DOC_INFO, "no GPU data (/kernels is empty; backend %s)", backend ? backend : "?");
    }
}

/* GPU attribution the cupti backend knows it lost: /cupti_overhead rows it writes only when nonzero.
 * The head-only read leaves that table out, so a report of the cupti backend is read whole for it. */
static void check_gpu_losses(struct doctor *d, const struct doc_input *in, int32_t *buf) {
  struct wpio_job whole;
  wpio_job_init(&whole);
  const struct wpio_job *job = &in->job;
  const char *backend = attr_text(&in->job, "backend");
  int gpu = backend && strcmp(backend, "cupti") == 0;
  char err[256];
  if (!in->spill_dir && gpu && wpio_h5_read_report_flags(in->path, &whole, 0, err, sizeof err) == 0) job = &whole;
  static const struct { const char *kind, *what; } losses[] = {
      {WPIO_CUPTI_CORRELATION_LOST, "GPU launches lost their range (more launches waited for their records at "
                                    "once than the correlation table holds): ranges' CUDA times are lower bounds"},
      {WPIO_CUPTI_INCOMPLETE, "CUPTI records were incomplete (kernels still running when the report was "
                              "written) and were not counted"},
      {WPIO_CUPTI_UNCORRELATED, "uncorrelated GPU records: their correlation id was unknown (forgotten, or "
                                "launched outside every window), placed by time without range"},
      {WPIO_CUPTI_NO_RECORD, "GPU launches never had a record (made during stream capture, or their records "
                             "were dropped or lost)"},
      {WPIO_CUPTI_TRUNCATED, "CUPTI activity buffers were truncated: reading stopped at an incomplete or "
                             "invalid record, and the records after it were not counted"}};
  for (size_t l = 0; l < sizeof losses / sizeof losses[0]; l++) {
    uint64_t total = 0;
    size_t n = 0;
    for (size_t i = 0; i < job->cupti_overhead.n; i++) {
      const struct wpio_cupti_overhead_row *r = &job->cupti_overhead.v[i];
      if (r->name_id >= job->names.n || strcmp(job->names.s[r->name_id], losses[l].kind) != 0) continue;
      total += r->count;
      if (n < in->job.ranks.n + 64) buf[n++] = r->rank; /* buf holds that many */
    }
    if (!total) continue;
    char list[512];
    doc_rank_list(buf, n, list, sizeof list);
    doc_find(d, DOC_WARNING, "%" PRIu64 " %s on rank(s) %s", total, losses[l].what, list);
  }
  wpio_job_free(&whole);
}

/* Windows recovered from an open-window spill (a rank died in them): their rows stop at that spill. */
static void check_cut_short(struct doctor *d, const struct wpio_job *job) {
  size_t said = 0, cut = 0;
  for (size_t i = 0; i < job->windows.n; i++) {
    const struct wpio_window_row *w = &job->windows.v[i];
    if (!w->cut_short) continue;
    if (cut++ < 8)
      doc_find(d, DOC_WARNING, "rank %d's window %d was cut short (the rank died in it): its rows hold the steps up to "
               "its last spill (%" PRId64 " step%s, WPROF_SPILL_INTERVAL_MS), not the whole window", (int)w->rank,
               (int)w->window, w->steps, w->steps == 1 ? "" : "s");
    else
      said++;
  }
  if (said) doc_find(d, DOC_WARNING, "%zu more windows cut short", said);
}

void doc_check_all(struct doctor *d, const struct doc_input *in) {
  size_t n = in->job.ranks.n + in->job.windows.n + 64;
  int32_t *buf = malloc(n * sizeof *buf), *buf2 = malloc(n * sizeof *buf2);
  if (!buf || !buf2) {
    doc_find(d, DOC_ERROR, "out of memory checking %s", in->path);
    free(buf);
    free(buf2);
    return;
  }
  check_schema(d, in);
  check_world(d, &in->job, buf);
  check_statuses(d, in, buf);
  check_dropped(d, &in->job, buf);
  check_sync(d, &in->job);
  check_clock(d, &in->job);
  check_steps(d, &in->job, buf);
  check_cut_short(d, &in->job);
  check_presence(d, in, buf, buf2);
  check_gpu(d, in);
  check_gpu_losses(d, in, buf);
  free(buf);
  free(buf2);
}
