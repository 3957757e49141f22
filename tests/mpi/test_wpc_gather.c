/* MPI test of wprof's finalize gather (collectives/wpc_gather.c) through the wpc API: sizes (20 MB,
 * 0 bytes, small) with contents checked; a rank that never gathers, or too late; rank 0 that never does. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wpc.h"

static int g_rank = -1, g_failed;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "rank %d: FAILED %s:%d: %s: ", g_rank, __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
      g_failed = 1;                                                            \
    }                                                                          \
  } while (0)

#define BIG ((size_t)20 * 1024 * 1024)

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static int parse_int(const char *s, int dflt) {
  char *end;
  long v = s ? strtol(s, &end, 10) : 0;
  return (s && *s && *end == '\0') ? (int)v : dflt;
}

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
  CHECK(bufs[r] != NULL, "rank %d's data missing", r);
  if (!bufs[r]) return;
  CHECK(lens[r] == len_of(r, n), "rank %d: %zu bytes, want %zu", r, lens[r], len_of(r, n));
  CHECK(lens[r] != len_of(r, n) || verify(r, bufs[r], lens[r]), "rank %d's bytes differ", r);
}

/* Everyone gathers; the caller's buffer is scribbled over and freed right after the call. */
static void mode_sizes(struct wpc_ctx *ctx) {
  int n = ctx->size;
  size_t len = len_of(ctx->rank, n);
  uint8_t *mine = make(ctx->rank, len), **bufs = NULL;
  size_t *lens = NULL;
  double t0 = now_ms();
  int rc = wpc_gather(ctx, mine, len, &bufs, &lens);
  double dt = now_ms() - t0;
  memset(mine, 0xEE, len);
  free(mine);
  CHECK(rc == WPC_OK, "rc %d (%s)", rc, ctx->note);
  if (ctx->rank == 0) {
    CHECK(bufs && lens, "rank 0 gets arrays");
    if (bufs && lens)
      for (int r = 0; r < n; r++) check_rank_data(bufs, lens, r, n);
    printf("sizes: np %d: gathered in %.1f ms\n", n, dt);
  } else {
    CHECK(!bufs && !lens, "non-root gets NULL arrays");
  }
  wpc_gather_free(ctx, bufs, lens);
}

/* The last rank never gathers: it sleeps past rank 0's deadline, then finalizes. Rank 0 returns
 * within the deadline + 2 s with that rank NULL and everyone else's data intact. */
static void mode_absent(struct wpc_ctx *ctx) {
  int n = ctx->size, absent = n - 1;
  if (ctx->rank == absent) {
    sleep_ms(ctx->timeout_ms + 1500);
    return;
  }
  size_t len = len_of(ctx->rank, n);
  uint8_t *mine = make(ctx->rank, len), **bufs = NULL;
  size_t *lens = NULL;
  double t0 = now_ms();
  int rc = wpc_gather(ctx, mine, len, &bufs, &lens);
  double dt = now_ms() - t0;
  free(mine);
  if (ctx->rank == 0) {
    printf("absent: np %d: rank 0 returned after %.1f ms (timeout %d), rc %d\n", n, dt, ctx->timeout_ms, rc);
    CHECK(rc == WPC_ETIMEOUT, "rc %d", rc);
    CHECK(dt < ctx->timeout_ms + 2000, "took %.1f ms", dt);
    CHECK(bufs && lens && bufs[absent] == NULL && lens[absent] == 0, "absent rank %d is NULL", absent);
    for (int r = 0; bufs && r < absent; r++) check_rank_data(bufs, lens, r, n);
  } else {
    CHECK(rc == WPC_OK, "rank %d rc %d after %.1f ms", ctx->rank, rc, dt);
  }
  wpc_gather_free(ctx, bufs, lens);
}

/* The last rank gathers after rank 0's deadline: rank 0 goes on without it, and the late rank finds
 * rank 0's "not you" waiting and returns at once instead of waiting out its own deadline. */
static void mode_late(struct wpc_ctx *ctx) {
  int n = ctx->size, late = n - 1;
  if (ctx->rank == late) sleep_ms(ctx->timeout_ms + 500);
  size_t len = len_of(ctx->rank, n);
  uint8_t *mine = make(ctx->rank, len), **bufs = NULL;
  size_t *lens = NULL;
  double t0 = now_ms();
  int rc = wpc_gather(ctx, mine, len, &bufs, &lens);
  double dt = now_ms() - t0;
  free(mine);
  if (ctx->rank == 0) {
    printf("late: np %d: rank 0 returned after %.1f ms (timeout %d), rc %d\n", n, dt, ctx->timeout_ms, rc);
    CHECK(rc == WPC_ETIMEOUT && dt < ctx->timeout_ms + 2000, "rc %d after %.1f ms", rc, dt);
    CHECK(bufs && bufs[late] == NULL, "late rank %d is NULL", late);
    for (int r = 0; bufs && r < late; r++) check_rank_data(bufs, lens, r, n);
  } else if (ctx->rank == late) {
    printf("late: rank %d returned after %.1f ms, rc %d\n", late, dt, rc);
    CHECK(rc == WPC_ETIMEOUT && dt < 200, "late rank: rc %d after %.1f ms", rc, dt);
  } else {
    CHECK(rc == WPC_OK, "rank %d rc %d", ctx->rank, rc);
  }
  wpc_gather_free(ctx, bufs, lens);
}

/* Rank 0 never gathers: the others give up on their own deadline (2 x timeout) and say so. */
static void mode_rootabsent(struct wpc_ctx *ctx) {
  if (ctx->rank == 0) {
    sleep_ms(2 * ctx->timeout_ms + 1000);
    return;
  }
  size_t len = len_of(ctx->rank, ctx->size);
  uint8_t *mine = make(ctx->rank, len), **bufs = NULL;
  size_t *lens = NULL;
  double t0 = now_ms();
  int rc = wpc_gather(ctx, mine, len, &bufs, &lens);
  double dt = now_ms() - t0;
  free(mine);
  printf("rootabsent: rank %d gave up after %.1f ms (2 x timeout = %d), rc %d\n", ctx->rank, dt,
         2 * ctx->timeout_ms, rc);
  CHECK(rc == WPC_ETIMEOUT && !bufs && !lens, "rc %d", rc);
  CHECK(dt < 2 * ctx->timeout_ms + 2000, "took %.1f ms", dt);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "sizes";
  int timeout = parse_int(argc > 2 ? argv[2] : NULL, 1000);
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  struct wpc_ctx ctx;
  int rc = wpc_init(&ctx, MPI_COMM_NULL, timeout);
  CHECK(rc == WPC_OK && ctx.have_mpi, "wpc_init rc %d", rc);
  if (strcmp(mode, "sizes") == 0) {
    mode_sizes(&ctx);
    mode_sizes(&ctx); /* a second gather on the same context works too */
  } else if (strcmp(mode, "absent") == 0) {
    mode_absent(&ctx);
  } else if (strcmp(mode, "late") == 0) {
    mode_late(&ctx);
  } else if (strcmp(mode, "rootabsent") == 0) {
    mode_rootabsent(&ctx);
  } else {
    CHECK(0, "unknown mode %s", mode);
  }
  double t0 = now_ms();
  wpc_finalize(&ctx);
  double dt = now_ms() - t0;
  CHECK(dt < 1000, "wpc_finalize took %.1f ms", dt);
  MPI_Finalize();
  if (!g_failed && g_rank == 0) printf("test_wpc_gather %s: ok\n", mode);
  return g_failed;
}
