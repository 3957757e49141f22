/* The owner's lookups of a thread's range state (ranges_index.c): they may allocate, so only the
 * thread that owns the state calls them; other threads read what they published. */
#ifndef WPR_RANGES_INDEX_H
#define WPR_RANGES_INDEX_H

#include <stdint.h>

#include "ranges_threads.h"

const char *range_name_intern(struct range_thread *t, const char *name);
struct range_row *range_row_get(struct range_thread *t, int32_t window, const char *name, int kind);
/* The node (parent, name, kind), made on first sight unless `create` is 0 or memory ran out: 0. */
uint32_t range_node_get(struct range_thread *t, uint32_t parent, const char *name, int kind, int create);

/* The stack node (parent, name), made on first sight, found by the caller's pointer when it was seen
 * before with the same text; *iname is the interned name (NULL when out of memory). 0: no node. */
uint32_t range_stack_node(struct range_thread *t, uint32_t parent, const char *name, const char **iname);
/* The stack row of (window, interned name) in the current session, made on first sight. */
struct range_row *range_stack_row(struct range_thread *t, int32_t window, const char *iname);

#endif
