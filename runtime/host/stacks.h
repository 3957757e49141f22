/* Host call stacks at kernel launch (WPROF_STACKS): frame addresses captured on the launching thread
 * into a fixed, lock-free table keyed by their hash; GPU time is credited per (window, stack, kernel)
 * when records arrive; frames are symbolized (dladdr) only when the rank's tables are collected.
 * With WPROF_MEMORY, allocation calls are captured the same way and their bytes credited per
 * (window, stack) under the name WPIO_STACK_ALLOCATION. */
#ifndef WPR_STACKS_H
#define WPR_STACKS_H

#include <stdint.h>
#include "wpio_job.h"

/* Allocates the table and warms up the unwinder (its first call may allocate). 0, or -1 (no memory:
 * stacks stay off, warned once). Idempotent. */
int wpr_stacks_init(void);
int wpr_stacks_on(void);

/* On the launching thread (CUPTI callback): the caller's stack, remembered for `correlation_id`.
 * No lock, no allocation; a stack that finds no room in the table is counted as dropped. */
void wpr_stacks_capture(uint32_t correlation_id);

/* Aggregation (serialised by the backend): `ns` of GPU time of kernel `name` (the caller's name
 * index, resolved through `name_of` at collect) launched with `correlation_id` in `window`. */
void wpr_stacks_add_time(uint32_t correlation_id, int32_t window, uint32_t name, uint64_t ns);

/* The same for one allocation of `bytes` made by the call `correlation_id` (memory.c, serialised). */
void wpr_stacks_add_alloc(uint32_t correlation_id, int32_t window, uint64_t bytes);

/* Adds /stacks rows for `rank` (symbolized, names interned in job->names). 0 or -1 (OOM). */
int wpr_stacks_collect(struct wpio_job *job, int32_t rank, const char *(*name_of)(uint32_t name));

/* Launches and allocations whose stack did not fit in the table so far. */
uint64_t wpr_stacks_dropped(void);

#endif
