/* Launch latency (/launch_latency) and CUPTI's own costs (/cupti_overhead). Latency is the host time
 * from a kernel's launch API call (enter callback) to its start on the GPU mapped to the host clock
 * (cupti_clock.h): both are positions on the rank's clock (wpr_time_ns), and alignment to rank 0 is
 * one shift per rank at any instant, so the latency needs no alignment. Not thread-safe: the cupti backend
 * serialises record reading; wpr_cupti_note_other_subscriber may come from any thread. */
#ifndef WPR_LAUNCH_LATENCY_H
#define WPR_LAUNCH_LATENCY_H

#include <stdint.h>
#include "wpio_job.h"

/* (window, kernel name) rows kept; launches of further pairs are counted as lost. */
#define WPR_LAUNCH_LATENCY_MAX_ROWS 65536

/* One kernel of name index `name` (the caller's name table) launched in `window`. */
void wpr_launch_latency_add(int32_t window, uint32_t name, uint64_t latency_ns);
/* One kernel of a graph launched by the call `correlation` whose start came latency_ns after that
 * call: the launch's latency is its earliest node's (a node's own includes the nodes before it). */
void wpr_launch_latency_graph_node(int32_t window, uint32_t correlation, uint32_t name, int64_t latency_ns);
/* Rows for `rank` into job->launch_latency, names resolved by name_of and interned in job->names. A
 * graph launch waiting for more nodes is settled (counted) only at the final collect, or when more
 * than 4096 wait: a node that arrives after a spill's collect cannot count its launch twice. */
int wpr_launch_latency_collect(struct wpio_job *job, int32_t rank, const char *(*name_of)(uint32_t), int final);

/* One OVERHEAD record of kind `kind_name` (a static string) lasting `ns`. */
void wpr_cupti_overhead_add(const char *kind_name, uint64_t ns);
/* What the cupti backend knows it lost or could not attribute. */
struct wpr_cupti_losses {
  uint64_t correlation_lost, incomplete, uncorrelated, no_record, truncated;
};
/* Rows WPIO_CUPTI_CORRELATION_LOST, _INCOMPLETE, _UNCORRELATED, _NO_RECORD and _TRUNCATED (count
 * only) when nonzero. 0 or -1. */
int wpr_cupti_losses_collect(struct wpio_job *job, int32_t rank, const struct wpr_cupti_losses *losses);
/* cuptiSubscribe found another subscriber: one row WPIO_CUPTI_OTHER_SUBSCRIBER on this rank. */
void wpr_cupti_note_other_subscriber(void);
/* This rank's /cupti_overhead rows of OVERHEAD records, under the record reader's lock (the worker
 * adds to them). 0 or -1 (OOM). */
int wpr_cupti_overhead_collect(struct wpio_job *job, int32_t rank);
/* The other-subscriber row when there was one (also on the host backend, which the cupti backend falls
 * back to then). 0 or -1 (OOM). */
int wpr_cupti_other_subscriber_collect(struct wpio_job *job, int32_t rank);

#endif
