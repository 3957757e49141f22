/* Stop spills that collect only the windows not yet spilled (late_rows.h): a range pushed in one
 * window and popped after its stop changes a spilled window's row, so the next stop collects and
 * writes every window again (whole), and the spill read back has the late pop; with nothing late the
 * next stops append only their own windows. A second session after wprof_finalize numbers its
 * windows from 0 again: its spills hold its own ranges only, never the first session's rows of the
 * same window numbers (whole or appended). Lite scopes are not per window: a stop's frame leaves them
 * out while the frames' copy of them, or with none yet the session's start, is younger than
 * WPROF_SPILL_INTERVAL_MS: the first session (an hour: the default 10 s would depend on the machine's
 * speed) spills none, so a rank killed in it would
 * recover no /lite; with the interval 0 every stop's frame has them (the second session); with 1 s
 * (the third) the first stop leaves them out, a stop past the interval has them, and the next stop,
 * within the interval of that copy, leaves them out again. The spill's `created` attribute is the
 * stop's UTC time as strftime writes it. A world of one, host backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wprof/wprof.h"
#include "wpio_spill.h"
#include "wptest_check.h"

#define OK(cond) EXPECT(cond, "%s", "")

static char spills[112];

/* The frames of rank 0's spill: whole (WPSPILL\001) and appended delta ones (WPSPILL\002, or
 * \004 without the lite scopes; *no_lite counts those when not NULL). */
static int frames_no_lite(int *no_lite) {
  char path[160];
  snprintf(path, sizeof path, "%s/rank-0.wpb", spills);
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  int n = 0;
  unsigned char head[16];
  while (fread(head, 1, sizeof head, f) == sizeof head && memcmp(head, "WPSPILL", 7) == 0) {
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--) len = len << 8 | head[8 + i];
    n++;
    if (no_lite) *no_lite += head[7] == 4;
    if (fseek(f, (long)len, SEEK_CUR) != 0) break;
  }
  fclose(f);
  return n;
}

static int frames(void) { return frames_no_lite(NULL); }

/* The calls of (window, name) in the spill, -1 when it has no such row, -2 when it has two. */
static long long spilled_calls(int32_t window, const char *name) {
  struct wpio_job j;
  char err[256] = "";
  wpio_job_init(&j);
  long long calls = -1;
  if (wpio_spill_read_in(spills, 0, &j, err, sizeof err) != 0) {
    fprintf(stderr, "spill not read: %s\n", err);
    calls = -3;
  }
  for (size_t i = 0; calls != -3 && i < j.ranges.n; i++) {
    const struct wpio_range_row *r = &j.ranges.v[i];
    if (r->window != window || r->name_id >= j.names.n || strcmp(j.names.s[r->name_id], name) != 0) continue;
    calls = calls == -1 ? (long long)r->calls : -2;
  }
  wpio_job_free(&j);
  return calls;
}

/* The calls of lite scope `name` in the spill, -1 when it has no such row. */
static long long spilled_lite(const char *name) {
  struct wpio_job j;
  char err[256] = "";
  wpio_job_init(&j);
  long long calls = wpio_spill_read_in(spills, 0, &j, err, sizeof err) == 0 ? -1 : -3;
  for (size_t i = 0; calls != -3 && i < j.lite.n; i++)
    if (j.lite.v[i].name_id < j.names.n && strcmp(j.names.s[j.lite.v[i].name_id], name) == 0)
      calls = (long long)j.lite.v[i].calls;
  wpio_job_free(&j);
  return calls;
}

/* Whether the spill's "created" attribute is what strftime makes of gmtime_r of a time from `since` to
 * now (the runtime computes it without them). */
static int created_now(time_t since) {
  struct wpio_job j;
  char err[256] = "";
  wpio_job_init(&j);
  int ok = 0;
  const struct wpio_attr *a = wpio_spill_read_in(spills, 0, &j, err, sizeof err) == 0 ? wpio_job_attr(&j, "created") : NULL;
  for (time_t t = since; a && a->value && !ok && t <= time(NULL); t++) {
    struct tm tm;
    char want[64];
    gmtime_r(&t, &tm);
    strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ok = strcmp(a->value, want) == 0;
  }
  if (!ok) fprintf(stderr, "created: %s\n", a && a->value ? a->value : "(none)");
  wpio_job_free(&j);
  return ok;
}

/* A window with one range `name` and one call of the lite scope "lite". */
static void window_with(const char *name) {
  OK(wprof_start() == WPROF_OK && wprof_is_running());
  int scope = wprof_scope_id("lite");
  wprof_scope_begin(scope);
  wprof_range_push(name);
  wprof_range_pop();
  wprof_scope_end(scope);
  OK(wprof_stop() == WPROF_OK);
}

int main(void) {
  char dir[] = "/tmp/wprof-spill-late-XXXXXX", out[96];
  OK(mkdtemp(dir) != NULL);
  snprintf(out, sizeof out, "%s/report.h5", dir);
  snprintf(spills, sizeof spills, "%s.d", out);
  setenv("WPROF_OUTPUT", out, 1);
  setenv("WPROF_BACKEND", "host", 1);
  setenv("WPROF_KEEP_SPILLS", "1", 1);
  setenv("WPROF_LOG", "error", 1);
  setenv("WPROF_SPILL_INTERVAL_MS", "3600000", 1);
  OK(wprof_init() == WPROF_OK);

  time_t began = time(NULL);
  OK(wprof_start() == WPROF_OK);
  wprof_range_push("held"); /* popped only after the stop: a late update of window 0's row */
  wprof_range_push("r0");
  wprof_range_pop();
  OK(wprof_stop() == WPROF_OK);
  EXPECT(frames() == 1 && spilled_calls(0, "r0") == 1 && spilled_calls(0, "held") == -1, "window 0: %d frames",
         frames());
  EXPECT(created_now(began), "%s", "the spill's created attribute is the UTC time of the stop");
  wprof_range_pop();

  window_with("r1"); /* window 0 changed since its spill: written whole, with the late pop */
  EXPECT(frames() == 1, "after a late pop the spill is rewritten whole (%d frames)", frames());
  EXPECT(spilled_calls(0, "held") == 1, "window 0's late pop spilled (%lld calls)", spilled_calls(0, "held"));
  OK(spilled_calls(0, "r0") == 1 && spilled_calls(1, "r1") == 1);

  window_with("r2"); /* nothing late: appended, window 2 only */
  window_with("r3");
  EXPECT(frames() == 3, "stops with nothing late append (%d frames)", frames());
  for (int w = 0; w < 4; w++) {
    char name[8];
    snprintf(name, sizeof name, "r%d", w);
    EXPECT(spilled_calls(w, name) == 1, "window %d: %s %lld calls", w, name, spilled_calls(w, name));
  }
  OK(spilled_calls(0, "held") == 1);
  /* every stop within 10 s of the session's start: no frame has the lite scopes (the whole one of
   * window 1 none either), so a crash now would recover no /lite, as it loses the open window */
  int no_lite = 0;
  EXPECT(frames_no_lite(&no_lite) == 3 && no_lite == 2, "%d of the appended frames leave the lite scopes out", no_lite);
  EXPECT(spilled_lite("lite") == -1, "lite: %lld calls in the spill, none spilled yet", spilled_lite("lite"));

  OK(wprof_finalize() == WPROF_OK);
  char err[256];
  wpio_spill_remove_all(spills, err, sizeof err);
  unlink(out);

  /* a second session: windows 0.. again, on the same thread whose rows above are older */
  snprintf(out, sizeof out, "%s/second.h5", dir);
  snprintf(spills, sizeof spills, "%s.d", out);
  setenv("WPROF_OUTPUT", out, 1);
  setenv("WPROF_SPILL_INTERVAL_MS", "0", 1); /* every stop's frame has the lite scopes */
  OK(wprof_init() == WPROF_OK);
  window_with("s0");
  EXPECT(spilled_calls(0, "s0") == 1 && spilled_calls(0, "r0") == -1 && spilled_calls(0, "held") == -1,
         "the second session's first spill holds its own window 0 only (r0 %lld, held %lld)",
         spilled_calls(0, "r0"), spilled_calls(0, "held"));
  window_with("s1");
  window_with("s2");
  no_lite = 0;
  EXPECT(frames_no_lite(&no_lite) == 3 && no_lite == 0, "the second session's stops append, with the lite scopes "
         "(%d frames, %d without)", frames(), no_lite);
  for (int w = 0; w < 4; w++) {
    char name[8];
    snprintf(name, sizeof name, "r%d", w);
    EXPECT(spilled_calls(w, name) == -1, "window %d: the first session's %s not in the second's spill (%lld)", w,
           name, spilled_calls(w, name));
  }
  OK(spilled_calls(1, "s1") == 1 && spilled_calls(2, "s2") == 1);
  /* lite scopes are not per window: the second session's count is its own 3 calls, not 3 + 3 */
  EXPECT(spilled_lite("lite") == 3, "lite: %lld calls in the second session's spill", spilled_lite("lite"));
  OK(wprof_finalize() == WPROF_OK);
  wpio_spill_remove_all(spills, err, sizeof err);
  unlink(out);

  /* a third session with the interval 1 s: the lite scopes first spilled at a stop 1 s after its start */
  snprintf(out, sizeof out, "%s/third.h5", dir);
  snprintf(spills, sizeof spills, "%s.d", out);
  setenv("WPROF_OUTPUT", out, 1);
  setenv("WPROF_SPILL_INTERVAL_MS", "1000", 1);
  OK(wprof_init() == WPROF_OK);
  window_with("t0");
  EXPECT(frames() == 1 && spilled_calls(0, "t0") == 1 && spilled_lite("lite") == -1,
         "a first stop within the interval of the start spills no lite scopes (%lld calls)", spilled_lite("lite"));
  usleep(1050 * 1000);
  window_with("t1"); /* past the interval: its frame has them */
  no_lite = 0;
  EXPECT(frames_no_lite(&no_lite) == 2 && no_lite == 0, "the stop past the interval appends them (%d frames, %d "
         "without)", frames(), no_lite);
  EXPECT(spilled_lite("lite") == 2, "lite: %lld calls spilled, the run's 2", spilled_lite("lite"));
  window_with("t2"); /* within the interval of that copy: left out, the copy read */
  no_lite = 0;
  EXPECT(frames_no_lite(&no_lite) == 3 && no_lite == 1, "the next stop leaves them out (%d frames, %d without)",
         frames(), no_lite);
  EXPECT(spilled_lite("lite") == 2, "lite: %lld calls, the copy of the stop before", spilled_lite("lite"));
  OK(spilled_calls(0, "t0") == 1 && spilled_calls(1, "t1") == 1 && spilled_calls(2, "t2") == 1);
  OK(wprof_finalize() == WPROF_OK);
  wpio_spill_remove_all(spills, err, sizeof err);
  unlink(out);
  rmdir(dir);
  return wptest_failures() != 0;
}
