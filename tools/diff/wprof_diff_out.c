/* `wprof diff` output as text (an aligned table per report table) or CSV. JSON is in
 * wprof_diff_json.c; what both share (the options, names as shown, regressions) in wprof_diff_show.c. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_cli.h"
#include "wprof_diff_out.h"

#define MAX_COLS 12
#define CELL 64
#define NAME_BYTES (WPIO_NAME_WIDTH * 4 + 4)

enum col { C_NAME, C_KIND, C_A, C_B, C_CHANGE, C_PCT, C_PVAL, C_SIG, C_CALLS_A, C_CALLS_B, C_P99_A, C_P99_B };
static const char *const titles[MAX_COLS] = { "Name", "Kind", "A", "B", "Change", "Change %", "p-value",
                                              "Signif.", "Calls A", "Calls B", "p99 A", "p99 B" };

static int has_col(enum wpio_table t, int c) {
  if (c == C_KIND) return t == WPIO_TABLE_KERNELS;
  if (c == C_P99_A || c == C_P99_B) return t == WPIO_TABLE_LITE;
  return 1;
}

static size_t shown_rows(const struct wprof_diff_table *t, const struct wprof_diff_out *o) {
  return o->top && o->top < t->n ? o->top : t->n;
}

/* The name cut to WPIO_NAME_WIDTH columns, "..." marking the cut (as in io's tables). */
static void fit_name(const char *s, char *out) { wpio_fit_text(s, WPIO_NAME_WIDTH, out, NAME_BYTES); }

static void time_cell(char *buf, double ns, int present) {
  if (!present) snprintf(buf, CELL, "-");
  else wpio_format_time(buf, CELL, ns);
}

static void change_cell(char *buf, double ns) {
  char t[CELL - 2];
  wpio_format_time(t, sizeof t, fabs(ns));
  snprintf(buf, CELL, "%s%s", ns < 0 ? "-" : ns > 0 ? "+" : "", t);
}

static void pct_cell(char *buf, const struct wprof_diff_change *ch) {
  if (ch->status == WPROF_DIFF_NEW) snprintf(buf, CELL, "new");
  else if (ch->status == WPROF_DIFF_VANISHED) snprintf(buf, CELL, "vanished");
  else if (isnan(ch->change_pct)) snprintf(buf, CELL, "-");
  else snprintf(buf, CELL, "%+.1f%%", ch->change_pct);
}

static void pval_cell(char *buf, double p) {
  if (isnan(p)) snprintf(buf, CELL, "-");
  else if (p < 1e-4) snprintf(buf, CELL, "<0.0001");
  else snprintf(buf, CELL, "%.4f", p);
}

const char *wprof_diff_sig_name(const struct wprof_diff_change *ch) {
  if (ch->status != WPROF_DIFF_BOTH) return "-";
  return ch->sig == WPROF_DIFF_SIG_YES ? "yes" : ch->sig == WPROF_DIFF_SIG_NO ? "no" : "n/a";
}

static void count_cell(char *buf, uint64_t v, int present) {
  if (!present) snprintf(buf, CELL, "-");
  else snprintf(buf, CELL, "%" PRIu64, v);
}

/* The text of every cell but the name. */
static void row_cells(const struct wprof_diff_row *r, char cells[MAX_COLS][CELL]) {
  int in_a = r->a.n > 0, in_b = r->b.n > 0;
  snprintf(cells[C_KIND], CELL, "%s", r->kind >= 0 ? wpio_kind_name(r->kind) : "");
  time_cell(cells[C_A], r->ch.a_ns, in_a);
  time_cell(cells[C_B], r->ch.b_ns, in_b);
  change_cell(cells[C_CHANGE], r->ch.change_ns);
  pct_cell(cells[C_PCT], &r->ch);
  pval_cell(cells[C_PVAL], r->ch.p_value);
  snprintf(cells[C_SIG], CELL, "%s", wprof_diff_sig_name(&r->ch));
  count_cell(cells[C_CALLS_A], r->a.calls, in_a);
  count_cell(cells[C_CALLS_B], r->b.calls, in_b);
  time_cell(cells[C_P99_A], (double)r->a.p99_ns, in_a);
  time_cell(cells[C_P99_B], (double)r->b.p99_ns, in_b);
}

static void print_cell(FILE *out, const char *s, size_t width, int left, int last) {
  size_t pad = width > wpio_text_width(s) ? width - wpio_text_width(s) : 0;
  if (!left) fprintf(out, "%*s", (int)pad, "");
  fputs(s, out);
  if (left && !last) fprintf(out, "%*s", (int)pad, "");
  if (!last) fputs("  ", out);
}

static void print_line(FILE *out, enum wpio_table t, const char *name, char cells[MAX_COLS][CELL],
                       const size_t *w) {
  int last = MAX_COLS - 1;
  while (!has_col(t, last)) last--;
  for (int c = 0; c <= last; c++)
    if (has_col(t, c)) print_cell(out, c == C_NAME ? name : cells[c], w[c], c <= C_KIND, c == last);
  fputc('\n', out);
}

struct row_counts { size_t both, added, gone, sig, not_sig, untested; };

/* Rows by status, and the changed names of both sides by verdict. */
static struct row_counts counts(const struct wprof_diff_table *t) {
  struct row_counts c = { 0 };
  for (size_t i = 0; i < t->n; i++) {
    const struct wprof_diff_change *ch = &t->rows[i].ch;
    c.both += ch->status == WPROF_DIFF_BOTH;
    c.added += ch->status == WPROF_DIFF_NEW;
    c.gone += ch->status == WPROF_DIFF_VANISHED;
    if (ch->status != WPROF_DIFF_BOTH || ch->change_ns == 0) continue;
    c.sig += ch->sig == WPROF_DIFF_SIG_YES;
    c.not_sig += ch->sig == WPROF_DIFF_SIG_NO;
    c.untested += ch->sig == WPROF_DIFF_SIG_NA;
  }
  return c;
}

static void print_table(FILE *out, const struct wprof_diff_table *t, const struct wprof_diff_out *o) {
  size_t w[MAX_COLS], n = shown_rows(t, o);
  char cells[MAX_COLS][CELL], name[NAME_BYTES];
  for (int c = 0; c < MAX_COLS; c++) w[c] = wpio_text_width(titles[c]);
  for (size_t i = 0; i < n; i++) {
    row_cells(&t->rows[i], cells);
    fit_name(wprof_diff_shown(o, t->rows[i].name), name);
    for (int c = 0; c < MAX_COLS; c++) {
      size_t len = wpio_text_width(c == C_NAME ? name : cells[c]);
      if (len > w[c]) w[c] = len;
    }
  }
  fprintf(out, "\n%s\n", wpio_table_name(t->table));
  if (t->n == 0) {
    fputs("(no rows in either report)\n", out);
    return;
  }
  char heads[MAX_COLS][CELL];
  for (int c = 0; c < MAX_COLS; c++) snprintf(heads[c], CELL, "%s", titles[c]);
  print_line(out, t->table, titles[C_NAME], heads, w);
  for (size_t i = 0; i < n; i++) {
    row_cells(&t->rows[i], cells);
    fit_name(wprof_diff_shown(o, t->rows[i].name), name);
    print_line(out, t->table, name, cells, w);
  }
  struct row_counts c = counts(t);
  fprintf(out, "%zu names in both, %zu new (only in B), %zu vanished (only in A)", c.both, c.added, c.gone);
  if (n < t->n) fprintf(out, "; the %zu largest changes of %zu shown (--top)", n, t->n);
  fprintf(out, "\nchanges: %zu significant (p < %g), %zu not significant", c.sig, o->alpha, c.not_sig);
  if (c.untested) fprintf(out, ", %zu not testable (fewer than 2 samples on a side)", c.untested);
  fputc('\n', out);
}

static void print_side(FILE *out, const char *label, const struct wprof_diff_out *o, int s) {
  fprintf(out, "%s: ", label);
  if (o->reports[s] > 1) fprintf(out, "%zu reports pooled: ", o->reports[s]);
  for (size_t i = 0; i < o->reports[s]; i++) fprintf(out, "%s%s", i ? ", " : "", o->paths[s][i]);
  if (o->world[s] >= 0) fprintf(out, " (%ld ranks)\n", o->world[s]);
  else fputs(" (world sizes differ)\n", out);
}

static void print_heading(FILE *out, const struct wprof_diff_out *o) {
  print_side(out, "A", o, 0);
  print_side(out, "B", o, 1);
  if (o->metric == WPROF_DIFF_TOTAL)
    fprintf(out, "compared: total time summed over ranks%s\n",
            o->world[0] != o->world[1] ? " (the world sizes differ: --metric rank-mean compares per rank)" : "");
  else
    fprintf(out, "compared: mean time per rank (over the ranks that have the name)%s\n",
            o->world[0] != o->world[1] ? "; the world sizes differ" : "");
  if (o->reports[0] > 1 || o->reports[1] > 1) fputs("pooled: the values are means per report\n", out);
  fprintf(out, "significance: Welch's t-test over per-call times (ranges: per-window values), "
          "significant when p < %g\n", o->alpha);
  if (!isnan(o->fail_above_pct)) fprintf(out, "fails above: +%g%% (significant changes only)\n", o->fail_above_pct);
}

/* ---- CSV ---- */

static void csv_num(FILE *out, double v, int present, int whole) {
  fputc(',', out);
  if (present && isfinite(v)) fprintf(out, whole ? "%.0f" : "%.3f", v);
}

/* A statistic (p-value, t, df): six significant digits, empty when not tested (infinite t: "inf"). */
static void csv_stat(FILE *out, double v) {
  fputc(',', out);
  if (!isnan(v)) fprintf(out, "%.6g", v);
}

static void csv_u64(FILE *out, uint64_t v, int present) {
  fputc(',', out);
  if (present) fprintf(out, "%" PRIu64, v);
}

static const char *status_name(enum wprof_diff_status s) {
  return s == WPROF_DIFF_NEW ? "new" : s == WPROF_DIFF_VANISHED ? "vanished" : "both";
}

static void print_csv_row(FILE *out, const struct wprof_diff_table *t, const struct wprof_diff_row *r,
                          const struct wprof_diff_out *o) {
  int in_a = r->a.n > 0, in_b = r->b.n > 0, whole = o->metric == WPROF_DIFF_TOTAL;
  int lite = t->table == WPIO_TABLE_LITE;
  fprintf(out, "%s,", wpio_table_name(t->table));
  wpio_csv_field(out, wprof_diff_shown(o, r->name));
  fprintf(out, ",%s,%s", r->kind >= 0 ? wpio_kind_name(r->kind) : "", status_name(r->ch.status));
  csv_num(out, r->ch.a_ns, in_a, whole);
  csv_num(out, r->ch.b_ns, in_b, whole);
  csv_num(out, r->ch.change_ns, 1, whole);
  csv_num(out, r->ch.change_pct, 1, 0);
  csv_u64(out, r->a.calls, in_a);
  csv_u64(out, r->b.calls, in_b);
  csv_u64(out, r->a.n, 1);
  csv_u64(out, r->b.n, 1);
  csv_u64(out, r->a.p50_ns, in_a && lite);
  csv_u64(out, r->b.p50_ns, in_b && lite);
  csv_u64(out, r->a.p99_ns, in_a && lite);
  csv_u64(out, r->b.p99_ns, in_b && lite);
  csv_stat(out, r->ch.p_value);
  fprintf(out, ",%s", r->ch.status == WPROF_DIFF_BOTH ? wprof_diff_sig_name(&r->ch) : "");
  csv_stat(out, r->ch.t);
  csv_stat(out, r->ch.df);
  fputc('\n', out);
}

static void print_csv(FILE *out, const struct wprof_diff_table *tables, size_t n, const struct wprof_diff_out *o) {
  fputs("table,name,kind,status,a_ns,b_ns,change_ns,change_pct,calls_a,calls_b,ranks_a,ranks_b,"
        "p50_a_ns,p50_b_ns,p99_a_ns,p99_b_ns,p_value,significant,t,df\n", out);
  for (size_t i = 0; i < n; i++)
    for (size_t r = 0; r < shown_rows(&tables[i], o); r++) print_csv_row(out, &tables[i], &tables[i].rows[r], o);
}

int wprof_diff_print(FILE *out, const struct wprof_diff_table *tables, size_t n, const struct wprof_diff_out *o) {
  if (o->format == WPROF_DIFF_CSV) {
    print_csv(out, tables, n, o);
    return 0;
  }
  print_heading(out, o);
  for (size_t i = 0; i < n; i++) print_table(out, &tables[i], o);
  return 0;
}
