/* A spill's frames put back together (wpio_spill.h): each frame after the first holds the rows of the
 * windows closed since the frame before and the latest state of the rest, so the rows of window >= 0
 * come from every frame, in order, and everything else from the last frame that is whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_spill.h"
#include "wpio_wire.h"

/* Keeps only the rows of closed windows (window >= 0) of the per-window tables; drops the rest. */
static void keep_window_rows(struct wpio_job *j) {
#define KEEP(vec) \
  do { \
    size_t k_ = 0; \
    for (size_t i_ = 0; i_ < j->vec.n; i_++) \
      if (j->vec.v[i_].window >= 0) j->vec.v[k_++] = j->vec.v[i_]; \
    j->vec.n = k_; \
  } while (0)
  KEEP(windows); KEEP(kernels); KEEP(ranges); KEEP(mpi); KEEP(memory); KEEP(stacks); KEEP(breakdown);
  KEEP(launch_latency);
#undef KEEP
  for (size_t i = 0; i < j->attrs.n; i++) free(j->attrs.v[i].key), free(j->attrs.v[i].value);
  for (size_t i = 0; i < j->ranks.n; i++) free(j->ranks.v[i].hostname), free(j->ranks.v[i].status);
  j->attrs.n = j->ranks.n = 0;
  j->lite.n = j->lite_hist.n = j->timeline.n = j->cupti_overhead.n = j->strag_events.n = 0;
  j->sum_kernels.n = j->sum_ranges.n = j->sum_lite.n = j->sum_mpi.n = j->sum_memory.n = j->stragglers.n = 0;
}

/* Frame k's packed bytes: *at and *n, from offset *pos on; 1, 0 at the end, -1 when torn. */
static int next_frame(const uint8_t *buf, size_t len, size_t *pos, size_t *at, size_t *n) {
  if (*pos == len) return 0;
  if (len - *pos < WPIO_SPILL_FRAME_HEADER || memcmp(buf + *pos, WPIO_SPILL_FRAME_MAGIC, 8) != 0) return -1;
  uint64_t size = 0;
  for (int i = 7; i >= 0; i--) size = size << 8 | buf[*pos + 8 + i];
  if (size > len - *pos - WPIO_SPILL_FRAME_HEADER) return -1;
  *at = *pos + WPIO_SPILL_FRAME_HEADER, *n = (size_t)size;
  *pos = *at + *n;
  return 1;
}

int wpio_spill_combine(const uint8_t *buf, size_t len, struct wpio_job *job, char *err, size_t errlen) {
  /* the whole frames first: a torn or undecodable tail is where a crash stopped an append */
  size_t pos = 0, at, n, nframes = 0, last_at = 0, last_n = 0;
  int r;
  char why[256] = "";
  while ((r = next_frame(buf, len, &pos, &at, &n)) == 1) {
    struct wpio_job probe;
    wpio_job_init(&probe);
    int ok = wpio_decode(buf + at, n, &probe, why, sizeof why) == 0;
    wpio_job_free(&probe);
    if (!ok) break;
    nframes++, last_at = at, last_n = n;
  }
  if (nframes == 0) {
    snprintf(err, errlen, "its first frame is damaged (%s)", why[0] ? why : "torn");
    return -1;
  }
  pos = 0;
  int rc = 0;
  for (size_t k = 0; k < nframes && rc == 0; k++) {
    next_frame(buf, len, &pos, &at, &n);
    struct wpio_job part;
    wpio_job_init(&part);
    rc = wpio_decode(buf + at, n, &part, why, sizeof why);
    if (rc == 0 && at != last_at) keep_window_rows(&part);
    if (rc == 0 && wpio_job_append(job, &part) != 0) rc = -1;
    if (rc == 0 && at == last_at) { /* the raw straggler arrivals: wpio_job_append leaves them */
      struct wpio_strag_event *v = job->strag_events.v;
      size_t vn = job->strag_events.n, vcap = job->strag_events.cap;
      job->strag_events.v = part.strag_events.v, job->strag_events.n = part.strag_events.n;
      job->strag_events.cap = part.strag_events.cap;
      part.strag_events.v = v, part.strag_events.n = vn, part.strag_events.cap = vcap;
    }
    wpio_job_free(&part);
  }
  (void)last_n;
  if (rc != 0) snprintf(err, errlen, "%s", why[0] ? why : "out of memory combining its frames");
  return rc;
}
