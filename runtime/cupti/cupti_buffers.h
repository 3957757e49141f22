/* The bounded pool of fixed-size CUPTI activity buffers and the queue of completed ones: CUPTI's
 * callbacks only take a free buffer or hand a full one over; the records are read elsewhere. */
#ifndef WPR_CUPTI_BUFFERS_H
#define WPR_CUPTI_BUFFERS_H

#include <stddef.h>
#include <stdint.h>

#define WPR_CUPTI_POOL_BUFFERS 8

/* A completed buffer waiting to be read. `context`/`stream` as CUPTI passed them (opaque here). */
struct wpr_cupti_filled { uint8_t *buf; size_t valid; void *context; uint32_t stream; };

/* Allocates `count` (<= WPR_CUPTI_POOL_BUFFERS) buffers of `bytes` each. WPROF_OK or WPROF_ENOMEM. */
int wpr_cupti_pool_init(size_t bytes, int count);

/* A free buffer (8-byte aligned) or NULL when all are in use (then CUPTI drops records); counts refusals. */
uint8_t *wpr_cupti_pool_take(size_t *bytes);
/* Queues a completed buffer and wakes the reader. A buffer not from the pool is ignored. */
void wpr_cupti_pool_complete(uint8_t *buf, size_t valid, void *context, uint32_t stream);
/* Pops the oldest completed buffer into *out: 1, or 0 when none. */
int wpr_cupti_pool_next(struct wpr_cupti_filled *out);
/* 1 once a completed buffer waits (without taking it), 0 after `wait_ms` without one. */
int wpr_cupti_pool_wait(int wait_ms);
/* Returns a read buffer to the free list. */
void wpr_cupti_pool_release(uint8_t *buf);
/* Buffer requests refused so far because every buffer was in use. */
uint64_t wpr_cupti_pool_refusals(void);

#endif
