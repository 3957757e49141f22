/* Annotated ranges: wprof_range_push/pop (defined in ranges.c) keep a per-thread stack and per-thread
 * (window, name) rows of calls, CPU total and CPU self time; ranges are recorded while a window runs
 * and also emitted as NVTX ranges in wprof's private domain when built with NVTX3. This header is the
 * recorder's face: ranges.c's calls here, with collect (ranges_collect.h) and the GPU attribution
 * (ranges_gpu.h) that the cupti backend uses. */
#ifndef WPR_RANGES_H
#define WPR_RANGES_H

#include <stdint.h>

#include "ranges_collect.h"
#include "ranges_gpu.h"

/* The window ranges are attributed to, or -1 while no window runs (ranges are then not recorded). */
void wpr_ranges_set_window(int32_t window);
void wpr_ranges_set_enabled(int enabled);
/* A session after a finalized one: its windows count from 0 again, in rows of their own; collect
 * reads only those. */
void wpr_ranges_new_session(void);

/* The stack without NVTX emission: what wprof_range_push/pop and the NVTX injection handler share.
 * pop returns WPROF_ESTATE (warned once) when the thread's stack is empty. */
void wpr_ranges_push(const char *name);
int wpr_ranges_pop(void);

/* Start/end ranges (nvtxRangeStart/End): not nested, timed as ranges of their own (cpu self = cpu
 * total), in the (window, name) row of the window running at start; merged with push/pop rows of the
 * same name. start returns an id for end (0: not recorded, e.g. more than 32 open on the thread);
 * end may come from any thread; an unknown or already ended id is ignored (warned once).
 * GPU time: a launch made on the starting thread while the range is open counts for it as self and
 * total CUDA time, in addition to the push/pop stack's attribution (innermost range self, every
 * enclosing range total). A name gets a launch's time at most once per column, whichever way it is
 * open. An end from another thread is seen by the starting thread's launches at once, but a launch
 * whose set of open ranges was never seen before then counts only for the stack until that thread's
 * next range call (a launch callback does not allocate). */
uint64_t wpr_ranges_start(const char *name);
void wpr_ranges_end(uint64_t id);

/* Pushes past the per-thread depth cap (256) so far, over all threads (not recorded, warned once). */
uint64_t wpr_ranges_overflows(void);

#endif
