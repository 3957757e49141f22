/* What the report writer (h5_write.c) and the streamed writer (h5_stream.c) share: the report
 * being written (its file, its groups' links and attributes, gathered until the headers are written
 * at the end); the row tables and the sink they go through are h5_write_rows.h's. */
#ifndef H5_WRITE_INTERNAL_H
#define H5_WRITE_INTERNAL_H

#include <stdint.h>

#include "h5_file.h"
#include "h5_schema.h"
#include "h5_write_rows.h"
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

/* Attributes and /meta, /names, /ranks, /summary/... and /stragglers. */
int h5w_rest_tables(struct h5w_report *w, const struct wpio_job *job);
/* The table id written whole (contiguous, or chunked past H5S_CHUNK_THRESHOLD rows), with its rank
 * spans, and linked. 0, or -1. */
int h5w_write_table(struct h5w_report *w, enum h5s_table_id id, const struct h5w_rows *rows);

#endif
