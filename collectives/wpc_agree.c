/* collectives: the settings check that rides on sync points. Values travel by name, so a rank with
 * a different list of settings is reported too, and the note says which rank has what. */
#include <stdio.h>
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
