/* A spill's frames put back together (wpio_spill.h): each frame after the first holds the rows of the
 * windows closed since the frame before, the timeline events and straggler arrivals since (a delta
 * frame), and the latest state of the rest, so the rows of window >= 0, the events and the arrivals
 * come from every frame, in order, and everything else from the last frame that is whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_spill.h"
#include "wpio_wire.h"

/* Keeps only the rows of closed windows (window >= 0) of the per-window tables, and the timeline
 * events and straggler arrivals when `events`; drops the rest. */
static void keep_window_rows(struct wpio_job *j, int events) {
#define KEEP(vec) \
  do { \
    size_t k_ = 0; \
    for (size_t i_ = 0; i_ < j->vec.n; i_++) \
      if (j->vec.v[i_].window >= 0) j->vec.v[k_++] = j->vec.v[i_]; \
    j->vec.n = k_; \
  } while (0)
  KEEP(windows); KEEP(kernels); KEEP(ranges); KEEP(mpi); KEEP(memory); KEEP(stacks); KEEP(breakdown);
  KEEP(launch_latency);
#undef KEEP
  for (size_t i = 0; i < j->attrs.n; i++) free(j->attrs.v[i].key), free(j->attrs.v[i].value);
  for (size_t i = 0; i < j->ranks.n; i++) free(j->ranks.v[i].hostname), free(j->ranks.v[i].status);
  j->attrs.n = j->ranks.n = 0;
  j->lite.n = j->lite_hist.n = j->cupti_overhead.n = 0;
  if (!events) j->timeline.n = j->strag_events.n = 0;
  j->sum_kernels.n = j->sum_ranges.n = j->sum_lite.n = j->sum_mpi.n = j->sum_memory.n = j->stragglers.n = 0;
}

/* Frame k's packed bytes: *at and *n, from offset *pos on, and whether it is a delta frame
 * (WPIO_SPILL_DELTA_MAGIC); 1, 0 at the end, -1 when torn. */
static int next_frame(const uint8_t *buf, size_t len, size_t *pos, size_t *at, size_t *n, int *delta) {
  if (*pos == len) return 0;
  if (len - *pos < WPIO_SPILL_FRAME_HEADER) return -1;
  *delta = memcmp(buf + *pos, WPIO_SPILL_DELTA_MAGIC, 8) == 0;
  if (!*delta && memcmp(buf + *pos, WPIO_SPILL_FRAME_MAGIC, 8) != 0) return -1;
  uint64_t size = 0;
  for (int i = 7; i >= 0; i--) size = size << 8 | buf[*pos + 8 + i];
  if (size > len - *pos - WPIO_SPILL_FRAME_HEADER) return -1;
  *at = *pos + WPIO_SPILL_FRAME_HEADER, *n = (size_t)size;
  *pos = *at + *n;
  return 1;
}

/* Appends src's straggler arrivals to dst's (wpio_job_append leaves them). 0, or -1 (OOM). */
static int append_arrivals(struct wpio_job *dst, const struct wpio_job *src) {
  if (WPIO_VEC_RESERVE(dst->strag_events, dst->strag_events.n + src->strag_events.n) != 0) return -1;
  for (size_t i = 0; i < src->strag_events.n; i++) dst->strag_events.v[dst->strag_events.n++] = src->strag_events.v[i];
  return 0;
}

int wpio_spill_combine(const uint8_t *buf, size_t len, struct wpio_job *job, char *err, size_t errlen) {
  /* the whole frames first: a torn or undecodable tail is where a crash stopped an append. The
   * events and arrivals come from the last frame that holds all so far (the first, or an earlier
   * writer's appended frame) and every delta frame after it. */
  size_t pos = 0, at, n, nframes = 0, last_at = 0, events_from = 0;
  int r, delta = 0;
  char why[256] = "";
  while ((r = next_frame(buf, len, &pos, &at, &n, &delta)) == 1) {
    struct wpio_job probe;
    wpio_job_init(&probe);
    int ok = wpio_decode(buf + at, n, &probe, why, sizeof why) == 0;
    wpio_job_free(&probe);
    if (!ok) break;
    if (!delta) events_from = nframes;
    nframes++, last_at = at;
  }
  if (nframes == 0) {
    snprintf(err, errlen, "its first frame is damaged (%s)", why[0] ? why : "torn");
    return -1;
  }
  pos = 0;
  int rc = 0;
  for (size_t k = 0; k < nframes && rc == 0; k++) {
    next_frame(buf, len, &pos, &at, &n, &delta);
    struct wpio_job part;
    wpio_job_init(&part);
    rc = wpio_decode(buf + at, n, &part, why, sizeof why);
    if (rc == 0 && at != last_at) keep_window_rows(&part, k >= events_from);
    if (rc == 0 && k < events_from) part.timeline.n = part.strag_events.n = 0;
    if (rc == 0 && (wpio_job_append(job, &part) != 0 || append_arrivals(job, &part) != 0)) rc = -1;
    wpio_job_free(&part);
  }
  if (rc != 0) snprintf(err, errlen, "%s", why[0] ? why : "out of memory combining its frames");
  return rc;
}

/* ---- which stops may append (the writer's side) ---- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* A name id as its string, so the hash does not depend on the order names were interned in. */
static uint32_t name_key(const struct wpio_job *j, uint32_t id) {
  const char *s = id < j->names.n && j->names.s[id] ? j->names.s[id] : "";
  return (uint32_t)fnv1a(0xcbf29ce484222325ull, s, strlen(s) + 1);
}

/* The sum of the hashes of every row of window 0..last of the per-window tables: a sum, so the
 * collectors' row order does not matter. Rows are hashed as bytes (the vectors zero a row before it
 * is filled, so padding is zero) with their name ids replaced by their strings' hashes. */
static uint64_t rows_hash(const struct wpio_job *j, int32_t last) {
  uint64_t sum = 0;
#define HASH_ROWS(tag, vec, NAMES) \
  for (size_t i_ = 0; i_ < j->vec.n; i_++) { \
    __typeof__(j->vec.v[0]) r_; \
    memcpy(&r_, &j->vec.v[i_], sizeof r_); \
    if (r_.window < 0 || r_.window > last) continue; \
    NAMES; \
    sum += fnv1a(0xcbf29ce484222325ull ^ (tag), &r_, sizeof r_); \
  }
  HASH_ROWS(1, windows, (void)0);
  HASH_ROWS(2, kernels, r_.name_id = name_key(j, r_.name_id));
  HASH_ROWS(3, ranges, r_.name_id = name_key(j, r_.name_id));
  HASH_ROWS(4, mpi, r_.name_id = name_key(j, r_.name_id));
  HASH_ROWS(5, memory, r_.name_id = name_key(j, r_.name_id));
  HASH_ROWS(6, stacks, (r_.name_id = name_key(j, r_.name_id), r_.stack_id = name_key(j, r_.stack_id)));
  HASH_ROWS(7, breakdown, (void)0);
  HASH_ROWS(8, launch_latency, r_.name_id = name_key(j, r_.name_id));
#undef HASH_ROWS
  return sum;
}

/* Drops the rows of windows 0..last from the per-window tables: the frames so far hold them. */
static void drop_windows_upto(struct wpio_job *j, int32_t last) {
#define DROP(vec) \
  do { \
    size_t k_ = 0; \
    for (size_t i_ = 0; i_ < j->vec.n; i_++) \
      if (j->vec.v[i_].window < 0 || j->vec.v[i_].window > last) j->vec.v[k_++] = j->vec.v[i_]; \
    j->vec.n = k_; \
  } while (0)
  DROP(windows); DROP(kernels); DROP(ranges); DROP(mpi); DROP(memory); DROP(stacks); DROP(breakdown);
  DROP(launch_latency);
#undef DROP
}

/* A hash of the first n timeline events and of the first n straggler arrivals, in order. */
static uint64_t events_hash(const struct wpio_job *j, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n && i < j->timeline.n; i++) {
    struct wpio_timeline_row r = j->timeline.v[i];
    r.name_id = name_key(j, r.name_id);
    h = fnv1a(h, &r, sizeof r);
  }
  return h;
}

static uint64_t arrivals_hash(const struct wpio_job *j, size_t n) {
  return fnv1a(0xcbf29ce484222325ull, j->strag_events.v, (n < j->strag_events.n ? n : j->strag_events.n) *
                                                             sizeof *j->strag_events.v);
}

/* Drops the first n elements of a vector. */
#define DROP_FIRST(vec, count) \
  do { \
    size_t d_ = (count) < (vec).n ? (count) : (vec).n; \
    memmove((vec).v, (vec).v + d_, ((vec).n - d_) * sizeof *(vec).v); \
    (vec).n -= d_; \
  } while (0)

int wpio_spill_plan(struct wpio_spill_state *st, struct wpio_job *job, const int64_t fit[3]) {
  int32_t last = -1;
  for (size_t i = 0; i < job->windows.n; i++)
    if (job->windows.v[i].window > last) last = job->windows.v[i].window;
  /* the events and arrivals spilled so far must still be the first ones, unchanged: a frame then
   * carries only those after them */
  int append = st->valid && st->last_window >= 0 && last > st->last_window &&
               memcmp(st->fit, fit, sizeof st->fit) == 0 && job->timeline.n >= st->events &&
               job->strag_events.n >= st->arrivals && events_hash(job, st->events) == st->events_hash &&
               arrivals_hash(job, st->arrivals) == st->arrivals_hash &&
               rows_hash(job, st->last_window) == st->rows_hash;
  st->next_last = last;
  st->next_hash = rows_hash(job, last);
  memcpy(st->next_fit, fit, sizeof st->next_fit);
  st->next_events = job->timeline.n, st->next_events_hash = events_hash(job, job->timeline.n);
  st->next_arrivals = job->strag_events.n, st->next_arrivals_hash = arrivals_hash(job, job->strag_events.n);
  if (append) {
    drop_windows_upto(job, st->last_window);
    DROP_FIRST(job->timeline, st->events);
    DROP_FIRST(job->strag_events, st->arrivals);
  }
  return append;
}

void wpio_spill_planned(struct wpio_spill_state *st, int written) {
  st->valid = written;
  st->last_window = st->next_last;
  st->rows_hash = st->next_hash;
  memcpy(st->fit, st->next_fit, sizeof st->fit);
  st->events = st->next_events, st->events_hash = st->next_events_hash;
  st->arrivals = st->next_arrivals, st->arrivals_hash = st->next_arrivals_hash;
}
