/* The name dictionary behind a job's /names (wpio_strtab.c). A header of its own: the dictionary
 * needs nothing of the job that holds it. */
#ifndef WPIO_STRTAB_H
#define WPIO_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* String dictionary: names[i] is name_id i. Lookup by hash, so merging stays linear. */
struct wpio_strtab {
  char **s;        /* s[i] points into `blocks`: the table owns the strings, never free one alone */
  size_t n, cap;
  uint32_t *slots; /* open addressing, nslots pairs: (index+1, 0 = empty; low 32 bits of the hash) */
  size_t nslots;
  struct wpio_strtab_block *blocks; /* the strings' storage, newest block first */
  size_t block_left;                /* free bytes at the end of blocks */
  struct wpio_strtab_block *spare;  /* blocks a clear emptied, smallest first: filled again before any new one */
};
void wpio_strtab_init(struct wpio_strtab *t);
void wpio_strtab_free(struct wpio_strtab *t);
/* Forgets every string but keeps the table's memory (the strings' blocks, the id and slot arrays),
 * so refilling it with no more names than before allocates nothing. */
void wpio_strtab_clear(struct wpio_strtab *t);
/* Returns the id of `str` (first `len` bytes), adding it if new; UINT32_MAX when out of memory. */
uint32_t wpio_strtab_intern(struct wpio_strtab *t, const char *str, size_t len);
/* Room for n names in all, so interning them never grows the table. 0, or -1 (out of memory). */
int wpio_strtab_reserve(struct wpio_strtab *t, size_t n);
/* Returns the id of `str` or UINT32_MAX when absent. */
uint32_t wpio_strtab_find(const struct wpio_strtab *t, const char *str);

#ifdef __cplusplus
}
#endif
#endif
