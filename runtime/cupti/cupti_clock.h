/* GPU (CUPTI) timestamps on the host clock, and which window a GPU timestamp fell in. Each window is
 * calibrated at its start and at its stop, so the mapping follows drift between the two clocks. */
#ifndef WPR_CUPTI_CLOCK_H
#define WPR_CUPTI_CLOCK_H

#include <stdint.h>

/* One simultaneous reading of both clocks. */
struct wpr_clock_pair { uint64_t gpu_ns; int64_t host_ns; };

typedef int (*wpr_gpu_clock_fn)(uint64_t *gpu_ns); /* 0 on success */

/* The tightest of several (host, gpu, host) reads: the gpu reading with the host midpoint. 0 or -1. */
int wpr_clock_pair_read(wpr_gpu_clock_fn gpu_clock, struct wpr_clock_pair *pair);

/* A window as the cupti backend saw it: calibrated at start (and stop, once `closed`). */
struct wpr_gpu_span {
  int32_t window;
  int closed;
  struct wpr_clock_pair start, stop;
};

/* `gpu_ns` on the host clock of `span`: interpolated between its two pairs once closed. */
int64_t wpr_gpu_span_to_host(const struct wpr_gpu_span *span, uint64_t gpu_ns);
/* Drift of the GPU clock against the host clock over a closed span, in ppm (0 when too short). */
double wpr_gpu_span_drift_ppm(const struct wpr_gpu_span *span);
/* The window whose span holds `gpu_ns` (newest first), or -1. */
int32_t wpr_gpu_spans_window(const struct wpr_gpu_span *spans, int n, uint64_t gpu_ns);
/* The (newest) span of `window`, or NULL. */
const struct wpr_gpu_span *wpr_gpu_span_of(const struct wpr_gpu_span *spans, int n, int32_t window);

#endif
