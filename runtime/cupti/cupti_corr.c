/* The correlation map (cupti_corr.h). Each slot is four 64-bit words; the three that carry the id in
 * their high half let a reader detect a slot torn by a concurrent writer of another id without a
 * lock. The launch time is stored between them (release) and read between them (acquire): a reader
 * that sees a newer writer's time also sees that writer's id_window, so the id check rejects it. The
 * fourth word, id << 32 | session << 8 | flags, says whether the entry was a launch (of one record or
 * of several), whether a record found it, and in which session it was made.
 * An entry goes to the first of PROBES slots from its id's own that is empty, else that a record
 * found already (a launch of several records, e.g. a graph's, only after every other choice: its
 * later records still need it), so what the table holds is the tagged calls whose records are still
 * to come, however many untagged calls (each takes an id) run between them. Only when all PROBES
 * slots wait for records is one replaced, and counted lost when it was this session's (never
 * silently). Slots never become empty again, so a reader stops at the first empty one. */
#ifdef WPROF_HAVE_CUPTI
#include "cupti_corr.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#define FLAG_LAUNCH 1u
#define FLAG_FOUND 2u
#define FLAG_LIVE 4u /* written by put: an empty slot holds 0 */
#define FLAG_MULTI 8u /* a launch of several records (graph, multi-device): kept after the first */
#define FLAG_BITS 8
#define SESSION_MASK 0xffffffu /* the session lives in bits 8..31 of id_flags */
#define PROBES 16

struct corr_slot {
  _Atomic uint64_t id_window;  /* id << 32 | (uint32_t)window */
  _Atomic int64_t launch_ns;   /* wpr_time_ns at the launch API's enter, 0: unknown */
  _Atomic uint64_t id_node;    /* id << 32 | node */
  _Atomic uint64_t id_flags;   /* id << 32 | FLAG_* */
};

static struct corr_slot *slots;
static size_t mask;
static _Atomic uint64_t lost, outstanding;
static _Atomic uint32_t session = 1;

static uint32_t session_of(uint64_t word) { return (uint32_t)(word >> FLAG_BITS) & SESSION_MASK; }
static int this_session(uint64_t word) {
  return session_of(word) == atomic_load_explicit(&session, memory_order_relaxed);
}

void wpr_cupti_corr_new_session(void) {
  uint32_t next = (atomic_load(&session) + 1) & SESSION_MASK;
  atomic_store(&session, next ? next : 1);
  atomic_store(&outstanding, 0); /* a past session's launches without records are not waited for */
}

size_t wpr_cupti_corr_init(size_t buffer_bytes, int buffers) {
  if (slots) return mask + 1; /* once per process: callbacks of a past session may still write */
  size_t records = buffer_bytes / sizeof(CUpti_ActivityKernel10) * (size_t)(buffers > 0 ? buffers : 1);
  size_t n = WPR_CUPTI_CORR_MIN_SLOTS;
  while (n < 2 * records && n < WPR_CUPTI_CORR_MAX_SLOTS) n *= 2;
  while (!(slots = calloc(n, sizeof *slots)) && n > WPR_CUPTI_CORR_MIN_SLOTS) n /= 2; /* pages stay virtual until used */
  if (!slots) return 0;
  mask = n - 1;
  return n;
}

static struct corr_slot *slot_at(uint32_t id, int probe) { return &slots[(id + (uint32_t)probe) & mask]; }

/* Whether pass `pass` of claim may take a slot holding `old`: 0 an empty one, 1 one whose entry a
 * record found (not a launch of several records), 2 a found launch of several records. */
static int reusable(uint64_t old, uint32_t id, int pass) {
  if (pass == 0) return old == 0;
  if ((old >> 32) == id) return 1;
  if (!(old & FLAG_FOUND)) return 0;
  return pass == 2 || !(old & FLAG_MULTI);
}

/* Claims a slot for `id`; NULL when all PROBES slots hold entries still waiting for their records. */
static struct corr_slot *claim(uint32_t id, uint64_t word) {
  for (int pass = 0; pass < 3; pass++)
    for (int p = 0; p < PROBES; p++) {
      struct corr_slot *s = slot_at(id, p);
      uint64_t old = atomic_load_explicit(&s->id_flags, memory_order_acquire);
      int free_now = reusable(old, id, pass);
      if (free_now && atomic_compare_exchange_strong_explicit(&s->id_flags, &old, word, memory_order_acq_rel,
                                                              memory_order_acquire))
        return s;
    }
  return NULL;
}

void wpr_cupti_corr_put_at(uint32_t id, struct wpr_launch_ctx ctx, int64_t launch_ns, int is_launch) {
  if (!slots || id == 0) return;
  uint64_t tag = (uint64_t)id << 32;
  uint64_t word = tag | (uint64_t)atomic_load_explicit(&session, memory_order_relaxed) << FLAG_BITS | FLAG_LIVE |
                  (is_launch == WPR_CORR_LAUNCH || is_launch == WPR_CORR_LAUNCH_MULTI ? FLAG_LAUNCH : 0) |
                  (is_launch == WPR_CORR_LAUNCH_MULTI || is_launch == WPR_CORR_CALL_MULTI ? FLAG_MULTI : 0);
  struct corr_slot *s = claim(id, word);
  if (!s) { /* the table is full of entries waiting for records: the oldest-placed one here goes */
    s = slot_at(id, 0);
    uint64_t old = atomic_exchange_explicit(&s->id_flags, word, memory_order_acq_rel);
    if ((old >> 32) != id && !(old & FLAG_FOUND) && this_session(old)) { /* a past session's is no loss */
      atomic_fetch_add_explicit(&lost, 1, memory_order_relaxed);
      if (old & FLAG_LAUNCH) atomic_fetch_sub_explicit(&outstanding, 1, memory_order_relaxed);
    }
  }
  if (word & FLAG_LAUNCH) atomic_fetch_add_explicit(&outstanding, 1, memory_order_relaxed);
  atomic_store_explicit(&s->id_window, tag | (uint32_t)ctx.window, memory_order_relaxed);
  atomic_store_explicit(&s->launch_ns, launch_ns, memory_order_release);
  atomic_store_explicit(&s->id_node, tag | ctx.node, memory_order_release);
}

void wpr_cupti_corr_put(uint32_t id, struct wpr_launch_ctx ctx) { wpr_cupti_corr_put_at(id, ctx, 0, 0); }

/* The first record of an entry marks it found (and a launch no longer outstanding). */
static void mark_found(struct corr_slot *s, uint32_t id) {
  uint64_t cur = atomic_load_explicit(&s->id_flags, memory_order_acquire);
  while ((cur >> 32) == id && !(cur & FLAG_FOUND)) {
    if (atomic_compare_exchange_weak_explicit(&s->id_flags, &cur, cur | FLAG_FOUND, memory_order_acq_rel,
                                              memory_order_acquire)) {
      if ((cur & FLAG_LAUNCH) && this_session(cur)) atomic_fetch_sub_explicit(&outstanding, 1, memory_order_relaxed);
      return;
    }
  }
}

int wpr_cupti_corr_get_at(uint32_t id, struct wpr_launch_ctx *ctx, int64_t *launch_ns) {
  if (!slots || id == 0) return 0; /* CUPTI's "no correlation"; also what an empty slot holds */
  for (int p = 0; p < PROBES; p++) {
    struct corr_slot *s = slot_at(id, p);
    if (atomic_load_explicit(&s->id_flags, memory_order_acquire) == 0) return 0; /* never placed further */
    uint64_t node = atomic_load_explicit(&s->id_node, memory_order_acquire);
    int64_t when = atomic_load_explicit(&s->launch_ns, memory_order_acquire);
    uint64_t window = atomic_load_explicit(&s->id_window, memory_order_relaxed);
    if ((node >> 32) != id || (window >> 32) != id) continue;
    mark_found(s, id);
    ctx->window = (int32_t)(uint32_t)window;
    ctx->node = (uint32_t)node;
    if (launch_ns) *launch_ns = when;
    return 1;
  }
  return 0;
}

int wpr_cupti_corr_get(uint32_t id, struct wpr_launch_ctx *ctx) { return wpr_cupti_corr_get_at(id, ctx, NULL); }

void wpr_cupti_corr_failed(uint32_t id) {
  for (int p = 0; slots && id && p < PROBES; p++) {
    struct corr_slot *s = slot_at(id, p);
    uint64_t word = atomic_load_explicit(&s->id_flags, memory_order_acquire);
    if (word == 0) return;
    if ((word >> 32) == id) {
      mark_found(s, id);
      return;
    }
  }
}

uint64_t wpr_cupti_corr_lost(void) { return atomic_load(&lost); }
uint64_t wpr_cupti_corr_outstanding(void) { return atomic_load(&outstanding); }
#endif
