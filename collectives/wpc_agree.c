/* collectives: the job's settings, handed out by rank 0 at init, and the settings check that rides on
 * sync points. Values travel by name, so a rank with
 * a different list of settings is reported too, and the note says which rank has what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpc_internal.h"

void wpc_agree_pack(struct wpc_agree_wire *w, const struct wpc_agree_item *items, int n) {
  memset(w, 0, sizeof(*w));
  if (!items || n < 0) n = 0;
  if (n > WPC_AGREE_MAX) n = WPC_AGREE_MAX;
  w->n = n;
  for (int i = 0; i < n; i++) {
    w->value[i] = items[i].value;
    snprintf(w->name[i], WPC_NAME_LEN, "%s", items[i].name ? items[i].name : "?");
  }
}

/* What came off the wire is clamped before it is read: the count, and every name terminated. */
void wpc_agree_sanitize(struct wpc_agree_wire *w) {
  if (w->n < 0) w->n = 0;
  if (w->n > WPC_AGREE_MAX) w->n = WPC_AGREE_MAX;
  for (int i = 0; i < WPC_AGREE_MAX; i++) w->name[i][WPC_NAME_LEN - 1] = '\0';
}

static int find(const struct wpc_agree_wire *w, const char *name) {
  for (int i = 0; i < w->n; i++)
    if (strcmp(w->name[i], name) == 0) return i;
  return -1;
}

/* A sync point without settings (n == 0 on either side) checks nothing. */
int wpc_agree_differs(const struct wpc_agree_wire *x, const struct wpc_agree_wire *ref) {
  if (x->n == 0 || ref->n == 0) return 0;
  if (x->n != ref->n) return 1;
  for (int i = 0; i < x->n; i++) {
    int j = find(ref, x->name[i]);
    if (j < 0 || ref->value[j] != x->value[i]) return 1;
  }
  return 0;
}

/* The label of a value when the setting has one (e.g. a backend's name), else NULL. */
static const char *label_of(const char *name, int64_t value, const struct wpc_agree_item *items, int n) {
  for (int i = 0; items && i < n; i++)
    if (items[i].name && strcmp(items[i].name, name) == 0)
      return items[i].labels && value >= 0 && value < items[i].n_labels ? items[i].labels[value] : NULL;
  return NULL;
}

static size_t put_values(char *buf, size_t cap, const struct wpc_agree_wire *w,
                         const struct wpc_agree_item *items, int n_items) {
  size_t used = 0;
  for (int i = 0; i < w->n && used < cap; i++) {
    const char *label = label_of(w->name[i], w->value[i], items, n_items);
    int k = label ? snprintf(buf + used, cap - used, "%s%s=%s", i ? " " : "", w->name[i], label)
                  : snprintf(buf + used, cap - used, "%s%s=%lld", i ? " " : "", w->name[i], (long long)w->value[i]);
    if (k < 0) break;
    used += (size_t)k;
  }
  return used < cap ? used : cap - 1;
}

/* Appends "rank R has a=1 b=2 (rank 0: a=1 b=3)" to `note`, "; "-separated; when the note is full
 * it ends in "..." and takes nothing more. */
void wpc_agree_note(char *note, size_t cap, int rank, const struct wpc_agree_wire *x,
                    const struct wpc_agree_wire *ref, const struct wpc_agree_item *labels, int n_labels) {
  size_t used = strlen(note);
  if (cap < 4 || (used >= 3 && strcmp(note + used - 3, "...") == 0)) return;
  char mine[WPC_NOTE_LEN], theirs[WPC_NOTE_LEN], seg[3 * WPC_NOTE_LEN];
  put_values(mine, sizeof(mine), x, labels, n_labels);
  put_values(theirs, sizeof(theirs), ref, labels, n_labels);
  int k = snprintf(seg, sizeof(seg), "%srank %d has %s (rank 0: %s)", used ? "; " : "", rank, mine, theirs);
  size_t len = k > 0 ? (size_t)k : 0;
  if (len >= sizeof(seg)) len = sizeof(seg) - 1;
  if (used + len < cap) {
    memcpy(note + used, seg, len + 1);
    return;
  }
  size_t pos = used < cap - 4 ? used : cap - 4; /* keep space for "..." and the NUL */
  size_t room = cap - 4 - pos;
  memcpy(note + pos, seg, room);
  memcpy(note + pos + room, "...", 4);
}

/* ---- the job's settings, handed out at init ----------------------------------------------------- */

struct wpc_settings_msg {
  struct wpc_agree_wire agree;
  char text[WPC_SETTINGS_TEXT];
};

static int settings_send(struct wpc_ctx *ctx, const struct wpc_agree_item *mine, int n, const char *my_text) {
  struct wpc_blob *b = wpc_blob_new(sizeof(struct wpc_settings_msg));
  if (!b) return WPC_ENOMEM;
  struct wpc_settings_msg *m = (struct wpc_settings_msg *)b->data;
  memset(m, 0, sizeof(*m));
  wpc_agree_pack(&m->agree, mine, n);
  snprintf(m->text, sizeof(m->text), "%s", my_text ? my_text : "");
  int rc = WPC_OK;
  for (int r = 1; r < ctx->size && rc == WPC_OK; r++) {
    MPI_Request req;
    int mrc = PMPI_Isend(m, (int)sizeof(*m), MPI_BYTE, r, WPC_TAG_SETTINGS, ctx->comm, &req);
    if (mrc != MPI_SUCCESS) rc = wpc_mpi_failed(ctx, "MPI_Isend", mrc);
    else wpc_pending_add(ctx, req, b, 0);
  }
  wpc_blob_unref(b);
  return rc;
}

static int settings_recv(struct wpc_ctx *ctx, struct wpc_settings_msg *m) {
  struct wpc_priv *p = ctx->priv;
  int64_t t0 = wpc_now_ns();
  int64_t wait_ms = p->root_silent ? (ctx->timeout_ms < WPC_GRACE_MS ? ctx->timeout_ms : WPC_GRACE_MS)
                                   : 2 * (int64_t)ctx->timeout_ms;
  int64_t deadline = t0 + wpc_ms_ns(wait_ms);
  for (;;) {
    int flag = 0;
    MPI_Message msg;
    int rc = PMPI_Improbe(0, WPC_TAG_SETTINGS, ctx->comm, &flag, &msg, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Improbe", rc);
    if (flag) {
      rc = PMPI_Mrecv(m, (int)sizeof(*m), MPI_BYTE, &msg, MPI_STATUS_IGNORE);
      if (rc != MPI_SUCCESS) return wpc_mpi_failed(ctx, "MPI_Mrecv", rc);
      wpc_agree_sanitize(&m->agree);
      m->text[sizeof(m->text) - 1] = '\0';
      return WPC_OK;
    }
    if (wpc_now_ns() >= deadline) return WPC_ETIMEOUT;
    wpc_pause(t0);
  }
}

int wpc_settings_share(struct wpc_ctx *ctx, const struct wpc_agree_item *mine, int n, const char *my_text,
                       int64_t *root_values, char *root_text, size_t text_cap) {
  if (n > WPC_AGREE_MAX) n = WPC_AGREE_MAX;
  for (int i = 0; i < n; i++) root_values[i] = mine[i].value;
  if (text_cap) snprintf(root_text, text_cap, "%s", my_text ? my_text : "");
  if (ctx->size <= 1) return WPC_OK;
  if (!ctx->priv || !wpc_live(ctx)) return WPC_EMPI;
  wpc_pending_poll(ctx);
  if (ctx->rank == 0) return settings_send(ctx, mine, n, my_text);
  struct wpc_settings_msg *m = malloc(sizeof(*m));
  if (!m) return WPC_ENOMEM;
  int rc = settings_recv(ctx, m);
  if (rc == WPC_OK) {
    for (int i = 0; i < n; i++) {
      int k = find(&m->agree, mine[i].name ? mine[i].name : "?");
      if (k >= 0) root_values[i] = m->agree.value[k];
    }
    if (text_cap) snprintf(root_text, text_cap, "%s", m->text);
  }
  free(m);
  return rc;
}
