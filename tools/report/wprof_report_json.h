/* `wprof report --format json`. */
#ifndef WPROF_REPORT_JSON_H
#define WPROF_REPORT_JSON_H

#include <stdio.h>

#include "wpio_format.h"
#include "wpio_job.h"

/* JSON output of a report (jansson): header facts, warnings and the views of the tables in
 * tables_mask (a bit per enum wpio_table). WPROF_EXIT_OK, or WPROF_EXIT_FAIL. */
int wprof_report_json(FILE *out, const struct wpio_job *job, const char *path,
                      const struct wpio_format_opts *o, int tables_mask);

#endif
