/* `wprof report --format json`, through jansson: attributes, ranks, windows, warnings and the views as
 * arrays of objects with raw nanoseconds (the same columns as the CSV). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_cli.h"
#include "wprof_report_json.h"

/* Replaces bytes that do not form valid UTF-8 sequences with '?' (jansson refuses such strings). */
static char *utf8_clean(const char *s) {
  size_t n = strlen(s);
  char *o = malloc(n + 1);
  if (!o) return NULL;
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, k = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    size_t j = 1;
    while (len && j < len && i + j < n && (p[i + j] & 0xC0) == 0x80) j++;
    if (len && j == len) {
      memcpy(o + k, s + i, len);
      k += len;
      i += len;
    } else {
      o[k++] = '?';
      i++;
    }
  }
  o[k] = '\0';
  return o;
}

static json_t *jstr(const char *s) {
  json_t *j = json_string(s ? s : "");
  if (j) return j;
  char *c = utf8_clean(s);
  if (c) j = json_string(c);
  if (!j && c) { /* still refused (overlong forms, surrogates): keep ASCII only */
    for (char *q = c; *q; q++)
      if ((unsigned char)*q >= 0x80) *q = '?';
    j = json_string(c);
  }
  free(c);
  return j ? j : json_string("");
}

static json_t *ju64(uint64_t v) { return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v); }

/* JSON has no NaN or infinity: such values become null. */
static json_t *jreal(double d) { return isfinite(d) ? json_real(d) : json_null(); }

static json_t *cell_json(const struct wpio_cell *c) {
  switch (c->kind) {
  case WPIO_CELL_TEXT: return jstr(c->s);
  case WPIO_CELL_TIME: case WPIO_CELL_COUNT: case WPIO_CELL_BYTES: return ju64(c->u);
  case WPIO_CELL_TIMEF: case WPIO_CELL_PCT: case WPIO_CELL_RATIO: return jreal(c->d);
  case WPIO_CELL_RANK: return c->i < 0 ? json_null() : json_integer(c->i);
  }
  return json_null();
}

static json_t *view_json(const struct wpio_view *v) {
  json_t *rows = json_array();
  for (size_t r = 0; rows && r < v->n; r++) {
    json_t *o = json_object();
    for (size_t c = 0; o && c < v->ncols; c++) {
      struct wpio_cell cell;
      wpio_view_cell(v, r, c, &cell);
      json_object_set_new(o, v->cols[c].key, cell_json(&cell));
    }
    json_array_append_new(rows, o);
  }
  return rows;
}

static json_t *attrs_json(const struct wpio_job *job) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < job->attrs.n; i++) {
    const struct wpio_attr *a = &job->attrs.v[i];
    json_object_set_new(o, a->key, a->is_int ? json_integer(a->ival) : jstr(a->value));
  }
  return o;
}

static json_t *ranks_json(const struct wpio_job *job) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < job->ranks.n; i++) {
    const struct wpio_rank_row *r = &job->ranks.v[i];
    json_array_append_new(arr, json_pack("{s:i, s:o, s:I, s:i, s:I, s:o, s:I, s:o, s:o, s:b}",
        "rank", (int)r->rank, "hostname", jstr(r->hostname), "pid", (json_int_t)r->pid,
        "device", (int)r->device, "clock_offset_ns", (json_int_t)r->clock_offset_ns,
        "clock_drift_ppm", jreal(r->clock_drift_ppm), "clock_residual_ns", (json_int_t)r->clock_residual_ns,
        "dropped_records", ju64(r->dropped_records), "status", jstr(r->status),
        "collected", r->collected != 0));
  }
  return arr;
}

static json_t *windows_json(const struct wpio_job *job) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < job->windows.n; i++) {
    const struct wpio_window_row *w = &job->windows.v[i];
    json_array_append_new(arr, json_pack("{s:i, s:i, s:I, s:I, s:I, s:b}", "rank", (int)w->rank,
        "window", (int)w->window, "start_ns", (json_int_t)w->start_ns,
        "end_ns", (json_int_t)w->end_ns, "steps", (json_int_t)w->steps, "cut_short", w->cut_short != 0));
  }
  return arr;
}

static json_t *warnings_json(const struct wpio_job *job) {
  char *lines[8];
  size_t n = wpio_report_warnings(job, lines, 8);
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    if (arr) json_array_append_new(arr, jstr(lines[i]));
    free(lines[i]);
  }
  return arr;
}

/* The three views under "tables"; -1 when a view cannot be built. */
static int tables_json(json_t *root, const struct wpio_job *job, const struct wpio_format_opts *o,
                       int mask) {
  json_t *tables = json_object();
  json_object_set_new(root, "tables", tables);
  for (int t = 0; t < WPIO_TABLE_COUNT; t++) {
    if (!(mask & (1 << t))) continue;
    struct wpio_view v;
    char err[256];
    if (wpio_view_build(job, (enum wpio_table)t, o, &v, err, sizeof err) < 0) {
      wprof_error("%s", err);
      return -1;
    }
    json_object_set_new(tables, wpio_table_name((enum wpio_table)t), view_json(&v));
    wpio_view_free(&v);
  }
  return 0;
}

int wprof_report_json(FILE *out, const struct wpio_job *job, const char *path,
                      const struct wpio_format_opts *o, int tables_mask) {
  json_t *root = json_object();
  if (!root) return WPROF_EXIT_FAIL;
  json_object_set_new(root, "file", jstr(path));
  json_object_set_new(root, "attrs", attrs_json(job));
  json_object_set_new(root, "scope", json_pack("{s:s, s:o, s:o}",
      "view", o->rank < 0 ? "summary" : "rank",
      "rank", o->rank < 0 ? json_null() : json_integer(o->rank),
      "window", o->window < 0 ? json_null() : json_integer(o->window)));
  json_object_set_new(root, "warnings", warnings_json(job));
  json_object_set_new(root, "ranks", ranks_json(job));
  json_object_set_new(root, "windows", windows_json(job));
  int rc = tables_json(root, job, o, tables_mask) < 0 ? WPROF_EXIT_FAIL : WPROF_EXIT_OK;
  if (rc == WPROF_EXIT_OK) {
    if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) rc = WPROF_EXIT_FAIL;
    fputc('\n', out);
  }
  json_decref(root);
  return rc;
}
