/* Unit test of the log-linear histogram: bucket bounds, nearest-rank percentiles within 1 % of an
 * exact sort over several distributions (1 ns .. 10^12 ns), and exact merging by adding counts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wptest_check.h"
#include "wpio_hist.h"

static const double QS[] = {0.001, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0};
#define NQ (sizeof QS / sizeof QS[0])

static int u64_cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Same nearest-rank definition as the library: rank ceil(q*N), at least 1. */
static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double q) {
  double r = ceil(q * (double)n);
  size_t k = r < 1.0 ? 1 : (r > (double)n ? n : (size_t)r);
  return sorted[k - 1];
}

/* Dense histogram + min/max of a sample. */
struct hist {
  uint64_t counts[WPIO_HIST_BUCKETS];
  uint64_t min, max;
};

static void hist_add(struct hist *h, uint64_t v) {
  h->counts[wpio_hist_bucket(v)]++;
  if (v < h->min) h->min = v;
  if (v > h->max) h->max = v;
}

static uint32_t hist_entries(const struct hist *h, struct wpio_hist_entry *e) {
  uint32_t n = 0;
  for (uint32_t b = 0; b < WPIO_HIST_BUCKETS; b++)
    if (h->counts[b]) e[n++] = (struct wpio_hist_entry){b, h->counts[b]};
  return n;
}

enum dist { D_UNIFORM, D_LOGUNIFORM, D_EXP, D_PARETO, D_TINY, D_BIMODAL, D_COUNT };

static uint64_t draw(enum dist d, uint64_t *s) {
  double u = wptest_unit(s), x;
  switch (d) {
  case D_UNIFORM: x = 1 + u * 1e6; break;
  case D_LOGUNIFORM: x = exp(u * log(1e12)); break;                /* 1 .. 10^12 */
  case D_EXP: x = -log(1 - u) * 1e5; break;
  case D_PARETO: x = 100.0 / pow(1 - u, 1 / 1.1); break;           /* heavy tail */
  case D_TINY: x = 1 + (double)(wptest_rand(s) % 200); break;
  default: x = (wptest_rand(s) & 1) ? 500 + u * 50 : 5e9 + u * 1e8; break;
  }
  if (x < 1) x = 1;
  if (x > 1e12) x = 1e12;
  return (uint64_t)x;
}

static int check_sample(uint64_t *vals, size_t n, struct hist *h, struct wpio_hist_entry *e) {
  memset(h, 0, sizeof *h);
  h->min = UINT64_MAX;
  for (size_t i = 0; i < n; i++) hist_add(h, vals[i]);
  uint32_t ne = hist_entries(h, e);
  qsort(vals, n, sizeof *vals, u64_cmp);
  for (size_t k = 0; k < NQ; k++) {
    uint64_t ex = exact_percentile(vals, n, QS[k]);
    uint64_t got = wpio_hist_percentile(e, ne, QS[k], h->min, h->max);
    double rel = fabs((double)got - (double)ex) / (double)ex;
    if (rel > 0.01) fprintf(stderr, "n=%zu q=%g exact=%llu hist=%llu\n", n, QS[k], (unsigned long long)ex, (unsigned long long)got);
    CHECK(rel <= 0.01);
  }
  return 0;
}

static int test_percentiles(void) {
  static const size_t sizes[] = {1, 2, 3, 7, 100, 1001, 200000};
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  struct hist *h = malloc(sizeof *h);
  struct wpio_hist_entry *e = malloc(WPIO_HIST_BUCKETS * sizeof *e);
  uint64_t *vals = malloc(200000 * sizeof *vals);
  CHECK(h && e && vals);
  for (int d = 0; d < D_COUNT; d++)
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      for (size_t i = 0; i < sizes[s]; i++) vals[i] = draw((enum dist)d, &seed);
      if (check_sample(vals, sizes[s], h, e)) return 1;
    }
  free(h);
  free(e);
  free(vals);
  return 0;
}

/* Buckets tile the whole uint64 range: each bucket's bounds map back to it, neighbours touch. */
static int test_bounds(void) {
  for (uint32_t b = 0; b < WPIO_HIST_BUCKETS; b++) {
    uint64_t lo = wpio_hist_lower(b), hi = wpio_hist_upper(b), mid = wpio_hist_value(b);
    CHECK(wpio_hist_bucket(lo) == b);
    CHECK(lo < hi);
    CHECK(mid >= lo && (mid < hi || hi == UINT64_MAX));
    if (b + 1 < WPIO_HIST_BUCKETS) {
      CHECK(wpio_hist_lower(b + 1) == hi);
      CHECK(wpio_hist_bucket(hi - 1) == b);
    }
    if (lo >= 64) CHECK((double)(hi - lo) / 2 / (double)lo <= 1.0 / 128); /* 0.78 % */
  }
  CHECK(wpio_hist_bucket(UINT64_MAX) == WPIO_HIST_BUCKETS - 1);
  CHECK(wpio_hist_upper(WPIO_HIST_BUCKETS - 1) == UINT64_MAX);
  uint64_t seed = 42;
  for (int i = 0; i < 100000; i++) {
    uint64_t v = wptest_rand(&seed) >> (wptest_rand(&seed) % 64);
    uint32_t b = wpio_hist_bucket(v);
    CHECK(wpio_hist_lower(b) <= v);
    CHECK(v < wpio_hist_upper(b) || wpio_hist_upper(b) == UINT64_MAX);
  }
  return 0;
}

static int test_edges(void) {
  struct wpio_hist_entry one = {wpio_hist_bucket(1000000), 5};
  CHECK(wpio_hist_percentile(NULL, 0, 0.5, 0, 0) == 0);
  CHECK(wpio_hist_percentile(&one, 1, 0.5, 1000000, 1000000) == 1000000); /* clamped to the data */
  CHECK(wpio_hist_percentile(&one, 1, 1e-9, 0, UINT64_MAX) == wpio_hist_value(one.bucket));
  struct wpio_hist_entry zero = {wpio_hist_bucket(7), 0};
  CHECK(wpio_hist_percentile(&zero, 1, 0.5, 7, 7) == 0);
  return 0;
}

/* Adding two histograms' counts gives the histogram of the union, so percentiles merge exactly. */
static int test_merge(void) {
  struct hist *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *u = calloc(1, sizeof *u);
  struct wpio_hist_entry *ea = malloc(WPIO_HIST_BUCKETS * sizeof *ea), *eb = malloc(WPIO_HIST_BUCKETS * sizeof *eb);
  struct wpio_hist_entry *em = malloc(WPIO_HIST_BUCKETS * sizeof *em), *eu = malloc(WPIO_HIST_BUCKETS * sizeof *eu);
  CHECK(a && b && u && ea && eb && em && eu);
  a->min = b->min = u->min = UINT64_MAX;
  uint64_t seed = 7;
  for (int i = 0; i < 50000; i++) {
    uint64_t x = draw(D_PARETO, &seed), y = draw(D_LOGUNIFORM, &seed);
    hist_add(a, x), hist_add(u, x);
    hist_add(b, y), hist_add(u, y);
  }
  uint32_t na = hist_entries(a, ea), nb = hist_entries(b, eb), nu = hist_entries(u, eu), nm = 0;
  /* merge the two sorted entry lists by adding counts */
  for (uint32_t i = 0, j = 0; i < na || j < nb;) {
    if (j >= nb || (i < na && ea[i].bucket < eb[j].bucket)) em[nm++] = ea[i++];
    else if (i >= na || eb[j].bucket < ea[i].bucket) em[nm++] = eb[j++];
    else {
      em[nm++] = (struct wpio_hist_entry){ea[i].bucket, ea[i].count + eb[j].count};
      i++, j++;
    }
  }
  CHECK(nm == nu);
  for (uint32_t i = 0; i < nu; i++) CHECK(em[i].bucket == eu[i].bucket && em[i].count == eu[i].count);
  uint64_t mn = a->min < b->min ? a->min : b->min, mx = a->max > b->max ? a->max : b->max;
  for (size_t k = 0; k < NQ; k++)
    CHECK(wpio_hist_percentile(em, nm, QS[k], mn, mx) == wpio_hist_percentile(eu, nu, QS[k], u->min, u->max));
  free(a), free(b), free(u), free(ea), free(eb), free(em), free(eu);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, test_bounds);
  RUN(fails, test_edges);
  RUN(fails, test_percentiles);
  RUN(fails, test_merge);
  return fails ? 1 : 0;
}
