/* cupti_corr_*: the correlation table on its own, with exact counts (one case per process: the table
 * is once per process).
 *   test_cupti_corr spread|full|graph|failed|threads|graph_late|sessions|stress */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cupti_corr.h"
#include "wptest_check.h"

static struct wpr_launch_ctx ctx_of(uint32_t id) { return (struct wpr_launch_ctx){.window = 1, .node = id % 1000 + 1}; }

static int found(uint32_t id) {
  struct wpr_launch_ctx ctx;
  int64_t when = 0;
  if (!wpr_cupti_corr_get_at(id, &ctx, &when)) return 0;
  return ctx.window == 1 && ctx.node == id % 1000 + 1 && when == (int64_t)id * 10 ? 1 : -1;
}

/* 3000 launches 32 ids apart (31 untagged calls between them), all waiting at once: a direct-mapped
 * table of 65536 slots would have lost 952 of them; this one loses none. */
static int spread(void) {
  CHECK(wpr_cupti_corr_init(800 * 1024, 8) == 65536);
  for (uint32_t i = 0; i < 3000; i++) wpr_cupti_corr_put_at(1 + 32 * i, ctx_of(1 + 32 * i), (1 + 32 * i) * 10, 1);
  CHECK(wpr_cupti_corr_outstanding() == 3000);
  for (uint32_t i = 0; i < 3000; i++) CHECK(found(1 + 32 * i) == 1);
  CHECK(wpr_cupti_corr_lost() == 0);
  CHECK(wpr_cupti_corr_outstanding() == 0);
  CHECK(found(2) == 0); /* an untagged call */
  return 0;
}

/* 70000 launches waiting at once in 65536 slots: 4464 are replaced, each counted, and their records
 * find nothing (never another launch's entry). */
static int full(void) {
  CHECK(wpr_cupti_corr_init(16 * 1024, 8) == 65536);
  for (uint32_t id = 1; id <= 70000; id++) wpr_cupti_corr_put_at(id, ctx_of(id), id * 10, 1);
  CHECK(wpr_cupti_corr_lost() == 4464);
  CHECK(wpr_cupti_corr_outstanding() == 65536);
  int hits = 0;
  for (uint32_t id = 1; id <= 70000; id++) {
    int f = found(id);
    CHECK(f >= 0);
    hits += f;
  }
  CHECK(hits == 65536);
  CHECK(wpr_cupti_corr_outstanding() == 0);
  return 0;
}

/* A graph launch: one id, five records, each finds it; the launch waits for the first only. */
static int graph(void) {
  CHECK(wpr_cupti_corr_init(4096 * 1024, 8) == 1u << 19);
  wpr_cupti_corr_put_at(77, ctx_of(77), 770, 1);
  CHECK(wpr_cupti_corr_outstanding() == 1);
  for (int node = 0; node < 5; node++) CHECK(found(77) == 1);
  CHECK(wpr_cupti_corr_outstanding() == 0);
  CHECK(wpr_cupti_corr_lost() == 0);
  return 0;
}

/* A graph launch's later node records come after more launches than the table has slots, each found
 * by its record: the graph's entry is reused last, so its later nodes still find it. */
static int graph_late(void) {
  CHECK(wpr_cupti_corr_init(16 * 1024, 8) == 65536);
  wpr_cupti_corr_put_at(5, ctx_of(5), 50, WPR_CORR_LAUNCH_MULTI);
  CHECK(found(5) == 1); /* its first node */
  for (uint32_t id = 6; id < 6 + 3 * 65536; id++) {
    wpr_cupti_corr_put_at(id, ctx_of(id), (int64_t)id * 10, WPR_CORR_LAUNCH);
    CHECK(found(id) == 1);
  }
  for (int node = 0; node < 4; node++) CHECK(found(5) == 1); /* its later nodes */
  CHECK(wpr_cupti_corr_lost() == 0);
  CHECK(wpr_cupti_corr_outstanding() == 0);
  return 0;
}

/* Launches that never get a record (made during stream capture) are waited for in their session
 * only, and a later session replacing them loses nothing. */
static int sessions(void) {
  CHECK(wpr_cupti_corr_init(16 * 1024, 8) == 65536);
  for (uint32_t id = 1; id <= 65536; id++) wpr_cupti_corr_put_at(id, ctx_of(id), (int64_t)id * 10, WPR_CORR_LAUNCH);
  CHECK(wpr_cupti_corr_outstanding() == 65536);
  wpr_cupti_corr_new_session();
  CHECK(wpr_cupti_corr_outstanding() == 0);
  for (uint32_t id = 65537; id <= 2 * 65536; id++) wpr_cupti_corr_put_at(id, ctx_of(id), (int64_t)id * 10, WPR_CORR_LAUNCH);
  CHECK(wpr_cupti_corr_lost() == 0); /* every slot held a past session's entry */
  CHECK(wpr_cupti_corr_outstanding() == 65536);
  for (uint32_t id = 65537; id <= 2 * 65536; id++) CHECK(found(id) == 1);
  CHECK(wpr_cupti_corr_outstanding() == 0);
  return 0;
}

/* A failed launch gets no record: it is not waited for. */
static int failed(void) {
  CHECK(wpr_cupti_corr_init(4096 * 1024, 8) > 0);
  wpr_cupti_corr_put_at(5, ctx_of(5), 50, 1);
  wpr_cupti_corr_put_at(6, ctx_of(6), 60, 0); /* a copy: not a launch */
  CHECK(wpr_cupti_corr_outstanding() == 1);
  wpr_cupti_corr_failed(5);
  CHECK(wpr_cupti_corr_outstanding() == 0);
  return 0;
}

/* Launching threads at once, their ids interleaved as CUPTI hands them out, 40000 entries in 65536
 * slots (many sharing their first slot choice with another thread's): every entry is kept and found. */
#define THREADS 4
#define PER_THREAD 10000

static void *put_many(void *arg) {
  uint32_t t = (uint32_t)(uintptr_t)arg;
  for (uint32_t i = 0; i < PER_THREAD; i++) {
    uint32_t id = 1 + (i * THREADS + t) * 3; /* 3 ids per launch: two untagged calls between */
    wpr_cupti_corr_put_at(id, ctx_of(id), (int64_t)id * 10, 1);
  }
  return NULL;
}

static int threads(void) {
  CHECK(wpr_cupti_corr_init(800 * 1024, 8) == 65536);
  pthread_t th[THREADS];
  for (uintptr_t t = 0; t < THREADS; t++) CHECK(pthread_create(&th[t], NULL, put_many, (void *)t) == 0);
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  CHECK(wpr_cupti_corr_lost() == 0);
  CHECK(wpr_cupti_corr_outstanding() == THREADS * PER_THREAD);
  int hits = 0;
  for (uint32_t n = 0; n < THREADS * PER_THREAD; n++) {
    int f = found(1 + n * 3);
    CHECK(f >= 0); /* never another launch's entry */
    hits += f;
  }
  CHECK(hits == THREADS * PER_THREAD);
  CHECK(wpr_cupti_corr_outstanding() == 0);
  return 0;
}

/* Writers and readers at once, as launching threads and the record reader run, through many
 * table-lengths of ids so slots are reused while read: ids are handed out in order (3 apart), each
 * entry is read back by a reader soon after its put, with at most LAG entries waiting (fewer than
 * the slots), so none may be lost; readers also look up ids long since found, whose slots other
 * writers are rewriting: those may be gone or still there, but never answer another launch's entry
 * (a torn slot is rejected by its id words). Bounded by
 * STRESS_SECONDS whatever the machine's load. */
#define STRESS_WRITERS 2
#define STRESS_READERS 2
#define STRESS_TOTAL (1u << 20)
#define STRESS_LAG 20000u
#define STRESS_SECONDS 20

static struct {
  _Atomic uint32_t next_put, next_read, gave_up;
  /* the seq each reader is on (its previous one until it has stored the next: never ahead of it),
   * UINT32_MAX once done: the oldest entry not yet read is the least of these, not next_read, which
   * runs ahead of a reader descheduled between claiming a seq and reading it */
  _Atomic uint32_t reading[STRESS_READERS];
  _Atomic unsigned char *done;
  _Atomic uint64_t hits, wrong;
  time_t deadline;
} st;

static uint32_t stress_id(uint32_t seq) { return 1 + seq * 3; }

static int timed_out(void) {
  if (time(NULL) < st.deadline) return 0;
  atomic_store(&st.gave_up, 1);
  return 1;
}

static uint32_t oldest_unread(void) {
  uint32_t oldest = atomic_load(&st.next_read);
  for (int i = 0; i < STRESS_READERS; i++) {
    uint32_t r = atomic_load(&st.reading[i]);
    if (r < oldest) oldest = r;
  }
  return oldest;
}

static void *stress_writer(void *arg) {
  (void)arg;
  for (;;) {
    uint32_t seq = atomic_fetch_add(&st.next_put, 1);
    if (seq >= STRESS_TOTAL) return NULL;
    for (uint32_t oldest; (oldest = oldest_unread()) < seq && seq - oldest > STRESS_LAG;)
      if (timed_out()) return NULL;
      else sched_yield();
    uint32_t id = stress_id(seq);
    wpr_cupti_corr_put_at(id, ctx_of(id), (int64_t)id * 10, WPR_CORR_LAUNCH);
    atomic_store(&st.done[seq], 1);
  }
}

static void *stress_reader(void *arg) {
  _Atomic uint32_t *reading = arg;
  for (;;) {
    uint32_t seq = atomic_fetch_add(&st.next_read, 1);
    if (seq >= STRESS_TOTAL) {
      atomic_store(reading, UINT32_MAX);
      return NULL;
    }
    atomic_store(reading, seq);
    while (!atomic_load(&st.done[seq]))
      if (timed_out()) {
        atomic_store(reading, UINT32_MAX);
        return NULL;
      } else {
        sched_yield();
      }
    int f = found(stress_id(seq));
    if (f == 1) atomic_fetch_add(&st.hits, 1);
    if (f < 0) atomic_fetch_add(&st.wrong, 1);
    if (seq > 3 * 65536) { /* an old id: its slot is being reused */
      if (found(stress_id(seq - 3 * 65536)) < 0) atomic_fetch_add(&st.wrong, 1);
    }
  }
}

static int stress(void) {
  CHECK(wpr_cupti_corr_init(16 * 1024, 8) == 65536);
  st.done = calloc(STRESS_TOTAL, 1);
  CHECK(st.done != NULL);
  st.deadline = time(NULL) + STRESS_SECONDS;
  pthread_t w[STRESS_WRITERS], r[STRESS_READERS];
  for (int i = 0; i < STRESS_WRITERS; i++) CHECK(pthread_create(&w[i], NULL, stress_writer, NULL) == 0);
  for (int i = 0; i < STRESS_READERS; i++) CHECK(pthread_create(&r[i], NULL, stress_reader, &st.reading[i]) == 0);
  for (int i = 0; i < STRESS_WRITERS; i++) pthread_join(w[i], NULL);
  for (int i = 0; i < STRESS_READERS; i++) pthread_join(r[i], NULL);
  if (atomic_load(&st.gave_up)) {
    fprintf(stderr, "stress: not done in %d s (a loaded machine): %llu of %u read\n", STRESS_SECONDS,
            (unsigned long long)atomic_load(&st.hits), STRESS_TOTAL);
    return 77;
  }
  CHECK(atomic_load(&st.wrong) == 0);      /* never another launch's entry */
  CHECK(atomic_load(&st.hits) == STRESS_TOTAL); /* every entry found by its reader */
  CHECK(wpr_cupti_corr_lost() == 0);
  CHECK(wpr_cupti_corr_outstanding() == 0);
  free((void *)st.done);
  return 0;
}

int main(int argc, char **argv) {
  const char *which = argc > 1 ? argv[1] : "";
  int fails = 0;
  if (!strcmp(which, "spread")) RUN(fails, spread);
  else if (!strcmp(which, "full")) RUN(fails, full);
  else if (!strcmp(which, "graph")) RUN(fails, graph);
  else if (!strcmp(which, "failed")) RUN(fails, failed);
  else if (!strcmp(which, "threads")) RUN(fails, threads);
  else if (!strcmp(which, "graph_late")) RUN(fails, graph_late);
  else if (!strcmp(which, "sessions")) RUN(fails, sessions);
  else if (!strcmp(which, "stress")) {
    int rc = stress(); /* once: the table is once per process */
    if (rc == 77) return 77;
    if (rc) fprintf(stderr, "FAIL stress\n"), fails++;
  }
  else return 2;
  return fails ? 1 : 0;
}
