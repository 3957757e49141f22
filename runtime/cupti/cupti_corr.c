/* The correlation map (cupti_corr.h). Each slot is three 64-bit words; the two that carry the id in
 * their high half let a reader detect a slot torn by a concurrent writer of another id without a
 * lock. The launch time is stored between them (release) and read between them (acquire): a reader
 * that sees a newer writer's time also sees that writer's id_window, so the id check rejects it. */
#ifdef WPROF_HAVE_CUPTI
#include "cupti_corr.h"

#include <stdatomic.h>
#include <stddef.h>

struct corr_slot {
  _Atomic uint64_t id_window;  /* id << 32 | (uint32_t)window */
  _Atomic int64_t launch_ns;   /* wpr_time_ns at the launch API's enter, 0: unknown */
  _Atomic uint64_t id_node;    /* id << 32 | node */
};

static struct corr_slot slots[WPR_CUPTI_CORR_SLOTS];

void wpr_cupti_corr_put_at(uint32_t id, struct wpr_launch_ctx ctx, int64_t launch_ns) {
  struct corr_slot *s = &slots[id & (WPR_CUPTI_CORR_SLOTS - 1)];
  uint64_t tag = (uint64_t)id << 32;
  atomic_store_explicit(&s->id_window, tag | (uint32_t)ctx.window, memory_order_relaxed);
  atomic_store_explicit(&s->launch_ns, launch_ns, memory_order_release);
  atomic_store_explicit(&s->id_node, tag | ctx.node, memory_order_release);
}

void wpr_cupti_corr_put(uint32_t id, struct wpr_launch_ctx ctx) { wpr_cupti_corr_put_at(id, ctx, 0); }

int wpr_cupti_corr_get_at(uint32_t id, struct wpr_launch_ctx *ctx, int64_t *launch_ns) {
  if (id == 0) return 0; /* CUPTI's "no correlation"; also what an empty slot holds */
  struct corr_slot *s = &slots[id & (WPR_CUPTI_CORR_SLOTS - 1)];
  uint64_t node = atomic_load_explicit(&s->id_node, memory_order_acquire);
  int64_t when = atomic_load_explicit(&s->launch_ns, memory_order_acquire);
  uint64_t window = atomic_load_explicit(&s->id_window, memory_order_relaxed);
  if ((node >> 32) != id || (window >> 32) != id) return 0;
  ctx->window = (int32_t)(uint32_t)window;
  ctx->node = (uint32_t)node;
  if (launch_ns) *launch_ns = when;
  return 1;
}

int wpr_cupti_corr_get(uint32_t id, struct wpr_launch_ctx *ctx) { return wpr_cupti_corr_get_at(id, ctx, NULL); }
#endif
