/* The scaling chart of `wprof compare`: mean time per rank against the rank count for the top names
 * of each group, on log-log axes, with the ideal (time halves as ranks double) for the first name. */
#include <math.h>
#include <stdio.h>

#include "wprof_chart.h"
#include "wprof_compare_chart.h"

#define MAX_SERIES 12
#define X0 90.0
#define Y0 60.0
#define PW 560.0
#define PH 400.0
#define LEGEND_W 300.0

struct axes { double lx0, lx1, ly0, ly1; };

static double sx(const struct axes *a, double np) {
  return X0 + (log2(np) - a->lx0) / (a->lx1 - a->lx0) * PW;
}

static double sy(const struct axes *a, double ns) {
  return Y0 + PH - (log10(ns) - a->ly0) / (a->ly1 - a->ly0) * PH;
}

/* The ranges of np and of the plotted times over the series drawn. */
static struct axes find_axes(const struct wprof_compare *c) {
  double npmin = INFINITY, npmax = 0, tmin = INFINITY, tmax = 0;
  size_t series = 0;
  for (size_t gi = 0; gi < c->ngroups; gi++) {
    const struct wprof_group *g = &c->groups[gi];
    for (size_t i = 0; i < g->nnames && series < MAX_SERIES; i++, series++)
      for (size_t k = 0; k < g->n; k++) {
        struct wprof_point p;
        double np = (double)c->runs[g->runs[k]].np;
        wprof_compare_point(c, g, i, k, &p);
        if (np < npmin) npmin = np;
        if (np > npmax) npmax = np;
        if (!p.present || !(p.mean_ns > 0)) continue;
        if (p.mean_ns < tmin) tmin = p.mean_ns;
        if (p.mean_ns > tmax) tmax = p.mean_ns;
      }
  }
  if (!(npmax > 0)) npmin = npmax = 1;
  if (!(tmax > 0)) tmin = tmax = 1;
  struct axes a = { log2(npmin) - 0.3, log2(npmax) + 0.3, floor(log10(tmin)), ceil(log10(tmax)) };
  if (a.ly1 - a.ly0 < 1) a.ly1 = a.ly0 + 1;
  return a;
}

static void draw_axes(struct wprof_draw *d, const struct wprof_compare *c, const struct axes *a) {
  char t[32];
  d->ops->rect(d, X0, Y0, PW, PH, 0xFAFAFA, "plot-area", NULL);
  for (double e = a->ly0; e <= a->ly1 + 1e-9; e += 1) {
    double y = sy(a, pow(10, e));
    d->ops->line(d, X0, y, X0 + PW, y, 0xDDDDDD, 1);
    d->ops->text(d, X0 - 6, y + 4, 10, WPROF_ANCHOR_END, 0, 0x303030, "axis-label",
                 wprof_fmt_tick(t, sizeof t, pow(10, e)), NULL);
  }
  double last_x = -1e9;
  for (size_t i = 0; i < c->nruns; i++) { /* one tick per distinct rank count, never overlapping */
    double x = sx(a, (double)c->runs[i].np);
    int seen = 0;
    for (size_t j = 0; j < i; j++) seen |= c->runs[j].np == c->runs[i].np;
    if (seen) continue;
    d->ops->line(d, x, Y0, x, Y0 + PH, 0xDDDDDD, 1);
    if (fabs(x - last_x) < 24) continue;
    snprintf(t, sizeof t, "%ld", c->runs[i].np);
    d->ops->text(d, x, Y0 + PH + 16, 10, WPROF_ANCHOR_MIDDLE, 0, 0x303030, "np-label", t, NULL);
    last_x = x;
  }
  d->ops->text(d, X0 + PW / 2, Y0 + PH + 36, 11, WPROF_ANCHOR_MIDDLE, 0, 0x303030, "axis-label",
               "ranks (np, log scale)", NULL);
  d->ops->text(d, 16, Y0 + PH / 2, 11, WPROF_ANCHOR_MIDDLE, -90, 0x303030, "axis-label",
               "mean time per rank (log scale)", NULL);
}

static void ideal_line(struct wprof_draw *d, const struct wprof_compare *c, const struct axes *a) {
  const struct wprof_group *g = &c->groups[0];
  struct wprof_point p;
  if (g->nnames == 0) return;
  wprof_compare_point(c, g, 0, 0, &p);
  if (!p.present || !(p.mean_ns > 0)) return;
  double np0 = (double)c->runs[g->runs[0]].np, np1 = (double)c->runs[g->runs[g->n - 1]].np;
  d->ops->line(d, sx(a, np0), sy(a, p.mean_ns), sx(a, np1), sy(a, p.mean_ns * np0 / np1), 0x999999, 1);
}

static void series(struct wprof_draw *d, const struct wprof_compare *c, const struct axes *a,
                   const struct wprof_group *g, size_t i, size_t s) {
  uint32_t color = wprof_color_series(s);
  double px = NAN, py = NAN;
  char tip[700], t[32], name[64], legend[160];
  for (size_t k = 0; k < g->n; k++) {
    const struct wprof_run *r = &c->runs[g->runs[k]];
    struct wprof_point p;
    wprof_compare_point(c, g, i, k, &p);
    if (!p.present || !(p.mean_ns > 0)) continue;
    double x = sx(a, (double)r->np), y = sy(a, p.mean_ns);
    if (!isnan(px)) d->ops->line(d, px, py, x, y, color, 2);
    snprintf(tip, sizeof tip, "%s%s%s np=%ld: mean %s per rank, speed-up %.2fx, efficiency %.1f%%, "
             "imbalance %.2f", g->names[i], g->label[0] ? " | " : "", g->label, r->np,
             wprof_fmt_time(t, sizeof t, p.mean_ns), p.speedup, p.efficiency * 100, p.imbalance);
    d->ops->rect(d, x - 3.5, y - 3.5, 7, 7, color, "point", tip);
    px = x, py = y;
  }
  wprof_text_fit(name, sizeof name, g->names[i], 10, g->label[0] ? 150 : 260);
  snprintf(legend, sizeof legend, "%s%s%s", name, g->label[0] ? " | " : "", g->label);
  double ly = Y0 + 8 + 18 * (double)s;
  d->ops->rect(d, X0 + PW + 20, ly - 8, 12, 8, color, "legend", NULL);
  d->ops->text(d, X0 + PW + 38, ly, 10, WPROF_ANCHOR_START, 0, 0x303030, "legend-label", legend,
               g->names[i]);
}

int wprof_compare_chart(struct wprof_draw *d, const struct wprof_compare *c) {
  double w = X0 + PW + LEGEND_W, h = Y0 + PH + 50;
  char title[256], sub[256];
  snprintf(title, sizeof title, "Scaling: %s %s per rank vs ranks", wpio_table_name((enum wpio_table)c->table),
           c->metric);
  snprintf(sub, sizeof sub, "%zu reports, %zu group%s; gray: ideal scaling of the first name%s", c->nruns,
           c->ngroups, c->ngroups == 1 ? "" : "s", c->fallback ? "; no GPU data: fallback" : "");
  if (d->ops->begin(d, w, h) < 0) return -1;
  d->ops->rect(d, 0, 0, w, h, 0xFFFFFF, "background", NULL);
  wprof_plot_title(d, 10, title, sub);
  struct axes a = find_axes(c);
  draw_axes(d, c, &a);
  if (c->ngroups) ideal_line(d, c, &a);
  size_t s = 0;
  for (size_t gi = 0; gi < c->ngroups; gi++)
    for (size_t i = 0; i < c->groups[gi].nnames && s < MAX_SERIES; i++, s++)
      series(d, c, &a, &c->groups[gi], i, s);
  return d->failed ? -1 : 0;
}
