/* Internals of the cupti backend shared with its benchmark: the real CUPTI buffer callbacks and the
 * reader that aggregates completed buffers. Not part of libwprof's API. */
#ifndef WPR_CUPTI_SESSION_H
#define WPR_CUPTI_SESSION_H

#include <stddef.h>
#include <stdint.h>

/* The callbacks registered with cuptiActivityRegisterCallbacks. */
void wpr_cupti_buffer_requested(uint8_t **buffer, size_t *size, size_t *max_records);
void wpr_cupti_buffer_completed(void *context, uint32_t stream, uint8_t *buffer, size_t size, size_t valid);

/* Reads every completed buffer now (on the calling thread); returns when none is left or in reading. */
void wpr_cupti_drain(void);

#endif
