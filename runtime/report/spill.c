/* Crash spills: at every real stop each rank writes its tables to <output>.d/rank-N.wpb, so a job
 * that dies loses at most the open window (`wprof recover` rebuilds the report); rank 0 removes the
 * spills after a good report. The first stop of a session writes the file whole; each later stop
 * appends a frame with the windows closed since and the latest state of the tables that are not per
 * window (io/spill) when, since the last spill, the earlier windows' rows are unchanged and a refit of
 * the clock moves them by no more than the alignment's error, else writes the file whole again. A
 * stop's frame leaves out the lite scopes (not per window, and with many scopes most of a frame)
 * while the frames' copy of them, or with none yet the session's start, is younger than
 * WPROF_SPILL_INTERVAL_MS: the interval that already bounds what a crash in an open window loses
 * bounds the lite data a crash loses (0: every stop's frame has them). While a window is open,
 * wprof_step calls for a provisional frame every WPROF_SPILL_INTERVAL_MS (wpr_spill_write_open): the
 * open window so far, cut short; it never counts as spilled, and every frame first cuts the file back
 * to the last committed one. A file system that says no costs one warning, never the run. */
#include "spill.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "late_rows.h"
#include "log.h"
#include "report_pack.h"
#include "wprof/wprof.h"
#include "wpio_wire.h"
#include "timer.h"
#include "clock_align.h"
#include "wpio_spill.h"

static int warned_write;

/* The session whose spill the next stop may append to, and what that spill's frames hold (a new
 * session, or a stop whose spill failed, writes the file whole again). */
static const struct wpr_session *spilled_session;
static int spilled_stops;
static struct wpio_spill_state spilled;
static uint64_t spilled_late; /* wpr_late_rows_count() before the collect of the last committed spill */
/* The byte where the last committed frame ends: a provisional frame after it is cut off before the
 * next frame is written. */
static uint64_t committed_end;
/* When the lite scopes of the last committed frame that has them were collected (wpr_mono_ns), and
 * the session they are of (its init_ns; another value: the session's spill holds no copy yet). */
static uint64_t spilled_lite_ns, spilled_lite_session;

/* 0 when written (appended, or whole); -1 warned, or for an append not (the caller then writes the
 * spill whole, which warns if it fails too: an append refused because the file would outgrow
 * WPIO_SPILL_MAX_BYTES must not use up the one warning a rank gives about spills).
 * t0: when the stop's spill began (its collect and pack count too). */
static int write_packed(struct wpr_session *s, const uint8_t *buf, size_t len, int append, int with_lite,
                        uint64_t t0) {
  char dir[WPR_PATH_MAX + 8], err[WPR_PATH_MAX + 256] = "";
  uint64_t end = committed_end;
  if (wpio_spill_dir_of(s->cfg.output, dir, sizeof dir) < 0) {
    wpr_warn_once(&warned_write, "no crash spills: the path %s.d is too long", s->cfg.output);
  } else if (append ? wpio_spill_append_frame(dir, s->comm.rank, buf, len,
                                              with_lite ? WPIO_SPILL_DELTA : WPIO_SPILL_DELTA_NO_LITE, committed_end,
                                              &end, err, sizeof err) < 0
                    : wpio_spill_dir_prepare(dir, err, sizeof err) < 0 ||
                          wpio_spill_write(dir, s->comm.rank, buf, len, err, sizeof err) < 0) {
    if (append) {
      WPR_DEBUG("spill not appended (%s); writing it whole", err);
      return -1;
    }
    /* later stops try again: a full disk may have room by then */
    wpr_warn_once(&warned_write, "no crash spill written (%s); profiling goes on, but a crash would lose "
                  "this rank's data", err);
  } else {
    WPR_DEBUG("spilled %zu bytes to %s in %.3f ms (%s)%s", len, dir, (double)(wpr_mono_ns() - t0) / 1e6,
              append ? "appended" : "whole", with_lite ? "" : " without the lite scopes (younger than WPROF_SPILL_INTERVAL_MS: an earlier frame's copy, or the session)");
    committed_end = append ? end : WPIO_SPILL_FRAME_HEADER + (uint64_t)len;
    return 0;
  }
  return -1;
}

/* The first window a spill collects: the one after those the committed frames hold, when nothing
 * changed their rows since (late_rows.h) and the backend adds none that its records change late;
 * else 0, every window. */
static int32_t spill_from_window(const struct wpr_session *s, uint64_t late) {
  return spilled.valid && spilled.last_window >= 0 && late == spilled_late && !s->backend->late_gpu_rows
             ? spilled.last_window + 1 : 0;
}

/* Whether a stop's frame carries the lite scopes: with the interval 0 always, else when the frames'
 * copy of them, or with none yet the session's start, is WPROF_SPILL_INTERVAL_MS old; a frame
 * written whole (`whole`) replaces the file, so it has them too when the file held a copy. A rank
 * killed within its run's first interval then recovers no /lite, the bound of the open window. */
static int lite_due(const struct wpr_session *s, uint64_t now, int whole) {
  int copy = spilled_lite_session == s->init_ns; /* a frame of this session's spill has them */
  if (s->cfg.spill_interval_ms == 0 || (whole && copy)) return 1;
  return now - (copy ? spilled_lite_ns : s->init_ns) >= (uint64_t)s->cfg.spill_interval_ms * 1000000u;
}

/* One try: collect, plan (append or whole, wpio_spill_plan), pack and write. 0 written; 1 an append
 * that failed or a plan that needs the windows or the lite scopes left out (the caller tries whole);
 * -1 warned. t0: when the stop's spill began (its collect and pack count too). */
static int spill_once(struct wpr_session *s, uint64_t t0) {
  struct wpr_pack_scratch *sc = wpr_pack_scratch_take(); /* the last pack's memory: no fresh pages */
  size_t len = 0;
  uint64_t late = wpr_late_rows_count(); /* before the collect: a late update during it counts next time */
  int32_t from = spill_from_window(s, late);
  uint64_t collected_ns = wpr_mono_ns();
  int lite_if_whole = lite_due(s, collected_ns, 1);
  int with_lite = spilled.valid ? lite_due(s, collected_ns, 0) : lite_if_whole;
  /* planned on the rank's own clock, which a refit leaves alone; only the rows written are then put
   * on rank 0's time */
  int append = 0,
      rc = sc && wpr_report_collect_local(s, &sc->job, &wpr_clock_local, from, with_lite) == WPROF_OK ? 0 : -1;
  if (rc == 0) {
    const struct wpio_spill_fit fit = {s->clock.offset_ns, s->clock.drift_ppm, s->clock.ref_ns, s->clock.residual_ns};
    append = wpio_spill_plan(&spilled, &sc->job, &fit, from > 0);
    if ((from > 0 || with_lite < lite_if_whole) && !append) { /* whole after all (a refit): what was left out is needed */
      wpr_pack_scratch_give(sc);
      spilled.valid = 0;
      return 1;
    }
    wpr_report_positions_to_root(&sc->job, &s->clock);
    rc = wpr_pack_scratch_encode(sc, &len);
  }
  if (rc != 0)
    wpr_warn_once(&warned_write, "no crash spill written: out of memory packing this rank's tables");
  else
    rc = write_packed(s, sc->buf, len, append, with_lite, t0);
  wpr_pack_scratch_give(sc);
  wpio_spill_planned(&spilled, rc == 0);
  if (rc == 0) spilled_late = late;
  if (rc == 0 && with_lite) spilled_lite_ns = collected_ns, spilled_lite_session = s->init_ns;
  else if (rc == 0 && !append) spilled_lite_session = 0; /* whole without them: the file holds none */
  return rc < 0 && append ? 1 : rc;
}

void wpr_spill_write(struct wpr_session *s) {
  /* append when the previous stop of this same session spilled, nothing in the windows it holds
   * changed since (late GPU records) and the clock fit still puts them where it did (wpio_spill_plan) */
  uint64_t t0 = wpr_mono_ns();
  if (spilled_session != s || spilled_stops + 1 != s->backend_stops) spilled = (struct wpio_spill_state){0};
  int rc = spill_once(s, t0);
  if (rc == 1) rc = spill_once(s, t0); /* the state is reset: whole */
  spilled_session = rc == 0 ? s : NULL;
  spilled_stops = s->backend_stops;
}

void wpr_spill_write_open(struct wpr_session *s) {
  uint64_t t0 = wpr_mono_ns();
  char dir[WPR_PATH_MAX + 8], err[WPR_PATH_MAX + 256] = "";
  if (wpio_spill_dir_of(s->cfg.output, dir, sizeof dir) < 0) return; /* the stops' spills warn */
  /* appended after the committed frames only when they are this session's, up to the last stop */
  int ours = spilled_session == s && spilled_stops == s->backend_stops && spilled.valid;
  struct wpr_pack_scratch *sc = wpr_pack_scratch_take(); /* the last pack's memory: no fresh pages */
  size_t len = 0;
  int32_t from = ours ? spill_from_window(s, wpr_late_rows_count()) : 0;
  int append = 0, rc;
  for (;;) { /* at most twice: the windows the frames hold left out, then (to be written whole) not */
    struct wpio_window_row *row = NULL;
    rc = sc && wpr_report_collect_local(s, &sc->job, &wpr_clock_local, from, 1) == WPROF_OK &&
                 (row = WPIO_VEC_PUSH(sc->job.windows)) ? 0 : -1;
    if (rc != 0) break;
    /* the open window so far; planned on the rank's own clock like a stop's spill */
    *row = (struct wpio_window_row){.rank = s->comm.rank, .window = s->open_window, .start_ns = s->open_start_ns,
                                    .end_ns = wpr_time_ns(), .steps = s->open_steps, .cut_short = 1};
    append = ours && wpio_spill_plan_provisional(&spilled, &sc->job, from > 0);
    if (append || from == 0) break;
    wpio_job_clear(&sc->job);
    from = 0;
  }
  if (rc == 0) {
    wpr_report_positions_to_root(&sc->job, &s->clock);
    rc = wpr_pack_scratch_encode(sc, &len);
  }
  if (rc == 0 && append &&
      wpio_spill_append_frame(dir, s->comm.rank, sc->buf, len, WPIO_SPILL_PROVISIONAL, committed_end, NULL, err,
                              sizeof err) < 0) {
    /* the file is not what this rank last wrote: the next interval and stop write it whole */
    WPR_DEBUG("open-window spill not appended (%s)", err);
    spilled_session = NULL;
    rc = 1;
  } else if (rc == 0 && !append) {
    /* a provisional-only file: it replaces the committed frames, so the next stop writes whole */
    rc = wpio_spill_dir_prepare(dir, err, sizeof err) < 0 ? -1
         : wpio_spill_write_provisional(dir, s->comm.rank, sc->buf, len, err, sizeof err);
    spilled_session = NULL;
  }
  wpr_pack_scratch_give(sc);
  if (rc == 0)
    WPR_DEBUG("spilled open window %d (%lld steps so far), %zu bytes, in %.3f ms (%s)", (int)s->open_window,
              (long long)s->open_steps, len, (double)(wpr_mono_ns() - t0) / 1e6, append ? "appended" : "whole");
  else if (rc < 0)
    wpr_warn_once(&warned_write, "no crash spill of the open window written (%s); profiling goes on",
                  err[0] ? err : "out of memory packing this rank's tables");
}

void wpr_spill_write_packed(struct wpr_session *s, const uint8_t *buf, size_t len) {
  spilled_session = NULL; /* whole: finalize's pack replaces the frames */
  if (buf) write_packed(s, buf, len, 0, 1, wpr_mono_ns());
  else wpr_spill_write(s); /* the caller could not pack: the spill's own try */
}

void wpr_spill_remove(struct wpr_session *s) {
  if (s->cfg.keep_spills) return;
  char dir[WPR_PATH_MAX + 8], err[WPR_PATH_MAX + 256] = "";
  if (wpio_spill_dir_of(s->cfg.output, dir, sizeof dir) < 0) return;
  int left = wpio_spill_remove_all(dir, err, sizeof err);
  if (left < 0) WPR_WARN("crash spills not removed: %s", err);
  else if (left > 0) WPR_WARN("%d crash spill file(s) in %s could not be removed", left, dir);
}

void wpr_spill_keep_note(struct wpr_session *s) {
  char dir[WPR_PATH_MAX + 8];
  if (wpio_spill_dir_of(s->cfg.output, dir, sizeof dir) < 0 || access(dir, F_OK) != 0) return;
  WPR_WARN("the report lacks some ranks; crash spills kept in %s (`wprof recover %s -o FILE` rebuilds "
           "a report from them)", dir, dir);
}
