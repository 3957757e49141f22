/* GPU memory of the cupti backend (WPROF_MEMORY): allocation and free records are queued as they are
 * read, then applied in timestamp order at the end of each drain, so the running level of bytes in use
 * per (device, kind) and its peak are right even when buffers complete out of order. Rows per
 * (window, range open at the call, device, kind). Serialised by the backend's lock. */
#ifndef WPR_MEMORY_H
#define WPR_MEMORY_H

#include <stdint.h>
#include "cupti_clock.h"
#include "ranges_gpu.h"
#include "wpio_job.h"

struct wpr_memory_event {
  uint64_t timestamp, bytes;   /* GPU clock */
  struct wpr_launch_ctx ctx;   /* window and range of the call (window -1: placed by timestamp) */
  int32_t device, kind;        /* kind: enum wpio_mem_kind */
  int is_alloc;
  uint32_t correlation;        /* of the API call: its call stack with WPROF_STACKS */
};

/* Queues one record's event; counted as lost when out of memory. */
void wpr_memory_queue(const struct wpr_memory_event *e);
/* Sorts the queued events by time and applies them; `spans` place events without a known call and
 * map peak times to the host clock. */
void wpr_memory_apply(const struct wpr_gpu_span *spans, int n_spans);
/* Adds /memory rows for `rank`, peak times mapped to the host clock through `spans`. 0 or -1 (OOM). */
int wpr_memory_collect(struct wpio_job *job, int32_t rank, const struct wpr_gpu_span *spans, int n_spans);
/* Events lost to out of memory so far. */
uint64_t wpr_memory_lost(void);

#endif
