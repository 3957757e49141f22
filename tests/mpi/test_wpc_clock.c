/* MPI test of the clock exchanges (collectives/wpc_clock.c and the sample riding on wpc_sync), through
 * the wpc API, one scenario per mode:
 *   basic       every rank's clock is CLOCK_MONOTONIC plus rank x 7 ms (one node, so the truth is
 *               known): each sample is within half its delay of it, at init-style exchanges and at
 *               every sync point; prints the cost of an exchange and of a sync point.
 *   absent      the last rank comes to the exchange after rank 0's deadline: rank 0 goes on without it
 *               within the timeout, the others get their samples, the late rank finds the "skip" at once.
 *   rootabsent  rank 0 comes after the others' deadline: they give up and say so, and rank 0, when it
 *               comes, does not wait for them.
 * Second argument: the sync timeout in ms. Exits 0 on success; prints each failing check. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpc.h"
#include "wpc_internal.h"
#include "wptest_check.h"
#include "wptest_clock.h"

#define SKEW_PER_RANK_NS 7000000LL

static int g_rank = -1;
static int64_t g_offset;

static int64_t skewed_clock(void) { return wpc_now_ns() + g_offset; }

/* The sample against the truth: this rank's clock minus rank 0's is exactly rank x 7 ms. */
static void check_sample(const struct wpc_clock_sample *x, const char *what, int i) {
  int64_t err = x->offset_ns - g_offset;
  EXPECT(x->valid && x->delay_ns >= 0, "%s %d: valid %d delay %lld", what, i, x->valid, (long long)x->delay_ns);
  /* NTP's bound is exact on one clock: the error is at most half the delay (1 us for rounding) */
  EXPECT(llabs(err) <= x->delay_ns / 2 + 1000, "%s %d: offset %lld, truth %lld, error %lld > delay/2 %lld", what, i,
         (long long)x->offset_ns, (long long)g_offset, (long long)err, (long long)(x->delay_ns / 2));
}

static void mode_basic(struct wpc_ctx *ctx) {
  enum { EXCHANGES = 5, SYNCS = 200 };
  double exch_ms[EXCHANGES];
  int64_t best_delay = INT64_MAX;
  for (int i = 0; i < EXCHANGES; i++) {
    struct wpc_clock_sample x;
    MPI_Barrier(MPI_COMM_WORLD); /* cost of the exchange itself, not of waiting for a late rank */
    double t0 = wptest_now_ms();
    int rc = wpc_clock_exchange(ctx, 16, 0, &x);
    exch_ms[i] = wptest_now_ms() - t0;
    EXPECT(rc == WPC_OK, "exchange %d: rc %d", i, rc);
    if (g_rank == 0) EXPECT(!x.valid, "rank 0 gets no sample of itself");
    else check_sample(&x, "exchange", i);
    if (x.valid && x.delay_ns < best_delay) best_delay = x.delay_ns;
  }
  int valid = 0;
  int64_t sync_delay_sum = 0;
  double t0 = wptest_now_ms();
  for (int i = 0; i < SYNCS; i++) {
    struct wpc_sync_result res;
    int rc = wpc_sync(ctx, i / 2, i % 2, NULL, 0, &res);
    EXPECT(rc == WPC_OK && res.complete, "sync %d: rc %d", i, rc);
    if (g_rank != 0 && res.clock.valid) {
      check_sample(&res.clock, "sync", i);
      valid++;
      sync_delay_sum += res.clock.delay_ns;
    }
  }
  double sync_ms = (wptest_now_ms() - t0) / SYNCS;
  if (g_rank != 0) EXPECT(valid == SYNCS, "every complete sync point gives a sample (%d of %d)", valid, SYNCS);
  double worst = 0;
  for (int i = 1; i < EXCHANGES; i++) worst = exch_ms[i] > worst ? exch_ms[i] : worst;
  double all_worst = 0, all_sync = 0;
  MPI_Reduce(&worst, &all_worst, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  MPI_Reduce(&sync_ms, &all_sync, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (g_rank == 1)
    printf("rank 1: best exchange delay %.1f us, mean sync-point delay %.1f us\n", (double)best_delay / 1e3,
           (double)sync_delay_sum / 1e3 / (valid ? valid : 1));
  if (g_rank == 0)
    printf("np %d: exchange (16 rounds per rank) %.3f ms at most (first %.3f ms); sync point %.3f ms each\n",
           ctx->size, all_worst, exch_ms[0], all_sync);
}

static void mode_absent(struct wpc_ctx *ctx, int timeout_ms) {
  int late = ctx->size - 1;
  struct wpc_clock_sample x;
  if (g_rank == late) wptest_sleep_ms(timeout_ms + 700);
  double t0 = wptest_now_ms();
  int rc = wpc_clock_exchange(ctx, 8, 0, &x);
  double took = wptest_now_ms() - t0;
  if (g_rank == 0) {
    EXPECT(rc == WPC_ETIMEOUT, "rank 0: rc %d, want WPC_ETIMEOUT (rank %d absent)", rc, late);
    EXPECT(took < timeout_ms + 1500.0, "rank 0 gave up within its timeout (took %.0f ms)", took);
  } else if (g_rank == late) {
    EXPECT(rc == WPC_ETIMEOUT && !x.valid, "late rank: rc %d valid %d", rc, x.valid);
    EXPECT(took < 500.0, "the late rank finds rank 0's skip at once (took %.0f ms)", took);
  } else {
    EXPECT(rc == WPC_OK, "rank %d: rc %d", g_rank, rc);
    check_sample(&x, "absent", 0);
  }
  /* the next exchange, all present, is not confused by what the first left behind */
  MPI_Barrier(MPI_COMM_WORLD);
  rc = wpc_clock_exchange(ctx, 8, 0, &x);
  EXPECT(rc == WPC_OK, "second exchange: rc %d", rc);
  if (g_rank != 0) check_sample(&x, "second", 0);
  /* a short exchange (finalize's): rank 0 waits 100 ms for "ready", not its timeout */
  MPI_Barrier(MPI_COMM_WORLD);
  if (g_rank == late) wptest_sleep_ms(timeout_ms + 700);
  t0 = wptest_now_ms();
  rc = wpc_clock_exchange(ctx, 8, 100, &x);
  took = wptest_now_ms() - t0;
  if (g_rank == 0) {
    EXPECT(rc == WPC_ETIMEOUT && took < timeout_ms, "short exchange: rc %d after %.0f ms (timeout %d ms)", rc, took,
           timeout_ms);
  } else if (g_rank == late) {
    EXPECT(rc == WPC_ETIMEOUT && took < 500.0, "short exchange, late rank: rc %d after %.0f ms", rc, took);
  } else {
    EXPECT(rc == WPC_OK, "short exchange, rank %d: rc %d", g_rank, rc);
    check_sample(&x, "short", 0);
  }
}

static void mode_rootabsent(struct wpc_ctx *ctx, int timeout_ms) {
  struct wpc_clock_sample x;
  if (g_rank == 0) wptest_sleep_ms(2 * timeout_ms + 700);
  double t0 = wptest_now_ms();
  int rc = wpc_clock_exchange(ctx, 8, 0, &x);
  double took = wptest_now_ms() - t0;
  if (g_rank == 0) {
    EXPECT(rc == WPC_ETIMEOUT, "rank 0: rc %d, want WPC_ETIMEOUT (all others gave up)", rc);
    EXPECT(took < 500.0, "rank 0 finds the others' bye at once (took %.0f ms)", took);
  } else {
    EXPECT(rc == WPC_ETIMEOUT && !x.valid, "rank %d: rc %d valid %d", g_rank, rc, x.valid);
    EXPECT(took < 2 * timeout_ms + 1500.0, "rank %d gave up by its deadline (took %.0f ms)", g_rank, took);
  }
  /* rank 0 was silent last time, so the others now wait for it only the grace period (200 ms), which
   * a loaded node may exceed: this exchange must not hang, and a sample it gives must be right */
  MPI_Barrier(MPI_COMM_WORLD);
  t0 = wptest_now_ms();
  rc = wpc_clock_exchange(ctx, 8, 0, &x);
  took = wptest_now_ms() - t0;
  EXPECT(rc == WPC_OK || rc == WPC_ETIMEOUT, "second exchange: rc %d", rc);
  EXPECT(took < timeout_ms + 1500.0, "second exchange took %.0f ms", took);
  if (g_rank != 0 && x.valid) check_sample(&x, "second", 0);
}

/* Grouped by node (all ranks of the test share one): with one domain, every rank's leader is rank 0,
 * which makes no round trip, the others get no sample of their own, and each gets rank 0's share.
 * With a domain per rank (as ranks whose test-hook offsets differ), every rank is its own leader and
 * exchanges with rank 0 as before. */
static void mode_bynode(int timeout_ms) {
  for (int split = 0; split < 2; split++) {
    struct wpc_ctx c;
    EXPECT(wpc_init(&c, MPI_COMM_NULL, timeout_ms) == WPC_OK, "wpc_init");
    c.clock_ns = skewed_clock;
    EXPECT(wpc_clock_by_node(&c, split ? g_rank : 0) == WPC_OK, "wpc_clock_by_node");
    int leader = wpc_clock_leader(&c);
    EXPECT(leader == (split ? g_rank : 0), "split %d: rank %d's leader %d", split, g_rank, leader);
    struct wpc_clock_sample x;
    double t0 = wptest_now_ms();
    int rc = wpc_clock_exchange(&c, 16, 0, &x);
    double took = wptest_now_ms() - t0;
    EXPECT(rc == WPC_OK, "split %d: exchange rc %d", split, rc);
    if (g_rank != 0) {
      if (split) check_sample(&x, "own leader", 0);
      else EXPECT(!x.valid, "a node member gets no sample of its own");
    } else if (!split) {
      printf("bynode: rank 0's exchange with one node: %.3f ms\n", took);
    }
    int64_t mine = 1000 + g_rank, theirs = -1;
    int got = 0;
    rc = wpc_node_share(&c, &mine, sizeof(mine), &theirs, &got, 0);
    EXPECT(rc == WPC_OK, "node share rc %d", rc);
    if (leader != g_rank) EXPECT(got && theirs == 1000 + leader, "got %d: %lld from the leader", got, (long long)theirs);
    else EXPECT(!got, "a leader gets nothing");
    wpc_finalize(&c);
  }
}

/* The grouping is collective, but never blocking: when the last rank never groups (its own
 * duplicate timed out a moment before the others' completed), the others return within their
 * deadline, each its own leader, and their exchanges with rank 0 go on as before. */
static void mode_bynodeabsent(int timeout_ms) {
  struct wpc_ctx c;
  EXPECT(wpc_init(&c, MPI_COMM_NULL, timeout_ms) == WPC_OK, "wpc_init");
  c.clock_ns = skewed_clock;
  int absent = c.size - 1;
  if (g_rank != absent) {
    double t0 = wptest_now_ms();
    int rc = wpc_clock_by_node(&c, 0);
    double took = wptest_now_ms() - t0;
    EXPECT(rc == WPC_ETIMEOUT, "grouping without rank %d: rc %d", absent, rc);
    EXPECT(took < timeout_ms + 1500.0, "grouping gave up within its timeout (took %.0f ms)", took);
    EXPECT(wpc_clock_leader(&c) == g_rank, "ungrouped: rank %d leads itself", g_rank);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  struct wpc_clock_sample x;
  int rc = wpc_clock_exchange(&c, 16, 0, &x);
  EXPECT(rc == WPC_OK, "exchange after a failed grouping: rc %d", rc);
  if (g_rank != 0) check_sample(&x, "ungrouped", 0);
  wpc_finalize(&c);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  wptest_set_rank(g_rank);
  const char *mode = argc > 1 ? argv[1] : "basic";
  int timeout_ms = wptest_arg_ms(argc > 2 ? argv[2] : NULL, 2000);
  g_offset = g_rank * SKEW_PER_RANK_NS;
  struct wpc_ctx ctx;
  EXPECT(wpc_init(&ctx, MPI_COMM_NULL, timeout_ms) == WPC_OK, "wpc_init");
  ctx.clock_ns = skewed_clock;
  if (ctx.size < 2 && strcmp(mode, "basic") != 0) {
    fprintf(stderr, "mode %s needs 2 ranks or more\n", mode);
    MPI_Finalize();
    return 77;
  }
  if (!strcmp(mode, "basic")) mode_basic(&ctx);
  else if (!strcmp(mode, "absent")) mode_absent(&ctx, timeout_ms);
  else if (!strcmp(mode, "rootabsent")) mode_rootabsent(&ctx, timeout_ms);
  else if (!strcmp(mode, "bynode")) mode_bynode(timeout_ms);
  else if (!strcmp(mode, "bynodeabsent")) mode_bynodeabsent(timeout_ms);
  else EXPECT(0, "unknown mode %s", mode);
  wpc_finalize(&ctx);
  int fails = wptest_failures(), all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Finalize();
  if (g_rank == 0) printf("%s\n", all ? "FAIL" : "PASS");
  return all ? 1 : 0;
}
