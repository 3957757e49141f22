/* Schema v1 table definitions, one place for the writer and the reader so a column can never be
 * spelled or typed differently on the two sides (and the error line both report through). */
#include "h5_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "wpio_job.h"

#define COL(s, f, t) { #f, t, offsetof(s, f) }
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static const struct h5s_column ranks_cols[] = {
  COL(struct wpio_rank_row, rank, H5S_I32),
  COL(struct wpio_rank_row, hostname, H5S_STR),
  COL(struct wpio_rank_row, pid, H5S_I64),
  COL(struct wpio_rank_row, device, H5S_I32),
  COL(struct wpio_rank_row, clock_offset_ns, H5S_I64),
  COL(struct wpio_rank_row, clock_drift_ppm, H5S_F64),
  COL(struct wpio_rank_row, clock_residual_ns, H5S_I64),
  COL(struct wpio_rank_row, dropped_records, H5S_U64),
  COL(struct wpio_rank_row, status, H5S_STR),
  COL(struct wpio_rank_row, collected, H5S_I32),
  COL(struct wpio_rank_row, clock_ref_ns, H5S_I64),
  COL(struct wpio_rank_row, timeline_dropped, H5S_U64),
};

static const struct h5s_column windows_cols[] = {
  COL(struct wpio_window_row, rank, H5S_I32),
  COL(struct wpio_window_row, window, H5S_I32),
  COL(struct wpio_window_row, start_ns, H5S_I64),
  COL(struct wpio_window_row, end_ns, H5S_I64),
  COL(struct wpio_window_row, steps, H5S_I64),
  COL(struct wpio_window_row, cut_short, H5S_I32), /* the last: reports before it read without it */
};

static const struct h5s_column kernels_cols[] = {
  COL(struct wpio_kernel_row, rank, H5S_I32),
  COL(struct wpio_kernel_row, window, H5S_I32),
  COL(struct wpio_kernel_row, name_id, H5S_U32),
  COL(struct wpio_kernel_row, kind, H5S_KIND),
  COL(struct wpio_kernel_row, calls, H5S_U64),
  COL(struct wpio_kernel_row, total_ns, H5S_U64),
  COL(struct wpio_kernel_row, min_ns, H5S_U64),
  COL(struct wpio_kernel_row, max_ns, H5S_U64),
  COL(struct wpio_kernel_row, bytes, H5S_U64),
  COL(struct wpio_kernel_row, grid_x, H5S_U32),
  COL(struct wpio_kernel_row, grid_y, H5S_U32),
  COL(struct wpio_kernel_row, grid_z, H5S_U32),
  COL(struct wpio_kernel_row, block_x, H5S_U32),
  COL(struct wpio_kernel_row, block_y, H5S_U32),
  COL(struct wpio_kernel_row, block_z, H5S_U32),
  COL(struct wpio_kernel_row, registers_per_thread, H5S_U32),
  COL(struct wpio_kernel_row, static_shared_bytes, H5S_U32),
  COL(struct wpio_kernel_row, dynamic_shared_bytes, H5S_U32),
  COL(struct wpio_kernel_row, graph_id, H5S_I64),
};

static const struct h5s_column memory_cols[] = {
  COL(struct wpio_memory_row, rank, H5S_I32),
  COL(struct wpio_memory_row, window, H5S_I32),
  COL(struct wpio_memory_row, name_id, H5S_U32),
  COL(struct wpio_memory_row, device, H5S_I32),
  COL(struct wpio_memory_row, kind, H5S_MEMKIND),
  COL(struct wpio_memory_row, allocations, H5S_U64),
  COL(struct wpio_memory_row, frees, H5S_U64),
  COL(struct wpio_memory_row, bytes_allocated, H5S_U64),
  COL(struct wpio_memory_row, bytes_freed, H5S_U64),
  COL(struct wpio_memory_row, peak_bytes, H5S_U64),
  COL(struct wpio_memory_row, peak_time_ns, H5S_I64),
};

static const struct h5s_column stacks_cols[] = {
  COL(struct wpio_stack_row, rank, H5S_I32),
  COL(struct wpio_stack_row, window, H5S_I32),
  COL(struct wpio_stack_row, stack_id, H5S_U32),
  COL(struct wpio_stack_row, name_id, H5S_U32),
  COL(struct wpio_stack_row, calls, H5S_U64),
  COL(struct wpio_stack_row, cuda_ns, H5S_U64),
  COL(struct wpio_stack_row, bytes, H5S_U64),
};

static const struct h5s_column sum_memory_cols[] = {
  COL(struct h5s_memsum_mem, name, H5S_STR),
  COL(struct h5s_memsum_mem, ranks_present, H5S_U32),
  COL(struct h5s_memsum_mem, allocations, H5S_U64),
  COL(struct h5s_memsum_mem, frees, H5S_U64),
  COL(struct h5s_memsum_mem, bytes_allocated, H5S_U64),
  COL(struct h5s_memsum_mem, bytes_freed, H5S_U64),
  COL(struct h5s_memsum_mem, peak_bytes, H5S_U64),
  COL(struct h5s_memsum_mem, peak_rank, H5S_I32),
};

static const struct h5s_column stragglers_cols[] = {
  COL(struct wpio_straggler_row, rank, H5S_I32),
  COL(struct wpio_straggler_row, window, H5S_I32),
  COL(struct wpio_straggler_row, arrived_last, H5S_U64),
  COL(struct wpio_straggler_row, wait_caused_ns, H5S_U64),
  COL(struct wpio_straggler_row, waited_ns, H5S_U64),
  COL(struct wpio_straggler_row, transfer_ns, H5S_U64),
  COL(struct wpio_straggler_row, waiting_ns, H5S_U64),
  COL(struct wpio_straggler_row, instances, H5S_U64),
  COL(struct wpio_straggler_row, dropped, H5S_U64),
};

static const struct h5s_column ranges_cols[] = {
  COL(struct wpio_range_row, rank, H5S_I32),
  COL(struct wpio_range_row, window, H5S_I32),
  COL(struct wpio_range_row, name_id, H5S_U32),
  COL(struct wpio_range_row, calls, H5S_U64),
  COL(struct wpio_range_row, cpu_total_ns, H5S_U64),
  COL(struct wpio_range_row, cpu_self_ns, H5S_U64),
  COL(struct wpio_range_row, cuda_self_ns, H5S_U64),
  COL(struct wpio_range_row, cuda_total_ns, H5S_U64),
};

static const struct h5s_column lite_cols[] = {
  COL(struct wpio_lite_row, rank, H5S_I32),
  COL(struct wpio_lite_row, name_id, H5S_U32),
  COL(struct wpio_lite_row, calls, H5S_U64),
  COL(struct wpio_lite_row, total_ns, H5S_U64),
  COL(struct wpio_lite_row, min_ns, H5S_U64),
  COL(struct wpio_lite_row, max_ns, H5S_U64),
  COL(struct wpio_lite_row, p50_ns, H5S_U64),
  COL(struct wpio_lite_row, p90_ns, H5S_U64),
  COL(struct wpio_lite_row, p99_ns, H5S_U64),
};

static const struct h5s_column hist_cols[] = {
  COL(struct h5s_hist_mem, rank, H5S_I32),
  COL(struct h5s_hist_mem, name_id, H5S_U32),
  COL(struct h5s_hist_mem, bucket, H5S_U32),
  COL(struct h5s_hist_mem, lower_ns, H5S_U64),
  COL(struct h5s_hist_mem, upper_ns, H5S_U64),
  COL(struct h5s_hist_mem, count, H5S_U64),
};

static const struct h5s_column mpi_cols[] = {
  COL(struct wpio_mpi_row, rank, H5S_I32),
  COL(struct wpio_mpi_row, window, H5S_I32),
  COL(struct wpio_mpi_row, name_id, H5S_U32),
  COL(struct wpio_mpi_row, calls, H5S_U64),
  COL(struct wpio_mpi_row, total_ns, H5S_U64),
  COL(struct wpio_mpi_row, min_ns, H5S_U64),
  COL(struct wpio_mpi_row, max_ns, H5S_U64),
  COL(struct wpio_mpi_row, bytes, H5S_U64),
};

static const struct h5s_column timeline_cols[] = {
  COL(struct wpio_timeline_row, rank, H5S_I32),
  COL(struct wpio_timeline_row, kind, H5S_EVKIND),
  COL(struct wpio_timeline_row, name_id, H5S_U32),
  COL(struct wpio_timeline_row, track, H5S_I64),
  COL(struct wpio_timeline_row, start_ns, H5S_I64),
  COL(struct wpio_timeline_row, end_ns, H5S_I64),
};

/* The columns every summary starts with. */
#define SUMMARY_COMMON \
  COL(struct h5s_summary_mem, name, H5S_STR), \
  COL(struct h5s_summary_mem, ranks_present, H5S_U32), \
  COL(struct h5s_summary_mem, calls, H5S_U64), \
  COL(struct h5s_summary_mem, total_ns, H5S_U64), \
  COL(struct h5s_summary_mem, min_ns, H5S_F64), \
  COL(struct h5s_summary_mem, mean_ns, H5S_F64), \
  COL(struct h5s_summary_mem, max_ns, H5S_F64), \
  COL(struct h5s_summary_mem, imbalance, H5S_F64), \
  COL(struct h5s_summary_mem, slowest_rank, H5S_I32)

static const struct h5s_column sum_kernels_cols[] = {
  SUMMARY_COMMON,
  COL(struct h5s_summary_mem, kind, H5S_KIND),
  COL(struct h5s_summary_mem, bytes, H5S_U64),
};
static const struct h5s_column sum_ranges_cols[] = {
  SUMMARY_COMMON,
  COL(struct h5s_summary_mem, cpu_self_ns, H5S_U64),
  COL(struct h5s_summary_mem, cuda_self_ns, H5S_U64),
  COL(struct h5s_summary_mem, cuda_total_ns, H5S_U64),
};
static const struct h5s_column sum_lite_cols[] = {
  SUMMARY_COMMON,
  COL(struct h5s_summary_mem, p50_ns, H5S_U64),
  COL(struct h5s_summary_mem, p90_ns, H5S_U64),
  COL(struct h5s_summary_mem, p99_ns, H5S_U64),
};
static const struct h5s_column sum_mpi_cols[] = {
  SUMMARY_COMMON,
  COL(struct h5s_summary_mem, bytes, H5S_U64),
};

/* issue 9: time breakdown, launch latency, CUPTI overhead */
static const struct h5s_column breakdown_cols[] = {
  COL(struct wpio_breakdown_row, rank, H5S_I32),
  COL(struct wpio_breakdown_row, window, H5S_I32),
  COL(struct wpio_breakdown_row, window_ns, H5S_I64),
  COL(struct wpio_breakdown_row, gpu_busy_ns, H5S_I64),
  COL(struct wpio_breakdown_row, compute_ns, H5S_I64),
  COL(struct wpio_breakdown_row, memory_ns, H5S_I64),
  COL(struct wpio_breakdown_row, comm_ns, H5S_I64),
  COL(struct wpio_breakdown_row, gpu_idle_ns, H5S_I64),
  COL(struct wpio_breakdown_row, comm_overlap_ns, H5S_I64),
  COL(struct wpio_breakdown_row, overlap_share, H5S_F64),
  COL(struct wpio_breakdown_row, host_mpi_ns, H5S_I64),
  COL(struct wpio_breakdown_row, host_outside_mpi_ns, H5S_I64),
};
static const struct h5s_column launch_latency_cols[] = {
  COL(struct wpio_launch_latency_row, rank, H5S_I32),
  COL(struct wpio_launch_latency_row, window, H5S_I32),
  COL(struct wpio_launch_latency_row, name_id, H5S_U32),
  COL(struct wpio_launch_latency_row, calls, H5S_U64),
  COL(struct wpio_launch_latency_row, p50_ns, H5S_U64),
  COL(struct wpio_launch_latency_row, p99_ns, H5S_U64),
};
static const struct h5s_column cupti_overhead_cols[] = {
  COL(struct wpio_cupti_overhead_row, rank, H5S_I32),
  { "kind_id", H5S_U32, offsetof(struct wpio_cupti_overhead_row, name_id) }, /* the kind's name in /names */
  COL(struct wpio_cupti_overhead_row, count, H5S_U64),
  COL(struct wpio_cupti_overhead_row, total_ns, H5S_U64),
};

#define TABLE(p, c, s) { p, c, NCOLS(c), sizeof(s) }
static const struct h5s_table tables[H5S_NTABLES] = {
  [H5S_RANKS] = TABLE("/ranks", ranks_cols, struct wpio_rank_row),
  [H5S_WINDOWS] = TABLE("/windows", windows_cols, struct wpio_window_row),
  [H5S_KERNELS] = TABLE("/kernels", kernels_cols, struct wpio_kernel_row),
  [H5S_RANGES] = TABLE("/ranges", ranges_cols, struct wpio_range_row),
  [H5S_LITE] = TABLE("/lite", lite_cols, struct wpio_lite_row),
  [H5S_LITE_HIST] = TABLE("/lite_hist", hist_cols, struct h5s_hist_mem),
  [H5S_MPI] = TABLE("/mpi", mpi_cols, struct wpio_mpi_row),
  [H5S_TIMELINE] = TABLE("/timeline", timeline_cols, struct wpio_timeline_row),
  [H5S_SUM_KERNELS] = TABLE("/summary/kernels", sum_kernels_cols, struct h5s_summary_mem),
  [H5S_SUM_RANGES] = TABLE("/summary/ranges", sum_ranges_cols, struct h5s_summary_mem),
  [H5S_SUM_LITE] = TABLE("/summary/lite", sum_lite_cols, struct h5s_summary_mem),
  [H5S_SUM_MPI] = TABLE("/summary/mpi", sum_mpi_cols, struct h5s_summary_mem),
  [H5S_MEMORY] = TABLE("/memory", memory_cols, struct wpio_memory_row),
  [H5S_STACKS] = TABLE("/stacks", stacks_cols, struct wpio_stack_row),
  [H5S_SUM_MEMORY] = TABLE("/summary/memory", sum_memory_cols, struct h5s_memsum_mem),
  [H5S_STRAGGLERS] = TABLE("/stragglers", stragglers_cols, struct wpio_straggler_row),
  [H5S_BREAKDOWN] = TABLE("/breakdown", breakdown_cols, struct wpio_breakdown_row),
  [H5S_LAUNCH_LATENCY] = TABLE("/launch_latency", launch_latency_cols, struct wpio_launch_latency_row),
  [H5S_CUPTI_OVERHEAD] = TABLE("/cupti_overhead", cupti_overhead_cols, struct wpio_cupti_overhead_row),
};

const struct h5s_table *h5s_table(enum h5s_table_id id) {
  return ((unsigned)id < H5S_NTABLES) ? &tables[id] : NULL;
}

const enum h5s_table_id h5s_spans_tables[H5S_SPANS_TABLES] = {H5S_WINDOWS, H5S_KERNELS, H5S_RANGES, H5S_LITE,
                                                              H5S_MPI, H5S_TIMELINE, H5S_MEMORY, H5S_STACKS};

size_t h5s_col_file_size(enum h5s_col_type type) {
  switch (type) {
  case H5S_I64:
  case H5S_U64:
  case H5S_F64: return 8;
  case H5S_STR: return 16;
  default: return 4;
  }
}

size_t h5s_file_row_size(const struct h5s_table *t) {
  size_t n = 0;
  for (size_t i = 0; i < t->ncols; i++) n += h5s_col_file_size(t->cols[i].type);
  return n;
}

int h5s_fail(struct h5s_err *e, const char *fmt, ...) {
  if (!e->failed && e->err && e->errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, e->errlen, fmt, ap);
    va_end(ap);
  }
  e->failed = 1;
  return -1;
}
