/* collectives: wprof's own communicator (init, finalize) and the bookkeeping every exchange shares:
 * requests kept pending past a deadline, cancels with a bound, draining stale messages, MPI errors. */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wpc_internal.h"

#define WPC_FINALIZE_MS 500 /* wpc_finalize never spends longer than this on MPI */

int64_t wpc_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t wpc_ms_ns(int64_t ms) { return ms * 1000000; }

int64_t wpc_clock_read(const struct wpc_ctx *ctx) { return ctx->clock_ns ? ctx->clock_ns() : wpc_now_ns(); }

/* Between two polls of a wait that began at `since_ns`. Most waits end within microseconds, so the
 * first millisecond only yields; after that a 50 us nap (never milliseconds) leaves the cores to the
 * ranks still working, which matters on an oversubscribed node: ranks spinning in a sync point made
 * the last rank's work, and so the release, arrive later. */
void wpc_pause(int64_t since_ns) {
  if (wpc_now_ns() - since_ns < wpc_ms_ns(WPC_SPIN_MS)) {
    sched_yield();
    return;
  }
  struct timespec ts = {0, WPC_NAP_NS};
  nanosleep(&ts, NULL);
}

void wpc_set_note(struct wpc_ctx *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->note, sizeof(ctx->note), fmt, ap);
  va_end(ap);
}

/* MPI may have been finalized behind our back (an application without wprof's MPI_Finalize hook). */
int wpc_live(struct wpc_ctx *ctx) {
  if (!ctx->have_mpi || ctx->comm == MPI_COMM_NULL) return 0;
  int fin = 0;
  if (PMPI_Finalized(&fin) != MPI_SUCCESS || fin) {
    ctx->have_mpi = 0;
    return 0;
  }
  return 1;
}

/* An MPI error makes every later call local: wprof degrades, the application goes on. Rank and size
 * are kept so the caller still knows who it is. */
int wpc_mpi_failed(struct wpc_ctx *ctx, const char *what, int rc) {
  char msg[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  if (PMPI_Error_string(rc, msg, &len) != MPI_SUCCESS) snprintf(msg, sizeof(msg), "error %d", rc);
  wpc_set_note(ctx, "%s failed (%s); wprof goes on without MPI", what, msg);
  ctx->have_mpi = 0;
  return WPC_EMPI;
}

int wpc_poll_ranks(struct wpc_ctx *ctx, int n, MPI_Request *req, int *ranks, int64_t since_ns, int *done) {
  int outc = 0;
  *done = 0;
  int mrc = PMPI_Testsome(n - 1, req + 1, &outc, ranks, MPI_STATUSES_IGNORE);
  if (mrc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Testsome", mrc);
  if (outc == MPI_UNDEFINED || outc == 0) {
    wpc_pause(since_ns);
    return WPC_OK;
  }
  for (int i = 0; i < outc; i++) ranks[i]++; /* indices into req + 1 */
  *done = outc;
  return WPC_OK;
}

int wpc_release_tag(uint32_t aseq) { return WPC_TAG_REL_BASE + (int)(aseq % WPC_TAG_REL_RANGE); }
int wpc_data_tag(uint32_t gseq) {
  if (gseq == WPC_GATHER_KEY_FINAL) return WPC_TAG_DATA_FINAL; /* else window 15 would share its tag */
  return WPC_TAG_DATA_BASE + (int)(gseq % WPC_TAG_DATA_RANGE);
}

struct wpc_blob *wpc_blob_new(size_t len) {
  struct wpc_blob *b = malloc(sizeof(*b) + (len ? len : 1));
  if (!b) return NULL;
  b->refs = 1;
  b->len = len;
  memset(b->data, 0, len < 4096 ? len : 0); /* small messages: no uninitialised padding on the wire */
  return b;
}

void wpc_blob_unref(struct wpc_blob *b) {
  if (b && --b->refs == 0) free(b);
}

/* Keeps a request (and the buffer it uses) until it completes or wpc_finalize. If even the list
 * cannot grow, the request is released to MPI and the buffer leaked: never freed under MPI. */
void wpc_pending_add(struct wpc_ctx *ctx, MPI_Request req, struct wpc_blob *blob, int is_recv) {
  struct wpc_priv *p = ctx->priv;
  if (blob) blob->refs++;
  if (p->n_pend == p->cap_pend) {
    size_t cap = p->cap_pend ? 2 * p->cap_pend : 16;
    struct wpc_pending *np = realloc(p->pend, cap * sizeof(*np));
    if (!np) {
      if (!is_recv) PMPI_Request_free(&req);
      p->leaked_bytes += blob ? blob->len : 0;
      return;
    }
    p->pend = np;
    p->cap_pend = cap;
  }
  p->pend[p->n_pend++] = (struct wpc_pending){req, blob, is_recv};
}

/* Drops the pending requests that have completed, freeing their buffers. */
void wpc_pending_poll(struct wpc_ctx *ctx) {
  struct wpc_priv *p = ctx->priv;
  size_t keep = 0;
  for (size_t i = 0; i < p->n_pend; i++) {
    struct wpc_pending *e = &p->pend[i];
    int flag = 0;
    if (PMPI_Test(&e->req, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && flag) {
      wpc_blob_unref(e->blob);
      continue;
    }
    p->pend[keep++] = *e;
  }
  p->n_pend = keep;
}

/* Cancels a request and waits, up to the deadline, for it to complete. Returns 1 once the request is
 * complete (cancelled, or matched just before the cancel: *cancelled says which), 0 if still active. */
int wpc_cancel_wait(MPI_Request *req, int64_t deadline_ns, int *cancelled) {
  *cancelled = 0;
  if (*req == MPI_REQUEST_NULL) return 1;
  if (PMPI_Cancel(req) != MPI_SUCCESS) return 0;
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (PMPI_Test(req, &flag, &st) != MPI_SUCCESS) return 0;
    if (flag) {
      PMPI_Test_cancelled(&st, cancelled);
      return 1;
    }
    if (wpc_now_ns() >= deadline_ns) return 0;
    sched_yield();
  }
}

/* A receive nobody will satisfy in time: cancel it; if MPI will not let go, keep it (and its buffer)
 * pending for wpc_finalize. The caller's reference on `blob` is consumed either way. */
void wpc_abandon_recv(struct wpc_ctx *ctx, MPI_Request *req, struct wpc_blob *blob) {
  int cancelled = 0;
  if (!wpc_cancel_wait(req, wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS), &cancelled))
    wpc_pending_add(ctx, *req, blob, 1);
  wpc_blob_unref(blob);
}

/* Receives and discards one message from `source` with `tag` (wildcards allowed), if one is waiting.
 * Returns 1 if a message was taken, 0 if none, WPC_EMPI on an MPI error. */
int wpc_drain_one(struct wpc_ctx *ctx, int source, int tag, int64_t deadline_ns) {
  int flag = 0;
  MPI_Message msg;
  MPI_Status st;
  int rc = PMPI_Improbe(source, tag, ctx->comm, &flag, &msg, &st);
  if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Improbe", rc);
  if (!flag) return 0;
  int count = 0;
  PMPI_Get_count(&st, MPI_BYTE, &count);
  struct wpc_blob *b = wpc_blob_new(count > 0 ? (size_t)count : 0);
  MPI_Request req = MPI_REQUEST_NULL;
  /* A matched message must be received; without memory, a 1-byte buffer truncates it (an error
   * status, but the message is consumed). */
  static unsigned char spare[1];
  rc = PMPI_Imrecv(b ? b->data : spare, b ? count : 1, MPI_BYTE, &msg, &req);
  if (rc != MPI_SUCCESS) {
    wpc_blob_unref(b);
    return wpc_mpi_failed(ctx, "MPI_Imrecv", rc);
  }
  for (;;) {
    int done = 0;
    if (PMPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS || done) break;
    if (wpc_now_ns() >= deadline_ns) {
      wpc_pending_add(ctx, req, b, 1);
      break;
    }
    sched_yield();
  }
  wpc_blob_unref(b);
  return 1;
}

static int alloc_slots(struct wpc_ctx *ctx) {
  struct wpc_priv *p = ctx->priv;
  size_t n = (size_t)ctx->size;
  p->slot_state = calloc(n, sizeof(*p->slot_state));
  p->slot_req = malloc(n * sizeof(*p->slot_req));
  p->slot_msg = calloc(n, sizeof(*p->slot_msg));
  p->was_missing = calloc(n, 1);
  p->absent = calloc(n, 1);
  p->here = calloc(n, 1);
  p->left = calloc(n, 1);
  p->held_size = calloc(n, sizeof(*p->held_size));
  p->size_held = calloc(n, 1);
  p->idx = malloc(n * sizeof(*p->idx));
  p->arrive_t2 = calloc(n, sizeof(*p->arrive_t2));
  if (!p->slot_state || !p->slot_req || !p->slot_msg || !p->was_missing || !p->absent || !p->here || !p->left || !p->held_size || !p->size_held || !p->idx || !p->arrive_t2)
    return WPC_ENOMEM;
  for (size_t i = 0; i < n; i++) p->slot_req[i] = MPI_REQUEST_NULL;
  return WPC_OK;
}

static void free_slots(struct wpc_priv *p) {
  if (!p->slots_leaked) {
    free(p->slot_req);
    free(p->slot_msg);
  }
  free(p->slot_state);
  free(p->was_missing);
  free(p->absent);
  free(p->here);
  free(p->left);
  free(p->held_size);
  free(p->size_held);
  free(p->idx);
  free(p->arrive_t2);
}

static void to_world_of_one(struct wpc_ctx *ctx) {
  ctx->rank = 0;
  ctx->size = 1;
  ctx->have_mpi = 0;
  ctx->comm = MPI_COMM_NULL;
}

/* MPI_Comm_idup, waited for until the deadline: a duplicate that some ranks of `parent` never join
 * fails with WPC_ETIMEOUT instead of hanging this rank for ever. MPI writes the new handle when the
 * duplicate completes, so the handle and request live in a cell of their own, left to MPI (never
 * freed: an unfinished non-blocking collective may be neither freed nor cancelled) when it times out. */
struct dup_cell {
  MPI_Comm comm;
  MPI_Request req;
  struct dup_cell *next;
};
static struct dup_cell *abandoned_dups; /* still reachable, so leak checkers see them as kept */

static int dup_within(struct wpc_ctx *ctx, MPI_Comm parent, MPI_Comm *out) {
  struct dup_cell *cell = malloc(sizeof(*cell));
  if (!cell) return WPC_ENOMEM;
  int rc = PMPI_Comm_idup(parent, &cell->comm, &cell->req);
  if (rc != MPI_SUCCESS) {
    free(cell);
    return wpc_mpi_failed(ctx, "MPI_Comm_idup", rc);
  }
  int64_t t0 = wpc_now_ns(), deadline = t0 + wpc_ms_ns(ctx->timeout_ms);
  for (;;) {
    int flag = 0;
    rc = PMPI_Test(&cell->req, &flag, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) break; /* cell: MPI may still write it */
    if (flag) {
      *out = cell->comm;
      free(cell);
      return WPC_OK;
    }
    if (wpc_now_ns() >= deadline) break;
    wpc_pause(t0);
  }
  cell->next = abandoned_dups;
  abandoned_dups = cell;
  if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Test", rc);
  wpc_set_note(ctx, "duplicating the communicator: not every rank of it took part within %d ms", ctx->timeout_ms);
  return WPC_ETIMEOUT; /* cell kept for MPI: some rank of the communicator never came */
}

int wpc_init(struct wpc_ctx *ctx, MPI_Comm parent, int timeout_ms) {
  memset(ctx, 0, sizeof(*ctx));
  to_world_of_one(ctx);
  ctx->timeout_ms = timeout_ms > 0 ? timeout_ms : WPC_DEFAULT_TIMEOUT_MS;
  ctx->priv = calloc(1, sizeof(struct wpc_priv));
  if (!ctx->priv) return WPC_ENOMEM;

  int init = 0, fin = 0;
  if (PMPI_Initialized(&init) != MPI_SUCCESS || !init) return WPC_OK;
  if (PMPI_Finalized(&fin) != MPI_SUCCESS || fin) return WPC_EFINALIZED;
  if (parent == MPI_COMM_NULL) parent = MPI_COMM_WORLD;

  MPI_Comm comm = MPI_COMM_NULL;
  int rc = dup_within(ctx, parent, &comm);
  if (rc != WPC_OK) return rc;
  ctx->comm = comm; /* from here on, wpc_finalize frees it */
  ctx->have_mpi = 1;
  int cmp = MPI_UNEQUAL;
  MPI_Group group = MPI_GROUP_NULL, world = MPI_GROUP_NULL;
  int zero = 0;
  ctx->leader_world_rank = 0;
  if (PMPI_Comm_compare(parent, MPI_COMM_WORLD, &cmp) == MPI_SUCCESS)
    ctx->world_like = cmp == MPI_IDENT || cmp == MPI_CONGRUENT;
  if (PMPI_Comm_group(comm, &group) == MPI_SUCCESS && PMPI_Comm_group(MPI_COMM_WORLD, &world) == MPI_SUCCESS)
    PMPI_Group_translate_ranks(group, 1, &zero, world, &ctx->leader_world_rank);
  if (group != MPI_GROUP_NULL) PMPI_Group_free(&group);
  if (world != MPI_GROUP_NULL) PMPI_Group_free(&world);
  if ((rc = PMPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN)) != MPI_SUCCESS ||
      (rc = PMPI_Comm_rank(comm, &ctx->rank)) != MPI_SUCCESS ||
      (rc = PMPI_Comm_size(comm, &ctx->size)) != MPI_SUCCESS) {
    wpc_mpi_failed(ctx, "setting up wprof's communicator", rc);
    PMPI_Comm_free(&ctx->comm);
    to_world_of_one(ctx);
    return WPC_EMPI;
  }
  if (ctx->rank == 0 && alloc_slots(ctx) != WPC_OK) {
    free_slots(ctx->priv);
    memset(ctx->priv, 0, sizeof(struct wpc_priv));
    PMPI_Comm_free(&ctx->comm);
    to_world_of_one(ctx);
    return WPC_ENOMEM;
  }
  return WPC_OK;
}

/* Rank 0's standing arrival receives. One that cannot be cancelled keeps the slot buffers alive. */
static void cancel_slots(struct wpc_ctx *ctx, int64_t end) {
  struct wpc_priv *p = ctx->priv;
  if (!p->slot_state) return;
  for (int r = 1; r < ctx->size; r++) {
    if (p->slot_state[r] != WPC_SLOT_POSTED) continue;
    int cancelled = 0;
    int64_t dl = wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS);
    if (!wpc_cancel_wait(&p->slot_req[r], dl < end ? dl : end, &cancelled)) p->slots_leaked = 1;
    p->slot_state[r] = WPC_SLOT_IDLE;
  }
}

/* Unmatched receives are cancelled; sends get a short while to complete, then are released to MPI
 * with their buffers leaked (MPI may still read them). */
static void settle_pending(struct wpc_ctx *ctx, int64_t end) {
  struct wpc_priv *p = ctx->priv;
  for (size_t i = 0; i < p->n_pend; i++) {
    struct wpc_pending *e = &p->pend[i];
    int cancelled = 0;
    if (e->is_recv && wpc_cancel_wait(&e->req, end, &cancelled)) {
      wpc_blob_unref(e->blob);
      e->req = MPI_REQUEST_NULL;
      e->blob = NULL;
    }
  }
  int64_t send_end = wpc_now_ns() + wpc_ms_ns(WPC_GRACE_MS);
  if (send_end > end) send_end = end;
  while (p->n_pend && wpc_now_ns() < send_end) {
    wpc_pending_poll(ctx);
    if (p->n_pend) sched_yield();
  }
  for (size_t i = 0; i < p->n_pend; i++) {
    struct wpc_pending *e = &p->pend[i];
    if (e->req != MPI_REQUEST_NULL) PMPI_Request_free(&e->req);
    p->leaked_bytes += e->blob ? e->blob->len : 0; /* deliberately not freed */
  }
  p->n_pend = 0;
}

void wpc_finalize(struct wpc_ctx *ctx) {
  struct wpc_priv *p = ctx->priv;
  if (p && p->handover.active) { /* never finished: its receive goes the way of every pending one */
    wpc_pending_add(ctx, p->handover.req, p->handover.go, 1);
    wpc_blob_unref(p->handover.go);
    wpc_blob_unref(p->handover.data);
    memset(&p->handover, 0, sizeof(p->handover));
  }
  int fin = 1;
  if (p && ctx->comm != MPI_COMM_NULL && PMPI_Finalized(&fin) == MPI_SUCCESS && !fin) {
    int64_t end = wpc_now_ns() + wpc_ms_ns(WPC_FINALIZE_MS);
    cancel_slots(ctx, end);
    settle_pending(ctx, end);
    /* Stale arrivals, releases and sizes addressed to us: take them so they do not linger. */
    while (wpc_now_ns() < end && wpc_drain_one(ctx, MPI_ANY_SOURCE, MPI_ANY_TAG, end) == 1) {
    }
    settle_pending(ctx, end); /* a drain that did not finish in time */
    PMPI_Comm_free(&ctx->comm);
  } else if (p) {
    /* MPI is gone (or never was): nobody can touch the buffers any more. */
    for (size_t i = 0; i < p->n_pend; i++) wpc_blob_unref(p->pend[i].blob);
    p->slots_leaked = 0;
  }
  if (p) {
    free_slots(p);
    free(p->leader_of);
    free(p->pend);
    free(p);
  }
  ctx->priv = NULL;
  ctx->comm = MPI_COMM_NULL;
  ctx->have_mpi = 0;
}

int wpc_thread_level_ok(const struct wpc_ctx *ctx, char *why, size_t len) {
  if (len) why[0] = '\0';
  if (!ctx->have_mpi) return 1;
  int provided = MPI_THREAD_SINGLE, is_main = 1;
  if (PMPI_Query_thread(&provided) != MPI_SUCCESS || PMPI_Is_thread_main(&is_main) != MPI_SUCCESS) return 1;
  if (is_main || provided >= MPI_THREAD_SERIALIZED) return 1;
  snprintf(why, len, "wprof is set up from a thread other than MPI's main thread, and MPI provides only "
           "MPI_THREAD_%s: wprof's own messages from it are not allowed; initialise MPI with "
           "MPI_THREAD_SERIALIZED or more", provided == MPI_THREAD_FUNNELED ? "FUNNELED" : "SINGLE");
  return 0;
}

void wpc_leave(struct wpc_ctx *ctx) {
  struct wpc_priv *p = ctx->priv;
  int fin = 1;
  if (p && ctx->comm != MPI_COMM_NULL && ctx->size > 1 && PMPI_Finalized(&fin) == MPI_SUCCESS && !fin &&
      ctx->have_mpi) {
    /* rank 0: the session is dropped, nobody waits for its sync points or gather; another rank:
     * rank 0 need not wait for this one */
    struct wpc_blob *b = wpc_blob_new(sizeof(uint32_t));
    for (int r = ctx->rank == 0 ? 1 : 0; b && r < (ctx->rank == 0 ? ctx->size : 1); r++) {
      MPI_Request req;
      if (PMPI_Isend(b->data, (int)sizeof(uint32_t), MPI_BYTE, r, WPC_TAG_LEAVE, ctx->comm, &req) == MPI_SUCCESS)
        wpc_pending_add(ctx, req, b, 0);
    }
    wpc_blob_unref(b);
    int64_t end = wpc_now_ns() + wpc_ms_ns(WPC_FINALIZE_MS);
    cancel_slots(ctx, end);
    settle_pending(ctx, end);
    ctx->comm = MPI_COMM_NULL; /* freeing it is collective: left to MPI_Finalize */
  }
  wpc_finalize(ctx);
}

int wpc_session_dropped(struct wpc_ctx *ctx) {
  if (ctx->rank == 0 || ctx->size <= 1 || !ctx->priv || !wpc_live(ctx)) return 0;
  int flag = 0;
  return PMPI_Iprobe(0, WPC_TAG_LEAVE, ctx->comm, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && flag;
}

void wpc_note_leavers(struct wpc_ctx *ctx) {
  struct wpc_priv *p = ctx->priv;
  if (ctx->rank != 0 || !p || !p->left || !wpc_live(ctx)) return;
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (PMPI_Iprobe(MPI_ANY_SOURCE, WPC_TAG_LEAVE, ctx->comm, &flag, &st) != MPI_SUCCESS || !flag) return;
    uint32_t word = 0;
    if (PMPI_Recv(&word, (int)sizeof(word), MPI_BYTE, st.MPI_SOURCE, WPC_TAG_LEAVE, ctx->comm, MPI_STATUS_IGNORE) !=
        MPI_SUCCESS)
      return;
    if (st.MPI_SOURCE > 0 && st.MPI_SOURCE < ctx->size) p->left[st.MPI_SOURCE] = 1;
  }
}

int wpc_left_count(struct wpc_ctx *ctx) {
  struct wpc_priv *p = ctx->priv;
  wpc_note_leavers(ctx);
  int n = 0;
  for (int r = 1; p && p->left && r < ctx->size; r++) n += p->left[r];
  return n;
}

int wpc_rank_left(const struct wpc_ctx *ctx, int rank) {
  const struct wpc_priv *p = ctx->priv;
  return p && p->left && rank > 0 && rank < ctx->size && p->left[rank];
}
