/* The report's header block (versions, world, backend, sync, windows per rank) and the warnings a
 * reader must see (missing or corrupt ranks, dropped GPU records, unsynchronized ranks, settings the
 * ranks disagree on). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_format.h"

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

/* The cupti backend's own count of records it could not attribute (/cupti_overhead rows). */
static char *attribution_warning(const struct wpio_job *job) {
  uint64_t lost = 0, incomplete = 0, uncorrelated = 0;
  for (size_t i = 0; i < job->cupti_overhead.n; i++) {
    const struct wpio_cupti_overhead_row *r = &job->cupti_overhead.v[i];
    const char *kind = r->name_id < job->names.n ? job->names.s[r->name_id] : "";
    if (strcmp(kind, WPIO_CUPTI_CORRELATION_LOST) == 0) lost += r->count;
    if (strcmp(kind, WPIO_CUPTI_INCOMPLETE) == 0) incomplete += r->count;
    if (strcmp(kind, WPIO_CUPTI_UNCORRELATED) == 0) uncorrelated += r->count;
  }
  if (!lost && !incomplete && !uncorrelated) return NULL;
  if (uncorrelated)
    return line_printf("WARNING: %" PRIu64 " GPU launches lost their range, %" PRIu64 " CUPTI records came "
                       "without times (not counted) and %" PRIu64 " had an unknown correlation id (no range): "
                       "ranges' CUDA times are lower bounds (wprof doctor)", lost, incomplete, uncorrelated);
  return line_printf("WARNING: %" PRIu64 " GPU launches lost their range and %" PRIu64 " CUPTI records came "
                     "without times (not counted): ranges' CUDA times are lower bounds (wprof doctor)",
                     lost, incomplete);
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
  if (k < max && (lines[k] = attribution_warning(job))) k++;
  const struct wpio_attr *sync = wpio_job_attr(job, "sync");
  if (k < max && sync && sync->value && strncmp(sync->value, "ok", 2) != 0)
    if ((lines[k] = line_printf("WARNING: ranks were not synchronized: %s", sync->value))) k++;
  const struct wpio_attr *agree = wpio_job_attr(job, "settings_agreement");
  if (k < max && agree && agree->value && strcmp(agree->value, "ok") != 0)
    if ((lines[k] = line_printf("WARNING: ranks disagree on their settings: %s", agree->value))) k++;
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

/* Windows of one rank as "2 windows (steps 3, 4)"; a recovered window the rank was killed in: "4 cut short". */
static void rank_windows(const struct wpio_job *job, int32_t rank, char *buf, size_t len) {
  size_t n = 0, o = 0;
  for (size_t i = 0; i < job->windows.n; i++)
    if (job->windows.v[i].rank == rank) n++;
  int k = snprintf(buf, len, "%zu window%s", n, n == 1 ? "" : "s");
  if (k < 0 || (size_t)k >= len) return;
  o = (size_t)k;
  for (size_t i = 0, j = 0; i < job->windows.n && o + 28 < len; i++) {
    if (job->windows.v[i].rank != rank) continue;
    k = snprintf(buf + o, len - o, "%s%" PRId64 "%s", j++ ? ", " : " (steps ", job->windows.v[i].steps,
                 job->windows.v[i].cut_short ? " cut short" : "");
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
