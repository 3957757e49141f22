/* Clock alignment to rank 0: the fit each rank keeps of its clock's offset and drift against rank 0's,
 * and its application to local times. The fit is estimated by ping-pong (collectives/) and filled in
 * before the rank's tables are packed; all zero means "same clock as rank 0" (rank 0, a world of one). */
#ifndef WPR_CLOCK_ALIGN_H
#define WPR_CLOCK_ALIGN_H

#include <stdint.h>

struct wpr_clock_fit {
  int64_t offset_ns;   /* local - rank 0 at local time ref_ns */
  double drift_ppm;    /* how fast the offset grows: ns per ms of local time, x1000 */
  int64_t residual_ns; /* error of the fit (see clock_align.c) */
  int64_t ref_ns;      /* local time at which offset_ns holds */
};

/* A local time (the node's CLOCK_MONOTONIC timebase) as rank 0's time. */
static inline int64_t wpr_clock_to_root(const struct wpr_clock_fit *f, int64_t local_ns) {
  return local_ns - f->offset_ns - (int64_t)((double)(local_ns - f->ref_ns) * f->drift_ppm * 1e-6);
}

#endif
