/* /summary/memory (wpio_summary_memory.c): its order, which the summaries merged part by part
 * (wpio_summary_acc.c) share. wpio_job_summarize_memory itself is in wpio_job.h. */
#ifndef WPIO_SUMMARY_MEMORY_H
#define WPIO_SUMMARY_MEMORY_H

#include <stddef.h>

#include "wpio_job.h"

/* /summary/memory's order: peak descending, then bytes allocated, then name id. */
void wpio_memsum_sort(struct wpio_memsum_row *rows, size_t n);

#endif
