/* How `wprof diff` shows its tables, whatever the format (text, CSV, JSON): the output options, a
 * name as shown, and the --fail-above verdict. */
#ifndef WPROF_DIFF_SHOW_H
#define WPROF_DIFF_SHOW_H

#include <stddef.h>

#include "wprof_diff_data.h"

#define WPROF_DIFF_ALPHA 0.01

enum wprof_diff_format { WPROF_DIFF_TABLE = 0, WPROF_DIFF_CSV = 1, WPROF_DIFF_JSON = 2 };

struct wprof_diff_out {
  enum wprof_diff_format format;
  size_t top;                     /* rows per table, 0: all */
  double fail_above_pct;          /* NaN: no threshold */
  double alpha;                   /* significance level of the t-test (--alpha) */
  const char *(*display_name)(const char *raw, void *ctx); /* NULL: raw names */
  const char *const *paths[2];    /* each side's reports */
  size_t reports[2];
  long world[2];                  /* -1: a side's reports differ in world size */
  enum wprof_diff_metric metric;
};

/* A name as shown: demangled unless --mangled. */
const char *wprof_diff_shown(const struct wprof_diff_out *o, const char *raw);
/* True when the row is a significant slowdown past the threshold. */
int wprof_diff_is_regression(const struct wprof_diff_row *r, const struct wprof_diff_out *o);
/* True when the row got slower past the threshold, significant or not. */
int wprof_diff_is_slowdown(const struct wprof_diff_row *r, const struct wprof_diff_out *o);
/* Names on both sides that got significantly slower by more than --fail-above: one line each on stderr.
 * Returns how many (0 without a threshold). */
size_t wprof_diff_regressions(const struct wprof_diff_table *tables, size_t n,
                              const struct wprof_diff_out *o);

#endif
