/* The HDF5 report reader's table layer (h5_read_table.c): one table read whole into in-memory rows
 * once its shape and column types are checked, /names, and the line a damaged table gives. The
 * attribute reader (h5_read_attrs.c) and the job assembly (h5_read.c) stand on it. */
#ifndef H5_READ_TABLE_H
#define H5_READ_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "h5_types.h"
#include "wpio_job.h"

/* One read of one report: its path and size (a table cannot claim more rows than the file can hold),
 * the first error, and the wpio_h5_read_report flags. */
struct h5r_ctx {
  const char *path;
  struct h5s_err e;
  uint64_t file_size;
  unsigned flags; /* WPIO_H5_READ_* */
};

/* "path: table T is damaged (what)" as c's error line; returns -1. */
int h5r_damaged(struct h5r_ctx *c, const char *table, const char *what);

/* Reads a whole table into a calloc'ed array of the in-memory rows of `t` (a schema table, or a
 * prefix of its columns for reports written before the later columns existed); _table reads the
 * schema's own definition of `id`. 0, or -1 with one line in c and no rows. */
int h5r_read_table_def(hid_t f, const struct h5s_table *t, void **rows_out, size_t *n_out,
                       struct h5r_ctx *c);
int h5r_read_table(hid_t f, enum h5s_table_id id, void **rows_out, size_t *n_out, struct h5r_ctx *c);
/* Frees the strings the read put into `n` rows (NULL-safe, for partial reads too). */
void h5r_free_row_strings(const struct h5s_table *t, void *rows, size_t n);

/* The table at path is a compound with a column `member` (earlier writers lack the later ones). */
int h5r_table_has_member(hid_t f, const char *path, const char *member);
/* A table that later issues added: absent in an older report, which reads as empty. */
int h5r_table_absent(hid_t f, enum h5s_table_id id);

/* /names into job->names, ids in the file's order. 0, or -1 with one line in c. */
int h5r_read_names(hid_t f, struct wpio_job *job, struct h5r_ctx *c);

#endif
