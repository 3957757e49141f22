/* Windows across ranks: every real backend start and stop is preceded by a sync point on wprof's
 * communicator, so all ranks' windows open and close together; settings are checked at each start. */
#include "window.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wprof/wprof.h"
#include "clock_exchange.h"
#include "log.h"
#include "mpi_table.h"
#include "phase_time.h"
#include "ranges.h"
#include "session.h"
#include "spill.h"
#include "stop_tables.h"
#include "stragglers.h"
#include "timeline.h"
#include "timer.h"

static void note_broken_sync(struct wpr_session *s, const struct wpc_sync_result *res, const char *where) {
  char ranks[400] = "";
  size_t used = 0;
  int listed = res->n_missing < WPC_MISSING_LISTED ? res->n_missing : WPC_MISSING_LISTED;
  for (int i = 0; i < listed && used + 16 < sizeof(ranks); i++)
    used += (size_t)snprintf(ranks + used, sizeof(ranks) - used, "%s%d", i ? "," : "", res->missing[i]);
  if (listed < res->n_missing) snprintf(ranks + used, sizeof(ranks) - used, ",... (%d in all)", res->n_missing);

  char what[WPR_NOTE_LEN];
  if (res->n_missing > 0)
    snprintf(what, sizeof(what), "broken: missing rank(s) %s at %s", ranks, where);
  else if (res->late)
    snprintf(what, sizeof(what), "broken: rank %d came after rank 0 had gone on, at %s", s->comm.rank, where);
  else if (res->root_done)
    snprintf(what, sizeof(what), "broken: no release from rank 0 at %s: it has ended its windows (seen by rank %d)",
             where, s->comm.rank);
  else
    snprintf(what, sizeof(what), "broken: no release from rank 0 at %s (seen by rank %d)", where, s->comm.rank);
  WPR_WARN("sync point %s; going on without waiting further", what + strlen("broken: "));
  if (s->sync_breaks++ == 0) snprintf(s->sync_note, sizeof(s->sync_note), "%s", what);
}

static void note_settings(struct wpr_session *s, const struct wpc_sync_result *res) {
  if (res->n_disagree == 0 || s->settings_note[0]) return;
  WPR_WARN("ranks disagree on their settings: %s", res->disagree_note);
  snprintf(s->settings_note, sizeof(s->settings_note), "%s", res->disagree_note);
}

/* The sync point before a real start or stop. Every rank takes part, collecting or not. Returns the
 * window every rank released with it adopts (this rank's own when it went on alone). */
static int32_t sync_point(struct wpr_session *s, int32_t window, int at_end) {
  struct wpc_agree_item agree[] = {
      {.name = "delay_iters", .value = s->cfg.delay_iters},
      {.name = "max_iters", .value = s->cfg.max_iters},
      {.name = "print_top", .value = s->cfg.print_top}, /* WPROF_PRINT gathers at every stop */
      {.name = "backend", .value = s->cfg.backend, .labels = wpr_backend_words, .n_labels = WPR_BACKEND_KINDS},
  };
  struct wpc_sync_result res;
  memset(&res, 0, sizeof(res));
  int n_agree = at_end ? 0 : (int)(sizeof(agree) / sizeof(agree[0]));
  struct wpr_phase_mark mark = wpr_phase_begin();
  uint64_t t0 = wpr_ticks();
  int rc = wpc_sync(&s->comm, window, at_end, agree, n_agree, &res);
  wpr_strag_sync(res.window, at_end ? 1 : 0, t0, wpr_ticks());
  wpr_phase_end(WPR_PH_SYNC, mark);
  char where[64];
  snprintf(where, sizeof(where), "%s of window %d", at_end ? "end" : "start", (int)res.window);
  if (rc != WPC_OK && !res.complete) note_broken_sync(s, &res, where);
  note_settings(s, &res);
  wpr_clock_note_sync(s, &res.clock);
  /* rank 0 closed this window before this rank came (or never opened it, or has ended its windows):
   * it holds no stop gather of it that this rank could join */
  s->closed_without_root = at_end && (res.late || res.root_done);
  return res.window;
}

static int start_collectors(struct wpr_session *s, int32_t window) {
  if (s->test_fail_starts > 0) { /* wprof__fail_starts: as if no collector could start */
    s->test_fail_starts--;
    return WPROF_EBACKEND;
  }
  if (s->backend->start(window) == WPROF_OK) return WPROF_OK;
  if (s->backend != &wpr_backend_host) {
    static int warned;
    wpr_warn_once(&warned, "backend %s failed to start; window %d uses the host collectors",
                  s->backend->name, (int)window);
    s->backend_fell_back = 1;
    s->backend = &wpr_backend_host;
    if (s->backend->start(window) == WPROF_OK) return WPROF_OK;
  }
  return WPROF_EBACKEND;
}

/* An open-window spill waits at least this many times what the last one took, so spills take at
 * most 1/(1 + this) of the program's time (5 %) whatever the interval: each one collects and packs
 * the window so far, which grows with it (a busy timeline), and may outgrow a small interval. */
#define SPILL_WAIT_PER_COST 19

/* The next open-window spill: WPROF_SPILL_INTERVAL_MS from now, or SPILL_WAIT_PER_COST times the
 * last spill's cost (ticks) when longer; in ticks, never 0 (0 means none). */
static void spill_schedule(struct wpr_session *s, uint64_t cost) {
  uint64_t wait = wpr_ns_to_ticks((uint64_t)s->cfg.spill_interval_ms * 1000000u);
  if (cost > wait / SPILL_WAIT_PER_COST) {
    wait = cost * SPILL_WAIT_PER_COST;
    WPR_DEBUG("the open-window spill took %.3f ms: the next one in %.1f ms, not WPROF_SPILL_INTERVAL_MS",
              (double)wpr_ticks_to_ns(cost) / 1e6, (double)wpr_ticks_to_ns(wait) / 1e6);
  }
  uint64_t due = wpr_ticks() + wait;
  s->spill_due = due ? due : 1;
}

void wpr_window_spill_open(struct wpr_session *s) {
  if (s->open_window < 0 || !s->open_recording || !s->collecting) {
    s->spill_due = 0;
    return;
  }
  int saved_errno = errno; /* the program's: a step that spills leaves it as it was */
  struct wpr_phase_mark mark = wpr_phase_begin();
  uint64_t t0 = wpr_ticks();
  wpr_spill_write_open(s);
  spill_schedule(s, wpr_ticks() - t0); /* from the spill's end */
  wpr_phase_end(WPR_PH_SPILL_OPEN, mark);
  errno = saved_errno;
}

static void window_open(struct wpr_session *s) {
  /* the window number is the job's: a rank that skipped windows takes up the others' numbering */
  int32_t window = sync_point(s, s->next_window, 0);
  s->next_window = window + 1;
  if (start_collectors(s, window) != WPROF_OK) {
    WPR_WARN("no collector could start for window %d; this rank records nothing in it", (int)window);
    /* the window is the job's all the same: this rank still makes its end sync point and stop tables */
    s->open_window = window;
    s->open_recording = 0;
    return;
  }
  s->open_recording = 1;
  s->backend_starts++;
  s->open_window = window;
  wpr_strag_window_open(window, s->cfg.straggler_max_events);
  wpr_mpi_set_window(window); /* every rank's MPI calls, collecting or not: dropped at collect */
  s->open_steps = 0;
  s->open_start_ns = wpr_time_ns();
  wpr_timeline_window_open(window, s->cfg.timeline && s->collecting, s->cfg.timeline_max_events);
  if (s->collecting) wpr_ranges_set_window(window);
  s->spill_due = 0;
  if (s->collecting && s->cfg.spill_interval_ms > 0) spill_schedule(s, 0);
  WPR_DEBUG("window %d open", (int)window);
}

static void window_close(struct wpr_session *s) {
  int32_t window = s->open_window;
  int32_t adopted = sync_point(s, window, 1);
  if (adopted >= s->next_window) s->next_window = adopted + 1;
  s->spill_due = 0;
  if (!s->open_recording) { /* its collectors never started: nothing to stop or record */
    s->open_window = -1;
    return;
  }
  wpr_timeline_window_close(window);
  wpr_ranges_set_window(-1);
  wpr_mpi_set_window(-1);
  wpr_strag_window_close(window);
  if (s->backend->flush) s->backend->flush();
  s->backend->stop(window);
  s->backend_stops++;
  s->open_window = -1;
  if (!s->collecting) return;
  struct wpio_window_row *row = WPIO_VEC_PUSH(s->local.windows);
  if (!row) {
    static int warned;
    wpr_warn_once(&warned, "out of memory recording window %d", (int)window);
    return;
  }
  row->rank = s->comm.rank;
  row->window = window;
  row->start_ns = s->open_start_ns;
  row->end_ns = wpr_time_ns();
  row->steps = s->open_steps;
  WPR_DEBUG("window %d closed after %lld steps", (int)window, (long long)row->steps);
  struct wpr_phase_mark mark = wpr_phase_begin();
  wpr_spill_write(s);
  wpr_phase_end(WPR_PH_SPILL, mark);
}

void wpr_window_perform(struct wpr_session *s, unsigned actions) {
  int saved_errno = errno; /* the program's: its sync points, spills and stop tables leave it as it was */
  if (actions & WPR_SM_BACKEND_START) window_open(s);
  if ((actions & WPR_SM_BACKEND_STOP) && s->open_window >= 0) {
    int32_t window = s->open_window;
    window_close(s);
    /* every rank, collecting or not, whose rank 0 closed the window with it: its gather is collective */
    if (!s->closed_without_root) {
      struct wpr_phase_mark mark = wpr_phase_begin();
      wpr_stop_tables(s, window);
      wpr_phase_end(WPR_PH_STOP_TABLES, mark);
    }
  }
  errno = saved_errno;
}
