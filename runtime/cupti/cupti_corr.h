/* Correlation map of the cupti backend: CUPTI correlation id -> where the launch happened (window and
 * innermost range), written on the launching thread, read when the record is aggregated. */
#ifndef WPR_CUPTI_CORR_H
#define WPR_CUPTI_CORR_H

#include <stddef.h>
#include <stdint.h>
#include "cupti_api.h"
#include "ranges_gpu.h"

/* An open-addressing table (a power of two of slots) sized from what the activity buffers can hold
 * unread: twice as many slots as kernel records (the largest kind) fit in all of them, at least MIN,
 * at most MAX. It holds the tagged calls whose records are still to come (a slot a record found is
 * reused; one of a launch of several records last), so the untagged calls between launches, which
 * take ids too, do not use it up. Only when the slots near an id all wait for records is an entry
 * replaced: counted (wpr_cupti_corr_lost), and its records are placed by their timestamp instead
 * (and counted as uncorrelated, cupti_records.h). */
#define WPR_CUPTI_CORR_MIN_SLOTS (1u << 16)
#define WPR_CUPTI_CORR_MAX_SLOTS (1u << 22)

/* is_launch of wpr_cupti_corr_put_at: a call with no kernel (a copy, a set), a launch of one kernel
 * record, or of several (a graph's nodes, a multi-device cooperative launch), or a call of several
 * copy records (a batch); an entry of several records outlives its first record. */
enum { WPR_CORR_CALL = 0, WPR_CORR_LAUNCH = 1, WPR_CORR_LAUNCH_MULTI = 2, WPR_CORR_CALL_MULTI = 3 };

/* Allocates the table once per process; returns its slots (0: no memory, nothing is correlated). */
size_t wpr_cupti_corr_init(size_t buffer_bytes, int buffers);

/* Lock-free, no allocation: safe from any number of launching threads at once. */
void wpr_cupti_corr_put(uint32_t correlation_id, struct wpr_launch_ctx ctx);
/* 1 and *ctx when `correlation_id` is known, else 0. The first record that finds an entry marks it. */
int wpr_cupti_corr_get(uint32_t correlation_id, struct wpr_launch_ctx *ctx);
/* The same with the host time (wpr_time_ns, 0: unknown) of the launch API call's enter, for
 * launch latency (runtime/cupti/launch_latency.h); is_launch: a kernel or graph launch, whose
 * records wpr_cupti_corr_outstanding waits for. */
void wpr_cupti_corr_put_at(uint32_t correlation_id, struct wpr_launch_ctx ctx, int64_t launch_ns, int is_launch);
int wpr_cupti_corr_get_at(uint32_t correlation_id, struct wpr_launch_ctx *ctx, int64_t *launch_ns);
/* The call failed: no record will come for it. */
void wpr_cupti_corr_failed(uint32_t correlation_id);

/* A new session (a report's worth of windows): its launches are the ones wpr_cupti_corr_outstanding
 * counts, and entries of past sessions replaced later are no loss of this one. */
void wpr_cupti_corr_new_session(void);
/* This session's entries replaced before any record found them (attribution lost), since the process
 * started. */
uint64_t wpr_cupti_corr_lost(void);
/* This session's launches no record has found yet: kernels still in flight, or launches that will
 * never have a record (made during stream capture, records dropped, graphs without kernels). */
uint64_t wpr_cupti_corr_outstanding(void);

#endif
