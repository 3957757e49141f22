/* The public API: session set-up and teardown, and the window calls that feed the state machine.
 * Every entry point returns a status and never aborts; the idle wprof_step is one load and a branch. */
#include <errno.h>
#include <mpi.h>
#include <pthread.h>
#include <string.h>

#include "wprof/wprof.h"
#include "wprof/wprof_mpi.h"
#include "clock_exchange.h"
#include "entry_points.h"
#include "job_settings.h"
#include "lite.h"
#include "log.h"
#include "mpi_table.h"
#include "phase_time.h"
#include "ranges.h"
#include "report.h"
#include "report_pack.h"
#include "step_hook.h"
#include "stragglers.h"
#include "timer.h"
#include "window.h"
#include "wprof_testing.h"

struct wpr_session wpr_session;
static pthread_t driver; /* the thread that set the session up: the only one that drives it */

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

/* wprof's own messages leave from the driving thread while the application's threads may make MPI calls
 * of their own: that needs MPI_THREAD_SERIALIZED when the driving thread is not MPI's main thread. */
static void warn_thread_level(const struct wpr_session *s) {
  char why[256];
  if (wpc_thread_level_ok(&s->comm, why, sizeof(why))) return;
  static int warned;
  wpr_warn_once(&warned, "%s", why);
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
static int session_finalized;   /* wprof_finalize ended one: the next starts new range rows and MPI blocks */

/* A session whose finalize data still waits for rank 0's "go" keeps its communicator here until the
 * MPI_Finalize hook finishes the hand-over (MPI_Finalize waits for every rank anyway). */
static struct wpc_ctx retired;
#define HANDOVER_WAIT_MS 60000 /* bound on that wait: rank 0 that never comes would hang MPI_Finalize too */

int wpr_finish_handover(void) {
  if (!wpc_handover_pending(&retired)) return WPROF_OK;
  struct wpr_phase_mark mark = wpr_phase_begin();
  int rc = wpc_handover_finish(&retired, HANDOVER_WAIT_MS);
  if (rc != WPC_OK && rc != WPC_EDROPPED) WPR_WARN("rank 0 did not take this rank's data: %s", retired.note[0] ? retired.note : "no go");
  wpc_finalize(&retired);
  wpr_phase_end(WPR_PH_TEARDOWN, mark);
  wpr_phase_say(); /* the session's last phase: its finalize ends here */
  return rc == WPC_OK ? WPROF_OK : WPROF_ETIMEOUT;
}

/* What a session holds besides its communicator, released once it is over. */
static void session_shed(struct wpr_session *s) {
  if (s->sm.running && s->backend->stop) s->backend->stop(s->open_window);
  wpio_job_free(&s->local);
  wpr_pack_scratch_release(); /* the memory its spills and packs kept for the next one */
  wpr_ranges_set_window(-1);
  wpr_mpi_session_end();
  wpr_step_hook_end();
  session_auto = session_provisional = 0;
  s->initialized = 0;
}

/* Releases what a session holds once it is over (reported or discarded); a later wprof_init starts
 * a new one. */
static void session_release(struct wpr_session *s) {
  if (wpc_handover_pending(&s->comm)) {
    wpr_finish_handover(); /* one retired session at a time */
    retired = s->comm;
    memset(&s->comm, 0, sizeof(s->comm));
  }
  wpc_finalize(&s->comm);
  session_shed(s);
}

/* The communicator an explicit init names is the automatic session's own (the world). */
static int same_communicator(const struct wpr_session *s, MPI_Comm comm) {
  if (comm == MPI_COMM_NULL || comm == MPI_COMM_WORLD) return 1;
  (void)s;
  return 0;
}

/* An explicit init after the automatic one at MPI_Init, before any window was requested, sets the
 * session up again: the application's environment (set after MPI_Init) wins. Over the same
 * communicator it keeps the one wprof has (no second duplicate, no second clock exchange); over
 * another it sets that one up first, and only then leaves the automatic session (which then writes
 * no report, and nobody waits for it). The world-of-one session of a program started by `wprof run`
 * gives way to the MPI one likewise. Returns 0: nothing to do; 1: set up, with *kept the
 * communicator to use (have_kept 1: ready, its clock samples kept; 2: new, clock exchange needed);
 * < 0: a WPROF_E* status (the automatic session stays). */
static int replace_auto_session(struct wpr_session *s, MPI_Comm comm, struct wpc_ctx *kept, int *have_kept) {
  *have_kept = 0;
  if (session_provisional) {
    session_release(s);
    wpr_log_set_level(WPR_LOG_ERROR); /* its settings were checked, and warned about, already */
    return 1;
  }
  if (!session_auto || s->sm.active || s->next_window > 0) return 0;
  if (same_communicator(s, comm)) {
    *kept = s->comm;
    *have_kept = 1;
    session_shed(s);
  } else {
    struct wpc_ctx fresh;
    int rc = wpc_init(&fresh, comm, (int)s->cfg.sync_timeout_ms);
    if (rc != WPC_OK) {
      WPR_WARN("wprof_init_comm: %s; the session MPI_Init set up goes on",
               fresh.note[0] ? fresh.note : "wprof's communicator could not be set up");
      wpc_finalize(&fresh);
      return rc == WPC_ETIMEOUT ? WPROF_ETIMEOUT : WPROF_EMPI;
    }
    if (s->sm.running && s->backend->stop) s->backend->stop(s->open_window);
    wpc_leave(&s->comm); /* no report; rank 0 tells the others, the others tell rank 0 */
    session_shed(s);
    *kept = fresh;
    *have_kept = 2;
  }
  wpr_log_set_level(WPR_LOG_ERROR); /* MPI_Init's session warned about the settings already */
  return 1;
}

/* `<stem>-<leader's world rank>.h5`: two sessions over different communicators never write one path. */
static void output_for_communicator(struct wpr_session *s) {
  if (!s->comm.have_mpi || s->comm.world_like) return;
  char *out = s->cfg.output;
  const char *slash = strrchr(out, '/');
  const char *dot = strrchr(slash ? slash : out, '.');
  size_t stem = dot && dot != out && dot != slash + 1 ? (size_t)(dot - out) : strlen(out);
  char path[WPR_PATH_MAX];
  int n = snprintf(path, sizeof(path), "%.*s-%d%s", (int)stem, out, s->comm.leader_world_rank, out + stem);
  if (n > 0 && n < (int)sizeof(path)) memcpy(out, path, (size_t)n + 1);
}

static int init_comm(MPI_Comm comm) {
  struct wpr_session *s = &wpr_session;
  struct wpc_ctx kept;
  int have_kept = 0;
  int64_t kept_test_offset = s->cfg.clock_test_offset_ns;
  if (s->initialized) { /* idempotent: an app may init explicitly and be preloaded */
    int r = replace_auto_session(s, comm, &kept, &have_kept);
    if (r <= 0) return r == 0 ? WPROF_OK : r;
  }
  memset(s, 0, sizeof(*s));
  wpr_timer_init();
  s->init_ns = wpr_mono_ns();
  wpr_config_load(&s->cfg, wpr_env_getenv, NULL);
  window_iters_env[0] = s->cfg.delay_iters;
  window_iters_env[1] = s->cfg.max_iters;
  apply_window_iters(&s->cfg);
  wpr_log_set_level(s->cfg.log_level);
  wpr_timer_set_test_offset(s->cfg.clock_test_offset_ns);
  int status = WPROF_OK;
  int comm_rc = WPC_OK;
  if (have_kept) s->comm = kept;
  else comm_rc = wpc_init(&s->comm, comm, (int)s->cfg.sync_timeout_ms);
  if (comm_rc == WPC_EFINALIZED) {
    static int warned;
    wpr_warn_once(&warned, "wprof_init after MPI_Finalize: no session (every rank would write its own "
                  "report); call wprof_init between MPI_Init and MPI_Finalize");
    wpc_finalize(&s->comm);
    return WPROF_ESTATE;
  }
  if (comm_rc != WPC_OK) {
    WPR_WARN("could not set up wprof's communicator (%s); profiling this rank alone",
             s->comm.note[0] ? s->comm.note : "an MPI call failed");
    status = comm_rc == WPC_ETIMEOUT ? WPROF_ETIMEOUT : WPROF_EMPI;
  }
  output_for_communicator(s);
  /* a provisional session does not know its rank yet: every process would call itself rank 0 */
  wpr_log_set_rank(session_provisional ? -1 : s->comm.rank);
  /* the same communicator: its clock exchange is done (the test hook may have moved this clock since) */
  if (have_kept == 1) wpr_clock_session_keep(s, s->cfg.clock_test_offset_ns - kept_test_offset);
  else wpr_clock_session_begin(s); /* collective: the init clock exchange with rank 0 */
  /* collective: rank 0's settings that shape windows are the job's, and so are the environment's
   * delay and max that wprof_set_window_iters(-1, -1) restores */
  wpr_job_settings_adopt(s, window_iters_env);
  s->collecting = wpr_config_rank_selected(&s->cfg, s->comm.rank);
  if (s->comm.rank == 0 && !session_provisional) warn_no_rank_selected(s);
  wpr_lite_set_enabled(s->cfg.lite && s->collecting);
  wpr_ranges_set_enabled(s->collecting);
  wpr_ranges_set_window(-1);
  if (session_finalized) { /* its windows count from 0 again: rows and blocks of its own */
    wpr_ranges_new_session();
    wpr_mpi_new_session();
    session_finalized = 0;
  }
  select_backend(s);
  wpr_sm_init(&s->sm);
  wpio_job_init(&s->local);
  s->open_window = -1;
  s->initialized = 1;
  driver = pthread_self();
  warn_thread_level(s);
  /* this thread drives the session: WPROF_STEP_MPI and WPROF_STEP_RANGE steps come from it only */
  wpr_step_hook_begin(wprof_step, s->cfg.step_range);
  wpr_mpi_session_begin(&s->cfg);
  wpr_strag_session_begin();
  /* For programs that never call wprof_start (e.g. under `wprof run`): the window is requested now,
   * and delay/max count the steps that WPROF_STEP_RANGE or WPROF_STEP_MPI make. */
  if (s->cfg.start == WPR_START_INIT) wprof_start();
  return status;
}

int wprof_init_comm(MPI_Comm comm) {
  struct wpr_phase_mark mark = wpr_phase_begin();
  int status = init_comm(comm);
  wpr_phase_end(WPR_PH_INIT, mark);
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

static int not_the_driver(const char *call) {
  static int warned;
  wpr_warn_once(&warned, "%s called from a thread other than the one that set wprof up; ignored (%s)", call,
                wprof_strerror(WPROF_ETHREAD));
  return WPROF_ETHREAD;
}

static int apply_event(enum wpr_sm_event ev) {
  struct wpr_session *s = &wpr_session;
  if (!s->initialized) return session_not_ready(wpr_sm_event_name(ev));
  if (!pthread_equal(pthread_self(), driver)) return not_the_driver(wpr_sm_event_name(ev));
  if (ev == WPR_SM_STEP && s->sm.running) s->open_steps++;
  unsigned actions = wpr_sm_apply(&s->sm, s->cfg.delay_iters, s->cfg.max_iters, ev);
  if (actions != WPR_SM_NONE) wpr_window_perform(s, actions);
  /* one compare while nothing is due (WPROF_SPILL_INTERVAL_MS): the open window's crash spill, after
   * the actions, so a step that closes the window does not spill it first (a close zeroes spill_due) */
  if (s->spill_due && ev == WPR_SM_STEP && wpr_ticks() >= s->spill_due) wpr_window_spill_open(s);
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

int wprof__fail_starts(int n) {
  if (!wpr_session.initialized) return WPROF_ESTATE;
  wpr_session.test_fail_starts = n;
  return WPROF_OK;
}

int wprof__backend_counts(int *starts, int *stops) {
  if (starts) *starts = wpr_session.backend_starts;
  if (stops) *stops = wpr_session.backend_stops;
  return WPROF_OK;
}

int wprof_finalize(void) {
  struct wpr_session *s = &wpr_session;
  if (!s->initialized) return session_not_ready("wprof_finalize");
  /* finalize takes the session over from whichever thread makes it (MPI_Finalize's is MPI's main
   * thread, not necessarily the one that set wprof up): its open window still closes and is kept */
  driver = pthread_self();
  session_finalized = 1;
  apply_event(WPR_SM_SHUTDOWN);
  if (wpc_session_dropped(&s->comm)) { /* rank 0 replaced it with another session: no report here */
    WPR_DEBUG("this session's rank 0 left it for another: no report from it");
    wpc_leave(&s->comm); /* not freed: its rank 0 never frees it either (freeing is collective) */
    session_shed(s);
    wpr_phase_say();
    return WPROF_OK;
  }
  int status = wpr_report_finalize(s);
  /* its lite counts are in its report: scopes from now on are the next session's (lite scopes time
   * the whole run, so a later session reports those made before it, since this finalize) */
  wpr_lite_new_session();
  struct wpr_phase_mark mark = wpr_phase_begin();
  session_release(s);
  wpr_phase_end(WPR_PH_TEARDOWN, mark);
  /* a rank whose data still waits for rank 0's "go" says its phases once the hand-over is done, rank 0
   * whose report is written beside PMPI_Finalize once that is */
  if (!wpc_handover_pending(&retired) && !wpr_report_deferred()) wpr_phase_say();
  return status;
}

void wpr_finalize_from_mpi(void) {
  /* an application that called wprof_finalize itself has its report already */
  if (wpr_session.initialized) {
    wpr_report_defer_next(1);
    wprof_finalize();
    wpr_report_defer_next(0);
  }
  wpr_finish_handover();
  if (wpr_report_start()) wpr_phase_say(); /* rank 0's deferred write, beside PMPI_Finalize */
}

void wpr_after_mpi_finalize(void) {
  if (wpr_report_join()) wpr_phase_say();
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
  case WPROF_ETHREAD: return "window calls come from the thread that set wprof up (wprof_init or MPI_Init) only";
  default: return "unknown wprof status";
  }
}
