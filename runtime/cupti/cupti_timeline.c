/* GPU work on the timeline: one CUPTI activity record (kernel, copy, set, synchronization) becomes an
 * event on its stream's track, placed on the host clock by the window span that holds its start. */
#ifdef WPROF_HAVE_CUPTI
#include "cupti_timeline.h"

#include <cupti.h>

#include "timeline.h"
#include "timer.h"

/* The record's event kind and stream; 0 when the kind is not timeline work. */
static int record_kind(const CUpti_Activity *rec, int *kind, uint32_t *stream) {
  switch (rec->kind) {
  case CUPTI_ACTIVITY_KIND_KERNEL:
  case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
    *kind = WPIO_EV_KERNEL;
    *stream = ((const CUpti_ActivityKernel10 *)rec)->streamId;
    return 1;
  case CUPTI_ACTIVITY_KIND_MEMCPY:
    *kind = WPIO_EV_MEMCPY;
    *stream = ((const CUpti_ActivityMemcpy6 *)rec)->streamId;
    return 1;
  case CUPTI_ACTIVITY_KIND_MEMSET:
    *kind = WPIO_EV_MEMSET;
    *stream = ((const CUpti_ActivityMemset4 *)rec)->streamId;
    return 1;
  case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION:
    *kind = WPIO_EV_SYNC;
    *stream = ((const CUpti_ActivitySynchronization2 *)rec)->streamId; /* INVALID_VALUE: device-wide */
    return 1;
  default: return 0;
  }
}

/* The newest span holding `gpu_ns`, as wpr_gpu_spans_window picks its window. */
static const struct wpr_gpu_span *span_of(const struct wpr_gpu_span *spans, int n, uint64_t gpu_ns) {
  for (int i = n - 1; i >= 0; i--) {
    if (gpu_ns < spans[i].start.gpu_ns) continue;
    if (!spans[i].closed || gpu_ns <= spans[i].stop.gpu_ns) return &spans[i];
  }
  return NULL;
}

void wpr_timeline_cupti_record(const void *rec, const char *name, uint64_t gpu_start, uint64_t gpu_end,
                               const struct wpr_gpu_span *spans, int n_spans) {
  int kind = 0;
  uint32_t stream = 0;
  if (!record_kind(rec, &kind, &stream)) return;
  const struct wpr_gpu_span *span = span_of(spans, n_spans, gpu_start);
  if (!span) return; /* ran outside every window */
  /* positions are mapped (onto wpr_time_ns, like every host event), durations stay raw GPU time */
  int64_t start = wpr_gpu_span_to_host(span, gpu_start);
  int64_t duration = gpu_end > gpu_start ? (int64_t)(gpu_end - gpu_start) : 0;
  wpr_timeline_gpu(kind, name, WPIO_TRACK_STREAM(stream), start, start + duration);
}
#endif
