/* collectives: sync points. Each non-root rank sends arrived(seq, settings) to rank 0 and polls for
 * release(seq, missing, rank 0's settings); rank 0 releases when all arrived or its deadline passed.
 * Point-to-point on purpose (docs/design.md): it says who is missing and can be abandoned cleanly. */
#include <string.h>

#include "wpc_internal.h"

static int seq_before(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

static int min_int(int a, int b) { return a < b ? a : b; }

/* ---- rank 0 ---------------------------------------------------------------------------------- */

static int post_slot(struct wpc_ctx *ctx, int r) {
  struct wpc_priv *p = ctx->priv;
  int rc = PMPI_Irecv(&p->slot_msg[r], (int)sizeof(p->slot_msg[r]), MPI_BYTE, r, WPC_TAG_ARRIVE, ctx->comm,
                      &p->slot_req[r]);
  p->slot_state[r] = rc == MPI_SUCCESS ? WPC_SLOT_POSTED : WPC_SLOT_IDLE;
  return rc == MPI_SUCCESS ? WPC_OK : wpc_mpi_failed(ctx, "MPI_Irecv", rc);
}

static int slot_here(const struct wpc_priv *p, int r, uint32_t seq) {
  return p->slot_state[r] == WPC_SLOT_HAVE && p->slot_msg[r].seq == seq;
}

/* A received arrival: one of an abandoned sync point is dropped (and the receive re-posted); one for
 * a later sync point stays held, so that rank counts as missing here and arrived there. */
static int take_slot(struct wpc_ctx *ctx, int r, uint32_t seq, int *here) {
  struct wpc_priv *p = ctx->priv;
  *here = 0;
  if (p->slot_state[r] == WPC_SLOT_IDLE) return post_slot(ctx, r);
  if (p->slot_state[r] != WPC_SLOT_HAVE) return WPC_OK;
  if (seq_before(p->slot_msg[r].seq, seq)) return post_slot(ctx, r);
  wpc_agree_sanitize(&p->slot_msg[r].agree);
  *here = p->slot_msg[r].seq == seq;
  return WPC_OK;
}

struct root_count {
  int arrived;         /* other ranks here */
  int expected;        /* other ranks not missing at the last sync point */
  int expected_arrived;
};

static int note_slot(struct wpc_ctx *ctx, int r, uint32_t seq, struct root_count *c) {
  struct wpc_priv *p = ctx->priv;
  int here = 0;
  int rc = take_slot(ctx, r, seq, &here);
  if (here) {
    /* T2 of this rank's clock sample: when rank 0 took the arrival, however long it sat waiting (that
     * wait counts into the sample's delay, so it widens the error bound instead of biasing it) */
    p->arrive_t2[r] = wpc_clock_read(ctx);
    c->arrived++;
    c->expected_arrived += !p->was_missing[r];
  }
  return rc;
}

/* Waits for the arrivals: all of them, or until timeout_ms since rank 0's own arrival; after a
 * break, ranks that were missing last time get only the grace period. */
static int root_collect(struct wpc_ctx *ctx, uint32_t seq) {
  struct wpc_priv *p = ctx->priv;
  int n = ctx->size, rc = WPC_OK;
  int64_t t0 = wpc_now_ns();
  int64_t full = t0 + wpc_ms_ns(ctx->timeout_ms);
  int64_t grace = t0 + wpc_ms_ns(min_int(ctx->timeout_ms, WPC_GRACE_MS));
  struct root_count c = {0, 0, 0};
  for (int r = 1; r < n && rc == WPC_OK; r++) {
    c.expected += !p->was_missing[r];
    rc = note_slot(ctx, r, seq, &c);
  }
  while (rc == WPC_OK && c.arrived < n - 1) {
    int64_t t = wpc_now_ns();
    if (t >= full || (t >= grace && c.expected_arrived == c.expected)) break;
    int done = 0;
    int mrc = wpc_poll_ranks(ctx, n, p->slot_req, p->idx, t0, &done);
    if (mrc != WPC_OK) return mrc;
    for (int i = 0; i < done && rc == WPC_OK; i++) {
      int r = p->idx[i];
      p->slot_state[r] = WPC_SLOT_HAVE;
      rc = note_slot(ctx, r, seq, &c);
    }
  }
  return rc;
}

/* One release per rank (in one buffer): each carries that rank's T2 and its own T3, so the rank gets a
 * clock sample from this sync point at the price of a copy of the ~560-byte message per rank. */
static int root_release(struct wpc_ctx *ctx, uint32_t seq, const struct wpc_agree_wire *own,
                        struct wpc_sync_result *res) {
  struct wpc_priv *p = ctx->priv;
  size_t n_other = (size_t)ctx->size - 1;
  struct wpc_blob *b = wpc_blob_new(n_other * sizeof(struct wpc_release_msg));
  if (!b) return WPC_ENOMEM;
  struct wpc_release_msg common, *m = &common;
  memset(m, 0, sizeof(*m));
  m->seq = seq;
  m->agree = *own;
  for (int r = 1; r < ctx->size; r++) {
    if (slot_here(p, r, seq)) continue;
    if (m->n_missing < WPC_MISSING_LISTED) m->missing[m->n_missing] = r;
    m->n_missing++;
  }
  res->n_missing = m->n_missing;
  memcpy(res->missing, m->missing, sizeof(res->missing));
  /* Everyone gets the release, missing ranks too: one that is merely late finds it waiting. */
  int rc = WPC_OK;
  for (int r = 1; r < ctx->size && rc == WPC_OK; r++) {
    struct wpc_release_msg *mr = (struct wpc_release_msg *)b->data + (r - 1);
    memcpy(mr, m, sizeof(*m)); /* padding included: zeroed */
    mr->t2 = slot_here(p, r, seq) ? p->arrive_t2[r] : 0;
    mr->t3 = wpc_clock_read(ctx);
    MPI_Request req;
    int mrc = PMPI_Isend(mr, (int)sizeof(*mr), MPI_BYTE, r, wpc_release_tag(seq), ctx->comm, &req);
    if (mrc != MPI_SUCCESS) rc = wpc_mpi_failed(ctx, "MPI_Isend", mrc);
    else wpc_pending_add(ctx, req, b, 0);
  }
  wpc_blob_unref(b);
  return rc;
}

/* After the release: settings of the ranks that came, and who to wait for only briefly next time. */
static int root_settle(struct wpc_ctx *ctx, uint32_t seq, const struct wpc_agree_wire *own,
                       struct wpc_sync_result *res) {
  struct wpc_priv *p = ctx->priv;
  int rc = WPC_OK;
  for (int r = 1; r < ctx->size; r++) {
    int here = slot_here(p, r, seq);
    p->was_missing[r] = !here;
    if (!here) continue;
    if (wpc_agree_differs(&p->slot_msg[r].agree, own)) {
      res->n_disagree++;
      wpc_agree_note(res->disagree_note, sizeof(res->disagree_note), r, &p->slot_msg[r].agree, own, p->agree,
                     p->n_agree);
    }
    if (rc == WPC_OK) rc = post_slot(ctx, r);
  }
  return rc;
}

static int root_sync(struct wpc_ctx *ctx, uint32_t seq, const struct wpc_agree_wire *own,
                     struct wpc_sync_result *res) {
  int rc = root_collect(ctx, seq);
  if (rc != WPC_OK) return rc;
  if ((rc = root_release(ctx, seq, own, res)) != WPC_OK) return rc;
  rc = root_settle(ctx, seq, own, res);
  res->complete = res->n_missing == 0;
  if (!res->complete) ctx->degraded = 1;
  if (rc != WPC_OK) return rc;
  return res->complete ? WPC_OK : WPC_ETIMEOUT;
}

/* ---- other ranks ----------------------------------------------------------------------------- */

/* A release from rank 0 shows it is still doing sync points. Releases of abandoned sync points are
 * taken and dropped here, so they do not pile up. Its gather messages ("go") are no sign of life:
 * a rank 0 that has gone on to finalize will never release this sync point, and such a message,
 * never taken here, would otherwise make every later sync point wait the full deadline again. */
static int root_alive(struct wpc_ctx *ctx, int current_tag) {
  int flag = 0;
  MPI_Status st;
  if (PMPI_Iprobe(0, MPI_ANY_TAG, ctx->comm, &flag, &st) != MPI_SUCCESS || !flag) return 0;
  int tag = st.MPI_TAG;
  if (tag < WPC_TAG_REL_BASE || tag >= WPC_TAG_REL_BASE + WPC_TAG_REL_RANGE) return 0;
  if (tag != current_tag) wpc_drain_one(ctx, 0, tag, wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS));
  return 1;
}

/* NTP from this rank's side: T1 its arrival sent, T2 rank 0 took it, T3 rank 0 sent the release, T4
 * this rank took it. Rank 0's hold (T3 - T2) cancels out of both the offset and the delay. */
static void leaf_clock(const struct wpc_release_msg *m, int64_t t1, int64_t t4, struct wpc_clock_sample *out) {
  memset(out, 0, sizeof(*out));
  if (m->t2 == 0 || m->t3 == 0 || t1 == 0 || t4 == 0) return;
  int64_t delay = (t4 - t1) - (m->t3 - m->t2);
  if (delay < 0) return; /* a clock stepped under us: no sample */
  out->valid = 1;
  out->local_ns = t1 + (t4 - t1) / 2;
  out->offset_ns = ((t1 - m->t2) + (t4 - m->t3)) / 2;
  out->delay_ns = delay;
}

static void leaf_result(struct wpc_ctx *ctx, struct wpc_release_msg *m, const struct wpc_agree_wire *own,
                        struct wpc_sync_result *res) {
  wpc_agree_sanitize(&m->agree);
  res->n_missing = m->n_missing > 0 ? m->n_missing : 0;
  int listed = min_int(res->n_missing, WPC_MISSING_LISTED);
  memcpy(res->missing, m->missing, (size_t)listed * sizeof(int));
  res->complete = res->n_missing == 0;
  if (wpc_agree_differs(own, &m->agree)) {
    res->n_disagree = 1;
    struct wpc_priv *p = ctx->priv;
    wpc_agree_note(res->disagree_note, sizeof(res->disagree_note), ctx->rank, own, &m->agree, p->agree,
                   p->n_agree);
  }
}

static int send_arrival(struct wpc_ctx *ctx, uint32_t seq, const struct wpc_agree_wire *own, int64_t *t1) {
  struct wpc_blob *b = wpc_blob_new(sizeof(struct wpc_arrive_msg));
  if (!b) return WPC_ENOMEM;
  struct wpc_arrive_msg *m = (struct wpc_arrive_msg *)b->data;
  m->seq = seq;
  m->agree = *own;
  m->t1 = *t1 = wpc_clock_read(ctx);
  MPI_Request req;
  int rc = PMPI_Isend(m, (int)sizeof(*m), MPI_BYTE, 0, WPC_TAG_ARRIVE, ctx->comm, &req);
  if (rc == MPI_SUCCESS) wpc_pending_add(ctx, req, b, 0);
  wpc_blob_unref(b);
  return rc == MPI_SUCCESS ? WPC_OK : wpc_mpi_failed(ctx, "MPI_Isend", rc);
}

/* Polls for this sync point's release until the rank's own deadline: 2 x timeout after its arrival,
 * or only the grace period while rank 0 has shown no sign of life since the last sync point. */
static int leaf_wait(struct wpc_ctx *ctx, uint32_t seq, MPI_Request *req, struct wpc_blob *rb, int *got,
                     int64_t *t4) {
  struct wpc_priv *p = ctx->priv;
  struct wpc_release_msg *m = (struct wpc_release_msg *)rb->data;
  int tag = wpc_release_tag(seq);
  int64_t t0 = wpc_now_ns();
  int64_t wait_ms = p->root_silent ? min_int(ctx->timeout_ms, WPC_GRACE_MS) : 2 * (int64_t)ctx->timeout_ms;
  int64_t deadline = t0 + wpc_ms_ns(wait_ms);
  *got = 0;
  for (;;) {
    int flag = 0;
    int rc = PMPI_Test(req, &flag, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Test", rc);
    if (flag && m->seq == seq) {
      *t4 = wpc_clock_read(ctx);
      *got = 1;
      return WPC_OK;
    }
    if (flag) { /* a release from 16384 sync points ago: not ours */
      rc = PMPI_Irecv(m, (int)sizeof(*m), MPI_BYTE, 0, tag, ctx->comm, req);
      if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Irecv", rc);
      continue;
    }
    if (wpc_now_ns() >= deadline) return WPC_ETIMEOUT;
    if (root_alive(ctx, tag) && p->root_silent) {
      p->root_silent = 0;
      deadline = t0 + wpc_ms_ns(2 * (int64_t)ctx->timeout_ms);
    }
    wpc_pause(t0);
  }
}

static int leaf_sync(struct wpc_ctx *ctx, uint32_t seq, const struct wpc_agree_wire *own,
                     struct wpc_sync_result *res) {
  struct wpc_priv *p = ctx->priv;
  struct wpc_blob *rb = wpc_blob_new(sizeof(struct wpc_release_msg));
  if (!rb) return WPC_ENOMEM;
  struct wpc_release_msg *m = (struct wpc_release_msg *)rb->data;
  MPI_Request req = MPI_REQUEST_NULL;
  int rc = PMPI_Irecv(m, (int)sizeof(*m), MPI_BYTE, 0, wpc_release_tag(seq), ctx->comm, &req);
  if (rc != MPI_SUCCESS) {
    wpc_blob_unref(rb);
    return wpc_mpi_failed(ctx, "MPI_Irecv", rc);
  }
  int got = 0;
  int64_t t1 = 0, t4 = 0;
  rc = send_arrival(ctx, seq, own, &t1);
  if (rc == WPC_OK) rc = leaf_wait(ctx, seq, &req, rb, &got, &t4);
  if (!got && req != MPI_REQUEST_NULL) {
    int cancelled = 0;
    if (!wpc_cancel_wait(&req, wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS), &cancelled))
      wpc_pending_add(ctx, req, rb, 1); /* MPI still owns the buffer */
    else if (!cancelled && m->seq == seq && rc == WPC_ETIMEOUT) {
      got = 1; /* the release came just as we gave up */
      t4 = wpc_clock_read(ctx);
    }
  }
  if (got) {
    leaf_result(ctx, m, own, res);
    leaf_clock(m, t1, t4, &res->clock);
    p->root_silent = 0;
    rc = res->complete ? WPC_OK : WPC_ETIMEOUT;
  } else {
    res->no_release = 1;
    p->root_silent = 1;
  }
  if (!res->complete) ctx->degraded = 1;
  wpc_blob_unref(rb);
  return rc;
}

int wpc_sync(struct wpc_ctx *ctx, const struct wpc_agree_item *agree, int n_agree,
             struct wpc_sync_result *res) {
  memset(res, 0, sizeof(*res));
  struct wpc_agree_wire own;
  wpc_agree_pack(&own, agree, n_agree);
  uint32_t seq = ctx->seq++;
  if (ctx->size <= 1) {
    res->complete = 1;
    return WPC_OK;
  }
  if (!ctx->priv || !wpc_live(ctx)) { /* MPI failed earlier or is gone: this rank goes on alone */
    res->no_release = 1;
    ctx->degraded = 1;
    return WPC_EMPI;
  }
  wpc_pending_poll(ctx);
  struct wpc_priv *p = ctx->priv;
  p->agree = agree;
  p->n_agree = n_agree;
  return ctx->rank == 0 ? root_sync(ctx, seq, &own, res) : leaf_sync(ctx, seq, &own, res);
}
