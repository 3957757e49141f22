/* The range recorder's state (ranges_threads.c): its types, the window ranges are recorded in, and
 * the registry of threads. Every file of the recorder reads it; each calls only the ones after it:
 * ranges.c (push/pop, start/end), ranges_collect.c (collect), ranges_gpu.c (launch contexts and GPU
 * time), ranges_index.c (the owner-only lookups), ranges_threads.c. */
#ifndef WPR_RANGES_THREADS_H
#define WPR_RANGES_THREADS_H

#include <stddef.h>
#include <stdint.h>


#define RANGE_STACK_MAX 256
#define RANGE_OPEN_MAX 32           /* start/end ranges open at once on one thread */
#define RANGE_THREADS_MAX 4095      /* threads that get a calling-context tree (ids 1..4095) */
#define NODE_INDEX_BITS 20          /* node id = thread id << 20 | index within the thread */
#define NODE_CHUNK_BITS 10
#define NODE_CHUNK (1u << NODE_CHUNK_BITS)
#define NODE_CHUNKS (1u << (NODE_INDEX_BITS - NODE_CHUNK_BITS))
#define NODE_INDEX_MASK ((1u << NODE_INDEX_BITS) - 1)

enum range_kind { RANGE_KIND_STACK = 0, RANGE_KIND_OPEN = 1 }; /* push/pop vs start/end */

/* An interned name: one per distinct name in a thread, at a fixed address; `text` is the pointer rows,
 * nodes and start/end slots hold. The owner caches the name's stack row of the window it saw last:
 * nodes of one name under different parents share that row, and a row of a new window is made
 * without a lookup (collect merges rows by (window, name) in any case). */
struct range_name {
  struct range_row *row;       /* owner-only */
  int32_t row_window;
  uint32_t row_session;
  char text[];
};
static inline struct range_name *range_name_of(const char *interned) {
  return (struct range_name *)(void *)(interned - offsetof(struct range_name, text));
}

/* A (window, name, kind) row of a thread. Stack rows are written by their owner only; start/end
 * rows with atomic adds, since the end may come from any thread. Collect reads both relaxed. */
struct range_row {
  struct range_row *next_all;  /* the thread's published list, newest first */
  uint32_t hash;
  int32_t window;
  int kind;
  uint32_t session;            /* range_session when made: a later session's rows are new ones */
  const char *name;            /* interned in the thread */
  uint64_t calls, cpu_total_ns, cpu_self_ns;
};

/* GPU time of one node in one window; pushed onto the node's list with CAS by add_gpu_time. */
struct gpu_cell {
  struct gpu_cell *next;
  int32_t window;
  uint32_t session;            /* range_session when made */
  uint64_t self_ns, total_ns;
};

/* A calling-context node: (parent, name, kind), append-only, immutable once its id escapes. */
struct range_node {
  uint32_t id;
  uint32_t parent;             /* node id, 0 = the root */
  uint32_t hash;
  int kind;
  const char *name;            /* interned: one pointer per distinct name in the thread */
  struct gpu_cell *cells;      /* CAS-pushed, newest window first */
};

struct range_frame {
  struct range_row *row;       /* NULL: pushed while no window ran (not recorded) */
  uint64_t start;              /* ticks */
  uint64_t child_ns;           /* total time of the frame's children, for self time */
  uint32_t node;               /* the frame's calling-context node (0: none could be made) */
  const char *name;            /* the node's name, for the step hook at pop (NULL: no node) */
};

/* A start/end slot. `state` = seq << 1 | open; `start` and `row` are atomics because an end on
 * another thread reads them while the owner may already reuse the slot (the CAS then fails). */
struct range_open {
  uint64_t state;
  uint64_t start;
  struct range_row *row;
  const char *name;            /* owner-only, read while the slot is open */
};

struct owner_index { void **slots; size_t nslots, n; }; /* open addressing, owner-only */

/* The owner's cache of stack nodes by (caller's name pointer, parent): a hit still compares the text,
 * since the caller may have written another name at the same address. 16 bytes, four per line. */
struct node_hint {
  const char *ptr;             /* NULL: empty */
  uint32_t parent, node;
};
struct hint_table { struct node_hint *v; uint32_t mask, n; };

/* Owner-only bump storage of rows and names, in blocks that are never freed (collect reads rows). */
struct bump_block { char *next, *end; size_t size; };

struct range_thread {
  struct range_frame stack[RANGE_STACK_MAX];
  uint32_t depth;              /* may pass the cap: deeper pushes are counted, not kept */
  uint64_t overflows;
  uint32_t tid;                /* 1..RANGE_THREADS_MAX, 0: no tree (too many threads) */
  struct owner_index rows_ix, names_ix, nodes_ix;
  struct hint_table hints;
  struct bump_block row_mem, name_mem;
  struct range_row *rows;
  struct range_node *chunks[NODE_CHUNKS];
  uint32_t nnodes;             /* published with release after a node is written */
  struct range_open open[RANGE_OPEN_MAX];
  uint64_t open_gen;           /* bumped by every end (any thread) */
  uint64_t open_gen_seen;      /* owner: the generation ctx_node was built for */
  uint32_t open_mask;          /* owner: slots it started that may still be open */
  uint32_t ctx_node;           /* owner: what a launch now is attributed to */
  struct range_thread *next;
};

/* ---- ranges_threads.c: the window ranges are recorded in, and the registry of threads ---- */
extern int32_t range_window;  /* ranges.c's wpr_ranges_set_window: -1 while no window runs */
extern int range_enabled;     /* ranges.c's wpr_ranges_set_enabled: 0 on a rank that does not collect */
extern uint32_t range_session; /* ranges.c's wpr_ranges_new_session: rows of other sessions are not collected */
extern __thread struct range_thread *range_tls __attribute__((tls_model("initial-exec")));

/* -1 while no window runs or recording is disabled */
static inline int32_t range_current_window(void) {
  if (!__atomic_load_n(&range_enabled, __ATOMIC_RELAXED)) return -1;
  return __atomic_load_n(&range_window, __ATOMIC_RELAXED);
}
static inline uint32_t range_current_session(void) { return __atomic_load_n(&range_session, __ATOMIC_RELAXED); }
/* The caller's, or NULL before its first range. */
static inline struct range_thread *range_thread_current(void) { return range_tls; }
/* The caller's first range: its table, registered (NULL when out of memory). */
struct range_thread *range_thread_register(void);
static inline struct range_thread *range_thread_self(void) { return range_tls ? range_tls : range_thread_register(); }
struct range_thread *range_thread_by_id(uint32_t tid);
/* The node at `id`, or NULL when the id names no published node. Any thread. */
struct range_node *range_node_at(uint32_t id);
/* Every registered thread, newest first, with the registry's lock held until range_threads_unlock. */
struct range_thread *range_threads_lock(void);
void range_threads_unlock(void);

#endif
