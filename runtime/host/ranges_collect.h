/* Collect of the range recorder (ranges_collect.c), for report/: the /ranges rows of every thread. */
#ifndef WPR_RANGES_COLLECT_H
#define WPR_RANGES_COLLECT_H

#include <stdint.h>

#include "wpio_job.h"

/* Adds the /ranges rows of every thread, merged by (window, name), for `rank`: CPU time from the
 * threads' rows, GPU time from their nodes; only the rows of windows >= from_window (0: all), in time
 * proportional to those. */
int wpr_ranges_collect(struct wpio_job *job, int32_t rank, int32_t from_window);
/* Frees the memory collects keep for the next one (their index of rows and names). */
void wpr_ranges_collect_release(void);

#endif
