/* MPI test of wprof's sync points (collectives/wpc_sync.c) through the wpc API, one scenario per mode:
 * basic, stagger, late, skip, rootlate, agree, resync, rootresync. Sync point i is the start (i even)
 * or end (i odd) of window i / 2. Exits 0 on success; prints each failing check. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpc.h"
#include "wpc_internal.h"
#include "wptest_check.h"
#include "wptest_clock.h"

static int g_rank = -1;

static int named_missing(const struct wpc_sync_result *res, int r) {
  for (int i = 0; i < res->n_missing && i < WPC_MISSING_LISTED; i++)
    if (res->missing[i] == r) return 1;
  return 0;
}

/* Without MPI up, wpc_init gives a world of one whose sync points complete at once. */
static void no_mpi_world(void) {
  struct wpc_ctx ctx;
  EXPECT(wpc_init(&ctx, MPI_COMM_NULL, 100) == WPC_OK, "init before MPI_Init");
  EXPECT(!ctx.have_mpi && ctx.rank == 0 && ctx.size == 1, "have_mpi %d rank %d size %d", ctx.have_mpi, ctx.rank,
         ctx.size);
  struct wpc_sync_result res;
  EXPECT(wpc_sync(&ctx, 0, 0, NULL, 0, &res) == WPC_OK && res.complete, "world of one completes");
  wpc_finalize(&ctx);
}

/* 100 sync points, all complete; the spread of the ranks' return times is measured on the node's
 * CLOCK_MONOTONIC (all ranks of the test run on one node). Staggered: every fifth sync point, rank r
 * arrives 3r ms late, so the others are past their spinning phase when the release comes. */
static void mode_basic(struct wpc_ctx *ctx, int stagger) {
  enum { N = 100 };
  double t[N], t_start = wptest_now_ms();
  for (int i = 0; i < N; i++) {
    struct wpc_sync_result res;
    if (stagger && i % 5 == 0) wptest_sleep_ms(3 * ctx->rank); /* the early ranks wait a while, napping */
    int rc = wpc_sync(ctx, i / 2, i % 2, NULL, 0, &res);
    t[i] = wptest_now_ms();
    EXPECT(rc == WPC_OK && res.complete && res.n_missing == 0 && !res.no_release,
           "sync %d: rc %d complete %d missing %d no_release %d", i, rc, res.complete, res.n_missing, res.no_release);
  }
  double total = wptest_now_ms() - t_start;
  double *all = g_rank == 0 ? malloc(sizeof(double) * N * (size_t)ctx->size) : NULL;
  MPI_Gather(t, N, MPI_DOUBLE, all, N, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (g_rank != 0) return;
  double max_spread = 0, sum = 0;
  for (int i = 0; i < N; i++) {
    double lo = all[i], hi = all[i];
    for (int r = 1; r < ctx->size; r++) {
      double v = all[(size_t)r * N + i];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    max_spread = hi - lo > max_spread ? hi - lo : max_spread;
    sum += hi - lo;
  }
  printf("%s: np %d, %d sync points in %.1f ms (%.3f ms each); release spread mean %.3f ms, max %.3f ms\n",
         stagger ? "stagger" : "basic", ctx->size, N, total, total / N, sum / N, max_spread);
  EXPECT(max_spread < 50.0, "max release spread %.3f ms", max_spread);
  free(all);
}

/* Sync point at position *pos (start of window pos / 2 when even, its end when odd), numbering the
 * way the runtime does: the next position follows the window the release says, so a rank that fell
 * behind or ran ahead takes up the job's numbering. */
static int sync_at(struct wpc_ctx *ctx, int *pos, struct wpc_sync_result *res, double *dt) {
  double t0 = wptest_now_ms();
  int at_end = *pos % 2;
  int rc = wpc_sync(ctx, *pos / 2, at_end, NULL, 0, res);
  *dt = wptest_now_ms() - t0;
  int next = 2 * res->window + at_end + 1;
  *pos = next > *pos ? next : *pos + 1;
  return rc;
}

/* A rank arrives late at sync point K, the end of window 1, by timeout + 100 ms. The others go on
 * within timeout + 2 s naming it; rank 0, at the next start, releases the late rank on its own at
 * once; later sync points work again. */
static void mode_late(struct wpc_ctx *ctx) {
  enum { K = 3, N = 10 };
  int victim = ctx->size - 1;
  for (int pos = 0; pos < N;) {
    struct wpc_sync_result res;
    int i = pos;
    double dt;
    /* late by more than the timeout, and well inside the grace rank 0 then gives it at the next start */
    if (i == K && ctx->rank == victim) wptest_sleep_ms(ctx->timeout_ms + 100);
    int rc = sync_at(ctx, &pos, &res, &dt);
    if (i == K && ctx->rank != victim) {
      printf("late: rank %d: sync %d returned after %.1f ms (timeout %d), rc %d, missing %d (first %d)\n",
             ctx->rank, i, dt, ctx->timeout_ms, rc, res.n_missing, res.n_missing ? res.missing[0] : -1);
      EXPECT(rc == WPC_ETIMEOUT && !res.complete, "sync %d rc %d", i, rc);
      EXPECT(res.n_missing == 1 && named_missing(&res, victim), "n_missing %d", res.n_missing);
      EXPECT(dt < ctx->timeout_ms + 2000, "took %.1f ms", dt);
      EXPECT(dt > ctx->timeout_ms * 0.8, "returned after only %.1f ms", dt);
      EXPECT(ctx->degraded, "a broken sync leaves the context degraded");
    }
    if (i == K && ctx->rank == victim) {
      printf("late: victim rank %d: sync %d returned after %.1f ms, rc %d, late %d\n", victim, i, dt, rc, res.late);
      EXPECT(dt < 100 + WPC_GRACE_MS, "rank 0, at the next start, releases the late rank at once: %.1f ms", dt);
      EXPECT(rc == WPC_ETIMEOUT && res.late && res.window == K / 2, "rc %d late %d window %d", rc, res.late,
             (int)res.window);
    }
    if (i >= K + 2) {
      EXPECT(res.window == i / 2, "sync %d: window %d", i, (int)res.window);
      EXPECT(rc == WPC_OK && res.complete, "sync %d after the break: rc %d missing %d no_release %d took %.1f ms",
             i, rc, res.n_missing, res.no_release, dt);
    }
    if (i == K + 1) printf("rank %d: sync %d (recovery) rc %d took %.1f ms\n", ctx->rank, i, rc, dt);
  }
}

/* The victim skips window 1 and runs ahead to window 2's start while the others are at window 1's:
 * the highest position any rank has reached wins, so every rank adopts window 2 there, at once, and
 * the numbering agrees from then on. */
static void mode_skip(struct wpc_ctx *ctx) {
  enum { N = 10 };
  int victim = ctx->size - 1;
  for (int pos = 0; pos < N;) {
    if (ctx->rank == victim && pos == 2) pos = 4;
    struct wpc_sync_result res;
    int i = pos;
    double dt;
    int rc = sync_at(ctx, &pos, &res, &dt);
    if (i == 2 || (i == 4 && ctx->rank == victim)) {
      printf("skip: rank %d: sync %d adopted window %d after %.1f ms, rc %d\n", ctx->rank, i, (int)res.window, dt, rc);
      EXPECT(res.window == 2 && rc == WPC_OK, "window %d rc %d", (int)res.window, rc);
      EXPECT(dt < ctx->timeout_ms * 0.5, "nobody waits for a deadline: %.1f ms", dt);
    } else {
      EXPECT(rc == WPC_OK && res.complete && (i < 2 || res.window >= 2), "sync %d: rc %d window %d", i, rc,
             (int)res.window);
    }
  }
}

/* Rank 0 arrives more than 2 x timeout late: the others go on alone (no_release) after about
 * 2 x timeout, and the sync points after that recover, rank 0 taking up the others' numbering. */
static void mode_rootlate(struct wpc_ctx *ctx) {
  enum { K = 2, N = 14 };
  for (int pos = 0; pos < N;) {
    struct wpc_sync_result res;
    int i = pos;
    double dt;
    if (i == K && ctx->rank == 0) wptest_sleep_ms(2 * ctx->timeout_ms + 300);
    int rc = sync_at(ctx, &pos, &res, &dt);
    if (i == K && ctx->rank != 0) {
      printf("rootlate: rank %d: sync %d went on alone after %.1f ms (2 x timeout = %d), rc %d, no_release %d\n",
             ctx->rank, i, dt, 2 * ctx->timeout_ms, rc, res.no_release);
      EXPECT(rc == WPC_ETIMEOUT && res.no_release && !res.complete, "rc %d no_release %d", rc, res.no_release);
      EXPECT(dt > 2 * ctx->timeout_ms * 0.9 && dt < 2 * ctx->timeout_ms + 2000, "took %.1f ms", dt);
      EXPECT(ctx->degraded, "a broken sync leaves the context degraded");
    }
    if (i > K && i < N - 4) printf("rank %d: sync %d (recovery) window %d rc %d no_release %d took %.1f ms\n",
                                   ctx->rank, i, (int)res.window, rc, res.no_release, dt);
    if (i < K || i >= N - 4)
      EXPECT(rc == WPC_OK && res.complete && res.window == i / 2, "sync %d: rc %d no_release %d missing %d window %d",
             i, rc, res.no_release, res.n_missing, (int)res.window);
  }
}

static void check_note(const struct wpc_sync_result *res, int n_expected, const char *expected) {
  EXPECT(res->n_disagree == n_expected, "n_disagree %d, want %d (note \"%s\")", res->n_disagree, n_expected,
         res->disagree_note);
  EXPECT(strcmp(res->disagree_note, expected) == 0, "note \"%s\", want \"%s\"", res->disagree_note, expected);
}

/* The last rank has delay_iters=3 where the others have 2: rank 0 and that rank both say so. With 4
 * ranks, rank 1 differs too (max_iters). A sync point without settings checks nothing. */
static void mode_agree(struct wpc_ctx *ctx) {
  int n = ctx->size, odd = n - 1;
  static const char *const backends[] = {"auto", "host"};
  struct wpc_agree_item items[3] = {{.name = "delay_iters", .value = ctx->rank == odd ? 3 : 2},
                                    {.name = "max_iters", .value = (n >= 4 && ctx->rank == 1) ? 7 : 5},
                                    {.name = "backend", .value = 1, .labels = backends, .n_labels = 2}};
  struct wpc_sync_result res;
  int rc = wpc_sync(ctx, 0, 0, items, 3, &res);
  EXPECT(rc == WPC_OK && res.complete, "rc %d", rc);
  char one[160], other[160], both[400];
  snprintf(one, sizeof(one),
           "rank %d has delay_iters=3 max_iters=5 backend=host (rank 0: delay_iters=2 max_iters=5 backend=host)", odd);
  snprintf(other, sizeof(other),
           "rank 1 has delay_iters=2 max_iters=7 backend=host (rank 0: delay_iters=2 max_iters=5 backend=host)");
  snprintf(both, sizeof(both), "%s; %s", other, one);
  if (ctx->rank == 0) {
    printf("agree: rank 0 note: %s\n", res.disagree_note);
    if (n == 1) check_note(&res, 0, "");
    else if (n >= 4) check_note(&res, 2, both);
    else check_note(&res, 1, one);
  } else if (ctx->rank == odd) {
    printf("agree: rank %d note: %s\n", ctx->rank, res.disagree_note);
    check_note(&res, 1, one);
  } else if (n >= 4 && ctx->rank == 1) {
    check_note(&res, 1, other);
  } else {
    check_note(&res, 0, "");
  }
  rc = wpc_sync(ctx, 0, 1, NULL, 0, &res);
  EXPECT(rc == WPC_OK && res.n_disagree == 0 && res.disagree_note[0] == '\0', "no settings: %d", res.n_disagree);

  /* The note stays bounded and says it was cut. */
  if (ctx->rank == 0) {
    struct wpc_agree_wire a, b;
    wpc_agree_pack(&a, items, 2);
    wpc_agree_pack(&b, items, 1);
    char note[WPC_NOTE_LEN] = "";
    for (int r = 1; r < 40; r++) wpc_agree_note(note, sizeof(note), r, &a, &b, items, 3);
    size_t len = strlen(note);
    EXPECT(len == WPC_NOTE_LEN - 1 && strcmp(note + len - 3, "...") == 0, "cut note: %zu \"%s\"", len, note);
  }
}

/* The run of the issue: 4 windows of 3 steps, an application barrier after every step, and `victim`
 * skips window 0 (no sync points), numbering its windows from 0 as if it had not. Every rank's windows
 * take the job's numbering (the victim has no window 0), and no rank spends more than 2.5 x the
 * timeout in sync points over the whole run. */
static void mode_resync(struct wpc_ctx *ctx, int victim) {
  enum { W = 4, STEPS = 3 };
  int32_t next = 0, ids[W];
  int n_ids = 0;
  double in_sync = 0;
  for (int w = 0; w < W; w++) {
    int skips = w == 0 && ctx->rank == victim;
    struct wpc_sync_result res;
    int32_t id = next;
    if (!skips) {
      double t0 = wptest_now_ms();
      wpc_sync(ctx, next, 0, NULL, 0, &res);
      in_sync += wptest_now_ms() - t0;
      id = res.window;
      next = id + 1;
      ids[n_ids++] = id;
    }
    for (int k = 0; k < STEPS; k++) {
      wptest_sleep_ms(2);
      MPI_Barrier(MPI_COMM_WORLD);
    }
    if (!skips) {
      double t0 = wptest_now_ms();
      wpc_sync(ctx, id, 1, NULL, 0, &res);
      in_sync += wptest_now_ms() - t0;
      if (res.window >= next) next = res.window + 1;
    }
  }
  printf("resync (victim %d): rank %d: %.1f ms in sync points; windows", victim, ctx->rank, in_sync);
  for (int i = 0; i < n_ids; i++) printf(" %d", (int)ids[i]);
  printf("\n");
  EXPECT(in_sync <= 2.5 * ctx->timeout_ms, "%.1f ms in sync points, more than 2.5 x the timeout", in_sync);
  int first = ctx->rank == victim ? 1 : 0;
  EXPECT(n_ids == W - first, "%d windows", n_ids);
  for (int i = 0; i < n_ids; i++) EXPECT(ids[i] == first + i, "window %d has id %d", first + i, (int)ids[i]);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "basic";
  int timeout = wptest_arg_ms(argc > 2 ? argv[2] : NULL, 500);
  no_mpi_world();
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  wptest_set_rank(g_rank);
  struct wpc_ctx ctx;
  int rc = wpc_init(&ctx, MPI_COMM_NULL, timeout);
  EXPECT(rc == WPC_OK && ctx.have_mpi && ctx.rank == g_rank, "wpc_init rc %d have_mpi %d", rc, ctx.have_mpi);
  int known = 1;
  if (strcmp(mode, "basic") == 0) mode_basic(&ctx, 0);
  else if (strcmp(mode, "stagger") == 0) mode_basic(&ctx, 1);
  else if (strcmp(mode, "late") == 0) mode_late(&ctx);
  else if (strcmp(mode, "skip") == 0) mode_skip(&ctx);
  else if (strcmp(mode, "rootlate") == 0) mode_rootlate(&ctx);
  else if (strcmp(mode, "agree") == 0) mode_agree(&ctx);
  else if (strcmp(mode, "resync") == 0) mode_resync(&ctx, ctx.size - 1);
  else if (strcmp(mode, "rootresync") == 0) mode_resync(&ctx, 0);
  else known = 0;
  EXPECT(known, "unknown mode %s", mode);
  double t0 = wptest_now_ms();
  wpc_finalize(&ctx);
  double dt = wptest_now_ms() - t0;
  EXPECT(dt < 1000, "wpc_finalize took %.1f ms", dt);
  MPI_Finalize();
  if (!wptest_failures() && g_rank == 0) printf("test_wpc_sync %s: ok\n", mode);
  return wptest_failures() ? 1 : 0;
}
