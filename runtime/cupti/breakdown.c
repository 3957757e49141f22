/* Time breakdown (breakdown.h). Per window: three interval lists (compute, memory, comm), each
 * merged on insert and bounded; at pack time busy = their union, overlap = comm ∩ compute, all
 * clipped to the window's GPU span. Durations are GPU-clock lengths, window_ns is the host window:
 * drift between them is ppm-level and ignored (idle is floored at 0). */
#include "breakdown.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wpio_intervals.h"

/* Windows beyond this id are not broken down (their rows report GPU columns 0). */
#define MAX_WINDOW_ID (1 << 20)

struct window_ivals {
  int used, bounded;
  int64_t lo, hi;
  struct wpio_ivals cls[WPR_GPU_NCLASSES];
};

static struct {
  pthread_mutex_t lock;
  struct window_ivals *w;
  size_t n;         /* entries, indexed by window id */
  uint64_t oom;
} bd = {.lock = PTHREAD_MUTEX_INITIALIZER};

int wpr_gpu_name_is_comm(const char *name) { return name && (strstr(name, "nccl") || strstr(name, "NCCL")); }

int wpr_gpu_class(int kind, int name_is_comm) {
  switch (kind) {
  case WPIO_KIND_KERNEL: return name_is_comm ? WPR_GPU_COMM : WPR_GPU_COMPUTE;
  case WPIO_KIND_MEMCPY:
  case WPIO_KIND_MEMSET: return WPR_GPU_MEMORY;
  default: return -1;
  }
}

/* With bd.lock held: the entry of `window`, created (with its bounds) on first use; NULL when out of range or memory. */
static struct window_ivals *entry_of(int32_t window) {
  if (window < 0 || window >= MAX_WINDOW_ID) return NULL;
  if ((size_t)window >= bd.n) {
    size_t n = bd.n ? bd.n : 16;
    while (n <= (size_t)window) n *= 2;
    struct window_ivals *w = realloc(bd.w, n * sizeof *w);
    if (!w) return NULL;
    memset(w + bd.n, 0, (n - bd.n) * sizeof *w);
    bd.w = w;
    bd.n = n;
  }
  struct window_ivals *e = &bd.w[window];
  if (!e->used) {
    e->used = 1;
    for (int c = 0; c < WPR_GPU_NCLASSES; c++) e->cls[c].max = WPR_BREAKDOWN_MAX_INTERVALS;
  }
  return e;
}

void wpr_breakdown_lock(void) { pthread_mutex_lock(&bd.lock); }
void wpr_breakdown_unlock(void) { pthread_mutex_unlock(&bd.lock); }

void wpr_breakdown_add(int32_t window, int cls, uint64_t start, uint64_t end) {
  if (cls < 0 || cls >= WPR_GPU_NCLASSES || end <= start || end > (uint64_t)INT64_MAX) return;
  struct window_ivals *e = entry_of(window);
  if (!e || wpio_ivals_add(&e->cls[cls], (int64_t)start, (int64_t)end) != 0) bd.oom++;
}

void wpr_breakdown_bounds(int32_t window, uint64_t gpu_lo, uint64_t gpu_hi) {
  if (gpu_hi <= gpu_lo || gpu_hi > (uint64_t)INT64_MAX) return;
  pthread_mutex_lock(&bd.lock);
  struct window_ivals *e = entry_of(window);
  if (e) {
    e->bounded = 1;
    e->lo = (int64_t)gpu_lo;
    e->hi = (int64_t)gpu_hi;
  }
  pthread_mutex_unlock(&bd.lock);
}

/* With bd.lock held: the GPU columns of `row` from the window's lists. Returns the bridged ns. */
static uint64_t fill_gpu(struct wpio_breakdown_row *row, const struct window_ivals *e) {
  int64_t lo = e->bounded ? e->lo : INT64_MIN, hi = e->bounded ? e->hi : INT64_MAX;
  row->compute_ns = wpio_ivals_length(&e->cls[WPR_GPU_COMPUTE], lo, hi);
  row->memory_ns = wpio_ivals_length(&e->cls[WPR_GPU_MEMORY], lo, hi);
  row->comm_ns = wpio_ivals_length(&e->cls[WPR_GPU_COMM], lo, hi);
  row->comm_overlap_ns = wpio_ivals_overlap(&e->cls[WPR_GPU_COMM], &e->cls[WPR_GPU_COMPUTE], lo, hi);
  struct wpio_ivals busy = {0};
  uint64_t bridged = 0;
  for (int c = 0; c < WPR_GPU_NCLASSES; c++) {
    bridged += e->cls[c].bridged_ns;
    if (wpio_ivals_add_all(&busy, &e->cls[c]) != 0) bd.oom++;
  }
  row->gpu_busy_ns = wpio_ivals_length(&busy, lo, hi);
  wpio_ivals_free(&busy);
  return bridged;
}

static int64_t window_mpi_ns(const struct wpio_job *job, int32_t rank, int32_t window) {
  uint64_t total = 0;
  for (size_t i = 0; i < job->mpi.n; i++)
    if (job->mpi.v[i].rank == rank && job->mpi.v[i].window == window) total += job->mpi.v[i].total_ns;
  return total > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)total;
}

int wpr_breakdown_collect(struct wpio_job *job, int32_t rank) {
  uint64_t bridged = 0;
  int rc = 0;
  pthread_mutex_lock(&bd.lock);
  for (size_t i = 0; i < job->windows.n && rc == 0; i++) {
    const struct wpio_window_row *w = &job->windows.v[i];
    if (w->rank != rank) continue;
    struct wpio_breakdown_row *row = WPIO_VEC_PUSH(job->breakdown);
    if (!row) {
      rc = -1;
      break;
    }
    row->rank = rank;
    row->window = w->window;
    row->window_ns = w->end_ns > w->start_ns ? w->end_ns - w->start_ns : 0;
    if (w->window >= 0 && (size_t)w->window < bd.n && bd.w[w->window].used)
      bridged += fill_gpu(row, &bd.w[w->window]);
    row->gpu_idle_ns = row->window_ns > row->gpu_busy_ns ? row->window_ns - row->gpu_busy_ns : 0;
    row->overlap_share = row->comm_ns > 0 ? (double)row->comm_overlap_ns / (double)row->comm_ns : 0.0;
    row->host_mpi_ns = window_mpi_ns(job, rank, w->window);
    row->host_outside_mpi_ns = row->window_ns > row->host_mpi_ns ? row->window_ns - row->host_mpi_ns : 0;
  }
  uint64_t oom = bd.oom;
  pthread_mutex_unlock(&bd.lock);
  static int warned_bridged, warned_oom;
  if (bridged)
    wpr_warn_once(&warned_bridged, "breakdown: more than %d GPU intervals in a window; %llu ns of gaps between "
                  "them count as busy", WPR_BREAKDOWN_MAX_INTERVALS, (unsigned long long)bridged);
  if (oom) wpr_warn_once(&warned_oom, "breakdown: %llu GPU intervals lost to out of memory", (unsigned long long)oom);
  return rc;
}
