/* The one profiling session of a process: the state that the API (api/session_api.c, which holds
 * and sets it up), the windows (window/) and the report (report/) share, handed to them by pointer.
 * Only the thread that drives start/step/stop touches it. */
#ifndef WPR_SESSION_H
#define WPR_SESSION_H

#include <stdint.h>
#include "backend.h"
#include "clock_align.h"
#include "config.h"
#include "state_machine.h"
#include "wpc.h"
#include "wpio_job.h"

#define WPR_NOTE_LEN 1024

/* meta.c: what a rank finds out about its run by looking around, looked up at its first pack of the
 * session and kept, so a spill at every stop does not search the directory tree for .git again. */
struct wpr_meta_found {
  int looked;
  char mpi_library[512]; /* "" when not found */
  char git_commit[128];
};

struct wpr_session {
  int initialized;
  uint64_t init_ns;                    /* wpr_mono_ns() when wprof_init set the session up: the
                                          stops' spills leave the lite scopes out until this is
                                          WPROF_SPILL_INTERVAL_MS old (report/spill.c) */
  struct wpr_config cfg;
  struct wpc_ctx comm;
  struct wpr_sm sm;
  const struct wpr_backend *backend;   /* the backend in use (after auto and fallbacks) */
  int backend_fell_back;               /* the requested backend was not available */
  int collecting;                      /* this rank is in WPROF_RANKS */
  int32_t next_window;                 /* window numbers start at 0 */
  int32_t open_window;                 /* -1 while no window runs */
  int open_recording;                  /* 0: the window is open but this rank's collectors failed */
  int test_fail_starts;                /* wprof__fail_starts: collector starts still to fail */
  int closed_without_root;             /* the last end sync point was answered late, or rank 0 had
                                          ended its windows: no stop gather of that window */
  int64_t open_start_ns;
  int64_t open_steps;                  /* step() calls made while the window runs */
  uint64_t spill_due;                  /* wpr_ticks() after which wprof_step spills the open window;
                                          0: no open-window spill (none open, not collecting, or
                                          WPROF_SPILL_INTERVAL_MS=0) */
  int backend_starts, backend_stops;
  struct wpio_job local;               /* this rank's /windows rows until finalize collects the rest */
  char sync_note[WPR_NOTE_LEN];        /* "" while every sync point completed */
  int sync_breaks;
  char settings_note[WPR_NOTE_LEN];    /* "" while the ranks' settings agree */
  struct wpr_clock_fit clock;          /* this rank's clock against rank 0's (filled before packing) */
  struct wpr_meta_found meta_found;
};

#endif
