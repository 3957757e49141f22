/* `wprof trace FILE -o OUT.json[.gz]`: the report's /timeline as Chrome trace-event JSON (Perfetto,
 * chrome://tracing): a process per rank, a track per host thread and GPU stream, windows as events.
 * Streamed: jansson renders one event at a time; only the array framing is written by hand. */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wprof_cli.h"
#include "wprof_export.h"
#include "wprof_trace.h"

const char wprof_trace_usage[] = "wprof trace FILE -o OUT.json|OUT.json.gz|- [--mangled]";

#define PROGRESS_EVERY 1000000u

struct trace_args {
  const char *path, *out;
  int mangled;
};

struct trace {
  const struct wpio_job *job;
  const struct trace_args *a;
  int32_t *ranks;            /* every rank of the report, sorted */
  unsigned char *own_windows; /* per ranks[i]: its /timeline has window events */
  const struct wpio_rank_row **rows; /* per ranks[i]: its /ranks row, or NULL */
  size_t nranks;
  const char **shown;        /* display name per name_id, filled on first use */
  struct wprof_tracks tracks;
  int64_t t0, t_end;         /* ns, rank 0's timebase */
  int precision;             /* significant digits of ts/dur: whole nanoseconds survive */
  size_t flags;              /* json_dump flags */
  struct wprof_sink sink;
  uint64_t written, total;
};

static int parse_args(int argc, char **argv, struct trace_args *a) {
  memset(a, 0, sizeof(*a));
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--mangled") == 0) {
      a->mangled = 1;
    } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
      if (i + 1 >= argc) return wprof_usage_error(wprof_trace_usage, "%s needs a file name", arg);
      a->out = argv[++i];
    } else if (strncmp(arg, "--output=", 9) == 0) {
      a->out = arg + 9;
    } else if (arg[0] == '-' && arg[1] != '\0') {
      return wprof_usage_error(wprof_trace_usage, "unknown option '%s'", arg);
    } else if (a->path) {
      return wprof_usage_error(wprof_trace_usage, "one report at a time ('%s')", arg);
    } else {
      a->path = arg;
    }
  }
  if (!a->path) return wprof_usage_error(wprof_trace_usage, "no report file given");
  if (!a->out || !*a->out)
    return wprof_usage_error(wprof_trace_usage, "no output given (-o trace.json, -o trace.json.gz or -o -)");
  if (strcmp(a->out, a->path) == 0)
    return wprof_usage_error(wprof_trace_usage, "-o %s would overwrite the report", a->out);
  return 0;
}

static int cmp_i32(const void *pa, const void *pb) {
  int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
  return a < b ? -1 : a > b;
}

static long rank_index(const struct trace *t, int32_t rank) {
  const int32_t *at = bsearch(&rank, t->ranks, t->nranks, sizeof(*t->ranks), cmp_i32);
  return at ? at - t->ranks : -1;
}

/* Every rank named by /ranks, /timeline or /windows, and which ranks bring their own window events. */
static int collect_ranks(struct trace *t) {
  const struct wpio_job *job = t->job;
  size_t cap = job->ranks.n + job->windows.n + 1, n = 0;
  t->ranks = malloc(cap * sizeof(*t->ranks));
  if (!t->ranks) return -1;
  for (size_t i = 0; i < job->ranks.n; i++) t->ranks[n++] = job->ranks.v[i].rank;
  for (size_t i = 0; i < job->windows.n; i++) t->ranks[n++] = job->windows.v[i].rank;
  qsort(t->ranks, n, sizeof(*t->ranks), cmp_i32);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || t->ranks[u - 1] != t->ranks[i]) t->ranks[u++] = t->ranks[i];
  for (size_t i = 0; i < job->timeline.n; i++) { /* ranks only in /timeline: rare, so grow slowly */
    int32_t r = job->timeline.v[i].rank;
    if (bsearch(&r, t->ranks, u, sizeof(*t->ranks), cmp_i32)) continue;
    int32_t *grown = realloc(t->ranks, (u + 1) * sizeof(*grown));
    if (!grown) return -1;
    t->ranks = grown;
    t->ranks[u++] = r;
    qsort(t->ranks, u, sizeof(*t->ranks), cmp_i32);
  }
  t->nranks = u;
  t->own_windows = calloc(u ? u : 1, 1);
  t->rows = calloc(u ? u : 1, sizeof(*t->rows));
  if (!t->own_windows || !t->rows) return -1;
  for (size_t i = 0; i < job->ranks.n; i++) t->rows[rank_index(t, job->ranks.v[i].rank)] = &job->ranks.v[i];
  for (size_t i = 0; i < job->timeline.n; i++)
    if (job->timeline.v[i].kind == WPIO_EV_WINDOW) t->own_windows[rank_index(t, job->timeline.v[i].rank)] = 1;
  return 0;
}

static const struct wpio_rank_row *rank_row(const struct trace *t, int32_t rank) {
  long i = rank_index(t, rank);
  return i >= 0 ? t->rows[i] : NULL;
}

/* /windows rows are in the rank's own clock: map them to rank 0's like the timeline (docs/design.md). */
static int64_t to_root(const struct wpio_rank_row *r, int64_t t) {
  if (!r) return t;
  double drift = r->clock_drift_ppm * 1e-6 * (double)(t - r->clock_ref_ns);
  return t - r->clock_offset_ns - (int64_t)llround(isfinite(drift) ? drift : 0.0);
}

static int windows_exported(const struct trace *t, int32_t rank) {
  long i = rank_index(t, rank);
  return i >= 0 && !t->own_windows[i];
}

static void span(struct trace *t, int64_t start, int64_t end, int *any) {
  if (!*any || start < t->t0) t->t0 = start;
  if (!*any || end > t->t_end) t->t_end = end;
  *any = 1;
}

/* Tracks, the time origin and the event count, before anything is written. */
static int scan_events(struct trace *t) {
  const struct wpio_job *job = t->job;
  int any = 0;
  for (size_t i = 0; i < job->timeline.n; i++) {
    const struct wpio_timeline_row *e = &job->timeline.v[i];
    long k = wprof_tracks_add(&t->tracks, e->rank, e->track);
    if (k < 0) return -1;
    t->tracks.v[k].events++;
    span(t, e->start_ns, e->end_ns > e->start_ns ? e->end_ns : e->start_ns, &any);
  }
  t->total = job->timeline.n;
  for (size_t i = 0; i < job->windows.n; i++) {
    const struct wpio_window_row *w = &job->windows.v[i];
    if (!windows_exported(t, w->rank)) continue;
    long k = wprof_tracks_add(&t->tracks, w->rank, WPROF_TRACK_WINDOWS);
    if (k < 0) return -1;
    t->tracks.v[k].events++;
    const struct wpio_rank_row *r = rank_row(t, w->rank);
    int64_t s = to_root(r, w->start_ns), e = to_root(r, w->end_ns);
    span(t, s, e > s ? e : s, &any);
    t->total++;
  }
  /* %.*g with the digits of the longest offset in microseconds plus three keeps every nanosecond */
  double longest_us = (double)(t->t_end - t->t0) / 1000.0;
  int digits = longest_us >= 1.0 ? (int)floor(log10(longest_us)) + 1 : 1;
  t->precision = digits + 3 > 17 ? 17 : digits + 3;
  t->flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(t->precision);
  return wprof_tracks_number(&t->tracks);
}

static const char *name_of(struct trace *t, uint32_t id, const char **raw) {
  *raw = id < t->job->names.n ? t->job->names.s[id] : "?";
  if (id >= t->job->names.n || t->a->mangled) return *raw;
  if (!t->shown[id]) {
    const char *d = wprof_display_name(*raw, NULL);
    t->shown[id] = d ? d : *raw;
  }
  return t->shown[id];
}

/* Appends one event (stolen) to the array. */
static int put_event(struct trace *t, json_t *ev) {
  if (!ev) {
    wprof_error("trace: out of memory");
    return -1;
  }
  int rc = wprof_sink_puts(&t->sink, t->written++ ? ",\n" : "\n");
  if (rc == 0) rc = json_dump_callback(ev, wprof_sink_json_cb, &t->sink, t->flags);
  json_decref(ev);
  return rc;
}

static double us_since_t0(const struct trace *t, int64_t ns) { return (double)(ns - t->t0) / 1000.0; }

static json_t *complete_event(const struct trace *t, const char *name, const char *kind, int32_t rank,
                              int32_t tid, int64_t start, int64_t end, json_t *args) {
  if (end < start) end = start;
  return json_pack("{s:o, s:s, s:s, s:i, s:i, s:f, s:f, s:o}", "name", wprof_json_text(name),
                   "cat", kind, "ph", "X", "pid", (int)rank, "tid", (int)tid,
                   "ts", us_since_t0(t, start), "dur", (double)(end - start) / 1000.0, "args", args);
}

static int timeline_event(struct trace *t, const struct wpio_timeline_row *e) {
  const char *raw, *name = name_of(t, e->name_id, &raw);
  const char *kind = wpio_event_kind_name(e->kind);
  int stream = WPIO_TRACK_IS_STREAM(e->track);
  json_t *args = json_pack("{s:s, s:I, s:I, s:I, s:I}", "kind", kind, "start_ns", (json_int_t)e->start_ns,
                           "end_ns", (json_int_t)e->end_ns, "dur_ns", (json_int_t)(e->end_ns - e->start_ns),
                           stream ? "stream" : "thread",
                           (json_int_t)(stream ? WPIO_TRACK_STREAM_ID(e->track) : e->track));
  if (args && name != raw) json_object_set_new(args, "mangled", wprof_json_text(raw));
  long k = wprof_tracks_find(&t->tracks, e->rank, e->track);
  return put_event(t, complete_event(t, name, kind, e->rank, t->tracks.v[k].tid, e->start_ns, e->end_ns, args));
}

static int window_event(struct trace *t, const struct wpio_window_row *w) {
  const struct wpio_rank_row *r = rank_row(t, w->rank);
  int64_t start = to_root(r, w->start_ns), end = to_root(r, w->end_ns);
  char name[32];
  snprintf(name, sizeof name, "window %d", (int)w->window);
  json_t *args = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I}", "kind", "window", "window", (int)w->window,
                           "steps", (json_int_t)w->steps, "start_ns", (json_int_t)start,
                           "end_ns", (json_int_t)end, "local_start_ns", (json_int_t)w->start_ns,
                           "local_end_ns", (json_int_t)w->end_ns);
  long k = wprof_tracks_find(&t->tracks, w->rank, WPROF_TRACK_WINDOWS);
  return put_event(t, complete_event(t, name, "window", w->rank, t->tracks.v[k].tid, start, end, args));
}

static json_t *metadata(const char *what, int32_t rank, int32_t tid, const char *key, json_t *value) {
  return json_pack("{s:s, s:s, s:i, s:i, s:{s:o}}", "name", what, "ph", "M", "pid", (int)rank,
                   "tid", (int)tid, "args", key, value);
}

static int process_metadata(struct trace *t) {
  for (size_t i = 0; i < t->nranks; i++) {
    const struct wpio_rank_row *r = t->rows[i];
    const char *host = r && r->hostname && *r->hostname ? r->hostname : r && r->status ? r->status : "no /ranks row";
    char label[320];
    snprintf(label, sizeof label, "rank %d (%s)", (int)t->ranks[i], host);
    if (put_event(t, metadata("process_name", t->ranks[i], 0, "name", wprof_json_text(label))) < 0 ||
        put_event(t, metadata("process_sort_index", t->ranks[i], 0, "sort_index", json_integer(t->ranks[i]))) < 0)
      return -1;
  }
  return 0;
}

static int thread_metadata(struct trace *t) {
  for (size_t i = 0; i < t->tracks.n; i++) {
    const struct wprof_track *k = &t->tracks.v[t->tracks.order[i]];
    char label[64];
    if (k->track == WPROF_TRACK_WINDOWS) snprintf(label, sizeof label, "windows");
    else if (WPIO_TRACK_IS_STREAM(k->track))
      snprintf(label, sizeof label, "GPU stream %" PRId64, WPIO_TRACK_STREAM_ID(k->track));
    else snprintf(label, sizeof label, "thread %" PRId64, k->track);
    if (put_event(t, metadata("thread_name", k->rank, k->tid, "name", json_string(label))) < 0 ||
        put_event(t, metadata("thread_sort_index", k->rank, k->tid, "sort_index", json_integer(k->tid))) < 0)
      return -1;
  }
  return 0;
}

static void progress(const struct trace *t, int done) {
  if (t->total < PROGRESS_EVERY || !isatty(STDERR_FILENO)) return;
  if (done) fputc('\n', stderr);
  else if (t->written % PROGRESS_EVERY == 0)
    fprintf(stderr, "\rwprof: trace: %" PRIu64 " of %" PRIu64 " events", t->written, t->total);
}

static int write_events(struct trace *t) {
  for (size_t i = 0; i < t->job->timeline.n; i++) {
    if (timeline_event(t, &t->job->timeline.v[i]) < 0) return -1;
    progress(t, 0);
  }
  for (size_t i = 0; i < t->job->windows.n; i++)
    if (windows_exported(t, t->job->windows.v[i].rank) && window_event(t, &t->job->windows.v[i]) < 0)
      return -1;
  progress(t, 1);
  return 0;
}

/* The report's identity next to the events (trace viewers ignore unknown top-level keys). */
static json_t *other_data(const struct trace *t) {
  json_t *o = json_pack("{s:o, s:I, s:I}", "report", wprof_json_text(t->a->path), "t0_ns",
                        (json_int_t)t->t0, "events", (json_int_t)t->total);
  static const char *const keys[] = { "wprof_version", "created", "world_size", "command", "backend" };
  for (size_t i = 0; o && i < sizeof(keys) / sizeof(keys[0]); i++) {
    const struct wpio_attr *at = wpio_job_attr(t->job, keys[i]);
    if (at) json_object_set_new(o, keys[i], at->is_int ? json_integer(at->ival) : wprof_json_text(at->value));
  }
  return o;
}

static int write_trace(struct trace *t) {
  json_t *other = other_data(t);
  int rc = wprof_sink_puts(&t->sink, "{\"displayTimeUnit\":\"ns\",\"otherData\":");
  if (rc == 0) rc = other ? json_dump_callback(other, wprof_sink_json_cb, &t->sink, t->flags) : -1;
  json_decref(other);
  if (rc == 0) rc = wprof_sink_puts(&t->sink, ",\"traceEvents\":[");
  if (rc == 0) rc = process_metadata(t);
  if (rc == 0) rc = thread_metadata(t);
  if (rc == 0) rc = write_events(t);
  if (rc == 0) rc = wprof_sink_puts(&t->sink, "\n]}\n");
  return rc;
}

static void warn_gaps(const struct trace *t) {
  const struct wpio_job *job = t->job;
  if (job->timeline.n == 0)
    wprof_error("no timeline in %s: run with WPROF_TIMELINE=1 (only the windows are exported)", t->a->path);
  uint64_t dropped = 0;
  size_t ranks = 0;
  for (size_t i = 0; i < job->ranks.n; i++)
    if (job->ranks.v[i].timeline_dropped) {
      dropped += job->ranks.v[i].timeline_dropped;
      ranks++;
    }
  if (dropped)
    wprof_error("%s: %" PRIu64 " timeline events were not kept on %zu rank(s): the trace is incomplete "
                "(WPROF_TIMELINE_MAX_EVENTS sets the limit)", t->a->path, dropped, ranks);
}

static void say_done(const struct trace *t) {
  long long size = wprof_sink_disk_size(&t->sink);
  char where[64] = "";
  if (size >= 1000000) snprintf(where, sizeof where, ", %.1f MB", (double)size / 1e6);
  else if (size >= 0) snprintf(where, sizeof where, ", %.1f kB", (double)size / 1e3);
  fprintf(stderr, "wprof: trace: %" PRIu64 " events, %zu ranks, %zu tracks -> %s%s\n", t->total,
          t->nranks, t->tracks.n, strcmp(t->a->out, "-") ? t->a->out : "stdout", where);
}

static int export_trace(const struct wpio_job *jobs, const char *const *paths, size_t n, void *ctx) {
  (void)paths;
  (void)n;
  struct trace t = { .job = &jobs[0], .a = ctx };
  int rc = WPROF_EXIT_FAIL;
  t.shown = calloc(t.job->names.n ? t.job->names.n : 1, sizeof(*t.shown));
  if (!t.shown || collect_ranks(&t) < 0 || scan_events(&t) < 0) {
    wprof_error("trace: out of memory");
  } else if (wprof_sink_open(&t.sink, t.a->out) == 0) {
    warn_gaps(&t);
    int ok = write_trace(&t) == 0;
    if (wprof_sink_close(&t.sink, ok) == 0 && ok) rc = WPROF_EXIT_OK;
    if (rc == WPROF_EXIT_OK) say_done(&t);
  }
  wprof_tracks_free(&t.tracks);
  free(t.shown);
  free(t.ranks);
  free(t.own_windows);
  free(t.rows);
  return rc;
}

int wprof_cmd_trace(int argc, char **argv) {
  struct trace_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc;
  const char *paths[1] = { a.path };
  return wprof_with_reports(paths, 1, export_trace, &a);
}
