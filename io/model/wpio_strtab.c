/* The name dictionary (/names): interning with FNV-1a hashing and open addressing, so merging the
 * tables of thousands of ranks stays linear in the number of names. */
#include <stdlib.h>
#include <string.h>

#include "wpio_strtab.h"

#define STRTAB_MIN_SLOTS 64u
#define STRTAB_NONE UINT32_MAX

static uint64_t fnv1a(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* Strings are copied into blocks, not one allocation each: a rank's collect interns thousands of
 * names at every stop, and their mallocs and frees were a visible part of it. */
struct wpio_strtab_block {
  struct wpio_strtab_block *next;
  size_t size;
  char data[];
};
#define STRTAB_BLOCK_MIN 4096u
#define STRTAB_BLOCK_MAX ((size_t)1 << 20)

static void block_list_free(struct wpio_strtab_block *b) {
  for (struct wpio_strtab_block *next; b; b = next) {
    next = b->next;
    free(b);
  }
}

/* A spare block with room for `need` bytes, unlinked; NULL when none has. */
static struct wpio_strtab_block *spare_take(struct wpio_strtab *t, size_t need) {
  for (struct wpio_strtab_block **at = &t->spare; *at; at = &(*at)->next) {
    struct wpio_strtab_block *b = *at;
    if (b->size < need) continue;
    *at = b->next;
    return b;
  }
  return NULL;
}

/* Room for len + 1 bytes: a spare block that holds them (a cleared table is filled again in memory it
 * has touched already, which costs no page faults), else a new block, each twice the last (up to
 * 1 MiB), or bigger for a long name. */
static char *strtab_store(struct wpio_strtab *t, size_t len) {
  if (len + 1 > t->block_left) {
    struct wpio_strtab_block *b = spare_take(t, len + 1);
    if (!b) {
      size_t size = t->blocks ? 2 * t->blocks->size : STRTAB_BLOCK_MIN;
      if (size > STRTAB_BLOCK_MAX) size = STRTAB_BLOCK_MAX;
      if (size < len + 1) size = len + 1;
      if (!(b = malloc(sizeof *b + size))) return NULL;
      b->size = size;
    }
    b->next = t->blocks;
    t->blocks = b;
    t->block_left = b->size;
  }
  char *at = t->blocks->data + (t->blocks->size - t->block_left);
  t->block_left -= len + 1;
  return at;
}

void wpio_strtab_init(struct wpio_strtab *t) { memset(t, 0, sizeof *t); }

void wpio_strtab_free(struct wpio_strtab *t) {
  block_list_free(t->blocks);
  block_list_free(t->spare);
  free(t->s);
  free(t->slots);
  memset(t, 0, sizeof *t);
}

void wpio_strtab_clear(struct wpio_strtab *t) {
  /* the blocks go to the spares, newest (largest) first onto the list's head: the smallest comes
   * first again, in the order they were filled */
  for (struct wpio_strtab_block *b = t->blocks, *next; b; b = next) {
    next = b->next;
    b->next = t->spare;
    t->spare = b;
  }
  t->blocks = NULL;
  t->block_left = 0;
  t->n = 0;
  if (t->slots) memset(t->slots, 0, t->nslots * 2 * sizeof *t->slots);
}

/* Each slot is two uint32_t: the string's index+1 (0: empty) and the low 32 bits of its hash, so a
 * probe compares strings only when the hashes agree, and growing never hashes a string again
 * (merging thousands of ranks' tables interns millions of names: this is most of its cost). */
#define SLOT_ID(t, i) ((t)->slots[2 * (i)])
#define SLOT_HASH(t, i) ((t)->slots[2 * (i) + 1])

/* Slot holding `str` or the empty slot where it would go. `str` has no NUL in its first `len`
 * bytes, so strncmp matching all `len` bytes means the stored string is at least that long and
 * reading its byte `len` stays inside it. */
static size_t strtab_probe(const struct wpio_strtab *t, const char *str, size_t len, uint64_t h) {
  size_t mask = t->nslots - 1;
  size_t i = (size_t)h & mask;
  for (;;) {
    uint32_t id = SLOT_ID(t, i);
    if (id == 0) return i;
    if (SLOT_HASH(t, i) == (uint32_t)h) {
      const char *s = t->s[id - 1];
      if (strncmp(s, str, len) == 0 && s[len] == '\0') return i;
    }
    i = (i + 1) & mask;
  }
}

/* Doubles the slot array (load factor stays <= 1/2) and re-inserts every string by its stored hash
 * (the low 32 bits index any table of up to 2^32 slots, and ids are 32-bit anyway). */
static int strtab_rehash(struct wpio_strtab *t, size_t nslots) {
  uint32_t *slots = calloc(nslots, 2 * sizeof *slots);
  if (!slots) return -1;
  uint32_t *old = t->slots;
  size_t old_n = t->nslots, mask = nslots - 1;
  t->slots = slots;
  t->nslots = nslots;
  for (size_t k = 0; k < old_n; k++) {
    uint32_t id = old[2 * k], h = old[2 * k + 1];
    if (id == 0) continue;
    size_t i = (size_t)h & mask;
    while (SLOT_ID(t, i)) i = (i + 1) & mask;
    SLOT_ID(t, i) = id;
    SLOT_HASH(t, i) = h;
  }
  free(old);
  return 0;
}

static int strtab_reserve_one(struct wpio_strtab *t) {
  if (t->n >= (size_t)STRTAB_NONE - 1) return -1; /* ids and slots are 32-bit */
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    char **s = realloc(t->s, cap * sizeof *s);
    if (!s) return -1;
    t->s = s;
    t->cap = cap;
  }
  if ((t->n + 1) * 2 > t->nslots) {
    size_t nslots = t->nslots ? t->nslots * 2 : STRTAB_MIN_SLOTS;
    if (nslots > ((size_t)1 << 32)) return -1;
    if (strtab_rehash(t, nslots) != 0) return -1;
  }
  return 0;
}

int wpio_strtab_reserve(struct wpio_strtab *t, size_t n) {
  if (n <= t->n) return 0; /* nothing new: an empty table stays unallocated */
  if (n >= (size_t)STRTAB_NONE - 1) return -1;
  if (n > t->cap) {
    char **s = realloc(t->s, n * sizeof *s);
    if (!s) return -1;
    t->s = s;
    t->cap = n;
  }
  size_t nslots = t->nslots ? t->nslots : STRTAB_MIN_SLOTS;
  while ((n + 1) * 2 > nslots) nslots *= 2;
  return nslots == t->nslots ? 0 : strtab_rehash(t, nslots);
}

uint32_t wpio_strtab_intern(struct wpio_strtab *t, const char *str, size_t len) {
  if (!str) return STRTAB_NONE;
  len = strnlen(str, len); /* a name ends at its first NUL, as it will in HDF5 */
  if (strtab_reserve_one(t) != 0) return STRTAB_NONE;
  uint64_t h = fnv1a(str, len);
  size_t i = strtab_probe(t, str, len, h);
  if (SLOT_ID(t, i)) return SLOT_ID(t, i) - 1;
  char *copy = strtab_store(t, len);
  if (!copy) return STRTAB_NONE;
  memcpy(copy, str, len);
  copy[len] = '\0';
  t->s[t->n] = copy;
  SLOT_ID(t, i) = (uint32_t)(t->n + 1);
  SLOT_HASH(t, i) = (uint32_t)h;
  return (uint32_t)t->n++;
}

uint32_t wpio_strtab_find(const struct wpio_strtab *t, const char *str) {
  if (!str || t->nslots == 0) return STRTAB_NONE;
  size_t len = strlen(str);
  size_t i = strtab_probe(t, str, len, fnv1a(str, len));
  return SLOT_ID(t, i) ? SLOT_ID(t, i) - 1 : STRTAB_NONE;
}
