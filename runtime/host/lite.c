/* Lite scopes: a registry of names (locked, off the hot path) and one table per thread that only its
 * thread writes, so wprof_scope_begin/end take no lock, allocate nothing after a thread's first use
 * of a scope, and make no syscall beyond reading the TSC. Tables outlive their threads for collect. */
#include "lite.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timeline.h"
#include "timer.h"
#include "wpio_hist.h"
#include "wprof/wprof.h"

#define LITE_MAX_SCOPES 4096
#define LITE_CHUNK 32                       /* slots allocated together on a thread's first use */
#define LITE_CHUNKS (LITE_MAX_SCOPES / LITE_CHUNK)
#define LITE_HASH_SLOTS (2 * LITE_MAX_SCOPES)

/* One (thread, scope). Only the owning thread writes; collect reads the statistics and histogram
 * concurrently, so those go through relaxed atomics (plain moves on x86-64). With many scopes each
 * call misses the cache, so everything the hot path reads is in the first line (the session mark
 * too): a begin/end pair whose duration falls in the same group as the last touches that line and one
 * line of counters; one that falls in another group also reads the second line. */
struct lite_slot {
  uint32_t depth;   /* recursion depth: only the outermost begin/end is timed */
  uint32_t session; /* lite_session its counts belong to; the owner resets them first */
  uint64_t start;   /* ticks at the outermost begin */
  uint64_t calls, total_ns, min_ns, max_ns;
  uint64_t *last_counters; /* owner-only: the counters of last_group, so most records skip the lookup */
  uint32_t last_group;     /* owner-only: WPIO_HIST_GROUPS until a group is made */
  /* cold: read by collect, written when a duration falls in a group not made yet. Most scopes'
   * durations stay within one or two powers of two (a scope of ~64 ns flips between two), so the
   * first two groups' counters are reached from this line, and the table of all groups (472 bytes:
   * most of what a slot cost in first-touch page faults) is made only when a third is needed. */
  uint64_t group_mask;       /* bit g set (release) once group g's counters exist: collect reads those */
  uint64_t *near_counters[2]; /* the counters of near_group[k], the first two groups made (release) */
  uint64_t **groups;         /* NULL, or WPIO_HIST_GROUPS pointers, the near groups' too (release) */
  uint32_t near_group[2];
  uint32_t tl_generation, tl_calls; /* owner-only: calls in the timeline's current window */
} __attribute__((aligned(64)));
_Static_assert(offsetof(struct lite_slot, group_mask) == 64 && sizeof(struct lite_slot) == 128,
               "the hot path's fields fill the first cache line, the rest the second");

struct lite_thread {
  struct lite_slot *chunks[LITE_CHUNKS];
  struct lite_thread *next;
};

/* registry: names[id], found by name through an open-addressing table of id + 1 */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static char *scope_names[LITE_MAX_SCOPES];
static uint32_t scope_slots[LITE_HASH_SLOTS];
static unsigned scope_count;   /* published with release once names[id] is set */
static int lite_enabled = 1;
/* Bumped when a session's report has taken the counts (wprof_finalize): a slot's counts are of the
 * session they were recorded in, so the owner zeroes them at its first call after, and collect reads
 * only the current session's. */
static uint32_t lite_session;

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lite_thread *threads_head;

static __thread struct lite_thread *lite_tls __attribute__((tls_model("initial-exec")));

void wpr_lite_set_enabled(int enabled) { __atomic_store_n(&lite_enabled, enabled != 0, __ATOMIC_RELAXED); }
void wpr_lite_new_session(void) { __atomic_fetch_add(&lite_session, 1, __ATOMIC_RELAXED); }

/* ---- registry ---- */

static uint32_t name_hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

/* The slot holding `name`, or the empty slot where it belongs. Called with registry_lock held. */
static uint32_t *registry_find(const char *name) {
  uint32_t i = name_hash(name) & (LITE_HASH_SLOTS - 1);
  while (scope_slots[i] && strcmp(scope_names[scope_slots[i] - 1], name) != 0)
    i = (i + 1) & (LITE_HASH_SLOTS - 1);
  return &scope_slots[i];
}

static int registry_add(const char *name, uint32_t *slot) {
  static int full_warned;
  unsigned id = scope_count;
  if (id >= LITE_MAX_SCOPES) {
    wpr_warn_once(&full_warned, "more than %d lite scopes; \"%.100s\" and later ones are not timed",
                  LITE_MAX_SCOPES, name);
    return WPROF_ENOMEM;
  }
  char *copy = strdup(name);
  if (!copy) return WPROF_ENOMEM;
  scope_names[id] = copy;
  *slot = id + 1;
  __atomic_store_n(&scope_count, id + 1, __ATOMIC_RELEASE);
  return (int)id;
}

int wprof_scope_id(const char *name) {
  if (!name || !*name) return WPROF_EINVAL;
  wpr_timer_init(); /* ids exist only after calibration, so begin/end never mix tick kinds */
  pthread_mutex_lock(&registry_lock);
  uint32_t *slot = registry_find(name);
  int id = *slot ? (int)(*slot - 1) : registry_add(name, slot);
  pthread_mutex_unlock(&registry_lock);
  return id;
}

/* ---- per-thread tables (slow paths: first use only) ---- */

static struct lite_thread *lite_thread_register(void) {
  struct lite_thread *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  pthread_mutex_lock(&threads_lock);
  t->next = threads_head;
  __atomic_store_n(&threads_head, t, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&threads_lock);
  lite_tls = t;
  return t;
}

static struct lite_slot *lite_chunk_alloc(struct lite_thread *t, unsigned chunk) {
  struct lite_slot *c = aligned_alloc(_Alignof(struct lite_slot), LITE_CHUNK * sizeof *c);
  if (!c) return NULL;
  memset(c, 0, LITE_CHUNK * sizeof *c);
  for (int i = 0; i < LITE_CHUNK; i++) {
    c[i].min_ns = UINT64_MAX;
    c[i].last_group = WPIO_HIST_GROUPS;
  }
  __atomic_store_n(&t->chunks[chunk], c, __ATOMIC_RELEASE);
  return c;
}

static __attribute__((noinline)) struct lite_slot *lite_slot_slow(unsigned id) {
  static int oom_warned;
  struct lite_thread *t = lite_tls ? lite_tls : lite_thread_register();
  struct lite_slot *c = t ? t->chunks[id / LITE_CHUNK] : NULL;
  if (t && !c) c = lite_chunk_alloc(t, id / LITE_CHUNK);
  if (!c) {
    wpr_warn_once(&oom_warned, "out of memory for a thread's lite table; some scopes are not timed");
    return NULL;
  }
  return &c[id % LITE_CHUNK];
}

/* The calling thread's slot of a valid id, making it on first use. */
static inline struct lite_slot *lite_slot(unsigned id) {
  struct lite_thread *t = lite_tls;
  if (__builtin_expect(t != NULL, 1)) {
    struct lite_slot *c = t->chunks[id / LITE_CHUNK];
    if (__builtin_expect(c != NULL, 1)) return &c[id % LITE_CHUNK];
  }
  return lite_slot_slow(id);
}

/* The calling thread's slot, or NULL when it never began this scope (end without begin). */
static inline struct lite_slot *lite_slot_existing(unsigned id) {
  struct lite_thread *t = lite_tls;
  if (!t) return NULL;
  struct lite_slot *c = t->chunks[id / LITE_CHUNK];
  return c ? &c[id % LITE_CHUNK] : NULL;
}

static inline int lite_id_valid(int id) {
  return (unsigned)id < __atomic_load_n(&scope_count, __ATOMIC_RELAXED);
}

/* ---- recording ---- */

static inline void counter_add(uint64_t *p, uint64_t d) {
  /* single writer: a load and a store, not a locked read-modify-write */
  __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

/* A group's counters: WPIO_HIST_SUB buckets, then a word with bit i set once bucket i has counted
 * (a scope's durations fill a few of a group's 64 buckets: collect and reset visit only those). */
#define GROUP_NZ WPIO_HIST_SUB
#define GROUP_WORDS (WPIO_HIST_SUB + 1)

/* Group g's counters of a slot, or NULL while not made; the owner and collect both call it (a group
 * in group_mask read with acquire is reachable here). */
static uint64_t *lite_group(const struct lite_slot *s, unsigned g) {
  uint64_t **table = __atomic_load_n(&s->groups, __ATOMIC_ACQUIRE);
  if (table) return __atomic_load_n(&table[g], __ATOMIC_ACQUIRE);
  for (int k = 0; k < 2; k++) {
    uint64_t *c = __atomic_load_n(&s->near_counters[k], __ATOMIC_ACQUIRE);
    if (c && __atomic_load_n(&s->near_group[k], __ATOMIC_RELAXED) == g) return c;
  }
  return NULL;
}

/* Makes group g's counters (the owner, when a duration falls in a group not yet made). */
static __attribute__((noinline)) uint64_t *lite_group_alloc(struct lite_slot *s, unsigned g) {
  static int oom_warned;
  uint64_t *counters = calloc(GROUP_WORDS, sizeof *counters);
  int near = !s->near_counters[0] ? 0 : !s->near_counters[1] ? 1 : -1;
  uint64_t **table = s->groups;
  if (counters && near >= 0) {
    __atomic_store_n(&s->near_group[near], g, __ATOMIC_RELAXED);
    __atomic_store_n(&s->near_counters[near], counters, __ATOMIC_RELEASE);
  } else if (counters && table) {
    __atomic_store_n(&table[g], counters, __ATOMIC_RELEASE);
  } else if (counters && (table = calloc(WPIO_HIST_GROUPS, sizeof *table))) {
    for (int k = 0; k < 2; k++) table[s->near_group[k]] = s->near_counters[k];
    table[g] = counters;
    __atomic_store_n(&s->groups, table, __ATOMIC_RELEASE);
  } else {
    free(counters);
    wpr_warn_once(&oom_warned, "out of memory for a lite histogram; some durations are not bucketed");
    return NULL;
  }
  __atomic_store_n(&s->group_mask, s->group_mask | 1ull << g, __ATOMIC_RELEASE); /* single writer */
  return counters;
}

/* The owner's first call in a new session: the counts start again (the histogram groups stay made),
 * the session mark last: collect reads a slot only when its mark is the current session's. */
static __attribute__((noinline)) void lite_slot_reset(struct lite_slot *s, uint32_t session) {
  __atomic_store_n(&s->calls, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&s->total_ns, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&s->min_ns, UINT64_MAX, __ATOMIC_RELAXED);
  __atomic_store_n(&s->max_ns, 0, __ATOMIC_RELAXED);
  for (uint64_t mask = s->group_mask; mask; mask &= mask - 1) {
    uint64_t *counters = lite_group(s, (unsigned)__builtin_ctzll(mask));
    for (uint64_t nz = counters[GROUP_NZ]; nz; nz &= nz - 1)
      __atomic_store_n(&counters[__builtin_ctzll(nz)], 0, __ATOMIC_RELAXED);
    __atomic_store_n(&counters[GROUP_NZ], 0, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&s->session, session, __ATOMIC_RELEASE);
}

static inline void lite_record(struct lite_slot *s, uint64_t ns) {
  uint32_t session = __atomic_load_n(&lite_session, __ATOMIC_RELAXED);
  if (__builtin_expect(s->session != session, 0)) lite_slot_reset(s, session);
  counter_add(&s->calls, 1);
  counter_add(&s->total_ns, ns);
  if (ns < s->min_ns) __atomic_store_n(&s->min_ns, ns, __ATOMIC_RELAXED);
  if (ns > s->max_ns) __atomic_store_n(&s->max_ns, ns, __ATOMIC_RELAXED);
  uint32_t b = wpio_hist_bucket(ns);
  unsigned g = b >> WPIO_HIST_SUB_BITS;
  uint64_t *counters = s->last_counters;
  if (__builtin_expect(g != s->last_group, 0)) {
    counters = lite_group(s, g);
    if (__builtin_expect(counters == NULL, 0) && !(counters = lite_group_alloc(s, g))) return;
    s->last_group = g;
    s->last_counters = counters;
  }
  unsigned i = b & (WPIO_HIST_SUB - 1);
  uint64_t count = __atomic_load_n(&counters[i], __ATOMIC_RELAXED);
  __atomic_store_n(&counters[i], count + 1, __ATOMIC_RELAXED);
  if (__builtin_expect(count == 0, 0)) /* a bucket's first count: collect visits only these */
    __atomic_store_n(&counters[GROUP_NZ], counters[GROUP_NZ] | 1ull << i, __ATOMIC_RELEASE);
}

/* A finished outermost call while the timeline records: kept when sampled (timeline.h). */
static __attribute__((noinline)) void lite_timeline(struct lite_slot *s, unsigned id, uint64_t now) {
  uint32_t gen = wpr_timeline_generation();
  if (s->tl_generation != gen) {
    s->tl_generation = gen;
    s->tl_calls = 0;
  }
  if (wpr_timeline_lite_sampled(s->tl_calls++)) wpr_timeline_host(WPIO_EV_LITE, scope_names[id], s->start, now);
}

void wprof_scope_begin(int id) {
  if (!__atomic_load_n(&lite_enabled, __ATOMIC_RELAXED) || !lite_id_valid(id)) return;
  struct lite_slot *s = lite_slot((unsigned)id);
  if (s && s->depth++ == 0) s->start = wpr_ticks();
}

void wprof_scope_end(int id) {
  if (!__atomic_load_n(&lite_enabled, __ATOMIC_RELAXED) || !lite_id_valid(id)) return;
  uint64_t now = wpr_ticks();
  struct lite_slot *s = lite_slot_existing((unsigned)id);
  if (!s || s->depth == 0 || --s->depth != 0) return;
  lite_record(s, wpr_ticks_to_ns(now - s->start));
  if (wpr_timeline_is_active()) lite_timeline(s, (unsigned)id, now);
}

int wpr_lite_record_ns(int id, uint64_t ns) {
  if (!lite_id_valid(id)) return WPROF_EINVAL;
  struct lite_slot *s = lite_slot((unsigned)id);
  if (!s) return WPROF_ENOMEM;
  lite_record(s, ns);
  return WPROF_OK;
}

/* ---- collect: merge every thread's slot of a scope into one row ---- */

struct lite_merged { uint64_t calls, total_ns, min_ns, max_ns; };
_Static_assert(WPIO_HIST_GROUPS <= 64 && WPIO_HIST_SUB == 64, "a uint64_t has a bit for each group and bucket");

/* One scope's histogram merged over threads: touched has bit g set when group g got counts, nz[g]
 * bit i when bucket g * SUB + i is not zero (59 groups of 64 buckets: a scope touches a few, and
 * scanning, testing or clearing all 3776 buckets of 1000 scopes was most of a rank's pack). */
struct lite_hist_acc {
  uint64_t touched;
  uint64_t nz[WPIO_HIST_GROUPS];
  uint64_t hist[WPIO_HIST_BUCKETS];
};

static void lite_merge_slot(const struct lite_slot *s, struct lite_merged *m, struct lite_hist_acc *acc) {
  if (__atomic_load_n(&s->session, __ATOMIC_ACQUIRE) != __atomic_load_n(&lite_session, __ATOMIC_RELAXED))
    return; /* counts of an earlier session that its owner has not reset yet */
  uint64_t calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
  if (!calls) return;
  m->calls += calls;
  m->total_ns += __atomic_load_n(&s->total_ns, __ATOMIC_RELAXED);
  uint64_t mn = __atomic_load_n(&s->min_ns, __ATOMIC_RELAXED);
  uint64_t mx = __atomic_load_n(&s->max_ns, __ATOMIC_RELAXED);
  if (mn < m->min_ns) m->min_ns = mn;
  if (mx > m->max_ns) m->max_ns = mx;
  /* the mask, not the 59 pointers: reading every pointer of 1000 scopes' slots was most of a
   * collect's cache misses */
  for (uint64_t mask = __atomic_load_n(&s->group_mask, __ATOMIC_ACQUIRE); mask; mask &= mask - 1) {
    unsigned g = (unsigned)__builtin_ctzll(mask);
    const uint64_t *c = lite_group(s, g);
    uint64_t *h = acc->hist + g * WPIO_HIST_SUB, nz = 0;
    for (uint64_t used = __atomic_load_n(&c[GROUP_NZ], __ATOMIC_ACQUIRE); used; used &= used - 1) {
      unsigned i = (unsigned)__builtin_ctzll(used);
      uint64_t v = __atomic_load_n(&c[i], __ATOMIC_RELAXED);
      h[i] += v;
      nz |= (uint64_t)(v != 0) << i;
    }
    acc->nz[g] |= nz;
    acc->touched |= 1ull << g;
  }
}

/* The scope's row and its non-zero buckets in ascending order; the accumulator back to all zero. */
static int lite_emit(struct wpio_job *job, int32_t rank, const char *name, const struct lite_merged *m,
                     struct lite_hist_acc *acc) {
  uint32_t name_id = wpio_strtab_intern(&job->names, name, strlen(name));
  struct wpio_lite_row *row = name_id == UINT32_MAX ? NULL : WPIO_VEC_PUSH(job->lite);
  if (!row) return WPROF_ENOMEM;
  *row = (struct wpio_lite_row){.rank = rank, .name_id = name_id, .calls = m->calls,
                                .total_ns = m->total_ns, .min_ns = m->min_ns, .max_ns = m->max_ns};
  for (uint64_t touched = acc->touched; touched; touched &= touched - 1) {
    unsigned g = (unsigned)__builtin_ctzll(touched);
    for (uint64_t nz = acc->nz[g]; nz; nz &= nz - 1) {
      uint32_t b = g * WPIO_HIST_SUB + (uint32_t)__builtin_ctzll(nz);
      struct wpio_hist_row *h = WPIO_VEC_PUSH(job->lite_hist);
      if (!h) return WPROF_ENOMEM;
      *h = (struct wpio_hist_row){.rank = rank, .name_id = name_id, .bucket = b, .count = acc->hist[b]};
    }
  }
  return WPROF_OK;
}

static void lite_acc_reset(struct lite_hist_acc *acc) {
  for (; acc->touched; acc->touched &= acc->touched - 1) {
    unsigned g = (unsigned)__builtin_ctzll(acc->touched);
    for (uint64_t nz = acc->nz[g]; nz; nz &= nz - 1) acc->hist[g * WPIO_HIST_SUB + __builtin_ctzll(nz)] = 0;
    acc->nz[g] = 0;
  }
}

int wpr_lite_collect(struct wpio_job *job, int32_t rank) {
  struct lite_hist_acc *acc = calloc(1, sizeof *acc);
  if (!acc) return WPROF_ENOMEM;
  unsigned n = __atomic_load_n(&scope_count, __ATOMIC_ACQUIRE);
  /* room for a row and a name per scope at once (a failure here only means growing as before) */
  (void)WPIO_VEC_RESERVE(job->lite, job->lite.n + n);
  (void)wpio_strtab_reserve(&job->names, job->names.n + n);
  int rc = WPROF_OK;
  pthread_mutex_lock(&threads_lock);
  for (unsigned id = 0; id < n && rc == WPROF_OK; id++) {
    struct lite_merged m = {0, 0, UINT64_MAX, 0};
    for (struct lite_thread *t = threads_head; t; t = t->next) {
      const struct lite_slot *c = __atomic_load_n(&t->chunks[id / LITE_CHUNK], __ATOMIC_ACQUIRE);
      if (c) lite_merge_slot(&c[id % LITE_CHUNK], &m, acc);
    }
    if (m.calls) rc = lite_emit(job, rank, scope_names[id], &m, acc); /* never-entered: no row */
    lite_acc_reset(acc);
  }
  pthread_mutex_unlock(&threads_lock);
  free(acc);
  return rc;
}
