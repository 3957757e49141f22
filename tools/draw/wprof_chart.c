/* Layout pieces every chart shares (`wprof plot`'s and `wprof compare`'s): a title line, round axis
 * steps, compact time labels for ticks, and how many labels to skip so none overlap. */
#include <math.h>
#include <stdio.h>

#include "wprof_chart.h"

double wprof_nice_step(double span, int n) {
  double raw = span > 0 && n > 0 ? span / n : 1;
  double mag = pow(10, floor(log10(raw)));
  static const double m[] = { 1, 2, 5, 10 };
  for (size_t i = 0; i < 4; i++)
    if (m[i] * mag >= raw * (1 - 1e-9)) return m[i] * mag;
  return 10 * mag;
}

const char *wprof_fmt_tick(char *buf, size_t len, double ns) {
  static const struct { double div; const char *unit; } u[] = {
    { 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" }, { 1, "ns" } };
  size_t i = 0;
  while (i < 3 && fabs(ns) < u[i].div * (1 - 1e-9)) i++;
  snprintf(buf, len, "%.4g%s", ns / u[i].div, ns == 0 ? "" : u[i].unit);
  return buf;
}

void wprof_plot_title(struct wprof_draw *d, double x, const char *title, const char *subtitle) {
  d->ops->text(d, x, 20, 14, WPROF_ANCHOR_START, 0, 0x202020, "title", title, NULL);
  if (subtitle)
    d->ops->text(d, x, 36, 10, WPROF_ANCHOR_START, 0, 0x606060, "subtitle", subtitle, NULL);
}

size_t wprof_label_stride(double step, double size) {
  static const size_t nice[] = { 1, 2, 5 };
  for (size_t mag = 1;; mag *= 10)
    for (size_t i = 0; i < 3; i++) {
      size_t k = nice[i] * mag;
      if ((double)k * step >= size * 1.2 || k > 1000000000) return k;
    }
}
