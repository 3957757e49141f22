/* Aggregation of CUPTI activity records into per-(window, name, kind) rows of calls, total, min,
 * max and bytes, plus the GPU time of ranges. Not thread-safe: the backend serialises callers. */
#ifndef WPR_CUPTI_RECORDS_H
#define WPR_CUPTI_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include "cupti_api.h"
#include "cupti_clock.h"
#include "wpio_job.h"

struct wpr_cupti_counts {
  uint64_t records;        /* aggregated into a window */
  uint64_t unattributed;   /* no known launch and outside every window */
  uint64_t unknown_kind;   /* kinds wprof did not enable */
  uint64_t oom;            /* lost to out of memory */
  uint64_t incomplete;     /* delivered without times (start 0 or end before start), or refused by
                              cuptiActivityGetNextRecord as incomplete: rejected */
  uint64_t uncorrelated;   /* a correlation id the table did not know (forgotten, or a launch outside
                              every window): placed by time, without range */
  uint64_t truncated;      /* buffers whose reading stopped at an error before their end */
  uint64_t unread_bytes;   /* at most this many bytes of records after such an error, not read */
};

/* Reads every record of one completed buffer. `spans` place records whose launch is unknown. */
void wpr_cupti_records_read(const struct wpr_cupti_api *api, uint8_t *buf, size_t valid,
                            const struct wpr_gpu_span *spans, int n_spans);

/* Adds the rows so far to job->kernels, /launch_latency, /cupti_overhead and /stacks for `rank` (names
 * interned in job->names); state is kept. final: the report's collect, after which no record comes
 * (graph launches still waiting for nodes are settled only then). With the record reader's lock held. */
int wpr_cupti_records_collect(struct wpio_job *job, int32_t rank, int final);

struct wpr_cupti_counts wpr_cupti_records_counts(void);

#endif
