/* What the summaries of a whole job (wpio_summary.c) and of a job merged part by part
 * (wpio_summary_acc.c) share, so both give the same rows in the same order. */
#ifndef WPIO_SUMMARY_INTERNAL_H
#define WPIO_SUMMARY_INTERNAL_H

#include "wpio_job.h"

/* mean_rank_ns and imbalance from a row's totals. */
void wpio_summary_row_finish(struct wpio_summary_row *s);
/* The summaries' order: total_ns descending, then name. 0, or -1 when out of memory. */
int wpio_summary_sort(const struct wpio_job *job, struct wpio_summary_row *rows, size_t n);

#endif
