/* Spill files: one rank's packed tables (the wire format) in <output>.d/rank-N.wpb, written at every
 * real stop so a job that dies keeps what it measured; `wprof recover` reads them back. No MPI here.
 * A spill is a sequence of frames (WPIO_SPILL_FRAME_MAGIC, the length, a wire pack): the first of a
 * session written whole and atomically, each later stop's appended, holding the rows of the windows
 * closed since (rows of window >= 0), the timeline events and straggler arrivals recorded since, and
 * the latest state of everything else (the tables that are not per window, rows of window -1, the
 * rank row, the attributes; the lite scopes only when the frames hold no recent copy of them). A
 * whole frame may have no lite rows (a session's first stop within WPROF_SPILL_INTERVAL_MS of its
 * start, runtime/report/spill.c): read as none until a later frame has them. Reading
 * takes the windowed rows, events and arrivals of every frame, the lite scopes from the last frame that
 * has them, and the rest from the last whole frame; a torn last frame (a crash while appending) is
 * left out. A provisional frame (WPIO_SPILL_PROVISIONAL_MAGIC: the open window so far) is read only
 * as the last whole frame. A spill of an earlier wprof (one unframed pack) reads as before. */
#ifndef WPIO_SPILL_H
#define WPIO_SPILL_H

#include <stddef.h>
#include <stdint.h>
#include "wpio_job.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WPIO_SPILL_DIR_SUFFIX ".d"
#define WPIO_SPILL_FRAME_MAGIC "WPSPILL\001"
/* An appended frame whose timeline events and straggler arrivals are only those since the frame
 * before (a WPIO_SPILL_FRAME_MAGIC frame after the first carries all so far: an earlier writer's). */
#define WPIO_SPILL_DELTA_MAGIC "WPSPILL\002"
/* A provisional frame: the open window's rows so far, a /windows row for it marked cut short (steps
 * made so far, end = when written), the latest state of the tables that are not per window, and the
 * events and arrivals since the last committed frame; written every WPROF_SPILL_INTERVAL_MS while a
 * window is open. Readers use it only as the file's last whole frame; as the first frame (a
 * provisional-only file, written whole before the session's first stop) it carries everything. A
 * file holds at most one: every frame written cuts the file back to the last committed frame first. */
#define WPIO_SPILL_PROVISIONAL_MAGIC "WPSPILL\003"
/* An appended frame like a WPIO_SPILL_DELTA_MAGIC one without the lite scopes (/lite and its
 * histograms, which are not per window and are the bulk of a frame when many scopes run): readers
 * take them from the last frame before it that has them. A stop's spill leaves them out while the
 * frames hold a copy younger than WPROF_SPILL_INTERVAL_MS, or with none yet while the session is
 * (runtime/report/spill.c). */
#define WPIO_SPILL_DELTA_NO_LITE_MAGIC "WPSPILL\004"
#define WPIO_SPILL_FRAME_HEADER 16
/* A spill bigger than this is refused as corrupt rather than read into memory. */
#define WPIO_SPILL_MAX_BYTES ((size_t)1 << 30)

/* "<output>.d" into buf. 0, or -1 when it does not fit. */
int wpio_spill_dir_of(const char *output, char *buf, size_t len);
/* "rank-N.wpb" into buf. 0, or -1 when it does not fit. */
int wpio_spill_name(int rank, char *buf, size_t len);
/* 1 and *rank when `name` is exactly "rank-N.wpb" (N decimal, no sign, no leading zeros), else 0. */
int wpio_spill_parse_name(const char *name, int *rank);

/* Creates `dir` (mode 0755) when missing. Refuses a symbolic link or anything but a directory.
 * 0, or -1 with one line in err. */
int wpio_spill_dir_prepare(const char *dir, char *err, size_t errlen);

/* Writes buf atomically as dir/rank-N.wpb (one frame): a new temporary file in dir (O_EXCL, O_NOFOLLOW, 0644),
 * rename over the old spill (no fsync: see wpio_spill.c). A reader sees the old spill or the new one,
 * never half of one. With no spill there yet, the file is created in place (O_EXCL): a reader may see
 * its one frame torn (a crash mid-write), which reads as a damaged spill (`wprof recover` marks the
 * rank corrupt, where a temporary file left behind had it missing): no data either way.
 * 0, or -1 with one line in err (the temporary file is removed). */
int wpio_spill_write(const char *dir, int rank, const uint8_t *buf, size_t len, char *err, size_t errlen);

/* Appends buf as a frame to dir/rank-N.wpb, which must exist (the session's first spill, written by
 * wpio_spill_write, made it): O_APPEND, never through a symlink. A crash mid-append leaves a torn last
 * frame that readers leave out. 0, or -1 with one line in err. */
int wpio_spill_append(const char *dir, int rank, const uint8_t *buf, size_t len, char *err, size_t errlen);

/* wpio_spill_write for a provisional-only file (one WPIO_SPILL_PROVISIONAL_MAGIC frame), atomic too. */
int wpio_spill_write_provisional(const char *dir, int rank, const uint8_t *buf, size_t len, char *err,
                                 size_t errlen);

/* The kinds of appended frame (their magics above). */
enum wpio_spill_frame_kind { WPIO_SPILL_DELTA = 0, WPIO_SPILL_PROVISIONAL = 1, WPIO_SPILL_DELTA_NO_LITE = 2 };
/* Writes buf as a frame of that kind at byte `keep` of dir/rank-N.wpb, the end of its last committed
 * frame, after cutting the file back there (ftruncate: drops a provisional frame, O(1)). *end (may be
 * NULL): the file's new end. Fails when the file is shorter than keep (someone else rewrote it: the
 * caller writes whole). 0, or -1 with one line in err. */
int wpio_spill_append_frame(const char *dir, int rank, const uint8_t *buf, size_t len,
                            enum wpio_spill_frame_kind kind, uint64_t keep, uint64_t *end, char *err, size_t errlen);

/* Reads a whole spill file (never through a symbolic link, at most WPIO_SPILL_MAX_BYTES) into a
 * malloc'ed buffer. 0, or -1 with one line in err. */
int wpio_spill_load(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen);

/* Decodes a spill's bytes into `job` (freshly initialised) and checks they are one rank's, `rank`'s
 * (pass -1 to accept any single rank). 0, or -1 with one line in err. */
int wpio_spill_decode(const uint8_t *buf, size_t len, int rank, struct wpio_job *job, char *err,
                      size_t errlen);

/* The frames of a framed spill's bytes put together into `job` (wpio_spill_frames.c): the windowed
 * rows of every whole frame, the rest from the last. 0, or -1 with one line in err (no whole frame). */
int wpio_spill_combine(const uint8_t *buf, size_t len, struct wpio_job *job, char *err, size_t errlen);

/* The clock fit a spill's positions are put on rank 0's time with (the runtime's, field for field:
 * rank 0 time = t - offset_ns - (t - ref_ns) * drift_ppm * 1e-6), and the fit's own error. */
struct wpio_spill_fit { int64_t offset_ns; double drift_ppm; int64_t ref_ns, residual_ns; };
/* A refit moves positions already spilled by at most this much, or the fit's residual when larger,
 * and the spill still appends: the earlier frames keep the times they were written with, within the
 * alignment's own error. Ranks on another node than rank 0 refit at every sync point. */
#define WPIO_SPILL_FIT_TOLERANCE_NS 1000

/* Whether a stop's spill may be an appended frame (wpio_spill_frames.c). Appending is right only when
 * the frames so far still hold the truth about their windows: the rows of those windows have not
 * changed since (GPU records of a window can arrive after its stop and update its rows at the next
 * collect; rows are compared on the rank's own clock), the current fit puts the spilled positions
 * within WPIO_SPILL_FIT_TOLERANCE_NS (or the fit's residual) of where the fit of the last whole frame
 * put them, and the timeline events and straggler arrivals spilled are still the first ones of the
 * tables, unchanged (a frame then carries only those after them). Anything else rewrites the spill
 * whole. The state is one spill's (a session's), zeroed to start. */
struct wpio_spill_state {
  int valid;                  /* the last spill was written, whole or appended */
  int32_t last_window;        /* the highest window it holds */
  uint64_t rows_hash;         /* of the rows of windows 0..last_window then, */
  int rows_hash_known;        /* unless a stop since the last whole frame left out the earlier windows */
  struct wpio_spill_fit fit;  /* the fit of the last whole frame */
  int64_t span_lo, span_hi;   /* the rank's own times the spilled windows cover */
  size_t events, arrivals;    /* timeline events and straggler arrivals it holds */
  uint64_t events_hash, arrivals_hash;
  /* the same for the spill being written */
  int32_t next_last;
  uint64_t next_hash;
  int next_hash_known;
  struct wpio_spill_fit next_fit;
  int64_t next_lo, next_hi;
  size_t next_events, next_arrivals;
  uint64_t next_events_hash, next_arrivals_hash;
};
/* For `job`, this stop's collected tables with their positions on the rank's own clock: 1 when it may
 * be appended (the rows of the windows, the events and the arrivals already spilled are then dropped
 * from job), 0 when it must be written whole. The caller then puts the positions left on rank 0's
 * time with `fit`, writes, and calls wpio_spill_planned with whether the write succeeded.
 * earlier_left_out: the caller collected only the rows of the windows after last_window (all of
 * /windows still) because it knows nothing changed the others since; their rows are then not
 * compared, and a 0 means the caller must collect everything and plan again. Nor are the rows
 * collected hashed: a later plan without earlier_left_out then returns 0 (whole) until a whole frame
 * is written. */
int wpio_spill_plan(struct wpio_spill_state *st, struct wpio_job *job, const struct wpio_spill_fit *fit,
                    int earlier_left_out);
void wpio_spill_planned(struct wpio_spill_state *st, int written);
/* The same for a provisional frame (the open window so far): 1 when it may be appended after the
 * committed frames (what they hold is then dropped from job), 0 when it must be written whole (a
 * provisional-only file). The state is left alone. The clock fit is not compared: a provisional
 * frame is read only for a rank that died, whose closed windows keep the fit they were spilled with
 * (sync points refine it by the sample noise). */
int wpio_spill_plan_provisional(const struct wpio_spill_state *st, struct wpio_job *job, int earlier_left_out);

/* wpio_spill_load + wpio_spill_decode. */
int wpio_spill_read(const char *path, int rank, struct wpio_job *job, char *err, size_t errlen);
/* The same for dir/rank-N.wpb, `rank`'s spill in a spill directory. */
int wpio_spill_read_in(const char *dir, int rank, struct wpio_job *job, char *err, size_t errlen);

/* The ranks that have a spill file (rank-N.wpb) in dir, ascending, into *ranks (the caller frees it;
 * *n may be 0). 0; -1 (dir cannot be opened) or -2 (out of memory) with one line in err. */
int wpio_spill_list(const char *dir, int **ranks, size_t *n, char *err, size_t errlen);

/* Removes every rank-N.wpb (and leftover temporary spill) in dir, then dir itself when that left
 * it empty. Other files are never touched. Returns the number of files that could not be removed,
 * or -1 (with err) when dir cannot be opened; a missing dir is 0. */
int wpio_spill_remove_all(const char *dir, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
