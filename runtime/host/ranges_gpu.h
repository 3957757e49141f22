/* GPU time of ranges (ranges_gpu.c), for the cupti backend: a launch is tagged with where it happened
 * (window and range), and a finished record's GPU time is credited to those ranges. */
#ifndef WPR_RANGES_GPU_H
#define WPR_RANGES_GPU_H

#include <stdint.h>

/* Where a GPU launch happened: the window running at the launch (-1: none) and the innermost range
 * open on the launching thread (node 0: none), compact enough to store per correlation id. */
struct wpr_launch_ctx { int32_t window; uint32_t node; };

/* On the launching thread (CUPTI runtime-API callback). No allocation, no lock. */
struct wpr_launch_ctx wpr_ranges_launch_ctx(void);

/* From any thread (activity aggregation), concurrently with pushes, pops and collect: a finished
 * record's GPU time goes to cuda_self_ns of the innermost range of `ctx` and to cuda_total_ns of it and
 * of every enclosing range (each (window, name) once, so recursion is not counted twice), in ctx's
 * window: a range keeps the time of its launches even when the record arrives after the pop or after
 * the window closed; an enclosing range pushed before the window opened gets a row in that window
 * with calls 0 that holds only GPU time. Allocates only the first time a path gets time in a window. */
void wpr_ranges_add_gpu_time(struct wpr_launch_ctx ctx, uint64_t gpu_ns);

/* The name of the innermost range of a launch context's node (interned: stable, compare by pointer),
 * or NULL for node 0 or an unknown node. From any thread. */
const char *wpr_ranges_node_name(uint32_t node);

/* Inside the recorder (ranges.c, at every range call of the owner): rebuilds the thread's launch
 * context from its stack and open start/end ranges; `create` 0 (a launch callback) never allocates. */
struct range_thread;
void range_ctx_refresh(struct range_thread *t, int create);

#endif
