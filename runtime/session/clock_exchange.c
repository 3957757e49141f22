/* Clock alignment, the session's side: the exchanges with rank 0 (at init, at every sync point, at
 * finalize) that take this rank's samples, and the refit after each, so s->clock is up to date for
 * every pack (spills, stop tables, finalize). The fit itself is base/clock_align.c's. */
#include "clock_exchange.h"

#include <string.h>

#include "clock_align.h"
#include "log.h"
#include "session.h"
#include "timer.h"

#define EXCHANGE_ROUNDS 16          /* ping-pongs per rank at init and finalize: the best one is kept */
#define FINALIZE_READY_MS 200       /* rank 0 waits this long for the others at the finalize exchange:
                                       a rank later than that misses only this sample, and the gather
                                       alone decides (with its own deadline) whether it is missing */

static struct wpr_clock_samples samples; /* this session's; only the thread driving the session */

static int64_t position_clock(void) { return wpr_time_ns(); }

static void refit(struct wpr_session *s) {
  if (s->comm.rank == 0 || s->comm.size <= 1) {
    memset(&s->clock, 0, sizeof(s->clock)); /* the reference itself: exact */
    return;
  }
  wpr_clock_fit_samples(samples.v, samples.n, &s->clock);
}

static void add(const struct wpc_clock_sample *x) {
  if (!x->valid) return;
  struct wpr_clock_sample y = {x->local_ns, x->offset_ns, x->delay_ns};
  wpr_clock_samples_add(&samples, &y);
}

static void exchange(struct wpr_session *s, const char *when, int ready_wait_ms) {
  if (s->comm.size <= 1) return;
  struct wpc_clock_sample x;
  uint64_t t0 = wpr_mono_ns();
  int rc = wpc_clock_exchange(&s->comm, EXCHANGE_ROUNDS, ready_wait_ms, &x);
  add(&x);
  WPR_DEBUG("clock exchange at %s: %s in %.3f ms%s", when, rc == WPC_OK ? "ok" : "incomplete",
            (double)(wpr_mono_ns() - t0) / 1e6, x.valid ? "" : " (no sample for this rank)");
  if (x.valid)
    WPR_DEBUG("clock sample: offset %lld ns, delay %lld ns", (long long)x.offset_ns, (long long)x.delay_ns);
}

void wpr_clock_session_begin(struct wpr_session *s) {
  memset(&samples, 0, sizeof(samples));
  s->comm.clock_ns = position_clock;
  exchange(s, "init", 0);
  refit(s);
}

void wpr_clock_note_sync(struct wpr_session *s, const struct wpc_clock_sample *x) {
  if (s->comm.rank == 0 || !x->valid) return;
  add(x);
  refit(s);
}

int wpr_clock_session_end(struct wpr_session *s) {
  struct wpr_clock_fit before = s->clock;
  exchange(s, "finalize", FINALIZE_READY_MS);
  refit(s);
  return memcmp(&before, &s->clock, sizeof(before)) != 0;
}

void wpr_clock_session_keep(struct wpr_session *s, int64_t shift_ns) {
  s->comm.clock_ns = position_clock;
  if (shift_ns != 0)
    for (int i = 0; i < samples.n; i++) {
      samples.v[i].local_ns += shift_ns;
      samples.v[i].offset_ns += shift_ns;
    }
  refit(s);
}
