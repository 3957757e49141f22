/* Time breakdown per window (/breakdown): GPU activity intervals by class, kept as bounded sorted
 * disjoint lists (io/model/wpio_intervals.h) per window and class, turned into rows at pack time together
 * with the window's host MPI time from /mpi. Independent of WPROF_TIMELINE. */
#ifndef WPR_BREAKDOWN_H
#define WPR_BREAKDOWN_H

#include <stdint.h>
#include "wpio_job.h"

enum wpr_gpu_class { WPR_GPU_COMPUTE = 0, WPR_GPU_MEMORY = 1, WPR_GPU_COMM = 2, WPR_GPU_NCLASSES = 3 };

/* Intervals kept per window and class; past it a new disjoint interval is joined to its nearest
 * neighbour (the gap counts as busy: an overestimate, warned once at pack time). */
#define WPR_BREAKDOWN_MAX_INTERVALS 16384

/* Class of a GPU activity, in two steps so the name test runs once per name: 1 when `name` is a
 * communication kernel's ("nccl" or "NCCL" in it), then the class of `kind` (enum wpio_kind) given
 * that: communication or compute for kernels, memory for copies and sets; -1 otherwise. */
int wpr_gpu_name_is_comm(const char *name);
int wpr_gpu_class(int kind, int name_is_comm);

/* Records [start, end) (GPU clock ns) of `cls` in `window`, between wpr_breakdown_lock and
 * wpr_breakdown_unlock (one lock per buffer of records, not per record: off the hot path anyway). */
void wpr_breakdown_lock(void);
void wpr_breakdown_add(int32_t window, int cls, uint64_t start, uint64_t end);
void wpr_breakdown_unlock(void);
/* The window's span on the GPU clock: intervals are clipped to it (unclipped until known). */
void wpr_breakdown_bounds(int32_t window, uint64_t gpu_lo, uint64_t gpu_hi);

/* One /breakdown row per /windows row of `rank` already in `job`, with host MPI time from job->mpi
 * (so call it after the MPI and backend collection). 0 or -1 (OOM). */
int wpr_breakdown_collect(struct wpio_job *job, int32_t rank);

#endif
