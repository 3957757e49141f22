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

/* ---- bump storage: rows and names in blocks, so a window's new rows are one sequential run ---- */

/* `size` bytes at a multiple of `align` (a power of 2 <= 64), not zeroed (a block's pages are first
 * touched as its items are written, not all at once); blocks grow from min_block to
 * max_block bytes (a bigger item gets a block of its own size). NULL when out of memory. */
static void *bump_alloc(struct bump_block *b, size_t size, size_t align, size_t min_block, size_t max_block) {
  char *p = b->next ? (char *)(((uintptr_t)b->next + align - 1) & ~(uintptr_t)(align - 1)) : NULL;
  if (!p || size > (size_t)(b->end - p)) {
    size_t block = b->size ? 2 * b->size : min_block;
    if (block > max_block) block = max_block;
    if (block < size) block = (size + 63) & ~(size_t)63;
    if (!(p = aligned_alloc(64, block))) return NULL;
    b->end = p + block;
    b->size = block;
  }
  b->next = p + size;
  return p;
}

/* ---- names ---- */

static uint32_t name_hash_of(const void *item) { return str_hash(item); }
static int name_eq(const void *item, const void *key) { return strcmp(item, key) == 0; }

/* A name's record within one or two cache lines: 32 or 64 bytes at a multiple of its size when short. */
static struct range_name *name_new(struct range_thread *t, const char *name) {
  size_t len = strlen(name), size = offsetof(struct range_name, text) + len + 1;
  size = size <= 32 ? 32 : (size + 63) & ~(size_t)63;
  struct range_name *n = bump_alloc(&t->name_mem, size, size < 64 ? size : 64, 2048, 16384);
  if (!n) return NULL;
  *n = (struct range_name){.row = NULL, .row_window = -1};
  memcpy(n->text, name, len + 1);
  return n;
}

static const char *name_intern_hashed(struct range_thread *t, const char *name, uint32_t h) {
  if (index_reserve(&t->names_ix, name_hash_of)) goto oom;
  void **slot = index_slot(&t->names_ix, h, name_eq, name);
  if (*slot) return *slot;
  struct range_name *n = name_new(t, name);
  if (!n) goto oom;
  *slot = n->text;
  t->names_ix.n++;
  return n->text;
oom:
  warn_oom();
  return NULL;
}

const char *range_name_intern(struct range_thread *t, const char *name) {
  return name_intern_hashed(t, name, str_hash(name));
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

/* A new row, published at the head of the thread's list; a line of its own (64 bytes). */
static struct range_row *row_new(struct range_thread *t, int32_t window, int kind, uint32_t session,
                                 const char *iname, uint32_t h) {
  _Static_assert(sizeof(struct range_row) <= 64, "a row fits a cache line");
  struct range_row *r = bump_alloc(&t->row_mem, 64, 64, 1024, 65536);
  if (!r) return NULL;
  *r = (struct range_row){.next_all = t->rows, .hash = h, .window = window, .kind = kind, .session = session,
                          .name = iname};
  __atomic_store_n(&t->rows, r, __ATOMIC_RELEASE);
  return r;
}

struct range_row *range_row_get(struct range_thread *t, int32_t window, const char *name, int kind) {
  const char *iname = range_name_intern(t, name);
  if (!iname || index_reserve(&t->rows_ix, row_hash_of)) goto oom;
  struct row_key key = {window, kind, range_current_session(), iname};
  uint32_t h = row_hash(window, kind, iname);
  void **slot = index_slot(&t->rows_ix, h, row_eq, &key);
  if (*slot) return *slot;
  struct range_row *r = row_new(t, window, kind, key.session, iname, h);
  if (!r) goto oom;
  *slot = r;
  t->rows_ix.n++;
  return r;
oom:
  warn_oom();
  return NULL;
}

/* Stack rows are not in the index: within a session a thread sees its windows in order, so a name
 * whose cached row is of another window has none yet in this one. (Should a window be seen out of
 * order, a second row of the same (window, name) would be made; collect adds them up.) */
struct range_row *range_stack_row(struct range_thread *t, int32_t window, const char *iname) {
  struct range_name *n = range_name_of(iname);
  uint32_t session = range_current_session();
  if (n->row && n->row_window == window && n->row_session == session) return n->row;
  struct range_row *r = row_new(t, window, RANGE_KIND_STACK, session, iname, row_hash(window, RANGE_KIND_STACK, iname));
  if (!r) {
    warn_oom();
    return NULL;
  }
  n->row = r;
  n->row_window = window;
  n->row_session = session;
  return r;
}

/* ---- calling-context nodes: keyed by (parent, name text, kind) ---- */

struct node_key { uint32_t parent; int kind; const char *name; };

static uint32_t node_hash(uint32_t parent, int kind, uint32_t name_hash) {
  return name_hash ^ parent * 2654435761u ^ (uint32_t)kind * 97u;
}
static uint32_t node_hash_of(const void *item) { return ((const struct range_node *)item)->hash; }
static int node_eq(const void *item, const void *key) {
  const struct range_node *n = item;
  const struct node_key *k = key;
  return n->parent == k->parent && n->kind == k->kind && strcmp(n->name, k->name) == 0;
}

/* A new node in the thread's chunks, published by the release store of nnodes. */
static struct range_node *node_new(struct range_thread *t, uint32_t parent, const char *name, int kind,
                                   uint32_t name_h, uint32_t h) {
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
  const char *iname = name_intern_hashed(t, name, name_h);
  if (!iname) return NULL;
  struct range_node *n = &(*chunk)[idx & (NODE_CHUNK - 1)];
  *n = (struct range_node){.id = t->tid << NODE_INDEX_BITS | idx, .parent = parent, .hash = h,
                           .kind = kind, .name = iname};
  __atomic_store_n(&t->nnodes, idx, __ATOMIC_RELEASE);
  return n;
}

uint32_t range_node_get(struct range_thread *t, uint32_t parent, const char *name, int kind, int create) {
  if (!t->tid || (create && index_reserve(&t->nodes_ix, node_hash_of))) return 0;
  if (!t->nodes_ix.nslots) return 0;
  struct node_key key = {parent, kind, name};
  uint32_t name_h = str_hash(name), h = node_hash(parent, kind, name_h);
  void **slot = index_slot(&t->nodes_ix, h, node_eq, &key);
  if (*slot) return ((struct range_node *)*slot)->id;
  if (!create) return 0;
  struct range_node *n = node_new(t, parent, name, kind, name_h, h);
  if (!n) {
    warn_oom();
    return 0;
  }
  *slot = n;
  t->nodes_ix.n++;
  return n->id;
}

/* ---- stack nodes by the caller's pointer: the hints ---- */

#define HINTS_MIN 256
#define HINTS_MAX (1u << 16) /* 1 MiB; past it (names in ever new buffers) the table starts over */

static uint32_t hint_hash(const char *ptr, uint32_t parent) {
  return (uint32_t)(((uint64_t)(uintptr_t)ptr ^ (uint64_t)parent << 40) * 0x9E3779B97F4A7C15ull >> 32);
}

static struct node_hint *hint_slot(const struct hint_table *h, const char *ptr, uint32_t parent) {
  for (uint32_t i = hint_hash(ptr, parent) & h->mask;; i = (i + 1) & h->mask) {
    struct node_hint *e = &h->v[i];
    if (!e->ptr || (e->ptr == ptr && e->parent == parent)) return e;
  }
}

/* Room for one more hint (at most half full), or 0 when none could be made. */
static int hint_reserve(struct hint_table *h) {
  if (h->v && 2 * (h->n + 1) <= h->mask + 1) return 1;
  uint32_t size = h->v ? 2 * (h->mask + 1) : HINTS_MIN;
  if (size > HINTS_MAX) { /* forget them all: the ones in use come back on their next push */
    memset(h->v, 0, (size_t)(h->mask + 1) * sizeof *h->v);
    h->n = 0;
    return 1;
  }
  struct node_hint *v = calloc(size, sizeof *v);
  if (!v) return 0;
  struct hint_table old = *h;
  *h = (struct hint_table){.v = v, .mask = size - 1, .n = old.n};
  for (uint32_t i = 0; old.v && i <= old.mask; i++)
    if (old.v[i].ptr) *hint_slot(h, old.v[i].ptr, old.v[i].parent) = old.v[i];
  free(old.v);
  return 1;
}

/* strcmp(a, b) == 0 inline for the short names ranges mostly have. */
static inline int same_text(const char *a, const char *b) {
  for (int i = 0; i < 32; i++, a++, b++) {
    if (*a != *b) return 0;
    if (!*a) return 1;
  }
  return strcmp(a, b) == 0;
}

uint32_t range_stack_node(struct range_thread *t, uint32_t parent, const char *name, const char **iname) {
  struct node_hint *e = t->hints.v ? hint_slot(&t->hints, name, parent) : NULL;
  if (e && e->ptr) {
    uint32_t idx = e->node & NODE_INDEX_MASK; /* the owner's own node: no lookup by thread id */
    const char *text = t->chunks[idx >> NODE_CHUNK_BITS][idx & (NODE_CHUNK - 1)].name;
    if (same_text(text, name)) {
      *iname = text;
      return e->node;
    }
  }
  uint32_t node = range_node_get(t, parent, name, RANGE_KIND_STACK, 1);
  const struct range_node *n = node ? range_node_at(node) : NULL;
  *iname = n ? n->name : range_name_intern(t, name);
  if (!n) return node;
  if (!e || !e->ptr) { /* a new key: it needs room (an existing one is rewritten in place) */
    if (!hint_reserve(&t->hints)) return node;
    e = hint_slot(&t->hints, name, parent);
    if (!e->ptr) t->hints.n++;
  }
  *e = (struct node_hint){.ptr = name, .parent = parent, .node = node};
  return node;
}
