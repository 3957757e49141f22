/* collectives: the finalize gather of packed tables. Sizes first (each rank to rank 0), then rank 0
 * says "go" to the ranks it heard from and receives their data; every wait has a deadline, and a rank
 * that does not deliver is simply absent (NULL) on rank 0. */
#include <stdlib.h>
#include <string.h>

#include "wpc_internal.h"

/* A "go" that says: not yet, rank 0 gathers in batches and this rank is in a later one; the rank
 * waits again, with a fresh deadline. Never sent by the one-batch gather. */
#define WPC_GO_LATER 2u

static size_t n_chunks(size_t len) { return (len + WPC_CHUNK - 1) / WPC_CHUNK; }

static int chunk_len(size_t len, size_t i) {
  size_t left = len - i * WPC_CHUNK;
  return (int)(left < WPC_CHUNK ? left : WPC_CHUNK);
}

/* ---- rank 0 ---------------------------------------------------------------------------------- */

struct root_gather {
  uint32_t gseq;
  int n;
  struct wpc_blob *sizes;  /* n wpc_size_msg; a blob so an uncancellable receive can keep it */
  MPI_Request *req;        /* n size receives, then the data receives */
  int *idx;
  int *owner;              /* data request -> rank */
  int *want;               /* data request -> the bytes it must bring */
  int *have_size;
  int *failed;
  int nreq;                /* data requests posted */
};

static struct wpc_size_msg *size_of(struct root_gather *g, int r) {
  return (struct wpc_size_msg *)g->sizes->data + r;
}

static int post_size(struct wpc_ctx *ctx, struct root_gather *g, int r) {
  int rc = PMPI_Irecv(size_of(g, r), (int)sizeof(struct wpc_size_msg), MPI_BYTE, r, WPC_TAG_SIZE, ctx->comm,
                      &g->req[r]);
  return rc == MPI_SUCCESS ? WPC_OK : wpc_mpi_failed(ctx, "MPI_Irecv", rc);
}

/* Ranks not missing at the last sync point (all of them unless a sync point broke). */
static int count_expected(const struct wpc_ctx *ctx, int n) {
  const struct wpc_priv *p = ctx->priv;
  int expected = 0;
  for (int r = 1; r < n; r++) expected += !(p && p->was_missing && p->was_missing[r]);
  return expected;
}

/* Ranks that left this session for another: not waited for. */
static int count_left(const struct wpc_ctx *ctx, const struct root_gather *g) {
  const struct wpc_priv *p = ctx->priv;
  int left = 0;
  for (int r = 1; r < g->n; r++) left += p && p->left && p->left[r] && !g->have_size[r];
  return left;
}

/* Gather keys in order: a stop's (its window number), then the counted ones, then the final gather. */
static int key_later(uint32_t a, uint32_t b) { return a > b; }

/* A size received for another gather: one of a later gather is held for it (its rank has skipped this
 * one and is not waited for here), one of an earlier gather is dropped. 1: held. */
static int hold_size(struct wpc_ctx *ctx, struct root_gather *g, int r) {
  struct wpc_priv *p = ctx->priv;
  if (!p->size_held || !key_later(size_of(g, r)->gseq, g->gseq)) return 0;
  p->held_size[r] = *size_of(g, r);
  p->size_held[r] = 1;
  return 1;
}

/* Before posting rank r's receive: a size held from an earlier call, if it is for this gather (used),
 * or a later one (rank r skipped this gather). 1: r needs no receive. */
static int take_held(struct wpc_ctx *ctx, struct root_gather *g, int r, int *got, int *ahead) {
  struct wpc_priv *p = ctx->priv;
  if (!p->size_held || !p->size_held[r]) return 0;
  if (p->held_size[r].gseq == g->gseq) {
    *size_of(g, r) = p->held_size[r];
    p->size_held[r] = 0;
    g->have_size[r] = 1;
    (*got)++;
    return 1;
  }
  if (key_later(p->held_size[r].gseq, g->gseq)) {
    (*ahead)++;
    return 1;
  }
  p->size_held[r] = 0; /* of an earlier gather */
  return 0;
}

/* Sizes until every rank told its own, or the deadline. A size of an earlier gather is dropped, one of
 * a later gather held for it. With `grace` (a stop's gather, right after the window's end sync point),
 * ranks missing at the window's start are not waited for (they make no stop of it), and ranks missing
 * at its end only WPC_GRACE_MS once all the others told theirs. On an MPI failure the receives still posted are settled all the same. */
static int collect_sizes(struct wpc_ctx *ctx, struct root_gather *g, int64_t deadline, int grace) {
  int got = 0, got_expected = 0, ahead = 0, rc = WPC_OK;
  int64_t t0 = wpc_now_ns();
  int expected = grace ? count_expected(ctx, g->n) : g->n - 1;
  const unsigned char *was_missing = grace ? ((struct wpc_priv *)ctx->priv)->was_missing : NULL;
  int64_t grace_end = t0 + wpc_ms_ns(WPC_GRACE_MS < ctx->timeout_ms ? WPC_GRACE_MS : ctx->timeout_ms);
  const unsigned char *absent = grace ? ((struct wpc_priv *)ctx->priv)->absent : NULL;
  for (int r = 1; r < g->n && rc == WPC_OK; r++) {
    int before = got;
    if (absent && absent[r] && !(((struct wpc_priv *)ctx->priv)->size_held[r])) {
      ahead++; /* missing at this window's start: it makes no stop of this window */
      continue;
    }
    if (take_held(ctx, g, r, &got, &ahead)) {
      got_expected += got > before && !(was_missing && was_missing[r]);
      continue;
    }
    rc = post_size(ctx, g, r);
  }
  while (rc == WPC_OK && got + ahead + count_left(ctx, g) < g->n - 1 && wpc_now_ns() < deadline) {
    if (got_expected + ahead >= expected && wpc_now_ns() >= grace_end) break;
    wpc_note_leavers(ctx);
    int done = 0;
    rc = wpc_poll_ranks(ctx, g->n, g->req, g->idx, t0, &done);
    for (int i = 0; i < done && rc == WPC_OK; i++) {
      int r = g->idx[i];
      if (size_of(g, r)->gseq != g->gseq) {
        if (hold_size(ctx, g, r)) ahead++;
        else rc = post_size(ctx, g, r);
        continue;
      }
      g->have_size[r] = 1;
      got++;
      got_expected += !(was_missing && was_missing[r]);
    }
  }
  for (int r = 1; r < g->n; r++) { /* the silent ones: cancel, or leave their receive to finalize */
    if (g->req[r] == MPI_REQUEST_NULL) continue;
    int cancelled = 0;
    if (!wpc_cancel_wait(&g->req[r], wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS), &cancelled))
      wpc_pending_add(ctx, g->req[r], g->sizes, 1);
    else if (!cancelled && size_of(g, r)->gseq == g->gseq)
      g->have_size[r] = 1; /* arrived while we gave up */
    else if (!cancelled)
      hold_size(ctx, g, r);
    g->req[r] = MPI_REQUEST_NULL;
  }
  return rc;
}

static int send_go(struct wpc_ctx *ctx, uint32_t gseq, int r, int take) {
  struct wpc_blob *b = wpc_blob_new(sizeof(struct wpc_go_msg));
  if (!b) return WPC_ENOMEM;
  ((struct wpc_go_msg *)b->data)->gseq = gseq;
  ((struct wpc_go_msg *)b->data)->take = (uint32_t)take;
  MPI_Request req;
  int rc = PMPI_Isend(b->data, (int)sizeof(struct wpc_go_msg), MPI_BYTE, r, WPC_TAG_GO, ctx->comm, &req);
  if (rc == MPI_SUCCESS) wpc_pending_add(ctx, req, b, 0);
  wpc_blob_unref(b);
  return rc == MPI_SUCCESS ? WPC_OK : wpc_mpi_failed(ctx, "MPI_Isend", rc);
}

/* For each rank heard from: a buffer, its data receives posted (counted in g->nreq), then "go". A
 * rank not heard from gets "go, but not you": if it is merely late, it need not wait any longer. */
static int post_data(struct wpc_ctx *ctx, struct root_gather *g, uint8_t **bufs, size_t *lens, size_t max_req,
                     int lo, int hi) {
  for (int r = lo; r < hi; r++) {
    if (!g->have_size[r]) {
      int rc = send_go(ctx, g->gseq, r, 0);
      if (rc != WPC_OK) return rc;
      continue;
    }
    /* data from r on this tag now is stale (an earlier gather 16 keys back that rank 0 gave up on):
     * this gather's leaves r only after the "go" below, and must not meet that one's receive */
    while (wpc_drain_one(ctx, r, wpc_data_tag(g->gseq), wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS)) == 1) {
    }
    uint64_t len = size_of(g, r)->len;
    size_t nc = n_chunks((size_t)len);
    bufs[r] = malloc(len ? (size_t)len : 1);
    if (!bufs[r] || (size_t)g->nreq + nc > max_req) { /* no room: that rank is left out */
      free(bufs[r]);
      bufs[r] = NULL;
      g->failed[r] = 1;
      int rc = send_go(ctx, g->gseq, r, 0);
      if (rc != WPC_OK) return rc;
      continue;
    }
    lens[r] = (size_t)len;
    for (size_t c = 0; c < nc; c++) {
      int rc = PMPI_Irecv(bufs[r] + c * WPC_CHUNK, chunk_len(len, c), MPI_BYTE, r, wpc_data_tag(g->gseq),
                          ctx->comm, &g->req[g->nreq]);
      if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Irecv", rc);
      g->want[g->nreq] = chunk_len(len, c);
      g->owner[g->nreq++] = r;
    }
    int rc = send_go(ctx, g->gseq, r, 1);
    if (rc != WPC_OK) return rc;
  }
  return WPC_OK;
}

static int wait_data(struct wpc_ctx *ctx, struct root_gather *g, int nreq, int64_t deadline) {
  int left = nreq;
  int64_t t0 = wpc_now_ns();
  MPI_Status *st = malloc((size_t)(nreq ? nreq : 1) * sizeof(*st));
  if (!st) return WPC_ENOMEM;
  while (left > 0 && wpc_now_ns() < deadline) {
    int outc = 0;
    int mrc = PMPI_Testsome(nreq, g->req, &outc, g->idx, st);
    if (mrc != MPI_SUCCESS && mrc != MPI_ERR_IN_STATUS) {
      free(st);
      return wpc_mpi_failed(ctx, "MPI_Testsome", mrc);
    }
    if (outc == MPI_UNDEFINED || outc == 0) {
      wpc_pause(t0);
      continue;
    }
    for (int i = 0; i < outc; i++) {
      int r = g->owner[g->idx[i]], count = -1;
      if (mrc == MPI_ERR_IN_STATUS && st[i].MPI_ERROR != MPI_SUCCESS) g->failed[r] = 1; /* e.g. truncated */
      /* a shorter message is no error to MPI: the rank's data is incomplete all the same */
      else if (PMPI_Get_count(&st[i], MPI_BYTE, &count) != MPI_SUCCESS || count != g->want[g->idx[i]])
        g->failed[r] = 1;
    }
    left -= outc;
  }
  free(st);
  return WPC_OK;
}

/* Ranks whose data is incomplete at the deadline: receives cancelled (or their buffers handed over
 * to finalize, never freed under MPI), and the rank reported absent. */
static int drop_late(struct wpc_ctx *ctx, struct root_gather *g, int nreq, uint8_t **bufs, size_t *lens, int lo,
                     int hi) {
  for (int k = 0; k < nreq; k++) {
    if (g->req[k] == MPI_REQUEST_NULL) continue;
    int cancelled = 0, r = g->owner[k];
    if (!wpc_cancel_wait(&g->req[k], wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS), &cancelled)) {
      g->failed[r] = 2; /* buffer must outlive the request */
      wpc_pending_add(ctx, g->req[k], NULL, 1);
    } else if (!g->failed[r]) {
      g->failed[r] = 1;
    }
  }
  int missing = 0;
  for (int r = lo; r < hi; r++) {
    if (g->failed[r] == 2) {
      struct wpc_priv *p = ctx->priv;
      p->leaked_bytes += lens[r];
      wpc_set_note(ctx, "rank %d's data did not arrive in time; its %zu-byte receive buffer is kept for MPI",
                   r, lens[r]);
    } else if (g->failed[r]) {
      free(bufs[r]);
    }
    if (g->failed[r] || !g->have_size[r]) {
      bufs[r] = NULL;
      lens[r] = 0;
      missing++;
    }
  }
  return missing;
}

static void root_gather_free(struct root_gather *g) {
  wpc_blob_unref(g->sizes);
  free(g->req);
  free(g->idx);
  free(g->owner);
  free(g->want);
  free(g->have_size);
  free(g->failed);
}

/* Request slots: one size receive per rank, then data chunks (one per GiB) for at most 64 GiB a
 * rank on average before a rank is left out for lack of slots. */
static int root_gather_alloc(struct root_gather *g, uint32_t gseq, int size, size_t max_req) {
  size_t n = (size_t)size;
  *g = (struct root_gather){.gseq = gseq, .n = size};
  g->sizes = wpc_blob_new(n * sizeof(struct wpc_size_msg));
  g->req = malloc(max_req * sizeof(*g->req));
  g->idx = malloc(max_req * sizeof(*g->idx));
  g->owner = calloc(max_req, sizeof(*g->owner));
  g->want = calloc(max_req, sizeof(*g->want));
  g->have_size = calloc(n, sizeof(int));
  g->failed = calloc(n, sizeof(int));
  if (!g->sizes || !g->req || !g->idx || !g->owner || !g->want || !g->have_size || !g->failed) {
    root_gather_free(g);
    return WPC_ENOMEM;
  }
  for (size_t i = 0; i < max_req; i++) g->req[i] = MPI_REQUEST_NULL;
  return WPC_OK;
}

static int root_gather(struct wpc_ctx *ctx, uint32_t gseq, uint8_t **bufs, size_t *lens, int grace) {
  struct root_gather g;
  size_t max_req = 64 * (size_t)ctx->size;
  if (root_gather_alloc(&g, gseq, ctx->size, max_req) != WPC_OK) return WPC_ENOMEM;
  int64_t t0 = wpc_now_ns();
  int rc = collect_sizes(ctx, &g, t0 + wpc_ms_ns(ctx->timeout_ms), grace);
  if (rc == WPC_OK) rc = post_data(ctx, &g, bufs, lens, max_req, 1, g.n);
  if (rc == WPC_OK) rc = wait_data(ctx, &g, g.nreq, wpc_now_ns() + wpc_ms_ns(ctx->timeout_ms));
  int missing = drop_late(ctx, &g, g.nreq, bufs, lens, 1, g.n);
  root_gather_free(&g);
  if (rc != WPC_OK) return rc;
  return missing ? WPC_ETIMEOUT : WPC_OK;
}

/* ---- other ranks ----------------------------------------------------------------------------- */

static int send_size(struct wpc_ctx *ctx, uint32_t gseq, size_t len) {
  struct wpc_blob *b = wpc_blob_new(sizeof(struct wpc_size_msg));
  if (!b) return WPC_ENOMEM;
  struct wpc_size_msg *m = (struct wpc_size_msg *)b->data;
  m->gseq = gseq;
  m->len = len;
  MPI_Request req;
  int rc = PMPI_Isend(m, (int)sizeof(*m), MPI_BYTE, 0, WPC_TAG_SIZE, ctx->comm, &req);
  if (rc == MPI_SUCCESS) wpc_pending_add(ctx, req, b, 0);
  wpc_blob_unref(b);
  return rc == MPI_SUCCESS ? WPC_OK : wpc_mpi_failed(ctx, "MPI_Isend", rc);
}

/* Polls for rank 0's "go" for this gather until the deadline; an older gather's go is dropped, a "later"
 * renews the deadline. WPC_OK: send; WPC_ETIMEOUT: rank 0 went on without this rank; WPC_PENDING:
 * nothing yet (*req still posted). */
int wpc_poll_go(struct wpc_ctx *ctx, uint32_t gseq, struct wpc_blob *b, MPI_Request *req, int64_t deadline) {
  struct wpc_go_msg *m = (struct wpc_go_msg *)b->data;
  int64_t t0 = wpc_now_ns();
  for (;;) {
    if (*req == MPI_REQUEST_NULL) {
      int mrc = PMPI_Irecv(m, (int)sizeof(*m), MPI_BYTE, 0, WPC_TAG_GO, ctx->comm, req);
      if (mrc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Irecv", mrc);
    }
    int flag = 0;
    int mrc = PMPI_Test(req, &flag, MPI_STATUS_IGNORE);
    if (mrc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Test", mrc);
    if (flag && m->gseq == gseq && m->take == WPC_GO_LATER) { /* a batched gather: our turn comes later */
      deadline = wpc_now_ns() + wpc_ms_ns(2 * (int64_t)ctx->timeout_ms);
      continue;
    }
    if (flag && m->gseq == gseq) return m->take ? WPC_OK : WPC_ETIMEOUT;
    if (flag) continue; /* stale: re-post */
    if (wpc_session_dropped(ctx)) return WPC_EDROPPED;
    if (wpc_now_ns() >= deadline) return WPC_PENDING;
    wpc_pause(t0);
  }
}

/* Waits for rank 0's "go" for this gather until the deadline. With `hand_over` (the finalize gather),
 * a rank 0 not there yet is not given up on: the receive and the data are kept for
 * wpc_handover_finish, and WPC_PENDING returned. */
static int wait_go(struct wpc_ctx *ctx, uint32_t gseq, int64_t deadline, struct wpc_blob *hand_over) {
  struct wpc_blob *b = wpc_blob_new(sizeof(struct wpc_go_msg));
  if (!b) return WPC_ENOMEM;
  struct wpc_go_msg *m = (struct wpc_go_msg *)b->data;
  MPI_Request req = MPI_REQUEST_NULL;
  int rc = wpc_poll_go(ctx, gseq, b, &req, deadline);
  if (rc == WPC_PENDING && hand_over) {
    struct wpc_handover *h = &((struct wpc_priv *)ctx->priv)->handover;
    *h = (struct wpc_handover){.active = 1, .gseq = gseq, .data = hand_over, .go = b, .req = req};
    hand_over->refs++;
    return WPC_PENDING;
  }
  if (rc == WPC_PENDING) rc = WPC_ETIMEOUT;
  if (rc == WPC_EDROPPED) { /* nobody will answer: the receive goes at wpc_finalize */
    wpc_pending_add(ctx, req, b, 1);
    wpc_blob_unref(b);
    return rc;
  }
  if (req != MPI_REQUEST_NULL) {
    int cancelled = 0;
    if (!wpc_cancel_wait(&req, wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS), &cancelled))
      wpc_pending_add(ctx, req, b, 1);
    else if (!cancelled && m->gseq == gseq)
      rc = m->take == 1 ? WPC_OK : WPC_ETIMEOUT;
    else
      wpc_set_note(ctx, "no \"go\" from rank 0 by this rank's gather deadline");
  } else if (rc == WPC_ETIMEOUT) {
    wpc_set_note(ctx, "rank 0 went on without this rank's data (its size came after rank 0's deadline)");
  }
  wpc_blob_unref(b);
  return rc;
}

/* Sends the data in chunks and waits for them until the deadline. Sends still running then keep the
 * copy alive (leaked, with a note): MPI may still be reading it. */
int wpc_send_data(struct wpc_ctx *ctx, uint32_t gseq, struct wpc_blob *data, int64_t deadline) {
  size_t nc = n_chunks(data->len);
  MPI_Request *req = malloc((nc ? nc : 1) * sizeof(*req));
  if (!req) return WPC_ENOMEM;
  int rc = WPC_OK;
  size_t posted = 0;
  for (; posted < nc; posted++) {
    int mrc = PMPI_Isend(data->data + posted * WPC_CHUNK, chunk_len(data->len, posted), MPI_BYTE, 0,
                         wpc_data_tag(gseq), ctx->comm, &req[posted]);
    if (mrc != MPI_SUCCESS) {
      rc = wpc_mpi_failed(ctx, "MPI_Isend", mrc);
      break;
    }
  }
  int done = posted == 0;
  int64_t t0 = wpc_now_ns();
  while (!done && rc == WPC_OK && wpc_now_ns() < deadline) {
    int mrc = PMPI_Testall((int)posted, req, &done, MPI_STATUSES_IGNORE);
    if (mrc != MPI_SUCCESS) rc = wpc_mpi_failed(ctx, "MPI_Testall", mrc);
    else if (!done) wpc_pause(t0);
  }
  if (!done) {
    for (size_t i = 0; i < posted; i++)
      if (req[i] != MPI_REQUEST_NULL) wpc_pending_add(ctx, req[i], data, 0);
    wpc_set_note(ctx, "rank 0 did not take this rank's %zu bytes in time; the send buffer is kept for MPI",
                 data->len);
    if (rc == WPC_OK) rc = WPC_ETIMEOUT;
  }
  free(req);
  return rc;
}

static int leaf_gather(struct wpc_ctx *ctx, uint32_t gseq, const uint8_t *mine, size_t len, int hand_over) {
  struct wpc_blob *data = wpc_blob_new(len); /* our copy: the caller may free theirs at once */
  if (!data) return WPC_ENOMEM;
  if (len) memcpy(data->data, mine, len);
  int64_t t0 = wpc_now_ns();
  int rc = send_size(ctx, gseq, len);
  /* Rank 0 waits timeout_ms for sizes from its own arrival; we may be early, hence twice that. */
  if (rc == WPC_OK) rc = wait_go(ctx, gseq, t0 + wpc_ms_ns(2 * (int64_t)ctx->timeout_ms), hand_over ? data : NULL);
  if (rc == WPC_OK) rc = wpc_send_data(ctx, gseq, data, wpc_now_ns() + wpc_ms_ns(ctx->timeout_ms + WPC_GRACE_MS));
  wpc_blob_unref(data);
  return rc;
}

int wpc_gather(struct wpc_ctx *ctx, const uint8_t *mine, size_t len, uint8_t ***bufs, size_t **lens) {
  uint32_t key = WPC_GATHER_KEY_COUNTED;
  if (ctx->priv) key += ((struct wpc_priv *)ctx->priv)->gseq++;
  return wpc_gather_keyed(ctx, key, mine, len, bufs, lens);
}

int wpc_gather_keyed(struct wpc_ctx *ctx, uint32_t key, const uint8_t *mine, size_t len, uint8_t ***bufs,
                     size_t **lens) {
  *bufs = NULL;
  *lens = NULL;
  if (!mine) len = 0;
  if (ctx->rank != 0) {
    if (ctx->size <= 1 || !ctx->priv || !wpc_live(ctx)) return WPC_EMPI;
    wpc_pending_poll(ctx);
    return leaf_gather(ctx, key, mine, len, 0);
  }
  size_t n = (size_t)(ctx->size > 0 ? ctx->size : 1);
  uint8_t **b = calloc(n, sizeof(*b));
  size_t *l = calloc(n, sizeof(*l));
  if (!b || !l || !(b[0] = malloc(len ? len : 1))) {
    free(b);
    free(l);
    return WPC_ENOMEM;
  }
  if (len) memcpy(b[0], mine, len);
  l[0] = len;
  *bufs = b;
  *lens = l;
  if (ctx->size <= 1) return WPC_OK;
  if (!ctx->priv || !wpc_live(ctx)) return WPC_EMPI;
  wpc_pending_poll(ctx);
  return root_gather(ctx, key, b, l, key < WPC_GATHER_KEY_COUNTED);
}

void wpc_gather_free(struct wpc_ctx *ctx, uint8_t **bufs, size_t *lens) {
  if (bufs)
    for (int r = 0; r < ctx->size; r++) free(bufs[r]);
  free(bufs);
  free(lens);
}

/* ---- batched gather (rank 0 bounded by max_bytes) --------------------------------------------- */

/* The end of the batch starting at rank lo: consecutive ranks whose sizes add up to at most max_bytes
 * (at least one rank, however large). Ranks not heard from weigh nothing. */
int wpc_gather_plan_batch(const uint64_t *sizes, const int *have_size, int n, int lo, uint64_t max_bytes) {
  uint64_t total = 0;
  int hi = lo;
  for (; hi < n; hi++) {
    uint64_t len = have_size[hi] ? sizes[hi] : 0;
    if (hi > lo && (total + len > max_bytes || total + len < total)) break;
    total += len;
  }
  return hi;
}

/* Ranks in later batches hear "later" so they keep waiting, with a fresh deadline, for their go. A
 * rank may hear it several times: each renews its deadline. */
static int tell_later(struct wpc_ctx *ctx, struct root_gather *g, int from) {
  for (int r = from; r < g->n; r++) {
    if (!g->have_size[r]) continue;
    int rc = send_go(ctx, g->gseq, r, (int)WPC_GO_LATER);
    if (rc != WPC_OK) return rc;
  }
  return WPC_OK;
}

/* One batch [lo, hi): buffers, receives, go, the deadline, then each rank handed over in rank order
 * (NULL for a rank that did not deliver) and its buffer freed. */
static int gather_batch(struct wpc_ctx *ctx, struct root_gather *g, uint8_t **bufs, size_t *lens, size_t max_req,
                        int lo, int hi, wpc_deliver_fn deliver, void *arg, int *missing) {
  g->nreq = 0;
  int rc = post_data(ctx, g, bufs, lens, max_req, lo, hi);
  if (rc == WPC_OK) rc = wait_data(ctx, g, g->nreq, wpc_now_ns() + wpc_ms_ns(ctx->timeout_ms));
  *missing += drop_late(ctx, g, g->nreq, bufs, lens, lo, hi);
  for (int k = 0; k < g->nreq; k++) g->req[k] = MPI_REQUEST_NULL; /* done, cancelled or handed over */
  for (int r = lo; r < hi; r++) {
    deliver(arg, r, bufs[r], lens[r]);
    free(bufs[r]);
    bufs[r] = NULL;
  }
  return rc;
}

static int root_gather_batched(struct wpc_ctx *ctx, uint32_t gseq, const uint8_t *mine, size_t len,
                               uint64_t max_bytes, wpc_deliver_fn deliver, void *arg, int *nbatches) {
  struct root_gather g;
  size_t n = (size_t)ctx->size, max_req = 64 * n;
  uint8_t **bufs = calloc(n, sizeof(*bufs));
  size_t *lens = calloc(n, sizeof(*lens));
  uint64_t *sizes = calloc(n, sizeof(*sizes));
  int rc = bufs && lens && sizes ? root_gather_alloc(&g, gseq, ctx->size, max_req) : WPC_ENOMEM;
  if (rc != WPC_OK) {
    free(bufs), free(lens), free(sizes);
    deliver(arg, 0, mine, len);
    for (int r = 1; r < ctx->size; r++) deliver(arg, r, NULL, 0);
    return rc;
  }
  rc = collect_sizes(ctx, &g, wpc_now_ns() + wpc_ms_ns(ctx->timeout_ms), gseq < WPC_GATHER_KEY_COUNTED);
  deliver(arg, 0, mine, len); /* after the sizes: their deadline runs from rank 0's arrival, as in wpc_gather */
  for (int r = 1; r < g.n; r++) sizes[r] = g.have_size[r] ? size_of(&g, r)->len : 0;
  int missing = 0, lo = 1;
  int64_t last_told = 0;
  if (rc != WPC_OK) lo = g.n; /* MPI failed: every other rank is missing */
  while (lo < g.n) {
    int hi = wpc_gather_plan_batch(sizes, g.have_size, g.n, lo, max_bytes);
    (*nbatches)++;
    /* "later" renews a waiting rank's deadline by 2 x timeout: telling them at most every half
     * timeout is plenty, and the messages grow with ranks x the gather's duration, not x batches */
    int64_t now = wpc_now_ns();
    if (hi < g.n && (*nbatches == 1 || now - last_told >= wpc_ms_ns(ctx->timeout_ms) / 2)) {
      rc = tell_later(ctx, &g, hi);
      last_told = now;
    }
    if (rc == WPC_OK) rc = gather_batch(ctx, &g, bufs, lens, max_req, lo, hi, deliver, arg, &missing);
    lo = hi;
    if (rc != WPC_OK) break;
  }
  for (int r = lo; r < g.n; r++) { /* after an MPI failure: the rest are missing */
    deliver(arg, r, NULL, 0);
    missing++;
  }
  root_gather_free(&g);
  free(bufs), free(lens), free(sizes);
  if (rc != WPC_OK) return rc;
  return missing ? WPC_ETIMEOUT : WPC_OK;
}

int wpc_gather_batched(struct wpc_ctx *ctx, const uint8_t *mine, size_t len, uint64_t max_bytes,
                       wpc_deliver_fn deliver, void *arg, int *nbatches) {
  return wpc_gather_batched_keyed(ctx, WPC_GATHER_KEY_FINAL, mine, len, max_bytes, deliver, arg, nbatches);
}

int wpc_gather_batched_keyed(struct wpc_ctx *ctx, uint32_t key, const uint8_t *mine, size_t len,
                             uint64_t max_bytes, wpc_deliver_fn deliver, void *arg, int *nbatches) {
  int unused;
  if (!nbatches) nbatches = &unused;
  *nbatches = 0;
  if (!mine) len = 0;
  if (ctx->rank != 0) {
    if (ctx->size <= 1 || !ctx->priv || !wpc_live(ctx)) return WPC_EMPI;
    wpc_pending_poll(ctx);
    return leaf_gather(ctx, key, mine, len, key == WPC_GATHER_KEY_FINAL);
  }
  if (ctx->size <= 1 || !ctx->priv || !wpc_live(ctx)) {
    deliver(arg, 0, mine, len);
    for (int r = 1; r < ctx->size; r++) deliver(arg, r, NULL, 0);
    return ctx->size <= 1 ? WPC_OK : WPC_EMPI;
  }
  wpc_pending_poll(ctx);
  return root_gather_batched(ctx, key, mine, len, max_bytes, deliver, arg, nbatches);
}
