/* What the report writer (h5_write.c) and the streamed writer (h5_stream.c) share: the report
 * being written (its file, its groups' links and attributes, gathered until the headers are written
 * at the end) and the sink the per-rank row tables go through. */
#ifndef H5_WRITE_INTERNAL_H
#define H5_WRITE_INTERNAL_H

#include <stdint.h>

#include "h5_file.h"
#include "h5_schema.h"
#include "h5f_dset.h"
#include "wpio_job.h"

/* The groups of a report: the root, /meta and /summary. */
enum h5w_group { H5W_ROOT, H5W_META, H5W_SUMMARY, H5W_NGROUPS };

struct h5w_link {
  const char *name; /* a static string (the schema's) */
  uint64_t addr;
};
struct h5w_attr {
  char *name;
  int is_int;
  int64_t ival;
  const char *value; /* the job's string, alive until the report is finished */
};
struct h5w_group_items {
  struct h5w_link *links;
  size_t nlinks, links_cap;
  struct h5w_attr *attrs;
  size_t nattrs, attrs_cap;
};

struct h5w_report {
  struct h5w_file f;
  struct h5s_err *c;
  struct h5w_group_items g[H5W_NGROUPS];
};

/* Opens the report's temporary file. 0, or -1 (said in c). */
int h5w_report_open(struct h5w_report *w, const char *path, unsigned flags, struct h5s_err *c);
/* rc 0: the groups' headers, the superblock, the rename; else the temporary goes. Frees w. */
int h5w_report_close(struct h5w_report *w, const char *path, int rc);
/* The dataset d (finished here) linked as table id's path. 0, or -1. */
int h5w_link_table(struct h5w_report *w, enum h5s_table_id id, struct h5f_dset *d);

/* n rows of a table: their source (h5f_dset.h), and where their ranks are read for the rank spans
 * attribute: from `ranks` on, every ranks_stride bytes (every row struct starts with its int32_t
 * rank; for rows made on demand, those of the structs they are made from). */
struct h5w_rows {
  struct h5f_src src;
  size_t n;
  const void *ranks;
  size_t ranks_stride;
};
/* The rows of a job's vector, as they are. */
#define H5W_VEC_ROWS(vec) ((struct h5w_rows){{(vec).v, NULL, NULL}, (vec).n, (vec).v, sizeof *(vec).v})

/* Where the per-rank row tables go: each written whole (a report in one go), or appended to datasets
 * that grow part by part (h5_stream.c). put writes the rows of table id. */
struct h5w_sink {
  struct h5w_report *w;
  int (*put)(struct h5w_sink *s, enum h5s_table_id id, const struct h5w_rows *rows);
  void *stream;
};

/* /windows, /kernels, /ranges, /lite, /lite_hist, /mpi, /timeline, /memory, /stacks, /breakdown,
 * /launch_latency, /cupti_overhead: checked (name ids, kinds) and put through the sink. */
int h5w_row_tables(struct h5w_sink *s, const struct wpio_job *job);
/* Attributes and /meta, /names, /ranks, /summary/... and /stragglers. */
int h5w_rest_tables(struct h5w_report *w, const struct wpio_job *job);
/* Which ranks have rows: seen[r] for r in 0..max, grown as rows come (free seen when done). */
struct h5w_ranks_seen {
  unsigned char *seen;
  int32_t max;
};
/* Notes the ranks of n rows of row_size bytes (every row struct starts with its int32_t rank). 0, or
 * -1 when out of memory. */
int h5w_ranks_note(struct h5w_ranks_seen *s, const void *rows, size_t n, size_t row_size);
/* The rank spans attribute of dataset d from s (none when there are too many spans, or no rows). */
void h5w_spans_attr(struct h5f_dset *d, const struct h5w_ranks_seen *s);
/* The table id written whole (contiguous, or chunked past H5S_CHUNK_THRESHOLD rows), with its rank
 * spans, and linked. 0, or -1. */
int h5w_write_table(struct h5w_report *w, enum h5s_table_id id, const struct h5w_rows *rows);
/* 0 when id names an entry of the job's /names, else -1 with the table named in c. */
int h5w_check_name_id(const struct wpio_job *job, uint32_t id, const char *table, struct h5s_err *c);
/* 1 when table id is one of h5s_spans_tables. */
int h5w_has_spans(enum h5s_table_id id);

#endif
