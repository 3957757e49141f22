/* The driver interface of the fake libcupti: a test program dlopen()s the same libfakecupti.so that
 * wprof loaded (WPROF_CUPTI_LIBRARY) and resolves these to "run" GPU work. All return 0 or -1. */
#ifndef FAKECUPTI_H
#define FAKECUPTI_H

#include <stdint.h>

/* A kernel launch: runtime-API enter/exit callbacks on the calling thread with a new correlation id,
 * and a kernel record that starts when the stream is free (or now) and lasts exactly duration_ns. */
int fakecupti_launch(const char *kernel, uint64_t duration_ns);
/* A host-to-device cudaMemcpy of `bytes`, with callbacks like a launch. */
int fakecupti_memcpy(uint64_t bytes, uint64_t duration_ns);
/* A cudaMemset of `bytes`, with callbacks like a launch. */
int fakecupti_memset(uint64_t bytes, uint64_t duration_ns);
/* n more records reported dropped by cuptiActivityGetNumDroppedRecords. */
int fakecupti_drop(uint64_t n);
/* cudaDeviceSynchronize: waits until the stream's queued work has "run" (a synchronization record). */
int fakecupti_sync(void);
/* While on, flushes deliver nothing: records stay queued as if the GPU had not finished them. */
int fakecupti_hold(int on);
/* Delivers every queued record from a new thread (late delivery); fakecupti_join waits for it. */
int fakecupti_deliver_async(void);
int fakecupti_join(void);

#endif
