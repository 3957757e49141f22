/* The public API: session set-up and teardown, and the window calls that feed the state machine.
 * Every entry point returns a status and never aborts; the idle wprof_step is one load and a branch. */
#include <errno.h>
#include <mpi.h>
#include <string.h>

#include "wprof/wprof.h"
#include "wprof/wprof_mpi.h"
#include "clock_exchange.h"
#include "entry_points.h"
#include "lite.h"
#include "log.h"
#include "mpi_table.h"
#include "ranges.h"
#include "report.h"
#include "step_hook.h"
#include "stragglers.h"
#include "timer.h"
#include "window.h"
#include "wprof_testing.h"

struct wpr_session wpr_session;

static int session_not_ready(const char *call) {
  static int warned;
  wpr_warn_once(&warned, "%s called before wprof_init (or after wprof_finalize); ignored", call);
  return WPROF_ESTATE;
}

/* WPROF_RANKS that names no rank of this job is a typo worth a word: the report would be empty. */
static void warn_no_rank_selected(const struct wpr_session *s) {
  for (int i = 0; i < s->cfg.n_rank_spans; i++)
    if (s->cfg.rank_spans[i].lo < s->comm.size) return;
  static int warned; /* once per process: an MPI_Init session may be set up again */
  if (s->cfg.n_rank_spans > 0)
    wpr_warn_once(&warned, "WPROF_RANKS=\"%s\" names no rank of this %d-rank job: no rank collects",
                  s->cfg.ranks, s->comm.size);
}

static const struct wpr_backend *said_backend; /* the choice select_backend last reported */
static int said_requested = -1;

static void select_backend(struct wpr_session *s) {
  s->backend = wpr_backend_select(&s->cfg, &s->backend_fell_back);
  static int fallback_warned; /* once per process: an MPI_Init session may be set up again */
  if (s->backend_fell_back == 1) /* 2: the backend's own warning said why, and that host is used */
    wpr_warn_once(&fallback_warned, "backend %s is not available here; using %s",
                  wpr_backend_kind_name(s->cfg.backend), s->backend->name);
  else if (s->backend != said_backend || s->cfg.backend != said_requested) {
    /* one info line per process for one choice: under `wprof run` the load-time session and the
     * MPI_Init session make the same choice, and a user sees it said once */
    said_backend = s->backend;
    said_requested = s->cfg.backend;
    WPR_INFO("backend %s (requested %s)", s->backend->name, wpr_backend_kind_name(s->cfg.backend));
  }
}

/* wprof_set_window_iters' values (-1: the environment's), kept for every session of the process: a
 * session set up again at MPI_Init or at an explicit init must not lose them. The live session's
 * environment values are kept beside them, so that a -1 given later restores the environment's. */
static int64_t window_iters_override[2] = {-1, -1};
static int64_t window_iters_env[2];

static void apply_window_iters(struct wpr_config *cfg) {
  cfg->delay_iters = window_iters_override[0] >= 0 ? window_iters_override[0] : window_iters_env[0];
  cfg->max_iters = window_iters_override[1] >= 0 ? window_iters_override[1] : window_iters_env[1];
}

int wprof_set_window_iters(long long delay_iters, long long max_iters) {
  struct wpr_session *s = &wpr_session;
  if (s->initialized && s->sm.active) return WPROF_ESTATE;
  window_iters_override[0] = delay_iters < 0 ? -1 : (int64_t)delay_iters;
  window_iters_override[1] = max_iters < 0 ? -1 : (int64_t)max_iters;
  if (s->initialized) apply_window_iters(&s->cfg);
  return WPROF_OK;
}

static int session_auto; /* set up by the MPI_Init wrapper rather than by the application */
static int session_provisional; /* set up at load time under `wprof run`, before MPI is known */

/* Releases what a session holds once it is over (reported or discarded); a later wprof_init starts
 * a new one. */
static void session_release(struct wpr_session *s) {
  wpc_finalize(&s->comm);
  wpio_job_free(&s->local);
  wpr_ranges_set_window(-1);
  wpr_mpi_session_end();
  wpr_step_hook_end();
  session_auto = session_provisional = 0;
  s->initialized = 0;
}

/* Drops a session without a report: it is replaced by one that knows more. */
static void session_discard(struct wpr_session *s) {
  if (s->sm.running && s->backend->stop) s->backend->stop(s->open_window);
  session_release(s);
}

/* An explicit init after the automatic one at MPI_Init, before any window was requested, sets the
 * session up again: the application's communicator and environment (set after MPI_Init) win. The
 * world-of-one session of a program started by `wprof run` gives way to the MPI one likewise. */
static int replaces_auto_session(struct wpr_session *s) {
  if (session_provisional) {
    session_discard(s);
    wpr_log_set_level(WPR_LOG_ERROR); /* its settings were checked, and warned about, already */
    return 1;
  }
  if (!session_auto || s->sm.active || s->next_window > 0) return 0;
  session_discard(s);
  wpr_log_set_level(WPR_LOG_ERROR); /* MPI_Init's session warned about the settings already */
  return 1;
}

int wprof_init_comm(MPI_Comm comm) {
  struct wpr_session *s = &wpr_session;
  /* idempotent: an app may init explicitly and be preloaded */
  if (s->initialized && !replaces_auto_session(s)) return WPROF_OK;
  memset(s, 0, sizeof(*s));
  wpr_timer_init();
  wpr_config_load(&s->cfg, wpr_env_getenv, NULL);
  window_iters_env[0] = s->cfg.delay_iters;
  window_iters_env[1] = s->cfg.max_iters;
  apply_window_iters(&s->cfg);
  wpr_log_set_level(s->cfg.log_level);
  wpr_timer_set_test_offset(s->cfg.clock_test_offset_ns);
  int status = WPROF_OK;
  int comm_rc = wpc_init(&s->comm, comm, (int)s->cfg.sync_timeout_ms);
  if (comm_rc == WPC_EFINALIZED) {
    static int warned;
    wpr_warn_once(&warned, "wprof_init after MPI_Finalize: no session (every rank would write its own "
                  "report); call wprof_init between MPI_Init and MPI_Finalize");
    wpc_finalize(&s->comm);
    return WPROF_ESTATE;
  }
  if (comm_rc != WPC_OK) {
    WPR_WARN("could not set up wprof's communicator; profiling this rank alone");
    status = WPROF_EMPI;
  }
  /* a provisional session does not know its rank yet: every process would call itself rank 0 */
  wpr_log_set_rank(session_provisional ? -1 : s->comm.rank);
  wpr_clock_session_begin(s); /* collective: the init clock exchange with rank 0 */
  s->collecting = wpr_config_rank_selected(&s->cfg, s->comm.rank);
  if (s->comm.rank == 0 && !session_provisional) warn_no_rank_selected(s);
  wpr_lite_set_enabled(s->cfg.lite && s->collecting);
  wpr_ranges_set_enabled(s->collecting);
  wpr_ranges_set_window(-1);
  select_backend(s);
  wpr_sm_init(&s->sm);
  wpio_job_init(&s->local);
  s->open_window = -1;
  s->initialized = 1;
  /* this thread drives the session: WPROF_STEP_MPI and WPROF_STEP_RANGE steps come from it only */
  wpr_step_hook_begin(wprof_step, s->cfg.step_range);
  wpr_mpi_session_begin(&s->cfg);
  wpr_strag_session_begin();
  /* For programs that never call wprof_start (e.g. under `wprof run`): the window is requested now,
   * and delay/max count the steps that WPROF_STEP_RANGE or WPROF_STEP_MPI make. */
  if (s->cfg.start == WPR_START_INIT) wprof_start();
  return status;
}

int wprof_init(void) { return wprof_init_comm(MPI_COMM_NULL); }

int wpr_init_from_mpi(void) {
  if (wpr_session.initialized && !session_provisional) return WPROF_OK;
  int status = wprof_init();
  session_auto = wpr_session.initialized;
  return status;
}

int wpr_init_provisional(void) {
  session_provisional = 1;
  int status = wprof_init();
  session_provisional = wpr_session.initialized;
  return status;
}

int wpr_finalize_provisional(void) {
  return session_provisional && wpr_session.initialized ? wprof_finalize() : WPROF_OK;
}

static int apply_event(enum wpr_sm_event ev) {
  struct wpr_session *s = &wpr_session;
  if (!s->initialized) return session_not_ready(wpr_sm_event_name(ev));
  if (ev == WPR_SM_STEP && s->sm.running) s->open_steps++;
  unsigned actions = wpr_sm_apply(&s->sm, s->cfg.delay_iters, s->cfg.max_iters, ev);
  if (actions != WPR_SM_NONE) wpr_window_perform(s, actions);
  return WPROF_OK;
}

int wprof_start(void) { return apply_event(WPR_SM_START); }
int wprof_stop(void) { return apply_event(WPR_SM_STOP); }

int wprof_step(void) {
  /* The idle path: nothing is pending, so nothing to count. */
  if (__builtin_expect(!wpr_session.sm.active, 1)) return WPROF_OK;
  return apply_event(WPR_SM_STEP);
}

int wprof_is_initialized(void) { return wpr_session.initialized; }
int wprof_is_active(void) { return wpr_session.initialized && wpr_session.sm.active; }
int wprof_is_running(void) { return wpr_session.initialized && wpr_session.sm.running; }

int wprof__shutdown(void) { return apply_event(WPR_SM_SHUTDOWN); }

int wprof__backend_counts(int *starts, int *stops) {
  if (starts) *starts = wpr_session.backend_starts;
  if (stops) *stops = wpr_session.backend_stops;
  return WPROF_OK;
}

int wprof_finalize(void) {
  struct wpr_session *s = &wpr_session;
  if (!s->initialized) return session_not_ready("wprof_finalize");
  apply_event(WPR_SM_SHUTDOWN);
  int status = wpr_report_finalize(s);
  session_release(s);
  return status;
}

const char *wprof_strerror(int status) {
  switch (status) {
  case WPROF_OK: return "success";
  case WPROF_EINVAL: return "invalid argument";
  case WPROF_ENOMEM: return "out of memory";
  case WPROF_ESTATE: return "call out of order (wprof not initialised, or already finalised)";
  case WPROF_EMPI: return "an MPI call failed";
  case WPROF_ETIMEOUT: return "a sync point or the gather passed its deadline";
  case WPROF_EIO: return "the report could not be written";
  case WPROF_EPLUGIN: return "the HDF5 writer plugin could not be loaded (no longer returned: the writer is built in)";
  case WPROF_EBACKEND: return "the profiling backend failed; host collectors used instead";
  case WPROF_ECORRUPT: return "packed profiling data failed validation";
  case WPROF_EDISABLED: return "this rank does not collect (WPROF_RANKS)";
  default: return "unknown wprof status";
  }
}
