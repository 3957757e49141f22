/* `wprof diff --format json`: the reports compared, the metric, every table's rows (raw nanoseconds,
 * null where a side lacks the name; p-value and significance) and the regressions past --fail-above. */
#include <jansson.h>
#include <math.h>

#include "wprof_cli.h"
#include "wprof_diff_json.h"
#include "wprof_export.h"

static json_t *num(double v, int present, int whole) {
  if (!present || !isfinite(v)) return json_null();
  return whole ? json_integer((json_int_t)llround(v)) : json_real(v);
}

static json_t *count(uint64_t v, int present) {
  return present ? json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v) : json_null();
}

static const char *status_name(enum wprof_diff_status s) {
  return s == WPROF_DIFF_NEW ? "new" : s == WPROF_DIFF_VANISHED ? "vanished" : "both";
}

static json_t *row_json(const struct wprof_diff_table *t, const struct wprof_diff_row *r,
                        const struct wprof_diff_out *o) {
  int in_a = r->a.n > 0, in_b = r->b.n > 0, whole = o->metric == WPROF_DIFF_TOTAL;
  json_t *j = json_pack("{s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:b}",
      "name", wprof_json_text(wprof_diff_shown(o, r->name)),
      "kind", r->kind >= 0 ? json_string(wpio_kind_name(r->kind)) : json_null(),
      "status", status_name(r->ch.status), "a_ns", num(r->ch.a_ns, in_a, whole),
      "b_ns", num(r->ch.b_ns, in_b, whole), "change_ns", num(r->ch.change_ns, 1, whole),
      "change_pct", num(r->ch.change_pct, 1, 0), "calls_a", count(r->a.calls, in_a),
      "calls_b", count(r->b.calls, in_b), "ranks_a", (json_int_t)r->a.n, "ranks_b", (json_int_t)r->b.n,
      "regression", wprof_diff_is_regression(r, o));
  if (j) {
    json_object_set_new(j, "p_value", num(r->ch.p_value, 1, 0));
    json_object_set_new(j, "significant", json_boolean(r->ch.sig == WPROF_DIFF_SIG_YES));
    json_object_set_new(j, "tested", json_boolean(r->ch.sig != WPROF_DIFF_SIG_NA));
    json_object_set_new(j, "t", num(r->ch.t, 1, 0));
    json_object_set_new(j, "df", num(r->ch.df, 1, 0));
  }
  if (j && t->table == WPIO_TABLE_LITE) {
    json_object_set_new(j, "p50_a_ns", count(r->a.p50_ns, in_a));
    json_object_set_new(j, "p50_b_ns", count(r->b.p50_ns, in_b));
    json_object_set_new(j, "p99_a_ns", count(r->a.p99_ns, in_a));
    json_object_set_new(j, "p99_b_ns", count(r->b.p99_ns, in_b));
  }
  return j;
}

static json_t *table_json(const struct wprof_diff_table *t, const struct wprof_diff_out *o) {
  json_t *rows = json_array();
  size_t n = o->top && o->top < t->n ? o->top : t->n;
  for (size_t i = 0; rows && i < n; i++)
    if (json_array_append_new(rows, row_json(t, &t->rows[i], o)) < 0) {
      json_decref(rows);
      return NULL;
    }
  return rows;
}

static json_t *regression_json(const struct wprof_diff_table *t, const struct wprof_diff_row *r,
                               const struct wprof_diff_out *o) {
  return json_pack("{s:s, s:o, s:o, s:f, s:f}", "table", wpio_table_name(t->table),
                   "name", wprof_json_text(wprof_diff_shown(o, r->name)),
                   "kind", r->kind >= 0 ? json_string(wpio_kind_name(r->kind)) : json_null(),
                   "change_pct", r->ch.change_pct, "p_value", r->ch.p_value);
}

/* One side: its first report as `file` (as with one report a side), every report as `files`. */
static json_t *side_json(const struct wprof_diff_out *o, int s) {
  json_t *files = json_array();
  for (size_t i = 0; files && i < o->reports[s]; i++) json_array_append_new(files, wprof_json_text(o->paths[s][i]));
  return json_pack("{s:o, s:o, s:o}", "file", wprof_json_text(o->paths[s][0]), "files", files,
                   "world_size", o->world[s] >= 0 ? json_integer(o->world[s]) : json_null());
}

int wprof_diff_json(FILE *out, const struct wprof_diff_table *tables, size_t n, const struct wprof_diff_out *o) {
  json_t *root = json_pack("{s:o, s:o, s:s, s:o, s:f, s:{}}", "a", side_json(o, 0), "b", side_json(o, 1),
      "metric", o->metric == WPROF_DIFF_TOTAL ? "total" : "rank-mean",
      "fail_above_pct", isnan(o->fail_above_pct) ? json_null() : json_real(o->fail_above_pct),
      "alpha", o->alpha, "tables");
  json_t *tabs = root ? json_object_get(root, "tables") : NULL;
  json_t *regs = json_array();
  int rc = root && tabs && regs ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    json_t *rows = table_json(&tables[i], o);
    if (!rows || json_object_set_new(tabs, wpio_table_name(tables[i].table), rows) < 0) rc = -1;
    for (size_t k = 0; rc == 0 && k < tables[i].n; k++)
      if (wprof_diff_is_regression(&tables[i].rows[k], o) &&
          json_array_append_new(regs, regression_json(&tables[i], &tables[i].rows[k], o)) < 0)
        rc = -1;
  }
  if (rc == 0) {
    json_object_set_new(root, "regressions", regs);
    regs = NULL;
    if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) rc = -1;
    fputc('\n', out);
  } else {
    wprof_error("diff: out of memory");
  }
  json_decref(regs);
  json_decref(root);
  return rc;
}
