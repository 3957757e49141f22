/* This rank's tables packed with the wire format (report_pack.c): the one pack that finalize gathers,
 * a spill writes and the stop tables read. */
#ifndef WPR_REPORT_PACK_H
#define WPR_REPORT_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "wpio_job.h"

/* This rank's tables so far (its /ranks row, windows, lite, ranges, MPI, backend tables, timeline),
 * packed with the wire format. 0, or -1 (out of memory). The caller frees *buf. */
int wpr_report_pack_local(struct wpr_session *s, uint8_t **buf, size_t *len);
/* The same tables unpacked, into `job` (freshly initialised; the caller frees it), their positions
 * put on `clock`: &s->clock (rank 0's time, as packed) or &wpr_clock_local (this rank's own time, for
 * wpr_report_positions_to_root later). Only the /ranges and /mpi rows of windows >= from_window (0:
 * all; a spill leaves out the windows it holds when nothing changed them, late_rows.h): the tables
 * that grow with every window. The lite scopes (/lite and their histograms) only when with_lite: a
 * stop's spill leaves them out while the frames hold a recent enough copy (spill.c). WPROF_OK, or
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
