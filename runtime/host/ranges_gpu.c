/* GPU time of ranges: a launch is tagged with its thread's context node (the push/pop path, with the
 * thread's open start/end ranges on top); a finished record's time is credited along that path. */
#include "ranges_gpu.h"

#include <stdlib.h>

#include "late_rows.h"
#include "log.h"
#include "ranges_index.h"
#include "ranges_threads.h"

#define PATH_MAX_NODES (RANGE_STACK_MAX + RANGE_OPEN_MAX)

/* ---- the owner's launch context ---- */

/* The context node is the innermost stack node with one OPEN node per open start/end range chained
 * on top (in slot order), so one 32-bit id names the whole set a launch belongs to. With `create` 0
 * (inside a launch callback: no allocation) a combination never seen before falls back to the stack
 * path alone, until the owner's next range call rebuilds it. */
void range_ctx_refresh(struct range_thread *t, int create) {
  uint64_t gen = __atomic_load_n(&t->open_gen, __ATOMIC_ACQUIRE);
  uint32_t d = t->depth < RANGE_STACK_MAX ? t->depth : RANGE_STACK_MAX;
  uint32_t stack_node = d ? t->stack[d - 1].node : 0, node = stack_node;
  for (uint32_t mask = t->open_mask; mask; mask &= mask - 1) {
    int i = __builtin_ctz(mask);
    if (!(__atomic_load_n(&t->open[i].state, __ATOMIC_ACQUIRE) & 1)) {
      t->open_mask &= ~(1u << i); /* ended, possibly by another thread */
      continue;
    }
    uint32_t n = range_node_get(t, node, t->open[i].name, RANGE_KIND_OPEN, create);
    if (!n && !create) {
      t->ctx_node = stack_node;
      return; /* open_gen_seen stays stale: the next owner call rebuilds */
    }
    if (n) node = n;
  }
  t->ctx_node = node;
  t->open_gen_seen = gen;
}

struct wpr_launch_ctx wpr_ranges_launch_ctx(void) {
  int32_t window = range_current_window();
  struct range_thread *t = range_thread_current();
  if (window < 0 || !t) return (struct wpr_launch_ctx){.window = window < 0 ? -1 : window, .node = 0};
  if (__atomic_load_n(&t->open_gen, __ATOMIC_ACQUIRE) != t->open_gen_seen) range_ctx_refresh(t, 0);
  return (struct wpr_launch_ctx){.window = window, .node = t->ctx_node};
}

/* ---- crediting GPU time (any thread) ---- */

static struct gpu_cell *cell_find(struct gpu_cell *c, int32_t window, uint32_t session) {
  for (; c; c = c->next)
    if (c->window == window && c->session == session) return c;
  return NULL;
}

/* The node's cell of `window`, made on first use; concurrent adders agree on one cell by CAS. */
static struct gpu_cell *cell_get(struct range_node *n, int32_t window) {
  struct gpu_cell *head = __atomic_load_n(&n->cells, __ATOMIC_ACQUIRE);
  uint32_t session = range_current_session();
  struct gpu_cell *c = cell_find(head, window, session);
  if (c) return c;
  struct gpu_cell *fresh = calloc(1, sizeof *fresh);
  if (!fresh) {
    static int warned;
    wpr_warn_once(&warned, "out of memory for range GPU time; some is not attributed");
    return NULL;
  }
  fresh->window = window;
  fresh->session = session;
  do {
    fresh->next = head;
    if (__atomic_compare_exchange_n(&n->cells, &head, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return fresh;
    c = cell_find(head, window, session); /* head was reloaded: another adder may have made the cell */
  } while (!c);
  free(fresh);
  return c;
}

struct path_name { const char *name; int self_done; };

static struct path_name *path_name_find(struct path_name *seen, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (seen[i].name == name) return &seen[i];
  return NULL;
}

/* Each name on the path gets the time once in total; self goes to every open start/end range and to
 * the innermost push/pop range, each name once. Names are interned per thread, so pointers compare. */
void wpr_ranges_add_gpu_time(struct wpr_launch_ctx ctx, uint64_t gpu_ns) {
  if (ctx.window < 0 || ctx.node == 0) return;
  wpr_late_rows_check(ctx.window, range_current_window()); /* a GPU record of a closed window */
  struct path_name seen[PATH_MAX_NODES];
  int n_seen = 0, stack_seen = 0;
  uint32_t id = ctx.node;
  for (int steps = 0; id && steps < PATH_MAX_NODES; steps++) {
    struct range_node *n = range_node_at(id);
    if (!n) return; /* not a node id: nothing to credit */
    int self = n->kind == RANGE_KIND_OPEN || !stack_seen;
    if (n->kind == RANGE_KIND_STACK) stack_seen = 1;
    struct path_name *p = path_name_find(seen, n_seen, n->name);
    struct gpu_cell *c = NULL;
    if (!p) {
      p = &seen[n_seen++];
      *p = (struct path_name){n->name, 0};
      if ((c = cell_get(n, ctx.window))) __atomic_fetch_add(&c->total_ns, gpu_ns, __ATOMIC_RELAXED);
    }
    if (self && !p->self_done) {
      p->self_done = 1;
      if (c || (c = cell_get(n, ctx.window))) __atomic_fetch_add(&c->self_ns, gpu_ns, __ATOMIC_RELAXED);
    }
    if (n->parent >= id) return; /* parents are older than children: anything else is corrupt */
    id = n->parent;
  }
}

const char *wpr_ranges_node_name(uint32_t node) {
  struct range_node *n = node ? range_node_at(node) : NULL;
  return n ? n->name : NULL;
}
