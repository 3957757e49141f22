/* collectives: the many-exchange clock estimate (init, finalize). Rank 0 ping-pongs each rank that
 * said "ready", one rank at a time, `rounds` times, NTP style, and keeps the round with the smallest
 * round trip; the rank learns it in a "done". Every wait has a deadline: a rank that never says ready
 * is skipped (and finds a "skip" waiting if it comes late), a rank that gives up says "bye". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpc_internal.h"

#define MAX_ROUNDS 64

static int min_int(int a, int b) { return a < b ? a : b; }

/* Sends one clock message; with stamp_slot >= 0, t[stamp_slot] is the clock read just before the
 * send (returned in *stamp too). */
static int send_clock(struct wpc_ctx *ctx, int dest, int tag, const struct wpc_clock_msg *tmpl, int stamp_slot,
                      int64_t *stamp) {
  struct wpc_blob *b = wpc_blob_new(sizeof(struct wpc_clock_msg));
  if (!b) return WPC_ENOMEM;
  struct wpc_clock_msg *m = (struct wpc_clock_msg *)b->data;
  memcpy(m, tmpl, sizeof(*m));
  if (stamp_slot >= 0) m->t[stamp_slot] = wpc_clock_read(ctx);
  if (stamp) *stamp = stamp_slot >= 0 ? m->t[stamp_slot] : 0;
  MPI_Request req;
  int rc = PMPI_Isend(m, (int)sizeof(*m), MPI_BYTE, dest, tag, ctx->comm, &req);
  if (rc == MPI_SUCCESS) wpc_pending_add(ctx, req, b, 0);
  wpc_blob_unref(b);
  return rc == MPI_SUCCESS ? WPC_OK : wpc_mpi_failed(ctx, "MPI_Isend", rc);
}

static struct wpc_clock_msg clock_msg(uint32_t cseq, int kind, int round) {
  struct wpc_clock_msg m;
  memset(&m, 0, sizeof(m));
  m.cseq = cseq;
  m.kind = kind;
  m.round = round;
  return m;
}

/* ---- rank 0 ---------------------------------------------------------------------------------- */

enum { PEER_WAITING = 0, PEER_READY, PEER_GONE, PEER_MEMBER /* shares its node leader's clock */ };

/* 1 when rank r exchanges with rank 0 itself: its own node's leader (every rank, until
 * wpc_clock_by_node grouped them). */
static int is_leader(const struct wpc_priv *p, int r) { return !p->leader_of || p->leader_of[r] == r; }

struct root_clock {
  uint32_t cseq;
  int n;
  struct wpc_blob *msgs; /* n wpc_clock_msg; a blob so an uncancellable receive can keep it */
  MPI_Request *req;
  int *idx;
  unsigned char *state;
};

static struct wpc_clock_msg *msg_of(struct root_clock *g, int r) { return (struct wpc_clock_msg *)g->msgs->data + r; }

static int post_up(struct wpc_ctx *ctx, struct root_clock *g, int r) {
  int rc = PMPI_Irecv(msg_of(g, r), (int)sizeof(struct wpc_clock_msg), MPI_BYTE, r, WPC_TAG_CLOCK_UP, ctx->comm,
                      &g->req[r]);
  return rc == MPI_SUCCESS ? WPC_OK : wpc_mpi_failed(ctx, "MPI_Irecv", rc);
}

/* A received "ready" or "bye"; anything of an earlier exchange is dropped and the receive re-posted. */
static int note_ready(struct wpc_ctx *ctx, struct root_clock *g, int r, int *answered) {
  struct wpc_clock_msg *m = msg_of(g, r);
  if (m->cseq != g->cseq || (m->kind != WPC_CLOCK_READY && m->kind != WPC_CLOCK_BYE)) return post_up(ctx, g, r);
  g->state[r] = m->kind == WPC_CLOCK_READY ? PEER_READY : PEER_GONE;
  (*answered)++;
  return WPC_OK;
}

/* The sync point's rules: all ranks, or timeout_ms; ranks missing at the last sync point get only the
 * grace period once the others are in. */
static int collect_ready(struct wpc_ctx *ctx, struct root_clock *g, int ready_wait_ms) {
  struct wpc_priv *p = ctx->priv;
  int wait_ms = ready_wait_ms > 0 ? min_int(ctx->timeout_ms, ready_wait_ms) : ctx->timeout_ms;
  int64_t t0 = wpc_now_ns();
  int64_t full = t0 + wpc_ms_ns(wait_ms);
  int64_t grace = t0 + wpc_ms_ns(min_int(wait_ms, WPC_GRACE_MS));
  int rc = WPC_OK, answered = 0, expected = 0, expected_answered = 0;
  int others = 0;
  for (int r = 1; r < g->n && rc == WPC_OK; r++) {
    if (!is_leader(p, r)) {
      g->state[r] = PEER_MEMBER;
      continue;
    }
    others++;
    expected += !(p->was_missing && p->was_missing[r]);
    rc = post_up(ctx, g, r);
  }
  while (rc == WPC_OK && answered < others) {
    int64_t t = wpc_now_ns();
    if (t >= full || (t >= grace && expected_answered == expected)) break;
    int done = 0;
    rc = wpc_poll_ranks(ctx, g->n, g->req, g->idx, t0, &done);
    for (int i = 0; i < done && rc == WPC_OK; i++) {
      int r = g->idx[i], before = answered;
      rc = note_ready(ctx, g, r, &answered);
      if (answered > before) expected_answered += !(p->was_missing && p->was_missing[r]);
    }
  }
  return rc;
}

/* Gives up a receive: cancelled, or left to wpc_finalize with the buffer kept alive. */
static void drop_recv(struct wpc_ctx *ctx, struct root_clock *g, int r) {
  if (g->req[r] == MPI_REQUEST_NULL) return;
  int cancelled = 0;
  if (!wpc_cancel_wait(&g->req[r], wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS), &cancelled))
    wpc_pending_add(ctx, g->req[r], g->msgs, 1);
  g->req[r] = MPI_REQUEST_NULL;
}

/* Waits for round k's pong of rank r. 1: got it (T4 in *t4), 0: no answer in time or "bye". */
static int await_pong(struct wpc_ctx *ctx, struct root_clock *g, int r, int k, int64_t *t4, int *rc) {
  struct wpc_clock_msg *m = msg_of(g, r);
  int64_t t0 = wpc_now_ns(), deadline = t0 + wpc_ms_ns(WPC_CLOCK_REPLY_MS);
  for (;;) {
    int flag = 0;
    int mrc = PMPI_Test(&g->req[r], &flag, MPI_STATUS_IGNORE);
    if (mrc != MPI_SUCCESS) {
      *rc = wpc_mpi_failed(ctx, "MPI_Test", mrc);
      return 0;
    }
    if (flag) {
      *t4 = wpc_clock_read(ctx);
      if (m->cseq == g->cseq && m->kind == WPC_CLOCK_BYE) return 0;
      if (m->cseq == g->cseq && m->kind == WPC_CLOCK_PONG && m->round == k) return 1;
      if ((*rc = post_up(ctx, g, r)) != WPC_OK) return 0; /* stale: wait on */
      continue;
    }
    if (wpc_now_ns() >= deadline) {
      drop_recv(ctx, g, r);
      return 0;
    }
    wpc_pause(t0);
  }
}

/* `rounds` ping-pongs with rank r; the one with the smallest delay goes back in a "done". */
static int serve(struct wpc_ctx *ctx, struct root_clock *g, int r, int rounds, int *served) {
  struct wpc_clock_msg best = clock_msg(g->cseq, WPC_CLOCK_SKIP, 0);
  int rc = WPC_OK, answering = 1;
  for (int k = 0; k < rounds && answering && rc == WPC_OK; k++) {
    if ((rc = post_up(ctx, g, r)) != WPC_OK) break;
    struct wpc_clock_msg ping = clock_msg(g->cseq, WPC_CLOCK_PING, k);
    int64_t t1 = 0, t4 = 0;
    if ((rc = send_clock(ctx, r, WPC_TAG_CLOCK_DOWN, &ping, 0, &t1)) != WPC_OK) break;
    answering = await_pong(ctx, g, r, k, &t4, &rc);
    if (!answering) break;
    int64_t t2 = msg_of(g, r)->t[0], t3 = msg_of(g, r)->t[1];
    int64_t delay = (t4 - t1) - (t3 - t2);
    if (delay < 0 || (best.kind == WPC_CLOCK_DONE && delay >= best.t[2])) continue;
    best.kind = WPC_CLOCK_DONE;
    best.t[0] = t2 + (t3 - t2) / 2;              /* the rank's clock mid-exchange */
    best.t[1] = ((t2 - t1) + (t3 - t4)) / 2;     /* its clock minus rank 0's */
    best.t[2] = delay;
  }
  if (msg_of(g, r)->cseq == g->cseq && msg_of(g, r)->kind == WPC_CLOCK_BYE) {
    g->state[r] = PEER_GONE; /* it left: nobody reads a "done" */
    return rc;
  }
  *served += best.kind == WPC_CLOCK_DONE;
  int src = send_clock(ctx, r, WPC_TAG_CLOCK_DOWN, &best, -1, NULL);
  return rc != WPC_OK ? rc : src;
}

static int root_clock(struct wpc_ctx *ctx, uint32_t cseq, int rounds, int ready_wait_ms) {
  struct root_clock g = {.cseq = cseq, .n = ctx->size};
  size_t n = (size_t)ctx->size;
  g.msgs = wpc_blob_new(n * sizeof(struct wpc_clock_msg));
  g.req = malloc(n * sizeof(*g.req));
  g.idx = malloc(n * sizeof(*g.idx));
  g.state = calloc(n, 1);
  int rc = g.msgs && g.req && g.idx && g.state ? WPC_OK : WPC_ENOMEM;
  for (size_t i = 0; rc == WPC_OK && i < n; i++) g.req[i] = MPI_REQUEST_NULL;
  if (rc == WPC_OK) rc = collect_ready(ctx, &g, ready_wait_ms);
  int served = 0;
  for (int r = 1; r < g.n && rc == WPC_OK; r++) {
    if (g.state[r] == PEER_READY) rc = serve(ctx, &g, r, rounds, &served);
  }
  for (int r = 1; g.req && r < g.n; r++) {
    if (g.state[r] != PEER_WAITING) continue;
    drop_recv(ctx, &g, r);
    /* a rank that comes late finds this waiting and goes on at once */
    struct wpc_clock_msg skip = clock_msg(cseq, WPC_CLOCK_SKIP, 0);
    if (rc == WPC_OK) rc = send_clock(ctx, r, WPC_TAG_CLOCK_DOWN, &skip, -1, NULL);
  }
  for (int r = 1; g.req && r < g.n; r++) drop_recv(ctx, &g, r);
  wpc_blob_unref(g.msgs);
  free(g.req);
  free(g.idx);
  free(g.state);
  if (rc != WPC_OK) return rc;
  int leaders = 0;
  for (int r = 1; r < g.n; r++) leaders += is_leader(ctx->priv, r);
  return served == leaders ? WPC_OK : WPC_ETIMEOUT;
}

/* ---- other ranks ----------------------------------------------------------------------------- */

/* Answers rank 0's pings until its "done" (or "skip"), or this rank's deadline: then it says "bye". */
static int leaf_clock(struct wpc_ctx *ctx, uint32_t cseq, int ready_wait_ms, struct wpc_clock_sample *out) {
  struct wpc_priv *p = ctx->priv;
  struct wpc_blob *rb = wpc_blob_new(sizeof(struct wpc_clock_msg));
  if (!rb) return WPC_ENOMEM;
  struct wpc_clock_msg *m = (struct wpc_clock_msg *)rb->data;
  MPI_Request req = MPI_REQUEST_NULL;
  int rc = PMPI_Irecv(m, (int)sizeof(*m), MPI_BYTE, 0, WPC_TAG_CLOCK_DOWN, ctx->comm, &req);
  if (rc != MPI_SUCCESS) {
    wpc_blob_unref(rb);
    return wpc_mpi_failed(ctx, "MPI_Irecv", rc);
  }
  struct wpc_clock_msg ready = clock_msg(cseq, WPC_CLOCK_READY, 0);
  rc = send_clock(ctx, 0, WPC_TAG_CLOCK_UP, &ready, -1, NULL);
  int64_t t0 = wpc_now_ns(), since = t0;
  /* a short exchange (finalize) is followed by the gather's own waits: wait for rank 0 once, not twice */
  int64_t wait_ms = p->root_silent       ? min_int(ctx->timeout_ms, WPC_GRACE_MS)
                    : ready_wait_ms > 0 ? (int64_t)ctx->timeout_ms
                                        : 2 * (int64_t)ctx->timeout_ms;
  int64_t deadline = t0 + wpc_ms_ns(wait_ms);
  int finished = 0;
  while (rc == WPC_OK && !finished) {
    int flag = 0;
    int mrc = PMPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    int64_t now = wpc_clock_read(ctx); /* T2 of a ping */
    if (mrc != MPI_SUCCESS) {
      rc = wpc_mpi_failed(ctx, "MPI_Test", mrc);
      break;
    }
    if (flag) {
      struct wpc_clock_msg got = *m;
      if (got.cseq == cseq && (got.kind == WPC_CLOCK_DONE || got.kind == WPC_CLOCK_SKIP)) {
        finished = 1;
        if (got.kind == WPC_CLOCK_DONE) *out = (struct wpc_clock_sample){1, got.t[0], got.t[1], got.t[2]};
        break;
      }
      mrc = PMPI_Irecv(m, (int)sizeof(*m), MPI_BYTE, 0, WPC_TAG_CLOCK_DOWN, ctx->comm, &req);
      if (mrc != MPI_SUCCESS) {
        rc = wpc_mpi_failed(ctx, "MPI_Irecv", mrc);
        break;
      }
      if (got.cseq != cseq || got.kind != WPC_CLOCK_PING) continue; /* an earlier exchange's */
      struct wpc_clock_msg pong = clock_msg(cseq, WPC_CLOCK_PONG, got.round);
      pong.t[0] = now;
      rc = send_clock(ctx, 0, WPC_TAG_CLOCK_UP, &pong, 1, NULL);
      since = wpc_now_ns(); /* the next ping comes within microseconds: spin, do not nap */
      continue;
    }
    if (wpc_now_ns() >= deadline || wpc_session_dropped(ctx)) break;
    wpc_pause(since);
  }
  if (!finished) {
    if (req != MPI_REQUEST_NULL) wpc_abandon_recv(ctx, &req, rb);
    else wpc_blob_unref(rb);
    struct wpc_clock_msg bye = clock_msg(cseq, WPC_CLOCK_BYE, 0);
    if (rc == WPC_OK && wpc_live(ctx)) rc = send_clock(ctx, 0, WPC_TAG_CLOCK_UP, &bye, -1, NULL);
    if (rc == WPC_OK) {
      wpc_set_note(ctx, "no clock exchange with rank 0 by this rank's deadline");
      p->root_silent = 1;
      rc = WPC_ETIMEOUT;
    }
    return rc;
  }
  p->root_silent = 0;
  wpc_blob_unref(rb);
  return out->valid ? WPC_OK : WPC_ETIMEOUT;
}

int wpc_clock_exchange(struct wpc_ctx *ctx, int rounds, int ready_wait_ms, struct wpc_clock_sample *out) {
  memset(out, 0, sizeof(*out));
  if (ctx->size <= 1) return WPC_OK;
  if (!ctx->priv || !wpc_live(ctx)) return WPC_EMPI;
  if (rounds < 1) rounds = 1;
  if (rounds > MAX_ROUNDS) rounds = MAX_ROUNDS;
  wpc_pending_poll(ctx);
  struct wpc_priv *p = ctx->priv;
  if (ctx->rank != 0 && !is_leader(p, ctx->rank)) return WPC_OK; /* its leader's fit is its own */
  uint32_t cseq = ++p->cseq; /* from 1: a zeroed message is never one of ours */
  return ctx->rank == 0 ? root_clock(ctx, cseq, rounds, ready_wait_ms) : leaf_clock(ctx, cseq, ready_wait_ms, out);
}

/* ---- ranks of one node share a clock ---------------------------------------------------------- */

/* What makes two ranks share CLOCK_MONOTONIC: one kernel (its boot id) on one host (its name; a
 * container or network namespace with a name of its own counts as a node of its own, as it does in
 * the report's hostnames). A hash: the key of each rank travels in one fixed-size slot. */
static uint64_t fnv1a(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n && s[i]; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static uint64_t node_key(void) {
  char name[MPI_MAX_PROCESSOR_NAME + 1] = "";
  int len = 0;
  if (PMPI_Get_processor_name(name, &len) != MPI_SUCCESS) name[0] = '\0';
  uint64_t h = fnv1a(14695981039346656037ull, name, sizeof(name));
  char boot[64] = "";
  FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
  if (f) {
    if (!fgets(boot, sizeof(boot), f)) boot[0] = '\0';
    fclose(f);
  }
  return fnv1a(h ^ 0x9e3779b97f4a7c15ull, boot, sizeof(boot));
}

/* Grouping runs on a non-blocking allgather with the sync point's deadline: a blocking collective here
 * (MPI_Comm_split_type, MPI_Allgather) would hang the ranks that came for ever if one never does (its
 * duplicate timed out a moment before it completed elsewhere). An allgather that does not complete in
 * time stays posted, with its buffer, for MPI; every rank is then its own leader. */
struct grouping {
  struct grouping *next;
  MPI_Request req;
  int64_t keys[]; /* (node key, domain) of every rank */
};
static struct grouping *abandoned_groupings; /* still reachable, so leak checkers see them as kept */

int wpc_clock_by_node(struct wpc_ctx *ctx, int64_t domain) {
  struct wpc_priv *p = ctx->priv;
  if (ctx->size <= 1 || !p || !wpc_live(ctx) || p->leader_of) return WPC_OK;
  size_t n = (size_t)ctx->size;
  struct grouping *g = malloc(sizeof(*g) + 2 * n * sizeof(int64_t));
  int *leader_of = malloc(n * sizeof(int));
  if (!g || !leader_of) {
    free(g);
    free(leader_of);
    return WPC_ENOMEM;
  }
  int64_t *mine = g->keys + 2 * (size_t)ctx->rank; /* MPI_IN_PLACE: the send buffer is this rank's slot */
  mine[0] = (int64_t)node_key();
  mine[1] = domain;
  int rc = PMPI_Iallgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, g->keys, 2, MPI_INT64_T, ctx->comm, &g->req);
  if (rc != MPI_SUCCESS) {
    free(g);
    free(leader_of);
    return wpc_mpi_failed(ctx, "MPI_Iallgather", rc);
  }
  int64_t t0 = wpc_now_ns(), deadline = t0 + wpc_ms_ns(ctx->timeout_ms);
  int flag = 0;
  for (;;) {
    rc = PMPI_Test(&g->req, &flag, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS || flag || wpc_now_ns() >= deadline) break;
    wpc_pause(t0);
  }
  if (!flag) { /* g stays MPI's: a collective's request may be neither freed nor cancelled */
    free(leader_of);
    g->next = abandoned_groupings;
    abandoned_groupings = g;
    if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Test", rc);
    wpc_set_note(ctx, "grouping ranks by node: not every rank took part within %d ms", ctx->timeout_ms);
    return WPC_ETIMEOUT;
  }
  const int64_t *k = g->keys;
  int *leaders = malloc(n * sizeof(int)), n_leaders = 0; /* those found so far */
  if (!leaders) {
    free(g);
    free(leader_of);
    return WPC_ENOMEM;
  }
  for (int r = 0; r < ctx->size; r++) { /* the lowest rank with the same key and domain leads */
    int64_t key = k[2 * r], dom = k[2 * r + 1];
    leader_of[r] = r;
    for (int i = 0; i < n_leaders; i++)
      if (k[2 * leaders[i]] == key && k[2 * leaders[i] + 1] == dom) leader_of[r] = leaders[i];
    if (leader_of[r] == r) leaders[n_leaders++] = r;
  }
  free(leaders);
  free(g);
  p->leader_of = leader_of;
  return WPC_OK;
}

int wpc_clock_leader(const struct wpc_ctx *ctx) {
  const struct wpc_priv *p = ctx->priv;
  return p && p->leader_of ? p->leader_of[ctx->rank] : ctx->rank;
}

struct wpc_node_msg {
  uint32_t nseq;
  uint32_t len;
  unsigned char bytes[WPC_NODE_SHARE_MAX];
};

/* A member: its leader's message of share nseq, until the deadline (older ones dropped). */
static int node_recv(struct wpc_ctx *ctx, int leader, uint32_t nseq, void *out, size_t len, int short_wait) {
  struct wpc_priv *p = ctx->priv;
  int64_t t0 = wpc_now_ns();
  int64_t wait_ms = p->root_silent ? min_int(ctx->timeout_ms, WPC_GRACE_MS)
                    : short_wait   ? (int64_t)ctx->timeout_ms
                                   : 2 * (int64_t)ctx->timeout_ms;
  int64_t deadline = t0 + wpc_ms_ns(wait_ms);
  struct wpc_node_msg m;
  for (;;) {
    int flag = 0;
    MPI_Message msg;
    int rc = PMPI_Improbe(leader, WPC_TAG_NODE, ctx->comm, &flag, &msg, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Improbe", rc);
    if (flag) {
      memset(&m, 0, sizeof(m));
      rc = PMPI_Mrecv(&m, (int)sizeof(m), MPI_BYTE, &msg, MPI_STATUS_IGNORE);
      if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Mrecv", rc);
      if (m.nseq != nseq) continue; /* an earlier share this rank gave up on */
      memcpy(out, m.bytes, len < m.len ? len : m.len);
      return WPC_OK;
    }
    if (wpc_now_ns() >= deadline || wpc_session_dropped(ctx)) return WPC_ETIMEOUT;
    wpc_pause(t0);
  }
}

int wpc_node_share(struct wpc_ctx *ctx, const void *mine, size_t len, void *out, int *got, int short_wait) {
  struct wpc_priv *p = ctx->priv;
  *got = 0;
  if (len > WPC_NODE_SHARE_MAX) return WPC_ENOMEM;
  if (ctx->size <= 1 || !p || !p->leader_of || !wpc_live(ctx)) return WPC_OK;
  uint32_t nseq = ++p->nseq;
  int leader = p->leader_of[ctx->rank];
  if (leader != ctx->rank) {
    int rc = node_recv(ctx, leader, nseq, out, len, short_wait);
    *got = rc == WPC_OK;
    return rc;
  }
  struct wpc_blob *b = wpc_blob_new(sizeof(struct wpc_node_msg));
  if (!b) return WPC_ENOMEM;
  struct wpc_node_msg *m = (struct wpc_node_msg *)b->data;
  m->nseq = nseq;
  m->len = (uint32_t)len;
  memcpy(m->bytes, mine, len);
  int rc = WPC_OK;
  for (int r = 0; r < ctx->size && rc == WPC_OK; r++) {
    if (r == ctx->rank || p->leader_of[r] != ctx->rank) continue;
    MPI_Request req;
    int mrc = PMPI_Isend(m, (int)sizeof(*m), MPI_BYTE, r, WPC_TAG_NODE, ctx->comm, &req);
    if (mrc != MPI_SUCCESS) rc = wpc_mpi_failed(ctx, "MPI_Isend", mrc);
    else wpc_pending_add(ctx, req, b, 0);
  }
  wpc_blob_unref(b);
  return rc;
}
