/* The batch planner of the bounded finalize gather (wpc_gather_plan_batch): consecutive ranks up to
 * the bound, a rank over the bound alone, silent ranks weigh nothing, no overflow; and every rank
 * lands in exactly one batch. No MPI calls. */
#include <stdint.h>

#include "wpc.h"
#include "wptest_check.h"

#define MB (1024u * 1024u)

static int test_all_fit_one_batch(void) {
  uint64_t sizes[5] = {0, 100, 200, 300, 400};
  int have[5] = {1, 1, 1, 1, 1};
  CHECK(wpc_gather_plan_batch(sizes, have, 5, 1, MB) == 5);
  return 0;
}

static int test_bound_splits(void) {
  uint64_t sizes[6] = {0, 600000, 400000, 600000, 600000, 10};
  int have[6] = {1, 1, 1, 1, 1, 1};
  CHECK(wpc_gather_plan_batch(sizes, have, 6, 1, MB) == 3); /* 600000 + 400000 <= 1 MiB */
  CHECK(wpc_gather_plan_batch(sizes, have, 6, 3, MB) == 4);
  CHECK(wpc_gather_plan_batch(sizes, have, 6, 4, MB) == 6);
  return 0;
}

static int test_large_rank_alone(void) {
  uint64_t sizes[4] = {0, 5 * MB, 10, 10};
  int have[4] = {1, 1, 1, 1};
  CHECK(wpc_gather_plan_batch(sizes, have, 4, 1, MB) == 2);
  CHECK(wpc_gather_plan_batch(sizes, have, 4, 2, MB) == 4);
  return 0;
}

static int test_silent_ranks_weigh_nothing(void) {
  uint64_t sizes[4] = {0, MB, UINT64_MAX, MB};
  int have[4] = {1, 1, 0, 0};
  CHECK(wpc_gather_plan_batch(sizes, have, 4, 1, MB) == 4);
  return 0;
}

static int test_no_overflow(void) {
  uint64_t sizes[3] = {0, UINT64_MAX - 5, 10};
  int have[3] = {1, 1, 1};
  CHECK(wpc_gather_plan_batch(sizes, have, 3, 1, UINT64_MAX) == 2);
  return 0;
}

/* Walking the plan covers 1..n-1 once, in order, with every batch non-empty. */
static int test_plan_covers_every_rank(void) {
  enum { N = 257 };
  uint64_t sizes[N];
  int have[N];
  for (int r = 0; r < N; r++) sizes[r] = (uint64_t)(r * 7919 % 1000) * 1000, have[r] = r % 11 != 5;
  int lo = 1, batches = 0;
  while (lo < N) {
    int hi = wpc_gather_plan_batch(sizes, have, N, lo, MB);
    CHECK(hi > lo && hi <= N);
    uint64_t total = 0;
    for (int r = lo; r < hi; r++) total += have[r] ? sizes[r] : 0;
    CHECK(hi - lo == 1 || total <= MB);
    lo = hi, batches++;
  }
  CHECK(lo == N && batches > 1);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, test_all_fit_one_batch);
  RUN(fails, test_bound_splits);
  RUN(fails, test_large_rank_alone);
  RUN(fails, test_silent_ranks_weigh_nothing);
  RUN(fails, test_no_overflow);
  RUN(fails, test_plan_covers_every_rank);
  return fails != 0;
}
