/* Call stacks at launch (stacks.h). Capture: backtrace() into a stack-local array, a 64-bit hash of
 * the frames, and a claim of a slot of a fixed open-addressing table by CAS; the correlation id maps to
 * the slot through a direct-mapped array like cupti_corr's. Symbolization happens only at collect. */
#include "stacks.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wprof/wprof.h"

#define STACK_SLOTS 4096u          /* distinct stacks kept; more are dropped (counted) */
#define STACK_PROBES 32u
#define STACK_DEPTH 24             /* frames kept per stack, after wprof's own two */
#define CORR_SLOTS (1u << 16)
#define STACK_DROPPED 0xffffffffu  /* pseudo stack of launches that found no slot */
#define STACK_NONE 0xfffffffeu     /* pseudo stack of kernels without a captured launch */
#define NAME_ALLOCATION UINT32_MAX /* pseudo kernel name of allocation rows (WPIO_STACK_ALLOCATION) */

enum { SLOT_EMPTY = 0, SLOT_WRITING = 1, SLOT_READY = 2 };

struct stack_slot {
  _Atomic uint32_t state;
  uint32_t depth;
  _Atomic uint64_t hash;
  void *frames[STACK_DEPTH];
};

/* (window, stack, kernel or NAME_ALLOCATION) -> calls, GPU time, bytes allocated: touched only by the
 * serialised aggregation. */
struct time_row { int32_t window; uint32_t stack, name, used; uint64_t calls, ns, bytes; };

static struct {
  _Atomic int on;
  struct stack_slot *slots;
  _Atomic uint64_t *corr;          /* id << 32 | stack slot */
  _Atomic uint64_t dropped;
  struct time_row *rows;
  size_t n_rows, n_slots;
} st;

int wpr_stacks_on(void) { return atomic_load_explicit(&st.on, memory_order_relaxed); }

int wpr_stacks_init(void) {
  if (wpr_stacks_on()) return 0;
  if (!st.slots) st.slots = calloc(STACK_SLOTS, sizeof *st.slots);
  if (!st.corr) st.corr = calloc(CORR_SLOTS, sizeof *st.corr);
  if (!st.slots || !st.corr) {
    static int warned;
    wpr_warn_once(&warned, "stacks: no memory for the call stack table; WPROF_STACKS is off");
    return -1;
  }
  void *warm[4];
  backtrace(warm, 4); /* loads the unwinder now, not inside a launch callback */
  atomic_store(&st.on, 1);
  return 0;
}

static uint64_t hash_frames(void *const *f, int n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
  for (int i = 0; i < n; i++) {
    h ^= (uint64_t)(uintptr_t)f[i];
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  return h ? h : 1;
}

/* The slot of these frames, claimed if new; STACK_DROPPED when the probes find no room. */
static uint32_t slot_of(void *const *frames, int n, uint64_t h) {
  for (uint32_t p = 0; p < STACK_PROBES; p++) {
    uint32_t i = (uint32_t)(h + p) & (STACK_SLOTS - 1);
    struct stack_slot *s = &st.slots[i];
    uint32_t state = atomic_load_explicit(&s->state, memory_order_acquire);
    if (state == SLOT_READY && atomic_load_explicit(&s->hash, memory_order_relaxed) == h) return i;
    if (state != SLOT_EMPTY) continue;
    uint32_t expect = SLOT_EMPTY;
    if (!atomic_compare_exchange_strong(&s->state, &expect, SLOT_WRITING)) continue;
    memcpy(s->frames, frames, (size_t)n * sizeof *frames);
    s->depth = (uint32_t)n;
    atomic_store_explicit(&s->hash, h, memory_order_relaxed);
    atomic_store_explicit(&s->state, SLOT_READY, memory_order_release);
    return i;
  }
  atomic_fetch_add_explicit(&st.dropped, 1, memory_order_relaxed);
  return STACK_DROPPED;
}

__attribute__((noinline)) void wpr_stacks_capture(uint32_t correlation_id) {
  if (!wpr_stacks_on() || correlation_id == 0) return;
  void *frames[STACK_DEPTH + 2];
  int n = backtrace(frames, STACK_DEPTH + 2);
  int skip = n > 2 ? 2 : n; /* this function and the CUPTI callback */
  uint32_t slot = slot_of(frames + skip, n - skip, hash_frames(frames + skip, n - skip));
  atomic_store_explicit(&st.corr[correlation_id & (CORR_SLOTS - 1)], (uint64_t)correlation_id << 32 | slot,
                        memory_order_release);
}

static uint32_t stack_of(uint32_t correlation_id) {
  uint64_t v = atomic_load_explicit(&st.corr[correlation_id & (CORR_SLOTS - 1)], memory_order_acquire);
  return correlation_id && (v >> 32) == correlation_id ? (uint32_t)v : STACK_NONE;
}

static uint64_t row_hash(int32_t window, uint32_t stack, uint32_t name) {
  uint64_t h = ((uint64_t)(uint32_t)window << 32 | stack) * 0x9e3779b97f4a7c15ULL;
  return (h ^ name) * 0xff51afd7ed558ccdULL >> 7;
}

static int rows_grow(void) {
  size_t n = st.n_slots ? st.n_slots * 2 : 256;
  struct time_row *rows = calloc(n, sizeof *rows);
  if (!rows) return -1;
  for (size_t i = 0; i < st.n_slots; i++) {
    const struct time_row *r = &st.rows[i];
    if (!r->used) continue;
    size_t j = row_hash(r->window, r->stack, r->name) & (n - 1);
    while (rows[j].used) j = (j + 1) & (n - 1);
    rows[j] = *r;
  }
  free(st.rows);
  st.rows = rows;
  st.n_slots = n;
  return 0;
}

static struct time_row *row_of(uint32_t correlation_id, int32_t window, uint32_t name) {
  if ((st.n_rows + 1) * 2 > st.n_slots && rows_grow() != 0) return NULL;
  uint32_t stack = stack_of(correlation_id);
  size_t j = row_hash(window, stack, name) & (st.n_slots - 1);
  struct time_row *r;
  while ((r = &st.rows[j])->used && !(r->window == window && r->stack == stack && r->name == name))
    j = (j + 1) & (st.n_slots - 1);
  if (!r->used) {
    *r = (struct time_row){.window = window, .stack = stack, .name = name, .used = 1};
    st.n_rows++;
  }
  return r;
}

void wpr_stacks_add_time(uint32_t correlation_id, int32_t window, uint32_t name, uint64_t ns) {
  struct time_row *r = wpr_stacks_on() ? row_of(correlation_id, window, name) : NULL;
  if (!r) return;
  r->calls++;
  r->ns += ns;
}

void wpr_stacks_add_alloc(uint32_t correlation_id, int32_t window, uint64_t bytes) {
  struct time_row *r = wpr_stacks_on() ? row_of(correlation_id, window, NAME_ALLOCATION) : NULL;
  if (!r) return;
  r->calls++;
  r->bytes += bytes;
}

/* Leading frames inside CUPTI, the CUDA libraries or wprof are the launch machinery, not the app. */
static int is_machinery(const Dl_info *info) {
  const char *f = info->dli_fname;
  if (!f) return 0;
  const char *base = strrchr(f, '/');
  base = base ? base + 1 : f;
  return strstr(base, "cupti") || strncmp(base, "libcuda", 7) == 0 || strncmp(base, "libwprof", 8) == 0;
}

/* Where the application's frames begin: after the outermost machinery frame. Not merely after the
 * leading ones: a sanitizer's backtrace interceptor (linked into the application) comes first. */
static uint32_t first_app_frame(const Dl_info *info, const int *found, uint32_t depth) {
  uint32_t first = 0;
  for (uint32_t i = 0; i < depth; i++)
    if (found[i] && is_machinery(&info[i])) first = i + 1;
  return first;
}

/* "f1 <- f2 <- ..." innermost first; frames without a symbol as "lib.so+0x1f3a"; stops after main.
 * Each frame is looked up once (dladdr), for the machinery test and the text. */
static void symbolize(const struct stack_slot *s, char *out, size_t len) {
  Dl_info info[STACK_DEPTH];
  int found[STACK_DEPTH];
  memset(info, 0, sizeof info);
  for (uint32_t i = 0; i < s->depth; i++) /* a return address: the call is just before it */
    found[i] = dladdr((char *)s->frames[i] - 1, &info[i]) != 0;
  size_t at = 0;
  out[0] = '\0';
  for (uint32_t i = first_app_frame(info, found, s->depth); i < s->depth && at + 1 < len; i++) {
    if (!found[i]) continue;
    const Dl_info *f = &info[i];
    char frame[256];
    if (f->dli_sname) snprintf(frame, sizeof frame, "%s", f->dli_sname);
    else {
      const char *base = f->dli_fname ? strrchr(f->dli_fname, '/') : NULL;
      snprintf(frame, sizeof frame, "%s+0x%lx", base ? base + 1 : (f->dli_fname ? f->dli_fname : "?"),
               (unsigned long)((char *)s->frames[i] - 1 - (char *)f->dli_fbase));
    }
    int w = snprintf(out + at, len - at, "%s%s", at ? " <- " : "", frame);
    if (w < 0) break;
    at += (size_t)w < len - at ? (size_t)w : len - at - 1;
    if (f->dli_sname && strcmp(f->dli_sname, "main") == 0) break;
  }
  if (!out[0]) snprintf(out, len, "(no frames)");
}

static const char *stack_text(uint32_t stack, char *buf, size_t len) {
  if (stack == STACK_DROPPED) return "(stack not kept: table full)";
  if (stack == STACK_NONE || stack >= STACK_SLOTS) return "(no stack: launch not seen)";
  const struct stack_slot *s = &st.slots[stack];
  if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_READY) return "(no stack)";
  symbolize(s, buf, len);
  return buf;
}

static int row_cmp(const void *a, const void *b) {
  const struct wpio_stack_row *x = a, *y = b;
  if (x->window != y->window) return x->window < y->window ? -1 : 1;
  if (x->stack_id != y->stack_id) return x->stack_id < y->stack_id ? -1 : 1;
  return (x->name_id > y->name_id) - (x->name_id < y->name_id);
}

/* Two call sites in one function symbolize alike: their rows are merged. */
static void merge_same_text(struct wpio_job *job, size_t first) {
  size_t n = job->stacks.n - first, k = 0;
  struct wpio_stack_row *v = job->stacks.v + first;
  if (n < 2) return;
  qsort(v, n, sizeof *v, row_cmp);
  for (size_t i = 1; i < n; i++) {
    if (row_cmp(&v[k], &v[i]) == 0) {
      v[k].calls += v[i].calls;
      v[k].cuda_ns += v[i].cuda_ns;
      v[k].bytes += v[i].bytes;
    } else {
      v[++k] = v[i];
    }
  }
  job->stacks.n = first + k + 1;
}

int wpr_stacks_collect(struct wpio_job *job, int32_t rank, const char *(*name_of)(uint32_t name)) {
  if (!wpr_stacks_on()) return 0;
  size_t first = job->stacks.n;
  char text[4096];
  for (size_t i = 0; i < st.n_slots; i++) {
    const struct time_row *r = &st.rows[i];
    if (!r->used) continue;
    const char *s = stack_text(r->stack, text, sizeof text);
    const char *kernel = r->name == NAME_ALLOCATION ? WPIO_STACK_ALLOCATION : name_of(r->name);
    uint32_t sid = wpio_strtab_intern(&job->names, s, strlen(s));
    uint32_t kid = kernel ? wpio_strtab_intern(&job->names, kernel, strlen(kernel)) : UINT32_MAX;
    struct wpio_stack_row *out = sid == UINT32_MAX || kid == UINT32_MAX ? NULL : WPIO_VEC_PUSH(job->stacks);
    if (!out) return -1;
    *out = (struct wpio_stack_row){.rank = rank, .window = r->window, .stack_id = sid, .name_id = kid,
                                   .calls = r->calls, .cuda_ns = r->ns, .bytes = r->bytes};
  }
  merge_same_text(job, first);
  uint64_t dropped = wpr_stacks_dropped();
  if (dropped) {
    static int warned;
    wpr_warn_once(&warned, "stacks: %llu launches or allocations found the table of %u stacks full; they are under "
                  "\"(stack not kept: table full)\"", (unsigned long long)dropped, STACK_SLOTS);
  }
  return 0;
}

uint64_t wpr_stacks_dropped(void) { return atomic_load_explicit(&st.dropped, memory_order_relaxed); }
