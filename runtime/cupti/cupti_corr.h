/* Correlation map of the cupti backend: CUPTI correlation id -> where the launch happened (window and
 * innermost range), written on the launching thread, read when the record is aggregated. */
#ifndef WPR_CUPTI_CORR_H
#define WPR_CUPTI_CORR_H

#include <stdint.h>
#include "ranges_gpu.h"

/* Slots of the direct-mapped table (a power of two): ids more than this far apart share a slot, so
 * a record read that long after its launch finds no entry and is placed by its timestamp instead. */
#define WPR_CUPTI_CORR_SLOTS (1u << 16)

/* Lock-free, no allocation: safe from any number of launching threads at once. */
void wpr_cupti_corr_put(uint32_t correlation_id, struct wpr_launch_ctx ctx);
/* 1 and *ctx when `correlation_id` is known, else 0. */
int wpr_cupti_corr_get(uint32_t correlation_id, struct wpr_launch_ctx *ctx);
/* The same with the host time (wpr_time_ns, 0: unknown) of the launch API call's enter, for
 * launch latency (runtime/cupti/launch_latency.h). */
void wpr_cupti_corr_put_at(uint32_t correlation_id, struct wpr_launch_ctx ctx, int64_t launch_ns);
int wpr_cupti_corr_get_at(uint32_t correlation_id, struct wpr_launch_ctx *ctx, int64_t *launch_ns);

#endif
