/* What every output form of `wprof diff` shares: a name as shown, which rows are slowdowns and
 * regressions past --fail-above, and the regressions said on stderr (the CI gate's verdict). */
#include <math.h>

#include "wprof_cli.h"
#include "wprof_diff_show.h"

#define TIME_BYTES 64

const char *wprof_diff_shown(const struct wprof_diff_out *o, const char *raw) {
  const char *d = o->display_name ? o->display_name(raw, NULL) : NULL;
  return d ? d : raw;
}

int wprof_diff_is_regression(const struct wprof_diff_row *r, const struct wprof_diff_out *o) {
  return wprof_diff_is_slowdown(r, o) && r->ch.sig == WPROF_DIFF_SIG_YES;
}

int wprof_diff_is_slowdown(const struct wprof_diff_row *r, const struct wprof_diff_out *o) {
  return !isnan(o->fail_above_pct) && r->ch.status == WPROF_DIFF_BOTH && !isnan(r->ch.change_pct) &&
         r->ch.change_pct > o->fail_above_pct;
}

size_t wprof_diff_regressions(const struct wprof_diff_table *tables, size_t n, const struct wprof_diff_out *o) {
  size_t found = 0, noise = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < tables[i].n; k++) {
      const struct wprof_diff_row *r = &tables[i].rows[k];
      noise += wprof_diff_is_slowdown(r, o) && !wprof_diff_is_regression(r, o);
      if (!wprof_diff_is_regression(r, o)) continue;
      char a[TIME_BYTES], b[TIME_BYTES];
      wpio_format_time(a, sizeof a, r->ch.a_ns);
      wpio_format_time(b, sizeof b, r->ch.b_ns);
      wprof_error("regression in %s: %s%s%s%s %+.1f%% (%s -> %s, p %.2g), above --fail-above %g%%",
                  wpio_table_name(tables[i].table), wprof_diff_shown(o, r->name), r->kind >= 0 ? " (" : "",
                  r->kind >= 0 ? wpio_kind_name(r->kind) : "", r->kind >= 0 ? ")" : "", r->ch.change_pct, a, b,
                  r->ch.p_value, o->fail_above_pct);
      found++;
    }
  if (noise)
    wprof_error("%zu slowdown(s) above %g%% not counted: not significant (p >= %g) or not testable", noise,
                o->fail_above_pct, o->alpha);
  if (found) wprof_error("%zu regression(s) above %g%%", found, o->fail_above_pct);
  return found;
}
