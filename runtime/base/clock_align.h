/* Clock alignment to rank 0: the fit each rank keeps of its clock's offset and drift against rank 0's,
 * and its application to local times. The fit is estimated by ping-pong (collectives/, run by
 * session/clock_exchange.c) and filled in before the rank's tables are packed; all zero means "same
 * clock as rank 0" (rank 0, a world of one). */
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

/* One exchange with rank 0: at local time local_ns this clock read offset_ns more than rank 0's,
 * within delay_ns / 2 (delay: the round trip without rank 0's hold). */
struct wpr_clock_sample {
  int64_t local_ns;
  int64_t offset_ns;
  int64_t delay_ns;
};

/* A session's samples (init, every sync point, finalize). When full, adjacent pairs are merged into
 * the one with the smaller delay and each slot takes twice as many later samples, so the slots keep
 * spanning the whole run evenly however long it is. A zeroed struct is empty. */
#define WPR_CLOCK_MAX_SAMPLES 256
struct wpr_clock_samples {
  struct wpr_clock_sample v[WPR_CLOCK_MAX_SAMPLES];
  int n;
  int64_t per_slot; /* samples each slot stands for (0 until the first merge: 1) */
  int64_t in_last;  /* samples merged into the last slot so far */
};
void wpr_clock_samples_add(struct wpr_clock_samples *set, const struct wpr_clock_sample *x);

/* The fit (pure): offset and drift by weighted least squares over the samples whose delay is near
 * the smallest (weights 1 / (delay/2)^2), residual = an error bound (see clock_align.c). Returns the
 * number of samples used; 0 leaves *out all zero except residual_ns = -1 (unknown). */
int wpr_clock_fit_samples(const struct wpr_clock_sample *v, int n, struct wpr_clock_fit *out);

#endif
