/* The MPI call table's slow paths: a thread's block for a new window (made on first use, registered
 * under a lock that the call path never takes), the window and WPROF_STEP_MPI, and collect. */
#include "mpi_table.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timer.h"
#include "wprof/wprof.h"

__thread struct wpr_mpi_block *wpr_mpi_tls __attribute__((tls_model("initial-exec")));
static __thread struct wpr_mpi_block *thread_blocks __attribute__((tls_model("initial-exec")));
int32_t wpr_mpi_window = -1;
uint32_t wpr_mpi_session;
int wpr_mpi_step_id = -1;

static pthread_mutex_t blocks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wpr_mpi_block *all_blocks;

#define WPR_MPI_NAME(name, params, args, bytes) "MPI_" #name,
static const char *const call_names[WPR_MPI_NFUNCS] = { WPR_MPI_CALLS(WPR_MPI_NAME) };
#undef WPR_MPI_NAME

const char *wpr_mpi_name(int id) { return (unsigned)id < WPR_MPI_NFUNCS ? call_names[id] : "MPI_?"; }

int wpr_mpi_id_of(const char *name) {
  for (int i = 0; name && i < WPR_MPI_NFUNCS; i++)
    if (strcmp(call_names[i], name) == 0) return i;
  return -1;
}

static struct wpr_mpi_block *block_new(int32_t window, uint32_t session) {
  struct wpr_mpi_block *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->window = window;
  b->session = session;
  for (int i = 0; i < WPR_MPI_NFUNCS; i++) b->cells[i].min_ns = UINT64_MAX;
  b->thread_next = thread_blocks;
  thread_blocks = b;
  pthread_mutex_lock(&blocks_lock);
  b->all_next = all_blocks;
  __atomic_store_n(&all_blocks, b, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&blocks_lock);
  return b;
}

struct wpr_mpi_block *wpr_mpi_block_slow(int32_t window) {
  static int oom_warned;
  /* calls may come before wprof_init: durations must be TSC ticks from the first one on */
  wpr_timer_init();
  struct wpr_mpi_block *b = thread_blocks;
  uint32_t session = __atomic_load_n(&wpr_mpi_session, __ATOMIC_RELAXED);
  while (b && (b->window != window || b->session != session)) b = b->thread_next;
  if (!b && !(b = block_new(window, session))) {
    wpr_warn_once(&oom_warned, "out of memory for the MPI call table; some MPI calls are not counted");
    return NULL;
  }
  wpr_mpi_tls = b;
  return b;
}

void wpr_mpi_set_window(int32_t window) { __atomic_store_n(&wpr_mpi_window, window, __ATOMIC_RELAXED); }

void wpr_mpi_session_begin(const struct wpr_config *cfg) {
  wpr_mpi_set_window(-1);
  int id = cfg->step_mpi[0] ? wpr_mpi_id_of(cfg->step_mpi) : -1;
  if (cfg->step_mpi[0] && id < 0)
    WPR_WARN("WPROF_STEP_MPI=%s is not an intercepted MPI call (e.g. MPI_Allreduce); no steps from MPI calls",
             cfg->step_mpi);
  __atomic_store_n(&wpr_mpi_step_id, id, __ATOMIC_RELAXED);
}

void wpr_mpi_new_session(void) { __atomic_fetch_add(&wpr_mpi_session, 1, __ATOMIC_RELAXED); }

void wpr_mpi_session_end(void) {
  __atomic_store_n(&wpr_mpi_step_id, -1, __ATOMIC_RELAXED);
  wpr_mpi_set_window(-1);
}

/* ---- collect: every thread's cells, merged by (window, function) ---- */

struct cell_ref {
  int32_t window;
  int id;
  struct wpr_mpi_cell c;
};

static int cell_ref_cmp(const void *a, const void *b) {
  const struct cell_ref *x = a, *y = b;
  if (x->window != y->window) return x->window < y->window ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static struct wpr_mpi_cell cell_load(const struct wpr_mpi_cell *c) {
  return (struct wpr_mpi_cell){ __atomic_load_n(&c->calls, __ATOMIC_RELAXED),
                                __atomic_load_n(&c->total_ns, __ATOMIC_RELAXED),
                                __atomic_load_n(&c->min_ns, __ATOMIC_RELAXED),
                                __atomic_load_n(&c->max_ns, __ATOMIC_RELAXED),
                                __atomic_load_n(&c->bytes, __ATOMIC_RELAXED) };
}

/* The non-empty cells of every block; *n of them in a malloc'ed array (NULL when none). */
static int gather_cells(struct cell_ref **out, size_t *n, int32_t from_window) {
  size_t cap = 0, used = 0;
  struct cell_ref *refs = NULL;
  int rc = WPROF_OK;
  pthread_mutex_lock(&blocks_lock);
  for (struct wpr_mpi_block *b = all_blocks; b && rc == WPROF_OK; b = b->all_next) {
    if ((b->window >= 0 && b->window < from_window) || b->session != __atomic_load_n(&wpr_mpi_session, __ATOMIC_RELAXED))
      continue;
    for (int id = 0; id < WPR_MPI_NFUNCS; id++) {
      struct wpr_mpi_cell c = cell_load(&b->cells[id]);
      if (!c.calls) continue;
      if (used == cap) {
        size_t ncap = cap ? cap * 2 : 64;
        struct cell_ref *p = realloc(refs, ncap * sizeof *p);
        if (!p) {
          rc = WPROF_ENOMEM;
          break;
        }
        refs = p, cap = ncap;
      }
      refs[used++] = (struct cell_ref){ b->window, id, c };
    }
  }
  pthread_mutex_unlock(&blocks_lock);
  *out = refs;
  *n = used;
  return rc;
}

static int emit_row(struct wpio_job *job, int32_t rank, const struct cell_ref *r, const struct wpr_mpi_cell *m) {
  const char *name = wpr_mpi_name(r->id);
  uint32_t name_id = wpio_strtab_intern(&job->names, name, strlen(name));
  struct wpio_mpi_row *row = name_id == UINT32_MAX ? NULL : WPIO_VEC_PUSH(job->mpi);
  if (!row) return WPROF_ENOMEM;
  *row = (struct wpio_mpi_row){ .rank = rank, .window = r->window, .name_id = name_id, .calls = m->calls,
                                .total_ns = m->total_ns, .min_ns = m->min_ns, .max_ns = m->max_ns,
                                .bytes = m->bytes };
  return WPROF_OK;
}

int wpr_mpi_collect(struct wpio_job *job, int32_t rank, int32_t from_window) {
  struct cell_ref *refs = NULL;
  size_t n = 0;
  int rc = gather_cells(&refs, &n, from_window);
  if (rc == WPROF_OK && n > 1) qsort(refs, n, sizeof *refs, cell_ref_cmp);
  for (size_t i = 0; rc == WPROF_OK && i < n;) {
    struct wpr_mpi_cell m = { 0, 0, UINT64_MAX, 0, 0 };
    size_t g = i;
    for (; i < n && refs[i].window == refs[g].window && refs[i].id == refs[g].id; i++) {
      m.calls += refs[i].c.calls;
      m.total_ns += refs[i].c.total_ns;
      m.bytes += refs[i].c.bytes;
      if (refs[i].c.min_ns < m.min_ns) m.min_ns = refs[i].c.min_ns;
      if (refs[i].c.max_ns > m.max_ns) m.max_ns = refs[i].c.max_ns;
    }
    rc = emit_row(job, rank, &refs[g], &m);
  }
  free(refs);
  return rc;
}
