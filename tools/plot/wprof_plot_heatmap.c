/* The rank x name heatmap: one row of cells per rank, one column per top name, a color legend.
 * Rows thin out with the rank count so the image stays bounded; rank labels are thinned (every k-th)
 * so they never overlap; names are rotated and cut, with the full name in a tooltip. */
#include <math.h>
#include <stdio.h>

#include "wprof_plot.h"

#define ROWS_PX 1000.0  /* the rows' height is bounded by this (one pixel per rank beyond it) */
#define ROW_MAX 18.0
#define LABEL_FONT 10.0
#define NAME_PX 180.0   /* room for the rotated names under the cells */
#define TOP 56.0
#define LEFT 64.0
#define LEGEND_W 120.0
#define ABSENT 0xEEEEEE
#define MISSING 0xB0B0B0

struct heat_layout { double cw, rh, x0, y0, w, h; };

static struct heat_layout layout(const struct wprof_matrix *m) {
  struct heat_layout l;
  l.rh = ROWS_PX / (double)(m->nranks ? m->nranks : 1);
  if (l.rh > ROW_MAX) l.rh = ROW_MAX;
  if (l.rh < 1) l.rh = 1;
  l.cw = m->nnames ? 640.0 / (double)m->nnames : 40;
  if (l.cw > 48) l.cw = 48;
  if (l.cw < 16) l.cw = 16;
  l.x0 = LEFT;
  l.y0 = TOP;
  l.w = l.x0 + l.cw * (double)m->nnames + 20 + LEGEND_W;
  if (l.w < 640) l.w = 640;
  l.h = l.y0 + l.rh * (double)m->nranks + NAME_PX + 10;
  if (l.h < l.y0 + 260) l.h = l.y0 + 260; /* the legend */
  return l;
}

static void cell(struct wprof_draw *d, const struct wprof_matrix *m, const struct heat_layout *l,
                 size_t r, size_t c) {
  char tip[600], t[32];
  double v = m->v[r * m->nnames + c];
  uint32_t color;
  if (m->rank_status[r]) {
    color = MISSING;
    snprintf(tip, sizeof tip, "rank %d: %s", (int)m->ranks[r], m->rank_status[r]);
  } else if (isnan(v)) {
    color = ABSENT;
    snprintf(tip, sizeof tip, "rank %d, %s: not on this rank", (int)m->ranks[r], m->names[c]);
  } else {
    color = wprof_color_scale(m->vmax > 0 ? v / m->vmax : 0);
    snprintf(tip, sizeof tip, "rank %d, %s: %s (%.0f ns)", (int)m->ranks[r], m->names[c],
             wprof_fmt_time(t, sizeof t, v), v);
  }
  /* thin rows get no gap, or the colors would vanish between the gaps */
  double gap = l->rh >= 6 ? 1 : 0;
  d->ops->rect(d, l->x0 + l->cw * (double)c, l->y0 + l->rh * (double)r, l->cw - 1, l->rh - gap,
               color, "cell", tip);
}

static void rank_labels(struct wprof_draw *d, const struct wprof_matrix *m, const struct heat_layout *l) {
  size_t k = wprof_label_stride(l->rh, LABEL_FONT);
  char buf[24];
  for (size_t r = 0; r < m->nranks; r += k) {
    snprintf(buf, sizeof buf, "%d", (int)m->ranks[r]);
    double y = l->y0 + l->rh * ((double)r + 0.5) + LABEL_FONT * 0.35;
    d->ops->text(d, l->x0 - 4, y, LABEL_FONT, WPROF_ANCHOR_END, 0, 0x303030, "rank-label", buf, NULL);
  }
  d->ops->text(d, 14, l->y0 + l->rh * (double)m->nranks / 2, LABEL_FONT, WPROF_ANCHOR_MIDDLE, -90,
               0x303030, "axis-label", k > 1 ? "rank (every label shown is a rank row)" : "rank", NULL);
}

static void name_labels(struct wprof_draw *d, const struct wprof_matrix *m, const struct heat_layout *l) {
  char buf[256];
  double y = l->y0 + l->rh * (double)m->nranks + 6;
  for (size_t c = 0; c < m->nnames; c++) {
    wprof_text_fit(buf, sizeof buf, m->names[c], LABEL_FONT, NAME_PX - 10);
    double x = l->x0 + l->cw * ((double)c + 0.5) - LABEL_FONT * 0.35;
    d->ops->text(d, x, y, LABEL_FONT, WPROF_ANCHOR_START, 90, 0x303030, "name-label", buf, m->names[c]);
  }
}

static void legend(struct wprof_draw *d, const struct wprof_matrix *m, const struct heat_layout *l) {
  const int steps = 20;
  double x = l->x0 + l->cw * (double)m->nnames + 24, bar = 200, y = l->y0;
  char t[32], tip[64];
  for (int i = 0; i < steps; i++) {
    double frac = 1.0 - (i + 0.5) / steps;
    snprintf(tip, sizeof tip, "%s", wprof_fmt_time(t, sizeof t, frac * m->vmax));
    d->ops->rect(d, x, y + bar * i / steps, 16, bar / steps + 0.5, wprof_color_scale(frac), "legend",
                 tip);
  }
  d->ops->text(d, x + 20, y + 8, LABEL_FONT, WPROF_ANCHOR_START, 0, 0x303030, "legend-label",
               wprof_fmt_time(t, sizeof t, m->vmax), NULL);
  d->ops->text(d, x + 20, y + bar, LABEL_FONT, WPROF_ANCHOR_START, 0, 0x303030, "legend-label", "0",
               NULL);
  d->ops->rect(d, x, y + bar + 12, 16, 10, ABSENT, "legend", "absent on the rank");
  d->ops->text(d, x + 20, y + bar + 21, LABEL_FONT, WPROF_ANCHOR_START, 0, 0x303030, "legend-label",
               "absent", NULL);
  d->ops->rect(d, x, y + bar + 28, 16, 10, MISSING, "legend", "the rank's data is missing");
  d->ops->text(d, x + 20, y + bar + 37, LABEL_FONT, WPROF_ANCHOR_START, 0, 0x303030, "legend-label",
               "missing rank", NULL);
}

int wprof_plot_heatmap(struct wprof_draw *d, const struct wprof_matrix *m, const char *source) {
  struct heat_layout l = layout(m);
  char title[256], sub[512];
  wprof_matrix_label(m, sub, sizeof sub);
  snprintf(title, sizeof title, "Heatmap: %s per rank, top %zu names", m->metric, m->nnames);
  char sub2[1024];
  snprintf(sub2, sizeof sub2, "%s; %zu ranks; %s", sub, m->nranks, source);
  if (d->ops->begin(d, l.w, l.h) < 0) return -1;
  d->ops->rect(d, 0, 0, l.w, l.h, 0xFFFFFF, "background", NULL);
  wprof_plot_title(d, 10, title, sub2);
  for (size_t r = 0; r < m->nranks; r++)
    for (size_t c = 0; c < m->nnames; c++) cell(d, m, &l, r, c);
  rank_labels(d, m, &l);
  name_labels(d, m, &l);
  legend(d, m, &l);
  return d->failed ? -1 : 0;
}
