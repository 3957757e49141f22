/* The formatter's output: a view as an aligned text table (UTF-8 aware, long names cut) or CSV, and
 * the whole report (header, then ranges, kernels, lite and mpi). It stands on top of the formatter:
 * views come from wpio_format_view.c, text helpers from wpio_format.c. */
#include <inttypes.h>
#include <string.h>

#include "wpio_format_internal.h"

/* ---- text table ---- */

/* A non-text cell as table text (human units) or CSV text (raw numbers). */
static void cell_text(const struct wpio_cell *c, int csv, char *buf, size_t len) {
  switch (c->kind) {
  case WPIO_CELL_TIME:
    if (csv) snprintf(buf, len, "%" PRIu64, c->u);
    else wpio_format_time(buf, len, (double)c->u);
    break;
  case WPIO_CELL_TIMEF:
    if (csv) snprintf(buf, len, "%.0f", c->d);
    else wpio_format_time(buf, len, c->d);
    break;
  case WPIO_CELL_COUNT: case WPIO_CELL_BYTES: snprintf(buf, len, "%" PRIu64, c->u); break;
  case WPIO_CELL_PCT: snprintf(buf, len, csv ? "%.4f" : "%.2f%%", c->d); break;
  case WPIO_CELL_RATIO: snprintf(buf, len, csv ? "%.6g" : "%.2f", c->d); break;
  case WPIO_CELL_RANK:
    if (c->i < 0) snprintf(buf, len, csv ? "" : "-");
    else snprintf(buf, len, "%" PRId64, c->i);
    break;
  case WPIO_CELL_TEXT: snprintf(buf, len, "%s", c->s); break;
  }
}

#define CELL_MAX 1024

static void table_cell(const struct wpio_view *v, size_t row, size_t col, size_t name_width,
                       char *buf) {
  struct wpio_cell c;
  wpio_view_cell(v, row, col, &c);
  if (c.kind == WPIO_CELL_TEXT) wpio_fit_text(c.s, name_width, buf, CELL_MAX);
  else cell_text(&c, 0, buf, CELL_MAX);
}

static size_t last_visible(const struct wpio_view *v) {
  size_t last = 0;
  for (size_t c = 0; c < v->ncols; c++)
    if (!v->cols[c].data_only) last = c;
  return last;
}

static void print_rule(FILE *out, const size_t *w, const struct wpio_view *v) {
  size_t last = last_visible(v);
  for (size_t c = 0; c <= last; c++) {
    if (v->cols[c].data_only) continue;
    for (size_t i = 0; i < w[c]; i++) fputc('-', out);
    fputs(c < last ? "  " : "", out);
  }
  fputc('\n', out);
}

/* One cell padded to its column: text left-aligned, numbers right-aligned. */
static void print_padded(FILE *out, const char *s, size_t width, int left, int last) {
  size_t w = wpio_text_width(s), pad = width > w ? width - w : 0;
  if (!left) for (size_t i = 0; i < pad; i++) fputc(' ', out);
  fputs(s, out);
  if (left && !last) for (size_t i = 0; i < pad; i++) fputc(' ', out);
  if (!last) fputs("  ", out);
}

static void print_title(FILE *out, const struct wpio_view *v) {
  const char *what = v->table == WPIO_TABLE_RANGES ? "Ranges"
                   : v->table == WPIO_TABLE_KERNELS ? "GPU kernels and copies"
                   : v->table == WPIO_TABLE_MPI ? "MPI calls" : "Lite scopes";
  if (v->summary) fprintf(out, "%s, cross-rank summary", what);
  else fprintf(out, "%s, rank %d", what, v->rank);
  /* MPI calls outside any window are in the table too: without --window it is the whole run */
  if (v->table == WPIO_TABLE_LITE || (v->table == WPIO_TABLE_MPI && v->window < 0)) fputs(" (whole run)", out);
  else if (v->window >= 0) fprintf(out, " (window %d)", v->window);
  else fputs(" (all windows)", out);
  fputc('\n', out);
}

static void print_footer(FILE *out, const struct wpio_view *v) {
  char buf[64];
  if (v->table == WPIO_TABLE_MPI) {
    uint64_t total = 0;
    for (size_t i = 0; i < v->n_all; i++) total += v->rows[i].total_ns;
    wpio_format_time(buf, sizeof buf, (double)total);
    fprintf(out, "MPI time total: %s\n", buf);
  } else if (v->table != WPIO_TABLE_LITE) {
    wpio_format_time(buf, sizeof buf, (double)v->self_cuda_total_ns);
    fprintf(out, "Self CUDA time total: %s\n", buf);
  }
  if (v->n < v->n_all) fprintf(out, "(top %zu of %zu rows)\n", v->n, v->n_all);
}

static int print_table(FILE *out, const struct wpio_view *v, const struct wpio_format_opts *o) {
  size_t w[32] = { 0 }, nw = o->name_width >= 8 ? o->name_width : 8, last = last_visible(v);
  char buf[CELL_MAX];
  print_title(out, v);
  if (v->n == 0) {
    fputs("(no rows)\n\n", out);
    return 0;
  }
  for (size_t c = 0; c < v->ncols && c < 32; c++) {
    w[c] = wpio_text_width(v->cols[c].title);
    for (size_t r = 0; r < v->n; r++) {
      table_cell(v, r, c, nw, buf);
      size_t cw = wpio_text_width(buf);
      if (cw > w[c]) w[c] = cw;
    }
  }
  print_rule(out, w, v);
  for (size_t c = 0; c < v->ncols; c++)
    if (!v->cols[c].data_only) print_padded(out, v->cols[c].title, w[c], v->cols[c].kind == WPIO_CELL_TEXT, c == last);
  fputc('\n', out);
  print_rule(out, w, v);
  for (size_t r = 0; r < v->n; r++) {
    for (size_t c = 0; c < v->ncols; c++) {
      if (v->cols[c].data_only) continue;
      table_cell(v, r, c, nw, buf);
      print_padded(out, buf, w[c], v->cols[c].kind == WPIO_CELL_TEXT, c == last);
    }
    fputc('\n', out);
  }
  print_rule(out, w, v);
  print_footer(out, v);
  fputc('\n', out);
  return 0;
}
/* ---- CSV ---- */

/* CSV: a `table` and `scope` column first, so the three tables can share one stream. */
static int print_csv(FILE *out, const struct wpio_view *v) {
  char buf[CELL_MAX], scope[32];
  if (v->summary) snprintf(scope, sizeof scope, "summary");
  else snprintf(scope, sizeof scope, "rank %d", v->rank);
  fputs("table,scope", out);
  for (size_t c = 0; c < v->ncols; c++) fprintf(out, ",%s", v->cols[c].key);
  fputc('\n', out);
  for (size_t r = 0; r < v->n; r++) {
    fprintf(out, "%s,%s", wpio_table_name(v->table), scope);
    for (size_t c = 0; c < v->ncols; c++) {
      struct wpio_cell cell;
      wpio_view_cell(v, r, c, &cell);
      fputc(',', out);
      if (cell.kind == WPIO_CELL_TEXT) {
        wpio_csv_field(out, cell.s);
      } else {
        cell_text(&cell, 1, buf, sizeof buf);
        fputs(buf, out);
      }
    }
    fputc('\n', out);
  }
  return 0;
}

int wpio_format_view(FILE *out, const struct wpio_view *v, const struct wpio_format_opts *o) {
  int rc = o->format == WPIO_OUT_CSV ? print_csv(out, v) : print_table(out, v, o);
  return (rc < 0 || ferror(out)) ? -1 : 0;
}

/* ---- the whole report ---- */

int wpio_format_report(FILE *out, const struct wpio_job *job, const char *source,
                       const struct wpio_format_opts *o, char *err, size_t errlen) {
  int csv = o->format == WPIO_OUT_CSV;
  if (wpio_format_header(out, job, source, csv ? "# " : "") < 0)
    return wpio_format_fail(err, errlen, "cannot write the output");
  if (!csv) fputc('\n', out);
  for (int t = 0; t < WPIO_TABLE_COUNT; t++) {
    struct wpio_view v;
    if (wpio_view_build(job, (enum wpio_table)t, o, &v, err, errlen) < 0) return -1;
    int rc = wpio_format_view(out, &v, o);
    wpio_view_free(&v);
    if (rc < 0) return wpio_format_fail(err, errlen, "cannot write the output");
  }
  return 0;
}
