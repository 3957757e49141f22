/* A spill's frames put back together (wpio_spill.h): each frame after the first holds the rows of the
 * windows closed since the frame before, the timeline events and straggler arrivals since (a delta
 * frame), and the latest state of the rest, so the rows of window >= 0, the events and the arrivals
 * come from every frame, in order, the lite scopes from the last frame that has them (a delta frame
 * may leave them out), and everything else from the last frame that is whole. A
 * provisional frame (the open window so far, written every WPROF_SPILL_INTERVAL_MS) is used only as
 * the last whole frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_spill.h"
#include "wpio_wire.h"

/* Keeps only the rows of closed windows (window >= 0) of the per-window tables, the timeline events
 * and straggler arrivals when `events`, the lite scopes when `lite`; drops the rest. */
static void keep_window_rows(struct wpio_job *j, int events, int lite) {
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
  if (!lite) j->lite.n = j->lite_hist.n = 0;
  j->cupti_overhead.n = 0;
  if (!events) j->timeline.n = j->strag_events.n = 0;
  j->sum_kernels.n = j->sum_ranges.n = j->sum_lite.n = j->sum_mpi.n = j->sum_memory.n = j->stragglers.n = 0;
}

/* Frame k's packed bytes: *at and *n, from offset *pos on, and its kind; 1, 0 at the end, -1 when
 * torn. */
enum frame_kind { FRAME_WHOLE, FRAME_DELTA, FRAME_DELTA_NO_LITE, FRAME_PROVISIONAL };
static int next_frame(const uint8_t *buf, size_t len, size_t *pos, size_t *at, size_t *n, enum frame_kind *kind) {
  if (*pos == len) return 0;
  if (len - *pos < WPIO_SPILL_FRAME_HEADER) return -1;
  if (memcmp(buf + *pos, WPIO_SPILL_FRAME_MAGIC, 8) == 0) *kind = FRAME_WHOLE;
  else if (memcmp(buf + *pos, WPIO_SPILL_DELTA_MAGIC, 8) == 0) *kind = FRAME_DELTA;
  else if (memcmp(buf + *pos, WPIO_SPILL_PROVISIONAL_MAGIC, 8) == 0) *kind = FRAME_PROVISIONAL;
  else if (memcmp(buf + *pos, WPIO_SPILL_DELTA_NO_LITE_MAGIC, 8) == 0) *kind = FRAME_DELTA_NO_LITE;
  else return -1;
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

struct frame_at { size_t at, n; int delta, lite; };

int wpio_spill_combine(const uint8_t *buf, size_t len, struct wpio_job *job, char *err, size_t errlen) {
  /* the whole frames first: a torn or undecodable tail is where a crash stopped an append. A
   * provisional frame (the open window so far) counts only as the last whole frame: one followed
   * by a committed frame is stale (writers cut it off first, so this is a reader's caution). It
   * carries all events so far when it is the file's first frame, else those since the frame before.
   * The events and arrivals come from the last frame that holds all so far (the first, or an
   * earlier writer's appended frame) and every delta frame after it; the lite scopes from the last
   * frame that has them. */
  size_t pos = 0, at, n, nframes = 0, cap = 0, events_from = 0, lite_from = 0;
  struct frame_at *use = NULL;
  int r, provisional_last = 0;
  enum frame_kind kind;
  char why[256] = "";
  while ((r = next_frame(buf, len, &pos, &at, &n, &kind)) == 1) {
    struct wpio_job probe;
    wpio_job_init(&probe);
    int ok = wpio_decode(buf + at, n, &probe, why, sizeof why) == 0;
    wpio_job_free(&probe);
    if (!ok) break;
    if (provisional_last) nframes--; /* a provisional frame followed by another: left out */
    if (nframes == cap) {
      cap = cap ? 2 * cap : 16;
      struct frame_at *grown = realloc(use, cap * sizeof *use);
      if (!grown) {
        free(use);
        snprintf(err, errlen, "out of memory combining its frames");
        return -1;
      }
      use = grown;
    }
    int whole = kind == FRAME_WHOLE || (kind == FRAME_PROVISIONAL && at == WPIO_SPILL_FRAME_HEADER);
    use[nframes] = (struct frame_at){at, n, !whole, kind != FRAME_DELTA_NO_LITE};
    provisional_last = kind == FRAME_PROVISIONAL;
    nframes++;
  }
  if (nframes == 0) {
    free(use);
    snprintf(err, errlen, "its first frame is damaged (%s)", why[0] ? why : "torn");
    return -1;
  }
  for (size_t k = 0; k < nframes; k++) {
    if (!use[k].delta) events_from = k;
    if (use[k].lite) lite_from = k;
  }
  int rc = 0;
  for (size_t k = 0; k < nframes && rc == 0; k++) {
    struct wpio_job part;
    wpio_job_init(&part);
    rc = wpio_decode(buf + use[k].at, use[k].n, &part, why, sizeof why);
    if (rc == 0 && k + 1 != nframes) keep_window_rows(&part, k >= events_from, k == lite_from);
    if (rc == 0 && k < events_from) part.timeline.n = part.strag_events.n = 0;
    if (rc == 0 && (wpio_job_append(job, &part) != 0 || append_arrivals(job, &part) != 0)) rc = -1;
    wpio_job_free(&part);
  }
  free(use);
  if (rc != 0) snprintf(err, errlen, "%s", why[0] ? why : "out of memory combining its frames");
  return rc;
}

/* ---- which stops may append (the writer's side) ---- */

/* A fast hash of n bytes (8 at a time; change detection, not security). */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (; n >= 8; b += 8, n -= 8) {
    uint64_t w;
    memcpy(&w, b, 8);
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
  }
  for (; n > 0; b++, n--) h = (h ^ *b) * 0x100000001b3ull;
  return h;
}

/* Each name's hash, so a row's hash can use its name's string instead of its id (ids depend on the
 * order names were interned in). NULL when out of memory. */
static uint32_t *name_keys(const struct wpio_job *j) {
  uint32_t *k = malloc((j->names.n ? j->names.n : 1) * sizeof *k);
  for (size_t i = 0; k && i < j->names.n; i++) {
    const char *s = j->names.s[i] ? j->names.s[i] : "";
    k[i] = (uint32_t)fnv1a(0xcbf29ce484222325ull, s, strlen(s) + 1);
  }
  return k;
}

static uint32_t name_key(const struct wpio_job *j, const uint32_t *keys, uint32_t id) {
  return id < j->names.n ? keys[id] : 0;
}

/* The sums of the hashes of the rows of windows 0..spilled (*old) and spilled+1..last (*new) of the
 * per-window tables: sums, so the collectors' row order does not matter, and one pass gives the
 * check of what was spilled and the state for the next stop. Rows are hashed as bytes (the vectors
 * zero a row before it is filled, so padding is zero) with their name ids replaced by their strings'
 * hashes. */
static void rows_hash(const struct wpio_job *j, const uint32_t *keys, int32_t spilled, int32_t last, uint64_t *old,
                      uint64_t *new) {
  *old = *new = 0;
#define HASH_ROWS(tag, vec, NAMES) \
  for (size_t i_ = 0; i_ < j->vec.n; i_++) { \
    __typeof__(j->vec.v[0]) r_; \
    memcpy(&r_, &j->vec.v[i_], sizeof r_); \
    if (r_.window < 0 || r_.window > last) continue; \
    NAMES; \
    *(r_.window <= spilled ? old : new) += fnv1a(0xcbf29ce484222325ull ^ (tag), &r_, sizeof r_); \
  }
  HASH_ROWS(1, windows, (void)0);
  HASH_ROWS(2, kernels, r_.name_id = name_key(j, keys, r_.name_id));
  HASH_ROWS(3, ranges, r_.name_id = name_key(j, keys, r_.name_id));
  HASH_ROWS(4, mpi, r_.name_id = name_key(j, keys, r_.name_id));
  HASH_ROWS(5, memory, r_.name_id = name_key(j, keys, r_.name_id));
  HASH_ROWS(6, stacks,
            (r_.name_id = name_key(j, keys, r_.name_id), r_.stack_id = name_key(j, keys, r_.stack_id)));
  HASH_ROWS(7, breakdown, (void)0);
  HASH_ROWS(8, launch_latency, r_.name_id = name_key(j, keys, r_.name_id));
#undef HASH_ROWS
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

/* The hash h of timeline events [0, from) carried on over [from, to), in order. */
static uint64_t events_hash(const struct wpio_job *j, const uint32_t *keys, size_t from, size_t to, uint64_t h) {
  for (size_t i = from; i < to && i < j->timeline.n; i++) {
    struct wpio_timeline_row r;
    memcpy(&r, &j->timeline.v[i], sizeof r);
    r.name_id = name_key(j, keys, r.name_id);
    h = fnv1a(h, &r, sizeof r);
  }
  return h;
}

/* The same for straggler arrivals (no names in them). */
static uint64_t arrivals_hash(const struct wpio_job *j, size_t from, size_t to, uint64_t h) {
  if (to > j->strag_events.n) to = j->strag_events.n;
  return from < to ? fnv1a(h, j->strag_events.v + from, (to - from) * sizeof *j->strag_events.v) : h;
}

/* Drops the first n elements of a vector. */
#define DROP_FIRST(vec, count) \
  do { \
    size_t d_ = (count) < (vec).n ? (count) : (vec).n; \
    if (d_ > 0) memmove((vec).v, (vec).v + d_, ((vec).n - d_) * sizeof *(vec).v); /* v is NULL when empty */ \
    (vec).n -= d_; \
  } while (0)

/* rank 0's time of the rank's own time t by fit f */
static int64_t fit_map(const struct wpio_spill_fit *f, int64_t t) {
  return t - f->offset_ns - (int64_t)((double)(t - f->ref_ns) * f->drift_ppm * 1e-6);
}

/* Whether fit b puts the times lo..hi within the tolerance of where fit a put them (both linear:
 * the ends are the farthest apart). */
static int fits_agree(const struct wpio_spill_fit *a, const struct wpio_spill_fit *b, int64_t lo, int64_t hi) {
  int64_t tol = b->residual_ns > WPIO_SPILL_FIT_TOLERANCE_NS ? b->residual_ns : WPIO_SPILL_FIT_TOLERANCE_NS;
  int64_t d_lo = fit_map(a, lo) - fit_map(b, lo), d_hi = fit_map(a, hi) - fit_map(b, hi);
  return d_lo <= tol && d_lo >= -tol && d_hi <= tol && d_hi >= -tol;
}

/* The rank's own times the windows 0..last cover. */
static void windows_span(const struct wpio_job *j, int32_t last, int64_t *lo, int64_t *hi) {
  *lo = INT64_MAX, *hi = INT64_MIN;
  for (size_t i = 0; i < j->windows.n; i++) {
    const struct wpio_window_row *w = &j->windows.v[i];
    if (w->window < 0 || w->window > last) continue;
    if (w->start_ns < *lo) *lo = w->start_ns;
    if (w->end_ns > *hi) *hi = w->end_ns;
  }
  if (*lo > *hi) *lo = *hi = 0;
}

/* The plan of a committed frame (provisional 0: checks the fit, sets the next state) or of a
 * provisional one (leaves the state alone: the next committed frame is planned as if it had not been
 * written; the fit is not compared, see wpio_spill_plan_provisional). */
static int plan(struct wpio_spill_state *st, struct wpio_job *job, const struct wpio_spill_fit *fit,
                int provisional, int earlier_left_out) {
  int32_t last = -1;
  for (size_t i = 0; i < job->windows.n; i++)
    if (job->windows.v[i].window > last) last = job->windows.v[i].window;
  int32_t spilled = st->valid ? st->last_window : -1;
  /* rows left out by the caller are not compared, and what it collected is not hashed either: the
   * hash of all rows then stays unknown until a frame written whole (a stop that collects every
   * window writes whole after such stops). On the host a stop collects every window only after a
   * late update changed a spilled row, which the hash would not have matched anyway; so a stop's
   * plan hashes nothing but its events (a tenth of a stop's spill on 1000 ranges) */
  int hash_rows = !earlier_left_out;
  uint32_t *keys = hash_rows || job->timeline.n > 0 ? name_keys(job) : NULL;
  if (!keys && (hash_rows || job->timeline.n > 0)) { /* no memory to check: write whole, and the next stop too */
    if (!provisional) st->next_last = -1, st->next_hash_known = 0;
    return 0;
  }
  uint64_t old_rows = 0, new_rows = 0;
  if (hash_rows) rows_hash(job, keys, spilled, last, &old_rows, &new_rows);
  /* the events and arrivals spilled so far must still be the first ones, unchanged: a frame then
   * carries only those after them */
  const uint64_t seed = 0xcbf29ce484222325ull;
  size_t ev = st->valid ? st->events : 0, ar = st->valid ? st->arrivals : 0;
  uint64_t ev_old = events_hash(job, keys, 0, ev, seed), ar_old = arrivals_hash(job, 0, ar, seed);
  int append = st->valid && spilled >= 0 && last > spilled &&
               (provisional || fits_agree(&st->fit, fit, st->span_lo, st->span_hi)) &&
               (earlier_left_out || (st->rows_hash_known && old_rows == st->rows_hash)) &&
               job->timeline.n >= ev && job->strag_events.n >= ar && ev_old == st->events_hash &&
               ar_old == st->arrivals_hash;
  if (!provisional) {
    st->next_last = last;
    st->next_hash = old_rows + new_rows;
    st->next_hash_known = hash_rows;
    /* appended frames keep the whole frame's fit as the reference: refits within the tolerance of it
     * never add up to more */
    st->next_fit = append ? st->fit : *fit;
    windows_span(job, last, &st->next_lo, &st->next_hi);
    st->next_events = job->timeline.n;
    st->next_events_hash = events_hash(job, keys, ev, job->timeline.n, ev_old);
    st->next_arrivals = job->strag_events.n;
    st->next_arrivals_hash = arrivals_hash(job, ar, job->strag_events.n, ar_old);
  }
  free(keys);
  if (append) {
    drop_windows_upto(job, spilled);
    DROP_FIRST(job->timeline, ev);
    DROP_FIRST(job->strag_events, ar);
  }
  return append;
}

int wpio_spill_plan(struct wpio_spill_state *st, struct wpio_job *job, const struct wpio_spill_fit *fit,
                    int earlier_left_out) {
  return plan(st, job, fit, 0, earlier_left_out);
}

int wpio_spill_plan_provisional(const struct wpio_spill_state *st, struct wpio_job *job, int earlier_left_out) {
  struct wpio_spill_state copy = *st; /* plan reads it only, when provisional */
  return plan(&copy, job, &st->fit, 1, earlier_left_out);
}

void wpio_spill_planned(struct wpio_spill_state *st, int written) {
  st->valid = written;
  st->last_window = st->next_last;
  st->rows_hash = st->next_hash;
  st->rows_hash_known = st->next_hash_known;
  st->fit = st->next_fit;
  st->span_lo = st->next_lo, st->span_hi = st->next_hi;
  st->events = st->next_events, st->events_hash = st->next_events_hash;
  st->arrivals = st->next_arrivals, st->arrivals_hash = st->next_arrivals_hash;
}
