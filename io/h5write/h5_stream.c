/* A report written part by part (wpio_h5write.h): every per-rank row table is an extendible chunked
 * dataset (H5S_CHUNK_ROWS rows per chunk, shuffle + deflate) whose chunks go to the file as parts
 * come; the rows of a part that do not fill a chunk wait in memory for the next part, so rank 0 holds
 * at most one chunk per table besides the part being merged. Which ranks have rows is kept per table
 * for the rank spans attributes; the chunk indexes, the object headers and the rest of the report
 * are written at the close, from the job. */
#include <stdlib.h>
#include <string.h>

#include "h5_write_internal.h"
#include "wpio_h5write.h"

struct stream_table {
  int open;
  struct h5f_dset d;
  unsigned char *pending; /* fewer than H5S_CHUNK_ROWS rows, waiting for a whole chunk */
  size_t n_pending;
  struct h5w_ranks_seen ranks; /* for the rank spans attribute (h5w_has_spans tables) */
};

struct wpio_h5_stream {
  struct h5w_report w;
  struct h5s_err c;
  char *path;
  struct stream_table t[H5S_NTABLES];
};

static int create_table(struct stream_table *st, enum h5s_table_id id, struct h5s_err *c) {
  const struct h5s_table *t = h5s_table(id);
  st->pending = malloc((size_t)H5S_CHUNK_ROWS * t->row_size);
  if (!st->pending || h5f_dset_init(&st->d, t, 1, 1) < 0) {
    free(st->pending);
    st->pending = NULL;
    return h5s_fail(c, "out of memory creating %s", t->path);
  }
  st->open = 1;
  return 0;
}

/* The sink's put: whole chunks straight from the part's rows, the remainder kept for later. */
static int put_append(struct h5w_sink *s, enum h5s_table_id id, const struct h5w_rows *r) {
  struct wpio_h5_stream *w = s->stream;
  struct stream_table *st = &w->t[id];
  size_t n = r->n;
  if (!st->open && create_table(st, id, s->w->c) < 0) return -1;
  size_t row_size = st->d.msize;
  struct h5f_out *o = &w->w.f.out;
  if (h5w_has_spans(id) && h5w_ranks_note(&st->ranks, r->ranks, n, r->ranks_stride) < 0)
    return h5s_fail(s->w->c, "out of memory");
  size_t i = 0;
  while (i < n) {
    size_t whole = (n - i) / H5S_CHUNK_ROWS * H5S_CHUNK_ROWS;
    if (st->n_pending == 0 && whole > 0) {
      if (h5f_dset_chunks(o, &st->d, &r->src, i, whole) < 0) break;
      i += whole;
      continue;
    }
    size_t take = H5S_CHUNK_ROWS - st->n_pending < n - i ? H5S_CHUNK_ROWS - st->n_pending : n - i;
    unsigned char *to = st->pending + st->n_pending * row_size;
    if (r->src.rows) memcpy(to, (const unsigned char *)r->src.rows + i * row_size, take * row_size);
    else r->src.fill(r->src.ctx, i, take, to);
    st->n_pending += take, i += take;
    if (st->n_pending == H5S_CHUNK_ROWS) {
      struct h5f_src pending = {st->pending, NULL, NULL};
      if (h5f_dset_chunks(o, &st->d, &pending, 0, H5S_CHUNK_ROWS) < 0) break;
      st->n_pending = 0;
    }
  }
  return i == n ? 0 : h5s_fail(s->w->c, "cannot append to %s", h5s_table(id)->path);
}

static void free_tables(struct wpio_h5_stream *w) {
  for (int id = 0; id < H5S_NTABLES; id++) {
    struct stream_table *st = &w->t[id];
    if (st->open) h5f_dset_free(&st->d);
    free(st->pending);
    free(st->ranks.seen);
    memset(st, 0, sizeof *st);
  }
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
  w->c = c;
  if (h5w_report_open(&w->w, path, flags, &w->c) == 0) return w;
  free(w->path);
  free(w);
  return NULL;
}

/* The error line of this call: the stream's report points at it while the call runs. */
static void use_err(struct wpio_h5_stream *w, char *err, size_t errlen) {
  w->c = (struct h5s_err){err, errlen, 0};
  w->w.c = &w->c;
}

int wpio_h5_stream_rows(struct wpio_h5_stream *w, const struct wpio_job *part, char *err, size_t errlen) {
  use_err(w, err, errlen);
  struct h5w_sink sink = {&w->w, w->w.c, put_append, w};
  return h5w_row_tables(&sink, part);
}

/* The rows left over (not a whole chunk) of every table, the rank spans, the headers. */
static int finish_tables(struct wpio_h5_stream *w) {
  for (int id = 0; id < H5S_NTABLES; id++) {
    struct stream_table *st = &w->t[id];
    if (!st->open) continue;
    struct h5f_src pending = {st->pending, NULL, NULL};
    if (st->n_pending && h5f_dset_chunks(&w->w.f.out, &st->d, &pending, 0, st->n_pending) < 0)
      return h5s_fail(w->w.c, "cannot write %s", h5s_table((enum h5s_table_id)id)->path);
    st->n_pending = 0;
    h5w_spans_attr(&st->d, &st->ranks);
    st->open = 0; /* finished (and freed) by the link, whatever it returns */
    if (h5w_link_table(&w->w, (enum h5s_table_id)id, &st->d) < 0) return -1;
  }
  return 0;
}

int wpio_h5_stream_close(struct wpio_h5_stream *w, const struct wpio_job *job, char *err, size_t errlen) {
  use_err(w, err, errlen);
  struct h5w_sink sink = {&w->w, w->w.c, put_append, w};
  int rc = h5w_row_tables(&sink, job);
  if (rc == 0) rc = finish_tables(w);
  free_tables(w);
  if (rc == 0) rc = h5w_rest_tables(&w->w, job);
  rc = h5w_report_close(&w->w, w->path, rc);
  free(w->path);
  free(w);
  return rc;
}

void wpio_h5_stream_discard(struct wpio_h5_stream *w) {
  if (!w) return;
  char err[8];
  use_err(w, err, sizeof err);
  free_tables(w);
  h5w_report_close(&w->w, w->path, -1);
  free(w->path);
  free(w);
}
