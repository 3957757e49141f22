/* The in-memory form of a report: one rank's tables (packed and gathered) and the whole job's
 * (merged on rank 0, written to HDF5, read back by the tools) use this one structure. */
#ifndef WPIO_JOB_H
#define WPIO_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "wpio_strtab.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WPIO_SCHEMA_VERSION 1

/* Kinds of GPU activity rows in /kernels (an HDF5 enum in the report). */
enum wpio_kind { WPIO_KIND_KERNEL = 0, WPIO_KIND_MEMCPY = 1, WPIO_KIND_MEMSET = 2, WPIO_KIND_SYNC = 3, WPIO_KIND_OTHER = 4 };
#define WPIO_KIND_COUNT 5
const char *wpio_kind_name(int kind);

/* Status of a rank in /ranks. */
#define WPIO_STATUS_OK "ok"
#define WPIO_STATUS_MISSING "missing"
#define WPIO_STATUS_CORRUPT "corrupt"

/* A growable array: `v` holds `n` elements, room for `cap`. */
#define WPIO_VEC(T) struct { T *v; size_t n, cap; }

/* Attributes whose key starts with this are run metadata: the HDF5 writer stores them, without the
 * prefix, as attributes of the /meta group, and the reader reads /meta back under the prefix. */
#define WPIO_META_PREFIX "meta/"
#define WPIO_META_GROUP "/meta"

struct wpio_attr {
  char *key;
  char *value;   /* always set: the textual value */
  int is_int;    /* written as an integer attribute when set */
  int64_t ival;
};

struct wpio_rank_row {
  int32_t rank;
  char *hostname;
  int64_t pid;
  int32_t device;            /* -1: none */
  /* Clock alignment to rank 0: rank 0's time = t - (clock_offset_ns + drift * (t - clock_ref_ns)),
   * drift = clock_drift_ppm * 1e-6, for a local time t; clock_residual_ns is the error of that fit. */
  int64_t clock_offset_ns;
  double clock_drift_ppm;
  int64_t clock_residual_ns;
  uint64_t dropped_records;  /* CUPTI records lost */
  char *status;              /* WPIO_STATUS_* */
  int32_t collected;         /* 1 when the rank is in WPROF_RANKS and recorded data */
  int64_t clock_ref_ns;      /* local time at which clock_offset_ns holds (weighted mean time of the samples) */
  uint64_t timeline_dropped; /* /timeline events not kept (WPROF_TIMELINE_MAX_EVENTS) */
};

/* cut_short: 1 for a window a rank was killed in, as recovered from its last open-window spill (its
 * steps are those made up to that spill, end_ns that spill's time); 0 in every other report. */
struct wpio_window_row { int32_t rank, window; int64_t start_ns, end_ns; int64_t steps; int32_t cut_short; };

/* One row per (window, name, kind, launch configuration, graph): a kernel launched with two grid or
 * block shapes is two rows (readers fold by name). Copies and sets have a zero configuration. */
struct wpio_kernel_row {
  int32_t rank, window;
  uint32_t name_id;
  int32_t kind;              /* enum wpio_kind */
  uint64_t calls, total_ns, min_ns, max_ns, bytes;
  uint32_t grid_x, grid_y, grid_z, block_x, block_y, block_z;
  uint32_t registers_per_thread, static_shared_bytes, dynamic_shared_bytes;
  int64_t graph_id;          /* CUDA graph that ran it, -1: not launched through a graph */
};

/* Kinds of memory in /memory (CUPTI's CUpti_ActivityMemoryKind numbering; an HDF5 enum). */
enum wpio_mem_kind {
  WPIO_MEM_UNKNOWN = 0, WPIO_MEM_PAGEABLE = 1, WPIO_MEM_PINNED = 2, WPIO_MEM_DEVICE = 3,
  WPIO_MEM_ARRAY = 4, WPIO_MEM_MANAGED = 5, WPIO_MEM_DEVICE_STATIC = 6, WPIO_MEM_MANAGED_STATIC = 7
};
#define WPIO_MEM_KIND_COUNT 8
const char *wpio_mem_kind_name(int kind);
/* The name_id of /memory rows whose allocation happened outside every range. */
#define WPIO_MEMORY_NO_RANGE "(no range)"

/* GPU memory of one (window, range open at the call, device, memory kind) on a rank. peak_bytes is
 * the highest level of bytes in use on (device, kind) right after an allocation of this row, and
 * peak_time_ns when (host CLOCK_MONOTONIC); in use counts from when tracing began. */
struct wpio_memory_row {
  int32_t rank, window;
  uint32_t name_id;          /* range, or WPIO_MEMORY_NO_RANGE */
  int32_t device, kind;      /* kind: enum wpio_mem_kind */
  uint64_t allocations, frees, bytes_allocated, bytes_freed, peak_bytes;
  int64_t peak_time_ns;
};

/* GPU time by host call stack at launch: stack_id names the symbolized stack ("f1 <- f2 <- ...",
 * innermost first) in /names, name_id the kernel. With WPROF_MEMORY, allocations too: name_id is
 * WPIO_STACK_ALLOCATION, calls the allocations, bytes their size, cuda_ns 0 (bytes is 0 for kernels). */
#define WPIO_STACK_ALLOCATION "(allocation)"
struct wpio_stack_row {
  int32_t rank, window;
  uint32_t stack_id, name_id;
  uint64_t calls, cuda_ns;
  uint64_t bytes;
};

/* /summary/memory: per range name across ranks. */
struct wpio_memsum_row {
  uint32_t name_id;
  uint32_t ranks_present;
  uint64_t allocations, frees, bytes_allocated, bytes_freed, peak_bytes;
  int32_t peak_rank;         /* the rank with the highest peak_bytes */
};

struct wpio_range_row {
  int32_t rank, window;
  uint32_t name_id;
  uint64_t calls, cpu_total_ns, cpu_self_ns, cuda_self_ns, cuda_total_ns;
};

struct wpio_lite_row {
  int32_t rank;
  uint32_t name_id;
  uint64_t calls, total_ns, min_ns, max_ns, p50_ns, p90_ns, p99_ns;
};

/* MPI calls of one function on a rank in one window (-1: outside any window); the rows of a rank
 * partition its calls. bytes: see runtime/mpi/mpi_calls.h. */
struct wpio_mpi_row {
  int32_t rank, window;
  uint32_t name_id;
  uint64_t calls, total_ns, min_ns, max_ns, bytes;
};

/* One non-empty histogram bucket of a lite scope on a rank (see wpio_hist.h for the buckets). */
struct wpio_hist_row { int32_t rank; uint32_t name_id; uint32_t bucket; uint64_t count; };

/* Kinds of /timeline events. */
enum wpio_event_kind {
  WPIO_EV_WINDOW = 0, WPIO_EV_RANGE = 1, WPIO_EV_LITE = 2, WPIO_EV_KERNEL = 3, WPIO_EV_MEMCPY = 4,
  WPIO_EV_MEMSET = 5, WPIO_EV_SYNC = 6, WPIO_EV_MPI = 7, WPIO_EV_OTHER = 8
};
#define WPIO_EV_KIND_COUNT 9
const char *wpio_event_kind_name(int kind);
/* Tracks: host threads are their thread id (>= 0); GPU streams are WPIO_TRACK_STREAM(stream id). */
#define WPIO_TRACK_STREAM(id) (-1 - (int64_t)(id))
#define WPIO_TRACK_IS_STREAM(t) ((t) < 0)
#define WPIO_TRACK_STREAM_ID(t) (-1 - (t))

/* One event of the timeline, in rank 0's timebase (aligned on the rank before it is packed). */
struct wpio_timeline_row {
  int32_t rank, kind;        /* enum wpio_event_kind */
  uint32_t name_id;
  int64_t track;             /* host thread id, or WPIO_TRACK_STREAM(stream) for GPU work */
  int64_t start_ns, end_ns;
};

/* Stragglers (issue 9). Raw arrivals, packed by each rank and gathered, never written to HDF5: one
 * per rank and instance of a synchronizing call, on rank 0's clock. An instance is (window, func, seq):
 * the seq-th call of MPI function `func` (runtime/mpi/mpi_calls.h id) in the window on the calling thread,
 * or func WPIO_STRAG_SYNC with seq 0 (start) / 1 (end) for the window's sync points. */
#define WPIO_STRAG_SYNC (-1)
/* Not an arrival: seq holds how many collective calls of the window were not kept (bound reached). */
#define WPIO_STRAG_DROPPED (-2)
struct wpio_strag_event {
  int32_t rank, window, func;
  uint32_t seq;
  int64_t entry_ns, exit_ns;
};

/* /stragglers: one row per rank and window (io/summary/wpio_stragglers.c). */
struct wpio_straggler_row {
  int32_t rank, window;
  uint64_t instances;      /* instances this rank took part in with at least one other rank */
  uint64_t arrived_last;   /* of those, how many it entered last */
  uint64_t wait_caused_ns; /* the others' waiting for it: sum of (its entry - their entry) */
  uint64_t waited_ns;      /* its own waiting: sum of (last entry - its entry) */
  uint64_t transfer_ns;    /* clock-free split: the shortest duration across ranks of each instance */
  uint64_t waiting_ns;     /* ... and the rest of its own duration */
  uint64_t dropped;        /* collective calls of the window not kept (WPROF_STRAGGLER_MAX_EVENTS) */
};

/* /breakdown (issue 9): where one rank's time went in one window. GPU columns are lengths of unions
 * of GPU activity intervals (runtime/cupti/breakdown.c), clipped to the window: compute = kernels whose name
 * has no "nccl"/"NCCL", comm = kernels whose name has it, memory = copies and sets; gpu_busy is the
 * union of all three, comm_overlap the part of comm also covered by compute. host_mpi_ns sums the
 * window's intercepted MPI calls (/mpi). GPU columns are 0 on the host backend. */
struct wpio_breakdown_row {
  int32_t rank, window;
  int64_t window_ns, gpu_busy_ns, compute_ns, memory_ns, comm_ns, gpu_idle_ns, comm_overlap_ns;
  double overlap_share;      /* comm_overlap_ns / comm_ns, 0 without comm */
  int64_t host_mpi_ns, host_outside_mpi_ns;
};

/* /launch_latency: per kernel name and window, host time from the launch API call (enter) to the
 * kernel's start on the GPU mapped to the host clock; p50/p99 from a log-linear histogram. */
struct wpio_launch_latency_row {
  int32_t rank, window;
  uint32_t name_id;
  uint64_t calls, p50_ns, p99_ns;
};

/* /cupti_overhead: CUPTI's own OVERHEAD records per rank and overhead kind (the kind's name is
 * name_id in /names, column kind_id). The kind "another_subscriber" (count 1) marks a rank where
 * cuptiSubscribe failed because another tool holds CUPTI; "correlation_lost" counts launches whose
 * range and window were forgotten before their records were read (placed by timestamp, no range),
 * "incomplete_records" records CUPTI delivered without their times (rejected), "uncorrelated_records"
 * records whose correlation id wprof did not know (placed by time, no range), "launches_without_records"
 * launches no record came for by the report (stream capture, dropped records), "truncated_buffers"
 * activity buffers whose reading stopped at an incomplete or invalid record. */
#define WPIO_CUPTI_OTHER_SUBSCRIBER "another_subscriber"
#define WPIO_CUPTI_CORRELATION_LOST "correlation_lost"
#define WPIO_CUPTI_INCOMPLETE "incomplete_records"
#define WPIO_CUPTI_UNCORRELATED "uncorrelated_records"
#define WPIO_CUPTI_NO_RECORD "launches_without_records"
#define WPIO_CUPTI_TRUNCATED "truncated_buffers"
struct wpio_cupti_overhead_row {
  int32_t rank;
  uint32_t name_id;
  uint64_t count, total_ns;
};

/* One row per name across ranks. `total_ns` and the per-rank statistics are over the table's
 * main time: kernels total_ns, ranges cpu_total_ns, lite and mpi total_ns. Ranks without the name do not
 * count in min/mean/max. */
struct wpio_summary_row {
  uint32_t name_id;
  int32_t kind;              /* kernels only, else -1 */
  uint32_t ranks_present;
  uint64_t calls;
  uint64_t total_ns;
  double min_rank_ns, mean_rank_ns, max_rank_ns;
  double imbalance;          /* max / mean */
  int32_t slowest_rank;
  /* sums of the table's other columns */
  uint64_t cpu_self_ns, cuda_self_ns, cuda_total_ns; /* ranges only, else 0 */
  uint64_t bytes;            /* kernels and mpi, else 0 */
  uint64_t p50_ns, p90_ns, p99_ns;                   /* lite only: from merged histograms */
};

struct wpio_strag_acc;

struct wpio_job {
  struct wpio_strtab names;
  WPIO_VEC(struct wpio_attr) attrs;
  WPIO_VEC(struct wpio_rank_row) ranks;
  WPIO_VEC(struct wpio_window_row) windows;
  WPIO_VEC(struct wpio_kernel_row) kernels;
  WPIO_VEC(struct wpio_range_row) ranges;
  WPIO_VEC(struct wpio_lite_row) lite;
  WPIO_VEC(struct wpio_hist_row) lite_hist;
  WPIO_VEC(struct wpio_mpi_row) mpi;
  WPIO_VEC(struct wpio_timeline_row) timeline;
  WPIO_VEC(struct wpio_summary_row) sum_kernels;
  WPIO_VEC(struct wpio_summary_row) sum_ranges;
  WPIO_VEC(struct wpio_summary_row) sum_lite;
  WPIO_VEC(struct wpio_summary_row) sum_mpi;
  WPIO_VEC(struct wpio_memory_row) memory;
  WPIO_VEC(struct wpio_stack_row) stacks;
  WPIO_VEC(struct wpio_memsum_row) sum_memory;
  WPIO_VEC(struct wpio_breakdown_row) breakdown;
  WPIO_VEC(struct wpio_launch_latency_row) launch_latency;
  WPIO_VEC(struct wpio_cupti_overhead_row) cupti_overhead;
  WPIO_VEC(struct wpio_strag_event) strag_events; /* wire only: rank 0 turns them into stragglers */
  WPIO_VEC(struct wpio_straggler_row) stragglers;
  /* Rank 0: arrivals folded as ranks are merged (io/summary/wpio_stragglers.c), with the function that
   * frees them, which wpio_job_free and wpio_job_clear call: the model never calls the summary. */
  struct wpio_strag_acc *strag_acc;
  void (*strag_acc_free)(struct wpio_strag_acc *acc);
};

void wpio_job_init(struct wpio_job *job);
void wpio_job_free(struct wpio_job *job);
/* Empties every table but keeps their memory (the tables' arrays, the names' blocks and slots), for a
 * job refilled over and over: rank 0 decodes each rank's data into one scratch job, a rank collects
 * every spill and pack into one (no allocation, no fresh pages, unless it is larger than before).
 * What the rows own (attribute strings, the ranks' host names and statuses, the straggler
 * accumulator) is freed as by wpio_job_free. */
void wpio_job_clear(struct wpio_job *job);
/* Bytes of the per-rank row tables (windows, kernels, ranges, lite and histograms, mpi, timeline,
 * memory, stacks, breakdown, launch latency, CUPTI overhead), and emptying them (memory kept): a
 * report streamed part by part writes these as they come; names, ranks and attributes stay. */
size_t wpio_job_row_bytes(const struct wpio_job *job);
void wpio_job_clear_rows(struct wpio_job *job);

/* Grows a WPIO_VEC by one zeroed element and returns it, or NULL when out of memory. */
void *wpio_vec_grow(void *vec_v, size_t *n, size_t *cap, size_t elem_size);
#define WPIO_VEC_PUSH(vec) \
  ((__typeof__((vec).v))wpio_vec_grow(&(vec).v, &(vec).n, &(vec).cap, sizeof(*(vec).v)))
/* Makes room for `want` elements in total (n unchanged). 0 or -1 (OOM / overflow). */
int wpio_vec_reserve(void *vec_v, size_t *cap, size_t elem_size, size_t want);
#define WPIO_VEC_RESERVE(vec, want) wpio_vec_reserve(&(vec).v, &(vec).cap, sizeof(*(vec).v), (want))
/* The same for an estimate that may overshoot: the new part is left to fault in as it is written
 * (WPIO_VEC_RESERVE makes a large one present at once, for reservations that are filled). */
int wpio_vec_reserve_hint(void *vec_v, size_t *cap, size_t elem_size, size_t want);
#define WPIO_VEC_RESERVE_HINT(vec, want) wpio_vec_reserve_hint(&(vec).v, &(vec).cap, sizeof(*(vec).v), (want))

/* Attributes: set (replacing an existing key) a string or integer root attribute. 0 or -1 (OOM). */
int wpio_job_set_attr(struct wpio_job *job, const char *key, const char *value);
int wpio_job_set_attr_int(struct wpio_job *job, const char *key, int64_t value);
const struct wpio_attr *wpio_job_attr(const struct wpio_job *job, const char *key);

/* Appends every row of `src` to `dst`, remapping name ids and adding attributes of `src` that `dst`
 * lacks. Summaries are not merged: compute them afterwards. The raw straggler arrivals are not
 * appended: wpio_job_merge folds them. 0 or -1 (OOM, or a name_id of `src` outside its names, in
 * which case no row of that table is appended). */
int wpio_job_append(struct wpio_job *dst, const struct wpio_job *src);

/* Adds a /ranks row for a rank whose data never arrived or did not decode. */
int wpio_job_add_placeholder_rank(struct wpio_job *job, int32_t rank, const char *status);

/* Sorts the rank rows by rank and computes the four summaries (replacing existing ones) and the
 * lite percentiles from the histograms. 0 or -1 (OOM). */
int wpio_job_summarize(struct wpio_job *job);

/* Summaries of a job whose rows come part by part, in ascending rank order, a rank's rows never split
 * between parts (wpio_summary_acc.c): the same rows wpio_job_summarize would compute from all parts
 * at once. _add summarizes the part (its own lite percentiles included) and folds it in; _finish
 * writes the summaries into `job`, whose names the parts' name ids index. 0, or -1 (OOM). */
struct wpio_summary_acc;
struct wpio_summary_acc *wpio_summary_acc_new(void);
int wpio_summary_acc_add(struct wpio_summary_acc *acc, struct wpio_job *part);
int wpio_summary_acc_finish(const struct wpio_summary_acc *acc, struct wpio_job *job);
void wpio_summary_acc_free(struct wpio_summary_acc *acc);
/* /summary/memory from /memory (replacing it). 0 or -1 (OOM). Called by wpio_job_summarize. */
int wpio_job_summarize_memory(struct wpio_job *job);
/* /stragglers (io/summary/wpio_stragglers.c). wpio_job_merge merges a rank's part (or a job) into dst:
 * wpio_job_append, then the arrivals of `src` folded into dst->strag_acc (rank 0 keeps per-instance
 * and per-rank sums, never every rank's arrivals); 0 or -1 as wpio_job_append. wpio_job_stragglers
 * folds the job's own strag_events too, then replaces /stragglers with the result and frees both.
 * Without any arrival the rows are left as they are. 0 or -1 (OOM). */
int wpio_job_merge(struct wpio_job *dst, const struct wpio_job *src);
int wpio_job_stragglers(struct wpio_job *job);

#ifdef __cplusplus
}
#endif
#endif
