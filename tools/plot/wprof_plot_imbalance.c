/* Imbalance bars: per name, the spread of its time across ranks (a bar from the fastest to the
 * slowest rank, a tick at the mean) and which rank was slowest. */
#include <math.h>
#include <stdio.h>

#include "wprof_plot.h"

#define LABEL_W 260.0
#define BAR_W 460.0
#define RIGHT_W 230.0
#define ROW_H 22.0
#define TOP 60.0

struct spread { double min, mean, max; size_t present; };

static struct spread spread_of(const struct wprof_matrix *m, size_t c) {
  struct spread s = { 0, 0, 0, 0 };
  for (size_t r = 0; r < m->nranks; r++) {
    double v = m->v[r * m->nnames + c];
    if (isnan(v)) continue;
    if (s.present == 0 || v < s.min) s.min = v;
    if (v > s.max) s.max = v;
    s.mean += v;
    s.present++;
  }
  if (s.present) s.mean /= (double)s.present;
  return s;
}

/* Round ticks from 0 to the axis end (the largest time rounded up to a step). */
static void axis(struct wprof_draw *d, double x0, double y, double step, double scale, double end) {
  char t[32];
  d->ops->line(d, x0, y, x0 + BAR_W, y, 0x606060, 1);
  for (double v = 0; v <= end * (1 + 1e-9); v += step) {
    double x = x0 + v * scale;
    d->ops->line(d, x, y, x, y + 4, 0x606060, 1);
    d->ops->text(d, x, y + 16, 10, WPROF_ANCHOR_MIDDLE, 0, 0x303030, "axis-label",
                 wprof_fmt_tick(t, sizeof t, v), NULL);
  }
}

static void bar(struct wprof_draw *d, const struct wprof_matrix *m, size_t c, double y, double scale) {
  struct spread s = spread_of(m, c);
  char name[128], tip[800], a[32], b[32], e[32], right[96];
  double x0 = LABEL_W;
  wprof_text_fit(name, sizeof name, m->names[c], 10, LABEL_W - 16);
  d->ops->text(d, LABEL_W - 8, y + 15, 10, WPROF_ANCHOR_END, 0, 0x303030, "name-label", name,
               m->names[c]);
  double imb = s.mean > 0 ? s.max / s.mean : 0;
  snprintf(tip, sizeof tip, "%s: min %s, mean %s, max %s on rank %d, imbalance %.3f, %zu ranks",
           m->names[c], wprof_fmt_time(a, sizeof a, s.min), wprof_fmt_time(b, sizeof b, s.mean),
           wprof_fmt_time(e, sizeof e, s.max), (int)m->slowest[c], imb, s.present);
  double w = (s.max - s.min) * scale;
  d->ops->rect(d, x0 + s.min * scale, y + 4, w < 2 ? 2 : w, ROW_H - 8, 0x9ECAE1, "bar", tip);
  d->ops->line(d, x0 + s.mean * scale, y + 2, x0 + s.mean * scale, y + ROW_H - 2, 0x08306B, 2);
  d->ops->line(d, x0 + s.max * scale, y + 2, x0 + s.max * scale, y + ROW_H - 2, 0xCB181D, 2);
  snprintf(right, sizeof right, "max/mean %.2f, slowest rank %d", imb, (int)m->slowest[c]);
  d->ops->text(d, x0 + BAR_W + 10, y + 15, 10, WPROF_ANCHOR_START, 0, 0x303030, "slowest-label",
               right, NULL);
}

int wprof_plot_imbalance(struct wprof_draw *d, const struct wprof_matrix *m, const char *source) {
  double w = LABEL_W + BAR_W + RIGHT_W, h = TOP + ROW_H * (double)m->nnames + 60;
  char title[256], sub[512], sub2[1024];
  wprof_matrix_label(m, sub, sizeof sub);
  snprintf(title, sizeof title, "Imbalance: %s across %zu ranks (bar: min to max, blue: mean, red: max)",
           m->metric, m->nranks);
  snprintf(sub2, sizeof sub2, "%s; %s", sub, source);
  if (d->ops->begin(d, w, h) < 0) return -1;
  d->ops->rect(d, 0, 0, w, h, 0xFFFFFF, "background", NULL);
  wprof_plot_title(d, 10, title, sub2);
  double step = wprof_nice_step(m->vmax, 5), end = step * ceil(m->vmax / step - 1e-9);
  if (!(end > 0)) end = step;
  double scale = BAR_W / end;
  for (size_t c = 0; c < m->nnames; c++) {
    double y = TOP + ROW_H * (double)c;
    if (c % 2 == 0) d->ops->rect(d, 0, y, w, ROW_H, 0xF4F4F4, "stripe", NULL);
    bar(d, m, c, y, scale);
  }
  axis(d, LABEL_W, TOP + ROW_H * (double)m->nnames + 6, step, scale, end);
  return d->failed ? -1 : 0;
}
