/* Annotated ranges: wprof_range_push/pop (defined in ranges.c) keep a per-thread stack and per-thread
 * (window, name) rows of calls, CPU total and CPU self time; ranges are recorded while a window runs
 * and also emitted as NVTX ranges in wprof's private domain when built with NVTX3. */
#ifndef WPR_RANGES_H
#define WPR_RANGES_H

#include <stdint.h>
#include "wpio_job.h"

/* The window ranges are attributed to, or -1 while no window runs (ranges are then not recorded). */
void wpr_ranges_set_window(int32_t window);
void wpr_ranges_set_enabled(int enabled);

/* Adds the /ranges rows of every thread, merged by (window, name), for `rank`. */
int wpr_ranges_collect(struct wpio_job *job, int32_t rank);

/* Pushes past the per-thread depth cap (256) so far, over all threads (not recorded, warned once). */
uint64_t wpr_ranges_overflows(void);

/* ---- GPU attribution (the cupti backend) ---- */

/* Where a GPU launch happened: the window running at the launch (-1: none) and the innermost range
 * open on the launching thread (node 0: none), compact enough to store per correlation id. */
struct wpr_launch_ctx { int32_t window; uint32_t node; };

/* On the launching thread (CUPTI runtime-API callback). No allocation, no lock. */
struct wpr_launch_ctx wpr_ranges_launch_ctx(void);

/* From any thread (activity aggregation): a finished record's GPU time goes to cuda_self_ns of the
 * innermost range of `ctx` and to cuda_total_ns of it and of every enclosing range (each (window, name)
 * once, so recursion is not counted twice). */
void wpr_ranges_add_gpu_time(struct wpr_launch_ctx ctx, uint64_t gpu_ns);

#endif
