/* Layout pieces every chart shares (`wprof plot`'s and `wprof compare`'s), on top of the drawing
 * layer. */
#ifndef WPROF_CHART_H
#define WPROF_CHART_H

#include <stddef.h>

#include "wprof_draw.h"

/* Axis ticks: a round step (1, 2 or 5 x 10^k) giving about n intervals over span; the compact
 * form of a tick's time ("5ms", "2.5us"). */
double wprof_nice_step(double span, int n);
const char *wprof_fmt_tick(char *buf, size_t len, double ns);
/* A title line at the top of the image. */
void wprof_plot_title(struct wprof_draw *d, double x, const char *title, const char *subtitle);
/* Every k-th label so that labels `step` px apart at font `size` never overlap (k = 1, 2, 5, 10...). */
size_t wprof_label_stride(double step, double size);

#endif
