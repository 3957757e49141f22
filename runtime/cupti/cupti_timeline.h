/* GPU work on the timeline (cupti_timeline.c): CUPTI activity records become timeline events. */
#ifndef WPR_CUPTI_TIMELINE_H
#define WPR_CUPTI_TIMELINE_H

#include <stdint.h>

#include "cupti_clock.h"

/* One CUPTI activity record (cupti_records.c's read loop), placed by the window span that holds its
 * GPU start; records outside every span are not events. `rec` is a CUpti_Activity. */
void wpr_timeline_cupti_record(const void *rec, const char *name, uint64_t gpu_start, uint64_t gpu_end,
                               const struct wpr_gpu_span *spans, int n_spans);

#endif
