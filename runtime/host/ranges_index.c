/* The owner-only lookups of a thread's range state: interned names, (window, name, kind) rows and
 * calling-context nodes. Only the owning thread calls these; other threads read published data. */
#include "ranges_index.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

#define INDEX_SLOTS_MIN 64

typedef uint32_t (*item_hash_fn)(const void *item);
typedef int (*item_eq_fn)(const void *item, const void *key);

static uint32_t str_hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static void **index_slot(struct owner_index *ix, uint32_t h, item_eq_fn eq, const void *key) {
  size_t mask = ix->nslots - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    void *item = ix->slots[i];
    if (!item || eq(item, key)) return &ix->slots[i];
  }
}

/* Keeps the index at most half full, so a probe always ends at an empty slot. */
static int index_reserve(struct owner_index *ix, item_hash_fn hash_of) {
  if (2 * (ix->n + 1) <= ix->nslots) return 0;
  size_t n = ix->nslots ? 2 * ix->nslots : INDEX_SLOTS_MIN;
  void **slots = calloc(n, sizeof *slots);
  if (!slots) return -1;
  for (size_t i = 0; i < ix->nslots; i++) {
    void *item = ix->slots[i];
    if (!item) continue;
    size_t j = hash_of(item) & (n - 1);
    while (slots[j]) j = (j + 1) & (n - 1);
    slots[j] = item;
  }
  free(ix->slots);
  ix->slots = slots;
  ix->nslots = n;
  return 0;
}

static void warn_oom(void) {
  static int warned;
  wpr_warn_once(&warned, "out of memory for range bookkeeping; some ranges are not recorded");
}

/* ---- names ---- */

static uint32_t name_hash_of(const void *item) { return str_hash(item); }
static int name_eq(const void *item, const void *key) { return strcmp(item, key) == 0; }

const char *range_name_intern(struct range_thread *t, const char *name) {
  if (index_reserve(&t->names_ix, name_hash_of)) goto oom;
  void **slot = index_slot(&t->names_ix, str_hash(name), name_eq, name);
  if (*slot) return *slot;
  if (!(*slot = strdup(name))) goto oom;
  t->names_ix.n++;
  return *slot;
oom:
  warn_oom();
  return NULL;
}

/* ---- rows: keyed by the interned name pointer ---- */

struct row_key { int32_t window; int kind; uint32_t session; const char *name; };

/* The high half of a 64-bit multiplicative hash: the xor of three 32-bit products it replaces put the
 * rows of many windows into long runs of the linear probe. */
static uint32_t row_hash(int32_t window, int kind, const char *name) {
  uint64_t key = ((uint64_t)(uintptr_t)name >> 4) ^ (uint64_t)(uint32_t)window << 40 ^ (uint64_t)(unsigned)kind << 62;
  return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32);
}
static uint32_t row_hash_of(const void *item) { return ((const struct range_row *)item)->hash; }
static int row_eq(const void *item, const void *key) {
  const struct range_row *r = item;
  const struct row_key *k = key;
  return r->window == k->window && r->kind == k->kind && r->session == k->session && r->name == k->name;
}

struct range_row *range_row_get(struct range_thread *t, int32_t window, const char *name, int kind) {
  const char *iname = range_name_intern(t, name);
  if (!iname || index_reserve(&t->rows_ix, row_hash_of)) goto oom;
  struct row_key key = {window, kind, range_current_session(), iname};
  uint32_t h = row_hash(window, kind, iname);
  void **slot = index_slot(&t->rows_ix, h, row_eq, &key);
  if (*slot) return *slot;
  struct range_row *r = calloc(1, sizeof *r);
  if (!r) goto oom;
  *r = (struct range_row){.next_all = t->rows, .hash = h, .window = window, .kind = kind, .session = key.session,
                          .name = iname};
  __atomic_store_n(&t->rows, r, __ATOMIC_RELEASE);
  *slot = r;
  t->rows_ix.n++;
  return r;
oom:
  warn_oom();
  return NULL;
}

/* ---- calling-context nodes: keyed by (parent, name text, kind) ---- */

struct node_key { uint32_t parent; int kind; const char *name; };

static uint32_t node_hash(uint32_t parent, int kind, const char *name) {
  return str_hash(name) ^ parent * 2654435761u ^ (uint32_t)kind * 97u;
}
static uint32_t node_hash_of(const void *item) { return ((const struct range_node *)item)->hash; }
static int node_eq(const void *item, const void *key) {
  const struct range_node *n = item;
  const struct node_key *k = key;
  return n->parent == k->parent && n->kind == k->kind && strcmp(n->name, k->name) == 0;
}

/* A new node in the thread's chunks, published by the release store of nnodes. */
static struct range_node *node_new(struct range_thread *t, uint32_t parent, const char *name, int kind,
                                   uint32_t h) {
  static int full_warned;
  uint32_t idx = t->nnodes + 1; /* index 0 is never used, so no id is 0 */
  if (idx > NODE_INDEX_MASK) {
    wpr_warn_once(&full_warned, "more than %u distinct range paths on a thread; GPU time of the new ones "
                  "goes to their enclosing range", NODE_INDEX_MASK);
    return NULL;
  }
  struct range_node **chunk = &t->chunks[idx >> NODE_CHUNK_BITS];
  if (!*chunk) {
    struct range_node *c = calloc(NODE_CHUNK, sizeof *c);
    if (!c) return NULL;
    __atomic_store_n(chunk, c, __ATOMIC_RELEASE);
  }
  const char *iname = range_name_intern(t, name);
  if (!iname) return NULL;
  struct range_node *n = &(*chunk)[idx & (NODE_CHUNK - 1)];
  *n = (struct range_node){.id = t->tid << NODE_INDEX_BITS | idx, .parent = parent, .hash = h,
                           .kind = kind, .name = iname, .row_window = -1};
  __atomic_store_n(&t->nnodes, idx, __ATOMIC_RELEASE);
  return n;
}

uint32_t range_node_get(struct range_thread *t, uint32_t parent, const char *name, int kind, int create) {
  if (!t->tid || (create && index_reserve(&t->nodes_ix, node_hash_of))) return 0;
  if (!t->nodes_ix.nslots) return 0;
  struct node_key key = {parent, kind, name};
  uint32_t h = node_hash(parent, kind, name);
  void **slot = index_slot(&t->nodes_ix, h, node_eq, &key);
  if (*slot) return ((struct range_node *)*slot)->id;
  if (!create) return 0;
  struct range_node *n = node_new(t, parent, name, kind, h);
  if (!n) {
    warn_oom();
    return 0;
  }
  *slot = n;
  t->nodes_ix.n++;
  return n->id;
}
