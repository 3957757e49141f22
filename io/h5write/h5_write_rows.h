/* The per-rank row tables of a report (h5_write_rows.c): the rows of a table and where they come
 * from, the sink they go through (written whole by h5_write.c, appended part by part by
 * h5_stream.c), their checks and the rank spans attribute. Knows nothing of the report itself. */
#ifndef H5_WRITE_ROWS_H
#define H5_WRITE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "h5_schema.h"
#include "h5f_dset.h"
#include "wpio_job.h"

struct h5w_report;

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
  struct h5s_err *c; /* w's: where the row tables' checks say what is wrong */
  int (*put)(struct h5w_sink *s, enum h5s_table_id id, const struct h5w_rows *rows);
  void *stream;
};

/* /windows, /kernels, /ranges, /lite, /lite_hist, /mpi, /timeline, /memory, /stacks, /breakdown,
 * /launch_latency, /cupti_overhead: checked (name ids, kinds) and put through the sink. */
int h5w_row_tables(struct h5w_sink *s, const struct wpio_job *job);
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
/* 0 when id names an entry of the job's /names, else -1 with the table named in c. */
int h5w_check_name_id(const struct wpio_job *job, uint32_t id, const char *table, struct h5s_err *c);
/* 1 when table id is one of h5s_spans_tables. */
int h5w_has_spans(enum h5s_table_id id);

#endif
