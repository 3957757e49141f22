/* `wprof plot`'s kinds, each drawn once through the drawing layer from a report's matrix (heatmap,
 * imbalance) or its timeline. */
#ifndef WPROF_PLOT_H
#define WPROF_PLOT_H

#include "wprof_chart.h"
#include "wprof_cli.h"
#include "wprof_draw.h"
#include "wprof_matrix.h"

/* 0, or -1 (a reason in d->err). */
int wprof_plot_heatmap(struct wprof_draw *d, const struct wprof_matrix *m, const char *source);
int wprof_plot_imbalance(struct wprof_draw *d, const struct wprof_matrix *m, const char *source);
int wprof_plot_timeline(struct wprof_draw *d, const struct wpio_job *job, const char *source);

#endif
