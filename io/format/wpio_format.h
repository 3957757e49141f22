/* The report's tables as text: builds the seed-like views (ranges, kernels, lite, mpi; cross-rank summary
 * or one rank) from a wpio_job and prints them as an aligned text table or CSV. JSON is the tools'. */
#ifndef WPIO_FORMAT_H
#define WPIO_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wpio_job.h"

#ifdef __cplusplus
extern "C" {
#endif

enum wpio_table { WPIO_TABLE_RANGES = 0, WPIO_TABLE_KERNELS = 1, WPIO_TABLE_LITE = 2, WPIO_TABLE_MPI = 3 };
#define WPIO_TABLE_COUNT 4
const char *wpio_table_name(enum wpio_table t); /* "ranges", "kernels", "lite", "mpi" */

enum wpio_out_format { WPIO_OUT_TABLE = 0, WPIO_OUT_CSV = 1 };

/* Sort keys. Each table maps a key to its nearest column (lite: self_cuda and cpu_* sort by total;
 * kernels: cpu_* keep the default); ties go to the second default column, then the name. */
enum wpio_sort {
  WPIO_SORT_DEFAULT = 0, WPIO_SORT_SELF_CUDA, WPIO_SORT_CUDA_TOTAL, WPIO_SORT_CPU_SELF,
  WPIO_SORT_CPU_TOTAL, WPIO_SORT_CALLS, WPIO_SORT_AVG, WPIO_SORT_NAME, WPIO_SORT_TOTAL,
  WPIO_SORT_MEAN, WPIO_SORT_P99, WPIO_SORT_COUNT, WPIO_SORT_IMBALANCE
};
/* Parses a --sort key; -1 when unknown. */
int wpio_sort_parse(const char *s);
/* The accepted keys, comma separated, for usage messages. */
const char *wpio_sort_keys(void);

#define WPIO_NAME_WIDTH 55

struct wpio_format_opts {
  int rank;                    /* -1: cross-rank summary */
  int window;                  /* -1: all windows merged */
  int sort;                    /* enum wpio_sort */
  size_t top;                  /* 0: all rows */
  enum wpio_out_format format;
  size_t name_width;           /* table mode: longer names are cut with "..." */
  /* Display form of a name (e.g. a demangled C++ kernel name), or NULL to show names as stored; the
   * returned string must outlive the view. The report file always keeps the raw names. */
  const char *(*display_name)(const char *raw, void *ctx);
  void *display_ctx;
};
void wpio_format_opts_init(struct wpio_format_opts *o);

/* Kinds of cells, so every output format renders a column the same way. */
enum wpio_cell_kind {
  WPIO_CELL_TEXT,   /* name, kind */
  WPIO_CELL_TIME,   /* u: nanoseconds */
  WPIO_CELL_TIMEF,  /* d: nanoseconds (a mean over ranks) */
  WPIO_CELL_COUNT,  /* u */
  WPIO_CELL_BYTES,  /* u */
  WPIO_CELL_PCT,    /* d: percent */
  WPIO_CELL_RATIO,  /* d */
  WPIO_CELL_RANK    /* i; -1 prints as "-" */
};

struct wpio_column {
  const char *title;  /* table heading */
  const char *key;    /* CSV heading and JSON member */
  int field;          /* private: which value of the row */
  enum wpio_cell_kind kind;
  int data_only;      /* CSV and JSON only, not in the text table */
};

struct wpio_cell {
  enum wpio_cell_kind kind;
  const char *s;
  uint64_t u;
  int64_t i;
  double d;
};

struct wpio_view_row {
  uint32_t name_id;
  const char *name;
  int32_t kind;
  uint64_t calls, self_cuda_ns, cuda_total_ns, cpu_self_ns, cpu_total_ns, total_ns;
  uint64_t min_ns, max_ns, bytes, avg_ns, p50_ns, p90_ns, p99_ns;
  double self_cuda_pct;
  uint32_t ranks;
  double imbalance, rank_min_ns, rank_mean_ns, rank_max_ns;
  int32_t slowest_rank;
  double key1, key2;  /* private: sort keys, descending */
};

struct wpio_view {
  enum wpio_table table;
  int summary;               /* 1: cross-rank summary */
  int rank, window;
  struct wpio_view_row *rows;
  size_t n;                  /* rows shown (after --top) */
  size_t n_all;              /* rows before --top */
  uint64_t self_cuda_total_ns;
  const struct wpio_column *cols;
  size_t ncols;
  struct wpio_job *owned;    /* private: a per-window job the names point into */
};

/* Builds one table's view. Returns 0, or -1 (out of memory) with a line in err. */
int wpio_view_build(const struct wpio_job *job, enum wpio_table table,
                    const struct wpio_format_opts *o, struct wpio_view *v, char *err, size_t errlen);
void wpio_view_free(struct wpio_view *v);
void wpio_view_cell(const struct wpio_view *v, size_t row, size_t col, struct wpio_cell *cell);

/* "1.234ms"-style durations (ns below 1 us), 3 decimals like the torch profiler. */
void wpio_format_time(char *buf, size_t len, double ns);
/* Terminal columns of a UTF-8 string: East Asian wide characters and emoji take two. */
size_t wpio_text_width(const char *s);
/* `s` for a text table cell: control characters become '?', text wider than `width` columns is cut on a
 * character boundary and ends in "..."; at most outlen bytes with the terminating NUL. */
void wpio_fit_text(const char *s, size_t width, char *out, size_t outlen);
/* One CSV field: quoted (with doubled quotes) only when it holds a comma, a quote or a line break. */
void wpio_csv_field(FILE *out, const char *s);

/* Warnings a reader must see: missing/corrupt ranks, dropped records. One line each, no newline;
 * returns how many were written into lines[] (at most max). Each line is malloc'ed (caller frees). */
size_t wpio_report_warnings(const struct wpio_job *job, char **lines, size_t max);

/* The header block (world, backend, sync, windows, warnings), each line prefixed with `prefix`. */
int wpio_format_header(FILE *out, const struct wpio_job *job, const char *source,
                       const char *prefix);
/* One view as a text table (title, columns, footer) or CSV (heading line and rows). */
int wpio_format_view(FILE *out, const struct wpio_view *v, const struct wpio_format_opts *o);
/* The whole report: header, then ranges, kernels, lite and mpi. Returns 0 or -1 with a line in err. */
int wpio_format_report(FILE *out, const struct wpio_job *job, const char *source,
                       const struct wpio_format_opts *o, char *err, size_t errlen);

/* Issue 10's views (wpio_format_gpu.c), text or CSV per o->format, scoped by o->rank / o->window:
 * GPU memory (cross-rank /summary/memory, or the /memory rows of a rank or window), GPU time by call
 * stack, kernels split by launch configuration. 0 or -1 (out of memory, write error). */
int wpio_format_memory(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o);
int wpio_format_stacks(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o);
/* issue 9 time breakdown (--breakdown): per window mean/min/max of each share over ranks, or one rank's
 * /breakdown rows (o->rank >= 0); then CUPTI's overhead and the ranks where another tool held CUPTI. */
int wpio_format_breakdown(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o);
int wpio_format_kernel_configs(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o);
/* GPU time (all /kernels rows but synchronizations) in scope (-1: all) and the part from CUDA graphs. */
void wpio_graph_share(const struct wpio_job *job, int rank, int window, uint64_t *graph_ns, uint64_t *gpu_ns);
/* "GPU time from CUDA graphs: 50.0% (...)" when some GPU time came from graphs, else nothing. */
int wpio_format_graph_share(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o);
/* Issue 9's /stragglers (wpio_format_stragglers.c): a table per window, the ranks that caused the most
 * waiting first; text or CSV, scoped by o->rank / o->window, o->top rows per window. 0 or -1. */
int wpio_format_stragglers(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o);

#ifdef __cplusplus
}
#endif
#endif
