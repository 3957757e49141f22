/* collectives: sync points. Each non-root rank sends arrived(its arrival number, the window position it
 * is at, settings) to rank 0 and polls for the release of that arrival; rank 0 releases when all have
 * arrived or its deadline passed, and every released rank adopts the position the release carries.
 * Point-to-point on purpose (docs/design.md): it says who is missing and can be abandoned cleanly. */
#include <string.h>

#include "wpc_internal.h"

static int min_int(int a, int b) { return a < b ? a : b; }

/* ---- rank 0 ---------------------------------------------------------------------------------- */

static int post_slot(struct wpc_ctx *ctx, int r) {
  struct wpc_priv *p = ctx->priv;
  int rc = PMPI_Irecv(&p->slot_msg[r], (int)sizeof(p->slot_msg[r]), MPI_BYTE, r, WPC_TAG_ARRIVE, ctx->comm,
                      &p->slot_req[r]);
  p->slot_state[r] = rc == MPI_SUCCESS ? WPC_SLOT_POSTED : WPC_SLOT_IDLE;
  return rc == MPI_SUCCESS ? WPC_OK : wpc_mpi_failed(ctx, "MPI_Irecv", rc);
}

/* A message taken into rank r's slot: a withdrawal empties it (the rank went on without a release). */
static int took_slot(struct wpc_ctx *ctx, int r) {
  struct wpc_priv *p = ctx->priv;
  p->slot_state[r] = WPC_SLOT_HAVE;
  p->arrive_t2[r] = wpc_clock_read(ctx); /* T2 of the rank's clock sample: a hold widens its error bound */
  if (p->slot_msg[r].kind != WPC_ARRIVE) return post_slot(ctx, r);
  wpc_agree_sanitize(&p->slot_msg[r].agree);
  return WPC_OK;
}

/* Whatever rank r sent after the arrival held in its slot: a later arrival supersedes it, the
 * withdrawal of it empties the slot. Such messages are small and already here. */
static int supersede(struct wpc_ctx *ctx, int r) {
  struct wpc_priv *p = ctx->priv;
  while (p->slot_state[r] == WPC_SLOT_HAVE) {
    int flag = 0;
    MPI_Message msg;
    int rc = PMPI_Improbe(r, WPC_TAG_ARRIVE, ctx->comm, &flag, &msg, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Improbe", rc);
    if (!flag) return WPC_OK;
    struct wpc_arrive_msg next;
    memset(&next, 0, sizeof(next));
    rc = PMPI_Mrecv(&next, (int)sizeof(next), MPI_BYTE, &msg, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Mrecv", rc);
    if (next.kind == WPC_WITHDRAW && next.aseq != p->slot_msg[r].aseq) continue; /* of an older one */
    p->slot_msg[r] = next;
    if ((rc = took_slot(ctx, r)) != WPC_OK) return rc;
  }
  return WPC_OK;
}

/* One release per rank listed (in one buffer): each echoes that rank's arrival number and carries its
 * T2 and its own T3, so the rank gets a clock sample at the price of a copy of the message per rank. */
static int release_to(struct wpc_ctx *ctx, const int *ranks, int n, const struct wpc_release_msg *common) {
  struct wpc_priv *p = ctx->priv;
  if (n == 0) return WPC_OK;
  struct wpc_blob *b = wpc_blob_new((size_t)n * sizeof(struct wpc_release_msg));
  if (!b) return WPC_ENOMEM;
  int rc = WPC_OK;
  for (int i = 0; i < n && rc == WPC_OK; i++) {
    int r = ranks[i];
    struct wpc_release_msg *mr = (struct wpc_release_msg *)b->data + i;
    memcpy(mr, common, sizeof(*mr)); /* padding included: zeroed */
    mr->aseq = p->slot_msg[r].aseq;
    mr->t2 = p->arrive_t2[r];
    mr->t3 = wpc_clock_read(ctx);
    MPI_Request req;
    int mrc = PMPI_Isend(mr, (int)sizeof(*mr), MPI_BYTE, r, wpc_release_tag(mr->aseq), ctx->comm, &req);
    if (mrc != MPI_SUCCESS) rc = wpc_mpi_failed(ctx, "MPI_Isend", mrc);
    else wpc_pending_add(ctx, req, b, 0);
  }
  wpc_blob_unref(b);
  return rc;
}

/* A rank at the end of a window that rank 0 has closed already (or never opened): it is released on
 * its own at once, so that it closes its window and meets the others at the next start. */
static int answer_late(struct wpc_ctx *ctx, int r) {
  struct wpc_priv *p = ctx->priv;
  struct wpc_release_msg m;
  memset(&m, 0, sizeof(m));
  m.pos = p->slot_msg[r].pos;
  m.flags = WPC_REL_LATE;
  int rc = release_to(ctx, &r, 1, &m);
  return rc == WPC_OK ? post_slot(ctx, r) : rc;
}

/* Whether rank r's arrival counts at position *t. An arrival further on than *t moves it on (rank 0 is
 * behind: the highest position any rank has reached wins); a start behind it is a rank that skipped
 * windows and joins here; an end behind it (or at a window rank 0 never opened) is answered at once; a
 * start while rank 0 is at an end is held for the next start. */
static int counts_at(struct wpc_ctx *ctx, int r, uint32_t *t, int *rc) {
  struct wpc_priv *p = ctx->priv;
  if (p->slot_state[r] != WPC_SLOT_HAVE || (*rc = supersede(ctx, r)) != WPC_OK) return 0;
  if (p->slot_state[r] != WPC_SLOT_HAVE) return 0;
  uint32_t a = p->slot_msg[r].pos;
  if (!WPC_POS_END(a)) {
    if (WPC_POS_END(*t)) return 0;
    if (a > *t) *t = a;
    return 1;
  }
  if (!WPC_POS_END(*t) || a < *t) {
    if (a > *t) *t = a + 1;
    *rc = answer_late(ctx, r);
    return 0;
  }
  if (a > *t) *t = a;
  return 1;
}

enum { WAIT_FULL = 0, WAIT_GRACE, WAIT_NONE };

/* How long rank 0 waits for rank r at position t: at a window's end, not at all for a rank that was
 * absent from its start; at a start, only the grace period for a rank missing at the last sync point. */
static int wait_kind(const struct wpc_priv *p, uint32_t t, int r) {
  if (p->left[r]) return WAIT_NONE; /* it left this session for another */
  if (WPC_POS_END(t)) return p->released_any && p->released + 1 == t && p->absent[r] ? WAIT_NONE : WAIT_FULL;
  return p->was_missing[r] ? WAIT_GRACE : WAIT_FULL;
}

/* Waits for the arrivals at *t (which arrivals may move on): all of them, or until timeout_ms since rank
 * 0's own arrival; here[r] says who counts. A message that comes late never restarts the deadline. */
static int root_collect(struct wpc_ctx *ctx, uint32_t *t, unsigned char *here) {
  struct wpc_priv *p = ctx->priv;
  int n = ctx->size, rc = WPC_OK;
  int64_t t0 = wpc_now_ns();
  int64_t full = t0 + wpc_ms_ns(ctx->timeout_ms);
  int64_t grace = t0 + wpc_ms_ns(min_int(ctx->timeout_ms, WPC_GRACE_MS));
  for (int r = 1; r < n && rc == WPC_OK; r++)
    if (p->slot_state[r] == WPC_SLOT_IDLE) rc = post_slot(ctx, r);
  while (rc == WPC_OK) {
    uint32_t before;
    do {
      before = *t;
      for (int r = 1; r < n && rc == WPC_OK; r++) here[r] = (unsigned char)counts_at(ctx, r, t, &rc);
    } while (rc == WPC_OK && *t != before);
    if (rc != WPC_OK) break;
    int full_left = 0, grace_left = 0;
    for (int r = 1; r < n; r++) {
      if (here[r]) continue;
      int k = wait_kind(p, *t, r);
      full_left += k == WAIT_FULL;
      grace_left += k == WAIT_GRACE;
    }
    int64_t now = wpc_now_ns();
    if (full_left == 0 && (grace_left == 0 || now >= grace)) break;
    if (now >= full) break;
    wpc_note_leavers(ctx);
    int done = 0;
    rc = wpc_poll_ranks(ctx, n, p->slot_req, p->idx, t0, &done);
    for (int i = 0; i < done && rc == WPC_OK; i++) rc = took_slot(ctx, p->idx[i]);
  }
  return rc;
}

/* The release of position t to every rank here, the settings of those ranks compared with rank 0's,
 * and who to wait for how long next time. */
static int root_release(struct wpc_ctx *ctx, uint32_t t, const unsigned char *here, const struct wpc_agree_wire *own,
                        struct wpc_sync_result *res) {
  struct wpc_priv *p = ctx->priv;
  struct wpc_release_msg m;
  memset(&m, 0, sizeof(m));
  m.pos = t;
  m.agree = *own;
  int n_here = 0;
  for (int r = 1; r < ctx->size; r++) {
    if (here[r]) {
      p->idx[n_here++] = r;
      continue;
    }
    if (wait_kind(p, t, r) == WAIT_NONE) continue; /* named at the window's start already */
    if (m.n_missing < WPC_MISSING_LISTED) m.missing[m.n_missing] = r;
    m.n_missing++;
  }
  res->window = (int32_t)(t / 2);
  res->n_missing = m.n_missing;
  memcpy(res->missing, m.missing, sizeof(res->missing));
  int rc = release_to(ctx, p->idx, n_here, &m);
  for (int r = 1; r < ctx->size; r++) {
    p->was_missing[r] = !here[r];
    if (!WPC_POS_END(t)) p->absent[r] = !here[r];
    if (!here[r]) continue;
    if (wpc_agree_differs(&p->slot_msg[r].agree, own)) {
      res->n_disagree++;
      wpc_agree_note(res->disagree_note, sizeof(res->disagree_note), r, &p->slot_msg[r].agree, own, p->agree,
                     p->n_agree);
    }
    if (rc == WPC_OK) rc = post_slot(ctx, r);
  }
  p->released = t;
  p->released_any = 1;
  return rc;
}

static int root_sync(struct wpc_ctx *ctx, uint32_t pos, const struct wpc_agree_wire *own,
                     struct wpc_sync_result *res) {
  struct wpc_priv *p = ctx->priv;
  uint32_t t = pos;
  if (p->released_any && t <= p->released) /* never the same position twice */
    t = p->released + (WPC_POS_END(t) == WPC_POS_END(p->released + 1) ? 1 : 2);
  memset(p->here, 0, (size_t)ctx->size);
  int rc = root_collect(ctx, &t, p->here);
  if (rc != WPC_OK) return rc;
  rc = root_release(ctx, t, p->here, own, res);
  res->complete = res->n_missing == 0;
  if (!res->complete) ctx->degraded = 1;
  if (rc != WPC_OK) return rc;
  return res->complete ? WPC_OK : WPC_ETIMEOUT;
}

void wpc_sync_final(struct wpc_ctx *ctx) {
  struct wpc_priv *p = ctx->priv;
  if (ctx->rank != 0 || ctx->size <= 1 || !p || p->final_sent || !wpc_live(ctx)) return;
  p->final_sent = 1;
  struct wpc_blob *b = wpc_blob_new(sizeof(uint32_t));
  if (!b) return;
  for (int r = 1; r < ctx->size; r++) {
    MPI_Request req;
    int rc = PMPI_Isend(b->data, (int)sizeof(uint32_t), MPI_BYTE, r, WPC_TAG_FINAL, ctx->comm, &req);
    if (rc != MPI_SUCCESS) {
      wpc_mpi_failed(ctx, "MPI_Isend", rc);
      break;
    }
    wpc_pending_add(ctx, req, b, 0);
  }
  wpc_blob_unref(b);
}

/* ---- other ranks ----------------------------------------------------------------------------- */

/* A release from rank 0 shows it is still doing sync points. Releases of abandoned arrivals are
 * taken and dropped here, so they do not pile up. Its gather messages ("go") are no sign of life:
 * a rank 0 that has gone on to finalize will never release this sync point. */
static int root_alive(struct wpc_ctx *ctx, int current_tag) {
  int flag = 0;
  MPI_Status st;
  if (PMPI_Iprobe(0, MPI_ANY_TAG, ctx->comm, &flag, &st) != MPI_SUCCESS || !flag) return 0;
  int tag = st.MPI_TAG;
  if (tag < WPC_TAG_REL_BASE || tag >= WPC_TAG_REL_BASE + WPC_TAG_REL_RANGE) return 0;
  if (tag != current_tag) wpc_drain_one(ctx, 0, tag, wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS));
  return 1;
}

static int root_finished(struct wpc_ctx *ctx) {
  int flag = 0;
  if (PMPI_Iprobe(0, WPC_TAG_FINAL, ctx->comm, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && flag) return 1;
  return wpc_session_dropped(ctx);
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
  res->window = (int32_t)(m->pos / 2);
  res->late = (m->flags & WPC_REL_LATE) != 0;
  res->n_missing = m->n_missing > 0 ? m->n_missing : 0;
  int listed = min_int(res->n_missing, WPC_MISSING_LISTED);
  memcpy(res->missing, m->missing, (size_t)listed * sizeof(int));
  res->complete = res->n_missing == 0 && !res->late;
  if (!res->late && wpc_agree_differs(own, &m->agree)) {
    res->n_disagree = 1;
    struct wpc_priv *p = ctx->priv;
    wpc_agree_note(res->disagree_note, sizeof(res->disagree_note), ctx->rank, own, &m->agree, p->agree,
                   p->n_agree);
  }
}

static int send_arrival(struct wpc_ctx *ctx, int kind, uint32_t aseq, uint32_t pos, const struct wpc_agree_wire *own,
                        int64_t *t1) {
  struct wpc_blob *b = wpc_blob_new(sizeof(struct wpc_arrive_msg));
  if (!b) return WPC_ENOMEM;
  struct wpc_arrive_msg *m = (struct wpc_arrive_msg *)b->data;
  m->aseq = aseq;
  m->kind = kind;
  m->pos = pos;
  if (own) m->agree = *own;
  m->t1 = wpc_clock_read(ctx);
  if (t1) *t1 = m->t1;
  MPI_Request req;
  int rc = PMPI_Isend(m, (int)sizeof(*m), MPI_BYTE, 0, WPC_TAG_ARRIVE, ctx->comm, &req);
  if (rc == MPI_SUCCESS) wpc_pending_add(ctx, req, b, 0);
  wpc_blob_unref(b);
  return rc == MPI_SUCCESS ? WPC_OK : wpc_mpi_failed(ctx, "MPI_Isend", rc);
}

/* Polls for the release of arrival `aseq` until the rank's own deadline: 2 x timeout after its arrival,
 * only the grace period while rank 0 has shown no sign of life since the last sync point, or none once
 * rank 0 has said it holds no more sync points. */
static int leaf_wait(struct wpc_ctx *ctx, uint32_t aseq, MPI_Request *req, struct wpc_blob *rb, int *got,
                     int64_t *t4, int *root_done) {
  struct wpc_priv *p = ctx->priv;
  struct wpc_release_msg *m = (struct wpc_release_msg *)rb->data;
  int tag = wpc_release_tag(aseq);
  int64_t t0 = wpc_now_ns();
  int64_t wait_ms = p->root_silent ? min_int(ctx->timeout_ms, WPC_GRACE_MS) : 2 * (int64_t)ctx->timeout_ms;
  int64_t deadline = t0 + wpc_ms_ns(wait_ms);
  *got = 0;
  for (;;) {
    int flag = 0;
    int rc = PMPI_Test(req, &flag, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Test", rc);
    if (flag && m->aseq == aseq) {
      *t4 = wpc_clock_read(ctx);
      *got = 1;
      return WPC_OK;
    }
    if (flag) { /* a release of an arrival 16384 arrivals ago: not ours */
      rc = PMPI_Irecv(m, (int)sizeof(*m), MPI_BYTE, 0, tag, ctx->comm, req);
      if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Irecv", rc);
      continue;
    }
    if (*root_done) return WPC_ETIMEOUT; /* tested once more after rank 0's last word */
    if (wpc_now_ns() >= deadline) return WPC_ETIMEOUT;
    if (root_finished(ctx)) {
      *root_done = 1;
      continue;
    }
    if (root_alive(ctx, tag) && p->root_silent) {
      p->root_silent = 0;
      deadline = t0 + wpc_ms_ns(2 * (int64_t)ctx->timeout_ms);
    }
    wpc_pause(t0);
  }
}

static int leaf_sync(struct wpc_ctx *ctx, uint32_t pos, const struct wpc_agree_wire *own,
                     struct wpc_sync_result *res) {
  struct wpc_priv *p = ctx->priv;
  uint32_t aseq = p->aseq++;
  struct wpc_blob *rb = wpc_blob_new(sizeof(struct wpc_release_msg));
  if (!rb) return WPC_ENOMEM;
  struct wpc_release_msg *m = (struct wpc_release_msg *)rb->data;
  MPI_Request req = MPI_REQUEST_NULL;
  int rc = PMPI_Irecv(m, (int)sizeof(*m), MPI_BYTE, 0, wpc_release_tag(aseq), ctx->comm, &req);
  if (rc != MPI_SUCCESS) {
    wpc_blob_unref(rb);
    return wpc_mpi_failed(ctx, "MPI_Irecv", rc);
  }
  int got = 0, root_done = 0;
  int64_t t1 = 0, t4 = 0;
  rc = send_arrival(ctx, WPC_ARRIVE, aseq, pos, own, &t1);
  if (rc == WPC_OK) rc = leaf_wait(ctx, aseq, &req, rb, &got, &t4, &root_done);
  if (!got && req != MPI_REQUEST_NULL) {
    int cancelled = 0;
    if (!wpc_cancel_wait(&req, wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS), &cancelled))
      wpc_pending_add(ctx, req, rb, 1); /* MPI still owns the buffer */
    else if (!cancelled && m->aseq == aseq && rc == WPC_ETIMEOUT) {
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
    res->root_done = root_done;
    p->root_silent = 1;
    /* rank 0 must not count this arrival at a later sync point: this rank has gone on */
    if (rc == WPC_ETIMEOUT && wpc_live(ctx)) send_arrival(ctx, WPC_WITHDRAW, aseq, pos, NULL, NULL);
  }
  if (!res->complete) ctx->degraded = 1;
  wpc_blob_unref(rb);
  return rc;
}

int wpc_sync(struct wpc_ctx *ctx, int32_t window, int at_end, const struct wpc_agree_item *agree, int n_agree,
             struct wpc_sync_result *res) {
  memset(res, 0, sizeof(*res));
  res->window = window;
  struct wpc_agree_wire own;
  wpc_agree_pack(&own, agree, n_agree);
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
  uint32_t pos = WPC_POS(window < 0 ? 0 : window, at_end);
  return ctx->rank == 0 ? root_sync(ctx, pos, &own, res) : leaf_sync(ctx, pos, &own, res);
}
