/* Tables at every real stop: WPROF_PRINT=top:N (rank 0 prints the cross-rank tables of the window
 * that just closed) and WPROF_TABLE_DIR (each rank writes its own tables of that window). */
#ifndef WPR_STOP_TABLES_H
#define WPR_STOP_TABLES_H

#include <stdint.h>

struct wpr_session;

/* Called on every rank right after a real stop (backend stopped, spill written). Collective when
 * print_top > 0: every rank's tables of `window` go to rank 0 through the finalize gather, with its
 * deadlines, so a missing rank is named in the printed header, never waited for past the deadline.
 * A failure warns once and profiling goes on. */
void wpr_stop_tables(struct wpr_session *s, int32_t window);

#endif
