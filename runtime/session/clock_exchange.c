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

/* What a node's leader hands the other ranks of its node: its fit, and the test-hook offset its
 * positions carry (a rank's own differs from it by exactly the difference of the two). */
struct node_share {
  struct wpr_clock_fit fit;
  int64_t test_offset_ns;
};
static struct node_share adopted; /* a member's: its leader's last share */
static int have_adopted;

static int64_t position_clock(void) { return wpr_time_ns(); }

/* A rank that shares its node leader's clock instead of exchanging with rank 0 itself. */
static int node_member(const struct wpr_session *s) {
  return s->comm.size > 1 && wpc_clock_leader(&s->comm) != s->comm.rank;
}

static void refit(struct wpr_session *s) {
  if (node_member(s)) { /* its leader's fit, moved by the difference of the test-hook offsets */
    if (!have_adopted) {
      wpr_clock_fit_samples(NULL, 0, &s->clock); /* none yet: unknown */
      return;
    }
    int64_t shift = s->cfg.clock_test_offset_ns - adopted.test_offset_ns;
    s->clock = adopted.fit;
    s->clock.offset_ns += shift;
    if (s->clock.ref_ns != 0) s->clock.ref_ns += shift;
    return;
  }
  if (s->comm.rank == 0 || s->comm.size <= 1) {
    memset(&s->clock, 0, sizeof(s->clock)); /* the reference itself: exact */
    return;
  }
  wpr_clock_fit_samples(samples.v, samples.n, &s->clock);
}

/* A leader's fit to the other ranks of its node (after its exchange with rank 0); they adopt it. */
static void share_with_node(struct wpr_session *s, int at_finalize) {
  struct node_share mine = {s->clock, s->cfg.clock_test_offset_ns}, theirs;
  int got = 0;
  wpc_node_share(&s->comm, &mine, sizeof(mine), &theirs, &got, at_finalize);
  if (!got) return;
  adopted = theirs;
  have_adopted = 1;
  refit(s);
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
  have_adopted = 0;
  s->comm.clock_ns = position_clock;
  /* collective: one leader per node (and test-hook offset) exchanges with rank 0 */
  if (wpc_clock_by_node(&s->comm, s->cfg.clock_test_offset_ns) != WPC_OK) {
    WPR_DEBUG("ranks not grouped by node (%s): each exchanges with rank 0 itself",
              s->comm.note[0] ? s->comm.note : "no note");
    s->comm.note[0] = '\0'; /* said here: not the reason for a later failure */
  }
  exchange(s, "init", 0);
  refit(s);
  share_with_node(s, 0);
}

void wpr_clock_note_sync(struct wpr_session *s, const struct wpc_clock_sample *x) {
  if (s->comm.rank == 0 || !x->valid || node_member(s)) return; /* a member keeps its leader's fit */
  add(x);
  refit(s);
}

int wpr_clock_session_end(struct wpr_session *s) {
  struct wpr_clock_fit before = s->clock;
  exchange(s, "finalize", FINALIZE_READY_MS);
  refit(s);
  share_with_node(s, 1);
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
