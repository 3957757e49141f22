/* Clock pairs and window spans of the cupti backend (cupti_clock.h). Only positions are mapped:
 * durations stay raw GPU end - start. */
#ifdef WPROF_HAVE_CUPTI
#include "cupti_clock.h"

#include "timer.h"

#define PAIR_READS 7

/* The host side is the position clock every other position of the rank uses (wpr_time_ns: the TSC
 * anchored to CLOCK_MONOTONIC, plus the test offset), so GPU positions line up with ranges and windows
 * and go through the same alignment to rank 0. */
int wpr_clock_pair_read(wpr_gpu_clock_fn gpu_clock, struct wpr_clock_pair *pair) {
  int64_t best_gap = INT64_MAX;
  for (int i = 0; i < PAIR_READS; i++) {
    uint64_t gpu = 0;
    int64_t before = wpr_time_ns();
    if (gpu_clock(&gpu) != 0) return -1;
    int64_t after = wpr_time_ns();
    if (after - before < best_gap) {
      best_gap = after - before;
      pair->gpu_ns = gpu;
      pair->host_ns = before + (after - before) / 2;
    }
  }
  return 0;
}

int64_t wpr_gpu_span_to_host(const struct wpr_gpu_span *span, uint64_t gpu_ns) {
  int64_t dg = (int64_t)(gpu_ns - span->start.gpu_ns);
  if (!span->closed || span->stop.gpu_ns <= span->start.gpu_ns) return span->start.host_ns + dg;
  double scale = (double)(span->stop.host_ns - span->start.host_ns) /
                 (double)(span->stop.gpu_ns - span->start.gpu_ns);
  return span->start.host_ns + (int64_t)((double)dg * scale);
}

double wpr_gpu_span_drift_ppm(const struct wpr_gpu_span *span) {
  if (!span->closed || span->stop.host_ns - span->start.host_ns < 1000000) return 0;
  double dh = (double)(span->stop.host_ns - span->start.host_ns);
  double dg = (double)(span->stop.gpu_ns - span->start.gpu_ns);
  return (dg - dh) / dh * 1e6;
}

int32_t wpr_gpu_spans_window(const struct wpr_gpu_span *spans, int n, uint64_t gpu_ns) {
  for (int i = n - 1; i >= 0; i--) {
    const struct wpr_gpu_span *s = &spans[i];
    if (gpu_ns < s->start.gpu_ns) continue;
    if (!s->closed || gpu_ns <= s->stop.gpu_ns) return s->window;
  }
  return -1;
}

const struct wpr_gpu_span *wpr_gpu_span_of(const struct wpr_gpu_span *spans, int n, int32_t window) {
  for (int i = n - 1; i >= 0; i--)
    if (spans[i].window == window) return &spans[i];
  return NULL;
}
#endif
