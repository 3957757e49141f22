/* Schema v1 of the HDF5 report, shared by the writer (libwprof and `wprof recover`) and the reader
 * (tools): every table's path, column names, file types and where each column lives in the in-memory
 * row, so both agree. Plain C: the HDF5 types the reader builds from it are in io/h5/h5_types.h. */
#ifndef H5_SCHEMA_H
#define H5_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#define H5S_NAMES_PATH "/names"
#define H5S_SUMMARY_GROUP "/summary"
#define H5S_SCHEMA_ATTR "schema_version"
/* Tables with more rows than this are chunked and compressed; smaller ones stay contiguous. */
#define H5S_CHUNK_THRESHOLD 65536
#define H5S_CHUNK_ROWS 16384

enum h5s_col_type { H5S_I32, H5S_U32, H5S_I64, H5S_U64, H5S_F64, H5S_STR, H5S_KIND, H5S_EVKIND, H5S_MEMKIND };

struct h5s_column {
  const char *name;
  enum h5s_col_type type;
  size_t offset;  /* in the in-memory row */
};

struct h5s_table {
  const char *path;
  const struct h5s_column *cols;
  size_t ncols;
  size_t row_size;  /* sizeof the in-memory row */
};

enum h5s_table_id {
  H5S_RANKS, H5S_WINDOWS, H5S_KERNELS, H5S_RANGES, H5S_LITE, H5S_LITE_HIST, H5S_MPI, H5S_TIMELINE,
  H5S_SUM_KERNELS, H5S_SUM_RANGES, H5S_SUM_LITE, H5S_SUM_MPI,
  H5S_MEMORY, H5S_STACKS, H5S_SUM_MEMORY,
  H5S_STRAGGLERS, /* issue 9: stragglers */
  H5S_BREAKDOWN, H5S_LAUNCH_LATENCY, H5S_CUPTI_OVERHEAD, /* issue 9: gpuanalysis */
  H5S_NTABLES
};

/* /summary/memory's in-memory row: the name itself instead of its id. */
struct h5s_memsum_mem {
  char *name;
  uint32_t ranks_present;
  uint64_t allocations, frees, bytes_allocated, bytes_freed, peak_bytes;
  int32_t peak_rank;
};

/* In-memory rows of tables that have no wpio_*_row of their own (the others use wpio_job.h's rows
 * directly). The summaries carry the name itself; each summary table uses a subset of the fields. */
struct h5s_hist_mem { int32_t rank; uint32_t name_id, bucket; uint64_t lower_ns, upper_ns, count; };
struct h5s_summary_mem {
  char *name;
  uint32_t ranks_present;
  uint64_t calls, total_ns;
  double min_ns, mean_ns, max_ns, imbalance;
  int32_t slowest_rank;
  int32_t kind;
  uint64_t bytes, cpu_self_ns, cuda_self_ns, cuda_total_ns, p50_ns, p90_ns, p99_ns;
};

const struct h5s_table *h5s_table(enum h5s_table_id id);

/* The per-rank tables that carry the rank spans attribute (WPIO_H5_RANK_SPANS_ATTR), windows first:
 * the writer leaves it, `wprof doctor` compares which ranks each has. */
#define H5S_SPANS_TABLES 8
extern const enum h5s_table_id h5s_spans_tables[H5S_SPANS_TABLES];

/* Bytes of a column in the file: 4 for 32-bit integers and enums, 8 for 64-bit numbers, 16 for a
 * variable-length string (the global heap reference). The file row packs the columns in order. */
size_t h5s_col_file_size(enum h5s_col_type type);
size_t h5s_file_row_size(const struct h5s_table *t);

/* The writer's and the reader's error line: the first failure wins, its message is the one line
 * their caller gets. */
struct h5s_err {
  char *err;
  size_t errlen;
  int failed;
};
/* Marks `e` failed, keeping the message only when it is the first; returns -1. */
int h5s_fail(struct h5s_err *e, const char *fmt, ...);

#endif
