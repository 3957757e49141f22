/* Lite scopes: timings against clock_gettime, exact counts from 8 threads, recursion, invalid ids,
 * the registry's dedup, the enable switch, and percentiles of the collected histogram against an
 * exact sort of controlled durations (fed through the same recording path as wprof_scope_end), and a
 * new session's histogram after durations in one, two and many powers of two (each way a slot keeps
 * its groups). Also the clock's UTC text (wpr_utc_text) against gmtime_r + strftime. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lite.h"
#include "timer.h"
#include "wpio_hist.h"
#include "wpio_job.h"
#include "wprof/wprof.h"
#include "wptest_check.h"

/* The collected row of scope `name`, from a fresh collect into `job`. */
static const struct wpio_lite_row *collect_row(struct wpio_job *job, const char *name) {
  wpio_job_free(job);
  wpio_job_init(job);
  EXPECT(wpr_lite_collect(job, 0) == WPROF_OK, "collect");
  uint32_t id = wpio_strtab_find(&job->names, name);
  for (size_t i = 0; i < job->lite.n; i++)
    if (job->lite.v[i].name_id == id) return &job->lite.v[i];
  return NULL;
}

static uint64_t hist_calls(const struct wpio_job *job, uint32_t name_id) {
  uint64_t n = 0;
  for (size_t i = 0; i < job->lite_hist.n; i++)
    if (job->lite_hist.v[i].name_id == name_id) n += job->lite_hist.v[i].count;
  return n;
}

static void spin_ns(uint64_t ns) {
  uint64_t t0 = wpr_mono_ns();
  while (wpr_mono_ns() - t0 < ns) {
  }
}

static void check_registry(void) {
  int a = wprof_scope_id("registry.a");
  int b = wprof_scope_id("registry.b");
  EXPECT(a >= 0 && b >= 0 && a != b, "ids %d %d", a, b);
  EXPECT(wprof_scope_id("registry.a") == a, "same name, same id");
  EXPECT(wprof_scope_id(NULL) == WPROF_EINVAL && wprof_scope_id("") == WPROF_EINVAL, "NULL and empty names");
}

/* A preemption between two clock reads skews one attempt: pass when any of a few attempts agrees. */
static int timer_attempt(double *ticks_ns, double *mono_ns, int64_t *pos, uint64_t *m0, uint64_t *m1) {
  uint64_t t0 = wpr_mono_ns(), k0 = wpr_ticks();
  spin_ns(20000000);
  uint64_t k1 = wpr_ticks(), t1 = wpr_mono_ns();
  *ticks_ns = (double)wpr_ticks_to_ns(k1 - k0);
  *mono_ns = (double)(t1 - t0);
  *m0 = wpr_mono_ns();
  *pos = wpr_ticks_to_time_ns(wpr_ticks());
  *m1 = wpr_mono_ns();
  /* durations within 0.1 %; positions on the CLOCK_MONOTONIC timebase within 20 us */
  return *ticks_ns <= *mono_ns * 1.001 + 1000 && *ticks_ns >= *mono_ns * 0.999 - 1000 &&
         *pos >= (int64_t)*m0 - 20000 && *pos <= (int64_t)*m1 + 20000;
}

static void check_timer(void) {
  double ticks_ns = 0, mono = 0;
  int64_t pos = 0;
  uint64_t m0 = 0, m1 = 0;
  int ok = 0;
  for (int attempt = 0; attempt < 5 && !ok; attempt++) ok = timer_attempt(&ticks_ns, &mono, &pos, &m0, &m1);
  EXPECT(ok, "20 ms spin: ticks %.0f ns, clock %.0f ns; position %lld in [%llu, %llu]", ticks_ns, mono,
         (long long)pos, (unsigned long long)m0, (unsigned long long)m1);
  printf("timer: %s, mult %llu\n", wpr_timer_state.use_tsc ? "tsc" : "clock_gettime",
         (unsigned long long)wpr_timer_state.mult);
}

/* A known sleep and a known spin inside a scope, with clock_gettime around each: a scope lasts at
 * least its sleep or spin and at most the clock interval around it (preemption widens both alike). */
static void check_known_durations(void) {
  struct wpio_job job;
  wpio_job_init(&job);
  int id = wprof_scope_id("known.sleep");
  uint64_t outer_total = 0;
  for (int i = 0; i < 6; i++) {
    uint64_t t0 = wpr_mono_ns();
    wprof_scope_begin(id);
    if (i % 2) {
      struct timespec ts = {0, 3000000};
      nanosleep(&ts, NULL);
    } else {
      spin_ns(3000000);
    }
    wprof_scope_end(id);
    outer_total += wpr_mono_ns() - t0;
  }
  const struct wpio_lite_row *r = collect_row(&job, "known.sleep");
  EXPECT(r && r->calls == 6, "6 calls");
  if (r) {
    EXPECT(r->total_ns >= 18000000 && r->total_ns <= outer_total, "total %llu ns in [18 ms, %llu]",
           (unsigned long long)r->total_ns, (unsigned long long)outer_total);
    EXPECT(r->min_ns >= 3000000 && r->max_ns >= r->min_ns && r->max_ns <= outer_total - 5 * 3000000,
           "min %llu max %llu", (unsigned long long)r->min_ns, (unsigned long long)r->max_ns);
    EXPECT(hist_calls(&job, r->name_id) == 6, "histogram holds every call");
  }
  wpio_job_free(&job);
}

#define THREADS 8
#define THREAD_SCOPES 20
#define THREAD_CALLS 5000
static int thread_ids[THREAD_SCOPES];

static void *thread_body(void *arg) {
  for (int k = 0; k < THREAD_CALLS; k++)
    for (int s = 0; s < THREAD_SCOPES; s++) {
      wprof_scope_begin(thread_ids[s]);
      wprof_scope_end(thread_ids[s]);
    }
  return arg;
}

static void check_threads(void) {
  char name[64];
  for (int s = 0; s < THREAD_SCOPES; s++) {
    snprintf(name, sizeof name, "threads.%d", s);
    thread_ids[s] = wprof_scope_id(name);
  }
  pthread_t th[THREADS];
  struct wpio_job job;
  wpio_job_init(&job);
  for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, thread_body, NULL);
  for (int i = 0; i < 20; i++) collect_row(&job, "threads.0"); /* collect while the threads record */
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  /* the threads have exited: their tables must still be collected */
  for (int s = 0; s < THREAD_SCOPES; s++) {
    snprintf(name, sizeof name, "threads.%d", s);
    const struct wpio_lite_row *r = collect_row(&job, name);
    EXPECT(r && r->calls == THREADS * THREAD_CALLS, "%s: calls %llu, want %d", name,
           r ? (unsigned long long)r->calls : 0ull, THREADS * THREAD_CALLS);
    if (r) EXPECT(hist_calls(&job, r->name_id) == r->calls, "%s: histogram sums to calls", name);
  }
  wpio_job_free(&job);
}

static void check_recursion_and_invalid(void) {
  struct wpio_job job;
  wpio_job_init(&job);
  int id = wprof_scope_id("recursive");
  wprof_scope_begin(id);
  wprof_scope_begin(id);
  wprof_scope_begin(id);
  wprof_scope_end(id);
  wprof_scope_end(id);
  wprof_scope_end(id);
  wprof_scope_end(id); /* one end too many: ignored */
  const struct wpio_lite_row *r = collect_row(&job, "recursive");
  EXPECT(r && r->calls == 1, "recursion times the outermost only: %llu", r ? (unsigned long long)r->calls : 0ull);

  int never = wprof_scope_id("never.begun");
  wprof_scope_end(never); /* end without begin */
  wprof_scope_begin(-1);
  wprof_scope_end(-1);
  wprof_scope_begin(1 << 30);
  wprof_scope_end(1 << 30);
  wprof_scope_begin(4096);
  wprof_scope_end(4096);
  wprof_scope_begin(WPROF_EINVAL);
  EXPECT(collect_row(&job, "never.begun") == NULL, "no row for a scope never entered");

  int off = wprof_scope_id("disabled");
  wpr_lite_set_enabled(0);
  wprof_scope_begin(off);
  wprof_scope_end(off);
  wpr_lite_set_enabled(1);
  EXPECT(collect_row(&job, "disabled") == NULL, "disabled: nothing recorded");
  EXPECT(wpr_lite_record_ns(-5, 1) == WPROF_EINVAL, "record_ns with a bad id");
  wpio_job_free(&job);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double q) {
  size_t rank = (size_t)(q * (double)n + 0.999999999);
  return sorted[(rank ? rank : 1) - 1];
}

/* Log-uniform durations from 50 ns to 50 ms, recorded from two threads' worth of calls. */
static void check_percentiles(void) {
  enum { N = 200000 };
  uint64_t *v = malloc(N * sizeof *v);
  int id = wprof_scope_id("controlled");
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < N; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    double u = (double)(seed >> 11) / 9007199254740992.0;
    v[i] = (uint64_t)(50.0 * pow(1e6, u));
    EXPECT(wpr_lite_record_ns(id, v[i]) == WPROF_OK, "record");
  }
  qsort(v, N, sizeof *v, cmp_u64);
  struct wpio_job job;
  wpio_job_init(&job);
  const struct wpio_lite_row *r = collect_row(&job, "controlled");
  EXPECT(r && r->calls == N && r->min_ns == v[0] && r->max_ns == v[N - 1], "controlled row");
  if (!r) return;
  uint32_t name_id = r->name_id;
  struct wpio_hist_entry *e = malloc(job.lite_hist.n * sizeof *e);
  uint32_t ne = 0;
  for (size_t i = 0; i < job.lite_hist.n; i++)
    if (job.lite_hist.v[i].name_id == name_id)
      e[ne++] = (struct wpio_hist_entry){job.lite_hist.v[i].bucket, job.lite_hist.v[i].count};
  static const double qs[] = {0.5, 0.9, 0.99};
  for (int k = 0; k < 3; k++) {
    uint64_t exact = exact_percentile(v, N, qs[k]);
    uint64_t got = wpio_hist_percentile(e, ne, qs[k], r->min_ns, r->max_ns);
    double rel = ((double)got - (double)exact) / (double)exact;
    EXPECT(rel < 0.01 && rel > -0.01, "p%g: %llu vs exact %llu (%.3f%%)", qs[k] * 100, (unsigned long long)got,
           (unsigned long long)exact, rel * 100);
  }
  /* the report's own path: percentiles filled in by the summary */
  EXPECT(wpio_job_summarize(&job) == 0, "summarize");
  r = NULL;
  for (size_t i = 0; i < job.lite.n; i++)
    if (job.lite.v[i].name_id == name_id) r = &job.lite.v[i];
  uint64_t want[3] = {exact_percentile(v, N, 0.5), exact_percentile(v, N, 0.9), exact_percentile(v, N, 0.99)};
  if (r) {
    uint64_t got[3] = {r->p50_ns, r->p90_ns, r->p99_ns};
    for (int k = 0; k < 3; k++)
      EXPECT(got[k] >= want[k] * 0.99 && got[k] <= want[k] * 1.01, "summarized p%g %llu vs %llu", qs[k] * 100,
             (unsigned long long)got[k], (unsigned long long)want[k]);
  }
  free(e);
  free(v);
  wpio_job_free(&job);
}

/* The bucket counts of scope `name` in a fresh collect, as (bucket, count) pairs; returns how many. */
static size_t collect_buckets(struct wpio_job *job, const char *name, struct wpio_hist_entry *out, size_t cap) {
  const struct wpio_lite_row *r = collect_row(job, name);
  size_t n = 0;
  for (size_t i = 0; r && i < job->lite_hist.n; i++)
    if (job->lite_hist.v[i].name_id == r->name_id && n < cap)
      out[n++] = (struct wpio_hist_entry){job->lite_hist.v[i].bucket, job->lite_hist.v[i].count};
  return n;
}

/* Scopes whose durations fall in 1, 2 and 40 groups: every bucket counted, and after a new session
 * only that session's calls, however the slot holds its groups. Runs last: it starts a session. */
static void check_groups_and_session(void) {
  static const char *names[] = {"groups.one", "groups.two", "groups.many"};
  static const int groups[] = {1, 2, 40};
  struct wpio_job job;
  wpio_job_init(&job);
  struct wpio_hist_entry e[64];
  for (int k = 0; k < 3; k++) {
    int id = wprof_scope_id(names[k]);
    for (int g = 0; g < groups[k]; g++) /* 3 calls in group g: 40 ns, then 2^(g+5) + 1 ns */
      for (int c = 0; c < 3; c++) wpr_lite_record_ns(id, g ? (1ull << (g + 5)) + 1 : 40);
    size_t n = collect_buckets(&job, names[k], e, 64);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += e[i].count;
    EXPECT(n == (size_t)groups[k] && sum == 3u * (unsigned)groups[k], "%s: %zu buckets, %llu calls", names[k], n,
           (unsigned long long)sum);
  }
  wpr_lite_new_session();
  for (int k = 0; k < 3; k++) {
    wpr_lite_record_ns(wprof_scope_id(names[k]), 1000);
    size_t n = collect_buckets(&job, names[k], e, 64);
    EXPECT(n == 1 && e[0].count == 1 && e[0].bucket == wpio_hist_bucket(1000),
           "%s after a new session: %zu buckets, the first with %llu calls", names[k], n,
           (unsigned long long)(n ? e[0].count : 0));
  }
  wpio_job_free(&job);
}

/* wpr_utc_text is strftime's text of gmtime_r, from year 1 to 9999 and before 1970 too. */
static void check_utc_text(void) {
  static const int64_t fixed[] = {0, -1, 86399, 86400, 951782400 /* 2000-02-29 */, 4107542399 /* 2100-02-28T23:59:59 */,
                                  -62135596800 /* 0001-01-01 */, 253402300799 /* 9999-12-31T23:59:59 */};
  uint64_t seed = 0x2545F4914F6CDD1Dull;
  int bad = 0;
  for (int i = 0; i < 200000 + 8 && bad < 5; i++) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    time_t t = i < 8 ? (time_t)fixed[i] : (time_t)(-62135596800 + (int64_t)(seed % 315537897600ull));
    struct tm tm;
    char want[64] = "", got[64] = "";
    if (!gmtime_r(&t, &tm)) continue;
    strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
    wpr_utc_text(t, got, sizeof got);
    if (strcmp(want, got) != 0) bad++;
    EXPECT(strcmp(want, got) == 0, "utc text of %lld: %s, strftime %s", (long long)t, got, want);
  }
}

int main(void) {
  wpr_timer_init();
  check_registry();
  check_timer();
  check_known_durations();
  check_threads();
  check_recursion_and_invalid();
  check_percentiles();
  check_groups_and_session();
  check_utc_text();
  printf("lite: %d failures\n", wptest_failures());
  return wptest_failures() ? 1 : 0;
}
