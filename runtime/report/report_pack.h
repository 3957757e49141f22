/* This rank's tables packed with the wire format (report_pack.c): the one pack that finalize gathers,
 * a spill writes and the stop tables read. */
#ifndef WPR_REPORT_PACK_H
#define WPR_REPORT_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "wpio_job.h"

/* A job and a wire buffer kept from one pack to the next (a stop's spill, an open-window spill, the
 * stop tables' and finalize's pack), so that a pack no larger than an earlier one touches no fresh
 * memory: on this VM a fresh page costs ~2.7 us, and a fresh job and buffer per spill were a quarter
 * to 40 % of a spill's CPU. */
struct wpr_pack_scratch {
  struct wpio_job job; /* empty when taken */
  uint8_t *buf;        /* wpr_pack_scratch_encode's output, `cap` bytes */
  size_t cap;
};
/* The kept scratch; when it is in use (a pack inside a pack, or another thread: packs run on the
 * thread that drives the windows, one at a time, but nothing may break if that changes) a new one,
 * freed when given back. NULL: out of memory. */
struct wpr_pack_scratch *wpr_pack_scratch_take(void);
/* Packs sc->job into sc->buf: 0 with *len bytes, or -1 (out of memory). */
int wpr_pack_scratch_encode(struct wpr_pack_scratch *sc, size_t *len);
/* Gives a taken scratch back (NULL: nothing): the kept one is emptied, its memory kept for the next
 * pack; sc->buf is not to be read after. */
void wpr_pack_scratch_give(struct wpr_pack_scratch *sc);
/* Frees the kept scratch's memory (the next pack starts with none), and what the collects keep
 * (wpr_ranges_collect_release): after finalize's pack, whose buffer, lent to the gather, then goes at
 * wpr_report_pack_done, and at the end of a session. */
void wpr_pack_scratch_release(void);

/* This rank's tables so far (its /ranks row, windows, lite, ranges, MPI, backend tables, timeline),
 * packed with the wire format. 0, or -1 (out of memory). *buf (NULL after -1) is read until the
 * caller hands it to wpr_report_pack_done: it is the kept scratch's buffer, not to be freed. */
int wpr_report_pack_local(struct wpr_session *s, uint8_t **buf, size_t *len);
void wpr_report_pack_done(uint8_t *buf);
/* The same tables unpacked, into `job` (empty: initialised, or cleared; the caller frees it), their positions
 * put on `clock`: &s->clock (rank 0's time, as packed) or &wpr_clock_local (this rank's own time, for
 * wpr_report_positions_to_root later). Only the /ranges and /mpi rows of windows >= from_window (0:
 * all; a spill leaves out the windows it holds when nothing changed them, late_rows.h): the tables
 * that grow with every window. The lite scopes (/lite and their histograms) only when with_lite: a
 * stop's spill leaves them out while the frames hold a recent enough copy, or none yet in a young
 * session (spill.c). WPROF_OK, or
 * WPROF_ENOMEM. */
int wpr_report_collect_local(struct wpr_session *s, struct wpio_job *job, const struct wpr_clock_fit *clock,
                             int32_t from_window, int with_lite);
/* The fit that leaves a time as it is. */
extern const struct wpr_clock_fit wpr_clock_local;
/* Puts the positions of a job collected on wpr_clock_local (windows, memory peaks, timeline events,
 * straggler arrivals) on `clock`. A spill plans on local positions, which a refit of the clock leaves
 * unchanged, and converts only the rows it writes. */
void wpr_report_positions_to_root(struct wpio_job *job, const struct wpr_clock_fit *clock);

/* The job's attributes (settings, world size, backend, sync and settings notes, command, meta):
 * every pack carries them, so a spill alone can rebuild a report; rank 0 sets them again on the
 * merged job. */
void wpr_report_set_attrs(struct wpr_session *s, struct wpio_job *job);

#endif
