/* The one profiling session of a process: what wprof.c (the API), window.c (windows across ranks)
 * and report.c (finalize) share. Only the thread that drives start/step/stop touches it. */
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
  struct wpr_config cfg;
  struct wpc_ctx comm;
  struct wpr_sm sm;
  const struct wpr_backend *backend;   /* the backend in use (after auto and fallbacks) */
  int backend_fell_back;               /* the requested backend was not available */
  int collecting;                      /* this rank is in WPROF_RANKS */
  int32_t next_window;                 /* window numbers start at 0 */
  int32_t open_window;                 /* -1 while no window runs */
  int64_t open_start_ns;
  int64_t open_steps;                  /* step() calls made while the window runs */
  int backend_starts, backend_stops;
  struct wpio_job local;               /* this rank's /windows rows until finalize collects the rest */
  char sync_note[WPR_NOTE_LEN];        /* "" while every sync point completed */
  int sync_breaks;
  char settings_note[WPR_NOTE_LEN];    /* "" while the ranks' settings agree */
  struct wpr_clock_fit clock;          /* this rank's clock against rank 0's (filled before packing) */
  struct wpr_meta_found meta_found;
};

extern struct wpr_session wpr_session;

/* window.c: perform the state machine's actions (sync point, then backend start or stop). */
void wpr_window_perform(struct wpr_session *s, unsigned actions);

/* report.c: pack this rank's tables, gather them on rank 0, and write the report there. */
int wpr_report_finalize(struct wpr_session *s);
/* Rank 0's half of it: decodes and validates each rank's bytes (NULL: never arrived) into `job`;
 * a rank that is missing or fails validation gets a `missing` / `corrupt` row, the rest is kept. */
void wpr_report_assemble(struct wpio_job *job, uint8_t *const *bufs, const size_t *lens, int world_size);

/* wprof.c: the session of a program started by `wprof run`, set up when libwprof is loaded: a world
 * of one that an MPI_Init later replaces (without a report); finalised at exit when nothing did. */
int wpr_init_provisional(void);
int wpr_finalize_provisional(void);

/* report.c: this rank's tables so far (its /ranks row, windows, lite, ranges, backend tables), packed
 * with the wire format. 0, or -1 (out of memory). The caller frees *buf. */
int wpr_report_pack_local(struct wpr_session *s, uint8_t **buf, size_t *len);

/* spill.c: at every real stop each rank writes its packed tables to <output>.d/rank-N.wpb (temp +
 * rename), so a crash loses at most the window that was open; removed after a good report unless
 * WPROF_KEEP_SPILLS. Both warn once and carry on when the file system says no. */
void wpr_spill_write(struct wpr_session *s);
void wpr_spill_remove(struct wpr_session *s);
/* Writes a pack the caller already made (finalize's) as the spill, so no rank packs twice at
 * finalize; buf NULL (the caller could not pack): wpr_spill_write's own try. */
void wpr_spill_write_packed(struct wpr_session *s, const uint8_t *buf, size_t len);
/* after a report that lacks some ranks: the spills stay (they may hold those ranks' windows) */
void wpr_spill_keep_note(struct wpr_session *s);

/* plugin.c: the HDF5 writer, dlopened by rank 0 only. NULL with a reason in err when unavailable. */
void wpr_h5_plugin_preload(void); /* rank 0, at init: load it on a background thread */
typedef int (*wpr_h5_write_fn)(const struct wpio_job *job, const char *path, unsigned flags, char *err,
                               size_t errlen);
wpr_h5_write_fn wpr_h5_plugin_load(char *err, size_t errlen);
/* The plugin's streamed writer (wpio_h5.h), for a report whose rows outgrow WPROF_GATHER_MAX_MB on
 * rank 0. 0, or -1 with the reason in err (no plugin, or one without it). */
struct wpio_h5_stream;
struct wpr_h5_stream_api {
  struct wpio_h5_stream *(*open)(const char *path, unsigned flags, char *err, size_t errlen);
  int (*rows)(struct wpio_h5_stream *s, const struct wpio_job *part, char *err, size_t errlen);
  int (*close)(struct wpio_h5_stream *s, const struct wpio_job *job, char *err, size_t errlen);
  void (*discard)(struct wpio_h5_stream *s);
};
int wpr_h5_plugin_stream_api(struct wpr_h5_stream_api *api, char *err, size_t errlen);

#endif
