/* The correlation map (cupti_corr.h). Each slot is two 64-bit words that both carry the id in their
 * high half, so a reader detects a slot torn by a concurrent writer of another id without a lock. */
#ifdef WPROF_HAVE_CUPTI
#include "cupti_corr.h"

#include <stdatomic.h>

struct corr_slot {
  _Atomic uint64_t id_window;  /* id << 32 | (uint32_t)window */
  _Atomic uint64_t id_node;    /* id << 32 | node */
};

static struct corr_slot slots[WPR_CUPTI_CORR_SLOTS];

void wpr_cupti_corr_put(uint32_t id, struct wpr_launch_ctx ctx) {
  struct corr_slot *s = &slots[id & (WPR_CUPTI_CORR_SLOTS - 1)];
  uint64_t tag = (uint64_t)id << 32;
  atomic_store_explicit(&s->id_window, tag | (uint32_t)ctx.window, memory_order_relaxed);
  atomic_store_explicit(&s->id_node, tag | ctx.node, memory_order_release);
}

int wpr_cupti_corr_get(uint32_t id, struct wpr_launch_ctx *ctx) {
  if (id == 0) return 0; /* CUPTI's "no correlation"; also what an empty slot holds */
  struct corr_slot *s = &slots[id & (WPR_CUPTI_CORR_SLOTS - 1)];
  uint64_t node = atomic_load_explicit(&s->id_node, memory_order_acquire);
  uint64_t window = atomic_load_explicit(&s->id_window, memory_order_relaxed);
  if ((node >> 32) != id || (window >> 32) != id) return 0;
  ctx->window = (int32_t)(uint32_t)window;
  ctx->node = (uint32_t)node;
  return 1;
}
#endif
