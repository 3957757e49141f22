/* collectives: the finalize gather's hand-over. A rank whose rank 0 has not said "go" within its
 * deadline keeps its data and the receive for the "go" (wpc_gather.c leaves them in the context);
 * the MPI_Finalize wrapper finishes the hand-over here, since MPI_Finalize waits for rank 0 anyway. */
#include <string.h>

#include "wpc_internal.h"

int wpc_handover_pending(const struct wpc_ctx *ctx) {
  const struct wpc_priv *p = ctx->priv;
  return p && p->handover.active;
}

int wpc_handover_finish(struct wpc_ctx *ctx, int wait_ms) {
  struct wpc_priv *p = ctx->priv;
  if (!p || !p->handover.active) return WPC_OK;
  struct wpc_handover h = p->handover;
  memset(&p->handover, 0, sizeof(p->handover));
  int rc = wpc_live(ctx) ? wpc_poll_go(ctx, h.gseq, h.go, &h.req, wpc_now_ns() + wpc_ms_ns(wait_ms)) : WPC_EMPI;
  if (rc == WPC_OK)
    rc = wpc_send_data(ctx, h.gseq, h.data, wpc_now_ns() + wpc_ms_ns(ctx->timeout_ms + WPC_GRACE_MS));
  if (rc == WPC_EDROPPED) {
    wpc_pending_add(ctx, h.req, h.go, 1);
    h.req = MPI_REQUEST_NULL;
  }
  if (h.req != MPI_REQUEST_NULL && wpc_live(ctx)) {
    int cancelled = 0;
    if (!wpc_cancel_wait(&h.req, wpc_now_ns() + wpc_ms_ns(WPC_CANCEL_MS), &cancelled)) wpc_pending_add(ctx, h.req, h.go, 1);
  }
  if (rc == WPC_PENDING) {
    wpc_set_note(ctx, "no \"go\" from rank 0 within %d ms of this rank's MPI_Finalize", wait_ms);
    rc = WPC_ETIMEOUT;
  } else if (rc == WPC_ETIMEOUT && !ctx->note[0]) {
    wpc_set_note(ctx, "rank 0 went on without this rank's data (its size came after rank 0's deadline)");
  }
  wpc_blob_unref(h.go);
  wpc_blob_unref(h.data);
  return rc;
}
