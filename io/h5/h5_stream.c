/* A report written part by part (wpio_h5.h): every per-rank row table is an extendible dataset of
 * whole chunks (H5S_CHUNK_ROWS rows, shuffle + deflate, written by h5_chunks.c); the rows of a part
 * that do not fill a chunk wait in memory for the next part, so rank 0 holds at most one chunk per
 * table besides the part being merged. Which ranks have rows is kept per table for the rank spans
 * attributes; the rest of the report is written at the close, from the job. */
#include <stdlib.h>
#include <string.h>

#include "h5_chunks.h"
#include "h5_write_internal.h"
#include "wpio_h5.h"

struct stream_table {
  hid_t d, ftype, mtype;
  int deflate;
  size_t row_size;          /* memory layout */
  unsigned char *pending;   /* fewer than H5S_CHUNK_ROWS rows, waiting for a whole chunk */
  size_t n_pending;
  hsize_t written;          /* rows in the file, whole chunks */
  struct h5w_ranks_seen ranks; /* for the rank spans attribute (h5w_has_spans tables) */
};

struct wpio_h5_stream {
  struct h5w_file f;
  char *path;
  struct stream_table t[H5S_NTABLES];
};

static int create_table(struct stream_table *st, hid_t file, enum h5s_table_id id, struct h5s_err *c) {
  const struct h5s_table *t = h5s_table(id);
  hsize_t dims = 0, maxdims = H5S_UNLIMITED;
  hid_t space = H5Screate_simple(1, &dims, &maxdims);
  size_t chunk_rows; /* always H5S_CHUNK_ROWS for an extendible table, as put_append counts */
  hid_t dcpl = h5w_table_dcpl(0, 1, &st->deflate, &chunk_rows);
  st->ftype = h5s_file_type(t);
  st->mtype = h5s_mem_type(t);
  st->row_size = t->row_size;
  st->pending = malloc(H5S_CHUNK_ROWS * t->row_size);
  st->d = space >= 0 && dcpl >= 0 && st->ftype >= 0 && st->mtype >= 0 && st->pending && h5c_direct_ok(st->ftype)
              ? H5Dcreate2(file, t->path, st->ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)
              : H5I_INVALID_HID;
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  return st->d >= 0 ? 0 : h5s_fail(c, "cannot create %s", t->path);
}

/* Rows [written, written + k) of the table into the file: whole chunks, but for the very last. */
static int write_rows(struct stream_table *st, const unsigned char *rows, size_t k) {
  hsize_t dims = st->written + k;
  if (H5Dset_extent(st->d, &dims) < 0) return -1;
  if (h5c_write_chunks(st->d, st->ftype, st->mtype, rows, k, st->written, H5S_CHUNK_ROWS, st->deflate) < 0)
    return -1;
  st->written += k;
  return 0;
}

/* The sink's put: whole chunks straight from the part's rows, the remainder kept for later. */
static int put_append(struct h5w_sink *s, enum h5s_table_id id, const void *rows_v, size_t n) {
  struct wpio_h5_stream *w = s->stream;
  struct stream_table *st = &w->t[id];
  const unsigned char *rows = rows_v;
  if (st->d < 0 && create_table(st, s->file, id, s->c) < 0) return -1;
  if (h5w_has_spans(id) && h5w_ranks_note(&st->ranks, rows, n, st->row_size) < 0)
    return h5s_fail(s->c, "out of memory");
  size_t i = 0;
  while (i < n) {
    size_t whole = (n - i) / H5S_CHUNK_ROWS * H5S_CHUNK_ROWS;
    if (st->n_pending == 0 && whole > 0) {
      if (write_rows(st, rows + i * st->row_size, whole) < 0) break;
      i += whole;
      continue;
    }
    size_t take = H5S_CHUNK_ROWS - st->n_pending < n - i ? H5S_CHUNK_ROWS - st->n_pending : n - i;
    memcpy(st->pending + st->n_pending * st->row_size, rows + i * st->row_size, take * st->row_size);
    st->n_pending += take, i += take;
    if (st->n_pending == H5S_CHUNK_ROWS) {
      if (write_rows(st, st->pending, H5S_CHUNK_ROWS) < 0) break;
      st->n_pending = 0;
    }
  }
  return i == n ? 0 : h5s_fail(s->c, "cannot append to %s", h5s_table(id)->path);
}

static void free_tables(struct wpio_h5_stream *w) {
  for (int id = 0; id < H5S_NTABLES; id++) {
    struct stream_table *st = &w->t[id];
    if (st->d >= 0) H5Dclose(st->d);
    if (st->ftype >= 0) H5Tclose(st->ftype);
    if (st->mtype >= 0) H5Tclose(st->mtype);
    free(st->pending);
    free(st->ranks.seen);
    *st = (struct stream_table){.d = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
  }
}

static void stream_free(struct wpio_h5_stream *w) {
  free_tables(w);
  free(w->path);
  free(w);
}

struct wpio_h5_stream *wpio_h5_stream_open(const char *path, unsigned flags, char *err, size_t errlen) {
  struct h5s_err c = {err, errlen, 0};
  if (err && errlen) err[0] = '\0';
  struct wpio_h5_stream *w = calloc(1, sizeof *w);
  if (w) w->path = strdup(path ? path : "");
  if (!w || !w->path) {
    free(w);
    h5s_fail(&c, "out of memory");
    return NULL;
  }
  for (int id = 0; id < H5S_NTABLES; id++)
    w->t[id] = (struct stream_table){.d = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID};
  struct h5w_quiet q = h5w_quiet_begin();
  int rc = h5w_file_open(&w->f, path, flags, &c);
  h5w_quiet_end(q);
  if (rc == 0) return w;
  stream_free(w);
  return NULL;
}

int wpio_h5_stream_rows(struct wpio_h5_stream *w, const struct wpio_job *part, char *err, size_t errlen) {
  struct h5s_err c = {err, errlen, 0};
  struct h5w_sink sink = {w->f.file, &c, put_append, w};
  struct h5w_quiet q = h5w_quiet_begin();
  int rc = h5w_row_tables(&sink, part);
  h5w_quiet_end(q);
  return rc;
}

/* The rows left over (not a whole chunk) of every table, and the rank spans. */
static int finish_tables(struct wpio_h5_stream *w, struct h5s_err *c) {
  for (int id = 0; id < H5S_NTABLES; id++) {
    struct stream_table *st = &w->t[id];
    if (st->d >= 0 && st->n_pending && write_rows(st, st->pending, st->n_pending) < 0)
      return h5s_fail(c, "cannot write %s", h5s_table((enum h5s_table_id)id)->path);
    st->n_pending = 0;
  }
  for (int i = 0; i < H5S_SPANS_TABLES; i++) {
    const struct stream_table *st = &w->t[h5s_spans_tables[i]];
    if (st->ranks.seen &&
        h5w_spans_attr(w->f.file, h5s_table(h5s_spans_tables[i])->path, st->ranks.seen, st->ranks.max, c) < 0)
      return -1;
  }
  return 0;
}

int wpio_h5_stream_close(struct wpio_h5_stream *w, const struct wpio_job *job, char *err, size_t errlen) {
  struct h5s_err c = {err, errlen, 0};
  struct h5w_sink sink = {w->f.file, &c, put_append, w};
  struct h5w_quiet q = h5w_quiet_begin();
  int rc = h5w_row_tables(&sink, job);
  if (rc == 0) rc = finish_tables(w, &c);
  free_tables(w); /* the datasets close before the file */
  h5w_xfer_begin(); /* the rows went in as whole chunks: only the tables written at the close convert */
  if (rc == 0) rc = h5w_rest_tables(w->f.file, job, &c);
  h5w_xfer_end();
  rc = h5w_file_close(&w->f, w->path, rc, &c);
  h5w_quiet_end(q);
  stream_free(w);
  return rc;
}

void wpio_h5_stream_discard(struct wpio_h5_stream *w) {
  if (!w) return;
  char err[8];
  struct h5s_err c = {err, sizeof err, 0};
  struct h5w_quiet q = h5w_quiet_begin();
  free_tables(w);
  h5w_file_close(&w->f, w->path, -1, &c);
  h5w_quiet_end(q);
  stream_free(w);
}
