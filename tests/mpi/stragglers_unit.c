/* Unit test of /stragglers' computation (io/summary/wpio_stragglers.c) on synthetic arrivals with known
 * answers: the last arriver and the waits, the clock-free split, an instance a rank never reached,
 * an instance of one rank only, ties, a negative duration, dropped counts, damaged (non-prefix)
 * arrivals, several windows; the raw arrivals' wire round trip, and folding at merge (in any rank
 * order) giving the same rows as computing over all arrivals at once. No MPI. */
#include <stdlib.h>
#include <string.h>

#include "wptest_check.h"
#include "wpio_job.h"
#include "wpio_wire.h"

static int add(struct wpio_job *j, int32_t rank, int32_t window, int32_t func, uint32_t seq, int64_t in, int64_t out) {
  struct wpio_strag_event *e = WPIO_VEC_PUSH(j->strag_events);
  CHECK(e);
  *e = (struct wpio_strag_event){rank, window, func, seq, in, out};
  return 0;
}

static const struct wpio_straggler_row *row_of(const struct wpio_job *j, int32_t rank, int32_t window) {
  for (size_t i = 0; i < j->stragglers.n; i++)
    if (j->stragglers.v[i].rank == rank && j->stragglers.v[i].window == window) return &j->stragglers.v[i];
  return NULL;
}

static int same(const struct wpio_straggler_row *r, uint64_t inst, uint64_t last, uint64_t caused, uint64_t waited,
                uint64_t transfer, uint64_t waiting, uint64_t dropped) {
  CHECK(r);
  if (r->instances != inst || r->arrived_last != last || r->wait_caused_ns != caused || r->waited_ns != waited ||
      r->transfer_ns != transfer || r->waiting_ns != waiting || r->dropped != dropped) {
    fprintf(stderr, "rank %d window %d: instances %llu last %llu caused %llu waited %llu transfer %llu waiting %llu "
            "dropped %llu\n", r->rank, r->window, (unsigned long long)r->instances,
            (unsigned long long)r->arrived_last, (unsigned long long)r->wait_caused_ns,
            (unsigned long long)r->waited_ns, (unsigned long long)r->transfer_ns,
            (unsigned long long)r->waiting_ns, (unsigned long long)r->dropped);
    return 1;
  }
  return 0;
}

/* Arrivals given in a scrambled order, as the gather would deliver them rank by rank. */
static int build(struct wpio_job *j) {
  /* window 0, Allreduce-like func 5, call 0: entries 100/300/200, exits 400/350/380 */
  CHECK(add(j, 2, 0, 5, 0, 200, 380) == 0);
  CHECK(add(j, 0, 0, 5, 0, 100, 400) == 0);
  CHECK(add(j, 1, 0, 5, 0, 300, 350) == 0);
  /* call 1: rank 2 never got there (it stopped, or its data is missing): among ranks 0 and 1 */
  CHECK(add(j, 1, 0, 5, 1, 900, 1100) == 0);
  CHECK(add(j, 0, 0, 5, 1, 1000, 1100) == 0);
  /* call 2: rank 1 alone: no instance to compare */
  CHECK(add(j, 1, 0, 5, 2, 5000, 5010) == 0);
  /* rank 3's calls 0 and 2 without call 1: not a rank's first calls (damaged data), left out */
  CHECK(add(j, 3, 0, 5, 0, 100000, 100001) == 0);
  CHECK(add(j, 3, 0, 5, 2, 100002, 100003) == 0);
  /* rank 1 lost 7 calls of window 0 */
  CHECK(add(j, 1, 0, WPIO_STRAG_DROPPED, 7, 0, 0) == 0);
  /* window 1: a sync point where ranks 0 and 1 tie (the lower rank is last), and one with a negative
   * duration (clock noise: counts as 0) */
  CHECK(add(j, 1, 1, WPIO_STRAG_SYNC, 0, 50, 60) == 0);
  CHECK(add(j, 0, 1, WPIO_STRAG_SYNC, 0, 50, 70) == 0);
  CHECK(add(j, 0, 1, WPIO_STRAG_SYNC, 1, 100, 90) == 0);
  CHECK(add(j, 1, 1, WPIO_STRAG_SYNC, 1, 80, 120) == 0);
  /* window 2: rank 0 kept no call at all but lost 3 (WPROF_STRAGGLER_MAX_EVENTS=0) */
  CHECK(add(j, 0, 2, WPIO_STRAG_DROPPED, 3, 0, 0) == 0);
  /* a row that cannot be placed */
  CHECK(add(j, 0, -1, 5, 0, 1, 2) == 0);
  return 0;
}

static int test_known_answer(void) {
  struct wpio_job j;
  wpio_job_init(&j);
  CHECK(build(&j) == 0);
  CHECK(wpio_job_stragglers(&j) == 0);
  CHECK(j.strag_events.n == 0 && j.strag_events.v == NULL); /* consumed */
  CHECK(j.stragglers.n == 6);
  /* window 0: call 0 -> last rank 1, waits 200 (r0) + 100 (r2); min duration 50, waiting 250/0/130.
   *           call 1 -> last rank 0, wait 100 (r1); min duration 100, waiting 0 (r0) / 100 (r1). */
  CHECK(same(row_of(&j, 0, 0), 2, 1, 100, 200, 150, 250, 0) == 0);
  CHECK(same(row_of(&j, 1, 0), 2, 1, 300, 100, 150, 100, 7) == 0);
  CHECK(same(row_of(&j, 2, 0), 1, 0, 0, 100, 50, 130, 0) == 0);
  /* window 1: sync 0 tie -> rank 0 last, no wait; min duration 10, waiting r0 10.
   *           sync 1 -> rank 0 last (100), r1 waited 20; durations -10 (-> 0) and 40: min 0. */
  CHECK(same(row_of(&j, 0, 1), 2, 2, 20, 0, 10, 10, 0) == 0);
  CHECK(same(row_of(&j, 1, 1), 2, 0, 0, 20, 10, 40, 0) == 0);
  CHECK(same(row_of(&j, 0, 2), 0, 0, 0, 0, 0, 0, 3) == 0);
  CHECK(row_of(&j, 3, 0) == NULL);
  /* ordered by window, then rank */
  for (size_t i = 1; i < j.stragglers.n; i++) {
    const struct wpio_straggler_row *a = &j.stragglers.v[i - 1], *b = &j.stragglers.v[i];
    CHECK(a->window < b->window || (a->window == b->window && a->rank < b->rank));
  }
  /* without arrivals the rows stay (a report read back, recomputed) */
  CHECK(wpio_job_stragglers(&j) == 0 && j.stragglers.n == 6);
  wpio_job_free(&j);
  return 0;
}

/* The arrivals travel with the wire format and survive a merge; the result does not depend on the
 * order ranks are merged in. */
static int test_wire_and_merge(void) {
  struct wpio_job all, part, back, merged;
  wpio_job_init(&all);
  wpio_job_init(&merged);
  CHECK(build(&all) == 0);
  for (int32_t r = 3; r >= 0; r--) { /* one part per rank, merged in reverse */
    wpio_job_init(&part);
    for (size_t i = 0; i < all.strag_events.n; i++)
      if (all.strag_events.v[i].rank == r) CHECK(add(&part, r, all.strag_events.v[i].window, all.strag_events.v[i].func,
                                                   all.strag_events.v[i].seq, all.strag_events.v[i].entry_ns,
                                                   all.strag_events.v[i].exit_ns) == 0);
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[256] = "";
    CHECK(wpio_encode(&part, &buf, &len) == 0);
    wpio_job_init(&back);
    CHECK(wpio_decode(buf, len, &back, err, sizeof err) == 0);
    free(buf);
    CHECK(back.strag_events.n == part.strag_events.n);
    CHECK(memcmp(back.strag_events.v, part.strag_events.v, part.strag_events.n * sizeof *part.strag_events.v) == 0);
    CHECK(wpio_job_merge(&merged, &back) == 0);
    wpio_job_free(&back);
    wpio_job_free(&part);
  }
  CHECK(merged.strag_events.n == 0 && merged.strag_acc != NULL); /* folded as merged, not kept */
  CHECK(wpio_job_stragglers(&all) == 0 && wpio_job_stragglers(&merged) == 0);
  CHECK(merged.stragglers.n == all.stragglers.n);
  CHECK(memcmp(merged.stragglers.v, all.stragglers.v, all.stragglers.n * sizeof *all.stragglers.v) == 0);
  wpio_job_free(&all);
  wpio_job_free(&merged);
  return 0;
}

/* Many ranks, one of them always last: linear enough for 4096 ranks x 100 calls. */
static int test_many_ranks(void) {
  struct wpio_job j;
  wpio_job_init(&j);
  const int32_t ranks = 4096, calls = 100, slow = 1234;
  CHECK(WPIO_VEC_RESERVE(j.strag_events, (size_t)ranks * calls) == 0);
  for (int32_t r = 0; r < ranks; r++)
    for (int32_t c = 0; c < calls; c++)
      CHECK(add(&j, r, 0, 3, (uint32_t)c, c * 1000000 + (r == slow ? 500000 : r), c * 1000000 + 600000) == 0);
  CHECK(wpio_job_stragglers(&j) == 0 && j.stragglers.n == (size_t)ranks);
  const struct wpio_straggler_row *s = row_of(&j, slow, 0);
  CHECK(s && s->arrived_last == (uint64_t)calls && s->waited_ns == 0);
  CHECK(row_of(&j, 0, 0)->waited_ns == (uint64_t)calls * 500000);
  wpio_job_free(&j);
  return 0;
}

/* Damaged arrivals (extreme times) must not overflow (UBSan build) nor crash. */
static int test_extreme_values(void) {
  struct wpio_job j;
  wpio_job_init(&j);
  CHECK(add(&j, 0, 0, 5, 0, INT64_MIN, INT64_MAX) == 0);
  CHECK(add(&j, 1, 0, 5, 0, INT64_MAX, INT64_MIN) == 0);
  CHECK(add(&j, 2, 0, 5, 0, INT64_MAX, INT64_MAX) == 0);
  CHECK(add(&j, 0, 0, 5, 1, INT64_MAX, INT64_MAX) == 0);
  CHECK(add(&j, 1, 0, 5, 1, INT64_MIN, INT64_MIN) == 0);
  CHECK(add(&j, 5, 7, 3, UINT32_MAX, 0, 1) == 0); /* not a prefix: left out, no huge allocation */
  CHECK(wpio_job_stragglers(&j) == 0 && j.stragglers.n == 3);
  CHECK(row_of(&j, 1, 0)->arrived_last == 1);
  wpio_job_free(&j);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, test_known_answer);
  RUN(fails, test_wire_and_merge);
  RUN(fails, test_many_ranks);
  RUN(fails, test_extreme_values);
  return fails != 0;
}
