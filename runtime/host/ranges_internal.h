/* Internal state of the range recorder, shared by ranges.c (push/pop, start/end, collect),
 * ranges_index.c (the owner-only lookups) and ranges_gpu.c (launch contexts and GPU time). */
#ifndef WPR_RANGES_INTERNAL_H
#define WPR_RANGES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "wpio_job.h"

#define RANGE_STACK_MAX 256
#define RANGE_OPEN_MAX 32           /* start/end ranges open at once on one thread */
#define RANGE_THREADS_MAX 4095      /* threads that get a calling-context tree (ids 1..4095) */
#define NODE_INDEX_BITS 20          /* node id = thread id << 20 | index within the thread */
#define NODE_CHUNK_BITS 10
#define NODE_CHUNK (1u << NODE_CHUNK_BITS)
#define NODE_CHUNKS (1u << (NODE_INDEX_BITS - NODE_CHUNK_BITS))
#define NODE_INDEX_MASK ((1u << NODE_INDEX_BITS) - 1)

enum range_kind { RANGE_KIND_STACK = 0, RANGE_KIND_OPEN = 1 }; /* push/pop vs start/end */

/* A (window, name, kind) row of a thread. Stack rows are written by their owner only; start/end
 * rows with atomic adds, since the end may come from any thread. Collect reads both relaxed. */
struct range_row {
  struct range_row *next_all;  /* the thread's published list, newest first */
  uint32_t hash;
  int32_t window;
  int kind;
  const char *name;            /* interned in the thread */
  uint64_t calls, cpu_total_ns, cpu_self_ns;
};

/* GPU time of one node in one window; pushed onto the node's list with CAS by add_gpu_time. */
struct gpu_cell {
  struct gpu_cell *next;
  int32_t window;
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
  int32_t row_window;          /* owner-only cache of the stack row for the window last seen */
  struct range_row *row;
};

struct range_frame {
  struct range_row *row;       /* NULL: pushed while no window ran (not recorded) */
  uint64_t start;              /* ticks */
  uint64_t child_ns;           /* total time of the frame's children, for self time */
  uint32_t node;               /* the frame's calling-context node (0: none could be made) */
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

struct range_thread {
  struct range_frame stack[RANGE_STACK_MAX];
  uint32_t depth;              /* may pass the cap: deeper pushes are counted, not kept */
  uint64_t overflows;
  uint32_t tid;                /* 1..RANGE_THREADS_MAX, 0: no tree (too many threads) */
  struct owner_index rows_ix, names_ix, nodes_ix;
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

/* ---- ranges_index.c: the owner's lookups (may allocate; never called off the owner thread) ---- */
const char *range_name_intern(struct range_thread *t, const char *name);
struct range_row *range_row_get(struct range_thread *t, int32_t window, const char *name, int kind);
/* The node (parent, name, kind), made on first sight unless `create` is 0 or memory ran out: 0. */
uint32_t range_node_get(struct range_thread *t, uint32_t parent, const char *name, int kind, int create);

/* ---- ranges.c ---- */
int32_t range_current_window(void);          /* -1 while no window runs or recording is disabled */
struct range_thread *range_thread_current(void); /* the caller's, or NULL before its first range */
struct range_thread *range_thread_by_id(uint32_t tid);
/* The node at `id`, or NULL when the id names no published node. Any thread. */
struct range_node *range_node_at(uint32_t id);

/* ---- ranges_gpu.c ---- */
/* Rebuilds the owner's ctx_node from its stack and open start/end ranges. */
void range_ctx_refresh(struct range_thread *t, int create);

/* Collect's merge of rows into job->ranges by (window, name). */
struct merge_index { size_t *idx; size_t mask; size_t first; };
struct wpio_range_row *range_merge_row(struct wpio_job *job, struct merge_index *mi, int32_t rank,
                                       int32_t window, const char *name);
int range_merge_gpu(struct wpio_job *job, struct merge_index *mi, int32_t rank, struct range_thread *t);

#endif
