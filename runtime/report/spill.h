/* Crash spills (spill.c): at every real stop each rank writes its packed tables to
 * <output>.d/rank-N.wpb (temp + rename), and while a window is open every WPROF_SPILL_INTERVAL_MS a
 * provisional frame of it, so a crash loses at most that interval of the open window; removed
 * after a good report unless WPROF_KEEP_SPILLS. Each warns once and carries on when the file system
 * says no. */
#ifndef WPR_SPILL_H
#define WPR_SPILL_H

#include <stddef.h>
#include <stdint.h>

struct wpr_session;

/* window.c, after a real stop: packs this rank's tables and writes them. */
void wpr_spill_write(struct wpr_session *s);
/* window.c, every WPROF_SPILL_INTERVAL_MS while a window is open: a provisional frame with the open
 * window's rows so far and its /windows row marked cut short (io/spill); the next stop's frame
 * replaces it. */
void wpr_spill_write_open(struct wpr_session *s);
/* Writes a pack the caller already made (finalize's) as the spill, so no rank packs twice at
 * finalize; buf NULL (the caller could not pack): wpr_spill_write's own try. */
void wpr_spill_write_packed(struct wpr_session *s, const uint8_t *buf, size_t len);
/* rank 0, after a complete report */
void wpr_spill_remove(struct wpr_session *s);
/* after a report that lacks some ranks: the spills stay (they may hold those ranks' windows) */
void wpr_spill_keep_note(struct wpr_session *s);

#endif
