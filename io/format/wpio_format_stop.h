/* Tables printed while the program runs (WPROF_PRINT, WPROF_TABLE_DIR): a job cut down to the window
 * that just closed, and the same views `wprof report` prints, rendered at a window's stop. */
#ifndef WPIO_FORMAT_STOP_H
#define WPIO_FORMAT_STOP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wpio_job.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Keeps only `window`'s rows of the windowed tables (windows, kernels, ranges, mpi). Lite scopes
 * and their histograms have no window column and stay as they are (the run so far); the timeline
 * and the summaries are dropped (summarize again when needed). */
void wpio_job_keep_window(struct wpio_job *job, int32_t window);

/* The tables of one window at its stop, top `top` rows each (0: all), default sort (self CUDA,
 * then CPU): the cross-rank summary when rank < 0 (the job must be summarized), else that rank's
 * tables. Tables without rows are left out unless `show_empty`. Returns 0, or -1 with err. */
int wpio_format_stop_tables(FILE *out, const struct wpio_job *job, int rank, int32_t window, size_t top,
                            int show_empty, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
