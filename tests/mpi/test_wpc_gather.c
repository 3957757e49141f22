/* MPI test of wprof's finalize gather (collectives/wpc_gather.c) through the wpc API: sizes (20 MB,
 * 0 bytes, small) with contents checked; a rank that never gathers, or too late; rank 0 that never does;
 * a rank that skips a keyed gather; the data tags of stop gathers and the finalize gather; stale data
 * of a gather rank 0 gave up on, on the tag a later gather shares. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpc.h"
#include "wpc_internal.h"
#include "wptest_check.h"
#include "wptest_clock.h"

static int g_rank = -1;

#define BIG ((size_t)20 * 1024 * 1024)

/* One world: 20 MB. Two: 0 bytes and 20 MB. More: 1000, 20 MB, 0, then small odd sizes. */
static size_t len_of(int r, int n) {
  if (r == 0) return n == 1 ? BIG : n == 2 ? 0 : 1000;
  if (r == 1) return BIG;
  if (r == 2) return 0;
  return 1000 + 7 * (size_t)r;
}

static uint8_t byte_of(int r, size_t i) { return (uint8_t)(r * 31 + i * 7 + (i >> 12)); }

static uint8_t *make(int r, size_t len) {
  uint8_t *b = malloc(len ? len : 1);
  for (size_t i = 0; b && i < len; i++) b[i] = byte_of(r, i);
  return b;
}

static int verify(int r, const uint8_t *b, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (b[i] != byte_of(r, i)) return 0;
  return 1;
}

static void check_rank_data(uint8_t **bufs, size_t *lens, int r, int n) {
  EXPECT(bufs[r] != NULL, "rank %d's data missing", r);
  if (!bufs[r]) return;
  EXPECT(lens[r] == len_of(r, n), "rank %d: %zu bytes, want %zu", r, lens[r], len_of(r, n));
  EXPECT(lens[r] != len_of(r, n) || verify(r, bufs[r], lens[r]), "rank %d's bytes differ", r);
}

/* The result of one timed gather of this rank's bytes. */
struct gathered {
  int rc;
  double ms;
  uint8_t **bufs;
  size_t *lens;
};

/* Gathers this rank's pattern; the caller's buffer is scribbled over and freed right after the call,
 * so whatever rank 0 holds must be its own copy. */
static struct gathered gather_mine(struct wpc_ctx *ctx) {
  size_t len = len_of(ctx->rank, ctx->size);
  uint8_t *mine = make(ctx->rank, len);
  struct gathered g = {0};
  double t0 = wptest_now_ms();
  g.rc = wpc_gather(ctx, mine, len, &g.bufs, &g.lens);
  g.ms = wptest_now_ms() - t0;
  if (mine) memset(mine, 0xEE, len);
  free(mine);
  return g;
}

/* Everyone gathers. */
static void mode_sizes(struct wpc_ctx *ctx) {
  int n = ctx->size;
  struct gathered g = gather_mine(ctx);
  EXPECT(g.rc == WPC_OK, "rc %d (%s)", g.rc, ctx->note);
  if (ctx->rank == 0) {
    EXPECT(g.bufs && g.lens, "rank 0 gets arrays");
    if (g.bufs && g.lens)
      for (int r = 0; r < n; r++) check_rank_data(g.bufs, g.lens, r, n);
    printf("sizes: np %d: gathered in %.1f ms\n", n, g.ms);
  } else {
    EXPECT(!g.bufs && !g.lens, "non-root gets NULL arrays");
  }
  wpc_gather_free(ctx, g.bufs, g.lens);
}

/* The last rank never gathers: it sleeps past rank 0's deadline, then finalizes. Rank 0 returns
 * within the deadline + 2 s with that rank NULL and everyone else's data intact. */
static void mode_absent(struct wpc_ctx *ctx) {
  int n = ctx->size, absent = n - 1;
  if (ctx->rank == absent) {
    wptest_sleep_ms(ctx->timeout_ms + 1500);
    return;
  }
  struct gathered g = gather_mine(ctx);
  if (ctx->rank == 0) {
    printf("absent: np %d: rank 0 returned after %.1f ms (timeout %d), rc %d\n", n, g.ms, ctx->timeout_ms,
           g.rc);
    EXPECT(g.rc == WPC_ETIMEOUT, "rc %d", g.rc);
    EXPECT(g.ms < ctx->timeout_ms + 2000, "took %.1f ms", g.ms);
    EXPECT(g.bufs && g.lens && g.bufs[absent] == NULL && g.lens[absent] == 0, "absent rank %d is NULL",
           absent);
    for (int r = 0; g.bufs && r < absent; r++) check_rank_data(g.bufs, g.lens, r, n);
  } else {
    EXPECT(g.rc == WPC_OK, "rank %d rc %d after %.1f ms", ctx->rank, g.rc, g.ms);
  }
  wpc_gather_free(ctx, g.bufs, g.lens);
}

/* The last rank gathers after rank 0's deadline: rank 0 goes on without it, and the late rank finds
 * rank 0's "not you" waiting and returns at once instead of waiting out its own deadline. */
static void mode_late(struct wpc_ctx *ctx) {
  int n = ctx->size, late = n - 1;
  if (ctx->rank == late) wptest_sleep_ms(ctx->timeout_ms + 500);
  struct gathered g = gather_mine(ctx);
  if (ctx->rank == 0) {
    printf("late: np %d: rank 0 returned after %.1f ms (timeout %d), rc %d\n", n, g.ms, ctx->timeout_ms,
           g.rc);
    EXPECT(g.rc == WPC_ETIMEOUT && g.ms < ctx->timeout_ms + 2000, "rc %d after %.1f ms", g.rc, g.ms);
    EXPECT(g.bufs && g.bufs[late] == NULL, "late rank %d is NULL", late);
    for (int r = 0; g.bufs && r < late; r++) check_rank_data(g.bufs, g.lens, r, n);
  } else if (ctx->rank == late) {
    printf("late: rank %d returned after %.1f ms, rc %d\n", late, g.ms, g.rc);
    EXPECT(g.rc == WPC_ETIMEOUT && g.ms < 200, "late rank: rc %d after %.1f ms", g.rc, g.ms);
  } else {
    EXPECT(g.rc == WPC_OK, "rank %d rc %d", ctx->rank, g.rc);
  }
  wpc_gather_free(ctx, g.bufs, g.lens);
}

/* Rank 0 never gathers: the others give up on their own deadline (2 x timeout) and say so. */
static void mode_rootabsent(struct wpc_ctx *ctx) {
  if (ctx->rank == 0) {
    wptest_sleep_ms(2 * ctx->timeout_ms + 1000);
    return;
  }
  struct gathered g = gather_mine(ctx);
  printf("rootabsent: rank %d gave up after %.1f ms (2 x timeout = %d), rc %d\n", ctx->rank, g.ms,
         2 * ctx->timeout_ms, g.rc);
  EXPECT(g.rc == WPC_ETIMEOUT && !g.bufs && !g.lens, "rc %d", g.rc);
  EXPECT(g.ms < 2 * ctx->timeout_ms + 2000, "took %.1f ms", g.ms);
}

/* Keyed gathers 0 and 1 (two stops): the last rank skips gather 0, so its size for gather 1 reaches
 * rank 0 during gather 0. Rank 0 holds it for gather 1 instead of dropping it: gather 0 goes on
 * without that rank at once (it is ahead, not late), and gather 1 has every rank's data. */
static void mode_skipkey(struct wpc_ctx *ctx) {
  int n = ctx->size, skip = n - 1;
  size_t len = len_of(ctx->rank, n);
  uint8_t *mine = make(ctx->rank, len), **bufs = NULL;
  size_t *lens = NULL;
  if (ctx->rank != skip) {
    if (ctx->rank == 0) wptest_sleep_ms(100); /* the skipping rank's size for gather 1 is there first */
    double t0 = wptest_now_ms();
    int rc = wpc_gather_keyed(ctx, 0, mine, len, &bufs, &lens);
    double dt = wptest_now_ms() - t0;
    if (ctx->rank == 0) {
      printf("skipkey: gather 0 returned after %.1f ms (timeout %d), rc %d\n", dt, ctx->timeout_ms, rc);
      EXPECT(rc == WPC_ETIMEOUT && bufs && bufs[skip] == NULL, "gather 0: rc %d", rc);
      EXPECT(dt < ctx->timeout_ms * 0.5, "rank 0 waited %.1f ms for a rank that was ahead", dt);
    }
    wpc_gather_free(ctx, bufs, lens);
  }
  int rc = wpc_gather_keyed(ctx, 1, mine, len, &bufs, &lens);
  EXPECT(rc == WPC_OK, "gather 1: rank %d rc %d", ctx->rank, rc);
  for (int r = 0; ctx->rank == 0 && bufs && r < n; r++) check_rank_data(bufs, lens, r, n);
  wpc_gather_free(ctx, bufs, lens);
  free(mine);
}

/* Stop gathers are keyed by window number and their data tags wrap; the finalize gather's data must
 * never share a tag with any of them (a late stop's data would be taken for the final data). */
static void mode_tags(void) {
  int final = wpc_data_tag(WPC_GATHER_KEY_FINAL);
  for (uint32_t w = 0; w < 4096; w++)
    EXPECT(wpc_data_tag(w) != final, "window %u's data tag %d is the finalize gather's", w, wpc_data_tag(w));
}

/* Data of a stop's gather that rank 0 gave up on arrives after its deadline (as from a slow rank)
 * and waits at rank 0 on its tag, which the gather 16 windows later shares. That gather must take
 * each rank's own data, never the stale bytes of the same length. */
static void mode_staledata(struct wpc_ctx *ctx) {
  enum { KEY = 20, STALE_KEY = KEY - WPC_TAG_DATA_RANGE };
  size_t len = 1000;
  EXPECT(wpc_data_tag(KEY) == wpc_data_tag(STALE_KEY), "keys %d and %d share a data tag", KEY, STALE_KEY);
  if (ctx->rank != 0) {
    uint8_t *stale = make(ctx->rank + 100, len); /* same length, other bytes */
    MPI_Send(stale, (int)len, MPI_BYTE, 0, wpc_data_tag(STALE_KEY), ctx->comm);
    free(stale);
  } else {
    for (int r = 1; r < ctx->size; r++) MPI_Probe(r, wpc_data_tag(STALE_KEY), ctx->comm, MPI_STATUS_IGNORE);
  }
  uint8_t *mine = make(ctx->rank, len), **bufs = NULL;
  size_t *lens = NULL;
  int rc = wpc_gather_keyed(ctx, KEY, mine, len, &bufs, &lens);
  EXPECT(rc == WPC_OK, "gather %d after stale data: rc %d", KEY, rc);
  for (int r = 1; ctx->rank == 0 && bufs && r < ctx->size; r++) {
    EXPECT(bufs[r] && lens[r] == len, "rank %d's data: %zu bytes", r, bufs[r] ? lens[r] : 0);
    EXPECT(!bufs[r] || lens[r] != len || verify(r, bufs[r], len), "rank %d: the stale bytes were taken", r);
  }
  wpc_gather_free(ctx, bufs, lens);
  free(mine);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "sizes";
  int timeout = wptest_arg_ms(argc > 2 ? argv[2] : NULL, 1000);
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  wptest_set_rank(g_rank);
  struct wpc_ctx ctx;
  int rc = wpc_init(&ctx, MPI_COMM_NULL, timeout);
  EXPECT(rc == WPC_OK && ctx.have_mpi, "wpc_init rc %d", rc);
  if (strcmp(mode, "sizes") == 0) {
    mode_sizes(&ctx);
    mode_sizes(&ctx); /* a second gather on the same context works too */
  } else if (strcmp(mode, "absent") == 0) {
    mode_absent(&ctx);
  } else if (strcmp(mode, "late") == 0) {
    mode_late(&ctx);
  } else if (strcmp(mode, "rootabsent") == 0) {
    mode_rootabsent(&ctx);
  } else if (strcmp(mode, "skipkey") == 0) {
    mode_skipkey(&ctx);
  } else if (strcmp(mode, "tags") == 0) {
    mode_tags();
  } else if (strcmp(mode, "staledata") == 0) {
    mode_staledata(&ctx);
  } else {
    EXPECT(0, "unknown mode %s", mode);
  }
  double t0 = wptest_now_ms();
  wpc_finalize(&ctx);
  double dt = wptest_now_ms() - t0;
  EXPECT(dt < 1000, "wpc_finalize took %.1f ms", dt);
  MPI_Finalize();
  if (!wptest_failures() && g_rank == 0) printf("test_wpc_gather %s: ok\n", mode);
  return wptest_failures() ? 1 : 0;
}
