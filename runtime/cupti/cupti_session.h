/* The cupti backend's body (cupti_session.c): its entry points, which backends/backend_cupti.c
 * registers, and the internals its benchmark drives (the real CUPTI buffer callbacks and the reader
 * that aggregates completed buffers). Not part of libwprof's API; built only with the CUDA toolkit's
 * cupti.h (WPROF_HAVE_CUPTI). */
#ifndef WPR_CUPTI_SESSION_H
#define WPR_CUPTI_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct wpr_config;
struct wpio_job;

/* The backend's calls (backend.h says what each means): libcupti loaded and subscribed once per
 * process (a failed library is not tried again), activity kinds enabled for a window, records read
 * at stop and flush, /kernels, /memory and the record counts added at collect. */
int wpr_cupti_init(const struct wpr_config *cfg);
int wpr_cupti_start(int32_t window);
int wpr_cupti_stop(int32_t window);
int wpr_cupti_flush(void);
int wpr_cupti_finish(void);
int wpr_cupti_collect(struct wpio_job *job, int32_t rank);

/* The callbacks registered with cuptiActivityRegisterCallbacks. */
void wpr_cupti_buffer_requested(uint8_t **buffer, size_t *size, size_t *max_records);
void wpr_cupti_buffer_completed(void *context, uint32_t stream, uint8_t *buffer, size_t size, size_t valid);

/* Reads every completed buffer now (on the calling thread); returns when none is left or in reading. */
void wpr_cupti_drain(void);

#endif
