/* Tables at a window's stop: the job cut down to that window, then the views `wprof report
 * --window W --top N` prints (summary or one rank), so runtime and tool print the same thing. */
#include "wpio_format_stop.h"

#include <stdlib.h>
#include <string.h>

#include "wpio_format.h"

#define KEEP_WINDOW(vec, w)                                                \
  do {                                                                     \
    size_t kept_ = 0;                                                      \
    for (size_t i_ = 0; i_ < (vec).n; i_++)                                \
      if ((vec).v[i_].window == (w)) (vec).v[kept_++] = (vec).v[i_];       \
    (vec).n = kept_;                                                       \
  } while (0)

void wpio_job_keep_window(struct wpio_job *job, int32_t window) {
  KEEP_WINDOW(job->windows, window);
  KEEP_WINDOW(job->kernels, window);
  KEEP_WINDOW(job->ranges, window);
  KEEP_WINDOW(job->mpi, window);
  /* plain rows without pointers: shrinking n is enough, the memory goes with the job */
  job->timeline.n = 0;
  job->strag_events.n = 0; /* stragglers are not among the stop tables: not gathered at each stop */
  job->sum_kernels.n = job->sum_ranges.n = job->sum_lite.n = job->sum_mpi.n = 0;
}

/* Ranges and kernels first (self CUDA time), then lite scopes and MPI (CPU time). */
static const enum wpio_table stop_order[WPIO_TABLE_COUNT] = {
  WPIO_TABLE_RANGES, WPIO_TABLE_KERNELS, WPIO_TABLE_LITE, WPIO_TABLE_MPI
};

int wpio_format_stop_tables(FILE *out, const struct wpio_job *job, int rank, int32_t window, size_t top,
                            int show_empty, char *err, size_t errlen) {
  struct wpio_format_opts o;
  wpio_format_opts_init(&o);
  o.rank = rank < 0 ? -1 : rank;
  o.window = window;
  o.top = top;
  size_t shown = 0;
  for (int t = 0; t < WPIO_TABLE_COUNT; t++) {
    struct wpio_view v;
    if (wpio_view_build(job, stop_order[t], &o, &v, err, errlen) < 0) return -1;
    int rc = 0;
    if (v.n_all > 0 || show_empty) {
      rc = wpio_format_view(out, &v, &o);
      shown++;
    }
    wpio_view_free(&v);
    if (rc < 0) {
      if (err && errlen) snprintf(err, errlen, "cannot write the tables");
      return -1;
    }
  }
  if (shown == 0) fprintf(out, "(no rows in window %d)\n\n", (int)window);
  return ferror(out) ? -1 : 0;
}
