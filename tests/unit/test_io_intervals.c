/* Unit test of the interval lists behind /breakdown: known unions and overlaps (two streams, a comm
 * kernel overlapping compute by a known amount), random lists against a brute-force bitmap, and the
 * bounded list's documented overestimate (bridged_ns). */
#include <stdlib.h>

#include "wptest_check.h"
#include "wpio_intervals.h"

static int test_known_union(void) {
  struct wpio_ivals a = {0};
  /* stream 1: [0,100) [200,300); stream 2: [50,150) [300,310) touching -> one [200,310) */
  CHECK(wpio_ivals_add(&a, 200, 300) == 0 && wpio_ivals_add(&a, 0, 100) == 0);
  CHECK(wpio_ivals_add(&a, 50, 150) == 0 && wpio_ivals_add(&a, 300, 310) == 0);
  CHECK(a.n == 2 && a.v[0].start == 0 && a.v[0].end == 150 && a.v[1].start == 200 && a.v[1].end == 310);
  CHECK(wpio_ivals_length(&a, INT64_MIN, INT64_MAX) == 260);
  CHECK(wpio_ivals_length(&a, 100, 250) == 100); /* clipped: [100,150) + [200,250) */
  CHECK(wpio_ivals_add(&a, -5, 1000) == 0 && a.n == 1 && wpio_ivals_length(&a, 0, 2000) == 1000);
  CHECK(wpio_ivals_add(&a, 10, 10) == 0 && wpio_ivals_add(&a, 20, 5) == 0 && a.n == 1); /* empty: ignored */
  wpio_ivals_free(&a);
  return 0;
}

static int test_known_overlap(void) {
  struct wpio_ivals compute = {0}, comm = {0}, busy = {0};
  /* compute [1ms,5ms) on stream 1 and [6ms,8ms) on stream 2; ncclAllReduce [3ms,7ms) */
  CHECK(wpio_ivals_add(&compute, 1000000, 5000000) == 0 && wpio_ivals_add(&compute, 6000000, 8000000) == 0);
  CHECK(wpio_ivals_add(&comm, 3000000, 7000000) == 0);
  CHECK(wpio_ivals_overlap(&comm, &compute, INT64_MIN, INT64_MAX) == 3000000); /* [3,5) + [6,7) */
  CHECK(wpio_ivals_overlap(&compute, &comm, INT64_MIN, INT64_MAX) == 3000000); /* symmetric */
  CHECK(wpio_ivals_overlap(&comm, &compute, 0, 4000000) == 1000000);           /* clipped to [3,4) */
  CHECK(wpio_ivals_add_all(&busy, &compute) == 0 && wpio_ivals_add_all(&busy, &comm) == 0);
  CHECK(busy.n == 1 && wpio_ivals_length(&busy, 0, 10000000) == 7000000);
  wpio_ivals_free(&compute);
  wpio_ivals_free(&comm);
  wpio_ivals_free(&busy);
  return 0;
}

#define SPAN 2000
static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int test_random_against_bitmap(void) {
  for (int round = 0; round < 200; round++) {
    static unsigned char in_a[SPAN], in_b[SPAN];
    memset(in_a, 0, sizeof in_a);
    memset(in_b, 0, sizeof in_b);
    struct wpio_ivals a = {0}, b = {0};
    int n = 1 + (int)(next_rand() % 60);
    for (int i = 0; i < n; i++) {
      int64_t s = (int64_t)(next_rand() % SPAN), len = (int64_t)(next_rand() % 80);
      int64_t e = s + len > SPAN ? SPAN : s + len;
      int to_b = (int)(next_rand() & 1);
      CHECK(wpio_ivals_add(to_b ? &b : &a, s, e) == 0);
      for (int64_t t = s; t < e; t++) (to_b ? in_b : in_a)[t] = 1;
    }
    for (size_t i = 0; i + 1 < a.n; i++) CHECK(a.v[i].end < a.v[i + 1].start); /* sorted, disjoint */
    int64_t lo = (int64_t)(next_rand() % SPAN), hi = lo + (int64_t)(next_rand() % SPAN);
    int64_t len_a = 0, both = 0;
    for (int64_t t = lo; t < hi && t < SPAN; t++) {
      len_a += in_a[t];
      both += in_a[t] && in_b[t];
    }
    CHECK(wpio_ivals_length(&a, lo, hi) == len_a);
    CHECK(wpio_ivals_overlap(&a, &b, lo, hi) == both);
    wpio_ivals_free(&a);
    wpio_ivals_free(&b);
  }
  return 0;
}

/* At the bound a new disjoint interval joins its nearest neighbour: n stays at max and the length
 * exceeds the exact one by exactly bridged_ns. */
static int test_bound(void) {
  struct wpio_ivals s = {.max = 4};
  int64_t exact = 0;
  for (int i = 0; i < 10; i++) {
    CHECK(wpio_ivals_add(&s, i * 100, i * 100 + 10) == 0);
    exact += 10;
    CHECK(s.n <= 4);
  }
  CHECK(s.n == 4);
  CHECK(s.bridged_ns > 0);
  CHECK(wpio_ivals_length(&s, INT64_MIN, INT64_MAX) == exact + (int64_t)s.bridged_ns);
  wpio_ivals_free(&s);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, test_known_union);
  RUN(fails, test_known_overlap);
  RUN(fails, test_random_against_bitmap);
  RUN(fails, test_bound);
  return fails ? 1 : 0;
}
