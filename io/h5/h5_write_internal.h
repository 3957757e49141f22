/* What the report writer (h5_write.c) and the streamed writer (h5_stream.c) share inside the plugin;
 * both write through the report file of h5_file.h. */
#ifndef H5_WRITE_INTERNAL_H
#define H5_WRITE_INTERNAL_H

#include <hdf5.h>
#include <stdint.h>

#include "h5_file.h"
#include "h5_schema.h"
#include "wpio_job.h"

/* Where the per-rank row tables go: each written whole (a report in one go), or appended to datasets
 * that grow part by part (h5_stream.c). put writes n rows of table id in its memory layout. */
struct h5w_sink {
  hid_t file;
  struct h5s_err *c;
  int (*put)(struct h5w_sink *s, enum h5s_table_id id, const void *rows, size_t n);
  void *stream;
};

/* /windows, /kernels, /ranges, /lite, /lite_hist, /mpi, /timeline, /memory, /stacks, /breakdown,
 * /launch_latency, /cupti_overhead: checked (name ids, kinds) and put through the sink. */
int h5w_row_tables(struct h5w_sink *s, const struct wpio_job *job);
/* Attributes and /meta, /names, /ranks, /summary/... and /stragglers. */
int h5w_rest_tables(hid_t file, const struct wpio_job *job, struct h5s_err *c);
/* The rank spans attribute of the table at path from seen[0..max] (1: the rank has rows). */
int h5w_spans_attr(hid_t file, const char *path, const unsigned char *seen, int32_t max, struct h5s_err *c);
/* Which ranks have rows: seen[r] for r in 0..max, grown as rows come (free seen when done). */
struct h5w_ranks_seen {
  unsigned char *seen;
  int32_t max;
};
/* Notes the ranks of n rows of row_size bytes (every row struct starts with its int32_t rank). 0, or
 * -1 when out of memory. */
int h5w_ranks_note(struct h5w_ranks_seen *s, const void *rows, size_t n, size_t row_size);
/* 1 when table id is one of h5s_spans_tables. */
int h5w_has_spans(enum h5s_table_id id);
/* HDF5 prints nothing of ours between begin and end; the application's error handler is put back. */
struct h5w_quiet {
  H5E_auto2_t fn;
  void *data;
};
struct h5w_quiet h5w_quiet_begin(void);
void h5w_quiet_end(struct h5w_quiet q);
/* Transfer properties with conversion buffers, for the writes between begin and end. */
void h5w_xfer_begin(void);
void h5w_xfer_end(void);
/* Dataset creation properties: chunked (with shuffle, and deflate when this HDF5 has it: *deflate)
 * for n rows past the contiguous threshold, or `extendible`; else contiguous. *chunk_rows: the rows
 * per chunk it declared (H5S_CHUNK_ROWS when extendible), 0 when contiguous. */
hid_t h5w_table_dcpl(size_t n, int extendible, int *deflate, size_t *chunk_rows);

#endif
