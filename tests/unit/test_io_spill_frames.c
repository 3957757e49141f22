/* Framed spills (io/spill): a session's first spill written whole, later stops' windows appended as
 * frames. Read back: every frame's windows, the rest (lite, rows of window -1, attributes, the rank
 * row) from the last whole frame only; a torn last frame (a crash mid-append) left out; an unframed
 * spill of an earlier wprof still read; a spill whose first frame is torn refused. Which stops may
 * append (wpio_spill_plan): not after a late record changed an earlier window or a clock refit, or
 * an event sorted before those spilled, nor, with all rows collected, after a stop that collected
 * only its own windows (whose rows are not hashed); appended frames carry only the events and
 * arrivals since.
 * Provisional frames (the open window so far): used only as the last whole frame, left out when a
 * committed frame follows or when torn, at most one per file (each frame cuts the file back to the
 * last committed one), never counted as spilled, and a provisional-only file read on its own.
 * Appended frames without the lite scopes (WPSPILL\004): the lite rows come from the last frame that
 * has them, whole, appended or provisional; a whole first frame without them (a stop within the
 * interval of the session's start) reads as no lite rows until a frame that has them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wpio_spill.h"
#include "wpio_wire.h"
#include "wptest_check.h"

#define OK(cond) EXPECT(cond, "%s", "")

/* What rank 3 has after stop k (0-based): window k's rows, and the cumulative tables at their
 * k-th state (lite calls and the window -1 MPI calls are k + 1). */
static void stop_state(struct wpio_job *j, int k, int whole) {
  wpio_job_init(j);
  wpio_job_set_attr_int(j, "world_size", 4);
  wpio_job_set_attr_int(j, "stops_seen", k + 1);
  struct wpio_rank_row *r = WPIO_VEC_PUSH(j->ranks);
  *r = (struct wpio_rank_row){.rank = 3, .hostname = strdup("h"), .status = strdup(WPIO_STATUS_OK), .device = -1};
  uint32_t kern = wpio_strtab_intern(&j->names, "kern", 4), mpi = wpio_strtab_intern(&j->names, "MPI_Send", 8);
  uint32_t scope = wpio_strtab_intern(&j->names, "scope", 5);
  for (int w = whole ? 0 : k; w <= k; w++) {
    *WPIO_VEC_PUSH(j->windows) = (struct wpio_window_row){3, w, 100 * w, 100 * w + 50, 10 + w, 0};
    *WPIO_VEC_PUSH(j->kernels) = (struct wpio_kernel_row){.rank = 3, .window = w, .name_id = kern, .calls = 5u + w,
                                                           .graph_id = -1};
    *WPIO_VEC_PUSH(j->mpi) = (struct wpio_mpi_row){.rank = 3, .window = w, .name_id = mpi, .calls = 7u + w};
  }
  *WPIO_VEC_PUSH(j->mpi) = (struct wpio_mpi_row){.rank = 3, .window = -1, .name_id = mpi, .calls = (uint64_t)k + 1};
  *WPIO_VEC_PUSH(j->lite) = (struct wpio_lite_row){.rank = 3, .name_id = scope, .calls = (uint64_t)k + 1};
}

static void write_state(const char *dir, int k, int append) {
  struct wpio_job j;
  stop_state(&j, k, !append);
  uint8_t *buf;
  size_t len;
  char err[256];
  OK(wpio_encode(&j, &buf, &len) == 0);
  OK((append ? wpio_spill_append(dir, 3, buf, len, err, sizeof err) : wpio_spill_write(dir, 3, buf, len, err, sizeof err)) == 0);
  free(buf);
  wpio_job_free(&j);
}

/* The spill read back holds windows 0..last, their rows once each, and the state of stop `last`. */
static void check_read(const char *dir, int last) {
  struct wpio_job j;
  wpio_job_init(&j);
  char err[256] = "";
  int rc = wpio_spill_read_in(dir, 3, &j, err, sizeof err);
  EXPECT(rc == 0, "%s", err);
  OK(j.windows.n == (size_t)last + 1 && j.kernels.n == (size_t)last + 1);
  for (int w = 0; w <= last && w < (int)j.windows.n; w++) {
    OK(j.windows.v[w].window == w && j.windows.v[w].steps == 10 + w);
    OK(j.kernels.v[w].window == w && j.kernels.v[w].calls == 5u + (uint64_t)w);
    OK(strcmp(j.names.s[j.kernels.v[w].name_id], "kern") == 0);
  }
  size_t minus1 = 0;
  for (size_t i = 0; i < j.mpi.n; i++)
    if (j.mpi.v[i].window < 0) {
      minus1++;
      OK(j.mpi.v[i].calls == (uint64_t)last + 1);
    }
  OK(minus1 == 1 && j.mpi.n == (size_t)last + 2);
  OK(j.lite.n == 1 && j.lite.v[0].calls == (uint64_t)last + 1);
  OK(j.ranks.n == 1);
  const struct wpio_attr *a = wpio_job_attr(&j, "stops_seen");
  OK(a && a->ival == last + 1);
  wpio_job_free(&j);
}

/* Stop k's frame appended without its lite rows (a stop within the interval of the last copy). */
static void append_no_lite(const char *dir, const char *path, int k) {
  struct wpio_job j;
  stop_state(&j, k, 0);
  j.lite.n = 0;
  uint8_t *buf;
  size_t len;
  char err[256];
  FILE *f = fopen(path, "rb");
  OK(f && fseek(f, 0, SEEK_END) == 0);
  long end = f ? ftell(f) : 0;
  if (f) fclose(f);
  OK(wpio_encode(&j, &buf, &len) == 0);
  EXPECT(wpio_spill_append_frame(dir, 3, buf, len, WPIO_SPILL_DELTA_NO_LITE, (uint64_t)end, NULL, err, sizeof err) == 0,
         "%s", err);
  free(buf);
  wpio_job_free(&j);
}

/* The lite calls of the spill read back, with its windows 0..last all there. */
static uint64_t read_lite_calls(const char *dir, int last) {
  struct wpio_job j;
  wpio_job_init(&j);
  char err[256] = "";
  EXPECT(wpio_spill_read_in(dir, 3, &j, err, sizeof err) == 0, "%s", err);
  OK(j.windows.n == (size_t)last + 1 && j.lite.n == 1);
  uint64_t calls = j.lite.n == 1 ? j.lite.v[0].calls : 0;
  OK(j.lite.n != 1 || strcmp(j.names.s[j.lite.v[0].name_id], "scope") == 0);
  wpio_job_free(&j);
  return calls;
}

static void check_no_lite(const char *dir, const char *path) {
  write_state(dir, 0, 0);
  append_no_lite(dir, path, 1);
  append_no_lite(dir, path, 2);
  EXPECT(read_lite_calls(dir, 2) == 1, "the whole frame's lite rows (%llu calls)",
         (unsigned long long)read_lite_calls(dir, 2));
  write_state(dir, 3, 1); /* a stop past the interval: its frame has them again */
  EXPECT(read_lite_calls(dir, 3) == 4, "the last appended copy (%llu calls)",
         (unsigned long long)read_lite_calls(dir, 3));
  append_no_lite(dir, path, 4);
  EXPECT(read_lite_calls(dir, 4) == 4, "the copy before the frame without (%llu calls)",
         (unsigned long long)read_lite_calls(dir, 4));
}

/* The lite rows of the spill read back, with its windows 0..last all there. */
static size_t read_lite_rows(const char *dir, int last) {
  struct wpio_job j;
  wpio_job_init(&j);
  char err[256] = "";
  EXPECT(wpio_spill_read_in(dir, 3, &j, err, sizeof err) == 0, "%s", err);
  OK(j.windows.n == (size_t)last + 1);
  size_t n = j.lite.n;
  wpio_job_free(&j);
  return n;
}

static void check_first_no_lite(const char *dir, const char *path) {
  struct wpio_job j;
  stop_state(&j, 0, 1);
  j.lite.n = 0; /* the session's first stop, within the interval of its start */
  uint8_t *buf;
  size_t len;
  char err[256] = "";
  OK(wpio_encode(&j, &buf, &len) == 0);
  EXPECT(wpio_spill_write(dir, 3, buf, len, err, sizeof err) == 0, "%s", err);
  free(buf);
  wpio_job_free(&j);
  EXPECT(read_lite_rows(dir, 0) == 0, "no lite rows after a whole frame without them (%zu)", read_lite_rows(dir, 0));
  append_no_lite(dir, path, 1);
  EXPECT(read_lite_rows(dir, 1) == 0, "nor after a frame without them (%zu)", read_lite_rows(dir, 1));
  write_state(dir, 2, 1); /* a stop past the interval */
  EXPECT(read_lite_calls(dir, 2) == 3, "the appended copy (%llu calls)", (unsigned long long)read_lite_calls(dir, 2));
  append_no_lite(dir, path, 3);
  EXPECT(read_lite_calls(dir, 3) == 3, "the copy before the frame without (%llu calls)",
         (unsigned long long)read_lite_calls(dir, 3));
}

/* ---- which stops append (wpio_spill_plan) ---- */

static int early_event;

/* Rank 3's collected tables at a stop that closed window `last`: windows 0..last, a kernel row each
 * with calls[w] calls, names interned in the given order, rows in reverse order when `reverse`. */
static void collected(struct wpio_job *j, int last, const uint64_t *calls, int names_reversed, int reverse) {
  wpio_job_init(j);
  struct wpio_rank_row *r = WPIO_VEC_PUSH(j->ranks);
  *r = (struct wpio_rank_row){.rank = 3, .hostname = strdup("h"), .status = strdup(WPIO_STATUS_OK), .device = -1};
  if (names_reversed) wpio_strtab_intern(&j->names, "other", 5);
  uint32_t kern = wpio_strtab_intern(&j->names, "kern", 4);
  if (!names_reversed) wpio_strtab_intern(&j->names, "other", 5);
  for (int k = 0; k <= last; k++) {
    int w = reverse ? last - k : k;
    *WPIO_VEC_PUSH(j->windows) = (struct wpio_window_row){3, w, 100 * w, 100 * w + 50, 10 + w, 0};
    struct wpio_kernel_row *kr = WPIO_VEC_PUSH(j->kernels);
    kr->rank = 3, kr->window = w, kr->name_id = kern, kr->calls = calls[w], kr->graph_id = -1;
  }
  *WPIO_VEC_PUSH(j->lite) = (struct wpio_lite_row){.rank = 3, .name_id = kern, .calls = (uint64_t)last + 1};
  /* the timeline and the straggler arrivals: all so far, in time order; `early_event` is a late GPU
   * record whose event sorts first */
  if (early_event) *WPIO_VEC_PUSH(j->timeline) = (struct wpio_timeline_row){3, 0, kern, 1, -50, -40};
  for (int w = 0; w <= last; w++) {
    *WPIO_VEC_PUSH(j->timeline) = (struct wpio_timeline_row){3, 0, kern, 1, 100 * w, 100 * w + 10};
    *WPIO_VEC_PUSH(j->strag_events) = (struct wpio_strag_event){3, w, 0, 0, 100 * w, 100 * w + 5};
  }
}

/* Plans, writes (appended or whole) and reads back a stop's spill; returns whether it appended, and
 * checks the spill then holds windows 0..last with calls[w] kernel calls each. */
static int spill_stop(const char *dir, struct wpio_spill_state *st, int last, const uint64_t *calls,
                      const struct wpio_spill_fit *fit, int names_reversed, int reverse) {
  struct wpio_job j;
  collected(&j, last, calls, names_reversed, reverse);
  int append = wpio_spill_plan(st, &j, fit, 0);
  uint8_t *buf;
  size_t len;
  char err[256] = "";
  OK(wpio_encode(&j, &buf, &len) == 0);
  int rc = append ? wpio_spill_append(dir, 3, buf, len, err, sizeof err) : wpio_spill_write(dir, 3, buf, len, err, sizeof err);
  EXPECT(rc == 0, "%s", err);
  wpio_spill_planned(st, rc == 0);
  free(buf);
  wpio_job_free(&j);
  wpio_job_init(&j);
  EXPECT(wpio_spill_read_in(dir, 3, &j, err, sizeof err) == 0, "%s", err);
  EXPECT(j.windows.n == (size_t)last + 1 && j.kernels.n == (size_t)last + 1, "stop %d: %zu windows, %zu kernel rows",
         last, j.windows.n, j.kernels.n);
  size_t events = (size_t)last + 1 + (early_event ? 1 : 0);
  EXPECT(j.timeline.n == events && j.strag_events.n == (size_t)last + 1, "stop %d: %zu events, %zu arrivals", last,
         j.timeline.n, j.strag_events.n);
  for (size_t i = 0; i < j.timeline.n && i < events; i++)
    OK(j.timeline.v[i].start_ns == (early_event ? (i == 0 ? -50 : 100 * ((int64_t)i - 1)) : 100 * (int64_t)i));
  for (size_t i = 0; i < j.strag_events.n; i++) OK(j.strag_events.v[i].window == (int32_t)i);
  for (size_t i = 0; i < j.kernels.n; i++) {
    int w = j.kernels.v[i].window;
    EXPECT(w >= 0 && w <= last && j.kernels.v[i].calls == calls[w], "stop %d: window %d has %llu calls", last, w,
           (unsigned long long)j.kernels.v[i].calls);
  }
  wpio_job_free(&j);
  return append;
}

/* A GPU record of window 0 that arrives after window 0's stop updates its row at the next collect:
 * that stop rewrites the spill whole, so the spill read back has the late record. A refit clock that
 * moves the spilled positions by more than the tolerance (1 us, or the fit's residual when larger)
 * also rewrites whole; one within it appends (ranks on another node refit at every sync point). Name
 * order and row order alone do not. */
static void check_plan(const char *dir) {
  struct wpio_spill_state st = {0};
  uint64_t calls[10] = {5, 7, 9, 11, 13, 15, 17, 19, 21, 23};
  const struct wpio_spill_fit fit = {100, 0, 1000, 0}, nudged = {400, 0, 1500, 0}, refit = {5100, 0, 2000, 0},
                              noisy = {8100, 0, 2000, 4000}, drifted = {5100, 1.0, 2000000000, 0};
  OK(!spill_stop(dir, &st, 0, calls, &fit, 0, 0));     /* the first: whole */
  OK(spill_stop(dir, &st, 1, calls, &fit, 0, 0));      /* nothing earlier changed: appended */
  calls[0] = 6;                                         /* window 0's late record */
  OK(!spill_stop(dir, &st, 2, calls, &fit, 0, 0));     /* whole, and it has the late record */
  OK(spill_stop(dir, &st, 3, calls, &fit, 1, 1));      /* names and rows in another order: appended */
  OK(spill_stop(dir, &st, 4, calls, &nudged, 0, 0));   /* a refit 0.3 us away: appended */
  OK(!spill_stop(dir, &st, 5, calls, &refit, 0, 0));   /* 5 us away from the whole frame's fit: whole */
  OK(spill_stop(dir, &st, 6, calls, &noisy, 0, 0));    /* 3 us away, within the fit's residual of 4 us */
  /* a drift of 1 ppm about a time 2 s after the spilled windows moves them by 2 us: whole */
  OK(!spill_stop(dir, &st, 7, calls, &drifted, 0, 0));
  early_event = 1;                                      /* an event before those spilled: whole */
  OK(!spill_stop(dir, &st, 8, calls, &drifted, 0, 0));
  OK(spill_stop(dir, &st, 9, calls, &drifted, 0, 0));  /* then appended again, events as deltas */
  st.valid = 0;                                         /* a failed write: the next one whole */
  OK(!spill_stop(dir, &st, 9, calls, &drifted, 0, 0));
}

/* A stop that collected only the windows after those spilled (earlier_left_out) appends without
 * hashing its rows; a later stop that collects every window then writes whole, the hash of all rows
 * being unknown, though nothing changed; the stop after that appends again. */
static void check_plan_left_out(const char *dir) {
  struct wpio_spill_state st = {0};
  uint64_t calls[4] = {5, 7, 9, 11};
  const struct wpio_spill_fit fit = {100, 0, 1000, 0};
  OK(!spill_stop(dir, &st, 0, calls, &fit, 0, 0));
  struct wpio_job j;
  collected(&j, 1, calls, 0, 0);
  size_t k = 0; /* what the caller collects: window 1's kernel rows, every /windows row */
  for (size_t i = 0; i < j.kernels.n; i++)
    if (j.kernels.v[i].window > 0) j.kernels.v[k++] = j.kernels.v[i];
  j.kernels.n = k;
  EXPECT(wpio_spill_plan(&st, &j, &fit, 1) == 1, "%s", "the stop that left window 0 out appends");
  uint8_t *buf;
  size_t len;
  char err[256] = "";
  OK(wpio_encode(&j, &buf, &len) == 0);
  EXPECT(wpio_spill_append(dir, 3, buf, len, err, sizeof err) == 0, "%s", err);
  wpio_spill_planned(&st, 1);
  free(buf);
  wpio_job_free(&j);
  EXPECT(!spill_stop(dir, &st, 2, calls, &fit, 0, 0), "%s", "a stop collecting every window after it: whole");
  EXPECT(spill_stop(dir, &st, 3, calls, &fit, 0, 0), "%s", "and the next appends again");
}

/* ---- provisional frames (the open window so far) ---- */

/* What rank 3 has while window last+1 is open after `open_steps` steps: the closed windows 0..last,
 * the open window's rows and its /windows row marked cut short, its event and arrival; lite calls
 * 1000 + open_steps (the latest state). */
static void open_state(struct wpio_job *j, int last, int64_t open_steps) {
  static const uint64_t calls[8] = {5, 7, 9, 11, 13, 15, 17, 19};
  collected(j, last, calls, 0, 0);
  int w = last + 1;
  uint32_t kern = wpio_strtab_intern(&j->names, "kern", 4);
  *WPIO_VEC_PUSH(j->windows) = (struct wpio_window_row){3, w, 100 * w, 100 * w + 20, open_steps, 1};
  struct wpio_kernel_row *kr = WPIO_VEC_PUSH(j->kernels);
  kr->rank = 3, kr->window = w, kr->name_id = kern, kr->calls = 100u + (uint64_t)open_steps, kr->graph_id = -1;
  *WPIO_VEC_PUSH(j->timeline) = (struct wpio_timeline_row){3, 0, kern, 1, 100 * w, 100 * w + 10};
  *WPIO_VEC_PUSH(j->strag_events) = (struct wpio_strag_event){3, w, 0, 0, 100 * w, 100 * w + 5};
  j->lite.v[0].calls = 1000u + (uint64_t)open_steps;
}

/* The committed stop that closed window `last` (plan, write at `*end`, planned); *end its new end. */
static void commit_stop(const char *dir, struct wpio_spill_state *st, int last, uint64_t *end) {
  static const uint64_t calls[8] = {5, 7, 9, 11, 13, 15, 17, 19};
  const struct wpio_spill_fit fit = {100, 0, 1000, 0};
  struct wpio_job j;
  collected(&j, last, calls, 0, 0);
  int append = wpio_spill_plan(st, &j, &fit, 0);
  uint8_t *buf;
  size_t len;
  char err[256] = "";
  OK(wpio_encode(&j, &buf, &len) == 0);
  int rc = append ? wpio_spill_append_frame(dir, 3, buf, len, 0, *end, end, err, sizeof err)
                  : wpio_spill_write(dir, 3, buf, len, err, sizeof err);
  EXPECT(rc == 0, "%s", err);
  if (!append) *end = WPIO_SPILL_FRAME_HEADER + len;
  wpio_spill_planned(st, rc == 0);
  free(buf);
  wpio_job_free(&j);
}

/* A provisional frame of the open window after the committed frames (ending at `end`); returns
 * whether it was appended (else written whole as a provisional-only file). The state is unchanged. */
static int write_provisional(const char *dir, const struct wpio_spill_state *st, int last, int64_t steps,
                             uint64_t end) {
  struct wpio_job j;
  open_state(&j, last, steps);
  struct wpio_spill_state before = *st;
  int append = st->valid && wpio_spill_plan_provisional(st, &j, 0);
  OK(memcmp(&before, st, sizeof before) == 0);
  uint8_t *buf;
  size_t len;
  char err[256] = "";
  OK(wpio_encode(&j, &buf, &len) == 0);
  int rc = append ? wpio_spill_append_frame(dir, 3, buf, len, 1, end, NULL, err, sizeof err)
                  : wpio_spill_write_provisional(dir, 3, buf, len, err, sizeof err);
  EXPECT(rc == 0, "%s", err);
  free(buf);
  wpio_job_free(&j);
  return append;
}

/* The spill read back: windows 0..last closed, then (open_steps >= 0) window last+1 cut short after
 * open_steps steps; every event and arrival once; lite from the last frame used. */
static void check_open_read(const char *dir, int last, int64_t open_steps) {
  struct wpio_job j;
  wpio_job_init(&j);
  char err[256] = "";
  EXPECT(wpio_spill_read_in(dir, 3, &j, err, sizeof err) == 0, "%s", err);
  size_t n = (size_t)last + 1 + (open_steps >= 0);
  EXPECT(j.windows.n == n && j.kernels.n == n, "%zu windows, %zu kernel rows (want %zu)", j.windows.n, j.kernels.n, n);
  EXPECT(j.timeline.n == n && j.strag_events.n == n, "%zu events, %zu arrivals (want %zu)", j.timeline.n,
         j.strag_events.n, n);
  for (size_t i = 0; i < j.windows.n; i++) {
    const struct wpio_window_row *w = &j.windows.v[i];
    int open = w->window == last + 1;
    EXPECT(w->cut_short == open && w->steps == (open ? open_steps : 10 + w->window),
           "window %d: cut_short %d, steps %lld", (int)w->window, (int)w->cut_short, (long long)w->steps);
  }
  OK(j.lite.n == 1 && j.lite.v[0].calls == (open_steps >= 0 ? 1000u + (uint64_t)open_steps : (uint64_t)last + 1));
  wpio_job_free(&j);
}

static long file_size(const char *path) {
  FILE *f = fopen(path, "rb");
  long size = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (f) fclose(f);
  return size;
}

static int count_magic(const char *path, const char *magic) {
  FILE *f = fopen(path, "rb");
  static uint8_t b[1 << 20];
  size_t n = f ? fread(b, 1, sizeof b, f) : 0;
  if (f) fclose(f);
  int c = 0;
  for (size_t i = 0; i + 8 <= n; i++) c += memcmp(b + i, magic, 8) == 0;
  return c;
}

static void check_provisional(const char *dir, const char *path) {
  struct wpio_spill_state st = {0};
  uint64_t end = 0;
  early_event = 0;
  /* before the session's first stop: a provisional-only file, read on its own */
  OK(!write_provisional(dir, &st, -1, 2, 0));
  check_open_read(dir, -1, 2);
  commit_stop(dir, &st, 0, &end);                  /* whole: replaces it */
  OK(count_magic(path, WPIO_SPILL_PROVISIONAL_MAGIC) == 0);
  commit_stop(dir, &st, 1, &end);                  /* appended */
  OK(file_size(path) == (long)end);
  /* the open window 2: the last whole frame, so used */
  OK(write_provisional(dir, &st, 1, 4, end));
  check_open_read(dir, 1, 4);
  /* a later one replaces it: one provisional frame in the file, always the last */
  OK(write_provisional(dir, &st, 1, 6, end));
  OK(count_magic(path, WPIO_SPILL_PROVISIONAL_MAGIC) == 1 && file_size(path) > (long)end);
  check_open_read(dir, 1, 6);
  /* torn (killed while writing it): left out, the committed frames read as they were */
  OK(truncate(path, file_size(path) - 7) == 0);
  check_open_read(dir, 1, -1);
  /* the stop that closes window 2 cuts the file back first: its frame carries window 2 as if no
   * provisional frame had been written */
  OK(write_provisional(dir, &st, 1, 6, end));
  commit_stop(dir, &st, 2, &end);
  OK(count_magic(path, WPIO_SPILL_PROVISIONAL_MAGIC) == 0 && file_size(path) == (long)end);
  check_open_read(dir, 2, -1);
  /* a provisional frame followed by a committed one (a writer that did not cut it off): ignored */
  OK(write_provisional(dir, &st, 2, 3, end));
  struct wpio_job j;
  static const uint64_t calls[8] = {5, 7, 9, 11, 13, 15, 17, 19};
  const struct wpio_spill_fit fit = {100, 0, 1000, 0};
  collected(&j, 3, calls, 0, 0);
  OK(wpio_spill_plan(&st, &j, &fit, 0) == 1);
  uint8_t *buf;
  size_t len;
  char err[256] = "";
  OK(wpio_encode(&j, &buf, &len) == 0);
  EXPECT(wpio_spill_append(dir, 3, buf, len, err, sizeof err) == 0, "%s", err); /* at the end, no cut */
  wpio_spill_planned(&st, 1);
  free(buf);
  wpio_job_free(&j);
  OK(count_magic(path, WPIO_SPILL_PROVISIONAL_MAGIC) == 1);
  check_open_read(dir, 3, -1);
}

int main(void) {
  char dir[] = "/tmp/wprof-spill-frames-XXXXXX";
  OK(mkdtemp(dir) != NULL);
  char path[256];
  snprintf(path, sizeof path, "%s/rank-3.wpb", dir);
  char err[256];

  write_state(dir, 0, 0);
  check_read(dir, 0);
  write_state(dir, 1, 1);
  write_state(dir, 2, 1);
  check_read(dir, 2);

  /* a crash while appending stop 2's frame: the file ends inside it */
  FILE *f = fopen(path, "rb");
  OK(f && fseek(f, 0, SEEK_END) == 0);
  long size = ftell(f);
  fclose(f);
  OK(truncate(path, size - 7) == 0);
  check_read(dir, 1);

  /* a new session's first spill replaces the frames */
  write_state(dir, 0, 0);
  check_read(dir, 0);

  /* an earlier wprof's spill: one unframed pack */
  struct wpio_job j;
  stop_state(&j, 1, 1);
  uint8_t *buf;
  size_t len;
  OK(wpio_encode(&j, &buf, &len) == 0);
  wpio_job_free(&j);
  f = fopen(path, "wb");
  OK(f && fwrite(buf, 1, len, f) == len);
  fclose(f);
  free(buf);
  check_read(dir, 1);

  /* the first frame torn: nothing to read */
  write_state(dir, 0, 0);
  OK(truncate(path, 30) == 0);
  wpio_job_init(&j);
  OK(wpio_spill_read_in(dir, 3, &j, err, sizeof err) < 0);
  wpio_job_free(&j);

  check_no_lite(dir, path);
  check_first_no_lite(dir, path);
  check_plan(dir);
  check_plan_left_out(dir);
  check_provisional(dir, path);

  OK(wpio_spill_remove_all(dir, err, sizeof err) == 0);
  rmdir(dir);
  return wptest_failures() != 0;
}
